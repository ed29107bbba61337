"""The dataset that rdb_files.py moves between ferrokv and redis-server, as a model.

Owns: `build_dataset` (strings, lists, sets, hashes in every encoding Redis 7.0
writes, awkward keys, TTLs, databases 0, 3 and 15) as {db: {key: Entry}}; writing
it into a server through commands; reading a server back into the same shape
(`snapshot`: KEYS, TYPE, the whole value, PEXPIRETIME); and `compare`, which lists
the differences per check category.

Must not: depend on which server it talks to (both get the same commands), or use
relative TTLs (every expiry is an absolute ms time, so that PEXPIRETIME compares exactly).
"""

import time

from resp_client import RespError, expect, expect_eq, short

DATABASES = 16
# "A few seconds ahead": far enough to outlive one check group, near enough that a
# seconds-for-milliseconds mix-up would show. Refreshed before each save (`refresh_near`).
NEAR_TTL_MS = 12_000
FAR_PXAT = 4102444800123  # 2100-01-01T00:00:00.123Z


def now_ms():
    return int(time.time() * 1000)


class Entry:
    """What one key must hold: its check category, TYPE, value and PEXPIRETIME (-1: none)."""

    def __init__(self, cat, kind, value, expire=-1):
        self.cat = cat
        self.kind = kind
        self.value = value
        self.expire = expire


def pseudo_random_bytes(n, seed):
    """Incompressible, reproducible bytes (an LCG's high bytes)."""
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out[i] = x >> 56
    return bytes(out)


INT_EDGES = [-2147483649, -2147483648, -2147483647, -32769, -32768, -32767, -129, -128,
             -127, -1, 0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536,
             2147483647, 2147483648, 9223372036854775807, -9223372036854775808]
# Where a listpack switches integer encodings (7-bit, 13-bit, 16, 24, 32, 64 bits).
LISTPACK_INT_EDGES = [63, 64, 127, 128, 4095, 4096, -4096, -4097, 8388607, 8388608,
                      -8388608, -8388609]
NON_CANONICAL = [b"007", b"+1", b"-0", b" 1", b"1 ", b"0x10", b"1e3", b"00", b"-",
                 b"12345678901", b"-12345678901", b"9223372036854775808",
                 b"-9223372036854775809", b"1.5"]
BIG_RANDOM = pseudo_random_bytes(1 << 20, 7)  # built once: pure Python is slow


def build_dataset(now_ms):
    """{db: {key: Entry}} covering every type and encoding Redis 7.0 writes for strings,
    lists, sets and hashes, awkward keys, TTLs and three databases."""
    db0, db3, db15 = {}, {}, {}

    def s(key, value, db=db0, cat="string", expire=-1):
        db[key] = Entry(cat, "string", value, expire)

    s(b"str:empty", b"")
    s(b"str:binary", b"\x00\xff\r\n\x00bin\xfe")
    s(b"str:short", b"hello")
    for n in INT_EDGES:
        s(b"str:int:%d" % n, b"%d" % n)
    for i, text in enumerate(NON_CANONICAL):
        s(b"str:noncanon:%d" % i, text)
    s(b"str:20bytes", b"a" * 20)  # LZF is only tried above 20 bytes
    s(b"str:lzf:21", b"a" * 21)
    s(b"str:lzf:text", b"the quick brown fox jumps over the lazy dog; " * 40)
    s(b"str:incompressible:64", pseudo_random_bytes(64, 1))
    s(b"str:embstr:44", b"x" * 44)
    s(b"str:raw:45", b"y" * 45)
    s(b"str:1mb:compressible", b"0123456789abcdef" * (1 << 16))
    s(b"str:1mb:random", BIG_RANDOM)

    def lst(key, items, db=db0, expire=-1):
        db[key] = Entry("list", "list", list(items), expire)

    lst(b"list:small", [b"a", b"1", b"-5", b"", b"hello world"])
    lst(b"list:1000", [b"element-%04d" % i for i in range(1000)])
    lst(b"list:big-element", [b"head", b"z" * 20000, b"tail", pseudo_random_bytes(9000, 2)])
    lst(b"list:empty-strings", [b"", b"", b"x", b""])
    lst(b"list:ints", [b"%d" % n for n in INT_EDGES + LISTPACK_INT_EDGES])
    lst(b"list:binary", [b"\x00", b"\xff\xfe", b"a\r\nb", b"\x00" * 100])

    def st(key, members, db=db0, expire=-1):
        db[key] = Entry("set", "set", set(members), expire)

    st(b"set:intset16", [b"%d" % n for n in (-32768, -1, 0, 5, 32767)])
    st(b"set:intset32", [b"%d" % n for n in (-2147483648, 0, 70000, 2147483647)])
    st(b"set:intset64", [b"%d" % n for n in (-9223372036854775808, 1, 2 ** 40,
                                               9223372036854775807)])
    st(b"set:intset512", [b"%d" % i for i in range(512)])
    st(b"set:ints513", [b"%d" % i for i in range(513)])
    st(b"set:ints1000", [b"%d" % (i * 7919 - 3000000) for i in range(1000)])
    st(b"set:strings-small", [b"a", b"b", b"hello", b"1x"])
    st(b"set:strings-large", [b"member-%d" % i for i in range(700)])
    st(b"set:binary", [b"", b"\x00", b"\xff\xfe", b"a\r\nb", b"1", b"-1"])
    st(b"set:noncanon", [b"007", b"+1", b"-0", b"1"])

    def hs(key, mapping, db=db0, expire=-1):
        db[key] = Entry("hash", "hash", dict(mapping), expire)

    hs(b"hash:small", {b"name": b"ferrokv", b"n": b"42", b"neg": b"-7", b"1": b"one",
                       b"empty": b""})
    hs(b"hash:128", {b"f%d" % i: b"v%d" % i for i in range(128)})
    hs(b"hash:129", {b"f%d" % i: b"v%d" % i for i in range(129)})
    hs(b"hash:600", {b"field:%d" % i: b"%d" % (i * i) for i in range(600)})
    hs(b"hash:value64", {b"a": b"v" * 64, b"b": b"1"})
    hs(b"hash:value65", {b"a": b"v" * 65, b"b": b"1"})
    hs(b"hash:bigvalue", {b"big": pseudo_random_bytes(5000, 3), b"small": b"s"})
    hs(b"hash:int-fields", {b"%d" % n: b"%d" % -n for n in INT_EDGES + LISTPACK_INT_EDGES})
    hs(b"hash:binary", {b"": b"empty field", b"\x00\xff": b"\r\n", b"e": b"",
                        b"int": b"9223372036854775807"})

    key = "key"
    s(b"", b"value of the empty key", cat=key)
    s(b"\x00bin\xff\r\nkey", b"binary key", cat=key)
    s(b"k" * 1000, b"1000-byte key", cat=key)
    s(b"key with spaces", b"v", cat=key)
    s(b"key\nwith\nnewlines\r\n", b"v", cat=key)
    s("ключ-キー-😀".encode(), "значение-😀".encode(), cat=key)

    ttl = "ttl"
    s(b"ttl:far", b"far", cat=ttl, expire=FAR_PXAT)
    s(b"ttl:near", b"near", cat=ttl, expire=now_ms + NEAR_TTL_MS)
    lst(b"ttl:list-near", [b"a", b"b"], expire=now_ms + NEAR_TTL_MS + 1)
    hs(b"ttl:hash-far", {b"f": b"v"}, expire=FAR_PXAT + 1)

    s(b"db3:string", b"in db 3", db=db3)
    s(b"str:short", b"same name as in db 0", db=db3)
    lst(b"db3:list", [b"x", b"y"], db=db3)
    hs(b"db3:hash", {b"f": b"v"}, db=db3, expire=FAR_PXAT + 3)
    st(b"db3:set", [b"1", b"2", b"3"], db=db3)
    s(b"db15:string", b"in db 15", db=db15, expire=now_ms + NEAR_TTL_MS + 15)
    st(b"db15:set", [b"m%d" % i for i in range(20)], db=db15, expire=FAR_PXAT + 15)
    hs(b"db15:hash", {b"%d" % i: b"x" * i for i in range(100)}, db=db15)
    lst(b"db15:list", [b"%d" % i for i in range(300)], db=db15)
    return {0: db0, 3: db3, 15: db15}


def refresh_near(conn, data, now_ms):
    """Moves every near expiry (< FAR_PXAT) to now + NEAR_TTL_MS, in the model and in
    the server, so that a later phase's save still holds those keys."""
    for db, keys in data.items():
        conn.ok("SELECT", db)
        for key, e in keys.items():
            if 0 < e.expire < FAR_PXAT:
                e.expire = now_ms + NEAR_TTL_MS + (e.expire % 100)
                expect_eq(conn.call("PEXPIREAT", key, e.expire), 1, f"PEXPIREAT {key!r}")
    conn.ok("SELECT", 0)


def write_commands(key, e):
    """The commands that create `key` as `e` describes (a fresh key)."""
    if e.kind == "string":
        cmds = [["SET", key, e.value] + (["PXAT", e.expire] if e.expire > 0 else [])]
        return cmds
    cmds = []
    if e.kind == "list":
        items = e.value
        for i in range(0, len(items), 500):
            cmds.append(["RPUSH", key] + items[i:i + 500])
    elif e.kind == "set":
        members = sorted(e.value)
        for i in range(0, len(members), 500):
            cmds.append(["SADD", key] + members[i:i + 500])
    elif e.kind == "hash":
        flat = [x for kv in sorted(e.value.items()) for x in kv]
        for i in range(0, len(flat), 1000):
            cmds.append(["HSET", key] + flat[i:i + 1000])
    if e.expire > 0:
        cmds.append(["PEXPIREAT", key, e.expire])
    return cmds


def write_dataset(conn, data):
    for db, keys in data.items():
        conn.ok("SELECT", db)
        cmds = [c for key, e in keys.items() for c in write_commands(key, e)]
        errors = [(c[:2], r) for c, r in zip(cmds, conn.pipeline(cmds)) if isinstance(r, RespError)]
        expect(not errors, f"writing the dataset into db {db}: {short(errors)}")
    conn.ok("SELECT", 0)


def add_extra(conn, data, tag):
    """A few more keys (one per type) named after a phase, in the server and the model."""
    extra = {
        b"extra:%s:string" % tag: Entry("extra", "string", b"after " + tag),
        b"extra:%s:list" % tag: Entry("extra", "list", [tag, b"2"]),
        b"extra:%s:set" % tag: Entry("extra", "set", {tag, b"7"}),
        b"extra:%s:hash" % tag: Entry("extra", "hash", {b"phase": tag}, FAR_PXAT + 7),
    }
    conn.ok("SELECT", 3)
    cmds = [c for key, e in extra.items() for c in write_commands(key, e)]
    for c, r in zip(cmds, conn.pipeline(cmds)):
        expect(not isinstance(r, RespError), f"{short(c[:2])}: {r!r}")
    conn.ok("SELECT", 0)
    data.setdefault(3, {}).update(extra)


def read_value(key, kind):
    """The pipeline command that reads a whole value of `kind`."""
    return {"string": ["GET", key], "list": ["LRANGE", key, 0, -1], "set": ["SMEMBERS", key],
            "hash": ["HGETALL", key]}.get(kind, ["TYPE", key])


def decode_value(kind, reply):
    if kind == "set" and isinstance(reply, list):
        return set(reply)
    if kind == "hash" and isinstance(reply, list):
        return dict(zip(reply[0::2], reply[1::2]))
    return reply


def snapshot(conn, with_encoding=False):
    """{db: {key: Entry}} of everything the server holds, read through commands."""
    result = {}
    for db in range(DATABASES):
        conn.ok("SELECT", db)
        keys = conn.ok("KEYS", "*")
        if not keys:
            continue
        meta = conn.pipeline([c for k in keys for c in (["TYPE", k], ["PEXPIRETIME", k])])
        kinds = [m.decode() if isinstance(m, bytes) else repr(m) for m in meta[0::2]]
        values = conn.pipeline([read_value(k, t) for k, t in zip(keys, kinds)], batch=50)
        encodings = (conn.pipeline([["OBJECT", "ENCODING", k] for k in keys])
                     if with_encoding else [None] * len(keys))
        entries = {}
        for k, t, exp, v, enc in zip(keys, kinds, meta[1::2], values, encodings):
            entries[k] = Entry(None, t, decode_value(t, v), exp)
            entries[k].encoding = enc
        result[db] = entries
    conn.ok("SELECT", 0)
    return result


def compare(expected, actual):
    """Problems per category: {"keys": [...], "string": [...], ..., "ttl": [...]}."""
    problems = {}

    def add(cat, text):
        problems.setdefault(cat, []).append(text)

    for db in range(DATABASES):
        want, got = expected.get(db, {}), actual.get(db, {})
        missing = sorted(set(want) - set(got))
        unexpected = sorted(set(got) - set(want))
        if missing:
            add("keyset", f"db {db}: {len(missing)} keys missing, e.g. {short(missing[:4], 200)}")
        if unexpected:
            add("keyset", f"db {db}: {len(unexpected)} unexpected keys, e.g. "
                          f"{short(unexpected[:4], 200)}")
        for key in sorted(set(want) & set(got)):
            w, g = want[key], got[key]
            where = f"db {db} {short(key, 60)}"
            if g.kind != w.kind:
                add(w.cat, f"{where}: TYPE {g.kind}, expected {w.kind}")
            elif g.value != w.value:
                add(w.cat, f"{where}: value differs: expected {short(w.value, 120)}, "
                           f"got {short(g.value, 120)}")
            if g.expire != w.expire:
                add("ttl", f"{where}: PEXPIRETIME {g.expire}, expected {w.expire}")
    return problems


CATEGORIES = ["keyset", "string", "list", "set", "hash", "key", "ttl"]

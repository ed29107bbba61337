"""RDB files and DUMP payloads exchanged between ferrokv and a real redis-server 7.0.

`python3 rdb_files.py FERROKV_BINARY [REDIS_SERVER_BINARY]` runs six groups of checks,
each on its own servers (127.0.0.1, free ports, temporary directories). The dataset
(rdb_dataset.py) covers every type and encoding ferrokv persists, awkward keys, TTLs
and databases 0, 3 and 15; "holds the dataset" means, per db, the same key set,
TYPE, whole value and PEXPIRETIME (absolute ms, so exact).

1. ferrokv → Redis: the dataset written into ferrokv (whose DUMPs must use the RDB
   types Redis chose for the same data, and which survives DEBUG RELOAD), SAVEd with
   one key that expires before the load, checked with `redis-check-rdb`, and loaded
   by redis-server, which must hold the dataset, count the expired key in INFO, and
   give each key the OBJECT ENCODING it gives the same data sent as commands. Three
   variants: defaults; rdbcompression/rdbchecksum off; other encoding limits.
2. Redis → ferrokv: the same, the other way (three variants), plus a BGSAVE.
3. ferrokv's own BGSAVE, its save on SHUTDOWN and on SIGTERM (a save point set), a
   restart on its own dump, each dump checked by redis-check-rdb and loaded by Redis.
4. DUMP/RESTORE both ways for every key (TTL 0, REPLACE, ABSTTL, IDLETIME), which
   payloads are byte-identical, and RESTORE's error replies compared byte for byte.
5. A Redis dump holding a sorted set: today ferrokv refuses it at start-up, naming
   the key (a `known` FIXME(compat) line while sorted sets are missing).
6. Damaged dumps (bad CRC, zero CRC, version 13, truncated, empty...): ferrokv must
   refuse or accept each at start-up as redis-server does.

The client is resp_client.py's RESP2 client over a raw socket, not redis-py: the
checks compare reply bytes (error texts, DUMP payloads), keys and values are binary,
and the piece then needs only the standard library (run.sh runs it with python3).

Prints `ok NAME`, `FAIL NAME: why` or `known NAME: FIXME(compat) ...` per check and
exits 1 if any failed. A missing tool (redis-server, redis-check-rdb) is a FAIL.

Must not: leave a server running (each is stopped by PID in a finally), touch files
outside its temporary directories, or wait without a bound (every socket read has
SOCKET_TIMEOUT_S, every poll a deadline, every subprocess a timeout).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_proc import Server, free_port, stop_on_sigterm  # noqa: E402
from server_proc import _die_with_parent as die_with_parent  # noqa: E402
from resp_client import (LOAD_TIMEOUT_S, CheckFailed, RespError, encode_command,  # noqa: E402
                         expect, expect_eq, short, wait_loaded)
from rdb_dataset import (CATEGORIES, FAR_PXAT, add_extra, build_dataset, compare,  # noqa: E402
                         decode_value, now_ms, read_value, refresh_near, snapshot,
                         write_dataset)

SAVE_TIMEOUT_S = 15
TOOL_TIMEOUT_S = 30
TAG = "rdb"


# --- reporting ---------------------------------------------------------------------------


class Runner:
    """Counts and prints the check lines, each named `TAG/NAME` (aof_files.py passes its own)."""

    def __init__(self, tag=TAG):
        self.tag = tag
        self.passed = 0
        self.failed = 0
        self.known = 0

    def ok(self, name):
        self.passed += 1
        print(f"ok {self.tag}/{name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        why = why.rstrip().replace("\n", "\n    ")
        print(f"FAIL {self.tag}/{name}: {why}", flush=True)

    def gap(self, name, why):
        self.known += 1
        print(f"known {self.tag}/{name}: FIXME(compat) {why}", flush=True)

    def report(self, name, error):
        if error is None:
            self.ok(name)
        else:
            self.fail(name, error)

    def check(self, name, fn, *args):
        """Runs fn(*args); a CheckFailed or any exception is this check's FAIL.
        Returns fn's result, or None when it failed."""
        try:
            result = fn(*args)
        except CheckFailed as e:
            self.fail(name, str(e))
            return None
        except Exception as e:  # noqa: BLE001 - any exception is this check's failure
            self.fail(name, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}")
            return None
        self.ok(name)
        return result if result is not None else True

    def compare_all(self, prefix, expected, conn, categories=CATEGORIES):
        """One check per category: the server behind `conn` holds exactly `expected`."""
        try:
            actual = snapshot(conn)
        except Exception as e:  # noqa: BLE001
            self.fail(f"{prefix}/read", f"{type(e).__name__}: {e}")
            return None
        problems = compare(expected, actual)
        cats = list(categories) + sorted(set(problems) - set(categories))
        for cat in cats:
            found = problems.get(cat)
            self.report(f"{prefix}/{cat}", None if not found else
                        f"{len(found)} problems:\n" + "\n".join(found[:8]))
        return actual


# --- servers and tools -------------------------------------------------------------------


def start(binary, *args):
    """A server without a password, its settings after Server's defaults (later wins)."""
    return Server(binary, password=None, extra_args=list(args))


def check_rdb_tool(path):
    """redis-check-rdb must exit 0 and say the file looks OK."""
    tool = shutil.which("redis-check-rdb")
    expect(tool is not None, "redis-check-rdb is not on PATH")
    proc = subprocess.run([tool, path], capture_output=True, timeout=TOOL_TIMEOUT_S)
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    expect(proc.returncode == 0 and "RDB looks OK" in out,
           f"redis-check-rdb exited {proc.returncode}:\n{out[-1500:]}")


def info_field(conn, section, field):
    text = conn.ok("INFO", section).decode()
    for line in text.split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    raise CheckFailed(f"INFO {section} has no {field}")


def bgsave_and_wait(conn):
    reply = conn.ok("BGSAVE")
    expect_eq(reply, b"Background saving started", "BGSAVE reply")
    deadline = time.monotonic() + SAVE_TIMEOUT_S
    while time.monotonic() < deadline:
        if info_field(conn, "persistence", "rdb_bgsave_in_progress") == "0":
            status = info_field(conn, "persistence", "rdb_last_bgsave_status")
            expect_eq(status, "ok", "rdb_last_bgsave_status after BGSAVE")
            return
        time.sleep(0.05)
    raise CheckFailed(f"BGSAVE still in progress after {SAVE_TIMEOUT_S} s")


def take_file(src_dir, dest_dir, name, keep=False):
    """Moves (or with KEEP copies) SRC_DIR/dump.rdb to DEST_DIR/NAME/dump.rdb; returns
    DEST_DIR/NAME. Moved, so that the next save in SRC_DIR is known to be a new file."""
    src = os.path.join(src_dir, "dump.rdb")
    expect(os.path.isfile(src), f"no dump.rdb in {src_dir} (files: {os.listdir(src_dir)})")
    target = os.path.join(dest_dir, name)
    os.makedirs(target, exist_ok=True)
    (shutil.copy if keep else shutil.move)(src, os.path.join(target, "dump.rdb"))
    return target


def copy_dump(src_dir, dest_dir, name):
    """SRC_DIR/dump.rdb copied (the server there loads it again at its next start)."""
    return take_file(src_dir, dest_dir, name, keep=True)


# --- 1. ferrokv → Redis ----------------------------------------------------------------------


def reference_encodings(redis_bin, args):
    """What redis-server (started with ARGS) makes of the dataset given by commands:
    {(db, key): (OBJECT ENCODING, RDB type byte of its DUMP)}."""
    server = start(redis_bin, *args)
    try:
        conn = wait_loaded(server.port)
        write_dataset(conn, build_dataset(now_ms()))
        return encodings_of(conn)
    finally:
        server.stop()


def encodings_of(conn):
    """{(db, key): (OBJECT ENCODING, RDB type byte of DUMP)} for every key."""
    result = {}
    for db, keys in snapshot(conn, with_encoding=True).items():
        conn.ok("SELECT", db)
        dumps = conn.pipeline([["DUMP", k] for k in keys], batch=20)
        for (k, e), payload in zip(keys.items(), dumps):
            kind = payload[0] if isinstance(payload, bytes) and payload else payload
            result[(db, k)] = (e.encoding, kind)
    conn.ok("SELECT", 0)
    return result


def compare_rdb_types(conn, reference):
    """The RDB type byte (0 string, 18 quicklist, 11 intset, 2 set, 16 listpack hash,
    4 hash) of each key's DUMP in ferrokv = the one Redis chose for the same data."""
    ours = encodings_of(conn)
    diffs = [f"db {db} {short(k, 50)}: ferrokv type {ours.get((db, k), (0, None))[1]}, "
             f"Redis {want[1]}" for (db, k), want in sorted(reference.items())
             if ours.get((db, k), (0, None))[1] != want[1]]
    expect(not diffs, f"{len(diffs)} keys differ:\n" + "\n".join(diffs[:10]))


# Settings that change the file: compression (LZF) off, checksum off (a zero trailer).
# Other encoding limits: listpack hashes of 600 fields, intsets of 1000, many small list
# nodes, LZF-compressed list nodes (written as LZF even with rdbcompression no).
VARIANTS = [("default", []),
            ("no-lzf-no-crc", ["--rdbcompression", "no", "--rdbchecksum", "no"]),
            ("other-limits", ["--hash-max-listpack-entries", "1024",
                              "--hash-max-listpack-value", "8000",
                              "--set-max-intset-entries", "2048",
                              "--list-max-listpack-size", "5", "--list-compress-depth", "1"])]
EXPIRING_KEY = b"ttl:expires-before-load"


def save_with_expiring_key(conn):
    """Writes a key that expires 300 ms from now, SAVEs, and waits until it expired:
    the dump holds it, a loader must drop it (and count it in rdb_last_load_keys_expired)."""
    conn.ok("SELECT", 0)
    conn.ok("SET", EXPIRING_KEY, "gone by load time", "PX", 300)
    expires = conn.ok("PEXPIRETIME", EXPIRING_KEY)
    expect_eq(conn.call("SAVE"), b"OK", "SAVE")
    time.sleep(max(0, expires - now_ms() + 50) / 1000)


def check_settings_honoured(path, variant):
    with open(path, "rb") as f:
        dump = f.read()
    expect(dump.startswith(b"REDIS0010"), f"header {dump[:9]!r}, expected REDIS0010")
    if variant == "default":
        expect(dump[-8:] != b"\0" * 8, "checksum trailer is zero with rdbchecksum yes")
        expect(len(dump) < (1 << 20) + (1 << 19),
               f"{len(dump)} bytes: the compressible 1 MB string was not LZF-compressed")
    else:
        expect_eq(dump[-8:], b"\0" * 8, "trailer with rdbchecksum no")
        expect(b"0123456789abcdef" * 1024 in dump, "a compressible string was compressed "
                                                   "with rdbcompression no")


def group_ferrokv_to_redis(r, ferro_bin, redis_bin, tmp):
    for variant, args in VARIANTS:
        prefix = "ferrokv-to-redis" + ("" if variant == "default" else f"/{variant}")
        encodings = r.check(f"{prefix}/reference-encodings", reference_encodings,
                            redis_bin, args)
        data_dir = os.path.join(tmp, f"g1-{variant}")
        os.makedirs(data_dir)
        ferro = start(ferro_bin, "--dir", data_dir, "--enable-debug-command", "yes", *args)
        try:
            conn = wait_loaded(ferro.port)
            data = build_dataset(now_ms())
            if not r.check(f"{prefix}/write-dataset", write_dataset, conn, data):
                continue
            if isinstance(encodings, dict):
                r.check(f"{prefix}/rdb-types", compare_rdb_types, conn, encodings)
            if variant == "default":
                if r.check(f"{prefix}/debug-reload",
                           lambda: expect_eq(conn.call("DEBUG", "RELOAD"), b"OK", "DEBUG RELOAD")):
                    r.compare_all(f"{prefix}/debug-reload", data, conn, ["keyset"])
            if not r.check(f"{prefix}/save", save_with_expiring_key, conn):
                continue
            conn.close()
        finally:
            ferro.stop()
        dump_dir = take_file(data_dir, tmp, f"g1-{variant}-dump")
        if variant != "other-limits":
            r.check(f"{prefix}/file-settings", check_settings_honoured,
                    os.path.join(dump_dir, "dump.rdb"), variant)
        load_and_compare(r, prefix, "redis", redis_bin, dump_dir, data, expired_keys=1,
                         encodings=encodings if isinstance(encodings, dict) else None,
                         args=args)


def load_and_compare(r, prefix, who, binary, dump_dir, data, expired_keys=None,
                     encodings=None, args=()):
    """Starts BINARY (`who`: "redis" or "ferrokv") with ARGS on DUMP_DIR/dump.rdb; checks that
    it holds exactly DATA (a dump written by ferrokv is first given to redis-check-rdb).
    With EXPIRED_KEYS, INFO's load counters must say that many keys were dropped."""
    if who == "redis":
        r.check(f"{prefix}/redis-check-rdb", check_rdb_tool, os.path.join(dump_dir, "dump.rdb"))
    server = conn = None
    try:
        server = start(binary, "--dir", dump_dir, "--dbfilename", "dump.rdb", *args)
        conn = wait_loaded(server.port)
    except Exception as e:  # noqa: BLE001
        r.fail(f"{prefix}/{who}-loads-dump", f"{e}\n{server.log_tail() if server else ''}")
        if server:
            server.stop()
        return
    try:
        r.ok(f"{prefix}/{who}-loads-dump")
        r.compare_all(prefix, data, conn)
        if expired_keys is not None:
            loaded = sum(len(keys) for keys in data.values())
            r.check(f"{prefix}/load-counters", lambda: (
                expect_eq(info_field(conn, "persistence", "rdb_last_load_keys_loaded"),
                          str(loaded), "rdb_last_load_keys_loaded"),
                expect_eq(info_field(conn, "persistence", "rdb_last_load_keys_expired"),
                          str(expired_keys), "rdb_last_load_keys_expired")))
        if encodings:
            r.check(f"{prefix}/object-encoding", compare_encodings, conn, encodings)
        conn.close()
    finally:
        server.stop()


def compare_encodings(conn, reference):
    """OBJECT ENCODING in Redis after loading ferrokv's dump = Redis's own choice."""
    diffs, seen = [], {}
    for (db, key), (want, _) in sorted(reference.items()):
        conn.ok("SELECT", db)
        got = conn.call("OBJECT", "ENCODING", key)
        seen.setdefault(got, 0)
        seen[got] += 1
        if got != want:
            diffs.append(f"db {db} {short(key, 50)}: {got!r}, Redis itself chose {want!r}")
    conn.ok("SELECT", 0)
    summary = ", ".join(f"{k.decode() if isinstance(k, bytes) else k}={n}"
                        for k, n in sorted(seen.items(), key=lambda kv: repr(kv[0])))
    print(f"# OBJECT ENCODING in Redis after loading ferrokv's dump: {summary}", flush=True)
    expect(not diffs, f"{len(diffs)} keys differ:\n" + "\n".join(diffs[:10]))


# --- 2. Redis → ferrokv ----------------------------------------------------------------------


def group_redis_to_ferrokv(r, ferro_bin, redis_bin, tmp):
    for variant, args in VARIANTS:
        prefix = "redis-to-ferrokv" + ("" if variant == "default" else f"/{variant}")
        data_dir = os.path.join(tmp, f"g2-{variant}")
        os.makedirs(data_dir)
        redis = start(redis_bin, "--dir", data_dir, *args)
        try:
            conn = wait_loaded(redis.port)
            data = build_dataset(now_ms())
            if not r.check(f"{prefix}/write-dataset", write_dataset, conn, data):
                continue
            if not r.check(f"{prefix}/save", save_with_expiring_key, conn):
                continue
            save_dir = take_file(data_dir, tmp, f"g2-{variant}-save")
            load_and_compare(r, f"{prefix}/save", "ferrokv", ferro_bin, save_dir, data,
                             expired_keys=1, args=args)
            if variant != "default":
                continue
            add_extra(conn, data, b"bgsave")
            refresh_near(conn, data, now_ms())
            if not r.check(f"{prefix}/bgsave", bgsave_and_wait, conn):
                continue
            bg_dir = take_file(data_dir, tmp, f"g2-{variant}-bgsave")
            load_and_compare(r, f"{prefix}/bgsave", "ferrokv", ferro_bin, bg_dir, data)
            conn.close()
        finally:
            redis.stop()


# --- 3. ferrokv BGSAVE, SHUTDOWN and SIGTERM saves ----------------------------------------------


def wait_exit(server, what):
    try:
        rc = server.proc.wait(timeout=SAVE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"still running {SAVE_TIMEOUT_S} s after {what}") from None
    expect(rc == 0, f"exit code {rc} after {what}; log:\n{server.log_tail()}")


def group_ferrokv_saves(r, ferro_bin, redis_bin, tmp):
    prefix = "ferrokv-saves"
    data_dir = os.path.join(tmp, "g3-ferrokv")
    os.makedirs(data_dir)
    save_args = ["--dir", data_dir, "--save", "3600 1"]
    ferro = start(ferro_bin, *save_args)
    data = build_dataset(now_ms())
    try:
        conn = wait_loaded(ferro.port)
        if not r.check(f"{prefix}/write-dataset", write_dataset, conn, data):
            return
        if not r.check(f"{prefix}/bgsave", bgsave_and_wait, conn):
            return
        bg_dir = copy_dump(data_dir, tmp, "g3-bgsave")
        load_and_compare(r, f"{prefix}/bgsave", "redis", redis_bin, bg_dir, data)

        add_extra(conn, data, b"shutdown")
        refresh_near(conn, data, now_ms())
        conn.sock.sendall(encode_command(["SHUTDOWN"]))
        try:
            reply = conn.read_reply()
        except (ConnectionError, OSError):
            reply = None  # SHUTDOWN answers nothing when it succeeds
        if not r.check(f"{prefix}/shutdown-exits-0",
                       lambda: (expect(reply is None, f"SHUTDOWN replied {reply!r}"),
                                wait_exit(ferro, "SHUTDOWN"))):
            return
        conn.close()
    finally:
        ferro.stop()
    shutdown_dir = copy_dump(data_dir, tmp, "g3-shutdown")
    load_and_compare(r, f"{prefix}/shutdown", "redis", redis_bin, shutdown_dir, data)

    # Restart on the SHUTDOWN dump (it must come back whole), then SIGTERM.
    ferro = None
    try:
        ferro = start(ferro_bin, *save_args)
        conn = wait_loaded(ferro.port)
        r.compare_all(f"{prefix}/restart", data, conn, ["keyset", "ttl"])
        add_extra(conn, data, b"sigterm")
        refresh_near(conn, data, now_ms())
        conn.close()
        ferro.proc.terminate()  # `timeout` passes the SIGTERM on to the server
        if not r.check(f"{prefix}/sigterm-exits-0", wait_exit, ferro, "SIGTERM"):
            return
    except Exception as e:  # noqa: BLE001
        r.fail(f"{prefix}/restart", f"{type(e).__name__}: {e}\n{ferro.log_tail() if ferro else ''}")
        return
    finally:
        if ferro:
            ferro.stop()
    sigterm_dir = copy_dump(data_dir, tmp, "g3-sigterm")
    load_and_compare(r, f"{prefix}/sigterm", "redis", redis_bin, sigterm_dir, data)


# --- 4. DUMP / RESTORE ---------------------------------------------------------------------------

_CRC_TABLE = []


def crc64(data):
    """CRC-64/REDIS (reflected poly 0x95ac9329ac4bc9b5, init 0, no final xor)."""
    if not _CRC_TABLE:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x95AC9329AC4BC9B5 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    crc = 0
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def make_payload(body, version=10):
    """A DUMP payload: body (type byte + value), u16 LE version, u64 LE CRC-64."""
    head = body + version.to_bytes(2, "little")
    return head + crc64(head).to_bytes(8, "little")


def restore_value(conn, db, key, ttl, payload, *options):
    conn.ok("SELECT", db)
    return conn.call("RESTORE", key, ttl, payload, *options)


def group_dump_restore(r, ferro_bin, redis_bin, tmp):
    prefix = "dump-restore"
    servers = []
    try:
        # Sources hold the dataset; destinations start empty. Appended one by one, so
        # that a failed start still stops the ones already running.
        for binary in (redis_bin, ferro_bin, ferro_bin, redis_bin):
            servers.append(start(binary))
        rs, fs, fd, rd = (wait_loaded(s.port) for s in servers)
        data = build_dataset(now_ms())
        for name, conn in (("redis", rs), ("ferrokv", fs)):
            if not r.check(f"{prefix}/write-dataset-{name}", write_dataset, conn, data):
                return
        payloads = {}  # (db, key) -> (redis payload, ferrokv payload)
        for db, keys in data.items():
            rs.ok("SELECT", db)
            fs.ok("SELECT", db)
            for key in keys:
                payloads[(db, key)] = (rs.call("DUMP", key), fs.call("DUMP", key))
        abs_ttl = FAR_PXAT + 999

        def restore_all(src_name, dst, dst_name, which, options, expire):
            problems = []
            for (db, key), pair in payloads.items():
                e = data[db][key]
                payload = pair[which]
                where = f"db {db} {short(key, 50)}"
                if not isinstance(payload, bytes):
                    problems.append(f"{where}: DUMP in {src_name} answered {payload!r}")
                    continue
                ttl = expire if "ABSTTL" in options else 0
                reply = restore_value(dst, db, key, ttl, payload, *options)
                if reply != b"OK":
                    problems.append(f"{where}: RESTORE {' '.join(map(str, options))} "
                                    f"answered {reply!r}")
                    continue
                got = decode_value(e.kind, dst.call(*read_value(key, e.kind)))
                if got != e.value:
                    problems.append(f"{where}: value {short(got, 100)}, expected "
                                    f"{short(e.value, 100)}")
                exp = dst.call("PEXPIRETIME", key)
                if exp != expire:
                    problems.append(f"{where}: PEXPIRETIME {exp}, expected {expire}")
            dst.ok("SELECT", 0)
            expect(not problems, f"{len(problems)} keys, {src_name} DUMP -> {dst_name} "
                                 f"RESTORE:\n" + "\n".join(problems[:8]))

        r.check(f"{prefix}/redis-to-ferrokv", restore_all, "redis", fd, "ferrokv", 0, [], -1)
        r.check(f"{prefix}/redis-to-ferrokv-replace-absttl", restore_all, "redis", fd,
                "ferrokv", 0, ["REPLACE", "ABSTTL"], abs_ttl)
        # REPLACE over the source's own keys (each exists there, with its own TTL).
        r.check(f"{prefix}/redis-to-ferrokv-replace-existing", restore_all, "redis", fs,
                "ferrokv", 0, ["REPLACE"], -1)
        r.check(f"{prefix}/redis-to-ferrokv-absttl-idletime", restore_all, "redis", fd,
                "ferrokv", 0, ["REPLACE", "ABSTTL", "IDLETIME", "5"], abs_ttl)
        r.check(f"{prefix}/ferrokv-to-redis", restore_all, "ferrokv", rd, "redis", 1, [], -1)
        r.check(f"{prefix}/ferrokv-to-redis-replace-absttl", restore_all, "ferrokv", rd,
                "redis", 1, ["REPLACE", "ABSTTL"], abs_ttl)
        r.check(f"{prefix}/ferrokv-to-redis-replace-existing", restore_all, "ferrokv", rs,
                "redis", 1, ["REPLACE"], -1)
        r.check(f"{prefix}/payload-bytes", compare_payload_bytes, data, payloads)
        r.check(f"{prefix}/error-replies", compare_restore_errors, rd, fd, payloads)
        restore_zset(r, prefix, rs, fd)
        for conn in (rs, fs, fd, rd):
            conn.close()
    finally:
        for server in servers:
            server.stop()


def compare_payload_bytes(data, payloads):
    """Strings that LZF does not touch (≤ 20 bytes) must give identical DUMP payloads.
    For longer strings (LZF may legitimately differ) and other types (member order,
    node split, LZF of blobs), which keys are identical is reported, not required."""
    strict_diff = []
    groups = {"lzf-eligible strings": ([], []), "other types": ([], [])}
    short_same = short_total = 0
    for (db, key), (rp, fp) in sorted(payloads.items()):
        e = data[db][key]
        same = rp == fp
        if e.kind == "string" and len(e.value) <= 20:
            short_total += 1
            short_same += same
            if not same:
                strict_diff.append(f"db {db} {short(key, 50)}: redis {rp!r}, ferrokv {fp!r}")
            continue
        group = groups["lzf-eligible strings" if e.kind == "string" else "other types"]
        group[0 if same else 1].append(key.decode("utf-8", "replace")[:40])
    print(f"# DUMP payloads byte-identical: strings <= 20 bytes {short_same}/{short_total}",
          flush=True)
    for name, (same, diff) in groups.items():
        print(f"# DUMP payloads, {name}: identical {same}; different {diff}", flush=True)
    expect(not strict_diff, f"{len(strict_diff)} short strings differ:\n"
                            + "\n".join(strict_diff[:8]))


def compare_restore_errors(rd, fd, payloads):
    """RESTORE's error replies, byte for byte, from Redis and ferrokv on the same input."""
    good = payloads[(0, b"str:short")][0]  # Redis's payload for "hello"
    body = good[:-10]
    long_body = payloads[(0, b"str:incompressible:64")][0][:-10]
    flipped = bytearray(good)
    flipped[3] ^= 0x01
    cases = [
        ("busykey", ["RESTORE", "str:short", 0, good]),
        ("flipped-byte", ["RESTORE", "new:1", 0, bytes(flipped)]),
        ("crc-zeroed", ["RESTORE", "new:1", 0, good[:-8] + b"\x00" * 8]),
        ("version-13", ["RESTORE", "new:1", 0, make_payload(body, 13)]),
        ("truncated-footer", ["RESTORE", "new:1", 0, good[:-3]]),
        ("too-short", ["RESTORE", "new:1", 0, good[:5]]),
        ("empty-payload", ["RESTORE", "new:1", 0, b""]),
        # Cut by more than the 10-byte footer: Redis reads a value through the footer
        # (RESTORE does not check that the value ends where the footer starts).
        ("truncated-body", ["RESTORE", "new:1", 0, make_payload(long_body[:-20])]),
        ("unknown-type", ["RESTORE", "new:1", 0, make_payload(b"\x63" + body[1:])]),
        ("negative-ttl", ["RESTORE", "new:1", -1, good]),
        ("bad-ttl", ["RESTORE", "new:1", "abc", good]),
        ("ttl-float", ["RESTORE", "new:1", "1.5", good]),
        ("idletime-negative", ["RESTORE", "new:1", 0, good, "IDLETIME", -1]),
        ("idletime-not-int", ["RESTORE", "new:1", 0, good, "IDLETIME", "x"]),
        ("freq-256", ["RESTORE", "new:1", 0, good, "FREQ", 256]),
        ("freq-negative", ["RESTORE", "new:1", 0, good, "FREQ", -1]),
        ("unknown-option", ["RESTORE", "new:1", 0, good, "BOGUS"]),
        ("idletime-and-freq", ["RESTORE", "new:1", 0, good, "IDLETIME", 1, "FREQ", 1]),
        ("freq-and-idletime", ["RESTORE", "new:1", 0, good, "FREQ", 1, "IDLETIME", 1]),
        ("idletime-missing-arg", ["RESTORE", "new:1", 0, good, "IDLETIME"]),
        ("busykey-bad-payload", ["RESTORE", "str:short", 0, b"junk"]),
        ("wrong-arity", ["RESTORE", "new:1", 0]),
        ("absttl-past", ["RESTORE", "new:past", 1000, good, "ABSTTL"]),
    ]
    diffs = []
    for name, cmd in cases:
        replies = []
        for conn in (rd, fd):
            conn.ok("SELECT", 0)
            conn.call("DEL", "new:1", "new:past")
            conn.ok("SET", "str:short", "hello")
            reply = conn.call_raw(*cmd)
            after = conn.call("EXISTS", cmd[1])
            replies.append((reply, after))
        if replies[0] != replies[1]:
            diffs.append(f"{name}: redis {replies[0][0]!r} (EXISTS {replies[0][1]}), "
                         f"ferrokv {replies[1][0]!r} (EXISTS {replies[1][1]})")
    expect(not diffs, f"{len(diffs)} of {len(cases)} cases differ:\n" + "\n".join(diffs))


def restore_zset(r, prefix, rs, fd):
    """FIXME(compat): RESTORE of a sorted set is refused with a clear error today."""
    name = f"{prefix}/restore-zset"
    try:
        rs.ok("SELECT", 0)
        rs.ok("ZADD", "zset:restore", 1, "a", 2.5, "b")
        payload = rs.ok("DUMP", "zset:restore")
        fd.ok("SELECT", 0)
        reply = fd.call("RESTORE", "zset:restore", 0, payload)
    except Exception as e:  # noqa: BLE001
        r.fail(name, f"{type(e).__name__}: {e}")
        return
    today = RespError("ERR Bad data format: sorted sets are not supported yet")
    if reply == today:
        r.ok(f"{name}-refused")
        r.gap(name, "sorted sets not implemented: RESTORE answers "
                    f"{today.text!r} where Redis answers OK")
    elif reply == b"OK":
        r.fail(name, "RESTORE of a zset now works: remove the known entry, check the value")
    else:
        r.fail(name, f"RESTORE of a zset answered {reply!r}, expected {today.text!r} (today)")


# --- 5. a Redis dump with a sorted set ------------------------------------------------------------


def group_zset_dump(r, ferro_bin, redis_bin, tmp):
    prefix = "zset-dump"
    for label, members in (("listpack", 5), ("skiplist", 200)):
        data_dir = os.path.join(tmp, f"g5-{label}")
        os.makedirs(data_dir)
        key = f"zset:{label}:leaderboard"
        redis = start(redis_bin, "--dir", data_dir)
        try:
            conn = wait_loaded(redis.port)
            conn.ok("SET", "plain:string", "v")
            conn.ok("RPUSH", "plain:list", "a", "b")
            args = [x for i in range(members) for x in (i * 1.5, f"member-{i}")]
            conn.ok("ZADD", key, *args)
            enc = conn.ok("OBJECT", "ENCODING", key)
            expect_eq(enc, label.encode(), "Redis's own zset encoding")
            expect_eq(conn.call("SAVE"), b"OK", "SAVE")
            conn.close()
        except Exception as e:  # noqa: BLE001
            r.fail(f"{prefix}/{label}/redis-save", f"{type(e).__name__}: {e}")
            continue
        finally:
            redis.stop()
        rc, started, out = start_and_watch(ferro_bin, data_dir)
        if started:
            r.fail(f"{prefix}/{label}/refused-naming-the-key",
                   "ferrokv started on a dump holding a zset: if sorted sets now load, "
                   "remove the known entry and compare the values instead")
        elif rc is None:
            r.fail(f"{prefix}/{label}/refused-naming-the-key",
                   f"ferrokv neither listened nor exited within {LOAD_TIMEOUT_S} s")
        elif rc != 0 and key in out:
            r.ok(f"{prefix}/{label}/refused-naming-the-key")
            r.gap(f"{prefix}/{label}", f"sorted sets not implemented: ferrokv exits {rc} "
                                       f"on a dump holding a {label} zset")
        else:
            r.fail(f"{prefix}/{label}/refused-naming-the-key",
                   f"exit code {rc}, expected non-zero with {key!r} in the "
                   f"output:\n{out[-1500:]}")


def answers_pong(port):
    """Does a server on `port` answer PING with PONG (not -LOADING, not silence)?
    Accepting a connection is not enough: servers listen before they load."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_and_watch(binary, data_dir, *extra):
    """Starts BINARY on DATA_DIR/dump.rdb and watches it until it either serves (answers
    PING) or exits: (exit code or None, whether it served, its output). Stopped by PID."""
    port = free_port()
    log_path = os.path.join(data_dir, "start.log")
    args = ["timeout", "-k", "5", str(LOAD_TIMEOUT_S), binary, "--port", str(port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", data_dir, "--dbfilename", "dump.rdb", *extra]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    listened, exited = False, None
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            exited = proc.poll()
            if exited is not None:
                break
            if answers_pong(port):
                listened = True
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
    with open(log_path, "rb") as f:
        out = f.read().decode("utf-8", "replace")
    return exited, listened, out


# --- 6. damaged dumps -------------------------------------------------------------------------


def damaged_dumps(dump):
    """(name, file bytes, rdbchecksum setting) for start-up cases both servers must treat
    alike: refuse to start (exit non-zero) or start and serve."""
    flipped = bytearray(dump)
    flipped[-1] ^= 0x01
    body_flip = bytearray(dump)
    body_flip[len(dump) // 2] ^= 0x20
    return [
        ("crc-flipped", bytes(flipped), "yes"),
        ("crc-flipped-rdbchecksum-no", bytes(flipped), "no"),
        ("body-byte-flipped", bytes(body_flip), "yes"),
        ("zero-trailer", dump[:-8] + b"\0" * 8, "yes"),
        # Version 13 with a valid checksum: refused for the version alone. (ferrokv
        # reads 11 and 12 on purpose, which Redis 7.0 refuses; not compared here.)
        ("version-13", with_crc(b"REDIS0013" + dump[9:-8]), "yes"),
        ("not-rdb", b"HELLO0010" + dump[9:], "yes"),
        ("truncated", dump[:-20], "yes"),
        ("no-trailer", dump[:-8], "yes"),
        ("empty-file", b"", "yes"),
    ]


def with_crc(content):
    return content + crc64(content).to_bytes(8, "little")


def group_damaged_dumps(r, ferro_bin, redis_bin, tmp):
    prefix = "damaged-dump"
    data_dir = os.path.join(tmp, "g6-source")
    os.makedirs(data_dir)
    redis = start(redis_bin, "--dir", data_dir)
    try:
        conn = wait_loaded(redis.port)
        conn.ok("SET", "a", "x" * 100)
        conn.ok("RPUSH", "l", *[f"e{i}" for i in range(50)])
        conn.ok("HSET", "h", "f", "v")
        conn.ok("SADD", "s", 1, 2, 3)
        expect_eq(conn.call("SAVE"), b"OK", "SAVE")
        conn.close()
    finally:
        redis.stop()
    with open(os.path.join(data_dir, "dump.rdb"), "rb") as f:
        dump = f.read()
    for name, content, checksum in damaged_dumps(dump):
        outcomes = []
        for binary in (redis_bin, ferro_bin):
            case_dir = os.path.join(tmp, f"g6-{name}-{len(outcomes)}")
            os.makedirs(case_dir)
            with open(os.path.join(case_dir, "dump.rdb"), "wb") as f:
                f.write(content)
            rc, served, out = start_and_watch(binary, case_dir, "--rdbchecksum", checksum)
            outcome = "serves" if served else (
                "hangs" if rc is None else "exits 0" if rc == 0 else "refuses")
            outcomes.append((outcome, out.strip().splitlines()[-1:] if out.strip() else []))
        (want, redis_said), (got, ferro_said) = outcomes
        r.report(f"{prefix}/{name}", None if want == got else
                 f"redis {want} ({redis_said}), ferrokv {got} ({ferro_said})")


# --- main ---------------------------------------------------------------------------------------


def main():
    stop_on_sigterm()
    if len(sys.argv) not in (2, 3):
        print(f"usage: {sys.argv[0]} FERROKV_BINARY [REDIS_SERVER_BINARY]", file=sys.stderr)
        return 2
    started = time.monotonic()
    ferro_bin = os.path.abspath(sys.argv[1])
    redis_bin = sys.argv[2] if len(sys.argv) == 3 else shutil.which("redis-server")
    r = Runner()
    missing = [t for t in ("redis-server", "redis-check-rdb") if shutil.which(t) is None]
    for tool in missing:
        r.fail(f"prerequisite/{tool}", "not found on PATH")
    if not redis_bin or missing:
        print(f"# {TAG}: {r.passed} passed, {r.failed} failed", flush=True)
        return 1
    tmp = tempfile.mkdtemp(prefix="ferrokv-rdb-")
    try:
        for group in (group_ferrokv_to_redis, group_redis_to_ferrokv, group_ferrokv_saves,
                      group_dump_restore, group_zset_dump, group_damaged_dumps):
            t0 = time.monotonic()
            try:
                group(r, ferro_bin, redis_bin, tmp)
            except Exception as e:  # noqa: BLE001 - a crashed group is one failure
                r.fail(f"{group.__name__}", f"{type(e).__name__}: {e}\n"
                                            f"{traceback.format_exc(limit=5)}")
            print(f"# {group.__name__}: {time.monotonic() - t0:.1f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# {TAG}: {r.passed} passed, {r.failed} failed, {r.known} known failures "
          f"in {time.monotonic() - started:.1f} s", flush=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())

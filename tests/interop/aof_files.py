"""Append-only files exchanged between ferrokv and a real redis-server 7.0.

`python3 aof_files.py FERROKV_BINARY [REDIS_SERVER_BINARY]` runs four groups of
checks, each on its own servers (127.0.0.1, free ports, temporary directories), all
with `--appendonly yes --appendfilename redis.aof`, so Redis 7's multi-part layout
`<dir>/appendonlydir/redis.aof.{<n>.base.rdb|<n>.base.aof, <n>.incr.aof, manifest}`.
Pass /usr/bin/redis-server as FERROKV_BINARY to dry-run the piece against Redis.

1. Redis → ferrokv and 2. ferrokv → Redis, three variants each: the RDB preamble (the
   default), `--aof-use-rdb-preamble no` (a RESP base), and `--appendfsync always`
   ending in `kill -9` instead of SHUTDOWN NOSAVE. The writer gets rdb_dataset.py's
   dataset plus `write_ops` (relative expiries EXPIRE, PEXPIRE, SETEX, SET EX, GETEX EX,
   INCRBYFLOAT, SPOP, LPOP, RENAME, MULTI/EXEC blocks, DEL, SWAPDB, FLUSHDB, a key that
   expires and is then read...), stops, and the reader started on a copy of its
   directory must hold what the writer held: per db the key set, TYPE, whole value and
   PEXPIRETIME. Then the writer restarts on its own directory (and must hold the same),
   BGREWRITEAOF (base seq 2), more writes, stop, and the reader loads that too. When
   ferrokv writes, its layout must be Redis's and `redis-check-aof` must accept the
   manifest at both stages.
3. Truncated files: Redis's directory with the last incr file cut mid-bulk, mid-header,
   inside MULTI, at a command boundary, or with garbage appended, or its base cut; both
   servers started with `aof-load-truncated yes` and `no` must both serve (with the same
   keyspace) or both refuse. A write after a truncated load must survive a restart.
4. A file holding a sorted set (in the incr file, in an RDB base, in a RESP base):
   today ferrokv refuses to start, naming the key or ZADD (a `known` FIXME(compat) line).

Prints `ok NAME`, `FAIL NAME: why` or `known NAME: FIXME(compat) ...` per check and exits
1 if any failed. A missing tool (redis-server, redis-check-aof) is a FAIL.

Must not: leave a server running (each is stopped by PID in a finally), touch files
outside its temporary directories, or wait without a bound.
"""

import os
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_proc import stop_on_sigterm  # noqa: E402
from resp_client import RespError, expect, expect_eq, short, wait_loaded  # noqa: E402
from rdb_dataset import (CATEGORIES, add_extra, build_dataset, compare, now_ms,  # noqa: E402
                         refresh_near, snapshot, write_dataset)
from rdb_files import Runner  # noqa: E402
from aof_server import (AOF_NAME, Launch, aof_dir, bgrewriteaof_and_wait,  # noqa: E402
                        check_aof_tool, check_layout, copy_aof, kill9, read_manifest,
                        shutdown_nosave, start_aof)

TAG = "aof"
FAR_S = 1_000_000  # relative TTLs: ~11 days, so nothing expires during the run
OPS_CATEGORY = "ops"


# --- the writes ------------------------------------------------------------------------------


def ops_commands(tag):
    """Commands whose AOF form differs from what the client sent (relative TTLs become
    PXAT/PEXPIREAT, INCRBYFLOAT a SET, SPOP an SREM...), transactions, and commands that
    change nothing. Keys start with `ops:<tag>:`; db 0, then 5, 7, 8 and 9."""
    k = lambda name: b"ops:%s:%s" % (tag, name.encode())  # noqa: E731
    return [
        ["SELECT", 0],
        ["SET", k("set-ex"), "v", "EX", FAR_S],
        ["SET", k("set-px"), "v", "PX", FAR_S * 1000 + 7],
        ["SETEX", k("setex"), FAR_S, "v"],
        ["PSETEX", k("psetex"), FAR_S * 1000 + 3, "v"],
        ["SET", k("expire"), "v"], ["EXPIRE", k("expire"), FAR_S],
        ["SET", k("pexpire"), "v"], ["PEXPIRE", k("pexpire"), FAR_S * 1000 + 11],
        ["SET", k("expireat"), "v"], ["EXPIREAT", k("expireat"), int(time.time()) + FAR_S],
        ["SET", k("getex"), "v"], ["GETEX", k("getex"), "EX", FAR_S],
        ["SET", k("getex-px"), "v"], ["GETEX", k("getex-px"), "PX", FAR_S * 1000 + 5],
        ["SET", k("persist"), "v", "EX", 100], ["PERSIST", k("persist")],
        ["SET", k("getex-persist"), "v", "EX", 100], ["GETEX", k("getex-persist"), "PERSIST"],
        ["SET", k("keepttl"), "v1", "EX", FAR_S], ["SET", k("keepttl"), "v2", "KEEPTTL"],
        ["SET", k("float"), "10.5", "EX", FAR_S], ["INCRBYFLOAT", k("float"), "0.1"],
        ["INCRBYFLOAT", k("float"), "5.0e3"],
        ["INCR", k("counter")], ["INCRBY", k("counter"), 41], ["DECR", k("counter")],
        ["DECRBY", k("counter"), -100],
        ["APPEND", k("append"), "ab"], ["APPEND", k("append"), "cd"],
        ["SETRANGE", k("append"), 6, "xy"],
        ["MSET", k("mset1"), "1", k("mset2"), "2"], ["MSETNX", k("msetnx"), "n"],
        ["SETNX", k("setnx"), "first"], ["SETNX", k("setnx"), "second"],
        ["GETSET", k("getset"), "old"], ["GETSET", k("getset"), "new"],
        ["SET", k("getdel"), "v"], ["GETDEL", k("getdel")],
        ["SET", k("deleted"), "v"], ["DEL", k("deleted"), k("never-existed")],
        ["DEL", k("never-existed")],
        ["SET", k("unlinked"), "v"], ["UNLINK", k("unlinked")],
        ["RPUSH", k("list"), "a", "b", "c", "d", "e", "f"], ["LPOP", k("list")],
        ["RPOP", k("list")], ["LPOP", k("list"), 2], ["LPUSH", k("list"), "z"],
        ["LSET", k("list"), 0, "zz"], ["LINSERT", k("list"), "BEFORE", "zz", "y"],
        ["RPUSH", k("list"), "x", "x", "x"], ["LREM", k("list"), 2, "x"],
        ["LTRIM", k("list"), 0, 10], ["RPUSHX", k("list"), "end"],
        ["LMOVE", k("list"), k("list2"), "LEFT", "RIGHT"],
        ["RPOPLPUSH", k("list"), k("list2")],
        ["RPUSH", k("emptied"), "only"], ["LPOP", k("emptied")],
        ["SADD", k("spop"), *range(20)], ["SPOP", k("spop")], ["SPOP", k("spop"), 3],
        ["SADD", k("set"), "a", "b", "c"], ["SREM", k("set"), "a"],
        ["SMOVE", k("set"), k("set2"), "b"], ["SADD", k("set"), "b"],
        ["SUNIONSTORE", k("union"), k("set"), k("set2")],
        ["SINTERSTORE", k("inter"), k("set"), k("set2")],
        ["SDIFFSTORE", k("diff"), k("spop"), k("set")],
        ["HSET", k("hash"), "a", "1", "b", "2", "c", "3"], ["HDEL", k("hash"), "a"],
        ["HINCRBY", k("hash"), "b", 5], ["HINCRBYFLOAT", k("hash"), "c", "1.25"],
        ["HINCRBYFLOAT", k("hash"), "new", "2.5e2"], ["HSETNX", k("hash"), "b", "x"],
        ["HSETNX", k("hash"), "d", "4"], ["HMSET", k("hash"), "e", "5"],
        ["EXPIRE", k("hash"), FAR_S],
        ["SET", k("rename-src"), "v", "EX", FAR_S],
        ["RENAME", k("rename-src"), k("rename-dst")],
        ["SET", k("renamenx-src"), "v"], ["RENAMENX", k("renamenx-src"), k("renamenx-dst")],
        ["SET", k("copy-src"), "v", "PX", FAR_S * 1000], ["COPY", k("copy-src"), k("copy-dst")],
        ["MULTI"],
        ["SET", k("tx-string"), "in a transaction", "EX", FAR_S],
        ["RPUSH", k("tx-list"), "1", "2", "3"], ["HSET", k("tx-hash"), "f", "v"],
        ["SADD", k("tx-set"), "m"], ["INCR", k("tx-counter")],
        ["EXPIRE", k("tx-list"), FAR_S], ["DEL", k("counter")],
        ["EXEC"],
        ["MULTI"], ["INCR", k("tx-counter")], ["SELECT", 5], ["SET", k("tx-db5"), "v"],
        ["SELECT", 0], ["EXEC"],
        ["MULTI"], ["GET", k("tx-string")], ["EXEC"],  # read-only: nothing to log
        ["MULTI"], ["SET", k("discarded"), "v"], ["DISCARD"],
        ["SELECT", 5],
        ["SET", k("db5"), "v", "EX", FAR_S], ["RPUSH", k("db5-list"), "a"],
        ["MOVE", k("db5-list"), 0],
        ["SELECT", 7], ["SET", k("swapped-from-7"), "v"],
        ["SELECT", 8], ["SET", k("swapped-from-8"), "v", "EX", FAR_S],
        ["SWAPDB", 7, 8],
        ["SELECT", 9], ["SET", k("flushed"), "v"], ["FLUSHDB"],
        ["SET", k("after-flush"), "v"],
        ["SELECT", 0],
    ]


def write_ops(conn, tag):
    """Runs ops_commands(TAG) (every reply checked for errors), then a key that expires
    and is read afterwards (Redis logs the lazy expiry as a DEL)."""
    cmds = ops_commands(tag)
    replies = conn.pipeline(cmds, batch=50)
    errors = [(c[:3], r) for c, r in zip(cmds, replies) if isinstance(r, RespError)
              or isinstance(r, list) and any(isinstance(x, RespError) for x in r)]
    expect(not errors, f"{len(errors)} commands failed: {short(errors, 600)}")
    short_key = b"ops:%s:expires" % tag
    conn.ok("SET", short_key, "v", "PX", 30)
    time.sleep(0.08)
    expect_eq(conn.call("GET", short_key), None, "GET of a key past its PX 30")


def categorised(actual, data):
    """ACTUAL (a snapshot) with each key's check category: its dataset category, or `ops`."""
    for db, keys in actual.items():
        for key, e in keys.items():
            model = data.get(db, {}).get(key)
            e.cat = model.cat if model is not None else OPS_CATEGORY
    return actual


def compare_with(r, prefix, expected, conn):
    r.compare_all(prefix, expected, conn, CATEGORIES + [OPS_CATEGORY])


def check_model(dataset_model, held):
    """The writer holds the dataset it was given (its dataset keys; ops keys aside)."""
    subset = {db: {k: e for k, e in keys.items() if e.cat != OPS_CATEGORY}
              for db, keys in held.items()}
    problems = compare(dataset_model, subset)
    expect(not problems, "\n".join(p for found in problems.values() for p in found[:4]))


# --- 1 and 2: a writer's directory loaded by the reader -------------------------------------

# (name, server arguments, preamble on?, how stage 1 ends)
VARIANTS = [("preamble", [], True, "shutdown"),
            ("no-preamble", ["--aof-use-rdb-preamble", "no"], False, "shutdown"),
            ("always-kill9", ["--appendfsync", "always"], True, "kill-9")]


def group_exchange(r, writer, reader, tmp):
    """WRITER and READER: (label, binary). One run per variant, two stages each."""
    (w_label, w_bin), (r_label, r_bin) = writer, reader
    check_files = w_label == "ferrokv"
    for variant, args, preamble, ending in VARIANTS:
        prefix = f"{w_label}-to-{r_label}/{variant}"
        data_dir = os.path.join(tmp, f"{w_label}-{variant}")
        os.makedirs(data_dir)
        data = build_dataset(now_ms())
        held = write_stage(r, f"{prefix}/stage1", w_bin, data_dir, args, data, b"a",
                           rewrite=False, ending=ending, check_files=check_files,
                           preamble=preamble)
        if held is None:
            continue
        read_stage(r, f"{prefix}/stage1", r_bin, data_dir, args, held)
        held = write_stage(r, f"{prefix}/stage2", w_bin, data_dir, args, data, b"b",
                           rewrite=True, ending="shutdown", check_files=check_files,
                           preamble=preamble, reload_expected=held)
        if held is not None:
            read_stage(r, f"{prefix}/stage2", r_bin, data_dir, args, held)


def write_stage(r, prefix, binary, data_dir, args, data, tag, rewrite, ending, check_files,
                preamble, reload_expected=None):
    """Starts the writer on DATA_DIR; stage 1 writes the dataset, stage 2 (RELOAD_EXPECTED:
    what it held before) checks the reload, rewrites and writes more. Then the ops, a
    snapshot (returned, or None if a step failed), and the stop. Checks the files."""
    server = start_aof(binary, data_dir, *args)
    try:
        conn = wait_loaded(server.port)
        if reload_expected is not None:
            compare_with(r, f"{prefix}/self-reload", reload_expected, conn)
            if not r.check(f"{prefix}/refresh-ttls", refresh_near, conn, data, now_ms()):
                return None
            if not r.check(f"{prefix}/bgrewriteaof", bgrewriteaof_and_wait, conn):
                return None
            add_extra(conn, data, tag)
        elif not r.check(f"{prefix}/write-dataset", write_dataset, conn, data):
            return None
        if not r.check(f"{prefix}/write-ops", write_ops, conn, tag):
            return None
        held = categorised(snapshot(conn), data)
        r.check(f"{prefix}/writer-holds-dataset", check_model, data, held)
        if ending == "kill-9":
            r.check(f"{prefix}/kill-9", kill9, server)
        else:
            r.check(f"{prefix}/shutdown-nosave", shutdown_nosave, server, conn)
    except Exception as e:  # noqa: BLE001
        r.fail(f"{prefix}/writer", f"{type(e).__name__}: {e}\n{server.log_tail()}")
        return None
    finally:
        server.stop()
    if check_files:
        seq = 2 if rewrite else 1
        r.check(f"{prefix}/layout", check_layout, data_dir, seq, seq, preamble)
        r.check(f"{prefix}/redis-check-aof", check_aof_tool, data_dir)
    return held


def read_stage(r, prefix, binary, data_dir, args, held):
    copy_dir = copy_aof(data_dir, data_dir + "-read-" + prefix.rsplit("/", 1)[-1])
    server = None
    try:
        server = start_aof(binary, copy_dir, *args)
        conn = wait_loaded(server.port)
    except Exception as e:  # noqa: BLE001
        r.fail(f"{prefix}/reader-loads", f"{e}\n{server.log_tail() if server else ''}")
        if server:
            server.stop()
        return
    try:
        r.ok(f"{prefix}/reader-loads")
        compare_with(r, f"{prefix}/reader", held, conn)
        conn.close()
    finally:
        server.stop()


# --- 3. truncated files ------------------------------------------------------------------------


def commands_in(content):
    """[(start, end)] byte ranges of each RESP command in an AOF (`#` lines skipped)."""
    spans, pos = [], 0
    while pos < len(content):
        start = pos
        if content[pos:pos + 1] == b"#":
            pos = content.index(b"\r\n", pos) + 2
            continue
        end = content.index(b"\r\n", pos)
        argc = int(content[pos + 1:end])
        pos = end + 2
        for _ in range(argc):
            end = content.index(b"\r\n", pos)
            pos = end + 2 + int(content[pos + 1:end]) + 2
        spans.append((start, pos))
    return spans


def build_truncation_source(redis_bin, data_dir):
    """Redis's directory: a RESP base (rewritten), then an incr file holding plain
    writes, a MULTI/EXEC block and a last SET with a long value."""
    server = start_aof(redis_bin, data_dir, "--aof-use-rdb-preamble", "no")
    try:
        conn = wait_loaded(server.port)
        for i in range(20):
            conn.ok("SET", f"base:{i}", f"value {i}")
        conn.ok("RPUSH", "base:list", *range(100))
        bgrewriteaof_and_wait(conn)
        conn.ok("SET", "incr:1", "one")
        conn.ok("RPUSH", "incr:list", "a", "b", "c")
        conn.ok("MULTI")
        conn.ok("SET", "tx:1", "x")
        conn.ok("INCR", "tx:counter")
        conn.ok("HSET", "tx:hash", "f", "v")
        expect_eq(conn.call("EXEC"), [b"OK", 1, 1], "EXEC")
        conn.ok("SET", "incr:last", "L" * 50, "EX", FAR_S)
        shutdown_nosave(server, conn)
    finally:
        server.stop()


def truncation_cases(base, incr):
    """(name, base bytes, incr bytes) for the start-up cases."""
    spans = commands_in(incr)
    multi = next(i for i, (s, e) in enumerate(spans) if incr[s:e] == b"*1\r\n$5\r\nMULTI\r\n")
    last_start, last_end = spans[-1]
    second_arg = incr.index(b"$", incr.index(b"$", last_start) + 1)  # the key's header
    return [
        ("mid-bulk", base, incr[:last_end - 10]),
        ("mid-header", base, incr[:second_arg + 1]),
        ("mid-command-after-multi", base, incr[:spans[multi + 1][0] + 9]),
        ("whole-commands-inside-multi", base, incr[:spans[multi + 2][1]]),
        ("command-boundary", base, incr[:spans[-2][1]]),
        ("garbage-appended", base, incr + b"xyz\r\n"),
        ("base-cut", base[:len(base) // 2], incr),
    ]


def group_truncated(r, ferro_bin, redis_bin, tmp):
    prefix = "truncated"
    src = os.path.join(tmp, "truncation-source")
    os.makedirs(src)
    build_truncation_source(redis_bin, src)
    entries = read_manifest(src)
    base_name = next(n for n, _, t in entries if t == "b")
    incr_name = [n for n, _, t in entries if t == "i"][-1]
    with open(os.path.join(aof_dir(src), base_name), "rb") as f:
        base = f.read()
    with open(os.path.join(aof_dir(src), incr_name), "rb") as f:
        incr = f.read()
    for case, base_bytes, incr_bytes in truncation_cases(base, incr):
        for setting in ("yes", "no"):
            name = f"{prefix}/{case}/aof-load-truncated-{setting}"
            try:
                results = [load_case(binary, os.path.join(tmp, f"t-{case}-{setting}-{who}"), src,
                                     base_name, base_bytes, incr_name, incr_bytes, setting)
                           for who, binary in (("redis", redis_bin), ("ferrokv", ferro_bin))]
            except Exception as e:  # noqa: BLE001
                r.fail(name, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}")
                continue
            judge_case(r, name, *results)


def load_case(binary, case_dir, src, base_name, base_bytes, incr_name, incr_bytes, setting):
    """Starts BINARY on SRC's directory with the two files replaced: its outcome, the
    keyspace it served, the incr file's size after the load, its log, and (when it served)
    whether a write made after the load survives a restart."""
    copy_aof(src, case_dir)
    for name, content in ((base_name, base_bytes), (incr_name, incr_bytes)):
        with open(os.path.join(aof_dir(case_dir), name), "wb") as f:
            f.write(content)
    result = {"keys": None, "survives": None}
    with Launch(binary, case_dir, "--aof-load-truncated", setting) as server:
        result["outcome"] = server.outcome
        if server.served:
            result["keys"] = snapshot(server.conn)
            server.conn.ok("SET", "after:load", "v")
    result["output"] = server.output
    result["size"] = os.path.getsize(os.path.join(aof_dir(case_dir), incr_name))
    if server.served:
        with Launch(binary, case_dir, log_name="restart.log") as again:
            result["survives"] = (again.served and
                                  again.conn.call("GET", "after:load") == b"v")
    return result


def judge_case(r, name, want, got):
    """FERROKV (GOT) must serve or refuse as Redis (WANT) does, with the same keyspace."""
    if want["outcome"] != got["outcome"]:
        last = lambda res: res["output"].strip().splitlines()[-1:]  # noqa: E731
        r.fail(name, f"redis {want['outcome']} ({last(want)}), ferrokv {got['outcome']} "
                     f"({last(got)})")
        return
    if want["keys"] is not None:
        expected = {db: {k: e for k, e in keys.items()} for db, keys in want["keys"].items()}
        for keys in expected.values():
            for e in keys.values():
                e.cat = "keyset"
        problems = compare(expected, got["keys"] or {})
        if problems:
            r.fail(name, "keyspace differs:\n" + "\n".join(
                p for found in problems.values() for p in found[:4]))
            return
    r.ok(name)
    print(f"# {name}: both {want['outcome']}" + (
        f", {sum(len(k) for k in want['keys'].values())} keys" if want["keys"] else ""),
        flush=True)
    if "short read" in want["output"] and "short read" not in got["output"]:
        print(f"# {name}: redis logs '!!! Warning: short read while loading the AOF file', "
              f"ferrokv does not", flush=True)
    if want["outcome"] == "serves" and want["size"] != got["size"]:
        print(f"# {name}: incr file after the load: redis {want['size']} bytes, "
              f"ferrokv {got['size']} bytes", flush=True)
    if got["survives"] is not None:
        # Redis 7.0.15 cut inside a MULTI keeps the dangling MULTI in the file, so the
        # next write is rolled back at the next load; ferrokv must do no worse.
        if not want["survives"]:
            print(f"# {name}: redis 7.0.15 loses a write made after this load at its "
                  f"next restart (file truncated after a dangling MULTI)", flush=True)
        r.report(f"{name}/write-after-load-survives",
                 None if got["survives"] or not want["survives"] else
                 "a write made after the truncated load is gone after a restart")


# --- 4. sorted sets ---------------------------------------------------------------------------


def group_zset(r, ferro_bin, redis_bin, tmp):
    """FIXME(compat): an AOF holding a sorted set is refused at start-up, naming it."""
    prefix = "zset"
    key = "zset:leaderboard"
    cases = [("in-incr", [], False), ("in-rdb-base", [], True),
             ("in-resp-base", ["--aof-use-rdb-preamble", "no"], True)]
    for case, args, rewrite in cases:
        name = f"{prefix}/{case}/refused-naming-the-key"
        data_dir = os.path.join(tmp, f"zset-{case}")
        os.makedirs(data_dir)
        server = start_aof(redis_bin, data_dir, *args)
        try:
            conn = wait_loaded(server.port)
            conn.ok("SET", "plain:string", "v")
            conn.ok("ZADD", key, *[x for i in range(5) for x in (i * 1.5, f"m{i}")])
            if rewrite:
                bgrewriteaof_and_wait(conn)
            conn.ok("RPUSH", "plain:list", "a")
            shutdown_nosave(server, conn)
        except Exception as e:  # noqa: BLE001
            r.fail(f"{prefix}/{case}/redis-writes", f"{type(e).__name__}: {e}")
            continue
        finally:
            server.stop()
        with Launch(ferro_bin, data_dir, *args) as ferro:
            outcome, rc, out = ferro.outcome, ferro.exit_code, ferro.output
        if outcome == "serves":
            r.fail(name, "ferrokv started on an AOF holding a zset: if sorted sets now "
                         "load, remove the known entry and compare the values instead")
        elif outcome == "refuses" and (key in out or "ZADD" in out.upper()):
            r.ok(name)
            r.gap(f"{prefix}/{case}", f"sorted sets not implemented: ferrokv exits {rc} on "
                                      f"an AOF holding a zset ({case})")
        else:
            r.fail(name, f"{outcome} (exit code {rc}), expected a non-zero exit naming "
                         f"{key!r} or ZADD; output:\n{out[-1500:]}")


# --- main ---------------------------------------------------------------------------------------


def main():
    stop_on_sigterm()
    if len(sys.argv) not in (2, 3):
        print(f"usage: {sys.argv[0]} FERROKV_BINARY [REDIS_SERVER_BINARY]", file=sys.stderr)
        return 2
    started = time.monotonic()
    ferro_bin = os.path.abspath(sys.argv[1])
    redis_bin = sys.argv[2] if len(sys.argv) == 3 else shutil.which("redis-server")
    r = Runner(TAG)
    missing = [t for t in ("redis-server", "redis-check-aof") if shutil.which(t) is None]
    for tool in missing:
        r.fail(f"prerequisite/{tool}", "not found on PATH")
    if not redis_bin or missing:
        print(f"# {TAG}: {r.passed} passed, {r.failed} failed", flush=True)
        return 1
    ferro, redis = ("ferrokv", ferro_bin), ("redis", redis_bin)
    groups = [("redis-to-ferrokv", group_exchange, (redis, ferro)),
              ("ferrokv-to-redis", group_exchange, (ferro, redis)),
              ("truncated", group_truncated, (ferro_bin, redis_bin)),
              ("zset", group_zset, (ferro_bin, redis_bin))]
    tmp = tempfile.mkdtemp(prefix="ferrokv-aof-")
    try:
        for name, group, args in groups:
            t0 = time.monotonic()
            try:
                group(r, *args, tmp)
            except Exception as e:  # noqa: BLE001 - a crashed group is one failure
                r.fail(name, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=5)}")
            print(f"# {name}: {time.monotonic() - t0:.1f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# {TAG}: {r.passed} passed, {r.failed} failed, {r.known} known failures "
          f"in {time.monotonic() - started:.1f} s", flush=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())

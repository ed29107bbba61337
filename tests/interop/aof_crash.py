"""Crash safety of the append-only file: `kill -9` under a write load, then a restart.

`python3 aof_crash.py FERROKV_BINARY [--runs 20] [--seed N] [--policies always,everysec]`
Pass /usr/bin/redis-server as FERROKV_BINARY to calibrate against Redis.

Per fsync policy (`--appendonly yes --appendfsync always`, then `everysec`), one data
directory and RUNS crashes: start the server on it, run CLIENTS threads that each
alternate `INCR crash:<run>:<client>:counter` and `RPUSH crash:<run>:<client>:list <seq>`
(seq 1, 2, 3...), one request at a time, recording what was sent and what was
acknowledged (and when); after a random 0.3-1.5 s `kill -9` the server itself, check the
directory with redis-check-aof, restart the server on it and check:

- restarts: the server comes back up, every time.
- no-gaps: each list holds exactly 1..n; nothing-unsent: counter <= INCRs sent and
  n <= RPUSHes sent.
- acked-writes-present (always): counter >= INCRs acknowledged, n >= RPUSHes
  acknowledged. A kill -9 keeps the page cache, so with `always` (written before the
  reply) nothing acknowledged may be lost. (Power loss, which tests the fsync itself,
  is out of reach here.)
- loss-bounded (everysec): acknowledged writes may be missing, but none acknowledged
  more than EVERYSEC_MAX_LOSS_S before the kill. The max loss observed (writes, seconds)
  is printed.
- order: the AOF keeps each client's order: n <= counter <= n + 1.
- earlier-runs-kept: what earlier runs recovered is still there after this restart.

Prints `ok NAME` / `FAIL NAME: why` per check (each aggregates the runs of one policy;
a failure lists the runs) and `#` lines with the numbers, and exits 1 if any failed.

Must not: leave a server running (each is stopped by PID in a finally), stop anything
it did not start, or wait without a bound (threads end when the server dies; every
socket read has a timeout).
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_proc import stop_on_sigterm  # noqa: E402
from resp_client import CheckFailed, Conn, wait_loaded  # noqa: E402
from rdb_files import Runner  # noqa: E402
from aof_server import check_aof_tool, kill9, start_aof  # noqa: E402

TAG = "aof-crash"
CLIENTS = 4
KILL_AFTER_S = (0.3, 1.5)
# Redis's everysec: an fsync at most once a second, a write postponed up to 2 s behind
# a slow one. (A kill -9 keeps the page cache, so Redis itself loses nothing here.)
EVERYSEC_MAX_LOSS_S = 2.0
JOIN_TIMEOUT_S = 10


class Client(threading.Thread):
    """One connection alternating INCR and RPUSH until the connection breaks."""

    def __init__(self, port, run, index):
        super().__init__(daemon=True)
        self.port = port
        self.counter = f"crash:{run}:{index}:counter"
        self.list = f"crash:{run}:{index}:list"
        self.sent = 0  # INCR n and RPUSH n were sent for every n <= sent (RPUSH maybe not)
        self.incr_acked = 0
        self.push_sent = 0
        self.push_acked = 0
        self.incr_times = [0.0]  # incr_times[n]: when INCR n was acknowledged
        self.push_times = [0.0]  # push_times[n]: when RPUSH n was acknowledged
        self.error = None

    def run(self):
        try:
            conn = Conn(self.port)
        except OSError as e:
            self.error = f"connect: {e}"
            return
        try:
            while True:
                n = self.sent + 1
                self.sent = n
                reply = conn.call("INCR", self.counter)
                if reply != n:
                    self.error = f"INCR {self.counter} answered {reply!r}, expected {n}"
                    return
                self.incr_times.append(time.monotonic())
                self.incr_acked = n
                self.push_sent = n
                reply = conn.call("RPUSH", self.list, n)
                if reply != n:
                    self.error = f"RPUSH {self.list} answered {reply!r}, expected {n}"
                    return
                self.push_times.append(time.monotonic())
                self.push_acked = n
        except (ConnectionError, OSError):
            pass  # the server was killed
        finally:
            conn.close()


def check_run(conn, clients, killed_at, policy):
    """Problems of one run's keys after the restart, and (lost writes, lost seconds)."""
    problems, lost, lost_s = [], 0, 0.0
    for c in clients:
        counter = int(conn.call("GET", c.counter) or 0)
        items = conn.call("LRANGE", c.list, 0, -1)
        n = len(items)
        where = f"client {c.list.rsplit(':', 2)[0]}"
        if items != [b"%d" % i for i in range(1, n + 1)]:
            problems.append(("no-gaps", f"{where}: list is not 1..{n}: {items[:5]}...{items[-5:]}"))
        if not n <= counter <= n + 1:
            problems.append(("order", f"{where}: counter {counter}, list length {n}"))
        if counter > c.sent or n > c.push_sent:
            problems.append(("nothing-unsent",
                             f"{where}: counter {counter} / list {n} beyond what was sent "
                             f"({c.sent} / {c.push_sent})"))
        missing = max(c.incr_acked - counter, c.push_acked - n, 0)
        if missing:
            first_lost = min(c.incr_times[counter + 1] if c.incr_acked > counter else killed_at,
                             c.push_times[n + 1] if c.push_acked > n else killed_at)
            lost, lost_s = max(lost, missing), max(lost_s, killed_at - first_lost)
            if policy == "always":
                problems.append(("acked-writes-present",
                                 f"{where}: {missing} acknowledged writes lost (counter "
                                 f"{counter}, acked {c.incr_acked}; list {n}, acked "
                                 f"{c.push_acked})"))
            elif killed_at - first_lost > EVERYSEC_MAX_LOSS_S:
                problems.append(("loss-bounded", f"{where}: lost writes acknowledged "
                                                 f"{killed_at - first_lost:.2f} s before the kill"))
    return problems, lost, lost_s


def recorded_state(conn, clients):
    return {c.counter: conn.call("GET", c.counter) for c in clients} | {
        c.list: conn.call("LLEN", c.list) for c in clients}


def check_kept(conn, kept):
    """Keys recovered by earlier runs: still what they were (GET / LLEN)."""
    bad = []
    for key, want in kept.items():
        got = conn.call("LLEN" if key.endswith(":list") else "GET", key)
        if got != want:
            bad.append(f"{key}: {got!r}, was {want!r}")
    return bad


CHECKS = ["restarts", "redis-check-aof", "no-gaps", "nothing-unsent", "acked-writes-present",
          "loss-bounded", "order", "earlier-runs-kept"]
ONLY = {"acked-writes-present": "always", "loss-bounded": "everysec"}


def crash_policy(r, binary, policy, runs, rng, tmp):
    data_dir = os.path.join(tmp, policy)
    os.makedirs(data_dir)
    problems = {name: [] for name in CHECKS}
    kept, pending = {}, None  # pending: (run, clients, killed_at) awaiting the restart
    acked_total, max_lost, max_lost_s = 0, 0, 0.0
    started = time.monotonic()
    for run in range(runs + 1):
        try:
            server = start_aof(binary, data_dir, "--appendfsync", policy)
        except RuntimeError as e:
            problems["restarts"].append(f"run {run}: {e}")
            break
        try:
            try:
                conn = wait_loaded(server.port)
            except CheckFailed as e:
                problems["restarts"].append(f"run {run}: {e}")
                break
            if pending is not None:
                prev, clients, killed_at = pending
                found, lost, lost_s = check_run(conn, clients, killed_at, policy)
                for name, text in found:
                    problems[name].append(f"run {prev}: {text}")
                max_lost, max_lost_s = max(max_lost, lost), max(max_lost_s, lost_s)
                problems["earlier-runs-kept"] += [f"run {prev}: {b}"
                                                  for b in check_kept(conn, kept)]
                kept |= recorded_state(conn, clients)
            conn.close()
            if run == runs:
                break
            clients = [Client(server.port, run, i) for i in range(CLIENTS)]
            for c in clients:
                c.start()
            time.sleep(rng.uniform(*KILL_AFTER_S))
            killed_at = time.monotonic()
            kill9(server)
            for c in clients:
                c.join(JOIN_TIMEOUT_S)
                if c.is_alive() or c.error:
                    problems["restarts"].append(f"run {run}: client {c.counter}: "
                                                f"{c.error or 'still running after the kill'}")
            acked = sum(c.push_acked + c.incr_acked for c in clients)
            acked_total += acked
            pending = (run, clients, killed_at)
            try:
                check_aof_tool(data_dir)
            except CheckFailed as e:
                problems["redis-check-aof"].append(f"run {run}: {e}")
        finally:
            server.stop()
    for name in CHECKS:
        if ONLY.get(name, policy) != policy:
            continue
        found = problems[name]
        r.report(f"{policy}/{name}", None if not found else
                 f"{len(found)} problems:\n" + "\n".join(found[:8]))
    print(f"# {policy}: {runs} kill -9 runs, {acked_total} acknowledged writes (INCR + RPUSH), max loss "
          f"observed {max_lost} writes of one client ({max_lost_s:.3f} s before the kill), "
          f"{time.monotonic() - started:.1f} s", flush=True)


def main():
    stop_on_sigterm()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary", help="ferrokv-server (or redis-server to calibrate)")
    ap.add_argument("--runs", type=int, default=20, help="kill -9 runs per policy (>= 20)")
    ap.add_argument("--seed", type=int, default=None, help="for the kill delays")
    ap.add_argument("--policies", default="always,everysec")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"# seed {seed} (--seed {seed} repeats the kill delays)", flush=True)
    rng = random.Random(seed)
    r = Runner(TAG)
    if shutil.which("redis-check-aof") is None:
        r.fail("prerequisite/redis-check-aof", "not found on PATH")
        return 1
    binary = os.path.abspath(args.binary) if os.sep in args.binary else args.binary
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="ferrokv-aof-crash-")
    try:
        for policy in args.policies.split(","):
            try:
                crash_policy(r, binary, policy, args.runs, rng, tmp)
            except Exception as e:  # noqa: BLE001 - a crashed policy run is one failure
                r.fail(policy, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=5)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# {TAG}: {r.passed} passed, {r.failed} failed in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())

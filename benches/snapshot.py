#!/usr/bin/env python3
"""BGSAVE under write load and RDB load at start-up: ferrokv against redis-server 7.0.15.

Usage (from the repository root, after `cargo build --release`):
  python3 benches/snapshot.py [--servers redis,ferrokv] [--ferrokv PATH] [--redis PATH]
                              [--keys N] [--value-size B] [--clients C] [--rate R]
                              [--baseline-s S] [--load-runs R] [--tmpdir D] [--quick]
                              [--markdown]
  python3 benches/snapshot.py --markdown          # the README table (1M keys, ~1 min)
  python3 benches/snapshot.py --quick             # CI smoke run (100k keys, ~10 s)
  python3 benches/snapshot.py --servers redis     # the Redis column only
Progress goes to stderr, the report to stdout. Exit 0 ok, 1 a server failed its part
(no numbers are printed then), 2 a binary is missing.

For each server (same command line for both:
`--port P --bind 127.0.0.1 --dir D --dbfilename dump.rdb --logfile L --save '' --appendonly no`,
each in a fresh temp dir):
  1. Fill: N keys `key:<i>` (i = 0..N-1) with distinct incompressible printable values of
     --value-size bytes (base64 of seeded random bytes, so LZF cannot shrink the dump to
     nothing), one RESP file piped through `redis-cli --pipe`. Checks DBSIZE == N.
  2. Write load: --clients load processes (multiprocessing, so no GIL between them), each
     with one connection and one request in flight: SET key:<random i < N> <value of the
     same size>, every request timed with CLOCK_MONOTONIC (time.monotonic_ns, one clock
     for all processes). Overwrites only: DBSIZE stays N. By default the load is paced
     (--rate, 5000 SET/s in all), so both servers get the same writes to copy-on-write
     and serialize around: a request due while the previous reply was still awaited is
     timed from when it was due (a stall's backlog counts, as in wrk2); any other from
     its actual send (the client's own oversleeping does not). --rate 0 runs a closed
     loop instead, with a coordinated-omission-corrected p99. The same Python client
     drives both servers, so its overhead is the same on both sides.
  3. After a warm-up and --baseline-s of load, BGSAVE on a control connection, then every
     10 ms: `INFO persistence` and a memory sample of the server and every process whose
     parent is the server (Redis's fork child): RSS at every poll, Pss every 5th (see 5).
     The snapshot window runs from sending BGSAVE to the first poll that reads
     rdb_bgsave_in_progress:0; then rdb_last_bgsave_status must be ok and D/dump.rdb
     must exist and start with "REDIS".
  4. Latency: p50/p99/p99.9/max of the writes that overlap the snapshot window, and of
     the writes in a window of the same length just before BGSAVE (baseline), plus the
     replies per second that arrived in each window (a paced load that is not sustained
     is flagged: its latencies then measure a growing queue). --save-requests PREFIX
     keeps every request for plotting.
  5. Memory: the table uses the sum of Pss (/proc/PID/smaps_rollup) over the server and
     its children: shared copy-on-write pages are split between parent and child, so
     the sum is the physical memory the snapshot really costs. The sum of RSS
     over-counts the pages still shared (a fresh fork child maps the whole dataset, so
     Redis's RSS sum is ~2x from the first sample even with no write at all); it is
     printed for reference, with the child's peak Private_Dirty (pages only the child
     still maps: what COW has copied so far) and, for Redis, INFO's rdb_last_cow_size.
     A threaded (forkless) server has no child: its Pss and RSS are ~equal.
     smaps_rollup walks the page tables (~3 ms per 200 MB, holding the target's mmap
     lock), so Pss is read every 50 ms (--pss-every) to keep the probe light; the Pss
     peak may miss up to 50 ms of growth at the very end of a BGSAVE.
  6. Load: SHUTDOWN NOSAVE; then, alternating the servers round by round (A B, B A, ...),
     --load-runs times: start a fresh server of the same kind on the same
     --dir/--dbfilename and time process start -> PING answers PONG and DBSIZE == N
     (polled every 5 ms; a refused connection and -LOADING both mean "not yet"). Also
     the server's own "DB loaded from disk: X seconds" log line where it prints one.
  7. Cross-check (both servers): each server loads the other's dump; both are then asked
     for the same 2000 random keys (MGET) and must agree. If Redis cannot load ferrokv's
     dump, that is reported loudly and the exit status is 1.

Machine notes: on the 2-vCPU host the server, Redis's fork child, the load processes and
this poller share two cores, so keep --clients small (default 3); the load is far below
redis-benchmark's (see reference/perf-anchors.md B.4, which used -P 16): in a closed loop
these 3 connections get ~30k SET/s from Redis with 1M keys, ~14k/s during its BGSAVE.
100-byte random values do not compress, so the dump of 1M keys is ~114 MB (B.4's was
29 MB), and Redis's BGSAVE under this load took 3.7-5.8 s here, on /dev/shm as on disk:
the fork child competes for the two vCPUs with the server, the load and other jobs.
--tmpdir /dev/shm takes the disk out. Everything is
bounded in time, servers listen on 127.0.0.1 only, and every process this script starts
(servers, load processes, fork children seen during BGSAVE) is stopped by its PID in a
`finally`. Python 3.11 standard library only; shares the RESP client with compare.py.
"""

from __future__ import annotations

import argparse
import array
import base64
import datetime
import json
import math
import multiprocessing as mp
import os
import platform
import queue
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import (  # noqa: E402  (the RESP client and helpers of the throughput bench)
    Resp, RespError, cpu_model, free_port, git_rev, parse_info, resolve_binary,
    short_redis_version, version_of)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FERROKV = REPO / "target" / "release" / "ferrokv-server"
KINDS = ("redis", "ferrokv")  # column order; ratio = ferrokv / redis
DUMP = "dump.rdb"
POLL_S = 0.010  # BGSAVE progress + memory sampling
READY_POLL_S = 0.005  # load-at-start-up readiness
START_TIMEOUT_S = 20.0
STOP_GRACE_S = 5.0
WARMUP_S = 0.5  # load runs this long before the baseline window may start
SAMPLE_KEYS = 2000  # cross-check
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOADED_RE = re.compile(rb"DB loaded from disk: ([0-9.]+) seconds")


class Failure(Exception):
    """A server did not do its part: no numbers are printed, exit status 1."""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Processes: servers, their fork children, and the load processes
# --------------------------------------------------------------------------------------

LIVE: list["Server"] = []  # started and not yet stopped
CHILDREN: dict[int, int] = {}  # fork children seen: pid -> starttime (to kill only those)
WORKERS: list[mp.Process] = []


def proc_starttime(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def children_of(pid: int) -> list[int]:
    """Processes whose parent is pid (this kernel has no /proc/PID/task/TID/children)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[1]) == pid:
            out.append(int(name))
    return out


@dataclass
class Mem:
    rss: int = 0
    pss: int = 0
    private_dirty: int = 0


def proc_mem(pid: int) -> Mem | None:
    """Rss, Pss and Private_Dirty of one process in bytes, from smaps_rollup."""
    m = Mem()
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    m.rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    m.pss = int(line.split()[1]) * 1024
                elif line.startswith("Private_Dirty:"):
                    m.private_dirty = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None  # gone (a child that just exited)
    return m


class Server:
    """One server process; the same command line whichever binary it is."""

    def __init__(self, kind: str, binary: str, datadir: Path, tag: str) -> None:
        self.kind, self.binary, self.datadir, self.tag = kind, binary, datadir, tag
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.logpath = datadir / f"{kind}-{tag}.log"

    def spawn(self) -> int:
        """Starts the process; returns time.monotonic_ns() taken just before the fork."""
        self.port = free_port()
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
               "--dir", str(self.datadir), "--dbfilename", DUMP,
               "--logfile", str(self.logpath), "--save", "", "--appendonly", "no"]
        t0 = time.monotonic_ns()
        # Own session: a Ctrl-C reaches only this script, which stops the server by PID.
        self.proc = subprocess.Popen(cmd, cwd=self.datadir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        LIVE.append(self)
        return t0

    def wait_ready(self, keys: int | None, timeout: float) -> int:
        """Polls every 5 ms until PING answers PONG (and DBSIZE == keys, if given).
        A refused connection or an error reply (-LOADING) means "not yet". Returns the
        monotonic_ns of the reply that showed it ready."""
        deadline = time.monotonic() + timeout
        conn: Resp | None = None
        last = "no answer"
        try:
            while True:
                if self.proc is None or self.proc.poll() is not None:
                    raise Failure(f"{self.kind} exited (status "
                                  f"{self.proc.returncode if self.proc else '?'}) before it "
                                  f"was ready; log tail:\n{self.log_tail()}")
                try:
                    if conn is None:
                        conn = Resp(self.port, timeout=2.0)
                    if conn.call("PING") == "PONG":
                        if keys is None:
                            return time.monotonic_ns()
                        n = conn.call("DBSIZE")
                        now = time.monotonic_ns()
                        if n == keys:
                            return now
                        last = f"DBSIZE {n}"
                except RespError as e:
                    last = str(e)[:80]
                except (OSError, ValueError) as e:
                    last = f"{type(e).__name__}: {e}"[:80]
                    if conn is not None:
                        conn.close()
                        conn = None
                if time.monotonic() > deadline:
                    raise Failure(f"{self.kind} not ready within {timeout:.0f} s (last: {last})"
                                  f"; log tail:\n{self.log_tail()}")
                time.sleep(READY_POLL_S)
        finally:
            if conn is not None:
                conn.close()

    def start(self, keys: int | None = None, timeout: float = START_TIMEOUT_S) -> "Server":
        self.spawn()
        self.wait_ready(keys, timeout)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, nosave: bool = True) -> None:
        """SHUTDOWN NOSAVE, then SIGTERM / SIGKILL by PID if it is still there."""
        proc, self.proc = self.proc, None
        if self in LIVE:
            LIVE.remove(self)
        if proc is None or proc.poll() is not None:
            return
        if nosave:
            try:
                with Resp(self.port, timeout=2.0) as c:
                    c.call("SHUTDOWN", "NOSAVE")
            except (OSError, RespError, ValueError):
                pass  # the connection closes as it exits; or SHUTDOWN is refused
            try:
                proc.wait(timeout=STOP_GRACE_S)
                return
            except subprocess.TimeoutExpired:
                pass
        try:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_GRACE_S)
        except ProcessLookupError:
            pass

    def log_bytes(self) -> bytes:
        try:
            return self.logpath.read_bytes()
        except OSError:
            return b""

    def log_tail(self, n: int = 15) -> str:
        lines = self.log_bytes().decode(errors="replace").splitlines()
        return "\n".join(lines[-n:]) if lines else "(empty log)"

    def loaded_seconds(self) -> float | None:
        """The last "DB loaded from disk: X seconds" line of this run's log, if any."""
        found = LOADED_RE.findall(self.log_bytes())
        return float(found[-1]) if found else None


def kill_children() -> None:
    """Fork children seen during BGSAVE that outlived their server (same PID and start
    time as when seen, so never a recycled PID)."""
    for pid, start in list(CHILDREN.items()):
        if proc_starttime(pid) == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        CHILDREN.pop(pid, None)


def stop_workers() -> None:
    for p in WORKERS:
        if p.is_alive():
            p.kill()
        p.join(timeout=STOP_GRACE_S)
    WORKERS.clear()


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def values(seed: int, count: int, size: int) -> list[bytes]:
    """count distinct printable values of size bytes: base64 of seeded random bytes."""
    rnd = random.Random(seed)
    raw = base64.b64encode(rnd.randbytes((count * size * 3) // 4 + 3))
    return [raw[i * size:(i + 1) * size] for i in range(count)]


def write_fill_file(path: Path, keys: int, size: int) -> None:
    with open(path, "wb") as f:
        for start in range(0, keys, 100_000):
            n = min(keys, start + 100_000) - start
            vals = values(start + 1, n, size)
            chunk = []
            for j, v in enumerate(vals):
                k = b"key:%d" % (start + j)
                chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                             % (len(k), k, size, v))
            f.write(b"".join(chunk))


def fill(cli: str, srv: Server, fill_file: Path, keys: int) -> float:
    t0 = time.monotonic()
    with open(fill_file, "rb") as stdin:
        res = subprocess.run([cli, "-h", "127.0.0.1", "-p", str(srv.port), "--pipe"],
                             stdin=stdin, capture_output=True, text=True,
                             timeout=60 + keys / 5_000)
    took = time.monotonic() - t0
    with Resp(srv.port) as c:
        db = c.call("DBSIZE")
    if res.returncode != 0 or "errors: 0," not in res.stdout or db != keys:
        raise Failure(f"{srv.kind}: fill failed: redis-cli --pipe status {res.returncode}, "
                      f"DBSIZE {db} (want {keys}); output "
                      f"{(res.stdout + res.stderr).strip()[-300:]!r}")
    return took


# --------------------------------------------------------------------------------------
# Write load (child processes)
# --------------------------------------------------------------------------------------


def load_worker(idx: int, port: int, keys: int, size: int, seed: int, rate: float, ready,
                stop, out_prefix: str) -> None:
    """One connection, one request in flight: SET key:<random> <value>.
    rate > 0: paced at rate requests/s (open loop). A request whose scheduled time came
    while the previous reply was still awaited is timed from its scheduled time, so the
    backlog a server stall causes counts in the latencies (as wrk2 does); any other
    request is timed from its actual send, so the client's own oversleeping or being
    descheduled is not charged to the server. rate == 0: closed loop, as fast as the
    replies come.
    Writes <out_prefix>.start / .lat (array('q') of monotonic ns) and .json (errors)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    rnd = random.Random(seed)
    vals = values(seed, 16, size)
    starts, lats = array.array("q"), array.array("q")
    errors, first_error, n = 0, "", 0
    clock = time.monotonic_ns
    interval = int(1e9 / rate) if rate > 0 else 0
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30.0)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ready.put(idx)
        due = last_reply = clock()
        while True:
            if not n & 63 and stop.is_set():
                break
            k = b"key:%d" % rnd.randrange(keys)
            msg = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                len(k), k, size, vals[n & 15])
            if interval:
                now = clock()
                if now < due:
                    time.sleep((due - now) / 1e9)
                    now = clock()
                # Due while the server still owed us the previous reply: the wait counts.
                t0 = due if last_reply > due else now
                due += interval
            else:
                t0 = clock()
            sock.sendall(msg)
            buf = sock.recv(512)
            while not buf.endswith(b"\r\n"):
                more = sock.recv(512)
                if not more:
                    raise ConnectionError("server closed the connection")
                buf += more
            t1 = last_reply = clock()
            if buf != b"+OK\r\n":
                errors += 1
                first_error = first_error or buf[:100].decode(errors="replace")
            starts.append(t0)
            lats.append(t1 - t0)
            n += 1
        sock.close()
    except Exception as e:  # noqa: BLE001 - reported to the parent, which fails the run
        errors += 1
        first_error = first_error or f"{type(e).__name__}: {e}"
        ready.put(idx)  # do not leave the parent waiting
    with open(out_prefix + ".start", "wb") as f:
        starts.tofile(f)
    with open(out_prefix + ".lat", "wb") as f:
        lats.tofile(f)
    with open(out_prefix + ".json", "w") as f:
        json.dump({"errors": errors, "first_error": first_error, "requests": n}, f)


@dataclass
class Requests:
    start: array.array  # ns, monotonic
    lat: array.array  # ns
    errors: int
    first_error: str


def run_load(port: int, keys: int, size: int, clients: int, rate: float, workdir: Path,
             tag: str):
    """Starts the load processes; returns (stop event, collect function)."""
    ctx = mp.get_context("fork")
    ready, stop = ctx.Queue(), ctx.Event()
    prefixes = [str(workdir / f"load-{tag}-{i}") for i in range(clients)]
    for i in range(clients):
        p = ctx.Process(target=load_worker, daemon=True,
                        args=(i, port, keys, size, 1_000_003 * (i + 1), rate / clients,
                              ready, stop, prefixes[i]))
        p.start()
        WORKERS.append(p)
    for _ in range(clients):
        ready.get(timeout=START_TIMEOUT_S)

    def collect() -> Requests:
        stop.set()
        for p in WORKERS:
            p.join(timeout=30)
        stop_workers()
        start, lat, errors, first = array.array("q"), array.array("q"), 0, ""
        for pre in prefixes:
            try:
                meta = json.loads(Path(pre + ".json").read_text())
                with open(pre + ".start", "rb") as f:
                    start.frombytes(f.read())
                with open(pre + ".lat", "rb") as f:
                    lat.frombytes(f.read())
            except (OSError, ValueError) as e:
                meta = {"errors": 1, "first_error": f"load process left no results ({e})"}
            errors += meta["errors"]
            first = first or meta["first_error"]
        return Requests(start, lat, errors, first)

    return stop, collect


@dataclass
class LatStats:
    count: int
    seconds: float
    p50: float  # ms
    p99: float
    p999: float
    max: float
    p99_co: float  # p99 corrected for coordinated omission
    completed: int = 0  # replies that arrived inside the window

    @property
    def rate(self) -> float:
        """Replies per second inside the window: what the server actually sustained."""
        return self.completed / self.seconds if self.seconds > 0 else 0.0


def pct(sorted_ns: list[int], p: float) -> float:
    """Nearest-rank percentile, in ms."""
    i = min(len(sorted_ns) - 1, max(0, math.ceil(p / 100 * len(sorted_ns)) - 1))
    return sorted_ns[i] / 1e6


def lat_stats(lats: list[int], seconds: float, expected_ns: float) -> LatStats | None:
    if not lats:
        return None
    s = sorted(lats)
    # HdrHistogram's recordValueWithExpectedInterval: a request that took L > E stands for
    # the ones the closed loop did not send meanwhile: L-E, L-2E, ... down to E.
    co = list(s)
    if expected_ns > 0:
        for v in s:
            missing = v - expected_ns
            while missing >= expected_ns:
                co.append(int(missing))
                missing -= expected_ns
        co.sort()
    return LatStats(len(s), seconds, pct(s, 50), pct(s, 99), pct(s, 99.9), s[-1] / 1e6,
                    pct(co, 99))


# --------------------------------------------------------------------------------------
# One server: fill, BGSAVE under load, load at start-up
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    version: str = ""
    fill_s: float = 0.0
    clients: int = 0
    baseline: LatStats | None = None
    during: LatStats | None = None
    baseline_clipped: bool = False
    sustained: bool = True  # paced load: >= 95% of --rate answered in both windows
    bgsave_reply_ms: float = 0.0  # BGSAVE sent -> reply (Redis: includes the fork)
    bgsave_s: float = 0.0  # reply -> first poll with rdb_bgsave_in_progress:0
    child_s: float | None = None  # first to last poll that saw a child process
    children: int = 0
    polls: int = 0
    pss_before: int = 0
    pss_peak: int = 0
    rss_before: int = 0
    rss_peak: int = 0
    child_dirty_peak: int = 0
    info_cow: int | None = None  # rdb_last_cow_size
    fork_usec: int | None = None  # latest_fork_usec
    dump_bytes: int = 0
    rdb_version: str = ""
    load_s: list[float] = field(default_factory=list)
    log_load_s: list[float] = field(default_factory=list)
    cross_load_s: float | None = None  # this server loading the other server's dump
    dump: Path | None = None

    def load_median(self) -> float | None:
        return statistics.median(self.load_s) if self.load_s else None

    def log_load_median(self) -> float | None:
        return statistics.median(self.log_load_s) if self.log_load_s else None


def info_int(info: dict[str, str], key: str) -> int | None:
    try:
        return int(info[key])
    except (KeyError, ValueError):
        return None


def vm_rss(pid: int) -> int:
    """VmRSS in bytes (cheap: a counter, no page-table walk); 0 if gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class MemSampler:
    """Memory of a server and its fork children. RSS (from /proc/PID/status) is cheap and
    read at every poll; Pss and Private_Dirty need smaps_rollup, a page-table walk of
    ~3 ms per 200 MB that holds the target's mmap lock, so they are read every
    pss_every-th poll only, to keep the measurement from perturbing what it measures."""

    def __init__(self, pid: int, pss_every: int) -> None:
        self.pid, self.pss_every = pid, pss_every
        self.kids: dict[int, int] = {}  # pid -> starttime
        self.polls = 0

    def _children(self) -> list[int]:
        alive = [c for c, st in self.kids.items() if proc_starttime(c) == st]
        # The fork happens before BGSAVE's reply, so the first scans find a child; after
        # that (or for a forkless server) scan every 5th poll only (~1 ms per scan).
        if not alive and (self.polls < 5 or self.polls % 5 == 0):
            for c in children_of(self.pid):
                st = proc_starttime(c)
                if st is not None and c not in self.kids:
                    self.kids[c] = st
                    CHILDREN[c] = st
                    alive.append(c)
        return alive

    def sample(self, force_pss: bool = False) -> tuple[Mem, Mem | None, int, bool]:
        """(parent + children, children only or None, live children, Pss was read)."""
        kids = self._children()
        with_pss = force_pss or self.polls % self.pss_every == 0
        self.polls += 1
        total = (proc_mem(self.pid) if with_pss else Mem(rss=vm_rss(self.pid))) or Mem()
        child_sum = None
        for c in kids:
            m = proc_mem(c) if with_pss else Mem(rss=vm_rss(c))
            if m is None:
                continue
            child_sum = child_sum or Mem()
            for acc in (total, child_sum):
                acc.rss += m.rss
                acc.pss += m.pss
                acc.private_dirty += m.private_dirty
        return total, child_sum, len(kids), with_pss


def bench_server(args: argparse.Namespace, kind: str, binary: str, root: Path,
                 fill_file: Path) -> Result:
    res = Result(kind=kind, clients=args.clients)
    datadir = root / kind
    datadir.mkdir()
    srv = Server(kind, binary, datadir, "save")
    log(f"{kind}: start in {datadir}")
    srv.start()
    res.fill_s = fill(args.cli, srv, fill_file, args.keys)
    log(f"{kind}: filled {args.keys} keys in {res.fill_s:.1f} s")
    with Resp(srv.port) as c:
        info = parse_info(c.call("INFO", "server"))  # type: ignore[arg-type]
    res.version = info.get("redis_version", "?")
    time.sleep(0.5)  # let the fill's last replies and frees settle

    stop, collect = run_load(srv.port, args.keys, args.value_size, args.clients, args.rate,
                             root, kind)
    t_load = time.monotonic_ns()
    log(f"{kind}: {args.clients} load connections running; baseline {args.baseline_s} s")
    ctl = Resp(srv.port, timeout=10.0)
    sampler = MemSampler(srv.pid, args.pss_every)
    try:
        time.sleep(WARMUP_S + args.baseline_s)
        before, _, _, _ = sampler.sample(force_pss=True)
        sampler.polls = 0
        res.rss_before, res.pss_before = before.rss, before.pss
        t_sent = time.monotonic_ns()
        try:
            reply = ctl.call("BGSAVE")
        except RespError as e:
            raise Failure(f"{kind}: BGSAVE refused: {e}") from None
        t_reply = time.monotonic_ns()
        res.bgsave_reply_ms = (t_reply - t_sent) / 1e6
        log(f"{kind}: BGSAVE -> {reply!r} after {res.bgsave_reply_ms:.1f} ms")
        deadline = time.monotonic() + args.timeout
        t_done, child_first, child_last, poll_ns = None, None, None, 0
        nxt = time.monotonic()
        while t_done is None:
            pinfo = parse_info(ctl.call("INFO", "persistence"))  # type: ignore[arg-type]
            now = time.monotonic_ns()
            total, child, nkids, with_pss = sampler.sample()
            poll_ns += time.monotonic_ns() - now
            res.polls += 1
            res.rss_peak = max(res.rss_peak, total.rss)
            if with_pss:
                res.pss_peak = max(res.pss_peak, total.pss)
                if child is not None:
                    res.child_dirty_peak = max(res.child_dirty_peak, child.private_dirty)
            if child is not None:
                child_first = child_first or now
                child_last = now
            prog = info_int(pinfo, "rdb_bgsave_in_progress")
            if prog is None:
                raise Failure(f"{kind}: INFO persistence has no rdb_bgsave_in_progress")
            if prog == 0:
                t_done = now
                break
            if time.monotonic() > deadline:
                raise Failure(f"{kind}: BGSAVE still in progress after {args.timeout} s")
            nxt += POLL_S
            time.sleep(max(0.0, nxt - time.monotonic()))
        pinfo = parse_info(ctl.call("INFO", "persistence"))  # type: ignore[arg-type]
        sinfo = parse_info(ctl.call("INFO", "stats"))  # type: ignore[arg-type]
    finally:
        ctl.close()
        reqs = collect()
    res.bgsave_s = (t_done - t_reply) / 1e9
    res.children = len(sampler.kids)
    if child_first is not None:
        res.child_s = (child_last - child_first) / 1e9
    status = pinfo.get("rdb_last_bgsave_status")
    if status != "ok":
        raise Failure(f"{kind}: rdb_last_bgsave_status:{status}; log tail:\n{srv.log_tail()}")
    res.info_cow = info_int(pinfo, "rdb_last_cow_size")
    res.fork_usec = info_int(sinfo, "latest_fork_usec")
    dump = datadir / DUMP
    try:
        res.dump_bytes = dump.stat().st_size
        with open(dump, "rb") as f:
            head = f.read(9)
    except OSError as e:
        raise Failure(f"{kind}: BGSAVE reported ok but {dump} is missing: {e}") from None
    if res.dump_bytes == 0 or not head.startswith(b"REDIS"):
        raise Failure(f"{kind}: {dump} is not an RDB file ({res.dump_bytes} bytes, "
                      f"starts {head!r})")
    res.rdb_version = head[5:].decode(errors="replace")
    res.dump = dump
    if reqs.errors:
        raise Failure(f"{kind}: {reqs.errors} write(s) of the load failed, first: "
                      f"{reqs.first_error!r}")
    with Resp(srv.port) as c:
        db = c.call("DBSIZE")
    if db != args.keys:
        raise Failure(f"{kind}: DBSIZE {db} after the load, want {args.keys}")

    if args.save_requests:
        with open(f"{args.save_requests}.{kind}.json", "w") as f:
            json.dump({"t_sent_ns": t_sent, "t_reply_ns": t_reply, "t_done_ns": t_done,
                       "start_ns": list(reqs.start), "latency_ns": list(reqs.lat)}, f)
    # Latency windows. During: every request overlapping [BGSAVE sent, done seen].
    # Baseline: requests wholly inside an equally long window just before BGSAVE.
    span = t_done - t_sent
    b_from = t_sent - span
    earliest = t_load + int(WARMUP_S * 1e9)
    if b_from < earliest:
        b_from, res.baseline_clipped = earliest, True
    during, base, done_during, done_base = [], [], 0, 0
    for s, lat in zip(reqs.start, reqs.lat):
        e = s + lat
        if s < t_done and e > t_sent:
            during.append(lat)
        elif s >= b_from and e <= t_sent:
            base.append(lat)
        if t_sent < e <= t_done:
            done_during += 1
        elif b_from <= e <= t_sent:
            done_base += 1
    # Paced load already charges stalls to the requests they delay (see load_worker).
    expected = statistics.median(base) if base and args.rate == 0 else 0.0
    res.baseline = lat_stats(base, (t_sent - b_from) / 1e9, expected)
    res.during = lat_stats(during, span / 1e9, expected)
    if res.during is None or res.baseline is None:
        raise Failure(f"{kind}: no write completed in the baseline or snapshot window")
    res.baseline.completed, res.during.completed = done_base, done_during
    if args.rate > 0:
        res.sustained = min(res.baseline.rate, res.during.rate) >= 0.95 * args.rate
    log(f"{kind}: BGSAVE {res.bgsave_s:.3f} s, {res.during.count} writes during it "
        f"(p99 {res.during.p99:.2f} ms, max {res.during.max:.2f} ms), Pss "
        f"{res.pss_before / 2**20:.0f} -> peak {res.pss_peak / 2**20:.0f} MiB, "
        f"dump {res.dump_bytes / 1e6:.1f} MB; {res.polls} polls, memory sampling "
        f"{poll_ns / max(res.polls, 1) / 1e6:.2f} ms each")
    srv.stop(nosave=True)
    return res


def load_rounds(args: argparse.Namespace, binaries: dict[str, str], root: Path,
                results: dict[str, Result]) -> None:
    """--load-runs timed start-ups per server, alternating the servers (A B B A ...) so
    that load from other jobs on this shared host falls on both sides alike."""
    kinds = list(results)
    for i in range(args.load_runs):
        for kind in (kinds if i % 2 == 0 else kinds[::-1]):
            took = timed_load(kind, binaries[kind], root / kind, f"load{i}", args,
                              results[kind])
            results[kind].load_s.append(took)
            log(f"{kind}: load at start-up {took:.3f} s")


def timed_load(kind: str, binary: str, datadir: Path, tag: str, args: argparse.Namespace,
               res: Result | None) -> float:
    """Process start -> PING/PONG and DBSIZE == keys, in seconds."""
    srv = Server(kind, binary, datadir, tag)
    try:
        t0 = srv.spawn()
        t1 = srv.wait_ready(args.keys, args.timeout)
        took = (t1 - t0) / 1e9
        if res is not None:
            s = srv.loaded_seconds()
            if s is not None:
                res.log_load_s.append(s)
        return took
    finally:
        srv.stop(nosave=True)


def link_dump(src: Path, dstdir: Path) -> None:
    dstdir.mkdir()
    try:
        os.link(src, dstdir / DUMP)  # servers replace a dump by rename, never in place
    except OSError:
        shutil.copyfile(src, dstdir / DUMP)


def cross_check(args: argparse.Namespace, binaries: dict[str, str], root: Path,
                results: dict[str, Result]) -> list[str]:
    """Both servers load each dump; they must hold the same values. Returns problems."""
    problems = []
    rnd = random.Random(7)
    sample = [b"key:%d" % rnd.randrange(args.keys) for _ in range(SAMPLE_KEYS)]
    for owner in KINDS:
        dump = results[owner].dump
        assert dump is not None
        servers: dict[str, Server] = {}
        try:
            for kind in KINDS:
                d = root / f"cross-{owner}-dump-in-{kind}"
                link_dump(dump, d)
                srv = Server(kind, binaries[kind], d, f"cross-{owner}")
                servers[kind] = srv
                try:
                    t0 = srv.spawn()
                    t1 = srv.wait_ready(args.keys, args.timeout)
                except Failure as e:
                    problems.append(f"{kind} cannot load {owner}'s dump: {e}")
                    continue
                if kind != owner:
                    results[kind].cross_load_s = (t1 - t0) / 1e9
            if len(servers) == 2 and all(s.proc for s in servers.values()) and not problems:
                got = {}
                for kind, srv in servers.items():
                    vals: list = []
                    with Resp(srv.port, timeout=10.0) as c:
                        for i in range(0, len(sample), 200):
                            vals += c.call("MGET", *sample[i:i + 200])  # type: ignore[operator]
                    got[kind] = vals
                bad = [k for k, a, b in zip(sample, got["redis"], got["ferrokv"])
                       if a != b or a is None]
                if bad:
                    problems.append(f"{owner}'s dump: {len(bad)} of {len(sample)} sampled keys "
                                    f"differ between redis and ferrokv, e.g. {bad[0]!r}")
                else:
                    log(f"cross-check: {owner}'s dump loads in both, {len(sample)} sampled "
                        "keys agree")
        finally:
            for s in servers.values():
                s.stop(nosave=True)
    return problems


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def mib(x: int | None) -> float | None:
    return None if x is None else x / 2**20


def rows(res: dict[str, Result], closed_loop: bool
         ) -> list[tuple[str, dict[str, float | None], str, bool]]:
    """(metric, value per kind, format, ratio wanted)."""
    def per(f) -> dict[str, float | None]:
        return {k: f(r) for k, r in res.items()}

    out = []
    for win, name in (("baseline", "writes before BGSAVE"), ("during", "writes during BGSAVE")):
        out.append((f"{name}: count", per(lambda r: getattr(r, win).count), ",.0f", False))
        out.append((f"{name}: replies/s", per(lambda r: getattr(r, win).rate), ",.0f", True))
        stats = [("p50", "p50"), ("p99", "p99"), ("p999", "p99.9"), ("max", "max")]
        if closed_loop:
            stats.append(("p99_co", "p99, CO-corrected"))
        for attr, label in stats:
            out.append((f"{name}: {label} (ms)",
                        per(lambda r, a=attr: getattr(getattr(r, win), a)), ".3f", True))
    out += [
        ("BGSAVE reply (ms; Redis: the fork)", per(lambda r: r.bgsave_reply_ms), ".1f", True),
        ("BGSAVE duration, reply -> in_progress:0 (s)", per(lambda r: r.bgsave_s), ".3f", True),
        ("fork child seen alive (s, ±10 ms)", per(lambda r: r.child_s), ".3f", False),
        ("memory before: Pss (MiB)", per(lambda r: mib(r.pss_before)), ".1f", True),
        ("**peak Pss sum during BGSAVE (MiB)**", per(lambda r: mib(r.pss_peak)), ".1f", True),
        ("**peak / before, Pss sum**",
         per(lambda r: r.pss_peak / r.pss_before if r.pss_before else None), ".3f", True),
        ("memory before: RSS (MiB)", per(lambda r: mib(r.rss_before)), ".1f", True),
        ("peak RSS sum during BGSAVE (MiB; over-counts shared pages)",
         per(lambda r: mib(r.rss_peak)), ".1f", True),
        ("peak / before, RSS sum",
         per(lambda r: r.rss_peak / r.rss_before if r.rss_before else None), ".3f", True),
        ("child peak Private_Dirty (MiB; COW copies)",
         per(lambda r: mib(r.child_dirty_peak) if r.children else None), ".1f", False),
        ("INFO rdb_last_cow_size (MiB)", per(lambda r: mib(r.info_cow)), ".1f", False),
        ("INFO latest_fork_usec (ms)",
         per(lambda r: r.fork_usec / 1000 if r.fork_usec is not None else None), ".2f", False),
        ("dump size (MB)", per(lambda r: r.dump_bytes / 1e6), ".1f", True),
        ("**load at start-up: spawn -> DBSIZE == N (s, median)**",
         per(lambda r: r.load_median()), ".3f", True),
        ("load runs (s)", {}, "", False),
        ("log \"DB loaded from disk\" (s, median)", per(lambda r: r.log_load_median()),
         ".3f", True),
        ("load of the other server's dump (s)", per(lambda r: r.cross_load_s), ".3f", True),
        ("fill with redis-cli --pipe (s)", per(lambda r: r.fill_s), ".1f", True),
    ]
    return out


def fmtv(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def report(args: argparse.Namespace, res: dict[str, Result], meta: dict[str, str]) -> str:
    kinds = [k for k in KINDS if k in res]
    both = len(kinds) == 2
    md = args.markdown
    head = ["metric"] + [f"{k} {res[k].version}" if k == "redis" else k for k in kinds]
    if both:
        head.append("ratio ferrokv/redis")
    table = []
    for title, vals, spec, want_ratio in rows(res, args.rate == 0):
        if title == "load runs (s)":
            cells = [", ".join(f"{x:.3f}" for x in res[k].load_s) for k in kinds]
            ratio = ""
        else:
            cells = [fmtv(vals.get(k), spec) for k in kinds]
            a, b = vals.get("ferrokv"), vals.get("redis")
            ratio = fmtv(a / b if want_ratio and a is not None and b else None, ".3f")
        if not md:
            title = title.replace("**", "")
        table.append([title] + cells + ([ratio] if both else []))

    clipped = [k for k in kinds if res[k].baseline_clipped]
    if args.rate > 0:
        pacing = (f"paced at {args.rate:,.0f} SET/s in all (open loop; a request sent late "
                  "because earlier replies were slow is timed from its scheduled send)")
    else:
        pacing = "closed loop, as fast as the server answers"
    notes = [
        f"{args.keys:,} keys `key:<i>`, {args.value_size}-byte random printable values; "
        f"write load: {args.clients} Python processes, one connection and one SET in flight "
        f"each, {pacing}, on random keys of the same keyspace; {args.baseline_s} s of load "
        "before BGSAVE. The 2-vCPU host is shared by server, fork child, load and poller, so "
        "the load is modest on purpose.",
        "Latency = client-side time of each SET; \"during\" = writes overlapping "
        "[BGSAVE sent, first poll seeing rdb_bgsave_in_progress:0], baseline = writes in an "
        "equally long window just before BGSAVE."
        + (" CO-corrected p99: HdrHistogram's expected-interval correction with the "
           "baseline median." if args.rate == 0 else ""),
        "Memory: RSS sampled every 10 ms with the INFO poll, Pss every "
        f"{args.pss_every * 10} ms; the headline is the sum of Pss "
        "(smaps_rollup) over the server and its fork child, which counts each shared page "
        "once; the RSS sum counts shared pages twice. Redis's in_progress flag is cleared by "
        "serverCron (hz 10), so its BGSAVE duration can be up to ~100 ms late; the "
        "child-alive row brackets the fork child itself.",
    ]
    behind = [k for k in kinds if not res[k].sustained]
    if behind:
        notes.append(f"**The paced load was not sustained (< 95% of {args.rate:,.0f}/s "
                     f"answered in a window) for: {', '.join(behind)}. Requests queued up, so "
                     "their latencies measure the backlog, not single stalls; rerun with a "
                     "lower --rate to see the stalls.**")
    if clipped:
        notes.append(f"Baseline window shorter than the BGSAVE for: {', '.join(clipped)} "
                     "(raise --baseline-s).")
    if md:
        out = [f"Machine: {meta['machine']}. Date: {meta['date']}. ferrokv {meta['git']}, "
               f"{short_redis_version(meta['redis_version'])}. Load average "
               f"{meta['loadavg']}; dumps on {meta['fs']}.", "", "```", meta["command"],
               "```", ""]
        out += [" ".join(notes), ""]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---|" + "---:|" * (len(head) - 1))
        out += ["| " + " | ".join(r) + " |" for r in table]
        return "\n".join(out)
    out = [f"# {meta['machine']}; {meta['date']}",
           f"# ferrokv: {meta['ferrokv']}  (git {meta['git']})",
           f"# redis:   {meta['redis']}  ({meta['redis_version']})",
           f"# command: {meta['command']}",
           f"# load average (1 min) {meta['loadavg']}; dumps on {meta['fs']}"]
    out += [f"# {n}" for n in notes]
    w0 = max(len(r[0]) for r in table + [head])
    ws = [max(len(r[i]) for r in table + [head]) for i in range(1, len(head))]
    fmt_row = lambda r: r[0].ljust(w0) + "".join(c.rjust(w + 2) for c, w in zip(r[1:], ws))  # noqa: E731
    out.append(fmt_row(head))
    out += [fmt_row(r) for r in table]
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def loadavg() -> str:
    """1-minute load average: other jobs on this shared host show up here."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except (OSError, IndexError):
        return "?"


def fs_of(path: str) -> str:
    """"/tmp (ext4 on /dev/vda)": where the dumps are written, from /proc/mounts."""
    real, best = os.path.realpath(path), ("?", "?", "")
    try:
        with open("/proc/mounts") as f:
            for line in f:
                dev, mnt, fstype = line.split()[:3]
                if (real == mnt or real.startswith(mnt.rstrip("/") + "/")) \
                        and len(mnt) >= len(best[2]):
                    best = (dev, fstype, mnt)
    except OSError:
        pass
    return f"{path} ({best[1]} on {best[0]})"


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="benches/snapshot.py",
        description="BGSAVE under write load (latency, memory, duration) and RDB load at "
                    "start-up: ferrokv vs redis-server 7.0.15.")
    ap.add_argument("--servers", default="redis,ferrokv",
                    help="comma-separated subset of redis,ferrokv (default both)")
    ap.add_argument("--ferrokv", default=str(DEFAULT_FERROKV),
                    help="ferrokv binary (default: target/release/ferrokv-server)")
    ap.add_argument("--redis", default="redis-server", help="redis-server binary (7.0.15)")
    ap.add_argument("--keys", type=int, default=None, help="keys (default 1000000)")
    ap.add_argument("--value-size", type=int, default=100, help="bytes per value (100)")
    ap.add_argument("--clients", type=int, default=3,
                    help="load connections, one process each (default 3)")
    ap.add_argument("--rate", type=float, default=5000,
                    help="total writes/s of the load, paced (default 5000, about a third of "
                         "what Redis sustains here during BGSAVE of 1M keys); 0 = closed "
                         "loop, as fast as the server answers")
    ap.add_argument("--pss-every", type=int, default=5,
                    help="read smaps_rollup (Pss) every Nth 10-ms poll (default 5: 50 ms); "
                         "RSS is read at every poll")
    ap.add_argument("--baseline-s", type=float, default=None,
                    help="seconds of load before BGSAVE (default 6, quick 1.5): the "
                         "baseline window is as long as the BGSAVE, and must fit in it")
    ap.add_argument("--load-runs", type=int, default=None,
                    help="timed start-up loads per server (default 3, quick 1)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="limit on BGSAVE and on one start-up load, s (default 120, quick 30)")
    ap.add_argument("--tmpdir", default=None,
                    help="where the servers' temp dirs go (default: $TMPDIR or /tmp, i.e. "
                         "the disk; /dev/shm takes the disk out of BGSAVE)")
    ap.add_argument("--save-requests", metavar="PREFIX", default=None,
                    help="write every timed request of the load to PREFIX.<server>.json "
                         "(for plotting latency over time)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 100000 keys, 1.5 s baseline, 1 load run (~10 s)")
    ap.add_argument("--markdown", action="store_true", help="print the report as Markdown")
    ap.add_argument("--cli", default="redis-cli", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.keys = args.keys if args.keys is not None else (100_000 if args.quick else 1_000_000)
    if args.baseline_s is None:
        args.baseline_s = 1.5 if args.quick else 6.0
    if args.load_runs is None:
        args.load_runs = 1 if args.quick else 3
    if args.timeout is None:
        args.timeout = 30.0 if args.quick else 120.0
    args.kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    if not args.kinds or any(k not in KINDS for k in args.kinds) or \
            len(set(args.kinds)) != len(args.kinds):
        ap.error("--servers takes redis, ferrokv or both")
    if args.keys < 1 or args.value_size < 1 or args.clients < 1 or args.load_runs < 1 \
            or args.baseline_s <= 0 or args.timeout <= 0 or args.rate < 0 or args.pss_every < 1:
        ap.error("--keys, --value-size, --clients, --load-runs, --baseline-s, --timeout "
                 "must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    binaries: dict[str, str] = {}
    for kind in args.kinds:
        path = resolve_binary(args.ferrokv if kind == "ferrokv" else args.redis)
        if path is None:
            hint = "build it first:  cargo build --release" if kind == "ferrokv" else \
                "install redis-server 7.0.15"
            print(f"{kind} binary not found: {args.ferrokv if kind == 'ferrokv' else args.redis}"
                  f"\n{hint}", file=sys.stderr)
            return 2
        binaries[kind] = path
    cli = resolve_binary(args.cli)
    if cli is None:
        print("redis-cli not found (needed for --pipe)", file=sys.stderr)
        return 2
    args.cli = cli
    redis_version = version_of(args.redis if "redis" not in binaries else binaries["redis"])
    if "redis" in binaries and "v=7.0.15" not in redis_version:
        log(f"warning: the baseline is meant to be redis-server 7.0.15, got: {redis_version}")
    meta = {
        "machine": f"{os.cpu_count()} × {cpu_model()}, Linux {platform.release()}",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "ferrokv": binaries.get("ferrokv", "(not run)"), "git": git_rev(),
        "redis": binaries.get("redis", "(not run)"), "redis_version": redis_version,
        "command": "python3 benches/snapshot.py" + (" " + shlex.join(argv) if argv else ""),
    }
    meta["loadavg"] = loadavg()
    meta["fs"] = fs_of(args.tmpdir or tempfile.gettempdir())
    log(f"loadavg at start: {meta['loadavg']}; data on {meta['fs']}")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, Result] = {}
    problems: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ferrokv-snapshot-", dir=args.tmpdir) as tmp:
            root = Path(tmp)
            fill_file = root / "fill.resp"
            write_fill_file(fill_file, args.keys, args.value_size)
            log(f"fill file: {args.keys} keys, {fill_file.stat().st_size / 1e6:.1f} MB of RESP")
            for kind in KINDS:
                if kind in binaries:
                    results[kind] = bench_server(args, kind, binaries[kind], root, fill_file)
            fill_file.unlink()
            load_rounds(args, binaries, root, results)
            if len(results) == 2:
                problems = cross_check(args, binaries, root, results)
    except Failure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    except (OSError, RespError, subprocess.TimeoutExpired, queue.Empty) as e:
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        stop_workers()
        for s in list(LIVE):
            s.stop(nosave=True)
        kill_children()
    if problems:
        bar = "!" * 78
        print(f"{bar}\nCROSS-CHECK FAILED:\n" + "\n".join(f"  {p}" for p in problems)
              + f"\n{bar}", file=sys.stderr)
        return 1
    meta["loadavg"] += f" -> {loadavg()}"
    print(report(args, results, meta))
    log(f"total wall time: {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

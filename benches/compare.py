#!/usr/bin/env python3
"""Side-by-side throughput, CPU and memory of ferrokv against redis-server 7.0.15.

Usage (from the repository root, after `cargo build --release`):
  python3 benches/compare.py [--ferrokv PATH] [--redis PATH] [--rounds 3] [--requests N]
                             [--keys N] [--quick] [--markdown] [--aof | --aof-only]
  python3 benches/compare.py --markdown          # the README table (~2 min on a quiet host)
  python3 benches/compare.py --quick             # CI smoke run (~6 s; exit 1 on any failure)
  python3 benches/compare.py --aof-only --markdown   # the AOF table alone (~3 min)
  python3 benches/compare.py --aof-only --quick      # AOF smoke run (~5 s)
  python3 benches/compare.py --ferrokv /usr/bin/redis-server   # Redis vs itself: the noise
Progress goes to stderr, the report to stdout. Exit 0 ok, 1 a run failed, 2 a binary is missing.

What it does:
  * Throughput: starts ferrokv and redis-server with the same command line
    (`--port P --bind 127.0.0.1 --save "" --appendonly no`) on loopback and runs
    `redis-benchmark -t TEST -c 50 -P {1,16} -n N -r 100000 --csv`
    (N: 200k at P1, 2M at P16, 400k for MSET at P16; see requests_for) for set, get, incr and
    mset. Both servers are started fresh for each (round, -P) pass and the two are
    interleaved test by test, with the order flipped from test to test and from round
    to round, so load from other jobs on this shared host falls on both sides alike
    (the "v2" A/B method of reference/perf-anchors.md B.7).
  * AOF (`--aof`, opt-in; `--aof-only` skips everything else): SET and INCR with
    `--appendonly yes --appendfsync {everysec,always}` at -P 1 and -P 16, each server in
    its own temporary directory (which must report aof_enabled:1), with the same
    interleaving and medians (n: aof_requests_for; `always` is fsync-bound, ~7k rps at
    P1 here). Each ratio is held against the issue's bar: >= 0.9 of Redis under everysec,
    >= 1.0 under always. Redis against itself misses it by noise in a 1-round --quick run.
  * Server CPU: utime+stime of the server process from /proc/PID/stat around each
    redis-benchmark run, reported as CPU seconds per million requests (= µs/request).
    On this 2-vCPU box that is the robust metric: rps swings up to 3x with foreign load,
    server CPU per request barely moves (B.0, B.7).
  * Memory: a fresh server of each kind, `INFO memory` used_memory and RSS (VmRSS from
    /proc, and INFO's used_memory_rss) before and after loading 1,000,000 string keys
    `key:<n>` with 10-byte values through `redis-cli --pipe`; prints bytes per key.

How to read it (B.7, Redis against itself on this host): a rps geomean difference under
~5% is noise, and so is a per-test difference under ~15%; a CPU-per-request geomean
difference under ~4% is unresolved under load.

Everything is bounded: each subprocess has a timeout, and every server this script
starts is stopped by its PID in a `finally` (SIGTERM, then SIGKILL after 5 s).
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import os
import platform
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

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FERROKV = REPO / "target" / "release" / "ferrokv-server"

TESTS = ("set", "get", "incr", "mset", "lpush", "rpush", "lpop", "rpop", "sadd", "spop", "hset",
         "lrange_100", "lrange_600")
# Collections for the memory test: (kind, members per key, keys = --keys / 10).
COLLECTIONS = ("set", "list", "hash")
PIPELINES = (1, 16)
CLIENTS = 50
KEYSPACE = 100_000  # redis-benchmark -r
CLK_TCK = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT_S = 15.0
STOP_GRACE_S = 5.0

# Every server this process started and has not stopped yet; main() stops the rest.
LIVE: list["Server"] = []


def log(msg: str) -> None:
    """Progress goes to stderr so stdout holds only the report (pipe it into a file)."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# A minimal RESP client: enough for PING, INFO and DBSIZE without spawning redis-cli.
# --------------------------------------------------------------------------------------


class RespError(Exception):
    pass


class Resp:
    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Resp":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, *args: str | bytes) -> object:
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2 :]
        return data

    def _reply(self) -> object:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"="):  # bulk string / RESP3 verbatim string
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        if kind == b"_":
            return None
        raise RespError(f"unexpected reply {line[:40]!r}")


def parse_info(text: bytes) -> dict[str, str]:
    info: dict[str, str] = {}
    for raw in text.decode(errors="replace").splitlines():
        if raw.startswith("txt:"):  # RESP3 verbatim-string prefix, if any
            raw = raw[4:]
        if ":" in raw and not raw.startswith("#"):
            k, v = raw.split(":", 1)
            info[k.strip()] = v.strip()
    return info


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process, started with the same command line whichever binary it is."""

    def __init__(self, label: str, binary: str, workdir: Path,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.label = label
        self.binary = binary
        self.workdir = workdir
        self.extra_args = extra_args  # after the common ones (later wins), e.g. AOF settings
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.logpath: Path | None = None

    def start(self) -> "Server":
        self.port = free_port()
        self.logpath = self.workdir / f"{self.label}-{self.port}.log"
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", *self.extra_args]
        with open(self.logpath, "wb") as logf:
            # Own session: a Ctrl-C in the terminal reaches only this script, which then
            # stops the server itself by PID.
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        LIVE.append(self)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode} at start; "
                                   f"log tail:\n{self.log_tail()}")
            try:
                with Resp(self.port, timeout=1.0) as c:
                    if c.call("PING") == "PONG":
                        return self
            except (OSError, RespError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.label} did not answer PING within "
                                   f"{READY_TIMEOUT_S:.0f} s; log tail:\n{self.log_tail()}")
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if self in LIVE:
            LIVE.remove(self)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_GRACE_S)
        except ProcessLookupError:
            pass

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """utime+stime of the whole process (all threads), in seconds."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def vm_rss(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def info(self, section: str) -> dict[str, str]:
        """INFO SECTION as a dict; empty if the server refuses INFO (its columns read n/a)."""
        try:
            with Resp(self.port) as c:
                reply = c.call("INFO", section)
        except RespError:
            return {}
        return parse_info(reply if isinstance(reply, bytes) else b"")

    def dbsize(self) -> int:
        """DBSIZE, or -1 if the server refuses it."""
        try:
            with Resp(self.port) as c:
                return int(c.call("DBSIZE"))  # type: ignore[arg-type]
        except RespError:
            return -1

    def log_tail(self, n: int = 15) -> str:
        try:
            assert self.logpath is not None
            return "\n".join(self.logpath.read_text(errors="replace").splitlines()[-n:])
        except (OSError, AssertionError):
            return "(no log)"


# --------------------------------------------------------------------------------------
# Throughput
# --------------------------------------------------------------------------------------


@dataclass
class Sample:
    rps: float
    cpu_s: float  # server CPU seconds consumed during the run
    requests: int

    @property
    def cpu_per_mreq(self) -> float:
        return self.cpu_s / self.requests * 1e6


@dataclass
class Cell:
    """All rounds of one (server, -P, test)."""

    name: str = ""  # the test name redis-benchmark printed, e.g. "MSET (10 keys)"
    samples: list[Sample] = field(default_factory=list)
    failures: int = 0

    def median_rps(self) -> float | None:
        return statistics.median(s.rps for s in self.samples) if self.samples else None

    def median_cpu(self) -> float | None:
        return statistics.median(s.cpu_per_mreq for s in self.samples) if self.samples else None

    def spread(self) -> float | None:
        """(max - min) / median of rps, in percent."""
        if not self.samples:
            return None
        r = [s.rps for s in self.samples]
        return (max(r) - min(r)) / statistics.median(r) * 100


def requests_for(test: str, pipeline: int, base: int) -> int:
    """-n for one run. With the default base (200k) these are B.1's counts: 200k at P1,
    2M at P16, and 400k for MSET at P16 (10 keys each, ~5x slower than SET there); on a
    quiet host each run lasts ~2-3 s, on a contended one up to ~3x that."""
    if test.startswith("lrange"):
        # Each request returns 100 or 600 elements: far heavier than the others.
        return base // 4 if pipeline == 1 else base // 2
    if pipeline == 1:
        return base
    return base * 2 if test == "mset" else base * 10


def run_benchmark(bench: str, server: Server, test: str, pipeline: int,
                  requests: int, timeout: float | None = None) -> tuple[str, Sample]:
    cmd = [bench, "-h", "127.0.0.1", "-p", str(server.port), "-t", test, "-c", str(CLIENTS),
           "-P", str(pipeline), "-n", str(requests), "-r", str(KEYSPACE), "--csv"]
    # Generous: ~1/10 of the quiet-host speed still finishes.
    if timeout is None:
        timeout = 30 + requests / (5_000 if pipeline == 1 else 40_000)
    cpu0 = server.cpu_seconds()
    res = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
    cpu1 = server.cpu_seconds()
    rows = [r for r in csv.reader(res.stdout.splitlines()) if len(r) >= 2 and r[0] != "test"]
    if res.returncode != 0 or not rows:
        raise RuntimeError(f"redis-benchmark exited {res.returncode}, no CSV rows; stderr: "
                           f"{res.stderr.strip()[-500:]!r} stdout: {res.stdout.strip()[-300:]!r}")
    # One row per -t test here; take the last in case a prep row ever precedes it.
    name, rps = rows[-1][0], float(rows[-1][1])
    if rps <= 0:
        raise RuntimeError(f"redis-benchmark reported {rps} rps: {res.stdout.strip()!r}")
    return name, Sample(rps=rps, cpu_s=cpu1 - cpu0, requests=requests)


def throughput(args: argparse.Namespace, workdir: Path,
               binaries: dict[str, str]) -> dict[tuple[str, int, str], Cell]:
    cells: dict[tuple[str, int, str], Cell] = {
        (label, p, t): Cell() for label in binaries for p in PIPELINES for t in TESTS}
    labels = list(binaries)  # ["ferrokv", "redis"]
    for rnd in range(args.rounds):
        for pi, p in enumerate(PIPELINES):
            servers = {label: Server(label, binaries[label], workdir) for label in labels}
            try:
                for s in servers.values():
                    s.start()
                for ti, test in enumerate(TESTS):
                    first = (rnd + pi + ti) % 2
                    order = [labels[first], labels[1 - first]]
                    n = requests_for(test, p, args.requests)
                    for label in order:
                        srv, cell = servers[label], cells[(label, p, test)]
                        if not srv.alive():
                            log(f"  ! {label} died (log tail:\n{srv.log_tail()}); restarting")
                            srv.stop()
                            srv.start()
                        try:
                            name, sample = run_benchmark(args.bench, srv, test, p, n)
                        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
                            cell.failures += 1
                            log(f"  ! round {rnd + 1} P={p} {test} on {label} failed: {e}")
                            continue
                        cell.name = name
                        cell.samples.append(sample)
                        log(f"  round {rnd + 1}/{args.rounds} P={p:<2} {test:<4} "
                            f"{label:<7} {sample.rps:>10.0f} rps  "
                            f"{sample.cpu_per_mreq:6.2f} cpu s/Mreq  (n={n})")
            finally:
                for s in servers.values():
                    s.stop()
    return cells


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


@dataclass
class Row:
    test: str
    f_rps: float | None
    r_rps: float | None
    f_cpu: float | None
    r_cpu: float | None
    f_spread: float | None
    r_spread: float | None

    @property
    def ratio(self) -> float | None:
        return self.f_rps / self.r_rps if self.f_rps and self.r_rps else None

    @property
    def cpu_ratio(self) -> float | None:
        return self.f_cpu / self.r_cpu if self.f_cpu and self.r_cpu else None


def table_rows(cells: dict[tuple[str, int, str], Cell], p: int) -> list[Row]:
    rows = []
    for t in TESTS:
        f, r = cells[("ferrokv", p, t)], cells[("redis", p, t)]
        rows.append(Row(r.name or f.name or t.upper(), f.median_rps(), r.median_rps(),
                        f.median_cpu(), r.median_cpu(), f.spread(), r.spread()))
    return rows


# --------------------------------------------------------------------------------------
# AOF throughput (--aof)
# --------------------------------------------------------------------------------------

AOF_TESTS = ("set", "incr")
AOF_POLICIES = ("everysec", "always")
# The issue's bar: ferrokv rps / redis rps with the same appendfsync setting.
AOF_BAR = {"everysec": 0.9, "always": 1.0}


def aof_requests_for(policy: str, pipeline: int, base: int) -> int:
    """-n for one AOF run. everysec: as without AOF (200k at P1, 2M at P16). always: Redis
    fsyncs once per event-loop iteration (~7k rps at P1 and ~180k at P16 on this host's
    disk), so 1/10 of that at P1 and 2x base at P16: ~3 s per run either way."""
    if policy == "everysec":
        return requests_for("set", pipeline, base)
    return max(base // 10, 1000) if pipeline == 1 else base * 2


def start_aof_server(label: str, binary: str, workdir: Path, policy: str) -> Server:
    """A server with `--appendonly yes --appendfsync POLICY` in a directory of its own,
    which must say so in INFO (a server ignoring the flag would be measured without AOF)."""
    own_dir = Path(tempfile.mkdtemp(prefix=f"aof-{label}-", dir=workdir))
    srv = Server(label, binary, own_dir, ("--appendonly", "yes", "--appendfsync", policy))
    srv.start()
    info = srv.info("persistence")
    if info.get("aof_enabled") != "1":
        srv.stop()
        raise RuntimeError(f"{label} started with --appendonly yes reports aof_enabled="
                           f"{info.get('aof_enabled')!r} in INFO persistence, not 1")
    return srv


def aof_throughput(args: argparse.Namespace, workdir: Path,
                   binaries: dict[str, str]) -> dict[tuple[str, str, int, str], Cell]:
    """The throughput method (fresh servers per pass, tests interleaved, order flipped)
    for SET and INCR with the AOF on, per appendfsync policy and -P."""
    cells: dict[tuple[str, str, int, str], Cell] = {
        (label, pol, p, t): Cell()
        for label in binaries for pol in AOF_POLICIES for p in PIPELINES for t in AOF_TESTS}
    labels = list(binaries)
    for rnd in range(args.aof_rounds):
        for qi, policy in enumerate(AOF_POLICIES):
            for pi, p in enumerate(PIPELINES):
                servers: dict[str, Server] = {}
                n = aof_requests_for(policy, p, args.requests)
                try:
                    try:
                        for label in labels:
                            servers[label] = start_aof_server(label, binaries[label], workdir,
                                                              policy)
                    except RuntimeError as e:
                        log(f"  ! AOF round {rnd + 1} {policy} P={p}: {e}")
                        for label in labels:
                            for test in AOF_TESTS:
                                cells[(label, policy, p, test)].failures += 1
                        continue
                    for ti, test in enumerate(AOF_TESTS):
                        first = (rnd + qi + pi + ti) % 2
                        for label in (labels[first], labels[1 - first]):
                            srv, cell = servers[label], cells[(label, policy, p, test)]
                            try:
                                if not srv.alive():
                                    raise RuntimeError(f"died; log tail:\n{srv.log_tail()}")
                                name, sample = run_benchmark(args.bench, srv, test, p, n,
                                                             timeout=30 + n / 1_000)
                            except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
                                cell.failures += 1
                                log(f"  ! AOF round {rnd + 1} {policy} P={p} {test} on "
                                    f"{label} failed: {e}")
                                continue
                            cell.name = name
                            cell.samples.append(sample)
                            log(f"  AOF round {rnd + 1}/{args.aof_rounds} {policy:<8} P={p:<2} "
                                f"{test:<4} {label:<7} {sample.rps:>10.0f} rps  "
                                f"{sample.cpu_per_mreq:6.2f} cpu s/Mreq  (n={n})")
                finally:
                    for srv in servers.values():
                        srv.stop()
                        shutil.rmtree(srv.workdir, ignore_errors=True)
    return cells


@dataclass
class AofRow:
    policy: str
    pipeline: int
    row: Row

    @property
    def meets_bar(self) -> bool | None:
        ratio = self.row.ratio
        return None if ratio is None else ratio >= AOF_BAR[self.policy]


def aof_rows(cells: dict[tuple[str, str, int, str], Cell]) -> list[AofRow]:
    rows = []
    for pol in AOF_POLICIES:
        for p in PIPELINES:
            for t in AOF_TESTS:
                f, r = cells[("ferrokv", pol, p, t)], cells[("redis", pol, p, t)]
                rows.append(AofRow(pol, p, Row(r.name or f.name or t.upper(), f.median_rps(),
                                               r.median_rps(), f.median_cpu(), r.median_cpu(),
                                               f.spread(), r.spread())))
    return rows


def bar_text(row: AofRow) -> str:
    met = row.meets_bar
    return f">= {AOF_BAR[row.policy]:.1f} " + ("n/a" if met is None else "met" if met else "MISSED")


def report_aof(args: argparse.Namespace, cells: dict[tuple[str, str, int, str], Cell]) -> str:
    rows = aof_rows(cells)
    md = args.markdown
    intro = (f"AOF: `--appendonly yes --appendfsync POLICY`, each server in its own directory, "
             f"`redis-benchmark -c {CLIENTS} -r {KEYSPACE}`, median of {args.aof_rounds} "
             f"interleaved rounds (n: " + ", ".join(
                 f"{pol} P{p} {aof_requests_for(pol, p, args.requests)}"
                 for pol in AOF_POLICIES for p in PIPELINES) +
             "); bar = the issue's minimum ratio; CPU = server CPU s per million requests.")
    out = ["", intro if md else intro.replace("`", ""), ""]
    if md:
        out += ["| fsync | -P | test | ferrokv rps | redis rps | ratio | bar | ferrokv CPU "
                "| redis CPU |", "|---|---:|---|---:|---:|---:|---|---:|---:|"]
        for a in rows:
            r = a.row
            out.append(f"| {a.policy} | {a.pipeline} | {r.test} | {fmt(r.f_rps, ',.0f')} "
                       f"| {fmt(r.r_rps, ',.0f')} | {fmt(r.ratio, '.3f')} | {bar_text(a)} "
                       f"| {fmt(r.f_cpu, '.2f')} | {fmt(r.r_cpu, '.2f')} |")
    else:
        out.append(f"{'fsync':<10}{'-P':>3}  {'test':<6}{'ferrokv rps':>12}{'redis rps':>12}"
                   f"{'ratio':>8}{'sprdF%':>8}{'sprdR%':>8}  {'bar':<12}{'ferrokv cpu':>12}"
                   f"{'redis cpu':>11}")
        for a in rows:
            r = a.row
            out.append(f"{a.policy:<10}{a.pipeline:>3}  {r.test:<6}{fmt(r.f_rps, '.0f'):>12}"
                       f"{fmt(r.r_rps, '.0f'):>12}{fmt(r.ratio, '.3f'):>8}"
                       f"{fmt(r.f_spread, '.1f'):>8}{fmt(r.r_spread, '.1f'):>8}  "
                       f"{bar_text(a):<12}{fmt(r.f_cpu, '.2f'):>12}{fmt(r.r_cpu, '.2f'):>11}")
    missed = [a for a in rows if a.meets_bar is False]
    out.append("")
    out.append(f"AOF bar: {len(rows) - len(missed)} of {len(rows)} cells met" + (
        "; missed: " + ", ".join(f"{a.policy} P{a.pipeline} {a.row.test} "
                                 f"{a.row.ratio:.3f}" for a in missed) if missed else ""))
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------


def write_load_file(path: Path, keys: int) -> None:
    """RESP-encoded `SET key:<n> v<9 digits>`: 10-byte values that do not look like
    integers (so no server can store them as ints)."""
    with open(path, "wb") as f:
        for start in range(0, keys, 100_000):
            chunk = []
            for n in range(start, min(keys, start + 100_000)):
                k = b"key:%d" % n
                chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\nv%09d\r\n" % (len(k), k, n))
            f.write(b"".join(chunk))


@dataclass
class MemResult:
    keys: int
    used: float | None  # bytes/key from INFO used_memory, None if the server lacks it
    rss: float  # bytes/key from /proc VmRSS
    info_rss: float | None  # bytes/key from INFO used_memory_rss
    load_s: float
    ok: bool


def info_int(info: dict[str, str], key: str) -> int | None:
    try:
        return int(info[key])
    except (KeyError, ValueError):
        return None


def write_collection_load_file(path: Path, kind: str, keys: int) -> None:
    """RESP for `keys` collections of 10 members of 10 bytes each: `SADD set:<n> m...`,
    `RPUSH list:<n> e...` or `HSET hash:<n> f... v...` (8-byte fields, 10-byte values)."""
    with open(path, "wb") as f:
        for start in range(0, keys, 10_000):
            chunk = []
            for n in range(start, min(keys, start + 10_000)):
                if kind == "hash":
                    args = [b"HSET", b"hash:%d" % n]
                    for i in range(10):
                        args += [b"field:%02d" % i, b"v%09d" % (n * 10 + i)]
                else:
                    args = [b"SADD" if kind == "set" else b"RPUSH", b"%s:%d" % (kind.encode(), n)]
                    args += [b"m%09d" % (n * 10 + i) for i in range(10)]
                chunk.append(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
            f.write(b"".join(chunk))


def memory(args: argparse.Namespace, workdir: Path, binaries: dict[str, str],
           load_file: Path, expected: int | None = None) -> dict[str, MemResult]:
    expected = args.keys if expected is None else expected
    out: dict[str, MemResult] = {}
    for label, binary in binaries.items():
        srv = Server(label, binary, workdir)
        try:
            srv.start()
            time.sleep(0.5)  # let a startup allocation burst settle before the baseline
            i0, rss0 = srv.info("memory"), srv.vm_rss()
            t0 = time.monotonic()
            with open(load_file, "rb") as stdin:
                res = subprocess.run([args.cli, "-h", "127.0.0.1", "-p", str(srv.port), "--pipe"],
                                     stdin=stdin, capture_output=True, text=True,
                                     timeout=60 + expected / 10_000)
            load_s = time.monotonic() - t0
            # INFO's used_memory_rss is refreshed by the server's cron (every 100 ms in Redis).
            time.sleep(1.0)
            i1, rss1 = srv.info("memory"), srv.vm_rss()
            db = srv.dbsize()
            ok = res.returncode == 0 and db == expected and "errors: 0," in res.stdout
            if not ok:
                log(f"  ! {label}: redis-cli --pipe rc={res.returncode}, DBSIZE={db} "
                    f"(want {expected}); output: {(res.stdout + res.stderr).strip()[-400:]!r}")
            u0, u1 = info_int(i0, "used_memory"), info_int(i1, "used_memory")
            r0, r1 = info_int(i0, "used_memory_rss"), info_int(i1, "used_memory_rss")
            keys = max(db, 1)
            out[label] = MemResult(
                keys=db,
                used=(u1 - u0) / keys if u0 is not None and u1 is not None else None,
                rss=(rss1 - rss0) / keys,
                info_rss=(r1 - r0) / keys if r0 is not None and r1 is not None else None,
                load_s=load_s, ok=ok)
            log(f"  memory {label:<7} keys={db} used_memory "
                f"{fmt(out[label].used, '.1f')} B/key, RSS {out[label].rss:.1f} B/key, "
                f"load {load_s:.2f} s")
        finally:
            srv.stop()
    return out


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def version_of(binary: str) -> str:
    try:
        res = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=5)
        return res.stdout.strip().splitlines()[0][:100] if res.returncode == 0 else "?"
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


def short_redis_version(v: str) -> str:
    """"Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 ..." -> "redis-server 7.0.15"."""
    for part in v.split():
        if part.startswith("v="):
            return f"redis-server {part[2:]}"
    return v


def git_rev() -> str:
    try:
        res = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=5)
        return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else "no commit"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def report_text(args: argparse.Namespace, cells, mem, meta: dict[str, str]) -> str:
    out = [f"# {meta['machine']}; {meta['date']}",
           f"# ferrokv: {meta['ferrokv']}  (git {meta['git']})",
           f"# redis:   {meta['redis']}  ({meta['redis_version']})",
           f"# command: {meta['command']}"]
    if cells:
        hdr = (f"{'test':<16}{'ferrokv rps':>12}{'redis rps':>12}{'ratio':>8}"
               f"{'sprdF%':>8}{'sprdR%':>8}{'ferrokv cpu':>13}{'redis cpu':>11}{'cpu ratio':>11}")
        for p in PIPELINES:
            rows = table_rows(cells, p)
            n = ", ".join(f"{t} n={requests_for(t, p, args.requests)}" for t in TESTS)
            out += ["", f"-P {p}: -c {CLIENTS} -r {KEYSPACE}, median of {args.rounds} rounds "
                        f"({n}); cpu = server CPU s per million requests", hdr]
            for r in rows:
                out.append(f"{r.test:<16}{fmt(r.f_rps, '.0f'):>12}{fmt(r.r_rps, '.0f'):>12}"
                           f"{fmt(r.ratio, '.3f'):>8}{fmt(r.f_spread, '.1f'):>8}"
                           f"{fmt(r.r_spread, '.1f'):>8}{fmt(r.f_cpu, '.2f'):>13}"
                           f"{fmt(r.r_cpu, '.2f'):>11}{fmt(r.cpu_ratio, '.3f'):>11}")
            g = geomean([r.ratio for r in rows if r.ratio])
            gc = geomean([r.cpu_ratio for r in rows if r.cpu_ratio])
            out.append(f"geomean ratio (P={p}) = {fmt(g, '.3f')}  (ferrokv/redis rps; >1 = ferrokv faster)")
            out.append(f"geomean cpu ratio (P={p}) = {fmt(gc, '.3f')}  "
                       f"(ferrokv/redis server CPU per request; <1 = ferrokv cheaper)")
        allr = [r for p in PIPELINES for r in table_rows(cells, p)]
        out.append("")
        out.append(f"geomean ratio (all) = {fmt(geomean([r.ratio for r in allr if r.ratio]), '.3f')}"
                   f"   geomean cpu ratio (all) = "
                   f"{fmt(geomean([r.cpu_ratio for r in allr if r.cpu_ratio]), '.3f')}")
    if mem:
        f, r = mem.get("ferrokv"), mem.get("redis")
        out += ["", f"memory: {args.keys} keys key:<n>, 10-byte values, redis-cli --pipe, "
                    "fresh server each; bytes per key (after - before) / keys",
                f"{'':<26}{'ferrokv':>10}{'redis':>10}{'ratio':>8}"]
        for title, attr in (("used_memory B/key", "used"), ("RSS (VmRSS) B/key", "rss"),
                            ("used_memory_rss B/key", "info_rss"), ("load s", "load_s")):
            a = getattr(f, attr) if f else None
            b = getattr(r, attr) if r else None
            out.append(f"{title:<26}{fmt(a, '.1f' if attr != 'load_s' else '.2f'):>10}"
                       f"{fmt(b, '.1f' if attr != 'load_s' else '.2f'):>10}"
                       f"{fmt(a / b if a and b else None, '.3f'):>8}")
    return "\n".join(out)


def report_collections(args: argparse.Namespace, coll: dict[str, dict[str, MemResult]]) -> str:
    """Bytes per collection of 10 members (used_memory delta), ferrokv against redis."""
    n = max(args.keys // 10, 1)
    out = ["", f"Memory: {n:,} collections of 10 members of 10 bytes (hash: 8-byte fields), "
               "used_memory bytes per key.", ""]
    md = args.markdown
    out.append("| collection | ferrokv | redis | ratio |" if md else
               f"{'collection':<26}{'ferrokv':>10}{'redis':>10}{'ratio':>8}")
    if md:
        out.append("|---|---:|---:|---:|")
    for kind, res in coll.items():
        a = res.get("ferrokv").used if res.get("ferrokv") else None
        b = res.get("redis").used if res.get("redis") else None
        ratio = a / b if a and b else None
        if md:
            out.append(f"| {kind} of 10 | {fmt(a, '.1f')} | {fmt(b, '.1f')} | {fmt(ratio, '.3f')} |")
        else:
            out.append(f"{kind + ' of 10':<26}{fmt(a, '.1f'):>10}{fmt(b, '.1f'):>10}{fmt(ratio, '.3f'):>8}")
    return "\n".join(out)


def report_markdown(args: argparse.Namespace, cells, mem, meta: dict[str, str]) -> str:
    out = [f"Machine: {meta['machine']}. Date: {meta['date']}. "
           f"ferrokv {meta['git']}, {short_redis_version(meta['redis_version'])}.",
           "",
           "```",
           meta["command"],
           "```"]
    if cells:
        for p in PIPELINES:
            rows = table_rows(cells, p)
            out += ["",
                    f"`redis-benchmark -c {CLIENTS} -P {p} -r {KEYSPACE}`, median of "
                    f"{args.rounds} interleaved rounds; CPU = server CPU seconds per million "
                    "requests (µs/request).",
                    "",
                    "| test | ferrokv rps | redis rps | ratio | ferrokv CPU s/Mreq "
                    "| redis CPU s/Mreq | CPU ratio |",
                    "|---|---:|---:|---:|---:|---:|---:|"]
            for r in rows:
                out.append(f"| {r.test} | {fmt(r.f_rps, ',.0f')} | {fmt(r.r_rps, ',.0f')} "
                           f"| {fmt(r.ratio, '.3f')} | {fmt(r.f_cpu, '.2f')} "
                           f"| {fmt(r.r_cpu, '.2f')} | {fmt(r.cpu_ratio, '.3f')} |")
            g = geomean([r.ratio for r in rows if r.ratio])
            gc = geomean([r.cpu_ratio for r in rows if r.cpu_ratio])
            out.append(f"| **geomean** | | | **{fmt(g, '.3f')}** | | | **{fmt(gc, '.3f')}** |")
    if mem:
        f, r = mem.get("ferrokv"), mem.get("redis")
        out += ["",
                f"Memory: {args.keys:,} keys `key:<n>` with 10-byte values, loaded with "
                "`redis-cli --pipe` into a fresh server; bytes per key.",
                "",
                "| | ferrokv | redis | ratio |",
                "|---|---:|---:|---:|"]
        for title, attr in (("used_memory", "used"), ("RSS", "rss")):
            a = getattr(f, attr) if f else None
            b = getattr(r, attr) if r else None
            out.append(f"| {title} | {fmt(a, '.1f')} | {fmt(b, '.1f')} "
                       f"| {fmt(a / b if a and b else None, '.3f')} |")
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def resolve_binary(name: str) -> str | None:
    if os.sep in name:
        p = Path(name)
        # absolute(), not resolve(): redis-server is a symlink to redis-check-rdb and picks
        # its personality from argv[0].
        return str(p.absolute()) if p.is_file() and os.access(p, os.X_OK) else None
    return shutil.which(name)


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="benches/compare.py",
        description="ferrokv vs redis-server: redis-benchmark throughput, server CPU per "
                    "request, and memory per key.")
    ap.add_argument("--ferrokv", default=str(DEFAULT_FERROKV),
                    help="ferrokv binary (default: target/release/ferrokv-server)")
    ap.add_argument("--redis", default="redis-server", help="redis-server binary (7.0.15)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    ap.add_argument("--requests", type=int, default=None,
                    help="requests per run at -P 1 (default 200000); -P 16 runs use 10x, "
                         "MSET at -P 16 2x (the B.1 counts; ~2-3 s per run on a quiet host)")
    ap.add_argument("--keys", type=int, default=None,
                    help="keys for the memory test (default 1000000; 0 skips it)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1 round, 10000 requests, 100000 keys (< 60 s)")
    ap.add_argument("--aof", action="store_true",
                    help="also SET and INCR with --appendonly yes under appendfsync everysec "
                         "and always (~3 min at the defaults; with --quick ~5 s)")
    ap.add_argument("--aof-only", action="store_true",
                    help="only the AOF section (implies --aof; no other throughput, no memory)")
    ap.add_argument("--markdown", action="store_true",
                    help="print the report as Markdown for the README")
    ap.add_argument("--bench", default="redis-benchmark", help=argparse.SUPPRESS)
    ap.add_argument("--cli", default="redis-cli", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.requests is None:
        args.requests = 10_000 if args.quick else 200_000
    if args.keys is None:
        args.keys = 0 if args.aof_only else 100_000 if args.quick else 1_000_000
    args.aof = args.aof or args.aof_only
    args.aof_rounds = args.rounds if args.aof else 0
    if args.aof_only:
        args.rounds = 0
    if args.rounds < 0 or args.requests < 1 or args.keys < 0:
        ap.error("--rounds, --keys must be >= 0 and --requests >= 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()

    ferrokv = resolve_binary(args.ferrokv)
    if ferrokv is None:
        print(f"ferrokv binary not found: {args.ferrokv}\n"
              "build it first:  cargo build --release", file=sys.stderr)
        return 2
    binaries = {"ferrokv": ferrokv}
    for label, name in (("redis", args.redis), ("bench", args.bench), ("cli", args.cli)):
        path = resolve_binary(name)
        if path is None:
            print(f"not found: {name} (need redis-server, redis-benchmark and redis-cli "
                  "7.0.15 on PATH)", file=sys.stderr)
            return 2
        if label == "redis":
            binaries["redis"] = path
        else:
            setattr(args, label, path)

    redis_version = version_of(binaries["redis"])
    if "v=7.0.15" not in redis_version:
        log(f"warning: the baseline is meant to be redis-server 7.0.15, got: {redis_version}")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = {
        "machine": f"{os.cpu_count()} × {cpu_model()}, Linux {platform.release()}",
        "date": date,
        "ferrokv": ferrokv, "git": git_rev(),
        "redis": binaries["redis"], "redis_version": redis_version,
        "command": "python3 benches/compare.py" + (" " + shlex.join(argv) if argv else ""),
    }
    log(f"loadavg at start: {Path('/proc/loadavg').read_text().strip()}")

    # SIGTERM (e.g. a CI timeout) unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cells: dict = {}
    aof_cells: dict = {}
    mem: dict[str, MemResult] = {}
    coll: dict[str, dict[str, MemResult]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="ferrokv-compare-") as tmp:
            workdir = Path(tmp)
            if args.rounds:
                log(f"throughput: {args.rounds} rounds x P{PIPELINES} x {TESTS}")
                cells = throughput(args, workdir, binaries)
            if args.aof_rounds:
                log(f"AOF throughput: {args.aof_rounds} rounds x {AOF_POLICIES} x "
                    f"P{PIPELINES} x {AOF_TESTS}")
                aof_cells = aof_throughput(args, workdir, binaries)
            if args.keys:
                load_file = workdir / "load.resp"
                write_load_file(load_file, args.keys)
                log(f"memory: {args.keys} keys ({load_file.stat().st_size / 1e6:.1f} MB of RESP)")
                mem = memory(args, workdir, binaries, load_file)
                for kind in COLLECTIONS:
                    n = max(args.keys // 10, 1)
                    cfile = workdir / f"load-{kind}.resp"
                    write_collection_load_file(cfile, kind, n)
                    log(f"memory: {n} {kind}s of 10 members")
                    coll[kind] = memory(args, workdir, binaries, cfile, expected=n)
    except RuntimeError as e:  # a server that does not start or answer: nothing to compare
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        for s in list(LIVE):
            s.stop()

    report = report_markdown if args.markdown else report_text
    print(report(args, cells, mem, meta))
    if coll:
        print(report_collections(args, coll))
    if aof_cells:
        print(report_aof(args, aof_cells))
    log(f"loadavg at end: {Path('/proc/loadavg').read_text().strip()}")
    log(f"total wall time: {time.monotonic() - started:.1f} s")

    failed = sum(c.failures for c in cells.values()) + sum(not m.ok for m in mem.values())
    failed += sum(c.failures for c in aof_cells.values())
    failed += sum(not m.ok for per_kind in coll.values() for m in per_kind.values())
    missing = [k for k, c in list(cells.items()) + list(aof_cells.items()) if not c.samples]
    if failed or missing:
        log(f"{failed} failed run(s); {len(missing)} test(s) without any sample")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

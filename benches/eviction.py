#!/usr/bin/env python3
"""maxmemory eviction (allkeys-lru): ferrokv against redis-server 7.0.15, same run.

Usage (from the repository root, after `cargo build --release`):
  python3 benches/eviction.py [--ferrokv PATH] [--redis PATH] [--maxmemory 64mb]
                              [--clients 4] [--pipeline 100] [--value-size 100] [--factor 4]
                              [--keys K] [--accesses N] [--rate R] [--seed S]
                              [--quick] [--markdown]
  python3 benches/eviction.py --markdown     # the README table (64mb, ~40 s on 2 vCPUs)
  python3 benches/eviction.py --quick        # CI smoke run (16mb, ~25 s; exit 1 on failure)
  python3 benches/eviction.py --ferrokv /usr/bin/redis-server   # Redis vs itself: the noise
Progress goes to stderr, the report to stdout. Exit 0 ok, 1 a server failed (see below),
2 a binary is missing.

Every server is started fresh, on a free loopback port, in a temp dir, with the same
command line: `--port P --bind 127.0.0.1 --dir D --save "" --appendonly no
--maxmemory M --maxmemory-policy allkeys-lru` (M: --maxmemory, 64mb; 16mb with --quick).

  1. Memory bound and write throughput: --clients load processes (multiprocessing, so no
     GIL between them), one connection each, write distinct keys `key:<n>` with
     --value-size (100) byte values in pipelined batches of --pipeline (100) SETs, one
     batch in flight per connection, until the key and value bytes written reach
     --factor (4) x maxmemory. Meanwhile a control connection samples `INFO memory`
     used_memory every 50 ms; the report has its maximum over the run and its final
     value (0.5 s after the last write), both as % of maxmemory, plus INFO stats
     evicted_keys, VmRSS of the server (/proc/PID/status), DBSIZE, SET/s over the write
     phase (all SETs / wall time from the start signal to the last reply) and the
     server's CPU time (utime+stime) per SET.
  2. Eviction quality: a fresh server; a keyspace of K keys (--keys; 100,000, 25,000 with
     --quick) whose values are sized so all K keys hold 2 x maxmemory of key+value bytes;
     20% of the keys ("hot") get 80% of the accesses. An access is GET key, and on a miss
     SET key value (cache-aside). The access sequence comes from random.Random(--seed),
     so both servers see the same one: a warm-up of N accesses (not counted), then N
     counted ones (--accesses; 200,000, 50,000 with --quick); hit rate = hits / N.
     Pipelined on one connection: a batch of --pipeline GETs, then one SET per distinct
     missed key of the batch. The batches are paced at --rate accesses/s (default
     0.4 x K: 40,000/s, 10,000/s with --quick, so the run takes 2N / rate = 10 s):
     Redis's LRU clock ticks once a second (LRU_CLOCK_RESOLUTION), so unpaced (~150k/s
     here) its whole cache turns over within a tick, every key looks equally old and
     Redis 7.0.15's allkeys-lru scores like random eviction (74% here, against 82% paced).
     For scale, the same sequence is also run through two simulated caches holding the
     server's final DBSIZE keys: an exact LRU (~84%) and random eviction (~74%).

Failures (exit 1; the table is still printed, with n/a where nothing was measured): a
server does not start or answer PING within 15 s, dies or drops a connection, answers a
SET with an error (allkeys-lru must make room instead), ends a phase with used_memory
above 110% of maxmemory, or reports evicted_keys 0 (or none) after the write load.
Nothing here asserts that ferrokv beats Redis: the ratios are printed, not judged.

The load is a Python client (the same for both servers), so the SET/s figure is
client-bound when the server is fast; on a 2-vCPU host the server CPU per SET is the
steadier number (see compare.py). The --quick write phase lasts ~1 s: Redis against
itself has read 0.76 on SET/s and 1.07 on CPU per SET there; the hit rates agree
within ~0.5 points.

Must not: leave a server or a load process running (each is stopped by its PID in a
`finally`: SIGTERM, then SIGKILL after 5 s), wait without bound (every socket, start-up
and join has a timeout), or listen beyond 127.0.0.1. Python 3.11 standard library only;
shares the RESP helpers of compare.py.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import os
import platform
import queue
import random
import shlex
import signal
import socket
import sys
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402  (its Server; stopping what is left goes through compare.LIVE)
from compare import (  # noqa: E402  (the RESP client and helpers of the throughput bench)
    Resp, RespError, cpu_model, parse_info, resolve_binary, short_redis_version, version_of)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FERROKV = REPO / "target" / "release" / "ferrokv-server"
KINDS = ("ferrokv", "redis")  # column order; ratio = ferrokv / redis
READY_TIMEOUT_S = 15.0
STOP_GRACE_S = 5.0
SOCK_TIMEOUT_S = 30.0
SAMPLE_EVERY_S = 0.05
SETTLE_S = 0.5  # between the last write and the "final" readings
LIMIT_SLACK = 1.10  # used_memory may end at most 10% above maxmemory
HOT_SHARE, HOT_ACCESS = 0.2, 0.8
RATE_PER_KEY = 0.4  # default hit-rate pacing: accesses per second per key of the keyspace

LIVE = compare.LIVE  # servers started and not stopped yet; main() stops the rest
WORKERS: list = []  # load processes started and not joined yet


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_size(text: str) -> int:
    """Redis's memtoll: 64mb = 64 * 1024^2, 64m = 64 * 1000^2, a bare number is bytes."""
    t = text.strip().lower()
    for suffix, mul in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10),
                        ("g", 10 ** 9), ("m", 10 ** 6), ("k", 10 ** 3), ("b", 1)):
        if t.endswith(suffix):
            return int(t[: -len(suffix)]) * mul
    return int(t)


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------


class Server(compare.Server):
    """compare.py's server process, in a directory of its own, with the eviction settings."""

    def __init__(self, label: str, binary: str, root: Path, maxmemory: str, tag: str) -> None:
        workdir = Path(tempfile.mkdtemp(prefix=f"{label}-{tag}-", dir=root))
        super().__init__(label, binary, workdir, ("--dir", str(workdir), "--maxmemory", maxmemory,
                                                  "--maxmemory-policy", "allkeys-lru"))


def info_int(conn: Resp, section: str, key: str) -> int | None:
    """One integer field of INFO SECTION; None if the server refuses INFO or lacks it."""
    try:
        reply = conn.call("INFO", section)
    except RespError:
        return None
    v = parse_info(reply if isinstance(reply, bytes) else b"").get(key)
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def dbsize(conn: Resp) -> int | None:
    try:
        n = conn.call("DBSIZE")
        return n if isinstance(n, int) else None
    except RespError:
        return None


# --------------------------------------------------------------------------------------
# RESP on a raw socket, pipelined
# --------------------------------------------------------------------------------------


def encode(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


class Pipe:
    """One connection; sends a batch of commands and reads their replies. Replies are
    strings, None (nil), ints, or RespError instances (not raised: the caller counts)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=SOCK_TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def reply(self) -> object:
        line = self._line()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            return data
        if kind == b"+":
            return line[1:]
        if kind == b"-":
            return RespError(line[1:].decode(errors="replace"))
        if kind == b":":
            return int(line[1:])
        if kind == b"_":
            return None
        raise RespError(f"unexpected reply {line[:40]!r}")

    def batch(self, payload: bytes, n: int) -> list[object]:
        self.sock.sendall(payload)
        return [self.reply() for _ in range(n)]


# --------------------------------------------------------------------------------------
# Phase 1: write load past the limit
# --------------------------------------------------------------------------------------


def value_for(n: int, size: int, tail: bytes) -> bytes:
    """A distinct value per key: its number, then a fixed seeded tail; `size` bytes."""
    return (b"%010d" % n + tail)[:size]


def write_worker(port: int, lo: int, hi: int, size: int, pipeline: int, tail: bytes,
                 go, results) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    out = {"sets": 0, "errors": 0, "first_error": ""}
    try:
        p = Pipe(port)
        go.wait(READY_TIMEOUT_S)
        pre = b"*3\r\n$3\r\nSET\r\n$"
        vhdr = b"$%d\r\n" % size
        for start in range(lo, hi, pipeline):
            end = min(start + pipeline, hi)
            parts = []
            for n in range(start, end):
                k = b"key:%d" % n
                parts.append(b"%s%d\r\n%s\r\n%s%s\r\n" % (pre, len(k), k, vhdr,
                                                         value_for(n, size, tail)))
            for r in p.batch(b"".join(parts), end - start):
                if isinstance(r, RespError):
                    out["errors"] += 1
                    out["first_error"] = out["first_error"] or str(r)[:120]
            out["sets"] += end - start
        p.close()
    except Exception as e:  # reported by the parent as a failed run
        out["errors"] += 1
        out["first_error"] = out["first_error"] or f"{type(e).__name__}: {e}"[:120]
    results.put(out)


def stop_workers() -> None:
    for p in WORKERS:
        if p.is_alive():
            p.kill()
        p.join(timeout=STOP_GRACE_S)
    WORKERS.clear()


@dataclass
class WriteResult:
    ok: bool = False
    errors: list[str] = field(default_factory=list)
    sets: int = 0
    bytes_written: int = 0
    seconds: float | None = None
    cpu_s: float | None = None
    max_used: int | None = None
    final_used: int | None = None
    info_maxmemory: int | None = None
    evicted: int | None = None
    rss: int | None = None
    dbsize: int | None = None
    samples: int = 0

    @property
    def sets_per_s(self) -> float | None:
        return self.sets / self.seconds if self.seconds else None

    @property
    def cpu_us_per_set(self) -> float | None:
        return self.cpu_s / self.sets * 1e6 if self.cpu_s is not None and self.sets else None


def write_load(args: argparse.Namespace, label: str, binary: str, root: Path) -> WriteResult:
    res = WriteResult()
    limit = args.maxmemory_bytes
    total = args.write_keys
    res.bytes_written = args.write_bytes
    tail = random.Random(args.seed).randbytes(args.value_size).hex().encode()
    srv = Server(label, binary, root, args.maxmemory, "write")
    ctrl: Resp | None = None
    ctx = mp.get_context("fork")
    try:
        srv.start()
        ctrl = Resp(srv.port, timeout=SOCK_TIMEOUT_S)
        res.info_maxmemory = info_int(ctrl, "memory", "maxmemory")
        go, results = ctx.Event(), ctx.Queue()
        per_client = -(-total // args.clients)
        for i in range(args.clients):
            lo, hi = i * per_client, min((i + 1) * per_client, total)
            p = ctx.Process(target=write_worker, daemon=True,
                            args=(srv.port, lo, hi, args.value_size, args.pipeline, tail,
                                  go, results))
            p.start()
            WORKERS.append(p)
        time.sleep(0.2)  # let them connect
        cpu0 = srv.cpu_seconds()
        t0 = time.monotonic()
        go.set()
        deadline = t0 + args.write_timeout
        outs = []
        max_used = None
        while len(outs) < args.clients:
            used = info_int(ctrl, "memory", "used_memory")
            if used is not None:
                max_used = used if max_used is None else max(max_used, used)
                res.samples += 1
            try:
                outs.append(results.get(timeout=SAMPLE_EVERY_S))
                if len(outs) == args.clients:
                    res.seconds = time.monotonic() - t0
                continue
            except queue.Empty:
                pass
            if not any(p.is_alive() for p in WORKERS):
                try:  # a result still in the pipe of a process that just exited
                    outs.append(results.get(timeout=1.0))
                    continue
                except queue.Empty:
                    raise RuntimeError(f"{args.clients - len(outs)} load process(es) "
                                       "exited without a result") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"write load not done within {args.write_timeout:.0f} s")
            if not srv.alive():
                raise RuntimeError(f"{label} died during the write load; log tail:\n"
                                   f"{srv.log_tail()}")
        res.cpu_s = srv.cpu_seconds() - cpu0
        stop_workers()
        res.sets = sum(o["sets"] for o in outs)
        errs = sum(o["errors"] for o in outs)
        if errs:
            first = next(o["first_error"] for o in outs if o["first_error"])
            res.errors.append(f"{errs} SET(s) failed (first: {first})")
        time.sleep(SETTLE_S)
        res.final_used = info_int(ctrl, "memory", "used_memory")
        if res.final_used is not None:
            max_used = res.final_used if max_used is None else max(max_used, res.final_used)
        res.max_used = max_used
        res.evicted = info_int(ctrl, "stats", "evicted_keys")
        res.dbsize = dbsize(ctrl)
        res.rss = srv.vm_rss()
    except (RuntimeError, OSError, RespError, ValueError) as e:
        res.errors.append(f"{type(e).__name__}: {e}" if not isinstance(e, RuntimeError)
                          else str(e))
    finally:
        stop_workers()
        if ctrl is not None:
            ctrl.close()
        srv.stop()
    check_memory(res.errors, res.final_used, limit)
    if res.final_used is not None or res.evicted is not None:
        if not res.evicted:
            res.errors.append(f"evicted_keys is {res.evicted} after writing "
                              f"{res.bytes_written / limit:.1f}x maxmemory")
    if res.info_maxmemory is not None and res.info_maxmemory != limit:
        log(f"  ! {label}: INFO memory maxmemory is {res.info_maxmemory}, expected {limit}")
    res.ok = not res.errors
    return res


def check_memory(errors: list[str], used: int | None, limit: int) -> None:
    if used is None:
        if not errors:  # the server answered, but INFO memory has no used_memory
            errors.append("no used_memory in INFO memory")
    elif used > LIMIT_SLACK * limit:
        errors.append(f"used_memory {used:,} B at the end is "
                      f"{100 * used / limit:.1f}% of maxmemory {limit:,} B (limit "
                      f"{100 * LIMIT_SLACK:.0f}%)")


# --------------------------------------------------------------------------------------
# Phase 2: hit rate under an 80/20 cache-aside pattern
# --------------------------------------------------------------------------------------


def access_sequence(keys: int, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    hot = max(1, int(keys * HOT_SHARE))
    cold = keys - hot
    rand, randrange = rng.random, rng.randrange
    return [randrange(hot) if rand() < HOT_ACCESS or not cold else hot + randrange(cold)
            for _ in range(count)]


def sim_lru(seq: list[int], warm: int, capacity: int) -> float:
    """Hit rate of an exact LRU cache holding `capacity` keys over seq[warm:]."""
    cache: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for i, k in enumerate(seq):
        if k in cache:
            cache.move_to_end(k)
            hits += i >= warm
        else:
            cache[k] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits / (len(seq) - warm)


def sim_random(seq: list[int], warm: int, capacity: int, seed: int) -> float:
    """Hit rate of a cache of `capacity` keys that evicts a uniformly random key."""
    rng = random.Random(seed)
    keys: list[int] = []
    where: dict[int, int] = {}
    hits = 0
    for i, k in enumerate(seq):
        if k in where:
            hits += i >= warm
            continue
        where[k] = len(keys)
        keys.append(k)
        if len(keys) > capacity:
            j = rng.randrange(len(keys))
            victim, last = keys[j], keys.pop()
            if last != victim:
                keys[j] = last
                where[last] = j
            del where[victim]
    return hits / (len(seq) - warm)


@dataclass
class HitResult:
    ok: bool = False
    errors: list[str] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    seconds: float | None = None
    final_used: int | None = None
    evicted: int | None = None
    dbsize: int | None = None
    rate: float | None = None  # accesses per second achieved
    lru: float | None = None  # simulated exact LRU at `dbsize` keys
    random: float | None = None  # simulated random eviction at `dbsize` keys

    @property
    def hit_rate(self) -> float | None:
        n = self.hits + self.misses
        return self.hits / n if n and self.seconds is not None else None


def hit_rate(args: argparse.Namespace, label: str, binary: str, root: Path,
             seq: list[int]) -> HitResult:
    res = HitResult()
    tail = random.Random(args.seed + 1).randbytes(args.hit_value_size).hex().encode()
    srv = Server(label, binary, root, args.maxmemory, "hits")
    pipe: Pipe | None = None
    ctrl: Resp | None = None
    try:
        srv.start()
        pipe = Pipe(srv.port)
        ctrl = Resp(srv.port, timeout=SOCK_TIMEOUT_S)
        names = [b"key:%d" % k for k in range(args.keys)]
        get_cmds = [encode(b"GET", k) for k in names]
        warm = len(seq) - args.accesses
        set_errors, first_error = 0, ""
        t0 = time.monotonic()
        deadline = t0 + args.write_timeout
        for start in range(0, len(seq), args.pipeline):
            if args.rate:  # paced: batch i is sent no earlier than t0 + i * pipeline / rate
                delay = t0 + start / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            chunk = seq[start:start + args.pipeline]
            replies = pipe.batch(b"".join(get_cmds[k] for k in chunk), len(chunk))
            missed: dict[int, None] = {}
            counted = start >= warm
            for k, r in zip(chunk, replies):
                if isinstance(r, RespError):
                    raise RuntimeError(f"GET {names[k].decode()} failed: {r}")
                if r is None:
                    missed[k] = None
                    if counted:
                        res.misses += 1
                elif counted:
                    res.hits += 1
            if missed:
                payload = b"".join(encode(b"SET", names[k],
                                          value_for(k, args.hit_value_size, tail))
                                   for k in missed)
                for r in pipe.batch(payload, len(missed)):
                    if isinstance(r, RespError):
                        set_errors += 1
                        first_error = first_error or str(r)[:120]
            if time.monotonic() > deadline:
                raise RuntimeError(f"hit-rate run not done within {args.write_timeout:.0f} s")
        res.seconds = time.monotonic() - t0
        res.rate = len(seq) / res.seconds
        if args.rate and res.rate < 0.9 * args.rate:
            log(f"  ! {label}: {res.rate:,.0f} accesses/s, under the --rate of "
                f"{args.rate:,.0f} (client or server too slow): its LRU clock saw less time")
        if set_errors:
            res.errors.append(f"{set_errors} SET(s) failed (first: {first_error})")
        time.sleep(SETTLE_S)
        res.final_used = info_int(ctrl, "memory", "used_memory")
        res.evicted = info_int(ctrl, "stats", "evicted_keys")
        res.dbsize = dbsize(ctrl)
    except (RuntimeError, OSError, RespError, ValueError) as e:
        res.errors.append(f"{type(e).__name__}: {e}" if not isinstance(e, RuntimeError)
                          else str(e))
    finally:
        if pipe is not None:
            pipe.close()
        if ctrl is not None:
            ctrl.close()
        srv.stop()
    check_memory(res.errors, res.final_used, args.maxmemory_bytes)
    if res.dbsize:
        warm = len(seq) - args.accesses
        res.lru = sim_lru(seq, warm, res.dbsize)
        res.random = sim_random(seq, warm, res.dbsize, args.seed)
    res.ok = not res.errors
    return res


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def pct(x: int | None, limit: int) -> float | None:
    return None if x is None else 100 * x / limit


def ratio(a: float | None, b: float | None) -> str:
    return fmt(a / b if a is not None and b else None, ".3f")


def table(args: argparse.Namespace, w: dict[str, WriteResult],
          h: dict[str, HitResult]) -> list[tuple[str, str, str, str]]:
    limit = args.maxmemory_bytes
    f, r = w["ferrokv"], w["redis"]
    hf, hr = h["ferrokv"], h["redis"]
    mib = 1 << 20
    rows = []

    def row(title: str, a: float | None, b: float | None, spec: str,
            rel: str | None = None) -> None:
        rows.append((title, fmt(a, spec), fmt(b, spec), ratio(a, b) if rel is None else rel))

    row("SET throughput (ops/s)", f.sets_per_s, r.sets_per_s, ",.0f")
    row("server CPU per SET (µs)", f.cpu_us_per_set, r.cpu_us_per_set, ".2f")
    row("max used_memory (% of maxmemory)", pct(f.max_used, limit), pct(r.max_used, limit),
        ".1f")
    row("final used_memory (% of maxmemory)", pct(f.final_used, limit),
        pct(r.final_used, limit), ".1f")
    row("final RSS (MiB)", f.rss / mib if f.rss else None, r.rss / mib if r.rss else None,
        ".1f")
    row("DBSIZE after the writes", f.dbsize, r.dbsize, ",d")
    row("evicted_keys", f.evicted, r.evicted, ",d")
    def points(title: str, a: float | None, b: float | None) -> None:
        diff = fmt(100 * (a - b) if a is not None and b is not None else None, "+.1f")
        row(title, 100 * a if a is not None else None, 100 * b if b is not None else None,
            ".1f", diff + " pts")

    points("hit rate 80/20 (%)", hf.hit_rate, hr.hit_rate)
    points("hit rate, exact LRU sim (%)", hf.lru, hr.lru)
    points("hit rate, random-eviction sim (%)", hf.random, hr.random)
    row("hit-rate run: accesses/s", hf.rate, hr.rate, ",.0f")
    row("hit-rate run: final used_memory (%)", pct(hf.final_used, limit),
        pct(hr.final_used, limit), ".1f")
    row("hit-rate run: DBSIZE", hf.dbsize, hr.dbsize, ",d")
    return rows


def report(args: argparse.Namespace, w: dict[str, WriteResult], h: dict[str, HitResult],
           meta: dict[str, str]) -> str:
    limit = args.maxmemory_bytes
    load = (f"write load: {args.write_keys:,} SETs of `key:<n>` with {args.value_size}-byte "
            f"values ({args.write_bytes / limit:.1f}x maxmemory of key+value bytes), "
            f"{args.clients} connections, pipeline {args.pipeline}")
    hits = (f"hit rate: {args.keys:,} keys with {args.hit_value_size}-byte values "
            f"(2x maxmemory), {HOT_SHARE:.0%} of them get {HOT_ACCESS:.0%} of the GETs, "
            f"SET on miss; {args.accesses:,} accesses counted after {args.accesses:,} "
            f"of warm-up, " + (f"paced at {args.rate:,.0f}/s" if args.rate else "unpaced")
            + f", seed {args.seed}; sim = the same sequence through an exact LRU / a "
            "random-eviction cache holding the server's final DBSIZE keys")
    rows = table(args, w, h)
    if args.markdown:
        out = [f"Machine: {meta['machine']}. Date: {meta['date']}. "
               f"{short_redis_version(meta['redis_version'])}.",
               "",
               "```",
               meta["command"],
               "```",
               "",
               f"`--maxmemory {args.maxmemory} --maxmemory-policy allkeys-lru`; "
               f"{load}; {hits}.",
               "",
               "| metric | ferrokv | redis-server | ratio |",
               "|---|---:|---:|---:|"]
        out += [f"| {t} | {a} | {b} | {c} |" for t, a, b, c in rows]
    else:
        out = [f"# {meta['machine']}; {meta['date']}",
               f"# ferrokv: {meta['ferrokv']}  ({meta['ferrokv_version']})",
               f"# redis:   {meta['redis']}  ({meta['redis_version']})",
               f"# command: {meta['command']}",
               f"# maxmemory {args.maxmemory} ({limit:,} B), allkeys-lru",
               f"# {load}",
               f"# {hits}",
               "",
               f"{'metric':<38}{'ferrokv':>12}{'redis-server':>14}{'ratio':>12}"]
        out += [f"{t:<38}{a:>12}{b:>14}{c:>12}" for t, a, b, c in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="benches/eviction.py",
        description="ferrokv vs redis-server under maxmemory with allkeys-lru: memory bound, "
                    "write throughput and LRU hit rate.")
    ap.add_argument("--ferrokv", default=str(DEFAULT_FERROKV),
                    help="ferrokv binary (default: target/release/ferrokv-server)")
    ap.add_argument("--redis", default="redis-server", help="redis-server binary (7.0.15)")
    ap.add_argument("--maxmemory", default=None, help="maxmemory (default 64mb; 16mb --quick)")
    ap.add_argument("--clients", type=int, default=4, help="write-load connections (4)")
    ap.add_argument("--pipeline", type=int, default=100, help="commands per batch (100)")
    ap.add_argument("--value-size", type=int, default=100, help="write-load value bytes (100)")
    ap.add_argument("--factor", type=float, default=4.0,
                    help="write key+value bytes up to this many times maxmemory (4)")
    ap.add_argument("--keys", type=int, default=None,
                    help="hit-rate keyspace (default 100000; 25000 with --quick)")
    ap.add_argument("--accesses", type=int, default=None,
                    help="counted hit-rate accesses, after as many of warm-up "
                         "(default 200000; 50000 with --quick)")
    ap.add_argument("--rate", type=float, default=None,
                    help="hit-rate accesses per second (default 0.4 x --keys: 40000, 10000 "
                         "with --quick; 0 = unpaced; see the docstring)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write-timeout", type=float, default=300.0, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 16mb, 25000 keys, 50000 accesses (~25 s)")
    ap.add_argument("--markdown", action="store_true",
                    help="print the report as Markdown for the README")
    args = ap.parse_args(argv)
    if args.maxmemory is None:
        args.maxmemory = "16mb" if args.quick else "64mb"
    if args.keys is None:
        args.keys = 25_000 if args.quick else 100_000
    if args.accesses is None:
        args.accesses = 50_000 if args.quick else 200_000
    if args.rate is None:
        args.rate = RATE_PER_KEY * args.keys
    try:
        args.maxmemory_bytes = parse_size(args.maxmemory)
    except ValueError:
        ap.error(f"--maxmemory: not a size: {args.maxmemory!r}")
    if (args.maxmemory_bytes < 1 << 20 or args.clients < 1 or args.pipeline < 1
            or args.value_size < 10 or args.factor <= 1 or args.keys < 10
            or args.accesses < 1):
        ap.error("need --maxmemory >= 1mb, --factor > 1, --value-size >= 10, --keys >= 10 "
                 "and positive --clients, --pipeline, --accesses")
    # Write load: keys key:0 .. key:N-1, enough that key+value bytes reach factor x limit.
    args.write_keys, args.write_bytes = 0, 0
    target, width, lo_n = int(args.factor * args.maxmemory_bytes), 1, 0
    while args.write_bytes < target:  # keys of `width` digits: 10^(width-1) .. 10^width-1
        per = 4 + width + args.value_size
        n = min(10 ** width - lo_n, -(-(target - args.write_bytes) // per))
        args.write_keys += n
        args.write_bytes += n * per
        lo_n, width = 10 ** width, width + 1
    # Hit rate: values sized so the K keys hold 2x maxmemory of key+value bytes.
    avg_key = sum(len(b"key:%d" % k) for k in range(args.keys)) / args.keys
    args.hit_value_size = max(10, round(2 * args.maxmemory_bytes / args.keys - avg_key))
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    binaries = {}
    for label, name in (("ferrokv", args.ferrokv), ("redis", args.redis)):
        path = resolve_binary(name)
        if path is None:
            print(f"{label} binary not found: {name}"
                  + ("\nbuild it first:  cargo build --release" if label == "ferrokv" else
                     " (need redis-server 7.0.15 on PATH)"), file=sys.stderr)
            return 2
        binaries[label] = path
    redis_version = version_of(binaries["redis"])
    if "v=7.0.15" not in redis_version:
        log(f"warning: the baseline is meant to be redis-server 7.0.15, got: {redis_version}")
    meta = {
        "machine": f"{os.cpu_count()} × {cpu_model()}, Linux {platform.release()}",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "ferrokv": binaries["ferrokv"], "ferrokv_version": version_of(binaries["ferrokv"]),
        "redis": binaries["redis"], "redis_version": redis_version,
        "command": "python3 benches/eviction.py" + (" " + shlex.join(argv) if argv else ""),
    }
    log(f"loadavg at start: {Path('/proc/loadavg').read_text().strip()}")

    # SIGTERM (e.g. a CI timeout) unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    writes: dict[str, WriteResult] = {}
    hits: dict[str, HitResult] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="ferrokv-eviction-") as tmp:
            root = Path(tmp)
            # Redis first in phase 1, ferrokv first in phase 2: foreign load on this shared
            # host falls on both sides alike.
            for label in ("redis", "ferrokv"):
                log(f"write load: {label} (maxmemory {args.maxmemory})")
                w = writes[label] = write_load(args, label, binaries[label], root)
                log(f"  {label:<7} {w.sets:,} SETs in {fmt(w.seconds, '.2f')} s = "
                    f"{fmt(w.sets_per_s, ',.0f')}/s; used_memory max "
                    f"{fmt(pct(w.max_used, args.maxmemory_bytes), '.1f')}% final "
                    f"{fmt(pct(w.final_used, args.maxmemory_bytes), '.1f')}% "
                    f"({w.samples} samples); evicted_keys {w.evicted}; DBSIZE {w.dbsize}")
            seq = access_sequence(args.keys, 2 * args.accesses, args.seed)
            for label in ("ferrokv", "redis"):
                log(f"hit rate: {label} ({args.keys:,} keys x {args.hit_value_size} B, "
                    f"{len(seq):,} accesses)")
                hr = hits[label] = hit_rate(args, label, binaries[label], root, seq)
                rate = 100 * hr.hit_rate if hr.hit_rate is not None else None
                log(f"  {label:<7} hit rate {fmt(rate, '.2f')}% "
                    f"in {fmt(hr.seconds, '.2f')} s; evicted_keys {hr.evicted}; "
                    f"DBSIZE {hr.dbsize}")
    finally:
        stop_workers()
        for s in list(LIVE):
            s.stop()

    print(report(args, writes, hits, meta))
    failures = [f"{label} {phase}: {e}" for phase, res in (("write load", writes),
                                                           ("hit rate", hits))
                for label, r in res.items() for e in r.errors]
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr if args.markdown else sys.stdout)
    log(f"loadavg at end: {Path('/proc/loadavg').read_text().strip()}")
    log(f"total wall time: {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Record, check and replay the Redis compatibility corpus.

What it owns: turning the command scripts in tests/compat/scripts/ into the
recordings in tests/compat/recordings/, by running every script against the
oracle (Debian's redis-server 7.0.15) once in RESP2 and once in RESP3. The
recordings are what tests/compat_replay.rs replays against ferrokv, byte for
byte. What it must never do: edit a recording by any other route than asking
the oracle, or leave a redis-server running behind it.

    python3 tests/compat/record.py                 # re-record everything
    python3 tests/compat/record.py strings keys    # re-record two families
    python3 tests/compat/record.py --check         # CI: fail if anything changed
    python3 tests/compat/record.py --server 127.0.0.1:6380
        # replay against a running server (ferrokv) and list the mismatches;
        # note that it sends FLUSHALL, like every script run.

Script format (tests/compat/scripts/<family>.txt): one command per line,
split the way Redis splits inline commands (sdssplitargs: whitespace,
"double quotes" with \\n \\r \\t \\b \\a \\\\ \\" \\xHH escapes, 'single
quotes'). Blank lines and lines starting with # are skipped. A line may start
with one directive:

    @sleep MS          sleep MS milliseconds; nothing is sent
    @noreply CMD ...   send CMD and read no reply (CLIENT REPLY OFF/SKIP)
    @sort CMD ...      every array or set in the reply whose elements are all
                       scalars is compared with its elements sorted: the
                       order of KEYS and SCAN follows a randomly seeded hash
    @mask-id CMD ...   the integer after the bulk string "id" in the reply is
                       replaced by <ID>: HELLO reports the client id

Recording format (tests/compat/recordings/<family>.<resp2|resp3>.txt): '#'
header lines, then for each script line '> ' + the line exactly as in the
script, followed (unless it is @sleep or @noreply) by '< ' + the raw reply
bytes escaped: printable ASCII kept, backslash as \\\\, CR as \\r, LF as \\n,
every other byte as \\xHH.

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

COMPAT_DIR = Path(__file__).resolve().parent
SCRIPTS_DIR = COMPAT_DIR / "scripts"
RECORDINGS_DIR = COMPAT_DIR / "recordings"
GAPS_FILE = COMPAT_DIR / "gaps.txt"

PROTOCOLS = ("resp2", "resp3")
ORACLE_VERSION = "7.0.15"
# Every socket read gives up after this long, so a server that never answers
# fails the run instead of hanging it.
READ_TIMEOUT_S = 5.0
# After a @noreply step, wait this long for bytes that should not come.
NO_REPLY_WAIT_S = 0.02
# Directives that send nothing or expect no reply, so have no '< ' line.
NO_REPLY_DIRECTIVES = ("@sleep", "@noreply")
REPLY_DIRECTIVES = ("@sort", "@mask-id")


class ScriptError(Exception):
    """A script line that cannot be run: bad quoting, unknown directive."""


class ProtocolError(Exception):
    """The server sent bytes that are not a RESP2/RESP3 reply."""


# --------------------------------------------------------------------------
# Script parsing


def split_args(line: bytes) -> list[bytes]:
    """Split one inline command the way Redis does (sds.c sdssplitargs).

    Raises ScriptError where Redis would reject the line: unbalanced quotes,
    or a closing quote not followed by a space.
    """
    args: list[bytes] = []
    p = 0
    n = len(line)

    def at(i: int) -> int:
        # C strings end in NUL; indexing past the end reads that NUL.
        return line[i] if i < n else 0

    while True:
        while p < n and chr(line[p]) in " \t\n\r\v\f":
            p += 1
        if p >= n:
            return args
        in_dq = in_sq = done = False
        current = bytearray()
        while not done:
            c = at(p)
            if in_dq:
                if (
                    c == ord("\\")
                    and at(p + 1) == ord("x")
                    and chr(at(p + 2)) in "0123456789abcdefABCDEF"
                    and chr(at(p + 3)) in "0123456789abcdefABCDEF"
                ):
                    current.append(int(line[p + 2 : p + 4], 16))
                    p += 3
                elif c == ord("\\") and at(p + 1):
                    p += 1
                    current.append(
                        {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}.get(
                            line[p], line[p]
                        )
                    )
                elif c == ord('"'):
                    if at(p + 1) and chr(at(p + 1)) not in " \t\n\r\v\f":
                        raise ScriptError("closing quote must be followed by a space")
                    done = True
                elif c == 0 and p >= n:
                    raise ScriptError("unbalanced double quotes")
                else:
                    current.append(c)
            elif in_sq:
                if c == ord("\\") and at(p + 1) == ord("'"):
                    p += 1
                    current.append(ord("'"))
                elif c == ord("'"):
                    if at(p + 1) and chr(at(p + 1)) not in " \t\n\r\v\f":
                        raise ScriptError("closing quote must be followed by a space")
                    done = True
                elif c == 0 and p >= n:
                    raise ScriptError("unbalanced single quotes")
                else:
                    current.append(c)
            else:
                if c in (ord(" "), ord("\n"), ord("\r"), ord("\t")) or (c == 0 and p >= n):
                    done = True
                elif c == ord('"'):
                    in_dq = True
                elif c == ord("'"):
                    in_sq = True
                else:
                    current.append(c)
            if p < n:
                p += 1
        args.append(bytes(current))


@dataclass
class Step:
    """One non-comment script line."""

    lineno: int  # 1-based line number in the script
    text: str  # the line exactly as written (recorded after '> ')
    directive: str | None  # '@sleep', '@noreply', '@sort', '@mask-id' or None
    args: list[bytes]  # the command to send; empty for @sleep
    sleep_ms: int = 0


def parse_script(path: Path) -> list[Step]:
    steps = []
    for lineno, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        where = f"{path.name}:{lineno}"
        if b"\r" in raw or b"\t" in raw:
            # Tabs would break gaps.txt's columns; write "\t" inside quotes.
            raise ScriptError(f"{where}: raw CR or TAB in a script line; use a quoted escape")
        text = raw.decode("utf-8")
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if text != stripped:
            raise ScriptError(f"{where}: leading or trailing whitespace")
        directive = None
        rest = raw
        if text.startswith("@"):
            directive, _, rest_text = text.partition(" ")
            rest = rest_text.encode("utf-8")
            if directive == "@sleep":
                if not re.fullmatch(r"[0-9]+", rest_text):
                    raise ScriptError(f"{where}: @sleep takes milliseconds")
                steps.append(Step(lineno, text, directive, [], int(rest_text)))
                continue
            if directive not in NO_REPLY_DIRECTIVES + REPLY_DIRECTIVES:
                raise ScriptError(f"{where}: unknown directive {directive}")
        try:
            args = split_args(rest)
        except ScriptError as e:
            raise ScriptError(f"{where}: {e}") from None
        if not args:
            raise ScriptError(f"{where}: directive without a command")
        steps.append(Step(lineno, text, directive, args))
    return steps


def families() -> list[str]:
    return sorted(p.stem for p in SCRIPTS_DIR.glob("*.txt"))


# --------------------------------------------------------------------------
# RESP


def encode_command(args: list[bytes]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


_INT_RE = re.compile(rb"-?[0-9]+")


class RespConnection:
    """A socket plus a buffer, reading one complete reply at a time."""

    def __init__(self, host: str, port: int):
        self.sock = socket.create_connection((host, port), timeout=READ_TIMEOUT_S)
        self.sock.settimeout(READ_TIMEOUT_S)
        self.buf = bytearray()

    def close(self) -> None:
        self.sock.close()

    def send(self, args: list[bytes]) -> None:
        self.sock.sendall(encode_command(args))

    def call(self, args: list[bytes]) -> bytes:
        """Send a command and read its reply, which must be all that came."""
        self.send(args)
        reply = self.read_reply()
        if self.buf:
            raise ProtocolError(f"bytes after the reply: {bytes(self.buf)!r}")
        return reply

    def expect_silence(self) -> None:
        """Fail if the server answers within NO_REPLY_WAIT_S (a @noreply step)."""
        if self.buf or select.select([self.sock], [], [], NO_REPLY_WAIT_S)[0]:
            raise ProtocolError("a reply came to a @noreply step")

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ProtocolError("connection closed by the server")
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[: i + 2])
                del self.buf[: i + 2]
                return line
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _length(self, line: bytes) -> int:
        if not _INT_RE.fullmatch(line[1:-2]):
            raise ProtocolError(f"bad length in {line!r}")
        return int(line[1:-2])

    def read_reply(self) -> bytes:
        """Return the raw bytes of one complete RESP2/RESP3 reply.

        An attribute (|) belongs to the reply that follows it, so both are
        returned together; a push (>) is returned like any aggregate.
        """
        line = self._line()
        kind = line[:1]
        if kind in b"+-:_,#(":
            return line
        if kind in b"$!=":
            n = self._length(line)
            if n < 0:
                return line
            body = self._exact(n + 2)
            if body[-2:] != b"\r\n":
                raise ProtocolError(f"bulk of length {n} not followed by CRLF")
            return line + body
        if kind in b"*~>%|":
            n = self._length(line)
            if n < 0:
                return line
            count = 2 * n if kind in b"%|" else n
            parts = [line] + [self.read_reply() for _ in range(count)]
            if kind == b"|":
                parts.append(self.read_reply())
            return b"".join(parts)
        raise ProtocolError(f"unknown reply type in {line!r}")


@dataclass
class Node:
    """A parsed reply: its header line and, for an aggregate, its children."""

    head: bytes
    body: bytes  # payload after the header of a bulk-like reply
    children: list["Node"] | None

    def raw(self) -> bytes:
        if self.children is None:
            return self.head + self.body
        return self.head + b"".join(c.raw() for c in self.children)


def parse_reply(data: bytes, pos: int = 0) -> tuple[Node, int]:
    """Parse one reply already known to be well formed (from read_reply)."""
    end = data.index(b"\r\n", pos) + 2
    head = data[pos:end]
    kind = head[:1]
    if kind in b"$!=":
        n = int(head[1:-2])
        if n < 0:
            return Node(head, b"", None), end
        return Node(head, data[end : end + n + 2], None), end + n + 2
    if kind in b"*~>%|":
        n = int(head[1:-2])
        if n < 0:
            return Node(head, b"", None), end
        count = 2 * n if kind in b"%|" else n
        if kind == b"|":
            count += 1
        children = []
        for _ in range(count):
            child, end = parse_reply(data, end)
            children.append(child)
        return Node(head, b"", children), end
    return Node(head, b"", None), end


def sort_scalar_arrays(node: Node) -> None:
    if node.children is None:
        return
    for child in node.children:
        sort_scalar_arrays(child)
    if node.head[:1] in b"*~" and all(c.children is None for c in node.children):
        node.children.sort(key=Node.raw)


_ID_RE = re.compile(rb"(\$2\r\nid\r\n:)-?[0-9]+(\r\n)")


def normalize(directive: str | None, reply: bytes) -> bytes:
    """Apply a reply directive; tests/compat_replay.rs does the same."""
    if directive == "@sort":
        node, _ = parse_reply(reply)
        sort_scalar_arrays(node)
        return node.raw()
    if directive == "@mask-id":
        return _ID_RE.sub(rb"\1<ID>\2", reply)
    return reply


def escape(data: bytes) -> str:
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x0D:
            out.append("\\r")
        elif b == 0x0A:
            out.append("\\n")
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


# --------------------------------------------------------------------------
# Running scripts


def open_session(host: str, port: int, protocol: str) -> RespConnection:
    """A fresh connection in the script's protocol, on an empty server."""
    conn = RespConnection(host, port)
    if protocol == "resp3":
        reply = conn.call([b"HELLO", b"3"])
        if not reply.startswith(b"%"):
            raise ProtocolError(f"HELLO 3 failed: {reply!r}")
    reply = conn.call([b"FLUSHALL"])
    if reply != b"+OK\r\n":
        raise ProtocolError(f"FLUSHALL failed: {reply!r}")
    return conn


def run_script(host: str, port: int, protocol: str, steps: list[Step]) -> list[bytes | None]:
    """Run the steps on a fresh connection; one normalized reply (or None) each."""
    conn = open_session(host, port, protocol)
    replies: list[bytes | None] = []
    try:
        for step in steps:
            try:
                if step.directive == "@sleep":
                    time.sleep(step.sleep_ms / 1000)
                    replies.append(None)
                elif step.directive == "@noreply":
                    conn.send(step.args)
                    conn.expect_silence()
                    replies.append(None)
                else:
                    replies.append(normalize(step.directive, conn.call(step.args)))
            except (OSError, ProtocolError) as e:
                raise ProtocolError(f"{protocol} line {step.lineno} ({step.text}): {e}") from None
    finally:
        conn.close()
    return replies


def render_recording(
    family: str, protocol: str, version: str, steps: list[Step], replies: list[bytes | None]
) -> str:
    # The version is part of the file, so re-recording with another Redis
    # shows up in --check even where no reply changed.
    lines = [
        f"# scripts/{family}.txt replayed in {protocol.upper()} against redis-server {version}.",
        "# Written by tests/compat/record.py; never edit by hand: CI re-records and compares.",
    ]
    for step, reply in zip(steps, replies):
        lines.append("> " + step.text)
        if reply is not None:
            lines.append("< " + escape(reply))
    return "\n".join(lines) + "\n"


def parse_recording(path: Path) -> list[tuple[str, str | None]]:
    """The (command line, escaped reply or None) pairs of a recording."""
    entries: list[tuple[str, str | None]] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith("#"):
            continue
        if not line.startswith("> "):
            raise ScriptError(f"{path.name}:{i}: expected '> '")
        text = line[2:]
        if text.split(" ", 1)[0] in NO_REPLY_DIRECTIVES:
            entries.append((text, None))
            continue
        if i >= len(lines) or not lines[i].startswith("< "):
            raise ScriptError(f"{path.name}:{i + 1}: expected '< '")
        entries.append((text, lines[i][2:]))
        i += 1
    return entries


def load_gaps() -> dict[tuple[str, str], list[str]]:
    """gaps.txt: '<family>.<protocol>:<command line>\\t<reply escaped>\\tFIXME(compat): why'."""
    gaps: dict[tuple[str, str], list[str]] = {}
    if not GAPS_FILE.exists():
        return gaps
    for line in GAPS_FILE.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        head, reply, _why = line.split("\t", 2)
        recording, _, command = head.partition(":")
        gaps.setdefault((recording, command), []).append(reply)
    return gaps


# --------------------------------------------------------------------------
# The oracle


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Oracle:
    """A private redis-server in a temp dir, stopped by PID on exit."""

    def __init__(self, binary: str):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="ferrokv-compat-")
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "Oracle":
        try:
            for _attempt in range(3):
                self.port = free_port()
                log = open(os.path.join(self.dir, "redis.log"), "wb")
                self.proc = subprocess.Popen(
                    [
                        self.binary,
                        "--port", str(self.port),
                        "--bind", "127.0.0.1",
                        "--save", "",
                        "--appendonly", "no",
                        "--daemonize", "no",
                        "--dir", self.dir,
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
                log.close()
                if self._wait_ready():
                    return self
                self._stop()
            raise RuntimeError(f"redis-server did not start; see {self.dir}/redis.log")
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # e.g. the port was taken between free_port and bind
            try:
                conn = RespConnection("127.0.0.1", self.port)
                try:
                    if conn.call([b"PING"]) == b"+PONG\r\n":
                        return True
                finally:
                    conn.close()
            except (OSError, ProtocolError):
                pass
            time.sleep(0.02)
        return False

    def version(self) -> str:
        conn = RespConnection("127.0.0.1", self.port)
        try:
            info = conn.call([b"INFO", b"server"]).decode()
        finally:
            conn.close()
        return re.search(r"redis_version:(\S+)", info).group(1)

    def _stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def __exit__(self, *_exc) -> None:
        self._stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def record(binary: str, selected: list[str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    scripts = {f: parse_script(SCRIPTS_DIR / f"{f}.txt") for f in selected}
    with Oracle(binary) as oracle:
        version = oracle.version()
        if version != ORACLE_VERSION:
            print(f"warning: recording from redis {version}, not {ORACLE_VERSION}", file=sys.stderr)
        for family in selected:
            for protocol in PROTOCOLS:
                try:
                    replies = run_script("127.0.0.1", oracle.port, protocol, scripts[family])
                except ProtocolError as e:
                    raise ProtocolError(f"scripts/{family}.txt {e}") from None
                text = render_recording(family, protocol, version, scripts[family], replies)
                (out_dir / f"{family}.{protocol}.txt").write_text(text, encoding="utf-8")


def check(binary: str, selected: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="ferrokv-compat-check-") as tmp:
        fresh = Path(tmp)
        record(binary, selected, fresh)
        names = {f"{f}.{p}.txt" for f in selected for p in PROTOCOLS}
        if selected == families():
            # Recordings whose script is gone must go too.
            names |= {p.name for p in RECORDINGS_DIR.glob("*.txt")}
        changed = 0
        for name in sorted(names):
            committed = RECORDINGS_DIR / name
            old = committed.read_text(encoding="utf-8").splitlines(keepends=True) if committed.exists() else []
            new_path = fresh / name
            new = new_path.read_text(encoding="utf-8").splitlines(keepends=True) if new_path.exists() else []
            if old != new:
                changed += 1
                sys.stdout.writelines(
                    difflib.unified_diff(old, new, f"committed/{name}", f"re-recorded/{name}")
                )
        if changed:
            print(f"\n{changed} recording(s) differ from a fresh recording; "
                  "run tests/compat/record.py and commit the result.", file=sys.stderr)
            return 1
        print(f"ok: {len(names)} recordings match a fresh recording")
        return 0


def replay_against(server: str, selected: list[str]) -> int:
    """Debugging aid: run the scripts on a live server, diff with the recordings."""
    host, _, port = server.rpartition(":")
    gaps = load_gaps()
    mismatches = known = 0
    for family in selected:
        steps = parse_script(SCRIPTS_DIR / f"{family}.txt")
        for protocol in PROTOCOLS:
            name = f"{family}.{protocol}"
            entries = parse_recording(RECORDINGS_DIR / f"{name}.txt")
            if [t for t, _ in entries] != [s.text for s in steps]:
                print(f"{name}: recording is stale against scripts/{family}.txt; re-record first")
                mismatches += 1
                continue
            try:
                replies = run_script(host, int(port), protocol, steps)
            except (OSError, ProtocolError) as e:
                print(f"{name}: {e}")
                mismatches += 1
                continue
            for step, (_, expected), got in zip(steps, entries, replies):
                if got is None or escape(got) == expected:
                    continue
                is_gap = escape(got) in gaps.get((name, step.text), [])
                gap = " (known gap)" if is_gap else ""
                known += is_gap
                mismatches += not is_gap
                print(f"{name} scripts/{family}.txt:{step.lineno}{gap}: {step.text}\n"
                      f"  expected: {expected}\n  got:      {escape(got)}")
    print(f"{mismatches} mismatch(es), {known} known gap(s)")
    return 1 if mismatches else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("families", nargs="*", help="script names without .txt (default: all)")
    parser.add_argument("--check", action="store_true", help="re-record into a temp dir and fail on any difference")
    parser.add_argument("--server", metavar="HOST:PORT", help="replay against a running server instead")
    parser.add_argument("--redis-server", default="redis-server", help="the oracle binary")
    opts = parser.parse_args()
    known = families()
    selected = opts.families or known
    unknown = sorted(set(selected) - set(known))
    if unknown:
        parser.error(f"no script for {', '.join(unknown)}")
    started = time.monotonic()
    try:
        if opts.server:
            return replay_against(opts.server, selected)
        if opts.check:
            return check(opts.redis_server, selected)
        record(opts.redis_server, selected, RECORDINGS_DIR)
        print(f"recorded {len(selected)} script(s) x {len(PROTOCOLS)} protocols "
              f"in {time.monotonic() - started:.1f}s")
        return 0
    except ScriptError as e:
        print(f"script error: {e}", file=sys.stderr)
        return 2
    except (ProtocolError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Records command metadata from Redis 7.0.15 into src/commands/meta/commands.resp.

COMMAND INFO and COMMAND DOCS must answer byte for byte as Redis does. Rather than
retyping hundreds of summaries, argument trees and key specs, this script asks a real
redis-server and stores its answers; src/commands/meta/mod.rs embeds the file.

It starts its own redis-server on a free 127.0.0.1 port (stopped by PID when done),
switches to RESP3 with HELLO 3, sends COMMAND INFO and COMMAND DOCS, and writes one RESP3
map: every command and subcommand, by full name ("get", "client|list"), sorted, to a
three-element array [tips, key specs, docs], each value exactly as Redis sent it.

The one change: Redis lists a container's subcommands in hash-table order, which is
seeded randomly at every start, so the "subcommands" map of a docs entry is sorted by
name here. Everything else is kept byte for byte; re-running gives an identical file.

Usage: tools/gen_command_meta.py [--redis-server PATH] [--out FILE]
Python 3.11 standard library only.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPECTED_VERSION = "7.0.15"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "commands" / "meta" / "commands.resp"

# COMMAND INFO entry positions (0-based): name, arity, flags, first key, last key, step,
# ACL categories, tips, key specs, subcommands.
INFO_NAME, INFO_TIPS, INFO_KEY_SPECS, INFO_SUBCOMMANDS = 0, 7, 8, 9


class Incomplete(Exception):
    """The buffer ends inside a reply."""


class Value:
    """One RESP3 value: its type byte and payload, kept so it re-encodes exactly.

    kind is the type byte ('+', '$', '*', '%', ...). For scalars, data is the raw
    bytes between the header and the CRLF (or the blob body); for aggregates, a list of
    Values (maps and attributes as a flat key, value, ... list).
    """

    __slots__ = ("kind", "data")

    def __init__(self, kind, data):
        self.kind = kind
        self.data = data

    def text(self):
        """The payload of a string value as str."""
        return self.data.decode()

    def pairs(self):
        """The (key, value) pairs of a map."""
        return list(zip(self.data[0::2], self.data[1::2]))


def parse(buf, pos=0):
    """Parses one RESP3 value at buf[pos:]; returns (Value, next_pos).

    Iterative with an explicit stack, so deep nesting cannot hit Python's recursion
    limit. Raises Incomplete when buf ends early, ValueError when it is not RESP.
    """
    stack = []  # [kind, items, remaining]
    while True:
        if pos >= len(buf):
            raise Incomplete()
        kind = chr(buf[pos])
        end = buf.find(b"\r\n", pos)
        if end < 0:
            raise Incomplete()
        line = buf[pos + 1 : end]
        pos = end + 2
        if kind in "+-:_,#(":
            value = Value(kind, line)
        elif kind in "$!=":
            n = int(line)
            if n < 0:
                value = Value(kind, None)
            else:
                if len(buf) < pos + n + 2:
                    raise Incomplete()
                if buf[pos + n : pos + n + 2] != b"\r\n":
                    raise ValueError(f"missing CRLF after blob at {pos}")
                value = Value(kind, buf[pos : pos + n])
                pos += n + 2
        elif kind in "*~>%|":
            n = int(line)
            if n < 0:
                value = Value(kind, None)
            elif n == 0:
                value = Value(kind, [])
            else:
                stack.append([kind, [], n * 2 if kind in "%|" else n])
                continue
        else:
            raise ValueError(f"unknown RESP type {kind!r} at {pos}")
        while True:
            if not stack:
                return value, pos
            top = stack[-1]
            top[1].append(value)
            top[2] -= 1
            if top[2]:
                break
            stack.pop()
            value = Value(top[0], top[1])


def encode(value, out=None):
    """Encodes a Value back into RESP3 bytes."""
    if out is None:
        out = bytearray()
        encode(value, out)
        return bytes(out)
    kind = value.kind.encode()
    if value.kind in "+-:_,#(":
        out += kind + value.data + b"\r\n"
    elif value.data is None:
        out += kind + b"-1\r\n"
    elif value.kind in "$!=":
        out += kind + str(len(value.data)).encode() + b"\r\n" + value.data + b"\r\n"
    else:
        count = len(value.data) // 2 if value.kind in "%|" else len(value.data)
        out += kind + str(count).encode() + b"\r\n"
        for item in value.data:
            encode(item, out)
    return out


def bulk(text):
    return Value("$", text.encode())


class Connection:
    """A raw RESP3 connection to the recording server."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def command(self, *args):
        """Sends one command; returns (Value, the exact bytes of the reply)."""
        request = b"*%d\r\n" % len(args)
        for arg in args:
            arg = arg.encode()
            request += b"$%d\r\n%s\r\n" % (len(arg), arg)
        self.sock.sendall(request)
        while True:
            try:
                value, used = parse(self.buf)
            except Incomplete:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("redis-server closed the connection")
                self.buf += chunk
                continue
            raw, self.buf = self.buf[:used], self.buf[used:]
            if encode(value) != raw:
                raise ValueError(f"{args}: reply does not re-encode to the bytes received")
            if value.kind in "-!":
                raise RuntimeError(f"{args}: {value.text()}")
            return value, raw

    def close(self):
        self.sock.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, workdir):
    """Starts redis-server on a free port; returns (process, Connection)."""
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir, "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            return proc, Connection(port)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_server(proc)
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)


def stop_server(proc):
    """Stops the server this script started, by its PID."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sorted_subcommands(docs):
    """The docs map with its "subcommands" map sorted by full name (recursively)."""
    if docs.kind != "%":
        return docs
    items = []
    for key, value in docs.pairs():
        if key.data == b"subcommands" and value.kind == "%":
            pairs = sorted(value.pairs(), key=lambda kv: kv[0].data)
            value = Value("%", [x for k, v in pairs for x in (k, sorted_subcommands(v))])
        items += [key, value]
    return Value("%", items)


def record(conn):
    """Returns {fullname: (tips, key specs, docs)} for every command and subcommand."""
    hello, _ = conn.command("HELLO", "3")
    version = dict((k.text(), v) for k, v in hello.pairs())["version"].text()
    if version != EXPECTED_VERSION:
        raise RuntimeError(f"redis-server is {version}, expected {EXPECTED_VERSION}")

    info, _ = conn.command("COMMAND", "INFO")
    docs, _ = conn.command("COMMAND", "DOCS")
    docs_by_name = {k.text(): v for k, v in docs.pairs()}

    entries = {}
    pending = list(info.data)
    while pending:
        entry = pending.pop()
        name = entry.data[INFO_NAME].text()
        subcommands = entry.data[INFO_SUBCOMMANDS].data or []
        pending += subcommands
        if "|" in name:
            # COMMAND DOCS nests subcommands inside their container; 7.0 also answers
            # COMMAND DOCS parent|sub, so ask it for exactly that entry.
            reply, _ = conn.command("COMMAND", "DOCS", name)
            found = dict((k.text(), v) for k, v in reply.pairs())
            doc = found.get(name)
        else:
            doc = docs_by_name.get(name)
        if doc is None:
            raise RuntimeError(f"no COMMAND DOCS entry for {name}")
        entries[name] = (entry.data[INFO_TIPS], entry.data[INFO_KEY_SPECS], sorted_subcommands(doc))

    missing = set(docs_by_name) - set(entries)
    if missing:
        raise RuntimeError(f"COMMAND DOCS lists commands COMMAND INFO does not: {missing}")
    return entries


def render(entries):
    """The file's bytes: a RESP3 map of full name -> [tips, key specs, docs]."""
    items = []
    for name in sorted(entries):
        items += [bulk(name), Value("*", list(entries[name]))]
    return encode(Value("%", items))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-server", default="redis-server")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gen-command-meta-") as workdir:
        proc, conn = start_server(args.redis_server, workdir)
        try:
            entries = record(conn)
            conn.close()
        finally:
            stop_server(proc)

    data = render(entries)
    check, used = parse(data)
    if used != len(data) or encode(check) != data:
        raise RuntimeError("the rendered file does not parse back to itself")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, args.out)
    subs = sum("|" in name for name in entries)
    print(f"wrote {args.out}: {len(entries)} names ({subs} subcommands), {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

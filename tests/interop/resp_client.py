"""A minimal RESP2 client over a raw socket, for the interop pieces that compare bytes.

Owns: encoding commands (str, bytes, int and float arguments), reading one reply
into Python values (simple string and bulk → bytes, integer → int, array → list,
nil → None, error → a `RespError` value, never an exception), the exact bytes of a
reply (`call_raw`), pipelining, and waiting until a server answers PING (not
-LOADING). Also the small assertion helpers the pieces share (`CheckFailed`,
`expect`, `expect_eq`, `short`).

Why not redis-py: rdb_files.py compares error replies and DUMP payloads byte for
byte and uses binary keys everywhere; with no third-party module the piece runs on
the system python like redis_cli.py.

Must not: speak RESP3 (no HELLO is sent), or block without a bound (every socket
operation has SOCKET_TIMEOUT_S, `wait_loaded` a deadline).
"""

import socket
import time

SOCKET_TIMEOUT_S = 20
LOAD_TIMEOUT_S = 15


class RespError:
    """An error reply, kept as a value so that it can be compared and printed."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, RespError) and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return f"RespError({self.text!r})"


class CheckFailed(AssertionError):
    pass


def expect(cond, why):
    if not cond:
        raise CheckFailed(why)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {short(expected)}, got {short(actual)}")


def short(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def encode_command(args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, (int, float)):
            a = str(a).encode()
        elif isinstance(a, str):
            a = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class Conn:
    """One RESP2 connection. `call` returns the decoded reply (a RespError for an error
    reply), `call_raw` the reply's exact bytes, `pipeline` sends many then reads many."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT_S)
        self.file = self.sock.makefile("rb")
        self.capture = None

    def close(self):
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass

    def _line(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError(f"connection closed mid-reply ({line!r})")
        if self.capture is not None:
            self.capture.append(line)
        return line[:-2]

    def _exact(self, n):
        data = self.file.read(n)
        if len(data) != n:
            raise ConnectionError("connection closed mid-reply")
        if self.capture is not None:
            self.capture.append(data)
        return data

    def read_reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RespError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            return self._exact(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise ConnectionError(f"unexpected reply line {line!r}")

    def call(self, *args):
        self.sock.sendall(encode_command(args))
        return self.read_reply()

    def ok(self, *args):
        """A command that must succeed; returns its reply."""
        reply = self.call(*args)
        if isinstance(reply, RespError):
            raise CheckFailed(f"{short(args, 120)} -> {reply.text}")
        return reply

    def call_raw(self, *args):
        self.sock.sendall(encode_command(args))
        self.capture = []
        try:
            self.read_reply()
            return b"".join(self.capture)
        finally:
            self.capture = None

    def pipeline(self, commands, batch=200):
        replies = []
        for i in range(0, len(commands), batch):
            chunk = commands[i:i + batch]
            self.sock.sendall(b"".join(encode_command(c) for c in chunk))
            replies.extend(self.read_reply() for _ in chunk)
        return replies


def wait_loaded(port, deadline_s=LOAD_TIMEOUT_S):
    """Connects and PINGs until the server answers PONG (not -LOADING); returns the Conn."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        try:
            conn = Conn(port)
        except OSError as e:
            last = e
            time.sleep(0.05)
            continue
        reply = conn.call("PING")
        if reply == b"PONG":
            return conn
        last = reply
        conn.close()
        time.sleep(0.05)
    raise CheckFailed(f"server on port {port} not ready after {deadline_s} s: {last!r}")

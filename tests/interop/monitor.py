"""MONITOR on ferrokv compared with a real redis-server 7.0.15, line by line.

`python3 monitor.py FERROKV_BINARY [REDIS_SERVER_BINARY]` starts both servers the same
way (`--requirepass secret`), opens a MONITOR connection on each, runs the same
commands from a second connection (and a few from the monitor itself), and compares
every reply and every MONITOR line byte for byte once the timestamp and the client's
port are replaced by placeholders. The commands cover what operators watch for: AUTH
and HELLO credentials redacted, SELECT changing the db shown, quoting of binary
arguments, MULTI/EXEC (queued commands shown at EXEC, before it), commands not shown
(unknown, wrong arity, administrative), Pub/Sub, and what a monitor itself may run.

Prints `ok <name>` or `FAIL <name>: diff`; exits 1 if any failed. System python only.
"""

import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp_client import encode_command  # noqa: E402
from server_proc import Server, stop_on_sigterm  # noqa: E402

PASSWORD = "secret"
SETTLE_S = 0.15

# (who, command): "c" is the ordinary client, "m" the monitor itself.
SCRIPT = [
    ("c", ["AUTH", "wrong"]),
    ("c", ["AUTH", PASSWORD]),
    ("c", ["SET", "oauth:state:1", "v", "EX", "300"]),
    ("c", ["GET", "oauth:state:1"]),
    ("c", ["TTL", "oauth:state:1"]),
    ("c", ["SELECT", "1"]),
    ("c", ["SET", b"bin", b'a b"c\x00\xff\n\t\\']),
    ("c", ["MULTI"]),
    ("c", ["INCR", "n"]),
    ("c", ["EXPIRE", "n", "100"]),
    ("c", ["EXEC"]),
    ("c", ["NOSUCH", "x"]),
    ("c", ["GET"]),
    ("c", ["CONFIG", "GET", "maxmemory"]),
    ("c", ["CLIENT", "LIST"]),
    ("c", ["HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "gw"]),
    ("c", ["HELLO", "2"]),
    ("c", ["CLIENT", "SETNAME", "abc"]),
    ("c", ["PING"]),
    ("c", ["ECHO", ""]),
    ("c", ["DBSIZE"]),
    ("c", ["SELECT", "0"]),
    ("c", ["SADD", "user:tokens:u1", "t1", "t2"]),
    ("c", ["LPUSH", "l", "1"]),
    ("c", ["BLPOP", "l", "0"]),
    ("m", ["PING"]),
    ("m", ["GET", "oauth:state:1"]),
    ("m", ["SET", "x", "1"]),
    ("m", ["MONITOR"]),
    ("c", ["SUBSCRIBE", "ch"]),
    ("c", ["PING", "hi"]),
    ("c", ["UNSUBSCRIBE"]),
    ("c", ["QUIT"]),
]


def read_all(sock, settle=SETTLE_S):
    """Everything that arrives until the socket stays quiet for `settle` seconds."""
    sock.settimeout(settle)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data
        if not chunk:
            return data
        data += chunk


def normalize(data, ports):
    text = data.decode("latin-1")
    text = re.sub(r"\+\d{10}\.\d{6} ", "+<ts> ", text)
    for port, name in ports.items():
        text = text.replace(f"127.0.0.1:{port}]", f"127.0.0.1:<{name}>]")
    # CLIENT LIST and HELLO carry ids and buffer sizes that differ between servers.
    text = re.sub(r"\$\d+\r\nid=.*?\r\n", "<client list>\r\n", text, flags=re.S)
    text = re.sub(r"(\$2\r\nid\r\n):\d+", r"\1:<id>", text)
    return text


def transcript(port):
    """The replies and MONITOR lines the script produces on the server at `port`."""
    mon = socket.create_connection(("127.0.0.1", port), timeout=5)
    cli = socket.create_connection(("127.0.0.1", port), timeout=5)
    ports = {mon.getsockname()[1]: "monitor", cli.getsockname()[1]: "client"}
    out = []
    mon.sendall(encode_command(["AUTH", PASSWORD]))
    out.append(("monitor AUTH", normalize(read_all(mon), ports)))
    mon.sendall(encode_command(["MONITOR"]))
    out.append(("MONITOR", normalize(read_all(mon), ports)))
    for who, args in SCRIPT:
        sock = cli if who == "c" else mon
        sock.sendall(encode_command(args))
        reply = normalize(read_all(sock), ports)
        seen = normalize(read_all(mon), ports) if who == "c" else ""
        out.append((f"{who} {' '.join(a if isinstance(a, str) else repr(a) for a in args)}", reply + seen))
    # Leaving RESETs the monitor: it sees nothing more.
    mon.sendall(encode_command(["RESET"]))
    out.append(("monitor RESET", normalize(read_all(mon), ports)))
    other = socket.create_connection(("127.0.0.1", port), timeout=5)
    other.sendall(encode_command(["AUTH", PASSWORD]) + encode_command(["SET", "after", "reset"]))
    read_all(other)
    out.append(("after RESET", normalize(read_all(mon), ports)))
    for s in (mon, cli, other):
        s.close()
    return out


def main():
    stop_on_sigterm()
    ferrokv = sys.argv[1]
    redis = sys.argv[2] if len(sys.argv) > 2 else "redis-server"
    failed = 0
    servers = []
    try:
        servers = [Server(redis, PASSWORD), Server(ferrokv, PASSWORD)]
        expected = transcript(servers[0].port)
        actual = transcript(servers[1].port)
        for (name, want), (_, got) in zip(expected, actual):
            if want == got:
                print(f"ok monitor/{name}")
            else:
                failed += 1
                print(f"FAIL monitor/{name}: redis {want!r} ferrokv {got!r}")
        if len(expected) != len(actual):
            failed += 1
            print(f"FAIL monitor/length: {len(expected)} vs {len(actual)} steps")
    finally:
        for s in servers:
            s.stop()
    print(f"# monitor: {len(SCRIPT) + 4 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    t0 = time.monotonic()
    rc = main()
    sys.exit(rc)

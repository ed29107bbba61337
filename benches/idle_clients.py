#!/usr/bin/env python3
"""Memory per idle client connection: ferrokv against redis-server 7.0.15, same run.

    python3 benches/idle_clients.py [--clients N] [--markdown] [--quick]

Starts each server on a free loopback port (`--maxclients` above N, no persistence),
reads its RSS and `used_memory`, opens N connections that each send one PING and then
stay idle, reads the figures again, and reports the growth per connection; then closes
them and checks the server still answers. N defaults to 10,000 (1,000 with --quick).
The process's open-files limit must allow N sockets (raised to its hard limit here).

Must not: leave a server running (each is stopped by its PID), or wait without bound.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FERROKV = REPO / "target" / "release" / "ferrokv-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def call(sock: socket.socket, payload: bytes) -> bytes:
    sock.sendall(payload)
    data = b""
    while not data.endswith(b"\r\n") or data.startswith(b"$") and data.count(b"\r\n") < 2:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    return data


def used_memory(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        info = call(s, b"INFO memory\r\n").decode()
    for line in info.split("\r\n"):
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    return 0


def measure(binary: str, clients: int) -> dict:
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="idle-clients-")
    proc = subprocess.Popen(
        ["timeout", "300", binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--maxclients", str(clients + 100)],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    socks = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{binary} did not start")
                time.sleep(0.05)
        # The server's pid (timeout's child).
        pid = int(subprocess.check_output(["pgrep", "-P", str(proc.pid)]).split()[0])
        time.sleep(0.3)
        rss0, used0 = rss_bytes(pid), used_memory(port)
        for _ in range(clients):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"PING\r\n")
            socks.append(s)
        for s in socks:
            if s.recv(16) != b"+PONG\r\n":
                raise RuntimeError("a client did not get PONG")
        # Both servers give idle clients' buffers back after 2 s (Redis's clientsCron).
        time.sleep(3.0)
        rss1, used1 = rss_bytes(pid), used_memory(port)
        for s in socks:
            s.close()
        socks = []
        time.sleep(0.5)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            alive = call(s, b"PING\r\n") == b"+PONG\r\n"
        return {"rss": (rss1 - rss0) / clients, "used": (used1 - used0) / clients, "alive": alive}
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ferrokv", default=str(DEFAULT_FERROKV))
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--clients", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    clients = args.clients or (1000 if args.quick else 10000)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < clients + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, clients + 1000), hard))
    results = {name: measure(binary, clients) for name, binary in
               (("redis", args.redis), ("ferrokv", args.ferrokv))}
    ok = all(r["alive"] for r in results.values())
    f, r = results["ferrokv"], results["redis"]
    if args.markdown:
        print(f"{clients:,} idle connections (each sent one PING), growth per connection:\n")
        print("| | ferrokv | redis | ratio |\n|---|---:|---:|---:|")
        print(f"| RSS bytes | {f['rss']:,.0f} | {r['rss']:,.0f} | {f['rss'] / r['rss']:.2f} |")
        print(f"| used_memory bytes | {f['used']:,.0f} | {r['used']:,.0f} | {f['used'] / r['used']:.2f} |")
    else:
        for name, res in results.items():
            print(f"{name}: {clients} idle clients: RSS +{res['rss']:.0f} B/client, "
                  f"used_memory +{res['used']:.0f} B/client, still answering: {res['alive']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

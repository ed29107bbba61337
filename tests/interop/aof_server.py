"""A server on an append-only-file directory, for aof_files.py and aof_crash.py.

Owns: the AOF command line both servers get (`--appendonly yes --appendfilename
redis.aof --dir DIR`), stopping a server the three ways the pieces need (SHUTDOWN
NOSAVE, SIGTERM, `kill -9` of the server itself rather than its `timeout` wrapper),
reading the manifest (`<dir>/appendonlydir/redis.aof.manifest`, Redis 7's multi-part
layout), running `redis-check-aof` on it, waiting for a BGREWRITEAOF, and `Launch`: a
start that may legitimately fail (a damaged file), watched until the server either
serves or exits.

Must not: stop anything but the PIDs it started, or wait without a bound (every wait
has a deadline, every subprocess a timeout).
"""

import os
import shutil
import signal
import subprocess
import time

from server_proc import Server, _die_with_parent, free_port
from resp_client import LOAD_TIMEOUT_S, CheckFailed, Conn, expect, expect_eq

AOF_NAME = "redis.aof"
AOF_DIR = "appendonlydir"
AOF_ARGS = ["--appendonly", "yes", "--appendfilename", AOF_NAME]
TOOL_TIMEOUT_S = 30
REWRITE_TIMEOUT_S = 20
EXIT_TIMEOUT_S = 10


def aof_dir(data_dir):
    return os.path.join(data_dir, AOF_DIR)


def manifest_path(data_dir):
    return os.path.join(aof_dir(data_dir), AOF_NAME + ".manifest")


def start_aof(binary, data_dir, *args):
    """A server without a password on DATA_DIR with AOF on; ARGS come last (later wins)."""
    return Server(binary, password=None, extra_args=["--dir", data_dir, *AOF_ARGS, *args])


def server_pid(server):
    """The PID of the server itself: Server runs it under `timeout`, whose child it is."""
    parent = server.proc.pid
    try:
        with open(f"/proc/{parent}/task/{parent}/children") as f:
            children = [int(p) for p in f.read().split()]
    except OSError:
        children = []
    if not children:  # no CONFIG_PROC_CHILDREN: scan for processes whose parent it is
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                            children.append(int(entry))
                except (OSError, ValueError, IndexError):
                    pass
    expect(len(children) == 1, f"timeout (PID {parent}) has children {children}, expected one")
    return children[0]


def kill9(server):
    """SIGKILL to the server process (a crash: nothing flushed in user space survives)."""
    os.kill(server_pid(server), signal.SIGKILL)
    wait_exit(server)


def wait_exit(server):
    try:
        server.proc.wait(timeout=EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"server still running {EXIT_TIMEOUT_S} s after it was told to stop")


def shutdown_nosave(server, conn):
    """SHUTDOWN NOSAVE (which still flushes and fsyncs the AOF), then wait for the exit."""
    try:
        reply = conn.call("SHUTDOWN", "NOSAVE")
        raise CheckFailed(f"SHUTDOWN NOSAVE answered {reply!r}")
    except (ConnectionError, OSError):
        pass  # the server closes the connection as it exits
    finally:
        conn.close()
    wait_exit(server)
    expect_eq(server.proc.returncode, 0, "exit code after SHUTDOWN NOSAVE")


def read_manifest(data_dir):
    """[(file, seq, type)] from the manifest, in file order (# lines skipped)."""
    with open(manifest_path(data_dir), "rb") as f:
        text = f.read().decode("utf-8", "replace")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        fields = dict(zip(words[0::2], words[1::2]))
        expect(len(words) >= 6 and len(words) % 2 == 0 and
               {"file", "seq", "type"} <= set(fields), f"manifest line {line!r}")
        entries.append((fields["file"], int(fields["seq"]), fields["type"]))
    return entries


def check_layout(data_dir, base_seq, incr_seq, preamble):
    """The manifest names one base `redis.aof.<base_seq>.base.rdb|aof` (an RDB file with
    the preamble, RESP without) and, last, the incr `redis.aof.<incr_seq>.incr.aof`;
    every base and incr file it names exists."""
    entries = read_manifest(data_dir)
    bases = [e for e in entries if e[2] == "b"]
    incrs = [e for e in entries if e[2] == "i"]
    ext = "rdb" if preamble else "aof"
    expect_eq(bases, [(f"{AOF_NAME}.{base_seq}.base.{ext}", base_seq, "b")], "manifest base")
    expect(incrs and incrs[-1] == (f"{AOF_NAME}.{incr_seq}.incr.aof", incr_seq, "i"),
           f"manifest incr files {incrs}, expected the last to be seq {incr_seq}")
    expect_eq(entries[0][2], "b", "manifest's first entry type")
    for name, _, kind in bases + incrs:
        path = os.path.join(aof_dir(data_dir), name)
        expect(os.path.isfile(path), f"manifest names {name}, which is not in {AOF_DIR}/ "
                                     f"({sorted(os.listdir(aof_dir(data_dir)))})")
    with open(os.path.join(aof_dir(data_dir), bases[0][0]), "rb") as f:
        head = f.read(9)
    if preamble:
        expect(head.startswith(b"REDIS00"), f"RDB base starts with {head!r}")
    else:
        expect(not head.startswith(b"REDIS"), f"RESP base starts with {head!r}")


def check_aof_tool(data_dir):
    """redis-check-aof on the manifest must exit 0 and find every file valid."""
    tool = shutil.which("redis-check-aof")
    expect(tool is not None, "redis-check-aof is not on PATH")
    proc = subprocess.run([tool, manifest_path(data_dir)], capture_output=True,
                          timeout=TOOL_TIMEOUT_S)
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    expect(proc.returncode == 0 and "All AOF files and manifest are valid" in out,
           f"redis-check-aof exited {proc.returncode}:\n{out[-1500:]}")


def info_fields(conn, section):
    text = conn.ok("INFO", section).decode("utf-8", "replace")
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def bgrewriteaof_and_wait(conn):
    reply = conn.ok("BGREWRITEAOF")
    expect(reply in (b"Background append only file rewriting started",
                     b"Background append only file rewriting scheduled"),
           f"BGREWRITEAOF answered {reply!r}")
    deadline = time.monotonic() + REWRITE_TIMEOUT_S
    while time.monotonic() < deadline:
        info = info_fields(conn, "persistence")
        if (info.get("aof_rewrite_in_progress") == "0"
                and info.get("aof_rewrite_scheduled") in (None, "0")):
            expect_eq(info.get("aof_last_bgrewrite_status"), "ok", "aof_last_bgrewrite_status")
            return
        time.sleep(0.05)
    raise CheckFailed(f"AOF rewrite still in progress after {REWRITE_TIMEOUT_S} s")


def copy_aof(src_dir, dest_dir):
    """DEST_DIR/appendonlydir as a copy of SRC_DIR's (a reader must not change the writer's)."""
    os.makedirs(dest_dir, exist_ok=True)
    shutil.copytree(aof_dir(src_dir), aof_dir(dest_dir))
    return dest_dir


def answers_pong(port):
    """PONG (not -LOADING, not silence): servers listen before they have loaded."""
    try:
        conn = Conn(port)
    except OSError:
        return False
    try:
        conn.sock.settimeout(1.0)
        return conn.call("PING") == b"PONG"
    except (OSError, ConnectionError):
        return False
    finally:
        conn.close()


class Launch:
    """A start on DATA_DIR that may fail (a damaged AOF): watched until the server serves
    (`served`, `conn` set) or exits (`exit_code`); `output` is its log. Stopped by PID."""

    def __init__(self, binary, data_dir, *extra, log_name="start.log"):
        self.port = free_port()
        self.log_path = os.path.join(data_dir, log_name)
        args = ["timeout", "-k", "5", str(LOAD_TIMEOUT_S * 4), binary, "--port", str(self.port),
                "--bind", "127.0.0.1", "--save", "", "--dir", data_dir, *AOF_ARGS, *extra]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, cwd=data_dir, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
        self.served, self.exit_code, self.conn = False, None, None
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            self.exit_code = self.proc.poll()
            if self.exit_code is not None:
                break
            if answers_pong(self.port):
                self.served = True
                self.conn = Conn(self.port)
                break
            time.sleep(0.05)

    @property
    def outcome(self):
        if self.served:
            return "serves"
        return "hangs" if self.exit_code is None else (
            "exits 0" if self.exit_code == 0 else "refuses")

    @property
    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        """SIGTERM (a clean stop: the AOF is flushed), SIGKILL after a grace period."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

"""Starts a Redis-compatible server (ferrokv or redis-server) for the interop tests.

Owns: picking a free port on 127.0.0.1, starting the binary with redis-server's
command line (`--port N --bind 127.0.0.1 --requirepass pw --save "" --appendonly no`)
in its own temporary working directory, waiting until it accepts connections, and
stopping it by its PID (SIGTERM, then SIGKILL after a grace period).

A server outlives no test run: it runs under `timeout MAX_LIFETIME_S` (which passes
our SIGTERM on to it), that `timeout` gets SIGTERM when this process dies however
it dies (PR_SET_PDEATHSIG), and `stop_on_sigterm()` turns a SIGTERM of the test
itself (run.sh's time limit) into a normal exit, so that `finally` blocks run.

Must not: depend on anything outside the standard library (gateway.py imports it
from each redis-py venv, redis_cli.py runs it with the system python), or wait without a bound.
"""

import ctypes
import os
import shutil
import signal
import sys
import socket
import subprocess
import tempfile
import time

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
MAX_LIFETIME_S = 300
_PR_SET_PDEATHSIG = 1


def stop_on_sigterm():
    """Makes SIGTERM raise SystemExit, so that servers are stopped on the way out."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _die_with_parent():
    # Runs in the child between fork and exec; the setting survives the exec.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the `timeout` bound still applies


def free_port():
    """A port that was free a moment ago; the caller retries if it is taken by then."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process, listening on 127.0.0.1:`port` until `stop()`."""

    def __init__(self, binary, password="secret", extra_args=()):
        # Resolved now: the server runs in its own working directory.
        binary = os.path.abspath(binary) if os.sep in binary else shutil.which(binary) or binary
        self.binary = binary
        self.password = password
        self.workdir = tempfile.mkdtemp(prefix="ferrokv-interop-")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.proc = None
        self.port = None
        last_error = "not started"
        # The free port can be taken between free_port() and the bind; retry then.
        for _ in range(3):
            port = free_port()
            args = ["timeout", "-k", "5", str(MAX_LIFETIME_S),
                    binary, "--port", str(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"]
            if password is not None:
                args += ["--requirepass", password]
            args += list(extra_args)
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(args, cwd=self.workdir, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
            log.close()
            if self._wait_ready(port):
                self.port = port
                return
            last_error = f"exit code {self.proc.poll()}"
            self._kill()
        raise RuntimeError(f"{binary} did not start listening ({last_error}); "
                           f"log:\n{self.log_tail()}")

    def _wait_ready(self, port):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def _kill(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        self._kill()
        # A BGSAVE child can still be renaming its dump into place: retry briefly.
        for _ in range(5):
            shutil.rmtree(self.workdir, ignore_errors=True)
            if not os.path.exists(self.workdir):
                break
            time.sleep(0.2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


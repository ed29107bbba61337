"""redis-cli against ferrokv and against a real redis-server 7.0, output compared.

`python3 redis_cli.py FERROKV_BINARY [REDIS_SERVER_BINARY]` starts both servers the
same way (`--requirepass secret`, a free port on 127.0.0.1), runs the same list of
redis-cli invocations against each, in the same order (so both keyspaces go through
the same states), and compares exit code, stdout and stderr. The invocations are the
ones the gateway and its operators use: the compose health check
(`redis-cli --no-auth-warning -a $PW ping`), `--pass`, `-n`, `-u`, `--scan
--pattern`, piped commands, `-x`, `-r`, `-e`, wrong or missing passwords, and each
output mode (default, --raw, --no-raw, -3, --csv, --json) over each reply type.

Prints `ok <name>` or `FAIL <name>: diff` per invocation, or `known <name>: ...` for
a listed ferrokv gap (KNOWN_GAPS); exits 1 if any failed.

Left out because they differ legitimately between two servers: anything printing a
client id, a run id, times or memory figures (`-3 hello`, `client info`, `info`,
`--stat`, `--latency`, `--bigkeys`).

Must not: use a third-party module (it runs on the system python), or wait without a
bound (every redis-cli call has CLI_TIMEOUT_S).
"""

import difflib
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_proc import Server, stop_on_sigterm  # noqa: E402

PASSWORD = "secret"
CLI_TIMEOUT_S = 10
AUTH = ["--no-auth-warning", "-a", PASSWORD]

# Known differences, each a ferrokv gap: case name → why. A listed case that still
# differs prints `known NAME: ...` (run.sh counts these apart from passes and failures);
# one that now matches prints FAIL, so that the entry is removed once the gap is fixed.
KNOWN_GAPS = {}


def case(name, args, stdin=None, sort_lines=False, host_port=True):
    """One redis-cli invocation. `{port}` in an argument is replaced by the server's port."""
    return {"name": name, "args": args, "stdin": stdin, "sort_lines": sort_lines,
            "host_port": host_port}


def build_cases(tmpdir):
    xfile = os.path.join(tmpdir, "x-input.txt")
    with open(xfile, "wb") as f:
        f.write(b"line one\nline two \"quoted\" \\ back\x01\n")
    scan_setup = "".join(f"SET oauth:token:t{i:02d} v{i}\n" for i in range(50))
    scan_setup += "".join(f"SET redis:session:s{i} v\n" for i in range(5))
    pipe_proto = b"".join(
        b"*3\r\n$5\r\nRPUSH\r\n$9\r\npipe:list\r\n$%d\r\n%s\r\n" % (len(str(i)), str(i).encode())
        for i in range(200))
    return [
        # The compose health check, verbatim, and its older forms.
        case("health-check", AUTH + ["ping"]),
        case("auth-warning", ["-a", PASSWORD, "ping"]),
        case("pass", ["--pass", PASSWORD, "ping"]),
        case("port-only", ["-p", "{port}"] + AUTH + ["ping"], host_port=False),
        case("ping-upper-message", AUTH + ["PING", "hello world"]),
        case("wrong-password", ["-a", "wrong", "ping"]),
        case("wrong-password-no-warning", ["--no-auth-warning", "-a", "wrong", "get", "a"]),
        case("no-password", ["ping"]),
        case("no-password-get", ["get", "a"]),
        # Databases.
        case("db3-set", AUTH + ["-n", "3", "set", "a", "b"]),
        case("db3-get", AUTH + ["-n", "3", "get", "a"]),
        case("db0-get", AUTH + ["-n", "0", "get", "a"]),
        case("db3-dbsize", AUTH + ["-n", "3", "dbsize"]),
        case("url-empty-user", ["-u", "redis://:secret@127.0.0.1:{port}/2", "ping"],
             host_port=False),
        case("url-default-user-set", ["--no-auth-warning", "-u",
                                      "redis://default:secret@127.0.0.1:{port}/2",
                                      "set", "u", "1"], host_port=False),
        case("url-default-user-get", ["--no-auth-warning", "-u",
                                      "redis://default:secret@127.0.0.1:{port}/2",
                                      "get", "u"], host_port=False),
        case("url-db2-isolated", AUTH + ["-n", "0", "get", "u"]),
        # Piped commands (redis-cli sends COMMAND DOCS first in this mode).
        case("piped", AUTH, stdin=b"SET a 1\nINCR a\nGET a\n"),
        case("piped-errors", AUTH, stdin=b"GET a\nHGETALL a\nNOSUCHCMD x\nDEL a\nGET a\n"),
        case("piped-scan-setup", AUTH, stdin=scan_setup.encode()),
        case("scan-pattern", AUTH + ["--scan", "--pattern", "oauth:*"], sort_lines=True),
        case("scan-all", AUTH + ["--scan"], sort_lines=True),
        case("scan-no-match", AUTH + ["--scan", "--pattern", "nothing:*"]),
        case("keys-pattern", AUTH + ["keys", "oauth:token:t1*"], sort_lines=True),
        case("dbsize", AUTH + ["dbsize"]),
        # Each reply type in each output mode.
        case("setup-list", AUTH + ["rpush", "l", "a", "b c", "", "\u00e9"]),
        case("setup-hash", AUTH + ["hset", "h", "f", "v"]),
        case("setup-string", AUTH + ["set", "s", "v"]),
        case("setup-bulk", AUTH + ["set", "b", "\u00e9 \"q\" \\ \t"]),
        *[c for mode, flags in (("default", []), ("raw", ["--raw"]), ("no-raw", ["--no-raw"]),
                                ("resp3", ["-3", "--no-raw"]), ("csv", ["--csv"]),
                                ("json", ["--json"]))
          for c in (
              case(f"{mode}-array", AUTH + flags + ["lrange", "l", "0", "-1"]),
              case(f"{mode}-empty-array", AUTH + flags + ["lrange", "nolist", "0", "-1"]),
              case(f"{mode}-nil", AUTH + flags + ["get", "nokey"]),
              case(f"{mode}-integer", AUTH + flags + ["llen", "l"]),
              case(f"{mode}-negative-integer", AUTH + flags + ["ttl", "s"]),
              case(f"{mode}-status", AUTH + flags + ["type", "l"]),
              case(f"{mode}-bulk", AUTH + flags + ["get", "b"]),
              case(f"{mode}-map", AUTH + flags + ["hgetall", "h"]),
              case(f"{mode}-error", AUTH + flags + ["hgetall", "s"]),
              case(f"{mode}-unknown-command", AUTH + flags + ["nosuchcmd", "x"]),
              case(f"{mode}-arity-error", AUTH + flags + ["get"]),
          )],
        # -x: the last argument from stdin.
        case("x-set", AUTH + ["-x", "set", "xk"], stdin=open(xfile, "rb").read()),
        case("x-get", AUTH + ["--no-raw", "get", "xk"]),
        case("x-strlen", AUTH + ["strlen", "xk"]),
        # -r: repeat.
        case("repeat-incr", AUTH + ["-r", "3", "incr", "c"]),
        case("repeat-get", AUTH + ["-r", "2", "get", "c"]),
        # -e: exit code on an error reply.
        case("e-error", AUTH + ["-e", "hgetall", "s"]),
        case("e-ok", AUTH + ["-e", "get", "s"]),
        case("e-unknown-command", AUTH + ["-e", "nosuchcmd"]),
        case("e-wrong-password", ["--no-auth-warning", "-a", "wrong", "-e", "ping"]),
        # The operators' commands from the docs that print no run-specific figures.
        case("ttl-missing", AUTH + ["ttl", "nokey"]),
        case("setex-ttl", AUTH + ["setex", "oauth:state:q", "300", "{}"]),
        case("ttl-after-setex", AUTH + ["ttl", "oauth:state:q"]),
        case("smembers", AUTH + ["sadd", "oauth:user_tokens:u", "j1"]),
        case("smembers-read", AUTH + ["smembers", "oauth:user_tokens:u"]),
        case("scan-0-match", AUTH + ["scan", "0", "match", "oauth:state:*", "count", "1000"]),
        # The operator commands of the gateway's docs whose output is the same on
        # any two servers, and the CONFIG GETs redis-benchmark sends when it starts.
        case("config-get-maxmemory", AUTH + ["config", "get", "maxmemory"]),
        case("config-set-maxmemory", AUTH + ["config", "set", "maxmemory", "104857600"]),
        case("config-get-maxmemory-after-set", AUTH + ["config", "get", "maxmemory"]),
        case("config-set-maxmemory-back", AUTH + ["config", "set", "maxmemory", "0"]),
        case("config-get-save", AUTH + ["config", "get", "save"]),
        case("config-get-appendonly", AUTH + ["config", "get", "appendonly"]),
        case("config-set-unknown", AUTH + ["config", "set", "no-such-option", "1"]),
        case("slowlog-reset", AUTH + ["slowlog", "reset"]),
        case("slowlog-len", AUTH + ["slowlog", "len"]),
        case("bgsave", AUTH + ["bgsave"]),
        # --pipe: mass insertion.
        case("pipe-mode", AUTH + ["--pipe"], stdin=pipe_proto),
        case("pipe-mode-result", AUTH + ["llen", "pipe:list"]),
        case("flushall", AUTH + ["flushall"]),
        case("dbsize-after-flush", AUTH + ["dbsize"]),
    ]


def run_cli(c, port):
    args = [a.replace("{port}", str(port)) for a in c["args"]]
    if c["host_port"]:
        args = ["-h", "127.0.0.1", "-p", str(port)] + args
    try:
        p = subprocess.run(["redis-cli"] + args, input=c["stdin"] or b"",
                           capture_output=True, timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return ("timeout", b"", b"")
    out = p.stdout
    if c["sort_lines"]:
        out = b"\n".join(sorted(out.splitlines())) + b"\n"
    return (p.returncode, out, p.stderr)


def describe(expected, actual):
    """A short diff of (rc, stdout, stderr): redis-server's first, then ferrokv's."""
    parts = []
    for label, e, a in zip(("exit code", "stdout", "stderr"), expected, actual):
        if e == a:
            continue
        if label == "exit code":
            parts.append(f"exit code: redis-server {e}, ferrokv {a}")
            continue
        diff = difflib.unified_diff(
            e.decode("utf-8", "backslashreplace").splitlines(),
            a.decode("utf-8", "backslashreplace").splitlines(),
            "redis-server", "ferrokv", lineterm="", n=1)
        lines = list(diff)
        if len(lines) > 24:
            lines = lines[:24] + [f"... ({len(lines) - 24} more diff lines)"]
        parts.append(f"{label} differs:\n    " + "\n    ".join(lines))
    return "; ".join(parts)


def main():
    stop_on_sigterm()
    if len(sys.argv) not in (2, 3):
        print(f"usage: {sys.argv[0]} FERROKV_BINARY [REDIS_SERVER_BINARY]", file=sys.stderr)
        return 2
    ferrokv_bin = sys.argv[1]
    redis_bin = sys.argv[2] if len(sys.argv) == 3 else shutil.which("redis-server")
    if not redis_bin or not shutil.which("redis-cli"):
        print("FAIL redis-cli/prerequisites: redis-server and redis-cli must be installed")
        return 1
    tmpdir = tempfile.mkdtemp(prefix="ferrokv-interop-cli-")
    servers = []
    passed = failed = known_count = 0
    try:
        try:
            servers.append(Server(redis_bin, password=PASSWORD))
            servers.append(Server(ferrokv_bin, password=PASSWORD))
        except Exception as e:  # noqa: BLE001
            print(f"FAIL redis-cli/start-servers: {e}")
            return 1
        reference, ferrokv = servers
        for c in build_cases(tmpdir):
            name = f"redis-cli/{c['name']}"
            expected = run_cli(c, reference.port)
            actual = run_cli(c, ferrokv.port)
            known = KNOWN_GAPS.get(c["name"])
            if expected == actual:
                if known:
                    failed += 1
                    print(f"FAIL {name}: now matches redis-server; remove it from KNOWN_GAPS")
                else:
                    passed += 1
                    print(f"ok {name}")
            elif known:
                known_count += 1
                print(f"known {name}: FIXME(compat) {known}: {describe(expected, actual)}")
            else:
                failed += 1
                print(f"FAIL {name}: {describe(expected, actual)}")
        for s, label in ((reference, "redis-server"), (ferrokv, "ferrokv")):
            if not s.alive():
                failed += 1
                print(f"FAIL redis-cli/{label}-still-running: exited with "
                      f"{s.proc.returncode}:\n{s.log_tail()}")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)
    print(f"# redis-cli: {passed} passed, {failed} failed, {known_count} known failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

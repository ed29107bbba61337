"""Our redis-cli against Debian's redis-cli 7.0.15, byte for byte.

`python3 cli_compare.py FERROKV_BINARY [REDIS_SERVER_BINARY]` runs the same
invocations with the real `redis-cli` and with ours (FERROKV_BINARY called through a
symlink named `redis-cli`, the multi-call way) and compares stdout, stderr and the
exit code. It does so twice: against a real redis-server 7.0 and against a
ferrokv-server, one server at a time, each started with `--requirepass secret` on a
free 127.0.0.1 port (server_proc.py). Before each of the two runs of a case the data
is reset (FLUSHALL and the same setup commands), so both clients see the same state.

Each case runs with stdout a pipe (redis-cli's raw mode), with stdout a terminal (a
pty: the standard mode), or both; REPL cases feed stdin; streaming cases (SUBSCRIBE,
MONITOR) get a PUBLISH from another connection and then SIGINT, as a user's Ctrl-C;
the interactive REPL cases type into both clients inside tmux and compare the
screens. Prints `ok NAME` or `FAIL NAME: diff` per case; exits 1 if any failed. A
missing tool (redis-cli, redis-server, tmux) is a FAIL, never a skip.

Known differences are listed in EXCLUDED with the reason; they are still run, and
must differ only in the way stated (the check named there), so that an exclusion
cannot hide a new difference.

Must not: use a third-party module (it runs on the system python), or wait without a
bound (every client run has CLI_TIMEOUT_S, every server a lifetime bound).
"""

import difflib
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_proc import Server, free_port, stop_on_sigterm  # noqa: E402
from resp_client import Conn  # noqa: E402

PASSWORD = "secret"
CLI_TIMEOUT_S = 10
AUTH = ["--no-auth-warning", "-a", PASSWORD]

# The data every case starts from (database 0 unless SELECTed).
SETUP = [
    ["RPUSH", "l", "a", "b c", "", "\u00e9"],
    ["HSET", "h", "f", "v"],
    ["SET", "s", "v"],
    ["SET", "q", "\u00e9 \"q\" \\ \t"],
    ["SET", "bin", b"a\x00b\x01\x7f\xff\r\n"],
    ["SADD", "st", "x"],
    ["ZADD", "z", "1.5", "a", "2", "b"],
    ["SET", "n", "10"],
    ["SELECT", "2"],
    ["SET", "in2", "two"],
    ["SELECT", "0"],
] + [["SET", f"key:{i:02d}", "v"] for i in range(30)]

# Cases whose output differs on purpose: name → (why, check that the difference is
# only that). The check gets (real, ours) as (rc, stdout, stderr) and returns True
# when ours differs in the documented way only.
EXCLUDED = {
    "version": ("--version names ferrokv's version after redis-cli's",
                lambda real, ours: ours[1].startswith(real[1].rstrip(b"\r\n") + b" (ferrokv ")),
    "repl-help": ("plain `help` names ferrokv and leaves out the ~/.redisclirc preferences "
                  "(:set hints) and tab completion, which this client does not have",
                  lambda real, ours: ours[1].startswith(b"redis-cli 7.0.15 (ferrokv ")
                  and b":set hints" in real[1] and real[0] == ours[0] == 0),
    "scan-count": ("--count is redis-cli 7.2's option; 7.0.15 rejects it",
                   lambda real, ours: real[0] == 1 and ours[0] == 0
                   and b"Unrecognized option" in real[2]),
}


def case(name, args, stdin=None, modes=("pipe", "tty"), auth=True, servers=("redis", "ferrokv"),
         env=None, sort_lines=False, publish=None, sigint_after=None, normalize=None):
    return dict(name=name, args=args, stdin=stdin, modes=modes, auth=auth, servers=servers,
                env=env or {}, sort_lines=sort_lines, publish=publish, sigint_after=sigint_after,
                normalize=normalize)


def timing_normalize(text):
    # A command's time ("(1.04s)" after Ctrl-C) differs from run to run.
    return re.sub(rb"^\(\d+\.\d\ds\)", b"(<time>)", text, flags=re.M)


def monitor_normalize(text):
    # Timestamps and client ports differ from run to run.
    return re.sub(rb"\d+\.\d+ \[(\d+) [^\]]+\]", rb"<time> [\1 <client>]", text)


def build_cases():
    c = []
    fmt_modes = [("default", []), ("raw", ["--raw"]), ("no-raw", ["--no-raw"]), ("csv", ["--csv"]),
                 ("json", ["--json"]), ("resp3", ["-3"]), ("json2", ["--json", "-2"])]
    commands = [
        ("array", ["lrange", "l", "0", "-1"]),
        ("empty-array", ["lrange", "nolist", "0", "-1"]),
        ("nil", ["get", "nokey"]),
        ("integer", ["llen", "l"]),
        ("negative-integer", ["ttl", "s"]),
        ("status", ["type", "l"]),
        ("ok", ["set", "k", "v"]),
        ("bulk-escapes", ["get", "q"]),
        ("bulk-binary", ["get", "bin"]),
        ("hash", ["hgetall", "h"]),
        ("empty-hash", ["hgetall", "nohash"]),
        ("set", ["smembers", "st"]),
        ("empty-set", ["smembers", "noset"]),
        ("error", ["hgetall", "s"]),
        ("unknown-command", ["nosuchcmd", "x"]),
        ("arity-error", ["get"]),
        ("config-get", ["config", "get", "maxmemory"]),
        ("nested", ["command", "info", "get"]),
        ("nested-docs", ["command", "docs", "get"]),
        ("mget", ["mget", "s", "nokey", "n"]),
        ("info-keyspace", ["info", "keyspace"]),
        ("client-list-error", ["client", "list", "x"]),
        ("ping-message", ["ping", "hello world"]),
    ]
    for mode, flags in fmt_modes:
        # A flag that forces the output mode makes the terminal irrelevant: pipe only.
        modes = ("pipe", "tty") if mode in ("default", "resp3") else ("pipe",)
        for name, cmd in commands:
            c.append(case(f"{mode}-{name}", flags + cmd, modes=modes))
    for name, lua in [("nested-arrays", "return {1,{2,{3,4,5,6,7,8,9,10,11}},'x'}"),
                      ("map-values", "redis.setresp(3); return {map={a={set={x=true,y=true}}, b={1}, c={}}}"),
                      ("map-keys", "redis.setresp(3); return {map={[1]=1}}"),
                      ("doubles-bools", "redis.setresp(3); return {{double=0.1}, true, false, {double=-1/0}}"),
                      ("error-inside", "return {1, {err='x'}, 'y'}"),
                      ("verbatim-like", "return redis.status_reply('FINE')")]:
        for mode, flags in fmt_modes:
            c.append(case(f"eval-{name}-{mode}", flags + ["eval", lua, "0"], servers=("redis",),
                          modes=("pipe", "tty") if mode == "default" else ("pipe",)))
    c += [
        case("zset-resp3", ["-3", "zrange", "z", "0", "-1", "withscores"], servers=("redis",)),
        # Connecting and authenticating.
        case("health-check", AUTH + ["ping"], auth=False),
        case("auth-warning", ["-a", PASSWORD, "ping"], auth=False),
        case("pass", ["--pass", PASSWORD, "ping"], auth=False),
        case("user-pass", ["--user", "default", "--pass", PASSWORD, "ping"], auth=False),
        case("wrong-user", ["--user", "nobody", "--pass", PASSWORD, "ping"], auth=False),
        case("env-auth", ["ping"], auth=False, env={"REDISCLI_AUTH": PASSWORD}),
        case("env-auth-wrong", ["ping"], auth=False, env={"REDISCLI_AUTH": "wrong"}),
        case("a-overrides-env", AUTH + ["ping"], auth=False, env={"REDISCLI_AUTH": "wrong"}),
        case("wrong-password", ["-a", "wrong", "get", "s"], auth=False),
        case("no-password", ["get", "s"], auth=False),
        case("no-password-select", ["-n", "2", "get", "in2"], auth=False),
        case("db2", ["-n", "2", "get", "in2"]),
        case("db-out-of-range", ["-n", "99", "ping"]),
        case("db-not-a-number", ["-n", "abc", "get", "s"]),
        case("url-empty-user", ["-u", "redis://:secret@127.0.0.1:{port}/2", "get", "in2"], auth=False),
        case("url-default-user", ["-u", "redis://default:secret@127.0.0.1:{port}/2", "get", "in2"],
             auth=False),
        case("url-no-port-then-p", ["--no-auth-warning", "-u", "redis://default:secret@127.0.0.1",
                                    "-p", "{port}", "get", "s"], auth=False),
        case("url-bad-scheme", ["-u", "http://127.0.0.1", "ping"], auth=False),
        case("resp3-after-select", ["-n", "2", "-3", "get", "in2"]),
        case("refused", ["-p", "{free}", "ping"], auth=False),
        case("refused-host", ["-h", "127.0.0.1", "-p", "{free}", "get", "x"], auth=False),
        case("no-socket", ["-s", "/nonexistent/redis.sock", "ping"], auth=False),
        case("bad-option", ["--bogus", "ping"]),
        case("missing-value", ["-n"]),
        case("version", ["--version"], auth=False),
        # -r, -i, -x, -e.
        case("repeat", ["-r", "3", "incr", "n"]),
        case("repeat-interval", ["-r", "2", "-i", "0.1", "lrange", "l", "0", "1"]),
        case("x-last-arg", ["-x", "echo"], stdin=b"line one\nline \"two\" \\ \x01\n"),
        case("x-set", ["-x", "set", "xk"], stdin=b"hello\n"),
        case("x-empty", ["-x", "echo"], stdin=b""),
        case("e-error", ["-e", "hgetall", "s"]),
        case("e-ok", ["-e", "get", "s"]),
        case("e-repeat", ["-e", "-r", "3", "nosuchcmd"]),
        case("e-wrong-password", ["--no-auth-warning", "-a", "wrong", "-e", "ping"], auth=False),
        # --scan and --pipe.
        case("scan", ["--scan"], sort_lines=True),
        case("scan-pattern", ["--scan", "--pattern", "key:1*"], sort_lines=True),
        case("scan-no-match", ["--scan", "--pattern", "nothing:*"]),
        case("scan-count", ["--scan", "--count", "5"], sort_lines=True),
        case("scan-noauth", ["--scan"], auth=False),
        case("pipe", ["--pipe"], stdin=b"SET p1 1\r\nINCR p1\r\n" + b"".join(
            b"*3\r\n$5\r\nRPUSH\r\n$2\r\npl\r\n$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(100))),
        case("pipe-errors", ["--pipe"], stdin=b"SET p1 1\r\nNOSUCH x\r\nHGETALL s\r\n"),
        case("pipe-empty", ["--pipe"], stdin=b""),
        # The REPL on piped stdin.
        case("repl-basic", [], stdin=b"ping\nset a 1\nincr a\nget a\n"),
        case("repl-quoting", [], stdin=b'set "a b" "c\\x41\\n"\nget "a b"\nset x \'it\\\'s\'\nget x\n'
             b"  ping  \n\n\"ping\"\n"),
        case("repl-bad-quotes", [], stdin=b'set a "unbalanced\nget a\nset x "a"b\nping\n'),
        case("repl-repeat", [], stdin=b"3 incr n\n0 ping\n-1 ping\n2 get n\n"),
        case("repl-select-multi", [], stdin=b"select 2\nget in2\nmulti\nincr q\nget in2\nexec\n"
             b"discard\nselect 0\nget s\n"),
        case("repl-errors", [], stdin=b"hgetall s\nnosuch x\nget\nping\n"),
        case("repl-quit", [], stdin=b"ping\nquit\nping\n"),
        case("repl-exit", [], stdin=b"ping\nexit\nping\n"),
        case("repl-db-option", ["-n", "2"], stdin=b"get in2\n"),
        case("repl-noauth", [], stdin=b"ping\nauth secret\nping\n", auth=False),
        case("repl-refused", ["-p", "{free}"], stdin=b"ping\nping\n", auth=False),
        case("repl-e-ignored", ["-e"], stdin=b"nosuch\nping\n"),
        # help, from the server's COMMAND DOCS.
        case("repl-help-commands", [], stdin=b"help get\nhelp SET\nhelp mset\nhelp client list\n"
             b"help client kill\nhelp nosuch\n", modes=("pipe",)),
        case("repl-help-group", [], stdin=b"help @hyperloglog\nhelp @string\n", modes=("pipe",)),
        case("repl-help", [], stdin=b"help\n", modes=("pipe",)),
        # Streaming until Ctrl-C.
        case("subscribe", ["subscribe", "ch", "ch2"], publish=("ch", "hello"), sigint_after=0.6),
        case("psubscribe", ["psubscribe", "c*"], publish=("ch", "a b"), sigint_after=0.6, modes=("tty",)),
        case("subscribe-resp3", ["-3", "subscribe", "ch"], publish=("ch", "x"), sigint_after=0.6,
             modes=("tty",)),
        case("repl-subscribe", [], stdin=b"ping\nsubscribe ch\n", publish=("ch", "hi"), sigint_after=0.6,
             normalize=timing_normalize),
        case("monitor", ["monitor"], publish=("ch", "m"), sigint_after=0.6, normalize=monitor_normalize,
             modes=("tty", "pipe")),
    ]
    return c


def run_in_pty(argv, stdin, env, sigint_after):
    """Runs argv with stdout on a pty (stdin and stderr pipes); returns (rc, out, err)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE,
                            env=env, close_fds=True)
    os.close(slave)
    err_chunks = []
    err_thread = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    err_thread.start()
    try:
        proc.stdin.write(stdin or b"")
        proc.stdin.close()
    except BrokenPipeError:
        pass
    out = b""
    start = time.monotonic()
    interrupted = False
    while time.monotonic() - start < CLI_TIMEOUT_S:
        if sigint_after is not None and not interrupted and time.monotonic() - start >= sigint_after:
            proc.send_signal(signal.SIGINT)
            interrupted = True
        ready, _, _ = select.select([master], [], [], 0.01)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        elif proc.poll() is not None:
            break
    if proc.poll() is None:
        proc.kill()
    rc = proc.wait(timeout=5)
    os.close(master)
    err_thread.join(timeout=5)
    return (rc, out, b"".join(err_chunks))


def run_piped(argv, stdin, env, sigint_after):
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    if sigint_after is not None:
        # Feed stdin without closing it (the REPL must still be reading when interrupted).
        proc.stdin.write(stdin or b"")
        proc.stdin.flush()
        time.sleep(sigint_after)
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=CLI_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            return ("timeout", out, err)
        return (proc.returncode, out, err)
    try:
        out, err = proc.communicate(stdin or b"", timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return ("timeout", out, err)
    return (proc.returncode, out, err)


def reset(port):
    conn = Conn(port)
    try:
        conn.pipeline([["AUTH", PASSWORD], ["FLUSHALL"]] + SETUP)
    finally:
        conn.close()


def publish_later(port, channel, message, delay):
    def go():
        time.sleep(delay)
        conn = Conn(port)
        try:
            conn.call("AUTH", PASSWORD)
            conn.call("PUBLISH", channel, message)
        finally:
            conn.close()
    t = threading.Thread(target=go)
    t.start()
    return t


def run_case(cli, c, mode, port, free):
    args = [a.replace("{port}", str(port)).replace("{free}", str(free)) for a in c["args"]]
    if not any(a in ("-u", "-p", "-s") for a in args):
        args = ["-h", "127.0.0.1", "-p", str(port)] + args
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    env["HOME"] = tempfile.gettempdir()
    env["REDISCLI_HISTFILE"] = "/dev/null"
    if c["auth"]:
        env["REDISCLI_AUTH"] = PASSWORD
    env.update(c["env"])
    reset(port)
    publisher = None
    if c["publish"]:
        publisher = publish_later(port, *c["publish"], delay=0.3)
    runner = run_in_pty if mode == "tty" else run_piped
    rc, out, err = runner([cli] + args, c["stdin"], env, c["sigint_after"])
    if publisher:
        publisher.join(timeout=5)
    if c["sort_lines"]:
        out = b"\n".join(sorted(out.splitlines())) + b"\n"
    if c["normalize"]:
        out = c["normalize"](out)
    return (rc, out, err)


def describe(expected, actual):
    parts = []
    for label, e, a in zip(("exit code", "stdout", "stderr"), expected, actual):
        if e == a:
            continue
        if label == "exit code":
            parts.append(f"exit code: redis-cli {e}, ours {a}")
            continue
        diff = difflib.unified_diff([repr(x) for x in e.splitlines(keepends=True)],
                                    [repr(x) for x in a.splitlines(keepends=True)],
                                    "redis-cli", "ours", lineterm="", n=1)
        lines = list(diff)
        if len(lines) > 24:
            lines = lines[:24] + [f"... ({len(lines) - 24} more diff lines)"]
        parts.append(f"{label} differs:\n    " + "\n    ".join(lines))
    return "; ".join(parts)


# --- the interactive REPL, compared as rendered screens in tmux ------------------------

TTY_SESSIONS = [
    ("tty-prompts", ["ping", "select 2", "get in2", "multi", "incr q", "exec", "get nokey",
                     "hgetall s", "select 0", "lrange l 0 -1", "3 ping"]),
    ("tty-errors-and-quotes", ["set k", 'set "a b" "x\\ty"', 'get "a b"', 'get "bad', "nosuch",
                               "0 ping", "hgetall h"]),
]


def tmux_screen(cli, port, lines, tmux_sock):
    env_prefix = (f"REDISCLI_AUTH={PASSWORD} REDISCLI_HISTFILE=/dev/null HOME={tempfile.gettempdir()} ")
    cmd = f"{env_prefix}{cli} -h 127.0.0.1 -p {port}; echo EXIT=$?; sleep 30"
    base = ["tmux", "-L", tmux_sock]
    subprocess.run(base + ["new-session", "-d", "-x", "150", "-y", "50", cmd], check=True, timeout=10)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            screen = subprocess.run(base + ["capture-pane", "-p"], capture_output=True, timeout=5).stdout
            if b">" in screen:
                break
            time.sleep(0.05)
        def screen():
            return subprocess.run(base + ["capture-pane", "-p"], capture_output=True, timeout=5).stdout

        def prompts(text):
            return len(re.findall(rb"^\S*> ?", text, flags=re.M))

        for line in lines:
            before = prompts(screen())
            subprocess.run(base + ["send-keys", "-l", line], check=True, timeout=5)
            subprocess.run(base + ["send-keys", "Enter"], check=True, timeout=5)
            # Wait for the next prompt rather than a fixed time: typing ahead would
            # let the terminal echo the line where the client has not drawn it.
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and prompts(screen()) <= before:
                time.sleep(0.02)
        subprocess.run(base + ["send-keys", "C-d"], check=True, timeout=5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and b"EXIT=" not in screen():
            time.sleep(0.02)
        screen = screen()
    finally:
        subprocess.run(base + ["kill-server"], capture_output=True, timeout=5)
    return b"\n".join(l.rstrip() for l in screen.splitlines()).strip() + b"\n"


def main():
    stop_on_sigterm()
    # Both clients get SIGINT's default action, as at a terminal, even when this run was
    # started in the background by a non-interactive shell (which ignores SIGINT, and an
    # ignored signal stays ignored across exec; a handler does not).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if len(sys.argv) not in (2, 3):
        print(f"usage: {sys.argv[0]} FERROKV_BINARY [REDIS_SERVER_BINARY]", file=sys.stderr)
        return 2
    ferrokv_bin = os.path.abspath(sys.argv[1])
    redis_bin = sys.argv[2] if len(sys.argv) == 3 else shutil.which("redis-server")
    real_cli = shutil.which("redis-cli")
    missing = [n for n, p in (("redis-server", redis_bin), ("redis-cli", real_cli),
                              ("tmux", shutil.which("tmux"))) if not p]
    if missing:
        print(f"FAIL cli-compare/prerequisites: not found: {', '.join(missing)}")
        return 1
    tmp = tempfile.mkdtemp(prefix="ferrokv-cli-compare-")
    ours = os.path.join(tmp, "redis-cli")
    os.symlink(ferrokv_bin, ours)
    passed = failed = 0
    try:
        for label, binary in (("redis", redis_bin), ("ferrokv", ferrokv_bin)):
            try:
                server = Server(binary, password=PASSWORD)
            except Exception as e:  # noqa: BLE001
                print(f"FAIL cli-compare/{label}/start: {e}")
                failed += 1
                continue
            try:
                free = free_port()
                only = os.environ.get("CLI_COMPARE_ONLY")
                for c in build_cases():
                    if label not in c["servers"] or (only and not re.search(only, c["name"])):
                        continue
                    for mode in c["modes"]:
                        name = f"cli-compare/{label}/{c['name']}/{mode}"
                        real = run_case(real_cli, c, mode, server.port, free)
                        mine = run_case(ours, c, mode, server.port, free)
                        excluded = EXCLUDED.get(c["name"])
                        if real == mine and not excluded:
                            passed += 1
                            print(f"ok {name}")
                        elif excluded and real != mine and excluded[1](real, mine):
                            passed += 1
                            print(f"ok {name} (documented difference: {excluded[0]})")
                        elif excluded and real == mine:
                            failed += 1
                            print(f"FAIL {name}: now identical; remove it from EXCLUDED")
                        else:
                            failed += 1
                            print(f"FAIL {name}: {describe(real, mine)}")
                for session_name, lines in TTY_SESSIONS:
                    if only and not re.search(only, session_name):
                        continue
                    name = f"cli-compare/{label}/{session_name}"
                    reset(server.port)
                    real = tmux_screen(real_cli, server.port, lines, f"cmp-real-{os.getpid()}")
                    reset(server.port)
                    mine = tmux_screen(ours, server.port, lines, f"cmp-ours-{os.getpid()}")
                    if real == mine:
                        passed += 1
                        print(f"ok {name}")
                    else:
                        failed += 1
                        print(f"FAIL {name}: {describe((0, real, b''), (0, mine, b''))}")
                if not server.alive():
                    failed += 1
                    print(f"FAIL cli-compare/{label}/server-still-running:\n{server.log_tail()}")
            finally:
                server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# cli-compare: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

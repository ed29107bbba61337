//! Tests for `src/cli`: our redis-cli, run as a separate process (the server binary
//! with `--cli`, or through a symlink named `redis-cli`) against an in-process
//! ferrokv server, its output asserted byte for byte.
//!
//! Stdout a pipe gives redis-cli's raw mode; a pty (openpty) gives the standard mode
//! and, with stdin on the pty too, the interactive REPL. The byte-for-byte comparison
//! with Debian's redis-cli lives in tests/interop/cli_compare.py; these tests pin our
//! own behaviour so that `cargo test` catches a regression without redis-cli installed.
//!
//! Must not: wait without a bound (every child is killed after CHILD_TIMEOUT), or touch
//! the real HOME (each run gets its own).

mod common;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::TestServer;

const CHILD_TIMEOUT: Duration = Duration::from_secs(10);

/// What a client run produced.
#[derive(Debug)]
struct Run {
    /// The exit status, or `-signal` when a signal ended it.
    code: i32,
    out: String,
    err: String,
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().unwrap_or_else(|| -status.signal().unwrap_or(0))
}

/// The client command: our binary with `--cli`, a private HOME, no REDISCLI_AUTH, and
/// SIGINT's default action as at a terminal (a test run started in the background by a
/// non-interactive shell inherits SIGINT ignored, which the client, like redis-cli,
/// keeps).
fn cli(home: &std::path::Path) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"));
    cmd.arg("--cli").env("HOME", home).env_remove("REDISCLI_AUTH").env_remove("REDISCLI_HISTFILE");
    // SAFETY: signal() is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    cmd
}

fn wait_bounded(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + CHILD_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the client") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the client did not finish within {CHILD_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cmd` with `stdin` piped in and stdout/stderr captured.
fn run_cmd(mut cmd: Command, stdin: &[u8]) -> Run {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the client");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let status = wait_bounded(&mut child);
    let _ = writer.join();
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    Run {
        code: exit_code(status),
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

struct Client {
    server_port: u16,
    home: tempfile::TempDir,
}

impl Client {
    fn new(server: &TestServer) -> Client {
        Client { server_port: server.addr().port(), home: tempfile::tempdir().expect("temp HOME") }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = cli(self.home.path());
        cmd.args(["-h", "127.0.0.1", "-p", &self.server_port.to_string()]).args(args);
        cmd
    }

    /// Runs with stdout a pipe (raw mode).
    fn run(&self, args: &[&str]) -> Run {
        run_cmd(self.cmd(args), b"")
    }

    fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        run_cmd(self.cmd(args), stdin)
    }

    /// Runs with stdout a terminal (standard mode); the pty turns "\n" into "\r\n",
    /// which is turned back here.
    fn run_tty(&self, args: &[&str]) -> Run {
        let pty = Pty::open();
        let mut cmd = self.cmd(args);
        cmd.stdin(Stdio::null()).stdout(pty.slave_stdio()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the client");
        // The Command keeps its copy of the slave end until dropped; the reader sees
        // the end of output only once every copy is closed.
        drop(cmd);
        let reader = pty.reader();
        drop(pty.slave);
        let mut err_pipe = child.stderr.take().expect("stderr");
        let status = wait_bounded(&mut child);
        let mut err = Vec::new();
        let _ = err_pipe.read_to_end(&mut err);
        let out = reader.finish();
        Run { code: exit_code(status), out: out.replace("\r\n", "\n"), err: String::from_utf8_lossy(&err).into_owned() }
    }
}

/// A pseudo-terminal pair.
struct Pty {
    master: std::fs::File,
    slave: std::fs::File,
}

/// Collects what the pty's master reads, on a thread.
struct PtyReader {
    data: Arc<Mutex<Vec<u8>>>,
    thread: std::thread::JoinHandle<()>,
}

impl Pty {
    fn open() -> Pty {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two fds into the locals; the name, termios and window
        // size pointers may be null.
        let rc =
            unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both fds were just opened by openpty and are owned by nothing else.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        Pty { master: master.into(), slave: slave.into() }
    }

    fn slave_stdio(&self) -> Stdio {
        Stdio::from(self.slave.try_clone().expect("dup the pty"))
    }

    fn reader(&self) -> PtyReader {
        let data = Arc::new(Mutex::new(Vec::new()));
        let mut master = self.master.try_clone().expect("dup the pty");
        let sink = Arc::clone(&data);
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once every slave fd is closed.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        PtyReader { data, thread }
    }
}

impl PtyReader {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.data.lock().unwrap()).into_owned()
    }

    /// Waits until the output contains `needle` at least `times` times.
    fn wait_for(&self, needle: &str, times: usize) {
        let deadline = Instant::now() + CHILD_TIMEOUT;
        while self.text().matches(needle).count() < times {
            assert!(Instant::now() < deadline, "never saw {needle:?} x{times} in {:?}", self.text());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn finish(self) -> String {
        let _ = self.thread.join();
        let data = self.data.lock().unwrap();
        String::from_utf8_lossy(&data).into_owned()
    }
}

fn raw_call(server: &TestServer, args: &[&str]) -> Vec<u8> {
    server.connect().call(args).expect("call the server")
}

#[test]
fn raw_mode_when_stdout_is_not_a_terminal() {
    let server = TestServer::start();
    let c = Client::new(&server);
    raw_call(&server, &["RPUSH", "l", "a", "b c", "", "é"]);
    raw_call(&server, &["HSET", "h", "f", "v"]);
    let r = c.run(&["lrange", "l", "0", "-1"]);
    assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (0, "a\nb c\n\né\n", ""));
    assert_eq!(c.run(&["get", "nokey"]).out, "\n");
    assert_eq!(c.run(&["llen", "l"]).out, "4\n");
    assert_eq!(c.run(&["type", "l"]).out, "list\n");
    assert_eq!(c.run(&["hgetall", "h"]).out, "f\nv\n");
    assert_eq!(c.run(&["lrange", "nolist", "0", "-1"]).out, "\n");
    // An error reply goes to stdout with an extra newline, and exits 0 without -e.
    let r = c.run(&["hgetall", "l"]);
    assert_eq!((r.code, r.out.as_str()), (0, "WRONGTYPE Operation against a key holding the wrong kind of value\n\n"));
    // RESP3: a map is "key value" per line.
    assert_eq!(c.run(&["-3", "hgetall", "h"]).out, "f v\n");
}

#[test]
fn standard_mode_on_a_terminal() {
    let server = TestServer::start();
    let c = Client::new(&server);
    raw_call(&server, &["RPUSH", "l", "a", "b c", "", "é"]);
    raw_call(&server, &["HSET", "h", "f", "v"]);
    raw_call(&server, &["SADD", "st", "x"]);
    raw_call(&server, &["SET", "q", "a\"b\\\t\u{1}"]);
    let r = c.run_tty(&["lrange", "l", "0", "-1"]);
    assert_eq!((r.code, r.out.as_str()), (0, "1) \"a\"\n2) \"b c\"\n3) \"\"\n4) \"\\xc3\\xa9\"\n"));
    assert_eq!(c.run_tty(&["get", "q"]).out, "\"a\\\"b\\\\\\t\\x01\"\n");
    assert_eq!(c.run_tty(&["get", "nokey"]).out, "(nil)\n");
    assert_eq!(c.run_tty(&["llen", "l"]).out, "(integer) 4\n");
    assert_eq!(c.run_tty(&["type", "l"]).out, "list\n");
    assert_eq!(c.run_tty(&["lrange", "none", "0", "-1"]).out, "(empty array)\n");
    assert_eq!(c.run_tty(&["nosuch"]).out, "(error) ERR unknown command 'nosuch', with args beginning with: \n");
    assert_eq!(c.run_tty(&["-3", "hgetall", "h"]).out, "1# \"f\" => \"v\"\n");
    assert_eq!(c.run_tty(&["-3", "smembers", "st"]).out, "1~ \"x\"\n");
    assert_eq!(c.run_tty(&["-3", "hgetall", "none"]).out, "(empty hash)\n");
    // INFO is printed raw even on a terminal: its own CRLFs, no quotes, no extra line.
    assert!(c.run_tty(&["info", "server"]).out.starts_with("# Server\r\nredis_version:"));
    // Nested arrays are numbered and indented under their parent.
    let nested = c.run_tty(&["command", "info", "get"]).out;
    assert!(nested.starts_with("1)  1) \"get\"\n    2) (integer) 2\n    3) 1) readonly\n       2) fast\n"), "{nested}");
}

#[test]
fn forced_output_modes() {
    let server = TestServer::start();
    let c = Client::new(&server);
    raw_call(&server, &["RPUSH", "l", "a", "b\"c"]);
    raw_call(&server, &["HSET", "h", "f", "v"]);
    assert_eq!(c.run(&["--no-raw", "lrange", "l", "0", "-1"]).out, "1) \"a\"\n2) \"b\\\"c\"\n");
    assert_eq!(c.run_tty(&["--raw", "lrange", "l", "0", "-1"]).out, "a\nb\"c\n");
    assert_eq!(c.run(&["--csv", "lrange", "l", "0", "-1"]).out, "\"a\",\"b\\\"c\"\n");
    assert_eq!(c.run(&["--csv", "get", "nokey"]).out, "NULL\n");
    assert_eq!(
        c.run(&["--csv", "hgetall", "l"]).out,
        "ERROR,\"WRONGTYPE Operation against a key holding the wrong kind of value\"\n"
    );
    assert_eq!(c.run(&["--json", "lrange", "l", "0", "-1"]).out, "[\"a\",\"b\\\"c\"]\n");
    // --json talks RESP3 (a map is an object) unless -2 says otherwise.
    assert_eq!(c.run(&["--json", "hgetall", "h"]).out, "{\"f\":\"v\"}\n");
    assert_eq!(c.run(&["--json", "-2", "hgetall", "h"]).out, "[\"f\",\"v\"]\n");
    assert_eq!(c.run(&["--json", "get", "nokey"]).out, "null\n");
}

#[test]
fn called_as_redis_cli_through_a_symlink() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    for name in ["redis-cli", "ferrokv-cli"] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), &link).unwrap();
        let mut cmd = Command::new(&link);
        cmd.env("HOME", dir.path()).env_remove("REDISCLI_AUTH").args(["-p", &server.addr().port().to_string(), "ping"]);
        let r = run_cmd(cmd, b"");
        assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (0, "PONG\n", ""), "{name}");
    }
}

#[test]
fn authentication_options() {
    let server = TestServer::start_with(|c| c.requirepass = Some(b"pw".to_vec()));
    let c = Client::new(&server);
    let warning = "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n";
    let r = c.run(&["-a", "pw", "ping"]);
    assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (0, "PONG\n", warning));
    let r = c.run(&["--no-auth-warning", "-a", "pw", "ping"]);
    assert_eq!((r.out.as_str(), r.err.as_str()), ("PONG\n", ""));
    let r = c.run(&["--user", "default", "--pass", "pw", "ping"]);
    assert_eq!((r.out.as_str(), r.err.as_str()), ("PONG\n", warning));
    // A wrong password is reported, the command still runs, and the exit status is 0.
    let r = c.run(&["--no-auth-warning", "-a", "wrong", "ping"]);
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (
            0,
            "NOAUTH Authentication required.\n\n",
            "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n"
        )
    );
    let r = c.run(&["ping"]);
    assert_eq!((r.code, r.out.as_str()), (0, "NOAUTH Authentication required.\n\n"));
    let mut cmd = c.cmd(&["ping"]);
    cmd.env("REDISCLI_AUTH", "pw");
    let r = run_cmd(cmd, b"");
    assert_eq!((r.out.as_str(), r.err.as_str()), ("PONG\n", ""));
    // -a wins over REDISCLI_AUTH.
    let mut cmd = c.cmd(&["--no-auth-warning", "-a", "pw", "ping"]);
    cmd.env("REDISCLI_AUTH", "wrong");
    assert_eq!(run_cmd(cmd, b"").out, "PONG\n");
    // -e turns the error reply into exit status 1, the error going to stderr.
    let r = c.run(&["-e", "ping"]);
    assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (1, "", "NOAUTH Authentication required.\n"));
}

#[test]
fn uri_option() {
    let server = TestServer::start_with(|c| c.requirepass = Some(b"pw".to_vec()));
    raw_call(&server, &["AUTH", "pw"]);
    let port = server.addr().port();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut cmd = cli(home.path());
        cmd.args(args);
        run_cmd(cmd, b"")
    };
    let r = run(&["--no-auth-warning", "-u", &format!("redis://default:pw@127.0.0.1:{port}/2"), "set", "k", "v"]);
    assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (0, "OK\n", ""));
    let mut conn = server.connect();
    conn.call(&["AUTH", "pw"]).unwrap();
    conn.call(&["SELECT", "2"]).unwrap();
    assert_eq!(conn.call(&["GET", "k"]).unwrap(), b"$1\r\nv\r\n");
    // An empty user name is sent as such (AUTH "" pw), as redis-cli does: WRONGPASS.
    let r = run(&["--no-auth-warning", "-u", &format!("redis://:pw@127.0.0.1:{port}"), "ping"]);
    assert_eq!(r.err, "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n");
    let r = run(&["-u", "http://127.0.0.1", "ping"]);
    assert_eq!((r.code, r.err.as_str()), (1, "Invalid URI scheme\n"));
}

#[test]
fn database_option() {
    let server = TestServer::start();
    let c = Client::new(&server);
    assert_eq!(c.run(&["-n", "2", "set", "k", "two"]).out, "OK\n");
    assert_eq!(c.run(&["-n", "2", "get", "k"]).out, "two\n");
    assert_eq!(c.run(&["get", "k"]).out, "\n");
    let r = c.run(&["-n", "99", "ping"]);
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (0, "PONG\n", "SELECT 99 failed: ERR DB index is out of range\n")
    );
}

#[test]
fn repeat_interval_and_stdin_argument() {
    let server = TestServer::start();
    let c = Client::new(&server);
    assert_eq!(c.run(&["-r", "3", "incr", "n"]).out, "1\n2\n3\n");
    let started = Instant::now();
    assert_eq!(c.run(&["-r", "3", "-i", "0.1", "incr", "n"]).out, "4\n5\n6\n");
    assert!(started.elapsed() >= Duration::from_millis(250), "-i 0.1 waits between repetitions");
    // -r -1 repeats until killed.
    let mut cmd = c.cmd(&["-r", "-1", "-i", "0.01", "ping"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    let _ = child.wait();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.matches("PONG\n").count() >= 5, "{out:?}");
    // ... or until its stdout goes away (SIGPIPE, as `redis-cli -r -1 ping | head -1`).
    let mut cmd = c.cmd(&["-r", "-1", "ping"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut first = [0u8; 5];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    assert_eq!((&first, exit_code(wait_bounded(&mut child))), (b"PONG\n", -libc::SIGPIPE));
    // -x: the last argument is all of stdin, newline included.
    let r = c.run_stdin(&["-x", "set", "blob"], b"hello\n");
    assert_eq!(r.out, "OK\n");
    assert_eq!(c.run_tty(&["get", "blob"]).out, "\"hello\\n\"\n");
}

#[test]
fn exit_codes() {
    let server = TestServer::start();
    let c = Client::new(&server);
    raw_call(&server, &["SET", "s", "v"]);
    let r = c.run(&["hgetall", "s"]);
    assert_eq!(r.code, 0);
    let r = c.run(&["-e", "hgetall", "s"]);
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (1, "", "WRONGTYPE Operation against a key holding the wrong kind of value\n")
    );
    assert_eq!(c.run(&["-e", "get", "s"]).code, 0);
    // Nothing listening: redis-cli's message and status 1.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = cli(c.home.path());
    cmd.args(["-p", &free.to_string(), "ping"]);
    let r = run_cmd(cmd, b"");
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (1, "", format!("Could not connect to Redis at 127.0.0.1:{free}: Connection refused\n").as_str())
    );
    let r = c.run(&["--bogus"]);
    assert_eq!((r.code, r.err.as_str()), (1, "Unrecognized option or bad number of args for: '--bogus'\n"));
    let r = c.run(&["-n"]);
    assert_eq!((r.code, r.err.as_str()), (1, "Unrecognized option or bad number of args for: '-n'\n"));
    let r = run_cmd(
        {
            let mut cmd = cli(c.home.path());
            cmd.arg("--version");
            cmd
        },
        b"",
    );
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, format!("redis-cli 7.0.15 (ferrokv {})\n", env!("CARGO_PKG_VERSION")).as_str())
    );
    let r = c.run(&["--help"]);
    assert!(r.code == 0 && r.out.contains("Usage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]"), "{}", r.out);
}

#[test]
fn scan_mode() {
    let server = TestServer::start();
    let c = Client::new(&server);
    for i in 0..30 {
        raw_call(&server, &["SET", &format!("key:{i:02}"), "v"]);
    }
    raw_call(&server, &["SET", "other", "v"]);
    let sorted = |s: &str| {
        let mut lines: Vec<&str> = s.lines().collect();
        lines.sort();
        lines.join("\n")
    };
    let r = c.run(&["--scan", "--pattern", "key:1*"]);
    assert_eq!(sorted(&r.out), (10..20).map(|i| format!("key:{i}")).collect::<Vec<_>>().join("\n"));
    let r = c.run(&["--scan", "--count", "2"]);
    assert_eq!(r.out.lines().count(), 31);
    assert_eq!(c.run(&["--scan", "--pattern", "nothing*"]).out, "");
    // On a terminal each key is quoted.
    assert_eq!(c.run_tty(&["--scan", "--pattern", "oth*"]).out, "\"other\"\n");
}

#[test]
fn pipe_mode() {
    let server = TestServer::start();
    let c = Client::new(&server);
    let mut input = b"SET p1 1\r\nINCR p1\r\n".to_vec();
    for i in 0..100 {
        input.extend_from_slice(
            format!("*3\r\n$5\r\nRPUSH\r\n$2\r\npl\r\n${}\r\n{i}\r\n", i.to_string().len()).as_bytes(),
        );
    }
    let r = c.run_stdin(&["--pipe"], &input);
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (0, "All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 0, replies: 102\n", "")
    );
    assert_eq!(raw_call(&server, &["LLEN", "pl"]), b":100\r\n");
    assert_eq!(raw_call(&server, &["GET", "p1"]), b"$1\r\n2\r\n");
    let r = c.run_stdin(&["--pipe"], b"SET a 1\r\nNOSUCH x\r\n");
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (
            1,
            "All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 1, replies: 2\n",
            "ERR unknown command 'NOSUCH', with args beginning with: 'x' \n"
        )
    );
}

#[test]
fn unix_socket_option() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redis.sock");
    // ferrokv listens on TCP only: a proxy gives the client a Unix socket to talk to.
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let addr = server.addr();
    std::thread::spawn(move || {
        if let Ok((unix, _)) = listener.accept() {
            let tcp = std::net::TcpStream::connect(addr).unwrap();
            let (mut ur, mut tw) = (unix.try_clone().unwrap(), tcp.try_clone().unwrap());
            std::thread::spawn(move || std::io::copy(&mut ur, &mut tw));
            let (mut tr, mut uw) = (tcp, unix);
            let _ = std::io::copy(&mut tr, &mut uw);
        }
    });
    let mut cmd = cli(dir.path());
    cmd.args(["-s", path.to_str().unwrap(), "ping"]);
    let r = run_cmd(cmd, b"");
    assert_eq!((r.code, r.out.as_str()), (0, "PONG\n"));
    let mut cmd = cli(dir.path());
    cmd.args(["-s", "/nonexistent/redis.sock", "ping"]);
    let r = run_cmd(cmd, b"");
    assert_eq!(
        (r.code, r.err.as_str()),
        (1, "Could not connect to Redis at /nonexistent/redis.sock: No such file or directory\n")
    );
}

#[test]
fn piped_stdin_is_the_repl() {
    let server = TestServer::start();
    let c = Client::new(&server);
    let input = b"ping\n\n   \nset \"a b\" \"c\\x41\"\nget \"a b\"\nset a \"unbalanced\n3 incr n\n0 ping\n\
select 2\nset in2 x\nmulti\nincr q\nexec\nquit\nping\n";
    let r = c.run_stdin(&[], input);
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (0, "PONG\nOK\ncA\nInvalid argument(s)\n1\n2\n3\nInvalid redis-cli repeat command option value.\nOK\nOK\nOK\nQUEUED\n1\n", "")
    );
    assert_eq!(raw_call(&server, &["GET", "in2"]), b"$-1\r\n", "SELECT 2 applied to the REPL's connection only");
    // Standard mode when stdout is a terminal; slow commands print their time.
    let r = c.run_stdin(&["--no-raw"], b"get nokey\nblpop nolist 0.6\nhgetall n\n");
    let timing = r.out.lines().nth(2).unwrap_or_default().to_string();
    assert!(timing.starts_with("(0.") && timing.ends_with("s)"), "{:?}", r.out);
    assert_eq!(
        r.out.replace(&format!("{timing}\n"), ""),
        "(nil)\n(nil)\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n"
    );
}

#[test]
fn interactive_prompt_and_history() {
    let server = TestServer::start_with(|c| c.requirepass = Some(b"pw".to_vec()));
    let home = tempfile::tempdir().unwrap();
    let port = server.addr().port();
    let pty = Pty::open();
    let mut cmd = cli(home.path());
    cmd.args(["-p", &port.to_string(), "-n", "3"]).env("TERM", "xterm");
    cmd.stdin(pty.slave_stdio()).stdout(pty.slave_stdio()).stderr(pty.slave_stdio());
    let mut child = cmd.spawn().unwrap();
    let reader = pty.reader();
    let mut keys = pty.master.try_clone().unwrap();
    // No password yet: SELECT fails, so the prompt shows no database.
    reader.wait_for(&format!("127.0.0.1:{port}> "), 1);
    let mut type_line = |line: &str| keys.write_all(format!("{line}\r").as_bytes()).unwrap();
    type_line("auth pw");
    // After AUTH the database asked for with -n is selected again.
    reader.wait_for(&format!("127.0.0.1:{port}[3]> "), 1);
    type_line("multi");
    reader.wait_for(&format!("127.0.0.1:{port}[3](TX)> "), 1);
    type_line("incr x");
    reader.wait_for("QUEUED", 1);
    type_line("exec");
    reader.wait_for("1) (integer) 1", 1);
    type_line("select 0");
    reader.wait_for(&format!("127.0.0.1:{port}> "), 2);
    keys.write_all(b"\x04").unwrap();
    let status = wait_bounded(&mut child);
    drop(pty.slave);
    assert_eq!(exit_code(status), 0, "{}", reader.text());
    let history = std::fs::read_to_string(home.path().join(".rediscli_history")).unwrap();
    assert_eq!(history, "multi\nincr x\nexec\nselect 0\n", "AUTH is kept out of the history");
}

#[test]
fn interactive_without_a_writable_home() {
    let server = TestServer::start();
    // HOME unset (uid 999 in a scratch image has no passwd entry), then unwritable.
    for unset in [true, false] {
        let pty = Pty::open();
        let mut cmd = cli(std::path::Path::new("/nonexistent/home"));
        if unset {
            cmd.env_remove("HOME");
        }
        cmd.args(["-p", &server.addr().port().to_string()]).env("TERM", "xterm");
        cmd.stdin(pty.slave_stdio()).stdout(pty.slave_stdio()).stderr(pty.slave_stdio());
        let mut child = cmd.spawn().unwrap();
        let reader = pty.reader();
        let mut keys = pty.master.try_clone().unwrap();
        reader.wait_for("> ", 1);
        keys.write_all(b"ping\r").unwrap();
        reader.wait_for("PONG", 1);
        keys.write_all(b"\x04").unwrap();
        assert_eq!(exit_code(wait_bounded(&mut child)), 0, "{}", reader.text());
        drop(pty.slave);
    }
}

/// Sends SIGINT to a child, as Ctrl-C does.
fn interrupt(child: &Child) {
    // SAFETY: kill() with a pid we spawned and still own (not yet waited for).
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
}

#[test]
fn subscribe_streams_until_interrupted() {
    let server = TestServer::start();
    let c = Client::new(&server);
    let pty = Pty::open();
    let mut cmd = c.cmd(&["subscribe", "ch"]);
    cmd.stdin(Stdio::null()).stdout(pty.slave_stdio()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let reader = pty.reader();
    drop(pty.slave);
    reader.wait_for("3) (integer) 1", 1);
    assert_eq!(raw_call(&server, &["PUBLISH", "ch", "hello"]), b":1\r\n");
    reader.wait_for("\"hello\"", 1);
    interrupt(&child);
    // One-shot mode keeps SIGINT's default action, as redis-cli does.
    assert_eq!(exit_code(wait_bounded(&mut child)), -libc::SIGINT);
    assert_eq!(
        reader.finish().replace("\r\n", "\n"),
        "Reading messages... (press Ctrl-C to quit)\n1) \"subscribe\"\n2) \"ch\"\n3) (integer) 1\n\
         1) \"message\"\n2) \"ch\"\n3) \"hello\"\n"
    );
    // In the REPL, Ctrl-C ends the stream and the next line runs on a new connection.
    let mut cmd = c.cmd(&[]);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"subscribe ch\n").unwrap();
    let deadline = Instant::now() + CHILD_TIMEOUT;
    while raw_call(&server, &["PUBSUB", "NUMSUB", "ch"]) != b"*2\r\n$2\r\nch\r\n:1\r\n" {
        assert!(Instant::now() < deadline, "the REPL never subscribed");
        std::thread::sleep(Duration::from_millis(10));
    }
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(300));
    stdin.write_all(b"ping\n").unwrap();
    drop(stdin);
    let status = wait_bounded(&mut child);
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert_eq!((exit_code(status), out.as_str()), (0, "subscribe\nch\n1\nPONG\n"));
}

#[test]
fn monitor_streams_until_interrupted() {
    let server = TestServer::start();
    let c = Client::new(&server);
    let mut cmd = c.cmd(&["monitor"]);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // Another client's commands stream in until the monitor is interrupted.
    let mut other = server.connect();
    other.call(&["SET", "oauth:state:1", "v"]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none());
    interrupt(&child);
    assert_eq!(exit_code(wait_bounded(&mut child)), -libc::SIGINT);
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], "OK");
    assert!(lines[1].contains(" [0 127.0.0.1:") && lines[1].ends_with("] \"SET\" \"oauth:state:1\" \"v\""), "{out}");
}

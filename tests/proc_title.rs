//! The server's process title (src/server/proc_title.rs, `Config::proc_title`): the
//! binary started with `--requirepass` must show Redis's title in /proc/PID/cmdline (what
//! `ps` prints) and nothing of its arguments; `set-proc-title no` leaves them.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (by its PID) when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server with `args` after `--port P --bind 127.0.0.1 --save ""`; returns it
/// once it listens, with its port and /proc/PID/cmdline.
fn start(args: &[&str]) -> (Running, u16, Vec<u8>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while common::RawConnection::connect(([127, 0, 0, 1], port).into()).is_err() {
        assert!(server.0.try_wait().unwrap().is_none(), "the server exited");
        assert!(Instant::now() < deadline, "the server did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", server.0.id())).unwrap();
    (server, port, cmdline)
}

/// The title in `cmdline`, checking that only NUL bytes follow it.
fn title(cmdline: &[u8]) -> String {
    let end = cmdline.iter().position(|&b| b == 0).unwrap_or(cmdline.len());
    assert!(cmdline[end..].iter().all(|&b| b == 0), "argument bytes left after the title: {cmdline:?}");
    String::from_utf8_lossy(&cmdline[..end]).into_owned()
}

#[test]
fn the_title_replaces_the_arguments() {
    let (_server, port, cmdline) = start(&["--requirepass", "s3cret-pass"]);
    assert_eq!(title(&cmdline), format!("{} 127.0.0.1:{port}", env!("CARGO_BIN_EXE_ferrokv-server")));
    assert!(!String::from_utf8_lossy(&cmdline).contains("s3cret"));
}

#[test]
fn the_template_is_honoured() {
    let (_server, port, cmdline) =
        start(&["--proc-title-template", "kv {port} {{x} {server-mode}", "--requirepass", "p"]);
    assert_eq!(title(&cmdline), format!("kv {port} {{x}}"));
}

#[test]
fn set_proc_title_no_leaves_the_command_line() {
    let (_server, port, cmdline) = start(&["--set-proc-title", "no"]);
    let args: Vec<String> = cmdline.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let port = port.to_string();
    let want = [env!("CARGO_BIN_EXE_ferrokv-server"), "--port", &port, "--bind", "127.0.0.1"];
    assert_eq!(&args[..5], &want);
    assert!(args.contains(&"no".to_string()));
}

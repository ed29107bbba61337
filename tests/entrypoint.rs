//! `docker-entrypoint` (src/entrypoint.rs) run as a real process, the way the image runs
//! it: a `PATH` holding links to the binary, a data directory as working directory, a
//! cleared environment. As root (CI and the container) it must chown the data, drop to
//! 999:1000 with `no_new_privs`, and exec the server; as another user it must run the
//! server as that user. Either way the password from `REDIS_PASSWORD` must work without
//! showing in the server's command line or environment.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::RawConnection;

/// A child process killed (by its PID) when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A directory with `docker-entrypoint` and `redis-server` linked to the binary under test.
fn bin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["docker-entrypoint", "redis-server"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), dir.path().join(name)).unwrap();
    }
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `docker-entrypoint args` in `data`, with only `PATH=bin` and `vars` in its environment
/// and umask 0022 (what Docker gives a container).
fn entrypoint(bin: &Path, data: &Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin.join("docker-entrypoint"));
    cmd.args(args).current_dir(data).env_clear().env("PATH", bin).envs(vars.iter().copied());
    // SAFETY: umask is async-signal-safe and touches only the child's file mode mask.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    cmd
}

/// Connects once the server listens, or fails the test after 10 s.
fn connect(port: u16, child: &mut Child) -> RawConnection {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(con) = RawConnection::connect(([127, 0, 0, 1], port).into()) {
            return con;
        }
        assert!(child.try_wait().unwrap().is_none(), "the server exited");
        assert!(Instant::now() < deadline, "the server did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `Name:` line of /proc/PID/status, values only.
fn status_line(pid: u32, name: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name}"));
    line[name.len()..].split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_server_gets_the_data_the_user_and_the_password() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let bin = bin_dir();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("not-data");
    std::fs::write(&target, "x").unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("old.rdb"), "x").unwrap();
    std::os::unix::fs::symlink(&target, data.path().join("link")).unwrap();
    let target_owner = std::fs::metadata(&target).unwrap().uid();

    let port = free_port();
    let args = ["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""];
    let vars = [("REDIS_PASSWORD", "s3cret word")];
    let child = entrypoint(bin.path(), data.path(), &args, &vars).stdout(Stdio::null()).spawn().unwrap();
    let mut server = Running(child);
    let mut con = connect(port, &mut server.0);
    let pid = server.0.id();

    assert_eq!(con.call(&["PING"]).unwrap(), b"-NOAUTH Authentication required.\r\n");
    assert_eq!(con.call(&["AUTH", "s3cret word"]).unwrap(), b"+OK\r\n");
    // exec kept the PID: the child we started is the server, titled as Redis titles it.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let title = format!("redis-server 127.0.0.1:{port}");
    assert_eq!(&cmdline[..title.len()], title.as_bytes());
    assert!(cmdline[title.len()..].iter().all(|&b| b == 0), "{cmdline:?}");
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(!String::from_utf8_lossy(&environ).contains("s3cret"), "the password is in the environment");

    assert_eq!(con.call(&["SAVE"]).unwrap(), b"+OK\r\n");
    let dump = std::fs::metadata(data.path().join("dump.rdb")).unwrap();
    assert_eq!(dump.permissions().mode() & 0o777, 0o600, "umask 0022 becomes 0077");
    if root {
        assert_eq!(status_line(pid, "Uid:"), "999 999 999 999");
        assert_eq!(status_line(pid, "Gid:"), "1000 1000 1000 1000");
        assert_eq!(status_line(pid, "Groups:"), "");
        assert_eq!(status_line(pid, "NoNewPrivs:"), "1");
        assert_eq!(status_line(pid, "CapEff:"), "0000000000000000");
        assert_eq!((dump.uid(), dump.gid()), (999, 1000));
        for name in [".", "old.rdb", "link"] {
            let meta = std::fs::symlink_metadata(data.path().join(name)).unwrap();
            assert_eq!(meta.uid(), 999, "{name} given to the redis user");
        }
        assert_eq!(std::fs::metadata(&target).unwrap().uid(), target_owner, "a link's target is left alone");
    } else {
        // SAFETY: as above.
        let uid = unsafe { libc::geteuid() };
        assert_eq!(status_line(pid, "Uid:"), format!("{uid} {uid} {uid} {uid}"));
    }
}

#[test]
fn a_command_line_password_wins_and_none_at_all_is_warned_about() {
    let bin = bin_dir();
    let data = tempfile::tempdir().unwrap();
    let secret = data.path().join("secret");
    std::fs::write(&secret, "from-file\n").unwrap();
    let port = free_port();
    let args = ["redis-server", "--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""];
    let with_flag: Vec<&str> = args.iter().copied().chain(["--requirepass", "flag"]).collect();
    let vars = [("REDIS_PASSWORD_FILE", secret.to_str().unwrap()), ("SKIP_DROP_PRIVS", "1")];
    let child = entrypoint(bin.path(), data.path(), &with_flag, &vars).stdout(Stdio::null()).spawn().unwrap();
    let mut server = Running(child);
    let mut con = connect(port, &mut server.0);
    assert!(con.call(&["AUTH", "from-file"]).unwrap().starts_with(b"-WRONGPASS"));
    assert_eq!(con.call(&["AUTH", "flag"]).unwrap(), b"+OK\r\n");
    // SKIP_DROP_PRIVS: whoever started it, the server runs as that user.
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(status_line(server.0.id(), "Uid:"), format!("{uid} {uid} {uid} {uid}"));
    drop(server);

    let port = free_port();
    let args = ["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""];
    let child = entrypoint(bin.path(), data.path(), &args, &[("SKIP_DROP_PRIVS", "1")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let mut con = connect(port, &mut server.0);
    assert_eq!(con.call(&["PING"]).unwrap(), b"+PONG\r\n");
    let _ = server.0.kill();
    let out = stderr_of(&mut server.0);
    assert!(out.contains("WARNING: redis-server is starting WITHOUT A PASSWORD."), "{out}");
}

#[test]
fn other_commands_run_as_given() {
    let bin = bin_dir();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), bin.path().join("redis-check-rdb")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = entrypoint(bin.path(), data.path(), &["redis-check-rdb", "missing.rdb"], &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[offset 0] Checking RDB file missing.rdb\n");
    let out = entrypoint(bin.path(), data.path(), &["no-such-program"], &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("docker-entrypoint: exec no-such-program: "));
    let both = [("REDIS_PASSWORD", "a"), ("REDIS_PASSWORD_FILE", "/nonexistent")];
    let out = entrypoint(bin.path(), data.path(), &[], &both).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "docker-entrypoint: both REDIS_PASSWORD and REDIS_PASSWORD_FILE are set (but are exclusive)\n"
    );
}

/// What a child (killed or exited) wrote to its piped stderr.
fn stderr_of(child: &mut Child) -> String {
    let _ = child.wait();
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut text);
    }
    text
}

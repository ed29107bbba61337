//! `docker-entrypoint`: the container image's ENTRYPOINT, doing what the official
//! `redis:7` image's `docker-entrypoint.sh` does, without a shell or `gosu` (our image is
//! `FROM scratch`):
//!
//! 1. A first argument starting with `-` or ending in `.conf` runs `redis-server` with
//!    the arguments (`docker run IMAGE --port 7000`); no arguments at all run
//!    `redis-server`.
//! 2. For `redis-server` started as root: the owner (not the group) of every file under
//!    the working directory (`/data`) not owned by uid 999 becomes 999, like the official
//!    `find . \! -user redis -exec chown redis '{}' +` (but with `lchown`: a symbolic
//!    link is changed itself, never the file it points to). `SKIP_FIX_PERMS` turns this
//!    off. Then privileges are dropped to uid 999 / gid 1000 with no supplementary
//!    groups and `no_new_privs` set, as the 8.x image's `setpriv --clear-groups --nnp`;
//!    `SKIP_DROP_PRIVS` keeps root.
//! 3. A umask of 0022 becomes 0077, for any command (data files come out 0600).
//! 4. From the 8.x image: `REDIS_PASSWORD`, or the first line of the file named by
//!    `REDIS_PASSWORD_FILE` (Docker secrets), becomes the server's `requirepass`
//!    without appearing on any command line: it is written to an anonymous memory file
//!    the server inherits and reads with `--include /proc/self/fd/N`, placed before the
//!    other options so a `--requirepass` on the command line still wins. A server
//!    about to start with no password at all gets a loud warning on stderr unless
//!    `SKIP_PASSWORD_WARNING` is set.
//! 5. The command is `exec`'d (found on `PATH`; our own names fall back to this very
//!    binary), so `redis-server` is PID 1 and receives `docker stop`'s SIGTERM.
//!
//! What it must not do: run the server in-process (the server must be PID 1 under its
//! own name and title), or touch files outside the working directory.
//! Called by `src/main.rs` when the binary runs as `docker-entrypoint`.

use std::ffi::CString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;

/// The `redis` user of the official image: uid 999, gid 1000 ("alpine already has a gid 999").
pub const REDIS_UID: u32 = 999;
/// The `redis` group of the official image.
pub const REDIS_GID: u32 = 1000;

/// The names of this binary that the entrypoint may run even when `PATH` lacks them.
const OWN_NAMES: &[&str] = &["redis-server", "ferrokv-server", "redis-check-aof", "redis-check-rdb"];

/// What the entrypoint will do, decided from the arguments, environment and uid alone.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    /// The command to exec, program first.
    pub command: Vec<String>,
    /// Is the command the server (the steps below apply only to it)?
    pub server: bool,
    /// Give the data files to uid 999 first.
    pub fix_perms: bool,
    /// Become uid 999 / gid 1000 before exec.
    pub drop_privs: bool,
    /// `requirepass` from `REDIS_PASSWORD` / `REDIS_PASSWORD_FILE`.
    pub password: Option<Vec<u8>>,
    /// Warn when the server would start without a password.
    pub warn_without_password: bool,
}

/// Runs the entrypoint on `argv` (its own name first); returns only on failure, with
/// the exit code (127 when the command is not found, as a shell's `exec`).
pub fn main(argv: &[String]) -> i32 {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let mut plan = match plan(argv.get(1..).unwrap_or_default(), &env, uid) {
        Ok(p) => p,
        Err(e) => return fail(&e, 1),
    };
    if let Some(password) = plan.password.take() {
        match password_include(&password) {
            Ok(path) => {
                let at = 1 + include_position(&plan.command[1..]);
                plan.command.splice(at..at, ["--include".to_string(), path]);
            }
            Err(e) => return fail(&format!("can't pass the password to the server: {e}"), 1),
        }
        plan.warn_without_password = false;
    }
    if plan.fix_perms {
        fix_ownership(Path::new("."), REDIS_UID);
    }
    if plan.drop_privs {
        if let Err(e) = drop_privileges(REDIS_UID, REDIS_GID) {
            return fail(&format!("can't drop privileges to {REDIS_UID}:{REDIS_GID}: {e}"), 1);
        }
    }
    // SAFETY: umask only swaps the process's file mode mask.
    unsafe {
        let old = libc::umask(0o077);
        if old != 0o022 {
            libc::umask(old);
        }
    }
    // Read as the user the server will run as, so a log file the configuration names is
    // created (as the server would) with the right owner.
    if plan.warn_without_password && !server_has_password(&plan.command[1..]) {
        let _ = std::io::stderr().write_all(NO_PASSWORD_WARNING.as_bytes());
    }
    exec(&plan.command, plan.server)
}

/// Decides what to run; `env` answers non-empty environment variables. Fails when the
/// password settings contradict each other or the password file can't be read.
pub fn plan(args: &[String], env: &dyn Fn(&str) -> Option<String>, uid: u32) -> Result<Plan, String> {
    let mut command: Vec<String> = args.to_vec();
    let wants_server = |first: &str| first.starts_with('-') || first.ends_with(".conf");
    if command.first().is_none_or(|first| wants_server(first)) {
        command.insert(0, "redis-server".to_string());
    }
    let server = matches!(command[0].as_str(), "redis-server" | "ferrokv-server");
    if !server {
        let nothing =
            Plan { command, server, fix_perms: false, drop_privs: false, password: None, warn_without_password: false };
        return Ok(nothing);
    }
    let root = uid == 0;
    Ok(Plan {
        command,
        server,
        fix_perms: root && env("SKIP_FIX_PERMS").is_none(),
        drop_privs: root && env("SKIP_DROP_PRIVS").is_none(),
        password: password(env)?,
        warn_without_password: env("SKIP_PASSWORD_WARNING").is_none(),
    })
}

/// `REDIS_PASSWORD`, or the first line of `REDIS_PASSWORD_FILE` (its `\n` or `\r\n`
/// dropped); both at once is an error, as with other images' `_FILE` variables.
fn password(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Vec<u8>>, String> {
    match (env("REDIS_PASSWORD"), env("REDIS_PASSWORD_FILE")) {
        (Some(_), Some(_)) => Err("both REDIS_PASSWORD and REDIS_PASSWORD_FILE are set (but are exclusive)".into()),
        (Some(p), None) => Ok(Some(p.into_bytes())),
        (None, Some(path)) => {
            let text = std::fs::read(&path).map_err(|e| format!("REDIS_PASSWORD_FILE {path}: {e}"))?;
            let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                return Err(format!("REDIS_PASSWORD_FILE {path}: the first line is empty"));
            }
            Ok(Some(line.to_vec()))
        }
        (None, None) => Ok(None),
    }
}

/// Where `--include` goes among the server's arguments: after a configuration file
/// (a first argument not starting with `-`) and after a leading `-` (standard input),
/// before every option, so options given on the command line override it.
pub fn include_position(server_args: &[String]) -> usize {
    match server_args.first() {
        Some(first) if first == "-" || !first.starts_with('-') => 1,
        _ => 0,
    }
}

/// Writes `requirepass "<password>"` to an anonymous memory file left open (not
/// close-on-exec) for the server; returns the path the server reads it by.
fn password_include(password: &[u8]) -> Result<String, String> {
    let mut line = b"requirepass ".to_vec();
    crate::sds::quote_arg(password, &mut line);
    line.push(b'\n');
    let name = CString::new("ferrokv-requirepass").map_err(|e| e.to_string())?;
    // SAFETY: memfd_create reads a NUL-terminated name and returns a new descriptor.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    // SAFETY: `line` is a live buffer of `line.len()` bytes; `fd` is ours. A memory file
    // takes a write this small whole.
    let written = unsafe { libc::write(fd, line.as_ptr().cast(), line.len()) };
    if written != line.len() as isize {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(format!("/proc/self/fd/{fd}"))
}

/// Gives every file under `dir` (itself included) not owned by `uid` to `uid`, keeping
/// its group; symbolic links are changed themselves and never followed. Failures are
/// reported and skipped: the server says so loudly if it then can't write.
pub fn fix_ownership(dir: &Path, uid: u32) {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return;
    };
    if meta.uid() != uid {
        if let Err(e) = std::os::unix::fs::lchown(dir, Some(uid), None) {
            eprintln!("docker-entrypoint: chown {}: {e}", dir.display());
        }
    }
    if !meta.is_dir() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("docker-entrypoint: can't read {}", dir.display());
        return;
    };
    for entry in entries.flatten() {
        fix_ownership(&entry.path(), uid);
    }
}

/// Becomes `uid`:`gid` with no supplementary groups, and sets `no_new_privs` so nothing
/// exec'd later (a setuid binary on a volume) can gain privileges back.
fn drop_privileges(uid: u32, gid: u32) -> Result<(), std::io::Error> {
    let check = |rc: libc::c_int| if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) };
    // SAFETY: each call changes only this process's credentials; no pointers but the
    // null group list with a count of 0.
    unsafe {
        check(libc::setgroups(0, std::ptr::null()))?;
        check(libc::setgid(gid))?;
        check(libc::setuid(uid))?;
        check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
    }
    Ok(())
}

/// Does the server's configuration (file and options, as the server will read them) set
/// a password, or users? Unknown (standard input, flags like `--version`, an error the
/// server will report itself) counts as yes: no warning.
fn server_has_password(server_args: &[String]) -> bool {
    let info_only = ["-v", "--version", "-h", "--help", "--test-memory", "--check-system"];
    if server_args.iter().any(|a| info_only.contains(&a.as_str())) || crate::Config::wants_stdin(server_args) {
        return true;
    }
    match crate::Config::from_args(server_args) {
        Ok(c) => c.requirepass.is_some() || !c.users.is_empty() || !c.aclfile.is_empty(),
        Err(_) => true,
    }
}

/// Replaces this process with `command`. Our own names not found on `PATH` run this
/// binary under that name. Returns only on failure.
fn exec(command: &[String], server: bool) -> i32 {
    let (program, args) = command.split_first().expect("the plan always names a program");
    let prepare = |cmd: &mut std::process::Command| {
        cmd.arg0(program).args(args);
        // The password reached the server by its memory file; don't leave it readable in
        // the server's /proc/PID/environ too.
        if server {
            cmd.env_remove("REDIS_PASSWORD");
        }
    };
    let mut cmd = std::process::Command::new(program);
    prepare(&mut cmd);
    let mut err = cmd.exec();
    if err.kind() == std::io::ErrorKind::NotFound && OWN_NAMES.contains(&program.as_str()) {
        let mut cmd = std::process::Command::new("/proc/self/exe");
        prepare(&mut cmd);
        err = cmd.exec();
    }
    let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    fail(&format!("exec {program}: {err}"), code)
}

fn fail(message: &str, code: i32) -> i32 {
    eprintln!("docker-entrypoint: {message}");
    code
}

/// Printed when the server is about to start with no password and no users.
const NO_PASSWORD_WARNING: &str = "\
#########################################################################
#  WARNING: redis-server is starting WITHOUT A PASSWORD.                #
#  Any client that can reach its port can read and change every key.    #
#  Set REDIS_PASSWORD or REDIS_PASSWORD_FILE, or pass --requirepass.    #
#  Set SKIP_PASSWORD_WARNING=1 to silence this warning.                 #
#########################################################################
";

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn plan_with(args: &[&str], vars: &[(&str, &str)], uid: u32) -> Result<Plan, String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        plan(&strings(args), &env, uid)
    }

    #[test]
    fn options_and_conf_files_run_the_server() {
        for (args, command) in [
            (&[][..], &["redis-server"][..]),
            (&["--port", "7000"], &["redis-server", "--port", "7000"]),
            (&["-"], &["redis-server", "-"]),
            (&["/etc/redis.conf"], &["redis-server", "/etc/redis.conf"]),
            (&["redis-server", "--save", ""], &["redis-server", "--save", ""]),
            (&["redis-cli", "ping"], &["redis-cli", "ping"]),
            (&["sh"], &["sh"]),
        ] {
            assert_eq!(plan_with(args, &[], 0).unwrap().command, strings(command), "{args:?}");
        }
    }

    #[test]
    fn root_fixes_and_drops_unless_told_not_to() {
        let p = plan_with(&["redis-server"], &[], 0).unwrap();
        assert!(p.server && p.fix_perms && p.drop_privs && p.warn_without_password);
        let p = plan_with(&["redis-server"], &[("SKIP_FIX_PERMS", "1"), ("SKIP_DROP_PRIVS", "1")], 0).unwrap();
        assert!(!p.fix_perms && !p.drop_privs);
        let p = plan_with(&["redis-server"], &[], 999).unwrap();
        assert!(!p.fix_perms && !p.drop_privs, "not root: nothing to fix or drop");
        let p = plan_with(&["redis-cli", "ping"], &[("REDIS_PASSWORD", "pw")], 0).unwrap();
        assert!(!p.server && !p.fix_perms && !p.drop_privs && p.password.is_none() && !p.warn_without_password);
        let p = plan_with(&["redis-server"], &[("SKIP_PASSWORD_WARNING", "1")], 0).unwrap();
        assert!(!p.warn_without_password);
    }

    #[test]
    fn password_from_the_environment_or_a_file() {
        let p = plan_with(&[], &[("REDIS_PASSWORD", "s3cret")], 0).unwrap();
        assert_eq!(p.password, Some(b"s3cret".to_vec()));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from file\r\nsecond line\n").unwrap();
        let path = file.to_str().unwrap();
        let p = plan_with(&[], &[("REDIS_PASSWORD_FILE", path)], 0).unwrap();
        assert_eq!(p.password, Some(b"from file".to_vec()));
        assert_eq!(
            plan_with(&[], &[("REDIS_PASSWORD", "a"), ("REDIS_PASSWORD_FILE", path)], 0),
            Err("both REDIS_PASSWORD and REDIS_PASSWORD_FILE are set (but are exclusive)".into())
        );
        std::fs::write(&file, "\nsecond line\n").unwrap();
        assert_eq!(
            plan_with(&[], &[("REDIS_PASSWORD_FILE", path)], 0),
            Err(format!("REDIS_PASSWORD_FILE {path}: the first line is empty"))
        );
        let missing = dir.path().join("missing");
        let missing = missing.to_str().unwrap();
        assert!(plan_with(&[], &[("REDIS_PASSWORD_FILE", missing)], 0).unwrap_err().contains("No such file"));
    }

    #[test]
    fn the_include_goes_before_the_options() {
        for (args, at) in [
            (&[][..], 0),
            (&["--port", "1"], 0),
            (&["redis.conf", "--port", "1"], 1),
            (&["-", "--port", "1"], 1),
            (&["redis.conf", "-"], 1),
        ] {
            assert_eq!(include_position(&strings(args)), at, "{args:?}");
        }
    }
}

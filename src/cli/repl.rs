//! The REPL: commands typed at a prompt on a terminal, or read one per line from a
//! piped stdin (`redis-cli < script`), each line split as redis-cli splits it
//! (`sdssplitargs` quoting, an optional repeat count first: `3 incr x`).
//!
//! Owns the prompt (`127.0.0.1:6379[2](TX)> `, `not connected> `), the line editor
//! (rustyline: editing, Ctrl-R, hints from COMMAND DOCS), the history file
//! (`$REDISCLI_HISTFILE` or `~/.rediscli_history`, in linenoise's one-line-per-entry
//! format; with no HOME, or a HOME that cannot be written, there is just no history),
//! the REPL's own commands (`quit`, `exit`, `help`, `connect`, `clear`) and SIGINT
//! (Ctrl-C ends MONITOR/SUBSCRIBE and returns to the prompt or the next line; during
//! any other command it exits with status 1, as redis-cli does).
//!
//! Like redis-cli, both forms send `COMMAND DOCS` before the first command; its reply
//! feeds `help` and the hints. A server without COMMAND DOCS just leaves them empty.
//! Must not: keep AUTH or ACL SETUSER lines (passwords) in the history.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use rustyline::error::ReadlineError;
use rustyline::history::MemHistory;
use rustyline::{Config, Editor};

use crate::sds::split_args;

use super::help::Docs;
use super::{Outcome, Session};

/// Raised by the SIGINT handler in the REPL.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Most history entries kept (linenoise's default).
const HISTORY_MAX: usize = 100;

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// The flag reads poll in the REPL; `None` outside it.
pub fn interrupt_flag(repl: bool) -> Option<&'static AtomicBool> {
    repl.then_some(&INTERRUPTED)
}

fn install_sigint_handler() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the
    // function pointer stays valid for the life of the process.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t);
    }
}

/// Runs the REPL until `quit`, end of input or Ctrl-C at the prompt; returns the exit status.
pub fn run(session: &mut Session) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    session.repl = true;
    install_sigint_handler();
    session.connect();
    let docs = fetch_docs(session);
    if interactive {
        run_interactive(session, docs)
    } else {
        run_piped(session, &docs)
    }
}

/// Asks the server for COMMAND DOCS, as redis-cli does before its first prompt.
fn fetch_docs(session: &mut Session) -> Docs {
    let Some(conn) = session.link.as_mut().and_then(|l| l.conn.as_mut()) else {
        return Docs::default();
    };
    match conn.call(&[b"COMMAND".to_vec(), b"DOCS".to_vec()]) {
        Ok(reply) => Docs::from_reply(&reply),
        Err(_) => {
            session.disconnect();
            Docs::default()
        }
    }
}

/// What one input line asks the REPL to do next.
enum Next {
    Continue,
    Quit(i32),
}

fn run_piped(session: &mut Session, docs: &Docs) -> i32 {
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return 0,
            Ok(_) => {}
        }
        if let Next::Quit(code) = run_line(session, docs, &line) {
            return code;
        }
    }
}

/// The prompt for the session's state.
pub fn prompt(session: &Session) -> String {
    let Some(link) = session.link.as_ref().filter(|l| l.conn.is_some()) else {
        return "not connected> ".to_string();
    };
    let mut p = match &session.opts.socket {
        Some(path) => format!("redis {path}"),
        None => format!("{}:{}", session.opts.host, session.opts.port),
    };
    if link.db != 0 {
        p.push_str(&format!("[{}]", link.db));
    }
    if session.in_multi {
        p.push_str("(TX)");
    }
    p.push_str("> ");
    p
}

/// rustyline's helper: hints from COMMAND DOCS, in grey.
struct Hints {
    docs: Docs,
}

impl rustyline::hint::Hinter for Hints {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &rustyline::Context<'_>) -> Option<String> {
        (pos == line.len()).then(|| self.docs.hint(line)).flatten()
    }
}

impl rustyline::highlight::Highlighter for Hints {
    fn highlight_hint<'h>(&self, hint: &'h str) -> std::borrow::Cow<'h, str> {
        std::borrow::Cow::Owned(format!("\x1b[90m{hint}\x1b[0m"))
    }
}

impl rustyline::completion::Completer for Hints {
    type Candidate = String;
}

impl rustyline::validate::Validator for Hints {}

impl rustyline::Helper for Hints {}

/// Where the history lives: `$REDISCLI_HISTFILE`, else `$HOME/.rediscli_history`.
fn history_path() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("REDISCLI_HISTFILE") {
        return (!path.is_empty()).then(|| path.into());
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(std::path::Path::new(&home).join(".rediscli_history"))
}

/// Lines that carry a password are not kept in the history.
fn is_sensitive(args: &[Vec<u8>]) -> bool {
    let word = |i: usize| args.get(i).map(|a| a.to_ascii_lowercase()).unwrap_or_default();
    match word(0).as_slice() {
        b"auth" => true,
        b"acl" => word(1) == b"setuser",
        b"hello" | b"migrate" => {
            args.iter().any(|a| a.eq_ignore_ascii_case(b"auth") || a.eq_ignore_ascii_case(b"auth2"))
        }
        b"config" => word(1) == b"set" && matches!(word(2).as_slice(), b"masterauth" | b"masteruser" | b"requirepass"),
        _ => false,
    }
}

fn run_interactive(session: &mut Session, docs: Docs) -> i32 {
    let config = Config::builder().max_history_size(HISTORY_MAX).map(|b| b.auto_add_history(false).build());
    let config = config.unwrap_or_default();
    let mut editor: Editor<Hints, MemHistory> = match Editor::with_history(config, MemHistory::new()) {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("Error: cannot start the line editor: {e}");
            return 1;
        }
    };
    let help_docs = Docs { commands: docs.commands.clone() };
    editor.set_helper(Some(Hints { docs }));
    let path = history_path();
    let mut entries: Vec<String> = Vec::new();
    if let Some(text) = path.as_ref().and_then(|p| std::fs::read(p).ok()) {
        for line in String::from_utf8_lossy(&text).lines().filter(|l| !l.is_empty()) {
            let _ = editor.add_history_entry(line);
            entries.push(line.to_string());
        }
    }
    loop {
        INTERRUPTED.store(false, Ordering::SeqCst);
        let line = match editor.readline(&prompt(session)) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("Error: {e}");
                return 1;
            }
        };
        if let Some(args) = split_args(line.as_bytes()) {
            if !args.is_empty() && !is_sensitive(&args) && entries.last() != Some(&line) {
                let _ = editor.add_history_entry(line.as_str());
                entries.push(line.clone());
                if entries.len() > HISTORY_MAX {
                    entries.remove(0);
                }
                if let Some(path) = &path {
                    save_history(path, &entries);
                }
            }
        }
        if let Next::Quit(code) = run_line(session, &help_docs, line.as_bytes()) {
            return code;
        }
    }
}

/// Writes the history as linenoise does (one entry per line, mode 0600); a failure
/// (no writable HOME) is silently ignored, as in redis-cli.
fn save_history(path: &std::path::Path, entries: &[String]) {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path);
    if let Ok(mut file) = file {
        let mut text = entries.join("\n");
        text.push('\n');
        let _ = file.write_all(text.as_bytes());
    }
}

/// strtol over a whole word, as redis-cli reads a repeat count: `None` unless every
/// byte was used (an empty word counts, and reads as 0).
fn repeat_count(word: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(word).ok()?;
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.is_empty() {
        return s.is_empty().then_some(0);
    }
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(t.parse::<i64>().unwrap_or(if t.starts_with('-') { i64::MIN } else { i64::MAX }))
}

fn run_line(session: &mut Session, docs: &Docs, line: &[u8]) -> Next {
    let mut stdout = std::io::stdout();
    let Some(mut args) = split_args(line) else {
        let _ = writeln!(stdout, "Invalid argument(s)");
        let _ = stdout.flush();
        return Next::Continue;
    };
    if args.is_empty() {
        return Next::Continue;
    }
    let name = args[0].to_ascii_lowercase();
    match name.as_slice() {
        b"quit" | b"exit" => return Next::Quit(0),
        b"help" | b"?" => {
            let _ = stdout.write_all(docs.help_text(&args[1..]).as_bytes());
            let _ = stdout.flush();
            return Next::Continue;
        }
        b"clear" => {
            let _ = stdout.write_all(b"\x1b[H\x1b[2J");
            let _ = stdout.flush();
            return Next::Continue;
        }
        b"connect" if args.len() >= 2 => {
            session.opts.host = String::from_utf8_lossy(&args[1]).into_owned();
            if let Some(port) = args.get(2) {
                session.opts.port = std::str::from_utf8(port).ok().and_then(|p| p.parse().ok()).unwrap_or(0);
            }
            session.opts.socket = None;
            session.disconnect();
            session.connect();
            return Next::Continue;
        }
        _ => {}
    }
    let mut repeat = 1;
    if args.len() > 1 {
        if let Some(n) = repeat_count(&args[0]) {
            if n <= 0 {
                let _ = writeln!(stdout, "Invalid redis-cli repeat command option value.");
                let _ = stdout.flush();
                return Next::Continue;
            }
            repeat = n;
            args.remove(0);
        }
    }
    match session.run_command(&args, repeat) {
        Outcome::Aborted => Next::Quit(1),
        _ => Next::Continue,
    }
}

/// `--askpass`: reads a password from the terminal without echo.
pub fn ask_password() -> Option<Vec<u8>> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).ok()?;
        return Some(line.trim_end_matches(['\n', '\r']).as_bytes().to_vec());
    }
    eprint!("Please input password: ");
    let _ = std::io::stderr().flush();
    let fd = libc::STDIN_FILENO;
    // SAFETY: tcgetattr/tcsetattr read and write one termios struct owned by this
    // frame, on stdin, which is a terminal (checked above).
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    let have_tty = unsafe { libc::tcgetattr(fd, &mut saved) } == 0;
    if have_tty {
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: as above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if have_tty {
        // SAFETY: as above; restores the saved settings.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    }
    eprintln!();
    read.ok()?;
    Some(line.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_counts_read_like_strtol() {
        assert_eq!(repeat_count(b"3"), Some(3));
        assert_eq!(repeat_count(b"-1"), Some(-1));
        assert_eq!(repeat_count(b""), Some(0));
        assert_eq!(repeat_count(b"3x"), None);
        assert_eq!(repeat_count(b"-"), None);
        assert_eq!(repeat_count(b"ping"), None);
    }

    #[test]
    fn passwords_stay_out_of_history() {
        let args = |s: &str| s.split(' ').map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>();
        assert!(is_sensitive(&args("AUTH pw")));
        assert!(is_sensitive(&args("acl SETUSER u on >pw")));
        assert!(is_sensitive(&args("hello 3 AUTH default pw")));
        assert!(!is_sensitive(&args("hello 3")));
        assert!(!is_sensitive(&args("acl list")));
    }
}

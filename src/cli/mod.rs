//! `redis-cli`: our own client, compatible with redis-cli 7.0.15's command line, its
//! output and its exit codes, run when the binary is called `redis-cli` or
//! `ferrokv-cli`, or as `ferrokv-server --cli ...`.
//!
//! Owns the client's modes: one command from the command line (repeated with `-r`,
//! streaming for SUBSCRIBE and MONITOR), the REPL (`repl.rs`: a prompt on a terminal,
//! one command per line from piped stdin), `--scan` and `--pipe` (`bulk.rs`).
//! `options.rs` reads the command line, `conn.rs` owns the socket and the connect
//! sequence, `format.rs` the text of every reply.
//!
//! Must not: share state with the server side of the crate (it is a plain client that
//! talks RESP over a socket), or install a SIGINT handler outside the REPL: like
//! redis-cli, a one-shot `redis-cli monitor` is ended by the signal itself.

pub mod bulk;
pub mod conn;
pub mod format;
pub mod help;
pub mod options;
pub mod repl;

use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use crate::protocol::Reply;

use conn::{connect, Link, ReadFailure};
use format::{prints_raw, reply_text, Output};
use options::{Options, Parsed};

/// A command shorter than this prints no timing line in the REPL.
const SLOW_COMMAND: Duration = Duration::from_millis(500);

/// Runs the client with `argv` (program name first); returns the exit status.
pub fn main(argv: &[String]) -> i32 {
    let mut opts = Options::default();
    let env_auth = std::env::var_os("REDISCLI_AUTH").map(std::os::unix::ffi::OsStringExt::into_vec);
    match options::parse(argv.get(1..).unwrap_or_default(), env_auth, &mut opts) {
        Ok(Parsed::Run) => {}
        Ok(Parsed::Help) => {
            print!("{}", options::usage_text());
            return 0;
        }
        Ok(Parsed::Version) => {
            print!("{}", options::version_text());
            return 0;
        }
        Err(bad) => {
            eprintln!("{}", bad.0);
            return 1;
        }
    }
    if opts.askpass {
        match repl::ask_password() {
            Some(pw) => {
                opts.password = Some(pw);
                opts.password_on_command_line = false;
            }
            None => return 1,
        }
    }
    if opts.password_on_command_line && !opts.no_auth_warning {
        eprintln!("Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.");
    }
    let stdout_tty = std::io::stdout().is_terminal();
    let output = opts.output.unwrap_or(if stdout_tty { Output::Standard } else { Output::Raw });
    let mut session = Session::new(opts, output);
    let repl =
        session.opts.command.is_empty() && !session.opts.stdin_last_arg && !session.opts.pipe && !session.opts.scan;
    if !repl {
        // Rust ignores SIGPIPE; redis-cli does not outside its REPL, so that
        // `redis-cli -r -1 ping | head -1` ends when head does. Socket writes use
        // MSG_NOSIGNAL and are unaffected.
        // SAFETY: restoring a signal's default action has no preconditions.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    if session.opts.pipe {
        return bulk::pipe_mode(&mut session);
    }
    if session.opts.scan {
        return bulk::scan_mode(&mut session);
    }
    if repl {
        return repl::run(&mut session);
    }
    one_shot(&mut session)
}

/// What a command's run ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every reply arrived (errors included).
    Done,
    /// A reply was an error and `-e` asked to stop on it.
    ErrorReply,
    /// The connection could not be made or was lost.
    ConnectionLost,
    /// Ctrl-C ended a streaming command (REPL only).
    Interrupted,
    /// Ctrl-C during any other command (REPL only): the client exits 1.
    Aborted,
}

/// One client session: the options, the output mode and the link to the server, with
/// what the REPL's prompt shows (database, MULTI).
pub struct Session {
    /// The command line.
    pub opts: Options,
    /// The resolved output mode.
    pub output: Output,
    /// The connection, once made.
    pub link: Option<Link>,
    /// The database the user last selected; restored on reconnection.
    pub wanted_db: i64,
    /// Inside MULTI (the prompt shows `(TX)`).
    pub in_multi: bool,
    /// Running the REPL, at a prompt or from piped stdin: Ctrl-C ends streams (not the
    /// client), slow commands print their time, `-e` does not apply.
    pub repl: bool,
}

impl Session {
    fn new(opts: Options, output: Output) -> Session {
        let wanted_db = opts.db;
        Session { opts, output, link: None, wanted_db, in_multi: false, repl: false }
    }

    /// Connects (again) with the options' credentials and the database last selected;
    /// true when a socket is open.
    pub fn connect(&mut self) -> bool {
        let mut opts = self.opts.clone();
        opts.db = self.wanted_db;
        let mut link = connect(&opts);
        if let (Some(conn), Some(flag)) = (link.conn.as_mut(), repl::interrupt_flag(self.repl)) {
            let _ = conn.set_interrupt(flag);
        }
        let ok = link.conn.is_some();
        self.link = Some(link);
        self.in_multi = false;
        ok
    }

    fn connected(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.conn.is_some())
    }

    /// Drops the connection (the next command reconnects).
    pub fn disconnect(&mut self) {
        if let Some(link) = self.link.as_mut() {
            link.conn = None;
        }
    }

    /// Sends `args` `repeat` times (negative: forever) and prints each reply as
    /// redis-cli does.
    pub fn run_command(&mut self, args: &[Vec<u8>], repeat: i64) -> Outcome {
        if !self.connected() && !self.connect() {
            return Outcome::ConnectionLost;
        }
        let name = args.first().map(|a| a.to_ascii_lowercase()).unwrap_or_default();
        let forced_raw = prints_raw(args);
        let mut stdout = std::io::stdout();
        let mut done = 0i64;
        while repeat < 0 || done < repeat {
            done += 1;
            let started = Instant::now();
            let Some(conn) = self.link.as_mut().and_then(|l| l.conn.as_mut()) else {
                return Outcome::ConnectionLost;
            };
            if let Err(e) = conn.send(args) {
                eprintln!("Error: {}", conn::error_text(&e));
                self.disconnect();
                return Outcome::ConnectionLost;
            }
            if matches!(name.as_slice(), b"subscribe" | b"psubscribe" | b"ssubscribe" | b"monitor") {
                return self.stream(name != b"monitor", started);
            }
            let reply = match self.read_reply() {
                Ok(reply) => reply,
                Err(Outcome::Interrupted) => return Outcome::Aborted,
                Err(outcome) => return outcome,
            };
            if let Reply::Error(e) = &reply {
                if self.opts.exit_on_error && !self.repl {
                    let mut err = std::io::stderr();
                    let _ = err.write_all(e);
                    let _ = err.write_all(b"\n");
                    return Outcome::ErrorReply;
                }
            }
            let _ = stdout.write_all(&reply_text(&reply, self.output, forced_raw));
            self.note_state(args, &name, &reply);
            if self.repl && self.output == Output::Standard && started.elapsed() >= SLOW_COMMAND {
                let _ = writeln!(stdout, "({:.2}s)", started.elapsed().as_secs_f64());
            }
            let _ = stdout.flush();
            if self.opts.interval > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(self.opts.interval));
            }
        }
        Outcome::Done
    }

    /// Reads one reply, reporting a lost connection as redis-cli does.
    fn read_reply(&mut self) -> Result<Reply, Outcome> {
        let Some(conn) = self.link.as_mut().and_then(|l| l.conn.as_mut()) else {
            return Err(Outcome::ConnectionLost);
        };
        match conn.read_reply() {
            Ok(reply) => Ok(reply),
            Err(ReadFailure::Interrupted) => {
                self.disconnect();
                Err(Outcome::Interrupted)
            }
            Err(ReadFailure::Closed) => {
                eprintln!("Error: Server closed the connection");
                self.disconnect();
                Err(Outcome::ConnectionLost)
            }
            Err(ReadFailure::Io(e)) => {
                eprintln!("Error: {}", conn::error_text(&e));
                self.disconnect();
                Err(Outcome::ConnectionLost)
            }
        }
    }

    /// SUBSCRIBE and MONITOR: print every reply until the connection ends or Ctrl-C.
    fn stream(&mut self, pubsub: bool, started: Instant) -> Outcome {
        let mut stdout = std::io::stdout();
        if pubsub && self.output != Output::Raw {
            let _ = writeln!(stdout, "Reading messages... (press Ctrl-C to quit)");
            let _ = stdout.flush();
        }
        loop {
            match self.read_reply() {
                Ok(reply) => {
                    let _ = stdout.write_all(&reply_text(&reply, self.output, false));
                    let _ = stdout.flush();
                }
                Err(Outcome::Interrupted) => {
                    if self.output == Output::Standard {
                        let _ = writeln!(stdout, "({:.2}s)", started.elapsed().as_secs_f64());
                        let _ = stdout.flush();
                    }
                    // Back to the prompt on a fresh connection, as redis-cli does.
                    self.connect();
                    return Outcome::Interrupted;
                }
                Err(outcome) => return outcome,
            }
        }
    }

    /// Follows what the prompt shows: the database after SELECT, MULTI until EXEC or
    /// DISCARD; after a successful AUTH, selects the wanted database again.
    fn note_state(&mut self, args: &[Vec<u8>], name: &[u8], reply: &Reply) {
        let ok = !reply.is_error();
        match name {
            b"select" if ok && args.len() == 2 => {
                let db = std::str::from_utf8(&args[1]).ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
                self.wanted_db = db;
                if let Some(link) = self.link.as_mut() {
                    link.db = db;
                }
            }
            b"multi" if ok => self.in_multi = true,
            b"exec" | b"discard" => self.in_multi = false,
            b"hello" if ok => {
                if let (Some(link), Some(v)) = (self.link.as_mut(), args.get(1)) {
                    link.resp = if v.as_slice() == b"3" { 3 } else { 2 };
                }
            }
            b"auth" if ok && self.repl => {
                let current = self.link.as_ref().map(|l| l.db).unwrap_or(0);
                if current != self.wanted_db {
                    let select = vec![b"SELECT".to_vec(), self.wanted_db.to_string().into_bytes()];
                    if let Some(conn) = self.link.as_mut().and_then(|l| l.conn.as_mut()) {
                        if conn.call(&select).is_ok_and(|r| !r.is_error()) {
                            let db = self.wanted_db;
                            if let Some(link) = self.link.as_mut() {
                                link.db = db;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `redis-cli [options] cmd args...`: connect, run the command, exit 0 unless the
/// connection failed or `-e` saw an error reply.
fn one_shot(session: &mut Session) -> i32 {
    let mut args = session.opts.command.clone();
    if session.opts.stdin_last_arg {
        let mut last = Vec::new();
        if std::io::stdin().read_to_end(&mut last).is_err() {
            last.clear();
        }
        args.push(last);
        session.opts.command = args.clone();
    }
    if !session.connect() {
        return 1;
    }
    match session.run_command(&args, session.opts.repeat) {
        Outcome::Done | Outcome::Interrupted => 0,
        Outcome::ErrorReply | Outcome::ConnectionLost | Outcome::Aborted => 1,
    }
}

//! The client's connection to a server: a blocking TCP or Unix socket that sends
//! commands as RESP arrays and reads replies back with [`crate::protocol::reader`].
//!
//! Owns the socket, the read buffer and redis-cli's connect sequence (`AUTH`, then
//! `SELECT`, then `HELLO 3`, each only when asked for, each failure reported on stderr
//! in redis-cli's words and ending the sequence). Must not: format replies or decide
//! what to do with them.
//!
//! Blocking I/O rather than tokio: the client does one thing at a time, and a read can
//! be made interruptible (Ctrl-C during MONITOR) with a short read timeout that polls
//! a flag.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::protocol::reader::read_reply;
use crate::protocol::Reply;

use super::options::Options;

/// How often an interruptible read looks at its flag.
const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// The smallest read from the socket.
const READ_CHUNK: usize = 16 * 1024;

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(timeout),
            Stream::Unix(s) => s.set_read_timeout(timeout),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why reading a reply stopped without one.
#[derive(Debug)]
pub enum ReadFailure {
    /// The interrupt flag was raised (Ctrl-C).
    Interrupted,
    /// The server closed the connection.
    Closed,
    /// A socket error, or bytes that are not RESP.
    Io(io::Error),
}

/// One connection to a server.
pub struct Conn {
    stream: Stream,
    /// Bytes read and not yet consumed by a reply.
    buf: Vec<u8>,
    /// A raised flag makes the read in progress give up (set by the SIGINT handler).
    interrupt: Option<&'static AtomicBool>,
}

/// Where the options say to connect, as redis-cli names it in messages
/// (`127.0.0.1:6379` or the socket path).
pub fn address(opts: &Options) -> String {
    match &opts.socket {
        Some(path) => path.clone(),
        None => format!("{}:{}", opts.host, opts.port),
    }
}

/// An I/O error's text without Rust's ` (os error N)` suffix, as C's strerror says it.
pub fn error_text(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    text.strip_prefix("failed to lookup address information: ").map(str::to_string).unwrap_or(text)
}

impl Conn {
    /// Opens the socket the options name; no commands are sent.
    pub fn open(opts: &Options) -> io::Result<Conn> {
        let stream = match &opts.socket {
            Some(path) => Stream::Unix(UnixStream::connect(path)?),
            None => {
                let stream = TcpStream::connect((opts.host.as_str(), opts.port))?;
                stream.set_nodelay(true)?;
                Stream::Tcp(stream)
            }
        };
        Ok(Conn { stream, buf: Vec::new(), interrupt: None })
    }

    /// Makes every later read give up when `flag` is raised.
    pub fn set_interrupt(&mut self, flag: &'static AtomicBool) -> io::Result<()> {
        self.interrupt = Some(flag);
        self.stream.set_read_timeout(Some(INTERRUPT_POLL))
    }

    /// Sends one command as a RESP array of bulk strings.
    pub fn send(&mut self, args: &[Vec<u8>]) -> io::Result<()> {
        let mut out = Vec::with_capacity(16 + args.iter().map(|a| a.len() + 16).sum::<usize>());
        out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for arg in args {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&out)
    }

    /// A second handle on the socket for writing from another thread (`--pipe`).
    pub fn try_clone_writer(&self) -> io::Result<Box<dyn Write + Send>> {
        Ok(match &self.stream {
            Stream::Tcp(s) => Box::new(s.try_clone()?),
            Stream::Unix(s) => Box::new(s.try_clone()?),
        })
    }

    /// Sends bytes as they are (`--pipe`).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads the next reply, waiting as long as it takes (or until interrupted).
    pub fn read_reply(&mut self) -> Result<Reply, ReadFailure> {
        // The reader re-reads an incomplete reply from its start, so a large reply
        // is parsed again only when the buffer has doubled or the socket ran dry.
        let mut failed_at = 0usize;
        let mut drained = true;
        loop {
            if !self.buf.is_empty() && (drained || self.buf.len() >= failed_at.saturating_mul(2)) {
                match read_reply(&self.buf) {
                    Ok(Some((reply, used))) => {
                        self.buf.drain(..used);
                        return Ok(reply);
                    }
                    Ok(None) => failed_at = self.buf.len(),
                    Err(e) => return Err(ReadFailure::Io(io::Error::new(io::ErrorKind::InvalidData, e))),
                }
            }
            let want = READ_CHUNK.max(self.buf.len() / 2);
            let start = self.buf.len();
            self.buf.resize(start + want, 0);
            let got = self.stream.read(&mut self.buf[start..]);
            self.buf.truncate(start + *got.as_ref().unwrap_or(&0));
            match got {
                Ok(0) => return Err(ReadFailure::Closed),
                Ok(n) => drained = n < want,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    drained = true;
                    if self.interrupt.is_some_and(|f| f.load(Ordering::SeqCst)) {
                        return Err(ReadFailure::Interrupted);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    if self.interrupt.is_some_and(|f| f.load(Ordering::SeqCst)) {
                        return Err(ReadFailure::Interrupted);
                    }
                }
                Err(e) => return Err(ReadFailure::Io(e)),
            }
        }
    }

    /// Sends a command and reads its reply.
    pub fn call(&mut self, args: &[Vec<u8>]) -> Result<Reply, ReadFailure> {
        self.send(args).map_err(ReadFailure::Io)?;
        self.read_reply()
    }
}

/// The state of a session's link to the server, as the prompt shows it.
pub struct Link {
    /// The open connection, if any.
    pub conn: Option<Conn>,
    /// The database actually selected on `conn` (0 until a SELECT succeeds).
    pub db: i64,
    /// The protocol `conn` speaks.
    pub resp: u8,
}

/// Connects and runs redis-cli's connect sequence. A socket that cannot be opened is
/// reported (`Could not connect to Redis at ...`) and gives `None`; an AUTH, SELECT or
/// HELLO error is reported and ends the sequence, but the connection is kept, as
/// redis-cli keeps it (the command still runs and gets, say, NOAUTH).
pub fn connect(opts: &Options) -> Link {
    let mut link = Link { conn: None, db: 0, resp: 2 };
    let mut conn = match Conn::open(opts) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("Could not connect to Redis at {}: {}", address(opts), error_text(&e));
            return link;
        }
    };
    let step = |conn: &mut Conn, args: Vec<Vec<u8>>, what: &str| -> bool {
        match conn.call(&args) {
            Ok(Reply::Error(e)) => {
                eprintln!("{what} failed: {}", String::from_utf8_lossy(&e));
                false
            }
            Ok(_) => true,
            Err(_) => false,
        }
    };
    let proceed = match &opts.password {
        Some(password) => {
            let mut args = vec![b"AUTH".to_vec()];
            args.extend(opts.user.clone());
            args.push(password.clone());
            step(&mut conn, args, "AUTH")
        }
        None => true,
    };
    let proceed = proceed
        && (opts.db == 0 || {
            let ok = step(
                &mut conn,
                vec![b"SELECT".to_vec(), opts.db.to_string().into_bytes()],
                &format!("SELECT {}", opts.db),
            );
            if ok {
                link.db = opts.db;
            }
            ok
        });
    if proceed && opts.resp == Some(3) && step(&mut conn, vec![b"HELLO".to_vec(), b"3".to_vec()], "HELLO 3") {
        link.resp = 3;
    }
    link.conn = Some(conn);
    link
}

//! Helpers shared by the integration tests.
//!
//! Owns two things: `TestServer`, a ferrokv server started in-process on
//! 127.0.0.1:0 with its own thread and tokio runtime, stopped when dropped; and
//! `RawConnection`, a plain `TcpStream` that sends commands as RESP multibulk
//! requests and reads each reply back as its exact bytes, for tests that compare
//! replies byte for byte (tests/compat_replay.rs) or probe protocol edge cases.
//!
//! Must not: use a client crate (a client would hide the bytes under test), or
//! block without a timeout: every read gives up after `READ_TIMEOUT`, so a server
//! that never answers fails its test instead of hanging the run.
#![allow(dead_code)] // each test crate includes this module and uses a subset of it

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long any read from the server may block.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the server gets to start listening, and to stop.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(10);
const SERVER_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Bulk lengths above this are treated as a corrupt reply rather than allocated.
const MAX_BULK_LEN: i64 = 1 << 30;

/// A ferrokv server running in this process until dropped.
pub struct TestServer {
    /// The address it listens on: 127.0.0.1 and a port the OS picked.
    addr: SocketAddr,
    /// Sending on (or dropping) this ends `Server::run_until`.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The thread that owns the server's runtime; joined on drop.
    thread: Option<JoinHandle<()>>,
    /// The server's `dir` (snapshots land here), removed on drop unless the test
    /// gave its own directory.
    dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a server with Redis 7.0's defaults, except that it listens on
    /// 127.0.0.1:0 and neither snapshots nor logs an AOF (as the recordings'
    /// redis-server, started with `--save '' --appendonly no`).
    pub fn start() -> TestServer {
        TestServer::start_with(|_| {})
    }

    /// Like `start`, letting the caller adjust the configuration last.
    // Field assignments rather than a struct literal keep this compiling if
    // Config gains private or non-exhaustive fields.
    pub fn start_with(configure: impl FnOnce(&mut ferrokv::Config)) -> TestServer {
        match TestServer::try_start_with(configure) {
            Ok(server) => server,
            Err(e) => panic!("ferrokv test server failed to start: {e}"),
        }
    }

    /// Like `start_with`, returning start-up errors (a bad dump.rdb) instead of
    /// panicking. `dir` is a fresh temporary directory unless `configure` sets one.
    #[allow(clippy::field_reassign_with_default)]
    pub fn try_start_with(configure: impl FnOnce(&mut ferrokv::Config)) -> io::Result<TestServer> {
        let mut config = ferrokv::Config::default();
        config.port = 0;
        config.bind = vec!["127.0.0.1".to_string()];
        config.save = Vec::new();
        config.appendonly = false;
        let temp = tempfile::tempdir()?;
        config.dir = temp.path().display().to_string();
        configure(&mut config);
        let dir = (config.dir == temp.path().display().to_string()).then_some(temp);

        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<SocketAddr>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("ferrokv-test-server".to_string())
            .spawn(move || {
                // Its own runtime, so the server behaves as in production no
                // matter which runtime (if any) the test itself uses.
                let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let server = match ferrokv::Server::bind(config).await {
                        Ok(server) => server,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(server.local_addr()));
                    let stopped = async {
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = server.run_until(stopped).await {
                        eprintln!("ferrokv test server stopped with an error: {e}");
                    }
                });
                runtime.shutdown_timeout(SERVER_STOP_TIMEOUT);
            })
            .expect("spawn the test server thread");

        let addr = match ready_rx.recv_timeout(SERVER_START_TIMEOUT) {
            Ok(Ok(addr)) => addr,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(e) => panic!("ferrokv test server did not report its address: {e}"),
        };
        Ok(TestServer { addr, stop: Some(stop_tx), thread: Some(thread), dir })
    }

    /// The server's data directory, when the harness made it.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A new raw connection to the server; panics if it cannot connect.
    pub fn connect(&self) -> RawConnection {
        RawConnection::connect(self.addr).unwrap_or_else(|e| panic!("connect to ferrokv at {}: {e}", self.addr))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(thread) = self.thread.take() else {
            return;
        };
        // A server that does not stop must not hang the test run: wait a
        // bounded time, then leave its thread to die with the process.
        let deadline = Instant::now() + SERVER_STOP_TIMEOUT;
        while !thread.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        if thread.is_finished() && thread.join().is_err() && !thread::panicking() {
            panic!("the ferrokv test server thread panicked");
        }
    }
}

/// A TCP connection that speaks RESP by hand and returns replies as raw bytes.
pub struct RawConnection {
    /// Buffered read half; a reply's bytes are taken from here frame by frame.
    reader: BufReader<TcpStream>,
    /// Write half (a clone of the same socket).
    writer: TcpStream,
}

impl RawConnection {
    /// Connects with `READ_TIMEOUT` on every read and write.
    pub fn connect(addr: SocketAddr) -> io::Result<RawConnection> {
        let stream = TcpStream::connect_timeout(&addr, READ_TIMEOUT)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let writer = stream.try_clone()?;
        Ok(RawConnection { reader: BufReader::new(stream), writer })
    }

    /// Sends one command as a RESP multibulk request.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        self.writer.write_all(&encode_command(args))
    }

    /// Sends bytes as they are (inline commands, pipelines, malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }

    /// Sends one command and returns its reply, which must be all the server
    /// sent: bytes left over mean a stray reply and fail the call.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Vec<u8>> {
        self.send(args)?;
        let reply = self.read_reply()?;
        if !self.reader.buffer().is_empty() {
            return Err(invalid(format!("bytes after the reply: {}", escape(self.reader.buffer()))));
        }
        Ok(reply)
    }

    /// Returns the raw bytes of one complete RESP2/RESP3 reply, nested
    /// aggregates included. An attribute (`|`) is returned together with the
    /// reply it annotates; a push (`>`) is returned like any aggregate.
    pub fn read_reply(&mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        match self.read_frame(&mut out) {
            Ok(()) => Ok(out),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no complete reply within {READ_TIMEOUT:?}; received so far: {}", escape(&out)),
            )),
            Err(e) => Err(e),
        }
    }

    /// Fails if anything arrives within `wait`: for commands that must not be
    /// answered (under CLIENT REPLY OFF or SKIP).
    pub fn expect_silence(&mut self, wait: Duration) -> io::Result<()> {
        if !self.reader.buffer().is_empty() {
            return Err(invalid(format!("unexpected reply: {}", escape(self.reader.buffer()))));
        }
        self.reader.get_ref().set_read_timeout(Some(wait))?;
        let result = match self.reader.fill_buf() {
            Ok([]) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed by the server")),
            Ok(bytes) => Err(invalid(format!("unexpected reply: {}", escape(bytes)))),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(()),
            Err(e) => Err(e),
        };
        self.reader.get_ref().set_read_timeout(Some(READ_TIMEOUT))?;
        result
    }

    fn read_frame(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        let start = out.len();
        if self.reader.read_until(b'\n', out)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed by the server"));
        }
        let line = &out[start..];
        if line.len() < 3 || !line.ends_with(b"\r\n") {
            return Err(invalid(format!("malformed reply line: {}", escape(line))));
        }
        let kind = line[0];
        match kind {
            b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(()),
            b'$' | b'!' | b'=' => {
                let len = parse_length(line)?;
                if len < 0 {
                    return Ok(());
                }
                let at = out.len();
                out.resize(at + len as usize + 2, 0);
                self.reader.read_exact(&mut out[at..])?;
                if !out.ends_with(b"\r\n") {
                    return Err(invalid(format!("bulk of length {len} not followed by CRLF")));
                }
                Ok(())
            }
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let len = parse_length(line)?;
                if len < 0 {
                    return Ok(());
                }
                let count = if matches!(kind, b'%' | b'|') { 2 * len } else { len };
                for _ in 0..count {
                    self.read_frame(out)?;
                }
                if kind == b'|' {
                    self.read_frame(out)?;
                }
                Ok(())
            }
            _ => Err(invalid(format!("unknown reply type: {}", escape(line)))),
        }
    }
}

/// The length in a `$`/`*`-style header line (which ends in CRLF).
fn parse_length(line: &[u8]) -> io::Result<i64> {
    let digits = &line[1..line.len() - 2];
    let valid = match digits {
        [b'-', rest @ ..] => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
        _ => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
    };
    let len = std::str::from_utf8(digits)
        .ok()
        .filter(|_| valid)
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| invalid(format!("bad length in {}", escape(line))))?;
    if len > MAX_BULK_LEN {
        return Err(invalid(format!("length too large in {}", escape(line))));
    }
    Ok(len)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// One command as a RESP multibulk request.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Bytes as one readable line, the escaping of tests/compat/record.py:
/// printable ASCII kept, backslash as `\\`, CR as `\r`, LF as `\n`, any other
/// byte as `\xHH` (lowercase).
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

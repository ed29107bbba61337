//! A bare socket for protocol tests: bytes out, exact bytes back, and whether the
//! server closed the connection.
//!
//! Owns `Wire`, which `tests/protocol.rs` and `tests/connection.rs` use where
//! `common::RawConnection` cannot help: a reply that must be followed by the server
//! closing the socket, requests written in pieces, a client bound to a source
//! address other than 127.0.0.1, and replies compared as one byte string rather
//! than frame by frame.
//!
//! Must not: block without a limit (every read gives up after `READ_TIMEOUT`, so a
//! server that never answers fails the test instead of hanging it), or interpret
//! the bytes it reads: the tests compare them with what redis-server 7.0.15 sent.
#![allow(dead_code)] // each test crate uses a subset

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::common::escape;

/// How long a read may wait for the next byte.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A raw TCP connection to a server under test.
pub struct Wire {
    /// The socket; reads and writes both block for at most `READ_TIMEOUT`.
    stream: TcpStream,
}

impl Wire {
    /// Connects from 127.0.0.1 (or whatever the OS picks for `addr`).
    pub fn connect(addr: SocketAddr) -> Wire {
        let stream =
            TcpStream::connect_timeout(&addr, READ_TIMEOUT).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        Wire::from_stream(stream)
    }

    /// Connects from `source` (port chosen by the OS). `std::net` cannot bind a
    /// client socket before connecting, so this goes through tokio's `TcpSocket`
    /// on a throwaway runtime and hands back a blocking std socket.
    pub fn connect_from(addr: SocketAddr, source: IpAddr) -> Wire {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a runtime to connect with");
        let stream = runtime.block_on(async {
            let socket = match source {
                IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
                IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
            }
            .expect("create a socket");
            socket
                .bind(SocketAddr::new(source, 0))
                .unwrap_or_else(|e| panic!("bind the client socket to {source}: {e}"));
            let stream = tokio::time::timeout(READ_TIMEOUT, socket.connect(addr))
                .await
                .unwrap_or_else(|_| panic!("connect to {addr} from {source}: timed out"))
                .unwrap_or_else(|e| panic!("connect to {addr} from {source}: {e}"));
            stream.into_std().expect("turn the socket into a std socket")
        });
        stream.set_nonblocking(false).expect("make the socket blocking");
        Wire::from_stream(stream)
    }

    fn from_stream(stream: TcpStream) -> Wire {
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Wire { stream }
    }

    /// The client side's address, as the server sees it.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    /// A second handle on the same socket (to write from another thread).
    pub fn try_clone(&self) -> Wire {
        Wire { stream: self.stream.try_clone().unwrap() }
    }

    /// Writes `bytes` with one `write_all`.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap_or_else(|e| panic!("send {} bytes: {e}", bytes.len()));
    }

    /// Writes `bytes`, returning the error instead of failing: for writes the
    /// server may refuse by closing the connection.
    pub fn try_send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Closes the write half: the server reads end-of-file.
    pub fn shutdown_write(&mut self) {
        self.stream.shutdown(Shutdown::Write).unwrap();
    }

    /// Reads exactly `n` bytes.
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0; n];
        let mut got = 0;
        while got < n {
            match self.stream.read(&mut out[got..]) {
                Ok(0) => panic!("connection closed after {got} of {n} bytes: {}", escape(&out[..got])),
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => panic!("read {n} bytes: {e}; got {got}: {}", escape(&out[..got.min(300)])),
            }
        }
        out
    }

    /// Reads one line, CRLF included.
    pub fn read_line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        while !line.ends_with(b"\r\n") {
            line.extend(self.read_exact(1));
        }
        line
    }

    /// Reads `expected.len()` bytes and asserts they are `expected`.
    pub fn expect(&mut self, expected: &[u8]) {
        let got = self.read_exact(expected.len());
        assert_bytes_eq(&got, expected);
    }

    /// Asserts that the server closes the connection without sending anything
    /// (a reset counts as closed: the server may close with our bytes unread).
    pub fn expect_closed(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => panic!("expected the connection to close, got: {}", escape(&buf[..n])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return,
                Err(e) => panic!("expected the connection to close: {e}"),
            }
        }
    }

    /// `expect(reply)`, then `expect_closed()`.
    pub fn expect_then_closed(&mut self, reply: &[u8]) {
        self.expect(reply);
        self.expect_closed();
    }

    /// Asserts that nothing arrives, and the connection stays open, for `wait`.
    pub fn expect_silence(&mut self, wait: Duration) {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0u8; 4096];
        let result = self.stream.read(&mut buf);
        self.stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        match result {
            Ok(0) => panic!("the server closed the connection"),
            Ok(n) => panic!("unexpected bytes: {}", escape(&buf[..n])),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) => panic!("expected silence: {e}"),
        }
    }

    /// Waits up to `limit` for the server to close the connection, sending
    /// nothing; returns how long it took.
    pub fn time_until_closed(&mut self, limit: Duration) -> Duration {
        let start = Instant::now();
        self.stream.set_read_timeout(Some(limit)).unwrap();
        let mut buf = [0u8; 64];
        let result = self.stream.read(&mut buf);
        self.stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        match result {
            Ok(0) => start.elapsed(),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => start.elapsed(),
            Ok(n) => panic!("unexpected bytes: {}", escape(&buf[..n])),
            Err(e) => panic!("the connection was not closed within {limit:?}: {e}"),
        }
    }
}

/// Asserts equality of two byte strings, printing both escaped (and, for long
/// ones, where they first differ) when they are not equal.
pub fn assert_bytes_eq(got: &[u8], expected: &[u8]) {
    if got == expected {
        return;
    }
    let at = got.iter().zip(expected).position(|(a, b)| a != b).unwrap_or(got.len().min(expected.len()));
    let from = at.saturating_sub(60);
    panic!(
        "replies differ at byte {at} (got {} bytes, expected {})\n     got: {}\nexpected: {}",
        got.len(),
        expected.len(),
        escape(&got[from..got.len().min(at + 200)]),
        escape(&expected[from..expected.len().min(at + 200)]),
    );
}

/// One command as a RESP multibulk request (bytes, so tests can concatenate).
pub fn cmd(args: &[&[u8]]) -> Vec<u8> {
    crate::common::encode_command(args)
}

/// A RESP2 bulk string reply.
pub fn bulk(value: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", value.len()).into_bytes();
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
    out
}

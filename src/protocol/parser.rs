//! The request parser: RESP multibulk and inline commands, incremental.
//!
//! It owns no socket: the connection appends what it read to a `BytesMut` and calls
//! [`RequestParser::next`] until it returns `Ok(None)`. The parser keeps its position
//! inside a frame (how many arguments are left, the length of the bulk being read, how
//! far an inline line was already scanned), so a frame split across reads at any byte is
//! never re-parsed from its start: total work is linear in the bytes received.
//!
//! Limits and error texts are Redis 7.0's (`processMultibulkBuffer` and
//! `processInlineBuffer`): 64 KiB for an inline line or a length line, `proto-max-bulk-len`
//! for a bulk, and the tighter limits for clients that still have to authenticate.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memchr;

/// Longest inline request or length line Redis accepts (PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;

/// One parsed request: its arguments, the first being the command name.
pub type Args = Vec<Bytes>;

/// A protocol error: the reply text to send before closing the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

/// Per-call limits that depend on the client and the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: u64,
    /// The client has not authenticated yet and a password is required.
    pub unauthenticated: bool,
}

#[derive(Debug)]
enum State {
    /// Between requests.
    Start,
    /// Inside a multibulk request: `remaining` arguments still to read.
    Multibulk { remaining: usize, bulk_len: Option<usize> },
    /// Inside an inline request; the first `scanned` bytes hold no newline.
    Inline { scanned: usize },
}

/// Incremental request parser for one connection.
#[derive(Debug)]
pub struct RequestParser {
    state: State,
    args: Args,
}

impl Default for RequestParser {
    fn default() -> Self {
        RequestParser { state: State::Start, args: Vec::new() }
    }
}

fn err(text: &str) -> ProtocolError {
    ProtocolError(format!("ERR Protocol error: {text}"))
}

impl RequestParser {
    /// Creates a parser at the start of a request.
    pub fn new() -> RequestParser {
        RequestParser::default()
    }

    /// How many more bytes the current bulk needs, if the parser is inside one: the
    /// connection reserves that much so a large value is read without regrowing.
    pub fn bulk_remaining(&self, buffered: usize) -> Option<usize> {
        match self.state {
            State::Multibulk { bulk_len: Some(n), .. } => (n + 2).checked_sub(buffered),
            _ => None,
        }
    }

    /// Parses the next complete request from the front of `buf`, consuming its bytes.
    /// `Ok(None)` means more bytes are needed. Empty requests (`*0`, blank inline lines)
    /// are skipped without a reply, as in Redis.
    pub fn next(&mut self, buf: &mut BytesMut, limits: Limits) -> Result<Option<Args>, ProtocolError> {
        loop {
            match self.state {
                State::Start => {
                    let Some(&first) = buf.first() else {
                        return Ok(None);
                    };
                    if first == b'*' {
                        match self.multibulk_header(buf, limits)? {
                            None => return Ok(None),
                            Some(0) => continue,
                            Some(n) => {
                                self.args = Vec::with_capacity(n.min(1024));
                                self.state = State::Multibulk { remaining: n, bulk_len: None };
                            }
                        }
                    } else {
                        self.state = State::Inline { scanned: 0 };
                    }
                }
                State::Multibulk { .. } => return self.multibulk_body(buf, limits),
                State::Inline { scanned } => match self.inline(buf, scanned)? {
                    None => return Ok(None),
                    Some(args) if args.is_empty() => continue,
                    Some(args) => return Ok(Some(args)),
                },
            }
        }
    }

    /// Reads `*<count>\r\n`. Returns the count (0 for empty or negative counts).
    fn multibulk_header(&mut self, buf: &mut BytesMut, limits: Limits) -> Result<Option<usize>, ProtocolError> {
        let Some(cr) = find_cr(buf) else {
            if buf.len() > INLINE_MAX {
                return Err(err("too big mbulk count string"));
            }
            return Ok(None);
        };
        // Redis needs the byte after '\r' to be present (it assumes it is '\n').
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        let count = crate::numbers::parse_i64(&buf[1..cr]);
        let count = match count {
            Some(n) if n <= i64::from(i32::MAX) => n,
            _ => return Err(err("invalid multibulk length")),
        };
        if count > 10 && limits.unauthenticated {
            return Err(err("unauthenticated multibulk length"));
        }
        buf.advance(cr + 2);
        Ok(Some(usize::try_from(count).unwrap_or(0)))
    }

    fn multibulk_body(&mut self, buf: &mut BytesMut, limits: Limits) -> Result<Option<Args>, ProtocolError> {
        loop {
            let State::Multibulk { remaining, bulk_len } = &mut self.state else {
                return Ok(None);
            };
            let len = match *bulk_len {
                Some(len) => len,
                None => {
                    let Some(cr) = find_cr(buf) else {
                        if buf.len() > INLINE_MAX {
                            return Err(err("too big bulk count string"));
                        }
                        return Ok(None);
                    };
                    if cr + 2 > buf.len() {
                        return Ok(None);
                    }
                    if buf[0] != b'$' {
                        return Err(ProtocolError(format!(
                            "ERR Protocol error: expected '$', got '{}'",
                            char::from(buf[0])
                        )));
                    }
                    let len = match parse_len(&buf[1..cr]) {
                        Some(n) if n <= limits.max_bulk_len => n,
                        _ => return Err(err("invalid bulk length")),
                    };
                    if len > 16384 && limits.unauthenticated {
                        return Err(err("unauthenticated bulk length"));
                    }
                    buf.advance(cr + 2);
                    let len = usize::try_from(len).map_err(|_| err("invalid bulk length"))?;
                    *bulk_len = Some(len);
                    len
                }
            };
            let Some(needed) = len.checked_add(2) else {
                return Err(err("invalid bulk length"));
            };
            if buf.len() < needed {
                if buf.capacity() < needed {
                    buf.reserve(needed - buf.len());
                }
                return Ok(None);
            }
            // Redis does not check the two bytes after the bulk: it skips them.
            let mut arg = buf.split_to(needed);
            arg.truncate(len);
            self.args.push(arg.freeze());
            *bulk_len = None;
            *remaining -= 1;
            if *remaining == 0 {
                self.state = State::Start;
                return Ok(Some(std::mem::take(&mut self.args)));
            }
        }
    }

    fn inline(&mut self, buf: &mut BytesMut, scanned: usize) -> Result<Option<Args>, ProtocolError> {
        let Some(pos) = memchr(b'\n', &buf[scanned..]).map(|p| p + scanned) else {
            if buf.len() > INLINE_MAX {
                return Err(err("too big inline request"));
            }
            self.state = State::Inline { scanned: buf.len() };
            return Ok(None);
        };
        let line_end = if pos > 0 && buf[pos - 1] == b'\r' { pos - 1 } else { pos };
        let args = split_args(&buf[..line_end]).ok_or_else(|| err("unbalanced quotes in request"))?;
        buf.advance(pos + 1);
        self.state = State::Start;
        Ok(Some(args.into_iter().map(Bytes::from).collect()))
    }
}

/// The first CR in `buf`. Length lines are a few bytes long, so a plain loop over the
/// first bytes beats setting up a vectorised search; long inputs fall back to memchr.
fn find_cr(buf: &[u8]) -> Option<usize> {
    let head = &buf[..buf.len().min(24)];
    match head.iter().position(|c| *c == b'\r') {
        Some(p) => Some(p),
        None if buf.len() > head.len() => memchr(b'\r', &buf[head.len()..]).map(|p| p + head.len()),
        None => None,
    }
}

/// A bulk length as Redis's string2ll reads it, refusing negatives (which string2ll
/// would accept, and Redis then refuses with the same error).
fn parse_len(s: &[u8]) -> Option<u64> {
    if s.len() == 1 && s[0].is_ascii_digit() {
        return Some(u64::from(s[0] - b'0'));
    }
    match crate::numbers::parse_i64(s) {
        Some(n) if n >= 0 => Some(n as u64),
        _ => None,
    }
}

/// Inline commands are split as Redis splits them (`sdssplitargs`).
pub use crate::sds::split_args;

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_bulk_len: 512 * 1024 * 1024, unauthenticated: false };

    fn parse_all(input: &[u8]) -> Result<Vec<Args>, ProtocolError> {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(a) = p.next(&mut buf, LIMITS)? {
            out.push(a);
        }
        Ok(out)
    }

    #[test]
    fn multibulk_and_inline() {
        let r = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n").unwrap();
        assert_eq!(r, vec![vec![Bytes::from("GET"), Bytes::from("k")], vec![Bytes::from("PING")]]);
    }

    #[test]
    fn split_at_every_byte() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nSET a \"b c\"\r\n";
        let whole = parse_all(input).unwrap();
        for cut in 0..input.len() {
            let mut p = RequestParser::new();
            let mut buf = BytesMut::from(&input[..cut]);
            let mut got = Vec::new();
            while let Some(a) = p.next(&mut buf, LIMITS).unwrap() {
                got.push(a);
            }
            buf.extend_from_slice(&input[cut..]);
            while let Some(a) = p.next(&mut buf, LIMITS).unwrap() {
                got.push(a);
            }
            assert_eq!(got, whole, "cut at {cut}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse_all(b"*a\r\n").unwrap_err().0, "ERR Protocol error: invalid multibulk length");
        assert_eq!(parse_all(b"*1\r\nfoo\r\n").unwrap_err().0, "ERR Protocol error: expected '$', got 'f'");
        assert_eq!(parse_all(b"*1\r\n$-1\r\n").unwrap_err().0, "ERR Protocol error: invalid bulk length");
        assert_eq!(parse_all(b"SET a \"b\r\n").unwrap_err().0, "ERR Protocol error: unbalanced quotes in request");
    }

    #[test]
    fn sdssplitargs_rules() {
        assert_eq!(
            split_args(b"a \"b\\x41\\n\" 'c\\'d'").unwrap(),
            vec![b"a".to_vec(), b"bA\n".to_vec(), b"c'd".to_vec()]
        );
        assert!(split_args(b"\"a\"b").is_none());
        assert_eq!(split_args(b"   ").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(split_args(b"\"\"").unwrap(), vec![Vec::<u8>::new()]);
    }
}

//! Reading replies: RESP2 and RESP3 bytes back into [`Reply`] values.
//!
//! The inverse of [`super::encode`]. Its callers are the bundled client, which reads what
//! a server sends, and `crate::commands::meta`, which loads the command metadata recorded
//! from Redis as RESP3. The request parser (`parser.rs`) is a different thing: requests
//! are only ever arrays of bulk strings, replies are any RESP type.
//!
//! Architecture invariant: the reader never panics and never recurses, whatever the
//! bytes. Nesting lives on an explicit stack capped at [`MAX_DEPTH`], so a hostile
//! `*1\r\n*1\r\n...` cannot overflow the thread's stack, and a declared length only
//! reserves memory for elements that actually arrived, so `*999999999\r\n` cannot make
//! it allocate gigabytes.
//!
//! It is stateless: an incomplete reply yields `Ok(None)` and the caller calls again with
//! more bytes, which re-reads the reply from its start. That is fine for a client reading
//! replies of normal size; it owns no socket and keeps no buffer.

use bytes::Bytes;

use super::Reply;

/// Deepest nesting of aggregates (arrays, maps, sets, pushes, attributes) accepted.
pub const MAX_DEPTH: usize = 1000;

/// Longest line accepted for a number: a length, an integer, a double, a big number.
/// Longer means malformed, rather than waiting forever for a CRLF that will not come.
const MAX_NUMBER_LINE: usize = 512;

/// Malformed input: what was wrong and at which byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

/// One reply read from the front of a buffer, with the attributes that preceded it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadReply {
    /// The reply itself.
    pub reply: Reply,
    /// The RESP3 attributes (`|`) sent just before the reply, as a [`Reply::Map`]; `None`
    /// when there were none. Attributes on elements inside an aggregate are dropped.
    pub attributes: Option<Reply>,
    /// How many bytes of the buffer the reply (and its attributes) took.
    pub consumed: usize,
}

/// Reads one complete reply from the front of `buf`: the reply and the number of bytes it
/// took, `Ok(None)` when `buf` holds only part of it, or an error when the bytes are not
/// RESP. Attributes are skipped; [`read_reply_with_attributes`] returns them.
pub fn read_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, ReadError> {
    Ok(read_reply_with_attributes(buf)?.map(|r| (r.reply, r.consumed)))
}

/// Like [`read_reply`], but also returns the attributes that preceded the reply.
pub fn read_reply_with_attributes(buf: &[u8]) -> Result<Option<ReadReply>, ReadError> {
    Reader { buf, shared: None, pos: 0 }.read()
}

/// Like [`read_reply_with_attributes`], but the strings in the result share `buf`'s
/// memory instead of copying it (useful for data embedded with `include_bytes!`).
pub fn read_reply_shared(buf: &Bytes) -> Result<Option<ReadReply>, ReadError> {
    Reader { buf, shared: Some(buf), pos: 0 }.read()
}

/// An aggregate whose elements are still being read.
enum Pending {
    /// An array, set or push: `left` elements still to come.
    Seq { kind: SeqKind, items: Vec<Reply>, left: usize },
    /// A map or an attribute: `left` keys and values still to come; `key` is a key read
    /// whose value has not arrived yet.
    Map { attribute: bool, pairs: Vec<(Reply, Reply)>, key: Option<Reply>, left: usize },
}

#[derive(Clone, Copy)]
enum SeqKind {
    Array,
    Set,
    Push,
}

/// What reading one type byte and its header produced.
enum Step {
    /// A complete value (a scalar or an empty aggregate).
    Value(Reply),
    /// The start of a non-empty aggregate.
    Open(Pending),
    /// A complete attribute map (only an empty one comes out directly).
    Attribute(Reply),
}

impl Pending {
    /// Adds one element; true when it was the last one the header announced.
    fn push(&mut self, value: Reply) -> bool {
        match self {
            Pending::Seq { items, left, .. } => {
                items.push(value);
                *left = left.saturating_sub(1);
                *left == 0
            }
            Pending::Map { pairs, key, left, .. } => {
                match key.take() {
                    None => *key = Some(value),
                    Some(k) => pairs.push((k, value)),
                }
                *left = left.saturating_sub(1);
                *left == 0
            }
        }
    }

    fn finish(self) -> Step {
        match self {
            Pending::Seq { kind, items, .. } => Step::Value(match kind {
                SeqKind::Array => Reply::Array(items),
                SeqKind::Set => Reply::Set(items),
                SeqKind::Push => Reply::Push(items),
            }),
            Pending::Map { attribute: true, pairs, .. } => Step::Attribute(Reply::Map(pairs)),
            Pending::Map { pairs, .. } => Step::Value(Reply::Map(pairs)),
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    /// The same bytes as `buf` when the caller owns them as `Bytes`: slices are shared.
    shared: Option<&'a Bytes>,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn read(mut self) -> Result<Option<ReadReply>, ReadError> {
        let mut stack: Vec<Pending> = Vec::new();
        let mut attributes: Option<Reply> = None;
        loop {
            let Some(mut step) = self.step()? else {
                return Ok(None);
            };
            // Hand the finished value up through every aggregate it completes.
            loop {
                match step {
                    Step::Open(pending) => {
                        if stack.len() >= MAX_DEPTH {
                            return Err(self.error("nesting too deep"));
                        }
                        stack.push(pending);
                        break;
                    }
                    Step::Attribute(map) => {
                        // An attribute describes the element after it; only those of
                        // the outermost reply are kept.
                        if stack.is_empty() {
                            attributes = Some(merge_attributes(attributes.take(), map));
                        }
                        break;
                    }
                    Step::Value(value) => {
                        let Some(top) = stack.last_mut() else {
                            return Ok(Some(ReadReply { reply: value, attributes, consumed: self.pos }));
                        };
                        if !top.push(value) {
                            break;
                        }
                        match stack.pop() {
                            Some(done) => step = done.finish(),
                            None => return Err(self.error("internal: empty stack")),
                        }
                    }
                }
            }
        }
    }

    /// Reads one type byte and what follows it: a whole scalar, or an aggregate's header.
    fn step(&mut self) -> Result<Option<Step>, ReadError> {
        let Some(&kind) = self.buf.get(self.pos) else {
            return Ok(None);
        };
        let start = self.pos;
        self.pos += 1;
        let step = match kind {
            b'+' => self.line(None)?.map(|(s, e)| {
                let text = &self.buf[s..e];
                Step::Value(if text == b"OK" { Reply::Ok } else { Reply::Simple(self.bytes(s, e)) })
            }),
            b'-' => self.line(None)?.map(|(s, e)| Step::Value(Reply::Error(self.bytes(s, e)))),
            b':' => match self.number_line()? {
                None => None,
                Some(text) => match parse_i64(text) {
                    Some(n) => Some(Step::Value(Reply::Int(n))),
                    None => return Err(self.error_at(start, "invalid integer")),
                },
            },
            b'_' => match self.number_line()? {
                None => None,
                Some(b"") => Some(Step::Value(Reply::Nil)),
                Some(_) => return Err(self.error_at(start, "invalid null")),
            },
            b'#' => match self.number_line()? {
                None => None,
                Some(b"t") => Some(Step::Value(Reply::Bool(true))),
                Some(b"f") => Some(Step::Value(Reply::Bool(false))),
                Some(_) => return Err(self.error_at(start, "invalid boolean")),
            },
            b',' => match self.number_line()? {
                None => None,
                Some(text) => match parse_double(text) {
                    Some(d) => Some(Step::Value(Reply::Double(d))),
                    None => return Err(self.error_at(start, "invalid double")),
                },
            },
            b'(' => match self.line(Some(MAX_NUMBER_LINE))? {
                None => None,
                Some((s, e)) if is_big_number(&self.buf[s..e]) => Some(Step::Value(Reply::BigNumber(self.bytes(s, e)))),
                Some(_) => return Err(self.error_at(start, "invalid big number")),
            },
            b'$' | b'!' | b'=' => self.blob(kind, start)?,
            b'*' | b'~' | b'>' | b'%' | b'|' => self.aggregate(kind, start)?,
            _ => return Err(self.error_at(start, "unknown reply type")),
        };
        Ok(step)
    }

    /// A length-prefixed string: bulk (`$`), blob error (`!`) or verbatim (`=`).
    fn blob(&mut self, kind: u8, start: usize) -> Result<Option<Step>, ReadError> {
        let Some(len) = self.length(start)? else {
            return Ok(None);
        };
        let Some(len) = len else {
            return match kind {
                b'$' => Ok(Some(Step::Value(Reply::Nil))),
                _ => Err(self.error_at(start, "invalid length")),
            };
        };
        let body = self.pos;
        let Some(end) = body.checked_add(len) else {
            return Err(self.error_at(start, "invalid length"));
        };
        if self.buf.len() < end.saturating_add(2) {
            return Ok(None);
        }
        if &self.buf[end..end + 2] != b"\r\n" {
            return Err(self.error_at(end, "expected CRLF after string"));
        }
        self.pos = end + 2;
        let value = match kind {
            b'$' => Reply::Bulk(self.bytes(body, end)),
            b'!' => Reply::Error(self.bytes(body, end)),
            _ => {
                // `=15\r\ntxt:Some string\r\n`: a three-letter format, a colon, the text.
                if len < 4 || self.buf[body + 3] != b':' {
                    return Err(self.error_at(start, "invalid verbatim string"));
                }
                let format = match &self.buf[body..body + 3] {
                    b"mkd" => "mkd",
                    _ => "txt",
                };
                Reply::Verbatim(format, self.bytes(body + 4, end))
            }
        };
        Ok(Some(Step::Value(value)))
    }

    /// An aggregate header: array (`*`), set (`~`), push (`>`), map (`%`), attribute (`|`).
    fn aggregate(&mut self, kind: u8, start: usize) -> Result<Option<Step>, ReadError> {
        let Some(len) = self.length(start)? else {
            return Ok(None);
        };
        let Some(len) = len else {
            return match kind {
                b'*' => Ok(Some(Step::Value(Reply::NilArray))),
                _ => Err(self.error_at(start, "invalid length")),
            };
        };
        // Reserve only what the bytes at hand could hold: every element takes at least
        // three bytes, so a lying header cannot trigger a huge allocation.
        let room = (self.buf.len() - self.pos) / 3;
        let pending = match kind {
            b'%' | b'|' => {
                let Some(left) = len.checked_mul(2) else {
                    return Err(self.error_at(start, "invalid length"));
                };
                let pairs = Vec::with_capacity(len.min(room / 2));
                Pending::Map { attribute: kind == b'|', pairs, key: None, left }
            }
            _ => {
                let kind = match kind {
                    b'~' => SeqKind::Set,
                    b'>' => SeqKind::Push,
                    _ => SeqKind::Array,
                };
                Pending::Seq { kind, items: Vec::with_capacity(len.min(room)), left: len }
            }
        };
        Ok(Some(if len == 0 { pending.finish() } else { Step::Open(pending) }))
    }

    /// Reads a length line: `Some(Some(n))`, `Some(None)` for `-1`, `None` if incomplete.
    fn length(&mut self, start: usize) -> Result<Option<Option<usize>>, ReadError> {
        let Some(text) = self.number_line()? else {
            return Ok(None);
        };
        match parse_i64(text) {
            Some(-1) => Ok(Some(None)),
            Some(n) => match usize::try_from(n) {
                Ok(n) => Ok(Some(Some(n))),
                Err(_) => Err(self.error_at(start, "invalid length")),
            },
            None => Err(self.error_at(start, "invalid length")),
        }
    }

    /// Reads a short line holding a number; `None` if its CRLF has not arrived yet.
    fn number_line(&mut self) -> Result<Option<&'a [u8]>, ReadError> {
        let buf = self.buf;
        Ok(self.line(Some(MAX_NUMBER_LINE))?.map(|(s, e)| &buf[s..e]))
    }

    /// Reads up to the next CRLF; returns the line's bounds, or `None` if incomplete.
    /// A lone CR or LF inside the line is malformed.
    fn line(&mut self, max: Option<usize>) -> Result<Option<(usize, usize)>, ReadError> {
        let start = self.pos;
        let rest = &self.buf[start..];
        let Some(at) = memchr::memchr2(b'\r', b'\n', rest) else {
            if max.is_some_and(|max| rest.len() > max) {
                return Err(self.error_at(start, "line too long"));
            }
            return Ok(None);
        };
        if max.is_some_and(|max| at > max) {
            return Err(self.error_at(start, "line too long"));
        }
        match rest.get(at..at + 2) {
            None if rest[at] == b'\r' => Ok(None),
            Some(b"\r\n") => {
                self.pos = start + at + 2;
                Ok(Some((start, start + at)))
            }
            _ => Err(self.error_at(start + at, "expected CRLF")),
        }
    }

    fn bytes(&self, start: usize, end: usize) -> Bytes {
        match self.shared {
            Some(shared) => shared.slice(start..end),
            None => Bytes::copy_from_slice(&self.buf[start..end]),
        }
    }

    fn error(&self, what: &str) -> ReadError {
        self.error_at(self.pos, what)
    }

    fn error_at(&self, offset: usize, what: &str) -> ReadError {
        ReadError(format!("malformed reply: {what} at byte {offset}"))
    }
}

/// Several attribute frames before one reply describe it together.
fn merge_attributes(old: Option<Reply>, new: Reply) -> Reply {
    match (old, new) {
        (Some(Reply::Map(mut pairs)), Reply::Map(more)) => {
            pairs.extend(more);
            Reply::Map(pairs)
        }
        (_, new) => new,
    }
}

/// A decimal `i64`: an optional minus sign and digits, nothing else.
fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = i64::from(c - b'0');
        // Accumulate negatively so i64::MIN parses.
        n = n.checked_mul(10)?.checked_sub(d)?;
    }
    if negative {
        Some(n)
    } else {
        n.checked_neg()
    }
}

/// A RESP3 double: `inf`, `-inf`, `nan` (C's printf may write `-nan`), or a decimal
/// number with an optional exponent.
fn parse_double(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    match text.to_ascii_lowercase().as_str() {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" | "+nan" => Some(f64::NAN),
        _ if text.bytes().all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c)) => text.parse().ok(),
        _ => None,
    }
}

fn is_big_number(text: &[u8]) -> bool {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::encode;
    use bytes::BytesMut;

    fn enc(r: &Reply, resp: u8) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(r, resp, &mut out);
        out.to_vec()
    }

    fn read_all(buf: &[u8]) -> Reply {
        match read_reply(buf) {
            Ok(Some((reply, used))) => {
                assert_eq!(used, buf.len(), "consumed all of {buf:?}");
                reply
            }
            other => panic!("{buf:?} did not read: {other:?}"),
        }
    }

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    /// One of every variant, nested, as a RESP3 server would send it.
    fn every_variant() -> Vec<Reply> {
        vec![
            Reply::Ok,
            Reply::Simple(b("PONG")),
            Reply::Error(b("ERR unknown command 'x'")),
            Reply::Int(0),
            Reply::Int(i64::MIN),
            Reply::Int(i64::MAX),
            Reply::Bulk(b("")),
            Reply::Bulk(Bytes::from_static(b"bin\r\n\0\xff")),
            Reply::Nil,
            Reply::Array(vec![]),
            Reply::Array(vec![Reply::Int(1), Reply::Array(vec![Reply::Nil, Reply::bulk(b"x")])]),
            Reply::Map(vec![]),
            Reply::Map(vec![
                (Reply::bulk(b"a"), Reply::Set(vec![Reply::simple("b")])),
                (Reply::Int(2), Reply::Map(vec![(Reply::bulk(b"c"), Reply::Bool(false))])),
            ]),
            Reply::Set(vec![Reply::bulk(b"m"), Reply::Double(2.5)]),
            Reply::Double(1.5),
            Reply::Double(-0.25),
            Reply::Double(1.5e10),
            Reply::Double(1e300),
            Reply::Double(f64::INFINITY),
            Reply::Double(f64::NEG_INFINITY),
            Reply::Bool(true),
            Reply::Bool(false),
            Reply::Verbatim("txt", b("Some string")),
            Reply::Verbatim("mkd", b("# title\r\n")),
            Reply::BigNumber(b("3492890328409238509324850943850943825024385")),
            Reply::BigNumber(b("-1")),
            Reply::Push(vec![Reply::bulk(b"message"), Reply::bulk(b"ch"), Reply::bulk(b"hi")]),
        ]
    }

    #[test]
    fn resp3_round_trips_every_variant() {
        for reply in every_variant() {
            assert_eq!(read_all(&enc(&reply, 3)), reply);
        }
        // RESP3 has one null for both; it reads back as the bulk null.
        assert_eq!(read_all(&enc(&Reply::NilArray, 3)), Reply::Nil);
        match read_all(b",nan\r\n") {
            Reply::Double(d) => assert!(d.is_nan()),
            other => panic!("{other:?}"),
        }
        match read_all(&enc(&Reply::Double(f64::NAN), 3)) {
            Reply::Double(d) => assert!(d.is_nan()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resp2_encodings_read_back_in_their_downgraded_shape() {
        for reply in every_variant() {
            let bytes = enc(&reply, 2);
            // Reading the RESP2 bytes and encoding them again gives the same bytes.
            assert_eq!(enc(&read_all(&bytes), 2), bytes, "{reply:?}");
        }
        assert_eq!(read_all(b"$-1\r\n"), Reply::Nil);
        assert_eq!(read_all(b"*-1\r\n"), Reply::NilArray);
        assert_eq!(read_all(b"-ERR no\r\n"), Reply::Error(b("ERR no")));
        assert_eq!(read_all(b"*2\r\n$1\r\na\r\n:1\r\n"), Reply::Array(vec![Reply::bulk(b"a"), Reply::Int(1)]));
        assert_eq!(read_all(b"*2\r\n$-1\r\n*-1\r\n"), Reply::Array(vec![Reply::Nil, Reply::NilArray]));
        let map = Reply::Map(vec![(Reply::bulk(b"k"), Reply::Double(1.5))]);
        assert_eq!(read_all(&enc(&map, 2)), Reply::Array(vec![Reply::bulk(b"k"), Reply::bulk(b"1.5")]));
    }

    #[test]
    fn resp3_only_forms() {
        assert_eq!(read_all(b"_\r\n"), Reply::Nil);
        assert_eq!(read_all(b",inf\r\n"), Reply::Double(f64::INFINITY));
        assert_eq!(read_all(b",-inf\r\n"), Reply::Double(f64::NEG_INFINITY));
        assert_eq!(read_all(b",1.5e10\r\n"), Reply::Double(1.5e10));
        assert_eq!(read_all(b",10\r\n"), Reply::Double(10.0));
        assert_eq!(read_all(b"!21\r\nSYNTAX invalid syntax\r\n"), Reply::Error(b("SYNTAX invalid syntax")));
        assert_eq!(read_all(b"=15\r\ntxt:Some string\r\n"), Reply::Verbatim("txt", b("Some string")));
        // Formats other than txt and mkd are kept as txt.
        assert_eq!(read_all(b"=7\r\nfoo:bar\r\n"), Reply::Verbatim("txt", b("bar")));
        assert_eq!(read_all(b"+OK\r\n"), Reply::Ok);
        assert_eq!(read_all(b"+OKAY\r\n"), Reply::simple("OKAY"));
    }

    #[test]
    fn attributes_are_returned_for_the_outer_reply_and_skipped_inside() {
        let buf = b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n";
        let read = read_reply_with_attributes(buf).unwrap().unwrap();
        assert_eq!(read.consumed, buf.len());
        assert_eq!(read.reply, Reply::Array(vec![Reply::Int(2039123), Reply::Int(9543892)]));
        let Some(Reply::Map(pairs)) = read.attributes else { panic!("no attributes") };
        assert_eq!(pairs[0].0, Reply::simple("key-popularity"));
        // Inside an aggregate an attribute does not count as an element.
        let buf = b"*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n";
        let read = read_reply_with_attributes(buf).unwrap().unwrap();
        assert_eq!(read.reply, Reply::Array(vec![Reply::Int(1), Reply::Int(2)]));
        assert_eq!(read.attributes, None);
        assert_eq!(read_all(b"|0\r\n:7\r\n"), Reply::Int(7));
        // An attribute with nothing after it yet is incomplete.
        assert_eq!(read_reply(b"|1\r\n+a\r\n+b\r\n"), Ok(None));
    }

    #[test]
    fn every_prefix_is_incomplete_and_trailing_bytes_are_left() {
        for reply in every_variant() {
            for resp in [2, 3] {
                let bytes = enc(&reply, resp);
                for cut in 0..bytes.len() {
                    assert_eq!(read_reply(&bytes[..cut]), Ok(None), "{reply:?} cut at {cut}");
                }
                let mut two = bytes.clone();
                two.extend_from_slice(b"+next\r\n");
                assert_eq!(read_reply(&two).unwrap().unwrap().1, bytes.len());
            }
        }
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            &b"?\r\n"[..],
            b":12a\r\n",
            b":\r\n",
            b":99999999999999999999\r\n",
            b"$-2\r\n",
            b"$3\r\nabcd\r\n",
            b"$x\r\n",
            b"$?\r\n",
            b"~-1\r\n",
            b"%-1\r\n",
            b"=-1\r\n",
            b"=3\r\ntxt\r\n",
            b"=5\r\ntxt-x\r\n",
            b"#x\r\n",
            b"_x\r\n",
            b",abc\r\n",
            b",\r\n",
            b"(12x\r\n",
            b"+a\rb\r\n",
            b"+a\nb\r\n",
            b"*1\r\n:1\n",
        ] {
            assert!(read_reply(bad).is_err(), "{bad:?} should be malformed");
        }
        // A number line that keeps going without a CRLF is an error, not a wait.
        let long = [b':'].into_iter().chain(std::iter::repeat_n(b'1', 600)).collect::<Vec<_>>();
        assert!(read_reply(&long).is_err());
        assert_eq!(read_reply(b":123"), Ok(None));
    }

    #[test]
    fn nesting_is_limited_without_recursion() {
        let nested = |depth: usize| {
            let mut buf = b"*1\r\n".repeat(depth);
            buf.extend_from_slice(b":1\r\n");
            buf
        };
        let mut reply = read_all(&nested(MAX_DEPTH));
        let mut depth = 0;
        while let Reply::Array(mut items) = reply {
            depth += 1;
            reply = items.pop().unwrap();
        }
        assert_eq!((depth, reply), (MAX_DEPTH, Reply::Int(1)));
        assert!(read_reply(&nested(MAX_DEPTH + 1)).is_err());
        // Far deeper than any stack could recurse: still a clean error.
        assert!(read_reply(&nested(1_000_000)).is_err());
        // Maps count toward the depth like arrays.
        assert!(read_reply(&b"%1\r\n".repeat(5000)).is_err());
    }

    #[test]
    fn lying_lengths_do_not_allocate_up_front() {
        assert_eq!(read_reply(b"*9223372036854775807\r\n:1\r\n"), Ok(None));
        assert_eq!(read_reply(b"$9223372036854775807\r\nab"), Ok(None));
        assert_eq!(read_reply(b"%9223372036854775807\r\n+a\r\n"), Ok(None));
    }

    #[test]
    fn shared_reads_slice_the_buffer() {
        let buf = Bytes::from_static(b"*2\r\n$3\r\nabc\r\n+OK\r\n");
        let read = read_reply_shared(&buf).unwrap().unwrap();
        let Reply::Array(items) = &read.reply else { panic!() };
        let Reply::Bulk(abc) = &items[0] else { panic!() };
        assert_eq!(abc.as_ptr(), buf[8..].as_ptr());
        assert_eq!(read.consumed, buf.len());
    }

    /// A small xorshift generator: the fuzz test needs no crate and is reproducible.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn check_no_panic(buf: &[u8]) {
        if let Ok(Some(read)) = read_reply_with_attributes(buf) {
            assert!(read.consumed <= buf.len());
        }
    }

    #[test]
    fn fuzz_random_and_mutated_bytes_never_panic() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"+-:$*_,#(=%~>|!\r\n0123456789-?.etfinatxmkd:";
        for _ in 0..20_000 {
            let len = rng.below(48);
            let buf: Vec<u8> = (0..len)
                .map(|_| if rng.below(4) == 0 { rng.next() as u8 } else { alphabet[rng.below(alphabet.len())] })
                .collect();
            check_no_panic(&buf);
        }
        let seeds: Vec<Vec<u8>> = every_variant().iter().flat_map(|r| [enc(r, 2), enc(r, 3)]).collect();
        for _ in 0..20_000 {
            let mut buf = seeds[rng.below(seeds.len())].clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(buf.len());
                match rng.below(3) {
                    0 => buf[at] = rng.next() as u8,
                    1 => buf[at] = alphabet[rng.below(alphabet.len())],
                    _ => buf.truncate(at),
                }
                if buf.is_empty() {
                    break;
                }
            }
            check_no_panic(&buf);
        }
    }
}

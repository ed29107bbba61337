//! Replies as values, and their encoding into RESP2 or RESP3 bytes.
//!
//! Handlers build a [`Reply`]; only the connection encodes it, with the protocol version
//! the client chose (`HELLO`). Every RESP3-only type has the RESP2 downgrade Redis 7.0
//! uses: maps flatten into arrays, sets become arrays, doubles become bulk strings,
//! booleans become integers, nulls become `$-1` or `*-1`.

use bytes::{BufMut, Bytes, BytesMut};

/// A reply to one command, before encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+OK`: the most common reply gets its own variant so it never allocates.
    Ok,
    /// A simple string (`+...`). Must not contain CR or LF.
    Simple(Bytes),
    /// An error (`-...`). The text starts with its code, e.g. `ERR syntax error`.
    Error(Bytes),
    /// An integer (`:...`).
    Int(i64),
    /// A bulk string (`$...`).
    Bulk(Bytes),
    /// A short bulk string kept inline (GET of a small value allocates nothing).
    BulkShort(u8, [u8; SHORT_BULK]),
    /// The null bulk string: `$-1` in RESP2, `_` in RESP3.
    Nil,
    /// The null array: `*-1` in RESP2, `_` in RESP3.
    NilArray,
    /// An array (`*...`).
    Array(Vec<Reply>),
    /// A map (`%...`); a flat array of key, value, ... in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// A set (`~...`); an array in RESP2.
    Set(Vec<Reply>),
    /// A double (`,...`); a bulk string in RESP2, formatted as Redis does (`%.17g`).
    Double(f64),
    /// A boolean (`#t`/`#f`); the integer 1 or 0 in RESP2.
    Bool(bool),
    /// A verbatim string (`=`) with its three-letter format; a bulk string in RESP2.
    Verbatim(&'static str, Bytes),
    /// A big number (`(`); a bulk string in RESP2.
    BigNumber(Bytes),
    /// A push frame (`>`); an array in RESP2 (pub/sub messages).
    Push(Vec<Reply>),
    /// Several replies to one command, written one after another (SUBSCRIBE a b
    /// confirms each channel with its own frame).
    Many(Vec<Reply>),
}

/// Longest bulk string [`Reply::BulkShort`] holds.
pub const SHORT_BULK: usize = 30;

impl Reply {
    /// A bulk string copied from `b`: inline when short, else in a new buffer.
    pub fn bulk_copy(b: &[u8]) -> Reply {
        if b.len() <= SHORT_BULK {
            let mut data = [0u8; SHORT_BULK];
            data[..b.len()].copy_from_slice(b);
            Reply::BulkShort(b.len() as u8, data)
        } else {
            Reply::Bulk(Bytes::copy_from_slice(b))
        }
    }

    /// A simple string from static text.
    pub fn simple(s: &'static str) -> Reply {
        Reply::Simple(Bytes::from_static(s.as_bytes()))
    }

    /// A bulk string copied from a byte slice.
    pub fn bulk(b: &[u8]) -> Reply {
        Reply::Bulk(Bytes::copy_from_slice(b))
    }

    /// A bulk string from static text.
    pub fn bulk_static(s: &'static str) -> Reply {
        Reply::Bulk(Bytes::from_static(s.as_bytes()))
    }

    /// A bulk string from an owned string.
    pub fn bulk_string(s: String) -> Reply {
        Reply::Bulk(Bytes::from(s))
    }

    /// An error reply from static text (which starts with its code).
    pub fn error(s: &'static str) -> Reply {
        Reply::Error(Bytes::from_static(s.as_bytes()))
    }

    /// An array of bulk strings.
    pub fn bulks<I: IntoIterator<Item = Bytes>>(items: I) -> Reply {
        Reply::Array(items.into_iter().map(Reply::Bulk).collect())
    }

    /// Is this an error reply?
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

/// Encodes `reply` for protocol version `resp` (2 or 3) at the end of `out`.
pub fn encode(reply: &Reply, resp: u8, out: &mut BytesMut) {
    match reply {
        Reply::Ok => out.put_slice(b"+OK\r\n"),
        Reply::Simple(s) => {
            out.put_u8(b'+');
            out.put_slice(s);
            out.put_slice(b"\r\n");
        }
        Reply::Error(s) => {
            out.put_u8(b'-');
            out.put_slice(s);
            out.put_slice(b"\r\n");
        }
        Reply::Int(n) => {
            out.put_u8(b':');
            put_int(out, *n);
            out.put_slice(b"\r\n");
        }
        Reply::Bulk(b) => put_bulk(out, b),
        Reply::BulkShort(len, data) => put_bulk(out, &data[..usize::from(*len)]),
        Reply::Nil => out.put_slice(if resp >= 3 { b"_\r\n" } else { b"$-1\r\n" }),
        Reply::NilArray => out.put_slice(if resp >= 3 { b"_\r\n" } else { b"*-1\r\n" }),
        Reply::Array(items) => {
            put_header(out, b'*', items.len());
            for item in items {
                encode(item, resp, out);
            }
        }
        Reply::Set(items) => {
            put_header(out, if resp >= 3 { b'~' } else { b'*' }, items.len());
            for item in items {
                encode(item, resp, out);
            }
        }
        Reply::Push(items) => {
            put_header(out, if resp >= 3 { b'>' } else { b'*' }, items.len());
            for item in items {
                encode(item, resp, out);
            }
        }
        Reply::Many(replies) => {
            for r in replies {
                encode(r, resp, out);
            }
        }
        Reply::Map(pairs) => {
            if resp >= 3 {
                put_header(out, b'%', pairs.len());
            } else {
                put_header(out, b'*', pairs.len() * 2);
            }
            for (k, v) in pairs {
                encode(k, resp, out);
                encode(v, resp, out);
            }
        }
        Reply::Double(d) => {
            let text = crate::numbers::format_double_g17(*d);
            if resp >= 3 {
                out.put_u8(b',');
                out.put_slice(text.as_bytes());
                out.put_slice(b"\r\n");
            } else {
                put_bulk(out, text.as_bytes());
            }
        }
        Reply::Bool(b) => {
            if resp >= 3 {
                out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            } else {
                out.put_slice(if *b { b":1\r\n" } else { b":0\r\n" });
            }
        }
        Reply::Verbatim(format, text) => {
            if resp >= 3 {
                out.put_u8(b'=');
                put_usize(out, text.len() + 4);
                out.put_slice(b"\r\n");
                out.put_slice(format.as_bytes());
                out.put_u8(b':');
                out.put_slice(text);
                out.put_slice(b"\r\n");
            } else {
                put_bulk(out, text);
            }
        }
        Reply::BigNumber(n) => {
            if resp >= 3 {
                out.put_u8(b'(');
                out.put_slice(n);
                out.put_slice(b"\r\n");
            } else {
                put_bulk(out, n);
            }
        }
    }
}

fn put_header(out: &mut BytesMut, kind: u8, len: usize) {
    out.put_u8(kind);
    put_usize(out, len);
    out.put_slice(b"\r\n");
}

/// Writes a bulk string (`$len\r\n...\r\n`).
pub fn put_bulk(out: &mut BytesMut, b: &[u8]) {
    out.reserve(b.len() + 16);
    put_header(out, b'$', b.len());
    out.put_slice(b);
    out.put_slice(b"\r\n");
}

fn put_int(out: &mut BytesMut, n: i64) {
    let mut buf = itoa::Buffer::new();
    out.put_slice(buf.format(n).as_bytes());
}

fn put_usize(out: &mut BytesMut, n: usize) {
    let mut buf = itoa::Buffer::new();
    out.put_slice(buf.format(n).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(r: &Reply, resp: u8) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(r, resp, &mut out);
        out.to_vec()
    }

    #[test]
    fn nulls_differ_by_protocol() {
        assert_eq!(enc(&Reply::Nil, 2), b"$-1\r\n");
        assert_eq!(enc(&Reply::NilArray, 2), b"*-1\r\n");
        assert_eq!(enc(&Reply::Nil, 3), b"_\r\n");
    }

    #[test]
    fn maps_flatten_in_resp2() {
        let m = Reply::Map(vec![(Reply::bulk(b"a"), Reply::Int(1))]);
        assert_eq!(enc(&m, 2), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(enc(&m, 3), b"%1\r\n$1\r\na\r\n:1\r\n");
    }

    #[test]
    fn verbatim_and_double() {
        let v = Reply::Verbatim("txt", Bytes::from_static(b"hi"));
        assert_eq!(enc(&v, 3), b"=6\r\ntxt:hi\r\n");
        assert_eq!(enc(&v, 2), b"$2\r\nhi\r\n");
        assert_eq!(enc(&Reply::Double(1.5), 3), b",1.5\r\n");
        assert_eq!(enc(&Reply::Double(1.5), 2), b"$3\r\n1.5\r\n");
    }
}

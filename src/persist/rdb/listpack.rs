//! Listpack blobs (Redis 7 small lists, hashes, sets and sorted sets): a validating decoder
//! and a [`Builder`].
//!
//! Layout: `u32 LE total_bytes`, `u16 LE count` (65535 = "count by walking"), entries, `0xFF`.
//! Each entry is its encoding and data, then a backlen (the size of encoding + data in 7-bit
//! groups, most significant first, every byte after the first with bit 7 set).

use super::Error;
use crate::numbers::parse_i64;

/// Size of the header: total bytes and element count.
const HEADER: usize = 6;
/// The terminator byte.
const END: u8 = 0xFF;
/// The count value meaning "unknown, walk the entries".
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One listpack element: a string slice of the blob or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// A string element.
    Str(&'a [u8]),
    /// An integer element.
    Int(i64),
}

impl Entry<'_> {
    /// The element as bytes (integers as decimal text).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Entry::Str(s) => s.to_vec(),
            Entry::Int(v) => itoa::Buffer::new().format(v).as_bytes().to_vec(),
        }
    }
}

/// Decodes and fully validates a listpack: header size, count, every entry's bounds and
/// backlen, and the terminator. `base` is the blob's offset in the file, for errors.
pub fn decode(blob: &[u8], base: usize) -> Result<Vec<Entry<'_>>, Error> {
    let err = |at: usize, what: &str| Error::format(base + at, format!("Invalid listpack: {what}"));
    if blob.len() < HEADER + 1 {
        return Err(err(0, "shorter than its header"));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if total != blob.len() {
        return Err(err(0, &format!("header says {total} bytes, blob has {}", blob.len())));
    }
    let count = u16::from_le_bytes([blob[4], blob[5]]);
    let body_end = blob.len() - 1;
    if blob[body_end] != END {
        return Err(err(body_end, "missing terminator"));
    }
    // Each entry takes at least two bytes, so this capacity is bounded by the input.
    let mut entries = Vec::with_capacity(usize::from(count).min((body_end - HEADER) / 2));
    let mut p = HEADER;
    while p < body_end {
        let (entry, data_len) = decode_entry(&blob[..body_end], p).ok_or_else(|| err(p, "entry runs past the end"))?;
        let back = backlen_size(data_len);
        let back_at = p + data_len;
        let stored = blob.get(back_at..back_at + back).filter(|_| back_at + back <= body_end);
        match stored {
            Some(bytes) if backlen_matches(bytes, data_len) => {}
            Some(_) => return Err(err(back_at, "bad entry backlen")),
            None => return Err(err(back_at, "entry backlen runs past the end")),
        }
        entries.push(entry);
        p = back_at + back;
    }
    if count != COUNT_UNKNOWN && usize::from(count) != entries.len() {
        return Err(err(4, &format!("header count {count} but {} entries", entries.len())));
    }
    Ok(entries)
}

/// Decodes the entry at `p` of `body` (the blob without its terminator): the entry and the
/// size of its encoding + data. None if it runs past the end or uses an invalid encoding.
fn decode_entry(body: &[u8], p: usize) -> Option<(Entry<'_>, usize)> {
    let b = *body.get(p)?;
    let at = |n: usize| body.get(p + 1..p + 1 + n);
    Some(match b {
        0x00..=0x7F => (Entry::Int(i64::from(b)), 1),
        0x80..=0xBF => {
            let len = usize::from(b & 0x3F);
            (Entry::Str(at(len)?), 1 + len)
        }
        0xC0..=0xDF => {
            let lo = *at(1)?.first()?;
            let uv = (u16::from(b & 0x1F) << 8) | u16::from(lo);
            let v = if uv >= 4096 { i64::from(uv) - 8192 } else { i64::from(uv) };
            (Entry::Int(v), 2)
        }
        0xE0..=0xEF => {
            let lo = *at(1)?.first()?;
            let len = (usize::from(b & 0x0F) << 8) | usize::from(lo);
            (Entry::Str(body.get(p + 2..p + 2 + len)?), 2 + len)
        }
        0xF0 => {
            let l = at(4)?;
            let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
            let end = (p + 5).checked_add(len)?;
            (Entry::Str(body.get(p + 5..end)?), 5 + len)
        }
        0xF1 => {
            let d = at(2)?;
            (Entry::Int(i64::from(i16::from_le_bytes([d[0], d[1]]))), 3)
        }
        0xF2 => {
            let d = at(3)?;
            let v = i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8;
            (Entry::Int(i64::from(v)), 4)
        }
        0xF3 => {
            let d = at(4)?;
            (Entry::Int(i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]]))), 5)
        }
        0xF4 => {
            let d = at(8)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(d);
            (Entry::Int(i64::from_le_bytes(a)), 9)
        }
        // 0xF5..=0xFE are unused encodings; 0xFF is the terminator, never an entry.
        _ => return None,
    })
}

/// How many bytes the backlen of an entry of `len` bytes takes.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16383 => 2,
        16384..=2097151 => 3,
        2097152..=268435455 => 4,
        _ => 5,
    }
}

/// Appends the backlen of an entry of `len` bytes.
fn push_backlen(out: &mut Vec<u8>, len: usize) {
    let size = backlen_size(len);
    for i in (0..size).rev() {
        let group = ((len >> (7 * i)) & 0x7F) as u8;
        out.push(if i == size - 1 { group } else { group | 0x80 });
    }
}

/// Does `stored` hold the backlen of an entry of `len` bytes?
fn backlen_matches(stored: &[u8], len: usize) -> bool {
    let mut expect = [0u8; 5];
    let size = backlen_size(len);
    for (i, slot) in expect.iter_mut().take(size).enumerate() {
        let shift = 7 * (size - 1 - i);
        let group = ((len >> shift) & 0x7F) as u8;
        *slot = if i == 0 { group } else { group | 0x80 };
    }
    stored == &expect[..size]
}

/// Builds a listpack the way Redis encodes one: canonical integer strings (string2ll rules)
/// become integers of the smallest width, anything else a string.
#[derive(Debug, Clone)]
pub struct Builder {
    /// Header placeholder, then the entries.
    buf: Vec<u8>,
    /// Entries pushed so far.
    count: usize,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// An empty listpack.
    pub fn new() -> Builder {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0 }
    }

    /// Entries pushed so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Has nothing been pushed?
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The size the finished listpack will have.
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// The bytes an element would add (encoding, data and backlen).
    pub fn entry_size(element: &[u8]) -> usize {
        let data = match parse_i64(element) {
            Some(v) => int_size(v),
            None => str_header_size(element.len()) + element.len(),
        };
        data + backlen_size(data)
    }

    /// Appends an element, integer-encoded when it is a canonical integer.
    pub fn push(&mut self, element: &[u8]) {
        match parse_i64(element) {
            Some(v) => self.push_int(v),
            None => self.push_str(element),
        }
    }

    /// Appends an integer element.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        let out = &mut self.buf;
        match v {
            0..=127 => out.push(v as u8),
            -4096..=4095 => {
                let uv = (v as u16) & 0x1FFF;
                out.push(0xC0 | (uv >> 8) as u8);
                out.push(uv as u8);
            }
            -32768..=32767 => {
                out.push(0xF1);
                out.extend_from_slice(&(v as i16).to_le_bytes());
            }
            -8388608..=8388607 => {
                out.push(0xF2);
                out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            -2147483648..=2147483647 => {
                out.push(0xF3);
                out.extend_from_slice(&(v as i32).to_le_bytes());
            }
            _ => {
                out.push(0xF4);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        let len = out.len() - start;
        push_backlen(out, len);
        self.count += 1;
    }

    /// Appends a string element as a string, even if it looks like an integer.
    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let out = &mut self.buf;
        let len = s.len();
        if len < 64 {
            out.push(0x80 | len as u8);
        } else if len < 4096 {
            out.push(0xE0 | (len >> 8) as u8);
            out.push(len as u8);
        } else {
            out.push(0xF0);
            out.extend_from_slice(&(len as u32).to_le_bytes());
        }
        out.extend_from_slice(s);
        let n = out.len() - start;
        push_backlen(out, n);
        self.count += 1;
    }

    /// Writes the header (total bytes, count or 65535 when it does not fit) and the
    /// terminator, and returns the blob.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(END);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = u16::try_from(self.count).unwrap_or(COUNT_UNKNOWN);
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// Bytes of encoding + data for an integer.
fn int_size(v: i64) -> usize {
    match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8388608..=8388607 => 4,
        -2147483648..=2147483647 => 5,
        _ => 9,
    }
}

/// Bytes of the encoding header for a string of `len` bytes.
fn str_header_size(len: usize) -> usize {
    match len {
        0..=63 => 1,
        64..=4095 => 2,
        _ => 5,
    }
}

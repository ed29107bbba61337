//! One key and its value, packed to keep memory per key low.
//!
//! An [`Entry`] is two words plus a pointer: `data` holds a small header, the optional
//! expiry, the key and (for short strings) the value in ONE allocation; `obj` holds
//! any value that is not a short string (long or often-appended strings, and the
//! collection types). A 16-byte key with a 10-byte value therefore costs one 32-byte
//! allocation plus the entry itself, where Redis pays a dictEntry, a key sds and a
//! value object (see `reference/perf-anchors.md` B.3).
//!
//! `data` layout:
//! ```text
//! [flags: u8][lru: 3 bytes LE][expire_ms: u64 LE, only if flags & HAS_EXPIRE]
//! [key_len: LEB128][key bytes][inline string value bytes, only if obj is None]
//! ```

use super::value::Object;

const HAS_EXPIRE: u8 = 1;
/// The string was modified in place (APPEND, SETRANGE): OBJECT ENCODING says `raw`.
const RAW: u8 = 2;
/// The string was stored without trying the integer encoding (INCRBYFLOAT's result):
/// OBJECT ENCODING says `embstr` even for "3".
const NO_INT: u8 = 4;
/// Snapshot parity: the entry was saved by (or created during) the snapshot whose
/// parity this is (see `Store::begin_snapshot`). Every rewrite of `data` keeps it.
const SNAP: u8 = 8;

/// Strings up to this length are stored inside `data` (one exact-size allocation with
/// the key), longer ones in `obj`. 4 KB covers the tokens, sessions and JSON records of
/// a typical cache, each then costing less than in Redis (no separate value object);
/// strings grown by APPEND/SETRANGE move to `obj` whatever their size.
const INLINE_MAX: usize = 4096;

/// The kind of value a key holds, as TYPE names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    List,
    Set,
    Hash,
}

impl Kind {
    /// The name TYPE replies with.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Set => "set",
            Kind::Hash => "hash",
        }
    }
}

/// A key, its value, its expiry and its access clock.
#[derive(Debug)]
pub struct Entry {
    data: Box<[u8]>,
    obj: Option<Box<Object>>,
}

fn varint_len(mut n: usize) -> usize {
    let mut l = 1;
    while n >= 0x80 {
        n >>= 7;
        l += 1;
    }
    l
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_varint(b: &[u8]) -> (usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    for (i, &byte) in b.iter().enumerate() {
        n |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return (n, i + 1);
        }
        shift += 7;
    }
    (n, b.len())
}

impl Entry {
    fn build(key: &[u8], inline: &[u8], flags: u8, lru: u32, expire: Option<u64>) -> Box<[u8]> {
        let flags = (flags & !HAS_EXPIRE) | if expire.is_some() { HAS_EXPIRE } else { 0 };
        let cap = 4 + if expire.is_some() { 8 } else { 0 } + varint_len(key.len()) + key.len() + inline.len();
        let mut v = Vec::with_capacity(cap);
        v.push(flags);
        v.extend_from_slice(&lru.to_le_bytes()[..3]);
        if let Some(at) = expire {
            v.extend_from_slice(&at.to_le_bytes());
        }
        put_varint(&mut v, key.len());
        v.extend_from_slice(key);
        v.extend_from_slice(inline);
        v.into_boxed_slice()
    }

    /// A string entry.
    pub fn new_string(key: &[u8], value: &[u8], expire: Option<u64>, lru: u32) -> Entry {
        if value.len() <= INLINE_MAX {
            Entry { data: Self::build(key, value, 0, lru, expire), obj: None }
        } else {
            Entry { data: Self::build(key, &[], 0, lru, expire), obj: Some(Box::new(Object::Str(value.to_vec()))) }
        }
    }

    /// A string entry that OBJECT ENCODING never reports as `int` (INCRBYFLOAT).
    pub fn new_string_no_int(key: &[u8], value: &[u8], expire: Option<u64>, lru: u32) -> Entry {
        let mut e = Entry::new_string(key, value, expire, lru);
        e.data[0] |= NO_INT;
        e
    }

    /// An entry holding any object.
    pub fn new_object(key: &[u8], obj: Object, expire: Option<u64>, lru: u32) -> Entry {
        Entry { data: Self::build(key, &[], 0, lru, expire), obj: Some(Box::new(obj)) }
    }

    fn flags(&self) -> u8 {
        self.data[0]
    }

    fn key_offset(&self) -> usize {
        if self.flags() & HAS_EXPIRE != 0 {
            12
        } else {
            4
        }
    }

    #[inline]
    fn key_range(&self) -> (usize, usize) {
        let off = self.key_offset();
        // Keys under 128 bytes (nearly all) have a one-byte length.
        let first = self.data[off];
        if first < 0x80 {
            return (off + 1, off + 1 + usize::from(first));
        }
        let (len, n) = read_varint(&self.data[off..]);
        (off + n, off + n + len)
    }

    /// The key's bytes.
    #[inline]
    pub fn key(&self) -> &[u8] {
        let (s, e) = self.key_range();
        &self.data[s..e]
    }

    /// The absolute expiry in unix milliseconds, if any.
    pub fn expire(&self) -> Option<u64> {
        if self.flags() & HAS_EXPIRE == 0 {
            return None;
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.data[4..12]);
        Some(u64::from_le_bytes(b))
    }

    /// Is the key expired at `now` (unix ms)? Redis: expired when `now > when`.
    pub fn is_expired(&self, now: u64) -> bool {
        matches!(self.expire(), Some(at) if now > at)
    }

    /// Sets or clears the expiry. Rebuilds `data` only when the presence changes.
    pub fn set_expire(&mut self, expire: Option<u64>) {
        match (self.flags() & HAS_EXPIRE != 0, expire) {
            (true, Some(at)) => self.data[4..12].copy_from_slice(&at.to_le_bytes()),
            (false, None) => {}
            _ => {
                let (s, _) = self.key_range();
                let key_and_inline = self.data[s..].to_vec();
                let (klen, _) = read_varint(&self.data[self.key_offset()..]);
                let (key, inline) = key_and_inline.split_at(klen);
                self.data = Self::build(key, inline, self.flags(), self.lru(), expire);
            }
        }
    }

    /// The 24-bit access clock (seconds, or LFU counter data later).
    pub fn lru(&self) -> u32 {
        u32::from_le_bytes([self.data[1], self.data[2], self.data[3], 0])
    }

    /// Updates the access clock.
    pub fn set_lru(&mut self, lru: u32) {
        self.data[1..4].copy_from_slice(&lru.to_le_bytes()[..3]);
    }

    /// What TYPE reports.
    pub fn kind(&self) -> Kind {
        match self.obj.as_deref() {
            None | Some(Object::Str(_)) => Kind::String,
            Some(o) => o.kind(),
        }
    }

    /// The string value, or None when the key holds another type.
    pub fn as_str(&self) -> Option<&[u8]> {
        match self.obj.as_deref() {
            None => {
                let (_, e) = self.key_range();
                Some(&self.data[e..])
            }
            Some(Object::Str(v)) => Some(v),
            Some(_) => None,
        }
    }

    /// The object, when the value is not an inline string.
    pub fn object(&self) -> Option<&Object> {
        self.obj.as_deref()
    }

    /// The object for in-place changes.
    pub fn object_mut(&mut self) -> Option<&mut Object> {
        self.obj.as_deref_mut()
    }

    /// Replaces the value with a string, keeping key, expiry and clock.
    pub fn set_string(&mut self, value: &[u8]) {
        let flags = self.flags() & !(RAW | NO_INT);
        let expire = self.expire();
        if value.len() <= INLINE_MAX {
            self.data = Self::build(self.key(), value, flags, self.lru(), expire);
            self.obj = None;
        } else {
            if self.obj.is_none() {
                // Drop the inline bytes from `data`.
                self.data = Self::build(self.key(), &[], flags, self.lru(), expire);
            } else {
                self.data[0] = flags | (self.data[0] & HAS_EXPIRE);
            }
            self.obj = Some(Box::new(Object::Str(value.to_vec())));
        }
    }

    /// Replaces the value with a string and the expiry with `expire`, rebuilding the
    /// allocation once (SET on an existing key).
    pub fn replace_string(&mut self, value: &[u8], expire: Option<u64>, lru: u32) {
        // Same size as before (a counter, a fixed-size value): overwrite in place.
        if self.obj.is_none() && value.len() <= INLINE_MAX && expire.is_some() == (self.flags() & HAS_EXPIRE != 0) {
            let (_, end) = self.key_range();
            if self.data.len() - end == value.len() {
                self.data[0] &= HAS_EXPIRE | SNAP;
                self.set_lru(lru);
                if let Some(at) = expire {
                    self.data[4..12].copy_from_slice(&at.to_le_bytes());
                }
                self.data[end..].copy_from_slice(value);
                return;
            }
        }
        let snap = self.flags() & SNAP;
        if value.len() <= INLINE_MAX {
            self.data = Self::build(self.key(), value, snap, lru, expire);
            self.obj = None;
        } else {
            self.data = Self::build(self.key(), &[], snap, lru, expire);
            self.obj = Some(Box::new(Object::Str(value.to_vec())));
        }
    }

    /// The snapshot parity bit (see [`SNAP`]).
    pub fn snap_bit(&self) -> bool {
        self.flags() & SNAP != 0
    }

    /// Sets the snapshot parity bit.
    pub fn set_snap_bit(&mut self, on: bool) {
        if on {
            self.data[0] |= SNAP;
        } else {
            self.data[0] &= !SNAP;
        }
    }

    /// The string for in-place growth (APPEND, SETRANGE): moves it out of line and
    /// marks it `raw`, as Redis converts an embstr before modifying it.
    /// None when the key holds another type.
    pub fn string_mut(&mut self) -> Option<&mut Vec<u8>> {
        if self.obj.is_none() {
            let value = self.as_str().unwrap_or_default().to_vec();
            self.data = Self::build(self.key(), &[], self.flags(), self.lru(), self.expire());
            self.obj = Some(Box::new(Object::Str(value)));
        }
        self.data[0] |= RAW;
        match self.obj.as_deref_mut() {
            Some(Object::Str(v)) => Some(v),
            _ => None,
        }
    }

    /// The encoding OBJECT ENCODING reports, as Redis 7.0 names it.
    pub fn encoding(&self) -> &'static str {
        match self.obj.as_deref() {
            None | Some(Object::Str(_)) => self.string_encoding(),
            Some(o) => o.encoding(),
        }
    }

    /// The encoding OBJECT ENCODING reports for a string, as Redis 7.0 chooses it.
    pub fn string_encoding(&self) -> &'static str {
        let Some(v) = self.as_str() else { return "raw" };
        if self.flags() & RAW != 0 {
            return "raw";
        }
        if self.flags() & NO_INT == 0 && v.len() <= 20 && crate::numbers::parse_i64(v).is_some() {
            "int"
        } else if v.len() <= 44 {
            "embstr"
        } else {
            "raw"
        }
    }

    /// A copy with another key (COPY, RENAME across shards, MOVE).
    pub fn clone_with_key(&self, key: &[u8]) -> Entry {
        let (_, e) = self.key_range();
        let inline: &[u8] = if self.obj.is_none() { &self.data[e..] } else { &[] };
        Entry { data: Self::build(key, inline, self.flags(), self.lru(), self.expire()), obj: self.obj.clone() }
    }

    /// Approximate heap bytes used by this entry (for MEMORY USAGE and accounting).
    pub fn heap_size(&self) -> usize {
        self.data.len() + self.obj.as_ref().map_or(0, |o| 16 + o.heap_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_key_value_and_expiry() {
        let mut e = Entry::new_string(b"key:1", b"value", None, 7);
        assert_eq!(e.key(), b"key:1");
        assert_eq!(e.as_str(), Some(&b"value"[..]));
        assert_eq!(e.expire(), None);
        e.set_expire(Some(1234));
        assert_eq!(e.expire(), Some(1234));
        assert_eq!(e.key(), b"key:1");
        assert_eq!(e.as_str(), Some(&b"value"[..]));
        assert_eq!(e.lru(), 7);
        e.set_expire(None);
        assert_eq!(e.expire(), None);
        assert_eq!(e.as_str(), Some(&b"value"[..]));
    }

    #[test]
    fn long_and_grown_strings() {
        let long = vec![b'x'; 100];
        let mut e = Entry::new_string(b"k", &long, Some(5), 0);
        assert_eq!(e.as_str(), Some(&long[..]));
        assert_eq!(e.string_encoding(), "raw");
        e.set_string(b"12");
        assert_eq!(e.string_encoding(), "int");
        e.string_mut().unwrap().extend_from_slice(b"3");
        assert_eq!(e.as_str(), Some(&b"123"[..]));
        assert_eq!(e.string_encoding(), "raw");
        assert_eq!(e.expire(), Some(5));
        let long_key = vec![b'k'; 300];
        let c = e.clone_with_key(&long_key);
        assert_eq!(c.key(), &long_key[..]);
        assert_eq!(c.as_str(), Some(&b"123"[..]));
    }
}

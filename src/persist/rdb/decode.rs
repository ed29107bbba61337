//! The RDB reader: a slice-based [`Reader`] yielding [`Item`]s, and [`decode_dump_payload`].
//!
//! Everything is bounds-checked: a length larger than what is left of the input is an error
//! before anything is allocated, and blobs (listpack, ziplist, intset, zipmap) are fully
//! validated. Expired keys and empty collections are reported as they are; the caller decides
//! (Redis drops the first when loading dump.rdb as a master, and always skips the second).

use std::borrow::Cow;
use std::collections::HashSet;

use super::crc64::crc64;
use super::listpack::Entry;
use super::types::{self as t};
use super::{intset, listpack, lzf, opcodes, ziplist, zipmap};
use super::{Error, ErrorKind, Item, KeyRecord, Value, RDB_MAX_VERSION};
use crate::numbers::parse_f64;

/// A hash's (field, value).
type Pair = (Vec<u8>, Vec<u8>);

/// A blob read from a string, and where it is in the file.
struct Blob<'a> {
    /// The blob's bytes (owned when it was LZF-compressed).
    bytes: Cow<'a, [u8]>,
    /// File offset of the first byte, or of the string's header when compressed.
    base: usize,
}

impl Blob<'_> {
    /// Makes a blob decoder's error point into the file: errors inside a decompressed blob
    /// get the string's offset, and the position inside the blob goes to the message.
    fn fix(&self, mut e: Error) -> Error {
        if matches!(self.bytes, Cow::Owned(_)) {
            let inner = e.offset.saturating_sub(self.base);
            e.message.push_str(&format!(" (byte {inner} of an LZF-compressed blob)"));
            e.offset = self.base;
        }
        e
    }
}

/// A bounds-checked position in the input.
#[derive(Debug, Clone)]
struct Cursor<'a> {
    /// The whole input; offsets in errors are into this.
    data: &'a [u8],
    /// Bytes consumed so far.
    pos: usize,
}

/// A length field or a special string encoding tag.
enum Len {
    /// A plain length.
    Plain(u64),
    /// `11xxxxxx`: the low six bits select INT8/16/32 or LZF.
    Special(u8),
}

impl<'a> Cursor<'a> {
    /// Bytes left.
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        if n > self.remaining() {
            return Err(Error::format(
                self.pos,
                format!("Unexpected EOF reading {what}: need {n} bytes, {} left", self.remaining()),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// The next `N` bytes as an array.
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Error> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    /// One byte.
    fn u8(&mut self, what: &str) -> Result<u8, Error> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A length or a special string tag.
    fn len_or_special(&mut self, what: &str) -> Result<Len, Error> {
        let at = self.pos;
        let b = self.u8(what)?;
        Ok(match b >> 6 {
            0 => Len::Plain(u64::from(b & 0x3F)),
            1 => Len::Plain((u64::from(b & 0x3F) << 8) | u64::from(self.u8(what)?)),
            2 => match b {
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(self.array(what)?))),
                0x81 => Len::Plain(u64::from_be_bytes(self.array(what)?)),
                _ => return Err(Error::format(at, format!("Unknown length encoding {b} in rdbLoadLen()"))),
            },
            _ => Len::Special(b & 0x3F),
        })
    }

    /// A plain length (any value).
    fn len(&mut self, what: &str) -> Result<u64, Error> {
        let at = self.pos;
        match self.len_or_special(what)? {
            Len::Plain(n) => Ok(n),
            Len::Special(_) => Err(Error::format(at, format!("Unexpected string encoding reading {what}"))),
        }
    }

    /// An element count whose elements take at least `min_each` bytes: refused if the rest of
    /// the input could not hold them, so it is safe to size allocations with it.
    fn count(&mut self, min_each: usize, what: &str) -> Result<usize, Error> {
        let at = self.pos;
        let n = self.len(what)?;
        if n.saturating_mul(min_each as u64) > self.remaining() as u64 {
            return Err(Error::format(
                at,
                format!("Invalid length {n} for {what}: only {} bytes left", self.remaining()),
            ));
        }
        Ok(n as usize)
    }

    /// A string in any encoding, borrowed when stored plain.
    fn string_cow(&mut self, what: &str) -> Result<Cow<'a, [u8]>, Error> {
        let at = self.pos;
        match self.len_or_special(what)? {
            Len::Plain(n) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                Ok(Cow::Borrowed(self.take(n, what)?))
            }
            Len::Special(0) => Ok(Cow::Owned(int_text(i64::from(self.u8(what)? as i8)))),
            Len::Special(1) => Ok(Cow::Owned(int_text(i64::from(i16::from_le_bytes(self.array(what)?))))),
            Len::Special(2) => Ok(Cow::Owned(int_text(i64::from(i32::from_le_bytes(self.array(what)?))))),
            Len::Special(3) => {
                let clen = self.len(what)?;
                let ulen = self.len(what)?;
                let packed = self.take(usize::try_from(clen).unwrap_or(usize::MAX), what)?;
                let ulen = usize::try_from(ulen).unwrap_or(usize::MAX);
                lzf::decompress(packed, ulen)
                    .map(Cow::Owned)
                    .ok_or_else(|| Error::format(at, "Invalid LZF compressed string"))
            }
            Len::Special(e) => Err(Error::format(at, format!("Unknown RDB string encoding type {e}"))),
        }
    }

    /// A string in any encoding, owned.
    fn string(&mut self, what: &str) -> Result<Vec<u8>, Error> {
        Ok(self.string_cow(what)?.into_owned())
    }

    /// A blob (listpack, ziplist, …) with its place in the file.
    fn blob(&mut self, what: &str) -> Result<Blob<'a>, Error> {
        let at = self.pos;
        let bytes = self.string_cow(what)?;
        let base = match &bytes {
            Cow::Borrowed(b) => self.pos - b.len(),
            Cow::Owned(_) => at,
        };
        Ok(Blob { bytes, base })
    }

    /// A score of the old ZSET type: a length byte (253 NaN, 254 +inf, 255 -inf) and text.
    fn text_double(&mut self) -> Result<f64, Error> {
        let at = self.pos;
        let n = self.u8("a double length")?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let text = self.take(usize::from(n), "a double")?;
                parse_f64(text).ok_or_else(|| Error::format(at, "Invalid double value"))
            }
        }
    }

    /// The value of an object of type `rdb_type`. Unsupported types give an
    /// [`ErrorKind::Unsupported`] error that the caller completes with the key's name.
    fn object(&mut self, rdb_type: u8) -> Result<Value, Error> {
        let start = self.pos;
        Ok(match rdb_type {
            t::STRING => Value::Str(self.string("a string value")?),
            t::LIST => {
                let n = self.count(1, "a list")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.string("a list element")?);
                }
                Value::List(items)
            }
            t::SET => {
                let n = self.count(1, "a set")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.string("a set member")?);
                }
                check_unique(items.iter().map(Vec::as_slice), items.len(), start, "set members")?;
                Value::Set(items)
            }
            t::ZSET | t::ZSET_2 => {
                let n = self.count(if rdb_type == t::ZSET { 2 } else { 9 }, "a sorted set")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let member = self.string("a sorted set member")?;
                    let at = self.pos;
                    let score = match rdb_type {
                        t::ZSET => self.text_double()?,
                        _ => f64::from_le_bytes(self.array("a binary double")?),
                    };
                    if score.is_nan() {
                        return Err(Error::format(at, "Zset with NAN score detected"));
                    }
                    items.push((member, score));
                }
                check_unique(items.iter().map(|(m, _)| m.as_slice()), items.len(), start, "zset members")?;
                Value::ZSet(items)
            }
            t::HASH => {
                let n = self.count(2, "a hash")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let field = self.string("a hash field")?;
                    let value = self.string("a hash value")?;
                    items.push((field, value));
                }
                check_unique(items.iter().map(|(f, _)| f.as_slice()), items.len(), start, "hash fields")?;
                Value::Hash(items)
            }
            t::HASH_ZIPMAP => {
                let blob = self.blob("a zipmap")?;
                let pairs = zipmap::decode(&blob.bytes, blob.base).map_err(|e| blob.fix(e))?;
                check_unique(pairs.iter().map(|(f, _)| *f), pairs.len(), start, "hash fields")?;
                Value::Hash(pairs.into_iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect())
            }
            t::LIST_ZIPLIST => {
                let blob = self.blob("a ziplist")?;
                let entries = ziplist::decode(&blob.bytes, blob.base).map_err(|e| blob.fix(e))?;
                Value::List(entries.into_iter().map(Entry::to_vec).collect())
            }
            t::SET_INTSET => {
                let blob = self.blob("an intset")?;
                Value::Set(
                    intset::decode(&blob.bytes, blob.base)
                        .map_err(|e| blob.fix(e))?
                        .into_iter()
                        .map(int_text)
                        .collect(),
                )
            }
            t::SET_LISTPACK => {
                let blob = self.blob("a listpack")?;
                let entries = listpack::decode(&blob.bytes, blob.base).map_err(|e| blob.fix(e))?;
                let items: Vec<Vec<u8>> = entries.into_iter().map(Entry::to_vec).collect();
                check_unique(items.iter().map(Vec::as_slice), items.len(), start, "set members")?;
                Value::Set(items)
            }
            t::ZSET_ZIPLIST | t::ZSET_LISTPACK => {
                let blob = self.blob("a sorted set blob")?;
                let (bytes, base) = (&blob.bytes, blob.base);
                let entries = match rdb_type {
                    t::ZSET_ZIPLIST => ziplist::decode(bytes, base),
                    _ => listpack::decode(bytes, base),
                }
                .map_err(|e| blob.fix(e))?;
                Value::ZSet(zset_pairs(&entries, base, start)?)
            }
            t::HASH_ZIPLIST | t::HASH_LISTPACK => {
                let blob = self.blob("a hash blob")?;
                let (bytes, base) = (&blob.bytes, blob.base);
                let entries = match rdb_type {
                    t::HASH_ZIPLIST => ziplist::decode(bytes, base),
                    _ => listpack::decode(bytes, base),
                }
                .map_err(|e| blob.fix(e))?;
                Value::Hash(hash_pairs(&entries, base, start)?)
            }
            t::LIST_QUICKLIST | t::LIST_QUICKLIST_2 => Value::List(self.quicklist(rdb_type)?),
            t::HASH_METADATA => {
                let min_expire = u64::from_le_bytes(self.array("a hash minimum expiry")?);
                let n = self.count(3, "a hash")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let at = self.pos;
                    let ttl = self.len("a hash field TTL")?;
                    let field = self.string("a hash field")?;
                    let value = self.string("a hash value")?;
                    let expire = match ttl {
                        0 => None,
                        d => Some(
                            min_expire
                                .checked_add(d - 1)
                                .ok_or_else(|| Error::format(at, "Hash field TTL out of range"))?,
                        ),
                    };
                    items.push((field, value, expire));
                }
                check_unique(items.iter().map(|(f, _, _)| f.as_slice()), items.len(), start, "hash fields")?;
                Value::HashWithFieldTtl(items)
            }
            t::HASH_LISTPACK_EX => {
                // min_expire may be stale (HPERSIST does not update it) and Redis ignores it.
                let _min_expire = self.array::<8>("a hash minimum expiry")?;
                let blob = self.blob("a listpack")?;
                let base = blob.base;
                let entries = listpack::decode(&blob.bytes, base).map_err(|e| blob.fix(e))?;
                if !entries.len().is_multiple_of(3) {
                    return Err(Error::format(base, "Hash listpack with field TTLs does not hold triplets"));
                }
                let mut items = Vec::with_capacity(entries.len() / 3);
                for triplet in entries.chunks_exact(3) {
                    let ttl = match triplet[2] {
                        Entry::Int(v) => Some(v),
                        Entry::Str(s) => crate::numbers::parse_i64(s),
                    };
                    let expire = match ttl {
                        Some(0) => None,
                        Some(v) if v > 0 => Some(v as u64),
                        _ => return Err(Error::format(base, "Invalid hash field TTL in listpack")),
                    };
                    items.push((triplet[0].to_vec(), triplet[1].to_vec(), expire));
                }
                check_unique(items.iter().map(|(f, _, _)| f.as_slice()), items.len(), start, "hash fields")?;
                Value::HashWithFieldTtl(items)
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    start.saturating_sub(1),
                    format!("Unsupported RDB type {other} ({})", t::name(other)),
                ))
            }
        })
    }

    /// The nodes of a quicklist (type 14: ziplists; type 18: container + PLAIN or PACKED).
    fn quicklist(&mut self, rdb_type: u8) -> Result<Vec<Vec<u8>>, Error> {
        let nodes = self.count(if rdb_type == t::LIST_QUICKLIST { 1 } else { 2 }, "quicklist nodes")?;
        let mut items = Vec::new();
        for _ in 0..nodes {
            let container = match rdb_type {
                t::LIST_QUICKLIST => 2,
                _ => {
                    let at = self.pos;
                    match self.len("a quicklist container")? {
                        c @ (1 | 2) => c,
                        c => return Err(Error::format(at, format!("Quicklist integrity check failed: container {c}"))),
                    }
                }
            };
            if container == 1 {
                items.push(self.string("a quicklist PLAIN node")?);
                continue;
            }
            let blob = self.blob("a quicklist node")?;
            let entries = match rdb_type {
                t::LIST_QUICKLIST => ziplist::decode(&blob.bytes, blob.base),
                _ => listpack::decode(&blob.bytes, blob.base),
            }
            .map_err(|e| blob.fix(e))?;
            // Empty nodes are legal (Redis drops them); they add nothing.
            items.reserve(entries.len());
            items.extend(entries.into_iter().map(Entry::to_vec));
        }
        Ok(items)
    }
}

/// An integer as decimal text.
fn int_text(v: i64) -> Vec<u8> {
    itoa::Buffer::new().format(v).as_bytes().to_vec()
}

/// Refuses duplicate names in a collection Redis keeps as a set, map or sorted set.
fn check_unique<'x>(
    names: impl Iterator<Item = &'x [u8]> + Clone,
    n: usize,
    at: usize,
    what: &str,
) -> Result<(), Error> {
    let dup = || Error::format(at, format!("Duplicate {what} detected"));
    if n <= 16 {
        let all: Vec<&[u8]> = names.collect();
        for (i, a) in all.iter().enumerate() {
            if all[i + 1..].contains(a) {
                return Err(dup());
            }
        }
        return Ok(());
    }
    let mut seen: HashSet<&[u8], foldhash::fast::RandomState> =
        HashSet::with_capacity_and_hasher(n, Default::default());
    for name in names {
        if !seen.insert(name) {
            return Err(dup());
        }
    }
    Ok(())
}

/// (member, score) pairs of a ziplist or listpack sorted set.
fn zset_pairs(entries: &[Entry<'_>], base: usize, start: usize) -> Result<Vec<(Vec<u8>, f64)>, Error> {
    if !entries.len().is_multiple_of(2) {
        return Err(Error::format(base, "Sorted set blob has an odd number of entries"));
    }
    let mut items = Vec::with_capacity(entries.len() / 2);
    for pair in entries.chunks_exact(2) {
        let score = match pair[1] {
            Entry::Int(v) => v as f64,
            Entry::Str(s) => parse_f64(s).ok_or_else(|| Error::format(base, "Invalid sorted set score"))?,
        };
        if score.is_nan() {
            return Err(Error::format(base, "Zset with NAN score detected"));
        }
        items.push((pair[0].to_vec(), score));
    }
    check_unique(items.iter().map(|(m, _)| m.as_slice()), items.len(), start, "zset members")?;
    Ok(items)
}

/// (field, value) pairs of a ziplist or listpack hash.
fn hash_pairs(entries: &[Entry<'_>], base: usize, start: usize) -> Result<Vec<Pair>, Error> {
    if !entries.len().is_multiple_of(2) {
        return Err(Error::format(base, "Hash blob has an odd number of entries"));
    }
    let items: Vec<Pair> = entries.chunks_exact(2).map(|p| (p[0].to_vec(), p[1].to_vec())).collect();
    check_unique(items.iter().map(|(f, _)| f.as_slice()), items.len(), start, "hash fields")?;
    Ok(items)
}

/// Reads an RDB file held in memory, one [`Item`] at a time.
///
/// ```text
/// let mut r = Reader::new(&bytes)?;
/// while let Some(item) = r.next_item()? { … }
/// let rdb_end = r.position();   // an AOF preamble continues with commands here
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    /// Position in the input.
    cur: Cursor<'a>,
    /// The file's RDB version.
    version: u32,
    /// The current database (last SELECTDB).
    db: u64,
    /// Whether to compare the CRC-64 trailer (`rdbchecksum yes`).
    verify_checksum: bool,
    /// Expiry read for the next key.
    expire_ms: Option<i64>,
    /// IDLE read for the next key.
    idle: Option<u64>,
    /// FREQ read for the next key.
    freq: Option<u8>,
    /// Whether EOF (and the trailer) has been read.
    done: bool,
}

impl<'a> Reader<'a> {
    /// Checks the `REDIS` magic and the version (1 ..= 12) and positions after them.
    pub fn new(data: &'a [u8]) -> Result<Reader<'a>, Error> {
        let header = data
            .get(..9)
            .ok_or_else(|| Error::new(ErrorKind::Version, data.len(), "Short read loading the RDB header"))?;
        if &header[..5] != b"REDIS" {
            return Err(Error::new(ErrorKind::Version, 9, "Wrong signature trying to load DB from file"));
        }
        // Redis parses the four digits with atoi: leading digits count, the rest is ignored.
        let version =
            header[5..].iter().take_while(|b| b.is_ascii_digit()).fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
        if !(1..=RDB_MAX_VERSION).contains(&version) {
            return Err(Error::new(ErrorKind::Version, 9, format!("Can't handle RDB format version {version}")));
        }
        Ok(Reader {
            cur: Cursor { data, pos: 9 },
            version,
            db: 0,
            verify_checksum: true,
            expire_ms: None,
            idle: None,
            freq: None,
            done: false,
        })
    }

    /// The file's RDB version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Whether to check the CRC-64 trailer at EOF (default true; false for `rdbchecksum no`).
    pub fn set_verify_checksum(&mut self, verify: bool) {
        self.verify_checksum = verify;
    }

    /// Bytes consumed so far. After [`Reader::next_item`] returned None, the end of the RDB
    /// (EOF opcode and trailer included): an AOF with an RDB preamble continues there.
    pub fn position(&self) -> usize {
        self.cur.pos
    }

    /// The next item, or None once the EOF opcode and the checksum trailer have been read.
    /// After an error the position is unspecified: stop reading.
    pub fn next_item(&mut self) -> Result<Option<Item>, Error> {
        if self.done {
            return Ok(None);
        }
        loop {
            let at = self.cur.pos;
            let op = self.cur.u8("an opcode")?;
            match op {
                opcodes::EXPIRETIME_MS => self.expire_ms = Some(i64::from_le_bytes(self.cur.array("an expire time")?)),
                opcodes::EXPIRETIME => {
                    let secs = i32::from_le_bytes(self.cur.array("an expire time")?);
                    self.expire_ms = Some(i64::from(secs) * 1000);
                }
                opcodes::IDLE => self.idle = Some(self.cur.len("an LRU idle time")?),
                opcodes::FREQ => self.freq = Some(self.cur.u8("an LFU frequency")?),
                opcodes::SELECTDB => {
                    self.db = self.cur.len("a database number")?;
                    return Ok(Some(Item::SelectDb(self.db)));
                }
                opcodes::RESIZEDB => {
                    let size = self.cur.len("a RESIZEDB size")?;
                    let expires = self.cur.len("a RESIZEDB size")?;
                    return Ok(Some(Item::ResizeDb(size, expires)));
                }
                opcodes::SLOT_INFO => {
                    for _ in 0..3 {
                        self.cur.len("SLOT_INFO")?;
                    }
                }
                opcodes::AUX => {
                    let key = self.cur.string("an AUX field key")?;
                    let value = self.cur.string("an AUX field value")?;
                    return Ok(Some(Item::Aux(key, value)));
                }
                opcodes::MODULE_AUX => {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        at,
                        "Module auxiliary data: modules are not supported",
                    ))
                }
                opcodes::FUNCTION_PRE_GA => {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        at,
                        "Pre-release function format (FUNCTION_PRE_GA) is not supported",
                    ))
                }
                opcodes::FUNCTION2 => return Ok(Some(Item::Function(self.cur.string("a function library")?))),
                opcodes::EOF => {
                    self.check_trailer(at)?;
                    self.done = true;
                    return Ok(None);
                }
                rdb_type => return self.key(rdb_type, at).map(Some),
            }
        }
    }

    /// Reads the key and value of an object of type `rdb_type` (whose byte is at `at`).
    fn key(&mut self, rdb_type: u8, at: usize) -> Result<Item, Error> {
        let key = self.cur.string("a key").map_err(|e| match t::name(rdb_type) {
            "unknown" => Error::format(at, format!("Unknown RDB type {rdb_type}")),
            _ => e,
        })?;
        let value = match self.cur.object(rdb_type) {
            Ok(v) => v,
            Err(mut e) => {
                if e.kind == ErrorKind::Unsupported {
                    e.offset = at;
                    e.message.push_str(&format!(" for key {} in db {}", crate::persist::repr(&key), self.db));
                }
                return Err(e);
            }
        };
        Ok(Item::Key(KeyRecord {
            db: self.db,
            key,
            expire_ms: self.expire_ms.take(),
            idle: self.idle.take(),
            freq: self.freq.take(),
            rdb_type,
            value,
        }))
    }

    /// Reads and checks the CRC-64 trailer after the EOF opcode at `eof_at` (version ≥ 5).
    fn check_trailer(&mut self, eof_at: usize) -> Result<(), Error> {
        if self.version < 5 {
            return Ok(());
        }
        let trailer_at = self.cur.pos;
        let stored = u64::from_le_bytes(self.cur.array("the CRC-64 trailer")?);
        // An all-zero trailer means the file was written with `rdbchecksum no`.
        if self.verify_checksum && stored != 0 {
            let computed = crc64(&self.cur.data[..eof_at + 1]);
            if computed != stored {
                return Err(Error::new(
                    ErrorKind::Checksum,
                    trailer_at,
                    format!("RDB CRC error: the file says {stored:016x}, the data gives {computed:016x}"),
                ));
            }
        }
        Ok(())
    }
}

/// Decodes a DUMP/RESTORE payload: `<type><value><u16 LE version><u64 LE crc64>`.
///
/// A version above 12 or a wrong CRC is an error for which [`Error::is_version_or_checksum`]
/// holds (RESTORE: `ERR DUMP payload version or checksum are wrong`); anything else — a
/// malformed value, trailing bytes, an empty collection, an unsupported type — is a format
/// error (`ERR Bad data format`).
pub fn decode_dump_payload(data: &[u8]) -> Result<(u8, Value), Error> {
    let bad_footer = || Error::new(ErrorKind::Version, 0, "DUMP payload version or checksum are wrong");
    let footer = data.len().checked_sub(10).ok_or_else(bad_footer)?;
    let version = u16::from_le_bytes([data[footer], data[footer + 1]]);
    if u32::from(version) > RDB_MAX_VERSION {
        return Err(Error::new(ErrorKind::Version, footer, format!("Can't handle DUMP payload version {version}")));
    }
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&data[footer + 2..]);
    let stored = u64::from_le_bytes(crc);
    let computed = crc64(&data[..footer + 2]);
    if stored != computed {
        return Err(Error::new(
            ErrorKind::Checksum,
            footer + 2,
            format!("DUMP payload CRC error: the payload says {stored:016x}, the data gives {computed:016x}"),
        ));
    }
    let mut cur = Cursor { data: &data[..footer], pos: 0 };
    let rdb_type = cur.u8("the object type")?;
    let value = cur.object(rdb_type).map_err(|mut e| {
        if e.kind == ErrorKind::Unsupported {
            e.message.push_str(" in a DUMP payload");
        }
        e
    })?;
    if cur.pos != footer {
        return Err(Error::format(cur.pos, "Trailing bytes after the value in a DUMP payload"));
    }
    if value.is_empty() {
        return Err(Error::format(1, "Empty collection in a DUMP payload"));
    }
    Ok((rdb_type, value))
}

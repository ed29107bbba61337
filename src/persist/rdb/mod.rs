//! The RDB file format (Redis 1 … 7.4, Valkey 8): a pure codec over byte slices.
//!
//! Owns the byte layout only: [`decode::Reader`] turns a file into [`Item`]s and
//! [`encode`] appends RDB pieces to a `Vec<u8>`. It must never touch the store, the clock
//! or the file system (the caller decides what an expired key or an empty collection means),
//! and nothing read from a file or a client may make it panic or allocate more than the
//! input could hold: every failure is an [`Error`] carrying the byte offset where it was found.
//!
//! Callers: the SAVE/BGSAVE writer, the loader at startup, the AOF preamble reader, and
//! DUMP/RESTORE ([`decode_dump_payload`], [`encode::encode_dump_payload`]).
//!
//! We write version [`RDB_VERSION`] (10, Redis 7.0) so that a real 7.0 can load our files,
//! and read everything up to [`RDB_MAX_VERSION`] (12, Redis 7.4).

pub mod crc64;
pub mod decode;
pub mod encode;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod ziplist;
pub mod zipmap;

#[cfg(test)]
mod tests;

use std::fmt;

pub use decode::{decode_dump_payload, Reader};

/// The RDB version we write (`REDIS0010`, what Redis 7.0 writes and reads).
pub const RDB_VERSION: u32 = 10;
/// The newest RDB version we read (`REDIS0012`, Redis 7.4).
pub const RDB_MAX_VERSION: u32 = 12;

/// Object type codes: the byte before each key.
pub mod types {
    /// A string (plain, integer or LZF encoded).
    pub const STRING: u8 = 0;
    /// A list as a count and plain strings (written by Redis < 3.2).
    pub const LIST: u8 = 1;
    /// A set as a count and plain strings.
    pub const SET: u8 = 2;
    /// A sorted set with scores as text (written by Redis < 4.0).
    pub const ZSET: u8 = 3;
    /// A hash as a count and (field, value) string pairs.
    pub const HASH: u8 = 4;
    /// A sorted set with binary double scores.
    pub const ZSET_2: u8 = 5;
    /// A module value (pre-GA form).
    pub const MODULE_PRE_GA: u8 = 6;
    /// A module value.
    pub const MODULE_2: u8 = 7;
    /// A hash as a zipmap blob (Redis ≤ 2.4).
    pub const HASH_ZIPMAP: u8 = 9;
    /// A list as a ziplist blob (Redis ≤ 3.0).
    pub const LIST_ZIPLIST: u8 = 10;
    /// A set of integers as an intset blob.
    pub const SET_INTSET: u8 = 11;
    /// A sorted set as a ziplist blob (Redis ≤ 6.2).
    pub const ZSET_ZIPLIST: u8 = 12;
    /// A hash as a ziplist blob (Redis ≤ 6.2).
    pub const HASH_ZIPLIST: u8 = 13;
    /// A list as quicklist nodes holding ziplists (Redis 3.2 … 6.2).
    pub const LIST_QUICKLIST: u8 = 14;
    /// A stream (Redis 5.0 … 6.2).
    pub const STREAM_LISTPACKS: u8 = 15;
    /// A hash as a listpack blob (Redis 7.0+).
    pub const HASH_LISTPACK: u8 = 16;
    /// A sorted set as a listpack blob (Redis 7.0+).
    pub const ZSET_LISTPACK: u8 = 17;
    /// A list as quicklist nodes, each PLAIN (one element) or PACKED (a listpack) (Redis 7.0+).
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// A stream (Redis 7.0).
    pub const STREAM_LISTPACKS_2: u8 = 19;
    /// A set as a listpack blob (Redis 7.2+).
    pub const SET_LISTPACK: u8 = 20;
    /// A stream (Redis 7.2+).
    pub const STREAM_LISTPACKS_3: u8 = 21;
    /// A hash with field TTLs, pre-GA form (Redis 7.4 release candidates).
    pub const HASH_METADATA_PRE_GA: u8 = 22;
    /// A listpack hash with field TTLs, pre-GA form (Redis 7.4 release candidates).
    pub const HASH_LISTPACK_EX_PRE_GA: u8 = 23;
    /// A hash with field TTLs as counted (ttl, field, value) tuples (Redis 7.4+).
    pub const HASH_METADATA: u8 = 24;
    /// A hash with field TTLs as a listpack of (field, value, ttl) triplets (Redis 7.4+).
    pub const HASH_LISTPACK_EX: u8 = 25;

    /// A short name for a type code, for messages ("stream", "module", "unknown").
    pub fn name(code: u8) -> &'static str {
        match code {
            STRING => "string",
            LIST | LIST_ZIPLIST | LIST_QUICKLIST | LIST_QUICKLIST_2 => "list",
            SET | SET_INTSET | SET_LISTPACK => "set",
            ZSET | ZSET_2 | ZSET_ZIPLIST | ZSET_LISTPACK => "zset",
            HASH | HASH_ZIPMAP | HASH_ZIPLIST | HASH_LISTPACK | HASH_METADATA | HASH_LISTPACK_EX => "hash",
            HASH_METADATA_PRE_GA | HASH_LISTPACK_EX_PRE_GA => "hash with field TTLs (pre-GA)",
            STREAM_LISTPACKS | STREAM_LISTPACKS_2 | STREAM_LISTPACKS_3 => "stream",
            MODULE_PRE_GA | MODULE_2 => "module",
            _ => "unknown",
        }
    }
}

/// Opcodes: bytes in the type position that are not object types.
pub mod opcodes {
    /// Cluster slot sizes (Redis 7.4 cluster mode): three lengths, hints only.
    pub const SLOT_INFO: u8 = 0xF4;
    /// A FUNCTION library: one string holding its source.
    pub const FUNCTION2: u8 = 0xF5;
    /// A FUNCTION library in the 7.0 release-candidate form.
    pub const FUNCTION_PRE_GA: u8 = 0xF6;
    /// Module auxiliary data.
    pub const MODULE_AUX: u8 = 0xF7;
    /// LRU idle time of the next key, in seconds (a length).
    pub const IDLE: u8 = 0xF8;
    /// LFU frequency of the next key (one byte).
    pub const FREQ: u8 = 0xF9;
    /// An auxiliary field: two strings.
    pub const AUX: u8 = 0xFA;
    /// Hash table size hints for the current db: two lengths.
    pub const RESIZEDB: u8 = 0xFB;
    /// Expiry of the next key: 8-byte little-endian Unix milliseconds.
    pub const EXPIRETIME_MS: u8 = 0xFC;
    /// Expiry of the next key: 4-byte little-endian Unix seconds (old files).
    pub const EXPIRETIME: u8 = 0xFD;
    /// Switch database: one length.
    pub const SELECTDB: u8 = 0xFE;
    /// End of the RDB, followed by the CRC-64 trailer (version ≥ 5).
    pub const EOF: u8 = 0xFF;
}

/// A decoded value, whatever its encoding in the file.
///
/// Collections may be empty (a corrupt or hand-made file can hold them); Redis skips such
/// keys when loading, so the caller must skip a [`KeyRecord`] whose value [`Value::is_empty`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(Vec<u8>),
    /// A list, head first.
    List(Vec<Vec<u8>>),
    /// A set's members, in file order.
    Set(Vec<Vec<u8>>),
    /// A hash's (field, value) pairs, in file order; fields are unique.
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// Types 24/25 (Redis 7.4 hash field expiry): field, value, absolute expiry ms (None = no TTL).
    HashWithFieldTtl(Vec<(Vec<u8>, Vec<u8>, Option<u64>)>),
    /// A sorted set's (member, score) pairs, in file order; scores are never NaN.
    ZSet(Vec<(Vec<u8>, f64)>),
}

impl Value {
    /// Is this an empty collection (a key Redis would skip when loading)? Strings never are.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::List(v) | Value::Set(v) => v.is_empty(),
            Value::Hash(v) => v.is_empty(),
            Value::HashWithFieldTtl(v) => v.is_empty(),
            Value::ZSet(v) => v.is_empty(),
        }
    }
}

/// One key as stored in the file, with the opcodes that preceded it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    /// The database the key belongs to (the last SELECTDB; 0 before any).
    pub db: u64,
    /// The key's bytes.
    pub key: Vec<u8>,
    /// Absolute expiry in Unix ms, if any. Already-expired keys are reported, not dropped.
    pub expire_ms: Option<i64>,
    /// LRU idle seconds (IDLE opcode), if present.
    pub idle: Option<u64>,
    /// LFU frequency (FREQ opcode), if present.
    pub freq: Option<u8>,
    /// The object type code the file used (see [`types`]).
    pub rdb_type: u8,
    /// The decoded value.
    pub value: Value,
}

/// One thing read from an RDB stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An auxiliary field (`redis-ver`, `ctime`, …): key and value bytes.
    Aux(Vec<u8>, Vec<u8>),
    /// SELECTDB: the following keys belong to this database.
    SelectDb(u64),
    /// RESIZEDB: hints for the current database (keys, keys with an expiry).
    ResizeDb(u64, u64),
    /// FUNCTION2: a function library's source code.
    Function(Vec<u8>),
    /// A key and its value.
    Key(KeyRecord),
}

/// What kind of failure an [`Error`] is, for callers that answer differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed or truncated data.
    Format,
    /// Well-formed data we do not support (streams, modules, pre-GA types).
    Unsupported,
    /// A bad magic or an RDB version we cannot read.
    Version,
    /// The CRC-64 trailer does not match.
    Checksum,
}

/// A decoding failure: where and why. Displays as `[offset N] message`, like redis-check-rdb.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
    /// The class of failure.
    pub kind: ErrorKind,
}

impl Error {
    /// A malformed-data error at `offset`.
    pub fn format(offset: usize, message: impl Into<String>) -> Error {
        Error { offset, message: message.into(), kind: ErrorKind::Format }
    }

    /// An error of the given kind at `offset`.
    pub fn new(kind: ErrorKind, offset: usize, message: impl Into<String>) -> Error {
        Error { offset, message: message.into(), kind }
    }

    /// Is this a version or checksum failure (RESTORE's `DUMP payload version or checksum are wrong`)?
    pub fn is_version_or_checksum(&self) -> bool {
        matches!(self.kind, ErrorKind::Version | ErrorKind::Checksum)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[offset {}] {}", self.offset, self.message)
    }
}

impl std::error::Error for Error {}

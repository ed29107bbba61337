//! Values that do not fit inline in an entry: long strings and the collection types.
//!
//! The collections use plain standard containers for now; the compact encodings Redis
//! reports (listpack, intset, quicklist) arrive with the collections issue. OBJECT
//! ENCODING already answers with Redis 7.0's names at Redis's thresholds.

use std::collections::{HashMap, HashSet, VecDeque};

use super::entry::Kind;

/// Hasher for set members and hash fields.
pub type FieldHasher = foldhash::fast::RandomState;

/// A value stored out of line.
#[derive(Debug, Clone)]
pub enum Object {
    /// A string too long to inline, or one grown in place (APPEND, SETRANGE).
    Str(Vec<u8>),
    /// A list.
    List(VecDeque<Box<[u8]>>),
    /// A set.
    Set(HashSet<Box<[u8]>, FieldHasher>),
    /// A hash.
    Hash(HashMap<Box<[u8]>, Box<[u8]>, FieldHasher>),
}

impl Object {
    /// The type TYPE reports.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Str(_) => Kind::String,
            Object::List(_) => Kind::List,
            Object::Set(_) => Kind::Set,
            Object::Hash(_) => Kind::Hash,
        }
    }

    /// An empty set.
    pub fn new_set() -> Object {
        Object::Set(HashSet::with_hasher(FieldHasher::default()))
    }

    /// An empty hash.
    pub fn new_hash() -> Object {
        Object::Hash(HashMap::with_hasher(FieldHasher::default()))
    }

    /// Is this an empty collection (which must be deleted, never stored)?
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Object::Str(_) => false,
            Object::List(l) => l.is_empty(),
            Object::Set(s) => s.is_empty(),
            Object::Hash(h) => h.is_empty(),
        }
    }

    /// The encoding OBJECT ENCODING reports for a collection, with Redis 7.0's default
    /// thresholds (set-max-intset-entries 512, hash-max-listpack-entries 128,
    /// hash-max-listpack-value 64, list-max-listpack-size -2).
    pub fn encoding(&self) -> &'static str {
        match self {
            Object::Str(_) => "raw",
            Object::List(_) => "quicklist",
            Object::Set(s) => {
                if s.len() <= 512 && s.iter().all(|m| crate::numbers::parse_i64(m).is_some()) {
                    "intset"
                } else {
                    "hashtable"
                }
            }
            Object::Hash(h) => {
                if h.len() <= 128 && h.iter().all(|(k, v)| k.len() <= 64 && v.len() <= 64) {
                    "listpack"
                } else {
                    "hashtable"
                }
            }
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        match self {
            Object::Str(v) => v.capacity(),
            Object::List(l) => l.iter().map(|e| e.len() + 16).sum(),
            Object::Set(s) => s.iter().map(|e| e.len() + 24).sum(),
            Object::Hash(h) => h.iter().map(|(k, v)| k.len() + v.len() + 40).sum(),
        }
    }
}

//! Values that do not fit inline in an entry: long strings and (later) collections.
//!
//! Lists, sets and hashes arrive with the collections issue; each variant will own its
//! compact encoding and report it for OBJECT ENCODING.

use super::entry::Kind;

/// A value stored out of line.
#[derive(Debug, Clone)]
pub enum Object {
    /// A string too long to inline, or one grown in place (APPEND, SETRANGE).
    Str(Vec<u8>),
}

impl Object {
    /// The type TYPE reports.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Str(_) => Kind::String,
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        match self {
            Object::Str(v) => v.capacity(),
        }
    }
}

//! Values that do not fit inline in an entry: long strings and the collection types,
//! each in its own file (`list.rs`, `set.rs`, `hash.rs`) owning its encoding and
//! reporting it for OBJECT ENCODING with Redis 7.0's names.

use super::entry::Kind;
use super::hash::Hash;
use super::list::List;
use super::set::Set;

/// A value stored out of line.
#[derive(Debug, Clone)]
pub enum Object {
    /// A string too long to inline, or one grown in place (APPEND, SETRANGE).
    Str(Vec<u8>),
    /// A list.
    List(List),
    /// A set.
    Set(Set),
    /// A hash.
    Hash(Hash),
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

    /// The encoding OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Object::Str(_) => "raw",
            Object::List(l) => l.encoding(),
            Object::Set(s) => s.encoding(),
            Object::Hash(h) => h.encoding(),
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        match self {
            Object::Str(v) => v.capacity(),
            Object::List(l) => l.heap_size(),
            Object::Set(s) => s.heap_size(),
            Object::Hash(h) => h.heap_size(),
        }
    }
}

//! The set value. TEMPORARY representation (a hash set of boxed members); the compact
//! encodings (`intset` for small all-integer sets at `set-max-intset-entries`, then
//! `hashtable`) replace the inside of this type without changing its methods' meaning.

use std::collections::HashSet;

/// Hasher for members.
type Hasher = foldhash::fast::RandomState;

/// A set of byte strings.
#[derive(Debug, Clone, Default)]
pub struct Set {
    members: HashSet<Box<[u8]>, Hasher>,
}

impl Set {
    /// An empty set.
    pub fn new() -> Set {
        Set::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// No members?
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Adds a member; true if it was new.
    pub fn insert(&mut self, m: &[u8]) -> bool {
        self.members.insert(m.into())
    }

    /// Removes a member; true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        self.members.remove(m)
    }

    /// Is `m` a member?
    pub fn contains(&self, m: &[u8]) -> bool {
        self.members.contains(m)
    }

    /// Every member, in the set's own order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.members.iter().map(|b| &b[..])
    }

    /// OBJECT ENCODING, at Redis 7.0's default threshold (set-max-intset-entries 512).
    pub fn encoding(&self) -> &'static str {
        if self.members.len() <= 512 && self.members.iter().all(|m| crate::numbers::parse_i64(m).is_some()) {
            "intset"
        } else {
            "hashtable"
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        self.members.iter().map(|e| e.len() + 24).sum()
    }
}

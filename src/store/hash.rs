//! The hash value. TEMPORARY representation (a hash map of boxed fields and values); the
//! compact encoding (`listpack` up to `hash-max-listpack-entries`/`-value`, then
//! `hashtable`) replaces the inside of this type without changing its methods' meaning.

use std::collections::HashMap;

/// Hasher for fields.
type Hasher = foldhash::fast::RandomState;

/// A map of byte-string fields to byte-string values.
#[derive(Debug, Clone, Default)]
pub struct Hash {
    fields: HashMap<Box<[u8]>, Box<[u8]>, Hasher>,
}

impl Hash {
    /// An empty hash.
    pub fn new() -> Hash {
        Hash::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// No fields?
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Sets a field; true if it was new.
    pub fn insert(&mut self, f: &[u8], v: &[u8]) -> bool {
        self.fields.insert(f.into(), v.into()).is_none()
    }

    /// The value of a field.
    pub fn get(&self, f: &[u8]) -> Option<&[u8]> {
        self.fields.get(f).map(|v| &v[..])
    }

    /// Removes a field; true if it was there.
    pub fn remove(&mut self, f: &[u8]) -> bool {
        self.fields.remove(f).is_some()
    }

    /// Every (field, value), in the hash's own order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields.iter().map(|(k, v)| (&k[..], &v[..]))
    }

    /// OBJECT ENCODING, at Redis 7.0's default thresholds (128 entries, 64 bytes).
    pub fn encoding(&self) -> &'static str {
        if self.fields.len() <= 128 && self.fields.iter().all(|(k, v)| k.len() <= 64 && v.len() <= 64) {
            "listpack"
        } else {
            "hashtable"
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        self.fields.iter().map(|(k, v)| k.len() + v.len() + 40).sum()
    }
}

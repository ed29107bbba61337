//! The list value. TEMPORARY representation (a deque of boxed elements); the compact
//! encoding (a quicklist of listpack-like chunks, OBJECT ENCODING `quicklist`) replaces
//! the inside of this type without changing its methods' meaning.

use std::collections::VecDeque;

/// A list of byte strings.
#[derive(Debug, Clone, Default)]
pub struct List {
    items: VecDeque<Box<[u8]>>,
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No elements?
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds at the head.
    pub fn push_front(&mut self, v: &[u8]) {
        self.items.push_front(v.into());
    }

    /// Adds at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        self.items.push_back(v.into());
    }

    /// Elements `start..=end` (already clamped by the caller), in order.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &[u8]> {
        self.items.range(start..=end).map(|b| &b[..])
    }

    /// Every element, head to tail.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.items.iter().map(|b| &b[..])
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        self.items.iter().map(|e| e.len() + 16).sum()
    }
}

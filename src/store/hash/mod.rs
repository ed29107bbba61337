//! The hash value and its two encodings, as Redis 7.0 keeps them (`t_hash.c`).
//!
//! Owns how a hash's fields and values are laid out in memory; knows nothing of
//! commands or RESP. `commands::hashes` is its only caller, plus `value.rs` for
//! OBJECT ENCODING and memory estimates.
//!
//! - **listpack**: one byte vector of `[len][field][len][value]` pairs (LEB128
//!   lengths), in insertion order, as Redis's listpack. Used while the hash has at most
//!   `hash-max-listpack-entries` fields and every field and value is at most
//!   `hash-max-listpack-value` bytes. Order matters to clients: HGETALL, HKEYS, HVALS
//!   and HSCAN of a small hash answer in this order, byte for byte as Redis does (an
//!   update keeps the field's place, a re-added field goes to the end).
//! - **hashtable**: a dense vector of pairs (so HRANDFIELD picks one in O(1)) indexed
//!   by power-of-two chained buckets, grown at load factor 1 and shrunk under 10% fill
//!   as Redis's dict does, so HSCAN's reverse-binary cursor keeps SCAN's guarantee.
//!
//! Conversion goes one way, listpack → hashtable, never back (as Redis).
//!
//! Invariant: the store never keeps an empty hash (callers delete the key when
//! [`Hash::is_empty`] after a removal).

use std::hash::BuildHasher;
use std::sync::LazyLock;

use rand::Rng;

/// `hash-max-listpack-entries` and `hash-max-listpack-value`, as the caller read them
/// from the configuration for this command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most fields a listpack may hold.
    pub entries: usize,
    /// Longest field or value a listpack may hold, in bytes.
    pub value: usize,
}

impl Limits {
    /// Limits from the two configuration values.
    pub fn new(entries: u64, value: u64) -> Limits {
        let clamp = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Limits { entries: clamp(entries), value: clamp(value) }
    }
}

/// Field hashes for the hashtable encoding: one random seed per process, so a client
/// cannot choose fields that all collide.
static FIELD_HASHER: LazyLock<foldhash::fast::FixedState> =
    LazyLock::new(|| foldhash::fast::FixedState::with_seed(rand::random()));

fn field_hash(field: &[u8]) -> u32 {
    // The low 32 bits pick the bucket; tables never reach 2^32 buckets.
    FIELD_HASHER.hash_one(field) as u32
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Reads a length at `pos`: (length, position after it). Only ever called on bytes
/// this module wrote.
fn read_varint(buf: &[u8], mut pos: usize) -> (usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let byte = buf[pos];
        pos += 1;
        n |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return (n, pos);
        }
        shift += 7;
    }
}

/// One pair's place in a listpack: where it starts, where its value's length starts,
/// where the value's bytes are, where the next pair starts.
struct Pos {
    start: usize,
    value_len_at: usize,
    value: (usize, usize),
    end: usize,
}

/// The listpack encoding: pairs back to back, in insertion order.
#[derive(Debug, Clone, Default)]
struct Listpack {
    buf: Vec<u8>,
    /// Number of pairs (kept so HLEN does not walk the buffer).
    len: usize,
}

impl Listpack {
    /// The pair starting at `start`, and its field's bytes.
    fn at(&self, start: usize) -> (Pos, &[u8]) {
        let (flen, f) = read_varint(&self.buf, start);
        let value_len_at = f + flen;
        let (vlen, v) = read_varint(&self.buf, value_len_at);
        (Pos { start, value_len_at, value: (v, v + vlen), end: v + vlen }, &self.buf[f..f + flen])
    }

    fn find(&self, field: &[u8]) -> Option<Pos> {
        let mut pos = 0;
        while pos < self.buf.len() {
            let (p, f) = self.at(pos);
            if f == field {
                return Some(p);
            }
            pos = p.end;
        }
        None
    }

    fn iter(&self) -> ListpackIter<'_> {
        ListpackIter { lp: self, pos: 0 }
    }

    /// Sets `field`; true if it was new (appended at the end, as Redis's listpack).
    fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some(p) => {
                let mut new = Vec::with_capacity(varint_len(value.len()) + value.len());
                put_varint(&mut new, value.len());
                new.extend_from_slice(value);
                let old = p.end - p.value_len_at;
                if new.len() > old {
                    self.buf.reserve_exact(new.len() - old);
                }
                self.buf.splice(p.value_len_at..p.end, new);
                if self.buf.len() < self.buf.capacity() {
                    self.buf.shrink_to_fit();
                }
                false
            }
            None => {
                // Exact growth, as Redis reallocates a listpack to its new size: a
                // doubling vector would waste up to half of every small hash.
                self.buf.reserve_exact(varint_len(field.len()) + field.len() + varint_len(value.len()) + value.len());
                put_varint(&mut self.buf, field.len());
                self.buf.extend_from_slice(field);
                put_varint(&mut self.buf, value.len());
                self.buf.extend_from_slice(value);
                self.len += 1;
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(p) = self.find(field) else {
            return false;
        };
        self.buf.drain(p.start..p.end);
        self.buf.shrink_to_fit();
        self.len -= 1;
        true
    }
}

struct ListpackIter<'a> {
    lp: &'a Listpack,
    pos: usize,
}

impl<'a> Iterator for ListpackIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.lp.buf.len() {
            return None;
        }
        let (p, f) = self.lp.at(self.pos);
        self.pos = p.end;
        Some((f, &self.lp.buf[p.value.0..p.value.1]))
    }
}

/// One pair of the hashtable encoding.
#[derive(Debug, Clone)]
struct Slot {
    /// `[len][field][value]`: one allocation per pair.
    data: Box<[u8]>,
    /// The field's hash (its low bits pick the bucket).
    hash: u32,
    /// Next slot in the bucket's chain, as index + 1; 0 ends the chain.
    next: u32,
}

impl Slot {
    fn new(field: &[u8], value: &[u8], hash: u32) -> Slot {
        let mut data = Vec::with_capacity(varint_len(field.len()) + field.len() + value.len());
        put_varint(&mut data, field.len());
        data.extend_from_slice(field);
        data.extend_from_slice(value);
        Slot { data: data.into_boxed_slice(), hash, next: 0 }
    }

    fn field(&self) -> &[u8] {
        let (len, at) = read_varint(&self.data, 0);
        &self.data[at..at + len]
    }

    fn value(&self) -> &[u8] {
        let (len, at) = read_varint(&self.data, 0);
        &self.data[at + len..]
    }

    fn pair(&self) -> (&[u8], &[u8]) {
        let (len, at) = read_varint(&self.data, 0);
        self.data[at..].split_at(len)
    }
}

/// Redis's `DICT_HT_INITIAL_SIZE`.
const MIN_BUCKETS: usize = 4;

/// The hashtable encoding.
#[derive(Debug, Clone)]
struct Table {
    /// Every pair, densely (a removal moves the last pair into the hole).
    slots: Vec<Slot>,
    /// Chain heads as slot index + 1 (0: empty bucket); a power of two long.
    buckets: Box<[u32]>,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        let size = n.max(MIN_BUCKETS).next_power_of_two();
        Table { slots: Vec::with_capacity(n), buckets: vec![0; size].into_boxed_slice() }
    }

    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    fn find(&self, field: &[u8]) -> Option<usize> {
        let hash = field_hash(field);
        let mut link = self.buckets[hash as usize & self.mask()];
        while link != 0 {
            let slot = &self.slots[link as usize - 1];
            if slot.hash == hash && slot.field() == field {
                return Some(link as usize - 1);
            }
            link = slot.next;
        }
        None
    }

    fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Some(i) = self.find(field) {
            self.slots[i] = Slot { next: self.slots[i].next, ..Slot::new(field, value, self.slots[i].hash) };
            return false;
        }
        let hash = field_hash(field);
        let mut slot = Slot::new(field, value, hash);
        let bucket = hash as usize & self.mask();
        slot.next = self.buckets[bucket];
        self.slots.push(slot);
        self.buckets[bucket] = self.slots.len() as u32;
        // Redis's dict grows when it holds as many entries as buckets.
        if self.slots.len() > self.buckets.len() {
            self.resize(self.slots.len());
        }
        true
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(i) = self.find(field) else {
            return false;
        };
        let next = self.slots[i].next;
        self.relink(self.slots[i].hash, i as u32 + 1, next);
        let last = self.slots.len() - 1;
        self.slots.swap_remove(i);
        if i != last {
            // The old last slot now lives at `i`: repoint whatever linked to it.
            self.relink(self.slots[i].hash, last as u32 + 1, i as u32 + 1);
        }
        // Redis shrinks a hash's dict after a delete leaves it under 10% full.
        if self.buckets.len() > MIN_BUCKETS && self.slots.len() * 100 / self.buckets.len() < 10 {
            self.resize(self.slots.len());
        }
        self.slots.shrink_to(self.slots.len() * 2);
        true
    }

    /// In the chain of bucket `hash`, makes the link that holds `from` hold `to`.
    fn relink(&mut self, hash: u32, from: u32, to: u32) {
        let bucket = hash as usize & self.mask();
        if self.buckets[bucket] == from {
            self.buckets[bucket] = to;
            return;
        }
        let mut link = self.buckets[bucket];
        while link != 0 {
            let slot = &mut self.slots[link as usize - 1];
            if slot.next == from {
                slot.next = to;
                return;
            }
            link = slot.next;
        }
    }

    /// Rebuilds the buckets for `n` entries (the smallest power of two ≥ n, at least 4).
    fn resize(&mut self, n: usize) {
        let size = n.max(MIN_BUCKETS).next_power_of_two();
        let mut buckets = vec![0u32; size].into_boxed_slice();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            let bucket = slot.hash as usize & (size - 1);
            slot.next = buckets[bucket];
            buckets[bucket] = i as u32 + 1;
        }
        self.buckets = buckets;
    }

    /// Redis's `dictScan` over one table: emits bucket `cursor & mask`'s pairs and
    /// returns the next cursor (high bits reversed and incremented), so a pair present
    /// for a whole iteration is returned even if the table is resized between calls.
    fn scan_bucket(&self, cursor: u64, emit: &mut impl FnMut(&[u8], &[u8])) -> u64 {
        let mask = self.mask() as u64;
        let mut link = self.buckets[(cursor & mask) as usize];
        while link != 0 {
            let slot = &self.slots[link as usize - 1];
            let (f, v) = slot.pair();
            emit(f, v);
            link = slot.next;
        }
        let mut v = cursor | !mask;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }
}

#[derive(Debug, Clone)]
enum Repr {
    Listpack(Listpack),
    Table(Box<Table>),
}

/// A map of byte-string fields to byte-string values.
#[derive(Debug, Clone)]
pub struct Hash {
    repr: Repr,
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::new()
    }
}

impl Hash {
    /// An empty hash, listpack-encoded (as Redis's `createHashObject`).
    pub fn new() -> Hash {
        Hash { repr: Repr::Listpack(Listpack::default()) }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len,
            Repr::Table(t) => t.slots.len(),
        }
    }

    /// No fields?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of a field.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Listpack(lp) => lp.find(field).map(|p| &lp.buf[p.value.0..p.value.1]),
            Repr::Table(t) => t.find(field).map(|i| t.slots[i].value()),
        }
    }

    /// Is `field` present?
    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Listpack(lp) => lp.find(field).is_some(),
            Repr::Table(t) => t.find(field).is_some(),
        }
    }

    /// Converts to a hashtable first if any of `args` (the fields and values a command
    /// is about to set) is too long for a listpack: Redis's `hashTypeTryConversion`,
    /// which HSET and HMSET run over all their arguments before setting any.
    pub fn prepare_for(&mut self, args: &[&[u8]], limits: Limits) {
        if matches!(self.repr, Repr::Listpack(_)) && args.iter().any(|a| a.len() > limits.value) {
            self.convert();
        }
    }

    /// Sets a field; true if it was new. A listpack becomes a hashtable when the pair is
    /// too long for it or it would pass the entry limit (checked after every set, even
    /// an update, as Redis does).
    pub fn insert(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if matches!(self.repr, Repr::Listpack(_)) && (field.len() > limits.value || value.len() > limits.value) {
            self.convert();
        }
        match &mut self.repr {
            Repr::Listpack(lp) => {
                let added = lp.insert(field, value);
                if lp.len > limits.entries {
                    self.convert();
                }
                added
            }
            Repr::Table(t) => t.insert(field, value),
        }
    }

    /// Removes a field; true if it was there. A hashtable stays a hashtable.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => lp.remove(field),
            Repr::Table(t) => t.remove(field),
        }
    }

    /// The listpack → hashtable conversion (never the other way).
    fn convert(&mut self) {
        if let Repr::Listpack(lp) = &self.repr {
            let mut table = Table::with_capacity(lp.len);
            for (f, v) in lp.iter() {
                table.insert(f, v);
            }
            self.repr = Repr::Table(Box::new(table));
        }
    }

    /// Every (field, value): insertion order for a listpack, table order otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Listpack(lp) => Iter(IterRepr::Listpack(lp.iter())),
            Repr::Table(t) => Iter(IterRepr::Table(t.slots.iter())),
        }
    }

    /// One HSCAN step. A listpack is returned whole with cursor 0, whatever the cursor
    /// (as Redis). A hashtable is walked bucket by bucket from `cursor` until `count`
    /// elements are gathered (a pair counts two, as in Redis's reply list) or
    /// `count * 10` more buckets were visited; returns the next cursor (0: done).
    pub fn scan(&self, cursor: u64, count: usize, mut emit: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Listpack(lp) => {
                lp.iter().for_each(|(f, v)| emit(f, v));
                0
            }
            Repr::Table(t) => {
                let mut gathered = 0usize;
                let mut budget = count.saturating_mul(10);
                let mut cursor = cursor;
                loop {
                    cursor = t.scan_bucket(cursor, &mut |f, v| {
                        gathered += 2;
                        emit(f, v)
                    });
                    // Redis: `while (cursor && maxiterations-- && len < count)`.
                    if cursor == 0 || budget == 0 || gathered >= count {
                        return cursor;
                    }
                    budget -= 1;
                }
            }
        }
    }

    /// Random access to the pairs: a table's dense vector as it is, a listpack through
    /// one walk (a listpack is small).
    fn indexed(&self) -> Indexed<'_> {
        match &self.repr {
            Repr::Listpack(lp) => Indexed::Pairs(lp.iter().collect()),
            Repr::Table(t) => Indexed::Slots(&t.slots),
        }
    }

    /// `count` pairs drawn uniformly with repetition (HRANDFIELD with a negative count,
    /// or without one). Empty for an empty hash.
    pub fn random_pairs(&self, count: usize, rng: &mut impl Rng) -> Vec<(&[u8], &[u8])> {
        let len = self.len();
        if len == 0 {
            return Vec::new();
        }
        let pairs = self.indexed();
        // The count comes from the client: allocate as the reply grows, not up front.
        let mut out = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            out.push(pairs.get(rng.random_range(0..len)));
        }
        out
    }

    /// `count` distinct pairs chosen uniformly (HRANDFIELD with a positive count). With
    /// `count >= len` that is every pair in [`Hash::iter`] order, as Redis replies. A
    /// listpack's sample keeps listpack order (Redis's `lpRandomPairsUnique`); a large
    /// table is sampled by index without walking it.
    pub fn random_distinct(&self, count: usize, rng: &mut impl Rng) -> Vec<(&[u8], &[u8])> {
        let len = self.len();
        if count == 0 {
            return Vec::new();
        }
        if count >= len {
            return self.iter().collect();
        }
        // A few picks from a big table: by index, without walking it (Redis's case 4).
        if matches!(self.repr, Repr::Table(_)) && count.saturating_mul(3) <= len {
            let pairs = self.indexed();
            let mut chosen = std::collections::HashSet::with_capacity(count);
            let mut out = Vec::with_capacity(count);
            while out.len() < count {
                let i = rng.random_range(0..len);
                if chosen.insert(i) {
                    out.push(pairs.get(i));
                }
            }
            return out;
        }
        // Selection sampling (Knuth's algorithm S): one pass, order kept.
        let mut out = Vec::with_capacity(count);
        for (seen, pair) in self.iter().enumerate() {
            let left = len - seen;
            let need = count - out.len();
            if rng.random_range(0..left) < need {
                out.push(pair);
                if out.len() == count {
                    break;
                }
            }
        }
        out
    }

    /// OBJECT ENCODING: `listpack` or `hashtable`.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.buf.capacity(),
            Repr::Table(t) => {
                std::mem::size_of::<Table>()
                    + t.slots.capacity() * std::mem::size_of::<Slot>()
                    + t.buckets.len() * 4
                    + t.slots.iter().map(|s| s.data.len()).sum::<usize>()
            }
        }
    }
}

/// A hash's pairs by index, for sampling.
enum Indexed<'a> {
    Pairs(Vec<(&'a [u8], &'a [u8])>),
    Slots(&'a [Slot]),
}

impl<'a> Indexed<'a> {
    fn get(&self, index: usize) -> (&'a [u8], &'a [u8]) {
        match self {
            Indexed::Pairs(pairs) => pairs[index],
            Indexed::Slots(slots) => slots[index].pair(),
        }
    }
}

/// Iterator over a hash's pairs.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Listpack(ListpackIter<'a>),
    Table(std::slice::Iter<'a, Slot>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Listpack(it) => it.next(),
            IterRepr::Table(it) => it.next().map(Slot::pair),
        }
    }
}

#[cfg(test)]
mod tests;

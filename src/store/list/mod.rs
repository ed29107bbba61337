//! The list value: a quicklist-like deque of byte chunks (OBJECT ENCODING `quicklist`).
//!
//! Owns how a list's elements are laid out in memory and every operation on them by
//! position or by value; knows nothing of commands, replies or keys (the list commands
//! in `commands/lists.rs` call it, and the blocking pops will).
//!
//! Layout, mirroring Redis 7.0's quicklist of listpacks: the list is a `VecDeque` of
//! [`Chunk`]s, each one `Vec<u8>` holding up to [`CHUNK_BYTES`] (8 KiB, Redis's
//! default `list-max-listpack-size -2`) of elements, plus its element count so that
//! index operations skip whole chunks. An element is encoded as
//!
//! ```text
//! [len: LEB128][bytes][len: LEB128, bytes reversed]
//! ```
//!
//! The trailing length (a listpack's "backlen") lets pops and searches walk a chunk
//! from its end as cheaply as from its start. A 10-byte element costs 12 bytes, as in
//! a listpack. A single element larger than a chunk gets a chunk of its own.
//!
//! Invariants: no chunk is empty; `len` is the sum of the chunk counts; a chunk holds
//! more than [`CHUNK_BYTES`] only when it holds one element. A list with one chunk
//! keeps the deque's buffer at capacity one, so a small list costs one 32-byte chunk
//! header plus its bytes.

use std::collections::VecDeque;
use std::fmt;

/// The most bytes a chunk holds (unless it holds a single larger element).
pub const CHUNK_BYTES: usize = 8 * 1024;

/// Bytes of a LEB128 length.
fn varint_len(mut n: usize) -> usize {
    let mut l = 1;
    while n >= 0x80 {
        n >>= 7;
        l += 1;
    }
    l
}

/// Bytes an element of `n` bytes takes in a chunk.
fn encoded_len(n: usize) -> usize {
    n + 2 * varint_len(n)
}

/// Writes the encoding of `v` into `out`, which is exactly `encoded_len(v.len())` long.
fn write_encoded(out: &mut [u8], v: &[u8]) {
    let k = varint_len(v.len());
    let mut n = v.len();
    for i in 0..k {
        let byte = (n & 0x7f) as u8 | if i + 1 < k { 0x80 } else { 0 };
        out[i] = byte;
        // The trailing copy is the same bytes in reverse order, read backwards.
        out[out.len() - 1 - i] = byte;
        n >>= 7;
    }
    out[k..k + v.len()].copy_from_slice(v);
}

/// One chunk of a list: encoded elements and how many there are.
#[derive(Clone, Default)]
struct Chunk {
    data: Vec<u8>,
    count: u32,
}

/// Where an element lies in its chunk: `at..next` is its whole encoding, `start..end`
/// its bytes.
#[derive(Clone, Copy, Debug)]
struct Span {
    at: usize,
    start: usize,
    end: usize,
    next: usize,
}

impl Chunk {
    /// A chunk holding one element.
    fn with(v: &[u8]) -> Chunk {
        let mut c = Chunk { data: Vec::with_capacity(encoded_len(v.len())), count: 0 };
        c.insert_at(0, v);
        c
    }

    /// The element whose encoding starts at `at`.
    fn span_at(&self, at: usize) -> Span {
        let (mut n, mut shift, mut i) = (0usize, 0, at);
        loop {
            let byte = self.data[i];
            n |= usize::from(byte & 0x7f) << shift;
            i += 1;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let k = i - at;
        Span { at, start: i, end: i + n, next: i + n + k }
    }

    /// The element whose encoding ends at `next`.
    fn span_before(&self, next: usize) -> Span {
        let (mut n, mut shift, mut i) = (0usize, 0, next);
        loop {
            i -= 1;
            let byte = self.data[i];
            n |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let k = next - i;
        let end = i;
        Span { at: end - n - k, start: end - n, end, next }
    }

    /// The `k`th element (0-based), walking from the nearer end of the chunk.
    fn span_of(&self, k: usize) -> Span {
        let count = self.count as usize;
        if k <= count / 2 {
            let mut s = self.span_at(0);
            for _ in 0..k {
                s = self.span_at(s.next);
            }
            s
        } else {
            let mut s = self.span_before(self.data.len());
            for _ in k + 1..count {
                s = self.span_before(s.at);
            }
            s
        }
    }

    /// Every element's span, head to tail.
    fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            (at < self.data.len()).then(|| {
                let s = self.span_at(at);
                at = s.next;
                s
            })
        })
    }

    fn bytes(&self, s: Span) -> &[u8] {
        &self.data[s.start..s.end]
    }

    /// Makes room for `extra` more bytes: powers of two (the allocator's size classes),
    /// never past a full chunk, so a chunk filled by pushes ends at exactly
    /// `CHUNK_BYTES` of capacity.
    fn reserve(&mut self, extra: usize) {
        let need = self.data.len() + extra;
        if need > self.data.capacity() {
            let target = need.next_power_of_two().max(16).min(need.max(CHUNK_BYTES));
            self.data.reserve_exact(target - self.data.len());
        }
    }

    /// Gives memory back after removals: at most twice what is used stays reserved.
    fn shrink(&mut self) {
        if self.data.capacity() > 64 && self.data.capacity() >= 4 * self.data.len() {
            self.data.shrink_to(2 * self.data.len());
        }
    }

    /// Inserts `v` as an element whose encoding starts at byte `at`.
    fn insert_at(&mut self, at: usize, v: &[u8]) {
        let n = encoded_len(v.len());
        self.reserve(n);
        let old = self.data.len();
        self.data.resize(old + n, 0);
        self.data.copy_within(at..old, at + n);
        write_encoded(&mut self.data[at..at + n], v);
        self.count += 1;
    }

    /// Replaces the element at `s` with `v`.
    fn replace(&mut self, s: Span, v: &[u8]) {
        let n = encoded_len(v.len());
        let old_n = s.next - s.at;
        if n > old_n {
            self.reserve(n - old_n);
            let old = self.data.len();
            self.data.resize(old + n - old_n, 0);
            self.data.copy_within(s.next..old, s.at + n);
        } else if n < old_n {
            self.data.copy_within(s.next.., s.at + n);
            self.data.truncate(self.data.len() - (old_n - n));
            self.shrink();
        }
        write_encoded(&mut self.data[s.at..s.at + n], v);
    }

    /// Removes the elements whose encodings lie in `from..to` (`removed` of them).
    fn remove_bytes(&mut self, from: usize, to: usize, removed: usize) {
        self.data.drain(from..to);
        self.count -= removed as u32;
        self.shrink();
    }
}

/// A list of byte strings.
#[derive(Clone, Default)]
pub struct List {
    /// Head to tail; never an empty chunk.
    chunks: VecDeque<Chunk>,
    /// Elements in all chunks.
    len: usize,
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(String::from_utf8_lossy)).finish()
    }
}

impl<'a> FromIterator<&'a [u8]> for List {
    fn from_iter<I: IntoIterator<Item = &'a [u8]>>(iter: I) -> List {
        let mut l = List::new();
        for v in iter {
            l.push_back(v);
        }
        l
    }
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No elements?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a chunk at `i`. The first chunk gets a deque buffer of exactly one slot:
    /// most lists are small, and the default growth would reserve four.
    fn add_chunk(&mut self, i: usize, c: Chunk) {
        if self.chunks.capacity() == 0 {
            self.chunks.reserve_exact(1);
        }
        self.chunks.insert(i, c);
    }

    /// Removes the chunk at `i` (emptied by a removal).
    fn drop_chunk(&mut self, i: usize) {
        self.chunks.remove(i);
        if self.chunks.is_empty() {
            self.chunks = VecDeque::new();
        }
    }

    /// Adds at the head.
    pub fn push_front(&mut self, v: &[u8]) {
        self.len += 1;
        match self.chunks.front_mut() {
            Some(c) if c.data.len() + encoded_len(v.len()) <= CHUNK_BYTES => c.insert_at(0, v),
            _ => self.add_chunk(0, Chunk::with(v)),
        }
    }

    /// Adds at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        self.len += 1;
        match self.chunks.back_mut() {
            Some(c) if c.data.len() + encoded_len(v.len()) <= CHUNK_BYTES => {
                let at = c.data.len();
                c.insert_at(at, v)
            }
            _ => self.add_chunk(self.chunks.len(), Chunk::with(v)),
        }
    }

    /// Removes and returns the head element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let mut out = None;
        self.drain_front(1, |v| out = Some(v.to_vec()));
        out
    }

    /// Removes and returns the tail element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let mut out = None;
        self.drain_back(1, |v| out = Some(v.to_vec()));
        out
    }

    /// Removes up to `n` elements from the head, showing each to `f` head first.
    /// Returns how many were removed.
    pub fn drain_front(&mut self, n: usize, mut f: impl FnMut(&[u8])) -> usize {
        let mut done = 0;
        while done < n {
            let Some(c) = self.chunks.front_mut() else { break };
            let (mut at, mut k) = (0, 0);
            while done + k < n && at < c.data.len() {
                let s = c.span_at(at);
                f(c.bytes(s));
                at = s.next;
                k += 1;
            }
            done += k;
            self.len -= k;
            if k == c.count as usize {
                self.drop_chunk(0);
            } else {
                c.remove_bytes(0, at, k);
            }
        }
        done
    }

    /// Removes up to `n` elements from the tail, showing each to `f` tail first.
    /// Returns how many were removed.
    pub fn drain_back(&mut self, n: usize, mut f: impl FnMut(&[u8])) -> usize {
        let mut done = 0;
        while done < n {
            let Some(c) = self.chunks.back_mut() else { break };
            let (mut at, mut k) = (c.data.len(), 0);
            while done + k < n && at > 0 {
                let s = c.span_before(at);
                f(c.bytes(s));
                at = s.at;
                k += 1;
            }
            done += k;
            self.len -= k;
            if k == c.count as usize {
                self.drop_chunk(self.chunks.len() - 1);
            } else {
                let end = c.data.len();
                c.remove_bytes(at, end, k);
            }
        }
        done
    }

    /// The chunk holding element `index`, and the element's index inside it, walking
    /// from the nearer end of the list.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index < self.len / 2 {
            let mut skipped = 0;
            for (i, c) in self.chunks.iter().enumerate() {
                let count = c.count as usize;
                if index < skipped + count {
                    return Some((i, index - skipped));
                }
                skipped += count;
            }
        } else {
            let mut after = self.len;
            for (i, c) in self.chunks.iter().enumerate().rev() {
                let first = after - c.count as usize;
                if index >= first {
                    return Some((i, index - first));
                }
                after = first;
            }
        }
        None
    }

    /// The element at `index` (0 is the head), if there is one.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let (ci, k) = self.locate(index)?;
        let c = &self.chunks[ci];
        Some(c.bytes(c.span_of(k)))
    }

    /// Replaces the element at `index`; false if there is none.
    pub fn set(&mut self, index: usize, v: &[u8]) -> bool {
        let Some((ci, k)) = self.locate(index) else {
            return false;
        };
        let c = &mut self.chunks[ci];
        let s = c.span_of(k);
        c.replace(s, v);
        self.split_oversized(ci);
        self.merge_around(ci);
        true
    }

    /// Inserts `v` before (or after) the first element equal to `pivot`, from the
    /// head. False if there is no such element.
    pub fn insert(&mut self, pivot: &[u8], v: &[u8], after: bool) -> bool {
        let found =
            self.chunks.iter().enumerate().find_map(|(i, c)| c.spans().find(|s| c.bytes(*s) == pivot).map(|s| (i, s)));
        let Some((ci, s)) = found else {
            return false;
        };
        self.len += 1;
        let at = if after { s.next } else { s.at };
        let n = encoded_len(v.len());
        // At a chunk's edge, a neighbour with room takes the element without a split.
        if at == 0 && ci > 0 && self.chunks[ci - 1].data.len() + n <= CHUNK_BYTES {
            let prev = &mut self.chunks[ci - 1];
            let end = prev.data.len();
            prev.insert_at(end, v);
            return true;
        }
        if at == self.chunks[ci].data.len()
            && ci + 1 < self.chunks.len()
            && self.chunks[ci + 1].data.len() + n <= CHUNK_BYTES
        {
            self.chunks[ci + 1].insert_at(0, v);
            return true;
        }
        self.chunks[ci].insert_at(at, v);
        self.split_oversized(ci);
        true
    }

    /// Splits chunk `ci` while it holds more than `CHUNK_BYTES` in more than one
    /// element: each piece takes as many whole elements as fit.
    fn split_oversized(&mut self, mut ci: usize) {
        while self.chunks[ci].data.len() > CHUNK_BYTES && self.chunks[ci].count > 1 {
            let c = &mut self.chunks[ci];
            let (mut at, mut k) = (0, 0);
            while k < c.count as usize {
                let next = c.span_at(at).next;
                if k > 0 && next > CHUNK_BYTES {
                    break;
                }
                at = next;
                k += 1;
            }
            let rest = Chunk { data: c.data[at..].to_vec(), count: c.count - k as u32 };
            c.data.truncate(at);
            c.count = k as u32;
            c.data.shrink_to_fit();
            self.add_chunk(ci + 1, rest);
            ci += 1;
        }
    }

    /// Merges chunk `ci` with its neighbours where the two fit in one chunk, so that
    /// removals in the middle do not leave a trail of small chunks.
    fn merge_around(&mut self, ci: usize) {
        self.merge_pair(ci);
        if ci > 0 {
            self.merge_pair(ci - 1);
        }
    }

    /// Merges chunks `i` and `i + 1` if both exist and fit together.
    fn merge_pair(&mut self, i: usize) {
        if i + 1 >= self.chunks.len() || self.chunks[i].data.len() + self.chunks[i + 1].data.len() > CHUNK_BYTES {
            return;
        }
        let next = self.chunks.remove(i + 1).unwrap_or_default();
        let c = &mut self.chunks[i];
        c.reserve(next.data.len());
        c.data.extend_from_slice(&next.data);
        c.count += next.count;
    }

    /// Removes elements equal to `v`: the first `limit` from the head (or from the
    /// tail with `from_tail`), all of them with `limit` 0. Returns how many went.
    pub fn remove(&mut self, v: &[u8], limit: usize, from_tail: bool) -> usize {
        let limit = if limit == 0 { usize::MAX } else { limit };
        let mut removed = 0;
        let mut spans = Vec::new();
        let order: Vec<usize> =
            if from_tail { (0..self.chunks.len()).rev().collect() } else { (0..self.chunks.len()).collect() };
        let mut touched = Vec::new();
        for ci in order {
            if removed == limit {
                break;
            }
            let c = &mut self.chunks[ci];
            spans.clear();
            spans.extend(c.spans().filter(|s| c.bytes(*s) == v));
            let room = limit - removed;
            if spans.len() > room {
                if from_tail {
                    spans.drain(..spans.len() - room);
                } else {
                    spans.truncate(room);
                }
            }
            if spans.is_empty() {
                continue;
            }
            // Close the gaps in one pass over the chunk.
            let mut write = spans[0].at;
            let mut read = spans[0].next;
            for s in &spans[1..] {
                c.data.copy_within(read..s.at, write);
                write += s.at - read;
                read = s.next;
            }
            let end = c.data.len();
            c.data.copy_within(read..end, write);
            write += end - read;
            c.data.truncate(write);
            c.count -= spans.len() as u32;
            c.shrink();
            removed += spans.len();
            touched.push(ci);
        }
        self.len -= removed;
        // Drop emptied chunks and merge small neighbours, highest index first so
        // the lower indexes stay valid.
        touched.sort_unstable();
        for &ci in touched.iter().rev() {
            if ci >= self.chunks.len() {
                continue;
            }
            if self.chunks[ci].count == 0 {
                self.drop_chunk(ci);
                if ci > 0 {
                    self.merge_pair(ci - 1);
                }
            } else {
                self.merge_around(ci);
            }
        }
        removed
    }

    /// Keeps only elements `start..=end` (clamped by the caller: `start <= end < len`);
    /// use [`List::clear`] when nothing is kept.
    pub fn trim(&mut self, start: usize, end: usize) {
        let back = self.len.saturating_sub(end + 1);
        self.drain_back(back, |_| {});
        self.drain_front(start, |_| {});
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        *self = List::new();
    }

    /// LPOS: the indexes (from the head) of elements equal to `v`. `rank` picks the
    /// first match to report (1 the first from the head, -1 the first from the tail;
    /// never 0); `count` caps the matches (0: all); `maxlen` caps the elements compared
    /// (0: all).
    pub fn positions(&self, v: &[u8], rank: i64, count: usize, maxlen: usize) -> Vec<usize> {
        // Redis negates a negative rank; i64::MIN stays negative there and so lets
        // every match through, as rank -1 does.
        let skip = if rank == i64::MIN { 0 } else { rank.unsigned_abs() as usize - 1 };
        let count = if count == 0 { usize::MAX } else { count };
        let maxlen = if maxlen == 0 { usize::MAX } else { maxlen };
        let mut out = Vec::new();
        let mut seen = 0;
        let mut visit = |i: usize, e: &[u8]| {
            if e == v {
                seen += 1;
                if seen > skip {
                    out.push(i);
                }
            }
            out.len() < count
        };
        if rank < 0 {
            for (n, e) in self.iter().rev().enumerate().take(maxlen) {
                if !visit(self.len - 1 - n, e) {
                    break;
                }
            }
        } else {
            for (i, e) in self.iter().enumerate().take(maxlen) {
                if !visit(i, e) {
                    break;
                }
            }
        }
        out
    }

    /// Elements `start..=end` (already clamped by the caller), in order.
    pub fn range(&self, start: usize, end: usize) -> Iter<'_> {
        let found = if start <= end { self.locate(start).zip(self.locate(end)) } else { None };
        let Some(((fc, fk), (bc, bk))) = found else {
            return Iter { chunks: &self.chunks, front: (0, 0), back: (0, 0), remaining: 0 };
        };
        Iter {
            chunks: &self.chunks,
            front: (fc, self.chunks[fc].span_of(fk).at),
            back: (bc, self.chunks[bc].span_of(bk).next),
            remaining: end - start + 1,
        }
    }

    /// Every element, head to tail (reversible).
    pub fn iter(&self) -> Iter<'_> {
        let last = self.chunks.len().saturating_sub(1);
        let back = self.chunks.back().map_or(0, |c| c.data.len());
        Iter { chunks: &self.chunks, front: (0, 0), back: (last, back), remaining: self.len }
    }

    /// OBJECT ENCODING: Redis 7.0 names every list `quicklist`.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Heap bytes held: the chunk headers' buffer and every chunk's buffer.
    pub fn heap_size(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + self.chunks.iter().map(|c| c.data.capacity()).sum::<usize>()
    }

    /// Number of chunks (quicklist nodes); DEBUG-style introspection and tests.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
}

/// An iterator over a list's elements, from either end.
#[derive(Clone)]
pub struct Iter<'a> {
    chunks: &'a VecDeque<Chunk>,
    /// (chunk, byte offset) of the next element from the front.
    front: (usize, usize),
    /// (chunk, byte offset just past) the next element from the back.
    back: (usize, usize),
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let chunks = self.chunks;
        if self.front.1 >= chunks[self.front.0].data.len() {
            self.front = (self.front.0 + 1, 0);
        }
        let c = &chunks[self.front.0];
        let s = c.span_at(self.front.1);
        self.front.1 = s.next;
        self.remaining -= 1;
        Some(&c.data[s.start..s.end])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let chunks = self.chunks;
        if self.back.1 == 0 {
            self.back.0 -= 1;
            self.back.1 = chunks[self.back.0].data.len();
        }
        let c = &chunks[self.back.0];
        let s = c.span_before(self.back.1);
        self.back.1 = s.at;
        self.remaining -= 1;
        Some(&c.data[s.start..s.end])
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests;

//! A chained hash table of entries with Redis's SCAN guarantee.
//!
//! Why our own table and not `hashbrown`: SCAN must return every key present for the
//! whole iteration at least once, even while the table grows or shrinks between calls.
//! Redis gets that from power-of-two bucket arrays walked in reverse-binary order
//! (`dictScan`); that needs bucket-level access no general-purpose map offers. A chain
//! node is one 32-byte allocation (entry + next), the bucket array 8 bytes per slot at a
//! load factor of at most 1, as Redis's dict.
//!
//! Resizing is done at once (a shard holds a fraction of the keyspace, so a rehash moves
//! a bounded number of nodes and re-hashes no key bytes twice per move).

use super::entry::Entry;

#[derive(Debug)]
struct Node {
    entry: Entry,
    next: Option<Box<Node>>,
}

/// The table. Every method takes the key's full 64-bit hash from the caller, which also
/// uses it to choose the shard.
#[derive(Debug, Default)]
pub struct Dict {
    buckets: Vec<Option<Box<Node>>>,
    len: usize,
}

const MIN_SIZE: usize = 4;

impl Dict {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of buckets (for INFO/DEBUG and tests).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    fn index(&self, hash: u64) -> usize {
        (hash as usize) & (self.buckets.len() - 1)
    }

    /// The entry for `key`.
    pub fn get(&self, key: &[u8], hash: u64) -> Option<&Entry> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut cur = self.buckets[self.index(hash)].as_deref();
        while let Some(node) = cur {
            if node.entry.key() == key {
                return Some(&node.entry);
            }
            cur = node.next.as_deref();
        }
        None
    }

    /// The entry for `key`, mutable.
    pub fn get_mut(&mut self, key: &[u8], hash: u64) -> Option<&mut Entry> {
        if self.buckets.is_empty() {
            return None;
        }
        let idx = self.index(hash);
        let mut cur = self.buckets[idx].as_deref_mut();
        while let Some(node) = cur {
            if node.entry.key() == key {
                return Some(&mut node.entry);
            }
            cur = node.next.as_deref_mut();
        }
        None
    }

    /// Inserts an entry whose key is known to be absent.
    pub fn insert_new(&mut self, hash: u64, entry: Entry, rehash: impl Fn(&[u8]) -> u64) {
        if self.len >= self.buckets.len() {
            let size = (self.buckets.len() * 2).max(MIN_SIZE);
            self.resize(size, &rehash);
        }
        let idx = self.index(hash);
        let next = self.buckets[idx].take();
        self.buckets[idx] = Some(Box::new(Node { entry, next }));
        self.len += 1;
    }

    /// Removes and returns the entry for `key`.
    pub fn remove(&mut self, key: &[u8], hash: u64, rehash: impl Fn(&[u8]) -> u64) -> Option<Entry> {
        if self.buckets.is_empty() {
            return None;
        }
        let idx = self.index(hash);
        let mut link = &mut self.buckets[idx];
        loop {
            match link {
                None => return None,
                Some(node) if node.entry.key() == key => {
                    let mut node = link.take()?;
                    *link = node.next.take();
                    self.len -= 1;
                    // Shrink below 1/8 full, as Redis shrinks under 10% fill.
                    if self.buckets.len() > MIN_SIZE && self.len * 8 < self.buckets.len() {
                        let size = self.len.next_power_of_two().max(MIN_SIZE);
                        self.resize(size, &rehash);
                    }
                    return Some(node.entry);
                }
                Some(node) => link = &mut node.next,
            }
        }
    }

    fn resize(&mut self, size: usize, rehash: &impl Fn(&[u8]) -> u64) {
        let old = std::mem::take(&mut self.buckets);
        self.buckets.resize_with(size, || None);
        let mask = size - 1;
        for mut head in old {
            while let Some(mut node) = head {
                head = node.next.take();
                let idx = (rehash(node.entry.key()) as usize) & mask;
                node.next = self.buckets[idx].take();
                self.buckets[idx] = Some(node);
            }
        }
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        // Unlink chains iteratively so a long chain cannot overflow the stack on drop.
        for head in self.buckets.iter_mut() {
            let mut cur = head.take();
            while let Some(mut node) = cur {
                cur = node.next.take();
            }
        }
        self.buckets = Vec::new();
        self.len = 0;
    }

    /// Visits one bucket at `cursor` and returns the next cursor (0 when the walk is
    /// complete), in Redis's reverse-binary order.
    pub fn scan_bucket(&self, cursor: u64, mut f: impl FnMut(&Entry)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = (self.buckets.len() - 1) as u64;
        let mut cur = self.buckets[(cursor & mask) as usize].as_deref();
        while let Some(node) = cur {
            f(&node.entry);
            cur = node.next.as_deref();
        }
        let mut v = cursor | !mask;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }

    /// As [`Dict::scan_bucket`], with each entry mutable (the snapshot marks what it saved).
    pub fn scan_bucket_mut(&mut self, cursor: u64, mut f: impl FnMut(&mut Entry)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = (self.buckets.len() - 1) as u64;
        let mut cur = self.buckets[(cursor & mask) as usize].as_deref_mut();
        while let Some(node) = cur {
            f(&mut node.entry);
            cur = node.next.as_deref_mut();
        }
        let mut v = cursor | !mask;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }

    /// Every entry, mutable, in bucket order.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&mut Entry)) {
        for head in self.buckets.iter_mut() {
            let mut cur = head.as_deref_mut();
            while let Some(node) = cur {
                f(&mut node.entry);
                cur = node.next.as_deref_mut();
            }
        }
    }

    /// Collects the keys of the bucket at `cursor` that are expired at `now`; returns the
    /// next cursor. The active expiry sweep removes them afterwards.
    pub fn bucket_keys(&self, cursor: u64, now: u64, expired: &mut Vec<Vec<u8>>) -> u64 {
        self.scan_bucket(cursor, |e| {
            if e.is_expired(now) {
                expired.push(e.key().to_vec());
            }
        })
    }

    /// Every entry, in bucket order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.buckets.iter().flat_map(|head| {
            let mut cur = head.as_deref();
            std::iter::from_fn(move || {
                let node = cur?;
                cur = node.next.as_deref();
                Some(&node.entry)
            })
        })
    }

    /// Eviction's sample (Redis's `dictGetSomeKeys`): from a random bucket on, visits
    /// consecutive buckets until `want` entries were accepted by `f` or `max_buckets`
    /// buckets were walked. Returns how many `f` accepted.
    pub fn sample(
        &self,
        rng: &mut impl rand::Rng,
        want: usize,
        max_buckets: usize,
        mut f: impl FnMut(&Entry) -> bool,
    ) -> usize {
        if self.len == 0 {
            return 0;
        }
        let n = self.buckets.len();
        let mut idx = rng.random_range(0..n);
        let mut taken = 0;
        for _ in 0..max_buckets.min(n) {
            let mut cur = self.buckets[idx].as_deref();
            while let Some(node) = cur {
                if f(&node.entry) {
                    taken += 1;
                    if taken >= want {
                        return taken;
                    }
                }
                cur = node.next.as_deref();
            }
            idx = (idx + 1) & (n - 1);
        }
        taken
    }

    /// A random entry: a random non-empty bucket, then a random node of its chain.
    pub fn random(&self, rng: &mut impl rand::Rng) -> Option<&Entry> {
        if self.len == 0 {
            return None;
        }
        loop {
            let idx = rng.random_range(0..self.buckets.len());
            if let Some(head) = self.buckets[idx].as_deref() {
                let mut n = 0;
                let mut cur = Some(head);
                while let Some(node) = cur {
                    n += 1;
                    cur = node.next.as_deref();
                }
                let pick = rng.random_range(0..n);
                let mut cur = head;
                for _ in 0..pick {
                    cur = cur.next.as_deref()?;
                }
                return Some(&cur.entry);
            }
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    fn h(k: &[u8]) -> u64 {
        foldhash::fast::FixedState::with_seed(1).hash_one(k)
    }

    #[test]
    fn insert_get_remove_resize() {
        let mut d = Dict::default();
        for i in 0..1000u32 {
            let k = format!("k{i}");
            d.insert_new(h(k.as_bytes()), Entry::new_string(k.as_bytes(), b"v", None, 0), h);
        }
        assert_eq!(d.len(), 1000);
        assert!(d.bucket_count() >= 1000);
        for i in 0..1000u32 {
            let k = format!("k{i}");
            assert!(d.get(k.as_bytes(), h(k.as_bytes())).is_some());
        }
        for i in 0..990u32 {
            let k = format!("k{i}");
            assert!(d.remove(k.as_bytes(), h(k.as_bytes()), h).is_some());
        }
        assert_eq!(d.len(), 10);
        assert!(d.bucket_count() <= 128);
        assert!(d.get(b"k995", h(b"k995")).is_some());
    }

    #[test]
    fn scan_sees_stable_keys_across_growth_and_shrink() {
        let mut d = Dict::default();
        let stable: Vec<String> = (0..200).map(|i| format!("stable{i}")).collect();
        for k in &stable {
            d.insert_new(h(k.as_bytes()), Entry::new_string(k.as_bytes(), b"v", None, 0), h);
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan_bucket(cursor, |e| {
                seen.insert(e.key().to_vec());
            });
            step += 1;
            // Grow, then shrink, while the walk is in progress.
            if step == 20 {
                for i in 0..5000 {
                    let k = format!("tmp{i}");
                    d.insert_new(h(k.as_bytes()), Entry::new_string(k.as_bytes(), b"v", None, 0), h);
                }
            }
            if step == 2000 {
                for i in 0..5000 {
                    let k = format!("tmp{i}");
                    d.remove(k.as_bytes(), h(k.as_bytes()), h);
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for k in &stable {
            assert!(seen.contains(k.as_bytes()), "missed {k}");
        }
    }
}

//! The set value and its encodings.
//!
//! Owns how a set's members are stored; knows nothing of commands or RESP. Three
//! representations, chosen by content and size as members arrive:
//!
//! - **intset**: a sorted array of integers, each stored little-endian in the fewest
//!   bytes (1 to 8) that hold every member, while all members are canonical integers
//!   (Redis's `string2ll`) and there are at most `set-max-intset-entries` of them.
//!   Redis uses 2, 4 or 8 bytes; finer widths save more (timestamps in milliseconds
//!   take 6). Up to [`INLINE_BYTES`] bytes of values live inside the `Set` itself,
//!   with no allocation. OBJECT ENCODING says `intset`; iteration is ascending, as in
//!   Redis.
//! - **packed**: up to [`PACKED_MAX_LEN`] members of at most [`PACKED_MAX_MEMBER`]
//!   bytes each, length-prefixed in one allocation and searched linearly. Redis 7.0
//!   keeps such sets in a hashtable (about 81 bytes a member); this keeps a 10-member
//!   set of short strings in one ~112-byte allocation. OBJECT ENCODING says
//!   `hashtable`, as 7.0 does for every set that is not an intset.
//! - **table**: a dense vector of boxed members (O(1) uniform random picks for SPOP
//!   and SRANDMEMBER) indexed by a chained hash table of `u32` positions. Buckets are
//!   a power of two and SSCAN walks them in Redis's reverse-binary order, so every
//!   member present for a whole scan is returned at least once while the table grows
//!   or shrinks. Positions are `u32`: a set holds fewer than 2^32 - 1 members (over
//!   160 GB of members before that bound).
//!
//! A set only ever moves forward (intset → packed → table, or intset → table), never
//! back, as Redis never converts a hashtable back to an intset.

use std::hash::BuildHasher;
use std::sync::LazyLock;

use rand::Rng;

/// Most members a packed set holds (Redis 7.2's `set-max-listpack-entries` default).
pub const PACKED_MAX_LEN: usize = 128;
/// Longest member a packed set holds (one length byte, as 7.2's listpack value limit).
pub const PACKED_MAX_MEMBER: usize = 64;

/// Most bytes of values an intset keeps inline, in the `Set` itself (which is this plus
/// three bytes, rounded up to 8). 45 makes a `Set` 48 bytes, the size `Object` already
/// has (a `HashMap` plus its tag), so ten 32-bit or twenty-two 16-bit members cost no
/// allocation at all. Should every other `Object` variant shrink to 24 bytes, 21 here
/// brings `Set` to 24 too (and `Box<Object>` to a 32-byte allocation) at the price of
/// moving intsets over 21 bytes to the heap.
pub const INLINE_BYTES: usize = 45;

/// Member hashing for tables: one random seed per process (Redis seeds its SipHash
/// the same way), so bucket order cannot be predicted by clients.
static SEED: LazyLock<foldhash::fast::FixedState> =
    LazyLock::new(|| foldhash::fast::FixedState::with_seed(rand::random()));

fn hash(m: &[u8]) -> u64 {
    SEED.hash_one(m)
}

/// One member as the set holds it: an integer of an intset, or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (an integer in decimal).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(v) => f(itoa::Buffer::new().format(v).as_bytes()),
            Member::Str(s) => f(s),
        }
    }

    /// The member's bytes, owned.
    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// The integer value, if the member is a canonical integer.
    fn as_int(self) -> Option<i64> {
        match self {
            Member::Int(v) => Some(v),
            Member::Str(s) => crate::numbers::parse_i64(s),
        }
    }
}

/// A set of byte strings.
#[derive(Debug, Clone)]
pub struct Set {
    repr: Repr,
}

/// The representations; `INLINE_BYTES + 3` bytes, rounded up to 8 (see [`INLINE_BYTES`]).
#[derive(Debug, Clone)]
enum Repr {
    /// An intset of `len` values of `width` bytes in `bytes`.
    IntsInline {
        width: u8,
        len: u8,
        bytes: [u8; INLINE_BYTES],
    },
    /// An intset of `width`-byte values too large to keep inline.
    Ints {
        width: u8,
        data: Box<[u8]>,
    },
    /// `len` members, each `[length byte][bytes]`, in insertion order.
    Packed {
        len: u32,
        data: Box<[u8]>,
    },
    Table(Box<Table>),
}

impl Default for Set {
    fn default() -> Set {
        Set { repr: Repr::IntsInline { width: 1, len: 0, bytes: [0; INLINE_BYTES] } }
    }
}

/// The fewest bytes that hold `v` (sign-extended).
fn width_of(v: i64) -> usize {
    (1..8)
        .find(|&w| {
            let shift = 64 - 8 * w;
            (v << shift) >> shift == v
        })
        .unwrap_or(8)
}

/// Value `i` of intset bytes of width `w`.
fn int_get(data: &[u8], w: usize, i: usize) -> i64 {
    let mut b = [0u8; 8];
    b[..w].copy_from_slice(&data[i * w..i * w + w]);
    let shift = 64 - 8 * w as u32;
    (i64::from_le_bytes(b) << shift) >> shift
}

/// Binary search for `v` in intset bytes of width `w`: its position, or where it goes.
fn int_search(data: &[u8], w: usize, v: i64) -> Result<usize, usize> {
    let (mut lo, mut hi) = (0, data.len() / w);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match int_get(data, w, mid).cmp(&v) {
            std::cmp::Ordering::Equal => return Ok(mid),
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
        }
    }
    Err(lo)
}

/// An intset representation holding `data` (values of width `w`): inline when it fits.
fn ints_repr(data: &[u8], w: usize) -> Repr {
    if data.len() <= INLINE_BYTES {
        let mut bytes = [0; INLINE_BYTES];
        bytes[..data.len()].copy_from_slice(data);
        Repr::IntsInline { width: w as u8, len: (data.len() / w) as u8, bytes }
    } else {
        Repr::Ints { width: w as u8, data: data.into() }
    }
}

/// The members of packed data, in order.
fn packed_iter(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let len = usize::from(*data.get(at)?);
        let m = data.get(at + 1..at + 1 + len)?;
        at += 1 + len;
        Some(m)
    })
}

/// Where member `m` starts in packed data (its length byte), and its length.
fn packed_find(data: &[u8], m: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    while let Some(&len) = data.get(at) {
        let len = usize::from(len);
        if data.get(at + 1..at + 1 + len) == Some(m) {
            return Some((at, len));
        }
        at += 1 + len;
    }
    None
}

/// Where the `i`-th member starts in packed data, and its length.
fn packed_nth(data: &[u8], i: usize) -> (usize, usize) {
    let mut at = 0;
    for _ in 0..i {
        at += 1 + usize::from(data[at]);
    }
    (at, usize::from(data[at]))
}

impl Set {
    /// An empty set (an empty intset until its first member says otherwise).
    pub fn new() -> Set {
        Set::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::IntsInline { len, .. } => usize::from(*len),
            Repr::Ints { width, data } => data.len() / usize::from(*width),
            Repr::Packed { len, .. } => *len as usize,
            Repr::Table(t) => t.members.len(),
        }
    }

    /// No members?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING, with Redis 7.0's names.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::IntsInline { .. } | Repr::Ints { .. } => "intset",
            Repr::Packed { .. } | Repr::Table(_) => "hashtable",
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::IntsInline { .. } => 0,
            Repr::Ints { data, .. } | Repr::Packed { data, .. } => data.len(),
            Repr::Table(t) => {
                std::mem::size_of::<Table>()
                    + t.members.capacity() * 16
                    + t.members.iter().map(|m| m.len()).sum::<usize>()
                    + t.next.capacity() * 4
                    + t.buckets.len() * 4
            }
        }
    }

    /// An intset's value bytes and width; None for the other encodings.
    fn ints(&self) -> Option<(&[u8], usize)> {
        match &self.repr {
            Repr::IntsInline { width, len, bytes } => {
                let w = usize::from(*width);
                Some((&bytes[..usize::from(*len) * w], w))
            }
            Repr::Ints { width, data } => Some((data, usize::from(*width))),
            _ => None,
        }
    }

    /// Adds `m`; true if it was new. `max_intset` is `set-max-intset-entries`: an
    /// intset that grows past it, or gains a non-integer, converts (once) to the
    /// hashtable encoding.
    pub fn insert(&mut self, m: &[u8], max_intset: usize) -> bool {
        self.insert_member(Member::Str(m), max_intset)
    }

    /// [`Set::insert`] for a member taken from another set (no integer re-parsing).
    pub fn insert_member(&mut self, m: Member, max_intset: usize) -> bool {
        if self.ints().is_some() {
            if let Some(v) = m.as_int() {
                if !self.int_insert(v) {
                    return false;
                }
                if self.len() > max_intset {
                    self.convert(0, 0);
                }
                return true;
            }
            // A non-integer: convert, then add below. Both 7.0 checks (member type
            // first, then size) lead to the same hashtable encoding.
            let extra = m.with_bytes(<[u8]>::len);
            self.convert(1, extra);
        }
        m.with_bytes(|b| self.str_insert(b))
    }

    /// Adds an integer to an intset, widening every value when `v` needs more bytes.
    fn int_insert(&mut self, v: i64) -> bool {
        let Some((data, w)) = self.ints() else { return false };
        let Err(pos) = int_search(data, w, v) else { return false };
        let nw = w.max(width_of(v));
        let n = data.len() / w;
        if nw == w && (n + 1) * w <= INLINE_BYTES {
            if let Repr::IntsInline { len, bytes, .. } = &mut self.repr {
                bytes.copy_within(pos * w..n * w, pos * w + w);
                bytes[pos * w..pos * w + w].copy_from_slice(&v.to_le_bytes()[..w]);
                *len += 1;
                return true;
            }
        }
        let Some((data, _)) = self.ints() else { return false };
        let mut out = Vec::with_capacity((n + 1) * nw);
        for i in 0..=n {
            let x = match i.cmp(&pos) {
                std::cmp::Ordering::Less => int_get(data, w, i),
                std::cmp::Ordering::Equal => v,
                std::cmp::Ordering::Greater => int_get(data, w, i - 1),
            };
            out.extend_from_slice(&x.to_le_bytes()[..nw]);
        }
        self.repr = ints_repr(&out, nw);
        true
    }

    /// Leaves the intset encoding for packed (if `extra` more members of up to
    /// `extra_bytes` bytes still fit) or table.
    fn convert(&mut self, extra: usize, extra_bytes: usize) {
        let n = self.len();
        let mut buf = itoa::Buffer::new();
        let ints: Vec<i64> = self.iter().filter_map(Member::as_int).collect();
        if n + extra <= PACKED_MAX_LEN && extra_bytes <= PACKED_MAX_MEMBER {
            let mut data = Vec::new();
            for v in ints {
                let s = buf.format(v).as_bytes();
                data.push(s.len() as u8);
                data.extend_from_slice(s);
            }
            self.repr = Repr::Packed { len: n as u32, data: data.into_boxed_slice() };
        } else {
            let mut t = Table::with_capacity(n + extra);
            for v in ints {
                t.insert_new(buf.format(v).as_bytes().into());
            }
            self.repr = Repr::Table(Box::new(t));
        }
    }

    /// Adds bytes to a packed set or table (converting packed to table as needed).
    fn str_insert(&mut self, m: &[u8]) -> bool {
        if let Repr::Packed { len, data } = &mut self.repr {
            if packed_find(data, m).is_some() {
                return false;
            }
            if (*len as usize) < PACKED_MAX_LEN && m.len() <= PACKED_MAX_MEMBER {
                let mut vec = std::mem::take(data).into_vec();
                vec.reserve_exact(1 + m.len());
                vec.push(m.len() as u8);
                vec.extend_from_slice(m);
                *data = vec.into_boxed_slice();
                *len += 1;
                return true;
            }
            let mut t = Table::with_capacity(*len as usize + 1);
            for old in packed_iter(data) {
                t.insert_new(old.into());
            }
            self.repr = Repr::Table(Box::new(t));
        }
        match &mut self.repr {
            Repr::Table(t) => {
                t.find(m).is_none() && {
                    t.insert_new(m.into());
                    true
                }
            }
            _ => false,
        }
    }

    /// Removes `m`; true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        if let Some((data, w)) = self.ints() {
            let Some(pos) = crate::numbers::parse_i64(m).and_then(|v| int_search(data, w, v).ok()) else {
                return false;
            };
            self.remove_positions(vec![pos]);
            return true;
        }
        match &mut self.repr {
            Repr::Packed { len, data } => {
                let Some((at, n)) = packed_find(data, m) else { return false };
                let mut vec = std::mem::take(data).into_vec();
                vec.drain(at..at + 1 + n);
                *data = vec.into_boxed_slice();
                *len -= 1;
                true
            }
            Repr::Table(t) => match t.find(m) {
                Some(i) => {
                    t.remove_at(i as usize);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Is `m` a member?
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.repr {
            Repr::Packed { data, .. } => packed_find(data, m).is_some(),
            Repr::Table(t) => t.find(m).is_some(),
            _ => crate::numbers::parse_i64(m).is_some_and(|v| self.contains_member(Member::Int(v))),
        }
    }

    /// [`Set::contains`] for a member of another set (no formatting for int-int checks).
    pub fn contains_member(&self, m: Member) -> bool {
        match (m, self.ints()) {
            (Member::Int(v), Some((data, w))) => int_search(data, w, v).is_ok(),
            (Member::Str(_), Some(_)) => m.as_int().is_some_and(|v| self.contains_member(Member::Int(v))),
            _ => m.with_bytes(|s| self.contains(s)),
        }
    }

    /// Every member: ascending for an intset, else the set's own order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Packed { data, .. } => Iter::Packed(data, 0),
            Repr::Table(t) => Iter::Table(t.members.iter()),
            _ => {
                let (data, w) = self.ints().unwrap_or((&[], 1));
                Iter::Ints(data, w, 0)
            }
        }
    }

    /// The member at position `i` (< len) of the set's order; O(i) when packed.
    fn at(&self, i: usize) -> Member<'_> {
        match &self.repr {
            Repr::Packed { data, .. } => {
                let (at, n) = packed_nth(data, i);
                Member::Str(&data[at + 1..at + 1 + n])
            }
            Repr::Table(t) => Member::Str(&t.members[i]),
            _ => {
                let (data, w) = self.ints().unwrap_or((&[], 1));
                Member::Int(int_get(data, w, i))
            }
        }
    }

    /// Random access to every member: the set itself, or (packed) a list of slices.
    fn positions(&self) -> Positions<'_> {
        match &self.repr {
            Repr::Packed { data, .. } => Positions::Slices(packed_iter(data).collect()),
            _ => Positions::Direct(self),
        }
    }

    /// A uniformly random member.
    pub fn random(&self, rng: &mut impl Rng) -> Option<Member<'_>> {
        (!self.is_empty()).then(|| self.at(rng.random_range(0..self.len())))
    }

    /// `count` members drawn independently and uniformly (SRANDMEMBER's negative count).
    pub fn random_with_repeats(&self, count: usize, rng: &mut impl Rng) -> Vec<Member<'_>> {
        let n = self.len();
        if n == 0 {
            return Vec::new();
        }
        let pos = self.positions();
        (0..count).map(|_| pos.get(rng.random_range(0..n))).collect()
    }

    /// `count` distinct members, a uniformly random subset in random order; the whole set
    /// when `count >= len`.
    pub fn random_distinct(&self, count: usize, rng: &mut impl Rng) -> Vec<Member<'_>> {
        let pos = self.positions();
        distinct_positions(self.len(), count, rng).into_iter().map(|i| pos.get(i)).collect()
    }

    /// Removes and returns a uniformly random member.
    pub fn pop_random(&mut self, rng: &mut impl Rng) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let i = rng.random_range(0..self.len());
        self.remove_positions(vec![i]).pop()
    }

    /// Removes and returns `count` distinct random members (all when `count >= len`).
    pub fn pop_many(&mut self, count: usize, rng: &mut impl Rng) -> Vec<Vec<u8>> {
        let chosen = distinct_positions(self.len(), count, rng);
        self.remove_positions(chosen)
    }

    /// Removes the members at the given distinct positions and returns them.
    fn remove_positions(&mut self, mut chosen: Vec<usize>) -> Vec<Vec<u8>> {
        // Descending, so a table's swap-remove only ever moves an unchosen member, and
        // popping from the end visits the others in ascending order.
        chosen.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::with_capacity(chosen.len());
        if let Some((data, w)) = self.ints() {
            let mut keep = Vec::with_capacity(data.len().saturating_sub(chosen.len() * w));
            let mut buf = itoa::Buffer::new();
            let mut next = chosen.pop();
            for (i, value) in data.chunks_exact(w).enumerate() {
                if next == Some(i) {
                    out.push(buf.format(int_get(value, w, 0)).as_bytes().to_vec());
                    next = chosen.pop();
                } else {
                    keep.extend_from_slice(value);
                }
            }
            self.repr = ints_repr(&keep, w);
            return out;
        }
        match &mut self.repr {
            Repr::Table(t) => out.extend(chosen.into_iter().map(|i| t.remove_at(i).into_vec())),
            Repr::Packed { len, data } => {
                let mut keep = Vec::with_capacity(data.len());
                let mut next = chosen.pop();
                for (i, m) in packed_iter(data).enumerate() {
                    if next == Some(i) {
                        out.push(m.to_vec());
                        next = chosen.pop();
                    } else {
                        keep.push(m.len() as u8);
                        keep.extend_from_slice(m);
                    }
                }
                *len -= out.len() as u32;
                *data = keep.into_boxed_slice();
            }
            _ => {}
        }
        out
    }

    /// One SSCAN step from `cursor`: calls `f` for the members visited and returns the
    /// next cursor (0 when done). Intsets and packed sets are visited whole at any
    /// cursor, as Redis does for its compact encodings; a table visits buckets in
    /// reverse-binary order until `count` members or `count * 10` buckets were seen.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member)) -> u64 {
        let Repr::Table(t) = &self.repr else {
            self.iter().for_each(f);
            return 0;
        };
        let mut cursor = cursor;
        let mut seen = 0;
        let mut buckets = count.saturating_mul(10);
        loop {
            cursor = t.scan_bucket(cursor, |m| {
                seen += 1;
                f(Member::Str(m));
            });
            buckets = buckets.saturating_sub(1);
            if cursor == 0 || seen >= count || buckets == 0 {
                return cursor;
            }
        }
    }
}

/// Positions `0..n` chosen uniformly without repeats: `min(count, n)` of them, in
/// random order. Dense choices shuffle all positions; sparse ones sample with rejection.
fn distinct_positions(n: usize, count: usize, rng: &mut impl Rng) -> Vec<usize> {
    if count >= n {
        return (0..n).collect();
    }
    if count.saturating_mul(3) > n {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..count {
            let j = rng.random_range(i..n);
            all.swap(i, j);
        }
        all.truncate(count);
        return all;
    }
    let mut picked = std::collections::HashSet::with_capacity_and_hasher(count, foldhash::fast::FixedState::default());
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let i = rng.random_range(0..n);
        if picked.insert(i) {
            out.push(i);
        }
    }
    out
}

/// Random access over a set's members (see [`Set::positions`]).
enum Positions<'a> {
    Direct(&'a Set),
    Slices(Vec<&'a [u8]>),
}

impl<'a> Positions<'a> {
    fn get(&self, i: usize) -> Member<'a> {
        match self {
            Positions::Direct(s) => s.at(i),
            Positions::Slices(v) => Member::Str(v[i]),
        }
    }
}

/// Iterator over a set's members.
pub enum Iter<'a> {
    /// Intset bytes, width, next position.
    Ints(&'a [u8], usize, usize),
    /// Packed data, offset of the next member.
    Packed(&'a [u8], usize),
    Table(std::slice::Iter<'a, Box<[u8]>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Iter::Ints(data, w, i) => {
                if *i * *w >= data.len() {
                    return None;
                }
                *i += 1;
                Some(Member::Int(int_get(data, *w, *i - 1)))
            }
            Iter::Packed(data, at) => {
                let len = usize::from(*data.get(*at)?);
                let m = data.get(*at + 1..*at + 1 + len)?;
                *at += 1 + len;
                Some(Member::Str(m))
            }
            Iter::Table(it) => it.next().map(|m| Member::Str(m)),
        }
    }
}

/// No position: the end of a chain, or an empty bucket.
const NONE: u32 = u32::MAX;
/// Fewest buckets a table keeps.
const MIN_BUCKETS: usize = 4;

/// The hashtable encoding: members stored densely, chained through `next`.
#[derive(Debug, Clone)]
struct Table {
    /// Every member; a removal moves the last one into the hole.
    members: Vec<Box<[u8]>>,
    /// For each member, the position of the next member in its bucket's chain.
    next: Vec<u32>,
    /// For each bucket, the position of the first member of its chain.
    buckets: Box<[u32]>,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        let mut t = Table { members: Vec::with_capacity(n), next: Vec::with_capacity(n), buckets: Box::default() };
        t.rebuild(n.next_power_of_two().max(MIN_BUCKETS));
        t
    }

    fn bucket(&self, m: &[u8]) -> usize {
        (hash(m) as usize) & (self.buckets.len() - 1)
    }

    /// The position of `m`, if present.
    fn find(&self, m: &[u8]) -> Option<u32> {
        let mut i = self.buckets[self.bucket(m)];
        while i != NONE {
            if *self.members[i as usize] == *m {
                return Some(i);
            }
            i = self.next[i as usize];
        }
        None
    }

    /// Adds a member known to be absent.
    fn insert_new(&mut self, m: Box<[u8]>) {
        if self.members.len() >= self.buckets.len() {
            self.rebuild(self.buckets.len() * 2);
        }
        let b = self.bucket(&m);
        self.next.push(self.buckets[b]);
        self.buckets[b] = self.members.len() as u32;
        self.members.push(m);
    }

    /// Makes the link that points at `from` in bucket `b`'s chain point at `to`.
    fn relink(&mut self, b: usize, from: u32, to: u32) {
        if self.buckets[b] == from {
            self.buckets[b] = to;
            return;
        }
        let mut p = self.buckets[b];
        while self.next[p as usize] != from {
            p = self.next[p as usize];
        }
        self.next[p as usize] = to;
    }

    /// Removes and returns the member at position `i`.
    fn remove_at(&mut self, i: usize) -> Box<[u8]> {
        let b = self.bucket(&self.members[i]);
        self.relink(b, i as u32, self.next[i]);
        let last = self.members.len() - 1;
        if i != last {
            let bl = self.bucket(&self.members[last]);
            self.relink(bl, last as u32, i as u32);
        }
        self.next.swap_remove(i);
        let m = self.members.swap_remove(i);
        let n = self.members.len();
        // Shrink below 1/8 full, as the keyspace dict does.
        if self.buckets.len() > MIN_BUCKETS && n * 8 < self.buckets.len() {
            self.rebuild(n.next_power_of_two().max(MIN_BUCKETS));
        }
        if self.members.capacity() > 64 && n * 4 < self.members.capacity() {
            self.members.shrink_to(n * 2);
            self.next.shrink_to(n * 2);
        }
        m
    }

    /// Re-chains every member into `size` buckets.
    fn rebuild(&mut self, size: usize) {
        self.buckets = vec![NONE; size].into_boxed_slice();
        for i in 0..self.members.len() {
            let b = self.bucket(&self.members[i]);
            self.next[i] = self.buckets[b];
            self.buckets[b] = i as u32;
        }
    }

    /// Visits the bucket at `cursor` and returns the next cursor in reverse-binary
    /// order (0 when the walk is complete), as the keyspace `Dict` does.
    fn scan_bucket(&self, cursor: u64, mut f: impl FnMut(&[u8])) -> u64 {
        let mask = (self.buckets.len() - 1) as u64;
        let mut i = self.buckets[(cursor & mask) as usize];
        while i != NONE {
            f(&self.members[i as usize]);
            i = self.next[i as usize];
        }
        (cursor | !mask).reverse_bits().wrapping_add(1).reverse_bits()
    }
}

#[cfg(test)]
mod tests;

//! The keyspace: databases split into shards, each shard behind its own lock.
//!
//! Owns keys, values and expiry; knows nothing of RESP or sockets (invariant 1). Callers
//! lock what a command touches with [`Store::lock`], which takes every needed shard in
//! ascending (database, shard) order once, so multi-key commands are atomic and cannot
//! deadlock (invariant 6). Locks are `parking_lot` mutexes held only inside synchronous
//! code, never across an `.await`.
//!
//! Expiry is lazy (every lookup through a [`Txn`] checks it) and active
//! ([`Store::active_expire_cycle`], a budgeted sweep run `hz` times a second).

pub mod blocking;
pub mod dict;
pub mod entry;
pub mod evict;
pub mod hash;
pub mod list;
pub mod set;
pub mod value;
pub mod watch;

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::{Mutex, MutexGuard};
use smallvec::SmallVec;

pub use dict::Dict;
pub use entry::{Entry, Kind};
pub use value::Object;

/// One shard of one database.
#[derive(Debug, Default)]
pub struct Shard {
    /// The keys of this shard.
    pub dict: Dict,
    /// How many entries carry an expiry (INFO keyspace `expires=`).
    expires: usize,
    /// Sum of the expiry times of those entries: INFO's `avg_ttl` without sampling.
    expire_sum: u128,
    /// Where the active-expiry sweep resumes (a `Dict::scan_bucket` cursor).
    sweep: u64,
    /// A snapshot is running and has not walked all of this shard yet: every entry
    /// whose SNAP bit differs from `parity` still belongs to it, and is handed to it
    /// before anything changes or removes it (entry-level copy-on-write, invariant 10).
    snapshot_pending: bool,
    /// The parity of the latest snapshot. Outside a snapshot every entry's SNAP bit
    /// equals it; starting a snapshot flips it, which marks every entry unsaved at once.
    parity: bool,
    /// Entries saved by writers, waiting to be appended to the snapshot's file.
    snap_buf: Vec<u8>,
}

/// Bytes of saved entries a shard collects before appending them to the snapshot.
const SNAP_FLUSH: usize = 16 * 1024;

impl Shard {
    /// Counts an entry's expiry in (`Some`) after it was stored.
    fn track_expire(&mut self, at: Option<u64>) {
        if let Some(at) = at {
            self.expires += 1;
            self.expire_sum += u128::from(at);
        }
    }

    /// Takes an entry's expiry out of the counts after it was removed or changed.
    fn forget_expire(&mut self, at: Option<u64>) {
        if let Some(at) = at {
            self.expires -= 1;
            self.expire_sum -= u128::from(at);
        }
    }

    /// How many entries carry an expiry.
    pub fn expires(&self) -> usize {
        self.expires
    }
}

/// Receives every entry once per snapshot, as it was at the snapshot's instant. Its
/// methods may run with a shard locked: they must never lock a shard themselves.
pub trait ShardSink: Send + Sync {
    /// Appends one entry, serialized, to `out`. `walker` is true on the snapshot's own
    /// thread (which may spend time compressing), false when a command is about to
    /// change the entry and waits for this.
    fn serialize(&self, out: &mut Vec<u8>, e: &Entry, walker: bool);
    /// Takes serialized entries of database `db`.
    fn write(&self, db: usize, bytes: &[u8]);
}

impl Shard {
    /// Hands `e` to the snapshot if it still belongs to it (called before `e` changes).
    fn preserve(&mut self, store: &Store, db: usize, e: &mut Entry) {
        preserve(store, db, self.snapshot_pending, self.parity, &mut self.snap_buf, e);
    }

    /// Hands an entry just removed from this shard to the snapshot if it belongs to it.
    fn preserve_removed(&mut self, store: &Store, db: usize, mut e: Entry) {
        self.preserve(store, db, &mut e);
    }

    /// Marks an entry about to be stored as not part of the running snapshot.
    fn adopt(&self, e: &mut Entry) {
        e.set_snap_bit(self.parity);
    }

    /// Hands every entry that still belongs to the snapshot over, then the buffer
    /// (FLUSHDB, SWAPDB during a snapshot).
    fn preserve_all(&mut self, store: &Store, db: usize) {
        if !self.snapshot_pending {
            return;
        }
        let parity = self.parity;
        let buf = &mut self.snap_buf;
        self.dict.for_each_mut(|e| preserve(store, db, true, parity, buf, e));
        flush_snap_buf(store, db, buf);
        self.snapshot_pending = false;
    }
}

/// [`Shard::preserve`] on split borrows, for callers that hold an entry of the dict.
fn preserve(store: &Store, db: usize, pending: bool, parity: bool, buf: &mut Vec<u8>, e: &mut Entry) {
    if !pending || e.snap_bit() == parity {
        return;
    }
    e.set_snap_bit(parity);
    let sink = store.snapshot.read().clone();
    if let Some(sink) = sink {
        sink.serialize(buf, e, false);
        if buf.len() >= SNAP_FLUSH {
            flush_snap_buf(store, db, buf);
        }
    }
}

fn flush_snap_buf(store: &Store, db: usize, buf: &mut Vec<u8>) {
    if buf.is_empty() {
        return;
    }
    let sink = store.snapshot.read().clone();
    if let Some(sink) = sink {
        sink.write(db, buf);
    }
    buf.clear();
}

/// What a snapshot sees at its instant: per database, (keys, keys with an expiry).
pub type SnapshotCounts = Vec<(usize, usize)>;

/// One logical database (`SELECT n`).
#[derive(Debug)]
pub struct Db {
    shards: Box<[Mutex<Shard>]>,
}

/// Counters the store updates; INFO stats reads them.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Keys removed because their TTL passed (lazily or actively).
    pub expired_keys: AtomicU64,
    /// Lookups that found a key.
    pub keyspace_hits: AtomicU64,
    /// Lookups that found none.
    pub keyspace_misses: AtomicU64,
    /// Times the active expiry cycle ran.
    pub expire_cycles: AtomicU64,
    /// Keys removed to stay under `maxmemory`.
    pub evicted_keys: AtomicU64,
}

/// How keys' access clocks are kept: LRU seconds or, under an LFU maxmemory policy,
/// Redis's LFU counter (8 bits) with its last-decrement time in minutes (16 bits).
#[derive(Debug, Default)]
pub struct ClockPolicy {
    pub lfu: AtomicBool,
    pub lfu_log_factor: AtomicU64,
    pub lfu_decay_time: AtomicU64,
}

/// Redis's initial LFU counter for a new key.
const LFU_INIT_VAL: u32 = 5;

/// Called when the store itself creates or expires a key (keyspace notifications
/// `new` and `expired`): (class bit, event, db, key). Set once by the server.
pub struct EventHook(pub Box<EventFn>);

/// The hook's signature: (class bit, event, db, key).
pub type EventFn = dyn Fn(u32, &'static str, usize, &[u8]) + Send + Sync;

impl std::fmt::Debug for EventHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventHook")
    }
}

/// Class bits the store reports with (the same as `server::notify::class`).
pub const EVENT_EXPIRED: u32 = 1 << 6;
/// See [`EVENT_EXPIRED`].
pub const EVENT_EVICTED: u32 = 1 << 7;
/// See [`EVENT_EXPIRED`].
pub const EVENT_NEW: u32 = 1 << 11;
/// See [`EVENT_EXPIRED`].
pub const EVENT_KEY_MISS: u32 = 1 << 9;

/// All databases.
#[derive(Debug)]
pub struct Store {
    /// Reports `new` and `expired` keys for keyspace notifications.
    pub events: std::sync::OnceLock<EventHook>,
    /// LRU or LFU bookkeeping, from `maxmemory-policy`, `lfu-log-factor`, `lfu-decay-time`.
    pub clock_policy: ClockPolicy,
    dbs: Box<[Db]>,
    shard_mask: usize,
    hasher: foldhash::fast::FixedState,
    /// Counters for INFO.
    pub stats: StoreStats,
    /// Keys clients WATCH; every change to a key touches it here.
    pub watches: watch::Watches,
    /// Clients blocked on list keys.
    pub blocking: blocking::Blocking,
    /// The running snapshot, if any.
    snapshot: parking_lot::RwLock<Option<std::sync::Arc<dyn ShardSink>>>,
}

impl std::fmt::Debug for dyn ShardSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShardSink")
    }
}

/// Redis's LFU time: minutes, in 16 bits.
fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xffff) as u32
}

/// The LRU clock Redis keeps in 24 bits: seconds, wrapping.
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) & 0x00ff_ffff) as u32
}

impl Store {
    /// A store of `databases` databases with `shards` shards each (rounded up to a power
    /// of two).
    pub fn new(databases: usize, shards: usize) -> Store {
        let shards = shards.max(1).next_power_of_two();
        let dbs = (0..databases.max(1))
            .map(|_| Db { shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect() })
            .collect();
        Store {
            events: std::sync::OnceLock::new(),
            clock_policy: ClockPolicy::default(),
            dbs,
            shard_mask: shards - 1,
            hasher: foldhash::fast::FixedState::with_seed(rand::random()),
            stats: StoreStats::default(),
            watches: watch::Watches::default(),
            blocking: blocking::Blocking::default(),
            snapshot: parking_lot::RwLock::new(None),
        }
    }

    /// Starts a snapshot at this instant. The caller must hold the server's gate
    /// exclusively, so no command is half done. Flips every shard's parity (which marks
    /// every entry unsaved) and returns each database's (keys, expires) at this instant.
    pub fn begin_snapshot(&self, sink: std::sync::Arc<dyn ShardSink>) -> SnapshotCounts {
        *self.snapshot.write() = Some(sink);
        self.dbs
            .iter()
            .map(|d| {
                d.shards.iter().fold((0, 0), |(keys, expires), s| {
                    let mut s = s.lock();
                    s.parity = !s.parity;
                    s.snapshot_pending = !s.dict.is_empty();
                    s.snap_buf.clear();
                    (keys + s.dict.len(), expires + s.expires)
                })
            })
            .collect()
    }

    /// The snapshot's own walk: every shard, a few buckets per lock hold, handing over
    /// each entry that no writer handed over first; then ends the snapshot. Writing to
    /// the sink happens with no lock held.
    pub fn run_snapshot(&self) {
        let sink = self.snapshot.read().clone();
        let Some(sink) = sink else { return };
        let mut buf = Vec::with_capacity(64 * 1024);
        for (db, d) in self.dbs.iter().enumerate() {
            for s in d.shards.iter() {
                let mut cursor = 0u64;
                loop {
                    let done = {
                        let mut g = s.lock();
                        if !g.snapshot_pending {
                            true
                        } else {
                            let parity = g.parity;
                            for _ in 0..128 {
                                cursor = g.dict.scan_bucket_mut(cursor, |e| {
                                    if e.snap_bit() != parity {
                                        e.set_snap_bit(parity);
                                        sink.serialize(&mut buf, e, true);
                                    }
                                });
                                if cursor == 0 || buf.len() >= 64 * 1024 {
                                    break;
                                }
                            }
                            buf.append(&mut g.snap_buf);
                            if cursor == 0 {
                                g.snapshot_pending = false;
                            }
                            cursor == 0
                        }
                    };
                    if !buf.is_empty() {
                        sink.write(db, &buf);
                        buf.clear();
                    }
                    if done {
                        break;
                    }
                }
            }
        }
        *self.snapshot.write() = None;
    }

    /// Inserts a key read from a file while loading. Hands the entry back (changing
    /// nothing) if the key already exists or the database does not.
    pub fn load_entry(&self, db: usize, entry: Entry) -> Option<Entry> {
        if db >= self.dbs.len() {
            return Some(entry);
        }
        let mut entry = entry;
        let hash = self.hash(entry.key());
        let mut s = self.dbs[db].shards[self.shard_of(hash)].lock();
        if s.dict.get(entry.key(), hash).is_some() {
            return Some(entry);
        }
        s.adopt(&mut entry);
        s.track_expire(entry.expire());
        s.dict.insert_new(hash, entry, |k| self.hash(k));
        None
    }

    /// Reports a store event to the hook, if one is installed.
    fn event(&self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        if let Some(hook) = self.events.get() {
            (hook.0)(class, event, db, key);
        }
    }

    /// Takes the LRU/LFU settings from the configuration.
    pub fn set_eviction_params(&self, config: &crate::config::Config) {
        let p = &self.clock_policy;
        p.lfu.store(config.maxmemory_policy.contains("lfu"), Ordering::Relaxed);
        p.lfu_log_factor.store(config.lfu_log_factor, Ordering::Relaxed);
        p.lfu_decay_time.store(config.lfu_decay_time, Ordering::Relaxed);
    }

    /// Is an LFU maxmemory policy in force?
    pub fn lfu(&self) -> bool {
        self.clock_policy.lfu.load(Ordering::Relaxed)
    }

    /// The access clock of a new key.
    pub fn new_clock(&self, now: u64) -> u32 {
        if self.lfu() {
            (lfu_minutes(now) << 8) | LFU_INIT_VAL
        } else {
            lru_clock(now)
        }
    }

    /// The access clock after an access: the LRU time, or the LFU counter decayed
    /// and then incremented with Redis's logarithmic probability.
    pub fn touch_clock(&self, old: u32, now: u64) -> u32 {
        if !self.lfu() {
            return lru_clock(now);
        }
        let mut counter = self.lfu_counter(old, now);
        if counter < 255 {
            let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
            let factor = self.clock_policy.lfu_log_factor.load(Ordering::Relaxed) as f64;
            let p = 1.0 / (base * factor + 1.0);
            if rand::random::<f64>() < p {
                counter += 1;
            }
        }
        (lfu_minutes(now) << 8) | counter
    }

    /// The LFU counter of a clock after decay (OBJECT FREQ).
    pub fn lfu_counter(&self, clock: u32, now: u64) -> u32 {
        let counter = clock & 0xff;
        let decay = self.clock_policy.lfu_decay_time.load(Ordering::Relaxed);
        if decay == 0 {
            return counter;
        }
        let last = clock >> 8;
        let now_min = lfu_minutes(now);
        let elapsed = if now_min >= last { now_min - last } else { 65535 - last + now_min };
        let periods = u64::from(elapsed) / decay;
        counter.saturating_sub(u32::try_from(periods).unwrap_or(u32::MAX))
    }

    /// Number of databases.
    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// The key's hash, used for both the shard and the bucket.
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn shard_of(&self, hash: u64) -> usize {
        ((hash >> 40) as usize) & self.shard_mask
    }

    /// Locks the shards holding `keys` (database, key) in ascending order and returns a
    /// view through which the command reads and writes them. `now` is the command's
    /// single notion of time (invariant 2).
    pub fn lock<'a>(&'a self, now: u64, keys: &[(usize, &[u8])]) -> Txn<'a> {
        if let [(db, key)] = keys {
            return self.lock_one(now, *db, key);
        }
        let mut wanted: SmallVec<[(usize, usize); 16]> = SmallVec::with_capacity(keys.len());
        for (db, k) in keys {
            if *db < self.dbs.len() {
                wanted.push((*db, self.shard_of(self.hash(k))));
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        let mut guards = SmallVec::with_capacity(wanted.len());
        for (db, shard) in wanted {
            guards.push((db, shard, self.dbs[db].shards[shard].lock()));
        }
        Txn { store: self, guards, now }
    }

    /// Locks the shard of one key: the common case, without sorting.
    pub fn lock_one<'a>(&'a self, now: u64, db: usize, key: &[u8]) -> Txn<'a> {
        let mut guards = SmallVec::new();
        if db < self.dbs.len() {
            let shard = self.shard_of(self.hash(key));
            guards.push((db, shard, self.dbs[db].shards[shard].lock()));
        }
        Txn { store: self, guards, now }
    }

    /// (keys, bytes of its tables: bucket arrays and `node_bytes` per key) of a
    /// database, for MEMORY STATS.
    pub fn db_overhead(&self, db: usize, node_bytes: usize) -> (usize, usize) {
        let Some(d) = self.dbs.get(db) else { return (0, 0) };
        d.shards.iter().fold((0, 0), |(keys, bytes), s| {
            let s = s.lock();
            (keys + s.dict.len(), bytes + s.dict.bucket_count() * 8 + s.dict.len() * node_bytes)
        })
    }

    /// DBSIZE: keys in the database, including expired keys not yet reclaimed (as Redis).
    pub fn db_size(&self, db: usize) -> usize {
        self.dbs.get(db).map_or(0, |d| d.shards.iter().map(|s| s.lock().dict.len()).sum())
    }

    /// (keys, keys with an expiry, average TTL in ms of those) of a database, for INFO
    /// keyspace. Redis estimates `avg_ttl` by sampling; we know it exactly.
    pub fn db_counts(&self, db: usize, now: u64) -> (usize, usize, u64) {
        let Some(d) = self.dbs.get(db) else { return (0, 0, 0) };
        let (keys, expires, sum) = d.shards.iter().fold((0, 0, 0u128), |(k, e, sum), s| {
            let s = s.lock();
            (k + s.dict.len(), e + s.expires, sum + s.expire_sum)
        });
        let avg = if expires > 0 { (sum / expires as u128) as u64 } else { 0 };
        (keys, expires, if expires > 0 { avg.saturating_sub(now) } else { 0 })
    }

    /// Touches the watchers of every watched key of `db` that exists in `db` or in
    /// `other` (FLUSHDB, FLUSHALL: `other` = `db`; SWAPDB: the other database).
    pub fn touch_watched_existing(&self, db: usize, other: usize, now: u64) {
        for key in self.watches.keys_in(db) {
            let exists = |d: usize| {
                let mut t = self.lock_one(now, d, &key);
                t.exists(d, &key)
            };
            if exists(db) || (other != db && exists(other)) {
                self.watches.touch(db, &key);
            }
        }
    }

    /// Removes every key of one database. The dictionaries are returned so the caller
    /// can free them on another thread (FLUSHDB ASYNC).
    pub fn flush_db(&self, db: usize) -> Vec<Dict> {
        let Some(d) = self.dbs.get(db) else {
            return Vec::new();
        };
        (0..d.shards.len())
            .map(|i| {
                let mut s = d.shards[i].lock();
                s.preserve_all(self, db);
                s.expires = 0;
                s.expire_sum = 0;
                s.sweep = 0;
                std::mem::take(&mut s.dict)
            })
            .collect()
    }

    /// SWAPDB: exchanges the contents of two databases, shard by shard, holding every
    /// shard of both (in ascending order) so no client sees a half-swapped pair.
    pub fn swap_db(&self, a: usize, b: usize) {
        if a == b || a >= self.dbs.len() || b >= self.dbs.len() {
            return;
        }
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let n = self.dbs[lo].shards.len();
        let mut lo_guards: Vec<_> = self.dbs[lo].shards.iter().map(|s| s.lock()).collect();
        let mut hi_guards: Vec<_> = self.dbs[hi].shards.iter().map(|s| s.lock()).collect();
        debug_assert_eq!(lo_guards.len(), n);
        // A running snapshot gets both databases as they were, under their old numbers.
        for g in lo_guards.iter_mut() {
            g.preserve_all(self, lo);
        }
        for g in hi_guards.iter_mut() {
            g.preserve_all(self, hi);
        }
        for (x, y) in lo_guards.iter_mut().zip(hi_guards.iter_mut()) {
            std::mem::swap(&mut **x, &mut **y);
        }
    }

    /// KEYS: every live key of a database matching `pattern`, one shard at a time.
    pub fn keys(&self, db: usize, pattern: &[u8], now: u64) -> Vec<Bytes> {
        let mut out = Vec::new();
        let Some(d) = self.dbs.get(db) else {
            return out;
        };
        let all = pattern == b"*";
        for s in d.shards.iter() {
            let s = s.lock();
            for e in s.dict.iter() {
                if !e.is_expired(now) && (all || crate::glob::glob_match(pattern, e.key(), false)) {
                    out.push(Bytes::copy_from_slice(e.key()));
                }
            }
        }
        out
    }

    /// One SCAN step over a database. The cursor packs the shard index in its low bits
    /// and the shard's reverse-binary bucket cursor above them; a full walk returns 0.
    /// Visits buckets until `count` keys were collected or `count * 10` buckets seen.
    /// `keep` filters keys (MATCH, TYPE); expired keys are never returned.
    pub fn scan(
        &self,
        db: usize,
        cursor: u64,
        count: usize,
        now: u64,
        mut keep: impl FnMut(&Entry) -> bool,
    ) -> (u64, Vec<Bytes>) {
        let mut out = Vec::new();
        if db >= self.dbs.len() {
            return (0, out);
        }
        let bits = self.shard_mask.count_ones();
        let mut shard = (cursor as usize) & self.shard_mask;
        let mut bucket = cursor >> bits;
        let mut budget = count.max(1).saturating_mul(10);
        let mut expired: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut guard = self.dbs[db].shards[shard].lock();
            loop {
                bucket = guard.dict.scan_bucket(bucket, |e| {
                    if e.is_expired(now) {
                        expired.push(e.key().to_vec());
                    } else if keep(e) {
                        out.push(Bytes::copy_from_slice(e.key()));
                    }
                });
                budget = budget.saturating_sub(1);
                if bucket == 0 || out.len() >= count || budget == 0 {
                    break;
                }
            }
            // Like Redis, SCAN reclaims the expired keys it walks over.
            for key in expired.drain(..) {
                self.remove_expired(db, &mut guard, &key);
            }
            drop(guard);
            if bucket == 0 {
                shard += 1;
                if shard > self.shard_mask {
                    return (0, out);
                }
            }
            if out.len() >= count || budget == 0 {
                return ((bucket << bits) | shard as u64, out);
            }
        }
    }

    /// Removes a key found expired while walking a shard, counting it.
    fn remove_expired(&self, db: usize, shard: &mut Shard, key: &[u8]) -> bool {
        self.remove_reported(db, shard, key, &self.stats.expired_keys, EVENT_EXPIRED, "expired")
    }

    /// Removes a key the store itself takes away (expired, evicted): counts it in
    /// `counter`, touches its watchers and reports `event` (which logs it as DEL).
    fn remove_reported(
        &self,
        db: usize,
        shard: &mut Shard,
        key: &[u8],
        counter: &AtomicU64,
        class: u32,
        event: &'static str,
    ) -> bool {
        let Some(e) = shard.dict.remove(key, self.hash(key), |k| self.hash(k)) else { return false };
        shard.forget_expire(e.expire());
        shard.preserve_removed(self, db, e);
        counter.fetch_add(1, Ordering::Relaxed);
        self.watches.touch(db, key);
        self.event(class, event, db, key);
        true
    }

    /// RANDOMKEY: a random live key of the database.
    pub fn random_key(&self, db: usize, now: u64) -> Option<Bytes> {
        let d = self.dbs.get(db)?;
        let mut rng = rand::rng();
        // Pick shards weighted by size by sampling; give up after many expired picks
        // (Redis also bounds its attempts when every key is expired).
        for _ in 0..100 {
            let sizes: Vec<usize> = d.shards.iter().map(|s| s.lock().dict.len()).collect();
            let total: usize = sizes.iter().sum();
            if total == 0 {
                return None;
            }
            let mut pick = rand::Rng::random_range(&mut rng, 0..total);
            let mut idx = 0;
            for (i, n) in sizes.iter().enumerate() {
                if pick < *n {
                    idx = i;
                    break;
                }
                pick -= n;
            }
            let mut s = d.shards[idx].lock();
            let found = s.dict.random(&mut rng).map(|e| (Bytes::copy_from_slice(e.key()), e.is_expired(now)));
            match found {
                Some((key, false)) => return Some(key),
                Some((key, true)) => {
                    let h = self.hash(&key);
                    self.remove_expired(db, &mut s, &key);
                    let _ = h;
                }
                None => {}
            }
        }
        None
    }

    /// One active expiry cycle: sweeps shards that hold keys with a TTL, removing the
    /// expired ones, until `budget` has elapsed or every such shard was advanced.
    /// Returns the keys removed, as (db, key), for propagation.
    pub fn active_expire_cycle(&self, now: u64, budget: std::time::Duration) -> Vec<(usize, Vec<u8>)> {
        let start = std::time::Instant::now();
        let mut removed = Vec::new();
        self.stats.expire_cycles.fetch_add(1, Ordering::Relaxed);
        for (dbi, d) in self.dbs.iter().enumerate() {
            for s in d.shards.iter() {
                if start.elapsed() > budget {
                    return removed;
                }
                let mut s = s.lock();
                if s.expires == 0 {
                    continue;
                }
                // Up to 256 buckets per shard per cycle bounds the time a lock is held.
                let mut expired = Vec::new();
                let mut cursor = s.sweep;
                for _ in 0..256 {
                    cursor = s.dict.bucket_keys(cursor, now, &mut expired);
                    if cursor == 0 {
                        break;
                    }
                }
                s.sweep = cursor;
                for key in expired {
                    if self.remove_expired(dbi, &mut s, &key) {
                        removed.push((dbi, key));
                    }
                }
            }
        }
        removed
    }
}

/// The shards one command holds, and the operations it may do through them.
pub struct Txn<'a> {
    store: &'a Store,
    guards: SmallVec<[(usize, usize, MutexGuard<'a, Shard>); 4]>,
    now: u64,
}

impl<'a> Txn<'a> {
    /// The command's time.
    pub fn now(&self) -> u64 {
        self.now
    }

    fn shard(&mut self, db: usize, hash: u64) -> Option<&mut Shard> {
        let shard = self.store.shard_of(hash);
        self.guards.iter_mut().find(|(d, s, _)| *d == db && *s == shard).map(|(_, _, g)| &mut **g)
    }

    /// Removes `key` if it is expired (lazy expiry). Returns true if it was removed.
    fn expire_if_needed(&mut self, db: usize, key: &[u8], hash: u64) -> bool {
        let now = self.now;
        let store = self.store;
        let Some(shard) = self.shard(db, hash) else {
            return false;
        };
        let expired = matches!(shard.dict.get(key, hash), Some(e) if e.is_expired(now));
        if expired {
            if let Some(e) = shard.dict.remove(key, hash, |k| store.hash(k)) {
                shard.forget_expire(e.expire());
                shard.preserve_removed(store, db, e);
            }
            store.stats.expired_keys.fetch_add(1, Ordering::Relaxed);
            store.watches.touch(db, key);
            store.event(EVENT_EXPIRED, "expired", db, key);
        }
        expired
    }

    /// The live entry for `key`, touching its access clock. Counts a hit or a miss.
    pub fn get(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let store = self.store;
        let e = self.peek(db, key);
        if e.is_some() {
            store.stats.keyspace_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            store.stats.keyspace_misses.fetch_add(1, Ordering::Relaxed);
            store.event(EVENT_KEY_MISS, "keymiss", db, key);
        }
        e
    }

    /// The live entry for `key` without counting hits or misses (writes, EXISTS-like
    /// checks inside other commands). Still touches the access clock.
    pub fn peek(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let hash = self.store.hash(key);
        self.expire_if_needed(db, key, hash);
        let (store, now) = (self.store, self.now);
        let shard = self.shard(db, hash)?;
        let Shard { dict, snapshot_pending, parity, snap_buf, .. } = shard;
        let e = dict.get_mut(key, hash)?;
        // The caller may change the entry through this reference.
        preserve(store, db, *snapshot_pending, *parity, snap_buf, e);
        e.set_lru(store.touch_clock(e.lru(), now));
        Some(e)
    }

    /// The live entry for `key` without touching its access clock (OBJECT, TYPE-like
    /// introspection that Redis does with LOOKUP_NOTOUCH).
    pub fn peek_no_touch(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let hash = self.store.hash(key);
        self.expire_if_needed(db, key, hash);
        let store = self.store;
        let Shard { dict, snapshot_pending, parity, snap_buf, .. } = self.shard(db, hash)?;
        let e = dict.get_mut(key, hash)?;
        preserve(store, db, *snapshot_pending, *parity, snap_buf, e);
        Some(e)
    }

    /// Is `key` present but past its expiry (not yet reclaimed)? Used by WATCH/EXEC.
    pub fn is_expired_unreclaimed(&self, db: usize, key: &[u8]) -> bool {
        let hash = self.store.hash(key);
        let now = self.now;
        let shard = self.store.shard_of(hash);
        self.guards
            .iter()
            .find(|(d, s, _)| *d == db && *s == shard)
            .and_then(|(_, _, g)| g.dict.get(key, hash))
            .is_some_and(|e| e.is_expired(now))
    }

    /// Is `key` present and live?
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.peek(db, key).is_some()
    }

    /// Stores `entry` under its key, replacing any previous value (and its expiry).
    pub fn insert(&mut self, db: usize, entry: Entry) {
        let store = self.store;
        let mut entry = entry;
        let hash = store.hash(entry.key());
        let Some(shard) = self.shard(db, hash) else {
            return;
        };
        match shard.dict.remove(entry.key(), hash, |k| store.hash(k)) {
            Some(old) => {
                shard.forget_expire(old.expire());
                shard.preserve_removed(store, db, old);
            }
            None => store.event(EVENT_NEW, "new", db, entry.key()),
        }
        shard.adopt(&mut entry);
        shard.track_expire(entry.expire());
        shard.dict.insert_new(hash, entry, |k| store.hash(k));
    }

    /// Stores a string at `key`, reusing the existing entry when there is one (SET,
    /// INCR, MSET). `expire`: `Some(at)` sets the TTL (`Some(None)` removes it), `None`
    /// keeps the key's current TTL (KEEPTTL, INCR).
    pub fn set_string(&mut self, db: usize, key: &[u8], value: &[u8], expire: Option<Option<u64>>) {
        let store = self.store;
        let hash = store.hash(key);
        let now = self.now;
        let Some(shard) = self.shard(db, hash) else { return };
        // One walk of the chain: replace a live entry in place; an expired one is
        // reclaimed (lazy expiry) and the key then starts from nothing.
        let Shard { dict, snapshot_pending, parity, snap_buf, .. } = &mut *shard;
        let expired = match dict.get_mut(key, hash) {
            Some(e) if !e.is_expired(now) => {
                preserve(store, db, *snapshot_pending, *parity, snap_buf, e);
                let old = e.expire();
                let new = expire.unwrap_or(old);
                // An overwrite keeps the key's access history (Redis merges LFU data).
                let clock = store.touch_clock(e.lru(), now);
                e.replace_string(value, new, clock);
                if new != old {
                    shard.forget_expire(old);
                    shard.track_expire(new);
                }
                return;
            }
            Some(_) => true,
            None => false,
        };
        if expired {
            if let Some(old) = shard.dict.remove(key, hash, |k| store.hash(k)) {
                shard.forget_expire(old.expire());
                shard.preserve_removed(store, db, old);
                store.stats.expired_keys.fetch_add(1, Ordering::Relaxed);
                store.watches.touch(db, key);
                store.event(EVENT_EXPIRED, "expired", db, key);
            }
        }
        {
            let new = expire.flatten();
            shard.track_expire(new);
            let clock = store.new_clock(now);
            let mut entry = Entry::new_string(key, value, new, clock);
            shard.adopt(&mut entry);
            shard.dict.insert_new(hash, entry, |k| store.hash(k));
            store.event(EVENT_NEW, "new", db, key);
        }
    }

    /// Removes `key` and returns its entry if it was live.
    pub fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        let store = self.store;
        let hash = store.hash(key);
        if self.expire_if_needed(db, key, hash) {
            return None;
        }
        let shard = self.shard(db, hash)?;
        let mut e = shard.dict.remove(key, hash, |k| store.hash(k))?;
        shard.forget_expire(e.expire());
        shard.preserve(store, db, &mut e);
        Some(e)
    }

    /// Sets or clears the expiry of a live key. Returns false if the key is missing.
    pub fn set_expire(&mut self, db: usize, key: &[u8], at: Option<u64>) -> bool {
        let hash = self.store.hash(key);
        if self.expire_if_needed(db, key, hash) {
            return false;
        }
        let store = self.store;
        let Some(shard) = self.shard(db, hash) else {
            return false;
        };
        let Shard { dict, snapshot_pending, parity, snap_buf, .. } = &mut *shard;
        let Some(e) = dict.get_mut(key, hash) else {
            return false;
        };
        preserve(store, db, *snapshot_pending, *parity, snap_buf, e);
        let old = e.expire();
        e.set_expire(at);
        shard.forget_expire(old);
        shard.track_expire(at);
        true
    }
}

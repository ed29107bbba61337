//! `maxmemory` eviction: which key goes next under each of Redis's eight policies.
//!
//! Redis does not keep keys in LRU or LFU order; it samples `maxmemory-samples` keys
//! per database, keeps the best candidates seen so far in a pool of 16 across calls,
//! and evicts the best of the pool. We do the same, sampling each database from one
//! shard picked at random (keys are spread evenly over shards by their hash, so the
//! sample has the same distribution as one over the whole database). The random
//! policies pick a random key of the databases in turn.
//!
//! The server decides when to evict (`server::maxmemory`); this module only chooses
//! and removes. An evicted key is reported as the store event `evicted`, which the
//! server turns into a `DEL` in the AOF and a keyspace notification.

use std::time::{Duration, Instant};

use super::{lru_clock, Entry, Store, EVENT_EVICTED};

/// `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    NoEviction,
    AllKeysLru,
    AllKeysLfu,
    AllKeysRandom,
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    /// The policy a `maxmemory-policy` value names (the config validated it).
    pub fn parse(name: &str) -> Policy {
        match name {
            "allkeys-lru" => Policy::AllKeysLru,
            "allkeys-lfu" => Policy::AllKeysLfu,
            "allkeys-random" => Policy::AllKeysRandom,
            "volatile-lru" => Policy::VolatileLru,
            "volatile-lfu" => Policy::VolatileLfu,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            _ => Policy::NoEviction,
        }
    }

    /// Only keys with an expiry may be evicted.
    pub fn volatile(self) -> bool {
        matches!(self, Policy::VolatileLru | Policy::VolatileLfu | Policy::VolatileRandom | Policy::VolatileTtl)
    }

    fn random(self) -> bool {
        matches!(self, Policy::AllKeysRandom | Policy::VolatileRandom)
    }
}

/// Candidates kept between evictions, best (highest idle score) last.
#[derive(Debug, Default)]
pub struct Pool {
    candidates: Vec<Candidate>,
    /// Where the random policies resume their round of the databases.
    next_db: usize,
    /// Per database: does it hold keys the policy may evict (refreshed now and then,
    /// so empty databases cost no shard locks on every eviction).
    has_candidates: Vec<bool>,
    refreshed: Option<Instant>,
    /// The policy the candidates were scored under.
    policy: Option<Policy>,
}

#[derive(Debug)]
struct Candidate {
    idle: u64,
    db: usize,
    key: Box<[u8]>,
}

/// Redis's EVPOOL_SIZE.
const POOL_SIZE: usize = 16;
/// How long the per-database "has candidates" view is trusted.
const REFRESH: Duration = Duration::from_millis(100);

impl Pool {
    /// Inserts a sampled key if it beats the worst candidate or the pool has room.
    fn offer(&mut self, idle: u64, db: usize, key: &[u8]) {
        let c = &mut self.candidates;
        if c.len() >= POOL_SIZE && c.first().is_some_and(|w| idle <= w.idle) {
            return;
        }
        if c.iter().any(|x| x.db == db && *x.key == *key) {
            return;
        }
        let at = c.partition_point(|x| x.idle < idle);
        c.insert(at, Candidate { idle, db, key: key.into() });
        if c.len() > POOL_SIZE {
            c.remove(0);
        }
    }

    /// Scores from here on are under `policy`: candidates chosen under another one
    /// are forgotten.
    pub fn use_policy(&mut self, policy: Policy) {
        if self.policy != Some(policy) {
            self.candidates.clear();
            self.refreshed = None;
            self.policy = Some(policy);
        }
    }
}

impl Store {
    /// Evicts one key under `policy`, sampling `samples` keys per database. Returns the
    /// key removed, or `None` when no key may be evicted (none at all, or none with an
    /// expiry under a volatile policy).
    pub fn evict_one(&self, policy: Policy, samples: usize, pool: &mut Pool, now: u64) -> Option<(usize, Vec<u8>)> {
        if policy == Policy::NoEviction {
            return None;
        }
        let volatile = policy.volatile();
        self.refresh_candidates(pool, volatile, false);
        for round in 0..32 {
            let evicted = if policy.random() {
                self.pick_random(pool, volatile).filter(|(db, key)| self.evict_key(*db, key, volatile))
            } else {
                self.populate(policy, samples.max(1), pool, now);
                std::iter::from_fn(|| pool.candidates.pop())
                    .find(|c| self.evict_key(c.db, &c.key, volatile))
                    .map(|c| (c.db, c.key.into_vec()))
            };
            if evicted.is_some() {
                return evicted;
            }
            // Nothing found: the view of which databases hold keys may be stale.
            if round > 0 && !self.refresh_candidates(pool, volatile, true) {
                return None;
            }
        }
        None
    }

    /// Updates which databases hold evictable keys (at most every 100 ms unless
    /// `force`). Returns whether any does.
    fn refresh_candidates(&self, pool: &mut Pool, volatile: bool, force: bool) -> bool {
        let fresh = pool.refreshed.is_some_and(|t| t.elapsed() < REFRESH);
        if force || !fresh || pool.has_candidates.len() != self.dbs.len() {
            pool.has_candidates = self
                .dbs
                .iter()
                .map(|d| d.shards.iter().any(|s| Self::shard_has_candidates(&s.lock(), volatile)))
                .collect();
            pool.refreshed = Some(Instant::now());
        }
        pool.has_candidates.iter().any(|&h| h)
    }

    fn shard_has_candidates(s: &super::Shard, volatile: bool) -> bool {
        if volatile {
            s.expires > 0
        } else {
            !s.dict.is_empty()
        }
    }

    /// Calls `f` on the shards of `db` that hold candidates, from a random one on, until
    /// it returns something.
    fn in_random_shard<T>(
        &self,
        db: usize,
        volatile: bool,
        mut f: impl FnMut(&super::Shard, &mut rand::rngs::ThreadRng) -> Option<T>,
    ) -> Option<T> {
        let mut rng = rand::rng();
        let start = rand::Rng::random_range(&mut rng, 0..=self.shard_mask);
        (0..=self.shard_mask).find_map(|i| {
            let s = self.dbs[db].shards[(start + i) & self.shard_mask].lock();
            if Self::shard_has_candidates(&s, volatile) {
                f(&s, &mut rng)
            } else {
                None
            }
        })
    }

    /// Samples `samples` keys of every database that holds candidates into the pool.
    fn populate(&self, policy: Policy, samples: usize, pool: &mut Pool, now: u64) {
        let volatile = policy.volatile();
        let clock = lru_clock(now);
        for db in 0..self.dbs.len() {
            if !pool.has_candidates.get(db).copied().unwrap_or(false) {
                continue;
            }
            self.in_random_shard(db, volatile, |s, rng| {
                let mut offer = |e: &Entry| -> bool {
                    if volatile && e.expire().is_none() {
                        return false;
                    }
                    let idle = match policy {
                        Policy::VolatileTtl => u64::MAX - e.expire().unwrap_or(0),
                        Policy::AllKeysLfu | Policy::VolatileLfu => 255 - u64::from(self.lfu_counter(e.lru(), now)),
                        _ => lru_idle_ms(clock, e.lru()),
                    };
                    pool.offer(idle, db, e.key());
                    true
                };
                // Keys with an expiry may be few among many: walk further for them.
                let mut taken = s.dict.sample(rng, samples, samples * 10, &mut offer);
                if taken == 0 && volatile {
                    taken = s.dict.sample(rng, samples, s.dict.bucket_count(), &mut offer);
                }
                (taken > 0).then_some(())
            });
        }
    }

    /// A random key of the next database (in turn) that holds candidates.
    fn pick_random(&self, pool: &mut Pool, volatile: bool) -> Option<(usize, Vec<u8>)> {
        let dbs = self.dbs.len();
        for _ in 0..dbs {
            let db = pool.next_db % dbs;
            pool.next_db = pool.next_db.wrapping_add(1);
            if !pool.has_candidates.get(db).copied().unwrap_or(false) {
                continue;
            }
            let found = self.in_random_shard(db, volatile, |s, rng| {
                if !volatile {
                    return s.dict.random(rng).map(|e| e.key().to_vec());
                }
                let mut key = None;
                s.dict.sample(rng, 1, s.dict.bucket_count(), |e| {
                    if e.expire().is_some() {
                        key = Some(e.key().to_vec());
                    }
                    key.is_some()
                });
                key
            });
            if let Some(key) = found {
                return Some((db, key));
            }
        }
        None
    }

    /// Removes `key` as evicted if it is still there (and still has an expiry under a
    /// volatile policy). Reports the `evicted` event under the shard's lock, so its
    /// `DEL` is logged in the key's order.
    fn evict_key(&self, db: usize, key: &[u8], volatile: bool) -> bool {
        let hash = self.hash(key);
        let mut s = self.dbs[db].shards[self.shard_of(hash)].lock();
        match s.dict.get(key, hash) {
            Some(e) if !volatile || e.expire().is_some() => {}
            _ => return false,
        }
        self.remove_reported(db, &mut s, key, &self.stats.evicted_keys, EVENT_EVICTED, "evicted")
    }
}

/// Milliseconds since an LRU clock value (Redis's `estimateObjectIdleTime`; the clock
/// is seconds in 24 bits and wraps).
fn lru_idle_ms(now_clock: u32, then: u32) -> u64 {
    let secs = if now_clock >= then { now_clock - then } else { now_clock + (0x00ff_ffff - then) };
    u64::from(secs) * 1000
}

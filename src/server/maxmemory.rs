//! Staying under `maxmemory`: Redis's `performEvictions`, run before every command while
//! a limit is set, by the cron while memory stays over it, and at once when CONFIG SET
//! lowers the limit.
//!
//! Evictors take the eviction pool's lock, so one evicts at a time; the others go on
//! while memory is at most 1% over the limit and wait for the lock beyond that (which
//! holds back the writers that pushed memory over). Each run evicts until
//! `used_memory` is under the limit or its time budget (`maxmemory-eviction-tenacity`)
//! is spent; then the command goes ahead, as in Redis, and the cron continues. A command
//! that may grow memory is refused with OOM only when nothing could be evicted.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::memory;
use super::shared::{unix_ms, Shared};
use crate::config::Config;
use crate::store::evict::{Policy, Pool};

/// What an eviction run achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Memory is under the limit (or there is none).
    Ok,
    /// Still over, but keys were evicted and more can be: the command may run.
    Running,
    /// Over the limit with nothing left to evict: writes get OOM.
    Fail,
}

/// The eviction state shared by every connection.
#[derive(Debug, Default)]
pub struct Evictor {
    pool: Mutex<Pool>,
    /// Unix ms when memory went over the limit (0 = under it).
    over_since: AtomicU64,
    /// Milliseconds spent over the limit before the current stretch.
    exceeded_ms: AtomicU64,
}

impl Evictor {
    /// INFO stats `total_eviction_exceeded_time` and `current_eviction_exceeded_time`.
    pub fn exceeded_times(&self) -> (u64, u64) {
        let since = self.over_since.load(Relaxed);
        let current = if since == 0 { 0 } else { unix_ms().saturating_sub(since) };
        (self.exceeded_ms.load(Relaxed) + current, current)
    }

    /// CONFIG RESETSTAT: the exceeded time starts again from now.
    pub fn reset_stats(&self) {
        self.exceeded_ms.store(0, Relaxed);
        if self.over_since.load(Relaxed) != 0 {
            self.over_since.store(unix_ms(), Relaxed);
        }
    }

    fn note_over(&self, over: bool) {
        let since = self.over_since.load(Relaxed);
        if over && since == 0 {
            self.over_since.store(unix_ms(), Relaxed);
        } else if !over && since != 0 && self.over_since.swap(0, Relaxed) == since {
            self.exceeded_ms.fetch_add(unix_ms().saturating_sub(since), Relaxed);
        }
    }
}

/// Redis's `evictionTimeLimitUs`: 50 µs per tenacity step up to 10, then growing
/// 15% per step; 100 means no limit.
fn time_limit(tenacity: u64) -> Option<Duration> {
    if tenacity <= 10 {
        return Some(Duration::from_micros(50 * tenacity));
    }
    if tenacity < 100 {
        return Some(Duration::from_micros((500.0 * 1.15f64.powi((tenacity - 10) as i32)) as u64));
    }
    None
}

/// The memory `maxmemory` is checked against: `used_memory` less the AOF buffer
/// (Redis's `freeMemoryGetNotCountedMemory`; INFO `mem_not_counted_for_evict`), so a
/// log that lags behind a burst of writes does not evict keys.
pub fn counted_memory(shared: &Shared) -> u64 {
    memory::used_memory().saturating_sub(not_counted(shared))
}

/// INFO `mem_not_counted_for_evict`.
pub fn not_counted(shared: &Shared) -> u64 {
    if shared.aof.enabled() {
        shared.aof.buffered_bytes()
    } else {
        0
    }
}

/// Is memory over the limit? The cheap check every command makes.
pub fn over_limit(shared: &Shared, config: &Config) -> bool {
    config.maxmemory > 0 && counted_memory(shared) > config.maxmemory
}

/// Evicts keys until memory is under `maxmemory`, the time budget is spent or nothing
/// is left to evict. The caller holds the store gate shared, and the AOF's order lock
/// when the AOF is on (so an eviction's DEL cannot be logged before the write that
/// made the key).
pub fn perform_evictions(shared: &Shared, config: &Config, budget: Option<Duration>) -> Outcome {
    let evictor = &shared.evictor;
    if !over_limit(shared, config) {
        evictor.note_over(false);
        return Outcome::Ok;
    }
    evictor.note_over(true);
    let policy = Policy::parse(&config.maxmemory_policy);
    if policy == Policy::NoEviction {
        return Outcome::Fail;
    }
    // One evictor at a time, and it keeps going while memory is over the limit, also
    // for the others' writes; so the others go ahead without waiting for it, unless
    // memory is more than 1% over (then they wait: backpressure).
    let mut pool = match evictor.pool.try_lock() {
        Some(pool) => pool,
        None if counted_memory(shared) <= config.maxmemory + config.maxmemory / 100 => return Outcome::Running,
        None => evictor.pool.lock(),
    };
    pool.use_policy(policy);
    let start = Instant::now();
    let samples = config.maxmemory_samples as usize;
    let mut evicted = 0u32;
    loop {
        if counted_memory(shared) <= config.maxmemory {
            evictor.note_over(false);
            return Outcome::Ok;
        }
        if shared.store.evict_one(policy, samples, &mut pool, unix_ms()).is_none() {
            return Outcome::Fail;
        }
        evicted += 1;
        // Redis checks its clock every 16 keys.
        if evicted.is_multiple_of(16) && budget.is_some_and(|b| start.elapsed() > b) {
            return Outcome::Running;
        }
    }
}

/// The run before a command: with Redis's tenacity-based time budget.
pub fn before_command(shared: &Shared, config: &Config) -> Outcome {
    perform_evictions(shared, config, time_limit(config.maxmemory_eviction_tenacity))
}

/// Evicting in the background (the cron, and CONFIG SET maxmemory): holds the gate and
/// the AOF's order lock itself, for at most `budget`.
pub fn evict_in_background(shared: &Shared, budget: Duration) -> Outcome {
    let config = shared.config();
    if !over_limit(shared, &config) {
        shared.evictor.note_over(false);
        return Outcome::Ok;
    }
    let _gate = shared.gate.read();
    let _order = shared.aof.enabled().then(|| shared.aof.write_lock.lock());
    perform_evictions(shared, &config, Some(budget))
}

/// CONFIG SET maxmemory: Redis warns when the new limit is under the memory in use and
/// evicts at once. CONFIG SET holds the gate exclusively (and the AOF's order lock).
pub fn limit_changed(shared: &Shared, config: &Config) {
    let used = memory::used_memory();
    if config.maxmemory > 0 && config.maxmemory < used {
        shared.log(
            super::log::Level::Warning,
            &format!(
                "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage ({}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.",
                config.maxmemory, used
            ),
        );
    }
    perform_evictions(shared, config, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limit_follows_tenacity() {
        assert_eq!(time_limit(0), Some(Duration::ZERO));
        assert_eq!(time_limit(10), Some(Duration::from_micros(500)));
        assert_eq!(time_limit(11), Some(Duration::from_micros(575)));
        assert_eq!(time_limit(100), None);
    }
}

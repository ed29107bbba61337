//! The periodic work Redis does in `serverCron`: active expiry, at `hz` times a second.
//!
//! It runs on its own OS thread so a sweep never occupies an async worker, and it holds
//! at most one shard lock at a time (the store bounds each step).

use std::sync::Arc;
use std::time::Duration;

use super::shared::{unix_ms, Shared};

/// Starts the cron thread; it ends when the server shuts down.
pub fn start(shared: Arc<Shared>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("ferrokv-cron".into())
        .spawn(move || {
            let mut active_expire = true;
            while !shared.shutting_down() {
                let config = shared.config();
                let hz = config.hz.clamp(1, 500);
                let period = Duration::from_millis(1000 / u64::from(hz));
                if shared.debug_active_expire_enabled() != active_expire {
                    active_expire = !active_expire;
                }
                shared.peak_memory.fetch_max(super::memory::used_memory(), std::sync::atomic::Ordering::Relaxed);
                crate::persist::save::cron(&shared);
                // Memory still over the limit after the commands' own evictions (or with
                // no commands coming): evict for up to a quarter of the period.
                super::maxmemory::evict_in_background(&shared, period / 4);
                if active_expire {
                    // Redis's slow cycle may use 25% of a period.
                    let _removed = shared.store.active_expire_cycle(unix_ms(), period / 4);
                }
                // Sleep in short steps so shutdown is prompt.
                let mut slept = Duration::ZERO;
                while slept < period && !shared.shutting_down() {
                    let step = Duration::from_millis(10).min(period - slept);
                    std::thread::sleep(step);
                    slept += step;
                }
            }
        })
        .unwrap_or_else(|e| panic!("cannot start the cron thread: {e}"))
}

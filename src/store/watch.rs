//! WATCH bookkeeping: which clients watch which keys, and marking them when a key changes.
//!
//! A client's watch is an `Arc<AtomicBool>` ("dirty") registered under each (db, key) it
//! watches. Anything that changes a key (a write command, an expiry, FLUSHDB, SWAPDB)
//! calls [`Watches::touch`]; EXEC then sees the flag and replies nil. When nobody
//! watches anything, touching costs one atomic load. The registry's mutex is always the
//! innermost lock: it is taken while a shard may be held, never the other way round.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

/// A client's "something I watch changed" flag.
pub type WatchFlag = Arc<AtomicBool>;

/// The registry of watched keys.
#[derive(Debug, Default)]
pub struct Watches {
    keys: Mutex<HashMap<(usize, Bytes), Vec<WatchFlag>, foldhash::fast::RandomState>>,
    /// Number of (key, client) registrations, so the common case skips the mutex.
    count: AtomicUsize,
}

impl Watches {
    /// Registers `flag` as watching `key` in `db`.
    pub fn watch(&self, db: usize, key: Bytes, flag: &WatchFlag) {
        let mut keys = self.keys.lock();
        let list = keys.entry((db, key)).or_default();
        if !list.iter().any(|f| Arc::ptr_eq(f, flag)) {
            list.push(flag.clone());
            self.count.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Removes `flag` from the keys it watched.
    pub fn unwatch(&self, watched: &[(usize, Bytes)], flag: &WatchFlag) {
        if watched.is_empty() {
            return;
        }
        let mut keys = self.keys.lock();
        for (db, key) in watched {
            let k = (*db, key.clone());
            if let Some(list) = keys.get_mut(&k) {
                let before = list.len();
                list.retain(|f| !Arc::ptr_eq(f, flag));
                self.count.fetch_sub(before - list.len(), Ordering::SeqCst);
                if list.is_empty() {
                    keys.remove(&k);
                }
            }
        }
    }

    /// Is anything watched at all?
    pub fn any(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }

    /// Marks every client watching `key` in `db`.
    pub fn touch(&self, db: usize, key: &[u8]) {
        if !self.any() {
            return;
        }
        let keys = self.keys.lock();
        if let Some(list) = keys.get(&(db, Bytes::copy_from_slice(key))) {
            for f in list {
                f.store(true, Ordering::SeqCst);
            }
        }
    }

    /// Marks the clients watching keys of `db` for which `affected` says yes (FLUSHDB
    /// touches keys that existed, SWAPDB keys that exist in either database).
    pub fn touch_db(&self, db: usize, mut affected: impl FnMut(&[u8]) -> bool) {
        if !self.any() {
            return;
        }
        let keys = self.keys.lock();
        for ((d, key), list) in keys.iter() {
            if *d == db && affected(key) {
                for f in list {
                    f.store(true, Ordering::SeqCst);
                }
            }
        }
    }

    /// The watched keys of `db` (to check which exist before a flush or swap).
    pub fn keys_in(&self, db: usize) -> Vec<Bytes> {
        if !self.any() {
            return Vec::new();
        }
        self.keys.lock().keys().filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect()
    }
}

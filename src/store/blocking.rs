//! Clients blocked on list keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP).
//!
//! A blocked client is a [`Waiter`] queued, first come first served, under every key it
//! waits on. A writer that makes a key non-empty serves the waiters of that key itself,
//! in order, while holding the key's shard (so an element is handed to exactly one
//! waiter and never lost): it pops on the waiter's behalf, records the result in the
//! waiter's state and wakes its connection. A waiter registers while holding the
//! shards of all its keys, after seeing them empty, so no push can slip in between.
//!
//! Lock order: shard locks, then a waiter's `state`, then the registry's mutex.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

/// What to do for a waiter once one of its keys has elements.
#[derive(Debug, Clone)]
pub enum BlockOp {
    /// Pop `count` elements from one end (BLPOP, BRPOP: count 1; BLMPOP).
    Pop { left: bool, count: usize, mpop: bool },
    /// Pop from one end and push onto `dst` (BLMOVE, BRPOPLPUSH).
    Move { dst: Bytes, from_left: bool, to_left: bool },
}

/// Where a waiter stands.
#[derive(Debug, Clone)]
pub enum WaitState {
    /// Still blocked.
    Waiting,
    /// Served from `key` with these elements.
    Served { key: Bytes, values: Vec<Vec<u8>> },
    /// Serving failed with this error (e.g. the BLMOVE destination is not a list).
    Failed(&'static str),
    /// The timeout passed.
    TimedOut,
    /// CLIENT UNBLOCK: with an error (ERROR) or as a timeout (TIMEOUT).
    Unblocked { error: bool },
}

/// One blocked client.
#[derive(Debug)]
pub struct Waiter {
    pub client_id: u64,
    pub db: usize,
    pub keys: Vec<Bytes>,
    pub op: BlockOp,
    pub state: Mutex<WaitState>,
    /// Woken when `state` leaves `Waiting`.
    pub wake: tokio::sync::Notify,
}

/// Waiters by (database, key), oldest first.
type Queues = HashMap<(usize, Bytes), VecDeque<Arc<Waiter>>, foldhash::fast::RandomState>;

/// The registry of blocked clients.
#[derive(Debug, Default)]
pub struct Blocking {
    queues: Mutex<Queues>,
    by_client: Mutex<HashMap<u64, Arc<Waiter>>>,
    count: AtomicUsize,
}

impl Blocking {
    /// Is any client blocked?
    pub fn any(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }

    /// Number of blocked clients (INFO `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Queues `w` under each of its keys (call while holding the keys' shards).
    pub fn block(&self, w: Arc<Waiter>) {
        let mut queues = self.queues.lock();
        for key in &w.keys {
            queues.entry((w.db, key.clone())).or_default().push_back(w.clone());
        }
        drop(queues);
        self.by_client.lock().insert(w.client_id, w);
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// Takes `w` out of every queue (served, timed out, unblocked or disconnected).
    pub fn remove(&self, w: &Arc<Waiter>) {
        let mut queues = self.queues.lock();
        for key in &w.keys {
            let k = (w.db, key.clone());
            if let Some(q) = queues.get_mut(&k) {
                q.retain(|x| !Arc::ptr_eq(x, w));
                if q.is_empty() {
                    queues.remove(&k);
                }
            }
        }
        drop(queues);
        let mut by_client = self.by_client.lock();
        if by_client.get(&w.client_id).is_some_and(|x| Arc::ptr_eq(x, w)) {
            by_client.remove(&w.client_id);
            self.count.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The longest-waiting client blocked on `key` in `db`.
    pub fn first_waiter(&self, db: usize, key: &[u8]) -> Option<Arc<Waiter>> {
        if !self.any() {
            return None;
        }
        self.queues.lock().get(&(db, Bytes::copy_from_slice(key))).and_then(|q| q.front().cloned())
    }

    /// The waiter of a client, if it is blocked (CLIENT UNBLOCK).
    pub fn of_client(&self, client_id: u64) -> Option<Arc<Waiter>> {
        self.by_client.lock().get(&client_id).cloned()
    }
}

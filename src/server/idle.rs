//! When the runtime's workers run out of work: the moment Redis's event loop reaches
//! `beforeSleep`, once every connection with input has been served.
//!
//! The binary's runtime reports each worker's park and unpark here ([`parked`] and
//! [`unparked`], installed as tokio's thread hooks). When the last worker is about to
//! park, the server's before-sleep work runs on it: under `appendfsync always` the AOF
//! writes and fsyncs what the connections appended (`Aof::before_sleep`), so one fsync
//! covers every write that could run before it, as in Redis. A runtime without the
//! hooks (an embedding, the tests) never reports; the AOF's writer thread then does
//! that work on its own.

use std::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire, Ordering::Release};
use std::sync::{OnceLock, Weak};

use super::shared::Shared;

/// Workers in the runtime that reports (0: none reports).
static WORKERS: AtomicUsize = AtomicUsize::new(0);
/// Workers parked now (or about to park).
static PARKED: AtomicUsize = AtomicUsize::new(0);
/// The server whose before-sleep work the last worker runs (one per process).
static SERVER: OnceLock<Weak<Shared>> = OnceLock::new();

/// The reporting runtime has `workers` worker threads (call before it runs).
pub fn set_workers(workers: usize) {
    WORKERS.store(workers, Release);
}

/// Does a runtime report its workers' parking?
pub fn reporting() -> bool {
    WORKERS.load(Acquire) > 0
}

/// Are all the reporting runtime's workers parked (or parking) now?
pub fn all_parked() -> bool {
    let workers = WORKERS.load(Acquire);
    workers > 0 && PARKED.load(Acquire) >= workers
}

/// `shared`'s before-sleep work runs when the workers run out of work (the first
/// server of the process; the binary has one).
pub fn install(shared: Weak<Shared>) {
    let _ = SERVER.set(shared);
}

/// A worker is about to park: it found no task to run.
pub fn parked() {
    let now = PARKED.fetch_add(1, AcqRel) + 1;
    let workers = WORKERS.load(Acquire);
    if workers > 0 && now >= workers {
        if let Some(shared) = SERVER.get().and_then(Weak::upgrade) {
            shared.aof.before_sleep();
        }
    }
}

/// A worker woke up.
pub fn unparked() {
    let _ = PARKED.fetch_update(AcqRel, Acquire, |n| Some(n.saturating_sub(1)));
}

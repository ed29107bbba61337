//! Saving: SAVE and BGSAVE, save points, and the state INFO persistence reports.
//!
//! Every save starts with the server gate held exclusively (the caller's command is
//! flagged EXCLUSIVE, or the cron takes the gate), which makes the snapshot's instant a
//! point between commands. BGSAVE then finishes on its own thread while clients go on;
//! SAVE finishes in the calling command, as Redis's SAVE blocks.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::snapshot::{Header, Snapshot};
use crate::server::log::Level;
use crate::server::shared::{unix_ms, Shared};

/// How long after a failed background save the save points may try again (Redis's
/// CONFIG_BGSAVE_RETRY_DELAY).
pub const RETRY_DELAY_SECS: u64 = 5;

/// Persistence state shared by the whole server.
#[derive(Debug)]
pub struct State {
    /// Unix seconds of the last successful save (LASTSAVE).
    pub lastsave: AtomicU64,
    /// Did the last background save succeed? (INFO `rdb_last_bgsave_status`).
    pub last_bgsave_ok: AtomicBool,
    /// Unix seconds of the last background save attempt.
    pub last_bgsave_try: AtomicU64,
    /// Seconds the last background save took, -1 if none ran.
    pub last_bgsave_secs: AtomicI64,
    /// Successful saves since start (INFO `rdb_saves`).
    pub saves: AtomicU64,
    /// BGSAVE SCHEDULE asked for a save once nothing else runs.
    pub scheduled: AtomicBool,
    /// Keys loaded and keys dropped as expired by the last load.
    pub loaded_keys: AtomicU64,
    pub loaded_expired: AtomicU64,
    /// BGREWRITEAOF SCHEDULE-like: a rewrite asked for while a snapshot ran.
    pub rewrite_scheduled: AtomicBool,
    /// Successful AOF rewrites, the last one's status and duration.
    pub rewrites: AtomicU64,
    pub last_rewrite_ok: AtomicBool,
    pub last_rewrite_secs: AtomicI64,
    running: Mutex<Option<Running>>,
    finished: Condvar,
}

/// What the one running snapshot is for (the store holds one at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// BGSAVE or a save point.
    Rdb,
    /// BGREWRITEAOF: the snapshot becomes the AOF's new base.
    AofRewrite,
}

#[derive(Debug)]
struct Running {
    started: Instant,
    snapshot: Arc<Snapshot>,
    kind: Kind,
}

impl State {
    /// State at start-up: the last save is "now", as in Redis.
    pub fn new() -> State {
        State {
            lastsave: AtomicU64::new(unix_ms() / 1000),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_try: AtomicU64::new(0),
            last_bgsave_secs: AtomicI64::new(-1),
            saves: AtomicU64::new(0),
            scheduled: AtomicBool::new(false),
            loaded_keys: AtomicU64::new(0),
            loaded_expired: AtomicU64::new(0),
            rewrite_scheduled: AtomicBool::new(false),
            rewrites: AtomicU64::new(0),
            last_rewrite_ok: AtomicBool::new(true),
            last_rewrite_secs: AtomicI64::new(-1),
            running: Mutex::new(None),
            finished: Condvar::new(),
        }
    }

    /// Is a background save running?
    pub fn bgsave_in_progress(&self) -> bool {
        self.running.lock().as_ref().is_some_and(|r| r.kind == Kind::Rdb)
    }

    /// Is an AOF rewrite running?
    pub fn rewrite_in_progress(&self) -> bool {
        self.running.lock().as_ref().is_some_and(|r| r.kind == Kind::AofRewrite)
    }

    /// Is any snapshot (BGSAVE or AOF rewrite) running?
    pub fn busy(&self) -> bool {
        self.running.lock().is_some()
    }

    /// Seconds the running AOF rewrite has taken, or -1.
    pub fn rewrite_secs(&self) -> i64 {
        match &*self.running.lock() {
            Some(r) if r.kind == Kind::AofRewrite => r.started.elapsed().as_secs() as i64,
            _ => -1,
        }
    }

    /// (seconds the running save has taken or -1, keys written, keys in the snapshot).
    pub fn current(&self) -> (i64, u64, u64) {
        match &*self.running.lock() {
            Some(r) if r.kind == Kind::Rdb => (
                r.started.elapsed().as_secs() as i64,
                r.snapshot.keys_done.load(Relaxed),
                r.snapshot.keys_total.load(Relaxed),
            ),
            _ => (-1, 0, 0),
        }
    }

    /// Records the end of a background job and wakes whoever waits for it.
    fn finished_job(&self, kind: Kind, ok: bool) {
        if kind == Kind::AofRewrite {
            if ok {
                self.rewrites.fetch_add(1, Relaxed);
            }
            self.last_rewrite_ok.store(ok, Relaxed);
            let secs = self.running.lock().as_ref().map_or(0, |r| r.started.elapsed().as_secs() as i64);
            self.last_rewrite_secs.store(secs, Relaxed);
        } else if !ok {
            self.last_bgsave_ok.store(false, Relaxed);
        }
        *self.running.lock() = None;
        self.finished.notify_all();
    }

    /// Waits until no background save runs.
    pub fn wait_idle(&self) {
        let mut running = self.running.lock();
        while running.is_some() {
            self.finished.wait(&mut running);
        }
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

/// `dbfilename` under `dir`, and the temporary file a save writes first.
fn paths(shared: &Shared) -> (PathBuf, PathBuf) {
    let config = shared.config();
    let target = config.resolve_path(&config.dbfilename);
    let temp = config.resolve_path(&format!("temp-{}.rdb", std::process::id()));
    (target, temp)
}

/// The AUX fields of a file written now.
pub fn header(aof_base: bool, config: &crate::config::Config) -> Header {
    Header {
        checksum: config.rdbchecksum,
        commands: aof_base && !config.aof_use_rdb_preamble,
        version: crate::REDIS_VERSION,
        ctime: unix_ms() / 1000,
        used_mem: crate::server::memory::used_memory(),
        aof_base,
    }
}

/// Logs why a save could not even open its file, as Redis does.
fn log_open_error(shared: &Shared, temp: &std::path::Path, e: &io::Error) {
    // Redis names the directory by getcwd(), which fails once it was removed.
    let dir = shared.config().dir_path();
    let dir = if dir.is_dir() { dir.display().to_string() } else { "unknown".to_string() };
    let name = temp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    shared.log(
        Level::Warning,
        &format!(
            "Failed opening the temp RDB file {name} (in server root dir {dir}) for saving: {}",
            super::io_error_text(e)
        ),
    );
}

/// Records a successful save: LASTSAVE, the changes it covered, the counters.
fn saved(shared: &Shared, dirty_at_start: u64) {
    let state = &shared.persist;
    let _ = shared.stats.dirty.fetch_update(Relaxed, Relaxed, |d| Some(d.saturating_sub(dirty_at_start)));
    state.lastsave.store(unix_ms() / 1000, Relaxed);
    state.last_bgsave_ok.store(true, Relaxed);
    state.saves.fetch_add(1, Relaxed);
}

/// Starts a dump into `temp` (the caller holds the server gate exclusively); a file
/// that cannot be created is logged as Redis logs it.
fn begin_dump(shared: &Shared, temp: &std::path::Path) -> io::Result<Arc<Snapshot>> {
    let config = shared.config();
    let begun =
        Snapshot::begin(&shared.store, temp.to_path_buf(), &header(false, &config), unix_ms(), config.rdbcompression);
    if let Err(e) = &begun {
        log_open_error(shared, temp, e);
    }
    begun
}

/// Finishes a dump onto `target` and records the result: LASTSAVE and the changes it
/// covered on success, Redis's log line either way.
fn finish_dump(shared: &Shared, snap: &Snapshot, target: &std::path::Path, dirty_at_start: u64) -> io::Result<()> {
    let result = snap.finish(&shared.store, target);
    match &result {
        Ok(()) => {
            shared.log(Level::Notice, "DB saved on disk");
            saved(shared, dirty_at_start);
        }
        Err(e) => {
            shared.log(Level::Warning, &format!("Write error saving DB on disk: {}", super::io_error_text(e)));
        }
    }
    result
}

/// SAVE (and the saves of SHUTDOWN, FLUSHALL and DEBUG RELOAD): writes the whole
/// dataset now, in this thread. The caller holds the server gate exclusively. Waits for
/// a running background save first.
pub fn save(shared: &Shared) -> io::Result<()> {
    shared.persist.wait_idle();
    let (target, temp) = paths(shared);
    let dirty = shared.stats.dirty.load(Relaxed);
    let snap = begin_dump(shared, &temp)?;
    finish_dump(shared, &snap, &target, dirty)
}

/// BGSAVE: starts a background save. The caller holds the server gate exclusively.
/// Returns false only when one is already running; a file that cannot be written is
/// reported the way Redis reports a failed child (logged, `rdb_last_bgsave_status:err`).
pub fn bgsave(shared: &Arc<Shared>) -> bool {
    let running = shared.persist.running.lock();
    if running.is_some() {
        return false;
    }
    let state = &shared.persist;
    state.last_bgsave_try.store(unix_ms() / 1000, Relaxed);
    state.scheduled.store(false, Relaxed);
    let (target, temp) = paths(shared);
    let dirty = shared.stats.dirty.load(Relaxed);
    let started = Instant::now();
    shared.log(Level::Notice, &format!("Background saving started by pid {}", std::process::id()));
    let Ok(snap) = begin_dump(shared, &temp) else {
        shared.log(Level::Warning, "Background saving error");
        state.last_bgsave_ok.store(false, Relaxed);
        state.last_bgsave_secs.store(0, Relaxed);
        return true;
    };
    drop(running);
    let worker = shared.clone();
    run_in_background(shared, snap.clone(), Kind::Rdb, move || {
        let shared = worker;
        let result = finish_dump(&shared, &snap, &target, dirty);
        shared.persist.last_bgsave_secs.store(started.elapsed().as_secs() as i64, Relaxed);
        if result.is_ok() {
            shared.log(Level::Notice, "Background saving terminated with success");
        } else {
            shared.log(Level::Warning, "Background saving error");
            shared.persist.last_bgsave_ok.store(false, Relaxed);
        }
        result.is_ok()
    });
    true
}

/// Runs a begun snapshot's `job` on its own thread, registered as the running one of
/// `kind` until it ends. The caller holds the server gate exclusively and has checked
/// that nothing else runs.
pub fn run_in_background(
    shared: &Arc<Shared>,
    snapshot: Arc<Snapshot>,
    kind: Kind,
    job: impl FnOnce() -> bool + Send + 'static,
) {
    *shared.persist.running.lock() = Some(Running { started: Instant::now(), snapshot, kind });
    // `no-appendfsync-on-rewrite yes`: no AOF fsync while a background save or rewrite
    // runs (Redis's trade: less disk contention, less durability meanwhile).
    let config = shared.config();
    shared.aof.hold_fsync(config.other.get("no-appendfsync-on-rewrite").is_some_and(|v| v == "yes"));
    let done = shared.clone();
    let spawned = std::thread::Builder::new().name("ferrokv-snapshot".into()).spawn(move || {
        let ok = job();
        done.aof.hold_fsync(false);
        done.persist.finished_job(kind, ok);
        crate::server::memory::flush_thread_count();
    });
    if spawned.is_err() {
        // Without a thread, end the snapshot here rather than leave the store in one.
        shared.store.run_snapshot();
        shared.aof.hold_fsync(false);
        shared.persist.finished_job(kind, false);
    }
}

/// The save point that is due, if any: at least `changes` changes and more than
/// `seconds` since the last save, and (after a failed background save) more than
/// [`RETRY_DELAY_SECS`] since that attempt. Pure, so tests can drive the clock.
pub fn due_save_point(
    points: &[(u64, u64)],
    dirty: u64,
    now: u64,
    lastsave: u64,
    last_try: u64,
    last_ok: bool,
) -> Option<(u64, u64)> {
    points
        .iter()
        .find(|(seconds, changes)| {
            dirty >= *changes
                && now.saturating_sub(lastsave) > *seconds
                && (last_ok || now.saturating_sub(last_try) > RETRY_DELAY_SECS)
        })
        .copied()
}

/// The cron's part: starts a background save when a save point is due or one was
/// scheduled (BGSAVE SCHEDULE), and nothing is running.
pub fn cron(shared: &Arc<Shared>) {
    let state = &shared.persist;
    if state.busy() || shared.shutting_down() {
        return;
    }
    let config = shared.config();
    // A scheduled BGREWRITEAOF runs with the AOF off too (Redis 7 writes a base then).
    let scheduled = state.rewrite_scheduled.load(Relaxed);
    if (shared.aof.enabled() || scheduled) && rewrite_due(shared, &config) {
        let _whole = shared.gate.write();
        state.rewrite_scheduled.store(false, Relaxed);
        let start = if shared.aof.enabled() {
            super::aof::files::start_rewrite
        } else {
            super::aof::files::start_offline_rewrite
        };
        if let Err(why) = start(shared) {
            shared.log(Level::Warning, &format!("Can't rewrite append only file in background: {why}"));
        }
        return;
    }
    let now = unix_ms() / 1000;
    let due = due_save_point(
        &config.save,
        shared.stats.dirty.load(Relaxed),
        now,
        state.lastsave.load(Relaxed),
        state.last_bgsave_try.load(Relaxed),
        state.last_bgsave_ok.load(Relaxed),
    );
    if let Some((seconds, changes)) = due {
        shared.log(Level::Notice, &format!("{changes} changes in {seconds} seconds. Saving..."));
    } else if !state.scheduled.load(Relaxed) {
        return;
    }
    let _whole = shared.gate.write();
    bgsave(shared);
}

/// Is an AOF rewrite due: scheduled (BGREWRITEAOF while busy), or the log grew by
/// `auto-aof-rewrite-percentage` over its base and past `auto-aof-rewrite-min-size`?
fn rewrite_due(shared: &Shared, config: &crate::config::Config) -> bool {
    if shared.persist.rewrite_scheduled.load(Relaxed) {
        return true;
    }
    let pct = config.auto_aof_rewrite_percentage;
    let size = shared.aof.current_size.load(Relaxed);
    let base = shared.aof.base_size.load(Relaxed).max(1);
    if pct == 0 || size < config.auto_aof_rewrite_min_size || size <= base {
        return false;
    }
    let growth = (size - base) * 100 / base;
    if growth < pct {
        return false;
    }
    shared.log(Level::Notice, &format!("Starting automatic rewriting of AOF on {growth}% growth"));
    true
}

/// The MISCONF error writes get while the last background save failed
/// (`stop-writes-on-bgsave-error`) or the AOF cannot be written, Redis's order.
pub fn writes_denied(shared: &Shared, config: &crate::config::Config) -> Option<String> {
    if config.stop_writes_on_bgsave_error && !config.save.is_empty() && !shared.persist.last_bgsave_ok.load(Relaxed) {
        return Some(crate::commands::errors::MISCONF.to_string());
    }
    shared.aof.write_error_text()
}

/// The save before the server stops (SHUTDOWN, SIGTERM, SIGINT): with `save` forced,
/// or when save points are configured and `nosave` was not given. The caller holds the
/// server gate exclusively. Returns false if the save failed, after logging it.
pub fn final_save(shared: &Shared, save_flag: bool, nosave: bool) -> bool {
    // Redis's order: the AOF is made durable first, then the RDB is saved.
    if shared.aof.enabled() {
        shared.log(Level::Notice, "Calling fsync() on the AOF file.");
        shared.aof.flush_now();
    }
    let wanted = save_flag || (!nosave && !shared.config().save.is_empty());
    if !wanted {
        return true;
    }
    shared.log(Level::Notice, "Saving the final RDB snapshot before exiting.");
    match save(shared) {
        Ok(()) => true,
        Err(_) => {
            shared.log(Level::Warning, "Error trying to save the DB, can't exit.");
            false
        }
    }
}

/// At exit with a background save still running (SHUTDOWN NOSAVE, or a final save
/// that did not need to wait for it): like Redis killing its child, give it up and
/// remove its temporary file.
pub fn abandon_bgsave(shared: &Shared) {
    if !shared.persist.bgsave_in_progress() {
        return;
    }
    shared.log(Level::Warning, "There is a child saving an .rdb. Killing it!");
    let (_, temp) = paths(shared);
    let _ = std::fs::remove_file(temp);
}

#[cfg(test)]
mod tests {
    use super::due_save_point;

    const DEFAULT: &[(u64, u64)] = &[(3600, 1), (300, 100), (60, 10000)];

    /// The clock is a number here: each case is (changes, seconds since the last save).
    #[test]
    fn save_points_by_changes_and_elapsed_seconds() {
        let due = |dirty: u64, elapsed: u64| due_save_point(DEFAULT, dirty, 10_000 + elapsed, 10_000, 0, true);
        assert_eq!(due(0, 100_000), None);
        assert_eq!(due(1, 3600), None, "strictly more than the seconds");
        assert_eq!(due(1, 3601), Some((3600, 1)));
        assert_eq!(due(99, 301), None);
        assert_eq!(due(100, 301), Some((300, 100)));
        assert_eq!(due(10_000, 60), None);
        // The first rule that holds is reported, in configuration order.
        assert_eq!(due(10_000, 61), Some((60, 10000)));
        assert_eq!(due(10_000, 301), Some((300, 100)));
        assert_eq!(due_save_point(&[], 1_000_000, 1_000_000, 0, 0, true), None);
    }

    #[test]
    fn a_failed_save_retries_after_five_seconds() {
        let points = &[(60, 1)];
        // Last attempt at t=2000 failed; last success long before.
        assert_eq!(due_save_point(points, 5, 2003, 1000, 2000, false), None);
        assert_eq!(due_save_point(points, 5, 2005, 1000, 2000, false), None);
        assert_eq!(due_save_point(points, 5, 2006, 1000, 2000, false), Some((60, 1)));
        assert_eq!(due_save_point(points, 5, 2003, 1000, 2000, true), Some((60, 1)));
    }
}

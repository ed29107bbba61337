//! The append-only log while the server runs: what commands append, the thread that
//! writes and fsyncs it, and the wait `appendfsync always` puts on replies.
//!
//! Order. While the AOF is on, write commands run one at a time under
//! [`Aof::write_lock`] (reads stay parallel), and each appends its record before the
//! lock is released, so the log holds writes in the order they were applied. Keys that
//! expire are appended as `DEL` at the moment they are removed, under their shard's
//! lock, through the leaf lock of the pending buffer.
//!
//! Group commit. Appends go to one in-memory buffer. The writer thread takes the whole
//! buffer, writes it with one `write`, and under `always` fsyncs before publishing the
//! new durable position; connections that ran writes wait (asynchronously, so other
//! connections keep running and filling the next buffer) until the position covers
//! their last record, then send their replies. Every connection waiting at that moment
//! shares one fsync. `everysec` publishes after the write and fsyncs at most once a
//! second; `no` never fsyncs.

use std::fs::File;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{
    AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use crate::server::log::Level;

/// The fsync policy (`appendfsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    Always = 0,
    EverySec = 1,
    No = 2,
}

impl Fsync {
    /// From the configuration's text.
    pub fn from_config(s: &str) -> Fsync {
        match s {
            "always" => Fsync::Always,
            "no" => Fsync::No,
            _ => Fsync::EverySec,
        }
    }
}

/// What the writer thread is doing, for [`Aof::waiter_arrived`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    /// Writing or fsyncing: it looks at the buffer again when done.
    Busy = 0,
    /// Sleeping on an empty buffer.
    Empty = 1,
    /// Under `always`, leaving the writes to the workers ([`Aof::before_sleep`]).
    Fallback = 2,
}

/// Under `always` with a runtime that reports idleness, how often the writer thread
/// looks for records the workers left (they write and fsync when they run out of work,
/// see [`Aof::before_sleep`]; under a load that never lets them, this thread does).
const FALLBACK_TICK: Duration = Duration::from_millis(1);

/// A mutex that, contended, spins a moment and then sleeps in the kernel until it is
/// released: the AOF's write-order lock and its file, which workers wait for under
/// `appendfsync always` (one for the others' appends, one for an fsync in flight).
/// parking_lot's mutex calls `sched_yield` up to seven times before it sleeps, and each
/// yield hands the core to whatever else is runnable (on 2 vCPUs: the clients): 0.2
/// yields per request at -P 1 under `always`.
#[derive(Debug, Default)]
pub struct SleepLock<T>(std::sync::Mutex<T>);

impl<T> SleepLock<T> {
    pub fn new(value: T) -> SleepLock<T> {
        SleepLock(std::sync::Mutex::new(value))
    }

    /// Takes the lock. A holder that panicked leaves nothing half-done behind (the
    /// order lock guards no data; the file is written whole or its error handled).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<std::sync::MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

/// Records waiting for the writer thread.
#[derive(Debug, Default)]
struct Pending {
    buf: Vec<u8>,
    /// Bytes appended since start (positions are counted in these).
    appended: u64,
    /// The database the log's last SELECT chose, if any.
    db: Option<usize>,
    /// The unix second of the last `#TS:` annotation (`aof-timestamp-enabled`).
    last_ts: u64,
}

/// The position known to be on disk, and the connections waiting for it to reach theirs.
///
/// Each waiter is woken only once the position covers its own records: a connection
/// whose records were appended while an fsync ran sleeps through that fsync's
/// publication (a broadcast would wake every waiter on every fsync, half of them for
/// nothing, and each wake-up is a task hop between threads).
#[derive(Debug, Default)]
struct Durable {
    pos: AtomicU64,
    waiters: Mutex<Waiters>,
    /// How many wait (tasks and handed-off replies), read without the list's lock.
    waiting: AtomicUsize,
}

/// Who waits for the durable position.
#[derive(Debug, Default)]
struct Waiters {
    /// Tasks, with the position each waits for.
    tasks: Vec<(u64, Waker)>,
    /// Replies handed off to be sent once durable ([`Aof::hand_off`]).
    replies: Vec<Arc<Slot>>,
}

impl Waiters {
    fn len(&self) -> usize {
        self.tasks.len() + self.replies.len()
    }
}

impl Durable {
    /// Publishes `end` as on disk, sends the handed-off replies it covers and wakes the
    /// waiters it satisfies.
    fn publish(&self, end: u64) {
        self.pos.store(end, Release);
        let (replies, tasks) = {
            let mut waiters = self.waiters.lock();
            if waiters.len() == 0 {
                return;
            }
            let (ready, later): (Vec<_>, Vec<_>) = waiters.tasks.drain(..).partition(|(pos, _)| *pos <= end);
            waiters.tasks = later;
            let (replies, later): (Vec<_>, Vec<_>) = waiters.replies.drain(..).partition(|slot| slot.pos <= end);
            waiters.replies = later;
            self.waiting.store(waiters.len(), Relaxed);
            (replies, ready)
        };
        // Sent and woken outside the lock, so a woken task never waits for the list.
        // Replies first: they are what the clients wait for.
        for slot in replies {
            slot.send();
        }
        for (_, w) in tasks {
            w.wake();
        }
    }
}

/// A reply handed off under `appendfsync always`: the thread that publishes the fsync
/// covering the connection's records writes it to the client's socket at once, as
/// Redis writes replies right after its fsync in `beforeSleep`, instead of waking the
/// connection's task to do it (a hand-off between threads per reply). The task goes on
/// reading; before it writes anything more on the socket it takes the hand-off back
/// ([`Handoff::take_back`]), which gives it whatever the log did not send, so replies
/// stay in order.
#[derive(Debug)]
pub struct Handoff {
    slot: Arc<Slot>,
}

#[derive(Debug)]
struct Slot {
    /// The log position the reply waits for.
    pos: u64,
    /// The client's socket (non-blocking). Written only while the state is `Waiting`,
    /// under the state's lock; the owning task takes the slot back (or drops it) before
    /// it closes the socket.
    fd: std::os::fd::RawFd,
    state: Mutex<SlotState>,
    /// Woken when the socket took only part of the reply (the task writes the rest).
    waker: Waker,
}

#[derive(Debug)]
enum SlotState {
    /// Not durable yet: the whole reply.
    Waiting(Vec<u8>),
    /// The log wrote what it could: what is left (empty when all was sent).
    Sent(Vec<u8>),
    /// The task took it back (or went away): the log does nothing with it.
    Claimed,
}

impl Slot {
    /// Durable: writes the reply without blocking; what the socket does not take is
    /// left for the task, which is woken.
    fn send(&self) {
        let mut state = self.state.lock();
        let SlotState::Waiting(data) = std::mem::replace(&mut *state, SlotState::Claimed) else {
            return;
        };
        let mut off = 0;
        while off < data.len() {
            // SAFETY: `fd` is the task's open socket: it is closed only after the task
            // claimed this slot, which takes the lock held here. The buffer is live.
            let n = unsafe {
                libc::send(
                    self.fd,
                    data[off..].as_ptr().cast(),
                    data.len() - off,
                    libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
                )
            };
            if n > 0 {
                off += n as usize;
            } else if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            } else {
                break;
            }
        }
        let rest = if off == data.len() { Vec::new() } else { data[off..].to_vec() };
        let woken = !rest.is_empty();
        *state = SlotState::Sent(rest);
        drop(state);
        if woken {
            self.waker.wake_by_ref();
        }
    }
}

impl Handoff {
    /// The log position the reply waits for.
    pub fn pos(&self) -> u64 {
        self.slot.pos
    }

    /// Has the log written it (all or part)?
    pub fn sent(&self) -> bool {
        matches!(*self.slot.state.lock(), SlotState::Sent(_))
    }

    /// Takes the reply back: what the log has not sent, all of it if it has not run yet
    /// (then the caller must wait for the position itself before sending it).
    pub fn take_back(self) -> Vec<u8> {
        match std::mem::replace(&mut *self.slot.state.lock(), SlotState::Claimed) {
            SlotState::Waiting(data) | SlotState::Sent(data) => data,
            SlotState::Claimed => Vec::new(),
        }
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        // After this the log never touches the socket.
        *self.slot.state.lock() = SlotState::Claimed;
    }
}

/// The future of [`Aof::wait_durable`].
struct WaitDurable<'a> {
    aof: &'a Aof,
    pos: u64,
    /// Listed already (a poll that was not a wake-up must not list it twice).
    listed: bool,
}

impl Future for WaitDurable<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let durable = &self.aof.durable;
        if durable.pos.load(Acquire) >= self.pos {
            return Poll::Ready(());
        }
        {
            let mut waiters = durable.waiters.lock();
            // Checked again under the list's lock: `publish` stores the position before
            // it takes the lock, so either this load sees it or `publish` sees this waiter.
            if durable.pos.load(Acquire) >= self.pos {
                return Poll::Ready(());
            }
            let listed = self.listed.then(|| waiters.tasks.iter_mut().find(|(_, w)| w.will_wake(cx.waker()))).flatten();
            match listed {
                Some(entry) => entry.0 = self.pos,
                None => waiters.tasks.push((self.pos, cx.waker().clone())),
            }
            durable.waiting.store(waiters.len(), Relaxed);
        }
        self.listed = true;
        self.aof.waiter_arrived();
        Poll::Pending
    }
}

/// The running log.
#[derive(Debug)]
pub struct Aof {
    /// Held by a write command from before it runs until its record is appended.
    pub write_lock: SleepLock<()>,
    enabled: AtomicBool,
    pending: Mutex<Pending>,
    wake: Condvar,
    /// The incr file records go to (switched by a rewrite).
    file: SleepLock<Option<File>>,
    /// Position written to the file (not necessarily fsynced).
    written: AtomicU64,
    /// The file holds records not yet fsynced (changed under `file`'s lock).
    unsynced: AtomicBool,
    /// No fsync now (`no-appendfsync-on-rewrite` while a background job runs).
    fsync_held: AtomicBool,
    /// Position known to be on disk; connections under `always` wait on it.
    durable: Durable,
    /// The fsync policy, as [`Fsync`]'s index.
    policy: std::sync::atomic::AtomicU8,
    stop: AtomicBool,
    /// What the writer thread waits for ([`Writer`]), so that a waiter's arrival wakes
    /// it only when it needs waking.
    writer: AtomicU8,
    /// Write `#TS:<unix seconds>` annotations (`aof-timestamp-enabled`).
    pub timestamps: AtomicBool,
    /// The last write or fsync failed (INFO `aof_last_write_status:err`); writes are
    /// refused with MISCONF until a retry succeeds.
    pub write_failed: AtomicBool,
    /// The failure was an fsync's, still to be retried.
    fsync_failed: AtomicBool,
    /// The OS error of that failure, for MISCONF's text.
    last_errno: std::sync::atomic::AtomicI32,
    /// When a write error was last logged (Redis logs one every 30 seconds).
    last_error_log: Mutex<Option<Instant>>,
    /// Where this log's messages go (the server's log), set once at start.
    pub logger: std::sync::OnceLock<LogHook>,
    /// Capacity of the pending buffer, and of the one being written (see
    /// [`Aof::buffered_bytes`]).
    pending_cap: AtomicU64,
    inflight_cap: AtomicU64,
    /// Bytes in the current incr files plus the base (INFO `aof_current_size`).
    pub current_size: AtomicU64,
    /// The base's size at the last rewrite (INFO `aof_base_size`).
    pub base_size: AtomicU64,
    /// fsyncs that had to wait for a previous one (INFO `aof_delayed_fsync`).
    pub delayed_fsync: AtomicU64,
}

impl Default for Aof {
    fn default() -> Aof {
        Aof {
            write_lock: SleepLock::default(),
            enabled: AtomicBool::new(false),
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            file: SleepLock::new(None),
            written: AtomicU64::new(0),
            unsynced: AtomicBool::new(false),
            fsync_held: AtomicBool::new(false),
            durable: Durable::default(),
            policy: std::sync::atomic::AtomicU8::new(Fsync::EverySec as u8),
            stop: AtomicBool::new(false),
            writer: AtomicU8::new(Writer::Busy as u8),
            timestamps: AtomicBool::new(false),
            write_failed: AtomicBool::new(false),
            fsync_failed: AtomicBool::new(false),
            last_errno: std::sync::atomic::AtomicI32::new(0),
            last_error_log: Mutex::new(None),
            logger: std::sync::OnceLock::new(),
            pending_cap: AtomicU64::new(0),
            inflight_cap: AtomicU64::new(0),
            current_size: AtomicU64::new(0),
            base_size: AtomicU64::new(0),
            delayed_fsync: AtomicU64::new(0),
        }
    }
}

/// Receives the log's warnings, as (level, message).
pub struct LogHook(pub Box<LogFn>);

/// The hook's signature: (level, message).
pub type LogFn = dyn Fn(Level, &str) + Send + Sync;

impl std::fmt::Debug for LogHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogHook")
    }
}

/// How often a persisting write error is logged again.
const ERROR_LOG_EVERY: Duration = Duration::from_secs(30);

/// Writes `data` with one `write` per chunk until done; on failure, how much was
/// written and the error (a short write counts as ENOSPC, as Redis reports it).
fn write_fully(f: &mut File, data: &[u8]) -> Result<(), (usize, std::io::Error)> {
    let mut off = 0;
    while off < data.len() {
        match f.write(&data[off..]) {
            Ok(0) => return Err((off, std::io::Error::from_raw_os_error(libc::ENOSPC))),
            Ok(n) => off += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err((off, e)),
        }
    }
    Ok(())
}

/// Appends one command as a RESP multibulk.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    out.push(b'*');
    out.extend_from_slice(itoa::Buffer::new().format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(itoa::Buffer::new().format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl Aof {
    /// Is the log on?
    pub fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    /// Starts logging into `file` (the last incr file, opened for append).
    pub fn start(&self, file: File, policy: Fsync) {
        *self.file.lock() = Some(file);
        self.set_policy(policy);
        let mut p = self.pending.lock();
        p.db = None;
        self.enabled.store(true, Relaxed);
    }

    /// Stops logging: what is pending is written and fsynced first.
    pub fn stop_logging(&self) {
        self.enabled.store(false, Relaxed);
        self.flush_now();
        *self.file.lock() = None;
    }

    /// Changes the fsync policy (CONFIG SET appendfsync).
    pub fn set_policy(&self, policy: Fsync) {
        self.policy.store(policy as u8, Relaxed);
    }

    /// The fsync policy in force.
    pub fn policy(&self) -> Fsync {
        match self.policy.load(Relaxed) {
            0 => Fsync::Always,
            1 => Fsync::EverySec,
            _ => Fsync::No,
        }
    }

    /// Appends commands run against `db`; returns the log position after them.
    pub fn append<A: AsRef<[u8]>>(&self, db: usize, commands: &[&[A]]) -> u64 {
        let mut p = self.pending.lock();
        let before = p.buf.len();
        self.annotate(&mut p);
        if p.db != Some(db) {
            encode_command(&mut p.buf, &[b"SELECT".as_slice(), itoa::Buffer::new().format(db).as_bytes()]);
            p.db = Some(db);
        }
        for args in commands {
            encode_command(&mut p.buf, args);
        }
        p.appended += (p.buf.len() - before) as u64;
        self.pending_cap.store(p.buf.capacity() as u64, Relaxed);
        p.appended
    }

    /// Writes a `#TS:` line when the second changed since the last one, as Redis does
    /// with `aof-timestamp-enabled yes` (loaders skip lines starting with `#`).
    fn annotate(&self, p: &mut Pending) {
        if !self.timestamps.load(Relaxed) {
            return;
        }
        let now = crate::server::shared::unix_ms() / 1000;
        if now != p.last_ts {
            p.last_ts = now;
            p.buf.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
        }
    }

    /// Appends commands each with its own database (a MULTI/EXEC block that SELECTs).
    pub fn append_each(&self, commands: &[(usize, Vec<Bytes>)]) -> u64 {
        let mut p = self.pending.lock();
        let before = p.buf.len();
        self.annotate(&mut p);
        for (db, args) in commands {
            if p.db != Some(*db) {
                encode_command(&mut p.buf, &[b"SELECT".as_slice(), itoa::Buffer::new().format(*db).as_bytes()]);
                p.db = Some(*db);
            }
            encode_command(&mut p.buf, args);
        }
        p.appended += (p.buf.len() - before) as u64;
        self.pending_cap.store(p.buf.capacity() as u64, Relaxed);
        p.appended
    }

    /// Appends one command with owned arguments.
    pub fn append_one(&self, db: usize, args: &[Bytes]) -> u64 {
        self.append(db, &[args])
    }

    /// A connection began to wait for the log to reach its records (`always`): the
    /// writer is woken if it sleeps on an empty buffer.
    fn waiter_arrived(&self) {
        if self.writer.load(Relaxed) == Writer::Empty as u8 {
            // Under the buffer's lock, so the writer is either before its check (and
            // sees this waiter) or asleep (and gets the notification).
            let _p = self.pending.lock();
            self.wake.notify_one();
        }
    }

    /// Bytes the pending buffer holds (MEMORY STATS `aof.buffer`, INFO `mem_aof_buffer`).
    /// Read without the buffer's lock: every write command checks it under `maxmemory`
    /// (the AOF buffer is not counted for eviction, as in Redis).
    pub fn buffered_bytes(&self) -> u64 {
        self.pending_cap.load(Relaxed) + self.inflight_cap.load(Relaxed)
    }

    /// The log position everything appended so far reaches.
    pub fn position(&self) -> u64 {
        self.pending.lock().appended
    }

    /// The position a reply must wait for when the connection's writes reach `pos` in
    /// the log (0: it wrote nothing): `pos` under `appendfsync always` with the log on,
    /// else none (the other policies acknowledge at once).
    pub fn reply_waits_for(&self, pos: u64) -> Option<u64> {
        (pos > 0 && self.enabled() && self.policy() == Fsync::Always).then_some(pos)
    }

    /// Waits until the log is on disk up to `pos` (`appendfsync always`).
    pub async fn wait_durable(&self, pos: u64) {
        WaitDurable { aof: self, pos, listed: false }.await
    }

    /// Hands `reply` off to be written to the socket `fd` as soon as the log is on disk
    /// up to `pos` (`appendfsync always`), by the thread that fsyncs: see [`Handoff`].
    /// `None` when it is there already (the caller sends the reply itself). `waker`
    /// is woken if the socket takes only part of it.
    pub fn hand_off(&self, pos: u64, fd: std::os::fd::RawFd, reply: &[u8], waker: Waker) -> Option<Handoff> {
        let durable = &self.durable;
        if durable.pos.load(Acquire) >= pos {
            return None;
        }
        let slot = Arc::new(Slot { pos, fd, state: Mutex::new(SlotState::Waiting(reply.to_vec())), waker });
        {
            let mut waiters = durable.waiters.lock();
            // As in `WaitDurable::poll`: checked again under the list's lock.
            if durable.pos.load(Acquire) >= pos {
                return None;
            }
            waiters.replies.push(slot.clone());
            durable.waiting.store(waiters.len(), Relaxed);
        }
        self.waiter_arrived();
        Some(Handoff { slot })
    }

    /// Writes what is pending now, in this thread (a rewrite's switch, shutdown), and
    /// fsyncs it.
    pub fn flush_now(&self) {
        let mut file = self.file.lock();
        self.write_out_as(&mut file, true, true);
    }

    /// Takes the pending records, writes them to the incr file (`file`, locked), fsyncs
    /// when `sync` and the file holds unsynced records, and publishes the position
    /// (under `always` only once it is on disk). Returns whether it fsynced.
    fn write_out(&self, file: &mut Option<File>, sync: bool) -> bool {
        self.write_out_as(file, sync, false)
    }

    /// [`Aof::write_out`]; `forced` fsyncs even while fsyncs are held (a switch of
    /// file, shutdown).
    fn write_out_as(&self, file: &mut Option<File>, sync: bool, forced: bool) -> bool {
        let (data, end) = {
            let mut p = self.pending.lock();
            self.pending_cap.store(0, Relaxed);
            let data = std::mem::take(&mut p.buf);
            self.inflight_cap.store(data.capacity() as u64, Relaxed);
            (data, p.appended)
        };
        let Some(f) = file.as_mut() else {
            // Not logging: nothing can be made durable, so nobody may wait.
            self.inflight_cap.store(0, Relaxed);
            self.durable.publish(end);
            return false;
        };
        if !data.is_empty() {
            if let Err((written, e)) = write_fully(f, &data) {
                self.write_error(f, data, written, &e);
                return false;
            }
            self.current_size.fetch_add(data.len() as u64, Relaxed);
            self.unsynced.store(true, Relaxed);
        }
        drop(data);
        self.inflight_cap.store(0, Relaxed);
        self.written.store(end, Relaxed);
        let mut synced = false;
        let held = self.fsync_held.load(Relaxed) && !forced;
        if sync && !held && self.unsynced.load(Relaxed) {
            if let Err(e) = f.sync_data() {
                self.fsync_error(&e);
                return false;
            }
            self.unsynced.store(false, Relaxed);
            self.fsync_failed.store(false, Relaxed);
            synced = true;
        }
        if !self.fsync_failed.load(Relaxed) && self.write_failed.swap(false, Relaxed) {
            self.log(Level::Warning, "AOF write error looks solved, Redis can write again.");
        }
        // Under `always` a position is published once on disk, or once written while
        // fsyncs are held (what Redis acknowledges then too).
        if !self.unsynced.load(Relaxed) || held || self.policy() != Fsync::Always {
            self.durable.publish(end);
        }
        synced
    }

    fn log(&self, level: Level, msg: &str) {
        if let Some(hook) = self.logger.get() {
            (hook.0)(level, msg);
        }
    }

    /// A write failed after `written` bytes of `data`: Redis's handling. The partial
    /// record is cut off the file (or, if that fails, kept and counted); under `always`
    /// the server exits, as nothing may be acknowledged; otherwise what was not written
    /// goes back ahead of the pending records, to be retried, and writes are refused
    /// (MISCONF) until a retry succeeds. Nothing is published as written or durable.
    fn write_error(&self, f: &mut File, data: Vec<u8>, written: usize, e: &std::io::Error) {
        let mut kept = 0;
        let log_now = {
            let mut last = self.last_error_log.lock();
            let due = last.is_none_or(|t| t.elapsed() >= ERROR_LOG_EVERY);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if written > 0 {
            let cut = f.metadata().and_then(|m| f.set_len(m.len().saturating_sub(written as u64)));
            match cut {
                Ok(()) if log_now => self.log(
                    Level::Warning,
                    &format!(
                        "Short write while writing to the AOF file: (nwritten={written}, expected={})",
                        data.len()
                    ),
                ),
                Ok(()) => {}
                Err(te) => {
                    self.log(
                        Level::Warning,
                        &format!(
                            "Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: {}",
                            crate::persist::io_error_text(&te)
                        ),
                    );
                    kept = written;
                    self.current_size.fetch_add(written as u64, Relaxed);
                }
            }
        } else if log_now {
            self.log(Level::Warning, &format!("Error writing to the AOF file: {}", crate::persist::io_error_text(e)));
        }
        if self.policy() == Fsync::Always {
            self.log(
                Level::Warning,
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...",
            );
            std::process::exit(1);
        }
        {
            let mut p = self.pending.lock();
            let mut rest = data;
            rest.drain(..kept);
            rest.extend_from_slice(&p.buf);
            p.buf = rest;
            self.pending_cap.store(p.buf.capacity() as u64, Relaxed);
            self.inflight_cap.store(0, Relaxed);
        }
        let errno = if written > 0 { libc::ENOSPC } else { e.raw_os_error().unwrap_or(libc::EIO) };
        self.last_errno.store(errno, Relaxed);
        self.write_failed.store(true, Relaxed);
    }

    /// An fsync failed: under `always` the server exits (Redis's words); otherwise
    /// writes are refused until a later fsync succeeds.
    fn fsync_error(&self, e: &std::io::Error) {
        if self.policy() == Fsync::Always {
            self.log(
                Level::Warning,
                &format!(
                    "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                    crate::persist::io_error_text(e)
                ),
            );
            std::process::exit(1);
        }
        self.log(Level::Warning, &format!("Error syncing the AOF file: {}", crate::persist::io_error_text(e)));
        self.last_errno.store(e.raw_os_error().unwrap_or(libc::EIO), Relaxed);
        self.fsync_failed.store(true, Relaxed);
        self.write_failed.store(true, Relaxed);
    }

    /// Writes are refused while the log cannot be written: MISCONF's text, with the
    /// system's words for the error.
    pub fn write_error_text(&self) -> Option<String> {
        if !self.enabled() || !self.write_failed.load(Relaxed) {
            return None;
        }
        let e = std::io::Error::from_raw_os_error(self.last_errno.load(Relaxed));
        Some(format!("MISCONF Errors writing to the AOF file: {}", crate::persist::io_error_text(&e)))
    }

    /// Holds fsyncs back (`no-appendfsync-on-rewrite yes` during a background save or
    /// rewrite) or lets them go again.
    pub fn hold_fsync(&self, held: bool) {
        self.fsync_held.store(held, Relaxed);
    }

    /// Every worker of the runtime has run out of work: the moment Redis's event loop
    /// reaches `beforeSleep`. Under `always`, the last worker writes and fsyncs what the
    /// connections appended, here, before it parks: one fsync covers every write that
    /// could run before it, and no other thread has to wake up for it.
    ///
    /// A worker that runs out of work while another thread's fsync is in flight waits
    /// here for that fsync to end, then writes and fsyncs what it ran meanwhile. It does
    /// not go back to the sockets during the fsync: requests that arrive then are read
    /// in one batch after it, as by Redis's event loop blocked in its fsync, instead of
    /// waking a worker for each (on 2 vCPUs that waking cost a fifth of the throughput).
    ///
    /// If the other workers have run out of work too by the time this fsync ends, this
    /// thread starts the next fsync at once, for what they ran during this one.
    pub fn before_sleep(&self) {
        let mut first = true;
        loop {
            if self.policy() != Fsync::Always || self.durable.waiting.load(Relaxed) == 0 || !self.enabled() {
                return;
            }
            let mut file = match self.file.try_lock() {
                Some(file) => file,
                None if first => self.file.lock(),
                // After this thread's own fsync: the one holding the file publishes.
                None => return,
            };
            first = false;
            let before = self.durable.pos.load(Acquire);
            self.write_out(&mut file, true);
            drop(file);
            // Another worker still runs (it fsyncs when it runs out of work), or nothing
            // more became durable (a failed write, fsyncs held): done here.
            if !crate::server::idle::all_parked()
                || self.durable.pos.load(Acquire) == before
                || self.write_failed.load(Relaxed)
            {
                return;
            }
        }
    }

    /// Replaces the incr file (a rewrite's switch): pending records go to the old one
    /// first, fsynced. The caller holds the server gate exclusively.
    pub fn switch_file(&self, file: File) {
        self.flush_now();
        *self.file.lock() = Some(file);
        // The new file starts with its own SELECT.
        self.pending.lock().db = None;
    }

    /// The writer thread's loop: until [`Aof::shutdown`], take the buffer, write it,
    /// fsync per policy, publish positions.
    pub fn run_writer(&self) {
        let mut last_fsync = Instant::now();
        while !self.stop.load(Relaxed) {
            let policy = self.policy();
            {
                let mut p = self.pending.lock();
                if self.write_failed.load(Relaxed) {
                    // Retry a failed write or fsync every 100 ms, as Redis's cron does.
                    self.wake.wait_for(&mut p, Duration::from_millis(100));
                }
                if policy == Fsync::Always && crate::server::idle::reporting() {
                    // The workers write and fsync when they run out of work; this thread
                    // only takes what they leave behind: records already pending a tick
                    // ago that no worker has written since (a load that never lets them
                    // all park). Fresher ones are left to the workers' next group commit.
                    self.writer.store(Writer::Fallback as u8, Relaxed);
                    let pending_before = p.appended;
                    self.wake.wait_for(&mut p, FALLBACK_TICK);
                    if p.buf.is_empty() || self.written.load(Relaxed) >= pending_before {
                        continue;
                    }
                } else if p.buf.is_empty() {
                    // Under `always` the connection that appended wakes the thread when
                    // it begins to wait; under the other policies the thread comes round
                    // every millisecond instead, which costs far less than a wake-up per
                    // batch.
                    self.writer.store(Writer::Empty as u8, Relaxed);
                    let tick = if policy == Fsync::Always { 100 } else { 1 };
                    self.wake.wait_for(&mut p, Duration::from_millis(tick));
                }
                self.writer.store(Writer::Busy as u8, Relaxed);
            }
            let mut file = self.file.lock();
            match self.policy() {
                Fsync::Always => {
                    self.write_out(&mut file, true);
                }
                Fsync::EverySec => {
                    if self.write_out(&mut file, last_fsync.elapsed() >= Duration::from_secs(1)) {
                        last_fsync = Instant::now();
                    }
                }
                Fsync::No => {
                    self.write_out(&mut file, false);
                }
            }
        }
    }

    /// Ends the writer thread after a last write and fsync.
    pub fn shutdown(&self) {
        self.stop.store(true, Relaxed);
        self.wake.notify_all();
        if self.enabled() {
            self.flush_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicU64);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    fn poll(fut: &mut Pin<Box<WaitDurable<'_>>>, count: &Arc<Count>) -> Poll<()> {
        let waker = Waker::from(count.clone());
        fut.as_mut().poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn a_published_position_wakes_only_the_waiters_it_covers() {
        let aof = Aof::default();
        let (early, late) = (Arc::new(Count::default()), Arc::new(Count::default()));
        let mut wait_early = Box::pin(WaitDurable { aof: &aof, pos: 10, listed: false });
        let mut wait_late = Box::pin(WaitDurable { aof: &aof, pos: 20, listed: false });
        assert!(poll(&mut wait_early, &early).is_pending());
        assert!(poll(&mut wait_late, &late).is_pending());
        assert_eq!(aof.durable.waiting.load(Relaxed), 2);

        aof.durable.publish(15);
        assert_eq!(early.0.load(Relaxed), 1);
        assert_eq!(late.0.load(Relaxed), 0, "a waiter past the position sleeps on");
        assert!(poll(&mut wait_early, &early).is_ready());
        assert!(poll(&mut wait_late, &late).is_pending());
        assert_eq!(aof.durable.waiting.load(Relaxed), 1, "re-polled without a wake-up: listed once");

        aof.durable.publish(20);
        assert_eq!(late.0.load(Relaxed), 1);
        assert!(poll(&mut wait_late, &late).is_ready());
        assert_eq!(aof.durable.waiting.load(Relaxed), 0);
        // Already durable: ready without being listed.
        assert!(poll(&mut Box::pin(WaitDurable { aof: &aof, pos: 5, listed: false }), &early).is_ready());
    }

    #[test]
    fn before_sleep_writes_and_fsyncs_for_a_waiting_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incr.aof");
        let aof = Aof::default();
        aof.start(File::create(&path).unwrap(), Fsync::Always);
        let pos = aof.append(0, &[&[b"SET".as_slice(), b"k", b"v"]]);
        // Nobody waits yet: nothing to do.
        aof.before_sleep();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);

        let count = Arc::new(Count::default());
        let mut wait = Box::pin(WaitDurable { aof: &aof, pos, listed: false });
        assert!(poll(&mut wait, &count).is_pending());
        aof.before_sleep();
        assert_eq!(count.0.load(Relaxed), 1);
        assert!(poll(&mut wait, &count).is_ready());
        let logged = std::fs::read(&path).unwrap();
        assert_eq!(logged, b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
        assert_eq!(aof.written.load(Relaxed), logged.len() as u64);
    }

    /// A reply handed off is sent by the thread that fsyncs, once the records are on
    /// disk, without waking the connection.
    #[test]
    fn a_handed_off_reply_is_sent_after_the_fsync() {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let aof = Aof::default();
        aof.start(File::create(dir.path().join("incr.aof")).unwrap(), Fsync::Always);
        let (ours, mut client) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        client.set_nonblocking(true).unwrap();
        let pos = aof.append(0, &[&[b"SET".as_slice(), b"k", b"v"]]);
        let count = Arc::new(Count::default());
        let h = aof.hand_off(pos, ours.as_raw_fd(), b"+OK\r\n", Waker::from(count.clone())).unwrap();
        assert!(!h.sent());
        let mut got = [0u8; 16];
        assert!(client.read(&mut got).is_err(), "nothing before the fsync");
        aof.before_sleep();
        assert!(h.sent());
        assert_eq!(client.read(&mut got).unwrap(), 5);
        assert_eq!(&got[..5], b"+OK\r\n");
        assert_eq!(count.0.load(Relaxed), 0, "all sent: the connection is not woken");
        assert!(h.take_back().is_empty());

        // Already durable: the caller sends it.
        assert!(aof.hand_off(pos, ours.as_raw_fd(), b"+OK\r\n", Waker::from(count.clone())).is_none());
    }

    /// What the socket does not take is left for the connection, which is woken; a
    /// hand-off taken back before the fsync is the connection's again, all of it.
    #[test]
    fn a_handed_off_reply_left_or_taken_back_goes_to_the_connection() {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let aof = Aof::default();
        aof.start(File::create(dir.path().join("incr.aof")).unwrap(), Fsync::Always);
        let (ours, mut client) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let big = vec![b'x'; 8 * 1024 * 1024];
        let count = Arc::new(Count::default());
        let pos = aof.append(0, &[&[b"SET".as_slice(), b"k", b"v"]]);
        let h = aof.hand_off(pos, ours.as_raw_fd(), &big, Waker::from(count.clone())).unwrap();
        aof.before_sleep();
        assert_eq!(count.0.load(Relaxed), 1, "woken for the rest");
        let rest = h.take_back();
        assert!(!rest.is_empty() && rest.len() < big.len());
        let sent = big.len() - rest.len();
        let mut got = vec![0u8; sent];
        client.read_exact(&mut got).unwrap();

        let pos = aof.append(0, &[&[b"SET".as_slice(), b"k", b"w"]]);
        let h = aof.hand_off(pos, ours.as_raw_fd(), b"+OK\r\n", Waker::from(count.clone())).unwrap();
        assert_eq!(h.take_back(), b"+OK\r\n");
        let pos = aof.append(0, &[&[b"SET".as_slice(), b"k", b"z"]]);
        drop(aof.hand_off(pos, ours.as_raw_fd(), b"+OK\r\n", Waker::from(count.clone())).unwrap());
        aof.before_sleep();
        client.set_nonblocking(true).unwrap();
        assert!(client.read(&mut [0u8; 16]).is_err(), "taken back or dropped: the log sends nothing");
    }
}

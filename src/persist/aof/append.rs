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
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

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

/// The running log.
#[derive(Debug)]
pub struct Aof {
    /// Held by a write command from before it runs until its record is appended.
    pub write_lock: Mutex<()>,
    enabled: AtomicBool,
    pending: Mutex<Pending>,
    wake: Condvar,
    /// The incr file records go to (switched by a rewrite).
    file: Mutex<Option<File>>,
    /// Position written to the file (not necessarily fsynced).
    written: AtomicU64,
    /// Position known to be on disk; connections under `always` wait on it.
    durable: tokio::sync::watch::Sender<u64>,
    /// The fsync policy, as [`Fsync`]'s index.
    policy: std::sync::atomic::AtomicU8,
    stop: AtomicBool,
    /// The writer thread waits for records (so a batch's end must wake it).
    idle: AtomicBool,
    /// Write `#TS:<unix seconds>` annotations (`aof-timestamp-enabled`).
    pub timestamps: AtomicBool,
    /// The last write failed (INFO `aof_last_write_status:err`).
    pub write_failed: AtomicBool,
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
            write_lock: Mutex::new(()),
            enabled: AtomicBool::new(false),
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            file: Mutex::new(None),
            written: AtomicU64::new(0),
            durable: tokio::sync::watch::channel(0).0,
            policy: std::sync::atomic::AtomicU8::new(Fsync::EverySec as u8),
            stop: AtomicBool::new(false),
            idle: AtomicBool::new(false),
            timestamps: AtomicBool::new(false),
            write_failed: AtomicBool::new(false),
            current_size: AtomicU64::new(0),
            base_size: AtomicU64::new(0),
            delayed_fsync: AtomicU64::new(0),
        }
    }
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
        self.flush_now(true);
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
        p.appended
    }

    /// Appends one command with owned arguments.
    pub fn append_one(&self, db: usize, args: &[Bytes]) -> u64 {
        self.append(db, &[args])
    }

    /// Wakes the writer thread if it sleeps (once per batch of commands, not per record;
    /// only `always` needs it, the others are picked up within a millisecond).
    pub fn kick(&self) {
        if self.idle.load(Relaxed) && self.policy() == Fsync::Always {
            self.wake.notify_one();
        }
    }

    /// The log position everything appended so far reaches.
    pub fn position(&self) -> u64 {
        self.pending.lock().appended
    }

    /// Waits until the log is on disk up to `pos` (`appendfsync always`).
    pub async fn wait_durable(&self, pos: u64) {
        let mut rx = self.durable.subscribe();
        let _ = rx.wait_for(|v| *v >= pos).await;
    }

    /// Writes what is pending now, in this thread (a rewrite's switch, shutdown), and
    /// fsyncs it when `sync`.
    pub fn flush_now(&self, sync: bool) {
        let mut file = self.file.lock();
        let (data, end) = {
            let mut p = self.pending.lock();
            (std::mem::take(&mut p.buf), p.appended)
        };
        if let Some(f) = file.as_mut() {
            let ok = f.write_all(&data).is_ok() && (!sync || f.sync_data().is_ok());
            self.write_failed.store(!ok, Relaxed);
            if ok {
                self.current_size.fetch_add(data.len() as u64, Relaxed);
            }
        }
        self.written.store(end, Relaxed);
        if sync {
            self.durable.send_replace(end);
        }
    }

    /// Replaces the incr file (a rewrite's switch): pending records go to the old one
    /// first, fsynced. The caller holds the server gate exclusively.
    pub fn switch_file(&self, file: File) {
        self.flush_now(true);
        *self.file.lock() = Some(file);
        // The new file starts with its own SELECT.
        self.pending.lock().db = None;
    }

    /// The writer thread's loop: until [`Aof::shutdown`], take the buffer, write it,
    /// fsync per policy, publish positions.
    pub fn run_writer(&self) {
        let mut last_fsync = Instant::now();
        let mut unsynced = false;
        while !self.stop.load(Relaxed) {
            let (data, end) = {
                let mut p = self.pending.lock();
                if p.buf.is_empty() {
                    self.idle.store(true, Relaxed);
                    // Records appended after the check above find `idle` set and kick
                    // (`always`); under the other policies the thread comes round every
                    // millisecond instead, which costs far less than a wake-up per batch.
                    let tick = if self.policy() == Fsync::Always { 100 } else { 1 };
                    self.wake.wait_for(&mut p, Duration::from_millis(tick));
                    self.idle.store(false, Relaxed);
                }
                (std::mem::take(&mut p.buf), p.appended)
            };
            let policy = self.policy();
            let mut file = self.file.lock();
            let Some(f) = file.as_mut() else {
                // Not logging: nothing can be made durable, so nobody may wait.
                self.durable.send_replace(end);
                continue;
            };
            if !data.is_empty() {
                let ok = f.write_all(&data).is_ok();
                self.write_failed.store(!ok, Relaxed);
                if ok {
                    self.current_size.fetch_add(data.len() as u64, Relaxed);
                    unsynced = true;
                }
            }
            self.written.store(end, Relaxed);
            match policy {
                Fsync::Always => {
                    if unsynced {
                        let ok = f.sync_data().is_ok();
                        self.write_failed.store(!ok, Relaxed);
                        unsynced = false;
                    }
                    self.durable.send_replace(end);
                }
                Fsync::EverySec => {
                    if unsynced && last_fsync.elapsed() >= Duration::from_secs(1) {
                        let _ = f.sync_data();
                        last_fsync = Instant::now();
                        unsynced = false;
                    }
                    self.durable.send_replace(end);
                }
                Fsync::No => {
                    self.durable.send_replace(end);
                }
            }
        }
    }

    /// Ends the writer thread after a last write and fsync.
    pub fn shutdown(&self) {
        self.stop.store(true, Relaxed);
        self.wake.notify_all();
        if self.enabled() {
            self.flush_now(true);
        }
    }
}

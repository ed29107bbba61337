//! A point-in-time RDB file without fork (invariant 10).
//!
//! [`Snapshot::begin`] runs with the server gate held exclusively, so no command is
//! half done: it writes the file's header and flips the store's snapshot parity
//! ([`Store::begin_snapshot`]), which marks every entry unsaved in O(shards). From then
//! on each entry reaches the file exactly once, as it was at that instant: either the
//! snapshot's own walk ([`Store::run_snapshot`], a few buckets per lock hold) saves it,
//! or a command about to change or remove it saves it first (entry-level
//! copy-on-write); entries created after the instant carry the new parity and are
//! skipped. A writer therefore waits for the serialization of the entries it touches,
//! never for a shard or the dataset, and the extra memory is the buffers in flight
//! (16 KiB per shard at most, 64 KiB for the walk), not a second copy.
//!
//! Chunks arrive in any order; each starts with SELECTDB when its database differs
//! from the previous chunk's (the first chunk of a database also carries RESIZEDB with
//! the counts at the instant). Readers accept repeated SELECTDB, Redis included.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::objects::write_entry;
use super::rdb::{crc64::Crc64, encode, RDB_VERSION};
use crate::store::{Entry, ShardSink, Store};

/// What the file's AUX fields say.
pub struct Header {
    /// `redis-ver`.
    pub version: &'static str,
    /// `ctime`, unix seconds.
    pub ctime: u64,
    /// `used-mem`, bytes.
    pub used_mem: u64,
    /// `aof-base`: true for an AOF base file.
    pub aof_base: bool,
    /// Write the CRC-64 trailer (`rdbchecksum yes`); zeros otherwise, as Redis does.
    pub checksum: bool,
    /// Write commands (an AOF base with `aof-use-rdb-preamble no`) instead of RDB.
    pub commands: bool,
}

/// One snapshot being written to a temporary file.
pub struct Snapshot {
    /// The instant (unix ms): keys expired by then are left out.
    now: u64,
    checksum: bool,
    commands: bool,
    compress: bool,
    out: Mutex<Out>,
    /// Keys written so far (INFO `current_save_keys_processed`).
    pub keys_done: AtomicU64,
    /// Keys at the instant (INFO `current_save_keys_total`).
    pub keys_total: AtomicU64,
    temp: PathBuf,
}

struct Out {
    file: BufWriter<File>,
    crc: Crc64,
    db: Option<usize>,
    /// Per database: (keys, expires) at the instant, and whether RESIZEDB was written.
    counts: Vec<(usize, usize, bool)>,
    error: Option<io::Error>,
}

impl Out {
    fn put(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        self.crc.update(bytes);
        if let Err(e) = self.file.write_all(bytes) {
            self.error = Some(e);
        }
    }
}

/// The RDB magic and the AUX fields Redis writes.
fn write_rdb_header(head: &mut Vec<u8>, header: &Header) {
    encode::write_header(head, RDB_VERSION);
    encode::write_aux(head, b"redis-ver", header.version.as_bytes());
    encode::write_aux(head, b"redis-bits", b"64");
    encode::write_aux(head, b"ctime", header.ctime.to_string().as_bytes());
    encode::write_aux(head, b"used-mem", header.used_mem.to_string().as_bytes());
    encode::write_aux(head, b"aof-base", if header.aof_base { b"1" } else { b"0" });
}

impl Snapshot {
    /// Creates `temp`, writes the header and starts the snapshot in `store`. The caller
    /// holds the server gate exclusively.
    pub fn begin(store: &Store, temp: PathBuf, header: &Header, now: u64, compress: bool) -> io::Result<Arc<Snapshot>> {
        let file = File::create(&temp)?;
        let mut head = Vec::with_capacity(128);
        if !header.commands {
            write_rdb_header(&mut head, header);
        }
        let mut out = Out {
            file: BufWriter::with_capacity(1 << 20, file),
            crc: Crc64::new(),
            db: None,
            counts: Vec::new(),
            error: None,
        };
        out.put(&head);
        let snap = Arc::new(Snapshot {
            now,
            checksum: header.checksum,
            commands: header.commands,
            compress,
            out: Mutex::new(out),
            keys_done: AtomicU64::new(0),
            keys_total: AtomicU64::new(0),
            temp,
        });
        let counts = store.begin_snapshot(snap.clone());
        let total: usize = counts.iter().map(|c| c.0).sum();
        snap.keys_total.store(total as u64, Ordering::Relaxed);
        snap.out.lock().counts = counts.into_iter().map(|(k, e)| (k, e, false)).collect();
        Ok(snap)
    }

    /// Walks the rest of the store, then finishes the file: EOF, CRC, fsync, rename
    /// onto `target`, fsync of the directory. On error the temporary file is removed.
    pub fn finish(&self, store: &Store, target: &Path) -> io::Result<()> {
        store.run_snapshot();
        let result = self.close(target);
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }

    fn close(&self, target: &Path) -> io::Result<()> {
        let mut out = self.out.lock();
        if !self.commands {
            out.put(&[super::rdb::opcodes::EOF]);
        }
        let crc = if self.checksum { out.crc.finish() } else { 0 };
        if out.error.is_none() && !self.commands {
            if let Err(e) = out.file.write_all(&crc.to_le_bytes()) {
                out.error = Some(e);
            }
        }
        if let Some(e) = out.error.take() {
            return Err(e);
        }
        out.file.flush()?;
        out.file.get_ref().sync_all()?;
        std::fs::rename(&self.temp, target)?;
        if let Some(dir) = target.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("temp", &self.temp).finish_non_exhaustive()
    }
}

impl ShardSink for Snapshot {
    fn serialize(&self, out: &mut Vec<u8>, e: &Entry, walker: bool) {
        if e.is_expired(self.now) {
            return;
        }
        if self.commands {
            super::aof::rewrite::write_entry_commands(out, e);
        } else {
            write_entry(out, e, self.compress && walker);
        }
        self.keys_done.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self, db: usize, bytes: &[u8]) {
        let mut out = self.out.lock();
        if out.db != Some(db) && self.commands {
            let mut head = Vec::with_capacity(24);
            super::aof::append::encode_command(&mut head, &[b"SELECT".as_slice(), db.to_string().as_bytes()]);
            out.put(&head);
            out.db = Some(db);
        }
        if out.db != Some(db) {
            let mut head = Vec::with_capacity(24);
            encode::write_selectdb(&mut head, db as u64);
            if let Some(c) = out.counts.get_mut(db) {
                if !c.2 {
                    c.2 = true;
                    encode::write_resizedb(&mut head, c.0 as u64, c.1 as u64);
                }
            }
            out.put(&head);
            out.db = Some(db);
        }
        out.put(bytes);
    }
}

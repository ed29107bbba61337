//! Loading an RDB file into the store: at start-up (`appendonly no`), for DEBUG RELOAD,
//! and for an AOF base later. The whole file is read into memory and decoded from the
//! slice; every key is checked before any client is served.

use std::path::Path;
use std::time::Instant;

use super::objects::{entry_from, Refused};
use super::rdb::{Item, Reader};
use crate::server::log::Level;
use crate::server::shared::{unix_ms, Shared};
use crate::store::Entry;

/// What a load did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Loaded {
    /// Keys stored.
    pub keys: u64,
    /// Keys dropped because their TTL had passed.
    pub expired: u64,
    /// Bytes of the RDB (an AOF with a preamble continues after them).
    pub end: usize,
}

/// How to treat what a file holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep keys whose TTL has passed (AOF preamble), instead of dropping them.
    pub keep_expired: bool,
    /// Replace a key that already exists (DEBUG RELOAD MERGE) instead of failing.
    pub merge: bool,
}

/// Keys handed from the decoding thread to the inserting one at a time.
const BATCH: usize = 1024;

/// Reads `data` (a whole RDB, or an AOF beginning with one) into the store. Stops at
/// the first problem with a message that says where; keys stored before it stay, so
/// callers treat an error as fatal (start-up) or report it (DEBUG RELOAD).
///
/// Two threads share the work: this one decodes and builds entries, a second one
/// hashes and inserts them, batch by batch.
pub fn load_rdb(shared: &Shared, data: &[u8], opts: Options) -> Result<Loaded, String> {
    let store = &shared.store;
    let now = unix_ms();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, Entry)>>(8);
        let inserter = scope.spawn(move || insert_batches(store, rx, opts.merge, now));
        let decoded = decode(shared, data, opts, now, tx);
        let inserted = inserter.join().unwrap_or_else(|_| Err("the loading thread panicked".to_string()));
        // A failed insert stops the decoder early, so its error comes first.
        let keys = inserted?;
        let mut loaded = decoded?;
        loaded.keys = keys;
        Ok(loaded)
    })
}

/// Stores batches of entries until the sender is done; returns how many were stored.
fn insert_batches(
    store: &crate::store::Store,
    rx: std::sync::mpsc::Receiver<Vec<(usize, Entry)>>,
    merge: bool,
    now: u64,
) -> Result<u64, String> {
    let mut keys = 0;
    for batch in rx {
        for (db, entry) in batch {
            if let Some(entry) = store.load_entry(db, entry) {
                if !merge {
                    return Err(format!("RDB has duplicated key {} in DB {db}", super::repr(entry.key())));
                }
                let key = entry.key().to_vec();
                let mut t = store.lock_one(now, db, &key);
                t.insert(db, entry);
            }
            keys += 1;
        }
    }
    Ok(keys)
}

/// The decoding half of [`load_rdb`]: entries go to `tx` in batches.
fn decode(
    shared: &Shared,
    data: &[u8],
    opts: Options,
    now: u64,
    tx: std::sync::mpsc::SyncSender<Vec<(usize, Entry)>>,
) -> Result<Loaded, String> {
    let config = shared.config();
    let store = &shared.store;
    let mut reader = Reader::new(data).map_err(|e| e.to_string())?;
    reader.set_verify_checksum(config.rdbchecksum);
    let clock = store.new_clock(now);
    let mut loaded = Loaded::default();
    let mut ctime = None;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let item = reader.next_item().map_err(|e| e.to_string())?;
        let Some(item) = item else { break };
        match item {
            Item::Aux(key, value) => match &key[..] {
                b"redis-ver" | b"valkey-ver" => {
                    shared.log(
                        Level::Notice,
                        &format!("Loading RDB produced by version {}", String::from_utf8_lossy(&value)),
                    );
                }
                b"ctime" => ctime = crate::numbers::parse_i64(&value),
                b"aof-base" if value.as_slice() == b"1" => shared.log(Level::Notice, "RDB is base AOF"),
                b"used-mem" => {
                    if let Some(age) = ctime {
                        let age = (now / 1000) as i64 - age;
                        shared.log(Level::Notice, &format!("RDB age {} seconds", age.max(0)));
                    }
                    if let Some(mem) = crate::numbers::parse_i64(&value) {
                        shared.log(
                            Level::Notice,
                            &format!("RDB memory usage when created {:.2} Mb", mem as f64 / (1024.0 * 1024.0)),
                        );
                    }
                }
                _ => {}
            },
            Item::SelectDb(db) => {
                if db >= store.databases() as u64 {
                    return Err(format!(
                        "FATAL: Data file was created with a Redis server configured to handle more than {} databases.",
                        store.databases()
                    ));
                }
            }
            Item::ResizeDb(..) => {}
            Item::Function(_) => {
                return Err("The RDB file holds FUNCTION libraries, which this server does not support".into());
            }
            Item::Key(rec) => {
                let expire = rec.expire_ms.map(|ms| u64::try_from(ms).unwrap_or(0));
                if !opts.keep_expired && expire.is_some_and(|at| at <= now) {
                    loaded.expired += 1;
                    continue;
                }
                let db = rec.db as usize;
                let key = rec.key;
                let entry = match entry_from(&key, rec.value, expire, clock, &config) {
                    Ok(e) => e,
                    Err(Refused::Empty) => continue,
                    Err(Refused::Unsupported(why)) => {
                        return Err(format!(
                            "Can't load key {} in db {db} (RDB type {}): {why}",
                            super::repr(&key),
                            rec.rdb_type
                        ));
                    }
                };
                batch.push((db, entry));
                if batch.len() == BATCH && tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                    // The inserter stopped (a duplicate key); its error is the one to report.
                    return Ok(loaded);
                }
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    loaded.end = reader.position();
    Ok(loaded)
}

/// Loads `dbfilename` at start-up when `appendonly` is off, logging as Redis does. A
/// missing file is an empty dataset; anything wrong in it stops start-up.
pub fn load_at_startup(shared: &Shared) -> Result<(), String> {
    let config = shared.config();
    if config.appendonly {
        return Ok(());
    }
    let path = config.resolve_path(&config.dbfilename);
    load_file(shared, &path, Options::default()).map(|_| ())
}

/// Loads one RDB file; a missing file loads nothing.
pub fn load_file(shared: &Shared, path: &Path, opts: Options) -> Result<Option<Loaded>, String> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Fatal error loading the DB: {}. Exiting.", super::io_error_text(&e))),
    };
    let start = Instant::now();
    let loaded = load_rdb(shared, &data, opts)
        .map_err(|e| format!("Fatal error loading the DB from {}: {e}. Exiting.", path.display()))?;
    shared.persist.loaded_keys.store(loaded.keys, std::sync::atomic::Ordering::Relaxed);
    shared.persist.loaded_expired.store(loaded.expired, std::sync::atomic::Ordering::Relaxed);
    shared.log(
        Level::Notice,
        &format!("Done loading RDB, keys loaded: {}, keys expired: {}.", loaded.keys, loaded.expired),
    );
    shared.log(Level::Notice, &format!("DB loaded from disk: {:.3} seconds", start.elapsed().as_secs_f64()));
    Ok(Some(loaded))
}

//! Whole-database commands: SELECT, SWAPDB, DBSIZE, FLUSHDB, FLUSHALL, RANDOMKEY.

use bytes::Bytes;

use super::args::is;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;

/// The keyspace family's rows.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "select",
        arity: 2,
        flags: LOADING | STALE | FAST,
        acl: acl::CONNECTION,
        keys: (0, 0, 0),
        handler: select,
        subcommands: &[],
    },
    Command {
        name: "swapdb",
        arity: 3,
        flags: WRITE | FAST | EXCLUSIVE,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: swapdb,
        subcommands: &[],
    },
    Command {
        name: "dbsize",
        arity: 1,
        flags: READONLY | FAST,
        acl: acl::KEYSPACE,
        keys: (0, 0, 0),
        handler: dbsize,
        subcommands: &[],
    },
    Command {
        name: "flushdb",
        arity: -1,
        flags: WRITE | EXCLUSIVE,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: flushdb,
        subcommands: &[],
    },
    Command {
        name: "flushall",
        arity: -1,
        flags: WRITE | EXCLUSIVE,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: flushall,
        subcommands: &[],
    },
    Command {
        name: "randomkey",
        arity: 1,
        flags: READONLY,
        acl: acl::KEYSPACE,
        keys: (0, 0, 0),
        handler: randomkey,
        subcommands: &[],
    },
];

use super::args::int32;

/// SELECT index → OK.
fn select(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let id = int32(&a[1], None)?;
    match usize::try_from(id) {
        Ok(id) if id < ctx.shared.store.databases() => {
            ctx.client.db = id;
            Ok(Reply::Ok)
        }
        _ => Err(e::DB_INDEX_OUT_OF_RANGE.into()),
    }
}

/// SWAPDB index1 index2 → OK.
fn swapdb(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let x = int32(&a[1], Some("ERR invalid first DB index"))?;
    let y = int32(&a[2], Some("ERR invalid second DB index"))?;
    let n = ctx.shared.store.databases();
    let (Ok(x), Ok(y)) = (usize::try_from(x), usize::try_from(y)) else {
        return Err(e::DB_INDEX_OUT_OF_RANGE.into());
    };
    if x >= n || y >= n {
        return Err(e::DB_INDEX_OUT_OF_RANGE.into());
    }
    ctx.shared.store.touch_watched_existing(x, y, ctx.now);
    ctx.shared.store.touch_watched_existing(y, x, ctx.now);
    ctx.shared.store.swap_db(x, y);
    ctx.dirty(1);
    Ok(Reply::Ok)
}

/// DBSIZE → Integer: keys in the selected database.
fn dbsize(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(ctx.shared.store.db_size(ctx.client.db) as i64))
}

/// Reads FLUSHDB/FLUSHALL's optional ASYNC|SYNC. Returns true for ASYNC.
fn flush_mode(a: &[Bytes]) -> Result<bool, CmdError> {
    match a.len() {
        1 => Ok(false),
        2 if is(&a[1], "async") => Ok(true),
        2 if is(&a[1], "sync") => Ok(false),
        _ => Err(e::SYNTAX.into()),
    }
}

/// Frees flushed dictionaries on another thread (ASYNC) or here (SYNC).
fn free(dicts: Vec<crate::store::Dict>, lazy: bool) {
    if lazy && dicts.iter().any(|d| d.len() > 64) {
        std::thread::spawn(move || {
            drop(dicts);
            crate::server::memory::flush_thread_count();
        });
    } else {
        drop(dicts);
    }
}

/// FLUSHDB [ASYNC|SYNC] → OK.
fn flushdb(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let lazy = flush_mode(a)?;
    let n = ctx.shared.store.db_size(ctx.client.db);
    ctx.shared.store.touch_watched_existing(ctx.client.db, ctx.client.db, ctx.now);
    free(ctx.shared.store.flush_db(ctx.client.db), lazy);
    ctx.dirty(n as u64);
    Ok(Reply::Ok)
}

/// FLUSHALL [ASYNC|SYNC] → OK.
fn flushall(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let lazy = flush_mode(a)?;
    let mut dicts = Vec::new();
    let mut n = 0;
    for db in 0..ctx.shared.store.databases() {
        n += ctx.shared.store.db_size(db);
        ctx.shared.store.touch_watched_existing(db, db, ctx.now);
        dicts.extend(ctx.shared.store.flush_db(db));
    }
    free(dicts, lazy);
    ctx.dirty(n as u64);
    // With save points configured Redis saves the now empty dataset at once (this runs
    // with the gate held exclusively); the save resets the change count.
    if !ctx.config.save.is_empty() {
        let _ = crate::persist::save::save(ctx.shared);
    }
    // Redis counts FLUSHALL as one more change than the keys it removed.
    ctx.dirty(1);
    Ok(Reply::Ok)
}

/// RANDOMKEY → Bulk string: a random key, or nil when the database is empty.
fn randomkey(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(ctx.shared.store.random_key(ctx.client.db, ctx.now).map_or(Reply::Nil, Reply::Bulk))
}

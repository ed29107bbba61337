//! Persistence commands: SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE.
//!
//! SAVE and BGSAVE are flagged EXCLUSIVE: they run with the server gate held
//! exclusively, so the snapshot's instant falls between commands (invariant 10).

use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;

use super::args::is;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::persist::objects::{dump_payload, entry_from, Refused};
use crate::persist::rdb;
use crate::persist::save;
use crate::protocol::Reply;

/// The persistence family's rows.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "save",
        arity: 1,
        flags: ADMIN | NOSCRIPT | NO_MULTI | EXCLUSIVE,
        acl: acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: save_cmd,
        subcommands: &[],
    },
    Command {
        name: "bgsave",
        arity: -1,
        flags: ADMIN | NOSCRIPT | EXCLUSIVE,
        acl: acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: bgsave,
        subcommands: &[],
    },
    Command {
        name: "bgrewriteaof",
        arity: 1,
        flags: ADMIN | NOSCRIPT | EXCLUSIVE,
        acl: acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: bgrewriteaof,
        subcommands: &[],
    },
    Command {
        name: "lastsave",
        arity: 1,
        flags: LOADING | STALE | FAST,
        acl: acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: lastsave,
        subcommands: &[],
    },
    Command {
        name: "dump",
        arity: 2,
        flags: READONLY,
        acl: acl::KEYSPACE | acl::READ,
        keys: (1, 1, 1),
        handler: dump,
        subcommands: &[],
    },
    Command {
        name: "restore",
        arity: -4,
        flags: WRITE | DENYOOM,
        acl: acl::KEYSPACE | acl::WRITE | acl::DANGEROUS,
        keys: (1, 1, 1),
        handler: restore,
        subcommands: &[],
    },
];

/// SAVE → OK once the whole dataset is on disk; a bare `ERR` if it could not be written.
fn save_cmd(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    if ctx.shared.persist.bgsave_in_progress() {
        return Err(e::BGSAVE_IN_PROGRESS.into());
    }
    match save::save(ctx.shared) {
        Ok(()) => Ok(Reply::Ok),
        Err(_) => Err(e::BARE_ERR.into()),
    }
}

/// BGSAVE [SCHEDULE] → "Background saving started" (or "... scheduled" inside EXEC).
fn bgsave(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    match a.len() {
        1 => {}
        2 if is(&a[1], "schedule") => {}
        _ => return Err(e::SYNTAX.into()),
    }
    if ctx.shared.persist.bgsave_in_progress() {
        return Err(e::BGSAVE_IN_PROGRESS.into());
    }
    if ctx.shared.persist.rewrite_in_progress() {
        if a.len() == 2 {
            ctx.shared.persist.scheduled.store(true, Relaxed);
            return Ok(Reply::simple("Background saving scheduled"));
        }
        return Err(e::BGSAVE_CHILD_ACTIVE.into());
    }
    if ctx.client.in_exec {
        // Redis defers a BGSAVE issued inside a transaction to the cron.
        ctx.shared.persist.scheduled.store(true, Relaxed);
        return Ok(Reply::simple("Background saving scheduled"));
    }
    if !save::bgsave(&ctx.shared.arc()) {
        return Err(e::BGSAVE_IN_PROGRESS.into());
    }
    Ok(Reply::simple("Background saving started"))
}

/// BGREWRITEAOF → "Background append only file rewriting started" (or "... scheduled"
/// while a BGSAVE runs). The rewrite's base is a point-in-time snapshot (no fork).
fn bgrewriteaof(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let persist = &ctx.shared.persist;
    if persist.rewrite_in_progress() {
        return Err(e::REWRITE_IN_PROGRESS.into());
    }
    if persist.busy() || ctx.client.in_exec {
        persist.rewrite_scheduled.store(true, Relaxed);
        return Ok(Reply::simple("Background append only file rewriting scheduled"));
    }
    let start = if ctx.shared.aof.enabled() {
        crate::persist::aof::files::start_rewrite
    } else {
        // Redis 7 rewrites a base (and a manifest naming only it) with the AOF off.
        crate::persist::aof::files::start_offline_rewrite
    };
    start(&ctx.shared.arc()).map_err(|why| {
        ctx.shared
            .log(crate::server::log::Level::Warning, &format!("Can't rewrite append only file in background: {why}"));
        CmdError::from(e::REWRITE_FAILED)
    })?;
    Ok(Reply::simple("Background append only file rewriting started"))
}

/// LASTSAVE → Integer: unix time of the last successful save.
fn lastsave(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(ctx.shared.persist.lastsave.load(Relaxed) as i64))
}

/// DUMP key → Bulk string: the value in Redis's serialization format, or nil.
fn dump(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    Ok(match t.get(db, &a[1]) {
        Some(entry) => Reply::Bulk(Bytes::from(dump_payload(entry))),
        None => Reply::Nil,
    })
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] → OK.
fn restore(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut i = 4;
    while i < a.len() {
        let more = i + 1 < a.len();
        if is(&a[i], "replace") {
            replace = true;
        } else if is(&a[i], "absttl") {
            absttl = true;
        } else if is(&a[i], "idletime") && more && freq.is_none() {
            let v = super::args::int(&a[i + 1])?;
            if v < 0 {
                return Err(e::RESTORE_IDLETIME.into());
            }
            idle = Some(v);
            i += 1;
        } else if is(&a[i], "freq") && more && idle.is_none() {
            let v = super::args::int(&a[i + 1])?;
            if !(0..=255).contains(&v) {
                return Err(e::RESTORE_FREQ.into());
            }
            freq = Some(v);
            i += 1;
        } else {
            return Err(e::SYNTAX.into());
        }
        i += 1;
    }
    let db = ctx.client.db;
    let key = &a[1];
    let now = ctx.now;
    let mut t = ctx.shared.store.lock_one(now, db, key);
    if !replace && t.exists(db, key) {
        return Err(e::BUSYKEY.into());
    }
    let ttl = super::args::int(&a[2])?;
    if ttl < 0 {
        return Err(e::RESTORE_TTL.into());
    }
    let (_, value) = rdb::decode_dump_payload(&a[3]).map_err(|err| {
        CmdError::from(if err.is_version_or_checksum() { e::DUMP_PAYLOAD } else { e::BAD_DATA_FORMAT })
    })?;
    let expire = match ttl {
        0 => None,
        ttl if absttl => Some(ttl as u64),
        ttl => Some((now as i64).saturating_add(ttl) as u64),
    };
    let store = &ctx.shared.store;
    let clock = match (store.lfu(), freq, idle) {
        (true, Some(f), _) => lfu_clock(now, f as u32),
        (false, _, Some(secs)) => crate::store::lru_clock(now).wrapping_sub(secs.min(0x00ff_ffff) as u32) & 0x00ff_ffff,
        _ => store.new_clock(now),
    };
    let entry = match entry_from(key, value, expire, clock, ctx.config) {
        Ok(entry) => entry,
        Err(Refused::Empty) => return Err(e::BAD_DATA_FORMAT.into()),
        Err(Refused::Unsupported(why)) => return Err(CmdError::from(format!("{}: {why}", e::BAD_DATA_FORMAT))),
    };
    let deleted = replace && t.remove(db, key).is_some();
    if expire.is_some_and(|at| at <= now) {
        // Already expired: nothing is stored, but a replaced key is gone.
        drop(t);
        if deleted {
            ctx.dirty(1);
            ctx.notify(crate::server::notify::class::GENERIC, "del", key);
        }
        return Ok(Reply::Ok);
    }
    t.insert(db, entry);
    drop(t);
    ctx.dirty(1);
    ctx.notify(crate::server::notify::class::GENERIC, "restore", key);
    Ok(Reply::Ok)
}

/// An LFU clock with counter `freq`, as of `now`.
fn lfu_clock(now: u64, freq: u32) -> u32 {
    ((((now / 60_000) & 0xffff) as u32) << 8) | (freq & 0xff)
}

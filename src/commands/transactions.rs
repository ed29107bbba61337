//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queueing happens in the dispatcher (every command but these five, QUIT and RESET is
//! checked and queued while `client.multi` is set). EXEC runs the queue with the store
//! gate held exclusively (its row is flagged EXCLUSIVE), so no other client on any
//! thread observes part of a transaction. WATCH registers the client's dirty flag in
//! the store's watch registry; any change to a watched key sets it.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::errors::CmdError;
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;

const fn row(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::TRANSACTION, keys, handler, subcommands: &[] }
}

/// The transaction family's rows.
pub const COMMANDS: &[Command] = &[
    row("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), multi),
    row("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | EXCLUSIVE, (0, 0, 0), exec),
    row("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), discard),
    row("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (1, -1, 1), watch),
    row("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), unwatch),
];

/// Is this one of the commands that run at once even inside MULTI?
pub fn runs_inside_multi(name: &str) -> bool {
    matches!(name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

/// MULTI → OK: starts queueing.
fn multi(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err("ERR MULTI calls can not be nested".into());
    }
    ctx.client.multi = Some(Vec::new());
    ctx.client.multi_error = false;
    Ok(Reply::Ok)
}

/// Forgets every watched key of the client.
pub fn unwatch_all(ctx: &mut Ctx) {
    let watched: Vec<(usize, Bytes)> = ctx.client.watched.drain(..).map(|(db, k, _)| (db, k)).collect();
    ctx.shared.store.watches.unwatch(&watched, &ctx.client.watch_dirty);
    ctx.client.watch_dirty.store(false, Ordering::SeqCst);
}

/// DISCARD → OK: drops the queue and the watches.
fn discard(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    if ctx.client.multi.take().is_none() {
        return Err("ERR DISCARD without MULTI".into());
    }
    ctx.client.multi_error = false;
    unwatch_all(ctx);
    Ok(Reply::Ok)
}

/// WATCH key [key ...] → OK.
fn watch(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err("ERR WATCH inside MULTI is not allowed".into());
    }
    let db = ctx.client.db;
    let now = ctx.now;
    for key in &a[1..] {
        if ctx.client.watched.iter().any(|(d, k, _)| *d == db && k == key) {
            continue;
        }
        // Redis remembers whether the key was already expired (but not yet reclaimed):
        // such a key expiring further does not count as a change.
        let expired = {
            let hash_lock = ctx.shared.store.lock_one(now, db, key);
            let expired = hash_lock.is_expired_unreclaimed(db, key);
            drop(hash_lock);
            expired
        };
        ctx.shared.store.watches.watch(db, key.clone(), &ctx.client.watch_dirty);
        ctx.client.watched.push((db, key.clone(), expired));
    }
    Ok(Reply::Ok)
}

/// UNWATCH → OK.
fn unwatch(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    unwatch_all(ctx);
    Ok(Reply::Ok)
}

/// EXEC → Array of the queued commands' replies, nil if a watched key changed, or
/// EXECABORT if a command was refused while queueing.
fn exec(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let Some(queue) = ctx.client.multi.take() else { return Err("ERR EXEC without MULTI".into()) };
    if std::mem::take(&mut ctx.client.multi_error) {
        unwatch_all(ctx);
        return Err(CmdError::from("EXECABORT Transaction discarded because of previous errors."));
    }
    let now = ctx.now;
    let mut dirty = ctx.client.watch_dirty.load(Ordering::SeqCst);
    if !dirty {
        // A watched key that expired since WATCH counts as changed.
        for (db, key, was_expired) in ctx.client.watched.clone() {
            if was_expired {
                continue;
            }
            let t = ctx.shared.store.lock_one(now, db, &key);
            let expired = t.is_expired_unreclaimed(db, &key);
            drop(t);
            if expired {
                dirty = true;
                break;
            }
        }
    }
    unwatch_all(ctx);
    if dirty {
        return Ok(Reply::NilArray);
    }
    let mut replies = Vec::with_capacity(queue.len());
    ctx.client.in_exec = true;
    for args in &queue {
        replies.push(super::run_queued(ctx, args));
    }
    ctx.client.in_exec = false;
    Ok(Reply::Array(replies))
}

//! Blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, and serving the
//! clients they block.
//!
//! A handler first behaves like its non-blocking form when a key has elements (or when
//! it runs inside EXEC, where nothing blocks). Otherwise it registers a
//! [`Waiter`](crate::store::blocking::Waiter) while still holding the keys' shards and
//! sets `client.blocked`; the connection then waits for the waiter to be served, to
//! time out, or to be unblocked. Writers make keys "ready"; after each top-level
//! command the dispatcher calls [`serve_ready`], which serves waiters in arrival order.

use std::sync::Arc;

use bytes::Bytes;

use super::errors::{self as e, CmdError};
use super::flags::*;
use super::lists::{list_mut, list_or_new, parse_end, parse_mpop, remove_if_empty};
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::shared::Shared;
use crate::store::blocking::{BlockOp, WaitState, Waiter};
use crate::store::Object;

const fn row(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::LIST, keys, handler, subcommands: &[] }
}

/// The blocking list commands' rows (as Redis 7.0.15's COMMAND INFO).
pub const COMMANDS: &[Command] = &[
    row("blpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), blpop),
    row("brpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), brpop),
    row("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), blmove),
    row("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), brpoplpush),
    row("blmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, (0, 0, 0), blmpop),
];

/// A blocked client's wait: its waiter and when it gives up (None = never).
#[derive(Debug)]
pub struct Blocked {
    pub waiter: Arc<Waiter>,
    pub deadline: Option<std::time::Instant>,
}

/// Reads a blocking timeout in seconds (decimals allowed) as Redis does.
fn timeout_arg(arg: &[u8]) -> Result<Option<std::time::Duration>, CmdError> {
    if !crate::numbers::is_long_double(arg) {
        return Err(e::TIMEOUT_NOT_FLOAT.into());
    }
    // Long-double-only syntax (a huge exponent) is out of range: treated as infinite.
    let secs = crate::numbers::parse_f64(arg).unwrap_or(f64::INFINITY);
    let ms = secs * 1000.0;
    if !ms.is_finite() || ms >= i64::MAX as f64 || ms < 0.0 {
        return Err(e::TIMEOUT_NEGATIVE.into());
    }
    let ms = ms as u64;
    Ok(if ms == 0 { None } else { Some(std::time::Duration::from_millis(ms)) })
}

/// Pops for a waiter or an immediate call: (key, elements), deleting an emptied list.
fn pop_now(
    t: &mut crate::store::Txn,
    db: usize,
    key: &[u8],
    left: bool,
    count: usize,
) -> Result<Option<Vec<Vec<u8>>>, CmdError> {
    let Some(list) = list_mut(t, db, key)? else { return Ok(None) };
    if list.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(count.min(list.len()));
    let take = |v: &[u8]| out.push(v.to_vec());
    if left {
        list.drain_front(count, take);
    } else {
        list.drain_back(count, take);
    }
    remove_if_empty(t, db, key);
    Ok(Some(out))
}

/// The reply a served (or immediately answered) waiter gets.
pub fn served_reply(op: &BlockOp, key: Bytes, mut values: Vec<Vec<u8>>) -> Reply {
    match op {
        BlockOp::Pop { mpop: true, .. } => Reply::Array(vec![
            Reply::Bulk(key),
            Reply::Array(values.into_iter().map(|v| Reply::Bulk(v.into())).collect()),
        ]),
        BlockOp::Pop { .. } => {
            Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(values.pop().unwrap_or_default().into())])
        }
        BlockOp::Move { .. } => Reply::Bulk(values.pop().unwrap_or_default().into()),
    }
}

/// The reply once a wait ended.
pub fn final_reply(op: &BlockOp, state: WaitState) -> Reply {
    match state {
        WaitState::Served { key, values } => served_reply(op, key, values),
        WaitState::Failed(text) => Reply::Error(Bytes::from_static(text.as_bytes())),
        WaitState::Unblocked { error: true } => Reply::error("UNBLOCKED client unblocked via CLIENT UNBLOCK"),
        // A timeout replies a null array for every blocking list command (Redis 7.0).
        WaitState::TimedOut | WaitState::Unblocked { error: false } | WaitState::Waiting => Reply::NilArray,
    }
}

/// Tries to serve `op` right away from the first non-empty key; else blocks.
fn block_or_serve(ctx: &mut Ctx, keys: &[Bytes], op: BlockOp, timeout: Option<std::time::Duration>) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut locked: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    if let BlockOp::Move { dst, .. } = &op {
        locked.push(dst);
    }
    let shared = ctx.shared;
    let mut t = shared.store.lock(ctx.now, &locked.iter().map(|k| (db, *k)).collect::<Vec<_>>());
    for key in keys {
        match &op {
            BlockOp::Pop { left, count, .. } => {
                if let Some(values) = pop_now(&mut t, db, key, *left, *count)? {
                    drop(t);
                    ctx.dirty(values.len() as u64);
                    notify_served(shared, db, &op, key, ctx.now);
                    return Ok(served_reply(&op, key.clone(), values));
                }
            }
            BlockOp::Move { dst, from_left, to_left } => {
                if list_mut(&mut t, db, key)?.is_some_and(|l| !l.is_empty()) {
                    list_mut(&mut t, db, dst)?;
                    let Some(value) = pop_now(&mut t, db, key, *from_left, 1)?.and_then(|mut v| v.pop()) else {
                        continue;
                    };
                    let target = list_or_new(&mut t, db, dst, lru)?;
                    if *to_left {
                        target.push_front(&value);
                    } else {
                        target.push_back(&value);
                    }
                    drop(t);
                    ctx.dirty(1);
                    notify_served(shared, db, &op, key, ctx.now);
                    return Ok(Reply::Bulk(value.into()));
                }
            }
        }
    }
    // Inside EXEC nothing blocks: an empty result right away.
    if ctx.client.in_exec {
        return Ok(match op {
            BlockOp::Move { .. } => Reply::Nil,
            BlockOp::Pop { .. } => Reply::NilArray,
        });
    }
    let waiter = Arc::new(Waiter {
        client_id: ctx.client.id,
        db,
        keys: keys.to_vec(),
        op,
        state: parking_lot::Mutex::new(WaitState::Waiting),
        wake: tokio::sync::Notify::new(),
    });
    // Registered while the keys' shards are held: no push can come in between.
    shared.store.blocking.block(waiter.clone());
    drop(t);
    ctx.client.blocked = Some(Blocked { waiter, deadline: timeout.map(|d| std::time::Instant::now() + d) });
    Ok(Reply::Many(Vec::new()))
}

fn bpop(ctx: &mut Ctx, a: &[Bytes], left: bool) -> CmdResult {
    let timeout = timeout_arg(&a[a.len() - 1])?;
    block_or_serve(ctx, &a[1..a.len() - 1], BlockOp::Pop { left, count: 1, mpop: false }, timeout)
}

/// BLPOP key [key ...] timeout → [key, element], or a null array on timeout.
fn blpop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    bpop(ctx, a, true)
}

/// BRPOP key [key ...] timeout → [key, element], or a null array on timeout.
fn brpop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    bpop(ctx, a, false)
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout → the moved element.
fn blmove(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (from_left, to_left) = (parse_end(&a[3])?, parse_end(&a[4])?);
    let timeout = timeout_arg(&a[5])?;
    block_or_serve(ctx, &a[1..2], BlockOp::Move { dst: a[2].clone(), from_left, to_left }, timeout)
}

/// BRPOPLPUSH source destination timeout → the moved element.
fn brpoplpush(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let timeout = timeout_arg(&a[3])?;
    block_or_serve(ctx, &a[1..2], BlockOp::Move { dst: a[2].clone(), from_left: false, to_left: true }, timeout)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] → [key, [elements]].
fn blmpop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let timeout = timeout_arg(&a[1])?;
    let (keys, left, count) = parse_mpop(a, 2)?;
    block_or_serve(ctx, keys, BlockOp::Pop { left, count, mpop: true }, timeout)
}

/// The keyspace events of a pop (and push, for a move) done for a blocking command.
fn notify_served(shared: &Shared, db: usize, op: &BlockOp, key: &[u8], now: u64) {
    use crate::server::notify::{class, notify};
    if shared.notify_flags.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        return;
    }
    let from_left = match op {
        BlockOp::Pop { left, .. } => *left,
        BlockOp::Move { dst, from_left, to_left } => {
            notify(shared, class::LIST, if *to_left { "lpush" } else { "rpush" }, db, dst, now);
            *from_left
        }
    };
    notify(shared, class::LIST, if from_left { "lpop" } else { "rpop" }, db, key, now);
    if !shared.store.lock_one(now, db, key).exists(db, key) {
        notify(shared, class::GENERIC, "del", db, key, now);
    }
}

/// Serves, in arrival order, the clients blocked on `key` while it has elements.
/// Returns the keys this made ready in turn (BLMOVE destinations).
pub fn serve_ready(shared: &Shared, db: usize, key: &[u8], now: u64) -> Vec<Bytes> {
    let mut more = Vec::new();
    let lru = shared.store.new_clock(now);
    while let Some(w) = shared.store.blocking.first_waiter(db, key) {
        let dst = match &w.op {
            BlockOp::Move { dst, .. } => Some(dst.clone()),
            BlockOp::Pop { .. } => None,
        };
        let mut pairs: Vec<(usize, &[u8])> = vec![(db, key)];
        if let Some(d) = &dst {
            pairs.push((db, d));
        }
        let mut t = shared.store.lock(now, &pairs);
        let mut state = w.state.lock();
        if !matches!(*state, WaitState::Waiting) {
            drop(state);
            drop(t);
            shared.store.blocking.remove(&w);
            continue;
        }
        // Only a non-empty list serves; anything else leaves the waiters waiting.
        let has_elements = matches!(t.peek(db, key).and_then(|e| e.object()), Some(Object::List(l)) if !l.is_empty());
        if !has_elements {
            return more;
        }
        let key_bytes = Bytes::copy_from_slice(key);
        *state = match &w.op {
            BlockOp::Pop { left, count, .. } => match pop_now(&mut t, db, key, *left, *count) {
                Ok(Some(values)) => WaitState::Served { key: key_bytes, values },
                _ => return more,
            },
            BlockOp::Move { dst, from_left, to_left } => {
                if list_mut(&mut t, db, dst).is_err() {
                    WaitState::Failed(e::WRONGTYPE)
                } else {
                    match pop_now(&mut t, db, key, *from_left, 1) {
                        Ok(Some(mut values)) => {
                            let value = values.pop().unwrap_or_default();
                            if let Ok(target) = list_or_new(&mut t, db, dst, lru) {
                                if *to_left {
                                    target.push_front(&value);
                                } else {
                                    target.push_back(&value);
                                }
                            }
                            more.push(dst.clone());
                            WaitState::Served { key: key_bytes, values: vec![value] }
                        }
                        _ => return more,
                    }
                }
            }
        };
        let served = matches!(*state, WaitState::Served { .. });
        // The AOF logs what the blocked client was served, while its shards are held.
        if served && shared.aof.enabled() {
            let cmd: Vec<Bytes> = match (&w.op, &*state) {
                (BlockOp::Pop { left, mpop, .. }, WaitState::Served { values, .. }) => {
                    super::propagate::served(*left, key, mpop.then_some(values.len()))
                }
                (BlockOp::Move { dst, from_left, to_left }, _) => {
                    let side = |l: bool| Bytes::from_static(if l { b"LEFT" } else { b"RIGHT" });
                    vec![
                        Bytes::from_static(b"LMOVE"),
                        Bytes::copy_from_slice(key),
                        dst.clone(),
                        side(*from_left),
                        side(*to_left),
                    ]
                }
                _ => Vec::new(),
            };
            if !cmd.is_empty() {
                shared.aof.append_one(db, &cmd);
            }
        }
        drop(state);
        drop(t);
        if served {
            notify_served(shared, db, &w.op, key, now);
        }
        shared.stats.dirty.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        shared.store.blocking.remove(&w);
        w.wake.notify_one();
    }
    more
}

/// Serves every key made ready by the command that just ran (and keys those serves
/// made ready in turn).
pub fn serve_all(shared: &Shared, db: usize, keys: Vec<Bytes>, now: u64) {
    let mut pending = keys;
    let mut rounds = 0;
    while let Some(key) = pending.pop() {
        pending.extend(serve_ready(shared, db, &key, now));
        rounds += 1;
        if rounds > 10_000 {
            break;
        }
    }
}

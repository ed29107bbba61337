//! List commands: pushes, pops, ranges, positions, edits and moves (Redis 7.0's
//! `t_list.c` without the blocking variants).
//!
//! Mirrors Redis's order of checks: arguments are parsed before the key is looked up
//! (so a bad count or option wins over WRONGTYPE), except where Redis looks the key
//! up first (LINDEX, LSET). A command that empties a list deletes its key (pops,
//! LREM, LTRIM, LMOVE, LMPOP). Writes look keys up without counting keyspace hits or
//! misses, reads count them, as Redis's lookupKeyWrite/lookupKeyRead do. The data work
//! is `store::list::List`'s; this file parses, locks and replies.

use bytes::Bytes;

use super::args::{int, is};
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::notify::class::{GENERIC, LIST};
use crate::store::list::List;
use crate::store::{Entry, Object, Txn};

const fn row(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::LIST, keys, handler, subcommands: &[] }
}

/// The list family's rows (flags and key positions as Redis 7.0.15's COMMAND INFO).
pub const COMMANDS: &[Command] = &[
    row("lpush", -3, WRITE | DENYOOM | FAST, (1, 1, 1), lpush),
    row("rpush", -3, WRITE | DENYOOM | FAST, (1, 1, 1), rpush),
    row("lpushx", -3, WRITE | DENYOOM | FAST, (1, 1, 1), lpushx),
    row("rpushx", -3, WRITE | DENYOOM | FAST, (1, 1, 1), rpushx),
    row("lpop", -2, WRITE | FAST, (1, 1, 1), lpop),
    row("rpop", -2, WRITE | FAST, (1, 1, 1), rpop),
    row("llen", 2, READONLY | FAST, (1, 1, 1), llen),
    row("lrange", 4, READONLY, (1, 1, 1), lrange),
    row("lindex", 3, READONLY, (1, 1, 1), lindex),
    row("lset", 4, WRITE | DENYOOM, (1, 1, 1), lset),
    row("linsert", 5, WRITE | DENYOOM, (1, 1, 1), linsert),
    row("lrem", 4, WRITE, (1, 1, 1), lrem),
    row("ltrim", 4, WRITE, (1, 1, 1), ltrim),
    row("lpos", -3, READONLY, (1, 1, 1), lpos),
    row("lmove", 5, WRITE | DENYOOM, (1, 2, 1), lmove),
    row("rpoplpush", 3, WRITE | DENYOOM, (1, 2, 1), rpoplpush),
    row("lmpop", -4, WRITE | MOVABLEKEYS, (0, 0, 0), lmpop),
];

/// The list at `key` for a write (no hit/miss counted): Ok(None) if missing,
/// WRONGTYPE if another type.
pub(super) fn list_mut<'t>(t: &'t mut Txn, db: usize, key: &[u8]) -> Result<Option<&'t mut List>, CmdError> {
    match t.peek(db, key) {
        None => Ok(None),
        Some(entry) => match entry.object_mut() {
            Some(Object::List(l)) => Ok(Some(l)),
            _ => Err(e::WRONGTYPE.into()),
        },
    }
}

/// The list at `key` for a read (a keyspace hit or miss is counted).
fn list_read<'t>(t: &'t mut Txn, db: usize, key: &[u8]) -> Result<Option<&'t List>, CmdError> {
    match t.get(db, key) {
        None => Ok(None),
        Some(entry) => match entry.object() {
            Some(Object::List(l)) => Ok(Some(l)),
            _ => Err(e::WRONGTYPE.into()),
        },
    }
}

/// The list at `key`, created empty if missing; WRONGTYPE if another type.
pub(super) fn list_or_new<'t>(t: &'t mut Txn, db: usize, key: &[u8], lru: u32) -> Result<&'t mut List, CmdError> {
    if t.peek(db, key).is_none() {
        t.insert(db, Entry::new_object(key, Object::List(List::new()), None, lru));
    }
    list_mut(t, db, key)?.ok_or_else(|| CmdError::from(e::WRONGTYPE))
}

/// Deletes `key` if its list was emptied: no empty collection is ever stored.
pub(super) fn remove_if_empty(t: &mut Txn, db: usize, key: &[u8]) {
    if matches!(t.peek_no_touch(db, key).and_then(|e| e.object()), Some(Object::List(l)) if l.is_empty()) {
        t.remove(db, key);
    }
}

/// Publishes a list event on `key`, then `del` if that emptied (and so deleted) it.
pub(super) fn notify_list(ctx: &Ctx, event: &str, key: &[u8]) {
    if !ctx.notifying() {
        return;
    }
    ctx.notify(LIST, event, key);
    let db = ctx.client.db;
    let gone = !ctx.lock(&[key]).exists(db, key);
    if gone {
        ctx.notify(GENERIC, "del", key);
    }
}

/// Which end of a list: LEFT (the head, true) or RIGHT (the tail, false).
pub(super) fn parse_end(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "left") {
        Ok(true)
    } else if is(arg, "right") {
        Ok(false)
    } else {
        Err(e::SYNTAX.into())
    }
}

fn push_generic(ctx: &mut Ctx, a: &[Bytes], left: bool, only_existing: bool) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    let list = if only_existing {
        match list_mut(&mut t, db, &a[1])? {
            Some(l) => l,
            None => return Ok(Reply::Int(0)),
        }
    } else {
        list_or_new(&mut t, db, &a[1], lru)?
    };
    for v in &a[2..] {
        if left {
            list.push_front(v);
        } else {
            list.push_back(v);
        }
    }
    let n = list.len();
    drop(t);
    ctx.dirty((a.len() - 2) as u64);
    ctx.notify(LIST, if left { "lpush" } else { "rpush" }, &a[1]);
    Ok(Reply::Int(n as i64))
}

/// LPUSH key element [element ...] → Integer: the new length.
fn lpush(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    push_generic(ctx, a, true, false)
}

/// RPUSH key element [element ...] → Integer: the new length.
fn rpush(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    push_generic(ctx, a, false, false)
}

/// LPUSHX key element [element ...] → Integer: the new length, 0 if the key is missing.
fn lpushx(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    push_generic(ctx, a, true, true)
}

/// RPUSHX key element [element ...] → Integer: the new length, 0 if the key is missing.
fn rpushx(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    push_generic(ctx, a, false, true)
}

/// Pops up to `count` elements from one end of the list at `key` into replies, deleting
/// the key if it empties. None if the key is missing.
fn pop_into(t: &mut Txn, db: usize, key: &[u8], left: bool, count: usize) -> Result<Option<Vec<Reply>>, CmdError> {
    let Some(list) = list_mut(t, db, key)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(count.min(list.len()));
    let push = |v: &[u8]| out.push(Reply::bulk_copy(v));
    if left {
        list.drain_front(count, push);
    } else {
        list.drain_back(count, push);
    }
    remove_if_empty(t, db, key);
    Ok(Some(out))
}

fn pop_generic(ctx: &mut Ctx, a: &[Bytes], left: bool) -> CmdResult {
    if a.len() > 3 {
        return Err(e::wrong_arity(if left { "lpop" } else { "rpop" }));
    }
    let count = match a.get(2) {
        Some(arg) => Some(
            crate::numbers::parse_i64(arg)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| CmdError::from(e::MUST_BE_POSITIVE))?,
        ),
        None => None,
    };
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(popped) = pop_into(&mut t, db, &a[1], left, count.unwrap_or(1))? else {
        // Redis answers a null array when a count was given, a null bulk otherwise.
        return Ok(if count.is_some() { Reply::NilArray } else { Reply::Nil });
    };
    drop(t);
    ctx.dirty(popped.len() as u64);
    notify_list(ctx, if left { "lpop" } else { "rpop" }, &a[1]);
    Ok(match count {
        Some(_) => Reply::Array(popped),
        None => popped.into_iter().next().unwrap_or(Reply::Nil),
    })
}

/// LPOP key [count] → the head element (nil if missing), or with a count an Array of
/// up to count elements (a null array if missing).
fn lpop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    pop_generic(ctx, a, true)
}

/// RPOP key [count] → the tail element (nil if missing), or with a count an Array of
/// up to count elements (a null array if missing).
fn rpop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    pop_generic(ctx, a, false)
}

/// LLEN key → Integer: the length, 0 if missing.
fn llen(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    Ok(Reply::Int(list_read(&mut t, db, &a[1])?.map_or(0, |l| l.len() as i64)))
}

/// A Redis index (negative counts from the tail) as a position in a list of `len`.
fn index_in(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { len + index } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

/// Redis's clamping of a start..=stop range (LRANGE, LTRIM): None when it is empty.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    Some((start as usize, stop.min(len - 1) as usize))
}

/// LRANGE key start stop → Array of the elements in the inclusive range.
fn lrange(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (start, stop) = (int(&a[2])?, int(&a[3])?);
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(list) = list_read(&mut t, db, &a[1])? else {
        return Ok(Reply::Array(Vec::new()));
    };
    Ok(Reply::Array(match clamp_range(start, stop, list.len()) {
        Some((s, e)) => list.range(s, e).map(Reply::bulk_copy).collect(),
        None => Vec::new(),
    }))
}

/// LINDEX key index → the element at index, nil if missing or out of range.
fn lindex(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    // Redis looks the key up before parsing the index: a missing key answers nil
    // even for an index that is not a number.
    let Some(list) = list_read(&mut t, db, &a[1])? else {
        return Ok(Reply::Nil);
    };
    let index = int(&a[2])?;
    Ok(index_in(index, list.len()).and_then(|i| list.get(i)).map_or(Reply::Nil, Reply::bulk_copy))
}

/// LSET key index element → OK; "no such key" if missing, "index out of range".
fn lset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(list) = list_mut(&mut t, db, &a[1])? else {
        return Err(e::NO_SUCH_KEY.into());
    };
    let index = int(&a[2])?;
    let Some(i) = index_in(index, list.len()) else {
        return Err(e::INDEX_OUT_OF_RANGE.into());
    };
    list.set(i, &a[3]);
    drop(t);
    ctx.dirty(1);
    ctx.notify(LIST, "lset", &a[1]);
    Ok(Reply::Ok)
}

/// LINSERT key BEFORE|AFTER pivot element → Integer: the new length, -1 if the pivot
/// is not found, 0 if the key is missing.
fn linsert(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let after = if is(&a[2], "after") {
        true
    } else if is(&a[2], "before") {
        false
    } else {
        return Err(e::SYNTAX.into());
    };
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(list) = list_mut(&mut t, db, &a[1])? else {
        return Ok(Reply::Int(0));
    };
    if !list.insert(&a[3], &a[4], after) {
        return Ok(Reply::Int(-1));
    }
    let n = list.len();
    drop(t);
    ctx.dirty(1);
    ctx.notify(LIST, "linsert", &a[1]);
    Ok(Reply::Int(n as i64))
}

/// LREM key count element → Integer: elements removed (count > 0 from the head,
/// < 0 from the tail, 0 all).
fn lrem(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let count = int(&a[2])?;
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(list) = list_mut(&mut t, db, &a[1])? else {
        return Ok(Reply::Int(0));
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = list.remove(&a[3], limit, count < 0);
    remove_if_empty(&mut t, db, &a[1]);
    drop(t);
    ctx.dirty(removed as u64);
    if removed > 0 {
        notify_list(ctx, "lrem", &a[1]);
    }
    Ok(Reply::Int(removed as i64))
}

/// LTRIM key start stop → OK; keeps only the inclusive range (deleting the key if
/// nothing is left).
fn ltrim(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (start, stop) = (int(&a[2])?, int(&a[3])?);
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(list) = list_mut(&mut t, db, &a[1])? else {
        return Ok(Reply::Ok);
    };
    let before = list.len();
    match clamp_range(start, stop, before) {
        Some((s, e)) => list.trim(s, e),
        None => list.clear(),
    }
    let removed = before - list.len();
    remove_if_empty(&mut t, db, &a[1]);
    drop(t);
    ctx.dirty(removed as u64);
    notify_list(ctx, "ltrim", &a[1]);
    Ok(Reply::Ok)
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] → Integer index of
/// the first match (nil if none), or with COUNT an Array of indexes.
fn lpos(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0usize);
    let mut j = 3;
    while j < a.len() {
        let Some(value) = a.get(j + 1) else {
            return Err(e::SYNTAX.into());
        };
        let opt = &a[j][..];
        if is(opt, "rank") {
            rank = int(value)?;
            if rank == 0 {
                return Err(e::RANK_ZERO.into());
            }
        } else if is(opt, "count") {
            // Redis answers "can't be negative" for a count that is not a number too.
            let n = crate::numbers::parse_i64(value).and_then(|n| usize::try_from(n).ok());
            count = Some(n.ok_or_else(|| CmdError::from(e::COUNT_NEGATIVE))?);
        } else if is(opt, "maxlen") {
            let n = crate::numbers::parse_i64(value).and_then(|n| usize::try_from(n).ok());
            maxlen = n.ok_or_else(|| CmdError::from(e::MAXLEN_NEGATIVE))?;
        } else {
            return Err(e::SYNTAX.into());
        }
        j += 2;
    }
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let found = match list_read(&mut t, db, &a[1])? {
        // Without COUNT only the first match is wanted.
        Some(list) => list.positions(&a[2], rank, count.unwrap_or(1), maxlen),
        None => Vec::new(),
    };
    Ok(match count {
        Some(_) => Reply::Array(found.into_iter().map(|i| Reply::Int(i as i64)).collect()),
        None => found.first().map_or(Reply::Nil, |&i| Reply::Int(i as i64)),
    })
}

/// Pops from one end of `src` and pushes onto one end of `dst` (LMOVE, RPOPLPUSH):
/// the moved element, or nil if `src` is missing. With `src == dst` the list rotates.
fn move_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from_left: bool, to_left: bool) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[src, dst]);
    // The source's type, then the destination's, are checked before anything moves.
    if list_mut(&mut t, db, src)?.is_none() {
        return Ok(Reply::Nil);
    }
    list_mut(&mut t, db, dst)?;
    let popped = list_mut(&mut t, db, src)?.and_then(|l| if from_left { l.pop_front() } else { l.pop_back() });
    let Some(value) = popped else {
        return Ok(Reply::Nil);
    };
    if src != dst {
        remove_if_empty(&mut t, db, src);
    }
    let target = list_or_new(&mut t, db, dst, lru)?;
    if to_left {
        target.push_front(&value);
    } else {
        target.push_back(&value);
    }
    drop(t);
    ctx.dirty(1);
    ctx.notify(LIST, if to_left { "lpush" } else { "rpush" }, dst);
    notify_list(ctx, if from_left { "lpop" } else { "rpop" }, src);
    Ok(Reply::Bulk(Bytes::from(value)))
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT → the moved element, nil if the
/// source is missing.
fn lmove(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (from_left, to_left) = (parse_end(&a[3])?, parse_end(&a[4])?);
    move_generic(ctx, &a[1], &a[2], from_left, to_left)
}

/// RPOPLPUSH source destination → the moved element, nil if the source is missing.
fn rpoplpush(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    move_generic(ctx, &a[1], &a[2], false, true)
}

/// The tail of LMPOP and BLMPOP from `a[at]` on: `numkeys key [key ...] LEFT|RIGHT
/// [COUNT count]` → (the keys, pop from the left?, count).
pub(super) fn parse_mpop(a: &[Bytes], at: usize) -> Result<(&[Bytes], bool, usize), CmdError> {
    let numkeys = int(&a[at]).ok().filter(|n| *n > 0).ok_or_else(|| CmdError::from(e::NUMKEYS_POSITIVE))?;
    // The keys, then LEFT|RIGHT after them.
    if numkeys > (a.len() - at - 2) as i64 {
        return Err(e::SYNTAX.into());
    }
    let numkeys = numkeys as usize;
    let keys = &a[at + 1..at + 1 + numkeys];
    let left = parse_end(&a[at + 1 + numkeys])?;
    let mut count = None;
    let mut j = at + 2 + numkeys;
    while j < a.len() {
        match a.get(j + 1) {
            Some(value) if is(&a[j], "count") && count.is_none() => {
                let n = int(value).ok().filter(|n| *n > 0).ok_or_else(|| CmdError::from(e::COUNT_POSITIVE))?;
                count = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            _ => return Err(e::SYNTAX.into()),
        }
        j += 2;
    }
    Ok((keys, left, count.unwrap_or(1)))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] → Array [key, Array of
/// elements] from the first non-empty list, or a null array if every key is missing.
fn lmpop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (keys, left, count) = parse_mpop(a, 1)?;
    let db = ctx.client.db;
    let locked: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&locked);
    for key in keys {
        if let Some(popped) = pop_into(&mut t, db, key, left, count)? {
            drop(t);
            ctx.dirty(popped.len() as u64);
            notify_list(ctx, if left { "lpop" } else { "rpop" }, key);
            return Ok(Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Array(popped)]));
        }
    }
    Ok(Reply::NilArray)
}

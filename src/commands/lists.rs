//! List commands (the subset the gateway's backup and restore scripts use; the rest of
//! Redis 7.0's list family arrives with the collections issue).

use crate::store::list::List;

use bytes::Bytes;

use super::args::int;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::store::{Entry, Object};

const fn row(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::LIST, keys: (1, 1, 1), handler, subcommands: &[] }
}

/// The list family's rows.
pub const COMMANDS: &[Command] = &[
    row("lpush", -3, WRITE | DENYOOM | FAST, lpush),
    row("rpush", -3, WRITE | DENYOOM | FAST, rpush),
    row("llen", 2, READONLY | FAST, llen),
    row("lrange", 4, READONLY, lrange),
];

fn push(ctx: &mut Ctx, a: &[Bytes], left: bool) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    if t.peek(db, &a[1]).is_none() {
        t.insert(db, Entry::new_object(&a[1], Object::List(List::new()), None, lru));
    }
    let Some(Object::List(list)) = t.peek(db, &a[1]).and_then(|e| e.object_mut()) else {
        return Err(e::WRONGTYPE.into());
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
    Ok(Reply::Int(n as i64))
}

/// LPUSH key element [element ...] → Integer: the new length.
fn lpush(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    push(ctx, a, true)
}

/// RPUSH key element [element ...] → Integer: the new length.
fn rpush(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    push(ctx, a, false)
}

/// The list at `key`: Ok(None) if missing, WRONGTYPE if another type.
fn with_list<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&List) -> R) -> Result<Option<R>, CmdError> {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[key]);
    match t.get(db, key) {
        None => Ok(None),
        Some(entry) => match entry.object() {
            Some(Object::List(l)) => Ok(Some(f(l))),
            _ => Err(e::WRONGTYPE.into()),
        },
    }
}

/// LLEN key → Integer: the length, 0 if missing.
fn llen(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(with_list(ctx, &a[1], |l| l.len() as i64)?.unwrap_or(0)))
}

/// LRANGE key start stop → Array of the elements in the inclusive range.
fn lrange(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (start, stop) = (int(&a[2])?, int(&a[3])?);
    let items = with_list(ctx, &a[1], |l| {
        let len = l.len() as i64;
        let s = if start < 0 { (len + start).max(0) } else { start };
        let e = if stop < 0 { len + stop } else { stop.min(len - 1) };
        if s > e || s >= len {
            return Vec::new();
        }
        l.range(s as usize, e as usize).map(Reply::bulk).collect()
    })?;
    Ok(Reply::Array(items.unwrap_or_default()))
}

//! Hash commands (the subset the gateway's scripts use: HSET, HGET, HGETALL, HDEL, HLEN;
//! the rest of Redis 7.0's hash family arrives with the collections issue).

use bytes::Bytes;

use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::store::{Entry, Object};

const fn row(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::HASH, keys: (1, 1, 1), handler, subcommands: &[] }
}

/// The hash family's rows.
pub const COMMANDS: &[Command] = &[
    row("hset", -4, WRITE | DENYOOM | FAST, hset),
    row("hget", 3, READONLY | FAST, hget),
    row("hgetall", 2, READONLY, hgetall),
    row("hdel", -3, WRITE | FAST, hdel),
    row("hlen", 2, READONLY | FAST, hlen),
];

/// HSET key field value [field value ...] → Integer: fields added.
fn hset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if !a.len().is_multiple_of(2) {
        return Err(e::wrong_arity("hset"));
    }
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    if t.peek(db, &a[1]).is_none() {
        t.insert(db, Entry::new_object(&a[1], Object::Hash(Hash::new()), None, lru));
    }
    let Some(Object::Hash(h)) = t.peek(db, &a[1]).and_then(|e| e.object_mut()) else {
        return Err(e::WRONGTYPE.into());
    };
    let added = a[2..].chunks(2).filter(|p| h.insert(&p[0], &p[1])).count();
    drop(t);
    ctx.dirty(((a.len() - 2) / 2) as u64);
    Ok(Reply::Int(added as i64))
}

use crate::store::hash::Hash;

fn with_hash<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&Hash) -> R) -> Result<Option<R>, CmdError> {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[key]);
    match t.get(db, key) {
        None => Ok(None),
        Some(entry) => match entry.object() {
            Some(Object::Hash(h)) => Ok(Some(f(h))),
            _ => Err(e::WRONGTYPE.into()),
        },
    }
}

/// HGET key field → Bulk string: the value, or nil.
fn hget(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(with_hash(ctx, &a[1], |h| h.get(&a[2][..]).map(Reply::bulk))?.flatten().unwrap_or(Reply::Nil))
}

/// HGETALL key → Map of fields to values.
fn hgetall(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let pairs = with_hash(ctx, &a[1], |h| h.iter().map(|(k, v)| (Reply::bulk(k), Reply::bulk(v))).collect())?;
    Ok(Reply::Map(pairs.unwrap_or_default()))
}

/// HLEN key → Integer: the number of fields.
fn hlen(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(with_hash(ctx, &a[1], |h| h.len() as i64)?.unwrap_or(0)))
}

/// HDEL key field [field ...] → Integer: fields removed. An emptied hash is deleted.
fn hdel(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(entry) = t.peek(db, &a[1]) else {
        return Ok(Reply::Int(0));
    };
    let Some(Object::Hash(h)) = entry.object_mut() else {
        return Err(e::WRONGTYPE.into());
    };
    let removed = a[2..].iter().filter(|f| h.remove(&f[..])).count();
    if h.is_empty() {
        t.remove(db, &a[1]);
    }
    drop(t);
    ctx.dirty(removed as u64);
    Ok(Reply::Int(removed as i64))
}

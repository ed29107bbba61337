//! Set commands (the subset the gateway uses: SADD, SREM, SMEMBERS, SISMEMBER, SCARD; the
//! rest of Redis 7.0's set family arrives with the collections issue).

use bytes::Bytes;

use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::store::{Entry, Object};

const fn row(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::SET, keys: (1, 1, 1), handler, subcommands: &[] }
}

/// The set family's rows.
pub const COMMANDS: &[Command] = &[
    row("sadd", -3, WRITE | DENYOOM | FAST, sadd),
    row("srem", -3, WRITE | FAST, srem),
    row("smembers", 2, READONLY, smembers),
    row("sismember", 3, READONLY | FAST, sismember),
    row("scard", 2, READONLY | FAST, scard),
];

/// SADD key member [member ...] → Integer: members added.
fn sadd(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    if t.peek(db, &a[1]).is_none() {
        t.insert(db, Entry::new_object(&a[1], Object::Set(crate::store::set::Set::new()), None, lru));
    }
    let Some(Object::Set(set)) = t.peek(db, &a[1]).and_then(|e| e.object_mut()) else {
        return Err(e::WRONGTYPE.into());
    };
    let added = a[2..].iter().filter(|m| set.insert(m)).count();
    drop(t);
    ctx.dirty(added as u64);
    Ok(Reply::Int(added as i64))
}

/// SREM key member [member ...] → Integer: members removed. An emptied set is deleted.
fn srem(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(entry) = t.peek(db, &a[1]) else {
        return Ok(Reply::Int(0));
    };
    let Some(Object::Set(set)) = entry.object_mut() else {
        return Err(e::WRONGTYPE.into());
    };
    let removed = a[2..].iter().filter(|m| set.remove(&m[..])).count();
    if set.is_empty() {
        t.remove(db, &a[1]);
    }
    drop(t);
    ctx.dirty(removed as u64);
    Ok(Reply::Int(removed as i64))
}

fn with_set<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&crate::store::set::Set) -> R) -> Result<Option<R>, CmdError> {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[key]);
    match t.get(db, key) {
        None => Ok(None),
        Some(entry) => match entry.object() {
            Some(Object::Set(s)) => Ok(Some(f(s))),
            _ => Err(e::WRONGTYPE.into()),
        },
    }
}

/// SMEMBERS key → Set of all members.
fn smembers(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let members = with_set(ctx, &a[1], |s| s.iter().map(Reply::bulk).collect())?;
    Ok(Reply::Set(members.unwrap_or_default()))
}

/// SISMEMBER key member → Integer: 1 if a member.
fn sismember(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(with_set(ctx, &a[1], |s| i64::from(s.contains(&a[2][..])))?.unwrap_or(0)))
}

/// SCARD key → Integer: the number of members.
fn scard(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(with_set(ctx, &a[1], |s| s.len() as i64)?.unwrap_or(0)))
}

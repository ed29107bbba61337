//! Hash commands: all of Redis 7.0's hash family (`t_hash.c`).
//!
//! Owns parsing, the order of checks and the replies; the encodings (listpack, then
//! hashtable at `hash-max-listpack-*`) are `store::hash`'s. Mirrors Redis's order of
//! checks: argument errors that Redis finds before the lookup (HSET's odd arguments,
//! HINCRBY's increment, HRANDFIELD's count, HSCAN's cursor) win over WRONGTYPE; HSCAN's
//! options are read after it. Reads count keyspace hits and misses, writes do not
//! (Redis's `lookupKeyRead` / `lookupKeyWrite`). A hash emptied by HDEL is deleted
//! (invariant 9).

use bytes::Bytes;

use super::args::{int, is};
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::notify::class::{GENERIC, HASH};
use crate::store::hash::{Hash, Limits};
use crate::store::{Entry, Object};

const fn row(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::HASH, keys: (1, 1, 1), handler, subcommands: &[] }
}

/// The hash family's rows (arity, flags and keys as `COMMAND INFO` on Redis 7.0.15).
pub const COMMANDS: &[Command] = &[
    row("hset", -4, WRITE | DENYOOM | FAST, hset),
    row("hsetnx", 4, WRITE | DENYOOM | FAST, hsetnx),
    row("hget", 3, READONLY | FAST, hget),
    row("hmget", -3, READONLY | FAST, hmget),
    row("hmset", -4, WRITE | DENYOOM | FAST, hmset),
    row("hdel", -3, WRITE | FAST, hdel),
    row("hlen", 2, READONLY | FAST, hlen),
    row("hstrlen", 3, READONLY | FAST, hstrlen),
    row("hexists", 3, READONLY | FAST, hexists),
    row("hkeys", 2, READONLY, hkeys),
    row("hvals", 2, READONLY, hvals),
    row("hgetall", 2, READONLY, hgetall),
    row("hincrby", 4, WRITE | DENYOOM | FAST, hincrby),
    row("hincrbyfloat", 4, WRITE | DENYOOM | FAST, hincrbyfloat),
    row("hrandfield", -2, READONLY, hrandfield),
    row("hscan", -3, READONLY, hscan),
];

/// The listpack limits in force for this command.
fn limits(ctx: &Ctx) -> Limits {
    Limits::new(ctx.config.hash_max_listpack_entries, ctx.config.hash_max_listpack_value)
}

/// Runs `f` on the hash at `key` for reading: Ok(None) if the key is missing,
/// WRONGTYPE if it holds another type. Counts a keyspace hit or miss.
fn read_hash<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&Hash) -> R) -> Result<Option<R>, CmdError> {
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

/// Runs `f` on the hash at `key` for writing, starting from an empty hash when the key
/// is missing (Redis's `hashTypeLookupWriteOrCreate`). The key is stored only if the
/// hash ends up non-empty, and deleted if `f` empties it: no empty hash is ever kept.
fn write_hash<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&mut Hash) -> Result<R, CmdError>) -> Result<R, CmdError> {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[key]);
    match t.peek(db, key) {
        Some(entry) => {
            let Some(Object::Hash(h)) = entry.object_mut() else {
                return Err(e::WRONGTYPE.into());
            };
            let result = f(h);
            if h.is_empty() {
                t.remove(db, key);
            }
            result
        }
        None => {
            let mut h = Hash::new();
            let result = f(&mut h);
            if !h.is_empty() {
                t.insert(db, Entry::new_object(key, Object::Hash(h), None, lru));
            }
            result
        }
    }
}

/// HSET and HMSET: sets every pair; returns how many fields were new.
fn set_pairs(ctx: &mut Ctx, a: &[Bytes], name: &str) -> Result<i64, CmdError> {
    if a.len() % 2 == 1 {
        return Err(e::wrong_arity(name));
    }
    let limits = limits(ctx);
    let added = write_hash(ctx, &a[1], |h| {
        let args: Vec<&[u8]> = a[2..].iter().map(|b| &b[..]).collect();
        h.prepare_for(&args, limits);
        Ok(a[2..].chunks(2).filter(|p| h.insert(&p[0], &p[1], limits)).count())
    })?;
    ctx.dirty(((a.len() - 2) / 2) as u64);
    ctx.notify(HASH, "hset", &a[1]);
    Ok(added as i64)
}

/// HSET key field value [field value ...] → Integer: how many fields were added.
fn hset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(set_pairs(ctx, a, "hset")?))
}

/// HMSET key field value [field value ...] → OK (HSET's older form).
fn hmset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_pairs(ctx, a, "hmset")?;
    Ok(Reply::Ok)
}

/// HSETNX key field value → Integer: 1 if the field was set, 0 if it existed.
fn hsetnx(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let limits = limits(ctx);
    let set = write_hash(ctx, &a[1], |h| Ok(!h.contains(&a[2]) && h.insert(&a[2], &a[3], limits)))?;
    if set {
        ctx.dirty(1);
        ctx.notify(HASH, "hset", &a[1]);
    }
    Ok(Reply::Int(i64::from(set)))
}

/// HGET key field → Bulk string: the value, or nil.
fn hget(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let value = read_hash(ctx, &a[1], |h| h.get(&a[2]).map(Reply::bulk_copy))?.flatten();
    Ok(value.unwrap_or(Reply::Nil))
}

/// HMGET key field [field ...] → Array: each field's value, or nil.
fn hmget(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let fields = &a[2..];
    let values = read_hash(ctx, &a[1], |h| {
        fields.iter().map(|f| h.get(f).map_or(Reply::Nil, Reply::bulk_copy)).collect::<Vec<_>>()
    })?;
    Ok(Reply::Array(values.unwrap_or_else(|| fields.iter().map(|_| Reply::Nil).collect())))
}

/// HDEL key field [field ...] → Integer: how many fields were removed. An emptied
/// hash is deleted.
fn hdel(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let removed = write_hash(ctx, &a[1], |h| Ok(a[2..].iter().filter(|f| h.remove(f)).count()))?;
    ctx.dirty(removed as u64);
    if removed > 0 && ctx.notifying() {
        ctx.notify(HASH, "hdel", &a[1]);
        let db = ctx.client.db;
        if !ctx.lock(&[&a[1]]).exists(db, &a[1]) {
            ctx.notify(GENERIC, "del", &a[1]);
        }
    }
    Ok(Reply::Int(removed as i64))
}

/// HLEN key → Integer: the number of fields (0 for a missing key).
fn hlen(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(read_hash(ctx, &a[1], |h| h.len() as i64)?.unwrap_or(0)))
}

/// HSTRLEN key field → Integer: the value's length (0 if the field or key is missing).
fn hstrlen(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let len = read_hash(ctx, &a[1], |h| h.get(&a[2]).map_or(0, |v| v.len() as i64))?;
    Ok(Reply::Int(len.unwrap_or(0)))
}

/// HEXISTS key field → Integer: 1 if the field exists, else 0.
fn hexists(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(read_hash(ctx, &a[1], |h| i64::from(h.contains(&a[2])))?.unwrap_or(0)))
}

/// HKEYS key → Array of fields.
fn hkeys(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let keys = read_hash(ctx, &a[1], |h| h.iter().map(|(f, _)| Reply::bulk_copy(f)).collect())?;
    Ok(Reply::Array(keys.unwrap_or_default()))
}

/// HVALS key → Array of values.
fn hvals(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let values = read_hash(ctx, &a[1], |h| h.iter().map(|(_, v)| Reply::bulk_copy(v)).collect())?;
    Ok(Reply::Array(values.unwrap_or_default()))
}

/// HGETALL key → Map of fields to values (a flat array in RESP2).
fn hgetall(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let pairs = read_hash(ctx, &a[1], |h| h.iter().map(|(f, v)| (Reply::bulk_copy(f), Reply::bulk_copy(v))).collect())?;
    Ok(Reply::Map(pairs.unwrap_or_default()))
}

/// HINCRBY key field increment → Integer: the new value. A missing field counts as 0.
fn hincrby(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let incr = int(&a[3])?;
    let limits = limits(ctx);
    let value = write_hash(ctx, &a[1], |h| {
        let current = match h.get(&a[2]) {
            Some(v) => crate::numbers::parse_i64(v).ok_or(CmdError::from(e::HASH_NOT_INTEGER))?,
            None => 0,
        };
        let value = current.checked_add(incr).ok_or(CmdError::from(e::OVERFLOW))?;
        h.insert(&a[2], itoa::Buffer::new().format(value).as_bytes(), limits);
        Ok(value)
    })?;
    ctx.dirty(1);
    ctx.notify(HASH, "hincrby", &a[1]);
    Ok(Reply::Int(value))
}

/// HINCRBYFLOAT key field increment → Bulk string: the new value, in long double
/// precision and INCRBYFLOAT's format. A missing field counts as 0.
fn hincrbyfloat(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    use crate::numbers::{long_double_add, LongDoubleError};
    // Redis checks the increment itself first: not a float, then infinite.
    match long_double_add(None, &a[3]) {
        Err(LongDoubleError::NanOrInfinity) => return Err(e::NAN_OR_INFINITY.into()),
        Err(_) => return Err(e::NOT_FLOAT.into()),
        Ok(_) => {}
    }
    let limits = limits(ctx);
    let value = write_hash(ctx, &a[1], |h| {
        let value = long_double_add(h.get(&a[2]), &a[3]).map_err(|err| match err {
            LongDoubleError::NanOrInfinity => CmdError::from(e::INCR_NAN_INF),
            _ => CmdError::from(e::HASH_NOT_FLOAT),
        })?;
        h.insert(&a[2], &value, limits);
        Ok(value)
    })?;
    ctx.dirty(1);
    ctx.notify(HASH, "hincrbyfloat", &a[1]);
    Ok(Reply::Bulk(Bytes::from(value)))
}

/// HRANDFIELD key [count [WITHVALUES]] → without count: a random field, or nil. With
/// count: an Array of up to `count` distinct fields (all of them, in hash order, when
/// `count` ≥ HLEN), or of exactly `-count` fields that may repeat when negative.
/// WITHVALUES interleaves values (RESP2) or returns [field, value] pairs (RESP3).
fn hrandfield(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() == 2 {
        let field =
            read_hash(ctx, &a[1], |h| h.random_pairs(1, &mut rand::rng()).first().map(|(f, _)| Reply::bulk_copy(f)))?;
        return Ok(field.flatten().unwrap_or(Reply::Nil));
    }
    let with_values = match a.get(3) {
        None => false,
        Some(opt) if a.len() == 4 && is(opt, "withvalues") => true,
        Some(_) => return Err(e::SYNTAX.into()),
    };
    let count = int(&a[2])?;
    if count == i64::MIN {
        return Err(e::COUNT_RANGE.into());
    }
    // Redis refuses counts whose doubled reply length would overflow.
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(e::OUT_OF_RANGE.into());
    }
    let resp3 = ctx.client.resp >= 3;
    let reply = read_hash(ctx, &a[1], |h| {
        let mut rng = rand::rng();
        let n = count.unsigned_abs() as usize;
        // Redis samples with repetition for a negative count, and also for a count of 1.
        let pairs = if count < 0 || count == 1 { h.random_pairs(n, &mut rng) } else { h.random_distinct(n, &mut rng) };
        let mut out = Vec::with_capacity(pairs.len() * if with_values && !resp3 { 2 } else { 1 });
        for (f, v) in pairs {
            match (with_values, resp3) {
                (false, _) => out.push(Reply::bulk_copy(f)),
                (true, false) => {
                    out.push(Reply::bulk_copy(f));
                    out.push(Reply::bulk_copy(v));
                }
                (true, true) => out.push(Reply::Array(vec![Reply::bulk_copy(f), Reply::bulk_copy(v)])),
            }
        }
        Reply::Array(out)
    })?;
    Ok(reply.unwrap_or(Reply::Array(Vec::new())))
}

use super::keys::parse_cursor;

/// HSCAN's MATCH and COUNT: (count, pattern; None for no filter or "*").
fn scan_options(a: &[Bytes]) -> Result<(usize, Option<&[u8]>), CmdError> {
    let o = super::keys::scan_options(a, 3, false)?;
    Ok((o.count, o.pattern))
}

/// HSCAN key cursor [MATCH pattern] [COUNT count] → [next cursor, [field, value, ...]].
/// A listpack-encoded hash is returned whole with cursor 0, as Redis does.
fn hscan(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&a[2]).ok_or(CmdError::from(e::INVALID_CURSOR))?;
    // Redis reads the options after the key lookup: a missing key or another type
    // answers first.
    let options = scan_options(a);
    let reply = read_hash(ctx, &a[1], |h| {
        let (count, pattern) = options?;
        let mut items = Vec::new();
        let next = h.scan(cursor, count, |f, v| {
            if pattern.is_none_or(|p| crate::glob::glob_match(p, f, false)) {
                items.push(Reply::bulk_copy(f));
                items.push(Reply::bulk_copy(v));
            }
        });
        Ok::<_, CmdError>(Reply::Array(vec![Reply::bulk_string(next.to_string()), Reply::Array(items)]))
    })?;
    match reply {
        Some(reply) => reply,
        None => Ok(Reply::Array(vec![Reply::bulk_static("0"), Reply::Array(Vec::new())])),
    }
}

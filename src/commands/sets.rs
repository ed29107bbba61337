//! Set commands: all of Redis 7.0's set family.
//!
//! Mirrors Redis 7.0's `t_set.c`: argument errors come before the key lookup, except
//! where Redis looks the key up first (SSCAN's options are read only for an existing
//! set); multi-key commands check every key's type before doing anything; a set emptied
//! by SREM, SPOP or SMOVE, or an empty *STORE result, deletes its key (invariant 9).
//!
//! The member work (intersection, union, difference, random picks) is done on
//! [`Set`]s with no store access (the `op_*` functions); the handlers parse, lock,
//! look up and reply. Multi-key commands lift their sets out of the keyspace while they
//! hold every key's shard lock ([`Taken`]) so the operation can read all of them at once,
//! and put them back before replying.

use std::collections::HashMap;

use bytes::Bytes;

use super::args::{int, is};
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::notify::class::{GENERIC, SET};
use crate::store::set::{Member, Set};
use crate::store::{Entry, Object, Txn};

/// Most members one SRANDMEMBER with a negative count returns. Redis 7.0 accepts any
/// count down to -LONG_MAX and streams the reply until memory runs out; we build the
/// reply first, so a bound keeps one request from aborting the server.
const MAX_RANDOM_REPEATS: u64 = 1 << 24;

const fn row(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::SET, keys, handler, subcommands: &[] }
}

/// The set family's rows.
pub const COMMANDS: &[Command] = &[
    row("sadd", -3, WRITE | DENYOOM | FAST, (1, 1, 1), sadd),
    row("srem", -3, WRITE | FAST, (1, 1, 1), srem),
    row("smembers", 2, READONLY, (1, 1, 1), smembers),
    row("sismember", 3, READONLY | FAST, (1, 1, 1), sismember),
    row("smismember", -3, READONLY | FAST, (1, 1, 1), smismember),
    row("scard", 2, READONLY | FAST, (1, 1, 1), scard),
    row("spop", -2, WRITE | FAST, (1, 1, 1), spop),
    row("srandmember", -2, READONLY, (1, 1, 1), srandmember),
    row("smove", 4, WRITE | FAST, (1, 2, 1), smove),
    row("sinter", -2, READONLY, (1, -1, 1), sinter),
    row("sintercard", -3, READONLY | MOVABLEKEYS, (0, 0, 0), sintercard),
    row("sinterstore", -3, WRITE | DENYOOM, (1, -1, 1), sinterstore),
    row("sunion", -2, READONLY, (1, -1, 1), sunion),
    row("sunionstore", -3, WRITE | DENYOOM, (1, -1, 1), sunionstore),
    row("sdiff", -2, READONLY, (1, -1, 1), sdiff),
    row("sdiffstore", -3, WRITE | DENYOOM, (1, -1, 1), sdiffstore),
    row("sscan", -3, READONLY, (1, 1, 1), sscan),
];

/// The set at `key`: Ok(None) if missing, WRONGTYPE if another type. `read` lookups
/// count a keyspace hit or miss (Redis's lookupKeyRead); write lookups do not.
fn lookup<'t>(t: &'t mut Txn, db: usize, key: &[u8], read: bool) -> Result<Option<&'t mut Set>, CmdError> {
    let entry = if read { t.get(db, key) } else { t.peek(db, key) };
    match entry {
        None => Ok(None),
        Some(entry) => match entry.object_mut() {
            Some(Object::Set(s)) => Ok(Some(s)),
            _ => Err(e::WRONGTYPE.into()),
        },
    }
}

/// A member as a bulk string.
fn bulk(m: Member) -> Reply {
    m.with_bytes(Reply::bulk_copy)
}

/// An owned member as a bulk string, without copying long ones.
fn bulk_owned(v: Vec<u8>) -> Reply {
    if v.len() <= crate::protocol::reply::SHORT_BULK {
        Reply::bulk_copy(&v)
    } else {
        Reply::Bulk(Bytes::from(v))
    }
}

/// `set-max-intset-entries` as a member count.
fn max_intset(ctx: &Ctx) -> usize {
    usize::try_from(ctx.config.set_max_intset_entries).unwrap_or(usize::MAX)
}

/// Stores `set` at `dst`, replacing any value and its TTL, or deletes `dst` when the set
/// is empty (Redis never stores an empty collection). Returns the stored cardinality.
fn store(t: &mut Txn, db: usize, dst: &[u8], set: Set, lru: u32) -> usize {
    let n = set.len();
    if n == 0 {
        t.remove(db, dst);
    } else {
        t.insert(db, Entry::new_object(dst, Object::Set(set), None, lru));
    }
    n
}

/// SADD key member [member ...] → Integer: members added.
fn sadd(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (db, max) = (ctx.client.db, max_intset(ctx));
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    let add = |set: &mut Set| a[2..].iter().filter(|m| set.insert(m, max)).count();
    let added = match lookup(&mut t, db, &a[1], false)? {
        Some(set) => add(set),
        None => {
            let mut set = Set::new();
            let added = add(&mut set);
            store(&mut t, db, &a[1], set, lru);
            added
        }
    };
    drop(t);
    ctx.dirty(added as u64);
    if added > 0 {
        ctx.notify(SET, "sadd", &a[1]);
    }
    Ok(Reply::Int(added as i64))
}

/// SREM key member [member ...] → Integer: members removed. An emptied set is deleted.
fn srem(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(set) = lookup(&mut t, db, &a[1], false)? else {
        return Ok(Reply::Int(0));
    };
    let removed = a[2..].iter().filter(|m| set.remove(m)).count();
    let emptied = set.is_empty();
    if emptied {
        t.remove(db, &a[1]);
    }
    drop(t);
    ctx.dirty(removed as u64);
    if removed > 0 {
        ctx.notify(SET, "srem", &a[1]);
        if emptied {
            ctx.notify(GENERIC, "del", &a[1]);
        }
    }
    Ok(Reply::Int(removed as i64))
}

/// Runs `f` on the set at `key` (read lookup); `None` when the key is missing.
fn with_set<R>(ctx: &Ctx, key: &[u8], f: impl FnOnce(&Set) -> R) -> Result<Option<R>, CmdError> {
    let mut t = ctx.lock(&[key]);
    Ok(lookup(&mut t, ctx.client.db, key, true)?.map(|s| f(s)))
}

/// SMEMBERS key → Set of all members (ascending for an intset, as Redis).
fn smembers(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let members = with_set(ctx, &a[1], |s| s.iter().map(bulk).collect())?;
    Ok(Reply::Set(members.unwrap_or_default()))
}

/// SISMEMBER key member → Integer: 1 if a member, else 0.
fn sismember(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(with_set(ctx, &a[1], |s| i64::from(s.contains(&a[2])))?.unwrap_or(0)))
}

/// SMISMEMBER key member [member ...] → Array of integers: 1 or 0 per member.
fn smismember(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let found = with_set(ctx, &a[1], |s| a[2..].iter().map(|m| Reply::Int(i64::from(s.contains(m)))).collect())?;
    Ok(Reply::Array(found.unwrap_or_else(|| vec![Reply::Int(0); a.len() - 2])))
}

/// SCARD key → Integer: the number of members.
fn scard(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(with_set(ctx, &a[1], |s| s.len() as i64)?.unwrap_or(0)))
}

/// SPOP key [count] → Bulk string (nil if missing) without count; with count, a Set
/// of up to count distinct members (the whole set, in its order, when count ≥ size).
fn spop(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() > 3 {
        return Err(e::SYNTAX.into());
    }
    // Redis reads the count before the key: a bad count wins over WRONGTYPE.
    let count = match a.get(2) {
        Some(arg) => match crate::numbers::parse_i64(arg) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return Err(e::MUST_BE_POSITIVE.into()),
        },
        None => None,
    };
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(set) = lookup(&mut t, db, &a[1], false)? else {
        return Ok(if count.is_some() { Reply::Set(Vec::new()) } else { Reply::Nil });
    };
    let mut rng = rand::rng();
    let whole = count.is_some_and(|n| n >= set.len());
    let reply = match count {
        None => set.pop_random(&mut rng).map_or(Reply::Nil, bulk_owned),
        Some(0) => return Ok(Reply::Set(Vec::new())),
        // Everything goes: reply in the set's own order, then delete the key.
        Some(_) if whole => Reply::Set(set.iter().map(bulk).collect()),
        Some(n) => Reply::Set(set.pop_many(n, &mut rng).into_iter().map(bulk_owned).collect()),
    };
    let popped = match &reply {
        Reply::Set(v) => v.len() as u64,
        _ => 1,
    };
    let emptied = whole || set.is_empty();
    if emptied {
        t.remove(db, &a[1]);
    }
    drop(t);
    ctx.dirty(popped);
    if popped > 0 {
        ctx.notify(SET, "spop", &a[1]);
        if emptied {
            ctx.notify(GENERIC, "del", &a[1]);
        }
    }
    Ok(reply)
}

/// SRANDMEMBER key [count] → Bulk string (nil if missing) without count; with count,
/// an Array: count > 0 gives distinct members (the whole set when count ≥ size),
/// count < 0 gives |count| members drawn independently (repeats allowed).
fn srandmember(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() > 3 {
        return Err(e::SYNTAX.into());
    }
    let count = match a.get(2) {
        Some(arg) => Some(match int(arg)? {
            i64::MIN => return Err(e::COUNT_RANGE.into()),
            n => n,
        }),
        None => None,
    };
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(set) = lookup(&mut t, db, &a[1], true)? else {
        return Ok(if count.is_some() { Reply::Array(Vec::new()) } else { Reply::Nil });
    };
    let mut rng = rand::rng();
    Ok(match count {
        None => set.random(&mut rng).map_or(Reply::Nil, bulk),
        Some(n) if n >= 0 => Reply::Array(set.random_distinct(n as usize, &mut rng).into_iter().map(bulk).collect()),
        Some(n) if n.unsigned_abs() > MAX_RANDOM_REPEATS => return Err(e::RANDMEMBER_REPEATS_RANGE.into()),
        Some(n) => {
            let picks = set.random_with_repeats(n.unsigned_abs() as usize, &mut rng);
            Reply::Array(picks.into_iter().map(bulk).collect())
        }
    })
}

/// SMOVE source destination member → Integer: 1 if moved (or, with source equal to
/// destination, if a member), 0 if not. A missing source answers 0 before the
/// destination's type is checked, as Redis.
fn smove(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (db, max) = (ctx.client.db, max_intset(ctx));
    let lru = ctx.shared.store.new_clock(ctx.now);
    let (src, dst, member) = (&a[1][..], &a[2][..], &a[3][..]);
    let mut t = ctx.lock(&[src, dst]);
    if lookup(&mut t, db, src, false)?.is_none() {
        return Ok(Reply::Int(0));
    }
    lookup(&mut t, db, dst, false)?;
    let Some(src_set) = lookup(&mut t, db, src, false)? else {
        return Ok(Reply::Int(0));
    };
    if src == dst {
        return Ok(Reply::Int(i64::from(src_set.contains(member))));
    }
    if !src_set.remove(member) {
        return Ok(Reply::Int(0));
    }
    let emptied = src_set.is_empty();
    if emptied {
        t.remove(db, src);
    }
    let mut changes = 1;
    match lookup(&mut t, db, dst, false)? {
        Some(dst_set) => changes += u64::from(dst_set.insert(member, max)),
        None => {
            let mut set = Set::new();
            set.insert(member, max);
            store(&mut t, db, dst, set, lru);
            changes += 1;
        }
    }
    drop(t);
    ctx.dirty(changes);
    ctx.notify(SET, "srem", src);
    if emptied {
        ctx.notify(GENERIC, "del", src);
    }
    ctx.notify(SET, "sadd", dst);
    Ok(Reply::Int(1))
}

/// The sets of a multi-key command, lifted out of their entries while the command holds
/// every key's lock, so one operation can read them all at once. Each distinct key is
/// lifted once (`SINTER a a` reads one set twice); [`Taken::put_back`] must run before
/// the locks are released, and before any result is stored.
struct Taken<'k> {
    /// Each distinct key, with its set if the key exists.
    keys: Vec<(&'k [u8], Option<Set>)>,
    /// For each argument, its index in `keys`.
    slots: Vec<usize>,
}

impl<'k> Taken<'k> {
    /// Checks every key (in argument order) is a set or missing, then lifts the sets.
    /// `read` counts keyspace hits and misses per argument, as lookupKeyRead does.
    fn lift(t: &mut Txn, db: usize, args: &'k [Bytes], read: bool) -> Result<Taken<'k>, CmdError> {
        for key in args {
            lookup(t, db, key, read)?;
        }
        let mut taken = Taken { keys: Vec::new(), slots: Vec::with_capacity(args.len()) };
        let mut index: HashMap<&[u8], usize, foldhash::fast::FixedState> = HashMap::default();
        for key in args {
            let slot = *index.entry(&key[..]).or_insert_with(|| {
                // Every type was checked above, under the same locks: this cannot fail.
                let set = lookup(t, db, key, false).ok().flatten().map(std::mem::take);
                taken.keys.push((key, set));
                taken.keys.len() - 1
            });
            taken.slots.push(slot);
        }
        Ok(taken)
    }

    /// The set of each argument (`None`: missing), and each argument's key index.
    fn sets(&self) -> Vec<(usize, Option<&Set>)> {
        self.slots.iter().map(|&i| (i, self.keys[i].1.as_ref())).collect()
    }

    /// Returns every lifted set to its entry.
    fn put_back(self, t: &mut Txn, db: usize) {
        for (key, set) in self.keys {
            if let (Some(set), Ok(Some(slot))) = (set, lookup(t, db, key, false)) {
                *slot = set;
            }
        }
    }
}

/// The intersection, in the order of the smallest set (Redis walks the smallest set and
/// probes the others), stopping after `limit` members when `limit > 0`. Empty if any
/// set is missing.
fn op_inter<'s>(sets: &[(usize, Option<&'s Set>)], limit: usize) -> Vec<Member<'s>> {
    let Some(mut sets) = sets.iter().map(|(_, s)| *s).collect::<Option<Vec<&Set>>>() else {
        return Vec::new();
    };
    sets.sort_by_key(|s| s.len());
    let Some((first, rest)) = sets.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in first.iter() {
        if rest.iter().all(|s| s.contains_member(m)) {
            out.push(m);
            if out.len() == limit {
                break;
            }
        }
    }
    out
}

/// The union, built as Redis builds it: a new set (intset while it can be) receiving
/// every member in argument order.
fn op_union(sets: &[(usize, Option<&Set>)], max: usize) -> Set {
    let mut out = Set::new();
    for s in sets.iter().filter_map(|(_, s)| *s) {
        for m in s.iter() {
            out.insert_member(m, max);
        }
    }
    out
}

/// The difference of the first set and the others, with Redis 7.0's choice between
/// probing every other set per member of the first (when the first set is small) and
/// copying the first set then removing the others' members. The choice shows in the
/// result's encoding: a copy that held a string stays `hashtable`.
fn op_diff(sets: &[(usize, Option<&Set>)], max: usize) -> Set {
    let mut out = Set::new();
    let Some(&(first_key, Some(first))) = sets.first() else {
        return out;
    };
    let first_work = first.len() * sets.len() / 2;
    let all_work: usize = sets.iter().filter_map(|(_, s)| s.map(Set::len)).sum();
    if first_work <= all_work {
        for m in first.iter() {
            // A repeat of the first key removes everything.
            let elsewhere = sets[1..].iter().any(|(k, s)| *k == first_key || s.is_some_and(|s| s.contains_member(m)));
            if !elsewhere {
                out.insert_member(m, max);
            }
        }
    } else {
        first.iter().for_each(|m| {
            out.insert_member(m, max);
        });
        for s in sets[1..].iter().filter_map(|(_, s)| *s) {
            for m in s.iter() {
                m.with_bytes(|b| out.remove(b));
            }
            if out.is_empty() {
                break;
            }
        }
    }
    out
}

/// Which set operation a SINTER/SUNION/SDIFF family command runs.
#[derive(Clone, Copy)]
enum SetOp {
    Inter,
    Union,
    Diff,
}

/// SINTER/SUNION/SDIFF: the result as a Set reply. Every key is type-checked first.
fn set_op_reply(ctx: &mut Ctx, keys: &[Bytes], op: SetOp) -> CmdResult {
    let (db, max) = (ctx.client.db, max_intset(ctx));
    let key_refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&key_refs);
    let taken = Taken::lift(&mut t, db, keys, true)?;
    let sets = taken.sets();
    let reply = match op {
        SetOp::Inter => op_inter(&sets, 0).into_iter().map(bulk).collect(),
        SetOp::Union => op_union(&sets, max).iter().map(bulk).collect(),
        SetOp::Diff => op_diff(&sets, max).iter().map(bulk).collect(),
    };
    taken.put_back(&mut t, db);
    Ok(Reply::Set(reply))
}

/// SINTERSTORE/SUNIONSTORE/SDIFFSTORE: stores the result at `a[1]` (deleting it when
/// the result is empty) and answers its cardinality.
fn set_op_store(ctx: &mut Ctx, a: &[Bytes], op: SetOp) -> CmdResult {
    let (db, max) = (ctx.client.db, max_intset(ctx));
    let lru = ctx.shared.store.new_clock(ctx.now);
    let key_refs: Vec<&[u8]> = a[1..].iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&key_refs);
    let taken = Taken::lift(&mut t, db, &a[2..], false)?;
    let sets = taken.sets();
    let result = match op {
        SetOp::Inter => {
            let mut out = Set::new();
            for m in op_inter(&sets, 0) {
                out.insert_member(m, max);
            }
            out
        }
        SetOp::Union => op_union(&sets, max),
        SetOp::Diff => op_diff(&sets, max),
    };
    taken.put_back(&mut t, db);
    let existed = t.peek_no_touch(db, &a[1]).is_some();
    let n = store(&mut t, db, &a[1], result, lru);
    drop(t);
    ctx.dirty(1);
    let event = match op {
        SetOp::Inter => "sinterstore",
        SetOp::Union => "sunionstore",
        SetOp::Diff => "sdiffstore",
    };
    if n > 0 {
        ctx.notify(SET, event, &a[1]);
    } else if existed {
        ctx.notify(GENERIC, "del", &a[1]);
    }
    Ok(Reply::Int(n as i64))
}

/// SINTER key [key ...] → Set: members of every set (empty if any key is missing).
fn sinter(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_op_reply(ctx, &a[1..], SetOp::Inter)
}

/// SUNION key [key ...] → Set: members of any of the sets.
fn sunion(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_op_reply(ctx, &a[1..], SetOp::Union)
}

/// SDIFF key [key ...] → Set: members of the first set that are in none of the others.
fn sdiff(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_op_reply(ctx, &a[1..], SetOp::Diff)
}

/// SINTERSTORE destination key [key ...] → Integer: the stored intersection's size.
fn sinterstore(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_op_store(ctx, a, SetOp::Inter)
}

/// SUNIONSTORE destination key [key ...] → Integer: the stored union's size.
fn sunionstore(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_op_store(ctx, a, SetOp::Union)
}

/// SDIFFSTORE destination key [key ...] → Integer: the stored difference's size.
fn sdiffstore(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_op_store(ctx, a, SetOp::Diff)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit] → Integer: the intersection's size,
/// counting stops at limit when limit > 0.
fn sintercard(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let numkeys = match crate::numbers::parse_i64(&a[1]) {
        Some(n) if n > 0 => n as u64,
        _ => return Err(e::NUMKEYS_POSITIVE.into()),
    };
    if numkeys > (a.len() - 2) as u64 {
        return Err(e::NUMKEYS_TOO_MANY.into());
    }
    let keys = &a[2..2 + numkeys as usize];
    let mut limit = 0usize;
    let mut i = 2 + keys.len();
    while i < a.len() {
        if is(&a[i], "limit") && i + 1 < a.len() {
            limit = match crate::numbers::parse_i64(&a[i + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(e::LIMIT_NEGATIVE.into()),
            };
            i += 2;
        } else {
            return Err(e::SYNTAX.into());
        }
    }
    let db = ctx.client.db;
    let key_refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&key_refs);
    let taken = Taken::lift(&mut t, db, keys, true)?;
    let n = op_inter(&taken.sets(), limit).len();
    taken.put_back(&mut t, db);
    Ok(Reply::Int(n as i64))
}

use super::keys::parse_cursor;

/// SSCAN key cursor [MATCH pattern] [COUNT count] → [next cursor, [members]]. An intset
/// or small set answers whole with cursor 0, as Redis's compact encodings do. A missing
/// key answers an empty scan before the options are read, as Redis.
fn sscan(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&a[2]).ok_or(CmdError::from(e::INVALID_CURSOR))?;
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(set) = lookup(&mut t, db, &a[1], true)? else {
        return Ok(Reply::Array(vec![Reply::bulk_static("0"), Reply::Array(Vec::new())]));
    };
    let super::keys::ScanOptions { count, pattern, .. } = super::keys::scan_options(a, 3, false)?;
    let mut members = Vec::new();
    let next = set.scan(cursor, count, |m| {
        m.with_bytes(|b| {
            if pattern.is_none_or(|p| crate::glob::glob_match(p, b, false)) {
                members.push(Reply::bulk_copy(b));
            }
        })
    });
    Ok(Reply::Array(vec![Reply::bulk_string(next.to_string()), Reply::Array(members)]))
}

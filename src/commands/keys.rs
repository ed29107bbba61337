//! Generic key commands: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY, expiry, OBJECT.
//!
//! Mirrors Redis 7.0's `db.c`/`expire.c`/`object.c` replies: EXPIRE's NX/XX/GT/LT rules
//! (a key without TTL counts as an infinite TTL), deleting a key whose new absolute
//! expiry is already past, TTL rounding, and RENAME onto itself.

use bytes::Bytes;

use super::args::{int, is};
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::table::container_row;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::notify::class::GENERIC;

const fn row(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::KEYSPACE, keys, handler, subcommands: &[] }
}

const fn sub(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::KEYSPACE, keys, handler, subcommands: &[] }
}

/// The key family's rows.
pub const COMMANDS: &[Command] = &[
    row("del", -2, WRITE, (1, -1, 1), del),
    row("unlink", -2, WRITE | FAST, (1, -1, 1), del),
    row("exists", -2, READONLY | FAST, (1, -1, 1), exists),
    row("type", 2, READONLY | FAST, (1, 1, 1), type_),
    Command {
        name: "keys",
        arity: 2,
        flags: READONLY,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: keys,
        subcommands: &[],
    },
    row("scan", -2, READONLY, (0, 0, 0), scan),
    row("rename", 3, WRITE, (1, 2, 1), rename),
    row("renamenx", 3, WRITE | FAST, (1, 2, 1), renamenx),
    row("copy", -3, WRITE | DENYOOM, (1, 2, 1), copy),
    row("move", 3, WRITE | FAST, (1, 1, 1), move_),
    row("expire", -3, WRITE | FAST, (1, 1, 1), expire),
    row("pexpire", -3, WRITE | FAST, (1, 1, 1), pexpire),
    row("expireat", -3, WRITE | FAST, (1, 1, 1), expireat),
    row("pexpireat", -3, WRITE | FAST, (1, 1, 1), pexpireat),
    row("ttl", 2, READONLY | FAST, (1, 1, 1), ttl),
    row("pttl", 2, READONLY | FAST, (1, 1, 1), pttl),
    row("expiretime", 2, READONLY | FAST, (1, 1, 1), expiretime),
    row("pexpiretime", 2, READONLY | FAST, (1, 1, 1), pexpiretime),
    row("persist", 2, WRITE | FAST, (1, 1, 1), persist),
    row("touch", -2, READONLY | FAST, (1, -1, 1), touch),
    container_row(
        "object",
        &[
            sub("encoding", 3, READONLY, (2, 2, 1), object_encoding),
            sub("freq", 3, READONLY, (2, 2, 1), object_freq),
            sub("help", 2, LOADING | STALE, (0, 0, 0), object_help),
            sub("idletime", 3, READONLY, (2, 2, 1), object_idletime),
            sub("refcount", 3, READONLY, (2, 2, 1), object_refcount),
        ],
    ),
];

/// DEL key [key ...] / UNLINK key [key ...] → Integer: keys removed.
fn del(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let keys: Vec<&[u8]> = a[1..].iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&keys);
    let deleted: Vec<&[u8]> = keys.iter().copied().filter(|k| t.remove(db, k).is_some()).collect();
    drop(t);
    ctx.dirty(deleted.len() as u64);
    for key in &deleted {
        ctx.touched(key);
        ctx.notify(GENERIC, "del", key);
    }
    Ok(Reply::Int(deleted.len() as i64))
}

/// EXISTS key [key ...] → Integer: how many of the keys exist (repeats count again).
fn exists(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let keys: Vec<&[u8]> = a[1..].iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&keys);
    Ok(Reply::Int(keys.iter().filter(|k| t.get(db, k).is_some()).count() as i64))
}

/// TOUCH key [key ...] → Integer: how many exist; updates their access time.
fn touch(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let keys: Vec<&[u8]> = a[1..].iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&keys);
    Ok(Reply::Int(keys.iter().filter(|k| t.peek(db, k).is_some()).count() as i64))
}

/// TYPE key → Simple string: string, list, set, hash, or none.
fn type_(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let name = t.peek(db, &a[1]).map_or("none", |e| e.kind().name());
    Ok(Reply::simple(name))
}

/// KEYS pattern → Array of the matching keys.
fn keys(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::bulks(ctx.shared.store.keys(ctx.client.db, &a[1], ctx.now)))
}

/// The cursor as Redis reads it: strtoul over the whole argument (so "" is 0 and "-1"
/// wraps), no leading space, no overflow.
pub(super) fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return if s.is_empty() { Some(0) } else { None };
    }
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: u64 = digits.parse().ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The options of SCAN, SSCAN and HSCAN from `a[from..]`: COUNT (default 10, at least
/// 1), MATCH (None for "*", which matches everything) and, for SCAN only, TYPE.
pub(super) struct ScanOptions<'a> {
    pub count: usize,
    pub pattern: Option<&'a [u8]>,
    pub type_filter: Option<&'a [u8]>,
}

/// Parses [`ScanOptions`]; anything else (TYPE outside SCAN included) is a syntax error.
pub(super) fn scan_options(a: &[Bytes], from: usize, allow_type: bool) -> Result<ScanOptions<'_>, CmdError> {
    let mut o = ScanOptions { count: 10, pattern: None, type_filter: None };
    let mut i = from;
    while i < a.len() {
        let more = a.len() - i >= 2;
        if is(&a[i], "count") && more {
            let n = int(&a[i + 1])?;
            if n < 1 {
                return Err(e::SYNTAX.into());
            }
            o.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(&a[i], "match") && more {
            o.pattern = Some(&a[i + 1][..]).filter(|p| *p != b"*");
        } else if allow_type && is(&a[i], "type") && more {
            o.type_filter = Some(&a[i + 1][..]);
        } else {
            return Err(e::SYNTAX.into());
        }
        i += 2;
    }
    Ok(o)
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] → [next cursor, [keys]].
fn scan(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&a[1]).ok_or(CmdError::from(e::INVALID_CURSOR))?;
    let ScanOptions { count, pattern, type_filter } = scan_options(a, 2, true)?;
    let (next, keys) = ctx.shared.store.scan(ctx.client.db, cursor, count, ctx.now, |entry| {
        pattern.is_none_or(|p| crate::glob::glob_match(p, entry.key(), false))
            && type_filter.is_none_or(|t| t.eq_ignore_ascii_case(entry.kind().name().as_bytes()))
    });
    Ok(Reply::Array(vec![Reply::bulk_string(next.to_string()), Reply::bulks(keys)]))
}

fn rename_generic(ctx: &mut Ctx, a: &[Bytes], nx: bool) -> CmdResult {
    let db = ctx.client.db;
    let (src, dst) = (&a[1][..], &a[2][..]);
    let mut t = ctx.lock(&[src, dst]);
    if !t.exists(db, src) {
        return Err(e::NO_SUCH_KEY.into());
    }
    if src == dst {
        return Ok(if nx { Reply::Int(0) } else { Reply::Ok });
    }
    if nx && t.exists(db, dst) {
        return Ok(Reply::Int(0));
    }
    let Some(entry) = t.remove(db, src) else {
        return Err(e::NO_SUCH_KEY.into());
    };
    t.insert(db, entry.clone_with_key(dst));
    drop(t);
    ctx.dirty(1);
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    Ok(if nx { Reply::Int(1) } else { Reply::Ok })
}

/// RENAME key newkey → OK.
fn rename(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    rename_generic(ctx, a, false)
}

/// RENAMENX key newkey → Integer: 1 if renamed, 0 if newkey exists.
fn renamenx(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    rename_generic(ctx, a, true)
}

/// Reads a database index as Redis's getIntFromObject does (32-bit), then range-checks.
fn db_arg(ctx: &Ctx, arg: &[u8]) -> Result<usize, CmdError> {
    let n = super::args::int32(arg, None)?;
    usize::try_from(n).ok().filter(|n| *n < ctx.shared.store.databases()).ok_or_else(|| e::DB_INDEX_OUT_OF_RANGE.into())
}

/// COPY source destination [DB destination-db] [REPLACE] → Integer: 1 if copied.
fn copy(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let src_db = ctx.client.db;
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < a.len() {
        if is(&a[j], "replace") {
            replace = true;
        } else if is(&a[j], "db") && j + 1 < a.len() {
            dst_db = db_arg(ctx, &a[j + 1])?;
            j += 1;
        } else {
            return Err(e::SYNTAX.into());
        }
        j += 1;
    }
    if src_db == dst_db && a[1] == a[2] {
        return Err(e::SAME_OBJECT.into());
    }
    let mut t = ctx.shared.store.lock(ctx.now, &[(src_db, &a[1]), (dst_db, &a[2])]);
    let Some(copy) = t.get(src_db, &a[1]).map(|e| e.clone_with_key(&a[2])) else {
        return Ok(Reply::Int(0));
    };
    if t.exists(dst_db, &a[2]) && !replace {
        return Ok(Reply::Int(0));
    }
    t.insert(dst_db, copy);
    drop(t);
    ctx.shared.store.watches.touch(dst_db, &a[2]);
    ctx.dirty(1);
    ctx.notify_db(GENERIC, "copy_to", dst_db, &a[2]);
    Ok(Reply::Int(1))
}

/// MOVE key db → Integer: 1 if moved, 0 if missing here or present there.
fn move_(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let src_db = ctx.client.db;
    let dst_db = db_arg(ctx, &a[2])?;
    if src_db == dst_db {
        return Err(e::SAME_OBJECT.into());
    }
    let mut t = ctx.shared.store.lock(ctx.now, &[(src_db, &a[1]), (dst_db, &a[1])]);
    if !t.exists(src_db, &a[1]) || t.exists(dst_db, &a[1]) {
        return Ok(Reply::Int(0));
    }
    let Some(entry) = t.remove(src_db, &a[1]) else {
        return Ok(Reply::Int(0));
    };
    t.insert(dst_db, entry);
    drop(t);
    ctx.shared.store.watches.touch(dst_db, &a[1]);
    ctx.dirty(1);
    ctx.notify_db(GENERIC, "move_from", src_db, &a[1]);
    ctx.notify_db(GENERIC, "move_to", dst_db, &a[1]);
    Ok(Reply::Int(1))
}

/// The shared body of EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT.
fn expire_generic(ctx: &mut Ctx, a: &[Bytes], seconds: bool, absolute: bool) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &a[3..] {
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "gt") {
            gt = true;
        } else if is(opt, "lt") {
            lt = true;
        } else {
            let mut text = b"ERR Unsupported option ".to_vec();
            text.extend_from_slice(opt);
            return Err(e::custom(text));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(e::NX_XX_GT_LT.into());
    }
    if gt && lt {
        return Err(e::GT_LT.into());
    }
    let name = String::from_utf8_lossy(&a[0]).to_lowercase();
    let invalid = || e::custom(format!("ERR invalid expire time in '{name}' command"));
    let mut when = int(&a[2])?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    if !absolute {
        when = when.checked_add(ctx.now as i64).ok_or_else(invalid)?;
    }
    let db = ctx.client.db;
    let now = ctx.now as i64;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(entry) = t.peek(db, &a[1]) else {
        return Ok(Reply::Int(0));
    };
    let current = entry.expire().map(|c| c as i64);
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|c| when <= c))
        || (lt && current.is_some_and(|c| when >= c));
    if refused {
        return Ok(Reply::Int(0));
    }
    let event = if when <= now {
        // Already in the past: Redis deletes the key right away.
        t.remove(db, &a[1]);
        "del"
    } else {
        t.set_expire(db, &a[1], Some(when as u64));
        "expire"
    };
    drop(t);
    ctx.dirty(1);
    ctx.notify(GENERIC, event, &a[1]);
    Ok(Reply::Int(1))
}

/// EXPIRE key seconds [NX|XX|GT|LT] → Integer: 1 if the timeout was set.
fn expire(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    expire_generic(ctx, a, true, false)
}

/// PEXPIRE key milliseconds [NX|XX|GT|LT] → Integer: 1 if the timeout was set.
fn pexpire(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    expire_generic(ctx, a, false, false)
}

/// EXPIREAT key unix-seconds [NX|XX|GT|LT] → Integer: 1 if the timeout was set.
fn expireat(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    expire_generic(ctx, a, true, true)
}

/// PEXPIREAT key unix-ms [NX|XX|GT|LT] → Integer: 1 if the timeout was set.
fn pexpireat(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    expire_generic(ctx, a, false, true)
}

/// -2 if missing, -1 if no expiry, else `f(expire_ms, now)`.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], f: impl Fn(u64, u64) -> i64) -> CmdResult {
    let db = ctx.client.db;
    let now = ctx.now;
    let mut t = ctx.lock(&[key]);
    Ok(Reply::Int(match t.peek(db, key) {
        None => -2,
        Some(e) => e.expire().map_or(-1, |at| f(at, now)),
    }))
}

/// TTL key → Integer: seconds left (rounded), -1 without expiry, -2 if missing.
fn ttl(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &a[1], |at, now| (at.saturating_sub(now) as i64 + 500) / 1000)
}

/// PTTL key → Integer: milliseconds left, -1 without expiry, -2 if missing.
fn pttl(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &a[1], |at, now| at.saturating_sub(now) as i64)
}

/// EXPIRETIME key → Integer: the absolute expiry in unix seconds.
fn expiretime(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &a[1], |at, _| (at.saturating_add(500) / 1000) as i64)
}

/// PEXPIRETIME key → Integer: the absolute expiry in unix milliseconds.
fn pexpiretime(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &a[1], |at, _| at as i64)
}

/// PERSIST key → Integer: 1 if a timeout was removed.
fn persist(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let had = t.peek(db, &a[1]).is_some_and(|e| e.expire().is_some());
    if had {
        t.set_expire(db, &a[1], None);
        drop(t);
        ctx.dirty(1);
        ctx.notify(GENERIC, "persist", &a[1]);
    }
    Ok(Reply::Int(i64::from(had)))
}

/// OBJECT ENCODING key → Bulk string: the internal encoding, as Redis 7.0 names it.
fn object_encoding(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[2]]);
    let Some(entry) = t.peek(db, &a[2]) else {
        return Ok(Reply::Nil);
    };
    Ok(Reply::bulk_static(entry.encoding()))
}

const LFU_NOT_SELECTED: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

const LFU_SELECTED: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// OBJECT FREQ key → Integer: the LFU counter (only under an LFU policy).
fn object_freq(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let now = ctx.now;
    let store = &ctx.shared.store;
    let mut t = ctx.lock(&[&a[2]]);
    let Some(entry) = t.peek_no_touch(db, &a[2]) else { return Ok(Reply::Nil) };
    if !store.lfu() {
        return Err(LFU_NOT_SELECTED.into());
    }
    Ok(Reply::Int(i64::from(store.lfu_counter(entry.lru(), now))))
}

/// OBJECT IDLETIME key → Integer: seconds since the last access.
fn object_idletime(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let now_clock = crate::store::lru_clock(ctx.now);
    let lfu = ctx.shared.store.lfu();
    let mut t = ctx.lock(&[&a[2]]);
    // Read the clock before `peek` refreshes it: OBJECT does not count as an access.
    let Some(entry) = t.peek_no_touch(db, &a[2]) else {
        return Ok(Reply::Nil);
    };
    if lfu {
        return Err(LFU_SELECTED.into());
    }
    let then = entry.lru();
    let idle = if now_clock >= then { now_clock - then } else { now_clock + (0x00ff_ffff - then) };
    Ok(Reply::Int(i64::from(idle)))
}

/// OBJECT REFCOUNT key → Integer: 1, or INT_MAX for Redis's shared small integers.
fn object_refcount(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[2]]);
    let Some(entry) = t.peek_no_touch(db, &a[2]) else {
        return Ok(Reply::Nil);
    };
    Ok(Reply::Int(if is_shared_integer(entry) { i64::from(i32::MAX) } else { 1 }))
}

/// Redis shares the objects for 0..9999 (OBJ_SHARED_INTEGERS) and reports their
/// refcount as INT_MAX.
pub fn is_shared_integer(entry: &crate::store::Entry) -> bool {
    entry.string_encoding() == "int"
        && entry.as_str().and_then(crate::numbers::parse_i64).is_some_and(|n| (0..10000).contains(&n))
}

/// OBJECT HELP → Array of help lines.
fn object_help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(help_reply(include_str!("help/object.txt")))
}

/// A HELP text as Redis sends it: one simple string per line.
pub fn help_reply(text: &str) -> Reply {
    Reply::Array(text.lines().map(|l| Reply::Simple(Bytes::copy_from_slice(l.as_bytes()))).collect())
}

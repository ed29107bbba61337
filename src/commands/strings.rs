//! String commands: GET, SET and its variants, counters, ranges, LCS.
//!
//! Mirrors Redis 7.0's `t_string.c`: option parsing and expiry validation happen before
//! the key is looked up (so a bad option wins over WRONGTYPE, as in Redis), counters keep
//! the key's TTL, SET without KEEPTTL drops it.

use bytes::Bytes;

use super::args::{int, is};
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::notify::class::{GENERIC, STRING};
use crate::store::{Entry, Txn};

const fn row(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::STRING, keys, handler, subcommands: &[] }
}

/// The string family's rows.
pub const COMMANDS: &[Command] = &[
    row("get", 2, READONLY | FAST, (1, 1, 1), get),
    row("set", -3, WRITE | DENYOOM, (1, 1, 1), set),
    row("setnx", 3, WRITE | DENYOOM | FAST, (1, 1, 1), setnx),
    row("setex", 4, WRITE | DENYOOM, (1, 1, 1), setex),
    row("psetex", 4, WRITE | DENYOOM, (1, 1, 1), psetex),
    row("mget", -2, READONLY | FAST, (1, -1, 1), mget),
    row("mset", -3, WRITE | DENYOOM, (1, -1, 2), mset),
    row("msetnx", -3, WRITE | DENYOOM, (1, -1, 2), msetnx),
    row("getset", 3, WRITE | DENYOOM | FAST, (1, 1, 1), getset),
    row("getdel", 2, WRITE | FAST, (1, 1, 1), getdel),
    row("getex", -2, WRITE | FAST, (1, 1, 1), getex),
    row("incr", 2, WRITE | DENYOOM | FAST, (1, 1, 1), incr),
    row("decr", 2, WRITE | DENYOOM | FAST, (1, 1, 1), decr),
    row("incrby", 3, WRITE | DENYOOM | FAST, (1, 1, 1), incrby),
    row("decrby", 3, WRITE | DENYOOM | FAST, (1, 1, 1), decrby),
    row("incrbyfloat", 3, WRITE | DENYOOM | FAST, (1, 1, 1), incrbyfloat),
    row("append", 3, WRITE | DENYOOM | FAST, (1, 1, 1), append),
    row("strlen", 2, READONLY | FAST, (1, 1, 1), strlen),
    row("getrange", 4, READONLY, (1, 1, 1), getrange),
    row("substr", 4, READONLY, (1, 1, 1), getrange),
    row("setrange", 4, WRITE | DENYOOM, (1, 1, 1), setrange),
    row("lcs", -3, READONLY, (1, 2, 1), lcs),
];

/// The string value of a live key: Ok(None) if missing, WRONGTYPE if another type.
fn read_str<'t>(t: &'t mut Txn, db: usize, key: &[u8]) -> Result<Option<&'t [u8]>, CmdError> {
    match t.get(db, key) {
        None => Ok(None),
        Some(entry) => entry.as_str().map(Some).ok_or_else(|| CmdError::from(e::WRONGTYPE)),
    }
}

/// GET key → Bulk string, or nil.
fn get(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    Ok(match read_str(&mut t, db, &a[1])? {
        Some(v) => Reply::bulk_copy(v),
        None => Reply::Nil,
    })
}

/// Which of SET's options were given.
#[derive(Default)]
struct SetOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// (unit is seconds, is absolute, raw argument)
    expire: Option<(bool, bool, Bytes)>,
}

/// Parses SET/GETEX options with Redis's compatibility rules: conflicting options are a
/// syntax error, but repeating the same option is allowed (the last value wins).
fn parse_set_options(a: &[Bytes], start: usize, for_set: bool) -> Result<SetOptions, CmdError> {
    let mut o = SetOptions::default();
    let mut j = start;
    while j < a.len() {
        let opt = &a[j][..];
        let has_next = j + 1 < a.len();
        let kind = |o: &SetOptions| o.expire.as_ref().map(|(s, abs, _)| (*s, *abs));
        if for_set && is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if for_set && is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if for_set && is(opt, "get") {
            o.get = true;
        } else if for_set && is(opt, "keepttl") && !o.persist && o.expire.is_none() {
            o.keepttl = true;
        } else if !for_set && is(opt, "persist") && o.expire.is_none() && !o.keepttl {
            o.persist = true;
        } else if let Some((secs, abs)) =
            [("ex", (true, false)), ("px", (false, false)), ("exat", (true, true)), ("pxat", (false, true))]
                .iter()
                .find(|(n, _)| is(opt, n))
                .map(|(_, k)| *k)
        {
            let compatible = !o.keepttl && !o.persist && kind(&o).is_none_or(|k| k == (secs, abs)) && has_next;
            if !compatible {
                return Err(e::SYNTAX.into());
            }
            o.expire = Some((secs, abs, a[j + 1].clone()));
            j += 1;
        } else {
            return Err(e::SYNTAX.into());
        }
        j += 1;
    }
    Ok(o)
}

/// Turns an EX/PX/EXAT/PXAT argument into absolute unix ms, with Redis's checks.
fn expire_at(now: u64, secs: bool, abs: bool, arg: &[u8], invalid: &'static str) -> Result<u64, CmdError> {
    let mut ms = int(arg)?;
    if ms <= 0 || (secs && ms > i64::MAX / 1000) {
        return Err(invalid.into());
    }
    if secs {
        ms *= 1000;
    }
    if !abs {
        ms = ms.wrapping_add(now as i64);
    }
    if ms <= 0 {
        return Err(invalid.into());
    }
    Ok(ms as u64)
}

/// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] → OK, nil, or the old value with GET.
fn set(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let o = parse_set_options(a, 3, true)?;
    let expire = match &o.expire {
        Some((secs, abs, arg)) => Some(expire_at(ctx.now, *secs, *abs, arg, e::INVALID_EXPIRE_SET)?),
        None => None,
    };
    set_generic(ctx, &a[1], &a[2], expire, o.nx, o.xx, o.get, o.keepttl)
}

#[allow(clippy::too_many_arguments)]
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    value: &[u8],
    expire: Option<u64>,
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[key]);
    let old = if get { read_str(&mut t, db, key)?.map(Reply::bulk) } else { None };
    let found = if get {
        old.is_some()
    } else if nx || xx {
        t.exists(db, key)
    } else {
        false
    };
    if (nx && found) || (xx && !found) {
        return Ok(if get { old.unwrap_or(Reply::Nil) } else { Reply::Nil });
    }
    t.set_string(db, key, value, if keepttl { None } else { Some(expire) });
    drop(t);
    ctx.dirty(1);
    ctx.notify(STRING, "set", key);
    if expire.is_some() {
        ctx.notify(GENERIC, "expire", key);
    }
    Ok(if get { old.unwrap_or(Reply::Nil) } else { Reply::Ok })
}

/// SETNX key value → Integer: 1 if set, 0 if the key existed.
fn setnx(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    if t.exists(db, &a[1]) {
        return Ok(Reply::Int(0));
    }
    t.insert(db, Entry::new_string(&a[1], &a[2], None, lru));
    drop(t);
    ctx.dirty(1);
    ctx.notify(STRING, "set", &a[1]);
    Ok(Reply::Int(1))
}

/// SETEX key seconds value → OK.
fn setex(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let at = expire_at(ctx.now, true, false, &a[2], e::INVALID_EXPIRE_SETEX)?;
    set_generic(ctx, &a[1], &a[3], Some(at), false, false, false, false)
}

/// PSETEX key milliseconds value → OK.
fn psetex(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let at = expire_at(ctx.now, false, false, &a[2], e::INVALID_EXPIRE_PSETEX)?;
    set_generic(ctx, &a[1], &a[3], Some(at), false, false, false, false)
}

/// MGET key [key ...] → Array of values, nil for missing keys and other types.
fn mget(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let keys: Vec<&[u8]> = a[1..].iter().map(|k| &k[..]).collect();
    let mut t = ctx.lock(&keys);
    Ok(Reply::Array(
        keys.iter()
            .map(|k| match t.get(db, k).and_then(|e| e.as_str()) {
                Some(v) => Reply::bulk_copy(v),
                None => Reply::Nil,
            })
            .collect(),
    ))
}

fn mset_generic(ctx: &mut Ctx, a: &[Bytes], nx: bool) -> CmdResult {
    if a.len().is_multiple_of(2) {
        return Err(e::wrong_arity(if nx { "msetnx" } else { "mset" }));
    }
    let db = ctx.client.db;
    let keys: Vec<&[u8]> = a[1..].chunks(2).map(|p| &p[0][..]).collect();
    let mut t = ctx.lock(&keys);
    if nx && keys.iter().any(|k| t.exists(db, k)) {
        return Ok(Reply::Int(0));
    }
    for pair in a[1..].chunks(2) {
        t.set_string(db, &pair[0], &pair[1], Some(None));
    }
    drop(t);
    ctx.dirty(keys.len() as u64);
    for key in &keys {
        ctx.notify(STRING, "set", key);
    }
    Ok(if nx { Reply::Int(1) } else { Reply::Ok })
}

/// MSET key value [key value ...] → OK.
fn mset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    mset_generic(ctx, a, false)
}

/// MSETNX key value [key value ...] → Integer: 1 if all were set, 0 if none.
fn msetnx(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    mset_generic(ctx, a, true)
}

/// GETSET key value → the old value or nil; the TTL is dropped.
fn getset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    set_generic(ctx, &a[1], &a[2], None, false, false, true, false)
}

/// GETDEL key → the value or nil; the key is deleted.
fn getdel(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(v) = read_str(&mut t, db, &a[1])?.map(Reply::bulk) else {
        return Ok(Reply::Nil);
    };
    t.remove(db, &a[1]);
    drop(t);
    ctx.dirty(1);
    ctx.notify(GENERIC, "del", &a[1]);
    Ok(v)
}

/// GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST] → the value or nil; changes the TTL.
fn getex(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let o = parse_set_options(a, 2, false)?;
    let db = ctx.client.db;
    let now = ctx.now;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(v) = read_str(&mut t, db, &a[1])?.map(Reply::bulk) else {
        return Ok(Reply::Nil);
    };
    let mut event = None;
    if let Some((secs, abs, arg)) = &o.expire {
        let at = expire_at(now, *secs, *abs, arg, e::INVALID_EXPIRE_GETEX)?;
        if at <= now {
            // An absolute time already past deletes the key, as Redis does.
            t.remove(db, &a[1]);
            event = Some("del");
        } else {
            t.set_expire(db, &a[1], Some(at));
            event = Some("expire");
        }
    } else if o.persist && t.peek(db, &a[1]).is_some_and(|e| e.expire().is_some()) {
        t.set_expire(db, &a[1], None);
        event = Some("persist");
    }
    drop(t);
    if let Some(event) = event {
        ctx.dirty(1);
        ctx.notify(GENERIC, event, &a[1]);
    }
    Ok(v)
}

fn incr_by(ctx: &mut Ctx, key: &[u8], by: i64) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[key]);
    let current = match t.peek(db, key) {
        None => 0,
        Some(entry) => int(entry.as_str().ok_or(CmdError::from(e::WRONGTYPE))?)?,
    };
    let next = current.checked_add(by).ok_or(CmdError::from(e::OVERFLOW))?;
    // Counters keep the key's TTL.
    t.set_string(db, key, itoa::Buffer::new().format(next).as_bytes(), None);
    drop(t);
    ctx.dirty(1);
    ctx.notify(STRING, "incrby", key);
    Ok(Reply::Int(next))
}

/// INCR key → Integer: the new value.
fn incr(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    incr_by(ctx, &a[1], 1)
}

/// DECR key → Integer: the new value.
fn decr(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    incr_by(ctx, &a[1], -1)
}

/// INCRBY key increment → Integer: the new value.
fn incrby(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let by = int(&a[2])?;
    incr_by(ctx, &a[1], by)
}

/// DECRBY key decrement → Integer: the new value.
fn decrby(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let by = int(&a[2])?;
    if by == i64::MIN {
        return Err("ERR decrement would overflow".into());
    }
    incr_by(ctx, &a[1], -by)
}

/// INCRBYFLOAT key increment → Bulk string: the new value, formatted as Redis does.
fn incrbyfloat(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    use crate::numbers::{long_double_add, LongDoubleError};
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let mut t = ctx.lock(&[&a[1]]);
    let (current, expire) = match t.peek(db, &a[1]) {
        None => (None, None),
        Some(entry) => (Some(entry.as_str().ok_or(CmdError::from(e::WRONGTYPE))?.to_vec()), entry.expire()),
    };
    let next = long_double_add(current.as_deref(), &a[2]).map_err(|err| match err {
        LongDoubleError::NanOrInfinity => CmdError::from(e::INCR_NAN_INF),
        _ => CmdError::from(e::NOT_FLOAT),
    })?;
    t.insert(db, Entry::new_string_no_int(&a[1], &next, expire, lru));
    drop(t);
    ctx.dirty(1);
    ctx.notify(STRING, "incrbyfloat", &a[1]);
    Ok(Reply::Bulk(Bytes::from(next)))
}

/// Redis refuses strings longer than proto-max-bulk-len.
fn check_length(ctx: &Ctx, size: u64, add: u64) -> Result<(), CmdError> {
    match size.checked_add(add) {
        Some(total) if total <= ctx.config.proto_max_bulk_len => Ok(()),
        _ => Err(e::STRING_TOO_LONG.into()),
    }
}

/// APPEND key value → Integer: the new length.
fn append(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let max = ctx.config.proto_max_bulk_len;
    let mut t = ctx.lock(&[&a[1]]);
    let len = match t.peek(db, &a[1]) {
        None => {
            t.insert(db, Entry::new_string(&a[1], &a[2], None, lru));
            a[2].len()
        }
        Some(entry) => {
            let s = entry.string_mut().ok_or(CmdError::from(e::WRONGTYPE))?;
            if (s.len() as u64).checked_add(a[2].len() as u64).is_none_or(|t| t > max) {
                return Err(e::STRING_TOO_LONG.into());
            }
            s.extend_from_slice(&a[2]);
            s.len()
        }
    };
    drop(t);
    ctx.dirty(1);
    ctx.notify(STRING, "append", &a[1]);
    Ok(Reply::Int(len as i64))
}

/// STRLEN key → Integer: the length, 0 if missing.
fn strlen(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    Ok(Reply::Int(read_str(&mut t, db, &a[1])?.map_or(0, |v| v.len() as i64)))
}

/// GETRANGE key start end → Bulk string: the substring (inclusive, negative from the end).
fn getrange(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut start = int(&a[2])?;
    let mut end = int(&a[3])?;
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[1]]);
    let Some(s) = read_str(&mut t, db, &a[1])? else {
        return Ok(Reply::bulk(b""));
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Ok(Reply::bulk(b""));
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Ok(Reply::bulk(b""));
    }
    Ok(Reply::bulk(&s[start as usize..=end as usize]))
}

/// SETRANGE key offset value → Integer: the new length; zero-pads as needed.
fn setrange(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let offset = int(&a[2])?;
    if offset < 0 {
        return Err(e::OFFSET_OUT_OF_RANGE.into());
    }
    let offset = offset as u64;
    let value = &a[3];
    let db = ctx.client.db;
    let lru = ctx.shared.store.new_clock(ctx.now);
    let exists = {
        let mut t = ctx.lock(&[&a[1]]);
        match t.peek(db, &a[1]) {
            None => None,
            Some(entry) => Some(entry.as_str().ok_or(CmdError::from(e::WRONGTYPE))?.len()),
        }
    };
    match exists {
        None if value.is_empty() => return Ok(Reply::Int(0)),
        Some(len) if value.is_empty() => return Ok(Reply::Int(len as i64)),
        _ => check_length(ctx, offset, value.len() as u64)?,
    }
    let offset = offset as usize;
    let mut t = ctx.lock(&[&a[1]]);
    if t.peek(db, &a[1]).is_none() {
        t.insert(db, Entry::new_string(&a[1], b"", None, lru));
    }
    let Some(s) = t.peek(db, &a[1]).and_then(|e| e.string_mut()) else {
        return Err(e::WRONGTYPE.into());
    };
    if s.len() < offset + value.len() {
        s.resize(offset + value.len(), 0);
    }
    s[offset..offset + value.len()].copy_from_slice(value);
    let len = s.len();
    drop(t);
    ctx.dirty(1);
    ctx.notify(STRING, "setrange", &a[1]);
    Ok(Reply::Int(len as i64))
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] → the longest common
/// subsequence, its length, or its matching ranges.
fn lcs(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let (x, y) = {
        let mut t = ctx.lock(&[&a[1], &a[2]]);
        let mut fetch = |k: &[u8]| -> Result<Vec<u8>, CmdError> {
            match t.get(db, k) {
                None => Ok(Vec::new()),
                Some(entry) => entry
                    .as_str()
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| "ERR The specified keys must contain string values".into()),
            }
        };
        let x = fetch(&a[1]);
        let y = fetch(&a[2]);
        (x?, y?)
    };
    let (mut want_len, mut want_idx, mut with_len, mut min_len) = (false, false, false, 0i64);
    let mut j = 3;
    while j < a.len() {
        if is(&a[j], "idx") {
            want_idx = true;
        } else if is(&a[j], "len") {
            want_len = true;
        } else if is(&a[j], "withmatchlen") {
            with_len = true;
        } else if is(&a[j], "minmatchlen") && j + 1 < a.len() {
            min_len = int(&a[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(e::SYNTAX.into());
        }
        j += 1;
    }
    if want_idx && want_len {
        return Err("ERR If you want both the length and indexes, please just use IDX.".into());
    }
    let cells = (x.len() + 1).checked_mul(y.len() + 1);
    let table_bytes = cells.and_then(|c| c.checked_mul(4));
    // Refuse tables Redis could not allocate either, rather than abort the process.
    let Some(cells) = cells.filter(|_| table_bytes.is_some_and(|b| b <= 4 << 30)) else {
        return Err("ERR Insufficient memory, failed allocating transient memory for LCS".into());
    };
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells).is_err() {
        return Err("ERR Insufficient memory, failed allocating transient memory for LCS".into());
    }
    table.resize(cells, 0);
    let w = y.len() + 1;
    for i in 1..=x.len() {
        for k in 1..=y.len() {
            table[i * w + k] = if x[i - 1] == y[k - 1] {
                table[(i - 1) * w + k - 1] + 1
            } else {
                table[(i - 1) * w + k].max(table[i * w + k - 1])
            };
        }
    }
    let total = table[x.len() * w + y.len()];
    if want_len {
        return Ok(Reply::Int(i64::from(total)));
    }
    // Walk back from the end, collecting the common bytes and the contiguous ranges
    // (Redis's order: last match first; on a tie the walk moves along the second string).
    let mut common = vec![0u8; total as usize];
    let mut remaining = total as usize;
    let mut ranges = Vec::new();
    let mut current: Option<(usize, usize, usize, usize)> = None; // a_start, a_end, b_start, b_end
    let (mut i, mut k) = (x.len(), y.len());
    while i > 0 && k > 0 {
        let mut emit = false;
        if x[i - 1] == y[k - 1] {
            common[remaining - 1] = x[i - 1];
            match current {
                None => current = Some((i - 1, i - 1, k - 1, k - 1)),
                Some((a_start, a_end, b_start, b_end)) if a_start == i && b_start == k => {
                    current = Some((a_start - 1, a_end, b_start - 1, b_end));
                }
                Some(_) => emit = true,
            }
            if let Some((a_start, _, b_start, _)) = current {
                if a_start == 0 || b_start == 0 {
                    emit = true;
                }
            }
            remaining -= 1;
            i -= 1;
            k -= 1;
        } else {
            if table[(i - 1) * w + k] > table[i * w + k - 1] {
                i -= 1;
            } else {
                k -= 1;
            }
            if current.is_some() {
                emit = true;
            }
        }
        if emit {
            if let Some((a_start, a_end, b_start, b_end)) = current.take() {
                let len = a_end - a_start + 1;
                if min_len == 0 || len as i64 >= min_len {
                    ranges.push((a_start, a_end, b_start, b_end, len));
                }
            }
        }
    }
    if !want_idx {
        return Ok(Reply::Bulk(Bytes::from(common)));
    }
    let matches = ranges
        .into_iter()
        .map(|(a0, a1, b0, b1, len)| {
            let mut m = vec![
                Reply::Array(vec![Reply::Int(a0 as i64), Reply::Int(a1 as i64)]),
                Reply::Array(vec![Reply::Int(b0 as i64), Reply::Int(b1 as i64)]),
            ];
            if with_len {
                m.push(Reply::Int(len as i64));
            }
            Reply::Array(m)
        })
        .collect();
    Ok(Reply::Map(vec![
        (Reply::bulk_static("matches"), Reply::Array(matches)),
        (Reply::bulk_static("len"), Reply::Int(i64::from(total))),
    ]))
}

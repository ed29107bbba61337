//! What a write command puts in the AOF (DESIGN.md invariant 8): its own arguments,
//! except where replaying them later would not reproduce the same data. Relative
//! expiries become absolute (`SET ... PXAT`, `PEXPIREAT`), random or blocking commands
//! become what they actually did (`SPOP` → `SREM`, `BLPOP` → `LPOP`), floats become the
//! stored result. Expiry-related forms are rebuilt from the key's state after the
//! command, read while the AOF write lock still serializes writes.

use bytes::Bytes;

use super::args::is;
use super::Ctx;
use crate::protocol::Reply;

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: u64) -> Bytes {
    Bytes::copy_from_slice(itoa::Buffer::new().format(n).as_bytes())
}

/// A bulk reply's bytes, whichever form it took.
fn bulk_of(r: &Reply) -> Option<Bytes> {
    match r {
        Reply::Bulk(b) => Some(b.clone()),
        Reply::BulkShort(n, buf) => buf.get(..usize::from(*n)).map(Bytes::copy_from_slice),
        _ => None,
    }
}

/// The key's state now: None if it does not exist, else its expiry.
fn key_state(ctx: &Ctx, key: &[u8]) -> Option<Option<u64>> {
    let db = ctx.client.db;
    let mut t = ctx.shared.store.lock_one(ctx.now, db, key);
    t.peek_no_touch(db, key).map(|e| e.expire())
}

/// The commands to log for a write that changed data (`name` in lower case), or None
/// when that is the command itself (the common case, which then costs no copy).
pub fn for_aof(ctx: &Ctx, name: &str, args: &[Bytes], reply: &Reply) -> Option<Vec<Vec<Bytes>>> {
    Some(match name {
        "set" if args.len() > 3 && args[3..].iter().any(|a| ["ex", "px", "exat", "pxat"].iter().any(|o| is(a, o))) => {
            let Some(state) = key_state(ctx, &args[1]) else { return Some(vec![vec![b("DEL"), args[1].clone()]]) };
            let mut out = vec![args[0].clone(), args[1].clone(), args[2].clone()];
            let mut i = 3;
            while i < args.len() {
                if ["ex", "px", "exat", "pxat"].iter().any(|o| is(&args[i], o)) {
                    i += 2;
                    continue;
                }
                out.push(args[i].clone());
                i += 1;
            }
            if let Some(at) = state {
                out.push(b("PXAT"));
                out.push(num(at));
            }
            vec![out]
        }
        "setex" | "psetex" => match key_state(ctx, &args[1]) {
            None => vec![vec![b("DEL"), args[1].clone()]],
            Some(at) => {
                let mut out = vec![b("SET"), args[1].clone(), args[3].clone()];
                if let Some(at) = at {
                    out.extend([b("PXAT"), num(at)]);
                }
                vec![out]
            }
        },
        "expire" | "pexpire" | "expireat" | "pexpireat" => match key_state(ctx, &args[1]) {
            None => vec![vec![b("DEL"), args[1].clone()]],
            Some(Some(at)) => vec![vec![b("PEXPIREAT"), args[1].clone(), num(at)]],
            Some(None) => vec![vec![b("PERSIST"), args[1].clone()]],
        },
        "getex" => match key_state(ctx, &args[1]) {
            None => vec![vec![b("DEL"), args[1].clone()]],
            Some(Some(at)) => vec![vec![b("PEXPIREAT"), args[1].clone(), num(at)]],
            Some(None) => vec![vec![b("PERSIST"), args[1].clone()]],
        },
        "restore" => {
            let Some(state) = key_state(ctx, &args[1]) else { return Some(vec![vec![b("DEL"), args[1].clone()]]) };
            let mut out = vec![args[0].clone(), args[1].clone(), num(state.unwrap_or(0)), args[3].clone()];
            out.extend(args[4..].iter().filter(|a| !is(a, "absttl")).cloned());
            if state.is_some() {
                out.push(b("ABSTTL"));
            }
            vec![out]
        }
        "incrbyfloat" => match bulk_of(reply) {
            Some(v) => vec![vec![b("SET"), args[1].clone(), v, b("KEEPTTL")]],
            None => return None,
        },
        "hincrbyfloat" => match bulk_of(reply) {
            Some(v) => vec![vec![b("HSET"), args[1].clone(), args[2].clone(), v]],
            None => return None,
        },
        "spop" => {
            let mut out = vec![b("SREM"), args[1].clone()];
            match reply {
                Reply::Array(items) | Reply::Set(items) => out.extend(items.iter().filter_map(bulk_of)),
                other => out.extend(bulk_of(other)),
            }
            if out.len() == 2 {
                return Some(Vec::new());
            }
            // The set may be gone now; SREM of its last members deletes it on replay too.
            vec![out]
        }
        "blpop" | "brpop" => match reply {
            Reply::Array(kv) if kv.len() == 2 => {
                let key = bulk_of(&kv[0])?;
                vec![vec![if name == "blpop" { b("LPOP") } else { b("RPOP") }, key]]
            }
            _ => Vec::new(),
        },
        "blmove" => vec![vec![b("LMOVE"), args[1].clone(), args[2].clone(), args[3].clone(), args[4].clone()]],
        "brpoplpush" => vec![vec![b("RPOPLPUSH"), args[1].clone(), args[2].clone()]],
        "blmpop" | "lmpop" => match reply {
            Reply::Array(kv) if kv.len() == 2 => {
                let (Some(key), Reply::Array(items)) = (bulk_of(&kv[0]), &kv[1]) else { return None };
                // LMPOP numkeys key... LEFT|RIGHT; BLMPOP timeout numkeys key... LEFT|RIGHT.
                let at = if name == "blmpop" { 2 } else { 1 };
                let n = args.get(at).and_then(|a| crate::numbers::parse_i64(a)).unwrap_or(0).max(0) as usize;
                let left = args.get(at + 1 + n).is_some_and(|a| is(a, "left"));
                vec![vec![if left { b("LPOP") } else { b("RPOP") }, key, num(items.len() as u64)]]
            }
            _ => Vec::new(),
        },
        _ => return None,
    })
}

/// What a blocked client that was served logs: the pop it was served (BLPOP → LPOP,
/// BLMOVE → LMOVE, ...). `op` names the operation as the blocking module records it.
pub fn served(pop_left: bool, key: &[u8], count: Option<usize>) -> Vec<Bytes> {
    let mut out = vec![if pop_left { b("LPOP") } else { b("RPOP") }, Bytes::copy_from_slice(key)];
    if let Some(n) = count {
        out.push(num(n as u64));
    }
    out
}

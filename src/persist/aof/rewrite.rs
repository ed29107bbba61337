//! An AOF base written as commands (`aof-use-rdb-preamble no`), as Redis's rewrite
//! writes it: `SET`, then `RPUSH`/`SADD`/`HMSET` in batches of 64 items, each key
//! followed by its `PEXPIREAT`.

use super::append::encode_command;
use crate::store::{Entry, Object};

/// Items per command, as Redis's AOF_REWRITE_ITEMS_PER_CMD.
const ITEMS_PER_CMD: usize = 64;

/// Appends the commands that recreate `e`.
pub fn write_entry_commands(out: &mut Vec<u8>, e: &Entry) {
    let key = e.key();
    match e.object() {
        None | Some(Object::Str(_)) => {
            encode_command(out, &[b"SET".as_slice(), key, e.as_str().unwrap_or_default()]);
        }
        Some(Object::List(l)) => batches(out, b"RPUSH", key, l.iter().map(|v| vec![v.to_vec()])),
        Some(Object::Set(s)) => batches(out, b"SADD", key, s.iter().map(|m| vec![m.to_vec()])),
        Some(Object::Hash(h)) => batches(out, b"HMSET", key, h.iter().map(|(f, v)| vec![f.to_vec(), v.to_vec()])),
    }
    if let Some(at) = e.expire() {
        encode_command(out, &[b"PEXPIREAT".as_slice(), key, at.to_string().as_bytes()]);
    }
}

/// `name key item...` commands of at most [`ITEMS_PER_CMD`] items each.
fn batches(out: &mut Vec<u8>, name: &[u8], key: &[u8], items: impl Iterator<Item = Vec<Vec<u8>>>) {
    let mut args: Vec<Vec<u8>> = vec![name.to_vec(), key.to_vec()];
    let mut n = 0;
    for item in items {
        args.extend(item);
        n += 1;
        if n == ITEMS_PER_CMD {
            encode_command(out, &args);
            args.truncate(2);
            n = 0;
        }
    }
    if n > 0 {
        encode_command(out, &args);
    }
}

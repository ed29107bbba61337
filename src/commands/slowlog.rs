//! SLOWLOG: the commands that took longer than `slowlog-log-slower-than` microseconds.
//!
//! The dispatcher offers every finished command to [`SlowLog::record`]; entries keep
//! Redis 7.0's shape and limits (32 arguments, 128 bytes each, `slowlog-max-len` entries).

use std::collections::VecDeque;

use bytes::Bytes;

use super::errors::{self as e};
use super::flags::*;
use super::table::container_row;
use super::{CmdResult, Command, Ctx};
use crate::protocol::Reply;

const fn sub(name: &'static str, arity: i32, handler: super::Handler) -> Command {
    Command { name, arity, flags: ADMIN | LOADING | STALE, acl: 0, keys: (0, 0, 0), handler, subcommands: &[] }
}

/// SLOWLOG's row and its subcommands.
pub const COMMANDS: &[Command] = &[container_row(
    "slowlog",
    &[
        sub("get", -2, get),
        Command {
            name: "help",
            arity: 2,
            flags: LOADING | STALE,
            acl: 0,
            keys: (0, 0, 0),
            handler: help,
            subcommands: &[],
        },
        sub("len", 2, len),
        sub("reset", 2, reset),
    ],
)];

/// Redis keeps at most this many arguments of a slow command...
const MAX_ARGS: usize = 32;
/// ...and at most this many bytes of each.
const MAX_ARG_BYTES: usize = 128;

/// One slow command.
#[derive(Debug, Clone)]
struct Entry {
    id: u64,
    time: u64,
    micros: u64,
    args: Vec<Bytes>,
    addr: String,
    name: Bytes,
}

/// The slow log, newest first.
#[derive(Debug, Default)]
pub struct SlowLog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl SlowLog {
    /// Records a command that took `micros`, trimming the log to `max_len` entries.
    pub fn record(
        &mut self,
        args: &[Bytes],
        micros: u64,
        now_ms: u64,
        addr: String,
        name: Option<Bytes>,
        max_len: u64,
    ) {
        let mut kept: Vec<Bytes> = Vec::with_capacity(args.len().min(MAX_ARGS));
        for (i, a) in args.iter().enumerate() {
            if i == MAX_ARGS - 1 && args.len() > MAX_ARGS {
                kept.push(Bytes::from(format!("... ({} more arguments)", args.len() - i)));
                break;
            }
            if a.len() > MAX_ARG_BYTES {
                let mut v = a[..MAX_ARG_BYTES].to_vec();
                v.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_ARG_BYTES).as_bytes());
                kept.push(Bytes::from(v));
            } else {
                kept.push(a.clone());
            }
        }
        self.entries.push_front(Entry {
            id: self.next_id,
            time: now_ms / 1000,
            micros,
            args: kept,
            addr,
            name: name.unwrap_or_default(),
        });
        self.next_id += 1;
        self.entries.truncate(usize::try_from(max_len).unwrap_or(usize::MAX));
    }
}

/// SLOWLOG GET [count] → Array of [id, unix time, microseconds, args, client, name].
fn get(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    const COUNT_ERR: &str = "ERR count should be greater than or equal to -1";
    if a.len() > 3 {
        return Err(e::SYNTAX.into());
    }
    let count = match a.get(2) {
        None => 10,
        Some(arg) => {
            let n = crate::numbers::parse_i64(arg).filter(|n| *n >= -1).ok_or(super::CmdError::from(COUNT_ERR))?;
            if n == -1 {
                usize::MAX
            } else {
                n as usize
            }
        }
    };
    let log = ctx.shared.slowlog.lock();
    Ok(Reply::Array(
        log.entries
            .iter()
            .take(count)
            .map(|en| {
                Reply::Array(vec![
                    Reply::Int(en.id as i64),
                    Reply::Int(en.time as i64),
                    Reply::Int(en.micros as i64),
                    Reply::bulks(en.args.iter().cloned()),
                    Reply::bulk(en.addr.as_bytes()),
                    Reply::Bulk(en.name.clone()),
                ])
            })
            .collect(),
    ))
}

/// SLOWLOG LEN → Integer: entries in the log.
fn len(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(ctx.shared.slowlog.lock().entries.len() as i64))
}

/// SLOWLOG RESET → OK.
fn reset(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    ctx.shared.slowlog.lock().entries.clear();
    Ok(Reply::Ok)
}

/// SLOWLOG HELP → Array of help lines.
fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/slowlog.txt")))
}

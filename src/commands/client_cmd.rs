//! CLIENT and its subcommands, answering like Redis 7.0 (plus SETINFO and NO-TOUCH from
//! 7.2, which redis-py sends on every connection).

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::args::is;
use super::connection::validate_client_name;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::table::container_row;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;
use crate::server::client::{ClientHandle, ReplyMode};

const fn sub(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::CONNECTION, keys: (0, 0, 0), handler, subcommands: &[] }
}

const ADMIN_SUB: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

/// CLIENT's row and its subcommands.
pub const COMMANDS: &[Command] = &[container_row(
    "client",
    &[
        sub("getname", 2, NOSCRIPT | LOADING | STALE, getname),
        sub("getredir", 2, NOSCRIPT | LOADING | STALE, getredir),
        sub("help", 2, LOADING | STALE, help),
        sub("id", 2, NOSCRIPT | LOADING | STALE, id),
        sub("info", 2, NOSCRIPT | LOADING | STALE, info),
        sub("kill", -3, ADMIN_SUB, kill),
        sub("list", -2, ADMIN_SUB, list),
        sub("no-evict", 3, ADMIN_SUB, no_evict),
        sub("no-touch", 3, NOSCRIPT | LOADING | STALE, no_touch),
        sub("pause", -3, ADMIN_SUB, pause),
        sub("reply", 3, NOSCRIPT | LOADING | STALE, reply),
        sub("setinfo", 4, NOSCRIPT | LOADING | STALE, setinfo),
        sub("setname", 3, NOSCRIPT | LOADING | STALE, setname),
        sub("unblock", -3, ADMIN_SUB, unblock),
        sub("unpause", 2, ADMIN_SUB, unpause),
    ],
)];

/// CLIENT HELP → Array of help lines.
fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/client.txt")))
}

/// CLIENT ID → Integer: this connection's id.
fn id(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(ctx.client.id as i64))
}

/// CLIENT GETNAME → Bulk string: the name, or nil.
fn getname(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(ctx.client.name.clone().map_or(Reply::Nil, Reply::Bulk))
}

/// CLIENT GETREDIR → Integer: -1 (tracking is not supported).
fn getredir(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(-1))
}

/// CLIENT SETNAME name → OK. An empty name clears it.
fn setname(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    validate_client_name(&a[2])?;
    ctx.client.name = if a[2].is_empty() { None } else { Some(a[2].clone()) };
    Ok(Reply::Ok)
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value → OK (Redis 7.2).
fn setinfo(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let value = &a[3];
    if value.iter().any(|c| !(b'!'..=b'~').contains(c)) {
        let attr = String::from_utf8_lossy(&a[2]).to_lowercase();
        return Err(e::custom(format!("ERR {attr} cannot contain spaces, newlines or special characters.")));
    }
    let v = if value.is_empty() { None } else { Some(value.clone()) };
    if is(&a[2], "lib-name") {
        ctx.client.lib_name = v;
    } else if is(&a[2], "lib-ver") {
        ctx.client.lib_ver = v;
    } else {
        let mut text = b"ERR Unrecognized option '".to_vec();
        text.extend_from_slice(&a[2]);
        text.push(b'\'');
        return Err(e::custom(text));
    }
    Ok(Reply::Ok)
}

/// CLIENT REPLY ON|OFF|SKIP → OK for ON; nothing for OFF and SKIP.
fn reply(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if is(&a[2], "on") {
        ctx.client.reply_mode = ReplyMode::On;
        Ok(Reply::Ok)
    } else if is(&a[2], "off") {
        ctx.client.reply_mode = ReplyMode::Off;
        Ok(Reply::Ok)
    } else if is(&a[2], "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            // This reply is skipped, and so is the next command's.
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
        Ok(Reply::Ok)
    } else {
        Err(e::SYNTAX.into())
    }
}

fn on_off(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "on") {
        Ok(true)
    } else if is(arg, "off") {
        Ok(false)
    } else {
        Err(e::SYNTAX.into())
    }
}

/// CLIENT NO-EVICT ON|OFF → OK.
fn no_evict(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    ctx.client.no_evict = on_off(&a[2])?;
    Ok(Reply::Ok)
}

/// CLIENT NO-TOUCH ON|OFF → OK (Redis 7.2).
fn no_touch(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    ctx.client.no_touch = on_off(&a[2])?;
    Ok(Reply::Ok)
}

/// CLIENT PAUSE timeout [WRITE|ALL] → OK.
fn pause(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let ms = crate::numbers::parse_i64(&a[2])
        .ok_or_else(|| CmdError::from("ERR timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(e::TIMEOUT_NEGATIVE.into());
    }
    let writes_only = match a.len() {
        3 => false,
        4 if is(&a[3], "all") => false,
        4 if is(&a[3], "write") => true,
        4 => return Err("ERR CLIENT PAUSE mode must be WRITE or ALL".into()),
        _ => return Err(e::SYNTAX.into()),
    };
    let p = &ctx.shared.pause;
    let until = ctx.now.saturating_add(ms as u64);
    let active = p.until.load(Ordering::SeqCst) > ctx.now;
    // An ALL pause wins over a WRITE pause; a pause is never shortened by a later one.
    let writes_only = writes_only && (!active || p.writes_only.load(Ordering::SeqCst));
    p.writes_only.store(writes_only, Ordering::SeqCst);
    p.until.fetch_max(until, Ordering::SeqCst);
    Ok(Reply::Ok)
}

/// CLIENT UNPAUSE → OK.
fn unpause(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    ctx.shared.pause.until.store(0, Ordering::SeqCst);
    ctx.shared.pause.writes_only.store(false, Ordering::SeqCst);
    Ok(Reply::Ok)
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR] → Integer: 1 if a blocked client was woken.
fn unblock(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    crate::numbers::parse_i64(&a[2]).ok_or_else(|| CmdError::from(e::NOT_INTEGER))?;
    if a.len() == 4 && !is(&a[3], "timeout") && !is(&a[3], "error") {
        return Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR".into());
    }
    if a.len() > 4 {
        return Err(e::SYNTAX.into());
    }
    let id = crate::numbers::parse_i64(&a[2]).unwrap_or(0) as u64;
    let error = a.len() == 4 && is(&a[3], "error");
    let Some(w) = ctx.shared.store.blocking.of_client(id) else { return Ok(Reply::Int(0)) };
    let mut state = w.state.lock();
    if !matches!(*state, crate::store::blocking::WaitState::Waiting) {
        return Ok(Reply::Int(0));
    }
    *state = crate::store::blocking::WaitState::Unblocked { error };
    drop(state);
    ctx.shared.store.blocking.remove(&w);
    w.wake.notify_one();
    Ok(Reply::Int(1))
}

/// A connection's memory besides its client state and buffers: its task, socket
/// registration and mailbox (used_memory per idle connection in
/// `benches/idle_clients.py`, minus the rest).
const CONNECTION_OVERHEAD: usize = 6 * 1024;

/// What a connection holds: its state, its query and reply buffers, and replies waiting
/// to be written (CLIENT LIST `tot-mem`, MEMORY STATS `clients.normal`).
pub fn client_memory(h: &ClientHandle) -> usize {
    let m = h.meta.lock();
    let omem = h.pending_bytes.load(std::sync::atomic::Ordering::Relaxed) as usize + m.omem;
    CONNECTION_OVERHEAD
        + std::mem::size_of::<crate::server::client::Client>()
        + std::mem::size_of::<ClientHandle>()
        + m.qbuf
        + m.qbuf_free
        + m.rbs
        + omem
}

/// One CLIENT LIST line for `h`, with Redis 7.0's fields in Redis's order.
pub fn client_line(h: &ClientHandle, own_id: u64, current_cmd: Option<&str>) -> String {
    let m = h.meta.lock().clone();
    let name = m.name.as_ref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let age = h.created.elapsed().as_secs();
    let idle = m.last_interaction.elapsed().as_secs();
    let mut flags = String::new();
    if m.monitor {
        flags.push('O');
    }
    if m.subs + m.psubs > 0 {
        flags.push('P');
    }
    if m.multi >= 0 {
        flags.push('x');
    }
    if m.no_evict {
        flags.push('e');
    }
    if m.no_touch {
        flags.push('T');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let cmd = if h.id == own_id { current_cmd.unwrap_or(&m.last_cmd).to_string() } else { m.last_cmd.clone() };
    let qbuf = if h.id == own_id { 26 } else { m.qbuf };
    let omem = h.pending_bytes.load(std::sync::atomic::Ordering::Relaxed) as usize + m.omem;
    // What the connection holds: its state, its query and reply buffers, and replies
    // waiting to be written.
    let fixed = CONNECTION_OVERHEAD
        + std::mem::size_of::<crate::server::client::Client>()
        + std::mem::size_of::<ClientHandle>();
    let obl = if h.id == own_id { 0 } else { h.obl.load(std::sync::atomic::Ordering::Relaxed) as usize };
    let tot_mem = fixed + m.qbuf + m.qbuf_free + m.rbs + omem;
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl={} oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={}",
        h.id,
        h.addr,
        h.laddr,
        8 + h.id,
        name,
        age,
        if h.id == own_id { 0 } else { idle },
        flags,
        m.db,
        m.subs,
        m.psubs,
        m.multi,
        qbuf,
        m.qbuf_free,
        m.rbs,
        obl,
        omem,
        tot_mem,
        cmd,
        m.resp
    )
}

fn own_line(ctx: &Ctx, cmd: &str) -> String {
    // Publish what this batch changed so our own line is current.
    {
        let mut m = ctx.client.handle.meta.lock();
        m.db = ctx.client.db;
        m.resp = ctx.client.resp;
        m.name.clone_from(&ctx.client.name);
        m.subs = ctx.client.subscriptions.len();
        m.psubs = ctx.client.patterns.len();
        m.no_evict = ctx.client.no_evict;
        m.no_touch = ctx.client.no_touch;
    }
    client_line(&ctx.client.handle, ctx.client.id, Some(cmd))
}

/// CLIENT INFO → Verbatim string: this connection's CLIENT LIST line.
fn info(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let mut line = own_line(ctx, "client|info");
    line.push('\n');
    Ok(Reply::Verbatim("txt", Bytes::from(line)))
}

/// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]] → Verbatim string.
fn list(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut type_filter_normal = true;
    if a.len() == 4 && is(&a[2], "type") {
        let t = &a[3];
        if is(t, "normal") {
            type_filter_normal = true;
        } else if is(t, "master") || is(t, "replica") || is(t, "slave") || is(t, "pubsub") {
            type_filter_normal = false;
        } else {
            let mut text = b"ERR Unknown client type '".to_vec();
            text.extend_from_slice(t);
            text.push(b'\'');
            return Err(e::custom(text));
        }
    } else if a.len() > 3 && is(&a[2], "id") {
        let mut v = Vec::new();
        for arg in &a[3..] {
            let n = crate::numbers::parse_i64(arg).ok_or_else(|| CmdError::from("ERR Invalid client ID"))?;
            v.push(n as u64);
        }
        ids = Some(v);
    } else if a.len() != 2 {
        return Err(e::SYNTAX.into());
    }
    own_line(ctx, "client|list");
    let mut out = String::new();
    if type_filter_normal {
        let clients = ctx.shared.clients.list();
        let selected: Vec<_> = match &ids {
            Some(ids) => ids.iter().filter_map(|id| clients.iter().find(|c| c.id == *id)).collect(),
            None => clients.iter().collect(),
        };
        for h in selected {
            out.push_str(&client_line(h, ctx.client.id, Some("client|list")));
            out.push('\n');
        }
    }
    Ok(Reply::Verbatim("txt", Bytes::from(out)))
}

/// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes|no]
/// → OK (old form) or Integer: clients killed.
fn kill(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let clients = ctx.shared.clients.list();
    if a.len() == 3 {
        let target = &a[2];
        let Some(h) = clients.iter().find(|c| c.addr.to_string().as_bytes() == &target[..]) else {
            return Err(e::NO_SUCH_CLIENT.into());
        };
        kill_one(ctx, h);
        return Ok(Reply::Ok);
    }
    let mut id: Option<u64> = None;
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut user: Option<&[u8]> = None;
    let mut normal_type: Option<bool> = None;
    let mut skipme = true;
    let mut i = 2;
    while i < a.len() {
        if i + 1 >= a.len() {
            return Err(e::SYNTAX.into());
        }
        let (opt, val) = (&a[i], &a[i + 1]);
        if is(opt, "id") {
            let n = crate::numbers::parse_i64(val).filter(|n| *n >= 1);
            id = Some(n.ok_or_else(|| CmdError::from("ERR client-id should be greater than 0"))? as u64);
        } else if is(opt, "type") {
            normal_type = Some(if is(val, "normal") {
                true
            } else if is(val, "master") || is(val, "replica") || is(val, "slave") || is(val, "pubsub") {
                false
            } else {
                let mut text = b"ERR Unknown client type '".to_vec();
                text.extend_from_slice(val);
                text.push(b'\'');
                return Err(e::custom(text));
            });
        } else if is(opt, "addr") {
            addr = Some(val);
        } else if is(opt, "laddr") {
            laddr = Some(val);
        } else if is(opt, "user") {
            if &val[..] != b"default" {
                let mut text = b"ERR No such user '".to_vec();
                text.extend_from_slice(val);
                text.push(b'\'');
                return Err(e::custom(text));
            }
            user = Some(val);
        } else if is(opt, "skipme") {
            skipme = if is(val, "yes") {
                true
            } else if is(val, "no") {
                false
            } else {
                return Err(e::SYNTAX.into());
            };
        } else {
            return Err(e::SYNTAX.into());
        }
        i += 2;
    }
    let _ = user;
    let mut killed = 0;
    for h in &clients {
        if id.is_some_and(|id| id != h.id)
            || addr.is_some_and(|x| h.addr.to_string().as_bytes() != x)
            || laddr.is_some_and(|x| h.laddr.to_string().as_bytes() != x)
            || normal_type == Some(false)
            || (skipme && h.id == ctx.client.id)
        {
            continue;
        }
        kill_one(ctx, h);
        killed += 1;
    }
    Ok(Reply::Int(killed))
}

fn kill_one(ctx: &mut Ctx, h: &ClientHandle) {
    if h.id == ctx.client.id {
        // Killing ourselves: reply first, then close.
        ctx.client.close_after_reply = true;
    } else {
        h.kill();
    }
}

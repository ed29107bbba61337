//! Connection commands: AUTH, HELLO, PING, ECHO, QUIT, RESET.
//!
//! Authentication follows Redis 7.0 with only the `default` user: `AUTH pw` and
//! `AUTH default pw` compare with `requirepass` in constant time.

use bytes::Bytes;

use super::args::is;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx};
use crate::protocol::Reply;

const fn row(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::CONNECTION, keys: (0, 0, 0), handler, subcommands: &[] }
}

/// The connection family's rows.
pub const COMMANDS: &[Command] = &[
    row("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, auth),
    row("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, hello),
    row("ping", -1, FAST, ping),
    row("echo", 2, FAST, echo),
    row("quit", -1, ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH, quit),
    row("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, reset),
];

/// Compares secrets without an early exit, so timing does not reveal a prefix.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// Checks a user and password against the configuration (only `default` exists).
fn check_credentials(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &ctx.config.requirepass {
        None => true,
        Some(pw) => constant_time_eq(pw, pass),
    }
}

/// AUTH [username] password → OK.
fn auth(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() > 3 {
        return Err(e::SYNTAX.into());
    }
    let (user, pass): (&[u8], &[u8]) = if a.len() == 2 {
        if ctx.config.requirepass.is_none() {
            return Err(e::AUTH_NOT_CONFIGURED.into());
        }
        (b"default", &a[1])
    } else {
        (&a[1], &a[2])
    };
    if check_credentials(ctx, user, pass) {
        ctx.client.authenticated = true;
        Ok(Reply::Ok)
    } else {
        Err(e::WRONGPASS.into())
    }
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]] → Map of server facts.
fn hello(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut ver = 0;
    if a.len() >= 2 {
        ver = crate::numbers::parse_i64(&a[1])
            .ok_or_else(|| CmdError::from("ERR Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&ver) {
            return Err(e::NOPROTO.into());
        }
    }
    let mut name: Option<&Bytes> = None;
    let mut j = 2;
    while j < a.len() {
        let more = a.len() - 1 - j;
        if is(&a[j], "auth") && more >= 2 {
            // Redis 7.0 authenticates as soon as it reads the option, so a later bad
            // option fails HELLO but leaves the client logged in.
            if !check_credentials(ctx, &a[j + 1], &a[j + 2]) {
                return Err(e::WRONGPASS.into());
            }
            ctx.client.authenticated = true;
            j += 2;
        } else if is(&a[j], "setname") && more >= 1 {
            validate_client_name(&a[j + 1])?;
            name = Some(&a[j + 1]);
            j += 1;
        } else {
            let mut text = b"ERR Syntax error in HELLO option '".to_vec();
            text.extend_from_slice(&a[j]);
            text.push(b'\'');
            return Err(e::custom(text));
        }
        j += 1;
    }
    if !ctx.client.authenticated && ctx.config.requirepass.is_some() {
        return Err(e::HELLO_NOAUTH.into());
    }
    if let Some(n) = name {
        ctx.client.name = if n.is_empty() { None } else { Some(n.clone()) };
    }
    if ver != 0 {
        ctx.client.resp = ver as u8;
    }
    Ok(Reply::Map(vec![
        (Reply::bulk_static("server"), Reply::bulk_static("redis")),
        (Reply::bulk_static("version"), Reply::bulk_static(crate::REDIS_VERSION)),
        (Reply::bulk_static("proto"), Reply::Int(i64::from(ctx.client.resp))),
        (Reply::bulk_static("id"), Reply::Int(ctx.client.id as i64)),
        (Reply::bulk_static("mode"), Reply::bulk_static("standalone")),
        (Reply::bulk_static("role"), Reply::bulk_static("master")),
        (Reply::bulk_static("modules"), Reply::Array(Vec::new())),
    ]))
}

/// Redis allows client names of printable ASCII without spaces.
pub fn validate_client_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().all(|c| (b'!'..=b'~').contains(c)) {
        Ok(())
    } else {
        Err(e::CLIENT_NAME_SPACES.into())
    }
}

/// PING [message] → PONG, or the message as a bulk string.
fn ping(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() <= 2 && ctx.client.in_resp2_subscribed_mode() {
        // Subscribed RESP2 clients get PING's answer in message shape.
        let payload = a.get(1).cloned().unwrap_or_default();
        return Ok(Reply::Array(vec![Reply::bulk_static("pong"), Reply::Bulk(payload)]));
    }
    match a.len() {
        1 => Ok(Reply::simple("PONG")),
        2 => Ok(Reply::Bulk(a[1].clone())),
        _ => Err(e::wrong_arity("ping")),
    }
}

/// ECHO message → Bulk string: the message.
fn echo(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    Ok(Reply::Bulk(a[1].clone()))
}

/// QUIT → OK, then the connection closes.
fn quit(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    ctx.client.close_after_reply = true;
    Ok(Reply::Ok)
}

/// RESET → RESET: back to a fresh connection's state (db 0, RESP2, no name, and
/// unauthenticated when a password is set).
fn reset(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    super::transactions::unwatch_all(ctx);
    super::pubsub::unsubscribe_all(ctx);
    if std::mem::take(&mut ctx.client.monitor) {
        ctx.shared.monitors.remove(ctx.client.id);
    }
    let c = &mut *ctx.client;
    c.multi = None;
    c.multi_error = false;
    c.db = 0;
    c.resp = 2;
    c.name = None;
    c.reply_mode = crate::server::client::ReplyMode::On;
    c.authenticated = ctx.config.requirepass.is_none();
    Ok(Reply::simple("RESET"))
}

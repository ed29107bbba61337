//! Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and
//! PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP.
//!
//! Subscription confirmations are one frame per channel (`Reply::Many`), pushes in
//! RESP3. The registry and delivery live in `server::pubsub`; the RESP2 subscribed-mode
//! rule (only these commands, PING, QUIT and RESET) is checked by the dispatcher.

use bytes::Bytes;

use super::flags::*;
use super::table::container_row;
use super::{CmdResult, Command, Ctx};
use crate::protocol::Reply;

const fn row(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: 0, keys: (0, 0, 0), handler, subcommands: &[] }
}

const SUB_FLAGS: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;

/// The Pub/Sub family's rows.
pub const COMMANDS: &[Command] = &[
    row("subscribe", -2, SUB_FLAGS, subscribe),
    row("unsubscribe", -1, SUB_FLAGS, unsubscribe),
    row("psubscribe", -2, SUB_FLAGS, psubscribe),
    row("punsubscribe", -1, SUB_FLAGS, punsubscribe),
    row("publish", 3, PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, publish),
    container_row(
        "pubsub",
        &[
            row("channels", -2, PUBSUB | LOADING | STALE, channels),
            row("help", 2, LOADING | STALE, help),
            row("numpat", 2, PUBSUB | LOADING | STALE, numpat),
            row("numsub", -2, PUBSUB | LOADING | STALE, numsub),
        ],
    ),
];

/// Is this a command allowed in RESP2 subscribed mode?
pub fn allowed_when_subscribed(fullname: &str) -> bool {
    matches!(fullname, "subscribe" | "unsubscribe" | "psubscribe" | "punsubscribe" | "ping" | "quit" | "reset")
}

fn confirm(kind: &'static str, name: Option<Bytes>, count: usize) -> Reply {
    Reply::Push(vec![Reply::bulk_static(kind), name.map_or(Reply::Nil, Reply::Bulk), Reply::Int(count as i64)])
}

/// SUBSCRIBE channel [channel ...] → one [subscribe, channel, count] per channel.
fn subscribe(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut out = Vec::with_capacity(a.len() - 1);
    for channel in &a[1..] {
        if ctx.shared.pubsub.subscribe(channel, &ctx.client.handle) {
            ctx.client.subscriptions.push(channel.clone());
        }
        out.push(confirm("subscribe", Some(channel.clone()), ctx.client.subscription_count()));
    }
    Ok(Reply::Many(out))
}

/// PSUBSCRIBE pattern [pattern ...] → one [psubscribe, pattern, count] per pattern.
fn psubscribe(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut out = Vec::with_capacity(a.len() - 1);
    for pattern in &a[1..] {
        if ctx.shared.pubsub.psubscribe(pattern, &ctx.client.handle) {
            ctx.client.patterns.push(pattern.clone());
        }
        out.push(confirm("psubscribe", Some(pattern.clone()), ctx.client.subscription_count()));
    }
    Ok(Reply::Many(out))
}

/// UNSUBSCRIBE [channel ...] → one [unsubscribe, channel, count] per channel (all of the
/// client's when none is given; [unsubscribe, nil, 0] when it has none).
fn unsubscribe(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let targets: Vec<Bytes> = if a.len() > 1 { a[1..].to_vec() } else { ctx.client.subscriptions.clone() };
    if targets.is_empty() {
        return Ok(Reply::Many(vec![confirm("unsubscribe", None, ctx.client.subscription_count())]));
    }
    let mut out = Vec::with_capacity(targets.len());
    for channel in targets {
        if ctx.shared.pubsub.unsubscribe(&channel, ctx.client.id) {
            ctx.client.subscriptions.retain(|c| c != &channel);
        }
        out.push(confirm("unsubscribe", Some(channel), ctx.client.subscription_count()));
    }
    Ok(Reply::Many(out))
}

/// PUNSUBSCRIBE [pattern ...] → one [punsubscribe, pattern, count] per pattern.
fn punsubscribe(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let targets: Vec<Bytes> = if a.len() > 1 { a[1..].to_vec() } else { ctx.client.patterns.clone() };
    if targets.is_empty() {
        return Ok(Reply::Many(vec![confirm("punsubscribe", None, ctx.client.subscription_count())]));
    }
    let mut out = Vec::with_capacity(targets.len());
    for pattern in targets {
        if ctx.shared.pubsub.punsubscribe(&pattern, ctx.client.id) {
            ctx.client.patterns.retain(|p| p != &pattern);
        }
        out.push(confirm("punsubscribe", Some(pattern), ctx.client.subscription_count()));
    }
    Ok(Reply::Many(out))
}

/// Drops every subscription of the client, without confirmations (RESET, disconnect).
pub fn unsubscribe_all(ctx: &mut Ctx) {
    for channel in std::mem::take(&mut ctx.client.subscriptions) {
        ctx.shared.pubsub.unsubscribe(&channel, ctx.client.id);
    }
    for pattern in std::mem::take(&mut ctx.client.patterns) {
        ctx.shared.pubsub.punsubscribe(&pattern, ctx.client.id);
    }
}

/// PUBLISH channel message → Integer: how many subscribers received it.
fn publish(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let limit = ctx.config.client_output_buffer_limit.pubsub;
    Ok(Reply::Int(ctx.shared.pubsub.publish(&a[1], &a[2], limit, ctx.now)))
}

/// PUBSUB CHANNELS [pattern] → Array of active channels.
fn channels(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() > 3 {
        let mut text = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
        text.extend_from_slice(&a[1]);
        text.extend_from_slice(b"'. Try PUBSUB HELP.");
        return Err(super::errors::custom(text));
    }
    Ok(Reply::bulks(ctx.shared.pubsub.channels(a.get(2).map(|p| &p[..]))))
}

/// PUBSUB NUMSUB [channel ...] → Array of channel, count pairs.
fn numsub(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut out = Vec::with_capacity((a.len() - 2) * 2);
    for channel in &a[2..] {
        out.push(Reply::Bulk(channel.clone()));
        out.push(Reply::Int(ctx.shared.pubsub.numsub(channel) as i64));
    }
    Ok(Reply::Array(out))
}

/// PUBSUB NUMPAT → Integer: distinct patterns subscribed to.
fn numpat(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(ctx.shared.pubsub.numpat() as i64))
}

/// PUBSUB HELP → Array of help lines.
fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/pubsub.txt")))
}

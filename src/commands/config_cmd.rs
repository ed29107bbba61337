//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the parameter table in `config`.

use bytes::Bytes;

use super::errors::{self as e};
use super::flags::*;
use super::table::container_row;
use super::{CmdResult, Command, Ctx};
use crate::protocol::Reply;

const fn sub(name: &'static str, arity: i32, flags: u32, handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: 0, keys: (0, 0, 0), handler, subcommands: &[] }
}

/// CONFIG's row and its subcommands.
pub const COMMANDS: &[Command] = &[container_row(
    "config",
    &[
        sub("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, get),
        sub("help", 2, LOADING | STALE, help),
        sub("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, resetstat),
        sub("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, rewrite),
        // Exclusive: `appendonly yes` starts the AOF's base at one instant.
        sub("set", -4, ADMIN | NOSCRIPT | LOADING | STALE | EXCLUSIVE, set),
    ],
)];

/// CONFIG GET pattern [pattern ...] → Map of parameter to value.
fn get(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = a[2..].iter().map(|p| &p[..]).collect();
    let pairs = ctx.config.get(&patterns);
    Ok(Reply::Map(pairs.into_iter().map(|(k, v)| (Reply::bulk_string(k), Reply::bulk_string(v))).collect()))
}

/// CONFIG SET parameter value [parameter value ...] → OK; all or nothing.
fn set(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let args: Vec<&[u8]> = a[2..].iter().map(|x| &x[..]).collect();
    let local = ctx.client.handle.addr.ip().is_loopback();
    let shared = ctx.shared;
    let was_aof = ctx.config.appendonly;
    let reply = shared.update_config(|c| {
        let mut next = c.clone();
        match next.set_args(&args, local) {
            Ok(changed) => {
                // What must act on a change does so here; everything else reads the
                // configuration snapshot per batch (requirepass, timeout, hz, ...).
                // FIXME(compat): Redis rebinds on `port`/`bind` changes; ours keeps the
                // listeners it started with until the next start.
                if changed.iter().any(|n| n.starts_with("maxmemory-policy") || n.starts_with("lfu-")) {
                    shared.store.set_eviction_params(&next);
                }
                *c = next;
                Ok(Reply::Ok)
            }
            Err(text) => Err(e::custom(text)),
        }
    })?;
    // The AOF follows `appendonly` and `appendfsync` at once (this command holds the
    // server gate exclusively, so turning the AOF on starts its base at one instant).
    let config = shared.config();
    if config.maxmemory != ctx.config.maxmemory {
        crate::server::maxmemory::limit_changed(shared, &config);
    }
    shared.aof.set_policy(crate::persist::aof::append::Fsync::from_config(&config.appendfsync));
    shared.aof.timestamps.store(config.aof_timestamp_enabled, std::sync::atomic::Ordering::Relaxed);
    if config.appendonly && !was_aof {
        if let Err(why) = crate::persist::aof::files::start_rewrite(&shared.arc()) {
            shared.log(crate::server::log::Level::Warning, &format!("Can't start the AOF: {why}"));
        }
    } else if !config.appendonly && was_aof {
        crate::persist::aof::files::disable(shared);
    }
    Ok(reply)
}

/// CONFIG RESETSTAT → OK: clears INFO's counters.
fn resetstat(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    use std::sync::atomic::Ordering::Relaxed;
    let s = &ctx.shared.stats;
    for c in [
        &s.commands_processed,
        &s.connections_received,
        &s.rejected_connections,
        &s.failed_calls,
        &s.rejected_calls,
        &s.net_input_bytes,
        &s.net_output_bytes,
        &s.total_error_replies,
    ] {
        c.store(0, Relaxed);
    }
    s.errors.lock().clear();
    let st = &ctx.shared.store.stats;
    ctx.shared.evictor.reset_stats();
    for c in [&st.expired_keys, &st.evicted_keys, &st.keyspace_hits, &st.keyspace_misses] {
        c.store(0, Relaxed);
    }
    for (_, entry) in super::TABLE.all() {
        entry.stats.calls.store(0, Relaxed);
        entry.stats.usec.store(0, Relaxed);
        entry.stats.rejected_calls.store(0, Relaxed);
        entry.stats.failed_calls.store(0, Relaxed);
        if let Some(h) = entry.stats.histogram.get() {
            h.clear();
        }
    }
    Ok(Reply::Ok)
}

/// CONFIG REWRITE → OK, or an error without a configuration file.
fn rewrite(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    if ctx.shared.config_file.is_empty() {
        return Err("ERR The server is running without a config file".into());
    }
    let path = std::path::PathBuf::from(&ctx.shared.config_file);
    match ctx.shared.config().rewrite_file(&path) {
        Ok(()) => {
            ctx.shared.log(crate::server::log::Level::Notice, "CONFIG REWRITE executed with success.");
            Ok(Reply::Ok)
        }
        Err(reason) => {
            ctx.shared.log(crate::server::log::Level::Warning, &format!("CONFIG REWRITE failed: {reason}"));
            Err(format!("ERR Rewriting config file: {reason}").into())
        }
    }
}

/// CONFIG HELP → Array of help lines.
fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/config.txt")))
}

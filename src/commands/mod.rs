//! Commands: the table, the dispatcher and one file per family.
//!
//! Owns what a command means; never touches a socket (invariant 1). The connection
//! hands each parsed request to [`dispatch`], which does every cross-cutting check in
//! one place (lookup, subcommands, arity, authentication), runs the handler under the
//! store's gate and returns a [`Reply`]. Handlers are synchronous functions
//! `fn(&mut Ctx, &[Bytes]) -> CmdResult` that read the time once from `ctx.now`
//! (invariant 2). Each family file owns its table rows (name, arity, flags, key
//! positions, handler); COMMAND, arity errors and key extraction all read those rows.

pub mod args;
pub mod blocking;
pub mod client_cmd;
pub mod config_cmd;
pub mod connection;
pub mod errors;
pub mod hashes;
pub mod introspection;
pub mod keys;
pub mod keyspace;
pub mod latency;
pub mod lists;
pub mod memory_cmd;
pub mod meta;
pub mod persist_cmd;
pub mod propagate;
pub mod pubsub;
pub mod server_cmd;
pub mod sets;
pub mod slowlog;
pub mod strings;
pub mod table;
pub mod transactions;

use bytes::Bytes;

use crate::config::Config;
use crate::protocol::Reply;
use crate::server::client::Client;
use crate::server::shared::{GateHold, Shared};
pub use errors::CmdError;
pub use table::{Command, CommandTable, TABLE};

/// What a handler returns: a reply, or an error reply.
pub type CmdResult = Result<Reply, CmdError>;

/// A handler: the request's arguments (the command name first) in, a reply out.
pub type Handler = fn(&mut Ctx, &[Bytes]) -> CmdResult;

/// Command flags, as COMMAND INFO names them (bit order = Redis's print order).
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 4;
    pub const PUBSUB: u32 = 1 << 5;
    pub const NOSCRIPT: u32 = 1 << 6;
    pub const BLOCKING: u32 = 1 << 7;
    pub const LOADING: u32 = 1 << 8;
    pub const STALE: u32 = 1 << 9;
    pub const SKIP_MONITOR: u32 = 1 << 10;
    pub const SKIP_SLOWLOG: u32 = 1 << 11;
    pub const FAST: u32 = 1 << 13;
    pub const NO_AUTH: u32 = 1 << 14;
    pub const MAY_REPLICATE: u32 = 1 << 15;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 16;
    pub const NO_MULTI: u32 = 1 << 18;
    pub const MOVABLEKEYS: u32 = 1 << 19;
    pub const ALLOW_BUSY: u32 = 1 << 20;
    /// Not a Redis flag: the command needs the whole keyspace to itself (FLUSHALL,
    /// SWAPDB, EXEC), so it takes the store gate exclusively.
    pub const EXCLUSIVE: u32 = 1 << 30;

    /// (bit, name) in the order COMMAND prints them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories, in the order Redis prints them.
pub mod acl {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const READ: u32 = 1 << 1;
    pub const WRITE: u32 = 1 << 2;
    pub const SET: u32 = 1 << 3;
    pub const SORTEDSET: u32 = 1 << 4;
    pub const LIST: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const STRING: u32 = 1 << 7;
    pub const BITMAP: u32 = 1 << 8;
    pub const HYPERLOGLOG: u32 = 1 << 9;
    pub const GEO: u32 = 1 << 10;
    pub const STREAM: u32 = 1 << 11;
    pub const PUBSUB: u32 = 1 << 12;
    pub const ADMIN: u32 = 1 << 13;
    pub const FAST: u32 = 1 << 14;
    pub const SLOW: u32 = 1 << 15;
    pub const BLOCKING: u32 = 1 << 16;
    pub const DANGEROUS: u32 = 1 << 17;
    pub const CONNECTION: u32 = 1 << 18;
    pub const TRANSACTION: u32 = 1 << 19;
    pub const SCRIPTING: u32 = 1 << 20;

    pub const NAMES: &[(u32, &str)] = &[
        (KEYSPACE, "@keyspace"),
        (READ, "@read"),
        (WRITE, "@write"),
        (SET, "@set"),
        (SORTEDSET, "@sortedset"),
        (LIST, "@list"),
        (HASH, "@hash"),
        (STRING, "@string"),
        (BITMAP, "@bitmap"),
        (HYPERLOGLOG, "@hyperloglog"),
        (GEO, "@geo"),
        (STREAM, "@stream"),
        (PUBSUB, "@pubsub"),
        (ADMIN, "@admin"),
        (FAST, "@fast"),
        (SLOW, "@slow"),
        (BLOCKING, "@blocking"),
        (DANGEROUS, "@dangerous"),
        (CONNECTION, "@connection"),
        (TRANSACTION, "@transaction"),
        (SCRIPTING, "@scripting"),
    ];
}

/// What a handler may use: the shared server state, its own client, the configuration
/// snapshot and the command's single "now".
pub struct Ctx<'a> {
    /// Store, clients, statistics, configuration.
    pub shared: &'a Shared,
    /// The calling client's own state.
    pub client: &'a mut Client,
    /// The configuration as of this batch.
    pub config: &'a Config,
    /// Unix time in milliseconds, read once per command.
    pub now: u64,
    /// Changes the running command made (its `dirty` count), for WATCH invalidation.
    pub changes: std::cell::Cell<u64>,
    /// The keys the running command says it changed, when it knows better than "all its
    /// key arguments" (DEL of several keys, some missing). Empty = all key arguments.
    pub touched: std::cell::RefCell<Vec<Bytes>>,
}

impl Ctx<'_> {
    /// Locks the shards of `keys` in the client's current database.
    pub fn lock(&self, keys: &[&[u8]]) -> crate::store::Txn<'_> {
        let db = self.client.db;
        if let [key] = keys {
            return self.shared.store.lock_one(self.now, db, key);
        }
        let pairs: smallvec::SmallVec<[(usize, &[u8]); 16]> = keys.iter().map(|k| (db, *k)).collect();
        self.shared.store.lock(self.now, &pairs)
    }

    /// Are keyspace notifications on at all? (Lets callers skip work for them.)
    pub fn notifying(&self) -> bool {
        self.shared.notify_flags.load(std::sync::atomic::Ordering::Relaxed) != 0
    }

    /// Records that the running command changed `key` (and no key argument it does not
    /// record), so WATCH and blocked clients hear only about those.
    pub fn touched(&self, key: &[u8]) {
        self.touched.borrow_mut().push(Bytes::copy_from_slice(key));
    }

    /// Publishes a keyspace notification for `key` in the client's database.
    pub fn notify(&self, class: u32, event: &str, key: &[u8]) {
        self.notify_db(class, event, self.client.db, key);
    }

    /// Publishes a keyspace notification for `key` in `db`.
    pub fn notify_db(&self, class: u32, event: &str, db: usize, key: &[u8]) {
        crate::server::notify::notify(self.shared, class, event, db, key, self.now);
    }

    /// Counts one change to the dataset (save points, INFO `rdb_changes_since_last_save`).
    pub fn dirty(&self, n: u64) {
        self.changes.set(self.changes.get() + n);
        self.shared.stats.dirty.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The handler of a container command (CLIENT, CONFIG, ...) itself. The dispatcher
/// resolves a subcommand first and the containers' arity (-2) refuses the bare name,
/// so this only answers that arity error should it ever be reached.
pub fn container(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let name = a.first().map(|n| String::from_utf8_lossy(n).to_lowercase()).unwrap_or_default();
    Err(errors::wrong_arity(&name))
}

/// Runs one request and returns its reply. Unknown commands, bad arity and missing
/// authentication are answered here, before any handler runs.
///
/// `start` is when the command began (the caller already read the clock for `ctx.now`);
/// the command's duration for INFO commandstats is measured from it.
pub fn dispatch(ctx: &mut Ctx, args: &[Bytes], gate: &mut GateHold, start: std::time::Instant) -> Reply {
    use std::sync::atomic::Ordering::Relaxed;
    let table = &*TABLE;
    let Some(name) = args.first() else {
        return Reply::Ok;
    };
    let (cached, cached_len, cached_idx) = &ctx.client.last_lookup;
    let hit = cached_idx != &usize::MAX && name.len() == usize::from(*cached_len) && cached[..name.len()] == name[..];
    let found = if hit {
        Some(*cached_idx)
    } else {
        let found = ctx.shared.renames.lookup(name);
        if let (Some(i), true) = (found, name.len() <= 16) {
            let mut copy = [0u8; 16];
            copy[..name.len()].copy_from_slice(name);
            ctx.client.last_lookup = (copy, name.len() as u8, i);
        }
        found
    };
    let Some(mut idx) = found else {
        return reject(ctx, errors::unknown_command(args));
    };
    // Container commands (CLIENT, CONFIG, ...) resolve their subcommand.
    let mut entry = table.get(idx);
    if !entry.cmd.subcommands.is_empty() && args.len() >= 2 {
        match table.lookup_sub(idx, &args[1]) {
            Some(sub) => {
                idx = sub;
                entry = table.get(idx);
            }
            None => {
                // No command was resolved, so no command's counters move (as Redis).
                let e = errors::unknown_subcommand(name, &args[1]);
                return reject(ctx, e);
            }
        }
    }
    let arity = entry.cmd.arity;
    let n = args.len() as i64;
    if (arity > 0 && n != i64::from(arity)) || (arity < 0 && n < -i64::from(arity)) {
        let e = errors::wrong_arity(&entry.fullname);
        entry.stats.rejected_calls.fetch_add(1, Relaxed);
        return reject_maybe_exec(ctx, &entry.fullname, e);
    }
    if !ctx.client.authenticated && ctx.config.requirepass.is_some() && entry.cmd.flags & flags::NO_AUTH == 0 {
        entry.stats.rejected_calls.fetch_add(1, Relaxed);
        return reject_maybe_exec(ctx, &entry.fullname, CmdError::from(errors::NOAUTH));
    }

    // A monitor is a replica to Redis: it may not read or write keys.
    if ctx.client.monitor && entry.cmd.flags & (flags::WRITE | flags::READONLY | flags::MAY_REPLICATE) != 0 {
        return reject(ctx, CmdError::from(errors::REPLICA_KEYSPACE));
    }
    // maxmemory: evict before running anything, and refuse what may grow memory when
    // nothing could be evicted (Redis's processCommand). The AOF's order lock keeps an
    // eviction's DEL after the write that made the key.
    if crate::server::maxmemory::over_limit(ctx.shared, ctx.config) {
        gate.shared();
        if ctx.shared.aof.enabled() {
            gate.order();
        }
        let outcome = crate::server::maxmemory::before_command(ctx.shared, ctx.config);
        if outcome == crate::server::maxmemory::Outcome::Fail && rejected_on_oom(ctx, table, entry) {
            entry.stats.rejected_calls.fetch_add(1, Relaxed);
            return reject_maybe_exec(ctx, &entry.fullname, CmdError::from(errors::OOM));
        }
    }
    if ctx.client.in_resp2_subscribed_mode() && !pubsub::allowed_when_subscribed(&entry.fullname) {
        return reject(
            ctx,
            errors::custom(format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                entry.fullname
            )),
        );
    }
    // A failed background save (while save points are configured and
    // `stop-writes-on-bgsave-error` is on) or a failed AOF write stops writes, and PING,
    // as in Redis.
    if entry.cmd.flags & flags::WRITE != 0 || entry.fullname == "ping" {
        if let Some(text) = crate::persist::save::writes_denied(ctx.shared, ctx.config) {
            entry.stats.rejected_calls.fetch_add(1, Relaxed);
            return reject_maybe_exec(ctx, &entry.fullname, errors::custom(text));
        }
    }
    if ctx.client.multi.is_some() && !transactions::runs_inside_multi(&entry.fullname) {
        if entry.cmd.flags & flags::NO_MULTI != 0 {
            return reject(ctx, CmdError::from("ERR Command not allowed inside a transaction"));
        }
        if let Some(queue) = ctx.client.multi.as_mut() {
            queue.push(args.to_vec());
        }
        return Reply::simple("QUEUED");
    }
    // While the AOF is on, writes run one at a time so the log's order is theirs. The
    // order lock is always taken after the gate (never the other way round).
    let aof = &ctx.shared.aof;
    let ordered = aof.enabled() && entry.cmd.flags & (flags::WRITE | flags::EXCLUSIVE) != 0;
    let reply = if entry.cmd.flags & flags::EXCLUSIVE != 0 {
        let _whole = gate.exclusive();
        let _order = ordered.then(|| aof.write_lock.lock());
        if ctx.shared.shutting_down() {
            return stopped(ctx);
        }
        execute(ctx, idx, args, start)
    } else {
        gate.shared();
        if ordered {
            // Held to the end of the batch: one lock per pipeline, not per command.
            gate.order();
        }
        if ctx.shared.shutting_down() {
            return stopped(ctx);
        }
        execute(ctx, idx, args, start)
    };
    // Clients blocked on keys this command (or this EXEC) filled are served now, in
    // the order they blocked.
    if !ctx.client.ready_keys.is_empty() {
        let ready = std::mem::take(&mut ctx.client.ready_keys);
        gate.shared();
        if aof.enabled() {
            gate.order();
        }
        for (db, key) in ready {
            blocking::serve_all(ctx.shared, db, vec![key], ctx.now);
        }
        if aof.enabled() {
            ctx.client.aof_pos = aof.position();
        }
    }
    reply
}

/// Out of memory, which commands are refused: those flagged `denyoom`, an EXEC whose
/// queue holds one, and anything but EXEC/DISCARD/QUIT/RESET inside MULTI (queueing
/// itself takes memory).
fn rejected_on_oom(ctx: &Ctx, table: &table::CommandTable, entry: &table::TableEntry) -> bool {
    if entry.cmd.flags & flags::DENYOOM != 0 {
        return true;
    }
    let name = entry.fullname.as_str();
    if name == "exec" {
        let queued = ctx.client.multi.iter().flatten();
        return queued.filter_map(|args| args.first().and_then(|n| ctx.shared.renames.lookup(n))).any(|i| {
            let cmd = table.get(i).cmd;
            cmd.flags & flags::DENYOOM != 0
        });
    }
    ctx.client.multi.is_some() && !matches!(name, "discard" | "quit" | "reset")
}

/// A command that got the gate after the server began to stop: like Redis, which has
/// exited by then, it runs nothing and answers nothing, so no write is acknowledged
/// after the final save.
fn stopped(ctx: &mut Ctx) -> Reply {
    ctx.client.close_after_reply = true;
    ctx.client.reply_mode = crate::server::client::ReplyMode::Skip;
    Reply::Ok
}

/// Runs a command queued by MULTI, from inside EXEC (which holds the store gate
/// exclusively, so this takes no lock of its own). Its checks were made at queue time.
pub fn run_queued(ctx: &mut Ctx, args: &[Bytes]) -> Reply {
    let table = &*TABLE;
    let Some(mut idx) = args.first().and_then(|n| ctx.shared.renames.lookup(n)) else {
        return Reply::Error(errors::unknown_command(args).0);
    };
    if !table.get(idx).cmd.subcommands.is_empty() && args.len() >= 2 {
        match table.lookup_sub(idx, &args[1]) {
            Some(sub) => idx = sub,
            None => return Reply::Error(errors::unknown_subcommand(&args[0], &args[1]).0),
        }
    }
    execute(ctx, idx, args, std::time::Instant::now())
}

/// Appends what a command that changed data must log (see `propagate`). Inside EXEC
/// the records wait in the client until EXEC logs them as one MULTI/EXEC block.
fn log_to_aof(ctx: &mut Ctx, name: &str, args: &[Bytes], result: &CmdResult) {
    let db = ctx.client.db;
    if name == "exec" {
        let block = std::mem::take(&mut ctx.client.exec_log);
        if !block.is_empty() {
            let mut cmds: Vec<(usize, Vec<Bytes>)> = Vec::with_capacity(block.len() + 2);
            let first_db = block[0].0;
            cmds.push((first_db, vec![Bytes::from_static(b"MULTI")]));
            cmds.extend(block);
            cmds.push((db, vec![Bytes::from_static(b"EXEC")]));
            ctx.client.aof_pos = ctx.shared.aof.append_each(&cmds);
        }
        return;
    }
    let Ok(reply) = result else { return };
    if ctx.changes.get() == 0 {
        return;
    }
    match propagate::for_aof(ctx, name, args, reply) {
        None if ctx.client.in_exec => ctx.client.exec_log.push((db, args.to_vec())),
        None => ctx.client.aof_pos = ctx.shared.aof.append(db, &[args]),
        Some(cmds) if ctx.client.in_exec => ctx.client.exec_log.extend(cmds.into_iter().map(|c| (db, c))),
        Some(cmds) if cmds.is_empty() => {}
        Some(cmds) => {
            let refs: Vec<&[Bytes]> = cmds.iter().map(Vec::as_slice).collect();
            ctx.client.aof_pos = ctx.shared.aof.append(db, &refs);
        }
    }
}

/// Runs a resolved command: the handler, then statistics, the slow log and WATCH
/// invalidation for what it changed.
fn execute(ctx: &mut Ctx, idx: usize, args: &[Bytes], start: std::time::Instant) -> Reply {
    use std::sync::atomic::Ordering::Relaxed;
    let entry = TABLE.get(idx);
    ctx.client.last_command = idx;
    let config_gen = ctx.shared.config_generation();
    ctx.changes.set(0);
    ctx.touched.borrow_mut().clear();
    let result = (entry.cmd.handler)(ctx, args);
    let micros = start.elapsed().as_micros() as u64;
    let failed = result.is_err();
    if ctx.shared.aof.enabled() {
        log_to_aof(ctx, entry.cmd.name, args, &result);
    }
    // Monitors see what ran, in the database it left the client in, as Redis feeds
    // them after the call; administrative commands are not shown.
    if ctx.shared.monitors.active() && entry.cmd.flags & (flags::ADMIN | flags::SKIP_MONITOR) == 0 {
        let limit = ctx.config.client_output_buffer_limit.normal;
        let now_us = crate::server::shared::unix_us();
        ctx.shared.monitors.feed(ctx.client.db, &ctx.client.handle.addr, args, limit, now_us);
    }
    if ctx.changes.get() > 0 && (ctx.shared.store.watches.any() || ctx.shared.store.blocking.any()) {
        let db = ctx.client.db;
        let blocked = ctx.shared.store.blocking.any();
        let explicit = std::mem::take(&mut *ctx.touched.borrow_mut());
        let keys: Vec<Bytes> = if explicit.is_empty() {
            introspection::key_positions(idx, args).into_iter().map(|pos| args[pos].clone()).collect()
        } else {
            explicit
        };
        for key in keys {
            ctx.shared.store.watches.touch(db, &key);
            if blocked {
                ctx.client.ready_keys.push((db, key));
            }
        }
    }
    // A CONFIG SET of the threshold applies to the command that made it, as in Redis.
    let fresh = (ctx.shared.config_generation() != config_gen).then(|| ctx.shared.config());
    let config = fresh.as_deref().unwrap_or(ctx.config);
    let threshold = config.slowlog_log_slower_than;
    // AUTH and HELLO carry passwords: never logged (Redis redacts them).
    if threshold >= 0
        && micros >= threshold as u64
        && entry.cmd.flags & flags::SKIP_SLOWLOG == 0
        && entry.cmd.flags & flags::NO_AUTH == 0
    {
        let addr = ctx.client.handle.addr.to_string();
        let max_len = config.slowlog_max_len;
        ctx.shared.slowlog.lock().record(args, micros, ctx.now, addr, ctx.client.name.clone(), max_len);
    }
    ctx.client.stats.record(idx, micros, failed);
    latency::record(ctx, idx, micros);
    match result {
        Ok(reply) => reply,
        Err(e) => {
            ctx.shared.stats.failed_calls.fetch_add(1, Relaxed);
            ctx.shared.stats.record_error(&e.0);
            Reply::Error(e.0)
        }
    }
}

/// Adds a client's per-command counters, gathered over a batch, to the shared ones:
/// one atomic add per command name per batch instead of several per request.
pub fn flush_stats(shared: &Shared, client: &mut Client) {
    use std::sync::atomic::Ordering::Relaxed;
    let mut total = 0;
    for (idx, s) in client.stats.drain() {
        let stats = &TABLE.get(idx).stats;
        stats.calls.fetch_add(s.calls, Relaxed);
        stats.usec.fetch_add(s.usec, Relaxed);
        if s.failed > 0 {
            stats.failed_calls.fetch_add(s.failed, Relaxed);
        }
        total += s.calls;
    }
    if total > 0 {
        shared.stats.commands_processed.fetch_add(total, Relaxed);
    }
}

/// A refused EXEC also ends the transaction, and Redis words its error as an abort:
/// `EXECABORT Transaction discarded because of: <the error without its ERR code>`.
fn reject_maybe_exec(ctx: &mut Ctx, fullname: &str, e: CmdError) -> Reply {
    if fullname != "exec" {
        return reject(ctx, e);
    }
    ctx.client.multi = None;
    ctx.client.multi_error = false;
    transactions::unwatch_all(ctx);
    let detail = e.0.strip_prefix(b"ERR ").unwrap_or(&e.0);
    let mut text = b"EXECABORT Transaction discarded because of: ".to_vec();
    text.extend_from_slice(detail);
    reject(ctx, errors::custom(text))
}

fn reject(ctx: &mut Ctx, e: CmdError) -> Reply {
    use std::sync::atomic::Ordering::Relaxed;
    // A command refused while queueing makes EXEC abort.
    if ctx.client.multi.is_some() {
        ctx.client.multi_error = true;
    }
    ctx.shared.stats.rejected_calls.fetch_add(1, Relaxed);
    ctx.shared.stats.record_error(&e.0);
    Reply::Error(e.0)
}

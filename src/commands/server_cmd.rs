//! Server commands: INFO, TIME, SHUTDOWN, DEBUG, MONITOR.

use std::fmt::Write as _;
use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;

use super::args::is;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::{acl, CmdResult, Command, Ctx, TABLE};
use crate::protocol::Reply;
use crate::server::log::Level;
use crate::store::Entry;

/// The server family's rows.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "info",
        arity: -1,
        flags: LOADING | STALE,
        acl: acl::DANGEROUS,
        keys: (0, 0, 0),
        handler: info,
        subcommands: &[],
    },
    Command {
        name: "time",
        arity: 1,
        flags: LOADING | STALE | FAST,
        acl: 0,
        keys: (0, 0, 0),
        handler: time,
        subcommands: &[],
    },
    Command {
        name: "shutdown",
        arity: -1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY | EXCLUSIVE,
        acl: 0,
        keys: (0, 0, 0),
        handler: shutdown,
        subcommands: &[],
    },
    Command {
        name: "debug",
        arity: -2,
        // Exclusive, as in Redis where DEBUG runs alone: RELOAD needs the whole keyspace.
        flags: ADMIN | NOSCRIPT | LOADING | STALE | EXCLUSIVE,
        acl: 0,
        keys: (0, 0, 0),
        handler: debug,
        subcommands: &[],
    },
    Command {
        name: "monitor",
        arity: 1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: 0,
        keys: (0, 0, 0),
        handler: monitor,
        subcommands: &[],
    },
];

/// MONITOR: from now on, every command another client runs is sent here as a line
/// (see `server::pubsub::Monitors`). A second MONITOR is answered with nothing.
fn monitor(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    if ctx.client.monitor {
        return Ok(Reply::Many(Vec::new()));
    }
    if ctx.client.in_exec {
        return Err(CmdError::from(e::MONITOR_IN_EXEC));
    }
    ctx.client.monitor = true;
    ctx.shared.monitors.add(&ctx.client.handle);
    Ok(Reply::Ok)
}

/// TIME → [unix seconds, microseconds] as bulk strings.
fn time(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok(Reply::Array(vec![
        Reply::bulk_string(now.as_secs().to_string()),
        Reply::bulk_string(now.subsec_micros().to_string()),
    ]))
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] → nothing on success (the server stops).
fn shutdown(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let (mut nosave, mut save, mut abort, mut other, mut force) = (false, false, false, false, false);
    for opt in &a[1..] {
        if is(opt, "nosave") {
            nosave = true;
        } else if is(opt, "save") {
            save = true;
        } else if is(opt, "now") {
            other = true;
        } else if is(opt, "force") {
            other = true;
            force = true;
        } else if is(opt, "abort") {
            abort = true;
        } else {
            return Err(e::SYNTAX.into());
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(e::SYNTAX.into());
    }
    if abort {
        return Err("ERR No shutdown in progress.".into());
    }
    ctx.shared.log(Level::Warning, "User requested shutdown...");
    if !crate::persist::save::final_save(ctx.shared, save, nosave) && !force {
        ctx.shared.log(Level::Warning, "Errors trying to shut down the server. Check the logs for more information.");
        return Err(e::SHUTDOWN_FAILED.into());
    }
    ctx.shared.request_shutdown();
    ctx.client.close_after_reply = true;
    // Redis closes the connection without a reply when the shutdown goes ahead.
    ctx.client.reply_mode = crate::server::client::ReplyMode::Skip;
    Ok(Reply::Ok)
}

use crate::server::memory::{self, human as human_bytes};

fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage writes one plain struct that we zero-initialise first.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_stime), t(ru.ru_utime))
}

/// INFO persistence's extra lines while the AOF is on.
fn aof_sizes(sh: &crate::server::shared::Shared) -> String {
    if !sh.aof.enabled() {
        return String::new();
    }
    format!(
        "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:{}\r\n",
        sh.aof.current_size.load(Relaxed),
        sh.aof.base_size.load(Relaxed),
        sh.aof.delayed_fsync.load(Relaxed)
    )
}

/// INFO [section [section ...]] → Verbatim string of `# Section` blocks.
fn info(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    const DEFAULT: &[&str] = &[
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "errorstats",
        "cluster",
        "keyspace",
    ];
    const ALL_EXTRA: &[&str] = &["commandstats", "latencystats"];
    let mut wanted: Vec<String> = Vec::new();
    if a.len() == 1 {
        wanted.extend(DEFAULT.iter().map(|s| s.to_string()));
    }
    for arg in &a[1..] {
        let s = String::from_utf8_lossy(arg).to_lowercase();
        match s.as_str() {
            "default" => wanted.extend(DEFAULT.iter().map(|s| s.to_string())),
            "all" | "everything" => {
                wanted.extend(DEFAULT.iter().map(|s| s.to_string()));
                wanted.extend(ALL_EXTRA.iter().map(|s| s.to_string()));
            }
            _ => wanted.push(s),
        }
    }
    let order = [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "commandstats",
        "errorstats",
        "latencystats",
        "cluster",
        "keyspace",
    ];
    let mut out = String::new();
    for section in order.iter().filter(|s| wanted.iter().any(|w| w == *s)) {
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        info_section(ctx, section, &mut out);
    }
    Ok(Reply::Verbatim("txt", Bytes::from(out)))
}

fn info_section(ctx: &Ctx, section: &str, out: &mut String) {
    let sh = ctx.shared;
    let cfg = ctx.config;
    let uptime = sh.started.elapsed().as_secs();
    let w = out;
    match section {
        "server" => {
            let _ = write!(
                w,
                "# Server\r\nredis_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\nferrokv_version:{}\r\n",
                crate::REDIS_VERSION,
                std::env::consts::OS.replace("linux", "Linux"),
                std::env::consts::ARCH,
                std::process::id(),
                sh.run_id,
                sh.port.load(Relaxed),
                ctx.now * 1000,
                uptime,
                uptime / 86400,
                cfg.hz,
                cfg.hz,
                crate::store::lru_clock(ctx.now),
                sh.executable,
                sh.config_file,
                crate::VERSION,
            );
        }
        "clients" => {
            let _ = write!(
                w,
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:{}\r\n",
                sh.clients.count(),
                cfg.maxclients,
                sh.store.blocking.blocked_clients(),
                sh.store.blocking.blocked_clients()
            );
        }
        "memory" => {
            let o = super::memory_cmd::Overhead::read(sh);
            let (a, used, rss, peak, startup) = (o.allocator, o.total, o.rss, o.peak, o.startup);
            let (overhead, dataset) = (o.overhead_total(), o.dataset());
            let ratio = |x: u64, y: u64| if y > 0 { x as f64 / y as f64 } else { 0.0 };
            let total = memory::total_system_memory();
            let not_counted = crate::server::maxmemory::not_counted(sh);
            let _ = write!(
                w,
                "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2}%\r\nused_memory_overhead:{overhead}\r\nused_memory_startup:{startup}\r\nused_memory_dataset:{dataset}\r\nused_memory_dataset_perc:{:.2}%\r\nallocator_allocated:{used}\r\nallocator_active:{}\r\nallocator_resident:{}\r\ntotal_system_memory:{total}\r\ntotal_system_memory_human:{}\r\nused_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\nused_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\nnumber_of_functions:0\r\nnumber_of_libraries:0\r\nused_memory_vm_functions:0\r\nused_memory_vm_total:0\r\nused_memory_vm_total_human:0B\r\nused_memory_functions:0\r\nused_memory_scripts:0\r\nused_memory_scripts_human:0B\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nallocator_frag_ratio:{:.2}\r\nallocator_frag_bytes:{}\r\nallocator_rss_ratio:{:.2}\r\nallocator_rss_bytes:{}\r\nrss_overhead_ratio:{:.2}\r\nrss_overhead_bytes:{}\r\nmem_fragmentation_ratio:{:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_not_counted_for_evict:{not_counted}\r\nmem_replication_backlog:0\r\nmem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:{}\r\nmem_cluster_links:0\r\nmem_aof_buffer:{}\r\nmem_allocator:{}\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
                human_bytes(used),
                human_bytes(rss),
                human_bytes(peak),
                ratio(used, peak) * 100.0,
                ratio(dataset, o.net().max(1)) * 100.0,
                a.active,
                a.resident,
                human_bytes(total),
                cfg.maxmemory,
                human_bytes(cfg.maxmemory),
                cfg.maxmemory_policy,
                ratio(a.active, used),
                a.active.saturating_sub(used),
                ratio(a.resident, a.active),
                a.resident.saturating_sub(a.active),
                ratio(rss, a.resident),
                rss.saturating_sub(a.resident),
                ratio(rss, used),
                rss.saturating_sub(used),
                o.clients,
                o.aof_buffer,
                if cfg!(feature = "jemalloc") { "jemalloc-5.3.0" } else { "libc" },
            );
        }
        "persistence" => {
            let p = &sh.persist;
            let (current_secs, keys_done, keys_total) = p.current();
            let _ = write!(
                w,
                "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:{keys_done}\r\ncurrent_save_keys_total:{keys_total}\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{current_secs}\r\nrdb_saves:{}\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\naof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:{}\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n{}",
                sh.stats.dirty.load(Relaxed),
                u8::from(current_secs >= 0),
                p.lastsave.load(Relaxed),
                if p.last_bgsave_ok.load(Relaxed) { "ok" } else { "err" },
                p.last_bgsave_secs.load(Relaxed),
                p.saves.load(Relaxed),
                p.loaded_expired.load(Relaxed),
                p.loaded_keys.load(Relaxed),
                u8::from(sh.aof.enabled()),
                u8::from(p.rewrite_in_progress()),
                u8::from(p.rewrite_scheduled.load(Relaxed)),
                p.last_rewrite_secs.load(Relaxed),
                p.rewrite_secs(),
                if p.last_rewrite_ok.load(Relaxed) { "ok" } else { "err" },
                p.rewrites.load(Relaxed),
                if sh.aof.write_failed.load(Relaxed) { "err" } else { "ok" },
                aof_sizes(sh),
            );
        }
        "stats" => {
            let s = &sh.stats;
            let st = &sh.store.stats;
            let exceeded = sh.evictor.exceeded_times();
            let _ = write!(
                w,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\ninstantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:{}\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\nevicted_keys:{}\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:{}\r\ncurrent_eviction_exceeded_time:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\nunexpected_error_replies:0\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:0\r\ntotal_writes_processed:0\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
                s.connections_received.load(Relaxed),
                s.commands_processed.load(Relaxed),
                s.net_input_bytes.load(Relaxed),
                s.net_output_bytes.load(Relaxed),
                s.rejected_connections.load(Relaxed),
                st.expired_keys.load(Relaxed),
                st.evicted_keys.load(Relaxed),
                exceeded.0,
                exceeded.1,
                st.keyspace_hits.load(Relaxed),
                st.keyspace_misses.load(Relaxed),
                s.total_error_replies.load(Relaxed),
            );
        }
        "replication" => {
            let _ = write!(
                w,
                "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n",
                sh.run_id
            );
        }
        "cpu" => {
            let (sys, user) = cpu_times();
            let _ = write!(
                w,
                "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{sys:.6}\r\nused_cpu_user_main_thread:{user:.6}\r\n"
            );
        }
        "modules" => w.push_str("# Modules\r\n"),
        "commandstats" => {
            w.push_str("# Commandstats\r\n");
            for (_, entry) in TABLE.all() {
                let calls = entry.stats.calls.load(Relaxed);
                let rejected = entry.stats.rejected_calls.load(Relaxed);
                let failed = entry.stats.failed_calls.load(Relaxed);
                if calls == 0 && rejected == 0 && failed == 0 {
                    continue;
                }
                let usec = entry.stats.usec.load(Relaxed);
                let per = if calls > 0 { usec as f64 / calls as f64 } else { 0.0 };
                let _ = write!(
                    w,
                    "cmdstat_{}:calls={calls},usec={usec},usec_per_call={per:.2},rejected_calls={rejected},failed_calls={failed}\r\n",
                    entry.fullname
                );
            }
        }
        "errorstats" => {
            w.push_str("# Errorstats\r\n");
            for (code, n) in sh.stats.errors.lock().iter() {
                let _ = write!(w, "errorstat_{code}:count={n}\r\n");
            }
        }
        "latencystats" => super::latency::info_section(ctx, w),
        "cluster" => w.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
        "keyspace" => {
            w.push_str("# Keyspace\r\n");
            for db in 0..sh.store.databases() {
                let (keys, expires, avg_ttl) = sh.store.db_counts(db, ctx.now);
                if keys > 0 {
                    let _ = write!(w, "db{db}:keys={keys},expires={expires},avg_ttl={avg_ttl}\r\n");
                }
            }
        }
        _ => {}
    }
}

/// May this client run DEBUG? (`enable-debug-command`: no, yes, or local connections only.)
fn debug_allowed(ctx: &Ctx) -> bool {
    ctx.config.enable_debug_command.allows(ctx.client.handle.addr.ip().is_loopback())
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves, empties the dataset and loads the
/// file again (runs with the gate held exclusively).
fn debug_reload(ctx: &mut Ctx, opts: &[Bytes]) -> CmdResult {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for opt in opts {
        if is(opt, "merge") {
            merge = true;
        } else if is(opt, "noflush") {
            flush = false;
        } else if is(opt, "nosave") {
            save = false;
        } else {
            return Err(e::RELOAD_OPTIONS.into());
        }
    }
    let shared = ctx.shared;
    if save && crate::persist::save::save(shared).is_err() {
        return Err(e::BARE_ERR.into());
    }
    if flush {
        for db in 0..shared.store.databases() {
            drop(shared.store.flush_db(db));
        }
    }
    let config = shared.config();
    let path = config.resolve_path(&config.dbfilename);
    let opts = crate::persist::load::Options { keep_expired: false, merge };
    match crate::persist::load::load_file(shared, &path, opts) {
        Ok(Some(_)) => {
            shared.log(Level::Warning, "DB reloaded by DEBUG RELOAD");
            Ok(Reply::Ok)
        }
        Ok(None) => Err(e::RELOAD_LOAD_FAILED.into()),
        Err(why) => {
            shared.log(Level::Warning, &why);
            Err(e::RELOAD_LOAD_FAILED.into())
        }
    }
}

/// DEBUG subcommand [args ...]: SLEEP, SET-ACTIVE-EXPIRE, OBJECT, STRINGMATCH-LEN, POPULATE, HELP.
fn debug(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if !debug_allowed(ctx) {
        return Err(e::DEBUG_DISABLED.into());
    }
    let sub = &a[1];
    if is(sub, "help") {
        return Ok(Reply::Array(
            [
                "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "OBJECT <key>",
                "    Show low level info about the `key` and associated value.",
                "POPULATE <count> [<prefix>] [<size>]",
                "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                "    it is used instead of the 'key' prefix. These are not propagated to",
                "    replicas. Cluster slots are not respected so keys not belonging to the",
                "    current node can be created in cluster mode.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "STRINGMATCH-LEN",
                "    Run a fuzz tester against the stringmatchlen() function.",
                "HELP",
                "    Prints this help.",
            ]
            .iter()
            .map(|l| Reply::simple(l))
            .collect(),
        ));
    }
    if is(sub, "sleep") && a.len() == 3 {
        let secs = crate::numbers::parse_f64(&a[2]).unwrap_or(0.0).clamp(0.0, 3600.0);
        std::thread::sleep(std::time::Duration::from_secs_f64(secs));
        return Ok(Reply::Ok);
    }
    if is(sub, "set-active-expire") && a.len() == 3 {
        let on = crate::numbers::parse_i64(&a[2]).ok_or(CmdError::from(e::NOT_INTEGER))? != 0;
        ctx.shared.active_expire.store(on, Relaxed);
        return Ok(Reply::Ok);
    }
    if is(sub, "object") && a.len() == 3 {
        let db = ctx.client.db;
        let now_clock = crate::store::lru_clock(ctx.now);
        let mut t = ctx.lock(&[&a[2]]);
        let Some(entry) = t.peek_no_touch(db, &a[2]) else {
            return Err(e::NO_SUCH_KEY.into());
        };
        let enc = entry.encoding();
        let len = entry.as_str().map_or(0, <[u8]>::len);
        let lru = entry.lru();
        let refcount = if super::keys::is_shared_integer(entry) { i32::MAX } else { 1 };
        let text = format!(
            "Value at:0x0 refcount:{refcount} encoding:{enc} serializedlength:{} lru:{lru} lru_seconds_idle:{}",
            len + 1,
            now_clock.saturating_sub(lru)
        );
        return Ok(Reply::Simple(Bytes::from(text)));
    }
    if is(sub, "reload") {
        return debug_reload(ctx, &a[2..]);
    }
    if is(sub, "stringmatch-len") {
        // Redis runs a fuzzer here; ours is proven by unit tests, so answer as Redis does.
        return Ok(Reply::simple("OK"));
    }
    if is(sub, "populate") && (3..=5).contains(&a.len()) {
        let count = super::args::int(&a[2])?;
        if count < 0 {
            return Err(e::MUST_BE_POSITIVE.into());
        }
        let prefix: &[u8] = if a.len() >= 4 { &a[3] } else { b"key" };
        let size = if a.len() == 5 {
            usize::try_from(super::args::int(&a[4])?).map_err(|_| CmdError::from(e::MUST_BE_POSITIVE))?
        } else {
            0
        };
        let db = ctx.client.db;
        let lru = ctx.shared.store.new_clock(ctx.now);
        for j in 0..count {
            let mut key = prefix.to_vec();
            key.push(b':');
            key.extend_from_slice(j.to_string().as_bytes());
            let mut t = ctx.lock(&[&key]);
            if t.exists(db, &key) {
                continue;
            }
            let mut value = format!("value:{j}").into_bytes();
            if size > 0 {
                value.resize(size, 0);
            }
            t.insert(db, Entry::new_string(&key, &value, None, lru));
        }
        return Ok(Reply::Ok);
    }
    let mut text = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    text.extend_from_slice(sub);
    text.extend_from_slice(b"'. Try DEBUG HELP.");
    Err(e::custom(text))
}

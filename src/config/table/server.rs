//! Table rows for the server itself: network, security, and general parameters.

use super::super::kinds::{
    choice, choice_in, int, int_in, mem_in, text, text_checked, text_in, yes_no, yes_no_in, Kind, NumForm, Slot,
};
use super::super::special;
use super::*;

/// Listening, clients, protocol limits.
pub(super) static NETWORK: &[Param] = &[
    Param::new("bind", special::BIND),
    Param::new("bind-source-addr", text("")),
    Param::new("port", int_in(0, 65535, 6379, |c| c.port.into(), |c, v| c.port = v as u16)),
    Param::new("tcp-backlog", int_in(0, INT_MAX, 511, |c| c.tcp_backlog.into(), |c, v| c.tcp_backlog = v as u32))
        .flags(IMMUTABLE),
    Param::new("unixsocket", text_in("", |c| c.unixsocket.clone().into_bytes(), |c, v| c.unixsocket = lossy(v)))
        .flags(IMMUTABLE),
    Param::new(
        "unixsocketperm",
        Kind::Num {
            min: 0,
            max: 0o777,
            unsigned: false,
            form: NumForm::Octal,
            default: 0,
            slot: Slot::Field(|c| c.unixsocketperm.into(), |c, v| c.unixsocketperm = v as u32),
        },
    )
    .flags(IMMUTABLE),
    Param::new("socket-mark-id", int(0, UINT_MAX, 0)).flags(IMMUTABLE),
    Param::new("protected-mode", yes_no_in(true, |c| c.protected_mode, |c, v| c.protected_mode = v)),
    Param::new("timeout", int_in(0, INT_MAX, 0, |c| c.timeout as i64, |c, v| c.timeout = v as u64)),
    Param::new("tcp-keepalive", int_in(0, INT_MAX, 300, |c| c.tcp_keepalive as i64, |c, v| c.tcp_keepalive = v as u64)),
    Param::new("maxclients", int_in(1, UINT_MAX, 10000, |c| c.maxclients as i64, |c, v| c.maxclients = v as u64)),
    Param::new("io-threads", int_in(1, 128, 1, |c| c.io_threads as i64, |c, v| c.io_threads = v as usize))
        .flags(IMMUTABLE),
    Param::new("io-threads-do-reads", yes_no(false)).flags(IMMUTABLE),
    Param::new(
        "proto-max-bulk-len",
        mem_in(
            MB as i128,
            LLONG_MAX,
            512 * MB,
            |c| c.proto_max_bulk_len as i64,
            |c, v| c.proto_max_bulk_len = v as u64,
        ),
    ),
    Param::new(
        "client-query-buffer-limit",
        mem_in(
            MB as i128,
            LLONG_MAX,
            1024 * MB,
            |c| c.client_query_buffer_limit as i64,
            |c, v| c.client_query_buffer_limit = v as u64,
        ),
    ),
    Param::new("client-output-buffer-limit", special::CLIENT_OUTPUT_BUFFER_LIMIT),
    Param::new(
        "maxmemory-clients",
        Kind::Num {
            min: -100,
            max: LLONG_MAX,
            unsigned: false,
            form: NumForm::MemoryOrPercent,
            default: 0,
            slot: Slot::Other,
        },
    ),
];

/// Passwords, ACL, who may run what.
pub(super) static SECURITY: &[Param] = &[
    Param::new(
        "requirepass",
        text_in(
            "",
            |c| c.requirepass.clone().unwrap_or_default(),
            |c, v| c.requirepass = if v.is_empty() { None } else { Some(v) },
        ),
    ),
    Param::new("masteruser", text("")),
    Param::new("masterauth", text("")),
    Param::new("aclfile", text_in("", |c| c.aclfile.clone().into_bytes(), |c, v| c.aclfile = lossy(v)))
        .flags(IMMUTABLE),
    Param::new(
        "acllog-max-len",
        int_in(0, LLONG_MAX, 128, |c| c.acllog_max_len as i64, |c, v| c.acllog_max_len = v as u64),
    ),
    Param::new("acl-pubsub-default", choice(ACL_PUBSUB_DEFAULT, 1)),
    Param::new(
        "enable-protected-configs",
        choice_in(
            DEBUG_ENABLE,
            0,
            |c| enable_value(c.enable_protected_configs),
            |c, v| c.enable_protected_configs = enable_from(v),
        ),
    )
    .flags(IMMUTABLE),
    Param::new(
        "enable-debug-command",
        choice_in(
            DEBUG_ENABLE,
            0,
            |c| enable_value(c.enable_debug_command),
            |c, v| c.enable_debug_command = enable_from(v),
        ),
    )
    .flags(IMMUTABLE),
    Param::new(
        "enable-module-command",
        choice_in(
            DEBUG_ENABLE,
            0,
            |c| enable_value(c.enable_module_command),
            |c, v| c.enable_module_command = enable_from(v),
        ),
    )
    .flags(IMMUTABLE),
    Param::new("sanitize-dump-payload", choice(SANITIZE_DUMP_PAYLOAD, 0)),
];

/// Databases, logging, process, shutdown.
pub(super) static GENERAL: &[Param] = &[
    Param::new("databases", int_in(1, INT_MAX, 16, |c| c.databases as i64, |c, v| c.databases = v as usize))
        .flags(IMMUTABLE),
    // Redis accepts 0..INT_MAX but stores it clamped to 1..=500, in files and CONFIG SET.
    Param::new("hz", int_in(0, INT_MAX, 10, |c| c.hz.into(), |c, v| c.hz = v.clamp(1, 500) as u32)),
    Param::new("dynamic-hz", yes_no_in(true, |c| c.dynamic_hz, |c, v| c.dynamic_hz = v)),
    Param::new("loglevel", choice_in(LOGLEVELS, 2, |c| c.loglevel as u8, |c, v| c.loglevel = loglevel_from(v))),
    Param::new("logfile", text_in("", |c| c.logfile.clone().into_bytes(), |c, v| c.logfile = lossy(v)))
        .flags(IMMUTABLE),
    Param::new("syslog-enabled", yes_no(false)).flags(IMMUTABLE),
    Param::new("syslog-ident", text("redis")).flags(IMMUTABLE),
    Param::new("syslog-facility", choice(SYSLOG_FACILITIES, 1)).flags(IMMUTABLE),
    Param::new("crash-log-enabled", yes_no(true)),
    Param::new("crash-memcheck-enabled", yes_no(true)),
    Param::new("use-exit-on-panic", yes_no(false)).flags(HIDDEN),
    Param::new("daemonize", yes_no_in(false, |c| c.daemonize, |c, v| c.daemonize = v)).flags(IMMUTABLE),
    Param::new("supervised", choice(SUPERVISED, 3)).flags(IMMUTABLE),
    Param::new("pidfile", text_in("", |c| c.pidfile.clone().into_bytes(), |c, v| c.pidfile = lossy(v)))
        .flags(IMMUTABLE),
    Param::new("always-show-logo", yes_no(false)).flags(IMMUTABLE),
    Param::new("set-proc-title", yes_no(true)).flags(IMMUTABLE),
    Param::new(
        "proc-title-template",
        text_checked("{title} {listen-addr} {server-mode}", special::check_proc_title_template),
    ),
    Param::new("ignore-warnings", text("")),
    Param::new("disable-thp", yes_no(true)).flags(IMMUTABLE),
    Param::new("jemalloc-bg-thread", yes_no(true)),
    Param::new("oom-score-adj", choice(OOM_SCORE_ADJ, 0)),
    Param::new("oom-score-adj-values", special::OOM_SCORE_ADJ_VALUES),
    Param::new("server_cpulist", text("")).flags(IMMUTABLE),
    Param::new("bio_cpulist", text("")).flags(IMMUTABLE),
    Param::new("aof_rewrite_cpulist", text("")).flags(IMMUTABLE),
    Param::new("bgsave_cpulist", text("")).flags(IMMUTABLE),
    Param::new(
        "busy-reply-threshold",
        int_in(0, LLONG_MAX, 5000, |c| c.busy_reply_threshold as i64, |c, v| c.busy_reply_threshold = v as u64),
    )
    .alias("lua-time-limit"),
    Param::new(
        "shutdown-timeout",
        int_in(0, INT_MAX, 10, |c| c.shutdown_timeout as i64, |c, v| c.shutdown_timeout = v as u64),
    ),
    Param::new(
        "shutdown-on-sigint",
        Kind::Flags {
            names: SHUTDOWN_FLAGS,
            default: 0,
            slot: Slot::Field(|c| shutdown_bits(c.shutdown_on_sigint), |c, v| c.shutdown_on_sigint = shutdown_from(v)),
        },
    ),
    Param::new(
        "shutdown-on-sigterm",
        Kind::Flags {
            names: SHUTDOWN_FLAGS,
            default: 0,
            slot: Slot::Field(
                |c| shutdown_bits(c.shutdown_on_sigterm),
                |c, v| c.shutdown_on_sigterm = shutdown_from(v),
            ),
        },
    ),
    Param::new("propagation-error-behavior", choice(PROPAGATION_ERROR_BEHAVIOR, 0)),
    Param::new("watchdog-period", int(0, INT_MAX, 0)).flags(HIDDEN),
];

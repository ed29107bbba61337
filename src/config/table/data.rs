//! Table rows for data: persistence (RDB, AOF), memory and eviction, events and
//! monitoring, and the encodings of the data types.

use super::super::kinds::{
    choice_in, int, int_in, mem, mem_in, text_checked_in, yes_no, yes_no_in, Kind, NumForm, Slot,
};
use super::super::special;
use super::*;

/// RDB snapshots and the append-only file.
pub(super) static PERSISTENCE: &[Param] = &[
    Param::new("save", special::SAVE),
    Param::new("dir", special::DIR).flags(PROTECTED),
    Param::new(
        "dbfilename",
        text_checked_in(
            "dump.rdb",
            special::check_dbfilename,
            |c| c.dbfilename.clone().into_bytes(),
            |c, v| c.dbfilename = lossy(v),
        ),
    )
    .flags(PROTECTED),
    Param::new("rdbcompression", yes_no_in(true, |c| c.rdbcompression, |c, v| c.rdbcompression = v)),
    Param::new("rdbchecksum", yes_no_in(true, |c| c.rdbchecksum, |c, v| c.rdbchecksum = v)).flags(IMMUTABLE),
    Param::new("rdb-del-sync-files", yes_no(false)),
    Param::new("rdb-save-incremental-fsync", yes_no(true)),
    Param::new("rdb-key-save-delay", int(INT_MIN, INT_MAX, 0)).flags(HIDDEN),
    Param::new("key-load-delay", int(INT_MIN, INT_MAX, 0)).flags(HIDDEN),
    Param::new("loading-process-events-interval-bytes", int(1024, INT_MAX, 2 * MB)).flags(HIDDEN),
    Param::new(
        "stop-writes-on-bgsave-error",
        yes_no_in(true, |c| c.stop_writes_on_bgsave_error, |c, v| c.stop_writes_on_bgsave_error = v),
    ),
    Param::new("appendonly", yes_no_in(false, |c| c.appendonly, |c, v| c.appendonly = v)),
    Param::new(
        "appendfilename",
        text_checked_in(
            "appendonly.aof",
            special::check_appendfilename,
            |c| c.appendfilename.clone().into_bytes(),
            |c, v| c.appendfilename = lossy(v),
        ),
    )
    .flags(IMMUTABLE),
    Param::new(
        "appenddirname",
        text_checked_in(
            "appendonlydir",
            special::check_appenddirname,
            |c| c.appenddirname.clone().into_bytes(),
            |c, v| c.appenddirname = lossy(v),
        ),
    )
    .flags(IMMUTABLE),
    Param::new(
        "appendfsync",
        choice_in(
            APPENDFSYNC,
            0,
            |c| name_value(APPENDFSYNC, &c.appendfsync),
            |c, v| c.appendfsync = value_name(APPENDFSYNC, v),
        ),
    ),
    Param::new("no-appendfsync-on-rewrite", yes_no(false)),
    Param::new(
        "auto-aof-rewrite-percentage",
        int_in(
            0,
            INT_MAX,
            100,
            |c| c.auto_aof_rewrite_percentage as i64,
            |c, v| c.auto_aof_rewrite_percentage = v as u64,
        ),
    ),
    Param::new(
        "auto-aof-rewrite-min-size",
        mem_in(
            0,
            LLONG_MAX,
            64 * MB,
            |c| c.auto_aof_rewrite_min_size as i64,
            |c, v| c.auto_aof_rewrite_min_size = v as u64,
        ),
    ),
    Param::new("aof-rewrite-incremental-fsync", yes_no(true)),
    Param::new("aof-load-truncated", yes_no_in(true, |c| c.aof_load_truncated, |c, v| c.aof_load_truncated = v)),
    Param::new("aof-use-rdb-preamble", yes_no_in(true, |c| c.aof_use_rdb_preamble, |c, v| c.aof_use_rdb_preamble = v)),
    Param::new(
        "aof-timestamp-enabled",
        yes_no_in(false, |c| c.aof_timestamp_enabled, |c, v| c.aof_timestamp_enabled = v),
    ),
    Param::new("aof-disable-auto-gc", yes_no(false)),
];

/// Memory limit, eviction, lazy freeing, defragmentation.
pub(super) static MEMORY: &[Param] = &[
    Param::new(
        "maxmemory",
        Kind::Num {
            min: 0,
            max: ULLONG_MAX,
            unsigned: true,
            form: NumForm::Memory,
            default: 0,
            slot: Slot::Field(|c| c.maxmemory as i64, |c, v| c.maxmemory = v as u64),
        },
    ),
    Param::new(
        "maxmemory-policy",
        choice_in(
            MAXMEMORY_POLICIES,
            7,
            |c| name_value(MAXMEMORY_POLICIES, &c.maxmemory_policy),
            |c, v| c.maxmemory_policy = value_name(MAXMEMORY_POLICIES, v),
        ),
    ),
    Param::new(
        "maxmemory-samples",
        int_in(1, INT_MAX, 5, |c| c.maxmemory_samples as i64, |c, v| c.maxmemory_samples = v as u64),
    ),
    Param::new(
        "maxmemory-eviction-tenacity",
        int_in(0, 100, 10, |c| c.maxmemory_eviction_tenacity as i64, |c, v| c.maxmemory_eviction_tenacity = v as u64),
    ),
    Param::new(
        "lazyfree-lazy-eviction",
        yes_no_in(false, |c| c.lazyfree_lazy_eviction, |c, v| c.lazyfree_lazy_eviction = v),
    ),
    Param::new("lazyfree-lazy-expire", yes_no_in(false, |c| c.lazyfree_lazy_expire, |c, v| c.lazyfree_lazy_expire = v)),
    Param::new(
        "lazyfree-lazy-server-del",
        yes_no_in(false, |c| c.lazyfree_lazy_server_del, |c, v| c.lazyfree_lazy_server_del = v),
    ),
    Param::new(
        "lazyfree-lazy-user-del",
        yes_no_in(false, |c| c.lazyfree_lazy_user_del, |c, v| c.lazyfree_lazy_user_del = v),
    ),
    Param::new(
        "lazyfree-lazy-user-flush",
        yes_no_in(false, |c| c.lazyfree_lazy_user_flush, |c, v| c.lazyfree_lazy_user_flush = v),
    ),
    Param::new(
        "active-expire-effort",
        int_in(1, 10, 1, |c| c.active_expire_effort as i64, |c, v| c.active_expire_effort = v as u64),
    ),
    Param::new(
        "lfu-log-factor",
        int_in(0, INT_MAX, 10, |c| c.lfu_log_factor as i64, |c, v| c.lfu_log_factor = v as u64),
    ),
    Param::new(
        "lfu-decay-time",
        int_in(0, INT_MAX, 1, |c| c.lfu_decay_time as i64, |c, v| c.lfu_decay_time = v as u64),
    ),
    Param::new("activerehashing", yes_no(true)),
    Param::new("activedefrag", special::ACTIVEDEFRAG),
    Param::new("active-defrag-ignore-bytes", mem(1, LLONG_MAX, 100 * MB)),
    Param::new("active-defrag-threshold-lower", int(0, 1000, 10)),
    Param::new("active-defrag-threshold-upper", int(0, 1000, 100)),
    Param::new("active-defrag-cycle-min", int(1, 99, 1)),
    Param::new("active-defrag-cycle-max", int(1, 99, 25)),
    Param::new("active-defrag-max-scan-fields", int(1, LLONG_MAX, 1000)),
];

/// Keyspace events, slow log, latency, client tracking.
pub(super) static EVENTS: &[Param] = &[
    Param::new("notify-keyspace-events", special::NOTIFY_KEYSPACE_EVENTS),
    Param::new(
        "slowlog-log-slower-than",
        int_in(-1, LLONG_MAX, 10000, |c| c.slowlog_log_slower_than, |c, v| c.slowlog_log_slower_than = v),
    ),
    Param::new(
        "slowlog-max-len",
        int_in(0, LLONG_MAX, 128, |c| c.slowlog_max_len as i64, |c, v| c.slowlog_max_len = v as u64),
    ),
    Param::new(
        "latency-monitor-threshold",
        int_in(0, LLONG_MAX, 0, |c| c.latency_monitor_threshold as i64, |c, v| c.latency_monitor_threshold = v as u64),
    ),
    Param::new("latency-tracking", yes_no_in(true, |c| c.latency_tracking, |c, v| c.latency_tracking = v)),
    Param::new("latency-tracking-info-percentiles", special::LATENCY_TRACKING_INFO_PERCENTILES),
    Param::new(
        "tracking-table-max-keys",
        int_in(
            0,
            LLONG_MAX,
            1_000_000,
            |c| c.tracking_table_max_keys as i64,
            |c, v| c.tracking_table_max_keys = v as u64,
        ),
    ),
];

/// When compact encodings convert to full ones.
pub(super) static ENCODINGS: &[Param] = &[
    Param::new(
        "hash-max-listpack-entries",
        int_in(
            0,
            LLONG_MAX,
            512,
            |c| c.hash_max_listpack_entries as i64,
            |c, v| c.hash_max_listpack_entries = v as u64,
        ),
    )
    .alias("hash-max-ziplist-entries"),
    Param::new(
        "hash-max-listpack-value",
        mem_in(0, LLONG_MAX, 64, |c| c.hash_max_listpack_value as i64, |c, v| c.hash_max_listpack_value = v as u64),
    )
    .alias("hash-max-ziplist-value"),
    Param::new(
        "list-max-listpack-size",
        int_in(INT_MIN, INT_MAX, -2, |c| c.list_max_listpack_size, |c, v| c.list_max_listpack_size = v),
    )
    .alias("list-max-ziplist-size"),
    Param::new(
        "list-compress-depth",
        int_in(0, INT_MAX, 0, |c| c.list_compress_depth as i64, |c, v| c.list_compress_depth = v as u64),
    ),
    Param::new(
        "set-max-intset-entries",
        int_in(0, LLONG_MAX, 512, |c| c.set_max_intset_entries as i64, |c, v| c.set_max_intset_entries = v as u64),
    ),
    Param::new(
        "zset-max-listpack-entries",
        int_in(
            0,
            LLONG_MAX,
            128,
            |c| c.zset_max_listpack_entries as i64,
            |c, v| c.zset_max_listpack_entries = v as u64,
        ),
    )
    .alias("zset-max-ziplist-entries"),
    Param::new(
        "zset-max-listpack-value",
        mem_in(0, LLONG_MAX, 64, |c| c.zset_max_listpack_value as i64, |c, v| c.zset_max_listpack_value = v as u64),
    )
    .alias("zset-max-ziplist-value"),
    Param::new(
        "hll-sparse-max-bytes",
        mem_in(0, LLONG_MAX, 3000, |c| c.hll_sparse_max_bytes as i64, |c, v| c.hll_sparse_max_bytes = v as u64),
    ),
    Param::new(
        "stream-node-max-bytes",
        mem_in(0, LLONG_MAX, 4096, |c| c.stream_node_max_bytes as i64, |c, v| c.stream_node_max_bytes = v as u64),
    ),
    Param::new(
        "stream-node-max-entries",
        int_in(0, LLONG_MAX, 100, |c| c.stream_node_max_entries as i64, |c, v| c.stream_node_max_entries = v as u64),
    ),
];

//! `CONFIG GET *` on a default configuration against redis-server 7.0.15's.

use std::collections::BTreeMap;

use super::super::{Config, Enable, LogLevel};

/// `redis-cli CONFIG GET '*'` from redis-server 7.0.15 started with only `--port`,
/// as name<TAB>value lines; `port` and `dir` (which depend on how it was started) are
/// left out and checked separately.
const RECORDED: &str = include_str!("redis_7_0_15_config_get_all.tsv");

#[test]
fn config_get_star_lists_the_same_names_and_defaults_as_redis() {
    let config = Config::default();
    let ours: BTreeMap<String, String> =
        config.get(&[b"*"]).into_iter().filter(|(name, _)| name != "port" && name != "dir").collect();
    let recorded: BTreeMap<String, String> = RECORDED
        .lines()
        .map(|l| {
            let (name, value) = l.split_once('\t').unwrap_or((l, ""));
            (name.to_string(), value.to_string())
        })
        .collect();
    let missing: Vec<&String> = recorded.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<&String> = ours.keys().filter(|k| !recorded.contains_key(*k)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:?}, extra {extra:?}");
    for (name, value) in &recorded {
        assert_eq!(ours.get(name), Some(value), "default of {name}");
    }
    // 192 names: 173 visible parameters and 19 aliases.
    assert_eq!(config.get(&[b"*"]).len(), 192);
}

#[test]
fn port_and_dir_defaults() {
    let config = Config::default();
    assert_eq!(config.get_one("port").as_deref(), Some("6379"));
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(config.get_one("dir"), Some(cwd.to_string_lossy().into_owned()));
}

#[test]
fn typed_defaults() {
    let c = Config::default();
    assert_eq!(c.bind, vec!["*".to_string(), "-::*".to_string()]);
    assert_eq!(c.port, 6379);
    assert!(c.protected_mode);
    assert_eq!(c.requirepass, None);
    assert_eq!(c.databases, 16);
    assert_eq!((c.timeout, c.tcp_keepalive, c.hz), (0, 300, 10));
    assert_eq!(c.loglevel, LogLevel::Notice);
    assert_eq!(c.logfile, "");
    assert_eq!((c.maxclients, c.io_threads), (10000, 1));
    assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(c.client_query_buffer_limit, 1024 * 1024 * 1024);
    assert_eq!(c.enable_debug_command, Enable::No);
    assert_eq!(c.save, vec![(3600, 1), (300, 100), (60, 10000)]);
    assert!(!c.appendonly);
    assert_eq!(c.dir, "");
    assert_eq!(
        (c.dbfilename.as_str(), c.appendfilename.as_str(), c.appenddirname.as_str()),
        ("dump.rdb", "appendonly.aof", "appendonlydir")
    );
    assert_eq!(c.appendfsync, "everysec");
    assert_eq!((c.maxmemory, c.maxmemory_policy.as_str(), c.maxmemory_samples), (0, "noeviction", 5));
    assert_eq!(c.notify_keyspace_events, "");
    assert_eq!((c.slowlog_log_slower_than, c.slowlog_max_len), (10000, 128));
    assert_eq!(c.latency_tracking_info_percentiles, vec![50.0, 99.0, 99.9]);
    assert_eq!(c.client_output_buffer_limit.replica.hard, 256 * 1024 * 1024);
    assert_eq!(c.replicaof, None);
    assert!(c.worker_threads() >= 1);
}

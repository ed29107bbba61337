//! Table rows for replication, cluster and TLS: validated and reported like Redis, not
//! yet acted on by the server (no replication, cluster mode or TLS listener).

use super::super::kinds::{choice, int, mem, text, text_checked, yes_no, Kind, NumForm, Slot};
use super::super::special;
use super::*;

/// Replica and master settings.
pub(super) static REPLICATION: &[Param] = &[
    Param::new("replicaof", special::REPLICAOF).alias("slaveof").flags(IMMUTABLE),
    Param::new("replica-serve-stale-data", yes_no(true)).alias("slave-serve-stale-data"),
    Param::new("replica-read-only", yes_no(true)).alias("slave-read-only"),
    Param::new("replica-ignore-maxmemory", yes_no(true)).alias("slave-ignore-maxmemory"),
    Param::new("replica-lazy-flush", yes_no(false)).alias("slave-lazy-flush"),
    Param::new("replica-priority", int(0, INT_MAX, 100)).alias("slave-priority"),
    Param::new("replica-announce-ip", text("")).alias("slave-announce-ip"),
    Param::new("replica-announce-port", int(0, 65535, 0)).alias("slave-announce-port"),
    Param::new("replica-announced", yes_no(true)),
    Param::new("replica-ignore-disk-write-errors", yes_no(false)),
    Param::new("repl-ping-replica-period", int(1, INT_MAX, 10)).alias("repl-ping-slave-period"),
    Param::new("repl-timeout", int(1, INT_MAX, 60)),
    Param::new("repl-disable-tcp-nodelay", yes_no(false)),
    Param::new("repl-diskless-sync", yes_no(true)),
    Param::new("repl-diskless-sync-delay", int(0, INT_MAX, 5)),
    Param::new("repl-diskless-sync-max-replicas", int(0, INT_MAX, 0)),
    Param::new("repl-diskless-load", choice(REPL_DISKLESS_LOAD, 0)),
    Param::new("repl-backlog-size", mem(1, LLONG_MAX, MB)),
    Param::new("repl-backlog-ttl", int(0, LLONG_MAX, 3600)),
    Param::new("min-replicas-to-write", int(0, INT_MAX, 0)).alias("min-slaves-to-write"),
    Param::new("min-replicas-max-lag", int(0, INT_MAX, 10)).alias("min-slaves-max-lag"),
];

/// Cluster mode settings.
pub(super) static CLUSTER: &[Param] = &[
    Param::new("cluster-enabled", yes_no(false)).flags(IMMUTABLE),
    Param::new("cluster-config-file", text("nodes.conf")).flags(IMMUTABLE),
    Param::new("cluster-port", int(0, 65535, 0)).flags(IMMUTABLE),
    Param::new("cluster-node-timeout", int(0, LLONG_MAX, 15000)),
    Param::new("cluster-replica-validity-factor", int(0, INT_MAX, 10)).alias("cluster-slave-validity-factor"),
    Param::new("cluster-migration-barrier", int(0, INT_MAX, 1)),
    Param::new("cluster-allow-replica-migration", yes_no(true)),
    Param::new("cluster-require-full-coverage", yes_no(true)),
    Param::new("cluster-replica-no-failover", yes_no(false)).alias("cluster-slave-no-failover"),
    Param::new("cluster-allow-reads-when-down", yes_no(false)),
    Param::new("cluster-allow-pubsubshard-when-down", yes_no(true)),
    Param::new("cluster-announce-ip", text("")),
    Param::new("cluster-announce-hostname", text_checked("", special::check_hostname)),
    Param::new("cluster-announce-port", int(0, 65535, 0)),
    Param::new("cluster-announce-bus-port", int(0, 65535, 0)),
    Param::new("cluster-announce-tls-port", int(0, 65535, 0)),
    Param::new("cluster-preferred-endpoint-type", choice(CLUSTER_ENDPOINT_TYPES, 0)),
    Param::new(
        "cluster-link-sendbuf-limit",
        Kind::Num { min: 0, max: ULLONG_MAX, unsigned: true, form: NumForm::Memory, default: 0, slot: Slot::Other },
    ),
];

/// TLS listener and certificates.
pub(super) static TLS: &[Param] = &[
    Param::new("tls-port", int(0, 65535, 0)),
    Param::new("tls-cert-file", text("")),
    Param::new("tls-key-file", text("")),
    Param::new("tls-key-file-pass", text("")),
    Param::new("tls-client-cert-file", text("")),
    Param::new("tls-client-key-file", text("")),
    Param::new("tls-client-key-file-pass", text("")),
    Param::new("tls-dh-params-file", text("")),
    Param::new("tls-ca-cert-file", text("")),
    Param::new("tls-ca-cert-dir", text("")),
    Param::new("tls-protocols", text("")),
    Param::new("tls-ciphers", text("")),
    Param::new("tls-ciphersuites", text("")),
    Param::new("tls-auth-clients", choice(TLS_AUTH_CLIENTS, 1)),
    Param::new("tls-prefer-server-ciphers", yes_no(false)),
    Param::new("tls-session-caching", yes_no(true)),
    Param::new("tls-session-cache-size", int(0, INT_MAX, 20480)),
    Param::new("tls-session-cache-timeout", int(0, INT_MAX, 300)),
    Param::new("tls-cluster", yes_no(false)),
    Param::new("tls-replication", yes_no(false)),
];

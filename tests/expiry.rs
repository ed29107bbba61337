//! Expiry (src/store, src/server/cron.rs) through a real client: lazy expiry on
//! every read path, the active cycle reclaiming keys nobody reads, DEBUG
//! SET-ACTIVE-EXPIRE switching it off, `hz` driving it, and the TTL arithmetic
//! clients rely on (SETEX then TTL reads n; -1 without TTL; -2 when missing).

#[path = "common/client.rs"]
mod client;
mod common;

use std::thread::sleep;
use std::time::{Duration, Instant};

use client::{bulk, connect, info_field, query, query_int, query_string};
use common::TestServer;
use redis::Value;

fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

fn start_with_debug() -> (TestServer, redis::Connection) {
    let server = TestServer::start_with(|cfg| {
        cfg.enable_debug_command = ferrokv::config::Enable::Yes;
    });
    let con = connect(server.addr());
    (server, con)
}

/// INFO stats `expired_keys`.
fn expired_keys(con: &mut redis::Connection) -> i64 {
    let info = query_string(con, &["INFO", "stats"]);
    info_field(&info, "expired_keys").expect("INFO stats has expired_keys").parse().unwrap()
}

/// Sets `count` keys `prefix:i` with a PX of `ms`, pipelined.
fn set_with_px(con: &mut redis::Connection, prefix: &str, count: usize, ms: u64) {
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("SET").arg(format!("{prefix}:{i}")).arg("v").arg("PX").arg(ms).ignore();
        }
        pipe.query::<()>(con).expect("SET PX pipeline");
    }
}

/// Polls DBSIZE until it is 0 or `limit` passes; returns how long it took.
fn wait_for_empty(con: &mut redis::Connection, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if query_int(con, &["DBSIZE"]) == 0 {
            return Some(start.elapsed());
        }
        sleep(Duration::from_millis(25));
    }
    None
}

#[test]
fn an_expired_key_is_gone_for_every_reader() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v", "PX", "50"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v"));
    sleep(Duration::from_millis(120));
    assert_eq!(query(&mut con, &["GET", "k"]), Value::Nil);
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    assert_eq!(query(&mut con, &["TTL", "k"]), Value::Int(-2));
    assert_eq!(query(&mut con, &["PTTL", "k"]), Value::Int(-2));
    assert_eq!(query(&mut con, &["KEYS", "*"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SCAN", "0"]), Value::Array(vec![bulk("0"), Value::Array(vec![])]));
}

/// With the active cycle off, only lookups remove expired keys: until then they
/// still count in DBSIZE, as in Redis, but no read path returns them.
#[test]
fn lazy_expiry_on_each_read_path() {
    let (_server, mut con) = start_with_debug();
    assert_eq!(query(&mut con, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), Value::Okay);
    for i in 1..=6 {
        let key = format!("k{i}");
        assert_eq!(query(&mut con, &["SET", &key, "v", "PX", "50"]), Value::Okay);
    }
    assert_eq!(query(&mut con, &["SET", "other", "v"]), Value::Okay);
    sleep(Duration::from_millis(120));
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 7);
    assert_eq!(expired_keys(&mut con), 0);
    assert_eq!(query(&mut con, &["KEYS", "k*"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["GET", "k1"]), Value::Nil);
    assert_eq!(query(&mut con, &["EXISTS", "k2"]), Value::Int(0));
    assert_eq!(query(&mut con, &["TTL", "k3"]), Value::Int(-2));
    assert_eq!(query(&mut con, &["TYPE", "k4"]), Value::SimpleString("none".into()));
    assert_eq!(query(&mut con, &["GET", "k1"]), Value::Nil);
    assert_eq!(expired_keys(&mut con), 4);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 3);
    // SCAN skips (and Redis reclaims) what it passes over.
    assert_eq!(
        query(&mut con, &["SCAN", "0", "COUNT", "100"]),
        Value::Array(vec![bulk("0"), Value::Array(vec![bulk("other")])])
    );
    // As Redis 7.0.15, SCAN deletes the expired keys it passes over.
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1);
    assert_eq!(expired_keys(&mut con), 6);
    // A write over an expired key starts from nothing.
    assert_eq!(query(&mut con, &["INCR", "k6"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k6"]), -1);
}

#[test]
fn active_expiry_reclaims_keys_nobody_reads() {
    let (_server, mut con) = start();
    set_with_px(&mut con, "vol", 10_000, 100);
    let took = wait_for_empty(&mut con, Duration::from_millis(1500));
    assert!(took.is_some(), "10,000 expired keys still present after 1.5 s");
    assert_eq!(expired_keys(&mut con), 10_000);
    let info = query_string(&mut con, &["INFO", "keyspace"]);
    assert_eq!(info.trim_end(), "# Keyspace");
}

#[test]
fn debug_set_active_expire_0_stops_the_active_cycle() {
    let (_server, mut con) = start_with_debug();
    assert_eq!(query(&mut con, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), Value::Okay);
    set_with_px(&mut con, "vol", 1000, 20);
    sleep(Duration::from_millis(500));
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1000);
    assert_eq!(expired_keys(&mut con), 0);
    assert_eq!(query(&mut con, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), Value::Okay);
    let took = wait_for_empty(&mut con, Duration::from_millis(1500));
    assert!(took.is_some(), "keys not reclaimed once active expiry is back on");
    assert_eq!(expired_keys(&mut con), 1000);
}

#[test]
fn hz_drives_the_active_cycle() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hz", "100"]), Value::Okay);
    let info = query_string(&mut con, &["INFO", "server"]);
    assert_eq!(info_field(&info, "hz"), Some("100"));
    assert_eq!(info_field(&info, "configured_hz"), Some("100"));
    set_with_px(&mut con, "fast", 2000, 10);
    assert!(wait_for_empty(&mut con, Duration::from_millis(1000)).is_some(), "keys not reclaimed at hz 100");
    // At hz 1 the cycle still runs, once a second.
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hz", "1"]), Value::Okay);
    let info = query_string(&mut con, &["INFO", "server"]);
    assert_eq!(info_field(&info, "hz"), Some("1"));
    set_with_px(&mut con, "slow", 200, 10);
    assert!(wait_for_empty(&mut con, Duration::from_millis(3000)).is_some(), "keys not reclaimed at hz 1");
    assert_eq!(expired_keys(&mut con), 2200);
}

#[test]
fn ttl_right_after_setex_reads_the_full_value() {
    let (_server, mut con) = start();
    for n in ["1", "10", "100", "86400"] {
        assert_eq!(query(&mut con, &["SETEX", "k", n, "v"]), Value::Okay);
        assert_eq!(query(&mut con, &["TTL", "k"]), Value::Int(n.parse().unwrap()), "SETEX {n}");
    }
    assert_eq!(query(&mut con, &["SET", "plain", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["TTL", "plain"]), Value::Int(-1));
    assert_eq!(query(&mut con, &["PTTL", "plain"]), Value::Int(-1));
    assert_eq!(query(&mut con, &["TTL", "missing"]), Value::Int(-2));
    assert_eq!(query(&mut con, &["PTTL", "missing"]), Value::Int(-2));
}

#[test]
fn setex_over_an_existing_key_resets_the_ttl() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SETEX", "k", "1000", "a"]), Value::Okay);
    assert_eq!(query(&mut con, &["SETEX", "k", "10", "b"]), Value::Okay);
    assert_eq!(query(&mut con, &["TTL", "k"]), Value::Int(10));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("b"));
    assert_eq!(query(&mut con, &["PSETEX", "k", "100", "c"]), Value::Okay);
    sleep(Duration::from_millis(150));
    // The shorter TTL won: the key is gone, not kept for 10 s.
    assert_eq!(query(&mut con, &["GET", "k"]), Value::Nil);
    // A short TTL replaced by a long one survives past the short one.
    assert_eq!(query(&mut con, &["PSETEX", "k", "50", "d"]), Value::Okay);
    assert_eq!(query(&mut con, &["SETEX", "k", "100", "e"]), Value::Okay);
    sleep(Duration::from_millis(100));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("e"));
    assert_eq!(query(&mut con, &["TTL", "k"]), Value::Int(100));
}

#[test]
fn a_persisted_or_rewritten_key_does_not_expire() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "a", "v", "PX", "50"]), Value::Okay);
    assert_eq!(query(&mut con, &["PERSIST", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SET", "b", "v", "PX", "50"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "b", "w"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "c", "1", "PX", "50"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCR", "c"]), Value::Int(2));
    sleep(Duration::from_millis(150));
    assert_eq!(query(&mut con, &["MGET", "a", "b", "c"]), Value::Array(vec![bulk("v"), bulk("w"), Value::Nil,]));
}

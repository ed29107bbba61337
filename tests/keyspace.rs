//! The whole-database family (src/commands/keyspace.rs) through a real client:
//! SELECT and the isolation of the 16 databases, SWAPDB seen from another
//! connection, MOVE, DBSIZE, FLUSHDB/FLUSHALL with ASYNC|SYNC, RANDOMKEY, and the
//! `databases` setting bounding SELECT, with Redis 7.0.15's replies.

#[path = "common/client.rs"]
mod client;
mod common;

use std::collections::HashSet;

use client::{bulk, connect, query, query_err, query_int};
use common::TestServer;
use redis::Value;

const OUT_OF_RANGE: &str = "ERR DB index is out of range";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

fn select(con: &mut redis::Connection, db: usize) {
    assert_eq!(query(con, &["SELECT", &db.to_string()]), Value::Okay);
}

#[test]
fn sixteen_isolated_databases() {
    let (server, mut con) = start();
    for db in 0..16 {
        select(&mut con, db);
        assert_eq!(query(&mut con, &["SET", "k", &format!("db{db}")]), Value::Okay);
        for i in 0..db {
            assert_eq!(query(&mut con, &["SET", &format!("extra{i}"), "x"]), Value::Okay);
        }
    }
    for db in 0..16 {
        select(&mut con, db);
        assert_eq!(query(&mut con, &["GET", "k"]), bulk(format!("db{db}")));
        assert_eq!(query_int(&mut con, &["DBSIZE"]), db as i64 + 1);
    }
    // A new connection starts in database 0, whatever others selected.
    let mut other = connect(server.addr());
    assert_eq!(query(&mut other, &["GET", "k"]), bulk("db0"));
    // Deleting in one database leaves the others alone.
    select(&mut con, 5);
    assert_eq!(query(&mut con, &["DEL", "k"]), Value::Int(1));
    assert_eq!(query(&mut other, &["GET", "k"]), bulk("db0"));
    select(&mut other, 6);
    assert_eq!(query(&mut other, &["GET", "k"]), bulk("db6"));
}

#[test]
fn select_errors() {
    let (_server, mut con) = start();
    assert_eq!(query_err(&mut con, &["SELECT", "16"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["SELECT", "-1"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["SELECT", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["SELECT", "1.5"]), NOT_INTEGER);
    // An index beyond 32 bits: Redis 7.0.15's getIntFromObject text.
    assert_eq!(
        query_err(&mut con, &["SELECT", "99999999999"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
    assert_eq!(query_err(&mut con, &["SELECT"]), "ERR wrong number of arguments for 'select' command");
    // A failed SELECT keeps the current database.
    select(&mut con, 3);
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["SELECT", "16"]), OUT_OF_RANGE);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v"));
}

#[test]
fn databases_setting_limits_select() {
    let server = TestServer::start_with(|cfg| cfg.databases = 4);
    let mut con = connect(server.addr());
    select(&mut con, 3);
    assert_eq!(query_err(&mut con, &["SELECT", "4"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["MOVE", "k", "4"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["SWAPDB", "0", "4"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["COPY", "k", "k", "DB", "4"]), OUT_OF_RANGE);
    assert_eq!(query(&mut con, &["SWAPDB", "0", "3"]), Value::Okay);
}

#[test]
fn swapdb_is_seen_by_other_connections() {
    let (server, mut con) = start();
    assert_eq!(query(&mut con, &["MSET", "a", "from0", "only0", "x"]), Value::Okay);
    select(&mut con, 1);
    assert_eq!(query(&mut con, &["SET", "a", "from1", "EX", "100"]), Value::Okay);

    let mut other = connect(server.addr());
    assert_eq!(query(&mut other, &["GET", "a"]), bulk("from0"));
    assert_eq!(query(&mut con, &["SWAPDB", "0", "1"]), Value::Okay);
    // The other connection stays in database 0, which now holds database 1's keys.
    assert_eq!(query(&mut other, &["GET", "a"]), bulk("from1"));
    assert_eq!(query_int(&mut other, &["TTL", "a"]), 100);
    assert_eq!(query(&mut other, &["EXISTS", "only0"]), Value::Int(0));
    assert_eq!(query_int(&mut other, &["DBSIZE"]), 1);
    // And this connection, still in 1, sees the old database 0.
    assert_eq!(query(&mut con, &["GET", "a"]), bulk("from0"));
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 2);
    // Swapping a database with itself changes nothing.
    assert_eq!(query(&mut con, &["SWAPDB", "1", "1"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "a"]), bulk("from0"));
    // Swapping with an empty database.
    assert_eq!(query(&mut con, &["SWAPDB", "1", "15"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
    select(&mut other, 15);
    assert_eq!(query(&mut other, &["GET", "only0"]), bulk("x"));
}

#[test]
fn swapdb_errors() {
    let (_server, mut con) = start();
    assert_eq!(query_err(&mut con, &["SWAPDB", "0", "16"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["SWAPDB", "-1", "0"]), OUT_OF_RANGE);
    assert_eq!(query_err(&mut con, &["SWAPDB", "x", "1"]), "ERR invalid first DB index");
    assert_eq!(query_err(&mut con, &["SWAPDB", "1", "x"]), "ERR invalid second DB index");
    assert_eq!(query_err(&mut con, &["SWAPDB", "99999999999", "0"]), "ERR invalid first DB index");
    assert_eq!(query_err(&mut con, &["SWAPDB", "0"]), "ERR wrong number of arguments for 'swapdb' command");
}

#[test]
fn move_keeps_value_and_ttl() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["RPUSH", "l", "a", "b"]), Value::Int(2));
    assert_eq!(query(&mut con, &["EXPIRE", "l", "100"]), Value::Int(1));
    assert_eq!(query(&mut con, &["MOVE", "l", "7"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
    select(&mut con, 7);
    assert_eq!(query_int(&mut con, &["LLEN", "l"]), 2);
    assert_eq!(query_int(&mut con, &["TTL", "l"]), 100);
    assert_eq!(query(&mut con, &["MOVE", "missing", "0"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["MOVE", "l", "7"]), "ERR source and destination objects are the same");
}

#[test]
fn dbsize_counts_the_selected_database() {
    let (_server, mut con) = start();
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
    assert_eq!(query(&mut con, &["MSET", "a", "1", "b", "2"]), Value::Okay);
    assert_eq!(query(&mut con, &["SADD", "s", "x"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 3);
    select(&mut con, 1);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
    assert_eq!(query_err(&mut con, &["DBSIZE", "x"]), "ERR wrong number of arguments for 'dbsize' command");
}

#[test]
fn flushdb_and_flushall_with_modes() {
    let (_server, mut con) = start();
    let fill = |con: &mut redis::Connection| {
        for db in [0, 1, 2] {
            select(con, db);
            assert_eq!(query(con, &["MSET", "a", "1", "b", "2"]), Value::Okay);
        }
        // Enough keys for an ASYNC flush to be worth a background thread.
        select(con, 2);
        let mut mset = vec!["MSET".to_string()];
        for i in 0..500 {
            mset.push(format!("bulk{i}"));
            mset.push("v".to_string());
        }
        assert_eq!(query(con, &mset), Value::Okay);
    };
    let sizes = |con: &mut redis::Connection| -> Vec<i64> {
        let sizes = [0, 1, 2]
            .iter()
            .map(|db| {
                select(con, *db);
                query_int(con, &["DBSIZE"])
            })
            .collect();
        select(con, 0);
        sizes
    };
    for mode in [None, Some("SYNC"), Some("ASYNC"), Some("async")] {
        fill(&mut con);
        let mut flushdb = vec!["FLUSHDB"];
        flushdb.extend(mode);
        assert_eq!(query(&mut con, &flushdb), Value::Okay, "{flushdb:?}");
        assert_eq!(sizes(&mut con), [2, 2, 0], "{flushdb:?} in db 2");

        fill(&mut con);
        let mut flushall = vec!["FLUSHALL"];
        flushall.extend(mode);
        assert_eq!(query(&mut con, &flushall), Value::Okay, "{flushall:?}");
        assert_eq!(sizes(&mut con), [0, 0, 0], "{flushall:?}");
    }
    for cmd in ["FLUSHDB", "FLUSHALL"] {
        assert_eq!(query_err(&mut con, &[cmd, "LAZY"]), "ERR syntax error");
        assert_eq!(query_err(&mut con, &[cmd, "ASYNC", "SYNC"]), "ERR syntax error");
    }
}

#[test]
fn randomkey_returns_existing_keys() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["RANDOMKEY"]), Value::Nil);
    let keys: HashSet<String> = (0..20).map(|i| format!("key{i}")).collect();
    for k in &keys {
        assert_eq!(query(&mut con, &["SET", k, "v"]), Value::Okay);
    }
    let mut seen = HashSet::new();
    for _ in 0..400 {
        let Value::BulkString(k) = query(&mut con, &["RANDOMKEY"]) else {
            panic!("RANDOMKEY replies with a bulk string");
        };
        let k = String::from_utf8(k).unwrap();
        assert!(keys.contains(&k), "RANDOMKEY returned {k:?}");
        seen.insert(k);
    }
    // 400 draws over 20 keys: more than one distinct key, overwhelmingly likely all.
    assert!(seen.len() > 1, "RANDOMKEY always returned the same key");
    // Only keys of the selected database; never an expired one.
    select(&mut con, 1);
    assert_eq!(query(&mut con, &["RANDOMKEY"]), Value::Nil);
    assert_eq!(query(&mut con, &["SET", "gone", "v", "PX", "1"]), Value::Okay);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(query(&mut con, &["RANDOMKEY"]), Value::Nil);
    assert_eq!(query(&mut con, &["SET", "only", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["RANDOMKEY"]), bulk("only"));
}

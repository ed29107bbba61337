//! Transactions through a real client: MULTI/EXEC/DISCARD, queue-time errors, runtime
//! errors that do not roll back, WATCH invalidation by writes, expiry, FLUSHDB, SWAPDB
//! and RENAME, and EXEC's atomicity across threads. Expected replies were checked
//! against redis-server 7.0.15.

#[path = "common/client.rs"]
mod client;
mod common;

use std::thread;
use std::time::Duration;

use client::{bulk, connect, query, query_err, simple};
use common::TestServer;
use redis::Value;

fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

#[test]
fn multi_exec_discard_basics() {
    let (_server, mut con) = start();
    assert_eq!(query_err(&mut con, &["EXEC"]), "ERR EXEC without MULTI");
    assert_eq!(query_err(&mut con, &["DISCARD"]), "ERR DISCARD without MULTI");
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["MULTI"]), "ERR MULTI calls can not be nested");
    assert_eq!(query(&mut con, &["SET", "a", "1"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["INCR", "a"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["GET", "a"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["EXEC"]), Value::Array(vec![Value::Okay, Value::Int(2), bulk("2")]));

    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "a", "9"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["DISCARD"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "a"]), bulk("2"));
}

#[test]
fn queue_time_errors_abort_and_runtime_errors_do_not_roll_back() {
    let (server, mut con) = start();
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["NOSUCH"]), "ERR unknown command 'NOSUCH', with args beginning with: ");
    assert_eq!(query(&mut con, &["SET", "x", "1"]), simple("QUEUED"));
    assert_eq!(query_err(&mut con, &["EXEC"]), EXECABORT);
    assert_eq!(query(&mut con, &["EXISTS", "x"]), Value::Int(0));

    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["SET", "x"]), "ERR wrong number of arguments for 'set' command");
    assert_eq!(query_err(&mut con, &["EXEC"]), EXECABORT);

    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["SHUTDOWN"]), "ERR Command not allowed inside a transaction");
    assert_eq!(query_err(&mut con, &["EXEC"]), EXECABORT);

    // WATCH inside MULTI is refused without aborting the transaction.
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["WATCH", "x"]), "ERR WATCH inside MULTI is not allowed");
    assert_eq!(query(&mut con, &["DISCARD"]), Value::Okay);

    // A runtime error inside EXEC is one of its replies; the other commands still run.
    // (Raw bytes: the redis crate turns a whole EXEC reply with an error into an error.)
    let mut raw = server.connect();
    for (cmd, reply) in [
        (&["MULTI"][..], &b"+OK\r\n"[..]),
        (&["SET", "x", "1"][..], b"+QUEUED\r\n"),
        (&["LPUSH", "x", "e"][..], b"+QUEUED\r\n"),
        (&["INCR", "x"][..], b"+QUEUED\r\n"),
    ] {
        assert_eq!(raw.call(cmd).unwrap(), reply);
    }
    assert_eq!(
        raw.call(&["EXEC"]).unwrap(),
        &b"*3\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:2\r\n"[..]
    );
}

#[test]
fn watch_detects_writes_from_other_clients() {
    let (server, mut con) = start();
    let mut other = connect(server.addr());
    assert_eq!(query(&mut con, &["SET", "k", "1"]), Value::Okay);

    // Untouched: EXEC runs.
    assert_eq!(query(&mut con, &["WATCH", "k"]), Value::Okay);
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCR", "k"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["EXEC"]), Value::Array(vec![Value::Int(2)]));

    // Touched by another client: EXEC replies nil and runs nothing.
    assert_eq!(query(&mut con, &["WATCH", "k"]), Value::Okay);
    assert_eq!(query(&mut other, &["SET", "k", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCR", "k"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["EXEC"]), Value::Nil);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("100"));

    // EXEC unwatches: a later write does not matter.
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut other, &["SET", "k", "5"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCR", "k"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["EXEC"]), Value::Array(vec![Value::Int(6)]));

    // UNWATCH forgets; a failed write (SET NX on an existing key) changes nothing.
    assert_eq!(query(&mut con, &["WATCH", "k"]), Value::Okay);
    assert_eq!(query(&mut other, &["SET", "k", "0", "NX"]), Value::Nil);
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["EXEC"]), Value::Array(vec![bulk("6")]));
    assert_eq!(query(&mut con, &["WATCH", "k"]), Value::Okay);
    assert_eq!(query(&mut con, &["UNWATCH"]), Value::Okay);
    assert_eq!(query(&mut other, &["SET", "k", "7"]), Value::Okay);
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["EXEC"]), Value::Array(vec![bulk("7")]));
}

/// Runs WATCH k; `change`; MULTI; PING; EXEC and returns EXEC's reply.
fn exec_after(server: &TestServer, key: &str, change: &[&[&str]]) -> Value {
    let mut con = connect(server.addr());
    let mut other = connect(server.addr());
    assert_eq!(query(&mut con, &["WATCH", key]), Value::Okay);
    for cmd in change {
        let _ = client::try_query(&mut other, cmd);
    }
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["PING"]), simple("QUEUED"));
    query(&mut con, &["EXEC"])
}

#[test]
fn watch_is_invalidated_by_every_kind_of_change() {
    let (server, mut con) = start();
    let ran = Value::Array(vec![simple("PONG")]);
    let reset = |con: &mut redis::Connection| {
        assert_eq!(query(con, &["FLUSHALL"]), Value::Okay);
        assert_eq!(query(con, &["SET", "k", "v"]), Value::Okay);
    };
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["DEL", "k"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["RENAME", "k", "k2"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k2", &[&["RENAME", "k", "k2"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["EXPIRE", "k", "100"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["APPEND", "k", "x"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["FLUSHDB"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["FLUSHALL"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["SWAPDB", "0", "1"]]), Value::Nil);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["MOVE", "k", "1"]]), Value::Nil);
    // A change to another key, or a read, does not.
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["SET", "other", "1"], &["GET", "k"]]), ran);
    // DEL of several keys touches only those it deleted (Redis 7.0.15 checked).
    reset(&mut con);
    assert_eq!(exec_after(&server, "missing", &[&["DEL", "k", "missing"]]), ran);
    reset(&mut con);
    assert_eq!(exec_after(&server, "k", &[&["DEL", "k", "missing"]]), Value::Nil);
    // FLUSHDB of a database where the watched key does not exist does not either.
    reset(&mut con);
    assert_eq!(query(&mut con, &["DEL", "k"]), Value::Int(1));
    assert_eq!(exec_after(&server, "k", &[&["FLUSHDB"]]), ran);
}

#[test]
fn watch_is_invalidated_by_expiry() {
    let (server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v", "PX", "100"]), Value::Okay);
    let mut watcher = connect(server.addr());
    assert_eq!(query(&mut watcher, &["WATCH", "k"]), Value::Okay);
    thread::sleep(Duration::from_millis(250));
    assert_eq!(query(&mut watcher, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut watcher, &["PING"]), simple("QUEUED"));
    assert_eq!(query(&mut watcher, &["EXEC"]), Value::Nil);
}

/// Writers run MULTI / INCR a / DECR b / EXEC on every thread while readers read both
/// keys inside their own MULTI: no reader may ever see them apart.
#[test]
fn exec_is_atomic_across_threads() {
    let server = TestServer::start();
    let addr = server.addr();
    let writers: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let mut con = connect(addr);
                for _ in 0..300 {
                    let mut pipe = redis::pipe();
                    pipe.atomic().cmd("INCR").arg("a").cmd("DECR").arg("b");
                    let _: (i64, i64) = pipe.query(&mut con).expect("MULTI/EXEC");
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            thread::spawn(move || {
                let mut con = connect(addr);
                for _ in 0..300 {
                    let mut pipe = redis::pipe();
                    pipe.atomic().cmd("GET").arg("a").cmd("GET").arg("b");
                    let (a, b): (Option<i64>, Option<i64>) = pipe.query(&mut con).expect("MULTI/EXEC");
                    assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 0, "a reader saw a half-applied transaction");
                }
            })
        })
        .collect();
    for t in writers.into_iter().chain(readers) {
        t.join().expect("thread");
    }
    let mut con = connect(addr);
    assert_eq!(query(&mut con, &["GET", "a"]), bulk("1200"));
    assert_eq!(query(&mut con, &["GET", "b"]), bulk("-1200"));
}

#[test]
fn reset_discards_the_transaction() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["WATCH", "k"]), Value::Okay);
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "k", "1"]), simple("QUEUED"));
    assert_eq!(query(&mut con, &["RESET"]), simple("RESET"));
    assert_eq!(query_err(&mut con, &["EXEC"]), "ERR EXEC without MULTI");
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
}

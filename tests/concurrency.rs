//! Atomicity under concurrent clients (src/store's shard locks and the store
//! gate): no lost INCRs, no half-applied MSET seen by MGET, no value lost by a
//! RENAME racing with readers, and FLUSHALL racing with writers, each from
//! several real client connections on their own threads.

#[path = "common/client.rs"]
mod client;
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use client::{bulk, bulks, connect, query, query_int};
use common::TestServer;
use redis::Value;

/// Runs `f` on `n` threads, each with its own connection, released together.
fn on_threads<T: Send + 'static>(
    server: &TestServer,
    n: usize,
    f: impl Fn(usize, &mut redis::Connection) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let mut con = connect(server.addr());
            let f = f.clone();
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                f(i, &mut con)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("a client thread panicked")).collect()
}

#[test]
fn concurrent_incr_loses_no_update() {
    let server = TestServer::start();
    on_threads(&server, 8, |_, con| {
        for _ in 0..2000 {
            let _ = query_int(con, &["INCR", "counter"]);
        }
    });
    let mut con = connect(server.addr());
    assert_eq!(query(&mut con, &["GET", "counter"]), bulk("16000"));
}

#[test]
fn mget_never_sees_half_an_mset() {
    let server = TestServer::start();
    let mut con = connect(server.addr());
    assert_eq!(query(&mut con, &["MSET", "a", "x", "b", "x"]), Value::Okay);
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let mut con = connect(server.addr());
        let done = done.clone();
        thread::spawn(move || {
            let mut writes = 0u64;
            while !done.load(Ordering::Relaxed) {
                let v = if writes.is_multiple_of(2) { "y" } else { "x" };
                assert_eq!(query(&mut con, &["MSET", "a", v, "b", v]), Value::Okay);
                writes += 1;
            }
            writes
        })
    };
    let mut reader = connect(server.addr());
    for _ in 0..2000 {
        let Value::Array(pair) = query(&mut reader, &["MGET", "a", "b"]) else {
            panic!("MGET replies with an array");
        };
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0], pair[1], "MGET saw a half-applied MSET");
        assert!(pair[0] == bulk("x") || pair[0] == bulk("y"), "{pair:?}");
    }
    done.store(true, Ordering::Relaxed);
    let writes = writer.join().expect("the writer thread");
    assert!(writes > 0, "the writer ran");
}

#[test]
fn rename_racing_with_readers_never_loses_the_value() {
    let server = TestServer::start();
    let mut con = connect(server.addr());
    assert_eq!(query(&mut con, &["SET", "left", "payload"]), Value::Okay);
    let done = Arc::new(AtomicBool::new(false));
    let renamer = {
        let mut con = connect(server.addr());
        let done = done.clone();
        thread::spawn(move || {
            let mut renames = 0u64;
            while !done.load(Ordering::Relaxed) {
                let (from, to) = if renames.is_multiple_of(2) { ("left", "right") } else { ("right", "left") };
                assert_eq!(query(&mut con, &["RENAME", from, to]), Value::Okay);
                renames += 1;
            }
            renames
        })
    };
    let readers = on_threads(&server, 3, |_, con| {
        for _ in 0..1000 {
            let Value::Array(pair) = query(con, &["MGET", "left", "right"]) else {
                panic!("MGET replies with an array");
            };
            let present: Vec<&Value> = pair.iter().filter(|v| **v != Value::Nil).collect();
            assert_eq!(present, [&bulk("payload")], "RENAME lost or duplicated the value");
            assert_eq!(query_int(con, &["EXISTS", "left", "right"]), 1);
        }
    });
    done.store(true, Ordering::Relaxed);
    let renames = renamer.join().expect("the renamer thread");
    assert_eq!(readers.len(), 3);
    assert!(renames > 0, "the renamer ran");
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1);
    let expected = if renames.is_multiple_of(2) { "left" } else { "right" };
    assert_eq!(query(&mut con, &["GET", expected]), bulk("payload"));
}

#[test]
fn flushall_racing_with_writers_is_safe() {
    let server = TestServer::start();
    let done = Arc::new(AtomicBool::new(false));
    let flusher = {
        let mut con = connect(server.addr());
        let done = done.clone();
        thread::spawn(move || {
            let mut flushes = 0u64;
            while !done.load(Ordering::Relaxed) {
                let args: &[&str] = match flushes % 4 {
                    0 => &["FLUSHALL"],
                    1 => &["FLUSHALL", "ASYNC"],
                    2 => &["FLUSHDB", "SYNC"],
                    _ => &["SWAPDB", "0", "1"],
                };
                assert_eq!(query(&mut con, args), Value::Okay, "{args:?}");
                flushes += 1;
                thread::sleep(std::time::Duration::from_millis(2));
            }
            flushes
        })
    };
    on_threads(&server, 4, |i, con| {
        for j in 0..500 {
            let key = format!("w{i}:{}", j % 50);
            // Any of these may land before or after a flush; none may fail.
            let _ = query(con, &["SET", &key, "v"]);
            let _ = query_int(con, &["INCR", &format!("n{i}")]);
            let _ = query_int(con, &["RPUSH", &format!("l{i}"), "x"]);
            let _ = query_int(con, &["SADD", &format!("s{i}"), &j.to_string()]);
            let _ = query(con, &["MSET", &key, "1", &format!("m{i}"), "2"]);
            let _ = query(con, &["MGET", &key, &format!("m{i}")]);
        }
    });
    done.store(true, Ordering::Relaxed);
    let flushes = flusher.join().expect("the flusher thread");
    assert!(flushes > 0, "the flusher ran");
    // The server is intact and consistent afterwards.
    let mut con = connect(server.addr());
    assert_eq!(query(&mut con, &["FLUSHALL"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
    assert_eq!(query(&mut con, &["RPUSH", "l", "a", "b"]), Value::Int(2));
    assert_eq!(query(&mut con, &["LRANGE", "l", "0", "-1"]), bulks(&["a", "b"]));
    assert_eq!(query(&mut con, &["KEYS", "*"]), bulks(&["l"]));
}

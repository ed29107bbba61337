//! Blocking list commands through real connections: first-come first-served across
//! clients and keys, timeouts, wakes by MULTI/EXEC and RENAME, CLIENT UNBLOCK, blocked
//! clients that disconnect, no blocking inside MULTI, and a many-thread push/pop stress
//! in which every element comes out exactly once. Reply shapes were checked against
//! redis-server 7.0.15.

#[path = "common/client.rs"]
mod client;
mod common;

use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant};

use client::{bulk, connect, query, query_int};
use common::{RawConnection, TestServer};
use redis::Value;

fn wait_blocked(con: &mut redis::Connection, n: i64) {
    let start = Instant::now();
    loop {
        let info = client::query_string(con, &["INFO", "clients"]);
        if client::info_field(&info, "blocked_clients") == Some(&n.to_string()) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "never saw {n} blocked clients: {info}");
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn waiters_are_served_first_come_first_served() {
    let server = TestServer::start();
    let mut admin = connect(server.addr());
    let mut first = server.connect();
    first.send(&["BLPOP", "k1", "k2", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    let mut second = server.connect();
    second.send(&["BLPOP", "k2", "0"]).unwrap();
    wait_blocked(&mut admin, 2);
    assert_eq!(query(&mut admin, &["RPUSH", "k2", "a", "b", "c"]), Value::Int(3));
    assert_eq!(first.read_reply().unwrap(), b"*2\r\n$2\r\nk2\r\n$1\r\na\r\n");
    assert_eq!(second.read_reply().unwrap(), b"*2\r\n$2\r\nk2\r\n$1\r\nb\r\n");
    assert_eq!(query(&mut admin, &["LRANGE", "k2", "0", "-1"]), Value::Array(vec![bulk("c")]));
    assert_eq!(query_int(&mut admin, &["LLEN", "k1"]), 0);
}

#[test]
fn timeouts_and_reply_shapes() {
    let server = TestServer::start();
    let mut c = server.connect();
    let start = Instant::now();
    assert_eq!(c.call(&["BLPOP", "none", "0.1"]).unwrap(), b"*-1\r\n");
    assert!(start.elapsed() >= Duration::from_millis(90));
    assert_eq!(c.call(&["BLMOVE", "none", "d", "LEFT", "RIGHT", "0.05"]).unwrap(), b"*-1\r\n");
    assert_eq!(c.call(&["BRPOPLPUSH", "none", "d", "0.05"]).unwrap(), b"*-1\r\n");
    assert_eq!(c.call(&["BLMPOP", "0.05", "1", "none", "LEFT"]).unwrap(), b"*-1\r\n");
    assert_eq!(c.call(&["BLPOP", "none", "-1"]).unwrap(), b"-ERR timeout is negative\r\n");
    assert_eq!(c.call(&["BLPOP", "none", "x"]).unwrap(), b"-ERR timeout is not a float or out of range\r\n");
    // Data already there: answered at once, as the non-blocking form.
    assert_eq!(c.call(&["RPUSH", "l", "x", "y", "z"]).unwrap(), b":3\r\n");
    assert_eq!(
        c.call(&["BLMPOP", "0", "2", "none", "l", "RIGHT", "COUNT", "2"]).unwrap(),
        b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n"
    );
    assert_eq!(c.call(&["BRPOPLPUSH", "l", "d", "0"]).unwrap(), b"$1\r\nx\r\n");
    assert_eq!(c.call(&["EXISTS", "l"]).unwrap(), b":0\r\n");
    assert_eq!(c.call(&["SET", "s", "v"]).unwrap(), b"+OK\r\n");
    assert_eq!(
        c.call(&["BLPOP", "s", "0"]).unwrap(),
        &b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"[..]
    );
    // RESP3: the null array is `_`.
    assert_eq!(c.call(&["HELLO", "3"]).unwrap()[..2], *b"%7");
    assert_eq!(c.call(&["BLPOP", "none", "0.05"]).unwrap(), b"_\r\n");
}

#[test]
fn inside_multi_nothing_blocks() {
    let server = TestServer::start();
    let mut c = server.connect();
    for (cmd, reply) in [
        (&["MULTI"][..], &b"+OK\r\n"[..]),
        (&["BLPOP", "none", "0"][..], b"+QUEUED\r\n"),
        (&["BLMOVE", "none", "d", "LEFT", "LEFT", "0"][..], b"+QUEUED\r\n"),
        (&["EXEC"][..], b"*2\r\n*-1\r\n$-1\r\n"),
    ] {
        assert_eq!(c.call(cmd).unwrap(), reply, "{cmd:?}");
    }
}

#[test]
fn exec_and_rename_wake_waiters_after_they_complete() {
    let server = TestServer::start();
    let mut admin = connect(server.addr());
    let mut waiter = server.connect();
    waiter.send(&["BLPOP", "q", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    // The push and pop inside one EXEC leave nothing for the waiter.
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("LPUSH").arg("q").arg("gone").cmd("LPOP").arg("q");
    let _: (i64, String) = pipe.query(&mut admin).unwrap();
    wait_blocked(&mut admin, 1);
    // A push inside EXEC that stays wakes it once EXEC is done.
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("LPUSH").arg("q").arg("kept").cmd("LLEN").arg("q");
    let _: (i64, i64) = pipe.query(&mut admin).unwrap();
    assert_eq!(waiter.read_reply().unwrap(), b"*2\r\n$1\r\nq\r\n$4\r\nkept\r\n");

    waiter.send(&["BLPOP", "target", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    assert_eq!(query(&mut admin, &["RPUSH", "tmp", "renamed"]), Value::Int(1));
    assert_eq!(query(&mut admin, &["RENAME", "tmp", "target"]), Value::Okay);
    assert_eq!(waiter.read_reply().unwrap(), b"*2\r\n$6\r\ntarget\r\n$7\r\nrenamed\r\n");
}

#[test]
fn client_unblock_and_disconnects() {
    let server = TestServer::start();
    let mut admin = connect(server.addr());
    let mut waiter = server.connect();
    let id = String::from_utf8(waiter.call(&["CLIENT", "ID"]).unwrap()).unwrap();
    let id = id.trim_start_matches(':').trim().to_string();
    waiter.send(&["BLPOP", "q", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    assert_eq!(query(&mut admin, &["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), Value::Int(1));
    assert_eq!(waiter.read_reply().unwrap(), b"*-1\r\n");
    assert_eq!(query(&mut admin, &["CLIENT", "UNBLOCK", &id]), Value::Int(0));
    waiter.send(&["BRPOP", "q", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    assert_eq!(query(&mut admin, &["CLIENT", "UNBLOCK", &id, "ERROR"]), Value::Int(1));
    assert_eq!(waiter.read_reply().unwrap(), b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");

    // A blocked client that disconnects is forgotten: the element stays in the list.
    let mut gone = RawConnection::connect(server.addr()).unwrap();
    gone.send(&["BLPOP", "q", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    drop(gone);
    wait_blocked(&mut admin, 0);
    assert_eq!(query(&mut admin, &["RPUSH", "q", "stay"]), Value::Int(1));
    assert_eq!(query(&mut admin, &["LRANGE", "q", "0", "-1"]), Value::Array(vec![bulk("stay")]));
}

/// Producers push unique elements while consumers block-pop them, on every thread:
/// every element comes out exactly once.
#[test]
fn no_element_is_lost_or_duplicated_under_concurrency() {
    let server = TestServer::start();
    let addr = server.addr();
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: usize = 500;
    const CONSUMERS: usize = 4;
    let total = PRODUCERS * PER_PRODUCER;
    // Consumers stop once every element came out, or (an element lost) at a deadline
    // far beyond what a slow machine needs; a timed-out BLPOP just tries again.
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(60);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let received = received.clone();
            thread::spawn(move || {
                let mut con = connect(addr);
                let mut got = Vec::new();
                loop {
                    let v: Option<(String, String)> =
                        redis::cmd("BLPOP").arg("s1").arg("s2").arg("0.2").query(&mut con).unwrap();
                    match v {
                        Some((_, value)) => {
                            got.push(value);
                            received.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        None if received.load(std::sync::atomic::Ordering::SeqCst) >= total => return got,
                        None if Instant::now() > deadline => return got,
                        None => {}
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            thread::spawn(move || {
                let mut con = connect(addr);
                for i in 0..PER_PRODUCER {
                    let key = if i % 2 == 0 { "s1" } else { "s2" };
                    let _: i64 = redis::cmd("RPUSH").arg(key).arg(format!("{p}-{i}")).query(&mut con).unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all = Vec::new();
    for c in consumers {
        all.extend(c.join().unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    let mut con = connect(addr);
    let left = (query(&mut con, &["LRANGE", "s1", "0", "-1"]), query(&mut con, &["LRANGE", "s2", "0", "-1"]));
    assert_eq!(all.len(), total, "elements received; left in the lists: {left:?}");
    assert_eq!(unique.len(), total, "duplicates received");
    assert_eq!(query_int(&mut con, &["EXISTS", "s1", "s2"]), 0);
}

//! Keyspace notifications: the `__keyspace@0__:<key>` / `__keyevent@0__:<event>` pairs
//! each command publishes, in order, as recorded from redis-server 7.0.15 with
//! `notify-keyspace-events KEA`; class filtering; `expired` from lazy and active expiry.

mod common;

use std::time::{Duration, Instant};

use common::{RawConnection, TestServer};

/// Reads pmessage frames until `wait` passes with nothing new; returns (channel, message).
fn drain(sub: &mut RawConnection, wait: Duration) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if sub.expect_silence(Duration::from_millis(30)).is_ok() {
            continue;
        }
        let frame = sub.read_reply().expect("a pmessage");
        let text = String::from_utf8_lossy(&frame).to_string();
        let parts: Vec<&str> = text.split("\r\n").collect();
        // *4 $8 pmessage $n pattern $n channel $n message
        out.push((parts[6].to_string(), parts[8].to_string()));
    }
    out
}

/// A command and the (key, event) pairs it publishes.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

fn pairs(events: &[(&str, &str)]) -> Vec<(String, String)> {
    events
        .iter()
        .flat_map(|(key, event)| {
            [(format!("__keyspace@0__:{key}"), event.to_string()), (format!("__keyevent@0__:{event}"), key.to_string())]
        })
        .collect()
}

#[test]
fn commands_publish_redis_events_in_order() {
    let server = TestServer::start();
    let mut admin = server.connect();
    assert_eq!(admin.call(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]).unwrap(), b"+OK\r\n");
    let mut sub = server.connect();
    sub.send(&["PSUBSCRIBE", "__key*@0__:*"]).unwrap();
    sub.read_reply().unwrap();
    let cases: &[Case] = &[
        (&["SET", "k", "v", "EX", "100"], &[("k", "set"), ("k", "expire")]),
        (&["SETEX", "k", "10", "v"], &[("k", "set"), ("k", "expire")]),
        (&["INCR", "n"], &[("n", "incrby")]),
        (&["INCRBYFLOAT", "n", "1.5"], &[("n", "incrbyfloat")]),
        (&["APPEND", "k", "x"], &[("k", "append")]),
        (&["SETRANGE", "k", "0", "y"], &[("k", "setrange")]),
        (&["DEL", "k", "n", "nope"], &[("k", "del"), ("n", "del")]),
        (&["RPUSH", "l", "a", "b"], &[("l", "rpush")]),
        (&["LPOP", "l"], &[("l", "lpop")]),
        (&["RPOP", "l"], &[("l", "rpop"), ("l", "del")]),
        (&["SET", "r", "1"], &[("r", "set")]),
        (&["RENAME", "r", "r2"], &[("r", "rename_from"), ("r2", "rename_to")]),
        (&["EXPIRE", "r2", "0"], &[("r2", "del")]),
        (&["GETDEL", "zz"], &[]),
        (&["SET", "g", "1"], &[("g", "set")]),
        (&["GETEX", "g", "EX", "100"], &[("g", "expire")]),
        (&["GETEX", "g", "PERSIST"], &[("g", "persist")]),
        (&["GETSET", "g", "2"], &[("g", "set")]),
        (&["MSET", "m1", "1", "m2", "2"], &[("m1", "set"), ("m2", "set")]),
        (&["COPY", "g", "g3"], &[("g3", "copy_to")]),
        (&["MOVE", "g3", "1"], &[("g3", "move_from")]),
        (&["LMOVE", "nol", "x", "LEFT", "LEFT"], &[]),
        (&["RPUSH", "src", "1"], &[("src", "rpush")]),
        (&["LMOVE", "src", "dst", "LEFT", "RIGHT"], &[("dst", "rpush"), ("src", "lpop"), ("src", "del")]),
    ];
    for (cmd, events) in cases {
        admin.call(cmd).unwrap();
        assert_eq!(drain(&mut sub, Duration::from_millis(80)), pairs(events), "{cmd:?}");
    }
    // A key set with an expiry in the past expires at once, lazily (the GET) or by the
    // active cycle, whichever comes first: either way `expired` follows `set`, `expire`.
    admin.call(&["SET", "e", "1", "EXAT", "1"]).unwrap();
    assert_eq!(admin.call(&["GET", "e"]).unwrap(), b"$-1\r\n");
    assert_eq!(drain(&mut sub, Duration::from_millis(150)), pairs(&[("e", "set"), ("e", "expire"), ("e", "expired")]));
}

#[test]
fn classes_filter_events_and_active_expiry_reports_expired() {
    let server = TestServer::start();
    let mut admin = server.connect();
    // Only keyevent notifications of the expired class.
    assert_eq!(admin.call(&["CONFIG", "SET", "notify-keyspace-events", "Ex"]).unwrap(), b"+OK\r\n");
    let mut sub = server.connect();
    sub.send(&["PSUBSCRIBE", "__key*"]).unwrap();
    sub.read_reply().unwrap();
    admin.call(&["SET", "a", "1", "PX", "50"]).unwrap();
    admin.call(&["DEL", "nothing"]).unwrap();
    // Nobody reads `a`: the active cycle reclaims it and says so.
    let events = drain(&mut sub, Duration::from_millis(600));
    assert_eq!(events, vec![("__keyevent@0__:expired".to_string(), "a".to_string())]);
    // Notifications off: nothing at all.
    assert_eq!(admin.call(&["CONFIG", "SET", "notify-keyspace-events", ""]).unwrap(), b"+OK\r\n");
    admin.call(&["SET", "b", "1", "PX", "10"]).unwrap();
    assert_eq!(drain(&mut sub, Duration::from_millis(300)), vec![]);
}

#[test]
fn key_misses_are_reported_with_the_m_class() {
    let server = TestServer::start();
    let mut admin = server.connect();
    assert_eq!(admin.call(&["CONFIG", "SET", "notify-keyspace-events", "Em"]).unwrap(), b"+OK\r\n");
    let mut sub = server.connect();
    sub.send(&["SUBSCRIBE", "__keyevent@0__:keymiss"]).unwrap();
    sub.read_reply().unwrap();
    admin.call(&["GET", "missing"]).unwrap();
    admin.call(&["SET", "present", "1"]).unwrap();
    admin.call(&["GET", "present"]).unwrap();
    assert_eq!(sub.read_reply().unwrap(), b"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:keymiss\r\n$7\r\nmissing\r\n");
    sub.expect_silence(Duration::from_millis(100)).unwrap();
}

//! Pub/Sub through raw connections (the exact frames matter): subscribe confirmations,
//! messages and pattern messages in RESP2 and RESP3, the RESP2 subscribed-mode rules,
//! PUBSUB introspection, and a slow subscriber that is cut off at its output-buffer
//! limit without ever slowing the publisher. Expected frames were recorded from
//! redis-server 7.0.15.

mod common;

use std::time::{Duration, Instant};

use common::{RawConnection, TestServer};

fn call(c: &mut RawConnection, args: &[&str]) -> Vec<u8> {
    c.call(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn messages_reach_channel_and_pattern_subscribers() {
    let server = TestServer::start();
    let mut sub = server.connect();
    let mut psub = server.connect();
    let mut publisher = server.connect();
    sub.send(&["SUBSCRIBE", "news", "sport"]).unwrap();
    assert_eq!(sub.read_reply().unwrap(), b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    assert_eq!(sub.read_reply().unwrap(), b"*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n");
    assert_eq!(call(&mut psub, &["HELLO", "3"])[..2], *b"%7");
    psub.send(&["PSUBSCRIBE", "n*"]).unwrap();
    assert_eq!(psub.read_reply().unwrap(), b">3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n");

    assert_eq!(call(&mut publisher, &["PUBLISH", "news", "hello"]), b":2\r\n");
    assert_eq!(sub.read_reply().unwrap(), b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
    assert_eq!(psub.read_reply().unwrap(), b">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
    assert_eq!(call(&mut publisher, &["PUBLISH", "nobody", "x"]), b":1\r\n");
    assert_eq!(call(&mut publisher, &["PUBLISH", "other", "x"]), b":0\r\n");

    assert_eq!(
        call(&mut publisher, &["PUBSUB", "NUMSUB", "news", "nope"]),
        b"*4\r\n$4\r\nnews\r\n:1\r\n$4\r\nnope\r\n:0\r\n"
    );
    assert_eq!(call(&mut publisher, &["PUBSUB", "NUMPAT"]), b":1\r\n");
    assert_eq!(call(&mut publisher, &["PUBSUB", "CHANNELS", "sp*"]), b"*1\r\n$5\r\nsport\r\n");

    // Unsubscribing from everything confirms each channel, then nil when none is left.
    sub.send(&["UNSUBSCRIBE"]).unwrap();
    assert_eq!(sub.read_reply().unwrap(), b"*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    assert_eq!(sub.read_reply().unwrap(), b"*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:0\r\n");
    assert_eq!(call(&mut sub, &["UNSUBSCRIBE"]), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    assert_eq!(call(&mut sub, &["GET", "k"]), b"$-1\r\n");
    assert_eq!(call(&mut publisher, &["PUBSUB", "CHANNELS"]), b"*0\r\n");
}

#[test]
fn resp2_subscribed_mode_allows_only_pubsub_ping_quit_reset() {
    let server = TestServer::start();
    let mut c = server.connect();
    assert_eq!(call(&mut c, &["SUBSCRIBE", "a"]), b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    assert_eq!(
        call(&mut c, &["GET", "x"]),
        &b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"[..]
    );
    assert_eq!(call(&mut c, &["PING"]), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(call(&mut c, &["PING", "hi"]), b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
    assert_eq!(call(&mut c, &["RESET"]), b"+RESET\r\n");
    assert_eq!(call(&mut c, &["GET", "x"]), b"$-1\r\n");

    // In RESP3 a subscribed client runs any command.
    let mut c3 = server.connect();
    assert_eq!(call(&mut c3, &["HELLO", "3"])[..2], *b"%7");
    assert_eq!(call(&mut c3, &["SUBSCRIBE", "a"]), b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    assert_eq!(call(&mut c3, &["GET", "x"]), b"_\r\n");
    assert_eq!(call(&mut c3, &["PING"]), b"+PONG\r\n");
}

/// A subscriber that never reads is disconnected once its pending messages pass the
/// pubsub hard limit; the publisher is never held up.
#[test]
fn slow_subscriber_is_cut_off_without_blocking_the_publisher() {
    let server = TestServer::start();
    let mut admin = server.connect();
    assert_eq!(call(&mut admin, &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 60"]), b"+OK\r\n");
    let mut slow = server.connect();
    assert_eq!(call(&mut slow, &["SUBSCRIBE", "firehose"]), b"*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n");
    // `slow` now stops reading. 20,000 messages of 1 KiB = 20 MiB offered.
    let payload = "x".repeat(1024);
    let start = Instant::now();
    let mut delivered = 0;
    for _ in 0..20_000 {
        let reply = call(&mut admin, &["PUBLISH", "firehose", &payload]);
        if reply == b":1\r\n" {
            delivered += 1;
        }
    }
    assert!(start.elapsed() < Duration::from_secs(30), "publishing took {:?}", start.elapsed());
    assert!(delivered < 20_000, "the slow subscriber was never cut off");
    assert_eq!(call(&mut admin, &["PUBSUB", "NUMSUB", "firehose"]), b"*2\r\n$8\r\nfirehose\r\n:0\r\n");
}

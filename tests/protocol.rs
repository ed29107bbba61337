//! The request protocol through raw bytes: pipelining, frames split anywhere,
//! inline commands, malformed and oversized frames, the limits for clients that
//! have not authenticated, binary safety, the query buffer limit, and RESP3 reply
//! types.
//!
//! Every expected byte string here is what redis-server 7.0.15 sent for the same
//! bytes: each was recorded by starting a real `redis-server --port <free port>
//! --save '' --appendonly no` (with the test's configuration), writing the request
//! with a plain socket and keeping the reply and whether the server then closed
//! the connection. Replies computed by a loop (the 10,000-command pipeline, the
//! large values) were checked the same way: the same requests sent to 7.0.15 gave
//! exactly the computed bytes.
//!
//! Must not: depend on timing beyond "the server answers within a few seconds";
//! a split frame is sent as two writes with a pause between them, which the
//! server may still read as one, and either way the replies must be the same.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::thread;
use std::time::Duration;

use common::{RawConnection, TestServer};
use raw::{bulk, cmd, Wire};

/// How long "no reply" is waited for.
const SILENCE: Duration = Duration::from_millis(150);

/// Sends `request` on a fresh connection and asserts that the server answers
/// exactly `reply` and then closes the connection.
fn assert_reply_then_closed(server: &TestServer, request: &[u8], reply: &[u8]) {
    let mut wire = Wire::connect(server.addr());
    wire.send(request);
    wire.expect_then_closed(reply);
}

/// Sends `request` on a fresh connection and asserts that nothing comes back
/// and the connection stays open: the server waits for the rest of the frame.
fn assert_waits_for_more(server: &TestServer, request: &[u8]) {
    let mut wire = Wire::connect(server.addr());
    wire.send(request);
    wire.expect_silence(SILENCE);
}

#[test]
fn ten_thousand_pipelined_commands_in_one_write() {
    let server = TestServer::start();
    // Groups of five: SET and GET as multibulk, INCR and GET inline, INCR as
    // multibulk, so both parsers alternate inside one read.
    let mut request = Vec::new();
    let mut expected = Vec::new();
    for i in 0..10_000u64 {
        let group = i / 5;
        match i % 5 {
            0 => {
                request.extend(cmd(&[b"SET", format!("k{i}").as_bytes(), format!("v{i}").as_bytes()]));
                expected.extend(b"+OK\r\n");
            }
            1 => {
                request.extend(cmd(&[b"GET", format!("k{}", i - 1).as_bytes()]));
                expected.extend(bulk(format!("v{}", i - 1).as_bytes()));
            }
            2 => {
                request.extend(b"INCR n\r\n");
                expected.extend(format!(":{}\r\n", 2 * group + 1).as_bytes());
            }
            3 => {
                request.extend(format!("GET k{}\r\n", i - 3).as_bytes());
                expected.extend(bulk(format!("v{}", i - 3).as_bytes()));
            }
            _ => {
                request.extend(cmd(&[b"INCR", b"n"]));
                expected.extend(format!(":{}\r\n", 2 * group + 2).as_bytes());
            }
        }
    }
    assert_eq!((request.len(), expected.len()), (197_112, 80_449));

    let mut wire = Wire::connect(server.addr());
    // One write_all, from another thread: the server answers while the request
    // is still arriving, and reading only afterwards could fill both socket
    // buffers and stall both sides.
    let mut writer = wire.try_clone();
    let sender = thread::spawn(move || writer.send(&request));
    wire.expect(&expected);
    sender.join().unwrap();
    wire.expect_silence(SILENCE);
}

#[test]
fn a_frame_split_at_any_byte_gives_the_same_replies() {
    let server = TestServer::start();
    // Binary data (CR, LF, NUL, 0xff) inside bulks, inline commands with escapes
    // and quotes, an empty bulk, the empty requests `*0`, `*-1` and a blank line
    // (no reply), a bare-LF inline command, all back to back.
    let mut request = Vec::new();
    request.extend(cmd(&[b"SET", b"bin\r\nkey\0", b"v\r\n\0\r\n\0\xff"]));
    request.extend(cmd(&[b"GET", b"bin\r\nkey\0"]));
    request.extend(b"SET q \"a b\\x41\\r\\n\" \r\n");
    request.extend(b"GET q\r\n");
    request.extend(b"ECHO 'it\\'s'\r\n");
    request.extend(cmd(&[b"SET", b"e", b""]));
    request.extend(cmd(&[b"STRLEN", b"e"]));
    request.extend(cmd(&[b"GET", b"e"]));
    request.extend(b"*0\r\n*-1\r\n\r\nPING\n");
    request.extend(cmd(&[b"MGET", b"q", b"e", b"missing"]));
    request.extend(b"*1\r\n$4\r\nPING\r\n");
    // Recorded from 7.0.15, whole and split at each of the 254 cut points.
    let expected: &[u8] = b"+OK\r\n$8\r\nv\r\n\x00\r\n\x00\xff\r\n+OK\r\n$6\r\na bA\r\n\r\n\
        $4\r\nit's\r\n+OK\r\n:0\r\n$0\r\n\r\n+PONG\r\n*3\r\n$6\r\na bA\r\n\r\n$0\r\n\r\n$-1\r\n\
        +PONG\r\n";
    assert_eq!(request.len(), 253);

    let mut wire = Wire::connect(server.addr());
    wire.send(&request);
    wire.expect(expected);
    for cut in 0..=request.len() {
        wire.send(&request[..cut]);
        thread::sleep(Duration::from_millis(1));
        wire.send(&request[cut..]);
        wire.expect(expected);
    }
    wire.expect_silence(SILENCE);
}

#[test]
fn inline_commands() {
    let server = TestServer::start();
    let mut wire = Wire::connect(server.addr());
    let cases: &[(&[u8], &[u8])] = &[
        (b"PING\r\n", b"+PONG\r\n"),
        (b"PING\n", b"+PONG\r\n"),
        (b"  SET a \"b c\"  \r\nGET a\r\n", b"+OK\r\n$3\r\nb c\r\n"),
        // Empty lines are skipped without a reply.
        (b"\r\n\n\n\r\nPING\r\n", b"+PONG\r\n"),
        (b"SET q \"\\x41\\x42\\n\"\r\nGET q\r\n", b"+OK\r\n$3\r\nAB\n\r\n"),
        // Inside single quotes only \' is an escape.
        (b"SET q 'a\\'b'\r\nGET q\r\n", b"+OK\r\n$3\r\na'b\r\n"),
        (b"SET q 'a\\nb'\r\nGET q\r\n", b"+OK\r\n$4\r\na\\nb\r\n"),
        (b"ECHO \"\"\r\n", b"$0\r\n\r\n"),
        (b"ping\tx\r\n", b"$1\r\nx\r\n"),
    ];
    for (request, reply) in cases {
        wire.send(request);
        wire.expect(reply);
    }
    wire.expect_silence(SILENCE);
}

#[test]
fn inline_unbalanced_quotes_reply_an_error_and_close() {
    let server = TestServer::start();
    let error = b"-ERR Protocol error: unbalanced quotes in request\r\n";
    assert_reply_then_closed(&server, b"SET a 'b\r\n", error);
    assert_reply_then_closed(&server, b"SET a \"b\r\n", error);
    // A closing quote must be followed by a space or the end of the line.
    assert_reply_then_closed(&server, b"SET a \"b\"c\r\n", error);
    // What came before the bad line is answered first; what came after is not.
    let mut reply = b"+PONG\r\n".to_vec();
    reply.extend(error);
    assert_reply_then_closed(&server, b"PING\r\nSET a \"b\r\nPING\r\n", &reply);
}

#[test]
fn inline_request_with_a_nul_byte() {
    let server = TestServer::start();
    // FIXME(compat): Redis 7.0.15 looks for the newline with strchr, which stops at
    // the NUL: it sends nothing for `GET a\0b\r\n` and waits until the line passes
    // 64 KiB, then replies "-ERR Protocol error: too big inline request" and closes.
    // We find the newline and answer the command.
    let mut wire = Wire::connect(server.addr());
    wire.send(b"GET a\0b\r\n");
    wire.expect(b"$-1\r\n");
    wire.expect_silence(SILENCE);
}

#[test]
fn malformed_multibulk_frames_reply_an_error_and_close() {
    let server = TestServer::start();
    let cases: &[(&[u8], &[u8])] = &[
        (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1 \r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*+1\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*01\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*2147483648\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
        (b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$04\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        // One more than the default proto-max-bulk-len (512 MiB).
        (b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ];
    for (request, error) in cases {
        assert_reply_then_closed(&server, request, error);
        // Replies to the commands before the bad frame, in the same write, are
        // sent first.
        let mut pipelined = cmd(&[b"SET", b"before", b"1"]);
        pipelined.extend(b"GET before\r\n");
        pipelined.extend(*request);
        pipelined.extend(cmd(&[b"SET", b"after", b"1"]));
        let mut reply = b"+OK\r\n$1\r\n1\r\n".to_vec();
        reply.extend(*error);
        assert_reply_then_closed(&server, &pipelined, &reply);
    }
    // The command after the bad frame never ran.
    let mut check = RawConnection::connect(server.addr()).unwrap();
    assert_eq!(check.call(&["EXISTS", "after"]).unwrap(), b":0\r\n");
}

#[test]
fn lenient_framing_matches_redis() {
    let server = TestServer::start();
    let mut wire = Wire::connect(server.addr());
    // The two bytes after a bulk are skipped unchecked.
    wire.send(b"*1\r\n$4\r\nPINGxx");
    wire.expect(b"+PONG\r\n");
    // Only the byte after a length line's CR has to be there, not to be LF.
    wire.send(b"*1\rx$4\r\nPING\r\n");
    wire.expect(b"+PONG\r\n");
    wire.send(b"*1\r\n$4\rxPING\r\n");
    wire.expect(b"+PONG\r\n");
    // A frame that does not start with '*' is an inline command.
    wire.send(b"$3\r\n");
    wire.expect(b"-ERR unknown command '$3', with args beginning with: \r\n");
    wire.expect_silence(SILENCE);
}

#[test]
fn large_multibulk_counts_wait_for_their_arguments() {
    let server = TestServer::start();
    // 7.0 has no cap on the argument count below 2^31 for an authenticated
    // client: it answers nothing and waits for two million arguments.
    assert_waits_for_more(&server, b"*2000000\r\n");
    assert_waits_for_more(&server, b"*2147483647\r\n");
    assert_waits_for_more(&server, b"*2000000\r\n$4\r\nPING\r\n");
    // Exactly proto-max-bulk-len is allowed.
    assert_waits_for_more(&server, b"*1\r\n$536870912\r\n");
}

#[test]
fn bulk_longer_than_proto_max_bulk_len() {
    let server = TestServer::start_with(|cfg| cfg.proto_max_bulk_len = 1024 * 1024);
    assert_reply_then_closed(&server, b"*1\r\n$1048577\r\n", b"-ERR Protocol error: invalid bulk length\r\n");
    assert_waits_for_more(&server, b"*1\r\n$1048576\r\n");
}

#[test]
fn lines_longer_than_64_kib_without_a_terminator() {
    let server = TestServer::start();
    let mut inline = vec![b'A'; 65_537];
    assert_reply_then_closed(&server, &inline, b"-ERR Protocol error: too big inline request\r\n");
    inline.pop();
    assert_waits_for_more(&server, &inline);

    let mut count = b"*".to_vec();
    count.extend(vec![b'1'; 65_536]);
    let mut with_ping = b"PING\r\n".to_vec();
    with_ping.extend(&count);
    assert_reply_then_closed(&server, &with_ping, b"+PONG\r\n-ERR Protocol error: too big mbulk count string\r\n");
    count.pop();
    assert_waits_for_more(&server, &count);

    let mut bulk_len = b"*1\r\n$".to_vec();
    bulk_len.extend(vec![b'1'; 65_536]);
    assert_reply_then_closed(&server, &bulk_len, b"-ERR Protocol error: too big bulk count string\r\n");
    bulk_len.pop();
    assert_waits_for_more(&server, &bulk_len);
}

#[test]
fn a_truncated_frame_then_close_runs_nothing() {
    let server = TestServer::start();
    let mut wire = Wire::connect(server.addr());
    wire.send(b"*3\r\n$3\r\nSET\r\n");
    wire.shutdown_write();
    wire.expect_closed();
    let mut check = RawConnection::connect(server.addr()).unwrap();
    assert_eq!(check.call(&["DBSIZE"]).unwrap(), b":0\r\n");
}

#[test]
fn a_protocol_error_leaves_other_connections_alone() {
    let server = TestServer::start();
    let mut other = RawConnection::connect(server.addr()).unwrap();
    assert_eq!(other.call(&["SET", "k", "v"]).unwrap(), b"+OK\r\n");
    // Half a request pending on the other connection, too.
    other.send_raw(b"*2\r\n$3\r\nGET\r\n").unwrap();

    assert_reply_then_closed(&server, b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n");

    other.send_raw(b"$1\r\nk\r\n").unwrap();
    assert_eq!(other.read_reply().unwrap(), b"$1\r\nv\r\n");
    assert_eq!(other.call(&["PING"]).unwrap(), b"+PONG\r\n");
}

#[test]
fn unauthenticated_clients_get_tighter_limits() {
    let server = TestServer::start_with(|cfg| cfg.requirepass = Some(b"pw".to_vec()));
    assert_reply_then_closed(&server, b"*11\r\n", b"-ERR Protocol error: unauthenticated multibulk length\r\n");
    assert_waits_for_more(&server, b"*10\r\n");
    assert_reply_then_closed(
        &server,
        b"*2\r\n$4\r\nECHO\r\n$16385\r\n",
        b"-ERR Protocol error: unauthenticated bulk length\r\n",
    );
    assert_waits_for_more(&server, b"*2\r\n$4\r\nECHO\r\n$16384\r\n");
    // The inline limit does not change.
    assert_reply_then_closed(&server, &[b'A'; 65_537], b"-ERR Protocol error: too big inline request\r\n");

    // After AUTH both are fine, in the same write as the AUTH.
    let mut wire = Wire::connect(server.addr());
    let mut request = cmd(&[b"AUTH", b"pw"]);
    let eleven: Vec<&[u8]> = std::iter::once(&b"MGET"[..]).chain(std::iter::repeat_n(&b"k"[..], 10)).collect();
    request.extend(cmd(&eleven));
    let big = vec![b'a'; 16_385];
    request.extend(cmd(&[b"ECHO", &big]));
    wire.send(&request);
    let mut reply = b"+OK\r\n*10\r\n".to_vec();
    reply.extend(b"$-1\r\n".repeat(10));
    reply.extend(bulk(&big));
    wire.expect(&reply);
    wire.expect_silence(SILENCE);
}

#[test]
fn keys_and_values_with_every_byte() {
    let server = TestServer::start();
    let mut c = RawConnection::connect(server.addr()).unwrap();
    let all: Vec<u8> = (0..=255).collect();
    let reversed: Vec<u8> = (0..=255).rev().collect();
    assert_eq!(c.call(&[&b"SET"[..], &all, &reversed]).unwrap(), b"+OK\r\n");
    assert_eq!(c.call(&[&b"GET"[..], &all]).unwrap(), bulk(&reversed));
    assert_eq!(c.call(&[&b"STRLEN"[..], &all]).unwrap(), b":256\r\n");
    assert_eq!(c.call(&[&b"GETRANGE"[..], &all, b"250", b"-1"]).unwrap(), bulk(&reversed[250..]));
    assert_eq!(c.call(&[&b"APPEND"[..], &all, &all]).unwrap(), b":512\r\n");
    assert_eq!(c.call(&[&b"GETRANGE"[..], &all, b"254", b"257"]).unwrap(), bulk(&[1, 0, 0, 1]));
    // Every one-byte key is its own key.
    for b in 0..=255u8 {
        assert_eq!(c.call(&[&b"SET"[..], &[b], &[b]]).unwrap(), b"+OK\r\n");
    }
    assert_eq!(c.call(&["DBSIZE"]).unwrap(), b":257\r\n");
    for b in 0..=255u8 {
        assert_eq!(c.call(&[&b"GET"[..], &[b]]).unwrap(), bulk(&[b]));
    }
}

/// `size` bytes of a pattern that is not periodic in 2, 4 or 8 (CR, LF and NUL
/// all appear), so an off-by-one anywhere shows.
fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| ((i * 31 + 7) % 256) as u8).collect()
}

#[test]
fn one_and_twenty_mib_values_round_trip() {
    let server = TestServer::start();
    let mut c = Wire::connect(server.addr());
    for size in [1 << 20, 20 << 20] {
        let value = pattern(size);
        c.send(&cmd(&[b"SET", b"big", &value]));
        c.expect(b"+OK\r\n");
        c.send(&cmd(&[b"GET", b"big"]));
        c.expect(&bulk(&value));
        c.send(&cmd(&[b"APPEND", b"big", b"\r\n\0"]));
        c.expect(format!(":{}\r\n", size + 3).as_bytes());
        c.send(&cmd(&[b"STRLEN", b"big"]));
        c.expect(format!(":{}\r\n", size + 3).as_bytes());
        let mut tail = value[size - 2..].to_vec();
        tail.extend(b"\r\n\0");
        c.send(&cmd(&[b"GETRANGE", b"big", b"-5", b"-1"]));
        c.expect(&bulk(&tail));
        c.send(&cmd(&[b"GETRANGE", b"big", b"1000", b"1009"]));
        c.expect(&bulk(&value[1000..1010]));
    }
}

#[test]
fn a_twenty_mib_bulk_in_64_kib_pieces() {
    let server = TestServer::start();
    let mut wire = Wire::connect(server.addr());
    let value = pattern(20 << 20);
    let request = cmd(&[b"SET", b"slow", &value]);
    for (i, piece) in request.chunks(64 * 1024).enumerate() {
        wire.send(piece);
        if i % 8 == 0 {
            thread::sleep(Duration::from_millis(1));
        }
    }
    wire.expect(b"+OK\r\n");
    wire.send(&cmd(&[b"STRLEN", b"slow"]));
    wire.expect(b":20971520\r\n");
    wire.send(&cmd(&[b"GETRANGE", b"slow", b"20971510", b"-1"]));
    wire.expect(&bulk(&value[20_971_510..]));
}

#[test]
fn query_buffer_over_the_limit_closes_without_a_reply() {
    let server = TestServer::start_with(|cfg| cfg.client_query_buffer_limit = 1024 * 1024);
    let mut wire = Wire::connect(server.addr());
    // 7.0.15 with client-query-buffer-limit 1mb closed this connection once about
    // 2 MB of the announced 3,000,000-byte bulk had arrived, sending nothing.
    wire.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n");
    let piece = vec![b'x'; 64 * 1024];
    for _ in 0..40 {
        if wire.try_send(&piece).is_err() {
            break;
        }
    }
    wire.expect_closed();
    let mut check = RawConnection::connect(server.addr()).unwrap();
    assert_eq!(check.call(&["EXISTS", "k"]).unwrap(), b":0\r\n");
}

#[test]
fn resp3_reply_types_and_reset_back_to_resp2() {
    let server = TestServer::start();
    let mut c = RawConnection::connect(server.addr()).unwrap();
    let id = c.call(&["CLIENT", "ID"]).unwrap();
    let id = std::str::from_utf8(&id[1..id.len() - 2]).unwrap().to_string();
    assert_eq!(c.call(&["SET", "k", "v"]).unwrap(), b"+OK\r\n");
    let hello = format!(
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n\
         $5\r\nproto\r\n:3\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n\
         $4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    );
    assert_eq!(c.call(&["HELLO", "3"]).unwrap(), hello.as_bytes());
    let resp3: &[(&[&str], &[u8])] = &[
        (&["INFO", "keyspace"], b"=48\r\ntxt:# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n"),
        (&["HSET", "h", "f", "v"], b":1\r\n"),
        (&["HGETALL", "h"], b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n"),
        (&["HGETALL", "nokey"], b"%0\r\n"),
        (&["SMEMBERS", "nokey"], b"~0\r\n"),
        (&["SADD", "s", "m"], b":1\r\n"),
        (&["SMEMBERS", "s"], b"~1\r\n$1\r\nm\r\n"),
        (&["GET", "nokey"], b"_\r\n"),
        (&["MGET", "k", "nokey"], b"*2\r\n$1\r\nv\r\n_\r\n"),
        (&["RESET"], b"+RESET\r\n"),
    ];
    for (args, reply) in resp3 {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    // RESET went back to RESP2.
    let resp2: &[(&[&str], &[u8])] = &[
        (&["INFO", "keyspace"], b"$44\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n\r\n"),
        (&["GET", "nokey"], b"$-1\r\n"),
        (&["HGETALL", "h"], b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
        (&["SMEMBERS", "s"], b"*1\r\n$1\r\nm\r\n"),
        (&["MGET", "k", "nokey"], b"*2\r\n$1\r\nv\r\n$-1\r\n"),
    ];
    for (args, reply) in resp2 {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
}

#[test]
fn resp3_client_list_and_info_are_verbatim_strings() {
    let server = TestServer::start();
    let mut c = RawConnection::connect(server.addr()).unwrap();
    let id = c.call(&["CLIENT", "ID"]).unwrap();
    let id = std::str::from_utf8(&id[1..id.len() - 2]).unwrap().to_string();
    c.call(&["HELLO", "3"]).unwrap();
    // Their text changes with every run (address, buffer sizes), so only the
    // framing is compared: `=<len>\r\ntxt:` then the line, as 7.0.15 sends it
    // (`=276\r\ntxt:id=75 addr=127.0.0.1:42660 ... resp=3\n\r\n`).
    for sub in ["INFO", "LIST"] {
        let reply = c.call(&["CLIENT", sub]).unwrap();
        let text = String::from_utf8(reply).unwrap();
        let (header, body) = text.split_once("\r\n").unwrap();
        assert!(header.starts_with('='), "{text}");
        assert_eq!(header[1..].parse::<usize>().unwrap(), body.len() - 2, "{text}");
        assert!(body.starts_with(&format!("txt:id={id} addr=127.0.0.1:")), "{text}");
        assert!(body.ends_with(" resp=3\n\r\n"), "{text}");
    }
    c.call(&["RESET"]).unwrap();
    let text = String::from_utf8(c.call(&["CLIENT", "INFO"]).unwrap()).unwrap();
    assert!(text.starts_with('$'), "{text}");
    assert!(text.contains(&format!("\r\nid={id} addr=")), "{text}");
    assert!(text.ends_with(" resp=2\n\r\n"), "{text}");
}

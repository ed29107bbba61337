//! CLIENT and its subcommands (src/commands/client_cmd.rs) through a real client,
//! or raw RESP where a command must get no reply (CLIENT REPLY OFF|SKIP): ids,
//! names, LIST and INFO lines, KILL in every form, REPLY modes, PAUSE/UNPAUSE,
//! NO-EVICT, SETINFO, and the unknown-subcommand error, with Redis 7.0.15's
//! replies.

#[path = "common/client.rs"]
mod client;
mod common;

use std::time::{Duration, Instant};

use client::{bulk, connect, query, query_err, query_int, query_string, try_query};
use common::TestServer;
use redis::Value;

const SYNTAX: &str = "ERR syntax error";

fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

/// The `field=value` pairs of one CLIENT LIST / CLIENT INFO line, in order.
fn fields(line: &str) -> Vec<(String, String)> {
    line.trim_end()
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or_else(|| panic!("no '=' in {kv:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// One field of a CLIENT LIST / CLIENT INFO line.
fn field(line: &str, name: &str) -> String {
    fields(line)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {name}= in {line:?}"))
}

/// The CLIENT LIST lines.
fn client_list(con: &mut redis::Connection, filter: &[&str]) -> Vec<String> {
    let mut args = vec!["CLIENT", "LIST"];
    args.extend_from_slice(filter);
    query_string(con, &args).lines().map(str::to_string).collect()
}

/// The address (`ip:port`) the server sees for this connection.
fn own_addr(con: &mut redis::Connection) -> String {
    field(&query_string(con, &["CLIENT", "INFO"]), "addr")
}

/// Asserts the connection was closed by the server: the next command fails
/// with an I/O error, not a server error.
fn assert_closed(con: &mut redis::Connection) {
    match redis::cmd("PING").query::<Value>(con) {
        Ok(v) => panic!("the connection is still open: PING replied {v:?}"),
        Err(e) => assert!(
            e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error(),
            "expected a connection error, got {e}"
        ),
    }
}

#[test]
fn client_id_is_unique_per_connection() {
    let (server, mut con) = start();
    let a = query_int(&mut con, &["CLIENT", "ID"]);
    assert_eq!(query_int(&mut con, &["CLIENT", "ID"]), a);
    let mut other = connect(server.addr());
    let b = query_int(&mut other, &["CLIENT", "ID"]);
    assert!(a > 0 && b > a, "ids {a} then {b}");
    assert_eq!(query_err(&mut con, &["CLIENT", "ID", "x"]), "ERR wrong number of arguments for 'client|id' command");
}

#[test]
fn client_setname_and_getname() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["CLIENT", "GETNAME"]), Value::Nil);
    assert_eq!(query(&mut con, &["CLIENT", "SETNAME", "worker-1"]), Value::Okay);
    assert_eq!(query(&mut con, &["CLIENT", "GETNAME"]), bulk("worker-1"));
    let bad = "ERR Client names cannot contain spaces, newlines or special characters.";
    for name in [&b"a b"[..], b"a\nb", b"tab\t", b"caf\xc3\xa9", b"nul\x00"] {
        assert_eq!(query_err(&mut con, &[&b"CLIENT"[..], b"SETNAME", name]), bad, "name {name:?}");
    }
    // A refused name leaves the old one.
    assert_eq!(query(&mut con, &["CLIENT", "GETNAME"]), bulk("worker-1"));
    // The empty name clears it.
    assert_eq!(query(&mut con, &["CLIENT", "SETNAME", ""]), Value::Okay);
    assert_eq!(query(&mut con, &["CLIENT", "GETNAME"]), Value::Nil);
    assert_eq!(
        query_err(&mut con, &["CLIENT", "SETNAME"]),
        "ERR wrong number of arguments for 'client|setname' command"
    );
}

#[test]
fn client_list_and_info_lines() {
    let (server, mut con) = start();
    let mut other = connect(server.addr());
    let other_id = query_int(&mut other, &["CLIENT", "ID"]).to_string();
    assert_eq!(query(&mut other, &["CLIENT", "SETNAME", "other"]), Value::Okay);
    assert_eq!(query(&mut other, &["SELECT", "5"]), Value::Okay);
    let own_id = query_int(&mut con, &["CLIENT", "ID"]).to_string();

    let lines = client_list(&mut con, &[]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let names: Vec<String> = fields(&lines[0]).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp",
        ]
    );
    let line = lines.iter().find(|l| field(l, "id") == other_id).expect("the other client is listed");
    assert_eq!(field(line, "name"), "other");
    assert_eq!(field(line, "db"), "5");
    assert_eq!(field(line, "flags"), "N");
    assert_eq!(field(line, "cmd"), "select");
    assert_eq!(field(line, "user"), "default");
    assert_eq!(field(line, "resp"), "2");
    assert_eq!(field(line, "laddr"), server.addr().to_string());
    assert_eq!(field(line, "addr"), own_addr(&mut other));

    // TYPE normal lists everyone; the other types nobody here.
    assert_eq!(client_list(&mut con, &["TYPE", "normal"]).len(), 2);
    for kind in ["pubsub", "master", "replica"] {
        assert_eq!(query_string(&mut con, &["CLIENT", "LIST", "TYPE", kind]), "");
    }
    // ID filters by id, ignoring unknown ones.
    let by_id = client_list(&mut con, &["ID", &other_id, "999999"]);
    assert_eq!(by_id.len(), 1);
    assert_eq!(field(&by_id[0], "id"), other_id);
    let both = client_list(&mut con, &["ID", &own_id, &other_id]);
    assert_eq!(both.len(), 2);

    // CLIENT INFO is this connection's line, newline-terminated.
    let info = query_string(&mut con, &["CLIENT", "INFO"]);
    assert!(info.ends_with('\n') && info.lines().count() == 1, "{info:?}");
    assert_eq!(field(&info, "id"), own_id);
    assert_eq!(field(&info, "name"), "");
    assert_eq!(field(&info, "db"), "0");
    assert_eq!(field(&info, "cmd"), "client|info");
    assert_eq!(field(&info, "flags"), "N");

    assert_eq!(query_err(&mut con, &["CLIENT", "LIST", "TYPE", "foo"]), "ERR Unknown client type 'foo'");
    assert_eq!(query_err(&mut con, &["CLIENT", "LIST", "ID", "abc"]), "ERR Invalid client ID");
    assert_eq!(query_err(&mut con, &["CLIENT", "LIST", "ID"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["CLIENT", "LIST", "FOO", "bar"]), SYNTAX);
}

#[test]
fn client_kill_by_address_old_form() {
    let (server, mut con) = start();
    let mut victim = connect(server.addr());
    let addr = own_addr(&mut victim);
    assert_eq!(query(&mut con, &["CLIENT", "KILL", &addr]), Value::Okay);
    assert_closed(&mut victim);
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", &addr]), "ERR No such client");
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "1.2.3.4:5"]), "ERR No such client");
    assert_eq!(client_list(&mut con, &[]).len(), 1);
}

#[test]
fn client_kill_by_id_and_addr() {
    let (server, mut con) = start();
    let mut by_id = connect(server.addr());
    let mut by_addr = connect(server.addr());
    let mut bystander = connect(server.addr());
    let id = query_int(&mut by_id, &["CLIENT", "ID"]).to_string();
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ID", &id]), Value::Int(1));
    assert_closed(&mut by_id);
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ID", &id]), Value::Int(0));

    let addr = own_addr(&mut by_addr);
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ADDR", &addr]), Value::Int(1));
    assert_closed(&mut by_addr);
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ADDR", "1.2.3.4:5"]), Value::Int(0));
    // Filters combine: an id with somebody else's address kills nobody.
    let own_id = query_int(&mut con, &["CLIENT", "ID"]).to_string();
    let bystander_addr = own_addr(&mut bystander);
    assert_eq!(
        query(&mut con, &["CLIENT", "KILL", "ID", &own_id, "ADDR", &bystander_addr, "SKIPME", "no"]),
        Value::Int(0)
    );
    assert_eq!(query(&mut bystander, &["PING"]), Value::SimpleString("PONG".into()));

    let positive = "ERR client-id should be greater than 0";
    for bad in ["abc", "0", "-1"] {
        assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "ID", bad]), positive);
    }
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "TYPE", "foo"]), "ERR Unknown client type 'foo'");
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "USER", "nouser"]), "ERR No such user 'nouser'");
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "FOO", "bar"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "SKIPME", "maybe"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["CLIENT", "KILL", "ID", &own_id, "ADDR"]), SYNTAX);
}

#[test]
fn client_kill_skipme() {
    let (server, mut con) = start();
    let mut other = connect(server.addr());
    let own = own_addr(&mut con);
    // SKIPME yes (the default) spares the caller.
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ADDR", &own]), Value::Int(0));
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ADDR", &own, "SKIPME", "yes"]), Value::Int(0));
    // TYPE normal with the default SKIPME kills everyone else.
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "TYPE", "normal"]), Value::Int(1));
    assert_closed(&mut other);
    assert_eq!(client_list(&mut con, &[]).len(), 1);
    // SKIPME no: the caller gets its reply, then its connection closes.
    assert_eq!(query(&mut con, &["CLIENT", "KILL", "ADDR", &own, "SKIPME", "no"]), Value::Int(1));
    assert_closed(&mut con);
}

/// CLIENT REPLY needs raw RESP: a client library waits for the reply that
/// OFF and SKIP suppress.
#[test]
fn client_reply_off_on_skip() {
    let server = TestServer::start();
    let mut raw = server.connect();
    let quiet = Duration::from_millis(100);
    raw.send(&["CLIENT", "REPLY", "OFF"]).unwrap();
    raw.expect_silence(quiet).unwrap();
    raw.send(&["SET", "k", "v"]).unwrap();
    raw.send(&["GET", "k"]).unwrap();
    // Errors are suppressed too.
    raw.send(&["CLIENT", "REPLY", "FOO"]).unwrap();
    raw.send(&["NOSUCHCOMMAND"]).unwrap();
    raw.expect_silence(quiet).unwrap();
    assert_eq!(raw.call(&["CLIENT", "REPLY", "ON"]).unwrap(), b"+OK\r\n");
    assert_eq!(raw.call(&["GET", "k"]).unwrap(), b"$1\r\nv\r\n");
    // SKIP: no reply to itself or to the next command, then replies again.
    raw.send(&["CLIENT", "REPLY", "SKIP"]).unwrap();
    raw.send(&["INCR", "n"]).unwrap();
    raw.expect_silence(quiet).unwrap();
    assert_eq!(raw.call(&["GET", "n"]).unwrap(), b"$1\r\n1\r\n");
    // A second SKIP in a row only skips the command after it.
    raw.send(&["CLIENT", "REPLY", "SKIP"]).unwrap();
    raw.send(&["CLIENT", "REPLY", "SKIP"]).unwrap();
    raw.send(&["PING"]).unwrap();
    raw.expect_silence(quiet).unwrap();
    assert_eq!(raw.call(&["PING"]).unwrap(), b"+PONG\r\n");
    assert_eq!(raw.call(&["CLIENT", "REPLY", "FOO"]).unwrap(), b"-ERR syntax error\r\n");
}

#[test]
fn client_pause_holds_other_clients() {
    let (server, mut con) = start();
    let mut other = connect(server.addr());
    assert_eq!(query(&mut other, &["SET", "k", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["CLIENT", "PAUSE", "300"]), Value::Okay);
    let start = Instant::now();
    assert_eq!(query(&mut other, &["GET", "k"]), bulk("v"));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(3),
        "GET answered after {waited:?} during a 300 ms pause"
    );
    // Once the pause is over nothing waits.
    let start = Instant::now();
    assert_eq!(query(&mut other, &["GET", "k"]), bulk("v"));
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn client_pause_write_and_unpause() {
    let (server, mut con) = start();
    let mut other = connect(server.addr());
    // Pauses far longer than the bounds below, so a slow machine cannot blur "at once"
    // with "after the pause".
    assert_eq!(query(&mut con, &["CLIENT", "PAUSE", "6000", "WRITE"]), Value::Okay);
    let start = Instant::now();
    assert_eq!(query(&mut other, &["GET", "k"]), Value::Nil);
    let waited = start.elapsed();
    // Reads are answered at once during CLIENT PAUSE WRITE; only writes wait.
    assert!(waited < Duration::from_millis(3000), "GET answered after {waited:?} during PAUSE WRITE");

    assert_eq!(query(&mut con, &["CLIENT", "PAUSE", "6000", "WRITE"]), Value::Okay);
    let start = Instant::now();
    assert_eq!(query(&mut con, &["CLIENT", "UNPAUSE"]), Value::Okay);
    let waited = start.elapsed();
    // CLIENT UNPAUSE is not a write, so it runs at once and ends the pause early.
    assert!(waited < Duration::from_millis(3000), "UNPAUSE answered after {waited:?} during PAUSE WRITE");
    // After UNPAUSE writes run at once.
    let start = Instant::now();
    assert_eq!(query(&mut other, &["SET", "k", "v"]), Value::Okay);
    assert!(start.elapsed() < Duration::from_millis(3000), "SET waited after UNPAUSE");

    assert_eq!(query_err(&mut con, &["CLIENT", "PAUSE", "abc"]), "ERR timeout is not an integer or out of range");
    assert_eq!(query_err(&mut con, &["CLIENT", "PAUSE", "-1"]), "ERR timeout is negative");
    assert_eq!(query_err(&mut con, &["CLIENT", "PAUSE", "10", "FOO"]), "ERR CLIENT PAUSE mode must be WRITE or ALL");
}

#[test]
fn client_no_evict_and_setinfo() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["CLIENT", "NO-EVICT", "on"]), Value::Okay);
    assert_eq!(field(&query_string(&mut con, &["CLIENT", "INFO"]), "flags"), "e");
    assert_eq!(query(&mut con, &["CLIENT", "NO-EVICT", "OFF"]), Value::Okay);
    assert_eq!(field(&query_string(&mut con, &["CLIENT", "INFO"]), "flags"), "N");
    assert_eq!(query_err(&mut con, &["CLIENT", "NO-EVICT", "maybe"]), SYNTAX);
    // Deliberately ahead of 7.0.15 (which has no SETINFO): we answer like Redis
    // 7.2, because client libraries send it on every connection.
    assert_eq!(query(&mut con, &["CLIENT", "SETINFO", "LIB-NAME", "mylib"]), Value::Okay);
    assert_eq!(query(&mut con, &["CLIENT", "SETINFO", "lib-ver", "1.2.3"]), Value::Okay);
}

#[test]
fn unknown_subcommand_keeps_the_connection_open() {
    let (_server, mut con) = start();
    assert_eq!(query_err(&mut con, &["CLIENT", "foo"]), "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
    assert_eq!(query_err(&mut con, &["CLIENT"]), "ERR wrong number of arguments for 'client' command");
    assert_eq!(
        try_query(&mut con, &["CLIENT", "REPLY"]),
        Err("ERR wrong number of arguments for 'client|reply' command".to_string())
    );
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v"));
    let Value::Array(help) = query(&mut con, &["CLIENT", "HELP"]) else {
        panic!("CLIENT HELP replies with an array");
    };
    assert_eq!(
        help.first(),
        Some(&Value::SimpleString("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into()))
    );
    assert_eq!(help.last(), Some(&Value::SimpleString("    Prints this help.".into())));
}

//! Shared client helpers for the family tests: a `redis` crate connection with
//! timeouts, commands written as slices of arguments, and the exact error text.
//!
//! Owns: turning `&["SET", "k", "v"]` into a `redis::Cmd`, running it, and
//! returning either the reply (`redis::Value`) or the error exactly as the
//! server sent it (`ERR syntax error`), so tests compare Redis's full text.
//!
//! Must not: retry, reconnect, or block without a bound: every connection has
//! a read and write timeout of `common::READ_TIMEOUT`, so a server that never
//! answers fails its test instead of hanging the run.
#![allow(dead_code)] // each test crate uses a subset of these helpers

use std::net::SocketAddr;

use redis::Value;

use crate::common::READ_TIMEOUT;

/// A new connection to `addr`, with read and write timeouts.
pub fn connect(addr: SocketAddr) -> redis::Connection {
    let client =
        redis::Client::open(format!("redis://{addr}")).unwrap_or_else(|e| panic!("redis client for {addr}: {e}"));
    let con = client.get_connection_with_timeout(READ_TIMEOUT).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    con.set_read_timeout(Some(READ_TIMEOUT)).expect("set the read timeout");
    con.set_write_timeout(Some(READ_TIMEOUT)).expect("set the write timeout");
    con
}

/// A command from its arguments, the name first.
pub fn command<A: AsRef<[u8]>>(args: &[A]) -> redis::Cmd {
    let (name, rest) = args.split_first().expect("a command needs a name");
    let mut cmd = redis::cmd(&String::from_utf8_lossy(name.as_ref()));
    for arg in rest {
        cmd.arg(arg.as_ref());
    }
    cmd
}

/// The error as the server sent it: code, a space, then the detail.
pub fn error_text(err: &redis::RedisError) -> String {
    match (err.code(), err.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_string(),
        _ => panic!("not a server error: {err}"),
    }
}

/// Runs a command: the reply, or the server's error text.
pub fn try_query<A: AsRef<[u8]>>(con: &mut redis::Connection, args: &[A]) -> Result<Value, String> {
    command(args).query::<Value>(con).map_err(|e| error_text(&e))
}

/// Runs a command that must succeed and returns its reply.
pub fn query<A: AsRef<[u8]>>(con: &mut redis::Connection, args: &[A]) -> Value {
    command(args).query::<Value>(con).unwrap_or_else(|e| panic!("{}: {e}", describe(args)))
}

/// Runs a command that must fail and returns the error text.
pub fn query_err<A: AsRef<[u8]>>(con: &mut redis::Connection, args: &[A]) -> String {
    match command(args).query::<Value>(con) {
        Ok(v) => panic!("{}: expected an error, got {v:?}", describe(args)),
        Err(e) => error_text(&e),
    }
}

/// Runs a command that must reply with an integer.
pub fn query_int<A: AsRef<[u8]>>(con: &mut redis::Connection, args: &[A]) -> i64 {
    match query(con, args) {
        Value::Int(n) => n,
        other => panic!("{}: expected an integer, got {other:?}", describe(args)),
    }
}

/// Runs a command that must reply with a bulk or simple string, as text.
pub fn query_string<A: AsRef<[u8]>>(con: &mut redis::Connection, args: &[A]) -> String {
    match query(con, args) {
        Value::BulkString(b) => String::from_utf8(b).expect("a UTF-8 reply"),
        Value::SimpleString(s) => s,
        Value::VerbatimString { text, .. } => text,
        other => panic!("{}: expected a string, got {other:?}", describe(args)),
    }
}

/// The command as one line, for failure messages.
fn describe<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.iter().map(|a| String::from_utf8_lossy(a.as_ref()).into_owned()).collect::<Vec<_>>().join(" ")
}

/// A bulk string reply.
pub fn bulk(s: impl AsRef<[u8]>) -> Value {
    Value::BulkString(s.as_ref().to_vec())
}

/// A simple string reply other than OK.
pub fn simple(s: &str) -> Value {
    Value::SimpleString(s.to_string())
}

/// An array of bulk strings.
pub fn bulks<S: AsRef<[u8]>>(items: &[S]) -> Value {
    Value::Array(items.iter().map(bulk).collect())
}

/// An array of integers.
pub fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|n| Value::Int(*n)).collect())
}

/// The bulk strings of an array reply, sorted, as text.
pub fn sorted_strings(v: Value) -> Vec<String> {
    let Value::Array(items) = v else {
        panic!("expected an array, got {v:?}");
    };
    let mut out: Vec<String> = items
        .into_iter()
        .map(|item| match item {
            Value::BulkString(b) => String::from_utf8(b).expect("a UTF-8 element"),
            other => panic!("expected a bulk string element, got {other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// The value of `field` in an INFO-style `field:value` text, if present.
pub fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')).map(str::trim_end)
}

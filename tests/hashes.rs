//! The hash family (src/commands/hashes.rs, src/store/hash.rs) through a real client:
//! every command with Redis 7.0.15's exact replies and error texts, the order of a
//! small hash's fields, the deletion of an emptied hash, the listpack → hashtable
//! conversion at `hash-max-listpack-entries` / `-value` (OBJECT ENCODING), HSCAN's
//! full iteration, HRANDFIELD's shapes in RESP2 and RESP3 and its distribution, and
//! WRONGTYPE against other types.

#[path = "common/client.rs"]
mod client;
mod common;

use std::collections::{BTreeMap, BTreeSet};

use client::{bulk, bulks, connect, info_field, query, query_err, query_int, query_string, sorted_strings};
use common::TestServer;
use redis::Value;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";

/// A server and one connection to it.
fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

/// A RESP3 connection (the client sends HELLO 3).
fn connect_resp3(server: &TestServer) -> redis::Connection {
    let client = redis::Client::open(format!("redis://{}/?protocol=resp3", server.addr())).expect("a RESP3 client");
    let con = client.get_connection_with_timeout(common::READ_TIMEOUT).expect("connect with RESP3");
    con.set_read_timeout(Some(common::READ_TIMEOUT)).expect("set the read timeout");
    con
}

/// OBJECT ENCODING of `key`.
fn encoding(con: &mut redis::Connection, key: &str) -> String {
    query_string(con, &["OBJECT", "ENCODING", key])
}

/// The bulk strings of an array reply, in order, as text.
fn strings(v: Value) -> Vec<String> {
    let Value::Array(items) = v else { panic!("expected an array, got {v:?}") };
    items
        .into_iter()
        .map(|item| match item {
            Value::BulkString(b) => String::from_utf8(b).expect("UTF-8"),
            other => panic!("expected a bulk string, got {other:?}"),
        })
        .collect()
}

/// HSET key with `n` fields `f0..`, values `v0..`, in one command.
fn fill(con: &mut redis::Connection, key: &str, n: usize) {
    let mut args = vec!["HSET".to_string(), key.to_string()];
    for i in 0..n {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    assert_eq!(query_int(con, &args), n as i64);
}

#[test]
fn set_get_and_the_read_commands() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["HGET", "h", "f"]), Value::Nil);
    assert_eq!(query_int(&mut con, &["HSET", "h", "f", "v"]), 1);
    assert_eq!(query_int(&mut con, &["HSET", "h", "f", "v2"]), 0);
    assert_eq!(query(&mut con, &["HGET", "h", "f"]), bulk("v2"));
    assert_eq!(query_int(&mut con, &["HSET", "h", "a", "1", "b", "2", "a", "3"]), 2);
    assert_eq!(query(&mut con, &["HGET", "h", "a"]), bulk("3"));
    assert_eq!(query(&mut con, &["HGET", "h", "nofield"]), Value::Nil);
    assert_eq!(query(&mut con, &["TYPE", "h"]), Value::SimpleString("hash".into()));
    assert_eq!(query_int(&mut con, &["HLEN", "h"]), 3);
    assert_eq!(query_int(&mut con, &["HLEN", "nokey"]), 0);
    assert_eq!(query(&mut con, &["HMSET", "h", "c", "4", "d", "5"]), Value::Okay);
    assert_eq!(
        query(&mut con, &["HMGET", "h", "a", "nofield", "d"]),
        Value::Array(vec![bulk("3"), Value::Nil, bulk("5")])
    );
    assert_eq!(query(&mut con, &["HMGET", "nokey", "a", "b"]), Value::Array(vec![Value::Nil, Value::Nil]));
    assert_eq!(query_int(&mut con, &["HSETNX", "h", "a", "x"]), 0);
    assert_eq!(query_int(&mut con, &["HSETNX", "h", "e", "x"]), 1);
    assert_eq!(query_int(&mut con, &["HSETNX", "new", "f", "v"]), 1);
    assert_eq!(query(&mut con, &["HGETALL", "new"]), bulks(&["f", "v"]));
    assert_eq!(query_int(&mut con, &["HSTRLEN", "h", "f"]), 2);
    assert_eq!(query_int(&mut con, &["HSTRLEN", "h", "nofield"]), 0);
    assert_eq!(query_int(&mut con, &["HSTRLEN", "nokey", "f"]), 0);
    assert_eq!(query_int(&mut con, &["HEXISTS", "h", "a"]), 1);
    assert_eq!(query_int(&mut con, &["HEXISTS", "h", "nofield"]), 0);
    assert_eq!(query_int(&mut con, &["HEXISTS", "nokey", "a"]), 0);
    assert_eq!(query(&mut con, &["HKEYS", "h"]), bulks(&["f", "a", "b", "c", "d", "e"]));
    assert_eq!(query(&mut con, &["HVALS", "h"]), bulks(&["v2", "3", "2", "4", "5", "x"]));
    assert_eq!(
        query(&mut con, &["HGETALL", "h"]),
        bulks(&["f", "v2", "a", "3", "b", "2", "c", "4", "d", "5", "e", "x"])
    );
    for cmd in ["HKEYS", "HVALS", "HGETALL"] {
        assert_eq!(query(&mut con, &[cmd, "nokey"]), Value::Array(vec![]));
    }
}

#[test]
fn binary_and_empty_fields_and_values() {
    let (_server, mut con) = start();
    let every_byte: Vec<u8> = (0..=255u8).collect();
    assert_eq!(query_int(&mut con, &[b"HSET".as_slice(), b"h", b"\x00\xff\r\n", &every_byte]), 1);
    assert_eq!(query(&mut con, &[b"HGET".as_slice(), b"h", b"\x00\xff\r\n"]), bulk(&every_byte));
    assert_eq!(query_int(&mut con, &[b"HSTRLEN".as_slice(), b"h", b"\x00\xff\r\n"]), 256);
    assert_eq!(query_int(&mut con, &["HSET", "h", "", "empty field"]), 1);
    assert_eq!(query_int(&mut con, &["HSET", "h", "empty value", ""]), 1);
    assert_eq!(query(&mut con, &["HGET", "h", ""]), bulk("empty field"));
    assert_eq!(query(&mut con, &["HGET", "h", "empty value"]), bulk(""));
    assert_eq!(query_int(&mut con, &["HSTRLEN", "h", "empty value"]), 0);
}

#[test]
fn small_hashes_answer_in_insertion_order() {
    let (_server, mut con) = start();
    assert_eq!(query_int(&mut con, &["HSET", "o", "one", "1", "two", "2", "three", "3", "four", "4"]), 4);
    // An update keeps the field's place.
    assert_eq!(query_int(&mut con, &["HSET", "o", "two", "22"]), 0);
    assert_eq!(query(&mut con, &["HGETALL", "o"]), bulks(&["one", "1", "two", "22", "three", "3", "four", "4"]));
    // A deleted and re-added field goes to the end.
    assert_eq!(query_int(&mut con, &["HDEL", "o", "one"]), 1);
    assert_eq!(query_int(&mut con, &["HSET", "o", "one", "111"]), 1);
    assert_eq!(query(&mut con, &["HKEYS", "o"]), bulks(&["two", "three", "four", "one"]));
    assert_eq!(query(&mut con, &["HVALS", "o"]), bulks(&["22", "3", "4", "111"]));
    assert_eq!(
        query(&mut con, &["HSCAN", "o", "0"]),
        Value::Array(vec![bulk("0"), bulks(&["two", "22", "three", "3", "four", "4", "one", "111"])])
    );
    // Counters update in place too.
    assert_eq!(query_int(&mut con, &["HINCRBY", "o", "two", "1"]), 23);
    assert_eq!(query(&mut con, &["HKEYS", "o"]), bulks(&["two", "three", "four", "one"]));
}

#[test]
fn arity_and_odd_pairs() {
    let (_server, mut con) = start();
    let arity = |c: &str| format!("ERR wrong number of arguments for '{c}' command");
    assert_eq!(query_err(&mut con, &["HSET", "h", "f"]), arity("hset"));
    assert_eq!(query_err(&mut con, &["HSET", "h", "f", "v", "x"]), arity("hset"));
    assert_eq!(query_err(&mut con, &["HMSET", "h", "f", "v", "x"]), arity("hmset"));
    assert_eq!(query_err(&mut con, &["HMSET", "h", "f"]), arity("hmset"));
    assert_eq!(query_err(&mut con, &["HSETNX", "h", "f"]), arity("hsetnx"));
    assert_eq!(query_err(&mut con, &["HGET", "h", "f", "x"]), arity("hget"));
    assert_eq!(query_err(&mut con, &["HMGET", "h"]), arity("hmget"));
    assert_eq!(query_err(&mut con, &["HDEL", "h"]), arity("hdel"));
    assert_eq!(query_err(&mut con, &["HLEN", "h", "x"]), arity("hlen"));
    assert_eq!(query_err(&mut con, &["HSTRLEN", "h"]), arity("hstrlen"));
    assert_eq!(query_err(&mut con, &["HEXISTS", "h"]), arity("hexists"));
    assert_eq!(query_err(&mut con, &["HKEYS", "h", "x"]), arity("hkeys"));
    assert_eq!(query_err(&mut con, &["HVALS", "h", "x"]), arity("hvals"));
    assert_eq!(query_err(&mut con, &["HGETALL", "h", "x"]), arity("hgetall"));
    assert_eq!(query_err(&mut con, &["HINCRBY", "h", "f"]), arity("hincrby"));
    assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "h", "f"]), arity("hincrbyfloat"));
    assert_eq!(query_err(&mut con, &["HRANDFIELD"]), arity("hrandfield"));
    assert_eq!(query_err(&mut con, &["HSCAN", "h"]), arity("hscan"));
    // The odd HSET created nothing.
    assert_eq!(query_int(&mut con, &["EXISTS", "h"]), 0);
}

#[test]
fn an_emptied_hash_is_deleted() {
    let (_server, mut con) = start();
    assert_eq!(query_int(&mut con, &["HSET", "h", "a", "1", "b", "2", "c", "3"]), 3);
    assert_eq!(query_int(&mut con, &["EXPIRE", "h", "100"]), 1);
    assert_eq!(query_int(&mut con, &["HDEL", "h", "a", "a", "nofield"]), 1);
    assert_eq!(query_int(&mut con, &["HDEL", "h", "b", "c", "b"]), 2);
    assert_eq!(query_int(&mut con, &["EXISTS", "h"]), 0);
    assert_eq!(query(&mut con, &["TYPE", "h"]), Value::SimpleString("none".into()));
    assert_eq!(query_int(&mut con, &["TTL", "h"]), -2);
    assert_eq!(query_int(&mut con, &["HDEL", "h", "a"]), 0);
    assert_eq!(query_int(&mut con, &["HDEL", "nokey", "a"]), 0);
    // A re-created hash has no TTL.
    assert_eq!(query_int(&mut con, &["HSET", "h", "x", "1"]), 1);
    assert_eq!(query_int(&mut con, &["TTL", "h"]), -1);
    // Hashtable-encoded hashes are deleted the same way.
    fill(&mut con, "big", 600);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let fields: Vec<String> = (0..600).map(|i| format!("f{i}")).collect();
    let mut args = vec!["HDEL".to_string(), "big".to_string()];
    args.extend(fields);
    assert_eq!(query_int(&mut con, &args), 600);
    assert_eq!(query_int(&mut con, &["EXISTS", "big"]), 0);
    // Failing writes on a missing key leave no empty hash behind.
    assert_eq!(query_err(&mut con, &["HINCRBY", "nokey", "f", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "nokey", "f", "nan"]), NOT_FLOAT);
    assert_eq!(query_int(&mut con, &["EXISTS", "nokey"]), 0);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1);
}

#[test]
fn hincrby() {
    let (_server, mut con) = start();
    assert_eq!(query_int(&mut con, &["HINCRBY", "n", "c", "1"]), 1);
    assert_eq!(query_int(&mut con, &["HINCRBY", "n", "c", "10"]), 11);
    assert_eq!(query_int(&mut con, &["HINCRBY", "n", "c", "-100"]), -89);
    assert_eq!(query(&mut con, &["HGET", "n", "c"]), bulk("-89"));
    assert_eq!(query_int(&mut con, &["HINCRBY", "n", "max", "9223372036854775807"]), i64::MAX);
    assert_eq!(query_err(&mut con, &["HINCRBY", "n", "max", "1"]), "ERR increment or decrement would overflow");
    assert_eq!(query_int(&mut con, &["HINCRBY", "n", "min", "-9223372036854775808"]), i64::MIN);
    assert_eq!(query_err(&mut con, &["HINCRBY", "n", "min", "-1"]), "ERR increment or decrement would overflow");
    assert_eq!(query(&mut con, &["HGET", "n", "min"]), bulk("-9223372036854775808"));
    for bad in ["x", "1.5", "", "99999999999999999999", " 1", "01"] {
        assert_eq!(query_err(&mut con, &["HINCRBY", "n", "c", bad]), NOT_INTEGER, "increment {bad:?}");
    }
    for stored in ["abc", " 1", "1.5", "01", "+1", "-0", "", "99999999999999999999"] {
        query(&mut con, &["HSET", "n", "s", stored]);
        assert_eq!(query_err(&mut con, &["HINCRBY", "n", "s", "1"]), "ERR hash value is not an integer", "{stored:?}");
    }
    assert_eq!(query(&mut con, &["HGET", "n", "s"]), bulk("99999999999999999999"));
}

#[test]
fn hincrbyfloat() {
    let (_server, mut con) = start();
    let incr = |con: &mut redis::Connection, f: &str, by: &str| query_string(con, &["HINCRBYFLOAT", "f", f, by]);
    assert_eq!(incr(&mut con, "x", "1.5"), "1.5");
    assert_eq!(incr(&mut con, "x", "0.1"), "1.6");
    assert_eq!(incr(&mut con, "x", "-1.6"), "0");
    assert_eq!(incr(&mut con, "x", "1e3"), "1000");
    // Long double precision, as Redis's reply.
    assert_eq!(incr(&mut con, "x", "3.0e-2"), "1000.03000000000000003");
    assert_eq!(incr(&mut con, "i", "5"), "5");
    assert_eq!(incr(&mut con, "i", "-5"), "0");
    assert_eq!(query_int(&mut con, &["HINCRBY", "f", "i", "1"]), 1);
    assert_eq!(incr(&mut con, "hex", "0x10"), "16");
    for bad in ["notafloat", "", "nan", " 1", "1 "] {
        assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "f", "x", bad]), NOT_FLOAT, "{bad:?}");
    }
    for inf in ["inf", "-inf", "+inf", "infinity"] {
        assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "f", "x", inf]), "ERR value is NaN or Infinity");
    }
    assert_eq!(query_int(&mut con, &["HSET", "f", "inf", "inf"]), 1);
    assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "f", "inf", "1"]), "ERR increment would produce NaN or Infinity");
    for stored in ["abc", " 1.5", "1.5 ", "nan"] {
        query(&mut con, &["HSET", "f", "s", stored]);
        assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "f", "s", "1"]), "ERR hash value is not a float");
    }
    // A double would overflow here; a long double does not.
    query(&mut con, &["HSET", "f", "huge", "1e308"]);
    assert_eq!(incr(&mut con, "huge", "1e308").len(), 309);
    assert_eq!(query(&mut con, &["HGET", "f", "x"]), bulk("1000.03000000000000003"));
}

#[test]
fn wrongtype_everywhere() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "str", "x"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["RPUSH", "list", "a"]), 1);
    for key in ["str", "list"] {
        let cases: Vec<Vec<&str>> = vec![
            vec!["HSET", key, "f", "v"],
            vec!["HMSET", key, "f", "v"],
            vec!["HSETNX", key, "f", "v"],
            vec!["HGET", key, "f"],
            vec!["HMGET", key, "f", "g"],
            vec!["HDEL", key, "f"],
            vec!["HLEN", key],
            vec!["HSTRLEN", key, "f"],
            vec!["HEXISTS", key, "f"],
            vec!["HKEYS", key],
            vec!["HVALS", key],
            vec!["HGETALL", key],
            vec!["HINCRBY", key, "f", "1"],
            vec!["HINCRBYFLOAT", key, "f", "1"],
            vec!["HRANDFIELD", key],
            vec!["HRANDFIELD", key, "0"],
            vec!["HRANDFIELD", key, "-5", "WITHVALUES"],
            vec!["HSCAN", key, "0"],
            // HSCAN reads its options after the type check.
            vec!["HSCAN", key, "0", "TYPE", "hash"],
            vec!["HSCAN", key, "0", "COUNT", "0"],
        ];
        for args in cases {
            assert_eq!(query_err(&mut con, &args), WRONGTYPE, "{args:?}");
        }
    }
    // Argument errors Redis finds before the lookup win over WRONGTYPE.
    assert_eq!(query_err(&mut con, &["HSET", "str", "f"]), "ERR wrong number of arguments for 'hset' command");
    assert_eq!(query_err(&mut con, &["HINCRBY", "str", "f", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "str", "f", "x"]), NOT_FLOAT);
    assert_eq!(query_err(&mut con, &["HINCRBYFLOAT", "str", "f", "inf"]), "ERR value is NaN or Infinity");
    assert_eq!(query_err(&mut con, &["HRANDFIELD", "str", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["HRANDFIELD", "str", "1", "bad"]), SYNTAX);
    assert_eq!(
        query_err(&mut con, &["HRANDFIELD", "str", "-4611686018427387904", "WITHVALUES"]),
        "ERR value is out of range"
    );
    assert_eq!(query_err(&mut con, &["HSCAN", "str", "x"]), "ERR invalid cursor");
    assert_eq!(query(&mut con, &["GET", "str"]), bulk("x"));
}

#[test]
fn listpack_becomes_hashtable_past_the_entry_limit() {
    let (_server, mut con) = start();
    // Redis 7.0's defaults.
    assert_eq!(
        query(&mut con, &["CONFIG", "GET", "hash-max-listpack-entries"]),
        bulks(&["hash-max-listpack-entries", "512"])
    );
    assert_eq!(
        query(&mut con, &["CONFIG", "GET", "hash-max-listpack-value"]),
        bulks(&["hash-max-listpack-value", "64"])
    );
    fill(&mut con, "h", 512);
    assert_eq!(encoding(&mut con, "h"), "listpack");
    assert_eq!(query_int(&mut con, &["HSET", "h", "one more", "v"]), 1);
    assert_eq!(encoding(&mut con, "h"), "hashtable");
    assert_eq!(query_int(&mut con, &["HLEN", "h"]), 513);
    assert_eq!(query(&mut con, &["HGET", "h", "f511"]), bulk("v511"));
    // Never back, even when it shrinks to one field.
    let mut args = vec!["HDEL".to_string(), "h".to_string()];
    args.extend((0..512).map(|i| format!("f{i}")));
    assert_eq!(query_int(&mut con, &args), 512);
    assert_eq!(encoding(&mut con, "h"), "hashtable");
    assert_eq!(query(&mut con, &["HGETALL", "h"]), bulks(&["one more", "v"]));
    // HINCRBY and HSETNX count too.
    fill(&mut con, "n", 512);
    assert_eq!(query_int(&mut con, &["HINCRBY", "n", "counter", "1"]), 1);
    assert_eq!(encoding(&mut con, "n"), "hashtable");
    fill(&mut con, "nx", 512);
    assert_eq!(query_int(&mut con, &["HSETNX", "nx", "f0", "x"]), 0);
    assert_eq!(encoding(&mut con, "nx"), "listpack");
    assert_eq!(query_int(&mut con, &["HSETNX", "nx", "new", "x"]), 1);
    assert_eq!(encoding(&mut con, "nx"), "hashtable");
}

#[test]
fn the_entry_limit_follows_config_set() {
    let (_server, mut con) = start();
    fill(&mut con, "h", 5);
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hash-max-listpack-entries", "4"]), Value::Okay);
    // Existing hashes convert at their next write, even an update.
    assert_eq!(encoding(&mut con, "h"), "listpack");
    assert_eq!(query_int(&mut con, &["HSET", "h", "f0", "x"]), 0);
    assert_eq!(encoding(&mut con, "h"), "hashtable");
    fill(&mut con, "four", 4);
    assert_eq!(encoding(&mut con, "four"), "listpack");
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hash-max-listpack-entries", "0"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["HSET", "zero", "a", "1"]), 1);
    assert_eq!(encoding(&mut con, "zero"), "hashtable");
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hash-max-listpack-entries", "512"]), Value::Okay);
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hash-max-listpack-value", "3"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["HSET", "v3", "abc", "xyz"]), 1);
    assert_eq!(encoding(&mut con, "v3"), "listpack");
    assert_eq!(query_int(&mut con, &["HSET", "v3", "abc", "wxyz"]), 0);
    assert_eq!(encoding(&mut con, "v3"), "hashtable");
}

#[test]
fn listpack_becomes_hashtable_past_the_value_limit() {
    let server = TestServer::start();
    let mut con = connect(server.addr());
    let (v64, v65) = ("x".repeat(64), "x".repeat(65));
    assert_eq!(query_int(&mut con, &["HSET", "h", &v64, &v64]), 1);
    assert_eq!(encoding(&mut con, "h"), "listpack");
    assert_eq!(query_int(&mut con, &["HSET", "h", "f", &v65]), 1);
    assert_eq!(encoding(&mut con, "h"), "hashtable");
    assert_eq!(query_int(&mut con, &["HSET", "field", &v65, "v"]), 1);
    assert_eq!(encoding(&mut con, "field"), "hashtable");
    // HSET checks every argument before setting any.
    assert_eq!(query_int(&mut con, &["HSET", "mixed", "a", "1", "b", &v65]), 2);
    assert_eq!(query_int(&mut con, &["HDEL", "mixed", "b"]), 1);
    assert_eq!(encoding(&mut con, "mixed"), "hashtable");
    // HSETNX converts only when it sets.
    assert_eq!(query_int(&mut con, &["HSET", "nx", "a", "1"]), 1);
    assert_eq!(query_int(&mut con, &["HSETNX", "nx", "a", &v65]), 0);
    assert_eq!(encoding(&mut con, "nx"), "listpack");
    assert_eq!(query_int(&mut con, &["HSETNX", "nx", "b", &v65]), 1);
    assert_eq!(encoding(&mut con, "nx"), "hashtable");
    // Counters: a long field, or a long result.
    assert_eq!(query_int(&mut con, &["HINCRBY", "incr", &v65, "1"]), 1);
    assert_eq!(encoding(&mut con, "incr"), "hashtable");
    query(&mut con, &["HINCRBYFLOAT", "float", "f", "1e60"]);
    assert_eq!(encoding(&mut con, "float"), "listpack");
    query(&mut con, &["HINCRBYFLOAT", "float", "g", "1e70"]);
    assert_eq!(encoding(&mut con, "float"), "hashtable");
}

#[test]
fn hscan_of_a_listpack_is_whole_with_cursor_zero() {
    let (_server, mut con) = start();
    assert_eq!(query_int(&mut con, &["HSET", "h", "a", "1", "b", "2", "ab", "3"]), 3);
    let all = bulks(&["a", "1", "b", "2", "ab", "3"]);
    for cursor in ["0", "12345", "", "-1", "18446744073709551615"] {
        assert_eq!(query(&mut con, &["HSCAN", "h", cursor, "COUNT", "1"]), Value::Array(vec![bulk("0"), all.clone()]));
    }
    assert_eq!(
        query(&mut con, &["HSCAN", "h", "0", "MATCH", "a*"]),
        Value::Array(vec![bulk("0"), bulks(&["a", "1", "ab", "3"])])
    );
    // The last MATCH wins.
    assert_eq!(
        query(&mut con, &["HSCAN", "h", "0", "match", "a", "MATCH", "b"]),
        Value::Array(vec![bulk("0"), bulks(&["b", "2"])])
    );
    let empty = Value::Array(vec![bulk("0"), Value::Array(vec![])]);
    assert_eq!(query(&mut con, &["HSCAN", "nokey", "0"]), empty);
    // A missing key answers before the options are read.
    assert_eq!(query(&mut con, &["HSCAN", "nokey", "0", "COUNT", "0"]), empty);
    assert_eq!(query_err(&mut con, &["HSCAN", "nokey", "x"]), "ERR invalid cursor");
    for bad in [&["COUNT", "0"][..], &["COUNT", "-1"], &["MATCH"], &["TYPE", "hash"], &["NOVALUES"]] {
        let mut args = vec!["HSCAN", "h", "0"];
        args.extend_from_slice(bad);
        assert_eq!(query_err(&mut con, &args), SYNTAX, "{bad:?}");
    }
    assert_eq!(query_err(&mut con, &["HSCAN", "h", "0", "COUNT", "x"]), NOT_INTEGER);
    for bad in ["x", " 0", "18446744073709551616", "1.5"] {
        assert_eq!(query_err(&mut con, &["HSCAN", "h", bad]), "ERR invalid cursor");
    }
}

/// Runs HSCAN from cursor 0 to the end; returns every (field, value) and the number
/// of calls.
fn full_hscan(con: &mut redis::Connection, key: &str, extra: &[&str]) -> (Vec<(String, String)>, usize) {
    let mut cursor = "0".to_string();
    let mut pairs = Vec::new();
    let mut calls = 0;
    loop {
        let mut args = vec!["HSCAN", key, &cursor];
        args.extend_from_slice(extra);
        let Value::Array(mut reply) = query(con, &args) else { panic!("HSCAN reply") };
        let items = strings(reply.pop().expect("elements"));
        let Some(Value::BulkString(next)) = reply.pop() else { panic!("HSCAN cursor") };
        pairs.extend(items.chunks(2).map(|p| (p[0].clone(), p[1].clone())));
        calls += 1;
        cursor = String::from_utf8(next).expect("UTF-8 cursor");
        if cursor == "0" {
            return (pairs, calls);
        }
        assert!(calls < 100_000, "HSCAN does not finish");
    }
}

#[test]
fn hscan_of_a_hashtable_iterates_everything() {
    let (_server, mut con) = start();
    fill(&mut con, "big", 1000);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let (pairs, calls) = full_hscan(&mut con, "big", &["COUNT", "10"]);
    assert!(calls > 20, "COUNT 10 took only {calls} calls");
    let seen: BTreeMap<String, String> = pairs.into_iter().collect();
    assert_eq!(seen.len(), 1000);
    assert!(seen.iter().all(|(f, v)| f[1..] == v[1..]));
    let (pairs, _) = full_hscan(&mut con, "big", &["MATCH", "f1??", "COUNT", "100"]);
    let fields: BTreeSet<String> = pairs.into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, (100..200).map(|i| format!("f{i}")).collect());
}

#[test]
fn hscan_returns_fields_present_throughout_while_the_hash_changes() {
    let (_server, mut con) = start();
    fill(&mut con, "h", 1000);
    assert_eq!(encoding(&mut con, "h"), "hashtable");
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut calls = 0;
    loop {
        let Value::Array(mut reply) = query(&mut con, &["HSCAN", "h", &cursor, "COUNT", "20"]) else { panic!() };
        let items = strings(reply.pop().expect("elements"));
        seen.extend(items.chunks(2).map(|p| p[0].clone()));
        let Some(Value::BulkString(next)) = reply.pop() else { panic!() };
        cursor = String::from_utf8(next).unwrap();
        calls += 1;
        // Grow then shrink the table between calls: fields f0..f99 never change.
        let fields: Vec<String> = (0..100).map(|i| format!("x{}", calls * 100 + i)).collect();
        if calls < 10 {
            let mut args = vec!["HSET".to_string(), "h".to_string()];
            fields.iter().for_each(|f| args.extend([f.clone(), "v".to_string()]));
            query(&mut con, &args);
        } else {
            let mut args = vec!["HDEL".to_string(), "h".to_string()];
            args.extend((100..1000).map(|i| format!("f{i}")));
            query(&mut con, &args);
        }
        if cursor == "0" {
            break;
        }
    }
    for i in 0..100 {
        assert!(seen.contains(&format!("f{i}")), "f{i} was never returned");
    }
}

#[test]
fn hrandfield_shapes_and_edge_cases() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["HRANDFIELD", "nokey"]), Value::Nil);
    for count in ["5", "-5", "0"] {
        assert_eq!(query(&mut con, &["HRANDFIELD", "nokey", count]), Value::Array(vec![]));
        assert_eq!(query(&mut con, &["HRANDFIELD", "nokey", count, "WITHVALUES"]), Value::Array(vec![]));
    }
    assert_eq!(query_int(&mut con, &["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"]), 4);
    assert_eq!(query(&mut con, &["HRANDFIELD", "h", "0"]), Value::Array(vec![]));
    // A count of at least HLEN is the whole hash, in its order.
    for count in ["4", "10", "9223372036854775807"] {
        assert_eq!(query(&mut con, &["HRANDFIELD", "h", count]), bulks(&["a", "b", "c", "d"]));
    }
    assert_eq!(
        query(&mut con, &["HRANDFIELD", "h", "100", "withvalues"]),
        bulks(&["a", "1", "b", "2", "c", "3", "d", "4"])
    );
    let one = strings(query(&mut con, &["HRANDFIELD", "h", "1"]));
    assert!(one.len() == 1 && "abcd".contains(&one[0]));
    // Positive: distinct; negative: exactly -count, repeats allowed.
    let three = strings(query(&mut con, &["HRANDFIELD", "h", "3"]));
    assert_eq!(three.iter().collect::<BTreeSet<_>>().len(), 3);
    let many = strings(query(&mut con, &["HRANDFIELD", "h", "-50"]));
    assert_eq!(many.len(), 50);
    assert!(many.iter().all(|f| ["a", "b", "c", "d"].contains(&f.as_str())));
    let with = strings(query(&mut con, &["HRANDFIELD", "h", "-20", "WITHVALUES"]));
    assert_eq!(with.len(), 40);
    let values = BTreeMap::from([("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]);
    assert!(with.chunks(2).all(|p| values.get(p[0].as_str()) == Some(&p[1].as_str())), "{with:?}");
    assert_eq!(query_int(&mut con, &["HSET", "one", "only", "1"]), 1);
    assert_eq!(query(&mut con, &["HRANDFIELD", "one"]), bulk("only"));
    assert_eq!(query(&mut con, &["HRANDFIELD", "one", "-3"]), bulks(&["only", "only", "only"]));
    // Errors: syntax, then the count, then its range.
    assert_eq!(query_err(&mut con, &["HRANDFIELD", "h", "1", "bad"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["HRANDFIELD", "h", "1", "WITHVALUES", "x"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["HRANDFIELD", "h", "x"]), NOT_INTEGER);
    assert_eq!(
        query_err(&mut con, &["HRANDFIELD", "h", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    for count in ["4611686018427387904", "-4611686018427387904", "-9223372036854775807"] {
        assert_eq!(query_err(&mut con, &["HRANDFIELD", "nokey", count, "WITHVALUES"]), "ERR value is out of range");
    }
}

#[test]
fn resp3_replies() {
    let server = TestServer::start();
    let mut con = connect_resp3(&server);
    assert_eq!(query_int(&mut con, &["HSET", "h", "a", "1", "b", "2"]), 2);
    assert_eq!(query(&mut con, &["HGETALL", "h"]), Value::Map(vec![(bulk("a"), bulk("1")), (bulk("b"), bulk("2"))]));
    assert_eq!(query(&mut con, &["HGETALL", "nokey"]), Value::Map(vec![]));
    assert_eq!(query(&mut con, &["HRANDFIELD", "nokey"]), Value::Nil);
    // WITHVALUES: an array of [field, value] pairs.
    assert_eq!(
        query(&mut con, &["HRANDFIELD", "h", "5", "WITHVALUES"]),
        Value::Array(vec![bulks(&["a", "1"]), bulks(&["b", "2"])])
    );
    let Value::Array(pairs) = query(&mut con, &["HRANDFIELD", "h", "-7", "WITHVALUES"]) else { panic!() };
    assert_eq!(pairs.len(), 7);
    assert!(pairs.iter().all(|p| *p == bulks(&["a", "1"]) || *p == bulks(&["b", "2"])));
    assert_eq!(strings(query(&mut con, &["HRANDFIELD", "h", "-2"])).len(), 2);
    assert_eq!(query(&mut con, &["HSCAN", "h", "0"]), Value::Array(vec![bulk("0"), bulks(&["a", "1", "b", "2"])]));
}

#[test]
fn hrandfield_is_roughly_uniform() {
    let (_server, mut con) = start();
    for (key, n) in [("small", 10), ("big", 600)] {
        fill(&mut con, key, n);
        assert_eq!(encoding(&mut con, key), if n > 512 { "hashtable" } else { "listpack" });
        let draws = 200 * n;
        let mut hits: BTreeMap<String, usize> = BTreeMap::new();
        for f in strings(query(&mut con, &["HRANDFIELD", key, &format!("-{draws}")])) {
            *hits.entry(f).or_default() += 1;
        }
        assert_eq!(hits.len(), n, "{key}: every field drawn");
        assert!(hits.values().all(|&c| (100..300).contains(&c)), "{key}: {hits:?}");
        // Distinct samples cover every field over many draws too.
        let mut seen = BTreeSet::new();
        for _ in 0..50 {
            let sample = strings(query(&mut con, &["HRANDFIELD", key, &(n / 2).to_string()]));
            assert_eq!(sample.iter().collect::<BTreeSet<_>>().len(), n / 2);
            seen.extend(sample);
        }
        assert_eq!(seen.len(), n);
    }
    let mut singles = BTreeSet::new();
    for _ in 0..200 {
        let Value::BulkString(f) = query(&mut con, &["HRANDFIELD", "small"]) else { panic!() };
        singles.insert(f);
    }
    assert_eq!(singles.len(), 10);
}

#[test]
fn reads_count_keyspace_hits_and_writes_do_not() {
    let (_server, mut con) = start();
    let stats = |con: &mut redis::Connection| {
        let info = query_string(con, &["INFO", "stats"]);
        let get = |f| info_field(&info, f).unwrap().parse::<i64>().unwrap();
        (get("keyspace_hits"), get("keyspace_misses"))
    };
    query(&mut con, &["HSET", "h", "a", "1"]);
    query(&mut con, &["HDEL", "h", "nofield"]);
    query(&mut con, &["HINCRBY", "h", "n", "1"]);
    assert_eq!(stats(&mut con), (0, 0));
    query(&mut con, &["HGET", "h", "a"]);
    query(&mut con, &["HGETALL", "h"]);
    query(&mut con, &["HSCAN", "h", "0"]);
    query(&mut con, &["HLEN", "nokey"]);
    assert_eq!(stats(&mut con), (3, 1));
}

#[test]
fn sorted_field_lists_of_a_hashtable() {
    let (_server, mut con) = start();
    fill(&mut con, "big", 600);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let keys = sorted_strings(query(&mut con, &["HKEYS", "big"]));
    let mut want: Vec<String> = (0..600).map(|i| format!("f{i}")).collect();
    want.sort();
    assert_eq!(keys, want);
    let vals = sorted_strings(query(&mut con, &["HVALS", "big"]));
    assert_eq!(vals.len(), 600);
    let Value::Array(all) = query(&mut con, &["HGETALL", "big"]) else { panic!() };
    assert_eq!(all.len(), 1200);
    assert_eq!(query(&mut con, &["HMGET", "big", "f599", "f600"]), Value::Array(vec![bulk("v599"), Value::Nil]));
}

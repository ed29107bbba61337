//! The list family (src/commands/lists.rs) through a real client: pushes, pops with
//! and without a count, LRANGE/LINDEX/LSET/LINSERT/LREM/LTRIM, LPOS and its options,
//! LMOVE/RPOPLPUSH (rotation included) and LMPOP, with Redis 7.0.15's exact replies
//! and error texts, the null forms that differ between RESP2 and RESP3, WRONGTYPE,
//! the rule that an emptied list is deleted, and lists long enough to span many
//! chunks of the compact encoding.

#[path = "common/client.rs"]
mod client;
mod common;

use client::{bulk, bulks, connect, info_field, ints, query, query_err, query_int, query_string};
use common::TestServer;
use redis::Value;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/// A server and one connection to it.
fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

/// The whole list at `key`, as text.
fn all(con: &mut redis::Connection, key: &str) -> Value {
    query(con, &["LRANGE", key, "0", "-1"])
}

fn exists(con: &mut redis::Connection, key: &str) -> bool {
    query_int(con, &["EXISTS", key]) == 1
}

#[test]
fn push_to_either_end() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["LPUSH", "l", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["LPUSH", "l", "b", "c"]), Value::Int(3));
    assert_eq!(query(&mut con, &["RPUSH", "l", "d", "e"]), Value::Int(5));
    assert_eq!(all(&mut con, "l"), bulks(&["c", "b", "a", "d", "e"]));
    assert_eq!(query(&mut con, &["LLEN", "l"]), Value::Int(5));
    assert_eq!(query_string(&mut con, &["TYPE", "l"]), "list");
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "l"]), bulk("quicklist"));
    assert_eq!(query(&mut con, &["LLEN", "missing"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["LPUSH", "l"]), "ERR wrong number of arguments for 'lpush' command");
    assert_eq!(query_err(&mut con, &["LLEN", "l", "x"]), "ERR wrong number of arguments for 'llen' command");
}

#[test]
fn binary_and_empty_elements_are_kept() {
    let (_server, mut con) = start();
    let every_byte: Vec<u8> = (0..=255u8).collect();
    assert_eq!(query(&mut con, &[&b"RPUSH"[..], b"k", &every_byte, b"", b"\r\n"]), Value::Int(3));
    assert_eq!(
        query(&mut con, &["LRANGE", "k", "0", "-1"]),
        Value::Array(vec![bulk(&every_byte), bulk(""), bulk("\r\n")])
    );
    assert_eq!(query(&mut con, &["LPOS", "k", ""]), Value::Int(1));
    assert_eq!(query(&mut con, &["RPOP", "k"]), bulk("\r\n"));
}

#[test]
fn pushx_needs_an_existing_list() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["LPUSHX", "l", "a"]), Value::Int(0));
    assert_eq!(query(&mut con, &["RPUSHX", "l", "a", "b"]), Value::Int(0));
    assert!(!exists(&mut con, "l"));
    query(&mut con, &["RPUSH", "l", "x"]);
    assert_eq!(query(&mut con, &["LPUSHX", "l", "a", "b"]), Value::Int(3));
    assert_eq!(query(&mut con, &["RPUSHX", "l", "c"]), Value::Int(4));
    assert_eq!(all(&mut con, "l"), bulks(&["b", "a", "x", "c"]));
}

#[test]
fn pop_one_or_a_count() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "p", "a", "b", "c", "d", "e", "f", "g"]);
    assert_eq!(query(&mut con, &["LPOP", "p"]), bulk("a"));
    assert_eq!(query(&mut con, &["RPOP", "p"]), bulk("g"));
    assert_eq!(query(&mut con, &["LPOP", "p", "2"]), bulks(&["b", "c"]));
    assert_eq!(query(&mut con, &["RPOP", "p", "2"]), bulks(&["f", "e"]));
    assert_eq!(query(&mut con, &["LPOP", "p", "0"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["RPOP", "p", "100"]), bulks(&["d"]));
    assert!(!exists(&mut con, "p"));
    assert_eq!(query(&mut con, &["LPOP", "p"]), Value::Nil);
    assert_eq!(query(&mut con, &["LPOP", "p", "1"]), Value::Nil);
    assert_eq!(query(&mut con, &["RPOP", "p", "0"]), Value::Nil);
    // The count is checked before the key, missing or not.
    for bad in ["-1", "x", "1.5", "9223372036854775808"] {
        assert_eq!(query_err(&mut con, &["LPOP", "p", bad]), MUST_BE_POSITIVE);
    }
    assert_eq!(query_err(&mut con, &["LPOP", "p", "1", "2"]), "ERR wrong number of arguments for 'lpop' command");
    assert_eq!(query_err(&mut con, &["RPOP", "p", "1", "2"]), "ERR wrong number of arguments for 'rpop' command");
    query(&mut con, &["RPUSH", "p", "a", "b"]);
    assert_eq!(query(&mut con, &["LPOP", "p", "9223372036854775807"]), bulks(&["a", "b"]));
}

#[test]
fn null_replies_differ_between_resp2_and_resp3() {
    let server = TestServer::start();
    for (hello, nil_bulk, nil_array) in [("2", "$-1\r\n", "*-1\r\n"), ("3", "_\r\n", "_\r\n")] {
        let mut raw = server.connect();
        raw.call(&["HELLO", hello]).expect("HELLO");
        let call =
            |raw: &mut common::RawConnection, args: &[&str]| String::from_utf8(raw.call(args).expect("reply")).unwrap();
        assert_eq!(call(&mut raw, &["LPOP", "missing"]), nil_bulk);
        assert_eq!(call(&mut raw, &["RPOP", "missing", "1"]), nil_array);
        assert_eq!(call(&mut raw, &["LPOP", "missing", "0"]), nil_array);
        assert_eq!(call(&mut raw, &["LINDEX", "missing", "0"]), nil_bulk);
        assert_eq!(call(&mut raw, &["LPOS", "missing", "a"]), nil_bulk);
        assert_eq!(call(&mut raw, &["LPOS", "missing", "a", "COUNT", "0"]), "*0\r\n");
        assert_eq!(call(&mut raw, &["LMOVE", "missing", "d", "LEFT", "RIGHT"]), nil_bulk);
        assert_eq!(call(&mut raw, &["RPOPLPUSH", "missing", "d"]), nil_bulk);
        assert_eq!(call(&mut raw, &["LMPOP", "2", "missing", "other", "LEFT"]), nil_array);
        assert_eq!(call(&mut raw, &["RPUSH", "k", "a"]), ":1\r\n");
        assert_eq!(call(&mut raw, &["LMPOP", "1", "k", "LEFT"]), "*2\r\n$1\r\nk\r\n*1\r\n$1\r\na\r\n");
    }
}

#[test]
fn lrange_clamps_like_redis() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "r", "a", "b", "c", "d", "e", "f"]);
    let range = |con: &mut redis::Connection, s: &str, e: &str| query(con, &["LRANGE", "r", s, e]);
    assert_eq!(range(&mut con, "0", "0"), bulks(&["a"]));
    assert_eq!(range(&mut con, "-3", "-1"), bulks(&["d", "e", "f"]));
    assert_eq!(range(&mut con, "-100", "100"), bulks(&["a", "b", "c", "d", "e", "f"]));
    assert_eq!(range(&mut con, "2", "1"), Value::Array(vec![]));
    assert_eq!(range(&mut con, "5", "10"), bulks(&["f"]));
    assert_eq!(range(&mut con, "6", "10"), Value::Array(vec![]));
    assert_eq!(range(&mut con, "-7", "-6"), bulks(&["a"]));
    assert_eq!(range(&mut con, "9223372036854775807", "-9223372036854775808"), Value::Array(vec![]));
    assert_eq!(
        range(&mut con, "-9223372036854775808", "9223372036854775807").as_sequence().map(<[Value]>::len),
        Some(6)
    );
    assert_eq!(query_err(&mut con, &["LRANGE", "r", "x", "1"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["LRANGE", "missing", "0", "x"]), NOT_INTEGER);
    assert_eq!(query(&mut con, &["LRANGE", "missing", "0", "-1"]), Value::Array(vec![]));
}

#[test]
fn lindex_and_lset() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "r", "a", "b", "c"]);
    assert_eq!(query(&mut con, &["LINDEX", "r", "0"]), bulk("a"));
    assert_eq!(query(&mut con, &["LINDEX", "r", "-1"]), bulk("c"));
    assert_eq!(query(&mut con, &["LINDEX", "r", "3"]), Value::Nil);
    assert_eq!(query(&mut con, &["LINDEX", "r", "-4"]), Value::Nil);
    assert_eq!(query(&mut con, &["LINDEX", "r", "-9223372036854775808"]), Value::Nil);
    assert_eq!(query_err(&mut con, &["LINDEX", "r", "x"]), NOT_INTEGER);
    // The key is looked up before the index is parsed.
    assert_eq!(query(&mut con, &["LINDEX", "missing", "x"]), Value::Nil);

    assert_eq!(query(&mut con, &["LSET", "r", "0", "first"]), Value::Okay);
    assert_eq!(query(&mut con, &["LSET", "r", "-1", "last"]), Value::Okay);
    assert_eq!(all(&mut con, "r"), bulks(&["first", "b", "last"]));
    assert_eq!(query_err(&mut con, &["LSET", "r", "3", "v"]), "ERR index out of range");
    assert_eq!(query_err(&mut con, &["LSET", "r", "-4", "v"]), "ERR index out of range");
    assert_eq!(query_err(&mut con, &["LSET", "r", "x", "v"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["LSET", "missing", "0", "v"]), "ERR no such key");
    assert_eq!(query_err(&mut con, &["LSET", "missing", "x", "v"]), "ERR no such key");
    assert!(!exists(&mut con, "missing"));
}

#[test]
fn linsert_before_and_after_the_first_pivot() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "i", "a", "b", "a"]);
    assert_eq!(query(&mut con, &["LINSERT", "i", "BEFORE", "a", "X"]), Value::Int(4));
    assert_eq!(query(&mut con, &["LINSERT", "i", "after", "a", "Y"]), Value::Int(5));
    assert_eq!(all(&mut con, "i"), bulks(&["X", "a", "Y", "b", "a"]));
    assert_eq!(query(&mut con, &["LINSERT", "i", "AFTER", "nope", "Z"]), Value::Int(-1));
    assert_eq!(query(&mut con, &["LINSERT", "missing", "BEFORE", "a", "Z"]), Value::Int(0));
    assert!(!exists(&mut con, "missing"));
    assert_eq!(query_err(&mut con, &["LINSERT", "i", "MIDDLE", "a", "Z"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["LINSERT", "missing", "MIDDLE", "a", "Z"]), SYNTAX);
}

#[test]
fn lrem_by_count_and_direction() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "m", "a", "b", "a", "c", "a", "b", "a"]);
    assert_eq!(query(&mut con, &["LREM", "m", "1", "a"]), Value::Int(1));
    assert_eq!(all(&mut con, "m"), bulks(&["b", "a", "c", "a", "b", "a"]));
    assert_eq!(query(&mut con, &["LREM", "m", "-2", "a"]), Value::Int(2));
    assert_eq!(all(&mut con, "m"), bulks(&["b", "a", "c", "b"]));
    assert_eq!(query(&mut con, &["LREM", "m", "0", "b"]), Value::Int(2));
    assert_eq!(query(&mut con, &["LREM", "m", "0", "zz"]), Value::Int(0));
    assert_eq!(query(&mut con, &["LREM", "m", "-9223372036854775808", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["LREM", "m", "9223372036854775807", "c"]), Value::Int(1));
    assert!(!exists(&mut con, "m"));
    assert_eq!(query(&mut con, &["LREM", "m", "0", "a"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["LREM", "m", "x", "a"]), NOT_INTEGER);
}

#[test]
fn ltrim_keeps_a_range() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "t", "a", "b", "c", "d", "e", "f", "g"]);
    assert_eq!(query(&mut con, &["LTRIM", "t", "1", "-2"]), Value::Okay);
    assert_eq!(all(&mut con, "t"), bulks(&["b", "c", "d", "e", "f"]));
    assert_eq!(query(&mut con, &["LTRIM", "t", "-3", "100"]), Value::Okay);
    assert_eq!(all(&mut con, "t"), bulks(&["d", "e", "f"]));
    assert_eq!(query(&mut con, &["LTRIM", "t", "-100", "0"]), Value::Okay);
    assert_eq!(all(&mut con, "t"), bulks(&["d"]));
    for (start, stop) in [("1", "0"), ("5", "10"), ("-1", "-100"), ("9223372036854775807", "-9223372036854775808")] {
        query(&mut con, &["RPUSH", "t", "a", "b"]);
        assert_eq!(query(&mut con, &["LTRIM", "t", start, stop]), Value::Okay);
        assert!(!exists(&mut con, "t"), "LTRIM t {start} {stop}");
    }
    assert_eq!(query(&mut con, &["LTRIM", "missing", "0", "1"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["LTRIM", "missing", "x", "1"]), NOT_INTEGER);
}

#[test]
fn lpos_rank_count_and_maxlen() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "q", "a", "b", "c", "a", "b", "c", "a"]);
    let lpos = |con: &mut redis::Connection, args: &[&str]| {
        let mut full = vec!["LPOS", "q"];
        full.extend_from_slice(args);
        query(con, &full)
    };
    assert_eq!(lpos(&mut con, &["a"]), Value::Int(0));
    assert_eq!(lpos(&mut con, &["zz"]), Value::Nil);
    assert_eq!(lpos(&mut con, &["a", "RANK", "2"]), Value::Int(3));
    assert_eq!(lpos(&mut con, &["a", "RANK", "4"]), Value::Nil);
    assert_eq!(lpos(&mut con, &["a", "RANK", "-1"]), Value::Int(6));
    assert_eq!(lpos(&mut con, &["a", "RANK", "-3"]), Value::Int(0));
    assert_eq!(lpos(&mut con, &["a", "COUNT", "0"]), ints(&[0, 3, 6]));
    assert_eq!(lpos(&mut con, &["a", "COUNT", "2"]), ints(&[0, 3]));
    assert_eq!(lpos(&mut con, &["zz", "COUNT", "0"]), Value::Array(vec![]));
    assert_eq!(lpos(&mut con, &["a", "RANK", "-1", "COUNT", "2"]), ints(&[6, 3]));
    assert_eq!(lpos(&mut con, &["a", "RANK", "2", "COUNT", "0"]), ints(&[3, 6]));
    assert_eq!(lpos(&mut con, &["a", "MAXLEN", "4", "COUNT", "0"]), ints(&[0, 3]));
    assert_eq!(lpos(&mut con, &["a", "RANK", "-1", "MAXLEN", "3", "COUNT", "0"]), ints(&[6]));
    assert_eq!(lpos(&mut con, &["b", "RANK", "2", "MAXLEN", "4"]), Value::Nil);
    assert_eq!(lpos(&mut con, &["a", "RANK", "1", "RANK", "2"]), Value::Int(3));
    // Redis negates a negative rank, and i64::MIN stays negative: every match counts.
    assert_eq!(lpos(&mut con, &["a", "RANK", "-9223372036854775808", "COUNT", "0"]), ints(&[6, 3, 0]));
    assert_eq!(lpos(&mut con, &["a", "RANK", "9223372036854775807"]), Value::Nil);

    let err = |con: &mut redis::Connection, args: &[&str]| {
        let mut full = vec!["LPOS", "q"];
        full.extend_from_slice(args);
        query_err(con, &full)
    };
    assert_eq!(err(&mut con, &["a", "RANK", "0"]), RANK_ZERO);
    assert_eq!(err(&mut con, &["a", "RANK", "x"]), NOT_INTEGER);
    assert_eq!(err(&mut con, &["a", "COUNT", "-1"]), "ERR COUNT can't be negative");
    assert_eq!(err(&mut con, &["a", "COUNT", "x"]), "ERR COUNT can't be negative");
    assert_eq!(err(&mut con, &["a", "MAXLEN", "-1"]), "ERR MAXLEN can't be negative");
    assert_eq!(err(&mut con, &["a", "MAXLEN", "1.5"]), "ERR MAXLEN can't be negative");
    assert_eq!(err(&mut con, &["a", "RANK"]), SYNTAX);
    assert_eq!(err(&mut con, &["a", "FOO", "1"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["LPOS", "missing", "a", "RANK", "0"]), RANK_ZERO);
    assert_eq!(query(&mut con, &["LPOS", "missing", "a"]), Value::Nil);
    assert_eq!(query(&mut con, &["LPOS", "missing", "a", "COUNT", "0"]), Value::Array(vec![]));
}

#[test]
fn lmove_and_rpoplpush() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "s", "a", "b", "c", "d"]);
    assert_eq!(query(&mut con, &["LMOVE", "s", "d", "LEFT", "RIGHT"]), bulk("a"));
    assert_eq!(query(&mut con, &["LMOVE", "s", "d", "right", "left"]), bulk("d"));
    assert_eq!(query(&mut con, &["RPOPLPUSH", "s", "d"]), bulk("c"));
    assert_eq!(all(&mut con, "d"), bulks(&["c", "d", "a"]));
    assert_eq!(query(&mut con, &["LMOVE", "s", "d", "LEFT", "LEFT"]), bulk("b"));
    assert!(!exists(&mut con, "s"), "an emptied source is deleted");
    assert_eq!(query(&mut con, &["LMOVE", "s", "d", "LEFT", "LEFT"]), Value::Nil);
    assert_eq!(query(&mut con, &["RPOPLPUSH", "s", "d"]), Value::Nil);
    assert!(!exists(&mut con, "s"));

    // The same key rotates.
    assert_eq!(query(&mut con, &["LMOVE", "d", "d", "LEFT", "RIGHT"]), bulk("b"));
    assert_eq!(all(&mut con, "d"), bulks(&["c", "d", "a", "b"]));
    assert_eq!(query(&mut con, &["RPOPLPUSH", "d", "d"]), bulk("b"));
    assert_eq!(all(&mut con, "d"), bulks(&["b", "c", "d", "a"]));
    query(&mut con, &["RPUSH", "one", "x"]);
    assert_eq!(query(&mut con, &["LMOVE", "one", "one", "LEFT", "RIGHT"]), bulk("x"));
    assert_eq!(all(&mut con, "one"), bulks(&["x"]));

    // Types: the source first, then the destination, before anything moves.
    query(&mut con, &["SET", "str", "v"]);
    assert_eq!(query_err(&mut con, &["LMOVE", "d", "str", "LEFT", "RIGHT"]), WRONGTYPE);
    assert_eq!(query_err(&mut con, &["RPOPLPUSH", "d", "str"]), WRONGTYPE);
    assert_eq!(query_err(&mut con, &["LMOVE", "str", "d", "LEFT", "RIGHT"]), WRONGTYPE);
    assert_eq!(query(&mut con, &["LLEN", "d"]), Value::Int(4));
    assert_eq!(query(&mut con, &["LMOVE", "missing", "str", "LEFT", "RIGHT"]), Value::Nil);
    assert_eq!(query_err(&mut con, &["LMOVE", "d", "e", "UP", "RIGHT"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["LMOVE", "missing", "e", "LEFT", "DOWN"]), SYNTAX);
}

#[test]
fn lmpop_pops_from_the_first_non_empty_list() {
    let (_server, mut con) = start();
    query(&mut con, &["RPUSH", "b", "b1", "b2", "b3"]);
    query(&mut con, &["RPUSH", "c", "c1"]);
    let pair = |key: &str, items: &[&str]| Value::Array(vec![bulk(key), bulks(items)]);
    assert_eq!(query(&mut con, &["LMPOP", "1", "a", "LEFT"]), Value::Nil);
    assert_eq!(query(&mut con, &["LMPOP", "2", "a", "b", "LEFT"]), pair("b", &["b1"]));
    assert_eq!(query(&mut con, &["LMPOP", "3", "a", "b", "c", "RIGHT", "COUNT", "5"]), pair("b", &["b3", "b2"]));
    assert!(!exists(&mut con, "b"));
    assert_eq!(query(&mut con, &["LMPOP", "3", "a", "b", "c", "left", "count", "1"]), pair("c", &["c1"]));
    assert!(!exists(&mut con, "c"));

    query(&mut con, &["SET", "str", "v"]);
    query(&mut con, &["RPUSH", "a", "a1"]);
    assert_eq!(query(&mut con, &["LMPOP", "2", "a", "str", "LEFT"]), pair("a", &["a1"]));
    assert_eq!(query_err(&mut con, &["LMPOP", "2", "missing", "str", "LEFT"]), WRONGTYPE);

    let numkeys = "ERR numkeys should be greater than 0";
    let count = "ERR count should be greater than 0";
    for (args, want) in [
        (&["0", "a", "LEFT"][..], numkeys),
        (&["-1", "a", "LEFT"], numkeys),
        (&["x", "a", "LEFT"], numkeys),
        (&["2", "a", "LEFT"], SYNTAX),
        (&["9223372036854775807", "a", "LEFT"], SYNTAX),
        (&["1", "a", "MIDDLE"], SYNTAX),
        (&["1", "a", "LEFT", "COUNT"], SYNTAX),
        (&["1", "a", "LEFT", "COUNT", "0"], count),
        (&["1", "a", "LEFT", "COUNT", "x"], count),
        (&["1", "a", "LEFT", "COUNT", "1", "COUNT", "2"], SYNTAX),
        (&["1", "a", "LEFT", "FOO", "1"], SYNTAX),
    ] {
        let mut full = vec!["LMPOP"];
        full.extend_from_slice(args);
        assert_eq!(query_err(&mut con, &full), want, "{full:?}");
    }
}

#[test]
fn wrongtype_everywhere() {
    let (_server, mut con) = start();
    query(&mut con, &["SET", "s", "v"]);
    let commands: &[&[&str]] = &[
        &["LPUSH", "s", "a"],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "0"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LSET", "s", "0", "v"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "s", "d"],
        &["LMPOP", "1", "s", "LEFT"],
    ];
    for args in commands {
        assert_eq!(query_err(&mut con, args), WRONGTYPE, "{args:?}");
    }
    assert_eq!(query(&mut con, &["GET", "s"]), bulk("v"));
    assert!(!exists(&mut con, "d"));
}

#[test]
fn an_emptied_list_is_deleted_by_every_command() {
    let (_server, mut con) = start();
    let emptying: &[&[&str]] = &[
        &["LPOP", "e"],
        &["RPOP", "e", "5"],
        &["LREM", "e", "0", "v"],
        &["LTRIM", "e", "1", "0"],
        &["LMOVE", "e", "other", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "e", "other"],
        &["LMPOP", "1", "e", "RIGHT"],
    ];
    for args in emptying {
        query(&mut con, &["RPUSH", "e", "v"]);
        query(&mut con, args);
        assert!(!exists(&mut con, "e"), "{args:?} left an empty list");
        assert_eq!(query_string(&mut con, &["TYPE", "e"]), "none");
        // The key is free for another type.
        assert_eq!(query(&mut con, &["SET", "e", "s"]), Value::Okay);
        query(&mut con, &["DEL", "e"]);
    }
    assert_eq!(query_int(&mut con, &["LLEN", "other"]), 2);
}

#[test]
fn reads_count_keyspace_hits_and_writes_do_not() {
    let (server, mut con) = start();
    for args in [
        &["LPOP", "nokey"][..],
        &["RPUSH", "k", "a"],
        &["LPOP", "k"],
        &["LMOVE", "nokey", "d", "LEFT", "RIGHT"],
        &["LLEN", "nokey"],
        &["LRANGE", "nokey", "0", "1"],
        &["LINDEX", "nokey", "0"],
        &["LPOS", "nokey", "a"],
        &["RPUSH", "k", "a", "b"],
        &["LLEN", "k"],
        &["LSET", "k", "0", "v"],
    ] {
        query(&mut con, args);
    }
    let info = query_string(&mut connect(server.addr()), &["INFO", "stats"]);
    assert_eq!(info_field(&info, "keyspace_hits"), Some("1"));
    assert_eq!(info_field(&info, "keyspace_misses"), Some("4"));
}

/// A long list spans many 8 KiB chunks; every command must agree with a plain model.
#[test]
fn long_lists_match_a_model() {
    let (_server, mut con) = start();
    let mut model: Vec<String> = Vec::new();
    for batch in 0..20 {
        let items: Vec<String> = (0..1000).map(|i| format!("item-{batch}-{i}")).collect();
        let mut args = vec!["RPUSH".to_string(), "big".to_string()];
        args.extend(items.iter().cloned());
        assert_eq!(query_int(&mut con, &args), (model.len() + items.len()) as i64);
        model.extend(items);
    }
    let big_value = "v".repeat(20_000);
    assert_eq!(query(&mut con, &["LINDEX", "big", "12345"]), bulk(&model[12345]));
    assert_eq!(query(&mut con, &["LINDEX", "big", "-5000"]), bulk(&model[15000]));
    assert_eq!(query(&mut con, &["LSET", "big", "7000", &big_value]), Value::Okay);
    model[7000] = big_value.clone();
    assert_eq!(query(&mut con, &["LINSERT", "big", "AFTER", "item-10-500", "inserted"]), Value::Int(20_001));
    let at = model.iter().position(|v| v == "item-10-500").unwrap();
    model.insert(at + 1, "inserted".to_string());
    assert_eq!(query(&mut con, &["LPOS", "big", "inserted"]), Value::Int(at as i64 + 1));
    assert_eq!(query(&mut con, &["LREM", "big", "0", "item-3-3"]), Value::Int(1));
    model.retain(|v| v != "item-3-3");
    assert_eq!(query(&mut con, &["LPOP", "big", "1500"]).as_sequence().map(<[Value]>::len), Some(1500));
    model.drain(..1500);
    assert_eq!(query(&mut con, &["LTRIM", "big", "100", "-100"]), Value::Okay);
    model = model[100..=model.len() - 100].to_vec();
    assert_eq!(query(&mut con, &["LRANGE", "big", "5000", "5009"]), bulks(&model[5000..5010]));
    // Compared element by element: a failure names the first difference, not 18,000.
    let Value::Array(got) = query(&mut con, &["LRANGE", "big", "0", "-1"]) else { panic!("LRANGE: not an array") };
    assert_eq!(got.len(), model.len());
    if let Some(i) = (0..got.len()).find(|&i| got[i] != bulk(&model[i])) {
        panic!("element {i}: got {:?}, want {:?}", got[i], model[i]);
    }
    assert_eq!(query_int(&mut con, &["LLEN", "big"]), model.len() as i64);
}

//! The string family (src/commands/strings.rs) through a real client: GET, SET and
//! every option, the SET variants, counters, ranges and LCS, with Redis 7.0.15's
//! exact replies and error texts, the TTL each command keeps or drops, and
//! WRONGTYPE against the other types.

#[path = "common/client.rs"]
mod client;
mod common;

use client::{bulk, bulks, connect, ints, query, query_err, query_int, try_query};
use common::TestServer;
use redis::Value;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

/// A server and one connection to it.
fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

/// Creates `list`, `set` and `hash` for WRONGTYPE checks.
fn other_types(con: &mut redis::Connection) {
    assert_eq!(query(con, &["RPUSH", "list", "a"]), Value::Int(1));
    assert_eq!(query(con, &["SADD", "set", "a"]), Value::Int(1));
    assert_eq!(query(con, &["HSET", "hash", "f", "v"]), Value::Int(1));
}

#[test]
fn get_and_set_round_trip() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["GET", "k"]), Value::Nil);
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v"));
    assert_eq!(query(&mut con, &["set", "k", "hello world"]), Value::Okay);
    assert_eq!(query(&mut con, &["get", "k"]), bulk("hello world"));
    assert_eq!(query(&mut con, &["SET", "", "empty key"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", ""]), bulk("empty key"));
    assert_eq!(query(&mut con, &["SET", "k", ""]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk(""));
    assert_eq!(query(&mut con, &["STRLEN", "k"]), Value::Int(0));
}

#[test]
fn binary_keys_and_values_are_kept_byte_for_byte() {
    let (_server, mut con) = start();
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let key: &[u8] = b"k\x00\xff\r\n";
    assert_eq!(query(&mut con, &[b"SET".as_slice(), key, &every_byte]), Value::Okay);
    assert_eq!(query(&mut con, &[b"GET".as_slice(), key]), bulk(&every_byte));
    assert_eq!(query_int(&mut con, &[b"STRLEN".as_slice(), key]), 256);
    assert_eq!(query_int(&mut con, &[b"APPEND".as_slice(), key, b"\x00\x00"]), 258);
    assert_eq!(query(&mut con, &[b"GETRANGE".as_slice(), key, b"254", b"-1"]), bulk(b"\xfe\xff\x00\x00"));
    // A value far larger than one read buffer.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(query(&mut con, &[b"SET".as_slice(), b"big", &big]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "big"]), bulk(&big));
}

#[test]
fn set_nx_and_xx() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v1", "XX"]), Value::Nil);
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SET", "k", "v1", "NX"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "k", "v2", "nx"]), Value::Nil);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v1"));
    assert_eq!(query(&mut con, &["SET", "k", "v3", "xx"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v3"));
}

#[test]
fn set_get_returns_the_old_value() {
    let (_server, mut con) = start();
    other_types(&mut con);
    assert_eq!(query(&mut con, &["SET", "k", "v1", "GET"]), Value::Nil);
    assert_eq!(query(&mut con, &["SET", "k", "v2", "GET"]), bulk("v1"));
    // Redis 7.0 allows NX together with GET: the old value comes back, nothing is set.
    assert_eq!(query(&mut con, &["SET", "k", "v3", "NX", "GET"]), bulk("v2"));
    assert_eq!(query(&mut con, &["SET", "new", "v", "XX", "GET"]), Value::Nil);
    assert_eq!(query(&mut con, &["EXISTS", "new"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v2"));
    // GET against another type fails and leaves the key alone.
    assert_eq!(query_err(&mut con, &["SET", "list", "v", "GET"]), WRONGTYPE);
    assert_eq!(query(&mut con, &["LRANGE", "list", "0", "-1"]), bulks(&["a"]));
    // Without GET, SET replaces a key of any type.
    assert_eq!(query(&mut con, &["SET", "list", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "list"]), bulk("v"));
}

#[test]
fn set_expiry_options() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v", "EX", "100"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    assert_eq!(query(&mut con, &["SET", "k", "v", "PX", "100000"]), Value::Okay);
    let pttl = query_int(&mut con, &["PTTL", "k"]);
    assert!((99_000..=100_000).contains(&pttl), "PTTL {pttl}");
    let in_an_hour =
        (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600).to_string();
    assert_eq!(query(&mut con, &["SET", "k", "v", "EXAT", &in_an_hour]), Value::Okay);
    assert_eq!(query(&mut con, &["EXPIRETIME", "k"]), Value::Int(in_an_hour.parse().unwrap()));
    let pxat = format!("{in_an_hour}123");
    assert_eq!(query(&mut con, &["SET", "k", "v", "PXAT", &pxat]), Value::Okay);
    assert_eq!(query(&mut con, &["PEXPIRETIME", "k"]), Value::Int(pxat.parse().unwrap()));
    // Repeating the same option is allowed; the last value wins.
    assert_eq!(query(&mut con, &["SET", "k", "v", "EX", "10", "EX", "20"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 20);
    // A plain SET drops the TTL, KEEPTTL keeps it.
    assert_eq!(query(&mut con, &["SET", "k", "v2", "KEEPTTL"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 20);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v2"));
    assert_eq!(query(&mut con, &["SET", "k", "v3"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "k"]), -1);
    // KEEPTTL on a key without TTL, or a missing key, sets none.
    assert_eq!(query(&mut con, &["SET", "fresh", "v", "KEEPTTL"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "fresh"]), -1);
}

#[test]
fn set_with_an_absolute_time_in_the_past_deletes_the_key() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "old"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "k", "v", "EXAT", "1"]), Value::Okay);
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SET", "k", "v", "PXAT", "1"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), Value::Nil);
}

#[test]
fn set_option_conflicts_and_bad_values() {
    let (_server, mut con) = start();
    let invalid = "ERR invalid expire time in 'set' command";
    let cases: &[(&[&str], &str)] = &[
        (&["NX", "XX"], SYNTAX),
        (&["XX", "NX"], SYNTAX),
        (&["EX", "10", "PX", "100"], SYNTAX),
        (&["PX", "100", "EXAT", "10"], SYNTAX),
        (&["KEEPTTL", "EX", "10"], SYNTAX),
        (&["EX", "10", "KEEPTTL"], SYNTAX),
        (&["PERSIST"], SYNTAX),
        (&["EX"], SYNTAX),
        (&["FOO"], SYNTAX),
        (&["EX", "abc"], NOT_INTEGER),
        (&["EX", "1.5"], NOT_INTEGER),
        (&["EX", "0"], invalid),
        (&["EX", "-1"], invalid),
        (&["PX", "0"], invalid),
        (&["EXAT", "0"], invalid),
        (&["PXAT", "-5"], invalid),
        // Seconds that overflow once turned into milliseconds, and milliseconds that
        // overflow once the current time is added.
        (&["EX", "9223372036854775807"], invalid),
        (&["PX", "9223372036854775807"], invalid),
    ];
    for (options, expected) in cases {
        let mut args = vec!["SET", "k", "v"];
        args.extend_from_slice(options);
        assert_eq!(&query_err(&mut con, &args), expected, "SET k v {options:?}");
    }
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["SET", "k"]), "ERR wrong number of arguments for 'set' command");
    // A bad option is reported before the key's type is looked at.
    other_types(&mut con);
    assert_eq!(query_err(&mut con, &["SET", "list", "v", "GET", "EX", "0"]), invalid);
}

#[test]
fn setnx_setex_psetex() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SETNX", "k", "v1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SETNX", "k", "v2"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v1"));

    assert_eq!(query(&mut con, &["SETEX", "k", "100", "v3"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v3"));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    assert_eq!(query(&mut con, &["PSETEX", "k", "50000", "v4"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v4"));
    let pttl = query_int(&mut con, &["PTTL", "k"]);
    assert!((49_000..=50_000).contains(&pttl), "PTTL {pttl}");
    // SETNX does not touch an existing key's TTL.
    assert_eq!(query(&mut con, &["SETNX", "k", "v5"]), Value::Int(0));
    assert!(query_int(&mut con, &["PTTL", "k"]) > 0);

    for bad in ["0", "-10"] {
        assert_eq!(query_err(&mut con, &["SETEX", "k", bad, "v"]), "ERR invalid expire time in 'setex' command");
        assert_eq!(query_err(&mut con, &["PSETEX", "k", bad, "v"]), "ERR invalid expire time in 'psetex' command");
    }
    assert_eq!(query_err(&mut con, &["SETEX", "k", "ten", "v"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["SETEX", "k", "10"]), "ERR wrong number of arguments for 'setex' command");
    assert_eq!(query_err(&mut con, &["SETNX", "k"]), "ERR wrong number of arguments for 'setnx' command");
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v4"));
}

#[test]
fn mget_mset_msetnx() {
    let (_server, mut con) = start();
    other_types(&mut con);
    assert_eq!(query(&mut con, &["MSET", "a", "1", "b", "2"]), Value::Okay);
    // Missing keys and keys of another type read as nil.
    assert_eq!(
        query(&mut con, &["MGET", "a", "missing", "list", "b", "a"]),
        Value::Array(vec![bulk("1"), Value::Nil, Value::Nil, bulk("2"), bulk("1")])
    );
    // The last value of a repeated key wins.
    assert_eq!(query(&mut con, &["MSET", "c", "x", "c", "y"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "c"]), bulk("y"));
    assert_eq!(query_err(&mut con, &["MSET", "a", "1", "b"]), "ERR wrong number of arguments for 'mset' command");
    assert_eq!(query_err(&mut con, &["MSET", "a"]), "ERR wrong number of arguments for 'mset' command");
    assert_eq!(query_err(&mut con, &["MSETNX", "x", "1", "y"]), "ERR wrong number of arguments for 'msetnx' command");
    assert_eq!(query_err(&mut con, &["MGET"]), "ERR wrong number of arguments for 'mget' command");
    // MSETNX sets all or nothing.
    assert_eq!(query(&mut con, &["MSETNX", "x", "1", "a", "new"]), Value::Int(0));
    assert_eq!(query(&mut con, &["MGET", "x", "a"]), Value::Array(vec![Value::Nil, bulk("1")]));
    assert_eq!(query(&mut con, &["MSETNX", "x", "1", "y", "2"]), Value::Int(1));
    assert_eq!(query(&mut con, &["MGET", "x", "y"]), bulks(&["1", "2"]));
    // A key of another type counts as existing for MSETNX, and MSET replaces it.
    assert_eq!(query(&mut con, &["MSETNX", "list", "v", "z", "v"]), Value::Int(0));
    assert_eq!(query(&mut con, &["MSET", "list", "v", "set", "w"]), Value::Okay);
    assert_eq!(query(&mut con, &["MGET", "list", "set"]), bulks(&["v", "w"]));
    // MSET drops a TTL like SET.
    assert_eq!(query(&mut con, &["EXPIRE", "a", "100"]), Value::Int(1));
    assert_eq!(query(&mut con, &["MSET", "a", "2"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "a"]), -1);
}

#[test]
fn getset_getdel() {
    let (_server, mut con) = start();
    other_types(&mut con);
    assert_eq!(query(&mut con, &["GETSET", "k", "v1"]), Value::Nil);
    assert_eq!(query(&mut con, &["GETSET", "k", "v2"]), bulk("v1"));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v2"));
    assert_eq!(query_err(&mut con, &["GETSET", "list", "v"]), WRONGTYPE);
    assert_eq!(query(&mut con, &["TYPE", "list"]), Value::SimpleString("list".into()));

    assert_eq!(query(&mut con, &["GETDEL", "k"]), bulk("v2"));
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GETDEL", "k"]), Value::Nil);
    assert_eq!(query_err(&mut con, &["GETDEL", "hash"]), WRONGTYPE);
    assert_eq!(query(&mut con, &["EXISTS", "hash"]), Value::Int(1));
    assert_eq!(query_err(&mut con, &["GETDEL", "a", "b"]), "ERR wrong number of arguments for 'getdel' command");
}

#[test]
fn getex_changes_or_removes_the_ttl() {
    let (_server, mut con) = start();
    other_types(&mut con);
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["GETEX", "k", "EX", "100"]), bulk("v"));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    // Without options GETEX is a GET: the TTL stays.
    assert_eq!(query(&mut con, &["GETEX", "k"]), bulk("v"));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    assert_eq!(query(&mut con, &["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), -1);
    assert_eq!(query(&mut con, &["GETEX", "k", "PX", "50000"]), bulk("v"));
    let pttl = query_int(&mut con, &["PTTL", "k"]);
    assert!((49_000..=50_000).contains(&pttl), "PTTL {pttl}");
    assert_eq!(query(&mut con, &["GETEX", "k", "PXAT", "99999999999999"]), bulk("v"));
    assert_eq!(query_int(&mut con, &["PEXPIRETIME", "k"]), 99_999_999_999_999);
    // An absolute time in the past deletes the key after replying with its value.
    assert_eq!(query(&mut con, &["GETEX", "k", "EXAT", "1"]), bulk("v"));
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));

    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    let invalid = "ERR invalid expire time in 'getex' command";
    let cases: &[(&[&str], &str)] = &[
        (&["EX", "10", "PERSIST"], SYNTAX),
        (&["PERSIST", "EX", "10"], SYNTAX),
        (&["EX", "5", "PX", "100"], SYNTAX),
        (&["KEEPTTL"], SYNTAX),
        (&["NX"], SYNTAX),
        (&["EX"], SYNTAX),
        (&["FOO"], SYNTAX),
        (&["EX", "x"], NOT_INTEGER),
        (&["EX", "0"], invalid),
        (&["EX", "-3"], invalid),
        (&["EX", "9223372036854775807"], invalid),
    ];
    for (options, expected) in cases {
        let mut args = vec!["GETEX", "k"];
        args.extend_from_slice(options);
        assert_eq!(&query_err(&mut con, &args), expected, "GETEX k {options:?}");
    }
    assert_eq!(query_int(&mut con, &["TTL", "k"]), -1);
    // A missing key is nil even with a bad time: the key is looked up first.
    assert_eq!(query(&mut con, &["GETEX", "missing", "EX", "0"]), Value::Nil);
    assert_eq!(query(&mut con, &["GETEX", "missing", "EX", "10"]), Value::Nil);
    assert_eq!(query_err(&mut con, &["GETEX", "set", "EX", "10"]), WRONGTYPE);
    assert_eq!(query_err(&mut con, &["GETEX", "set"]), WRONGTYPE);
}

#[test]
fn incr_decr_incrby_decrby() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["INCR", "n"]), Value::Int(1));
    assert_eq!(query(&mut con, &["INCRBY", "n", "41"]), Value::Int(42));
    assert_eq!(query(&mut con, &["DECR", "n"]), Value::Int(41));
    assert_eq!(query(&mut con, &["DECRBY", "n", "50"]), Value::Int(-9));
    assert_eq!(query(&mut con, &["INCRBY", "n", "-1"]), Value::Int(-10));
    assert_eq!(query(&mut con, &["GET", "n"]), bulk("-10"));
    assert_eq!(query(&mut con, &["DECR", "fresh"]), Value::Int(-1));
    assert_eq!(query(&mut con, &["DECRBY", "fresh2", "-5"]), Value::Int(5));

    // Values that are not a canonical 64-bit integer.
    for bad in ["abc", " 1", "1 ", "1.5", "007", "+5", "", "123456789012345678901"] {
        assert_eq!(query(&mut con, &["SET", "bad", bad]), Value::Okay);
        assert_eq!(query_err(&mut con, &["INCR", "bad"]), NOT_INTEGER, "INCR of {bad:?}");
        assert_eq!(query(&mut con, &["GET", "bad"]), bulk(bad));
    }
    assert_eq!(query_err(&mut con, &["INCRBY", "n", "1.0"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["DECRBY", "n", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["INCRBY", "n", "9223372036854775808"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["INCR", "n", "1"]), "ERR wrong number of arguments for 'incr' command");
}

#[test]
fn integer_overflow_is_refused_and_leaves_the_value() {
    let (_server, mut con) = start();
    let overflow = "ERR increment or decrement would overflow";
    assert_eq!(query(&mut con, &["SET", "max", "9223372036854775807"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["INCR", "max"]), overflow);
    assert_eq!(query_err(&mut con, &["INCRBY", "max", "10"]), overflow);
    assert_eq!(query_err(&mut con, &["DECRBY", "max", "-1"]), overflow);
    assert_eq!(query(&mut con, &["GET", "max"]), bulk("9223372036854775807"));
    assert_eq!(query(&mut con, &["SET", "min", "-9223372036854775808"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["DECR", "min"]), overflow);
    assert_eq!(query_err(&mut con, &["INCRBY", "min", "-1"]), overflow);
    // DECRBY cannot negate the smallest integer at all.
    assert_eq!(query_err(&mut con, &["DECRBY", "min", "-9223372036854775808"]), "ERR decrement would overflow");
    assert_eq!(query(&mut con, &["GET", "min"]), bulk("-9223372036854775808"));
    assert_eq!(query(&mut con, &["INCRBY", "min", "9223372036854775807"]), Value::Int(-1));
}

#[test]
fn incrbyfloat() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "f", "10.50"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCRBYFLOAT", "f", "0.1"]), bulk("10.6"));
    assert_eq!(query(&mut con, &["INCRBYFLOAT", "f", "-5"]), bulk("5.6"));
    assert_eq!(query(&mut con, &["SET", "f", "5.0e3"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCRBYFLOAT", "f", "2.0e2"]), bulk("5200"));
    assert_eq!(query(&mut con, &["SET", "f", "3.0"]), Value::Okay);
    assert_eq!(query(&mut con, &["INCRBYFLOAT", "f", "1.5"]), bulk("4.5"));
    assert_eq!(query(&mut con, &["INCRBYFLOAT", "new", "3"]), bulk("3"));
    assert_eq!(query(&mut con, &["GET", "new"]), bulk("3"));
    assert_eq!(query_err(&mut con, &["INCRBYFLOAT", "f", "abc"]), "ERR value is not a valid float");
    assert_eq!(query_err(&mut con, &["INCRBYFLOAT", "f", "inf"]), "ERR increment would produce NaN or Infinity");
    assert_eq!(query(&mut con, &["SET", "s", "abc"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["INCRBYFLOAT", "s", "1"]), "ERR value is not a valid float");
    assert_eq!(query(&mut con, &["GET", "f"]), bulk("4.5"));
    // The TTL is kept.
    assert_eq!(query(&mut con, &["EXPIRE", "f", "100"]), Value::Int(1));
    assert_eq!(query(&mut con, &["INCRBYFLOAT", "f", "0.5"]), bulk("5"));
    assert_eq!(query_int(&mut con, &["TTL", "f"]), 100);
    other_types(&mut con);
    assert_eq!(query_err(&mut con, &["INCRBYFLOAT", "hash", "1"]), WRONGTYPE);
}

#[test]
fn append_and_strlen() {
    let (_server, mut con) = start();
    other_types(&mut con);
    assert_eq!(query(&mut con, &["APPEND", "k", "abc"]), Value::Int(3));
    assert_eq!(query(&mut con, &["APPEND", "k", "def"]), Value::Int(6));
    assert_eq!(query(&mut con, &["APPEND", "k", ""]), Value::Int(6));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("abcdef"));
    assert_eq!(query(&mut con, &["STRLEN", "k"]), Value::Int(6));
    assert_eq!(query(&mut con, &["STRLEN", "missing"]), Value::Int(0));
    // Appending to an integer works on its text.
    assert_eq!(query(&mut con, &["SET", "n", "12"]), Value::Okay);
    assert_eq!(query(&mut con, &["APPEND", "n", "34"]), Value::Int(4));
    assert_eq!(query(&mut con, &["INCR", "n"]), Value::Int(1235));
    assert_eq!(query_err(&mut con, &["APPEND", "list", "x"]), WRONGTYPE);
    assert_eq!(query_err(&mut con, &["STRLEN", "set"]), WRONGTYPE);
}

#[test]
fn getrange_and_substr() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "s", "This is a string"]), Value::Okay);
    let cases = [
        ("0", "3", "This"),
        ("-3", "-1", "ing"),
        ("0", "-1", "This is a string"),
        ("10", "100", "string"),
        ("5", "3", ""),
        ("-1", "-5", ""),
        ("-100", "2", "Thi"),
        // Both ends before the start clamp to the first byte, as in Redis 7.0.
        ("-100", "-50", "T"),
        ("20", "30", ""),
        ("0", "0", "T"),
    ];
    for (start, end, expected) in cases {
        assert_eq!(query(&mut con, &["GETRANGE", "s", start, end]), bulk(expected), "GETRANGE s {start} {end}");
    }
    assert_eq!(query(&mut con, &["SUBSTR", "s", "0", "3"]), bulk("This"));
    assert_eq!(query(&mut con, &["GETRANGE", "missing", "0", "-1"]), bulk(""));
    assert_eq!(query(&mut con, &["SET", "empty", ""]), Value::Okay);
    assert_eq!(query(&mut con, &["GETRANGE", "empty", "0", "-1"]), bulk(""));
    assert_eq!(query_err(&mut con, &["GETRANGE", "s", "a", "1"]), NOT_INTEGER);
    other_types(&mut con);
    assert_eq!(query_err(&mut con, &["GETRANGE", "list", "0", "1"]), WRONGTYPE);
}

#[test]
fn setrange_pads_with_zero_bytes() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SETRANGE", "k", "5", "hi"]), Value::Int(7));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk(b"\0\0\0\0\0hi"));
    assert_eq!(query(&mut con, &["SET", "k", "Hello World"]), Value::Okay);
    assert_eq!(query(&mut con, &["SETRANGE", "k", "6", "Redis"]), Value::Int(11));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("Hello Redis"));
    assert_eq!(query(&mut con, &["SETRANGE", "k", "0", ""]), Value::Int(11));
    // An empty value on a missing key creates nothing, whatever the offset.
    assert_eq!(query(&mut con, &["SETRANGE", "none", "10", ""]), Value::Int(0));
    assert_eq!(query(&mut con, &["SETRANGE", "none", "536870912", ""]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXISTS", "none"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["SETRANGE", "k", "-1", "x"]), "ERR offset is out of range");
    assert_eq!(
        query_err(&mut con, &["SETRANGE", "k", "536870912", "x"]),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
    assert_eq!(query_err(&mut con, &["SETRANGE", "k", "x", "x"]), NOT_INTEGER);
    // SETRANGE keeps the TTL.
    assert_eq!(query(&mut con, &["EXPIRE", "k", "100"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SETRANGE", "k", "0", "J"]), Value::Int(11));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    other_types(&mut con);
    assert_eq!(query_err(&mut con, &["SETRANGE", "hash", "0", "x"]), WRONGTYPE);
    assert_eq!(query_err(&mut con, &["SETRANGE", "hash", "0", ""]), WRONGTYPE);
}

#[test]
fn lcs_string_len_and_idx() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["MSET", "key1", "ohmytext", "key2", "mynewtext"]), Value::Okay);
    assert_eq!(query(&mut con, &["LCS", "key1", "key2"]), bulk("mytext"));
    assert_eq!(query(&mut con, &["LCS", "key1", "key2", "LEN"]), Value::Int(6));
    let range = |a: i64, b: i64| ints(&[a, b]);
    assert_eq!(
        query(&mut con, &["LCS", "key1", "key2", "IDX"]),
        Value::Array(vec![
            bulk("matches"),
            Value::Array(vec![
                Value::Array(vec![range(4, 7), range(5, 8)]),
                Value::Array(vec![range(2, 3), range(0, 1)]),
            ]),
            bulk("len"),
            Value::Int(6),
        ])
    );
    assert_eq!(
        query(&mut con, &["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        Value::Array(vec![
            bulk("matches"),
            Value::Array(vec![Value::Array(vec![range(4, 7), range(5, 8), Value::Int(4)])]),
            bulk("len"),
            Value::Int(6),
        ])
    );
    // A negative MINMATCHLEN counts as 0.
    assert_eq!(
        query(&mut con, &["LCS", "key1", "key2", "idx", "minmatchlen", "-5", "withmatchlen"]),
        Value::Array(vec![
            bulk("matches"),
            Value::Array(vec![
                Value::Array(vec![range(4, 7), range(5, 8), Value::Int(4)]),
                Value::Array(vec![range(2, 3), range(0, 1), Value::Int(2)]),
            ]),
            bulk("len"),
            Value::Int(6),
        ])
    );
    // Missing keys are empty strings.
    assert_eq!(query(&mut con, &["LCS", "key1", "missing"]), bulk(""));
    assert_eq!(
        query(&mut con, &["LCS", "key1", "missing", "IDX"]),
        Value::Array(vec![bulk("matches"), Value::Array(vec![]), bulk("len"), Value::Int(0)])
    );
    assert_eq!(
        query_err(&mut con, &["LCS", "key1", "key2", "LEN", "IDX"]),
        "ERR If you want both the length and indexes, please just use IDX."
    );
    assert_eq!(query_err(&mut con, &["LCS", "key1", "key2", "MINMATCHLEN"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["LCS", "key1", "key2", "MINMATCHLEN", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["LCS", "key1", "key2", "FOO"]), SYNTAX);
    other_types(&mut con);
    assert_eq!(query_err(&mut con, &["LCS", "key1", "list"]), "ERR The specified keys must contain string values");
}

/// Which commands keep a key's TTL and which drop it, side by side.
#[test]
fn ttl_kept_or_dropped_by_each_write() {
    let (_server, mut con) = start();
    let with_ttl = |con: &mut redis::Connection, value: &str| {
        assert_eq!(query(con, &["SET", "k", value, "EX", "100"]), Value::Okay);
    };
    let keeps: &[&[&str]] = &[
        &["SET", "k", "1", "KEEPTTL"],
        &["INCR", "k"],
        &["DECRBY", "k", "3"],
        &["INCRBYFLOAT", "k", "1.5"],
        &["APPEND", "k", "0"],
        &["SETRANGE", "k", "0", "9"],
        &["GETEX", "k"],
        &["SETNX", "k", "x"],
        &["MSETNX", "k", "x"],
    ];
    for args in keeps {
        with_ttl(&mut con, "5");
        let _ = query(&mut con, args);
        assert_eq!(query_int(&mut con, &["TTL", "k"]), 100, "{args:?} keeps the TTL");
    }
    let drops: &[&[&str]] = &[
        &["SET", "k", "1"],
        &["SET", "k", "1", "GET"],
        &["SET", "k", "1", "XX"],
        &["GETSET", "k", "1"],
        &["MSET", "k", "1"],
        &["GETEX", "k", "PERSIST"],
    ];
    for args in drops {
        with_ttl(&mut con, "5");
        let _ = query(&mut con, args);
        assert_eq!(query_int(&mut con, &["TTL", "k"]), -1, "{args:?} drops the TTL");
    }
    // SETEX on a key with a TTL replaces it.
    with_ttl(&mut con, "5");
    assert_eq!(query(&mut con, &["SETEX", "k", "7", "v"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 7);
}

#[test]
fn wrongtype_against_lists_sets_and_hashes() {
    let (_server, mut con) = start();
    other_types(&mut con);
    let commands: &[&[&str]] = &[
        &["GET", "$"],
        &["GETSET", "$", "v"],
        &["GETDEL", "$"],
        &["GETEX", "$", "PERSIST"],
        &["INCR", "$"],
        &["DECR", "$"],
        &["INCRBY", "$", "2"],
        &["DECRBY", "$", "2"],
        &["INCRBYFLOAT", "$", "2"],
        &["APPEND", "$", "v"],
        &["STRLEN", "$"],
        &["GETRANGE", "$", "0", "-1"],
        &["SUBSTR", "$", "0", "-1"],
        &["SETRANGE", "$", "0", "v"],
        &["SET", "$", "v", "GET"],
    ];
    for key in ["list", "set", "hash"] {
        for args in commands {
            let args: Vec<&str> = args.iter().map(|a| if *a == "$" { key } else { a }).collect();
            assert_eq!(try_query(&mut con, &args), Err(WRONGTYPE.to_string()), "{args:?}");
        }
    }
    // Nothing was changed by the failed commands.
    assert_eq!(query(&mut con, &["LRANGE", "list", "0", "-1"]), bulks(&["a"]));
    assert_eq!(query(&mut con, &["SMEMBERS", "set"]), bulks(&["a"]));
    assert_eq!(query(&mut con, &["HGETALL", "hash"]), bulks(&["f", "v"]));
}

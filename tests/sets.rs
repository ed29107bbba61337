//! The set family (src/commands/sets.rs, src/store/set.rs) through a real client:
//! every command with Redis 7.0.15's exact replies and error texts, the intset /
//! hashtable encodings at `set-max-intset-entries`, the deletion of emptied sets,
//! the random picks of SPOP and SRANDMEMBER, and SSCAN's full-iteration guarantee.

#[path = "common/client.rs"]
mod client;
mod common;

use std::collections::{BTreeSet, HashMap};

use client::{bulk, bulks, connect, ints, query, query_err, query_int, query_string, sorted_strings};
use common::TestServer;
use redis::Value;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const POP_RANGE: &str = "ERR value is out of range, must be positive";

/// A server and one connection to it.
fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

/// Creates `str`, `list` and `hash` for WRONGTYPE checks.
fn other_types(con: &mut redis::Connection) {
    assert_eq!(query(con, &["SET", "str", "v"]), Value::Okay);
    assert_eq!(query(con, &["RPUSH", "list", "a"]), Value::Int(1));
    assert_eq!(query(con, &["HSET", "hash", "f", "v"]), Value::Int(1));
}

/// SADD of `members` to `key`, as strings.
fn sadd<S: ToString>(con: &mut redis::Connection, key: &str, members: impl IntoIterator<Item = S>) -> i64 {
    let mut args = vec!["SADD".to_string(), key.to_string()];
    args.extend(members.into_iter().map(|m| m.to_string()));
    query_int(con, &args)
}

fn encoding(con: &mut redis::Connection, key: &str) -> String {
    query_string(con, &["OBJECT", "ENCODING", key])
}

fn exists(con: &mut redis::Connection, key: &str) -> bool {
    query_int(con, &["EXISTS", key]) == 1
}

/// The members of a set-like reply, sorted.
fn sorted(con: &mut redis::Connection, args: &[&str]) -> Vec<String> {
    sorted_strings(query(con, args))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sadd_scard_smembers_sismember() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SADD", "s", "3", "1", "2"]), Value::Int(3));
    assert_eq!(query(&mut con, &["SADD", "s", "2", "3", "4"]), Value::Int(1));
    assert_eq!(query(&mut con, &["sadd", "s", "4"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SCARD", "s"]), Value::Int(4));
    // An intset answers in ascending order, as Redis.
    assert_eq!(query(&mut con, &["SMEMBERS", "s"]), bulks(&["1", "2", "3", "4"]));
    assert_eq!(query(&mut con, &["SISMEMBER", "s", "1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SISMEMBER", "s", "01"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SISMEMBER", "s", "x"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SISMEMBER", "missing", "1"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SCARD", "missing"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SMEMBERS", "missing"]), Value::Array(vec![]));
    assert_eq!(query_string(&mut con, &["TYPE", "s"]), "set");
    assert_eq!(query(&mut con, &["SADD", "t", "b", "a", "c", "a"]), Value::Int(3));
    assert_eq!(sorted(&mut con, &["SMEMBERS", "t"]), strings(&["a", "b", "c"]));
    assert_eq!(query(&mut con, &["SISMEMBER", "t", "a"]), Value::Int(1));
    assert_eq!(query_err(&mut con, &["SADD", "s"]), "ERR wrong number of arguments for 'sadd' command");
    assert_eq!(
        query_err(&mut con, &["SISMEMBER", "s", "1", "2"]),
        "ERR wrong number of arguments for 'sismember' command"
    );
}

#[test]
fn binary_and_long_members_are_kept_byte_for_byte() {
    let (_server, mut con) = start();
    let long = vec![b'z'; 5000];
    let members: [&[u8]; 5] = [b"a\x00b", b"\xff\xfe", b"\r\n", b"", &long];
    for m in members {
        assert_eq!(query(&mut con, &[b"SADD".as_slice(), b"bin", m]), Value::Int(1));
    }
    for m in members {
        assert_eq!(query(&mut con, &[b"SISMEMBER".as_slice(), b"bin", m]), Value::Int(1));
    }
    let Value::Array(got) = query(&mut con, &["SMEMBERS", "bin"]) else { panic!("not an array") };
    let got: BTreeSet<Vec<u8>> = got.into_iter().map(|v| redis::from_redis_value(&v).unwrap()).collect();
    assert_eq!(got, members.iter().map(|m| m.to_vec()).collect());
}

#[test]
fn intset_and_hashtable_encodings() {
    let (_server, mut con) = start();
    sadd(&mut con, "i", ["1", "-9223372036854775808", "9223372036854775807", "70000"]);
    assert_eq!(encoding(&mut con, "i"), "intset");
    assert_eq!(
        query(&mut con, &["SMEMBERS", "i"]),
        bulks(&["-9223372036854775808", "1", "70000", "9223372036854775807"])
    );
    // Only canonical integers (Redis's string2ll) stay in an intset.
    for m in ["01", "-0", "+1", " 1", "1.5", "", "9223372036854775808"] {
        query(&mut con, &["DEL", "w"]);
        sadd(&mut con, "w", [m]);
        assert_eq!(encoding(&mut con, "w"), "hashtable", "member {m:?}");
    }
    sadd(&mut con, "m", ["1", "a"]);
    assert_eq!(encoding(&mut con, "m"), "hashtable");
    // 512 integers stay an intset; the 513th converts, and it never converts back.
    sadd(&mut con, "big", 0..512);
    assert_eq!(encoding(&mut con, "big"), "intset");
    sadd(&mut con, "big", [511]);
    assert_eq!(encoding(&mut con, "big"), "intset");
    sadd(&mut con, "big", [512]);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let mut srem = vec!["SREM".to_string(), "big".to_string()];
    srem.extend((0..510).map(|i| i.to_string()));
    assert_eq!(query_int(&mut con, &srem), 510);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    assert_eq!(sorted(&mut con, &["SMEMBERS", "big"]), strings(&["510", "511", "512"]));
    // Large string sets.
    sadd(&mut con, "strs", (0..1000).map(|i| format!("member:{i}")));
    assert_eq!(encoding(&mut con, "strs"), "hashtable");
    assert_eq!(query_int(&mut con, &["SCARD", "strs"]), 1000);
    assert_eq!(query(&mut con, &["SISMEMBER", "strs", "member:999"]), Value::Int(1));
}

#[test]
fn set_max_intset_entries_is_read_at_each_add() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["CONFIG", "SET", "set-max-intset-entries", "2"]), Value::Okay);
    sadd(&mut con, "s", [1, 2]);
    assert_eq!(encoding(&mut con, "s"), "intset");
    sadd(&mut con, "s", [2]);
    assert_eq!(encoding(&mut con, "s"), "intset");
    sadd(&mut con, "s", [3]);
    assert_eq!(encoding(&mut con, "s"), "hashtable");
    query(&mut con, &["SREM", "s", "3"]);
    assert_eq!(encoding(&mut con, "s"), "hashtable");
    assert_eq!(query(&mut con, &["CONFIG", "SET", "set-max-intset-entries", "0"]), Value::Okay);
    sadd(&mut con, "z", [1]);
    assert_eq!(encoding(&mut con, "z"), "hashtable");
    // A set built under a larger limit stays an intset until it next gains a member.
    assert_eq!(query(&mut con, &["CONFIG", "SET", "set-max-intset-entries", "512"]), Value::Okay);
    sadd(&mut con, "u", [1, 2, 3]);
    assert_eq!(query(&mut con, &["CONFIG", "SET", "set-max-intset-entries", "1"]), Value::Okay);
    assert_eq!(encoding(&mut con, "u"), "intset");
    sadd(&mut con, "u", [4]);
    assert_eq!(encoding(&mut con, "u"), "hashtable");
    // Stores build their result under the limit too.
    assert_eq!(query(&mut con, &["CONFIG", "SET", "set-max-intset-entries", "2"]), Value::Okay);
    sadd(&mut con, "v", [7, 8, 9]);
    query(&mut con, &["SUNIONSTORE", "d", "v"]);
    assert_eq!(encoding(&mut con, "d"), "hashtable");
}

#[test]
fn smismember() {
    let (_server, mut con) = start();
    other_types(&mut con);
    sadd(&mut con, "s", [1, 2, 3]);
    assert_eq!(query(&mut con, &["SMISMEMBER", "s", "1", "4", "2", "2", "x"]), ints(&[1, 0, 1, 1, 0]));
    assert_eq!(query(&mut con, &["SMISMEMBER", "missing", "1", "2"]), ints(&[0, 0]));
    sadd(&mut con, "t", ["a", "b"]);
    assert_eq!(query(&mut con, &["SMISMEMBER", "t", "a", "c"]), ints(&[1, 0]));
    assert_eq!(query_err(&mut con, &["SMISMEMBER", "str", "a"]), WRONGTYPE);
    assert_eq!(query_err(&mut con, &["SMISMEMBER", "s"]), "ERR wrong number of arguments for 'smismember' command");
}

#[test]
fn srem_deletes_an_emptied_set_and_keeps_the_ttl_otherwise() {
    let (_server, mut con) = start();
    sadd(&mut con, "s", [1, 2, 3, 4]);
    assert_eq!(query(&mut con, &["SREM", "s", "1", "5", "1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SREM", "missing", "a"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SREM", "s", "2", "3", "4"]), Value::Int(3));
    assert!(!exists(&mut con, "s"));
    sadd(&mut con, "t", ["x", "y"]);
    assert_eq!(query(&mut con, &["EXPIRE", "t", "100"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SREM", "t", "x"]), Value::Int(1));
    assert!(query_int(&mut con, &["TTL", "t"]) > 90);
    assert_eq!(query(&mut con, &["SREM", "t", "y"]), Value::Int(1));
    assert_eq!(query(&mut con, &["TTL", "t"]), Value::Int(-2));
    // A large set emptied one member at a time.
    sadd(&mut con, "big", (0..300).map(|i| format!("m{i}")));
    for i in 0..300 {
        assert_eq!(query_int(&mut con, &["SREM", "big", &format!("m{i}")]), 1);
    }
    assert!(!exists(&mut con, "big"));
}

#[test]
fn wrongtype_for_every_command() {
    let (_server, mut con) = start();
    other_types(&mut con);
    sadd(&mut con, "s", [1]);
    let cases: &[&[&str]] = &[
        &["SADD", "str", "a"],
        &["SREM", "list", "a"],
        &["SMEMBERS", "hash"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "0"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "0"],
        &["SMOVE", "str", "s", "1"],
        &["SMOVE", "s", "str", "1"],
        &["SMOVE", "s", "str", "not-a-member"],
        &["SINTER", "s", "str"],
        &["SINTER", "missing", "str"],
        &["SINTER", "str", "missing"],
        &["SINTERCARD", "2", "missing", "str"],
        &["SINTERSTORE", "d", "s", "str"],
        &["SUNION", "missing", "str"],
        &["SUNIONSTORE", "d", "s", "list"],
        &["SDIFF", "missing", "str"],
        &["SDIFF", "s", "hash"],
        &["SDIFFSTORE", "d", "s", "str"],
        &["SSCAN", "str", "0"],
        &["SSCAN", "str", "0", "BADOPTION"],
    ];
    for args in cases {
        assert_eq!(query_err(&mut con, args), WRONGTYPE, "{args:?}");
    }
    // Nothing was changed by the failed commands.
    assert_eq!(query(&mut con, &["SMEMBERS", "s"]), bulks(&["1"]));
    assert!(!exists(&mut con, "d"));
    // A missing source answers 0 before the destination's type is looked at.
    assert_eq!(query(&mut con, &["SMOVE", "missing", "str", "1"]), Value::Int(0));
    // Argument errors come first for SPOP and SRANDMEMBER.
    assert_eq!(query_err(&mut con, &["SPOP", "str", "abc"]), POP_RANGE);
    assert_eq!(query_err(&mut con, &["SRANDMEMBER", "str", "abc"]), NOT_INTEGER);
    // A store over a key of another type replaces it.
    assert_eq!(query(&mut con, &["SINTERSTORE", "str", "s"]), Value::Int(1));
    assert_eq!(query_string(&mut con, &["TYPE", "str"]), "set");
}

#[test]
fn spop_single_and_counted() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SPOP", "missing"]), Value::Nil);
    assert_eq!(query(&mut con, &["SPOP", "missing", "3"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SPOP", "missing", "0"]), Value::Array(vec![]));
    sadd(&mut con, "one", ["only"]);
    assert_eq!(query(&mut con, &["SPOP", "one"]), bulk("only"));
    assert!(!exists(&mut con, "one"));
    sadd(&mut con, "s", [5, 3, 1]);
    assert_eq!(query(&mut con, &["SPOP", "s", "0"]), Value::Array(vec![]));
    // Count at least the size: the whole set in its order, and the key is gone.
    assert_eq!(query(&mut con, &["SPOP", "s", "3"]), bulks(&["1", "3", "5"]));
    assert!(!exists(&mut con, "s"));
    sadd(&mut con, "s", [5, 3, 1]);
    assert_eq!(query(&mut con, &["SPOP", "s", "9223372036854775807"]), bulks(&["1", "3", "5"]));
    // Counts below the size pop distinct members and keep the rest.
    for (encoding_members, n) in [
        ((0..100).map(|i| i.to_string()).collect::<Vec<_>>(), 100),
        ((0..1000).map(|i| format!("m{i}")).collect(), 1000),
    ] {
        sadd(&mut con, "p", &encoding_members);
        let mut seen = BTreeSet::new();
        for take in [1, 7, 30, 2] {
            let got = sorted(&mut con, &["SPOP", "p", &take.to_string()]);
            assert_eq!(got.len(), take);
            for m in got {
                assert!(encoding_members.contains(&m));
                assert!(seen.insert(m), "popped twice");
            }
        }
        assert_eq!(query_int(&mut con, &["SCARD", "p"]), n - 40);
        for m in &seen {
            assert_eq!(query_int(&mut con, &["SISMEMBER", "p", m]), 0);
        }
        let rest = sorted(&mut con, &["SPOP", "p", &n.to_string()]);
        assert_eq!(rest.len() + seen.len(), n as usize);
        assert!(!exists(&mut con, "p"));
    }
    // Count errors, read before the key.
    sadd(&mut con, "s", [1, 2]);
    for bad in ["-1", "abc", "1.5", "9223372036854775808", "-9223372036854775808"] {
        assert_eq!(query_err(&mut con, &["SPOP", "s", bad]), POP_RANGE, "{bad}");
        assert_eq!(query_err(&mut con, &["SPOP", "missing", bad]), POP_RANGE, "{bad}");
    }
    assert_eq!(query_err(&mut con, &["SPOP", "s", "1", "2"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SPOP"]), "ERR wrong number of arguments for 'spop' command");
    assert_eq!(query_int(&mut con, &["SCARD", "s"]), 2);
}

#[test]
fn spop_until_empty_returns_every_member_once() {
    let (_server, mut con) = start();
    for members in [(0..50).map(|i| i.to_string()).collect::<Vec<_>>(), (0..300).map(|i| format!("x{i}")).collect()] {
        sadd(&mut con, "s", &members);
        let mut popped = BTreeSet::new();
        while let Value::BulkString(m) = query(&mut con, &["SPOP", "s"]) {
            assert!(popped.insert(String::from_utf8(m).unwrap()));
        }
        assert_eq!(popped, members.into_iter().collect());
        assert!(!exists(&mut con, "s"));
    }
}

#[test]
fn srandmember_counts() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SRANDMEMBER", "missing"]), Value::Nil);
    assert_eq!(query(&mut con, &["SRANDMEMBER", "missing", "3"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SRANDMEMBER", "missing", "-3"]), Value::Array(vec![]));
    sadd(&mut con, "one", ["only"]);
    assert_eq!(query(&mut con, &["SRANDMEMBER", "one"]), bulk("only"));
    assert_eq!(query(&mut con, &["SRANDMEMBER", "one", "5"]), bulks(&["only"]));
    assert_eq!(query(&mut con, &["SRANDMEMBER", "one", "-3"]), bulks(&["only", "only", "only"]));
    assert_eq!(query(&mut con, &["SRANDMEMBER", "one", "0"]), Value::Array(vec![]));
    sadd(&mut con, "s", [9, 2, 4]);
    assert_eq!(query(&mut con, &["SRANDMEMBER", "s", "3"]), bulks(&["2", "4", "9"]));
    assert_eq!(query(&mut con, &["SRANDMEMBER", "s", "9223372036854775807"]), bulks(&["2", "4", "9"]));
    assert_eq!(query_int(&mut con, &["SCARD", "s"]), 3);
    for (key, n) in [("ints", 200), ("strs", 2000)] {
        if key == "ints" {
            sadd(&mut con, key, 0..n);
        } else {
            sadd(&mut con, key, (0..n).map(|i| format!("m{i}")));
        }
        for count in [1, 5, n / 3, n / 2, n - 1] {
            let got = sorted(&mut con, &["SRANDMEMBER", key, &count.to_string()]);
            assert_eq!(got.len(), count as usize);
            assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "repeats in a positive count");
        }
        assert_eq!(sorted(&mut con, &["SRANDMEMBER", key, "-50"]).len(), 50);
        assert_eq!(query_int(&mut con, &["SCARD", key]), n);
    }
    assert_eq!(query_err(&mut con, &["SRANDMEMBER", "s", "abc"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["SRANDMEMBER", "missing", "1.0"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["SRANDMEMBER", "s", "9223372036854775808"]), NOT_INTEGER);
    assert_eq!(
        query_err(&mut con, &["SRANDMEMBER", "s", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    assert_eq!(query_err(&mut con, &["SRANDMEMBER", "s", "1", "2"]), SYNTAX);
}

#[test]
fn srandmember_huge_negative_count_is_refused() {
    let (_server, mut con) = start();
    sadd(&mut con, "s", [1, 2, 3]);
    // FIXME(compat): Redis 7.0 accepts any count down to -9223372036854775807 and streams
    // a reply of that many members until memory runs out; we build replies whole, so we
    // refuse counts below -16777216 rather than abort.
    assert_eq!(
        query_err(&mut con, &["SRANDMEMBER", "s", "-16777217"]),
        "ERR value is out of range, value must between -16777216 and 9223372036854775807"
    );
    // A missing key answers as Redis does: nothing to repeat.
    assert_eq!(query(&mut con, &["SRANDMEMBER", "missing", "-9223372036854775807"]), Value::Array(vec![]));
}

/// Counts how often each member comes back over many picks.
fn tally(replies: impl IntoIterator<Item = String>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for m in replies {
        *counts.entry(m).or_insert(0) += 1;
    }
    counts
}

#[test]
fn random_picks_are_roughly_uniform() {
    let (_server, mut con) = start();
    // Each of 10 members over 100,000 independent picks: expected 10,000, and a
    // deviation of 5% is beyond 15 standard deviations.
    for (key, members) in [
        ("ints", (0..10).map(|i| i.to_string()).collect::<Vec<_>>()),
        ("strs", (0..10).map(|i| format!("m{i}")).collect()),
    ] {
        sadd(&mut con, key, &members);
        let counts = tally(sorted(&mut con, &["SRANDMEMBER", key, "-100000"]));
        assert_eq!(counts.len(), 10);
        for m in &members {
            let c = counts[m];
            assert!((9500..=10500).contains(&c), "{key} {m}: {c}");
        }
    }
    // A large (table) set: every member shows up across distinct samples.
    sadd(&mut con, "big", (0..1000).map(|i| format!("b{i}")));
    let mut seen = BTreeSet::new();
    // A member is missed by 300 samples of 10% with probability 0.9^300 < 1e-13.
    for _ in 0..300 {
        seen.extend(sorted(&mut con, &["SRANDMEMBER", "big", "100"]));
    }
    assert_eq!(seen.len(), 1000);
    let counts = tally(sorted(&mut con, &["SRANDMEMBER", "big", "-1000000"]));
    // Expected 1,000 each (standard deviation about 32).
    assert!(counts.values().all(|&c| (800..=1200).contains(&c)), "{:?}", counts.values().min());
    // SPOP of one of three members: each about a third of the time.
    let mut pops = Vec::new();
    for _ in 0..3000 {
        sadd(&mut con, "three", ["a", "b", "c"]);
        pops.push(query_string(&mut con, &["SPOP", "three"]));
    }
    let counts = tally(pops);
    assert!(counts.values().all(|&c| (850..=1150).contains(&c)), "{counts:?}");
}

#[test]
fn smove_cases() {
    let (_server, mut con) = start();
    sadd(&mut con, "a", [1, 2, 3]);
    sadd(&mut con, "b", ["x"]);
    assert_eq!(query(&mut con, &["SMOVE", "a", "b", "1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SMOVE", "a", "b", "1"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SMOVE", "a", "b", "nope"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SMEMBERS", "a"]), bulks(&["2", "3"]));
    assert_eq!(sorted(&mut con, &["SMEMBERS", "b"]), strings(&["1", "x"]));
    // Same source and destination: a membership test.
    assert_eq!(query(&mut con, &["SMOVE", "a", "a", "2"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SMOVE", "a", "a", "9"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SMEMBERS", "a"]), bulks(&["2", "3"]));
    assert_eq!(query(&mut con, &["SMOVE", "missing", "b", "1"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SMOVE", "missing", "missing", "1"]), Value::Int(0));
    // A new destination is an intset or not by the member moved.
    assert_eq!(query(&mut con, &["SMOVE", "a", "ni", "2"]), Value::Int(1));
    assert_eq!(encoding(&mut con, "ni"), "intset");
    assert_eq!(query(&mut con, &["SMOVE", "b", "ns", "x"]), Value::Int(1));
    assert_eq!(encoding(&mut con, "ns"), "hashtable");
    // Moving the last member deletes the source; a member already in the destination
    // still counts as moved.
    sadd(&mut con, "ni", [3]);
    assert_eq!(query(&mut con, &["SMOVE", "a", "ni", "3"]), Value::Int(1));
    assert!(!exists(&mut con, "a"));
    assert_eq!(query(&mut con, &["SMEMBERS", "ni"]), bulks(&["2", "3"]));
    assert_eq!(query(&mut con, &["SMOVE", "b", "ni", "1"]), Value::Int(1));
    assert!(!exists(&mut con, "b"));
    assert_eq!(query_err(&mut con, &["SMOVE", "a", "b"]), "ERR wrong number of arguments for 'smove' command");
}

#[test]
fn sinter_sinterstore_sintercard() {
    let (_server, mut con) = start();
    sadd(&mut con, "a", [1, 2, 3, 4, 5]);
    sadd(&mut con, "b", [3, 4, 5, 6, 7]);
    sadd(&mut con, "c", [5, 4, 8]);
    sadd(&mut con, "sa", ["x", "y", "z", "5"]);
    sadd(&mut con, "sb", ["x", "y", "q"]);
    assert_eq!(query(&mut con, &["SINTER", "a", "b"]), bulks(&["3", "4", "5"]));
    assert_eq!(query(&mut con, &["SINTER", "a", "b", "c"]), bulks(&["4", "5"]));
    assert_eq!(query(&mut con, &["SINTER", "a", "a"]), bulks(&["1", "2", "3", "4", "5"]));
    assert_eq!(query(&mut con, &["SINTER", "a", "missing"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SINTER", "a", "sa"]), bulks(&["5"]));
    assert_eq!(sorted(&mut con, &["SINTER", "sa", "sb"]), strings(&["x", "y"]));
    assert_eq!(query(&mut con, &["SINTERSTORE", "d", "a", "b"]), Value::Int(3));
    assert_eq!(query(&mut con, &["SMEMBERS", "d"]), bulks(&["3", "4", "5"]));
    assert_eq!(encoding(&mut con, "d"), "intset");
    // An intersection of string sets that holds only integers is an intset.
    sadd(&mut con, "p", ["1", "2", "x"]);
    sadd(&mut con, "q", ["1", "2", "y"]);
    assert_eq!(query(&mut con, &["SINTERSTORE", "d", "p", "q"]), Value::Int(2));
    assert_eq!(encoding(&mut con, "d"), "intset");
    // An empty result deletes the destination, whatever it held, and a store drops TTLs.
    assert_eq!(query(&mut con, &["SINTERSTORE", "d", "a", "missing"]), Value::Int(0));
    assert!(!exists(&mut con, "d"));
    assert_eq!(query(&mut con, &["SET", "d", "v", "EX", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["SINTERSTORE", "d", "a", "sb"]), Value::Int(0));
    assert!(!exists(&mut con, "d"));
    assert_eq!(query(&mut con, &["SET", "d", "v", "EX", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["SINTERSTORE", "d", "a", "b"]), Value::Int(3));
    assert_eq!(query(&mut con, &["TTL", "d"]), Value::Int(-1));
    // The destination may be a source.
    assert_eq!(query(&mut con, &["SINTERSTORE", "a", "a", "c"]), Value::Int(2));
    assert_eq!(query(&mut con, &["SMEMBERS", "a"]), bulks(&["4", "5"]));
    sadd(&mut con, "a", [1, 2, 3]);

    assert_eq!(query(&mut con, &["SINTERCARD", "2", "a", "b"]), Value::Int(3));
    assert_eq!(query(&mut con, &["SINTERCARD", "1", "a"]), Value::Int(5));
    assert_eq!(query(&mut con, &["SINTERCARD", "2", "a", "missing"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SINTERCARD", "2", "a", "b", "LIMIT", "2"]), Value::Int(2));
    assert_eq!(query(&mut con, &["SINTERCARD", "2", "a", "b", "limit", "0"]), Value::Int(3));
    assert_eq!(query(&mut con, &["SINTERCARD", "2", "a", "b", "LIMIT", "100"]), Value::Int(3));
    assert_eq!(query(&mut con, &["SINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "4"]), Value::Int(4));
    let numkeys = "ERR numkeys should be greater than 0";
    for bad in ["0", "-1", "abc", "9223372036854775808"] {
        assert_eq!(query_err(&mut con, &["SINTERCARD", bad, "a"]), numkeys);
    }
    let too_many = "ERR Number of keys can't be greater than number of args";
    assert_eq!(query_err(&mut con, &["SINTERCARD", "3", "a", "b"]), too_many);
    assert_eq!(query_err(&mut con, &["SINTERCARD", "2147483648", "a", "b"]), too_many);
    assert_eq!(query_err(&mut con, &["SINTERCARD", "1", "a", "b"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SINTERCARD", "1", "a", "LIMIT"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SINTERCARD", "1", "a", "LIMIT", "-1"]), "ERR LIMIT can't be negative");
    assert_eq!(query_err(&mut con, &["SINTERCARD", "1", "a", "LIMIT", "x"]), "ERR LIMIT can't be negative");
    assert_eq!(query_err(&mut con, &["SINTERCARD", "1"]), "ERR wrong number of arguments for 'sintercard' command");
    // SINTERCARD's keys come from numkeys.
    assert_eq!(query(&mut con, &["COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"]), bulks(&["a", "b"]));
}

#[test]
fn sunion_sdiff_and_their_stores() {
    let (_server, mut con) = start();
    sadd(&mut con, "a", [1, 2, 3, 4, 5]);
    sadd(&mut con, "b", [2, 4]);
    sadd(&mut con, "c", [5, 6]);
    sadd(&mut con, "sa", ["1", "2", "x"]);
    sadd(&mut con, "sb", ["x"]);
    assert_eq!(query(&mut con, &["SUNION", "b", "c", "missing"]), bulks(&["2", "4", "5", "6"]));
    assert_eq!(sorted(&mut con, &["SUNION", "b", "sb"]), strings(&["2", "4", "x"]));
    assert_eq!(query(&mut con, &["SUNION", "missing"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SDIFF", "a", "b", "c"]), bulks(&["1", "3"]));
    assert_eq!(query(&mut con, &["SDIFF", "a", "a"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SDIFF", "a", "missing"]), bulks(&["1", "2", "3", "4", "5"]));
    assert_eq!(query(&mut con, &["SDIFF", "missing", "a"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["SDIFF", "sa", "sb"]), bulks(&["1", "2"]));
    assert_eq!(query(&mut con, &["SUNIONSTORE", "d", "b", "c"]), Value::Int(4));
    assert_eq!(encoding(&mut con, "d"), "intset");
    assert_eq!(query(&mut con, &["SUNIONSTORE", "d", "b", "sb"]), Value::Int(3));
    assert_eq!(encoding(&mut con, "d"), "hashtable");
    assert_eq!(query(&mut con, &["SUNIONSTORE", "d", "missing", "other"]), Value::Int(0));
    assert!(!exists(&mut con, "d"));
    // SDIFFSTORE: a small first set is probed member by member (an all-integer result
    // is an intset); a large one is copied, then trimmed (so it stays a hashtable).
    assert_eq!(query(&mut con, &["SDIFFSTORE", "d", "sa", "sb"]), Value::Int(2));
    assert_eq!(encoding(&mut con, "d"), "intset");
    let mut small = vec!["SADD".to_string(), "many".to_string()];
    small.extend((1..=22).map(|i| i.to_string()));
    query(&mut con, &small);
    sadd(&mut con, "big", ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "x"]);
    assert_eq!(query(&mut con, &["SDIFFSTORE", "d", "big", "many"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SMEMBERS", "d"]), bulks(&["x"]));
    assert_eq!(query(&mut con, &["SDIFFSTORE", "d", "a", "a"]), Value::Int(0));
    assert!(!exists(&mut con, "d"));
    assert_eq!(query(&mut con, &["SET", "d", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["SDIFFSTORE", "d", "b", "a"]), Value::Int(0));
    assert!(!exists(&mut con, "d"));
    assert_eq!(query(&mut con, &["SDIFFSTORE", "a", "a", "b"]), Value::Int(3));
    assert_eq!(query(&mut con, &["SMEMBERS", "a"]), bulks(&["1", "3", "5"]));
    assert_eq!(query_err(&mut con, &["SUNIONSTORE", "d"]), "ERR wrong number of arguments for 'sunionstore' command");
    assert_eq!(query_err(&mut con, &["SDIFF"]), "ERR wrong number of arguments for 'sdiff' command");
}

#[test]
fn set_operations_on_large_sets_match_a_model() {
    let (_server, mut con) = start();
    let a: BTreeSet<String> = (0..3000).filter(|i| i % 2 == 0).map(|i| format!("k{i}")).collect();
    let b: BTreeSet<String> = (0..3000).filter(|i| i % 3 == 0).map(|i| format!("k{i}")).collect();
    let c: BTreeSet<String> = (0..600).map(|i| i.to_string()).chain(["k6".to_string()]).collect();
    sadd(&mut con, "a", &a);
    sadd(&mut con, "b", &b);
    sadd(&mut con, "c", &c);
    let inter: Vec<String> = a.intersection(&b).cloned().collect();
    let union: Vec<String> = a.union(&b).chain(&c).cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let diff: Vec<String> = a.difference(&b).filter(|m| !c.contains(*m)).cloned().collect();
    assert_eq!(sorted(&mut con, &["SINTER", "a", "b"]), inter);
    assert_eq!(query_int(&mut con, &["SINTERCARD", "2", "a", "b"]), inter.len() as i64);
    assert_eq!(query_int(&mut con, &["SINTERCARD", "2", "b", "a", "LIMIT", "10"]), 10);
    assert_eq!(sorted(&mut con, &["SINTER", "a", "b", "c"]), strings(&["k6"]));
    assert_eq!(sorted(&mut con, &["SUNION", "a", "b", "c"]), union);
    assert_eq!(sorted(&mut con, &["SDIFF", "a", "b", "c"]), diff);
    assert_eq!(query_int(&mut con, &["SDIFFSTORE", "d", "a", "b", "c"]), diff.len() as i64);
    assert_eq!(sorted(&mut con, &["SMEMBERS", "d"]), diff);
    assert_eq!(query_int(&mut con, &["SUNIONSTORE", "d", "a", "b", "c"]), union.len() as i64);
    assert_eq!(sorted(&mut con, &["SMEMBERS", "d"]), union);
}

/// One SSCAN step: the next cursor and the members.
fn sscan_step(con: &mut redis::Connection, args: &[&str]) -> (String, Vec<String>) {
    let Value::Array(parts) = query(con, args) else { panic!("SSCAN reply is not an array") };
    let [Value::BulkString(cursor), members] = <[Value; 2]>::try_from(parts).expect("two parts") else {
        panic!("SSCAN reply has no cursor");
    };
    (String::from_utf8(cursor).unwrap(), sorted_strings(members))
}

#[test]
fn sscan_compact_sets_answer_whole() {
    let (_server, mut con) = start();
    sadd(&mut con, "s", [1, 2, 3, 10, 11, 20]);
    let all = strings(&["1", "10", "11", "2", "20", "3"]);
    for args in [
        &["SSCAN", "s", "0"][..],
        &["SSCAN", "s", "0", "COUNT", "1"],
        &["SSCAN", "s", "12345"],
        &["SSCAN", "s", ""],
        &["SSCAN", "s", "+0"],
    ] {
        assert_eq!(sscan_step(&mut con, args), ("0".to_string(), all.clone()), "{args:?}");
    }
    assert_eq!(sscan_step(&mut con, &["SSCAN", "s", "0", "MATCH", "1*"]).1, strings(&["1", "10", "11"]));
    assert_eq!(
        sscan_step(&mut con, &["SSCAN", "s", "0", "MATCH", "*", "COUNT", "1", "MATCH", "2?"]).1,
        strings(&["20"])
    );
    sadd(&mut con, "t", ["apple", "banana", "cherry"]);
    assert_eq!(sscan_step(&mut con, &["SSCAN", "t", "0", "MATCH", "*an*"]), ("0".to_string(), strings(&["banana"])));
    assert_eq!(sscan_step(&mut con, &["SSCAN", "missing", "0"]), ("0".to_string(), vec![]));
    // A missing key answers before the options are read; a present one checks them.
    assert_eq!(sscan_step(&mut con, &["SSCAN", "missing", "0", "BADOPTION"]), ("0".to_string(), vec![]));
    for (args, err) in [
        (&["SSCAN", "s", "abc"][..], "ERR invalid cursor"),
        (&["SSCAN", "s", " 0"], "ERR invalid cursor"),
        (&["SSCAN", "s", "18446744073709551616"], "ERR invalid cursor"),
        (&["SSCAN", "missing", "abc"], "ERR invalid cursor"),
        (&["SSCAN", "s", "0", "COUNT", "0"], SYNTAX),
        (&["SSCAN", "s", "0", "COUNT", "abc"], NOT_INTEGER),
        (&["SSCAN", "s", "0", "COUNT"], SYNTAX),
        (&["SSCAN", "s", "0", "MATCH"], SYNTAX),
        (&["SSCAN", "s", "0", "TYPE", "set"], SYNTAX),
        (&["SSCAN", "s"], "ERR wrong number of arguments for 'sscan' command"),
    ] {
        assert_eq!(query_err(&mut con, args), err, "{args:?}");
    }
}

#[test]
fn sscan_returns_every_stable_member_while_others_come_and_go() {
    let (_server, mut con) = start();
    let stable: BTreeSet<String> = (0..2000).map(|i| format!("stable:{i}")).collect();
    sadd(&mut con, "s", &stable);
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut steps = 0;
    loop {
        let (next, members) = sscan_step(&mut con, &["SSCAN", "s", &cursor, "COUNT", "20"]);
        assert!(members.len() <= 200, "one step returned {}", members.len());
        seen.extend(members.into_iter().filter(|m| m.starts_with("stable:")));
        steps += 1;
        // Grow the set well past its size, then shrink it, mid-scan.
        if steps == 5 {
            sadd(&mut con, "s", (0..20_000).map(|i| format!("tmp:{i}")));
        }
        if steps == 200 {
            let mut srem = vec!["SREM".to_string(), "s".to_string()];
            srem.extend((0..20_000).map(|i| format!("tmp:{i}")));
            assert_eq!(query_int(&mut con, &srem), 20_000);
        }
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert!(steps > 5, "the scan of a large set took {steps} steps");
    assert_eq!(seen, stable);
    // With nothing changing, COUNT 1 walks to the end and sees each member.
    let mut all = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let (next, members) = sscan_step(&mut con, &["SSCAN", "s", &cursor, "COUNT", "1", "MATCH", "stable:1*"]);
        all.extend(members);
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    let want: BTreeSet<String> = stable.iter().filter(|m| m.starts_with("stable:1")).cloned().collect();
    assert_eq!(all.len(), want.len());
    assert_eq!(all.into_iter().collect::<BTreeSet<_>>(), want);
}

#[test]
fn resp3_reply_types() {
    let server = TestServer::start();
    let mut raw = server.connect();
    raw.call(&["HELLO", "3"]).unwrap();
    let call = |raw: &mut common::RawConnection, args: &[&str]| String::from_utf8(raw.call(args).unwrap()).unwrap();
    assert_eq!(call(&mut raw, &["SADD", "s", "1"]), ":1\r\n");
    assert_eq!(call(&mut raw, &["SMEMBERS", "s"]), "~1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SINTER", "s"]), "~1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SUNION", "s"]), "~1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SDIFF", "s"]), "~1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SMEMBERS", "missing"]), "~0\r\n");
    assert_eq!(call(&mut raw, &["SRANDMEMBER", "s", "1"]), "*1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SRANDMEMBER", "s", "-2"]), "*2\r\n$1\r\n1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SRANDMEMBER", "missing"]), "_\r\n");
    assert_eq!(call(&mut raw, &["SMISMEMBER", "s", "1", "2"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(call(&mut raw, &["SSCAN", "s", "0"]), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SPOP", "missing", "1"]), "~0\r\n");
    assert_eq!(call(&mut raw, &["SPOP", "s", "0"]), "~0\r\n");
    assert_eq!(call(&mut raw, &["SPOP", "s", "1"]), "~1\r\n$1\r\n1\r\n");
    assert_eq!(call(&mut raw, &["SPOP", "s"]), "_\r\n");
}

#[test]
fn expired_sets_are_missing() {
    let (_server, mut con) = start();
    sadd(&mut con, "e", [1, 2]);
    assert_eq!(query(&mut con, &["PEXPIRE", "e", "1"]), Value::Int(1));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(query(&mut con, &["SCARD", "e"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SADD", "e", "3"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SMEMBERS", "e"]), bulks(&["3"]));
    assert_eq!(query(&mut con, &["TTL", "e"]), Value::Int(-1));
}

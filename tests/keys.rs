//! The generic key family (src/commands/keys.rs) through a real client: DEL,
//! UNLINK, EXISTS, TYPE, KEYS and its glob rules, SCAN (including its guarantee
//! under concurrent writes), RENAME, COPY, MOVE, the EXPIRE family with
//! NX/XX/GT/LT, TTL and friends, TOUCH and OBJECT, with Redis 7.0.15's replies.

#[path = "common/client.rs"]
mod client;
mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use client::{bulk, bulks, connect, query, query_err, query_int, simple, sorted_strings};
use common::TestServer;
use redis::Value;

const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// One SCAN call: the next cursor and the keys.
fn scan_step(con: &mut redis::Connection, args: &[&str]) -> (String, Vec<String>) {
    let Value::Array(mut parts) = query(con, args) else {
        panic!("SCAN replies with an array");
    };
    assert_eq!(parts.len(), 2, "SCAN replies with [cursor, keys]");
    let keys = sorted_strings(parts.pop().unwrap());
    let Value::BulkString(cursor) = parts.pop().unwrap() else {
        panic!("the cursor is a bulk string");
    };
    (String::from_utf8(cursor).unwrap(), keys)
}

/// Every key a full SCAN returns, in order of arrival, duplicates included.
fn scan_all(con: &mut redis::Connection, options: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(options);
        let (next, keys) = scan_step(con, &args);
        out.extend(keys);
        if next == "0" {
            return out;
        }
        cursor = next;
    }
    panic!("SCAN did not finish");
}

/// Sets `count` keys `prefix:0..count` with value "v", in pipelined batches.
fn fill(con: &mut redis::Connection, prefix: &str, count: usize) {
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let mut mset = redis::cmd("MSET");
        for i in chunk {
            mset.arg(format!("{prefix}:{i}")).arg("v");
        }
        assert_eq!(mset.query::<Value>(con).unwrap(), Value::Okay);
    }
}

#[test]
fn del_unlink_exists() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["MSET", "a", "1", "b", "2", "c", "3"]), Value::Okay);
    assert_eq!(query(&mut con, &["RPUSH", "l", "x"]), Value::Int(1));
    // A repeated key counts each time for EXISTS.
    assert_eq!(query(&mut con, &["EXISTS", "a", "a", "missing", "l"]), Value::Int(3));
    assert_eq!(query(&mut con, &["DEL", "a", "missing", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["UNLINK", "b", "l", "missing"]), Value::Int(2));
    assert_eq!(query(&mut con, &["EXISTS", "a", "b", "l", "c"]), Value::Int(1));
    assert_eq!(query(&mut con, &["DEL", "missing"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["DEL"]), "ERR wrong number of arguments for 'del' command");
    assert_eq!(query_err(&mut con, &["EXISTS"]), "ERR wrong number of arguments for 'exists' command");
}

#[test]
fn type_names_each_kind() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "str", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "int", "12"]), Value::Okay);
    assert_eq!(query(&mut con, &["RPUSH", "list", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SADD", "set", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["HSET", "hash", "f", "v"]), Value::Int(1));
    for (key, kind) in
        [("str", "string"), ("int", "string"), ("list", "list"), ("set", "set"), ("hash", "hash"), ("missing", "none")]
    {
        assert_eq!(query(&mut con, &["TYPE", key]), simple(kind), "TYPE {key}");
    }
}

#[test]
fn keys_glob_patterns() {
    let (_server, mut con) = start();
    let keys = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h?llo", "h[a]llo", "", "a-b", "^x", "]", "\\"];
    let mut mset = vec!["MSET"];
    for k in &keys {
        mset.extend([*k, "1"]);
    }
    assert_eq!(query(&mut con, &mset), Value::Okay);
    let hs = ["h*llo", "h?llo", "h[a]llo", "hallo", "heeeello", "hello", "hllo", "hxllo"];
    let cases: &[(&str, &[&str])] = &[
        ("h?llo", &["h*llo", "h?llo", "hallo", "hello", "hxllo"]),
        ("h*llo", &hs),
        ("*llo*", &hs),
        ("h[ae]llo", &["hallo", "hello"]),
        ("h[^e]llo", &["h*llo", "h?llo", "hallo", "hxllo"]),
        ("h[a-b]llo", &["hallo"]),
        // A reversed range is swapped.
        ("h[b-a]llo", &["hallo"]),
        ("h\\*llo", &["h*llo"]),
        ("h\\?llo", &["h?llo"]),
        ("h\\[a\\]llo", &["h[a]llo"]),
        ("?", &["\\", "]"]),
        ("[^a]", &["\\", "]"]),
        ("a[-]b", &["a-b"]),
        ("\\\\", &["\\"]),
        // A trailing backslash matches a backslash.
        ("\\", &["\\"]),
        // `!` is not a negation: `[!a-z]` is a set holding `!` and a..z.
        ("[!a-z]*", &["a-b", "h*llo", "h?llo", "h[a]llo", "hallo", "heeeello", "hello", "hllo", "hxllo"]),
        // The empty pattern matches only the empty key.
        ("", &[""]),
        // Unterminated or empty sets, and a trailing escape, match nothing here.
        ("[", &[]),
        ("h[a", &[]),
        ("[]]", &[]),
        ("hello\\", &[]),
        // Matching is case-sensitive.
        ("H*", &[]),
    ];
    for (pattern, expected) in cases {
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(sorted_strings(query(&mut con, &["KEYS", pattern])), expected, "KEYS {pattern:?}");
    }
    let mut all: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
    all.sort();
    // KEYS * lists every key, the empty one included; as a pattern, `*` does not
    // match the empty string, so `**` leaves it out.
    assert_eq!(sorted_strings(query(&mut con, &["KEYS", "*"])), all);
    all.retain(|k| !k.is_empty());
    assert_eq!(sorted_strings(query(&mut con, &["KEYS", "**"])), all);
}

#[test]
fn scan_returns_every_key_exactly_once_when_nothing_changes() {
    let (_server, mut con) = start();
    fill(&mut con, "key", 1000);
    let expected: HashSet<String> = (0..1000).map(|i| format!("key:{i}")).collect();
    for options in [&[][..], &["COUNT", "7"][..], &["COUNT", "1000"][..]] {
        let seen = scan_all(&mut con, options);
        let unique: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), 1000, "no duplicates with {options:?}");
        assert_eq!(unique, expected, "every key with {options:?}");
    }
}

#[test]
fn scan_match_count_and_type() {
    let (_server, mut con) = start();
    fill(&mut con, "user", 50);
    fill(&mut con, "order", 30);
    assert_eq!(query(&mut con, &["RPUSH", "list1", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["RPUSH", "list2", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["SADD", "set1", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["HSET", "hash1", "f", "v"]), Value::Int(1));

    let users = scan_all(&mut con, &["MATCH", "user:*", "COUNT", "5"]);
    assert_eq!(users.len(), 50);
    assert!(users.iter().all(|k| k.starts_with("user:")));
    let mut lists = scan_all(&mut con, &["TYPE", "LIST"]);
    lists.sort();
    assert_eq!(lists, ["list1", "list2"]);
    assert_eq!(scan_all(&mut con, &["TYPE", "set"]), ["set1"]);
    assert_eq!(scan_all(&mut con, &["TYPE", "hash", "MATCH", "h*"]), ["hash1"]);
    assert_eq!(scan_all(&mut con, &["TYPE", "string"]).len(), 80);
    assert_eq!(scan_all(&mut con, &["MATCH", "list*", "TYPE", "set"]).len(), 0);
    assert_eq!(scan_all(&mut con, &["TYPE", "nosuchtype"]).len(), 0);
    // A large COUNT returns everything in one call.
    let (cursor, keys) = scan_step(&mut con, &["SCAN", "0", "COUNT", "1000"]);
    assert_eq!((cursor.as_str(), keys.len()), ("0", 84));

    assert_eq!(query_err(&mut con, &["SCAN", "abc"]), "ERR invalid cursor");
    assert_eq!(query_err(&mut con, &["SCAN", " 0"]), "ERR invalid cursor");
    assert_eq!(query_err(&mut con, &["SCAN", "18446744073709551616"]), "ERR invalid cursor");
    assert_eq!(query_err(&mut con, &["SCAN", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SCAN", "0", "COUNT", "-1"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SCAN", "0", "COUNT", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["SCAN", "0", "MATCH"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SCAN", "0", "FOO", "bar"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SCAN"]), "ERR wrong number of arguments for 'scan' command");
}

/// SCAN's guarantee: a key present for the whole iteration is returned at least
/// once, even while other clients add and remove many keys (forcing the tables
/// to grow and shrink under the cursor).
#[test]
fn scan_returns_every_stable_key_while_others_insert_and_delete() {
    const STABLE: usize = 20_000;
    const TEMPORARY: usize = 15_000;
    const INSERTS: usize = 30_000;
    const BATCH: usize = 100;

    let server = TestServer::start();
    let mut con = connect(server.addr());
    fill(&mut con, "stable", STABLE);
    fill(&mut con, "tmp", TEMPORARY);

    let batches_done = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(2));
    let writer = {
        let mut writer_con = connect(server.addr());
        let batches_done = batches_done.clone();
        let barrier = barrier.clone();
        thread::spawn(move || {
            barrier.wait();
            let batches = INSERTS / BATCH;
            for b in 0..batches {
                let mut pipe = redis::pipe();
                for i in b * BATCH..(b + 1) * BATCH {
                    pipe.cmd("SET").arg(format!("new:{i}")).arg("v").ignore();
                }
                // Half as many deletions of the temporary keys.
                for i in (b * BATCH / 2)..((b + 1) * BATCH / 2) {
                    pipe.cmd("DEL").arg(format!("tmp:{i}")).ignore();
                }
                pipe.query::<()>(&mut writer_con).expect("writer pipeline");
                batches_done.fetch_add(1, Ordering::SeqCst);
            }
        })
    };

    barrier.wait();
    let before = batches_done.load(Ordering::SeqCst);
    let seen: HashSet<String> = scan_all(&mut con, &["COUNT", "100"]).into_iter().collect();
    let after = batches_done.load(Ordering::SeqCst);
    writer.join().expect("the writer thread");

    let missing: Vec<String> = (0..STABLE).map(|i| format!("stable:{i}")).filter(|k| !seen.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "{} stable keys never returned, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        after > before || before < INSERTS / BATCH,
        "the writer was running during the scan ({before}..{after} batches)"
    );
    assert_eq!(query_int(&mut con, &["DBSIZE"]), (STABLE + TEMPORARY + INSERTS - INSERTS / 2) as i64);
}

#[test]
fn rename_and_renamenx() {
    let (_server, mut con) = start();
    assert_eq!(query_err(&mut con, &["RENAME", "a", "b"]), "ERR no such key");
    assert_eq!(query_err(&mut con, &["RENAMENX", "a", "b"]), "ERR no such key");
    assert_eq!(query(&mut con, &["SET", "a", "1", "EX", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["RENAME", "a", "b"]), Value::Okay);
    assert_eq!(query(&mut con, &["EXISTS", "a"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GET", "b"]), bulk("1"));
    // The TTL moves with the value.
    assert_eq!(query_int(&mut con, &["TTL", "b"]), 100);
    // Renaming onto itself succeeds (RENAMENX reports 0).
    assert_eq!(query(&mut con, &["RENAME", "b", "b"]), Value::Okay);
    assert_eq!(query(&mut con, &["RENAMENX", "b", "b"]), Value::Int(0));
    // RENAME overwrites the destination, whatever its type and TTL.
    assert_eq!(query(&mut con, &["RPUSH", "l", "x", "y"]), Value::Int(2));
    assert_eq!(query(&mut con, &["SET", "c", "3"]), Value::Okay);
    assert_eq!(query(&mut con, &["RENAMENX", "l", "c"]), Value::Int(0));
    assert_eq!(query(&mut con, &["RENAME", "l", "c"]), Value::Okay);
    assert_eq!(query(&mut con, &["LRANGE", "c", "0", "-1"]), bulks(&["x", "y"]));
    assert_eq!(query_int(&mut con, &["TTL", "c"]), -1);
    assert_eq!(query(&mut con, &["RENAME", "b", "c"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "c"]), bulk("1"));
    assert_eq!(query_int(&mut con, &["TTL", "c"]), 100);
    assert_eq!(query(&mut con, &["RENAMENX", "c", "d"]), Value::Int(1));
    assert_eq!(query(&mut con, &["GET", "d"]), bulk("1"));
    assert_eq!(query_err(&mut con, &["RENAME", "d"]), "ERR wrong number of arguments for 'rename' command");
}

#[test]
fn copy_within_and_across_databases() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "src", "v", "EX", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["COPY", "src", "dst"]), Value::Int(1));
    assert_eq!(query(&mut con, &["GET", "dst"]), bulk("v"));
    assert_eq!(query_int(&mut con, &["TTL", "dst"]), 100);
    assert_eq!(query(&mut con, &["SET", "src", "v2"]), Value::Okay);
    assert_eq!(query(&mut con, &["COPY", "src", "dst"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GET", "dst"]), bulk("v"));
    assert_eq!(query(&mut con, &["COPY", "src", "dst", "REPLACE"]), Value::Int(1));
    assert_eq!(query(&mut con, &["GET", "dst"]), bulk("v2"));
    assert_eq!(query_int(&mut con, &["TTL", "dst"]), -1);
    assert_eq!(query(&mut con, &["COPY", "missing", "dst2"]), Value::Int(0));
    // The copy of a collection is independent of the original.
    assert_eq!(query(&mut con, &["RPUSH", "l", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["COPY", "l", "l2"]), Value::Int(1));
    assert_eq!(query(&mut con, &["RPUSH", "l2", "b"]), Value::Int(2));
    assert_eq!(query(&mut con, &["LRANGE", "l", "0", "-1"]), bulks(&["a"]));
    // To another database, even under the same name.
    assert_eq!(query(&mut con, &["COPY", "src", "src", "DB", "1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["COPY", "src", "other", "db", "1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["COPY", "src", "src", "DB", "1"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SELECT", "1"]), Value::Okay);
    assert_eq!(query(&mut con, &["MGET", "src", "other"]), bulks(&["v2", "v2"]));
    assert_eq!(query(&mut con, &["SELECT", "0"]), Value::Okay);

    let same = "ERR source and destination objects are the same";
    assert_eq!(query_err(&mut con, &["COPY", "src", "src"]), same);
    assert_eq!(query_err(&mut con, &["COPY", "src", "src", "DB", "0"]), same);
    let out_of_range = "ERR DB index is out of range";
    assert_eq!(query_err(&mut con, &["COPY", "src", "x", "DB", "16"]), out_of_range);
    assert_eq!(query_err(&mut con, &["COPY", "src", "x", "DB", "-1"]), out_of_range);
    assert_eq!(query_err(&mut con, &["COPY", "src", "x", "DB", "x"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["COPY", "src", "x", "DB"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["COPY", "src", "x", "FOO"]), SYNTAX);
    // A DB index beyond 32 bits: Redis 7.0.15's getIntFromObject text.
    assert_eq!(
        query_err(&mut con, &["COPY", "src", "x", "DB", "99999999999"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
}

#[test]
fn move_between_databases() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v", "EX", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["MOVE", "k", "1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    assert_eq!(query(&mut con, &["MOVE", "k", "1"]), Value::Int(0));
    assert_eq!(query(&mut con, &["SET", "k", "here"]), Value::Okay);
    // Not moved when the destination already has the key.
    assert_eq!(query(&mut con, &["MOVE", "k", "1"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("here"));
    assert_eq!(query(&mut con, &["SELECT", "1"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v"));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    assert_eq!(query(&mut con, &["SELECT", "0"]), Value::Okay);

    assert_eq!(query_err(&mut con, &["MOVE", "k", "0"]), "ERR source and destination objects are the same");
    assert_eq!(query_err(&mut con, &["MOVE", "k", "16"]), "ERR DB index is out of range");
    assert_eq!(query_err(&mut con, &["MOVE", "k", "-1"]), "ERR DB index is out of range");
    assert_eq!(query_err(&mut con, &["MOVE", "k", "x"]), NOT_INTEGER);
    // A DB index beyond 32 bits: Redis 7.0.15's getIntFromObject text.
    assert_eq!(
        query_err(&mut con, &["MOVE", "k", "99999999999"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
}

#[test]
fn expire_options_nx_xx_gt_lt() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    // Without a TTL: XX and GT refuse; LT accepts (no TTL counts as infinite).
    assert_eq!(query(&mut con, &["EXPIRE", "k", "100", "XX"]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXPIRE", "k", "100", "GT"]), Value::Int(0));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), -1);
    assert_eq!(query(&mut con, &["EXPIRE", "k", "100", "LT"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    // With a TTL: NX refuses, GT only grows it, LT only shrinks it.
    assert_eq!(query(&mut con, &["EXPIRE", "k", "50", "NX"]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXPIRE", "k", "200", "gt"]), Value::Int(1));
    assert_eq!(query(&mut con, &["EXPIRE", "k", "150", "GT"]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXPIRE", "k", "300", "LT"]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXPIRE", "k", "100", "lt"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    assert_eq!(query(&mut con, &["EXPIRE", "k", "500", "XX", "GT"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 500);
    assert_eq!(query(&mut con, &["PEXPIRE", "k", "1000000", "XX"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 1000);
    assert_eq!(query(&mut con, &["PERSIST", "k"]), Value::Int(1));
    assert_eq!(query(&mut con, &["PEXPIRE", "k", "1000000", "NX"]), Value::Int(1));
    // A missing key is never given a TTL.
    assert_eq!(query(&mut con, &["EXPIRE", "missing", "100"]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXPIRE", "missing", "100", "LT"]), Value::Int(0));

    let at = (unix_secs() + 900).to_string();
    assert_eq!(query(&mut con, &["EXPIREAT", "k", &at, "GT"]), Value::Int(0));
    let later = (unix_secs() + 2000).to_string();
    assert_eq!(query(&mut con, &["EXPIREAT", "k", &later, "GT"]), Value::Int(1));
    assert_eq!(query(&mut con, &["EXPIRETIME", "k"]), Value::Int(later.parse().unwrap()));
    let ms = format!("{later}500");
    assert_eq!(query(&mut con, &["PEXPIREAT", "k", &ms, "LT"]), Value::Int(0));
    assert_eq!(query(&mut con, &["PEXPIREAT", "k", &ms, "GT"]), Value::Int(1));
    assert_eq!(query(&mut con, &["PEXPIRETIME", "k"]), Value::Int(ms.parse().unwrap()));

    let nx_with = "ERR NX and XX, GT or LT options at the same time are not compatible";
    assert_eq!(query_err(&mut con, &["EXPIRE", "k", "100", "NX", "XX"]), nx_with);
    assert_eq!(query_err(&mut con, &["EXPIRE", "k", "100", "NX", "GT"]), nx_with);
    assert_eq!(query_err(&mut con, &["PEXPIRE", "k", "100", "LT", "NX"]), nx_with);
    assert_eq!(
        query_err(&mut con, &["EXPIREAT", "k", "100", "GT", "LT"]),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(query_err(&mut con, &["EXPIRE", "k", "100", "foo"]), "ERR Unsupported option foo");
    assert_eq!(query_err(&mut con, &["EXPIRE", "k", "abc"]), NOT_INTEGER);
    assert_eq!(query_err(&mut con, &["EXPIRE", "k", "1.5"]), NOT_INTEGER);
    assert_eq!(query(&mut con, &["PEXPIRETIME", "k"]), Value::Int(ms.parse().unwrap()));
}

#[test]
fn expire_overflow_and_past_times() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    for (cmd, arg) in [
        ("EXPIRE", "9223372036854775807"),
        ("EXPIRE", "-9223372036854775808"),
        ("PEXPIRE", "9223372036854775807"),
        ("EXPIREAT", "9223372036854775807"),
    ] {
        assert_eq!(
            query_err(&mut con, &[cmd, "k", arg]),
            format!("ERR invalid expire time in '{}' command", cmd.to_lowercase()),
            "{cmd} k {arg}"
        );
    }
    assert_eq!(query_int(&mut con, &["TTL", "k"]), -1);
    // The largest absolute time is accepted as is.
    assert_eq!(query(&mut con, &["PEXPIREAT", "k", "9223372036854775807"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["PEXPIRETIME", "k"]), i64::MAX);
    // A time already past deletes the key and counts as set.
    assert_eq!(query(&mut con, &["EXPIRE", "k", "-1"]), Value::Int(1));
    assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0));
    for args in [
        ["EXPIRE", "k", "0"],
        ["PEXPIRE", "k", "-9223372036854775808"],
        ["EXPIREAT", "k", "1"],
        ["PEXPIREAT", "k", "1"],
    ] {
        assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
        assert_eq!(query(&mut con, &args), Value::Int(1), "{args:?}");
        assert_eq!(query(&mut con, &["EXISTS", "k"]), Value::Int(0), "{args:?}");
    }
    // GT refuses a past time on a key without TTL, so the key stays.
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    assert_eq!(query(&mut con, &["EXPIRE", "k", "0", "GT"]), Value::Int(0));
    assert_eq!(query(&mut con, &["GET", "k"]), bulk("v"));
}

#[test]
fn ttl_pttl_expiretime_persist() {
    let (_server, mut con) = start();
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(query(&mut con, &[cmd, "missing"]), Value::Int(-2), "{cmd}");
    }
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(query(&mut con, &[cmd, "k"]), Value::Int(-1), "{cmd}");
    }
    assert_eq!(query(&mut con, &["PERSIST", "k"]), Value::Int(0));
    assert_eq!(query(&mut con, &["PERSIST", "missing"]), Value::Int(0));
    assert_eq!(query(&mut con, &["EXPIRE", "k", "100"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 100);
    let pttl = query_int(&mut con, &["PTTL", "k"]);
    assert!((99_000..=100_000).contains(&pttl), "PTTL {pttl}");
    let at = query_int(&mut con, &["PEXPIRETIME", "k"]);
    let now_ms = unix_secs() as i64 * 1000;
    assert!((now_ms + 98_000..=now_ms + 101_000).contains(&at), "PEXPIRETIME {at}");
    // TTL rounds to the nearest second; EXPIRETIME as well.
    assert_eq!(query(&mut con, &["PEXPIRE", "k", "1600"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["TTL", "k"]), 2);
    assert_eq!(query(&mut con, &["PEXPIREAT", "k", "99999999999499"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["EXPIRETIME", "k"]), 99_999_999_999);
    assert_eq!(query(&mut con, &["PEXPIREAT", "k", "99999999999500"]), Value::Int(1));
    assert_eq!(query_int(&mut con, &["EXPIRETIME", "k"]), 100_000_000_000);
    assert_eq!(query(&mut con, &["PERSIST", "k"]), Value::Int(1));
    assert_eq!(query(&mut con, &["TTL", "k"]), Value::Int(-1));
    assert_eq!(query(&mut con, &["PERSIST", "k"]), Value::Int(0));
    assert_eq!(query_err(&mut con, &["TTL"]), "ERR wrong number of arguments for 'ttl' command");
}

#[test]
fn touch_counts_existing_keys() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["MSET", "a", "1", "b", "2"]), Value::Okay);
    assert_eq!(query(&mut con, &["TOUCH", "a", "b", "missing", "a"]), Value::Int(3));
    assert_eq!(query(&mut con, &["TOUCH", "missing"]), Value::Int(0));
    // The access clock counts whole seconds: 0, or 1 across a second boundary.
    assert!(query_int(&mut con, &["OBJECT", "IDLETIME", "a"]) <= 1);
    assert_eq!(query_err(&mut con, &["TOUCH"]), "ERR wrong number of arguments for 'touch' command");
}

#[test]
fn object_encoding_of_strings_and_collections() {
    let (_server, mut con) = start();
    let s44 = "a".repeat(44);
    let s45 = "a".repeat(45);
    let cases: &[(&str, &str, &str)] = &[
        ("int", "123", "int"),
        ("negative", "-1", "int"),
        ("zero", "0", "int"),
        ("max", "9223372036854775807", "int"),
        ("too_big", "12345678901234567890", "embstr"),
        ("float", "1.5", "embstr"),
        ("spaced", " 1", "embstr"),
        ("short", "abc", "embstr"),
        ("s44", &s44, "embstr"),
        ("s45", &s45, "raw"),
    ];
    for (key, value, encoding) in cases {
        assert_eq!(query(&mut con, &["SET", key, value]), Value::Okay);
        assert_eq!(query(&mut con, &["OBJECT", "ENCODING", key]), bulk(encoding), "OBJECT ENCODING of {value:?}");
    }
    // APPEND turns a short string into a raw one.
    assert_eq!(query(&mut con, &["APPEND", "short", "d"]), Value::Int(4));
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "short"]), bulk("raw"));
    assert_eq!(query(&mut con, &["RPUSH", "list", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "list"]), bulk("quicklist"));
    assert_eq!(query(&mut con, &["SADD", "ints", "1", "2"]), Value::Int(2));
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "ints"]), bulk("intset"));
    assert_eq!(query(&mut con, &["SADD", "words", "a"]), Value::Int(1));
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "words"]), bulk("hashtable"));
    assert_eq!(query(&mut con, &["HSET", "hash", "f", "v"]), Value::Int(1));
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "hash"]), bulk("listpack"));
    assert_eq!(query(&mut con, &["OBJECT", "ENCODING", "missing"]), Value::Nil);
}

#[test]
fn object_refcount_idletime_freq() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["MSET", "small", "0", "top", "9999", "large", "10000"]), Value::Okay);
    assert_eq!(query(&mut con, &["MSET", "neg", "-1", "text", "hello"]), Value::Okay);
    // Redis shares the objects for 0..9999 and reports INT_MAX for them.
    for (key, refcount) in [("small", 2147483647), ("top", 2147483647), ("large", 1), ("neg", 1), ("text", 1)] {
        assert_eq!(query(&mut con, &["OBJECT", "REFCOUNT", key]), Value::Int(refcount), "OBJECT REFCOUNT {key}");
    }
    assert_eq!(query(&mut con, &["OBJECT", "REFCOUNT", "missing"]), Value::Nil);
    assert!(query_int(&mut con, &["OBJECT", "IDLETIME", "text"]) <= 1);
    assert_eq!(query(&mut con, &["OBJECT", "IDLETIME", "missing"]), Value::Nil);
    assert_eq!(
        query_err(&mut con, &["OBJECT", "FREQ", "text"]),
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    );
}

#[test]
fn object_help_and_errors() {
    let (_server, mut con) = start();
    let help = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    assert_eq!(query(&mut con, &["OBJECT", "HELP"]), Value::Array(help.iter().map(|l| simple(l)).collect()));
    assert_eq!(query_err(&mut con, &["OBJECT", "foo"]), "ERR unknown subcommand 'foo'. Try OBJECT HELP.");
    assert_eq!(query_err(&mut con, &["OBJECT"]), "ERR wrong number of arguments for 'object' command");
    assert_eq!(
        query_err(&mut con, &["OBJECT", "ENCODING"]),
        "ERR wrong number of arguments for 'object|encoding' command"
    );
    // The connection is still usable after these errors.
    assert_eq!(query(&mut con, &["PING"]), simple("PONG"));
}

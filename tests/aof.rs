//! The append-only file through a real client: the directory a fresh `appendonly yes`
//! start creates, what writes log (absolute expiries, MULTI/EXEC blocks, what random
//! and blocking commands really did), restarts that replay it, BGREWRITEAOF, turning
//! the AOF on at run time, and truncated files.
//!
//! Interchange with real Redis and kill -9 crash safety are tested in
//! tests/interop/aof_files.py and tests/interop/aof_crash.py.

#[path = "common/client.rs"]
mod client;
mod common;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use client::{connect, info_field, query, query_int, query_string};
use common::TestServer;
use redis::Value;

fn start_aof(dir: &Path, configure: impl FnOnce(&mut ferrokv::Config)) -> std::io::Result<TestServer> {
    let dir = dir.display().to_string();
    TestServer::try_start_with(move |c| {
        c.dir = dir;
        c.appendonly = true;
        c.appendfilename = "redis.aof".into();
        configure(c);
    })
}

fn aof_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("appendonlydir")
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(aof_dir(dir).join("redis.aof.manifest")).expect("manifest")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(aof_dir(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The incr file's commands as text lines, for asserting what was logged.
fn logged(dir: &Path, incr: u32) -> String {
    let raw = std::fs::read(aof_dir(dir).join(format!("redis.aof.{incr}.incr.aof"))).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    // "*3\r\n$3\r\nSET\r\n..." → "SET a 1" per command.
    let mut out = Vec::new();
    let mut lines = text.split("\r\n");
    while let Some(head) = lines.next() {
        let Some(n) = head.strip_prefix('*') else { continue };
        let n: usize = n.parse().unwrap();
        let mut args = Vec::new();
        for _ in 0..n {
            lines.next();
            args.push(lines.next().unwrap_or_default().to_string());
        }
        out.push(args.join(" "));
    }
    out.join("\n")
}

/// Waits until the writer thread has written everything (everysec writes promptly).
fn settle() {
    thread::sleep(Duration::from_millis(150));
}

#[test]
fn fresh_start_creates_the_directory_as_redis_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_aof(dir.path(), |_| {}).unwrap();
    assert_eq!(names(dir.path()), ["redis.aof.1.base.rdb", "redis.aof.1.incr.aof", "redis.aof.manifest"]);
    assert_eq!(
        manifest(dir.path()),
        "file redis.aof.1.base.rdb seq 1 type b\nfile redis.aof.1.incr.aof seq 1 type i\n"
    );
    let base = std::fs::read(aof_dir(dir.path()).join("redis.aof.1.base.rdb")).unwrap();
    assert!(base.starts_with(b"REDIS0010"));
    let mut con = connect(server.addr());
    let info = query_string(&mut con, &["INFO", "persistence"]);
    assert_eq!(info_field(&info, "aof_enabled"), Some("1"));
    assert!(info_field(&info, "aof_current_size").is_some());
    // dump.rdb is never read with appendonly yes.
    assert!(!dir.path().join("dump.rdb").exists());
}

#[test]
fn writes_are_logged_as_redis_logs_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    query(&mut con, &["SET", "a", "1"]);
    query(&mut con, &["SET", "t", "v", "EX", "100"]);
    let t_at = query_int(&mut con, &["PEXPIRETIME", "t"]);
    query(&mut con, &["EXPIRE", "a", "1000"]);
    let a_at = query_int(&mut con, &["PEXPIRETIME", "a"]);
    query(&mut con, &["DEL", "missing"]);
    query(&mut con, &["INCRBYFLOAT", "f", "1.5"]);
    query(&mut con, &["SADD", "s", "x"]);
    query(&mut con, &["SPOP", "s"]);
    query(&mut con, &["RPUSH", "l", "p"]);
    query(&mut con, &["BLPOP", "l", "1"]);
    query(&mut con, &["SELECT", "3"]);
    query(&mut con, &["MULTI"]);
    query(&mut con, &["SET", "m", "1"]);
    query(&mut con, &["GET", "m"]);
    query(&mut con, &["EXEC"]);
    settle();
    let want = format!(
        "SELECT 0\nSET a 1\nSET t v PXAT {t_at}\nPEXPIREAT a {a_at}\nSET f 1.5 KEEPTTL\nSADD s x\nSREM s x\nRPUSH l p\nLPOP l\nSELECT 3\nMULTI\nSET m 1\nEXEC"
    );
    assert_eq!(logged(dir.path(), 1), want);
}

#[test]
fn restart_replays_the_log_with_ttls_and_databases() {
    let dir = tempfile::tempdir().unwrap();
    let before: Vec<Value>;
    {
        let server = start_aof(dir.path(), |_| {}).unwrap();
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "a", "1", "PX", "100000"]);
        query(&mut con, &["RPUSH", "l", "x", "y", "z"]);
        query(&mut con, &["LPOP", "l"]);
        query(&mut con, &["HSET", "h", "f", "v"]);
        query(&mut con, &["SADD", "s", "1", "2", "3"]);
        query(&mut con, &["SELECT", "5"]);
        query(&mut con, &["SET", "five", "5"]);
        query(&mut con, &["SET", "gone", "x", "PX", "1"]);
        query(&mut con, &["SELECT", "0"]);
        thread::sleep(Duration::from_millis(10));
        before = snapshot(&mut con);
        settle();
    }
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(snapshot(&mut con), before);
}

/// Values and exact expiry times of the keys these tests write.
fn snapshot(con: &mut redis::Connection) -> Vec<Value> {
    vec![
        query(con, &["GET", "a"]),
        query(con, &["PEXPIRETIME", "a"]),
        query(con, &["LRANGE", "l", "0", "-1"]),
        query(con, &["HGETALL", "h"]),
        Value::Array(
            client::sorted_strings(query(con, &["SMEMBERS", "s"]))
                .into_iter()
                .map(|m| Value::BulkString(m.into_bytes()))
                .collect(),
        ),
        query(con, &["SELECT", "5"]),
        query(con, &["GET", "five"]),
        query(con, &["EXISTS", "gone"]),
        query(con, &["SELECT", "0"]),
    ]
}

#[test]
fn bgrewriteaof_replaces_the_base_and_removes_history() {
    let dir = tempfile::tempdir().unwrap();
    let before;
    {
        let server = start_aof(dir.path(), |_| {}).unwrap();
        let mut con = connect(server.addr());
        for i in 0..1000 {
            query(&mut con, &["SET", &format!("k{i}"), &i.to_string()]);
        }
        assert_eq!(
            query(&mut con, &["BGREWRITEAOF"]),
            Value::SimpleString("Background append only file rewriting started".into())
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let info = query_string(&mut con, &["INFO", "persistence"]);
            if info_field(&info, "aof_rewrite_in_progress") == Some("0")
                && info_field(&info, "aof_rewrites") == Some("1")
            {
                break;
            }
            assert!(Instant::now() < deadline, "rewrite did not finish");
            thread::sleep(Duration::from_millis(10));
        }
        query(&mut con, &["SET", "after", "rewrite"]);
        before = query_int(&mut con, &["DBSIZE"]);
        settle();
    }
    assert_eq!(names(dir.path()), ["redis.aof.2.base.rdb", "redis.aof.2.incr.aof", "redis.aof.manifest"]);
    assert_eq!(
        manifest(dir.path()),
        "file redis.aof.2.base.rdb seq 2 type b\nfile redis.aof.2.incr.aof seq 2 type i\n"
    );
    assert_eq!(logged(dir.path(), 2), "SELECT 0\nSET after rewrite");
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(query_int(&mut con, &["DBSIZE"]), before);
    assert_eq!(query_string(&mut con, &["GET", "k999"]), "999");
}

#[test]
fn config_set_appendonly_writes_a_base_then_logs() {
    let dir = tempfile::tempdir().unwrap();
    {
        let d = dir.path().display().to_string();
        let server = TestServer::start_with(move |c| {
            c.dir = d;
            c.appendfilename = "redis.aof".into();
        });
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "before", "1"]);
        query(&mut con, &["CONFIG", "SET", "appendonly", "yes"]);
        query(&mut con, &["SET", "after", "2"]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !names(dir.path()).iter().any(|n| n.ends_with(".base.rdb")) {
            assert!(Instant::now() < deadline, "no base file");
            thread::sleep(Duration::from_millis(10));
        }
        settle();
    }
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(query_string(&mut con, &["GET", "before"]), "1");
    assert_eq!(query_string(&mut con, &["GET", "after"]), "2");
}

#[test]
fn truncated_last_file_loads_when_allowed_and_stops_start_up_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    {
        let server = start_aof(dir.path(), |_| {}).unwrap();
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "a", "1"]);
        query(&mut con, &["SET", "b", "2"]);
        settle();
    }
    let incr = aof_dir(dir.path()).join("redis.aof.1.incr.aof");
    let full = std::fs::read(&incr).unwrap();
    // Cut inside the last command's value.
    let cut = &full[..full.len() - 3];
    std::fs::write(&incr, cut).unwrap();
    let err = start_aof(dir.path(), |c| c.aof_load_truncated = false).err().expect("must refuse").to_string();
    assert!(err.contains("Unexpected end of file"), "{err}");
    assert_eq!(std::fs::read(&incr).unwrap(), cut, "a refused load must not change the file");
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(query_string(&mut con, &["GET", "a"]), "1");
    assert_eq!(query(&mut con, &["GET", "b"]), Value::Nil);
    drop(con);
    drop(server);
    // Cut back to the end of the last complete command.
    let now = std::fs::read(&incr).unwrap();
    assert!(full.starts_with(&now) && now.ends_with(b"\r\n$1\r\na\r\n$1\r\n1\r\n") || now.len() < cut.len(), "{now:?}");
    // A corrupt byte in the middle is not a truncation: start-up stops.
    let mut bad = full.clone();
    let at = bad.iter().position(|b| *b == b'$').unwrap();
    bad[at] = b'!';
    std::fs::write(&incr, &bad).unwrap();
    let err = start_aof(dir.path(), |_| {}).err().expect("must refuse").to_string();
    assert!(err.contains("Bad file format"), "{err}");
}

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

/// Waits until `n` rewrites have finished; returns INFO persistence then.
fn wait_for_rewrites(con: &mut redis::Connection, n: u32) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = query_string(con, &["INFO", "persistence"]);
        if info_field(&info, "aof_rewrite_in_progress") == Some("0")
            && info_field(&info, "aof_rewrites") == Some(n.to_string().as_str())
        {
            return info;
        }
        assert!(Instant::now() < deadline, "rewrite did not finish");
        thread::sleep(Duration::from_millis(10));
    }
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
        wait_for_rewrites(&mut con, 1);
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

#[test]
fn timestamps_annotate_the_log_and_load_back() {
    let dir = tempfile::tempdir().unwrap();
    {
        let server = start_aof(dir.path(), |c| c.aof_timestamp_enabled = true).unwrap();
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "a", "1"]);
        settle();
    }
    let raw = std::fs::read(aof_dir(dir.path()).join("redis.aof.1.incr.aof")).unwrap();
    assert!(raw.starts_with(b"#TS:"), "{:?}", String::from_utf8_lossy(&raw));
    let server = start_aof(dir.path(), |_| {}).unwrap();
    assert_eq!(query_string(&mut connect(server.addr()), &["GET", "a"]), "1");
}

/// A Redis 6 single-file AOF is moved into the directory as its base, as Redis 7 does.
#[test]
fn a_legacy_single_file_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("redis.aof"),
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nvalue\r\n",
    )
    .unwrap();
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(query_string(&mut con, &["GET", "old"]), "value");
    query(&mut con, &["SET", "new", "1"]);
    settle();
    assert!(!dir.path().join("redis.aof").exists());
    assert_eq!(names(dir.path()), ["redis.aof", "redis.aof.1.incr.aof", "redis.aof.manifest"]);
    assert_eq!(manifest(dir.path()), "file redis.aof seq 1 type b\nfile redis.aof.1.incr.aof seq 1 type i\n");
    drop(con);
    drop(server);
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(query_string(&mut con, &["GET", "old"]), "value");
    assert_eq!(query_string(&mut con, &["GET", "new"]), "1");
}

/// The last incr file cut at every byte offset: with `aof-load-truncated yes` the
/// server starts with the commands before the cut; with `no` it refuses; never a panic.
#[test]
fn truncation_at_every_offset_of_the_last_file() {
    let dir = tempfile::tempdir().unwrap();
    {
        let server = start_aof(dir.path(), |_| {}).unwrap();
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "a", "1"]);
        query(&mut con, &["MULTI"]);
        query(&mut con, &["INCR", "n"]);
        query(&mut con, &["RPUSH", "l", "x"]);
        query(&mut con, &["EXEC"]);
        query(&mut con, &["SET", "b", "2"]);
        settle();
    }
    let incr = aof_dir(dir.path()).join("redis.aof.1.incr.aof");
    let full = std::fs::read(&incr).unwrap();
    for cut in 0..full.len() {
        std::fs::write(&incr, &full[..cut]).unwrap();
        let refused = start_aof(dir.path(), |c| c.aof_load_truncated = false);
        // Cuts at a command boundary are complete files; anything else is refused.
        if let Ok(server) = refused {
            drop(server);
            let now = std::fs::read(&incr).unwrap();
            assert_eq!(now, &full[..cut], "offset {cut}: a complete prefix must load untouched");
            continue;
        }
        std::fs::write(&incr, &full[..cut]).unwrap();
        let server = start_aof(dir.path(), |_| {}).unwrap_or_else(|e| panic!("offset {cut}: {e}"));
        let mut con = connect(server.addr());
        // The transaction is wholly there or wholly not.
        let n = query(&mut con, &["EXISTS", "n"]);
        let l = query(&mut con, &["EXISTS", "l"]);
        assert_eq!(n, l, "offset {cut}: half a MULTI/EXEC was loaded");
    }
}

/// BGREWRITEAOF with `appendonly no`, as Redis 7.0.15 does it: a base in the AOF
/// directory and a manifest naming only it (older AOF files go); the server keeps not
/// logging, and a later start with the AOF on loads the base.
#[test]
fn bgrewriteaof_with_the_aof_off_writes_a_base_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    {
        // An older AOF in the directory: its files become history.
        let server = start_aof(dir.path(), |_| {}).unwrap();
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "old", "1"]);
        settle();
    }
    {
        let server = start_aof(dir.path(), |c| c.appendonly = false).unwrap();
        let mut con = connect(server.addr());
        query(&mut con, &["SET", "a", "1"]);
        query(&mut con, &["SET", "b", "2"]);
        assert_eq!(
            query(&mut con, &["BGREWRITEAOF"]),
            Value::SimpleString("Background append only file rewriting started".into())
        );
        let info = wait_for_rewrites(&mut con, 1);
        assert_eq!(info_field(&info, "aof_enabled"), Some("0"));
        assert_eq!(info_field(&info, "aof_last_bgrewrite_status"), Some("ok"));
        query(&mut con, &["SET", "not-logged", "x"]);
    }
    assert_eq!(names(dir.path()), ["redis.aof.2.base.rdb", "redis.aof.manifest"]);
    assert_eq!(manifest(dir.path()), "file redis.aof.2.base.rdb seq 2 type b\n");
    let server = start_aof(dir.path(), |_| {}).unwrap();
    let mut con = connect(server.addr());
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 2);
    assert_eq!(query_string(&mut con, &["GET", "b"]), "2");
}

/// Under `appendfsync always` the reply to a write is sent by the thread that fsyncs
/// (the connection reads on meanwhile): replies keep their order when a client sends
/// more before the first is answered, concurrent clients each get every reply, and a
/// client that half-closes after its write still gets the acknowledgement.
#[test]
fn always_replies_keep_their_order_across_clients_and_a_half_close() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = start_aof(dir.path(), |c| c.appendfsync = "always".into()).unwrap();

    let mut raw = server.connect();
    raw.send_raw(b"SET a 1\r\n").unwrap();
    raw.send_raw(b"GET a\r\n").unwrap();
    raw.send_raw(b"INCR n\r\nPING\r\n").unwrap();
    raw.send_raw(b"APPEND a 2\r\n").unwrap();
    raw.send_raw(b"SET b 1\r\nBLPOP nolist 0.05\r\n").unwrap();
    for want in [&b"+OK\r\n"[..], b"$1\r\n1\r\n", b":1\r\n", b"+PONG\r\n", b":2\r\n", b"+OK\r\n", b"*-1\r\n"] {
        assert_eq!(raw.read_reply().unwrap(), want);
    }

    let clients: Vec<_> = (0..8)
        .map(|_| {
            let addr = server.addr();
            thread::spawn(move || {
                let mut con = connect(addr);
                (0..200).map(|_| query_int(&mut con, &["INCR", "counter"])).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen: Vec<i64> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=1600).collect::<Vec<_>>());

    let mut half = std::net::TcpStream::connect(server.addr()).unwrap();
    half.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    half.write_all(b"SET h 1\r\n").unwrap();
    half.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    half.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"+OK\r\n");

    let mut con = connect(server.addr());
    assert_eq!(query_string(&mut con, &["GET", "a"]), "12");
    assert_eq!(query_string(&mut con, &["GET", "h"]), "1");
    settle();
    assert!(logged(dir.path(), 1).ends_with("SET h 1"));
}

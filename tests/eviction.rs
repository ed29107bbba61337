//! maxmemory eviction and the MEMORY commands (src/server/maxmemory.rs,
//! src/store/evict.rs, src/commands/memory_cmd.rs) through a real client, against the
//! real binary: `used_memory` comes from the binary's counting allocator, which an
//! in-process test server does not have.
//!
//! Each policy is filled past its limit; the checks are what Redis 7.0.15 does (its
//! replies recorded on that version): memory stays near the limit, the policy's keys
//! go first, OOM refuses writes under noeviction or with nothing left to evict, and an
//! eviction reaches the AOF as DEL, keyspace notifications and WATCH.

#[path = "common/client.rs"]
mod client;
mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use client::{connect, info_field, query, query_err, query_int, query_string};
use redis::Value;

/// Redis 7.0.15's reply to a write that may grow memory when nothing can be evicted.
const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
const MB: i64 = 1 << 20;

/// The server binary, killed (by its PID) when the test ends, however it ends.
struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on a free loopback port with `args`, in its own directory.
    fn start(args: &[&str]) -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), args)
    }

    fn start_in(dir: tempfile::TempDir, args: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--dir", &dir.path().display().to_string()])
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Server { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while common::RawConnection::connect(server.addr()).is_err() {
            assert!(server.child.try_wait().unwrap().is_none(), "the server exited");
            assert!(Instant::now() < deadline, "the server did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// Stops it with SHUTDOWN (the AOF is flushed) and hands its directory back.
    fn shutdown(mut self) -> tempfile::TempDir {
        let mut con = connect(self.addr());
        // The connection closes as the server stops: no reply.
        let _ = client::command(&["SHUTDOWN"]).query::<Value>(&mut con);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }
}

fn info(con: &mut redis::Connection, section: &str, field: &str) -> i64 {
    let text = query_string(con, &["INFO", section]);
    info_field(&text, field).unwrap_or_else(|| panic!("INFO {section} has no {field}")).parse().unwrap()
}

/// Writes the keys `prefix:i` for `i` in `range`, `size` bytes each, in pipelines of
/// 100 (with `EX ttl + i` when a TTL is given); every write must succeed.
fn fill(con: &mut redis::Connection, prefix: &str, range: std::ops::Range<usize>, size: usize, ttl: Option<u64>) {
    let value = vec![b'x'; size];
    let keys: Vec<usize> = range.collect();
    for chunk in keys.chunks(100) {
        let mut pipe = redis::pipe();
        for i in chunk {
            let cmd = pipe.cmd("SET").arg(format!("{prefix}:{i}")).arg(&value[..]);
            if let Some(ttl) = ttl {
                cmd.arg("EX").arg(ttl + *i as u64);
            }
        }
        let replies: Vec<Value> = pipe.query(con).unwrap_or_else(|e| panic!("SET pipeline: {e}"));
        assert!(replies.iter().all(|r| *r == Value::Okay), "{:?}", replies.iter().find(|r| **r != Value::Okay));
    }
}

/// How many of `prefix:i` for `i` in `range` exist.
fn surviving(con: &mut redis::Connection, prefix: &str, range: std::ops::Range<usize>) -> i64 {
    let keys: Vec<String> = range.map(|i| format!("{prefix}:{i}")).collect();
    keys.chunks(500).map(|c| query_int(con, &[&["EXISTS".to_string()], c].concat())).sum()
}

/// Asserts memory stayed within 5% of the limit and keys were evicted; returns
/// evicted_keys.
fn assert_bounded(con: &mut redis::Connection, limit: i64) -> i64 {
    let used = info(con, "memory", "used_memory");
    assert!(used <= limit + limit / 20, "used_memory {used} is more than 5% over maxmemory {limit}");
    let evicted = info(con, "stats", "evicted_keys");
    assert!(evicted > 0, "nothing was evicted");
    evicted
}

#[test]
fn noeviction_refuses_writes_with_redis_oom_error_and_serves_reads() {
    let server = Server::start(&["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"]);
    let mut con = connect(server.addr());
    let value = "v".repeat(1000);
    let mut written = 0;
    let err = loop {
        match client::try_query(&mut con, &["SET", &format!("k:{written}"), &value]) {
            Ok(_) => written += 1,
            Err(e) => break e,
        }
        assert!(written < 10_000, "2 MB never filled");
    };
    assert_eq!(err, OOM);
    assert!(written > 500, "only {written} keys fit in 2 MB");
    // Reads and commands that free memory still run; nothing was evicted.
    assert_eq!(query_string(&mut con, &["GET", "k:0"]), value);
    assert_eq!(query_err(&mut con, &["LPUSH", "l", "a"]), OOM);
    assert_eq!(query_int(&mut con, &["DEL", "k:0", "k:1"]), 2);
    assert_eq!(info(&mut con, "stats", "evicted_keys"), 0);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), written - 2);
    // Inside MULTI every queued command is refused, and EXEC then aborts (as Redis).
    query(&mut con, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(query(&mut con, &["MULTI"]), Value::Okay);
    assert_eq!(query_err(&mut con, &["GET", "k:2"]), OOM);
    assert_eq!(query_err(&mut con, &["EXEC"]), "EXECABORT Transaction discarded because of previous errors.");
    let errorstats = query_string(&mut con, &["INFO", "errorstats"]);
    assert!(errorstats.contains("errorstat_OOM:count="), "{errorstats}");
}

/// Every allkeys policy keeps memory at the limit under a write load of 3x the limit.
#[test]
fn allkeys_policies_keep_memory_at_the_limit() {
    for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random"] {
        let server = Server::start(&["--maxmemory", "4mb", "--maxmemory-policy", policy]);
        let mut con = connect(server.addr());
        for round in 0..3 {
            fill(&mut con, "k", round * 10_000..(round + 1) * 10_000, 400, None);
            let used = info(&mut con, "memory", "used_memory");
            assert!(used <= 4 * MB + 4 * MB / 20, "{policy}: used_memory {used} after round {round}");
        }
        let evicted = assert_bounded(&mut con, 4 * MB);
        let keys = query_int(&mut con, &["DBSIZE"]);
        assert_eq!(keys + evicted, 30_000, "{policy}: every key is either there or evicted");
        assert!(keys > 3_000, "{policy}: only {keys} keys left in 4 MB");
    }
}

/// Under a volatile policy only keys with a TTL are evicted; with none left, OOM.
#[test]
fn volatile_policies_evict_only_keys_with_a_ttl() {
    for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"] {
        let server = Server::start(&["--maxmemory", "4mb", "--maxmemory-policy", policy]);
        let mut con = connect(server.addr());
        fill(&mut con, "keep", 0..2_000, 400, None);
        fill(&mut con, "ttl", 0..20_000, 400, Some(1000));
        assert_bounded(&mut con, 4 * MB);
        assert_eq!(surviving(&mut con, "keep", 0..2_000), 2_000, "{policy}: a key without a TTL was evicted");
        // Persistent keys alone past the limit: nothing may go, so writes get OOM.
        let value = "p".repeat(400);
        let mut err = None;
        for i in 0..40_000 {
            if let Err(e) = client::try_query(&mut con, &["SET", &format!("more:{i}"), &value]) {
                err = Some(e);
                break;
            }
        }
        assert_eq!(err.as_deref(), Some(OOM), "{policy}");
        assert_eq!(surviving(&mut con, "ttl", 0..20_000), 0, "{policy}: every key with a TTL went first");
        assert_eq!(surviving(&mut con, "keep", 0..2_000), 2_000, "{policy}");
    }
}

/// volatile-ttl evicts the keys closest to expiring first.
#[test]
fn volatile_ttl_evicts_the_shortest_ttls_first() {
    let server = Server::start(&["--maxmemory", "4mb", "--maxmemory-policy", "volatile-ttl"]);
    let mut con = connect(server.addr());
    // ttl:i expires in 1000 + i seconds: low i first.
    fill(&mut con, "ttl", 0..20_000, 400, Some(1000));
    assert_bounded(&mut con, 4 * MB);
    let first_half = surviving(&mut con, "ttl", 0..10_000);
    let second_half = surviving(&mut con, "ttl", 10_000..20_000);
    assert!(
        second_half > 3 * first_half,
        "short TTLs survived: {first_half} of the first half, {second_half} of the second"
    );
}

/// allkeys-lru keeps recently used keys; allkeys-lfu keeps often used ones.
#[test]
fn lru_and_lfu_keep_the_hot_keys() {
    for policy in ["allkeys-lru", "allkeys-lfu"] {
        let server = Server::start(&["--maxmemory", "6mb", "--maxmemory-policy", policy]);
        let mut con = connect(server.addr());
        // 4.5 MB of keys, no eviction yet; then the first 200 are used (LRU: two
        // seconds later than the rest were written, the clock's unit being a second;
        // LFU: 50 times each), then 3 MB more is written.
        fill(&mut con, "cold", 0..10_000, 400, None);
        assert_eq!(info(&mut con, "stats", "evicted_keys"), 0, "{policy}: evicted before the limit");
        std::thread::sleep(Duration::from_secs(2));
        let hot: Vec<String> = (0..200).map(|i| format!("cold:{i}")).collect();
        for _ in 0..if policy == "allkeys-lfu" { 50 } else { 1 } {
            let mut pipe = redis::pipe();
            for k in &hot {
                pipe.cmd("GET").arg(k);
            }
            let _: Vec<Value> = pipe.query(&mut con).unwrap();
        }
        fill(&mut con, "new", 0..7_000, 400, None);
        assert_bounded(&mut con, 6 * MB);
        let hot_left = surviving(&mut con, "cold", 0..200);
        let cold_left = surviving(&mut con, "cold", 200..10_000);
        assert!(hot_left >= 190, "{policy}: only {hot_left} of 200 hot keys survived");
        assert!(cold_left < 9_800 * 3 / 4, "{policy}: {cold_left} of 9,800 cold keys survived");
    }
}

/// An eviction is a DEL in the AOF (so a restart has exactly the keys that were left),
/// an `evicted` keyspace event, and a change WATCH sees.
#[test]
fn evictions_reach_the_aof_notifications_and_watch() {
    let args = ["--maxmemory", "3mb", "--maxmemory-policy", "allkeys-random", "--appendonly", "yes"];
    let server = Server::start(&args);
    let mut con = connect(server.addr());
    query(&mut con, &["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    // The subscriber reads as the events come (an unread subscriber's output buffer
    // would itself count against maxmemory, in Redis as here).
    let mut sub = connect(server.addr());
    let (subscribed_tx, subscribed) = std::sync::mpsc::channel();
    let heard = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let heard_by_listener = heard.clone();
    let listener = std::thread::spawn(move || {
        let mut pubsub = sub.as_pubsub();
        pubsub.subscribe("__keyevent@0__:evicted").unwrap();
        pubsub.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        subscribed_tx.send(()).unwrap();
        let mut events = Vec::new();
        // Until the test publishes its end marker on the channel.
        while let Ok(msg) = pubsub.get_message() {
            let payload = msg.get_payload::<String>().unwrap();
            if payload == "end-of-test" {
                break;
            }
            events.push((msg.get_channel_name().to_string(), payload));
            heard_by_listener.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        events
    });
    subscribed.recv_timeout(Duration::from_secs(5)).unwrap();
    query(&mut con, &["SET", "watched", "1"]);
    let mut watcher = connect(server.addr());
    query(&mut watcher, &["WATCH", "watched"]);
    // In steps, each once the subscriber heard every eviction so far: on a loaded
    // machine it lags, and its unread events count against maxmemory (as in Redis),
    // so an unpaced stream could leave nothing to evict but the subscriber's buffer.
    for step in (0..9_000).step_by(500) {
        fill(&mut con, "k", step..step + 500, 400, None);
        let evicted = info(&mut con, "stats", "evicted_keys");
        let start = std::time::Instant::now();
        while heard.load(std::sync::atomic::Ordering::SeqCst) < evicted {
            assert!(start.elapsed() < Duration::from_secs(20), "the subscriber never heard {evicted} evictions");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let evicted = assert_bounded(&mut con, 3 * MB);
    query(&mut con, &["PUBLISH", "__keyevent@0__:evicted", "end-of-test"]);
    let events = listener.join().unwrap();
    assert_eq!(events.len() as i64, evicted, "one `evicted` event per evicted key");
    assert!(events.iter().all(|(channel, key)| channel == "__keyevent@0__:evicted" && !key.is_empty()));
    // Lower the limit below anything reachable: every key goes, `watched` among them.
    query(&mut con, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
    assert_eq!(info(&mut con, "stats", "evicted_keys"), 9_001);
    assert!(evicted < 9_001);
    // Nothing left to evict: even allkeys policies refuse writes.
    assert_eq!(query_err(&mut con, &["SET", "x", "y"]), OOM);
    query(&mut con, &["CONFIG", "SET", "maxmemory", "3mb"]);
    assert_eq!(query(&mut watcher, &["MULTI"]), Value::Okay);
    query(&mut watcher, &["GET", "watched"]);
    assert_eq!(query(&mut watcher, &["EXEC"]), Value::Nil, "EXEC ran although the watched key was evicted");
    fill(&mut con, "after", 0..2_000, 400, None);
    let before: Vec<String> = client::sorted_strings(query(&mut con, &["KEYS", "*"]));
    drop((con, watcher));
    let dir = server.shutdown();
    let incr = std::fs::read_dir(dir.path().join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.display().to_string().ends_with(".incr.aof"))
        .expect("an incr file");
    let log = std::fs::read(&incr).unwrap();
    assert!(log.windows(9).any(|w| w == b"$3\r\nDEL\r\n"), "no DEL in the AOF");
    // Restarted from the AOF: exactly the keys that were left. (Without the limit: the
    // restarted server's own overhead may differ a little, and at the limit it would
    // evict a few keys after loading, as Redis does.)
    let server = Server::start_in(dir, &["--appendonly", "yes"]);
    let mut con = connect(server.addr());
    let after: Vec<String> = client::sorted_strings(query(&mut con, &["KEYS", "*"]));
    assert_eq!(after.len(), before.len());
    assert!(after == before, "the AOF brought back other keys than were left");
}

/// CONFIG SET maxmemory takes effect at once; INFO memory and stats report it.
#[test]
fn config_set_maxmemory_evicts_at_once() {
    let server = Server::start(&["--maxmemory-policy", "allkeys-lru"]);
    let mut con = connect(server.addr());
    fill(&mut con, "k", 0..20_000, 400, None);
    assert_eq!(info(&mut con, "stats", "evicted_keys"), 0);
    query(&mut con, &["CONFIG", "SET", "maxmemory", "4mb"]);
    assert!(info(&mut con, "memory", "used_memory") <= 4 * MB + 4 * MB / 20);
    assert!(info(&mut con, "stats", "evicted_keys") > 0);
    assert_eq!(info(&mut con, "memory", "maxmemory"), 4 * MB);
    let text = query_string(&mut con, &["INFO", "memory"]);
    assert_eq!(info_field(&text, "maxmemory_policy"), Some("allkeys-lru"));
    assert_eq!(info_field(&text, "maxmemory_human"), Some("4.00M"));
    // Memory hovers at the limit, so evictions go on; without a limit they stop.
    query(&mut con, &["CONFIG", "SET", "maxmemory", "0"]);
    query(&mut con, &["CONFIG", "RESETSTAT"]);
    assert_eq!(info(&mut con, "stats", "evicted_keys"), 0);
}

#[test]
fn memory_usage_stats_doctor_help() {
    let server = Server::start(&[]);
    let mut con = connect(server.addr());
    assert_eq!(query(&mut con, &["MEMORY", "USAGE", "missing"]), Value::Nil);
    query(&mut con, &["SET", "small", "v"]);
    query(&mut con, &["SET", "big", &"x".repeat(10_000)]);
    let small = query_int(&mut con, &["MEMORY", "USAGE", "small"]);
    let big = query_int(&mut con, &["MEMORY", "USAGE", "big", "SAMPLES", "0"]);
    assert!((16..200).contains(&small), "MEMORY USAGE small = {small}");
    assert!((10_000..11_000).contains(&big), "MEMORY USAGE big = {big}");
    // Redis 7.0.15's errors for SAMPLES.
    assert_eq!(query_err(&mut con, &["MEMORY", "USAGE", "small", "SAMPLES", "-1"]), "ERR syntax error");
    assert_eq!(
        query_err(&mut con, &["MEMORY", "USAGE", "small", "SAMPLES", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(query_err(&mut con, &["MEMORY", "USAGE", "small", "SAMPLES"]), "ERR syntax error");
    assert_eq!(query_err(&mut con, &["MEMORY", "USAGE", "small", "foo", "1"]), "ERR syntax error");
    assert_eq!(query_err(&mut con, &["MEMORY", "foo"]), "ERR unknown subcommand 'foo'. Try MEMORY HELP.");
    assert_eq!(query_err(&mut con, &["MEMORY"]), "ERR wrong number of arguments for 'memory' command");
    assert_eq!(query(&mut con, &["MEMORY", "PURGE"]), Value::Okay);
    // STATS: Redis's fields, in its order, with this instance's figures.
    let Value::Array(stats) = query(&mut con, &["MEMORY", "STATS"]) else { panic!("MEMORY STATS is not an array") };
    let names: Vec<String> = stats
        .iter()
        .step_by(2)
        .map(|v| match v {
            Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("field name {other:?}"),
        })
        .collect();
    assert_eq!(names[..3], ["peak.allocated", "total.allocated", "startup.allocated"]);
    assert_eq!(names[10], "db.0");
    assert_eq!(names.last().map(String::as_str), Some("fragmentation.bytes"));
    assert_eq!(names.len(), 28, "{names:?}");
    let keys_count = names.iter().position(|n| n == "keys.count").unwrap();
    assert_eq!(stats[keys_count * 2 + 1], Value::Int(2));
    // DOCTOR under 5 MB: Redis's words for an instance too small to judge.
    let doctor = query_string(&mut con, &["MEMORY", "DOCTOR"]);
    assert!(doctor.starts_with("Hi Sam, this instance is empty or is using very little memory"), "{doctor}");
    fill(&mut con, "k", 0..20_000, 400, None);
    let doctor = query_string(&mut con, &["MEMORY", "DOCTOR"]);
    assert!(
        doctor.starts_with("Hi Sam, I can't find any memory issue") || doctor.starts_with("Sam, I detected"),
        "{doctor}"
    );
    let malloc = query_string(&mut con, &["MEMORY", "MALLOC-STATS"]);
    assert!(malloc.starts_with("___ Begin jemalloc statistics ___"), "{}", &malloc[..80.min(malloc.len())]);
    let Value::Array(help) = query(&mut con, &["MEMORY", "HELP"]) else { panic!("MEMORY HELP is not an array") };
    assert_eq!(help.len(), 14);
    assert_eq!(help[0], Value::SimpleString("MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into()));
}

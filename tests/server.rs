//! Server commands (src/commands/server_cmd.rs, config_cmd.rs, introspection.rs)
//! through a real client: INFO and its sections, TIME, CONFIG GET/SET, COMMAND
//! COUNT/INFO/LIST/GETKEYS, DEBUG off and on, and SHUTDOWN stopping an embedded
//! server, with Redis 7.0.15's replies.

#[path = "common/client.rs"]
mod client;
mod common;

use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use client::{bulk, bulks, connect, info_field, query, query_err, query_int, query_string};
use common::TestServer;
use redis::Value;

const SYNTAX: &str = "ERR syntax error";

fn start() -> (TestServer, redis::Connection) {
    let server = TestServer::start();
    let con = connect(server.addr());
    (server, con)
}

fn start_with_debug() -> (TestServer, redis::Connection) {
    let server = TestServer::start_with(|cfg| {
        cfg.enable_debug_command = ferrokv::config::Enable::Yes;
    });
    let con = connect(server.addr());
    (server, con)
}

/// The `# Section` headers of an INFO reply, in order.
fn sections(info: &str) -> Vec<&str> {
    info.lines().filter(|l| l.starts_with("# ")).collect()
}

/// The `k=v` pairs of an INFO value such as `calls=3,usec=5,...`.
fn pairs(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or_else(|| panic!("no '=' in {kv:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    &pairs.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no {name}")).1
}

#[test]
fn info_default_sections_and_server_fields() {
    let (_server, mut con) = start();
    let default = [
        "# Server",
        "# Clients",
        "# Memory",
        "# Persistence",
        "# Stats",
        "# Replication",
        "# CPU",
        "# Modules",
        "# Errorstats",
        "# Cluster",
        "# Keyspace",
    ];
    let info = query_string(&mut con, &["INFO"]);
    assert_eq!(sections(&info), default);
    assert!(info.contains("\r\n"), "INFO lines end with CRLF");
    assert_eq!(sections(&query_string(&mut con, &["INFO", "default"])), default);
    let everything = [
        "# Server",
        "# Clients",
        "# Memory",
        "# Persistence",
        "# Stats",
        "# Replication",
        "# CPU",
        "# Modules",
        "# Commandstats",
        "# Errorstats",
        "# Latencystats",
        "# Cluster",
        "# Keyspace",
    ];
    assert_eq!(sections(&query_string(&mut con, &["INFO", "all"])), everything);
    assert_eq!(sections(&query_string(&mut con, &["INFO", "everything"])), everything);
    assert_eq!(sections(&query_string(&mut con, &["INFO", "CLIENTS", "server"])), ["# Server", "# Clients"]);
    assert_eq!(query(&mut con, &["INFO", "nosuchsection"]), bulk(""));

    let server = query_string(&mut con, &["INFO", "server"]);
    assert_eq!(info_field(&server, "redis_version"), Some("7.0.15"));
    assert_eq!(info_field(&server, "redis_mode"), Some("standalone"));
    assert_eq!(info_field(&server, "hz"), Some("10"));
    assert_eq!(info_field(&server, "tcp_port"), Some(_server.addr().port().to_string().as_str()));
    assert_eq!(info_field(&server, "process_id"), Some(std::process::id().to_string().as_str()));
    let run_id = info_field(&server, "run_id").expect("run_id");
    assert!(run_id.len() == 40 && run_id.bytes().all(|c| c.is_ascii_hexdigit()));
    let clients = query_string(&mut con, &["INFO", "clients"]);
    assert_eq!(info_field(&clients, "connected_clients"), Some("1"));
    let replication = query_string(&mut con, &["INFO", "replication"]);
    assert_eq!(info_field(&replication, "role"), Some("master"));
}

#[test]
fn info_keyspace_lists_non_empty_databases() {
    let (_server, mut con) = start();
    assert_eq!(query_string(&mut con, &["INFO", "keyspace"]), "# Keyspace\r\n");
    assert_eq!(query(&mut con, &["MSET", "a", "1", "b", "2", "c", "3"]), Value::Okay);
    assert_eq!(query_string(&mut con, &["INFO", "keyspace"]), "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n");
    assert_eq!(query(&mut con, &["SELECT", "2"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "x", "1", "EX", "1000"]), Value::Okay);
    assert_eq!(query(&mut con, &["SET", "y", "1"]), Value::Okay);
    // Redis moves avg_ttl (an estimate in ms) away from 0 on its first expiry
    // cycle; the line must at least carry the counts.
    let keyspace = query_string(&mut con, &["INFO", "keyspace"]);
    let lines: Vec<&str> = keyspace.lines().collect();
    assert_eq!(lines[..2], ["# Keyspace", "db0:keys=3,expires=0,avg_ttl=0"]);
    assert!(lines[2].starts_with("db2:keys=2,expires=1,avg_ttl="), "{keyspace:?}");
    thread::sleep(Duration::from_millis(350));
    // Redis estimates avg_ttl by sampling; ours is exact: the TTL left, in ms.
    let keyspace = query_string(&mut con, &["INFO", "keyspace"]);
    let db2 = keyspace.lines().find(|l| l.starts_with("db2:")).expect("db2 line");
    let avg: u64 = db2.rsplit('=').next().unwrap().parse().unwrap();
    assert!(avg > 0, "{keyspace:?}");
}

/// Command statistics live in the command table, which every server in this
/// process shares, so this test reads only STRLEN, which no other test here runs.
#[test]
fn info_commandstats_counts_calls_and_failures() {
    let (_server, mut con) = start();
    for _ in 0..3 {
        assert_eq!(query(&mut con, &["STRLEN", "missing"]), Value::Int(0));
    }
    assert_eq!(query(&mut con, &["RPUSH", "l", "a"]), Value::Int(1));
    assert_eq!(
        query_err(&mut con, &["STRLEN", "l"]),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    assert_eq!(query_err(&mut con, &["STRLEN"]), "ERR wrong number of arguments for 'strlen' command");
    let stats = query_string(&mut con, &["INFO", "commandstats"]);
    assert!(stats.starts_with("# Commandstats\r\n"), "{stats:?}");
    let strlen = pairs(info_field(&stats, "cmdstat_strlen").expect("cmdstat_strlen"));
    let names: Vec<&str> = strlen.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["calls", "usec", "usec_per_call", "rejected_calls", "failed_calls"]);
    assert_eq!(pair(&strlen, "calls"), "4");
    assert_eq!(pair(&strlen, "failed_calls"), "1");
    // The arity error counts as a rejected call of STRLEN, as in Redis 7.0.15.
    assert_eq!(pair(&strlen, "rejected_calls"), "1");
    let per_call: f64 = pair(&strlen, "usec_per_call").parse().unwrap();
    assert!(per_call >= 0.0);
    // Subcommands are reported as container|sub.
    let _ = query_string(&mut con, &["CLIENT", "INFO"]);
    let stats = query_string(&mut con, &["INFO", "commandstats"]);
    assert!(info_field(&stats, "cmdstat_client|info").is_some(), "{stats:?}");
}

#[test]
fn info_errorstats_counts_by_code() {
    let (_server, mut con) = start();
    assert_eq!(query_string(&mut con, &["INFO", "errorstats"]), "# Errorstats\r\n");
    assert_eq!(query(&mut con, &["SADD", "s", "a"]), Value::Int(1));
    let _ = query_err(&mut con, &["GET", "s"]);
    let _ = query_err(&mut con, &["INCR", "s"]);
    let _ = query_err(&mut con, &["SET", "k", "v", "NX", "XX"]);
    let _ = query_err(&mut con, &["NOSUCHCOMMAND"]);
    assert_eq!(
        query_string(&mut con, &["INFO", "errorstats"]),
        "# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=2\r\n"
    );
    let stats = query_string(&mut con, &["INFO", "stats"]);
    assert_eq!(info_field(&stats, "total_error_replies"), Some("4"));
}

#[test]
fn time_is_now() {
    let (_server, mut con) = start();
    let Value::Array(parts) = query(&mut con, &["TIME"]) else {
        panic!("TIME replies with an array");
    };
    let [Value::BulkString(secs), Value::BulkString(micros)] = &parts[..] else {
        panic!("TIME replies with two bulk strings: {parts:?}");
    };
    let secs: u64 = String::from_utf8_lossy(secs).parse().unwrap();
    let micros: u64 = String::from_utf8_lossy(micros).parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(secs.abs_diff(now) <= 2, "TIME {secs} vs {now}");
    assert!(micros < 1_000_000);
    assert_eq!(query_err(&mut con, &["TIME", "x"]), "ERR wrong number of arguments for 'time' command");
}

#[test]
fn config_get_and_set() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["CONFIG", "GET", "hz"]), bulks(&["hz", "10"]));
    assert_eq!(query(&mut con, &["CONFIG", "GET", "databases"]), bulks(&["databases", "16"]));
    assert_eq!(query(&mut con, &["CONFIG", "GET", "h?"]), bulks(&["hz", "10"]));
    assert_eq!(query(&mut con, &["CONFIG", "GET", "nosuchparam"]), Value::Array(vec![]));
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hz", "20"]), Value::Okay);
    assert_eq!(query(&mut con, &["CONFIG", "GET", "hz"]), bulks(&["hz", "20"]));
    let info = query_string(&mut con, &["INFO", "server"]);
    assert_eq!(info_field(&info, "hz"), Some("20"));
    assert_eq!(query_err(&mut con, &["CONFIG", "SET", "hz"]), "ERR wrong number of arguments for 'config|set' command");
    assert_eq!(query_err(&mut con, &["CONFIG", "GET"]), "ERR wrong number of arguments for 'config|get' command");
    assert_eq!(query_err(&mut con, &["CONFIG", "FOO"]), "ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
}

/// CONFIG GET/SET edge cases, with the replies recorded from Redis 7.0.15.
#[test]
fn config_get_set_edge_cases() {
    let (_server, mut con) = start();
    // A parameter asked for without a glob is named as the caller spelled it.
    assert_eq!(query(&mut con, &["CONFIG", "GET", "HZ"]), bulks(&["HZ", "10"]));
    assert_eq!(query(&mut con, &["CONFIG", "GET", "maxmemory"]), bulks(&["maxmemory", "0"]));
    assert_eq!(
        query_err(&mut con, &["CONFIG", "SET", "nosuchparam", "1"]),
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuchparam'"
    );
    assert_eq!(
        query_err(&mut con, &["CONFIG", "SET", "hz", "abc"]),
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"
    );
    assert_eq!(query_err(&mut con, &["CONFIG", "SET", "hz", "10", "port"]), "ERR syntax error");
    // hz is clamped to 1..500.
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hz", "0"]), Value::Okay);
    assert_eq!(query(&mut con, &["CONFIG", "GET", "hz"]), bulks(&["hz", "1"]));
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hz", "1000"]), Value::Okay);
    assert_eq!(query(&mut con, &["CONFIG", "GET", "hz"]), bulks(&["hz", "500"]));
    // Several pairs are applied all or nothing.
    assert_eq!(
        query_err(&mut con, &["CONFIG", "SET", "hz", "20", "maxmemory", "nope"]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
    );
    assert_eq!(query(&mut con, &["CONFIG", "GET", "hz"]), bulks(&["hz", "500"]));
    assert_eq!(query(&mut con, &["CONFIG", "SET", "hz", "20", "maxmemory", "1mb"]), Value::Okay);
    // Several patterns: Redis's order is its dict's, so compare as pairs.
    let Value::Array(flat) = query(&mut con, &["CONFIG", "GET", "maxmemory", "hz"]) else { panic!("array") };
    let mut pairs: Vec<(Value, Value)> = flat.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    pairs.sort_by_key(|(k, _)| format!("{k:?}"));
    assert_eq!(pairs, vec![(bulk("hz"), bulk("20")), (bulk("maxmemory"), bulk("1048576"))]);
}

#[test]
fn command_count_list_and_info() {
    let (_server, mut con) = start();
    let count = query_int(&mut con, &["COMMAND", "COUNT"]);
    let Value::Array(all) = query(&mut con, &["COMMAND"]) else {
        panic!("COMMAND replies with an array");
    };
    let Value::Array(names) = query(&mut con, &["COMMAND", "LIST"]) else {
        panic!("COMMAND LIST replies with an array");
    };
    let names: Vec<String> = names
        .into_iter()
        .map(|n| match n {
            Value::BulkString(b) => String::from_utf8(b).unwrap(),
            other => panic!("a command name: {other:?}"),
        })
        .collect();
    // COUNT, COMMAND and LIST agree; LIST also names every subcommand.
    assert_eq!(all.len() as i64, count);
    assert_eq!(names.iter().filter(|n| !n.contains('|')).count() as i64, count);
    for expected in ["get", "set", "client", "client|list", "config|get", "command|getkeys"] {
        assert!(names.iter().any(|n| n == expected), "COMMAND LIST lacks {expected}");
    }
    // Redis 7.0.15 replies 240 to COMMAND COUNT; ours counts what it implements
    // (deliberate: COMMAND describes this server).
    assert!(count < 240, "COMMAND COUNT {count}");
    let client_subs = names.iter().filter(|n| n.starts_with("client|")).count();
    let Value::Array(filtered) = query(&mut con, &["COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*"]) else {
        panic!("COMMAND LIST FILTERBY replies with an array");
    };
    assert_eq!(filtered.len(), client_subs);

    let simple = |s: &str| Value::SimpleString(s.to_string());
    // As Redis 7.0.15: no tips, GET's key spec, no subcommands.
    assert_eq!(
        query(&mut con, &["COMMAND", "INFO", "get", "nosuchcommand"]),
        Value::Array(vec![
            Value::Array(vec![
                bulk("get"),
                Value::Int(2),
                Value::Array(vec![simple("readonly"), simple("fast")]),
                Value::Int(1),
                Value::Int(1),
                Value::Int(1),
                Value::Array(vec![simple("@read"), simple("@string"), simple("@fast")]),
                Value::Array(vec![]),
                Value::Array(vec![Value::Array(vec![
                    bulk("flags"),
                    Value::Array(vec![simple("RO"), simple("access")]),
                    bulk("begin_search"),
                    Value::Array(vec![
                        bulk("type"),
                        bulk("index"),
                        bulk("spec"),
                        Value::Array(vec![bulk("index"), Value::Int(1)]),
                    ]),
                    bulk("find_keys"),
                    Value::Array(vec![
                        bulk("type"),
                        bulk("range"),
                        bulk("spec"),
                        Value::Array(vec![
                            bulk("lastkey"),
                            Value::Int(0),
                            bulk("keystep"),
                            Value::Int(1),
                            bulk("limit"),
                            Value::Int(0),
                        ]),
                    ]),
                ])]),
                Value::Array(vec![]),
            ]),
            Value::Nil,
        ])
    );
    assert_eq!(
        query_err(&mut con, &["COMMAND", "COUNT", "x"]),
        "ERR wrong number of arguments for 'command|count' command"
    );
    assert_eq!(query_err(&mut con, &["COMMAND", "FOO"]), "ERR unknown subcommand 'FOO'. Try COMMAND HELP.");
}

#[test]
fn command_getkeys() {
    let (_server, mut con) = start();
    assert_eq!(query(&mut con, &["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"]), bulks(&["a", "b"]));
    assert_eq!(query(&mut con, &["COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10"]), bulks(&["k"]));
    assert_eq!(query(&mut con, &["COMMAND", "GETKEYS", "rename", "x", "y"]), bulks(&["x", "y"]));
    assert_eq!(query_err(&mut con, &["COMMAND", "GETKEYS", "NOSUCH", "a"]), "ERR Invalid command specified");
    assert_eq!(
        query_err(&mut con, &["COMMAND", "GETKEYS", "SET", "k"]),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(
        query_err(&mut con, &["COMMAND", "GETKEYS", "MSET", "a"]),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(query_err(&mut con, &["COMMAND", "GETKEYS", "PING", "x"]), "ERR The command has no key arguments");
    assert_eq!(
        query_err(&mut con, &["COMMAND", "GETKEYS", "GET"]),
        "ERR wrong number of arguments for 'command|getkeys' command"
    );
}

#[test]
fn debug_is_refused_by_default() {
    let (_server, mut con) = start();
    let refused = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
    for args in [&["DEBUG", "SLEEP", "0"][..], &["DEBUG", "POPULATE", "10"], &["DEBUG", "HELP"]] {
        assert_eq!(query_err(&mut con, args), refused, "{args:?}");
    }
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 0);
}

#[test]
fn debug_when_enabled() {
    let (_server, mut con) = start_with_debug();
    assert_eq!(query(&mut con, &["DEBUG", "SLEEP", "0"]), Value::Okay);
    let start = Instant::now();
    assert_eq!(query(&mut con, &["DEBUG", "SLEEP", "0.1"]), Value::Okay);
    assert!(start.elapsed() >= Duration::from_millis(90));

    assert_eq!(query(&mut con, &["SET", "k", "hello"]), Value::Okay);
    let object = query_string(&mut con, &["DEBUG", "OBJECT", "k"]);
    let words: Vec<&str> = object.split(' ').collect();
    assert_eq!(words.len(), 7, "{object:?}");
    assert_eq!(words[0], "Value");
    assert!(words[1].starts_with("at:0x"), "{object:?}");
    assert_eq!(words[2..5], ["refcount:1", "encoding:embstr", "serializedlength:6"], "{object:?}");
    assert!(words[5].starts_with("lru:"), "{object:?}");
    // Whole seconds: 0, or 1 across a second boundary.
    assert!(["lru_seconds_idle:0", "lru_seconds_idle:1"].contains(&words[6]), "{object:?}");
    assert_eq!(query_err(&mut con, &["DEBUG", "OBJECT", "missing"]), "ERR no such key");

    assert_eq!(query(&mut con, &["DEBUG", "POPULATE", "100"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 101);
    assert_eq!(query(&mut con, &["GET", "key:42"]), bulk("value:42"));
    // Existing keys are left alone; prefix and size are honoured.
    assert_eq!(query(&mut con, &["SET", "key:7", "mine"]), Value::Okay);
    assert_eq!(query(&mut con, &["DEBUG", "POPULATE", "100"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "key:7"]), bulk("mine"));
    assert_eq!(query(&mut con, &["DEBUG", "POPULATE", "10", "pre", "5"]), Value::Okay);
    assert_eq!(query(&mut con, &["GET", "pre:3"]), bulk("value"));
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 111);
    let Value::Array(help) = query(&mut con, &["DEBUG", "HELP"]) else {
        panic!("DEBUG HELP replies with an array");
    };
    assert_eq!(
        help.first(),
        Some(&Value::SimpleString("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into()))
    );
    assert_eq!(query_err(&mut con, &["DEBUG"]), "ERR wrong number of arguments for 'debug' command");
}

#[test]
fn debug_differences_from_redis() {
    let (_server, mut con) = start_with_debug();
    assert_eq!(
        query_err(&mut con, &["DEBUG", "foo"]),
        "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."
    );
    assert_eq!(
        query_err(&mut con, &["DEBUG", "sleep"]),
        "ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP."
    );
    assert_eq!(query_err(&mut con, &["DEBUG", "POPULATE", "-1"]), "ERR value is out of range, must be positive");
    // The shared integers 0..9999 report refcount INT_MAX, as OBJECT REFCOUNT does.
    assert_eq!(query(&mut con, &["SET", "n", "5"]), Value::Okay);
    let object = query_string(&mut con, &["DEBUG", "OBJECT", "n"]);
    assert!(object.contains(" refcount:2147483647 encoding:int serializedlength:2 "), "{object:?}");
}

#[test]
fn shutdown_options_are_checked() {
    let (_server, mut con) = start();
    assert_eq!(query_err(&mut con, &["SHUTDOWN", "ABORT"]), "ERR No shutdown in progress.");
    assert_eq!(query_err(&mut con, &["SHUTDOWN", "FOO"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SHUTDOWN", "NOSAVE", "SAVE"]), SYNTAX);
    assert_eq!(query_err(&mut con, &["SHUTDOWN", "ABORT", "NOW"]), SYNTAX);
    assert_eq!(query(&mut con, &["PING"]), Value::SimpleString("PONG".into()));
}

/// SHUTDOWN ends `Server::run_until` on its own; this test embeds the server
/// directly (not through TestServer) to watch that happen.
#[test]
#[allow(clippy::field_reassign_with_default)]
fn shutdown_stops_the_server() {
    let (addr_tx, addr_rx) = mpsc::channel::<SocketAddr>();
    let runner = thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
        let result = runtime.block_on(async move {
            let mut config = ferrokv::Config::default();
            config.port = 0;
            config.bind = vec!["127.0.0.1".to_string()];
            config.save = Vec::new();
            config.appendonly = false;
            let server = ferrokv::Server::bind(config).await.expect("bind");
            addr_tx.send(server.local_addr()).expect("report the address");
            // Nothing but SHUTDOWN can end this.
            server.run_until(std::future::pending::<()>()).await
        });
        runtime.shutdown_timeout(Duration::from_secs(5));
        result
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).expect("the server started");
    let mut con = connect(addr);
    let mut bystander = connect(addr);
    assert_eq!(query(&mut con, &["SET", "k", "v"]), Value::Okay);
    // Redis closes the connection instead of replying.
    let reply = redis::cmd("SHUTDOWN").arg("NOSAVE").query::<Value>(&mut con);
    assert!(reply.as_ref().is_err_and(|e| e.is_io_error() || e.is_connection_dropped()), "SHUTDOWN replied {reply:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !runner.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(runner.is_finished(), "run_until did not return after SHUTDOWN");
    runner.join().expect("the server thread").expect("run_until returned Ok");
    assert!(redis::cmd("PING").query::<Value>(&mut bystander).is_err(), "other connections are closed");
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(), "the listener is closed");
}

/// SLOWLOG, with Redis 7.0.15's entry shape and texts.
#[test]
fn slowlog_records_slow_commands() {
    let (_server, mut con) = start();
    assert_eq!(query_int(&mut con, &["SLOWLOG", "LEN"]), 0);
    assert_eq!(query(&mut con, &["CONFIG", "SET", "slowlog-log-slower-than", "0"]), Value::Okay);
    let long = "x".repeat(200);
    assert_eq!(query(&mut con, &["SET", "k", &long]), Value::Okay);
    let Value::Array(entries) = query(&mut con, &["SLOWLOG", "GET", "1"]) else { panic!("array") };
    assert_eq!(entries.len(), 1);
    let Value::Array(entry) = &entries[0] else { panic!("entry") };
    assert_eq!(entry.len(), 6);
    let expected_arg = format!("{}... (72 more bytes)", "x".repeat(128));
    assert_eq!(entry[3], bulks(&["SET", "k", &expected_arg]));
    assert!(query_int(&mut con, &["SLOWLOG", "LEN"]) >= 2);
    assert_eq!(query_err(&mut con, &["SLOWLOG", "GET", "x"]), "ERR count should be greater than or equal to -1");
    assert_eq!(query(&mut con, &["SLOWLOG", "RESET"]), Value::Okay);
    assert_eq!(query(&mut con, &["CONFIG", "SET", "slowlog-log-slower-than", "10000"]), Value::Okay);
    assert_eq!(query_int(&mut con, &["SLOWLOG", "LEN"]), 1);
    assert_eq!(query_err(&mut con, &["SLOWLOG", "FOO"]), "ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.");
}

/// `rename-command` (configuration file only): the old name is unknown, the new one
/// runs the command, `""` disables it; a bad line stops start-up with Redis's text.
#[test]
fn rename_command_renames_and_disables() {
    let server = TestServer::start_with(|cfg| {
        cfg.apply_conf_text("rename-command CONFIG cfg2\nrename-command flushall \"\"\nrename-command get g\n", "test")
            .unwrap();
    });
    let mut con = connect(server.addr());
    assert_eq!(
        query_err(&mut con, &["CONFIG", "GET", "port"]),
        "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' "
    );
    assert_eq!(query(&mut con, &["CFG2", "GET", "databases"]), bulks(&["databases", "16"]));
    assert_eq!(query_err(&mut con, &["cfg2", "foo"]), "ERR unknown subcommand 'foo'. Try CFG2 HELP.");
    assert_eq!(query_err(&mut con, &["FLUSHALL"]), "ERR unknown command 'FLUSHALL', with args beginning with: ");
    query(&mut con, &["SET", "k", "v"]);
    assert_eq!(query(&mut con, &["g", "k"]), bulk("v"));
    assert_eq!(query_err(&mut con, &["get", "k"]), "ERR unknown command 'get', with args beginning with: 'k' ");
    // Inside MULTI the new name queues and runs.
    query(&mut con, &["MULTI"]);
    query(&mut con, &["g", "k"]);
    assert_eq!(query(&mut con, &["EXEC"]), Value::Array(vec![bulk("v")]));
    // COMMAND INFO answers to the new name only.
    assert_eq!(query(&mut con, &["COMMAND", "INFO", "config"]), Value::Array(vec![Value::Nil]));
    assert!(matches!(query(&mut con, &["COMMAND", "INFO", "cfg2"]), Value::Array(v) if v[0] != Value::Nil));

    for (text, reason) in [
        ("rename-command nosuch x\n", "No such command in rename-command"),
        ("rename-command get set\n", "Target command name already exists"),
        ("rename-command get x\nrename-command get y\n", "No such command in rename-command"),
    ] {
        let mut cfg = ferrokv::Config::default();
        let err = cfg.apply_conf_text(text, "test").unwrap_err().to_string();
        assert!(err.contains(reason), "{text:?}: {err}");
    }
}

/// The latency monitor: a command over `latency-monitor-threshold` ms is an event
/// sample; LATEST/HISTORY/RESET/DOCTOR/GRAPH with Redis 7.0.15's replies and errors.
#[test]
fn latency_monitor_records_slow_commands() {
    let (_server, mut con) = start_with_debug();
    let disabled = query_string(&mut con, &["LATENCY", "DOCTOR"]);
    assert!(disabled.starts_with("I'm sorry, Dave, I can't do that. Latency monitoring is disabled"), "{disabled}");
    assert_eq!(query(&mut con, &["LATENCY", "LATEST"]), Value::Array(vec![]));
    query(&mut con, &["CONFIG", "SET", "latency-monitor-threshold", "10"]);
    let quiet = query_string(&mut con, &["LATENCY", "DOCTOR"]);
    assert!(quiet.starts_with("Dave, no latency spike was observed"), "{quiet}");
    query(&mut con, &["DEBUG", "SLEEP", "0.05"]);
    query(&mut con, &["SET", "fast", "1"]);
    let Value::Array(latest) = query(&mut con, &["LATENCY", "LATEST"]) else { panic!() };
    assert_eq!(latest.len(), 1);
    let Value::Array(row) = &latest[0] else { panic!() };
    assert_eq!(row[0], bulk("command"));
    let (Value::Int(time), Value::Int(last), Value::Int(max)) = (&row[1], &row[2], &row[3]) else { panic!() };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - time).abs() <= 2, "{time} vs {now}");
    assert!((50..200).contains(last) && last == max, "{last} {max}");
    let Value::Array(history) = query(&mut con, &["LATENCY", "HISTORY", "command"]) else { panic!() };
    assert_eq!(history, vec![Value::Array(vec![Value::Int(*time), Value::Int(*last)])]);
    assert_eq!(query(&mut con, &["LATENCY", "HISTORY", "nosuch"]), Value::Array(vec![]));
    let report = query_string(&mut con, &["LATENCY", "DOCTOR"]);
    assert!(report.contains("1. command: 1 latency spikes"), "{report}");
    assert!(query_string(&mut con, &["LATENCY", "GRAPH", "command"]).starts_with("command - high "));
    assert_eq!(query_err(&mut con, &["LATENCY", "GRAPH", "nosuch"]), "ERR No samples available for event 'nosuch'");
    assert_eq!(query(&mut con, &["LATENCY", "RESET", "nosuch"]), Value::Int(0));
    assert_eq!(query(&mut con, &["LATENCY", "RESET"]), Value::Int(1));
    assert_eq!(query(&mut con, &["LATENCY", "LATEST"]), Value::Array(vec![]));
    assert_eq!(
        query_err(&mut con, &["LATENCY", "HISTORY"]),
        "ERR wrong number of arguments for 'latency|history' command"
    );
    assert_eq!(query_err(&mut con, &["LATENCY", "foo"]), "ERR unknown subcommand 'foo'. Try LATENCY HELP.");
    let Value::Array(help) = query(&mut con, &["LATENCY", "HELP"]) else { panic!() };
    assert_eq!(help[0], Value::SimpleString("LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into()));
}

/// INFO latencystats and LATENCY HISTOGRAM: per-command HdrHistogram figures, as Redis
/// prints them; `latency-tracking no` stops recording.
#[test]
fn latency_histograms_per_command() {
    let (_server, mut con) = start();
    // Names no other test in this binary runs (the counters are process-wide).
    for _ in 0..10 {
        query(&mut con, &["HSTRLEN", "h", "f"]);
    }
    let info = query_string(&mut con, &["INFO", "latencystats"]);
    let line = info.lines().find(|l| l.starts_with("latency_percentiles_usec_hstrlen:")).expect(&info);
    let parts: Vec<&str> = line.split(':').nth(1).unwrap().split(',').collect();
    assert_eq!(parts.len(), 3, "{line}");
    for (part, label) in parts.iter().zip(["p50=", "p99=", "p99.9="]) {
        assert!(part.starts_with(label), "{line}");
        let text = &part[label.len()..];
        let value: f64 = text.parse().unwrap();
        assert!(value > 0.0 && text.split('.').nth(1).is_some_and(|d| d.len() == 3), "{line}");
    }
    let Value::Array(h) = query(&mut con, &["LATENCY", "HISTOGRAM", "hstrlen", "nosuch"]) else { panic!() };
    assert_eq!(h[0], bulk("hstrlen"));
    let Value::Array(fields) = &h[1] else { panic!() };
    assert_eq!(fields[0..2], [bulk("calls"), Value::Int(10)]);
    assert_eq!(fields[2], bulk("histogram_usec"));
    let Value::Array(buckets) = &fields[3] else { panic!() };
    assert_eq!(buckets.last(), Some(&Value::Int(10)), "cumulative: {buckets:?}");

    query(&mut con, &["CONFIG", "SET", "latency-tracking", "no"]);
    query(&mut con, &["GETRANGE", "k", "0", "1"]);
    assert_eq!(query_string(&mut con, &["INFO", "latencystats"]), "# Latencystats\r\n");
    assert_eq!(query(&mut con, &["LATENCY", "HISTOGRAM", "getrange"]), Value::Array(vec![]));
}

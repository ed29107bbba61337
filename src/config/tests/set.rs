//! CONFIG SET: checks, atomicity, value syntax. Every reply was recorded from
//! redis-server 7.0.15.

use super::super::Config;

fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<(), String> {
    let pairs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
    c.set(&pairs)
}

fn failed(name: &str, reason: &str) -> Result<(), String> {
    Err(format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"))
}

#[test]
fn one_bad_pair_leaves_everything_unchanged() {
    let mut c = Config::default();
    assert_eq!(
        set(&mut c, &[("maxmemory", "1mb"), ("hz", "20"), ("port", "abc")]),
        failed("port", "argument couldn't be parsed into an integer")
    );
    assert_eq!((c.maxmemory, c.hz, c.port), (0, 10, 6379));
    assert_eq!(set(&mut c, &[("maxmemory", "1mb"), ("hz", "20")]), Ok(()));
    assert_eq!((c.maxmemory, c.hz), (1 << 20, 20));
}

#[test]
fn names_are_all_checked_before_any_value() {
    let mut c = Config::default();
    assert_eq!(set(&mut c, &[("databases", "1"), ("foo", "2")]), failed("databases", "can't set immutable config"));
    assert_eq!(
        set(&mut c, &[("foo", "2"), ("databases", "1")]),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
    );
    assert_eq!(
        set(&mut c, &[("FOO", "2")]),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'FOO'".into())
    );
    // A duplicate is found in the name pass, before "abc" is parsed.
    assert_eq!(set(&mut c, &[("port", "abc"), ("port", "1")]), failed("port", "duplicate parameter"));
    assert_eq!(set(&mut c, &[("PORT", "1"), ("port", "2")]), failed("port", "duplicate parameter"));
    // The name pass quotes the name as sent; the value pass lower-cases it.
    assert_eq!(set(&mut c, &[("hz", "12"), ("HZ", "13")]), failed("HZ", "duplicate parameter"));
    assert_eq!(set(&mut c, &[("DATABASES", "1")]), failed("DATABASES", "can't set immutable config"));
    assert_eq!(set(&mut c, &[("DIR", "x")]), failed("DIR", "can't set protected config"));
    assert_eq!(
        set(&mut c, &[("slave-read-only", "yes"), ("SLAVE-READ-ONLY", "no")]),
        failed("SLAVE-READ-ONLY", "duplicate parameter")
    );
    assert_eq!(
        set(&mut c, &[("maxmemory", "abc"), ("port", "xyz")]),
        failed("maxmemory", "argument must be a memory value")
    );
    assert_eq!(set(&mut c, &[("PORT", "abc")]), failed("port", "argument couldn't be parsed into an integer"));
}

#[test]
fn an_alias_and_its_name_are_not_duplicates_last_wins() {
    let mut c = Config::default();
    assert_eq!(set(&mut c, &[("slave-read-only", "no"), ("replica-read-only", "yes")]), Ok(()));
    assert_eq!(c.get_one("replica-read-only").as_deref(), Some("yes"));
    assert_eq!(
        set(&mut c, &[("Slave-Read-Only", "maybe")]),
        failed("slave-read-only", "argument must be 'yes' or 'no'")
    );
}

#[test]
fn immutable_and_protected_parameters() {
    let mut c = Config::default();
    for name in ["databases", "daemonize", "io-threads", "logfile", "unixsocket", "replicaof", "slaveof"] {
        assert_eq!(set(&mut c, &[(name, "1")]), failed(name, "can't set immutable config"));
    }
    for name in ["dir", "dbfilename"] {
        assert_eq!(set(&mut c, &[(name, "x")]), failed(name, "can't set protected config"));
    }
    // port is mutable in Redis 7 (the server must rebind).
    assert_eq!(c.set_checked(&[(b"port", b"7000")], false), Ok(vec!["port"]));
    // With enable-protected-configs yes (or local, from a local client) dir can change.
    c.apply_conf_text("enable-protected-configs local\n", "t").expect("valid");
    assert_eq!(
        c.set_checked(&[(b"dbfilename", b"a/b")], true),
        failed("dbfilename", "dbfilename can't be a path, just a filename").map(|_| vec![])
    );
    assert_eq!(c.set_checked(&[(b"dbfilename", b"x.rdb")], true), Ok(vec!["dbfilename"]));
    assert_eq!(set(&mut c, &[("dir", "/nonexistent-ferrokv")]), failed("dir", "can't set protected config"));
}

#[test]
fn requirepass_sets_and_clears_the_password() {
    let mut c = Config::default();
    assert_eq!(set(&mut c, &[("requirepass", "s3cret")]), Ok(()));
    assert_eq!(c.requirepass.as_deref(), Some(&b"s3cret"[..]));
    assert_eq!(set(&mut c, &[("requirepass", "")]), Ok(()));
    assert_eq!(c.requirepass, None);
    assert_eq!(c.get_one("requirepass").as_deref(), Some(""));
}

#[test]
fn numbers_ranges_and_units() {
    let mut c = Config::default();
    let cases: &[(&str, &str, Result<&str, &str>)] = &[
        ("port", "65536", Err("argument must be between 0 and 65535 inclusive")),
        ("port", "010", Err("argument couldn't be parsed into an integer")),
        ("maxmemory", "1G", Ok("1000000000")),
        ("maxmemory", "1GB", Ok("1073741824")),
        ("maxmemory", "18446744073709551615kb", Ok("18446744073709550592")),
        ("maxmemory", "-1", Err("argument must be a memory value")),
        ("proto-max-bulk-len", "1000", Err("argument must be between 1048576 and 9223372036854775807 inclusive")),
        ("slowlog-log-slower-than", "-2", Err("argument must be between -1 and 9223372036854775807 inclusive")),
        ("maxclients", "-1", Err("argument must be between 1 and 4294967295 inclusive")),
        ("hz", "1000", Ok("500")),
        ("hz", "0", Ok("1")),
        ("maxmemory-clients", "10%", Ok("10%")),
        ("maxmemory-clients", "101%", Err("percentage argument must be less or equal to 100")),
        ("maxmemory-clients", "-1%", Err("argument must be a memory or percent value")),
        ("maxmemory-clients", "18446744073709551615", Ok("1%")),
        ("repl-backlog-size", "1", Ok("16384")),
        ("activerehashing", "YES", Ok("yes")),
        ("activerehashing", "1", Err("argument must be 'yes' or 'no'")),
        ("activedefrag", "yes", Err("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")),
        ("maxmemory-policy", "ALLKEYS-LRU", Ok("allkeys-lru")),
        ("maxmemory-policy", "lru", Err("argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")),
        ("loglevel", "nothing", Err("argument(s) must be one of the following: debug, verbose, notice, warning")),
        ("oom-score-adj", "relative", Ok("yes")),
        ("shutdown-on-sigint", "force save now", Ok("save now force")),
        ("shutdown-on-sigint", "save nosave", Err("shutdown options SAVE and NOSAVE can't be used simultaneously")),
        ("shutdown-on-sigint", "save  now", Err("argument(s) must be one of the following: default, save, nosave, now, force")),
        ("list-max-listpack-size", "-2147483649", Err("argument must be between -2147483648 and 2147483647 inclusive")),
    ];
    for (name, value, want) in cases {
        let got = set(&mut c, &[(name, value)]);
        match want {
            Ok(printed) => {
                assert_eq!(got, Ok(()), "{name} {value}");
                assert_eq!(c.get_one(name).as_deref(), Some(*printed), "{name} {value}");
            }
            Err(reason) => assert_eq!(got, failed(name, reason), "{name} {value}"),
        }
    }
}

#[test]
fn multi_argument_values_split_on_single_spaces() {
    let mut c = Config::default();
    assert_eq!(set(&mut c, &[("save", "60 1 300 10")]), Ok(()));
    assert_eq!(c.save, vec![(60, 1), (300, 10)]);
    assert_eq!(set(&mut c, &[("save", "60  1")]), failed("save", "Invalid save parameters"));
    assert_eq!(set(&mut c, &[("save", "60 ")]), Ok(()));
    assert_eq!(c.get_one("save").as_deref(), Some("60 0"));
    assert_eq!(set(&mut c, &[("save", "")]), Ok(()));
    assert!(c.save.is_empty());
    assert_eq!(set(&mut c, &[("save", "0 1")]), failed("save", "Invalid save parameters"));
    assert_eq!(set(&mut c, &[("client-output-buffer-limit", "NORMAL 1mb 2k 3 replica 1 2 3")]), Ok(()));
    assert_eq!(
        c.get_one("client-output-buffer-limit").as_deref(),
        Some("normal 1048576 2000 3 slave 1 2 3 pubsub 33554432 8388608 60")
    );
    assert_eq!(
        set(&mut c, &[("client-output-buffer-limit", "normal 9 9 9 master 1 2 3")]),
        failed("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")
    );
    assert_eq!(c.client_output_buffer_limit.normal.hard, 1 << 20);
    assert_eq!(
        set(&mut c, &[("bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17")]),
        failed("bind", "Too many bind addresses specified.")
    );
    assert_eq!(set(&mut c, &[("latency-tracking-info-percentiles", "99.9999999 .5 0x10")]), Ok(()));
    assert_eq!(c.get_one("latency-tracking-info-percentiles").as_deref(), Some("100 0.5 16"));
    assert_eq!(set(&mut c, &[("oom-score-adj-values", "010 +5 -2000")]), Ok(()));
    assert_eq!(c.get_one("oom-score-adj-values").as_deref(), Some("10 5 -2000"));
}

#[test]
fn notify_keyspace_events_print_canonically() {
    let mut c = Config::default();
    for (input, printed) in [("KEA", "AKE"), ("KEAn", "AKE"), ("ntd", "tdn"), ("mn", "nm"), ("ndtexzhsl$gmEK", "AKEm")]
    {
        assert_eq!(set(&mut c, &[("notify-keyspace-events", input)]), Ok(()));
        assert_eq!(c.notify_keyspace_events, printed, "{input}");
    }
    assert_eq!(
        set(&mut c, &[("notify-keyspace-events", "k")]),
        failed("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    );
}

#[test]
fn proc_title_template_must_expand_to_something() {
    let mut c = Config::default();
    for bad in ["", "{title}", "{title}{title}", "{foo}", "{title", " ", "{server-mode}", "{unixsocket}"] {
        assert_eq!(
            set(&mut c, &[("proc-title-template", bad)]),
            failed("proc-title-template", "template format is invalid or contains unknown variables"),
            "{bad:?}"
        );
    }
    for good in ["abc", "{title}}", "{{title}", "{config-file}", "{title} {port}"] {
        assert_eq!(set(&mut c, &[("proc-title-template", good)]), Ok(()), "{good:?}");
    }
}

#[test]
fn raw_arguments_odd_count_is_a_syntax_error() {
    let mut c = Config::default();
    assert_eq!(c.set_args(&[b"port", b"1", b"2"], false), Err("ERR syntax error".to_string()));
    assert_eq!(c.set_args(&[b"hz", b"5"], false), Ok(vec!["hz"]));
}

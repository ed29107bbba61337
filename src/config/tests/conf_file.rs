//! `redis.conf` text: splitting, quoting, comments, `include`, `save` lines, `dir`.
//! Expected values were recorded by starting redis-server 7.0.15 on the same files.

use super::super::Config;
use super::{from_args, TempDir};

fn apply(text: &str) -> Config {
    let mut c = Config::default();
    c.apply_conf_text(text, "test.conf").expect("valid config");
    c
}

#[test]
fn quoting_follows_sdssplitargs() {
    let c = apply("logfile \"\"\nsyslog-ident \"a\\x41\\tb\\\"c\\\\d\"\n");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("aA\tb\"c\\d"));
    let c = apply("syslog-ident 'it\\'s \"x\"'\n");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("it's \"x\""));
    let c = apply("syslog-ident \"\\xZZ\\q\"\n");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("xZZq"));
    let c = apply("syslog-ident a\"b\"\n");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("ab"));
    let c = apply("SYSLOG-IDENT X\n");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("X"));
}

#[test]
fn comments_blank_lines_and_crlf_are_skipped() {
    let c = apply("# a comment\n\n   \t\n   # indented comment\r\nport 7000\r\n");
    assert_eq!(c.port, 7000);
}

#[test]
fn first_save_line_replaces_defaults_later_ones_append() {
    let c = apply("save 60 1\nsave 300 10\n");
    assert_eq!(c.get_one("save").as_deref(), Some("60 1 300 10"));
    let c = apply("save 60 1\nsave \"\"\nsave 10 1\n");
    assert_eq!(c.get_one("save").as_deref(), Some("10 1"));
    let c = apply("save 60 1 300 10\n");
    assert_eq!(c.save, vec![(60, 1), (300, 10)]);
    let c = apply("save\n");
    assert!(c.save.is_empty());
    // No save line: the defaults stay.
    let c = apply("port 1\n");
    assert_eq!(c.get_one("save").as_deref(), Some("3600 1 300 100 60 10000"));
}

#[test]
fn include_reads_another_file_and_ends_save_appending() {
    let dir = TempDir::new("include");
    let inc = dir.write("inc.conf", "save 10 1\nmaxmemory 7\n");
    // Recorded: an included file's save lines append to the including file's...
    let c = apply(&format!("save 60 1\ninclude {inc}\n"));
    assert_eq!(c.get_one("save").as_deref(), Some("60 1 10 1"));
    assert_eq!(c.maxmemory, 7);
    // ...but after an include, the next save line starts over (Redis clears its
    // "reading a file" flag when any file ends).
    let c = apply(&format!("include {inc}\nsave 60 1\n"));
    assert_eq!(c.get_one("save").as_deref(), Some("60 1"));
    let main = dir.write("main.conf", &format!("include {inc}\n"));
    let c = from_args(&[main.as_str(), "--save", "5", "5"]).expect("valid");
    assert_eq!(c.get_one("save").as_deref(), Some("5 5"));
}

#[test]
fn include_globs_concatenate_matching_files_in_order() {
    let dir = TempDir::new("glob");
    dir.write("a.conf", "maxmemory 1\n");
    dir.write("b.conf", "maxmemory 2\n");
    dir.write("c.cfg", "maxmemory 3\n");
    let c = apply(&format!("include {}/*.conf\n", dir.path()));
    assert_eq!(c.maxmemory, 2);
    let c = apply(&format!("include {}/*.nomatch\n", dir.path()));
    assert_eq!(c.maxmemory, 0);
    // The glob's files form one text: an error's line number counts across them.
    dir.write("d.bad", "maxmemory 1\n");
    dir.write("e.bad", "maxmemory x\n");
    let mut c = Config::default();
    let err = c.apply_conf_text(&format!("include {}/*.bad\n", dir.path()), "t").expect_err("bad value");
    assert_eq!(err.line(), Some(2));
}

#[test]
fn dir_is_checked_stored_absolute_and_used_for_relative_includes() {
    let dir = TempDir::new("dir");
    std::fs::create_dir(dir.0.join("sub")).expect("mkdir");
    std::fs::write(dir.0.join("sub/m.conf"), "maxmemory 7\n").expect("write");
    let c = apply(&format!("dir {}\ndir sub\ninclude m.conf\n", dir.path()));
    assert_eq!(c.get_one("dir"), Some(format!("{}/sub", dir.path())));
    assert_eq!(c.maxmemory, 7);
    let c = apply(&format!("dir {}/sub\ndir ..\n", dir.path()));
    assert_eq!(c.dir, dir.path());
}

#[test]
fn logfile_is_opened_relative_to_dir() {
    let dir = TempDir::new("logfile");
    let c = apply(&format!("dir {}\nlogfile x.log\n", dir.path()));
    assert_eq!(c.logfile, "x.log");
    assert!(dir.0.join("x.log").exists(), "Redis creates the log file while loading");
}

#[test]
fn aliases_set_the_canonical_parameter() {
    let c = apply("slave-read-only no\nhash-max-ziplist-entries 5\nslaveof NO ONE\n");
    assert_eq!(c.get_one("replica-read-only").as_deref(), Some("no"));
    assert_eq!(c.hash_max_listpack_entries, 5);
    assert_eq!(c.replicaof, None);
    let c = apply("replicaof 127.0.0.1 010\n");
    assert_eq!(c.replicaof, Some(("127.0.0.1".to_string(), 10)));
    assert_eq!(c.get_one("slaveof").as_deref(), Some("127.0.0.1 10"));
}

#[test]
fn values_read_like_redis() {
    let c = apply("hz 1000\nunixsocketperm 0777\nmaxmemory 1gb\nrepl-backlog-size 1\n");
    assert_eq!(c.hz, 500);
    assert_eq!(c.get_one("unixsocketperm").as_deref(), Some("777"));
    assert_eq!(c.unixsocketperm, 0o777);
    assert_eq!(c.maxmemory, 1 << 30);
    // At start-up Redis reports a tiny backlog as configured (CONFIG SET raises it).
    assert_eq!(c.get_one("repl-backlog-size").as_deref(), Some("1"));
    let c = apply("hz 0\noom-score-adj-values \" 1 2 3 \"\nshutdown-on-sigint \"now  force\"\n");
    assert_eq!(c.hz, 1);
    assert_eq!(c.get_one("oom-score-adj-values").as_deref(), Some("1 2 3"));
    assert_eq!(c.get_one("shutdown-on-sigint").as_deref(), Some("now force"));
    let c = apply("bind \"\"\nlatency-tracking-info-percentiles \"\"\n");
    assert!(c.bind.is_empty() && c.latency_tracking_info_percentiles.is_empty());
}

#[test]
fn directives_for_other_modules_are_kept_with_their_lines() {
    let c = apply("\nrename-command flushall \"\"\nuser bob on >pw\nloadmodule /x.so a\nfoo.bar 1 2\n");
    assert_eq!(c.rename_commands.len(), 1);
    assert_eq!(c.rename_commands[0].args, vec![b"flushall".to_vec(), Vec::new()]);
    assert_eq!(c.rename_commands[0].line, 2);
    assert_eq!(c.users[0].text, "user bob on >pw");
    assert_eq!(c.load_modules[0].args.len(), 2);
    assert_eq!(c.module_configs[0].args, vec![b"1".to_vec(), b"2".to_vec()]);
    // Recorded from redis-server 7.0.15 for `rename-command nosuch x` at line 1.
    let err = c.rename_commands[0].error("No such command in rename-command");
    assert_eq!(
        err.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'rename-command flushall \"\"'\nNo such command in rename-command\n"
    );
}

#[test]
fn deprecated_and_bare_sentinel_lines_are_ignored() {
    let c = apply("list-max-ziplist-entries 5\nlua-replicate-commands yes\nlist-max-ziplist-value 5\nsentinel\n");
    assert_eq!(c.list_max_listpack_size, -2);
}

/// conf/redis.conf documents every parameter (aliases aside) as a directive line, set
/// or shown commented out, and loading it changes no value from the defaults.
#[test]
fn the_shipped_redis_conf_documents_every_parameter_at_its_default() {
    let text = include_str!("../../../conf/redis.conf");
    let directive = |name: &str| {
        text.lines().any(|l| {
            let l = l.strip_prefix("# ").unwrap_or(l);
            l.strip_prefix(name).is_some_and(|rest| rest.starts_with(' '))
        })
    };
    for param in super::super::table::all() {
        assert!(directive(param.name), "conf/redis.conf lacks {}", param.name);
    }
    let loaded = apply(text);
    let defaults = Config::default();
    for param in super::super::table::all() {
        assert_eq!(loaded.get_one(param.name), defaults.get_one(param.name), "{}", param.name);
    }
}

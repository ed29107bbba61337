//! Start-up error texts. Each expected text below was recorded from redis-server 7.0.15
//! (`redis-server bad.conf [options]`, stderr, or stdout for the log line) and pasted
//! here byte for byte; the "Fatal error, can't open" case is the log message without
//! the `pid:C date # ` prefix the server's logger adds.

use super::{from_args, TempDir};

/// The FATAL block Redis prints for a rejected line.
fn fatal(line: usize, text: &str, reason: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}\n"
    )
}

/// Starts like `redis-server <file with conf> [options]` and returns the error text.
fn error_of(conf: &str, options: &[&str]) -> String {
    let dir = TempDir::new("errors");
    let file = dir.write("bad.conf", conf);
    let mut args = vec![file.as_str()];
    args.extend_from_slice(options);
    match from_args(&args) {
        Ok(_) => "no error".to_string(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_value_error_shows_the_line() {
    // Recorded verbatim (cat -A showed the empty first line):
    let recorded = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n";
    assert_eq!(error_of("port 6380\nport \"abc\"\n", &[]), recorded);
}

#[test]
fn each_line_error_text() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("foo bar\n", 1, "foo bar", "Bad directive or wrong number of arguments"),
        ("port 1 2\n", 1, "port 1 2", "wrong number of arguments"),
        ("port\n", 1, "port", "wrong number of arguments"),
        ("daemonize maybe\n", 1, "daemonize maybe", "argument must be 'yes' or 'no'"),
        ("port 70000\n", 1, "port 70000", "argument must be between 0 and 65535 inclusive"),
        ("maxmemory 1x\n", 1, "maxmemory 1x", "argument must be a memory value"),
        ("bind \"127.0.0.1\n", 1, "bind \"127.0.0.1", "Unbalanced quotes in configuration line"),
        ("bind \"127.0.0.1\"x\n", 1, "bind \"127.0.0.1\"x", "Unbalanced quotes in configuration line"),
        ("syslog-ident 'a'b\n", 1, "syslog-ident 'a'b", "Unbalanced quotes in configuration line"),
        ("syslog-ident x # not comment\n", 1, "syslog-ident x # not comment", "wrong number of arguments"),
        ("  port   \"abc\"   \t\n", 1, "port   \"abc\"", "argument couldn't be parsed into an integer"),
        ("dir /nonexistent\n", 1, "dir /nonexistent", "No such file or directory"),
        ("dir /etc/passwd\n", 1, "dir /etc/passwd", "Not a directory"),
        ("dir \"\"\n", 1, "dir \"\"", "No such file or directory"),
        ("save 60\n", 1, "save 60", "Invalid save parameters"),
        ("loglevel foo\n", 1, "loglevel foo", "argument(s) must be one of the following: debug, verbose, notice, warning"),
        ("include\n", 1, "include", "Bad directive or wrong number of arguments"),
        ("include a b\n", 1, "include a b", "Bad directive or wrong number of arguments"),
        ("rename-command get\n", 1, "rename-command get", "Bad directive or wrong number of arguments"),
        ("user\n", 1, "user", "Bad directive or wrong number of arguments"),
        ("sentinel monitor a b c d\n", 1, "sentinel monitor a b c d", "sentinel directive while not in sentinel mode"),
        ("foo.bar\n", 1, "foo.bar", "Module config specified without value"),
        ("replicaof 1.2.3.4\n", 1, "replicaof 1.2.3.4", "wrong number of arguments"),
        ("replicaof 127.0.0.1 abc\n", 1, "replicaof 127.0.0.1 abc", "Invalid master port"),
        ("requirepass\n", 1, "requirepass", "wrong number of arguments"),
        ("client-output-buffer-limit normal 1\n", 1, "client-output-buffer-limit normal 1", "Wrong number of arguments in buffer limit configuration."),
        ("client-output-buffer-limit \"\"\n", 1, "client-output-buffer-limit \"\"", "Wrong number of arguments in buffer limit configuration."),
        ("notify-keyspace-events Q\n", 1, "notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        ("shutdown-on-sigint save nosave\n", 1, "shutdown-on-sigint save nosave", "shutdown options SAVE and NOSAVE can't be used simultaneously"),
        ("shutdown-on-sigint\n", 1, "shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force"),
        ("oom-score-adj-values 1 2\n", 1, "oom-score-adj-values 1 2", "wrong number of arguments"),
        ("latency-tracking-info-percentiles 500\n", 1, "latency-tracking-info-percentiles 500", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
        ("enable-debug-command foo\n", 1, "enable-debug-command foo", "argument(s) must be one of the following: no, yes, local"),
        ("list-max-ziplist-entries\n", 1, "list-max-ziplist-entries", "Bad directive or wrong number of arguments"),
        ("unixsocketperm 999\n", 1, "unixsocketperm 999", "argument couldn't be parsed as an octal number"),
        ("unixsocketperm 1000\n", 1, "unixsocketperm 1000", "argument must be between 0 and 777 inclusive"),
        ("syslog-facility foo\n", 1, "syslog-facility foo", "argument(s) must be one of the following: user, local0, local1, local2, local3, local4, local5, local6, local7"),
        ("supervised foo\n", 1, "supervised foo", "argument(s) must be one of the following: upstart, systemd, auto, no"),
        ("dbfilename a/b\n", 1, "dbfilename a/b", "dbfilename can't be a path, just a filename"),
        ("appendfilename a/b\n", 1, "appendfilename a/b", "appendfilename can't be a path, just a filename"),
        ("appenddirname a/b\n", 1, "appenddirname a/b", "appenddirname can't be a path, just a dirname"),
        ("appendfilename \"\"\n", 1, "appendfilename \"\"", "appendfilename can't be empty"),
        ("appenddirname \"\"\n", 1, "appenddirname \"\"", "appenddirname can't be empty"),
        ("cluster-announce-hostname \"a b\"\n", 1, "cluster-announce-hostname \"a b\"", "Hostnames may only contain alphanumeric characters, hyphens or dots"),
        ("databases 0\n", 1, "databases 0", "argument must be between 1 and 2147483647 inclusive"),
        ("io-threads 129\n", 1, "io-threads 129", "argument must be between 1 and 128 inclusive"),
        ("proc-title-template \"{x}\"\n", 1, "proc-title-template \"{x}\"", "template format is invalid or contains unknown variables"),
        ("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 1, "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."),
        ("activedefrag yes\n", 1, "activedefrag yes", "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"),
        ("\"foo\"\n", 1, "\"foo\"", "Bad directive or wrong number of arguments"),
    ];
    for (conf, line, text, reason) in cases {
        assert_eq!(error_of(conf, &[]), fatal(*line, text, reason), "{conf:?}");
    }
}

#[test]
fn option_errors_count_lines_after_the_file() {
    // The file's text, then "\n", then one line per option, values quoted.
    assert_eq!(
        error_of("port 5\n", &["--port", "abc"]),
        fatal(3, "port \"abc\"", "argument couldn't be parsed into an integer")
    );
    assert_eq!(
        error_of("\n\n", &["--port", "1", "--maxmemory", "1x"]),
        fatal(5, "maxmemory \"1x\"", "argument must be a memory value")
    );
    assert_eq!(error_of("", &["--foo", "bar"]), fatal(2, "foo \"bar\"", "Bad directive or wrong number of arguments"));
    assert_eq!(error_of("", &["--port"]), fatal(2, "port", "wrong number of arguments"));
    assert_eq!(error_of("", &["--port", "1", "2"]), fatal(2, "port \"1\" \"2\"", "wrong number of arguments"));
    assert_eq!(error_of("", &["--syslog-ident x y"]), fatal(2, "syslog-ident x y", "wrong number of arguments"));
    // After a bare `--name`, the next argument is its value even if it starts with `--`.
    assert_eq!(
        error_of("", &["--maxmemory-policy", "--allkeys-lru"]),
        fatal(2, "maxmemory-policy \"--allkeys-lru\"", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
    );
    assert_eq!(error_of("", &["--save", "60", "--save", "1"]), fatal(2, "save \"60\"", "Invalid save parameters"));
    // A stray argument after the file is a line of its own.
    assert_eq!(error_of("port 5\n", &["foo"]), fatal(3, "\"foo\"", "Bad directive or wrong number of arguments"));
}

#[test]
fn options_without_a_file() {
    let err = from_args(&["--port", "abc"]).expect_err("bad port");
    assert_eq!(err.to_string(), fatal(2, "port \"abc\"", "argument couldn't be parsed into an integer"));
    let err = from_args(&["--port", "1", "--foo"]).expect_err("bad option");
    assert_eq!(err.to_string(), fatal(3, "foo", "Bad directive or wrong number of arguments"));
}

#[test]
fn errors_in_included_files_count_their_own_lines() {
    let dir = TempDir::new("inc-errors");
    let inc = dir.write("inc.conf", "port 1\n\nport x\n");
    assert_eq!(
        error_of(&format!("# c\n\ninclude {inc}\nport 5\n"), &[]),
        fatal(3, "port x", "argument couldn't be parsed into an integer")
    );
}

#[test]
fn missing_files_are_a_log_line() {
    // Recorded on stdout: "<pid>:C <date> # Fatal error, can't open config file
    // '/nonexistent.conf': No such file or directory" (the server's logger adds the prefix).
    let text = error_of("include /nonexistent.conf\n", &[]);
    assert_eq!(text, "Fatal error, can't open config file '/nonexistent.conf': No such file or directory");
    let err = from_args(&["/nonexist.conf"]).expect_err("missing");
    assert!(err.is_log_line());
    assert_eq!(err.to_string(), "Fatal error, can't open config file '/nonexist.conf': No such file or directory");
}

#[test]
fn unopenable_log_file_is_a_whole_configuration_error() {
    // Recorded: no "Reading the configuration file" lines for this one.
    assert_eq!(
        error_of("logfile /nonexistent/x.log\n", &[]),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n"
    );
}

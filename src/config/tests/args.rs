//! `Config::from_args`: the command line as redis-server 7.0.15 reads it. Expected
//! values were recorded by starting redis-server with the same arguments and running
//! CONFIG GET.

use super::{from_args, TempDir};

#[test]
fn repeated_save_options_accumulate() {
    let c = from_args(&["--save", "60", "1", "--save", "300", "10"]).expect("valid");
    assert_eq!(c.get_one("save").as_deref(), Some("60 1 300 10"));
    assert_eq!(c.save, vec![(60, 1), (300, 10)]);
}

#[test]
fn empty_save_clears_and_later_saves_add() {
    let c = from_args(&["--save", "", "--save", "5", "5"]).expect("valid");
    assert_eq!(c.get_one("save").as_deref(), Some("5 5"));
    let c = from_args(&["--save", ""]).expect("valid");
    assert!(c.save.is_empty());
    assert_eq!(c.get_one("save").as_deref(), Some(""));
}

#[test]
fn bare_save_before_another_option_or_last_means_empty() {
    let c = from_args(&["--save", "--maxmemory", "5"]).expect("valid");
    assert_eq!(c.get_one("save").as_deref(), Some(""));
    assert_eq!(c.maxmemory, 5);
    let c = from_args(&["--save"]).expect("valid");
    assert!(c.save.is_empty());
}

#[test]
fn one_argument_with_spaces_is_split_for_multi_argument_parameters() {
    let c = from_args(&["--save", "60 1", "--maxmemory", "5"]).expect("valid");
    assert_eq!(c.save, vec![(60, 1)]);
    let c = from_args(&["--save", " 60  1 "]).expect("valid");
    assert_eq!(c.save, vec![(60, 1)]);
    let c = from_args(&["--save 60 1", "--maxmemory 5"]).expect("valid");
    assert_eq!((c.save.clone(), c.maxmemory), (vec![(60, 1)], 5));
    let c = from_args(&["--bind", "127.0.0.1 -::1"]).expect("valid");
    assert_eq!(c.bind, vec!["127.0.0.1", "-::1"]);
    // A value that does not split (unbalanced quote) reads as no arguments: save cleared.
    let c = from_args(&["--save", "\"60"]).expect("valid");
    assert!(c.save.is_empty());
}

#[test]
fn option_names_are_case_insensitive_and_port_zero_is_fine() {
    let c = from_args(&["--PORT", "0", "--MaxMemory", "1mb"]).expect("valid");
    assert_eq!((c.port, c.maxmemory), (0, 1_048_576));
    // CONFIG GET with an exact name answers with the spelling asked for.
    assert_eq!(c.get(&[b"PORT"]), vec![("PORT".to_string(), "0".to_string())]);
}

#[test]
fn values_are_taken_verbatim_whatever_their_bytes() {
    let c = from_args(&["--syslog-ident", "a\"b"]).expect("valid");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("a\"b"));
    let c = from_args(&["--syslog-ident", "a b"]).expect("valid");
    assert_eq!(c.get_one("syslog-ident").as_deref(), Some("a b"));
    let c = from_args(&["--slowlog-log-slower-than", "-1"]).expect("valid");
    assert_eq!(c.slowlog_log_slower_than, -1);
}

#[test]
fn file_then_options_and_config_file_path_is_absolute() {
    let dir = TempDir::new("args");
    let file = dir.write("redis.conf", "save 60 1\nport 7000\n");
    let c = from_args(&[file.as_str(), "--save", "5", "5", "--port", "7001"]).expect("valid");
    assert_eq!(c.get_one("save").as_deref(), Some("60 1 5 5"));
    assert_eq!(c.port, 7001);
    assert_eq!(c.config_file.as_deref(), Some(file.as_str()));
}

#[test]
fn stdin_marker_is_recognised_first_or_last_only() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(super::Config::wants_stdin(&args(&["-"])));
    assert!(super::Config::wants_stdin(&args(&["--port", "1", "-"])));
    assert!(!super::Config::wants_stdin(&args(&["--port", "1", "-", "--hz", "5"])));
}

//! CONFIG GET matching, recorded against redis-server 7.0.15.

use super::super::Config;

fn names(config: &Config, patterns: &[&str]) -> Vec<String> {
    let patterns: Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
    config.get(&patterns).into_iter().map(|(n, _)| n).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn glob_is_case_insensitive_and_lists_aliases() {
    let c = Config::default();
    assert_eq!(
        sorted(names(&c, &["p*"])),
        vec![
            "pidfile",
            "port",
            "proc-title-template",
            "propagation-error-behavior",
            "protected-mode",
            "proto-max-bulk-len"
        ]
    );
    assert_eq!(names(&c, &["PO*"]), vec!["port"]);
    assert_eq!(sorted(names(&c, &["*read-only"])), vec!["replica-read-only", "slave-read-only"]);
    assert_eq!(
        sorted(names(&c, &["*ziplist*"])),
        vec![
            "hash-max-ziplist-entries",
            "hash-max-ziplist-value",
            "list-max-ziplist-size",
            "zset-max-ziplist-entries",
            "zset-max-ziplist-value"
        ]
    );
}

#[test]
fn exact_names_answer_as_spelled_and_find_hidden_ones() {
    let c = Config::default();
    assert_eq!(c.get(&[b"SLAVE-READ-ONLY"]), vec![("SLAVE-READ-ONLY".to_string(), "yes".to_string())]);
    assert_eq!(c.get(&[b"key-load-delay"]), vec![("key-load-delay".to_string(), "0".to_string())]);
    // Hidden parameters never match a glob.
    assert_eq!(sorted(names(&c, &["*delay*"])), vec!["repl-disable-tcp-nodelay", "repl-diskless-sync-delay"]);
    // Removed and unknown names answer nothing.
    assert!(c.get(&[b"list-max-ziplist-entries"]).is_empty());
    assert!(c.get(&[b"locale-collate"]).is_empty());
}

#[test]
fn several_patterns_answer_each_name_once() {
    let c = Config::default();
    assert_eq!(names(&c, &["port", "port"]), vec!["port"]);
    assert_eq!(names(&c, &["Port", "port"]), vec!["Port"]);
    assert_eq!(names(&c, &["port", "p*"]).len(), 6);
    assert_eq!(names(&c, &["p*", "port"]).len(), 6);
    assert_eq!(
        names(&c, &["slave-read-only", "replica-read-only", "*read-only"]),
        vec!["slave-read-only", "replica-read-only"]
    );
    let maxmemory = sorted(names(&c, &["maxmemory", "maxmemory*"]));
    assert_eq!(
        maxmemory,
        vec!["maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"]
    );
}

#[test]
fn get_one_knows_aliases_and_case() {
    let c = Config::default();
    assert_eq!(c.get_one("Lua-Time-Limit").as_deref(), Some("5000"));
    assert_eq!(
        c.get_one("client-output-buffer-limit").as_deref(),
        Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
    );
    assert_eq!(c.get_one("nosuch"), None);
}

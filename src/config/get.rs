//! CONFIG GET: which parameters a list of patterns names, and their printed values.
//!
//! Owns Redis 7.0's matching rules, recorded from redis-server 7.0.15: a pattern with no
//! glob character (`*`, `?`, `[`) is an exact, case-insensitive lookup that also finds
//! hidden parameters and answers with the name as the client spelled it (`CONFIG GET
//! Port` → `Port`); a glob matches canonical names and aliases alike (`*` lists
//! `slave-read-only` next to `replica-read-only`) but never hidden parameters. A name
//! already answered (compared case-insensitively) is not answered twice.

use super::table::{all, lookup, HIDDEN};
use super::Config;
use crate::glob::glob_match;

/// CONFIG GET's answer for `patterns`: pattern order, then table order within a glob.
pub(crate) fn matching(config: &Config, patterns: &[&[u8]]) -> Vec<(String, String)> {
    let mut answered: Vec<Vec<u8>> = Vec::new();
    let mut out = Vec::new();
    for &pattern in patterns {
        let is_glob = pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        if !is_glob {
            let key = pattern.to_ascii_lowercase();
            if answered.contains(&key) {
                continue;
            }
            if let Some(param) = lookup(pattern) {
                answered.push(key);
                out.push((String::from_utf8_lossy(pattern).into_owned(), param.kind.print(param.name, config)));
            }
            continue;
        }
        for param in all().filter(|p| !p.has(HIDDEN)) {
            for name in std::iter::once(param.name).chain(param.alias) {
                let key = name.as_bytes().to_vec();
                if answered.contains(&key) || !glob_match(pattern, name.as_bytes(), true) {
                    continue;
                }
                answered.push(key);
                out.push((name.to_string(), param.kind.print(param.name, config)));
            }
        }
    }
    out
}

/// The printed value of the parameter called `name` (canonical or alias, any case).
pub(crate) fn one(config: &Config, name: &str) -> Option<String> {
    lookup(name.as_bytes()).map(|p| p.kind.print(p.name, config))
}

//! CONFIG SET: checking every name first, then applying every value, all or nothing.
//!
//! Owns the order of Redis 7.0.15's checks and their exact replies, recorded from the
//! real server: a first pass over the names stops at the first unknown one ("Unknown
//! option or number of arguments for CONFIG SET - '<name as sent>'"), immutable one,
//! protected one or repeated one ("duplicate parameter", compared after lower-casing, so
//! an alias and its canonical name are not duplicates); a second pass validates and
//! stores each value in order on a copy, which replaces the configuration only if all
//! succeed. "possibly related to argument '...'" names the parameter as the client spelled
//! it for the name pass (`CONFIG SET hz 1 HZ 2` → 'HZ'), lower-cased for the value pass.
//! Side effects (rebinding, resizing, …) are the server's, from the returned names.

use super::kinds::split_on_spaces;
use super::special::SetContext;
use super::table::{lookup, Param, IMMUTABLE, PROTECTED};
use super::Config;

/// Redis grows a smaller replication backlog to this when it is set at runtime.
const MIN_REPL_BACKLOG_SIZE: u64 = 16 * 1024;

fn failed(name: &str, reason: &str) -> String {
    format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")
}

pub(crate) fn set_pairs(
    config: &mut Config,
    pairs: &[(&[u8], &[u8])],
    client_is_local: bool,
) -> Result<Vec<&'static str>, String> {
    let mut checked: Vec<(&'static Param, String, &[u8])> = Vec::with_capacity(pairs.len());
    for &(name, value) in pairs {
        let Some(param) = lookup(name) else {
            return Err(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            ));
        };
        let as_sent = String::from_utf8_lossy(name);
        let lower = as_sent.to_ascii_lowercase();
        if param.has(IMMUTABLE) {
            return Err(failed(&as_sent, "can't set immutable config"));
        }
        if param.has(PROTECTED) && !config.enable_protected_configs.allows(client_is_local) {
            return Err(failed(&as_sent, "can't set protected config"));
        }
        if checked.iter().any(|(_, seen, _)| *seen == lower) {
            return Err(failed(&as_sent, "duplicate parameter"));
        }
        checked.push((param, lower, value));
    }

    let mut next = config.clone();
    let mut changed = Vec::with_capacity(checked.len());
    for (param, lower, value) in checked {
        let args = if param.kind.is_multi() { split_on_spaces(value) } else { vec![value.to_vec()] };
        param
            .kind
            .set(param.name, &mut next, &args, &mut SetContext::default())
            .map_err(|reason| failed(&lower, &reason))?;
        if param.name == "repl-backlog-size" {
            grow_repl_backlog(&mut next);
        }
        changed.push(param.name);
    }
    *config = next;
    Ok(changed)
}

/// Redis's apply step for `repl-backlog-size` raises it to 16kb (only at runtime: a
/// file's `repl-backlog-size 1` is reported as 1 until the backlog is created).
fn grow_repl_backlog(config: &mut Config) {
    let current =
        config.other.get("repl-backlog-size").and_then(|v| v.parse::<u64>().ok()).unwrap_or(MIN_REPL_BACKLOG_SIZE);
    if current < MIN_REPL_BACKLOG_SIZE {
        config.other.insert("repl-backlog-size", MIN_REPL_BACKLOG_SIZE.to_string());
    }
}

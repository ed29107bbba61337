//! Parameters with their own syntax, and the extra checks some string parameters make.
//!
//! Owns `save`, `bind`, `client-output-buffer-limit`, `notify-keyspace-events`,
//! `oom-score-adj-values`, `latency-tracking-info-percentiles`, `dir`, `replicaof` and
//! `activedefrag` (refused, as by a Redis without its patched jemalloc):
//! how each reads its arguments, its error texts and how CONFIG GET prints it; plus
//! the validators for `dbfilename`, `appendfilename`, `appenddirname`,
//! `cluster-announce-hostname` and `proc-title-template`. Every text here was recorded
//! from redis-server 7.0.15.

use std::path::PathBuf;

use super::error::strerror;
use super::kinds::Kind;
use super::value::{c_strtoll, format_trimmed_f, memtoull, parse_yes_no, string2d};
use super::{Config, OutputBufferLimit};

/// What a setter needs to know about who is setting. The default is CONFIG SET's (and
/// the table defaults'): not reading a file.
#[derive(Default)]
pub(crate) struct SetContext {
    /// Redis's `reading_config_file`: true while a configuration text is being read.
    /// Redis clears it when any text (including an included file) finishes, so `save`
    /// lines after an `include` replace the save points instead of adding to them.
    pub reading_file: bool,
    /// Redis's once-per-load flag: the first `save` line read from a file replaces the
    /// default save points; later ones append.
    pub save_points_loaded: bool,
}

pub(crate) const SAVE: Kind =
    Kind::Special { default: Some("3600 1 300 100 60 10000"), multi: true, get: get_save, set: set_save };

fn get_save(c: &Config) -> String {
    let parts: Vec<String> = c.save.iter().map(|(s, n)| format!("{s} {n}")).collect();
    parts.join(" ")
}

/// `save <seconds> <changes> [...]`; a single `""` clears. Numbers are read with C
/// `strtoll` (so `010` and `+60` pass and huge values saturate); seconds must be at
/// least 1, changes at least 0.
fn set_save(c: &mut Config, args: &[Vec<u8>], ctx: &mut SetContext) -> Result<(), String> {
    let mut args = args;
    if args.len() == 1 && args[0].is_empty() {
        c.save.clear();
        args = &[];
    }
    if !args.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    let mut points = Vec::new();
    for pair in args.chunks(2) {
        let (seconds, changes) = (c_strtoll(&pair[0], 10), c_strtoll(&pair[1], 10));
        if !seconds.whole || !changes.whole || seconds.value < 1 || changes.value < 0 {
            return Err("Invalid save parameters".into());
        }
        points.push((seconds.value as u64, changes.value as u64));
    }
    if !ctx.reading_file {
        c.save.clear();
    } else if !ctx.save_points_loaded {
        // Defaults apply unless the file has a save line; its first one replaces them.
        ctx.save_points_loaded = true;
        c.save.clear();
    }
    c.save.extend(points);
    Ok(())
}

pub(crate) const BIND: Kind =
    Kind::Special { default: Some("* -::*"), multi: true, get: |c| c.bind.join(" "), set: set_bind };

/// Redis's `CONFIG_BINDADDR_MAX`.
const MAX_BIND_ADDRESSES: usize = 16;

/// `bind addr [addr ...]`: up to 16 addresses; a single `""` means none. Whether they can
/// be bound is for the server ("Failed to bind to specified addresses." at runtime).
fn set_bind(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    let args = if args.len() == 1 && args[0].is_empty() { &[] } else { args };
    if args.len() > MAX_BIND_ADDRESSES {
        return Err("Too many bind addresses specified.".into());
    }
    c.bind = args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    Ok(())
}

pub(crate) const CLIENT_OUTPUT_BUFFER_LIMIT: Kind = Kind::Special {
    default: Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    multi: true,
    get: get_client_output_buffer_limit,
    set: set_client_output_buffer_limit,
};

fn get_client_output_buffer_limit(c: &Config) -> String {
    let l = &c.client_output_buffer_limit;
    let class = |name: &str, x: &OutputBufferLimit| format!("{name} {} {} {}", x.hard, x.soft, x.soft_seconds);
    format!("{} {} {}", class("normal", &l.normal), class("slave", &l.replica), class("pubsub", &l.pubsub))
}

/// `client-output-buffer-limit <class> <hard> <soft> <soft-seconds> [...]`: classes
/// `normal`, `replica`/`slave`, `pubsub`; sizes take memory units; every group is checked
/// before any is applied.
fn set_client_output_buffer_limit(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    if !args.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = c.client_output_buffer_limit;
    for group in args.chunks(4) {
        let class = group[0].to_ascii_lowercase();
        let slot = match class.as_slice() {
            b"normal" => &mut limits.normal,
            b"replica" | b"slave" => &mut limits.replica,
            b"pubsub" => &mut limits.pubsub,
            _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
        };
        let seconds = c_strtoll(&group[3], 10);
        let (Some(hard), Some(soft), true, false, true) =
            (memtoull(&group[1]), memtoull(&group[2]), seconds.whole, seconds.overflow, seconds.value >= 0)
        else {
            return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into());
        };
        *slot = OutputBufferLimit { hard, soft, soft_seconds: seconds.value as u64 };
    }
    c.client_output_buffer_limit = limits;
    Ok(())
}

pub(crate) const NOTIFY_KEYSPACE_EVENTS: Kind = Kind::Special {
    default: None,
    multi: false,
    get: |c| c.notify_keyspace_events.clone(),
    set: set_notify_keyspace_events,
};

/// The classes `A` stands for, in the order Redis prints them when not all are set.
const ALL_CLASSES: &[u8] = b"g$lshzxetd";

/// `notify-keyspace-events <classes>`, case-sensitive letters. Stored as Redis prints it:
/// `A` when all of `g$lshzxetd` are on (then `n` is not printed, as in Redis), else those
/// letters and `n`; then `K`, `E`, `m`.
fn set_notify_keyspace_events(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    let arg = args.first().map_or(&[][..], |a| a.as_slice());
    let mut on = [false; 256];
    for &b in arg {
        match b {
            b'A' => ALL_CLASSES.iter().for_each(|&x| on[usize::from(x)] = true),
            b'g' | b'$' | b'l' | b's' | b'h' | b'z' | b'x' | b'e' | b't' | b'd' | b'n' | b'K' | b'E' | b'm' => {
                on[usize::from(b)] = true
            }
            _ => return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
        }
    }
    let mut printed = String::new();
    if ALL_CLASSES.iter().all(|&x| on[usize::from(x)]) {
        printed.push('A');
    } else {
        for &x in ALL_CLASSES.iter().chain(b"n") {
            if on[usize::from(x)] {
                printed.push(char::from(x));
            }
        }
    }
    for &x in b"KEm" {
        if on[usize::from(x)] {
            printed.push(char::from(x));
        }
    }
    c.notify_keyspace_events = printed;
    Ok(())
}

pub(crate) const OOM_SCORE_ADJ_VALUES: Kind = Kind::Special {
    default: Some("0 200 800"),
    multi: true,
    get: |c| c.other.get("oom-score-adj-values").cloned().unwrap_or_default(),
    set: set_oom_score_adj_values,
};

/// `oom-score-adj-values <master> <replica> <bgchild>`: three integers in -2000..=2000.
fn set_oom_score_adj_values(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    if args.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut values = Vec::new();
    for a in args {
        let v = c_strtoll(a, 10);
        if !v.whole || !(-2000..=2000).contains(&v.value) {
            return Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into());
        }
        values.push(v.value.to_string());
    }
    c.other.insert("oom-score-adj-values", values.join(" "));
    Ok(())
}

pub(crate) const LATENCY_TRACKING_INFO_PERCENTILES: Kind = Kind::Special {
    default: Some("50 99 99.9"),
    multi: true,
    get: |c| {
        let parts: Vec<String> = c.latency_tracking_info_percentiles.iter().map(|&p| format_trimmed_f(p)).collect();
        parts.join(" ")
    },
    set: set_latency_tracking_info_percentiles,
};

/// `latency-tracking-info-percentiles <p> [...]`: doubles in 0..=100; `""` means none.
fn set_latency_tracking_info_percentiles(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    let args = if args.len() == 1 && args[0].is_empty() { &[] } else { args };
    let mut values = Vec::new();
    for a in args {
        let v = string2d(a).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&v) {
            return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
        }
        values.push(v);
    }
    c.latency_tracking_info_percentiles = values;
    Ok(())
}

pub(crate) const DIR: Kind =
    Kind::Special { default: None, multi: false, get: |c| c.dir_path().to_string_lossy().into_owned(), set: set_dir };

/// `dir <path>`: must be an existing directory, reported with `chdir`'s error text
/// ("No such file or directory", "Not a directory"). Relative paths are taken from the
/// current `dir`, as Redis's successive `chdir`s would; the stored value is the
/// canonical absolute path, which is what Redis's `getcwd` reports.
fn set_dir(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    let arg = args.first().map_or(&[][..], |a| a.as_slice());
    if arg.is_empty() {
        return Err("No such file or directory".into());
    }
    let path = PathBuf::from(String::from_utf8_lossy(arg).into_owned());
    let path = if path.is_absolute() { path } else { c.dir_path().join(path) };
    let canonical = std::fs::canonicalize(&path).map_err(|e| strerror(&e))?;
    if !canonical.is_dir() {
        return Err("Not a directory".into());
    }
    c.dir = canonical.to_string_lossy().into_owned();
    Ok(())
}

pub(crate) const REPLICAOF: Kind = Kind::Special {
    default: Some("no one"),
    multi: true,
    get: |c| match &c.replicaof {
        Some((host, port)) => format!("{host} {port}"),
        None => String::new(),
    },
    set: set_replicaof,
};

/// `replicaof <host> <port>` or `replicaof no one`.
fn set_replicaof(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    let [host, port] = args else {
        return Err("wrong number of arguments".into());
    };
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        c.replicaof = None;
        return Ok(());
    }
    let p = c_strtoll(port, 10);
    if !p.whole || !(0..=65535).contains(&p.value) {
        return Err("Invalid master port".into());
    }
    c.replicaof = Some((String::from_utf8_lossy(host).into_owned(), p.value as u16));
    Ok(())
}

pub(crate) const ACTIVEDEFRAG: Kind = Kind::Special {
    default: Some("no"),
    multi: false,
    get: |c| c.other.get("activedefrag").cloned().unwrap_or_default(),
    set: set_activedefrag,
};

/// `activedefrag yes|no`. Redis built without its patched jemalloc (as the reference
/// 7.0.15 build is) refuses `yes` in files and CONFIG SET alike; we can't defragment
/// either, so we refuse it with the same words.
fn set_activedefrag(c: &mut Config, args: &[Vec<u8>], _: &mut SetContext) -> Result<(), String> {
    let arg = args.first().map_or(&[][..], |a| a.as_slice());
    match parse_yes_no(arg) {
        None => Err("argument must be 'yes' or 'no'".into()),
        Some(true) => Err("Active defragmentation cannot be enabled: it requires a Redis server \
                           compiled with a modified Jemalloc like the one shipped by default \
                           with the Redis source distribution"
            .into()),
        Some(false) => {
            c.other.insert("activedefrag", "no".into());
            Ok(())
        }
    }
}

pub(crate) fn check_dbfilename(_: &Config, v: &[u8]) -> Result<(), String> {
    if v.contains(&b'/') {
        return Err("dbfilename can't be a path, just a filename".into());
    }
    Ok(())
}

pub(crate) fn check_appendfilename(_: &Config, v: &[u8]) -> Result<(), String> {
    if v.is_empty() {
        return Err("appendfilename can't be empty".into());
    }
    if v.contains(&b'/') {
        return Err("appendfilename can't be a path, just a filename".into());
    }
    Ok(())
}

pub(crate) fn check_appenddirname(_: &Config, v: &[u8]) -> Result<(), String> {
    if v.is_empty() {
        return Err("appenddirname can't be empty".into());
    }
    if v.contains(&b'/') {
        return Err("appenddirname can't be a path, just a dirname".into());
    }
    Ok(())
}

pub(crate) fn check_hostname(_: &Config, v: &[u8]) -> Result<(), String> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters".into());
    }
    if !v.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into());
    }
    Ok(())
}

/// Redis expands the template with an empty `{title}` and refuses it if a `{...}` is
/// unknown or unterminated, or if the result is empty once spaces are trimmed. What the
/// variables expand to matters only for emptiness: `{server-mode}` is empty outside
/// cluster mode, `{unixsocket}` when there is none; the others never are (recorded:
/// `{config-file}` passes even without a configuration file).
pub(crate) fn check_proc_title_template(c: &Config, v: &[u8]) -> Result<(), String> {
    let stand_in = |name: &[u8]| -> Option<String> {
        let something = match name {
            b"title" => false,
            b"server-mode" => c.other.get("cluster-enabled").is_some_and(|v| v == "yes"),
            b"unixsocket" => !c.unixsocket.is_empty(),
            b"listen-addr" | b"port" | b"tls-port" | b"config-file" => true,
            _ => return None,
        };
        Some(if something { "x".into() } else { String::new() })
    };
    match expand_proc_title_template(v, stand_in) {
        Some(title) if !title.is_empty() => Ok(()),
        _ => Err("template format is invalid or contains unknown variables".to_string()),
    }
}

/// Redis's `expandProcTitleTemplate`: each `{name}` replaced by `var(name)`, `{{` by a
/// literal `{` (a lone `}` is literal), the result trimmed of spaces. `None` when a
/// variable is unknown (`var` answers `None`) or a brace is unterminated.
pub(crate) fn expand_proc_title_template(v: &[u8], var: impl Fn(&[u8]) -> Option<String>) -> Option<String> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] != b'{' {
            out.push(v[i]);
            i += 1;
            continue;
        }
        if v.get(i + 1)? == &b'{' {
            out.push(b'{');
            i += 2;
            continue;
        }
        let close = v[i + 1..].iter().position(|&b| b == b'}')?;
        out.extend_from_slice(var(&v[i + 1..i + 1 + close])?.as_bytes());
        i += close + 2;
    }
    let text = String::from_utf8_lossy(&out);
    Some(text.trim_matches(' ').to_string())
}

//! The parameter table: one row per Redis 7.0.15 configuration parameter.
//!
//! Owns, for each parameter: its canonical name and alias, whether CONFIG SET may change
//! it (immutable / protected) and whether `CONFIG GET *` lists it (hidden), its kind with
//! Redis's validation and range, its default, and where its value lives (a typed field of
//! `Config`, or its printed text in `Config::other`). The file parser, the command line,
//! CONFIG GET and CONFIG SET all read these rows and nothing else.
//!
//! Ranges, defaults, mutability and enum spellings were recorded from a running
//! redis-server 7.0.15 (CONFIG GET *, CONFIG SET of every parameter to its own value and
//! to out-of-range values, and start-up with bad files for the immutable ones).
//! The rows live in `server.rs`, `data.rs` and `replication.rs` by area; `kinds.rs`
//! holds how each kind validates and prints, `special.rs` the parameters with their own
//! syntax.

mod data;
mod replication;
mod server;

use super::kinds::Kind;
use super::Config;

/// CONFIG SET refuses it: "can't set immutable config".
pub(crate) const IMMUTABLE: u8 = 1;
/// CONFIG SET refuses it unless `enable-protected-configs` allows: "can't set protected
/// config".
pub(crate) const PROTECTED: u8 = 2;
/// Left out of glob matches in CONFIG GET (exact names still answer).
pub(crate) const HIDDEN: u8 = 4;

/// One configuration parameter.
pub(crate) struct Param {
    /// Canonical name, lower case.
    pub name: &'static str,
    /// Older name Redis still accepts and lists (`slave-read-only`, `hash-max-ziplist-*`).
    pub alias: Option<&'static str>,
    /// `IMMUTABLE`, `PROTECTED`, `HIDDEN`.
    pub flags: u8,
    /// Validation, printing, default and storage.
    pub kind: Kind,
}

impl Param {
    const fn new(name: &'static str, kind: Kind) -> Param {
        Param { name, alias: None, flags: 0, kind }
    }

    const fn alias(mut self, alias: &'static str) -> Param {
        self.alias = Some(alias);
        self
    }

    const fn flags(mut self, flags: u8) -> Param {
        self.flags = flags;
        self
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// The row for `name` (canonical or alias, any case), hidden ones included.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static Param> {
    all().find(|p| {
        name.eq_ignore_ascii_case(p.name.as_bytes()) || p.alias.is_some_and(|a| name.eq_ignore_ascii_case(a.as_bytes()))
    })
}

/// Every parameter, in the order CONFIG GET answers globs.
static GROUPS: &[&[Param]] = &[
    server::NETWORK,
    server::SECURITY,
    server::GENERAL,
    data::PERSISTENCE,
    data::MEMORY,
    data::EVENTS,
    data::ENCODINGS,
    replication::REPLICATION,
    replication::CLUSTER,
    replication::TLS,
];

/// Every parameter row, hidden ones included.
pub(crate) fn all() -> impl Iterator<Item = &'static Param> {
    GROUPS.iter().flat_map(|group| group.iter())
}

const INT_MIN: i128 = i32::MIN as i128;
const INT_MAX: i128 = i32::MAX as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LLONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;
const MB: i64 = 1024 * 1024;

const DEBUG_ENABLE: &[(&str, u8)] = &[("no", 0), ("yes", 1), ("local", 2)];
const LOGLEVELS: &[(&str, u8)] = &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
const APPENDFSYNC: &[(&str, u8)] = &[("everysec", 0), ("always", 1), ("no", 2)];
const MAXMEMORY_POLICIES: &[(&str, u8)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const SUPERVISED: &[(&str, u8)] = &[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)];
const SYSLOG_FACILITIES: &[(&str, u8)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
const REPL_DISKLESS_LOAD: &[(&str, u8)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
// `relative` prints as `yes`: Redis prints the first name with the value.
const OOM_SCORE_ADJ: &[(&str, u8)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, u8)] = &[("allchannels", 0), ("resetchannels", 1)];
const SANITIZE_DUMP_PAYLOAD: &[(&str, u8)] = &[("no", 0), ("yes", 1), ("clients", 2)];
const CLUSTER_ENDPOINT_TYPES: &[(&str, u8)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIOR: &[(&str, u8)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
const TLS_AUTH_CLIENTS: &[(&str, u8)] = &[("no", 0), ("yes", 1), ("optional", 2)];
const SHUTDOWN_FLAGS: &[(&str, u8)] = &[("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)];

fn lossy(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn enable_value(e: super::Enable) -> u8 {
    match e {
        super::Enable::No => 0,
        super::Enable::Yes => 1,
        super::Enable::Local => 2,
    }
}

fn enable_from(v: u8) -> super::Enable {
    match v {
        1 => super::Enable::Yes,
        2 => super::Enable::Local,
        _ => super::Enable::No,
    }
}

fn loglevel_from(v: u8) -> super::LogLevel {
    match v {
        0 => super::LogLevel::Debug,
        1 => super::LogLevel::Verbose,
        3 => super::LogLevel::Warning,
        4 => super::LogLevel::Nothing,
        _ => super::LogLevel::Notice,
    }
}

/// The value of `name` in an enum's spellings (for parameters kept as their name).
fn name_value(names: &[(&str, u8)], name: &str) -> u8 {
    names.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or(0, |&(_, v)| v)
}

/// The printed name of `value`: Redis prints the first spelling with that value.
pub(crate) fn value_name(names: &[(&str, u8)], value: u8) -> String {
    names.iter().find(|&&(_, v)| v == value).map_or(String::new(), |(n, _)| n.to_string())
}

fn shutdown_bits(f: super::ShutdownFlags) -> u8 {
    u8::from(f.save) | u8::from(f.nosave) << 1 | u8::from(f.now) << 2 | u8::from(f.force) << 3
}

fn shutdown_from(v: u8) -> super::ShutdownFlags {
    super::ShutdownFlags { save: v & 1 != 0, nosave: v & 2 != 0, now: v & 4 != 0, force: v & 8 != 0 }
}

/// A `Config` with every parameter at Redis 7.0.15's default, built from the table so
/// the defaults live in one place.
pub(crate) fn default_config() -> Config {
    let mut config = Config::blank();
    for param in all() {
        param.kind.reset(param.name, &mut config);
    }
    config
}

//! The server's configuration: every Redis 7.0.15 parameter, typed, with its default.
//!
//! Owns reading `redis.conf` text and `redis-server` command-line arguments, and the
//! CONFIG GET / CONFIG SET semantics (which names exist, how values are validated and
//! printed, which parameters are immutable or protected, the exact error texts). One
//! parameter table (`table/`) drives all four, so a parameter cannot be settable in a
//! file but unknown to CONFIG GET.
//!
//! What it must not do: act on a value. Changing the process (binding sockets, opening
//! the log, chdir, daemonizing, rewriting the default user's password) is the server's
//! job; `Config::set_checked` returns the names that changed so the server can apply
//! them. In particular `dir` is never `chdir`'d into here: parallel in-process servers
//! (tests) would fight over the process's one working directory. Instead a `dir` line
//! is checked and stored as an absolute path, and relative paths given later in the
//! same load (`include`, `logfile`) are resolved against it, as Redis does after its
//! `chdir`.
//!
//! Who calls it: `main.rs` (`Config::from_args`, printing `ConfigError` like Redis), the
//! CONFIG command (`get`, `set_checked`), and anything that reads a parameter.

mod error;
mod get;
mod kinds;
mod load;
mod rewrite;
mod set;
mod special;
mod table;
mod value;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub(crate) use error::strerror;
pub use error::ConfigError;

/// Every parameter's current value, typed. Cloning is cheap enough for connections to
/// cache a snapshot.
///
/// Typed fields are the parameters the server acts on (or soon will). Every other
/// parameter Redis 7.0.15 lists in `CONFIG GET *` lives in `other` as its printed value,
/// already validated; the table knows how to validate and print both kinds alike.
#[derive(Clone, Debug)]
pub struct Config {
    /// Addresses to listen on; Redis 7's default `* -::*` (a leading `-` means "skip if
    /// unavailable"). Empty means no TCP listener.
    pub bind: Vec<String>,
    /// TCP port; 0 in Redis means "no TCP listener" (our tests use it as "ephemeral").
    pub port: u16,
    /// Listen backlog passed to `listen(2)`.
    pub tcp_backlog: u32,
    /// Unix socket path; empty means none.
    pub unixsocket: String,
    /// Permissions of the unix socket (octal in the file, e.g. 700); 0 leaves the umask's.
    pub unixsocketperm: u32,
    /// Refuse non-loopback clients while no password is set and bind is the default.
    pub protected_mode: bool,
    /// Close clients idle this many seconds; 0 = never.
    pub timeout: u64,
    /// SO_KEEPALIVE interval in seconds; 0 = off.
    pub tcp_keepalive: u64,
    /// Most simultaneous clients.
    pub maxclients: u64,
    /// The default user's password; `None` when `requirepass ""`.
    pub requirepass: Option<Vec<u8>>,
    /// ACL file path; empty means users come from `user` lines instead.
    pub aclfile: String,
    /// Most entries ACL LOG keeps.
    pub acllog_max_len: u64,
    /// Who may run DEBUG.
    pub enable_debug_command: Enable,
    /// Who may CONFIG SET protected parameters (`dir`, `dbfilename`).
    pub enable_protected_configs: Enable,
    /// Who may run MODULE.
    pub enable_module_command: Enable,
    /// Number of logical databases (SELECT 0..databases-1).
    pub databases: usize,
    /// Background task frequency, already clamped to 1..=500 as Redis does.
    pub hz: u32,
    /// Scale `hz` with the number of clients.
    pub dynamic_hz: bool,
    /// Least severe level that is logged.
    pub loglevel: LogLevel,
    /// Log file; empty means standard output.
    pub logfile: String,
    /// Fork into the background at start.
    pub daemonize: bool,
    /// Where to write the pid; empty means nowhere (unless daemonized).
    pub pidfile: String,
    /// Redis's `io-threads` as configured (default 1); see [`Config::worker_threads`].
    pub io_threads: usize,
    /// Largest bulk string a client may send.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer a client may accumulate.
    pub client_query_buffer_limit: u64,
    /// Output buffer limits per client class.
    pub client_output_buffer_limit: OutputBufferLimits,
    /// Milliseconds a script or function may run before others get BUSY.
    pub busy_reply_threshold: u64,
    /// RDB save points as (seconds, changes); empty means no automatic saves.
    pub save: Vec<(u64, u64)>,
    /// Working directory as an absolute path; empty means the process's current one.
    pub dir: String,
    /// RDB file name inside `dir`.
    pub dbfilename: String,
    /// Compress strings in RDB files with LZF.
    pub rdbcompression: bool,
    /// Write and check the RDB CRC64 trailer.
    pub rdbchecksum: bool,
    /// Refuse writes after a failed background save.
    pub stop_writes_on_bgsave_error: bool,
    /// Keep an append-only file.
    pub appendonly: bool,
    /// Base name of the AOF files.
    pub appendfilename: String,
    /// Directory (inside `dir`) holding the AOF files.
    pub appenddirname: String,
    /// `always`, `everysec` or `no`.
    pub appendfsync: String,
    /// Start rewritten AOFs with an RDB preamble.
    pub aof_use_rdb_preamble: bool,
    /// Write `#TS:` annotations into the AOF.
    pub aof_timestamp_enabled: bool,
    /// Load a truncated AOF tail instead of refusing to start.
    pub aof_load_truncated: bool,
    /// Rewrite when the AOF grew this many percent since the last rewrite; 0 = never.
    pub auto_aof_rewrite_percentage: u64,
    /// Don't auto-rewrite an AOF smaller than this.
    pub auto_aof_rewrite_min_size: u64,
    /// Memory limit in bytes; 0 = none.
    pub maxmemory: u64,
    /// Eviction policy name, e.g. `noeviction`, `allkeys-lru`.
    pub maxmemory_policy: String,
    /// Keys sampled per eviction.
    pub maxmemory_samples: u64,
    /// How hard eviction tries per command (0..=100).
    pub maxmemory_eviction_tenacity: u64,
    /// Free evicted values in the background.
    pub lazyfree_lazy_eviction: bool,
    /// Free expired values in the background.
    pub lazyfree_lazy_expire: bool,
    /// Free values deleted as a side effect (RENAME, SET over a key) in the background.
    pub lazyfree_lazy_server_del: bool,
    /// Make DEL behave like UNLINK.
    pub lazyfree_lazy_user_del: bool,
    /// Make FLUSHALL/FLUSHDB default to ASYNC.
    pub lazyfree_lazy_user_flush: bool,
    /// Active expiry effort, 1..=10.
    pub active_expire_effort: u64,
    /// LFU counter logarithm factor.
    pub lfu_log_factor: u64,
    /// LFU counter decay period in minutes.
    pub lfu_decay_time: u64,
    /// Keyspace notification classes in Redis's canonical letters (`AKE`, `Kg$`, …).
    pub notify_keyspace_events: String,
    /// Log commands slower than this many microseconds; -1 disables, 0 logs everything.
    pub slowlog_log_slower_than: i64,
    /// Most entries SLOWLOG keeps.
    pub slowlog_max_len: u64,
    /// LATENCY monitor threshold in milliseconds; 0 = off.
    pub latency_monitor_threshold: u64,
    /// Track per-command latency histograms for INFO latencystats.
    pub latency_tracking: bool,
    /// Percentiles INFO latencystats reports.
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// Most keys client-side caching tracks.
    pub tracking_table_max_keys: u64,
    /// Hash stays a listpack up to this many fields…
    pub hash_max_listpack_entries: u64,
    /// …each at most this long.
    pub hash_max_listpack_value: u64,
    /// Set stays an intset up to this many members.
    pub set_max_intset_entries: u64,
    /// Sorted set stays a listpack up to this many members…
    pub zset_max_listpack_entries: u64,
    /// …each at most this long.
    pub zset_max_listpack_value: u64,
    /// Quicklist node size: positive = entries, -1..-5 = 4kb..64kb.
    pub list_max_listpack_size: i64,
    /// Quicklist nodes left uncompressed at each end; 0 = no compression.
    pub list_compress_depth: u64,
    /// Stream node byte limit.
    pub stream_node_max_bytes: u64,
    /// Stream node entry limit.
    pub stream_node_max_entries: u64,
    /// HyperLogLog sparse representation limit in bytes.
    pub hll_sparse_max_bytes: u64,
    /// What SIGINT does.
    pub shutdown_on_sigint: ShutdownFlags,
    /// What SIGTERM does.
    pub shutdown_on_sigterm: ShutdownFlags,
    /// Seconds SHUTDOWN waits for replicas.
    pub shutdown_timeout: u64,
    /// `replicaof host port`; `None` for a master.
    pub replicaof: Option<(String, u16)>,
    /// `rename-command` lines, in file order, for the server to check and apply.
    pub rename_commands: Vec<Directive>,
    /// `user` lines, in file order, for the ACL module.
    pub users: Vec<Directive>,
    /// `loadmodule` lines, in file order.
    pub load_modules: Vec<Directive>,
    /// Module parameters (`name.with.dot value ...` lines), in file order. Redis keeps
    /// them for the modules it loads; with none to claim them it logs "Module
    /// Configuration detected without loadmodule directive or no ApplyConfig call:
    /// aborting" after start-up and exits 1. The server must do the same.
    pub module_configs: Vec<Directive>,
    /// Absolute path of the configuration file given on the command line (INFO's
    /// `config_file`, proc-title's `{config-file}`); `None` without one.
    pub config_file: Option<String>,
    /// Every other parameter, by canonical name, as CONFIG GET prints it.
    pub other: BTreeMap<&'static str, String>,
}

/// `loglevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
    /// Redis 7.2's `nothing`. Redis 7.0.15 refuses it, so the parser never produces it;
    /// it exists for a server that wants to silence itself.
    Nothing,
}

/// `enable-debug-command`, `enable-protected-configs`, `enable-module-command`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enable {
    No,
    Yes,
    /// Allowed only for connections from a loopback address or the unix socket.
    Local,
}

impl Enable {
    /// Whether a client (local or not) is allowed.
    pub fn allows(self, client_is_local: bool) -> bool {
        match self {
            Enable::No => false,
            Enable::Yes => true,
            Enable::Local => client_is_local,
        }
    }
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: SHUTDOWN's modifiers; all false is
/// Redis's `default`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShutdownFlags {
    pub save: bool,
    pub nosave: bool,
    pub now: bool,
    pub force: bool,
}

/// One client class's `client-output-buffer-limit`: disconnect above `hard` bytes, or
/// above `soft` bytes for `soft_seconds` seconds. 0 disables a limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputBufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// `client-output-buffer-limit` for the three classes Redis knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputBufferLimits {
    pub normal: OutputBufferLimit,
    /// Redis prints this class as `slave` and accepts `replica` or `slave` on input.
    pub replica: OutputBufferLimit,
    pub pubsub: OutputBufferLimit,
}

/// A configuration line the configuration module keeps for another module to act on
/// (`rename-command`, `user`, `loadmodule`), with where it came from so that module can
/// report a bad line exactly as Redis would, via [`Directive::error`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The arguments after the directive name, unquoted.
    pub args: Vec<Vec<u8>>,
    /// 1-based line number in the text it was read from.
    pub line: usize,
    /// The line as Redis echoes it in errors (trimmed).
    pub text: String,
}

impl Directive {
    /// The start-up error Redis prints for this line with `reason`, e.g. "No such
    /// command in rename-command".
    pub fn error(&self, reason: &str) -> ConfigError {
        ConfigError::at_line(self.line, &self.text, reason)
    }
}

impl Default for Config {
    /// Redis 7.0.15's defaults, taken from the parameter table.
    fn default() -> Config {
        table::default_config()
    }
}

impl Config {
    /// Every field empty or zero, before the table's defaults are applied.
    pub(crate) fn blank() -> Config {
        Config {
            bind: Vec::new(),
            port: 0,
            tcp_backlog: 0,
            unixsocket: String::new(),
            unixsocketperm: 0,
            protected_mode: false,
            timeout: 0,
            tcp_keepalive: 0,
            maxclients: 0,
            requirepass: None,
            aclfile: String::new(),
            acllog_max_len: 0,
            enable_debug_command: Enable::No,
            enable_protected_configs: Enable::No,
            enable_module_command: Enable::No,
            databases: 0,
            hz: 0,
            dynamic_hz: false,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            daemonize: false,
            pidfile: String::new(),
            io_threads: 0,
            proto_max_bulk_len: 0,
            client_query_buffer_limit: 0,
            client_output_buffer_limit: OutputBufferLimits::default(),
            busy_reply_threshold: 0,
            save: Vec::new(),
            dir: String::new(),
            dbfilename: String::new(),
            rdbcompression: false,
            rdbchecksum: false,
            stop_writes_on_bgsave_error: false,
            appendonly: false,
            appendfilename: String::new(),
            appenddirname: String::new(),
            appendfsync: String::new(),
            aof_use_rdb_preamble: false,
            aof_timestamp_enabled: false,
            aof_load_truncated: false,
            auto_aof_rewrite_percentage: 0,
            auto_aof_rewrite_min_size: 0,
            maxmemory: 0,
            maxmemory_policy: String::new(),
            maxmemory_samples: 0,
            maxmemory_eviction_tenacity: 0,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            active_expire_effort: 0,
            lfu_log_factor: 0,
            lfu_decay_time: 0,
            notify_keyspace_events: String::new(),
            slowlog_log_slower_than: 0,
            slowlog_max_len: 0,
            latency_monitor_threshold: 0,
            latency_tracking: false,
            latency_tracking_info_percentiles: Vec::new(),
            tracking_table_max_keys: 0,
            hash_max_listpack_entries: 0,
            hash_max_listpack_value: 0,
            set_max_intset_entries: 0,
            zset_max_listpack_entries: 0,
            zset_max_listpack_value: 0,
            list_max_listpack_size: 0,
            list_compress_depth: 0,
            stream_node_max_bytes: 0,
            stream_node_max_entries: 0,
            hll_sparse_max_bytes: 0,
            shutdown_on_sigint: ShutdownFlags::default(),
            shutdown_on_sigterm: ShutdownFlags::default(),
            shutdown_timeout: 0,
            replicaof: None,
            rename_commands: Vec::new(),
            users: Vec::new(),
            load_modules: Vec::new(),
            module_configs: Vec::new(),
            config_file: None,
            other: BTreeMap::new(),
        }
    }

    /// Builds the configuration from `argv` after the program name, exactly as
    /// `redis-server` takes it: `[/path/to/redis.conf] [-] [--name value ...]`.
    ///
    /// A first argument not starting with `-` is the configuration file; `-` as the first
    /// or last argument also reads configuration from standard input. Each `--name`
    /// starts a new line `name "value" "value"`; repeated `--save` accumulate, `--save ""`
    /// (or a bare `--save`) clears the save points. `-v`, `--version`, `-h`, `--help`,
    /// `--test-memory` and `--check-system` are for the binary to handle before this.
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        load::from_args(Config::default(), args)
    }

    /// As [`Config::from_args`], over `defaults` instead of Redis's compiled-in values.
    /// The server binary uses it for the container image's one changed default
    /// (`protected-mode no`, which the official image patches into its build).
    pub fn from_args_over(defaults: Config, args: &[String]) -> Result<Config, ConfigError> {
        load::from_args(defaults, args)
    }

    /// CONFIG REWRITE: brings the file at `path` up to date with this configuration,
    /// keeping its comments and order (see `rewrite`). The error is `strerror`'s text.
    pub fn rewrite_file(&self, path: &std::path::Path) -> Result<(), String> {
        rewrite::rewrite_file(self, path)
    }

    /// Does `args` ask for configuration on standard input? Redis logs "Reading config
    /// from stdin" before reading it, so the binary may want to know first.
    pub fn wants_stdin(args: &[String]) -> bool {
        load::wants_stdin(args)
    }

    /// Applies `redis.conf` text on top of this configuration. `include` paths are
    /// resolved like Redis (relative to `dir` if one was set, else the process's
    /// current directory). `source_name` is only for humans reading a debugger; error
    /// texts carry line numbers, as Redis's do, not file names.
    pub fn apply_conf_text(&mut self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        let _ = source_name;
        load::apply_text(self, text.as_bytes())
    }

    /// CONFIG GET with one or more glob patterns (case-insensitive): (name, value) pairs,
    /// without duplicates, in pattern order then table order. A pattern without glob
    /// characters is an exact lookup that also finds hidden parameters and answers with
    /// the name as the client spelled it; a glob matches canonical names and aliases.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        get::matching(self, patterns)
    }

    /// The value of one parameter (canonical name or alias, any case) as CONFIG GET
    /// prints it; `None` if no such parameter.
    pub fn get_one(&self, name: &str) -> Option<String> {
        get::one(self, name)
    }

    /// CONFIG SET name value [name value ...]: all or nothing. On failure nothing changes
    /// and the error is Redis's exact text (without the leading `-`). Protected
    /// parameters are refused unless `enable-protected-configs` is `yes`.
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        self.set_checked(pairs, false).map(|_| ())
    }

    /// CONFIG SET as [`Config::set`], knowing whether the client is local (which
    /// `enable-protected-configs local` needs). Returns the canonical names of the
    /// parameters set, in order, so the server can apply side effects (rebind after
    /// `port`/`bind`, update the default user after `requirepass`, …).
    pub fn set_checked(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        client_is_local: bool,
    ) -> Result<Vec<&'static str>, String> {
        set::set_pairs(self, pairs, client_is_local)
    }

    /// CONFIG SET from the raw arguments after `SET` (`name value name value ...`):
    /// an odd count is Redis's "ERR syntax error". Fewer than two arguments is an arity
    /// error the command table reports before this is reached.
    pub fn set_args(&mut self, args: &[&[u8]], client_is_local: bool) -> Result<Vec<&'static str>, String> {
        if !args.len().is_multiple_of(2) {
            return Err("ERR syntax error".to_string());
        }
        let pairs: Vec<(&[u8], &[u8])> = args.chunks_exact(2).map(|p| (p[0], p[1])).collect();
        self.set_checked(&pairs, client_is_local)
    }

    /// How many worker threads to run: `io-threads` when configured above 1, else one
    /// per available CPU but one, and at least one. (Redis's `io-threads 1` means "main
    /// thread only"; ours always has workers, so the default picks from the machine's
    /// parallelism.) The CPU left over runs the kernel's network work, the AOF, cron and
    /// snapshot threads, and the clients that share the machine (the gateway beside it,
    /// a benchmark). On 2 vCPUs a second worker only competed with those: in the same
    /// `benches/compare.py --aof` session, one worker against two gave geomean ratios
    /// to Redis of 1.038 against 1.023 at -P 1 and 1.042 against 1.032 at -P 16, with
    /// less CPU per request, and 1.05-1.07 against 0.95-1.05 under `appendfsync always`.
    pub fn worker_threads(&self) -> usize {
        if self.io_threads <= 1 {
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
        } else {
            self.io_threads
        }
    }

    /// The process title Redis's `set-proc-title` gives the server: `proc-title-template`
    /// expanded with `title` (the name the program was run as) and this configuration,
    /// e.g. `redis-server *:6379`. `None` when `set-proc-title` is `no`.
    pub fn proc_title(&self, title: &str) -> Option<String> {
        if self.get_one("set-proc-title").is_some_and(|v| v == "no") {
            return None;
        }
        let template = self.get_one("proc-title-template").unwrap_or_default();
        let tls_port = self.get_one("tls-port").unwrap_or_else(|| "0".into());
        let cluster = self.get_one("cluster-enabled").is_some_and(|v| v == "yes");
        let var = |name: &[u8]| -> Option<String> {
            Some(match name {
                b"title" => title.to_string(),
                // Redis names the first bind address (`*` for the default `* -::*`), and
                // the unix socket only when there is no TCP port at all.
                b"listen-addr" if self.port != 0 || tls_port != "0" => {
                    let port = if self.port != 0 { self.port.to_string() } else { tls_port.clone() };
                    format!("{}:{port}", self.bind.first().map_or("*", String::as_str))
                }
                b"listen-addr" => format!("unixsocket:{}", self.unixsocket),
                b"server-mode" if cluster => "[cluster]".into(),
                b"server-mode" => String::new(),
                b"port" => self.port.to_string(),
                b"tls-port" => tls_port.clone(),
                b"unixsocket" => self.unixsocket.clone(),
                b"config-file" => self.config_file.clone().unwrap_or_default(),
                _ => return None,
            })
        };
        special::expand_proc_title_template(template.as_bytes(), var)
    }

    /// The working directory: `dir` if set, else the process's current directory.
    pub fn dir_path(&self) -> PathBuf {
        if self.dir.is_empty() {
            std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
        } else {
            PathBuf::from(&self.dir)
        }
    }

    /// `path` as Redis would open it after its `chdir(dir)`: absolute paths unchanged,
    /// relative ones under `dir`. Use for `dbfilename`, `appenddirname`, `logfile`,
    /// `pidfile`, `unixsocket`, `aclfile`.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        let p = PathBuf::from(path);
        if p.is_absolute() {
            p
        } else {
            self.dir_path().join(p)
        }
    }
}

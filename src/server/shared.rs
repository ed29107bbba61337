//! State shared by every connection: the store, the configuration, the client registry,
//! statistics and the shutdown signal.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::client::ClientRegistry;
use super::log::{Level, Logger};
use crate::config::Config;
use crate::store::Store;

/// Server-wide counters (INFO stats and errorstats).
#[derive(Debug, Default)]
pub struct ServerStats {
    pub commands_processed: AtomicU64,
    pub connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub failed_calls: AtomicU64,
    pub rejected_calls: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    /// Changes since the last save (save points, INFO persistence).
    pub dirty: AtomicU64,
    pub total_error_replies: AtomicU64,
    /// Error replies by code (`ERR`, `WRONGTYPE`, ...).
    pub errors: Mutex<BTreeMap<String, u64>>,
}

impl ServerStats {
    /// Counts an error reply under its code, as INFO errorstats does.
    pub fn record_error(&self, text: &[u8]) {
        self.total_error_replies.fetch_add(1, Ordering::Relaxed);
        let code = text.split(|c| *c == b' ').next().unwrap_or(b"ERR");
        let code = String::from_utf8_lossy(&code[..code.len().min(128)]).into_owned();
        *self.errors.lock().entry(code).or_insert(0) += 1;
    }
}

/// A connection's hold on the store gate while it runs a batch: taken shared on first
/// use, released for a command that needs the gate exclusively, and dropped at the end
/// of the batch (before any `.await`).
pub struct GateHold<'s> {
    gate: &'s RwLock<()>,
    guard: Option<RwLockReadGuard<'s, ()>>,
    /// The AOF's order lock, once a write ran in this batch (always taken after the
    /// gate, and given up before the gate is taken exclusively).
    order: Option<std::sync::MutexGuard<'s, ()>>,
    order_lock: &'s crate::persist::aof::append::SleepLock<()>,
}

impl<'s> GateHold<'s> {
    /// Not holding anything yet, for a batch on `shared`.
    pub fn new(shared: &'s Shared) -> GateHold<'s> {
        GateHold { gate: &shared.gate, guard: None, order: None, order_lock: &shared.aof.write_lock }
    }

    /// Holds the AOF's write-order lock until the batch ends; the gate must be held.
    pub fn order(&mut self) {
        if self.order.is_none() {
            self.order = Some(self.order_lock.lock());
        }
    }

    /// Makes sure the gate is held shared.
    pub fn shared(&mut self) {
        if self.guard.is_none() {
            self.guard = Some(self.gate.read());
        }
    }

    /// Gives up the shared hold (and the order lock) and takes the gate exclusively.
    pub fn exclusive(&mut self) -> RwLockWriteGuard<'s, ()> {
        self.order = None;
        self.guard = None;
        self.gate.write()
    }
}

/// CLIENT PAUSE state, read by every connection before each command (atomics, so the
/// common unpaused case costs one load).
#[derive(Debug, Default)]
pub struct Pause {
    /// Unix ms until which commands wait (0 = not paused).
    pub until: AtomicU64,
    /// Only writes wait (`WRITE` mode).
    pub writes_only: AtomicBool,
}

/// Everything the connections share.
#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    config: RwLock<Arc<Config>>,
    config_gen: AtomicU64,
    pub clients: ClientRegistry,
    pub stats: ServerStats,
    /// Held shared by every command and exclusively by commands that need the whole
    /// keyspace at one instant (FLUSHALL, SWAPDB; EXEC and snapshots later).
    pub gate: RwLock<()>,
    pub started: Instant,
    pub started_unix_ms: u64,
    /// 40 hex characters, new at every start (INFO `run_id`).
    pub run_id: String,
    pub log: Logger,
    /// The port actually bound (INFO `tcp_port`).
    pub port: AtomicU64,
    pub pause: Pause,
    shutdown_requested: AtomicBool,
    shutdown_tx: tokio::sync::watch::Sender<bool>,
    /// `used_memory` right after start (INFO `used_memory_startup`).
    pub startup_memory: u64,
    /// The highest `used_memory` seen (INFO `used_memory_peak`), sampled by the cron.
    pub peak_memory: AtomicU64,
    /// `notify-keyspace-events` as class bits (0 = off), kept in step with the config.
    pub notify_flags: Arc<std::sync::atomic::AtomicU32>,
    /// Channel and pattern subscriptions.
    pub pubsub: super::pubsub::PubSub,
    /// MONITOR clients.
    pub monitors: super::pubsub::Monitors,
    /// maxmemory eviction's pool and statistics.
    pub evictor: super::maxmemory::Evictor,
    /// The latency monitor's events (LATENCY LATEST/HISTORY).
    pub latency: Mutex<crate::commands::latency::Monitor>,
    /// Command names after `rename-command`.
    pub renames: crate::commands::table::Renames,
    /// SLOWLOG's entries.
    pub slowlog: Mutex<crate::commands::slowlog::SlowLog>,
    /// DEBUG SET-ACTIVE-EXPIRE: false stops the active expiry cycle.
    pub active_expire: AtomicBool,
    /// The executable's path (INFO `executable`).
    pub executable: String,
    /// The configuration file given at start (INFO `config_file`).
    pub config_file: String,
    /// Saves, save points and load results (INFO persistence).
    pub persist: crate::persist::save::State,
    /// The append-only log.
    pub aof: crate::persist::aof::append::Aof,
    /// The AOF directory and manifest while the AOF is on.
    pub aof_layout: Mutex<Option<crate::persist::aof::files::Layout>>,
    /// This value's own `Arc`, for work that outlives a command (BGSAVE's thread).
    me: std::sync::Weak<Shared>,
    /// Signals (SIGTERM, SIGINT) asking the server to save and stop; each one is a new
    /// attempt, as in Redis, so a second signal retries a final save that failed.
    pub stop_requests: tokio::sync::Notify,
}

/// Redis log level names → our levels.
pub fn log_level(config: &Config) -> Option<Level> {
    use crate::config::LogLevel;
    match config.loglevel {
        LogLevel::Debug => Some(Level::Debug),
        LogLevel::Verbose => Some(Level::Verbose),
        LogLevel::Notice => Some(Level::Notice),
        LogLevel::Warning => Some(Level::Warning),
        LogLevel::Nothing => None,
    }
}

/// Unix time in microseconds.
pub fn unix_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// Unix time in milliseconds.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Shared {
    /// Shared state for a server with `config`.
    pub fn new(config: Config, config_file: String) -> Arc<Shared> {
        let shards = 64;
        let store = Store::new(config.databases, shards);
        store.set_eviction_params(&config);
        let log = Logger::new(log_level(&config), config.logfile.clone());
        let notify_events = config.notify_keyspace_events.clone();
        let renames = crate::commands::table::Renames::new(&config.rename_commands);
        let run_id: String = (0..40).map(|_| format!("{:x}", rand::random::<u8>() & 15)).collect();
        let (shutdown_tx, _) = tokio::sync::watch::channel(false);
        let shared = Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            stop_requests: tokio::sync::Notify::new(),
            persist: crate::persist::save::State::new(),
            aof: Default::default(),
            aof_layout: Mutex::new(None),
            store,
            config: RwLock::new(Arc::new(config)),
            config_gen: AtomicU64::new(0),
            clients: ClientRegistry::default(),
            stats: ServerStats::default(),
            gate: RwLock::new(()),
            started: Instant::now(),
            started_unix_ms: unix_ms(),
            run_id,
            log,
            port: AtomicU64::new(0),
            pause: Pause::default(),
            shutdown_requested: AtomicBool::new(false),
            active_expire: AtomicBool::new(true),
            slowlog: Mutex::new(Default::default()),
            pubsub: Default::default(),
            monitors: Default::default(),
            evictor: Default::default(),
            latency: Default::default(),
            renames,
            notify_flags: Arc::new(std::sync::atomic::AtomicU32::new(super::notify::parse_flags(&notify_events))),
            startup_memory: super::memory::used_memory(),
            peak_memory: AtomicU64::new(0),
            shutdown_tx,
            executable: std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
            config_file,
        });
        let weak = Arc::downgrade(&shared);
        let _ = shared.aof.logger.set(crate::persist::aof::append::LogHook(Box::new(move |level, msg| {
            if let Some(shared) = weak.upgrade() {
                shared.log(level, msg);
            }
        })));
        // Keys the store itself creates or expires become keyspace notifications.
        let weak = Arc::downgrade(&shared);
        let flags = shared.notify_flags.clone();
        let _ = shared.store.events.set(crate::store::EventHook(Box::new(move |class, event, db, key| {
            let aof = class == crate::store::EVENT_EXPIRED || class == crate::store::EVENT_EVICTED;
            if flags.load(Ordering::Relaxed) & class == 0 && !aof {
                return;
            }
            if let Some(shared) = weak.upgrade() {
                // An expired or evicted key is logged as DEL when it is removed, under
                // its shard's lock.
                if aof && shared.aof.enabled() {
                    shared.aof.append(db, &[&[b"DEL".as_slice(), key]]);
                }
                if flags.load(Ordering::Relaxed) & class != 0 {
                    super::notify::notify(&shared, class, event, db, key, unix_ms());
                }
            }
        })));
        shared
    }

    /// This shared state as an `Arc`.
    pub fn arc(&self) -> Arc<Shared> {
        self.me.upgrade().unwrap_or_else(|| unreachable!("Shared is only ever built inside an Arc"))
    }

    /// The current configuration.
    pub fn config(&self) -> Arc<Config> {
        self.config.read().clone()
    }

    /// A number that changes whenever the configuration does; connections compare it
    /// to know when to refresh their snapshot.
    pub fn config_generation(&self) -> u64 {
        self.config_gen.load(Ordering::Acquire)
    }

    /// Applies a change to the configuration atomically (CONFIG SET).
    pub fn update_config<R>(&self, f: impl FnOnce(&mut Config) -> R) -> R {
        let mut guard = self.config.write();
        let mut next = (**guard).clone();
        let r = f(&mut next);
        self.log.configure(log_level(&next), next.logfile.clone());
        self.notify_flags.store(super::notify::parse_flags(&next.notify_keyspace_events), Ordering::Relaxed);
        *guard = Arc::new(next);
        self.config_gen.fetch_add(1, Ordering::AcqRel);
        r
    }

    /// Asks the server to stop (SHUTDOWN, signals).
    pub fn request_shutdown(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
        let _ = self.shutdown_tx.send(true);
    }

    /// Has a stop been requested?
    pub fn shutting_down(&self) -> bool {
        self.shutdown_requested.load(Ordering::SeqCst)
    }

    /// A receiver that changes to true when the server stops.
    pub fn shutdown_watch(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown_tx.subscribe()
    }

    /// Is the active expiry cycle enabled?
    pub fn debug_active_expire_enabled(&self) -> bool {
        self.active_expire.load(Ordering::Relaxed)
    }

    /// Logs a line.
    pub fn log(&self, level: Level, msg: &str) {
        self.log.log(level, msg);
    }
}

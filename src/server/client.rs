//! Client state: what a connection keeps for itself, and what it shares for CLIENT
//! LIST / CLIENT KILL / INFO clients.
//!
//! [`Client`] is owned by its connection task and passed to handlers as `&mut`. The
//! [`ClientHandle`] is the registry's view of the same client: other connections read
//! it (CLIENT LIST) and signal it (CLIENT KILL) without touching the socket.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
    /// Set by CLIENT REPLY SKIP; becomes Skip after the CLIENT command's own reply.
    SkipNext,
}

/// Fields other clients read (CLIENT LIST), updated by the owning connection.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub name: Option<Bytes>,
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub db: usize,
    pub resp: u8,
    pub last_cmd: String,
    pub last_interaction: Instant,
    pub qbuf: usize,
    pub qbuf_free: usize,
    pub omem: usize,
    pub no_evict: bool,
    pub no_touch: bool,
    pub authenticated: bool,
    pub subs: usize,
    pub psubs: usize,
    pub multi: i64,
    /// Capacity of the reply buffer (CLIENT LIST `rbs`).
    pub rbs: usize,
    /// Ran MONITOR (CLIENT LIST flag `O`).
    pub monitor: bool,
}

/// The registry's handle on one client.
#[derive(Debug)]
pub struct ClientHandle {
    pub id: u64,
    pub addr: SocketAddr,
    pub laddr: SocketAddr,
    pub created: Instant,
    pub meta: Mutex<ClientMeta>,
    /// Set by CLIENT KILL or shutdown; the connection closes when it sees it.
    pub killed: AtomicBool,
    /// Wakes the connection so it notices `killed` (or a reply the AOF could send only
    /// part of) while idle.
    pub wake: tokio::sync::Notify,
    /// Pub/Sub messages for this client; its connection drains and writes them.
    pub mailbox: tokio::sync::mpsc::UnboundedSender<super::pubsub::PushMsg>,
    /// Bytes of messages queued but not yet written (output-buffer limit).
    pub pending_bytes: AtomicU64,
    /// Bytes of replies being written now (CLIENT LIST `obl`; 0 between writes).
    pub obl: AtomicU64,
    /// Since when (unix ms) `pending_bytes` is over the soft limit; 0 when under it.
    pub soft_limit_since: AtomicU64,
}

/// Waking the handle wakes its connection (for [`crate::persist::aof::append::Handoff`]).
impl std::task::Wake for ClientHandle {
    fn wake(self: Arc<Self>) {
        self.wake.notify_one();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake.notify_one();
    }
}

impl ClientHandle {
    /// Asks the connection to close.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

/// All connected clients.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    next_id: AtomicU64,
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
}

impl ClientRegistry {
    /// Registers a new connection and returns its handle (ids start at 1, as Redis's
    /// first client is... id 2 or 3 there; ours are only unique and increasing).
    pub fn register(
        &self,
        addr: SocketAddr,
        laddr: SocketAddr,
    ) -> (Arc<ClientHandle>, tokio::sync::mpsc::UnboundedReceiver<super::pubsub::PushMsg>) {
        let (mailbox, inbox) = tokio::sync::mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let now = Instant::now();
        let h = Arc::new(ClientHandle {
            id,
            addr,
            laddr,
            created: now,
            meta: Mutex::new(ClientMeta {
                name: None,
                lib_name: None,
                lib_ver: None,
                db: 0,
                resp: 2,
                last_cmd: "NULL".into(),
                last_interaction: now,
                qbuf: 0,
                qbuf_free: 0,
                omem: 0,
                no_evict: false,
                no_touch: false,
                authenticated: false,
                subs: 0,
                psubs: 0,
                multi: -1,
                rbs: 0,
                monitor: false,
            }),
            killed: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
            mailbox,
            pending_bytes: AtomicU64::new(0),
            obl: AtomicU64::new(0),
            soft_limit_since: AtomicU64::new(0),
        });
        self.clients.lock().insert(id, h.clone());
        (h, inbox)
    }

    /// Forgets a closed connection.
    pub fn unregister(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    /// Every connected client, by id, but those already killed: Redis frees a killed
    /// client at once, so CLIENT LIST and a second CLIENT KILL never see it, while
    /// here its connection may take a moment to close.
    pub fn list(&self) -> Vec<Arc<ClientHandle>> {
        self.clients.lock().values().filter(|h| !h.killed.load(Ordering::Relaxed)).cloned().collect()
    }

    /// Number of connected clients.
    pub fn count(&self) -> usize {
        self.clients.lock().len()
    }
}

/// One connection's own state, handed to handlers.
#[derive(Debug)]
pub struct Client {
    pub id: u64,
    /// Selected database.
    pub db: usize,
    /// Protocol version: 2 or 3.
    pub resp: u8,
    /// AUTH succeeded (or no password is configured).
    pub authenticated: bool,
    pub name: Option<Bytes>,
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub reply_mode: ReplyMode,
    /// Close the connection once the current replies are written (QUIT, protocol error).
    pub close_after_reply: bool,
    pub no_evict: bool,
    pub no_touch: bool,
    /// Table index of the last command run (CLIENT LIST `cmd=`).
    pub last_command: usize,
    pub handle: Arc<ClientHandle>,
    /// Per-command counters for the current batch (flushed to the table after it).
    pub stats: BatchStats,
    /// Channels this client is subscribed to, in subscription order.
    pub subscriptions: Vec<Bytes>,
    /// Patterns this client is subscribed to, in subscription order.
    pub patterns: Vec<Bytes>,
    /// Set by a blocking command that has to wait; the connection takes it.
    pub blocked: Option<crate::commands::blocking::Blocked>,
    /// EXEC is running this client's queue (blocking commands do not block).
    pub in_exec: bool,
    /// Ran MONITOR: sees every command of the others, may not touch the keyspace.
    pub monitor: bool,
    /// The AOF position this client's last write reaches (`appendfsync always` waits
    /// for it before replying).
    pub aof_pos: u64,
    /// What the commands of the running EXEC log, wrapped in MULTI/EXEC at its end.
    pub exec_log: Vec<(usize, Vec<Bytes>)>,
    /// Keys written by the current command that blocked clients may wait on.
    pub ready_keys: Vec<(usize, Bytes)>,
    /// Commands queued since MULTI (None outside a transaction).
    pub multi: Option<Vec<crate::protocol::Args>>,
    /// A command was refused while queueing: EXEC will abort.
    pub multi_error: bool,
    /// Keys this client WATCHes: (db, key, already expired when watched).
    pub watched: Vec<(usize, Bytes, bool)>,
    /// Set when a watched key changes.
    pub watch_dirty: crate::store::watch::WatchFlag,
    /// The last command name seen, exactly as sent, and its table index: pipelines
    /// repeat one command, so most lookups are one short comparison.
    pub last_lookup: ([u8; 16], u8, usize),
}

/// Counters of one command within a batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct CmdCounts {
    pub calls: u64,
    pub usec: u64,
    pub failed: u64,
}

/// Per-command counters a connection gathers during one batch. A pipeline usually
/// repeats one or two commands, so a short list beats a map.
#[derive(Debug, Default)]
pub struct BatchStats {
    entries: Vec<(usize, CmdCounts)>,
}

impl BatchStats {
    /// Counts one call of the command at table index `idx`.
    pub fn record(&mut self, idx: usize, usec: u64, failed: bool) {
        let slot = match self.entries.iter_mut().find(|(i, _)| *i == idx) {
            Some((_, c)) => c,
            None => {
                self.entries.push((idx, CmdCounts::default()));
                match self.entries.last_mut() {
                    Some((_, c)) => c,
                    None => return,
                }
            }
        };
        slot.calls += 1;
        slot.usec += usec;
        slot.failed += u64::from(failed);
    }

    /// Takes the counters out, leaving the list empty.
    pub fn drain(&mut self) -> std::vec::Drain<'_, (usize, CmdCounts)> {
        self.entries.drain(..)
    }
}

impl Client {
    /// Number of channel and pattern subscriptions (what SUBSCRIBE replies count).
    pub fn subscription_count(&self) -> usize {
        self.subscriptions.len() + self.patterns.len()
    }

    /// In RESP2 with a subscription, only Pub/Sub commands, PING, QUIT and RESET run.
    pub fn in_resp2_subscribed_mode(&self) -> bool {
        self.resp == 2 && self.subscription_count() > 0
    }

    /// A fresh client for a registered connection.
    pub fn new(handle: Arc<ClientHandle>, authenticated: bool) -> Client {
        Client {
            id: handle.id,
            db: 0,
            resp: 2,
            authenticated,
            name: None,
            lib_name: None,
            lib_ver: None,
            reply_mode: ReplyMode::On,
            close_after_reply: false,
            no_evict: false,
            no_touch: false,
            last_command: usize::MAX,
            handle,
            stats: BatchStats::default(),
            last_lookup: ([0; 16], 0, usize::MAX),
            blocked: None,
            in_exec: false,
            monitor: false,
            aof_pos: 0,
            exec_log: Vec::new(),
            ready_keys: Vec::new(),
            subscriptions: Vec::new(),
            patterns: Vec::new(),
            multi: None,
            multi_error: false,
            watched: Vec::new(),
            watch_dirty: Default::default(),
        }
    }
}

//! Pub/Sub delivery: who is subscribed to which channel or pattern, and handing
//! messages to subscribers without ever waiting on them.
//!
//! Each client has an unbounded mailbox (its connection drains it and writes the
//! messages). Boundedness comes from `client-output-buffer-limit pubsub`: a publisher
//! counts the bytes it hands to a subscriber that are not yet written, and a subscriber
//! over the hard limit, or over the soft limit for longer than its seconds, is closed
//! instead of being sent more, as Redis does. So a slow subscriber never blocks a
//! publisher or the server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use super::client::ClientHandle;
use crate::config::OutputBufferLimit;

/// One message for a subscriber.
#[derive(Debug, Clone)]
pub enum PushMsg {
    /// A message on a channel the client subscribed to.
    Message { channel: Bytes, payload: Bytes },
    /// A message matching a pattern the client subscribed to.
    PMessage { pattern: Bytes, channel: Bytes, payload: Bytes },
    /// A command another client ran, as the line MONITOR shows (a status reply).
    Monitor(Bytes),
}

impl PushMsg {
    /// Roughly the bytes this message takes in an output buffer.
    pub fn size(&self) -> u64 {
        let n = match self {
            PushMsg::Message { channel, payload } => channel.len() + payload.len(),
            PushMsg::PMessage { pattern, channel, payload } => pattern.len() + channel.len() + payload.len(),
            PushMsg::Monitor(line) => line.len(),
        };
        (n + 48) as u64
    }
}

/// The subscription registry.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: Mutex<HashMap<Bytes, Vec<Arc<ClientHandle>>, foldhash::fast::RandomState>>,
    patterns: Mutex<Vec<(Bytes, Arc<ClientHandle>)>>,
}

impl PubSub {
    /// Adds a channel subscription; false if the client already had it.
    pub fn subscribe(&self, channel: &Bytes, client: &Arc<ClientHandle>) -> bool {
        let mut channels = self.channels.lock();
        let list = channels.entry(channel.clone()).or_default();
        if list.iter().any(|c| c.id == client.id) {
            return false;
        }
        list.push(client.clone());
        true
    }

    /// Removes a channel subscription; false if the client did not have it.
    pub fn unsubscribe(&self, channel: &[u8], client_id: u64) -> bool {
        let mut channels = self.channels.lock();
        let Some(list) = channels.get_mut(channel) else { return false };
        let before = list.len();
        list.retain(|c| c.id != client_id);
        let removed = list.len() != before;
        if list.is_empty() {
            channels.remove(channel);
        }
        removed
    }

    /// Adds a pattern subscription; false if the client already had it.
    pub fn psubscribe(&self, pattern: &Bytes, client: &Arc<ClientHandle>) -> bool {
        let mut patterns = self.patterns.lock();
        if patterns.iter().any(|(p, c)| p == pattern && c.id == client.id) {
            return false;
        }
        patterns.push((pattern.clone(), client.clone()));
        true
    }

    /// Removes a pattern subscription; false if the client did not have it.
    pub fn punsubscribe(&self, pattern: &[u8], client_id: u64) -> bool {
        let mut patterns = self.patterns.lock();
        let before = patterns.len();
        patterns.retain(|(p, c)| !(&p[..] == pattern && c.id == client_id));
        patterns.len() != before
    }

    /// PUBLISH: hands the message to every subscriber of the channel and of matching
    /// patterns; returns how many received it.
    pub fn publish(&self, channel: &Bytes, payload: &Bytes, limit: OutputBufferLimit, now_ms: u64) -> i64 {
        let mut receivers = 0;
        let direct: Vec<Arc<ClientHandle>> = self.channels.lock().get(channel).cloned().unwrap_or_default();
        for client in direct {
            let msg = PushMsg::Message { channel: channel.clone(), payload: payload.clone() };
            if deliver(&client, msg, limit, now_ms) {
                receivers += 1;
            }
        }
        let matching: Vec<(Bytes, Arc<ClientHandle>)> =
            self.patterns.lock().iter().filter(|(p, _)| crate::glob::glob_match(p, channel, false)).cloned().collect();
        for (pattern, client) in matching {
            let msg = PushMsg::PMessage { pattern, channel: channel.clone(), payload: payload.clone() };
            if deliver(&client, msg, limit, now_ms) {
                receivers += 1;
            }
        }
        receivers
    }

    /// PUBSUB CHANNELS: active channels matching `pattern` (all without one).
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.channels
            .lock()
            .keys()
            .filter(|c| pattern.is_none_or(|p| crate::glob::glob_match(p, c, false)))
            .cloned()
            .collect()
    }

    /// PUBSUB NUMSUB: subscribers of one channel.
    pub fn numsub(&self, channel: &[u8]) -> usize {
        self.channels.lock().get(channel).map_or(0, |l| l.iter().filter(|c| !c.killed.load(Ordering::Relaxed)).count())
    }

    /// PUBSUB NUMPAT: number of distinct patterns subscribed to.
    pub fn numpat(&self) -> usize {
        let patterns = self.patterns.lock();
        let mut distinct: Vec<&Bytes> = patterns.iter().map(|(p, _)| p).collect();
        distinct.sort();
        distinct.dedup();
        distinct.len()
    }
}

/// MONITOR clients: each command another client runs reaches them as one line.
#[derive(Debug, Default)]
pub struct Monitors {
    list: Mutex<Vec<Arc<ClientHandle>>>,
    /// The list's length, so that the common case (nobody monitors) costs one load.
    count: AtomicUsize,
}

impl Monitors {
    /// Is anybody monitoring?
    pub fn active(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// `client` ran MONITOR.
    pub fn add(&self, client: &Arc<ClientHandle>) {
        let mut list = self.list.lock();
        list.push(client.clone());
        self.count.store(list.len(), Ordering::Relaxed);
    }

    /// The client is no longer a monitor (it left, or ran RESET).
    pub fn remove(&self, client_id: u64) {
        let mut list = self.list.lock();
        list.retain(|c| c.id != client_id);
        self.count.store(list.len(), Ordering::Relaxed);
    }

    /// Hands every monitor the line for `args`, run by the client at `addr` in `db`;
    /// a monitor over its output-buffer limit (the normal class) is closed instead.
    pub fn feed(&self, db: usize, addr: &SocketAddr, args: &[Bytes], limit: OutputBufferLimit, unix_us: u64) {
        let monitors: Vec<Arc<ClientHandle>> = self.list.lock().clone();
        let line = monitor_line(unix_us, db, addr, args);
        for client in monitors {
            deliver(&client, PushMsg::Monitor(line.clone()), limit, unix_us / 1000);
        }
    }
}

/// Redis's MONITOR line: `<unix seconds>.<micros> [<db> <ip:port>] "arg" ...`, every
/// argument quoted as `sdscatrepr` does, the credentials of AUTH and HELLO ... AUTH
/// replaced by `(redacted)`.
pub fn monitor_line(unix_us: u64, db: usize, addr: &SocketAddr, args: &[Bytes]) -> Bytes {
    let mut line = format!("{}.{:06} [{db} {addr}]", unix_us / 1_000_000, unix_us % 1_000_000).into_bytes();
    let name = args.first().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
    // HELLO [protover [AUTH username password] [SETNAME name]]: the two after AUTH.
    let hello_auth = if name == b"hello" {
        args.iter().skip(2).position(|a| a.eq_ignore_ascii_case(b"auth")).map(|i| i + 2)
    } else {
        None
    };
    for (i, arg) in args.iter().enumerate() {
        line.push(b' ');
        let redacted = (name == b"auth" && i > 0) || hello_auth.is_some_and(|at| i == at + 1 || i == at + 2);
        if redacted {
            line.extend_from_slice(b"\"(redacted)\"");
        } else {
            crate::sds::quote_arg(arg, &mut line);
        }
    }
    Bytes::from(line)
}

/// Queues `msg` for `client` unless that would break its output-buffer limit, in which
/// case the client is closed (as Redis closes a subscriber that cannot keep up).
fn deliver(client: &ClientHandle, msg: PushMsg, limit: OutputBufferLimit, now_ms: u64) -> bool {
    if client.killed.load(Ordering::Relaxed) {
        return false;
    }
    let size = msg.size();
    let pending = client.pending_bytes.load(Ordering::Relaxed) + size;
    if limit.hard > 0 && pending > limit.hard {
        client.kill();
        return false;
    }
    if limit.soft > 0 && pending > limit.soft {
        let since = client.soft_limit_since.load(Ordering::Relaxed);
        if since == 0 {
            client.soft_limit_since.store(now_ms, Ordering::Relaxed);
        } else if now_ms.saturating_sub(since) >= limit.soft_seconds * 1000 {
            client.kill();
            return false;
        }
    } else {
        client.soft_limit_since.store(0, Ordering::Relaxed);
    }
    client.pending_bytes.fetch_add(size, Ordering::Relaxed);
    if client.mailbox.send(msg).is_err() {
        client.pending_bytes.fetch_sub(size, Ordering::Relaxed);
        return false;
    }
    true
}

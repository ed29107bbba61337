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
use std::sync::atomic::Ordering;
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
}

impl PushMsg {
    /// Roughly the bytes this message takes in an output buffer.
    pub fn size(&self) -> u64 {
        let n = match self {
            PushMsg::Message { channel, payload } => channel.len() + payload.len(),
            PushMsg::PMessage { pattern, channel, payload } => pattern.len() + channel.len() + payload.len(),
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

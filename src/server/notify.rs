//! Keyspace notifications (`notify-keyspace-events`): publishing `__keyspace@<db>__:<key>`
//! and `__keyevent@<db>__:<event>` messages when commands change keys, as Redis 7.0.
//!
//! Handlers call `Ctx::notify` with the event's class and name; the store reports
//! `expired` (lazy and active expiry) and `new` (a key created) through a hook that
//! lands here. With no flags configured every call returns after one atomic load.

use bytes::Bytes;

use super::shared::Shared;

/// Event classes, as the letters of `notify-keyspace-events` name them.
pub mod class {
    pub const GENERIC: u32 = 1 << 0; // g
    pub const STRING: u32 = 1 << 1; // $
    pub const LIST: u32 = 1 << 2; // l
    pub const SET: u32 = 1 << 3; // s
    pub const HASH: u32 = 1 << 4; // h
    pub const ZSET: u32 = 1 << 5; // z
    pub const EXPIRED: u32 = 1 << 6; // x
    pub const EVICTED: u32 = 1 << 7; // e
    pub const STREAM: u32 = 1 << 8; // t
    pub const KEY_MISS: u32 = 1 << 9; // m
    pub const MODULE: u32 = 1 << 10; // d
    pub const NEW: u32 = 1 << 11; // n
    pub const KEYSPACE: u32 = 1 << 20; // K
    pub const KEYEVENT: u32 = 1 << 21; // E
    /// `A`: every class but key-miss and new.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// The class bits of a `notify-keyspace-events` value (already validated by config).
pub fn parse_flags(s: &str) -> u32 {
    let mut flags = 0;
    for c in s.chars() {
        flags |= match c {
            'A' => class::ALL,
            'g' => class::GENERIC,
            '$' => class::STRING,
            'l' => class::LIST,
            's' => class::SET,
            'h' => class::HASH,
            'z' => class::ZSET,
            'x' => class::EXPIRED,
            'e' => class::EVICTED,
            't' => class::STREAM,
            'm' => class::KEY_MISS,
            'd' => class::MODULE,
            'n' => class::NEW,
            'K' => class::KEYSPACE,
            'E' => class::KEYEVENT,
            _ => 0,
        };
    }
    // Without K or E nothing is published.
    if flags & (class::KEYSPACE | class::KEYEVENT) == 0 {
        0
    } else {
        flags
    }
}

/// Publishes the notifications for `event` on `key` in `db`, if its class is enabled.
pub fn notify(shared: &Shared, class_bit: u32, event: &str, db: usize, key: &[u8], now_ms: u64) {
    let flags = shared.notify_flags.load(std::sync::atomic::Ordering::Relaxed);
    if flags & class_bit == 0 {
        return;
    }
    let limit = shared.config().client_output_buffer_limit.pubsub;
    if flags & class::KEYSPACE != 0 {
        let mut channel = format!("__keyspace@{db}__:").into_bytes();
        channel.extend_from_slice(key);
        shared.pubsub.publish(&Bytes::from(channel), &Bytes::copy_from_slice(event.as_bytes()), limit, now_ms);
    }
    if flags & class::KEYEVENT != 0 {
        let channel = Bytes::from(format!("__keyevent@{db}__:{event}"));
        shared.pubsub.publish(&channel, &Bytes::copy_from_slice(key), limit, now_ms);
    }
}

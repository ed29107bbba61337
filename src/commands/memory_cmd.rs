//! MEMORY USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and HELP.
//!
//! The figures are ours (our entry layout, our allocator counter), in Redis's reply
//! shapes and field names; the DOCTOR's findings use Redis's thresholds and words.

use bytes::Bytes;

use super::flags::*;
use super::table::container_row;
use super::table::Command;
use super::{errors as e, CmdResult, Ctx};
use crate::protocol::Reply;
use crate::server::memory;

const fn sub(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: 0, keys, handler, subcommands: &[] }
}

pub static COMMANDS: &[Command] = &[container_row(
    "memory",
    &[
        sub("doctor", 2, 0, (0, 0, 0), doctor),
        sub("help", 2, LOADING | STALE, (0, 0, 0), help),
        sub("malloc-stats", 2, 0, (0, 0, 0), malloc_stats),
        sub("purge", 2, 0, (0, 0, 0), purge),
        sub("stats", 2, 0, (0, 0, 0), stats),
        sub("usage", -3, READONLY, (2, 2, 1), usage),
    ],
)];

/// Bytes of one key's dict node: the entry (two words and a pointer) and the chain link.
const NODE_BYTES: usize = 32;

/// MEMORY USAGE key [SAMPLES count] → Integer bytes, or Nil for a missing key. Our
/// collections know their exact size, so SAMPLES is checked as Redis does and not needed.
fn usage(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut j = 3;
    while j < a.len() {
        if a[j].eq_ignore_ascii_case(b"samples") && j + 1 < a.len() {
            let n = crate::numbers::parse_i64(&a[j + 1]).ok_or_else(|| e::custom(e::NOT_INTEGER))?;
            if n < 0 {
                return Err(e::custom(e::SYNTAX));
            }
            j += 2;
        } else {
            return Err(e::custom(e::SYNTAX));
        }
    }
    let db = ctx.client.db;
    let mut t = ctx.lock(&[&a[2]]);
    Ok(t.peek_no_touch(db, &a[2]).map_or(Reply::Nil, |entry| Reply::Int((NODE_BYTES + entry.heap_size()) as i64)))
}

/// The figures STATS, DOCTOR and INFO memory share (Redis's `getMemoryOverheadData`).
pub struct Overhead {
    pub peak: u64,
    pub total: u64,
    pub startup: u64,
    pub clients: u64,
    pub aof_buffer: u64,
    /// (db, overhead of its tables) of every non-empty database.
    dbs: Vec<(usize, u64)>,
    keys: u64,
    pub allocator: memory::AllocatorStats,
    pub rss: u64,
}

impl Overhead {
    /// Reads every figure now.
    pub fn read(sh: &crate::server::shared::Shared) -> Overhead {
        let allocator = memory::allocator_stats();
        let total = allocator.allocated;
        let peak = sh.peak_memory.fetch_max(total, std::sync::atomic::Ordering::Relaxed).max(total);
        let clients = sh.clients.list().iter().map(|h| super::client_cmd::client_memory(h) as u64).sum();
        let mut dbs = Vec::new();
        let mut keys = 0;
        for db in 0..sh.store.databases() {
            let (n, table_bytes) = sh.store.db_overhead(db, NODE_BYTES);
            if n > 0 {
                keys += n as u64;
                dbs.push((db, table_bytes as u64));
            }
        }
        Overhead {
            peak,
            total,
            startup: sh.startup_memory.min(total),
            clients,
            aof_buffer: sh.aof.buffered_bytes(),
            dbs,
            keys,
            allocator,
            rss: memory::rss_bytes(),
        }
    }

    /// Memory that is not the dataset: start-up, clients, AOF buffer, key tables.
    pub fn overhead_total(&self) -> u64 {
        self.startup + self.clients + self.aof_buffer + self.dbs.iter().map(|(_, b)| b).sum::<u64>()
    }

    /// Memory the keys and values take.
    pub fn dataset(&self) -> u64 {
        self.total.saturating_sub(self.overhead_total())
    }

    /// Memory used beyond what the server took at start-up.
    pub fn net(&self) -> u64 {
        self.total.saturating_sub(self.startup)
    }

    /// Redis keeps these ratios in C floats.
    pub fn ratio(x: u64, y: u64) -> f64 {
        if y == 0 {
            return 0.0;
        }
        f64::from(x as f32 / y as f32)
    }

    fn total_frag(&self) -> f64 {
        Self::ratio(self.rss, self.total)
    }
}

/// MEMORY STATS → Map of Redis's fields.
fn stats(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let o = Overhead::read(ctx.shared);
    let int = |n: u64| Reply::Int(n as i64);
    let a = o.allocator;
    let mut m: Vec<(Reply, Reply)> = vec![
        (Reply::bulk_static("peak.allocated"), int(o.peak)),
        (Reply::bulk_static("total.allocated"), int(o.total)),
        (Reply::bulk_static("startup.allocated"), int(o.startup)),
        (Reply::bulk_static("replication.backlog"), int(0)),
        (Reply::bulk_static("clients.slaves"), int(0)),
        (Reply::bulk_static("clients.normal"), int(o.clients)),
        (Reply::bulk_static("cluster.links"), int(0)),
        (Reply::bulk_static("aof.buffer"), int(o.aof_buffer)),
        (Reply::bulk_static("lua.caches"), int(0)),
        (Reply::bulk_static("functions.caches"), int(0)),
    ];
    for (db, bytes) in &o.dbs {
        let tables = vec![
            (Reply::bulk_static("overhead.hashtable.main"), int(*bytes)),
            (Reply::bulk_static("overhead.hashtable.expires"), int(0)),
            (Reply::bulk_static("overhead.hashtable.slot-to-keys"), int(0)),
        ];
        m.push((Reply::bulk_string(format!("db.{db}")), Reply::Map(tables)));
    }
    let per_key = o.net().checked_div(o.keys).unwrap_or(0);
    m.extend([
        (Reply::bulk_static("overhead.total"), int(o.overhead_total())),
        (Reply::bulk_static("keys.count"), int(o.keys)),
        (Reply::bulk_static("keys.bytes-per-key"), int(per_key)),
        (Reply::bulk_static("dataset.bytes"), int(o.dataset())),
        (Reply::bulk_static("dataset.percentage"), Reply::Double(Overhead::ratio(o.dataset() * 100, o.net()))),
        (Reply::bulk_static("peak.percentage"), Reply::Double(Overhead::ratio(o.total * 100, o.peak))),
        (Reply::bulk_static("allocator.allocated"), int(a.allocated)),
        (Reply::bulk_static("allocator.active"), int(a.active)),
        (Reply::bulk_static("allocator.resident"), int(a.resident)),
        (Reply::bulk_static("allocator-fragmentation.ratio"), Reply::Double(Overhead::ratio(a.active, a.allocated))),
        (Reply::bulk_static("allocator-fragmentation.bytes"), int(a.active.saturating_sub(a.allocated))),
        (Reply::bulk_static("allocator-rss.ratio"), Reply::Double(Overhead::ratio(a.resident, a.active))),
        (Reply::bulk_static("allocator-rss.bytes"), int(a.resident.saturating_sub(a.active))),
        (Reply::bulk_static("rss-overhead.ratio"), Reply::Double(Overhead::ratio(o.rss, a.resident))),
        (Reply::bulk_static("rss-overhead.bytes"), int(o.rss.saturating_sub(a.resident))),
        (Reply::bulk_static("fragmentation"), Reply::Double(o.total_frag())),
        (Reply::bulk_static("fragmentation.bytes"), int(o.rss.saturating_sub(o.total))),
    ]);
    Ok(Reply::Map(m))
}

const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.";
const DOCTOR_FINE: &str =
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";
const DOCTOR_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n";
const DOCTOR_RSS: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"jemalloc-5.3.0\".\n\n";

/// MEMORY DOCTOR → Verbatim text: Redis's findings for under 5 MB in use, a peak
/// above 150% of the current use, and RSS over 1.4 times (and 10 MB over) the use.
/// FIXME(compat): Redis's findings on allocator fragmentation, allocator and process
/// RSS overhead, big client buffers and cached scripts are not reported.
fn doctor(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let o = Overhead::read(ctx.shared);
    let text = if o.total < 5 << 20 {
        DOCTOR_EMPTY.to_string()
    } else {
        let mut found = String::new();
        if o.peak as f32 / o.total as f32 > 1.5 {
            found.push_str(DOCTOR_PEAK);
        }
        if o.total_frag() > 1.4 && o.rss.saturating_sub(o.total) > 10 << 20 {
            found.push_str(DOCTOR_RSS);
        }
        if found.is_empty() {
            DOCTOR_FINE.to_string()
        } else {
            format!(
                "Sam, I detected a few issues in this Redis instance memory implants:\n\n{found}I'm here to keep you safe, Sam. I want to help you.\n"
            )
        }
    };
    Ok(Reply::Verbatim("txt", Bytes::from(text)))
}

/// MEMORY PURGE → OK: returns the allocator's unused dirty pages to the system.
fn purge(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    #[cfg(feature = "jemalloc")]
    {
        // "arena.<MALLCTL_ARENAS_ALL>.purge": a void mallctl, no value in or out.
        let name = b"arena.4096.purge\0";
        // SAFETY: a NUL-terminated name and null buffers, as a void mallctl takes.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                name.as_ptr().cast(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
    Ok(Reply::Ok)
}

/// MEMORY MALLOC-STATS → Verbatim text: jemalloc's own statistics report.
fn malloc_stats(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    #[cfg(feature = "jemalloc")]
    {
        unsafe extern "C" fn append(out: *mut std::ffi::c_void, text: *const std::ffi::c_char) {
            // SAFETY: `out` is the String passed below; jemalloc passes a C string.
            unsafe {
                let out = &mut *out.cast::<String>();
                out.push_str(&std::ffi::CStr::from_ptr(text).to_string_lossy());
            }
        }
        let mut out = String::new();
        // SAFETY: the callback only appends to `out`, which outlives the call.
        unsafe {
            tikv_jemalloc_sys::malloc_stats_print(Some(append), (&mut out as *mut String).cast(), std::ptr::null());
        }
        Ok(Reply::Verbatim("txt", Bytes::from(out)))
    }
    #[cfg(not(feature = "jemalloc"))]
    Ok(Reply::Verbatim("txt", Bytes::from_static(b"Stats not supported for the current allocator")))
}

/// MEMORY HELP → Array of help lines.
fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/memory.txt")))
}

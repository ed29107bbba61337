//! Latency: per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM) and
//! the latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR, `latency-monitor-threshold`).
//!
//! The histograms follow HdrHistogram with Redis's parameters (values in nanoseconds
//! from 1 to 10^9, two significant figures; Redis records a command's microseconds
//! times 1000), so the figures Redis prints come out the same: `p50=8.031` is the
//! highest value of the bucket holding 8 µs. Counts are atomics, allocated for a
//! command the first time it runs.
//!
//! The monitor keeps, per event (`command` for slow commands, `fast-command` for
//! commands flagged fast), the last 160 samples of at least the threshold, one per
//! second (the highest), and the all-time maximum.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use bytes::Bytes;

use super::flags::*;
use super::table::container_row;
use super::{CmdResult, Command, Ctx, TABLE};
use crate::protocol::Reply;

const fn sub(name: &'static str, arity: i32, handler: super::Handler) -> Command {
    Command {
        name,
        arity,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: 0,
        keys: (0, 0, 0),
        handler,
        subcommands: &[],
    }
}

/// LATENCY's row and its subcommands.
pub const COMMANDS: &[Command] = &[container_row(
    "latency",
    &[
        sub("doctor", 2, doctor),
        sub("graph", 3, graph),
        Command {
            name: "help",
            arity: 2,
            flags: LOADING | STALE,
            acl: 0,
            keys: (0, 0, 0),
            handler: help,
            subcommands: &[],
        },
        sub("histogram", -2, histogram),
        sub("history", 3, history),
        sub("latest", 2, latest),
        sub("reset", -2, reset),
    ],
)];

/// Smallest value a histogram tells apart (ns).
const LOWEST: u64 = 1;
/// Largest value a histogram holds (ns); longer commands count as this.
const HIGHEST: u64 = 1_000_000_000;
/// Two significant figures: 256 sub-buckets, half of them per bucket after the first.
const SUB_BUCKET_COUNT: u64 = 256;
const SUB_BUCKET_HALF_COUNT: u64 = SUB_BUCKET_COUNT / 2;
const SUB_BUCKET_HALF_MAGNITUDE: u32 = 7;
const SUB_BUCKET_MASK: u64 = SUB_BUCKET_COUNT - 1;
/// Buckets needed to reach [`HIGHEST`]: 256 << 22 is the first power past 10^9.
const BUCKETS: usize = 23;
const COUNTS: usize = (BUCKETS + 1) * SUB_BUCKET_HALF_COUNT as usize;

fn bucket_index(v: u64) -> u32 {
    (64 - (v | SUB_BUCKET_MASK).leading_zeros()) - (SUB_BUCKET_HALF_MAGNITUDE + 1)
}

fn sub_bucket_index(v: u64, bucket: u32) -> u64 {
    v >> bucket
}

fn counts_index(v: u64) -> usize {
    let bucket = bucket_index(v);
    let sub = sub_bucket_index(v, bucket);
    (((u64::from(bucket) + 1) << SUB_BUCKET_HALF_MAGNITUDE) + sub - SUB_BUCKET_HALF_COUNT) as usize
}

fn value_at_index(index: usize) -> u64 {
    let index = index as u64;
    let mut bucket = (index >> SUB_BUCKET_HALF_MAGNITUDE) as i64 - 1;
    let mut sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if bucket < 0 {
        sub -= SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    sub << bucket
}

/// The highest value counted in the same bucket as `v`.
fn highest_equivalent(v: u64) -> u64 {
    let bucket = bucket_index(v);
    let sub = sub_bucket_index(v, bucket);
    let lowest = sub << bucket;
    let width_bucket = if sub >= SUB_BUCKET_COUNT { bucket + 1 } else { bucket };
    lowest + (1u64 << width_bucket) - 1
}

/// One command's latency histogram.
#[derive(Debug)]
pub struct Histogram {
    counts: Box<[AtomicU64]>,
    total: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram { counts: (0..COUNTS).map(|_| AtomicU64::new(0)).collect(), total: AtomicU64::new(0) }
    }
}

impl Histogram {
    /// Counts one command that took `nanos`.
    pub fn record(&self, nanos: u64) {
        let v = nanos.clamp(LOWEST, HIGHEST);
        self.counts[counts_index(v)].fetch_add(1, Relaxed);
        self.total.fetch_add(1, Relaxed);
    }

    /// Forgets every count (CONFIG RESETSTAT).
    pub fn clear(&self) {
        for c in self.counts.iter() {
            c.store(0, Relaxed);
        }
        self.total.store(0, Relaxed);
    }

    /// Commands counted.
    pub fn total(&self) -> u64 {
        self.total.load(Relaxed)
    }

    fn snapshot(&self) -> Vec<u64> {
        self.counts.iter().map(|c| c.load(Relaxed)).collect()
    }

    /// HdrHistogram's `value_at_percentile`: the highest value of the bucket where the
    /// running count reaches `percentile` of the total.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let counts = self.snapshot();
        let total: u64 = counts.iter().sum();
        let wanted = ((percentile.min(100.0) / 100.0 * total as f64) + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut running = 0;
        for (i, c) in counts.iter().enumerate() {
            running += c;
            if running >= wanted {
                return highest_equivalent(value_at_index(i));
            }
        }
        0
    }

    /// LATENCY HISTOGRAM's buckets: (µs, cumulative count) at each power of two from
    /// 1024 ns, as Redis's logarithmic iteration reports them (only where it grew).
    pub fn cumulative_usec(&self) -> Vec<(u64, u64)> {
        let counts = self.snapshot();
        let total: u64 = counts.iter().sum();
        let mut out = Vec::new();
        let (mut running, mut index, mut previous) = (0u64, 0usize, 0u64);
        let mut level = 1024u64;
        while running < total && level <= HIGHEST * 2 {
            let top = highest_equivalent(level);
            while index < counts.len() && value_at_index(index) <= top {
                running += counts[index];
                index += 1;
            }
            if running > previous {
                out.push((top / 1000, running));
            }
            previous = running;
            level *= 2;
        }
        out
    }
}

/// `p` as Redis prints a percentile label (`%f` with trailing zeros trimmed).
fn percentile_label(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// INFO latencystats: one line per command that has run, in table order.
pub fn info_section(ctx: &Ctx, out: &mut String) {
    out.push_str("# Latencystats\r\n");
    if !ctx.config.latency_tracking {
        return;
    }
    for (_, entry) in TABLE.all() {
        let Some(h) = entry.stats.histogram.get() else { continue };
        if h.total() == 0 {
            continue;
        }
        let parts: Vec<String> = ctx
            .config
            .latency_tracking_info_percentiles
            .iter()
            .map(|&p| format!("p{}={:.3}", percentile_label(p), h.value_at_percentile(p) as f64 / 1000.0))
            .collect();
        out.push_str(&format!("latency_percentiles_usec_{}:{}\r\n", entry.fullname, parts.join(",")));
    }
}

/// Samples kept per event.
const SAMPLES: usize = 160;

/// One event's samples: a ring of (unix second, ms), and the all-time maximum.
#[derive(Debug, Clone)]
struct Series {
    samples: Vec<(u64, u64)>,
    next: usize,
    max: u64,
}

impl Default for Series {
    fn default() -> Series {
        Series { samples: vec![(0, 0); SAMPLES], next: 0, max: 0 }
    }
}

impl Series {
    fn add(&mut self, now: u64, ms: u64) {
        let prev = (self.next + SAMPLES - 1) % SAMPLES;
        self.max = self.max.max(ms);
        if self.samples[prev].0 == now {
            self.samples[prev].1 = self.samples[prev].1.max(ms);
            return;
        }
        self.samples[self.next] = (now, ms);
        self.next = (self.next + 1) % SAMPLES;
    }

    /// Samples oldest first.
    fn history(&self) -> Vec<(u64, u64)> {
        (0..SAMPLES).map(|i| self.samples[(self.next + i) % SAMPLES]).filter(|s| s.0 != 0).collect()
    }

    fn latest(&self) -> (u64, u64) {
        self.samples[(self.next + SAMPLES - 1) % SAMPLES]
    }
}

/// The latency monitor's events, in the order they first happened.
#[derive(Debug, Default)]
pub struct Monitor {
    events: Vec<(&'static str, Series)>,
}

impl Monitor {
    /// Adds a sample of `ms` for `event` at unix second `now`.
    pub fn add(&mut self, event: &'static str, now: u64, ms: u64) {
        match self.events.iter_mut().find(|(e, _)| *e == event) {
            Some((_, s)) => s.add(now, ms),
            None => {
                let mut s = Series::default();
                s.add(now, ms);
                self.events.push((event, s));
            }
        }
    }

    fn find(&self, event: &[u8]) -> Option<&Series> {
        self.events.iter().find(|(e, _)| e.as_bytes() == event).map(|(_, s)| s)
    }
}

/// After a command ran for `micros`: its histogram and, past the threshold, a monitor
/// sample (`fast-command` for commands flagged fast, else `command`).
pub fn record(ctx: &Ctx, idx: usize, micros: u64) {
    let entry = TABLE.get(idx);
    if ctx.config.latency_tracking {
        entry.stats.histogram.get_or_init(Histogram::default).record(micros * 1000);
    }
    let threshold = ctx.config.latency_monitor_threshold;
    let ms = micros / 1000;
    if threshold > 0 && ms >= threshold {
        let event = if entry.cmd.flags & FAST != 0 { "fast-command" } else { "command" };
        ctx.shared.latency.lock().add(event, ctx.now / 1000, ms);
    }
}

fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/latency.txt")))
}

/// LATENCY LATEST → [[event, unix time, latest ms, max ms], ...].
fn latest(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let monitor = ctx.shared.latency.lock();
    Ok(Reply::Array(
        monitor
            .events
            .iter()
            .map(|(name, s)| {
                let (time, ms) = s.latest();
                Reply::Array(vec![
                    Reply::bulk_static(name),
                    Reply::Int(time as i64),
                    Reply::Int(ms as i64),
                    Reply::Int(s.max as i64),
                ])
            })
            .collect(),
    ))
}

/// LATENCY HISTORY event → [[unix time, ms], ...], oldest first.
fn history(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let monitor = ctx.shared.latency.lock();
    let samples = monitor.find(&a[2]).map(Series::history).unwrap_or_default();
    Ok(Reply::Array(
        samples.into_iter().map(|(t, ms)| Reply::Array(vec![Reply::Int(t as i64), Reply::Int(ms as i64)])).collect(),
    ))
}

/// LATENCY RESET [event ...] → how many events were reset.
fn reset(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut monitor = ctx.shared.latency.lock();
    let before = monitor.events.len();
    if a.len() == 2 {
        monitor.events.clear();
    } else {
        monitor.events.retain(|(e, _)| !a[2..].iter().any(|n| n[..] == *e.as_bytes()));
    }
    Ok(Reply::Int((before - monitor.events.len()) as i64))
}

/// LATENCY GRAPH event: only the missing-event error so far.
fn graph(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let monitor = ctx.shared.latency.lock();
    let Some(series) = monitor.find(&a[2]) else {
        return Err(format!("ERR No samples available for event '{}'", String::from_utf8_lossy(&a[2])).into());
    };
    // FIXME(compat): Redis draws an ASCII sparkline of the samples; this prints the
    // heading and the samples as `time ms` lines.
    let history = series.history();
    let high = history.iter().map(|s| s.1).max().unwrap_or(0);
    let low = history.iter().map(|s| s.1).min().unwrap_or(0);
    let mut text = format!(
        "{} - high {high} ms, low {low} ms (all time high {} ms)\n{}\n",
        String::from_utf8_lossy(&a[2]),
        series.max,
        "-".repeat(80)
    );
    for (t, ms) in history {
        text.push_str(&format!("{t} {ms}\n"));
    }
    Ok(Reply::Verbatim("txt", Bytes::from(text)))
}

/// LATENCY DOCTOR: Redis's report of the events seen.
fn doctor(ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    let text = if ctx.config.latency_monitor_threshold == 0 {
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string()
    } else {
        doctor_report(&ctx.shared.latency.lock())
    };
    Ok(Reply::Verbatim("txt", Bytes::from(text)))
}

fn doctor_report(monitor: &Monitor) -> String {
    if monitor.events.is_empty() {
        return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n".to_string();
    }
    let mut out = String::from(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n",
    );
    let mut slow_commands = false;
    for (i, (event, series)) in monitor.events.iter().enumerate() {
        let samples = series.history();
        let n = samples.len().max(1) as u64;
        let avg = samples.iter().map(|s| s.1).sum::<u64>() / n;
        let mad = samples.iter().map(|s| s.1.abs_diff(avg)).sum::<u64>() / n;
        let span = match (samples.first(), samples.last()) {
            (Some(first), Some(last)) => last.0 - first.0,
            _ => 0,
        };
        let period = span as f64 / n as f64;
        out.push_str(&format!(
            "{}. {event}: {} latency spikes (average {avg}ms, mean deviation {mad}ms, period {period:.2} sec). Worst all time event {}ms.\n",
            i + 1,
            samples.len(),
            series.max
        ));
        slow_commands |= *event == "command" || *event == "fast-command";
    }
    out.push_str("\nI have a few advices for you:\n\n");
    if slow_commands {
        out.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        out.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    out
}

/// LATENCY HISTOGRAM [command ...] → {name: {calls, histogram_usec: {µs: count}}}.
fn histogram(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut wanted: Vec<usize> = Vec::new();
    if a.len() == 2 {
        wanted.extend(TABLE.all().map(|(i, _)| i));
    } else {
        for name in &a[2..] {
            let Some(idx) = TABLE.lookup(name) else { continue };
            wanted.push(idx);
            // A container brings its subcommands.
            wanted.extend(TABLE.all().filter(|(_, e)| e.parent == Some(idx)).map(|(i, _)| i));
        }
    }
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for idx in wanted {
        let entry = TABLE.get(idx);
        let Some(h) = entry.stats.histogram.get() else { continue };
        if h.total() == 0 || seen.insert(idx, ()).is_some() {
            continue;
        }
        let buckets =
            h.cumulative_usec().into_iter().map(|(us, n)| (Reply::Int(us as i64), Reply::Int(n as i64))).collect();
        out.push((
            Reply::Bulk(Bytes::from(entry.fullname.clone())),
            Reply::Map(vec![
                (Reply::bulk_static("calls"), Reply::Int(h.total() as i64)),
                (Reply::bulk_static("histogram_usec"), Reply::Map(buckets)),
            ]),
        ));
    }
    Ok(Reply::Map(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_match_hdrhistogram_with_two_significant_figures() {
        // Redis prints p50=8.031 for one 8 µs command, 4.015 for 4 µs.
        assert_eq!(highest_equivalent(8000), 8031);
        assert_eq!(highest_equivalent(4000), 4015);
        assert_eq!(highest_equivalent(6000), 6015);
        assert_eq!(highest_equivalent(100), 100);
        assert_eq!(value_at_index(counts_index(8000)), 8000);
        assert!(counts_index(HIGHEST) < COUNTS);
        let h = Histogram::default();
        h.record(8000);
        assert_eq!(h.value_at_percentile(50.0), 8031);
        assert_eq!(h.value_at_percentile(99.9), 8031);
    }

    #[test]
    fn cumulative_buckets_are_powers_of_two_from_1024_ns() {
        // Redis's LATENCY HISTOGRAM of three DEBUG SLEEPs (20, 30 and 50 ms):
        // 33816 → 2 and 67633 → 3.
        let h = Histogram::default();
        for ms in [20_000_000u64, 30_000_000, 50_000_000] {
            h.record(ms);
        }
        assert_eq!(h.cumulative_usec(), vec![(33816, 2), (67633, 3)]);
        // Three commands of 2, 5 and 6 µs: 4 → 1... as Redis, only where the count grew.
        let h = Histogram::default();
        for us in [2u64, 5, 6] {
            h.record(us * 1000);
        }
        assert_eq!(h.cumulative_usec(), vec![(2, 1), (8, 3)]);
    }

    #[test]
    fn the_monitor_keeps_one_sample_per_second_and_the_maximum() {
        let mut m = Monitor::default();
        m.add("command", 100, 50);
        m.add("command", 100, 20);
        m.add("command", 101, 30);
        let s = m.find(b"command").unwrap();
        assert_eq!(s.history(), vec![(100, 50), (101, 30)]);
        assert_eq!(s.latest(), (101, 30));
        assert_eq!(s.max, 50);
        assert_eq!(percentile_label(99.9), "99.9");
        assert_eq!(percentile_label(50.0), "50");
    }
}

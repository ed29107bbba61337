//! `redis-check-rdb <rdb-file-name>`: reads an RDB file with our codec ([`super::rdb`])
//! and reports it in the words of Redis 7.0.15's checker: one line per AUX field and
//! SELECTDB with its offset, the checksum verdict, `\o/ RDB looks OK! \o/` and the key
//! counts, or `--- RDB ERROR DETECTED ---` with where it failed; exit code 0 or 1.
//!
//! The report is also what `redis-check-aof` prints for an AOF's RDB preamble
//! ([`report`], called from `aof::check`). Called by the `redis-check-rdb` /
//! `ferrokv-check-rdb` names of the server binary (src/main.rs). It only reads.

use std::io::Write;

use super::aof::manifest::until_nul;
use super::rdb::{ErrorKind, Item, Reader};

/// Runs the checker on `args` (program name first) with stdout/stderr; returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = run(args, &mut out, &mut std::io::stderr());
    let _ = out.flush();
    code
}

/// The checker on `args` (program name first), the report to `out` and the usage text to
/// `err`; returns the exit code (0 when the file is sane, 1 otherwise).
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let [_, path] = args else {
        let program = args.first().map_or("redis-check-rdb", String::as_str);
        let _ = writeln!(err, "Usage: {program} <rdb-file-name>");
        return 1;
    };
    let _ = writeln!(out, "[offset 0] Checking RDB file {path}");
    // Redis stops here without a word when the file cannot be opened.
    let Ok(data) = std::fs::read(path) else {
        return 1;
    };
    match report_after_header(out, &data) {
        Some(_) => 0,
        None => 1,
    }
}

/// Checks `data` as an RDB named `name`, writing redis-check-rdb's report to `out`;
/// `Some(end of the RDB)` when it is sane (an AOF's commands may follow it).
pub fn report(out: &mut dyn Write, name: &str, data: &[u8]) -> Option<usize> {
    let _ = writeln!(out, "[offset 0] Checking RDB file {name}");
    report_after_header(out, data)
}

fn report_after_header(out: &mut dyn Write, data: &[u8]) -> Option<usize> {
    // Writes a formatted line to `out` (errors writing a report are ignored, as Redis's printf).
    macro_rules! say {
        ($($arg:tt)*) => {{
            let _ = write!(out, $($arg)*);
        }};
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let (mut keys, mut expires, mut expired) = (0u64, 0u64, 0u64);
    let mut reader = Reader::new(data);
    let failure = loop {
        let r = match reader.as_mut() {
            Ok(r) => r,
            Err(e) => break e.clone(),
        };
        match r.next_item() {
            Ok(Some(Item::Aux(k, v))) => {
                let mut line = format!("[offset {}] AUX FIELD ", r.position()).into_bytes();
                line.extend_from_slice(until_nul(&k));
                line.extend_from_slice(b" = '");
                line.extend_from_slice(until_nul(&v));
                line.extend_from_slice(b"'\n");
                let _ = out.write_all(&line);
            }
            Ok(Some(Item::SelectDb(db))) => say!("[offset {}] Selecting DB ID {db}\n", r.position()),
            Ok(Some(Item::Key(k))) => {
                keys += 1;
                if let Some(at) = k.expire_ms {
                    expires += 1;
                    if at < now_ms {
                        expired += 1;
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                let end = r.position();
                let stored = data.get(end.saturating_sub(8)..end).filter(|_| r.version() >= 5);
                if stored.is_some_and(|s| s.iter().all(|&b| b == 0)) {
                    say!("[offset {end}] RDB file was saved with checksum disabled: no check performed.\n");
                } else {
                    say!("[offset {end}] Checksum OK\n");
                }
                say!("[offset {end}] \\o/ RDB looks OK! \\o/\n");
                say!("[info] {keys} keys read\n[info] {expires} expires\n[info] {expired} already expired\n");
                return Some(end);
            }
            Err(e) => break e,
        }
    };
    say!("--- RDB ERROR DETECTED ---\n");
    match failure.kind {
        ErrorKind::Version if failure.message.starts_with("Short read") => say!(
            "[offset 0] Unexpected EOF reading RDB file\n[additional info] While doing: start\n[additional info] Reading type 0 (string)\n"
        ),
        ErrorKind::Version => say!(
            "{failure}\n[additional info] While doing: start\n[additional info] Reading type 0 (string)\n"
        ),
        ErrorKind::Checksum => say!(
            "[offset {}] RDB CRC error\n[additional info] While doing: check-sum\n",
            failure.offset + 8
        ),
        _ if failure.message.starts_with("Unexpected EOF reading the CRC-64 trailer") => say!(
            "[offset {}] Unexpected EOF reading RDB file\n[additional info] While doing: check-sum\n[additional info] Reading type 0 (string)\n",
            failure.offset
        ),
        // FIXME(compat): redis-check-rdb adds "[additional info]" lines (what it was doing,
        // the key and type being read) that our RDB reader does not report.
        _ if failure.message.starts_with("Unexpected EOF") => {
            say!("[offset {}] Unexpected EOF reading RDB file\n", failure.offset)
        }
        _ => say!("{failure}\n"),
    }
    say!("[info] {keys} keys read\n[info] {expires} expires\n[info] {expired} already expired\n");
    None
}

//! The process title, as Redis's `set-proc-title yes`: `ps` and `/proc/PID/cmdline` show
//! `redis-server *:6379` instead of the command line, so a `--requirepass secret` given
//! there (the gateway's compose file does) is not readable by anyone who can list
//! processes.
//!
//! Owns rewriting the argument strings in place: the kernel reports a process's command
//! line from the memory between `arg_start` and `arg_end` (fields 48 and 49 of
//! `/proc/self/stat`), which is the `argv` area at the top of our own stack. Redis's
//! `setproctitle.c` does the same and also moves `environ` to make room for a longer
//! title; we keep to the argv area (a title that does not fit is cut, never the
//! environment overwritten) because Rust's `std::env` reads `environ` in place.
//! `prctl(PR_SET_MM)` would be simpler but needs CAP_SYS_RESOURCE, which containers lack.
//!
//! Must be called before any thread starts, and after the last `std::env::args()` that
//! needs the original arguments: std reads the argv strings in place, so later calls see
//! the title. Called once by `src/main.rs` after the configuration is loaded.

/// Replaces the process's command line with `title`. The whole argv area is rewritten
/// (the title, then NUL bytes), so nothing of the original arguments is left in it even
/// when the title is shorter; a longer title is cut to the area's size less one byte.
pub fn set(title: &str) -> Result<(), String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    let (start, end) = arg_area(&stat).ok_or("no arg_start/arg_end in /proc/self/stat")?;
    let len = end.checked_sub(start).filter(|&n| n > 0).ok_or("empty argv area")?;
    let cmdline = std::fs::read("/proc/self/cmdline").map_err(|e| format!("/proc/self/cmdline: {e}"))?;
    // SAFETY: the kernel reports [start, end) as our argv strings, which lie in our
    // mapped stack for the whole life of the process and which no Rust object owns
    // (std keeps only pointers to them and reads them in `env::args()`, which nothing
    // calls concurrently: no other thread runs yet). We check that the memory holds
    // exactly what the kernel shows as our command line before writing to it.
    let area = unsafe { std::slice::from_raw_parts_mut(start as *mut u8, len) };
    if area != cmdline.as_slice() {
        return Err("the argv area does not hold the command line".into());
    }
    fill(area, title.as_bytes());
    Ok(())
}

/// `title` at the start of `area`, the rest NUL. The last byte stays NUL: the kernel
/// takes a non-NUL last byte to mean the title continues into the environment.
fn fill(area: &mut [u8], title: &[u8]) {
    let room = area.len().saturating_sub(1);
    let n = title.len().min(room);
    area[..n].copy_from_slice(&title[..n]);
    area[n..].fill(0);
}

/// `(arg_start, arg_end)` from the text of `/proc/self/stat`. The fields are counted
/// after the last `)`, because the command name in parentheses (field 2) may itself
/// hold spaces and parentheses.
fn arg_area(stat: &str) -> Option<(usize, usize)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name, so field N is at index N - 3.
    let mut fields = after_name.split_ascii_whitespace().skip(48 - 3);
    let start = fields.next()?.parse().ok()?;
    let end = fields.next()?.parse().ok()?;
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::{arg_area, fill};

    #[test]
    fn arg_area_is_fields_48_and_49_after_the_name() {
        // A real line (kernel 6.x), with a command name holding ") (".
        let stat = "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 300 0 0 0 1 0 0 0 20 0 1 0 12345 \
                    5000000 500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 \
                    94000000 94000100 94000200 140720000000000 140720000000040 140720000000040 \
                    140720000000100 0\n";
        assert_eq!(arg_area(stat), Some((140720000000000, 140720000000040)));
        assert_eq!(arg_area("1 (x) S 1 2"), None);
    }

    #[test]
    fn fill_keeps_the_last_byte_nul_and_clears_the_rest() {
        let mut area = *b"redis-server\0--requirepass\0s3cret\0";
        fill(&mut area, b"redis-server *:6379");
        assert_eq!(&area[..19], b"redis-server *:6379");
        assert!(area[19..].iter().all(|&b| b == 0));
        let mut short = *b"srv\0-a\0";
        fill(&mut short, b"redis-server *:6379");
        assert_eq!(&short, b"redis-\0");
    }
}

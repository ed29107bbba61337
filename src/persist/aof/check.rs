//! `redis-check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>`:
//! the AOF checker, with the output lines, exit codes and `--fix` behaviour of Redis
//! 7.0.15's (learned by running it, not from its source).
//!
//! It checks more strictly than the loader ([`super::reader`]): every `*`/`$` line must end
//! in `\r\n`, every bulk must be followed by `\r\n`, MULTI must not nest and EXEC needs a
//! MULTI. It reports the first problem as `0x<offset in %16x>: <message>`, then
//! `AOF analyzed: …ok_up_to=<end of the last complete command outside MULTI>…`; `--fix`
//! asks "Continue? [y/N]: " on stdin and truncates the file there — only the last file of
//! a manifest may be fixed. An RDB preamble is checked with the RDB reader and reported in
//! redis-check-rdb's words.
//!
//! Called by the `redis-check-aof` / `ferrokv-check-aof` names of the server binary
//! (src/main.rs). Output goes to a writer and answers come from a reader, so tests can
//! drive it in-process.

use std::fs::OpenOptions;
use std::io::{BufRead, Read, Write};

use super::manifest::{fgets_chunks, until_nul, Manifest, MANIFEST_MAX_LINE};
use super::reader::c_strtol;
use crate::persist::io_error_text;

/// How far redis-check-aof reads a `*`/`$` line: `fgets` into 128 bytes.
const LINE_BUF: usize = 128;
/// How far it reads an annotation line.
const ANNOTATION_BUF: usize = 1024;
/// The usage text, after "Usage: <program> ".
const USAGE: &str = "[--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>";

/// Runs the checker on `args` (program name first) with stdout/stdin; returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let stdout = std::io::stdout();
    let stdin = std::io::stdin();
    let mut out = stdout.lock();
    let code = run(args, &mut out, &mut stdin.lock());
    let _ = out.flush();
    code
}

/// The checker on `args` (program name first), writing to `out` and reading the `--fix`
/// confirmation from `input`; returns the exit code (0 valid or fixed, 1 otherwise).
pub fn run(args: &[String], out: &mut dyn Write, input: &mut dyn BufRead) -> i32 {
    let mut checker = Checker { out, input, line: 1, error: Vec::new(), epos: 0, to_timestamp: 0, star_buf: [0; 129] };
    match checker.main(args) {
        Ok(()) => 0,
        Err(Exit(code)) => code,
    }
}

/// An early exit with this code (Redis's `exit()`).
struct Exit(i32);

type Step<T> = Result<T, Exit>;

/// How one file's check ended (what the summary line says).
enum Outcome {
    Ok,
    Empty,
    TimestampTruncated,
    Truncated,
}

struct Checker<'o> {
    out: &'o mut dyn Write,
    input: &'o mut dyn BufRead,
    /// Lines read so far, over all files (redis-check-aof starts at 1 and never resets it).
    line: i64,
    /// The first error found, as printed.
    error: Vec<u8>,
    /// Offset of the read that failed (the error's address).
    epos: usize,
    /// `--truncate-to-timestamp`: 0 when off.
    to_timestamp: i64,
    /// The buffer `*` lines are read into, kept between reads: a short line's message
    /// shows the byte after its end, which redis-check-aof leaves over from the previous
    /// `*` line (its `$` lines show zeros there).
    star_buf: [u8; LINE_BUF + 1],
}

/// A cursor over one file with C stdio's end-of-file flag.
struct Input<'d> {
    data: &'d [u8],
    pos: usize,
    eof: bool,
}

impl Input<'_> {
    /// `fgets(buf, size)`: up to `size - 1` bytes, stopping after `\n`; None at the end.
    fn fgets(&mut self, size: usize) -> Option<&[u8]> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.eof = true;
            return None;
        }
        let chunk = fgets_chunks(rest, size).next().unwrap_or_default();
        let got = chunk.len();
        if got < size - 1 && chunk.last() != Some(&b'\n') {
            self.eof = true;
        }
        self.pos += got;
        Some(chunk)
    }
}

/// C's `%02x` of a `char` (signed on x86: bytes ≥ 0x80 print as `ffffffXX`).
fn c_hex(b: u8) -> String {
    format!("{:02x}", b as i8 as i32 as u32)
}

impl Checker<'_> {
    fn say(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
    }

    fn set_error(&mut self, message: String) {
        self.set_error_bytes(message.into_bytes());
    }

    /// Records the error as redis-check-aof formats it (`0x%16llx: %s`, truncated as its
    /// 1024- and 1044-byte buffers truncate it).
    fn set_error_bytes(&mut self, message: Vec<u8>) {
        let mut full = format!("0x{:16x}: ", self.epos).into_bytes();
        full.extend_from_slice(message.get(..1023).unwrap_or(&message));
        full.truncate(1043);
        self.error = full;
    }

    fn main(&mut self, args: &[String]) -> Step<()> {
        let program = args.first().map_or("redis-check-aof", String::as_str);
        let usage = |c: &mut Self| {
            c.say(&format!("Usage: {program} {USAGE}\n"));
            Err(Exit(1))
        };
        let (path, fix) = match args.len() {
            2 => (args[1].as_str(), false),
            3 if args[1] == "--fix" => (args[2].as_str(), true),
            4 if args[1] == "--truncate-to-timestamp" => {
                let text = args[2].as_bytes();
                let (ts, end, overflow) = c_strtol(text);
                if overflow || end != text.len() || text.contains(&0) {
                    self.say("Invalid timestamp, aborting...\n");
                    return Err(Exit(1));
                }
                self.to_timestamp = ts;
                (args[3].as_str(), false)
            }
            _ => return usage(self),
        };
        let dir = dirname(path);
        if self.is_manifest(path)? {
            self.check_multi_part(&dir, path, fix)
        } else {
            let preamble = self.is_rdb(path)?;
            self.say("Start checking Old-Style AOF\n");
            let outcome = self.check_single(path, path, true, fix, preamble)?;
            self.print_outcome(outcome, path, "AOF");
            Ok(())
        }
    }

    /// A file is a manifest when one of its lines (as fgets cuts them) starts with `file`.
    fn is_manifest(&mut self, path: &str) -> Step<bool> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                self.say(&format!("Cannot read file: {path}\n"));
                return Err(Exit(1));
            }
            Err(e) => {
                self.say(&format!("Cannot open file {path}: {}\n", io_error_text(&e)));
                return Err(Exit(1));
            }
        };
        let found = fgets_chunks(&data, MANIFEST_MAX_LINE + 1).any(|l| l.starts_with(b"file"));
        Ok(found)
    }

    /// A file of at least 8 bytes starting with `REDIS` has an RDB preamble.
    fn is_rdb(&mut self, path: &str) -> Step<bool> {
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                self.say(&format!("Cannot open file {path}: {}\n", io_error_text(&e)));
                return Err(Exit(1));
            }
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut head = [0u8; 5];
        Ok(size >= 8 && file.read_exact(&mut head).is_ok() && &head == b"REDIS")
    }

    fn check_multi_part(&mut self, dir: &str, manifest_path: &str, fix: bool) -> Step<()> {
        self.say("Start checking Multi Part AOF\n");
        let text = std::fs::read(manifest_path).unwrap_or_default();
        let manifest = match Manifest::parse_detailed(&text) {
            Ok(m) => m,
            Err(e) => {
                let prefix = format!("{}:C {} # ", std::process::id(), crate::server::log::timestamp());
                for message in e.log_messages() {
                    self.say(&format!("{prefix}{message}\n"));
                }
                return Err(Exit(1));
            }
        };
        let total = usize::from(manifest.base.is_some()) + manifest.incrs.len();
        let mut seen = 0;
        if let Some(base) = &manifest.base {
            let path = format!("{dir}/{}", base.name);
            seen += 1;
            let preamble = self.is_rdb(&path)?;
            self.say(&format!("Start to check BASE AOF ({} format).\n", if preamble { "RDB" } else { "RESP" }));
            let outcome = self.check_single(&base.name, &path, seen == total, fix, preamble)?;
            self.print_outcome(outcome, &base.name, "BASE AOF");
        }
        if !manifest.incrs.is_empty() {
            self.say("Start to check INCR files.\n");
            for incr in &manifest.incrs {
                let path = format!("{dir}/{}", incr.name);
                seen += 1;
                let outcome = self.check_single(&incr.name, &path, seen == total, fix, false)?;
                self.print_outcome(outcome, &incr.name, "INCR AOF");
            }
        }
        self.say("All AOF files and manifest are valid\n");
        Ok(())
    }

    fn print_outcome(&mut self, outcome: Outcome, name: &str, what: &str) {
        let text = match outcome {
            Outcome::Ok => format!("{what} {name} is valid\n"),
            Outcome::Empty => format!("{what} {name} is empty\n"),
            Outcome::TimestampTruncated => {
                format!("Successfully truncated AOF {name} to timestamp {}\n", self.to_timestamp)
            }
            Outcome::Truncated => format!("Successfully truncated AOF {name}\n"),
        };
        self.say(&text);
    }

    /// Checks one file (old-style AOF, or a manifest's base or incr file).
    fn check_single(&mut self, name: &str, path: &str, last_file: bool, fix: bool, preamble: bool) -> Step<Outcome> {
        // redis-check-aof opens every file for reading and writing, even without --fix.
        let opened = OpenOptions::new().read(true).write(true).open(path);
        let mut file = match opened {
            Ok(f) => f,
            Err(e) => {
                self.say(&format!("Cannot open file {path}: {}, aborting...\n", io_error_text(&e)));
                return Err(Exit(1));
            }
        };
        let mut data = Vec::new();
        if file.read_to_end(&mut data).is_err() {
            self.say(&format!("Failed to read from AOF {name}, aborting...\n"));
            return Err(Exit(1));
        }
        let size = data.len();
        if size == 0 {
            return Ok(Outcome::Empty);
        }
        let start = if preamble {
            match crate::persist::check_rdb::report(self.out, name, &data) {
                Some(end) => {
                    self.say("RDB preamble is OK, proceeding with AOF tail...\n");
                    end
                }
                None => {
                    self.say("RDB preamble of AOF file is not sane, aborting.\n");
                    return Err(Exit(1));
                }
            }
        } else {
            0
        };
        let mut input = Input { data: &data, pos: start, eof: false };
        let mut multi = 0i32;
        let mut ok_up_to = start;
        loop {
            if multi == 0 {
                ok_up_to = input.pos;
            }
            let Some(&first) = data.get(input.pos) else {
                input.eof = true;
                break;
            };
            // Peeking one byte with fgets and seeking back clears the end-of-file flag.
            input.eof = false;
            if first == b'#' {
                if let Some(cut) = self.annotation(&mut input, path, last_file)? {
                    if file.set_len(cut as u64).is_err() {
                        self.say(&format!("Failed to truncate AOF {path} to timestamp {}\n", self.to_timestamp));
                        return Err(Exit(1));
                    }
                    return Ok(Outcome::TimestampTruncated);
                }
            } else if first == b'*' {
                if !self.command(&mut input, path, &mut multi) {
                    break;
                }
            } else {
                self.say(&format!("AOF {name} format error\n"));
                break;
            }
        }
        if input.eof && multi != 0 && self.error.is_empty() {
            self.set_error("Reached EOF before reading EXEC for MULTI".to_string());
        }
        if !self.error.is_empty() {
            let _ = self.out.write_all(&self.error);
            self.say("\n");
        }
        let diff = size - ok_up_to;
        if diff == 0 && self.to_timestamp != 0 {
            self.say(&format!("Truncate nothing in AOF {name} to timestamp {}\n", self.to_timestamp));
            return Ok(Outcome::Ok);
        }
        self.say(&format!(
            "AOF analyzed: filename={name}, size={size}, ok_up_to={ok_up_to}, ok_up_to_line={}, diff={diff}\n",
            self.line
        ));
        if diff == 0 {
            return Ok(Outcome::Ok);
        }
        if !fix {
            self.say(&format!("AOF {name} is not valid. Use the --fix option to try fixing it.\n"));
            return Err(Exit(1));
        }
        if !last_file {
            self.say(&format!("Failed to truncate AOF {name} because it is not the last file\n"));
            return Err(Exit(1));
        }
        self.say(&format!(
            "This will shrink the AOF {name} from {size} bytes, with {diff} bytes, to {ok_up_to} bytes\n"
        ));
        self.say("Continue? [y/N]: ");
        let _ = self.out.flush();
        let mut answer = Vec::new();
        let _ = self.input.read_until(b'\n', &mut answer);
        if !matches!(answer.first(), Some(b'y' | b'Y')) {
            self.say("Aborting...\n");
            return Err(Exit(1));
        }
        if file.set_len(ok_up_to as u64).is_err() {
            self.say(&format!("Failed to truncate AOF {name}\n"));
            return Err(Exit(1));
        }
        Ok(Outcome::Truncated)
    }

    /// An annotation line. With `--truncate-to-timestamp`, a `#TS:` later than the target
    /// gives the offset to cut the file at (only the last file may be cut).
    fn annotation(&mut self, input: &mut Input, path: &str, last_file: bool) -> Step<Option<usize>> {
        self.epos = input.pos;
        let Some(line) = input.fgets(ANNOTATION_BUF) else {
            self.say(&format!("Failed to read annotations from AOF {path}, aborting...\n"));
            return Err(Exit(1));
        };
        let Some(ts_text) = line.strip_prefix(b"#TS:").filter(|_| self.to_timestamp != 0) else {
            return Ok(None);
        };
        let ts_text = until_nul(ts_text);
        let (ts, end, overflow) = c_strtol(ts_text);
        if overflow || ts_text.get(end) != Some(&b'\r') {
            self.say("Invalid timestamp annotation\n");
            return Err(Exit(1));
        }
        if ts <= self.to_timestamp {
            return Ok(None);
        }
        let to = self.to_timestamp;
        if self.epos == 0 {
            self.say(&format!("AOF {path} has nothing before timestamp {to}, aborting...\n"));
            return Err(Exit(1));
        }
        if !last_file {
            self.say(&format!(
                "Failed to truncate AOF {path} to timestamp {to} to offset {} because it is not the last file.\n",
                self.epos
            ));
            self.say("If you insist, please delete all files after this file according to the manifest file and delete the corresponding records in manifest file manually. Then re-run redis-check-aof.\n");
            return Err(Exit(1));
        }
        Ok(Some(self.epos))
    }

    /// One `*<argc>` command; false (with the error set, or not for a clean short read)
    /// when it is incomplete or malformed.
    fn command(&mut self, input: &mut Input, path: &str, multi: &mut i32) -> bool {
        let Some(argc) = self.number(input, b'*') else { return false };
        let mut i: i64 = 0;
        while i < argc {
            let Some(arg) = self.bulk(input) else { return false };
            if i == 0 {
                let name = until_nul(arg);
                if name.eq_ignore_ascii_case(b"multi") {
                    *multi += 1;
                    if *multi > 1 {
                        self.set_error(format!("Unexpected MULTI in AOF {path}"));
                        return false;
                    }
                } else if name.eq_ignore_ascii_case(b"exec") {
                    *multi -= 1;
                    if *multi != 0 {
                        self.set_error(format!("Unexpected EXEC in AOF {path}"));
                        return false;
                    }
                }
            }
            i += 1;
        }
        true
    }

    /// A `<prefix><number>\r\n` line, read as redis-check-aof does (`fgets` + `strtol`).
    fn number(&mut self, input: &mut Input, prefix: u8) -> Option<i64> {
        self.epos = input.pos;
        let line = input.fgets(LINE_BUF)?;
        let mut dollar_buf = [0u8; LINE_BUF + 1];
        let buf = if prefix == b'*' { &mut self.star_buf } else { &mut dollar_buf };
        // fgets never returns more than LINE_BUF - 1 bytes, so the line and its NUL fit.
        if let Some(dst) = buf.get_mut(..line.len()) {
            dst.copy_from_slice(line);
        }
        if let Some(nul) = buf.get_mut(line.len()) {
            *nul = 0;
        }
        let buf = *buf;
        if buf[0] != prefix {
            let mut message = format!("Expected prefix '{}', got: '", prefix as char).into_bytes();
            message.push(buf[0]);
            message.push(b'\'');
            self.set_error_bytes(message);
            return None;
        }
        let (value, end, _) = c_strtol(buf.get(1..).unwrap_or_default());
        let eptr = 1 + end;
        let (a, b) = (buf.get(eptr).copied().unwrap_or(0), buf.get(eptr + 1).copied().unwrap_or(0));
        if !self.newline(a, b) {
            return None;
        }
        Some(value)
    }

    /// `\r\n` expected: counts a line, or sets the error naming the two bytes found.
    fn newline(&mut self, a: u8, b: u8) -> bool {
        if a == b'\r' && b == b'\n' {
            self.line += 1;
            true
        } else {
            self.set_error(format!("Expected \\r\\n, got: {}{}", c_hex(a), c_hex(b)));
            false
        }
    }

    /// A `$<len>\r\n<bytes>\r\n` argument.
    fn bulk<'d>(&mut self, input: &mut Input<'d>) -> Option<&'d [u8]> {
        let len = self.number(input, b'$')?;
        if !(0..=i64::MAX - 2).contains(&len) {
            self.set_error(format!("Expected to read string of {len} bytes, which is not in the suitable range"));
            return None;
        }
        let want = len + 2;
        self.epos = input.pos;
        let data = input.data;
        let available = data.len().saturating_sub(input.pos);
        let got = usize::try_from(want).unwrap_or(usize::MAX).min(available);
        let start = input.pos;
        input.pos += got;
        if (got as i64) < want {
            input.eof = true;
            self.set_error(format!("Expected to read {want} bytes, got {got} bytes"));
            return None;
        }
        let bytes = data.get(start..input.pos)?;
        let (body, crlf) = bytes.split_at(bytes.len().saturating_sub(2));
        let (a, b) = (crlf.first().copied().unwrap_or(0), crlf.get(1).copied().unwrap_or(0));
        if !self.newline(a, b) {
            return None;
        }
        Some(body)
    }
}

/// POSIX `dirname` as glibc computes it.
fn dirname(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { ".".to_string() } else { "/".to_string() };
    }
    match trimmed.rfind('/') {
        None => ".".to_string(),
        Some(i) => {
            let dir = trimmed[..i].trim_end_matches('/');
            if dir.is_empty() {
                "/".to_string()
            } else {
                dir.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dirname;

    #[test]
    fn dirname_as_glibc() {
        for (path, dir) in [("a", "."), ("a/b", "a"), ("/a", "/"), ("a/b/", "a"), ("/", "/"), ("", "."), ("a//b", "a")]
        {
            assert_eq!(dirname(path), dir, "{path}");
        }
    }
}

//! Reads the RESP commands of an AOF file (an incr file, a RESP base, or the tail after an
//! RDB preamble) from a byte slice, with the rules of Redis 7.0's loader
//! (`loadSingleAppendOnlyFile`).
//!
//! It owns the framing only: which bytes make a command, where the last complete one
//! ended, and what is a short read (the file was cut: Redis truncates it when
//! `aof-load-truncated yes` and the file is the last) versus a format error (fatal). It
//! never looks commands up, and it never allocates from a length read from the file
//! beyond what the input holds: arguments are sub-slices of the input.
//!
//! Like Redis's loader (and unlike redis-check-aof, see [`super::check`]) it is lenient:
//! `*<argc>` and `$<len>` lines are read with C's `atoi`/`strtol` (trailing junk ignored)
//! and the two bytes after a bulk are skipped without being checked.

/// Lines are read as Redis reads them: `fgets` into a 128-byte buffer.
const LINE_BUF: usize = 128;

/// The message Redis logs (before the file name) for a malformed AOF.
pub const BAD_FORMAT: &str = "Bad file format reading the append only file";

/// One command: its arguments (borrowed from the input) and where it lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    /// The arguments, name first.
    pub args: Vec<&'a [u8]>,
    /// Offset of the command's `*`.
    pub start: usize,
    /// Offset just past the command.
    pub end: usize,
}

impl Command<'_> {
    /// Is this command named `name` (ASCII case-insensitive)?
    pub fn is(&self, name: &str) -> bool {
        self.args.first().is_some_and(|a| a.eq_ignore_ascii_case(name.as_bytes()))
    }
}

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The input ends inside a command (Redis: "short read"). `valid_up_to` is the end of
    /// the last complete command: where Redis truncates the file.
    Truncated {
        /// End of the last complete command (or the start of the RESP part).
        valid_up_to: usize,
    },
    /// A byte Redis refuses ("Bad file format reading the append only file").
    Format {
        /// Start of the offending line.
        offset: usize,
        /// What was wrong, starting with [`BAD_FORMAT`].
        message: String,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Truncated { valid_up_to } => write!(f, "short read: valid up to offset {valid_up_to}"),
            ReadError::Format { offset, message } => write!(f, "{message} (offset {offset})"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A cursor over the RESP part of an AOF, one command at a time.
#[derive(Debug, Clone)]
pub struct CommandReader<'a> {
    /// The whole file.
    data: &'a [u8],
    /// Where the next read starts.
    pos: usize,
    /// End of the last complete command (where a short read truncates to).
    valid_up_to: usize,
    /// Inside MULTI: where that MULTI started (what Redis rolls back to at EOF).
    multi_start: Option<usize>,
    /// The last `#TS:<unix>` annotation seen, and where its line started.
    last_timestamp: Option<(i64, usize)>,
}

impl<'a> CommandReader<'a> {
    /// A reader over `data` whose RESP part begins at `start` (after an RDB preamble).
    pub fn new(data: &'a [u8], start: usize) -> Self {
        let start = start.min(data.len());
        CommandReader { data, pos: start, valid_up_to: start, multi_start: None, last_timestamp: None }
    }

    /// Where the next command would start (after the last one read).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// End of the last complete command: where Redis truncates a short read.
    pub fn valid_up_to(&self) -> usize {
        self.valid_up_to
    }

    /// Where the last complete top-level command ended outside an open MULTI: what Redis
    /// keeps of a file that ends inside a transaction ("Revert incomplete MULTI/EXEC
    /// transaction in AOF file") or is cut there.
    pub fn last_safe_end(&self) -> usize {
        self.multi_start.unwrap_or(self.valid_up_to)
    }

    /// Is a MULTI open (read, its EXEC not yet)?
    pub fn in_multi(&self) -> bool {
        self.multi_start.is_some()
    }

    /// The last `#TS:` annotation's Unix seconds and the offset of its line.
    pub fn last_timestamp(&self) -> Option<(i64, usize)> {
        self.last_timestamp
    }

    /// The next command; None at the end of the input.
    pub fn next_command(&mut self) -> Result<Option<Command<'a>>, ReadError> {
        let start = loop {
            let at = self.pos;
            let Some(line) = self.line() else { return Ok(None) };
            if line.first() == Some(&b'#') {
                if let Some(ts) = line.strip_prefix(b"#TS:") {
                    let (secs, end, _) = c_strtol(ts);
                    if end > 0 {
                        self.last_timestamp = Some((secs, at));
                    }
                }
                continue;
            }
            if line.first() != Some(&b'*') {
                return Err(self.format(at, "expected '*'"));
            }
            // `*` alone at the end of the input: Redis sees an empty number as a short read.
            if line.len() == 1 {
                return Err(self.truncated());
            }
            let argc = c_atoi(line.get(1..).unwrap_or_default());
            if argc < 1 {
                return Err(self.format(at, "argument count below 1"));
            }
            break (at, argc);
        };
        let (at, argc) = start;
        // Each argument takes at least four bytes: never reserve more than the input holds.
        let cap = usize::try_from(argc).unwrap_or(0).min(self.data.len().saturating_sub(self.pos) / 4 + 1);
        let mut args = Vec::with_capacity(cap);
        for _ in 0..argc {
            let line_at = self.pos;
            let Some(line) = self.line() else { return Err(self.truncated()) };
            if line.first() != Some(&b'$') {
                return Err(self.format(line_at, "expected '$'"));
            }
            let (len, _, _) = c_strtol(line.get(1..).unwrap_or_default());
            let Ok(len) = usize::try_from(len) else {
                return Err(self.format(line_at, "negative bulk length"));
            };
            let Some(arg) = self.data.get(self.pos..).and_then(|rest| rest.get(..len)) else {
                return Err(self.truncated());
            };
            // Redis reads and discards the two bytes after the bulk without checking them.
            if self.data.len() - self.pos - len < 2 {
                return Err(self.truncated());
            }
            self.pos += len + 2;
            args.push(arg);
        }
        let cmd = Command { args, start: at, end: self.pos };
        if self.multi_start.is_none() && cmd.is("multi") {
            self.multi_start = Some(self.valid_up_to);
        } else if cmd.is("exec") {
            self.multi_start = None;
        }
        self.valid_up_to = self.pos;
        Ok(Some(cmd))
    }

    /// Reads one line as `fgets(buf, 128)`: up to and including `\n`, at most 127 bytes.
    fn line(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        let limit = rest.len().min(LINE_BUF - 1);
        let end = rest.get(..limit).and_then(|w| w.iter().position(|&b| b == b'\n')).map_or(limit, |i| i + 1);
        self.pos += end;
        rest.get(..end)
    }

    fn truncated(&self) -> ReadError {
        ReadError::Truncated { valid_up_to: self.valid_up_to }
    }

    fn format(&self, offset: usize, why: &str) -> ReadError {
        ReadError::Format { offset, message: format!("{BAD_FORMAT} ({why})") }
    }
}

/// C's `strtol(s, &end, 10)` on the bytes up to the first NUL: leading whitespace, a sign,
/// digits; clamps on overflow. Returns (value, end index or 0 with no digits, overflowed).
pub(crate) fn c_strtol(s: &[u8]) -> (i64, usize, bool) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while matches!(at(i), b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = at(i) == b'-';
    if matches!(at(i), b'-' | b'+') {
        i += 1;
    }
    let digits_start = i;
    let mut value: i64 = 0;
    let mut overflow = false;
    while at(i).is_ascii_digit() {
        let d = i64::from(at(i) - b'0');
        match value.checked_mul(10).and_then(|v| if negative { v.checked_sub(d) } else { v.checked_add(d) }) {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        return (0, 0, false);
    }
    if overflow {
        value = if negative { i64::MIN } else { i64::MAX };
    }
    (value, i, overflow)
}

/// C's `atoi` as glibc does it: `(int) strtol(s, NULL, 10)`.
pub(crate) fn c_atoi(s: &[u8]) -> i64 {
    i64::from(c_strtol(s).0 as i32)
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;

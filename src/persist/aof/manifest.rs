//! The multi-part AOF manifest (`<appendfilename>.manifest`, Redis 7.0+): parsing with
//! Redis 7.0's rules and error texts, formatting byte for byte as Redis writes it, and the
//! file names of the parts.
//!
//! Pure text in, text out: it never opens a file (the caller reads and writes the manifest,
//! through a temp file and a rename). Nothing in the input may make it panic.

use std::fmt;

/// The longest manifest line Redis reads in one go; a longer one is an error.
pub const MANIFEST_MAX_LINE: usize = 1024;

/// What a manifest line says a file is: its `type` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `type b`: the base, an RDB or a RESP rewrite.
    Base,
    /// `type h`: a file left over from before the last rewrite, to be deleted.
    History,
    /// `type i`: an incremental file of commands, loaded after the base in manifest order.
    Incr,
}

impl FileKind {
    /// The type letter as written in the manifest.
    pub fn letter(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::History => 'h',
            FileKind::Incr => 'i',
        }
    }
}

/// One manifest line: a file in the AOF directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// The file's name inside the AOF directory (a bare basename).
    pub name: String,
    /// Its sequence number (base and incr numbers are independent counters).
    pub seq: u64,
    /// What it is.
    pub kind: FileKind,
}

/// A parsed manifest: at most one base, history files, and incr files in load order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// The base file, if any.
    pub base: Option<AofFile>,
    /// Files waiting to be deleted, in manifest order.
    pub history: Vec<AofFile>,
    /// Incremental files, seqs strictly increasing.
    pub incrs: Vec<AofFile>,
}

/// A manifest Redis would refuse, with what Redis logs about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The 1-based number of the offending line and the line trimmed, when Redis names it.
    pub line: Option<(usize, String)>,
    /// The reason, e.g. "Invalid AOF manifest file format".
    pub reason: &'static str,
}

impl ManifestError {
    /// The messages Redis logs (each one `serverLog` call, in order) before it exits.
    pub fn log_messages(&self) -> Vec<String> {
        let mut out = vec!["\n*** FATAL AOF MANIFEST FILE ERROR ***\n".to_string()];
        if let Some((n, line)) = &self.line {
            out.push(format!("Reading the manifest file, at line {n}\n"));
            out.push(format!(">>> '{line}'\n"));
        }
        out.push(format!("{}\n", self.reason));
        out
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.line {
            Some((n, line)) => write!(f, "{} (line {n}: '{line}')", self.reason),
            None => f.write_str(self.reason),
        }
    }
}

impl std::error::Error for ManifestError {}

const INVALID_FORMAT: &str = "Invalid AOF manifest file format";

impl Manifest {
    /// Parses a manifest with Redis 7.0's rules; the error is the reason Redis logs
    /// (see [`Manifest::parse_detailed`] for the line it names too).
    pub fn parse(text: &[u8]) -> Result<Manifest, String> {
        Manifest::parse_detailed(text).map_err(|e| e.reason.to_string())
    }

    /// Parses a manifest as Redis 7.0 does (`aofLoadManifestFromFile`): lines of at most
    /// 1024 bytes each ending in `\n`, `#` lines skipped, sdssplitargs tokens in key/value
    /// pairs (at least 6, even count, keys case-insensitive, unknown keys ignored),
    /// `file`/`seq`/`type` required, a bare file name, one base, incr seqs increasing.
    ///
    /// Known difference: a negative seq (Redis accepts it for base and history files) and a
    /// file name that is not UTF-8 are refused as "Invalid AOF manifest file format".
    pub fn parse_detailed(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::default();
        let mut line_number = 0usize;
        let mut max_incr_seq = 0u64;
        for chunk in fgets_chunks(text, MANIFEST_MAX_LINE + 1) {
            line_number += 1;
            if chunk.first() == Some(&b'#') {
                continue;
            }
            // Redis handles the line as a C string: a NUL ends it.
            let c_line = until_nul(chunk);
            if !c_line.contains(&b'\n') {
                return Err(ManifestError { line: None, reason: "The AOF manifest file contains too long line" });
            }
            let trimmed = trim(c_line, b" \t\r\n");
            let shown = String::from_utf8_lossy(trimmed).into_owned();
            let fail = |reason: &'static str| ManifestError { line: Some((line_number, shown.clone())), reason };
            if trimmed.is_empty() {
                return Err(fail(INVALID_FORMAT));
            }
            let args = match split_args(trimmed) {
                Some(a) if a.len() >= 6 && a.len() % 2 == 0 => a,
                _ => return Err(fail(INVALID_FORMAT)),
            };
            let (mut name, mut seq, mut kind) = (None::<Vec<u8>>, 0i64, 0u8);
            for pair in args.chunks_exact(2) {
                let (key, value) = (&pair[0], &pair[1]);
                if key.eq_ignore_ascii_case(b"file") {
                    let n = until_nul(value).to_vec();
                    if n.contains(&b'/') || n.contains(&b'\\') {
                        return Err(fail("File can't be a path, just a filename"));
                    }
                    name = Some(n);
                } else if key.eq_ignore_ascii_case(b"seq") {
                    seq = crate::persist::aof::reader::c_strtol(value).0;
                } else if key.eq_ignore_ascii_case(b"type") {
                    kind = value.first().copied().unwrap_or(0);
                }
            }
            let (Some(name), true, true) = (name, seq != 0, kind != 0) else {
                return Err(fail(INVALID_FORMAT));
            };
            let Ok(name) = String::from_utf8(name) else { return Err(fail(INVALID_FORMAT)) };
            // Redis keeps seq as a signed number: a negative incr seq is "non-monotonic";
            // for a base or history file we refuse it (Redis would accept it).
            let unsigned = u64::try_from(seq);
            match kind {
                b'b' => {
                    let Ok(seq) = unsigned else { return Err(fail(INVALID_FORMAT)) };
                    if manifest.base.is_some() {
                        return Err(fail("Found duplicate base file information"));
                    }
                    manifest.base = Some(AofFile { name, seq, kind: FileKind::Base });
                }
                b'h' => {
                    let Ok(seq) = unsigned else { return Err(fail(INVALID_FORMAT)) };
                    manifest.history.push(AofFile { name, seq, kind: FileKind::History });
                }
                b'i' => {
                    let seq = match unsigned {
                        Ok(seq) if seq > max_incr_seq => seq,
                        _ => return Err(fail("Found a non-monotonic sequence number")),
                    };
                    max_incr_seq = seq;
                    manifest.incrs.push(AofFile { name, seq, kind: FileKind::Incr });
                }
                _ => return Err(fail("Unknown AOF file type")),
            }
        }
        if line_number == 0 {
            return Err(ManifestError { line: None, reason: "Found an empty AOF manifest" });
        }
        Ok(manifest)
    }

    /// The manifest as Redis writes it (`getAofManifestAsString`): base, history, incr, one
    /// `file <name> seq <n> type <b|h|i>` line each, names needing quotes in sdscatrepr form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        for f in self.base.iter().chain(&self.history).chain(&self.incrs) {
            out.push_str("file ");
            if needs_repr(f.name.as_bytes()) {
                out.push_str(&crate::persist::repr(f.name.as_bytes()));
            } else {
                out.push_str(&f.name);
            }
            out.push_str(&format!(" seq {} type {}\n", f.seq, f.kind.letter()));
        }
        out.into_bytes()
    }

    /// The last incr file (the one Redis appends to), if any.
    pub fn last_incr(&self) -> Option<&AofFile> {
        self.incrs.last()
    }

    /// The seq the next base gets (Redis's `curr_base_file_seq + 1`; 1 with no base).
    pub fn next_base_seq(&self) -> u64 {
        self.base.as_ref().map_or(0, |b| b.seq).saturating_add(1)
    }

    /// The seq the next incr file gets (last incr's seq + 1; 1 with none).
    pub fn next_incr_seq(&self) -> u64 {
        self.last_incr().map_or(0, |f| f.seq).saturating_add(1)
    }

    /// The files to load, in order: the base, then every incr file.
    pub fn load_order(&self) -> impl Iterator<Item = &AofFile> {
        self.base.iter().chain(&self.incrs)
    }

    /// Is this manifest naming no file to load (no base and no incr)?
    pub fn is_empty(&self) -> bool {
        self.base.is_none() && self.incrs.is_empty()
    }
}

/// `<appendfilename>.<seq>.base.rdb` (RDB preamble) or `.base.aof` (RESP rewrite).
pub fn base_file_name(appendfilename: &str, seq: u64, rdb: bool) -> String {
    format!("{appendfilename}.{seq}.base.{}", if rdb { "rdb" } else { "aof" })
}

/// `<appendfilename>.<seq>.incr.aof`.
pub fn incr_file_name(appendfilename: &str, seq: u64) -> String {
    format!("{appendfilename}.{seq}.incr.aof")
}

/// `<appendfilename>.manifest`.
pub fn manifest_file_name(appendfilename: &str) -> String {
    format!("{appendfilename}.manifest")
}

/// `temp-<appendfilename>.manifest`: written, fsynced, then renamed over the manifest.
pub fn temp_manifest_name(appendfilename: &str) -> String {
    format!("temp-{appendfilename}.manifest")
}

/// Splits `data` as successive `fgets(buf, size)` calls would: each piece ends after a
/// `\n`, or after `size - 1` bytes, or at the end of the data.
pub(crate) fn fgets_chunks(data: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let max = size.saturating_sub(1).max(1);
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let limit = rest.len().min(max);
        let end = rest.get(..limit).and_then(|w| w.iter().position(|&b| b == b'\n')).map_or(limit, |i| i + 1);
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

/// The bytes before the first NUL, as C string functions see them.
pub(crate) fn until_nul(s: &[u8]) -> &[u8] {
    s.iter().position(|&b| b == 0).and_then(|i| s.get(..i)).unwrap_or(s)
}

/// `sdstrim`: drops bytes of `set` from both ends.
fn trim<'b>(s: &'b [u8], set: &[u8]) -> &'b [u8] {
    let start = s.iter().position(|b| !set.contains(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !set.contains(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

/// Does a name need sdscatrepr quoting (`sdsneedsrepr`)?
fn needs_repr(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b'\\' | b'"' | b'\n' | b'\r' | b'\t' | 0x07 | 0x08) || !(0x21..=0x7e).contains(&b))
}

pub use crate::sds::split_args;

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;

//! The start-up configuration error and how Redis prints it.
//!
//! Owns the three shapes Redis 7.0.15 uses when it refuses a configuration, recorded by
//! running `redis-server` with bad files and options:
//!
//! ```text
//!
//! *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
//! Reading the configuration file, at line 2
//! >>> 'port "abc"'
//! argument couldn't be parsed into an integer
//! ```
//!
//! on stderr for a bad line; the same block without the two line-specific lines when the
//! whole configuration is refused after reading it ("Can't open the log file: ..."); and a
//! log line on stdout ("Fatal error, can't open config file '...': No such file or
//! directory") when a file can't be opened. All three exit with status 1.

use std::fmt;

use crate::REDIS_VERSION;

/// Why the configuration was refused. `Display` prints exactly what Redis prints (for
/// the FATAL block: to stderr, including the leading and trailing newline; for a log
/// line: the message only, to be logged at warning level on stdout with the server's
/// usual `pid:C date #` prefix — see [`ConfigError::is_log_line`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// A line was rejected.
    Line { line: usize, text: String, reason: String },
    /// The configuration as a whole was rejected after reading every line.
    Whole { reason: String },
    /// A file could not be opened; Redis logs this instead of the FATAL block.
    Open { path: String, reason: String },
}

impl ConfigError {
    /// A rejected line: `line` is 1-based, `text` the trimmed line as Redis echoes it.
    pub fn at_line(line: usize, text: &str, reason: &str) -> ConfigError {
        ConfigError { kind: Kind::Line { line, text: text.to_string(), reason: reason.to_string() } }
    }

    /// A configuration refused as a whole (no line to blame).
    pub fn whole(reason: &str) -> ConfigError {
        ConfigError { kind: Kind::Whole { reason: reason.to_string() } }
    }

    /// A configuration file that could not be opened; `reason` is the `strerror` text.
    pub fn cant_open(path: &str, reason: &str) -> ConfigError {
        ConfigError { kind: Kind::Open { path: path.to_string(), reason: reason.to_string() } }
    }

    /// True when Redis reports this as a warning log line on stdout rather than the FATAL
    /// block on stderr.
    pub fn is_log_line(&self) -> bool {
        matches!(self.kind, Kind::Open { .. })
    }

    /// The 1-based line number of the rejected line, if one is to blame.
    pub fn line(&self) -> Option<usize> {
        match &self.kind {
            Kind::Line { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The last line of the report: what was wrong.
    pub fn reason(&self) -> &str {
        match &self.kind {
            Kind::Line { reason, .. } | Kind::Whole { reason } | Kind::Open { reason, .. } => reason,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Line { line, text, reason } => write!(
                f,
                "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n\
                 Reading the configuration file, at line {line}\n\
                 >>> '{text}'\n\
                 {reason}\n"
            ),
            Kind::Whole { reason } => {
                write!(f, "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n{reason}\n")
            }
            Kind::Open { path, reason } => {
                write!(f, "Fatal error, can't open config file '{path}': {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The `strerror` text of an I/O error, as Redis prints it: Rust's message without the
/// " (os error N)" suffix.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

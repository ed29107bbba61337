//! Reading arguments: integers, floats and options, with Redis's error for each.

use bytes::Bytes;

use super::errors::{self, CmdError};

/// Parses an integer argument or fails with Redis's "not an integer" error.
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    crate::numbers::parse_i64(arg).ok_or_else(|| CmdError::from(errors::NOT_INTEGER))
}

/// Parses a float argument (strtod rules) or fails with "not a valid float".
pub fn float(arg: &[u8]) -> Result<f64, CmdError> {
    crate::numbers::parse_f64(arg).ok_or_else(|| CmdError::from(errors::NOT_FLOAT))
}

/// Case-insensitive comparison of an argument with an option name.
pub fn is(arg: &[u8], option: &str) -> bool {
    arg.eq_ignore_ascii_case(option.as_bytes())
}

/// The argument as a `Bytes` (cheap clone).
pub fn bytes(arg: &Bytes) -> Bytes {
    arg.clone()
}

/// A database index argument for SELECT/MOVE/SWAPDB/COPY: Redis's texts differ by command,
/// so the caller passes the error to use for a non-integer.
pub fn db_index(arg: &[u8], not_int: &'static str) -> Result<i64, CmdError> {
    crate::numbers::parse_i64(arg).ok_or_else(|| CmdError::from(not_int))
}

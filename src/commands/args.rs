//! Reading arguments: integers, floats and options, with Redis's error for each.

use super::errors::{self, CmdError};

/// Parses an integer argument or fails with Redis's "not an integer" error.
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    crate::numbers::parse_i64(arg).ok_or_else(|| CmdError::from(errors::NOT_INTEGER))
}

/// A 32-bit integer argument as Redis's getIntFromObjectOrReply reads it: with a
/// command-specific `msg`, that text for any failure; without, "not an integer" for
/// text and "out of range" for a 64-bit value beyond 32 bits.
pub fn int32(arg: &[u8], msg: Option<&'static str>) -> Result<i32, CmdError> {
    let n = crate::numbers::parse_i64(arg).ok_or_else(|| CmdError::from(msg.unwrap_or(errors::NOT_INTEGER)))?;
    i32::try_from(n).map_err(|_| CmdError::from(msg.unwrap_or(errors::INT32_RANGE)))
}

/// Case-insensitive comparison of an argument with an option name.
pub fn is(arg: &[u8], option: &str) -> bool {
    arg.eq_ignore_ascii_case(option.as_bytes())
}

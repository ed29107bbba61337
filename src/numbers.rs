//! Number parsing and formatting exactly as Redis 7.0 does it.
//!
//! Integers follow `string2ll` (no sign `+`, no leading zeros or spaces, `-0` refused,
//! at most 20 characters, overflow refused). Floats for INCRBYFLOAT use the platform's
//! `long double` through the C shim in `csrc/longdouble.c`, because Redis's results
//! (`%.17Lf`, trailing zeros trimmed) depend on that precision.

use std::ffi::c_char;

extern "C" {
    fn ferrokv_ld_valid(s: *const c_char, len: usize) -> i32;
    fn ferrokv_ld_add(
        cur: *const c_char,
        cur_len: usize,
        incr: *const c_char,
        incr_len: usize,
        out: *mut c_char,
        cap: usize,
    ) -> i32;
    fn ferrokv_parse_double(s: *const c_char, len: usize, out: *mut f64) -> i32;
    fn ferrokv_format_g17(v: f64, out: *mut c_char, cap: usize) -> i32;
}

/// Parses a signed 64-bit integer with Redis's `string2ll` rules.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Parses a double as Redis's `string2d` does (strtod over the whole input).
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    let mut out = 0.0f64;
    // SAFETY: the pointer and length describe a live slice; the C side copies at most
    // `len` bytes into its own buffer and writes one f64 through `out`.
    let ok = unsafe { ferrokv_parse_double(s.as_ptr().cast(), s.len(), &mut out) };
    (ok == 1).then_some(out)
}

/// Is `s` a valid long double for INCRBYFLOAT?
pub fn is_long_double(s: &[u8]) -> bool {
    // SAFETY: pointer and length describe a live slice; the C side only reads it.
    unsafe { ferrokv_ld_valid(s.as_ptr().cast(), s.len()) == 1 }
}

/// Why a long-double addition failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LongDoubleError {
    /// The stored value is not a float.
    NotAFloat,
    /// The increment is not a float.
    BadIncrement,
    /// The result would be NaN or infinity.
    NanOrInfinity,
}

/// `current + incr` in long double, formatted as Redis's INCRBYFLOAT reply.
/// `current` None means the key is missing (0).
pub fn long_double_add(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, LongDoubleError> {
    let mut out = vec![0u8; 5200];
    let (cp, cl) = match current {
        Some(c) => (c.as_ptr().cast(), c.len()),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: input slices are live for the call; `out` has `out.len()` writable bytes
    // and the C side never writes more than `cap` (snprintf bounds it).
    let n = unsafe { ferrokv_ld_add(cp, cl, incr.as_ptr().cast(), incr.len(), out.as_mut_ptr().cast(), out.len()) };
    match n {
        -1 => Err(LongDoubleError::NotAFloat),
        -2 => Err(LongDoubleError::BadIncrement),
        n if n < 0 => Err(LongDoubleError::NanOrInfinity),
        n => {
            out.truncate(n as usize);
            Ok(out)
        }
    }
}

/// `printf("%.17g")` of a double: how Redis 7.0 writes RESP3 doubles.
pub fn format_double_g17(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let mut out = [0u8; 64];
    // SAFETY: `out` has 64 writable bytes; snprintf writes at most `cap` including NUL.
    let n = unsafe { ferrokv_format_g17(v, out.as_mut_ptr().cast(), out.len()) };
    let n = usize::try_from(n).unwrap_or(0).min(out.len() - 1);
    String::from_utf8_lossy(&out[..n]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_rules() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn long_double_human_format() {
        assert_eq!(long_double_add(Some(b"10.5"), b"0.1").unwrap(), b"10.6");
        assert_eq!(long_double_add(None, b"3.0e3").unwrap(), b"3000");
        assert_eq!(long_double_add(Some(b"1"), b"-1").unwrap(), b"0");
        assert_eq!(long_double_add(Some(b"abc"), b"1"), Err(LongDoubleError::NotAFloat));
        assert_eq!(long_double_add(Some(b"1"), b" 1"), Err(LongDoubleError::BadIncrement));
    }

    #[test]
    fn g17() {
        assert_eq!(format_double_g17(1.5), "1.5");
        assert_eq!(format_double_g17(0.1), "0.10000000000000001");
        assert_eq!(format_double_g17(f64::INFINITY), "inf");
    }
}

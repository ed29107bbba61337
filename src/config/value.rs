//! Reading and printing parameter values exactly as Redis 7.0 does.
//!
//! Owns the small number parsers Redis uses in its configuration code, each with its own
//! quirks that users can observe: `string2ll` (strict: no `+`, no leading zeros, `-0`
//! refused), `memtoull` (memory units, silent wrap on overflow), C `strtoll`/`strtol`
//! (lenient: `010` is 10, `+5` is 5, saturating), `strtod` as Redis's `string2d` wraps
//! it, and `%f` printing of doubles with trailing zeros trimmed. Nothing here knows which
//! parameter uses which; `table.rs` says that.

/// Redis's `string2ll`: an optional `-`, then digits with no leading zero (only `0`
/// itself may start with `0`); no `+`, no spaces, no overflow.
pub(crate) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut magnitude: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if magnitude > i64::MAX as u64 + 1 {
            return None;
        }
        Some((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Redis's `memtoull`: digits followed by an optional unit `b`, `k` (1000), `kb` (1024),
/// `m`, `mb`, `g`, `gb`, case-insensitive. A leading `-` is refused; empty digits read as
/// 0 (`"k"` is 0); too many digits saturate and the unit multiplication wraps, both as
/// Redis 7.0.15 does. `None` means "argument must be a memory value".
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits_end = s.iter().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(digits_end);
    let unit = unit.to_ascii_lowercase();
    let multiplier: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    // Redis copies the digits into a 128-byte buffer and refuses longer numbers.
    if digits.len() >= 128 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    Some(value.wrapping_mul(multiplier))
}

/// What C's `strtoll` makes of a whole argument.
pub(crate) struct CInt {
    /// The value, saturated to `i64::MIN`/`i64::MAX` on overflow.
    pub value: i64,
    /// Whether the digits ran to the end of the input (`*endptr == '\0'`).
    pub whole: bool,
    /// Whether it overflowed (`errno == ERANGE`).
    pub overflow: bool,
}

/// C's `strtoll(s, &end, radix)` for radix 8 or 10: leading whitespace, an optional sign,
/// then digits. With no digits at all nothing is consumed, so `""` reads as a whole 0.
pub(crate) fn c_strtoll(s: &[u8], radix: u32) -> CInt {
    let mut i = 0;
    while s.get(i).is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits_start = i;
    let mut magnitude: u128 = 0;
    while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(radix)) {
        magnitude = (magnitude * u128::from(radix) + u128::from(d)).min(u128::from(u64::MAX) + 1);
        i += 1;
    }
    if i == digits_start {
        // No conversion: C leaves the end pointer at the very start.
        return CInt { value: 0, whole: s.is_empty(), overflow: false };
    }
    let limit = if negative { i64::MAX as u128 + 1 } else { i64::MAX as u128 };
    let overflow = magnitude > limit;
    let value = match (negative, overflow) {
        (true, true) => i64::MIN,
        (false, true) => i64::MAX,
        (true, false) => (magnitude as i64).wrapping_neg(),
        (false, false) => magnitude as i64,
    };
    CInt { value, whole: i == s.len(), overflow }
}

/// Redis's `string2d`: C `strtod` over the whole argument, refusing leading space, NaN,
/// overflow to infinity and underflow to zero. Literal `inf` is accepted (and then fails
/// whatever range the caller checks), as in Redis.
pub(crate) fn string2d(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    let first = *s.first()?;
    if first.is_ascii_whitespace() || first == 0x0b {
        return None;
    }
    let (sign, body) = match text.as_bytes()[0] {
        b'-' => (-1.0, &text[1..]),
        b'+' => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if body.starts_with(['+', '-']) {
        return None; // strtod takes one sign only.
    }
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    }
    if lower.starts_with("nan") {
        return None;
    }
    let value = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else {
        // Rust accepts the same decimal syntax as strtod, minus inf/nan handled above.
        if !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
            return None;
        }
        let v: f64 = body.parse().ok()?;
        let has_nonzero_digit =
            body.split(['e', 'E']).next().is_some_and(|m| m.bytes().any(|b| matches!(b, b'1'..=b'9')));
        if v.is_infinite() || (v == 0.0 && has_nonzero_digit) {
            return None; // ERANGE: overflow, or underflow to zero.
        }
        v
    };
    Some(sign * value)
}

/// The part of C's `strtod` that reads `0x` hexadecimal floats: digits, an optional
/// fraction and an optional binary exponent `p±N`.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exponent) = match s.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0.0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let value = value * 2f64.powi(exponent);
    (!value.is_infinite()).then_some(value)
}

/// C's `"%f"` with trailing zeros (and then a trailing dot) removed, as Redis prints
/// latency percentiles: 99.9 → `99.9`, 50 → `50`, 12.3456789 → `12.345679`.
pub(crate) fn format_trimmed_f(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// `yes`/`no`, case-insensitive; anything else is "argument must be 'yes' or 'no'".
pub(crate) fn parse_yes_no(s: &[u8]) -> Option<bool> {
    if s.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

pub(crate) fn print_yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        for bad in ["", "-0", "010", "+1", " 1", "1 ", "1.5", "9223372036854775808", "-"] {
            assert_eq!(string2ll(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn memtoull_matches_redis_7_0_15() {
        // Each pair was recorded with CONFIG SET maxmemory / CONFIG GET on redis 7.0.15.
        let cases: &[(&str, Option<u64>)] = &[
            ("100", Some(100)),
            ("1k", Some(1000)),
            ("1K", Some(1000)),
            ("1kb", Some(1024)),
            ("1Kb", Some(1024)),
            ("1m", Some(1_000_000)),
            ("1mB", Some(1_048_576)),
            ("1g", Some(1_000_000_000)),
            ("1gb", Some(1_073_741_824)),
            ("1b", Some(1)),
            ("", Some(0)),
            ("k", Some(0)),
            ("010", Some(10)),
            ("18446744073709551616", Some(u64::MAX)),
            ("18446744073709551615kb", Some(18446744073709550592)),
            ("20000000000gb", Some(3028092406290448384)),
            ("1.5mb", None),
            ("-1", None),
            ("-0", None),
            ("1tb", None),
            ("1 kb", None),
            ("+5", None),
            ("0x10", None),
            (" 5", None),
            ("1kib", None),
        ];
        for (input, want) in cases {
            assert_eq!(memtoull(input.as_bytes()), *want, "{input:?}");
        }
        assert_eq!(memtoull("1".repeat(130).as_bytes()), None);
    }

    #[test]
    fn strtoll_is_lenient() {
        let r = c_strtoll(b"010", 10);
        assert_eq!((r.value, r.whole, r.overflow), (10, true, false));
        let r = c_strtoll(b"+5", 10);
        assert_eq!((r.value, r.whole), (5, true));
        let r = c_strtoll(b"", 10);
        assert_eq!((r.value, r.whole), (0, true));
        let r = c_strtoll(b"abc", 10);
        assert!(!r.whole);
        let r = c_strtoll(b"99999999999999999999", 10);
        assert_eq!((r.value, r.overflow), (i64::MAX, true));
        let r = c_strtoll(b" 777", 8);
        assert_eq!((r.value, r.whole), (0o777, true));
        assert!(!c_strtoll(b"0x7", 8).whole);
    }

    #[test]
    fn string2d_and_percent_f() {
        assert_eq!(string2d(b"99.9"), Some(99.9));
        assert_eq!(string2d(b"0x10"), Some(16.0));
        assert_eq!(string2d(b".5"), Some(0.5));
        assert_eq!(string2d(b"1e1"), Some(10.0));
        assert_eq!(string2d(b"inf"), Some(f64::INFINITY));
        for bad in ["", " 50", "50 ", "nan", "abc", "1e400", "1e-400", "1e"] {
            assert_eq!(string2d(bad.as_bytes()), None, "{bad:?}");
        }
        assert!(string2d(b"1e-310").is_some());
        assert_eq!(format_trimmed_f(99.9), "99.9");
        assert_eq!(format_trimmed_f(50.0), "50");
        assert_eq!(format_trimmed_f(12.3456789), "12.345679");
        assert_eq!(format_trimmed_f(99.9999999), "100");
        assert_eq!(format_trimmed_f(-0.0), "-0");
        assert_eq!(format_trimmed_f(1e-7), "0");
    }
}

//! Redis's two text transforms on argument lines, shared by the inline-command parser
//! and the configuration loader.
//!
//! Owns `sdssplitargs` (how inline commands, `redis.conf` lines and multi-word
//! `--option` values are cut into arguments) and
//! `sdscatrepr` (how `redis-server` quotes command-line values before parsing them as
//! config lines, which is why a bad `--port abc` is reported as `'port "abc"'`).
//! Both work on bytes: a `"\xff"` escape yields a byte that need not be UTF-8.
//! Nothing here knows about commands or parameters; the parser and the loader call in.

/// C's `isspace` in the "C" locale, which Redis uses to end a token or a quote.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Cuts `line` into arguments the way Redis's `sdssplitargs` does.
///
/// Whitespace separates arguments; `"double quotes"` understand `\n \r \t \b \a`, `\xHH`
/// and `\<any>`; `'single quotes'` understand only `\'`. A quote may open in the middle
/// of a token (`a"b"` is `ab`), but a closing quote must be followed by whitespace or the
/// end of the line. Returns `None` for unbalanced quotes, which Redis reports as
/// "Unbalanced quotes in configuration line". Like the C code, a NUL byte ends the input.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    let line = &line[..end];
    let at = |i: usize| line.get(i).copied();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while at(i).is_some_and(is_c_space) {
            i += 1;
        }
        if i >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let Some(c) = at(i) else {
                // End of input: fine between tokens, unbalanced inside quotes.
                if in_double || in_single {
                    return None;
                }
                break;
            };
            if in_double {
                let next = at(i + 1);
                if c == b'\\' && next == Some(b'x') {
                    let hi = at(i + 2).and_then(hex_value);
                    let lo = at(i + 3).and_then(hex_value);
                    if let (Some(hi), Some(lo)) = (hi, lo) {
                        current.push(hi * 16 + lo);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && next.is_some() {
                    let escaped = next.unwrap_or(b'\\');
                    current.push(match escaped {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    if at(i + 1).is_some_and(|b| !is_c_space(b)) {
                        return None;
                    }
                    i += 1;
                    break;
                }
                current.push(c);
                i += 1;
            } else if in_single {
                if c == b'\\' && at(i + 1) == Some(b'\'') {
                    current.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if at(i + 1).is_some_and(|b| !is_c_space(b)) {
                        return None;
                    }
                    i += 1;
                    break;
                }
                current.push(c);
                i += 1;
            } else {
                match c {
                    // Only these end an unquoted token; vertical tab and form feed don't.
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        i += 1;
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => current.push(other),
                }
                i += 1;
            }
        }
        args.push(current);
    }
}

/// Quotes `arg` the way Redis's `sdscatrepr` does: in double quotes, with `\\ \" \n \r
/// \t \a \b` escaped and any other byte outside printable ASCII written as `\xHH`.
pub fn quote_arg(arg: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in arg {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            other => out.extend_from_slice(format!("\\x{other:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|v| v.into_iter().map(|a| String::from_utf8_lossy(&a).into_owned()).collect())
    }

    #[test]
    fn splits_plain_and_quoted_tokens() {
        assert_eq!(split("  a  b\tc "), Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split(r#""a\x41\tb\"c\\d""#), Some(vec!["aA\tb\"c\\d".into()]));
        assert_eq!(split(r#""\xZZ\q""#), Some(vec!["xZZq".into()]));
        assert_eq!(split(r#"'it\'s "x"'"#), Some(vec![r#"it's "x""#.into()]));
        assert_eq!(split(r"'a\n'"), Some(vec![r"a\n".into()]));
        assert_eq!(split(r#"a"b""#), Some(vec!["ab".into()]));
        assert_eq!(split(r#""" x"#), Some(vec!["".into(), "x".into()]));
    }

    #[test]
    fn rejects_unbalanced_quotes() {
        assert_eq!(split(r#""a"b"#), None);
        assert_eq!(split("'a'b"), None);
        assert_eq!(split(r#""a"#), None);
        assert_eq!(split("'a"), None);
        assert_eq!(split(r#""a\"#), None);
        assert_eq!(split(r##""x"#"##), None);
    }

    #[test]
    fn quotes_like_sdscatrepr() {
        let mut out = Vec::new();
        quote_arg(b"a\"b\\\n\x01\xc3", &mut out);
        assert_eq!(out, br#""a\"b\\\n\x01\xc3""#.to_vec());
        // What is quoted splits back to the same bytes.
        assert_eq!(split_args(&out), Some(vec![b"a\"b\\\n\x01\xc3".to_vec()]));
    }
}

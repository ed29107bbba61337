//! Glob matching with Redis's `stringmatchlen` rules, byte for byte.
//!
//! Used by KEYS, SCAN MATCH, CONFIG GET, PUBSUB CHANNELS, PSUBSCRIBE and DEBUG
//! STRINGMATCH-LEN. Crates such as `glob`, `globset` and `wildmatch` differ from Redis on
//! classes, escapes and bytes (see `reference/formats-and-crates.md`), so this is ours.
//!
//! Rules mirrored from Redis 7.0:
//! - `?` matches one byte, `*` any run of bytes (consecutive stars collapse);
//! - `[abc]`, `[^abc]`, ranges `[a-z]` (reversed ranges `[z-a]` work too), `\x` inside a
//!   class is a literal `x`; an unterminated class takes the rest of the pattern as the class;
//! - `\x` outside a class matches `x` literally; a trailing `\` matches a literal `\`;
//! - matching is on bytes; `nocase` folds ASCII only (as C `tolower` in the C locale).
//!
//! The recursion on `*` is bounded the way Redis 7.0 bounds it: nested stars are
//! limited (Redis uses a `skipLongerMatches` flag so `a*a*a*...b` cannot go exponential).

/// Does `pattern` match the whole of `string`?
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, nocase, &mut skip_longer, 0)
}

fn fold(b: u8, nocase: bool) -> u8 {
    if nocase {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

/// Redis caps the nesting of `*` recursion at 1000 levels (CVE-2022-36021 fix in 7.0.9).
const MAX_NESTING: usize = 1000;

fn match_impl(mut p: &[u8], mut s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true; // a trailing star matches everything left
                }
                while !s.is_empty() {
                    if match_impl(&p[1..], s, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s = &s[1..];
                }
                // The rest of the string is consumed without a match: no longer string
                // can match either, so every caller up the stack can stop trying.
                *skip_longer = true;
                return false;
            }
            b'?' => {
                s = &s[1..];
            }
            b'[' => {
                p = &p[1..];
                let not = !p.is_empty() && p[0] == b'^';
                if not {
                    p = &p[1..];
                }
                let mut matched = false;
                loop {
                    if p.is_empty() {
                        break;
                    }
                    if p[0] == b'\\' && p.len() >= 2 {
                        p = &p[1..];
                        if p[0] == s[0] {
                            matched = true;
                        }
                    } else if p[0] == b']' {
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (mut start, mut end) = (p[0], p[2]);
                        let mut c = s[0];
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = start.to_ascii_lowercase();
                            end = end.to_ascii_lowercase();
                            c = c.to_ascii_lowercase();
                        }
                        p = &p[2..];
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if fold(p[0], nocase) == fold(s[0], nocase) {
                        matched = true;
                    }
                    p = &p[1..];
                }
                // Redis leaves `p` on the `]` (or past the end when unterminated).
                if p.is_empty() {
                    // Unterminated class: Redis backs up one so the loop's increment
                    // lands on the end of the pattern.
                    if not {
                        matched = !matched;
                    }
                    if !matched {
                        return false;
                    }
                    s = &s[1..];
                    break;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s = &s[1..];
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if fold(p[0], nocase) != fold(s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if fold(c, nocase) != fold(s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while !p.is_empty() && p[0] == b'*' {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn stars_and_questions() {
        // Redis: a star needs the string loop to run, so "*" does not match "" (KEYS and
        // SCAN special-case "*" before matching).
        assert!(!m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("oauth:*", "oauth:token:abc"));
        assert!(!m("oauth:*", "oauth"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("**a", "a"));
    }

    #[test]
    fn classes() {
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hbllo"));
        assert!(m("[\\]]", "]"));
        assert!(m("a[bc", "ab"));
    }

    #[test]
    fn escapes_and_case() {
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("a\\", "a\\"));
        assert!(glob_match(b"HELLO", b"hello", true));
        assert!(!glob_match(b"HELLO", b"hello", false));
    }

    #[test]
    fn pathological_pattern_terminates() {
        let p = "a*".repeat(40) + "b";
        let s = "a".repeat(60);
        assert!(!m(&p, &s));
    }
}

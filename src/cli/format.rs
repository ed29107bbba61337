//! How replies are printed: redis-cli's four output modes, byte for byte.
//!
//! Owns the text of every reply the client prints: the standard (tty) form with its
//! type tags and nested numbering (`1) 2) "x"`, `1# "k" => v`, `(integer) 1`), the raw
//! form (what redis-cli prints when stdout is not a terminal, or with `--raw`), CSV and
//! JSON. Every rule here was checked against redis-cli 7.0.15 talking to redis-server
//! 7.0.15; `tests/interop/cli_compare.py` keeps checking them.
//!
//! Must not: do I/O or decide which mode applies (the caller does, from the options
//! and whether stdout is a terminal). Nesting is at most the reader's depth limit, so
//! the recursion here is bounded.

use crate::numbers::format_double_g17;
use crate::protocol::Reply;
use crate::sds::quote_arg;

/// redis-cli's output modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Type tags, quotes and numbered elements: the default on a terminal, `--no-raw`.
    Standard,
    /// Bare values, one per line: the default when stdout is not a terminal, `--raw`.
    Raw,
    /// One line of comma-separated values per reply (`--csv`).
    Csv,
    /// One JSON value per reply (`--json`).
    Json,
}

/// The text printed for one reply to a command, ending in its newline.
///
/// `forced_raw` is set for the commands redis-cli always prints raw (INFO, CLIENT
/// LIST, ...): then the raw form is printed without the delimiter that raw mode adds,
/// so INFO's own trailing CRLF ends the output.
pub fn reply_text(reply: &Reply, output: Output, forced_raw: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if forced_raw {
        raw(reply, &mut out);
        return out;
    }
    match output {
        Output::Standard => standard(reply, "", &mut out),
        Output::Raw => {
            raw(reply, &mut out);
            out.push(b'\n');
        }
        Output::Csv => {
            csv(reply, &mut out);
            out.push(b'\n');
        }
        Output::Json => {
            json(reply, &mut out);
            out.push(b'\n');
        }
    }
    out
}

/// The bytes of a string-like reply; `None` for numbers, nulls and aggregates.
pub fn text_of(reply: &Reply) -> Option<&[u8]> {
    match reply {
        Reply::Ok => Some(b"OK"),
        Reply::Simple(s) | Reply::Bulk(s) | Reply::Error(s) | Reply::Verbatim(_, s) | Reply::BigNumber(s) => Some(s),
        Reply::BulkShort(len, data) => data.get(..usize::from(*len)),
        _ => None,
    }
}

/// The elements of an aggregate, maps as their pairs.
enum Elements<'a> {
    Seq(&'a [Reply]),
    Pairs(&'a [(Reply, Reply)]),
}

fn elements(reply: &Reply) -> Option<Elements<'_>> {
    match reply {
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) | Reply::Many(items) => Some(Elements::Seq(items)),
        Reply::Map(pairs) => Some(Elements::Pairs(pairs)),
        _ => None,
    }
}

/// How many entries an aggregate has (pairs for a map); `None` for a scalar.
fn aggregate_len(reply: &Reply) -> Option<usize> {
    match elements(reply)? {
        Elements::Seq(items) => Some(items.len()),
        Elements::Pairs(pairs) => Some(pairs.len()),
    }
}

fn push_line(out: &mut Vec<u8>, text: &[u8]) {
    out.extend_from_slice(text);
    out.push(b'\n');
}

/// The standard form. `prefix` is the indentation of the lines after the first one
/// (the first is already positioned by the caller).
fn standard(reply: &Reply, prefix: &str, out: &mut Vec<u8>) {
    match reply {
        Reply::Error(e) => {
            out.extend_from_slice(b"(error) ");
            push_line(out, e);
        }
        Reply::Ok => push_line(out, b"OK"),
        // Status replies and verbatim strings are printed as they are, unquoted.
        Reply::Simple(s) | Reply::Verbatim(_, s) => push_line(out, s),
        Reply::Int(n) => push_line(out, format!("(integer) {n}").as_bytes()),
        Reply::Double(d) => push_line(out, format!("(double) {}", format_double_g17(*d)).as_bytes()),
        Reply::Bool(b) => push_line(out, if *b { b"(true)" } else { b"(false)" }),
        Reply::Nil | Reply::NilArray => push_line(out, b"(nil)"),
        Reply::BigNumber(n) => {
            out.extend_from_slice(b"(big number) ");
            push_line(out, n);
        }
        Reply::Bulk(_) | Reply::BulkShort(..) => {
            quote_arg(text_of(reply).unwrap_or_default(), out);
            out.push(b'\n');
        }
        Reply::Array(_) | Reply::Set(_) | Reply::Push(_) | Reply::Many(_) | Reply::Map(_) => {
            standard_aggregate(reply, prefix, out)
        }
    }
}

fn standard_aggregate(reply: &Reply, prefix: &str, out: &mut Vec<u8>) {
    let (tag, empty) = match reply {
        Reply::Set(_) => ('~', "(empty set)"),
        Reply::Map(_) => ('#', "(empty hash)"),
        Reply::Push(_) => (')', "(empty push)"),
        _ => (')', "(empty array)"),
    };
    let len = aggregate_len(reply).unwrap_or(0);
    if len == 0 {
        push_line(out, empty.as_bytes());
        return;
    }
    // Indices are right-aligned to the widest one; the elements' own lines are
    // indented past "N) ".
    let width = len.to_string().len();
    let inner = format!("{prefix}{}", " ".repeat(width + 2));
    let index = |out: &mut Vec<u8>, i: usize| {
        if i > 0 {
            out.extend_from_slice(prefix.as_bytes());
        }
        out.extend_from_slice(format!("{:>width$}{tag} ", i + 1).as_bytes());
    };
    match elements(reply) {
        Some(Elements::Seq(items)) => {
            for (i, item) in items.iter().enumerate() {
                index(out, i);
                standard(item, &inner, out);
            }
        }
        Some(Elements::Pairs(pairs)) => {
            for (i, (key, value)) in pairs.iter().enumerate() {
                index(out, i);
                let mut key_text = Vec::new();
                standard(key, &inner, &mut key_text);
                if key_text.last() == Some(&b'\n') {
                    key_text.pop();
                }
                out.extend_from_slice(&key_text);
                out.extend_from_slice(b" => ");
                // A value that takes several lines starts on a line of its own; one
                // that fits on one line stays on the key's line.
                let mut value_text = Vec::new();
                standard(value, &inner, &mut value_text);
                if value_text.iter().filter(|&&c| c == b'\n').count() > 1 {
                    out.push(b'\n');
                    out.extend_from_slice(inner.as_bytes());
                }
                out.extend_from_slice(&value_text);
            }
        }
        None => {}
    }
}

/// The raw form, without the final delimiter: elements one per line, a map's key and
/// value on one line separated by a space, errors with their own newline.
fn raw(reply: &Reply, out: &mut Vec<u8>) {
    match reply {
        Reply::Error(e) => push_line(out, e),
        Reply::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Reply::Double(d) => out.extend_from_slice(format_double_g17(*d).as_bytes()),
        Reply::Bool(b) => out.extend_from_slice(if *b { b"(true)" } else { b"(false)" }),
        Reply::Nil | Reply::NilArray => {}
        _ => match elements(reply) {
            Some(Elements::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    raw(item, out);
                }
            }
            Some(Elements::Pairs(pairs)) => {
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    raw(key, out);
                    out.push(b' ');
                    raw(value, out);
                }
            }
            None => out.extend_from_slice(text_of(reply).unwrap_or_default()),
        },
    }
}

/// The CSV form: strings quoted as redis-cli quotes them, aggregates flattened.
fn csv(reply: &Reply, out: &mut Vec<u8>) {
    match reply {
        Reply::Error(e) => {
            out.extend_from_slice(b"ERROR,");
            quote_arg(e, out);
        }
        Reply::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Reply::Double(d) => out.extend_from_slice(format_double_g17(*d).as_bytes()),
        Reply::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Reply::Nil | Reply::NilArray => out.extend_from_slice(b"NULL"),
        Reply::BigNumber(n) => out.extend_from_slice(n),
        _ => match elements(reply) {
            Some(Elements::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv(item, out);
                }
            }
            Some(Elements::Pairs(pairs)) => {
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv(key, out);
                    out.push(b',');
                    csv(value, out);
                }
            }
            None => quote_arg(text_of(reply).unwrap_or_default(), out),
        },
    }
}

/// The JSON form. Strings are escaped as JSON requires but bytes from 0x7f up are
/// copied as they are (so UTF-8 stays readable, as in redis-cli); an error is written
/// `error:"text"`, as redis-cli 7.0 does.
fn json(reply: &Reply, out: &mut Vec<u8>) {
    match reply {
        Reply::Error(e) => {
            out.extend_from_slice(b"error:");
            json_string(e, out);
        }
        Reply::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Reply::Double(d) => out.extend_from_slice(format_double_g17(*d).as_bytes()),
        Reply::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Reply::Nil | Reply::NilArray => out.extend_from_slice(b"null"),
        Reply::BigNumber(n) => out.extend_from_slice(n),
        _ => match elements(reply) {
            Some(Elements::Seq(items)) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json(item, out);
                }
                out.push(b']');
            }
            Some(Elements::Pairs(pairs)) => {
                out.push(b'{');
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // JSON keys are strings: a number key is written in quotes.
                    match text_of(key) {
                        Some(text) if !key.is_error() => json_string(text, out),
                        _ => {
                            let mut inner = Vec::new();
                            json(key, &mut inner);
                            json_string(&inner, out);
                        }
                    }
                    out.push(b':');
                    json(value, out);
                }
                out.push(b'}');
            }
            None => json_string(text_of(reply).unwrap_or_default(), out),
        },
    }
}

fn json_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Which commands redis-cli prints raw even in the standard and CSV/JSON modes: their
/// replies are texts meant for people (INFO, CLIENT LIST, LATENCY DOCTOR, ...).
pub fn prints_raw(args: &[Vec<u8>]) -> bool {
    let arg = |i: usize| args.get(i).map(|a| a.to_ascii_lowercase()).unwrap_or_default();
    let (name, sub) = (arg(0), arg(1));
    let sub = sub.as_slice();
    match name.as_slice() {
        b"info" | b"lolwut" => true,
        b"debug" => args.len() >= 2 && matches!(sub, b"htstats" | b"htstats-key" | b"client-eviction"),
        b"memory" => args.len() >= 2 && matches!(sub, b"malloc-stats" | b"doctor"),
        b"cluster" => args.len() == 2 && matches!(sub, b"nodes" | b"info"),
        b"client" => args.len() >= 2 && matches!(sub, b"list" | b"info"),
        b"latency" => (args.len() == 3 && sub == b"graph") || (args.len() == 2 && sub == b"doctor"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn b(s: &str) -> Reply {
        Reply::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn text(reply: &Reply, output: Output) -> String {
        String::from_utf8(reply_text(reply, output, false)).unwrap()
    }

    #[test]
    fn standard_scalars() {
        assert_eq!(text(&Reply::Int(-3), Output::Standard), "(integer) -3\n");
        assert_eq!(text(&Reply::Nil, Output::Standard), "(nil)\n");
        assert_eq!(text(&Reply::NilArray, Output::Standard), "(nil)\n");
        assert_eq!(text(&Reply::Ok, Output::Standard), "OK\n");
        assert_eq!(text(&Reply::error("ERR x"), Output::Standard), "(error) ERR x\n");
        assert_eq!(text(&b("a\x01\x7f\t\n\"\\"), Output::Standard), "\"a\\x01\\x7f\\t\\n\\\"\\\\\"\n");
        assert_eq!(text(&Reply::Double(0.1), Output::Standard), "(double) 0.10000000000000001\n");
        assert_eq!(text(&Reply::Double(f64::NEG_INFINITY), Output::Standard), "(double) -inf\n");
        assert_eq!(text(&Reply::Bool(true), Output::Standard), "(true)\n");
        assert_eq!(text(&Reply::Verbatim("txt", Bytes::from_static(b"a\nb")), Output::Standard), "a\nb\n");
    }

    #[test]
    fn standard_nesting_and_alignment() {
        let ints = |r: std::ops::RangeInclusive<i64>| Reply::Array(r.map(Reply::Int).collect());
        let nested = Reply::Array(vec![Reply::Int(1), Reply::Array(vec![Reply::Int(2), ints(3..=11)]), b("x")]);
        assert_eq!(
            text(&nested, Output::Standard),
            "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) (integer) 3\n      2) (integer) 4\n      3) (integer) 5\n      \
             4) (integer) 6\n      5) (integer) 7\n      6) (integer) 8\n      7) (integer) 9\n      \
             8) (integer) 10\n      9) (integer) 11\n3) \"x\"\n"
        );
        let ten = Reply::Array(vec![ints(1..=10)]);
        assert!(text(&ten, Output::Standard).starts_with("1)  1) (integer) 1\n    2) (integer) 2\n"));
        assert!(text(&ten, Output::Standard).ends_with("   10) (integer) 10\n"));
        assert_eq!(text(&Reply::Array(vec![]), Output::Standard), "(empty array)\n");
        assert_eq!(text(&Reply::Map(vec![]), Output::Standard), "(empty hash)\n");
        assert_eq!(text(&Reply::Set(vec![]), Output::Standard), "(empty set)\n");
    }

    #[test]
    fn standard_maps_put_long_values_on_their_own_lines() {
        let set2 = Reply::Set(vec![b("y"), b("x")]);
        assert_eq!(
            text(&Reply::Map(vec![(b("a"), set2)]), Output::Standard),
            "1# \"a\" => \n   1~ \"y\"\n   2~ \"x\"\n"
        );
        let one = Reply::Map(vec![(b("k"), Reply::Int(1))]);
        assert_eq!(text(&Reply::Map(vec![(b("a"), one)]), Output::Standard), "1# \"a\" => 1# \"k\" => (integer) 1\n");
        let nested = Reply::Array(vec![Reply::Map(vec![(b("n"), b("key")), (b("t"), b("key"))])]);
        assert_eq!(
            text(&Reply::Map(vec![(b("args"), nested)]), Output::Standard),
            "1# \"args\" => \n   1) 1# \"n\" => \"key\"\n      2# \"t\" => \"key\"\n"
        );
        let key = Reply::Array(vec![Reply::Int(1), Reply::Int(2)]);
        assert_eq!(
            text(&Reply::Map(vec![(key, Reply::Int(3))]), Output::Standard),
            "1# 1) (integer) 1\n   2) (integer) 2 => (integer) 3\n"
        );
    }

    #[test]
    fn raw_form() {
        let r = Reply::Array(vec![Reply::Int(1), Reply::error("x"), Reply::Double(2.0), Reply::Nil]);
        assert_eq!(text(&r, Output::Raw), "1\nx\n\n2\n\n");
        assert_eq!(text(&Reply::error("ERR x"), Output::Raw), "ERR x\n\n");
        let map = Reply::Map(vec![(b("a"), Reply::Map(vec![(b("k"), Reply::Int(1)), (b("j"), Reply::Bool(false))]))]);
        assert_eq!(text(&map, Output::Raw), "a k 1\nj (false)\n");
        assert_eq!(reply_text(&Reply::error("ERR syntax error"), Output::Standard, true), b"ERR syntax error\n");
        assert_eq!(reply_text(&b("# Server\r\n"), Output::Csv, true), b"# Server\r\n");
    }

    #[test]
    fn csv_and_json_forms() {
        let r = Reply::Array(vec![Reply::Int(1), Reply::Array(vec![b("a\0\""), Reply::Nil]), Reply::Bool(true)]);
        assert_eq!(text(&r, Output::Csv), "1,\"a\\x00\\\"\",NULL,true\n");
        assert_eq!(text(&Reply::error("ERR x"), Output::Csv), "ERROR,\"ERR x\"\n");
        assert_eq!(text(&r, Output::Json), "[1,[\"a\\u0000\\\"\",null],true]\n");
        let map = Reply::Map(vec![(Reply::Int(1), Reply::Double(2.5)), (b("é\x1b"), Reply::error("E"))]);
        assert_eq!(text(&map, Output::Json), "{\"1\":2.5,\"é\\u001b\":error:\"E\"}\n");
        assert_eq!(text(&Reply::Map(vec![]), Output::Json), "{}\n");
    }

    #[test]
    fn raw_commands() {
        let args = |s: &str| s.split(' ').map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>();
        assert!(prints_raw(&args("INFO")));
        assert!(prints_raw(&args("client LIST")));
        assert!(prints_raw(&args("latency doctor")));
        assert!(!prints_raw(&args("latency doctor x")));
        assert!(!prints_raw(&args("client")));
        assert!(!prints_raw(&args("get info")));
    }
}

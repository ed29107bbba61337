//! Replays the Redis compatibility recordings against ferrokv, byte for byte.
//!
//! tests/compat/record.py runs every script in tests/compat/scripts/ against
//! redis-server 7.0.15, in RESP2 and in RESP3, and writes what it answered to
//! tests/compat/recordings/. This test sends the same commands, in the same
//! order, to one in-process ferrokv and compares every reply with the recorded
//! bytes. CI re-records against a live redis-server and fails on any change,
//! so the recordings are Redis's answers, never edited to make this pass.
//!
//! Known gaps live in tests/compat/gaps.txt: for a listed command the test
//! accepts the recorded reply or the listed one, and fails once the listed
//! reply stops appearing, so a fixed gap has to be removed from the file.
//!
//! Must not: tolerate any other difference, or stop at the first mismatch;
//! one run reports every mismatch of every recording.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use common::{escape, RawConnection, TestServer};

/// After a `@noreply` step, how long to wait for a reply that must not come.
const NO_REPLY_WAIT: Duration = Duration::from_millis(20);

const PROTOCOLS: [&str; 2] = ["resp2", "resp3"];

fn compat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat")
}

/// One command (or directive) of a recording, with what Redis answered.
struct Entry {
    /// The script line exactly as written, directive included.
    text: String,
    /// The escaped reply; None for `@sleep` and `@noreply`, which have none.
    expected: Option<String>,
    /// Where the line is in the script, for error messages.
    script_line: usize,
}

/// A recording: `<family>.<protocol>` and its entries.
struct Recording {
    name: String,
    family: String,
    protocol: &'static str,
    entries: Vec<Entry>,
}

/// One accepted difference from gaps.txt.
struct Gap {
    reply: String,
    gaps_line: usize,
    seen: bool,
}

#[test]
fn compat_replay() {
    let mut failures = Vec::new();
    let recordings = load_recordings(&mut failures);
    let mut gaps = load_gaps(&recordings, &mut failures);

    let server = TestServer::start();
    for (index, recording) in recordings.iter().enumerate() {
        let intact = replay(&server, recording, &mut gaps, &mut failures);
        if !intact && !server_answers(&server) {
            // Each further recording would only wait out its read timeout.
            let skipped: Vec<&str> = recordings[index + 1..].iter().map(|r| r.name.as_str()).collect();
            failures
                .push(format!("ferrokv no longer answers PING on a new connection; skipped: {}", skipped.join(", ")));
            break;
        }
    }
    drop(server);

    for ((name, command), listed) in &gaps {
        for gap in listed.iter().filter(|gap| !gap.seen) {
            failures.push(format!(
                "tests/compat/gaps.txt:{}: {name}:{command}: ferrokv no longer replies {}; \
                 remove the entry if the reply now matches Redis, or update it",
                gap.gaps_line, gap.reply
            ));
        }
    }

    if !failures.is_empty() {
        panic!("{} compatibility failure(s) against redis-server 7.0.15:\n\n{}", failures.len(), failures.join("\n\n"));
    }
}

/// Every recording, paired with its script; missing or stale ones are failures.
fn load_recordings(failures: &mut Vec<String>) -> Vec<Recording> {
    let dir = compat_dir();
    let mut families: Vec<String> = fs::read_dir(dir.join("scripts"))
        .expect("read tests/compat/scripts")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".txt")?.to_string())
        })
        .collect();
    // The order record.py runs them in, on one server like this test.
    families.sort();
    assert!(!families.is_empty(), "no scripts in tests/compat/scripts");

    let mut recordings = Vec::new();
    for family in &families {
        let script_path = dir.join(format!("scripts/{family}.txt"));
        let script = fs::read_to_string(&script_path).expect("read a compat script");
        let steps: Vec<(usize, &str)> = script
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line))
            .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
            .collect();
        for protocol in PROTOCOLS {
            let name = format!("{family}.{protocol}");
            let path = dir.join(format!("recordings/{name}.txt"));
            let Ok(text) = fs::read_to_string(&path) else {
                failures.push(format!("tests/compat/recordings/{name}.txt is missing; run tests/compat/record.py"));
                continue;
            };
            let parsed = match parse_recording(&text) {
                Ok(parsed) => parsed,
                Err(e) => {
                    failures.push(format!("tests/compat/recordings/{name}.txt: {e}"));
                    continue;
                }
            };
            let same_lines = parsed.len() == steps.len() && parsed.iter().zip(&steps).all(|((t, _), (_, s))| t == s);
            if !same_lines {
                failures.push(format!(
                    "tests/compat/recordings/{name}.txt does not match scripts/{family}.txt \
                     line for line; run tests/compat/record.py"
                ));
                continue;
            }
            let entries = parsed
                .into_iter()
                .zip(&steps)
                .map(|((text, expected), &(script_line, _))| Entry { text, expected, script_line })
                .collect();
            recordings.push(Recording { name, family: family.clone(), protocol, entries });
        }
    }
    recordings
}

/// The (command line, escaped reply) pairs of a recording's text.
fn parse_recording(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut entries = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let command = line.strip_prefix("> ").ok_or_else(|| format!("line {}: expected '> '", i + 1))?;
        let directive = command.split(' ').next().unwrap_or_default();
        if directive == "@sleep" || directive == "@noreply" {
            entries.push((command.to_string(), None));
            continue;
        }
        let reply = lines
            .next()
            .and_then(|(_, line)| line.strip_prefix("< "))
            .ok_or_else(|| format!("line {}: expected '< ' after it", i + 1))?;
        entries.push((command.to_string(), Some(reply.to_string())));
    }
    Ok(entries)
}

/// gaps.txt, keyed by (recording name, command line).
fn load_gaps(recordings: &[Recording], failures: &mut Vec<String>) -> BTreeMap<(String, String), Vec<Gap>> {
    let text = fs::read_to_string(compat_dir().join("gaps.txt")).unwrap_or_default();
    let mut gaps: BTreeMap<(String, String), Vec<Gap>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let where_ = format!("tests/compat/gaps.txt:{}", i + 1);
        let columns: Vec<&str> = line.splitn(3, '\t').collect();
        let [head, reply, why] = columns[..] else {
            failures.push(format!("{where_}: expected three TAB-separated columns"));
            continue;
        };
        if !why.starts_with("FIXME(compat):") {
            failures.push(format!("{where_}: the third column must start with FIXME(compat):"));
            continue;
        }
        let Some((name, command)) = head.split_once(':') else {
            failures.push(format!("{where_}: expected <family>.<protocol>:<command line>"));
            continue;
        };
        let known = recordings.iter().any(|r| r.name == name && r.entries.iter().any(|e| e.text == command));
        if !known {
            failures.push(format!("{where_}: no command `{command}` in recording {name}"));
            continue;
        }
        gaps.entry((name.to_string(), command.to_string())).or_default().push(Gap {
            reply: reply.to_string(),
            gaps_line: i + 1,
            seen: false,
        });
    }
    gaps
}

/// Runs one recording on a fresh connection and checks every reply. Returns
/// false if the connection failed (I/O error, timeout, malformed reply).
fn replay(
    server: &TestServer,
    recording: &Recording,
    gaps: &mut BTreeMap<(String, String), Vec<Gap>>,
    failures: &mut Vec<String>,
) -> bool {
    let name = &recording.name;
    let mut conn = match open_session(server, recording.protocol) {
        Ok(conn) => conn,
        Err(e) => {
            failures.push(format!("{name}: could not open a {} session: {e}", recording.protocol));
            return false;
        }
    };
    for (index, entry) in recording.entries.iter().enumerate() {
        let location = format!("tests/compat/scripts/{}.txt:{} ({name})", recording.family, entry.script_line);
        let got = match run_step(&mut conn, &entry.text) {
            Ok(Some(reply)) => escape(&reply),
            Ok(None) => continue,
            Err(e) => {
                // The connection's state is unknown now: skip the rest.
                let left = recording.entries.len() - index - 1;
                failures.push(format!(
                    "{location}: {}\n  error: {e}\n  (skipped the remaining {left} step(s))",
                    entry.text
                ));
                return false;
            }
        };
        let expected = entry.expected.as_deref().unwrap_or_default();
        if got == expected {
            continue;
        }
        let key = (name.clone(), entry.text.clone());
        if let Some(gap) = gaps.get_mut(&key).and_then(|listed| listed.iter_mut().find(|gap| gap.reply == got)) {
            gap.seen = true;
            continue;
        }
        let mut message = format!("{location}: {}\n  expected: {expected}\n  got:      {got}", entry.text);
        let _ = write!(message, "\n  gaps.txt: {name}:{}\t{got}\tFIXME(compat): <why>", entry.text);
        failures.push(message);
    }
    true
}

/// Whether the server still answers a PING on a new connection.
fn server_answers(server: &TestServer) -> bool {
    RawConnection::connect(server.addr())
        .and_then(|mut conn| conn.call(&["PING"]))
        .is_ok_and(|reply| reply == b"+PONG\r\n")
}

/// A fresh connection in `protocol`, after FLUSHALL, as record.py opens one.
fn open_session(server: &TestServer, protocol: &str) -> std::io::Result<RawConnection> {
    let mut conn = RawConnection::connect(server.addr())?;
    if protocol == "resp3" {
        let reply = conn.call(&["HELLO", "3"])?;
        if !reply.starts_with(b"%") {
            return Err(std::io::Error::other(format!("HELLO 3 replied {}", escape(&reply))));
        }
    }
    let reply = conn.call(&["FLUSHALL"])?;
    if reply != b"+OK\r\n" {
        return Err(std::io::Error::other(format!("FLUSHALL replied {}", escape(&reply))));
    }
    Ok(conn)
}

/// Runs one script line; returns the normalized reply, or None for lines
/// that have none (`@sleep`, `@noreply`).
fn run_step(conn: &mut RawConnection, text: &str) -> std::io::Result<Option<Vec<u8>>> {
    let (directive, command) = match text.strip_prefix('@') {
        Some(_) => text.split_once(' ').unwrap_or((text, "")),
        None => ("", text),
    };
    if directive == "@sleep" {
        let ms: u64 = command.parse().map_err(|_| std::io::Error::other("@sleep takes milliseconds"))?;
        thread::sleep(Duration::from_millis(ms));
        return Ok(None);
    }
    let args = split_args(command.as_bytes()).map_err(std::io::Error::other)?;
    match directive {
        "@noreply" => {
            conn.send(&args)?;
            conn.expect_silence(NO_REPLY_WAIT)?;
            Ok(None)
        }
        "" => Ok(Some(conn.call(&args)?)),
        "@sort" => Ok(Some(sort_scalar_arrays(&conn.call(&args)?))),
        "@mask-id" => Ok(Some(mask_id(&conn.call(&args)?))),
        other => Err(std::io::Error::other(format!("unknown directive {other}"))),
    }
}

/// Splits an inline command the way Redis does (sds.c `sdssplitargs`):
/// whitespace separates arguments; "double quotes" understand \n \r \t \b \a
/// \xHH and backslash before any other byte; 'single quotes' understand \'.
/// A closing quote must be followed by whitespace or the end of the line.
fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    // C strings end in NUL: reading past the end yields 0.
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let hex = |c: u8| (c as char).to_digit(16);
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(args);
        }
        let (mut in_dq, mut in_sq, mut done) = (false, false, false);
        let mut current = Vec::new();
        while !done {
            let c = at(p);
            let end = p >= line.len();
            if in_dq {
                if c == b'\\' && at(p + 1) == b'x' && hex(at(p + 2)).is_some() && hex(at(p + 3)).is_some() {
                    let value = hex(at(p + 2)).unwrap_or(0) * 16 + hex(at(p + 3)).unwrap_or(0);
                    current.push(value as u8);
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match line[p] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err("closing quote must be followed by a space".to_string());
                    }
                    done = true;
                } else if end {
                    return Err("unbalanced double quotes".to_string());
                } else {
                    current.push(c);
                }
            } else if in_sq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err("closing quote must be followed by a space".to_string());
                    }
                    done = true;
                } else if end {
                    return Err("unbalanced single quotes".to_string());
                } else {
                    current.push(c);
                }
            } else if end || matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                done = true;
            } else if c == b'"' {
                in_dq = true;
            } else if c == b'\'' {
                in_sq = true;
            } else {
                current.push(c);
            }
            if p < line.len() {
                p += 1;
            }
        }
        args.push(current);
    }
}

/// A parsed reply: its header line, the payload of a bulk, or the children
/// of an aggregate.
struct Node<'a> {
    head: &'a [u8],
    body: &'a [u8],
    children: Option<Vec<Node<'a>>>,
}

impl<'a> Node<'a> {
    /// Parses one reply that `RawConnection::read_reply` already validated.
    fn parse(data: &'a [u8], pos: &mut usize) -> Node<'a> {
        let line_end = data[*pos..].windows(2).position(|w| w == b"\r\n").map_or(data.len(), |i| *pos + i + 2);
        let head = &data[*pos..line_end];
        *pos = line_end;
        let len = || -> i64 {
            std::str::from_utf8(&head[1..head.len().saturating_sub(2)]).ok().and_then(|s| s.parse().ok()).unwrap_or(-1)
        };
        let mut node = Node { head, body: &[], children: None };
        match head.first() {
            Some(b'$' | b'!' | b'=') if len() >= 0 => {
                let end = (*pos + len() as usize + 2).min(data.len());
                node.body = &data[*pos..end];
                *pos = end;
            }
            Some(&kind @ (b'*' | b'~' | b'>' | b'%' | b'|')) if len() >= 0 => {
                let mut count = len() as usize;
                if matches!(kind, b'%' | b'|') {
                    count *= 2;
                }
                if kind == b'|' {
                    count += 1;
                }
                node.children = Some((0..count).map(|_| Node::parse(data, pos)).collect());
            }
            _ => {}
        }
        node
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.head);
        out.extend_from_slice(self.body);
        for child in self.children.iter().flatten() {
            child.write(out);
        }
    }

    fn raw(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn sort_scalar_arrays(&mut self) {
        let Some(children) = self.children.as_mut() else {
            return;
        };
        for child in children.iter_mut() {
            child.sort_scalar_arrays();
        }
        let is_list = matches!(self.head.first(), Some(b'*' | b'~'));
        if is_list && children.iter().all(|c| c.children.is_none()) {
            children.sort_by_cached_key(Node::raw);
        }
    }
}

/// `@sort`: every array or set whose elements are all scalars gets its
/// elements sorted by their raw bytes (KEYS and SCAN order follows a hash).
fn sort_scalar_arrays(reply: &[u8]) -> Vec<u8> {
    let mut node = Node::parse(reply, &mut 0);
    node.sort_scalar_arrays();
    node.raw()
}

/// `@mask-id`: the integer after the bulk string "id" becomes `<ID>`
/// (HELLO reports the connection's client id).
fn mask_id(reply: &[u8]) -> Vec<u8> {
    const KEY: &[u8] = b"$2\r\nid\r\n:";
    let mut out = Vec::with_capacity(reply.len());
    let mut rest = reply;
    while let Some(i) = rest.windows(KEY.len()).position(|w| w == KEY) {
        out.extend_from_slice(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        let sign = usize::from(rest.first() == Some(&b'-'));
        let digits = rest[sign..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && rest[sign + digits..].starts_with(b"\r\n") {
            out.extend_from_slice(b"<ID>");
            rest = &rest[sign + digits..];
        }
    }
    out.extend_from_slice(rest);
    out
}

#[test]
fn split_args_follows_sdssplitargs() {
    let split = |s: &str| split_args(s.as_bytes());
    let owned = |v: &[&[u8]]| v.iter().map(|a| a.to_vec()).collect::<Vec<_>>();
    assert_eq!(split("  SET  k v "), Ok(owned(&[b"SET", b"k", b"v"])));
    assert_eq!(split(r#"SET "a b" ''"#), Ok(owned(&[b"SET", b"a b", b""])));
    assert_eq!(
        split(r#"X "\x00\xff\r\n\t\b\a\\\"\q" 'it\'s'"#),
        Ok(owned(&[b"X", b"\x00\xff\r\n\t\x08\x07\\\"q", b"it's"]))
    );
    assert_eq!(split(r#"X a"b c"d"#), Err("closing quote must be followed by a space".into()));
    assert_eq!(split(r#"X ab"c d" e"#), Ok(owned(&[b"X", b"abc d", b"e"])));
    assert_eq!(split(r#"X "abc"#), Err("unbalanced double quotes".into()));
    assert_eq!(split("X 'abc"), Err("unbalanced single quotes".into()));
    assert_eq!(split(r#"X "\x4""#), Ok(owned(&[b"X", b"x4"])));
    assert_eq!(split(""), Ok(vec![]));
}

#[test]
fn sort_and_mask_normalize_like_record_py() {
    let scan = b"*2\r\n$1\r\n0\r\n*3\r\n$1\r\nb\r\n$2\r\naa\r\n$1\r\na\r\n";
    assert_eq!(sort_scalar_arrays(scan), b"*2\r\n$1\r\n0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$2\r\naa\r\n".to_vec());
    let map = b"%2\r\n$1\r\nz\r\n:1\r\n$1\r\na\r\n:2\r\n";
    assert_eq!(sort_scalar_arrays(map), map.to_vec());
    let hello = b"%2\r\n$2\r\nid\r\n:42\r\n$4\r\nmode\r\n$2\r\nid\r\n";
    assert_eq!(mask_id(hello), b"%2\r\n$2\r\nid\r\n:<ID>\r\n$4\r\nmode\r\n$2\r\nid\r\n".to_vec());
    assert_eq!(escape(b"a\\\r\n\x00\x7f~"), "a\\\\\\r\\n\\x00\\x7f~");
}

//! The AOF codec against files written by real Redis 7.0 … 7.4 and Valkey 8, and our
//! `redis-check-aof` against the real Redis 7.0.15 one (`/usr/bin/redis-check-aof`).
//!
//! Must not: skip. A missing fixture or a missing real tool fails the test.

mod rdb_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command as Process, Stdio};

use ferrokv::persist::aof::manifest::Manifest;
use ferrokv::persist::aof::reader::{CommandReader, ReadError};
use ferrokv::persist::rdb::Reader;
use rdb_support::{expected_json, fixtures_dir, read_fixture, VERSIONS};

/// Reads every command from `start`; panics on any error.
fn command_counts(data: &[u8], start: usize) -> BTreeMap<String, u64> {
    let mut r = CommandReader::new(data, start);
    let mut counts = BTreeMap::new();
    while let Some(c) = r.next_command().unwrap_or_else(|e| panic!("read error: {e}")) {
        *counts.entry(String::from_utf8_lossy(c.args[0]).to_uppercase()).or_insert(0) += 1;
    }
    assert!(!r.in_multi(), "file ends inside MULTI");
    counts
}

fn rdb_end(data: &[u8]) -> usize {
    let mut r = Reader::new(data).unwrap();
    while r.next_item().unwrap().is_some() {}
    r.position()
}

fn want_counts(v: &serde_json::Value) -> BTreeMap<String, u64> {
    v["command_counts"].as_object().unwrap().iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap())).collect()
}

#[test]
fn every_fixture_reads_completely_with_the_expected_commands() {
    let mut files_read = 0;
    for version in VERSIONS {
        let expected = expected_json(version);
        for fixture in ["aof-preamble", "aof-plain", "aof-fromempty"] {
            let dir = format!("{version}/{fixture}/appendonlydir");
            let manifest = Manifest::parse(&read_fixture(&format!("{dir}/redis.aof.manifest"))).unwrap();
            let base = manifest.base.as_ref().expect("a base");
            assert_eq!((base.seq, manifest.incrs.len()), (1, 1), "{dir}");
            assert_eq!(manifest.to_bytes(), read_fixture(&format!("{dir}/redis.aof.manifest")), "{dir}: round trip");
            let files = expected["fixtures"][fixture]["files"].as_array().unwrap();
            for f in manifest.load_order() {
                let data = read_fixture(&format!("{dir}/{}", f.name));
                let meta = files.iter().find(|m| m["name"] == f.name.as_str()).expect("file in expected.json");
                let start = if data.starts_with(b"REDIS") { rdb_end(&data) } else { 0 };
                let counts = command_counts(&data, start);
                if meta["format"] == "commands" {
                    assert_eq!(counts, want_counts(meta), "{dir}/{}", f.name);
                } else {
                    assert!(counts.is_empty(), "{dir}/{}: an RDB base has no tail", f.name);
                }
                files_read += 1;
            }
        }
        let legacy = read_fixture(&format!("{version}/aof-legacy/redis.aof"));
        assert_eq!(command_counts(&legacy, 0), want_counts(&expected["fixtures"]["aof-legacy"]), "{version} legacy");
        let pre = read_fixture(&format!("{version}/aof-legacy-preamble/redis.aof"));
        let counts = command_counts(&pre, rdb_end(&pre));
        assert_eq!(counts, want_counts(&expected["fixtures"]["aof-legacy-preamble"]), "{version} legacy-preamble");
        files_read += 2;
    }
    assert_eq!(files_read, 40);
}

/// Reads to the end or the first error, checking the error's offsets are sane.
fn read_to_error(data: &[u8]) -> Result<usize, ReadError> {
    let mut r = CommandReader::new(data, 0);
    let mut n = 0;
    loop {
        match r.next_command() {
            Ok(Some(c)) => {
                assert!(c.start < c.end && c.end <= data.len());
                n += 1;
            }
            Ok(None) => return Ok(n),
            Err(e) => {
                match &e {
                    ReadError::Truncated { valid_up_to } => assert!(*valid_up_to <= data.len()),
                    ReadError::Format { offset, .. } => assert!(*offset <= data.len()),
                }
                assert!(r.last_safe_end() <= data.len());
                return Err(e);
            }
        }
    }
}

#[test]
fn every_truncation_of_an_incr_file() {
    let data = read_fixture("7.0.15/aof-preamble/appendonlydir/redis.aof.1.incr.aof");
    let mut ends = vec![0];
    let mut r = CommandReader::new(&data, 0);
    while let Some(c) = r.next_command().unwrap() {
        ends.push(c.end);
    }
    for cut in 0..=data.len() {
        let last = ends.iter().copied().filter(|&e| e <= cut).max().unwrap();
        match read_to_error(&data[..cut]) {
            Ok(_) => assert_eq!(last, cut, "cut {cut} read cleanly"),
            Err(ReadError::Truncated { valid_up_to }) => assert_eq!(valid_up_to, last, "cut {cut}"),
            Err(e) => panic!("cut {cut}: {e}"),
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let data = read_fixture("7.0.15/aof-legacy/redis.aof");
    let data = &data[..6000];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut truncated, mut format) = (0, 0, 0);
    for _ in 0..10_000 {
        let mut m = data.to_vec();
        for _ in 0..1 + next() % 4 {
            if m.is_empty() {
                break;
            }
            let i = (next() as usize) % m.len();
            match next() % 4 {
                0 => m[i] = next() as u8,
                1 => m[i] = b"*$\r\n-0123456789#"[(next() % 16) as usize],
                2 => {
                    m.remove(i);
                }
                _ => m.truncate(i),
            }
        }
        match read_to_error(&m) {
            Ok(_) => ok += 1,
            Err(ReadError::Truncated { .. }) => truncated += 1,
            Err(ReadError::Format { .. }) => format += 1,
        }
        let _ = Manifest::parse(&m);
    }
    assert!(ok > 0 && truncated > 0 && format > 0, "{ok} {truncated} {format}");
}

/// Runs `tool` in `dir`; returns (exit code, output with pids and timestamps blanked).
fn run_tool(tool: &Path, dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, String) {
    use std::io::Write;
    let mut child = Process::new(tool)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    // The tool may exit before reading its input (usage errors): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    let blank = |line: &str| match line.split_once(" # ") {
        Some((head, rest)) if head.contains(":C ") => format!("PID:C TS # {rest}"),
        _ => line.to_string(),
    };
    (out.status.code().unwrap_or(-1), text.split('\n').map(blank).collect::<Vec<_>>().join("\n"))
}

/// Runs the real and our checker on copies of `files`; outputs, codes and files must agree.
fn compare(what: &str, files: &[(&str, &[u8])], args: &[&str], stdin: &[u8]) {
    let real = Path::new("/usr/bin/redis-check-aof");
    assert!(real.exists(), "the real redis-check-aof 7.0.15 is needed at {}", real.display());
    let bin_dir = tempfile::tempdir().unwrap();
    let ours = bin_dir.path().join("redis-check-aof");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), &ours).unwrap();
    let mut results = Vec::new();
    for tool in [real, ours.as_path()] {
        let dir = tempfile::tempdir().unwrap();
        for (name, data) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, data).unwrap();
        }
        let (code, out) = run_tool(tool, dir.path(), args, stdin);
        let after: Vec<Vec<u8>> = files.iter().map(|(n, _)| std::fs::read(dir.path().join(n)).unwrap()).collect();
        // The usage line names the program as invoked: compare without the directories.
        let out = out
            .replace(&ours.display().to_string(), "redis-check-aof")
            .replace(&real.display().to_string(), "redis-check-aof");
        results.push((code, out, after));
    }
    assert_eq!(results[0].1, results[1].1, "{what}: output");
    assert_eq!(results[0].0, results[1].0, "{what}: exit code");
    assert!(results[0].2 == results[1].2, "{what}: files after the run differ");
}

fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

#[test]
fn check_tool_matches_redis_on_fixtures() {
    let dir = fixtures_dir().join("7.0.15");
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let legacy = read("aof-legacy/redis.aof");
    compare("legacy", &[("a.aof", &legacy)], &["a.aof"], b"");
    let pre = read("aof-legacy-preamble/redis.aof");
    compare("legacy preamble", &[("a.aof", &pre)], &["a.aof"], b"");
    for fixture in ["aof-preamble", "aof-plain", "aof-fromempty"] {
        let d = format!("{fixture}/appendonlydir");
        let manifest = read(&format!("{d}/redis.aof.manifest"));
        let m = Manifest::parse(&manifest).unwrap();
        let names: Vec<String> = m.load_order().map(|f| f.name.clone()).collect();
        let datas: Vec<Vec<u8>> = names.iter().map(|n| read(&format!("{d}/{n}"))).collect();
        let mut files: Vec<(String, &[u8])> = vec![("d/redis.aof.manifest".into(), &manifest)];
        files.extend(names.iter().zip(&datas).map(|(n, data)| (format!("d/{n}"), data.as_slice())));
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        compare(fixture, &files, &["d/redis.aof.manifest"], b"");
    }
}

#[test]
fn check_tool_matches_redis_on_damaged_files() {
    let incr = read_fixture("7.0.15/aof-preamble/appendonlydir/redis.aof.1.incr.aof");
    let multi = incr.windows(5).position(|w| w == b"MULTI").unwrap();
    let cuts = [1, 3, 5, 14, 20, 23, 24, 30, 333, 700, multi + 8, multi + 40, multi + 100];
    for cut in cuts {
        let data = &incr[..cut];
        compare(&format!("cut {cut}"), &[("a.aof", data)], &["a.aof"], b"");
        compare(&format!("fix cut {cut}"), &[("a.aof", data)], &["--fix", "a.aof"], b"y\n");
    }
    compare("fix declined", &[("a.aof", &incr[..333])], &["--fix", "a.aof"], b"n\n");
    compare("fix without answer", &[("a.aof", &incr[..333])], &["--fix", "a.aof"], b"");
    let mut state = 7u64;
    for _ in 0..20 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut flipped = incr[..700].to_vec();
        let at = (state >> 33) as usize % flipped.len();
        flipped[at] = (state >> 17) as u8;
        compare(&format!("flip at {at}"), &[("a.aof", &flipped)], &["a.aof"], b"");
    }
    let pre = read_fixture("7.0.15/aof-legacy-preamble/redis.aof");
    compare("preamble tail cut", &[("a.aof", &pre[..53000])], &["--fix", "a.aof"], b"y\n");
    let base = read_fixture("7.0.15/aof-preamble/appendonlydir/redis.aof.1.base.rdb");
    let two = b"file b.rdb seq 1 type b\nfile i1.aof seq 1 type i\nfile i2.aof seq 2 type i\n";
    let cut = &incr[..1000];
    let files: [(&str, &[u8]); 4] = [("d/m.manifest", two), ("d/b.rdb", &base), ("d/i1.aof", cut), ("d/i2.aof", &incr)];
    compare("manifest, cut file not last", &files, &["--fix", "d/m.manifest"], b"y\n");
    let files: [(&str, &[u8]); 4] = [("d/m.manifest", two), ("d/b.rdb", &base), ("d/i1.aof", &incr), ("d/i2.aof", cut)];
    compare("manifest, cut last file", &files, &["--fix", "d/m.manifest"], b"y\n");
    let files: [(&str, &[u8]); 3] = [("d/m.manifest", two), ("d/b.rdb", &base), ("d/i1.aof", &incr)];
    compare("manifest, missing file", &files, &["d/m.manifest"], b"");
    let files: [(&str, &[u8]); 4] = [("d/m.manifest", two), ("d/b.rdb", &base), ("d/i1.aof", b""), ("d/i2.aof", &incr)];
    compare("manifest, empty incr", &files, &["d/m.manifest"], b"");
}

#[test]
fn check_tool_matches_redis_on_forms_timestamps_manifests_and_usage() {
    let forms: &[&[u8]] = &[
        b"*1\r\n$-1\r\n",
        b"*\r\n",
        b"*-3\r\n",
        b"*1\r\n$4\r\nEXEC\r\n",
        b"*1\r\n$5\r\nmulti\r\n*1\r\n$5\r\nMULTI\r\n",
        b"#TS:1\r\n*1\r\n$4\r\nPING\r\n#x\n",
        b"\xff\xfe",
        b"*1\r\n$1\r\n\x80\x81\x82\r\n",
        b"",
        b"REDIS0010\xfe\x00\xff",
    ];
    for (i, form) in forms.iter().enumerate() {
        compare(&format!("form {i}"), &[("a.aof", form)], &["a.aof"], b"");
        compare(&format!("fix form {i}"), &[("a.aof", form)], &["--fix", "a.aof"], b"y\n");
    }
    let mut ts = Vec::new();
    for t in [100, 200, 300] {
        ts.extend_from_slice(format!("#TS:{t}\r\n").as_bytes());
        ts.extend(resp(&["PING"]));
    }
    for t in ["50", "100", "150", "300", "0", "1x"] {
        compare(&format!("timestamp {t}"), &[("a.aof", &ts)], &["--truncate-to-timestamp", t, "a.aof"], b"");
    }
    let m = b"file b.aof seq 1 type b\nfile i1.aof seq 1 type i\nfile i2.aof seq 2 type i\n";
    let ping = resp(&["PING"]);
    let files: [(&str, &[u8]); 4] = [("d/m.manifest", m), ("d/b.aof", &ts), ("d/i1.aof", &ts), ("d/i2.aof", &ts)];
    compare("timestamp, not last", &files, &["--truncate-to-timestamp", "150", "d/m.manifest"], b"");
    let files: [(&str, &[u8]); 4] = [("d/m.manifest", m), ("d/b.aof", &ts), ("d/i1.aof", &ping), ("d/i2.aof", &ts)];
    compare("timestamp, last", &files, &["--truncate-to-timestamp", "150", "d/m.manifest"], b"");
    let bad_manifests: &[&[u8]] = &[
        b"file a seq 1 type b",
        b"file a/b seq 1 type b\n",
        b"file a seq 0 type b\n",
        b"file a seq 1 type x\n",
        b"file a seq 1 type b\nfile c seq 2 type b\n",
        b"file a seq 2 type i\nfile c seq 1 type i\n",
        b"file \"a b seq 1 type b\n",
        b"# c\nfile a seq 1 type b\n\n",
    ];
    for (i, m) in bad_manifests.iter().enumerate() {
        compare(&format!("manifest {i}"), &[("d/m.manifest", m), ("d/a", &ping)], &["d/m.manifest"], b"");
    }
    compare("usage", &[], &[], b"");
    compare("usage 4", &[], &["a", "b", "c", "d"], b"");
    compare("missing", &[], &["nope.aof"], b"");
}

#[test]
fn multi_call_names_run_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let data = resp(&["PING"]);
    std::fs::write(dir.path().join("a.aof"), &data).unwrap();
    let want = "Start checking Old-Style AOF\nAOF analyzed: filename=a.aof, size=14, ok_up_to=14, ok_up_to_line=4, diff=0\nAOF a.aof is valid\n";
    for name in ["redis-check-aof", "ferrokv-check-aof"] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), &link).unwrap();
        assert_eq!(run_tool(&link, dir.path(), &["a.aof"], b""), (0, want.to_string()), "{name}");
    }
    let server = Path::new(env!("CARGO_BIN_EXE_ferrokv-server"));
    assert_eq!(run_tool(server, dir.path(), &["--check-aof", "a.aof"], b""), (0, want.to_string()));
}

#[test]
fn rdb_preamble_errors_lack_redis_additional_info() {
    // FIXME(compat): redis-check-aof 7.0.15 also prints "[additional info] While doing:
    // read-key" and "[additional info] Reading type 11 (set-intset)" after the offset line;
    // our RDB reader does not report what it was doing. This asserts today's output.
    let dir = tempfile::tempdir().unwrap();
    let pre = read_fixture("7.0.15/aof-legacy-preamble/redis.aof");
    let path = dir.path().join("a.aof");
    std::fs::write(&path, &pre[..100]).unwrap();
    let mut out = Vec::new();
    let args = ["redis-check-aof".to_string(), path.display().to_string()];
    let code = ferrokv::persist::aof::check::run(&args, &mut out, &mut &b""[..]);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(code, 1);
    assert!(
        text.ends_with(
            "[offset 82] Selecting DB ID 0\n--- RDB ERROR DETECTED ---\n[offset 88] Unexpected EOF reading RDB file\n\
[info] 0 keys read\n[info] 0 expires\n[info] 0 already expired\nRDB preamble of AOF file is not sane, aborting.\n"
        ),
        "{text}"
    );
}

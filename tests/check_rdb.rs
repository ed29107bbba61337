//! `redis-check-rdb` (src/persist/check_rdb.rs), run by its multi-call names, against
//! the real Redis 7.0.15 one (`/usr/bin/redis-check-rdb`) on the same files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/redis-files").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (exit code, stdout, stderr) of `tool args` run in `dir`, with the tool's own path
/// replaced by `redis-check-rdb` (the usage line names the program as invoked).
fn run(tool: &Path, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(tool).args(args).current_dir(dir).output().expect("run the checker");
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&tool.display().to_string(), "redis-check-rdb");
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// Our checker as `redis-check-rdb` (a link to the server binary) and the real one.
fn tools(bin_dir: &Path) -> [PathBuf; 2] {
    let real = PathBuf::from("/usr/bin/redis-check-rdb");
    assert!(real.exists(), "the real redis-check-rdb 7.0.15 is needed at {}", real.display());
    let ours = bin_dir.join("redis-check-rdb");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), &ours).unwrap();
    [real, ours]
}

#[test]
fn reports_match_redis() {
    let good = fixture("7.0.15/rdb/dump.rdb");
    let mut bad_crc = good.clone();
    *bad_crc.last_mut().unwrap() ^= 0xff;
    // (what, the file's bytes or none, the arguments)
    type Case<'a> = (&'a str, Option<Vec<u8>>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        ("a dump written by Redis 7.0.15", Some(good.clone()), vec!["dump.rdb"]),
        ("a wrong checksum", Some(bad_crc), vec!["dump.rdb"]),
        ("a bad magic", Some(b"REDIX0010\xff".to_vec()), vec!["dump.rdb"]),
        ("an empty file", Some(Vec::new()), vec!["dump.rdb"]),
        ("a missing file", None, vec!["dump.rdb"]),
        ("no argument", None, vec![]),
        ("two arguments", None, vec!["a", "b"]),
    ];
    let bin_dir = tempfile::tempdir().unwrap();
    let [real, ours] = tools(bin_dir.path());
    for (what, data, args) in cases {
        let dir = tempfile::tempdir().unwrap();
        if let Some(data) = data {
            std::fs::write(dir.path().join("dump.rdb"), data).unwrap();
        }
        assert_eq!(run(&ours, dir.path(), &args), run(&real, dir.path(), &args), "{what}");
    }
}

#[test]
fn every_name_runs_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dump.rdb"), fixture("7.0.15/rdb/dump.rdb")).unwrap();
    let [real, _] = tools(dir.path());
    let (code, want, _) = run(&real, dir.path(), &["dump.rdb"]);
    assert_eq!(code, 0);
    let link = dir.path().join("ferrokv-check-rdb");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferrokv-server"), &link).unwrap();
    assert_eq!(run(&link, dir.path(), &["dump.rdb"]), (0, want.clone(), String::new()));
    let server = Path::new(env!("CARGO_BIN_EXE_ferrokv-server"));
    assert_eq!(run(server, dir.path(), &["--check-rdb", "dump.rdb"]), (0, want, String::new()));
}

#[test]
fn a_truncated_file_lacks_redis_additional_info() {
    // FIXME(compat): redis-check-rdb 7.0.15 also prints "[additional info] While doing:
    // read-object-value", the key and its type after the offset line, and counts the key
    // it failed in ("6 keys read"); our RDB reader reports neither. This asserts today's
    // output.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dump.rdb"), &fixture("7.0.15/rdb/dump.rdb")[..300]).unwrap();
    let [_, ours] = tools(dir.path());
    let (code, out, _) = run(&ours, dir.path(), &["dump.rdb"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "[offset 0] Checking RDB file dump.rdb\n\
         [offset 27] AUX FIELD redis-ver = '7.0.15'\n\
         [offset 41] AUX FIELD redis-bits = '64'\n\
         [offset 53] AUX FIELD ctime = '1796039168'\n\
         [offset 68] AUX FIELD used-mem = '2470792'\n\
         [offset 80] AUX FIELD aof-base = '0'\n\
         [offset 82] Selecting DB ID 0\n\
         --- RDB ERROR DETECTED ---\n\
         [offset 299] Unexpected EOF reading RDB file\n\
         [info] 5 keys read\n\
         [info] 2 expires\n\
         [info] 0 already expired\n"
    );
}

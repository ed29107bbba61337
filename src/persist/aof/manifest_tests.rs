//! Manifest parsing and formatting. Every error text here was checked against what
//! Redis 7.0.15 logs for the same manifest (redis-server and redis-check-aof share it).

use super::*;

fn file(name: &str, seq: u64, kind: FileKind) -> AofFile {
    AofFile { name: name.to_string(), seq, kind }
}

fn err(text: &[u8]) -> ManifestError {
    Manifest::parse_detailed(text).expect_err("manifest should be refused")
}

#[test]
fn parses_what_redis_writes_and_formats_it_back() {
    let text = b"file redis.aof.3.base.aof seq 3 type b\nfile redis.aof.2.incr.aof seq 2 type h\n\
file redis.aof.2.base.rdb seq 2 type h\nfile redis.aof.3.incr.aof seq 3 type i\n";
    let m = Manifest::parse(text).unwrap();
    assert_eq!(m.base, Some(file("redis.aof.3.base.aof", 3, FileKind::Base)));
    assert_eq!(
        m.history,
        vec![file("redis.aof.2.incr.aof", 2, FileKind::History), file("redis.aof.2.base.rdb", 2, FileKind::History)]
    );
    assert_eq!(m.incrs, vec![file("redis.aof.3.incr.aof", 3, FileKind::Incr)]);
    assert_eq!(m.to_bytes(), text.to_vec());
    assert_eq!(m.last_incr().map(|f| f.seq), Some(3));
    assert_eq!((m.next_base_seq(), m.next_incr_seq()), (4, 4));
    assert_eq!(
        m.load_order().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["redis.aof.3.base.aof", "redis.aof.3.incr.aof"]
    );
}

#[test]
fn format_orders_base_history_incr_and_quotes_names() {
    let m = Manifest {
        incrs: vec![file("a b.1.incr.aof", 1, FileKind::Incr), file("x\"\n\t\u{7f}", 2, FileKind::Incr)],
        history: vec![file("h", 9, FileKind::History)],
        base: Some(file("b\"q", 1, FileKind::Base)),
    };
    let text = m.to_bytes();
    assert_eq!(
        String::from_utf8(text.clone()).unwrap(),
        "file \"b\\\"q\" seq 1 type b\nfile h seq 9 type h\nfile \"a b.1.incr.aof\" seq 1 type i\n\
file \"x\\\"\\n\\t\\x7f\" seq 2 type i\n"
    );
    assert_eq!(Manifest::parse(&text).unwrap(), m, "quoted names round-trip");
}

#[test]
fn tolerated_forms() {
    // Comments, CRLF, case-insensitive keys, unknown keys, a type word, quoted tokens.
    let m = Manifest::parse(b"# hi\nFILE 'a' SEQ 01 TYPE base extra 1\r\nfile \"i\\x41\" seq 5x type i\n").unwrap();
    assert_eq!(m.base, Some(file("a", 1, FileKind::Base)));
    assert_eq!(m.incrs, vec![file("iA", 5, FileKind::Incr)]);
    // Only comments: nothing to load, but not an error.
    assert!(Manifest::parse(b"# only\n").unwrap().is_empty());
}

#[test]
fn errors_as_redis_logs_them() {
    /// (manifest, the line Redis names, the reason Redis logs)
    type Case<'c> = (&'c [u8], Option<(usize, &'c str)>, &'c str);
    let cases: &[Case] = &[
        (b"", None, "Found an empty AOF manifest"),
        (b"file a seq 1 type b", None, "The AOF manifest file contains too long line"),
        (b"file a/b seq 1 type b\n", Some((1, "file a/b seq 1 type b")), "File can't be a path, just a filename"),
        (b"file a\\b seq 1 type b\n", Some((1, "file a\\b seq 1 type b")), "File can't be a path, just a filename"),
        (b"file a seq 0 type b\n", Some((1, "file a seq 0 type b")), "Invalid AOF manifest file format"),
        (b"file a seq 1 type x\n", Some((1, "file a seq 1 type x")), "Unknown AOF file type"),
        (b"file a seq 1 type B\n", Some((1, "file a seq 1 type B")), "Unknown AOF file type"),
        (b"file a seq 1 type \"\"\n", Some((1, "file a seq 1 type \"\"")), "Invalid AOF manifest file format"),
        (
            b"file a seq 1 type b\nfile c seq 2 type b\n",
            Some((2, "file c seq 2 type b")),
            "Found duplicate base file information",
        ),
        (
            b"file a seq 2 type i\nfile c seq 2 type i\n",
            Some((2, "file c seq 2 type i")),
            "Found a non-monotonic sequence number",
        ),
        (b"file a seq -1 type i\n", Some((1, "file a seq -1 type i")), "Found a non-monotonic sequence number"),
        (b"file a seq 1\n", Some((1, "file a seq 1")), "Invalid AOF manifest file format"),
        (b"file a seq 1 type b x\n", Some((1, "file a seq 1 type b x")), "Invalid AOF manifest file format"),
        (b"name a seq 1 type b\n", Some((1, "name a seq 1 type b")), "Invalid AOF manifest file format"),
        (b"file \"a b seq 1 type b\n", Some((1, "file \"a b seq 1 type b")), "Invalid AOF manifest file format"),
        (b"file \"a\"b seq 1 type b\n", Some((1, "file \"a\"b seq 1 type b")), "Invalid AOF manifest file format"),
        (b"# c\nfile a seq 1 type b\n \n", Some((3, "")), "Invalid AOF manifest file format"),
    ];
    for (text, line, reason) in cases {
        let e = err(text);
        let want_line = line.map(|(n, l)| (n, l.to_string()));
        assert_eq!((e.line.clone(), e.reason), (want_line, *reason), "{}", String::from_utf8_lossy(text));
        assert_eq!(Manifest::parse(text).unwrap_err(), *reason);
    }
    let mut long = b"file ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 1100));
    long.extend_from_slice(b" seq 1 type b\n");
    assert_eq!(err(&long).reason, "The AOF manifest file contains too long line");
}

#[test]
fn log_messages_are_redis_lines() {
    let e = err(b"file a/b seq 1 type b\n");
    assert_eq!(
        e.log_messages(),
        [
            "\n*** FATAL AOF MANIFEST FILE ERROR ***\n",
            "Reading the manifest file, at line 1\n",
            ">>> 'file a/b seq 1 type b'\n",
            "File can't be a path, just a filename\n"
        ]
    );
    assert_eq!(err(b"").log_messages(), ["\n*** FATAL AOF MANIFEST FILE ERROR ***\n", "Found an empty AOF manifest\n"]);
}

#[test]
fn split_args_like_sdssplitargs() {
    let s = |t: &str| {
        split_args(t.as_bytes()).map(|v| v.into_iter().map(|a| String::from_utf8(a).unwrap()).collect::<Vec<_>>())
    };
    assert_eq!(s("  a  b\tc "), Some(vec!["a".into(), "b".into(), "c".into()]));
    assert_eq!(s("\"a\\nb\" 'c\\'d'"), Some(vec!["a\nb".into(), "c'd".into()]));
    assert_eq!(s("a\"b c\""), Some(vec!["ab c".into()]));
    assert_eq!(s("\"x\\x4a\\q\""), Some(vec!["xJq".into()]));
    assert_eq!(s("\"unterminated"), None);
    assert_eq!(s("'a'b"), None);
    assert_eq!(s(""), Some(vec![]));
}

#[test]
fn file_names() {
    assert_eq!(base_file_name("appendonly.aof", 1, true), "appendonly.aof.1.base.rdb");
    assert_eq!(base_file_name("appendonly.aof", 7, false), "appendonly.aof.7.base.aof");
    assert_eq!(incr_file_name("redis.aof", 12), "redis.aof.12.incr.aof");
    assert_eq!(manifest_file_name("redis.aof"), "redis.aof.manifest");
    assert_eq!(temp_manifest_name("redis.aof"), "temp-redis.aof.manifest");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..5000 {
        let mut text = b"file \"a\\x4\" seq 1 type b\nfile x seq 2 type i\n".to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % text.len();
            text[i] = (state >> 32) as u8;
        }
        let _ = Manifest::parse(&text);
    }
}

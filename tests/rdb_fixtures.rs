//! The RDB reader against files written by real Redis 7.0.15, 7.2.6, 7.4.1 (core and hash
//! field expiry datasets) and Valkey 8.0.1: every key, type code, value and TTL must equal
//! expected.json, and the files' metadata (aux fields, RESIZEDB, type counts) must match.
//!
//! AOF base files were written before the AOF tail, so their keys are compared with
//! expected.json only where the tail (the INCR file) never names them.

mod rdb_support;

use std::collections::{BTreeMap, BTreeSet};

use rdb_support::{decode_all, expected_json, expected_keys, read_fixture, Decoded, VERSIONS};

/// Compares what the file says about itself in expected.json (`fixtures.*.rdb`).
fn check_metadata(version: &str, what: &str, d: &Decoded, meta: &serde_json::Value) {
    assert_eq!(u64::from(d.version), meta["version"].as_u64().unwrap(), "{version} {what}: version");
    let aux: BTreeMap<String, String> = d
        .aux
        .iter()
        .map(|(k, v)| (String::from_utf8(k.clone()).unwrap(), String::from_utf8(v.clone()).unwrap()))
        .collect();
    let want_aux: BTreeMap<String, String> =
        meta["aux"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
    assert_eq!(aux, want_aux, "{version} {what}: aux fields");
    let codes: BTreeMap<String, u64> = d.type_codes.iter().map(|(k, v)| (k.to_string(), *v as u64)).collect();
    let want_codes: BTreeMap<String, u64> =
        meta["type_codes"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect();
    assert_eq!(codes, want_codes, "{version} {what}: type codes");
    let mut per_db: BTreeMap<String, u64> = BTreeMap::new();
    for (db, _) in d.keys.keys() {
        *per_db.entry(db.to_string()).or_default() += 1;
    }
    let want_per_db: BTreeMap<String, u64> =
        meta["keys_per_db"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect();
    assert_eq!(per_db, want_per_db, "{version} {what}: keys per db");
    let resize: BTreeMap<String, (u64, u64)> = d.resizedb.iter().map(|(db, v)| (db.to_string(), *v)).collect();
    let want_resize: BTreeMap<String, (u64, u64)> = meta["resizedb"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())))
        .collect();
    assert_eq!(resize, want_resize, "{version} {what}: RESIZEDB");
}

#[test]
fn dump_rdb_matches_expected_exactly() {
    let mut checked = 0;
    for version in VERSIONS {
        let json = expected_json(version);
        let data = read_fixture(&format!("{version}/rdb/dump.rdb"));
        let d = decode_all(&data);
        assert_eq!(d.end, data.len(), "{version}: the RDB ends at the end of the file");
        check_metadata(version, "dump.rdb", &d, &json["fixtures"]["rdb"]["rdb"]);
        let want = expected_keys(&json);
        let got_names: BTreeSet<_> = d.keys.keys().collect();
        let want_names: BTreeSet<_> = want.keys().collect();
        assert_eq!(got_names, want_names, "{version}: key sets differ");
        for (k, state) in &want {
            assert_eq!(&d.keys[k], state, "{version}: key {:?} in db {}", String::from_utf8_lossy(&k.1), k.0);
            checked += 1;
        }
        let counts = json["key_counts"].as_object().unwrap();
        assert_eq!(want.len() as u64, counts.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), "{version}");
    }
    // 4 core directories of 120 keys and the hfe one.
    assert!(checked > 4 * 120, "only {checked} keys compared");
}

/// Arguments of every command in a RESP command file (a superset of the keys it names).
fn resp_args(mut data: &[u8]) -> Vec<Vec<Vec<u8>>> {
    fn line<'a>(data: &mut &'a [u8]) -> &'a [u8] {
        let end = data.windows(2).position(|w| w == b"\r\n").expect("CRLF");
        let l = &data[..end];
        *data = &data[end + 2..];
        l
    }
    let mut cmds = Vec::new();
    while !data.is_empty() {
        let head = line(&mut data);
        assert_eq!(head[0], b'*', "multibulk expected");
        let n: usize = std::str::from_utf8(&head[1..]).unwrap().parse().unwrap();
        let mut args = Vec::with_capacity(n);
        for _ in 0..n {
            let h = line(&mut data);
            let len: usize = std::str::from_utf8(&h[1..]).unwrap().parse().unwrap();
            args.push(data[..len].to_vec());
            data = &data[len + 2..];
        }
        cmds.push(args);
    }
    cmds
}

/// Checks an AOF base RDB: its own metadata, and every key the tail does not name equals
/// expected.json (in both directions).
fn check_base(version: &str, what: &str, d: &Decoded, meta: &serde_json::Value, tail: &[u8]) {
    check_metadata(version, what, d, meta);
    let json = expected_json(version);
    let want = expected_keys(&json);
    let mut named: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut flushed: BTreeSet<u64> = BTreeSet::new();
    let mut db = 0u64;
    for cmd in resp_args(tail) {
        let name = cmd[0].to_ascii_uppercase();
        if name == b"SELECT" {
            db = std::str::from_utf8(&cmd[1]).unwrap().parse().unwrap();
        }
        if name == b"FLUSHDB" || name == b"FLUSHALL" {
            flushed.insert(db);
        }
        named.extend(cmd.into_iter().skip(1));
    }
    let untouched = |k: &(u64, Vec<u8>)| !named.contains(&k.1) && !flushed.contains(&k.0);
    let mut compared = 0;
    for (k, state) in want.iter().filter(|(k, _)| untouched(k)) {
        let got =
            d.keys.get(k).unwrap_or_else(|| panic!("{version} {what}: missing {:?}", String::from_utf8_lossy(&k.1)));
        assert_eq!(got, state, "{version} {what}: key {:?} in db {}", String::from_utf8_lossy(&k.1), k.0);
        compared += 1;
    }
    for k in d.keys.keys().filter(|k| untouched(k)) {
        assert!(want.contains_key(k), "{version} {what}: unexpected key {:?}", String::from_utf8_lossy(&k.1));
    }
    assert!(compared >= 8, "{version} {what}: only {compared} keys compared");
}

#[test]
fn aof_preamble_base_files() {
    for version in VERSIONS {
        let json = expected_json(version);
        let files = json["fixtures"]["aof-preamble"]["files"].as_array().unwrap();
        let base_meta = files.iter().find(|f| f["role"] == "base").expect("a base file");
        let incr_name = files.iter().find(|f| f["role"] == "incr").unwrap()["name"].as_str().unwrap();
        let dir = json["fixtures"]["aof-preamble"]["dir"].as_str().unwrap();
        let base = read_fixture(&format!("{version}/{dir}/redis.aof.1.base.rdb"));
        let tail = read_fixture(&format!("{version}/{dir}/{incr_name}"));
        let d = decode_all(&base);
        assert_eq!(d.end, base.len(), "{version}: base ends at its EOF");
        check_base(version, "aof-preamble base", &d, &base_meta["rdb"], &tail);
    }
}

#[test]
fn aof_legacy_preamble_rdb_part() {
    for version in VERSIONS {
        let json = expected_json(version);
        let file = read_fixture(&format!("{version}/aof-legacy-preamble/redis.aof"));
        let base = read_fixture(&format!("{version}/aof-preamble/appendonlydir/redis.aof.1.base.rdb"));
        let d = decode_all(&file);
        // The RDB part ends exactly where run A's base ends; commands follow.
        assert_eq!(d.end, base.len(), "{version}: preamble length");
        assert_eq!(&file[..d.end], &base[..], "{version}: preamble bytes");
        assert_eq!(file.get(d.end), Some(&b'*'), "{version}: RESP commands follow the preamble");
        check_base(version, "aof-legacy-preamble", &d, &json["fixtures"]["aof-legacy-preamble"]["rdb"], &file[d.end..]);
    }
}

#[test]
fn aof_fromempty_base_is_an_empty_rdb() {
    for version in VERSIONS {
        let base = read_fixture(&format!("{version}/aof-fromempty/appendonlydir/redis.aof.1.base.rdb"));
        let d = decode_all(&base);
        assert!(d.keys.is_empty(), "{version}");
        assert_eq!(d.end, base.len());
        assert!(d.aux.iter().any(|(k, v)| k == b"aof-base" && v == b"1"), "{version}: aof-base 1");
    }
}

//! Helpers shared by the RDB codec tests: the fixture directory, decoding a whole file,
//! a canonical comparable form of values, base64, and the fixtures' expected.json.
//!
//! Must not: skip anything when a fixture is missing. Every accessor panics with the path it
//! could not read, so a missing `shared/` fails the run instead of passing it.
#![allow(dead_code)] // each test crate uses a subset

use std::collections::BTreeMap;
use std::path::PathBuf;

use ferrokv::persist::rdb::{Item, KeyRecord, Reader, Value};

/// The fixture root: a copy of `../shared/fixtures/redis-files` committed under
/// tests/fixtures so a clean clone tests the same files (re-copy when shared/ changes).
pub fn fixtures_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/redis-files"));
    assert!(dir.is_dir(), "fixture directory {} is missing (tests/fixtures/redis-files is committed)", dir.display());
    dir
}

/// The five fixture version directories; all must exist.
pub const VERSIONS: [&str; 5] = ["7.0.15", "7.2.6", "7.4.1", "7.4.1-hfe", "valkey-8.0.1"];

/// Reads a fixture file, failing the test with its path when it cannot.
pub fn read_fixture(rel: &str) -> Vec<u8> {
    let path = fixtures_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// A value in a form two decoders can compare: collections with set semantics sorted.
#[derive(Debug, Clone, PartialEq)]
pub enum Canon {
    /// A string.
    Str(Vec<u8>),
    /// A list, head first.
    List(Vec<Vec<u8>>),
    /// Members sorted by bytes.
    Set(Vec<Vec<u8>>),
    /// (field, value, field expiry ms) sorted by field.
    Hash(Vec<(Vec<u8>, Vec<u8>, Option<u64>)>),
    /// (member, score) sorted by member.
    ZSet(Vec<(Vec<u8>, f64)>),
}

impl Canon {
    /// The canonical form of a decoded value.
    pub fn of(v: &Value) -> Canon {
        match v {
            Value::Str(s) => Canon::Str(s.clone()),
            Value::List(l) => Canon::List(l.clone()),
            Value::Set(s) => {
                let mut s = s.clone();
                s.sort();
                Canon::Set(s)
            }
            Value::Hash(h) => {
                let mut h: Vec<_> = h.iter().map(|(f, v)| (f.clone(), v.clone(), None)).collect();
                h.sort_by(|a, b| a.0.cmp(&b.0));
                Canon::Hash(h)
            }
            Value::HashWithFieldTtl(h) => {
                let mut h = h.clone();
                h.sort_by(|a, b| a.0.cmp(&b.0));
                Canon::Hash(h)
            }
            Value::ZSet(z) => {
                let mut z = z.clone();
                z.sort_by(|a, b| a.0.cmp(&b.0));
                Canon::ZSet(z)
            }
        }
    }
}

/// One key as compared: rdb type, expiry and canonical value.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyState {
    /// The RDB type code.
    pub rdb_type: u8,
    /// Absolute expiry ms.
    pub expire_ms: Option<i64>,
    /// The value.
    pub value: Canon,
}

/// Everything in one decoded RDB.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The header version.
    pub version: u32,
    /// AUX fields in order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// RESIZEDB per db.
    pub resizedb: BTreeMap<u64, (u64, u64)>,
    /// (db, key) → state.
    pub keys: BTreeMap<(u64, Vec<u8>), KeyState>,
    /// Keys per RDB type code.
    pub type_codes: BTreeMap<u8, usize>,
    /// Where the RDB ended (EOF + trailer).
    pub end: usize,
    /// Every key record in file order.
    pub records: Vec<KeyRecord>,
}

/// Decodes a whole RDB (which may be followed by other bytes), panicking on any error.
pub fn decode_all(data: &[u8]) -> Decoded {
    let mut r = Reader::new(data).unwrap_or_else(|e| panic!("header: {e}"));
    let mut out = Decoded { version: r.version(), ..Decoded::default() };
    let mut db = 0;
    while let Some(item) = r.next_item().unwrap_or_else(|e| panic!("decode: {e}")) {
        match item {
            Item::Aux(k, v) => out.aux.push((k, v)),
            Item::SelectDb(d) => db = d,
            Item::ResizeDb(a, b) => {
                out.resizedb.insert(db, (a, b));
            }
            Item::Function(_) => {}
            Item::Key(k) => {
                *out.type_codes.entry(k.rdb_type).or_default() += 1;
                let state = KeyState { rdb_type: k.rdb_type, expire_ms: k.expire_ms, value: Canon::of(&k.value) };
                let prev = out.keys.insert((k.db, k.key.clone()), state);
                assert!(prev.is_none(), "duplicate key {:?} in db {}", String::from_utf8_lossy(&k.key), k.db);
                out.records.push(k);
            }
        }
    }
    out.end = r.position();
    out
}

/// Decodes standard base64 (with or without padding).
pub fn b64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => panic!("bad base64 {s:?}"),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Parses a score as expected.json writes it (number or text such as "inf").
pub fn score(v: &serde_json::Value) -> f64 {
    match v {
        serde_json::Value::Number(n) => n.as_f64().expect("score"),
        serde_json::Value::String(s) => s.parse().unwrap_or_else(|_| panic!("bad score {s}")),
        other => panic!("bad score {other}"),
    }
}

/// The expected keyspace of one fixture directory: (db, key) → state.
pub fn expected_keys(json: &serde_json::Value) -> BTreeMap<(u64, Vec<u8>), KeyState> {
    let mut out = BTreeMap::new();
    for (db, records) in json["databases"].as_object().expect("databases") {
        let db: u64 = db.parse().expect("db number");
        for r in records.as_array().expect("records") {
            let key = b64(r["key_b64"].as_str().expect("key_b64"));
            let v = &r["value"];
            let value = match r["type"].as_str().expect("type") {
                "string" => Canon::Str(b64(v.as_str().expect("string"))),
                "list" => Canon::List(v.as_array().expect("list").iter().map(|e| b64(e.as_str().unwrap())).collect()),
                "set" => {
                    let mut s: Vec<Vec<u8>> =
                        v.as_array().expect("set").iter().map(|e| b64(e.as_str().unwrap())).collect();
                    s.sort();
                    Canon::Set(s)
                }
                "hash" => {
                    let ttls = r.get("field_expires_at_ms").and_then(|t| t.as_object());
                    let mut h: Vec<_> = v
                        .as_object()
                        .expect("hash")
                        .iter()
                        .map(|(f, val)| {
                            let ttl = ttls.and_then(|t| t.get(f)).map(|t| t.as_u64().expect("field ttl"));
                            (b64(f), b64(val.as_str().unwrap()), ttl)
                        })
                        .collect();
                    h.sort_by(|a, b| a.0.cmp(&b.0));
                    Canon::Hash(h)
                }
                "zset" => {
                    let mut z: Vec<_> = v
                        .as_array()
                        .expect("zset")
                        .iter()
                        .map(|p| (b64(p[0].as_str().unwrap()), score(&p[1])))
                        .collect();
                    z.sort_by(|a, b| a.0.cmp(&b.0));
                    Canon::ZSet(z)
                }
                other => panic!("unknown type {other}"),
            };
            let state = KeyState {
                rdb_type: u8::try_from(r["rdb_type"].as_u64().expect("rdb_type")).expect("type code"),
                expire_ms: r["expires_at_ms"].as_i64(),
                value,
            };
            out.insert((db, key), state);
        }
    }
    out
}

/// Loads a fixture directory's expected.json.
pub fn expected_json(version: &str) -> serde_json::Value {
    let text = read_fixture(&format!("{version}/expected.json"));
    serde_json::from_slice(&text).expect("expected.json parses")
}

//! Unit tests of the RDB codec on hand-built inputs and the annotated 7.0.15 hexdump.

use super::crc64::{crc64, Crc64};
use super::encode::*;
use super::listpack::{self, Entry};
use super::{intset, lzf, types, ziplist, zipmap, Error, Item, KeyRecord, Reader, Value};

/// A complete RDB 10 file holding what `body` appends after the header.
fn file(body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, 10);
    body(&mut out);
    finish_in_place(&mut out);
    out
}

/// Every item of `data`, or the first error.
fn items(data: &[u8]) -> Result<Vec<Item>, Error> {
    let mut r = Reader::new(data)?;
    let mut all = Vec::new();
    while let Some(item) = r.next_item()? {
        all.push(item);
    }
    assert_eq!(r.position(), data.len());
    Ok(all)
}

/// The value of the only key in `data`.
fn only_key(data: &[u8]) -> KeyRecord {
    let mut keys: Vec<KeyRecord> = items(data)
        .unwrap()
        .into_iter()
        .filter_map(|i| match i {
            Item::Key(k) => Some(k),
            _ => None,
        })
        .collect();
    assert_eq!(keys.len(), 1);
    keys.remove(0)
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn strings(v: &[&str]) -> Vec<Vec<u8>> {
    v.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn crc64_check_value_and_streaming() {
    assert_eq!(crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    let mut d = Crc64::new();
    for chunk in data.chunks(777) {
        d.update(chunk);
    }
    assert_eq!(d.finish(), crc64(&data));
}

#[test]
fn length_encodings_round_trip() {
    let cases: [(u64, usize); 9] = [
        (0, 1),
        (63, 1),
        (64, 2),
        (16383, 2),
        (16384, 5),
        (u64::from(u32::MAX), 5),
        (u64::from(u32::MAX) + 1, 9),
        (1 << 62, 9),
        (u64::MAX, 9),
    ];
    for (n, size) in cases {
        let mut buf = Vec::new();
        write_len(&mut buf, n);
        assert_eq!(buf.len(), size, "size of {n}");
        let data = file(|out| write_selectdb(out, n));
        assert_eq!(items(&data).unwrap(), vec![Item::SelectDb(n)], "{n}");
    }
    let mut buf = Vec::new();
    write_len(&mut buf, 0x1234);
    assert_eq!(buf, [0x52, 0x34]);
}

/// How `write_string(s, compress)` encodes `s`, and that it reads back as `s`.
fn encoded(s: &[u8], compress: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    write_string(&mut buf, s, compress);
    let data = file(|out| {
        write_key(out, types::STRING, b"k");
        write_string(out, s, compress);
    });
    assert_eq!(only_key(&data).value, Value::Str(s.to_vec()));
    buf
}

#[test]
fn string_integer_rules() {
    assert_eq!(encoded(b"0", false), [0xC0, 0]);
    assert_eq!(encoded(b"-128", false), [0xC0, 0x80]);
    assert_eq!(encoded(b"127", false), [0xC0, 0x7F]);
    assert_eq!(encoded(b"128", false), [0xC1, 0x80, 0]);
    assert_eq!(encoded(b"-129", false), [0xC1, 0x7F, 0xFF]);
    assert_eq!(encoded(b"12345", false), [0xC1, 0x39, 0x30]);
    assert_eq!(encoded(b"32768", false), [0xC2, 0, 0x80, 0, 0]);
    assert_eq!(encoded(b"2147483647", false), [0xC2, 0xFF, 0xFF, 0xFF, 0x7F]);
    assert_eq!(encoded(b"-2147483648", false), [0xC2, 0, 0, 0, 0x80]);
    for plain in ["2147483648", "-2147483649", "12345678901", "-0", "007", "+1", " 1", "1 ", "00", "0x10", "1e3", ""] {
        let b = encoded(plain.as_bytes(), true);
        assert_eq!(b[0] as usize, plain.len(), "{plain:?} must be plain");
        assert_eq!(&b[1..], plain.as_bytes());
    }
}

#[test]
fn string_lzf_rules() {
    let a100 = vec![b'a'; 100];
    let b = encoded(&a100, true);
    assert_eq!(b[0], 0xC3, "compressible and > 20 bytes: LZF");
    assert!(b.len() < 20);
    assert_eq!(encoded(&a100, false)[..2], [0x40, 100], "compress off: plain");
    let a20 = vec![b'a'; 20];
    assert_eq!(encoded(&a20, true)[0], 20, "20 bytes: never compressed");
    // 25 bytes that do not compress by 4 bytes stay plain.
    let noisy: Vec<u8> = (0..25u8).map(|i| i.wrapping_mul(97).wrapping_add(13)).collect();
    assert_eq!(encoded(&noisy, true)[0], 25);
    // A repetitive 36-byte string is compressed.
    let text = b"hello hello hello hello hello hello!";
    assert_eq!(encoded(text, true)[0], 0xC3);
}

#[test]
fn lzf_round_trips_and_refuses_garbage() {
    let mut samples: Vec<Vec<u8>> = vec![vec![7; 1], vec![b'x'; 10_000], b"abcabcabcabcabcabcabc".to_vec()];
    let mut seed = 12345u64;
    let noise: Vec<u8> = (0..50_000)
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 59) as u8 + b'a'
        })
        .collect();
    samples.push(noise);
    samples.push((0..70_000u32).map(|i| (i % 251) as u8).collect());
    for s in &samples {
        let packed = lzf::compress(s, s.len() * 2 + 16).unwrap();
        assert_eq!(lzf::decompress(&packed, s.len()).as_deref(), Some(s.as_slice()));
        assert_eq!(lzf::decompress(&packed, s.len() + 1), None);
    }
    assert_eq!(lzf::compress(&[1, 2, 3, 4, 5], 3), None, "gives up past max_out");
    // A back reference before the start, a truncated literal, an absurd expected size.
    assert_eq!(lzf::decompress(&[0x20, 0x05], 3), None);
    assert_eq!(lzf::decompress(&[0x05, b'a'], 6), None);
    assert_eq!(lzf::decompress(&[0x00, b'a'], 1 << 40), None);
}

#[test]
fn listpack_every_width_round_trips() {
    let ints = [
        0i64,
        127,
        128,
        -1,
        -4096,
        4095,
        4096,
        -4097,
        32767,
        -32768,
        32768,
        8388607,
        -8388608,
        8388608,
        2147483647,
        -2147483648,
        2147483648,
        i64::MAX,
        i64::MIN,
    ];
    let widths = [1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 9, 9, 9];
    let mut lp = listpack::Builder::new();
    for &v in &ints {
        lp.push(v.to_string().as_bytes());
    }
    let strs: Vec<Vec<u8>> = [0usize, 1, 63, 64, 127, 128, 4095, 4096, 20_000].iter().map(|&n| vec![b's'; n]).collect();
    for s in &strs {
        lp.push(s);
    }
    for s in ["-0", "007", "+1", "1.5", "99999999999999999999"] {
        lp.push(s.as_bytes());
    }
    let blob = lp.finish();
    let entries = listpack::decode(&blob, 0).unwrap();
    assert_eq!(entries.len(), ints.len() + strs.len() + 5);
    for (i, &v) in ints.iter().enumerate() {
        assert_eq!(entries[i], Entry::Int(v));
        assert_eq!(listpack::Builder::entry_size(v.to_string().as_bytes()), widths[i] + 1, "{v}");
    }
    for (i, s) in strs.iter().enumerate() {
        assert_eq!(entries[ints.len() + i], Entry::Str(s));
    }
    assert_eq!(entries.last(), Some(&Entry::Str(b"99999999999999999999")));
    // The annotated 7.0.15 zset listpack, byte for byte.
    let mut lp = listpack::Builder::new();
    for e in ["a", "1.5", "b", "2"] {
        lp.push(e.as_bytes());
    }
    assert_eq!(lp.finish(), hex("14000000 0400 8161 02 83312e35 04 8162 02 0201 ff"));
}

#[test]
fn listpack_big_count_and_corruption() {
    let mut lp = listpack::Builder::new();
    for i in 0..70_000 {
        lp.push_int(i % 100);
    }
    let blob = lp.finish();
    assert_eq!(&blob[4..6], &[0xFF, 0xFF]);
    assert_eq!(listpack::decode(&blob, 0).unwrap().len(), 70_000);

    let good = hex("0f000000 0300 8161 02 8162 02 0101 ff");
    assert_eq!(listpack::decode(&good, 0).unwrap(), vec![Entry::Str(b"a"), Entry::Str(b"b"), Entry::Int(1)]);
    let mut bad_count = good.clone();
    bad_count[4] = 4;
    assert!(listpack::decode(&bad_count, 100).unwrap_err().message.contains("count"));
    let mut bad_backlen = good.clone();
    bad_backlen[8] = 3;
    assert_eq!(listpack::decode(&bad_backlen, 100).unwrap_err().offset, 108);
    let mut bad_total = good.clone();
    bad_total[0] = 0x10;
    assert!(listpack::decode(&bad_total, 0).is_err());
    let mut no_end = good.clone();
    no_end[14] = 0;
    assert!(listpack::decode(&no_end, 0).is_err());
    let mut long_str = good;
    long_str[6] = 0xBF; // a 63-byte string in a 15-byte blob
    assert!(listpack::decode(&long_str, 0).is_err());
}

/// A ziplist from raw entry encodings (each `enc` is the encoding byte(s) and data).
fn ziplist_of(encs: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut tail = 10;
    for e in encs {
        tail = 10 + body.len();
        let start = body.len();
        if prev < 254 {
            body.push(prev as u8);
        } else {
            body.push(254);
            body.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        body.extend_from_slice(e);
        prev = body.len() - start;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((11 + body.len()) as u32).to_le_bytes());
    out.extend_from_slice(&(tail as u32).to_le_bytes());
    out.extend_from_slice(&(encs.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

#[test]
fn ziplist_every_encoding() {
    let s300 = vec![b'z'; 300];
    let s20k = vec![b'y'; 20_000];
    let mut e14 = vec![0x40 | (300 >> 8) as u8, 300u16 as u8];
    e14.extend_from_slice(&s300);
    let mut e32 = vec![0x80];
    e32.extend_from_slice(&(20_000u32).to_be_bytes());
    e32.extend_from_slice(&s20k);
    let encs = vec![
        vec![0x03, b'a', b'b', b'c'],
        e14,
        e32,
        vec![0xFE, 0x80],
        vec![0xC0, 0x00, 0x80],
        vec![0xF0, 0xFF, 0xFF, 0x7F],
        vec![0xF0, 0x00, 0x00, 0x80],
        vec![0xD0, 0x00, 0x00, 0x00, 0x80],
        {
            let mut v = vec![0xE0];
            v.extend_from_slice(&i64::MIN.to_le_bytes());
            v
        },
        vec![0xF1],
        vec![0xFD],
        vec![0x00],
    ];
    let blob = ziplist_of(&encs);
    let got = ziplist::decode(&blob, 0).unwrap();
    let want = vec![
        Entry::Str(b"abc"),
        Entry::Str(&s300),
        Entry::Str(&s20k),
        Entry::Int(-128),
        Entry::Int(-32768),
        Entry::Int(8388607),
        Entry::Int(-8388608),
        Entry::Int(i64::from(i32::MIN)),
        Entry::Int(i64::MIN),
        Entry::Int(0),
        Entry::Int(12),
        Entry::Str(b""),
    ];
    assert_eq!(got, want);
    // Type 10 list and type 13 hash around it.
    let data = file(|out| {
        write_key(out, types::LIST_ZIPLIST, b"l");
        write_string(out, &blob, true);
    });
    assert_eq!(only_key(&data).value, Value::List(want.iter().map(|e| e.to_vec()).collect()));
    let mut bad = blob.clone();
    bad[4] = 11; // tail offset
    assert!(ziplist::decode(&bad, 0).is_err());
    let mut bad = blob;
    bad[15] = 9; // prevlen of the second entry
    assert!(ziplist::decode(&bad, 0).is_err());
}

#[test]
fn intset_every_width() {
    for (vals, width) in
        [(vec![-5i64, 1, 2, 32767], 2u8), (vec![-32769, 0, 100_000], 4), (vec![i64::MIN, 0, 1 << 40, i64::MAX], 8)]
    {
        let blob = intset::build(&vals);
        assert_eq!(blob[0], width);
        assert_eq!(blob.len(), 8 + vals.len() * usize::from(width));
        assert_eq!(intset::decode(&blob, 0).unwrap(), vals);
    }
    assert_eq!(intset::decode(&hex("02000000 03000000 0100 0200 0300"), 0).unwrap(), vec![1, 2, 3]);
    assert!(intset::decode(&hex("03000000 01000000 010000"), 0).is_err(), "width 3");
    assert!(intset::decode(&hex("02000000 03000000 0100 0200"), 0).is_err(), "short");
    assert!(intset::decode(&hex("02000000 02000000 0200 0100"), 0).is_err(), "descending");
    assert!(intset::decode(&hex("02000000 02000000 0200 0200"), 0).is_err(), "duplicate");
    assert!(intset::decode(&hex("08000000 ffffffff"), 0).is_err(), "absurd count");
}

#[test]
fn zipmap_hand_built() {
    // 2 pairs: "f" => "v" (1 free byte), then a 300-byte field (5-byte length) => "".
    let mut blob = vec![2, 1, b'f', 1, 1, b'v', 0xAA, 254];
    blob.extend_from_slice(&300u32.to_le_bytes());
    blob.extend_from_slice(&[b'g'; 300]);
    blob.extend_from_slice(&[0, 0, 0xFF]);
    let pairs = zipmap::decode(&blob, 0).unwrap();
    assert_eq!(pairs, vec![(&b"f"[..], &b"v"[..]), (&[b'g'; 300][..], &b""[..])]);
    let data = file(|out| {
        write_key(out, types::HASH_ZIPMAP, b"h");
        write_string(out, &blob, false);
    });
    assert_eq!(only_key(&data).value, Value::Hash(vec![(b"f".to_vec(), b"v".to_vec()), (vec![b'g'; 300], vec![])]));
    assert!(zipmap::decode(&blob[..blob.len() - 1], 0).is_err());
    let mut dup = vec![2, 1, b'f', 1, 0, b'v', 1, b'f', 1, 0, b'w', 0xFF];
    let data = file(|out| {
        write_key(out, types::HASH_ZIPMAP, b"h");
        write_string(out, &dup, false);
    });
    assert!(items(&data).unwrap_err().message.contains("Duplicate"));
    dup[0] = 3;
    assert!(zipmap::decode(&dup, 0).unwrap_err().message.contains("count"));
}

/// The 308-byte dump of section 2.1 of formats-and-crates.md, key by key.
#[test]
fn redis_7_0_15_hexdump() {
    let data = hex("5245 4449 5330 3031 30fa 0972 6564 6973 2d76 6572 0637 2e30 2e31 35fa 0a72 6564
         6973 2d62 6974 73c0 40fa 0563 7469 6d65 c229 520d 6bfa 0875 7365 642d 6d65 6dc2
         5863 1100 fa08 616f 662d 6261 7365 c000 fe00 fb0e 0105 027a 7302 0162 0000 0000
         0000 0040 0161 0000 0000 0000 f83f 0003 6e33 32c2 a086 0100 0001 7305 6865 6c6c
         6f00 0169 c139 3011 017a 1414 0000 0004 0081 6102 8331 2e35 0481 6202 0201 ff00
         0362 6967 0b31 3233 3435 3637 3839 3031 0002 6c7a c309 4064 0161 61e0 5700 0161
         6112 016c 0102 0f0f 0000 0003 0081 6102 8162 0201 01ff 0002 6e38 c0fb 0202 7373
         0201 7901 78fc 00d8 c32c bb03 0000 0003 7474 6c01 760b 0273 690e 0200 0000 0300
         0000 0100 0200 0300 0402 6868 0201 6601 7601 6701 7710 0168 1212 0000 0004 0081
         6602 8176 0281 6e02 0101 ffff 715c cd45 fde9 1d52");
    assert_eq!(data.len(), 308);
    assert_eq!(crc64(&data[..300]), 0x521de9fd45cd5c71);
    let all = items(&data).unwrap();
    let aux = |k: &str, v: &str| Item::Aux(k.as_bytes().to_vec(), v.as_bytes().to_vec());
    assert_eq!(
        all[..7],
        [
            aux("redis-ver", "7.0.15"),
            aux("redis-bits", "64"),
            aux("ctime", "1796035113"),
            aux("used-mem", "1139544"),
            aux("aof-base", "0"),
            Item::SelectDb(0),
            Item::ResizeDb(14, 1),
        ]
    );
    let key = |name: &str, rdb_type: u8, value: Value, expire_ms: Option<i64>| {
        Item::Key(KeyRecord {
            db: 0,
            key: name.as_bytes().to_vec(),
            expire_ms,
            idle: None,
            freq: None,
            rdb_type,
            value,
        })
    };
    let s = |v: &str| Value::Str(v.as_bytes().to_vec());
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec())).collect();
    let want = [
        key("zs", 5, Value::ZSet(vec![(b"b".to_vec(), 2.0), (b"a".to_vec(), 1.5)]), None),
        key("n32", 0, s("100000"), None),
        key("s", 0, s("hello"), None),
        key("i", 0, s("12345"), None),
        key("z", 17, Value::ZSet(vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), 2.0)]), None),
        key("big", 0, s("12345678901"), None),
        key("lz", 0, Value::Str(vec![b'a'; 100]), None),
        key("l", 18, Value::List(strings(&["a", "b", "1"])), None),
        key("n8", 0, s("-5"), None),
        key("ss", 2, Value::Set(strings(&["y", "x"])), None),
        key("ttl", 0, s("v"), Some(4102444800000)),
        key("si", 11, Value::Set(strings(&["1", "2", "3"])), None),
        key("hh", 4, Value::Hash(pairs(&[("f", "v"), ("g", "w")])), None),
        key("h", 16, Value::Hash(pairs(&[("f", "v"), ("n", "1")])), None),
    ];
    assert_eq!(all[7..], want);
}

#[test]
fn reader_opcodes_and_errors() {
    let data = file(|out| {
        write_aux(out, b"redis-ver", b"7.0.15");
        write_function(out, b"#!lua name=lib\nredis.register_function('f', function() return 1 end)");
        out.extend_from_slice(&[0xF4, 1, 2, 3]); // SLOT_INFO is skipped
        write_selectdb(out, 15);
        write_idle(out, 300);
        write_freq(out, 7);
        out.extend_from_slice(&[0xFD, 0x10, 0, 0, 0]); // EXPIRETIME in seconds
        write_key(out, types::STRING, b"k");
        write_string(out, b"v", false);
    });
    let all = items(&data).unwrap();
    assert!(matches!(&all[1], Item::Function(src) if src.starts_with(b"#!lua")));
    assert_eq!(all[2], Item::SelectDb(15));
    match &all[3] {
        Item::Key(k) => {
            assert_eq!((k.db, k.idle, k.freq, k.expire_ms), (15, Some(300), Some(7), Some(16_000)));
        }
        other => panic!("{other:?}"),
    }

    let stream = file(|out| {
        write_selectdb(out, 3);
        write_key(out, types::STREAM_LISTPACKS_2, b"my\"stream\n");
        out.extend_from_slice(&[0; 20]);
    });
    let e = items(&stream).unwrap_err();
    assert_eq!(e.message, "Unsupported RDB type 19 (stream) for key \"my\\\"stream\\n\" in db 3");
    assert_eq!(e.offset, 11);
    for (code, name) in [(6u8, "module"), (7, "module"), (15, "stream"), (21, "stream"), (30, "unknown")] {
        let f = file(|out| write_key(out, code, b"k"));
        let e = items(&f).unwrap_err();
        assert_eq!(e.message, format!("Unsupported RDB type {code} ({name}) for key \"k\" in db 0"));
    }
    let e = items(&file(|out| out.extend_from_slice(&[0xF7, 1, 2]))).unwrap_err();
    assert!(e.message.contains("modules are not supported"), "{e}");
    assert!(items(&file(|out| out.extend_from_slice(&[0xF6, 0]))).is_err());

    let mut bad = file(|_| {});
    let n = bad.len();
    bad[n - 1] ^= 1;
    let e = items(&bad).unwrap_err();
    assert!(e.message.starts_with("RDB CRC error"), "{e}");
    let mut r = Reader::new(&bad).unwrap();
    r.set_verify_checksum(false);
    assert_eq!(r.next_item().unwrap(), None);
    bad[n - 8..].fill(0);
    assert_eq!(items(&bad).unwrap(), vec![], "a zero trailer disables the check");

    assert_eq!(Reader::new(b"REDIS0013").unwrap_err().to_string(), "[offset 9] Can't handle RDB format version 13");
    assert_eq!(Reader::new(b"REDIS0000").unwrap_err().message, "Can't handle RDB format version 0");
    assert_eq!(Reader::new(b"REDIX0010").unwrap_err().message, "Wrong signature trying to load DB from file");
    assert!(Reader::new(b"REDIS").is_err());
    // Version 4 files have no trailer.
    let mut v4 = b"REDIS0004".to_vec();
    v4.extend_from_slice(&[0, 1, b'k', 1, b'v', 0xFF]);
    assert_eq!(items(&v4).unwrap().len(), 1);
}

#[test]
fn writers_read_back() {
    let big: Vec<u8> = vec![b'q'; 9000];
    let elems: Vec<Vec<u8>> = (0..3000).map(|i| format!("e{i}").into_bytes()).collect();
    let mut list: Vec<&[u8]> = elems.iter().map(Vec::as_slice).collect();
    list.insert(1500, &big);
    let data = file(|out| {
        write_key(out, types::LIST_QUICKLIST_2, b"l");
        write_list_quicklist2(out, list.iter().copied(), true);
        write_key(out, types::SET_INTSET, b"s");
        write_set_intset(out, &[-70000, 5, 1 << 33], false);
        write_key(out, types::HASH_LISTPACK, b"h");
        write_hash_listpack(out, [(&b"f"[..], &b"1"[..]), (b"g", b"x")], true);
        write_key(out, types::ZSET_2, b"z");
        write_zset2(out, 2, [(&b"a"[..], 1.5), (b"b", f64::NEG_INFINITY)], true);
        write_key(out, types::LIST, b"pl");
        write_list_plain(out, 2, [&b"a"[..], b"b"], false);
    });
    let all = items(&data).unwrap();
    let values: Vec<&Value> =
        all.iter().filter_map(|i| if let Item::Key(k) = i { Some(&k.value) } else { None }).collect();
    assert_eq!(values[0], &Value::List(list.iter().map(|e| e.to_vec()).collect()));
    assert_eq!(values[1], &Value::Set(strings(&["-70000", "5", "8589934592"])));
    assert_eq!(values[2], &Value::Hash(vec![(b"f".to_vec(), b"1".to_vec()), (b"g".to_vec(), b"x".to_vec())]));
    assert_eq!(values[3], &Value::ZSet(vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), f64::NEG_INFINITY)]));
    assert_eq!(values[4], &Value::List(strings(&["a", "b"])));

    // The quicklist splits at 8 KB and gives the big element its own node.
    let mut payload = Vec::new();
    write_list_quicklist2(&mut payload, list.iter().copied(), false);
    let dump = encode_dump_payload(types::LIST_QUICKLIST_2, &payload);
    let (t, v) = super::decode_dump_payload(&dump).unwrap();
    assert_eq!((t, v), (types::LIST_QUICKLIST_2, values[0].clone()));
    assert!(payload[0] >= 4, "several nodes: {}", payload[0]);
}

#[test]
fn dump_payload_rules() {
    // DUMP of "hello" from Redis 7.0.15 (section 1.9).
    let dump = hex("00 05 68656c6c6f 0a00 6372df766534200a");
    assert_eq!(super::decode_dump_payload(&dump).unwrap(), (0, Value::Str(b"hello".to_vec())));
    assert_eq!(encode_dump_payload(0, &hex("05 68656c6c6f")), dump);
    let mut bad = dump.clone();
    bad[3] ^= 1;
    assert!(super::decode_dump_payload(&bad).unwrap_err().is_version_or_checksum());
    let mut v13 = dump[..dump.len() - 10].to_vec();
    v13.extend_from_slice(&13u16.to_le_bytes());
    let crc = crc64(&v13);
    v13.extend_from_slice(&crc.to_le_bytes());
    assert!(super::decode_dump_payload(&v13).unwrap_err().is_version_or_checksum());
    let trailing = encode_dump_payload(0, &hex("05 68656c6c6f 00"));
    assert!(!super::decode_dump_payload(&trailing).unwrap_err().is_version_or_checksum());
    let empty = encode_dump_payload(types::SET, &[0]);
    assert!(!super::decode_dump_payload(&empty).unwrap_err().is_version_or_checksum());
    assert!(super::decode_dump_payload(&[0; 9]).unwrap_err().is_version_or_checksum());
}

#[test]
fn corrupt_values_are_errors() {
    let cases: Vec<(u8, Vec<u8>, &str)> = vec![
        (types::SET, vec![2, 1, b'a', 1, b'a'], "Duplicate set members"),
        (types::HASH, vec![2, 1, b'a', 1, b'1', 1, b'a', 1, b'2'], "Duplicate hash fields"),
        (types::ZSET_2, [vec![1, 1, b'a'], f64::NAN.to_le_bytes().to_vec()].concat(), "NAN"),
        (types::ZSET, vec![1, 1, b'a', 253], "NAN"),
        (types::LIST, vec![0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "Invalid length"),
        (types::LIST, vec![0x80, 0x7F, 0xFF, 0xFF, 0xFF, 0], "Invalid length"),
        (types::STRING, vec![0xC3, 3, 10, 0x20, 0x05, 0x00], "Invalid LZF"),
        (types::STRING, vec![0xC4], "Unknown RDB string encoding"),
        (types::LIST_QUICKLIST_2, vec![1, 3, 1, b'a'], "container"),
        (types::ZSET_LISTPACK, vec![9, 9, 0, 0, 0, 1, 0, 0x81, b'a', 2, 0xFF], "Invalid listpack"),
    ];
    for (t, payload, needle) in cases {
        let data = file(|out| {
            write_key(out, t, b"k");
            out.extend_from_slice(&payload);
        });
        let e = items(&data).unwrap_err();
        assert!(e.message.contains(needle), "type {t}: {e}");
    }
    // Type 3 specials load.
    let data = file(|out| {
        write_key(out, types::ZSET, b"z");
        out.extend_from_slice(&[2, 1, b'a', 254, 1, b'b', 3, b'1', b'.', b'5']);
    });
    assert_eq!(only_key(&data).value, Value::ZSet(vec![(b"a".to_vec(), f64::INFINITY), (b"b".to_vec(), 1.5)]));
}

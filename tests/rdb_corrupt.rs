//! The RDB reader on damaged input: truncations, flipped bytes, bad CRCs, absurd lengths,
//! wrong headers, and ~20k seeded random mutations of the real fixtures. Every case must give
//! an `Err` with an offset inside the input (or, for a mutation that happens to stay valid,
//! `Ok`), and nothing may panic.

mod rdb_support;

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferrokv::persist::rdb::encode::encode_dump_payload;
use ferrokv::persist::rdb::{decode_dump_payload, Error, ErrorKind, Reader};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rdb_support::{read_fixture, VERSIONS};

/// Reads everything; Ok(number of items) or the first error. Panics propagate.
fn read_all(data: &[u8], verify: bool) -> Result<usize, Error> {
    let mut r = Reader::new(data)?;
    r.set_verify_checksum(verify);
    let mut n = 0;
    while r.next_item()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Runs `read_all` under catch_unwind: a panic fails the test with the case's name.
fn no_panic(data: &[u8], verify: bool, case: &str) -> Result<usize, Error> {
    match catch_unwind(AssertUnwindSafe(|| read_all(data, verify))) {
        Ok(r) => {
            if let Err(e) = &r {
                assert!(e.offset <= data.len(), "{case}: offset {} past the end {}", e.offset, data.len());
                assert!(!e.message.is_empty(), "{case}: empty message");
            }
            r
        }
        Err(_) => panic!("reader panicked on {case}"),
    }
}

fn dump_7_0() -> Vec<u8> {
    read_fixture("7.0.15/rdb/dump.rdb")
}

#[test]
fn every_truncation_is_an_error() {
    let data = dump_7_0();
    assert!(no_panic(&data, true, "whole file").is_ok());
    let mut cuts: Vec<usize> = (0..2048.min(data.len())).collect();
    cuts.extend((2048..data.len()).step_by((data.len() / 300).max(1)));
    cuts.push(data.len() - 1);
    for cut in cuts {
        let e = no_panic(&data[..cut], true, &format!("truncated at {cut}")).unwrap_err();
        assert!(e.offset <= cut, "truncated at {cut}: {e}");
    }
}

#[test]
fn flipped_bytes_are_caught_by_the_crc_and_never_panic() {
    let data = dump_7_0();
    let mut positions: Vec<usize> = (9..1024).collect();
    positions.extend((1024..data.len()).step_by(37));
    let mut caught_without_crc = 0;
    for &pos in &positions {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bad = data.clone();
            bad[pos] ^= mask;
            let case = format!("byte {pos} ^ {mask:#x}");
            // With the CRC on, any change is an error (the trailer itself included).
            no_panic(&bad, true, &case).unwrap_err();
            if no_panic(&bad, false, &case).is_err() {
                caught_without_crc += 1;
            }
        }
    }
    // Without the CRC many flips still land in bytes that are checked structurally.
    assert!(caught_without_crc > positions.len() / 2, "{caught_without_crc}");
}

#[test]
fn crc_header_and_absurd_lengths() {
    let data = dump_7_0();
    let n = data.len();
    let mut bad_crc = data.clone();
    bad_crc[n - 3] ^= 0x10;
    let e = no_panic(&bad_crc, true, "bad crc").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Checksum);
    assert_eq!(e.offset, n - 8);
    assert!(e.message.starts_with("RDB CRC error"), "{e}");
    assert!(no_panic(&bad_crc, false, "bad crc, check off").is_ok());

    let mut magic = data.clone();
    magic[0] = b'X';
    assert_eq!(no_panic(&magic, true, "magic").unwrap_err().message, "Wrong signature trying to load DB from file");
    let mut v13 = data.clone();
    v13[5..9].copy_from_slice(b"0013");
    assert_eq!(no_panic(&v13, true, "v13").unwrap_err().to_string(), "[offset 9] Can't handle RDB format version 13");

    // A list, a string, a set and a hash whose length is 2^64-1 or 2^63, right after SELECTDB.
    let prefix = b"REDIS0010\xfe\x00";
    for rdb_type in [0u8, 1, 2, 3, 4, 5, 14, 18, 24] {
        for len in [[0xFFu8; 8], [0x80, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0]] {
            let mut f = prefix.to_vec();
            f.extend_from_slice(&[rdb_type, 1, b'k']);
            if rdb_type == 24 {
                f.extend_from_slice(&[0; 8]);
            }
            f.push(0x81);
            f.extend_from_slice(&len);
            f.extend_from_slice(&[0; 32]);
            let e = no_panic(&f, false, &format!("type {rdb_type} absurd length")).unwrap_err();
            assert!(e.offset >= 12, "{e}");
        }
    }
    // An LZF string claiming a huge decompressed size.
    let mut f = prefix.to_vec();
    f.extend_from_slice(&[0, 1, b'k', 0xC3, 2, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, b'a', 0xFF]);
    assert!(no_panic(&f, false, "lzf huge").unwrap_err().message.contains("LZF"));
}

/// One random mutation of `data`: flips, overwrites, insertions, deletions or a cut.
fn mutate(rng: &mut StdRng, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..rng.random_range(1..4) {
        if d.len() < 10 {
            break;
        }
        let pos = rng.random_range(9..d.len());
        match rng.random_range(0..6) {
            0 => d[pos] ^= 1 << rng.random_range(0..8),
            1 => d[pos] = rng.random(),
            2 => d[pos] = [0x00, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xC0, 0xC3, 0xFE, 0xFF][rng.random_range(0..10)],
            3 => d.insert(pos, rng.random()),
            4 => {
                d.remove(pos);
            }
            _ => d.truncate(pos),
        }
    }
    d
}

#[test]
fn seeded_random_mutations_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x05EE_D0DB);
    let mut inputs: Vec<Vec<u8>> = VERSIONS.iter().map(|v| read_fixture(&format!("{v}/rdb/dump.rdb"))).collect();
    // Small payloads too: DUMP-style values so mutations hit blob internals often.
    let small = [
        (0u8, b"\x05hello".to_vec()),
        (11, b"\x10\x02\x00\x00\x00\x04\x00\x00\x00\x01\x00\x02\x00\x03\x00\x04\x00".to_vec()),
        (18, b"\x01\x02\x0f\x0f\x00\x00\x00\x03\x00\x81a\x02\x81b\x02\x01\x01\xff".to_vec()),
        (16, b"\x12\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02\x01\x01\xff".to_vec()),
    ];
    let payloads: Vec<Vec<u8>> = small.iter().map(|(t, p)| encode_dump_payload(*t, p)).collect();
    for p in &payloads {
        decode_dump_payload(p).unwrap();
    }
    let (mut errors, mut oks) = (0, 0);
    for i in 0..20_000 {
        if i % 4 == 0 {
            let p = &payloads[i % payloads.len()];
            let m = mutate(&mut rng, p);
            // Also re-seal the CRC so the value decoder itself sees the damage.
            let inner = &m[..m.len().saturating_sub(10)];
            let resealed = encode_dump_payload(inner.first().copied().unwrap_or(0), inner.get(1..).unwrap_or(&[]));
            for input in [&m, &resealed] {
                match catch_unwind(AssertUnwindSafe(|| decode_dump_payload(input))) {
                    Ok(Ok(_)) => oks += 1,
                    Ok(Err(e)) => {
                        assert!(e.offset <= input.len());
                        errors += 1;
                    }
                    Err(_) => panic!("decode_dump_payload panicked on mutation {i}: {input:?}"),
                }
            }
            continue;
        }
        // Big files: most mutations checked without the CRC so they reach the decoders.
        let src = &inputs[i % inputs.len()];
        let m = mutate(&mut rng, src);
        match no_panic(&m, i % 8 == 1, &format!("mutation {i}")) {
            Ok(_) => oks += 1,
            Err(_) => errors += 1,
        }
    }
    assert!(errors > 10_000, "errors {errors}, oks {oks}");
    inputs.clear();
}

//! Unit tests of the hash encodings, randomized against ordered and map models.
use std::collections::{BTreeMap, HashSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Hash, Limits};

/// Redis 7.0's defaults.
const DEFAULT: Limits = Limits { entries: 512, value: 64 };

fn field(n: usize) -> Vec<u8> {
    format!("field:{n}").into_bytes()
}

/// Every slot of a table is reachable from exactly one bucket, the one its hash names.
fn check_table(h: &Hash) {
    let super::Repr::Table(t) = &h.repr else { return };
    let mut seen = vec![false; t.slots.len()];
    for (b, &head) in t.buckets.iter().enumerate() {
        let mut link = head;
        while link != 0 {
            let i = link as usize - 1;
            assert!(!seen[i], "slot {i} linked twice");
            seen[i] = true;
            assert_eq!(t.slots[i].hash as usize & t.mask(), b);
            link = t.slots[i].next;
        }
    }
    assert!(seen.iter().all(|s| *s), "a slot is unreachable");
    assert!(t.slots.len() <= t.buckets.len());
}

#[test]
fn listpack_matches_an_insertion_ordered_model() {
    let mut rng = StdRng::seed_from_u64(7);
    let limits = Limits { entries: 10_000, value: 64 };
    let mut h = Hash::new();
    let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for step in 0..20_000 {
        let f = field(rng.random_range(0..40));
        if rng.random_bool(0.6) {
            let v = vec![b'v'; rng.random_range(0..=64)];
            let added = h.insert(&f, &v, limits);
            match model.iter_mut().find(|(mf, _)| *mf == f) {
                Some(pair) => {
                    assert!(!added);
                    pair.1 = v;
                }
                None => {
                    assert!(added);
                    model.push((f, v));
                }
            }
        } else {
            let was = model.iter().position(|(mf, _)| *mf == f);
            assert_eq!(h.remove(&f), was.is_some());
            if let Some(i) = was {
                model.remove(i);
            }
        }
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.len(), model.len());
        if step % 50 == 0 {
            let got: Vec<(Vec<u8>, Vec<u8>)> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            assert_eq!(got, model);
            for n in 0..40 {
                let want = model.iter().find(|(mf, _)| *mf == field(n)).map(|(_, v)| &v[..]);
                assert_eq!(h.get(&field(n)), want);
                assert_eq!(h.contains(&field(n)), want.is_some());
            }
        }
    }
}

#[test]
fn hashtable_matches_a_model() {
    let mut rng = StdRng::seed_from_u64(11);
    let limits = Limits { entries: 0, value: 64 };
    let mut h = Hash::new();
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for step in 0..60_000 {
        // Phases of growth and shrinkage exercise both resizes.
        let grow = (step / 10_000) % 2 == 0;
        let f = field(rng.random_range(0..3000));
        if rng.random_bool(if grow { 0.8 } else { 0.1 }) {
            let v = format!("value {step}").into_bytes();
            assert_eq!(h.insert(&f, &v, limits), model.insert(f, v).is_none());
        } else {
            assert_eq!(h.remove(&f), model.remove(&f).is_some());
        }
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), model.len());
        if step % 500 == 0 {
            check_table(&h);
            let got: BTreeMap<Vec<u8>, Vec<u8>> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            assert_eq!(got, model);
            for n in 0..3000 {
                assert_eq!(h.get(&field(n)), model.get(&field(n)).map(|v| &v[..]));
            }
        }
    }
}

#[test]
fn converts_at_the_thresholds_and_never_back() {
    let mut h = Hash::new();
    for n in 0..512 {
        h.insert(&field(n), b"v", DEFAULT);
    }
    assert_eq!(h.encoding(), "listpack");
    h.insert(&field(512), b"v", DEFAULT);
    assert_eq!(h.encoding(), "hashtable");
    for n in 0..513 {
        assert!(h.remove(&field(n)));
    }
    assert!(h.is_empty());
    h.insert(b"a", b"b", DEFAULT);
    assert_eq!(h.encoding(), "hashtable");

    let mut h = Hash::new();
    h.insert(&[b'f'; 64], &[b'v'; 64], DEFAULT);
    assert_eq!(h.encoding(), "listpack");
    h.insert(b"f", &[b'v'; 65], DEFAULT);
    assert_eq!(h.encoding(), "hashtable");
    assert_eq!(h.get(&[b'f'; 64]), Some(&[b'v'; 64][..]));

    // A lowered entry limit applies at the next set, even an update.
    let mut h = Hash::new();
    for n in 0..5 {
        h.insert(&field(n), b"v", DEFAULT);
    }
    h.insert(&field(0), b"w", Limits { entries: 3, value: 64 });
    assert_eq!(h.encoding(), "hashtable");
    assert_eq!(h.get(&field(0)), Some(&b"w"[..]));

    // prepare_for converts on any long argument, before anything is set.
    let mut h = Hash::new();
    h.insert(b"a", b"1", DEFAULT);
    h.prepare_for(&[b"b", b"2"], DEFAULT);
    assert_eq!(h.encoding(), "listpack");
    h.prepare_for(&[b"b", &[b'x'; 65]], DEFAULT);
    assert_eq!(h.encoding(), "hashtable");
    assert_eq!(h.len(), 1);
}

#[test]
fn listpack_scan_returns_everything_with_cursor_zero() {
    let mut h = Hash::new();
    for n in 0..20 {
        h.insert(&field(n), b"v", DEFAULT);
    }
    let mut seen = Vec::new();
    assert_eq!(h.scan(12345, 1, |f, _| seen.push(f.to_vec())), 0);
    assert_eq!(seen, (0..20).map(field).collect::<Vec<_>>());
}

#[test]
fn table_scan_returns_every_pair_present_throughout_while_resizing() {
    let mut rng = StdRng::seed_from_u64(3);
    let limits = Limits { entries: 0, value: 64 };
    for round in 0..20 {
        let mut h = Hash::new();
        for n in 0..1000 {
            h.insert(&field(n), b"v", limits);
        }
        // Fields 0..200 stay for the whole scan; the others come and go.
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = h.scan(cursor, 1 + round, |f, _| {
                seen.insert(f.to_vec());
            });
            calls += 1;
            let grow = (calls / 20) % 2 == 0;
            for _ in 0..30 {
                let f = field(rng.random_range(200..20_000));
                if grow {
                    h.insert(&f, b"v", limits);
                } else {
                    h.remove(&f);
                }
            }
            if cursor == 0 {
                break;
            }
            assert!(calls < 100_000, "scan does not finish");
        }
        for n in 0..200 {
            assert!(seen.contains(&field(n)), "round {round}: field {n} never returned");
        }
        check_table(&h);
    }
}

#[test]
fn table_scan_stops_at_count_elements() {
    let limits = Limits { entries: 0, value: 64 };
    let mut h = Hash::new();
    for n in 0..1000 {
        h.insert(&field(n), b"v", limits);
    }
    let mut got = 0;
    let cursor = h.scan(0, 10, |_, _| got += 1);
    assert_ne!(cursor, 0);
    // Five pairs are ten reply elements; a bucket may hold a few more.
    assert!((5..20).contains(&got), "{got}");
}

#[test]
fn random_distinct_is_a_uniform_subset_in_listpack_order() {
    let mut rng = StdRng::seed_from_u64(5);
    for limits in [DEFAULT, Limits { entries: 0, value: 64 }] {
        let mut h = Hash::new();
        for n in 0..30 {
            h.insert(&field(n), b"v", limits);
        }
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        let mut hits = vec![0usize; 30];
        for count in [1, 5, 9, 10, 11, 29] {
            for _ in 0..300 {
                let got = h.random_distinct(count, &mut rng);
                assert_eq!(got.len(), count);
                let unique: HashSet<&[u8]> = got.iter().map(|(f, _)| *f).collect();
                assert_eq!(unique.len(), count);
                let positions: Vec<usize> =
                    got.iter().map(|(f, _)| order.iter().position(|o| o == f).unwrap()).collect();
                if limits == DEFAULT {
                    assert!(positions.windows(2).all(|w| w[0] < w[1]), "listpack order kept");
                }
                positions.iter().for_each(|&p| hits[p] += 1);
            }
        }
        assert!(hits.iter().all(|&n| n > 200), "{hits:?}");
        assert_eq!(h.random_distinct(30, &mut rng).len(), 30);
        assert_eq!(h.random_distinct(1000, &mut rng), h.iter().collect::<Vec<_>>());
    }
}

#[test]
fn random_pairs_repeat_and_cover_every_field() {
    let mut rng = StdRng::seed_from_u64(9);
    for limits in [DEFAULT, Limits { entries: 0, value: 64 }] {
        let mut h = Hash::new();
        for n in 0..10 {
            h.insert(&field(n), &field(n + 100), limits);
        }
        let got = h.random_pairs(10_000, &mut rng);
        assert_eq!(got.len(), 10_000);
        let mut hits = BTreeMap::new();
        for (f, v) in got {
            assert_eq!(h.get(f), Some(v));
            *hits.entry(f.to_vec()).or_insert(0) += 1;
        }
        assert_eq!(hits.len(), 10);
        assert!(hits.values().all(|&n| (800..1200).contains(&n)), "{hits:?}");
    }
    assert!(Hash::new().random_pairs(5, &mut rng).is_empty());
}

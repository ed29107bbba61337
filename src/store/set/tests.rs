//! Unit tests of the set encodings, randomized against a model.
use super::*;
use rand::SeedableRng;
use std::collections::BTreeSet;

fn members(s: &Set) -> BTreeSet<Vec<u8>> {
    s.iter().map(Member::to_vec).collect()
}

/// Is `s` in the encoding Redis 7.0 would report for `model`, and are its internal
/// invariants intact?
fn check(s: &Set, model: &BTreeSet<Vec<u8>>) {
    assert_eq!(s.len(), model.len());
    assert_eq!(&members(s), model);
    if let Repr::Table(t) = &s.repr {
        assert_eq!(t.next.len(), t.members.len());
        for (i, m) in t.members.iter().enumerate() {
            assert_eq!(t.find(m), Some(i as u32));
        }
    }
    if s.ints().is_some() {
        let ints: Vec<i64> = s.iter().filter_map(Member::as_int).collect();
        assert!(ints.windows(2).all(|w| w[0] < w[1]), "intset not sorted");
    }
}

/// The intset's width and whether it is inline.
fn layout(s: &Set) -> (usize, bool) {
    match &s.repr {
        Repr::IntsInline { width, .. } => (usize::from(*width), true),
        Repr::Ints { width, .. } => (usize::from(*width), false),
        _ => panic!("not an intset"),
    }
}

#[test]
fn widths() {
    for (v, w) in [(0, 1), (127, 1), (-128, 1), (128, 2), (-129, 2), (32767, 2), (8_388_607, 3), (-8_388_609, 4)] {
        assert_eq!(width_of(v), w, "{v}");
    }
    assert_eq!(width_of(i64::MAX), 8);
    assert_eq!(width_of(i64::MIN), 8);
    assert_eq!(width_of(1 << 40), 6);
}

#[test]
fn intset_widths_and_order() {
    let mut s = Set::new();
    for v in ["5", "-3", "40000", "-9223372036854775808", "9223372036854775807", "0"] {
        assert!(s.insert(v.as_bytes(), 512));
    }
    assert!(!s.insert(b"5", 512));
    assert_eq!(layout(&s), (8, false));
    assert_eq!(s.encoding(), "intset");
    let got: Vec<Vec<u8>> = s.iter().map(Member::to_vec).collect();
    let want = ["-9223372036854775808", "-3", "0", "5", "40000", "9223372036854775807"];
    assert_eq!(got, want.map(|w| w.as_bytes().to_vec()));
    assert!(s.contains(b"40000") && !s.contains(b"040000") && !s.contains(b"x"));
    assert!(s.contains_member(Member::Int(-3)) && !s.contains_member(Member::Int(4)));
    assert!(s.contains_member(Member::Str(b"0")) && !s.contains_member(Member::Str(b"-0")));
    assert!(s.remove(b"-3") && !s.remove(b"-3") && !s.remove(b"x"));
    // As many 16-bit values as fit stay inline; one more moves to the heap, and
    // removals that fit again come back inline.
    let fit = (INLINE_BYTES / 2) as i64;
    let mut small = Set::new();
    for v in (0..fit).rev() {
        assert!(small.insert((v * 300).to_string().as_bytes(), 512));
    }
    assert_eq!(layout(&small), (2, true));
    assert!(small.insert(b"-1", 512));
    assert_eq!(layout(&small), (2, false));
    let want: Vec<i64> = std::iter::once(-1).chain((0..fit).map(|v| v * 300)).collect();
    assert_eq!(small.iter().filter_map(Member::as_int).collect::<Vec<_>>(), want);
    assert!(small.remove(b"300"));
    assert_eq!(layout(&small), (2, true));
    // Widening keeps the order.
    assert!(small.insert(b"-8388609", 512));
    assert_eq!(layout(&small), (4, false));
    assert_eq!(small.iter().next(), Some(Member::Int(-8_388_609)));
    assert_eq!(small.len(), fit as usize + 1);
}

#[test]
fn non_canonical_integers_are_strings() {
    for m in ["01", "-0", "+1", " 1", "1 ", "9223372036854775808", ""] {
        let mut s = Set::new();
        s.insert(m.as_bytes(), 512);
        assert_eq!(s.encoding(), "hashtable", "{m:?}");
        assert!(s.contains(m.as_bytes()));
    }
}

#[test]
fn conversions_follow_set_max_intset_entries() {
    let mut s = Set::new();
    assert!(s.insert(b"1", 0));
    assert_eq!(s.encoding(), "hashtable");
    let mut s = Set::new();
    for i in 0..512 {
        s.insert(i.to_string().as_bytes(), 512);
    }
    assert_eq!(s.encoding(), "intset");
    s.insert(b"511", 512);
    assert_eq!(s.encoding(), "intset");
    s.insert(b"512", 512);
    assert!(matches!(s.repr, Repr::Table(_)));
    // Never back, even when emptied down to integers.
    for i in 0..500 {
        s.remove(i.to_string().as_bytes());
    }
    assert_eq!(s.encoding(), "hashtable");
    // Small sets with a string go packed; long members go straight to a table.
    let mut p = Set::new();
    p.insert(b"1", 512);
    p.insert(b"a", 512);
    assert!(matches!(p.repr, Repr::Packed { len: 2, .. }));
    p.insert(&[b'x'; 65], 512);
    assert!(matches!(p.repr, Repr::Table(_)));
    assert!(p.contains(b"1") && p.contains(b"a") && p.contains(&[b'x'; 65]));
}

#[test]
fn randomized_against_a_model() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..40 {
        let max_intset = [0, 1, 4, 16, 512][round % 5];
        let universe = [3, 20, 150, 700][round % 4];
        let strings = round % 3 != 0;
        let mut s = Set::new();
        let mut model = BTreeSet::new();
        for _ in 0..2000 {
            let k = rng.random_range(0..universe);
            let m = if strings && rng.random_bool(0.1) {
                format!("m{k}{}", "y".repeat(k % 70)).into_bytes()
            } else {
                let k = k as i64;
                // Values of one, three or four, and six to eight bytes.
                [k - 10, k * 100_003 - 5_000_000, (k - 300) << 40][(round / 4) % 3].to_string().into_bytes()
            };
            match rng.random_range(0..10) {
                0..=4 => assert_eq!(s.insert(&m, max_intset), model.insert(m.clone())),
                5..=6 => assert_eq!(s.remove(&m), model.remove(&m)),
                7 => assert_eq!(s.contains(&m), model.contains(&m)),
                8 => {
                    if let Some(p) = s.pop_random(&mut rng) {
                        assert!(model.remove(&p));
                    }
                }
                _ => {
                    let n = rng.random_range(0..5);
                    for p in s.pop_many(n, &mut rng) {
                        assert!(model.remove(&p));
                    }
                }
            }
            check(&s, &model);
        }
    }
}

#[test]
fn random_picks() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    for n in [5usize, 100, 300] {
        let mut s = Set::new();
        for i in 0..n {
            s.insert(format!("m{i}").as_bytes(), 512);
        }
        let mut counts = vec![0usize; n];
        for m in s.random_with_repeats(n * 200, &mut rng) {
            let i: usize = m.with_bytes(|b| std::str::from_utf8(&b[1..]).unwrap().parse().unwrap());
            counts[i] += 1;
        }
        assert!(counts.iter().all(|&c| c > 100 && c < 300), "{counts:?}");
        for count in [0, 1, n / 4, n / 2, n - 1, n, n + 5] {
            let got = s.random_distinct(count, &mut rng);
            let distinct: BTreeSet<Vec<u8>> = got.iter().map(|m| m.to_vec()).collect();
            assert_eq!(got.len(), count.min(n));
            assert_eq!(distinct.len(), got.len());
            assert!(distinct.iter().all(|m| s.contains(m)));
        }
    }
}

#[test]
fn scan_returns_stable_members_across_growth_and_shrink() {
    let mut s = Set::new();
    let stable: Vec<String> = (0..300).map(|i| format!("stable{i}")).collect();
    for m in &stable {
        s.insert(m.as_bytes(), 512);
    }
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        cursor = s.scan(cursor, 3, |m| {
            seen.insert(m.to_vec());
        });
        step += 1;
        if step == 10 {
            for i in 0..5000 {
                s.insert(format!("tmp{i}").as_bytes(), 512);
            }
        }
        if step == 500 {
            for i in 0..5000 {
                s.remove(format!("tmp{i}").as_bytes());
            }
        }
        if cursor == 0 {
            break;
        }
    }
    assert!(stable.iter().all(|m| seen.contains(m.as_bytes())));
    // Compact encodings answer everything at once.
    let mut ints = Set::new();
    (0..50).for_each(|i| {
        ints.insert(i.to_string().as_bytes(), 512);
    });
    let mut n = 0;
    assert_eq!(ints.scan(17, 1, |_| n += 1), 0);
    assert_eq!(n, 50);
}

#[test]
fn repr_is_small() {
    assert_eq!(std::mem::size_of::<Set>(), (INLINE_BYTES + 3).next_multiple_of(8));
    // Ten 32-bit members fit inline: no allocation beyond the key's own.
    let mut s = Set::new();
    for i in 0..10 {
        s.insert((i * 100_000_007).to_string().as_bytes(), 512);
    }
    assert_eq!(layout(&s), (4, true));
}

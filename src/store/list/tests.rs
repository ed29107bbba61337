//! Unit tests of the list encoding, including a randomized comparison with a VecDeque.
use super::*;
use rand::{Rng, SeedableRng};

impl List {
    /// Checks every invariant the module header states.
    fn check(&self) {
        let mut total = 0;
        for c in &self.chunks {
            assert!(c.count > 0, "empty chunk");
            assert_eq!(c.spans().count(), c.count as usize, "chunk count");
            assert!(c.data.len() <= CHUNK_BYTES || c.count == 1, "oversized chunk of {} elements", c.count);
            total += c.count as usize;
        }
        assert_eq!(total, self.len);
    }

    fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }
}

fn list_of(items: &[&str]) -> List {
    items.iter().map(|s| s.as_bytes()).collect()
}

fn strings(l: &List) -> Vec<String> {
    l.iter().map(|e| String::from_utf8_lossy(e).into_owned()).collect()
}

#[test]
fn elements_of_every_length_class_round_trip() {
    let mut l = List::new();
    let lens = [0, 1, 127, 128, 300, 16_383, 16_384, 100_000];
    for &n in &lens {
        l.push_back(&vec![b'x'; n]);
        l.push_front(&vec![b'y'; n]);
    }
    l.check();
    for &n in lens.iter().rev() {
        assert_eq!(l.pop_back().map(|v| v.len()), Some(n));
    }
    for &n in lens.iter().rev() {
        assert_eq!(l.pop_front().map(|v| v.len()), Some(n));
    }
    assert!(l.is_empty());
    assert_eq!(l.pop_front(), None);
    assert_eq!(l.pop_back(), None);
}

#[test]
fn an_element_costs_what_a_listpack_entry_costs() {
    assert_eq!(encoded_len(10), 12);
    assert_eq!(encoded_len(0), 2);
    assert_eq!(encoded_len(200), 204);
}

#[test]
fn a_small_list_is_one_chunk_in_one_slot() {
    let mut l = List::new();
    for i in 0..10 {
        l.push_back(format!("value-{i:04}").as_bytes());
    }
    assert_eq!(l.chunk_count(), 1);
    // One 32-byte chunk header and 120 bytes of elements in a 128-byte buffer.
    assert_eq!(l.heap_size(), std::mem::size_of::<Chunk>() + 128);
    assert!(std::mem::size_of::<List>() <= 40);
}

#[test]
fn chunks_fill_to_eight_kib() {
    let mut l = List::new();
    for i in 0..1000 {
        l.push_back(format!("{i:0100}").as_bytes());
    }
    l.check();
    // 104 bytes each, 78 to a chunk.
    assert_eq!(l.chunk_count(), 1000_usize.div_ceil(CHUNK_BYTES / 104));
    assert!(l.chunks.iter().all(|c| c.data.capacity() <= CHUNK_BYTES));
    assert_eq!(l.get(500).map(<[u8]>::to_vec), Some(format!("{:0100}", 500).into_bytes()));
    let mut r = List::new();
    for i in 0..1000 {
        r.push_front(format!("{i:0100}").as_bytes());
    }
    r.check();
    assert_eq!(r.chunk_count(), l.chunk_count());
}

#[test]
fn get_set_and_ranges_skip_whole_chunks() {
    let mut l: List = (0..5000).map(|i| i.to_string()).collect::<Vec<_>>().iter().map(|s| s.as_bytes()).collect();
    l.check();
    assert!(l.chunk_count() > 1);
    assert_eq!(l.get(0), Some(&b"0"[..]));
    assert_eq!(l.get(4999), Some(&b"4999"[..]));
    assert_eq!(l.get(5000), None);
    assert!(l.set(2500, b"changed"));
    assert!(!l.set(5000, b"x"));
    assert_eq!(l.get(2500), Some(&b"changed"[..]));
    let r: Vec<&[u8]> = l.range(2499, 2501).collect();
    assert_eq!(r, vec![&b"2499"[..], b"changed", b"2501"]);
    assert_eq!(l.range(10, 9).count(), 0);
    assert_eq!(l.range(4998, 4999).rev().collect::<Vec<_>>(), vec![&b"4999"[..], b"4998"]);
    // A value larger than a chunk splits its chunk and lives alone.
    assert!(l.set(100, &vec![b'z'; 20_000]));
    l.check();
    assert_eq!(l.get(100).map(<[u8]>::len), Some(20_000));
    assert_eq!(l.get(101), Some(&b"101"[..]));
}

#[test]
fn insert_before_and_after_the_first_match() {
    let mut l = list_of(&["a", "b", "a"]);
    assert!(l.insert(b"a", b"x", false));
    assert!(l.insert(b"a", b"y", true));
    assert!(!l.insert(b"zz", b"q", true));
    assert_eq!(strings(&l), ["x", "a", "y", "b", "a"]);
    l.check();
}

#[test]
fn remove_by_count_and_direction() {
    let mut l = list_of(&["a", "b", "a", "c", "a"]);
    assert_eq!(l.remove(b"a", 2, true), 2);
    assert_eq!(strings(&l), ["a", "b", "c"]);
    assert_eq!(l.remove(b"a", 0, false), 1);
    assert_eq!(l.remove(b"zz", 0, false), 0);
    assert_eq!(strings(&l), ["b", "c"]);
    assert_eq!(l.remove(b"b", 1, false), 1);
    assert_eq!(l.remove(b"c", 1, false), 1);
    assert!(l.is_empty());
    assert_eq!(l.chunk_count(), 0);
}

#[test]
fn trim_and_drain() {
    let mut l = list_of(&["a", "b", "c", "d", "e"]);
    l.trim(1, 3);
    assert_eq!(strings(&l), ["b", "c", "d"]);
    let mut seen = Vec::new();
    assert_eq!(l.drain_back(5, |v| seen.push(v.to_vec())), 3);
    assert_eq!(seen, [b"d".to_vec(), b"c".to_vec(), b"b".to_vec()]);
    assert!(l.is_empty());
}

#[test]
fn positions_by_rank_count_and_maxlen() {
    let l = list_of(&["a", "x", "a", "x", "a"]);
    assert_eq!(l.positions(b"a", 1, 1, 0), [0]);
    assert_eq!(l.positions(b"a", 2, 0, 0), [2, 4]);
    assert_eq!(l.positions(b"a", -1, 0, 0), [4, 2, 0]);
    assert_eq!(l.positions(b"a", -2, 1, 0), [2]);
    assert_eq!(l.positions(b"a", i64::MIN, 0, 0), [4, 2, 0]);
    assert_eq!(l.positions(b"a", i64::MAX, 0, 0), Vec::<usize>::new());
    assert_eq!(l.positions(b"a", 1, 0, 3), [0, 2]);
    assert_eq!(l.positions(b"a", -1, 0, 2), [4]);
    assert_eq!(l.positions(b"q", 1, 0, 0), Vec::<usize>::new());
}

/// A random element: mostly a few short values (so searches match), sometimes
/// long ones, now and then one larger than a chunk.
fn random_value(rng: &mut impl Rng) -> Vec<u8> {
    match rng.random_range(0..100) {
        0 => vec![b'L'; rng.random_range(CHUNK_BYTES - 10..CHUNK_BYTES + 3000)],
        1..=10 => vec![b'm'; rng.random_range(100..2000)],
        11..=15 => Vec::new(),
        _ => vec![b'a' + rng.random_range(0..4u8)],
    }
}

#[test]
fn random_operations_match_a_vecdeque() {
    let mut most_chunks = 0;
    for seed in 0..12 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut list = List::new();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for step in 0..3000 {
            let len = model.len();
            // Pushes weigh double, so the list grows across many chunks.
            let op = rng.random_range(0..19);
            match if op >= 15 { op - 15 } else { op } {
                0 | 1 => {
                    let v = random_value(&mut rng);
                    list.push_front(&v);
                    model.push_front(v);
                }
                2 | 3 => {
                    let v = random_value(&mut rng);
                    list.push_back(&v);
                    model.push_back(v);
                }
                4 => assert_eq!(list.pop_front(), model.pop_front()),
                5 => assert_eq!(list.pop_back(), model.pop_back()),
                6 => {
                    let n = rng.random_range(0..40);
                    let mut got = Vec::new();
                    let removed = if rng.random() {
                        list.drain_front(n, |v| got.push(v.to_vec()))
                    } else {
                        let r = list.drain_back(n, |v| got.push(v.to_vec()));
                        model.make_contiguous().reverse();
                        let want: Vec<Vec<u8>> = model.drain(..r).collect();
                        model.make_contiguous().reverse();
                        assert_eq!(got, want);
                        got.clear();
                        r
                    };
                    let want: Vec<Vec<u8>> = model.drain(..got.len()).collect();
                    assert_eq!(got, want);
                    assert_eq!(removed, n.min(len));
                }
                7 if len > 0 => {
                    let i = rng.random_range(0..len);
                    let v = random_value(&mut rng);
                    assert!(list.set(i, &v));
                    model[i] = v;
                }
                8 => {
                    let pivot = random_value(&mut rng);
                    let v = random_value(&mut rng);
                    let after = rng.random();
                    let pos = model.iter().position(|e| *e == pivot);
                    assert_eq!(list.insert(&pivot, &v, after), pos.is_some());
                    if let Some(p) = pos {
                        model.insert(if after { p + 1 } else { p }, v);
                    }
                }
                9 => {
                    let v = random_value(&mut rng);
                    let limit = rng.random_range(0..4);
                    let from_tail = rng.random();
                    let removed = list.remove(&v, limit, from_tail);
                    let want = if limit == 0 { usize::MAX } else { limit };
                    let mut n = 0;
                    let mut kept: Vec<Vec<u8>> = Vec::new();
                    let items: Vec<Vec<u8>> = model.drain(..).collect();
                    let ordered: Vec<Vec<u8>> = if from_tail { items.into_iter().rev().collect() } else { items };
                    for e in ordered {
                        if e == v && n < want {
                            n += 1;
                        } else {
                            kept.push(e);
                        }
                    }
                    if from_tail {
                        kept.reverse();
                    }
                    model = kept.into();
                    assert_eq!(removed, n);
                }
                10 if len > 0 => {
                    let a = rng.random_range(0..=len / 8);
                    let b = rng.random_range(len - 1 - len / 8..len).max(a);
                    list.trim(a, b);
                    model = model.drain(a..=b).collect();
                }
                11 => {
                    let v = random_value(&mut rng);
                    let rank = [1, 2, -1, -3, i64::MIN][rng.random_range(0..5)];
                    let count = rng.random_range(0..3);
                    let maxlen = rng.random_range(0..len + 2);
                    let mut idx: Vec<usize> = (0..len).collect();
                    let limit = if maxlen == 0 { len } else { maxlen.min(len) };
                    if rank < 0 {
                        idx.reverse();
                    }
                    let skip = if rank == i64::MIN { 0 } else { rank.unsigned_abs() as usize - 1 };
                    let mut want: Vec<usize> =
                        idx[..limit].iter().copied().filter(|&i| model[i] == v).skip(skip).collect();
                    if count > 0 {
                        want.truncate(count);
                    }
                    assert_eq!(list.positions(&v, rank, count, maxlen), want);
                }
                12 if len > 0 => {
                    let a = rng.random_range(0..len);
                    let b = rng.random_range(a..len);
                    let got: Vec<&[u8]> = list.range(a, b).collect();
                    let want: Vec<&[u8]> = model.range(a..=b).map(|v| &v[..]).collect();
                    assert_eq!(got, want);
                    let back: Vec<&[u8]> = list.range(a, b).rev().collect();
                    assert_eq!(back, want.into_iter().rev().collect::<Vec<_>>());
                }
                13 if len > 0 => {
                    let i = rng.random_range(0..len);
                    assert_eq!(list.get(i), Some(&model[i][..]));
                    assert_eq!(list.get(len), None);
                }
                _ => {
                    // Walk from both ends at once and meet in the middle.
                    let mut it = list.iter();
                    let mut front = Vec::new();
                    let mut back = Vec::new();
                    while let Some(v) = if rng.random() {
                        it.next().inspect(|v| front.push(v.to_vec()))
                    } else {
                        it.next_back().inspect(|v| back.push(v.to_vec()))
                    } {
                        let _ = v;
                    }
                    back.reverse();
                    front.extend(back);
                    assert_eq!(front, Vec::from(model.clone()));
                }
            }
            list.check();
            assert_eq!(list.len(), model.len(), "seed {seed} step {step}");
            most_chunks = most_chunks.max(list.chunk_count());
        }
        assert_eq!(list.to_vec(), Vec::from(model));
    }
    // The walk must have exercised many chunks, not one.
    assert!(most_chunks >= 5, "at most {most_chunks} chunks");
}

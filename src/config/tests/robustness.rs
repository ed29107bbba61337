//! No input panics: random configuration text, random CONFIG SET values for every
//! parameter, random CONFIG GET patterns. Deterministic (a fixed xorshift seed).

use super::super::table::all;
use super::super::Config;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PIECES: &[&[u8]] = &[
    b" ",
    b"  ",
    b"\t",
    b"\"",
    b"'",
    b"\\",
    b"\\x",
    b"\\xf",
    b"\\xff",
    b"\n",
    b"\r",
    b"#",
    b"0",
    b"-1",
    b"1k",
    b"99999999999999999999999",
    b"yes",
    b"no",
    b"%",
    b"{",
    b"}",
    b"{title}",
    b"save",
    b"include",
    b"port",
    b"dir",
    b"bind",
    b"/",
    b"..",
    b"*",
    b"[",
    b"?",
    b"\0",
    b"\xc3",
    b"\xff",
    b"normal",
    b"1e400",
    b"0x",
    b".",
    b"KEA",
    b"now",
    b"nosave",
    b"sentinel",
    b"a.b",
];

fn random_bytes(rng: &mut Rng, pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..(rng.next() % pieces as u64) {
        out.extend_from_slice(rng.pick(PIECES));
    }
    out
}

#[test]
fn random_conf_text_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let names: Vec<&'static str> = all().map(|p| p.name).collect();
    for _ in 0..3000 {
        let mut text = Vec::new();
        for _ in 0..(rng.next() % 4) {
            let name = names[(rng.next() % names.len() as u64) as usize];
            text.extend_from_slice(name.as_bytes());
            text.push(b' ');
            text.extend(random_bytes(&mut rng, 6));
            text.push(b'\n');
        }
        text.extend(random_bytes(&mut rng, 8));
        let text = String::from_utf8_lossy(&text).into_owned();
        // Keep `include` and `dir` away from the real file system's root.
        if text.contains("include") || text.contains("dir") || text.contains("logfile") {
            continue;
        }
        let mut c = Config::default();
        let _ = c.apply_conf_text(&text, "fuzz");
    }
}

#[test]
fn random_config_set_and_get_never_panic() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut c = Config::default();
    for param in all() {
        for _ in 0..60 {
            let value = random_bytes(&mut rng, 5);
            let _ = c.set(&[(param.name.as_bytes(), &value)]);
            let _ = c.get(&[&value]);
        }
    }
    // Every parameter still prints.
    assert_eq!(all().count(), 178);
    for param in all() {
        assert!(c.get_one(param.name).is_some(), "{}", param.name);
    }
}

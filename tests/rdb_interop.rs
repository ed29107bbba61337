//! The RDB codec against the real Redis 7.0.15 installed on the machine (`/usr/bin`):
//! files we write must pass `redis-check-rdb` and load into `redis-server` with every value
//! and expiry intact; files and DUMP payloads Redis writes must decode to what we stored;
//! DUMP payloads we encode must RESTORE into Redis.
//!
//! Must not: pass when the Redis binaries are missing (every test asserts they exist), or
//! leave a server behind (the `RedisServer` guard kills its process on drop, panics included).

mod rdb_support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ferrokv::persist::rdb::encode::*;
use ferrokv::persist::rdb::{decode_dump_payload, types};
use rdb_support::{decode_all, Canon};

const REDIS_SERVER: &str = "/usr/bin/redis-server";
const REDIS_CHECK_RDB: &str = "/usr/bin/redis-check-rdb";

fn require(bin: &str) {
    assert!(Path::new(bin).exists(), "{bin} is missing: install redis-server 7.0 (apt-get install redis-server)");
}

/// A redis-server child process, killed by PID when dropped.
struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts redis-server in `dir`, loading `dbfilename` if it exists, on a free port.
    fn start(dir: &Path, dbfilename: &str) -> RedisServer {
        require(REDIS_SERVER);
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(REDIS_SERVER)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
            .arg(dir)
            .args(["--dbfilename", dbfilename, "--save", "", "--appendonly", "no", "--logfile"])
            .arg(dir.join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let server = RedisServer { child, port, dir: dir.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = server.try_client() {
                // LOADING replies mean the file is still being read.
                if c.call(&[b"PING"]) == Reply::Simple("PONG".into()) {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not start; log:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }

    fn try_client(&self) -> std::io::Result<Client> {
        let s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Client { r: BufReader::new(s.try_clone()?), w: s })
    }

    fn client(&self) -> Client {
        self.try_client().expect("connect to redis-server")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    fn bulk(self) -> Vec<u8> {
        match self {
            Reply::Bulk(Some(b)) => b,
            other => panic!("expected a bulk string, got {other:?}"),
        }
    }
    fn int(self) -> i64 {
        match self {
            Reply::Int(i) => i,
            other => panic!("expected an integer, got {other:?}"),
        }
    }
    fn bulks(self) -> Vec<Vec<u8>> {
        match self {
            Reply::Array(Some(v)) => v.into_iter().map(Reply::bulk).collect(),
            other => panic!("expected an array, got {other:?}"),
        }
    }
}

/// A minimal blocking RESP2 client.
struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.as_ref().len()).as_bytes());
            req.extend_from_slice(a.as_ref());
            req.extend_from_slice(b"\r\n");
        }
        self.w.write_all(&req).expect("write");
        self.read()
    }

    fn ok<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        match self.call(args) {
            Reply::Simple(_) | Reply::Int(_) => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(args[0].as_ref())),
        }
    }

    fn read(&mut self) -> Reply {
        let mut line = Vec::new();
        self.r.read_until(b'\n', &mut line).expect("read");
        assert!(line.ends_with(b"\r\n"), "bad reply line {line:?}");
        let text = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
        match line[0] {
            b'+' => Reply::Simple(text),
            b'-' => Reply::Error(text),
            b':' => Reply::Int(text.parse().unwrap()),
            b'$' => {
                let n: i64 = text.parse().unwrap();
                if n < 0 {
                    return Reply::Bulk(None);
                }
                let mut buf = vec![0; n as usize + 2];
                self.r.read_exact(&mut buf).expect("read bulk");
                buf.truncate(n as usize);
                Reply::Bulk(Some(buf))
            }
            b'*' => {
                let n: i64 = text.parse().unwrap();
                if n < 0 {
                    return Reply::Array(None);
                }
                Reply::Array(Some((0..n).map(|_| self.read()).collect()))
            }
            other => panic!("bad reply type {other}"),
        }
    }

    /// The value of `key` in the current db as a canonical value, by type.
    fn value(&mut self, key: &[u8]) -> Canon {
        let t = match self.call(&[&b"TYPE"[..], key]) {
            Reply::Simple(t) => t,
            other => panic!("TYPE: {other:?}"),
        };
        match t.as_str() {
            "string" => Canon::Str(self.call(&[&b"GET"[..], key]).bulk()),
            "list" => Canon::List(self.call(&[&b"LRANGE"[..], key, b"0", b"-1"]).bulks()),
            "set" => {
                let mut m = self.call(&[&b"SMEMBERS"[..], key]).bulks();
                m.sort();
                Canon::Set(m)
            }
            "hash" => {
                let flat = self.call(&[&b"HGETALL"[..], key]).bulks();
                let mut h: Vec<_> = flat.chunks(2).map(|p| (p[0].clone(), p[1].clone(), None)).collect();
                h.sort_by(|a, b| a.0.cmp(&b.0));
                Canon::Hash(h)
            }
            "zset" => {
                let flat = self.call(&[&b"ZRANGE"[..], key, b"0", b"-1", b"WITHSCORES"]).bulks();
                let mut z: Vec<_> = flat
                    .chunks(2)
                    .map(|p| (p[0].clone(), String::from_utf8_lossy(&p[1]).parse::<f64>().unwrap()))
                    .collect();
                z.sort_by(|a, b| a.0.cmp(&b.0));
                Canon::ZSet(z)
            }
            other => panic!("key {:?} has type {other}", String::from_utf8_lossy(key)),
        }
    }
}

/// What a key written through Redis must decode to: value, expiry, RDB type code.
type Expected = (Canon, Option<i64>, u8);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// One key we write: db, name, type code, payload writer input, expiry.
struct Spec {
    db: u64,
    key: Vec<u8>,
    expire_ms: Option<i64>,
    value: Canon,
    /// How to write it.
    form: Form,
}

/// The encoding to write a value with.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    Str,
    Quicklist,
    Intset,
    SetPlain,
    HashListpack,
    HashPlain,
    ZSet2,
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn spec(db: u64, key: &[u8], form: Form, value: Canon) -> Spec {
    Spec { db, key: key.to_vec(), expire_ms: None, value, form }
}

/// Text of `n` bytes that compresses but is not trivially repetitive.
fn text(n: usize, seed: u64) -> Vec<u8> {
    let words = ["alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta ", "eta ", "theta "];
    let mut s = seed;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        out.extend_from_slice(words[(s >> 61) as usize].as_bytes());
        if (s >> 40).is_multiple_of(7) {
            out.extend_from_slice(format!("{} ", s % 100_000).as_bytes());
        }
    }
    out.truncate(n);
    out
}

/// Everything we write: every type and encoding our writer produces.
fn specs(now: i64) -> Vec<Spec> {
    let mut v = Vec::new();
    let s = |db, k: &str, val: Vec<u8>| spec(db, k.as_bytes(), Form::Str, Canon::Str(val));
    v.push(s(0, "str:plain", b("hello")));
    v.push(s(0, "str:empty", b("")));
    v.push(spec(0, b"", Form::Str, Canon::Str(b("the empty key"))));
    v.push(s(0, "str:binary", b"\x00\xff\r\n\x01bin".to_vec()));
    v.push(s(0, "str:lzf", text(1000, 1)));
    v.push(s(0, "str:big1mb", text(1 << 20, 2)));
    let noise: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    v.push(s(0, "str:noise", noise));
    for n in [
        "0",
        "-1",
        "127",
        "128",
        "-128",
        "-129",
        "32767",
        "32768",
        "-32769",
        "2147483647",
        "-2147483648",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "-0",
        "007",
        "+1",
        "1.5",
    ] {
        v.push(s(0, &format!("str:int:{n}"), b(n)));
    }
    let list = |k: &str, items: Vec<Vec<u8>>| spec(0, k.as_bytes(), Form::Quicklist, Canon::List(items));
    v.push(list("list:small", vec![b("a"), b("b"), b("1"), b("-5"), b(""), b("70000"), b("-9000000000")]));
    v.push(list("list:large", (0..5000).map(|i| format!("element-{i}").into_bytes()).collect()));
    v.push(list("list:bigelem", vec![b("x"), vec![b'B'; 20_000], b("y")]));
    v.push(list("list:exact8k", (0..2000).map(|i| format!("{}", i * 1000).into_bytes()).collect()));
    let set = |k: &str, form, mut items: Vec<Vec<u8>>| {
        items.sort();
        spec(0, k.as_bytes(), form, Canon::Set(items))
    };
    v.push(set("set:intset:16", Form::Intset, vec![b("-5"), b("1"), b("2"), b("32767")]));
    v.push(set("set:intset:32", Form::Intset, vec![b("-70000"), b("1"), b("2147483647")]));
    v.push(set("set:intset:64", Form::Intset, vec![b("-9223372036854775808"), b("0"), b("1099511627776")]));
    v.push(set("set:plain", Form::SetPlain, vec![b("x"), b("y"), b("007"), b("7"), b(""), b"\x00\xff".to_vec()]));
    v.push(set("set:plain:large", Form::SetPlain, (0..700).map(|i| format!("member{i}").into_bytes()).collect()));
    let hash = |k: &str, form, mut items: Vec<(Vec<u8>, Vec<u8>, Option<u64>)>| {
        items.sort_by(|a, b| a.0.cmp(&b.0));
        spec(0, k.as_bytes(), form, Canon::Hash(items))
    };
    v.push(hash(
        "hash:listpack",
        Form::HashListpack,
        vec![(b("f"), b("v"), None), (b("n"), b("1"), None), (b(""), b(""), None), (b("big"), vec![b'v'; 100], None)],
    ));
    v.push(hash(
        "hash:plain",
        Form::HashPlain,
        (0..600).map(|i| (format!("field{i}").into_bytes(), format!("{i}").into_bytes(), None)).collect(),
    ));
    let mut z = vec![
        (b("a"), 1.5),
        (b("b"), f64::INFINITY),
        (b("c"), f64::NEG_INFINITY),
        (b("d"), 0.1),
        (b("e"), -2.0),
        (b("42"), 42.0),
    ];
    z.sort_by(|a, b| a.0.cmp(&b.0));
    v.push(spec(0, b"zset:2", Form::ZSet2, Canon::ZSet(z)));
    let mut t = s(0, "ttl:future", b("later"));
    t.expire_ms = Some(now + 3_600_000);
    v.push(t);
    let mut t = list("ttl:future:list", vec![b("a")]);
    t.expire_ms = Some(4102444800000);
    v.push(t);
    let mut t = s(0, "ttl:past", b("gone"));
    t.expire_ms = Some(now - 3_600_000);
    v.push(t);
    v.push(spec(3, b"d3:str", Form::Str, Canon::Str(b("three"))));
    v.push(spec(3, b"", Form::Str, Canon::Str(b("empty key in db 3"))));
    v.push(spec(3, b"d3:set", Form::Intset, Canon::Set(vec![b("1"), b("2")])));
    v.push(spec(15, b"db15:only", Form::Str, Canon::Str(b("fifteen"))));
    v
}

/// Writes the payload of `spec` with our writer.
fn write_value(out: &mut Vec<u8>, spec: &Spec) {
    let code = match spec.form {
        Form::Str => types::STRING,
        Form::Quicklist => types::LIST_QUICKLIST_2,
        Form::Intset => types::SET_INTSET,
        Form::SetPlain => types::SET,
        Form::HashListpack => types::HASH_LISTPACK,
        Form::HashPlain => types::HASH,
        Form::ZSet2 => types::ZSET_2,
    };
    write_key(out, code, &spec.key);
    write_payload(out, spec);
}

/// The value payload of `spec` (no type byte, no key).
fn write_payload(out: &mut Vec<u8>, spec: &Spec) {
    match (&spec.value, spec.form) {
        (Canon::Str(s), Form::Str) => write_string_value(out, s, true),
        (Canon::List(l), Form::Quicklist) => write_list_quicklist2(out, l.iter().map(Vec::as_slice), true),
        (Canon::Set(m), Form::Intset) => {
            let mut ints: Vec<i64> = m.iter().map(|x| std::str::from_utf8(x).unwrap().parse().unwrap()).collect();
            ints.sort();
            write_set_intset(out, &ints, true);
        }
        (Canon::Set(m), Form::SetPlain) => write_set_plain(out, m.len(), m.iter().map(Vec::as_slice), true),
        (Canon::Hash(h), Form::HashListpack) => {
            write_hash_listpack(out, h.iter().map(|(f, v, _)| (f.as_slice(), v.as_slice())), true)
        }
        (Canon::Hash(h), Form::HashPlain) => {
            write_hash_plain(out, h.len(), h.iter().map(|(f, v, _)| (f.as_slice(), v.as_slice())), true)
        }
        (Canon::ZSet(z), Form::ZSet2) => write_zset2(out, z.len(), z.iter().map(|(m, s)| (m.as_slice(), *s)), true),
        _ => unreachable!("spec and form disagree"),
    }
}

/// A whole RDB 10 file holding `specs`.
fn write_file(specs: &[Spec], now: i64) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, 10);
    write_aux(&mut out, b"redis-ver", b"7.0.15");
    write_aux(&mut out, b"redis-bits", b"64");
    write_aux(&mut out, b"ctime", (now / 1000).to_string().as_bytes());
    write_aux(&mut out, b"used-mem", b"1234567");
    write_aux(&mut out, b"aof-base", b"0");
    let mut dbs: BTreeMap<u64, Vec<&Spec>> = BTreeMap::new();
    for s in specs {
        dbs.entry(s.db).or_default().push(s);
    }
    for (db, keys) in dbs {
        write_selectdb(&mut out, db);
        write_resizedb(&mut out, keys.len() as u64, keys.iter().filter(|k| k.expire_ms.is_some()).count() as u64);
        for k in keys {
            if let Some(ms) = k.expire_ms {
                write_expire_ms(&mut out, ms);
            }
            write_value(&mut out, k);
        }
    }
    finish_in_place(&mut out);
    out
}

#[test]
fn our_file_passes_redis_check_rdb_and_loads_in_redis() {
    require(REDIS_CHECK_RDB);
    let now = now_ms();
    let specs = specs(now);
    let data = write_file(&specs, now);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ours.rdb"), &data).unwrap();

    // Our own reader first.
    let d = decode_all(&data);
    assert_eq!(d.keys.len(), specs.len());
    for s in &specs {
        let got = &d.keys[&(s.db, s.key.clone())];
        assert_eq!((&got.value, got.expire_ms), (&s.value, s.expire_ms), "{:?}", String::from_utf8_lossy(&s.key));
    }

    let check = Command::new(REDIS_CHECK_RDB).arg(dir.path().join("ours.rdb")).output().expect("run redis-check-rdb");
    let report = String::from_utf8_lossy(&check.stdout).into_owned() + &String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "redis-check-rdb failed:\n{report}");
    assert!(report.contains("RDB looks OK!"), "{report}");

    let server = RedisServer::start(dir.path(), "ours.rdb");
    let mut c = server.client();
    let t_check = now_ms();
    for db in [0u64, 3, 15] {
        c.ok(&[b("SELECT"), db.to_string().into_bytes()]);
        let live: Vec<&Spec> = specs.iter().filter(|s| s.db == db && s.expire_ms.is_none_or(|e| e > t_check)).collect();
        assert_eq!(c.call(&[b"DBSIZE"]).int(), live.len() as i64, "db {db}; log:\n{}", server.log());
        for s in live {
            assert_eq!(c.value(&s.key), s.value, "db {db} key {:?}", String::from_utf8_lossy(&s.key));
            let pexpiretime = c.call(&[&b"PEXPIRETIME"[..], &s.key]).int();
            assert_eq!(pexpiretime, s.expire_ms.unwrap_or(-1), "{:?}", String::from_utf8_lossy(&s.key));
        }
    }
    c.ok(&[&b"SELECT"[..], b"0"]);
    assert_eq!(c.call(&[&b"EXISTS"[..], b"ttl:past"]).int(), 0, "the past-expiry key must not load");
    // A sanity check that Redis kept our encodings where it could.
    assert_eq!(c.call(&[&b"OBJECT"[..], b"ENCODING", b"set:intset:64"]), Reply::Bulk(Some(b("intset"))));
    assert_eq!(c.call(&[&b"OBJECT"[..], b"ENCODING", b"hash:listpack"]), Reply::Bulk(Some(b("listpack"))));
}

#[test]
fn redis_save_and_dump_decode_and_our_dumps_restore() {
    require(REDIS_SERVER);
    let dir = tempfile::tempdir().unwrap();
    let server = RedisServer::start(dir.path(), "dump.rdb");
    let mut c = server.client();
    let now = now_ms();
    // Commands building each type and encoding Redis 7.0 writes, with the expected values.
    let mut want: BTreeMap<(u64, Vec<u8>), Expected> = BTreeMap::new();
    let mut put = |c: &mut Client, db: u64, key: &str, cmds: Vec<Vec<Vec<u8>>>, value: Canon, ttl, code| {
        c.ok(&[b("SELECT"), db.to_string().into_bytes()]);
        for cmd in cmds {
            c.ok(&cmd);
        }
        want.insert((db, b(key)), (value, ttl, code));
    };
    let cmd = |parts: &[&[u8]]| parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>();
    put(&mut c, 0, "s:raw", vec![cmd(&[b"SET", b"s:raw", b"hello world"])], Canon::Str(b("hello world")), None, 0);
    put(&mut c, 0, "s:int", vec![cmd(&[b"SET", b"s:int", b"-123456"])], Canon::Str(b("-123456")), None, 0);
    put(&mut c, 0, "s:i64", vec![cmd(&[b"SET", b"s:i64", b"123456789012"])], Canon::Str(b("123456789012")), None, 0);
    let long = text(50_000, 9);
    put(&mut c, 0, "s:lzf", vec![cmd(&[b"SET", b"s:lzf", &long])], Canon::Str(long.clone()), None, 0);
    let exp = now + 7_200_000;
    let exps = exp.to_string().into_bytes();
    put(&mut c, 0, "s:ttl", vec![cmd(&[b"SET", b"s:ttl", b"v", b"PXAT", &exps])], Canon::Str(b("v")), Some(exp), 0);
    let small = vec![b("a"), b("1"), b("-4000"), b("70000"), b("-2147483649"), b("")];
    let mut rpush = cmd(&[b"RPUSH", b"l:small"]);
    rpush.extend(small.iter().cloned());
    put(&mut c, 0, "l:small", vec![rpush], Canon::List(small), None, 18);
    let large: Vec<Vec<u8>> = (0..3000).map(|i| format!("item:{i}").into_bytes()).collect();
    let mut rpush = cmd(&[b"RPUSH", b"l:large"]);
    rpush.extend(large.iter().cloned());
    rpush.push(vec![b'Z'; 10_000]);
    let mut large_all = large.clone();
    large_all.push(vec![b'Z'; 10_000]);
    put(&mut c, 0, "l:large", vec![rpush], Canon::List(large_all), None, 18);
    put(
        &mut c,
        0,
        "set:ints",
        vec![cmd(&[b"SADD", b"set:ints", b"3", b"-1", b"100000"])],
        Canon::Set(vec![b("-1"), b("100000"), b("3")]),
        None,
        11,
    );
    put(
        &mut c,
        0,
        "set:strs",
        vec![cmd(&[b"SADD", b"set:strs", b"a", b"b", b"007"])],
        Canon::Set(vec![b("007"), b("a"), b("b")]),
        None,
        2,
    );
    put(
        &mut c,
        0,
        "h:small",
        vec![cmd(&[b"HSET", b"h:small", b"f", b"v", b"n", b"12"])],
        Canon::Hash(vec![(b("f"), b("v"), None), (b("n"), b("12"), None)]),
        None,
        16,
    );
    let mut hset = cmd(&[b"HSET", b"h:large"]);
    let mut fields = Vec::new();
    for i in 0..600 {
        hset.push(format!("f{i:03}").into_bytes());
        hset.push(format!("v{i}").into_bytes());
        fields.push((format!("f{i:03}").into_bytes(), format!("v{i}").into_bytes(), None));
    }
    put(&mut c, 0, "h:large", vec![hset], Canon::Hash(fields), None, 4);
    let zsmall = vec![(b("a"), 1.5), (b("b"), 0.1), (b("c"), f64::INFINITY), (b("d"), -3.0)];
    let mut zadd = cmd(&[b"ZADD", b"z:small"]);
    for (m, s) in &zsmall {
        zadd.push(if s.is_infinite() { b("+inf") } else { s.to_string().into_bytes() });
        zadd.push(m.clone());
    }
    let mut zs = zsmall.clone();
    zs.sort_by(|a, b| a.0.cmp(&b.0));
    put(&mut c, 0, "z:small", vec![zadd], Canon::ZSet(zs), None, 17);
    let mut zadd = cmd(&[b"ZADD", b"z:large"]);
    let mut zl = Vec::new();
    for i in 0..300 {
        zadd.push(format!("{}", f64::from(i) / 7.0).into_bytes());
        zadd.push(format!("m{i:03}").into_bytes());
        zl.push((format!("m{i:03}").into_bytes(), format!("{}", f64::from(i) / 7.0).parse().unwrap()));
    }
    put(&mut c, 0, "z:large", vec![zadd], Canon::ZSet(zl), None, 5);
    put(&mut c, 2, "d2:key", vec![cmd(&[b"SET", b"d2:key", b"two"])], Canon::Str(b("two")), None, 0);
    c.ok(&[&b"SELECT"[..], b"0"]);
    assert_eq!(c.call(&[b"SAVE"]), Reply::Simple("OK".into()));

    let data = std::fs::read(dir.path().join("dump.rdb")).expect("Redis wrote dump.rdb");
    let d = decode_all(&data);
    assert_eq!(d.keys.len(), want.len());
    for (k, (value, ttl, code)) in &want {
        let got = d.keys.get(k).unwrap_or_else(|| panic!("missing {k:?}"));
        assert_eq!((&got.value, got.expire_ms, got.rdb_type), (value, *ttl, *code), "{k:?}");
    }

    // DUMP from Redis decodes to the same values.
    for key in
        ["s:raw", "s:int", "s:lzf", "l:small", "l:large", "set:ints", "set:strs", "h:small", "h:large", "z:small"]
    {
        let payload = c.call(&[b("DUMP"), b(key)]).bulk();
        let (code, value) = decode_dump_payload(&payload).unwrap_or_else(|e| panic!("DUMP {key}: {e}"));
        let (want_value, _, want_code) = &want[&(0, b(key))];
        assert_eq!((code, &Canon::of(&value)), (*want_code, want_value), "DUMP {key}");
    }

    // Our DUMP payloads RESTORE into Redis, for every form we write.
    for s in specs(now).iter().filter(|s| s.db == 0 && s.expire_ms.is_none()) {
        let mut full = Vec::new();
        write_value(&mut full, s);
        let code = full[0];
        let mut payload = Vec::new();
        write_payload(&mut payload, s);
        let dump = encode_dump_payload(code, &payload);
        let mut name = b"restored:".to_vec();
        name.extend_from_slice(&s.key);
        let reply = c.call(&[&b"RESTORE"[..], &name, b"0", &dump]);
        assert_eq!(reply, Reply::Simple("OK".into()), "RESTORE {:?}", String::from_utf8_lossy(&s.key));
        assert_eq!(c.value(&name), s.value, "{:?}", String::from_utf8_lossy(&s.key));
        // And Redis's DUMP of it decodes back to the same value.
        let back = c.call(&[&b"DUMP"[..], &name]).bulk();
        let (_, v) = decode_dump_payload(&back).unwrap();
        assert_eq!(Canon::of(&v), s.value);
    }
    // A corrupt payload of ours is refused by Redis as it is by us.
    let mut bad = encode_dump_payload(types::STRING, b"\x05hello");
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(decode_dump_payload(&bad).unwrap_err().is_version_or_checksum());
    assert_eq!(
        c.call(&[&b"RESTORE"[..], b"bad", b"0", &bad]),
        Reply::Error("ERR DUMP payload version or checksum are wrong".into())
    );
}

//! Our values in RDB form and back: what a snapshot writes for each entry, and the
//! entry a loaded record becomes. The format itself lives in [`super::rdb`].

use super::rdb::{encode, types, Value};
use crate::config::Config;
use crate::store::hash::{Hash, Limits};
use crate::store::list::List;
use crate::store::set::{Member, Set};
use crate::store::{Entry, Object};

/// Appends one entry as Redis 7.0 would save it: the expiry, the type, the key and the
/// value. `compress` allows LZF for long strings (`rdbcompression yes`).
pub fn write_entry(out: &mut Vec<u8>, e: &Entry, compress: bool) {
    if let Some(at) = e.expire() {
        encode::write_expire_ms(out, i64::try_from(at).unwrap_or(i64::MAX));
    }
    write_value(out, e.key(), e, compress);
}

/// Appends the type byte, the key and the value of `e` (no expiry).
fn write_value(out: &mut Vec<u8>, key: &[u8], e: &Entry, compress: bool) {
    match e.object() {
        None | Some(Object::Str(_)) => {
            encode::write_key(out, types::STRING, key);
            encode::write_string(out, e.as_str().unwrap_or_default(), compress);
        }
        Some(obj) => {
            encode::write_key(out, value_type(obj), key);
            write_payload(out, obj, compress);
        }
    }
}

/// The RDB type code Redis 7.0 uses for an object in its current encoding.
fn value_type(obj: &Object) -> u8 {
    match obj {
        Object::Str(_) => types::STRING,
        Object::List(_) => types::LIST_QUICKLIST_2,
        Object::Set(s) if s.encoding() == "intset" => types::SET_INTSET,
        Object::Set(_) => types::SET,
        Object::Hash(h) if h.encoding() == "listpack" => types::HASH_LISTPACK,
        Object::Hash(_) => types::HASH,
    }
}

/// The value's payload for [`value_type`].
fn write_payload(out: &mut Vec<u8>, obj: &Object, compress: bool) {
    match obj {
        Object::Str(s) => encode::write_string(out, s, compress),
        Object::List(l) => encode::write_list_quicklist2(out, l.iter(), compress),
        Object::Set(s) if s.encoding() == "intset" => {
            let ints: Vec<i64> = s.iter().filter_map(member_int).collect();
            encode::write_set_intset(out, &ints, compress);
        }
        Object::Set(s) => {
            encode::write_len(out, s.len() as u64);
            for m in s.iter() {
                m.with_bytes(|b| encode::write_string(out, b, compress));
            }
        }
        Object::Hash(h) if h.encoding() == "listpack" => encode::write_hash_listpack(out, h.iter(), compress),
        Object::Hash(h) => {
            encode::write_len(out, h.len() as u64);
            for (f, v) in h.iter() {
                encode::write_string(out, f, compress);
                encode::write_string(out, v, compress);
            }
        }
    }
}

fn member_int(m: Member) -> Option<i64> {
    match m {
        Member::Int(v) => Some(v),
        Member::Str(s) => crate::numbers::parse_i64(s),
    }
}

/// DUMP's payload for an entry: the value in RDB form, RDB version 10 and the CRC.
pub fn dump_payload(e: &Entry) -> Vec<u8> {
    let mut body = Vec::new();
    let t = match e.object() {
        None | Some(Object::Str(_)) => {
            encode::write_string(&mut body, e.as_str().unwrap_or_default(), true);
            types::STRING
        }
        Some(obj) => {
            write_payload(&mut body, obj, true);
            value_type(obj)
        }
    };
    encode::encode_dump_payload(t, &body)
}

/// Why a record could not become an entry.
#[derive(Debug)]
pub enum Refused {
    /// An empty collection (Redis skips these while loading).
    Empty,
    /// A type this server does not hold (the message names it).
    Unsupported(String),
}

/// The entry a loaded value becomes, encoded as our commands would encode it under the
/// current configuration (set-max-intset-entries, hash-max-listpack-*).
pub fn entry_from(
    key: &[u8],
    value: Value,
    expire: Option<u64>,
    clock: u32,
    config: &Config,
) -> Result<Entry, Refused> {
    let obj = match value {
        Value::Str(s) => return Ok(Entry::new_string(key, &s, expire, clock)),
        Value::List(items) => {
            if items.is_empty() {
                return Err(Refused::Empty);
            }
            let mut l = List::new();
            for i in &items {
                l.push_back(i);
            }
            Object::List(l)
        }
        Value::Set(members) => {
            if members.is_empty() {
                return Err(Refused::Empty);
            }
            let max = usize::try_from(config.set_max_intset_entries).unwrap_or(usize::MAX);
            let mut s = Set::new();
            for m in &members {
                s.insert(m, max);
            }
            Object::Set(s)
        }
        Value::Hash(pairs) => hash_from(pairs.iter().map(|(f, v)| (f.as_slice(), v.as_slice())), config)?,
        Value::HashWithFieldTtl(fields) => {
            if let Some((f, _, Some(at))) = fields.iter().find(|(_, _, t)| t.is_some()) {
                return Err(Refused::Unsupported(format!(
                    "hash field expiration (Redis 7.4 HEXPIRE) is not supported: field {} has a TTL (unix ms {at})",
                    super::repr(f)
                )));
            }
            hash_from(fields.iter().map(|(f, v, _)| (f.as_slice(), v.as_slice())), config)?
        }
        Value::ZSet(_) => return Err(Refused::Unsupported("sorted sets are not supported yet".to_string())),
    };
    Ok(Entry::new_object(key, obj, expire, clock))
}

fn hash_from<'a>(pairs: impl Iterator<Item = (&'a [u8], &'a [u8])>, config: &Config) -> Result<Object, Refused> {
    let limits = Limits::new(config.hash_max_listpack_entries, config.hash_max_listpack_value);
    let mut h = Hash::new();
    for (f, v) in pairs {
        h.insert(f, v, limits);
    }
    if h.is_empty() {
        return Err(Refused::Empty);
    }
    Ok(Object::Hash(h))
}

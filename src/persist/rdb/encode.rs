//! The RDB writer: functions appending RDB pieces to a `Vec<u8>`.
//!
//! The caller drives the layout: [`write_header`], AUX fields, per database
//! [`write_selectdb`] and [`write_resizedb`], per key the optional [`write_expire_ms`] /
//! [`write_idle`] / [`write_freq`], then [`write_key`] and one value payload writer, and
//! last [`write_eof`] followed by the CRC-64 of everything before it
//! ([`super::crc64::Crc64`]), 8 bytes little-endian.
//!
//! We write only encodings Redis 7.0 (RDB 10) reads: strings (plain, INT8/16/32, LZF),
//! QUICKLIST_2 lists, intset or plain sets, listpack or plain hashes, ZSET_2 sorted sets.

use super::crc64::crc64;
use super::{intset, listpack, lzf, opcodes, RDB_VERSION};
use crate::numbers::parse_i64;

/// Size limit of a quicklist node's listpack (`list-max-listpack-size -2`).
pub const QUICKLIST_NODE_BYTES: usize = 8192;

/// Appends `REDIS` and the version as four digits.
pub fn write_header(out: &mut Vec<u8>, version: u32) {
    out.extend_from_slice(b"REDIS");
    out.extend_from_slice(format!("{:04}", version % 10000).as_bytes());
}

/// Appends an AUX field; the value goes through [`write_string`], so numbers are int-encoded.
pub fn write_aux(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    out.push(opcodes::AUX);
    write_string(out, key, false);
    write_string(out, value, false);
}

/// Appends a length in the shortest of the 6-bit, 14-bit, 32-bit and 64-bit forms.
pub fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// The value of `s` if Redis would store it as an INT8/16/32 string: canonical decimal
/// text (string2ll rules) of at most 11 bytes within the i32 range.
pub fn int_encodable(s: &[u8]) -> Option<i32> {
    if s.len() > 11 {
        return None;
    }
    parse_i64(s).and_then(|v| i32::try_from(v).ok())
}

/// Appends a string as Redis does: integer forms first, then LZF when `compress` and the
/// string is longer than 20 bytes and compresses by at least 4 bytes, else plain.
pub fn write_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if let Some(v) = int_encodable(s) {
        if let Ok(b) = i8::try_from(v) {
            out.extend_from_slice(&[0xC0, b as u8]);
        } else if let Ok(h) = i16::try_from(v) {
            out.push(0xC1);
            out.extend_from_slice(&h.to_le_bytes());
        } else {
            out.push(0xC2);
            out.extend_from_slice(&v.to_le_bytes());
        }
        return;
    }
    if compress && s.len() > 20 {
        if let Some(packed) = lzf::compress(s, s.len() - 4) {
            out.push(0xC3);
            write_len(out, packed.len() as u64);
            write_len(out, s.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    write_raw_string(out, s);
}

/// Appends a string in the plain `<len><bytes>` form only.
pub fn write_raw_string(out: &mut Vec<u8>, s: &[u8]) {
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends SELECTDB.
pub fn write_selectdb(out: &mut Vec<u8>, db: u64) {
    out.push(opcodes::SELECTDB);
    write_len(out, db);
}

/// Appends RESIZEDB: the number of keys and of keys with an expiry in the current database.
pub fn write_resizedb(out: &mut Vec<u8>, size: u64, expires: u64) {
    out.push(opcodes::RESIZEDB);
    write_len(out, size);
    write_len(out, expires);
}

/// Appends EXPIRETIME_MS for the next key: absolute Unix milliseconds.
pub fn write_expire_ms(out: &mut Vec<u8>, ms: i64) {
    out.push(opcodes::EXPIRETIME_MS);
    out.extend_from_slice(&ms.to_le_bytes());
}

/// Appends IDLE (LRU idle seconds) for the next key.
pub fn write_idle(out: &mut Vec<u8>, secs: u64) {
    out.push(opcodes::IDLE);
    write_len(out, secs);
}

/// Appends FREQ (LFU counter) for the next key.
pub fn write_freq(out: &mut Vec<u8>, freq: u8) {
    out.extend_from_slice(&[opcodes::FREQ, freq]);
}

/// Appends a FUNCTION2 record holding a library's source.
pub fn write_function(out: &mut Vec<u8>, source: &[u8]) {
    out.push(opcodes::FUNCTION2);
    write_string(out, source, true);
}

/// Appends the EOF opcode (the caller appends the 8-byte CRC trailer after it).
pub fn write_eof(out: &mut Vec<u8>) {
    out.push(opcodes::EOF);
}

/// Appends EOF and the CRC-64 trailer of everything in `out`, for files built in one buffer.
pub fn finish_in_place(out: &mut Vec<u8>) {
    write_eof(out);
    let crc = crc64(out);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Appends an object's type byte and key (the payload writer comes next).
pub fn write_key(out: &mut Vec<u8>, rdb_type: u8, key: &[u8]) {
    out.push(rdb_type);
    write_string(out, key, false);
}

/// Appends a type 0 STRING payload.
pub fn write_string_value(out: &mut Vec<u8>, value: &[u8], compress: bool) {
    write_string(out, value, compress);
}

/// Appends a type 18 QUICKLIST_2 payload: PACKED listpack nodes of at most
/// [`QUICKLIST_NODE_BYTES`]; an element that alone passes the limit gets a node of its own
/// (as Redis 7.0 does; it writes PLAIN nodes only for elements past 1 GB).
pub fn write_list_quicklist2<'e>(out: &mut Vec<u8>, elements: impl IntoIterator<Item = &'e [u8]>, compress: bool) {
    let mut nodes_buf = Vec::new();
    let mut nodes = 0u64;
    let mut node = listpack::Builder::new();
    let mut flush = |node: listpack::Builder, nodes_buf: &mut Vec<u8>| {
        write_len(nodes_buf, 2);
        write_string(nodes_buf, &node.finish(), compress);
        nodes += 1;
    };
    for e in elements {
        let add = listpack::Builder::entry_size(e);
        if !node.is_empty() && node.bytes() + add > QUICKLIST_NODE_BYTES {
            flush(std::mem::take(&mut node), &mut nodes_buf);
        }
        node.push(e);
    }
    if !node.is_empty() {
        flush(node, &mut nodes_buf);
    }
    write_len(out, nodes);
    out.extend_from_slice(&nodes_buf);
}

/// Appends a type 1 LIST payload (plain strings; loaded by every Redis).
pub fn write_list_plain<'e>(
    out: &mut Vec<u8>,
    len: usize,
    elements: impl IntoIterator<Item = &'e [u8]>,
    compress: bool,
) {
    write_len(out, len as u64);
    for e in elements {
        write_string(out, e, compress);
    }
}

/// Appends a type 11 SET_INTSET payload from sorted, unique integers. Like Redis, a
/// blob over 20 bytes may be LZF-compressed when `compress` is on.
pub fn write_set_intset(out: &mut Vec<u8>, sorted: &[i64], compress: bool) {
    write_string(out, &intset::build(sorted), compress);
}

/// Appends a type 2 SET payload: the count, then the members.
pub fn write_set_plain<'e>(out: &mut Vec<u8>, len: usize, members: impl IntoIterator<Item = &'e [u8]>, compress: bool) {
    write_len(out, len as u64);
    for m in members {
        write_string(out, m, compress);
    }
}

/// Appends a type 16 HASH_LISTPACK payload from (field, value) pairs.
pub fn write_hash_listpack<'e>(
    out: &mut Vec<u8>,
    pairs: impl IntoIterator<Item = (&'e [u8], &'e [u8])>,
    compress: bool,
) {
    let mut lp = listpack::Builder::new();
    for (f, v) in pairs {
        lp.push(f);
        lp.push(v);
    }
    write_string(out, &lp.finish(), compress);
}

/// Appends a type 4 HASH payload: the count, then (field, value) pairs.
pub fn write_hash_plain<'e>(
    out: &mut Vec<u8>,
    len: usize,
    pairs: impl IntoIterator<Item = (&'e [u8], &'e [u8])>,
    compress: bool,
) {
    write_len(out, len as u64);
    for (f, v) in pairs {
        write_string(out, f, compress);
        write_string(out, v, compress);
    }
}

/// Appends a type 5 ZSET_2 payload: the count, then (member, 8-byte LE double) pairs.
/// Redis writes the highest score first; any order loads.
pub fn write_zset2<'e>(
    out: &mut Vec<u8>,
    len: usize,
    pairs: impl IntoIterator<Item = (&'e [u8], f64)>,
    compress: bool,
) {
    write_len(out, len as u64);
    for (m, score) in pairs {
        write_string(out, m, compress);
        out.extend_from_slice(&score.to_le_bytes());
    }
}

/// A DUMP payload: the type byte, `payload`, version [`RDB_VERSION`] as u16 LE and the
/// CRC-64 of all of that as u64 LE.
pub fn encode_dump_payload(rdb_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 11);
    out.push(rdb_type);
    out.extend_from_slice(payload);
    out.extend_from_slice(&(RDB_VERSION as u16).to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

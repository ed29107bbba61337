//! Ziplist blobs (Redis ≤ 6.2 small lists, hashes and sorted sets): a validating decoder.
//!
//! Layout: `u32 LE zlbytes`, `u32 LE zltail` (offset of the last entry), `u16 LE zllen`
//! (65535 = unknown), entries, `0xFF`. Each entry is a prevlen (1 byte below 254, else `0xFE`
//! and a u32 LE), an encoding (strings `00`/`01`/`10` prefixed, integers `0xC0`, `0xD0`,
//! `0xE0`, `0xF0`, `0xFE`, immediates `0xF1..=0xFD`) and the data.

use super::listpack::Entry;
use super::Error;

/// Size of the header.
const HEADER: usize = 10;

/// Decodes and validates a ziplist: sizes, every entry's bounds, prevlen chain, tail offset,
/// count and terminator. `base` is the blob's offset in the file, for errors.
pub fn decode(blob: &[u8], base: usize) -> Result<Vec<Entry<'_>>, Error> {
    let err = |at: usize, what: &str| Error::format(base + at, format!("Invalid ziplist: {what}"));
    if blob.len() < HEADER + 1 {
        return Err(err(0, "shorter than its header"));
    }
    let zlbytes = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    let zltail = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    let zllen = u16::from_le_bytes([blob[8], blob[9]]);
    if zlbytes != blob.len() {
        return Err(err(0, "header size disagrees with the blob"));
    }
    let body_end = blob.len() - 1;
    if blob[body_end] != 0xFF {
        return Err(err(body_end, "missing terminator"));
    }
    let body = &blob[..body_end];
    let mut entries = Vec::with_capacity(usize::from(zllen).min((body_end - HEADER) / 2));
    let mut p = HEADER;
    let mut prev_len = 0usize;
    let mut last = HEADER;
    while p < body_end {
        let (entry, len) = decode_entry(body, p, prev_len).ok_or_else(|| err(p, "bad entry"))?;
        entries.push(entry);
        last = p;
        prev_len = len;
        p += len;
    }
    if zltail != last {
        return Err(err(4, "tail offset does not point at the last entry"));
    }
    if zllen != u16::MAX && usize::from(zllen) != entries.len() {
        return Err(err(8, "header count disagrees with the entries"));
    }
    Ok(entries)
}

/// Decodes the entry at `p`, checking its prevlen; gives the entry and its total size.
fn decode_entry(body: &[u8], p: usize, prev_len: usize) -> Option<(Entry<'_>, usize)> {
    let first = *body.get(p)?;
    let (stored_prev, mut q) = if first < 254 {
        (usize::from(first), p + 1)
    } else if first == 254 {
        let d = body.get(p + 1..p + 5)?;
        (u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize, p + 5)
    } else {
        return None;
    };
    if stored_prev != prev_len {
        return None;
    }
    let enc = *body.get(q)?;
    q += 1;
    let int = |n: usize| body.get(q..q + n);
    let (entry, data) = match enc >> 6 {
        0 => {
            let len = usize::from(enc & 0x3F);
            (Entry::Str(body.get(q..q + len)?), len)
        }
        1 => {
            let len = (usize::from(enc & 0x3F) << 8) | usize::from(*body.get(q)?);
            q += 1;
            (Entry::Str(body.get(q..q + len)?), len)
        }
        2 => {
            if enc != 0x80 {
                return None;
            }
            let d = body.get(q..q + 4)?;
            let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
            q += 4;
            (Entry::Str(body.get(q..q.checked_add(len)?)?), len)
        }
        _ => match enc {
            0xC0 => {
                let d = int(2)?;
                (Entry::Int(i64::from(i16::from_le_bytes([d[0], d[1]]))), 2)
            }
            0xD0 => {
                let d = int(4)?;
                (Entry::Int(i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]]))), 4)
            }
            0xE0 => {
                let d = int(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(d);
                (Entry::Int(i64::from_le_bytes(a)), 8)
            }
            0xF0 => {
                let d = int(3)?;
                (Entry::Int(i64::from(i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8)), 3)
            }
            0xFE => (Entry::Int(i64::from(*int(1)?.first()? as i8)), 1),
            0xF1..=0xFD => (Entry::Int(i64::from(enc & 0x0F) - 1), 0),
            _ => return None,
        },
    };
    Some((entry, q + data - p))
}

//! Zipmap blobs (type 9 hashes, Redis ≤ 2.4): a validating decoder.
//!
//! Layout: one count byte (254+ = unknown), then per pair a key length, the key, a value
//! length, one "free" byte, the value and that many unused bytes; `0xFF` ends it. A length is
//! one byte below 254, or `0xFE` and a u32 LE.

use super::Error;

/// A (field, value) borrowed from the blob.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// Decodes and validates a zipmap into (field, value) pairs. `base` is the blob's offset in
/// the file, for errors.
pub fn decode(blob: &[u8], base: usize) -> Result<Vec<Pair<'_>>, Error> {
    let err = |at: usize, what: &str| Error::format(base + at, format!("Invalid zipmap: {what}"));
    let count = *blob.first().ok_or_else(|| err(0, "empty blob"))?;
    let mut pairs = Vec::with_capacity(usize::from(count).min(blob.len() / 3));
    let mut p = 1;
    loop {
        match blob.get(p) {
            None => return Err(err(p, "missing terminator")),
            Some(0xFF) => {
                p += 1;
                break;
            }
            Some(_) => {}
        }
        let (klen, q) = read_len(blob, p).ok_or_else(|| err(p, "bad key length"))?;
        let key = blob.get(q..q.checked_add(klen).ok_or_else(|| err(q, "key too long"))?);
        let key = key.ok_or_else(|| err(q, "key runs past the end"))?;
        let r = q + klen;
        let (vlen, s) = read_len(blob, r).ok_or_else(|| err(r, "bad value length"))?;
        let free = usize::from(*blob.get(s).ok_or_else(|| err(s, "truncated"))?);
        let vstart = s + 1;
        let vend = vstart.checked_add(vlen).ok_or_else(|| err(vstart, "value too long"))?;
        let value = blob.get(vstart..vend).ok_or_else(|| err(vstart, "value runs past the end"))?;
        pairs.push((key, value));
        p = vend + free;
    }
    if p != blob.len() {
        return Err(err(p, "bytes after the terminator"));
    }
    if count < 254 && usize::from(count) != pairs.len() {
        return Err(err(0, "count disagrees with the entries"));
    }
    Ok(pairs)
}

/// Reads a zipmap length at `p`: the length and the offset after it.
fn read_len(blob: &[u8], p: usize) -> Option<(usize, usize)> {
    match *blob.get(p)? {
        b @ 0..=253 => Some((usize::from(b), p + 1)),
        254 => {
            let d = blob.get(p + 1..p + 5)?;
            Some((u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize, p + 5))
        }
        _ => None,
    }
}

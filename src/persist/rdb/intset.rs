//! Intset blobs (type 11 sets of integers): a validating decoder and a builder.
//!
//! Layout: `u32 LE width` (2, 4 or 8 bytes per element), `u32 LE count`, then the elements
//! little-endian, strictly ascending.

use super::Error;

/// Decodes and validates an intset: width, exact size, strictly ascending elements.
/// `base` is the blob's offset in the file, for errors.
pub fn decode(blob: &[u8], base: usize) -> Result<Vec<i64>, Error> {
    let err = |at: usize, what: String| Error::format(base + at, format!("Invalid intset: {what}"));
    let header = blob.get(..8).ok_or_else(|| err(0, "shorter than its header".into()))?;
    let width = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(err(0, format!("encoding {width}")));
    }
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(blob.len()) {
        return Err(err(4, format!("{count} elements of {width} bytes in a {}-byte blob", blob.len())));
    }
    let mut out = Vec::with_capacity(count);
    for (i, chunk) in blob[8..].chunks_exact(width).enumerate() {
        let v = match *chunk {
            [a, b] => i64::from(i16::from_le_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => return Err(err(8, "bad width".into())),
        };
        if out.last().is_some_and(|&prev| prev >= v) {
            return Err(err(8 + i * width, "elements not strictly ascending".into()));
        }
        out.push(v);
    }
    Ok(out)
}

/// Builds an intset from sorted, unique integers, using the smallest width that holds them all.
/// The caller guarantees the order; debug builds check it.
pub fn build(sorted: &[i64]) -> Vec<u8> {
    debug_assert!(sorted.windows(2).all(|w| w[0] < w[1]));
    let width: usize = match (sorted.first(), sorted.last()) {
        (Some(&lo), Some(&hi)) if lo >= i64::from(i16::MIN) && hi <= i64::from(i16::MAX) => 2,
        (Some(&lo), Some(&hi)) if lo >= i64::from(i32::MIN) && hi <= i64::from(i32::MAX) => 4,
        (Some(_), Some(_)) => 8,
        _ => 2,
    };
    let mut out = Vec::with_capacity(8 + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for &v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

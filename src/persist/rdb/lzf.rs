//! LZF compression in liblzf's token format, which Redis uses for RDB strings.
//!
//! Written from the format description: a control byte `c < 32` starts a run of `c + 1`
//! literal bytes; otherwise `len = c >> 5` (7 means "add the next byte"), the next byte
//! completes a 13-bit distance `d = ((c & 31) << 8) | byte`, and `len + 2` bytes are copied
//! from `d + 1` bytes back in the output (the copy may overlap itself).
//!
//! Decompression checks every bound, so hostile input gives `None`, never a panic.

/// Longest literal run one control byte can announce.
const MAX_LITERAL: usize = 32;
/// Farthest back a reference can reach (13-bit distance, plus one).
const MAX_DISTANCE: usize = 1 << 13;
/// Longest match one reference can copy: 7 + 255 + 2.
const MAX_MATCH: usize = 264;
/// Bits of the match-finder hash table.
const HASH_BITS: u32 = 14;

/// The most output one input byte can expand to: a 3-byte reference yields 264 bytes.
pub const MAX_EXPANSION: usize = 88;

/// Compresses `input`, giving up (None) as soon as the output would pass `max_out` bytes.
///
/// Redis keeps the compressed form only if it saves at least 4 bytes, so callers pass
/// `input.len() - 4`.
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    if n == 0 {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(n + n / 32 + 1));
    // A table sized to the input: small strings (most RDB values) must not pay for 16K slots.
    let bits = (usize::BITS - n.leading_zeros()).clamp(6, HASH_BITS);
    let mut table = vec![usize::MAX; 1 << bits];
    let mut lit_start = 0;
    let mut ip = 0;
    while ip + 2 < n {
        let h = hash3(input[ip], input[ip + 1], input[ip + 2], bits);
        let candidate = table[h];
        table[h] = ip;
        if candidate != usize::MAX
            && ip - candidate <= MAX_DISTANCE
            && input[candidate..candidate + 3] == input[ip..ip + 3]
        {
            let limit = MAX_MATCH.min(n - ip);
            let mut len = 3;
            while len < limit && input[candidate + len] == input[ip + len] {
                len += 1;
            }
            flush_literals(&mut out, &input[lit_start..ip]);
            let distance = ip - candidate - 1;
            let code = len - 2;
            if code < 7 {
                out.push(((code as u8) << 5) | (distance >> 8) as u8);
            } else {
                out.push((7 << 5) | (distance >> 8) as u8);
                out.push((code - 7) as u8);
            }
            out.push(distance as u8);
            if out.len() > max_out {
                return None;
            }
            // Index the positions inside the match too, so later repeats find them.
            let end = ip + len;
            let mut p = ip + 1;
            while p < end && p + 2 < n {
                table[hash3(input[p], input[p + 1], input[p + 2], bits)] = p;
                p += 1;
            }
            ip = end;
            lit_start = ip;
        } else {
            ip += 1;
        }
        if out.len() + (ip - lit_start) + (ip - lit_start).div_ceil(MAX_LITERAL) > max_out {
            return None;
        }
    }
    flush_literals(&mut out, &input[lit_start..]);
    (out.len() <= max_out).then_some(out)
}

/// Appends `lits` as literal runs of at most 32 bytes.
fn flush_literals(out: &mut Vec<u8>, lits: &[u8]) {
    for run in lits.chunks(MAX_LITERAL) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// Hash of three bytes into the match table.
#[inline]
fn hash3(a: u8, b: u8, c: u8, bits: u32) -> usize {
    let v = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
    (v.wrapping_mul(2654435761) >> (32 - bits)) as usize
}

/// Decompresses `input`, which must expand to exactly `expected_len` bytes; None if it is
/// malformed or of another size. Never allocates more than `input.len() * 88` bytes.
pub fn decompress(input: &[u8], expected_len: usize) -> Option<Vec<u8>> {
    if expected_len > input.len().saturating_mul(MAX_EXPANSION) {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(expected_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < MAX_LITERAL {
            let run = ctrl + 1;
            let lits = input.get(ip..ip + run)?;
            if out.len() + run > expected_len {
                return None;
            }
            out.extend_from_slice(lits);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            len += 2;
            let distance = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            if distance > out.len() || out.len() + len > expected_len {
                return None;
            }
            let from = out.len() - distance;
            if distance >= len {
                out.extend_from_within(from..from + len);
            } else {
                for i in 0..len {
                    let b = out[from + i];
                    out.push(b);
                }
            }
        }
    }
    (out.len() == expected_len).then_some(out)
}

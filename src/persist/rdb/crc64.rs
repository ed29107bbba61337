//! CRC-64/REDIS ("Jones": reflected poly 0x95ac9329ac4bc9b5, init 0, no final xor), the
//! checksum of RDB trailers and DUMP payloads.
//!
//! Backed by the `crc-fast` crate's SIMD `Crc64Redis` (about 25 GB/s on this machine against
//! 2.2 GB/s for the `crc` crate's 16-table version). Not CRC-64/XZ: `crc64fast` computes the
//! wrong CRC for Redis.

use crc_fast::{CrcAlgorithm, Digest};

/// The CRC-64/REDIS of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    crc_fast::checksum(CrcAlgorithm::Crc64Redis, data)
}

/// A streaming CRC-64/REDIS: feed it chunks in order, then [`Crc64::finish`].
///
/// Feed large chunks (kilobytes) where possible: per-call overhead dominates tiny updates.
#[derive(Clone)]
pub struct Crc64 {
    /// The running digest.
    digest: Digest,
}

impl Crc64 {
    /// A digest over no bytes yet.
    pub fn new() -> Crc64 {
        Crc64 { digest: Digest::new(CrcAlgorithm::Crc64Redis) }
    }

    /// Adds `data` to the checksum.
    pub fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
    }

    /// The checksum of everything fed so far (the digest can keep going).
    pub fn finish(&self) -> u64 {
        self.digest.finalize()
    }
}

impl Default for Crc64 {
    fn default() -> Crc64 {
        Crc64::new()
    }
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crc64({:#018x})", self.finish())
    }
}

//! The append-only file (Redis 7 multi-part AOF) as pure codecs, and the checker tool.
//!
//! - [`manifest`]: the manifest's text format and the part file names.
//! - [`reader`]: the RESP commands of an AOF file, framed as Redis's loader frames them.
//! - [`check`]: `redis-check-aof`, mirroring Redis 7.0.15's output and `--fix`.
//!
//! Nothing here touches the store; only [`check`] touches files (it is a tool, like
//! Redis's). Nothing read from a file may make any of it panic.

pub mod check;
pub mod manifest;
pub mod reader;

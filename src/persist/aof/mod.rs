//! The append-only file: Redis 7's multi-part layout.

pub mod append;
pub mod files;
pub mod manifest;
pub mod reader;
pub mod replay;
pub mod rewrite;

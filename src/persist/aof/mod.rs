//! The append-only file in Redis 7's multi-part layout: the manifest and file names
//! ([`manifest`]), the command reader for AOF text ([`reader`]), the
//! `redis-check-aof` tool ([`check`]), the live log with its fsync policies
//! ([`append`]), the directory at start-up and the rewrite ([`files`]), replaying files
//! through the command path ([`replay`]), and the command form of a base ([`rewrite`]).

pub mod append;
pub mod check;
pub mod files;
pub mod manifest;
pub mod reader;
pub mod replay;
pub mod rewrite;

//! ferrokv: a Redis-compatible server.
//!
//! The architecture map (see ARCHITECTURE.md for the data flow and invariants):
//!
//! - [`protocol`]: RESP request parser and RESP2/RESP3 reply encoder; bytes only.
//! - [`commands`]: the command table, the dispatcher and one file per command family;
//!   handlers are synchronous and never touch a socket.
//! - [`store`]: databases split into locked shards, entries, expiry.
//! - [`server`]: listeners, connections, client registry, cron, logging, shutdown.
//! - [`config`]: the parameter table behind redis.conf, the command line and CONFIG.
//! - [`glob`], [`numbers`]: Redis's pattern matching and number rules.
//! - [`cli`]: our redis-cli (one-shot, REPL, --scan, --pipe), a plain RESP client.
//! - [`persist`]: the RDB and AOF file formats, as pure codecs, and their checkers.
//! - [`entrypoint`]: the container image's `docker-entrypoint` (privileges, password).
//!
//! Embedding: build a [`Config`], call [`Server::bind`], read [`Server::local_addr`],
//! and drive [`Server::run_until`] with the future that should stop it.

pub mod cli;
pub mod commands;
pub mod config;
pub mod entrypoint;
pub mod glob;
pub mod numbers;
pub mod persist;
pub mod protocol;
pub mod sds;
pub mod server;
pub mod store;

pub use config::Config;
pub use server::Server;

/// The Redis version whose behaviour we reproduce (INFO `redis_version`, HELLO).
pub const REDIS_VERSION: &str = "7.0.15";
/// Our own version (INFO `ferrokv_version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

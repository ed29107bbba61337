//! Replaying AOF files at start-up through the normal command path, as a client with
//! no socket: an RDB preamble is loaded as RDB (keys already expired are kept, as Redis
//! does for an AOF base), then every command runs in order.
//!
//! A short read at the end of the last file is cut back to the last complete command
//! (and an unterminated MULTI is rolled back) when `aof-load-truncated yes`, with
//! Redis's log lines; anything else wrong stops start-up with the file and offset.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use super::reader::{CommandReader, ReadError};
use crate::commands::{self, Ctx, TABLE};
use crate::persist::load::{load_rdb, Options};
use crate::server::client::Client;
use crate::server::log::Level;
use crate::server::shared::{unix_ms, GateHold, Shared};

/// Loads one AOF file's bytes. `last`: it is the last file (only that one may be cut
/// back when `truncated_ok`).
pub fn load_file(
    shared: &Arc<Shared>,
    path: &Path,
    name: &str,
    data: &[u8],
    last: bool,
    truncated_ok: bool,
) -> Result<(), String> {
    let mut start = 0;
    if data.starts_with(b"REDIS") {
        shared.log(Level::Notice, "Reading RDB base file on AOF loading...");
        let opts = Options { keep_expired: true, merge: false };
        let loaded = load_rdb(shared, data, opts)
            .map_err(|e| format!("Error reading the RDB base file {name}, AOF loading aborted: {e}"))?;
        shared.log(Level::Notice, &format!("Done loading RDB, keys loaded: {}, keys expired: 0.", loaded.keys));
        start = loaded.end;
        if start == data.len() {
            return Ok(());
        }
        shared.log(Level::Notice, "Reading the remaining AOF tail...");
    }
    replay(shared, path, name, data, start, last, truncated_ok)
}

fn replay(
    shared: &Arc<Shared>,
    path: &Path,
    name: &str,
    data: &[u8],
    start: usize,
    last: bool,
    truncated_ok: bool,
) -> Result<(), String> {
    let (handle, _inbox) = shared
        .clients
        .register(std::net::SocketAddr::from(([0, 0, 0, 0], 0)), std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
    shared.clients.unregister(handle.id);
    let mut client = Client::new(handle, true);
    // Loading never evicts, whatever `maxmemory` says (as Redis): the file's own DELs
    // already say which keys were evicted.
    let mut config = Arc::new(crate::config::Config { maxmemory: 0, ..(*shared.config()).clone() });
    let mut reader = CommandReader::new(data, start);
    // Where the last command that is not inside an open MULTI ended.
    let mut safe_end = start;
    let outcome = loop {
        match reader.next_command() {
            Ok(Some(cmd)) => {
                let args: Vec<Bytes> = cmd.args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
                let Some(first) = args.first() else { continue };
                if TABLE.lookup(first).is_none() {
                    break Err(format!(
                        "Unknown command '{}' reading the append only file {name}",
                        String::from_utf8_lossy(first)
                    ));
                }
                let now = unix_ms();
                let mut ctx = Ctx {
                    shared,
                    client: &mut client,
                    config: &mut config,
                    now,
                    changes: Default::default(),
                    touched: Default::default(),
                };
                let mut gate = GateHold::new(shared);
                let _ = commands::dispatch(&mut ctx, &args, &mut gate, std::time::Instant::now());
                drop(gate);
                if client.multi.is_none() {
                    safe_end = cmd.end;
                }
            }
            Ok(None) => break Ok(None),
            Err(ReadError::Truncated { valid_up_to }) => break Ok(Some(valid_up_to)),
            Err(ReadError::Format { offset, message }) => {
                break Err(format!(
                    "Bad file format reading the append only file {name} at offset {offset} ({message}): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
                ))
            }
        }
    };
    let cut = match outcome? {
        None if client.multi.is_none() => return Ok(()),
        None => {
            // The file ends inside a MULTI whose EXEC never came.
            shared.log(Level::Warning, &format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}"));
            safe_end
        }
        Some(_) => safe_end,
    };
    if !last {
        return Err(format!(
            "Unexpected end of file reading the append only file {name}: the truncated file is not the last file"
        ));
    }
    if !truncated_ok {
        return Err(format!(
            "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
        ));
    }
    shared.log(Level::Warning, &format!("!!! Warning: short read while loading the AOF file {name}!!!"));
    shared.log(Level::Warning, &format!("!!! Truncating the AOF {name} at offset {cut} !!!"));
    let file = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| e.to_string())?;
    file.set_len(cut as u64).map_err(|e| format!("Error truncating the AOF file {name}: {e}"))?;
    let _ = file.sync_all();
    shared.log(Level::Warning, &format!("AOF {name} loaded anyway because aof-load-truncated is enabled"));
    Ok(())
}

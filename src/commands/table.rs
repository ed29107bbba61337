//! The one command table: every family's rows, indexed for lookup and statistics.
//!
//! A row ([`Command`]) is declared by its family file; this module only gathers them,
//! gives each (sub)command an index, resolves names case-insensitively, and keeps the
//! per-command counters INFO commandstats prints.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::LazyLock;

use super::Handler;

/// Name → index; foldhash because every request does one lookup.
type NameMap = HashMap<Vec<u8>, usize, foldhash::fast::FixedState>;

/// Lower-cases `name` into `buf` when it fits (no allocation), else into a new vector.
fn lowercase<'b>(name: &[u8], buf: &'b mut [u8; 32]) -> std::borrow::Cow<'b, [u8]> {
    if name.len() <= buf.len() {
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        std::borrow::Cow::Borrowed(lower)
    } else {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    }
}

/// One row of the command table.
#[derive(Debug)]
pub struct Command {
    /// Lower-case name (the subcommand name for a subcommand).
    pub name: &'static str,
    /// Redis arity: exact count if positive, minimum count if negative (name included).
    pub arity: i32,
    /// `flags::*` bits.
    pub flags: u32,
    /// ACL categories beyond those implied by the flags (`acl::*` bits).
    pub acl: u32,
    /// First key position, last key position (negative counts from the end), step.
    pub keys: (i32, i32, i32),
    /// The function that runs it (unused for containers called without a subcommand).
    pub handler: Handler,
    /// Subcommands, for container commands such as CLIENT and CONFIG.
    pub subcommands: &'static [Command],
}

/// A container command's row (CLIENT, CONFIG, MEMORY, ...): only its subcommands run;
/// called bare, the arity error answers (see `commands::container`).
pub const fn container_row(name: &'static str, subcommands: &'static [Command]) -> Command {
    Command { name, arity: -2, flags: 0, acl: 0, keys: (0, 0, 0), handler: super::container, subcommands }
}

/// Per-command counters (INFO commandstats).
#[derive(Debug, Default)]
pub struct CmdStats {
    pub calls: AtomicU64,
    pub usec: AtomicU64,
    pub rejected_calls: AtomicU64,
    pub failed_calls: AtomicU64,
    /// Latency histogram (INFO latencystats), made when the command first runs.
    pub histogram: std::sync::OnceLock<super::latency::Histogram>,
}

/// A table entry: the row, its full name (`client|list`) and its counters.
#[derive(Debug)]
pub struct TableEntry {
    pub cmd: &'static Command,
    pub fullname: String,
    pub parent: Option<usize>,
    pub stats: CmdStats,
    subs: NameMap,
}

/// All commands.
#[derive(Debug)]
pub struct CommandTable {
    entries: Vec<TableEntry>,
    by_name: NameMap,
}

/// The table, built once from every family's rows.
pub static TABLE: LazyLock<CommandTable> = LazyLock::new(|| {
    let families: &[&'static [Command]] = &[
        super::strings::COMMANDS,
        super::keys::COMMANDS,
        super::lists::COMMANDS,
        super::blocking::COMMANDS,
        super::sets::COMMANDS,
        super::hashes::COMMANDS,
        super::keyspace::COMMANDS,
        super::connection::COMMANDS,
        super::client_cmd::COMMANDS,
        super::config_cmd::COMMANDS,
        super::server_cmd::COMMANDS,
        super::persist_cmd::COMMANDS,
        super::introspection::COMMANDS,
        super::slowlog::COMMANDS,
        super::latency::COMMANDS,
        super::memory_cmd::COMMANDS,
        super::transactions::COMMANDS,
        super::pubsub::COMMANDS,
    ];
    CommandTable::build(families)
});

impl CommandTable {
    fn build(families: &[&'static [Command]]) -> CommandTable {
        let mut t = CommandTable { entries: Vec::new(), by_name: NameMap::default() };
        for family in families {
            for cmd in family.iter() {
                let idx = t.entries.len();
                t.entries.push(TableEntry {
                    cmd,
                    fullname: cmd.name.to_string(),
                    parent: None,
                    stats: CmdStats::default(),
                    subs: NameMap::default(),
                });
                t.by_name.insert(cmd.name.as_bytes().to_vec(), idx);
                for sub in cmd.subcommands {
                    let sidx = t.entries.len();
                    t.entries.push(TableEntry {
                        cmd: sub,
                        fullname: format!("{}|{}", cmd.name, sub.name),
                        parent: Some(idx),
                        stats: CmdStats::default(),
                        subs: NameMap::default(),
                    });
                    t.entries[idx].subs.insert(sub.name.as_bytes().to_vec(), sidx);
                }
            }
        }
        t
    }

    /// The index of a top-level command, by case-insensitive name.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 32];
        self.by_name.get(&*lowercase(name, &mut buf)).copied()
    }

    /// The index of a subcommand of the container at `parent`.
    pub fn lookup_sub(&self, parent: usize, name: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 32];
        self.entries.get(parent)?.subs.get(&*lowercase(name, &mut buf)).copied()
    }

    /// The entry at `idx`.
    pub fn get(&self, idx: usize) -> &TableEntry {
        &self.entries[idx]
    }

    /// Every top-level command's index, in table order.
    pub fn top_level(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().enumerate().filter(|(_, e)| e.parent.is_none()).map(|(i, _)| i)
    }

    /// Every entry (commands and subcommands).
    pub fn all(&self) -> impl Iterator<Item = (usize, &TableEntry)> {
        self.entries.iter().enumerate()
    }

    /// The subcommand indexes of a container, in declaration order.
    pub fn subcommands_of(&self, parent: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.entries[parent].subs.values().copied().collect();
        v.sort_unstable();
        v
    }
}

/// The command names of one server after its `rename-command` lines: a renamed command
/// answers only to its new name, a command renamed to `""` to none.
#[derive(Debug, Default)]
pub struct Renames {
    /// Lower-cased name → the command it now names, or `None` for a name given up.
    names: RenameMap,
}

type RenameMap = HashMap<Vec<u8>, Option<usize>, foldhash::fast::FixedState>;

impl Renames {
    /// From `rename-command` lines already checked by the configuration loader
    /// ([`Renames::check`]); lines that do not apply are ignored.
    pub fn new(lines: &[crate::config::Directive]) -> Renames {
        let mut renames = Renames::default();
        for line in lines {
            let _ = renames.rename(&line.args[0], &line.args[1]);
        }
        renames
    }

    /// Applies one `rename-command OLD NEW`, or returns Redis's start-up error text.
    pub fn rename(&mut self, old: &[u8], new: &[u8]) -> Result<(), &'static str> {
        let Some(idx) = self.lookup(old) else { return Err("No such command in rename-command") };
        if !new.is_empty() && self.lookup(new).is_some() {
            return Err("Target command name already exists");
        }
        self.names.insert(old.to_ascii_lowercase(), None);
        if !new.is_empty() {
            self.names.insert(new.to_ascii_lowercase(), Some(idx));
        }
        Ok(())
    }

    /// Checks `rename-command` lines in order, as Redis applies them while it reads
    /// the configuration: the error text of the first that cannot apply.
    pub fn check(lines: &[crate::config::Directive]) -> Result<(), (usize, &'static str)> {
        let mut renames = Renames::default();
        for (i, line) in lines.iter().enumerate() {
            renames.rename(&line.args[0], &line.args[1]).map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// The top-level command `name` resolves to on this server.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        if self.names.is_empty() {
            return TABLE.lookup(name);
        }
        let mut buf = [0u8; 32];
        match self.names.get(&*lowercase(name, &mut buf)) {
            Some(renamed) => *renamed,
            None => TABLE.lookup(name),
        }
    }
}

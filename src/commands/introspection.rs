//! COMMAND and its subcommands: what the table says about each command, in Redis 7.0's
//! reply shapes. Flags, arity and key positions come from the family rows; tips, key
//! specs and docs from the metadata recorded from Redis (`meta`).

use bytes::Bytes;

use super::args::is;
use super::errors::{self as e, CmdError};
use super::flags::*;
use super::table::TableEntry;
use super::{acl, meta, CmdResult, Command, Ctx, TABLE};
use crate::protocol::Reply;

const fn sub(name: &'static str, arity: i32, flags: u32, keys: (i32, i32, i32), handler: super::Handler) -> Command {
    Command { name, arity, flags, acl: acl::CONNECTION, keys, handler, subcommands: &[] }
}

/// COMMAND's row and its subcommands.
pub const COMMANDS: &[Command] = &[Command {
    name: "command",
    arity: -1,
    flags: LOADING | STALE,
    acl: acl::CONNECTION,
    keys: (0, 0, 0),
    handler: command_all,
    subcommands: &[
        sub("count", 2, LOADING | STALE, (0, 0, 0), count),
        sub("docs", -2, LOADING | STALE, (0, 0, 0), docs),
        sub("getkeys", -4, LOADING | STALE, (0, 0, 0), getkeys),
        sub("getkeysandflags", -4, LOADING | STALE, (0, 0, 0), getkeysandflags),
        sub("help", 2, LOADING | STALE, (0, 0, 0), help),
        sub("info", -2, LOADING | STALE, (0, 0, 0), info),
        sub("list", -2, LOADING | STALE, (0, 0, 0), list),
    ],
}];

/// The ACL categories Redis prints for a command: its own plus those its flags imply.
fn categories(cmd: &Command) -> u32 {
    let mut c = cmd.acl;
    if cmd.flags & WRITE != 0 {
        c |= acl::WRITE;
    }
    if cmd.flags & READONLY != 0 && cmd.acl & acl::SCRIPTING == 0 {
        c |= acl::READ;
    }
    if cmd.flags & ADMIN != 0 {
        c |= acl::ADMIN | acl::DANGEROUS;
    }
    if cmd.flags & PUBSUB != 0 {
        c |= acl::PUBSUB;
    }
    if cmd.flags & FAST != 0 {
        c |= acl::FAST;
    }
    if cmd.flags & BLOCKING != 0 {
        c |= acl::BLOCKING;
    }
    if c & acl::FAST == 0 {
        c |= acl::SLOW;
    }
    c
}

/// One COMMAND INFO entry (10 elements, subcommands nested).
fn info_entry(idx: usize) -> Reply {
    let entry: &TableEntry = TABLE.get(idx);
    let cmd = entry.cmd;
    let flags =
        super::flags::NAMES.iter().filter(|(bit, _)| cmd.flags & bit != 0).map(|(_, n)| Reply::simple(n)).collect();
    let cats = categories(cmd);
    let cats = acl::NAMES.iter().filter(|(bit, _)| cats & bit != 0).map(|(_, n)| Reply::simple(n)).collect();
    let subs: Vec<Reply> = TABLE.subcommands_of(idx).into_iter().map(info_entry).collect();
    // Redis sends an empty set for a command without subcommands, an array otherwise.
    let subs = if subs.is_empty() { Reply::Set(subs) } else { Reply::Array(subs) };
    Reply::Array(vec![
        Reply::bulk_string(entry.fullname.clone()),
        Reply::Int(i64::from(cmd.arity)),
        Reply::Set(flags),
        Reply::Int(i64::from(cmd.keys.0)),
        Reply::Int(i64::from(cmd.keys.1)),
        Reply::Int(i64::from(cmd.keys.2)),
        Reply::Set(cats),
        meta::tips(&entry.fullname),
        meta::key_specs(&entry.fullname),
        subs,
    ])
}

/// COMMAND → Array: every command's details.
fn command_all(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Array(TABLE.top_level().map(info_entry).collect()))
}

/// COMMAND COUNT → Integer: number of commands.
fn count(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(Reply::Int(TABLE.top_level().count() as i64))
}

/// COMMAND INFO [command-name ...] → Array of entries (nil for unknown names).
fn info(ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    if a.len() == 2 {
        return Ok(Reply::Array(TABLE.top_level().map(info_entry).collect()));
    }
    let renames = &ctx.shared.renames;
    Ok(Reply::Array(a[2..].iter().map(|name| lookup_on(renames, name).map_or(Reply::Nil, info_entry)).collect()))
}

/// A command by name, or a subcommand by `container|sub`.
fn lookup_full(name: &[u8]) -> Option<usize> {
    match name.iter().position(|c| *c == b'|') {
        Some(p) => TABLE.lookup(&name[..p]).and_then(|parent| TABLE.lookup_sub(parent, &name[p + 1..])),
        None => TABLE.lookup(name),
    }
}

/// [`lookup_full`] by the names this server answers to (after `rename-command`).
fn lookup_on(renames: &super::table::Renames, name: &[u8]) -> Option<usize> {
    match name.iter().position(|c| *c == b'|') {
        Some(p) => renames.lookup(&name[..p]).and_then(|parent| TABLE.lookup_sub(parent, &name[p + 1..])),
        None => renames.lookup(name),
    }
}

/// COMMAND DOCS [command-name ...] → Map of name to documentation.
fn docs(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let names: Vec<usize> =
        if a.len() == 2 { TABLE.top_level().collect() } else { a[2..].iter().filter_map(|n| lookup_full(n)).collect() };
    Ok(Reply::Map(
        names
            .into_iter()
            .filter_map(|idx| {
                let entry = TABLE.get(idx);
                meta::docs(&entry.fullname)
                    .map(|d| (Reply::bulk_string(entry.fullname.clone()), only_implemented(idx, d)))
            })
            .collect(),
    ))
}

/// Drops the subcommands we do not implement from a container's recorded docs.
fn only_implemented(idx: usize, docs: Reply) -> Reply {
    let Reply::Map(fields) = docs else { return docs };
    Reply::Map(
        fields
            .into_iter()
            .map(|(k, v)| match (&k, v) {
                (Reply::Bulk(name), Reply::Map(subs)) if &name[..] == b"subcommands" => {
                    let kept = subs
                        .into_iter()
                        .filter(|(sub, _)| match sub {
                            Reply::Bulk(full) => lookup_full(full).is_some_and(|i| TABLE.get(i).parent == Some(idx)),
                            _ => false,
                        })
                        .collect();
                    (k, Reply::Map(kept))
                }
                (_, v) => (k, v),
            })
            .collect(),
    )
}

/// COMMAND LIST [FILTERBY MODULE name|ACLCAT cat|PATTERN pattern] → Array of names.
fn list(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let mut names: Vec<String> = Vec::new();
    for (idx, entry) in TABLE.all() {
        let _ = idx;
        names.push(entry.fullname.clone());
    }
    match a.len() {
        2 => {}
        5 if is(&a[2], "filterby") => {
            let (kind, value) = (&a[3], &a[4]);
            if is(kind, "pattern") {
                names.retain(|n| crate::glob::glob_match(value, n.as_bytes(), true));
            } else if is(kind, "module") {
                names.clear();
            } else if is(kind, "aclcat") {
                let wanted = String::from_utf8_lossy(value).to_lowercase();
                let bit = acl::NAMES.iter().find(|(_, n)| n[1..] == wanted).map(|(b, _)| *b);
                names.retain(|n| {
                    bit.is_some_and(|b| {
                        lookup_full(n.as_bytes()).is_some_and(|i| categories(TABLE.get(i).cmd) & b != 0)
                    })
                });
            } else {
                return Err(e::SYNTAX.into());
            }
        }
        _ => return Err(e::SYNTAX.into()),
    }
    Ok(Reply::Array(names.into_iter().map(Reply::bulk_string).collect()))
}

/// COMMAND GETKEYS command [arg ...] → Array of the key arguments.
fn getkeys(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let keys = keys_of(&a[2..])?;
    Ok(Reply::Array(keys.into_iter().map(|(i, _)| Reply::Bulk(a[2 + i].clone())).collect()))
}

/// COMMAND GETKEYSANDFLAGS command [arg ...] → Array of [key, flags].
fn getkeysandflags(_ctx: &mut Ctx, a: &[Bytes]) -> CmdResult {
    let keys = keys_of(&a[2..])?;
    Ok(Reply::Array(
        keys.into_iter()
            .map(|(i, flags)| {
                Reply::Array(vec![
                    Reply::Bulk(a[2 + i].clone()),
                    Reply::Set(flags.into_iter().map(|f| Reply::Simple(Bytes::from(f))).collect()),
                ])
            })
            .collect(),
    ))
}

/// The key positions of a full command, with each key's flags, found the way Redis 7.0
/// does: by evaluating the command's key specs (begin_search + find_keys).
fn keys_of(args: &[Bytes]) -> Result<Vec<(usize, Vec<String>)>, CmdError> {
    let Some(mut idx) = TABLE.lookup(&args[0]) else { return Err("ERR Invalid command specified".into()) };
    if !TABLE.get(idx).cmd.subcommands.is_empty() && args.len() >= 2 {
        idx = TABLE.lookup_sub(idx, &args[1]).ok_or(CmdError::from("ERR Invalid command specified"))?;
    }
    let entry = TABLE.get(idx);
    let n = args.len() as i64;
    let arity = i64::from(entry.cmd.arity);
    if (arity > 0 && n != arity) || n < -arity {
        return Err("ERR Invalid number of arguments specified for command".into());
    }
    let mut out = Vec::new();
    if let Reply::Set(specs) | Reply::Array(specs) = meta::key_specs(&entry.fullname) {
        for spec in &specs {
            let mut flags = strings_of(field(spec, "flags"));
            // SET's flags depend on its GET option, as Redis's own key extraction decides.
            if entry.fullname == "set" {
                let get = args[3..].iter().any(|x| is(x, "get"));
                flags = if get { vec!["RW", "access", "update"] } else { vec!["OW", "update"] }
                    .into_iter()
                    .map(String::from)
                    .collect();
            }
            flags.retain(|f| f != "variable_flags");
            for pos in spec_positions(spec, args)? {
                out.push((pos, flags.clone()));
            }
        }
    }
    if out.is_empty() {
        return Err("ERR The command has no key arguments".into());
    }
    Ok(out)
}

/// Key argument positions of a resolved command (WATCH invalidation), from its key
/// specs; empty when it has none or the arguments do not fit them.
pub fn key_positions(idx: usize, args: &[Bytes]) -> Vec<usize> {
    let entry = TABLE.get(idx);
    let (Reply::Set(specs) | Reply::Array(specs)) = meta::key_specs(&entry.fullname) else { return Vec::new() };
    specs.iter().filter_map(|spec| spec_positions(spec, args).ok()).flatten().collect()
}

/// A field of a recorded map reply.
fn field<'r>(map: &'r Reply, name: &str) -> Option<&'r Reply> {
    let Reply::Map(pairs) = map else { return None };
    pairs.iter().find(|(k, _)| matches!(k, Reply::Bulk(b) if b == name.as_bytes())).map(|(_, v)| v)
}

fn int_of(r: Option<&Reply>) -> i64 {
    match r {
        Some(Reply::Int(n)) => *n,
        _ => 0,
    }
}

fn strings_of(r: Option<&Reply>) -> Vec<String> {
    match r {
        Some(Reply::Set(items) | Reply::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Reply::Simple(s) | Reply::Bulk(s) => Some(String::from_utf8_lossy(s).into_owned()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Evaluates one key spec against the arguments (Redis's getKeysUsingKeySpecs).
fn spec_positions(spec: &Reply, args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let argc = args.len() as i64;
    let (Some(begin), Some(find)) = (field(spec, "begin_search"), field(spec, "find_keys")) else {
        return Ok(Vec::new());
    };
    let kind = |m: &Reply| match field(m, "type") {
        Some(Reply::Bulk(t)) => String::from_utf8_lossy(t).into_owned(),
        _ => String::new(),
    };
    let bspec = field(begin, "spec");
    let first = match kind(begin).as_str() {
        "index" => int_of(bspec.and_then(|s| field(s, "index"))),
        "keyword" => {
            let Some(Reply::Bulk(word)) = bspec.and_then(|s| field(s, "keyword")) else { return Ok(Vec::new()) };
            let start = int_of(bspec.and_then(|s| field(s, "startfrom")));
            let (from, step) = if start >= 0 { (start, 1) } else { (argc + start, -1) };
            let mut i = from;
            let mut found = None;
            while i >= 1 && i < argc {
                if args[i as usize].eq_ignore_ascii_case(word) {
                    found = Some(i + 1);
                    break;
                }
                i += step;
            }
            match found {
                Some(f) => f,
                None => return Ok(Vec::new()),
            }
        }
        _ => return Ok(Vec::new()),
    };
    let fspec = field(find, "spec");
    let (last, step) = match kind(find).as_str() {
        "range" => {
            let lastkey = int_of(fspec.and_then(|s| field(s, "lastkey")));
            let step = int_of(fspec.and_then(|s| field(s, "keystep"))).max(1);
            let limit = int_of(fspec.and_then(|s| field(s, "limit")));
            let last = if lastkey >= 0 {
                first + lastkey
            } else if limit <= 1 {
                argc + lastkey
            } else {
                first + ((argc - first) / limit + lastkey)
            };
            (last, step)
        }
        "keynum" => {
            let idx = first + int_of(fspec.and_then(|s| field(s, "keynumidx")));
            let Some(num) = args.get(idx as usize).and_then(|a| crate::numbers::parse_i64(a)) else {
                return Err("ERR Invalid arguments specified for command".into());
            };
            let firstkey = idx + int_of(fspec.and_then(|s| field(s, "firstkey")));
            let step = int_of(fspec.and_then(|s| field(s, "keystep"))).max(1);
            let out: Vec<usize> = (0..num.max(0)).map(|k| (firstkey + k * step) as usize).collect();
            if out.iter().any(|p| *p as i64 >= argc) {
                return Err("ERR Invalid arguments specified for command".into());
            }
            return Ok(out);
        }
        _ => return Ok(Vec::new()),
    };
    if first >= argc || last >= argc {
        return Err("ERR Invalid arguments specified for command".into());
    }
    let mut out = Vec::new();
    let mut i = first;
    while i <= last {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

/// COMMAND HELP → Array of help lines.
fn help(_ctx: &mut Ctx, _a: &[Bytes]) -> CmdResult {
    Ok(super::keys::help_reply(include_str!("help/command.txt")))
}

//! Command metadata recorded from Redis 7.0.15 by `tools/gen_command_meta.py`: each
//! command's and subcommand's tips, key specs and COMMAND DOCS entry, for COMMAND INFO
//! and COMMAND DOCS to answer byte for byte as Redis does.
//!
//! `commands.resp` is one RESP3 map from full name (`get`, `client|list`) to the array
//! `[tips, key specs, docs]`, each value exactly as Redis sent it, with one exception:
//! a container's `subcommands` docs map is sorted by name, because Redis lists it in
//! hash-table order, which changes at every start. Regenerate it with the script; never
//! edit it by hand.
//!
//! Architecture invariant: this module only hands out recorded values. Which commands
//! exist, their arity, flags and key positions come from the command table; a command
//! missing here gets empty tips and key specs and no docs, as an unrecorded command
//! would in Redis. Parsing happens once, on first use, and cannot panic: a file that did
//! not parse would leave every lookup empty (the tests make sure it parses).

use std::collections::HashMap;
use std::sync::LazyLock;

use bytes::Bytes;

use crate::protocol::reader::read_reply_shared;
use crate::protocol::Reply;

/// The recorded metadata, embedded in the binary.
static RECORDED: &[u8] = include_bytes!("commands.resp");

/// What Redis 7.0.15 reports for one command or subcommand.
struct Recorded {
    /// COMMAND INFO element 8: a set of tip strings, e.g. `nondeterministic_output`.
    tips: Reply,
    /// COMMAND INFO element 9: a set of key-spec maps.
    key_specs: Reply,
    /// The COMMAND DOCS map for this name.
    docs: Reply,
}

/// Full name (lowercase) → its metadata; parsed on first use.
static TABLE: LazyLock<HashMap<Bytes, Recorded>> = LazyLock::new(load);

fn load() -> HashMap<Bytes, Recorded> {
    // The strings share the embedded bytes instead of copying them.
    let Ok(Some(read)) = read_reply_shared(&Bytes::from_static(RECORDED)) else {
        return HashMap::new();
    };
    let Reply::Map(pairs) = read.reply else {
        return HashMap::new();
    };
    pairs
        .into_iter()
        .filter_map(|(name, value)| {
            let (Reply::Bulk(name), Reply::Array(values)) = (name, value) else {
                return None;
            };
            let [tips, key_specs, docs] = <[Reply; 3]>::try_from(values).ok()?;
            Some((name, Recorded { tips, key_specs, docs }))
        })
        .collect()
}

fn lookup(fullname: &str) -> Option<&'static Recorded> {
    TABLE.get(fullname.to_ascii_lowercase().as_bytes())
}

/// COMMAND INFO's tips for `fullname` (`get`, `client|list`): a set of strings, empty
/// when the command has none or was not recorded.
pub fn tips(fullname: &str) -> Reply {
    lookup(fullname).map_or_else(|| Reply::Set(Vec::new()), |r| r.tips.clone())
}

/// COMMAND INFO's key specs for `fullname`: a set of maps, empty when the command has
/// none or was not recorded.
pub fn key_specs(fullname: &str) -> Reply {
    lookup(fullname).map_or_else(|| Reply::Set(Vec::new()), |r| r.key_specs.clone())
}

/// The COMMAND DOCS map for `fullname`: a top-level command (a container's entry holds
/// its subcommands' docs), or a subcommand by full name (`client|list`), which Redis 7.0
/// also answers. `None` when it was not recorded.
pub fn docs(fullname: &str) -> Option<Reply> {
    lookup(fullname).map(|r| r.docs.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::encode;
    use bytes::BytesMut;

    fn enc(r: &Reply, resp: u8) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(r, resp, &mut out);
        out.to_vec()
    }

    #[test]
    fn the_recorded_file_parses_and_re_encodes_to_itself() {
        let read = read_reply_shared(&Bytes::from_static(RECORDED)).unwrap().unwrap();
        assert_eq!(read.consumed, RECORDED.len());
        assert_eq!(enc(&read.reply, 3), RECORDED);
        assert_eq!(TABLE.len(), 366);
        for recorded in TABLE.values() {
            assert!(matches!(recorded.tips, Reply::Set(_)));
            assert!(matches!(recorded.key_specs, Reply::Set(_)));
            assert!(matches!(recorded.docs, Reply::Map(_)));
        }
    }

    // The expected bytes below were recorded from redis-server 7.0.15: the elements of
    // `COMMAND INFO get` / `COMMAND INFO client|list` and the value of `COMMAND DOCS get`,
    // after `HELLO 3` and after `HELLO 2`.

    #[test]
    fn get_matches_redis() {
        let key_specs_3 = b"~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n";
        let key_specs_2 = b"*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n";
        let docs_3 = b"%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";
        let docs_2 = b"*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";
        assert_eq!(enc(&tips("get"), 3), b"~0\r\n");
        assert_eq!(enc(&tips("get"), 2), b"*0\r\n");
        assert_eq!(enc(&key_specs("get"), 3), key_specs_3);
        assert_eq!(enc(&key_specs("get"), 2), key_specs_2);
        let docs = docs("GET").unwrap();
        assert_eq!(enc(&docs, 3), docs_3);
        assert_eq!(enc(&docs, 2), docs_2);
    }

    #[test]
    fn subcommand_tips_match_redis() {
        assert_eq!(enc(&tips("client|list"), 3), b"~1\r\n$23\r\nnondeterministic_output\r\n");
        assert_eq!(enc(&tips("client|list"), 2), b"*1\r\n$23\r\nnondeterministic_output\r\n");
        assert_eq!(enc(&key_specs("client|list"), 3), b"~0\r\n");
    }

    #[test]
    fn containers_hold_their_subcommands_docs_sorted() {
        let Some(Reply::Map(client)) = docs("client") else { panic!("no docs for client") };
        let subcommands = client.iter().find(|(k, _)| *k == Reply::bulk(b"subcommands")).map(|(_, v)| v.clone());
        let Some(Reply::Map(subcommands)) = subcommands else { panic!("no subcommands") };
        let names: Vec<Reply> = subcommands.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(names.len(), 16);
        assert_eq!(names[0], Reply::bulk(b"client|caching"));
        assert!(names.windows(2).all(|w| match w {
            [Reply::Bulk(a), Reply::Bulk(b)] => a < b,
            _ => false,
        }));
        let list = subcommands.iter().find(|(k, _)| *k == Reply::bulk(b"client|list"));
        assert_eq!(list.map(|(_, v)| v.clone()), docs("client|list"));
    }

    #[test]
    fn unknown_names_are_empty() {
        assert_eq!(enc(&tips("nosuch"), 3), b"~0\r\n");
        assert_eq!(enc(&key_specs("nosuch|sub"), 2), b"*0\r\n");
        assert_eq!(docs("nosuch"), None);
    }
}

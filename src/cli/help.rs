//! `help <command>`, `help @group` and the REPL's argument hints, built from the
//! server's `COMMAND DOCS` reply (which the REPL asks for before its first prompt, as
//! redis-cli does).
//!
//! Owns turning a command's documented arguments into one line of syntax
//! (`key value [NX|XX] [GET] [EX seconds|...]`) and the layout of a help entry. Must
//! not: talk to the server; with no docs (the server lacks COMMAND DOCS) help says so
//! and hints are off.

use crate::protocol::Reply;

use super::format::text_of;

/// One documented command (or subcommand, named `CONTAINER SUB`).
#[derive(Clone, Debug, Default)]
pub struct CommandHelp {
    /// Upper-case name, `CLIENT KILL` for a subcommand.
    pub name: String,
    /// The argument syntax on one line.
    pub params: String,
    pub summary: String,
    pub since: String,
    pub group: String,
}

/// Every documented command, in the order the server listed them.
#[derive(Default)]
pub struct Docs {
    pub commands: Vec<CommandHelp>,
}

/// The pairs of a map reply, whether it came as a RESP3 map or a RESP2 flat array.
fn pairs(reply: &Reply) -> Vec<(&Reply, &Reply)> {
    match reply {
        Reply::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        Reply::Array(items) => items.chunks_exact(2).map(|c| (&c[0], &c[1])).collect(),
        _ => Vec::new(),
    }
}

fn text(reply: &Reply) -> String {
    text_of(reply).map(|t| String::from_utf8_lossy(t).into_owned()).unwrap_or_default()
}

fn field<'a>(fields: &[(&'a Reply, &'a Reply)], name: &str) -> Option<&'a Reply> {
    fields.iter().find(|(k, _)| text(k) == name).map(|(_, v)| *v)
}

fn items(reply: Option<&Reply>) -> &[Reply] {
    match reply {
        Some(Reply::Array(items) | Reply::Set(items)) => items,
        _ => &[],
    }
}

/// One argument's syntax.
fn render_arg(arg: &Reply) -> String {
    let fields = pairs(arg);
    let get = |name: &str| field(&fields, name).map(text).unwrap_or_default();
    let kind = get("type");
    let token = get("token");
    let name = get("name");
    let flags: Vec<String> = items(field(&fields, "flags")).iter().map(text).collect();
    let has = |flag: &str| flags.iter().any(|f| f == flag);
    let children = || items(field(&fields, "arguments")).iter().map(render_arg).collect::<Vec<_>>();
    let base = match kind.as_str() {
        "pure-token" => token.clone(),
        "oneof" => children().join("|"),
        "block" => children().join(" "),
        _ => name,
    };
    let with_token = if !token.is_empty() && kind != "pure-token" { format!("{token} {base}") } else { base.clone() };
    let text = if has("multiple_token") {
        format!("{with_token} [{with_token} ...]")
    } else if has("multiple") {
        format!("{with_token} [{base} ...]")
    } else {
        with_token
    };
    if has("optional") {
        format!("[{text}]")
    } else {
        text
    }
}

impl Docs {
    /// Reads a `COMMAND DOCS` reply; an error or an unexpected shape gives no docs.
    pub fn from_reply(reply: &Reply) -> Docs {
        let mut docs = Docs::default();
        for (name, doc) in pairs(reply) {
            docs.add(&text(name).to_uppercase(), doc);
        }
        docs
    }

    fn add(&mut self, name: &str, doc: &Reply) {
        let fields = pairs(doc);
        let get = |f: &str| field(&fields, f).map(text).unwrap_or_default();
        let params = items(field(&fields, "arguments")).iter().map(render_arg).collect::<Vec<_>>().join(" ");
        self.commands.push(CommandHelp {
            name: name.to_string(),
            params,
            summary: get("summary"),
            since: get("since"),
            group: get("group"),
        });
        if let Some(subs) = field(&fields, "subcommands") {
            for (sub, doc) in pairs(subs) {
                // Subcommands are listed as `container|sub`.
                let sub = text(sub).to_uppercase().replace('|', " ");
                self.add(&sub, doc);
            }
        }
    }

    /// The text `help <words>` prints.
    pub fn help_text(&self, words: &[Vec<u8>]) -> String {
        if words.is_empty() {
            return format!(
                "redis-cli {} (ferrokv {})\n\
                 To get help about Redis commands type:\n      \
                 \"help @<group>\" to get a list of commands in <group>\n      \
                 \"help <command>\" for help on <command>\n      \
                 \"quit\" to exit\n",
                crate::REDIS_VERSION,
                crate::VERSION
            );
        }
        let asked = words.iter().map(|w| String::from_utf8_lossy(w).to_uppercase()).collect::<Vec<_>>().join(" ");
        let mut out = String::new();
        out.push_str("\r\n");
        if let Some(group) = asked.strip_prefix('@') {
            let mut members: Vec<&CommandHelp> =
                self.commands.iter().filter(|c| c.group.eq_ignore_ascii_case(group)).collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            for cmd in members {
                out.push_str(&entry(cmd, false));
            }
            return out;
        }
        let matching: Vec<&CommandHelp> = self
            .commands
            .iter()
            .filter(|c| c.name == asked || (c.name.starts_with(&asked) && c.name[asked.len()..].starts_with(' ')))
            .collect();
        for cmd in matching {
            out.push_str(&entry(cmd, true));
        }
        out
    }

    /// The hint shown after `line` at the prompt: the syntax of the arguments still
    /// to type, or `None`.
    pub fn hint(&self, line: &str) -> Option<String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let first = words.first()?.to_uppercase();
        let two = words.get(1).map(|w| format!("{first} {}", w.to_uppercase()));
        let ends_with_space = line.ends_with(' ');
        let (cmd, used) = match two.as_ref().and_then(|n| self.commands.iter().find(|c| &c.name == n)) {
            Some(cmd) => (cmd, 2),
            None => (self.commands.iter().find(|c| c.name == first)?, 1),
        };
        if cmd.params.is_empty() {
            return None;
        }
        let typed = words.len().saturating_sub(used);
        if typed == 0 {
            return Some(if ends_with_space { cmd.params.clone() } else { format!(" {}", cmd.params) });
        }
        if !ends_with_space {
            return None;
        }
        let rest: Vec<&str> = cmd.params.split(' ').skip(typed).collect();
        (!rest.is_empty()).then(|| rest.join(" "))
    }
}

/// One help entry, with redis-cli's colours (bold name, grey syntax, yellow labels).
fn entry(cmd: &CommandHelp, with_group: bool) -> String {
    let mut out = format!(
        "  \x1b[1m{}\x1b[0m \x1b[90m{}\x1b[0m\r\n  \x1b[33msummary:\x1b[0m {}\r\n  \x1b[33msince:\x1b[0m {}\r\n",
        cmd.name, cmd.params, cmd.summary, cmd.since
    );
    if with_group {
        out.push_str(&format!("  \x1b[33mgroup:\x1b[0m {}\r\n", cmd.group));
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Reply {
        Reply::bulk(s.as_bytes())
    }

    fn map(fields: Vec<(&str, Reply)>) -> Reply {
        Reply::Map(fields.into_iter().map(|(k, v)| (b(k), v)).collect())
    }

    fn set_docs() -> Reply {
        let token = |t: &str| map(vec![("name", b(&t.to_lowercase())), ("type", b("pure-token")), ("token", b(t))]);
        let args = Reply::Array(vec![
            map(vec![("name", b("key")), ("type", b("key"))]),
            map(vec![("name", b("value")), ("type", b("string"))]),
            map(vec![
                ("name", b("condition")),
                ("type", b("oneof")),
                ("flags", Reply::Array(vec![Reply::simple("optional")])),
                ("arguments", Reply::Array(vec![token("NX"), token("XX")])),
            ]),
            map(vec![
                ("name", b("seconds")),
                ("type", b("integer")),
                ("token", b("EX")),
                ("flags", Reply::Array(vec![Reply::simple("optional")])),
            ]),
            map(vec![
                ("name", b("field")),
                ("type", b("string")),
                ("flags", Reply::Array(vec![Reply::simple("optional"), Reply::simple("multiple")])),
            ]),
        ]);
        Reply::Map(vec![(
            b("set"),
            map(vec![("summary", b("Set it")), ("since", b("1.0.0")), ("group", b("string")), ("arguments", args)]),
        )])
    }

    #[test]
    fn syntax_from_docs() {
        let docs = Docs::from_reply(&set_docs());
        assert_eq!(docs.commands[0].params, "key value [NX|XX] [EX seconds] [field [field ...]]");
        assert!(docs.help_text(&[b"set".to_vec()]).contains("\x1b[1mSET\x1b[0m \x1b[90mkey value"));
        assert_eq!(docs.help_text(&[b"nosuch".to_vec()]), "\r\n");
        assert_eq!(docs.hint("set").as_deref(), Some(" key value [NX|XX] [EX seconds] [field [field ...]]"));
        assert_eq!(docs.hint("SET k ").as_deref(), Some("value [NX|XX] [EX seconds] [field [field ...]]"));
        assert_eq!(docs.hint("set k"), None);
        assert_eq!(docs.hint("get "), None);
    }
}

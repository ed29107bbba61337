//! Loading configuration at start-up: the command line, the file, `include`.
//!
//! Owns how `redis-server`'s arguments become configuration text and how that text is
//! read line by line, mirroring Redis 7.0.15 (recorded by running it):
//! - the text is the file's contents, then standard input's (with `-`), then `"\n"`, then
//!   one line per `--option`, with its values quoted (`--port abc` → `port "abc"`); line
//!   numbers in errors count through all of it;
//! - a line is trimmed, skipped if empty or starting with `#`, split like `sdssplitargs`;
//!   its first word (any case) is a parameter, `include`, `rename-command`, `user`,
//!   `loadmodule`, `sentinel`, a module's dotted parameter, or one of the silently
//!   ignored deprecated names;
//! - a multi-argument parameter given one non-empty argument splits it again
//!   (`--save "60 1"` works);
//! - `include` reads another file (or a glob of files, concatenated) as a separate text,
//!   with its own line numbers;
//! - after each text, a non-empty `logfile` must be openable for appending.
//!
//! What it must not do: change the process (no `chdir`, no daemonizing); see `mod.rs`.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use super::error::{strerror, ConfigError};
use super::special::SetContext;
use super::table::lookup;
use super::{Config, Directive};
use crate::glob::glob_match;
use crate::sds::{quote_arg, split_args};

/// Configuration names Redis 7.0 still accepts (with one argument) and ignores.
const DEPRECATED: &[&[u8]] = &[b"list-max-ziplist-entries", b"list-max-ziplist-value", b"lua-replicate-commands"];

/// Whether `-` asks for standard input: as the first or the last argument.
pub(crate) fn wants_stdin(args: &[String]) -> bool {
    let last = args.len().saturating_sub(1);
    args.iter().enumerate().any(|(j, a)| a == "-" && (j == 0 || j == last))
}

pub(crate) fn from_args(defaults: Config, args: &[String]) -> Result<Config, ConfigError> {
    let mut config = defaults;
    let mut first_option = 0;
    let mut config_file = None;
    if let Some(first) = args.first() {
        if !first.starts_with('-') {
            config_file = Some(absolute_path(first));
            first_option = 1;
        }
    }
    let options = options_text(args, first_option);

    let mut text = Vec::new();
    if let Some(path) = &config_file {
        text = read_config_file(path, Path::new("/"))?;
        config.config_file = Some(path.clone());
    }
    if wants_stdin(args) {
        let mut stdin = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut stdin)
            .map_err(|e| ConfigError::cant_open("-", &strerror(&e)))?;
        text.extend_from_slice(&stdin);
    }
    text.push(b'\n');
    text.extend_from_slice(&options);

    Loader::new(&mut config).load_text(&text)?;
    Ok(config)
}

pub(crate) fn apply_text(config: &mut Config, text: &[u8]) -> Result<(), ConfigError> {
    Loader::new(config).load_text(text)
}

/// The command-line options as configuration lines, the way `redis-server` builds them:
/// `--name` starts a line with the name as typed; each following argument is appended
/// quoted. A lone `--save` followed by another option (or last) means `--save ""`. After
/// a bare `--name`, the next argument is its value even if it starts with `--`.
fn options_text(args: &[String], start: usize) -> Vec<u8> {
    let mut options = Vec::new();
    let mut value_given = true;
    let last = args.len().saturating_sub(1);
    for (j, arg) in args.iter().enumerate().skip(start) {
        if arg == "-" && (j == 0 || j == last) {
            continue; // standard input, read separately
        }
        if value_given && arg.starts_with("--") {
            if !options.is_empty() {
                options.push(b'\n');
            }
            options.extend_from_slice(&arg.as_bytes()[2..]);
            options.push(b' ');
            // "--port 6380" as one argument carries its own value.
            if split_args(arg.as_bytes()).is_some_and(|words| words.len() == 1) {
                value_given = false;
                let next_is_option = args.get(j + 1).is_some_and(|n| n.starts_with("--"));
                if arg.eq_ignore_ascii_case("--save") && (next_is_option || j == last) {
                    options.extend_from_slice(b"\"\"");
                    value_given = next_is_option;
                } else if arg.eq_ignore_ascii_case("--sentinel") && next_is_option {
                    value_given = true;
                }
            } else {
                value_given = true;
            }
        } else {
            quote_arg(arg.as_bytes(), &mut options);
            options.push(b' ');
            value_given = true;
        }
    }
    options
}

/// Redis's `getAbsolutePath`: the current directory joined with `path`, each leading
/// `../` taking one directory off (other `.` and `..` parts are kept as written).
fn absolute_path(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let mut cwd = std::env::current_dir().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let mut rest = path;
    while let Some(stripped) = rest.strip_prefix("../") {
        rest = stripped;
        if let Some(cut) = cwd.rfind('/') {
            cwd.truncate(cut.max(1));
        }
    }
    if cwd.ends_with('/') {
        format!("{cwd}{rest}")
    } else {
        format!("{cwd}/{rest}")
    }
}

/// The contents of the configuration file(s) at `path`: one file, or every file a glob
/// matches (sorted, concatenated; none is fine). Relative paths start at `base`.
fn read_config_file(path: &str, base: &Path) -> Result<Vec<u8>, ConfigError> {
    let is_glob = path.contains(['*', '?', '[']);
    let files = if is_glob { expand_glob(path, base) } else { vec![(path.to_string(), base.join(path))] };
    let mut text = Vec::new();
    for (shown, file) in files {
        let bytes = std::fs::read(&file).map_err(|e| ConfigError::cant_open(&shown, &strerror(&e)))?;
        text.extend_from_slice(&bytes);
    }
    Ok(text)
}

/// The files a glob pattern names, like glob(3): component by component, a leading `.`
/// matched only explicitly, results sorted. Each comes with the path as Redis would show
/// it (relative patterns stay relative).
fn expand_glob(pattern: &str, base: &Path) -> Vec<(String, PathBuf)> {
    let absolute = pattern.starts_with('/');
    let mut found: Vec<String> = vec![if absolute { "/".into() } else { String::new() }];
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts {
        let mut next = Vec::new();
        for prefix in &found {
            let join = |name: &str| {
                if prefix.is_empty() || prefix.ends_with('/') {
                    format!("{prefix}{name}")
                } else {
                    format!("{prefix}/{name}")
                }
            };
            if !part.contains(['*', '?', '[']) {
                next.push(join(part));
                continue;
            }
            let dir = if prefix.is_empty() { base.to_path_buf() } else { base.join(prefix) };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') || part.starts_with('.'))
                .filter(|n| glob_match(part.as_bytes(), n.as_bytes(), false))
                .collect();
            names.sort();
            next.extend(names.iter().map(|n| join(n)));
        }
        found = next;
    }
    found
        .into_iter()
        .map(|shown| {
            let path = base.join(&shown);
            (shown, path)
        })
        .filter(|(_, path)| path.is_file())
        .collect()
}

/// Reads configuration texts into a `Config`, carrying Redis's load-wide state.
struct Loader<'a> {
    config: &'a mut Config,
    ctx: SetContext,
}

impl<'a> Loader<'a> {
    fn new(config: &'a mut Config) -> Loader<'a> {
        Loader { config, ctx: SetContext::default() }
    }

    /// One configuration text (Redis's `loadServerConfigFromString`).
    fn load_text(&mut self, text: &[u8]) -> Result<(), ConfigError> {
        self.ctx.reading_file = true;
        for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let shown = String::from_utf8_lossy(line).into_owned();
            let fail = |reason: &str| ConfigError::at_line(index + 1, &shown, reason);
            let Some(argv) = split_args(line) else {
                return Err(fail("Unbalanced quotes in configuration line"));
            };
            let Some((name, args)) = argv.split_first() else {
                continue;
            };
            if let Some(param) = lookup(name) {
                let multi = param.kind.is_multi();
                if !multi && args.len() != 1 {
                    return Err(fail("wrong number of arguments"));
                }
                let resplit;
                let args = match args {
                    // `--save "60 1"` arrives as one argument; split it again.
                    [one] if multi && !one.is_empty() => {
                        resplit = split_args(one).unwrap_or_default();
                        resplit.as_slice()
                    }
                    _ => args,
                };
                param.kind.set(param.name, self.config, args, &mut self.ctx).map_err(|reason| fail(&reason))?;
                continue;
            }
            let directive = || Directive { args: args.to_vec(), line: index + 1, text: shown.clone() };
            match name.to_ascii_lowercase().as_slice() {
                b"include" if args.len() == 1 => self.include(&args[0])?,
                b"rename-command" if args.len() == 2 => {
                    // Checked here, as Redis renames while it reads the line.
                    self.config.rename_commands.push(directive());
                    crate::commands::table::Renames::check(&self.config.rename_commands)
                        .map_err(|(_, reason)| fail(reason))?;
                }
                b"user" if !args.is_empty() => self.config.users.push(directive()),
                b"loadmodule" if !args.is_empty() => self.config.load_modules.push(directive()),
                // A bare `sentinel` line is accepted; anything more needs sentinel mode.
                b"sentinel" if args.is_empty() => {}
                b"sentinel" => return Err(fail("sentinel directive while not in sentinel mode")),
                n if args.len() == 1 && DEPRECATED.contains(&n) => {}
                // A dotted name is a module's parameter, kept for the module.
                n if n.contains(&b'.') => {
                    if args.is_empty() {
                        return Err(fail("Module config specified without value"));
                    }
                    self.config.module_configs.push(directive());
                }
                _ => return Err(fail("Bad directive or wrong number of arguments")),
            }
        }
        self.ctx.reading_file = false;
        self.check_logfile()
    }

    /// `include <path>`: relative to `dir` (Redis has `chdir`'d there by now), read as a
    /// text of its own.
    fn include(&mut self, path: &[u8]) -> Result<(), ConfigError> {
        let path = String::from_utf8_lossy(path).into_owned();
        let text = read_config_file(&path, &self.config.dir_path())?;
        self.load_text(&text)
    }

    /// Redis opens a configured log file for appending when loading ends and refuses to
    /// start if it can't.
    fn check_logfile(&self) -> Result<(), ConfigError> {
        if self.config.logfile.is_empty() {
            return Ok(());
        }
        let path = self.config.resolve_path(&self.config.logfile);
        OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map(|_| ())
            .map_err(|e| ConfigError::whole(&format!("Can't open the log file: {}", strerror(&e))))
    }
}

/// Redis's `sdstrim(line, " \t\r\n")`.
fn trim(mut line: &[u8]) -> &[u8] {
    let strip = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    while line.first().is_some_and(strip) {
        line = &line[1..];
    }
    while line.last().is_some_and(strip) {
        line = &line[..line.len() - 1];
    }
    line
}

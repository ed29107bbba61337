//! The client's command line: redis-cli's options, its `redis://` URIs and its texts
//! for `--help`, `--version` and a bad option.
//!
//! Owns turning argv into [`Options`] the way redis-cli 7.0 reads it: options come
//! first, the first word that is not an option starts the command; numbers are read
//! like C's `atoi` (`-n abc` is database 0); a later option overrides an earlier one
//! (`-u` and `-p` included). Must not: connect, or read stdin.

use super::format::Output;

/// Everything the command line asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-h`: the server's host name or address.
    pub host: String,
    /// `-p`.
    pub port: u16,
    /// `-s`: a Unix socket path, used instead of host and port.
    pub socket: Option<String>,
    /// `--user`: sent as `AUTH user password` when a password is given too.
    pub user: Option<Vec<u8>>,
    /// `-a`, `--pass`, the `-u` URI's password or `REDISCLI_AUTH`.
    pub password: Option<Vec<u8>>,
    /// The password came from the command line (so the warning applies).
    pub password_on_command_line: bool,
    /// `--no-auth-warning`.
    pub no_auth_warning: bool,
    /// `-n` (or the URI's path): the database selected after connecting.
    pub db: i64,
    /// `-2` / `-3`: the protocol asked for; `None` keeps RESP2 without a HELLO,
    /// except that `--json` asks for RESP3 unless `-2` was given.
    pub resp: Option<u8>,
    /// `-r`: how many times to run the command; negative means forever.
    pub repeat: i64,
    /// `-i`: seconds to wait between repetitions (and between `--scan` batches).
    pub interval: f64,
    /// `-x`: the command's last argument is read from stdin.
    pub stdin_last_arg: bool,
    /// `-e`: exit with status 1 when the command replies with an error.
    pub exit_on_error: bool,
    /// The output mode forced by `--raw`, `--no-raw`, `--csv` or `--json`; `None`
    /// chooses standard on a terminal, raw otherwise.
    pub output: Option<Output>,
    /// `--scan`: list the keys with SCAN.
    pub scan: bool,
    /// `--pattern`: SCAN's MATCH.
    pub pattern: Option<Vec<u8>>,
    /// `--count`: SCAN's COUNT (redis-cli 7.2's option; 7.0 has none).
    pub count: Option<u64>,
    /// `--pipe`: send stdin as raw protocol.
    pub pipe: bool,
    /// `--pipe-timeout`: seconds to wait for the last reply in `--pipe` mode (0: forever).
    pub pipe_timeout: u64,
    /// `--askpass`: read the password from the terminal.
    pub askpass: bool,
    /// The command and its arguments, if any were given.
    pub command: Vec<Vec<u8>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            host: "127.0.0.1".to_string(),
            port: 6379,
            socket: None,
            user: None,
            password: None,
            password_on_command_line: false,
            no_auth_warning: false,
            db: 0,
            resp: None,
            repeat: 1,
            interval: 0.0,
            stdin_last_arg: false,
            exit_on_error: false,
            output: None,
            scan: false,
            pattern: None,
            count: None,
            pipe: false,
            pipe_timeout: 30,
            askpass: false,
            command: Vec::new(),
        }
    }
}

/// What the command line asks for besides running commands.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Run as the options say.
    Run,
    /// `--help`: print the usage and exit 0.
    Help,
    /// `-v` / `--version`.
    Version,
}

/// A command line the client refuses: the message for stderr; the exit status is 1.
#[derive(Debug, PartialEq, Eq)]
pub struct BadOption(pub String);

/// The version line printed by `--version`.
pub fn version_text() -> String {
    format!("redis-cli {} (ferrokv {})\n", crate::REDIS_VERSION, crate::VERSION)
}

/// The text printed by `--help`: the options this client understands.
pub fn usage_text() -> String {
    format!(
        "{}\nUsage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]\n\
  -h <hostname>      Server hostname (default: 127.0.0.1).\n\
  -p <port>          Server port (default: 6379).\n\
  -s <socket>        Server socket (overrides hostname and port).\n\
  -a <password>      Password to send with AUTH after connecting; the\n\
                     REDISCLI_AUTH environment variable is a safer way to give it.\n\
  --user <username>  Send 'AUTH username password' (needs a password).\n\
  --pass <password>  Same as -a.\n\
  --askpass          Read the password from the terminal, without echo.\n\
  --no-auth-warning  Do not warn about a password on the command line.\n\
  -u <uri>           Server URI: redis://[[user]:password@]host[:port][/db].\n\
  -n <db>            Database number.\n\
  -2                 Talk RESP2 (the default).\n\
  -3                 Talk RESP3 (sends HELLO 3 after connecting).\n\
  -r <repeat>        Run the command this many times (-1: forever).\n\
  -i <interval>      Seconds to wait between repetitions (and --scan batches).\n\
  -x                 Read the command's last argument from stdin.\n\
  -e                 Exit with status 1 when the command replies with an error.\n\
  --raw              Print replies raw (the default when stdout is not a tty).\n\
  --no-raw           Print replies formatted even when stdout is not a tty.\n\
  --csv              Print replies as CSV.\n\
  --json             Print replies as JSON (talks RESP3 unless -2 is given).\n\
  --scan             List all keys with SCAN.\n\
  --pattern <pat>    The MATCH pattern for --scan (default: *).\n\
  --count <n>        The COUNT hint for --scan.\n\
  --pipe             Send raw Redis protocol from stdin to the server.\n\
  --pipe-timeout <n> In --pipe mode, give up when no reply came for <n> seconds\n\
                     after all data was sent (default 30; 0 waits forever).\n\
  --help             Print this help and exit.\n\
  -v, --version      Print the version and exit.\n\
\n\
Examples:\n\
  cat /etc/passwd | redis-cli -x set mypasswd\n\
  redis-cli -r 100 lpush mylist x\n\
  redis-cli --scan --pattern '*:12345*'\n\
\n\
When no command is given, redis-cli reads commands: at a prompt on a terminal,\n\
else one per line from stdin.\n",
        version_text()
    )
}

/// C's `atoi`/`strtoll` as redis-cli uses them: leading blanks, an optional sign, the
/// digits that follow; anything else yields what was read so far (0 for none).
fn atoi(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if negative {
        -n
    } else {
        n
    }
}

/// C's `atof` for `-i`: the longest prefix that reads as a number, else 0.
fn atof(s: &str) -> f64 {
    let s = s.trim_start();
    (1..=s.len())
        .rev()
        .filter(|&end| s.is_char_boundary(end))
        .find_map(|end| s[..end].parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Parses argv (without the program name) into `opts`. `env_auth` is `REDISCLI_AUTH`.
pub fn parse(args: &[String], env_auth: Option<Vec<u8>>, opts: &mut Options) -> Result<Parsed, BadOption> {
    if let Some(pw) = env_auth {
        opts.password = Some(pw);
    }
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let has_value = i + 1 < args.len();
        let value = || args.get(i + 1).cloned().unwrap_or_default();
        let takes_value = matches!(
            arg,
            "-h" | "-p"
                | "-s"
                | "-a"
                | "--pass"
                | "--user"
                | "-u"
                | "-n"
                | "-r"
                | "-i"
                | "--pattern"
                | "--count"
                | "--pipe-timeout"
        );
        if takes_value && !has_value {
            return Err(BadOption(format!("Unrecognized option or bad number of args for: '{arg}'")));
        }
        match arg {
            "-h" => opts.host = value(),
            "-p" => opts.port = atoi(&value()) as u16,
            "-s" => opts.socket = Some(value()),
            "-a" | "--pass" => {
                opts.password = Some(value().into_bytes());
                opts.password_on_command_line = true;
            }
            "--user" => opts.user = Some(value().into_bytes()),
            "-u" => parse_uri(&value(), opts)?,
            "-n" => opts.db = atoi(&value()),
            "-r" => opts.repeat = atoi(&value()),
            "-i" => opts.interval = atof(&value()),
            "--pattern" => opts.pattern = Some(value().into_bytes()),
            "--count" => opts.count = Some(atoi(&value()).max(0) as u64),
            "--pipe-timeout" => opts.pipe_timeout = atoi(&value()).max(0) as u64,
            "-2" => opts.resp = Some(2),
            "-3" => opts.resp = Some(3),
            "-x" => opts.stdin_last_arg = true,
            "-e" => opts.exit_on_error = true,
            "--raw" => opts.output = Some(Output::Raw),
            "--no-raw" => opts.output = Some(Output::Standard),
            "--csv" => opts.output = Some(Output::Csv),
            "--json" => opts.output = Some(Output::Json),
            "--scan" => opts.scan = true,
            "--pipe" => opts.pipe = true,
            "--askpass" => opts.askpass = true,
            "--no-auth-warning" => opts.no_auth_warning = true,
            "--help" => return Ok(Parsed::Help),
            "-v" | "--version" => return Ok(Parsed::Version),
            _ if arg.starts_with('-') => {
                return Err(BadOption(format!("Unrecognized option or bad number of args for: '{arg}'")))
            }
            _ => {
                opts.command = args[i..].iter().map(|a| a.clone().into_bytes()).collect();
                break;
            }
        }
        i += if takes_value { 2 } else { 1 };
    }
    // --json talks RESP3 unless RESP2 was asked for explicitly.
    if opts.output == Some(Output::Json) && opts.resp.is_none() {
        opts.resp = Some(3);
    }
    Ok(Parsed::Run)
}

/// Reads `redis://[[user]:password@]host[:port][/db]` into `opts`, as redis-cli does:
/// without a colon the user-info part is all password; `%XX` escapes are decoded in
/// user and password; a missing port or database leaves the current one.
fn parse_uri(uri: &str, opts: &mut Options) -> Result<(), BadOption> {
    let rest = if let Some(rest) = uri.strip_prefix("redis://") {
        rest
    } else if uri.starts_with("rediss://") {
        return Err(BadOption("TLS (rediss://) is not supported by this redis-cli".to_string()));
    } else {
        return Err(BadOption("Invalid URI scheme".to_string()));
    };
    let (userinfo, hostpart) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    if let Some(info) = userinfo {
        match info.find(':') {
            Some(colon) => {
                opts.user = Some(percent_decode(&info[..colon]));
                opts.password = Some(percent_decode(&info[colon + 1..]));
            }
            None => opts.password = Some(percent_decode(info)),
        }
        opts.password_on_command_line = true;
    }
    let (hostport, path) = match hostpart.find('/') {
        Some(slash) => (&hostpart[..slash], Some(&hostpart[slash + 1..])),
        None => (hostpart, None),
    };
    let (host, port) = match hostport.rfind(':') {
        Some(colon) => (&hostport[..colon], Some(&hostport[colon + 1..])),
        None => (hostport, None),
    };
    if !host.is_empty() {
        opts.host = host.to_string();
    }
    if let Some(port) = port {
        opts.port = atoi(port) as u16;
    }
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        opts.db = atoi(path);
    }
    Ok(())
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(args: &[&str]) -> Result<Options, BadOption> {
        let mut opts = Options::default();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, None, &mut opts).map(|_| opts)
    }

    #[test]
    fn options_then_command() {
        let o = parse_all(&["-h", "h", "-p", "7000", "-n", "abc", "-r", "3", "get", "-x"]).unwrap();
        assert_eq!((o.host.as_str(), o.port, o.db, o.repeat), ("h", 7000, 0, 3));
        assert_eq!(o.command, vec![b"get".to_vec(), b"-x".to_vec()]);
        assert!(!o.stdin_last_arg);
        assert_eq!(parse_all(&["-p"]).unwrap_err().0, "Unrecognized option or bad number of args for: '-p'");
        assert_eq!(
            parse_all(&["--bogus", "x"]).unwrap_err().0,
            "Unrecognized option or bad number of args for: '--bogus'"
        );
        assert_eq!(parse_all(&["--json"]).unwrap().resp, Some(3));
        assert_eq!(parse_all(&["--json", "-2"]).unwrap().resp, Some(2));
        assert_eq!(parse_all(&["-i", "0.25x"]).unwrap().interval, 0.25);
    }

    #[test]
    fn uris() {
        let o = parse_all(&["-u", "redis://:pw@example:7001/3"]).unwrap();
        assert_eq!(
            (o.user, o.password, o.host.as_str(), o.port, o.db),
            (Some(vec![]), Some(b"pw".to_vec()), "example", 7001, 3)
        );
        let o = parse_all(&["-u", "redis://u%40x:p%20w@h/"]).unwrap();
        assert_eq!((o.user, o.password, o.port, o.db), (Some(b"u@x".to_vec()), Some(b"p w".to_vec()), 6379, 0));
        let o = parse_all(&["-u", "redis://secret@h:1"]).unwrap();
        assert_eq!((o.user, o.password), (None, Some(b"secret".to_vec())));
        let o = parse_all(&["-p", "7301", "-u", "redis://127.0.0.1"]).unwrap();
        assert_eq!(o.port, 7301);
        assert_eq!(parse_all(&["-u", "http://x"]).unwrap_err().0, "Invalid URI scheme");
        assert_eq!(percent_decode("%4"), b"%4");
        assert_eq!(percent_decode("a%41"), b"aA");
    }
}

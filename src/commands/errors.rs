//! Every error text the server sends, matching Redis 7.0 byte for byte (invariant 3).
//!
//! Fixed texts are constants; texts with a parameter have a function here, so no
//! handler ever spells an error itself.

use bytes::Bytes;

/// An error reply. The text starts with the error code (`ERR`, `WRONGTYPE`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError(pub Bytes);

impl From<&'static str> for CmdError {
    fn from(s: &'static str) -> Self {
        CmdError(Bytes::from_static(s.as_bytes()))
    }
}

impl From<String> for CmdError {
    fn from(s: String) -> Self {
        CmdError(Bytes::from(s))
    }
}

pub const SYNTAX: &str = "ERR syntax error";
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const INT32_RANGE: &str = "ERR value is out of range, value must between -2147483648 and 2147483647";
pub const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
pub const INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
pub const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
pub const COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
pub const MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
pub const NUMKEYS_POSITIVE: &str = "ERR numkeys should be greater than 0";
pub const COUNT_POSITIVE: &str = "ERR count should be greater than 0";
pub const HASH_NOT_INTEGER: &str = "ERR hash value is not an integer";
pub const HASH_NOT_FLOAT: &str = "ERR hash value is not a float";
pub const NAN_OR_INFINITY: &str = "ERR value is NaN or Infinity";
pub const OUT_OF_RANGE: &str = "ERR value is out of range";
pub const COUNT_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
pub const NUMKEYS_TOO_MANY: &str = "ERR Number of keys can't be greater than number of args";
pub const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";
/// Our bound on SRANDMEMBER's negative count (Redis 7.0 has none and streams the reply).
pub const RANDMEMBER_REPEATS_RANGE: &str =
    "ERR value is out of range, value must between -16777216 and 9223372036854775807";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const INCR_NAN_INF: &str = "ERR increment would produce NaN or Infinity";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const BGSAVE_IN_PROGRESS: &str = "ERR Background save already in progress";
pub const BGSAVE_CHILD_ACTIVE: &str = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
pub const REWRITE_IN_PROGRESS: &str = "ERR Background append only file rewriting already in progress";
pub const REWRITE_FAILED: &str =
    "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
/// SAVE's reply when the file could not be written: Redis's bare `-ERR`.
pub const BARE_ERR: &str = "ERR";
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
pub const RESTORE_TTL: &str = "ERR Invalid TTL value, must be >= 0";
pub const RESTORE_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
pub const RESTORE_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";
pub const DUMP_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
pub const SHUTDOWN_FAILED: &str = "ERR Errors trying to SHUTDOWN. Check logs.";
pub const RELOAD_LOAD_FAILED: &str = "ERR Error trying to load the RDB dump, check server logs.";
pub const RELOAD_OPTIONS: &str = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
pub const DB_INDEX_OUT_OF_RANGE: &str = "ERR DB index is out of range";
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
/// A MONITOR client (a replica to Redis) running a command that reads or writes keys.
pub const REPLICA_KEYSPACE: &str = "ERR Replica can't interact with the keyspace";
/// MONITOR queued in a transaction (Redis denies it to a client that may not block).
pub const MONITOR_IN_EXEC: &str = "ERR MONITOR isn't allowed for DENY BLOCKING client";
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
pub const AUTH_NOT_CONFIGURED: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
pub const HELLO_NOAUTH: &str = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
pub const NOPROTO: &str = "NOPROTO unsupported protocol version";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
pub const OFFSET_OUT_OF_RANGE: &str = "ERR offset is out of range";
pub const INVALID_EXPIRE_SET: &str = "ERR invalid expire time in 'set' command";
pub const INVALID_EXPIRE_GETEX: &str = "ERR invalid expire time in 'getex' command";
pub const INVALID_EXPIRE_SETEX: &str = "ERR invalid expire time in 'setex' command";
pub const INVALID_EXPIRE_PSETEX: &str = "ERR invalid expire time in 'psetex' command";
pub const NX_XX_GT_LT: &str = "ERR NX and XX, GT or LT options at the same time are not compatible";
pub const GT_LT: &str = "ERR GT and LT options at the same time are not compatible";
pub const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
pub const DEBUG_DISABLED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
pub const CLIENT_NAME_SPACES: &str = "ERR Client names cannot contain spaces, newlines or special characters.";
pub const NO_SUCH_CLIENT: &str = "ERR No such client";
pub const NO_ACL_USER: &str = "ERR no such user";

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' `
pub fn unknown_command(args: &[Bytes]) -> CmdError {
    let mut out = b"ERR unknown command '".to_vec();
    if let Some(name) = args.first() {
        out.extend_from_slice(c_str(name, 128));
    }
    out.extend_from_slice(b"', with args beginning with: ");
    let mut rest: Vec<u8> = Vec::new();
    for a in args.iter().skip(1) {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        rest.push(b'\'');
        rest.extend_from_slice(c_str(a, room));
        rest.extend_from_slice(b"' ");
    }
    out.extend_from_slice(&rest);
    sanitize(out)
}

/// What C's `%.*s` prints of `b`: at most `max` bytes, stopping at a NUL.
fn c_str(b: &[u8], max: usize) -> &[u8] {
    let b = &b[..b.len().min(max)];
    match b.iter().position(|c| *c == 0) {
        Some(p) => &b[..p],
        None => b,
    }
}

/// `ERR unknown subcommand '<sub>'. Try <CONTAINER> HELP.`
pub fn unknown_subcommand(container: &[u8], sub: &[u8]) -> CmdError {
    let mut out = b"ERR unknown subcommand '".to_vec();
    out.extend_from_slice(c_str(sub, 128));
    out.extend_from_slice(b"'. Try ");
    out.extend(container.iter().map(|c| c.to_ascii_uppercase()));
    out.extend_from_slice(b" HELP.");
    sanitize(out)
}

/// `ERR wrong number of arguments for '<fullname>' command`
pub fn wrong_arity(fullname: &str) -> CmdError {
    CmdError::from(format!("ERR wrong number of arguments for '{fullname}' command"))
}

/// Texts built by callers (CONFIG, CLIENT, ...), sanitized of newlines.
pub fn custom(text: impl Into<Vec<u8>>) -> CmdError {
    sanitize(text.into())
}

/// Redis replaces CR and LF in error texts with spaces so the reply stays one line.
fn sanitize(mut s: Vec<u8>) -> CmdError {
    for c in s.iter_mut() {
        if *c == b'\r' || *c == b'\n' {
            *c = b' ';
        }
    }
    CmdError(Bytes::from(s))
}

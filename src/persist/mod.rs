//! Persistence: the RDB format as a pure codec ([`rdb`]) and its checker ([`check_rdb`]),
//! the AOF codec and checker ([`aof`]), point-in-time snapshots without fork ([`snapshot`]), saving and save points
//! ([`save`]), loading ([`load`]), and the mapping between our values and RDB's ([`objects`]).

pub mod aof;
pub mod check_rdb;
pub mod load;
pub mod objects;
pub mod rdb;
pub mod save;
pub mod snapshot;

/// An I/O error as Redis logs it: the system's text without Rust's "(os error N)".
pub fn io_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Bytes quoted as Redis's `sdscatrepr` does, for messages that name a key.
pub fn repr(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    crate::sds::quote_arg(s, &mut out);
    // quote_arg writes printable ASCII only.
    String::from_utf8_lossy(&out).into_owned()
}

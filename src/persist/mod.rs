//! Persistence: the RDB format ([`rdb`]), point-in-time snapshots without fork
//! ([`snapshot`]), saving and save points ([`save`]), and loading ([`load`]).

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

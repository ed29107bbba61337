//! TEMPORARY stub until the recorded metadata lands.
use crate::protocol::Reply;
pub fn tips(_fullname: &str) -> Reply {
    Reply::Array(vec![])
}
pub fn key_specs(_fullname: &str) -> Reply {
    Reply::Array(vec![])
}
pub fn docs(_fullname: &str) -> Option<Reply> {
    None
}

//! RESP: the request parser and the reply encoder. Knows bytes and frames only
//! (invariant 1): no commands, no store, no sockets.

pub mod parser;
pub mod reader;
pub mod reply;

pub use parser::{split_args, Args, Limits, ProtocolError, RequestParser};
pub use reply::{encode, Reply};

//! Feeds arbitrary bytes to the AOF command reader (from offset 0 and after a skipped
//! prefix) and to the manifest parser; the invariant is that neither ever panics and that
//! every offset reported lies within the input.
#![no_main]

use ferrokv::persist::aof::manifest::Manifest;
use ferrokv::persist::aof::reader::{CommandReader, ReadError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for start in [0, data.len() / 2] {
        let mut r = CommandReader::new(data, start);
        loop {
            match r.next_command() {
                Ok(Some(c)) => assert!(c.start < c.end && c.end <= data.len()),
                Ok(None) => break,
                Err(ReadError::Truncated { valid_up_to }) => {
                    assert!(valid_up_to <= data.len());
                    break;
                }
                Err(ReadError::Format { offset, .. }) => {
                    assert!(offset <= data.len());
                    break;
                }
            }
        }
        assert!(r.last_safe_end() <= data.len());
    }
    if let Ok(m) = Manifest::parse(data) {
        // What we write, we read back the same, except names Redis also writes unreadably:
        // empty ones and unquoted ones holding a single quote.
        if m.base.iter().chain(&m.history).chain(&m.incrs).all(|f| !f.name.is_empty() && !f.name.contains('\'')) {
            assert_eq!(Manifest::parse(&m.to_bytes()), Ok(m));
        }
    }
});

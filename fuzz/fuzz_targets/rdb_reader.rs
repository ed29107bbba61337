//! Feeds arbitrary bytes to the RDB reader (with and without CRC checks) and to
//! `decode_dump_payload`; the invariant is that neither ever panics.
#![no_main]

use ferrokv::persist::rdb::{decode_dump_payload, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for verify in [true, false] {
        if let Ok(mut r) = Reader::new(data) {
            r.set_verify_checksum(verify);
            while let Ok(Some(_)) = r.next_item() {}
        }
    }
    // As an RDB body behind a valid header, so mutations need not find the magic.
    let mut framed = b"REDIS0012".to_vec();
    framed.extend_from_slice(data);
    if let Ok(mut r) = Reader::new(&framed) {
        r.set_verify_checksum(false);
        while let Ok(Some(_)) = r.next_item() {}
    }
    let _ = decode_dump_payload(data);
});

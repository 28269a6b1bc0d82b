//! Verifying arbitrary bytes as an audit log never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = liaison::audit::verify_bytes(data, None);
});

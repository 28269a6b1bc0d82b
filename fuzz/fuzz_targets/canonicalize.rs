//! RFC 8785 canonicalization never panics, and its output is a fixed point.
#![no_main]

use liaison_record::canonicalize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(once) = canonicalize(data) {
        assert_eq!(canonicalize(&once).as_deref(), Ok(once.as_slice()));
    }
});

//! No matching parser panics on any bytes; whatever parses writes back
//! exactly the bytes read; a parsed index answers lookups without panicking.
#![no_main]

use liaison_match::testing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = testing::parse_round_trip(data) {
        panic!("{e}");
    }
});

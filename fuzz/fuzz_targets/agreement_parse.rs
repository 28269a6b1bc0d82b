//! Agreement loading never panics on any bytes, as TOML or JSON; whatever
//! loads also checks and survives a JSON round trip unchanged.
#![no_main]

use liaison_policy::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = fuzzing::agreement_round_trip(data) {
        panic!("{e}");
    }
});

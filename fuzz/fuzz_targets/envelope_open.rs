//! Opening arbitrary bytes with a fixed identity never panics, and whatever
//! opens was sent by the fixed trusted sender.
#![no_main]

use liaison_envelope::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(opened) = fuzzing::open_fixed(data) {
        assert_eq!(Some(opened.sender), fuzzing::sender_card().ok());
    }
});

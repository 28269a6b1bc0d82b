//! Opening arbitrary bytes with a fixed identity never panics, and whatever
//! opens was sent by one of the fixed trusted senders (one of them signs
//! hybrid layers, Ed25519 and ML-DSA-65).
#![no_main]

use liaison_envelope::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(opened) = fuzzing::open_fixed(data) {
        let senders = fuzzing::sender_cards().unwrap_or_default();
        assert!(senders.contains(&opened.sender));
    }
});

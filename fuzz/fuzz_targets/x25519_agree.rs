//! The envelope's X25519 (on the Edwards curve where `u` has a point there,
//! the ladder otherwise) gives `x25519-dalek`'s result for every secret and
//! every 32-byte `u`.
#![no_main]

use liaison_envelope::fuzzing::x25519_both;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: [u8; 64]| {
    let (secret, u) = data.split_at(32);
    let (Ok(secret), Ok(u)) = (secret.try_into(), u.try_into()) else {
        return;
    };
    let (ours, reference) = x25519_both(secret, u);
    assert_eq!(ours, reference);
});

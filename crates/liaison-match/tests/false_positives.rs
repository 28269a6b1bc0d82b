//! The false-positive rate of the index, measured on 10^6 random
//! non-members for each fingerprint width, against the stated 2^-bits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is a failed test"
)]

use liaison_match::{FilterWidth, HolderKey, IndexBuilder, KeyKind, testing};
use sha2::{Digest, Sha512};

const MEMBERS: u32 = 20_000;
const PROBES: u64 = 1_000_000;

/// Counts the probes found in an index of `MEMBERS` keys: each probe is a
/// random 64-byte string taken as an OPRF output, which is what the output
/// of a key the holder does not have looks like to the filter.
fn false_positives(width: FilterWidth) -> u64 {
    let vehicle = KeyKind::new("vehicle").unwrap();
    let key = HolderKey::generate().unwrap();
    let mut b = IndexBuilder::new(width);
    for i in 0..MEMBERS {
        b.insert(&vehicle, format!("D|M-{i}").as_bytes(), b"r")
            .unwrap();
    }
    let index = b.build(&key).unwrap().index;
    let mut seed = [0u8; 16];
    getrandom::fill(&mut seed).unwrap();
    (0..PROBES)
        .filter(|i| {
            let mut h = Sha512::new();
            h.update(seed);
            h.update(i.to_be_bytes());
            let output: [u8; 64] = h.finalize().into();
            testing::contains_output(&index, &vehicle, &output).unwrap()
        })
        .count() as u64
}

#[test]
fn eight_bit_fingerprints_stay_within_the_stated_rate() {
    let fp = false_positives(FilterWidth::Bits8);
    let expected = PROBES as f64 * FilterWidth::Bits8.false_positive_rate();
    // 3906 expected, standard deviation 62: 15 % is more than 9 of them.
    assert!(
        (fp as f64) < expected * 1.15 && (fp as f64) > expected * 0.85,
        "{fp} false positives in {PROBES}, {expected} expected"
    );
}

#[test]
fn sixteen_bit_fingerprints_stay_within_the_stated_rate() {
    let fp = false_positives(FilterWidth::Bits16);
    let expected = PROBES as f64 * FilterWidth::Bits16.false_positive_rate();
    // 15.3 expected; 40 or more has probability below 10^-7.
    assert!(
        (fp as f64) < 40.0,
        "{fp} false positives in {PROBES}, {expected} expected"
    );
}

#[test]
fn thirty_two_bit_fingerprints_stay_within_the_stated_rate() {
    let fp = false_positives(FilterWidth::Bits32);
    // 0.00023 expected; 2 or more has probability below 10^-7.
    assert!(fp <= 1, "{fp} false positives in {PROBES}");
}

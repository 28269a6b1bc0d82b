//! Fixtures shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test fixtures: each test file uses a different part, and a failure is a failed test"
)]

use liaison_envelope::Identity;
use time::OffsetDateTime;
use time::macros::datetime;

/// Start of every fixture validity window.
pub(crate) const NOT_BEFORE: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);
/// End of every fixture validity window.
pub(crate) const NOT_AFTER: OffsetDateTime = datetime!(2028-01-01 0:00 UTC);
/// The time the fixtures are sealed and opened at.
pub(crate) const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

/// A reproducible identity from a one-byte seed.
pub(crate) fn identity(name: &str, seed: u8) -> Identity {
    Identity::from_secret_bytes(name, &[seed; 32], &[seed ^ 0x80; 32], NOT_BEFORE, NOT_AFTER)
        .unwrap()
}

/// A reproducible identity with an X-Wing (post-quantum) key as well.
pub(crate) fn pq_identity(name: &str, seed: u8) -> Identity {
    identity(name, seed)
        .with_post_quantum_secret_bytes(&[seed ^ 0x40; 32])
        .unwrap()
}

/// A reproducible post-quantum identity that signs hybrid (Ed25519 and
/// ML-DSA-65) as well.
pub(crate) fn hybrid_identity(name: &str, seed: u8) -> Identity {
    pq_identity(name, seed)
        .with_post_quantum_signing_secret_bytes(&[seed ^ 0x20; 32])
        .unwrap()
}

pub(crate) mod reader;
pub(crate) mod reference;

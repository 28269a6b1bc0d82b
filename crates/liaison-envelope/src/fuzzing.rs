//! Hooks for the fuzz targets and their seeds: fixed keys, so that a fuzzer
//! can reach every check of [`crate::open`]. Built only with the
//! `test-vectors` feature (off by default); never use these keys for
//! anything real.

use std::sync::OnceLock;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::error::{OpenError, SealError};
use crate::keys::{Card, Identity};
use crate::open::{Opened, open};
use crate::seal::{Protection, Sealer};

const NOT_BEFORE: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);
const NOT_AFTER: OffsetDateTime = datetime!(2028-01-01 0:00 UTC);
const AT: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn fixed(name: &str, x: u8, e: u8) -> Result<Identity, OpenError> {
    Identity::from_secret_bytes(name, &[x; 32], &[e; 32], NOT_BEFORE, NOT_AFTER)
        .map_err(|_| OpenError::CannotOpen)
}

/// The fixed recipient: X25519, Ed25519 and X-Wing keys, so that the fuzz
/// targets reach the stanzas of both suites.
fn fixed_recipient() -> Result<Identity, OpenError> {
    fixed("FUZZ-RECIPIENT", 0x03, 0x04)?
        .with_post_quantum_secret_bytes(&[0x05; 32])
        .map_err(|_| OpenError::CannotOpen)
}

/// The fixed hybrid sender: X-Wing and ML-DSA-65 keys as well, so that
/// the fuzz targets reach hybrid layers (signed with Ed25519 and
/// ML-DSA-65).
fn fixed_hybrid_sender() -> Result<Identity, OpenError> {
    fixed("FUZZ-HYBRID", 0x06, 0x07)?
        .with_post_quantum_secret_bytes(&[0x08; 32])
        .and_then(|id| id.with_post_quantum_signing_secret_bytes(&[0x09; 32]))
        .map_err(|_| OpenError::CannotOpen)
}

/// The fixed sender's card.
///
/// # Errors
///
/// Never in practice (the fixed keys are valid).
pub fn sender_card() -> Result<Card, OpenError> {
    Ok(fixed("FUZZ-SENDER", 0x01, 0x02)?.card())
}

/// The cards [`open_fixed`] trusts: the fixed sender's and the fixed
/// hybrid sender's.
///
/// # Errors
///
/// Never in practice (the fixed keys are valid).
pub fn sender_cards() -> Result<Vec<Card>, OpenError> {
    Ok(vec![sender_card()?, fixed_hybrid_sender()?.card()])
}

/// Opens `data` with the fixed recipient, trusting the fixed senders.
///
/// # Errors
///
/// As [`crate::open`].
pub fn open_fixed(data: &[u8]) -> Result<Opened, OpenError> {
    // Made once: key setup would otherwise dominate every fuzz run.
    static KEYS: OnceLock<Option<(Identity, Vec<Card>)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let recipient = fixed_recipient().ok()?;
        Some((recipient, sender_cards().ok()?))
    });
    let (recipient, senders) = keys.as_ref().ok_or(OpenError::CannotOpen)?;
    open(data, recipient, senders, AT)
}

/// Seals `payload` with `label` from the fixed sender to the fixed
/// recipient (for seed inputs).
///
/// # Errors
///
/// As [`Sealer::seal`].
pub fn seal_fixed(payload: &[u8], label: &[u8], anonymous: bool) -> Result<Vec<u8>, SealError> {
    seal_fixed_as(payload, label, anonymous, Protection::Classical)
}

/// Seals as [`seal_fixed`] does, for the fixed recipient's X-Wing key
/// (suite 0x0003).
///
/// # Errors
///
/// As [`Sealer::seal`].
pub fn seal_fixed_post_quantum(
    payload: &[u8],
    label: &[u8],
    anonymous: bool,
) -> Result<Vec<u8>, SealError> {
    seal_fixed_as(payload, label, anonymous, Protection::PostQuantum)
}

/// Seals as [`seal_fixed_post_quantum`] does, signed by the fixed hybrid
/// sender (a hybrid layer: Ed25519 and ML-DSA-65).
///
/// # Errors
///
/// As [`Sealer::seal`].
pub fn seal_fixed_hybrid(payload: &[u8], label: &[u8]) -> Result<Vec<u8>, SealError> {
    let sender = fixed_hybrid_sender()?;
    let recipient = fixed_recipient()?;
    Sealer::new(&sender)
        .recipient(&recipient.card())
        .label(label)
        .protection(Protection::PostQuantum)
        .at(AT)
        .seal(payload)
}

fn seal_fixed_as(
    payload: &[u8],
    label: &[u8],
    anonymous: bool,
    protection: Protection,
) -> Result<Vec<u8>, SealError> {
    let sender = fixed("FUZZ-SENDER", 0x01, 0x02)?;
    let recipient = fixed_recipient()?;
    Sealer::new(&sender)
        .recipient(&recipient.card())
        .label(label)
        .anonymous(anonymous)
        .protection(protection)
        .at(AT)
        .seal(payload)
}

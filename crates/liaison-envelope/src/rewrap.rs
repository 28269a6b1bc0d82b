//! Changing the recipients of an envelope: [`rewrap`] keeps the payload and
//! adds a signed layer; [`rekey`] re-encrypts under a new data key.
//!
//! | | [`rewrap`] | [`rekey`] |
//! |---|---|---|
//! | payload ciphertext | untouched (not even decrypted) | new data key, re-encrypted |
//! | original sender's signature | kept and still verifiable | gone: the rekeyer becomes the sender |
//! | earlier recipients | can still unwrap the data key (their stanzas stay in the history) | cannot open the new envelope |
//! | use it to | forward, add a colleague unit, move to a rotated key | respond to a compromised key |

use time::OffsetDateTime;

use crate::crypto;
use crate::error::{OpenError, SealError};
use crate::format::{self, Layer, MAX_LAYERS, Stanza};
use crate::keys::{Card, Identity};
use crate::open::{open, unlock};
use crate::payload;
use crate::rng::Randomness;
use crate::seal::{Protection, Sealer, check_card, check_recipients, dedup, wrap_all};

/// How a rewrap changes the recipients.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum RecipientChange<'a> {
    /// Keep the current recipients and add these.
    Add(&'a [Card]),
    /// Address only these (the current ones move to the history).
    Replace(&'a [Card]),
}

/// Rewraps an envelope that `identity` can open: the data key is wrapped for
/// the new recipient list, the payload ciphertext is copied unchanged, and a
/// new layer signed by `identity` is appended. Every earlier layer and its
/// signature stay in the envelope, so a reader sees who sealed it, for whom,
/// and who forwarded it to whom.
///
/// Before signing, the whole signature chain is verified against
/// `trusted_senders` (at time `at`) over the content digest: a rewrapper
/// never vouches for content it has not checked. The new stanzas carry key
/// ids unless every current stanza is anonymous, and are of the envelope's
/// suite: X-Wing stanzas in a post-quantum envelope (every added card must
/// have an X-Wing key), X25519 stanzas in a classical one.
///
/// # Errors
///
/// [`SealError::Open`] if the envelope does not open for `identity` (see
/// [`crate::open`]); [`SealError::TooManyLayers`]; the recipient errors of
/// [`Sealer::seal`] ([`SealError::NoPostQuantumKey`] for a card without an
/// X-Wing key added to a post-quantum envelope); [`SealError::CardNotValid`] if `identity`'s own card is
/// not valid at `at`.
pub fn rewrap(
    envelope: &[u8],
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
    change: RecipientChange<'_>,
) -> Result<Vec<u8>, SealError> {
    check_card(&identity.card(), at)?;
    let (header, chunks, trailer) = format::split_envelope(envelope)?;
    let unlocked = unlock(header, identity, trusted_senders, at)?;
    let digest = payload::digest(chunks);
    unlocked.verify(&trailer, &digest)?;
    if unlocked.header.layers.len() >= MAX_LAYERS {
        return Err(SealError::TooManyLayers { max: MAX_LAYERS });
    }
    let current = unlocked
        .header
        .current_layer()
        .ok_or(OpenError::CannotOpen)?;
    // New stanzas name their recipients unless the current layer names
    // nobody.
    let anonymous = !current.stanzas.iter().any(|s| {
        matches!(
            s,
            Stanza::X25519 {
                key_id: Some(_),
                ..
            } | Stanza::XWing {
                key_id: Some(_),
                ..
            }
        )
    });
    // The new stanzas are of the envelope's suite: a post-quantum envelope
    // is rewrapped only for cards with X-Wing keys.
    let suite = unlocked.header.core.suite;
    // Every added card gets its stanza, even if a current stanza carries its
    // key id: a key id can be planted, so it proves nothing.
    let (kept, added) = match change {
        RecipientChange::Add(cards) => (current.stanzas.clone(), dedup(cards, suite)),
        RecipientChange::Replace(cards) => (Vec::new(), dedup(cards, suite)),
    };
    if added.is_empty() && kept.is_empty() {
        return Err(SealError::NoRecipients);
    }
    if !added.is_empty() {
        check_recipients(&added, at)?;
    }
    if kept.len() + added.len() > format::MAX_STANZAS {
        return Err(SealError::TooManyRecipients {
            count: kept.len() + added.len(),
            max: format::MAX_STANZAS,
        });
    }
    let mut rng = Randomness::os();
    let mut stanzas = kept;
    stanzas.extend(wrap_all(
        &mut rng,
        suite,
        &added,
        anonymous,
        &unlocked.data_key,
        &unlocked.aad,
    )?);
    let mut header = unlocked.header;
    header.signatures.push(trailer);
    let keys = identity.signer();
    let signer = keys.ed25519_public();
    let holder_proof = crypto::holder_proof(
        &unlocked.data_key,
        &header.core.payload_salt,
        header.layers.len(),
        &signer,
    );
    // A hybrid signer's layer is hybrid: its ML-DSA-65 key in the layer,
    // each of its signatures a pair.
    header.layers.push(Layer {
        signer,
        holder_proof,
        mldsa65_signer: keys.mldsa65_public(),
        stanzas,
    });
    let prefix = crypto::sign_header(keys, &mut header).ok_or(SealError::SigningFailed)?;
    let len = format::header_len(&header);
    if len > format::MAX_HEADER_LEN {
        return Err(SealError::HeaderTooLarge {
            len,
            max: format::MAX_HEADER_LEN,
        });
    }
    let mut out = Vec::with_capacity(envelope.len() + 512);
    format::write_header(&header, &mut out);
    out.extend_from_slice(chunks);
    let trailer =
        crypto::sign_last(keys, &header, &prefix, &digest).ok_or(SealError::SigningFailed)?;
    trailer.write(&mut out);
    Ok(out)
}

/// Rekeys an envelope that `identity` can open: the payload is decrypted
/// (after full verification, as by [`crate::open`]) and sealed anew under a
/// fresh data key for `recipients`, with the same label, signed by
/// `identity`, which becomes the sender of the new envelope. Nothing of the
/// old envelope's keys or signatures is kept. A post-quantum envelope is
/// rekeyed post-quantum (every card must have an X-Wing key); a classical
/// one as [`crate::Protection::Auto`] chooses.
///
/// # Errors
///
/// [`SealError::Open`] if the envelope does not open for `identity`; the
/// errors of [`Sealer::seal`].
pub fn rekey(
    envelope: &[u8],
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
    recipients: &[Card],
) -> Result<Vec<u8>, SealError> {
    let opened = open(envelope, identity, trusted_senders, at)?;
    let (header, _) = format::read_header(envelope)?;
    let protection = if header.core.suite == format::SUITE_XWING_CHACHA20POLY1305_ED25519 {
        Protection::PostQuantum
    } else {
        Protection::Auto
    };
    Sealer::new(identity)
        .protection(protection)
        .recipients(recipients)
        .label(&opened.label)
        .at(at)
        .seal(&opened.payload)
}

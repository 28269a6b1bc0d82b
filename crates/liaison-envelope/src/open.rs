//! Opening: [`open`] returns nothing until every check has passed, and the
//! checks shared with the streaming opener and with rewrap.

use std::fmt;

use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use zeroize::Zeroize;

use crate::crypto::{self, DataKey};
use crate::error::OpenError;
use crate::format::{
    self, Header, Layer, LayerSignature, SUITE_XWING_CHACHA20POLY1305_ED25519, Stanza,
};
use crate::keys::{Card, Identity, KeyId, format_time};
use crate::payload;
use crate::xwing;

/// Who a stanza is for, as far as can be seen without keys.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RecipientInfo {
    /// The recipient's key id (of its X25519 key in an X25519 stanza, of
    /// its X-Wing key in an X-Wing stanza); `None` for an anonymous stanza.
    pub key_id: Option<KeyId>,
    /// The stanza type.
    pub kind: RecipientKind,
}

/// The type of a recipient stanza.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecipientKind {
    /// X25519 recipient (stanza type 1 or 2).
    X25519,
    /// X-Wing (ML-KEM-768 + X25519) post-quantum hybrid recipient (stanza
    /// type 3 or 4).
    #[serde(rename = "xwing")]
    XWing,
    /// A stanza type this library does not know.
    Unknown(u8),
}

impl RecipientInfo {
    pub(crate) fn of(stanza: &Stanza) -> Self {
        match stanza {
            Stanza::X25519 { key_id, .. } => RecipientInfo {
                key_id: *key_id,
                kind: RecipientKind::X25519,
            },
            Stanza::XWing { key_id, .. } => RecipientInfo {
                key_id: *key_id,
                kind: RecipientKind::XWing,
            },
            Stanza::Unknown { kind, .. } => RecipientInfo {
                key_id: None,
                kind: RecipientKind::Unknown(*kind),
            },
        }
    }
}

/// One verified signing layer: the first is the sealing, each further one a
/// rewrap.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerInfo {
    /// The verified signer.
    pub signer: Card,
    /// Whether the layer was signed with Ed25519 and ML-DSA-65 (a hybrid
    /// layer), both verified; it is exactly when the signer's card has an
    /// ML-DSA-65 key, since a reader refuses any other combination.
    pub post_quantum_signed: bool,
    /// The recipients this signer addressed.
    pub recipients: Vec<RecipientInfo>,
}

/// A fully verified, opened envelope.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Opened {
    /// The payload.
    pub payload: Vec<u8>,
    /// The label, exactly as sealed.
    pub label: Vec<u8>,
    /// The verified original sender (the signer of the first layer).
    pub sender: Card,
    /// The current recipients (the last layer's stanzas).
    pub recipients: Vec<RecipientInfo>,
    /// Every layer, oldest first: `history[0]` is the sealing (its signer is
    /// `sender`, its recipients the original ones); a longer history means
    /// the envelope was rewrapped (forwarded) by the later signers.
    pub history: Vec<LayerInfo>,
    /// The envelope's cipher suite, verified (it is in the core, under
    /// every signature and in every key derivation): 0x0002 for X25519
    /// recipients, 0x0003 for X-Wing (post-quantum) recipients.
    pub suite: u16,
    /// Whether the data key was wrapped post-quantum (suite 0x0003: X-Wing
    /// stanzas only), so that a recording of the envelope stays unreadable
    /// to a future quantum computer.
    pub post_quantum: bool,
    /// Whether every layer was signed with Ed25519 and ML-DSA-65 (see
    /// [`LayerInfo::post_quantum_signed`]), so that no one who breaks
    /// Ed25519 alone could have made or changed it.
    pub post_quantum_signed: bool,
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("payload_len", &self.payload.len())
            .field("label_len", &self.label.len())
            .field("sender", &self.sender)
            .field("recipients", &self.recipients)
            .field("history", &self.history)
            .field("suite", &self.suite)
            .field("post_quantum", &self.post_quantum)
            .field("post_quantum_signed", &self.post_quantum_signed)
            .finish()
    }
}

/// Opens an envelope in one call: verifies the signers against
/// `trusted_senders` (each signer's card must be valid at `at`), unwraps the
/// data key with `identity`, checks the key commitment, authenticates every
/// chunk and verifies every signature over the content digest. Nothing is
/// returned unless all of these pass. The chunks are shared with the
/// envelope's worker pool, as in [`Sealer::seal`](crate::Sealer::seal).
///
/// # Errors
///
/// User-fixable: [`OpenError::NotAnEnvelope`], [`OpenError::UnsupportedVersion`],
/// [`OpenError::UnsupportedSuite`], [`OpenError::Malformed`] (with offset),
/// [`OpenError::StanzaSuiteMismatch`], [`OpenError::UntrustedSender`],
/// [`OpenError::AmbiguousSigner`], [`OpenError::SenderCardNotValid`],
/// [`OpenError::SignatureDowngrade`], [`OpenError::SigningKeyMismatch`],
/// [`OpenError::NotRecipient`], [`OpenError::NoPostQuantumKey`]. Any
/// cryptographic failure:
/// [`OpenError::CannotOpen`], without detail.
pub fn open(
    envelope: &[u8],
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
) -> Result<Opened, OpenError> {
    open_into(envelope, identity, trusted_senders, at, Vec::new())
}

/// Opens an envelope in one call, as [`open`], writing the payload into
/// `buffer`'s allocation (reused when it is large enough) and returning it
/// as [`Opened::payload`]: a caller that opens many envelopes passes each
/// opened payload back, once done with it, as the next call's buffer, and
/// pays for its memory once. Whatever `buffer` held is overwritten. On an
/// error nothing is returned and the whole buffer, to its capacity, is
/// wiped before it is freed.
///
/// # Errors
///
/// As [`open`].
pub fn open_into(
    envelope: &[u8],
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
    mut buffer: Vec<u8>,
) -> Result<Opened, OpenError> {
    let opened = (|| {
        let (header, chunks, signature) = format::split_envelope(envelope)?;
        let unlocked = unlock(header, identity, trusted_senders, at)?;
        let cipher = crypto::payload_cipher(&unlocked.payload_key);
        let digest = payload::open_into(&cipher, &unlocked.aad, chunks, &mut buffer)
            .ok_or(OpenError::CannotOpen)?;
        unlocked.verify(&signature, &digest)?;
        Ok(unlocked)
    })();
    match opened {
        Ok(unlocked) => Ok(unlocked.into_opened(buffer)),
        Err(e) => {
            buffer.zeroize();
            Err(e)
        }
    }
}

/// A header whose signers are trusted and whose data key is unwrapped and
/// committed, but whose signatures are not verified yet (they need the
/// content digest).
pub(crate) struct Unlocked {
    pub(crate) header: Header,
    /// Each layer's prefix digest, which its header signature and its
    /// final signature both cover.
    pub(crate) prefixes: Vec<[u8; 32]>,
    pub(crate) signers: Vec<Card>,
    pub(crate) sender: Card,
    pub(crate) data_key: DataKey,
    pub(crate) payload_key: DataKey,
    pub(crate) aad: [u8; 32],
}

impl Unlocked {
    /// Verifies every layer's signature: the earlier ones from the header,
    /// the last one from the trailer.
    pub(crate) fn verify(
        &self,
        trailer: &LayerSignature,
        digest: &[u8; 32],
    ) -> Result<(), OpenError> {
        let last = self.signers.len().saturating_sub(1);
        for (i, signer) in self.signers.iter().enumerate() {
            let sig = if i == last {
                trailer
            } else {
                self.header.signatures.get(i).ok_or(OpenError::CannotOpen)?
            };
            let prefix = self.prefixes.get(i).ok_or(OpenError::CannotOpen)?;
            if !crypto::verify_layer(signer, prefix, i, sig, digest) {
                return Err(OpenError::CannotOpen);
            }
        }
        Ok(())
    }

    pub(crate) fn layer_infos(&self) -> Vec<LayerInfo> {
        self.header
            .layers
            .iter()
            .zip(&self.signers)
            .map(|(layer, signer)| LayerInfo {
                signer: signer.clone(),
                post_quantum_signed: layer.is_hybrid(),
                recipients: layer.stanzas.iter().map(RecipientInfo::of).collect(),
            })
            .collect()
    }

    pub(crate) fn into_opened(self, payload: Vec<u8>) -> Opened {
        let history = self.layer_infos();
        let recipients = history
            .last()
            .map(|l| l.recipients.clone())
            .unwrap_or_default();
        let suite = self.header.core.suite;
        Opened {
            payload,
            label: self.header.core.label,
            sender: self.sender,
            recipients,
            post_quantum_signed: history.iter().all(|l| l.post_quantum_signed),
            history,
            suite,
            post_quantum: suite == SUITE_XWING_CHACHA20POLY1305_ED25519,
        }
    }
}

/// Resolves every layer's signer among the trusted cards, verifies the
/// header signature, finds and unwraps this identity's stanza, and checks
/// the key commitment: the order of section 7 of the format.
pub(crate) fn unlock(
    header: Header,
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
) -> Result<Unlocked, OpenError> {
    let signers = header
        .layers
        .iter()
        .map(|layer| trusted_signer(layer, trusted_senders, at))
        .collect::<Result<Vec<_>, _>>()?;
    let sender = signers.first().cloned().ok_or(OpenError::CannotOpen)?;
    // Before any secret-key operation: every layer's header is its signer's.
    // Each layer's prefix digest is kept for its final signature.
    let mut prefixes = Vec::with_capacity(signers.len());
    for (i, signer) in signers.iter().enumerate() {
        let prefix = crypto::prefix_digest(&header, i);
        if !crypto::verify_header(signer, &header, i, &prefix) {
            return Err(OpenError::CannotOpen);
        }
        prefixes.push(prefix);
    }
    let aad = crypto::core_digest(&header.core);
    let data_key = find_data_key(&header, identity, &aad)?;
    let payload_key =
        crypto::check_commitment(&header.core, &data_key).ok_or(OpenError::CannotOpen)?;
    // Every signer held the data key: no one forwards what it cannot open.
    if !crypto::check_holder_proofs(&header, &data_key) {
        return Err(OpenError::CannotOpen);
    }
    Ok(Unlocked {
        header,
        prefixes,
        signers,
        sender,
        data_key,
        payload_key,
        aad,
    })
}

/// The one trusted card whose Ed25519 public key is the layer's `signer`
/// (compared whole, in constant time: two cards whose short key ids
/// collide are told apart), which must be valid at `at` and of the layer's
/// form. Two different trusted cards with the same key are refused: the
/// signer's agency would depend on their order.
fn trusted_signer(layer: &Layer, trusted: &[Card], at: OffsetDateTime) -> Result<Card, OpenError> {
    let signer = &layer.signer;
    let mut matching = trusted
        .iter()
        .filter(|c| bool::from(c.ed25519_public().ct_eq(signer)));
    let card = matching.next().ok_or_else(|| OpenError::UntrustedSender {
        key_id: KeyId::of_public_key(signer),
    })?;
    if let Some(other) = matching.find(|c| *c != card) {
        return Err(OpenError::AmbiguousSigner {
            key_id: KeyId::of_public_key(signer),
            first: card.agency_id().to_owned(),
            second: other.agency_id().to_owned(),
        });
    }
    if !card.is_valid_at(at) {
        let (not_before, not_after) = card.window_strings();
        return Err(OpenError::SenderCardNotValid {
            agency: card.agency_id().to_owned(),
            at: format_time(at),
            not_before,
            not_after,
        });
    }
    check_signer_form(layer, card)?;
    Ok(card.clone())
}

/// The layer's form must be its signer card's: a card with an ML-DSA-65
/// key signs hybrid layers with that key and no others, a card without
/// one signs classical layers only. A classical layer under a card with an
/// ML-DSA-65 key is a downgrade (its ML-DSA-65 signatures stripped, or
/// never made: whoever breaks Ed25519 could have signed it).
fn check_signer_form(layer: &Layer, card: &Card) -> Result<(), OpenError> {
    match (&layer.mldsa65_signer, card.mldsa65()) {
        (None, Some(_)) => Err(OpenError::SignatureDowngrade {
            agency: card.agency_id().to_owned(),
        }),
        (Some(key), expected)
            if !expected.is_some_and(|e| bool::from(e.as_bytes().ct_eq(key.as_slice()))) =>
        {
            Err(OpenError::SigningKeyMismatch {
                agency: card.agency_id().to_owned(),
                found: KeyId::of_bytes(key.as_slice()),
                expected: expected.map(crate::signing::SigningPublic::key_id),
            })
        }
        _ => Ok(()),
    }
}

/// Only the current (last) layer's stanzas open the envelope: the stanzas of
/// earlier layers are kept for the signatures only. The stanzas are tried in
/// their order: every named stanza whose key id is this identity's (a
/// failing one does not end the search: another agency's key may share the
/// short id) and every anonymous stanza. The first that unwraps gives the
/// data key. The stanzas are the suite's (the parse refused the others):
/// X25519 stanzas, tried with the identity's X25519 key, in a classical
/// envelope; X-Wing stanzas, tried with its X-Wing key, in a post-quantum
/// one.
fn find_data_key(
    header: &Header,
    identity: &Identity,
    aad: &[u8; 32],
) -> Result<DataKey, OpenError> {
    let hybrid = if header.core.suite == SUITE_XWING_CHACHA20POLY1305_ED25519 {
        Some(identity.hybrid().ok_or(OpenError::NoPostQuantumKey)?)
    } else {
        None
    };
    let my_id = hybrid.map_or(identity.encryption_key_id(), |h| h.public().key_id());
    let layer = header.current_layer().ok_or(OpenError::CannotOpen)?;
    let mut addressed = false;
    for stanza in &layer.stanzas {
        let key_id = match (stanza, hybrid) {
            (Stanza::X25519 { key_id, .. }, None) | (Stanza::XWing { key_id, .. }, Some(_)) => {
                *key_id
            }
            _ => continue,
        };
        if let Some(id) = key_id {
            if !bool::from(id.ct_eq(&my_id)) {
                continue;
            }
            addressed = true;
        }
        let unwrapped = match (stanza, hybrid) {
            (
                Stanza::X25519 {
                    ephemeral, wrapped, ..
                },
                None,
            ) => crypto::unwrap(
                identity.x25519_secret(),
                identity.x25519_public(),
                key_id,
                ephemeral,
                wrapped,
                aad,
            ),
            (
                Stanza::XWing {
                    ciphertext,
                    wrapped,
                    ..
                },
                Some(secret),
            ) => xwing::unwrap(secret, key_id, ciphertext, wrapped, aad),
            _ => None,
        };
        if let Some(key) = unwrapped {
            return Ok(key);
        }
    }
    if addressed {
        Err(OpenError::CannotOpen)
    } else {
        Err(OpenError::NotRecipient { key_id: my_id })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::seal::Sealer;

    const AT: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn identity(name: &str, seed: u8) -> Identity {
        Identity::from_secret_bytes(
            name,
            &[seed; 32],
            &[seed ^ 0x80; 32],
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2028-01-01 0:00 UTC),
        )
        .unwrap()
    }

    #[test]
    fn colliding_recipient_key_ids_do_not_lock_each_other_out() {
        let sender = identity("FR-A", 1);
        let bob = identity("DE-B", 2);
        let carol = identity("NL-C", 3);
        // Carol's card carries Bob's key id: her stanza, first in the
        // envelope, names Bob but does not unwrap with Bob's key.
        let carol_card = carol
            .card()
            .with_colliding_ids(bob.encryption_key_id(), carol.signing_key_id());
        let sealed = Sealer::new(&sender)
            .recipient(&carol_card)
            .recipient(&bob.card())
            .at(AT)
            .seal(b"for both")
            .unwrap();
        let opened = open(&sealed, &bob, &[sender.card()], AT).unwrap();
        assert_eq!(opened.payload, b"for both");
    }

    #[test]
    fn colliding_signer_key_ids_do_not_hide_the_real_signer() {
        let sender = identity("FR-A", 1);
        let bob = identity("DE-B", 2);
        let other = identity("XX-O", 4);
        let impostor = other
            .card()
            .with_colliding_ids(other.encryption_key_id(), sender.signing_key_id());
        let sealed = Sealer::new(&sender)
            .recipient(&bob.card())
            .at(AT)
            .seal(b"x")
            .unwrap();
        let opened = open(&sealed, &bob, &[impostor, sender.card()], AT).unwrap();
        assert_eq!(opened.sender.agency_id(), "FR-A");
    }
}

//! Opening: [`open`] returns nothing until every check has passed, and the
//! checks shared with the streaming opener and with rewrap.

use std::fmt;

use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::crypto::{self, DataKey};
use crate::error::OpenError;
use crate::format::{self, Header, SIGNATURE_LEN, Stanza};
use crate::keys::{Card, Identity, KeyId, format_time};
use crate::payload;

/// Who a stanza is for, as far as can be seen without keys.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RecipientInfo {
    /// The recipient's X25519 key id; `None` for an anonymous stanza.
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
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("payload_len", &self.payload.len())
            .field("label_len", &self.label.len())
            .field("sender", &self.sender)
            .field("recipients", &self.recipients)
            .field("history", &self.history)
            .finish()
    }
}

/// Opens an envelope in one call: verifies the signers against
/// `trusted_senders` (each signer's card must be valid at `at`), unwraps the
/// data key with `identity`, checks the key commitment, authenticates every
/// chunk and verifies every signature over the content digest. Nothing is
/// returned unless all of these pass.
///
/// # Errors
///
/// User-fixable: [`OpenError::NotAnEnvelope`], [`OpenError::UnsupportedVersion`],
/// [`OpenError::UnsupportedSuite`], [`OpenError::Malformed`] (with offset),
/// [`OpenError::UntrustedSender`], [`OpenError::SenderCardNotValid`],
/// [`OpenError::NotRecipient`]. Any cryptographic failure:
/// [`OpenError::CannotOpen`], without detail.
pub fn open(
    envelope: &[u8],
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
) -> Result<Opened, OpenError> {
    let (header, header_len) = format::read_header(envelope)?;
    let body = envelope
        .get(usize::try_from(header_len).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let (chunks, signature) = format::split_body(body, header_len)?;
    let unlocked = unlock(header, identity, trusted_senders, at)?;
    let cipher = crypto::payload_cipher(&unlocked.payload_key);
    let (payload, digest) =
        payload::open(&cipher, &unlocked.aad, chunks).ok_or(OpenError::CannotOpen)?;
    unlocked.verify(&signature, &digest)?;
    Ok(unlocked.into_opened(payload))
}

/// A header whose signers are trusted and whose data key is unwrapped and
/// committed, but whose signatures are not verified yet (they need the
/// content digest).
pub(crate) struct Unlocked {
    pub(crate) header: Header,
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
        trailer: &[u8; SIGNATURE_LEN],
        digest: &[u8; 32],
    ) -> Result<(), OpenError> {
        let last = self.signers.len().saturating_sub(1);
        for (i, signer) in self.signers.iter().enumerate() {
            let sig = if i == last {
                trailer
            } else {
                self.header.signatures.get(i).ok_or(OpenError::CannotOpen)?
            };
            if !crypto::verify_layer(signer.verifying_key(), &self.header, i, sig, digest) {
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
        Opened {
            payload,
            label: self.header.core.label,
            sender: self.sender,
            recipients,
            history,
        }
    }
}

/// Resolves the signers, finds and unwraps this identity's stanza, and
/// checks the key commitment.
pub(crate) fn unlock(
    header: Header,
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
) -> Result<Unlocked, OpenError> {
    let signers = header
        .layers
        .iter()
        .map(|layer| trusted_signer(layer.signer, trusted_senders, at))
        .collect::<Result<Vec<_>, _>>()?;
    let sender = signers.first().cloned().ok_or(OpenError::CannotOpen)?;
    let aad = crypto::core_digest(&header.core);
    let data_key = find_data_key(&header, identity, &aad)?;
    let payload_key =
        crypto::check_commitment(&header.core, &data_key).ok_or(OpenError::CannotOpen)?;
    Ok(Unlocked {
        header,
        signers,
        sender,
        data_key,
        payload_key,
        aad,
    })
}

fn trusted_signer(key_id: KeyId, trusted: &[Card], at: OffsetDateTime) -> Result<Card, OpenError> {
    let card = trusted
        .iter()
        .find(|c| bool::from(c.signing_key_id().ct_eq(&key_id)))
        .ok_or(OpenError::UntrustedSender { key_id })?;
    if !card.is_valid_at(at) {
        let (not_before, not_after) = card.window_strings();
        return Err(OpenError::SenderCardNotValid {
            agency: card.agency_id().to_owned(),
            at: format_time(at),
            not_before,
            not_after,
        });
    }
    Ok(card.clone())
}

/// Only the current (last) layer's stanzas open the envelope: the stanzas of
/// earlier layers are kept for the signatures only.
fn find_data_key(
    header: &Header,
    identity: &Identity,
    aad: &[u8; 32],
) -> Result<DataKey, OpenError> {
    let my_id = identity.encryption_key_id();
    let layer = header.current_layer().ok_or(OpenError::CannotOpen)?;
    let mut addressed = false;
    for stanza in &layer.stanzas {
        let Stanza::X25519 {
            key_id,
            ephemeral,
            wrapped,
        } = stanza
        else {
            continue;
        };
        if let Some(id) = key_id {
            if !bool::from(id.ct_eq(&my_id)) {
                continue;
            }
            addressed = true;
        }
        if let Some(key) = crypto::unwrap(
            identity.x25519_secret(),
            identity.x25519_public(),
            *key_id,
            ephemeral,
            wrapped,
            aad,
        ) {
            return Ok(key);
        }
    }
    if addressed {
        Err(OpenError::CannotOpen)
    } else {
        Err(OpenError::NotRecipient { key_id: my_id })
    }
}

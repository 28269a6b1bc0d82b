//! What can be read from an envelope without any key.

use serde::Serialize;

use crate::error::OpenError;
use crate::format::{self, Layer};
use crate::keys::KeyId;
use crate::open::RecipientInfo;

/// The key-free view of an envelope. Nothing here is verified: it is what
/// the envelope claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Inspection {
    /// Format version.
    pub version: u8,
    /// Cipher suite id.
    pub suite: u16,
    /// Whether the envelope declares itself post-quantum (suite 0x0003:
    /// X-Wing recipient stanzas only).
    pub post_quantum: bool,
    /// Ed25519 key id of the original sender (the first layer's signer).
    pub sender_key_id: KeyId,
    /// The current recipients (the last layer's stanzas).
    pub recipients: Vec<RecipientInfo>,
    /// Every layer, oldest first.
    pub layers: Vec<InspectedLayer>,
    /// Label length in bytes.
    pub label_len: usize,
    /// Header length in bytes.
    pub header_len: u64,
    /// Number of payload chunks.
    pub chunk_count: usize,
    /// Payload length in bytes (plaintext).
    pub payload_len: usize,
    /// Whole envelope length in bytes.
    pub envelope_len: usize,
}

/// One layer as seen without keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct InspectedLayer {
    /// Ed25519 key id of the layer's signer.
    pub signer_key_id: KeyId,
    /// ML-DSA-65 key id of the layer's signer in a hybrid layer (signed
    /// with Ed25519 and ML-DSA-65); `None` in a classical layer.
    pub post_quantum_signer_key_id: Option<KeyId>,
    /// The layer's recipients.
    pub recipients: Vec<RecipientInfo>,
}

/// Reads what an envelope says about itself, without keys.
///
/// # Errors
///
/// [`OpenError::NotAnEnvelope`], [`OpenError::UnsupportedVersion`],
/// [`OpenError::UnsupportedSuite`], [`OpenError::Malformed`].
pub fn inspect(envelope: &[u8]) -> Result<Inspection, OpenError> {
    let (header, header_len) = format::read_header(envelope)?;
    let body = envelope
        .get(usize::try_from(header_len).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let hybrid = header.current_layer().is_some_and(Layer::is_hybrid);
    let (chunks, _) = format::split_body(body, header_len, hybrid)?;
    let layers: Vec<InspectedLayer> = header
        .layers
        .iter()
        .map(|l| InspectedLayer {
            signer_key_id: l.signer_key_id(),
            post_quantum_signer_key_id: l.mldsa65_signer_key_id(),
            recipients: l.stanzas.iter().map(RecipientInfo::of).collect(),
        })
        .collect();
    let (Some(first), Some(last)) = (layers.first(), layers.last()) else {
        return Err(OpenError::Malformed {
            offset: 0,
            problem: "the envelope has no layer".to_owned(),
        });
    };
    Ok(Inspection {
        version: header.core.version,
        suite: header.core.suite,
        post_quantum: header.core.suite == format::SUITE_XWING_CHACHA20POLY1305_ED25519,
        sender_key_id: first.signer_key_id,
        recipients: last.recipients.clone(),
        label_len: header.core.label.len(),
        header_len,
        chunk_count: chunks.len().div_ceil(format::SEALED_CHUNK_SIZE),
        payload_len: format::plaintext_len(chunks.len()),
        envelope_len: chunks.len()
            + header.trailer_len()
            + usize::try_from(header_len).unwrap_or(0),
        layers,
    })
}

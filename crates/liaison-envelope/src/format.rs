//! The binary wire format, apart from any cryptography: `read_*` parse bytes
//! into plain structs, `write_*` serialize structs into bytes. The encryption
//! code only ever sees the parsed structs, and every transcript it hashes is
//! the re-serialization of a struct (parsing is strict, so re-serialization
//! gives back exactly the bytes that were read).
//!
//! The layout is specified in `docs/envelope-format.md`.

use crate::error::OpenError;
use crate::keys::{KEY_ID_LEN, KeyId};

mod read;

pub use read::read_header;

/// The first 8 bytes of every envelope: 0x89 then `LIAISON`.
pub const MAGIC: [u8; 8] = *b"\x89LIAISON";
/// The format version this library reads and writes.
pub const VERSION: u8 = 2;
/// Suite 2 (format 2): X25519, HKDF-SHA256, ChaCha20-Poly1305, SHA-256,
/// BLAKE3, Ed25519, with the sender bound into the key schedule.
pub const SUITE_X25519_CHACHA20POLY1305_ED25519: u16 = 0x0002;
/// Suite 3 (format 2, post-quantum recipients): as suite 2, but every
/// recipient stanza is an X-Wing (ML-KEM-768 + X25519) stanza; a reader
/// refuses an X25519 stanza in it, and an X-Wing stanza in suite 2.
pub const SUITE_XWING_CHACHA20POLY1305_ED25519: u16 = 0x0003;
/// Plaintext bytes per payload chunk (the last chunk may be shorter).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Poly1305 tag length.
pub const TAG_LEN: usize = 16;
/// Ciphertext bytes of a full chunk.
pub const SEALED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_LEN;
/// Ed25519 signature length: a classical layer's signatures, and the
/// first part of a hybrid layer's.
pub const SIGNATURE_LEN: usize = 64;
/// Ed25519 public key length.
pub const PUBLIC_KEY_LEN: usize = 32;
/// ML-DSA-65 (FIPS 204) public key length: a hybrid layer's second signer
/// key.
pub const MLDSA65_PUBLIC_KEY_LEN: usize = 1952;
/// ML-DSA-65 signature length: the second part of a hybrid layer's
/// signatures.
pub const MLDSA65_SIGNATURE_LEN: usize = 3309;
/// Length of a hybrid layer's signature: Ed25519 then ML-DSA-65.
pub const HYBRID_SIGNATURE_LEN: usize = SIGNATURE_LEN + MLDSA65_SIGNATURE_LEN;
/// The bit of a layer's stanza count field that makes it a hybrid layer
/// (signed with Ed25519 and ML-DSA-65); the other 15 bits are the count.
pub const HYBRID_LAYER: u16 = 0x8000;
/// Largest label, in bytes.
pub const MAX_LABEL_LEN: usize = 64 * 1024;
/// Largest header (everything before the payload chunks, signatures
/// included), in bytes. A reader refuses a longer one before holding more
/// of it.
pub const MAX_HEADER_LEN: usize = 1 << 20;
/// Most stanzas in one layer.
pub const MAX_STANZAS: usize = 1024;
/// Most signing layers (one plus the rewraps).
pub const MAX_LAYERS: usize = 16;
/// Stanza type: X25519 recipient named by its key id.
pub const STANZA_X25519: u8 = 0x01;
/// Stanza type: X25519 recipient without key id (anonymous).
pub const STANZA_X25519_ANONYMOUS: u8 = 0x02;
/// Stanza type: X-Wing (post-quantum hybrid) recipient named by its key id.
pub const STANZA_XWING: u8 = 0x03;
/// Stanza type: X-Wing recipient without key id (anonymous).
pub const STANZA_XWING_ANONYMOUS: u8 = 0x04;
/// Length of an X-Wing public key: the ML-KEM-768 encapsulation key (1184
/// bytes) then the X25519 public key (32 bytes).
pub const XWING_PUBLIC_KEY_LEN: usize = 1216;
/// Length of an X-Wing ciphertext: the ML-KEM-768 ciphertext (1088 bytes)
/// then the X25519 ephemeral public key (32 bytes).
pub const XWING_CIPHERTEXT_LEN: usize = 1120;
/// Length of a wrapped data key: 32 bytes and a 16-byte tag.
pub const WRAPPED_KEY_LEN: usize = 32 + TAG_LEN;
/// Body length of a named X25519 stanza.
pub const STANZA_X25519_LEN: usize = KEY_ID_LEN + 32 + WRAPPED_KEY_LEN;
/// Body length of an anonymous X25519 stanza.
pub const STANZA_X25519_ANONYMOUS_LEN: usize = 32 + WRAPPED_KEY_LEN;
/// Body length of a named X-Wing stanza.
pub const STANZA_XWING_LEN: usize = KEY_ID_LEN + XWING_CIPHERTEXT_LEN + WRAPPED_KEY_LEN;
/// Body length of an anonymous X-Wing stanza.
pub const STANZA_XWING_ANONYMOUS_LEN: usize = XWING_CIPHERTEXT_LEN + WRAPPED_KEY_LEN;

/// The part of the header that no rewrap may change: it is bound into the
/// associated data of every AEAD operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Core {
    /// Format version.
    pub version: u8,
    /// Cipher suite id.
    pub suite: u16,
    /// The Ed25519 public key of the sender (the first layer's signer):
    /// bound into every stanza, every chunk and the key commitment.
    pub sender: [u8; PUBLIC_KEY_LEN],
    /// Random salt of the payload key derivation.
    pub payload_salt: [u8; 32],
    /// Commitment to the data key and the sender, checked by every reader.
    pub key_commitment: [u8; 32],
    /// The label: opaque bytes.
    pub label: Vec<u8>,
}

/// One recipient's wrapped copy of the data key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stanza {
    /// X25519 recipient, named by key id, or anonymous (`key_id` is `None`).
    X25519 {
        /// The recipient's X25519 key id; `None` in anonymous mode.
        key_id: Option<KeyId>,
        /// The ephemeral X25519 public key of this stanza.
        ephemeral: [u8; 32],
        /// The data key wrapped with ChaCha20-Poly1305.
        wrapped: [u8; WRAPPED_KEY_LEN],
    },
    /// X-Wing (post-quantum hybrid) recipient, named by the key id of its
    /// X-Wing public key, or anonymous (`key_id` is `None`). Only in suite 3.
    XWing {
        /// The key id of the recipient's X-Wing public key; `None` in
        /// anonymous mode.
        key_id: Option<KeyId>,
        /// The X-Wing ciphertext: the ML-KEM-768 ciphertext, then the
        /// X25519 ephemeral public key.
        ciphertext: Box<[u8; XWING_CIPHERTEXT_LEN]>,
        /// The data key wrapped with ChaCha20-Poly1305.
        wrapped: [u8; WRAPPED_KEY_LEN],
    },
    /// A stanza type this library does not know (kept as is, skipped).
    Unknown {
        /// The type byte.
        kind: u8,
        /// The body.
        body: Vec<u8>,
    },
}

/// A signing layer: who signed, for which recipients. A classical layer
/// is signed with Ed25519; a hybrid layer (one with an ML-DSA-65 signer
/// key) with Ed25519 and ML-DSA-65, each of its signatures being the pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// The signer's Ed25519 public key.
    pub signer: [u8; PUBLIC_KEY_LEN],
    /// The signer's proof that it holds the data key (an HKDF output of
    /// the data key naming the layer and its signer), checked by readers.
    pub holder_proof: [u8; 32],
    /// The signer's ML-DSA-65 public key in a hybrid layer; `None` in a
    /// classical one.
    pub mldsa65_signer: Option<Box<[u8; MLDSA65_PUBLIC_KEY_LEN]>>,
    /// The recipient stanzas.
    pub stanzas: Vec<Stanza>,
}

impl Layer {
    /// The key id of the layer's signer (of its Ed25519 key).
    #[must_use]
    pub fn signer_key_id(&self) -> KeyId {
        KeyId::of_public_key(&self.signer)
    }

    /// The key id of the layer signer's ML-DSA-65 key, in a hybrid layer.
    #[must_use]
    pub fn mldsa65_signer_key_id(&self) -> Option<KeyId> {
        self.mldsa65_signer
            .as_ref()
            .map(|k| KeyId::of_bytes(k.as_slice()))
    }

    /// Whether the layer is hybrid (signed with Ed25519 and ML-DSA-65).
    #[must_use]
    pub fn is_hybrid(&self) -> bool {
        self.mldsa65_signer.is_some()
    }

    /// The length of each of the layer's signatures: 64 bytes in a
    /// classical layer, 3373 in a hybrid one.
    #[must_use]
    pub fn signature_len(&self) -> usize {
        if self.is_hybrid() {
            HYBRID_SIGNATURE_LEN
        } else {
            SIGNATURE_LEN
        }
    }
}

/// One signature of a layer: Ed25519, and in a hybrid layer ML-DSA-65 over
/// the same message (both must verify).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerSignature {
    /// The Ed25519 signature (`R || S`).
    pub ed25519: [u8; SIGNATURE_LEN],
    /// The ML-DSA-65 signature, in a hybrid layer; `None` in a classical
    /// one.
    pub mldsa65: Option<Box<[u8; MLDSA65_SIGNATURE_LEN]>>,
}

impl LayerSignature {
    /// Serializes the signature: the Ed25519 signature, then the ML-DSA-65
    /// one if any.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ed25519);
        if let Some(mldsa65) = &self.mldsa65 {
            out.extend_from_slice(mldsa65.as_slice());
        }
    }

    /// The serialized signature.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HYBRID_SIGNATURE_LEN);
        self.write(&mut out);
        out
    }

    /// Reads a signature of a layer of the given form from its bytes
    /// (exactly 64 bytes for a classical layer, 3373 for a hybrid one).
    #[must_use]
    pub fn from_bytes(bytes: &[u8], hybrid: bool) -> Option<LayerSignature> {
        if hybrid {
            let (ed25519, mldsa65) = bytes.split_first_chunk::<SIGNATURE_LEN>()?;
            let mldsa65: [u8; MLDSA65_SIGNATURE_LEN] = mldsa65.try_into().ok()?;
            Some(LayerSignature {
                ed25519: *ed25519,
                mldsa65: Some(Box::new(mldsa65)),
            })
        } else {
            Some(LayerSignature {
                ed25519: bytes.try_into().ok()?,
                mldsa65: None,
            })
        }
    }
}

/// A parsed header: everything before the payload chunks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The immutable core.
    pub core: Core,
    /// The layers, oldest first; at least one.
    pub layers: Vec<Layer>,
    /// The header signature of every layer, in the same order: each
    /// signer's signature over the header up to its layer, checked before
    /// any payload byte is released.
    pub header_signatures: Vec<LayerSignature>,
    /// The final signatures of every layer but the last (which is in the
    /// trailer), in the same order.
    pub signatures: Vec<LayerSignature>,
}

impl Header {
    /// The last (current) layer.
    #[must_use]
    pub fn current_layer(&self) -> Option<&Layer> {
        self.layers.last()
    }

    /// The length of the trailing signature: the last layer's signature
    /// length.
    #[must_use]
    pub fn trailer_len(&self) -> usize {
        self.current_layer()
            .map_or(SIGNATURE_LEN, Layer::signature_len)
    }
}

/// Serializes the core.
pub fn write_core(core: &Core, out: &mut Vec<u8>) {
    out.extend_from_slice(&MAGIC);
    out.push(core.version);
    out.extend_from_slice(&core.suite.to_be_bytes());
    out.extend_from_slice(&core.sender);
    out.extend_from_slice(&core.payload_salt);
    out.extend_from_slice(&core.key_commitment);
    let len = u32::try_from(core.label.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&core.label);
}

/// Serializes one stanza (type, body length, body).
pub fn write_stanza(stanza: &Stanza, out: &mut Vec<u8>) {
    match stanza {
        Stanza::X25519 {
            key_id,
            ephemeral,
            wrapped,
        } => {
            let (kind, len) = match key_id {
                Some(_) => (STANZA_X25519, STANZA_X25519_LEN),
                None => (STANZA_X25519_ANONYMOUS, STANZA_X25519_ANONYMOUS_LEN),
            };
            out.push(kind);
            out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
            if let Some(id) = key_id {
                out.extend_from_slice(&id.to_bytes());
            }
            out.extend_from_slice(ephemeral);
            out.extend_from_slice(wrapped);
        }
        Stanza::XWing {
            key_id,
            ciphertext,
            wrapped,
        } => {
            let (kind, len) = match key_id {
                Some(_) => (STANZA_XWING, STANZA_XWING_LEN),
                None => (STANZA_XWING_ANONYMOUS, STANZA_XWING_ANONYMOUS_LEN),
            };
            out.push(kind);
            out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
            if let Some(id) = key_id {
                out.extend_from_slice(&id.to_bytes());
            }
            out.extend_from_slice(ciphertext.as_slice());
            out.extend_from_slice(wrapped);
        }
        Stanza::Unknown { kind, body } => {
            out.push(*kind);
            let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(body);
        }
    }
}

/// Serializes one layer (signer public key, holder proof, form and stanza
/// count, the ML-DSA-65 signer key of a hybrid layer, stanzas).
pub fn write_layer(layer: &Layer, out: &mut Vec<u8>) {
    out.extend_from_slice(&layer.signer);
    out.extend_from_slice(&layer.holder_proof);
    let count = u16::try_from(layer.stanzas.len()).unwrap_or(u16::MAX);
    let form = if layer.is_hybrid() { HYBRID_LAYER } else { 0 };
    out.extend_from_slice(&(form | count).to_be_bytes());
    if let Some(mldsa65) = &layer.mldsa65_signer {
        out.extend_from_slice(mldsa65.as_slice());
    }
    for stanza in &layer.stanzas {
        write_stanza(stanza, out);
    }
}

/// Serializes the whole header: core, layer count, then each layer followed
/// by its header signature and, for every layer but the last, its final
/// signature.
pub fn write_header(header: &Header, out: &mut Vec<u8>) {
    write_core(&header.core, out);
    out.push(u8::try_from(header.layers.len()).unwrap_or(u8::MAX));
    write_layers(header, header.layers.len(), out);
}

/// Serializes the first `count` layers, each with its header signature and
/// (if it is not the last of the header) its final signature: the layers
/// of the signed prefixes.
pub(crate) fn write_layers(header: &Header, count: usize, out: &mut Vec<u8>) {
    for (i, layer) in header.layers.iter().enumerate().take(count) {
        write_layer(layer, out);
        if let Some(sig) = header.header_signatures.get(i) {
            sig.write(out);
        }
        if let Some(sig) = header.signatures.get(i) {
            sig.write(out);
        }
    }
}

/// The length of a serialized header.
#[must_use]
pub fn header_len(header: &Header) -> usize {
    let mut out = Vec::with_capacity(4096);
    write_header(header, &mut out);
    out.len()
}

/// Splits what follows the header into the payload chunks area and the
/// trailing signature, of the last layer's form (`hybrid`: 3373 bytes,
/// else 64). `offset` is the header length (for error offsets).
///
/// # Errors
///
/// [`OpenError::Malformed`] if the body cannot hold one chunk and the
/// signature, or if the last chunk is shorter than a tag.
pub fn split_body(
    body: &[u8],
    offset: u64,
    hybrid: bool,
) -> Result<(&[u8], LayerSignature), OpenError> {
    let trailer = if hybrid {
        HYBRID_SIGNATURE_LEN
    } else {
        SIGNATURE_LEN
    };
    let ends_early = || OpenError::Malformed {
        offset: offset + body.len() as u64,
        problem: "the envelope ends before its signature".to_owned(),
    };
    let split = body.len().checked_sub(trailer).ok_or_else(ends_early)?;
    let (chunks, sig) = body.split_at_checked(split).ok_or_else(ends_early)?;
    let sig = LayerSignature::from_bytes(sig, hybrid).ok_or_else(ends_early)?;
    check_chunks_len(chunks.len(), offset)?;
    Ok((chunks, sig))
}

/// Splits a whole envelope into its parsed header, the payload chunks and
/// the trailing signature.
///
/// # Errors
///
/// As [`read_header`] and [`split_body`].
pub fn split_envelope(envelope: &[u8]) -> Result<(Header, &[u8], LayerSignature), OpenError> {
    let (header, header_len) = read_header(envelope)?;
    let body = envelope
        .get(usize::try_from(header_len).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let hybrid = header.current_layer().is_some_and(Layer::is_hybrid);
    let (chunks, signature) = split_body(body, header_len, hybrid)?;
    Ok((header, chunks, signature))
}

/// Checks that `len` bytes of sealed chunks have a possible structure: at
/// least one chunk, every chunk but the last full, the last one holding at
/// least a tag.
///
/// # Errors
///
/// [`OpenError::Malformed`] otherwise.
pub fn check_chunks_len(len: usize, offset: u64) -> Result<(), OpenError> {
    let last = len % SEALED_CHUNK_SIZE;
    if len == 0 || (last != 0 && last < TAG_LEN) {
        return Err(OpenError::Malformed {
            offset: offset + (len - last) as u64,
            problem: "the last payload chunk is shorter than its authentication tag".to_owned(),
        });
    }
    Ok(())
}

/// Number of chunks for a plaintext of `len` bytes (an empty payload is one
/// empty chunk).
#[must_use]
pub fn chunk_count(len: usize) -> usize {
    len.div_ceil(CHUNK_SIZE).max(1)
}

/// Plaintext length of `len` bytes of sealed chunks (assumed well-formed).
#[must_use]
pub fn plaintext_len(sealed_len: usize) -> usize {
    let chunks = sealed_len.div_ceil(SEALED_CHUNK_SIZE);
    sealed_len.saturating_sub(chunks * TAG_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_arithmetic() {
        assert_eq!(chunk_count(0), 1);
        assert_eq!(chunk_count(CHUNK_SIZE), 1);
        assert_eq!(chunk_count(CHUNK_SIZE + 1), 2);
        assert_eq!(plaintext_len(TAG_LEN), 0);
        assert_eq!(plaintext_len(SEALED_CHUNK_SIZE), CHUNK_SIZE);
        assert_eq!(
            plaintext_len(SEALED_CHUNK_SIZE + TAG_LEN + 1),
            CHUNK_SIZE + 1
        );
        assert!(check_chunks_len(0, 0).is_err());
        assert!(check_chunks_len(SEALED_CHUNK_SIZE + 15, 0).is_err());
        assert!(check_chunks_len(SEALED_CHUNK_SIZE, 0).is_ok());
    }

    #[test]
    fn the_trailer_is_the_last_layers_signature() {
        let header = Header {
            core: Core {
                version: VERSION,
                suite: SUITE_X25519_CHACHA20POLY1305_ED25519,
                sender: [1; 32],
                payload_salt: [2; 32],
                key_commitment: [3; 32],
                label: Vec::new(),
            },
            layers: Vec::new(),
            header_signatures: Vec::new(),
            signatures: Vec::new(),
        };
        assert_eq!(header.trailer_len(), SIGNATURE_LEN);
        let body = [7u8; TAG_LEN + HYBRID_SIGNATURE_LEN];
        let (chunks, sig) = split_body(&body, 100, true).unwrap();
        assert_eq!(chunks.len(), TAG_LEN);
        assert!(sig.mldsa65.is_some());
        let (chunks, sig) = split_body(&body, 100, false).unwrap();
        assert_eq!(chunks.len(), TAG_LEN + MLDSA65_SIGNATURE_LEN);
        assert!(sig.mldsa65.is_none());
        match split_body(&body[..HYBRID_SIGNATURE_LEN - 1], 100, true) {
            Err(OpenError::Malformed { offset, .. }) => {
                assert_eq!(offset, 100 + HYBRID_SIGNATURE_LEN as u64 - 1);
            }
            other => panic!("{other:?}"),
        }
    }
}

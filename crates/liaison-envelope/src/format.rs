//! The binary wire format, apart from any cryptography: `read_*` parse bytes
//! into plain structs, `write_*` serialize structs into bytes. The encryption
//! code only ever sees the parsed structs, and every transcript it hashes is
//! the re-serialization of a struct (parsing is strict, so re-serialization
//! gives back exactly the bytes that were read).
//!
//! The layout is specified in `docs/envelope-format.md`.

use std::io::{self, Read};

use crate::error::OpenError;
use crate::keys::{KEY_ID_LEN, KeyId};

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
/// Ed25519 signature length.
pub const SIGNATURE_LEN: usize = 64;
/// Ed25519 public key length.
pub const PUBLIC_KEY_LEN: usize = 32;
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

/// A signing layer: who signed, for which recipients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// The signer's Ed25519 public key.
    pub signer: [u8; PUBLIC_KEY_LEN],
    /// The signer's proof that it holds the data key (an HKDF output of
    /// the data key naming the layer and its signer), checked by readers.
    pub holder_proof: [u8; 32],
    /// The recipient stanzas.
    pub stanzas: Vec<Stanza>,
}

impl Layer {
    /// The key id of the layer's signer.
    #[must_use]
    pub fn signer_key_id(&self) -> KeyId {
        KeyId::of_public_key(&self.signer)
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
    pub header_signatures: Vec<[u8; SIGNATURE_LEN]>,
    /// The final signatures of every layer but the last (which is in the
    /// trailer), in the same order.
    pub signatures: Vec<[u8; SIGNATURE_LEN]>,
}

impl Header {
    /// The last (current) layer.
    #[must_use]
    pub fn current_layer(&self) -> Option<&Layer> {
        self.layers.last()
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

/// Serializes one layer (signer public key, holder proof, stanza count,
/// stanzas).
pub fn write_layer(layer: &Layer, out: &mut Vec<u8>) {
    out.extend_from_slice(&layer.signer);
    out.extend_from_slice(&layer.holder_proof);
    let count = u16::try_from(layer.stanzas.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&count.to_be_bytes());
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
            out.extend_from_slice(sig);
        }
        if let Some(sig) = header.signatures.get(i) {
            out.extend_from_slice(sig);
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

/// A reader that counts bytes, so errors can name an offset, and that
/// refuses to read a header past [`MAX_HEADER_LEN`].
struct Counting<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Counting<R> {
    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], OpenError> {
        let mut buf = [0u8; N];
        self.fill(&mut buf, what)?;
        Ok(buf)
    }

    /// Checks, before reading, that `len` more header bytes stay within
    /// the header bound.
    fn within_bound(&self, len: usize) -> Result<(), OpenError> {
        if self.offset.saturating_add(len as u64) > MAX_HEADER_LEN as u64 {
            return Err(self.malformed(
                self.offset,
                format!("the header would exceed the maximum of {MAX_HEADER_LEN} bytes"),
            ));
        }
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), OpenError> {
        let start = self.offset;
        let mut done = 0;
        while let Some(rest) = buf.get_mut(done..) {
            if rest.is_empty() {
                break;
            }
            match self.inner.read(rest) {
                Ok(0) => {
                    return Err(OpenError::Malformed {
                        offset: start + done as u64,
                        problem: format!("the envelope ends inside the {what}"),
                    });
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(OpenError::Io(e)),
            }
        }
        self.offset = start + done as u64;
        Ok(())
    }

    fn u8(&mut self, what: &str) -> Result<u8, OpenError> {
        Ok(u8::from_be_bytes(self.header_bytes::<1>(what)?))
    }

    fn u16(&mut self, what: &str) -> Result<u16, OpenError> {
        Ok(u16::from_be_bytes(self.header_bytes::<2>(what)?))
    }

    fn u32(&mut self, what: &str) -> Result<u32, OpenError> {
        Ok(u32::from_be_bytes(self.header_bytes::<4>(what)?))
    }

    /// Reads `N` bytes of the header (within the header bound).
    fn header_bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], OpenError> {
        self.within_bound(N)?;
        self.bytes::<N>(what)
    }

    /// Reads `len` bytes of the header (within the header bound).
    fn header_vec(&mut self, len: usize, what: &str) -> Result<Vec<u8>, OpenError> {
        self.within_bound(len)?;
        let mut buf = vec![0u8; len];
        self.fill(&mut buf, what)?;
        Ok(buf)
    }

    fn malformed(&self, at: u64, problem: impl Into<String>) -> OpenError {
        OpenError::Malformed {
            offset: at,
            problem: problem.into(),
        }
    }
}

/// Parses a header from the start of `reader`, reading exactly its bytes.
/// Returns the header and the offset of the first payload chunk.
///
/// # Errors
///
/// [`OpenError::NotAnEnvelope`] if the input does not start with the 8-byte
/// magic (a shorter input included), [`OpenError::UnsupportedVersion`],
/// [`OpenError::UnsupportedSuite`], [`OpenError::Malformed`] with the offset
/// of a structural problem, [`OpenError::StanzaSuiteMismatch`] for a stanza
/// of the other suite's recipient type, and [`OpenError::Io`] if reading
/// fails.
pub fn read_header<R: Read>(reader: R) -> Result<(Header, u64), OpenError> {
    let mut r = Counting {
        inner: reader,
        offset: 0,
    };
    let mut magic = [0u8; 8];
    let mut got = 0;
    while let Some(rest) = magic.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match r.inner.read(rest) {
            Ok(0) => return Err(OpenError::NotAnEnvelope),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(OpenError::Io(e)),
        }
    }
    if magic != MAGIC {
        return Err(OpenError::NotAnEnvelope);
    }
    r.offset = MAGIC.len() as u64;
    let version = r.u8("format version")?;
    if version != VERSION {
        return Err(OpenError::UnsupportedVersion { version });
    }
    let suite = r.u16("suite id")?;
    if suite != SUITE_X25519_CHACHA20POLY1305_ED25519
        && suite != SUITE_XWING_CHACHA20POLY1305_ED25519
    {
        return Err(OpenError::UnsupportedSuite { suite });
    }
    let sender = r.header_bytes::<PUBLIC_KEY_LEN>("sender key")?;
    let payload_salt = r.header_bytes::<32>("payload salt")?;
    let key_commitment = r.header_bytes::<32>("key commitment")?;
    let at = r.offset;
    let label_len = r.u32("label length")?;
    let label_len = usize::try_from(label_len).unwrap_or(usize::MAX);
    if label_len > MAX_LABEL_LEN {
        return Err(r.malformed(
            at,
            format!("label length {label_len} exceeds the maximum {MAX_LABEL_LEN}"),
        ));
    }
    let label = r.header_vec(label_len, "label")?;
    let at = r.offset;
    let layer_count = usize::from(r.u8("layer count")?);
    if layer_count == 0 || layer_count > MAX_LAYERS {
        return Err(r.malformed(
            at,
            format!("layer count {layer_count} is not between 1 and {MAX_LAYERS}"),
        ));
    }
    let mut layers = Vec::with_capacity(layer_count);
    let mut header_signatures = Vec::with_capacity(layer_count);
    let mut signatures = Vec::with_capacity(layer_count - 1);
    for i in 0..layer_count {
        let at = r.offset;
        let layer = read_layer(&mut r, suite)?;
        if i == 0 && layer.signer != sender {
            return Err(r.malformed(
                at,
                "the first layer's signer is not the sender named in the core",
            ));
        }
        layers.push(layer);
        header_signatures.push(r.header_bytes::<SIGNATURE_LEN>("header signature")?);
        if i + 1 < layer_count {
            signatures
                .push(r.header_bytes::<SIGNATURE_LEN>("final signature of an earlier layer")?);
        }
    }
    let header = Header {
        core: Core {
            version,
            suite,
            sender,
            payload_salt,
            key_commitment,
            label,
        },
        layers,
        header_signatures,
        signatures,
    };
    Ok((header, r.offset))
}

fn read_layer<R: Read>(r: &mut Counting<R>, suite: u16) -> Result<Layer, OpenError> {
    let signer = r.header_bytes::<PUBLIC_KEY_LEN>("signer key")?;
    let holder_proof = r.header_bytes::<32>("holder proof")?;
    let at = r.offset;
    let count = usize::from(r.u16("stanza count")?);
    if count == 0 || count > MAX_STANZAS {
        return Err(r.malformed(
            at,
            format!("stanza count {count} is not between 1 and {MAX_STANZAS}"),
        ));
    }
    let mut stanzas = Vec::with_capacity(count);
    for _ in 0..count {
        stanzas.push(read_stanza(r, suite)?);
    }
    Ok(Layer {
        signer,
        holder_proof,
        stanzas,
    })
}

/// The suite a known stanza type belongs to: no downgrade, an envelope's
/// recipients are all classical or all post-quantum.
fn suite_of_stanza(kind: u8) -> Option<u16> {
    match kind {
        STANZA_X25519 | STANZA_X25519_ANONYMOUS => Some(SUITE_X25519_CHACHA20POLY1305_ED25519),
        STANZA_XWING | STANZA_XWING_ANONYMOUS => Some(SUITE_XWING_CHACHA20POLY1305_ED25519),
        _ => None,
    }
}

fn read_stanza<R: Read>(r: &mut Counting<R>, suite: u16) -> Result<Stanza, OpenError> {
    let at = r.offset;
    let kind = r.u8("stanza type")?;
    if kind == 0 {
        return Err(r.malformed(at, "stanza type 0 is reserved"));
    }
    if let Some(own) = suite_of_stanza(kind)
        && own != suite
    {
        return Err(OpenError::StanzaSuiteMismatch {
            offset: at,
            stanza_type: kind,
            suite,
        });
    }
    let len = usize::from(r.u16("stanza length")?);
    let expected = match kind {
        STANZA_X25519 => Some(STANZA_X25519_LEN),
        STANZA_X25519_ANONYMOUS => Some(STANZA_X25519_ANONYMOUS_LEN),
        STANZA_XWING => Some(STANZA_XWING_LEN),
        STANZA_XWING_ANONYMOUS => Some(STANZA_XWING_ANONYMOUS_LEN),
        _ => None,
    };
    if let Some(expected) = expected
        && len != expected
    {
        return Err(r.malformed(
            at,
            format!("stanza of type {kind} has length {len}, expected {expected}"),
        ));
    }
    match kind {
        STANZA_X25519 | STANZA_X25519_ANONYMOUS => {
            let key_id = if kind == STANZA_X25519 {
                Some(KeyId::from_bytes(
                    r.header_bytes::<KEY_ID_LEN>("stanza key id")?,
                ))
            } else {
                None
            };
            let ephemeral = r.header_bytes::<32>("stanza ephemeral key")?;
            let wrapped = r.header_bytes::<WRAPPED_KEY_LEN>("wrapped key")?;
            Ok(Stanza::X25519 {
                key_id,
                ephemeral,
                wrapped,
            })
        }
        STANZA_XWING | STANZA_XWING_ANONYMOUS => {
            let key_id = if kind == STANZA_XWING {
                Some(KeyId::from_bytes(
                    r.header_bytes::<KEY_ID_LEN>("stanza key id")?,
                ))
            } else {
                None
            };
            let ciphertext = Box::new(r.header_bytes::<XWING_CIPHERTEXT_LEN>("X-Wing ciphertext")?);
            let wrapped = r.header_bytes::<WRAPPED_KEY_LEN>("wrapped key")?;
            Ok(Stanza::XWing {
                key_id,
                ciphertext,
                wrapped,
            })
        }
        _ => {
            let body = r.header_vec(len, "stanza body")?;
            Ok(Stanza::Unknown { kind, body })
        }
    }
}

/// Splits what follows the header into the payload chunks area and the
/// trailing signature. `offset` is the header length (for error offsets).
///
/// # Errors
///
/// [`OpenError::Malformed`] if the body cannot hold one chunk and the
/// signature, or if the last chunk is shorter than a tag.
pub fn split_body(body: &[u8], offset: u64) -> Result<(&[u8], [u8; SIGNATURE_LEN]), OpenError> {
    let Some((chunks, sig)) = body.split_last_chunk::<SIGNATURE_LEN>() else {
        return Err(OpenError::Malformed {
            offset: offset + body.len() as u64,
            problem: "the envelope ends before its signature".to_owned(),
        });
    };
    check_chunks_len(chunks.len(), offset)?;
    Ok((chunks, *sig))
}

/// Splits a whole envelope into its parsed header, the payload chunks and
/// the trailing signature.
///
/// # Errors
///
/// As [`read_header`] and [`split_body`].
pub fn split_envelope(envelope: &[u8]) -> Result<(Header, &[u8], [u8; SIGNATURE_LEN]), OpenError> {
    let (header, header_len) = read_header(envelope)?;
    let body = envelope
        .get(usize::try_from(header_len).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let (chunks, signature) = split_body(body, header_len)?;
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

    fn header() -> Header {
        Header {
            core: Core {
                version: VERSION,
                suite: SUITE_X25519_CHACHA20POLY1305_ED25519,
                sender: [3; 32],
                payload_salt: [1; 32],
                key_commitment: [2; 32],
                label: b"SECRET".to_vec(),
            },
            layers: vec![
                Layer {
                    signer: [3; 32],
                    holder_proof: [13; 32],
                    stanzas: vec![
                        Stanza::X25519 {
                            key_id: Some(KeyId::from_bytes([4; 8])),
                            ephemeral: [5; 32],
                            wrapped: [6; 48],
                        },
                        Stanza::Unknown {
                            kind: 0x40,
                            body: vec![7; 3],
                        },
                    ],
                },
                Layer {
                    signer: [8; 32],
                    holder_proof: [14; 32],
                    stanzas: vec![Stanza::X25519 {
                        key_id: None,
                        ephemeral: [9; 32],
                        wrapped: [10; 48],
                    }],
                },
            ],
            header_signatures: vec![[12; 64], [15; 64]],
            signatures: vec![[11; 64]],
        }
    }

    fn bytes_of(h: &Header) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_header(h, &mut bytes);
        bytes
    }

    #[test]
    fn header_round_trips_exactly() {
        let h = header();
        let bytes = bytes_of(&h);
        let (back, len) = read_header(bytes.as_slice()).unwrap();
        assert_eq!(back, h);
        assert_eq!(len, bytes.len() as u64);
        assert_eq!(header_len(&h), bytes.len());
        for cut in 0..bytes.len() {
            assert!(read_header(&bytes[..cut]).is_err());
        }
    }

    fn malformed_at(bytes: &[u8]) -> u64 {
        match read_header(bytes) {
            Err(OpenError::Malformed { offset, .. }) => offset,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_problem() {
        for short in [&b""[..], b"\x89LIAISO", b"hello world"] {
            assert!(matches!(read_header(short), Err(OpenError::NotAnEnvelope)));
        }
        let mut bytes = bytes_of(&header());
        assert_eq!(malformed_at(&bytes[..8]), 8);
        bytes[8] = 1;
        assert!(matches!(
            read_header(bytes.as_slice()),
            Err(OpenError::UnsupportedVersion { version: 1 })
        ));
        bytes[8] = VERSION;
        bytes[10] = 9;
        assert!(matches!(
            read_header(bytes.as_slice()),
            Err(OpenError::UnsupportedSuite { suite: 9 })
        ));
    }

    #[test]
    fn the_first_signer_must_be_the_core_sender() {
        let mut h = header();
        h.layers[0].signer = [8; 32];
        let core_len = 8 + 1 + 2 + 32 + 32 + 32 + 4 + 6;
        assert_eq!(malformed_at(&bytes_of(&h)), core_len as u64 + 1);
    }

    #[test]
    fn stanza_type_zero_and_wrong_lengths_are_refused_where_they_stand() {
        let core_len = (8 + 1 + 2 + 32 + 32 + 32 + 4 + 6) as u64;
        let first_stanza = core_len + 1 + 32 + 32 + 2;
        let mut h = header();
        h.layers[0].stanzas[1] = Stanza::Unknown {
            kind: 0,
            body: vec![],
        };
        let second_stanza = first_stanza + 3 + 88;
        assert_eq!(malformed_at(&bytes_of(&h)), second_stanza);
        let mut bytes = bytes_of(&header());
        bytes[first_stanza as usize + 2] = 89;
        assert_eq!(malformed_at(&bytes), first_stanza);
    }

    #[test]
    fn x_wing_stanzas_round_trip_in_suite_3_only() {
        let mut h = header();
        h.core.suite = SUITE_XWING_CHACHA20POLY1305_ED25519;
        h.layers[0].stanzas[0] = Stanza::XWing {
            key_id: Some(KeyId::from_bytes([4; 8])),
            ciphertext: Box::new([5; XWING_CIPHERTEXT_LEN]),
            wrapped: [6; 48],
        };
        h.layers[1].stanzas[0] = Stanza::XWing {
            key_id: None,
            ciphertext: Box::new([9; XWING_CIPHERTEXT_LEN]),
            wrapped: [10; 48],
        };
        let bytes = bytes_of(&h);
        let (back, len) = read_header(bytes.as_slice()).unwrap();
        assert_eq!(back, h);
        assert_eq!(len, bytes.len() as u64);
        // The same stanzas under suite 2, and an X25519 stanza under suite
        // 3, are refused at the stanza's type byte.
        let core_len = (8 + 1 + 2 + 32 + 32 + 32 + 4 + 6) as u64;
        let first_stanza = core_len + 1 + 32 + 32 + 2;
        let mut classical = h.clone();
        classical.core.suite = SUITE_X25519_CHACHA20POLY1305_ED25519;
        match read_header(bytes_of(&classical).as_slice()) {
            Err(OpenError::StanzaSuiteMismatch {
                offset,
                stanza_type,
                suite,
            }) => assert_eq!((offset, stanza_type, suite), (first_stanza, 3, 2)),
            other => panic!("{other:?}"),
        }
        let mut downgraded = header();
        downgraded.core.suite = SUITE_XWING_CHACHA20POLY1305_ED25519;
        downgraded.layers[0].stanzas.remove(1);
        match read_header(bytes_of(&downgraded).as_slice()) {
            Err(OpenError::StanzaSuiteMismatch { offset, .. }) => assert_eq!(offset, first_stanza),
            other => panic!("{other:?}"),
        }
        // A body one byte short of the named X-Wing stanza's.
        let mut short = bytes.clone();
        let at = first_stanza as usize;
        short[at + 2] -= 1;
        short.remove(at + 3 + 8);
        assert_eq!(malformed_at(&short), first_stanza);
    }

    #[test]
    fn the_header_is_bounded() {
        let mut h = header();
        h.layers[0].stanzas = (0..17)
            .map(|_| Stanza::Unknown {
                kind: 0x40,
                body: vec![0; 65_535],
            })
            .collect();
        let bytes = bytes_of(&h);
        let offset = malformed_at(&bytes);
        assert!(offset <= MAX_HEADER_LEN as u64, "{offset}");
        assert!(offset + 65_535 > MAX_HEADER_LEN as u64, "{offset}");
        // Refused before the body is read: the input may stop right there.
        assert_eq!(malformed_at(&bytes[..offset as usize]), offset);
    }

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
}

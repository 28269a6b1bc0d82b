//! The derivations and primitive operations of suites 2 and 3, over parsed
//! structs: X25519 key wrapping (X25519 + HKDF-SHA256 + ChaCha20-Poly1305;
//! the X-Wing stanzas of suite 3 are in `xwing.rs`), the payload key
//! and key commitment, chunk nonces, the content digest and the signed
//! transcript. Every constant string here is part of the format.

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Nonce, Tag};
use hkdf::Hkdf;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::format::{
    self, Core, Header, LayerSignature, STANZA_X25519, STANZA_X25519_ANONYMOUS, Stanza, TAG_LEN,
    WRAPPED_KEY_LEN,
};
use crate::keys::{Card, KeyId};
use crate::rng::{RandomError, Randomness};
use crate::signing::{self, LayerSigner};

/// HKDF info of the X25519 key-wrapping key.
pub(crate) const INFO_WRAP: &[u8] = b"liaison-envelope v2 x25519 wrap";
/// HKDF info of the payload key.
pub(crate) const INFO_PAYLOAD: &[u8] = b"liaison-envelope v2 payload key";
/// HKDF info of the key commitment (followed by the sender's public key).
pub(crate) const INFO_COMMITMENT: &[u8] = b"liaison-envelope v2 key commitment";
/// Prefix of the content digest.
pub(crate) const CONTENT_PREFIX: &[u8] = b"liaison-envelope v2 content";
/// Prefix of every layer's final signed message.
pub(crate) const SIGNATURE_PREFIX: &[u8] = b"liaison-envelope v2 signature";
/// HKDF info of a layer's holder proof (followed by the layer index and the
/// signer's public key).
pub(crate) const INFO_HOLDER_PROOF: &[u8] = b"liaison-envelope v2 holder proof";
/// Prefix of the header signature's message.
pub(crate) const HEADER_SIGNATURE_PREFIX: &[u8] = b"liaison-envelope v2 header signature";

/// A 32-byte data key, wiped on drop.
pub(crate) type DataKey = Zeroizing<[u8; 32]>;

/// SHA-256 of the serialized core: the associated data of every AEAD.
pub(crate) fn core_digest(core: &Core) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(128 + core.label.len());
    format::write_core(core, &mut bytes);
    Sha256::digest(&bytes).into()
}

/// The payload key and the key commitment of a data key. The commitment
/// also binds the sender's Ed25519 public key.
pub(crate) fn derive_payload(
    data_key: &[u8; 32],
    salt: &[u8; 32],
    sender: &[u8; 32],
) -> (DataKey, [u8; 32]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), data_key);
    let mut key = Zeroizing::new([0u8; 32]);
    let mut commitment = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand(INFO_PAYLOAD, key.as_mut_slice());
    let _ = hk.expand_multi_info(&[INFO_COMMITMENT, sender], &mut commitment);
    (key, commitment)
}

/// Checks the data key against the commitment in the core, in constant time.
pub(crate) fn check_commitment(core: &Core, data_key: &[u8; 32]) -> Option<DataKey> {
    let (payload_key, commitment) = derive_payload(data_key, &core.payload_salt, &core.sender);
    bool::from(commitment.ct_eq(&core.key_commitment)).then_some(payload_key)
}

/// A ChaCha20-Poly1305 instance for a 32-byte key, without copying the key
/// onto the stack (the instance wipes its own copy when dropped).
fn cipher_for(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(key.into())
}

/// Why wrapping failed.
#[derive(Debug)]
pub(crate) enum WrapError {
    /// The recipient key is a low-order point (the shared secret is zero).
    LowOrder,
    /// No randomness.
    Random(RandomError),
}

fn wrap_aad(core_digest: &[u8; 32], key_id: Option<KeyId>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(41);
    aad.extend_from_slice(core_digest);
    match key_id {
        Some(id) => {
            aad.push(STANZA_X25519);
            aad.extend_from_slice(&id.to_bytes());
        }
        None => aad.push(STANZA_X25519_ANONYMOUS),
    }
    aad
}

fn wrap_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> DataKey {
    let mut salt = [0u8; 64];
    for (dst, src) in salt
        .iter_mut()
        .zip(ephemeral.iter().chain(recipient.iter()))
    {
        *dst = *src;
    }
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut key = Zeroizing::new([0u8; 32]);
    let _ = hk.expand(INFO_WRAP, key.as_mut_slice());
    key
}

/// Wraps the data key for one X25519 recipient with a fresh ephemeral key.
pub(crate) fn wrap(
    rng: &mut Randomness,
    recipient: &PublicKey,
    key_id: Option<KeyId>,
    data_key: &[u8; 32],
    core_digest: &[u8; 32],
) -> Result<Stanza, WrapError> {
    let secret = rng.x25519_secret().map_err(WrapError::Random)?;
    let ephemeral = PublicKey::from(&secret).to_bytes();
    let shared = secret.diffie_hellman(recipient);
    if !shared.was_contributory() {
        return Err(WrapError::LowOrder);
    }
    let key = wrap_key(shared.as_bytes(), &ephemeral, recipient.as_bytes());
    let wrapped =
        seal_data_key(&key, &wrap_aad(core_digest, key_id), data_key).ok_or(WrapError::LowOrder)?;
    Ok(Stanza::X25519 {
        key_id,
        ephemeral,
        wrapped,
    })
}

/// Unwraps an X25519 stanza with the recipient's secret. `None` for any
/// failure (low-order ephemeral key, wrong key, altered stanza or core).
pub(crate) fn unwrap(
    secret: &StaticSecret,
    recipient: &[u8; 32],
    key_id: Option<KeyId>,
    ephemeral: &[u8; 32],
    wrapped: &[u8; WRAPPED_KEY_LEN],
    core_digest: &[u8; 32],
) -> Option<DataKey> {
    let shared = secret.diffie_hellman(&PublicKey::from(*ephemeral));
    if !shared.was_contributory() {
        return None;
    }
    let key = wrap_key(shared.as_bytes(), ephemeral, recipient);
    open_data_key(&key, &wrap_aad(core_digest, key_id), wrapped)
}

/// Wraps the data key under a stanza's wrap key: ChaCha20-Poly1305 with
/// the zero nonce (every wrap key is used once), 32 bytes then the tag.
pub(crate) fn seal_data_key(
    key: &[u8; 32],
    aad: &[u8],
    data_key: &[u8; 32],
) -> Option<[u8; WRAPPED_KEY_LEN]> {
    let cipher = cipher_for(key);
    let mut wrapped = [0u8; WRAPPED_KEY_LEN];
    let (body, tag_out) = wrapped.split_at_mut(32);
    body.copy_from_slice(data_key);
    let tag = cipher
        .encrypt_inout_detached(&Nonce::default(), aad, InOutBuf::from(body))
        .ok()?;
    tag_out.copy_from_slice(&tag);
    Some(wrapped)
}

/// Opens a wrapped data key under a stanza's wrap key; `None` if the tag
/// does not verify.
pub(crate) fn open_data_key(
    key: &[u8; 32],
    aad: &[u8],
    wrapped: &[u8; WRAPPED_KEY_LEN],
) -> Option<DataKey> {
    let cipher = cipher_for(key);
    let (body, tag) = wrapped.split_at(32);
    let tag = Tag::try_from(tag).ok()?;
    let mut out = Zeroizing::new([0u8; 32]);
    let buf = InOutBuf::new(body, out.as_mut_slice()).ok()?;
    cipher
        .decrypt_inout_detached(&Nonce::default(), aad, buf, &tag)
        .ok()?;
    Some(out)
}

/// The nonce of chunk `index`: an 11-byte big-endian counter, then 1 for the
/// last chunk and 0 otherwise.
pub(crate) fn chunk_nonce(index: u64, last: bool) -> Nonce {
    let mut nonce = [0u8; 12];
    for (dst, src) in nonce.iter_mut().skip(3).zip(index.to_be_bytes()) {
        *dst = src;
    }
    if let Some(flag) = nonce.last_mut() {
        *flag = u8::from(last);
    }
    Nonce::from(nonce)
}

/// The payload cipher of a payload key.
pub(crate) fn payload_cipher(payload_key: &[u8; 32]) -> ChaCha20Poly1305 {
    cipher_for(payload_key)
}

/// Encrypts one chunk: `plaintext` into `out` (same length plus a tag), and
/// returns the BLAKE3 hash of the sealed chunk.
pub(crate) fn seal_chunk(
    cipher: &ChaCha20Poly1305,
    aad: &[u8; 32],
    index: u64,
    last: bool,
    plaintext: &[u8],
    out: &mut [u8],
) -> Option<[u8; 32]> {
    let split = out.len().checked_sub(TAG_LEN)?;
    let (body, tag_out) = out.split_at_mut(split);
    let buf = InOutBuf::new(plaintext, body).ok()?;
    let tag = cipher
        .encrypt_inout_detached(&chunk_nonce(index, last), aad, buf)
        .ok()?;
    tag_out.copy_from_slice(&tag);
    Some(chunk_hash(out))
}

/// Hashes then decrypts one sealed chunk into `out` (its length minus the
/// tag). Returns the BLAKE3 hash of the sealed chunk, or `None` if the tag
/// does not verify.
pub(crate) fn open_chunk(
    cipher: &ChaCha20Poly1305,
    aad: &[u8; 32],
    index: u64,
    last: bool,
    sealed: &[u8],
    out: &mut [u8],
) -> Option<[u8; 32]> {
    let hash = chunk_hash(sealed);
    let (body, tag) = sealed.split_last_chunk::<TAG_LEN>()?;
    let buf = InOutBuf::new(body, out).ok()?;
    cipher
        .decrypt_inout_detached(&chunk_nonce(index, last), aad, buf, &Tag::from(*tag))
        .ok()?;
    Some(hash)
}

/// The hash of one sealed chunk (ciphertext and tag): BLAKE3.
pub(crate) fn chunk_hash(sealed: &[u8]) -> [u8; 32] {
    blake3::hash(sealed).into()
}

/// The content digest: BLAKE3 over a prefix, the BLAKE3 hash of every
/// sealed chunk in order, and the chunk count (u64, big-endian).
#[derive(Clone)]
pub(crate) struct ContentDigest {
    hasher: blake3::Hasher,
    count: u64,
}

impl ContentDigest {
    pub(crate) fn new() -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(CONTENT_PREFIX);
        ContentDigest { hasher, count: 0 }
    }

    pub(crate) fn push(&mut self, chunk_hash: &[u8; 32]) {
        self.hasher.update(chunk_hash);
        self.count += 1;
    }

    pub(crate) fn finish(mut self) -> [u8; 32] {
        self.hasher.update(&self.count.to_be_bytes());
        self.hasher.finalize().into()
    }
}

/// SHA-256 of the prefix of layer `index`: the core, then each earlier
/// layer followed by its header signature and its final signature, then
/// the layer itself (the layer count byte is not included: earlier signers
/// signed before later layers existed).
pub(crate) fn prefix_digest(header: &Header, index: usize) -> [u8; 32] {
    let mut prefix = Vec::with_capacity(512);
    format::write_core(&header.core, &mut prefix);
    format::write_layers(header, index, &mut prefix);
    if let Some(layer) = header.layers.get(index) {
        format::write_layer(layer, &mut prefix);
    }
    Sha256::digest(&prefix).into()
}

/// The message of layer `index`'s final signature: the prefix string, the
/// layer index, the digest of the layer's prefix ([`prefix_digest`]), and
/// the content digest.
pub(crate) fn transcript(prefix: &[u8; 32], index: usize, content_digest: &[u8; 32]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(SIGNATURE_PREFIX.len() + 65);
    msg.extend_from_slice(SIGNATURE_PREFIX);
    msg.push(u8::try_from(index).unwrap_or(u8::MAX));
    msg.extend_from_slice(prefix);
    msg.extend_from_slice(content_digest);
    msg
}

/// The message of layer `index`'s header signature: the prefix string, the
/// layer index and the digest of the layer's prefix ([`prefix_digest`]).
pub(crate) fn header_transcript(prefix: &[u8; 32], index: usize) -> Vec<u8> {
    let mut msg = Vec::with_capacity(HEADER_SIGNATURE_PREFIX.len() + 33);
    msg.extend_from_slice(HEADER_SIGNATURE_PREFIX);
    msg.push(u8::try_from(index).unwrap_or(u8::MAX));
    msg.extend_from_slice(prefix);
    msg
}

/// Signs the header of the last layer of `header` as its signer (a pair
/// of signatures for a hybrid signer), and appends the signature to the
/// header signatures. Returns the digest of the layer's prefix, which the
/// final signature covers too (the header signature just appended is not
/// part of it). `None` only if ML-DSA signing fails.
pub(crate) fn sign_header(signer: &LayerSigner, header: &mut Header) -> Option<[u8; 32]> {
    let index = header.layers.len().saturating_sub(1);
    let prefix = prefix_digest(header, index);
    let signature = signer.sign(&header_transcript(&prefix, index))?;
    header.header_signatures.truncate(index);
    header.header_signatures.push(signature);
    Some(prefix)
}

/// Verifies the header signature of layer `index` with its signer's card:
/// the Ed25519 half strictly, and the ML-DSA-65 half with the card's
/// ML-DSA-65 key (present exactly when the card has one).
/// `prefix` is the layer's [`prefix_digest`].
pub(crate) fn verify_header(card: &Card, header: &Header, index: usize, prefix: &[u8; 32]) -> bool {
    let Some(signature) = header.header_signatures.get(index) else {
        return false;
    };
    let header_msg = header_transcript(prefix, index);
    signing::verify_ed25519(card.verifying_key(), &header_msg, &signature.ed25519)
        && signing::verify_mldsa65(card.mldsa65(), &header_msg, signature)
}

/// The proof that the signer of layer `index` holds the data key.
pub(crate) fn holder_proof(
    data_key: &[u8; 32],
    salt: &[u8; 32],
    index: usize,
    signer: &[u8; 32],
) -> [u8; 32] {
    let hk = Hkdf::<Sha256>::new(Some(salt), data_key);
    let mut proof = [0u8; 32];
    let index = [u8::try_from(index).unwrap_or(u8::MAX)];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand_multi_info(&[INFO_HOLDER_PROOF, &index, signer], &mut proof);
    proof
}

/// Whether every layer's holder proof matches the data key (each compared
/// in constant time; every layer is checked whatever the result).
pub(crate) fn check_holder_proofs(header: &Header, data_key: &[u8; 32]) -> bool {
    let mut ok = subtle::Choice::from(1);
    for (i, layer) in header.layers.iter().enumerate() {
        let expected = holder_proof(data_key, &header.core.payload_salt, i, &layer.signer);
        ok &= expected.ct_eq(&layer.holder_proof);
    }
    bool::from(ok)
}

/// Signs the last layer of `header`, whose prefix digest is `prefix` (as
/// [`sign_header`] returned it), over the content digest. `None` only if
/// ML-DSA signing fails.
pub(crate) fn sign_last(
    signer: &LayerSigner,
    header: &Header,
    prefix: &[u8; 32],
    content_digest: &[u8; 32],
) -> Option<LayerSignature> {
    let index = header.layers.len().saturating_sub(1);
    signer.sign(&transcript(prefix, index, content_digest))
}

/// Verifies the final signature of layer `index` with its signer's card:
/// the Ed25519 half strictly, the ML-DSA-65 half with the card's key.
/// `prefix` is the layer's [`prefix_digest`].
pub(crate) fn verify_layer(
    card: &Card,
    prefix: &[u8; 32],
    index: usize,
    signature: &LayerSignature,
    content_digest: &[u8; 32],
) -> bool {
    let final_msg = transcript(prefix, index, content_digest);
    signing::verify_ed25519(card.verifying_key(), &final_msg, &signature.ed25519)
        && signing::verify_mldsa65(card.mldsa65(), &final_msg, signature)
}

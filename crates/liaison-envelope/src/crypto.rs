//! The derivations and primitive operations of suite 1, over parsed structs:
//! key wrapping (X25519 + HKDF-SHA256 + ChaCha20-Poly1305), the payload key
//! and key commitment, chunk nonces, the content digest and the signed
//! transcript. Every constant string here is part of the format.

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, Key, KeyInit, Nonce, Tag};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::format::{
    self, Core, Header, Layer, SIGNATURE_LEN, STANZA_X25519, STANZA_X25519_ANONYMOUS, Stanza,
    TAG_LEN, WRAPPED_KEY_LEN,
};
use crate::keys::KeyId;
use crate::rng::{RandomError, Randomness};
use crate::x25519::PublicPoint;

/// HKDF info of the X25519 key-wrapping key.
pub(crate) const INFO_WRAP: &[u8] = b"liaison-envelope v1 x25519 wrap";
/// HKDF info of the payload key.
pub(crate) const INFO_PAYLOAD: &[u8] = b"liaison-envelope v1 payload key";
/// HKDF info of the key commitment.
pub(crate) const INFO_COMMITMENT: &[u8] = b"liaison-envelope v1 key commitment";
/// Prefix of the content digest.
pub(crate) const CONTENT_PREFIX: &[u8] = b"liaison-envelope v1 content";
/// Prefix of every signed message.
pub(crate) const SIGNATURE_PREFIX: &[u8] = b"liaison-envelope v1 signature";

/// A 32-byte data key, wiped on drop.
pub(crate) type DataKey = Zeroizing<[u8; 32]>;

/// SHA-256 of the serialized core: the associated data of every AEAD.
pub(crate) fn core_digest(core: &Core) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(128 + core.label.len());
    format::write_core(core, &mut bytes);
    Sha256::digest(&bytes).into()
}

/// The payload key and the key commitment of a data key.
pub(crate) fn derive_payload(data_key: &[u8; 32], salt: &[u8; 32]) -> (DataKey, [u8; 32]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), data_key);
    let mut key = Zeroizing::new([0u8; 32]);
    let mut commitment = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand(INFO_PAYLOAD, key.as_mut_slice());
    let _ = hk.expand(INFO_COMMITMENT, &mut commitment);
    (key, commitment)
}

/// Checks the data key against the commitment in the core, in constant time.
pub(crate) fn check_commitment(core: &Core, data_key: &[u8; 32]) -> Option<DataKey> {
    let (payload_key, commitment) = derive_payload(data_key, &core.payload_salt);
    bool::from(commitment.ct_eq(&core.key_commitment)).then_some(payload_key)
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
    recipient: &PublicPoint,
    key_id: Option<KeyId>,
    data_key: &[u8; 32],
    core_digest: &[u8; 32],
) -> Result<Stanza, WrapError> {
    let secret = StaticSecret::from(*rng.array32().map_err(WrapError::Random)?);
    let ephemeral = PublicKey::from(&secret).to_bytes();
    let shared = recipient
        .agree(secret.as_bytes())
        .ok_or(WrapError::LowOrder)?;
    let key = wrap_key(&shared, &ephemeral, recipient.as_bytes());
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let mut wrapped = [0u8; WRAPPED_KEY_LEN];
    let (body, tag_out) = wrapped.split_at_mut(32);
    body.copy_from_slice(data_key);
    let tag = cipher
        .encrypt_inout_detached(
            &Nonce::default(),
            &wrap_aad(core_digest, key_id),
            InOutBuf::from(body),
        )
        .map_err(|_| WrapError::LowOrder)?;
    tag_out.copy_from_slice(&tag);
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
    let shared = PublicPoint::new(*ephemeral).agree(secret.as_bytes())?;
    let key = wrap_key(&shared, ephemeral, recipient);
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let (body, tag) = wrapped.split_at(32);
    let tag = Tag::try_from(tag).ok()?;
    let mut out = Zeroizing::new([0u8; 32]);
    let buf = InOutBuf::new(body, out.as_mut_slice()).ok()?;
    cipher
        .decrypt_inout_detached(&Nonce::default(), &wrap_aad(core_digest, key_id), buf, &tag)
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
    ChaCha20Poly1305::new(&Key::from(*payload_key))
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

/// The message signed by the signer of layer `index`: the prefix, the layer
/// index, SHA-256 of the header up to and including that layer (core, then
/// each earlier layer followed by its signature, then the layer itself; the
/// layer count byte is not included), and the content digest.
pub(crate) fn transcript(
    core: &Core,
    layers: &[Layer],
    signatures: &[[u8; SIGNATURE_LEN]],
    index: usize,
    content_digest: &[u8; 32],
) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(512);
    format::write_core(core, &mut prefix);
    for (i, layer) in layers.iter().enumerate().take(index + 1) {
        format::write_layer(layer, &mut prefix);
        if i < index
            && let Some(sig) = signatures.get(i)
        {
            prefix.extend_from_slice(sig);
        }
    }
    let mut msg = Vec::with_capacity(SIGNATURE_PREFIX.len() + 65);
    msg.extend_from_slice(SIGNATURE_PREFIX);
    msg.push(u8::try_from(index).unwrap_or(u8::MAX));
    msg.extend_from_slice(&Sha256::digest(&prefix));
    msg.extend_from_slice(content_digest);
    msg
}

/// Signs the last layer of `header`.
pub(crate) fn sign_last(
    key: &SigningKey,
    header: &Header,
    content_digest: &[u8; 32],
) -> [u8; SIGNATURE_LEN] {
    let index = header.layers.len().saturating_sub(1);
    let msg = transcript(
        &header.core,
        &header.layers,
        &header.signatures,
        index,
        content_digest,
    );
    key.sign(&msg).to_bytes()
}

/// Verifies the signature of layer `index` (strict Ed25519 verification).
pub(crate) fn verify_layer(
    key: &VerifyingKey,
    header: &Header,
    index: usize,
    signature: &[u8; SIGNATURE_LEN],
    content_digest: &[u8; 32],
) -> bool {
    let msg = transcript(
        &header.core,
        &header.layers,
        &header.signatures,
        index,
        content_digest,
    );
    key.verify_strict(&msg, &Signature::from_bytes(signature))
        .is_ok()
}

//! An independent implementation of the derivations of
//! `docs/envelope-format.md`, written from the spec with the primitives
//! only. The security tests use it to play an adversary who holds some keys
//! (a recipient who knows the data key, a trusted sender who re-signs) and
//! to check the library against the spec.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use ed25519_dalek::{Signer as _, SigningKey};
use hkdf::Hkdf;
use liaison_envelope::format::{self, Core, Header, LayerSignature, Stanza};
use sha2::{Digest as _, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};

pub(crate) const CHUNK: usize = 65536;
pub(crate) const SEALED_CHUNK: usize = CHUNK + 16;

/// An envelope taken apart: header (with its header signature), sealed
/// chunks, trailing signature.
pub(crate) struct Parts {
    pub(crate) header: Header,
    pub(crate) chunks: Vec<u8>,
    pub(crate) signature: LayerSignature,
}

pub(crate) fn split(envelope: &[u8]) -> Parts {
    let (header, len) = format::read_header(envelope).unwrap();
    let body = &envelope[len as usize..];
    let hybrid = header.layers.last().unwrap().mldsa65_signer.is_some();
    let (chunks, sig) = body.split_at(body.len() - header.trailer_len());
    Parts {
        header,
        chunks: chunks.to_vec(),
        signature: LayerSignature::from_bytes(sig, hybrid).unwrap(),
    }
}

pub(crate) fn join(parts: &Parts) -> Vec<u8> {
    let mut out = Vec::new();
    format::write_header(&parts.header, &mut out);
    out.extend_from_slice(&parts.chunks);
    parts.signature.write(&mut out);
    out
}

/// A classical signature (Ed25519 alone).
pub(crate) fn classical(ed25519: [u8; 64]) -> LayerSignature {
    LayerSignature {
        ed25519,
        mldsa65: None,
    }
}

pub(crate) fn core_digest(core: &Core) -> [u8; 32] {
    let mut bytes = Vec::new();
    format::write_core(core, &mut bytes);
    Sha256::digest(&bytes).into()
}

pub(crate) fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .unwrap();
    out
}

/// The wrap key of a stanza from the shared secret (spec: salt = ephemeral
/// || recipient public key).
pub(crate) fn wrap_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let salt = [ephemeral.as_slice(), recipient.as_slice()].concat();
    hkdf(&salt, shared, b"liaison-envelope v2 x25519 wrap")
}

pub(crate) fn wrap_aad(core: &Core, key_id: Option<[u8; 8]>) -> Vec<u8> {
    let mut aad = core_digest(core).to_vec();
    match key_id {
        Some(id) => {
            aad.push(1);
            aad.extend_from_slice(&id);
        }
        None => aad.push(2),
    }
    aad
}

/// Wraps `data_key` with a given wrap key (no check of the shared secret:
/// an adversary does what it likes).
pub(crate) fn wrap_with(key: &[u8; 32], aad: &[u8], data_key: &[u8; 32]) -> [u8; 48] {
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let mut buf = *data_key;
    let tag = cipher
        .encrypt_inout_detached(&Nonce::default(), aad, buf.as_mut_slice().into())
        .unwrap();
    let mut out = [0u8; 48];
    out[..32].copy_from_slice(&buf);
    out[32..].copy_from_slice(&tag);
    out
}

/// Unwraps the stanza addressed to `secret` in the last layer.
pub(crate) fn unwrap_data_key(header: &Header, secret: [u8; 32]) -> [u8; 32] {
    let secret = StaticSecret::from(secret);
    let public = PublicKey::from(&secret);
    for stanza in &header.layers.last().unwrap().stanzas {
        if let Stanza::X25519 {
            key_id,
            ephemeral,
            wrapped,
        } = stanza
        {
            let shared = secret.diffie_hellman(&PublicKey::from(*ephemeral));
            let key = wrap_key(shared.as_bytes(), ephemeral, public.as_bytes());
            let cipher = ChaCha20Poly1305::new(&Key::from(key));
            let mut buf: [u8; 32] = wrapped[..32].try_into().unwrap();
            let tag = Tag::try_from(&wrapped[32..]).unwrap();
            let aad = wrap_aad(&header.core, key_id.map(|k| k.to_bytes()));
            if cipher
                .decrypt_inout_detached(&Nonce::default(), &aad, buf.as_mut_slice().into(), &tag)
                .is_ok()
            {
                return buf;
            }
        }
    }
    panic!("no stanza for this secret")
}

pub(crate) fn payload_key(data_key: &[u8; 32], salt: &[u8; 32]) -> [u8; 32] {
    hkdf(salt, data_key, b"liaison-envelope v2 payload key")
}

pub(crate) fn key_commitment(data_key: &[u8; 32], salt: &[u8; 32], sender: &[u8; 32]) -> [u8; 32] {
    let info = [b"liaison-envelope v2 key commitment".as_slice(), sender].concat();
    hkdf(salt, data_key, &info)
}

pub(crate) fn nonce(index: u64, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::from(n)
}

/// Encrypts `plaintext` into sealed chunks.
pub(crate) fn seal_chunks(key: &[u8; 32], core: &Core, plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let aad = core_digest(core);
    let pieces: Vec<&[u8]> = if plaintext.is_empty() {
        vec![&[]]
    } else {
        plaintext.chunks(CHUNK).collect()
    };
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let mut buf = piece.to_vec();
        let tag = cipher
            .encrypt_inout_detached(
                &nonce(i as u64, i + 1 == pieces.len()),
                &aad,
                buf.as_mut_slice().into(),
            )
            .unwrap();
        out.extend_from_slice(&buf);
        out.extend_from_slice(&tag);
    }
    out
}

/// Decrypts sealed chunks (panics on a bad tag).
pub(crate) fn open_chunks(key: &[u8; 32], core: &Core, sealed: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let aad = core_digest(core);
    let pieces: Vec<&[u8]> = sealed.chunks(SEALED_CHUNK).collect();
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let (body, tag) = piece.split_at(piece.len() - 16);
        let mut buf = body.to_vec();
        cipher
            .decrypt_inout_detached(
                &nonce(i as u64, i + 1 == pieces.len()),
                &aad,
                buf.as_mut_slice().into(),
                &Tag::try_from(tag).unwrap(),
            )
            .unwrap();
        out.extend_from_slice(&buf);
    }
    out
}

pub(crate) fn content_digest(sealed: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-envelope v2 content");
    let mut n = 0u64;
    for chunk in sealed.chunks(SEALED_CHUNK) {
        h.update(blake3::hash(chunk).as_bytes());
        n += 1;
    }
    h.update(&n.to_be_bytes());
    h.finalize().into()
}

/// SHA-256 of the prefix of layer `index`: the core, each earlier layer
/// with its header signature and final signature, then layer `index`.
fn prefix_digest(header: &Header, index: usize) -> [u8; 32] {
    let mut prefix = Vec::new();
    format::write_core(&header.core, &mut prefix);
    for i in 0..index {
        format::write_layer(&header.layers[i], &mut prefix);
        prefix.extend_from_slice(&header.header_signatures[i].to_bytes());
        prefix.extend_from_slice(&header.signatures[i].to_bytes());
    }
    format::write_layer(&header.layers[index], &mut prefix);
    Sha256::digest(&prefix).into()
}

/// The message of layer `index`'s final signature.
pub(crate) fn transcript(header: &Header, index: usize, digest: &[u8; 32]) -> Vec<u8> {
    let mut msg = b"liaison-envelope v2 signature".to_vec();
    msg.push(index as u8);
    msg.extend_from_slice(&prefix_digest(header, index));
    msg.extend_from_slice(digest);
    msg
}

/// The message of layer `index`'s header signature.
pub(crate) fn header_transcript(header: &Header, index: usize) -> Vec<u8> {
    let mut msg = b"liaison-envelope v2 header signature".to_vec();
    msg.push(index as u8);
    msg.extend_from_slice(&prefix_digest(header, index));
    msg
}

/// The holder proof of layer `index` for `data_key`.
pub(crate) fn holder_proof(header: &Header, index: usize, data_key: &[u8; 32]) -> [u8; 32] {
    let info = [
        b"liaison-envelope v2 holder proof".as_slice(),
        &[index as u8],
        &header.layers[index].signer,
    ]
    .concat();
    hkdf(&header.core.payload_salt, data_key, &info)
}

/// The Ed25519 public key of a seed.
pub(crate) fn public_of(signing_secret: [u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(&signing_secret)
        .verifying_key()
        .to_bytes()
}

/// Names `signing_secret`'s key as the last layer's signer, with the holder
/// proof for `data_key`, and signs the header and the last layer anew (an
/// adversary holding a trusted signing key and the data key).
pub(crate) fn resign(parts: &mut Parts, signing_secret: [u8; 32], data_key: &[u8; 32]) {
    let key = SigningKey::from_bytes(&signing_secret);
    let last = parts.header.layers.len() - 1;
    parts.header.layers[last].signer = key.verifying_key().to_bytes();
    parts.header.layers[last].holder_proof = holder_proof(&parts.header, last, data_key);
    sign_as_is(parts, signing_secret);
}

/// Signs the last layer's header signature and final signature with
/// `signing_secret`, changing nothing else (the last layer must be
/// classical).
pub(crate) fn sign_as_is(parts: &mut Parts, signing_secret: [u8; 32]) {
    assert!(parts.header.layers.last().unwrap().mldsa65_signer.is_none());
    sign_as_is_with(parts, signing_secret, None);
}

/// Signs the last layer's two signatures with the Ed25519 seed and, for a
/// hybrid layer, the ML-DSA-65 seed, changing nothing else.
pub(crate) fn sign_as_is_with(parts: &mut Parts, ed25519: [u8; 32], mldsa65: Option<[u8; 32]>) {
    let last = parts.header.layers.len() - 1;
    parts.header.header_signatures[last] =
        sign_pair(ed25519, mldsa65, &header_transcript(&parts.header, last));
    let digest = content_digest(&parts.chunks);
    parts.signature = sign_pair(ed25519, mldsa65, &transcript(&parts.header, last, &digest));
}

/// An Ed25519 signature, and an ML-DSA-65 one over the same message for a
/// hybrid signer.
pub(crate) fn sign_pair(
    ed25519: [u8; 32],
    mldsa65: Option<[u8; 32]>,
    msg: &[u8],
) -> LayerSignature {
    LayerSignature {
        ed25519: SigningKey::from_bytes(&ed25519).sign(msg).to_bytes(),
        mldsa65: mldsa65.map(|seed| mldsa65_sign(seed, msg)),
    }
}

/// The ML-DSA-65 public key of a 32-byte seed (FIPS 204 `KeyGen_internal`).
pub(crate) fn mldsa65_public_of(seed: [u8; 32]) -> Box<[u8; 1952]> {
    use ml_dsa::Keypair as _;
    let key = ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&seed.into());
    Box::new(key.verifying_key().encode().as_slice().try_into().unwrap())
}

/// FIPS 204 `ML-DSA.Sign` with the empty context, deterministic variant.
pub(crate) fn mldsa65_sign(seed: [u8; 32], msg: &[u8]) -> Box<[u8; 3309]> {
    let key = ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&seed.into());
    let sig: ml_dsa::Signature<ml_dsa::MlDsa65> = key.sign(msg);
    Box::new(sig.encode().as_slice().try_into().unwrap())
}

/// Appends a layer signed by `signing_secret` with the given stanzas and
/// holder proof, moving the old trailing signature into the header, and
/// signs its header signature and final signature.
pub(crate) fn append_layer(
    parts: &mut Parts,
    signing_secret: [u8; 32],
    stanzas: Vec<Stanza>,
    holder_proof: [u8; 32],
) {
    let signer = public_of(signing_secret);
    parts.header.signatures.push(parts.signature.clone());
    parts.header.layers.push(format::Layer {
        signer,
        holder_proof,
        mldsa65_signer: None,
        stanzas,
    });
    parts.header.header_signatures.push(classical([0; 64]));
    sign_as_is(parts, signing_secret);
}

// ---------------------------------------------------------------------------
// X-Wing stanzas (suite 0x0003), from section 5.3.1 of the spec and the
// X-Wing draft, over ML-KEM-768 (`ml-kem`), X25519 and SHA3 only.

/// The wrap key of an X-Wing stanza (spec: salt = ciphertext || the
/// recipient's X-Wing public key).
pub(crate) fn xwing_wrap_key(shared: &[u8; 32], ciphertext: &[u8], recipient: &[u8]) -> [u8; 32] {
    let salt = [ciphertext, recipient].concat();
    hkdf(&salt, shared, b"liaison-envelope v2 xwing wrap")
}

pub(crate) fn xwing_aad(core: &Core, key_id: Option<[u8; 8]>) -> Vec<u8> {
    let mut aad = core_digest(core).to_vec();
    match key_id {
        Some(id) => {
            aad.push(3);
            aad.extend_from_slice(&id);
        }
        None => aad.push(4),
    }
    aad
}

/// The X-Wing key pair of a 32-byte seed, as the draft writes it: SHAKE256
/// to 96 bytes; ML-KEM-768 from the first 64; X25519 from the last 32.
pub(crate) struct XWingKeys {
    mlkem: <ml_kem::MlKem768 as ml_kem::KemCore>::DecapsulationKey,
    x25519: StaticSecret,
    public: Vec<u8>,
}

impl XWingKeys {
    /// The 1216-byte public key.
    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }

    /// The draft's `Decapsulate`: the shared secret of a 1120-byte
    /// ciphertext (an unrelated one for a ciphertext not made for this key).
    pub(crate) fn decapsulate(&self, ciphertext: &[u8]) -> [u8; 32] {
        use ml_kem::kem::Decapsulate as _;
        let ct_m = ml_kem::Ciphertext::<ml_kem::MlKem768>::try_from(&ciphertext[..1088]).unwrap();
        let ss_m = self.mlkem.decapsulate(&ct_m).unwrap();
        let ct_x: [u8; 32] = ciphertext[1088..].try_into().unwrap();
        let ss_x = self.x25519.diffie_hellman(&PublicKey::from(ct_x));
        xwing_combine(&ss_m, ss_x.as_bytes(), &ct_x, &self.public[1184..])
    }
}

pub(crate) fn xwing_keys(seed: [u8; 32]) -> XWingKeys {
    use ml_kem::EncodedSizeUser as _;
    use ml_kem::KemCore as _;
    use sha3::digest::{ExtendableOutput as _, Update as _, XofReader as _};
    let mut shake = sha3::Shake256::default();
    shake.update(&seed);
    let mut expanded = [0u8; 96];
    shake.finalize_xof().read(&mut expanded);
    let d = ml_kem::B32::try_from(&expanded[..32]).unwrap();
    let z = ml_kem::B32::try_from(&expanded[32..64]).unwrap();
    let (mlkem, ek) = ml_kem::MlKem768::generate_deterministic(&d, &z);
    let x25519 = StaticSecret::from(<[u8; 32]>::try_from(&expanded[64..]).unwrap());
    let public = [
        ek.as_bytes().as_slice(),
        PublicKey::from(&x25519).as_bytes(),
    ]
    .concat();
    XWingKeys {
        mlkem,
        x25519,
        public,
    }
}

/// The draft's combiner.
pub(crate) fn xwing_combine(ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> [u8; 32] {
    use sha3::Digest as _;
    sha3::Sha3_256::digest([ss_m, ss_x, ct_x, pk_x, b"\\.//^\\"].concat()).into()
}

/// The X-Wing public key (1216 bytes) of a 32-byte seed.
pub(crate) fn xwing_public_of(seed: [u8; 32]) -> Vec<u8> {
    xwing_keys(seed).public
}

/// An X-Wing stanza wrapping `data_key` for the public key `recipient`,
/// with the encapsulation randomness `eseed` (ML-KEM part first).
pub(crate) fn xwing_stanza(
    recipient: &[u8],
    eseed: [u8; 64],
    key_id: Option<[u8; 8]>,
    core: &Core,
    data_key: &[u8; 32],
) -> Stanza {
    use ml_kem::EncapsulateDeterministic as _;
    use ml_kem::EncodedSizeUser as _;
    type Ek = <ml_kem::MlKem768 as ml_kem::KemCore>::EncapsulationKey;
    let (pk_m, pk_x) = recipient.split_at(1184);
    let ek = Ek::from_bytes(&ml_kem::Encoded::<Ek>::try_from(pk_m).unwrap());
    let m = ml_kem::B32::try_from(&eseed[..32]).unwrap();
    let (ct_m, ss_m) = ek.encapsulate_deterministic(&m).unwrap();
    let ephemeral = StaticSecret::from(<[u8; 32]>::try_from(&eseed[32..]).unwrap());
    let ct_x = PublicKey::from(&ephemeral);
    let pk_x: [u8; 32] = pk_x.try_into().unwrap();
    let ss_x = ephemeral.diffie_hellman(&PublicKey::from(pk_x));
    let shared = xwing_combine(&ss_m, ss_x.as_bytes(), ct_x.as_bytes(), &pk_x);
    let ciphertext: [u8; 1120] = [ct_m.as_slice(), ct_x.as_bytes()]
        .concat()
        .try_into()
        .unwrap();
    let key = xwing_wrap_key(&shared, &ciphertext, recipient);
    Stanza::XWing {
        key_id: key_id.map(liaison_envelope::KeyId::from_bytes),
        ciphertext: Box::new(ciphertext),
        wrapped: wrap_with(&key, &xwing_aad(core, key_id), data_key),
    }
}

/// An X-Wing stanza for the public key `recipient` whose X25519 share
/// `ct_x` is a point of small order (its ML-KEM-768 part honest, from the
/// randomness `m`): the X25519 shared secret is then all-zero whatever the
/// recipient's secret, so whoever writes the stanza knows it, and the
/// combiner runs on it as on any other (the draft asks for no check).
pub(crate) fn xwing_stanza_low_order_share(
    recipient: &[u8],
    m: [u8; 32],
    ct_x: [u8; 32],
    key_id: Option<[u8; 8]>,
    core: &Core,
    data_key: &[u8; 32],
) -> Stanza {
    use ml_kem::EncapsulateDeterministic as _;
    use ml_kem::EncodedSizeUser as _;
    type Ek = <ml_kem::MlKem768 as ml_kem::KemCore>::EncapsulationKey;
    let (pk_m, pk_x) = recipient.split_at(1184);
    let ek = Ek::from_bytes(&ml_kem::Encoded::<Ek>::try_from(pk_m).unwrap());
    let (ct_m, ss_m) = ek.encapsulate_deterministic(&ml_kem::B32::from(m)).unwrap();
    let shared = xwing_combine(&ss_m, &[0; 32], &ct_x, pk_x);
    let ciphertext: [u8; 1120] = [ct_m.as_slice(), &ct_x].concat().try_into().unwrap();
    let key = xwing_wrap_key(&shared, &ciphertext, recipient);
    Stanza::XWing {
        key_id: key_id.map(liaison_envelope::KeyId::from_bytes),
        ciphertext: Box::new(ciphertext),
        wrapped: wrap_with(&key, &xwing_aad(core, key_id), data_key),
    }
}

/// Unwraps the X-Wing stanza addressed to the X-Wing seed `seed` in the
/// last layer.
pub(crate) fn unwrap_data_key_xwing(header: &Header, seed: [u8; 32]) -> [u8; 32] {
    use ml_kem::kem::Decapsulate as _;
    let keys = xwing_keys(seed);
    for stanza in &header.layers.last().unwrap().stanzas {
        if let Stanza::XWing {
            key_id,
            ciphertext,
            wrapped,
        } = stanza
        {
            let ct_m =
                ml_kem::Ciphertext::<ml_kem::MlKem768>::try_from(&ciphertext[..1088]).unwrap();
            let ss_m = keys.mlkem.decapsulate(&ct_m).unwrap();
            let ct_x: [u8; 32] = ciphertext[1088..].try_into().unwrap();
            let ss_x = keys.x25519.diffie_hellman(&PublicKey::from(ct_x));
            let shared = xwing_combine(&ss_m, ss_x.as_bytes(), &ct_x, &keys.public[1184..]);
            let key = xwing_wrap_key(&shared, ciphertext.as_slice(), &keys.public);
            let cipher = ChaCha20Poly1305::new(&Key::from(key));
            let mut buf: [u8; 32] = wrapped[..32].try_into().unwrap();
            let tag = Tag::try_from(&wrapped[32..]).unwrap();
            let aad = xwing_aad(&header.core, key_id.map(|k| k.to_bytes()));
            if cipher
                .decrypt_inout_detached(&Nonce::default(), &aad, buf.as_mut_slice().into(), &tag)
                .is_ok()
            {
                return buf;
            }
        }
    }
    panic!("no X-Wing stanza for this seed")
}

/// An X25519 stanza wrapping `data_key` for the X25519 public key
/// `recipient`, with the ephemeral secret `ephemeral_secret`.
pub(crate) fn x25519_stanza(
    recipient: [u8; 32],
    ephemeral_secret: [u8; 32],
    key_id: Option<[u8; 8]>,
    core: &Core,
    data_key: &[u8; 32],
) -> Stanza {
    let secret = StaticSecret::from(ephemeral_secret);
    let ephemeral = PublicKey::from(&secret).to_bytes();
    let shared = secret.diffie_hellman(&PublicKey::from(recipient));
    let key = wrap_key(shared.as_bytes(), &ephemeral, &recipient);
    Stanza::X25519 {
        key_id: key_id.map(liaison_envelope::KeyId::from_bytes),
        ephemeral,
        wrapped: wrap_with(&key, &wrap_aad(core, key_id), data_key),
    }
}

//! The post-quantum hybrid recipient of suite 3: X-Wing keys (ML-KEM-768
//! combined with X25519, draft-connolly-cfrg-xwing-kem) and the wrap of
//! the data key under an X-Wing shared secret (stanza types 0x03 and 0x04).
//! Every constant string here is part of the format.
//!
//! X-Wing is the draft's construction over three primitives used as they
//! are: ML-KEM-768 from RustCrypto's `ml-kem` (FIPS 203), X25519 from
//! `x25519-dalek`, and SHAKE256 and SHA3-256 from `sha3` for the draft's key
//! expansion and combiner, the few lines below. The RustCrypto `x-wing`
//! crate does the same, but its release needs `kem` 0.3, which cannot share
//! the workspace's lock file with the `age` 0.12 baseline of the benches
//! (whose `ml-kem` 0.2 pins `kem` =0.3.0-pre.0). The unit tests run the
//! draft's own test vectors, so any departure from the draft fails them.

use std::fmt;

use hkdf::Hkdf;
use ml_kem::kem::Decapsulate as _;
use ml_kem::{EncapsulateDeterministic as _, EncodedSizeUser as _, KemCore as _, MlKem768};
use sha2::Sha256;
use sha3::digest::{ExtendableOutput as _, Update as _, XofReader as _};
use sha3::{Sha3_256, Shake256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize as _, Zeroizing};

use crate::crypto::{self, DataKey};
use crate::format::{
    STANZA_XWING, STANZA_XWING_ANONYMOUS, Stanza, WRAPPED_KEY_LEN, XWING_CIPHERTEXT_LEN,
    XWING_PUBLIC_KEY_LEN,
};
use crate::keys::{KeyId, x25519_key_problem};
use crate::rng::{RandomError, Randomness};

/// HKDF info of the X-Wing key-wrapping key.
pub(crate) const INFO_XWING_WRAP: &[u8] = b"liaison-envelope v2 xwing wrap";

/// Bytes of the ML-KEM-768 part of an X-Wing public key (the X25519 part,
/// 32 bytes, follows it).
const MLKEM_PUBLIC_KEY_LEN: usize = XWING_PUBLIC_KEY_LEN - 32;
/// Bytes of the ML-KEM-768 part of an X-Wing ciphertext (the X25519
/// ephemeral public key, 32 bytes, follows it).
const MLKEM_CIPHERTEXT_LEN: usize = XWING_CIPHERTEXT_LEN - 32;
/// The draft's `XWingLabel` (hexadecimal 5c2e2f2f5e5c).
const XWING_LABEL: &[u8; 6] = b"\\.//^\\";

/// 32 secret bytes in `ml-kem`'s array type, wiped when dropped.
struct SecretB32(ml_kem::B32);

impl Drop for SecretB32 {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

type MlKemEncapsulationKey = <MlKem768 as ml_kem::KemCore>::EncapsulationKey;
type MlKemDecapsulationKey = <MlKem768 as ml_kem::KemCore>::DecapsulationKey;

/// A checked X-Wing public key from a card: 1216 bytes, the ML-KEM-768
/// encapsulation key then the X25519 public key.
#[derive(Clone)]
pub(crate) struct HybridPublic {
    mlkem: MlKemEncapsulationKey,
    x25519: PublicKey,
    bytes: Box<[u8; XWING_PUBLIC_KEY_LEN]>,
    /// Computed once: a key id is a hash of its key.
    key_id: KeyId,
}

impl PartialEq for HybridPublic {
    fn eq(&self, other: &Self) -> bool {
        // The parsed keys are functions of the bytes.
        self.bytes == other.bytes
    }
}

impl Eq for HybridPublic {}

impl fmt::Debug for HybridPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HybridPublic({})", self.key_id)
    }
}

impl HybridPublic {
    /// Checks and keeps a public key: its ML-KEM-768 part must pass the
    /// encapsulation key check of FIPS 203 (section 7.2: every coefficient
    /// below q = 3329), its X25519 part the checks of a card's X25519 key.
    /// The problem, if any, says which part is wrong.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<HybridPublic, String> {
        let Ok(array) = <[u8; XWING_PUBLIC_KEY_LEN]>::try_from(bytes) else {
            return Err(format!(
                "an X-Wing public key is {XWING_PUBLIC_KEY_LEN} bytes, not {}",
                bytes.len()
            ));
        };
        let (mlkem_bytes, x25519_bytes) = array.split_at(MLKEM_PUBLIC_KEY_LEN);
        let encoded = ml_kem::Encoded::<MlKemEncapsulationKey>::try_from(mlkem_bytes)
            .map_err(|_| "the ML-KEM-768 part of the X-Wing key has the wrong length".to_owned())?;
        let mlkem = MlKemEncapsulationKey::from_bytes(&encoded);
        // FIPS 203 section 7.2: decoding reduces every 12-bit coefficient
        // modulo q, so a key with one not below q = 3329 encodes back to
        // other bytes.
        if mlkem.as_bytes().as_slice() != mlkem_bytes {
            return Err(
                "the ML-KEM-768 part of the X-Wing key is not a valid encapsulation key \
                 (a coefficient is not below q = 3329, FIPS 203 section 7.2)"
                    .to_owned(),
            );
        }
        let mut x25519 = [0u8; 32];
        x25519.copy_from_slice(x25519_bytes);
        if let Some(problem) = x25519_key_problem(&x25519) {
            return Err(format!("the X25519 part of the X-Wing key: {problem}"));
        }
        Ok(HybridPublic {
            mlkem,
            x25519: PublicKey::from(x25519),
            key_id: KeyId::of_bytes(&array),
            bytes: Box::new(array),
        })
    }

    /// The 1216 bytes of the key.
    pub(crate) fn as_bytes(&self) -> &[u8; XWING_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// The key id: the first 8 bytes of the SHA-256 of the 1216 bytes.
    pub(crate) fn key_id(&self) -> KeyId {
        self.key_id
    }
}

/// An X-Wing decapsulation key: the draft's 32-byte seed and its expansion
/// (the draft allows keeping it; it never leaves this struct), all wiped on
/// drop, never printed.
pub(crate) struct HybridSecret {
    seed: Zeroizing<[u8; 32]>,
    /// Wiped on drop by `ml-kem` (its `zeroize` feature).
    mlkem: MlKemDecapsulationKey,
    /// Wiped on drop by `x25519-dalek` (its `zeroize` feature).
    x25519: StaticSecret,
    public: HybridPublic,
}

impl fmt::Debug for HybridSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HybridSecret({})", self.public.key_id)
    }
}

impl HybridSecret {
    /// The key pair of a 32-byte seed (the draft's `GenerateKeyPairDerand`:
    /// SHAKE256 of the seed to 96 bytes, ML-KEM-768's `KeyGen_internal` on
    /// the first 32 and the next 32, the X25519 secret the last 32). `None`
    /// only if the public key fails the card checks, which no seed is known
    /// to give (a derived X25519 key of small order has probability about
    /// 2^-250).
    pub(crate) fn from_seed(seed: &[u8; 32]) -> Option<HybridSecret> {
        let mut expanded = Zeroizing::new([0u8; 96]);
        let mut shake = Shake256::default();
        shake.update(seed);
        shake.finalize_xof().read(expanded.as_mut_slice());
        let (dz, x) = expanded.split_at(64);
        let (d, z) = dz.split_at(32);
        let d = SecretB32(ml_kem::B32::try_from(d).ok()?);
        let z = SecretB32(ml_kem::B32::try_from(z).ok()?);
        let (mlkem, ek) = MlKem768::generate_deterministic(&d.0, &z.0);
        let mut x_bytes = Zeroizing::new([0u8; 32]);
        x_bytes.copy_from_slice(x);
        let x25519 = StaticSecret::from(*x_bytes);
        let mut bytes = Vec::with_capacity(XWING_PUBLIC_KEY_LEN);
        bytes.extend_from_slice(ek.as_bytes().as_slice());
        bytes.extend_from_slice(PublicKey::from(&x25519).as_bytes());
        let public = HybridPublic::from_bytes(&bytes).ok()?;
        Some(HybridSecret {
            seed: Zeroizing::new(*seed),
            mlkem,
            x25519,
            public,
        })
    }

    /// A fresh key pair from a seed drawn from `rng`.
    pub(crate) fn generate(rng: &mut Randomness) -> Result<HybridSecret, RandomError> {
        loop {
            let seed = rng.array32()?;
            if let Some(secret) = HybridSecret::from_seed(&seed) {
                return Ok(secret);
            }
        }
    }

    /// The seed, for the identity file.
    pub(crate) fn seed(&self) -> Zeroizing<[u8; 32]> {
        self.seed.clone()
    }

    /// The public key.
    pub(crate) fn public(&self) -> &HybridPublic {
        &self.public
    }
}

/// The wrap key of an X-Wing stanza: HKDF-SHA256 of the X-Wing shared
/// secret, salted with the stanza's ciphertext and the recipient's public
/// key (as the X25519 stanza salts with its ephemeral and recipient keys).
fn wrap_key(
    shared: &[u8; 32],
    ciphertext: &[u8; XWING_CIPHERTEXT_LEN],
    recipient: &[u8; XWING_PUBLIC_KEY_LEN],
) -> DataKey {
    let mut salt = Vec::with_capacity(XWING_CIPHERTEXT_LEN + XWING_PUBLIC_KEY_LEN);
    salt.extend_from_slice(ciphertext);
    salt.extend_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand(INFO_XWING_WRAP, key.as_mut_slice());
    key
}

fn wrap_aad(core_digest: &[u8; 32], key_id: Option<KeyId>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(41);
    aad.extend_from_slice(core_digest);
    match key_id {
        Some(id) => {
            aad.push(STANZA_XWING);
            aad.extend_from_slice(&id.to_bytes());
        }
        None => aad.push(STANZA_XWING_ANONYMOUS),
    }
    aad
}

/// Why an X-Wing wrap failed.
#[derive(Debug)]
pub(crate) enum HybridWrapError {
    /// No randomness.
    Random(RandomError),
    /// The AEAD refused to encrypt (it never does for 32 bytes).
    Aead,
}

/// Wraps the data key for one X-Wing recipient: one encapsulation with 64
/// fresh random bytes (two requests of 32: the ML-KEM-768 randomness, then
/// the X25519 ephemeral secret, as the draft's `EncapsulateDerand` takes
/// them), then the wrap key and ChaCha20-Poly1305 as for X25519 stanzas.
pub(crate) fn wrap(
    rng: &mut Randomness,
    recipient: &HybridPublic,
    key_id: Option<KeyId>,
    data_key: &[u8; 32],
    core_digest: &[u8; 32],
) -> Result<Stanza, HybridWrapError> {
    let mut eseed = Zeroizing::new([0u8; 64]);
    let (mlkem, x25519) = eseed.split_at_mut(32);
    rng.fill(mlkem).map_err(HybridWrapError::Random)?;
    rng.fill(x25519).map_err(HybridWrapError::Random)?;
    let (ciphertext, secret) = encapsulate(recipient, &eseed).ok_or(HybridWrapError::Aead)?;
    let key = wrap_key(&secret, &ciphertext, recipient.as_bytes());
    let wrapped = crypto::seal_data_key(&key, &wrap_aad(core_digest, key_id), data_key)
        .ok_or(HybridWrapError::Aead)?;
    Ok(Stanza::XWing {
        key_id,
        ciphertext,
        wrapped,
    })
}

/// The bytes of an X-Wing ciphertext.
type Ciphertext = [u8; XWING_CIPHERTEXT_LEN];

/// X-Wing encapsulation with the given 64 random bytes (the draft's
/// `EncapsulateDerand`): the ciphertext and the shared secret.
fn encapsulate(
    recipient: &HybridPublic,
    eseed: &[u8; 64],
) -> Option<(Box<Ciphertext>, Zeroizing<[u8; 32]>)> {
    let (m, ek_x) = eseed.split_at(32);
    let m = SecretB32(ml_kem::B32::try_from(m).ok()?);
    let (ct_m, mut ss_m) = recipient.mlkem.encapsulate_deterministic(&m.0).ok()?;
    let mut ek_x_bytes = Zeroizing::new([0u8; 32]);
    ek_x_bytes.copy_from_slice(ek_x);
    let ek_x = StaticSecret::from(*ek_x_bytes);
    let ct_x = PublicKey::from(&ek_x);
    let ss_x = ek_x.diffie_hellman(&recipient.x25519);
    let secret = combiner(
        ss_m.as_slice(),
        ss_x.as_bytes(),
        ct_x.as_bytes(),
        recipient.x25519.as_bytes(),
    );
    ss_m.as_mut_slice().zeroize();
    let mut ciphertext = Box::new([0u8; XWING_CIPHERTEXT_LEN]);
    let (m_part, x_part) = ciphertext.split_at_mut(MLKEM_CIPHERTEXT_LEN);
    m_part.copy_from_slice(ct_m.as_slice());
    x_part.copy_from_slice(ct_x.as_bytes());
    Some((ciphertext, secret))
}

/// X-Wing decapsulation (the draft's `Decapsulate`): the shared secret of a
/// ciphertext (an unrelated one for a ciphertext that was not made for this
/// key: ML-KEM-768 rejects implicitly).
fn decapsulate(
    secret: &HybridSecret,
    ciphertext: &[u8; XWING_CIPHERTEXT_LEN],
) -> Option<Zeroizing<[u8; 32]>> {
    let (ct_m, ct_x) = ciphertext.split_at(MLKEM_CIPHERTEXT_LEN);
    let ct_m = ml_kem::Ciphertext::<MlKem768>::try_from(ct_m).ok()?;
    let mut ct_x_bytes = [0u8; 32];
    ct_x_bytes.copy_from_slice(ct_x);
    let mut ss_m = secret.mlkem.decapsulate(&ct_m).ok()?;
    let ss_x = secret.x25519.diffie_hellman(&PublicKey::from(ct_x_bytes));
    let ss = combiner(
        ss_m.as_slice(),
        ss_x.as_bytes(),
        &ct_x_bytes,
        secret.public.x25519.as_bytes(),
    );
    ss_m.as_mut_slice().zeroize();
    Some(ss)
}

/// The draft's combiner: SHA3-256 of the ML-KEM-768 shared secret, the
/// X25519 shared secret, the X25519 ciphertext, the X25519 public key and
/// the label.
fn combiner(ss_m: &[u8], ss_x: &[u8; 32], ct_x: &[u8; 32], pk_x: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut hash = Sha3_256::default();
    for part in [ss_m, ss_x, ct_x, pk_x, XWING_LABEL] {
        sha3::Digest::update(&mut hash, part);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(sha3::Digest::finalize(hash).as_slice());
    out
}

/// Unwraps an X-Wing stanza with the recipient's decapsulation key. `None`
/// for any failure (wrong key, altered ciphertext, stanza or core): ML-KEM
/// decapsulation never fails on its own (a wrong ciphertext gives an
/// unrelated shared secret), so the wrapped key's tag decides.
pub(crate) fn unwrap(
    secret: &HybridSecret,
    key_id: Option<KeyId>,
    ciphertext: &[u8; XWING_CIPHERTEXT_LEN],
    wrapped: &[u8; WRAPPED_KEY_LEN],
    core_digest: &[u8; 32],
) -> Option<DataKey> {
    let ss = decapsulate(secret, ciphertext)?;
    let key = wrap_key(&ss, ciphertext, secret.public.as_bytes());
    crypto::open_data_key(&key, &wrap_aad(core_digest, key_id), wrapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The draft's own vectors (`tests/xwing/README.md` says where they
    /// come from): key generation from the seed, encapsulation with the
    /// 64 random bytes in the order the envelope draws them, decapsulation.
    #[test]
    fn the_drafts_test_vectors() {
        let text = include_str!("../tests/xwing/test-vectors.json");
        let vectors: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(text).unwrap();
        assert_eq!(vectors.len(), 3);
        let field = |v: &serde_json::Map<String, serde_json::Value>, k: &str| {
            hex::decode(v[k].as_str().unwrap()).unwrap()
        };
        for v in &vectors {
            let seed: [u8; 32] = field(v, "seed").try_into().unwrap();
            let secret = HybridSecret::from_seed(&seed).unwrap();
            assert_eq!(secret.seed().as_slice(), field(v, "sk").as_slice());
            assert_eq!(
                secret.public().as_bytes().as_slice(),
                field(v, "pk").as_slice()
            );
            let public = HybridPublic::from_bytes(&field(v, "pk")).unwrap();
            assert_eq!(public.key_id(), secret.public().key_id());
            let eseed: [u8; 64] = field(v, "eseed").try_into().unwrap();
            let (ct, ss) = encapsulate(&public, &eseed).unwrap();
            assert_eq!(ct.as_slice(), field(v, "ct").as_slice());
            assert_eq!(ss.as_slice(), field(v, "ss").as_slice());
            let back = decapsulate(&secret, &ct).unwrap();
            assert_eq!(back.as_slice(), field(v, "ss").as_slice());
            // A stanza draws the 64 bytes as two requests, the ML-KEM
            // randomness first: given the vector's bytes in that order, it
            // carries the vector's ciphertext, and unwraps.
            let mut rng = Randomness::Fixed(eseed.to_vec());
            let stanza = wrap(&mut rng, &public, None, &[5; 32], &[6; 32]).unwrap();
            let Stanza::XWing {
                ciphertext,
                wrapped,
                ..
            } = stanza
            else {
                panic!("not an X-Wing stanza")
            };
            assert_eq!(ciphertext.as_slice(), field(v, "ct").as_slice());
            let opened = unwrap(&secret, None, &ciphertext, &wrapped, &[6; 32]).unwrap();
            assert_eq!(*opened, [5; 32]);
        }
    }

    #[test]
    fn wrap_then_unwrap_and_nothing_else() {
        let mut rng = Randomness::seeded(&Zeroizing::new([7; 32]));
        let alice = HybridSecret::generate(&mut rng).unwrap();
        let bob = HybridSecret::generate(&mut rng).unwrap();
        let data_key = [0x42; 32];
        let digest = [1; 32];
        let id = Some(alice.public().key_id());
        let Stanza::XWing {
            ciphertext,
            wrapped,
            ..
        } = wrap(&mut rng, alice.public(), id, &data_key, &digest).unwrap()
        else {
            panic!("not an X-Wing stanza")
        };
        let opened = unwrap(&alice, id, &ciphertext, &wrapped, &digest).unwrap();
        assert_eq!(*opened, data_key);
        // Another key, another core, another key id, an altered ciphertext
        // (ML-KEM part or X25519 part): nothing opens.
        assert!(unwrap(&bob, id, &ciphertext, &wrapped, &digest).is_none());
        assert!(unwrap(&alice, id, &ciphertext, &wrapped, &[2; 32]).is_none());
        assert!(unwrap(&alice, None, &ciphertext, &wrapped, &digest).is_none());
        for at in [0, XWING_CIPHERTEXT_LEN - 1] {
            let mut altered = ciphertext.clone();
            altered[at] ^= 1;
            assert!(unwrap(&alice, id, &altered, &wrapped, &digest).is_none());
        }
    }

    #[test]
    fn bad_public_keys_are_refused_by_part() {
        let mut rng = Randomness::seeded(&Zeroizing::new([8; 32]));
        let good = *HybridSecret::generate(&mut rng)
            .unwrap()
            .public()
            .as_bytes();
        assert!(HybridPublic::from_bytes(&good).is_ok());
        assert!(HybridPublic::from_bytes(&good[1..]).is_err());
        // The first 12-bit coefficient set to 4095, which is not below q.
        let mut coefficient = good;
        coefficient[0] = 0xff;
        coefficient[1] |= 0x0f;
        let err = HybridPublic::from_bytes(&coefficient).unwrap_err();
        assert!(err.contains("ML-KEM-768"), "{err}");
        let mut zero = good;
        zero[MLKEM_PUBLIC_KEY_LEN..].fill(0);
        let err = HybridPublic::from_bytes(&zero).unwrap_err();
        assert!(err.contains("X25519 part"), "{err}");
    }

    #[test]
    fn debug_prints_no_secret() {
        let mut rng = Randomness::seeded(&Zeroizing::new([9; 32]));
        let secret = HybridSecret::generate(&mut rng).unwrap();
        let debug = format!("{secret:?}");
        assert!(!debug.contains(&hex::encode(*secret.seed())));
        assert!(!debug.contains(&format!("{:?}", *secret.seed())));
        assert!(debug.contains(&secret.public().key_id().to_string()));
    }
}

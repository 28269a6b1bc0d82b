//! The keys a layer is signed with and the verification of its
//! signatures: Ed25519 (verified strictly), and for a hybrid signer
//! ML-DSA-65 (FIPS 204) from RustCrypto's `ml-dsa`, used as it is, over the
//! same message, both required.
//!
//! ML-DSA-65 is signed as FIPS 204's `ML-DSA.Sign` with the empty context
//! string, in its deterministic variant (section 3.4: the 32 random bytes
//! `rnd` are zero), so that a seeded sealer reproduces its envelopes byte
//! for byte; a reader verifies with `ML-DSA.Verify`, which accepts a hedged
//! signature as well.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use ml_dsa::{Keypair as _, MlDsa65};

use crate::format::{LayerSignature, MLDSA65_PUBLIC_KEY_LEN, MLDSA65_SIGNATURE_LEN};
use crate::keys::KeyId;
use crate::rng::{RandomError, Randomness};

/// A checked ML-DSA-65 public key from a card: 1952 bytes.
#[derive(Clone)]
pub(crate) struct SigningPublic {
    key: ml_dsa::VerifyingKey<MlDsa65>,
    bytes: Box<[u8; MLDSA65_PUBLIC_KEY_LEN]>,
    /// Computed once: a key id is a hash of its key.
    key_id: KeyId,
}

impl PartialEq for SigningPublic {
    fn eq(&self, other: &Self) -> bool {
        // The parsed key is a function of the bytes.
        self.bytes == other.bytes
    }
}

impl Eq for SigningPublic {}

impl fmt::Debug for SigningPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningPublic({})", self.key_id)
    }
}

impl SigningPublic {
    /// Keeps a public key of 1952 bytes. FIPS 204's `pkDecode` accepts
    /// every string of that length (the seed `rho` is any 32 bytes and each
    /// coefficient of `t1` any 10-bit value), so its length is the one
    /// check; the problem, if any, says so.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<SigningPublic, String> {
        let Ok(array) = <[u8; MLDSA65_PUBLIC_KEY_LEN]>::try_from(bytes) else {
            return Err(format!(
                "an ML-DSA-65 public key is {MLDSA65_PUBLIC_KEY_LEN} bytes, not {}",
                bytes.len()
            ));
        };
        let encoded = ml_dsa::EncodedVerifyingKey::<MlDsa65>::from(array);
        Ok(SigningPublic {
            key: ml_dsa::VerifyingKey::decode(&encoded),
            key_id: KeyId::of_bytes(&array),
            bytes: Box::new(array),
        })
    }

    /// The 1952 bytes of the key.
    pub(crate) fn as_bytes(&self) -> &[u8; MLDSA65_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// The key id: the first 8 bytes of the SHA-256 of the 1952 bytes.
    pub(crate) fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// FIPS 204 `ML-DSA.Verify` with the empty context string. A signature
    /// that does not decode (a hint out of order, a coefficient of `z` out
    /// of bounds) is refused like a wrong one.
    fn verify(&self, msg: &[u8], signature: &[u8; MLDSA65_SIGNATURE_LEN]) -> bool {
        let encoded = ml_dsa::EncodedSignature::<MlDsa65>::from(*signature);
        let Some(signature) = ml_dsa::Signature::<MlDsa65>::decode(&encoded) else {
            return false;
        };
        self.key.verify_with_context(msg, &[], &signature)
    }
}

/// An ML-DSA-65 signing key: its 32-byte seed (FIPS 204 `KeyGen_internal`
/// expands it) and the expanded key, both wiped on drop by `ml-dsa` (its
/// `zeroize` feature), never printed.
#[derive(Clone)]
pub(crate) struct SigningSecret {
    key: ml_dsa::SigningKey<MlDsa65>,
    public: SigningPublic,
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningSecret({})", self.public.key_id)
    }
}

impl SigningSecret {
    /// The key pair of a 32-byte seed (FIPS 204 `ML-DSA.KeyGen_internal`).
    pub(crate) fn from_seed(seed: &[u8; 32]) -> SigningSecret {
        let mut xi = ml_dsa::Seed::from(*seed);
        let key = ml_dsa::SigningKey::<MlDsa65>::from_seed(&xi);
        zeroize::Zeroize::zeroize(&mut xi);
        let public_key = key.verifying_key();
        let mut bytes = Box::new([0u8; MLDSA65_PUBLIC_KEY_LEN]);
        bytes.copy_from_slice(public_key.encode().as_slice());
        SigningSecret {
            public: SigningPublic {
                key: public_key,
                key_id: KeyId::of_bytes(bytes.as_slice()),
                bytes,
            },
            key,
        }
    }

    /// A fresh key pair from a seed drawn from `rng`.
    pub(crate) fn generate(rng: &mut Randomness) -> Result<SigningSecret, RandomError> {
        Ok(SigningSecret::from_seed(&*rng.array32()?))
    }

    /// The seed, for the identity file.
    pub(crate) fn seed(&self) -> zeroize::Zeroizing<[u8; 32]> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(self.key.as_seed().as_slice());
        seed
    }

    /// The public key.
    pub(crate) fn public(&self) -> &SigningPublic {
        &self.public
    }

    /// FIPS 204 `ML-DSA.Sign`, deterministic variant, empty context.
    /// `None` only if the signer's rejection sampling gives up, which FIPS
    /// 204 bounds far below any practical probability.
    fn sign(&self, msg: &[u8]) -> Option<Box<[u8; MLDSA65_SIGNATURE_LEN]>> {
        let signature = self.key.try_sign(msg).ok()?;
        let encoded = signature.encode();
        let mut out = Box::new([0u8; MLDSA65_SIGNATURE_LEN]);
        out.copy_from_slice(encoded.as_slice());
        Some(out)
    }
}

/// The keys a layer is signed with: the signer's Ed25519 key, and its
/// ML-DSA-65 key when it signs hybrid layers.
#[derive(Clone)]
pub(crate) struct LayerSigner {
    pub(crate) ed25519: SigningKey,
    pub(crate) mldsa65: Option<SigningSecret>,
}

impl fmt::Debug for LayerSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LayerSigner")
            .field(
                "ed25519_key_id",
                &KeyId::of_public_key(self.ed25519.verifying_key().as_bytes()),
            )
            .field("mldsa65", &self.mldsa65)
            .finish()
    }
}

impl LayerSigner {
    /// The Ed25519 public key, the layer's `signer`.
    pub(crate) fn ed25519_public(&self) -> [u8; 32] {
        self.ed25519.verifying_key().to_bytes()
    }

    /// The ML-DSA-65 public key of a hybrid signer, the layer's
    /// `mldsa_signer`.
    pub(crate) fn mldsa65_public(&self) -> Option<Box<[u8; MLDSA65_PUBLIC_KEY_LEN]>> {
        self.mldsa65
            .as_ref()
            .map(|k| Box::new(*k.public().as_bytes()))
    }

    /// Signs `msg`: Ed25519, and ML-DSA-65 over the same bytes for a
    /// hybrid signer. `None` only if ML-DSA signing fails (see
    /// [`SigningSecret::sign`]).
    pub(crate) fn sign(&self, msg: &[u8]) -> Option<LayerSignature> {
        let mldsa65 = match &self.mldsa65 {
            Some(key) => Some(key.sign(msg)?),
            None => None,
        };
        Some(LayerSignature {
            ed25519: self.ed25519.sign(msg).to_bytes(),
            mldsa65,
        })
    }
}

/// Strict Ed25519 verification (section 2.1 of the format).
pub(crate) fn verify_ed25519(key: &VerifyingKey, msg: &[u8], signature: &[u8; 64]) -> bool {
    key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(signature))
        .is_ok()
}

/// The ML-DSA-65 half of a layer's signature, against the signer card's
/// ML-DSA-65 key: both present and verifying, or both absent (a classical
/// card, a classical layer). A card with the key and a signature without
/// it (or the reverse) is refused.
pub(crate) fn verify_mldsa65(
    key: Option<&SigningPublic>,
    msg: &[u8],
    signature: &LayerSignature,
) -> bool {
    match (key, &signature.mldsa65) {
        (Some(key), Some(sig)) => key.verify(msg, sig),
        (None, None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod wycheproof;

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn signer(seed: u8) -> LayerSigner {
        LayerSigner {
            ed25519: SigningKey::from_bytes(&[seed; 32]),
            mldsa65: Some(SigningSecret::from_seed(&[seed ^ 0x33; 32])),
        }
    }

    #[test]
    fn both_halves_verify_and_each_is_required() {
        let s = signer(1);
        let key = s.mldsa65.as_ref().unwrap().public().clone();
        let ed = s.ed25519.verifying_key();
        let sig = s.sign(b"message").unwrap();
        assert_eq!(sig.mldsa65.as_ref().unwrap().len(), 3309);
        assert!(verify_ed25519(&ed, b"message", &sig.ed25519));
        assert!(verify_mldsa65(Some(&key), b"message", &sig));
        assert!(!verify_mldsa65(Some(&key), b"another", &sig));
        // Deterministic: the same message, the same signature.
        assert_eq!(s.sign(b"message").unwrap(), sig);
        // One bit of the ML-DSA half, anywhere it is checked.
        for at in [0, 100, 3000, 3308] {
            let mut bad = sig.clone();
            bad.mldsa65.as_mut().unwrap()[at] ^= 1;
            assert!(!verify_mldsa65(Some(&key), b"message", &bad), "{at}");
        }
        // Stripped, or added where the card has no ML-DSA key.
        let classical = LayerSignature {
            ed25519: sig.ed25519,
            mldsa65: None,
        };
        assert!(!verify_mldsa65(Some(&key), b"message", &classical));
        assert!(!verify_mldsa65(None, b"message", &sig));
        assert!(verify_mldsa65(None, b"message", &classical));
        // Another signer's ML-DSA key.
        let other = signer(2).mldsa65.unwrap().public().clone();
        assert!(!verify_mldsa65(Some(&other), b"message", &sig));
    }

    #[test]
    fn keys_round_trip_through_their_bytes_and_seed() {
        let mut rng = Randomness::seeded(&Zeroizing::new([7; 32]));
        let secret = SigningSecret::generate(&mut rng).unwrap();
        let again = SigningSecret::from_seed(&secret.seed());
        assert_eq!(again.public(), secret.public());
        let public = SigningPublic::from_bytes(secret.public().as_bytes()).unwrap();
        assert_eq!(&public, secret.public());
        assert_eq!(public.key_id(), KeyId::of_bytes(secret.public().as_bytes()));
        let err = SigningPublic::from_bytes(&secret.public().as_bytes()[1..]).unwrap_err();
        assert!(err.contains("1952"), "{err}");
    }

    #[test]
    fn debug_prints_no_secret() {
        let s = signer(3);
        let key = s.mldsa65.as_ref().unwrap();
        let debug = format!("{s:?} {key:?}");
        assert!(!debug.contains(&hex::encode(*key.seed())));
        assert!(!debug.contains(&format!("{:?}", *key.seed())));
        assert!(debug.contains(&key.public().key_id().to_string()));
    }
}

//! The secret [`Identity`] of an agency and its file form.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, Zeroizing};

use super::file::{
    IDENTITY_KIND, SecretText, check_file_fields, check_hybrid_members, check_kind,
    check_signing_members, decode_key, json_error, parse_time, present,
};
use super::{Card, KeyId, check_agency_id, check_window, format_time};
use crate::error::KeyError;
use crate::rng::Randomness;
use crate::signing::{LayerSigner, SigningSecret};
use crate::xwing::HybridSecret;

/// An agency's secret keys: an X25519 secret for receiving, optionally an
/// X-Wing (post-quantum hybrid) secret for receiving post-quantum
/// envelopes, an Ed25519 signing key for sending, optionally (beside an
/// X-Wing key) an ML-DSA-65 signing key that makes every signature hybrid,
/// and the validity window of its card.
///
/// An identity with an X-Wing key keeps its X25519 secret: it still opens
/// the classical envelopes sealed for it before (see
/// [`Identity::with_new_post_quantum_key`]). An identity with an ML-DSA-65
/// key signs every layer it seals or rewraps, in either suite, with
/// Ed25519 and ML-DSA-65 (a hybrid layer): a reader that trusts its card
/// refuses a layer signed with its Ed25519 key alone.
///
/// The secrets are wiped from memory when the identity is dropped and are
/// never printed by `Debug`.
pub struct Identity {
    agency_id: String,
    x25519: StaticSecret,
    hybrid: Option<HybridSecret>,
    /// Computed once: every derivation of it is a scalar multiplication.
    x25519_public: PublicKey,
    encryption_key_id: KeyId,
    signing_key_id: KeyId,
    /// The Ed25519 key, and the ML-DSA-65 key of a hybrid signer (only
    /// beside an X-Wing key).
    signer: LayerSigner,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("agency_id", &self.agency_id)
            .field("x25519_key_id", &self.encryption_key_id())
            .field("xwing_key_id", &self.post_quantum_key_id())
            .field("ed25519_key_id", &self.signing_key_id())
            .field("mldsa65_key_id", &self.post_quantum_signing_key_id())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Generates a new identity with fresh keys from the operating system's
    /// random number generator.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] if the agency id is empty or has control
    /// characters, or if `not_after` is not after `not_before`;
    /// [`KeyError::Random`] if the random number generator fails.
    pub fn generate(
        agency_id: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Identity, KeyError> {
        let mut rng = Randomness::os();
        let mut x = Zeroizing::new([0u8; 32]);
        let mut e = Zeroizing::new([0u8; 32]);
        rng.fill(x.as_mut_slice())
            .and_then(|()| rng.fill(e.as_mut_slice()))
            .map_err(|err| KeyError::Random(err.to_string()))?;
        Identity::from_secrets(agency_id, &x, &e, None, None, not_before, not_after)
    }

    /// Generates a new identity with fresh keys, post-quantum keys among
    /// them: an X-Wing (post-quantum hybrid) key, so that its card can
    /// receive post-quantum envelopes (suite 0x0003) as well as classical
    /// ones, and an ML-DSA-65 key, so that every layer it signs is signed
    /// with Ed25519 and ML-DSA-65.
    ///
    /// # Errors
    ///
    /// As [`Identity::generate`].
    pub fn generate_post_quantum(
        agency_id: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Identity, KeyError> {
        Identity::generate(agency_id, not_before, not_after)?.with_new_post_quantum_key()
    }

    /// The same identity (agency id, validity window, X25519 and Ed25519
    /// secrets) with fresh post-quantum keys, replacing those it had if
    /// any: an X-Wing key and an ML-DSA-65 key. This is the key rotation of
    /// an agency that moves to post-quantum envelopes. Its card gains both
    /// keys and keeps the X25519 key, so the new identity still opens every
    /// classical envelope sealed for the old one; it signs every layer from
    /// then on with Ed25519 and ML-DSA-65, and a reader that trusts the new
    /// card refuses a layer signed with the Ed25519 key alone, including
    /// one the agency signed before (open those with the old card).
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] if the random number generator fails.
    pub fn with_new_post_quantum_key(&self) -> Result<Identity, KeyError> {
        let mut rng = Randomness::os();
        let random = |err: crate::rng::RandomError| KeyError::Random(err.to_string());
        let hybrid = HybridSecret::generate(&mut rng).map_err(random)?;
        let mldsa65 = SigningSecret::generate(&mut rng).map_err(random)?;
        Ok(self.with_post_quantum(hybrid, Some(mldsa65)))
    }

    /// This identity with an X-Wing key from a 32-byte seed, for test
    /// vectors and reproducible fixtures only. Available with the
    /// `test-vectors` feature, which is off by default.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] if the seed's public key fails the card checks
    /// (no seed is known to).
    #[cfg(feature = "test-vectors")]
    pub fn with_post_quantum_secret_bytes(&self, seed: &[u8; 32]) -> Result<Identity, KeyError> {
        let hybrid = HybridSecret::from_seed(seed).ok_or_else(|| KeyError::Invalid {
            problem: "the X-Wing seed gives an unusable public key".to_owned(),
        })?;
        Ok(self.with_post_quantum(hybrid, self.signer.mldsa65.clone()))
    }

    /// This identity with an ML-DSA-65 signing key from a 32-byte seed
    /// (it then signs every layer with Ed25519 and ML-DSA-65), for test
    /// vectors and reproducible fixtures only. Available with the
    /// `test-vectors` feature, which is off by default.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] if the identity has no X-Wing key (post-quantum
    /// keys come as a pair: give it one first).
    #[cfg(feature = "test-vectors")]
    pub fn with_post_quantum_signing_secret_bytes(
        &self,
        seed: &[u8; 32],
    ) -> Result<Identity, KeyError> {
        let hybrid = self
            .hybrid
            .as_ref()
            .and_then(|h| HybridSecret::from_seed(&h.seed()))
            .ok_or_else(|| KeyError::Invalid {
                problem: "an identity with an ML-DSA-65 key must have an X-Wing key: add one first"
                    .to_owned(),
            })?;
        Ok(self.with_post_quantum(hybrid, Some(SigningSecret::from_seed(seed))))
    }

    fn with_post_quantum(&self, hybrid: HybridSecret, mldsa65: Option<SigningSecret>) -> Identity {
        Identity {
            agency_id: self.agency_id.clone(),
            x25519: self.x25519.clone(),
            hybrid: Some(hybrid),
            x25519_public: self.x25519_public,
            encryption_key_id: self.encryption_key_id,
            signing_key_id: self.signing_key_id,
            signer: LayerSigner {
                ed25519: self.signer.ed25519.clone(),
                mldsa65,
            },
            not_before: self.not_before,
            not_after: self.not_after,
        }
    }

    /// Builds an identity from raw secret bytes, for test vectors and
    /// reproducible fixtures only: real keys come from
    /// [`Identity::generate`] or an identity file. Available with the
    /// `test-vectors` feature, which is off by default.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] as for [`Identity::generate`].
    #[cfg(feature = "test-vectors")]
    pub fn from_secret_bytes(
        agency_id: &str,
        x25519_secret: &[u8; 32],
        ed25519_secret: &[u8; 32],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Identity, KeyError> {
        Identity::from_secrets(
            agency_id,
            x25519_secret,
            ed25519_secret,
            None,
            None,
            not_before,
            not_after,
        )
    }

    fn from_secrets(
        agency_id: &str,
        x25519_secret: &[u8; 32],
        ed25519_secret: &[u8; 32],
        hybrid: Option<HybridSecret>,
        mldsa65: Option<SigningSecret>,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Identity, KeyError> {
        check_agency_id(agency_id)?;
        let (not_before, not_after) = check_window(not_before, not_after)?;
        let x25519 = StaticSecret::from(*x25519_secret);
        let x25519_public = PublicKey::from(&x25519);
        let signing = SigningKey::from_bytes(ed25519_secret);
        Ok(Identity {
            agency_id: agency_id.to_owned(),
            encryption_key_id: KeyId::of_public_key(x25519_public.as_bytes()),
            signing_key_id: KeyId::of_public_key(signing.verifying_key().as_bytes()),
            x25519_public,
            x25519,
            hybrid,
            signer: LayerSigner {
                ed25519: signing,
                mldsa65,
            },
            not_before,
            not_after,
        })
    }

    /// The agency id.
    #[must_use]
    pub fn agency_id(&self) -> &str {
        &self.agency_id
    }

    /// The key id of the X25519 (receiving) public key.
    #[must_use]
    pub fn encryption_key_id(&self) -> KeyId {
        self.encryption_key_id
    }

    /// The key id of the Ed25519 (signing) public key.
    #[must_use]
    pub fn signing_key_id(&self) -> KeyId {
        self.signing_key_id
    }

    /// The key id of the X-Wing (post-quantum receiving) public key, if
    /// this identity has one.
    #[must_use]
    pub fn post_quantum_key_id(&self) -> Option<KeyId> {
        self.hybrid.as_ref().map(|h| h.public().key_id())
    }

    /// Whether this identity has an X-Wing key (opens post-quantum
    /// envelopes).
    #[must_use]
    pub fn has_post_quantum_key(&self) -> bool {
        self.hybrid.is_some()
    }

    pub(crate) fn hybrid(&self) -> Option<&HybridSecret> {
        self.hybrid.as_ref()
    }

    /// The key id of the ML-DSA-65 (post-quantum signing) public key, if
    /// this identity has one.
    #[must_use]
    pub fn post_quantum_signing_key_id(&self) -> Option<KeyId> {
        self.signer.mldsa65.as_ref().map(|k| k.public().key_id())
    }

    /// Whether this identity has an ML-DSA-65 key: every layer it signs is
    /// a hybrid layer (Ed25519 and ML-DSA-65).
    #[must_use]
    pub fn has_post_quantum_signing_key(&self) -> bool {
        self.signer.mldsa65.is_some()
    }

    /// The keys its layers are signed with.
    pub(crate) fn signer(&self) -> &LayerSigner {
        &self.signer
    }

    /// The public card of this identity.
    #[must_use]
    pub fn card(&self) -> Card {
        Card {
            agency_id: self.agency_id.clone(),
            x25519: self.x25519_public,
            hybrid: self.hybrid.as_ref().map(|h| h.public().clone()),
            ed25519: self.signer.ed25519.verifying_key(),
            mldsa65: self.signer.mldsa65.as_ref().map(|k| k.public().clone()),
            encryption_key_id: self.encryption_key_id,
            signing_key_id: self.signing_key_id,
            not_before: self.not_before,
            not_after: self.not_after,
        }
    }

    pub(crate) fn x25519_secret(&self) -> &StaticSecret {
        &self.x25519
    }

    pub(crate) fn x25519_public(&self) -> &[u8; 32] {
        self.x25519_public.as_bytes()
    }

    /// Whether `at` lies in the validity window of this identity's card.
    #[must_use]
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// The identity file form (JSON, documented in `docs/envelope-format.md`).
    /// The returned text holds the secret keys and is wiped when dropped.
    #[must_use]
    pub fn to_json(&self) -> Zeroizing<String> {
        let mut x = self.x25519.to_bytes();
        let mut e = self.signer.ed25519.to_bytes();
        let file = IdentityFile {
            kind: IDENTITY_KIND.to_owned(),
            version: if self.hybrid.is_some() { 2 } else { 1 },
            agency_id: self.agency_id.clone(),
            not_before: format_time(self.not_before),
            not_after: format_time(self.not_after),
            x25519_secret: SecretText(STANDARD.encode(x)),
            ed25519_secret: SecretText(STANDARD.encode(e)),
            xwing_secret: self
                .hybrid
                .as_ref()
                .map(|h| SecretText(STANDARD.encode(*h.seed()))),
            mldsa65_secret: self
                .signer
                .mldsa65
                .as_ref()
                .map(|k| SecretText(STANDARD.encode(*k.seed()))),
        };
        x.zeroize();
        e.zeroize();
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        Zeroizing::new(text)
    }

    /// Reads an identity file.
    ///
    /// # Errors
    ///
    /// [`KeyError::Json`] with line and column if the text is not an identity
    /// file; [`KeyError::Field`] with the field's JSON pointer if a value is
    /// unusable; [`KeyError::Invalid`] for an empty validity window.
    pub fn from_json(text: &str) -> Result<Identity, KeyError> {
        const WHAT: &str = "identity file";
        let file: IdentityFile = serde_json::from_str(text).map_err(|e| json_error(WHAT, &e))?;
        check_kind(WHAT, &file.kind, IDENTITY_KIND, file.version)?;
        check_hybrid_members(
            WHAT,
            file.version,
            file.xwing_secret.is_some(),
            "/xwing_secret",
        )?;
        check_signing_members(
            WHAT,
            file.version,
            file.mldsa65_secret.is_some(),
            "/mldsa65_secret",
        )?;
        let x = decode_key(WHAT, "/x25519_secret", &file.x25519_secret.0)?;
        let e = decode_key(WHAT, "/ed25519_secret", &file.ed25519_secret.0)?;
        let hybrid_seed = file
            .xwing_secret
            .as_ref()
            .map(|s| decode_key(WHAT, "/xwing_secret", &s.0))
            .transpose()?;
        let mldsa65 = file
            .mldsa65_secret
            .as_ref()
            .map(|s| decode_key(WHAT, "/mldsa65_secret", &s.0))
            .transpose()?
            .map(|seed| SigningSecret::from_seed(&seed));
        let not_before = parse_time(WHAT, "/not_before", &file.not_before)?;
        let not_after = parse_time(WHAT, "/not_after", &file.not_after)?;
        check_file_fields(WHAT, &file.agency_id, not_before, not_after)?;
        let hybrid = hybrid_seed
            .map(|seed| {
                HybridSecret::from_seed(&seed).ok_or_else(|| KeyError::Field {
                    what: WHAT,
                    pointer: "/xwing_secret",
                    problem: "the X-Wing seed gives a public key that fails the card checks"
                        .to_owned(),
                })
            })
            .transpose()?;
        Identity::from_secrets(
            &file.agency_id,
            &x,
            &e,
            hybrid,
            mldsa65,
            not_before,
            not_after,
        )
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityFile {
    #[serde(rename = "type")]
    kind: String,
    version: u32,
    agency_id: String,
    not_before: String,
    not_after: String,
    x25519_secret: SecretText,
    ed25519_secret: SecretText,
    /// Version 2 only: the 32-byte X-Wing seed.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    xwing_secret: Option<SecretText>,
    /// Version 2 only, and optional there: the 32-byte ML-DSA-65 seed of a
    /// hybrid signer.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    mldsa65_secret: Option<SecretText>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Card;
    use time::macros::datetime;

    fn identity() -> Identity {
        Identity::from_secrets(
            "FR-DGSI",
            &[1; 32],
            &[2; 32],
            None,
            None,
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2028-01-01 0:00 UTC),
        )
        .unwrap()
    }

    #[test]
    fn identity_json_round_trips_and_debug_hides_secrets() {
        let id = identity();
        let text = id.to_json();
        let back = Identity::from_json(&text).unwrap();
        assert_eq!(back.card(), id.card());
        let debug = format!("{id:?}");
        for secret in [[1u8; 32], id.signer.ed25519.to_bytes()] {
            assert!(!debug.contains(&hex::encode(secret)));
            assert!(!debug.contains(&STANDARD.encode(secret)));
            assert!(!debug.contains(&format!("{:?}", secret)));
        }
        assert!(debug.contains("FR-DGSI"));
    }

    #[test]
    fn post_quantum_files_round_trip_and_stay_strict() {
        let classical = identity();
        let id = classical.with_new_post_quantum_key().unwrap();
        assert_eq!(id.card().x25519_public(), classical.card().x25519_public());
        assert_eq!(
            id.card().ed25519_public(),
            classical.card().ed25519_public()
        );
        let back = Identity::from_json(&id.to_json()).unwrap();
        assert_eq!(back.card(), id.card());
        assert_eq!(back.post_quantum_key_id(), id.post_quantum_key_id());
        let text = id.card().to_json();
        let card = Card::from_json(&text).unwrap();
        assert_eq!(card, id.card());
        assert_eq!(
            card.post_quantum_key_id().unwrap(),
            KeyId::of_bytes(card.post_quantum_public().unwrap())
        );
        // The classical card is still version 1, without the members.
        let v1 = classical.card().to_json();
        assert!(v1.contains("\"version\": 1") && !v1.contains("xwing"));
        // A stale X-Wing key id, a version 1 card with the members.
        let id_text = card.post_quantum_key_id().unwrap().to_string();
        let stale = text.replace(&id_text, "0000000000000000");
        let err = Card::from_json(&stale).unwrap_err().to_string();
        assert!(err.contains("/xwing_key_id"), "{err}");
        let err = Card::from_json(&text.replace("\"version\": 2", "\"version\": 1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/xwing_public"), "{err}");
        // Debug names the key ids, never the seeds.
        let debug = format!("{id:?}");
        let seed = *id.hybrid().unwrap().seed();
        let signing_seed = *id.signer.mldsa65.as_ref().unwrap().seed();
        for secret in [seed, signing_seed] {
            assert!(!debug.contains(&hex::encode(secret)));
            assert!(!debug.contains(&STANDARD.encode(secret)));
        }
        assert!(debug.contains(&id_text));
        assert!(debug.contains(&id.post_quantum_signing_key_id().unwrap().to_string()));
    }

    #[test]
    fn post_quantum_signing_keys_round_trip_and_need_an_x_wing_key() {
        let id = identity().with_new_post_quantum_key().unwrap();
        assert!(id.has_post_quantum_signing_key());
        let text = id.to_json();
        assert!(text.contains("\"mldsa65_secret\""));
        let back = Identity::from_json(&text).unwrap();
        assert_eq!(back.card(), id.card());
        assert_eq!(
            back.post_quantum_signing_key_id(),
            id.post_quantum_signing_key_id()
        );
        let card = Card::from_json(&id.card().to_json()).unwrap();
        assert_eq!(card, id.card());
        assert_eq!(
            card.post_quantum_signing_key_id().unwrap(),
            KeyId::of_bytes(card.post_quantum_signing_public().unwrap())
        );
        // A version 2 file may leave the ML-DSA-65 key out; a version 1
        // file may not hold one.
        let xwing_only = identity().with_post_quantum_secret_bytes(&[9; 32]).unwrap();
        assert!(!xwing_only.has_post_quantum_signing_key());
        assert!(!xwing_only.to_json().contains("mldsa65"));
        let err = Identity::from_json(&text.replace("\"version\": 2", "\"version\": 1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/xwing_secret"), "{err}");
        let v1 = identity().to_json().replace(
            "\n}",
            &format!(
                ",\n  \"mldsa65_secret\": \"{}\"\n}}",
                STANDARD.encode([5u8; 32])
            ),
        );
        let err = Identity::from_json(&v1).unwrap_err().to_string();
        assert!(err.contains("/mldsa65_secret"), "{err}");
        // No ML-DSA-65 key without an X-Wing key.
        assert!(
            identity()
                .with_post_quantum_signing_secret_bytes(&[5; 32])
                .is_err()
        );
        let classical_card = identity().card();
        let err = classical_card
            .with_post_quantum_signing_key(card.post_quantum_signing_public().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("/mldsa65_public"), "{err}");
    }
}

//! Agency keys: the secret [`Identity`] and the public [`Card`], their key
//! ids, and their JSON file forms.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, Zeroizing};

use crate::error::KeyError;
use crate::format::XWING_PUBLIC_KEY_LEN;
use crate::rng::Randomness;
use crate::xwing::{HybridPublic, HybridSecret};

/// The length of a key id in bytes.
pub const KEY_ID_LEN: usize = 8;

/// A short fingerprint of a public key: the first 8 bytes of its SHA-256.
///
/// Equality is evaluated in constant time.
#[derive(Clone, Copy, Eq)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    /// The key id of a 32-byte public key (X25519 or Ed25519).
    #[must_use]
    pub fn of_public_key(public_key: &[u8; 32]) -> KeyId {
        KeyId::of_bytes(public_key)
    }

    /// The key id of a public key of any length (the 1216-byte X-Wing key).
    pub(crate) fn of_bytes(public_key: &[u8]) -> KeyId {
        let digest = Sha256::digest(public_key);
        let mut id = [0u8; KEY_ID_LEN];
        for (dst, src) in id.iter_mut().zip(digest.iter()) {
            *dst = *src;
        }
        KeyId(id)
    }

    /// A key id from its raw bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_ID_LEN]) -> KeyId {
        KeyId(bytes)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; KEY_ID_LEN] {
        self.0
    }
}

impl PartialEq for KeyId {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl ConstantTimeEq for KeyId {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut id = [0u8; KEY_ID_LEN];
        hex::decode_to_slice(s, &mut id).map_err(|_| KeyError::Invalid {
            problem: format!("key id `{s}` is not 16 lowercase hexadecimal digits"),
        })?;
        Ok(KeyId(id))
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An agency's secret keys: an X25519 secret for receiving, optionally an
/// X-Wing (post-quantum hybrid) secret for receiving post-quantum
/// envelopes, an Ed25519 signing key for sending, and the validity window
/// of its card.
///
/// An identity with an X-Wing key keeps its X25519 secret: it still opens
/// the classical envelopes sealed for it before (see
/// [`Identity::with_new_post_quantum_key`]).
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
    signing: SigningKey,
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
        Identity::from_secrets(agency_id, &x, &e, None, not_before, not_after)
    }

    /// Generates a new identity with fresh keys, an X-Wing (post-quantum
    /// hybrid) key among them: its card can receive post-quantum envelopes
    /// (suite 0x0003) as well as classical ones.
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
    /// secrets) with a fresh X-Wing key, replacing the one it had if any:
    /// the key rotation of an agency that moves to post-quantum envelopes.
    /// Its card gains the X-Wing key and keeps the X25519 key, so the new
    /// identity still opens every classical envelope sealed for the old one.
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] if the random number generator fails.
    pub fn with_new_post_quantum_key(&self) -> Result<Identity, KeyError> {
        let hybrid = HybridSecret::generate(&mut Randomness::os())
            .map_err(|err| KeyError::Random(err.to_string()))?;
        Ok(self.with_hybrid(hybrid))
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
        Ok(self.with_hybrid(hybrid))
    }

    fn with_hybrid(&self, hybrid: HybridSecret) -> Identity {
        Identity {
            agency_id: self.agency_id.clone(),
            x25519: self.x25519.clone(),
            hybrid: Some(hybrid),
            x25519_public: self.x25519_public,
            encryption_key_id: self.encryption_key_id,
            signing_key_id: self.signing_key_id,
            signing: self.signing.clone(),
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
            not_before,
            not_after,
        )
    }

    fn from_secrets(
        agency_id: &str,
        x25519_secret: &[u8; 32],
        ed25519_secret: &[u8; 32],
        hybrid: Option<HybridSecret>,
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
            signing,
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

    /// The public card of this identity.
    #[must_use]
    pub fn card(&self) -> Card {
        Card {
            agency_id: self.agency_id.clone(),
            x25519: self.x25519_public,
            hybrid: self.hybrid.as_ref().map(|h| h.public().clone()),
            ed25519: self.signing.verifying_key(),
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

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The identity file form (JSON, documented in `docs/envelope-format.md`).
    /// The returned text holds the secret keys and is wiped when dropped.
    #[must_use]
    pub fn to_json(&self) -> Zeroizing<String> {
        let mut x = self.x25519.to_bytes();
        let mut e = self.signing.to_bytes();
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
        let x = decode_key(WHAT, "/x25519_secret", &file.x25519_secret.0)?;
        let e = decode_key(WHAT, "/ed25519_secret", &file.ed25519_secret.0)?;
        let hybrid_seed = file
            .xwing_secret
            .as_ref()
            .map(|s| decode_key(WHAT, "/xwing_secret", &s.0))
            .transpose()?;
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
        Identity::from_secrets(&file.agency_id, &x, &e, hybrid, not_before, not_after)
    }
}

/// An agency's public card: its agency id, its X25519 (receiving) and
/// Ed25519 (signing) public keys, optionally an X-Wing (post-quantum
/// receiving) public key, their key ids, and a validity window.
#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    agency_id: String,
    /// Checked when the card was made: on the curve, canonical, not of
    /// small order.
    x25519: PublicKey,
    /// Checked when the card was made (both parts, see `xwing.rs`).
    hybrid: Option<HybridPublic>,
    ed25519: VerifyingKey,
    /// Computed once: a key id is a hash of its key.
    encryption_key_id: KeyId,
    signing_key_id: KeyId,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("agency_id", &self.agency_id)
            .field("x25519_key_id", &self.encryption_key_id())
            .field("xwing_key_id", &self.post_quantum_key_id())
            .field("ed25519_key_id", &self.signing_key_id())
            .field("not_before", &format_time(self.not_before))
            .field("not_after", &format_time(self.not_after))
            .finish()
    }
}

impl Card {
    /// Builds a card from public key bytes.
    ///
    /// # Errors
    ///
    /// [`KeyError::Field`] if the X25519 key is a low-order point or the
    /// Ed25519 key is not a valid point; [`KeyError::Invalid`] for an empty
    /// agency id or validity window.
    pub fn from_public_keys(
        agency_id: &str,
        x25519_public: [u8; 32],
        ed25519_public: [u8; 32],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Card, KeyError> {
        const WHAT: &str = "card";
        check_agency_id(agency_id)?;
        let (not_before, not_after) = check_window(not_before, not_after)?;
        if let Some(problem) = x25519_key_problem(&x25519_public) {
            return Err(KeyError::Field {
                what: WHAT,
                pointer: "/x25519_public",
                problem: problem.to_owned(),
            });
        }
        let ed25519 = ed25519_key(&ed25519_public).ok_or_else(|| KeyError::Field {
            what: WHAT,
            pointer: "/ed25519_public",
            problem: "not a valid Ed25519 public key (the canonical encoding of a point that is not of small order)".to_owned(),
        })?;
        Ok(Card {
            agency_id: agency_id.to_owned(),
            x25519: PublicKey::from(x25519_public),
            hybrid: None,
            encryption_key_id: KeyId::of_public_key(&x25519_public),
            signing_key_id: KeyId::of_public_key(ed25519.as_bytes()),
            ed25519,
            not_before,
            not_after,
        })
    }

    /// The agency id.
    #[must_use]
    pub fn agency_id(&self) -> &str {
        &self.agency_id
    }

    /// The X25519 public key.
    #[must_use]
    pub fn x25519_public(&self) -> [u8; 32] {
        *self.x25519.as_bytes()
    }

    /// The Ed25519 public key.
    #[must_use]
    pub fn ed25519_public(&self) -> [u8; 32] {
        self.ed25519.to_bytes()
    }

    /// The key id of the X25519 public key (used in recipient stanzas).
    #[must_use]
    pub fn encryption_key_id(&self) -> KeyId {
        self.encryption_key_id
    }

    /// The key id of the Ed25519 public key (used to name the signer).
    #[must_use]
    pub fn signing_key_id(&self) -> KeyId {
        self.signing_key_id
    }

    /// The card with an X-Wing (post-quantum hybrid) public key added, or
    /// replaced: 1216 bytes, the ML-KEM-768 encapsulation key then the
    /// X25519 public key.
    ///
    /// # Errors
    ///
    /// [`KeyError::Field`] at `/xwing_public` if the key has another
    /// length, if its ML-KEM-768 part fails the encapsulation key check of
    /// FIPS 203, or if its X25519 part fails the checks of a card's X25519
    /// key.
    pub fn with_post_quantum_key(mut self, xwing_public: &[u8]) -> Result<Card, KeyError> {
        let hybrid = HybridPublic::from_bytes(xwing_public).map_err(|problem| KeyError::Field {
            what: "card",
            pointer: "/xwing_public",
            problem,
        })?;
        self.hybrid = Some(hybrid);
        Ok(self)
    }

    /// The X-Wing public key (1216 bytes), if the card has one.
    #[must_use]
    pub fn post_quantum_public(&self) -> Option<&[u8]> {
        self.hybrid.as_ref().map(|h| h.as_bytes().as_slice())
    }

    /// The key id of the X-Wing public key (used in post-quantum recipient
    /// stanzas), if the card has one.
    #[must_use]
    pub fn post_quantum_key_id(&self) -> Option<KeyId> {
        self.hybrid.as_ref().map(HybridPublic::key_id)
    }

    /// Whether the card has an X-Wing key (can receive post-quantum
    /// envelopes).
    #[must_use]
    pub fn has_post_quantum_key(&self) -> bool {
        self.hybrid.is_some()
    }

    pub(crate) fn hybrid(&self) -> Option<&HybridPublic> {
        self.hybrid.as_ref()
    }

    /// Start of the validity window.
    #[must_use]
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the validity window.
    #[must_use]
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whether `at` lies in the validity window (both ends included).
    #[must_use]
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// The card with its cached key ids replaced: lets the tests make two
    /// cards whose short key ids collide, which would otherwise take 2^32
    /// key generations.
    #[cfg(test)]
    pub(crate) fn with_colliding_ids(mut self, encryption: KeyId, signing: KeyId) -> Card {
        self.encryption_key_id = encryption;
        self.signing_key_id = signing;
        self
    }

    pub(crate) fn x25519_key(&self) -> &PublicKey {
        &self.x25519
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.ed25519
    }

    pub(crate) fn window_strings(&self) -> (String, String) {
        (format_time(self.not_before), format_time(self.not_after))
    }

    /// The card file form (JSON, documented in `docs/envelope-format.md`).
    #[must_use]
    pub fn to_json(&self) -> String {
        let file = CardFile {
            kind: CARD_KIND.to_owned(),
            version: if self.hybrid.is_some() { 2 } else { 1 },
            agency_id: self.agency_id.clone(),
            not_before: format_time(self.not_before),
            not_after: format_time(self.not_after),
            x25519_public: STANDARD.encode(self.x25519.as_bytes()),
            x25519_key_id: self.encryption_key_id().to_string(),
            ed25519_public: STANDARD.encode(self.ed25519.as_bytes()),
            ed25519_key_id: self.signing_key_id().to_string(),
            xwing_public: self.hybrid.as_ref().map(|h| STANDARD.encode(h.as_bytes())),
            xwing_key_id: self.hybrid.as_ref().map(|h| h.key_id().to_string()),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a card file. The key ids in the file must match the keys.
    ///
    /// # Errors
    ///
    /// [`KeyError::Json`] with line and column if the text is not a card
    /// file; [`KeyError::Field`] with the field's JSON pointer if a value is
    /// unusable (a key id that does not match its key, a low-order X25519
    /// key); [`KeyError::Invalid`] for an empty validity window.
    pub fn from_json(text: &str) -> Result<Card, KeyError> {
        const WHAT: &str = "card file";
        let file: CardFile = serde_json::from_str(text).map_err(|e| json_error(WHAT, &e))?;
        check_kind(WHAT, &file.kind, CARD_KIND, file.version)?;
        check_hybrid_members(
            WHAT,
            file.version,
            file.xwing_public.is_some() || file.xwing_key_id.is_some(),
            "/xwing_public",
        )?;
        let hybrid_text = match (&file.xwing_public, &file.xwing_key_id) {
            (Some(text), Some(_)) => Some(text),
            (None, None) => None,
            (None, Some(_)) => return Err(missing_member(WHAT, "/xwing_public")),
            (Some(_), None) => return Err(missing_member(WHAT, "/xwing_key_id")),
        };
        let x = decode_key(WHAT, "/x25519_public", &file.x25519_public)?;
        let e = decode_key(WHAT, "/ed25519_public", &file.ed25519_public)?;
        let hybrid = hybrid_text
            .map(|text| decode_hybrid_public(WHAT, text))
            .transpose()?;
        let not_before = parse_time(WHAT, "/not_before", &file.not_before)?;
        let not_after = parse_time(WHAT, "/not_after", &file.not_after)?;
        check_file_fields(WHAT, &file.agency_id, not_before, not_after)?;
        let at_field = |err| match err {
            KeyError::Field {
                pointer, problem, ..
            } => KeyError::Field {
                what: WHAT,
                pointer,
                problem,
            },
            other => other,
        };
        let mut card = Card::from_public_keys(&file.agency_id, *x, *e, not_before, not_after)
            .map_err(at_field)?;
        if let Some(hybrid) = hybrid {
            card = card.with_post_quantum_key(&hybrid).map_err(at_field)?;
        }
        let hybrid_ids = card
            .post_quantum_key_id()
            .zip(file.xwing_key_id.as_ref())
            .map(|(actual, given)| ("/xwing_key_id", given, actual));
        for (pointer, given, actual) in [
            (
                "/x25519_key_id",
                &file.x25519_key_id,
                card.encryption_key_id(),
            ),
            (
                "/ed25519_key_id",
                &file.ed25519_key_id,
                card.signing_key_id(),
            ),
        ]
        .into_iter()
        .chain(hybrid_ids)
        {
            if *given != actual.to_string() {
                return Err(KeyError::Field {
                    what: WHAT,
                    pointer,
                    problem: format!(
                        "key id `{given}` does not match the key, whose id is `{actual}`: the file was altered or mixed up"
                    ),
                });
            }
        }
        Ok(card)
    }
}

const IDENTITY_KIND: &str = "liaison-identity";
const CARD_KIND: &str = "liaison-card";

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
}

/// An optional member that, when present, must hold a value (`null` is
/// refused as of the wrong type, like any other wrong type).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Base64 text of a secret key, wiped on drop.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct SecretText(String);

impl Drop for SecretText {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardFile {
    #[serde(rename = "type")]
    kind: String,
    version: u32,
    agency_id: String,
    not_before: String,
    not_after: String,
    x25519_public: String,
    x25519_key_id: String,
    ed25519_public: String,
    ed25519_key_id: String,
    /// Version 2 only: the X-Wing public key (1216 bytes).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    xwing_public: Option<String>,
    /// Version 2 only: the X-Wing key id.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    xwing_key_id: Option<String>,
}

fn json_error(what: &'static str, e: &serde_json::Error) -> KeyError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the location is given apart.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_owned();
    KeyError::Json {
        what,
        line: e.line(),
        column: e.column(),
        message,
    }
}

fn check_kind(
    what: &'static str,
    kind: &str,
    expected: &str,
    version: u32,
) -> Result<(), KeyError> {
    if kind != expected {
        return Err(KeyError::Field {
            what,
            pointer: "/type",
            problem: format!("found `{kind}`, expected `{expected}`"),
        });
    }
    if version != 1 && version != 2 {
        return Err(KeyError::Field {
            what,
            pointer: "/version",
            problem: format!(
                "version {version} is not supported, expected 1 (classical keys) or 2 (with an X-Wing key)"
            ),
        });
    }
    Ok(())
}

/// A version 2 file has the X-Wing members, a version 1 file has none.
fn check_hybrid_members(
    what: &'static str,
    version: u32,
    present: bool,
    pointer: &'static str,
) -> Result<(), KeyError> {
    match (version, present) {
        (1, true) => Err(KeyError::Field {
            what,
            pointer,
            problem: "a version 1 file has no X-Wing key: write version 2 for a file with one"
                .to_owned(),
        }),
        (2, false) => Err(missing_member(what, pointer)),
        _ => Ok(()),
    }
}

fn missing_member(what: &'static str, pointer: &'static str) -> KeyError {
    KeyError::Field {
        what,
        pointer,
        problem: "missing: a version 2 file holds an X-Wing key (`xwing_public` and \
                  `xwing_key_id` in a card, `xwing_secret` in an identity)"
            .to_owned(),
    }
}

/// The base64 of an X-Wing public key: 1216 bytes, standard base64 with
/// padding (1624 characters).
fn decode_hybrid_public(what: &'static str, text: &str) -> Result<Vec<u8>, KeyError> {
    let bad = || KeyError::Field {
        what,
        pointer: "/xwing_public",
        problem: format!(
            "expected {XWING_PUBLIC_KEY_LEN} bytes in standard base64 with padding (1624 characters)"
        ),
    };
    let bytes = STANDARD.decode(text).map_err(|_| bad())?;
    if bytes.len() != XWING_PUBLIC_KEY_LEN {
        return Err(bad());
    }
    Ok(bytes)
}

fn decode_key(
    what: &'static str,
    pointer: &'static str,
    text: &str,
) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let bad = || KeyError::Field {
        what,
        pointer,
        problem: "expected 32 bytes in standard base64 with padding (44 characters)".to_owned(),
    };
    let bytes = Zeroizing::new(STANDARD.decode(text).map_err(|_| bad())?);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(bad());
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}

fn parse_time(
    what: &'static str,
    pointer: &'static str,
    text: &str,
) -> Result<OffsetDateTime, KeyError> {
    // One form only, so that a time has one spelling: whole seconds, `T`
    // and `Z` in upper case.
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes.get(10) != Some(&b'T') || bytes.get(19) != Some(&b'Z') {
        return Err(KeyError::Field {
            what,
            pointer,
            problem: format!(
                "`{text}` is not of the form `2026-01-31T00:00:00Z` (whole seconds, UTC, upper-case `T` and `Z`)"
            ),
        });
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| KeyError::Field {
        what,
        pointer,
        problem: format!(
            "`{text}` is not an RFC 3339 time ({e}); expected e.g. `2026-01-31T00:00:00Z`"
        ),
    })?;
    if !t.offset().is_utc() {
        return Err(KeyError::Field {
            what,
            pointer,
            problem: format!("`{text}` is not in UTC; write the time with a `Z` suffix"),
        });
    }
    Ok(t)
}

pub(crate) fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn check_agency_id(agency_id: &str) -> Result<(), KeyError> {
    if agency_id.is_empty() || agency_id.len() > 256 || agency_id.chars().any(char::is_control) {
        return Err(KeyError::Invalid {
            problem: format!(
                "agency id `{}` is unusable: give 1 to 256 bytes of UTF-8 without control characters",
                agency_id.escape_debug()
            ),
        });
    }
    Ok(())
}

/// The agency id and window checks of a key file, each reported at the
/// JSON pointer of its field.
fn check_file_fields(
    what: &'static str,
    agency_id: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(), KeyError> {
    let at = |pointer: &'static str| {
        move |e: KeyError| match e {
            KeyError::Invalid { problem } => KeyError::Field {
                what,
                pointer,
                problem,
            },
            other => other,
        }
    };
    check_agency_id(agency_id).map_err(at("/agency_id"))?;
    check_window(not_before, not_after).map_err(at("/not_after"))?;
    Ok(())
}

/// Puts the window in UTC, truncated to whole seconds (the file form), and
/// checks it is not empty.
fn check_window(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(OffsetDateTime, OffsetDateTime), KeyError> {
    let utc = |t: OffsetDateTime| {
        let t = t.to_offset(time::UtcOffset::UTC);
        t.replace_nanosecond(0).unwrap_or(t)
    };
    let (nb, na) = (utc(not_before), utc(not_after));
    if na <= nb {
        return Err(KeyError::Invalid {
            problem: format!(
                "the validity window is empty: not_after {} is not after not_before {}",
                format_time(na),
                format_time(nb)
            ),
        });
    }
    Ok((nb, na))
}

/// What makes 32 bytes unusable as an X25519 public key on a card, if
/// anything: a `u` that is not canonical (at least p = 2^255 - 19, or the
/// top bit set), that lies on the curve's twist rather than on Curve25519,
/// or that is a point of small order (the all-zero output of X25519 for a
/// clamped scalar, a multiple of the cofactor). No honest key generator
/// produces any of these. The checks are `curve25519-dalek`'s: the point is
/// mapped to the Edwards form (which exists only for points on the curve)
/// and back.
pub(crate) fn x25519_key_problem(public: &[u8; 32]) -> Option<&'static str> {
    if bool::from(x25519_dalek::x25519([0x11; 32], *public).ct_eq(&[0u8; 32])) {
        return Some("the key is a point of small order, which no honest key generator produces");
    }
    let montgomery = curve25519_dalek::montgomery::MontgomeryPoint(*public);
    let Some(edwards) = montgomery.to_edwards(0) else {
        return Some("the key is not a point of Curve25519 (it lies on the twist)");
    };
    if edwards.to_montgomery().to_bytes() != *public {
        return Some("the key is not canonically encoded (u must be less than 2^255 - 19)");
    }
    None
}

/// An Ed25519 public key from 32 bytes that are the canonical encoding of a
/// point that is not of small order.
fn ed25519_key(public: &[u8; 32]) -> Option<VerifyingKey> {
    let point = curve25519_dalek::edwards::CompressedEdwardsY(*public).decompress()?;
    if point.compress().to_bytes() != *public {
        return None;
    }
    VerifyingKey::from_bytes(public)
        .ok()
        .filter(|k| !k.is_weak())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn identity() -> Identity {
        Identity::from_secrets(
            "FR-DGSI",
            &[1; 32],
            &[2; 32],
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
        for secret in [[1u8; 32], id.signing.to_bytes()] {
            assert!(!debug.contains(&hex::encode(secret)));
            assert!(!debug.contains(&STANDARD.encode(secret)));
            assert!(!debug.contains(&format!("{:?}", secret)));
        }
        assert!(debug.contains("FR-DGSI"));
    }

    #[test]
    fn card_json_round_trips_and_checks_key_ids() {
        let card = identity().card();
        let text = card.to_json();
        assert_eq!(Card::from_json(&text).unwrap(), card);
        let altered = text.replace(&card.signing_key_id().to_string(), "0000000000000000");
        let err = Card::from_json(&altered).unwrap_err().to_string();
        assert!(err.contains("/ed25519_key_id"), "{err}");
    }

    #[test]
    fn json_errors_say_where() {
        let err =
            Card::from_json("{\n  \"type\": \"liaison-card\",\n  \"oops\": 1\n}").unwrap_err();
        match err {
            KeyError::Json { line, .. } => assert_eq!(line, 3),
            other => panic!("{other}"),
        }
        let text = identity()
            .card()
            .to_json()
            .replace("2028-01-01T00:00:00Z", "2028-01-01 00:00");
        let err = Card::from_json(&text).unwrap_err().to_string();
        assert!(err.contains("/not_after"), "{err}");
    }

    #[test]
    fn low_order_card_keys_are_rejected() {
        let card = identity().card();
        let zero = Card::from_public_keys(
            "X",
            [0; 32],
            card.ed25519_public(),
            card.not_before(),
            card.not_after(),
        );
        assert!(zero.is_err());
    }

    fn card_with_x25519(u: [u8; 32]) -> Result<Card, KeyError> {
        let card = identity().card();
        Card::from_public_keys(
            "X",
            u,
            card.ed25519_public(),
            card.not_before(),
            card.not_after(),
        )
    }

    fn u_bytes(value: u64) -> [u8; 32] {
        let mut u = [0u8; 32];
        u[..8].copy_from_slice(&value.to_le_bytes());
        u
    }

    #[test]
    fn twist_and_non_canonical_card_keys_are_rejected() {
        // u = 2 and u = 3 lie on the twist: u^3 + 486662 u^2 + u is not a
        // square modulo p. u = 4 and u = 9 lie on the curve.
        for twist in [2, 3, 5] {
            let err = card_with_x25519(u_bytes(twist)).unwrap_err().to_string();
            assert!(err.contains("twist"), "{err}");
        }
        assert!(card_with_x25519(u_bytes(4)).is_ok());
        assert!(card_with_x25519(u_bytes(9)).is_ok());
        // 9 + p and 9 with the top bit set encode the same point as 9.
        let mut top = u_bytes(9);
        top[31] |= 0x80;
        let mut plus_p = [0xffu8; 32];
        plus_p[31] = 0x7f;
        plus_p[0] = 0xed + 9;
        for bad in [top, plus_p] {
            let err = card_with_x25519(bad).unwrap_err().to_string();
            assert!(err.contains("canonical"), "{err}");
        }
        let honest = identity().card().x25519_public();
        assert!(card_with_x25519(honest).is_ok());
    }

    #[test]
    fn non_canonical_and_small_order_ed25519_keys_are_rejected() {
        let card = identity().card();
        let make = |e: [u8; 32]| {
            Card::from_public_keys(
                "X",
                card.x25519_public(),
                e,
                card.not_before(),
                card.not_after(),
            )
        };
        // The identity point (small order), canonically encoded.
        let mut identity_point = [0u8; 32];
        identity_point[0] = 1;
        assert!(make(identity_point).is_err());
        // y = 1 + p: the identity again, not canonically encoded.
        let mut non_canonical = [0xffu8; 32];
        non_canonical[31] = 0x7f;
        non_canonical[0] = 0xee;
        assert!(make(non_canonical).is_err());
        assert!(make(card.ed25519_public()).is_ok());
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
        // Debug names the key id, never the seed.
        let debug = format!("{id:?}");
        let seed = *id.hybrid().unwrap().seed();
        assert!(!debug.contains(&hex::encode(seed)));
        assert!(!debug.contains(&STANDARD.encode(seed)));
        assert!(debug.contains(&id_text));
    }

    #[test]
    fn key_id_is_sha256_prefix() {
        let card = identity().card();
        let digest = Sha256::digest(card.x25519_public());
        assert_eq!(card.encryption_key_id().to_bytes(), digest[..8]);
        assert_eq!(
            card.encryption_key_id()
                .to_string()
                .parse::<KeyId>()
                .unwrap(),
            card.encryption_key_id()
        );
    }
}

//! The public [`Card`] of an agency and its file form.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use x25519_dalek::PublicKey;

use super::file::{
    CARD_KIND, check_file_fields, check_hybrid_members, check_kind, check_signing_members,
    decode_hybrid_public, decode_key, decode_signing_public, json_error, missing_member,
    missing_signing_member, parse_time, present,
};
use super::{KeyId, check_agency_id, check_window, format_time};
use crate::error::KeyError;
use crate::signing::SigningPublic;
use crate::xwing::HybridPublic;

/// An agency's public card: its agency id, its X25519 (receiving) and
/// Ed25519 (signing) public keys, optionally an X-Wing (post-quantum
/// receiving) public key and an ML-DSA-65 (post-quantum signing) public
/// key, their key ids, and a validity window.
///
/// A card with an ML-DSA-65 key is the card of a hybrid signer: a reader
/// that trusts it accepts only layers signed with Ed25519 and ML-DSA-65
/// under its two keys, and refuses a layer signed with its Ed25519 key
/// alone (a downgrade).
#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    pub(super) agency_id: String,
    /// Checked when the card was made: on the curve, canonical, not of
    /// small order.
    pub(super) x25519: PublicKey,
    /// Checked when the card was made (both parts, see `xwing.rs`).
    pub(super) hybrid: Option<HybridPublic>,
    pub(super) ed25519: VerifyingKey,
    /// Only on a card with an X-Wing key (a version 2 card).
    pub(super) mldsa65: Option<SigningPublic>,
    /// Computed once: a key id is a hash of its key.
    pub(super) encryption_key_id: KeyId,
    pub(super) signing_key_id: KeyId,
    pub(super) not_before: OffsetDateTime,
    pub(super) not_after: OffsetDateTime,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("agency_id", &self.agency_id)
            .field("x25519_key_id", &self.encryption_key_id())
            .field("xwing_key_id", &self.post_quantum_key_id())
            .field("ed25519_key_id", &self.signing_key_id())
            .field("mldsa65_key_id", &self.post_quantum_signing_key_id())
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
            mldsa65: None,
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

    /// The card with an ML-DSA-65 (post-quantum signing, FIPS 204) public
    /// key added, or replaced: 1952 bytes. The card must have an X-Wing
    /// key (a card with post-quantum keys is of version 2 and has both
    /// receiving keys).
    ///
    /// # Errors
    ///
    /// [`KeyError::Field`] at `/mldsa65_public` if the key has another
    /// length or the card has no X-Wing key.
    pub fn with_post_quantum_signing_key(
        mut self,
        mldsa65_public: &[u8],
    ) -> Result<Card, KeyError> {
        let field = |problem| KeyError::Field {
            what: "card",
            pointer: "/mldsa65_public",
            problem,
        };
        if self.hybrid.is_none() {
            return Err(field(
                "a card with an ML-DSA-65 key must have an X-Wing key: add the X-Wing key first"
                    .to_owned(),
            ));
        }
        self.mldsa65 = Some(SigningPublic::from_bytes(mldsa65_public).map_err(field)?);
        Ok(self)
    }

    /// The ML-DSA-65 public key (1952 bytes), if the card has one.
    #[must_use]
    pub fn post_quantum_signing_public(&self) -> Option<&[u8]> {
        self.mldsa65.as_ref().map(|k| k.as_bytes().as_slice())
    }

    /// The key id of the ML-DSA-65 public key, if the card has one.
    #[must_use]
    pub fn post_quantum_signing_key_id(&self) -> Option<KeyId> {
        self.mldsa65.as_ref().map(SigningPublic::key_id)
    }

    /// Whether the card has an ML-DSA-65 key: its agency signs every layer
    /// with Ed25519 and ML-DSA-65, and a reader refuses a layer signed with
    /// its Ed25519 key alone.
    #[must_use]
    pub fn has_post_quantum_signing_key(&self) -> bool {
        self.mldsa65.is_some()
    }

    pub(crate) fn mldsa65(&self) -> Option<&SigningPublic> {
        self.mldsa65.as_ref()
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
            mldsa65_public: self.mldsa65.as_ref().map(|k| STANDARD.encode(k.as_bytes())),
            mldsa65_key_id: self.mldsa65.as_ref().map(|k| k.key_id().to_string()),
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
        check_signing_members(
            WHAT,
            file.version,
            file.mldsa65_public.is_some() || file.mldsa65_key_id.is_some(),
            "/mldsa65_public",
        )?;
        let signing_text = match (&file.mldsa65_public, &file.mldsa65_key_id) {
            (Some(text), Some(_)) => Some(text),
            (None, None) => None,
            (None, Some(_)) => return Err(missing_signing_member(WHAT, "/mldsa65_public")),
            (Some(_), None) => return Err(missing_signing_member(WHAT, "/mldsa65_key_id")),
        };
        let x = decode_key(WHAT, "/x25519_public", &file.x25519_public)?;
        let e = decode_key(WHAT, "/ed25519_public", &file.ed25519_public)?;
        let hybrid = hybrid_text
            .map(|text| decode_hybrid_public(WHAT, text))
            .transpose()?;
        let signing = signing_text
            .map(|text| decode_signing_public(WHAT, text))
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
        if let Some(signing) = signing {
            card = card
                .with_post_quantum_signing_key(&signing)
                .map_err(at_field)?;
        }
        let hybrid_ids = card
            .post_quantum_key_id()
            .zip(file.xwing_key_id.as_ref())
            .map(|(actual, given)| ("/xwing_key_id", given, actual));
        let signing_ids = card
            .post_quantum_signing_key_id()
            .zip(file.mldsa65_key_id.as_ref())
            .map(|(actual, given)| ("/mldsa65_key_id", given, actual));
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
        .chain(signing_ids)
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
    /// Version 2 only, and optional there: the ML-DSA-65 public key (1952
    /// bytes) of a hybrid signer.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    mldsa65_public: Option<String>,
    /// With `mldsa65_public` only: its key id.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    mldsa65_key_id: Option<String>,
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
    use crate::keys::Identity;
    use time::macros::datetime;

    fn identity() -> Identity {
        Identity::from_secret_bytes(
            "FR-DGSI",
            &[1; 32],
            &[2; 32],
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2028-01-01 0:00 UTC),
        )
        .unwrap()
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
}

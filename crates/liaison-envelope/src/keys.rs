//! Agency keys: the secret [`Identity`] and the public [`Card`], their key
//! ids, and their JSON file forms. The card lives in `keys/card.rs`, the
//! identity in `keys/identity.rs`, and the rules the two file forms share
//! (one spelling of every value, each refusal at its JSON pointer) in
//! `keys/file.rs`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::KeyError;

mod card;
mod file;
mod identity;

pub use card::Card;
pub(crate) use card::x25519_key_problem;
pub use identity::Identity;

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

#[cfg(test)]
mod tests {
    use super::*;
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

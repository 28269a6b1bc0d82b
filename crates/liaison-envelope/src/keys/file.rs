//! What the card and identity files share: their kinds, the strict JSON
//! shape (members once, `null` refused), one spelling of keys and times,
//! and every refusal named by its JSON pointer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::{Zeroize, Zeroizing};

use super::{check_agency_id, check_window};
use crate::error::KeyError;
use crate::format::{MLDSA65_PUBLIC_KEY_LEN, XWING_PUBLIC_KEY_LEN};

pub(super) const IDENTITY_KIND: &str = "liaison-identity";
pub(super) const CARD_KIND: &str = "liaison-card";

/// An optional member that, when present, must hold a value (`null` is
/// refused as of the wrong type, like any other wrong type).
pub(super) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Base64 text of a secret key, wiped on drop.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub(super) struct SecretText(pub(super) String);

impl Drop for SecretText {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

pub(super) fn json_error(what: &'static str, e: &serde_json::Error) -> KeyError {
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

pub(super) fn check_kind(
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
pub(super) fn check_hybrid_members(
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

pub(super) fn missing_member(what: &'static str, pointer: &'static str) -> KeyError {
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
pub(super) fn decode_hybrid_public(what: &'static str, text: &str) -> Result<Vec<u8>, KeyError> {
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

/// The ML-DSA-65 members are optional in a version 2 file and absent from
/// a version 1 file.
pub(super) fn check_signing_members(
    what: &'static str,
    version: u32,
    present: bool,
    pointer: &'static str,
) -> Result<(), KeyError> {
    if version == 1 && present {
        return Err(KeyError::Field {
            what,
            pointer,
            problem: "a version 1 file has no ML-DSA-65 key: write version 2, with an X-Wing \
                      key, for a file with one"
                .to_owned(),
        });
    }
    Ok(())
}

/// One of the two ML-DSA-65 members of a card without the other.
pub(super) fn missing_signing_member(what: &'static str, pointer: &'static str) -> KeyError {
    KeyError::Field {
        what,
        pointer,
        problem: "missing: a card with an ML-DSA-65 key has both `mldsa65_public` and \
                  `mldsa65_key_id`"
            .to_owned(),
    }
}

/// The base64 of an ML-DSA-65 public key: 1952 bytes, standard base64 with
/// padding (2604 characters).
pub(super) fn decode_signing_public(what: &'static str, text: &str) -> Result<Vec<u8>, KeyError> {
    let bad = || KeyError::Field {
        what,
        pointer: "/mldsa65_public",
        problem: format!(
            "expected {MLDSA65_PUBLIC_KEY_LEN} bytes in standard base64 with padding (2604 characters)"
        ),
    };
    let bytes = STANDARD.decode(text).map_err(|_| bad())?;
    if bytes.len() != MLDSA65_PUBLIC_KEY_LEN {
        return Err(bad());
    }
    Ok(bytes)
}

pub(super) fn decode_key(
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

pub(super) fn parse_time(
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

/// The agency id and window checks of a key file, each reported at the
/// JSON pointer of its field.
pub(super) fn check_file_fields(
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

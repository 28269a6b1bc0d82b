//! Key kinds and the OPRF input: the one place where a kind and a value
//! become the bytes the holder's key is applied to.

use std::fmt;
use std::str::FromStr;

use crate::error::KeyError;

/// The longest key kind, in bytes.
pub const MAX_KIND_LEN: usize = 32;

/// The longest match key value, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;

/// What a match key is a key of: `travel-document`, `person-dob`,
/// `vehicle`, `ipv4`, ... This crate gives kinds no meaning; it keeps them
/// apart. Each kind has its own OPRF key (a query of one kind cannot be
/// answered against another kind's index) and is part of the OPRF input.
///
/// A kind is 1 to 32 bytes of lowercase ASCII letters, digits, `-` and
/// `.`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyKind(String);

impl KeyKind {
    /// Checks and wraps a kind.
    ///
    /// # Errors
    /// [`KeyError::Kind`] if `kind` is empty, longer than 32 bytes, does not
    /// start with a lowercase letter or holds a character other than
    /// lowercase letters, digits, `-` and `.`.
    pub fn new(kind: &str) -> Result<Self, KeyError> {
        let bad = |reason: &str| KeyError::Kind {
            kind: kind.escape_debug().to_string(),
            reason: reason.to_owned(),
        };
        if kind.is_empty() {
            return Err(bad("is empty"));
        }
        if kind.len() > MAX_KIND_LEN {
            return Err(bad("is longer than 32 bytes"));
        }
        if !kind.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(bad("must start with a lowercase letter"));
        }
        if !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(bad("may hold only lowercase letters, digits, `-` and `.`"));
        }
        Ok(KeyKind(kind.to_owned()))
    }

    /// The kind as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KeyKind {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyKind::new(s)
    }
}

/// Checks a match key value: 1 to [`MAX_VALUE_LEN`] bytes.
pub(crate) fn check_value(kind: &KeyKind, value: &[u8]) -> Result<(), KeyError> {
    if value.is_empty() {
        return Err(KeyError::Value {
            kind: kind.clone(),
            reason: "is empty".to_owned(),
        });
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(KeyError::Value {
            kind: kind.clone(),
            reason: format!(
                "is {} bytes, more than the {MAX_VALUE_LEN} allowed",
                value.len()
            ),
        });
    }
    Ok(())
}

/// The OPRF input for `value` of `kind`:
/// `len(kind) as 1 byte || kind || len(value) as 2 bytes || value`.
///
/// # Errors
/// [`KeyError::Value`] if the value is empty or too long.
pub(crate) fn oprf_input(kind: &KeyKind, value: &[u8]) -> Result<Vec<u8>, KeyError> {
    check_value(kind, value)?;
    let kind_bytes = kind.as_str().as_bytes();
    let (Ok(kind_len), Ok(value_len)) =
        (u8::try_from(kind_bytes.len()), u16::try_from(value.len()))
    else {
        return Err(KeyError::Value {
            kind: kind.clone(),
            reason: "is too long".to_owned(),
        });
    };
    let mut input = Vec::with_capacity(3 + kind_bytes.len() + value.len());
    input.push(kind_len);
    input.extend_from_slice(kind_bytes);
    input.extend_from_slice(&value_len.to_be_bytes());
    input.extend_from_slice(value);
    Ok(input)
}

/// The `info` string of the holder's per-kind key derivation (RFC 9497
/// DeriveKeyPair): `"liaison-match/1 kind " || kind`.
pub(crate) fn key_info(kind: &KeyKind) -> Vec<u8> {
    let mut info = b"liaison-match/1 kind ".to_vec();
    info.extend_from_slice(kind.as_str().as_bytes());
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_checked() {
        for good in ["vehicle", "person-dob", "ipv4", "cyber.sha256", "a"] {
            assert!(KeyKind::new(good).is_ok(), "{good}");
        }
        for bad in ["", "Vehicle", "1abc", "-x", "a b", "é", &"a".repeat(33)] {
            assert!(KeyKind::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_input_prefixes_kind_and_length() {
        let kind = KeyKind::new("vehicle").unwrap();
        let input = oprf_input(&kind, b"DE B-AB123").unwrap();
        let mut expected = vec![7u8];
        expected.extend_from_slice(b"vehicle");
        expected.extend_from_slice(&[0, 10]);
        expected.extend_from_slice(b"DE B-AB123");
        assert_eq!(input, expected);
        assert!(oprf_input(&kind, b"").is_err());
        assert!(oprf_input(&kind, &[0u8; MAX_VALUE_LEN]).is_ok());
        assert!(oprf_input(&kind, &[0u8; MAX_VALUE_LEN + 1]).is_err());
    }
}

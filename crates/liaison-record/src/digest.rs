//! SHA-256 digests, and the digest of a record's canonical form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

use crate::{ParseError, Record, canonicalize, canonicalize_value};

/// A SHA-256 digest. It is public data: displayed, parsed and serialized as
/// 64 lowercase hexadecimal digits.
///
/// ```
/// use liaison_record::{Digest, sha256};
///
/// let d = sha256(b"abc");
/// assert_eq!(
///     d.to_string(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// assert_eq!(d.to_string().parse::<Digest>()?, d);
/// # Ok::<(), liaison_record::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    /// Wraps 32 bytes of a SHA-256 digest.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for Digest {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

/// The SHA-256 digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> Digest {
    Digest(Sha256::digest(bytes).into())
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 64];
        // Encoding 32 bytes into 64 always fits.
        match hex::encode_to_slice(self.0, &mut buf) {
            Ok(()) => f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "a SHA-256 digest: 64 lowercase hexadecimal digits";
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ParseError::new(s, expected));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| ParseError::new(s, expected))?;
        Ok(Self(bytes))
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Record {
    /// The record's RFC 8785 canonical JSON form: the bytes that are hashed
    /// and signed.
    pub fn canonical_json(&self) -> Vec<u8> {
        // Serializing a record cannot fail: every map key is a string and
        // every value is plain data. The fast path writes the canonical form
        // straight from the typed record; what it does not handle (see
        // `canonical::ser`: in a record, only odd extension data) goes
        // through serde_json's output read back in one pass, and a record
        // nested deeper than the canonicalizer's depth limit through a
        // `Value`, which has no such limit. All three give the same bytes.
        if let Ok(canonical) = crate::canonical::to_canonical_vec(self) {
            return canonical;
        }
        if let Ok(bytes) = serde_json::to_vec(self)
            && let Ok(canonical) = canonicalize(&bytes)
        {
            return canonical;
        }
        match serde_json::to_value(self) {
            Ok(value) => canonicalize_value(&value),
            Err(_) => Vec::new(),
        }
    }

    /// The SHA-256 digest of [`Record::canonical_json`].
    pub fn digest(&self) -> Digest {
        sha256(&self.canonical_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_other_forms() {
        let d = sha256(b"");
        let text = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(d.to_string(), text);
        assert_eq!(text.parse::<Digest>().unwrap(), d);
        assert_eq!(format!("{d:?}"), format!("Digest({text})"));
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        for bad in [&text.to_uppercase(), &text[1..], &format!("{text}0"), "zz"] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Digest>("\"abc\"").is_err());
    }
}

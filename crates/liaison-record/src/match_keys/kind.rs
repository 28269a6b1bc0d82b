//! The kinds of match key: one closed list, shared by the key derivation
//! and by the agreements that say which kinds a partner may ask about.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a match key is a key of. Written in agreements and on the wire as
/// its kebab-case name (`travel-document`, `person-dob`, `sha256`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKeyKind {
    /// A travel document: issuing state, type letter and number.
    TravelDocument,
    /// A person: name as the zone writes it and full date of birth.
    PersonDob,
    /// A person: name as the zone writes it and year of birth.
    PersonYob,
    /// A vehicle: registration country and plate.
    Vehicle,
    /// An IPv4 address or block.
    Ipv4,
    /// An IPv6 address or block.
    Ipv6,
    /// A domain name.
    Domain,
    /// A URL.
    Url,
    /// An e-mail address.
    Email,
    /// A file's MD5 hash.
    Md5,
    /// A file's SHA-1 hash.
    Sha1,
    /// A file's SHA-256 hash.
    Sha256,
    /// A file's SHA-512 hash.
    Sha512,
}

impl MatchKeyKind {
    /// Every kind, in a fixed order.
    pub const ALL: [MatchKeyKind; 13] = [
        MatchKeyKind::TravelDocument,
        MatchKeyKind::PersonDob,
        MatchKeyKind::PersonYob,
        MatchKeyKind::Vehicle,
        MatchKeyKind::Ipv4,
        MatchKeyKind::Ipv6,
        MatchKeyKind::Domain,
        MatchKeyKind::Url,
        MatchKeyKind::Email,
        MatchKeyKind::Md5,
        MatchKeyKind::Sha1,
        MatchKeyKind::Sha256,
        MatchKeyKind::Sha512,
    ];

    /// The kind's name, as agreements and the protocol write it.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKeyKind::TravelDocument => "travel-document",
            MatchKeyKind::PersonDob => "person-dob",
            MatchKeyKind::PersonYob => "person-yob",
            MatchKeyKind::Vehicle => "vehicle",
            MatchKeyKind::Ipv4 => "ipv4",
            MatchKeyKind::Ipv6 => "ipv6",
            MatchKeyKind::Domain => "domain",
            MatchKeyKind::Url => "url",
            MatchKeyKind::Email => "email",
            MatchKeyKind::Md5 => "md5",
            MatchKeyKind::Sha1 => "sha1",
            MatchKeyKind::Sha256 => "sha256",
            MatchKeyKind::Sha512 => "sha512",
        }
    }
}

impl fmt::Display for MatchKeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a match key kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown match key kind `{0}`")]
pub struct UnknownMatchKeyKind(pub String);

impl FromStr for MatchKeyKind {
    type Err = UnknownMatchKeyKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MatchKeyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownMatchKeyKind(s.escape_debug().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for kind in MatchKeyKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<MatchKeyKind>(&json).unwrap(), kind);
            assert_eq!(kind.as_str().parse::<MatchKeyKind>().unwrap(), kind);
        }
        assert!("passport".parse::<MatchKeyKind>().is_err());
    }
}

//! Agency ids, parties (a country or an agency) and purposes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{CountryCode, ParseError};

mod class;
pub use class::{EU_MEMBER_STATES, PartyClass, SCHENGEN_ASSOCIATED_STATES};

/// An agency id: the ISO 3166-1 alpha-3 code (or ICAO special code) of the
/// agency's state, a hyphen, and an agency code of 2 to 16 uppercase letters
/// or digits, such as `NLD-KMAR` or `DEU-BPOL`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct AgencyId {
    text: String,
    country: CountryCode,
}

impl AgencyId {
    /// The agency id as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The state the agency belongs to.
    pub fn country(&self) -> CountryCode {
        self.country
    }

    /// The agency code after the hyphen.
    pub fn code(&self) -> &str {
        self.text.get(4..).unwrap_or_default()
    }
}

impl FromStr for AgencyId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "an agency id `CCC-CODE`: an ISO 3166-1 alpha-3 country, a hyphen and 2 to 16 uppercase letters or digits, such as `NLD-KMAR`";
        let (country, code) = s
            .split_once('-')
            .ok_or_else(|| ParseError::new(s, expected))?;
        let country = CountryCode::from_str(country).map_err(|_| ParseError::new(s, expected))?;
        let code_ok = (2..=16).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !code_ok {
            return Err(ParseError::new(s, expected));
        }
        Ok(Self {
            text: s.to_owned(),
            country,
        })
    }
}

impl TryFrom<String> for AgencyId {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for AgencyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<AgencyId> for String {
    fn from(id: AgencyId) -> Self {
        id.text
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A party a record may be released to: a whole country, one agency, or a
/// class of parties (`eu-member-state`, see [`PartyClass`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum Party {
    /// Every agency of a country (`DEU`).
    Country(CountryCode),
    /// One agency (`DEU-BPOL`).
    Agency(AgencyId),
    /// Every agency of a class (`eu-member-state`).
    Class(PartyClass),
}

impl Party {
    /// Whether `agency` is this party or belongs to it.
    pub fn includes(&self, agency: &AgencyId) -> bool {
        match self {
            Party::Country(c) => agency.country() == *c,
            Party::Agency(a) => a == agency,
            Party::Class(c) => c.includes(agency),
        }
    }

    /// Whether every agency that `other` includes, this party includes too.
    pub fn covers(&self, other: &Party) -> bool {
        match (self, other) {
            (Party::Country(c), Party::Country(d)) => c == d,
            (Party::Country(c), Party::Agency(a)) => a.country() == *c,
            (Party::Agency(a), Party::Agency(b)) => a == b,
            (Party::Class(c), Party::Class(d)) => c == d,
            (Party::Class(c), Party::Country(d)) => c.includes_country(*d),
            (Party::Class(c), Party::Agency(a)) => c.includes(a),
            (Party::Agency(_), Party::Country(_) | Party::Class(_))
            | (Party::Country(_), Party::Class(_)) => false,
        }
    }

    /// Whether the party names one agency (rather than a country or a class).
    pub fn is_agency(&self) -> bool {
        matches!(self, Party::Agency(_))
    }
}

impl FromStr for Party {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
            s.parse().map(Party::Class)
        } else if s.contains('-') {
            s.parse().map(Party::Agency)
        } else {
            s.parse().map(Party::Country).map_err(|_| {
                ParseError::new(
                    s,
                    "a country (ISO 3166-1 alpha-3, such as `DEU`), an agency id (such as `DEU-BPOL`) or a party class (such as `eu-member-state`)",
                )
            })
        }
    }
}

impl TryFrom<String> for Party {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for Party {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl From<Party> for String {
    fn from(p: Party) -> Self {
        p.to_string()
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Country(c) => c.fmt(f),
            Party::Agency(a) => a.fmt(f),
            Party::Class(c) => c.fmt(f),
        }
    }
}

/// A purpose a record may be used for, in lowercase kebab-case, such as
/// `border-control`, `counter-terrorism` or `criminal-investigation`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Purpose(String);

impl Purpose {
    /// The purpose as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Purpose {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                s,
                "a purpose in lowercase kebab-case, such as `border-control`",
            ))
        }
    }
}

impl TryFrom<String> for Purpose {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for Purpose {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<Purpose> for String {
    fn from(p: Purpose) -> Self {
        p.0
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

//! ISO 3166-1 country codes, with alpha-2 / alpha-3 conversion and the ICAO
//! Doc 9303 special codes.
//!
//! ```
//! use liaison_record::{CodeKind, CountryCode};
//!
//! let nld: CountryCode = "NLD".parse()?;
//! assert_eq!(nld.alpha2(), Some("NL"));
//! assert_eq!(CountryCode::from_alpha2("NL")?, nld);
//! assert_eq!(nld.name(), "Netherlands");
//!
//! let stateless: CountryCode = "XXA".parse()?;
//! assert_eq!(stateless.kind(), CodeKind::NationalityStatus);
//! assert_eq!(stateless.alpha2(), None);
//!
//! // Germany writes `D` in its machine-readable zones.
//! assert_eq!(CountryCode::from_mrz("D<<")?.as_str(), "DEU");
//! assert!("ZZZ".parse::<CountryCode>().is_err());
//! # Ok::<(), liaison_record::ParseError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

mod table;

/// An ISO 3166-1 alpha-3 country code, or one of the ICAO Doc 9303 codes for
/// documents not issued by a state (`XXA` stateless, `XPO` Interpol, `EUE`
/// the European Union, ...). Always one of the codes this crate knows: see
/// [`CodeKind`] for the kinds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CountryCode([u8; 3]);

/// What kind of code a [`CountryCode`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeKind {
    /// An ISO 3166-1 alpha-3 code of a country or territory.
    Iso3166,
    /// A British nationality other than British citizen, in ICAO Doc 9303
    /// (`GBD`, `GBN`, `GBO`, `GBP`, `GBS`).
    BritishNationality,
    /// The United Nations, its agencies, or UNMIK for residents of Kosovo
    /// (`UNO`, `UNA`, `UNK`).
    UnitedNations,
    /// A stateless person, refugee or unspecified nationality (`XXA`,
    /// `XXB`, `XXC`, `XXX`).
    NationalityStatus,
    /// An international organization issuing travel documents (`EUE`,
    /// `XPO`, `XOM`, `XCC`, `XCE`, `XDC`, `XEC`, `XES`, `XIM`, `XMP`, ...).
    Organization,
    /// A code outside ISO 3166-1 in use in travel documents: `RKS`, Kosovo.
    UserAssigned,
    /// `UTO`, the fictional state Utopia of the ICAO Doc 9303 specimens.
    Specimen,
}

/// The ICAO Doc 9303 (Part 3) codes that are not ISO 3166-1 codes, with
/// their kind and meaning, sorted by code.
static ICAO_CODES: [(&str, CodeKind, &str); 26] = [
    ("EUE", CodeKind::Organization, "European Union"),
    (
        "GBD",
        CodeKind::BritishNationality,
        "British Overseas Territories Citizen",
    ),
    (
        "GBN",
        CodeKind::BritishNationality,
        "British National (Overseas)",
    ),
    (
        "GBO",
        CodeKind::BritishNationality,
        "British Overseas Citizen",
    ),
    (
        "GBP",
        CodeKind::BritishNationality,
        "British Protected Person",
    ),
    ("GBS", CodeKind::BritishNationality, "British Subject"),
    ("RKS", CodeKind::UserAssigned, "Kosovo"),
    (
        "UNA",
        CodeKind::UnitedNations,
        "Specialized agency of the United Nations",
    ),
    (
        "UNK",
        CodeKind::UnitedNations,
        "Resident of Kosovo (document issued by UNMIK)",
    ),
    (
        "UNO",
        CodeKind::UnitedNations,
        "United Nations Organization",
    ),
    ("UTO", CodeKind::Specimen, "Utopia (ICAO specimen state)"),
    ("XBA", CodeKind::Organization, "African Development Bank"),
    ("XCC", CodeKind::Organization, "Caribbean Community"),
    ("XCE", CodeKind::Organization, "Council of Europe"),
    (
        "XCO",
        CodeKind::Organization,
        "Common Market for Eastern and Southern Africa",
    ),
    (
        "XDC",
        CodeKind::Organization,
        "Southern African Development Community",
    ),
    (
        "XEC",
        CodeKind::Organization,
        "Economic Community of West African States",
    ),
    (
        "XES",
        CodeKind::Organization,
        "Organisation of Eastern Caribbean States",
    ),
    ("XIM", CodeKind::Organization, "African Export-Import Bank"),
    (
        "XMP",
        CodeKind::Organization,
        "Parliamentary Assembly of the Mediterranean",
    ),
    (
        "XOM",
        CodeKind::Organization,
        "Sovereign Military Order of Malta",
    ),
    (
        "XPO",
        CodeKind::Organization,
        "International Criminal Police Organization (Interpol)",
    ),
    (
        "XXA",
        CodeKind::NationalityStatus,
        "Stateless person (1954 Convention)",
    ),
    (
        "XXB",
        CodeKind::NationalityStatus,
        "Refugee (1951 Convention)",
    ),
    (
        "XXC",
        CodeKind::NationalityStatus,
        "Refugee (other than 1951 Convention)",
    ),
    (
        "XXX",
        CodeKind::NationalityStatus,
        "Unspecified nationality",
    ),
];

impl CountryCode {
    /// The code as a string.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// What kind of code this is.
    pub fn kind(&self) -> CodeKind {
        if iso_entry(self.as_str()).is_some() {
            return CodeKind::Iso3166;
        }
        icao_entry(self.as_str()).map_or(CodeKind::Specimen, |(_, kind, _)| *kind)
    }

    /// Whether this is an ISO 3166-1 code (a state or territory).
    pub fn is_iso(&self) -> bool {
        self.kind() == CodeKind::Iso3166
    }

    /// The ISO 3166-1 alpha-2 code, for ISO codes.
    pub fn alpha2(&self) -> Option<&'static str> {
        iso_entry(self.as_str()).map(|(a2, _, _)| *a2)
    }

    /// The English short name (for ISO codes, the ISO 3166-1 short name).
    pub fn name(&self) -> &'static str {
        iso_entry(self.as_str())
            .map(|(_, _, name)| *name)
            .or_else(|| icao_entry(self.as_str()).map(|(_, _, name)| *name))
            .unwrap_or_default()
    }

    /// The code of an ISO 3166-1 alpha-2 code (`NL` gives `NLD`).
    ///
    /// # Errors
    ///
    /// When `alpha2` is not an assigned ISO 3166-1 alpha-2 code in uppercase.
    pub fn from_alpha2(alpha2: &str) -> Result<Self, ParseError> {
        table::ISO_3166_1
            .iter()
            .find(|(a2, _, _)| *a2 == alpha2)
            .and_then(|(_, a3, _)| Self::from_known(a3))
            .ok_or_else(|| {
                ParseError::new(
                    alpha2,
                    "an assigned ISO 3166-1 alpha-2 country code in uppercase, such as `DE`",
                )
            })
    }

    /// The code as written in a machine-readable zone: three characters,
    /// trailing `<` fillers allowed, where Germany's `D<<` stands for `DEU`.
    ///
    /// # Errors
    ///
    /// When the field is not a known code once its fillers are removed.
    pub fn from_mrz(field: &str) -> Result<Self, ParseError> {
        let code = field.trim_end_matches('<');
        if code == "D" {
            return Ok(Self(*b"DEU"));
        }
        code.parse().map_err(|_| {
            ParseError::new(
                field,
                "an ICAO Doc 9303 state or organization code, such as `NLD`, `D<<` or `XXA`",
            )
        })
    }

    /// The code as written in a machine-readable zone: `D<<` for Germany,
    /// the three letters otherwise.
    pub fn to_mrz(&self) -> &str {
        if &self.0 == b"DEU" {
            "D<<"
        } else {
            self.as_str()
        }
    }

    /// Every ISO 3166-1 code, in alphabetical order of the alpha-3 code.
    pub fn iso_codes() -> impl Iterator<Item = CountryCode> {
        table::ISO_3166_1
            .iter()
            .filter_map(|(_, a3, _)| Self::from_known(a3))
    }

    /// Every code that is not an ISO 3166-1 code, in alphabetical order.
    pub fn icao_special_codes() -> impl Iterator<Item = CountryCode> {
        ICAO_CODES
            .iter()
            .filter_map(|(code, _, _)| Self::from_known(code))
    }

    fn from_known(code: &str) -> Option<Self> {
        match code.as_bytes() {
            &[a, b, c] => Some(Self([a, b, c])),
            _ => None,
        }
    }
}

fn iso_entry(alpha3: &str) -> Option<&'static table::Entry> {
    table::ISO_3166_1
        .binary_search_by(|(_, a3, _)| (*a3).cmp(alpha3))
        .ok()
        .and_then(|i| table::ISO_3166_1.get(i))
}

fn icao_entry(code: &str) -> Option<&'static (&'static str, CodeKind, &'static str)> {
    ICAO_CODES
        .binary_search_by(|(c, _, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| ICAO_CODES.get(i))
}

impl FromStr for CountryCode {
    type Err = ParseError;

    /// Accepts an ISO 3166-1 alpha-3 code or an ICAO Doc 9303 special code,
    /// in uppercase.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if (iso_entry(s).is_some() || icao_entry(s).is_some())
            && let Some(code) = Self::from_known(s)
        {
            return Ok(code);
        }
        Err(ParseError::new(
            s,
            "an ISO 3166-1 alpha-3 country code or ICAO Doc 9303 code in uppercase, such as `DEU` or `XXA`",
        ))
    }
}

impl TryFrom<String> for CountryCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> Self {
        c.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_disjoint() {
        assert!(table::ISO_3166_1.windows(2).all(|w| w[0].1 < w[1].1));
        assert!(ICAO_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        for (code, _, _) in &ICAO_CODES {
            assert!(iso_entry(code).is_none(), "{code} is in both tables");
        }
        let mut alpha2: Vec<_> = table::ISO_3166_1.iter().map(|e| e.0).collect();
        alpha2.sort_unstable();
        alpha2.dedup();
        assert_eq!(alpha2.len(), table::ISO_3166_1.len());
    }
}

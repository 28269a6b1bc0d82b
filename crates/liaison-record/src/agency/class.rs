//! Party classes: the groups of states and organizations that transfer rules
//! name (Directive (EU) 2016/680 chapter V, the Europol Regulation).

use std::fmt;
use std::str::FromStr;

use crate::{AgencyId, CodeKind, CountryCode, ParseError};

/// A class of parties, written in kebab-case where a party is expected
/// (`eu-member-state`). The classes do not overlap: every agency belongs to
/// at most one, decided by its state code alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartyClass {
    /// An agency of one of the 27 member states of the European Union.
    EuMemberState,
    /// An agency of a state associated with the Schengen acquis that is not
    /// an EU member state: Iceland, Liechtenstein, Norway, Switzerland.
    SchengenAssociated,
    /// An agency of the European Union itself (Europol, Frontex, Eurojust,
    /// ...): agency ids with the ICAO code `EUE` (`EUE-EUROPOL`).
    EuAgency,
    /// An international organization other than the EU: Interpol (`XPO`),
    /// the United Nations (`UNO`, `UNA`) and the other ICAO organization
    /// codes.
    InternationalOrganization,
    /// An agency of any other state: an ISO 3166-1 country (or Kosovo,
    /// `RKS`) that is neither an EU member state nor Schengen associated.
    ThirdCountry,
}

/// The EU member states, as ISO 3166-1 alpha-3 codes, sorted.
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GRC", "HRV",
    "HUN", "IRL", "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN",
    "SWE",
];

/// The Schengen associated states that are not EU member states, sorted.
pub const SCHENGEN_ASSOCIATED_STATES: [&str; 4] = ["CHE", "ISL", "LIE", "NOR"];

impl PartyClass {
    /// Every class, in a fixed order.
    pub const ALL: [PartyClass; 5] = [
        PartyClass::EuMemberState,
        PartyClass::SchengenAssociated,
        PartyClass::EuAgency,
        PartyClass::InternationalOrganization,
        PartyClass::ThirdCountry,
    ];

    /// The name as written (`eu-member-state`).
    pub fn as_str(self) -> &'static str {
        match self {
            PartyClass::EuMemberState => "eu-member-state",
            PartyClass::SchengenAssociated => "schengen-associated",
            PartyClass::EuAgency => "eu-agency",
            PartyClass::InternationalOrganization => "international-organization",
            PartyClass::ThirdCountry => "third-country",
        }
    }

    /// The class of the agencies of `country`; `None` for the codes of a
    /// nationality status (`XXA` stateless, ...) and the specimen state
    /// `UTO`, which belong to no class.
    pub fn of_country(country: CountryCode) -> Option<PartyClass> {
        let code = country.as_str();
        if EU_MEMBER_STATES.contains(&code) {
            return Some(PartyClass::EuMemberState);
        }
        if SCHENGEN_ASSOCIATED_STATES.contains(&code) {
            return Some(PartyClass::SchengenAssociated);
        }
        match country.kind() {
            CodeKind::Organization if code == "EUE" => Some(PartyClass::EuAgency),
            CodeKind::Organization | CodeKind::UnitedNations => {
                Some(PartyClass::InternationalOrganization)
            }
            CodeKind::Iso3166 | CodeKind::BritishNationality | CodeKind::UserAssigned => {
                Some(PartyClass::ThirdCountry)
            }
            _ => None,
        }
    }

    /// The class of `agency`.
    pub fn of(agency: &AgencyId) -> Option<PartyClass> {
        PartyClass::of_country(agency.country())
    }

    /// Whether `agency` belongs to the class.
    pub fn includes(self, agency: &AgencyId) -> bool {
        PartyClass::of(agency) == Some(self)
    }

    /// Whether every agency of `country` belongs to the class.
    pub fn includes_country(self, country: CountryCode) -> bool {
        PartyClass::of_country(country) == Some(self)
    }
}

impl FromStr for PartyClass {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartyClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(
                    s,
                    "a party class: `eu-member-state`, `schengen-associated`, `eu-agency`, `international-organization` or `third-country`",
                )
            })
    }
}

impl fmt::Display for PartyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(id: &str) -> Option<PartyClass> {
        PartyClass::of(&id.parse().unwrap())
    }

    #[test]
    fn every_agency_has_at_most_one_class() {
        assert_eq!(class("DEU-BPOL"), Some(PartyClass::EuMemberState));
        assert_eq!(class("NOR-POD"), Some(PartyClass::SchengenAssociated));
        assert_eq!(class("EUE-EUROPOL"), Some(PartyClass::EuAgency));
        assert_eq!(
            class("XPO-INTERPOL"),
            Some(PartyClass::InternationalOrganization)
        );
        assert_eq!(
            class("UNO-UNODC"),
            Some(PartyClass::InternationalOrganization)
        );
        assert_eq!(class("USA-CBP"), Some(PartyClass::ThirdCountry));
        assert_eq!(class("GBR-NCA"), Some(PartyClass::ThirdCountry));
        assert_eq!(class("RKS-KP"), Some(PartyClass::ThirdCountry));
        assert_eq!(class("XXA-AB"), None);
        for c in PartyClass::ALL {
            assert_eq!(c.as_str().parse::<PartyClass>().unwrap(), c);
        }
        let mut sorted = EU_MEMBER_STATES;
        sorted.sort_unstable();
        assert_eq!(sorted, EU_MEMBER_STATES);
        for code in EU_MEMBER_STATES.iter().chain(&SCHENGEN_ASSOCIATED_STATES) {
            assert!(code.parse::<CountryCode>().unwrap().is_iso());
        }
    }
}

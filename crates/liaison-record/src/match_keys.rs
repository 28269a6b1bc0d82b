//! Normalized match keys: the byte strings two agencies must both derive
//! from the same document, person, vehicle or indicator for a hit/no-hit
//! match to find it, whichever way each wrote it down. The rules are in
//! `docs/record.md` ("Match keys"), with vectors in
//! `tests/data/match-keys.json`.
//!
//! ```
//! use liaison_record::{Entity, match_keys::match_keys};
//!
//! let entity: Entity = serde_json::from_str(r#"{
//!   "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
//!   "document_type": "passport", "issuing_state": "NLD", "number": "SPECI 2014",
//!   "status": "stolen" }"#)?;
//! let keys = match_keys(&entity);
//! assert_eq!(keys[0].kind.as_str(), "travel-document");
//! assert_eq!(keys[0].value, "NLD|P|5PEC12014");
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! Biometric entities give no match key: matching biometric samples is a
//! comparison of similarity, not of equal keys, and is out of scope.

use serde::Serialize;
use uuid::Uuid;

use crate::{
    Conveyance, ConveyanceType, DocumentType, Entity, PartialDate, Person, Record, TravelDocument,
};

mod indicator;
mod kind;
mod translit;

pub use kind::{MatchKeyKind, UnknownMatchKeyKind};

use translit::{Variant, has_variants, name_part};

/// One normalized match key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct MatchKey {
    /// The key kind.
    pub kind: MatchKeyKind,
    /// The normalized value (UTF-8; ASCII but for non-ASCII domain names,
    /// URLs and e-mail addresses).
    pub value: String,
}

impl MatchKey {
    fn new(kind: MatchKeyKind, value: String) -> Self {
        MatchKey { kind, value }
    }
}

/// The match keys of one entity, sorted, without duplicates. Entities of
/// the other kinds, and values that are not of their type's form, give
/// none.
pub fn match_keys(entity: &Entity) -> Vec<MatchKey> {
    let mut keys = match entity {
        Entity::TravelDocument(d) => travel_document_keys(d),
        Entity::Person(p) => person_keys(p),
        Entity::Conveyance(c) => conveyance_keys(c),
        Entity::Indicator(i) => indicator::key(i.indicator_type, &i.value)
            .map(|(kind, value)| MatchKey::new(kind, value))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    keys.sort();
    keys.dedup();
    keys
}

/// The match keys of every entity of a record, each with its entity's id,
/// in the order of the entities.
pub fn record_match_keys(record: &Record) -> Vec<(Uuid, MatchKey)> {
    record
        .entities
        .iter()
        .flat_map(|e| match_keys(e).into_iter().map(move |k| (e.id(), k)))
        .collect()
}

/// The letter a document type is written with in its key.
fn document_letter(t: DocumentType) -> char {
    match t {
        DocumentType::Passport => 'P',
        DocumentType::IdentityCard => 'I',
        DocumentType::Visa => 'V',
        DocumentType::ResidencePermit => 'R',
        DocumentType::RefugeeTravelDocument => 'T',
        DocumentType::Other => 'O',
    }
}

/// A document number with the zone's filler and the usual letter and digit
/// confusions folded: uppercase; `<`, spaces, `-`, `.` and `/` removed;
/// `O` and `Q` as `0`, `I` and `L` as `1`, `Z` as `2`, `S` as `5`, `B` as
/// `8`. `None` if anything but letters and digits is left, or nothing.
pub fn document_number(number: &str) -> Option<String> {
    let mut out = String::with_capacity(number.len());
    for c in number.chars() {
        let c = c.to_ascii_uppercase();
        match c {
            '<' | ' ' | '-' | '.' | '/' => {}
            'O' | 'Q' => out.push('0'),
            'I' | 'L' => out.push('1'),
            'Z' => out.push('2'),
            'S' => out.push('5'),
            'B' => out.push('8'),
            'A'..='Z' | '0'..='9' => out.push(c),
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `travel-document`: `issuing state | type letter | number`.
fn travel_document_keys(d: &TravelDocument) -> Vec<MatchKey> {
    document_number(&d.number)
        .map(|n| {
            MatchKey::new(
                MatchKeyKind::TravelDocument,
                format!(
                    "{}|{}|{n}",
                    d.issuing_state.as_str(),
                    document_letter(d.document_type)
                ),
            )
        })
        .into_iter()
        .collect()
}

/// The name field of the zone for one name form: `PRIMARY<<SECONDARY`.
fn name_key(given: Option<&str>, family: Option<&str>, variant: Variant) -> Option<String> {
    let given = name_part(given.unwrap_or(""), variant)?;
    let family = name_part(family.unwrap_or(""), variant)?;
    match (family.is_empty(), given.is_empty()) {
        (true, true) => None,
        (true, false) => Some(format!("{given}<<")),
        (false, _) => Some(format!("{family}<<{given}")),
    }
}

/// `person-dob` (`NAME|YYYY-MM-DD`, full dates only) and `person-yob`
/// (`NAME|YYYY`) for each written form of the name; nothing without a date
/// of birth.
fn person_keys(p: &Person) -> Vec<MatchKey> {
    let Some(born) = p.date_of_birth else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for name in &p.names {
        let (given, family) = (name.given.as_deref(), name.family.as_deref());
        let mut variants = vec![Variant::Digraph];
        if [given, family].iter().flatten().any(|s| has_variants(s)) {
            variants.push(Variant::Single);
        }
        for variant in variants {
            if let Some(n) = name_key(given, family, variant) {
                keys.extend(person_date_keys(&n, born));
            }
        }
    }
    keys
}

fn person_date_keys(name: &str, born: PartialDate) -> Vec<MatchKey> {
    let mut keys = vec![MatchKey::new(
        MatchKeyKind::PersonYob,
        format!("{name}|{:04}", born.year()),
    )];
    if let (Some(m), Some(d)) = (born.month(), born.day()) {
        keys.push(MatchKey::new(
            MatchKeyKind::PersonDob,
            format!("{name}|{:04}-{m:02}-{d:02}", born.year()),
        ));
    }
    keys
}

/// A registration plate: uppercase, Cyrillic letters that look like Latin
/// ones written as those, `Ä`, `Ö`, `Ü` as `A`, `O`, `U`; spaces, `-`,
/// `.`, `·` and `<` removed. `None` if anything but letters and digits is
/// left, or nothing.
pub fn plate(plate: &str) -> Option<String> {
    let mut out = String::with_capacity(plate.len());
    for c in plate.chars().flat_map(char::to_uppercase) {
        let latin = match c {
            ' ' | '-' | '.' | '·' | '<' => continue,
            'А' => 'A',
            'В' => 'B',
            'Е' => 'E',
            'К' => 'K',
            'М' => 'M',
            'Н' => 'H',
            'О' => 'O',
            'Р' => 'P',
            'С' => 'C',
            'Т' => 'T',
            'У' => 'Y',
            'Х' => 'X',
            'І' => 'I',
            'Ä' => 'A',
            'Ö' => 'O',
            'Ü' => 'U',
            'A'..='Z' | '0'..='9' => c,
            _ => return None,
        };
        out.push(latin);
    }
    (!out.is_empty()).then_some(out)
}

/// `vehicle`: `registration state | plate`, for road vehicles with a state
/// of registration.
fn conveyance_keys(c: &Conveyance) -> Vec<MatchKey> {
    match (c.conveyance_type, c.registration_state) {
        (ConveyanceType::Vehicle, Some(state)) => plate(&c.identifier)
            .map(|p| MatchKey::new(MatchKeyKind::Vehicle, format!("{}|{p}", state.as_str())))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_plates_fold_what_is_confused() {
        assert_eq!(document_number("L898902C3").as_deref(), Some("1898902C3"));
        assert_eq!(document_number("l8989o2c3").as_deref(), Some("1898902C3"));
        assert_eq!(document_number("AB 12-34<<").as_deref(), Some("A81234"));
        assert_eq!(document_number("<<<"), None);
        assert_eq!(document_number("AB#1"), None);
        assert_eq!(plate("b-ab 123").as_deref(), Some("BAB123"));
        assert_eq!(plate("А123ВС").as_deref(), Some("A123BC"));
        assert_eq!(plate("MÜ-X 1").as_deref(), Some("MUX1"));
        assert_eq!(plate("?"), None);
    }

    #[test]
    fn names_without_a_family_name_are_primary() {
        assert_eq!(
            name_key(Some("Madonna"), None, Variant::Digraph).as_deref(),
            Some("MADONNA<<")
        );
        assert_eq!(
            name_key(Some("Anna Maria"), Some("Eriksson"), Variant::Digraph).as_deref(),
            Some("ERIKSSON<<ANNA<MARIA")
        );
        assert_eq!(name_key(None, None, Variant::Digraph), None);
    }
}

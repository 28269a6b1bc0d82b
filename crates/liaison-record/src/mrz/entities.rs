//! The travel document and holder a machine-readable zone describes, as
//! record entities with deterministic ids.

use std::collections::BTreeMap;

use super::Mrz;
use crate::ids::{document_holder_id, travel_document_id};
use crate::{DocumentStatus, Person, PersonName, TravelDocument};

impl Mrz {
    /// The travel document, with its id from [`travel_document_id`], the
    /// zone's lines, and status [`DocumentStatus::Unknown`] (a zone says
    /// nothing of loss or theft).
    pub fn travel_document(&self) -> TravelDocument {
        let document_type = self.document_type();
        TravelDocument {
            id: travel_document_id(self.issuing_state, document_type, &self.document_number),
            document_type,
            issuing_state: self.issuing_state,
            number: self.document_number.clone(),
            issued_on: None,
            expires_on: self.expiry_date,
            status: DocumentStatus::Unknown,
            mrz: self.lines.clone(),
            extensions: BTreeMap::new(),
        }
    }

    /// The holder, with the id from [`document_holder_id`], the name as the
    /// zone writes it (Latin script, ICAO Doc 9303 transliteration), date
    /// of birth, sex and nationality.
    pub fn holder(&self) -> Person {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Person {
            id: document_holder_id(
                self.issuing_state,
                self.document_type(),
                &self.document_number,
            ),
            names: vec![PersonName {
                given: non_empty(&self.secondary_identifier),
                family: non_empty(&self.primary_identifier),
                script: Some("Latn".to_owned()),
                transliteration: Some("icao-9303".to_owned()),
            }],
            aliases: Vec::new(),
            date_of_birth: self.birth_date,
            sex: Some(self.sex),
            nationalities: vec![self.nationality],
            place_of_birth: None,
            data_subject: None,
            special_categories: Vec::new(),
            extensions: BTreeMap::new(),
        }
    }
}

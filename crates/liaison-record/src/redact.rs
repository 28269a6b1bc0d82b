//! Withholding fields: the mechanics the policy engine redacts with.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::fields::PERSON_FIELDS;
use crate::{Entity, FieldClass, Namespace, Record};

/// Why fields could not be withheld.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WithholdError {
    /// The pointer is not one that [`Record::classified_fields`] lists for
    /// this record.
    #[error(
        "`{pointer}` is not a field of this record that can be withheld: expected a pointer listed by `classified_fields`"
    )]
    NotClassified {
        /// The pointer as given.
        pointer: String,
    },
    /// The pointer names a member its unit cannot be valid without.
    #[error(
        "`{pointer}` is required in `{unit}` and cannot be withheld on its own: withhold `{unit}` instead"
    )]
    Required {
        /// The pointer as given.
        pointer: String,
        /// The unit the member belongs to.
        unit: String,
    },
    /// The pointer names a control field, which travels with every copy.
    #[error(
        "`{pointer}` is a control field (ids, versions, timestamps, marking, provenance) and is never withheld: release the record or refuse it"
    )]
    Control {
        /// The pointer as given.
        pointer: String,
    },
}

/// What to remove, by index in the original record.
#[derive(Default)]
struct Plan {
    entities: BTreeSet<usize>,
    person_fields: BTreeMap<usize, BTreeSet<&'static str>>,
    entity_extensions: BTreeMap<usize, BTreeSet<String>>,
    relationships: BTreeSet<usize>,
    relationship_descriptions: BTreeSet<usize>,
    entity_parts: BTreeMap<usize, BTreeSet<String>>,
    source_parts: BTreeSet<String>,
    assessment_parts: BTreeSet<String>,
    extensions: BTreeSet<String>,
    assessment: bool,
    narrative: bool,
    source: bool,
}

impl Record {
    /// Gives the entity with id `old` the id `new`, in the entity itself,
    /// in the relationships and in encounters' locations. Used when an id
    /// would tell what the copy withholds (an id derived from a withheld
    /// document number). Returns whether such an entity exists.
    pub fn reidentify(&mut self, old: Uuid, new: Uuid) -> bool {
        let mut found = false;
        for e in &mut self.entities {
            let id = e.id_mut();
            if *id == old {
                *id = new;
                found = true;
            }
            if let Entity::Encounter(x) = e
                && x.location == Some(old)
            {
                x.location = Some(new);
            }
        }
        for r in &mut self.relationships {
            if r.source == old {
                r.source = new;
            }
            if r.target == old {
                r.target = new;
            }
        }
        found
    }

    /// A copy of the record without the fields at `pointers`.
    ///
    /// Each pointer must be one that [`Record::classified_fields`] lists with
    /// a class other than [`FieldClass::Control`], or an optional member
    /// that [`Record::parts`] lists. Relationships that lose
    /// their source or target entity are dropped too, and an encounter's
    /// `location` is cleared when that location is withheld, so that a valid
    /// record stays valid.
    ///
    /// # Errors
    ///
    /// [`WithholdError::NotClassified`] for a pointer the record does not
    /// list, [`WithholdError::Control`] for a control field,
    /// [`WithholdError::Required`] for a required member of a unit. Nothing
    /// is withheld then.
    pub fn withhold(&self, pointers: &[&str]) -> Result<Record, WithholdError> {
        if pointers.is_empty() {
            return Ok(self.clone());
        }
        let listed: BTreeMap<String, FieldClass> = self
            .classified_fields()
            .into_iter()
            .map(|f| (f.pointer, f.class))
            .collect();
        let parts: BTreeMap<String, (String, bool)> = self
            .parts()
            .into_iter()
            .map(|p| (p.pointer, (p.unit, p.required)))
            .collect();
        let mut plan = Plan::default();
        for &pointer in pointers {
            if let Some((unit, required)) = parts.get(pointer) {
                if *required {
                    return Err(WithholdError::Required {
                        pointer: pointer.to_owned(),
                        unit: unit.clone(),
                    });
                }
                if !plan.add_part(pointer) {
                    return Err(WithholdError::NotClassified {
                        pointer: pointer.to_owned(),
                    });
                }
                continue;
            }
            match listed.get(pointer) {
                None => {
                    return Err(WithholdError::NotClassified {
                        pointer: pointer.to_owned(),
                    });
                }
                Some(FieldClass::Control) => {
                    return Err(WithholdError::Control {
                        pointer: pointer.to_owned(),
                    });
                }
                Some(_) => {}
            }
            if !plan.add(pointer) {
                return Err(WithholdError::NotClassified {
                    pointer: pointer.to_owned(),
                });
            }
        }
        Ok(plan.apply(self))
    }
}

/// RFC 6901 unescaping of one segment.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

impl Plan {
    /// Adds an optional member of a unit; false if its form is unexpected.
    fn add_part(&mut self, pointer: &str) -> bool {
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        match segments.as_slice() {
            ["assessment", m] => {
                self.assessment_parts.insert((*m).to_owned());
            }
            ["source", m] => {
                self.source_parts.insert((*m).to_owned());
            }
            ["relationships", i, "description"] => match i.parse() {
                Ok(i) => {
                    self.relationship_descriptions.insert(i);
                }
                Err(_) => return false,
            },
            ["entities", i, m] => match i.parse() {
                Ok(i) => {
                    self.entity_parts
                        .entry(i)
                        .or_default()
                        .insert((*m).to_owned());
                }
                Err(_) => return false,
            },
            _ => return false,
        }
        true
    }

    /// Adds a listed, non-control pointer; false if its form is unexpected.
    fn add(&mut self, pointer: &str) -> bool {
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        match segments.as_slice() {
            ["assessment"] => self.assessment = true,
            ["narrative"] => self.narrative = true,
            ["source"] => self.source = true,
            ["extensions", ns] => {
                self.extensions.insert(unescape(ns));
            }
            ["relationships", i] => match i.parse() {
                Ok(i) => {
                    self.relationships.insert(i);
                }
                Err(_) => return false,
            },
            ["entities", i] => match i.parse() {
                Ok(i) => {
                    self.entities.insert(i);
                }
                Err(_) => return false,
            },
            ["entities", i, "extensions", ns] => match i.parse() {
                Ok(i) => {
                    self.entity_extensions
                        .entry(i)
                        .or_default()
                        .insert(unescape(ns));
                }
                Err(_) => return false,
            },
            ["entities", i, field] => match (i.parse(), PERSON_FIELDS.iter().find(|f| *f == field))
            {
                (Ok(i), Some(field)) => {
                    self.person_fields.entry(i).or_default().insert(field);
                }
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    fn apply(&self, record: &Record) -> Record {
        let mut r = record.clone();
        if self.assessment {
            r.assessment = crate::Assessment::default();
        }
        if self.narrative {
            r.narrative.clear();
        }
        if self.source {
            r.source = None;
        }
        for m in &self.assessment_parts {
            match m.as_str() {
                "source_reliability" => r.assessment.source_reliability = None,
                "information_credibility" => r.assessment.information_credibility = None,
                "confidence" => r.assessment.confidence = None,
                _ => {}
            }
        }
        if let Some(s) = r.source.as_mut() {
            for m in &self.source_parts {
                match m.as_str() {
                    "reference" => s.reference = None,
                    "agency" => s.agency = None,
                    "description" => s.description = None,
                    "consents" => s.consents.clear(),
                    _ => {}
                }
            }
        }
        for (i, rel) in r.relationships.iter_mut().enumerate() {
            if self.relationship_descriptions.contains(&i) {
                rel.description = None;
            }
        }
        for (i, entity) in r.entities.iter_mut().enumerate() {
            if let Some(members) = self.entity_parts.get(&i) {
                for m in members {
                    clear_member(entity, m);
                }
            }
        }
        r.extensions
            .retain(|ns: &Namespace, _| !self.extensions.contains(ns.as_str()));
        for (i, entity) in r.entities.iter_mut().enumerate() {
            if let Some(names) = self.entity_extensions.get(&i) {
                entity
                    .extensions_mut()
                    .retain(|ns, _| !names.contains(ns.as_str()));
            }
            if let (Some(fields), Entity::Person(p)) = (self.person_fields.get(&i), entity) {
                for field in fields {
                    match *field {
                        "names" => p.names.clear(),
                        "aliases" => p.aliases.clear(),
                        "date_of_birth" => p.date_of_birth = None,
                        "sex" => p.sex = None,
                        "nationalities" => p.nationalities.clear(),
                        "place_of_birth" => p.place_of_birth = None,
                        "data_subject" => p.data_subject = None,
                        "special_categories" => p.special_categories.clear(),
                        _ => {}
                    }
                }
            }
        }
        let mut removed: BTreeSet<Uuid> = BTreeSet::new();
        let mut index = 0;
        r.entities.retain(|e| {
            let keep = !self.entities.contains(&index);
            if !keep {
                removed.insert(e.id());
            }
            index += 1;
            keep
        });
        // An id still held by a remaining entity (a duplicate) is not gone.
        for e in &r.entities {
            removed.remove(&e.id());
        }
        let mut index = 0;
        r.relationships.retain(|rel| {
            let keep = !self.relationships.contains(&index)
                && !removed.contains(&rel.source)
                && !removed.contains(&rel.target);
            index += 1;
            keep
        });
        for e in &mut r.entities {
            if let Entity::Encounter(enc) = e
                && enc.location.is_some_and(|l| removed.contains(&l))
            {
                enc.location = None;
            }
        }
        r
    }
}

/// Removes an optional member of an entity (a required one is left as it is:
/// `withhold` refuses those before planning).
fn clear_member(entity: &mut Entity, member: &str) {
    match (entity, member) {
        (Entity::Organization(o), "aliases") => o.aliases.clear(),
        (Entity::Organization(o), "country") => o.country = None,
        (Entity::Organization(o), "agency") => o.agency = None,
        (Entity::Organization(o), "description") => o.description = None,
        (Entity::TravelDocument(d), "issued_on") => d.issued_on = None,
        (Entity::TravelDocument(d), "expires_on") => d.expires_on = None,
        (Entity::TravelDocument(d), "mrz") => d.mrz.clear(),
        (Entity::Conveyance(c), "name") => c.name = None,
        (Entity::Conveyance(c), "registration_state") => c.registration_state = None,
        (Entity::Conveyance(c), "description") => c.description = None,
        (Entity::Location(l), "name") => l.name = None,
        (Entity::Location(l), "country") => l.country = None,
        (Entity::Location(l), "locode") => l.locode = None,
        (Entity::Location(l), "latitude" | "longitude") => {
            // The two go together: a point without one is no point.
            l.latitude = None;
            l.longitude = None;
        }
        (Entity::Encounter(e), "location") => e.location = None,
        (Entity::Encounter(e), "outcome") => e.outcome = None,
        (Entity::Alert(a), "reference") => a.reference = None,
        (Entity::Alert(a), "valid_until") => a.valid_until = None,
        (Entity::Indicator(i), "description") => i.description = None,
        (Entity::Indicator(i), "valid_from") => i.valid_from = None,
        (Entity::Indicator(i), "valid_until") => i.valid_until = None,
        (Entity::Threat(t), "aliases") => t.aliases.clear(),
        (Entity::Threat(t), "description") => t.description = None,
        (Entity::Threat(t), "first_seen") => t.first_seen = None,
        (Entity::Threat(t), "last_seen") => t.last_seen = None,
        _ => {}
    }
}

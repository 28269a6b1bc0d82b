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
    extensions: BTreeSet<String>,
    assessment: bool,
    narrative: bool,
    source: bool,
}

impl Record {
    /// A copy of the record without the fields at `pointers`.
    ///
    /// Each pointer must be one that [`Record::classified_fields`] lists with
    /// a class other than [`FieldClass::Control`]. Relationships that lose
    /// their source or target entity are dropped too, and an encounter's
    /// `location` is cleared when that location is withheld, so that a valid
    /// record stays valid.
    ///
    /// # Errors
    ///
    /// [`WithholdError::NotClassified`] for a pointer the record does not
    /// list, [`WithholdError::Control`] for a control field. Nothing is
    /// withheld then.
    pub fn withhold(&self, pointers: &[&str]) -> Result<Record, WithholdError> {
        let listed: BTreeMap<String, FieldClass> = self
            .classified_fields()
            .into_iter()
            .map(|f| (f.pointer, f.class))
            .collect();
        let mut plan = Plan::default();
        for &pointer in pointers {
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

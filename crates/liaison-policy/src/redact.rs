//! Applying a decision to a record: the released copy.

use liaison_record::{
    AgencyId, CountryCode, Digest, Entity, ProvenanceEntry, Record, Source, SourceType,
};

use crate::agreement::Transformation;
use crate::decision::Decision;
use crate::engine::{entity_part, is_entity_member};

/// Why a released copy could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedactError {
    /// The decision does not release the record.
    #[error("the decision `{id}` is `{outcome}`, not a release; nothing may be released")]
    NotReleased {
        /// The decision id.
        id: uuid::Uuid,
        /// The decision's outcome.
        outcome: String,
    },
    /// The decision was made for another releasing agency.
    #[error("the decision lets `{decided}` release, not `{given}`; decide again as `{given}`")]
    WrongHolder {
        /// The releasing agency of the decision.
        decided: AgencyId,
        /// The agency that tried to release.
        given: AgencyId,
    },
    /// The record is not the one the decision was made for.
    #[error(
        "the record's digest `{actual}` is not the digest `{decided}` the decision was made for; decide again on this record"
    )]
    RecordChanged {
        /// The digest in the decision.
        decided: Digest,
        /// The record's digest.
        actual: Digest,
    },
    /// A release decision that names no agreement (it was not made by this engine).
    #[error("the decision names no agreement to write into the provenance; decide again")]
    NoAgreement,
    /// A withheld field could not be removed (the decision was not made on
    /// this record's fields).
    #[error("cannot make the copy")]
    Withhold(#[source] Box<liaison_record::WithholdError>),
    /// The decision names a field the record does not have.
    #[error(
        "the decision names `{pointer}`, which the record does not have; decide again on this record"
    )]
    Unknown {
        /// The pointer.
        pointer: String,
    },
    /// The copy would not validate (the record itself does not, or the
    /// decision was not made by this engine): nothing is released.
    #[error(
        "the released copy would not validate, so nothing is released; validate the record with `liaison record validate` and decide again"
    )]
    InvalidCopy(#[source] Box<liaison_record::RecordErrors>),
}

/// Applies a release decision: returns the copy to send, with the withheld
/// fields removed, the transformations applied and the new provenance entry
/// (listing what was withheld, with the obligations) appended.
///
/// # Errors
///
/// [`RedactError`] when the decision is not a release, was made for another
/// releasing agency or another record, or a field cannot be removed.
pub fn redact(
    record: &Record,
    decision: &Decision,
    releasing: &AgencyId,
) -> Result<Record, RedactError> {
    redact_with_digest(record, record.digest(), decision, releasing)
}

/// [`redact`] for a caller that already holds the record's digest
/// ([`Record::digest`], as passed to [`crate::PolicySet::decide_with_digest`]):
/// the decision must name that digest, as [`redact`] checks against the
/// digest it computes.
///
/// # Errors
///
/// As [`redact`].
pub fn redact_with_digest(
    record: &Record,
    record_digest: Digest,
    decision: &Decision,
    releasing: &AgencyId,
) -> Result<Record, RedactError> {
    if !decision.outcome.releases() {
        return Err(RedactError::NotReleased {
            id: decision.id,
            outcome: crate::engine::word(&decision.outcome),
        });
    }
    if &decision.from != releasing {
        return Err(RedactError::WrongHolder {
            decided: decision.from.clone(),
            given: releasing.clone(),
        });
    }
    let actual = record_digest;
    if actual != decision.record_digest {
        return Err(RedactError::RecordChanged {
            decided: decision.record_digest,
            actual,
        });
    }
    let agreement = decision
        .agreements
        .first()
        .cloned()
        .ok_or(RedactError::NoAgreement)?;
    let pointers: Vec<&str> = decision.withheld.iter().map(String::as_str).collect();
    let mut copy = record
        .withhold(&pointers)
        .map_err(|e| RedactError::Withhold(Box::new(e)))?;
    let third = crate::marking::third_party(record).cloned();
    // Entity positions move when entities are withheld: map the decision's
    // pointers (into the record) to the copy.
    let mut position = Vec::with_capacity(record.entities.len());
    let mut next = 0usize;
    for i in 0..record.entities.len() {
        let gone = decision
            .withheld
            .iter()
            .any(|w| is_entity_member(w, i, None));
        position.push((!gone).then_some(next));
        next += usize::from(!gone);
    }
    for t in &decision.transformations {
        if decision.transformed.is_empty() {
            transform(&mut copy, *t, third.as_ref(), None);
            continue;
        }
        for pointer in &decision.transformed {
            let mut segments = pointer.split('/').skip(1);
            let at = match (segments.next(), segments.next()) {
                (Some("source"), None) => Some(None),
                (Some("entities"), Some(i)) => i
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| position.get(i).copied().flatten())
                    .map(Some),
                _ => None,
            };
            if let Some(at) = at
                && concerns(*t, pointer)
            {
                let only = match at {
                    Some(j) => Only::Entity(j),
                    None => Only::Source,
                };
                transform(&mut copy, *t, third.as_ref(), Some(only));
            }
        }
    }
    for r in &decision.reidentified {
        let old = match entity_part(&r.pointer) {
            Some((i, None)) => record.entities.get(i),
            _ => None,
        }
        .map(Entity::id)
        .ok_or_else(|| RedactError::Unknown {
            pointer: r.pointer.clone(),
        })?;
        copy.reidentify(old, r.id);
    }
    copy.provenance.push(ProvenanceEntry {
        from: releasing.clone(),
        to: decision.to.clone(),
        at: decision.at,
        purpose: decision.purpose.clone(),
        agreement,
        decision: decision.id,
        withheld: decision.withheld.clone(),
        obligations: decision.obligations.clone(),
        consents: Vec::new(),
    });
    copy.validate()
        .map_err(|e| RedactError::InvalidCopy(Box::new(e)))?;
    Ok(copy)
}

/// The country a place of birth names: the whole text, or its last
/// comma-separated part, as an ISO 3166-1 alpha-3 code (`Rotterdam, NLD`).
/// Free text without one names no country the engine can trust.
pub(crate) fn country_of_birth(place: &str) -> Option<CountryCode> {
    let last = place.rsplit(',').next().unwrap_or(place).trim();
    (last.len() == 3 && last.bytes().all(|b| b.is_ascii_uppercase()))
        .then(|| last.parse().ok())
        .flatten()
}

/// A name reduced to its initials: `Pieter Jan` gives `P. J.`.
fn initials(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .filter_map(|w| w.chars().find(|c| c.is_alphabetic()))
        .map(|c| format!("{c}."))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where one transformation is applied: one entity of the copy, or its
/// source.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    Entity(usize),
    Source,
}

/// The entities a transformation applies to.
fn selected(entities: &mut [Entity], only: Option<Only>) -> impl Iterator<Item = &mut Entity> {
    entities
        .iter_mut()
        .enumerate()
        .filter(move |(i, _)| only.is_none_or(|o| o == Only::Entity(*i)))
        .map(|(_, e)| e)
}

/// Whether a transformed pointer is one the transformation reduces.
fn concerns(t: Transformation, pointer: &str) -> bool {
    match t {
        Transformation::NeutralSource => pointer == "/source",
        Transformation::CoarseCoordinates => pointer.split('/').count() == 3,
        Transformation::DateOfBirthToYear => pointer.ends_with("/date_of_birth"),
        Transformation::PseudonymizeNames => pointer.ends_with("/names"),
        Transformation::PlaceOfBirthToCountry => pointer.ends_with("/place_of_birth"),
        Transformation::MaskDocumentNumbers => pointer.split('/').count() == 3,
    }
}

/// Applies a transformation to the copy: everywhere it concerns when
/// `only` is `None`, else to that entity or the source.
fn transform(
    record: &mut Record,
    t: Transformation,
    third_party: Option<&AgencyId>,
    only: Option<Only>,
) {
    match t {
        Transformation::DateOfBirthToYear => {
            for e in selected(&mut record.entities, only) {
                if let Entity::Person(p) = e
                    && let Some(d) = p.date_of_birth.as_mut()
                {
                    *d = d.year_only();
                }
            }
        }
        Transformation::NeutralSource => {
            if only.is_some_and(|o| o != Only::Source) {
                return;
            }
            if let Some(old) = record.source.take() {
                // A third agency's information keeps its trace: the source
                // still names that agency, with its recorded consents.
                // Otherwise the information is the originator's, which a
                // source without an agency says: naming the releasing
                // agency would make a mere holder look like a third
                // agency, and would name the originator where the
                // obligations may forbid it.
                let (agency, consents) = match third_party {
                    Some(third) => (Some(third.clone()), old.consents),
                    None => (None, Vec::new()),
                };
                record.source = Some(Source {
                    source_type: SourceType::PartnerAgency,
                    reference: None,
                    agency,
                    description: None,
                    consents,
                });
            }
        }
        Transformation::PseudonymizeNames => {
            for e in selected(&mut record.entities, only) {
                if let Entity::Person(p) = e {
                    for n in &mut p.names {
                        n.given = n.given.as_deref().map(initials);
                        n.family = n.family.as_deref().map(initials);
                    }
                    // Aliases cannot be reduced: the decision withholds them.
                    if only.is_none() {
                        p.aliases.clear();
                    }
                }
            }
        }
        Transformation::PlaceOfBirthToCountry => {
            for e in selected(&mut record.entities, only) {
                if let Entity::Person(p) = e {
                    // A place naming no country: the decision withholds it.
                    let country = p.place_of_birth.as_deref().and_then(country_of_birth);
                    if let Some(c) = country {
                        p.place_of_birth = Some(c.to_string());
                    } else if only.is_none() {
                        p.place_of_birth = None;
                    }
                }
            }
        }
        Transformation::MaskDocumentNumbers => {
            for e in selected(&mut record.entities, only) {
                if let Entity::TravelDocument(d) = e {
                    d.number = liaison_record::ids::mask_document_number(&d.number);
                    // The zone holds the number: the decision withholds it.
                    d.mrz.clear();
                }
            }
        }
        Transformation::CoarseCoordinates => {
            let coarse = |x: &mut Option<f64>| {
                if let Some(v) = x.as_mut() {
                    *v = (*v * 10.0).round() / 10.0;
                }
            };
            for e in selected(&mut record.entities, only) {
                if let Entity::Location(l) = e {
                    coarse(&mut l.latitude);
                    coarse(&mut l.longitude);
                }
            }
        }
    }
}

//! Applying a decision to a record: the released copy.

use liaison_record::{AgencyId, Digest, Entity, ProvenanceEntry, Record, Source, SourceType};

use crate::agreement::Transformation;
use crate::decision::Decision;

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
    for t in &decision.transformations {
        transform(&mut copy, *t, releasing);
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
    Ok(copy)
}

fn transform(record: &mut Record, t: Transformation, releasing: &AgencyId) {
    match t {
        Transformation::DateOfBirthToYear => {
            for e in &mut record.entities {
                if let Entity::Person(p) = e
                    && let Some(d) = p.date_of_birth.as_mut()
                {
                    *d = d.year_only();
                }
            }
        }
        Transformation::NeutralSource => {
            if record.source.is_some() {
                record.source = Some(Source {
                    source_type: SourceType::PartnerAgency,
                    reference: None,
                    agency: Some(releasing.clone()),
                    description: None,
                });
            }
        }
        Transformation::CoarseCoordinates => {
            let coarse = |x: &mut Option<f64>| {
                if let Some(v) = x.as_mut() {
                    *v = (*v * 10.0).round() / 10.0;
                }
            };
            for e in &mut record.entities {
                if let Entity::Location(l) = e {
                    coarse(&mut l.latitude);
                    coarse(&mut l.longitude);
                }
            }
        }
    }
}

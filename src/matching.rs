//! Hit/no-hit matching between agencies, wired to records, the envelope and
//! the audit log (the protocol is `docs/match.md`).
//!
//! The holder builds an [`Index`] of the match keys of its records
//! ([`build_index`]) and sends it sealed ([`Agency::match_seal_index_at`]);
//! the querier asks about its own keys ([`Agency::match_query_at`]); the
//! holder answers under its [`MatchTerms`] with the partner, charging the
//! partner's budget ([`Agency::match_answer_at`]); the querier verifies and
//! looks up ([`Agency::match_finish_at`]). Every message is a sealed,
//! signed envelope whose label names the message, the two agencies and the
//! purpose; both sides log each batch as a `match` audit entry with counts
//! and kinds, never a value. A hit gives a [`HitReference`]; the querier
//! then sends an ordinary request, and the holder's [`resolve`] decides
//! whether the reference is resolved at all.
//!
//! [`Agency::match_seal_index_at`]: crate::Agency::match_seal_index_at
//! [`Agency::match_query_at`]: crate::Agency::match_query_at
//! [`Agency::match_answer_at`]: crate::Agency::match_answer_at
//! [`Agency::match_finish_at`]: crate::Agency::match_finish_at

use liaison_record::{AgencyId, Purpose, Record, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use liaison_match::{
    BatchSummary, Budget, Built, Commitment, CommitmentId, FilterWidth, HitReference, HolderKey,
    Index, KeyKind, Ledger, Outcome, Pending, Resolver,
};
pub use liaison_record::match_keys::{MatchKey, match_keys, record_match_keys};

/// What the agreement with one partner says about matching: the facade's
/// view of the agreement's `match` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchTerms {
    /// The partner that may query.
    pub partner: AgencyId,
    /// The purposes it may query for.
    pub purposes: Vec<Purpose>,
    /// The key kinds it may query (`travel-document`, `vehicle`, ...).
    pub kinds: Vec<String>,
    /// Its budget, per purpose: keys per day and per batch.
    pub budget: Budget,
    /// Whether the holder resolves a hit reference the partner sends with
    /// a request (if not, the request must say what it is about).
    pub reveal_reference: bool,
}

/// Why a matching step failed. Each is recorded in the audit log with its
/// [`code`](MatchError::code) where the step logs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// The index could not be built.
    #[error("the index could not be built: {problem}")]
    Index {
        /// What went wrong.
        problem: String,
    },
    /// The query could not be made (a kind the index lacks, an empty
    /// query, a value too long).
    #[error("the query could not be made: {problem}")]
    Query {
        /// What went wrong.
        problem: String,
    },
    /// The holder's terms with the partner do not allow the query.
    #[error("the query from `{partner}` is refused: {reason}")]
    NotAllowed {
        /// The querying partner.
        partner: AgencyId,
        /// Which term refuses it.
        reason: String,
    },
    /// The partner's budget does not allow the batch.
    #[error("the query from `{partner}` is refused: {problem}")]
    Budget {
        /// The querying partner.
        partner: AgencyId,
        /// The budget's reason.
        problem: String,
    },
    /// The holder cannot evaluate the query (a stale index, a key that is
    /// not the committed one).
    #[error("the query cannot be answered: {problem}")]
    Evaluate {
        /// What went wrong.
        problem: String,
    },
    /// The answer does not verify (a wrong proof, another session, another
    /// index).
    #[error("the answer is refused: {problem}")]
    Answer {
        /// What is wrong.
        problem: String,
    },
    /// A message inside a parcel is malformed.
    #[error("the {what} in the parcel is malformed: {problem}")]
    Message {
        /// Which message.
        what: &'static str,
        /// The parser's finding (where and what).
        problem: String,
    },
    /// The parcel is not a match parcel of the expected message, or not
    /// from the expected agency.
    #[error("the parcel is not what was expected: {problem}")]
    Parcel {
        /// What is wrong.
        problem: String,
    },
    /// The partner has no card, or none valid now: add or renew it.
    #[error("no valid card for `{partner}` at {at}: add or renew the partner's card")]
    NoValidKey {
        /// The partner.
        partner: AgencyId,
        /// When.
        at: String,
    },
    /// This agency has no identity valid now: renew it.
    #[error("no identity of `{agency}` is valid at {at}: renew the agency's keys")]
    NoValidIdentity {
        /// This agency.
        agency: AgencyId,
        /// When.
        at: String,
    },
    /// The parcel cannot be opened by this agency, or its sender is not
    /// trusted.
    #[error("the parcel cannot be opened: {problem}")]
    Open {
        /// Why.
        problem: String,
    },
    /// The hit reference is not resolved: the terms do not reveal
    /// references, or this holder never issued it.
    #[error("the hit reference is not resolved: {reason}")]
    Reference {
        /// Why.
        reason: &'static str,
    },
    /// The audit log cannot record the step.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

impl MatchError {
    /// A short code for the audit log's reasons.
    pub fn code(&self) -> &'static str {
        match self {
            MatchError::Index { .. } => "match-index",
            MatchError::Query { .. } => "match-query-invalid",
            MatchError::NotAllowed { .. } => "match-not-allowed",
            MatchError::Budget { .. } => "match-budget-exceeded",
            MatchError::Evaluate { .. } => "match-cannot-evaluate",
            MatchError::Answer { .. } => "match-answer-refused",
            MatchError::Message { .. } => "match-malformed",
            MatchError::Parcel { .. } => "match-unexpected-parcel",
            MatchError::NoValidKey { .. } => "no-valid-key",
            MatchError::NoValidIdentity { .. } => "no-valid-identity",
            MatchError::Open { .. } => "cannot-open",
            MatchError::Reference { .. } => "match-reference-not-resolved",
            MatchError::Audit(_) => "audit",
        }
    }
}

/// The holder's index of the match keys of `records` (see
/// `docs/record.md`, "Match keys"): each key resolves to the ids (16 bytes)
/// of the records it came from. Built on every core.
///
/// # Errors
/// [`MatchError::Index`] if a key cannot be indexed.
pub fn build_index(
    records: &[Record],
    key: &HolderKey,
    width: FilterWidth,
) -> Result<Built, MatchError> {
    build_index_with_progress(records, key, width, &|_| {})
}

/// [`build_index`], calling `progress` with the number of keys evaluated
/// since its last call, from any thread.
///
/// # Errors
/// As [`build_index`].
pub fn build_index_with_progress(
    records: &[Record],
    key: &HolderKey,
    width: FilterWidth,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Built, MatchError> {
    let index_error = |e: &dyn std::fmt::Display| MatchError::Index {
        problem: e.to_string(),
    };
    let mut builder = liaison_match::IndexBuilder::new(width);
    for record in records {
        for (_, k) in record_match_keys(record) {
            let kind = KeyKind::new(k.kind.as_str()).map_err(|e| index_error(&e))?;
            builder
                .insert(&kind, k.value.as_bytes(), record.id.as_bytes())
                .map_err(|e| index_error(&e))?;
        }
    }
    builder
        .build_with_progress(key, progress)
        .map_err(|e| index_error(&e))
}

/// The records a hit reference stands for, if `terms` reveal references
/// and this holder issued it: the record ids, to decide on with the
/// agency's `share` like any request.
///
/// # Errors
/// [`MatchError::Reference`] if the terms do not reveal references, or the
/// reference is unknown (a false hit, or a reference from an older index).
pub fn resolve(
    resolver: &Resolver,
    terms: &MatchTerms,
    reference: &HitReference,
) -> Result<Vec<Uuid>, MatchError> {
    if !terms.reveal_reference {
        return Err(MatchError::Reference {
            reason: "the agreement does not reveal references: describe the request instead",
        });
    }
    let resolution = resolver.resolve(reference).ok_or(MatchError::Reference {
        reason: "this holder has no entry for it",
    })?;
    Ok(resolution
        .records
        .iter()
        .filter_map(|r| Uuid::from_slice(r).ok())
        .collect())
}

/// The label's `type` member.
pub(crate) const MATCH_LABEL_TYPE: &str = "liaison-match";

/// The label format version.
pub(crate) const MATCH_LABEL_VERSION: u32 = 1;

/// The label of a match parcel, bound to the envelope and signed with it;
/// its members are declared in code-point order, so that `serde_json`
/// writes it canonically (RFC 8785).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MatchLabel {
    /// The sending agency.
    pub(crate) from: AgencyId,
    /// `index`, `query` or `answer`.
    pub(crate) message: String,
    /// A fresh id for each parcel.
    pub(crate) parcel: Uuid,
    /// The purpose of a query and its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) purpose: Option<Purpose>,
    /// When it was sealed.
    pub(crate) sealed_at: Timestamp,
    /// The receiving agency.
    pub(crate) to: AgencyId,
    /// Always [`MATCH_LABEL_TYPE`].
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Always [`MATCH_LABEL_VERSION`].
    pub(crate) v: u32,
}

impl MatchLabel {
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        liaison_record::to_canonical_json(self)
    }

    /// Reads a label: its shape, type, version and canonical form.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, String> {
        let label: MatchLabel = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if label.kind != MATCH_LABEL_TYPE || label.v != MATCH_LABEL_VERSION {
            return Err("not a match label of version 1".to_owned());
        }
        match label.to_bytes() {
            Ok(c) if c == bytes => Ok(label),
            _ => Err("the label is not in canonical form (RFC 8785)".to_owned()),
        }
    }
}

/// The audit reasons of a batch: the step, the session, the commitment,
/// and `keys:KIND=COUNT` for each kind.
pub(crate) fn batch_reasons(step: &str, batch: &BatchSummary) -> Vec<String> {
    let mut reasons = vec![
        step.to_owned(),
        format!("session:{}", batch.session),
        format!("commitment:{}", batch.commitment),
    ];
    reasons.extend(batch.kinds.iter().map(|(k, n)| format!("keys:{k}={n}")));
    reasons
}

/// Days from 1970-01-01 to `at` (UTC), for the budget's days.
pub(crate) fn day_of(at: Timestamp) -> u32 {
    let days = at.to_offset_date_time().unix_timestamp().div_euclid(86_400);
    u32::try_from(days).unwrap_or(0)
}

//! Hit/no-hit matching between agencies, wired to records, the envelope and
//! the audit log (the protocol is `docs/match.md`).
//!
//! The holder builds an [`Index`] of the match keys of its records
//! ([`build_index`]) and sends it sealed ([`Agency::match_seal_index_at`]);
//! the querier asks about its own keys ([`Agency::match_query_at`]); the
//! holder answers under the `match` clauses of its agreements with the
//! partner, charging the partner's budget ([`Agency::match_answer_at`]),
//! within any narrower [`MatchLimits`] its operator sets; the querier
//! verifies and
//! looks up ([`Agency::match_finish_at`]). Every message is a sealed,
//! signed envelope whose label names the message, the two agencies and the
//! purpose; both sides log each batch as a `match` audit entry with counts
//! and kinds, never a value. A hit gives a [`HitReference`]; the querier
//! then sends an ordinary request, and the holder's
//! [`Agency::match_resolve_at`] resolves the reference to record ids, if an
//! agreement reveals references, to decide on with `share`.
//!
//! [`Agency::match_seal_index_at`]: crate::Agency::match_seal_index_at
//! [`Agency::match_query_at`]: crate::Agency::match_query_at
//! [`Agency::match_answer_at`]: crate::Agency::match_answer_at
//! [`Agency::match_finish_at`]: crate::Agency::match_finish_at
//! [`Agency::match_resolve_at`]: crate::Agency::match_resolve_at

use liaison_policy::{MatchDecision, ObligationRules};
use liaison_record::{AgencyId, Purpose, Record, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use liaison_match::{
    BatchSummary, Budget, Built, Commitment, CommitmentId, FilterWidth, HitReference, HolderKey,
    Index, KeyKind, Ledger, Outcome, Pending, Resolver,
};
pub use liaison_record::match_keys::{MatchKey, match_keys, record_match_keys};

/// Limits the holder's operator sets on one answer, beyond the
/// agreements: they can only narrow what the agreements' `match` clauses
/// allow, never widen it. [`MatchLimits::default`] narrows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchLimits {
    /// Answer only this partner.
    pub partner: Option<AgencyId>,
    /// Answer only for these purposes (all the agreements allow when empty).
    pub purposes: Vec<Purpose>,
    /// Answer only about these key kinds (all the agreements allow when
    /// empty).
    pub kinds: Vec<String>,
    /// At most this many keys a day, below the agreement's budget.
    pub per_day: Option<u64>,
    /// At most this many keys a batch, below the agreement's budget.
    pub per_batch: Option<u64>,
}

impl MatchLimits {
    /// Why these limits refuse a batch of `partner` for `purpose`, if they
    /// do.
    pub(crate) fn refusal(
        &self,
        partner: &AgencyId,
        purpose: &Purpose,
        batch: &BatchSummary,
    ) -> Option<String> {
        if let Some(only) = &self.partner
            && only != partner
        {
            return Some(format!("this answer is limited to queries from `{only}`"));
        }
        if !self.purposes.is_empty() && !self.purposes.contains(purpose) {
            return Some(format!(
                "this answer is limited to other purposes than `{purpose}`"
            ));
        }
        if !self.kinds.is_empty()
            && let Some((kind, _)) = batch
                .kinds
                .iter()
                .find(|(k, _)| !self.kinds.iter().any(|l| l == k.as_str()))
        {
            return Some(format!(
                "this answer is limited to other key kinds than `{kind}`"
            ));
        }
        None
    }

    /// `budget` narrowed by these limits.
    pub(crate) fn narrow(&self, budget: Budget) -> Budget {
        Budget {
            per_day: self
                .per_day
                .map_or(budget.per_day, |d| d.min(budget.per_day)),
            per_batch: self
                .per_batch
                .map_or(budget.per_batch, |b| b.min(budget.per_batch)),
        }
    }
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
    /// The agreements (or the operator's narrower limits) do not allow the
    /// query: sealed too long ago or in the future, no match clause for
    /// the partner, a purpose or a kind not allowed, a batch too large.
    #[error("the query from `{partner}` is refused ({code}): {reason}")]
    NotAllowed {
        /// The querying partner.
        partner: AgencyId,
        /// The reason's code: `match-stale`, `match-no-clause`,
        /// `match-purpose-not-allowed`, `match-kind-not-allowed`,
        /// `match-batch-too-large` or `match-limited`.
        code: &'static str,
        /// Which term refuses it.
        reason: String,
    },
    /// The partner's budget does not allow the batch.
    #[error("the query from `{partner}` is refused ({code}): {problem}")]
    Budget {
        /// The querying partner.
        partner: AgencyId,
        /// The reason's code: `match-batch-too-large`,
        /// `match-day-budget-exceeded`, `match-replayed`, or
        /// `match-limited` when only the operator's narrower limits refuse
        /// it.
        code: &'static str,
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
    /// The hit reference is not resolved: no match clause for the partner
    /// and purpose reveals references, or this holder never issued it.
    #[error("the hit reference is not resolved: {reason}")]
    Reference {
        /// Why.
        reason: String,
    },
    /// The index's fingerprints are narrower than allowed: false hits would
    /// be common, and a reference sent after a false hit lets the holder
    /// recover the key asked about.
    #[error(
        "the index has {bits}-bit fingerprints, fewer than the {min_bits} allowed: a narrow filter gives false hits whose references reveal the key asked about to the holder (docs/match.md, section 11); use 32 bits, or allow a narrow filter explicitly"
    )]
    NarrowFilter {
        /// The index's width.
        bits: u8,
        /// The narrowest allowed.
        min_bits: u8,
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
            MatchError::NarrowFilter { .. } => "match-narrow-filter",
            MatchError::NotAllowed { code, .. } | MatchError::Budget { code, .. } => code,
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

/// The narrowest fingerprint width the facade builds an index with, or
/// queries a partner's index of, unless told otherwise
/// ([`IndexOptions::min_width`], [`AgencyBuilder::match_min_filter_width`]).
/// Below it false hits are common enough that a hit reference sent after
/// a false hit is a real risk: the holder can test every candidate key
/// against it offline and learn the key asked about (`docs/match.md`,
/// section 11).
///
/// [`AgencyBuilder::match_min_filter_width`]: crate::AgencyBuilder::match_min_filter_width
pub const MIN_FILTER_WIDTH: FilterWidth = FilterWidth::Bits32;

/// How the holder's index is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOptions {
    /// The fingerprint width: 32 bits unless set.
    pub width: FilterWidth,
    /// The narrowest width allowed: [`MIN_FILTER_WIDTH`] unless set; lower
    /// it to allow a narrower filter knowingly.
    pub min_width: FilterWidth,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            width: FilterWidth::Bits32,
            min_width: MIN_FILTER_WIDTH,
        }
    }
}

/// Why a fingerprint width below `min` is refused, if `width` is.
pub(crate) fn narrow_filter(width: FilterWidth, min: FilterWidth) -> Option<MatchError> {
    (width.bits() < min.bits()).then_some(MatchError::NarrowFilter {
        bits: width.bits(),
        min_bits: min.bits(),
    })
}

/// The holder's index of the match keys of `records` (see
/// `docs/record.md`, "Match keys"), with fingerprints of `width`, which
/// must be at least [`MIN_FILTER_WIDTH`]: each key resolves to the ids (16
/// bytes) of the records it came from. Built on every core.
///
/// # Errors
/// [`MatchError::NarrowFilter`] for a width below [`MIN_FILTER_WIDTH`]
/// (use [`build_index_with`] to allow one), [`MatchError::Index`] if a key
/// cannot be indexed.
pub fn build_index(
    records: &[Record],
    key: &HolderKey,
    width: FilterWidth,
) -> Result<Built, MatchError> {
    let options = IndexOptions {
        width,
        ..IndexOptions::default()
    };
    build_index_with(records, key, options, &|_| {})
}

/// [`build_index`] with `options`, calling `progress` with the number of
/// keys evaluated since its last call, from any thread.
///
/// # Errors
/// [`MatchError::NarrowFilter`] for a width below `options.min_width`,
/// [`MatchError::Index`] if a key cannot be indexed.
pub fn build_index_with(
    records: &[Record],
    key: &HolderKey,
    options: IndexOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Built, MatchError> {
    if let Some(e) = narrow_filter(options.width, options.min_width) {
        return Err(e);
    }
    let index_error = |e: &dyn std::fmt::Display| MatchError::Index {
        problem: e.to_string(),
    };
    let mut builder = liaison_match::IndexBuilder::new(options.width);
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

/// What the querier learns from an answer: hit or no hit for each key, in
/// the order asked, and the obligations the answer's label carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Each key's outcome, in the order the keys were asked about.
    pub outcomes: Vec<Outcome>,
    /// The obligations of the holder's match clauses that applied, as the
    /// answer carries them (none when the label names none).
    pub obligations: Vec<MatchObligations>,
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
    /// On an answer: the obligations of the match clauses that applied,
    /// sorted by agreement and clause; absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) obligations: Vec<MatchObligations>,
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
        if !label
            .sealed_at
            .to_offset_date_time()
            .nanosecond()
            .is_multiple_of(1_000_000)
        {
            return Err(format!(
                "`sealed_at` is `{}`: a match label gives the time in milliseconds (`YYYY-MM-DDTHH:MM:SS.mmmZ`)",
                label.sealed_at
            ));
        }
        let key = |o: &MatchObligations| (o.agreement.clone(), o.clause.clone());
        if label.obligations.windows(2).any(|w| match w {
            [a, b] => key(a) >= key(b),
            _ => false,
        }) {
            return Err(
                "the obligations are not sorted by agreement and clause, each clause once"
                    .to_owned(),
            );
        }
        if let Some(empty) = label.obligations.iter().find(|o| o.names().is_empty()) {
            return Err(format!(
                "the obligations of `{}` clause `{}` are empty: a clause without obligations is left out",
                empty.agreement, empty.clause
            ));
        }
        match label.to_bytes() {
            Ok(c) if c == bytes => Ok(label),
            _ => {
                let written = format!("\"sealed_at\":\"{}\"", label.sealed_at);
                let found = bytes
                    .windows(written.len())
                    .any(|w| w == written.as_bytes());
                Err(if found {
                    "the label is not in canonical form (RFC 8785)".to_owned()
                } else {
                    format!(
                        "`sealed_at` is not written `{}`: a match label gives the time as `YYYY-MM-DDTHH:MM:SS.mmmZ`",
                        label.sealed_at
                    )
                })
            }
        }
    }
}

/// The obligations of one match clause that applied to an answer, as the
/// answer's label carries them: they bind what the querier learns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchObligations {
    /// The agreement's id.
    pub agreement: String,
    /// The match clause's id.
    pub clause: String,
    /// The clause's obligations, as the agreement writes them.
    pub rules: ObligationRules,
}

impl MatchObligations {
    /// The obligations of the clauses of `decision` that have some, sorted
    /// by agreement and clause, each clause once.
    pub(crate) fn of(decision: &MatchDecision<'_>) -> Vec<MatchObligations> {
        let mut out: Vec<MatchObligations> = decision
            .grants
            .iter()
            .filter(|g| !g.clause.obligations.is_empty())
            .map(|g| MatchObligations {
                agreement: g.reference.id.clone(),
                clause: g.clause.id.clone(),
                rules: g.clause.obligations.clone(),
            })
            .collect();
        out.sort_by(|a, b| (&a.agreement, &a.clause).cmp(&(&b.agreement, &b.clause)));
        out.dedup_by(|a, b| a.agreement == b.agreement && a.clause == b.clause);
        out
    }

    /// The names of the obligations set (`retention_days`, `onward`, ...),
    /// in code-point order.
    pub fn names(&self) -> Vec<String> {
        match serde_json::to_value(&self.rules) {
            Ok(serde_json::Value::Object(map)) => {
                let mut names: Vec<String> = map.keys().cloned().collect();
                names.sort();
                names
            }
            _ => Vec::new(),
        }
    }
}

/// The audit reasons naming the obligations of an answer:
/// `obligation:NAME` for each name any clause sets, sorted, each once;
/// never their values.
pub(crate) fn obligation_reasons(obligations: &[MatchObligations]) -> Vec<String> {
    let mut names: Vec<String> = obligations
        .iter()
        .flat_map(MatchObligations::names)
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| format!("obligation:{n}"))
        .collect()
}

/// How far before the holder's clock a query may have been sealed.
pub const MAX_QUERY_AGE_SECONDS: i64 = 24 * 60 * 60;

/// How far after the holder's clock a query may have been sealed.
pub const MAX_QUERY_AHEAD_SECONDS: i64 = 5 * 60;

/// Why a query sealed at `sealed_at` is stale or from the future for a
/// holder whose clock reads `now`, if it is.
pub(crate) fn stale(sealed_at: Timestamp, now: Timestamp) -> Option<String> {
    let seconds = (now.to_offset_date_time() - sealed_at.to_offset_date_time()).whole_seconds();
    if seconds > MAX_QUERY_AGE_SECONDS {
        Some(format!(
            "the query was sealed at {sealed_at}, more than 24 hours before this holder's clock ({now}): query again"
        ))
    } else if seconds < -MAX_QUERY_AHEAD_SECONDS {
        Some(format!(
            "the query was sealed at {sealed_at}, more than 5 minutes after this holder's clock ({now}): check the clocks"
        ))
    } else {
        None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn label(sealed_at: &str, obligations: &str) -> Vec<u8> {
        format!(
            r#"{{"from":"NLD-KMAR","message":"answer",{obligations}"parcel":"6398cd7d-0000-4000-8000-000000000001","purpose":"border-control","sealed_at":"{sealed_at}","to":"DEU-BPOL","type":"liaison-match","v":1}}"#
        )
        .into_bytes()
    }

    #[test]
    fn a_label_gives_its_time_in_milliseconds_and_its_obligations_sorted() {
        let good = r#""obligations":[{"agreement":"a","clause":"x","rules":{"retention_days":30}},{"agreement":"b","clause":"x","rules":{"onward":"forbidden"}}],"#;
        assert!(MatchLabel::parse(&label("2026-03-02T09:00:00.000Z", good)).is_ok());
        assert!(MatchLabel::parse(&label("2026-03-02T09:00:00.120Z", "")).is_ok());
        for time in [
            "2026-03-02T09:00:00.123456Z",
            "2026-03-02T09:00:00.123456789Z",
        ] {
            let e = MatchLabel::parse(&label(time, "")).unwrap_err();
            assert!(e.contains("milliseconds"), "{time}: {e}");
        }
        let unsorted = r#""obligations":[{"agreement":"b","clause":"x","rules":{"retention_days":30}},{"agreement":"a","clause":"x","rules":{"onward":"forbidden"}}],"#;
        let e = MatchLabel::parse(&label("2026-03-02T09:00:00.000Z", unsorted)).unwrap_err();
        assert!(e.contains("not sorted"), "{e}");
        let twice = r#""obligations":[{"agreement":"a","clause":"x","rules":{"retention_days":30}},{"agreement":"a","clause":"x","rules":{"retention_days":30}}],"#;
        assert!(MatchLabel::parse(&label("2026-03-02T09:00:00.000Z", twice)).is_err());
        let e = MatchLabel::parse(&label("2026-03-02T09:00:00Z", "")).unwrap_err();
        assert!(e.contains("`sealed_at` is not written"), "{e}");
        let empty = r#""obligations":[{"agreement":"a","clause":"x","rules":{}}],"#;
        let e = MatchLabel::parse(&label("2026-03-02T09:00:00.000Z", empty)).unwrap_err();
        assert!(e.contains("are empty"), "{e}");
    }
}

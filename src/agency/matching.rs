//! Matching, an agency's part: seal and open match parcels, hold the
//! holder to its terms and budgets, and log every batch (counts and kinds).

use liaison_envelope::{Sealer, inspect, open};
use liaison_match::{Answer, Query, QueryBuilder, evaluate};
use liaison_record::{AgencyId, Purpose, Timestamp};
use uuid::Uuid;

use super::Agency;
use crate::audit::{AuditAgreement, AuditEvent, AuditOutcome, EntryKind};
use crate::matching::{
    Budget, Commitment, HitReference, HolderKey, Index, KeyKind, Ledger, MATCH_LABEL_TYPE,
    MATCH_LABEL_VERSION, MatchError, MatchKey, MatchLabel, MatchLimits, Outcome, Pending, Resolver,
    batch_reasons, day_of,
};

/// A match parcel, opened and checked.
struct OpenedMatch {
    label: MatchLabel,
    payload: Vec<u8>,
}

impl Agency {
    /// Seals `payload` as the match message `message` for `to`.
    fn seal_match(
        &self,
        message: &str,
        to: &AgencyId,
        purpose: Option<&Purpose>,
        payload: &[u8],
        at: Timestamp,
    ) -> Result<(Uuid, Vec<u8>), MatchError> {
        let card = self
            .directory
            .current_card(to, at)
            .ok_or_else(|| MatchError::NoValidKey {
                partner: to.clone(),
                at: at.to_string(),
            })?;
        let identity = self
            .signing_identity(at)
            .ok_or_else(|| MatchError::NoValidIdentity {
                agency: self.id.clone(),
                at: at.to_string(),
            })?;
        let parcel = Uuid::new_v4();
        let label = MatchLabel {
            from: self.id.clone(),
            message: message.to_owned(),
            parcel,
            purpose: purpose.cloned(),
            sealed_at: at,
            to: to.clone(),
            kind: MATCH_LABEL_TYPE.to_owned(),
            v: MATCH_LABEL_VERSION,
        }
        .to_bytes()
        .map_err(|e| MatchError::Parcel {
            problem: format!("cannot encode the label ({e})"),
        })?;
        let bytes = Sealer::new(identity)
            .recipient(card)
            .label(&label)
            .at(at.to_offset_date_time())
            .seal(payload)
            .map_err(|e| MatchError::Parcel {
                problem: e.to_string(),
            })?;
        Ok((parcel, bytes))
    }

    /// Opens a match parcel of `message` from a trusted partner, for us.
    fn open_match(
        &self,
        bytes: &[u8],
        message: &str,
        at: Timestamp,
    ) -> Result<OpenedMatch, MatchError> {
        let open_error = |problem: String| MatchError::Open { problem };
        let inspection = inspect(bytes).map_err(|e| open_error(e.to_string()))?;
        let (sender, cards) = self
            .directory
            .by_signing_key(&inspection.sender_key_id)
            .ok_or_else(|| {
                open_error(format!(
                    "the sender's key `{}` is not in the directory",
                    inspection.sender_key_id
                ))
            })?;
        let when = at.to_offset_date_time();
        let opened = self
            .keys
            .iter()
            .find_map(|k| open(bytes, &k.identity, cards, when).ok())
            .ok_or_else(|| open_error("no key of this agency opens it".to_owned()))?;
        let parcel_error = |problem: String| MatchError::Parcel { problem };
        let label = MatchLabel::parse(&opened.label).map_err(parcel_error)?;
        if &label.from != sender || label.to != self.id || opened.history.len() != 1 {
            return Err(parcel_error(format!(
                "the label names `{}` to `{}`; it was signed by `{sender}` for `{}`",
                label.from, label.to, self.id
            )));
        }
        if label.message != message {
            return Err(parcel_error(format!(
                "it holds a match `{}`, not a match `{message}`",
                label.message
            )));
        }
        Ok(OpenedMatch {
            label,
            payload: opened.payload,
        })
    }

    /// Seals the index for the partner `to`, now as `at`.
    ///
    /// # Errors
    /// [`MatchError::NoValidKey`], [`MatchError::NoValidIdentity`],
    /// [`MatchError::Parcel`].
    pub fn match_seal_index_at(
        &self,
        index: &Index,
        to: &AgencyId,
        at: Timestamp,
    ) -> Result<Vec<u8>, MatchError> {
        self.seal_match("index", to, None, &index.to_bytes(), at)
            .map(|(_, bytes)| bytes)
    }

    /// Opens a partner's index: the holder and its index.
    ///
    /// # Errors
    /// [`MatchError::Open`], [`MatchError::Parcel`], [`MatchError::Message`].
    pub fn match_open_index_at(
        &self,
        parcel: &[u8],
        at: Timestamp,
    ) -> Result<(AgencyId, Index), MatchError> {
        let opened = self.open_match(parcel, "index", at)?;
        let index = Index::from_bytes(&opened.payload).map_err(|e| MatchError::Message {
            what: "index",
            problem: e.to_string(),
        })?;
        Ok((opened.label.from, index))
    }

    /// Asks `holder`, for `purpose`, about `keys` against its `index`: the
    /// pending state to keep (secret) and the sealed query to send. The
    /// batch (counts and kinds) is logged as a `match` entry.
    ///
    /// # Errors
    /// [`MatchError::Query`] for a kind the index lacks or an empty query;
    /// the sealing errors of [`Agency::match_seal_index_at`];
    /// [`MatchError::Audit`].
    pub fn match_query_at(
        &self,
        index: &Index,
        holder: &AgencyId,
        purpose: &Purpose,
        keys: &[MatchKey],
        at: Timestamp,
    ) -> Result<(Pending, Vec<u8>), MatchError> {
        let query_error = |e: &dyn std::fmt::Display| MatchError::Query {
            problem: e.to_string(),
        };
        let mut builder = QueryBuilder::new(index);
        for k in keys {
            let kind = KeyKind::new(k.kind.as_str()).map_err(|e| query_error(&e))?;
            builder
                .push(&kind, k.value.as_bytes())
                .map_err(|e| query_error(&e))?;
        }
        let (pending, query) = builder.blind().map_err(|e| query_error(&e))?;
        let (parcel, bytes) =
            self.seal_match("query", holder, Some(purpose), &query.to_bytes(), at)?;
        let mut event = AuditEvent::new(EntryKind::Match, AuditOutcome::Released, at);
        event.counterparty = Some(holder.clone());
        event.purpose = Some(purpose.clone());
        event.parcel = Some(parcel);
        event.reasons = batch_reasons("match-query", &query.summary());
        self.audit.append(event)?;
        Ok((pending, bytes))
    }

    /// Answers a sealed query under the `match` clauses of this agency's
    /// agreements with its sender, within the operator's `limits` (which
    /// only narrow them): a clause in force must allow the sender, the
    /// purpose, every kind and the batch's size, and the batch is charged
    /// to the sender's budget for the purpose in `ledger` (which the caller
    /// persists) before any key is evaluated. The answer, or the refusal
    /// and its reason code, is logged as a `match` entry with the batch's
    /// counts and kinds and the agreement that allowed it.
    ///
    /// # Errors
    /// [`MatchError::NotAllowed`] (no match clause for the sender, a
    /// purpose or a kind not allowed, a batch too large, or outside the
    /// limits), [`MatchError::Budget`] (the day's budget used, a replayed
    /// query), [`MatchError::Evaluate`] (a query against an old index), and
    /// the opening and sealing errors.
    pub fn match_answer_at(
        &self,
        parcel: &[u8],
        key: &HolderKey,
        commitment: &Commitment,
        limits: &MatchLimits,
        ledger: &mut Ledger,
        at: Timestamp,
    ) -> Result<Vec<u8>, MatchError> {
        let opened = self.open_match(parcel, "query", at)?;
        let partner = opened.label.from.clone();
        let mut event = AuditEvent::new(EntryKind::Match, AuditOutcome::Denied, at);
        event.counterparty = Some(partner.clone());
        event.purpose = opened.label.purpose.clone();
        event.parcel = Some(opened.label.parcel);
        let mut summary = None;
        let result = self.answer_checked(
            &opened,
            key,
            commitment,
            limits,
            ledger,
            at,
            (&mut summary, &mut event.agreements),
        );
        event.reasons = match &summary {
            Some(s) => batch_reasons("match-answer", s),
            None => vec!["match-answer".to_owned()],
        };
        match &result {
            Ok((answer_parcel, _)) => {
                event.outcome = AuditOutcome::Released;
                event.reasons.push(format!("answer:{answer_parcel}"));
            }
            Err(e) => {
                if !matches!(e, MatchError::NotAllowed { .. } | MatchError::Budget { .. }) {
                    event.outcome = AuditOutcome::Failed;
                }
                event.reasons.push(e.code().to_owned());
            }
        }
        self.audit.append(event)?;
        result.map(|(_, bytes)| bytes)
    }

    /// The holder's checks and evaluation, without the audit entry; the
    /// batch's summary is left in `summary` as soon as the query parses.
    #[allow(
        clippy::too_many_arguments,
        reason = "a private step of `match_answer_at`"
    )]
    fn answer_checked(
        &self,
        opened: &OpenedMatch,
        key: &HolderKey,
        commitment: &Commitment,
        limits: &MatchLimits,
        ledger: &mut Ledger,
        at: Timestamp,
        (summary_out, agreements): (
            &mut Option<liaison_match::BatchSummary>,
            &mut Vec<AuditAgreement>,
        ),
    ) -> Result<(Uuid, Vec<u8>), MatchError> {
        let partner = &opened.label.from;
        let query = Query::from_bytes(&opened.payload).map_err(|e| MatchError::Message {
            what: "query",
            problem: e.to_string(),
        })?;
        let summary = summary_out.insert(query.summary());
        let refuse = |code: &'static str, reason: String| MatchError::NotAllowed {
            partner: partner.clone(),
            code,
            reason,
        };
        let purpose = opened.label.purpose.as_ref().ok_or_else(|| {
            refuse(
                "match-purpose-not-allowed",
                "the query names no purpose".to_owned(),
            )
        })?;
        if let Some(reason) = limits.refusal(partner, purpose, summary) {
            return Err(refuse("match-limited", reason));
        }
        let kinds: Vec<&str> = summary.kinds.iter().map(|(k, _)| k.as_str()).collect();
        let grant = self
            .policies
            .decide_match(&self.id, partner, purpose, &kinds, summary.total(), at)
            .map_err(|r| refuse(r.code(), r.to_string()))?;
        agreements.push(AuditAgreement {
            digest: grant.reference.digest.clone(),
            id: grant.reference.id.clone(),
            version: grant.reference.version,
        });
        let budget = limits.narrow(Budget {
            per_day: u64::from(grant.clause.budget.per_day),
            per_batch: u64::from(grant.clause.budget.per_batch),
        });
        ledger
            .charge(
                partner.as_str(),
                purpose.as_str(),
                day_of(at),
                summary,
                budget,
            )
            .map_err(|e| MatchError::Budget {
                partner: partner.clone(),
                code: match &e {
                    liaison_match::BudgetError::Batch { .. } => "match-batch-too-large",
                    liaison_match::BudgetError::Replay { .. } => "match-replayed",
                    _ => "match-day-budget-exceeded",
                },
                problem: e.to_string(),
            })?;
        let answer = evaluate(key, commitment, &query).map_err(|e| MatchError::Evaluate {
            problem: e.to_string(),
        })?;
        self.seal_match("answer", partner, Some(purpose), &answer.to_bytes(), at)
    }

    /// Finishes a query with the holder's sealed answer: verifies every
    /// proof against the index's committed keys, unblinds and looks up. The
    /// batch (counts, kinds, number of hits) is logged as a `match` entry,
    /// accepted or refused.
    ///
    /// # Errors
    /// [`MatchError::Answer`] if the answer is not this query's or a proof
    /// fails; the opening errors; [`MatchError::Audit`].
    pub fn match_finish_at(
        &self,
        parcel: &[u8],
        pending: &Pending,
        index: &Index,
        holder: &AgencyId,
        at: Timestamp,
    ) -> Result<Vec<Outcome>, MatchError> {
        let opened = self.open_match(parcel, "answer", at)?;
        if &opened.label.from != holder {
            return Err(MatchError::Parcel {
                problem: format!(
                    "the answer is from `{}`, the query went to `{holder}`",
                    opened.label.from
                ),
            });
        }
        let mut event = AuditEvent::new(EntryKind::Match, AuditOutcome::Refused, at);
        event.counterparty = Some(holder.clone());
        event.purpose = opened.label.purpose.clone();
        event.parcel = Some(opened.label.parcel);
        event.reasons = batch_reasons("match-finish", &pending.summary());
        let result = Answer::from_bytes(&opened.payload)
            .map_err(|e| MatchError::Message {
                what: "answer",
                problem: e.to_string(),
            })
            .and_then(|answer| {
                pending
                    .finish(index, &answer)
                    .map_err(|e| MatchError::Answer {
                        problem: e.to_string(),
                    })
            });
        match &result {
            Ok(outcomes) => {
                event.outcome = AuditOutcome::Accepted;
                let hits = outcomes.iter().filter(|o| o.hit.is_some()).count();
                event.reasons.push(format!("hits:{hits}"));
            }
            Err(e) => event.reasons.push(e.code().to_owned()),
        }
        self.audit.append(event)?;
        result
    }

    /// Resolves a hit reference a partner sends with a request: the ids of
    /// the records whose keys hit, to decide on with [`Agency::share_at`]
    /// like any request. Only when a `match` clause in force for `partner`
    /// and `purpose` reveals references. The resolution (the number of
    /// records, or the refusal) is logged as a `match` entry.
    ///
    /// # Errors
    /// [`MatchError::Reference`] if no match clause for the partner and
    /// purpose reveals references, or this holder has no entry for the
    /// reference (a false hit, or a reference of another index);
    /// [`MatchError::Audit`].
    pub fn match_resolve_at(
        &self,
        resolver: &Resolver,
        reference: &HitReference,
        partner: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Result<Vec<Uuid>, MatchError> {
        let grants = self.policies.match_grants(&self.id, partner, at);
        // A reference resolves only under a clause that lets this partner
        // ask about its key's kind for this purpose and reveals references:
        // a reference another partner obtained, for a kind this partner may
        // not ask about, resolves to nothing.
        let resolution = resolver.resolve(reference);
        let kind = resolution.as_ref().map(|r| r.kind.as_str().to_owned());
        let grant = grants.iter().find(|g| {
            g.clause.reveal_reference
                && g.clause.purposes.contains(purpose)
                && kind
                    .as_deref()
                    .is_none_or(|k| g.clause.key_kinds.iter().any(|x| x.as_str() == k))
        });
        let mut event = AuditEvent::new(EntryKind::Match, AuditOutcome::Denied, at);
        event.counterparty = Some(partner.clone());
        event.purpose = Some(purpose.clone());
        event.reasons = vec!["match-resolve".to_owned()];
        if let Some(k) = &kind {
            event.reasons.push(format!("kind:{k}"));
        }
        let result = match grant {
            None => Err(MatchError::Reference {
                reason: match &kind {
                    Some(k) => format!(
                        "no match clause in force for `{partner}` and `{purpose}` reveals references of the kind `{k}`: ask the partner to describe what it requests"
                    ),
                    None => format!(
                        "no match clause in force for `{partner}` and `{purpose}` reveals references: ask the partner to describe what it requests"
                    ),
                },
            }),
            Some(g) => {
                event.agreements.push(AuditAgreement {
                    digest: g.reference.digest.clone(),
                    id: g.reference.id.clone(),
                    version: g.reference.version,
                });
                resolution
                    .map(|r| {
                        r.records
                            .iter()
                            .filter_map(|id| Uuid::from_slice(id).ok())
                            .collect::<Vec<_>>()
                    })
                    .ok_or_else(|| MatchError::Reference {
                        reason: "this holder has no entry for it (a false hit, or a reference of another index)".to_owned(),
                    })
            }
        };
        match &result {
            Ok(ids) => {
                event.outcome = AuditOutcome::Released;
                event.reasons.push(format!("records:{}", ids.len()));
            }
            Err(e) => event.reasons.push(e.code().to_owned()),
        }
        self.audit.append(event)?;
        result
    }
}

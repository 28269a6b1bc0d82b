//! Matching, an agency's part: seal and open match parcels, hold the
//! holder to its terms and budgets, and log every batch (counts and kinds).

use liaison_envelope::{Sealer, inspect, open};
use liaison_match::{Answer, Query, QueryBuilder, evaluate};
use liaison_record::{AgencyId, Purpose, Timestamp};
use uuid::Uuid;

use super::Agency;
use crate::audit::{AuditAgreement, AuditEvent, AuditOutcome, EntryKind};
use crate::matching::{
    Budget, Commitment, Finished, HitReference, HolderKey, Index, KeyKind, Ledger,
    MATCH_LABEL_TYPE, MATCH_LABEL_VERSION, MatchError, MatchKey, MatchLabel, MatchLimits,
    MatchObligations, Pending, Resolver, batch_reasons, day_of, obligation_reasons, stale,
};
use liaison_match::BudgetError;

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
        obligations: &[MatchObligations],
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
        // The label gives the time in milliseconds (docs/match.md, section
        // 12), whatever the clock's precision.
        let t = at.to_offset_date_time();
        let sealed_at = Timestamp::from_offset_date_time(
            t.replace_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
                .unwrap_or(t),
        );
        let label = MatchLabel {
            from: self.id.clone(),
            message: message.to_owned(),
            obligations: obligations.to_vec(),
            parcel,
            purpose: purpose.cloned(),
            sealed_at,
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
        self.seal_match("index", to, None, &[], &index.to_bytes(), at)
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
        if let Some(e) = crate::matching::narrow_filter(index.width(), self.min_filter_width) {
            return Err(e);
        }
        let mut builder = QueryBuilder::new(index);
        builder
            .purpose(purpose.as_str())
            .map_err(|e| query_error(&e))?;
        for k in keys {
            let kind = KeyKind::new(k.kind.as_str()).map_err(|e| query_error(&e))?;
            builder
                .push(&kind, k.value.as_bytes())
                .map_err(|e| query_error(&e))?;
        }
        let (pending, query) = builder.blind().map_err(|e| query_error(&e))?;
        let (parcel, bytes) =
            self.seal_match("query", holder, Some(purpose), &[], &query.to_bytes(), at)?;
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
    /// only narrow them). The query must have been sealed at most 24 hours
    /// before `at` and at most 5 minutes after it, against `commitment`;
    /// every kind must be allowed by some clause in force for the sender
    /// and the purpose, and the batch is held to the strictest limits of
    /// the clauses that apply (see
    /// [`PolicySet::decide_match`](crate::PolicySet::decide_match)).
    /// It is charged to the sender's budget for the purpose in `ledger`
    /// (which the caller persists) before any key is evaluated; a session
    /// the ledger holds already is a replay. The answer's label carries the
    /// obligations of the clauses that applied. The answer, or the refusal
    /// and its reason code, is logged as a `match` entry with the batch's
    /// counts and kinds and the agreement that allowed it.
    ///
    /// # Errors
    /// [`MatchError::NotAllowed`] (a stale or future query, no match
    /// clause for the sender, a purpose or a kind not allowed, a batch too
    /// large, or outside the limits), [`MatchError::Budget`] (the day's
    /// budget used, a replayed query, or the operator's narrower budget),
    /// [`MatchError::Evaluate`] (a query against an old index, or of a kind
    /// it lacks), and the opening and sealing errors.
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
        let mut obligations = Vec::new();
        let result = self.answer_checked(
            &opened,
            key,
            commitment,
            limits,
            ledger,
            at,
            (&mut summary, &mut event.agreements, &mut obligations),
        );
        event.reasons = match &summary {
            Some(s) => batch_reasons("match-answer", s),
            None => vec!["match-answer".to_owned()],
        };
        match &result {
            Ok((answer_parcel, _)) => {
                event.outcome = AuditOutcome::Released;
                event.reasons.push(format!("answer:{answer_parcel}"));
                event.reasons.extend(obligation_reasons(&obligations));
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
        (summary_out, agreements, obligations_out): (
            &mut Option<liaison_match::BatchSummary>,
            &mut Vec<AuditAgreement>,
            &mut Vec<MatchObligations>,
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
        if let Some(reason) = stale(opened.label.sealed_at, at) {
            return Err(refuse("match-stale", reason));
        }
        // A query against another index, or about a kind the index lacks,
        // is refused before the agreement is consulted or anything charged.
        let evaluate_error = |e: liaison_match::EvaluateError| MatchError::Evaluate {
            problem: e.to_string(),
        };
        if query.commitment() != commitment.id() {
            return Err(evaluate_error(
                liaison_match::EvaluateError::StaleCommitment {
                    query: query.commitment(),
                    current: commitment.id(),
                },
            ));
        }
        if let Some((kind, _)) = summary
            .kinds
            .iter()
            .find(|(k, _)| commitment.public_key(k).is_none())
        {
            return Err(evaluate_error(liaison_match::EvaluateError::UnknownKind {
                kind: kind.clone(),
            }));
        }
        if let Some(reason) = limits.refusal(partner, purpose, summary) {
            return Err(refuse("match-limited", reason));
        }
        let kinds: Vec<&str> = summary.kinds.iter().map(|(k, _)| k.as_str()).collect();
        let decision = self
            .policies
            .decide_match(&self.id, partner, purpose, &kinds, summary.total(), at)
            .map_err(|r| refuse(r.code(), r.to_string()))?;
        for g in &decision.grants {
            let named = AuditAgreement {
                digest: g.reference.digest.clone(),
                id: g.reference.id.clone(),
                version: g.reference.version,
            };
            if !agreements.contains(&named) {
                agreements.push(named);
            }
        }
        let agreed = Budget {
            per_day: u64::from(decision.per_day),
            per_batch: u64::from(decision.per_batch),
        };
        let budget = limits.narrow(agreed);
        let used = ledger.used(partner.as_str(), purpose.as_str(), day_of(at));
        ledger
            .charge(
                partner.as_str(),
                purpose.as_str(),
                day_of(at),
                summary,
                budget,
            )
            .map_err(|e| {
                let keys = summary.total();
                // A refusal the agreement's own limits would not make is
                // the operator's narrowing.
                let code = match &e {
                    BudgetError::Batch { .. } if keys <= agreed.per_batch => "match-limited",
                    BudgetError::Day { .. } if used.saturating_add(keys) <= agreed.per_day => {
                        "match-limited"
                    }
                    BudgetError::Batch { .. } => "match-batch-too-large",
                    BudgetError::Replay { .. } => "match-replayed",
                    _ => "match-day-budget-exceeded",
                };
                let problem = if code == "match-limited" {
                    format!("{e}, under this answer's narrower limits")
                } else {
                    e.to_string()
                };
                MatchError::Budget {
                    partner: partner.clone(),
                    code,
                    problem,
                }
            })?;
        *obligations_out = MatchObligations::of(&decision);
        let answer = evaluate(key, commitment, &query).map_err(|e| MatchError::Evaluate {
            problem: e.to_string(),
        })?;
        self.seal_match(
            "answer",
            partner,
            Some(purpose),
            obligations_out.as_slice(),
            &answer.to_bytes(),
            at,
        )
    }

    /// Finishes a query with the holder's sealed answer: checks that it is
    /// from the holder, for the purpose the query was made for, and for its
    /// session; verifies every proof against the index's committed keys,
    /// unblinds and looks up. The batch (counts, kinds, number of hits, the
    /// names of the obligations the answer carries) is logged as a `match`
    /// entry, accepted or refused.
    ///
    /// # Errors
    /// [`MatchError::Answer`] if the answer is for another purpose, is not
    /// this query's, the index is not the one the query was made against,
    /// or a proof fails; the opening errors; [`MatchError::Audit`].
    pub fn match_finish_at(
        &self,
        parcel: &[u8],
        pending: &Pending,
        index: &Index,
        holder: &AgencyId,
        at: Timestamp,
    ) -> Result<Finished, MatchError> {
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
        let answered = opened.label.purpose.as_ref().map(Purpose::as_str);
        let result = if answered.is_none() || answered != pending.purpose() {
            Err(MatchError::Answer {
                problem: format!(
                    "the answer is for the purpose `{}`, the query was made for `{}`",
                    answered.unwrap_or("(none)"),
                    pending.purpose().unwrap_or("(none)")
                ),
            })
        } else {
            Answer::from_bytes(&opened.payload)
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
                })
        };
        match &result {
            Ok(outcomes) => {
                event.outcome = AuditOutcome::Accepted;
                let hits = outcomes.iter().filter(|o| o.hit.is_some()).count();
                event.reasons.push(format!("hits:{hits}"));
                event
                    .reasons
                    .extend(obligation_reasons(&opened.label.obligations));
            }
            Err(e) => event.reasons.push(e.code().to_owned()),
        }
        self.audit.append(event)?;
        result.map(|outcomes| Finished {
            outcomes,
            obligations: opened.label.obligations,
        })
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
        // The clauses in force that let the partner ask about the kind for
        // the purpose decide, and the strictest applies, as for budgets:
        // one of them that does not reveal references stops the
        // resolution. A reference the resolver does not know resolves
        // under no clause.
        let covering: Vec<_> = match kind.as_deref() {
            Some(k) => grants
                .iter()
                .filter(|g| {
                    g.clause.purposes.contains(purpose)
                        && g.clause.key_kinds.iter().any(|x| x.as_str() == k)
                })
                .collect(),
            None => Vec::new(),
        };
        let reveals = !covering.is_empty() && covering.iter().all(|g| g.clause.reveal_reference);
        let grant = covering.first().filter(|_| reveals);
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
                    Some(k) if !covering.iter().any(|g| g.clause.reveal_reference) => format!(
                        "no match clause in force for `{partner}` and `{purpose}` reveals references of the kind `{k}`: ask the partner to describe what it requests"
                    ),
                    Some(k) => format!(
                        "a match clause in force for `{partner}`, `{purpose}` and the kind `{k}` does not reveal references, and the strictest clause applies: ask the partner to describe what it requests"
                    ),
                    None => "this holder has no entry for it (a false hit, or a reference of another index)".to_owned(),
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

//! Matching, an agency's part: seal and open match parcels, hold the
//! holder to its terms and budgets, and log every batch (counts and kinds).

use liaison_envelope::{Sealer, inspect, open};
use liaison_match::{Answer, Query, QueryBuilder, evaluate};
use liaison_record::{AgencyId, Purpose, Timestamp};
use uuid::Uuid;

use super::Agency;
use crate::audit::{AuditEvent, AuditOutcome, EntryKind};
use crate::matching::{
    Commitment, HolderKey, Index, KeyKind, Ledger, MATCH_LABEL_TYPE, MATCH_LABEL_VERSION,
    MatchError, MatchKey, MatchLabel, MatchTerms, Outcome, Pending, batch_reasons, day_of,
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

    /// Answers a sealed query under the terms with its sender: the purpose
    /// and kinds must be allowed, and the batch is charged to the sender's
    /// budget in `ledger` (which the caller persists) before any key is
    /// evaluated. The answer, or the refusal and its reason, is logged as a
    /// `match` entry with the batch's counts and kinds.
    ///
    /// # Errors
    /// [`MatchError::NotAllowed`] (no terms with the sender, a purpose or a
    /// kind not allowed), [`MatchError::Budget`], [`MatchError::Evaluate`]
    /// (a query against an old index), and the opening and sealing errors.
    pub fn match_answer_at(
        &self,
        parcel: &[u8],
        key: &HolderKey,
        commitment: &Commitment,
        terms: &[MatchTerms],
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
        let result = self.answer_checked(&opened, key, commitment, terms, ledger, at, &mut summary);
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
        terms: &[MatchTerms],
        ledger: &mut Ledger,
        at: Timestamp,
        summary_out: &mut Option<liaison_match::BatchSummary>,
    ) -> Result<(Uuid, Vec<u8>), MatchError> {
        let partner = &opened.label.from;
        let query = Query::from_bytes(&opened.payload).map_err(|e| MatchError::Message {
            what: "query",
            problem: e.to_string(),
        })?;
        let summary = summary_out.insert(query.summary());
        let refuse = |reason: String| MatchError::NotAllowed {
            partner: partner.clone(),
            reason,
        };
        let terms = terms
            .iter()
            .find(|t| &t.partner == partner)
            .ok_or_else(|| refuse("no agreement allows this partner to query".to_owned()))?;
        let purpose = opened
            .label
            .purpose
            .as_ref()
            .ok_or_else(|| refuse("the query names no purpose".to_owned()))?;
        if !terms.purposes.contains(purpose) {
            return Err(refuse(format!(
                "the agreement does not allow queries for purpose `{purpose}`"
            )));
        }
        if let Some((kind, _)) = summary
            .kinds
            .iter()
            .find(|(k, _)| !terms.kinds.iter().any(|t| t == k.as_str()))
        {
            return Err(refuse(format!(
                "the agreement does not allow queries about kind `{kind}`"
            )));
        }
        ledger
            .charge(
                partner.as_str(),
                purpose.as_str(),
                day_of(at),
                summary,
                terms.budget,
            )
            .map_err(|e| MatchError::Budget {
                partner: partner.clone(),
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
}

//! Sharing: decide, redact, canonicalize, seal, sign, audit.

use liaison_envelope::{Protection, Sealer};
use liaison_policy::{Decision, Outcome, RequestContext, holder, redact_with_digest};
use liaison_record::{AgencyId, Purpose, Record, Timestamp};
use rayon::prelude::*;
use uuid::Uuid;

use super::{Agency, decision_event};
use crate::audit::{AuditEvent, AuditOutcome, EntryKind};
use crate::delivery::{Delivery, NoDelivery};
use crate::error::{Refusal, ShareError, reason_code, refusing_reason_codes};
use crate::label::{LABEL_TYPE, LABEL_VERSION, LabelRef};
use crate::parcel::Parcel;

impl Agency {
    /// Shares `record` with the partner `to` for `purpose`, now.
    ///
    /// See [`Agency::share_at`].
    ///
    /// # Errors
    ///
    /// See [`Agency::share_at`].
    pub fn share(
        &self,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
    ) -> Result<Parcel, ShareError> {
        self.share_at(record, to, purpose, Timestamp::now())
    }

    /// Shares `record` with the partner `to` for `purpose`, at `at`: decides
    /// under the agreements, makes the released copy (fields withheld, the
    /// provenance entry with its obligations appended), seals its canonical
    /// JSON for the partner's current card with the label bound, signs it
    /// with this agency's current key, and records the release in the audit
    /// log before returning the parcel.
    ///
    /// A record received from another agency is shared on the same way; the
    /// obligations of every earlier release in its provenance apply.
    ///
    /// # Errors
    ///
    /// [`ShareError::Refused`] with the decision's reasons when the
    /// agreements, the marking or the provenance do not allow the release;
    /// [`ShareError::NotHolder`], [`ShareError::UnknownPartner`],
    /// [`ShareError::NoValidKey`], [`ShareError::NoValidIdentity`] and
    /// [`ShareError::Parcel`] for what must be fixed first. Each of these
    /// leaves exactly one refusal entry in the audit log and no parcel.
    /// [`ShareError::Audit`] when the audit log cannot record the outcome.
    pub fn share_at(
        &self,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Result<Parcel, ShareError> {
        self.share_into_at(record, to, purpose, at, &mut NoDelivery)
    }

    /// Shares as [`Agency::share_at`] does, delivering the parcel through
    /// `delivery`: staged before the release is recorded, put in place
    /// after (see [`crate::delivery`]), so that the audit log records a
    /// release only once its parcel is written.
    ///
    /// # Errors
    ///
    /// As [`Agency::share_at`]; and [`ShareError::Output`] when the parcel
    /// cannot be written (a refusal entry with the code
    /// `output-not-written` is recorded instead of the release),
    /// [`ShareError::NotDelivered`] when the release was recorded but the
    /// parcel cannot be put in place (the staged parcel is kept).
    pub fn share_into_at(
        &self,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        delivery: &mut dyn Delivery<Parcel>,
    ) -> Result<Parcel, ShareError> {
        let spontaneous = RequestContext::default();
        self.share_in_context_into_at(record, to, purpose, at, &spontaneous, delivery)
    }

    /// Shares as [`Agency::share_into_at`] does, deciding in a stated
    /// request context (spontaneous or on request, a case reference, an
    /// urgency; see [`liaison_policy::PolicySet::decide_in_context`]):
    /// clauses conditioned on the request apply, and a context that
    /// contradicts itself is refused.
    ///
    /// # Errors
    ///
    /// As [`Agency::share_into_at`].
    pub fn share_in_context_into_at(
        &self,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        request: &RequestContext,
        delivery: &mut dyn Delivery<Parcel>,
    ) -> Result<Parcel, ShareError> {
        let (result, mut event) = self.share_unlogged(record, to, purpose, at, request);
        let audit = |source| ShareError::Audit { source };
        let parcel = match result {
            Ok(parcel) => parcel,
            Err(error) => {
                self.audit.append(event).map_err(audit)?;
                return Err(error);
            }
        };
        if let Err(e) = delivery.stage(&parcel) {
            let error = ShareError::Output {
                problem: e.to_string(),
            };
            event.kind = EntryKind::Refusal;
            event.outcome = AuditOutcome::Failed;
            event.parcel = None;
            event.reasons = vec![error.code().to_owned()];
            self.audit.append(event).map_err(audit)?;
            return Err(error);
        }
        self.audit.append(event).map_err(audit)?;
        delivery.commit().map_err(|e| ShareError::NotDelivered {
            problem: e.to_string(),
        })?;
        Ok(parcel)
    }

    /// Shares many records with one partner for one purpose, now, using
    /// every core. See [`Agency::share_batch_at`].
    pub fn share_batch(
        &self,
        records: &[Record],
        to: &AgencyId,
        purpose: &Purpose,
    ) -> Vec<Result<Parcel, ShareError>> {
        self.share_batch_at(records, to, purpose, Timestamp::now())
    }

    /// Shares many records with one partner for one purpose at `at`, in
    /// parallel on Rayon's thread pool; returns one result per record, in
    /// order. The audit entries of the whole batch are written together,
    /// with one flush to disk (group commit), in the order of `records`;
    /// if that write fails, every result is [`ShareError::Audit`].
    pub fn share_batch_at(
        &self,
        records: &[Record],
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Vec<Result<Parcel, ShareError>> {
        self.share_batch_into_at(records, to, purpose, at, |_| NoDelivery)
    }

    /// Shares a batch as [`Agency::share_batch_at`] does, delivering each
    /// parcel through the delivery `deliver` makes for its record: every
    /// parcel is staged, then the batch's entries are recorded in one
    /// durable step (a parcel that could not be staged is recorded as a
    /// failed release), then every staged parcel is put in place.
    pub fn share_batch_into_at<D>(
        &self,
        records: &[Record],
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        deliver: impl Fn(&Record) -> D + Sync,
    ) -> Vec<Result<Parcel, ShareError>>
    where
        D: Delivery<Parcel> + Send,
    {
        let spontaneous = RequestContext::default();
        self.share_batch_in_context_into_at(records, to, purpose, at, &spontaneous, deliver)
    }

    /// Shares a batch as [`Agency::share_batch_into_at`] does, every record
    /// decided in the one request context given (see
    /// [`Agency::share_in_context_into_at`]).
    pub fn share_batch_in_context_into_at<D>(
        &self,
        records: &[Record],
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        request: &RequestContext,
        deliver: impl Fn(&Record) -> D + Sync,
    ) -> Vec<Result<Parcel, ShareError>>
    where
        D: Delivery<Parcel> + Send,
    {
        let staged: Vec<_> = records
            .par_iter()
            .map(|r| {
                let (result, mut event) = self.share_unlogged(r, to, purpose, at, request);
                let mut delivery = deliver(r);
                let result = result.and_then(|parcel| match delivery.stage(&parcel) {
                    Ok(()) => Ok(parcel),
                    Err(e) => {
                        let error = ShareError::Output {
                            problem: e.to_string(),
                        };
                        event.kind = EntryKind::Refusal;
                        event.outcome = AuditOutcome::Failed;
                        event.parcel = None;
                        event.reasons = vec![error.code().to_owned()];
                        Err(error)
                    }
                });
                (result, event, delivery)
            })
            .collect();
        let mut results = Vec::with_capacity(staged.len());
        let mut events = Vec::with_capacity(staged.len());
        let mut deliveries = Vec::with_capacity(staged.len());
        for (result, event, delivery) in staged {
            results.push(result);
            events.push(event);
            deliveries.push(delivery);
        }
        match self.audit.append_all(events) {
            Ok(_) => results
                .into_iter()
                .zip(deliveries)
                .map(|(result, mut delivery)| {
                    let parcel = result?;
                    delivery.commit().map_err(|e| ShareError::NotDelivered {
                        problem: e.to_string(),
                    })?;
                    Ok(parcel)
                })
                .collect(),
            Err(source) => {
                let message = source.to_string();
                results
                    .into_iter()
                    .map(|_| {
                        Err(ShareError::Audit {
                            source: crate::audit::AuditError::Store {
                                source: std::io::Error::other(message.clone()),
                            },
                        })
                    })
                    .collect()
            }
        }
    }

    /// Everything but the audit append: the outcome and the event recording it.
    fn share_unlogged(
        &self,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        request: &RequestContext,
    ) -> (Result<Parcel, ShareError>, AuditEvent) {
        let mut event = AuditEvent::new(EntryKind::Refusal, AuditOutcome::Failed, at);
        event.counterparty = Some(to.clone());
        event.purpose = Some(purpose.clone());
        event.record = Some(record.id);
        let fail = |mut event: AuditEvent, error: ShareError| {
            event.reasons.push(error.code().to_owned());
            (Err(error), event)
        };

        // The record's digest, computed once for the decision, the
        // redaction's check and the audit entry.
        let record_digest = record.digest();
        let holder = holder(record);
        if holder != &self.id {
            event.record_digest = Some(record_digest.to_string());
            let error = ShareError::NotHolder {
                record: record.id,
                agency: self.id.clone(),
                holder: holder.clone(),
            };
            return fail(event, error);
        }

        let decision =
            self.policies
                .decide_in_context(record, record_digest, to, purpose, at, request);
        if !decision.outcome.releases() {
            let outcome = if decision.outcome == Outcome::Refer {
                AuditOutcome::Referred
            } else {
                AuditOutcome::Denied
            };
            let mut event = decision_event(EntryKind::Refusal, outcome, &decision);
            event.record_digest = Some(decision.record_digest.to_string());
            event.reasons = refusing_reason_codes(&decision);
            let error = ShareError::Refused {
                refusal: Box::new(Refusal { decision }),
            };
            return (Err(error), event);
        }
        let mut event = decision_event(EntryKind::Refusal, AuditOutcome::Failed, &decision);
        event.record_digest = Some(decision.record_digest.to_string());

        let Some(card) = self.directory.current_card(to, at) else {
            let error = if self.directory.cards(to).is_empty() {
                ShareError::UnknownPartner {
                    partner: to.clone(),
                }
            } else {
                ShareError::NoValidKey {
                    partner: to.clone(),
                    at: at.to_string(),
                }
            };
            return fail(event, error);
        };
        let Some(identity) = self.signing_identity(at) else {
            let error = ShareError::NoValidIdentity {
                agency: self.id.clone(),
                at: at.to_string(),
            };
            return fail(event, error);
        };

        match self.seal_release(record, record_digest, &decision, card, identity, at) {
            Ok(parcel) => {
                event.kind = EntryKind::Release;
                event.outcome = AuditOutcome::Released;
                event.record_digest = Some(parcel.digest.to_string());
                event.parcel = Some(parcel.id);
                event.reasons = decision
                    .reasons
                    .iter()
                    .filter(|r| r.effect != liaison_policy::ReasonEffect::NotApplicable)
                    .map(reason_code)
                    .collect();
                (Ok(parcel), event)
            }
            Err(error) => fail(event, error),
        }
    }

    /// Makes the released copy and seals it.
    fn seal_release(
        &self,
        record: &Record,
        record_digest: liaison_record::Digest,
        decision: &Decision,
        card: &liaison_envelope::Card,
        identity: &liaison_envelope::Identity,
        at: Timestamp,
    ) -> Result<Parcel, ShareError> {
        let parcel_error = |problem: String| ShareError::Parcel { problem };
        if decision.require_post_quantum && !card.has_post_quantum_key() {
            return Err(ShareError::PostQuantumRequired {
                partner: decision.to.clone(),
                reason: post_quantum_reason(decision),
            });
        }
        let copy = redact_with_digest(record, record_digest, decision, &self.id)
            .map_err(|e| parcel_error(e.to_string()))?;
        let payload = copy.canonical_json();
        let digest = liaison_record::sha256(&payload);
        let release = copy
            .provenance
            .last()
            .ok_or_else(|| parcel_error("the released copy has no provenance entry".to_owned()))?;
        let id = Uuid::new_v4();
        let checkpoint = self
            .checkpoints
            .for_parcel(&self.audit, identity, at)
            .map_err(|e| {
                parcel_error(format!("cannot sign a checkpoint of the audit log ({e})"))
            })?;
        let label = LabelRef {
            kind: LABEL_TYPE,
            v: LABEL_VERSION,
            parcel: id,
            from: &self.id,
            to: &decision.to,
            sealed_at: at,
            record: copy.id,
            version: copy.version,
            digest,
            marking: &copy.marking,
            decision: release.decision,
            obligations: &release.obligations,
            checkpoint: Some(&checkpoint),
        }
        .to_bytes()
        .map_err(|e| parcel_error(format!("cannot encode the label ({e})")))?;
        // Post-quantum when an agreement requires it, and otherwise whenever
        // the partner's card allows it (`Auto` with one card).
        let protection = if decision.require_post_quantum {
            Protection::PostQuantum
        } else {
            Protection::Auto
        };
        let bytes = Sealer::new(identity)
            .recipient(card)
            .protection(protection)
            .label(&label)
            .at(at.to_offset_date_time())
            .seal(&payload)
            .map_err(|e| parcel_error(e.to_string()))?;
        Ok(Parcel {
            id,
            to: decision.to.clone(),
            record: copy.id,
            digest,
            bytes,
        })
    }
}

/// The agreements' reasons for requiring post-quantum sealing, in words.
fn post_quantum_reason(decision: &Decision) -> String {
    let reasons: Vec<String> = decision
        .reasons
        .iter()
        .filter(|r| r.rule == liaison_policy::Rule::PostQuantum)
        .map(|r| match &r.agreement {
            Some(a) => format!("agreement `{a}` {}", r.message),
            None => r.message.clone(),
        })
        .collect();
    if reasons.is_empty() {
        "the decision requires post-quantum sealing".to_owned()
    } else {
        reasons.join("; ")
    }
}

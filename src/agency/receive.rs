//! Receiving: identify the sender, open and verify, validate the record,
//! check the label against it and its age, stage the output, then record
//! the receipt and the parcel id in one durable step, then deliver.

use liaison_envelope::{KeyId, OpenError, Opened, inspect, open};
use liaison_record::{Record, Timestamp, sha256};
use rayon::prelude::*;

use super::{Agency, OwnKey};
use crate::audit::{
    AuditAgreement, AuditEntry, AuditEvent, AuditOutcome, EntryKind, PendingReceipt,
};
use crate::delivery::{Delivery, NoDelivery};
use crate::error::ReceiveError;
use crate::label::{LABEL_TYPE, LABEL_VERSION, Label, LabelError, LabelHead, LabelRef, is_v4};
use crate::parcel::Received;

/// How far in the future (by the receiver's clock) a parcel's sealing time
/// may lie, to allow for clocks that are not quite in step.
pub const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// The replay window unless the agency sets another: parcels sealed more
/// than 30 days before their receipt are refused as too old.
pub const DEFAULT_REPLAY_WINDOW: time::Duration = time::Duration::days(30);

/// The longest replay window an agency may set: 3650 days (about ten
/// years). [`AgencyBuilder::build`](crate::AgencyBuilder::build) refuses a
/// longer or negative one.
pub const MAX_REPLAY_WINDOW: time::Duration = time::Duration::days(3650);

impl Agency {
    /// Receives a parcel now. See [`Agency::receive_at`].
    ///
    /// # Errors
    ///
    /// See [`Agency::receive_at`].
    pub fn receive(&self, parcel: &[u8]) -> Result<Received, ReceiveError> {
        self.receive_at(parcel, Timestamp::now())
    }

    /// Receives a parcel at `at`: checks that the sender is a partner whose
    /// card is valid, opens the envelope and verifies the signature,
    /// validates the record, checks that the bound label matches the record
    /// (id, version, digest, marking, and the provenance entry of this
    /// release with its obligations), refuses a parcel sealed longer ago
    /// than the [replay window](Agency::replay_window), and records the
    /// receipt in the audit log, refusing a parcel accepted before (by any
    /// writer of the audit store) in the same durable step.
    ///
    /// # Errors
    ///
    /// [`ReceiveError`] says why the parcel was refused. Every refusal
    /// leaves one receipt entry in the audit log, except
    /// [`ReceiveError::Audit`], when the log cannot record it (the parcel
    /// is then not accepted either).
    pub fn receive_at(&self, parcel: &[u8], at: Timestamp) -> Result<Received, ReceiveError> {
        self.receive_into_at(parcel, at, &mut NoDelivery)
    }

    /// Receives a parcel at `at` as [`Agency::receive_at`] does, delivering
    /// the record through `delivery`: staged before the receipt is
    /// recorded, put in place after (see [`crate::delivery`]).
    ///
    /// # Errors
    ///
    /// As [`Agency::receive_at`]; and [`ReceiveError::Output`] when the
    /// record cannot be staged (a receipt entry with the code
    /// `output-not-written` is recorded, the parcel is not accepted and can
    /// be received again), [`ReceiveError::NotDelivered`] when it was
    /// accepted but cannot be put in place (the staged output is kept).
    pub fn receive_into_at(
        &self,
        parcel: &[u8],
        at: Timestamp,
        delivery: &mut dyn Delivery<Received>,
    ) -> Result<Received, ReceiveError> {
        self.receive_recorded(parcel, at, delivery).0
    }

    /// As [`Agency::receive_into_at`], and the receipt's audit entry when
    /// one was recorded.
    pub(super) fn receive_recorded(
        &self,
        parcel: &[u8],
        at: Timestamp,
        delivery: &mut dyn Delivery<Received>,
    ) -> (Result<Received, ReceiveError>, Option<AuditEntry>) {
        let (result, mut event) = self.receive_unlogged(parcel, at);
        let audit = |source| ReceiveError::Audit { source };
        let received = match result {
            Ok(received) => received,
            Err(error) => {
                return match self.audit.append(event) {
                    Ok(entry) => (Err(error), Some(entry)),
                    Err(e) => (Err(audit(e)), None),
                };
            }
        };
        if let Err(e) = delivery.stage(&received) {
            let error = ReceiveError::Output {
                problem: e.to_string(),
            };
            event.outcome = AuditOutcome::Refused;
            event.reasons = error.audit_reasons();
            return match self.audit.append(event) {
                Ok(entry) => (Err(error), Some(entry)),
                Err(e) => (Err(audit(e)), None),
            };
        }
        let recorded = self.audit.record(
            vec![PendingReceipt {
                event,
                accepts: Some(received.parcel),
            }],
            self.prune_before(at),
        );
        let (mut entries, accepted) = match recorded {
            Ok(r) => r,
            Err(e) => return (Err(audit(e)), None),
        };
        let entry = entries.pop();
        if accepted.first() != Some(&true) {
            let error = ReceiveError::Replayed {
                parcel: received.parcel,
            };
            return (Err(error), entry);
        }
        if let Err(e) = delivery.commit() {
            let error = ReceiveError::NotDelivered {
                problem: e.to_string(),
            };
            return (Err(error), entry);
        }
        (Ok(received), entry)
    }

    /// Receives many parcels at `at`, checked in parallel on Rayon's thread
    /// pool; one result per parcel, in order. The receipts are recorded
    /// together in one durable step (one flush to disk); a parcel that
    /// comes twice in the batch is accepted once. If that step fails,
    /// every result is [`ReceiveError::Audit`] and no parcel is accepted.
    pub fn receive_batch_at<P>(
        &self,
        parcels: &[P],
        at: Timestamp,
    ) -> Vec<Result<Received, ReceiveError>>
    where
        P: AsRef<[u8]> + Sync,
    {
        let (results, pending): (Vec<_>, Vec<_>) = parcels
            .par_iter()
            .map(|p| {
                let (result, event) = self.receive_unlogged(p.as_ref(), at);
                let accepts = result.as_ref().ok().map(|r| r.parcel);
                (result, PendingReceipt { event, accepts })
            })
            .unzip();
        match self.audit.record(pending, self.prune_before(at)) {
            Ok((_, accepted)) => results
                .into_iter()
                .zip(accepted)
                .map(|(result, accepted)| match result {
                    Ok(received) if !accepted => Err(ReceiveError::Replayed {
                        parcel: received.parcel,
                    }),
                    other => other,
                })
                .collect(),
            Err(source) => {
                let message = source.to_string();
                results
                    .into_iter()
                    .map(|_| {
                        Err(ReceiveError::Audit {
                            source: crate::audit::AuditError::Store {
                                source: std::io::Error::other(message.clone()),
                            },
                        })
                    })
                    .collect()
            }
        }
    }

    /// Ids of parcels received before this can be forgotten: any parcel
    /// sealed so long ago is refused by its age.
    /// `None` when that time cannot be represented: then nothing is
    /// forgotten.
    fn prune_before(&self, at: Timestamp) -> Option<Timestamp> {
        at.to_offset_date_time()
            .checked_sub(self.replay_window)
            .and_then(|t| t.checked_sub(CLOCK_SKEW))
            .map(Timestamp::from_offset_date_time)
    }

    /// Every check but the replay check, and the receipt's event (with the
    /// outcome it has if the parcel was not accepted before).
    fn receive_unlogged(
        &self,
        bytes: &[u8],
        at: Timestamp,
    ) -> (Result<Received, ReceiveError>, AuditEvent) {
        let mut event = AuditEvent::new(EntryKind::Receipt, AuditOutcome::Refused, at);
        let result = self.check_parcel(bytes, at, &mut event);
        match &result {
            Ok(_) => event.outcome = AuditOutcome::Accepted,
            Err(error) => event.reasons = error.audit_reasons(),
        }
        (result, event)
    }

    /// Every check of a parcel, filling in `event` as facts are established.
    fn check_parcel(
        &self,
        bytes: &[u8],
        at: Timestamp,
        event: &mut AuditEvent,
    ) -> Result<Received, ReceiveError> {
        let inspection = inspect(bytes).map_err(|e| ReceiveError::NotAParcel {
            problem: e.to_string(),
        })?;
        let (sender, _) = self
            .directory
            .by_signing_key(&inspection.sender_key_id)
            .ok_or_else(|| ReceiveError::UnknownSender {
                key_id: inspection.sender_key_id.to_string(),
            })?;
        let cards = &self.directory.signing_cards(sender, at)[..];

        // A parcel is sealed for its one recipient, named in its one
        // stanza: a copy that a third agency could open, or that hides
        // whom it is for, is not a release from one agency to another.
        let recipient = match inspection.recipients.as_slice() {
            [only] => only.key_id,
            others => {
                return Err(ReceiveError::NotAParcel {
                    problem: format!(
                        "sealed for {} recipients; a parcel is sealed for its one recipient",
                        others.len()
                    ),
                });
            }
        };
        let Some(recipient) = recipient else {
            return Err(ReceiveError::NotAParcel {
                problem: "its stanza does not name its recipient; a parcel names its one recipient"
                    .to_owned(),
            });
        };
        let candidates: Vec<&OwnKey> = self
            .keys
            .iter()
            .filter(|k| own_key_id(&k.card, &inspection) == Some(recipient))
            .collect();
        if candidates.is_empty() {
            return Err(ReceiveError::NotForUs {
                agency: self.id.clone(),
            });
        }
        let when = at.to_offset_date_time();
        let mut opened: Option<(&OwnKey, Opened)> = None;
        let mut last_error = None;
        for key in candidates {
            match open(bytes, &key.identity, cards, when) {
                Ok(o) => {
                    opened = Some((key, o));
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let Some((own, opened)) = opened else {
            return Err(match last_error {
                Some(e) => self.open_error(e),
                None => ReceiveError::CannotOpen,
            });
        };
        // Only now is the sender proven: the envelope's signatures verify
        // with one of its cards. Refusals before this name no sender.
        event.counterparty = Some(sender.clone());
        if opened.history.len() != 1 {
            return Err(ReceiveError::NotAParcel {
                problem: "the envelope was rewrapped after sealing; a record passed on must be shared again by its holder".to_owned(),
            });
        }

        // The label is accepted only if it is, byte for byte, the label the
        // sender writes for this record: its own members (parcel, sealing
        // time, checkpoint) taken from where a canonical label has them,
        // every other member from the sender, this agency and the record.
        // Equal bytes prove at once that the label is canonical, that the
        // members taken are its own, and that each other member matches.
        // When they differ, `label_problem` reads the whole label to say
        // what is wrong.
        let Some(head) = LabelHead::find(&opened.label).filter(|h| is_v4(&h.parcel)) else {
            return Err(label_problem(&opened, sender, &self.id, None, event));
        };
        event.parcel = Some(head.parcel);
        let payload_digest = sha256(&opened.payload);
        event.record_digest = Some(payload_digest.to_string());
        let record = match Record::from_json(&opened.payload) {
            Ok(record) => record,
            Err(e) => {
                // A label that is not a label is reported first.
                if let Err(bad) = Label::parse(&opened.label) {
                    event.parcel = None;
                    event.record_digest = None;
                    return Err(bad_label(bad));
                }
                return Err(ReceiveError::InvalidRecord {
                    problems: e.problems().iter().map(ToString::to_string).collect(),
                    pointers: e
                        .problems()
                        .iter()
                        .map(|p| p.pointer().to_owned())
                        .collect(),
                });
            }
        };
        event.record = Some(record.id);

        let release = record.provenance.last();
        let expected = release.and_then(|release| {
            LabelRef {
                kind: LABEL_TYPE,
                v: LABEL_VERSION,
                parcel: head.parcel,
                from: sender,
                to: &self.id,
                sealed_at: head.sealed_at,
                record: record.id,
                version: record.version,
                digest: payload_digest,
                marking: &record.marking,
                decision: release.decision,
                obligations: &release.obligations,
                checkpoint: head.checkpoint.as_deref(),
            }
            .to_bytes()
            .ok()
        });
        let mismatch = |field: &'static str| ReceiveError::LabelMismatch { field };
        let (Some(release), true) = (release, expected.as_deref() == Some(&opened.label[..]))
        else {
            return Err(label_problem(
                &opened,
                sender,
                &self.id,
                Some(&record),
                event,
            ));
        };
        // What the label cannot show: the envelope's signer, the payload's
        // canonical form (so that its digest is the record's digest), the
        // release's parties, and the checkpoint's signature. In the order
        // `label_problem` checks them.
        if opened.sender.agency_id() != sender.as_str() {
            return Err(mismatch("sender"));
        }
        if record.canonical_json() != opened.payload {
            return Err(ReceiveError::NotCanonical);
        }
        if &release.from != sender || release.to != self.id {
            return Err(mismatch("provenance"));
        }
        // The sender's checkpoint, when the label carries one, must be its
        // log's, signed with the key that signed the parcel.
        if let Some(text) = &head.checkpoint
            && !self.checkpoints.verifies(&opened.sender, text)
        {
            return Err(mismatch("checkpoint"));
        }
        let label = head;
        event.purpose = Some(release.purpose.clone());
        event.decision = Some(release.decision);
        event.agreements = vec![AuditAgreement {
            digest: release.agreement.digest.clone(),
            id: release.agreement.id.clone(),
            version: release.agreement.version,
        }];

        let sealed = label.sealed_at.to_offset_date_time();
        if when
            .checked_add(CLOCK_SKEW)
            .is_some_and(|latest| sealed > latest)
        {
            return Err(ReceiveError::SealedInFuture {
                sealed_at: label.sealed_at.to_string(),
                at: at.to_string(),
            });
        }
        // A window reaching before the first representable time refuses
        // nothing by age.
        if when
            .checked_sub(self.replay_window)
            .is_some_and(|earliest| sealed < earliest)
        {
            return Err(ReceiveError::TooOld {
                sealed_at: label.sealed_at.to_string(),
                at: at.to_string(),
                window: format!("{} hours", self.replay_window.whole_hours()),
            });
        }
        if !own.card.is_valid_at(sealed) {
            return Err(ReceiveError::RetiredKey {
                key_id: own_key_id(&own.card, &inspection)
                    .unwrap_or(own.card.encryption_key_id())
                    .to_string(),
                sealed_at: label.sealed_at.to_string(),
            });
        }
        if let Some(card) = self
            .directory
            .card_by_signing_key(&inspection.sender_key_id)
            && !card.is_valid_at(sealed)
        {
            return Err(ReceiveError::SenderKeyNotValid {
                sender: sender.to_string(),
                at: label.sealed_at.to_string(),
                not_before: Timestamp::from_offset_date_time(card.not_before()).to_string(),
                not_after: Timestamp::from_offset_date_time(card.not_after()).to_string(),
            });
        }

        Ok(Received {
            from: sender.clone(),
            parcel: label.parcel,
            sealed_at: label.sealed_at,
            received_at: at,
            purpose: release.purpose.clone(),
            agreement: release.agreement.clone(),
            decision: release.decision,
            withheld: release.withheld.clone(),
            obligations: release.obligations.clone(),
            sender_checkpoint: label.checkpoint,
            record,
        })
    }

    fn open_error(&self, e: OpenError) -> ReceiveError {
        match e {
            OpenError::SenderCardNotValid {
                agency,
                at,
                not_before,
                not_after,
            } => ReceiveError::SenderKeyNotValid {
                sender: agency,
                at,
                not_before,
                not_after,
            },
            OpenError::UntrustedSender { key_id } => ReceiveError::UnknownSender {
                key_id: key_id.to_string(),
            },
            OpenError::SignatureDowngrade { agency } => {
                ReceiveError::SignatureDowngrade { sender: agency }
            }
            OpenError::SigningKeyMismatch {
                agency,
                found,
                expected,
            } => ReceiveError::SigningKeyMismatch {
                sender: agency,
                found: found.to_string(),
                expected: expected.map(|id| id.to_string()),
            },
            OpenError::NotRecipient { .. } => ReceiveError::NotForUs {
                agency: self.id.clone(),
            },
            OpenError::NotAnEnvelope
            | OpenError::UnsupportedVersion { .. }
            | OpenError::UnsupportedSuite { .. }
            | OpenError::Malformed { .. } => ReceiveError::NotAParcel {
                problem: e.to_string(),
            },
            _ => ReceiveError::CannotOpen,
        }
    }
}

/// The key id of this agency's card that names it in the envelope's
/// stanzas: its X-Wing key id in a post-quantum envelope, its X25519 key
/// id in a classical one.
fn own_key_id(
    card: &liaison_envelope::Card,
    inspection: &liaison_envelope::Inspection,
) -> Option<KeyId> {
    if inspection.post_quantum {
        card.post_quantum_key_id()
    } else {
        Some(card.encryption_key_id())
    }
}

/// The error for a label that is not the one the sender writes for the
/// record (see `check_parcel`): reads the whole label and checks it member by
/// member, in this order, and returns the first problem. `record` is `None`
/// when the label was refused before the record was read. The audit event
/// keeps only what was established before the label was read.
fn label_problem(
    opened: &Opened,
    sender: &liaison_record::AgencyId,
    us: &liaison_record::AgencyId,
    record: Option<&Record>,
    event: &mut AuditEvent,
) -> ReceiveError {
    let label = match Label::parse(&opened.label) {
        Ok(label) => label,
        Err(e) => {
            event.parcel = None;
            event.record_digest = None;
            event.record = None;
            return bad_label(e);
        }
    };
    let mismatch = |field: &'static str| ReceiveError::LabelMismatch { field };
    let Some(record) = record else {
        // The head of a label that parses is always readable.
        return bad_label(LabelError::NotCanonical);
    };
    if &label.from != sender || opened.sender.agency_id() != sender.as_str() {
        return mismatch("sender");
    }
    if &label.to != us {
        return mismatch("recipient");
    }
    if label.record != record.id {
        return mismatch("record id");
    }
    if label.version != record.version {
        return mismatch("record version");
    }
    // A label that names the record's digest over a payload spelled
    // otherwise: the payload is at fault, not the label.
    let canonical = record.canonical_json();
    if label.digest != sha256(&opened.payload) && label.digest != sha256(&canonical) {
        return mismatch("record digest");
    }
    if canonical != opened.payload {
        return ReceiveError::NotCanonical;
    }
    if label.marking != record.marking {
        return mismatch("marking");
    }
    let Some(release) = record.provenance.last() else {
        return mismatch("provenance");
    };
    if &release.from != sender || &release.to != us || release.decision != label.decision {
        return mismatch("provenance");
    }
    if release.obligations != label.obligations {
        return mismatch("obligations");
    }
    // Every member matches and the label is canonical, so it is the label
    // the comparison expected: not reached.
    bad_label(LabelError::NotCanonical)
}

/// A label that is not a parcel label.
fn bad_label(e: LabelError) -> ReceiveError {
    ReceiveError::BadLabel {
        problem: match e {
            LabelError::Shape(detail) => detail,
            LabelError::NotCanonical => "not in the label's canonical form (RFC 8785 of the label with each member written as docs/exchange.md gives it)".to_owned(),
            LabelError::Unsupported => "another label type or version".to_owned(),
        },
    }
}

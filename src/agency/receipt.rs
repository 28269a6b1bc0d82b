//! Receiving with a receipt: the receiver signs what it recorded and adds
//! a checkpoint of its log that holds the receipt's entry, with the entry's
//! inclusion proof (`docs/audit.md`, section 6).

use liaison_record::Timestamp;

use super::Agency;
use crate::audit::{AuditEntry, AuditOutcome, transparency_sign};
use crate::delivery::{Delivery, NoDelivery};
use crate::error::ReceiveError;
use crate::parcel::Received;
use crate::receipt::{Receipt, ReceiptError, ReceiptText};

/// What a receive with a receipt gives: the outcome, and the receipt to
/// send back to the sender (for a refusal too).
#[derive(Debug)]
#[non_exhaustive]
pub struct Receipted {
    /// The outcome, as [`Agency::receive_into_at`] gives it.
    pub result: Result<Received, ReceiveError>,
    /// The signed receipt; an error when none could be made (a parcel
    /// whose id could not be read, a log that failed).
    pub receipt: Result<Receipt, ReceiptError>,
}

impl Agency {
    /// Receives a parcel at `at` as [`Agency::receive_at`] does, and makes
    /// the receipt.
    pub fn receive_receipted_at(&self, parcel: &[u8], at: Timestamp) -> Receipted {
        self.receive_receipted_into_at(parcel, at, &mut NoDelivery)
    }

    /// Receives a parcel at `at` as [`Agency::receive_into_at`] does, and
    /// makes the receipt: the receipt text of the recorded entry, signed
    /// with this agency's current identity, the checkpoint of its log as it
    /// is right after the entry, and the entry's inclusion proof.
    pub fn receive_receipted_into_at(
        &self,
        parcel: &[u8],
        at: Timestamp,
        delivery: &mut dyn Delivery<Received>,
    ) -> Receipted {
        let (result, entry) = self.receive_recorded(parcel, at, delivery);
        let receipt = match entry {
            Some(entry) => self.make_receipt(&entry, result.as_ref().ok(), at),
            None => Err(ReceiptError::NotMade(
                "the audit log recorded no receipt entry".to_owned(),
            )),
        };
        Receipted { result, receipt }
    }

    fn make_receipt(
        &self,
        entry: &AuditEntry,
        received: Option<&Received>,
        at: Timestamp,
    ) -> Result<Receipt, ReceiptError> {
        let not_made = |e: &dyn std::fmt::Display| ReceiptError::NotMade(e.to_string());
        let parcel = entry.parcel.ok_or_else(|| {
            not_made(&"the receipt entry names no parcel: the envelope did not open, or its label is not a parcel label, so no parcel id was established")
        })?;
        let identity = self.signing_identity(at).ok_or_else(|| {
            not_made(&format_args!(
                "no identity of this agency is valid at the time of receipt, {at}"
            ))
        })?;
        let accepted = entry.outcome == AuditOutcome::Accepted;
        let obligations = match received {
            Some(r) if accepted => {
                let value = serde_json::to_value(&r.obligations).map_err(|e| not_made(&e))?;
                let bytes = liaison_record::canonicalize_value(&value);
                Some(String::from_utf8(bytes).map_err(|e| not_made(&e))?)
            }
            _ => None,
        };
        let text = ReceiptText {
            parcel,
            from: entry.counterparty.clone(),
            to: identity.agency_id().to_owned(),
            accepted,
            record: entry.record,
            digest: entry.record_digest.clone(),
            obligations,
            reasons: if accepted {
                Vec::new()
            } else {
                entry.reasons.clone()
            },
            at: entry.at,
            entry: entry.seq,
        };
        let note = transparency_sign(identity, &text.to_text()).map_err(|e| not_made(&e))?;
        let proof = self
            .audit
            .prove_appended(entry, identity)
            .map_err(|e| not_made(&e))?;
        let checkpoint = proof
            .checkpoint
            .ok_or_else(|| not_made(&"the log gave no checkpoint"))?;
        Ok(Receipt {
            note,
            entry: proof.entry,
            proof: proof.proof,
            checkpoint,
        })
    }
}

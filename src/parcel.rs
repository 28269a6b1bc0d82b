//! What share returns and what receive returns.

use std::fmt;

use liaison_record::{AgencyId, AgreementRef, Digest, Obligations, Purpose, Record, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// A sealed, signed record on its way to one partner: the bytes to send,
/// with what the sender may want to keep about it.
#[derive(Clone, PartialEq, Eq)]
pub struct Parcel {
    pub(crate) id: Uuid,
    pub(crate) to: AgencyId,
    pub(crate) record: Uuid,
    pub(crate) digest: Digest,
    pub(crate) bytes: Vec<u8>,
}

impl Parcel {
    /// The parcel id (in the signed label; the receiver refuses it twice).
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The recipient.
    pub fn to(&self) -> &AgencyId {
        &self.to
    }

    /// The record id.
    pub fn record_id(&self) -> Uuid {
        self.record
    }

    /// The digest of the released copy (as in both agencies' audit logs).
    pub fn record_digest(&self) -> Digest {
        self.digest
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes to send.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Whether an envelope's label bytes claim to be a parcel's label.
    ///
    /// A parcel must be accepted with [`Agency::receive`](crate::Agency::receive),
    /// which checks the label against the record, refuses replays and writes
    /// the audit log; opening it as a plain envelope skips all three. Tools
    /// that open envelopes use this to send parcels there instead.
    ///
    /// ```
    /// assert!(liaison::Parcel::is_parcel_label(br#"{"type":"liaison-parcel","v":1}"#));
    /// assert!(!liaison::Parcel::is_parcel_label(b"SECRET//REL DEU"));
    /// ```
    pub fn is_parcel_label(label: &[u8]) -> bool {
        crate::label::claims_parcel(label)
    }
}

impl fmt::Debug for Parcel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parcel")
            .field("id", &self.id)
            .field("to", &self.to)
            .field("record", &self.record)
            .field("digest", &self.digest)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A parcel accepted from a partner: the record and the conditions that
/// came with it.
///
/// `Display` prints a summary for an operator (sender, agreement, purpose,
/// what was withheld, the obligations in words); [`Received::to_json`] (or
/// `Serialize`) gives the whole, record included, to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Received {
    /// The sending partner (verified: the parcel is signed with its key).
    pub from: AgencyId,
    /// The parcel id.
    pub parcel: Uuid,
    /// When the sender sealed the parcel.
    pub sealed_at: Timestamp,
    /// When it was received.
    pub received_at: Timestamp,
    /// The purpose the record was released for: use it for that only.
    pub purpose: Purpose,
    /// The agreement the release was made under.
    pub agreement: AgreementRef,
    /// The sender's decision id.
    pub decision: Uuid,
    /// What the sender withheld from this copy (JSON pointers); empty for a
    /// full release.
    pub withheld: Vec<String>,
    /// The conditions this agency must respect: retain until, onward
    /// sharing, notify duties, attribution, encryption at rest.
    pub obligations: Obligations,
    /// The sender's signed checkpoint of its audit log as it was when the
    /// parcel was sealed, verified with the sender's key (a signed note's
    /// text, `docs/audit.md`): evidence of the sender's log that this
    /// agency now holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_checkpoint: Option<String>,
    /// The record, with the release appended to its provenance.
    pub record: Record,
}

impl Received {
    /// The whole receipt as pretty-printed JSON (the form `liaison receive`
    /// writes), to store or hand on without adding `serde_json`.
    ///
    /// # Errors
    ///
    /// [`JsonError`](crate::JsonError) only if a value cannot be written as
    /// JSON, which the record model rules out.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "record {} version {} from {}, under agreement `{}` version {}, for `{}`",
            self.record.id,
            self.record.version,
            self.from,
            self.agreement.id,
            self.agreement.version,
            self.purpose
        )?;
        writeln!(
            f,
            "parcel {}, sealed at {}, received at {}",
            self.parcel, self.sealed_at, self.received_at
        )?;
        if self.withheld.is_empty() {
            writeln!(f, "nothing withheld")?;
        } else {
            writeln!(f, "withheld: {}", self.withheld.join(", "))?;
        }
        write!(f, "{}", self.obligations)
    }
}

/// [`Obligations`] in words, one condition a line: the same text as
/// `Obligations`' own `Display` (`received.obligations.to_string()`), which
/// it prints. Kept for the callers that name it.
#[derive(Debug, Clone, Copy)]
pub struct ObligationsText<'a>(pub &'a Obligations);

impl fmt::Display for ObligationsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

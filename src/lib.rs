//! Liaison: share intelligence records across borders.
//!
//! An [`Agency`] turns "send this record to that partner for this purpose"
//! into one call, [`share`](Agency::share): decide under the sharing
//! agreements, make the released copy (fields withheld, the release and its
//! obligations appended to the provenance), seal its canonical JSON for the
//! partner's current key with the handling label bound, sign it, and record
//! the release in a hash-chained [audit log](audit). The partner's
//! [`receive`](Agency::receive) checks the sender, opens and verifies the
//! parcel, validates the record, checks the bound label against it, refuses
//! replays, records the receipt, and returns the record with its
//! [`Obligations`] as typed values.
//!
//! ```
//! use liaison::{Agency, Directory, Identity, OnwardSharing, PolicySet, Record};
//! use liaison::audit::AuditLog;
//! use time::macros::datetime;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Each agency has its keys; partners exchange their public cards.
//! let (from, until) = (datetime!(2026-01-01 0:00 UTC), datetime!(2027-01-01 0:00 UTC));
//! let kmar_keys = Identity::generate("NLD-KMAR", from, until)?;
//! let bpol_keys = Identity::generate("DEU-BPOL", from, until)?;
//! let mut kmar_partners = Directory::new();
//! kmar_partners.add(bpol_keys.card())?;
//! let mut bpol_partners = Directory::new();
//! bpol_partners.add(kmar_keys.card())?;
//!
//! // The sharing agreement, as the lawyers of both sides signed it.
//! let agreement = liaison::policy::parse_agreement(r#"
//!     id = "nld-kmar.deu-bpol.documents"
//!     version = 1
//!     provider = "NLD-KMAR"
//!     recipients = ["DEU-BPOL"]
//!     valid_from = 2026-01-01T00:00:00Z
//!     legal_basis = "Prüm Convention, art. 39"
//!     purposes = ["border-control"]
//!     max_classification = "restricted"
//!     [[clause]]
//!     id = "stolen-documents"
//!     effect = "release"
//!     when = { entity_kinds = ["travel-document"] }
//!     release = { classes = ["travel-document"] }
//!     obligations = { retention_days = 90, onward = "forbidden" }
//! "#, liaison::policy::Format::Toml, "agreement.toml")?;
//!
//! // In production the audit log is a file: `.audit_file("audit.jsonl")`.
//! let kmar = Agency::builder(kmar_keys)
//!     .directory(kmar_partners)
//!     .agreements(PolicySet::new(vec![agreement]))
//!     .audit_log(AuditLog::in_memory())
//!     .build()?;
//! let bpol = Agency::builder(bpol_keys)
//!     .directory(bpol_partners)
//!     .audit_log(AuditLog::in_memory())
//!     .build()?;
//!
//! let record = Record::from_json(br#"{
//!   "schema_version": "1.0",
//!   "id": "7f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10",
//!   "version": 1,
//!   "originator": "NLD-KMAR",
//!   "created": "2026-03-01T10:00:00.000Z",
//!   "modified": "2026-03-01T10:00:00.000Z",
//!   "marking": { "classification": "restricted", "tlp": "amber" },
//!   "entities": [
//!     { "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
//!       "document_type": "passport", "issuing_state": "NLD", "number": "SPECI2014",
//!       "status": "stolen" }
//!   ],
//!   "source": { "source_type": "human", "reference": "NL-HUM-0042" }
//! }"#)?;
//!
//! let at = "2026-03-02T09:00:00.000Z".parse()?;
//! let parcel = kmar.share_at(&record, bpol.id(), &"border-control".parse()?, at)?;
//! let received = bpol.receive_at(parcel.as_bytes(), at)?;
//!
//! assert_eq!(received.from, *kmar.id());
//! assert!(received.record.source.is_none()); // withheld by the agreement
//! assert_eq!(received.obligations.onward, OnwardSharing::Forbidden);
//! assert!(received.obligations.retain_until.is_some());
//! // Printed for an operator, or stored as JSON, without serde_json.
//! assert!(received.to_string().contains("onward sharing: forbidden"));
//! assert!(received.to_json()?.contains("\"retain_until\""));
//!
//! // A refusal is matched by its accessor: the reasons say what would have
//! // to change.
//! let err = kmar.share_at(&record, bpol.id(), &"tax-collection".parse()?, at).unwrap_err();
//! let refusal = err.refusal().ok_or("expected a refusal")?;
//! assert!(!refusal.reasons().is_empty());
//! assert_eq!(kmar.audit().verify()?.entries, 2);
//! assert_eq!(bpol.audit().verify()?.entries, 1);
//! # Ok(())
//! # }
//! ```
//!
//! The parcel format, the label and the audit log format are specified in
//! `docs/exchange.md`.

pub mod audit;
pub mod delivery;
pub mod files;
pub mod matching;
pub mod receipt;

mod agency;
mod directory;
mod error;
mod label;
mod parcel;

// The public interface is:
pub use agency::{Agency, AgencyBuilder, Receipted, load_agreements, load_identity};
pub use delivery::{Delivery, FileDelivery, NoDelivery};
pub use directory::Directory;
pub use error::{ReceiveError, Refusal, SetupError, ShareError};
pub use parcel::{ObligationsText, Parcel, Received};

/// The error of writing JSON ([`Received::to_json`]), so that callers need
/// not depend on `serde_json` to name it.
pub use serde_json::Error as JsonError;

/// How far in the future a parcel's sealing time may lie on receipt.
pub use agency::CLOCK_SKEW;
/// The replay window an agency uses unless it sets another.
pub use agency::DEFAULT_REPLAY_WINDOW;
pub use agency::MAX_REPLAY_WINDOW;

// The record model, the keys and the agreements users work with.
pub use liaison_envelope::{Card, Identity, KeyId};
pub use liaison_policy::{PolicySet, RequestContext, RequestKind, Urgency};
pub use liaison_record::{
    AgencyId, AgreementRef, Attribution, Classification, Digest, Marking, Obligations,
    OnwardSharing, Party, ProvenanceEntry, Purpose, Record, Timestamp, Tlp,
};

/// The record model: every type of `liaison-record`.
pub mod record {
    pub use liaison_record::*;
}

/// Sharing agreements and decisions: the types of `liaison-policy` a user
/// of the exchange meets.
pub mod policy {
    pub use liaison_policy::{
        Agreement, Decision, Format, LoadError, MatchBudget, MatchClause, MatchDecision,
        MatchRefusal, ObligationRules, Outcome, PolicySet, Reason, ReasonEffect, RequestContext,
        RequestKind, Urgency, parse_agreement,
    };
}

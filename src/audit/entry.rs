//! One audit entry: what it holds, its canonical form and its hash.
//!
//! The hash of an entry is the lowercase hex SHA-256 of the entry's JSON
//! without its `hash` member, in the canonical form of RFC 8785 (JCS): members
//! in code-point order, no white space, integers and strings only. The fields
//! of [`AuditEntry`] are declared in that order, so the `serde_json` rendering
//! of the struct is already canonical; a test checks it against an independent
//! JCS implementation. A log line is that same JSON with `"hash":"..."`
//! appended as the last member.

use liaison_record::{AgencyId, Purpose, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The version of the entry format this crate writes and reads.
pub const ENTRY_FORMAT_VERSION: u32 = 1;

/// The `prev` value of the first entry of a log: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EntryKind {
    /// A decision taken without a release (a dry run or an explanation).
    Decision,
    /// A record was released to a partner: the parcel left the agency.
    Release,
    /// A release was refused, or failed before the parcel was made.
    Refusal,
    /// A parcel arrived from a partner, accepted or refused.
    Receipt,
    /// A hit/no-hit matching batch: a query sent, answered or refused, or
    /// an answer finished; its reasons hold the step, the session, the key
    /// commitment and the number of keys of each kind, never a value.
    Match,
    /// A torn tail (an interrupted append) was moved to the quarantine
    /// file; the entry's `recovered` member says what was moved.
    Recovery,
}

/// How the event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AuditOutcome {
    /// The agreements allow the release (in full or with fields withheld).
    Released,
    /// The agreements or the record's marking deny the release.
    Denied,
    /// The question must go to the originator.
    Referred,
    /// The release could not be completed (no usable key for the partner, a
    /// record that cannot be encoded).
    Failed,
    /// A received parcel was accepted.
    Accepted,
    /// A received parcel was refused.
    Refused,
    /// Bytes were moved out of the log into its quarantine file.
    Quarantined,
}

/// What a recovery moved out of the log: the torn tail's place, length and
/// digest (the bytes themselves are in the quarantine file).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovered {
    /// How many bytes the torn tail held.
    pub bytes: u64,
    /// Where in the log it started (the length of the log before it).
    pub offset: u64,
    /// Lowercase hex SHA-256 of the torn tail's bytes.
    pub sha256: String,
}

/// One agreement a decision relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditAgreement {
    /// Lowercase hex SHA-256 of the agreement's canonical form.
    pub digest: String,
    /// The agreement's id.
    pub id: String,
    /// The agreement's version.
    pub version: u32,
}

/// What the caller records: an [`AuditEntry`] without its place in the chain.
///
/// Build one with [`AuditEvent::new`] and set the fields that apply. It must
/// never hold the content of a record: ids, digests, parties, purposes and
/// reasons only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// What is recorded.
    pub kind: EntryKind,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// When it happened.
    pub at: Timestamp,
    /// The partner agency: the recipient of a release, the sender of a
    /// receipt; `None` when a parcel's sender could not be identified.
    pub counterparty: Option<AgencyId>,
    /// The purpose of the release.
    pub purpose: Option<Purpose>,
    /// The decision id.
    pub decision: Option<Uuid>,
    /// The record id.
    pub record: Option<Uuid>,
    /// Lowercase hex SHA-256 of the record's canonical form (for a release,
    /// of the released copy).
    pub record_digest: Option<String>,
    /// The parcel id.
    pub parcel: Option<Uuid>,
    /// The agreements the decision relied on.
    pub agreements: Vec<AuditAgreement>,
    /// Why: problem codes, agreement and clause ids, JSON pointers; never a
    /// value taken from a record.
    pub reasons: Vec<String>,
    /// For a recovery, what was moved to the quarantine file.
    pub recovered: Option<Recovered>,
}

impl AuditEvent {
    /// An event of `kind` with `outcome` at `at`; every other field empty.
    pub fn new(kind: EntryKind, outcome: AuditOutcome, at: Timestamp) -> Self {
        Self {
            kind,
            outcome,
            at,
            counterparty: None,
            purpose: None,
            decision: None,
            record: None,
            record_digest: None,
            parcel: None,
            agreements: Vec::new(),
            reasons: Vec::new(),
            recovered: None,
        }
    }
}

/// One entry of the audit log, as stored.
///
/// The fields are declared in code-point order of their JSON names, which
/// makes the `serde_json` rendering canonical (RFC 8785); keep it so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AuditEntry {
    /// The agreements the decision relied on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<AuditAgreement>,
    /// When it happened.
    pub at: Timestamp,
    /// The partner agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<AgencyId>,
    /// The decision id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Uuid>,
    /// The hash of this entry (not part of the hashed form).
    #[serde(skip)]
    pub hash: String,
    /// What is recorded.
    pub kind: EntryKind,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The parcel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parcel: Option<Uuid>,
    /// The hash of the previous entry, [`GENESIS_HASH`] for the first.
    pub prev: String,
    /// The purpose of the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// Why: problem codes and ids, never record content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Uuid>,
    /// Lowercase hex SHA-256 of the record's canonical form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_digest: Option<String>,
    /// For a recovery, what was moved to the quarantine file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<Recovered>,
    /// The sequence number, from 1, one more than the previous entry's.
    pub seq: u64,
    /// The entry format version, [`ENTRY_FORMAT_VERSION`].
    pub v: u32,
}

impl AuditEntry {
    fn chain_unhashed(event: AuditEvent, seq: u64, prev: String) -> Self {
        Self {
            agreements: event.agreements,
            at: event.at,
            counterparty: event.counterparty,
            decision: event.decision,
            hash: String::new(),
            kind: event.kind,
            outcome: event.outcome,
            parcel: event.parcel,
            prev,
            purpose: event.purpose,
            reasons: event.reasons,
            record: event.record,
            record_digest: event.record_digest,
            recovered: event.recovered,
            seq,
            v: ENTRY_FORMAT_VERSION,
        }
    }

    /// Places `event` in the chain after `prev` with number `seq`, computes
    /// its hash, and returns it with its log line (the hashed form is
    /// written once for both).
    pub(crate) fn chain_line(
        event: AuditEvent,
        seq: u64,
        prev: String,
    ) -> Result<(Self, Vec<u8>), serde_json::Error> {
        let mut entry = Self::chain_unhashed(event, seq, prev);
        let mut line = entry.hashed_form()?;
        entry.hash = hash_hex(&line);
        close_line(&mut line, &entry.hash)?;
        Ok((entry, line))
    }

    /// The canonical JSON the hash covers: the entry without `hash`.
    pub(crate) fn hashed_form(&self) -> Result<Vec<u8>, serde_json::Error> {
        // Room for a typical entry and the hash appended to make its line.
        let mut out = Vec::with_capacity(640);
        serde_json::to_writer(&mut out, self)?;
        Ok(out)
    }

    /// The SHA-256 of [`AuditEntry::hashed_form`], lowercase hex.
    pub(crate) fn computed_hash(&self) -> Result<String, serde_json::Error> {
        Ok(hash_hex(&self.hashed_form()?))
    }

    /// The log line: the hashed form with `hash` appended as the last
    /// member, without the line feed.
    pub(crate) fn to_line(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut line = self.hashed_form()?;
        close_line(&mut line, &self.hash)?;
        Ok(line)
    }

    /// Reads one log line (without its line feed).
    ///
    /// Returns the entry with its stored `hash`; whether that hash is right
    /// and whether the line is in canonical form is for the caller to check.
    pub(crate) fn from_line(line: &[u8]) -> Result<Self, LineError> {
        let mut value: serde_json::Value =
            serde_json::from_slice(line).map_err(|_| LineError::NotJson)?;
        let object = value.as_object_mut().ok_or(LineError::NotJson)?;
        let hash = match object.remove("hash") {
            Some(serde_json::Value::String(h)) => h,
            _ => {
                return Err(LineError::NotAnEntry(
                    "no `hash` member holding a string".to_owned(),
                ));
            }
        };
        let mut entry: Self =
            serde_json::from_value(value).map_err(|e| LineError::NotAnEntry(e.to_string()))?;
        entry.hash = hash;
        Ok(entry)
    }

    /// The chain head this entry makes.
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// Why a line could not be read as an entry.
#[derive(Debug)]
pub(crate) enum LineError {
    NotJson,
    NotAnEntry(String),
}

/// Turns a hashed form into its line: `hash` appended as the last member.
fn close_line(hashed_form: &mut Vec<u8>, hash: &str) -> Result<(), serde_json::Error> {
    // The hashed form is a JSON object: it ends with `}`.
    if hashed_form.pop() != Some(b'}') {
        return Err(serde::ser::Error::custom(
            "an audit entry is not a JSON object",
        ));
    }
    hashed_form.extend_from_slice(b",\"hash\":\"");
    hashed_form.extend_from_slice(hash.as_bytes());
    hashed_form.extend_from_slice(b"\"}");
    Ok(())
}

fn hash_hex(bytes: &[u8]) -> String {
    let mut text = [0u8; 64];
    // 32 bytes always fit in 64 hex digits, which are ASCII.
    match hex::encode_to_slice(Sha256::digest(bytes), &mut text) {
        Ok(()) => String::from_utf8_lossy(&text).into_owned(),
        Err(_) => hex::encode(Sha256::digest(bytes)),
    }
}

/// The last entry of a log: its sequence number and hash.
///
/// Keep a copy somewhere the log's writer cannot change (a partner, a
/// printed report, a signed checkpoint): verifying the log against it
/// detects entries removed from the end, and a chain rewritten from some
/// entry on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainHead {
    /// The sequence number of the last entry.
    pub seq: u64,
    /// The hash of the last entry, lowercase hex.
    pub hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AuditEntry {
        let mut event = AuditEvent::new(
            EntryKind::Release,
            AuditOutcome::Released,
            "2026-11-26T08:30:00.000Z".parse().unwrap(),
        );
        event.counterparty = Some("DEU-BPOL".parse().unwrap());
        event.purpose = Some("border-control".parse().unwrap());
        event.decision = Some(Uuid::from_u128(7));
        event.record = Some(Uuid::from_u128(9));
        event.record_digest = Some("ab".repeat(32));
        event.reasons = vec!["clause `c1` of `nld-deu` releases \"alerts\"\n".to_owned()];
        event.agreements = vec![AuditAgreement {
            digest: "cd".repeat(32),
            id: "nld-deu".to_owned(),
            version: 3,
        }];
        AuditEntry::chain_line(event, 1, GENESIS_HASH.to_owned())
            .unwrap()
            .0
    }

    #[test]
    fn line_round_trips() {
        let entry = sample();
        let line = entry.to_line().unwrap();
        let back = AuditEntry::from_line(&line).unwrap();
        assert_eq!(back, entry);
        assert_eq!(back.to_line().unwrap(), line);
        assert_eq!(back.computed_hash().unwrap(), entry.hash);
        assert!(!line.contains(&b'\n'));
    }

    #[test]
    fn hashed_form_is_jcs() {
        let entry = sample();
        let ours = entry.hashed_form().unwrap();
        let value: serde_json::Value = serde_json::from_slice(&ours).unwrap();
        let jcs = serde_jcs::to_vec(&value).unwrap();
        assert_eq!(ours, jcs);
    }

    #[test]
    fn hash_is_sha256_of_the_entry_without_hash() {
        let entry = sample();
        let line = entry.to_line().unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        value.as_object_mut().unwrap().remove("hash");
        let expected = hex::encode(Sha256::digest(serde_jcs::to_vec(&value).unwrap()));
        assert_eq!(entry.hash, expected);
    }

    #[test]
    fn unknown_members_are_not_an_entry() {
        let line = sample().to_line().unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        value
            .as_object_mut()
            .unwrap()
            .insert("content".to_owned(), serde_json::json!("secret"));
        let tampered = serde_json::to_vec(&value).unwrap();
        assert!(matches!(
            AuditEntry::from_line(&tampered),
            Err(LineError::NotAnEntry(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_reason_text_stays_canonical(reason in ".*", purpose in "[a-z][a-z0-9]{0,10}", seq in 1u64..(1u64 << 53)) {
            let mut event = AuditEvent::new(
                EntryKind::Refusal,
                AuditOutcome::Denied,
                "2026-11-26T08:30:00.123456Z".parse().unwrap(),
            );
            event.reasons = vec![reason];
            event.purpose = Some(purpose.parse().unwrap());
            let entry = AuditEntry::chain_line(event, seq, GENESIS_HASH.to_owned()).unwrap().0;
            let ours = entry.hashed_form().unwrap();
            let value: serde_json::Value = serde_json::from_slice(&ours).unwrap();
            proptest::prop_assert_eq!(&ours, &serde_jcs::to_vec(&value).unwrap());
            let line = entry.to_line().unwrap();
            proptest::prop_assert!(!line.contains(&b'\n'));
            proptest::prop_assert_eq!(AuditEntry::from_line(&line).unwrap(), entry);
        }
    }
}

//! Receipts: what the receiver of a parcel signs and returns, accepted or
//! refused, with a checkpoint of its audit log that already holds the
//! receipt's entry and that entry's inclusion proof; and the sender's check
//! of one (`docs/audit.md`, section 6).
//!
//! A receipt file is the JSON object `{"checkpoint": NOTE, "entry": LINE,
//! "proof": PROOF, "receipt": NOTE, "type": "liaison-receipt", "v": 1}`.

use liaison_envelope::Card;
use liaison_record::{AgencyId, Timestamp};
use liaison_tlog::{Checkpoint, InclusionProof, Note};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{
    AuditEntry, AuditOutcome, EntryKind, EntryProof, EvidenceError, check_entry_proof,
    note_verifier,
};

const HEADER: &str = "liaison-receipt/v1";
const FILE_TYPE: &str = "liaison-receipt";

/// What a receipt says, signed by the receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiptText {
    /// The parcel id.
    pub parcel: Uuid,
    /// The sender, when the receiver could identify it.
    pub from: Option<AgencyId>,
    /// The receiver, who signs.
    pub to: String,
    /// Whether the parcel was accepted.
    pub accepted: bool,
    /// The record id, when known.
    pub record: Option<Uuid>,
    /// Lowercase hex SHA-256 of the payload, when known.
    pub digest: Option<String>,
    /// The obligations the receiver accepted: RFC 8785 canonical JSON, on
    /// an accepted receipt.
    pub obligations: Option<String>,
    /// The reason codes of a refusal.
    pub reasons: Vec<String>,
    /// When the parcel was received.
    pub at: Timestamp,
    /// The sequence number of the receipt's entry in the receiver's log.
    pub entry: u64,
}

/// Why a receipt does not hold, or could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The file or the receipt text is malformed.
    #[error("not a receipt: {0}")]
    Form(String),
    /// The receipt note is not signed by the card's key.
    #[error("the receipt is not signed by the card's agency: {0}")]
    Signature(#[from] liaison_tlog::NoteError),
    /// The card's agency id cannot name a note key.
    #[error("the card cannot verify notes: {0}")]
    Card(#[from] liaison_tlog::KeyError),
    /// The receipt is for another parcel than the one sent, or of another
    /// receiver than the card's.
    #[error("the receipt is for {found}, not for {expected}")]
    Other {
        /// What the receipt names.
        found: String,
        /// What was expected.
        expected: String,
    },
    /// The receipt's time is outside the validity window of the receiver's
    /// card: the card did not vouch for the key then.
    #[error(
        "the receipt's time {at} is outside the validity window of the card of `{agency}` ({not_before} to {not_after}): check it with the card that was valid then"
    )]
    CardNotValid {
        /// The receipt's time.
        at: Timestamp,
        /// The card's agency id.
        agency: String,
        /// Start of the card's validity window.
        not_before: Timestamp,
        /// End of the card's validity window.
        not_after: Timestamp,
    },
    /// The checkpoint, proof or entry does not hold (see [`EvidenceError`]).
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    /// The receiver's log entry does not record what the receipt says.
    #[error("the receiver's audit entry {seq} does not record this receipt ({what} differs)")]
    Entry {
        /// The entry's sequence number.
        seq: u64,
        /// What differs.
        what: &'static str,
    },
    /// The receipt could not be made (the parcel had no readable id, or
    /// the log or the identity failed).
    #[error("no receipt was made: {0}")]
    NotMade(String),
}

/// A signed receipt with the receiver's checkpoint and the inclusion
/// proof of the receipt's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// The receipt note, signed by the receiver.
    pub note: Note,
    /// The receiver's audit entry of the receipt: its stored line.
    pub entry: Vec<u8>,
    /// The inclusion proof of that entry.
    pub proof: InclusionProof,
    /// The receiver's checkpoint of the proof's size, signed.
    pub checkpoint: Note,
}

/// A receipt that holds, as the sender checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckedReceipt {
    /// What the receipt says.
    pub text: ReceiptText,
    /// The receiver's checkpoint that holds the receipt's entry: keep it,
    /// and later check a consistency proof from it.
    pub checkpoint: Checkpoint,
    /// The receiver's entry.
    pub entry: AuditEntry,
}

impl ReceiptText {
    /// The note text (see `docs/audit.md`).
    pub fn to_text(&self) -> String {
        let mut out = format!("{HEADER}\nparcel {}\n", self.parcel);
        if let Some(from) = &self.from {
            out.push_str(&format!("from {from}\n"));
        }
        out.push_str(&format!(
            "to {}\noutcome {}\n",
            self.to,
            if self.accepted { "accepted" } else { "refused" }
        ));
        if let Some(r) = self.record {
            out.push_str(&format!("record {r}\n"));
        }
        if let Some(d) = &self.digest {
            out.push_str(&format!("digest {d}\n"));
        }
        if let Some(o) = &self.obligations {
            out.push_str(&format!("obligations {o}\n"));
        }
        for r in &self.reasons {
            let quoted = serde_json::to_string(r).unwrap_or_default();
            out.push_str(&format!("reason {quoted}\n"));
        }
        out.push_str(&format!("time {}\nentry {}\n", self.at, self.entry));
        out
    }

    /// Reads the note text, strictly: the lines in the order above, each
    /// once (`reason` any number of times), nothing else.
    ///
    /// # Errors
    ///
    /// [`ReceiptError::Form`] naming the line.
    pub fn from_text(text: &str) -> Result<Self, ReceiptError> {
        let body = text
            .strip_prefix(HEADER)
            .and_then(|rest| rest.strip_prefix('\n'))
            .ok_or_else(|| ReceiptError::Form(format!("line 1: expected `{HEADER}`")))?;
        if !body.ends_with('\n') {
            return Err(ReceiptError::Form(
                "the last line has no line feed".to_owned(),
            ));
        }
        let mut lines = body
            .split_terminator('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .peekable();
        let bad = |n: usize, what: &str| ReceiptError::Form(format!("line {}: {what}", n + 1));
        let mut take = |key: &str,
                        required: bool|
         -> Result<Option<(usize, String)>, ReceiptError> {
            match lines.peek() {
                Some((n, line)) => match line.strip_prefix(key).and_then(|v| v.strip_prefix(' ')) {
                    Some(v) => {
                        let found = (*n, v.to_owned());
                        lines.next();
                        Ok(Some(found))
                    }
                    None if required => Err(bad(*n, &format!("expected `{key} ...`"))),
                    None => Ok(None),
                },
                None if required => Err(ReceiptError::Form(format!(
                    "the text ends where `{key}` should be"
                ))),
                None => Ok(None),
            }
        };
        let uuid = |(n, v): (usize, String)| {
            v.parse::<Uuid>()
                .ok()
                .filter(|u| u.to_string() == v)
                .ok_or_else(|| bad(n, "not a lowercase hyphenated UUID"))
        };
        let parcel = take("parcel", true)?.map(uuid).transpose()?;
        let from = take("from", false)?
            .map(|(n, v)| {
                v.parse::<AgencyId>()
                    .ok()
                    .filter(|a| a.as_str() == v)
                    .ok_or_else(|| bad(n, "not an agency id"))
            })
            .transpose()?;
        let to = match take("to", true)? {
            Some((n, v)) if v.is_empty() => return Err(bad(n, "no receiver")),
            Some((_, v)) => v,
            None => String::new(),
        };
        let accepted = match take("outcome", true)? {
            Some((_, v)) if v == "accepted" => true,
            Some((_, v)) if v == "refused" => false,
            Some((n, _)) => return Err(bad(n, "the outcome is `accepted` or `refused`")),
            None => false,
        };
        let record = take("record", false)?.map(uuid).transpose()?;
        let digest = take("digest", false)?
            .map(|(n, v)| {
                let hex =
                    v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                hex.then_some(v)
                    .ok_or_else(|| bad(n, "not 64 lowercase hex digits"))
            })
            .transpose()?;
        let obligations = take("obligations", false)?
            .map(|(n, v)| {
                let value: serde_json::Value =
                    serde_json::from_str(&v).map_err(|_| bad(n, "not JSON"))?;
                let canonical = liaison_record::canonicalize_value(&value);
                (canonical == v.as_bytes())
                    .then_some((n, v))
                    .ok_or_else(|| bad(n, "not canonical JSON"))
            })
            .transpose()?;
        if let (false, Some((n, _))) = (accepted, &obligations) {
            return Err(bad(*n, "a refusal carries no `obligations`"));
        }
        let obligations = obligations.map(|(_, v)| v);
        let mut reasons = Vec::new();
        while let Some((n, v)) = take("reason", false)? {
            if accepted {
                return Err(bad(n, "an accepted receipt carries no `reason`"));
            }
            let r: String = serde_json::from_str(&v).map_err(|_| bad(n, "not a JSON string"))?;
            if serde_json::to_string(&r).ok().as_deref() != Some(v.as_str()) {
                return Err(bad(n, "not the JSON string as written"));
            }
            reasons.push(r);
        }
        let at = take("time", true)?
            .map(|(n, v)| {
                // One spelling: the text is signed, and two texts must not
                // say the same receipt.
                v.parse::<Timestamp>()
                    .ok()
                    .filter(|t| t.to_string() == v)
                    .ok_or_else(|| {
                        bad(
                            n,
                            "not a time as a receipt writes it (RFC 3339 in UTC with 3, 6 or 9 digits of fraction, the fewest that are exact, then `Z`)",
                        )
                    })
            })
            .transpose()?;
        let entry = take("entry", true)?
            .map(|(n, v)| {
                let ok = !v.is_empty()
                    && v.bytes().all(|b| b.is_ascii_digit())
                    && !(v.len() > 1 && v.starts_with('0'));
                ok.then(|| v.parse::<u64>().ok())
                    .flatten()
                    .ok_or_else(|| bad(n, "not a decimal"))
            })
            .transpose()?;
        if let Some((n, _)) = lines.next() {
            return Err(bad(n, "nothing may follow the `entry` line"));
        }
        match (parcel, at, entry) {
            (Some(parcel), Some(at), Some(entry)) => Ok(Self {
                parcel,
                from,
                to,
                accepted,
                record,
                digest,
                obligations,
                reasons,
                at,
                entry,
            }),
            _ => Err(ReceiptError::Form("a required line is missing".to_owned())),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptFile {
    checkpoint: String,
    entry: String,
    proof: String,
    receipt: String,
    #[serde(rename = "type")]
    kind: String,
    v: u32,
}

impl Receipt {
    /// The receipt file, with a final line feed.
    pub fn to_json(&self) -> String {
        let file = ReceiptFile {
            checkpoint: self.checkpoint.to_text(),
            entry: String::from_utf8_lossy(&self.entry).into_owned(),
            proof: self.proof.to_text(),
            receipt: self.note.to_text(),
            kind: FILE_TYPE.to_owned(),
            v: 1,
        };
        let mut out = serde_json::to_string(&file).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Reads a receipt file.
    ///
    /// # Errors
    ///
    /// [`ReceiptError::Form`] saying where and what.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let form =
            |what: &str, e: &dyn std::fmt::Display| ReceiptError::Form(format!("{what}: {e}"));
        let file: ReceiptFile = serde_json::from_slice(bytes).map_err(|e| form("the file", &e))?;
        if file.kind != FILE_TYPE || file.v != 1 {
            return Err(ReceiptError::Form(format!(
                "`type` `{}` version `{}`; expected `{FILE_TYPE}` version 1",
                file.kind, file.v
            )));
        }
        Ok(Self {
            note: Note::parse(file.receipt.as_bytes()).map_err(|e| form("`receipt`", &e))?,
            entry: file.entry.into_bytes(),
            proof: InclusionProof::from_text(file.proof.as_bytes())
                .map_err(|e| form("`proof`", &e))?,
            checkpoint: Note::parse(file.checkpoint.as_bytes())
                .map_err(|e| form("`checkpoint`", &e))?,
        })
    }

    /// Checks the receipt as the sender of `parcel`: as [`Receipt::check`]
    /// does, and that the receipt is for the parcel `parcel` of `sender`. A
    /// parcel id is the sender's choice, so another partner may send a
    /// parcel with the same id: only the two together name a parcel, and a
    /// sender checking a receipt for its own parcel must give both.
    ///
    /// # Errors
    ///
    /// [`ReceiptError`]; [`ReceiptError::Other`] when the receipt is for
    /// another parcel, or for the same id from another sender (or from a
    /// sender the receiver could not identify).
    pub fn check_parcel(
        &self,
        card: &Card,
        sender: &AgencyId,
        parcel: Uuid,
    ) -> Result<CheckedReceipt, ReceiptError> {
        let checked = self.check(card, Some(parcel))?;
        if checked.text.from.as_ref() != Some(sender) {
            return Err(ReceiptError::Other {
                found: match &checked.text.from {
                    Some(from) => format!("sender `{from}`"),
                    None => "no sender".to_owned(),
                },
                expected: format!("sender `{sender}`"),
            });
        }
        Ok(checked)
    }

    /// Checks the receipt: signed by the receiver's `card`, for the parcel
    /// id `parcel` when given, its entry in the receiver's log under the
    /// receiver's checkpoint, and that entry recording what the receipt
    /// says. It does not check who sent the parcel: a sender checks a
    /// receipt for its own parcel with [`Receipt::check_parcel`].
    ///
    /// # Errors
    ///
    /// [`ReceiptError`].
    pub fn check(&self, card: &Card, parcel: Option<Uuid>) -> Result<CheckedReceipt, ReceiptError> {
        self.note.verify(&note_verifier(card)?)?;
        let text = ReceiptText::from_text(self.note.text())?;
        if text.to != card.agency_id() {
            return Err(ReceiptError::Other {
                found: format!("receiver `{}`", text.to),
                expected: format!("`{}`", card.agency_id()),
            });
        }
        if !card.is_valid_at(text.at.to_offset_date_time()) {
            return Err(ReceiptError::CardNotValid {
                at: text.at,
                agency: card.agency_id().to_owned(),
                not_before: Timestamp::from_offset_date_time(card.not_before()),
                not_after: Timestamp::from_offset_date_time(card.not_after()),
            });
        }
        if let Some(p) = parcel.filter(|p| *p != text.parcel) {
            return Err(ReceiptError::Other {
                found: format!("parcel `{}`", text.parcel),
                expected: format!("parcel `{p}`"),
            });
        }
        let proof = EntryProof {
            entry: self.entry.clone(),
            proof: self.proof.clone(),
            checkpoint: Some(self.checkpoint.clone()),
        };
        let proven = check_entry_proof(&proof, card)?;
        let e = &proven.entry;
        let seq = e.seq;
        let outcome = if text.accepted {
            AuditOutcome::Accepted
        } else {
            AuditOutcome::Refused
        };
        let checks: [(&'static str, bool); 8] = [
            ("the entry number", seq == text.entry),
            ("the kind", e.kind == EntryKind::Receipt),
            ("the parcel", e.parcel == Some(text.parcel)),
            ("the sender", e.counterparty == text.from),
            ("the outcome", e.outcome == outcome),
            ("the record", e.record == text.record),
            ("the digest", e.record_digest == text.digest),
            ("the time", e.at == text.at),
        ];
        if let Some((what, _)) = checks.iter().find(|(_, ok)| !ok) {
            return Err(ReceiptError::Entry { seq, what });
        }
        if !text.accepted && e.reasons != text.reasons {
            return Err(ReceiptError::Entry {
                seq,
                what: "the reasons",
            });
        }
        Ok(CheckedReceipt {
            text,
            checkpoint: proven.checkpoint,
            entry: proven.entry,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ReceiptText {
        ReceiptText {
            parcel: Uuid::from_u128(7),
            from: Some("NLD-KMAR".parse().unwrap()),
            to: "DEU-BPOL".to_owned(),
            accepted: false,
            record: Some(Uuid::from_u128(9)),
            digest: Some("ab".repeat(32)),
            obligations: None,
            reasons: vec![
                "label-mismatch record digest".to_owned(),
                "a \"quoted\" one".to_owned(),
            ],
            at: "2026-11-26T09:00:00.000Z".parse().unwrap(),
            entry: 12,
        }
    }

    #[test]
    fn text_round_trips() {
        let text = sample().to_text();
        assert!(text.starts_with(
            "liaison-receipt/v1\nparcel 00000000-0000-0000-0000-000000000007\nfrom NLD-KMAR\n"
        ));
        assert!(text.contains("reason \"a \\\"quoted\\\" one\"\n"));
        assert_eq!(ReceiptText::from_text(&text).unwrap(), sample());
        let mut accepted = sample();
        accepted.accepted = true;
        accepted.reasons.clear();
        accepted.obligations = Some(r#"{"notify_on_use":true}"#.to_owned());
        accepted.from = None;
        let text = accepted.to_text();
        assert_eq!(ReceiptText::from_text(&text).unwrap(), accepted);
    }

    #[test]
    fn only_the_written_form_reads() {
        let text = sample().to_text();
        for bad in [
            text.replace(
                "00000000-0000-0000-0000-000000000007",
                "00000000000000000000000000000007",
            ),
            text.replace("outcome refused", "outcome maybe"),
            text.replace("entry 12", "entry 012"),
            text.replace("from NLD-KMAR\n", ""),
            text.replace(
                "from NLD-KMAR\nto DEU-BPOL\n",
                "to DEU-BPOL\nfrom NLD-KMAR\n",
            ),
            text.trim_end().to_owned(),
            format!("{text}extra\n"),
            text.replace("2026-11-26T09:00:00.000Z", "2026-11-26 09:00:00"),
            // The same time spelled otherwise (a signed text has one form).
            text.replace("2026-11-26T09:00:00.000Z", "2026-11-26T09:00:00.000000Z"),
            text.replace("2026-11-26T09:00:00.000Z", "2026-11-26T09:00:00Z"),
            // A refusal with obligations, an acceptance with reasons.
            text.replace("reason \"label", "obligations {}\nreason \"label"),
            text.replace("outcome refused", "outcome accepted"),
        ] {
            if bad == text.replace("from NLD-KMAR\n", "") {
                // Without `from` the text still reads: the sender is optional.
                assert!(ReceiptText::from_text(&bad).is_ok());
                continue;
            }
            assert!(ReceiptText::from_text(&bad).is_err(), "{bad}");
        }
    }
}

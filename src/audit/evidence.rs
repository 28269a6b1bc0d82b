//! What another agency checks: an entry proof or a consistency proof
//! against the log's card, and the files that carry them (`docs/audit.md`,
//! "Proof files").
//!
//! An entry proof file is the JSON object
//! `{"checkpoint": NOTE, "entry": LINE, "proof": PROOF, "type":
//! "liaison-entry-proof", "v": 1}` (`checkpoint` may be absent), and a
//! consistency proof file `{"checkpoint": NOTE, "proof": PROOF, "type":
//! "liaison-consistency-proof", "v": 1}`, where `NOTE` is a signed
//! checkpoint's text, `LINE` an entry's stored line and `PROOF` a proof's
//! text form, each a JSON string.

use liaison_envelope::Card;
use liaison_tlog::{
    Checkpoint, CheckpointError, ConsistencyProof, InclusionProof, Note, ProofError,
};
use serde::{Deserialize, Serialize};

use super::entry::AuditEntry;
use super::transparency::{EntryProof, entry_of_leaf, note_verifier};

/// Why evidence from another agency's log does not hold.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The file is not a proof file of the kind expected.
    #[error("not a {what} file: {detail}")]
    Form {
        /// The kind of file expected.
        what: &'static str,
        /// Where and what.
        detail: String,
    },
    /// The proof carries no checkpoint to check it against.
    #[error(
        "the proof carries no signed checkpoint; make it with the log's identity (`--identity`)"
    )]
    NoCheckpoint,
    /// A checkpoint is malformed, not signed by the card's key, or of
    /// another log.
    #[error("the checkpoint is not the card's agency's: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The card's agency id cannot name a key.
    #[error("the card cannot verify notes: {0}")]
    Card(#[from] liaison_tlog::KeyError),
    /// The proof is for another tree size than its checkpoint.
    #[error("the proof is for size {proof} but the checkpoint is of size {checkpoint}")]
    Size {
        /// The proof's size.
        proof: u64,
        /// The checkpoint's size.
        checkpoint: u64,
    },
    /// The leaf is not a well-formed audit entry, or not the one numbered.
    #[error("the proven leaf is not audit entry {seq} of the log")]
    NotTheEntry {
        /// The entry number the proof is for.
        seq: u64,
    },
    /// The proof does not lead to the checkpoint's root: the log does not
    /// hold that entry, or was rewritten or cut below the checkpoint.
    #[error("the proof does not verify against the checkpoint: {0}")]
    Proof(#[from] ProofError),
}

/// An entry proven against a checkpoint the card's agency signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProvenEntry {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The entry.
    pub entry: AuditEntry,
}

/// Checks an entry proof against the log's `card`: the checkpoint is
/// signed by the card's Ed25519 key under its agency id, the proof is for
/// the checkpoint's size, the leaf is a well-formed entry numbered as the
/// proof says, and the proof leads from the leaf to the root.
///
/// # Errors
///
/// [`EvidenceError`].
pub fn check_entry_proof(proof: &EntryProof, card: &Card) -> Result<ProvenEntry, EvidenceError> {
    let note = proof
        .checkpoint
        .as_ref()
        .ok_or(EvidenceError::NoCheckpoint)?;
    let checkpoint = Checkpoint::open_note(note, &note_verifier(card)?)?;
    check_inclusion(&proof.entry, &proof.proof, checkpoint)
}

/// Checks that `entry` (a stored line) is in the log of `checkpoint`, an
/// already verified checkpoint, by `proof`.
pub(crate) fn check_inclusion(
    entry: &[u8],
    proof: &InclusionProof,
    checkpoint: Checkpoint,
) -> Result<ProvenEntry, EvidenceError> {
    if proof.size != checkpoint.size {
        return Err(EvidenceError::Size {
            proof: proof.size,
            checkpoint: checkpoint.size,
        });
    }
    let seq = proof.index.saturating_add(1);
    let parsed = entry_of_leaf(entry)
        .filter(|e| e.seq == seq)
        .ok_or(EvidenceError::NotTheEntry { seq })?;
    proof.verify(&liaison_tlog::leaf_hash(entry), &checkpoint.root)?;
    Ok(ProvenEntry {
        checkpoint,
        entry: parsed,
    })
}

/// Checks that the log the card's agency signed `newer` of extends the one
/// it signed `held` of, by `proof`. Whoever holds `held` learns this way
/// that no entry it covers was removed or changed since.
///
/// # Errors
///
/// [`EvidenceError`]: a checkpoint not signed by the card's key,
/// [`EvidenceError::Size`] when the proof is not from `held`'s size to
/// `newer`'s, [`EvidenceError::Proof`] when the log was rewritten or cut.
pub fn check_consistency(
    held: &Note,
    newer: &Note,
    proof: &ConsistencyProof,
    card: &Card,
) -> Result<(Checkpoint, Checkpoint), EvidenceError> {
    let verifier = note_verifier(card)?;
    let old = Checkpoint::open_note(held, &verifier)?;
    let new = Checkpoint::open_note(newer, &verifier)?;
    for (p, c) in [(proof.old_size, old.size), (proof.new_size, new.size)] {
        if p != c {
            return Err(EvidenceError::Size {
                proof: p,
                checkpoint: c,
            });
        }
    }
    proof.verify(&old.root, &new.root)?;
    Ok((old, new))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryProofFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<String>,
    entry: String,
    proof: String,
    #[serde(rename = "type")]
    kind: String,
    v: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<String>,
    proof: String,
    #[serde(rename = "type")]
    kind: String,
    v: u32,
}

const ENTRY_PROOF_TYPE: &str = "liaison-entry-proof";
const CONSISTENCY_TYPE: &str = "liaison-consistency-proof";

fn form(what: &'static str, detail: impl std::fmt::Display) -> EvidenceError {
    EvidenceError::Form {
        what,
        detail: detail.to_string(),
    }
}

fn check_type(what: &'static str, kind: &str, expected: &str, v: u32) -> Result<(), EvidenceError> {
    if kind != expected {
        return Err(form(what, format!("`type` is `{kind}`, not `{expected}`")));
    }
    if v != 1 {
        return Err(form(what, format!("`v` is `{v}`; this version reads 1")));
    }
    Ok(())
}

fn read_note(what: &'static str, text: Option<String>) -> Result<Option<Note>, EvidenceError> {
    text.map(|t| Note::parse(t.as_bytes()).map_err(|e| form(what, format!("`checkpoint`: {e}"))))
        .transpose()
}

impl EntryProof {
    /// The proof file (see the module documentation), with a final line
    /// feed.
    pub fn to_json(&self) -> String {
        let file = EntryProofFile {
            checkpoint: self.checkpoint.as_ref().map(Note::to_text),
            entry: String::from_utf8_lossy(&self.entry).into_owned(),
            proof: self.proof.to_text(),
            kind: ENTRY_PROOF_TYPE.to_owned(),
            v: 1,
        };
        let mut out = serde_json::to_string(&file).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Reads a proof file.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Form`] saying where and what.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EvidenceError> {
        const WHAT: &str = "entry proof";
        let file: EntryProofFile = serde_json::from_slice(bytes).map_err(|e| form(WHAT, e))?;
        check_type(WHAT, &file.kind, ENTRY_PROOF_TYPE, file.v)?;
        let proof = InclusionProof::from_text(file.proof.as_bytes())
            .map_err(|e| form(WHAT, format!("`proof`: {e}")))?;
        Ok(Self {
            entry: file.entry.into_bytes(),
            proof,
            checkpoint: read_note(WHAT, file.checkpoint)?,
        })
    }
}

/// A consistency proof with, when signed, the checkpoint of its new size.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsistencyEvidence {
    /// The proof.
    pub proof: ConsistencyProof,
    /// The log's signed checkpoint of the proof's new size.
    pub checkpoint: Option<Note>,
}

impl ConsistencyEvidence {
    /// A proof and the checkpoint of its new size.
    pub fn new(proof: ConsistencyProof, checkpoint: Option<Note>) -> Self {
        Self { proof, checkpoint }
    }

    /// The proof file, with a final line feed.
    pub fn to_json(&self) -> String {
        let file = ConsistencyFile {
            checkpoint: self.checkpoint.as_ref().map(Note::to_text),
            proof: self.proof.to_text(),
            kind: CONSISTENCY_TYPE.to_owned(),
            v: 1,
        };
        let mut out = serde_json::to_string(&file).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Reads a proof file.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Form`] saying where and what.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EvidenceError> {
        const WHAT: &str = "consistency proof";
        let file: ConsistencyFile = serde_json::from_slice(bytes).map_err(|e| form(WHAT, e))?;
        check_type(WHAT, &file.kind, CONSISTENCY_TYPE, file.v)?;
        let proof = ConsistencyProof::from_text(file.proof.as_bytes())
            .map_err(|e| form(WHAT, format!("`proof`: {e}")))?;
        Ok(Self {
            proof,
            checkpoint: read_note(WHAT, file.checkpoint)?,
        })
    }

    /// Checks the proof against the checkpoint `held` (signed by the
    /// card's agency and kept since) and this file's checkpoint.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::NoCheckpoint`], and as [`check_consistency`].
    pub fn check(
        &self,
        held: &Note,
        card: &Card,
    ) -> Result<(Checkpoint, Checkpoint), EvidenceError> {
        let newer = self
            .checkpoint
            .as_ref()
            .ok_or(EvidenceError::NoCheckpoint)?;
        check_consistency(held, newer, &self.proof, card)
    }
}

//! The checkpoints that parcels carry (`docs/audit.md`): the sender signs
//! one and reuses it for a minute of sharing, and the receiver verifies
//! each distinct one once, so that a busy exchange does not pay a
//! signature and a verification for every parcel.

use std::sync::{Mutex, PoisonError};

use liaison_envelope::{Card, Identity, KeyId};
use liaison_record::Timestamp;

use crate::audit::{AuditLog, Checkpoint, Note, TransparencyError, note_verifier};

/// How long a signed checkpoint is put in parcels before a new one is
/// signed (by the sharing time `at`).
pub(crate) const CHECKPOINT_REUSE: time::Duration = time::Duration::MINUTE;

/// The last checkpoint signed for parcels, and the last one verified.
#[derive(Debug, Default)]
pub(super) struct CheckpointCache {
    signed: Mutex<Option<(Timestamp, KeyId, String)>>,
    verified: Mutex<Option<(KeyId, String)>>,
}

impl CheckpointCache {
    /// The checkpoint text to put in a parcel shared at `at`: the last one
    /// signed with `identity` when it was signed at most
    /// [`CHECKPOINT_REUSE`] before `at` (and not after it), else a new one.
    pub(super) fn for_parcel(
        &self,
        log: &AuditLog,
        identity: &Identity,
        at: Timestamp,
    ) -> Result<String, TransparencyError> {
        let mut signed = self.signed.lock().unwrap_or_else(PoisonError::into_inner);
        let key = identity.signing_key_id();
        let now = at.to_offset_date_time();
        if let Some((when, k, text)) = signed.as_ref() {
            let since = now - when.to_offset_date_time();
            if *k == key && since >= time::Duration::ZERO && since <= CHECKPOINT_REUSE {
                return Ok(text.clone());
            }
        }
        let text = log.checkpoint(identity)?.to_text();
        *signed = Some((at, key, text.clone()));
        Ok(text)
    }

    /// Whether `text` is a checkpoint of the log of `card`'s agency signed
    /// with `card`'s key (the last one that was is remembered).
    pub(super) fn verifies(&self, card: &Card, text: &str) -> bool {
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        let key = card.signing_key_id();
        if verified
            .as_ref()
            .is_some_and(|(k, t)| *k == key && t == text)
        {
            return true;
        }
        let ok = note_verifier(card).is_ok_and(|v| {
            Note::parse(text.as_bytes()).is_ok_and(|note| Checkpoint::open_note(&note, &v).is_ok())
        });
        if ok {
            *verified = Some((key, text.to_owned()));
        }
        ok
    }
}

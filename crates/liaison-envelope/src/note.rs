//! Ed25519 signatures of signed-note text (c2sp.org/signed-note): the
//! checkpoints of the agency's audit log, a witness's cosignatures and the
//! receipts an agency signs, made with the identity's signing key.
//!
//! Domain separation from the envelope's own signatures: every envelope
//! signature covers a transcript that begins with `liaison-envelope v2`
//! and holds binary digests. This signs only note text (UTF-8, no control
//! character but the line feed, ending with a line feed) that does not
//! begin with `liaison-envelope`, so no note signature can stand for an
//! envelope signature, nor the reverse.

use ed25519_dalek::Signer as _;

use crate::keys::Identity;

/// The message given to [`Identity::sign_note`] is not note text, or
/// begins as the envelope's signed transcripts do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to sign: a note is UTF-8 text ending with a line feed, with no other control character, and not beginning with `liaison-envelope`"
)]
#[non_exhaustive]
pub struct NoteRefused;

impl Identity {
    /// Signs `message`, the text of a signed note or a cosigned message,
    /// with the identity's Ed25519 key (RFC 8032, no prefix, as the
    /// signed-note format requires). Verify with the card's
    /// [`ed25519_public`](crate::Card::ed25519_public) key.
    ///
    /// # Errors
    ///
    /// [`NoteRefused`] when `message` is not note text or begins with
    /// `liaison-envelope` (see the module documentation).
    pub fn sign_note(&self, message: &[u8]) -> Result<[u8; 64], NoteRefused> {
        let text = std::str::from_utf8(message).map_err(|_| NoteRefused)?;
        let is_note = text.ends_with('\n')
            && !text.chars().any(|c| c.is_control() && c != '\n')
            && !text.starts_with("liaison-envelope");
        if !is_note {
            return Err(NoteRefused);
        }
        Ok(self.signer().ed25519.sign(message).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signature, VerifyingKey};
    use time::macros::datetime;

    use super::*;

    fn identity() -> Identity {
        Identity::from_secret_bytes(
            "NLD-KMAR",
            &[1; 32],
            &[2; 32],
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        )
        .unwrap()
    }

    #[test]
    fn signs_note_text_verifiably() {
        let id = identity();
        let text = b"NLD-KMAR\n3\nAAAA\n";
        let sig = id.sign_note(text).unwrap();
        let key = VerifyingKey::from_bytes(&id.card().ed25519_public()).unwrap();
        key.verify_strict(text, &Signature::from_bytes(&sig))
            .unwrap();
    }

    #[test]
    fn refuses_what_is_not_a_note_or_looks_like_an_envelope_transcript() {
        let id = identity();
        assert_eq!(id.sign_note(b"no line feed"), Err(NoteRefused));
        assert_eq!(id.sign_note(b"tab\there\n"), Err(NoteRefused));
        assert_eq!(id.sign_note(b"\xff\n"), Err(NoteRefused));
        assert_eq!(
            id.sign_note(b"liaison-envelope v2 signature\n"),
            Err(NoteRefused)
        );
    }
}

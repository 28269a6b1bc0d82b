//! Checkpoints (c2sp.org/tlog-checkpoint): a log's origin, tree size and
//! root hash as the text of a signed note.
//!
//! The note text is the origin line, the size line (ASCII decimal, no
//! leading zeros), the root line (standard padded base64 of the 32-byte
//! root), then any extension lines, each line ending in a line feed.

use crate::hash::Hash;
use crate::note::{Note, NoteError, NoteSigner, NoteVerifier, SignError};
use crate::text::{Lines, ParseError, decimal, hash_line, shown};

/// A tree head: which log, how many leaves, which root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin: a unique name of the log.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The root hash of the tree of `size` leaves.
    pub root: Hash,
    /// Extension lines, without line feeds (none are written by this
    /// workspace; read ones are kept).
    pub extensions: Vec<String>,
}

/// Why a signed checkpoint cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note or its text is malformed.
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// The log's signature is missing or does not verify.
    #[error("{0}")]
    Signature(#[from] NoteError),
    /// The checkpoint names another log than the one expected.
    #[error("the checkpoint is of the log `{found}`, not of `{expected}`")]
    Origin {
        /// The origin expected.
        expected: String,
        /// The origin found.
        found: String,
    },
}

impl Checkpoint {
    /// A checkpoint with no extension line.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            crate::base64_hash(&self.root)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Reads a note text as a checkpoint.
    ///
    /// # Errors
    ///
    /// [`ParseError`] naming the line: fewer than three lines, an empty
    /// line, an origin `cosignature/v1` (kept for cosigned messages), a size
    /// that is not decimal or has a leading zero, a root that is not the
    /// canonical base64 of 32 bytes.
    pub fn from_text(text: &str) -> Result<Self, ParseError> {
        let mut lines = Lines::new("checkpoint", text.as_bytes())?;
        let (n, origin) = lines.require("the origin line")?;
        if origin.is_empty() || origin == "cosignature/v1" {
            return Err(lines.error_at(n, format!("`{}` cannot be an origin", shown(origin))));
        }
        let (n, size) = lines.require("the tree size line")?;
        let size = decimal(size).map_err(|p| lines.error_at(n, p))?;
        let (n, root) = lines.require("the root hash line")?;
        let root = hash_line(&lines, n, root)?;
        let mut extensions = Vec::new();
        while let Some((n, line)) = lines.next_line() {
            if line.is_empty() {
                return Err(lines.error_at(n, "an empty extension line"));
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint with `signer` as a note.
    ///
    /// # Errors
    ///
    /// [`SignError`] when the origin cannot be a note text line or the
    /// signer fails.
    pub fn sign(&self, signer: &dyn NoteSigner) -> Result<Note, SignError> {
        let mut note = Note::new(&self.to_text()).map_err(|e| SignError(e.to_string()))?;
        note.sign(signer)?;
        Ok(note)
    }

    /// Reads a signed checkpoint, verifies the log's signature with
    /// `verifier`, and checks that its origin is `verifier`'s key name.
    ///
    /// # Errors
    ///
    /// [`CheckpointError`].
    pub fn open(bytes: &[u8], verifier: &NoteVerifier) -> Result<(Self, Note), CheckpointError> {
        let note = Note::parse(bytes)?;
        let checkpoint = Self::open_note(&note, verifier)?;
        Ok((checkpoint, note))
    }

    /// As [`Checkpoint::open`], for a note already read.
    ///
    /// # Errors
    ///
    /// [`CheckpointError`].
    pub fn open_note(note: &Note, verifier: &NoteVerifier) -> Result<Self, CheckpointError> {
        note.verify(verifier)?;
        let checkpoint = Self::from_text(note.text())?;
        if checkpoint.origin != verifier.name() {
            return Err(CheckpointError::Origin {
                expected: verifier.name().to_owned(),
                found: shown(&checkpoint.origin),
            });
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn a_checkpoint_naming_another_log_is_refused_though_its_key_signed_it() {
        // The key of `log.example/a` signs a checkpoint whose origin line
        // names `log.example/b`: the signature is good, the checkpoint is
        // not that log's.
        let signer = crate::note::Ed25519Signer::from_seed("log.example/a", &[7; 32]).unwrap();
        let verifier = NoteVerifier::ed25519("log.example/a", &signer.public_key()).unwrap();
        let note = Checkpoint::new("log.example/b", 3, [1; 32])
            .sign(&signer)
            .unwrap();
        note.verify(&verifier).unwrap();
        assert!(matches!(
            Checkpoint::open_note(&note, &verifier),
            Err(CheckpointError::Origin { .. })
        ));
        let own = Checkpoint::new("log.example/a", 3, [1; 32])
            .sign(&signer)
            .unwrap();
        Checkpoint::open_note(&own, &verifier).unwrap();
    }

    #[test]
    fn the_specification_example_reads() {
        let c = Checkpoint::from_text(EXAMPLE).unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20_852_163);
        assert_eq!(c.to_text(), EXAMPLE);
    }

    #[test]
    fn malformed_checkpoints_say_where() {
        let e = Checkpoint::from_text("a\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        let e = Checkpoint::from_text("a\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\n")
            .unwrap_err();
        assert_eq!(e.line, 3);
        let e = Checkpoint::from_text("a\n12\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = Checkpoint::from_text(&format!("{EXAMPLE}\n")).unwrap_err();
        assert_eq!(e.line, 4);
        let e = Checkpoint::from_text(
            "cosignature/v1\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 1);
    }
}

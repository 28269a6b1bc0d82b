//! A witness: cosigns a log's checkpoint only when it is consistent with
//! the last checkpoint of that log it cosigned.
//!
//! The witness keeps, for each log, the size and root it last cosigned
//! ([`WitnessState`]; where it keeps them is the caller's business, and the
//! text form below is one way). Given a new checkpoint it checks the log's
//! signature, then: a smaller size is a rollback, the same size with another
//! root is a fork, a larger size needs a consistency proof from the kept
//! size to the new one. Only then does it add its `cosignature/v1` and
//! return the new state, which the caller must store durably before
//! publishing the cosignature.
//!
//! The state's text form is three LF-terminated lines:
//! `witness-state/v1`, `size N`, `root BASE64`.

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::hash::{EMPTY_ROOT, Hash};
use crate::note::{Note, NoteSigner, NoteVerifier, SignError};
use crate::proof::ConsistencyProof;
use crate::text::{Lines, ParseError, hash_line};

const STATE_HEADER: &str = "witness-state/v1";

/// The last checkpoint of one log that a witness cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessState {
    /// Its tree size.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
}

/// Why a witness refuses to cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The checkpoint is malformed or not signed by the log.
    #[error("the checkpoint is not the log's: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint is smaller than the one cosigned before.
    #[error(
        "the log shows size {got} after size {had} was cosigned: it went back, so it is refused"
    )]
    Rollback {
        /// The size cosigned before.
        had: u64,
        /// The size now shown.
        got: u64,
    },
    /// The checkpoint has the size cosigned before but another root.
    #[error(
        "the log shows another root for size {size} than the one cosigned: it forked, so it is refused"
    )]
    Fork {
        /// The size.
        size: u64,
    },
    /// A larger checkpoint came without a consistency proof from the size
    /// cosigned before.
    #[error("a consistency proof from size {from} to size {to} is needed")]
    NoProof {
        /// The size cosigned before.
        from: u64,
        /// The new size.
        to: u64,
    },
    /// The consistency proof does not verify: the log rewrote what it had
    /// shown.
    #[error("the checkpoint is not consistent with size {from} cosigned before, so it is refused")]
    Inconsistent {
        /// The size cosigned before.
        from: u64,
    },
    /// The cosignature could not be made.
    #[error("{0}")]
    Sign(#[from] SignError),
}

/// Checks `note`, a checkpoint of the log `log`, against `last` (what this
/// witness last cosigned for that log, `None` the first time) and, when it
/// is consistent, returns the note with `cosigner`'s cosignature at
/// `timestamp` added, and the state to keep.
///
/// # Errors
///
/// [`WitnessError`]: the witness cosigns nothing then.
pub fn witness(
    last: Option<&WitnessState>,
    log: &NoteVerifier,
    note: &Note,
    proof: Option<&ConsistencyProof>,
    cosigner: &dyn NoteSigner,
    timestamp: u64,
) -> Result<(Note, WitnessState), WitnessError> {
    let checkpoint = Checkpoint::open_note(note, log)?;
    if let Some(last) = last {
        check_consistent(last, &checkpoint, proof)?;
    }
    let mut cosigned = note.clone();
    cosigned.cosign(cosigner, timestamp)?;
    Ok((
        cosigned,
        WitnessState {
            size: checkpoint.size,
            root: checkpoint.root,
        },
    ))
}

fn check_consistent(
    last: &WitnessState,
    checkpoint: &Checkpoint,
    proof: Option<&ConsistencyProof>,
) -> Result<(), WitnessError> {
    let (had, got) = (last.size, checkpoint.size);
    if got < had {
        return Err(WitnessError::Rollback { had, got });
    }
    if got == had {
        return if last.root == checkpoint.root {
            Ok(())
        } else {
            Err(WitnessError::Fork { size: got })
        };
    }
    if had == 0 {
        return if last.root == EMPTY_ROOT {
            Ok(())
        } else {
            Err(WitnessError::Inconsistent { from: had })
        };
    }
    let proof = proof
        .filter(|p| p.old_size == had && p.new_size == got)
        .ok_or(WitnessError::NoProof { from: had, to: got })?;
    proof
        .verify(&last.root, &checkpoint.root)
        .map_err(|_| WitnessError::Inconsistent { from: had })
}

impl WitnessState {
    /// The text form.
    pub fn to_text(&self) -> String {
        format!(
            "{STATE_HEADER}\nsize {}\nroot {}\n",
            self.size,
            crate::base64_hash(&self.root)
        )
    }

    /// Reads the text form.
    ///
    /// # Errors
    ///
    /// [`ParseError`] naming the line.
    pub fn from_text(text: &[u8]) -> Result<Self, ParseError> {
        let mut lines = Lines::new("witness state", text)?;
        lines.expect_exact(STATE_HEADER)?;
        let size = lines.keyword_number("size")?;
        let (n, line) = lines.require("`root HASH`")?;
        let root = line
            .strip_prefix("root ")
            .ok_or_else(|| lines.error_at(n, "expected `root HASH`"))?;
        let root = hash_line(&lines, n, root)?;
        if let Some((n, _)) = lines.next_line() {
            return Err(lines.error_at(n, "nothing may follow the root line"));
        }
        Ok(Self { size, root })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tree;
    use crate::note::Ed25519Signer;

    fn setup() -> (Tree, Ed25519Signer, NoteVerifier, Ed25519Signer) {
        let mut tree = Tree::new();
        for i in 0u32..20 {
            tree.push(&i.to_be_bytes());
        }
        let log = Ed25519Signer::from_seed("log.example/a", &[1; 32]).unwrap();
        let v = NoteVerifier::ed25519("log.example/a", &log.public_key()).unwrap();
        let w = Ed25519Signer::from_seed("witness.example/w", &[2; 32]).unwrap();
        (tree, log, v, w)
    }

    fn note_at(tree: &Tree, log: &Ed25519Signer, size: u64) -> Note {
        Checkpoint::new("log.example/a", size, tree.root_at(size).unwrap())
            .sign(log)
            .unwrap()
    }

    #[test]
    fn cosigns_consistent_growth_and_refuses_the_rest() {
        let (tree, log, v, w) = setup();
        let (_, state) = witness(None, &v, &note_at(&tree, &log, 5), None, &w, 10).unwrap();
        assert_eq!(state.size, 5);
        let proof = ConsistencyProof {
            old_size: 5,
            new_size: 12,
            hashes: tree.consistency_proof(5, 12).unwrap(),
        };
        let (cosigned, state) = witness(
            Some(&state),
            &v,
            &note_at(&tree, &log, 12),
            Some(&proof),
            &w,
            11,
        )
        .unwrap();
        let wv = NoteVerifier::cosigner("witness.example/w", &w.public_key()).unwrap();
        assert_eq!(cosigned.verify(&wv).unwrap().timestamp, Some(11));
        assert_eq!(
            witness(Some(&state), &v, &note_at(&tree, &log, 11), None, &w, 12).unwrap_err(),
            WitnessError::Rollback { had: 12, got: 11 }
        );
        assert_eq!(
            witness(Some(&state), &v, &note_at(&tree, &log, 20), None, &w, 12).unwrap_err(),
            WitnessError::NoProof { from: 12, to: 20 }
        );
        // A log rewritten from leaf 3 on: its own proof cannot bridge.
        let mut forked = Tree::new();
        for i in 0u32..20 {
            forked.push(&(if i == 3 { 99 } else { i }).to_be_bytes());
        }
        let proof = ConsistencyProof {
            old_size: 12,
            new_size: 20,
            hashes: forked.consistency_proof(12, 20).unwrap(),
        };
        assert_eq!(
            witness(
                Some(&state),
                &v,
                &note_at(&forked, &log, 20),
                Some(&proof),
                &w,
                12
            )
            .unwrap_err(),
            WitnessError::Inconsistent { from: 12 }
        );
        assert_eq!(
            witness(Some(&state), &v, &note_at(&forked, &log, 12), None, &w, 12).unwrap_err(),
            WitnessError::Fork { size: 12 }
        );
    }

    #[test]
    fn a_checkpoint_by_another_key_is_refused() {
        let (tree, _, v, w) = setup();
        let other = Ed25519Signer::from_seed("log.example/a", &[9; 32]).unwrap();
        assert!(matches!(
            witness(None, &v, &note_at(&tree, &other, 5), None, &w, 10),
            Err(WitnessError::Checkpoint(CheckpointError::Signature(_)))
        ));
    }

    #[test]
    fn state_round_trips() {
        let s = WitnessState {
            size: 7,
            root: EMPTY_ROOT,
        };
        assert_eq!(WitnessState::from_text(s.to_text().as_bytes()).unwrap(), s);
        assert!(WitnessState::from_text(b"witness-state/v1\nsize 7\n").is_err());
    }
}

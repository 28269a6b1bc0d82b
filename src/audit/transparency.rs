//! The audit log as a transparency log (`docs/audit.md`): every stored
//! line is a leaf of an RFC 9162 Merkle tree, so that the agency can sign
//! checkpoints of its log with its identity, and prove to anyone holding
//! one that an entry is in it or that a later log extends it.
//!
//! A leaf is an entry's stored line: its exact bytes, without the line
//! feed. The leaf of entry `seq` has index `seq - 1`. The hash chain stays
//! as it is; the tree is what outsiders verify.
//!
//! The log keeps the tree in memory beside the chain (64 bytes a leaf). It
//! is built from the store on first use, checking every line as the chain
//! requires, then extended by each append made through this handle; lines
//! that other writers of the store appended (which this handle learns of
//! when it appends) are read and checked when a checkpoint or proof is
//! next asked for. A checkpoint so covers the log as of this handle's last
//! open or append.

use liaison_envelope::{Card, Identity};
use liaison_tlog::{
    Checkpoint, ConsistencyProof, Hash, InclusionProof, Note, NoteSigner, NoteVerifier, SignError,
    Tree, leaf_hash,
};

use super::entry::{AuditEntry, ChainHead};
use super::store::AuditStore;
use super::verify::{AuditVerifyError, Problem, check_entry};
use super::{AuditError, AuditLog};

/// Why a checkpoint or proof could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransparencyError {
    /// The store could not be read.
    #[error("cannot read the audit log: {source}")]
    Store {
        /// The store's error.
        #[source]
        source: AuditError,
    },
    /// A line the tree does not hold yet does not verify as the chain
    /// requires, so it is not made a leaf.
    #[error("the audit log does not verify, so no checkpoint or proof is made of it: {source}")]
    Damaged {
        /// What verification found.
        #[source]
        source: AuditVerifyError,
    },
    /// The size or entry asked for is not in the log.
    #[error("{source}; run `liaison audit verify` to see how many entries the log holds")]
    OutOfRange {
        /// What the tree said.
        #[source]
        source: liaison_tlog::TreeError,
    },
    /// The identity cannot sign the checkpoint.
    #[error("cannot sign the checkpoint with the identity of `{agency}`: {source}")]
    Sign {
        /// The identity's agency id.
        agency: String,
        /// Why.
        #[source]
        source: SignError,
    },
}

impl From<liaison_tlog::TreeError> for TransparencyError {
    fn from(source: liaison_tlog::TreeError) -> Self {
        Self::OutOfRange { source }
    }
}

/// The tree over the first lines of the store, and the chain head of its
/// last leaf.
#[derive(Debug, Default)]
pub(super) struct LogTree {
    tree: Tree,
    head: Option<ChainHead>,
}

impl LogTree {
    /// Adds the leaves of lines this handle appended, when they start where
    /// the tree ends (else other writers appended in between, and
    /// [`LogTree::catch_up`] reads everything from the tree's end).
    pub(super) fn extend_own(&mut self, base: u64, leaves: &[Hash], head: Option<&ChainHead>) {
        if base == self.tree.len() && !leaves.is_empty() {
            for leaf in leaves {
                self.tree.push_hash(*leaf);
            }
            self.head = head.cloned();
        }
    }

    /// Reads and checks the complete lines after the tree's end.
    fn catch_up(&mut self, store: &dyn AuditStore) -> Result<(), TransparencyError> {
        let read = |source| TransparencyError::Store {
            source: AuditError::Store { source },
        };
        let skip = usize::try_from(self.tree.len()).unwrap_or(usize::MAX);
        for (i, line) in store.lines().map_err(read)?.enumerate().skip(skip) {
            let line = line.map_err(read)?;
            if !line.complete {
                break;
            }
            let entry =
                check_entry(&line.bytes, self.head.as_ref()).map_err(|(seq, problem)| {
                    TransparencyError::Damaged {
                        source: AuditVerifyError::Broken {
                            line: i as u64 + 1,
                            seq,
                            problem,
                        },
                    }
                })?;
            self.tree.push(&line.bytes);
            self.head = Some(entry.head());
        }
        Ok(())
    }
}

/// Signs notes with an agency identity's Ed25519 key, under the agency id.
pub(super) struct IdentitySigner<'a> {
    identity: &'a Identity,
    public: [u8; 32],
}

impl<'a> IdentitySigner<'a> {
    pub(super) fn new(identity: &'a Identity) -> Self {
        Self {
            identity,
            public: identity.card().ed25519_public(),
        }
    }
}

impl NoteSigner for IdentitySigner<'_> {
    fn name(&self) -> &str {
        self.identity.agency_id()
    }

    fn public_key(&self) -> [u8; 32] {
        self.public
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        self.identity
            .sign_note(message)
            .map_err(|e| SignError(e.to_string()))
    }
}

/// Signs a note text (a checkpoint's, a receipt's) with `identity`.
pub(crate) fn sign_note(identity: &Identity, text: &str) -> Result<Note, TransparencyError> {
    let sign_error = |source| TransparencyError::Sign {
        agency: identity.agency_id().to_owned(),
        source,
    };
    let mut note = Note::new(text).map_err(|e| sign_error(SignError(e.to_string())))?;
    note.sign(&IdentitySigner::new(identity))
        .map_err(sign_error)?;
    Ok(note)
}

/// The verifier of the notes signed with the identity whose card is
/// `card`: the agency id as key name, the card's Ed25519 key.
///
/// # Errors
///
/// [`liaison_tlog::KeyError`] when the agency id cannot name a key (agency
/// ids never hold white space or `+`, so this does not happen with valid
/// cards).
pub fn note_verifier(card: &Card) -> Result<NoteVerifier, liaison_tlog::KeyError> {
    NoteVerifier::ed25519(card.agency_id(), &card.ed25519_public())
}

/// The verifier of the cosignatures a witness makes with the identity
/// whose card is `card` (type `0x04`, the agency id as key name).
///
/// # Errors
///
/// As [`note_verifier`].
pub fn cosigner_verifier(card: &Card) -> Result<NoteVerifier, liaison_tlog::KeyError> {
    NoteVerifier::cosigner(card.agency_id(), &card.ed25519_public())
}

/// An entry of the log with its inclusion proof and, when signed, the
/// checkpoint the proof is against.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryProof {
    /// The entry's stored line (the leaf), without its line feed.
    pub entry: Vec<u8>,
    /// The proof that the leaf is in the tree of `proof.size` entries.
    pub proof: InclusionProof,
    /// The log's signed checkpoint of that size, when the proof was made
    /// with the log's identity.
    pub checkpoint: Option<Note>,
}

impl AuditLog {
    /// Runs `f` on the tree after catching up with the store.
    fn with_tree<T>(
        &self,
        f: impl FnOnce(&Tree) -> Result<T, TransparencyError>,
    ) -> Result<T, TransparencyError> {
        let mut chain = self.lock();
        let super::Chain { store, tree, head } = &mut *chain;
        // Reading the store costs a pass over it: done only when the store
        // holds lines the tree has not seen (on first use, and after other
        // writers appended).
        if tree.tree.len() < head.as_ref().map_or(0, |h| h.seq) {
            tree.catch_up(store.as_ref())?;
        }
        f(&tree.tree)
    }

    /// The number of leaves: the entries of the store as of this log's last
    /// open or append (appends by other writers of the store are seen once
    /// this log appends again, or is opened again).
    ///
    /// # Errors
    ///
    /// [`TransparencyError::Store`] or [`TransparencyError::Damaged`].
    pub fn tree_size(&self) -> Result<u64, TransparencyError> {
        self.with_tree(|t| Ok(t.len()))
    }

    /// The root of the tree of the first `size` entries.
    ///
    /// # Errors
    ///
    /// As [`AuditLog::tree_size`], and [`TransparencyError::OutOfRange`].
    pub fn root_at(&self, size: u64) -> Result<Hash, TransparencyError> {
        self.with_tree(|t| Ok(t.root_at(size)?))
    }

    /// A checkpoint of the whole log (as of this log's last open or
    /// append), signed with `identity`:
    /// origin and key name the agency id, as `docs/audit.md` says.
    ///
    /// # Errors
    ///
    /// As [`AuditLog::tree_size`], and [`TransparencyError::Sign`].
    pub fn checkpoint(&self, identity: &Identity) -> Result<Note, TransparencyError> {
        let (size, root) = self.with_tree(|t| Ok((t.len(), t.root())))?;
        sign_note(
            identity,
            &Checkpoint::new(identity.agency_id(), size, root).to_text(),
        )
    }

    /// A checkpoint of the first `size` entries, signed with `identity`.
    ///
    /// # Errors
    ///
    /// As [`AuditLog::checkpoint`], and [`TransparencyError::OutOfRange`].
    pub fn checkpoint_at(&self, size: u64, identity: &Identity) -> Result<Note, TransparencyError> {
        let root = self.root_at(size)?;
        sign_note(
            identity,
            &Checkpoint::new(identity.agency_id(), size, root).to_text(),
        )
    }

    /// The inclusion proof of entry `seq` (leaf `seq - 1`) in the tree of
    /// the first `size` entries (all of them when `None`), with the entry's
    /// line and, when `identity` is given, the signed checkpoint of that
    /// size.
    ///
    /// # Errors
    ///
    /// As [`AuditLog::checkpoint_at`].
    pub fn prove_entry(
        &self,
        seq: u64,
        size: Option<u64>,
        identity: Option<&Identity>,
    ) -> Result<EntryProof, TransparencyError> {
        self.prove(seq, size, identity, None)
    }

    /// As [`AuditLog::prove_entry`] of the whole log, for an entry this log
    /// has just appended: its line is taken from the entry, not read back
    /// from the store, when it is the leaf the tree holds.
    pub(crate) fn prove_appended(
        &self,
        entry: &AuditEntry,
        identity: &Identity,
    ) -> Result<EntryProof, TransparencyError> {
        let line = entry.to_line().ok();
        self.prove(entry.seq, None, Some(identity), line)
    }

    fn prove(
        &self,
        seq: u64,
        size: Option<u64>,
        identity: Option<&Identity>,
        known: Option<Vec<u8>>,
    ) -> Result<EntryProof, TransparencyError> {
        let (proof, size, leaf) = self.with_tree(|t| {
            let size = size.unwrap_or(t.len());
            let index = seq
                .checked_sub(1)
                .ok_or(liaison_tlog::TreeError::IndexOutOfRange { index: 0, size })?;
            let hashes = t.inclusion_proof(index, size)?;
            Ok((
                InclusionProof {
                    index,
                    size,
                    hashes,
                },
                size,
                t.leaf(index),
            ))
        })?;
        let entry = match known {
            Some(line) if Some(leaf_hash(&line)) == leaf => line,
            _ => self.line(proof.index)?,
        };
        let checkpoint = match identity {
            Some(id) => Some(self.checkpoint_at(size, id)?),
            None => None,
        };
        Ok(EntryProof {
            entry,
            proof,
            checkpoint,
        })
    }

    /// The consistency proof from the tree of the first `old` entries to
    /// the tree of the first `new`.
    ///
    /// # Errors
    ///
    /// As [`AuditLog::tree_size`], and [`TransparencyError::OutOfRange`]
    /// when `old` is 0, larger than `new`, or `new` exceeds the log.
    pub fn prove_consistency(
        &self,
        old: u64,
        new: u64,
    ) -> Result<ConsistencyProof, TransparencyError> {
        self.with_tree(|t| {
            Ok(ConsistencyProof {
                old_size: old,
                new_size: new,
                hashes: t.consistency_proof(old, new)?,
            })
        })
    }

    /// The stored line of leaf `index`.
    fn line(&self, index: u64) -> Result<Vec<u8>, TransparencyError> {
        let chain = self.lock();
        let read = |source| TransparencyError::Store {
            source: AuditError::Store { source },
        };
        let line = chain.store.line(index).map_err(read)?;
        match line {
            Some(l) if l.complete => Ok(l.bytes),
            _ => Err(TransparencyError::Damaged {
                source: AuditVerifyError::Broken {
                    line: index.saturating_add(1),
                    seq: None,
                    problem: Problem::MissingHead {
                        seq: index.saturating_add(1),
                    },
                },
            }),
        }
    }
}

/// Reads an entry line given as a leaf: a well-formed entry whose stored
/// hash matches its content and whose line is canonical.
pub(crate) fn entry_of_leaf(line: &[u8]) -> Option<AuditEntry> {
    let entry = AuditEntry::from_line(line).ok()?;
    let hash_ok = entry.computed_hash().ok()? == entry.hash;
    let canonical = entry.to_line().ok()? == line;
    (hash_ok && canonical).then_some(entry)
}

/// The leaf hash of an entry line.
pub fn entry_leaf_hash(line: &[u8]) -> Hash {
    leaf_hash(line)
}

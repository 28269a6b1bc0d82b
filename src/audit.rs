//! The audit log: an append-only, hash-chained record of every decision,
//! release, refusal and receipt.
//!
//! Each entry holds when it happened, what kind of event it was, the decision
//! id, the record id and digest, the counterparty, the purpose, the outcome,
//! the agreements relied on and the reasons; never the content of a record.
//! Each entry's `prev` is the hash of the entry before it and its `hash` the
//! SHA-256 of its own canonical form, so [`verify`](AuditLog::verify) finds
//! any entry edited, removed, reordered or inserted, and names the first bad
//! one. The format is specified in `docs/exchange.md`, so that another
//! agency can verify a log with its own tools.
//!
//! By default the log is a JSON Lines file on local disk ([`FileStore`]),
//! shared by any number of writing processes, every append made durable
//! before it returns, a torn tail moved to a quarantine file rather than
//! deleted. With the `postgres` feature, `PostgresStore` keeps it in a
//! database shared by several machines. The log also keeps the ids of
//! accepted parcels: a receipt and its parcel id are recorded in one
//! durable step. Storage sits behind the [`AuditStore`] trait so an agency
//! can keep the log in its own database.
//!
//! ```
//! use liaison::audit::{AuditEvent, AuditLog, AuditOutcome, EntryKind};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("audit.jsonl");
//! let log = AuditLog::open(&path)?;
//! let at = "2026-11-26T08:30:00.000Z".parse()?;
//! let mut event = AuditEvent::new(EntryKind::Refusal, AuditOutcome::Denied, at);
//! event.counterparty = Some("DEU-BPOL".parse()?);
//! event.reasons.push("no agreement covers purpose `marketing`".to_owned());
//! log.append(event)?;
//!
//! let report = liaison::audit::verify_file(&path)?;
//! assert_eq!(report.entries, 1);
//! # Ok(())
//! # }
//! ```

mod entry;
mod evidence;
mod file;
#[cfg(feature = "postgres")]
mod postgres;
mod quarantine;
mod read_only;

/// The quarantine file beside the log file at `log`: `LOG.quarantine`,
/// where the file store moves a torn tail (see `docs/exchange.md`).
pub fn quarantine_path(log: impl AsRef<std::path::Path>) -> std::path::PathBuf {
    quarantine::path_for(log.as_ref())
}
mod store;
mod transparency;
mod verify;
mod witness;

use std::io;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use liaison_record::{AgencyId, Timestamp};
use uuid::Uuid;

pub use entry::{
    AuditAgreement, AuditEntry, AuditEvent, AuditOutcome, ChainHead, ENTRY_FORMAT_VERSION,
    EntryKind, GENESIS_HASH, Recovered,
};
pub use evidence::{
    ConsistencyEvidence, EvidenceError, ProvenEntry, check_consistency, check_entry_proof,
};
pub use file::FileStore;
/// The transparency-log types the audit log's checkpoints and proofs are
/// made of (from `liaison-tlog`; formats in `docs/audit.md`).
pub use liaison_tlog::{
    Checkpoint, CheckpointError, ConsistencyProof, Hash as TreeHash, InclusionProof, Note,
    NoteError, NoteVerifier, ProofError, WitnessError, WitnessState,
};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use store::{
    AcceptedParcel, AuditStore, MemoryStore, NewLine, Step, StoredLine, StoredLines, Transaction,
};
pub(crate) use transparency::sign_note as transparency_sign;
pub use transparency::{
    EntryProof, TransparencyError, cosigner_verifier, entry_leaf_hash, note_verifier,
};
pub use verify::{AuditVerifyError, Problem, TornTail, VerifyReport, verify_lines};
pub use witness::{WitnessFailure, WitnessStore};

/// The reason code of a receipt refused because its parcel was accepted
/// before.
pub const REPLAYED: &str = "replayed";

/// Why the audit log could not be opened or appended to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The store failed (a full disk, a lost connection, no permission).
    #[error("cannot write the audit log: {source}; check the storage and try again")]
    Store {
        /// The storage error.
        #[source]
        source: io::Error,
    },
    /// The log's existing content does not verify, so appending to it would
    /// bury the damage.
    #[error(
        "the existing audit log does not verify, so nothing more is appended to it: {source}; keep the damaged log for investigation and start a new one"
    )]
    Damaged {
        /// What verification found.
        #[source]
        source: AuditVerifyError,
    },
    /// The existing content ends with an incomplete line that the store did
    /// not recover.
    #[error(
        "the audit log ends with an incomplete line {line}; the store must move an interrupted append to quarantine before the log is reopened"
    )]
    Torn {
        /// The line number of the incomplete line.
        line: u64,
    },
    /// The log holds as many entries as a sequence number can count.
    #[error("the audit log is full (sequence numbers exhausted); start a new log")]
    Full,
    /// An entry could not be encoded (this does not happen with valid
    /// identifiers; it is reported rather than hidden).
    #[error("cannot encode the audit entry: {source}")]
    Encode {
        /// The encoding error.
        #[source]
        source: serde_json::Error,
    },
}

/// An append-only, hash-chained audit log, safe to share between threads.
///
/// Appends from several threads are serialized here, and appends from
/// several processes or machines by the store: each gets the next sequence
/// number and chains to the entry before it, and none is lost.
#[derive(Debug)]
pub struct AuditLog {
    chain: Mutex<Chain>,
}

#[derive(Debug)]
struct Chain {
    store: Box<dyn AuditStore>,
    head: Option<ChainHead>,
    tree: transparency::LogTree,
}

/// A receipt to record: its entry, and the parcel it accepts (its id; the
/// sender is the entry's counterparty) if that parcel was not accepted
/// before.
#[derive(Debug)]
pub(crate) struct PendingReceipt {
    pub(crate) event: AuditEvent,
    pub(crate) accepts: Option<Uuid>,
}

impl AuditLog {
    /// Opens (or creates) the JSON Lines log at `path` through a
    /// [`FileStore`]: verifies what it holds and recovers a torn tail.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the file cannot be opened, read or
    /// written; [`AuditError::Damaged`] when its content does not verify.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        // The file store verified every line as it read them.
        let store = FileStore::open(path)?;
        let head = store.head().cloned();
        Ok(Self {
            chain: Mutex::new(Chain {
                store: Box::new(store),
                head,
                tree: transparency::LogTree::default(),
            }),
        })
    }

    /// Opens the log where `location` says: a `postgres://` or
    /// `postgresql://` URL opens a `PostgresStore` (feature `postgres`),
    /// anything else is the path of a JSON Lines file ([`AuditLog::open`]).
    ///
    /// # Errors
    ///
    /// As [`AuditLog::open`] or `PostgresStore::connect`; a URL given to a
    /// build without the `postgres` feature is [`AuditError::Store`].
    pub fn open_location(location: &str) -> Result<Self, AuditError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Self::with_store(PostgresStore::connect(location)?);
            #[cfg(not(feature = "postgres"))]
            return Err(AuditError::Store {
                source: io::Error::new(
                    io::ErrorKind::Unsupported,
                    "this build has no PostgreSQL store; build with the `postgres` feature or give a file path",
                ),
            });
        }
        Self::open(location)
    }

    /// Opens the JSON Lines log at `path` only to read it (for checkpoints
    /// and proofs): verifies what it holds, and never writes to it, so a
    /// torn tail is refused rather than recovered.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the file cannot be read,
    /// [`AuditError::Damaged`] when its content does not verify and
    /// [`AuditError::Torn`] when it ends with an incomplete line (the next
    /// writer, [`AuditLog::open`], moves that line to quarantine and
    /// records a recovery entry). Appending through the log fails with
    /// [`AuditError::Store`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        Self::with_store(read_only::ReadOnlyFile {
            path: path.as_ref().to_path_buf(),
        })
    }

    /// A log in memory, for tests, benchmarks and short-lived tools: it
    /// forgets everything, accepted parcels included, when dropped.
    pub fn in_memory() -> Self {
        Self {
            chain: Mutex::new(Chain {
                store: Box::new(MemoryStore::new()),
                head: None,
                tree: transparency::LogTree::default(),
            }),
        }
    }

    /// A log over any store, after verifying what the store already holds.
    ///
    /// # Errors
    ///
    /// [`AuditError::Damaged`] when the content does not verify,
    /// [`AuditError::Torn`] when it ends with an incomplete line, and
    /// [`AuditError::Store`] when it cannot be read.
    pub fn with_store(store: impl AuditStore + 'static) -> Result<Self, AuditError> {
        let lines = store
            .lines()
            .map_err(|source| AuditError::Store { source })?;
        let report = verify_lines(lines, None).map_err(|e| match e {
            AuditVerifyError::Read { source } => AuditError::Store { source },
            other => AuditError::Damaged { source: other },
        })?;
        if let Some(torn) = report.torn_tail {
            return Err(AuditError::Torn { line: torn.line });
        }
        Ok(Self {
            chain: Mutex::new(Chain {
                store: Box::new(store),
                head: report.head,
                tree: transparency::LogTree::default(),
            }),
        })
    }

    /// Appends `event` as the next entry, durably, and returns the entry.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the store fails; the entry is then not
    /// part of the log.
    pub fn append(&self, event: AuditEvent) -> Result<AuditEntry, AuditError> {
        let mut entries = self.append_all(vec![event])?;
        entries.pop().ok_or(AuditError::Full)
    }

    /// Appends `events` as the next entries, in order, made durable
    /// together (one write and one flush to disk for a [`FileStore`], one
    /// transaction for a database: group commit), and returns the entries.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the store fails; none of the entries is
    /// then stored.
    pub fn append_all(&self, events: Vec<AuditEvent>) -> Result<Vec<AuditEntry>, AuditError> {
        let pending = events
            .into_iter()
            .map(|event| PendingReceipt {
                event,
                accepts: None,
            })
            .collect();
        self.record(pending, None).map(|(entries, _)| entries)
    }

    /// Whether the parcel `parcel` of `sender` was accepted (by any writer
    /// of the store) and is still within the replay window.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the store cannot be read.
    pub fn is_accepted(&self, sender: &AgencyId, parcel: &Uuid) -> Result<bool, AuditError> {
        let mut chain = self.lock();
        let mut found = false;
        chain.store.transact(&mut |tx: &mut dyn Transaction| {
            found = tx.is_accepted(sender, parcel)?;
            Ok(Vec::new())
        })?;
        Ok(found)
    }

    /// Records receipts in one durable step: a receipt that accepts a
    /// parcel already accepted (by any writer, or earlier in `pending`)
    /// becomes a refusal with the reason [`REPLAYED`]. Returns the entries
    /// and, for each, whether it accepted its parcel. Ids of parcels
    /// received before `prune_before` are forgotten first.
    pub(crate) fn record(
        &self,
        pending: Vec<PendingReceipt>,
        prune_before: Option<Timestamp>,
    ) -> Result<(Vec<AuditEntry>, Vec<bool>), AuditError> {
        let mut chain = self.lock();
        let mut pending = Some(pending);
        let mut made: Vec<(AuditEntry, bool)> = Vec::new();
        // Where this step's lines start, and their leaf hashes.
        let mut base = 0;
        let mut leaves = Vec::new();
        let head = chain.store.transact(&mut |tx: &mut dyn Transaction| {
            made.clear();
            leaves.clear();
            let pending = pending.take().unwrap_or_default();
            if let Some(before) = prune_before {
                tx.prune(before)?;
            }
            let (mut seq, mut prev) = match tx.head() {
                Some(h) => (h.seq, h.hash.clone()),
                None => (0, GENESIS_HASH.to_owned()),
            };
            base = seq;
            let mut lines = Vec::with_capacity(pending.len());
            let mut in_batch = std::collections::HashSet::new();
            for PendingReceipt { mut event, accepts } in pending {
                let mut accepted = None;
                if let Some(parcel) = accepts {
                    // The parcel id names a parcel only with its sender,
                    // which the entry records (and a reader of the log
                    // takes from it).
                    let sender = event
                        .counterparty
                        .clone()
                        .ok_or_else(|| AuditError::Store {
                            source: std::io::Error::new(
                                std::io::ErrorKind::InvalidInput,
                                "a receipt that accepts a parcel must name its sender",
                            ),
                        })?;
                    if in_batch.contains(&(sender.clone(), parcel))
                        || tx.is_accepted(&sender, &parcel)?
                    {
                        event.outcome = AuditOutcome::Refused;
                        event.reasons = vec![REPLAYED.to_owned()];
                    } else {
                        in_batch.insert((sender.clone(), parcel));
                        accepted = Some(AcceptedParcel::new(sender, parcel, event.at));
                    }
                }
                seq = seq.checked_add(1).ok_or(AuditError::Full)?;
                let (entry, bytes) = AuditEntry::chain_line(event, seq, prev)
                    .map_err(|source| AuditError::Encode { source })?;
                prev = entry.hash.clone();
                leaves.push(liaison_tlog::leaf_hash(&bytes));
                lines.push(NewLine {
                    seq,
                    hash: entry.hash.clone(),
                    prev: entry.prev.clone(),
                    bytes,
                    accepted: accepted.clone(),
                });
                made.push((entry, accepted.is_some()));
            }
            Ok(lines)
        })?;
        let own_head = made.last().map(|(entry, _)| entry.head());
        chain.tree.extend_own(base, &leaves, own_head.as_ref());
        chain.head = head;
        Ok(made.into_iter().unzip())
    }

    /// The last entry's sequence number and hash as of this log's last
    /// open or append (other writers of the store may have appended
    /// since); `None` while empty. Record it somewhere the log's writer
    /// cannot change, and pass it to [`AuditLog::verify_against`] later.
    pub fn head(&self) -> Option<ChainHead> {
        self.lock().head.clone()
    }

    /// The number of entries, as of this log's last open or append.
    pub fn len(&self) -> u64 {
        self.lock().head.as_ref().map_or(0, |h| h.seq)
    }

    /// Whether the log holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Verifies everything in the store.
    ///
    /// # Errors
    ///
    /// See [`verify_lines`].
    pub fn verify(&self) -> Result<VerifyReport, AuditVerifyError> {
        let chain = self.lock();
        let lines = chain
            .store
            .lines()
            .map_err(|source| AuditVerifyError::Read { source })?;
        verify_lines(lines, None)
    }

    /// Verifies everything in the store, and that the chain still holds
    /// `trusted_head`.
    ///
    /// # Errors
    ///
    /// See [`verify_lines`].
    pub fn verify_against(
        &self,
        trusted_head: &ChainHead,
    ) -> Result<VerifyReport, AuditVerifyError> {
        let chain = self.lock();
        let lines = chain
            .store
            .lines()
            .map_err(|source| AuditVerifyError::Read { source })?;
        verify_lines(lines, Some(trusted_head))
    }

    /// Reads every entry back, oldest first (after checking the chain).
    ///
    /// # Errors
    ///
    /// See [`verify_lines`].
    pub fn entries(&self) -> Result<Vec<AuditEntry>, AuditVerifyError> {
        self.verify()?;
        let chain = self.lock();
        let lines = chain
            .store
            .lines()
            .map_err(|source| AuditVerifyError::Read { source })?;
        let mut entries = Vec::new();
        for (i, line) in lines.enumerate() {
            let line = line.map_err(|source| AuditVerifyError::Read { source })?;
            if !line.complete {
                break;
            }
            let entry =
                AuditEntry::from_line(&line.bytes).map_err(|_| AuditVerifyError::Broken {
                    line: i as u64 + 1,
                    seq: None,
                    problem: Problem::NotJson,
                })?;
            entries.push(entry);
        }
        Ok(entries)
    }

    fn lock(&self) -> MutexGuard<'_, Chain> {
        // The chain head moves only after a successful append, so the state
        // behind a poisoned lock is still consistent.
        self.chain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Verifies the JSON Lines log at `path` without opening it for writing:
/// safe to run while a writer appends, and on a copy received from another
/// agency.
///
/// # Errors
///
/// See [`verify_lines`].
pub fn verify_file(path: impl AsRef<Path>) -> Result<VerifyReport, AuditVerifyError> {
    let lines =
        file::read_lines(path.as_ref()).map_err(|source| AuditVerifyError::Read { source })?;
    verify_lines(lines, None)
}

/// Verifies the JSON Lines log at `path` and that it still holds
/// `trusted_head`.
///
/// # Errors
///
/// See [`verify_lines`].
pub fn verify_file_against(
    path: impl AsRef<Path>,
    trusted_head: &ChainHead,
) -> Result<VerifyReport, AuditVerifyError> {
    let lines =
        file::read_lines(path.as_ref()).map_err(|source| AuditVerifyError::Read { source })?;
    verify_lines(lines, Some(trusted_head))
}

/// Verifies a log given as bytes (the content of a JSON Lines file, for
/// instance received from another agency), optionally against a trusted
/// head.
///
/// # Errors
///
/// See [`verify_lines`].
pub fn verify_bytes(
    bytes: &[u8],
    trusted_head: Option<&ChainHead>,
) -> Result<VerifyReport, AuditVerifyError> {
    let mut rest = bytes;
    let lines = std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let (line, tail) = rest.split_at(i);
                rest = tail.get(1..).unwrap_or_default();
                StoredLine {
                    bytes: line.to_vec(),
                    complete: true,
                }
            }
            None => {
                let line = StoredLine {
                    bytes: rest.to_vec(),
                    complete: false,
                };
                rest = &[];
                line
            }
        };
        Some(Ok(line))
    });
    verify_lines(lines, trusted_head)
}

#[cfg(test)]
mod tests;

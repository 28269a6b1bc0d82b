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
//! every append made durable before it returns. Storage sits behind the
//! [`AuditStore`] trait so an agency can keep the log in its own database.
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
mod file;
mod store;
mod verify;

use std::io;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

pub use entry::{
    AuditAgreement, AuditEntry, AuditEvent, AuditOutcome, ChainHead, ENTRY_FORMAT_VERSION,
    EntryKind, GENESIS_HASH,
};
pub use file::FileStore;
pub use store::{AuditStore, MemoryStore, StoredLine, StoredLines};
pub use verify::{AuditVerifyError, Problem, TornTail, VerifyReport, verify_lines};

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
        "the audit log ends with an incomplete line {line}; the store must remove an interrupted append before the log is reopened"
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
/// Appends from several threads are serialized: each gets the next sequence
/// number and chains to the entry before it, and none is lost.
#[derive(Debug)]
pub struct AuditLog {
    chain: Mutex<Chain>,
}

#[derive(Debug)]
struct Chain {
    store: Box<dyn AuditStore>,
    head: Option<ChainHead>,
}

impl AuditLog {
    /// Opens (or creates) the JSON Lines log at `path` through a
    /// [`FileStore`], and verifies what it already holds.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the file cannot be opened or is open for
    /// writing in another process; [`AuditError::Damaged`] when its content
    /// does not verify.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        let store = FileStore::open(path).map_err(|source| AuditError::Store { source })?;
        Self::with_store(store)
    }

    /// A log in memory, for tests, benchmarks and short-lived tools.
    pub fn in_memory() -> Self {
        Self {
            chain: Mutex::new(Chain {
                store: Box::new(MemoryStore::new()),
                head: None,
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
    /// together (one write and one flush to disk for a [`FileStore`]: group
    /// commit), and returns the entries.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the store fails; none of the entries is
    /// then acknowledged, and the chain goes on from whatever the store
    /// holds.
    pub fn append_all(&self, events: Vec<AuditEvent>) -> Result<Vec<AuditEntry>, AuditError> {
        let mut chain = self.lock();
        let (mut seq, mut prev) = match &chain.head {
            Some(h) => (h.seq, h.hash.clone()),
            None => (0, GENESIS_HASH.to_owned()),
        };
        let mut entries = Vec::with_capacity(events.len());
        let mut lines = Vec::with_capacity(events.len());
        for event in events {
            seq = seq.checked_add(1).ok_or(AuditError::Full)?;
            let (entry, line) = AuditEntry::chain_line(event, seq, prev)
                .map_err(|source| AuditError::Encode { source })?;
            lines.push(line);
            prev = entry.hash.clone();
            entries.push(entry);
        }
        if let Err(source) = chain.store.append_many(&lines) {
            // Part of the lines may have been stored: go on from what the
            // store holds, so the chain stays whole.
            if let Ok(report) = chain
                .store
                .lines()
                .map_err(|source| AuditVerifyError::Read { source })
                .and_then(|lines| verify_lines(lines, None))
            {
                chain.head = report.head;
            }
            return Err(AuditError::Store { source });
        }
        if let Some(last) = entries.last() {
            chain.head = Some(last.head());
        }
        Ok(entries)
    }

    /// The last entry's sequence number and hash; `None` while empty.
    /// Record it somewhere the log's writer cannot change, and pass it to
    /// [`AuditLog::verify_against`] later.
    pub fn head(&self) -> Option<ChainHead> {
        self.lock().head.clone()
    }

    /// The number of entries.
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

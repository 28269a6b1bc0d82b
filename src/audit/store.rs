//! Where audit lines are kept: the [`AuditStore`] trait, what one durable
//! step hands a store ([`NewLine`], [`Transaction`]), and an in-memory store.

use std::collections::HashMap;
use std::fmt;
use std::io;

use liaison_record::{AgencyId, Timestamp};
use uuid::Uuid;

use super::AuditError;
use super::entry::{AuditEntry, AuditOutcome, ChainHead, EntryKind};

/// One stored line of an audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    /// The line's bytes, without the line feed.
    pub bytes: Vec<u8>,
    /// Whether the line was completely written. Only the last line of a
    /// store can be incomplete: an append that was interrupted (a crash, a
    /// full disk) and so was never acknowledged.
    pub complete: bool,
}

/// The lines of a store, in order.
pub type StoredLines<'a> = Box<dyn Iterator<Item = io::Result<StoredLine>> + 'a>;

/// A line the log asks a store to append, with what the store indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewLine {
    /// The entry's sequence number.
    pub seq: u64,
    /// The entry's hash.
    pub hash: String,
    /// The hash of the entry before it.
    pub prev: String,
    /// The line, without a line feed.
    pub bytes: Vec<u8>,
    /// For an accepted receipt: the parcel, which the store must remember
    /// as accepted in the same durable step.
    pub accepted: Option<AcceptedParcel>,
}

/// A parcel accepted: its sender, its id and when it was received. A
/// parcel id is the sender's choice, so it names a parcel only together
/// with its sender: another partner's parcel with the same id is another
/// parcel, and accepting it must not make the first a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedParcel {
    /// The sending agency (the receipt entry's counterparty).
    pub sender: AgencyId,
    /// The parcel id the sender chose.
    pub parcel: Uuid,
    /// When it was received.
    pub at: Timestamp,
}

impl AcceptedParcel {
    /// The accepted parcel `parcel` of `sender`, received at `at`.
    pub fn new(sender: AgencyId, parcel: Uuid, at: Timestamp) -> Self {
        Self { sender, parcel, at }
    }
}

/// What a store offers the log inside one durable step, while it holds
/// the store exclusively (against every other writer, in this process or
/// another, on this machine or another).
pub trait Transaction {
    /// The last entry as the store holds it now, every writer's appends
    /// included; `None` while the store is empty.
    fn head(&self) -> Option<&ChainHead>;

    /// Whether the parcel `parcel` of `sender` was accepted (and not
    /// pruned).
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the store cannot be read.
    fn is_accepted(&mut self, sender: &AgencyId, parcel: &Uuid) -> Result<bool, AuditError>;

    /// May forget the ids of parcels received before `before`: this
    /// process's replay window refuses those parcels by their age. A store
    /// shared by instances whose windows or clocks may differ must forget
    /// nothing (the PostgreSQL store keeps every id), since another
    /// instance may still rely on an id this one no longer needs.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the store cannot be written.
    fn prune(&mut self, before: Timestamp) -> Result<(), AuditError>;
}

/// The step a store runs inside its exclusive hold: it reads what the
/// transaction shows and returns the lines to append.
pub type Step<'a> = dyn FnMut(&mut dyn Transaction) -> Result<Vec<NewLine>, AuditError> + 'a;

/// Storage for audit lines and for the ids of accepted parcels.
///
/// [`FileStore`](crate::audit::FileStore) keeps JSON Lines on local disk,
/// [`MemoryStore`] keeps them in memory, and `PostgresStore` (feature
/// `postgres`) keeps them in a database shared by several machines. An
/// implementation must make each [`transact`](AuditStore::transact)
/// exclusive against every other writer of the same store, and durable as
/// one step: either all its lines and accepted ids are stored, or none.
pub trait AuditStore: Send + fmt::Debug {
    /// Takes the store exclusively, runs `step` with the store's current
    /// head and replay ids, stores the lines it returns (and the accepted
    /// parcel ids they carry) durably in one step, and returns the new head.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] for any storage failure, and whatever `step`
    /// returns; after an error nothing of this step is stored.
    fn transact(&mut self, step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError>;

    /// Reads every line, oldest first.
    ///
    /// # Errors
    ///
    /// A storage failure, when opening or while iterating.
    fn lines(&self) -> io::Result<StoredLines<'_>>;

    /// Reads the line at `index` (0 for the first), `None` past the end.
    /// The default reads the lines up to it; a store that can find a line
    /// directly (by its sequence number, `index + 1`) should say so here.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn line(&self, index: u64) -> io::Result<Option<StoredLine>> {
        let i = usize::try_from(index).unwrap_or(usize::MAX);
        self.lines()?.nth(i).transpose()
    }
}

/// The accepted parcels (sender and id) and when each was received: what
/// the file and memory stores keep in memory, read from the log's receipt
/// entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReplayIndex {
    /// By parcel id, each sender that used it and when its parcel was
    /// received (almost always one), so that a look-up copies nothing.
    accepted: HashMap<Uuid, Vec<(AgencyId, Timestamp)>>,
    /// The last pruning time, so that pruning runs once a minute at most.
    pruned: Option<Timestamp>,
}

impl ReplayIndex {
    /// Takes note of an entry read from the log.
    pub(crate) fn ingest(&mut self, entry: &AuditEntry) {
        if entry.kind == EntryKind::Receipt
            && entry.outcome == AuditOutcome::Accepted
            && let (Some(parcel), Some(sender)) = (entry.parcel, &entry.counterparty)
        {
            self.insert(AcceptedParcel::new(sender.clone(), parcel, entry.at));
        }
    }

    pub(crate) fn insert(&mut self, accepted: AcceptedParcel) {
        let pruned = self.pruned.is_some_and(|p| accepted.at < p);
        if !pruned {
            let senders = self.accepted.entry(accepted.parcel).or_default();
            match senders.iter_mut().find(|(s, _)| *s == accepted.sender) {
                Some((_, at)) => *at = accepted.at,
                None => senders.push((accepted.sender, accepted.at)),
            }
        }
    }

    pub(crate) fn contains(&self, sender: &AgencyId, parcel: &Uuid) -> bool {
        self.accepted
            .get(parcel)
            .is_some_and(|senders| senders.iter().any(|(s, _)| s == sender))
    }

    pub(crate) fn prune(&mut self, before: Timestamp) {
        let due = self.pruned.is_none_or(|p| {
            before.to_offset_date_time() - p.to_offset_date_time() >= time::Duration::MINUTE
        });
        if due {
            self.accepted.retain(|_, senders| {
                senders.retain(|(_, at)| *at >= before);
                !senders.is_empty()
            });
            self.pruned = Some(before);
        }
    }
}

/// The transaction of a store that keeps its index in memory.
pub(crate) struct IndexTransaction<'a> {
    pub(crate) head: Option<&'a ChainHead>,
    pub(crate) index: &'a mut ReplayIndex,
}

impl Transaction for IndexTransaction<'_> {
    fn head(&self) -> Option<&ChainHead> {
        self.head
    }

    fn is_accepted(&mut self, sender: &AgencyId, parcel: &Uuid) -> Result<bool, AuditError> {
        Ok(self.index.contains(sender, parcel))
    }

    fn prune(&mut self, before: Timestamp) -> Result<(), AuditError> {
        self.index.prune(before);
        Ok(())
    }
}

/// Refuses a line that holds a line feed (it would split into two).
pub(crate) fn check_no_line_feed(lines: &[NewLine]) -> Result<(), AuditError> {
    if lines.iter().any(|l| l.bytes.contains(&b'\n')) {
        return Err(AuditError::Store {
            source: io::Error::new(
                io::ErrorKind::InvalidInput,
                "an audit line must not hold a line feed",
            ),
        });
    }
    Ok(())
}

/// Audit lines kept in memory: for tests, benchmarks and short-lived tools.
/// Nothing survives the process, the ids of accepted parcels included.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    lines: Vec<Vec<u8>>,
    head: Option<ChainHead>,
    index: ReplayIndex,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `lines` (without line feeds), for instance read from
    /// another system to verify them. Lines that are not entries are kept
    /// as they are (verification reports them).
    pub fn from_lines(lines: Vec<Vec<u8>>) -> Self {
        let mut store = Self {
            lines,
            ..Self::default()
        };
        for line in &store.lines {
            if let Ok(entry) = AuditEntry::from_line(line) {
                store.index.ingest(&entry);
                store.head = Some(entry.head());
            }
        }
        store
    }

    /// The stored lines.
    pub fn as_lines(&self) -> &[Vec<u8>] {
        &self.lines
    }
}

impl AuditStore for MemoryStore {
    fn transact(&mut self, step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
        let lines = step(&mut IndexTransaction {
            head: self.head.as_ref(),
            index: &mut self.index,
        })?;
        check_no_line_feed(&lines)?;
        for line in lines {
            if let Some(accepted) = line.accepted {
                self.index.insert(accepted);
            }
            self.head = Some(ChainHead {
                seq: line.seq,
                hash: line.hash,
            });
            self.lines.push(line.bytes);
        }
        Ok(self.head.clone())
    }

    fn line(&self, index: u64) -> io::Result<Option<StoredLine>> {
        let line = usize::try_from(index)
            .ok()
            .and_then(|i| self.lines.get(i))
            .map(|l| StoredLine {
                bytes: l.clone(),
                complete: true,
            });
        Ok(line)
    }

    fn lines(&self) -> io::Result<StoredLines<'_>> {
        Ok(Box::new(self.lines.iter().map(|l| {
            Ok(StoredLine {
                bytes: l.clone(),
                complete: true,
            })
        })))
    }
}

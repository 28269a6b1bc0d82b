//! Where audit lines are kept: the [`AuditStore`] trait and an in-memory store.

use std::fmt;
use std::io;

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

/// Storage for audit lines: append one, read them all back in order.
///
/// [`FileStore`](crate::audit::FileStore) keeps JSON Lines on local disk and
/// [`MemoryStore`] keeps them in memory; an agency that keeps its audit
/// trail in its own database implements this trait over a table with one
/// row per line. The [`AuditLog`](crate::audit::AuditLog) serializes calls,
/// so an implementation needs no locking of its own.
pub trait AuditStore: Send + fmt::Debug {
    /// Appends one line (it holds no line feed) and returns only once the
    /// line is durable.
    ///
    /// # Errors
    ///
    /// Any storage failure. After an error the line must either be absent
    /// or be the last, incomplete line of the store.
    fn append(&mut self, line: &[u8]) -> io::Result<()>;

    /// Appends several lines and returns once all are durable. A store that
    /// can make them durable together (one write and one flush: group
    /// commit) should override the default, which appends them one by one.
    ///
    /// # Errors
    ///
    /// Any storage failure. After an error, any prefix of the lines may be
    /// stored (the last one possibly incomplete); the log reads the store
    /// again to find where its chain ends.
    fn append_many(&mut self, lines: &[Vec<u8>]) -> io::Result<()> {
        lines.iter().try_for_each(|l| self.append(l))
    }

    /// Reads every line, oldest first.
    ///
    /// # Errors
    ///
    /// A storage failure, when opening or while iterating.
    fn lines(&self) -> io::Result<StoredLines<'_>>;
}

/// Audit lines kept in memory: for tests, benchmarks and short-lived tools.
/// Nothing survives the process.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    lines: Vec<Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `lines` (without line feeds), for instance read from
    /// another system to verify them.
    pub fn from_lines(lines: Vec<Vec<u8>>) -> Self {
        Self { lines }
    }

    /// The stored lines.
    pub fn as_lines(&self) -> &[Vec<u8>] {
        &self.lines
    }
}

impl AuditStore for MemoryStore {
    fn append(&mut self, line: &[u8]) -> io::Result<()> {
        if line.contains(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an audit line must not hold a line feed",
            ));
        }
        self.lines.push(line.to_vec());
        Ok(())
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

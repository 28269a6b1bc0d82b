//! Verifying a log: every entry in canonical form, its hash right, its
//! sequence number one more than the previous one, its `prev` the previous
//! entry's hash, and optionally the chain holding a known head.

use std::fmt;
use std::io;

use super::entry::{AuditEntry, ChainHead, GENESIS_HASH, LineError};
use super::store::StoredLine;

/// What a verification found in an intact log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The number of intact entries.
    pub entries: u64,
    /// The last intact entry; `None` for an empty log.
    pub head: Option<ChainHead>,
    /// An incomplete last line left by an interrupted append, if any. It was
    /// never acknowledged to the caller that wrote it; everything before it
    /// verified. The writer truncates it when it opens the log again.
    pub torn_tail: Option<TornTail>,
}

/// An incomplete last line: an append interrupted by a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// Its line number, from 1.
    pub line: u64,
    /// How many bytes of it were written.
    pub bytes: u64,
}

/// Why a log does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditVerifyError {
    /// The log could not be read.
    #[error("cannot read the audit log: {source}; check the path and its permissions")]
    Read {
        /// The storage error.
        #[source]
        source: io::Error,
    },
    /// An entry is not what the chain requires: the log was edited, or
    /// entries were removed, reordered or inserted, at or just before it.
    #[error(
        "audit log entry at line {line}{}: {problem}; the {} entries before it are intact, this one and all after it cannot be trusted: compare with a trusted copy of the log and investigate",
        seq.map(|s| format!(" (seq {s})")).unwrap_or_default(),
        line.saturating_sub(1)
    )]
    Broken {
        /// The line number of the first bad entry, from 1.
        line: u64,
        /// Its sequence number, when it could be read.
        seq: Option<u64>,
        /// What is wrong with it.
        problem: Problem,
    },
}

impl AuditVerifyError {
    /// The line number of the first bad entry, when the log is broken.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Broken { line, .. } => Some(*line),
            Self::Read { .. } => None,
        }
    }
}

/// What is wrong with the first bad entry of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The line is not a JSON object (edited, or inserted text).
    NotJson,
    /// The line is JSON but not an audit entry (a member missing, unknown
    /// or of the wrong type).
    NotAnEntry(String),
    /// The entry has a format version this crate does not read.
    UnsupportedVersion(u32),
    /// The line is not in the canonical form the writer produces (members
    /// reordered, white space added, escapes changed).
    NotCanonical,
    /// The stored hash does not match the entry's content: the entry was edited.
    HashMismatch,
    /// The sequence number is not the next one: an entry was removed,
    /// inserted or moved.
    Sequence {
        /// The sequence number the chain requires here.
        expected: u64,
        /// The one the entry holds.
        found: u64,
    },
    /// `prev` is not the hash of the previous entry: the entry does not
    /// belong after the previous one.
    ChainBroken,
    /// A line feed is missing in the middle of the log.
    IncompleteLine,
    /// The log ends before the entry named by the trusted head: entries
    /// were removed from the end.
    MissingHead {
        /// The sequence number of the trusted head.
        seq: u64,
    },
    /// The entry with the trusted head's sequence number has another hash:
    /// the chain was rewritten.
    HeadMismatch,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson => f.write_str("the line is not a JSON object"),
            Self::NotAnEntry(detail) => write!(f, "the line is not an audit entry ({detail})"),
            Self::UnsupportedVersion(v) => write!(
                f,
                "entry format version `{v}` is not supported (expected `{}`)",
                super::entry::ENTRY_FORMAT_VERSION
            ),
            Self::NotCanonical => {
                f.write_str("the line is not in canonical form, so it was rewritten")
            }
            Self::HashMismatch => f.write_str("its hash does not match its content, so it was edited"),
            Self::Sequence { expected, found } => write!(
                f,
                "its sequence number is {found} where {expected} was expected, so an entry was removed, inserted or moved"
            ),
            Self::ChainBroken => f.write_str(
                "its `prev` is not the hash of the entry before it, so an entry was removed, inserted or moved",
            ),
            Self::IncompleteLine => {
                f.write_str("the line is incomplete but is not the last line of the log")
            }
            Self::MissingHead { seq } => write!(
                f,
                "the log ends here but the trusted head is entry {seq}, so entries were removed from the end"
            ),
            Self::HeadMismatch => f.write_str(
                "its hash differs from the trusted head's, so the chain was rewritten",
            ),
        }
    }
}

/// Verifies stored lines, oldest first, and optionally that the chain holds
/// `trusted_head` (an entry whose sequence number and hash were recorded
/// elsewhere earlier).
///
/// # Errors
///
/// [`AuditVerifyError::Broken`] names the first bad entry;
/// [`AuditVerifyError::Read`] when the lines cannot be read.
pub fn verify_lines<I>(
    lines: I,
    trusted_head: Option<&ChainHead>,
) -> Result<VerifyReport, AuditVerifyError>
where
    I: IntoIterator<Item = io::Result<StoredLine>>,
{
    let mut head: Option<ChainHead> = None;
    let mut torn_tail = None;
    let mut line_no: u64 = 0;
    let mut head_line: u64 = 0;
    let mut anchor_seen = false;
    for stored in lines {
        let stored = stored.map_err(|source| AuditVerifyError::Read { source })?;
        line_no = line_no.saturating_add(1);
        if torn_tail.is_some() {
            // A line after an incomplete one: the incomplete one was not last.
            return Err(broken(
                line_no.saturating_sub(1),
                None,
                Problem::IncompleteLine,
            ));
        }
        if !stored.complete {
            torn_tail = Some(TornTail {
                line: line_no,
                bytes: stored.bytes.len() as u64,
            });
            continue;
        }
        let entry = check_entry(&stored.bytes, head.as_ref())
            .map_err(|(seq, problem)| broken(line_no, seq, problem))?;
        if let Some(anchor) = trusted_head
            && entry.seq == anchor.seq
        {
            if entry.hash != anchor.hash {
                return Err(broken(line_no, Some(entry.seq), Problem::HeadMismatch));
            }
            anchor_seen = true;
        }
        head = Some(entry.head());
        head_line = line_no;
    }
    if let Some(anchor) = trusted_head
        && !anchor_seen
    {
        let seq = head.as_ref().map(|h| h.seq);
        return Err(broken(
            head_line.saturating_add(1),
            seq.map(|s| s.saturating_add(1)),
            Problem::MissingHead { seq: anchor.seq },
        ));
    }
    Ok(VerifyReport {
        entries: head.as_ref().map_or(0, |h| h.seq),
        head,
        torn_tail,
    })
}

fn broken(line: u64, seq: Option<u64>, problem: Problem) -> AuditVerifyError {
    AuditVerifyError::Broken { line, seq, problem }
}

/// Checks one line against the head of the chain before it.
pub(crate) fn check_entry(
    bytes: &[u8],
    previous: Option<&ChainHead>,
) -> Result<AuditEntry, (Option<u64>, Problem)> {
    let entry = AuditEntry::from_line(bytes).map_err(|e| match e {
        LineError::NotJson => (None, Problem::NotJson),
        LineError::NotAnEntry(detail) => (None, Problem::NotAnEntry(detail)),
    })?;
    let seq = Some(entry.seq);
    if entry.v != super::entry::ENTRY_FORMAT_VERSION {
        return Err((seq, Problem::UnsupportedVersion(entry.v)));
    }
    let computed = entry
        .computed_hash()
        .map_err(|e| (seq, Problem::NotAnEntry(e.to_string())))?;
    if computed != entry.hash {
        return Err((seq, Problem::HashMismatch));
    }
    let canonical = entry
        .to_line()
        .map_err(|e| (seq, Problem::NotAnEntry(e.to_string())))?;
    if canonical != bytes {
        return Err((seq, Problem::NotCanonical));
    }
    let (expected_seq, expected_prev) = match previous {
        Some(h) => (h.seq.saturating_add(1), h.hash.as_str()),
        None => (1, GENESIS_HASH),
    };
    if entry.seq != expected_seq {
        return Err((
            seq,
            Problem::Sequence {
                expected: expected_seq,
                found: entry.seq,
            },
        ));
    }
    if entry.prev != expected_prev {
        return Err((seq, Problem::ChainBroken));
    }
    Ok(entry)
}

//! A JSON Lines log opened only to read it: the store behind
//! [`AuditLog::open_read_only`](super::AuditLog::open_read_only), for
//! checkpoints and proofs that must not change the log they describe.

use std::io;
use std::path::PathBuf;

use super::AuditError;
use super::entry::ChainHead;
use super::file::read_lines;
use super::store::{AuditStore, Step, StoredLines};

/// The log file at `path`, read under a shared lock, never written.
#[derive(Debug)]
pub(super) struct ReadOnlyFile {
    pub(super) path: PathBuf,
}

impl AuditStore for ReadOnlyFile {
    fn transact(&mut self, _step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
        Err(AuditError::Store {
            source: io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "`{}` was opened only to read it; open it with `AuditLog::open` to append",
                    self.path.display()
                ),
            ),
        })
    }

    fn lines(&self) -> io::Result<StoredLines<'_>> {
        read_lines(&self.path)
    }
}

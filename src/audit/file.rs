//! The default store: JSON Lines in a local file, shared by any number of
//! writers, each append made durable.
//!
//! Every append takes an exclusive lock on the file (`flock`), so writers
//! in several processes take turns; under the lock the writer first reads
//! and verifies whatever other writers appended since its last turn (so it
//! chains to the true last entry and knows every accepted parcel id), then
//! writes its lines and their line feeds with one `write` to the file
//! opened in append mode, then `fsync`s (`File::sync_data`), then unlocks.
//! An append returns only after all of that, so an acknowledged entry
//! survives a crash or a power cut. Readers take a shared lock, so they
//! never see a writer's line half written.
//!
//! A crash during an append can leave an incomplete line, a torn tail, at
//! the end of the file. The next writer to take the lock never deletes it:
//! it copies the tail into the [quarantine file](super::quarantine) and
//! makes that durable, cuts the log back to its last complete line, and
//! appends a chained `recovery` entry recording the tail's offset, length
//! and digest. A crash between those steps is finished by the next writer:
//! a quarantine record with no `recovery` entry gets its entry.
//! If an append fails while the writer runs (a full disk), the writer cuts
//! the file back to its last complete line; if even that fails it refuses
//! further appends until the file is opened again.
//!
//! The accepted parcels (sender and id) are read from the log's own receipt
//! entries: the entry that accepts a parcel is the record that it was
//! accepted, written in the same `write` and `fsync`.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::AuditError;
use super::entry::{AuditEntry, AuditEvent, AuditOutcome, ChainHead, EntryKind, GENESIS_HASH};
use super::quarantine;
use super::store::{
    AuditStore, IndexTransaction, NewLine, ReplayIndex, Step, StoredLine, StoredLines,
    check_no_line_feed,
};
use super::verify::{AuditVerifyError, check_entry};

/// Audit lines in a local file, one JSON object per line.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    quarantine: PathBuf,
    file: File,
    /// The length of the file up to its last verified line.
    offset: u64,
    /// The number of verified lines.
    lines: u64,
    head: Option<ChainHead>,
    index: ReplayIndex,
    /// The `(offset, sha256)` of every recovery entry in the log.
    recoveries: HashSet<(u64, String)>,
    /// The quarantine file's length when last reconciled with the log.
    quarantine_len: u64,
    /// Set when a failed append could not be rolled back.
    broken: bool,
    recovered: u64,
    /// Write lines in pieces of this many bytes (0: one write).
    piece: usize,
}

impl FileStore {
    /// Opens the log at `path`, creating it (and nothing else: the folder
    /// must exist) when it does not exist; verifies it, and recovers a
    /// torn tail left by a crash (see the module documentation).
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the file cannot be created, read, locked
    /// or written, or when `path` is not a regular file (`/dev/null`, a
    /// folder, a FIFO: none could keep the log);
    /// [`AuditError::Damaged`] when its content does not verify.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        let path = path.as_ref().to_path_buf();
        let store_error = |source| AuditError::Store { source };
        let not_a_file = |path: &Path| AuditError::Store {
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "`{}` is not a regular file; give the path of a JSON Lines file (or of one to create)",
                    path.display()
                ),
            ),
        };
        // Checked before opening too, so that a FIFO does not block the open.
        let existed = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => true,
            Ok(_) => return Err(not_a_file(&path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(store_error(e)),
        };
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(store_error)?;
        if !file.metadata().map_err(store_error)?.is_file() {
            return Err(not_a_file(&path));
        }
        if !existed {
            file.sync_all().map_err(store_error)?;
            crate::files::sync_folder_of(&path).map_err(store_error)?;
        }
        let mut store = Self {
            quarantine: quarantine::path_for(&path),
            path,
            file,
            offset: 0,
            lines: 0,
            head: None,
            index: ReplayIndex::default(),
            recoveries: HashSet::new(),
            quarantine_len: 0,
            broken: false,
            recovered: 0,
            piece: 0,
        };
        store.locked(|s| s.catch_up())?;
        Ok(store)
    }

    /// How many bytes of torn tails this store moved to the quarantine file.
    pub fn recovered_bytes(&self) -> u64 {
        self.recovered
    }

    /// Writes each group of lines in pieces of `bytes` bytes, one `write`
    /// each, instead of one `write`: what a slow or network disk may do.
    /// For crash tests, which need kills to land inside a write.
    #[doc(hidden)]
    #[must_use]
    pub fn write_in_pieces(mut self, bytes: usize) -> Self {
        self.piece = bytes;
        self
    }

    /// The last verified entry (the store verifies everything it reads).
    pub(crate) fn head(&self) -> Option<&ChainHead> {
        self.head.as_ref()
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The quarantine file's path: `PATH.quarantine`.
    pub fn quarantine_path(&self) -> &Path {
        &self.quarantine
    }

    /// Runs `f` holding the exclusive lock on the file.
    fn locked<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, AuditError>,
    ) -> Result<T, AuditError> {
        self.file
            .lock()
            .map_err(|source| AuditError::Store { source })?;
        let result = f(self);
        let unlocked = self.file.unlock();
        let value = result?;
        unlocked.map_err(|source| AuditError::Store { source })?;
        Ok(value)
    }

    /// Reads and verifies what other writers appended, recovers a torn
    /// tail, and gives every quarantine record its recovery entry. Runs
    /// under the lock.
    fn catch_up(&mut self) -> Result<(), AuditError> {
        let store_error = |source| AuditError::Store { source };
        let len = self.file.metadata().map_err(store_error)?.len();
        if len < self.offset {
            return Err(store_error(io::Error::other(format!(
                "the audit log `{}` is shorter than when it was last read, so entries were removed; keep it for investigation",
                self.path.display()
            ))));
        }
        let mut torn = None;
        if len > self.offset {
            let handle = self.file.try_clone().map_err(store_error)?;
            let mut reader = BufReader::with_capacity(1 << 16, handle);
            reader
                .seek(SeekFrom::Start(self.offset))
                .map_err(store_error)?;
            let mut bytes = Vec::new();
            loop {
                bytes.clear();
                let n = reader.read_until(b'\n', &mut bytes).map_err(store_error)?;
                if n == 0 {
                    break;
                }
                if bytes.last() != Some(&b'\n') {
                    torn = Some(std::mem::take(&mut bytes));
                    break;
                }
                bytes.pop();
                let line = self.lines.saturating_add(1);
                let entry = check_entry(&bytes, self.head.as_ref()).map_err(|(seq, problem)| {
                    AuditError::Damaged {
                        source: AuditVerifyError::Broken { line, seq, problem },
                    }
                })?;
                self.ingest(&entry);
                self.lines = line;
                self.offset = self.offset.saturating_add(n as u64);
            }
        }
        if let Some(tail) = torn {
            let record = quarantine::describe(self.offset, &tail);
            let known = quarantine::read(&self.quarantine)
                .map_err(store_error)?
                .iter()
                .any(|(r, _)| *r == record);
            if !known {
                quarantine::append(&self.quarantine, &record, &tail).map_err(store_error)?;
            }
            self.file
                .set_len(self.offset)
                .and_then(|()| self.file.sync_all())
                .map_err(store_error)?;
            self.recovered = self.recovered.saturating_add(record.bytes);
        }
        self.reconcile()
    }

    /// Appends a recovery entry for every quarantine record without one.
    fn reconcile(&mut self) -> Result<(), AuditError> {
        let store_error = |source| AuditError::Store { source };
        // Not followed: whatever is at the name is checked, not what it
        // points to.
        let len = match std::fs::symlink_metadata(&self.quarantine) {
            Ok(m) if m.file_type().is_file() && m.len() > 0 => m.len(),
            // Something that is not a regular file, or an empty file that no
            // quarantine append made: read it, which refuses what is not
            // this log's quarantine file (a link, a pipe, mode, owner).
            Ok(_) => {
                quarantine::read(&self.quarantine).map_err(store_error)?;
                0
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(store_error(e)),
        };
        if len == self.quarantine_len {
            return Ok(());
        }
        let mut lines = Vec::new();
        let (mut seq, mut prev) = match &self.head {
            Some(h) => (h.seq, h.hash.clone()),
            None => (0, GENESIS_HASH.to_owned()),
        };
        for (record, bytes) in quarantine::read(&self.quarantine).map_err(store_error)? {
            // Fail safe: a quarantined receipt that accepted a parcel
            // (written whole, its line feed missing) still counts as
            // accepted, so the parcel cannot come in a second time.
            if let Ok(entry) = AuditEntry::from_line(&bytes) {
                self.index.ingest(&entry);
            }
            if self
                .recoveries
                .contains(&(record.offset, record.sha256.clone()))
            {
                continue;
            }
            // A record without its entry was written by a recovery that
            // stopped before the entry: the log was (or was about to be) cut
            // back to where that tail started, so the tail starts at the
            // log's end now, and a tail is never empty. Anything else was
            // not written by a recovery of this log.
            if record.offset != self.offset || record.bytes == 0 {
                return Err(store_error(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the quarantine file `{}` holds a record of {} bytes at offset {} that no recovery of this log (now {} bytes long) can have written; keep both files for investigation",
                        self.quarantine.display(),
                        record.bytes,
                        record.offset,
                        self.offset
                    ),
                )));
            }
            let mut event = AuditEvent::new(
                EntryKind::Recovery,
                AuditOutcome::Quarantined,
                liaison_record::Timestamp::now(),
            );
            event.reasons.push("torn-tail".to_owned());
            event.recovered = Some(record);
            seq = seq.checked_add(1).ok_or(AuditError::Full)?;
            let (entry, bytes) = AuditEntry::chain_line(event, seq, prev)
                .map_err(|source| AuditError::Encode { source })?;
            prev = entry.hash.clone();
            lines.push(NewLine {
                seq,
                hash: entry.hash,
                prev: entry.prev,
                bytes,
                accepted: None,
            });
        }
        if !lines.is_empty() {
            self.write_lines(&lines)?;
        }
        self.quarantine_len = len;
        Ok(())
    }

    fn ingest(&mut self, entry: &AuditEntry) {
        self.index.ingest(entry);
        if let Some(r) = &entry.recovered {
            self.recoveries.insert((r.offset, r.sha256.clone()));
        }
        self.head = Some(entry.head());
    }

    /// Writes `lines` with one write and one fsync, or cuts the file back.
    fn write_lines(&mut self, lines: &[NewLine]) -> Result<(), AuditError> {
        if self.broken {
            return Err(AuditError::Store {
                source: io::Error::other(format!(
                    "an earlier failed append to `{}` could not be rolled back; open the log again",
                    self.path.display()
                )),
            });
        }
        check_no_line_feed(lines)?;
        let total: usize = lines.iter().map(|l| l.bytes.len() + 1).sum();
        let mut buf = Vec::with_capacity(total);
        for line in lines {
            buf.extend_from_slice(&line.bytes);
            buf.push(b'\n');
        }
        let written = if self.piece == 0 {
            self.file.write_all(&buf)
        } else {
            buf.chunks(self.piece)
                .try_for_each(|piece| self.file.write_all(piece))
        }
        .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            // Cut back to the last complete line: the failed lines were
            // never acknowledged, and a torn tail would stop the next append.
            if self
                .file
                .set_len(self.offset)
                .and_then(|()| self.file.sync_data())
                .is_err()
            {
                self.broken = true;
            }
            return Err(AuditError::Store { source });
        }
        self.offset = self.offset.saturating_add(buf.len() as u64);
        self.lines = self.lines.saturating_add(lines.len() as u64);
        for line in lines {
            if let Some(accepted) = &line.accepted {
                self.index.insert(accepted.clone());
            }
            self.head = Some(ChainHead {
                seq: line.seq,
                hash: line.hash.clone(),
            });
        }
        Ok(())
    }
}

impl AuditStore for FileStore {
    fn transact(&mut self, step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
        self.locked(|s| {
            s.catch_up()?;
            let lines = step(&mut IndexTransaction {
                head: s.head.as_ref(),
                index: &mut s.index,
            })?;
            if !lines.is_empty() {
                s.write_lines(&lines)?;
            }
            Ok(s.head.clone())
        })
    }

    fn lines(&self) -> io::Result<StoredLines<'_>> {
        read_lines(&self.path)
    }
}

/// Reads the lines of the log file at `path` holding a shared lock on it
/// (so never a line half written by a writer), without writing to it.
///
/// # Errors
///
/// The file cannot be opened; reading errors come through the iterator.
pub(crate) fn read_lines(path: &Path) -> io::Result<StoredLines<'static>> {
    let file = File::open(path)?;
    match file.lock_shared() {
        Ok(()) => {}
        // A copy on a file system without locks is still read.
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
        Err(e) => return Err(e),
    }
    let reader = BufReader::with_capacity(1 << 16, file);
    Ok(Box::new(LineReader {
        reader,
        done: false,
    }))
}

struct LineReader {
    reader: BufReader<File>,
    done: bool,
}

impl Iterator for LineReader {
    type Item = io::Result<StoredLine>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut bytes = Vec::new();
        match self.reader.read_until(b'\n', &mut bytes) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(_) => {
                let complete = bytes.last() == Some(&b'\n');
                if complete {
                    bytes.pop();
                } else {
                    self.done = true;
                }
                Some(Ok(StoredLine { bytes, complete }))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditLog;
    use std::fs;

    fn event(i: i64) -> AuditEvent {
        let at = liaison_record::Timestamp::from_offset_date_time(
            time::macros::datetime!(2026-11-26 08:00 UTC) + time::Duration::seconds(i),
        );
        AuditEvent::new(EntryKind::Decision, AuditOutcome::Denied, at)
    }

    #[test]
    fn appends_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        {
            let log = AuditLog::open(&path).unwrap();
            log.append(event(1)).unwrap();
            log.append(event(2)).unwrap();
        }
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.recovered_bytes(), 0);
        let lines: Vec<_> = store.lines().unwrap().map(|l| l.unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.complete));
        assert_eq!(store.head.as_ref().map(|h| h.seq), Some(2));
    }

    #[test]
    fn a_file_with_no_complete_line_is_quarantined_not_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        fs::write(&path, vec![b'x'; 200_000]).unwrap();
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.recovered_bytes(), 200_000);
        let quarantined = quarantine::read(store.quarantine_path()).unwrap();
        assert_eq!(quarantined.len(), 1);
        assert_eq!(quarantined[0].1, vec![b'x'; 200_000]);
        // The log now holds the recovery entry, and nothing else.
        assert_eq!(store.lines, 1);
    }

    #[test]
    fn a_junk_line_is_an_error_not_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        fs::write(&path, b"junk\n").unwrap();
        let err = FileStore::open(&path).unwrap_err();
        assert!(matches!(err, AuditError::Damaged { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"junk\n");
    }

    #[test]
    fn a_line_feed_in_a_line_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::open(dir.path().join("a.jsonl")).unwrap();
        let result = store.transact(&mut |_: &mut dyn crate::audit::Transaction| {
            Ok(vec![NewLine {
                seq: 1,
                hash: String::new(),
                prev: String::new(),
                bytes: b"a\nb".to_vec(),
                accepted: None,
            }])
        });
        assert!(result.is_err());
        assert_eq!(store.lines().unwrap().count(), 0);
    }

    #[test]
    fn a_log_cut_under_an_open_writer_is_refused_not_continued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        log.append(event(1)).unwrap();
        log.append(event(2)).unwrap();
        // Another process removes the last entry behind the writer's back.
        let bytes = fs::read(&path).unwrap();
        let first_line = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
        fs::write(&path, &bytes[..first_line]).unwrap();
        let err = log.append(event(3)).unwrap_err();
        assert!(err.to_string().contains("entries were removed"), "{err}");
        // Nothing was appended after the cut.
        assert_eq!(fs::read(&path).unwrap(), &bytes[..first_line]);
    }

    #[cfg(unix)]
    #[test]
    fn a_quarantine_name_holding_something_else_is_refused_even_without_a_torn_tail() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        AuditLog::open(&path).unwrap().append(event(1)).unwrap();
        let quarantine = quarantine::path_for(&path);
        let pipe = |q: &Path| {
            let made = std::process::Command::new("mkfifo")
                .arg(q)
                .status()
                .unwrap();
            assert!(made.success());
        };
        let dangling = |q: &Path| std::os::unix::fs::symlink(q.with_extension("gone"), q).unwrap();
        let open_to_all = |q: &Path| {
            fs::write(q, b"").unwrap();
            fs::set_permissions(q, fs::Permissions::from_mode(0o644)).unwrap();
        };
        let makers: [&dyn Fn(&Path); 3] = [&pipe, &dangling, &open_to_all];
        for make in makers {
            make(&quarantine);
            let err = AuditLog::open(&path).unwrap_err();
            assert!(err.to_string().contains("is not used"), "{err}");
            fs::remove_file(&quarantine).unwrap();
        }
        // An empty quarantine file of this user, mode 0600, is harmless.
        fs::write(&quarantine, b"").unwrap();
        fs::set_permissions(&quarantine, fs::Permissions::from_mode(0o600)).unwrap();
        AuditLog::open(&path).unwrap().append(event(2)).unwrap();
    }

    #[test]
    fn a_writer_waits_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        let holder = File::open(&path).unwrap();
        holder.lock().unwrap();
        let appended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&appended);
        let writer = std::thread::spawn(move || {
            log.append(event(1)).unwrap();
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!appended.load(std::sync::atomic::Ordering::SeqCst));
        holder.unlock().unwrap();
        writer.join().unwrap();
        assert!(appended.load(std::sync::atomic::Ordering::SeqCst));
    }
}

//! The default store: JSON Lines in a local file, each append made durable.
//!
//! Every append is one `write` of the whole line and its line feed to a
//! file opened in append mode, followed by `fsync` (`File::sync_data`). An
//! append returns only after both, so an acknowledged entry survives a
//! crash or a power cut. A crash during an append can leave at most one
//! incomplete line, at the end of the file. Readers report it apart from
//! tampering ([`VerifyReport::torn_tail`](crate::audit::VerifyReport)) and
//! verify everything before it. The writer, when it opens the file again,
//! **truncates** that incomplete line: it is an append that was never
//! acknowledged, so no caller was told it had been recorded; its length is
//! kept in [`FileStore::recovered_bytes`]. If an append fails while the
//! writer runs (a full disk), the writer cuts the file back to its last
//! complete line; if even that fails it refuses further appends until the
//! file is opened again.
//!
//! The file is locked for writing (an advisory lock), so a second writer in
//! another process is refused rather than allowed to interleave lines.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::store::{AuditStore, StoredLine, StoredLines};

/// Audit lines in a local file, one JSON object per line.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    file: File,
    /// The length of the file up to its last complete line.
    len: u64,
    /// Set when a failed append could not be rolled back.
    broken: bool,
    recovered: u64,
}

impl FileStore {
    /// Opens the log at `path` for appending, creating it (and nothing
    /// else: the folder must exist) when it does not exist, and truncating
    /// an incomplete last line left by a crash.
    ///
    /// # Errors
    ///
    /// The file cannot be created, read or locked, or another process
    /// holds it open for writing.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "the audit log `{}` is open for writing in another process; use one writer per log",
                        path.display()
                    ),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        if !existed {
            file.sync_all()?;
            sync_folder(&path)?;
        }
        let total = file.metadata()?.len();
        let len = end_of_last_complete_line(&mut file, total)?;
        let recovered = total.saturating_sub(len);
        if recovered > 0 {
            file.set_len(len)?;
            file.sync_all()?;
        }
        Ok(Self {
            path,
            file,
            len,
            broken: false,
            recovered,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many bytes of an incomplete last line were truncated on open
    /// (0 when the file ended cleanly).
    pub fn recovered_bytes(&self) -> u64 {
        self.recovered
    }
}

impl AuditStore for FileStore {
    fn append(&mut self, line: &[u8]) -> io::Result<()> {
        self.append_many(std::slice::from_ref(&line.to_vec()))
    }

    fn append_many(&mut self, lines: &[Vec<u8>]) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other(format!(
                "an earlier write to the audit log `{}` failed and could not be undone; open the log again to recover",
                self.path.display()
            )));
        }
        if lines.iter().any(|l| l.contains(&b'\n')) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an audit line must not hold a line feed",
            ));
        }
        let total: usize = lines.iter().map(|l| l.len().saturating_add(1)).sum();
        let mut buf = Vec::with_capacity(total);
        for line in lines {
            buf.extend_from_slice(line);
            buf.push(b'\n');
        }
        let written = self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len = self.len.saturating_add(buf.len() as u64);
                Ok(())
            }
            Err(e) => {
                // Cut the file back to its last acknowledged line.
                let undone = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| self.file.sync_data());
                if undone.is_err() {
                    self.broken = true;
                }
                Err(e)
            }
        }
    }

    fn lines(&self) -> io::Result<StoredLines<'_>> {
        read_lines(&self.path)
    }
}

/// Reads the lines of the log file at `path`, without opening it for
/// writing (so without recovering an incomplete last line).
///
/// # Errors
///
/// The file cannot be opened; reading errors come through the iterator.
pub(crate) fn read_lines(path: &Path) -> io::Result<StoredLines<'static>> {
    let reader = BufReader::with_capacity(1 << 16, File::open(path)?);
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

/// The offset just after the last line feed of the file (0 when there is none).
fn end_of_last_complete_line(file: &mut File, total: u64) -> io::Result<u64> {
    const CHUNK: u64 = 1 << 16;
    let mut end = total;
    let mut buf = vec![0u8; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let n = usize::try_from(end - start).map_err(io::Error::other)?;
        let chunk = buf.get_mut(..n).ok_or_else(|| io::Error::other("chunk"))?;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Makes a new file's directory entry durable.
fn sync_folder(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs::File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(store: &FileStore) -> Vec<StoredLine> {
        store.lines().unwrap().map(|l| l.unwrap()).collect()
    }

    #[test]
    fn appends_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        {
            let mut store = FileStore::open(&path).unwrap();
            store.append(b"{\"a\":1}").unwrap();
            store.append(b"{\"a\":2}").unwrap();
        }
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.recovered_bytes(), 0);
        let lines = collect(&store);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].bytes, b"{\"a\":2}");
        assert!(lines.iter().all(|l| l.complete));
        assert_eq!(fs::read(&path).unwrap(), b"{\"a\":1}\n{\"a\":2}\n");
    }

    #[test]
    fn torn_last_line_is_read_as_incomplete_and_truncated_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        fs::write(&path, b"{\"a\":1}\n{\"a\":2}\n{\"a\":").unwrap();
        let lines: Vec<_> = read_lines(&path).unwrap().map(|l| l.unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert!(!lines[2].complete);
        assert_eq!(lines[2].bytes, b"{\"a\":");
        let mut store = FileStore::open(&path).unwrap();
        assert_eq!(store.recovered_bytes(), 5);
        store.append(b"{\"a\":3}").unwrap();
        assert_eq!(
            fs::read(&path).unwrap(),
            b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"
        );
    }

    #[test]
    fn a_file_with_no_complete_line_is_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        fs::write(&path, vec![b'x'; 200_000]).unwrap();
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.recovered_bytes(), 200_000);
        assert_eq!(fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn a_long_last_line_is_found_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut content = b"first\n".to_vec();
        content.extend(std::iter::repeat_n(b'y', 150_000));
        fs::write(&path, &content).unwrap();
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.recovered_bytes(), 150_000);
        assert_eq!(fs::read(&path).unwrap(), b"first\n");
    }

    #[test]
    fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let _first = FileStore::open(&path).unwrap();
        let second = FileStore::open(&path).unwrap_err();
        assert_eq!(second.kind(), io::ErrorKind::WouldBlock);
        assert!(second.to_string().contains("another process"));
    }

    #[test]
    fn a_line_feed_in_a_line_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::open(dir.path().join("a.jsonl")).unwrap();
        assert!(store.append(b"a\nb").is_err());
        assert!(collect(&store).is_empty());
    }
}

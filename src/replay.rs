//! The replay store: the ids of the parcels already accepted.
//!
//! Every parcel carries a fresh id in its signed label. A parcel whose id was
//! accepted before is refused, so a copy captured on the way and sent again
//! is not taken for a new release. The ids are kept in memory and, when the
//! store is opened on a file, appended to it one per line (each made durable
//! before the parcel is accepted), so a restart does not forget them.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use uuid::Uuid;

use crate::error::SetupError;

/// The ids of the parcels already accepted.
#[derive(Debug)]
pub struct ReplayStore {
    inner: Mutex<Seen>,
}

#[derive(Debug)]
struct Seen {
    ids: HashSet<Uuid>,
    file: Option<(PathBuf, File)>,
}

impl Default for ReplayStore {
    fn default() -> Self {
        Self::in_memory()
    }
}

impl ReplayStore {
    /// A store in memory: it forgets everything when the process ends.
    pub fn in_memory() -> Self {
        Self {
            inner: Mutex::new(Seen {
                ids: HashSet::new(),
                file: None,
            }),
        }
    }

    /// A store kept in the file at `path` (created when missing), one
    /// parcel id per line. An incomplete last line, left by a crash before
    /// the parcel was accepted, is ignored and overwritten.
    ///
    /// # Errors
    ///
    /// [`SetupError::Replay`] when the file cannot be read or written, or a
    /// line is not a parcel id.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SetupError> {
        let path = path.as_ref().to_path_buf();
        let problem = |problem: String| SetupError::Replay {
            path: path.clone(),
            problem,
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(problem(format!("cannot read the file ({e})"))),
        };
        // Only the part up to the last line feed was completely written.
        let complete = bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i.saturating_add(1));
        let mut ids = HashSet::new();
        let body = bytes
            .get(..complete)
            .and_then(|b| b.strip_suffix(b"\n"))
            .unwrap_or_default();
        if !body.is_empty() {
            for (i, line) in body.split(|&b| b == b'\n').enumerate() {
                let id = std::str::from_utf8(line)
                    .ok()
                    .and_then(|t| Uuid::parse_str(t).ok())
                    .ok_or_else(|| {
                        problem(format!(
                            "line {} is not a parcel id; the file must hold one UUID per line",
                            i + 1
                        ))
                    })?;
                ids.insert(id);
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| problem(format!("cannot open the file for writing ({e})")))?;
        if complete < bytes.len() {
            file.set_len(complete as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| problem(format!("cannot repair the file ({e})")))?;
        }
        Ok(Self {
            inner: Mutex::new(Seen {
                ids,
                file: Some((path, file)),
            }),
        })
    }

    /// Whether the parcel id was accepted before.
    pub fn contains(&self, parcel: &Uuid) -> bool {
        self.lock().ids.contains(parcel)
    }

    /// The number of ids kept.
    pub fn len(&self) -> usize {
        self.lock().ids.len()
    }

    /// Whether no id is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records `parcel` as accepted. Returns `Ok(false)` when it was
    /// already there (a replay), without changing anything.
    pub(crate) fn insert(&self, parcel: Uuid) -> io::Result<bool> {
        let mut seen = self.lock();
        if seen.ids.contains(&parcel) {
            return Ok(false);
        }
        if let Some((_, file)) = seen.file.as_mut() {
            let mut line = parcel.hyphenated().to_string().into_bytes();
            line.push(b'\n');
            file.write_all(&line)?;
            file.sync_data()?;
        }
        seen.ids.insert(parcel);
        Ok(true)
    }

    /// Forgets `parcel` (when its acceptance could not be completed).
    pub(crate) fn forget(&self, parcel: &Uuid) {
        // A persisted id stays in the file: the parcel is then refused as a
        // replay after a restart, which fails safe.
        self.lock().ids.remove(parcel);
    }

    fn lock(&self) -> MutexGuard<'_, Seen> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_across_reopening_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.txt");
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        {
            let store = ReplayStore::open(&path).unwrap();
            assert!(store.insert(a).unwrap());
            assert!(!store.insert(a).unwrap());
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"00000000-0000");
        std::fs::write(&path, &bytes).unwrap();
        let store = ReplayStore::open(&path).unwrap();
        assert!(store.contains(&a));
        assert_eq!(store.len(), 1);
        assert!(store.insert(b).unwrap());
        drop(store);
        let store = ReplayStore::open(&path).unwrap();
        assert!(store.contains(&a) && store.contains(&b));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn a_foreign_line_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.txt");
        std::fs::write(&path, "nonsense\n00000000-0000-0000-0000-000000000001\n").unwrap();
        let err = ReplayStore::open(&path).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}

//! The quarantine file: where a file log's torn tails go instead of being
//! deleted.
//!
//! Beside the log `audit.jsonl` lies `audit.jsonl.quarantine`, append-only.
//! Each record is a header line, the RFC 8785 JSON object
//! `{"bytes":N,"offset":O,"sha256":"..."}` and a line feed, then the N bytes
//! of the torn tail exactly as they were, then one line feed. `offset` is
//! where the tail started in the log, `sha256` the lowercase hex SHA-256 of
//! its bytes. The chained `recovery` entry of the log repeats the header's
//! three members, so the quarantined bytes can be matched to the entry that
//! accounts for them.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::entry::Recovered;

/// The quarantine file of the log at `log`.
pub(crate) fn path_for(log: &Path) -> PathBuf {
    let mut name = log
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".quarantine");
    log.with_file_name(name)
}

/// What a torn tail of `bytes` at `offset` is recorded as.
pub(crate) fn describe(offset: u64, bytes: &[u8]) -> Recovered {
    Recovered {
        bytes: bytes.len() as u64,
        offset,
        sha256: hex::encode(Sha256::digest(bytes)),
    }
}

/// Reads every record of the quarantine file at `path` (none when it does
/// not exist), with the bytes of each.
///
/// # Errors
///
/// The file cannot be read, or is not a sequence of records (it is then
/// damaged: it is never taken for empty).
pub(crate) fn read(path: &Path) -> io::Result<Vec<(Recovered, Vec<u8>)>> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    }
    let damaged = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the quarantine file `{}` is damaged ({what}); keep it for investigation and restore it from a backup",
                path.display()
            ),
        )
    };
    let mut records = Vec::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| damaged("a header without a line feed"))?;
        let (header, tail) = rest.split_at(end);
        let record: Recovered =
            serde_json::from_slice(header).map_err(|_| damaged("a header that is not one"))?;
        let len = usize::try_from(record.bytes).map_err(|_| damaged("a length out of range"))?;
        let body = tail
            .get(1..)
            .and_then(|t| t.get(..len))
            .ok_or_else(|| damaged("a record shorter than its header says"))?;
        if describe(record.offset, body).sha256 != record.sha256 {
            return Err(damaged("a record whose bytes do not match its digest"));
        }
        let after = tail
            .get(len.saturating_add(1)..)
            .ok_or_else(|| damaged("a record shorter than its header says"))?;
        rest = after
            .strip_prefix(b"\n")
            .ok_or_else(|| damaged("a record not closed by a line feed"))?;
        records.push((record, body.to_vec()));
    }
    Ok(records)
}

/// Appends a record for `bytes` and makes it durable before returning.
///
/// # Errors
///
/// The file cannot be created or written.
pub(crate) fn append(path: &Path, record: &Recovered, bytes: &[u8]) -> io::Result<()> {
    let existed = path.exists();
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // A torn tail may hold anything a log line holds.
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut out = serde_json::to_vec(record).map_err(io::Error::other)?;
    out.push(b'\n');
    out.extend_from_slice(bytes);
    out.push(b'\n');
    file.write_all(&out)?;
    file.sync_data()?;
    if !existed {
        crate::files::sync_folder_of(path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl.quarantine");
        assert!(read(&path).unwrap().is_empty());
        let first = describe(10, b"{\"torn\n");
        append(&path, &first, b"{\"torn\n").unwrap();
        let second = describe(30, b"");
        append(&path, &second, b"").unwrap();
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], (first, b"{\"torn\n".to_vec()));
        assert_eq!(records[1].0, second);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        std::fs::write(&path, &bytes).unwrap();
        assert!(read(&path).is_err());
        std::fs::write(&path, b"junk\n").unwrap();
        assert!(read(&path).is_err());
    }
}

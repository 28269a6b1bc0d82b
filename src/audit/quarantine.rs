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
    match open_checked(path, OpenOptions::new().read(true))? {
        Some(mut f) => {
            f.read_to_end(&mut bytes)?;
        }
        None => return Ok(Vec::new()),
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
    // Created with exclusive create (a link planted at the name makes it
    // fail), mode 0600: a torn tail may hold anything a log line holds.
    let mut options = OpenOptions::new();
    options.append(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let (mut file, existed) = match options.open(path) {
        Ok(file) => (file, false),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let file = open_checked(path, OpenOptions::new().append(true))?
                .ok_or_else(|| refused(path, "it disappeared while being opened"))?;
            (file, true)
        }
        Err(e) => return Err(e),
    };
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

/// Opens the existing quarantine file at `path` with `options` (`None`
/// when there is none), refusing one that is a symbolic link, not a regular
/// file, not mode 0600 or not owned by this process's user: such a file
/// was not made by [`append`], and writing through it could put torn log
/// lines anywhere.
fn open_checked(path: &Path, options: &OpenOptions) -> io::Result<Option<File>> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !link.file_type().is_file() {
        return Err(refused(path, "it is a symbolic link or not a regular file"));
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    check_opened(path, &file, &link)?;
    Ok(Some(file))
}

/// That `file`, opened at `path`, is what `link` (the name's own metadata)
/// describes, mode 0600 and owned by this process's user.
#[cfg(unix)]
fn check_opened(path: &Path, file: &File, link: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;

    let meta = file.metadata()?;
    // The name may have been swapped for a link between the two looks.
    if (meta.dev(), meta.ino()) != (link.dev(), link.ino()) {
        return Err(refused(path, "it was replaced while being opened"));
    }
    if meta.mode() & 0o7777 != 0o600 {
        return Err(refused(
            path,
            &format!("its mode is {:o}, not 600", meta.mode() & 0o7777),
        ));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(refused(
            path,
            &format!("it is owned by user {}, not by this user", meta.uid()),
        ));
    }
    Ok(())
}

/// The error for a quarantine file that is not used, and why.
fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the quarantine file `{}` is not used: {why}; keep it for investigation, and give the log a quarantine file of its own (mode 0600)",
            path.display()
        ),
    )
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

    #[cfg(unix)]
    #[test]
    fn a_linked_or_open_quarantine_file_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().unwrap();
        let record = describe(0, b"torn");
        // A symbolic link at the name, to a file elsewhere: neither read
        // nor appended through, the target untouched.
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let linked = dir.path().join("a.jsonl.quarantine");
        std::os::unix::fs::symlink(&target, &linked).unwrap();
        assert!(append(&linked, &record, b"torn").is_err());
        assert!(read(&linked).is_err());
        assert!(std::fs::read(&target).unwrap().is_empty());
        // A regular file readable by others.
        let open = dir.path().join("b.jsonl.quarantine");
        std::fs::write(&open, b"").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = append(&open, &record, b"torn").unwrap_err();
        assert!(err.to_string().contains("not 600"), "{err}");
        assert!(std::fs::read(&open).unwrap().is_empty());
        // A fresh one is created mode 0600.
        let fresh = dir.path().join("c.jsonl.quarantine");
        append(&fresh, &record, b"torn").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read(&fresh).unwrap().len(), 1);
    }
}

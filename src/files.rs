//! Writing files all or nothing: the one way every file of the exchange is
//! written (received records, parcels, cards, labels).
//!
//! A [`StagedFile`] is created beside its destination with exclusive create
//! (`O_EXCL`: a planted file or symbolic link at that name makes it fail
//! rather than be written through) under an unpredictable name
//! `.NAME.RANDOM.liaison-tmp`, with mode 0600 when it holds plaintext or
//! secrets, and locked from before it has that name (it is created and
//! locked as `.NAME.RANDOM.liaison-new`, then linked to its name, which
//! fails if the name exists) until it is renamed or removed: through the
//! audit step that comes between staging and commit. [`StagedFile::commit`] makes
//! its content durable, renames it over the destination and makes the
//! rename durable (fsync of the folder). Dropped without a commit, it is
//! removed. A temporary file left by a killed run stays unlocked;
//! [`leftovers`] finds those of a destination, and [`remove_leftovers`]
//! removes them.
//!
//! ```
//! use std::io::Write;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("record.json");
//! let mut staged = liaison::files::StagedFile::create(&path, true)?;
//! staged.write_all(b"{}")?;
//! staged.commit()?;
//! assert_eq!(std::fs::read(&path)?, b"{}");
//! assert!(liaison::files::leftovers(&path)?.is_empty());
//! # Ok(())
//! # }
//! ```

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The suffix of every temporary file.
const SUFFIX: &str = ".liaison-tmp";

/// The suffix of a temporary file for the moment between its creation and
/// its lock, before it gets its staged name: never a leftover (a run killed
/// in that moment leaves an empty file of that name).
const FRESH_SUFFIX: &str = ".liaison-new";

/// A file being written beside its destination; see the [module](self).
#[derive(Debug)]
pub struct StagedFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<BufWriter<File>>,
}

impl StagedFile {
    /// Creates the temporary file for `dest`, in the same folder, with mode
    /// 0600 when `secret` is set (otherwise as the umask allows).
    ///
    /// # Errors
    ///
    /// The folder does not exist or cannot be written; the destination
    /// exists and is not a regular file (a folder, a device such as
    /// `/dev/null`, a named pipe, a socket or a symbolic link), which a
    /// rename would replace rather than write.
    pub fn create(dest: impl AsRef<Path>, secret: bool) -> io::Result<Self> {
        let random = uuid::Uuid::new_v4().simple().to_string();
        Self::create_named(dest.as_ref(), secret, &random)
    }

    /// [`StagedFile::create`] with the random part of the names given.
    fn create_named(dest: &Path, secret: bool, random: &str) -> io::Result<Self> {
        check_destination(dest)?;
        let name = dest
            .file_name()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the destination has no file name; give the path of a file",
                )
            })?
            .to_string_lossy()
            .into_owned();
        let tmp = dest.with_file_name(format!(".{name}.{random}{SUFFIX}"));
        // Created and locked under a name `leftovers` never takes, then
        // linked to its staged name: no other run can find it there
        // unlocked and take a live run's file for a leftover.
        let fresh = dest.with_file_name(format!(".{name}.{random}{FRESH_SUFFIX}"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(if secret { 0o600 } else { 0o644 });
        }
        #[cfg(not(unix))]
        let _ = secret;
        let file = options.open(&fresh)?;
        // Held until the file is renamed or removed: `leftovers` passes over
        // a file another run is still writing.
        if let Err(e) = file.lock() {
            let _ = fs::remove_file(&fresh);
            return Err(e);
        }
        // A link fails if the staged name exists (a planted file or link),
        // as exclusive create does.
        let linked = fs::hard_link(&fresh, &tmp);
        let unlinked = fs::remove_file(&fresh);
        // What is at the staged name is removed only if this run put it there.
        match (linked, unlinked) {
            (Ok(()), Ok(())) => {}
            (Ok(()), Err(e)) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
            (Err(e), _) => return Err(e),
        }
        Ok(Self {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The temporary file's path.
    pub fn temporary_path(&self) -> &Path {
        &self.tmp
    }

    /// The destination.
    pub fn destination(&self) -> &Path {
        &self.dest
    }

    /// Makes the content written so far durable (flush and fsync), without
    /// putting the file in place.
    ///
    /// # Errors
    ///
    /// The content cannot be written (a full disk).
    pub fn sync(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => {
                f.flush()?;
                f.get_ref().sync_all()
            }
            None => Err(io::Error::other("the staged file is already closed")),
        }
    }

    /// Makes the content durable, renames the file over the destination
    /// and makes the rename durable.
    ///
    /// # Errors
    ///
    /// Any step fails; the temporary file is then removed.
    pub fn commit(mut self) -> io::Result<()> {
        self.try_commit()
    }

    /// Like [`commit`](StagedFile::commit), but when the file cannot be put
    /// in place it stays staged, so that the caller can [`keep`](StagedFile::keep) it.
    ///
    /// # Errors
    ///
    /// Any step fails.
    pub fn try_commit(&mut self) -> io::Result<()> {
        self.sync()?;
        check_destination(&self.dest)?;
        fs::rename(&self.tmp, &self.dest)?;
        // Renamed: nothing is left to remove, and the lock goes with the handle.
        self.file = None;
        sync_folder_of(&self.dest)
    }

    /// Leaves the temporary file where it is (closed and unlocked) and
    /// returns its path: for content that must not be lost when it cannot
    /// be put in place.
    pub fn keep(mut self) -> PathBuf {
        self.file = None;
        std::mem::take(&mut self.tmp)
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("the staged file is already closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Refuses a destination that exists and is not a regular file: renaming
/// over it would replace a folder entry that the caller meant to write to
/// (`/dev/null`, `/dev/stdout`, a named pipe) or to follow (a symbolic
/// link), and writing through it is what exclusive create exists to avoid.
///
/// # Errors
///
/// An [`io::ErrorKind::InvalidInput`] error that names the path and what
/// it is; or the error of reading its metadata.
pub fn check_destination(dest: impl AsRef<Path>) -> io::Result<()> {
    let dest = dest.as_ref();
    // `y/` names a folder to be, not a file: renaming a file onto it fails
    // only after the output is recorded.
    let text = dest.as_os_str().as_encoded_bytes();
    if text
        .last()
        .is_some_and(|b| *b == b'/' || std::path::is_separator(char::from(*b)))
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "`{}` ends with a path separator, so it names a folder: give the path of a regular file",
                dest.display()
            ),
        ));
    }
    let metadata = match fs::symlink_metadata(dest) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let what = if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file (a device, a named pipe or a socket)"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "`{}` is {what}: give the path of a regular file to create or replace \
             (to write to standard output, leave the output path out)",
            dest.display()
        ),
    ))
}

/// Writes `bytes` to `dest` through a [`StagedFile`].
///
/// # Errors
///
/// Any step fails; nothing is then left behind.
pub fn write_file(dest: impl AsRef<Path>, bytes: &[u8], secret: bool) -> io::Result<()> {
    let mut staged = StagedFile::create(dest, secret)?;
    staged.write_all(bytes)?;
    staged.commit()
}

/// The temporary files of `dest` that no run is writing any more: left by
/// a run that was killed. Only regular files owned by the user running
/// this are taken; anything else under a staged name (a named pipe, a
/// link, another user's file) is passed over, never opened for reading
/// in a way that could wait, and never removed.
///
/// # Errors
///
/// The folder cannot be read.
pub fn leftovers(dest: impl AsRef<Path>) -> io::Result<Vec<PathBuf>> {
    let dest = dest.as_ref();
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(Vec::new());
    };
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.");
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(middle) = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(SUFFIX))
        else {
            continue;
        };
        if middle.len() != 32 || !middle.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = open_own_regular_file(&path) else {
            continue;
        };
        match file.try_lock() {
            Ok(()) => found.push(path),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
    found.sort();
    Ok(found)
}

/// Opens `path` for reading if it is a regular file (not a link, a pipe, a
/// device or a folder) owned by the user running this: what a run of this
/// user left under a staged name. Opened without following a link and
/// without waiting (opening a named pipe would wait for a writer forever),
/// then checked through the open handle, so that the name cannot be
/// swapped between the check and the read.
///
/// # Errors
///
/// The file cannot be opened, or is a link, not a regular file, or owned
/// by another user; the error says which.
pub fn open_own_regular_file(path: impl AsRef<Path>) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(
            (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
        );
    }
    let refused = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let file = match options.open(path) {
        Ok(file) => file,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(refused(
                "it is a symbolic link, not a regular file".to_owned(),
            ));
        }
        Err(e) => return Err(e),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(refused("it is not a regular file".to_owned()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if metadata.uid() != rustix::process::geteuid().as_raw() {
            return Err(refused(format!(
                "it is owned by user {}, not by this user",
                metadata.uid()
            )));
        }
    }
    Ok(file)
}

/// Removes the [`leftovers`] of `dest` and returns how many there were.
///
/// # Errors
///
/// The folder cannot be read or a file cannot be removed.
pub fn remove_leftovers(dest: impl AsRef<Path>) -> io::Result<usize> {
    let dest = dest.as_ref();
    let found = leftovers(dest)?;
    for path in &found {
        fs::remove_file(path)?;
    }
    if !found.is_empty() {
        sync_folder_of(dest)?;
    }
    Ok(found.len())
}

/// Makes the folder entry of `path` durable (fsync of its folder).
///
/// # Errors
///
/// The folder cannot be opened or synced.
pub fn sync_folder_of(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref();
    #[cfg(unix)]
    {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(folder)?.sync_all()
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

    #[test]
    fn a_secret_file_is_0600_and_a_planted_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        write_file(&dest, b"secret", true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&dest).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Names are unpredictable: two stagings of one destination differ.
        let a = StagedFile::create(&dest, true).unwrap();
        let b = StagedFile::create(&dest, true).unwrap();
        assert_ne!(a.temporary_path(), b.temporary_path());
        // Exclusive create: an existing name (a planted link) is refused.
        #[cfg(unix)]
        {
            let target = dir.path().join("elsewhere");
            let planted = a.temporary_path().to_path_buf();
            drop(a);
            std::os::unix::fs::symlink(&target, &planted).unwrap();
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            assert!(options.open(&planted).is_err());
            assert!(!target.exists());
        }
        drop(b);
        assert_eq!(fs::read(&dest).unwrap(), b"secret");
    }

    #[test]
    fn a_link_planted_at_either_temporary_name_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        let random = "0123456789abcdef0123456789abcdef";
        for planted_name in [
            format!(".out.json.{random}{FRESH_SUFFIX}"),
            format!(".out.json.{random}{SUFFIX}"),
        ] {
            let target = dir.path().join("elsewhere");
            let planted = dir.path().join(&planted_name);
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, &planted).unwrap();
            #[cfg(not(unix))]
            fs::write(&planted, b"planted").unwrap();
            assert!(StagedFile::create_named(&dest, true, random).is_err());
            assert!(!target.exists(), "written through {planted_name}");
            assert!(!dest.exists());
            // Left as it was found.
            assert!(fs::symlink_metadata(&planted).is_ok());
            fs::remove_file(&planted).unwrap();
        }
    }

    #[test]
    fn a_dropped_file_leaves_nothing_and_a_killed_run_is_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        let mut staged = StagedFile::create(&dest, false).unwrap();
        staged.write_all(b"half").unwrap();
        // A run still writing is not a leftover.
        assert!(leftovers(&dest).unwrap().is_empty());
        drop(staged);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        // A killed run: its file stays, unlocked.
        let staged = StagedFile::create(&dest, true).unwrap();
        let kept = staged.keep();
        fs::write(dir.path().join(".out.json.unrelated"), b"x").unwrap();
        assert_eq!(leftovers(&dest).unwrap(), vec![kept.clone()]);
        assert_eq!(remove_leftovers(&dest).unwrap(), 1);
        assert!(!kept.exists());
        assert!(dir.path().join(".out.json.unrelated").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_link_at_a_staged_name_is_passed_over_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        let pipe = dir
            .path()
            .join(format!(".out.json.{}{SUFFIX}", "0".repeat(32)));
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        let target = dir.path().join("target");
        fs::write(&target, b"kept").unwrap();
        let link = dir
            .path()
            .join(format!(".out.json.{}{SUFFIX}", "1".repeat(32)));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // Opening the pipe for reading would wait for a writer forever.
        assert!(leftovers(&dest).unwrap().is_empty());
        assert_eq!(remove_leftovers(&dest).unwrap(), 0);
        assert!(fs::symlink_metadata(&pipe).is_ok() && fs::symlink_metadata(&link).is_ok());
        assert_eq!(fs::read(&target).unwrap(), b"kept");
    }

    #[test]
    fn a_file_being_staged_is_never_taken_for_a_leftover() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            // Another run cleaning up beside the same destination, again
            // and again, while this one stages and commits.
            s.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = remove_leftovers(&dest);
                }
            });
            let result = (0..3_000).try_for_each(|i: u32| {
                let mut staged = StagedFile::create(&dest, true)?;
                staged.write_all(&i.to_be_bytes())?;
                staged.commit()
            });
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            result.unwrap();
        });
        assert_eq!(fs::read(&dest).unwrap(), 2_999_u32.to_be_bytes());
    }

    #[test]
    fn a_destination_that_is_not_a_regular_file_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("folder");
        fs::create_dir(&folder).unwrap();
        let error = write_file(&folder, b"x", false).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("is a folder"), "{error}");
        assert!(folder.is_dir());
        #[cfg(unix)]
        {
            let target = dir.path().join("target");
            fs::write(&target, b"kept").unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let error = write_file(&link, b"x", false).unwrap_err();
            assert!(error.to_string().contains("symbolic link"), "{error}");
            assert!(
                fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(fs::read(&target).unwrap(), b"kept");
            // A device: refused, and still the device afterwards.
            let null = Path::new("/dev/null");
            let error = StagedFile::create(null, false).unwrap_err();
            assert!(error.to_string().contains("not a regular file"), "{error}");
            use std::os::unix::fs::FileTypeExt as _;
            assert!(fs::metadata(null).unwrap().file_type().is_char_device());
        }
        // Only the destination's kind is refused: nothing is left beside it.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), if cfg!(unix) { 3 } else { 1 });
    }

    #[test]
    fn a_destination_replaced_by_a_link_before_commit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        let mut staged = StagedFile::create(&dest, true).unwrap();
        staged.write_all(b"secret").unwrap();
        #[cfg(unix)]
        {
            let target = dir.path().join("elsewhere");
            std::os::unix::fs::symlink(&target, &dest).unwrap();
            assert!(staged.try_commit().is_err());
            assert!(
                fs::symlink_metadata(&dest)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert!(!target.exists());
        }
    }

    #[test]
    fn a_missing_folder_fails_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("nodir").join("out.json");
        assert!(StagedFile::create(&dest, true).is_err());
        assert!(write_file(&dest, b"x", false).is_err());
    }
}

//! Where the output of an exchange goes, in the order that keeps the
//! output and the audit log in step.
//!
//! [`Agency::receive_into_at`](crate::Agency::receive_into_at) and
//! [`Agency::share_into_at`](crate::Agency::share_into_at) call
//! [`Delivery::stage`] first (the output is written, not yet in place),
//! then record the receipt or the release (and the parcel id) in the audit
//! log in one durable step, then call [`Delivery::commit`] (the output is
//! put in place). A failure before the record leaves nothing recorded and
//! nothing in place, so the operator can retry; a failure after it keeps
//! the staged output for the operator. [`FileDelivery`] does this for a
//! file through [`StagedFile`].

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::files::StagedFile;

/// A destination for one output, written in two steps around the audit
/// entry; see the [module](self).
pub trait Delivery<T: ?Sized> {
    /// Writes `item` where it is not yet in place, durably.
    ///
    /// # Errors
    ///
    /// The output cannot be written; nothing is then recorded.
    fn stage(&mut self, item: &T) -> io::Result<()>;

    /// Puts the staged output in place.
    ///
    /// # Errors
    ///
    /// The output cannot be put in place; the error should say where the
    /// staged output was kept.
    fn commit(&mut self) -> io::Result<()>;
}

/// No output: for callers that use the returned value only.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDelivery;

impl<T: ?Sized> Delivery<T> for NoDelivery {
    fn stage(&mut self, _: &T) -> io::Result<()> {
        Ok(())
    }

    fn commit(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A file, written through a [`StagedFile`] (exclusive create,
/// unpredictable name, 0600 when secret, rename, folder fsync). When it
/// cannot be put in place after the audit entry is recorded, the staged
/// file is kept and its path is in the error.
pub struct FileDelivery<T: ?Sized> {
    dest: PathBuf,
    secret: bool,
    encode: fn(&T) -> io::Result<Vec<u8>>,
    staged: Option<StagedFile>,
}

impl<T: ?Sized> std::fmt::Debug for FileDelivery<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDelivery")
            .field("dest", &self.dest)
            .field("secret", &self.secret)
            .field("staged", &self.staged)
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> FileDelivery<T> {
    /// Delivers to `dest`, encoding the item with `encode`; mode 0600 when
    /// `secret` (plaintext records).
    pub fn new(
        dest: impl AsRef<Path>,
        secret: bool,
        encode: fn(&T) -> io::Result<Vec<u8>>,
    ) -> Self {
        Self {
            dest: dest.as_ref().to_path_buf(),
            secret,
            encode,
            staged: None,
        }
    }
}

impl<T: ?Sized> Delivery<T> for FileDelivery<T> {
    fn stage(&mut self, item: &T) -> io::Result<()> {
        let bytes = (self.encode)(item)?;
        let mut staged = StagedFile::create(&self.dest, self.secret)?;
        staged.write_all(&bytes)?;
        staged.sync()?;
        self.staged = Some(staged);
        Ok(())
    }

    fn commit(&mut self) -> io::Result<()> {
        let Some(mut staged) = self.staged.take() else {
            return Err(io::Error::other("nothing was staged"));
        };
        if let Err(e) = staged.try_commit() {
            let kept = staged.keep();
            return Err(io::Error::new(
                e.kind(),
                format!(
                    "{e}; the output is kept in `{}`: move it to `{}`",
                    kept.display(),
                    self.dest.display()
                ),
            ));
        }
        Ok(())
    }
}

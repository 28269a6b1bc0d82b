//! A witness over files: cosigns another agency's checkpoints with this
//! agency's identity when they are consistent with the last one it
//! cosigned, keeping that last size and root per log in a state folder
//! (`docs/audit.md`, section 4).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use liaison_envelope::{Card, Identity};
use liaison_tlog::{ConsistencyProof, Note, WitnessError, WitnessState};

use super::transparency::{IdentitySigner, note_verifier};

/// Why the witness did not cosign.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessFailure {
    /// The state folder or a state file could not be read or written.
    #[error("the witness state `{path}`: {source}; check that the folder exists and is writable")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A state file is not in the state form.
    #[error(
        "the witness state `{path}` is damaged: {source}; restore it from a backup, never delete it"
    )]
    State {
        /// The file.
        path: PathBuf,
        /// Where and what.
        #[source]
        source: liaison_tlog::ParseError,
    },
    /// The checkpoint is not a signed note.
    #[error("not a signed checkpoint: {0}")]
    Form(#[source] liaison_tlog::ParseError),
    /// A card's agency id cannot name a note key.
    #[error("the card cannot verify notes: {0}")]
    Card(#[source] liaison_tlog::KeyError),
    /// The checkpoint is refused: not the log's, a rollback, a fork, or
    /// inconsistent with what was cosigned before.
    #[error("{0}")]
    Refused(#[source] WitnessError),
}

/// The state folder of a witness.
#[derive(Debug, Clone)]
pub struct WitnessStore {
    dir: PathBuf,
}

impl WitnessStore {
    /// The witness whose state lives in the folder `dir` (which must
    /// exist).
    ///
    /// # Errors
    ///
    /// [`WitnessFailure::Io`] when `dir` is not a folder.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, WitnessFailure> {
        let dir = dir.as_ref().to_path_buf();
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => Ok(Self { dir }),
            Ok(_) => Err(WitnessFailure::Io {
                source: io::Error::new(io::ErrorKind::InvalidInput, "not a folder"),
                path: dir,
            }),
            Err(source) => Err(WitnessFailure::Io { path: dir, source }),
        }
    }

    /// The state file of the log `origin`: `ORIGIN.state` when the origin
    /// is letters, digits, `.`, `_` and `-` (not starting with `.`), else
    /// `x-HEX.state` with the origin's bytes in lowercase hex.
    pub fn state_path(&self, origin: &str) -> PathBuf {
        let plain = !origin.is_empty()
            && !origin.starts_with('.')
            && origin
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        let name = if plain {
            format!("{origin}.state")
        } else {
            format!("x-{}.state", hex::encode(origin))
        };
        self.dir.join(name)
    }

    /// What this witness last cosigned for the log `origin`.
    ///
    /// # Errors
    ///
    /// [`WitnessFailure::Io`] or [`WitnessFailure::State`].
    pub fn state(&self, origin: &str) -> Result<Option<WitnessState>, WitnessFailure> {
        let path = self.state_path(origin);
        match std::fs::read(&path) {
            Ok(bytes) => WitnessState::from_text(&bytes)
                .map(Some)
                .map_err(|source| WitnessFailure::State { path, source }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(WitnessFailure::Io { path, source }),
        }
    }

    /// Cosigns `checkpoint` (a signed note) of the log whose card is
    /// `log` with `identity` at `timestamp` (POSIX seconds) when it is
    /// consistent with the state, by `proof` when it is larger; stores the
    /// new state durably first, and returns the cosigned checkpoint.
    /// Witnesses of one folder take turns (a lock file, `.lock`).
    ///
    /// # Errors
    ///
    /// [`WitnessFailure`]; nothing is cosigned or stored then.
    pub fn cosign(
        &self,
        identity: &Identity,
        log: &Card,
        checkpoint: &[u8],
        proof: Option<&ConsistencyProof>,
        timestamp: u64,
    ) -> Result<Note, WitnessFailure> {
        let note = Note::parse(checkpoint).map_err(WitnessFailure::Form)?;
        let verifier = note_verifier(log).map_err(WitnessFailure::Card)?;
        let lock = self.lock()?;
        let last = self.state(log.agency_id())?;
        let signer = IdentitySigner::new(identity);
        let (cosigned, state) =
            liaison_tlog::witness(last.as_ref(), &verifier, &note, proof, &signer, timestamp)
                .map_err(WitnessFailure::Refused)?;
        let path = self.state_path(log.agency_id());
        crate::files::write_file(&path, state.to_text().as_bytes(), false)
            .map_err(|source| WitnessFailure::Io { path, source })?;
        drop(lock);
        Ok(cosigned)
    }

    fn lock(&self) -> Result<File, WitnessFailure> {
        let path = self.dir.join(".lock");
        let io_error = |source| WitnessFailure::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error)?;
        file.lock().map_err(io_error)?;
        Ok(file)
    }
}

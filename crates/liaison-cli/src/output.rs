//! Output conventions shared by every command: all-or-nothing output, one
//! line on standard error per problem, and the exit codes.

use std::fs;
use std::io::{self, IsTerminal, Read, Seek, Write};
use std::path::Path;

use liaison::files::StagedFile;
use std::process::ExitCode;

use zeroize::Zeroizing;

/// Why a command failed, and so which exit code it ends with.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Refused: exit code 1. Each string is one line on standard error.
    Refused(Vec<String>),
    /// Unusable input or usage: exit code 2. Each string is one line on standard error.
    Unusable(Vec<String>),
}

impl Failure {
    /// An unusable-input failure with one problem.
    pub(crate) fn unusable(problem: impl Into<String>) -> Self {
        Failure::Unusable(vec![problem.into()])
    }

    /// A refusal with one reason.
    pub(crate) fn refused(reason: impl Into<String>) -> Self {
        Failure::Refused(vec![reason.into()])
    }

    /// Prints the problems on standard error and returns the exit code.
    pub(crate) fn report(self) -> ExitCode {
        let (code, lines) = match self {
            Failure::Refused(lines) => (1, lines),
            Failure::Unusable(lines) => (2, lines),
        };
        let mut err = io::stderr().lock();
        for line in lines {
            let _ = writeln!(err, "error: {line}");
        }
        ExitCode::from(code)
    }
}

/// Reads a whole file, or standard input for `None` or `-`.
pub(crate) fn read_input(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    match path {
        None => io::stdin().lock().read_to_end(&mut buf),
        Some(p) if p == Path::new("-") => io::stdin().lock().read_to_end(&mut buf),
        Some(p) => fs::File::open(p).and_then(|mut f| f.read_to_end(&mut buf)),
    }
    .map_err(|e| Failure::unusable(format!("cannot read {}: {e}", describe(path))))?;
    Ok(buf)
}

/// Writes the whole output at once: to standard output for `None` or `-`,
/// otherwise to a temporary file beside `path` that is renamed into place,
/// so that a failed command never leaves a partial file behind.
pub(crate) fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match path {
        None => write_stdout(bytes),
        Some(p) if p == Path::new("-") => write_stdout(bytes),
        Some(p) => write_file_atomically(p, bytes)
            .map_err(|e| Failure::unusable(format!("cannot write `{}`: {e}", p.display()))),
    }
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::unusable(format!("cannot write to standard output: {e}")))
}

/// Writes `bytes` to `path` through [`liaison::files`] (exclusive create,
/// unpredictable name, rename into place, folder fsync), after removing
/// the temporary files a killed run left for `path`. Every file the
/// commands write goes through here or through [`Sink`].
pub(crate) fn write_file_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    liaison::files::remove_leftovers(path)?;
    liaison::files::write_file(path, bytes, false)
}

/// Opens an input for streaming: a file, or standard input for `None` or `-`.
pub(crate) fn open_input(path: Option<&Path>) -> Result<Box<dyn Read>, Failure> {
    match path {
        None => Ok(Box::new(io::stdin().lock())),
        Some(p) if p == Path::new("-") => Ok(Box::new(io::stdin().lock())),
        Some(p) => fs::File::open(p)
            .map(|f| Box::new(f) as Box<dyn Read>)
            .map_err(|e| Failure::unusable(format!("cannot read {}: {e}", describe(path)))),
    }
}

/// Copies `from` to `to` through `buf` until `from` ends, naming a read
/// failure with `on_read` and a write failure with `on_write`.
pub(crate) fn pump(
    from: &mut impl Read,
    to: &mut impl Write,
    buf: &mut [u8],
    on_read: impl Fn(io::Error) -> Failure,
    on_write: impl Fn(io::Error) -> Failure,
) -> Result<(), Failure> {
    loop {
        let n = match from.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(on_read(e)),
        };
        to.write_all(buf.get(..n).unwrap_or_default())
            .map_err(&on_write)?;
    }
}

/// How a streaming command holds its output for standard output until it
/// has succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hold {
    /// In an unnamed temporary file (removed by the system when closed):
    /// bounded memory; for output that is not secret.
    TemporaryFile,
    /// In memory: for output that must not touch the disk unasked.
    Memory,
}

/// A streaming command's output, all or nothing: written to a
/// [`StagedFile`] beside the destination and renamed into place by [`Sink::commit`],
/// or held for standard output (see [`Hold`]) and written by
/// [`Sink::commit`]. Dropped without a commit, it leaves nothing behind.
#[derive(Debug)]
pub(crate) struct Sink {
    target: Option<Target>,
}

#[derive(Debug)]
enum Target {
    File(StagedFile),
    Spool(io::BufWriter<fs::File>),
    /// Wiped when dropped: a failed open leaves no plaintext in memory.
    Memory(Zeroizing<Vec<u8>>),
}

impl Sink {
    /// A sink for `path` (standard output for `None` or `-`). A file is
    /// created with mode 0600 when `secret` is set.
    pub(crate) fn create(path: Option<&Path>, hold: Hold, secret: bool) -> Result<Sink, Failure> {
        let target = match path {
            Some(p) if p != Path::new("-") => {
                let cannot = |e: io::Error| {
                    Failure::unusable(format!("cannot write `{}`: {e}", p.display()))
                };
                liaison::files::remove_leftovers(p).map_err(cannot)?;
                Target::File(StagedFile::create(p, secret).map_err(cannot)?)
            }
            _ => match hold {
                Hold::TemporaryFile => {
                    let file = tempfile::tempfile().map_err(|e| {
                        Failure::unusable(format!("cannot create a temporary file: {e}"))
                    })?;
                    Target::Spool(io::BufWriter::with_capacity(1 << 16, file))
                }
                Hold::Memory => Target::Memory(Zeroizing::new(Vec::new())),
            },
        };
        Ok(Sink {
            target: Some(target),
        })
    }

    /// Puts the output in place: renames the file, or writes what was held
    /// to standard output.
    pub(crate) fn commit(mut self) -> Result<(), Failure> {
        match self.target.take() {
            Some(Target::File(staged)) => {
                let path = staged.destination().to_path_buf();
                staged.commit().map_err(|e| {
                    Failure::unusable(format!("cannot write `{}`: {e}", path.display()))
                })
            }
            Some(Target::Spool(file)) => {
                let mut out = io::stdout().lock();
                file.into_inner()
                    .map_err(io::IntoInnerError::into_error)
                    .and_then(|mut f| {
                        f.rewind()?;
                        io::copy(&mut f, &mut out)
                    })
                    .and_then(|_| out.flush())
                    .map_err(|e| Failure::unusable(format!("cannot write to standard output: {e}")))
            }
            Some(Target::Memory(bytes)) => write_stdout(&bytes),
            None => Ok(()),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Some(Target::File(staged)) => staged.write(buf),
            Some(Target::Spool(file)) => file.write(buf),
            Some(Target::Memory(bytes)) => {
                bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
            None => Err(io::Error::other("output already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Some(Target::File(staged)) => staged.flush(),
            Some(Target::Spool(file)) => file.flush(),
            _ => Ok(()),
        }
    }
}

/// Whether standard error is a terminal (progress bars are shown only then).
pub(crate) fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// How to name an input in a message.
pub(crate) fn describe(path: Option<&Path>) -> String {
    match path {
        None => "standard input".to_owned(),
        Some(p) if p == Path::new("-") => "standard input".to_owned(),
        Some(p) => format!("`{}`", p.display()),
    }
}

/// `n` and the noun, singular for one and plural otherwise: `1 entry`,
/// `3 entries`.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

//! Output conventions shared by every command: all-or-nothing output, one
//! line on standard error per problem, and the exit codes.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub(crate) fn write_file_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary_beside(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
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

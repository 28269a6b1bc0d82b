//! The strict line reader shared by the text forms: proofs, checkpoints,
//! signed notes and witness state.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::hash::Hash;

/// Where a text form is wrong, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}, line {line}: {problem}")]
#[non_exhaustive]
pub struct ParseError {
    /// Which form was read (`checkpoint`, `signed note`, ...).
    pub what: &'static str,
    /// The line number, from 1 (0 when the text as a whole is wrong).
    pub line: u64,
    /// What is wrong.
    pub problem: String,
}

/// Lines of a text that is valid UTF-8, holds no control character but
/// the line feed, and ends with a line feed.
pub(crate) struct Lines<'a> {
    what: &'static str,
    rest: &'a str,
    line: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(what: &'static str, bytes: &'a [u8]) -> Result<Self, ParseError> {
        let text = check_text(what, bytes)?;
        Ok(Self {
            what,
            rest: text,
            line: 0,
        })
    }

    pub(crate) fn error_at(&self, line: u64, problem: impl Into<String>) -> ParseError {
        ParseError {
            what: self.what,
            line,
            problem: problem.into(),
        }
    }

    /// The next line, without its line feed, and its number.
    pub(crate) fn next_line(&mut self) -> Option<(u64, &'a str)> {
        let (line, rest) = self.rest.split_once('\n')?;
        self.rest = rest;
        self.line += 1;
        Some((self.line, line))
    }

    /// The next line, which must be there.
    pub(crate) fn require(&mut self, what: &str) -> Result<(u64, &'a str), ParseError> {
        let after = self.line + 1;
        self.next_line()
            .ok_or_else(|| self.error_at(after, format!("the text ends where {what} should be")))
    }

    /// The next line, which must be exactly `expected`.
    pub(crate) fn expect_exact(&mut self, expected: &str) -> Result<(), ParseError> {
        let (n, line) = self.require(&format!("`{expected}`"))?;
        if line != expected {
            return Err(self.error_at(n, format!("expected `{expected}`, found `{}`", shown(line))));
        }
        Ok(())
    }

    /// The next line, which must be `KEYWORD NUMBER`.
    pub(crate) fn keyword_number(&mut self, keyword: &str) -> Result<u64, ParseError> {
        let (n, line) = self.require(&format!("`{keyword} NUMBER`"))?;
        let value = line
            .strip_prefix(keyword)
            .and_then(|v| v.strip_prefix(' '))
            .ok_or_else(|| {
                self.error_at(
                    n,
                    format!("expected `{keyword} NUMBER`, found `{}`", shown(line)),
                )
            })?;
        decimal(value).map_err(|p| self.error_at(n, p))
    }
}

/// Checks that `bytes` is text as the signed-note format allows: UTF-8, no
/// control character but the line feed, ending with a line feed.
pub(crate) fn check_text<'a>(what: &'static str, bytes: &'a [u8]) -> Result<&'a str, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = line_of(bytes, e.valid_up_to());
        ParseError {
            what,
            line,
            problem: "not valid UTF-8".to_owned(),
        }
    })?;
    if let Some(at) = text.find(|c: char| c.is_control() && c != '\n') {
        let c = text
            .get(at..)
            .and_then(|s| s.chars().next())
            .unwrap_or('\0');
        return Err(ParseError {
            what,
            line: line_of(bytes, at),
            problem: format!(
                "control character U+{:04X} (only the line feed is allowed)",
                c as u32
            ),
        });
    }
    if !text.ends_with('\n') {
        return Err(ParseError {
            what,
            line: line_of(bytes, bytes.len()),
            problem: "the last line has no line feed".to_owned(),
        });
    }
    Ok(text)
}

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    let before = bytes.get(..offset).unwrap_or(bytes);
    before.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// A line shortened for a message.
pub(crate) fn shown(line: &str) -> String {
    const MAX: usize = 80;
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        let mut s: String = line.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// An ASCII decimal number without leading zeros.
pub(crate) fn decimal(value: &str) -> Result<u64, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not a decimal number", shown(value)));
    }
    if value.len() > 1 && value.starts_with('0') {
        return Err(format!("`{}` has a leading zero", shown(value)));
    }
    value
        .parse()
        .map_err(|_| format!("`{}` is too large", shown(value)))
}

/// Standard padded base64 that decodes and re-encodes to itself.
pub(crate) fn canonical_base64(value: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(value).ok()?;
    (STANDARD.encode(&bytes) == value).then_some(bytes)
}

/// A line holding one hash in base64.
pub(crate) fn hash_line(lines: &Lines<'_>, n: u64, line: &str) -> Result<Hash, ParseError> {
    canonical_base64(line)
        .and_then(|b| Hash::try_from(b.as_slice()).ok())
        .ok_or_else(|| {
            lines.error_at(
                n,
                format!("`{}` is not the base64 of a 32-byte hash", shown(line)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bad_endings_are_refused() {
        assert!(
            check_text("t", b"a\r\n")
                .unwrap_err()
                .problem
                .contains("U+000D")
        );
        assert_eq!(check_text("t", b"a\nb\tc\n").unwrap_err().line, 2);
        assert!(
            check_text("t", b"a")
                .unwrap_err()
                .problem
                .contains("line feed")
        );
        assert_eq!(check_text("t", b"a\n\xff\n").unwrap_err().line, 2);
    }

    #[test]
    fn decimals_are_strict() {
        assert_eq!(decimal("0"), Ok(0));
        assert_eq!(decimal("18446744073709551615"), Ok(u64::MAX));
        assert!(decimal("18446744073709551616").is_err());
        assert!(decimal("01").is_err());
        assert!(decimal("+1").is_err());
        assert!(decimal("").is_err());
        assert!(decimal(" 1").is_err());
    }

    #[test]
    fn base64_must_be_canonical() {
        assert!(canonical_base64("AA==").is_some());
        assert!(canonical_base64("AB==").is_none());
        assert!(canonical_base64("AA").is_none());
    }
}

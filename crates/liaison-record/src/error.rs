//! Errors.

use std::fmt;

/// A value that does not have the form its type requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    value: String,
    expected: &'static str,
}

impl ParseError {
    pub(crate) fn new(value: &str, expected: &'static str) -> Self {
        // Long input is cut so that an error never repeats a whole document.
        let value: String = value.chars().take(64).collect();
        Self { value, expected }
    }

    /// What was expected.
    pub fn expected(&self) -> &'static str {
        self.expected
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not {}", self.value, self.expected)
    }
}

impl std::error::Error for ParseError {}

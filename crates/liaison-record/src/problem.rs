//! Problems found in a record, each with the JSON pointer where it was found.

use std::fmt;

/// One problem found in a record: where (an RFC 6901 JSON pointer into the
/// document) and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pointer: String,
    message: String,
}

impl Problem {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The RFC 6901 JSON pointer of the offending value; empty for the whole
    /// document (for example when the input is not JSON at all).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What is wrong and what was expected instead.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "(document): {}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

/// Every problem found in a record (never empty).
///
/// [`Display`](fmt::Display) writes one problem per line, each as
/// `pointer: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordErrors {
    /// The problems, in document order where there is one.
    pub problems: Vec<Problem>,
}

impl RecordErrors {
    pub(crate) fn new(problems: Vec<Problem>) -> Self {
        Self { problems }
    }

    /// The problems found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Consumes the error, returning its problems.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    /// The problems as `(pointer, message)` pairs, as a convenience for tests
    /// and tools.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.problems.iter().map(|p| (p.pointer(), p.message()))
    }
}

impl fmt::Display for RecordErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.problems {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            p.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for RecordErrors {}

/// Appends `segment` to a JSON pointer, escaping `~` and `/` as RFC 6901 asks.
pub(crate) fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    for c in segment.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A JSON pointer made of `base` and one more segment.
pub(crate) fn join(base: &str, segment: &str) -> String {
    let mut p = String::with_capacity(base.len() + segment.len() + 1);
    p.push_str(base);
    push_segment(&mut p, segment);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped() {
        assert_eq!(join("/extensions", "a/b~c"), "/extensions/a~1b~0c");
        assert_eq!(join("", "id"), "/id");
    }

    #[test]
    fn display_is_one_problem_per_line() {
        let e = RecordErrors::new(vec![
            Problem::new("/id", "expected a UUID"),
            Problem::new("", "not JSON"),
        ]);
        assert_eq!(e.to_string(), "/id: expected a UUID\n(document): not JSON");
    }
}

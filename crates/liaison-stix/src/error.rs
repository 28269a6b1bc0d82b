//! Errors of STIX import and export, and the problems a bundle check finds.

use std::fmt;

/// One problem with one STIX object (or with the bundle itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StixProblem {
    /// The id of the object (`indicator--…`), or `objects/N` for an object
    /// without a usable id; `None` for the bundle itself.
    pub object: Option<String>,
    /// The offending property, when there is one.
    pub property: Option<String>,
    /// What is wrong and what was expected instead.
    pub message: String,
}

impl StixProblem {
    pub(crate) fn new(
        object: Option<&str>,
        property: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            object: object.map(cut),
            property: property.map(cut),
            message: message.into(),
        }
    }

    pub(crate) fn bundle(property: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(None, property, message)
    }
}

impl fmt::Display for StixProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.object {
            Some(o) => write!(f, "object `{o}`")?,
            None => f.write_str("bundle")?,
        }
        if let Some(p) = &self.property {
            write!(f, ", property `{p}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// User input quoted in a message, cut so that a message never repeats a
/// whole document.
pub(crate) fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn lines(problems: &[StixProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a bundle could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The input is not JSON.
    #[error("not JSON at line {line}, column {column}: {reason}; expected a STIX 2.1 bundle")]
    NotJson {
        /// Line of the first error, from 1.
        line: usize,
        /// Column of the first error, from 1.
        column: usize,
        /// What the parser found.
        reason: String,
    },
    /// The input is STIX 2.0, not 2.1.
    #[error("{0}; convert the bundle to STIX 2.1 first")]
    Stix20(StixProblem),
    /// The bundle or its objects cannot be used; every problem is listed.
    /// [`Display`](fmt::Display) writes one problem per line.
    #[error("{}", lines(.0))]
    Unusable(Vec<StixProblem>),
}

impl ImportError {
    /// Every problem found, one per object or property.
    pub fn problems(&self) -> Vec<StixProblem> {
        match self {
            ImportError::NotJson { .. } => vec![StixProblem::bundle(None, self.to_string())],
            ImportError::Stix20(p) => vec![p.clone()],
            ImportError::Unusable(ps) => ps.clone(),
        }
    }
}

/// Why records could not be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A record refers to an entity it does not hold, or holds two entities
    /// with the same id.
    #[error("record `{record}` at `{pointer}`: {message}")]
    InvalidRecord {
        /// The record id.
        record: String,
        /// JSON pointer into the record.
        pointer: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Two records give different objects the same STIX id.
    #[error(
        "two different objects with the id `{id}`: an entity shared by several records must be identical in each; export those records separately"
    )]
    Conflict {
        /// The STIX id.
        id: String,
    },
}

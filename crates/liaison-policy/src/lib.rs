#![doc = include_str!("../README.md")]

mod agreement;
mod check;
mod compile;
mod decision;
mod engine;
mod explain;
#[doc(hidden)]
pub mod fuzzing;
mod load;
mod marking;
mod matching;
mod paths;
mod pattern;
mod redact;
mod request;
mod schema;
mod source;

// The public interface is:
pub use agreement::{
    Agreement, Clause, Conditions, Effect, ObligationRules, OnwardOthers, OnwardRule,
    PostQuantumRule, ReleaseRule, RetentionStart, Transformation, pattern_covers, pattern_touches,
};
pub use check::{check_agreement, check_set};
pub use compile::{PolicySet, agreement_digest};
pub use decision::{Decision, Outcome, Reason, ReasonEffect, Reidentified, Rule};
pub use engine::holder;
pub use explain::{Change, ClauseName, ConsentPlace, Edit, Explanation};
pub use load::{LoadError, Problem, Severity, agreement_files, load_paths, parse_agreement};
pub use marking::{JUDICIAL_PURPOSES, LAW_ENFORCEMENT_PURPOSES};
pub use matching::{MatchBudget, MatchClause, MatchDecision, MatchGrant, MatchRefusal};
pub use redact::{RedactError, redact, redact_with_digest};
pub use request::{RequestContext, RequestKind, Urgency};
pub use source::Format;

//! What would have to change for a refused, referred or partial release to
//! go through: single changes to the request, the record's marking or an
//! agreement, each made and decided again, and given only when the new
//! decision is better.

mod edit;

use std::fmt;

use liaison_record::{AgencyId, Caveat, Classification, EntityKind, FieldClass, Purpose, Tlp};
use liaison_record::{CalendarDate, Record, Timestamp};

use crate::agreement::{Effect, Transformation};
use crate::compile::PolicySet;
use crate::decision::{Decision, Outcome};
use crate::engine::word;
use crate::request::RequestContext;

/// A clause by name: the agreement's id and version, and the clause's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClauseName {
    /// The agreement id.
    pub agreement: String,
    /// The agreement version.
    pub version: u32,
    /// The clause id.
    pub clause: String,
}

impl fmt::Display for ClauseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "agreement `{}` version {}, clause `{}`",
            self.agreement, self.version, self.clause
        )
    }
}

/// Where a consent is recorded in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsentPlace {
    /// With the source (`/source/consents`): a third agency's consent.
    Source,
    /// In a provenance entry (`/provenance/N/consents`).
    Provenance(usize),
}

impl fmt::Display for ConsentPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsentPlace::Source => f.write_str("/source/consents"),
            ConsentPlace::Provenance(i) => write!(f, "/provenance/{i}/consents"),
        }
    }
}

/// One change to the request, the record or an agreement.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Edit {
    /// Ask for another purpose.
    Purpose(Purpose),
    /// Decide later, when an agreement version comes into force.
    DecideAt {
        /// Its `valid_from`.
        at: Timestamp,
        /// The agreement id.
        agreement: String,
        /// The agreement version.
        version: u32,
    },
    /// Decide at the time of the release: not before the record was
    /// created or last changed, nor before one of its releases.
    DecideAtRelease(Timestamp),
    /// The originator lowers the record's classification to this.
    Classification(Classification),
    /// The originator lowers the record's TLP label to this.
    Tlp(Tlp),
    /// The originator lifts this caveat.
    LiftCaveat(Caveat),
    /// The originator adds the recipient agency to `releasable_to`.
    ReleasableTo(AgencyId),
    /// The originator adds the purpose to the marking's `purposes`.
    MarkingPurpose(Purpose),
    /// The originator reviews the record and sets `review_by` to this day.
    Review(CalendarDate),
    /// A consent recorded in the record.
    Consent {
        /// The agency that consents.
        by: AgencyId,
        /// The agency the record may then go to.
        to: AgencyId,
        /// Where the consent is recorded.
        place: ConsentPlace,
    },
    /// The record's entities of this kind are left out, with their
    /// relationships.
    LeaveOut(EntityKind),
    /// One entry removed from a release clause's `withhold`.
    RemoveWithhold {
        /// The clause.
        clause: ClauseName,
        /// The entry, as written.
        entry: String,
    },
    /// One transformation removed from a release clause's `transform`.
    RemoveTransformation {
        /// The clause.
        clause: ClauseName,
        /// The transformation.
        transformation: Transformation,
    },
    /// One field class added to a release clause's `classes`.
    AddClass {
        /// The clause.
        clause: ClauseName,
        /// The class.
        class: FieldClass,
    },
    /// One condition removed from a release clause's `when`.
    RemoveCondition {
        /// The clause.
        clause: ClauseName,
        /// The condition's key (`min_source_reliability`).
        condition: &'static str,
        /// Why it does not hold, in words.
        why: String,
    },
    /// A deny or refer clause removed from its agreement.
    RemoveClause {
        /// The clause.
        clause: ClauseName,
        /// Its effect.
        effect: Effect,
    },
    /// An agreement version's `suspended_from` removed.
    LiftSuspension {
        /// The agreement id.
        agreement: String,
        /// The agreement version.
        version: u32,
        /// The suspension's start.
        since: Timestamp,
    },
    /// An agreement version's `terminated_at` removed.
    LiftTermination {
        /// The agreement id.
        agreement: String,
        /// The agreement version.
        version: u32,
        /// The termination time.
        at: Timestamp,
    },
    /// An agreement version's `valid_until` moved past the evaluation time.
    Extend {
        /// The agreement id.
        agreement: String,
        /// The agreement version.
        version: u32,
        /// When it expired.
        expired: Timestamp,
        /// The evaluation time.
        at: Timestamp,
    },
}

impl Edit {
    /// The clause the edit changes, if it changes one.
    pub fn clause(&self) -> Option<&ClauseName> {
        match self {
            Edit::RemoveWithhold { clause, .. }
            | Edit::RemoveTransformation { clause, .. }
            | Edit::AddClass { clause, .. }
            | Edit::RemoveCondition { clause, .. }
            | Edit::RemoveClause { clause, .. } => Some(clause),
            _ => None,
        }
    }
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::Purpose(p) => write!(f, "for the purpose `{p}` instead"),
            Edit::DecideAt {
                at,
                agreement,
                version,
            } => write!(
                f,
                "if decided at or after {at}, when agreement `{agreement}` version {version} comes into force"
            ),
            Edit::DecideAtRelease(at) => {
                write!(f, "if decided at the time of the release, at or after {at}")
            }
            Edit::Classification(c) => write!(
                f,
                "if the originator downgraded the record to `{}`",
                word(c)
            ),
            Edit::Tlp(t) => write!(
                f,
                "if the originator relabelled the record TLP:{}",
                word(t).to_uppercase()
            ),
            Edit::LiftCaveat(c) => write!(f, "if the originator lifted the caveat `{c}`"),
            Edit::ReleasableTo(a) => write!(
                f,
                "if the originator added `{a}` to the marking's `releasable_to`"
            ),
            Edit::MarkingPurpose(p) => write!(
                f,
                "if the originator allowed the purpose `{p}` in the marking's `purposes`"
            ),
            Edit::Review(d) => write!(
                f,
                "if the originator reviewed the record and set its `review_by` to {d} or later"
            ),
            Edit::Consent { by, to, place } => write!(
                f,
                "with a consent of `{by}` to pass it to `{to}` recorded in `{place}`"
            ),
            Edit::LeaveOut(k) => write!(
                f,
                "if the `{}` entities were left out of the record, with their relationships",
                word(k)
            ),
            Edit::RemoveWithhold { clause, entry } => {
                write!(f, "{clause}: without the `withhold` entry `{entry}`")
            }
            Edit::RemoveTransformation {
                clause,
                transformation,
            } => write!(
                f,
                "{clause}: without the transformation `{}`",
                transformation.as_str()
            ),
            Edit::AddClass { clause, class } => write!(
                f,
                "{clause}: if `release.classes` also listed `{}`",
                word(class)
            ),
            Edit::RemoveCondition {
                clause,
                condition,
                why,
            } => write!(
                f,
                "{clause}: without the condition `when.{condition}` ({why})"
            ),
            Edit::RemoveClause { clause, effect } => {
                write!(f, "{clause}: without this {} clause", word(effect))
            }
            Edit::LiftSuspension {
                agreement,
                version,
                since,
            } => write!(
                f,
                "agreement `{agreement}` version {version}: without `suspended_from` (suspended since {since})"
            ),
            Edit::LiftTermination {
                agreement,
                version,
                at,
            } => write!(
                f,
                "agreement `{agreement}` version {version}: without `terminated_at` (terminated at {at})"
            ),
            Edit::Extend {
                agreement,
                version,
                expired,
                at,
            } => write!(
                f,
                "agreement `{agreement}` version {version}: with a `valid_until` after {at} (it expired at {expired})"
            ),
        }
    }
}

/// One change that would improve the decision, found by making it and
/// deciding again.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Change {
    /// What changes.
    pub edit: Edit,
    /// The fields withheld before that the change lets go, as JSON pointers.
    pub released: Vec<String>,
    /// The fields transformed before that the change lets go unreduced.
    pub unreduced: Vec<String>,
    /// The deny and refer clauses that would no longer apply.
    pub stops: Vec<ClauseName>,
    /// The release clauses that would come to apply.
    pub starts: Vec<ClauseName>,
    /// The decision with the change made.
    pub decision: Decision,
}

fn pointers(p: &[String]) -> String {
    p.iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.edit)?;
        match &self.edit {
            Edit::RemoveWithhold { .. } | Edit::AddClass { .. } if !self.released.is_empty() => {
                let verb = if matches!(self.edit, Edit::AddClass { .. }) {
                    "which would let go"
                } else {
                    "which withholds"
                };
                write!(f, ", {verb} {}", pointers(&self.released))?;
            }
            Edit::RemoveTransformation { .. } => {
                let mut parts = Vec::new();
                if !self.unreduced.is_empty() {
                    parts.push(format!("reduces {}", pointers(&self.unreduced)));
                }
                if !self.released.is_empty() {
                    parts.push(format!("withholds {}", pointers(&self.released)));
                }
                if !parts.is_empty() {
                    write!(f, ", which {}", parts.join(" and "))?;
                }
            }
            _ => {}
        }
        let own = self.edit.clause();
        let effects: Vec<String> = self
            .stops
            .iter()
            .filter(|c| Some(*c) != own)
            .map(|c| format!("{c} would no longer apply"))
            .chain(
                self.starts
                    .iter()
                    .filter(|c| Some(*c) != own)
                    .map(|c| format!("{c} would apply")),
            )
            .collect();
        if !effects.is_empty() {
            write!(f, " ({})", effects.join("; "))?;
        }
        write!(f, ": {}", result(&self.decision))
    }
}

/// A decision in words, with the changes that would improve it.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The decision explained.
    pub decision: Decision,
    /// Why, one sentence per reason that counted.
    pub why: Vec<String>,
    /// What would have to change, one change each, every one tried; empty
    /// for a full release, or when nothing tried would help.
    pub changes: Vec<Change>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.decision;
        let verdict = match d.outcome {
            Outcome::Release => "may be released in full",
            Outcome::PartialRelease => "may be released in part",
            Outcome::Deny => "may not be released",
            Outcome::Refer => "must be referred to the originator",
        };
        writeln!(
            f,
            "Record {} (version {}) {verdict} by {} to {} for {} at {}.",
            d.record_id, d.record_version, d.from, d.to, d.purpose, d.at
        )?;
        if !self.why.is_empty() {
            writeln!(f, "Why:")?;
            for w in &self.why {
                writeln!(f, "  - {w}")?;
            }
        }
        if !self.changes.is_empty() {
            writeln!(f, "What would have to change:")?;
            for c in &self.changes {
                writeln!(f, "  - {c}")?;
            }
        } else if d.outcome != Outcome::Release {
            writeln!(
                f,
                "No single change tried (the purpose or the time; the record's classification, TLP, caveats, `releasable_to`, purposes, review or consents, or entities left out; an agreement's suspension, end, conditions, withholdings, transformations, classes or deny and refer clauses) would improve the decision."
            )?;
        }
        Ok(())
    }
}

/// The outcome a change leads to, in words.
fn result(d: &Decision) -> String {
    match d.outcome {
        Outcome::Release => "it could be released in full".to_owned(),
        Outcome::PartialRelease => {
            let mut s = format!(
                "it could be released with {} field{} withheld",
                d.withheld.len(),
                if d.withheld.len() == 1 { "" } else { "s" }
            );
            if !d.transformations.is_empty() {
                s.push_str(&format!(
                    ", transformed by {}",
                    d.transformations
                        .iter()
                        .map(|t| format!("`{}`", t.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            s
        }
        Outcome::Refer => "it would be referred to the originator".to_owned(),
        Outcome::Deny => "it would still be refused".to_owned(),
    }
}

impl PolicySet {
    /// Decides, then explains the decision: why, and which single change
    /// would improve it. Each change is made and decided again, and given
    /// only when the new decision is better: another purpose or time; a
    /// lower classification or TLP, a caveat lifted, the recipient or the
    /// purpose added to the marking, a review, a consent recorded, entities
    /// of one kind left out; or, in an agreement, a suspension or end
    /// lifted, a condition of a release clause removed, a `withhold` entry
    /// or a transformation removed or a class added, a deny or refer clause
    /// removed. Each names the clause and the entry it concerns, and the
    /// clauses that would stop or start applying.
    pub fn explain(
        &self,
        record: &Record,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Explanation {
        self.explain_in_context(record, recipient, purpose, at, &RequestContext::default())
    }

    /// [`PolicySet::explain`] for a release in a stated request context
    /// (see [`PolicySet::decide_in_context`]): the decision and every
    /// change tried are decided in that context.
    pub fn explain_in_context(
        &self,
        record: &Record,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        request: &RequestContext,
    ) -> Explanation {
        let decision =
            self.decide_in_context(record, record.digest(), recipient, purpose, at, request);
        let not_applicable = self.not_applicable(record, recipient, purpose, at, request);
        let mut why: Vec<String> = decision
            .reasons
            .iter()
            .chain(not_applicable.iter())
            .filter(|r| {
                r.effect != crate::decision::ReasonEffect::NotApplicable
                    || decision.outcome == Outcome::Deny
            })
            .map(|r| {
                let whose = match (&r.agreement, r.version, &r.clause) {
                    (Some(a), Some(v), Some(c)) => {
                        format!("agreement `{a}` version {v}, clause `{c}`: ")
                    }
                    (Some(a), Some(v), None) => format!("agreement `{a}` version {v}: "),
                    (Some(a), None, _) => format!("agreement `{a}`: "),
                    _ => String::new(),
                };
                format!("{whose}{}", r.message)
            })
            .collect();
        let trial = edit::Trial {
            set: self,
            record,
            recipient,
            purpose,
            at,
            base: &decision,
            not_applicable: &not_applicable,
            request,
        };
        let changes = trial.changes();
        why.extend(changes.iter().filter_map(responsibility));
        Explanation {
            decision,
            why,
            changes,
        }
    }
}

/// What a change shows to be responsible for a withheld or reduced field.
fn responsibility(c: &Change) -> Option<String> {
    match &c.edit {
        Edit::RemoveWithhold { clause, entry } if !c.released.is_empty() => Some(format!(
            "{clause}: the `withhold` entry `{entry}` withholds {}",
            pointers(&c.released)
        )),
        Edit::RemoveTransformation {
            clause,
            transformation,
        } => {
            let mut parts = Vec::new();
            if !c.unreduced.is_empty() {
                parts.push(format!("reduces {}", pointers(&c.unreduced)));
            }
            if !c.released.is_empty() {
                parts.push(format!("withholds {}", pointers(&c.released)));
            }
            (!parts.is_empty()).then(|| {
                format!(
                    "{clause}: the transformation `{}` {}",
                    transformation.as_str(),
                    parts.join(" and ")
                )
            })
        }
        _ => None,
    }
}

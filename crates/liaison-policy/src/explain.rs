//! What would have to change for a refused, referred or partial release to
//! go through, found by deciding again with one thing changed at a time.

use std::fmt;

use liaison_record::{
    AgencyId, Classification, Consent, EntityKind, Party, Purpose, Record, Timestamp, Tlp,
};

use crate::compile::PolicySet;
use crate::decision::{Decision, Outcome, ReasonEffect};
use crate::engine::word;

/// A decision in words, with the changes that would lead to a release.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The decision explained.
    pub decision: Decision,
    /// Why, one sentence per reason that counted.
    pub why: Vec<String>,
    /// What would have to change, one sentence each; empty for a full
    /// release, or when nothing tried would help.
    pub changes: Vec<String>,
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
                "No single change tried (purpose, classification, TLP, caveats, consent, withholding entities) would lead to a release."
            )?;
        }
        Ok(())
    }
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Deny => 0,
        Outcome::Refer => 1,
        Outcome::PartialRelease => 2,
        Outcome::Release => 3,
    }
}

fn result(d: &Decision) -> String {
    match d.outcome {
        Outcome::Release => "it could be released in full".to_owned(),
        Outcome::PartialRelease => format!(
            "it could be released with {} field{} withheld",
            d.withheld.len(),
            if d.withheld.len() == 1 { "" } else { "s" }
        ),
        Outcome::Refer => "it would be referred to the originator".to_owned(),
        Outcome::Deny => "it would still be refused".to_owned(),
    }
}

impl PolicySet {
    /// Decides, then explains the decision: why, and what single change
    /// (another purpose, a lower classification or TLP, a caveat lifted, the
    /// originator's consent, entities withheld) would improve it.
    pub fn explain(
        &self,
        record: &Record,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Explanation {
        let decision = self.decide(record, recipient, purpose, at);
        let not_applicable = self.not_applicable(record, recipient, purpose, at);
        let why = decision
            .reasons
            .iter()
            .chain(not_applicable.iter())
            .filter(|r| {
                r.effect != ReasonEffect::NotApplicable || decision.outcome == Outcome::Deny
            })
            .map(|r| {
                let whose = match (&r.agreement, &r.clause) {
                    (Some(a), Some(c)) => format!("agreement `{a}`, clause `{c}`: "),
                    (Some(a), None) => format!("agreement `{a}`: "),
                    _ => String::new(),
                };
                format!("{whose}{}", r.message)
            })
            .collect();
        let mut changes = Vec::new();
        if decision.outcome != Outcome::Release {
            let base = rank(decision.outcome);
            let mut try_change = |description: String, r: &Record, p: &Purpose| {
                let d = self.decide(r, recipient, p, at);
                if rank(d.outcome) > base {
                    changes.push(format!("{description}: {}", result(&d)));
                }
            };
            for p in self.purposes_for(&decision.from, recipient, at) {
                if &p != purpose {
                    try_change(format!("for the purpose `{p}` instead"), record, &p);
                }
            }
            let m = &record.marking;
            for c in [
                Classification::Unclassified,
                Classification::Restricted,
                Classification::Confidential,
                Classification::Secret,
            ] {
                if c < m.classification {
                    let mut r = record.clone();
                    r.marking.classification = c;
                    try_change(
                        format!("if the originator downgraded the record to `{}`", word(&c)),
                        &r,
                        purpose,
                    );
                }
            }
            for t in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
                if t < m.tlp {
                    let mut r = record.clone();
                    r.marking.tlp = t;
                    try_change(
                        format!(
                            "if the originator relabelled the record TLP:{}",
                            word(&t).to_uppercase()
                        ),
                        &r,
                        purpose,
                    );
                }
            }
            for (i, caveat) in m.caveats.iter().enumerate() {
                let mut r = record.clone();
                r.marking.caveats.remove(i);
                try_change(
                    format!("if the originator lifted the caveat `{caveat}`"),
                    &r,
                    purpose,
                );
            }
            if !m.releasable_to.is_empty() && !m.releasable_to.iter().any(|p| p.includes(recipient))
            {
                let mut r = record.clone();
                r.marking
                    .releasable_to
                    .push(Party::Agency(recipient.clone()));
                try_change(
                    format!(
                        "if the originator added `{recipient}` to the marking's `releasable_to`"
                    ),
                    &r,
                    purpose,
                );
            }
            if !m.purposes.is_empty() && !m.purposes.contains(purpose) {
                let mut r = record.clone();
                r.marking.purposes.push(purpose.clone());
                try_change(
                    format!("if the originator allowed the purpose `{purpose}` in the marking"),
                    &r,
                    purpose,
                );
            }
            if let Some(last) = record.provenance.len().checked_sub(1) {
                let mut r = record.clone();
                if let Some(entry) = r.provenance.get_mut(last) {
                    entry.consents.push(Consent::new(
                        record.originator.clone(),
                        Party::Agency(recipient.clone()),
                        at,
                    ));
                }
                try_change(
                    format!(
                        "with the recorded consent of the originator `{}` to pass it to `{recipient}`",
                        record.originator
                    ),
                    &r,
                    purpose,
                );
            }
            let mut kinds: Vec<EntityKind> = record.entities.iter().map(|e| e.kind()).collect();
            kinds.sort();
            kinds.dedup();
            for k in kinds {
                let mut r = record.clone();
                r.entities.retain(|e| e.kind() != k);
                try_change(
                    format!("if the `{}` entities were left out of the record", word(&k)),
                    &r,
                    purpose,
                );
            }
        }
        if decision.outcome == Outcome::PartialRelease {
            for class in &decision.withheld_classes {
                changes.push(format!(
                    "the `{}` fields are withheld: an agreement clause would have to list the class `{}` (or the fields' paths) for them to go",
                    word(class),
                    word(class)
                ));
            }
            for t in &decision.transformations {
                changes.push(format!(
                    "the transformation `{}` is applied to the copy",
                    t.as_str()
                ));
            }
        }
        Explanation {
            decision,
            why,
            changes,
        }
    }
}

//! Making one change and deciding again: the candidates an explanation
//! tries, how each is made, and when the new decision is better.

use liaison_record::{AgencyId, Purpose};
use liaison_record::{
    CalendarDate, Classification, Consent, EntityKind, FieldClass, Party, Record, Timestamp, Tlp,
};

use super::{Change, ClauseName, ConsentPlace, Edit};
use crate::agreement::{Agreement, Clause, Conditions, Effect, pattern_covers};
use crate::compile::{PolicySet, Standing};
use crate::decision::{Decision, Outcome, Reason, ReasonEffect, Rule};
use crate::engine::holder;
use crate::request::RequestContext;

/// The request an explanation is about, with its decision.
pub(super) struct Trial<'a> {
    pub(super) set: &'a PolicySet,
    pub(super) record: &'a Record,
    pub(super) recipient: &'a AgencyId,
    pub(super) purpose: &'a Purpose,
    pub(super) at: Timestamp,
    pub(super) base: &'a Decision,
    pub(super) not_applicable: &'a [Reason],
    pub(super) request: &'a RequestContext,
}

/// The conditions of a release clause that concern the record's content
/// and source (its marking has edits of its own), as written in `when`.
const CONDITIONS: &[&str] = &[
    "entity_kinds",
    "only_entity_kinds",
    "min_source_reliability",
    "min_information_credibility",
    "max_source_reliability",
    "max_information_credibility",
    "max_age_days",
    "min_age_days",
    "source_types",
    "source_agencies",
    "third_party_source",
    "data_subjects",
];

/// Removes one condition; false when the clause does not have it.
fn remove_condition(w: &mut Conditions, key: &str) -> bool {
    fn take<T>(v: &mut Vec<T>) -> bool {
        let had = !v.is_empty();
        v.clear();
        had
    }
    fn none<T>(v: &mut Option<T>) -> bool {
        v.take().is_some()
    }
    match key {
        "entity_kinds" => take(&mut w.entity_kinds),
        "only_entity_kinds" => take(&mut w.only_entity_kinds),
        "min_source_reliability" => none(&mut w.min_source_reliability),
        "min_information_credibility" => none(&mut w.min_information_credibility),
        "max_source_reliability" => none(&mut w.max_source_reliability),
        "max_information_credibility" => none(&mut w.max_information_credibility),
        "max_age_days" => none(&mut w.max_age_days),
        "min_age_days" => none(&mut w.min_age_days),
        "source_types" => take(&mut w.source_types),
        "source_agencies" => take(&mut w.source_agencies),
        "third_party_source" => none(&mut w.third_party_source),
        "data_subjects" => take(&mut w.data_subjects),
        _ => false,
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

/// How a field goes: 0 withheld, 1 transformed, 2 whole. A pointer
/// beneath a withheld or transformed one shares its state.
fn field_state(d: &Decision, pointer: &str) -> u8 {
    if d.withheld.iter().any(|w| pattern_covers(w, pointer)) {
        0
    } else if d.transformed.iter().any(|t| pattern_covers(t, pointer)) {
        1
    } else {
        2
    }
}

/// Whether `after` lets more go than `before` and nothing less: a better
/// outcome, or the same partial release with every field going at least
/// as whole and one more so.
fn better(before: &Decision, after: &Decision, same_fields: bool) -> bool {
    if rank(after.outcome) != rank(before.outcome) {
        return rank(after.outcome) > rank(before.outcome);
    }
    if before.outcome != Outcome::PartialRelease || !same_fields {
        return false;
    }
    let mut gained = false;
    for p in before
        .withheld
        .iter()
        .chain(&before.transformed)
        .chain(&after.withheld)
        .chain(&after.transformed)
    {
        let (b, a) = (field_state(before, p), field_state(after, p));
        if a < b {
            return false;
        }
        gained |= a > b;
    }
    gained || after.transformations.len() < before.transformations.len()
}

/// The clauses that applied with one of `effects`.
fn applying(d: &Decision, effects: &[ReasonEffect]) -> Vec<ClauseName> {
    d.reasons
        .iter()
        .filter(|r| {
            matches!(r.rule, Rule::Clause | Rule::EvaluationError) && effects.contains(&r.effect)
        })
        .filter_map(name)
        .collect()
}

fn name(r: &Reason) -> Option<ClauseName> {
    Some(ClauseName {
        agreement: r.agreement.clone()?,
        version: r.version?,
        clause: r.clause.clone()?,
    })
}

const BLOCKING: &[ReasonEffect] = &[ReasonEffect::Deny, ReasonEffect::Refer];

impl Trial<'_> {
    /// Every change tried that improves the decision, in the order tried.
    pub(super) fn changes(&self) -> Vec<Change> {
        let base = self.base;
        if base.outcome == Outcome::Release {
            return Vec::new();
        }
        let mut out: Vec<Change> = Vec::new();
        for edit in self.request_edits() {
            self.keep(edit, &mut out);
        }
        for edit in self.agreement_standing_edits() {
            self.keep(edit, &mut out);
        }
        for edit in self.marking_edits() {
            self.keep(edit, &mut out);
        }
        for edit in self.condition_edits() {
            self.keep(edit, &mut out);
        }
        if base.outcome == Outcome::PartialRelease {
            self.release_edits(&mut out);
        }
        // A deny or refer clause no other change escapes: what removing it
        // would give.
        for clause in applying(base, BLOCKING) {
            if out.iter().any(|c| c.stops.contains(&clause)) {
                continue;
            }
            let Some(effect) = self.source_clause(&clause).map(|(_, c)| c.effect) else {
                continue;
            };
            self.keep(Edit::RemoveClause { clause, effect }, &mut out);
        }
        out
    }

    /// Makes the edit and keeps it when the decision is better.
    fn keep(&self, edit: Edit, out: &mut Vec<Change>) -> bool {
        let Some(after) = self.decide(&edit) else {
            return false;
        };
        let same_fields = !matches!(edit, Edit::LeaveOut(_));
        if !better(self.base, &after, same_fields) {
            return false;
        }
        let before = self.base;
        let released: Vec<String> = before
            .withheld
            .iter()
            .filter(|p| same_fields && field_state(&after, p) > 0)
            .cloned()
            .collect();
        let unreduced: Vec<String> = before
            .transformed
            .iter()
            .filter(|p| same_fields && field_state(&after, p) == 2)
            .cloned()
            .collect();
        let was_blocking = applying(before, BLOCKING);
        let still_blocking = applying(&after, BLOCKING);
        let was_releasing = applying(before, &[ReasonEffect::Release]);
        out.push(Change {
            stops: was_blocking
                .into_iter()
                .filter(|c| !still_blocking.contains(c))
                .collect(),
            starts: applying(&after, &[ReasonEffect::Release])
                .into_iter()
                .filter(|c| !was_releasing.contains(c))
                .collect(),
            edit,
            released,
            unreduced,
            decision: after,
        });
        true
    }

    /// The agreement and clause a name refers to.
    fn source_clause(&self, name: &ClauseName) -> Option<(&Agreement, &Clause)> {
        let a = self
            .set
            .agreements()
            .find(|a| a.id == name.agreement && a.version == name.version)?;
        let c = a.clauses.iter().find(|c| c.id == name.clause)?;
        Some((a, c))
    }

    /// Another purpose, or a time when the request can be decided.
    fn request_edits(&self) -> Vec<Edit> {
        let mut out: Vec<Edit> = self
            .set
            .purposes_for(holder(self.record), self.recipient, self.at)
            .into_iter()
            .filter(|p| p != self.purpose)
            .map(Edit::Purpose)
            .collect();
        let r = self.record;
        let latest = r
            .provenance
            .iter()
            .map(|e| e.at)
            .chain([r.created, r.modified])
            .max();
        if let Some(t) = latest
            && t > self.at
        {
            out.push(Edit::DecideAtRelease(t));
        }
        for a in self.candidate_agreements() {
            if a.standing(self.at) == Standing::NotYet {
                out.push(Edit::DecideAt {
                    at: a.source.valid_from,
                    agreement: a.source.id.clone(),
                    version: a.source.version,
                });
            }
        }
        out
    }

    /// The agreements with a clause that could concern the request.
    fn candidate_agreements(&self) -> Vec<&crate::compile::CompiledAgreement> {
        let mut seen: Vec<u32> = Vec::new();
        self.set
            .candidates(holder(self.record), self.recipient, self.purpose)
            .iter()
            .filter(|r| {
                let new = !seen.contains(&r.agreement);
                seen.push(r.agreement);
                new
            })
            .filter_map(|r| self.set.clause(*r).map(|(a, _)| a))
            .collect()
    }

    /// A suspension, termination or end lifted.
    fn agreement_standing_edits(&self) -> Vec<Edit> {
        self.candidate_agreements()
            .into_iter()
            .filter_map(|a| {
                let (agreement, version) = (a.source.id.clone(), a.source.version);
                match a.standing(self.at) {
                    Standing::Suspended(since) => Some(Edit::LiftSuspension {
                        agreement,
                        version,
                        since,
                    }),
                    Standing::Terminated(at) => Some(Edit::LiftTermination {
                        agreement,
                        version,
                        at,
                    }),
                    Standing::Expired(expired) => Some(Edit::Extend {
                        agreement,
                        version,
                        expired,
                        at: self.at,
                    }),
                    _ => None,
                }
            })
            .collect()
    }

    /// What the originator could change in the record.
    fn marking_edits(&self) -> Vec<Edit> {
        let r = self.record;
        let m = &r.marking;
        let mut out = Vec::new();
        // The least change first: the highest classification and TLP below.
        for c in [
            Classification::Secret,
            Classification::Confidential,
            Classification::Restricted,
            Classification::Unclassified,
        ] {
            if c < m.classification {
                out.push(Edit::Classification(c));
            }
        }
        for t in [Tlp::AmberStrict, Tlp::Amber, Tlp::Green, Tlp::Clear] {
            if t < m.tlp {
                out.push(Edit::Tlp(t));
            }
        }
        out.extend(m.caveats.iter().cloned().map(Edit::LiftCaveat));
        let named = m
            .releasable_to
            .iter()
            .any(|p| *p == Party::Agency(self.recipient.clone()));
        let included = m.releasable_to.iter().any(|p| p.includes(self.recipient));
        if (!m.releasable_to.is_empty() && !included) || (m.tlp == Tlp::Red && !named) {
            out.push(Edit::ReleasableTo(self.recipient.clone()));
        }
        if !m.purposes.is_empty() && !m.purposes.contains(self.purpose) {
            out.push(Edit::MarkingPurpose(self.purpose.clone()));
        }
        let today = CalendarDate::from_date(self.at.to_offset_date_time().date());
        if m.review_by.is_some_and(|d| d.to_date() < today.to_date()) {
            out.push(Edit::Review(today));
        }
        if let Some(last) = r.provenance.len().checked_sub(1) {
            out.push(Edit::Consent {
                by: r.originator.clone(),
                to: self.recipient.clone(),
                place: ConsentPlace::Provenance(last),
            });
        }
        if let Some(third) = crate::marking::third_party(r)
            && third != self.recipient
        {
            out.push(Edit::Consent {
                by: third.clone(),
                to: self.recipient.clone(),
                place: ConsentPlace::Source,
            });
        }
        // An alert's issuer consents where the record keeps consents: with
        // its source, or else in the last release.
        let place = match (&r.source, r.provenance.len().checked_sub(1)) {
            (Some(_), _) => Some(ConsentPlace::Source),
            (None, Some(last)) => Some(ConsentPlace::Provenance(last)),
            (None, None) => None,
        };
        for issuer in crate::marking::alert_issuers(r, holder(r)) {
            if let (Party::Agency(by), Some(place)) = (issuer, place)
                && by != self.recipient
            {
                out.push(Edit::Consent {
                    by: by.clone(),
                    to: self.recipient.clone(),
                    place,
                });
            }
        }
        let mut kinds: Vec<EntityKind> = r.entities.iter().map(|e| e.kind()).collect();
        kinds.sort();
        kinds.dedup();
        out.extend(kinds.into_iter().map(Edit::LeaveOut));
        out
    }

    /// One condition removed from a release clause that does not apply.
    fn condition_edits(&self) -> Vec<Edit> {
        let mut out = Vec::new();
        for r in self.not_applicable {
            let (Some(clause), Rule::ClauseNotApplicable { condition: why }) = (name(r), &r.rule)
            else {
                continue;
            };
            let Some((_, c)) = self.source_clause(&clause) else {
                continue;
            };
            if c.effect != Effect::Release {
                continue;
            }
            for key in CONDITIONS {
                let mut w = c.when.clone();
                if remove_condition(&mut w, key) {
                    out.push(Edit::RemoveCondition {
                        clause: clause.clone(),
                        condition: key,
                        why: why.clone(),
                    });
                }
            }
        }
        out
    }

    /// For a partial release: each applicable release clause without one of
    /// its `withhold` entries or transformations, or with one more class.
    fn release_edits(&self, out: &mut Vec<Change>) {
        let mut classes_done: Vec<FieldClass> = Vec::new();
        for clause in applying(self.base, &[ReasonEffect::Release]) {
            let Some((_, c)) = self.source_clause(&clause) else {
                continue;
            };
            let Some(release) = &c.release else {
                continue;
            };
            for entry in &release.withhold {
                self.keep(
                    Edit::RemoveWithhold {
                        clause: clause.clone(),
                        entry: entry.clone(),
                    },
                    out,
                );
            }
            for t in &release.transform {
                self.keep(
                    Edit::RemoveTransformation {
                        clause: clause.clone(),
                        transformation: *t,
                    },
                    out,
                );
            }
            for class in &self.base.withheld_classes {
                if release.classes.contains(class)
                    || classes_done.contains(class)
                    || *class == FieldClass::Control
                {
                    continue;
                }
                let edit = Edit::AddClass {
                    clause: clause.clone(),
                    class: *class,
                };
                if self.keep(edit, out) {
                    classes_done.push(*class);
                }
            }
        }
    }

    /// A decision in the request's context.
    fn run(
        &self,
        set: &PolicySet,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Decision {
        set.decide_in_context(record, record.digest(), to, purpose, at, self.request)
    }

    /// The decision with the edit made; `None` when what it names is gone.
    fn decide(&self, edit: &Edit) -> Option<Decision> {
        let (set, record, to, purpose, at) =
            (self.set, self.record, self.recipient, self.purpose, self.at);
        match edit {
            Edit::Purpose(p) => Some(self.run(set, record, to, p, at)),
            Edit::DecideAt { at, .. } | Edit::DecideAtRelease(at) => {
                Some(self.run(set, record, to, purpose, *at))
            }
            Edit::Classification(_)
            | Edit::Tlp(_)
            | Edit::LiftCaveat(_)
            | Edit::ReleasableTo(_)
            | Edit::MarkingPurpose(_)
            | Edit::Review(_)
            | Edit::Consent { .. }
            | Edit::LeaveOut(_) => {
                let mut r = record.clone();
                edit_record(&mut r, edit, at)?;
                Some(self.run(set, &r, to, purpose, at))
            }
            _ => {
                let mut agreements: Vec<Agreement> = set.agreements().cloned().collect();
                edit_agreements(&mut agreements, edit)?;
                Some(self.run(&PolicySet::new(agreements), record, to, purpose, at))
            }
        }
    }
}

fn edit_record(r: &mut Record, edit: &Edit, at: Timestamp) -> Option<()> {
    let m = &mut r.marking;
    match edit {
        Edit::Classification(c) => m.classification = *c,
        Edit::Tlp(t) => m.tlp = *t,
        Edit::LiftCaveat(c) => m.caveats.retain(|x| x != c),
        Edit::ReleasableTo(a) => m.releasable_to.push(Party::Agency(a.clone())),
        Edit::MarkingPurpose(p) => m.purposes.push(p.clone()),
        Edit::Review(d) => m.review_by = Some(*d),
        Edit::Consent { by, to, place } => {
            let consent = Consent::new(by.clone(), Party::Agency(to.clone()), at);
            match place {
                ConsentPlace::Source => r.source.as_mut()?.consents.push(consent),
                ConsentPlace::Provenance(i) => r.provenance.get_mut(*i)?.consents.push(consent),
            }
        }
        Edit::LeaveOut(kind) => {
            let gone: Vec<uuid::Uuid> = r
                .entities
                .iter()
                .filter(|e| e.kind() == *kind)
                .map(|e| e.id())
                .collect();
            r.entities.retain(|e| e.kind() != *kind);
            r.relationships
                .retain(|l| !gone.contains(&l.source) && !gone.contains(&l.target));
        }
        _ => return None,
    }
    Some(())
}

fn find<'a>(agreements: &'a mut [Agreement], id: &str, version: u32) -> Option<&'a mut Agreement> {
    agreements
        .iter_mut()
        .find(|a| a.id == id && a.version == version)
}

fn edit_agreements(agreements: &mut [Agreement], edit: &Edit) -> Option<()> {
    if let Some(name) = edit.clause() {
        let a = find(agreements, &name.agreement, name.version)?;
        if let Edit::RemoveClause { .. } = edit {
            let before = a.clauses.len();
            a.clauses.retain(|c| c.id != name.clause);
            return (a.clauses.len() < before).then_some(());
        }
        let c = a.clauses.iter_mut().find(|c| c.id == name.clause)?;
        match edit {
            Edit::RemoveWithhold { entry, .. } => {
                c.release.as_mut()?.withhold.retain(|w| w != entry);
            }
            Edit::RemoveTransformation { transformation, .. } => {
                c.release
                    .as_mut()?
                    .transform
                    .retain(|t| t != transformation);
            }
            Edit::AddClass { class, .. } => c.release.as_mut()?.classes.push(*class),
            Edit::RemoveCondition { condition, .. } => {
                remove_condition(&mut c.when, condition).then_some(())?;
            }
            _ => return None,
        }
        return Some(());
    }
    match edit {
        Edit::LiftSuspension {
            agreement, version, ..
        } => find(agreements, agreement, *version)?.suspended_from = None,
        Edit::LiftTermination {
            agreement, version, ..
        } => find(agreements, agreement, *version)?.terminated_at = None,
        Edit::Extend {
            agreement, version, ..
        } => find(agreements, agreement, *version)?.valid_until = None,
        _ => return None,
    }
    Some(())
}

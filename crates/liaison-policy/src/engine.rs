//! Deciding: default deny, deny and refer override release, the record's
//! marking and provenance only narrow, and any evaluation error denies.

use std::borrow::Cow;

use liaison_record::{
    AgencyId, Digest, Entity, EntityKind, FieldClass, Obligations, Purpose, Record, Timestamp,
};
use uuid::Uuid;

use crate::agreement::{Effect, Transformation};
use crate::compile::{
    ClauseRef, CompiledAgreement, CompiledClause, PolicySet, PurposeIndex, Standing, class_bit,
    kind_bit,
};
use crate::decision::{Decision, Outcome, Reason, ReasonEffect, Reidentified, Rule};
use crate::marking;
use crate::pattern::{Pattern, Segments};
use crate::request::RequestContext;

/// What the engine knows about a record before looking at clauses.
pub(crate) struct Facts<'r> {
    pub(crate) record: &'r Record,
    pub(crate) kinds: u16,
    /// Whole days since creation; `None` when created after the evaluation time.
    pub(crate) age_days: Option<i64>,
    /// The third agency whose information the record carries, if any.
    pub(crate) third_party: Option<&'r AgencyId>,
    /// The request the decision answers.
    pub(crate) request: &'r RequestContext,
}

impl<'r> Facts<'r> {
    pub(crate) fn of(record: &'r Record, at: Timestamp, request: &'r RequestContext) -> Facts<'r> {
        let kinds = record
            .entities
            .iter()
            .fold(0u16, |m, e| m | kind_bit(e.kind()));
        let age = at.to_offset_date_time() - record.created.to_offset_date_time();
        let age_days = (!age.is_negative()).then(|| age.whole_days());
        Facts {
            record,
            kinds,
            age_days,
            third_party: marking::third_party(record),
            request,
        }
    }
}

/// The result of evaluating one clause's conditions.
pub(crate) enum Eval {
    Applies,
    NotApplicable(String),
    Error(String),
}

/// Evaluates a clause's conditions; the reason a clause does not apply is
/// written out only when `detail` is asked for (deciding does not need it).
fn na(detail: bool, why: impl FnOnce() -> String) -> Eval {
    Eval::NotApplicable(if detail { why() } else { String::new() })
}

pub(crate) fn evaluate(c: &CompiledClause, f: &Facts<'_>, detail: bool) -> Eval {
    let m = &f.record.marking;
    if c.kinds_any != 0 && f.kinds & c.kinds_any == 0 {
        return na(detail, || {
            "the record describes none of the entity kinds the clause names".into()
        });
    }
    if c.kinds_only != 0 && (f.kinds == 0 || f.kinds & !c.kinds_only != 0) {
        return na(detail, || {
            "the record describes entity kinds outside the clause's `only_entity_kinds`".into()
        });
    }
    if let Some(max) = c.max_classification
        && m.classification > max
    {
        return na(detail, || {
            format!(
                "the record is classified `{}`, above the ceiling `{}`",
                cw(m.classification),
                cw(max)
            )
        });
    }
    if let Some(min) = c.min_classification
        && m.classification < min
    {
        return na(detail, || {
            format!(
                "the record is classified `{}`, below `{}`",
                cw(m.classification),
                cw(min)
            )
        });
    }
    if let Some(max) = c.max_tlp
        && m.tlp > max
    {
        return na(detail, || {
            format!("the record is TLP:{}, above TLP:{}", tw(m.tlp), tw(max))
        });
    }
    if let Some(min) = c.min_tlp
        && m.tlp < min
    {
        return na(detail, || {
            format!("the record is TLP:{}, below TLP:{}", tw(m.tlp), tw(min))
        });
    }
    if !c.caveats_any.is_empty() && !c.caveats_any.iter().any(|x| m.caveats.contains(x)) {
        return na(detail, || {
            "the record carries none of the caveats the clause names".into()
        });
    }
    if let Some(x) = c.caveats_none.iter().find(|x| m.caveats.contains(x)) {
        return na(detail, || format!("the record carries the caveat `{x}`"));
    }
    if let Some(min) = c.min_reliability {
        match f.record.assessment.source_reliability {
            Some(r) if r <= min => {}
            Some(r) => {
                return na(detail, || {
                    format!(
                        "the source is graded `{}`, less reliable than `{}`",
                        rw(r),
                        rw(min)
                    )
                });
            }
            None => return na(detail, || "the source is not graded".into()),
        }
    }
    if let Some(min) = c.min_credibility {
        match f.record.assessment.information_credibility {
            Some(r) if r <= min => {}
            Some(r) => {
                return na(detail, || {
                    format!(
                        "the information is graded `{}`, less credible than `{}`",
                        crw(r),
                        crw(min)
                    )
                });
            }
            None => return na(detail, || "the information is not graded".into()),
        }
    }
    if let Some(max) = c.max_reliability
        && let Some(r) = f.record.assessment.source_reliability
        && r < max
    {
        return na(detail, || {
            format!(
                "the source is graded `{}`, more reliable than `{}`",
                rw(r),
                rw(max)
            )
        });
    }
    if let Some(max) = c.max_credibility
        && let Some(r) = f.record.assessment.information_credibility
        && r < max
    {
        return na(detail, || {
            format!(
                "the information is graded `{}`, more credible than `{}`",
                crw(r),
                crw(max)
            )
        });
    }
    if !c.source_types.is_empty() {
        match &f.record.source {
            Some(s) if c.source_types.contains(&s.source_type) => {}
            Some(s) => {
                return na(detail, || {
                    format!("the source is of type `{}`", word(&s.source_type))
                });
            }
            None => return na(detail, || "the record names no source".into()),
        }
    }
    if !c.source_agencies.is_empty() {
        let from = f
            .record
            .source
            .as_ref()
            .and_then(|s| s.agency.as_ref())
            .unwrap_or(&f.record.originator);
        if !c.source_agencies.contains(from) {
            return na(detail, || format!("the information comes from `{from}`"));
        }
    }
    if let Some(third) = c.third_party_source
        && third != f.third_party.is_some()
    {
        return na(detail, || {
            if third {
                "the record carries no third agency's information".into()
            } else {
                "the record carries a third agency's information".into()
            }
        });
    }
    if !c.data_subjects.is_empty()
        && !f.record.entities.iter().any(|e| {
            matches!(e, Entity::Person(p) if p.data_subject.is_some_and(|d| c.data_subjects.contains(&d)))
        })
    {
        return na(detail, || {
            "the record describes no person of the data-subject categories the clause names".into()
        });
    }
    let mut special = f.record.entities.iter().flat_map(|e| match e {
        Entity::Person(p) => p.special_categories.as_slice(),
        _ => &[],
    });
    match c.effect {
        // A release clause lets special-category data go only when it names
        // every category the record holds (art. 10: strictly necessary).
        Effect::Release => {
            if let Some(x) = special.find(|x| !c.special_categories.contains(x)) {
                return na(detail, || {
                    format!(
                        "the record holds special-category data (`{}`) the clause does not name",
                        word(x)
                    )
                });
            }
        }
        Effect::Deny | Effect::Refer => {
            if !c.special_categories.is_empty()
                && !special.any(|x| c.special_categories.contains(x))
            {
                return na(detail, || {
                    "the record holds none of the special categories the clause names".into()
                });
            }
        }
    }
    if !c.request_kinds.is_empty() && !c.request_kinds.contains(&f.request.kind) {
        return na(detail, || {
            format!("the release is {}", f.request.kind.as_str())
        });
    }
    if !c.urgencies.is_empty() {
        match f.request.urgency {
            Some(u) if c.urgencies.contains(&u) => {}
            Some(u) => return na(detail, || format!("the request is `{}`", u.as_str())),
            None => {
                return na(detail, || {
                    "the release answers no request of a stated urgency".into()
                });
            }
        }
    }
    if c.min_age_days.is_some() || c.max_age_days.is_some() {
        let Some(age) = f.age_days else {
            return Eval::Error(
                "the record was created after the evaluation time, so its age is unknown".into(),
            );
        };
        if let Some(max) = c.max_age_days
            && age > i64::from(max)
        {
            return na(detail, || {
                format!("the record is {age} days old, more than {max}")
            });
        }
        if let Some(min) = c.min_age_days
            && age < i64::from(min)
        {
            return na(detail, || {
                format!("the record is {age} days old, less than {min}")
            });
        }
    }
    Eval::Applies
}

fn cw(c: liaison_record::Classification) -> &'static str {
    crate::schema::CLASSIFICATIONS
        .get(c as usize)
        .copied()
        .unwrap_or("?")
}

/// A field class's word, as [`word`] writes it.
fn class_word(c: FieldClass) -> &'static str {
    crate::schema::FIELD_CLASSES
        .get(c as usize)
        .copied()
        .unwrap_or("?")
}

fn tw(t: liaison_record::Tlp) -> &'static str {
    crate::schema::TLPS.get(t as usize).copied().unwrap_or("?")
}

fn rw(r: liaison_record::SourceReliability) -> &'static str {
    crate::schema::RELIABILITIES
        .get(r as usize)
        .copied()
        .unwrap_or("?")
}

fn crw(r: liaison_record::InformationCredibility) -> &'static str {
    crate::schema::CREDIBILITIES
        .get(r as usize)
        .copied()
        .unwrap_or("?")
}

/// A serde enum's word as written in agreements and records.
pub(crate) fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}

impl PolicySet {
    /// Decides whether `record` may go to `recipient` for `purpose` at `at`.
    ///
    /// The releasing agency is the record's holder: the recipient of the
    /// last release in its provenance, or its originator. The answer never
    /// fails: anything that cannot be evaluated is a refusal, with the
    /// reason said.
    pub fn decide(
        &self,
        record: &Record,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Decision {
        self.decide_with_digest(record, record.digest(), recipient, purpose, at)
    }

    /// [`PolicySet::decide`] for a caller that already holds the record's
    /// digest ([`Record::digest`]), which is written into the decision
    /// unchecked; a wrong digest makes [`crate::redact`] refuse the decision.
    pub fn decide_with_digest(
        &self,
        record: &Record,
        record_digest: Digest,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Decision {
        self.decide_in_context(
            record,
            record_digest,
            recipient,
            purpose,
            at,
            &RequestContext::default(),
        )
    }

    /// [`PolicySet::decide_with_digest`] for a release in a stated request
    /// context: spontaneous or on request, with a case reference and an
    /// urgency. Clauses may condition on it (`request_kinds`,
    /// `urgencies`); the decision carries it, with the time the request
    /// must be answered by. A context that contradicts itself is refused.
    pub fn decide_in_context(
        &self,
        record: &Record,
        record_digest: Digest,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        request: &RequestContext,
    ) -> Decision {
        let holder = holder(record).clone();
        // Room for the reasons most decisions give, so that they are not
        // moved as they are written.
        let mut reasons = Vec::with_capacity(8);
        let mut obligations = Obligations::default();
        let mut blocked = marking::record_rules(
            record,
            &holder,
            recipient,
            purpose,
            at,
            &mut reasons,
            &mut obligations,
        );
        // A copy that could not validate is refused here, with its reason:
        // a release to the releasing agency itself, or at a time before the
        // record or one of its releases existed.
        if recipient == &holder {
            blocked = blocked.max(Some(Block::Deny));
            reasons.push(Reason {
                agreement: None,
                version: None,
                clause: None,
                rule: Rule::SelfRelease,
                effect: ReasonEffect::Deny,
                message: format!("`{holder}` cannot release the record to itself"),
            });
        }
        if let Some(message) = request.problem(at) {
            blocked = blocked.max(Some(Block::Deny));
            reasons.push(Reason {
                agreement: None,
                version: None,
                clause: None,
                rule: Rule::EvaluationError,
                effect: ReasonEffect::Deny,
                message: format!("the request context cannot be used: {message}"),
            });
        }
        if let Some(message) = time_problem(record, at) {
            blocked = blocked.max(Some(Block::Deny));
            reasons.push(Reason {
                agreement: None,
                version: None,
                clause: None,
                rule: Rule::EvaluationTime,
                effect: ReasonEffect::Deny,
                message,
            });
        }

        let facts = Facts::of(record, at, request);
        let candidates = self.candidates(&holder, recipient, purpose);
        let mut deny = false;
        let mut refer = false;
        let mut releases: Vec<(&CompiledAgreement, &CompiledClause)> = Vec::new();
        let mut not_applicable = 0usize;
        let mut any_in_force = false;
        let mut last_agreement = u32::MAX;
        let mut agreement_error: Option<String> = None;
        let mut in_force = false;
        for r in candidates.iter() {
            let Some((a, c)) = self.clause(*r) else {
                continue;
            };
            if r.agreement != last_agreement {
                last_agreement = r.agreement;
                agreement_error = unknown_caveat(a, record);
                let standing = a.standing(at);
                in_force = matches!(standing, Standing::InForce | Standing::Conflict);
                if standing == Standing::Conflict {
                    agreement_error = Some(format!(
                        "two different agreements are given as `{}` version {}; remove one or give it a new version",
                        a.source.id, a.source.version
                    ));
                }
                if in_force {
                    any_in_force = true;
                } else {
                    reasons.push(Reason {
                        agreement: Some(a.source.id.clone()),
                        version: Some(a.source.version),
                        clause: None,
                        rule: match standing {
                            Standing::Superseded(v) => Rule::Superseded { by_version: v },
                            _ => Rule::OutsideValidity,
                        },
                        effect: ReasonEffect::NotApplicable,
                        message: standing_message(a, standing, at),
                    });
                }
            }
            if !in_force {
                continue;
            }
            let eval = match &agreement_error {
                Some(e) => Eval::Error(e.clone()),
                None => evaluate(c, &facts, false),
            };
            let clause_reason = |rule, effect, message| Reason {
                agreement: Some(a.source.id.clone()),
                version: Some(a.source.version),
                clause: Some(c.id.clone()),
                rule,
                effect,
                message,
            };
            match eval {
                Eval::Error(e) => {
                    deny = true;
                    reasons.push(clause_reason(
                        Rule::EvaluationError,
                        ReasonEffect::Deny,
                        format!("cannot evaluate the clause, so the release is refused: {e}"),
                    ));
                }
                Eval::NotApplicable(_) => not_applicable += 1,
                Eval::Applies => match c.effect {
                    Effect::Deny => {
                        deny = true;
                        reasons.push(clause_reason(
                            Rule::Clause,
                            ReasonEffect::Deny,
                            "applies and refuses the release".into(),
                        ));
                    }
                    Effect::Refer => {
                        refer = true;
                        reasons.push(clause_reason(
                            Rule::Clause,
                            ReasonEffect::Refer,
                            "applies and refers the release to the originator".into(),
                        ));
                    }
                    Effect::Release => {
                        releases.push((a, c));
                        reasons.push(clause_reason(
                            Rule::Clause,
                            ReasonEffect::Release,
                            "applies and allows the release".into(),
                        ));
                    }
                },
            }
        }

        if candidates.is_empty() {
            blocked = blocked.max(Some(Block::Deny));
            reasons.push(Reason {
                agreement: None,
                version: None,
                clause: None,
                rule: Rule::NoAgreement {
                    other_purposes: self
                        .purposes_for(&holder, recipient, at)
                        .into_iter()
                        .filter(|p| p != purpose)
                        .collect(),
                },
                effect: ReasonEffect::Deny,
                message: format!(
                    "no agreement lets `{holder}` release to `{recipient}` for `{purpose}`"
                ),
            });
        } else if !any_in_force {
            blocked = blocked.max(Some(Block::Deny));
            for r in reasons
                .iter_mut()
                .filter(|r| matches!(r.rule, Rule::OutsideValidity | Rule::Superseded { .. }))
            {
                r.effect = ReasonEffect::Deny;
            }
        }
        if deny {
            blocked = blocked.max(Some(Block::Deny));
        } else if refer {
            blocked = blocked.max(Some(Block::Refer));
        }
        if releases.is_empty() && blocked.is_none() {
            blocked = Some(Block::Deny);
            let ceiling = candidates
                .iter()
                .filter_map(|r| self.clause(*r))
                .filter(|(a, c)| c.effect == Effect::Release && a.in_force(at))
                .filter_map(|(_, c)| c.max_classification)
                .max();
            if let Some(ceiling) = ceiling
                && record.marking.classification > ceiling
            {
                reasons.push(Reason {
                    agreement: None,
                    version: None,
                    clause: None,
                    rule: Rule::Classification {
                        classification: record.marking.classification,
                        ceiling,
                    },
                    effect: ReasonEffect::Deny,
                    message: format!(
                        "the record is classified `{}`, above every release ceiling (at most `{}`)",
                        cw(record.marking.classification),
                        cw(ceiling)
                    ),
                });
            }
            reasons.push(Reason {
                agreement: None,
                version: None,
                clause: None,
                rule: Rule::NoApplicableClause,
                effect: ReasonEffect::Deny,
                message: format!(
                    "none of the {not_applicable} clause{} that could concern the request applies, so the release is refused (default deny)",
                    if not_applicable == 1 { "" } else { "s" }
                ),
            });
        }

        let mut decision = Decision {
            id: Uuid::new_v4(),
            outcome: Outcome::Deny,
            from: holder,
            to: recipient.clone(),
            purpose: purpose.clone(),
            at,
            record_id: record.id,
            record_version: record.version,
            record_digest,
            agreements_digest: self.digest,
            agreements: Vec::new(),
            withheld_classes: Vec::new(),
            withheld: Vec::new(),
            transformations: Vec::new(),
            transformed: Vec::new(),
            obligations: Obligations::default(),
            require_post_quantum: false,
            reidentified: Vec::new(),
            request: request.clone(),
            respond_by: request.respond_by(at),
            reasons,
        };
        match blocked {
            Some(Block::Deny) => decision.outcome = Outcome::Deny,
            Some(Block::Refer) => decision.outcome = Outcome::Refer,
            None => release(&mut decision, record, &releases, obligations, at),
        }
        decision
    }

    /// Why each clause that could concern the request does not apply.
    pub(crate) fn not_applicable(
        &self,
        record: &Record,
        recipient: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
        request: &RequestContext,
    ) -> Vec<Reason> {
        let facts = Facts::of(record, at, request);
        self.candidates(holder(record), recipient, purpose)
            .iter()
            .filter_map(|r| self.clause(*r))
            .filter(|(a, _)| a.in_force(at))
            .filter_map(|(a, c)| match evaluate(c, &facts, true) {
                Eval::NotApplicable(why) => Some(Reason {
                    agreement: Some(a.source.id.clone()),
                    version: Some(a.source.version),
                    clause: Some(c.id.clone()),
                    rule: Rule::ClauseNotApplicable {
                        condition: why.clone(),
                    },
                    effect: ReasonEffect::NotApplicable,
                    message: format!("does not apply: {why}"),
                }),
                _ => None,
            })
            .collect()
    }

    /// The clauses that may concern a request, in agreement order.
    pub(crate) fn candidates(
        &self,
        holder: &AgencyId,
        recipient: &AgencyId,
        purpose: &Purpose,
    ) -> Cow<'_, [ClauseRef]> {
        let Some(by) = self.index.get(holder.as_str()) else {
            return Cow::Borrowed(&[]);
        };
        let lists = by.get(recipient).map(|index| refs(index, purpose));
        // Each list is in clause order already (compiling pushes clauses in
        // order); with one list that is the answer, with more they are
        // merged and repeats dropped.
        let mut nonempty = lists.iter().filter(|l| !l.is_empty());
        let (Some(first), second) = (nonempty.next(), nonempty.next()) else {
            return Cow::Borrowed(&[]);
        };
        let Some(second) = second else {
            return Cow::Borrowed(first);
        };
        let mut out: Vec<ClauseRef> = first.iter().chain(second.iter()).copied().collect();
        out.extend(nonempty.flat_map(|l| l.iter().copied()));
        out.sort_unstable();
        out.dedup();
        Cow::Owned(out)
    }

    /// The purposes for which some agreement in force at `at` has a
    /// release clause that lets `holder` release to `recipient`.
    pub(crate) fn purposes_for(
        &self,
        holder: &AgencyId,
        recipient: &AgencyId,
        at: Timestamp,
    ) -> Vec<Purpose> {
        let Some(by) = self.index.get(holder.as_str()) else {
            return Vec::new();
        };
        let mut out: Vec<Purpose> = by
            .get(recipient)
            .into_iter()
            .flatten()
            .flat_map(|index| index.iter())
            .filter(|(_, refs)| {
                refs.iter().any(|r| {
                    self.clause(*r)
                        .is_some_and(|(a, c)| c.effect == Effect::Release && a.in_force(at))
                })
            })
            .map(|(p, _)| p.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The clauses listed for `purpose`, if any.
fn refs<'a>(index: Option<&'a PurposeIndex>, purpose: &Purpose) -> &'a [ClauseRef] {
    index
        .and_then(|p| p.get(purpose))
        .map_or(&[][..], Vec::as_slice)
}

/// Which way a request is blocked; a deny outranks a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Block {
    Refer,
    Deny,
}

/// The agency that holds the record and would release it.
pub fn holder(record: &Record) -> &AgencyId {
    record
        .provenance
        .last()
        .map_or(&record.originator, |e| &e.to)
}

fn standing_message(a: &CompiledAgreement, standing: Standing, at: Timestamp) -> String {
    let v = a.source.version;
    match standing {
        Standing::NotYet => format!(
            "version {v} of the agreement is not in force before {}",
            a.source.valid_from
        ),
        Standing::Expired(u) => format!("version {v} of the agreement expired at {u}"),
        Standing::Suspended(t) => format!("version {v} of the agreement is suspended since {t}"),
        Standing::Terminated(t) => format!("version {v} of the agreement was terminated at {t}"),
        Standing::Superseded(n) => {
            format!("version {v} of the agreement is replaced by version {n}")
        }
        Standing::InForce | Standing::Conflict => {
            format!("version {v} of the agreement is not in force at {at}")
        }
    }
}

/// Why the evaluation time cannot be the time of a release: before the
/// record was created or last changed, or before one of its releases.
fn time_problem(record: &Record, at: Timestamp) -> Option<String> {
    if at < record.created {
        return Some(format!(
            "the evaluation time {at} is before the record was created at {}; decide at the time of the release",
            record.created
        ));
    }
    if at < record.modified {
        return Some(format!(
            "the evaluation time {at} is before the record's version {} was made at {}; decide at the time of the release",
            record.version, record.modified
        ));
    }
    record
        .provenance
        .iter()
        .find(|e| at < e.at)
        .map(|e| {
            format!(
                "the evaluation time {at} is before the record's release by `{}` at {}; decide at the time of the release",
                e.from, e.at
            )
        })
}

/// A namespaced caveat on the record that the agreement does not mention:
/// the engine cannot honour what it does not know, so it refuses.
fn unknown_caveat(a: &CompiledAgreement, record: &Record) -> Option<String> {
    record
        .marking
        .caveats
        .iter()
        .filter(|c| matches!(c, liaison_record::Caveat::Other(_)))
        .find(|c| !a.understood.contains(c))
        .map(|c| format!("the record carries the caveat `{c}`, which the agreement does not know"))
}

/// Fills in a release: what is withheld, transformed and owed.
/// Records, with its reason, that agreement `a` requires the copy to be
/// sealed post-quantum, if its `require_post_quantum` applies.
fn require_post_quantum(
    decision: &mut Decision,
    a: &CompiledAgreement,
    classification: liaison_record::Classification,
) {
    let Some(rule) = &a.source.require_post_quantum else {
        return;
    };
    if !rule.applies(classification, &decision.to) {
        return;
    }
    decision.require_post_quantum = true;
    let mut why = Vec::new();
    if let Some(floor) = rule.min_classification {
        why.push(format!("classified `{}` or above", cw(floor)));
    }
    if !rule.partners.is_empty() {
        why.push(format!("for `{}`", decision.to));
    }
    let why = if why.is_empty() {
        "every release".to_owned()
    } else {
        format!("a release {}", why.join(" and "))
    };
    decision.reasons.push(Reason {
        agreement: Some(a.source.id.clone()),
        version: Some(a.source.version),
        clause: None,
        rule: Rule::PostQuantum,
        effect: ReasonEffect::Restrict,
        message: format!(
            "requires {why} to be sealed for post-quantum recipients (X-Wing keys): it cannot go in a classical envelope"
        ),
    });
}

fn release(
    decision: &mut Decision,
    record: &Record,
    releases: &[(&CompiledAgreement, &CompiledClause)],
    mut obligations: Obligations,
    at: Timestamp,
) {
    let mut transformations: Vec<Transformation> = Vec::new();
    for (a, c) in releases {
        for t in &c.release.transform {
            if !transformations.contains(t) {
                transformations.push(*t);
            }
        }
        for rules in &c.obligations {
            match rules.obligations_for(record, at) {
                Ok(o) => obligations = obligations.most_restrictive(&o),
                Err(message) => {
                    decision.outcome = Outcome::Deny;
                    decision.reasons.push(Reason {
                        agreement: Some(a.source.id.clone()),
                        version: Some(a.source.version),
                        clause: Some(c.id.clone()),
                        rule: Rule::Retention,
                        effect: ReasonEffect::Deny,
                        message: format!("{message}, so the release is refused"),
                    });
                    return;
                }
            }
        }
        if let Some(end) = a.obligations_end() {
            obligations = obligations.most_restrictive(&Obligations {
                retain_until: Some(end),
                ..Obligations::default()
            });
        }
        if !decision
            .agreements
            .iter()
            .any(|r| r.id == a.reference.id && r.version == a.reference.version)
        {
            decision.agreements.push(a.reference.clone());
            require_post_quantum(decision, a, record.marking.classification);
        }
    }
    transformations.sort();
    // What each clause's transformations cannot treat in place, it withholds:
    // that is part of what the clause lets go.
    let implied: Vec<Vec<Pattern>> = releases
        .iter()
        .map(|(_, c)| {
            treated_elsewhere(record, &c.release.transform)
                .into_iter()
                .map(Pattern::from_string)
                .collect()
        })
        .collect();
    let third_party = marking::third_party(record).is_some();
    let needs_parts = third_party
        || implied.iter().any(|i| !i.is_empty())
        || releases.iter().any(|(_, c)| c.release.deep_withhold);
    let parts = if needs_parts {
        Parts::of(record)
    } else {
        Parts::default()
    };
    let any_transform = !transformations.is_empty();
    let mut withheld_classes: Vec<FieldClass> = Vec::new();
    let mut withheld: Vec<String> = Vec::new();
    let mut transformed: Vec<String> = Vec::new();
    let mut hold = |pointer: &str, class: FieldClass, withheld: &mut Vec<String>| {
        if !withheld_classes.contains(&class) {
            withheld_classes.push(class);
        }
        if !withheld.iter().any(|w| w == pointer) {
            withheld.push(pointer.to_owned());
        }
    };
    record.for_each_classified_field(|pointer, class| {
        if class == FieldClass::Control {
            return;
        }
        let segments = Segments::of(pointer);
        let unit = is_unit(&segments);
        // Each clause lets go what it lists minus what it withholds, in the
        // form its transformations give; a field goes when some applicable
        // clause lets it go, in the least reduced form one does. A clause
        // that stops applying can so only take fields away or reduce them.
        // A path beneath a field that is not a unit (a person's names, an
        // extension) withholds the whole field: only a unit's listed
        // members go or stay one by one.
        let blocks = |w: &Pattern| {
            if unit {
                w.covers(&segments)
            } else {
                w.touches(&segments)
            }
        };
        let mut allowing: SmallSet = SmallSet::default();
        for (i, (_, c)) in releases.iter().enumerate() {
            if (c.release.classes & class_bit(class) != 0
                || c.release.fields.iter().any(|p| p.covers(&segments)))
                && !c.release.withhold.iter().any(blocks)
                && !implied.get(i).is_some_and(|w| w.iter().any(blocks))
            {
                allowing.push(i);
            }
        }
        if allowing.is_empty() {
            hold(pointer, class, &mut withheld);
            return;
        }
        if any_transform
            && let Some(t) = target_of(record, &segments)
            && allowing.iter(releases.len()).all(|i| {
                releases
                    .get(i)
                    .is_some_and(|(_, c)| c.release.transform.contains(&t))
            })
        {
            transformed.push(pointer.to_owned());
        }
        if !unit || parts.is_empty() {
            return;
        }
        // A clause that lets the unit go and withholds nothing lets every
        // member go with it.
        let withholds = |i: usize| {
            releases
                .get(i)
                .is_none_or(|(_, c)| !c.release.withhold.is_empty())
                || implied.get(i).is_some_and(|w| !w.is_empty())
        };
        if allowing.iter(releases.len()).any(|i| !withholds(i)) {
            return;
        }
        let mut held_parts: Vec<&str> = Vec::new();
        for (part, required) in parts.of_unit(pointer) {
            let part_segments = Segments::of(part);
            let touches = |w: &Pattern| w.touches(&part_segments);
            let stays = !allowing.iter(releases.len()).any(|i| {
                releases
                    .get(i)
                    .is_some_and(|(_, c)| !c.release.withhold.iter().any(touches))
                    && !implied.get(i).is_some_and(|w| w.iter().any(touches))
            });
            // The trace of a third agency's information always goes, so
            // that the third-party rule can follow it.
            let trace = third_party && (part == "/source/agency" || part == "/source/consents");
            if stays && !trace {
                if required {
                    hold(pointer, class, &mut withheld);
                    return;
                }
                held_parts.push(part);
            }
        }
        for p in held_parts {
            hold(p, class, &mut withheld);
        }
    });
    // A unit withheld after its transformation was noted is not transformed.
    transformed.retain(|t| !withheld.contains(t));
    let repeats = !record.narrative.is_empty()
        || !record.extensions.is_empty()
        || record.relationships.iter().any(|r| r.description.is_some())
        || record
            .source
            .as_ref()
            .is_some_and(|s| s.reference.is_some() || s.description.is_some())
        || record.entities.iter().any(|e| {
            !e.extensions().is_empty()
                || match e {
                    Entity::Person(p) => !p.aliases.is_empty(),
                    Entity::TravelDocument(d) => !d.mrz.is_empty(),
                    Entity::Organization(o) => o.description.is_some(),
                    Entity::Conveyance(c) => c.description.is_some(),
                    Entity::Indicator(x) => x.description.is_some(),
                    Entity::Threat(t) => t.description.is_some(),
                    Entity::Alert(a) => a.reference.is_some(),
                    _ => false,
                }
        });
    if repeats {
        repeated_facts(record, &transformed, &mut withheld, &mut withheld_classes);
    }
    // A third agency's source is never dropped whole: it goes as a neutral
    // attribution that still names that agency.
    if third_party && let Some(i) = withheld.iter().position(|w| w == "/source") {
        withheld.remove(i);
        if let Some(source) = &record.source {
            for (name, here) in [
                ("/source/reference", source.reference.is_some()),
                ("/source/description", source.description.is_some()),
            ] {
                if here && !withheld.iter().any(|w| w == name) {
                    withheld.push(name.to_owned());
                }
            }
        }
        if !transformations.contains(&Transformation::NeutralSource) {
            transformations.push(Transformation::NeutralSource);
            transformations.sort();
        }
        if !transformed.iter().any(|t| t == "/source") {
            transformed.push("/source".to_owned());
        }
    }
    if withheld.iter().any(|w| {
        w.starts_with("/entities/") && (w.matches('/').count() == 2 || w.ends_with("itude"))
    }) {
        knock_on(record, &mut withheld, &mut withheld_classes);
    }
    withheld_classes.sort();
    decision.reidentified = telling_ids(record, &withheld, &transformed);
    decision.withheld = withheld;
    if !decision.withheld.is_empty() {
        let n = decision.withheld.len();
        let mut message = format!("{n} field{} withheld (", if n == 1 { "" } else { "s" });
        for (i, class) in withheld_classes.iter().enumerate() {
            if i > 0 {
                message.push_str(", ");
            }
            message.push_str(class_word(*class));
        }
        message.push(')');
        decision.reasons.push(Reason {
            agreement: None,
            version: None,
            clause: None,
            rule: Rule::Withheld,
            effect: ReasonEffect::Restrict,
            message,
        });
    }
    decision.withheld_classes = withheld_classes;
    // A transformation that reduces no field of the copy (every clause that
    // lets the field go leaves it whole, or the record has no such field)
    // is not listed: the decision says exactly what the copy reduces.
    transformations.retain(|t| transformed.iter().any(|p| target(record, p) == Some(*t)));
    decision.outcome = if decision.withheld.is_empty() && transformations.is_empty() {
        Outcome::Release
    } else {
        Outcome::PartialRelease
    };
    decision.transformations = transformations;
    decision.transformed = transformed;
    decision.obligations = obligations;
}

/// The entity a pointer is in and the rest of the pointer after the
/// entity's index: `/entities/3` is `(3, None)`, `/entities/3/names/0` is
/// `(3, Some("names/0"))`. Only the spelling the engine writes is read: the
/// index in decimal digits without leading zeros.
pub(crate) fn entity_part(pointer: &str) -> Option<(usize, Option<&str>)> {
    let rest = pointer.strip_prefix("/entities/")?;
    let (index, member) = match rest.bytes().position(|b| b == b'/') {
        Some(slash) => (rest.get(..slash)?, Some(rest.get(slash + 1..)?)),
        None => (rest, None),
    };
    let canonical = !index.is_empty()
        && index.bytes().all(|b| b.is_ascii_digit())
        && (index == "0" || !index.starts_with('0'));
    canonical
        .then(|| index.parse().ok())
        .flatten()
        .map(|i| (i, member))
}

/// For each of the first `n` entities, whether `pointers` names it whole.
fn whole_entities(pointers: &[String], n: usize) -> Vec<bool> {
    let mut whole = vec![false; n];
    for p in pointers {
        if let Some((i, None)) = entity_part(p)
            && let Some(w) = whole.get_mut(i)
        {
            *w = true;
        }
    }
    whole
}

/// Whether `pointer` is exactly entity `index` (`member` `None`) or exactly
/// that member of it, without building the pointer to compare with.
pub(crate) fn is_entity_member(pointer: &str, index: usize, member: Option<&str>) -> bool {
    entity_part(pointer) == Some((index, member))
}

/// The entities that stay in the copy while their id may tell what the copy
/// keeps back, so that the copy gives them fresh ids: an id derived from a
/// document number that does not go (docs/ids.md: a withheld document's
/// holder, which would let the recipient try document numbers until one
/// gives the id), and every place whose coordinates are coarsened and every
/// document whose number is masked (its id may be derived from a UN/LOCODE
/// or a number under a naming other than ours).
fn telling_ids<'r>(
    record: &'r Record,
    withheld: &[String],
    transformed: &[String],
) -> Vec<Reidentified> {
    let gone_entities = whole_entities(withheld, record.entities.len());
    let masked_entities = whole_entities(transformed, record.entities.len());
    let gone = |i: usize| gone_entities.get(i).copied().unwrap_or(false);
    let masked = |i: usize| masked_entities.get(i).copied().unwrap_or(false);
    let number_kept_back = |i: usize| {
        gone(i)
            || masked(i)
            || withheld
                .iter()
                .any(|w| is_entity_member(w, i, Some("number")))
    };
    // Whether some document's number is kept back: then no person keeps an
    // id derived by name (UUID version 5), which may come from a number the
    // record no longer shows (a number masked before, another naming).
    let kept_back = |(i, e): (usize, &'r Entity)| -> Option<&'r liaison_record::TravelDocument> {
        if let Entity::TravelDocument(d) = e
            && number_kept_back(i)
        {
            Some(d)
        } else {
            None
        }
    };
    let any_number_kept_back = record
        .entities
        .iter()
        .enumerate()
        .any(|x| kept_back(x).is_some());
    // The ids derived from the numbers kept back, worked out only when an
    // entity's id could be one of them: derived ids are of version 5.
    let mut derived: Option<Vec<uuid::Uuid>> = None;
    let mut is_derived = |id: uuid::Uuid| {
        if id.get_version_num() != 5 {
            return false;
        }
        derived
            .get_or_insert_with(|| {
                let mut ids = Vec::new();
                for d in record.entities.iter().enumerate().filter_map(kept_back) {
                    ids.push(liaison_record::ids::travel_document_id(
                        d.issuing_state,
                        d.document_type,
                        &d.number,
                    ));
                    ids.push(liaison_record::ids::document_holder_id(
                        d.issuing_state,
                        d.document_type,
                        &d.number,
                    ));
                }
                ids
            })
            .contains(&id)
    };
    record
        .entities
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            // A coarsened place or a masked document always: its id may be
            // derived from the fact under another naming than ours.
            let reduced =
                matches!(e, Entity::Location(_) | Entity::TravelDocument(_)) && masked(*i);
            let named_person = any_number_kept_back
                && matches!(e, Entity::Person(_))
                && e.id().get_version_num() == 5;
            !gone(*i) && (reduced || named_person || is_derived(e.id()))
        })
        .map(|(i, _)| Reidentified {
            pointer: format!("/entities/{i}"),
            id: Uuid::new_v4(),
        })
        .collect()
}

/// The transformation that reduces a field, if one does: a person's date
/// of birth, names and place of birth, a place's coordinates, the source.
fn target(record: &Record, pointer: &str) -> Option<Transformation> {
    target_of(record, &Segments::of(pointer))
}

/// [`target`] for a pointer already split.
fn target_of(record: &Record, pointer: &Segments<'_>) -> Option<Transformation> {
    match pointer.head() {
        (Some("source"), None, None) => Some(Transformation::NeutralSource),
        (Some("entities"), Some(i), member) => {
            let entity = record.entities.get(i.parse::<usize>().ok()?)?;
            match (entity, member) {
                (Entity::Location(_), None) => Some(Transformation::CoarseCoordinates),
                (Entity::TravelDocument(_), None) => Some(Transformation::MaskDocumentNumbers),
                (Entity::Person(_), Some("date_of_birth")) => {
                    Some(Transformation::DateOfBirthToYear)
                }
                (Entity::Person(_), Some("names")) => Some(Transformation::PseudonymizeNames),
                (Entity::Person(_), Some("place_of_birth")) => {
                    Some(Transformation::PlaceOfBirthToCountry)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The applicable release clauses that let one field go, by position: a
/// few words of bits, without allocating.
#[derive(Default)]
struct SmallSet {
    bits: [u64; 4],
    more: Vec<usize>,
}

impl SmallSet {
    fn push(&mut self, i: usize) {
        match self.bits.get_mut(i / 64) {
            Some(word) => *word |= 1 << (i % 64),
            None => self.more.push(i),
        }
    }

    fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0) && self.more.is_empty()
    }

    fn contains(&self, i: usize) -> bool {
        match self.bits.get(i / 64) {
            Some(word) => word & (1 << (i % 64)) != 0,
            None => self.more.contains(&i),
        }
    }

    /// The members below `n`, in order.
    fn iter(&self, n: usize) -> impl Iterator<Item = usize> + '_ {
        (0..n).filter(|i| self.contains(*i))
    }
}

/// Whether a pointer names a unit: a field the record model lists whole,
/// whose members [`Record::parts`] lists.
fn is_unit(pointer: &Segments<'_>) -> bool {
    matches!(
        pointer.head(),
        (Some("source" | "assessment"), None, None)
            | (Some("entities" | "relationships"), Some(_), None)
    )
}

/// The members of the record's units, as [`Record::parts`] lists them,
/// kept in one string: for each member, where its unit's pointer and its
/// own pointer lie in the text, and whether it is required.
#[derive(Default)]
struct Parts {
    text: String,
    members: Vec<(usize, usize, usize, bool)>,
}

impl Parts {
    fn of(record: &Record) -> Parts {
        let mut parts = Parts {
            text: String::with_capacity(1024),
            members: Vec::with_capacity(32),
        };
        record.for_each_part(|unit, pointer, required| {
            let start = parts.text.len();
            parts.text.push_str(unit);
            let middle = parts.text.len();
            parts.text.push_str(pointer);
            parts
                .members
                .push((start, middle, parts.text.len(), required));
        });
        parts
    }

    fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members of `unit`, in order, with whether each is required.
    fn of_unit<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = (&'a str, bool)> + 'a {
        self.members
            .iter()
            .filter(move |(start, middle, _, _)| self.text.get(*start..*middle) == Some(unit))
            .filter_map(|(_, middle, end, required)| {
                self.text.get(*middle..*end).map(|p| (p, *required))
            })
    }
}

/// Whether a withhold pattern may reach beneath a unit.
pub(crate) fn deep(pattern: &str) -> bool {
    let segments = pattern.split('/').skip(1).count();
    let mut parts = pattern.split('/').skip(1);
    match (parts.next(), parts.next(), parts.next()) {
        (Some("source" | "assessment" | "*"), _, _) => segments >= 2,
        (Some("relationships"), _, _) => segments >= 3,
        (Some("entities"), _, Some(member)) => {
            segments >= 4
                || !matches!(
                    member,
                    "names"
                        | "date_of_birth"
                        | "sex"
                        | "nationalities"
                        | "place_of_birth"
                        | "data_subject"
                        | "special_categories"
                        | "extensions"
                )
        }
        _ => false,
    }
}

/// The fields that repeat a fact a transformation reduces, which the
/// transformation cannot treat in place, so withholds: the machine-readable
/// zones (they hold the full date of birth and the names), the extensions
/// of the entities whose fact is reduced (their data has no schema), the
/// aliases of pseudonymized persons, the names and UN/LOCODEs of places
/// whose coordinates are coarsened (and a place whose id is derived from
/// its UN/LOCODE, since the id would name it), and places of birth that do
/// not name their country.
fn treated_elsewhere(record: &Record, transformations: &[Transformation]) -> Vec<String> {
    let mut out = Vec::new();
    if transformations.is_empty() {
        return out;
    }
    let has = |t| transformations.contains(&t);
    let dob = has(Transformation::DateOfBirthToYear);
    let names = has(Transformation::PseudonymizeNames);
    let coarse = has(Transformation::CoarseCoordinates);
    let pob = has(Transformation::PlaceOfBirthToCountry);
    let mask = has(Transformation::MaskDocumentNumbers);
    for (i, e) in record.entities.iter().enumerate() {
        let relevant = matches!(
            e,
            Entity::Person(_) | Entity::TravelDocument(_) | Entity::Location(_)
        );
        if !relevant {
            continue;
        }
        let at = |member: &str| format!("/entities/{i}/{member}");
        let extensions = !e.extensions().is_empty();
        match e {
            Entity::Person(p) => {
                if (dob || names || pob) && extensions {
                    out.push(at("extensions"));
                }
                if names && !p.aliases.is_empty() {
                    out.push(at("aliases"));
                }
                if pob
                    && p.place_of_birth
                        .as_deref()
                        .is_some_and(|t| crate::redact::country_of_birth(t).is_none())
                {
                    out.push(at("place_of_birth"));
                }
            }
            Entity::TravelDocument(d) => {
                if (dob || names || mask) && !d.mrz.is_empty() {
                    out.push(at("mrz"));
                }
                if (dob || names || mask) && extensions {
                    out.push(at("extensions"));
                }
            }
            Entity::Location(l) if coarse => {
                let derived = l
                    .locode
                    .as_deref()
                    .is_some_and(|c| liaison_record::ids::location_id(c) == l.id);
                if derived {
                    out.push(format!("/entities/{i}"));
                    continue;
                }
                if l.name.is_some() {
                    out.push(at("name"));
                }
                if l.locode.is_some() {
                    out.push(at("locode"));
                }
                if extensions {
                    out.push(at("extensions"));
                }
            }
            _ => {}
        }
    }
    out
}

/// Fields that repeat a person's facts go only where those facts go in
/// full: a machine-readable zone (it holds every holder's names and date of
/// birth) and a document's extensions only when every person's names and
/// date of birth go unreduced; a person's aliases only when the person's
/// names do; a person's extensions only when the person's names, date and
/// place of birth do. So no clause can let go, in another field, what a
/// transformation or a withholding keeps back; and since each condition
/// only gets harder as clauses stop applying, nothing widens.
fn repeated_facts(
    record: &Record,
    transformed: &[String],
    withheld: &mut Vec<String>,
    classes: &mut Vec<FieldClass>,
) {
    let mut holders_full = true;
    let mut persons_full = true;
    let mut places_full = true;
    let mut documents_full = true;
    let mut add: Vec<(String, FieldClass)> = Vec::new();
    // Whether the entity is reduced as a whole, or in one of `members`:
    // withheld whole, transformed, or one of those members withheld.
    // The entity pointers withheld come first, those transformed after.
    let mut held: Vec<(usize, Option<&str>)> =
        withheld.iter().filter_map(|p| entity_part(p)).collect();
    let withheld_entities = held.len();
    held.extend(transformed.iter().filter_map(|p| entity_part(p)));
    let full = |i: usize, member: &str, present: bool| {
        !present || !held.iter().any(|(j, m)| *j == i && *m == Some(member))
    };
    // Whether entity `i` is withheld whole.
    let gone = |i: usize| {
        held.get(..withheld_entities)
            .unwrap_or_default()
            .iter()
            .any(|(j, m)| *j == i && m.is_none())
    };
    let reduced = |i: usize, members: &[&str]| {
        held.iter()
            .any(|(j, m)| *j == i && m.is_none_or(|m| members.contains(&m)))
    };
    for (i, e) in record.entities.iter().enumerate() {
        match e {
            Entity::Location(_) => {
                places_full &= !reduced(i, &["name", "latitude", "longitude"]);
            }
            Entity::TravelDocument(_) => {
                documents_full &= !reduced(i, &["number", "mrz"]);
            }
            Entity::Person(_) => {
                // A person withheld whole: a zone would still name them.
                let whole = !reduced(i, &[]);
                persons_full &= whole;
                holders_full &= whole;
            }
            _ => {}
        }
        if let Entity::Person(p) = e {
            let names = full(i, "names", !p.names.is_empty());
            let dob = full(i, "date_of_birth", p.date_of_birth.is_some());
            let pob = full(i, "place_of_birth", p.place_of_birth.is_some());
            // A machine-readable zone holds names and the date of birth;
            // free text may hold the place of birth too.
            holders_full &= names && dob;
            persons_full &= names && dob && pob;
            if !names && !p.aliases.is_empty() {
                add.push((format!("/entities/{i}/aliases"), FieldClass::Identity));
            }
            if !(names && dob && pob) {
                for (ns, x) in &p.extensions {
                    add.push((
                        format!(
                            "/entities/{i}/extensions/{}",
                            crate::source::escape(ns.as_str())
                        ),
                        x.field_class(),
                    ));
                }
            }
        }
    }
    if !holders_full {
        for (j, e) in record.entities.iter().enumerate() {
            if let Entity::TravelDocument(d) = e {
                if gone(j) {
                    continue;
                }
                let unit = format!("/entities/{j}");
                if !d.mrz.is_empty() {
                    add.push((format!("{unit}/mrz"), FieldClass::TravelDocument));
                }
                for (ns, x) in &d.extensions {
                    add.push((
                        format!("{unit}/extensions/{}", crate::source::escape(ns.as_str())),
                        x.field_class(),
                    ));
                }
            }
        }
    }
    // Free text and schema-less data can repeat any fact: the narrative,
    // the descriptions of relationships, every entity's extensions and
    // free-text members (descriptions, an alert's reference), the source's
    // reference and description, and the record's own extensions go only
    // when every person, every place and every travel document goes in
    // full (nothing of their facts withheld or transformed).
    if !(persons_full && places_full && documents_full) {
        if !record.narrative.is_empty() {
            add.push(("/narrative".to_owned(), FieldClass::Narrative));
        }
        for (r, rel) in record.relationships.iter().enumerate() {
            if rel.description.is_none() {
                continue;
            }
            let unit = format!("/relationships/{r}");
            if !withheld.contains(&unit) {
                add.push((format!("{unit}/description"), FieldClass::Association));
            }
        }
        for (ns, x) in &record.extensions {
            add.push((
                format!("/extensions/{}", crate::source::escape(ns.as_str())),
                x.field_class(),
            ));
        }
        for (i, e) in record.entities.iter().enumerate() {
            if gone(i) {
                continue;
            }
            let text = match e {
                Entity::Organization(o) => o.description.is_some().then_some("description"),
                Entity::Conveyance(c) => c.description.is_some().then_some("description"),
                Entity::Indicator(x) => x.description.is_some().then_some("description"),
                Entity::Threat(t) => t.description.is_some().then_some("description"),
                // A reference is an identifier, never a name, but it may be
                // made of a document number.
                Entity::Alert(a) if !documents_full => a.reference.is_some().then_some("reference"),
                _ => None,
            };
            if text.is_none() && e.extensions().is_empty() {
                continue;
            }
            let unit = format!("/entities/{i}");
            for (ns, x) in e.extensions() {
                add.push((
                    format!("{unit}/extensions/{}", crate::source::escape(ns.as_str())),
                    x.field_class(),
                ));
            }
            if let Some(member) = text {
                add.push((format!("{unit}/{member}"), e.kind().field_class()));
            }
        }
        if let Some(source) = &record.source
            && !withheld.iter().any(|w| w == "/source")
        {
            for (member, here) in [
                (
                    "/source/reference",
                    source.reference.is_some() && !documents_full,
                ),
                ("/source/description", source.description.is_some()),
            ] {
                if here {
                    add.push((member.to_owned(), FieldClass::Source));
                }
            }
        }
    }
    for (pointer, class) in add {
        if !withheld.contains(&pointer) {
            withheld.push(pointer);
            if !classes.contains(&class) {
                classes.push(class);
            }
        }
    }
}

/// What withholding takes along, listed so that the withheld set tells the
/// truth: links to a withheld entity, an encounter's place when the place
/// is withheld, and the other half of a point.
fn knock_on(record: &Record, withheld: &mut Vec<String>, classes: &mut Vec<FieldClass>) {
    // Knock-on effects never withhold an entity whole, so which entities
    // are gone is read once.
    let gone_entities = whole_entities(withheld, record.entities.len());
    let gone = |i: usize| gone_entities.get(i).copied().unwrap_or(false);
    let removed: Vec<uuid::Uuid> = record
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| gone(*i))
        .map(|(_, e)| e.id())
        .collect();
    // An id still held by a remaining entity (a duplicate) is not gone.
    let kept: Vec<uuid::Uuid> = record
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| !gone(*i))
        .map(|(_, e)| e.id())
        .collect();
    let removed: Vec<uuid::Uuid> = removed
        .into_iter()
        .filter(|id| !kept.contains(id))
        .collect();
    let mut add = |p: String, class: FieldClass, withheld: &mut Vec<String>| {
        if !withheld.contains(&p) {
            withheld.push(p);
            if !classes.contains(&class) {
                classes.push(class);
            }
        }
    };
    if !removed.is_empty() {
        for (j, rel) in record.relationships.iter().enumerate() {
            if removed.contains(&rel.source) || removed.contains(&rel.target) {
                add(
                    format!("/relationships/{j}"),
                    FieldClass::Association,
                    withheld,
                );
            }
        }
        for (k, e) in record.entities.iter().enumerate() {
            if let Entity::Encounter(enc) = e
                && enc.location.is_some_and(|l| removed.contains(&l))
                && !gone(k)
            {
                add(
                    format!("/entities/{k}/location"),
                    EntityKind::Encounter.field_class(),
                    withheld,
                );
            }
        }
    }
    for (k, e) in record.entities.iter().enumerate() {
        if let Entity::Location(l) = e
            && l.latitude.is_some()
        {
            let has = |member: &str, withheld: &[String]| {
                withheld
                    .iter()
                    .any(|w| is_entity_member(w, k, Some(member)))
            };
            if has("latitude", withheld) != has("longitude", withheld) {
                add(
                    format!("/entities/{k}/latitude"),
                    FieldClass::Location,
                    withheld,
                );
                add(
                    format!("/entities/{k}/longitude"),
                    FieldClass::Location,
                    withheld,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_words_are_the_serde_words() {
        for (i, name) in crate::schema::FIELD_CLASSES.iter().enumerate() {
            let class: FieldClass = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(class as usize, i, "{name}");
            assert_eq!(class_word(class), word(&class));
        }
        assert!(serde_json::from_value::<FieldClass>(serde_json::json!("not-a-class")).is_err());
        // One word for each of the record model's twelve classes.
        assert_eq!(liaison_record::FieldClass::Source as usize, 11);
        assert_eq!(crate::schema::FIELD_CLASSES.len(), 12);
    }

    #[test]
    fn entity_pointers_are_read_only_as_the_engine_writes_them() {
        assert_eq!(entity_part("/entities/3"), Some((3, None)));
        assert_eq!(
            entity_part("/entities/0/names/0"),
            Some((0, Some("names/0")))
        );
        assert_eq!(
            entity_part("/entities/12/number"),
            Some((12, Some("number")))
        );
        for other in [
            "/entities/",
            "/entities/01",
            "/entities/+1",
            "/entities/x/names",
            "/source",
        ] {
            assert_eq!(entity_part(other), None, "{other}");
        }
        assert!(is_entity_member("/entities/2", 2, None));
        assert!(!is_entity_member("/entities/2/number", 2, None));
        assert!(is_entity_member("/entities/2/number", 2, Some("number")));
        assert!(!is_entity_member("/entities/20/number", 2, Some("number")));
        assert!(!is_entity_member("/entities/2/numbers", 2, Some("number")));
    }
}

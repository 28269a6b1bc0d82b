//! Deciding: default deny, deny and refer override release, the record's
//! marking and provenance only narrow, and any evaluation error denies.

use liaison_record::{AgencyId, Digest, FieldClass, Obligations, Purpose, Record, Timestamp};
use uuid::Uuid;

use crate::agreement::{Effect, Transformation, pattern_covers};
use crate::compile::{
    ClauseRef, CompiledAgreement, CompiledClause, PolicySet, PurposeIndex, class_bit, kind_bit,
};
use crate::decision::{Decision, Outcome, Reason, ReasonEffect, Rule};
use crate::marking;

/// What the engine knows about a record before looking at clauses.
pub(crate) struct Facts<'r> {
    pub(crate) record: &'r Record,
    pub(crate) kinds: u16,
    /// Whole days since creation; `None` when created after the evaluation time.
    pub(crate) age_days: Option<i64>,
}

impl<'r> Facts<'r> {
    pub(crate) fn of(record: &'r Record, at: Timestamp) -> Facts<'r> {
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
        let holder = holder(record).clone();
        let mut reasons = Vec::new();
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

        let facts = Facts::of(record, at);
        let candidates = self.candidates(&holder, recipient, purpose);
        let mut deny = false;
        let mut refer = false;
        let mut releases: Vec<(&CompiledAgreement, &CompiledClause)> = Vec::new();
        let mut not_applicable = 0usize;
        let mut any_in_force = false;
        let mut last_agreement = u32::MAX;
        let mut agreement_error: Option<String> = None;
        let mut in_force = false;
        for r in &candidates {
            let Some((a, c)) = self.clause(*r) else {
                continue;
            };
            if r.agreement != last_agreement {
                last_agreement = r.agreement;
                agreement_error = unknown_caveat(a, record);
                in_force = a.in_force(at);
                if !in_force {
                    reasons.push(Reason {
                        agreement: Some(a.source.id.clone()),
                        clause: None,
                        rule: Rule::OutsideValidity,
                        effect: ReasonEffect::NotApplicable,
                        message: validity_message(a, at),
                    });
                } else {
                    any_in_force = true;
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
                clause: None,
                rule: Rule::NoAgreement {
                    other_purposes: self.purposes_for(&holder, recipient),
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
                .filter(|r| r.rule == Rule::OutsideValidity)
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
            obligations: Obligations::default(),
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
    ) -> Vec<Reason> {
        let facts = Facts::of(record, at);
        self.candidates(holder(record), recipient, purpose)
            .into_iter()
            .filter_map(|r| self.clause(r))
            .filter(|(a, _)| a.in_force(at))
            .filter_map(|(a, c)| match evaluate(c, &facts, true) {
                Eval::NotApplicable(why) => Some(Reason {
                    agreement: Some(a.source.id.clone()),
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
    ) -> Vec<ClauseRef> {
        let Some(by) = self.index.get(holder.as_str()) else {
            return Vec::new();
        };
        let [agency, country] = by.get(recipient).map(|index| refs(index, purpose));
        // Each list is in clause order already (compiling pushes clauses in
        // order); merge the two and drop repeats.
        let mut out: Vec<ClauseRef> = Vec::with_capacity(agency.len() + country.len());
        let (mut a, mut c) = (agency.iter().peekable(), country.iter().peekable());
        loop {
            let next = match (a.peek(), c.peek()) {
                (Some(x), Some(y)) if x <= y => a.next(),
                (Some(_), Some(_)) => c.next(),
                (Some(_), None) => a.next(),
                (None, _) => c.next(),
            };
            let Some(&r) = next else { break };
            if out.last() != Some(&r) {
                out.push(r);
            }
        }
        out
    }

    /// The purposes any agreement lets `holder` release to `recipient` for.
    pub(crate) fn purposes_for(&self, holder: &AgencyId, recipient: &AgencyId) -> Vec<Purpose> {
        let Some(by) = self.purposes.get(holder.as_str()) else {
            return Vec::new();
        };
        let mut out: Vec<Purpose> = by
            .get(recipient)
            .into_iter()
            .flatten()
            .flatten()
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The clauses listed for `purpose`, if any.
fn refs<'a>(index: Option<&'a PurposeIndex>, purpose: &Purpose) -> &'a [ClauseRef] {
    index
        .and_then(|p| p.get(purpose.as_str()))
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

fn validity_message(a: &CompiledAgreement, at: Timestamp) -> String {
    if at < a.source.valid_from {
        format!(
            "the agreement is not in force before {}",
            a.source.valid_from
        )
    } else {
        match a.source.valid_until {
            Some(u) => format!("the agreement expired at {u}"),
            None => format!("the agreement is not in force at {at}"),
        }
    }
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
            obligations = obligations.most_restrictive(&rules.to_obligations(at));
        }
        if !decision
            .agreements
            .iter()
            .any(|r| r.id == a.reference.id && r.version == a.reference.version)
        {
            decision.agreements.push(a.reference.clone());
        }
    }
    transformations.sort();
    let mut withheld_classes: Vec<FieldClass> = Vec::new();
    let withheld = &mut decision.withheld;
    record.for_each_classified_field(|pointer, class| {
        if class == FieldClass::Control {
            return;
        }
        // Each clause lets go what it lists minus what it withholds; a field
        // goes when some applicable clause lets it go. A clause that stops
        // applying can so only take fields away.
        let allowed = releases.iter().any(|(_, c)| {
            (c.release.classes & class_bit(class) != 0
                || c.release.fields.iter().any(|p| pattern_covers(p, pointer)))
                && !c
                    .release
                    .withhold
                    .iter()
                    .any(|p| pattern_covers(p, pointer))
        });
        if !allowed {
            if !withheld_classes.contains(&class) {
                withheld_classes.push(class);
            }
            withheld.push(pointer.to_owned());
        }
    });
    withheld_classes.sort();
    if !decision.withheld.is_empty() {
        decision.reasons.push(Reason {
            agreement: None,
            clause: None,
            rule: Rule::Withheld,
            effect: ReasonEffect::Restrict,
            message: format!(
                "{} field{} withheld ({})",
                decision.withheld.len(),
                if decision.withheld.len() == 1 {
                    ""
                } else {
                    "s"
                },
                withheld_classes
                    .iter()
                    .map(word)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    decision.withheld_classes = withheld_classes;
    decision.outcome = if decision.withheld.is_empty() && transformations.is_empty() {
        Outcome::Release
    } else {
        Outcome::PartialRelease
    };
    decision.transformations = transformations;
    decision.obligations = obligations;
}

//! Warnings about agreements that load but probably do not say what was
//! meant: clauses that can never apply, clauses that overlap with different
//! effects, agreements out of force.

use liaison_record::{Caveat, Classification, EntityKind, FieldClass, Purpose, Timestamp, Tlp};

use crate::agreement::{Agreement, Clause, Effect};
use crate::engine::word;
use crate::load::{LoadError, Placer, Problem, Severity, parse_located, wins_over};
use crate::source::Format;

/// Loads one agreement and lists the warnings about it: clauses that can
/// never apply, clauses that overlap with different effects, release
/// ceilings above the agreement's, paths that can never match, and the
/// agreement out of force at `now`.
///
/// # Errors
///
/// [`LoadError::Invalid`] when the agreement does not load.
pub fn check_agreement(
    text: &str,
    format: Format,
    origin: &str,
    now: Timestamp,
) -> Result<(Agreement, Vec<Problem>), LoadError> {
    let (agreement, located) = parse_located(text, format, origin)?;
    let place = Placer {
        text,
        origin,
        located: &located,
    };
    let problems = warnings(&agreement, now)
        .into_iter()
        .map(|(pointer, message, help)| {
            place.problem(Severity::Warning, &pointer, false, message, help)
        })
        .collect();
    Ok((agreement, problems))
}

/// The warnings about one agreement at time `now`, each as a JSON pointer,
/// a message and a hint.
pub(crate) fn warnings(a: &Agreement, now: Timestamp) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    if let Some(until) = a.valid_until
        && until <= now
    {
        out.push((
            "/valid_until".to_owned(),
            format!("the agreement expired at {until}; it will never apply"),
            Some("renew it with a new version and a later `valid_until`".to_owned()),
        ));
    }
    if let Some(t) = a.terminated_at
        && t <= now
    {
        out.push((
            "/terminated_at".to_owned(),
            format!(
                "version {} was terminated at {t}; it will never apply",
                a.version
            ),
            None,
        ));
    } else if let Some(t) = a.suspended_from
        && t <= now
    {
        out.push((
            "/suspended_from".to_owned(),
            format!(
                "version {} is suspended since {t}; nothing is released under it",
                a.version
            ),
            Some("lift the suspension with a new version".to_owned()),
        ));
    }
    if !a.obligations_survive && a.valid_until.is_none() && a.terminated_at.is_none() {
        out.push((
            "/obligations_survive".to_owned(),
            "`obligations_survive = false` has no effect: the agreement has no end".to_owned(),
            Some(
                "give the agreement a `valid_until` or a `terminated_at`, or remove the key"
                    .to_owned(),
            ),
        ));
    }
    // A class of recipients holds the provider's own state as a matter of
    // course (`eu-member-state` for a member state's agency): only a
    // country or an agency entry is a mistake worth naming.
    for (i, p) in a.recipients.iter().enumerate() {
        if !matches!(p, liaison_record::Party::Class(_)) && p.includes(&a.provider) {
            out.push((
                format!("/recipients/{i}"),
                format!("the recipients `{p}` include the provider `{}`, and a release to itself is always refused", a.provider),
                Some("name the other agencies of the country one by one if that is what is meant".to_owned()),
            ));
        }
    }
    if a.valid_from > now {
        out.push((
            "/valid_from".to_owned(),
            format!("the agreement is not in force before {}", a.valid_from),
            None,
        ));
    }
    let mut deprecated = |o: &crate::agreement::ObligationRules, at: String| {
        if o.onward.is_none() && !o.onward_only_to.is_empty() {
            out.push((
                format!("{at}/onward_only_to"),
                "deprecated: `onward_only_to` without `onward` (read as `only-to`)".to_owned(),
                Some("write `onward = \"only-to\"` beside `onward_only_to`".to_owned()),
            ));
        }
        // A nationality-status code (`XXA` stateless, ...) or the specimen
        // state names no agency that could receive anything.
        for (j, p) in o.onward_only_to.iter().enumerate() {
            if let liaison_record::Party::Country(c) = p
                && liaison_record::PartyClass::of_country(*c).is_none()
            {
                out.push((
                    format!("{at}/onward_only_to/{j}"),
                    format!("`{c}` is a nationality status or a specimen code, not a state: no agency of it can receive the record"),
                    Some("name a state, an agency or a class".to_owned()),
                ));
            }
        }
    };
    deprecated(&a.obligations, "/obligations".to_owned());
    for (i, c) in a.clauses.iter().enumerate() {
        deprecated(&c.obligations, format!("/clause/{i}/obligations"));
    }
    for (i, m) in a.matching.iter().enumerate() {
        deprecated(&m.obligations, format!("/match/{i}/obligations"));
    }
    crate::matching::warnings(a, &mut out);
    for (i, c) in a.clauses.iter().enumerate() {
        let at = format!("/clause/{i}");
        // Retention counted from a moment that only some records have
        // refuses the others: say so unless the clause is limited to them.
        for (rules, where_) in [
            (&a.obligations, "/obligations".to_owned()),
            (&c.obligations, format!("{at}/obligations")),
        ] {
            let needs = match rules.retention_from {
                Some(crate::agreement::RetentionStart::Event) => Some(EntityKind::Encounter),
                Some(crate::agreement::RetentionStart::AlertValidity) => Some(EntityKind::Alert),
                _ => None,
            };
            if c.effect == Effect::Release
                && let Some(kind) = needs
                && !c.when.entity_kinds.contains(&kind)
            {
                out.push((
                    format!("{where_}/retention_from"),
                    format!(
                        "retention counted from `{}` refuses every record without {} under clause `{}`",
                        rules.retention_from.map(|r| r.as_str()).unwrap_or_default(),
                        if kind == EntityKind::Alert { "an alert with an end of validity" } else { "an encounter" },
                        c.id
                    ),
                    Some(format!(
                        "add `entity_kinds = [\"{}\"]` to the clause's `when`, or count from `release` or `creation`",
                        word(&kind)
                    )),
                ));
            }
        }
        for why in never_applies(a, c) {
            out.push((
                at.clone(),
                format!("the clause can never apply: {why}"),
                Some("correct or remove the conditions".to_owned()),
            ));
        }
        if c.effect == Effect::Release
            && let Some(max) = c.when.max_classification
            && max > a.max_classification
        {
            out.push((
                format!("{at}/when/max_classification"),
                format!(
                    "the clause's ceiling `{}` is above the agreement's `{}`, which wins",
                    word(&max),
                    word(&a.max_classification)
                ),
                Some(format!(
                    "write `max_classification = \"{}\"` or less",
                    word(&a.max_classification)
                )),
            ));
        }
        if let Some(r) = &c.release {
            if r.classes.contains(&FieldClass::Control) {
                out.push((
                    format!("{at}/release/classes"),
                    "control fields always go; listing `control` changes nothing".to_owned(),
                    Some("remove `control`".to_owned()),
                ));
            }
            if !c.when.special_categories.is_empty() {
                out.push((
                    format!("{at}/when/special_categories"),
                    format!(
                        "the clause lets special-category data go ({}); Directive (EU) 2016/680 art. 10 allows that only where strictly necessary",
                        c.when.special_categories.iter().map(|x| format!("`{}`", word(x))).collect::<Vec<_>>().join(", ")
                    ),
                    Some("make sure the legal basis says so, or remove the categories".to_owned()),
                ));
            }
            for t in &r.transform {
                let (class, what) = match t {
                    crate::agreement::Transformation::DateOfBirthToYear
                    | crate::agreement::Transformation::PseudonymizeNames
                    | crate::agreement::Transformation::PlaceOfBirthToCountry => {
                        (FieldClass::Identity, "/entities/*/")
                    }
                    crate::agreement::Transformation::CoarseCoordinates => {
                        (FieldClass::Location, "/entities/*")
                    }
                    crate::agreement::Transformation::NeutralSource => {
                        (FieldClass::Source, "/source")
                    }
                    crate::agreement::Transformation::MaskDocumentNumbers => {
                        (FieldClass::TravelDocument, "/entities/*")
                    }
                };
                let reaches = r.classes.contains(&class)
                    || r.fields
                        .iter()
                        .any(|f| f.starts_with(what) || what.starts_with(f.as_str()));
                if !reaches {
                    out.push((
                        format!("{at}/release/transform"),
                        format!(
                            "`{}` reduces `{}` fields, which this clause does not let go: it changes nothing here",
                            t.as_str(),
                            word(&class)
                        ),
                        Some(format!("let the class `{}` go, or remove the transformation", word(&class))),
                    ));
                }
            }
            for (j, p) in r.withhold.iter().enumerate() {
                if let Some(member) = required_member(p) {
                    out.push((
                        format!("{at}/release/withhold/{j}"),
                        format!("`{member}` is required in its entity, so withholding `{p}` withholds the whole entity"),
                        Some("withhold the entity's optional members instead if it should go without them".to_owned()),
                    ));
                }
            }
        }
    }
    for (i, c) in a.clauses.iter().enumerate() {
        for (j, d) in a.clauses.iter().enumerate().skip(i + 1) {
            if c.effect == d.effect || !can_overlap(a, c, d) {
                continue;
            }
            let (winner, loser) = if wins_over(c.effect, d.effect) {
                (c, d)
            } else {
                (d, c)
            };
            // An overlap the winning clause declares in `overrides` is meant.
            if winner.overrides.contains(&loser.id) {
                continue;
            }
            out.push((
                format!("/clause/{j}"),
                format!(
                    "clauses `{}` ({}) and `{}` ({}) can both apply to the same request; where both do, `{}` wins",
                    c.id,
                    word(&c.effect),
                    d.id,
                    word(&d.effect),
                    word(&winner.effect)
                ),
                Some(format!(
                    "if that is meant, write `overrides = [\"{}\"]` in clause `{}`; otherwise narrow one clause's conditions",
                    loser.id, winner.id
                )),
            ));
        }
    }
    for (i, c) in a.clauses.iter().enumerate() {
        for (j, o) in c.overrides.iter().enumerate() {
            let Some(d) = a.clauses.iter().find(|d| d.id == *o) else {
                continue;
            };
            if wins_over(c.effect, d.effect) && !can_overlap(a, c, d) {
                out.push((
                    format!("/clause/{i}/overrides/{j}"),
                    format!(
                        "clause `{}` overrides `{o}`, but the two can never apply to the same request",
                        c.id
                    ),
                    Some(format!("remove `{o}` from `overrides`")),
                ));
            }
        }
    }
    out
}

/// The required member of a unit a withhold path names, if it names one
/// (`/entities/*/number`): withholding it withholds the unit.
fn required_member(pattern: &str) -> Option<&str> {
    const REQUIRED: &[&str] = &[
        "document_type",
        "issuing_state",
        "number",
        "status",
        "modality",
        "format",
        "sha256",
        "pointer",
        "conveyance_type",
        "identifier",
        "encounter_type",
        "observed_by",
        "issuing_authority",
        "category",
        "action",
        "indicator_type",
        "value",
        "threat_type",
    ];
    let segments: Vec<&str> = pattern.split('/').skip(1).collect();
    match segments.as_slice() {
        ["entities", _, m] if REQUIRED.contains(m) => Some(m),
        ["source", m @ "source_type"] => Some(m),
        _ => None,
    }
}

/// The warnings about a whole set of agreements, beyond each on its own:
/// versions of one agreement that another version replaces entirely
/// (superseded: they never apply), versions whose validity overlaps a later
/// version's (the later one wins from its `valid_from`), and two agreements
/// with one id and version.
///
/// Each problem names the agreement id; its file is `origin` of the
/// agreement as given.
pub fn check_set(agreements: &[(&Agreement, &str)], now: Timestamp) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem =
        |origin: &str, a: &Agreement, pointer: &str, message: String, help: Option<String>| {
            Problem {
                severity: Severity::Warning,
                file: origin.to_owned(),
                line: None,
                column: None,
                pointer: pointer.to_owned(),
                agreement: Some(a.id.clone()),
                clause: None,
                message,
                help,
            }
        };
    for (i, (a, origin)) in agreements.iter().enumerate() {
        for (b, other) in agreements.iter().skip(i + 1) {
            if a.id != b.id {
                continue;
            }
            if a.version == b.version {
                if a != b {
                    // The set cannot be used at all (deciding refuses to
                    // load it): an error, not a warning.
                    out.push(Problem {
                        severity: Severity::Error,
                        ..problem(
                            other,
                            b,
                            "/version",
                            format!("agreement `{}` version {} is also in `{origin}` with other contents; nothing is released under either", b.id, b.version),
                            Some("give the newer text a new version".to_owned()),
                        )
                    });
                }
                continue;
            }
            let (old, old_origin, new, new_origin) = if a.version < b.version {
                (*a, *origin, *b, *other)
            } else {
                (*b, *other, *a, *origin)
            };
            if new.valid_from <= old.valid_from {
                out.push(problem(
                    old_origin,
                    old,
                    "/version",
                    format!(
                        "version {} of `{}` is superseded by version {} (in `{new_origin}`) from its start, so it never applies",
                        old.version, old.id, new.version
                    ),
                    Some("remove the old version".to_owned()),
                ));
            } else if old.valid_until.is_none_or(|u| u > new.valid_from) {
                out.push(problem(
                    old_origin,
                    old,
                    "/valid_until",
                    format!(
                        "version {} of `{}` overlaps version {} (in `{new_origin}`): from {} only version {} applies",
                        old.version, old.id, new.version, new.valid_from, new.version
                    ),
                    Some(format!("end version {} at `valid_until = {}`", old.version, new.valid_from)),
                ));
            } else if new.valid_from <= now {
                out.push(problem(
                    old_origin,
                    old,
                    "/version",
                    format!(
                        "version {} of `{}` is superseded by version {} (in `{new_origin}`) since {}",
                        old.version, old.id, new.version, new.valid_from
                    ),
                    None,
                ));
            }
        }
    }
    // Match clauses of two agreements of one provider, both in force at
    // some time, that overlap with different limits: the strictest applies.
    for (i, (a, origin)) in agreements.iter().enumerate() {
        for (b, other) in agreements.iter().skip(i + 1) {
            if a.id == b.id || a.provider != b.provider || !in_force_together(a, b, now) {
                continue;
            }
            for m in &a.matching {
                for n in &b.matching {
                    if let Some(overlap) = crate::matching::limits_overlap(m, n) {
                        out.push(problem(
                            origin,
                            a,
                            "/match",
                            format!(
                                "match clause `{}` of `{}` and match clause `{}` of `{}` (in `{other}`) overlap with different budgets on {overlap}",
                                m.id, a.id, n.id, b.id
                            ),
                            Some("give them the same budget, or give them no partner, purpose or kind in common".to_owned()),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Whether two agreements can be in force at one time from `now` on.
fn in_force_together(a: &Agreement, b: &Agreement, now: Timestamp) -> bool {
    let end = |x: &Agreement| match (x.valid_until, x.terminated_at) {
        (Some(u), Some(t)) => Some(u.min(t)),
        (u, t) => u.or(t),
    };
    let start = a.valid_from.max(b.valid_from).max(now);
    [end(a), end(b)].into_iter().flatten().all(|e| e > start)
}

fn effective_max_classification(a: &Agreement, c: &Clause) -> Option<Classification> {
    match (c.effect, c.when.max_classification) {
        (Effect::Release, Some(m)) => Some(m.min(a.max_classification)),
        (Effect::Release, None) => Some(a.max_classification),
        (_, m) => m,
    }
}

fn never_applies(a: &Agreement, c: &Clause) -> Vec<String> {
    let w = &c.when;
    let mut out = Vec::new();
    if let (Some(min), Some(max)) = (w.min_classification, effective_max_classification(a, c))
        && min > max
    {
        out.push(format!(
            "it needs a classification of at least `{}` and at most `{}`",
            word(&min),
            word(&max)
        ));
    }
    if let (Some(min), Some(max)) = (w.min_tlp, w.max_tlp)
        && min > max
    {
        out.push(format!(
            "it needs TLP:{} or above and TLP:{} or below",
            word(&min),
            word(&max)
        ));
    }
    if let (Some(min), Some(max)) = (w.min_age_days, w.max_age_days)
        && min > max
    {
        out.push(format!(
            "it needs records at least {min} and at most {max} days old"
        ));
    }
    if !w.entity_kinds.is_empty()
        && !w.only_entity_kinds.is_empty()
        && !w
            .entity_kinds
            .iter()
            .any(|k| w.only_entity_kinds.contains(k))
    {
        out.push("none of `entity_kinds` is among `only_entity_kinds`".to_owned());
    }
    if let (Some(at_least), Some(at_most)) = (w.min_source_reliability, w.max_source_reliability)
        && at_most > at_least
    {
        out.push(format!(
            "it needs a source at least as reliable as `{}` and at most as reliable as `{}`",
            word(&at_least),
            word(&at_most)
        ));
    }
    if let (Some(at_least), Some(at_most)) =
        (w.min_information_credibility, w.max_information_credibility)
        && at_most > at_least
    {
        out.push(format!(
            "it needs information at least as credible as `{}` and at most as credible as `{}`",
            word(&at_least),
            word(&at_most)
        ));
    }
    if !w.data_subjects.is_empty()
        && !w.only_entity_kinds.is_empty()
        && !w.only_entity_kinds.contains(&EntityKind::Person)
    {
        out.push("`data_subjects` needs a person, and `only_entity_kinds` leaves none".to_owned());
    }
    if w.third_party_source == Some(true)
        && !w.source_agencies.is_empty()
        && w.source_agencies.iter().all(|x| *x == a.provider)
    {
        out.push(format!(
            "information from `{}` itself is not a third agency's information",
            a.provider
        ));
    }
    if !w.caveats_any.is_empty() && w.caveats_any.iter().all(|x| w.caveats_none.contains(x)) {
        out.push("every caveat of `caveats_any` is also in `caveats_none`".to_owned());
    }
    out
}

fn range_overlaps<T: Ord + Copy>(a: (Option<T>, Option<T>), b: (Option<T>, Option<T>)) -> bool {
    let low = match (a.0, b.0) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let high = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (low, high) {
        (Some(l), Some(h)) => l <= h,
        _ => true,
    }
}

/// Whether one grading can meet both clauses' grading conditions: `min_*`
/// asks for a grade at least this good (`A` is best) and a graded source,
/// `max_*` for a grade at most this good or none.
fn grades_overlap<T: Ord + Copy>(at_least: [Option<T>; 2], at_most: [Option<T>; 2]) -> bool {
    let best = at_least.into_iter().flatten().min();
    let worst = at_most.into_iter().flatten().max();
    match (best, worst) {
        (Some(b), Some(w)) => w <= b,
        _ => true,
    }
}

/// Whether some record and request can meet both clauses' conditions.
fn can_overlap(a: &Agreement, c: &Clause, d: &Clause) -> bool {
    let (w, v) = (&c.when, &d.when);
    let purposes = |x: &Clause| -> Vec<Purpose> {
        if x.when.purposes.is_empty() {
            a.purposes.clone()
        } else {
            x.when.purposes.clone()
        }
    };
    let (pc, pd) = (purposes(c), purposes(d));
    if !pc.iter().any(|p| pd.contains(p)) {
        return false;
    }
    let classification = |x: &Clause| {
        (
            x.when.min_classification,
            effective_max_classification(a, x),
        )
    };
    if !range_overlaps(classification(c), classification(d)) {
        return false;
    }
    let tlp = |x: &Clause| -> (Option<Tlp>, Option<Tlp>) { (x.when.min_tlp, x.when.max_tlp) };
    if !range_overlaps(tlp(c), tlp(d)) {
        return false;
    }
    if !range_overlaps(
        (w.min_age_days, w.max_age_days),
        (v.min_age_days, v.max_age_days),
    ) {
        return false;
    }
    if !grades_overlap(
        [w.min_source_reliability, v.min_source_reliability],
        [w.max_source_reliability, v.max_source_reliability],
    ) || !grades_overlap(
        [w.min_information_credibility, v.min_information_credibility],
        [w.max_information_credibility, v.max_information_credibility],
    ) {
        return false;
    }
    if !w.only_entity_kinds.is_empty() && !v.only_entity_kinds.is_empty() {
        let common: Vec<&EntityKind> = w
            .only_entity_kinds
            .iter()
            .filter(|k| v.only_entity_kinds.contains(k))
            .collect();
        let needs = |x: &[EntityKind]| x.is_empty() || x.iter().any(|k| common.contains(&k));
        if common.is_empty() || !needs(&w.entity_kinds) || !needs(&v.entity_kinds) {
            return false;
        }
    }
    for (x, y) in [(w, v), (v, w)] {
        if !y.only_entity_kinds.is_empty()
            && !x.entity_kinds.is_empty()
            && !x
                .entity_kinds
                .iter()
                .any(|k| y.only_entity_kinds.contains(k))
        {
            return false;
        }
        let blocked =
            |list: &[Caveat]| !list.is_empty() && list.iter().all(|k| y.caveats_none.contains(k));
        if blocked(&x.caveats_any) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
id = "a.b"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU"]
valid_from = 2026-01-01T00:00:00Z
valid_until = 2027-01-01T00:00:00Z
legal_basis = "test"
purposes = ["border-control", "counter-terrorism"]
max_classification = "confidential"
"#;

    fn check(clauses: &str, now: &str) -> Vec<Problem> {
        let text = format!("{BASE}{clauses}");
        check_agreement(&text, Format::Toml, "t.toml", now.parse().unwrap())
            .unwrap()
            .1
    }

    #[test]
    fn warns_about_clauses_that_never_apply_and_overlaps() {
        let w = check(
            r#"
[[clause]]
id = "release-docs"
effect = "release"
[clause.release]
classes = ["travel-document"]

[[clause]]
id = "impossible"
effect = "deny"
[clause.when]
min_age_days = 30
max_age_days = 10

[[clause]]
id = "deny-ct"
effect = "deny"
[clause.when]
purposes = ["counter-terrorism"]

[[clause]]
id = "refer-border-only"
effect = "refer"
[clause.when]
purposes = ["border-control"]
min_tlp = "red"
"#,
            "2026-06-01T00:00:00Z",
        );
        let messages: Vec<String> = w.iter().map(ToString::to_string).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("(clause `impossible`)") && m.contains("can never apply")),
            "{messages:#?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`release-docs` (release) and `deny-ct` (deny)")),
            "{messages:#?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`release-docs` (release) and `refer-border-only` (refer)")),
            "{messages:#?}"
        );
        // Different purposes never overlap.
        assert!(
            !messages
                .iter()
                .any(|m| m.contains("`deny-ct` (deny) and `refer-border-only`")),
            "{messages:#?}"
        );
        assert!(
            w.iter()
                .all(|p| p.severity == Severity::Warning && p.line.is_some())
        );
    }

    #[test]
    fn warns_of_a_status_code_onward_but_not_of_a_class_that_holds_the_provider() {
        let text = BASE.replace(
            "recipients = [\"DEU\"]",
            "recipients = [\"eu-member-state\"]",
        );
        let text = format!(
            "{text}[[clause]]\nid = \"c\"\neffect = \"release\"\n[clause.release]\nclasses = [\"identity\"]\n[clause.obligations]\nonward = \"only-to\"\nonward_only_to = [\"XXA\", \"DEU\"]\n"
        );
        let w = check_agreement(
            &text,
            Format::Toml,
            "a.toml",
            "2026-02-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap()
        .1;
        let messages: Vec<&str> = w.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert!(
            messages[0].starts_with("`XXA` is a nationality status"),
            "{messages:#?}"
        );
        assert_eq!(w[0].pointer, "/clause/0/obligations/onward_only_to/0");
    }

    #[test]
    fn names_deprecations_with_the_replacement() {
        let w = check(
            "[[clause]]\nid = \"c\"\neffect = \"release\"\n[clause.release]\nclasses = [\"identity\"]\n[clause.obligations]\nonward_only_to = [\"DEU\"]\n",
            "2026-02-01T00:00:00Z",
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].message
                .starts_with("deprecated: `onward_only_to` without `onward`")
        );
        assert_eq!(
            w[0].help.as_deref(),
            Some("write `onward = \"only-to\"` beside `onward_only_to`")
        );
        assert_eq!(w[0].pointer, "/clause/0/obligations/onward_only_to");
    }

    #[test]
    fn warns_about_misused_additions() {
        let w = check(
            r#"
[[clause]]
id = "coarse-without-places"
effect = "release"
[clause.release]
classes = ["identity"]
transform = ["coarse-coordinates"]

[[clause]]
id = "contradictory-grading"
effect = "refer"
[clause.when]
min_source_reliability = "C"
max_source_reliability = "E"

[[clause]]
id = "doc-number"
effect = "release"
[clause.release]
classes = ["travel-document"]
withhold = ["/entities/*/number"]
"#,
            "2026-02-01T00:00:00Z",
        );
        let messages: Vec<String> = w.iter().map(ToString::to_string).collect();
        for expected in [
            "`coarse-coordinates` reduces `location` fields, which this clause does not let go",
            "(clause `contradictory-grading`): warning: the clause can never apply: it needs a source at least as reliable as `C` and at most as reliable as `E`",
            "`number` is required in its entity, so withholding `/entities/*/number` withholds the whole entity",
        ] {
            assert!(
                messages.iter().any(|m| m.contains(expected)),
                "{expected}: {messages:#?}"
            );
        }
    }

    #[test]
    fn warns_about_agreements_out_of_force() {
        let clause = "[[clause]]\nid = \"c\"\neffect = \"release\"\n[clause.release]\nclasses = [\"identity\"]\n";
        let w = check(clause, "2027-02-01T00:00:00Z");
        assert!(w.iter().any(|p| p.message.contains("expired")), "{w:?}");
        let w = check(clause, "2025-02-01T00:00:00Z");
        assert!(
            w.iter().any(|p| p.message.contains("not in force before")),
            "{w:?}"
        );
        assert!(check(clause, "2026-02-01T00:00:00Z").is_empty());
    }

    #[test]
    fn declared_overlaps_are_quiet_and_undeclared_ones_warn() {
        let clauses = r#"
[[clause]]
id = "documents"
effect = "release"
[clause.release]
classes = ["travel-document"]

[[clause]]
id = "persons"
effect = "release"
[clause.when]
entity_kinds = ["person"]
[clause.release]
classes = ["identity"]

[[clause]]
id = "old-to-a-person"
effect = "refer"
overrides = ["documents"]
[clause.when]
min_age_days = 730

[[clause]]
id = "red-never"
effect = "deny"
overrides = ["documents", "persons", "old-to-a-person"]
[clause.when]
min_tlp = "red"
"#;
        let w = check(clauses, "2026-06-01T00:00:00Z");
        let messages: Vec<String> = w.iter().map(ToString::to_string).collect();
        // `old-to-a-person` declares `documents` but not `persons`.
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert_eq!(
            messages[0],
            "t.toml, line 26, column 1 at `/clause/2` (clause `old-to-a-person`): warning: clauses `persons` (release) and `old-to-a-person` (refer) can both apply to the same request; where both do, `refer` wins; if that is meant, write `overrides = [\"persons\"]` in clause `old-to-a-person`; otherwise narrow one clause's conditions"
        );
        // Without the declarations every overlap warns again.
        let w = check(
            &clauses
                .lines()
                .filter(|l| !l.starts_with("overrides"))
                .collect::<Vec<_>>()
                .join("\n"),
            "2026-06-01T00:00:00Z",
        );
        assert_eq!(w.len(), 5, "{w:#?}");
        assert!(w.iter().all(|p| p.message.contains("can both apply")));
    }

    #[test]
    fn an_override_of_a_clause_it_never_meets_warns() {
        let w = check(
            r#"
[[clause]]
id = "persons"
effect = "release"
[clause.when]
only_entity_kinds = ["person"]
[clause.release]
classes = ["identity"]

[[clause]]
id = "biometrics-never"
effect = "deny"
overrides = ["persons"]
[clause.when]
only_entity_kinds = ["biometric"]
"#,
            "2026-06-01T00:00:00Z",
        );
        assert_eq!(w.len(), 1, "{w:#?}");
        assert_eq!(w[0].pointer, "/clause/1/overrides/0");
        assert_eq!(
            w[0].message,
            "clause `biometrics-never` overrides `persons`, but the two can never apply to the same request"
        );
        assert_eq!(
            w[0].help.as_deref(),
            Some("remove `persons` from `overrides`")
        );
    }

    #[test]
    fn gradings_that_exclude_each_other_never_overlap() {
        let clauses = |max: &str| {
            format!(
                "[[clause]]\nid = \"good\"\neffect = \"release\"\n[clause.when]\nmin_source_reliability = \"C\"\n[clause.release]\nclasses = [\"identity\"]\n\n[[clause]]\nid = \"weak\"\neffect = \"refer\"\n[clause.when]\nmax_source_reliability = \"{max}\"\n"
            )
        };
        // `C` or better, and `E` or worse: no source is both.
        assert!(check(&clauses("E"), "2026-06-01T00:00:00Z").is_empty());
        // `C` or better, and `C` or worse: a `C` source is both.
        let w = check(&clauses("C"), "2026-06-01T00:00:00Z");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("`good` (release) and `weak` (refer)"));
    }
}

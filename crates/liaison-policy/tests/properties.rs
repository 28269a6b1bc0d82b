//! Invariants of deciding and redacting, over generated records and
//! agreements:
//!
//! - every released copy validates;
//! - a released copy never contains a value from a withheld field, nor the
//!   finer form of a transformed one (the full date behind a year, the
//!   exact point behind coarse coordinates, the names behind initials);
//! - adding a deny clause never widens a release;
//! - adding a marking restriction never widens a release;
//! - adding a version of an agreement never widens a release: only the
//!   newest version in force applies;
//! - recording a consent refusal never widens a release;
//! - along a chain of releases the released values only shrink and the
//!   obligations only tighten.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::collections::BTreeSet;

use liaison_policy::{
    Agreement, Clause, Conditions, Decision, Effect, ObligationRules, OnwardRule, PolicySet,
    ReleaseRule, Transformation, redact,
};
use liaison_record::{
    AgencyId, Attribution, Caveat, Classification, Consent, Entity, EntityKind, FieldClass, Party,
    Purpose, Record, Timestamp, Tlp,
};
use proptest::prelude::*;
use serde_json::Value;

const BASES: [&str; 4] = [
    include_str!("scenarios/records/border-hit.json"),
    include_str!("scenarios/records/stolen-document.json"),
    include_str!("scenarios/records/ct-subject.json"),
    include_str!("scenarios/records/cyber-indicators.json"),
];

const CLASSIFICATIONS: [Classification; 5] = [
    Classification::Unclassified,
    Classification::Restricted,
    Classification::Confidential,
    Classification::Secret,
    Classification::TopSecret,
];
const TLPS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];
const CLASSES: [FieldClass; 11] = [
    FieldClass::Identity,
    FieldClass::Biometric,
    FieldClass::TravelDocument,
    FieldClass::Location,
    FieldClass::Movement,
    FieldClass::Alert,
    FieldClass::Indicator,
    FieldClass::Assessment,
    FieldClass::Association,
    FieldClass::Narrative,
    FieldClass::Source,
];
const KINDS: [EntityKind; 10] = [
    EntityKind::Person,
    EntityKind::Organization,
    EntityKind::TravelDocument,
    EntityKind::Biometric,
    EntityKind::Conveyance,
    EntityKind::Location,
    EntityKind::Encounter,
    EntityKind::Alert,
    EntityKind::Indicator,
    EntityKind::Threat,
];
const PATTERNS: [&str; 7] = [
    "/entities/*/date_of_birth",
    "/entities/*/names",
    "/entities/0",
    "/entities/1",
    "/narrative",
    "/source",
    "/extensions",
];
/// Withhold paths, beneath units too.
const WITHHOLD: [&str; 12] = [
    "/entities/*/date_of_birth",
    "/entities/*/names",
    "/entities/0",
    "/entities/1",
    "/narrative",
    "/source",
    "/extensions",
    "/entities/*/mrz",
    "/source/reference",
    "/entities/*/reference",
    "/entities/*/name",
    "/entities/*/latitude",
];
const RECIPIENTS: [&str; 4] = ["DEU-BPOL", "FRA-DGSI", "BEL-VSSE", "POL-SG"];
const PURPOSES: [&str; 3] = ["border-control", "counter-terrorism", "incident-response"];

fn caveats() -> Vec<Caveat> {
    ["ORCON", "NOFORN", "H0", "H1", "H2", "H3"]
        .iter()
        .map(|c| c.parse().unwrap())
        .collect()
}

fn pick<T: Clone>(items: &[T], mask: u32) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, x)| x.clone())
        .collect()
}

/// A valid record: one of the base records with entities left out and its
/// marking and age changed.
fn record() -> impl Strategy<Value = Record> {
    (
        0..BASES.len(),
        any::<u32>(),
        0..2usize,
        0..3usize,
        any::<u8>(),
        0..800i64,
        any::<bool>(),
        0..4u8,
    )
        .prop_map(
            |(base, keep, class, tlp, caveat_mask, age, narrative, source)| {
                let mut r = Record::from_json(BASES[base].as_bytes()).unwrap();
                let mut i = 0;
                r.entities.retain(|_| {
                    i += 1;
                    keep & (1 << (i - 1)) != 0 || i == 1
                });
                let ids: BTreeSet<_> = r.entities.iter().map(Entity::id).collect();
                r.relationships
                    .retain(|l| ids.contains(&l.source) && ids.contains(&l.target));
                for e in &mut r.entities {
                    if let Entity::Encounter(x) = e
                        && x.location.is_some_and(|l| !ids.contains(&l))
                    {
                        x.location = None;
                    }
                }
                if !narrative {
                    r.narrative.clear();
                }
                r.marking.classification = CLASSIFICATIONS[class];
                r.marking.tlp = TLPS[tlp];
                // Mostly uncaveated, so that releases are common.
                if caveat_mask & 0b1100_0000 == 0b1100_0000 {
                    r.marking.caveats = pick(&caveats(), u32::from(caveat_mask));
                }
                let created = Timestamp::from_offset_date_time(
                    at().to_offset_date_time() - time::Duration::days(age),
                );
                r.created = created;
                r.modified = created;
                r.marking.review_by = None;
                // Now and then a third agency's information, with or without
                // its consent to Germany.
                if source >= 2 {
                    r.source = Some(liaison_record::Source {
                        source_type: liaison_record::SourceType::PartnerAgency,
                        reference: Some("BEL-FPP-2026-0042".to_owned()),
                        agency: Some("BEL-FPP".parse().unwrap()),
                        description: Some("liaison officer report".to_owned()),
                        consents: if source == 3 {
                            vec![Consent::new(
                                "BEL-FPP".parse().unwrap(),
                                "DEU".parse().unwrap(),
                                created,
                            )]
                        } else {
                            Vec::new()
                        },
                    });
                }
                r.validate().unwrap();
                r
            },
        )
}

fn at() -> Timestamp {
    "2026-12-01T12:00:00.000Z".parse().unwrap()
}

fn clause() -> impl Strategy<Value = Clause> {
    (
        0..10u8,
        any::<u16>(),
        proptest::option::of(0..5usize),
        proptest::option::of(0..5usize),
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        proptest::option::of(1..400u32),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(
            |(effect, kinds, class, tlp, classes, patterns, transforms, days, obl, withhold)| {
                let effect = match effect {
                    0..=6 => Effect::Release,
                    7 | 8 => Effect::Deny,
                    _ => Effect::Refer,
                };
                let mut when = Conditions {
                    entity_kinds: if kinds & 0b11 == 0 {
                        pick(&KINDS, u32::from(kinds >> 2))
                    } else {
                        vec![]
                    },
                    ..Conditions::default()
                };
                let release = (effect == Effect::Release).then(|| ReleaseRule {
                    classes: {
                        let c = pick(&CLASSES, u32::from(classes));
                        if c.is_empty() {
                            vec![FieldClass::Identity]
                        } else {
                            c
                        }
                    },
                    fields: pick(&PATTERNS, u32::from(patterns & 0b1111))
                        .into_iter()
                        .map(String::from)
                        .collect(),
                    withhold: pick(&WITHHOLD, u32::from(withhold))
                        .into_iter()
                        .map(String::from)
                        .collect(),
                    transform: pick(&Transformation::ALL, u32::from(transforms)),
                });
                if effect == Effect::Release {
                    when.max_classification = class.map(|c| CLASSIFICATIONS[c]);
                    when.max_tlp = tlp.map(|t| TLPS[t]);
                } else {
                    when.min_classification = class.map(|c| CLASSIFICATIONS[c]);
                    when.min_tlp = tlp.map(|t| TLPS[t]);
                }
                let obligations = if effect == Effect::Release {
                    ObligationRules {
                        retention_days: days,
                        onward: match obl & 0b11 {
                            0 => Some(OnwardRule::Forbidden),
                            1 => Some(OnwardRule::WithConsent),
                            _ => None,
                        },
                        notify_on_use: obl & 0b100 != 0,
                        notify_on_onward: obl & 0b1000 != 0,
                        attribution: match (obl >> 4) & 0b11 {
                            0 => Some(Attribution::Must),
                            1 => Some(Attribution::MustNot),
                            _ => None,
                        },
                        encrypt_at_rest: obl & 0b100_0000 != 0,
                        ..ObligationRules::default()
                    }
                } else {
                    ObligationRules::default()
                };
                Clause {
                    id: String::new(),
                    description: None,
                    when,
                    effect,
                    release,
                    obligations,
                    overrides: Vec::new(),
                }
            },
        )
}

fn agreement(provider: &AgencyId, recipients: u32, clauses: Vec<Clause>, n: usize) -> Agreement {
    let mut recipients: Vec<Party> = pick(&RECIPIENTS, recipients)
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    if recipients.is_empty() {
        recipients.push("DEU".parse().unwrap());
    }
    Agreement {
        id: format!("generated.{n}"),
        version: 1,
        title: None,
        provider: provider.clone(),
        recipients,
        valid_from: "2025-01-01T00:00:00.000Z".parse().unwrap(),
        valid_until: None,
        suspended_from: None,
        terminated_at: None,
        obligations_survive: true,
        legal_basis: "generated".to_owned(),
        purposes: PURPOSES.iter().map(|p| p.parse().unwrap()).collect(),
        max_classification: Classification::Secret,
        known_caveats: vec![],
        obligations: ObligationRules::default(),
        require_post_quantum: None,
        matching: vec![],
        clauses: clauses
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c.id = format!("c{i}");
                c
            })
            .collect(),
    }
}

fn request() -> impl Strategy<Value = (AgencyId, Purpose)> {
    (0..RECIPIENTS.len(), 0..PURPOSES.len())
        .prop_map(|(r, p)| (RECIPIENTS[r].parse().unwrap(), PURPOSES[p].parse().unwrap()))
}

/// Pointers of the record that the decision lets go (none if it releases nothing).
fn permitted(record: &Record, d: &Decision) -> BTreeSet<String> {
    if !d.outcome.releases() {
        return BTreeSet::new();
    }
    record
        .classified_fields()
        .into_iter()
        .filter(|f| f.class != FieldClass::Control && !d.withheld.contains(&f.pointer))
        .map(|f| f.pointer)
        .collect()
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The string values of the record's data (provenance left out).
fn data_strings(r: &Record) -> BTreeSet<String> {
    let mut v = serde_json::to_value(r).unwrap();
    v.as_object_mut().unwrap().remove("provenance");
    let mut out = Vec::new();
    strings(&v, &mut out);
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn a_copy_never_holds_a_withheld_value(
        r in record(),
        clauses in proptest::collection::vec(clause(), 1..6),
        recipients in any::<u32>(),
        (to, purpose) in request(),
    ) {
        let set = PolicySet::new(vec![agreement(&r.originator, recipients, clauses, 0)]);
        let d = set.decide(&r, &to, &purpose, at());
        prop_assume!(d.outcome.releases());
        let copy = redact(&r, &d, &d.from).unwrap();
        copy.validate().unwrap();
        // The provenance entry the release appends carries the recipient's
        // own obligations (a TLP:AMBER copy may go only to the recipient's
        // country, say): search the record's data, not that entry.
        let mut released = serde_json::to_value(&copy).unwrap();
        released.as_object_mut().unwrap().remove("provenance");
        let text = released.to_string();
        let original = serde_json::to_value(&r).unwrap();
        let original_text = serde_json::to_string(&r).unwrap();
        for pointer in &d.withheld {
            let mut values = Vec::new();
            strings(original.pointer(pointer).unwrap(), &mut values);
            for value in values {
                let token = serde_json::to_string(&value).unwrap();
                // A value written elsewhere in the record too (a country
                // code, an entity id in a link) proves nothing either way.
                if original_text.matches(&token).count() == 1 {
                    prop_assert!(!text.contains(&token), "withheld {pointer} value {token} is in the copy");
                }
            }
        }
    }

    #[test]
    fn adding_a_deny_clause_never_widens(
        r in record(),
        clauses in proptest::collection::vec(clause(), 1..6),
        deny in clause(),
        recipients in any::<u32>(),
        (to, purpose) in request(),
    ) {
        let mut deny = deny;
        deny.effect = Effect::Deny;
        deny.release = None;
        deny.obligations = ObligationRules::default();
        deny.when.max_classification = None;
        deny.when.max_tlp = None;
        let before = PolicySet::new(vec![agreement(&r.originator, recipients, clauses.clone(), 0)]);
        let mut more = clauses;
        more.push(deny);
        let after = PolicySet::new(vec![agreement(&r.originator, recipients, more, 0)]);
        let (a, b) = (before.decide(&r, &to, &purpose, at()), after.decide(&r, &to, &purpose, at()));
        prop_assert!(permitted(&r, &b).is_subset(&permitted(&r, &a)));
        if b.outcome.releases() {
            prop_assert!(a.outcome.releases());
            prop_assert_eq!(&a.obligations, &b.obligations);
        }
    }

    #[test]
    fn a_stricter_marking_never_widens(
        r in record(),
        clauses in proptest::collection::vec(clause(), 1..6),
        recipients in any::<u32>(),
        (to, purpose) in request(),
        change in 0..6usize,
        which in any::<u8>(),
    ) {
        let set = PolicySet::new(vec![agreement(&r.originator, recipients, clauses, 0)]);
        let mut stricter = r.clone();
        let m = &mut stricter.marking;
        match change {
            0 => m.classification = CLASSIFICATIONS[usize::from(which) % 5].max(m.classification),
            1 => m.tlp = TLPS[usize::from(which) % 5].max(m.tlp),
            2 => {
                let c = caveats()[usize::from(which) % 6].clone();
                if !m.caveats.contains(&c) { m.caveats.push(c); }
            }
            // Narrowing a list: down to one entry of it, or to one entry
            // when empty (an empty list means no limit).
            3 => {
                let p: Party = RECIPIENTS[usize::from(which) % 4].parse().unwrap();
                if m.releasable_to.is_empty() || m.releasable_to.contains(&p) {
                    m.releasable_to = vec![p];
                }
            }
            4 => {
                let p: Purpose = PURPOSES[usize::from(which) % 3].parse().unwrap();
                if m.purposes.is_empty() || m.purposes.contains(&p) {
                    m.purposes = vec![p];
                }
            }
            _ => m.caveats.push("nld-x:unknown".parse().unwrap()),
        }
        let (a, b) = (set.decide(&r, &to, &purpose, at()), set.decide(&stricter, &to, &purpose, at()));
        prop_assert!(permitted(&stricter, &b).is_subset(&permitted(&r, &a)),
            "{:?} -> {:?}", a.outcome, b.outcome);
    }

    #[test]
    fn along_a_chain_rights_only_narrow(
        r in record(),
        first in proptest::collection::vec(clause(), 1..5),
        second in proptest::collection::vec(clause(), 1..5),
        purpose in 0..PURPOSES.len(),
    ) {
        let purpose: Purpose = PURPOSES[purpose].parse().unwrap();
        let b: AgencyId = "DEU-BPOL".parse().unwrap();
        let c: AgencyId = "POL-SG".parse().unwrap();
        let set = PolicySet::new(vec![
            agreement(&r.originator, 0b1, first, 0),
            agreement(&b, 0b1000, second, 1),
        ]);
        let d1 = set.decide(&r, &b, &purpose, at());
        prop_assume!(d1.outcome.releases());
        let copy1 = redact(&r, &d1, &r.originator).unwrap();
        let d2 = set.decide(&copy1, &c, &purpose, at());
        prop_assume!(d2.outcome.releases());
        let copy2 = redact(&copy1, &d2, &b).unwrap();
        copy2.validate().unwrap();
        let (v0, v1, v2) = (data_strings(&r), data_strings(&copy1), data_strings(&copy2));
        // A transformation may shorten a value (a date to its year, a name
        // to its initials, a place of birth to its country) or name the
        // releasing agency as the source; nothing else is new.
        // An entity whose id could tell what the copy keeps back gets a
        // fresh random id (the decision lists it).
        let fresh = |v: &String, d: &liaison_policy::Decision| {
            !d.reidentified.is_empty()
                && uuid::Uuid::parse_str(v).is_ok_and(|u| u.get_version_num() == 4)
        };
        let derived = |v: &String, from: &BTreeSet<String>, releaser: &AgencyId| {
            from.contains(v) || v == releaser.as_str() || v == "partner-agency"
                || v.strip_prefix("*****").is_some_and(|t| from.iter().any(|o| o.ends_with(t)))
                || from.iter().any(|o| o.starts_with(&format!("{v}-")) || o.ends_with(&format!(", {v}")))
                || v.split(' ').all(|w| w.chars().count() == 2 && w.ends_with('.'))
        };
        prop_assert!(v1.iter().all(|v| derived(v, &v0, &r.originator) || fresh(v, &d1)));
        prop_assert!(v2.iter().all(|v| derived(v, &v1, &b) || fresh(v, &d2)));
        let o1 = &copy2.provenance[0].obligations;
        let o2 = &copy2.provenance[1].obligations;
        prop_assert!(o2.is_at_least_as_strict_as(o1), "{o1:?} then {o2:?}");
    }

    #[test]
    fn every_copy_validates_and_hides_the_finer_form(
        r in record(),
        clauses in proptest::collection::vec(clause(), 1..6),
        recipients in any::<u32>(),
        (to, purpose) in request(),
    ) {
        let set = PolicySet::new(vec![agreement(&r.originator, recipients, clauses, 0)]);
        let d = set.decide(&r, &to, &purpose, at());
        prop_assume!(d.outcome.releases());
        let copy = redact(&r, &d, &d.from).unwrap();
        prop_assert!(copy.validate().is_ok());
        // The whole serialized copy, provenance included.
        let text = String::from_utf8(copy.to_json()).unwrap();
        // A transformation reduces the fields the decision lists; a field
        // it does not list goes in full from another clause that lets it go.
        let reduced = |i: usize, member: &str| {
            d.transformed.iter().any(|p| *p == format!("/entities/{i}{member}"))
        };
        // A zone repeats every holder's names and date of birth: it goes
        // only when those go in full.
        let mrz_reduced = r.entities.iter().enumerate().any(|(i, e)| match e {
            Entity::Person(p) => {
                let held = |m: &str| {
                    let ptr = format!("/entities/{i}{m}");
                    d.transformed.contains(&ptr) || d.withheld.contains(&ptr)
                };
                (p.date_of_birth.is_some() && held("/date_of_birth"))
                    || (!p.names.is_empty() && held("/names"))
            }
            _ => false,
        });
        for (i, e) in r.entities.iter().enumerate() {
            match e {
                Entity::Person(p) => {
                    if reduced(i, "/date_of_birth")
                        && let Some(dob) = p.date_of_birth
                        && dob.year_only() != dob
                    {
                        let full = serde_json::to_string(&dob).unwrap();
                        prop_assert!(!text.contains(&full), "full date {full} in the copy");
                    }
                    if reduced(i, "/names") {
                        for n in &p.names {
                            for part in n.given.iter().chain(n.family.iter()) {
                                prop_assert!(!text.contains(&format!("\"{part}\"")), "name {part} in the copy");
                            }
                        }
                    }
                }
                Entity::TravelDocument(doc) if mrz_reduced || reduced(i, "") => {
                    for line in &doc.mrz {
                        prop_assert!(!text.contains(line.as_str()), "MRZ line {line} in the copy");
                    }
                    if reduced(i, "") {
                        // masked: neither the number nor an id derived from it
                        prop_assert!(!text.contains(&format!("\"{}\"", doc.number)), "number {} in the copy", doc.number);
                        for derived in [
                            liaison_record::ids::travel_document_id(doc.issuing_state, doc.document_type, &doc.number),
                            liaison_record::ids::document_holder_id(doc.issuing_state, doc.document_type, &doc.number),
                        ] {
                            prop_assert!(!text.contains(&derived.to_string()), "id {derived} derived from the number in the copy");
                        }
                    }
                }
                Entity::Location(l) if reduced(i, "") => {
                    {
                        for x in [l.latitude, l.longitude].into_iter().flatten() {
                            if (x * 10.0).round() / 10.0 != x {
                                let exact = serde_json::to_string(&x).unwrap();
                                prop_assert!(!text.contains(&exact), "exact coordinate {exact} in the copy");
                            }
                        }
                        for exact in l.name.iter().chain(l.locode.iter()) {
                            prop_assert!(!text.contains(&format!("\"{exact}\"")), "place {exact} in the copy");
                        }
                    }
                }
                _ => {}
            }
        }
        // A third agency's information keeps its trace.
        if let Some(source) = &r.source
            && let Some(third) = &source.agency
        {
            prop_assert_eq!(
                copy.source.as_ref().and_then(|s| s.agency.as_ref()),
                Some(third)
            );
        }
    }

    #[test]
    fn adding_a_version_never_widens(
        r in record(),
        old in proptest::collection::vec(clause(), 1..6),
        new in proptest::collection::vec(clause(), 1..6),
        recipients in any::<u32>(),
        (to, purpose) in request(),
        newer_started in any::<bool>(),
    ) {
        let v1 = agreement(&r.originator, recipients, old, 0);
        let mut v2 = agreement(&r.originator, recipients, new, 0);
        v2.version = 2;
        v2.valid_from = if newer_started {
            "2026-06-01T00:00:00.000Z".parse().unwrap()
        } else {
            "2027-06-01T00:00:00.000Z".parse().unwrap()
        };
        let alone_old = PolicySet::new(vec![v1.clone()]).decide(&r, &to, &purpose, at());
        let alone_new = PolicySet::new(vec![v2.clone()]).decide(&r, &to, &purpose, at());
        let both = PolicySet::new(vec![v1, v2]).decide(&r, &to, &purpose, at());
        // Whichever version is in force alone decides, never the union.
        let governing = if newer_started { &alone_new } else { &alone_old };
        prop_assert_eq!(permitted(&r, &both), permitted(&r, governing));
        prop_assert_eq!(both.outcome, governing.outcome);
        if both.outcome.releases() {
            let version = if newer_started { 2 } else { 1 };
            prop_assert!(both.agreements.iter().all(|a| a.version == version));
            prop_assert!(both.reasons.iter().filter(|x| x.clause.is_some()).all(|x| x.version == Some(version)));
        }
    }

    #[test]
    fn a_consent_refusal_never_widens(
        r in record(),
        clauses in proptest::collection::vec(clause(), 1..6),
        recipients in any::<u32>(),
        (to, purpose) in request(),
        refused_to in 0..RECIPIENTS.len(),
        whole_country in any::<bool>(),
        for_purpose in proptest::option::of(0..PURPOSES.len()),
    ) {
        let set = PolicySet::new(vec![agreement(&r.originator, recipients, clauses, 0)]);
        let mut refused = r.clone();
        let target: AgencyId = RECIPIENTS[refused_to].parse().unwrap();
        let party = if whole_country {
            Party::Country(target.country())
        } else {
            Party::Agency(target)
        };
        let by = refused
            .source
            .as_ref()
            .and_then(|s| s.agency.clone())
            .unwrap_or_else(|| r.originator.clone());
        let mut refusal = Consent::new(by.clone(), party, r.created);
        refusal.refused = true;
        refusal.purposes = for_purpose.map(|p| PURPOSES[p].parse().unwrap()).into_iter().collect();
        match refused.source.as_mut() {
            Some(s) if s.agency.as_ref() == Some(&by) => s.consents.push(refusal),
            _ => prop_assume!(false),
        }
        let (a, b) = (set.decide(&r, &to, &purpose, at()), set.decide(&refused, &to, &purpose, at()));
        prop_assert!(permitted(&refused, &b).is_subset(&permitted(&r, &a)));
        if b.outcome.releases() {
            prop_assert!(a.outcome.releases());
        }
    }
}

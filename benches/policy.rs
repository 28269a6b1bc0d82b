//! Policy decisions: 1,000 agreements of 10 clauses each, a stream of
//! realistic records, recipients and purposes.
//!
//! Group `decide`, one element per decision:
//! - `liaison`: [`PolicySet::decide`], the whole answer (outcome, withheld
//!   fields, merged obligations, reasons, record and agreement-set digests,
//!   a fresh decision id);
//! - `cedar`: the same rules as Cedar policies (release clauses as `permit`,
//!   deny and refer clauses and the marking rules as `forbid`), evaluated by
//!   `cedar-policy` from a context built from the same record and request.
//!   Cedar answers allow or deny only: no fields, obligations or referral;
//! - `cedar-sliced`: the same Cedar policies as a careful Cedar user would
//!   feed them, sliced ahead of time: for each request, only the policies
//!   of the agreements from the record's holder to the recipient (as an
//!   agency or through its country), with the marking rules. The slices are
//!   built before measuring, once per provider and recipient;
//! - `liaison-known-digest`: [`PolicySet::decide_with_digest`], the same
//!   answer for a caller that already holds the record's digest.
//!
//! Each engine is measured with only its own structures built: ours first,
//! then Cedar's policy sets are built and Cedar is measured. Before Cedar is
//! measured, the engines' answers on the stream must agree on every release
//! (a differential check of the translation and of the slicing); a
//! disagreement stops the run.
//!
//! Measured on the 2-core development machine with nothing else running
//! (`cargo bench -p liaison-benches --bench policy -- --measurement-time 8
//! decide`), medians: `liaison-known-digest` 3.57 µs, `liaison` 10.9 µs,
//! `cedar-sliced` 191 µs, `cedar` 28.1 ms: `liaison-known-digest` decides
//! 53 times as many requests a second as `cedar-sliced` and about 7,880
//! times as many as `cedar`. This machine's speed varies between runs by up
//! to half; the figures are from one run. Counted by `valgrind
//! --tool=callgrind` over the stream's requests, a decision given the
//! digest takes about 10,370 instructions (14,855 before the withhold and
//! field patterns were split when agreements are compiled).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, EntityUid, PolicySet as CedarSet,
    Request, RestrictedExpression,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use liaison_policy::{
    Agreement, Clause, Conditions, Effect, JUDICIAL_PURPOSES, LAW_ENFORCEMENT_PURPOSES,
    ObligationRules, OnwardRule, PolicySet, ReleaseRule, Transformation, holder,
};
use liaison_record::{
    AgencyId, Caveat, Classification, Entity, EntityKind, FieldClass, Party, Purpose, Record,
    SourceReliability, Timestamp, Tlp,
};

const BASES: [&str; 4] = [
    include_str!("../crates/liaison-policy/tests/scenarios/records/border-hit.json"),
    include_str!("../crates/liaison-policy/tests/scenarios/records/stolen-document.json"),
    include_str!("../crates/liaison-policy/tests/scenarios/records/ct-subject.json"),
    include_str!("../crates/liaison-policy/tests/scenarios/records/cyber-indicators.json"),
];
const COUNTRIES: [&str; 24] = [
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ESP", "SWE",
];
const CODES: [&str; 4] = ["POL", "BG", "CUS", "INT"];
const PURPOSES: [&str; 8] = [
    "border-control",
    "criminal-investigation",
    "counter-terrorism",
    "incident-response",
    "cyber-defence",
    "migration-management",
    "judicial-proceedings",
    "serious-crime",
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
const RELIABILITIES: [SourceReliability; 6] = [
    SourceReliability::A,
    SourceReliability::B,
    SourceReliability::C,
    SourceReliability::D,
    SourceReliability::E,
    SourceReliability::F,
];

/// A small deterministic generator (SplitMix64), so every run measures the same workload.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
    fn some<T: Clone + PartialEq>(&mut self, items: &[T], max: usize) -> Vec<T> {
        let n = 1 + self.below(max);
        let mut out = Vec::new();
        for _ in 0..n {
            let x = self.pick(items);
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out
    }
}

fn agency(rng: &mut Rng) -> AgencyId {
    format!("{}-{}", rng.pick(&COUNTRIES), rng.pick(&CODES))
        .parse()
        .unwrap()
}

fn at() -> Timestamp {
    "2026-11-25T12:00:00.000Z".parse().unwrap()
}

fn purposes(list: &[&str]) -> Vec<Purpose> {
    list.iter().map(|p| p.parse().unwrap()).collect()
}

fn clause(rng: &mut Rng, i: usize, agreement_purposes: &[Purpose]) -> Clause {
    let effect = match i {
        0..=6 => Effect::Release,
        7 | 8 => Effect::Deny,
        _ => Effect::Refer,
    };
    let mut when = Conditions::default();
    if rng.chance(50) {
        when.entity_kinds = rng.some(&KINDS, 3);
    }
    if rng.chance(30) {
        when.purposes = vec![rng.pick(agreement_purposes)];
    }
    let mut release = None;
    let mut obligations = ObligationRules::default();
    if effect == Effect::Release {
        if rng.chance(50) {
            when.max_classification = Some(rng.pick(&CLASSIFICATIONS[..4]));
        }
        if rng.chance(50) {
            when.max_tlp = Some(rng.pick(&TLPS[1..]));
        }
        if rng.chance(20) {
            when.caveats_none = vec![rng.pick(&["H1", "H2", "ORCON"]).parse().unwrap()];
        }
        if rng.chance(30) {
            when.min_source_reliability = Some(rng.pick(&RELIABILITIES[..4]));
        }
        if rng.chance(30) {
            when.max_age_days = Some(30 + rng.below(700) as u32);
        }
        release = Some(ReleaseRule {
            classes: rng.some(&CLASSES, 6),
            fields: Vec::new(),
            withhold: if rng.chance(30) {
                vec!["/entities/*/place_of_birth".to_owned()]
            } else {
                Vec::new()
            },
            transform: if rng.chance(30) {
                vec![rng.pick(&Transformation::ALL)]
            } else {
                Vec::new()
            },
        });
        obligations = ObligationRules {
            retention_days: rng.chance(60).then(|| 30 + rng.below(365) as u32),
            onward: rng
                .chance(50)
                .then(|| rng.pick(&[OnwardRule::Forbidden, OnwardRule::WithConsent])),
            notify_on_use: rng.chance(40),
            encrypt_at_rest: rng.chance(50),
            ..ObligationRules::default()
        };
    } else {
        // Deny and refer clauses always narrow to something.
        match rng.below(4) {
            0 => when.min_classification = Some(rng.pick(&CLASSIFICATIONS[2..])),
            1 => when.min_tlp = Some(rng.pick(&TLPS[3..])),
            2 => when.caveats_any = vec![rng.pick(&["H1", "H2", "ORCON"]).parse().unwrap()],
            _ => when.min_age_days = Some(365 + rng.below(1000) as u32),
        }
        if when.entity_kinds.is_empty() && when.purposes.is_empty() {
            when.entity_kinds = rng.some(&KINDS, 2);
        }
    }
    Clause {
        id: format!("c{i}"),
        description: None,
        when,
        effect,
        release,
        obligations,
        overrides: Vec::new(),
    }
}

fn agreements(rng: &mut Rng, providers: &[AgencyId]) -> Vec<Agreement> {
    (0..1000)
        .map(|n| {
            let recipients: Vec<Party> = (0..1 + rng.below(3))
                .map(|_| {
                    if rng.chance(30) {
                        Party::Country(rng.pick(&COUNTRIES).parse().unwrap())
                    } else {
                        Party::Agency(agency(rng))
                    }
                })
                .collect();
            let agreement_purposes = purposes(&rng.some(&PURPOSES, 3));
            let expired = rng.chance(5);
            Agreement {
                id: format!("bench.{n}"),
                version: 1,
                title: None,
                provider: rng.pick(providers),
                recipients,
                valid_from: "2025-01-01T00:00:00.000Z".parse().unwrap(),
                valid_until: Some(
                    if expired {
                        "2026-01-01T00:00:00.000Z"
                    } else {
                        "2029-01-01T00:00:00.000Z"
                    }
                    .parse()
                    .unwrap(),
                ),
                suspended_from: None,
                terminated_at: None,
                obligations_survive: true,
                legal_basis: "benchmark".to_owned(),
                max_classification: rng.pick(&CLASSIFICATIONS[1..4]),
                known_caveats: Vec::new(),
                obligations: ObligationRules::default(),
                require_post_quantum: None,
                matching: vec![],
                clauses: (0..10)
                    .map(|i| clause(rng, i, &agreement_purposes))
                    .collect(),
                purposes: agreement_purposes,
            }
        })
        .collect()
}

fn records(rng: &mut Rng, providers: &[AgencyId]) -> Vec<Record> {
    let bases: Vec<Record> = BASES
        .iter()
        .map(|b| Record::from_json(b.as_bytes()).unwrap())
        .collect();
    (0..256)
        .map(|_| {
            let mut r = rng.pick(&bases);
            r.originator = rng.pick(providers);
            let keep = rng.next();
            let mut i = 0;
            r.entities.retain(|_| {
                i += 1;
                i == 1 || keep & (1 << i) != 0
            });
            let ids: Vec<_> = r.entities.iter().map(Entity::id).collect();
            r.relationships
                .retain(|l| ids.contains(&l.source) && ids.contains(&l.target));
            // The originator's own alerts: the Cedar baseline does not model
            // an alert issued by a third party.
            let own = Party::Agency(r.originator.clone());
            for e in &mut r.entities {
                if let Entity::Encounter(x) = e
                    && x.location.is_some_and(|l| !ids.contains(&l))
                {
                    x.location = None;
                }
                if let Entity::Alert(a) = e {
                    a.issuing_authority = own.clone();
                }
            }
            let m = &mut r.marking;
            m.classification = rng.pick(&CLASSIFICATIONS[..4]);
            m.tlp = rng.pick(&TLPS);
            m.caveats = if rng.chance(25) {
                rng.some(&["H0", "H1", "H2", "H3", "ORCON", "NOFORN"], 2)
                    .iter()
                    .map(|c| c.parse().unwrap())
                    .collect()
            } else {
                Vec::new()
            };
            m.releasable_to = if rng.chance(15) {
                vec![Party::Country(rng.pick(&COUNTRIES).parse().unwrap())]
            } else {
                Vec::new()
            };
            m.purposes = if rng.chance(15) {
                purposes(&rng.some(&PURPOSES, 2))
            } else {
                Vec::new()
            };
            m.review_by = None;
            if m.caveats.contains(&Caveat::NoForeignRelease) {
                m.releasable_to.clear();
            }
            r.assessment.source_reliability = rng.chance(80).then(|| rng.pick(&RELIABILITIES));
            let age = rng.below(1500) as i64;
            r.created = Timestamp::from_offset_date_time(
                at().to_offset_date_time() - time::Duration::days(age),
            );
            r.modified = r.created;
            r.validate().unwrap();
            r
        })
        .collect()
}

/// One request of the stream: a record, a recipient, a purpose.
struct Ask {
    record: usize,
    to: AgencyId,
    purpose: Purpose,
}

fn stream(rng: &mut Rng, records: &[Record], agreements: &[Agreement]) -> Vec<Ask> {
    (0..4096)
        .map(|_| {
            let record = rng.below(records.len());
            let mine: Vec<&Agreement> = agreements
                .iter()
                .filter(|a| a.provider == records[record].originator)
                .collect();
            let (to, purpose) = if !mine.is_empty() && rng.chance(80) {
                let a = rng.pick(&mine);
                let to = match rng.pick(&a.recipients) {
                    Party::Agency(x) => x,
                    Party::Country(c) => format!("{c}-{}", rng.pick(&CODES)).parse().unwrap(),
                    Party::Class(_) => unreachable!("the generated agreements name no class"),
                };
                let purpose = if rng.chance(85) {
                    rng.pick(&a.purposes)
                } else {
                    PURPOSES[rng.below(8)].parse().unwrap()
                };
                (to, purpose)
            } else {
                (agency(rng), PURPOSES[rng.below(8)].parse().unwrap())
            };
            Ask {
                record,
                to,
                purpose,
            }
        })
        .collect()
}

// ---- the same rules in Cedar ----

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

fn set_of(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", items.join(", "))
}

fn rank<T: PartialEq>(list: &[T], x: &T) -> usize {
    list.iter().position(|y| y == x).unwrap()
}

fn cedar_policies<'a>(agreements: impl IntoIterator<Item = &'a Agreement>) -> CedarSet {
    let mut text = String::new();
    for a in agreements {
        let recipients: Vec<String> = a
            .recipients
            .iter()
            .map(|p| match p {
                Party::Agency(x) => format!("context.recipient == {:?}", x.as_str()),
                Party::Country(c) => format!("context.recipient_country == {:?}", c.as_str()),
                Party::Class(_) => unreachable!("the generated agreements name no class"),
            })
            .collect();
        let scope = format!(
            "context.provider == {:?} && ({}) && context.now >= {} && context.now < {}",
            a.provider.as_str(),
            recipients.join(" || "),
            a.valid_from.to_offset_date_time().unix_timestamp(),
            a.valid_until
                .unwrap()
                .to_offset_date_time()
                .unix_timestamp(),
        );
        for c in &a.clauses {
            let w = &c.when;
            let mut cond = vec![scope.clone()];
            let ps = if w.purposes.is_empty() {
                &a.purposes
            } else {
                &w.purposes
            };
            cond.push(format!(
                "{}.contains(context.purpose)",
                set_of(ps.iter().map(|p| p.as_str().to_owned()))
            ));
            if !w.entity_kinds.is_empty() {
                cond.push(format!(
                    "context.kinds.containsAny({})",
                    set_of(w.entity_kinds.iter().map(word))
                ));
            }
            let max_c = if c.effect == Effect::Release {
                Some(
                    w.max_classification
                        .map_or(a.max_classification, |m| m.min(a.max_classification)),
                )
            } else {
                w.max_classification
            };
            if let Some(m) = max_c {
                cond.push(format!(
                    "context.classification <= {}",
                    rank(&CLASSIFICATIONS, &m)
                ));
            }
            if let Some(m) = w.min_classification {
                cond.push(format!(
                    "context.classification >= {}",
                    rank(&CLASSIFICATIONS, &m)
                ));
            }
            if let Some(t) = w.max_tlp {
                cond.push(format!("context.tlp <= {}", rank(&TLPS, &t)));
            }
            if let Some(t) = w.min_tlp {
                cond.push(format!("context.tlp >= {}", rank(&TLPS, &t)));
            }
            if !w.caveats_none.is_empty() {
                cond.push(format!(
                    "!context.caveats.containsAny({})",
                    set_of(w.caveats_none.iter().map(Caveat::to_string))
                ));
            }
            if !w.caveats_any.is_empty() {
                cond.push(format!(
                    "context.caveats.containsAny({})",
                    set_of(w.caveats_any.iter().map(Caveat::to_string))
                ));
            }
            if let Some(r) = w.min_source_reliability {
                cond.push(format!(
                    "context.reliability <= {}",
                    rank(&RELIABILITIES, &r)
                ));
            }
            if let Some(d) = w.max_age_days {
                cond.push(format!("context.age_days <= {d}"));
            }
            if let Some(d) = w.min_age_days {
                cond.push(format!("context.age_days >= {d}"));
            }
            let head = if c.effect == Effect::Release {
                "permit"
            } else {
                "forbid"
            };
            writeln!(
                text,
                "{head}(principal, action, resource) when {{ {} }};",
                cond.join(" && ")
            )
            .unwrap();
        }
    }
    // The record's marking, which only narrows.
    let le = set_of(LAW_ENFORCEMENT_PURPOSES.iter().map(|s| (*s).to_owned()));
    let judicial = set_of(JUDICIAL_PURPOSES.iter().map(|s| (*s).to_owned()));
    for rule in [
        "context.releasable_restricted && !context.releasable_to.contains(context.recipient) && !context.releasable_to.contains(context.recipient_country)".to_owned(),
        "context.purpose_restricted && !context.marking_purposes.contains(context.purpose)".to_owned(),
        "context.caveats.contains(\"NOFORN\") && context.recipient_country != context.originator_country".to_owned(),
        format!("context.caveats.contains(\"H0\") && !{le}.contains(context.purpose)"),
        // H1 asks for the originator's permission for judicial use: the
        // provider here is always the originator, whose release gives it.
        format!(
            "context.caveats.contains(\"H1\") && {judicial}.contains(context.purpose) && context.provider != context.originator"
        ),
        "context.caveats.contains(\"H3\")".to_owned(),
        // TLP:RED goes to agencies named one by one, never to a whole country.
        "context.tlp == 4 && !context.releasable_to.contains(context.recipient)".to_owned(),
        // Never to the provider itself; a third agency's information needs
        // that agency's consent (the records carry none).
        "context.recipient == context.provider".to_owned(),
        "context.third_party".to_owned(),
    ] {
        writeln!(text, "forbid(principal, action, resource) when {{ {rule} }};").unwrap();
    }
    CedarSet::from_str(&text).unwrap()
}

fn s(x: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(x.to_owned())
}

fn strings(xs: impl IntoIterator<Item = String>) -> RestrictedExpression {
    RestrictedExpression::new_set(xs.into_iter().map(RestrictedExpression::new_string))
}

/// Builds Cedar's request from the record and the request, as a caller must.
fn cedar_request(r: &Record, to: &AgencyId, purpose: &Purpose, now: Timestamp) -> Request {
    let m = &r.marking;
    let age = (now.to_offset_date_time() - r.created.to_offset_date_time()).whole_days();
    let releasable: Vec<String> = m.releasable_to.iter().map(ToString::to_string).collect();
    let context = Context::from_pairs([
        ("provider".to_owned(), s(holder(r).as_str())),
        ("originator".to_owned(), s(r.originator.as_str())),
        (
            "originator_country".to_owned(),
            s(r.originator.country().as_str()),
        ),
        ("recipient".to_owned(), s(to.as_str())),
        ("recipient_country".to_owned(), s(to.country().as_str())),
        ("purpose".to_owned(), s(purpose.as_str())),
        (
            "now".to_owned(),
            RestrictedExpression::new_long(now.to_offset_date_time().unix_timestamp()),
        ),
        (
            "classification".to_owned(),
            RestrictedExpression::new_long(rank(&CLASSIFICATIONS, &m.classification) as i64),
        ),
        (
            "tlp".to_owned(),
            RestrictedExpression::new_long(rank(&TLPS, &m.tlp) as i64),
        ),
        (
            "caveats".to_owned(),
            strings(m.caveats.iter().map(Caveat::to_string)),
        ),
        (
            "kinds".to_owned(),
            strings(r.entities.iter().map(|e| word(&e.kind()))),
        ),
        (
            "reliability".to_owned(),
            RestrictedExpression::new_long(
                r.assessment
                    .source_reliability
                    .map_or(99, |x| rank(&RELIABILITIES, &x) as i64),
            ),
        ),
        ("age_days".to_owned(), RestrictedExpression::new_long(age)),
        (
            "releasable_restricted".to_owned(),
            RestrictedExpression::new_bool(!releasable.is_empty()),
        ),
        ("releasable_to".to_owned(), strings(releasable)),
        (
            "purpose_restricted".to_owned(),
            RestrictedExpression::new_bool(!m.purposes.is_empty()),
        ),
        (
            "marking_purposes".to_owned(),
            strings(m.purposes.iter().map(|p| p.as_str().to_owned())),
        ),
        (
            "third_party".to_owned(),
            RestrictedExpression::new_bool(
                r.source
                    .as_ref()
                    .and_then(|s| s.agency.as_ref())
                    .is_some_and(|a| *a != r.originator),
            ),
        ),
    ])
    .unwrap();
    let principal = EntityUid::from_str(&format!("Agency::{:?}", to.as_str())).unwrap();
    let action = EntityUid::from_str("Action::\"share\"").unwrap();
    let resource = EntityUid::from_str(&format!("Record::\"{}\"", r.id)).unwrap();
    Request::new(principal, action, resource, context, None).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5EED_2026);
    let providers: Vec<AgencyId> = (0..60).map(|_| agency(&mut rng)).collect();
    let agreements = agreements(&mut rng, &providers);
    let records = records(&mut rng, &providers);
    let asks = stream(&mut rng, &records, &agreements);
    let set = PolicySet::new(agreements.clone());
    assert_eq!(set.clause_count(), 10_000);
    // Our answers on the first 1,024 requests, checked against Cedar's
    // below (Cedar takes milliseconds each, so the check is kept short).
    let checked = &asks[..1024];
    let ours: Vec<_> = checked
        .iter()
        .map(|ask| {
            let r = &records[ask.record];
            set.decide(r, &ask.to, &ask.purpose, at())
        })
        .collect();

    let now = at();
    let mut group = c.benchmark_group("decide");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    // Each engine is measured with only its own structures built: ours
    // first, before Cedar's policy sets exist (their millions of small
    // allocations, held beside ours, slow every allocation ours makes by a
    // third on this machine, which no process running one engine sees).
    let mut i = 0usize;
    group.bench_function("liaison", |b| {
        b.iter(|| {
            let ask = &asks[i % asks.len()];
            i += 1;
            black_box(set.decide(&records[ask.record], &ask.to, &ask.purpose, now))
        });
    });
    // The same decisions by a caller that already holds each record's
    // digest (the facade computes it once per record for sealing and audit).
    let digests: Vec<_> = records.iter().map(Record::digest).collect();
    let mut i = 0usize;
    group.bench_function("liaison-known-digest", |b| {
        b.iter(|| {
            let ask = &asks[i % asks.len()];
            i += 1;
            black_box(set.decide_with_digest(
                &records[ask.record],
                digests[ask.record],
                &ask.to,
                &ask.purpose,
                now,
            ))
        });
    });

    let cedar = cedar_policies(&agreements);
    // Slicing: for each provider and recipient asked about, the policies of
    // the agreements between them (by agency or country), built ahead.
    let mut slices: HashMap<String, HashMap<String, CedarSet>> = HashMap::new();
    for ask in &asks {
        let provider = &records[ask.record].originator;
        slices
            .entry(provider.as_str().to_owned())
            .or_default()
            .entry(ask.to.as_str().to_owned())
            .or_insert_with(|| {
                cedar_policies(agreements.iter().filter(|a| {
                    a.provider == *provider && a.recipients.iter().any(|p| p.includes(&ask.to))
                }))
            });
    }
    let sliced = |r: &Record, to: &AgencyId| &slices[r.originator.as_str()][to.as_str()];
    let authorizer = Authorizer::new();
    let entities = Entities::empty();

    // Differential check: both engines agree on every release, and slicing
    // does not change Cedar's answer. A disagreement stops the run before
    // Cedar is measured, so no figure is reported for a wrong translation.
    let mut releases = 0;
    for (ask, ours) in checked.iter().zip(&ours) {
        let r = &records[ask.record];
        let theirs = authorizer.is_authorized(
            &cedar_request(r, &ask.to, &ask.purpose, at()),
            &cedar,
            &entities,
        );
        let allowed = theirs.decision() == CedarDecision::Allow;
        let sliced_answer = authorizer.is_authorized(
            &cedar_request(r, &ask.to, &ask.purpose, at()),
            sliced(r, &ask.to),
            &entities,
        );
        assert_eq!(
            sliced_answer.decision() == CedarDecision::Allow,
            allowed,
            "slicing changed Cedar's answer"
        );
        assert_eq!(
            ours.outcome.releases(),
            allowed,
            "engines disagree on {} -> {} for {}: {:#?}",
            r.originator,
            ask.to,
            ask.purpose,
            ours.reasons
        );
        releases += usize::from(allowed);
    }
    eprintln!(
        "policy bench: both engines agree on {} requests: {releases} releases, {} refusals or referrals",
        checked.len(),
        checked.len() - releases
    );

    let mut i = 0usize;
    group.bench_function("cedar", |b| {
        b.iter(|| {
            let ask = &asks[i % asks.len()];
            i += 1;
            let request = cedar_request(&records[ask.record], &ask.to, &ask.purpose, now);
            black_box(
                authorizer
                    .is_authorized(&request, &cedar, &entities)
                    .decision(),
            )
        });
    });
    let mut i = 0usize;
    group.bench_function("cedar-sliced", |b| {
        b.iter(|| {
            let ask = &asks[i % asks.len()];
            i += 1;
            let r = &records[ask.record];
            let request = cedar_request(r, &ask.to, &ask.purpose, now);
            black_box(
                authorizer
                    .is_authorized(&request, sliced(r, &ask.to), &entities)
                    .decision(),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

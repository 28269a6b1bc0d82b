//! `[[match]]` clauses: the loader's errors with their place, `policy
//! check`'s warnings, and the decision on a batch of queries.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use liaison_policy::{
    Format, LoadError, MatchRefusal, PolicySet, check_agreement, parse_agreement,
};
use liaison_record::Timestamp;

const HEAD: &str = r#"id = "nld-kmar.partners.matching"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL", "eu-member-state"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Decision 2008/615/JHA"
purposes = ["border-control", "criminal-investigation"]
max_classification = "restricted"

[[clause]]
id = "documents"
effect = "release"
release = { classes = ["travel-document"] }
"#;

const MATCH: &str = r#"
[[match]]
id = "documents"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["travel-document", "vehicle"]
reveal_reference = true
budget = { per_day = 100, per_batch = 10 }
[match.obligations]
retention_days = 30
onward = "forbidden"
"#;

fn text(edit: impl Fn(&str) -> String) -> String {
    format!("{HEAD}{}", edit(MATCH))
}

fn errors(text: &str) -> Vec<(usize, usize, String, Option<String>)> {
    match parse_agreement(text, Format::Toml, "m.toml") {
        Err(LoadError::Invalid(problems)) => problems
            .into_iter()
            .map(|p| {
                assert_eq!(p.file, "m.toml");
                (p.line.unwrap(), p.column.unwrap(), p.message, p.clause)
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn now() -> Timestamp {
    "2026-03-02T09:00:00.000Z".parse().unwrap()
}

#[test]
fn a_match_clause_loads_and_round_trips() {
    let a = parse_agreement(&text(str::to_owned), Format::Toml, "m.toml").unwrap();
    assert_eq!(a.matching.len(), 1);
    let m = &a.matching[0];
    assert_eq!(m.budget.per_day, 100);
    assert!(m.reveal_reference);
    assert_eq!(m.obligations.retention_days, Some(30));
    let json = serde_json::to_string(&a).unwrap();
    let back = parse_agreement(&json, Format::Json, "m.json").unwrap();
    assert_eq!(back, a);
}

#[test]
fn misuse_is_an_error_with_file_line_and_column() {
    // An unknown kind, with the nearest one suggested.
    let e = errors(&text(|m| m.replace("\"vehicle\"", "\"vehicles\"")));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (19, 33));
    assert_eq!(e[0].2, "unknown match key kind `vehicles`");
    // A zero budget, and a batch larger than the day.
    let e = errors(&text(|m| {
        m.replace(
            "per_day = 100, per_batch = 10",
            "per_day = 0, per_batch = 10",
        )
    }));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].2, "`per_day = 0` allows no key a day");
    assert_eq!((e[0].0, e[0].1), (21, 22));
    assert_eq!(e[0].3.as_deref(), Some("documents"));
    assert!(
        e[1].2
            .contains("`per_batch` (10) is more than `per_day` (0)")
    );
    // A purpose the agreement does not have.
    let e = errors(&text(|m| {
        m.replace("[\"border-control\"]", "[\"counter-terrorism\"]")
    }));
    assert_eq!(
        e[0].2,
        "purpose `counter-terrorism` is not one of the agreement's purposes"
    );
    assert_eq!((e[0].0, e[0].1), (18, 13));
    // No kinds, a missing budget, an unknown key.
    let e = errors(&text(|m| {
        m.replace("[\"travel-document\", \"vehicle\"]", "[]")
    }));
    assert_eq!(e[0].2, "no key kinds");
    let e = errors(&text(|m| {
        m.replace("budget = { per_day = 100, per_batch = 10 }\n", "")
    }));
    assert_eq!(e[0].2, "missing key `budget`");
    let e = errors(&text(|m| {
        m.replace("reveal_reference", "reveal_references")
    }));
    assert_eq!(e[0].2, "unknown key `reveal_references`");
    // Retention counted from a record's moment, and a second clause id.
    let e = errors(&text(|m| {
        m.replace(
            "retention_days = 30",
            "retention_days = 30\nretention_from = \"event\"",
        )
    }));
    assert!(e[0].2.contains("cannot count from the `event`"), "{e:?}");
    let e = errors(&text(|m| format!("{m}{m}")));
    assert!(
        e.iter()
            .any(|p| p.2 == "match clause id `documents` is used twice")
    );
}

fn warnings(text: &str) -> Vec<String> {
    let (_, problems) = check_agreement(text, Format::Toml, "m.toml", now()).unwrap();
    problems.into_iter().map(|p| p.message).collect()
}

#[test]
fn policy_check_warns_of_partners_no_release_covers_and_of_overlaps() {
    assert_eq!(warnings(&text(str::to_owned)), Vec::<String>::new());
    // A partner outside the recipients; a party class inside them.
    let w = warnings(&text(|m| {
        m.replace(
            "[\"DEU-BPOL\"]",
            "[\"DEU-BPOL\", \"ISL\", \"eu-member-state\"]",
        )
    }));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("`ISL` may query, but is not among the agreement's recipients"));
    // Two clauses for the same partner, purpose and kind, with the same
    // budget: harmless.
    let second = MATCH
        .replace("id = \"documents\"", "id = \"vehicles\"")
        .replace("[\"travel-document\", \"vehicle\"]", "[\"vehicle\"]");
    let w = warnings(&text(|m| format!("{m}{second}")));
    assert_eq!(w, Vec::<String>::new());
    // With different budgets: the strictest applies, and the warning names
    // both clauses and where they overlap.
    let looser = second.replace(
        "per_day = 100, per_batch = 10",
        "per_day = 1000, per_batch = 50",
    );
    let w = warnings(&text(|m| format!("{m}{looser}")));
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0],
        "match clauses `documents` and `vehicles` overlap with different budgets on `DEU-BPOL`, `border-control` and `vehicle`; the strictest limits apply to every batch with the kind (per_batch = 10, per_day = 100)"
    );
}

#[test]
fn policy_check_warns_of_match_clauses_of_two_agreements_with_different_limits() {
    let one = parse_agreement(&text(str::to_owned), Format::Toml, "one.toml").unwrap();
    let two = parse_agreement(
        &text(|m| {
            m.replace(
                "per_day = 100, per_batch = 10",
                "per_day = 500, per_batch = 50",
            )
        })
        .replace("nld-kmar.partners.matching", "nld-kmar.vehicles"),
        Format::Toml,
        "two.toml",
    )
    .unwrap();
    let w = liaison_policy::check_set(&[(&one, "one.toml"), (&two, "two.toml")], now());
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].file, "one.toml");
    assert!(
        w[0].message.starts_with(
            "match clause `documents` of `nld-kmar.partners.matching` and match clause `documents` of `nld-kmar.vehicles` (in `two.toml`) overlap with different budgets on `DEU-BPOL`, `border-control` and `travel-document`"
        ),
        "{}",
        w[0].message
    );
    // The same budget, or another provider: nothing to say.
    let same = parse_agreement(
        &text(str::to_owned).replace("nld-kmar.partners.matching", "nld-kmar.vehicles"),
        Format::Toml,
        "two.toml",
    )
    .unwrap();
    assert!(
        liaison_policy::check_set(&[(&one, "one.toml"), (&same, "two.toml")], now()).is_empty()
    );
}

fn set(edit: impl Fn(&str) -> String) -> PolicySet {
    PolicySet::new(vec![
        parse_agreement(&text(edit), Format::Toml, "m.toml").unwrap(),
    ])
}

#[test]
fn a_batch_is_decided_by_the_clauses_that_allow_its_kinds() {
    let set = set(str::to_owned);
    let kmar = "NLD-KMAR".parse().unwrap();
    let bpol = "DEU-BPOL".parse().unwrap();
    let border = "border-control".parse().unwrap();
    let decision = set
        .decide_match(&kmar, &bpol, &border, &["travel-document"], 10, now())
        .unwrap();
    assert_eq!(decision.grants.len(), 1);
    assert_eq!(decision.grants[0].clause.id, "documents");
    assert_eq!(
        decision.grants[0].reference.id,
        "nld-kmar.partners.matching"
    );
    assert_eq!((decision.per_batch, decision.per_day), (10, 100));
    let refuse = |partner: &str, purpose: &str, kinds: &[&str], keys: u64| {
        set.decide_match(
            &kmar,
            &partner.parse().unwrap(),
            &purpose.parse().unwrap(),
            kinds,
            keys,
            now(),
        )
        .unwrap_err()
    };
    let e = refuse("DEU-BPOL", "criminal-investigation", &["vehicle"], 1);
    assert_eq!(e.code(), "match-purpose-not-allowed");
    let e = refuse("DEU-BPOL", "border-control", &["vehicle", "ipv4"], 1);
    assert_eq!(e.code(), "match-kind-not-allowed");
    assert!(matches!(e, MatchRefusal::Kind { ref kind, .. } if kind == "ipv4"));
    let e = refuse("DEU-BPOL", "border-control", &["vehicle"], 11);
    assert_eq!(e.code(), "match-batch-too-large");
    assert_eq!(
        e.to_string(),
        "a batch of 11 keys is more than the 10 a batch may hold under `documents`"
    );
    let e = refuse("BEL-FPP", "border-control", &["vehicle"], 1);
    assert_eq!(e.code(), "match-no-clause");
    // Outside the agreement's validity, nothing is granted.
    let before: Timestamp = "2025-12-31T00:00:00.000Z".parse().unwrap();
    assert!(set.match_grants(&kmar, &bpol, before).is_empty());
    // A party class grants its members.
    let classes = self::set(|m| m.replace("[\"DEU-BPOL\"]", "[\"eu-member-state\"]"));
    assert_eq!(
        classes
            .match_grants(&kmar, &"BEL-FPP".parse().unwrap(), now())
            .len(),
        1
    );
}

/// Two clauses of one agreement: persons under one, vehicles under the
/// other, with different budgets.
const PERSONS_AND_VEHICLES: &str = r#"
[[match]]
id = "persons"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["person-dob", "person-yob"]
budget = { per_day = 50, per_batch = 5 }

[[match]]
id = "vehicles"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["vehicle", "person-dob"]
budget = { per_day = 1000, per_batch = 100 }
"#;

#[test]
fn a_batch_mixing_kinds_of_several_clauses_is_allowed_under_the_strictest_limits() {
    let set = PolicySet::new(vec![
        parse_agreement(
            &format!("{HEAD}{PERSONS_AND_VEHICLES}"),
            Format::Toml,
            "m.toml",
        )
        .unwrap(),
    ]);
    let kmar = "NLD-KMAR".parse().unwrap();
    let bpol = "DEU-BPOL".parse().unwrap();
    let border = "border-control".parse().unwrap();
    let decide =
        |kinds: &[&str], keys: u64| set.decide_match(&kmar, &bpol, &border, kinds, keys, now());
    // Each kind is allowed by some clause: the batch is answered.
    let d = decide(&["person-yob", "vehicle"], 5).unwrap();
    let ids: Vec<_> = d.grants.iter().map(|g| g.clause.id.as_str()).collect();
    assert_eq!(ids, ["persons", "vehicles"]);
    assert_eq!((d.per_batch, d.per_day), (5, 50));
    assert_eq!(
        (d.per_batch_clause.as_str(), d.per_day_clause.as_str()),
        ("persons", "persons")
    );
    // Vehicles alone: only their clause applies, with its own limits.
    let d = decide(&["vehicle"], 100).unwrap();
    assert_eq!((d.per_batch, d.per_day), (100, 1000));
    // A kind both clauses allow takes the stricter: the looser clause
    // cannot be used to ask more at once.
    let e = decide(&["person-dob"], 6).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a batch of 6 keys is more than the 5 a batch may hold under `persons`"
    );
    let e = decide(&["vehicle", "ipv4"], 1).unwrap_err();
    assert!(matches!(e, MatchRefusal::Kind { ref kind, .. } if kind == "ipv4"));
}

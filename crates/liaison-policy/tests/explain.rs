//! `PolicySet::explain`, one test per kind of explanation: each builds the
//! case, checks that the advice names what is responsible (the agreement,
//! its version and the clause, and the exact `withhold` entry,
//! transformation, class, condition or marking entry), then makes the
//! advised change itself, to the agreement, the record or the request,
//! decides again and checks that the outcome is the one the advice promised.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::path::PathBuf;

use liaison_policy::{
    Agreement, Clause, Decision, Explanation, Format, Outcome, PolicySet, Transformation,
    load_paths, parse_agreement,
};
use liaison_record::{AgencyId, FieldClass, Purpose, Record, Timestamp};
use serde_json::{Value, json};

const AT: &str = "2026-11-21T08:00:00.000Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The four agreements of `examples/agreements/` (not its sub-folders).
fn examples() -> Vec<Agreement> {
    load_paths(&[root().join("examples/agreements")]).unwrap()
}

fn load(path: &str) -> Vec<Agreement> {
    load_paths(&[root().join(path)]).unwrap()
}

/// A record of `tests/scenarios/records/`, as JSON to edit.
fn record(name: &str) -> Value {
    let path = root()
        .join("crates/liaison-policy/tests/scenarios/records")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// One request: agreements, a record, a recipient, a purpose and a time.
#[derive(Clone)]
struct Case {
    agreements: Vec<Agreement>,
    record: Value,
    to: &'static str,
    purpose: &'static str,
    at: String,
}

impl Case {
    fn new(
        agreements: Vec<Agreement>,
        record: Value,
        to: &'static str,
        purpose: &'static str,
    ) -> Case {
        Case {
            agreements,
            record,
            to,
            purpose,
            at: AT.to_owned(),
        }
    }

    fn parts(&self) -> (PolicySet, Record, AgencyId, Purpose, Timestamp) {
        let record = Record::from_json(&serde_json::to_vec(&self.record).unwrap())
            .unwrap_or_else(|e| panic!("the case's record is not valid: {e}"));
        (
            PolicySet::new(self.agreements.clone()),
            record,
            self.to.parse().unwrap(),
            self.purpose.parse().unwrap(),
            self.at.parse().unwrap(),
        )
    }

    fn decide(&self) -> Decision {
        let (set, record, to, purpose, at) = self.parts();
        set.decide(&record, &to, &purpose, at)
    }

    fn explain(&self) -> Explanation {
        let (set, record, to, purpose, at) = self.parts();
        set.explain(&record, &to, &purpose, at)
    }

    /// The clause `clause` of agreement `id` version `version`, to edit.
    fn clause(&mut self, id: &str, version: u32, clause: &str) -> &mut Clause {
        self.agreement(id, version)
            .clauses
            .iter_mut()
            .find(|c| c.id == clause)
            .unwrap_or_else(|| panic!("no clause `{clause}`"))
    }

    fn agreement(&mut self, id: &str, version: u32) -> &mut Agreement {
        self.agreements
            .iter_mut()
            .find(|a| a.id == id && a.version == version)
            .unwrap_or_else(|| panic!("no agreement `{id}` version {version}"))
    }
}

/// The one change of the explanation that says every one of `words`.
fn change(e: &Explanation, words: &[&str]) -> String {
    let lines: Vec<String> = e.changes.iter().map(ToString::to_string).collect();
    let found: Vec<&String> = lines
        .iter()
        .filter(|l| words.iter().all(|w| l.contains(w)))
        .collect();
    match found.as_slice() {
        [one] => (*one).clone(),
        _ => panic!(
            "expected one change saying {words:?}, found {}; the explanation:\n{e}",
            found.len()
        ),
    }
}

/// What a change promises: its outcome and, for a partial release, how
/// many fields stay withheld.
fn promise(line: &str) -> (Outcome, Option<usize>) {
    let result = line.rsplit(": ").next().unwrap();
    if result.starts_with("it could be released in full") {
        (Outcome::Release, None)
    } else if let Some(rest) = result.strip_prefix("it could be released with ") {
        let n = rest.split(' ').next().unwrap().parse().unwrap();
        (Outcome::PartialRelease, Some(n))
    } else if result.starts_with("it would be referred to the originator") {
        (Outcome::Refer, None)
    } else {
        panic!("the change promises nothing known: {line}")
    }
}

/// Decides the changed case and checks the promise of the advice.
fn keeps_its_promise(line: &str, before: &Decision, changed: &Case) -> Decision {
    let after = changed.decide();
    let (outcome, withheld) = promise(line);
    assert_eq!(after.outcome, outcome, "{line}\n{after:#?}");
    if let Some(n) = withheld {
        assert_eq!(after.withheld.len(), n, "{line}\n{:?}", after.withheld);
    }
    assert_ne!(
        (before.outcome, &before.withheld, &before.transformations),
        (after.outcome, &after.withheld, &after.transformations),
        "the change changed nothing: {line}"
    );
    after
}

/// No change of the explanation says any of `words`.
fn never_says(e: &Explanation, words: &[&str]) {
    for line in e.changes.iter().map(ToString::to_string) {
        for w in words {
            assert!(
                !line.contains(w),
                "`{w}` in the change `{line}`; the explanation:\n{e}"
            );
        }
    }
}

const KMAR: &str = "agreement `nld-kmar.deu-bpol.border-security` version 2";

fn border_case() -> Case {
    Case::new(
        examples(),
        record("border-hit.json"),
        "DEU-BPOL",
        "border-control",
    )
}

#[test]
fn another_purpose_names_the_clause_that_would_release() {
    let mut case = border_case();
    case.purpose = "counter-terrorism";
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "for the purpose `border-control` instead",
            &format!("{KMAR}, clause `persons-at-the-border` would apply"),
        ],
    );
    case.purpose = "border-control";
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_withheld_field_names_the_withhold_entry() {
    let mut case = border_case();
    let before = case.decide();
    assert!(
        before
            .withheld
            .contains(&"/entities/0/place_of_birth".to_owned())
    );
    let e = case.explain();
    let line = change(
        &e,
        &[&format!(
            "{KMAR}, clause `persons-at-the-border`: without the `withhold` entry `/entities/*/place_of_birth`, which withholds `/entities/0/place_of_birth`"
        )],
    );
    // The clause lists `identity` already: listing it is no advice.
    never_says(&e, &["class `identity`", "list the class"]);
    case.clause(
        "nld-kmar.deu-bpol.border-security",
        2,
        "persons-at-the-border",
    )
    .release
    .as_mut()
    .unwrap()
    .withhold
    .retain(|w| w != "/entities/*/place_of_birth");
    let after = keeps_its_promise(&line, &before, &case);
    // Free text (here the source's description and an encounter's
    // extension) went only because a person's fact was kept back: it goes
    // with the place of birth.
    let mut expected = before.withheld.clone();
    expected.retain(|w| {
        !matches!(
            w.as_str(),
            "/entities/0/place_of_birth"
                | "/entities/5/extensions/nld-kmar.case"
                | "/source/description"
        )
    });
    assert_eq!(after.withheld, expected);
}

#[test]
fn a_class_no_applicable_clause_lists_is_named_with_the_clause() {
    let mut case = border_case();
    let before = case.decide();
    assert!(before.withheld.contains(&"/entities/2".to_owned()));
    let e = case.explain();
    let line = change(
        &e,
        &[&format!(
            "{KMAR}, clause `persons-at-the-border`: if `release.classes` also listed `biometric`"
        )],
    );
    case.clause(
        "nld-kmar.deu-bpol.border-security",
        2,
        "persons-at-the-border",
    )
    .release
    .as_mut()
    .unwrap()
    .classes
    .push(FieldClass::Biometric);
    let after = keeps_its_promise(&line, &before, &case);
    assert!(!after.withheld.contains(&"/entities/2".to_owned()));
}

#[test]
fn a_transformation_names_the_clause_and_what_it_reduces() {
    let mut case = border_case();
    case.purpose = "criminal-investigation";
    let before = case.decide();
    assert_eq!(before.transformations, [Transformation::DateOfBirthToYear]);
    let e = case.explain();
    let line = change(
        &e,
        &[&format!(
            "{KMAR}, clause `persons-for-investigation`: without the transformation `date-of-birth-to-year`, which reduces `/entities/0/date_of_birth`"
        )],
    );
    // What is already applied is no change to make.
    never_says(&e, &["is applied to the copy"]);
    case.clause(
        "nld-kmar.deu-bpol.border-security",
        2,
        "persons-for-investigation",
    )
    .release
    .as_mut()
    .unwrap()
    .transform
    .clear();
    let after = keeps_its_promise(&line, &before, &case);
    assert!(after.transformations.is_empty());
    assert!(
        !after
            .transformed
            .contains(&"/entities/0/date_of_birth".to_owned())
    );
}

#[test]
fn a_classification_above_the_ceiling_names_the_clause_that_would_apply() {
    let mut case = border_case();
    case.record["marking"]["classification"] = json!("confidential");
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "if the originator downgraded the record to `restricted`",
            &format!("{KMAR}, clause `persons-at-the-border` would apply"),
        ],
    );
    // `unclassified` would do too, but `restricted` is the least change.
    case.record["marking"]["classification"] = json!("restricted");
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_tlp_referral_names_the_refer_clause() {
    let mut case = Case::new(
        examples(),
        record("cyber-indicators.json"),
        "DEU-BSI",
        "incident-response",
    );
    case.record["marking"]["tlp"] = json!("red");
    case.record["marking"]["releasable_to"] = json!(["DEU-BSI"]);
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Refer);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "if the originator relabelled the record TLP:AMBER+STRICT",
            "agreement `nld-ncsc.cyber-community` version 3, clause `red-goes-to-a-person` would no longer apply",
            "agreement `nld-ncsc.cyber-community` version 3, clause `amber` would apply",
        ],
    );
    case.record["marking"]["tlp"] = json!("amber+strict");
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_deny_clause_on_a_caveat_is_named_with_the_caveat() {
    let mut case = Case::new(
        examples(),
        record("ct-subject.json"),
        "DEU-BFV",
        "counter-terrorism",
    );
    case.record["marking"]["caveats"] = json!(["nld-nctv:national-only"]);
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "if the originator lifted the caveat `nld-nctv:national-only`",
            "agreement `nld-nctv.ctg.counter-terrorism` version 1, clause `national-only` would no longer apply",
        ],
    );
    case.record["marking"]["caveats"] = json!([]);
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_refer_clause_on_an_entity_kind_is_named_with_the_entities() {
    // The Bundespolizei's own alert record, with a biometric reference.
    let mut case = Case::new(
        examples(),
        record("border-hit.json"),
        "POL-SG",
        "border-control",
    );
    case.record["originator"] = json!("DEU-BPOL");
    for e in case.record["entities"].as_array_mut().unwrap() {
        if e["kind"] == "alert" {
            e["issuing_authority"] = json!("DEU-BPOL");
        }
    }
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Refer);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "if the `biometric` entities were left out of the record",
            "agreement `deu-bpol.pol-sg.alerts` version 1, clause `no-biometrics` would no longer apply",
        ],
    );
    let biometric: Vec<Value> = case.record["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "biometric")
        .map(|e| e["id"].clone())
        .collect();
    case.record["entities"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["kind"] != "biometric");
    case.record["relationships"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !biometric.contains(&r["source"]) && !biometric.contains(&r["target"]));
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_deny_clause_the_record_cannot_escape_is_named() {
    let mut case = Case::new(
        load("examples/agreements/liaison-office"),
        record("stolen-document.json"),
        "BEL-FPP",
        "border-control",
    );
    case.record["source"] = json!({"source_type": "human", "reference": "KMAR-HUMINT-7"});
    case.at = "2026-10-05T10:00:00.000Z".to_owned();
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "agreement `nld-kmar.bel-fpp.liaison` version 2, clause `human-sources-never`: without this deny clause",
        ],
    );
    case.agreement("nld-kmar.bel-fpp.liaison", 2)
        .clauses
        .retain(|c| c.id != "human-sources-never");
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_grading_condition_is_named_with_the_clause() {
    let mut case = border_case();
    case.purpose = "criminal-investigation";
    case.record["assessment"]["source_reliability"] = json!("D");
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[&format!(
            "{KMAR}, clause `persons-for-investigation`: without the condition `when.min_source_reliability` (the source is graded `D`, less reliable than `C`)"
        )],
    );
    case.clause(
        "nld-kmar.deu-bpol.border-security",
        2,
        "persons-for-investigation",
    )
    .when
    .min_source_reliability = None;
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_source_condition_is_named_with_the_clause() {
    let agreement = parse_agreement(
        r#"
id = "test.official-records"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "test"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "official-records"
effect = "release"
[clause.when]
source_types = ["official-record"]
[clause.release]
classes = ["identity", "travel-document", "alert", "association"]
"#,
        Format::Toml,
        "official.toml",
    )
    .unwrap();
    let mut case = Case::new(
        vec![agreement],
        record("border-hit.json"),
        "DEU-BPOL",
        "border-control",
    );
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "agreement `test.official-records` version 1, clause `official-records`: without the condition `when.source_types` (the source is of type `observation`)",
        ],
    );
    case.clause("test.official-records", 1, "official-records")
        .when
        .source_types
        .clear();
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_third_party_referral_names_the_consent_needed() {
    let mut case = border_case();
    case.record["source"] = json!({
        "source_type": "partner-agency",
        "agency": "BEL-FPP",
        "reference": "FPP-2026-118"
    });
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Refer);
    let e = case.explain();
    let line = change(
        &e,
        &["with a consent of `BEL-FPP` to pass it to `DEU-BPOL` recorded in `/source/consents`"],
    );
    case.record["source"]["consents"] = json!([{"by": "BEL-FPP", "to": "DEU-BPOL", "at": AT}]);
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn an_alert_of_another_agency_names_its_issuers_consent() {
    let mut case = border_case();
    for e in case.record["entities"].as_array_mut().unwrap() {
        if e["kind"] == "alert" {
            e["issuing_authority"] = json!("FRA-DCPJ");
        }
    }
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Refer);
    assert!(
        before.reasons.iter().any(|r| matches!(
            &r.rule,
            liaison_policy::Rule::ThirdPartyAlert { issuer } if issuer.to_string() == "FRA-DCPJ"
        )),
        "{before:?}"
    );
    let e = case.explain();
    let line = change(
        &e,
        &["with a consent of `FRA-DCPJ` to pass it to `DEU-BPOL` recorded in `/source/consents`"],
    );
    case.record["source"]["consents"] = json!([{"by": "FRA-DCPJ", "to": "DEU-BPOL", "at": AT}]);
    keeps_its_promise(&line, &before, &case);
    // A recorded refusal is named as what decides.
    case.record["source"]["consents"] =
        json!([{"by": "FRA-DCPJ", "to": "DEU-BPOL", "at": AT, "refused": true}]);
    let refused = case.decide();
    assert_eq!(refused.outcome, Outcome::Refer);
    assert!(
        refused.reasons.iter().any(|r| r
            .message
            .contains("a refusal of `FRA-DCPJ` recorded in the record covers `DEU-BPOL`")),
        "{refused:?}"
    );
}

#[test]
fn an_originator_control_referral_names_the_consent_needed() {
    let mut case = Case::new(
        examples(),
        record("stolen-document.json"),
        "POL-SG",
        "border-control",
    );
    case.record["marking"]["caveats"] = json!(["ORCON"]);
    case.record["provenance"] = json!([{
        "from": "NLD-KMAR",
        "to": "DEU-BPOL",
        "at": "2026-10-02T16:00:00.000Z",
        "purpose": "border-control",
        "agreement": {
            "id": "nld-kmar.deu-bpol.border-security",
            "version": 2,
            "digest": "5d41402abc4b2a76b9719d911017c592ae4f1c2b4f6e8d3a9c0b1e2f3a4b5c6d"
        },
        "decision": "0f8d3c2a-4b5e-4c6d-8e7f-9a0b1c2d3e4f",
        "obligations": {"onward": {"rule": "permitted"}}
    }]);
    case.at = "2026-10-05T10:00:00.000Z".to_owned();
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Refer);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "with a consent of `NLD-KMAR` to pass it to `POL-SG` recorded in `/provenance/0/consents`",
        ],
    );
    case.record["provenance"][0]["consents"] =
        json!([{"by": "NLD-KMAR", "to": "POL-SG", "at": "2026-10-05T10:00:00.000Z"}]);
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_marking_limit_on_recipients_names_the_marking_entry() {
    let mut case = border_case();
    case.record["marking"]["releasable_to"] = json!(["NLD"]);
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &["if the originator added `DEU-BPOL` to the marking's `releasable_to`"],
    );
    case.record["marking"]["releasable_to"] = json!(["NLD", "DEU-BPOL"]);
    keeps_its_promise(&line, &before, &case);

    // TLP:RED goes only to agencies named one by one: Germany as a whole
    // includes the Bundespolizei, and still does not name it.
    let mut case = border_case();
    case.record["marking"]["tlp"] = json!("red");
    case.record["marking"]["releasable_to"] = json!(["DEU"]);
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &["if the originator added `DEU-BPOL` to the marking's `releasable_to`"],
    );
    case.record["marking"]["releasable_to"] = json!(["DEU", "DEU-BPOL"]);
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_marking_limit_on_purposes_names_the_marking_entry() {
    let mut case = border_case();
    case.record["marking"]["purposes"] = json!(["criminal-investigation"]);
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &["if the originator allowed the purpose `border-control` in the marking's `purposes`"],
    );
    case.record["marking"]["purposes"] = json!(["criminal-investigation", "border-control"]);
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_record_past_its_review_date_names_the_review() {
    let mut case = border_case();
    // For an investigation: `persons-at-the-border` stops at 365 days.
    case.purpose = "criminal-investigation";
    case.at = "2027-12-01T00:00:00.000Z".to_owned();
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &["if the originator reviewed the record and set its `review_by` to 2027-12-01 or later"],
    );
    case.record["marking"]["review_by"] = json!("2027-12-01");
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_suspended_version_names_the_suspension() {
    let mut case = Case::new(
        load("crates/liaison-policy/tests/scenarios/agreements/test.versions.v1.toml")
            .into_iter()
            .chain(load(
                "crates/liaison-policy/tests/scenarios/agreements/test.versions.v2.toml",
            ))
            .chain(load(
                "crates/liaison-policy/tests/scenarios/agreements/test.versions.v3-suspended.toml",
            ))
            .collect(),
        record("stolen-document.json"),
        "DEU-BPOL",
        "border-control",
    );
    case.at = "2026-10-05T10:00:00.000Z".to_owned();
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[
            "agreement `test.versions` version 3: without `suspended_from` (suspended since 2026-10-01T00:00:00.000Z)",
        ],
    );
    case.agreement("test.versions", 3).suspended_from = None;
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn a_version_not_yet_in_force_names_when_it_starts() {
    let mut case = border_case();
    let start: Timestamp = "2026-12-01T00:00:00.000Z".parse().unwrap();
    case.agreement("nld-kmar.deu-bpol.border-security", 2)
        .valid_from = start;
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[&format!(
            "if decided at or after 2026-12-01T00:00:00.000Z, when {KMAR} comes into force"
        )],
    );
    case.at = start.to_string();
    keeps_its_promise(&line, &before, &case);
}

#[test]
fn an_expired_version_names_its_end() {
    let mut case = border_case();
    case.at = "2030-06-01T00:00:00.000Z".to_owned();
    case.record["marking"]
        .as_object_mut()
        .unwrap()
        .remove("review_by");
    let before = case.decide();
    assert_eq!(before.outcome, Outcome::Deny);
    let e = case.explain();
    let line = change(
        &e,
        &[&format!(
            "{KMAR}: with a `valid_until` after 2030-06-01T00:00:00.000Z (it expired at 2029-12-31T23:59:59.000Z)"
        )],
    );
    case.agreement("nld-kmar.deu-bpol.border-security", 2)
        .valid_until = None;
    // The record is then old enough for `old-records-need-review`.
    let after = keeps_its_promise(&line, &before, &case);
    assert_eq!(after.outcome, Outcome::Refer);
}

#[test]
fn a_request_nothing_would_help_says_so() {
    let case = Case::new(
        examples(),
        record("border-hit.json"),
        "FRA-PAF",
        "border-control",
    );
    let e = case.explain();
    assert!(e.changes.is_empty(), "{e}");
    assert!(e.to_string().contains("No single change tried"), "{e}");
}

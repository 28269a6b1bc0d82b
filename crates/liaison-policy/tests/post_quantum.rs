//! `require_post_quantum`: which releases an agreement requires to be
//! sealed post-quantum, carried by the decision with its reason.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use liaison_policy::{Decision, Format, PolicySet, ReasonEffect, Rule, parse_agreement};
use liaison_record::Record;

fn agreement(rule: &str) -> PolicySet {
    let text = format!(
        r#"
id = "nld-kmar.partners.documents"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU", "BEL-FPP"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Convention, art. 39"
purposes = ["border-control"]
max_classification = "secret"
{rule}

[[clause]]
id = "stolen-documents"
effect = "release"
when = {{ entity_kinds = ["travel-document"] }}
release = {{ classes = ["travel-document"] }}
"#
    );
    PolicySet::new(vec![
        parse_agreement(&text, Format::Toml, "agreement.toml").unwrap(),
    ])
}

fn record(classification: &str) -> Record {
    let json = format!(
        r#"{{
  "schema_version": "1.0",
  "id": "7f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "2026-03-01T10:00:00.000Z",
  "modified": "2026-03-01T10:00:00.000Z",
  "marking": {{ "classification": "{classification}", "tlp": "amber" }},
  "entities": [
    {{ "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
      "document_type": "passport", "issuing_state": "NLD", "number": "SPECI2014",
      "status": "stolen" }}
  ],
  "source": {{ "source_type": "human", "reference": "NL-HUM-0042" }}
}}"#
    );
    Record::from_json(json.as_bytes()).unwrap()
}

fn decide(set: &PolicySet, classification: &str, to: &str) -> Decision {
    let d = set.decide(
        &record(classification),
        &to.parse().unwrap(),
        &"border-control".parse().unwrap(),
        "2026-03-02T09:00:00.000Z".parse().unwrap(),
    );
    assert!(d.outcome.releases(), "{:?}", d.reasons);
    d
}

fn pq_reasons(d: &Decision) -> usize {
    d.reasons
        .iter()
        .filter(|r| r.rule == Rule::PostQuantum && r.effect == ReasonEffect::Restrict)
        .count()
}

#[test]
fn a_classification_floor_and_named_partners_require_post_quantum_sealing() {
    let floor = agreement("[require_post_quantum]\nmin_classification = \"confidential\"");
    let d = decide(&floor, "confidential", "DEU-BPOL");
    assert!(d.require_post_quantum);
    assert_eq!(pq_reasons(&d), 1);
    assert!(
        d.reasons
            .iter()
            .any(|r| r.message.contains("`confidential` or above"))
    );
    let d = decide(&floor, "restricted", "DEU-BPOL");
    assert!(!d.require_post_quantum);
    assert_eq!(pq_reasons(&d), 0);

    let partners = agreement("[require_post_quantum]\npartners = [\"BEL-FPP\"]");
    assert!(decide(&partners, "unclassified", "BEL-FPP").require_post_quantum);
    assert!(!decide(&partners, "secret", "DEU-BPOL").require_post_quantum);
    // A country names all its agencies; both conditions must hold.
    let both =
        agreement("[require_post_quantum]\nmin_classification = \"secret\"\npartners = [\"DEU\"]");
    assert!(decide(&both, "secret", "DEU-BPOL").require_post_quantum);
    assert!(!decide(&both, "confidential", "DEU-BPOL").require_post_quantum);
    assert!(!decide(&both, "secret", "BEL-FPP").require_post_quantum);
    // An empty table: every release; none when absent.
    assert!(
        decide(
            &agreement("[require_post_quantum]"),
            "unclassified",
            "BEL-FPP"
        )
        .require_post_quantum
    );
    let none = decide(&agreement(""), "secret", "BEL-FPP");
    assert!(!none.require_post_quantum);
    // The decision's JSON carries it, and reads back.
    let d = decide(&floor, "secret", "DEU-BPOL");
    let json = serde_json::to_string(&d).unwrap();
    assert!(json.contains("\"require_post_quantum\":true"));
    assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
    assert!(
        !serde_json::to_string(&none)
            .unwrap()
            .contains("require_post_quantum")
    );
}

#[test]
fn an_unknown_key_or_a_bad_value_is_refused_at_its_pointer() {
    let text = |rule: &str| {
        format!(
            "id = \"a\"\nversion = 1\nprovider = \"NLD-KMAR\"\nrecipients = [\"DEU\"]\nvalid_from = 2026-01-01T00:00:00Z\nlegal_basis = \"x\"\npurposes = [\"border-control\"]\nmax_classification = \"secret\"\n{rule}\n[[clause]]\nid = \"c\"\neffect = \"deny\"\n"
        )
    };
    for (rule, pointer) in [
        (
            "[require_post_quantum]\nmin_clasification = \"secret\"",
            "/require_post_quantum/min_clasification",
        ),
        (
            "[require_post_quantum]\nmin_classification = \"secert\"",
            "/require_post_quantum/min_classification",
        ),
        (
            "[require_post_quantum]\npartners = [\"deu\"]",
            "/require_post_quantum/partners/0",
        ),
    ] {
        let err = parse_agreement(&text(rule), Format::Toml, "a.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(pointer), "{rule}: {err}");
    }
}

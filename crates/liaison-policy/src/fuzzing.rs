//! Hooks for the fuzz targets (not part of the stable interface).

use liaison_record::{Record, Timestamp};
use serde_json::Value;

use crate::{Agreement, Format, PolicySet, check_agreement, parse_agreement, redact};

/// Parses the bytes as a TOML and as a JSON agreement. Whatever parses must
/// check without error and survive a round trip through JSON unchanged.
///
/// # Errors
///
/// A description of the broken invariant.
pub fn agreement_round_trip(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let now = Timestamp::now();
    for format in [Format::Toml, Format::Json] {
        if let Ok(a) = parse_agreement(text, format, "fuzz") {
            check_agreement(text, format, "fuzz", now)
                .map_err(|e| format!("parsed but does not check: {e}"))?;
            let json = serde_json::to_string(&a).map_err(|e| e.to_string())?;
            let back = parse_agreement(&json, Format::Json, "fuzz-json")
                .map_err(|e| format!("JSON form does not load: {e}"))?;
            if back != a {
                return Err("JSON round trip changed the agreement".to_owned());
            }
        }
    }
    Ok(())
}

const FIXED: &str = r#"
id = "fuzz.fixed"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU", "BEL-FPP"]
valid_from = 2020-01-01T00:00:00Z
legal_basis = "fuzzing"
purposes = ["border-control", "counter-terrorism"]
max_classification = "secret"

[[clause]]
id = "people"
effect = "release"
[clause.when]
entity_kinds = ["person"]
[clause.release]
classes = ["identity", "travel-document", "movement", "association"]
withhold = ["/entities/*/place_of_birth", "/extensions"]
transform = ["date-of-birth-to-year", "neutral-source"]
[clause.obligations]
retention_days = 30
onward = "forbidden"

[[clause]]
id = "everything-else"
effect = "release"
[clause.when]
max_tlp = "amber"
[clause.release]
classes = ["alert", "indicator", "location", "assessment", "narrative", "source"]
transform = ["coarse-coordinates"]

[[clause]]
id = "no-biometrics"
effect = "deny"
[clause.when]
entity_kinds = ["biometric"]
min_classification = "confidential"
"#;

/// The fixed agreement set `decide_redact` decides against.
///
/// # Errors
///
/// When the fixed agreement does not load (a bug).
pub fn fixed_policies() -> Result<PolicySet, String> {
    let a: Agreement = parse_agreement(FIXED, Format::Toml, "fixed").map_err(|e| e.to_string())?;
    Ok(PolicySet::new(vec![a]))
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Parses the bytes as a record; if they parse, decides for two recipients
/// and purposes against `policies`, redacts, and checks that the copy
/// validates, carries the decision in its provenance and holds no value
/// found only under a withheld field.
///
/// # Errors
///
/// A description of the broken invariant.
pub fn decide_redact(policies: &PolicySet, data: &[u8]) -> Result<(), String> {
    let Ok(record) = Record::from_json(data) else {
        return Ok(());
    };
    let at = record.modified;
    let original = serde_json::to_value(&record).map_err(|e| e.to_string())?;
    let original_text = original.to_string();
    for (to, purpose) in [
        ("DEU-BPOL", "border-control"),
        ("BEL-FPP", "counter-terrorism"),
    ] {
        let to = to.parse().map_err(|_| "recipient")?;
        let purpose = purpose.parse().map_err(|_| "purpose")?;
        let d = policies.decide(&record, &to, &purpose, at);
        let copy = match redact(&record, &d, &d.from) {
            Ok(copy) => copy,
            Err(e) if d.outcome.releases() => {
                return Err(format!("a release does not redact: {e}"));
            }
            Err(_) => continue,
        };
        copy.validate()
            .map_err(|e| format!("the copy does not validate: {e}"))?;
        if copy.provenance.last().map(|p| p.decision) != Some(d.id) {
            return Err("the copy's provenance does not name the decision".to_owned());
        }
        let text = String::from_utf8(copy.to_json()).map_err(|e| e.to_string())?;
        for pointer in &d.withheld {
            let mut values = Vec::new();
            strings(
                original
                    .pointer(pointer)
                    .ok_or("withheld pointer not in the record")?,
                &mut values,
            );
            for v in values {
                let token = Value::String(v).to_string();
                if original_text.matches(&token).count() == 1 && text.contains(&token) {
                    return Err(format!("withheld `{pointer}` value {token} is in the copy"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_set_loads_and_scenario_records_pass() {
        let set = fixed_policies().unwrap();
        for record in [
            include_str!("../tests/scenarios/records/border-hit.json"),
            include_str!("../tests/scenarios/records/stolen-document.json"),
            include_str!("../tests/scenarios/records/ct-subject.json"),
        ] {
            decide_redact(&set, record.as_bytes()).unwrap();
        }
        agreement_round_trip(FIXED.as_bytes()).unwrap();
        agreement_round_trip(b"not an agreement").unwrap();
    }
}

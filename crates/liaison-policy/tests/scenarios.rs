//! Runs every scenario of `tests/scenarios/`: an engine-neutral data format
//! (agreement files, a record with an optional RFC 7396 merge patch, a
//! request and the expected decision), described in its README.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use liaison_policy::{
    Decision, Outcome, PolicySet, ReasonEffect, RedactError, load_paths, redact, redact_with_digest,
};
use liaison_record::Record;
use serde_json::Value;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn rule_tag(d: &Decision, i: usize) -> String {
    let v = serde_json::to_value(&d.reasons[i].rule).unwrap();
    v["rule"].as_str().unwrap().to_owned()
}

fn run(path: &Path) -> Result<(), String> {
    let s: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let base = path.parent().unwrap();
    let agreements: Vec<PathBuf> = s["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| base.join(p.as_str().unwrap()))
        .collect();
    let expect = &s["expect"];
    let loaded = load_paths(&agreements);
    if let Some(wanted) = expect.get("load_error") {
        return match loaded {
            Ok(_) => Err(format!(
                "{}: the agreements loaded, expected a load error",
                path.display()
            )),
            Err(e) => {
                let text = e.to_string();
                let missing: Vec<&str> = wanted
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w.as_str().unwrap())
                    .filter(|w| !text.contains(w))
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: the load error does not say {missing:?}:\n{text}",
                        path.display()
                    ))
                }
            }
        };
    }
    let set = PolicySet::new(loaded.map_err(|e| e.to_string())?);
    let mut record: Value =
        serde_json::from_slice(&std::fs::read(base.join(s["record"].as_str().unwrap())).unwrap())
            .unwrap();
    if let Some(patch) = s.get("record_patch") {
        merge_patch(&mut record, patch);
    }
    let record = Record::from_json(&serde_json::to_vec(&record).unwrap())
        .map_err(|e| format!("record: {e}"))?;
    let req = &s["request"];
    let to = req["to"].as_str().unwrap().parse().unwrap();
    let purpose = req["purpose"].as_str().unwrap().parse().unwrap();
    let at = req["at"].as_str().unwrap().parse().unwrap();
    let context: liaison_policy::RequestContext = req
        .get("context")
        .map(|c| serde_json::from_value(c.clone()).unwrap())
        .unwrap_or_default();
    let d = set.decide_in_context(&record, record.digest(), &to, &purpose, at, &context);
    let mut problems = Vec::new();
    if let Some(want) = expect.get("respond_by") {
        let got = serde_json::to_value(d.respond_by).unwrap();
        if &got != want {
            problems.push(format!("respond_by {got}, expected {want}"));
        }
    }
    if let Some(want) = expect.get("reidentified") {
        let got: Vec<&str> = d.reidentified.iter().map(|r| r.pointer.as_str()).collect();
        let want: Vec<&str> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if got != want {
            problems.push(format!("reidentified {got:?}, expected {want:?}"));
        }
    }
    let outcome = serde_json::to_value(d.outcome).unwrap();
    if outcome != expect["outcome"] {
        problems.push(format!("outcome {outcome}, expected {}", expect["outcome"]));
    }
    let withheld: BTreeSet<&str> = d.withheld.iter().map(String::as_str).collect();
    let want: BTreeSet<&str> = expect["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    if withheld != want {
        problems.push(format!("withheld {withheld:?}, expected {want:?}"));
    }
    if let Some(o) = expect.get("obligations") {
        let got = serde_json::to_value(&d.obligations).unwrap();
        if &got != o {
            problems.push(format!("obligations {got}, expected {o}"));
        }
    }
    if let Some(t) = expect.get("transformations") {
        let got = serde_json::to_value(&d.transformations).unwrap();
        if &got != t {
            problems.push(format!("transformations {got}, expected {t}"));
        }
    }
    let clauses: BTreeSet<String> = d
        .reasons
        .iter()
        .filter(|r| {
            matches!(
                r.effect,
                ReasonEffect::Release | ReasonEffect::Deny | ReasonEffect::Refer
            )
        })
        .filter_map(|r| Some(format!("{}/{}", r.agreement.as_ref()?, r.clause.as_ref()?)))
        .collect();
    let want: BTreeSet<String> = expect["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    if clauses != want {
        problems.push(format!("clauses {clauses:?}, expected {want:?}"));
    }
    let rules: BTreeSet<String> = (0..d.reasons.len())
        .filter(|&i| {
            matches!(
                d.reasons[i].effect,
                ReasonEffect::Deny | ReasonEffect::Refer
            )
        })
        .map(|i| rule_tag(&d, i))
        .collect();
    let want: BTreeSet<String> = expect["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    if rules != want {
        problems.push(format!("rules {rules:?}, expected {want:?}"));
    }
    if let Some(want) = expect.get("agreements") {
        let got: Vec<String> = d
            .agreements
            .iter()
            .map(|a| format!("{}@{}", a.id, a.version))
            .collect();
        let want: Vec<String> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        if got != want {
            problems.push(format!("agreements {got:?}, expected {want:?}"));
        }
    }
    if let Some(want) = expect.get("other_purposes") {
        let got: Vec<String> = d
            .reasons
            .iter()
            .filter_map(|r| match &r.rule {
                liaison_policy::Rule::NoAgreement { other_purposes } => Some(other_purposes),
                _ => None,
            })
            .flatten()
            .map(|p| p.as_str().to_owned())
            .collect();
        let want: Vec<String> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        if got != want {
            problems.push(format!("other purposes {got:?}, expected {want:?}"));
        }
    }
    // Whatever the outcome, the decision names the record and the set.
    assert_eq!(d.record_digest, record.digest());
    assert_eq!(d.agreements_digest, set.digest());
    if d.outcome.releases() {
        let copy = redact(&record, &d, &d.from).map_err(|e| format!("redact: {e}"))?;
        copy.validate().map_err(|e| format!("released copy: {e}"))?;
        if let Some(values) = expect.get("copy").and_then(Value::as_object) {
            let json = serde_json::to_value(&copy).unwrap();
            for (pointer, want) in values {
                let got = json.pointer(pointer).cloned().unwrap_or(Value::Null);
                if &got != want {
                    problems.push(format!("copy {pointer} is {got}, expected {want}"));
                }
            }
        }
        // Every entity whose id could tell what the copy keeps back has a
        // fresh id, and its old one is nowhere in the copy.
        let text = String::from_utf8(copy.to_json()).unwrap();
        for r in &d.reidentified {
            let i: usize = r.pointer.trim_start_matches("/entities/").parse().unwrap();
            let old = record.entities[i].id().to_string();
            if text.contains(&old) {
                problems.push(format!("copy keeps the id {old} of {}", r.pointer));
            }
        }
        let entry = copy.provenance.last().unwrap();
        assert_eq!(entry.decision, d.id);
        assert_eq!(entry.withheld, d.withheld);
        assert_eq!(entry.obligations, d.obligations);
        assert_eq!(copy.provenance.len(), record.provenance.len() + 1);
        if d.outcome == Outcome::Release {
            assert!(d.withheld.is_empty() && d.transformations.is_empty());
        }
        // The caller-held digest gives the same copy; a digest of another
        // record is refused, as a changed record is.
        let same = redact_with_digest(&record, record.digest(), &d, &d.from)
            .map_err(|e| format!("redact_with_digest: {e}"))?;
        assert_eq!(same, copy);
        let mut other = record.clone();
        other.version += 1;
        assert!(matches!(
            redact(&other, &d, &d.from),
            Err(RedactError::RecordChanged { .. })
        ));
        assert!(matches!(
            redact_with_digest(&record, other.digest(), &d, &d.from),
            Err(RedactError::RecordChanged { .. })
        ));
    } else {
        assert!(redact(&record, &d, &d.from).is_err());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}:\n    {}\n    reasons: {:#?}",
            path.display(),
            problems.join("\n    "),
            d.reasons
        ))
    }
}

#[test]
fn every_scenario_decides_as_expected() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} scenarios", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            run(f).err().map(|e| {
                let name = f.display().to_string();
                if e.starts_with(&name) {
                    e
                } else {
                    format!("{name}: {e}")
                }
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

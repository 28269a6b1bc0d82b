//! `liaison stix import` and `liaison stix export`, run as a user would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn stix_data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../liaison-stix/tests/data/stix")
        .join(name)
        .display()
        .to_string()
}

fn liaison(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sorted_objects(bundle: &Value) -> Vec<Value> {
    let mut objects = bundle["objects"].as_array().unwrap().clone();
    objects.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    objects
}

#[test]
fn import_prints_records_and_export_gives_the_bundle_back() {
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = stix_data("apt1.json");
    let out = liaison(&["stix", "import", &bundle_path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty());
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!records.as_array().unwrap().is_empty());
    let records_path = dir.path().join("records.json");
    std::fs::write(&records_path, &out.stdout).unwrap();

    let out = liaison(&["stix", "export", records_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    let original: Value = serde_json::from_slice(&std::fs::read(&bundle_path).unwrap()).unwrap();
    assert_eq!(exported["id"], original["id"]);
    assert_eq!(sorted_objects(&exported), sorted_objects(&original));
}

#[test]
fn export_is_byte_identical_when_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let out = liaison(&[
        "stix",
        "import",
        &stix_data("sighting-of-an-indicator.json"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let records_path = dir.path().join("records.json");
    std::fs::write(&records_path, &out.stdout).unwrap();
    let a = liaison(&["stix", "export", records_path.to_str().unwrap()]);
    let b = liaison(&["stix", "export", records_path.to_str().unwrap()]);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn not_json_is_unusable_with_the_reason_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.json");
    std::fs::write(&p, "{\"type\": \"bundle\",").unwrap();
    let out = liaison(&["stix", "import", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("not JSON"), "{}", stderr(&out));
}

#[test]
fn stix_20_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("old.json");
    std::fs::write(
        &p,
        r#"{"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "spec_version": "2.0", "objects": []}"#,
    )
    .unwrap();
    let out = liaison(&["stix", "import", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("spec_version"), "{}", stderr(&out));
}

const ONE_BAD_OBJECT: &str = r#"{
  "type": "bundle",
  "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
  "objects": [
    {"type": "malware", "spec_version": "2.1", "id": "malware--16f4f3f9-1b68-4abb-bb66-7639d49f1e30",
     "created": "2016-05-08T14:31:09.000Z", "modified": "2016-05-08T14:31:09.000Z", "is_family": true},
    {"type": "tool", "spec_version": "2.1", "id": "tool--ce45f721-af14-4fc0-938c-000c16186418",
     "created": "2015-05-15T09:12:16.432Z", "modified": "2015-05-15T09:12:16.432Z", "name": "cachedump"}
  ]
}"#;

#[test]
fn an_unusable_object_is_named_with_its_property() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one-bad.json");
    std::fs::write(&p, ONE_BAD_OBJECT).unwrap();
    let out = liaison(&["stix", "import", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("malware--16f4f3f9-1b68-4abb-bb66-7639d49f1e30") && err.contains("`name`"),
        "{err}"
    );
}

#[test]
fn lenient_import_lists_what_it_skipped_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one-bad.json");
    std::fs::write(&p, ONE_BAD_OBJECT).unwrap();
    let out = liaison(&["stix", "import", "--lenient", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("skipped") && err.contains("malware--16f4f3f9"),
        "{err}"
    );
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entities = &records[0]["entities"];
    assert_eq!(entities.as_array().unwrap().len(), 1);
    assert_eq!(entities[0]["name"], "cachedump");
}

#[test]
fn export_of_an_invalid_record_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("record.json");
    std::fs::write(&p, r#"{"schema_version": "1.0"}"#).unwrap();
    let out = liaison(&["stix", "export", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!stderr(&out).is_empty());
}

fn sample_bundle() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/records/stix-bundle.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn import_value(input: &Value, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.json");
    std::fs::write(&path, serde_json::to_vec(input).unwrap()).unwrap();
    let mut args = vec!["stix", "import"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    liaison(&args)
}

fn patterns(records: &Value) -> Vec<String> {
    let text = records.to_string();
    let mut found: Vec<String> = ["203.0.113.47", "login-gemeente-portaal.example"]
        .iter()
        .filter(|p| text.contains(*p))
        .map(|p| (*p).to_owned())
        .collect();
    found.sort();
    found
}

#[test]
fn import_takes_an_envelope_an_array_and_a_single_object_too() {
    let bundle = sample_bundle();
    let objects = bundle["objects"].clone();
    let envelope = serde_json::json!({ "more": false, "objects": objects });
    let mut outputs = Vec::new();
    for input in [&objects, &envelope] {
        let out = import_value(input, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let records: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(records.as_array().unwrap().len(), 3);
        assert_eq!(patterns(&records).len(), 2);
        outputs.push(out.stdout);
    }
    // The same objects give the same records, however they came.
    assert_eq!(outputs[0], outputs[1]);
    let out = import_value(&objects[1], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 1);
    assert_eq!(patterns(&records), ["203.0.113.47"]);
    // Neither a list nor an object: named.
    let out = import_value(&serde_json::json!("indicator"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a TAXII 2.1 envelope"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn import_maps_identities_to_agencies() {
    let mut bundle = sample_bundle();
    // Without an originator, the records cannot be shared: `XXX-STIX`.
    let out = import_value(&bundle, &[]);
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        records
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["originator"] == "XXX-STIX")
    );
    let out = import_value(&bundle, &["--originator", "NLD-NCSC"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        records
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["originator"] == "NLD-NCSC")
    );
    let out = import_value(&bundle, &["--originator", "ncsc"]);
    assert_eq!(out.status.code(), Some(2));

    // A second identity, for the second indicator; the mapping file names both.
    let second = "identity--0e5c2d7a-3b19-4f6e-8a42-c7d9b1e0f365";
    let mut identity = bundle["objects"][0].clone();
    identity["id"] = Value::from(second);
    identity["name"] = Value::from("Bundesamt für Sicherheit in der Informationstechnik");
    bundle["objects"][2]["created_by_ref"] = Value::from(second);
    bundle["objects"].as_array_mut().unwrap().push(identity);
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("originators.json");
    let first = bundle["objects"][0]["id"].as_str().unwrap().to_owned();
    std::fs::write(
        &map,
        serde_json::json!({ first: "NLD-NCSC", second: "DEU-BSI" }).to_string(),
    )
    .unwrap();
    let out = import_value(&bundle, &["--originators", map.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    for record in records.as_array().unwrap() {
        let text = record.to_string();
        if text.contains("203.0.113.47") {
            assert_eq!(record["originator"], "NLD-NCSC");
        }
        if text.contains("login-gemeente-portaal.example") {
            assert_eq!(record["originator"], "DEU-BSI");
        }
    }
    std::fs::write(&map, r#"{"identity--x": "nope"}"#).unwrap();
    let out = import_value(&bundle, &["--originators", map.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

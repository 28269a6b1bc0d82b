//! The OASIS STIX 2.1 examples (tests/data/stix, with LICENSE-OASIS):
//! import, export, and every object with every property comes back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::path::PathBuf;

use liaison_record::{Record, canonicalize_value};
use liaison_stix::{ExportOptions, ImportOptions, export_bundle, import_bundle};
use serde_json::Value;

fn bundles() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/stix");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("test data folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("readable"))
        })
        .collect();
    out.sort();
    out
}

/// The bundle with its objects in id order (bundles carry no meaning in
/// object order), in canonical form.
fn canonical_sorted(bundle: &Value) -> String {
    let mut b = bundle.clone();
    if let Some(Value::Array(objects)) = b.get_mut("objects") {
        objects.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    }
    String::from_utf8(canonicalize_value(&b)).unwrap()
}

#[test]
fn every_example_is_present() {
    let names: Vec<String> = bundles().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "apt1.json",
            "indicator-for-c2-ip-address.json",
            "indicator-to-campaign-relationship.json",
            "infrastructure.json",
            "sighting-of-an-indicator.json",
            "using-marking-definitions.json",
        ]
    );
}

#[test]
fn import_then_export_gives_every_property_of_every_object_back() {
    for (name, bytes) in bundles() {
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let import = import_bundle(&bytes, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(import.skipped.is_empty(), "{name}");
        let exported = export_bundle(&import.records, &ExportOptions::default()).unwrap();
        assert_eq!(
            canonical_sorted(&exported),
            canonical_sorted(&original),
            "{name}"
        );
    }
}

#[test]
fn imported_records_are_valid_and_survive_their_json_form() {
    for (name, bytes) in bundles() {
        let import = import_bundle(&bytes, &ImportOptions::default()).unwrap();
        for r in &import.records {
            r.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
            let again = Record::from_json(&r.to_json()).unwrap();
            assert_eq!(&again, r, "{name}");
        }
        let from_json: Vec<Record> = import
            .records
            .iter()
            .map(|r| Record::from_json(&r.to_json()).unwrap())
            .collect();
        let a = export_bundle(&from_json, &ExportOptions::default()).unwrap();
        let b = export_bundle(&import.records, &ExportOptions::default()).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn export_is_deterministic() {
    for (name, bytes) in bundles() {
        let a = import_bundle(&bytes, &ImportOptions::default()).unwrap();
        let b = import_bundle(&bytes, &ImportOptions::default()).unwrap();
        assert_eq!(a.records, b.records, "{name}");
        let x = export_bundle(&a.records, &ExportOptions::default()).unwrap();
        let y = export_bundle(&b.records, &ExportOptions::default()).unwrap();
        assert_eq!(canonicalize_value(&x), canonicalize_value(&y), "{name}");
    }
}

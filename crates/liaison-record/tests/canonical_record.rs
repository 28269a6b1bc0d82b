//! A record's canonical form and digest.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use liaison_record::{Record, canonicalize, sha256};
use proptest::prelude::*;

mod common {
    pub(crate) mod strategy;
}

fn example() -> (Vec<u8>, Record) {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/example-record.json"
    ))
    .unwrap();
    let record = Record::from_json(&bytes).unwrap();
    (bytes, record)
}

#[test]
fn canonical_json_is_the_canonical_form_of_the_record() {
    let (_, record) = example();
    let canonical = record.canonical_json();
    let plain = serde_json::to_vec_pretty(&record).unwrap();
    assert_eq!(canonicalize(&plain).unwrap(), canonical);
    assert_eq!(canonicalize(&canonical).unwrap(), canonical);
    assert_eq!(Record::from_json(&canonical).unwrap(), record);
    assert_eq!(record.digest(), sha256(&canonical));
}

#[test]
fn the_digest_changes_with_the_record() {
    let (_, record) = example();
    let mut changed = record.clone();
    changed.version += 1;
    assert_ne!(changed.digest(), record.digest());
    assert_eq!(record.clone().digest(), record.digest());
}

#[test]
fn deep_extension_data_still_has_a_canonical_form() {
    // Nested deeper than the text canonicalizer's limit: the record takes
    // the `Value` path instead.
    let (_, mut record) = example();
    let mut deep = serde_json::json!(1);
    for _ in 0..130 {
        deep = serde_json::json!([deep]);
    }
    let namespace = "org.example.deep".parse().unwrap();
    record.extensions.insert(
        namespace,
        liaison_record::Extension {
            class: None,
            data: deep,
        },
    );
    let canonical = record.canonical_json();
    assert!(
        canonicalize(&canonical).is_err(),
        "deeper than the text limit"
    );
    let expected = liaison_record::canonicalize_value(&serde_json::to_value(&record).unwrap());
    assert_eq!(canonical, expected);
    assert_eq!(record.digest(), sha256(&expected));
}

/// The general path: serde_json's ordinary output, canonicalized.
fn general(record: &Record) -> Vec<u8> {
    canonicalize(&serde_json::to_vec(record).unwrap()).unwrap()
}

#[test]
fn every_sample_record_has_the_same_canonical_form_by_both_paths() {
    let dirs = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/records"),
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../liaison-policy/tests/scenarios/records"
        ),
    ];
    let mut seen = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(dir).unwrap() {
            let record = Record::from_json(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
            assert_eq!(record.canonical_json(), general(&record));
            seen += 1;
        }
    }
    assert!(seen >= 7, "sample records found: {seen}");
}

proptest! {
    #[test]
    fn generated_records_have_the_same_canonical_form_by_both_paths(r in common::strategy::record()) {
        prop_assert_eq!(r.canonical_json(), general(&r));
    }
}

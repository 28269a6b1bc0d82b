//! Data-driven negative tests: each file in `tests/data/invalid/` holds a
//! record that must be rejected and the problems it must produce.
//!
//! A case file is a JSON object:
//!
//! ```json
//! {
//!   "comment": "what the case is about",
//!   "expect": [{ "pointer": "/id", "message": "a phrase the message contains" }],
//!   "record": { "...": "the record, as JSON" }
//! }
//! ```
//!
//! or with `"record_text"`, the record as raw text (for documents that are
//! not JSON). The problems reported must be exactly those expected, in any
//! order.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail by panicking, as the tests do"
)]

use std::path::PathBuf;

use liaison_record::Record;
use serde_json::Value;

#[test]
fn invalid_records_produce_exactly_the_expected_problems() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "expected the invalid cases in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let case: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let bytes = match (case.get("record"), case.get("record_text")) {
            (Some(r), None) => serde_json::to_vec(r).unwrap(),
            (None, Some(Value::String(t))) => t.as_bytes().to_vec(),
            _ => panic!("{name}: expected `record` or `record_text`"),
        };
        let mut expected: Vec<(String, String)> = case["expect"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: expected `expect`"))
            .iter()
            .map(|e| {
                (
                    e["pointer"].as_str().unwrap().to_owned(),
                    e["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        expected.sort();
        let errors = match Record::from_json(&bytes) {
            Ok(_) => {
                failures.push(format!("{name}: accepted"));
                continue;
            }
            Err(e) => e,
        };
        let mut got: Vec<(String, String)> = errors
            .pairs()
            .map(|(p, m)| (p.to_owned(), m.to_owned()))
            .collect();
        got.sort();
        let matches = got.len() == expected.len()
            && got
                .iter()
                .zip(&expected)
                .all(|((gp, gm), (ep, em))| gp == ep && gm.contains(em.as_str()));
        if !matches {
            failures.push(format!("{name}:\n  expected {expected:#?}\n  got {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! The committed sample records parse, validate, round-trip, classify and
//! redact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail by panicking, as the tests do"
)]

use std::path::PathBuf;

use liaison_record::{FieldClass, Record};

fn data(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/records");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "expected the sample records");
    out
}

#[test]
fn example_record_is_valid() {
    let r = Record::from_json(&data("example-record.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.version, 2);
    assert_eq!(r.entities.len(), 6);
}

#[test]
fn samples_are_valid_and_round_trip() {
    for (name, bytes) in samples() {
        let r = Record::from_json(&bytes).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        let again = Record::from_json(&r.to_json()).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(r, again, "{name}");
        let original: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&r.to_json()).unwrap();
        assert_eq!(original, written, "{name}: the JSON form is kept");
    }
}

#[test]
fn watchlist_hit_classes() {
    let r = Record::from_json(&data("records/watchlist-hit.json")).unwrap();
    let fields = r.classified_fields();
    let class = |p: &str| fields.iter().find(|f| f.pointer == p).map(|f| f.class);
    assert_eq!(class("/id"), Some(FieldClass::Control));
    assert_eq!(class("/marking"), Some(FieldClass::Control));
    assert_eq!(class("/entities/0/id"), Some(FieldClass::Control));
    assert_eq!(
        class("/entities/0/date_of_birth"),
        Some(FieldClass::Identity)
    );
    assert_eq!(class("/entities/1"), Some(FieldClass::TravelDocument));
    assert_eq!(class("/entities/2"), Some(FieldClass::Biometric));
    assert_eq!(class("/entities/3"), Some(FieldClass::Alert));
    assert_eq!(class("/entities/4"), Some(FieldClass::Location));
    assert_eq!(class("/entities/5"), Some(FieldClass::Movement));
    assert_eq!(
        class("/entities/5/extensions/nld-kmar.case"),
        Some(FieldClass::Movement)
    );
    assert_eq!(class("/relationships/0"), Some(FieldClass::Association));
    assert_eq!(class("/narrative"), Some(FieldClass::Narrative));
    assert_eq!(class("/source"), Some(FieldClass::Source));
    assert_eq!(class("/assessment"), Some(FieldClass::Assessment));
    assert_eq!(
        class("/extensions/nld-kmar.internal"),
        Some(FieldClass::Source)
    );
    let pointers: std::collections::BTreeSet<_> = fields.iter().map(|f| &f.pointer).collect();
    assert_eq!(pointers.len(), fields.len(), "each pointer listed once");
    for f in &fields {
        let json: serde_json::Value = serde_json::from_slice(&r.to_json()).unwrap();
        assert!(json.pointer(&f.pointer).is_some(), "{} exists", f.pointer);
    }
}

#[test]
fn withholding_every_non_control_field_keeps_the_record_valid() {
    for (name, bytes) in samples() {
        let r = Record::from_json(&bytes).unwrap();
        let all: Vec<String> = r
            .classified_fields()
            .into_iter()
            .filter(|f| f.class != FieldClass::Control)
            .map(|f| f.pointer)
            .collect();
        for p in &all {
            let one = r.withhold(&[p.as_str()]).unwrap();
            one.validate()
                .unwrap_or_else(|e| panic!("{name} without {p}:\n{e}"));
            Record::from_json(&one.to_json())
                .unwrap_or_else(|e| panic!("{name} without {p}:\n{e}"));
        }
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let bare = r.withhold(&refs).unwrap();
        bare.validate()
            .unwrap_or_else(|e| panic!("{name} bare:\n{e}"));
        assert!(
            bare.field_classes()
                .iter()
                .all(|c| *c == FieldClass::Control || *c == FieldClass::Identity),
            "{name}: {:?}",
            bare.field_classes()
        );
    }
}

#[test]
fn withholding_a_location_clears_the_encounter_reference() {
    let r = Record::from_json(&data("records/watchlist-hit.json")).unwrap();
    let out = r.withhold(&["/entities/4"]).unwrap();
    let liaison_record::Entity::Encounter(e) = &out.entities[4] else {
        panic!()
    };
    assert_eq!(e.location, None);
    let out = r.withhold(&["/entities/1"]).unwrap();
    assert_eq!(
        out.relationships.len(),
        3,
        "the holder-of link went with the passport"
    );
}

#[test]
fn optional_members_of_units_are_withheld_alone() {
    let r = Record::from_json(&data("records/watchlist-hit.json")).unwrap();
    let parts = r.parts();
    let optional: Vec<&str> = parts
        .iter()
        .filter(|p| !p.required)
        .map(|p| p.pointer.as_str())
        .collect();
    assert!(!optional.is_empty());
    let out = r.withhold(&optional).unwrap();
    out.validate().unwrap();
    // Every optional member is gone, every required one and every unit stays.
    assert!(out.parts().iter().all(|p| p.required), "{:?}", out.parts());
    assert_eq!(out.entities.len(), r.entities.len());
}

#[test]
fn withholding_refuses_control_and_unknown_pointers() {
    let r = Record::from_json(&data("records/watchlist-hit.json")).unwrap();
    let e = r.withhold(&["/id"]).unwrap_err();
    assert!(
        matches!(e, liaison_record::WithholdError::Control { .. }),
        "{e}"
    );
    // A required member of a unit cannot go on its own: the unit must.
    let e = r.withhold(&["/entities/1/number"]).unwrap_err();
    assert!(
        matches!(e, liaison_record::WithholdError::Required { .. }),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "`/entities/1/number` is required in `/entities/1` and cannot be withheld on its own: withhold `/entities/1` instead"
    );
    let e = r.withhold(&["/entities/1/numbr"]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("`/entities/1/numbr` is not a field")
    );
    let e = r.withhold(&["/entities/99"]).unwrap_err();
    assert!(
        matches!(e, liaison_record::WithholdError::NotClassified { .. }),
        "{e}"
    );
}

#[test]
fn the_documented_example_is_the_committed_example() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/record.md"),
    )
    .unwrap();
    let start = doc
        .find("## Complete example")
        .expect("the example section");
    let block = &doc[start..];
    let json_start = block.find("```json\n").unwrap() + "```json\n".len();
    let json_end = json_start + block[json_start..].find("```").unwrap();
    let documented: serde_json::Value = serde_json::from_str(&block[json_start..json_end]).unwrap();
    let committed: serde_json::Value =
        serde_json::from_slice(&data("example-record.json")).unwrap();
    assert_eq!(
        documented, committed,
        "docs/record.md and tests/data/example-record.json differ"
    );
}

#[test]
fn bundles_report_problems_with_the_record_index() {
    let good = String::from_utf8(data("records/stolen-document.json")).unwrap();
    let bundle = format!("[{good}, {good}]");
    assert_eq!(
        liaison_record::records_from_json(bundle.as_bytes())
            .unwrap()
            .len(),
        2
    );
    let bad = good.replace("\"version\": 1,", "\"version\": 0,");
    let bundle = format!("[{good}, {bad}]");
    let e = liaison_record::records_from_json(bundle.as_bytes()).unwrap_err();
    assert_eq!(
        e.pairs().map(|(p, _)| p).collect::<Vec<_>>(),
        ["/1/version"]
    );
    let bad = good.replace("\"version\": 1,", "\"version\": \"one\",");
    let bundle = format!("[{bad}, {good}, {bad}]");
    let e = liaison_record::records_from_json(bundle.as_bytes()).unwrap_err();
    assert_eq!(
        e.pairs().map(|(p, _)| p).collect::<Vec<_>>(),
        ["/0/version", "/2/version"]
    );
    let e = liaison_record::records_from_json(b"{}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "(document): expected a JSON array of records"
    );
}

#[test]
fn sample_travel_documents_use_their_deterministic_ids() {
    for (name, bytes) in samples() {
        let r = Record::from_json(&bytes).unwrap();
        for e in &r.entities {
            if let liaison_record::Entity::TravelDocument(d) = e {
                let expected = liaison_record::ids::travel_document_id(
                    d.issuing_state,
                    d.document_type,
                    &d.number,
                );
                assert_eq!(d.id, expected, "{name}: {}", d.number);
            }
        }
    }
}

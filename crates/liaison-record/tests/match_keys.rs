//! Runs the match key vectors of `tests/data/match-keys/vectors.json`, and
//! checks that a zone and the entities written from it agree.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test: a failure is a failed test"
)]

use liaison_record::match_keys::{match_keys, record_match_keys};
use liaison_record::{Entity, Record, mrz};
use serde_json::Value;

#[test]
fn every_vector_gives_its_keys() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("data/match-keys/vectors.json")).unwrap();
    assert!(cases.len() >= 20);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let entity: Entity = serde_json::from_value(case["entity"].clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Vec<(String, String)> = match_keys(&entity)
            .into_iter()
            .map(|k| (k.kind.as_str().to_owned(), k.value))
            .collect();
        let expected: Vec<(String, String)> = serde_json::from_value(case["keys"].clone()).unwrap();
        assert_eq!(got, expected, "{name}: {}", case["comment"]);
    }
}

#[test]
fn a_zone_and_a_typed_record_give_the_same_keys() {
    let zone = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let parsed = mrz::parse(zone).unwrap();
    let from_zone: Vec<_> = [
        Entity::TravelDocument(parsed.travel_document()),
        Entity::Person(parsed.holder()),
    ]
    .iter()
    .flat_map(match_keys)
    .collect();
    let typed: Vec<Entity> = serde_json::from_str(
        r#"[
          { "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
            "document_type": "passport", "issuing_state": "UTO", "number": "L898 9O2 C3",
            "status": "stolen" },
          { "kind": "person", "id": "5d3c9b4e-2f6a-4c1d-8e7b-9a0f1e2d3c4b",
            "names": [{ "given": "Anna-Maria", "family": "Eriksson" }],
            "date_of_birth": "1974-08-12" }
        ]"#,
    )
    .unwrap();
    let from_record: Vec<_> = typed.iter().flat_map(match_keys).collect();
    assert_eq!(from_zone, from_record);
    assert_eq!(from_zone.len(), 3);
}

#[test]
fn a_record_lists_each_entity_with_its_keys() {
    let record = Record::from_json(include_bytes!("data/example-record.json")).unwrap();
    let keys = record_match_keys(&record);
    for (id, key) in &keys {
        let entity = record.entities.iter().find(|e| e.id() == *id).unwrap();
        assert!(match_keys(entity).contains(key));
    }
    let total: usize = record.entities.iter().map(|e| match_keys(e).len()).sum();
    assert_eq!(keys.len(), total);
}

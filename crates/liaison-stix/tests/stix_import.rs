//! STIX import and export behaviour: markings, originators, confidence,
//! patterns, bad input, edits after import, the extension schema.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use liaison_record::{Entity, IndicatorType, Record, Tlp};
use liaison_stix::{
    ExportError, ExportOptions, ImportError, ImportOptions, export_bundle, import_bundle,
    observable_id, validate_bundle,
};
use serde_json::{Value, json};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/stix")
            .join(name),
    )
    .unwrap()
}

fn bundle(objects: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "bundle",
        "id": "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33",
        "objects": objects,
    }))
    .unwrap()
}

fn indicator(id: &str, pattern: &str, extra: Value) -> Value {
    let mut o = json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2017-04-14T13:07:49.812Z", "modified": "2017-04-14T13:07:49.812Z",
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2017-04-14T13:07:49.812Z",
        "description": "Detected malicious activity from this address",
    });
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    o
}

const IND: &str = "indicator--33fe3b22-0201-47cf-85d0-97c02164528d";
const IND2: &str = "indicator--c43a0a05-e8d2-4f64-ae37-3f3fb153f8d9";
const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn entities_of(r: &Record) -> Vec<&Entity> {
    r.entities.iter().collect()
}

#[test]
fn the_observable_id_vector_of_the_specification() {
    assert_eq!(
        observable_id("ipv4-addr", &json!({"value": "198.51.100.3"})),
        "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
    );
}

#[test]
fn tlp_1_and_statement_markings() {
    let import = import_bundle(
        &data("using-marking-definitions.json"),
        &ImportOptions::default(),
    )
    .unwrap();
    let marked = import
        .records
        .iter()
        .find(|r| r.entities.iter().any(|e| matches!(e, Entity::Indicator(_))))
        .unwrap();
    assert_eq!(marked.marking.tlp, Tlp::Amber);
    // The statement marking travels with the record that refers to it.
    let exported = export_bundle(std::slice::from_ref(marked), &ExportOptions::default()).unwrap();
    let ids: BTreeSet<&str> = exported["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains("marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f"));
}

#[test]
fn a_stricter_granular_marking_raises_the_record_and_is_kept() {
    let granular = json!([{"marking_ref": TLP2_RED, "selectors": ["description"]}]);
    let input = bundle(json!([indicator(
        IND,
        "[ipv4-addr:value = '198.51.100.7']",
        json!({"object_marking_refs": [TLP1_GREEN], "granular_markings": granular}),
    )]));
    let import = import_bundle(&input, &ImportOptions::default()).unwrap();
    assert_eq!(import.records.len(), 1);
    assert_eq!(import.records[0].marking.tlp, Tlp::Red);
    let exported = export_bundle(&import.records, &ExportOptions::default()).unwrap();
    let obj = &exported["objects"][0];
    assert_eq!(obj["granular_markings"], granular);
    assert_eq!(obj["object_marking_refs"], json!([TLP1_GREEN]));
}

#[test]
fn an_unknown_marking_cannot_be_honoured() {
    let unknown = "marking-definition--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a";
    let input = bundle(json!([
        indicator(
            IND,
            "[ipv4-addr:value = '198.51.100.7']",
            json!({"object_marking_refs": [unknown]})
        ),
        indicator(IND2, "[ipv4-addr:value = '198.51.100.8']", json!({})),
    ]));
    let err = import_bundle(&input, &ImportOptions::default()).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{err}");
    assert_eq!(problems[0].object.as_deref(), Some(IND));
    assert_eq!(problems[0].property.as_deref(), Some("object_marking_refs"));
    let lenient = import_bundle(&input, &ImportOptions::lenient()).unwrap();
    assert_eq!(lenient.skipped.len(), 1);
    let kept: Vec<_> = lenient.records.iter().flat_map(entities_of).collect();
    assert_eq!(kept.len(), 1);
}

#[test]
fn originators_from_the_extension_from_options_or_the_default() {
    let identity = "identity--611d9d41-dba5-4e13-9b29-e22488058ffc";
    let other = "identity--39012926-a052-44c4-ae48-caaf4a10ee6e";
    let objects = json!([
        {"type": "identity", "spec_version": "2.1", "id": identity, "name": "KMar",
         "created": "2017-04-14T13:07:49.812Z", "modified": "2017-04-14T13:07:49.812Z",
         "extensions": {"extension-definition--0a93f7a1-1a25-42c9-9747-fdf06fcaf5d3":
            {"extension_type": "property-extension", "agency": "NLD-KMAR"}}},
        indicator(IND, "[domain-name:value = 'example.com']", json!({"created_by_ref": identity})),
        indicator(IND2, "[domain-name:value = 'example.org']", json!({"created_by_ref": other})),
    ]);
    let import = import_bundle(&bundle(objects.clone()), &ImportOptions::default()).unwrap();
    let originator_of = |records: &[Record], value: &str| {
        records
            .iter()
            .find(|r| {
                r.entities
                    .iter()
                    .any(|e| matches!(e, Entity::Indicator(i) if i.value == value))
            })
            .unwrap()
            .originator
            .to_string()
    };
    assert_eq!(originator_of(&import.records, "example.com"), "NLD-KMAR");
    assert_eq!(originator_of(&import.records, "example.org"), "XXX-STIX");
    let mut options = ImportOptions::default();
    options
        .originators
        .insert(other.into(), "DEU-BPOL".parse().unwrap());
    let import = import_bundle(&bundle(objects), &options).unwrap();
    assert_eq!(originator_of(&import.records, "example.org"), "DEU-BPOL");
}

#[test]
fn confidence_goes_to_the_assessment_and_splits_records() {
    let input = bundle(json!([
        indicator(
            IND,
            "[url:value = 'http://a.example/']",
            json!({"confidence": 85})
        ),
        indicator(
            IND2,
            "[url:value = 'http://b.example/']",
            json!({"confidence": 15})
        ),
    ]));
    let import = import_bundle(&input, &ImportOptions::default()).unwrap();
    let mut c: Vec<_> = import
        .records
        .iter()
        .map(|r| r.assessment.confidence)
        .collect();
    c.sort();
    assert_eq!(c, [Some(15), Some(85)]);
}

#[test]
fn relationships_between_entities_stay_in_the_record() {
    let import = import_bundle(&data("apt1.json"), &ImportOptions::default()).unwrap();
    assert_eq!(import.records.len(), 1);
    let r = &import.records[0];
    assert_eq!(r.relationships.len(), 30);
    // 45 candidates; the two x509-certificate patterns are complex and kept.
    assert_eq!(r.entities.len(), 43);
    assert_eq!(r.narrative.len(), 1);
    let threats = r
        .entities
        .iter()
        .filter(|e| matches!(e, Entity::Threat(_)))
        .count();
    assert_eq!(threats, 29);
}

#[test]
fn simple_patterns_become_indicators_and_complex_ones_are_kept() {
    let complex = "[ipv4-addr:value = '198.51.100.1'] AND [url:value = 'http://x.example']";
    let input = bundle(json!([
        indicator(
            IND,
            "[file:hashes.'SHA-256' = 'AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899']",
            json!({})
        ),
        indicator(IND2, complex, json!({})),
    ]));
    let import = import_bundle(&input, &ImportOptions::default()).unwrap();
    let indicators: Vec<_> = import
        .records
        .iter()
        .flat_map(|r| &r.entities)
        .filter_map(|e| match e {
            Entity::Indicator(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(indicators.len(), 1);
    assert_eq!(indicators[0].indicator_type, IndicatorType::FileSha256);
    assert!(indicators[0].value.starts_with("aabbcc"));
    let exported = export_bundle(&import.records, &ExportOptions::default()).unwrap();
    let back: Vec<&str> = exported["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["pattern"].as_str())
        .collect();
    assert!(back.contains(&complex));
    assert!(back.iter().any(|p| p.contains("'AABBCC")));
}

#[test]
fn an_edited_field_wins_over_the_text_kept_from_import() {
    let input = bundle(json!([indicator(
        IND,
        "[ ipv4-addr:value = '10.0.0.0' ]",
        json!({})
    )]));
    let mut records = import_bundle(&input, &ImportOptions::default())
        .unwrap()
        .records;
    let exported = export_bundle(&records, &ExportOptions::default()).unwrap();
    let same = exported["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == IND)
        .unwrap();
    assert_eq!(same["pattern"], "[ ipv4-addr:value = '10.0.0.0' ]");
    let Entity::Indicator(i) = &mut records[0].entities[0] else {
        panic!("not an indicator")
    };
    i.value = "10.0.0.1".into();
    i.description = Some("changed".into());
    let exported = export_bundle(&records, &ExportOptions::default()).unwrap();
    let objects = exported["objects"].as_array().unwrap();
    let changed = objects.iter().find(|o| o["id"] == IND).unwrap();
    assert_eq!(changed["pattern"], "[ipv4-addr:value = '10.0.0.1']");
    assert_eq!(changed["description"], "changed");
    // The record's own fields are unchanged: no record object.
    assert!(!objects.iter().any(|o| o["type"] == "x-liaison-record"));
    records[0].marking.classification = liaison_record::Classification::Secret;
    let exported = export_bundle(&records, &ExportOptions::default()).unwrap();
    let objects = exported["objects"].as_array().unwrap();
    let envelope = objects
        .iter()
        .find(|o| o["type"] == "x-liaison-record")
        .unwrap();
    assert_eq!(envelope["record"]["marking"]["classification"], "secret");
    assert_eq!(envelope["object_refs"], json!([IND]));
    let again = import_bundle(
        &serde_json::to_vec(&exported).unwrap(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(again.records.len(), 1);
    assert_eq!(
        again.records[0].marking.classification,
        liaison_record::Classification::Secret
    );
}

#[test]
fn two_versions_of_one_object_both_come_back() {
    let v1 = indicator(IND, "[ipv4-addr:value = '198.51.100.7']", json!({}));
    let v2 = indicator(
        IND,
        "[ipv4-addr:value = '198.51.100.7']",
        json!({"modified": "2018-01-01T00:00:00.000Z", "description": "revised"}),
    );
    let input = bundle(json!([v1, v2]));
    let import = import_bundle(&input, &ImportOptions::default()).unwrap();
    let exported = export_bundle(&import.records, &ExportOptions::default()).unwrap();
    let objects = exported["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0], v1);
    assert_eq!(objects[1], v2);
}

#[test]
fn stix_20_and_non_json_input() {
    let old = br#"{"type": "bundle", "id": "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33", "spec_version": "2.0"}"#;
    assert!(matches!(
        import_bundle(old, &ImportOptions::default()),
        Err(ImportError::Stix20(_))
    ));
    let no_version = bundle(
        json!([{"type": "campaign", "id": "campaign--b549a58c-afd9-4847-85c3-5be13d56d3cc",
        "created": "2014-09-09T19:58:39.609Z", "modified": "2014-09-09T19:58:39.609Z", "name": "x"}]),
    );
    let err = import_bundle(&no_version, &ImportOptions::default()).unwrap_err();
    assert_eq!(err.problems()[0].property.as_deref(), Some("spec_version"));
    match import_bundle(b"{\n  \"type\": ", &ImportOptions::default()) {
        Err(ImportError::NotJson { line, .. }) => assert_eq!(line, 2),
        other => panic!("{other:?}"),
    }
    // An empty array is an empty TAXII page: no objects, no records.
    assert!(import_bundle(b"[]", &ImportOptions::default()).is_ok());
    for bad in [
        &b"{\"type\": \"indicator\"}"[..],
        b"{\"type\": \"bundle\", \"id\": \"bundle--1\"}",
    ] {
        assert!(matches!(
            import_bundle(bad, &ImportOptions::default()),
            Err(ImportError::Unusable(_))
        ));
    }
}

#[test]
fn export_refuses_a_relationship_to_a_missing_entity() {
    let mut records = import_bundle(&data("apt1.json"), &ImportOptions::default())
        .unwrap()
        .records;
    records[0].relationships[0].target = uuid::Uuid::nil();
    match export_bundle(&records, &ExportOptions::default()) {
        Err(ExportError::InvalidRecord { pointer, .. }) => {
            assert_eq!(pointer, "/relationships/0/target");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn oasis_exports_pass_the_checks_but_for_v4_observable_ids() {
    for name in [
        "apt1.json",
        "indicator-for-c2-ip-address.json",
        "indicator-to-campaign-relationship.json",
        "sighting-of-an-indicator.json",
        "using-marking-definitions.json",
    ] {
        let import = import_bundle(&data(name), &ImportOptions::default()).unwrap();
        let exported = export_bundle(&import.records, &ExportOptions::default()).unwrap();
        assert_eq!(validate_bundle(&exported), [], "{name}");
    }
    let import = import_bundle(&data("infrastructure.json"), &ImportOptions::default()).unwrap();
    let exported = export_bundle(&import.records, &ExportOptions::default()).unwrap();
    let problems: Vec<_> = validate_bundle(&exported)
        .into_iter()
        .map(|p| (p.object.unwrap(), p.property.unwrap()))
        .collect();
    assert_eq!(
        problems,
        [
            (
                "domain-name--ecb120bf-2694-4902-a737-62b74539a41b".to_owned(),
                "id".to_owned()
            ),
            (
                "ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956".to_owned(),
                "id".to_owned()
            ),
        ]
    );
}

/// The committed JSON Schema of the extension describes every project type
/// and every property the exporter writes on them.
#[test]
fn the_extension_schema_describes_what_the_exporter_writes() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../schemas/stix-extension.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let defs = &schema["$defs"];
    let common: BTreeSet<&str> = defs["common"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .chain(["extensions"])
        .collect();
    let record: Record = serde_json::from_value(json!({
        "schema_version": "1.0", "id": "9f0c6bd6-3d70-4d8e-9a52-0c3c3f1ad8a1", "version": 1,
        "originator": "NLD-KMAR", "created": "2026-11-26T08:30:00.000Z",
        "modified": "2026-11-26T08:30:00.000Z",
        "marking": {"classification": "restricted", "tlp": "amber"},
        "entities": [
            {"kind": "person", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a01",
             "names": [{"given": "Anna", "family": "Visser"}], "aliases": ["A."],
             "date_of_birth": "1980-04", "sex": "female", "nationalities": ["NLD"],
             "place_of_birth": "Utrecht"},
            {"kind": "travel-document", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a02",
             "document_type": "passport", "issuing_state": "NLD", "number": "SPECI2014",
             "issued_on": "2014-03-09", "expires_on": "2024-03-09", "status": "stolen"},
            {"kind": "biometric", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a03", "modality": "face",
             "format": "ISO/IEC 19794-5",
             "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
             "pointer": "https://bio.example/1"},
            {"kind": "conveyance", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a04",
             "conveyance_type": "flight", "identifier": "KL1234", "name": "evening flight",
             "registration_state": "NLD", "description": "x"},
            {"kind": "location", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a05", "name": "Schiphol",
             "country": "XXA", "locode": "NLAMS"},
            {"kind": "encounter", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a06",
             "encounter_type": "border-entry", "at": "2026-11-26T08:00:00.000Z",
             "location": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a05", "observed_by": "NLD-KMAR",
             "outcome": "detained"},
            {"kind": "alert", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a07",
             "issuing_authority": "XPO", "category": "interpol-red", "action": "arrest",
             "reference": "A-1", "valid_from": "2026-01-01T00:00:00.000Z",
             "valid_until": "2027-01-01T00:00:00.000Z"},
            {"kind": "organization", "id": "2b0f8bb5-8d38-4b8e-b7f2-7a1d1d1c1a08", "name": "KMar",
             "agency": "NLD-KMAR", "country": "NLD", "aliases": ["Koninklijke Marechaussee"]}
        ]
    }))
    .unwrap();
    record.validate().unwrap();
    let exported = export_bundle(&[record], &ExportOptions::default()).unwrap();
    let mut seen = BTreeSet::new();
    for o in exported["objects"].as_array().unwrap() {
        let t = o["type"].as_str().unwrap();
        if let Some(entry) =
            o["extensions"]["extension-definition--0a93f7a1-1a25-42c9-9747-fdf06fcaf5d3"]
                .as_object()
            && entry["extension_type"] == "property-extension"
        {
            let allowed = defs["property-extension"]["properties"]
                .as_object()
                .unwrap();
            for k in entry.keys() {
                assert!(allowed.contains_key(k), "property extension: {k}");
            }
        }
        if !t.starts_with("x-liaison-") {
            continue;
        }
        seen.insert(t.to_owned());
        let own = defs[t]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no $defs for {t}"));
        for k in o.as_object().unwrap().keys() {
            assert!(
                common.contains(k.as_str()) || own.contains_key(k),
                "{t}: {k}"
            );
        }
        for r in defs[t]["required"].as_array().into_iter().flatten() {
            assert!(o.get(r.as_str().unwrap()).is_some(), "{t}: {r}");
        }
    }
    let expected: BTreeSet<String> = [
        "x-liaison-alert",
        "x-liaison-biometric",
        "x-liaison-conveyance",
        "x-liaison-encounter",
        "x-liaison-location",
        "x-liaison-person",
        "x-liaison-record",
        "x-liaison-travel-document",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(seen, expected);
    assert_eq!(validate_bundle(&exported), []);
}

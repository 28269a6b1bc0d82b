//! Property tests: export then import gives the records back exactly, and
//! every exported bundle passes the structural checks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::collections::BTreeMap;

use liaison_record::*;
use liaison_stix::{ExportOptions, ImportOptions, export_bundle, import_bundle, validate_bundle};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

fn v4() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(|b| uuid::Builder::from_random_bytes(b).into_uuid())
}

fn entity_id() -> impl Strategy<Value = Uuid> {
    prop_oneof![
        v4(),
        any::<u64>().prop_map(|n| Uuid::new_v5(&Uuid::NAMESPACE_OID, &n.to_be_bytes())),
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        1_000_000_000i64..2_000_000_000,
        0u32..3,
        0u32..1_000_000_000,
    )
        .prop_map(|(s, p, n)| {
            let nanos = match p {
                0 => n / 1_000_000 * 1_000_000,
                1 => n / 1_000 * 1_000,
                _ => n,
            };
            let t = time::OffsetDateTime::from_unix_timestamp(s)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap();
            Timestamp::from_offset_date_time(t)
        })
}

fn later(t: Timestamp) -> impl Strategy<Value = Timestamp> {
    (0i64..100_000_000).prop_map(move |d| {
        Timestamp::from_offset_date_time(t.to_offset_date_time() + time::Duration::seconds(d))
    })
}

fn agency() -> impl Strategy<Value = AgencyId> {
    prop::sample::select(vec!["NLD-KMAR", "DEU-BPOL", "FRA-DGSI", "XXX-STIX"])
        .prop_map(|s| s.parse().unwrap())
}

fn country() -> impl Strategy<Value = CountryCode> {
    prop::sample::select(vec!["NLD", "DEU", "FRA", "USA", "XXA"]).prop_map(|s| s.parse().unwrap())
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ,.'\\\\é-]{0,20}"
}

fn kebab() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "uses",
        "holder-of",
        "observed-at",
        "member-of",
        "indicates",
    ])
    .prop_map(str::to_owned)
}

fn extensions() -> impl Strategy<Value = BTreeMap<Namespace, Extension>> {
    prop::option::of((text(), any::<bool>())).prop_map(|x| {
        x.map(|(s, flag)| {
            let data = json!({"note": s, "flag": flag, "list": [], "none": null});
            let class = flag.then_some(FieldClass::Narrative);
            ("nld-kmar.case".parse().unwrap(), Extension { class, data })
        })
        .into_iter()
        .collect()
    })
}

fn indicator() -> impl Strategy<Value = Indicator> {
    let value = prop_oneof![
        (0u8..=255).prop_map(|n| (IndicatorType::Ipv4Addr, format!("198.51.100.{n}"))),
        (0u16..999).prop_map(|n| (IndicatorType::Ipv6Addr, format!("2001:db8::{n}"))),
        "[a-z]{1,10}".prop_map(|s| (IndicatorType::DomainName, format!("{s}.example"))),
        "[a-z]{1,10}".prop_map(|s| (IndicatorType::Url, format!("https://{s}.example/a'b\\c"))),
        "[a-z]{1,10}".prop_map(|s| (IndicatorType::EmailAddr, format!("{s}@example.org"))),
        "[0-9a-f]{32}".prop_map(|s| (IndicatorType::FileMd5, s)),
        "[0-9a-f]{40}".prop_map(|s| (IndicatorType::FileSha1, s)),
        "[0-9a-f]{64}".prop_map(|s| (IndicatorType::FileSha256, s)),
        "[0-9a-f]{128}".prop_map(|s| (IndicatorType::FileSha512, s)),
    ];
    (
        entity_id(),
        value,
        prop::option::of(text()),
        prop::option::of(timestamp()),
        extensions(),
    )
        .prop_flat_map(|(id, (t, v), d, from, x)| {
            let until = match from {
                Some(f) => prop::option::of(later(f)).boxed(),
                None => Just(None).boxed(),
            };
            until.prop_map(move |valid_until| Indicator {
                id,
                indicator_type: t,
                value: v.clone(),
                description: d.clone(),
                valid_from: from,
                valid_until,
                extensions: x.clone(),
            })
        })
}

fn threat() -> impl Strategy<Value = Threat> {
    let tt = prop::sample::select(vec![
        ThreatType::ThreatActor,
        ThreatType::IntrusionSet,
        ThreatType::Campaign,
        ThreatType::Malware,
        ThreatType::Tool,
        ThreatType::AttackPattern,
        ThreatType::Infrastructure,
    ]);
    (
        entity_id(),
        tt,
        text(),
        prop::collection::vec(text(), 0..3),
        prop::option::of(text()),
        prop::option::of(timestamp()),
    )
        .prop_flat_map(|(id, tt, name, aliases, description, first)| {
            let last = match first {
                Some(f) => prop::option::of(later(f)).boxed(),
                None => Just(None).boxed(),
            };
            last.prop_map(move |last_seen| Threat {
                id,
                threat_type: tt,
                name: name.clone(),
                aliases: aliases.clone(),
                description: description.clone(),
                first_seen: first,
                last_seen,
                extensions: BTreeMap::new(),
            })
        })
}

fn person() -> impl Strategy<Value = Person> {
    (
        entity_id(),
        text(),
        text(),
        prop::option::of((1900u16..2020, prop::option::of(1u8..=12))),
        prop::option::of(prop::sample::select(vec![
            Sex::Male,
            Sex::Female,
            Sex::Unspecified,
        ])),
        prop::collection::btree_set(country(), 0..3),
        extensions(),
    )
        .prop_map(|(id, given, family, dob, sex, nat, x)| Person {
            id,
            names: vec![PersonName {
                given: Some(given),
                family: Some(family),
                script: Some("Latn".into()),
                transliteration: None,
            }],
            aliases: vec![],
            date_of_birth: dob.map(|(y, m)| PartialDate::new(y, m, None).unwrap()),
            sex,
            nationalities: nat.into_iter().collect(),
            place_of_birth: None,
            data_subject: None,
            special_categories: Vec::new(),
            extensions: x,
        })
}

fn other_entities() -> impl Strategy<Value = Entity> {
    prop_oneof![
        (
            entity_id(),
            text(),
            prop::option::of(country()),
            prop::option::of(agency()),
            prop::option::of(text())
        )
            .prop_map(
                |(id, name, country, agency, description)| Entity::Organization(Organization {
                    id,
                    name,
                    aliases: vec!["alias".into()],
                    country,
                    agency,
                    description,
                    extensions: BTreeMap::new(),
                })
            ),
        (entity_id(), "[A-Z0-9]{6,9}", country()).prop_map(|(id, number, state)| {
            Entity::TravelDocument(TravelDocument {
                id,
                document_type: DocumentType::Passport,
                issuing_state: state,
                number,
                issued_on: Some("2015-03".parse().unwrap()),
                expires_on: Some("2025-03-01".parse().unwrap()),
                status: DocumentStatus::Stolen,
                mrz: vec![],
                extensions: BTreeMap::new(),
            })
        }),
        (entity_id(), "[0-9a-f]{64}").prop_map(|(id, sha256)| Entity::Biometric(Biometric {
            id,
            modality: Modality::Face,
            format: "ISO/IEC 19794-5".into(),
            sha256,
            pointer: "https://biometrics.example/req/1".into(),
            extensions: BTreeMap::new(),
        })),
        (entity_id(), "[A-Z0-9-]{3,8}", prop::option::of(text())).prop_map(
            |(id, identifier, name)| Entity::Conveyance(Conveyance {
                id,
                conveyance_type: ConveyanceType::Vessel,
                identifier,
                name,
                registration_state: Some("NLD".parse().unwrap()),
                description: None,
                extensions: BTreeMap::new(),
            })
        ),
        (
            entity_id(),
            prop::option::of(text()),
            prop::option::of(country()),
            prop::option::of((-90.0f64..90.0, -180.0f64..180.0)),
            any::<bool>()
        )
            .prop_map(
                |(id, name, country, coords, locode)| Entity::Location(Location {
                    id,
                    name,
                    country,
                    locode: locode.then(|| "NLAMS".to_owned()),
                    latitude: coords.map(|c| c.0),
                    longitude: coords.map(|c| c.1),
                    extensions: BTreeMap::new(),
                })
            ),
        (entity_id(), timestamp(), agency()).prop_map(|(id, at, observed_by)| Entity::Encounter(
            Encounter {
                id,
                encounter_type: EncounterType::BorderEntry,
                at,
                location: None,
                observed_by,
                outcome: Some(EncounterOutcome::RefusedEntry),
                extensions: BTreeMap::new(),
            }
        )),
        (entity_id(), timestamp(), agency()).prop_flat_map(|(id, from, by)| prop::option::of(
            later(from)
        )
        .prop_map(move |until| Entity::Alert(Alert {
            id,
            issuing_authority: Party::Agency(by.clone()),
            category: "interpol-red".into(),
            action: AlertAction::DiscreetCheck,
            reference: Some("A-1/2026".into()),
            valid_from: from,
            valid_until: until,
            extensions: BTreeMap::new(),
        }))),
        indicator().prop_map(Entity::Indicator),
        threat().prop_map(Entity::Threat),
        person().prop_map(Entity::Person),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (
        (v4(), 1u32..4, any::<bool>(), agency(), timestamp()),
        prop::sample::select(vec![
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ]),
        prop::sample::select(vec![
            Classification::Unclassified,
            Classification::Restricted,
            Classification::Secret,
        ]),
        (
            prop::option::of(0u8..=100),
            prop::option::of(Just(SourceReliability::B)),
        ),
        prop::collection::vec(other_entities(), 0..7),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                kebab(),
                any::<prop::sample::Index>(),
                prop::option::of(text()),
            ),
            0..4,
        ),
        prop::collection::vec(text(), 0..2),
        extensions(),
    )
        .prop_flat_map(
            |(head, tlp, classification, grading, entities, rels, narrative, x)| {
                later(head.4).prop_map(move |modified| {
                    let (id, version, revoked, originator, created) = head.clone();
                    let mut entities = entities.clone();
                    // Entity ids unique within the record.
                    let mut seen = std::collections::BTreeSet::new();
                    entities.retain(|e| seen.insert(e.id()));
                    let location = entities.iter().find_map(|e| match e {
                        Entity::Location(l) => Some(l.id),
                        _ => None,
                    });
                    for e in &mut entities {
                        if let Entity::Encounter(enc) = e {
                            enc.location = location;
                        }
                    }
                    let relationships = if entities.len() >= 2 {
                        rels.iter()
                            .filter_map(|(a, r, b, d)| {
                                let s = entities[a.index(entities.len())].id();
                                let t = entities[b.index(entities.len())].id();
                                (s != t).then(|| Relationship {
                                    source: s,
                                    relationship: r.clone(),
                                    target: t,
                                    description: d.clone(),
                                })
                            })
                            .collect()
                    } else {
                        vec![]
                    };
                    Record {
                        schema_version: SCHEMA_VERSION.into(),
                        id,
                        version,
                        revoked,
                        originator,
                        created,
                        modified,
                        marking: Marking {
                            classification,
                            tlp,
                            caveats: vec![Caveat::H2],
                            releasable_to: vec![],
                            legal_basis: Some("Prüm".into()),
                            purposes: vec!["border-control".parse().unwrap()],
                            review_by: None,
                            h3: None,
                        },
                        assessment: Assessment {
                            source_reliability: grading.1,
                            information_credibility: None,
                            confidence: grading.0,
                        },
                        entities,
                        relationships,
                        narrative: narrative
                            .iter()
                            .map(|t| Narrative {
                                lang: "en".into(),
                                text: t.clone(),
                            })
                            .collect(),
                        source: None,
                        provenance: vec![],
                        extensions: x.clone(),
                    }
                })
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn export_then_import_is_the_identity(records in prop::collection::vec(record(), 1..4)) {
        for r in &records {
            prop_assert!(r.validate().is_ok(), "generator made an invalid record: {:?}", r.validate());
        }
        let bundle = export_bundle(&records, &ExportOptions::default()).unwrap();
        let problems = validate_bundle(&bundle);
        prop_assert!(problems.is_empty(), "{problems:#?}\n{bundle:#}");
        let bytes = serde_json::to_vec(&bundle).unwrap();
        let import = import_bundle(&bytes, &ImportOptions::default()).unwrap();
        // A bundle's objects are unordered: records come back in the order
        // of their ids.
        let mut sorted = records.clone();
        sorted.sort_by_key(|r| r.id);
        prop_assert_eq!(&import.records, &sorted);
        let again = export_bundle(&import.records, &ExportOptions::default()).unwrap();
        prop_assert_eq!(canonicalize_value(&again), canonicalize_value(&bundle));
    }

    #[test]
    fn bundles_without_record_objects_pass_the_checks(records in prop::collection::vec(record(), 1..3)) {
        let mut options = ExportOptions::default();
        options.without_record_objects = true;
        let bundle = export_bundle(&records, &options).unwrap();
        let problems = validate_bundle(&bundle);
        prop_assert!(problems.is_empty(), "{problems:#?}");
        let bytes = serde_json::to_vec(&bundle).unwrap();
        prop_assert!(import_bundle(&bytes, &ImportOptions::default()).is_ok());
    }
}

/// Any JSON value, small.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        "[a-z0-9 '\\[\\]:=.-]{0,12}".prop_map(serde_json::Value::from),
        Just(json!("2016-05-07T11:22:30Z")),
        Just(json!("identity--39012926-a052-44c4-ae48-caaf4a10ee6e")),
        Just(json!(
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
        )),
        Just(json!("[ipv4-addr:value = '198.51.100.9']")),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

const OASIS: [&[u8]; 4] = [
    include_bytes!("data/stix/infrastructure.json"),
    include_bytes!("data/stix/sighting-of-an-indicator.json"),
    include_bytes!("data/stix/using-marking-definitions.json"),
    include_bytes!("data/stix/indicator-to-campaign-relationship.json"),
];

fn sorted(bundle: &serde_json::Value) -> Vec<u8> {
    let mut b = bundle.clone();
    if let Some(serde_json::Value::Array(objects)) = b.get_mut("objects") {
        objects.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    }
    canonicalize_value(&b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Mutated OASIS bundles: a property of one object set to any value.
    /// Import never panics; whenever a strict import succeeds, export gives
    /// the mutated bundle back exactly.
    #[test]
    fn mutated_bundles_never_panic_and_round_trip_when_accepted(
        which in 0..OASIS.len(),
        object in any::<prop::sample::Index>(),
        key in prop::sample::select(vec![
            "name", "description", "pattern", "created", "modified", "valid_from", "aliases",
            "first_seen", "confidence", "object_marking_refs", "created_by_ref", "value",
            "source_ref", "target_ref", "relationship_type", "granular_markings", "extensions",
            "identity_class", "is_family", "spec_version", "lang", "x_custom",
        ]),
        value in json_value(),
    ) {
        let mut bundle: serde_json::Value = serde_json::from_slice(OASIS[which]).unwrap();
        let objects = bundle["objects"].as_array_mut().unwrap();
        let i = object.index(objects.len());
        objects[i][key] = value;
        let bytes = serde_json::to_vec(&bundle).unwrap();
        if let Ok(lenient) = import_bundle(&bytes, &ImportOptions::lenient()) {
            for r in &lenient.records {
                prop_assert!(r.validate().is_ok(), "{:?}", r.validate());
            }
            let _ = export_bundle(&lenient.records, &ExportOptions::default());
        }
        if let Ok(strict) = import_bundle(&bytes, &ImportOptions::default()) {
            let back = export_bundle(&strict.records, &ExportOptions::default()).unwrap();
            prop_assert_eq!(
                String::from_utf8(sorted(&back)).unwrap(),
                String::from_utf8(sorted(&bundle)).unwrap()
            );
        }
    }
}

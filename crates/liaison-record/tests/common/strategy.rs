//! A proptest strategy for valid records.

use std::collections::BTreeMap;

use liaison_record::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use uuid::Uuid;

fn uuid_v4() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(|b| uuid::Builder::from_random_bytes(b).into_uuid())
}

fn uuid_v5() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(|b| uuid::Builder::from_sha1_bytes(b).into_uuid())
}

fn entity_id() -> impl Strategy<Value = Uuid> {
    prop_oneof![uuid_v4(), uuid_v5()]
}

/// A timestamp between 2000 and 2030, with milliseconds.
fn timestamp() -> impl Strategy<Value = Timestamp> {
    (946_684_800_000i64..1_893_456_000_000i64).prop_map(millis)
}

fn millis(ms: i64) -> Timestamp {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
    Timestamp::from_offset_date_time(t)
}

fn ms_of(t: Timestamp) -> i64 {
    i64::try_from(t.to_offset_date_time().unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// Free text that is unlikely to repeat: a word of 6 to 12 letters.
fn word() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{5,11}"
}

fn text() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{5,11}( [a-zäöüéø]{2,9}){0,6}"
}

fn country() -> impl Strategy<Value = CountryCode> {
    select(vec![
        "NLD", "DEU", "BEL", "FRA", "POL", "ESP", "ITA", "SWE", "XXA",
    ])
    .prop_map(|c| c.parse().unwrap())
}

fn agency() -> impl Strategy<Value = AgencyId> {
    select(vec![
        "NLD-KMAR",
        "DEU-BPOL",
        "BEL-FPP",
        "FRA-DCPAF",
        "POL-SG",
        "ESP-CNP",
        "BEL-CCB",
    ])
    .prop_map(|a| a.parse().unwrap())
}

fn party() -> impl Strategy<Value = Party> {
    prop_oneof![
        country().prop_map(Party::Country),
        agency().prop_map(Party::Agency)
    ]
}

fn purpose() -> impl Strategy<Value = Purpose> {
    select(vec![
        "border-control",
        "counter-terrorism",
        "criminal-investigation",
        "cyber-defence",
    ])
    .prop_map(|p| p.parse().unwrap())
}

fn partial_date() -> impl Strategy<Value = PartialDate> {
    (1920u16..2030, option::of((1u8..=12, option::of(1u8..=28)))).prop_map(|(y, md)| {
        PartialDate::new(y, md.map(|(m, _)| m), md.and_then(|(_, d)| d)).unwrap()
    })
}

fn extension() -> impl Strategy<Value = Extension> {
    let class = option::of(select(vec![
        FieldClass::Identity,
        FieldClass::Movement,
        FieldClass::Indicator,
        FieldClass::Narrative,
        FieldClass::Source,
    ]));
    (class, word(), 0i64..1_000_000).prop_map(|(class, w, n)| Extension {
        class,
        data: serde_json::json!({ "note": w, "n": n, "list": [n, true, null] }),
    })
}

fn extensions() -> impl Strategy<Value = BTreeMap<Namespace, Extension>> {
    proptest::collection::btree_map(
        select(vec!["nld-kmar.case", "deu-bpol.ref", "org.example.x"])
            .prop_map(|n| n.parse().unwrap()),
        extension(),
        0..2,
    )
}

fn hex(len: usize) -> impl Strategy<Value = String> {
    vec(0u8..16, len).prop_map(|d| {
        d.iter()
            .map(|x| char::from_digit(u32::from(*x), 16).unwrap())
            .collect()
    })
}

fn person() -> impl Strategy<Value = Entity> {
    let name = (
        option::of(word()),
        word(),
        option::of(Just("Latn".to_owned())),
        option::of(Just("icao-9303".to_owned())),
    )
        .prop_map(|(given, family, script, transliteration)| PersonName {
            given,
            family: Some(family),
            script,
            transliteration,
        });
    (
        entity_id(),
        vec(name, 0..3),
        vec(word(), 0..2),
        option::of(partial_date()),
        option::of(select(vec![Sex::Male, Sex::Female, Sex::Unspecified])),
        proptest::collection::btree_set(country(), 0..3),
        option::of(word()),
        extensions(),
    )
        .prop_map(
            |(id, names, aliases, date_of_birth, sex, nats, place_of_birth, extensions)| {
                Entity::Person(Person {
                    id,
                    names,
                    aliases,
                    date_of_birth,
                    sex,
                    nationalities: nats.into_iter().collect(),
                    place_of_birth,
                    data_subject: None,
                    special_categories: Vec::new(),
                    extensions,
                })
            },
        )
}

fn entity(locations: Vec<Uuid>) -> BoxedStrategy<Entity> {
    let document = (
        entity_id(),
        country(),
        "[A-Z0-9]{9}",
        option::of(partial_date()),
        extensions(),
    )
        .prop_map(|(id, issuing_state, number, issued_on, extensions)| {
            Entity::TravelDocument(TravelDocument {
                id,
                document_type: DocumentType::Passport,
                issuing_state,
                number,
                issued_on,
                expires_on: issued_on.map(|d| PartialDate::new(d.year() + 10, None, None).unwrap()),
                status: DocumentStatus::Stolen,
                mrz: Vec::new(),
                extensions,
            })
        });
    let biometric = (entity_id(), hex(64), word()).prop_map(|(id, sha256, w)| {
        Entity::Biometric(Biometric {
            id,
            modality: Modality::Fingerprint,
            format: "ANSI/NIST-ITL 1-2011".into(),
            sha256,
            pointer: format!("https://bio.example.org/{w}"),
            extensions: BTreeMap::new(),
        })
    });
    let conveyance = (entity_id(), "[A-Z]{2}[0-9]{3,4}", option::of(word())).prop_map(
        |(id, identifier, name)| {
            Entity::Conveyance(Conveyance {
                id,
                conveyance_type: ConveyanceType::Flight,
                identifier,
                name,
                registration_state: None,
                description: None,
                extensions: BTreeMap::new(),
            })
        },
    );
    let location = (
        entity_id(),
        option::of(word()),
        option::of((-90.0f64..=90.0, -180.0f64..=180.0)),
    )
        .prop_map(|(id, name, coords)| {
            Entity::Location(Location {
                id,
                name,
                country: None,
                locode: Some("NLAMS".into()),
                latitude: coords.map(|c| c.0),
                longitude: coords.map(|c| c.1),
                extensions: BTreeMap::new(),
            })
        });
    let loc = if locations.is_empty() {
        Just(None).boxed()
    } else {
        option::of(select(locations)).boxed()
    };
    let encounter = (entity_id(), timestamp(), loc, agency(), extensions()).prop_map(
        |(id, at, location, observed_by, extensions)| {
            Entity::Encounter(Encounter {
                id,
                encounter_type: EncounterType::BorderEntry,
                at,
                location,
                observed_by,
                outcome: Some(EncounterOutcome::Admitted),
                extensions,
            })
        },
    );
    let alert = (
        entity_id(),
        party(),
        timestamp(),
        option::of(0i64..100_000_000_000),
        option::of(word()),
    )
        .prop_map(|(id, issuing_authority, valid_from, span, reference)| {
            Entity::Alert(Alert {
                id,
                issuing_authority,
                category: "interpol-red".into(),
                action: AlertAction::Arrest,
                reference,
                valid_from,
                valid_until: span.map(|s| millis(ms_of(valid_from) + s)),
                extensions: BTreeMap::new(),
            })
        });
    let indicator_value = prop_oneof![
        any::<[u8; 4]>().prop_map(|b| (
            IndicatorType::Ipv4Addr,
            std::net::Ipv4Addr::from(b).to_string()
        )),
        any::<[u16; 8]>().prop_map(|b| (
            IndicatorType::Ipv6Addr,
            std::net::Ipv6Addr::from(b).to_string()
        )),
        "[a-z]{3,10}\\.(com|net|example)".prop_map(|d| (IndicatorType::DomainName, d)),
        "[a-z]{3,10}".prop_map(|d| (IndicatorType::Url, format!("https://{d}.example/x?y=1"))),
        "[a-z]{3,10}".prop_map(|d| (IndicatorType::EmailAddr, format!("{d}@{d}.example"))),
        hex(64).prop_map(|h| (IndicatorType::FileSha256, h)),
        hex(32).prop_map(|h| (IndicatorType::FileMd5, h)),
    ];
    let indicator = (entity_id(), indicator_value, option::of(text())).prop_map(
        |(id, (indicator_type, value), description)| {
            Entity::Indicator(Indicator {
                id,
                indicator_type,
                value,
                description,
                valid_from: None,
                valid_until: None,
                extensions: BTreeMap::new(),
            })
        },
    );
    let threat = (entity_id(), word(), vec(word(), 0..2)).prop_map(|(id, name, aliases)| {
        Entity::Threat(Threat {
            id,
            threat_type: ThreatType::Malware,
            name,
            aliases,
            description: None,
            first_seen: None,
            last_seen: None,
            extensions: BTreeMap::new(),
        })
    });
    let organization =
        (entity_id(), word(), option::of(country())).prop_map(|(id, name, country)| {
            Entity::Organization(Organization {
                id,
                name,
                aliases: Vec::new(),
                country,
                agency: None,
                description: None,
                extensions: BTreeMap::new(),
            })
        });
    prop_oneof![
        person(),
        document,
        biometric,
        conveyance,
        location,
        encounter,
        alert,
        indicator,
        threat,
        organization
    ]
    .boxed()
}

fn marking() -> impl Strategy<Value = Marking> {
    (
        select(vec![
            Classification::Unclassified,
            Classification::Restricted,
            Classification::Secret,
        ]),
        select(vec![
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ]),
        proptest::collection::btree_set(
            select(vec![Caveat::OriginatorControl, Caveat::H1, Caveat::H3]),
            0..3,
        ),
        proptest::collection::btree_set(purpose(), 0..3),
        option::of(text()),
    )
        .prop_map(
            |(classification, tlp, caveats, purposes, legal_basis)| Marking {
                classification,
                tlp,
                caveats: caveats.into_iter().collect(),
                releasable_to: Vec::new(),
                legal_basis,
                purposes: purposes.into_iter().collect(),
                review_by: None,
                h3: None,
            },
        )
}

fn assessment() -> impl Strategy<Value = Assessment> {
    (
        option::of(select(vec![
            SourceReliability::A,
            SourceReliability::C,
            SourceReliability::F,
        ])),
        option::of(select(vec![
            InformationCredibility::Confirmed,
            InformationCredibility::Doubtful,
        ])),
        option::of(0u8..=100),
    )
        .prop_map(
            |(source_reliability, information_credibility, confidence)| Assessment {
                source_reliability,
                information_credibility,
                confidence,
            },
        )
}

fn provenance(
    originator: AgencyId,
    created: Timestamp,
) -> impl Strategy<Value = Vec<ProvenanceEntry>> {
    (vec(
        (
            agency(),
            1i64..10_000_000_000,
            purpose(),
            hex(64),
            uuid_v4(),
        ),
        0..3,
    ))
    .prop_map(move |steps| {
        let mut from = originator.clone();
        let mut at = ms_of(created);
        let mut out = Vec::new();
        for (to, gap, purpose, digest, decision) in steps {
            if to == from {
                continue;
            }
            at += gap;
            out.push(ProvenanceEntry {
                from: from.clone(),
                to: to.clone(),
                at: millis(at),
                purpose,
                agreement: AgreementRef {
                    id: "nld-deu-border".into(),
                    version: 2,
                    digest,
                },
                decision,
                withheld: vec!["/source".into()],
                obligations: Obligations::default(),
                consents: Vec::new(),
            });
            from = to;
        }
        out
    })
}

/// A valid record.
pub(crate) fn record() -> impl Strategy<Value = Record> {
    let header = (
        uuid_v4(),
        1u32..20,
        any::<bool>(),
        agency(),
        timestamp(),
        0i64..10_000_000_000,
    );
    (header, vec(person(), 0..2), vec(entity(Vec::new()), 0..4))
        .prop_flat_map(
            |((id, version, revoked, originator, created, later), persons, others)| {
                let mut entities = persons;
                entities.extend(others);
                let locations: Vec<Uuid> = entities
                    .iter()
                    .filter(|e| e.kind() == EntityKind::Location)
                    .map(Entity::id)
                    .collect();
                let ids: Vec<Uuid> = entities.iter().map(Entity::id).collect();
                let relationships = if ids.len() < 2 {
                    Just(Vec::new()).boxed()
                } else {
                    let n = ids.len();
                    vec(
                        (
                            0..n,
                            0..n,
                            select(vec!["holder-of", "associated-with", "indicates"]),
                        ),
                        0..4,
                    )
                    .prop_map(move |pairs| {
                        pairs
                            .into_iter()
                            .filter(|(a, b, _)| a != b)
                            .map(|(a, b, rel)| Relationship {
                                source: ids[a],
                                relationship: rel.into(),
                                target: ids[b],
                                description: None,
                            })
                            .collect()
                    })
                    .boxed()
                };
                let modified = millis(ms_of(created) + later);
                (
                    Just((id, version, revoked, originator.clone(), created, modified)),
                    Just(entities),
                    vec(entity(locations), 0..2),
                    relationships,
                    marking(),
                    assessment(),
                    vec((select(vec!["en", "fr", "de-CH"]), text()), 0..2),
                    option::of((
                        select(vec![SourceType::Human, SourceType::Technical]),
                        option::of(word()),
                    )),
                    provenance(originator, created),
                    extensions(),
                )
            },
        )
        .prop_map(
            |(
                (id, version, revoked, originator, created, modified),
                mut entities,
                more,
                relationships,
                marking,
                assessment,
                narrative,
                source,
                provenance,
                extensions,
            )| {
                // Entities drawn after the locations were known may repeat an id
                // only with negligible probability; keep the first of any repeat.
                for e in more {
                    if entities.iter().all(|x| x.id() != e.id()) {
                        entities.push(e);
                    }
                }
                Record {
                    schema_version: "1.0".into(),
                    id,
                    version,
                    revoked,
                    originator,
                    created,
                    modified,
                    marking,
                    assessment,
                    entities,
                    relationships,
                    narrative: narrative
                        .into_iter()
                        .map(|(lang, text)| Narrative {
                            lang: lang.into(),
                            text,
                        })
                        .collect(),
                    source: source.map(|(source_type, reference)| Source {
                        source_type,
                        reference,
                        agency: None,
                        description: None,
                        consents: Vec::new(),
                    }),
                    provenance,
                    extensions,
                }
            },
        )
}

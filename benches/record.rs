//! Record parsing and canonicalization, each group with its baseline.
//!
//! - `parse`: [`Record::from_json`] (typed parse and every semantic check) on
//!   a realistic record of about 2 KiB and [`records_from_json`] on a bundle
//!   of about 200 KiB (a JSON array of records), against
//!   `serde_json::from_slice::<serde_json::Value>` on the same bytes (an
//!   untyped parse that checks nothing).
//! - `canonicalize`: [`canonicalize`] (RFC 8785) on the same inputs,
//!   against `serde_jcs` (parse to a `Value`, then write its canonical form).
//! - `entity`: the entities of the bundle read with the crate's hand-written
//!   `Deserialize` for [`Entity`], against serde's derived internally tagged
//!   enum of the same variants (which buffers each entity before reading it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use liaison_record::{
    Alert, Biometric, Conveyance, Encounter, Entity, Indicator, Location, Organization, Person,
    Record, Threat, TravelDocument, canonicalize, records_from_json,
};
use serde::Deserialize;
use serde_json::Value;

const SAMPLES: [&[u8]; 3] = [
    include_bytes!("../crates/liaison-record/tests/data/records/watchlist-hit.json"),
    include_bytes!("../crates/liaison-record/tests/data/records/stolen-document.json"),
    include_bytes!("../crates/liaison-record/tests/data/records/cyber-indicators.json"),
];

/// The cyber-indicator record as written on the wire (compact), about 2 KiB.
fn single() -> Vec<u8> {
    Record::from_json(SAMPLES[2]).unwrap().to_json()
}

/// About 200 KiB of records, each with its own id, as one JSON array.
fn bundle() -> Vec<u8> {
    let samples: Vec<Record> = SAMPLES
        .iter()
        .map(|s| Record::from_json(s).unwrap())
        .collect();
    let mut records = Vec::new();
    let mut size = 2;
    let mut n: u64 = 0;
    while size < 200 * 1024 {
        let mut r = samples[usize::try_from(n % 3).unwrap()].clone();
        n += 1;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&n.to_be_bytes());
        bytes[8..].copy_from_slice(&n.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
        r.id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        size += r.to_json().len() + 1;
        records.push(r);
    }
    serde_json::to_vec(&records).unwrap()
}

fn inputs() -> [(&'static str, Vec<u8>); 2] {
    [("record", single()), ("bundle", bundle())]
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, bytes) in inputs() {
        assert!(records_from_json(b"[]").is_ok());
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        let id = format!("{name}-{}B", bytes.len());
        if name == "record" {
            Record::from_json(&bytes).unwrap();
            group.bench_with_input(
                BenchmarkId::new("Record::from_json", &id),
                &bytes,
                |b, bytes| {
                    b.iter(|| Record::from_json(black_box(bytes)).unwrap());
                },
            );
        } else {
            records_from_json(&bytes).unwrap();
            group.bench_with_input(
                BenchmarkId::new("records_from_json", &id),
                &bytes,
                |b, bytes| {
                    b.iter(|| records_from_json(black_box(bytes)).unwrap());
                },
            );
        }
        group.bench_with_input(
            BenchmarkId::new("serde_json::Value", &id),
            &bytes,
            |b, bytes| {
                b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)).unwrap());
            },
        );
    }
    group.finish();
}

fn canonical(c: &mut Criterion) {
    let mut group = c.benchmark_group("canonicalize");
    for (name, bytes) in inputs() {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        let id = format!("{name}-{}B", bytes.len());
        let ours = canonicalize(&bytes).unwrap();
        let theirs = serde_jcs::to_vec(&serde_json::from_slice::<Value>(&bytes).unwrap()).unwrap();
        assert_eq!(ours, theirs, "both give the same canonical form");
        group.bench_with_input(
            BenchmarkId::new("liaison_record::canonicalize", &id),
            &bytes,
            |b, bytes| {
                b.iter(|| canonicalize(black_box(bytes)).unwrap());
            },
        );
        group.bench_with_input(BenchmarkId::new("serde_jcs", &id), &bytes, |b, bytes| {
            b.iter(|| {
                let v = serde_json::from_slice::<Value>(black_box(bytes)).unwrap();
                serde_jcs::to_vec(&v).unwrap()
            });
        });
    }
    group.finish();
}

/// The same entities as serde would read them with `#[serde(tag = "kind")]`.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[expect(dead_code, reason = "only read, to measure reading")]
enum DerivedEntity {
    Person(Person),
    Organization(Organization),
    TravelDocument(TravelDocument),
    Biometric(Biometric),
    Conveyance(Conveyance),
    Location(Location),
    Encounter(Encounter),
    Alert(Alert),
    Indicator(Indicator),
    Threat(Threat),
}

fn entity(c: &mut Criterion) {
    let records = records_from_json(&bundle()).unwrap();
    let entities: Vec<&Entity> = records.iter().flat_map(|r| &r.entities).collect();
    let bytes = serde_json::to_vec(&entities).unwrap();
    let mut group = c.benchmark_group("entity");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    let id = format!("{}-entities-{}B", entities.len(), bytes.len());
    group.bench_with_input(BenchmarkId::new("hand-written", &id), &bytes, |b, bytes| {
        b.iter(|| serde_json::from_slice::<Vec<Entity>>(black_box(bytes)).unwrap());
    });
    group.bench_with_input(
        BenchmarkId::new("serde-derived", &id),
        &bytes,
        |b, bytes| {
            b.iter(|| serde_json::from_slice::<Vec<DerivedEntity>>(black_box(bytes)).unwrap());
        },
    );
    group.finish();
}

criterion_group!(benches, parse, canonical, entity);
criterion_main!(benches);

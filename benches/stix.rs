//! STIX 2.1 import and export of the OASIS `apt1.json` example (76 objects,
//! one record), each group with its baseline.
//!
//! - `stix_import`: [`import_bundle`] (every check, records with kept data)
//!   against `serde_json::from_slice::<serde_json::Value>` on the same bytes
//!   (an untyped parse that checks nothing).
//! - `stix_export`: [`export_bundle`] then its RFC 8785 form, against
//!   `serde_json::to_vec` of the original bundle as a `Value`.
//!
//! - `stix_records`: the three sample records of the record crate (border
//!   entities, indicators, a watchlist hit) exported as one bundle and that
//!   bundle imported back, against `serde_json` writing and reading the
//!   records themselves. Throughput in records.
//!
//! Throughput of the apt1 groups is in STIX objects; the record count is
//! printed once so that records per second can be read from the same run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use liaison_record::{Record, canonicalize_value};
use liaison_stix::{ExportOptions, ImportOptions, export_bundle, import_bundle};
use serde_json::Value;

const APT1: &[u8] = include_bytes!("../crates/liaison-stix/tests/data/stix/apt1.json");

fn objects() -> u64 {
    let v: Value = serde_json::from_slice(APT1).unwrap();
    u64::try_from(v["objects"].as_array().unwrap().len()).unwrap()
}

fn import(c: &mut Criterion) {
    let options = ImportOptions::default();
    let records = import_bundle(APT1, &options).unwrap().records.len();
    println!("apt1.json: {} objects, {records} record(s)", objects());
    let mut group = c.benchmark_group("stix_import");
    group.throughput(Throughput::Elements(objects()));
    group.bench_function("liaison_import_bundle", |b| {
        b.iter(|| import_bundle(black_box(APT1), &options).unwrap());
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(APT1)).unwrap());
    });
    group.finish();
}

fn export(c: &mut Criterion) {
    let records = import_bundle(APT1, &ImportOptions::default())
        .unwrap()
        .records;
    let original: Value = serde_json::from_slice(APT1).unwrap();
    let options = ExportOptions::default();
    let mut group = c.benchmark_group("stix_export");
    group.throughput(Throughput::Elements(objects()));
    group.bench_function("liaison_export_bundle_canonical", |b| {
        b.iter(|| canonicalize_value(&export_bundle(black_box(&records), &options).unwrap()));
    });
    group.bench_function("serde_json_to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&original)).unwrap());
    });
    group.finish();
}

const SAMPLES: [&[u8]; 3] = [
    include_bytes!("../crates/liaison-record/tests/data/records/watchlist-hit.json"),
    include_bytes!("../crates/liaison-record/tests/data/records/stolen-document.json"),
    include_bytes!("../crates/liaison-record/tests/data/records/cyber-indicators.json"),
];

fn records(c: &mut Criterion) {
    let records: Vec<Record> = SAMPLES
        .iter()
        .map(|s| Record::from_json(s).unwrap())
        .collect();
    let options = ExportOptions::default();
    let bundle = serde_json::to_vec(&export_bundle(&records, &options).unwrap()).unwrap();
    let plain = serde_json::to_vec(&records).unwrap();
    let mut group = c.benchmark_group("stix_records");
    group.throughput(Throughput::Elements(u64::try_from(records.len()).unwrap()));
    group.bench_function("liaison_export_bundle", |b| {
        b.iter(|| export_bundle(black_box(&records), &options).unwrap());
    });
    group.bench_function("serde_json_write_records", |b| {
        b.iter(|| serde_json::to_vec(black_box(&records)).unwrap());
    });
    group.bench_function("liaison_import_bundle", |b| {
        b.iter(|| import_bundle(black_box(&bundle), &ImportOptions::default()).unwrap());
    });
    group.bench_function("serde_json_read_records", |b| {
        b.iter(|| serde_json::from_slice::<Vec<Record>>(black_box(&plain)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, import, export, records);
criterion_main!(benches);

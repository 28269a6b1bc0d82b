//! The exchange: share plus receive of a 2 KiB record to one partner,
//! against the floor of the public-key operations it cannot avoid; and
//! batch sharing on one core against two.
//!
//! - `exchange_2KiB/liaison_share_receive`: `Agency::share_at` then
//!   `Agency::receive_at` of a record whose canonical JSON is about 2 KiB:
//!   decide, redact, canonicalize, seal, sign, audit; then inspect, open,
//!   verify, parse and validate, check the label, replay check, audit.
//! - `exchange_2KiB/floor_x25519_ed25519`: the X25519 and Ed25519
//!   operations of one seal and one open of envelope format 2, nothing
//!   else: a fresh ephemeral key (one base-point multiplication), one
//!   Diffie-Hellman to wrap, two Ed25519 signatures (header and final);
//!   one Diffie-Hellman to unwrap, two strict Ed25519 verifications, with
//!   `x25519-dalek` and `ed25519-dalek`, the primitives the envelope itself
//!   uses. Target: the exchange at 0.8 of the floor's rate or better.
//! - `exchange_2KiB/envelope_seal_open`: `liaison_envelope` alone sealing
//!   and opening the same payload with a label of the same size, to show
//!   how the cost above the floor divides between the envelope and the
//!   exchange around it.
//! - `share_batch/threads`: `Agency::share_batch_at` of 256 records in a
//!   Rayon pool of 1 and of 2 threads. Target: 2 threads at 1.8 times the
//!   rate of 1 or better.
//!
//! - `audit_append`: one audit entry appended to the file store (a write
//!   and an `fsync`) against the in-memory store, and a batch of 256
//!   entries to the file store with one `fsync` (group commit).
//!
//! Both agencies use the in-memory audit store: an `fsync` per entry costs
//! more than the whole exchange, so a file store would measure the disk
//! (see `docs/exchange.md` on group commit).
#![allow(
    clippy::unwrap_used,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use liaison::audit::AuditLog;
use liaison::{Agency, AgencyId, Directory, Identity, PolicySet, Purpose, Record, Timestamp};
use time::macros::datetime;
use x25519_dalek::{PublicKey, StaticSecret};

const AGREEMENT: &str = r#"
id = "bench.nld-kmar.deu-bpol"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Convention art. 39"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "persons"
effect = "release"
[clause.when]
entity_kinds = ["person"]
[clause.release]
classes = ["identity", "travel-document", "alert", "association", "narrative"]
[clause.obligations]
retention_days = 90
onward = "forbidden"
notify_on_use = true
"#;

fn identity(agency: &str) -> Identity {
    Identity::generate(
        agency,
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-12-31 0:00 UTC),
    )
    .unwrap()
}

/// A watchlist hit whose released copy is about 2 KiB of canonical JSON.
fn record() -> Record {
    let text = "Discreet check hit on departure; travelled alone with one checked bag. ".repeat(12);
    let json = format!(
        r#"{{"schema_version":"1.0","id":"{id}","version":1,"originator":"NLD-KMAR",
  "created":"2026-11-20T06:41:12.000Z","modified":"2026-11-20T06:41:12.000Z",
  "marking":{{"classification":"restricted","tlp":"amber","purposes":["border-control"]}},
  "entities":[
    {{"kind":"person","id":"{person}","names":[{{"given":"Pieter Jan","family":"de Vries"}}],
      "date_of_birth":"1987-03","nationalities":["NLD"]}},
    {{"kind":"alert","id":"{alert}","issuing_authority":"NLD-KMAR","category":"sis-article-36",
      "action":"discreet-check","reference":"SIS-NL-2026-0048211","valid_from":"2026-09-01T00:00:00.000Z"}}],
  "relationships":[{{"source":"{person}","relationship":"subject-of","target":"{alert}"}}],
  "narrative":[{{"lang":"en","text":"{text}"}}]}}"#,
        id = uuid::Uuid::new_v4(),
        person = uuid::Uuid::new_v4(),
        alert = uuid::Uuid::new_v4(),
        text = text.trim_end(),
    );
    Record::from_json(json.as_bytes()).unwrap()
}

fn agencies() -> (Agency, Agency) {
    let (kmar_keys, bpol_keys) = (identity("NLD-KMAR"), identity("DEU-BPOL"));
    let mut d = Directory::new();
    d.add(bpol_keys.card()).unwrap();
    let agreement =
        liaison::policy::parse_agreement(AGREEMENT, liaison::policy::Format::Toml, "bench.toml")
            .unwrap();
    let kmar_card = kmar_keys.card();
    let kmar = Agency::builder(kmar_keys)
        .directory(d)
        .agreements(PolicySet::new(vec![agreement]))
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    let mut d = Directory::new();
    d.add(kmar_card).unwrap();
    let bpol = Agency::builder(bpol_keys)
        .directory(d)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    (kmar, bpol)
}

fn exchange(c: &mut Criterion) {
    let (kmar, bpol) = agencies();
    let record = record();
    let to: AgencyId = "DEU-BPOL".parse().unwrap();
    let purpose: Purpose = "border-control".parse().unwrap();
    let at: Timestamp = "2026-11-26T09:00:00.000Z".parse().unwrap();
    let sample = kmar.share_at(&record, &to, &purpose, at).unwrap();
    let released = bpol.receive_at(sample.as_bytes(), at).unwrap();
    let size = released.record.canonical_json().len();
    assert!(
        (1900..2300).contains(&size),
        "released copy is {size} bytes"
    );

    // The floor's keys.
    let recipient = StaticSecret::from([7u8; 32]);
    let recipient_public = PublicKey::from(&recipient);
    let signing = SigningKey::from_bytes(&[9u8; 32]);
    let verifying = signing.verifying_key();
    let transcript = [0u8; 94];
    let header_transcript = [0u8; 69];

    // The envelope alone, with the same payload and label sizes.
    let payload = released.record.canonical_json();
    let label = vec![b'x'; 600];
    let (sender, receiver) = (identity("NLD-KMAR"), identity("DEU-BPOL"));
    let (sender_cards, receiver_card) = ([sender.card()], receiver.card());
    let when = at.to_offset_date_time();

    let mut group = c.benchmark_group("exchange_2KiB");
    group.throughput(Throughput::Elements(1));
    group.bench_function("liaison_share_receive", |b| {
        b.iter(|| {
            let parcel = kmar.share_at(&record, &to, &purpose, at).unwrap();
            black_box(bpol.receive_at(parcel.as_bytes(), at).unwrap())
        });
    });
    group.bench_function("envelope_seal_open", |b| {
        b.iter(|| {
            let sealed = liaison_envelope::Sealer::new(&sender)
                .recipient(&receiver_card)
                .label(&label)
                .at(when)
                .seal(&payload)
                .unwrap();
            black_box(liaison_envelope::open(&sealed, &receiver, &sender_cards, when).unwrap())
        });
    });
    group.bench_function("floor_x25519_ed25519", |b| {
        b.iter(|| {
            // Seal: a fresh ephemeral key, the wrapping agreement, the signature.
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).unwrap();
            let ephemeral = StaticSecret::from(seed);
            let ephemeral_public = PublicKey::from(&ephemeral);
            black_box(
                ephemeral
                    .diffie_hellman(&recipient_public)
                    .was_contributory(),
            );
            let header_signature = signing.sign(&header_transcript);
            let signature = signing.sign(&transcript);
            // Open: the header signature's verification, the unwrapping
            // agreement, the final signature's verification.
            black_box(
                verifying
                    .verify_strict(&header_transcript, &header_signature)
                    .is_ok(),
            );
            black_box(
                recipient
                    .diffie_hellman(&ephemeral_public)
                    .was_contributory(),
            );
            black_box(verifying.verify_strict(&transcript, &signature).is_ok())
        });
    });
    group.finish();
}

fn batch(c: &mut Criterion) {
    let (kmar, _) = agencies();
    let records: Vec<Record> = (0..256).map(|_| record()).collect();
    let to: AgencyId = "DEU-BPOL".parse().unwrap();
    let purpose: Purpose = "border-control".parse().unwrap();
    let at: Timestamp = "2026-11-26T09:00:00.000Z".parse().unwrap();
    let mut group = c.benchmark_group("share_batch");
    group.sample_size(20);
    group.throughput(Throughput::Elements(records.len() as u64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_with_input(BenchmarkId::new("threads", threads), &pool, |b, pool| {
            b.iter(|| {
                let parcels = pool.install(|| kmar.share_batch_at(&records, &to, &purpose, at));
                assert!(parcels.iter().all(Result::is_ok));
                black_box(parcels)
            });
        });
    }
    group.finish();
}

fn audit_append(c: &mut Criterion) {
    use liaison::audit::{AuditEvent, AuditOutcome, EntryKind};
    let event = || {
        let mut e = AuditEvent::new(
            EntryKind::Release,
            AuditOutcome::Released,
            "2026-11-26T09:00:00.000Z".parse().unwrap(),
        );
        e.counterparty = Some("DEU-BPOL".parse().unwrap());
        e.purpose = Some("border-control".parse().unwrap());
        e.record = Some(uuid::Uuid::new_v4());
        e.decision = Some(uuid::Uuid::new_v4());
        e.parcel = Some(uuid::Uuid::new_v4());
        e.record_digest = Some("ab".repeat(32));
        e.reasons = vec!["agreement `a`, clause `c`: applies and allows the release".to_owned()];
        e
    };
    let dir = tempfile::tempdir().unwrap();
    let file = AuditLog::open(dir.path().join("audit.jsonl")).unwrap();
    let memory = AuditLog::in_memory();
    let mut group = c.benchmark_group("audit_append");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    group.bench_function("memory", |b| b.iter(|| memory.append(event()).unwrap()));
    group.bench_function("file_fsync_each", |b| {
        b.iter(|| file.append(event()).unwrap())
    });
    group.throughput(Throughput::Elements(256));
    group.bench_function("file_group_commit_256", |b| {
        b.iter(|| {
            file.append_all((0..256).map(|_| event()).collect())
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, exchange, batch, audit_append);
criterion_main!(benches);

//! The audit stores under load: receipts per second (a whole `receive`:
//! open, verify, validate, and the durable step that records the receipt
//! and the parcel id) and audit appends per second (one durable step
//! each), for the JSON Lines file and for PostgreSQL, with one writer and
//! with four writers sharing one store (each with its own log, as four
//! processes would be), in one group so the ratios read from one run.
//!
//! The PostgreSQL cases run when `LIAISON_TEST_POSTGRES` holds a server
//! URL (`source .ci/postgres.sh` starts one) and are skipped with a note
//! otherwise. Every append is durable: the file is fsynced, and the
//! server commits with its default `synchronous_commit = on`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "bench setup: a failing unwrap is a broken bench"
)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use liaison::audit::{AuditEvent, AuditLog, AuditOutcome, EntryKind};
use liaison::{Agency, Directory, Identity, PolicySet, Record, Timestamp};
use time::macros::datetime;
use uuid::Uuid;

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
classes = ["identity"]
"#;

fn now() -> Timestamp {
    "2026-11-26T09:00:00.000Z".parse().unwrap()
}

struct Pair {
    kmar: String,
    bpol: String,
    sender: Agency,
}

impl Pair {
    fn new() -> Self {
        let (from, until) = (
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        );
        let kmar = Identity::generate("NLD-KMAR", from, until).unwrap();
        let bpol = Identity::generate("DEU-BPOL", from, until).unwrap();
        let mut d = Directory::new();
        d.add(bpol.card()).unwrap();
        let agreement = liaison::policy::parse_agreement(
            AGREEMENT,
            liaison::policy::Format::Toml,
            "bench.toml",
        )
        .unwrap();
        let kmar_json = kmar.to_json().to_string();
        let sender = Agency::builder(kmar)
            .directory(d)
            .agreements(PolicySet::new(vec![agreement]))
            .audit_log(AuditLog::in_memory())
            .build()
            .unwrap();
        Self {
            kmar: kmar_json,
            bpol: bpol.to_json().to_string(),
            sender,
        }
    }

    fn parcels(&self, n: u64) -> Vec<Vec<u8>> {
        let records: Vec<Record> = (0..n)
            .map(|_| {
                let json = format!(
                    r#"{{"schema_version":"1.0","id":"{}","version":1,"originator":"NLD-KMAR",
  "created":"2026-11-20T06:41:12.000Z","modified":"2026-11-20T06:41:12.000Z",
  "marking":{{"classification":"restricted","tlp":"amber"}},
  "entities":[{{"kind":"person","id":"{}","names":[{{"family":"Vries"}}]}}]}}"#,
                    Uuid::new_v4(),
                    Uuid::new_v4()
                );
                Record::from_json(json.as_bytes()).unwrap()
            })
            .collect();
        self.sender
            .share_batch_at(
                &records,
                &"DEU-BPOL".parse().unwrap(),
                &"border-control".parse().unwrap(),
                now(),
            )
            .into_iter()
            .map(|p| p.unwrap().into_bytes())
            .collect()
    }

    fn receiver(&self, location: &str) -> Agency {
        let mut d = Directory::new();
        d.add(Identity::from_json(&self.kmar).unwrap().card())
            .unwrap();
        Agency::builder(Identity::from_json(&self.bpol).unwrap())
            .directory(d)
            .audit_location(location)
            .build()
            .unwrap()
    }
}

/// A store for one bench case: a new file, or a new schema.
enum Store {
    File(tempfile::TempDir),
    Postgres(String),
}

impl Store {
    fn location(&self) -> String {
        match self {
            Self::File(dir) => dir
                .path()
                .join("audit.jsonl")
                .to_string_lossy()
                .into_owned(),
            Self::Postgres(url) => url.clone(),
        }
    }
}

fn fresh(postgres: Option<&str>) -> Store {
    match postgres {
        None => Store::File(tempfile::tempdir().unwrap()),
        Some(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let schema = format!("bench_{}", Uuid::new_v4().simple());
            client
                .batch_execute(&format!("CREATE SCHEMA {schema}"))
                .unwrap();
            let joiner = if url.contains('?') { '&' } else { '?' };
            Store::Postgres(format!("{url}{joiner}options=-csearch_path%3D{schema}"))
        }
    }
}

/// Runs `work(writer, count)` on `writers` threads at once, `total` in all,
/// and returns the wall time.
fn concurrently(writers: u64, total: u64, work: impl Fn(usize, u64) + Sync) -> Duration {
    let per = total.div_ceil(writers);
    let start = Instant::now();
    std::thread::scope(|s| {
        for w in 0..writers {
            let work = &work;
            s.spawn(move || work(w as usize, per));
        }
    });
    start.elapsed()
}

fn stores(c: &mut Criterion) {
    let postgres = std::env::var("LIAISON_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty());
    if postgres.is_none() {
        eprintln!(
            "note: the PostgreSQL cases are skipped: set LIAISON_TEST_POSTGRES to a server URL (source .ci/postgres.sh) to run them"
        );
    }
    let pair = Pair::new();
    let mut group = c.benchmark_group("stores");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    let backends: Vec<(&str, Option<&str>)> = std::iter::once(("file", None))
        .chain(postgres.as_deref().map(|u| ("postgres", Some(u))))
        .collect();
    for (name, url) in &backends {
        for writers in [1u64, 4] {
            group.bench_function(format!("receipt/{name}/{writers}-writers"), |b| {
                b.iter_custom(|iters| {
                    let store = fresh(*url);
                    let agencies: Vec<Agency> = (0..writers)
                        .map(|_| pair.receiver(&store.location()))
                        .collect();
                    let per = iters.div_ceil(writers);
                    let parcels: Vec<Vec<Vec<u8>>> =
                        (0..writers).map(|_| pair.parcels(per)).collect();
                    concurrently(writers, iters, |w, n| {
                        for p in parcels[w].iter().take(n as usize) {
                            agencies[w].receive_at(p, now()).unwrap();
                        }
                    })
                });
            });
            group.bench_function(format!("append/{name}/{writers}-writers"), |b| {
                b.iter_custom(|iters| {
                    let store = fresh(*url);
                    let logs: Vec<AuditLog> = (0..writers)
                        .map(|_| AuditLog::open_location(&store.location()).unwrap())
                        .collect();
                    concurrently(writers, iters, |w, n| {
                        for _ in 0..n {
                            let mut event =
                                AuditEvent::new(EntryKind::Decision, AuditOutcome::Denied, now());
                            event.reasons.push("no-agreement".to_owned());
                            logs[w].append(event).unwrap();
                        }
                    })
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, stores);
criterion_main!(benches);

//! What the exchange-state tests share: two agencies' keys, records,
//! parcels, and the PostgreSQL server the tests may use.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

use std::path::Path;

use liaison::{Agency, Directory, Identity, PolicySet, Record, Timestamp};
use time::macros::datetime;
use uuid::Uuid;

/// The agreement the sender shares under.
pub(crate) const AGREEMENT: &str = r#"
id = "test.nld-kmar.deu-bpol"
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
classes = ["identity", "travel-document", "alert", "association", "assessment"]
[clause.obligations]
retention_days = 90
onward = "forbidden"
"#;

/// The time the tests share and receive at.
pub(crate) fn now() -> Timestamp {
    "2026-11-26T09:00:00.000Z".parse().unwrap()
}

/// The sender's and the receiver's identities, as identity JSON (so that
/// they can be given to another process).
pub(crate) struct Pair {
    pub(crate) kmar: String,
    pub(crate) bpol: String,
}

impl Pair {
    pub(crate) fn new() -> Self {
        let (from, until) = (
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        );
        Self {
            kmar: Identity::generate("NLD-KMAR", from, until)
                .unwrap()
                .to_json()
                .to_string(),
            bpol: Identity::generate("DEU-BPOL", from, until)
                .unwrap()
                .to_json()
                .to_string(),
        }
    }

    /// The sender, with an audit log in memory.
    pub(crate) fn sender(&self) -> Agency {
        let mut d = Directory::new();
        d.add(identity(&self.bpol).card()).unwrap();
        let agreement =
            liaison::policy::parse_agreement(AGREEMENT, liaison::policy::Format::Toml, "test.toml")
                .unwrap();
        Agency::builder(identity(&self.kmar))
            .directory(d)
            .agreements(PolicySet::new(vec![agreement]))
            .audit_log(liaison::audit::AuditLog::in_memory())
            .build()
            .unwrap()
    }
}

pub(crate) fn identity(json: &str) -> Identity {
    Identity::from_json(json).unwrap()
}

/// The receiver `bpol` with its audit log (and replay ids) at `location`.
pub(crate) fn receiver(bpol: &str, kmar: &str, location: &str) -> Agency {
    let mut d = Directory::new();
    d.add(identity(kmar).card()).unwrap();
    Agency::builder(identity(bpol))
        .directory(d)
        .audit_location(location)
        .build()
        .unwrap()
}

/// A small record about one person.
pub(crate) fn record(family: &str) -> Record {
    let json = format!(
        r#"{{"schema_version":"1.0","id":"{}","version":1,"originator":"NLD-KMAR",
  "created":"2026-11-20T06:41:12.000Z","modified":"2026-11-20T06:41:12.000Z",
  "marking":{{"classification":"restricted","tlp":"amber"}},
  "entities":[{{"kind":"person","id":"{}","names":[{{"family":"{family}"}}]}}]}}"#,
        Uuid::new_v4(),
        Uuid::new_v4()
    );
    Record::from_json(json.as_bytes()).unwrap()
}

/// `n` parcels from the sender to the receiver, sealed at `at`.
pub(crate) fn parcels(pair: &Pair, n: usize, at: Timestamp) -> Vec<Vec<u8>> {
    let sender = pair.sender();
    let records: Vec<Record> = (0..n).map(|i| record(&format!("Vries {i}"))).collect();
    sender
        .share_batch_at(
            &records,
            &"DEU-BPOL".parse().unwrap(),
            &"border-control".parse().unwrap(),
            at,
        )
        .into_iter()
        .map(|p| p.unwrap().into_bytes())
        .collect()
}

/// Writes parcels to one file, each as its length (8 bytes, little
/// endian) then its bytes.
pub(crate) fn write_parcels(path: &Path, parcels: &[Vec<u8>]) {
    let mut out = Vec::new();
    for p in parcels {
        out.extend_from_slice(&(p.len() as u64).to_le_bytes());
        out.extend_from_slice(p);
    }
    std::fs::write(path, out).unwrap();
}

pub(crate) fn read_parcels(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut rest = bytes.as_slice();
    let mut parcels = Vec::new();
    while !rest.is_empty() {
        let (len, tail) = rest.split_at(8);
        let len = u64::from_le_bytes(len.try_into().unwrap()) as usize;
        let (p, tail) = tail.split_at(len);
        parcels.push(p.to_vec());
        rest = tail;
    }
    parcels
}

/// A permutation of `0..n` drawn from `seed` (xorshift, Fisher-Yates).
pub(crate) fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// The PostgreSQL server the tests use: `LIAISON_TEST_POSTGRES`, a URL.
/// Without it a test prints that it is skipped, except in CI (`CI` set),
/// where it fails: CI must have started a server.
pub(crate) fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("LIAISON_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => panic!(
            "{test}: CI is set but LIAISON_TEST_POSTGRES is not: .ci/run must start a PostgreSQL server and give its URL"
        ),
        _ => {
            eprintln!(
                "{test}: skipped, no PostgreSQL server (set LIAISON_TEST_POSTGRES=postgres://USER@HOST:PORT/DB to run it)"
            );
            None
        }
    }
}

/// A fresh schema on the server at `url`, and the URL that uses it.
pub(crate) fn fresh_schema(url: &str) -> String {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("the PostgreSQL server at `{url}` cannot be reached: {e}"));
    let schema = format!("t_{}", Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}options=-csearch_path%3D{schema}")
}

//! What the matching tests share: two agencies, the holder's record, its
//! agreement, the querier's keys, one whole round.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "test fixtures: each test file uses a part, and a failure is a failed test"
)]

use liaison::audit::AuditLog;
use liaison::matching::{
    FilterWidth, HolderKey, Ledger, MatchError, MatchLimits, build_index, match_keys,
};
use liaison::policy::{Format, parse_agreement};
use liaison::record::Entity;
use liaison::{Agency, Directory, Identity, PolicySet, Purpose, Record, Timestamp};
use time::macros::datetime;

pub(crate) const RECORD: &str = r#"{
  "schema_version": "1.0",
  "id": "7f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "2026-03-01T10:00:00.000Z",
  "modified": "2026-03-01T10:00:00.000Z",
  "marking": { "classification": "restricted", "tlp": "amber" },
  "entities": [
    { "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
      "document_type": "passport", "issuing_state": "NLD", "number": "SPECI2014",
      "status": "stolen" }
  ]
}"#;

pub(crate) fn at() -> Timestamp {
    "2026-03-02T09:00:00.000Z".parse().unwrap()
}

/// KMAR's agreement with DEU-BPOL: `KINDS` and `REVEAL` are filled in.
pub(crate) const AGREEMENT: &str = r#"
id = "nld-kmar.deu-bpol.matching"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Decision 2008/615/JHA"
purposes = ["border-control", "criminal-investigation"]
max_classification = "restricted"

[[clause]]
id = "documents"
effect = "release"
[clause.release]
classes = ["travel-document"]

[[match]]
id = "documents-for-border-control"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = KINDS
reveal_reference = REVEAL
budget = { per_day = 3, per_batch = 2 }
[match.obligations]
retention_days = 30
onward = "forbidden"
"#;

pub(crate) fn agreement(kinds: &str, reveal: bool) -> PolicySet {
    let text = AGREEMENT
        .replace("KINDS", kinds)
        .replace("REVEAL", &reveal.to_string());
    PolicySet::new(vec![
        parse_agreement(&text, Format::Toml, "matching.toml").unwrap(),
    ])
}

pub(crate) fn agencies() -> (Agency, Agency) {
    agencies_under(agreement(r#"["travel-document"]"#, true))
}

pub(crate) fn agencies_under(policies: PolicySet) -> (Agency, Agency) {
    let (kmar, bpol, _) = agencies_with_keys(policies);
    (kmar, bpol)
}

/// The two agencies' identities, as JSON, to seal parcels by hand.
pub(crate) struct Keys {
    pub(crate) kmar: String,
    pub(crate) bpol: String,
}

impl Keys {
    pub(crate) fn kmar(&self) -> Identity {
        Identity::from_json(&self.kmar).unwrap()
    }

    pub(crate) fn bpol(&self) -> Identity {
        Identity::from_json(&self.bpol).unwrap()
    }
}

pub(crate) fn agencies_with_keys(policies: PolicySet) -> (Agency, Agency, Keys) {
    let (from, until) = (
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-01-01 0:00 UTC),
    );
    let keys = Keys {
        kmar: Identity::generate("NLD-KMAR", from, until)
            .unwrap()
            .to_json()
            .to_string(),
        bpol: Identity::generate("DEU-BPOL", from, until)
            .unwrap()
            .to_json()
            .to_string(),
    };
    let mut kmar_partners = Directory::new();
    kmar_partners.add(keys.bpol().card()).unwrap();
    let mut bpol_partners = Directory::new();
    bpol_partners.add(keys.kmar().card()).unwrap();
    let kmar = Agency::builder(keys.kmar())
        .directory(kmar_partners)
        .agreements(policies)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    let bpol = Agency::builder(keys.bpol())
        .directory(bpol_partners)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    (kmar, bpol, keys)
}

/// The querier's keys: the holder's document typed with a space and an
/// `O` for the zero, and a document the holder does not have.
pub(crate) fn asked() -> Vec<liaison::matching::MatchKey> {
    let docs: Vec<Entity> = serde_json::from_str(
        r#"[
          { "kind": "travel-document", "id": "1b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
            "document_type": "passport", "issuing_state": "NLD", "number": "SPECI 2O14",
            "status": "unknown" },
          { "kind": "travel-document", "id": "2b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
            "document_type": "passport", "issuing_state": "NLD", "number": "XR1234567",
            "status": "unknown" }
        ]"#,
    )
    .unwrap();
    docs.iter().flat_map(match_keys).collect()
}

/// The holder's index of [`RECORD`] and the reference of the first key
/// `bpol` asks about, which hits, after a whole round for `purpose`.
pub(crate) fn first_hit(
    kmar: &Agency,
    bpol: &Agency,
    purpose: &Purpose,
) -> (liaison::matching::Built, liaison::matching::HitReference) {
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    let built = build_index(std::slice::from_ref(&record), &key, FilterWidth::Bits32).unwrap();
    let (pending, query) = bpol
        .match_query_at(&built.index, kmar.id(), purpose, &asked(), at())
        .unwrap();
    let answer = kmar
        .match_answer_at(
            &query,
            &key,
            built.index.commitment(),
            &MatchLimits::default(),
            &mut Ledger::new(),
            at(),
        )
        .unwrap();
    let outcomes = bpol
        .match_finish_at(&answer, &pending, &built.index, kmar.id(), at())
        .unwrap()
        .outcomes;
    (built, outcomes[0].hit.unwrap())
}

/// The code of the refusal of `query` by `kmar` under `limits`.
pub(crate) fn refusal(
    kmar: &Agency,
    query: &[u8],
    key: &HolderKey,
    commitment: &liaison::matching::Commitment,
    limits: &MatchLimits,
    ledger: &mut Ledger,
) -> (&'static str, String) {
    let err = kmar
        .match_answer_at(query, key, commitment, limits, ledger, at())
        .unwrap_err();
    assert!(
        matches!(
            err,
            MatchError::NotAllowed { .. } | MatchError::Budget { .. }
        ),
        "{err}"
    );
    (err.code(), err.to_string())
}

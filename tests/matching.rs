//! Hit/no-hit matching between two agencies in one process, through the
//! facade: the index, the query and the answer travel as sealed parcels,
//! the holder holds the querier to its terms and budget, and both audit
//! logs record counts and kinds, never a value.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test: a failing unwrap is a failing test"
)]

use liaison::audit::{AuditLog, AuditOutcome, EntryKind};
use liaison::matching::{
    FilterWidth, HolderKey, Ledger, MatchError, MatchLimits, build_index, match_keys,
};
use liaison::policy::{Format, parse_agreement};
use liaison::record::Entity;
use liaison::{Agency, Directory, Identity, PolicySet, Purpose, Record, Timestamp};
use time::macros::datetime;

const RECORD: &str = r#"{
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

fn at() -> Timestamp {
    "2026-03-02T09:00:00.000Z".parse().unwrap()
}

/// KMAR's agreement with DEU-BPOL: `KINDS` and `REVEAL` are filled in.
const AGREEMENT: &str = r#"
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

fn agreement(kinds: &str, reveal: bool) -> PolicySet {
    let text = AGREEMENT
        .replace("KINDS", kinds)
        .replace("REVEAL", &reveal.to_string());
    PolicySet::new(vec![
        parse_agreement(&text, Format::Toml, "matching.toml").unwrap(),
    ])
}

fn agencies() -> (Agency, Agency) {
    agencies_under(agreement(r#"["travel-document"]"#, true))
}

fn agencies_under(policies: PolicySet) -> (Agency, Agency) {
    let (from, until) = (
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-01-01 0:00 UTC),
    );
    let kmar = Identity::generate("NLD-KMAR", from, until).unwrap();
    let bpol = Identity::generate("DEU-BPOL", from, until).unwrap();
    let mut kmar_partners = Directory::new();
    kmar_partners.add(bpol.card()).unwrap();
    let mut bpol_partners = Directory::new();
    bpol_partners.add(kmar.card()).unwrap();
    let kmar = Agency::builder(kmar)
        .directory(kmar_partners)
        .agreements(policies)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    let bpol = Agency::builder(bpol)
        .directory(bpol_partners)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    (kmar, bpol)
}

/// The querier's keys: the holder's document typed with a space and an
/// `O` for the zero, and a document the holder does not have.
fn asked() -> Vec<liaison::matching::MatchKey> {
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

#[test]
fn a_hit_is_found_through_sealed_parcels_and_logged_without_values() {
    let (kmar, bpol) = agencies();
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    let built = build_index(std::slice::from_ref(&record), &key, FilterWidth::Bits32).unwrap();
    let purpose: Purpose = "border-control".parse().unwrap();

    let index_parcel = kmar
        .match_seal_index_at(&built.index, bpol.id(), at())
        .unwrap();
    let (holder, index) = bpol.match_open_index_at(&index_parcel, at()).unwrap();
    assert_eq!(&holder, kmar.id());

    let (pending, query) = bpol
        .match_query_at(&index, &holder, &purpose, &asked(), at())
        .unwrap();
    let mut ledger = Ledger::new();
    let answer = kmar
        .match_answer_at(
            &query,
            &key,
            built.index.commitment(),
            &MatchLimits::default(),
            &mut ledger,
            at(),
        )
        .unwrap();
    let outcomes = bpol
        .match_finish_at(&answer, &pending, &index, &holder, at())
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    let hit = outcomes[0].hit.unwrap();
    assert!(outcomes[1].hit.is_none());
    // The holder resolves the reference for the clause's purpose only.
    assert_eq!(
        kmar.match_resolve_at(&built.resolver, &hit, bpol.id(), &purpose, at())
            .unwrap(),
        [record.id]
    );
    let other: Purpose = "criminal-investigation".parse().unwrap();
    let err = kmar
        .match_resolve_at(&built.resolver, &hit, bpol.id(), &other, at())
        .unwrap_err();
    assert!(matches!(err, MatchError::Reference { .. }), "{err}");

    // Both logs: counts and kinds, never a value.
    let kmar_log = kmar.audit().entries().unwrap();
    assert_eq!(kmar_log.len(), 3);
    assert_eq!(kmar_log[1].outcome, AuditOutcome::Released);
    assert!(kmar_log[1].reasons.contains(&"records:1".to_owned()));
    assert_eq!(kmar_log[2].outcome, AuditOutcome::Denied);
    assert!(
        kmar_log[2]
            .reasons
            .contains(&"match-reference-not-resolved".to_owned())
    );
    let answered = &kmar_log[0];
    assert_eq!(answered.agreements[0].id, "nld-kmar.deu-bpol.matching");
    assert_eq!(answered.kind, EntryKind::Match);
    assert_eq!(answered.outcome, AuditOutcome::Released);
    assert_eq!(answered.counterparty.as_ref(), Some(bpol.id()));
    assert!(
        answered
            .reasons
            .contains(&"keys:travel-document=2".to_owned())
    );
    let bpol_log = bpol.audit().entries().unwrap();
    assert_eq!(bpol_log.len(), 2);
    assert!(bpol_log[0].reasons.contains(&"match-query".to_owned()));
    assert_eq!(bpol_log[1].outcome, AuditOutcome::Accepted);
    assert!(bpol_log[1].reasons.contains(&"hits:1".to_owned()));
    for entry in kmar_log.iter().chain(&bpol_log) {
        let text = serde_json::to_string(entry).unwrap();
        for value in ["SPECI", "5PEC", "XR123", "XR1"] {
            assert!(!text.contains(value), "{text}");
        }
    }
}

/// The holder's index of [`RECORD`] and the reference of the first key
/// `bpol` asks about, which hits, after a whole round for `purpose`.
fn first_hit(
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
        .unwrap();
    (built, outcomes[0].hit.unwrap())
}

#[test]
fn a_reference_is_not_resolved_when_the_agreement_does_not_reveal_it() {
    let (kmar, bpol) = agencies_under(agreement(r#"["travel-document"]"#, false));
    let purpose: Purpose = "border-control".parse().unwrap();
    let (built, hit) = first_hit(&kmar, &bpol, &purpose);
    let err = kmar
        .match_resolve_at(&built.resolver, &hit, bpol.id(), &purpose, at())
        .unwrap_err();
    assert_eq!(err.code(), "match-reference-not-resolved");
    assert!(err.to_string().contains("reveals references"), "{err}");
}

#[test]
fn a_reference_resolves_only_for_a_kind_the_partner_may_ask_about() {
    let (kmar, bpol) = agencies_under(agreement(r#"["travel-document"]"#, true));
    let purpose: Purpose = "border-control".parse().unwrap();
    let (built, hit) = first_hit(&kmar, &bpol, &purpose);
    assert!(
        kmar.match_resolve_at(&built.resolver, &hit, bpol.id(), &purpose, at())
            .is_ok()
    );
    // The same holder under a clause that lets this partner ask about
    // vehicles only: the travel document's reference resolves to nothing.
    let (vehicles_only, _) = agencies_under(agreement(r#"["vehicle"]"#, true));
    let err = vehicles_only
        .match_resolve_at(&built.resolver, &hit, bpol.id(), &purpose, at())
        .unwrap_err();
    assert_eq!(err.code(), "match-reference-not-resolved");
    assert!(
        err.to_string()
            .contains("reveals references of the kind `travel-document`"),
        "{err}"
    );
    let entries = vehicles_only.audit().entries().unwrap();
    let last = entries.last().unwrap();
    assert!(
        last.reasons.iter().any(|r| r == "kind:travel-document"),
        "{:?}",
        last.reasons
    );
}

/// The code of the refusal of `query` by `kmar` under `limits`.
fn refusal(
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

#[test]
fn queries_outside_the_agreement_are_refused_with_a_reason_and_logged() {
    let (kmar, bpol) = agencies();
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    let built = build_index(&[record], &key, FilterWidth::Bits16).unwrap();
    let index = built.index.clone();
    let purpose: Purpose = "border-control".parse().unwrap();
    let commitment = built.index.commitment();
    let ask = |purpose: &Purpose| {
        bpol.match_query_at(&index, kmar.id(), purpose, &asked(), at())
            .unwrap()
            .1
    };
    let mut ledger = Ledger::new();
    let open = MatchLimits::default();

    // A purpose of the agreement that its match clause does not name.
    let other: Purpose = "criminal-investigation".parse().unwrap();
    let (code, text) = refusal(&kmar, &ask(&other), &key, commitment, &open, &mut ledger);
    assert_eq!(code, "match-purpose-not-allowed");
    assert_eq!(
        text,
        "the query from `DEU-BPOL` is refused (match-purpose-not-allowed): no match clause for `DEU-BPOL` allows the purpose `criminal-investigation`"
    );

    // The operator's limits narrow the agreement: another kind only, or
    // one key a batch.
    let vehicles = MatchLimits {
        kinds: vec!["vehicle".to_owned()],
        ..MatchLimits::default()
    };
    let (code, _) = refusal(
        &kmar,
        &ask(&purpose),
        &key,
        commitment,
        &vehicles,
        &mut ledger,
    );
    assert_eq!(code, "match-limited");
    let one = MatchLimits {
        per_batch: Some(1),
        ..MatchLimits::default()
    };
    let (code, _) = refusal(&kmar, &ask(&purpose), &key, commitment, &one, &mut ledger);
    assert_eq!(code, "match-batch-too-large");

    // The budget: batches of 2 against 3 a day; limits above the
    // agreement's budget do not widen it.
    kmar.match_answer_at(&ask(&purpose), &key, commitment, &open, &mut ledger, at())
        .unwrap();
    let wide = MatchLimits {
        per_day: Some(1000),
        per_batch: Some(1000),
        ..MatchLimits::default()
    };
    let (code, text) = refusal(&kmar, &ask(&purpose), &key, commitment, &wide, &mut ledger);
    assert_eq!(code, "match-day-budget-exceeded");
    assert_eq!(
        text,
        "the query from `DEU-BPOL` is refused (match-day-budget-exceeded): a batch of 2 keys would exceed the day's budget: 2 of 3 are used"
    );

    let log = kmar.audit().entries().unwrap();
    let outcomes: Vec<_> = log.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            AuditOutcome::Denied,
            AuditOutcome::Denied,
            AuditOutcome::Denied,
            AuditOutcome::Released,
            AuditOutcome::Denied
        ]
    );
    for (entry, code) in log.iter().zip([
        "match-purpose-not-allowed",
        "match-limited",
        "match-batch-too-large",
        "answer:",
        "match-day-budget-exceeded",
    ]) {
        assert_eq!(entry.kind, EntryKind::Match);
        assert!(
            entry.reasons.iter().any(|r| r.starts_with(code)),
            "{:?}",
            entry.reasons
        );
        assert!(entry.reasons.contains(&"keys:travel-document=2".to_owned()));
    }
    // The entries the agreement allowed name it.
    assert_eq!(log[2].agreements.len(), 1);
    assert!(log[0].agreements.is_empty());
}

#[test]
fn a_kind_or_a_partner_without_a_match_clause_is_refused() {
    // The clause allows vehicles only.
    let (kmar, bpol) = agencies_under(agreement(r#"["vehicle"]"#, true));
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    let built = build_index(&[record], &key, FilterWidth::Bits16).unwrap();
    let purpose: Purpose = "border-control".parse().unwrap();
    let query = |bpol: &Agency, kmar: &Agency| {
        bpol.match_query_at(&built.index, kmar.id(), &purpose, &asked(), at())
            .unwrap()
            .1
    };
    let mut ledger = Ledger::new();
    let (code, text) = refusal(
        &kmar,
        &query(&bpol, &kmar),
        &key,
        built.index.commitment(),
        &MatchLimits::default(),
        &mut ledger,
    );
    assert_eq!(code, "match-kind-not-allowed");
    assert!(
        text.ends_with("allows key kind `travel-document`"),
        "{text}"
    );

    // No agreement at all.
    let (kmar, bpol) = agencies_under(PolicySet::new(Vec::new()));
    let (code, _) = refusal(
        &kmar,
        &query(&bpol, &kmar),
        &key,
        built.index.commitment(),
        &MatchLimits::default(),
        &mut ledger,
    );
    assert_eq!(code, "match-no-clause");
    assert_eq!(
        kmar.audit().entries().unwrap()[0].reasons.last().unwrap(),
        "match-no-clause"
    );
}

#[test]
fn a_parcel_of_another_message_or_sender_is_refused() {
    let (kmar, bpol) = agencies();
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    let built = build_index(&[record], &key, FilterWidth::Bits32).unwrap();
    let index_parcel = kmar
        .match_seal_index_at(&built.index, bpol.id(), at())
        .unwrap();
    // An index is not a query.
    let err = kmar
        .match_answer_at(
            &index_parcel,
            &key,
            built.index.commitment(),
            &MatchLimits::default(),
            &mut Ledger::new(),
            at(),
        )
        .unwrap_err();
    assert!(
        matches!(err, MatchError::Open { .. } | MatchError::Parcel { .. }),
        "{err}"
    );
    // The index parcel opened as an answer by its recipient.
    let (pending, _) = bpol
        .match_query_at(
            &built.index,
            kmar.id(),
            &"border-control".parse().unwrap(),
            &asked(),
            at(),
        )
        .unwrap();
    let err = bpol
        .match_finish_at(&index_parcel, &pending, &built.index, kmar.id(), at())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the parcel is not what was expected: it holds a match `index`, not a match `answer`"
    );
}

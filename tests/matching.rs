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
    Budget, FilterWidth, HolderKey, Ledger, MatchError, MatchTerms, build_index, match_keys,
    resolve,
};
use liaison::record::Entity;
use liaison::{Agency, Directory, Identity, Purpose, Record, Timestamp};
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

fn agencies() -> (Agency, Agency) {
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

fn terms(bpol: &Agency) -> MatchTerms {
    MatchTerms {
        partner: bpol.id().clone(),
        purposes: vec!["border-control".parse().unwrap()],
        kinds: vec!["travel-document".to_owned()],
        budget: Budget {
            per_day: 100,
            per_batch: 10,
        },
        reveal_reference: true,
    }
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
    let terms = terms(&bpol);
    let answer = kmar
        .match_answer_at(
            &query,
            &key,
            built.index.commitment(),
            std::slice::from_ref(&terms),
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
    assert_eq!(resolve(&built.resolver, &terms, &hit).unwrap(), [record.id]);
    let closed = MatchTerms {
        reveal_reference: false,
        ..terms
    };
    assert!(matches!(
        resolve(&built.resolver, &closed, &hit),
        Err(MatchError::Reference { .. })
    ));

    // Both logs: counts and kinds, never a value.
    let kmar_log = kmar.audit().entries().unwrap();
    let answered = kmar_log.last().unwrap();
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

#[test]
fn queries_outside_the_terms_are_refused_with_a_reason_and_logged() {
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

    // A kind the agreement does not allow.
    let mut vehicles_only = terms(&bpol);
    vehicles_only.kinds = vec!["vehicle".to_owned()];
    let err = kmar
        .match_answer_at(
            &ask(&purpose),
            &key,
            commitment,
            &[vehicles_only],
            &mut ledger,
            at(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the query from `DEU-BPOL` is refused: the agreement does not allow queries about kind `travel-document`"
    );

    // A purpose the agreement does not allow.
    let other: Purpose = "criminal-investigation".parse().unwrap();
    let err = kmar
        .match_answer_at(
            &ask(&other),
            &key,
            commitment,
            &[terms(&bpol)],
            &mut ledger,
            at(),
        )
        .unwrap_err();
    assert!(matches!(err, MatchError::NotAllowed { .. }), "{err}");

    // No terms with this partner at all.
    let err = kmar
        .match_answer_at(&ask(&purpose), &key, commitment, &[], &mut ledger, at())
        .unwrap_err();
    assert!(err.to_string().contains("no agreement allows this partner"));

    // The budget: batches of 2 against 3 a day.
    let mut tight = terms(&bpol);
    tight.budget = Budget {
        per_day: 3,
        per_batch: 2,
    };
    kmar.match_answer_at(
        &ask(&purpose),
        &key,
        commitment,
        &[tight.clone()],
        &mut ledger,
        at(),
    )
    .unwrap();
    let err = kmar
        .match_answer_at(
            &ask(&purpose),
            &key,
            commitment,
            &[tight],
            &mut ledger,
            at(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the query from `DEU-BPOL` is refused: a batch of 2 keys would exceed the day's budget: 2 of 3 are used"
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
    assert!(log[4].reasons.contains(&"match-budget-exceeded".to_owned()));
    assert!(
        log[4]
            .reasons
            .contains(&"keys:travel-document=2".to_owned())
    );
    assert!(log[0].reasons.contains(&"match-not-allowed".to_owned()));
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
            &[terms(&bpol)],
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

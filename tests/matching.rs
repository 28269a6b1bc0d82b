//! Hit/no-hit matching between two agencies in one process, through the
//! facade: the index, the query and the answer travel as sealed parcels,
//! the holder holds the querier to its terms and budget, and both audit
//! logs record counts and kinds, never a value.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test: a failing unwrap is a failing test"
)]

mod matching_fixtures;

use liaison::audit::{AuditOutcome, EntryKind};
use liaison::matching::{FilterWidth, HolderKey, Ledger, MatchError, MatchLimits, build_index};
use liaison::{Agency, PolicySet, Purpose, Record};
use matching_fixtures::{
    RECORD, agencies, agencies_under, agreement, asked, at, first_hit, refusal,
};

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
    let finished = bpol
        .match_finish_at(&answer, &pending, &index, &holder, at())
        .unwrap();
    let outcomes = &finished.outcomes;
    assert_eq!(outcomes.len(), 2);
    // The clause's obligations travel with the answer.
    assert_eq!(finished.obligations.len(), 1);
    let obligations = &finished.obligations[0];
    assert_eq!(
        (obligations.agreement.as_str(), obligations.clause.as_str()),
        ("nld-kmar.deu-bpol.matching", "documents-for-border-control")
    );
    assert_eq!(obligations.rules.retention_days, Some(30));
    assert_eq!(obligations.names(), ["onward", "retention_days"]);
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
    // Both name the obligations, never their values.
    for entry in [answered, &bpol_log[1]] {
        for name in ["obligation:onward", "obligation:retention_days"] {
            assert!(
                entry.reasons.contains(&name.to_owned()),
                "{:?}",
                entry.reasons
            );
        }
        assert!(!serde_json::to_string(entry).unwrap().contains("forbidden"));
    }
    for entry in kmar_log.iter().chain(&bpol_log) {
        let text = serde_json::to_string(entry).unwrap();
        for value in ["SPECI", "5PEC", "XR123", "XR1"] {
            assert!(!text.contains(value), "{text}");
        }
    }
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

#[test]
fn queries_outside_the_agreement_are_refused_with_a_reason_and_logged() {
    let (kmar, bpol) = agencies();
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    let built = build_index(&[record], &key, FilterWidth::Bits32).unwrap();
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
    let (code, text) = refusal(&kmar, &ask(&purpose), &key, commitment, &one, &mut ledger);
    assert_eq!(code, "match-limited");
    assert_eq!(
        text,
        "the query from `DEU-BPOL` is refused (match-limited): a batch of 2 keys is more than the 1 one batch may hold, under this answer's narrower limits"
    );

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
        "match-limited",
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
    let built = build_index(&[record], &key, FilterWidth::Bits32).unwrap();
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

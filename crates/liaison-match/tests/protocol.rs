//! The whole protocol between a holder and a querier in one process, and
//! each refusal the querier and the holder must make.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is a failed test"
)]

mod common;

use common::{document, holder, kind, person, plate, record};
use liaison_match::{
    Answer, Budget, BudgetError, EvaluateError, FilterWidth, FinishError, HolderKey, Index, Ledger,
    Pending, Query, QueryBuilder, evaluate, evaluate_chunked,
};

/// A key asked about: kind, value, and the records it should resolve to.
type Asked = (&'static str, Vec<u8>, Option<Vec<Vec<u8>>>);

/// Every message crosses as bytes, as it would between two agencies.
fn wire_query(q: &Query) -> Query {
    Query::from_bytes(&q.to_bytes()).unwrap()
}

fn wire_answer(a: &Answer) -> Answer {
    Answer::from_bytes(&a.to_bytes()).unwrap()
}

#[test]
fn two_agencies_learn_hit_or_no_hit_and_nothing_else() {
    let (key, built) = holder(FilterWidth::Bits32);
    let index = Index::from_bytes(&built.index.to_bytes()).unwrap();
    assert_eq!(index.entries(&kind("travel-document")), Some(300));
    assert_eq!(index.entries(&kind("vehicle")), Some(200));
    assert_eq!(index.total_entries(), 600);

    // The querier: hits, misses, a plate asked as a document (a miss: the
    // kind is part of the input and each kind has its own key).
    let asked: Vec<Asked> = vec![
        (
            "travel-document",
            document(7),
            Some(vec![record(1007), record(7)]),
        ),
        ("travel-document", document(300), None),
        ("vehicle", plate(199), Some(vec![record(499)])),
        ("travel-document", plate(5), None),
        ("person-dob", person(42), Some(vec![record(542)])),
        ("vehicle", plate(1000), None),
        ("person-dob", person(100), None),
    ];
    let mut q = QueryBuilder::new(&index);
    for (k, value, _) in &asked {
        q.push(&kind(k), value).unwrap();
    }
    let (pending, query) = q.blind().unwrap();
    let query_bytes = query.to_bytes();
    // No value travels in the query.
    for (_, value, _) in &asked {
        assert!(
            !query_bytes
                .windows(value.len())
                .any(|w| w == value.as_slice())
        );
    }

    // The holder sees the counts and kinds, and answers.
    let received = Query::from_bytes(&query_bytes).unwrap();
    assert_eq!(received.summary(), pending.summary());
    let kinds: Vec<(String, u32)> = received
        .summary()
        .kinds
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(
        kinds,
        [
            ("person-dob".to_owned(), 2),
            ("travel-document".to_owned(), 3),
            ("vehicle".to_owned(), 2)
        ]
    );
    let answer = evaluate(&key, built.index.commitment(), &received).unwrap();

    // The querier verifies and looks up; the pending state may have been
    // written to a file in between.
    let pending = Pending::from_bytes(&pending.to_bytes()).unwrap();
    let outcomes = pending.finish(&index, &wire_answer(&answer)).unwrap();
    assert_eq!(outcomes.len(), asked.len());
    for ((k, _, expected), outcome) in asked.iter().zip(&outcomes) {
        assert_eq!(outcome.kind, kind(k));
        match (expected, outcome.hit) {
            (None, None) => {}
            (Some(records), Some(reference)) => {
                let resolution = built.resolver.resolve(&reference).unwrap();
                assert_eq!(resolution.kind, &kind(k));
                let mut records = records.clone();
                records.sort();
                assert_eq!(resolution.records, records.as_slice());
            }
            (expected, got) => panic!("{k}: expected {expected:?}, got {got:?}"),
        }
    }

    // The resolver survives its file, and resolves nothing it did not issue.
    let resolver = liaison_match::Resolver::from_bytes(&built.resolver.to_bytes()).unwrap();
    assert_eq!(resolver, built.resolver);
    assert_eq!(resolver.commitment(), index.commitment().id());
    assert!(
        resolver
            .resolve(&liaison_match::HitReference::from_bytes([0x55; 32]))
            .is_none()
    );
}

#[test]
fn two_sessions_of_the_same_key_are_unlinkable_and_agree() {
    let (key, built) = holder(FilterWidth::Bits16);
    let index = &built.index;
    let run = || {
        let mut q = QueryBuilder::new(index);
        q.push(&kind("vehicle"), &plate(3)).unwrap();
        q.push(&kind("vehicle"), &plate(3)).unwrap();
        let (pending, query) = q.blind().unwrap();
        let answer = evaluate(&key, index.commitment(), &wire_query(&query)).unwrap();
        let outcomes = pending.finish(index, &wire_answer(&answer)).unwrap();
        (query.to_bytes(), answer.to_bytes(), outcomes)
    };
    let (q1, a1, o1) = run();
    let (q2, a2, o2) = run();
    // Query layout: 6 header, 16 session, 32 commitment, 2 group count,
    // 1 + 7 kind, 4 count, then the elements.
    let elements = |q: &[u8]| -> Vec<Vec<u8>> { q[68..].chunks(32).map(<[u8]>::to_vec).collect() };
    let (e1, e2) = (elements(&q1), elements(&q2));
    assert_eq!(e1.len(), 2);
    // Fresh blinds: the holder sees four unrelated elements for one key.
    let all = [&e1[0], &e1[1], &e2[0], &e2[1]];
    for i in 0..4 {
        for j in i + 1..4 {
            assert_ne!(all[i], all[j]);
        }
    }
    assert_ne!(q1[6..22], q2[6..22], "sessions differ");
    assert_ne!(a1[60..], a2[60..], "evaluations differ");
    // ... and the querier gets the same hit reference each time.
    let refs: Vec<_> = o1.iter().chain(&o2).map(|o| o.hit.unwrap()).collect();
    assert!(refs.iter().all(|r| *r == refs[0]));
}

#[test]
fn an_answer_under_another_key_is_refused_as_a_wrong_proof() {
    let (_, built) = holder(FilterWidth::Bits32);
    let index = &built.index;
    let mut q = QueryBuilder::new(index);
    q.push(&kind("travel-document"), &document(1)).unwrap();
    let (pending, query) = q.blind().unwrap();

    // The holder substitutes another key for the committed one: it answers
    // under that key's own commitment and relabels the answer.
    let other = HolderKey::generate().unwrap();
    let other_commitment = other.commitment(index.kinds()).unwrap();
    let mut relabelled = query.to_bytes();
    relabelled[22..54].copy_from_slice(other_commitment.id().as_bytes());
    let forged = evaluate(
        &other,
        &other_commitment,
        &Query::from_bytes(&relabelled).unwrap(),
    )
    .unwrap();
    let mut bytes = forged.to_bytes();
    bytes[22..54].copy_from_slice(index.commitment().id().as_bytes());
    let forged = Answer::from_bytes(&bytes).unwrap();
    assert_eq!(pending.finish(index, &forged), Err(FinishError::Proof));
    assert_eq!(
        pending.finish(index, &forged).unwrap_err().to_string(),
        "the answer does not prove evaluation under the committed key"
    );
}

#[test]
fn commitments_that_do_not_match_are_refused() {
    let (key, built) = holder(FilterWidth::Bits32);
    let index = &built.index;
    let mut q = QueryBuilder::new(index);
    q.push(&kind("vehicle"), &plate(1)).unwrap();
    let (pending, query) = q.blind().unwrap();
    let answer = evaluate(&key, index.commitment(), &query).unwrap();

    // The answer names another commitment.
    let mut bytes = answer.to_bytes();
    bytes[30] ^= 0x01;
    let relabelled = Answer::from_bytes(&bytes).unwrap();
    assert!(matches!(
        pending.finish(index, &relabelled),
        Err(FinishError::Commitment { what: "answer", .. })
    ));

    // Another holder's index.
    let (_, other) = holder(FilterWidth::Bits32);
    assert!(matches!(
        pending.finish(&other.index, &answer),
        Err(FinishError::Commitment { what: "index", .. })
    ));

    // The holder rotated its key: the old commitment is refused by the new
    // key, and a query against the old index by the new commitment.
    let rotated = HolderKey::generate().unwrap();
    assert!(matches!(
        evaluate(&rotated, index.commitment(), &query),
        Err(EvaluateError::KeyMismatch { .. })
    ));
    let new_commitment = rotated.commitment(index.kinds()).unwrap();
    let err = evaluate(&rotated, &new_commitment, &query).unwrap_err();
    assert!(matches!(err, EvaluateError::StaleCommitment { .. }));
    assert!(err.to_string().contains("fetch the current index"));

    // A kind the holder did not commit to.
    let narrow = key.commitment([&kind("vehicle")]).unwrap();
    let mut q = QueryBuilder::new(index);
    q.push(&kind("person-dob"), &person(1)).unwrap();
    let (_, query) = q.blind().unwrap();
    let mut bytes = query.to_bytes();
    bytes[22..54].copy_from_slice(narrow.id().as_bytes());
    assert!(matches!(
        evaluate(&key, &narrow, &Query::from_bytes(&bytes).unwrap()),
        Err(EvaluateError::UnknownKind { .. })
    ));
}

#[test]
fn an_answer_to_another_session_is_refused() {
    let (key, built) = holder(FilterWidth::Bits32);
    let index = &built.index;
    let blind = || {
        let mut q = QueryBuilder::new(index);
        q.push(&kind("vehicle"), &plate(1)).unwrap();
        q.blind().unwrap()
    };
    let (_, first) = blind();
    let (pending, _) = blind();
    let old = evaluate(&key, index.commitment(), &first).unwrap();
    assert!(matches!(
        pending.finish(index, &old),
        Err(FinishError::Session { .. })
    ));
    // The same session with the evaluations of another query fails the proof.
    let mut bytes = old.to_bytes();
    bytes[6..22].copy_from_slice(pending.session().as_bytes());
    let replayed = Answer::from_bytes(&bytes).unwrap();
    assert_eq!(pending.finish(index, &replayed), Err(FinishError::Proof));
}

#[test]
fn a_query_of_a_kind_the_index_lacks_is_refused_before_it_is_sent() {
    let (_, built) = holder(FilterWidth::Bits32);
    let mut q = QueryBuilder::new(&built.index);
    let err = q.push(&kind("ipv4"), b"192.0.2.1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the index has no keys of kind `ipv4`; it has person-dob, travel-document, vehicle"
    );
    assert!(q.push(&kind("vehicle"), b"").is_err());
    assert!(q.blind().is_err(), "an empty query");
}

#[test]
fn a_budget_exceeded_is_refused_and_not_charged() {
    let (key, built) = holder(FilterWidth::Bits32);
    let index = &built.index;
    let budget = Budget {
        per_day: 12,
        per_batch: 8,
    };
    let mut ledger = Ledger::new();
    let batch = |n: u32| {
        let mut q = QueryBuilder::new(index);
        for i in 0..n {
            q.push(&kind("vehicle"), &plate(i)).unwrap();
        }
        q.blind().unwrap().1
    };
    let day = 20_500;
    let big = batch(9);
    assert_eq!(
        ledger.charge("DEU-BKA", "border-control", day, &big.summary(), budget),
        Err(BudgetError::Batch { keys: 9, limit: 8 })
    );
    let first = batch(8);
    ledger
        .charge("DEU-BKA", "border-control", day, &first.summary(), budget)
        .unwrap();
    assert!(evaluate(&key, index.commitment(), &first).is_ok());
    let second = batch(5);
    let err = ledger
        .charge("DEU-BKA", "border-control", day, &second.summary(), budget)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a batch of 5 keys would exceed the day's budget: 8 of 12 are used"
    );
    assert_eq!(ledger.used("DEU-BKA", "border-control", day), 8);
    // A replayed query is refused too.
    assert!(matches!(
        ledger.charge("DEU-BKA", "border-control", day, &first.summary(), budget),
        Err(BudgetError::Replay { .. })
    ));
}

#[test]
fn a_large_batch_is_proven_in_chunks() {
    let (key, built) = holder(FilterWidth::Bits8);
    let index = &built.index;
    let mut q = QueryBuilder::new(index);
    for i in 0..1_100 {
        q.push(&kind("travel-document"), &document(i)).unwrap();
    }
    let (pending, query) = q.blind().unwrap();
    for chunk in [1u16, 512, 1_100] {
        let answer = evaluate_chunked(&key, index.commitment(), &query, chunk).unwrap();
        let bytes = answer.to_bytes();
        let proofs = 1_100usize.div_ceil(usize::from(chunk));
        assert_eq!(
            bytes.len(),
            6 + 16 + 32 + 2 + 2 + 1 + 15 + 4 + 1_100 * 32 + proofs * 64
        );
        let outcomes = pending
            .finish(index, &Answer::from_bytes(&bytes).unwrap())
            .unwrap();
        // Every key the holder has is found; the rest hit only falsely.
        assert!(outcomes[..300].iter().all(|o| o.hit.is_some()));
        let false_hits = outcomes[300..].iter().filter(|o| o.hit.is_some()).count();
        assert!(false_hits < 20, "{false_hits} false hits in 800 at 2^-8");
    }
    // The chunk size is capped at the largest group, so it has one value.
    let answer = evaluate_chunked(&key, index.commitment(), &query, u16::MAX).unwrap();
    assert_eq!(answer.to_bytes()[54..56], 1_100u16.to_be_bytes());
    assert!(evaluate_chunked(&key, index.commitment(), &query, 0).is_err());
}

#[test]
fn an_answer_is_looked_up_only_in_the_index_the_query_was_made_against() {
    let (key, built) = holder(FilterWidth::Bits32);
    let index = &built.index;
    let mut q = QueryBuilder::new(index);
    q.purpose("border-control").unwrap();
    q.push(&kind("vehicle"), &plate(1)).unwrap();
    let (pending, query) = q.blind().unwrap();
    // The pending state keeps the purpose and the index's digest.
    let pending = Pending::from_bytes(&pending.to_bytes()).unwrap();
    assert_eq!(pending.purpose(), Some("border-control"));
    assert_eq!(pending.index_digest(), index.digest());
    let answer = evaluate(&key, index.commitment(), &wire_query(&query)).unwrap();
    // A newer index under the same key (one more plate): same commitment,
    // other bytes. The old outputs would be looked up in it: refused.
    let mut b = liaison_match::IndexBuilder::new(FilterWidth::Bits32);
    for i in 0..201 {
        b.insert(&kind("vehicle"), &plate(i), b"r").unwrap();
    }
    for i in 0..300 {
        b.insert(&kind("travel-document"), &document(i), b"r")
            .unwrap();
    }
    for i in 0..100 {
        b.insert(&kind("person-dob"), &common::person(i), b"r")
            .unwrap();
    }
    let newer = b.build(&key).unwrap().index;
    assert_eq!(newer.commitment().id(), index.commitment().id());
    let err = pending.finish(&newer, &answer).unwrap_err();
    assert!(matches!(err, FinishError::IndexChanged { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("the index changed since the query was made"),
        "{err}"
    );
    assert!(pending.finish(index, &answer).is_ok());
    // A purpose name must be 1 to 255 bytes.
    let mut q = QueryBuilder::new(index);
    assert!(q.purpose("").is_err());
    assert!(q.purpose(&"p".repeat(256)).is_err());
    let (pending, _) = {
        q.push(&kind("vehicle"), &plate(1)).unwrap();
        q.blind().unwrap()
    };
    assert_eq!(pending.purpose(), None);
}

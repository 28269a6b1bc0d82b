//! Properties of the byte formats: every message round-trips byte for
//! byte, no parser panics on any bytes, and any changed, missing or added
//! byte of an answer (or a query) is refused somewhere before a result.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is a failed test"
)]

mod common;

use std::sync::OnceLock;

use common::{document, holder, kind, person, plate};
use liaison_match::{
    Answer, Built, Commitment, FilterWidth, HolderKey, Index, Ledger, Pending, Query, QueryBuilder,
    Resolver, evaluate, evaluate_chunked,
};
use proptest::prelude::*;

struct Scenario {
    key: HolderKey,
    built: Built,
    pending: Vec<u8>,
    query: Vec<u8>,
    answer: Vec<u8>,
}

/// A query of five keys in three kinds, answered with two elements per
/// proof, so that the answer has several groups and proofs.
fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        let (key, built) = holder(FilterWidth::Bits16);
        let mut q = QueryBuilder::new(&built.index);
        q.push(&kind("vehicle"), &plate(1)).unwrap();
        q.push(&kind("travel-document"), &document(2)).unwrap();
        q.push(&kind("vehicle"), &plate(5000)).unwrap();
        q.push(&kind("person-dob"), &person(3)).unwrap();
        q.push(&kind("vehicle"), &plate(7)).unwrap();
        let (pending, query) = q.blind().unwrap();
        let answer = evaluate_chunked(&key, built.index.commitment(), &query, 2).unwrap();
        // The scenario itself succeeds.
        let outcomes = pending.finish(&built.index, &answer).unwrap();
        assert_eq!(outcomes.iter().filter(|o| o.hit.is_some()).count(), 4);
        Scenario {
            pending: pending.to_bytes().to_vec(),
            query: query.to_bytes(),
            answer: answer.to_bytes(),
            key,
            built,
        }
    })
}

/// Whether the querier, given these answer bytes, gets a result.
fn querier_accepts(answer: &[u8]) -> bool {
    let s = scenario();
    let pending = Pending::from_bytes(&s.pending).unwrap();
    Answer::from_bytes(answer).is_ok_and(|a| pending.finish(&s.built.index, &a).is_ok())
}

/// Whether a holder would answer these query bytes with an answer the
/// querier accepts.
fn round_accepts(query: &[u8]) -> bool {
    let s = scenario();
    let Ok(q) = Query::from_bytes(query) else {
        return false;
    };
    let Ok(answer) = evaluate(&s.key, s.built.index.commitment(), &q) else {
        return false;
    };
    querier_accepts(&answer.to_bytes())
}

#[test]
fn the_unchanged_messages_are_accepted() {
    let s = scenario();
    assert!(querier_accepts(&s.answer));
    assert!(round_accepts(&s.query));
}

#[test]
fn every_message_round_trips_byte_for_byte() {
    let s = scenario();
    let index = s.built.index.to_bytes();
    assert_eq!(Index::from_bytes(&index).unwrap().to_bytes(), index);
    assert_eq!(Query::from_bytes(&s.query).unwrap().to_bytes(), s.query);
    assert_eq!(Answer::from_bytes(&s.answer).unwrap().to_bytes(), s.answer);
    assert_eq!(
        *Pending::from_bytes(&s.pending).unwrap().to_bytes(),
        s.pending
    );
    let resolver = s.built.resolver.to_bytes();
    assert_eq!(
        Resolver::from_bytes(&resolver).unwrap().to_bytes(),
        resolver
    );
    let commitment = s.built.index.commitment().to_bytes();
    assert_eq!(
        Commitment::from_bytes(&commitment).unwrap().to_bytes(),
        commitment
    );
    let key = s.key.to_bytes();
    assert_eq!(*HolderKey::from_bytes(&key).unwrap().to_bytes(), *key);
}

#[test]
fn the_fuzz_hook_accepts_every_valid_message() {
    let s = scenario();
    for bytes in [
        s.index_bytes(),
        s.query.clone(),
        s.answer.clone(),
        s.pending.clone(),
        s.built.resolver.to_bytes(),
        s.built.index.commitment().to_bytes(),
        s.key.to_bytes().to_vec(),
    ] {
        liaison_match::testing::parse_round_trip(&bytes).unwrap();
    }
}

#[test]
fn parse_errors_say_where_and_what() {
    let s = scenario();
    let mut bad = s.answer.clone();
    bad[0] = b'X';
    assert_eq!(
        Answer::from_bytes(&bad).unwrap_err().to_string(),
        "answer, byte 0: expected the magic bytes `LMAN`, found `XMAN`"
    );
    assert_eq!(
        Answer::from_bytes(&s.query).unwrap_err().to_string(),
        "answer, byte 0: expected the magic bytes `LMAN`, found `LMQY`"
    );
    let mut bad = s.query.clone();
    bad[4] = 2;
    assert_eq!(
        Query::from_bytes(&bad).unwrap_err().to_string(),
        "query, byte 4: version 2 is not supported (this reader reads version 1)"
    );
    let err = Answer::from_bytes(&s.answer[..s.answer.len() - 1]).unwrap_err();
    assert_eq!(err.offset, s.answer.len() - 64);
    assert_eq!(
        err.problem.to_string(),
        "`proof` needs 64 bytes but only 63 are left"
    );
    let mut long = s.index_bytes();
    long.push(0);
    assert_eq!(
        Index::from_bytes(&long).unwrap_err().to_string(),
        format!(
            "index, byte {}: 1 bytes follow the end of the message",
            long.len() - 1
        )
    );
}

impl Scenario {
    fn index_bytes(&self) -> Vec<u8> {
        self.built.index.to_bytes()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_changed_byte_of_an_answer_is_refused(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let s = scenario();
        let mut bad = s.answer.clone();
        let i = at.index(bad.len());
        bad[i] ^= flip;
        prop_assert!(!querier_accepts(&bad), "byte {i} ^ {flip:#04x} was accepted");
    }

    #[test]
    fn any_shortened_or_lengthened_answer_is_refused(cut in any::<prop::sample::Index>(), extra in prop::collection::vec(any::<u8>(), 1..40)) {
        let s = scenario();
        let short = &s.answer[..cut.index(s.answer.len())];
        prop_assert!(!querier_accepts(short));
        let mut long = s.answer.clone();
        long.extend_from_slice(&extra);
        prop_assert!(!querier_accepts(&long));
    }

    #[test]
    fn any_changed_byte_of_a_query_is_refused_before_a_result(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let s = scenario();
        let mut bad = s.query.clone();
        let i = at.index(bad.len());
        bad[i] ^= flip;
        prop_assert!(!round_accepts(&bad), "byte {i} ^ {flip:#04x} was accepted");
    }

    #[test]
    fn no_parser_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600), magic in 0usize..8) {
        // Give the parsers a valid head half the time, so they read further.
        let heads: [&[u8; 4]; 8] = [b"LMHK", b"LMCM", b"LMIX", b"LMQY", b"LMAN", b"LMPD", b"LMRS", b"LMBL"];
        let mut with_head = heads[magic].to_vec();
        with_head.extend_from_slice(&[1, 1]);
        with_head.extend_from_slice(&bytes);
        for b in [&bytes, &with_head] {
            let _ = HolderKey::from_bytes(b);
            let _ = Commitment::from_bytes(b);
            let _ = Index::from_bytes(b);
            let _ = Query::from_bytes(b);
            let _ = Answer::from_bytes(b);
            let _ = Pending::from_bytes(b);
            let _ = Resolver::from_bytes(b);
            let _ = Ledger::from_bytes(b);
        }
    }

    #[test]
    fn indexes_of_any_keys_round_trip_and_find_their_keys(
        values in prop::collection::vec((0usize..3, prop::collection::vec(any::<u8>(), 1..40)), 1..40),
        width in prop::sample::select(vec![FilterWidth::Bits8, FilterWidth::Bits16, FilterWidth::Bits32]),
    ) {
        let kinds = [kind("a"), kind("b.c"), kind("d-1")];
        let key = HolderKey::generate().unwrap();
        let mut b = liaison_match::IndexBuilder::new(width);
        for (i, (k, v)) in values.iter().enumerate() {
            b.insert(&kinds[*k], v, &i.to_be_bytes()).unwrap();
        }
        let built = b.build(&key).unwrap();
        let bytes = built.index.to_bytes();
        let index = Index::from_bytes(&bytes).unwrap();
        prop_assert_eq!(index.to_bytes(), bytes);
        let resolver = built.resolver.to_bytes();
        prop_assert_eq!(Resolver::from_bytes(&resolver).unwrap().to_bytes(), resolver);
        let mut q = QueryBuilder::new(&index);
        for (k, v) in &values {
            q.push(&kinds[*k], v).unwrap();
        }
        let (pending, query) = q.blind().unwrap();
        let pending_bytes = pending.to_bytes();
        prop_assert_eq!(&*Pending::from_bytes(&pending_bytes).unwrap().to_bytes(), &*pending_bytes);
        let answer = evaluate(&key, index.commitment(), &query).unwrap();
        let outcomes = pending.finish(&index, &answer).unwrap();
        for (i, o) in outcomes.iter().enumerate() {
            let r = o.hit.expect("every indexed key hits");
            let resolution = built.resolver.resolve(&r).unwrap();
            prop_assert!(resolution.records.contains(&i.to_be_bytes().to_vec()));
        }
    }

    #[test]
    fn ledgers_round_trip(entries in prop::collection::vec(("[A-Z]{1,8}", "[a-z-]{1,12}", 0u32..5, 1u32..50, any::<[u8; 16]>()), 0..20)) {
        let mut l = Ledger::new();
        let budget = liaison_match::Budget { per_day: 1_000_000, per_batch: 1_000 };
        for (partner, purpose, day, n, session) in &entries {
            let batch = liaison_match::BatchSummary {
                session: liaison_match::SessionId::from_bytes(*session),
                commitment: scenario().built.index.commitment().id(),
                kinds: vec![(kind("vehicle"), *n)],
            };
            let _ = l.charge(partner, purpose, *day, &batch, budget);
        }
        let bytes = l.to_bytes();
        let back = Ledger::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert_eq!(back, l);
    }
}

//! Hit/no-hit matching (`liaison-match`), each group beside the floor of the
//! group operations it cannot avoid, done by the `voprf` crate's own calls.
//!
//! - `match_index`: building the index of 1,000,000 identifiers (OPRF
//!   evaluation of every key on every core, filters, resolver) against
//!   `VoprfServer::evaluate` of the same 1,000,000 inputs on every core.
//! - `match_query`: a batch of 10,000 keys end to end (blind, query bytes,
//!   the holder's parse, budget charge and evaluation with proofs, answer
//!   bytes, the querier's parse, proof verification, unblinding and lookup)
//!   against the floor: `VoprfClient::blind`, `VoprfServer` batch
//!   evaluation with a proof, `VoprfClient::batch_finalize` (verify and
//!   unblind), both with one proof over the whole batch on one thread and
//!   with the protocol's runs of 512 keys on every core.
//!
//! Throughput is in keys. Bytes per query key and index bytes per
//! identifier are printed once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use liaison_match::{
    Answer, Budget, DEFAULT_PROOF_CHUNK, FilterWidth, HolderKey, Index, IndexBuilder, KeyKind,
    Ledger, Query, QueryBuilder, evaluate,
};
use rand_core::OsRng;
use rayon::prelude::*;
use voprf::{Ristretto255, VoprfClient, VoprfServer};

const IDENTIFIERS: u32 = 1_000_000;
const BATCH: u32 = 10_000;

fn document(i: u32) -> Vec<u8> {
    format!("NLD|P|X{i:08}").into_bytes()
}

fn kind() -> KeyKind {
    KeyKind::new("travel-document").unwrap()
}

/// The OPRF input the protocol uses for a document number.
fn input(i: u32) -> Vec<u8> {
    let value = document(i);
    let kind = kind();
    let mut v = vec![u8::try_from(kind.as_str().len()).unwrap()];
    v.extend_from_slice(kind.as_str().as_bytes());
    v.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    v.extend_from_slice(&value);
    v
}

fn builder(n: u32, width: FilterWidth) -> IndexBuilder {
    let kind = kind();
    let mut b = IndexBuilder::new(width);
    for i in 0..n {
        b.insert(&kind, &document(i), &i.to_be_bytes()).unwrap();
    }
    b
}

fn report_sizes(key: &HolderKey) {
    for width in [FilterWidth::Bits8, FilterWidth::Bits16, FilterWidth::Bits32] {
        let n = 100_000;
        let built = builder(n, width).build(key).unwrap();
        let bytes = built.index.to_bytes().len();
        println!(
            "index of {n} identifiers, {}-bit fingerprints (false-positive rate {:.3e}): {bytes} bytes, {:.3} bytes per identifier; resolver {:.1} bytes per identifier",
            width.bits(),
            width.false_positive_rate(),
            bytes as f64 / f64::from(n),
            built.resolver.to_bytes().len() as f64 / f64::from(n),
        );
    }
}

fn index(c: &mut Criterion) {
    let key = HolderKey::generate().unwrap();
    report_sizes(&key);
    let built = builder(IDENTIFIERS, FilterWidth::Bits32)
        .build(&key)
        .unwrap();
    let bytes = built.index.to_bytes().len();
    println!(
        "index of {IDENTIFIERS} identifiers, 32-bit fingerprints: {bytes} bytes, {:.3} bytes per identifier",
        bytes as f64 / f64::from(IDENTIFIERS)
    );
    drop(built);

    let inputs: Vec<Vec<u8>> = (0..IDENTIFIERS).map(input).collect();
    let server = VoprfServer::<Ristretto255>::new(&mut OsRng).unwrap();

    let mut group = c.benchmark_group("match_index");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Elements(u64::from(IDENTIFIERS)));
    group.bench_function("liaison_index_build_1m", |b| {
        b.iter_batched(
            || builder(IDENTIFIERS, FilterWidth::Bits32),
            |builder| builder.build(&key).unwrap(),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("voprf_evaluate_1m_floor", |b| {
        b.iter(|| {
            let outputs: Vec<_> = inputs
                .par_iter()
                .map(|i| server.evaluate(black_box(i)).unwrap())
                .collect();
            outputs
        });
    });
    group.finish();
}

fn query(c: &mut Criterion) {
    // The holder has every even document; the batch asks about 10,000
    // documents, half of which it has.
    let key = HolderKey::generate().unwrap();
    let kind = kind();
    let mut b = IndexBuilder::new(FilterWidth::Bits32);
    for i in (0..2 * BATCH).step_by(2) {
        b.insert(&kind, &document(i), &i.to_be_bytes()).unwrap();
    }
    let built = b.build(&key).unwrap();
    let index = Index::from_bytes(&built.index.to_bytes()).unwrap();
    let commitment = built.index.commitment().clone();
    let values: Vec<Vec<u8>> = (0..BATCH).map(document).collect();
    let inputs: Vec<Vec<u8>> = (0..BATCH).map(input).collect();
    let budget = Budget {
        per_day: u64::MAX,
        per_batch: u64::from(BATCH),
    };

    let end_to_end = || {
        // The querier.
        let mut q = QueryBuilder::new(&index);
        for v in &values {
            q.push(&kind, v).unwrap();
        }
        let (pending, query) = q.blind().unwrap();
        let query_bytes = query.to_bytes();
        // The holder.
        let received = Query::from_bytes(&query_bytes).unwrap();
        let mut ledger = Ledger::new();
        ledger
            .charge(
                "DEU-BKA",
                "border-control",
                20_000,
                &received.summary(),
                budget,
            )
            .unwrap();
        let answer_bytes = evaluate(&key, &commitment, &received).unwrap().to_bytes();
        // The querier.
        let answer = Answer::from_bytes(&answer_bytes).unwrap();
        let outcomes = pending.finish(&index, &answer).unwrap();
        (query_bytes.len(), answer_bytes.len(), outcomes)
    };
    let (q_len, a_len, outcomes) = end_to_end();
    let hits = outcomes.iter().filter(|o| o.hit.is_some()).count();
    assert_eq!(hits, usize::try_from(BATCH / 2).unwrap());
    println!(
        "batch of {BATCH} keys: query {q_len} bytes, answer {a_len} bytes, {:.2} bytes per key ({:.2} + {:.2}); {hits} hits",
        (q_len + a_len) as f64 / f64::from(BATCH),
        q_len as f64 / f64::from(BATCH),
        a_len as f64 / f64::from(BATCH),
    );

    let server = VoprfServer::<Ristretto255>::new(&mut OsRng).unwrap();
    let pk = server.get_public_key();
    let chunk = usize::from(DEFAULT_PROOF_CHUNK);

    let mut group = c.benchmark_group("match_query");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(u64::from(BATCH)));
    group.bench_function("liaison_end_to_end_10k", |b| b.iter(end_to_end));
    group.bench_function("voprf_floor_10k_one_proof_one_thread", |b| {
        b.iter(|| {
            let blinded: Vec<_> = inputs
                .iter()
                .map(|i| VoprfClient::<Ristretto255>::blind(i, &mut OsRng).unwrap())
                .collect();
            let messages: Vec<_> = blinded.iter().map(|r| r.message.clone()).collect();
            let clients: Vec<_> = blinded.iter().map(|r| r.state.clone()).collect();
            let evaluated = server.batch_blind_evaluate(&mut OsRng, &messages).unwrap();
            let outputs: Vec<_> = VoprfClient::batch_finalize(
                &inputs,
                &clients,
                &evaluated.messages,
                &evaluated.proof,
                pk,
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
            outputs
        });
    });
    group.bench_function("voprf_floor_10k_runs_of_512_every_core", |b| {
        b.iter_batched(
            || {
                inputs
                    .chunks(chunk)
                    .map(<[Vec<u8>]>::to_vec)
                    .collect::<Vec<_>>()
            },
            |runs| {
                let outputs: Vec<Vec<_>> = runs
                    .par_iter()
                    .map(|run| {
                        let blinded: Vec<_> = run
                            .iter()
                            .map(|i| VoprfClient::<Ristretto255>::blind(i, &mut OsRng).unwrap())
                            .collect();
                        let messages: Vec<_> = blinded.iter().map(|r| r.message.clone()).collect();
                        let clients: Vec<_> = blinded.iter().map(|r| r.state.clone()).collect();
                        let evaluated = server.batch_blind_evaluate(&mut OsRng, &messages).unwrap();
                        VoprfClient::batch_finalize(
                            run,
                            &clients,
                            &evaluated.messages,
                            &evaluated.proof,
                            pk,
                        )
                        .unwrap()
                        .collect::<Result<_, _>>()
                        .unwrap()
                    })
                    .collect();
                outputs
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, query, index);
criterion_main!(benches);

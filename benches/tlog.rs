//! The transparency log at 10^3, 10^4, 10^5 and 10^6 entries: appending a
//! leaf with its tree update, signing a checkpoint, making and verifying an
//! inclusion proof, making and verifying a consistency proof. Each group
//! holds its floor or the alternative a hash chain alone leaves: a leaf
//! hash alone for the append, an Ed25519 signature of the same text for
//! the checkpoint, and the root recomputed from every leaf (what proving
//! an entry against a head costs without a tree) for the proofs. Proof
//! sizes are printed once per size, as the bytes of their text forms.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "bench setup: a failing unwrap is a broken bench"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use liaison_tlog::{
    Checkpoint, ConsistencyProof, Ed25519Signer, InclusionProof, Tree, leaf_hash,
    verify_consistency, verify_inclusion,
};

const SIZES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// Entries of about an audit line's length.
fn entry(i: u64) -> Vec<u8> {
    format!(
        r#"{{"at":"2026-11-26T08:30:00.000Z","kind":"release","outcome":"released","prev":"{:064x}","seq":{i},"v":1}}"#,
        i
    )
    .into_bytes()
}

fn tree(n: u64) -> Tree {
    Tree::from_leaf_hashes((0..n).map(|i| leaf_hash(&entry(i))))
}

fn benches(c: &mut Criterion) {
    let trees: Vec<(u64, Tree)> = SIZES.iter().map(|&n| (n, tree(n))).collect();
    let seed = [7u8; 32];
    let signer = Ed25519Signer::from_seed("bench.example/audit", &seed).unwrap();
    let raw_key = SigningKey::from_bytes(&seed);

    for (n, t) in &trees {
        let index = n / 3;
        let inclusion = InclusionProof {
            index,
            size: *n,
            hashes: t.inclusion_proof(index, *n).unwrap(),
        };
        let consistency = ConsistencyProof {
            old_size: n / 3 + 1,
            new_size: *n,
            hashes: t.consistency_proof(n / 3 + 1, *n).unwrap(),
        };
        println!(
            "tlog proof sizes at {n} entries: inclusion {} hashes ({} bytes as text), consistency {} hashes ({} bytes as text)",
            inclusion.hashes.len(),
            inclusion.to_text().len(),
            consistency.hashes.len(),
            consistency.to_text().len(),
        );
    }

    let mut g = c.benchmark_group("tlog/append");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for (n, t) in &trees {
        let mut t = t.clone();
        let leaf = entry(*n);
        g.bench_with_input(BenchmarkId::new("leaf hash alone", n), n, |b, _| {
            b.iter(|| leaf_hash(black_box(&leaf)));
        });
        g.bench_with_input(
            BenchmarkId::new("leaf hash and tree update", n),
            n,
            |b, &n| {
                // The tree is cut back to `n` leaves every 1,024 appends,
                // outside the timed part, so that every append measured is
                // made to a tree of between `n` and `n + 1024` leaves.
                b.iter_custom(|iters| {
                    let mut took = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let chunk = left.min(1024);
                        let start = Instant::now();
                        for _ in 0..chunk {
                            t.push(black_box(&leaf));
                        }
                        took += start.elapsed();
                        t.truncate(n);
                        left -= chunk;
                    }
                    took
                });
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("tlog/checkpoint");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for (n, t) in &trees {
        let text = Checkpoint::new("bench.example/audit", *n, t.root()).to_text();
        g.bench_with_input(BenchmarkId::new("ed25519 signature alone", n), n, |b, _| {
            b.iter(|| raw_key.sign(black_box(text.as_bytes())));
        });
        g.bench_with_input(
            BenchmarkId::new("root and signed checkpoint", n),
            n,
            |b, &n| {
                b.iter(|| {
                    let root = t.root_at(black_box(n)).unwrap();
                    Checkpoint::new("bench.example/audit", n, root)
                        .sign(&signer)
                        .unwrap()
                        .to_text()
                });
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("tlog/inclusion");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    for (n, t) in &trees {
        let index = n / 3;
        let root = t.root();
        let leaf = t.leaf(index).unwrap();
        let proof = t.inclusion_proof(index, *n).unwrap();
        g.bench_with_input(BenchmarkId::new("prove", n), n, |b, &n| {
            b.iter(|| t.inclusion_proof(black_box(index), n).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("verify", n), n, |b, &n| {
            b.iter(|| verify_inclusion(&leaf, index, n, black_box(&proof), &root).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("root from every leaf", n), n, |b, &n| {
            b.iter(|| Tree::from_leaf_hashes((0..n).map(|i| t.leaf(i).unwrap())).root());
        });
    }
    g.finish();

    let mut g = c.benchmark_group("tlog/consistency");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for (n, t) in &trees {
        let old = n / 3 + 1;
        let (old_root, new_root) = (t.root_at(old).unwrap(), t.root());
        let proof = t.consistency_proof(old, *n).unwrap();
        g.bench_with_input(BenchmarkId::new("prove", n), n, |b, &n| {
            b.iter(|| t.consistency_proof(black_box(old), n).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("verify", n), n, |b, &n| {
            b.iter(|| verify_consistency(old, n, &old_root, &new_root, black_box(&proof)).unwrap());
        });
    }
    g.finish();
}

criterion_group!(tlog, benches);
criterion_main!(tlog);

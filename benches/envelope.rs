//! Envelope throughput and per-recipient cost, each group with its baselines.
//!
//! - `envelope_seal_open`: seal then open of one payload (1 KiB to 16 MiB),
//!   against raw ChaCha20-Poly1305 encryption then decryption of the same
//!   bytes (the floor: no key wrapping, no digest, no signature) and against
//!   the `age` crate encrypting to and decrypting for one X25519 recipient.
//! - `envelope_recipients`: seal of a 2 KiB payload for 1, 10 and 100
//!   recipients, against the public-key operations the format cannot avoid:
//!   per recipient one ephemeral X25519 key generation and one X25519
//!   agreement, plus two Ed25519 signatures (the header signature and the
//!   final one, `docs/envelope-format.md` §5.6), computed with
//!   `x25519-dalek` and `ed25519-dalek`, the same primitives the envelope
//!   uses.
//!
//! Seal and open each return a fresh buffer, where the raw-cipher floor
//! reuses one. With glibc's default heap trimming, the loop of
//! `envelope_seal_open/liaison` can hand the two freed megabytes of a 1 MiB
//! round back to the system on every iteration and fault them in again on
//! the next (visible as system time and page faults in `perf stat`). To see
//! the cost without that allocator effect, run the bench with
//! `GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=268435456`
//! (fixing the trim threshold alone also fixes the mmap threshold at its
//! 128 KiB default, so each buffer would be mapped and unmapped instead).
#![allow(
    clippy::unwrap_used,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::hint::black_box;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use liaison_envelope::{Identity, Sealer, open};
use time::OffsetDateTime;
use x25519_dalek::{PublicKey, StaticSecret};

fn identity(name: &str, seed: u8) -> Identity {
    let now = OffsetDateTime::now_utc();
    Identity::from_secret_bytes(
        name,
        &[seed; 32],
        &[seed.wrapping_add(100); 32],
        now - time::Duration::days(1),
        now + time::Duration::days(365),
    )
    .unwrap()
}

fn seal_open(c: &mut Criterion) {
    let sender = identity("FR-A", 1);
    let recipient = identity("DE-B", 2);
    let trusted = [sender.card()];
    let cards = [recipient.card()];
    let now = OffsetDateTime::now_utc();
    let age_identity = age::x25519::Identity::generate();
    let age_recipient = age_identity.to_public();
    let cipher = ChaCha20Poly1305::new(&Key::from([7u8; 32]));

    let mut group = c.benchmark_group("envelope_seal_open");
    group.sample_size(10);
    for size in [1usize << 10, 64 << 10, 1 << 20, 16 << 20] {
        let payload = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("liaison", size), &payload, |b, p| {
            b.iter(|| {
                let sealed = Sealer::new(&sender)
                    .recipients(&cards)
                    .label(b"L")
                    .seal(p)
                    .unwrap();
                let opened = open(&sealed, &recipient, &trusted, now).unwrap();
                black_box(opened.payload.len())
            });
        });
        group.bench_with_input(
            BenchmarkId::new("chacha20poly1305", size),
            &payload,
            |b, p| {
                b.iter(|| {
                    let mut buf = p.clone();
                    let nonce = Nonce::default();
                    let tag = cipher
                        .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                        .unwrap();
                    cipher
                        .decrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into(), &tag)
                        .unwrap();
                    black_box(buf.len())
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("age", size), &payload, |b, p| {
            b.iter(|| {
                let sealed = age::encrypt(&age_recipient, p).unwrap();
                let opened = age::decrypt(&age_identity, &sealed).unwrap();
                black_box(opened.len())
            });
        });
    }
    group.finish();
}

fn recipients(c: &mut Criterion) {
    let sender = identity("FR-A", 1);
    let payload = vec![0x5au8; 2048];
    let signing = SigningKey::from_bytes(&[9u8; 32]);
    let mut group = c.benchmark_group("envelope_recipients");
    group.sample_size(20);
    for n in [1usize, 10, 100] {
        let cards: Vec<_> = (0..n)
            .map(|i| identity(&format!("R{i}"), 10 + i as u8).card())
            .collect();
        let publics: Vec<PublicKey> = cards
            .iter()
            .map(|c| PublicKey::from(c.x25519_public()))
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("liaison_seal_2KiB", n),
            &cards,
            |b, cards| {
                b.iter(|| {
                    black_box(
                        Sealer::new(&sender)
                            .recipients(cards)
                            .seal(&payload)
                            .unwrap(),
                    )
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("floor_x25519_ed25519", n),
            &publics,
            |b, publics| {
                b.iter(|| {
                    for public in publics {
                        let mut seed = [0u8; 32];
                        getrandom::fill(&mut seed).unwrap();
                        let ephemeral = StaticSecret::from(seed);
                        black_box(PublicKey::from(&ephemeral));
                        black_box(ephemeral.diffie_hellman(public).was_contributory());
                    }
                    black_box(signing.sign(&[0u8; 69]));
                    black_box(signing.sign(&[0u8; 94]))
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, seal_open, recipients);
criterion_main!(benches);

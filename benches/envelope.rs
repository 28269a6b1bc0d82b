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
//! - `envelope_post_quantum`: the same for post-quantum envelopes (suite
//!   0x0003): seal of a 2 KiB payload for 1, 10 and 100 X-Wing recipients
//!   against one X-Wing encapsulation per recipient plus the two Ed25519
//!   signatures, and open of such an envelope (one recipient) against one
//!   X-Wing decapsulation plus the two strict Ed25519 verifications, all
//!   computed with the crates the envelope uses (`ml-kem`, `x25519-dalek`,
//!   `sha3`, `ed25519-dalek`). The bench also prints the envelope's length
//!   for each recipient count, from which the per-recipient overhead
//!   follows. The same group has the hybrid signature (a sender with an
//!   ML-DSA-65 key, `docs/envelope-format.md` §5.6): seal of a 2 KiB payload
//!   for one X-Wing recipient against one X-Wing encapsulation, two Ed25519
//!   and two ML-DSA-65 signatures (`ml-dsa`, deterministic, each over a
//!   fresh message, since ML-DSA's rejection sampling makes the cost vary
//!   with the message), and open against one decapsulation, two strict
//!   Ed25519 and two ML-DSA-65 verifications; it prints the bytes the
//!   hybrid signature adds to an envelope.
//!
//! `envelope_seal_open/liaison` seals and opens into fresh buffers, as
//! `Sealer::seal` and `open` do; `liaison_reusing_buffers` does the same
//! round with `Sealer::seal_into` and `open_into` into buffers kept across
//! rounds, and the raw-cipher floor copies the payload into one buffer kept
//! for the whole run and encrypts then decrypts it in place. With fresh
//! buffers, glibc's default heap trimming can hand the two freed megabytes
//! of a 1 MiB round back to the system on every iteration and fault them in
//! again on the next (visible as system time and page faults in `perf
//! stat`); kept buffers avoid it.
//!
//! One run on the 2-core development machine, nothing else running
//! (`--measurement-time 5`), 1 MiB: `liaison_reusing_buffers` 1.62 ms,
//! `chacha20poly1305` 1.51 ms, `age` 3.51 ms, `liaison` 2.56 ms. With its
//! buffers kept, as the floor keeps its one buffer, the envelope reaches
//! 0.93 of the raw cipher's rate and 2.17 times `age`'s; with fresh buffers
//! on every round it reaches 0.59 of the floor (and 1.37 times `age`),
//! the difference being the two megabytes the allocator hands back to the
//! system and faults in again each round (in other runs of the same binary
//! the fresh round took 1.76 ms, 0.86 of the floor, when the allocator kept
//! them). 16 MiB: 20.0 ms kept, 36.6 ms fresh, 24.4 ms for the floor and
//! 57.7 ms for `age`. The chunks are shared with the envelope's own worker
//! pool, whose thread is started once: with threads started for every
//! payload, the kept-buffer round of 1 MiB took 2.24 ms (0.69 of the floor
//! in the same run), most of the second core's share lost to starting the
//! thread. The work the format adds to the cipher is the BLAKE3 hash of
//! every sealed chunk on both sides (`docs/envelope-format.md` §5.5) and
//! the fixed cost of one recipient's key agreement and the two signatures
//! and verifications (the whole 1 KiB round: 293 µs).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a failure must stop the run"
)]

use std::hint::black_box;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use liaison_envelope::{Identity, Protection, Sealer, open, open_into};
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
        // The same round into buffers the caller keeps: the sealed bytes in
        // one, the opened payload handed back as the next round's buffer.
        let mut sealed = Vec::new();
        let mut opened_buffer = Vec::new();
        group.bench_with_input(
            BenchmarkId::new("liaison_reusing_buffers", size),
            &payload,
            |b, p| {
                b.iter(|| {
                    Sealer::new(&sender)
                        .recipients(&cards)
                        .label(b"L")
                        .seal_into(p, &mut sealed)
                        .unwrap();
                    let buffer = std::mem::take(&mut opened_buffer);
                    let opened = open_into(&sealed, &recipient, &trusted, now, buffer).unwrap();
                    let len = opened.payload.len();
                    opened_buffer = opened.payload;
                    black_box(len)
                });
            },
        );
        // The floor at its best: one buffer for the whole run, the payload
        // copied in and encrypted then decrypted in place.
        let mut buf = payload.clone();
        group.bench_with_input(
            BenchmarkId::new("chacha20poly1305", size),
            &payload,
            |b, p| {
                b.iter(|| {
                    buf.copy_from_slice(p);
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

/// One X-Wing encapsulation as the draft defines it, with the crates the
/// envelope uses (`ml-kem`, `x25519-dalek`, `sha3`): the floor of a
/// post-quantum stanza.
fn xwing_encapsulate(mlkem: &MlKemEk, pk_x: &PublicKey) -> ([u8; 32], [u8; 32]) {
    use ml_kem::EncapsulateDeterministic as _;
    let mut eseed = [0u8; 64];
    getrandom::fill(&mut eseed).unwrap();
    let m = ml_kem::B32::try_from(&eseed[..32]).unwrap();
    let (ct_m, ss_m) = mlkem.encapsulate_deterministic(&m).unwrap();
    let ek_x = StaticSecret::from(<[u8; 32]>::try_from(&eseed[32..]).unwrap());
    let ct_x = PublicKey::from(&ek_x);
    let ss_x = ek_x.diffie_hellman(pk_x);
    black_box(&ct_m);
    (
        xwing_combine(&ss_m, ss_x.as_bytes(), ct_x.as_bytes(), pk_x.as_bytes()),
        ct_x.to_bytes(),
    )
}

fn xwing_combine(ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> [u8; 32] {
    use sha3::Digest as _;
    let mut h = sha3::Sha3_256::new();
    for part in [ss_m, ss_x, ct_x, pk_x, b"\\.//^\\".as_slice()] {
        h.update(part);
    }
    h.finalize().into()
}

type MlKemEk = <ml_kem::MlKem768 as ml_kem::KemCore>::EncapsulationKey;

fn post_quantum(c: &mut Criterion) {
    use ml_kem::EncodedSizeUser as _;
    use ml_kem::KemCore as _;
    use ml_kem::kem::Decapsulate as _;
    let sender = identity("FR-A", 1);
    let payload = vec![0x5au8; 2048];
    let signing = SigningKey::from_bytes(&[9u8; 32]);
    let verifying = signing.verifying_key();
    let pq = |i: usize| {
        identity(&format!("R{i}"), 10 + i as u8)
            .with_post_quantum_secret_bytes(&[200u8.wrapping_add(i as u8); 32])
            .unwrap()
    };
    let split = |card: &liaison_envelope::Card| {
        let bytes = card.post_quantum_public().unwrap();
        let encoded = ml_kem::Encoded::<MlKemEk>::try_from(&bytes[..1184]).unwrap();
        let pk_x: [u8; 32] = bytes[1184..].try_into().unwrap();
        (MlKemEk::from_bytes(&encoded), PublicKey::from(pk_x))
    };
    let mut group = c.benchmark_group("envelope_post_quantum");
    group.sample_size(20);
    let mut lengths = Vec::new();
    for n in [1usize, 10, 100] {
        let cards: Vec<_> = (0..n).map(|i| pq(i).card()).collect();
        let keys: Vec<(MlKemEk, PublicKey)> = cards.iter().map(split).collect();
        let seal = || {
            Sealer::new(&sender)
                .recipients(&cards)
                .protection(Protection::PostQuantum)
                .seal(&payload)
                .unwrap()
        };
        lengths.push((n, seal().len()));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("liaison_seal_2KiB", n), |b| {
            b.iter(|| black_box(seal()));
        });
        group.bench_with_input(
            BenchmarkId::new("floor_xwing_ed25519", n),
            &keys,
            |b, keys| {
                b.iter(|| {
                    for (mlkem, pk_x) in keys {
                        black_box(xwing_encapsulate(mlkem, pk_x));
                    }
                    black_box(signing.sign(&[0u8; 69]));
                    black_box(signing.sign(&[0u8; 94]))
                });
            },
        );
    }
    // Open: one recipient. The floor decapsulates with the expanded key
    // (the draft's cached form, as the envelope's identity keeps it).
    let reader = pq(0);
    let trusted = [sender.card()];
    let now = OffsetDateTime::now_utc();
    let sealed = Sealer::new(&sender)
        .recipient(&reader.card())
        .protection(Protection::PostQuantum)
        .seal(&payload)
        .unwrap();
    let (mlkem_ek, pk_x) = split(&reader.card());
    // A decapsulation key of the same parameters (its value does not
    // change the cost), and a ciphertext for it.
    let (mlkem_dk, ek) = ml_kem::MlKem768::generate_deterministic(
        &ml_kem::B32::from([1u8; 32]),
        &ml_kem::B32::from([2u8; 32]),
    );
    let sk_x = StaticSecret::from([3u8; 32]);
    let (ct_m, _) = {
        use ml_kem::EncapsulateDeterministic as _;
        ek.encapsulate_deterministic(&ml_kem::B32::from([4u8; 32]))
            .unwrap()
    };
    black_box(&mlkem_ek);
    let ct_x = PublicKey::from(&StaticSecret::from([5u8; 32]));
    let header_sig = signing.sign(&[0u8; 69]);
    let final_sig = signing.sign(&[0u8; 94]);
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("liaison_open_2KiB", 1), |b| {
        b.iter(|| black_box(open(&sealed, &reader, &trusted, now).unwrap().payload.len()));
    });
    group.bench_function(BenchmarkId::new("floor_xwing_ed25519_open", 1), |b| {
        b.iter(|| {
            let ss_m = mlkem_dk.decapsulate(&ct_m).unwrap();
            let ss_x = sk_x.diffie_hellman(&ct_x);
            black_box(xwing_combine(
                &ss_m,
                ss_x.as_bytes(),
                ct_x.as_bytes(),
                pk_x.as_bytes(),
            ));
            black_box(verifying.verify_strict(&[0u8; 69], &header_sig).is_ok());
            black_box(verifying.verify_strict(&[0u8; 94], &final_sig).is_ok())
        });
    });
    hybrid(
        &mut group,
        &payload,
        &reader,
        &sealed,
        (&mlkem_dk, &ct_m, &sk_x, &ct_x, &pk_x),
    );
    group.finish();
    for (n, len) in &lengths {
        println!("post-quantum envelope of a 2 KiB payload for {n} recipient(s): {len} bytes");
    }
    if let (Some((n1, l1)), Some((n2, l2))) = (lengths.first(), lengths.last()) {
        println!("per X-Wing recipient: {} bytes", (l2 - l1) / (n2 - n1));
    }
}

/// What the open floor decapsulates: the ML-KEM-768 decapsulation key and
/// ciphertext, the X25519 secret and share, the recipient's X25519 key.
type Decapsulation<'a> = (
    &'a <ml_kem::MlKem768 as ml_kem::KemCore>::DecapsulationKey,
    &'a ml_kem::Ciphertext<ml_kem::MlKem768>,
    &'a StaticSecret,
    &'a PublicKey,
    &'a PublicKey,
);

/// The hybrid signature's seal and open, each beside its floor: the
/// X-Wing work of one recipient and, per signature, one Ed25519 and one
/// ML-DSA-65 operation.
fn hybrid(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    payload: &[u8],
    reader: &Identity,
    classical_sealed: &[u8],
    (mlkem_dk, ct_m, sk_x, ct_x, pk_x): Decapsulation<'_>,
) {
    use ml_dsa::{Keypair as _, Signer as _, Verifier as _};
    use ml_kem::kem::Decapsulate as _;
    let sender = identity("FR-A", 1)
        .with_post_quantum_secret_bytes(&[40u8; 32])
        .unwrap()
        .with_post_quantum_signing_secret_bytes(&[41u8; 32])
        .unwrap();
    let trusted = [sender.card()];
    let now = OffsetDateTime::now_utc();
    let seal = || {
        Sealer::new(&sender)
            .recipient(&reader.card())
            .protection(Protection::PostQuantum)
            .seal(payload)
            .unwrap()
    };
    let sealed = seal();
    let signing = SigningKey::from_bytes(&[9u8; 32]);
    let verifying = signing.verifying_key();
    let mldsa = ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&[42u8; 32].into());
    let mldsa_vk = mldsa.verifying_key();
    let (mlkem_ek, pk_x_split) = {
        use ml_kem::EncodedSizeUser as _;
        let bytes = reader.card().post_quantum_public().unwrap().to_vec();
        let encoded = ml_kem::Encoded::<MlKemEk>::try_from(&bytes[..1184]).unwrap();
        let pk_x: [u8; 32] = bytes[1184..].try_into().unwrap();
        (MlKemEk::from_bytes(&encoded), PublicKey::from(pk_x))
    };
    let fresh = |len: usize| {
        let mut msg = vec![0u8; len];
        getrandom::fill(&mut msg).unwrap();
        msg
    };
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("liaison_seal_hybrid_2KiB", 1), |b| {
        b.iter(|| black_box(seal()));
    });
    group.bench_function(BenchmarkId::new("floor_xwing_ed25519_mldsa65", 1), |b| {
        b.iter(|| {
            black_box(xwing_encapsulate(&mlkem_ek, &pk_x_split));
            for len in [69, 94] {
                let msg = fresh(len);
                black_box(signing.sign(&msg));
                black_box(mldsa.sign(&msg));
            }
        });
    });
    let header_msg = fresh(69);
    let final_msg = fresh(94);
    let sigs = (
        signing.sign(&header_msg),
        signing.sign(&final_msg),
        mldsa.sign(&header_msg),
        mldsa.sign(&final_msg),
    );
    group.bench_function(BenchmarkId::new("liaison_open_hybrid_2KiB", 1), |b| {
        b.iter(|| black_box(open(&sealed, reader, &trusted, now).unwrap().payload.len()));
    });
    group.bench_function(
        BenchmarkId::new("floor_xwing_ed25519_mldsa65_open", 1),
        |b| {
            b.iter(|| {
                let ss_m = mlkem_dk.decapsulate(ct_m).unwrap();
                let ss_x = sk_x.diffie_hellman(ct_x);
                black_box(xwing_combine(
                    &ss_m,
                    ss_x.as_bytes(),
                    ct_x.as_bytes(),
                    pk_x.as_bytes(),
                ));
                black_box(verifying.verify_strict(&header_msg, &sigs.0).is_ok());
                black_box(verifying.verify_strict(&final_msg, &sigs.1).is_ok());
                black_box(mldsa_vk.verify(&header_msg, &sigs.2).is_ok());
                black_box(mldsa_vk.verify(&final_msg, &sigs.3).is_ok())
            });
        },
    );
    println!(
        "post-quantum envelope of a 2 KiB payload for 1 recipient, hybrid signature: {} bytes, {} more than with Ed25519 alone",
        sealed.len(),
        sealed.len() - classical_sealed.len()
    );
}

criterion_group!(benches, seal_open, recipients, post_quantum);
criterion_main!(benches);

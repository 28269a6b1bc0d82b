//! Round trips of the one-call and streaming APIs.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::io::{Read, Write};

use common::{NOW, identity};
use liaison_envelope::{OpenError, Sealer, StreamOpener, open, open_into};
use proptest::prelude::*;

const CHUNK: usize = 64 * 1024;

fn seal_for(
    n: usize,
    payload: &[u8],
    anonymous: bool,
) -> (Vec<u8>, Vec<liaison_envelope::Identity>) {
    let sender = identity("FR-A", 1);
    let recipients: Vec<_> = (0..n)
        .map(|i| identity(&format!("R{i}"), 10 + i as u8))
        .collect();
    let cards: Vec<_> = recipients.iter().map(|r| r.card()).collect();
    let sealed = Sealer::new(&sender)
        .recipients(&cards)
        .label(b"LABEL")
        .anonymous(anonymous)
        .at(NOW)
        .seal(payload)
        .unwrap();
    (sealed, recipients)
}

#[test]
fn every_recipient_opens_at_chunk_boundaries() {
    let sender = identity("FR-A", 1).card();
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 5] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for anonymous in [false, true] {
            let (sealed, recipients) = seal_for(3, &payload, anonymous);
            for r in &recipients {
                let opened = open(&sealed, r, std::slice::from_ref(&sender), NOW).unwrap();
                assert_eq!(opened.payload, payload, "len {len}");
                assert_eq!(opened.label, b"LABEL");
                assert_eq!(opened.sender, sender);
                assert_eq!(opened.recipients.len(), 3);
                assert_eq!(opened.recipients[0].key_id.is_none(), anonymous);
            }
        }
    }
}

#[test]
fn sealing_and_opening_into_kept_buffers_give_the_same_bytes() {
    let sender = identity("FR-A", 1);
    let bob = identity("DE-B", 2);
    let trusted = [sender.card()];
    let sealer = |seed: u8| {
        Sealer::new(&sender)
            .recipient(&bob.card())
            .label(b"LABEL")
            .at(NOW)
            .deterministic([seed; 32])
    };
    // Buffers that held more, and other bytes, than each round needs, then
    // less than it needs: every round must give exactly what the one-call
    // forms give.
    let mut sealed = vec![0xEE; 5 * CHUNK];
    let mut opened_buffer = vec![0xDD; 4 * CHUNK];
    for (round, len) in [3 * CHUNK + 5, 0, 17, CHUNK, 6 * CHUNK]
        .into_iter()
        .enumerate()
    {
        let payload: Vec<u8> = (0..len).map(|i| (i % 241) as u8 ^ round as u8).collect();
        let seed = 40 + round as u8;
        sealer(seed).seal_into(&payload, &mut sealed).unwrap();
        assert_eq!(
            sealed,
            sealer(seed).seal(&payload).unwrap(),
            "round {round}"
        );
        let opened = open_into(&sealed, &bob, &trusted, NOW, opened_buffer).unwrap();
        assert_eq!(opened.payload, payload, "round {round}");
        assert_eq!(opened.label, b"LABEL");
        opened_buffer = opened.payload;
    }
    // A failed open gives nothing back; a failed seal leaves its buffer
    // empty.
    let last = sealed.len() - 70;
    sealed[last] ^= 1;
    assert!(matches!(
        open_into(&sealed, &bob, &trusted, NOW, opened_buffer),
        Err(OpenError::CannotOpen)
    ));
    let expired = Sealer::new(&sender)
        .recipient(&bob.card())
        .at(NOW + time::Duration::days(4000));
    assert!(expired.seal_into(b"x", &mut sealed).is_err());
    assert!(sealed.is_empty());
}

/// The chunks of a payload are shared with the envelope's worker pool:
/// many callers at once, and callers that are themselves workers of another
/// Rayon pool, each get their own payload back whole, the same bytes the
/// streaming sealer (one chunk after another, on one thread) opens, and a
/// changed chunk still fails however the chunks were shared.
#[test]
fn payloads_shared_among_threads_come_back_whole_and_a_changed_chunk_still_fails() {
    use rayon::prelude::*;
    let sender = identity("FR-A", 1);
    let bob = identity("DE-B", 2);
    let trusted = [sender.card()];
    let round = |k: usize| {
        let payload: Vec<u8> = (0..9 * CHUNK + k).map(|i| (i * 7 + k) as u8).collect();
        let sealed = Sealer::new(&sender)
            .recipient(&bob.card())
            .at(NOW)
            .seal(&payload)
            .unwrap();
        // One thread, chunk after chunk: the streaming opener agrees.
        let mut streamed = Vec::new();
        StreamOpener::new(&sealed[..], &bob, &trusted, NOW)
            .unwrap()
            .read_to_end(&mut streamed)
            .unwrap();
        assert_eq!(streamed, payload);
        assert_eq!(open(&sealed, &bob, &trusted, NOW).unwrap().payload, payload);
        let mut changed = sealed.clone();
        let at = changed.len() - 5 * CHUNK;
        changed[at] ^= 1;
        assert!(matches!(
            open(&changed, &bob, &trusted, NOW),
            Err(OpenError::CannotOpen)
        ));
    };
    std::thread::scope(|s| {
        for k in 0..6 {
            s.spawn(move || round(k));
        }
    });
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| (0..4).into_par_iter().for_each(round));
    }
}

#[test]
fn stream_and_one_shot_agree_both_ways() {
    let sender = identity("FR-A", 1);
    let bob = identity("DE-B", 2);
    for len in [0, 5, CHUNK, CHUNK + 7, 3 * CHUNK] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        let sealer = Sealer::new(&sender)
            .recipient(&bob.card())
            .label(b"L")
            .at(NOW);
        let mut w = sealer.stream(Vec::new()).unwrap();
        for piece in payload.chunks(1000) {
            w.write_all(piece).unwrap();
        }
        let streamed = w.finish().unwrap();
        let opened = open(&streamed, &bob, &[sender.card()], NOW).unwrap();
        assert_eq!(opened.payload, payload);

        let one_shot = sealer.seal(&payload).unwrap();
        let mut r = StreamOpener::new(one_shot.as_slice(), &bob, &[sender.card()], NOW).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, payload);
        let verified = r.finish().unwrap();
        assert_eq!(verified.label, b"L");
        assert_eq!(verified.sender, sender.card());
    }
}

#[test]
fn streaming_opener_fails_on_truncation_and_unfinished_stream() {
    let sender = identity("FR-A", 1);
    let bob = identity("DE-B", 2);
    let payload = vec![7u8; 2 * CHUNK + 100];
    let sealed = Sealer::new(&sender)
        .recipient(&bob.card())
        .at(NOW)
        .seal(&payload)
        .unwrap();
    for cut in [
        sealed.len() - 1,
        sealed.len() - 64,
        sealed.len() - 65,
        sealed.len() - 200,
    ] {
        let mut r = StreamOpener::new(&sealed[..cut], &bob, &[sender.card()], NOW).unwrap();
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err(), "cut {cut}");
        assert!(r.finish().is_err());
    }
    let r = StreamOpener::new(sealed.as_slice(), &bob, &[sender.card()], NOW).unwrap();
    assert!(
        r.finish().is_err(),
        "unread stream must not count as verified"
    );
}

#[test]
fn user_errors_are_explained() {
    let sender = identity("FR-A", 1);
    let bob = identity("DE-B", 2);
    let eve = identity("XX-E", 3);
    let sealed = Sealer::new(&sender)
        .recipient(&bob.card())
        .at(NOW)
        .seal(b"x")
        .unwrap();
    assert!(matches!(
        open(&sealed, &eve, &[sender.card()], NOW),
        Err(OpenError::NotRecipient { .. })
    ));
    assert!(matches!(
        open(&sealed, &bob, &[eve.card()], NOW),
        Err(OpenError::UntrustedSender { .. })
    ));
    let later = time::macros::datetime!(2030-01-01 0:00 UTC);
    assert!(matches!(
        open(&sealed, &bob, &[sender.card()], later),
        Err(OpenError::SenderCardNotValid { .. })
    ));
    assert!(matches!(
        open(b"{\"json\": 1}", &bob, &[sender.card()], NOW),
        Err(OpenError::NotAnEnvelope)
    ));
    let msg = open(&sealed, &eve, &[sender.card()], NOW)
        .unwrap_err()
        .to_string();
    assert!(msg.contains(&eve.encryption_key_id().to_string()), "{msg}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn round_trip_any_payload_any_recipients(
        len in prop_oneof![0usize..300, (CHUNK - 2)..(CHUNK + 2), (2 * CHUNK - 1)..(2 * CHUNK + 1)],
        n in 1usize..6,
        anonymous: bool,
        byte: u8,
    ) {
        let payload = vec![byte; len];
        let (sealed, recipients) = seal_for(n, &payload, anonymous);
        let sender = identity("FR-A", 1).card();
        for r in &recipients {
            let opened = open(&sealed, r, std::slice::from_ref(&sender), NOW).unwrap();
            prop_assert_eq!(&opened.payload, &payload);
        }
    }
}

#[test]
fn rewrap_keeps_the_payload_bytes_and_rekey_replaces_them() {
    use liaison_envelope::{RecipientChange, rekey, rewrap};
    let a = identity("FR-A", 1);
    let b = identity("DE-B", 2);
    let c = identity("IT-C", 3);
    let trusted = [a.card(), b.card()];
    let payload = vec![3u8; CHUNK + 10];
    let sealed = Sealer::new(&a)
        .recipient(&b.card())
        .label(b"L")
        .at(NOW)
        .seal(&payload)
        .unwrap();
    let chunks = |e: &[u8]| e[e.len() - (payload.len() + 32 + 64)..e.len() - 64].to_vec();

    let added = rewrap(
        &sealed,
        &b,
        &trusted,
        NOW,
        RecipientChange::Add(&[c.card()]),
    )
    .unwrap();
    assert_eq!(
        chunks(&added),
        chunks(&sealed),
        "rewrap must not touch the payload ciphertext"
    );
    for reader in [&b, &c] {
        let opened = open(&added, reader, &trusted, NOW).unwrap();
        assert_eq!(opened.payload, payload);
        assert_eq!(opened.sender, a.card());
        assert_eq!(opened.recipients.len(), 2);
        assert_eq!(opened.history.len(), 2);
    }
    // A rewrap by a non-recipient, or of an envelope from an untrusted
    // sender, is refused.
    assert!(
        rewrap(
            &sealed,
            &c,
            &trusted,
            NOW,
            RecipientChange::Add(&[c.card()])
        )
        .is_err()
    );
    assert!(
        rewrap(
            &sealed,
            &b,
            &[b.card()],
            NOW,
            RecipientChange::Add(&[c.card()])
        )
        .is_err()
    );

    let rekeyed = rekey(&added, &c, &trusted, NOW, &[b.card()]).unwrap();
    assert_ne!(chunks(&rekeyed), chunks(&sealed));
    let opened = open(&rekeyed, &b, &[c.card()], NOW).unwrap();
    assert_eq!(opened.payload, payload);
    assert_eq!(opened.label, b"L");
    assert_eq!(opened.sender, c.card(), "the rekeyer becomes the sender");
    assert_eq!(opened.history.len(), 1);
    assert!(matches!(
        open(&rekeyed, &c, &[c.card()], NOW),
        Err(OpenError::NotRecipient { .. })
    ));
}

#[test]
fn inspect_reads_without_keys() {
    let a = identity("FR-A", 1);
    let b = identity("DE-B", 2);
    let sealed = Sealer::new(&a)
        .recipient(&b.card())
        .label(b"LBL")
        .at(NOW)
        .seal(&[1u8; 70_000])
        .unwrap();
    let info = liaison_envelope::inspect(&sealed).unwrap();
    assert_eq!(info.version, 2);
    assert_eq!(info.suite, 2);
    assert_eq!(info.sender_key_id, a.signing_key_id());
    assert_eq!(info.recipients[0].key_id, Some(b.encryption_key_id()));
    assert_eq!(info.payload_len, 70_000);
    assert_eq!(info.chunk_count, 2);
    assert_eq!(info.label_len, 3);
    assert_eq!(info.envelope_len, sealed.len());
}

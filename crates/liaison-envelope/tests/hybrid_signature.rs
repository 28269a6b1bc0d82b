//! Hybrid sender signatures: an identity with an ML-DSA-65 key signs every
//! layer with Ed25519 and ML-DSA-65 over the same messages, in either
//! suite; a reader verifies both halves, refuses a layer signed with the
//! Ed25519 key alone by an agency whose card has an ML-DSA-65 key (a
//! downgrade), and refuses an ML-DSA-65 key that is not the card's.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::io::Read;

use common::reference::{self as spec, Parts};
use common::{NOW, hybrid_identity, identity, pq_identity};
use liaison_envelope::format::{HYBRID_LAYER, MLDSA65_PUBLIC_KEY_LEN, MLDSA65_SIGNATURE_LEN};
use liaison_envelope::{
    Card, Identity, OpenError, Opened, Protection, RecipientChange, Sealer, StreamOpener, inspect,
    open, open_spooled, rekey, rewrap,
};

/// The Ed25519 seed of `identity(_, seed)` and the ML-DSA-65 seed of
/// `hybrid_identity(_, seed)`.
fn seeds(seed: u8) -> ([u8; 32], [u8; 32]) {
    ([seed ^ 0x80; 32], [seed ^ 0x20; 32])
}

fn seal(sender: &Identity, to: &[Card], protection: Protection) -> Vec<u8> {
    Sealer::new(sender)
        .recipients(to)
        .label(b"SECRET")
        .protection(protection)
        .at(NOW)
        .seal(b"signed twice")
        .unwrap()
}

fn open_every_way(envelope: &[u8], reader: &Identity, trusted: &[Card]) -> Result<Opened, String> {
    let one_shot = open(envelope, reader, trusted, NOW).map_err(|e| format!("{e:?}"));
    let mut out = Vec::new();
    let streamed = StreamOpener::new(envelope, reader, trusted, NOW)
        .map_err(|e| format!("{e:?}"))
        .and_then(|mut s| {
            s.read_to_end(&mut out).map_err(|e| format!("{e:?}"))?;
            s.finish().map_err(|e| format!("{e:?}"))
        });
    let mut spooled_out = Vec::new();
    let spooled = open_spooled(
        envelope,
        reader,
        trusted,
        NOW,
        std::io::Cursor::new(Vec::new()),
        &mut spooled_out,
    );
    match &one_shot {
        Ok(opened) => {
            let streamed = streamed.unwrap();
            assert_eq!(out, opened.payload);
            assert_eq!(spooled_out, opened.payload);
            assert_eq!(streamed.post_quantum_signed, opened.post_quantum_signed);
            assert_eq!(streamed.suite, opened.suite);
            assert_eq!(spooled.unwrap().post_quantum, opened.post_quantum);
        }
        Err(_) => {
            assert!(streamed.is_err());
            assert!(spooled.is_err() && spooled_out.is_empty());
        }
    }
    one_shot
}

#[test]
fn a_hybrid_signer_signs_every_layer_with_both_keys_in_either_suite() {
    let sender = hybrid_identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let classical_bob = identity("DE-B", 2);
    for (to, protection, suite) in [
        (bob.card(), Protection::PostQuantum, 3),
        (classical_bob.card(), Protection::Classical, 2),
    ] {
        let sealed = seal(&sender, std::slice::from_ref(&to), protection);
        let reader = if suite == 3 { &bob } else { &classical_bob };
        let opened = open_every_way(&sealed, reader, &[sender.card()]).unwrap();
        assert_eq!(opened.payload, b"signed twice");
        assert_eq!(opened.suite, suite);
        assert_eq!(opened.post_quantum, suite == 3);
        assert!(opened.post_quantum_signed);
        assert!(opened.history[0].post_quantum_signed);
        assert!(opened.sender.has_post_quantum_signing_key());
        // The same envelope from the same sender's classical keys: 8570
        // bytes more (the ML-DSA-65 key and two ML-DSA-65 signatures).
        let classical_sender = pq_identity("FR-A", 1);
        let plain = seal(&classical_sender, &[to], protection);
        assert_eq!(
            sealed.len() - plain.len(),
            MLDSA65_PUBLIC_KEY_LEN + 2 * MLDSA65_SIGNATURE_LEN
        );
        assert_eq!(sealed.len() - plain.len(), 8570);
        let opened = open_every_way(&plain, reader, &[classical_sender.card()]).unwrap();
        assert!(!opened.post_quantum_signed);
        // Inspection names the ML-DSA-65 key.
        let seen = inspect(&sealed).unwrap();
        assert_eq!(
            seen.layers[0].post_quantum_signer_key_id,
            sender.post_quantum_signing_key_id()
        );
        assert_eq!(seen.envelope_len, sealed.len());
        assert_eq!(
            inspect(&plain).unwrap().layers[0].post_quantum_signer_key_id,
            None
        );
    }
}

#[test]
fn the_hybrid_layer_is_written_as_the_spec_says() {
    let sender = hybrid_identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let sealed = seal(&sender, &[bob.card()], Protection::PostQuantum);
    let parts = spec::split(&sealed);
    let layer = &parts.header.layers[0];
    let (ed, mldsa) = seeds(1);
    assert_eq!(layer.signer, spec::public_of(ed));
    assert_eq!(
        layer.mldsa65_signer.as_deref(),
        Some(&*spec::mldsa65_public_of(mldsa))
    );
    // Both halves of both signatures are the reference's, over the same
    // messages (Ed25519 and deterministic ML-DSA-65 are deterministic).
    let digest = spec::content_digest(&parts.chunks);
    assert_eq!(
        parts.header.header_signatures[0],
        spec::sign_pair(ed, Some(mldsa), &spec::header_transcript(&parts.header, 0))
    );
    assert_eq!(
        parts.signature,
        spec::sign_pair(
            ed,
            Some(mldsa),
            &spec::transcript(&parts.header, 0, &digest)
        )
    );
    // The form bit, right after the holder proof, then the ML-DSA-65 key.
    let mut core = Vec::new();
    liaison_envelope::format::write_core(&parts.header.core, &mut core);
    let at = core.len() + 1 + 32 + 32;
    let field = u16::from_be_bytes([sealed[at], sealed[at + 1]]);
    assert_eq!(field, HYBRID_LAYER | 1);
    assert_eq!(
        &sealed[at + 2..at + 2 + 1952],
        layer.mldsa65_signer.as_ref().unwrap().as_slice()
    );
}

/// A hybrid envelope whose layer is made classical again (its ML-DSA-65
/// key and signatures removed) and re-signed with the sender's Ed25519 key,
/// as anyone who breaks Ed25519 could.
fn stripped(sealed: &[u8], ed25519: [u8; 32]) -> Vec<u8> {
    let mut p: Parts = spec::split(sealed);
    p.header.layers[0].mldsa65_signer = None;
    p.header.header_signatures[0].mldsa65 = None;
    p.signature.mldsa65 = None;
    spec::sign_as_is(&mut p, ed25519);
    spec::join(&p)
}

#[test]
fn a_stripped_or_rekeyed_signature_is_refused_by_a_reader_that_knows_the_card() {
    let sender = hybrid_identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let sealed = seal(&sender, &[bob.card()], Protection::PostQuantum);
    let (ed, _) = seeds(1);
    let downgraded = stripped(&sealed, ed);
    match open(&downgraded, &bob, &[sender.card()], NOW) {
        Err(e @ OpenError::SignatureDowngrade { .. }) => {
            assert!(e.to_string().contains("`FR-A`"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(open_every_way(&downgraded, &bob, &[sender.card()]).is_err());
    // A reader that holds only the agency's classical card accepts the
    // stripped envelope (it cannot know better) and refuses the hybrid one:
    // the card must match the layer.
    let old_card = pq_identity("FR-A", 1).card();
    assert!(open(&downgraded, &bob, std::slice::from_ref(&old_card), NOW).is_ok());
    match open(&sealed, &bob, &[old_card], NOW) {
        Err(OpenError::SigningKeyMismatch {
            expected: None,
            found,
            ..
        }) => assert_eq!(Some(found), sender.post_quantum_signing_key_id()),
        other => panic!("{other:?}"),
    }
    // Another ML-DSA-65 key beside the sender's Ed25519 key, both halves
    // signed: not the card's.
    let mut p = spec::split(&sealed);
    let mallory = [0x66; 32];
    p.header.layers[0].mldsa65_signer = Some(spec::mldsa65_public_of(mallory));
    spec::sign_as_is_with(&mut p, ed, Some(mallory));
    match open(&spec::join(&p), &bob, &[sender.card()], NOW) {
        Err(OpenError::SigningKeyMismatch {
            expected: Some(expected),
            ..
        }) => assert_eq!(Some(expected), sender.post_quantum_signing_key_id()),
        other => panic!("{other:?}"),
    }
    // The stream opener refuses both before any byte.
    for bad in [downgraded, spec::join(&p)] {
        assert!(StreamOpener::new(bad.as_slice(), &bob, &[sender.card()], NOW).is_err());
    }
}

/// A change made to an envelope taken apart.
type Alteration = fn(&mut Parts);

#[test]
fn every_half_of_every_signature_is_checked() {
    let sender = hybrid_identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let sealed = seal(&sender, &[bob.card()], Protection::PostQuantum);
    let trusted = [sender.card()];
    let (ed, mldsa) = seeds(1);
    let cases: [(&str, Alteration); 4] = [
        ("header Ed25519", |p| {
            p.header.header_signatures[0].ed25519[3] ^= 1
        }),
        ("header ML-DSA-65", |p| {
            p.header.header_signatures[0].mldsa65.as_mut().unwrap()[1000] ^= 1;
        }),
        ("final Ed25519", |p| p.signature.ed25519[40] ^= 1),
        ("final ML-DSA-65", |p| {
            p.signature.mldsa65.as_mut().unwrap()[3300] ^= 1
        }),
    ];
    for (what, alter) in cases {
        let mut p = spec::split(&sealed);
        alter(&mut p);
        let bad = spec::join(&p);
        assert!(
            matches!(open(&bad, &bob, &trusted, NOW), Err(OpenError::CannotOpen)),
            "{what}"
        );
        assert!(open_every_way(&bad, &bob, &trusted).is_err(), "{what}");
        if what.starts_with("header") {
            assert!(StreamOpener::new(bad.as_slice(), &bob, &trusted, NOW).is_err());
        }
    }
    // The other half's message: an ML-DSA-65 signature of the header
    // message in the final signature's place.
    let mut p = spec::split(&sealed);
    p.signature.mldsa65 = Some(spec::mldsa65_sign(
        mldsa,
        &spec::header_transcript(&p.header, 0),
    ));
    assert!(matches!(
        open(&spec::join(&p), &bob, &trusted, NOW),
        Err(OpenError::CannotOpen)
    ));
    // Re-signed as it is, the envelope opens: the alterations above are what
    // was refused.
    let mut p = spec::split(&sealed);
    spec::sign_as_is_with(&mut p, ed, Some(mldsa));
    assert_eq!(spec::join(&p), sealed);
}

#[test]
fn rewraps_by_hybrid_and_classical_holders_keep_every_layer_checked() {
    let sender = hybrid_identity("FR-A", 1);
    let bob = hybrid_identity("DE-B", 2);
    let carol = pq_identity("NL-C", 3);
    let dave = pq_identity("BE-D", 4);
    let trusted = [sender.card(), bob.card(), carol.card()];
    let sealed = seal(&sender, &[bob.card()], Protection::PostQuantum);
    // A hybrid forwarder: its layer is hybrid too.
    let forwarded = rewrap(
        &sealed,
        &bob,
        &trusted,
        NOW,
        RecipientChange::Replace(&[carol.card()]),
    )
    .unwrap();
    let opened = open_every_way(&forwarded, &carol, &trusted).unwrap();
    assert_eq!(opened.history.len(), 2);
    assert!(opened.post_quantum_signed);
    assert!(opened.history.iter().all(|l| l.post_quantum_signed));
    // A classical forwarder after it: the envelope is no longer signed
    // post-quantum throughout.
    let again = rewrap(
        &forwarded,
        &carol,
        &trusted,
        NOW,
        RecipientChange::Replace(&[dave.card()]),
    )
    .unwrap();
    let opened = open_every_way(&again, &dave, &trusted).unwrap();
    assert_eq!(
        opened
            .history
            .iter()
            .map(|l| l.post_quantum_signed)
            .collect::<Vec<_>>(),
        [true, true, false]
    );
    assert!(!opened.post_quantum_signed);
    // The earlier hybrid layer's final signature, altered in the header.
    let mut p = spec::split(&again);
    p.header.signatures[1].mldsa65.as_mut().unwrap()[7] ^= 0x40;
    spec::sign_as_is(&mut p, [3 ^ 0x80; 32]);
    assert!(matches!(
        open(&spec::join(&p), &dave, &trusted, NOW),
        Err(OpenError::CannotOpen)
    ));
    // The forwarder's own layer stripped and re-signed: a downgrade,
    // reported for the forwarder.
    let mut p = spec::split(&forwarded);
    p.header.layers[1].mldsa65_signer = None;
    p.header.header_signatures[1].mldsa65 = None;
    p.signature.mldsa65 = None;
    spec::sign_as_is(&mut p, seeds(2).0);
    match open(&spec::join(&p), &carol, &trusted, NOW) {
        Err(OpenError::SignatureDowngrade { agency }) => assert_eq!(agency, "DE-B"),
        other => panic!("{other:?}"),
    }
    // Rekeyed by a hybrid holder: a new hybrid envelope.
    let rekeyed = rekey(&sealed, &bob, &trusted, NOW, &[carol.card()]).unwrap();
    let opened = open_every_way(&rekeyed, &carol, &trusted).unwrap();
    assert_eq!(opened.sender, bob.card());
    assert!(opened.post_quantum_signed);
}

#[test]
fn an_agency_that_gains_an_ml_dsa_key_signs_hybrid_from_then_on() {
    let before = identity("FR-A", 1);
    let after = before.with_new_post_quantum_key().unwrap();
    assert!(after.has_post_quantum_signing_key());
    assert_eq!(
        after.card().ed25519_public(),
        before.card().ed25519_public()
    );
    let bob = pq_identity("DE-B", 2);
    let old = seal(&before, &[bob.card()], Protection::PostQuantum);
    let new = seal(&after, &[bob.card()], Protection::PostQuantum);
    // The new card refuses what the agency signed classically before; the
    // old card still opens it.
    assert!(matches!(
        open(&old, &bob, &[after.card()], NOW),
        Err(OpenError::SignatureDowngrade { .. })
    ));
    assert!(open(&old, &bob, &[before.card()], NOW).is_ok());
    assert!(
        open(&new, &bob, &[after.card()], NOW)
            .unwrap()
            .post_quantum_signed
    );
    // Both cards trusted at once: one signing key on two different cards.
    assert!(matches!(
        open(&new, &bob, &[before.card(), after.card()], NOW),
        Err(OpenError::AmbiguousSigner { .. })
    ));
}

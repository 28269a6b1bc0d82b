//! Post-quantum envelopes (suite 0x0003, X-Wing stanzas): round trips, the
//! choice of suite and its refusals (no silent downgrade), key rotation
//! from a classical to a post-quantum card, rewrap and rekey.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::io::Read;

use common::reference as spec;
use common::{NOW, identity, pq_identity};
use liaison_envelope::format::{
    self, SUITE_X25519_CHACHA20POLY1305_ED25519, SUITE_XWING_CHACHA20POLY1305_ED25519, Stanza,
};
use liaison_envelope::{
    Card, Identity, OpenError, Protection, RecipientChange, RecipientKind, SealError, Sealer,
    StreamOpener, inspect, open, rekey, rewrap,
};

fn suite_of(envelope: &[u8]) -> u16 {
    format::read_header(envelope).unwrap().0.core.suite
}

fn seal(sender: &Identity, cards: &[Card], protection: Protection) -> Result<Vec<u8>, SealError> {
    Sealer::new(sender)
        .recipients(cards)
        .label(b"SECRET")
        .protection(protection)
        .at(NOW)
        .seal(b"harvest now, decrypt never")
}

#[test]
fn every_post_quantum_recipient_opens_named_or_anonymous_one_shot_or_streamed() {
    let sender = identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let carol = pq_identity("NL-C", 3);
    let payload: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    for anonymous in [false, true] {
        let sealed = Sealer::new(&sender)
            .recipients(&[bob.card(), carol.card()])
            .label(b"L")
            .anonymous(anonymous)
            .protection(Protection::PostQuantum)
            .at(NOW)
            .seal(&payload)
            .unwrap();
        assert_eq!(suite_of(&sealed), SUITE_XWING_CHACHA20POLY1305_ED25519);
        for reader in [&bob, &carol] {
            let opened = open(&sealed, reader, &[sender.card()], NOW).unwrap();
            assert_eq!(opened.payload, payload);
            assert_eq!(opened.recipients.len(), 2);
            assert!(
                opened
                    .recipients
                    .iter()
                    .all(|r| r.kind == RecipientKind::XWing)
            );
            let ids: Vec<_> = opened.recipients.iter().map(|r| r.key_id).collect();
            if anonymous {
                assert_eq!(ids, [None, None]);
            } else {
                assert_eq!(
                    ids,
                    [bob.post_quantum_key_id(), carol.post_quantum_key_id()]
                );
            }
            let mut stream =
                StreamOpener::new(sealed.as_slice(), reader, &[sender.card()], NOW).unwrap();
            let mut out = Vec::new();
            stream.read_to_end(&mut out).unwrap();
            assert_eq!(out, payload);
            stream.finish().unwrap();
        }
        let inspection = inspect(&sealed).unwrap();
        assert!(inspection.post_quantum);
        assert_eq!(inspection.suite, 3);
        // A classical-only identity of another agency is not a recipient;
        // an identity without an X-Wing key is told so.
        let dave = pq_identity("BE-D", 4);
        assert!(matches!(
            open(&sealed, &dave, &[sender.card()], NOW),
            Err(OpenError::NotRecipient { .. })
        ));
        assert!(matches!(
            open(&sealed, &identity("DE-B", 2), &[sender.card()], NOW),
            Err(OpenError::NoPostQuantumKey)
        ));
    }
}

#[test]
fn the_suite_follows_the_cards_and_a_mix_is_refused() {
    let sender = identity("FR-A", 1);
    let classical = identity("DE-B", 2).card();
    let hybrid = pq_identity("NL-C", 3).card();
    // Auto: post-quantum when every card can, classical when none can.
    let all_pq = seal(&sender, std::slice::from_ref(&hybrid), Protection::Auto).unwrap();
    assert_eq!(suite_of(&all_pq), SUITE_XWING_CHACHA20POLY1305_ED25519);
    let none_pq = seal(&sender, std::slice::from_ref(&classical), Protection::Auto).unwrap();
    assert_eq!(suite_of(&none_pq), SUITE_X25519_CHACHA20POLY1305_ED25519);
    // A mix is never sealed classically behind the caller's back.
    let mixed = [hybrid.clone(), classical.clone()];
    match seal(&sender, &mixed, Protection::Auto) {
        Err(SealError::MixedProtection { with, without }) => {
            assert_eq!(with, "`NL-C`");
            assert_eq!(without, "`DE-B`");
        }
        other => panic!("{other:?}"),
    }
    match seal(&sender, &mixed, Protection::PostQuantum) {
        Err(SealError::NoPostQuantumKey { agency }) => assert_eq!(agency, "DE-B"),
        other => panic!("{other:?}"),
    }
    // Classical, asked for explicitly: every card's X25519 key, and the
    // post-quantum identity opens it with the X25519 secret it keeps.
    let asked = seal(&sender, &mixed, Protection::Classical).unwrap();
    assert_eq!(suite_of(&asked), SUITE_X25519_CHACHA20POLY1305_ED25519);
    let opened = open(&asked, &pq_identity("NL-C", 3), &[sender.card()], NOW).unwrap();
    assert!(
        opened
            .recipients
            .iter()
            .all(|r| r.kind == RecipientKind::X25519)
    );
}

#[test]
fn a_partner_moving_to_a_post_quantum_key_still_opens_its_classical_parcels() {
    let sender = identity("FR-A", 1);
    let old = identity("DE-B", 2);
    let old_parcel = seal(&sender, &[old.card()], Protection::Auto).unwrap();
    // The partner rotates: same X25519 and Ed25519 keys, a new X-Wing key,
    // kept through the identity file.
    let rotated = old.with_new_post_quantum_key().unwrap();
    let rotated = Identity::from_json(&rotated.to_json()).unwrap();
    let card = Card::from_json(&rotated.card().to_json()).unwrap();
    assert!(card.has_post_quantum_key());
    assert_eq!(card.x25519_public(), old.card().x25519_public());
    assert!(card.to_json().contains("\"version\": 2"));
    let opened = open(&old_parcel, &rotated, &[sender.card()], NOW).unwrap();
    assert_eq!(opened.payload, b"harvest now, decrypt never");
    // New parcels for the new card are post-quantum; the old identity,
    // which has no X-Wing key, cannot open them.
    let new_parcel = seal(&sender, &[card], Protection::Auto).unwrap();
    assert_eq!(suite_of(&new_parcel), SUITE_XWING_CHACHA20POLY1305_ED25519);
    assert!(open(&new_parcel, &rotated, &[sender.card()], NOW).is_ok());
    assert!(matches!(
        open(&new_parcel, &old, &[sender.card()], NOW),
        Err(OpenError::NoPostQuantumKey)
    ));
    // A second rotation replaces the X-Wing key: parcels for the first
    // X-Wing key then need the identity that holds it.
    let again = rotated.with_new_post_quantum_key().unwrap();
    assert_ne!(again.post_quantum_key_id(), rotated.post_quantum_key_id());
    assert!(matches!(
        open(&new_parcel, &again, &[sender.card()], NOW),
        Err(OpenError::NotRecipient { .. })
    ));
    assert!(open(&old_parcel, &again, &[sender.card()], NOW).is_ok());
}

#[test]
fn a_stanza_of_the_other_suite_is_refused_where_it_stands() {
    let sender = identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    for (protection, foreign) in [
        (
            Protection::PostQuantum,
            Stanza::X25519 {
                key_id: Some(bob.encryption_key_id()),
                ephemeral: [9; 32],
                wrapped: [1; 48],
            },
        ),
        (
            Protection::Classical,
            Stanza::XWing {
                key_id: bob.post_quantum_key_id(),
                ciphertext: Box::new([2; 1120]),
                wrapped: [1; 48],
            },
        ),
    ] {
        let sealed = seal(&sender, &[bob.card()], protection).unwrap();
        let mut parts = spec::split(&sealed);
        parts.header.layers[0].stanzas.insert(0, foreign.clone());
        let bytes = spec::join(&parts);
        let stanza_at = {
            let mut core = Vec::new();
            format::write_core(&parts.header.core, &mut core);
            core.len() as u64 + 1 + 32 + 32 + 2
        };
        match open(&bytes, &bob, &[sender.card()], NOW) {
            Err(OpenError::StanzaSuiteMismatch {
                offset,
                stanza_type,
                suite,
            }) => {
                assert_eq!(offset, stanza_at);
                assert_eq!(suite, parts.header.core.suite);
                assert_eq!(stanza_type, if suite == 3 { 1 } else { 3 });
            }
            other => panic!("{other:?}"),
        }
        assert!(inspect(&bytes).is_err());
        assert!(StreamOpener::new(bytes.as_slice(), &bob, &[sender.card()], NOW).is_err());
    }
}

#[test]
fn any_change_to_an_x_wing_ciphertext_is_refused_opaquely() {
    let sender = identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let sealed = seal(&sender, &[bob.card()], Protection::PostQuantum).unwrap();
    let parts = spec::split(&sealed);
    // Every position class: the ML-KEM part, its last byte, the X25519
    // share (replaced by another valid point), the wrapped key. The header
    // is signed again by the sender, so only the stanza can refuse it.
    let other_share = identity("XX", 9).card().x25519_public();
    for change in 0..4 {
        let mut p = spec::split(&sealed);
        let Stanza::XWing {
            ciphertext,
            wrapped,
            ..
        } = &mut p.header.layers[0].stanzas[0]
        else {
            panic!()
        };
        match change {
            0 => ciphertext[0] ^= 1,
            1 => ciphertext[1087] ^= 0x80,
            2 => ciphertext[1088..].copy_from_slice(&other_share),
            _ => wrapped[0] ^= 1,
        }
        spec::sign_as_is(&mut p, [1 ^ 0x80; 32]);
        assert!(
            matches!(
                open(&spec::join(&p), &bob, &[sender.card()], NOW),
                Err(OpenError::CannotOpen)
            ),
            "change {change}"
        );
    }
    assert!(open(&spec::join(&parts), &bob, &[sender.card()], NOW).is_ok());
}

#[test]
fn rewrap_and_rekey_keep_a_post_quantum_envelope_post_quantum() {
    let sender = identity("FR-A", 1);
    let bob = pq_identity("DE-B", 2);
    let carol = pq_identity("NL-C", 3);
    let classical = identity("BE-D", 4);
    let sealed = seal(&sender, &[bob.card()], Protection::PostQuantum).unwrap();
    let trusted = [sender.card(), bob.card()];
    let added = rewrap(
        &sealed,
        &bob,
        &trusted,
        NOW,
        RecipientChange::Add(&[carol.card()]),
    )
    .unwrap();
    assert_eq!(suite_of(&added), SUITE_XWING_CHACHA20POLY1305_ED25519);
    let opened = open(&added, &carol, &trusted, NOW).unwrap();
    assert_eq!(opened.history.len(), 2);
    assert_eq!(opened.recipients[1].key_id, carol.post_quantum_key_id());
    assert!(matches!(
        rewrap(
            &sealed,
            &bob,
            &trusted,
            NOW,
            RecipientChange::Add(&[classical.card()])
        ),
        Err(SealError::NoPostQuantumKey { .. })
    ));
    assert!(matches!(
        rekey(&sealed, &bob, &trusted, NOW, &[classical.card()]),
        Err(SealError::NoPostQuantumKey { .. })
    ));
    let rekeyed = rekey(&sealed, &bob, &trusted, NOW, &[carol.card()]).unwrap();
    assert_eq!(suite_of(&rekeyed), SUITE_XWING_CHACHA20POLY1305_ED25519);
    // A classical envelope rewrapped for a post-quantum card stays
    // classical: its X25519 stanza for the new card.
    let old = seal(&sender, &[bob.card()], Protection::Classical).unwrap();
    let forwarded = rewrap(
        &old,
        &bob,
        &trusted,
        NOW,
        RecipientChange::Replace(&[carol.card()]),
    )
    .unwrap();
    assert_eq!(suite_of(&forwarded), SUITE_X25519_CHACHA20POLY1305_ED25519);
    assert!(open(&forwarded, &carol, &trusted, NOW).is_ok());
}

#[test]
fn too_many_post_quantum_recipients_for_the_header_are_refused_before_any_wrap() {
    let sender = identity("FR-A", 1);
    let base = identity("DE-B", 2);
    // Each X-Wing stanza takes 1179 bytes: 890 of them pass 1 MiB.
    let cards: Vec<Card> = (0..890u32)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            base.with_post_quantum_secret_bytes(&seed).unwrap().card()
        })
        .collect();
    match seal(&sender, &cards, Protection::PostQuantum) {
        Err(SealError::HeaderTooLarge { len, max }) => assert!(len > max, "{len} {max}"),
        other => panic!("{other:?}"),
    }
    assert!(seal(&sender, &cards[..880], Protection::PostQuantum).is_ok());
}

/// The bounds that section 5.3.1 states: with an empty label, 889 named
/// X-Wing stanzas fit in the 1 MiB header for a classical sender and 884
/// for a hybrid one (whose layer carries its ML-DSA-65 key and a longer
/// header signature); one more is refused.
#[test]
fn the_header_holds_889_x_wing_stanzas_for_a_classical_sender_and_884_for_a_hybrid_one() {
    let classical = identity("FR-A", 1);
    let hybrid = identity("FR-H", 4)
        .with_post_quantum_secret_bytes(&[4; 32])
        .unwrap()
        .with_post_quantum_signing_secret_bytes(&[5; 32])
        .unwrap();
    let base = identity("DE-B", 2);
    let cards: Vec<Card> = (0..890u32)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            base.with_post_quantum_secret_bytes(&seed).unwrap().card()
        })
        .collect();
    let seal = |sender: &Identity, n: usize| {
        Sealer::new(sender)
            .recipients(&cards[..n])
            .protection(Protection::PostQuantum)
            .at(NOW)
            .seal(b"")
    };
    for (sender, most) in [(&classical, 889), (&hybrid, 884)] {
        match seal(sender, most + 1) {
            Err(SealError::HeaderTooLarge { len, max }) => {
                assert_eq!(max, 1 << 20);
                assert!(len > max, "{len}");
            }
            other => panic!("{most}: {other:?}"),
        }
        let sealed = seal(sender, most).unwrap();
        let (header, len) = format::read_header(sealed.as_slice()).unwrap();
        assert!(len <= 1 << 20, "{len}");
        assert_eq!(header.layers[0].stanzas.len(), most);
        assert_eq!(header.layers[0].is_hybrid(), most == 884);
    }
}

#[test]
fn key_files_name_the_post_quantum_fields_and_debug_shows_no_secret() {
    let bob = pq_identity("DE-B", 2);
    let text = bob.to_json();
    assert!(text.contains("\"version\": 2"));
    assert!(text.contains("xwing_secret"));
    let debug = format!("{bob:?}");
    assert!(!debug.contains(&hex::encode([2 ^ 0x40; 32])));
    assert!(debug.contains(&bob.post_quantum_key_id().unwrap().to_string()));
    // A version 1 identity file with an X-Wing secret, or a version 2 one
    // without it, is refused at the field.
    let v1 = text.replace("\"version\": 2", "\"version\": 1");
    let err = Identity::from_json(&v1).unwrap_err().to_string();
    assert!(err.contains("/xwing_secret"), "{err}");
    let classical = identity("DE-B", 2).to_json();
    let v2 = classical.replace("\"version\": 1", "\"version\": 2");
    let err = Identity::from_json(&v2).unwrap_err().to_string();
    assert!(err.contains("/xwing_secret"), "{err}");
    // The card: null is not a key.
    let card = bob.card().to_json();
    let value: serde_json::Value = serde_json::from_str(&card).unwrap();
    let mut nulled = value.clone();
    nulled["xwing_public"] = serde_json::Value::Null;
    assert!(Card::from_json(&nulled.to_string()).is_err());
    let mut no_id = value;
    no_id.as_object_mut().unwrap().remove("xwing_key_id");
    let err = Card::from_json(&no_id.to_string()).unwrap_err().to_string();
    assert!(err.contains("/xwing_key_id"), "{err}");
}

#[test]
fn the_reference_implementation_matches_the_drafts_vectors() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xwing/test-vectors.json"),
    )
    .unwrap();
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors.len(), 3);
    for v in &vectors {
        let field = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
        let seed: [u8; 32] = field("seed").try_into().unwrap();
        assert_eq!(spec::xwing_public_of(seed), field("pk"));
        // The library's card for the same seed carries the same key.
        let card = identity("DE-B", 2)
            .with_post_quantum_secret_bytes(&seed)
            .unwrap()
            .card();
        assert_eq!(card.post_quantum_public().unwrap(), field("pk").as_slice());
    }
}

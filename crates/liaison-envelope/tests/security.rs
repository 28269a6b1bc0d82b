//! The security properties of the envelope, each with a test that fails
//! without the property. An adversary holding keys is played with the
//! independent implementation in `common/reference.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::reference::{self as spec, Parts};
use common::{NOW, identity, pq_identity};
use liaison_envelope::format::Stanza;
use std::io::Read as _;

use liaison_envelope::{
    Card, Identity, OpenError, RecipientChange, Sealer, StreamOpener, open, open_spooled, rewrap,
};
use proptest::prelude::*;

fn sender() -> Identity {
    identity("FR-A", 1)
}

fn bob() -> Identity {
    identity("DE-B", 2)
}

fn carol() -> Identity {
    identity("IT-C", 3)
}

/// A trusted third sender, used as an adversary that can sign.
fn mallory() -> Identity {
    identity("XX-M", 4)
}

/// The Ed25519 seeds of the sender and of Mallory.
const SENDER_SEED: [u8; 32] = [0x80 ^ 1; 32];
const MALLORY_SEED: [u8; 32] = [0x80 ^ 4; 32];

fn trusted() -> Vec<Card> {
    vec![sender().card(), mallory().card(), bob().card()]
}

fn seal_small(payload: &[u8], label: &[u8], to: &[&Identity], anonymous: bool) -> Vec<u8> {
    let cards: Vec<_> = to.iter().map(|i| i.card()).collect();
    Sealer::new(&sender())
        .recipients(&cards)
        .label(label)
        .anonymous(anonymous)
        .at(NOW)
        .seal(payload)
        .unwrap()
}

/// Every rejection of a damaged envelope must be one of these; the
/// cryptographic ones are all the single opaque variant.
fn assert_rejected(result: Result<liaison_envelope::Opened, OpenError>, what: &str) {
    match result {
        Err(
            OpenError::CannotOpen
            | OpenError::Malformed { .. }
            | OpenError::NotAnEnvelope
            | OpenError::UnsupportedVersion { .. }
            | OpenError::UnsupportedSuite { .. }
            | OpenError::NotRecipient { .. }
            | OpenError::StanzaSuiteMismatch { .. }
            | OpenError::NoPostQuantumKey
            | OpenError::UntrustedSender { .. },
        ) => {}
        Err(other) => panic!("{what}: unexpected error {other}"),
        Ok(_) => panic!("{what}: a damaged envelope opened"),
    }
}

// Property 1: any single changed bit, any truncation or extension.

#[test]
fn every_single_bit_flip_is_rejected_exhaustively() {
    let b = bob();
    let c = carol();
    // Post-quantum (suite 0x0003, X-Wing stanzas): the same property.
    let pq = pq_identity("DE-B", 2);
    let trusted = trusted();
    for (name, envelope, reader) in [
        ("one recipient", seal_small(b"hi", b"L", &[&b], false), &b),
        ("two anonymous", seal_small(b"", b"", &[&b, &c], true), &b),
        ("post-quantum", seal_small(b"pq", b"L", &[&pq], false), &pq),
    ] {
        assert!(open(&envelope, reader, &trusted, NOW).is_ok());
        for bit in 0..envelope.len() * 8 {
            let mut damaged = envelope.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert_rejected(
                open(&damaged, reader, &trusted, NOW),
                &format!("{name}, bit {bit}"),
            );
        }
    }
}

#[test]
fn every_truncation_and_extension_is_rejected() {
    let b = bob();
    let trusted = trusted();
    let envelope = seal_small(&[9u8; 100], b"LABEL", &[&b], false);
    for len in 0..envelope.len() {
        assert_rejected(
            open(&envelope[..len], &b, &trusted, NOW),
            &format!("cut at {len}"),
        );
    }
    for extra in [&[0u8][..], &[0u8; 16], &[0xffu8; 64], &envelope[..64]] {
        let mut longer = envelope.clone();
        longer.extend_from_slice(extra);
        assert_rejected(open(&longer, &b, &trusted, NOW), "extended");
    }
}

#[test]
fn truncation_at_a_chunk_boundary_is_rejected() {
    // Drop the last chunk of a three-chunk envelope and re-sign as a trusted
    // party: the last-chunk flag makes the second chunk fail.
    let b = bob();
    let envelope = seal_small(&vec![1u8; 2 * spec::CHUNK + 10], b"", &[&b], false);
    let mut parts = spec::split(&envelope);
    parts.chunks.truncate(2 * spec::SEALED_CHUNK);
    spec::sign_as_is(&mut parts, [0x80 ^ 1; 32]);
    assert!(matches!(
        open(&spec::join(&parts), &b, &trusted(), NOW),
        Err(OpenError::CannotOpen)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_bit_flips_are_rejected(
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        label in proptest::collection::vec(any::<u8>(), 0..20),
        anonymous: bool,
        position in any::<proptest::sample::Index>(),
        bit in 0u8..8,
    ) {
        let b = bob();
        let envelope = seal_small(&payload, &label, &[&b, &carol()], anonymous);
        let mut damaged = envelope.clone();
        let i = position.index(envelope.len());
        damaged[i] ^= 1 << bit;
        prop_assert!(open(&damaged, &b, &trusted(), NOW).is_err());
    }
}

// Property 2: a non-recipient learns nothing; stanzas cannot be moved.

#[test]
fn a_non_recipient_cannot_open() {
    let envelope = seal_small(b"secret", b"L", &[&bob()], false);
    let m = mallory();
    assert!(matches!(
        open(&envelope, &m, &trusted(), NOW),
        Err(OpenError::NotRecipient { .. })
    ));
    let anonymous = seal_small(b"secret", b"L", &[&bob()], true);
    assert!(matches!(
        open(&anonymous, &m, &trusted(), NOW),
        Err(OpenError::NotRecipient { .. })
    ));
    // The payload does not appear in clear.
    assert!(!envelope.windows(6).any(|w| w == b"secret"));
}

#[test]
fn a_stanza_cannot_be_moved_to_another_envelope() {
    let b = bob();
    let first = spec::split(&seal_small(b"first", b"L", &[&b], false));
    // A trusted sender seals something else for Bob, then swaps in Bob's
    // stanza from the first envelope and signs the result.
    let second = Sealer::new(&mallory())
        .recipient(&b.card())
        .label(b"L")
        .at(NOW)
        .seal(b"second")
        .unwrap();
    let mut parts = spec::split(&second);
    parts.header.layers[0].stanzas[0] = first.header.layers[0].stanzas[0].clone();
    spec::sign_as_is(&mut parts, [0x80 ^ 4; 32]);
    assert!(matches!(
        open(&spec::join(&parts), &b, &trusted(), NOW),
        Err(OpenError::CannotOpen)
    ));
}

// Property 3: labels cannot be stripped, changed or moved.

#[test]
fn a_label_cannot_be_stripped_changed_or_moved() {
    let b = bob();
    let envelope = seal_small(b"payload", b"SECRET", &[&b], false);
    for new_label in [&b""[..], b"PUBLIC", b"SECRET "] {
        let mut parts = spec::split(&envelope);
        parts.header.core.label = new_label.to_vec();
        // As is (the signature breaks) and re-signed by a trusted party (the
        // stanza and chunks are bound to the label).
        assert!(open(&spec::join(&parts), &b, &trusted(), NOW).is_err());
        spec::sign_as_is(&mut parts, SENDER_SEED);
        assert!(matches!(
            open(&spec::join(&parts), &b, &trusted(), NOW),
            Err(OpenError::CannotOpen)
        ));
    }
    // Moving a label: the label of another envelope with the same key
    // material is not possible either, as the core digest differs.
    let other = spec::split(&seal_small(b"payload", b"PUBLIC", &[&b], false));
    let mut parts = spec::split(&envelope);
    parts.header.core = other.header.core.clone();
    assert!(open(&spec::join(&parts), &b, &trusted(), NOW).is_err());
}

// Property 4: the sender is authenticated, even against recipients.

#[test]
fn a_recipient_cannot_forge_the_payload_for_other_recipients() {
    let b = bob();
    let c = carol();
    let envelope = seal_small(b"the true report", b"L", &[&b, &c], false);
    let mut parts = spec::split(&envelope);
    // Bob unwraps the data key and encrypts his own payload under it,
    // keeping the sender's header and signature.
    let data_key = spec::unwrap_data_key(&parts.header, [2; 32]);
    let key = spec::payload_key(&data_key, &parts.header.core.payload_salt);
    assert_eq!(
        spec::open_chunks(&key, &parts.header.core, &parts.chunks),
        b"the true report"
    );
    parts.chunks = spec::seal_chunks(&key, &parts.header.core, b"a forged report");
    // Every chunk authenticates under the data key; only the signature over
    // the content digest stops it.
    assert_eq!(
        spec::open_chunks(&key, &parts.header.core, &parts.chunks),
        b"a forged report"
    );
    assert!(matches!(
        open(&spec::join(&parts), &c, &[sender().card()], NOW),
        Err(OpenError::CannotOpen)
    ));
}

#[test]
fn no_one_without_the_signing_key_can_claim_the_sender() {
    let b = bob();
    // Mallory seals, then names the sender's key id as signer.
    let forged = Sealer::new(&mallory())
        .recipient(&b.card())
        .at(NOW)
        .seal(b"x")
        .unwrap();
    let mut parts = spec::split(&forged);
    parts.header.core.sender = sender().card().ed25519_public();
    parts.header.layers[0].signer = sender().card().ed25519_public();
    assert!(matches!(
        open(&spec::join(&parts), &b, &[sender().card()], NOW),
        Err(OpenError::CannotOpen)
    ));
}

#[test]
fn the_key_commitment_is_checked() {
    // A trusted sender gives two recipients different data keys for the same
    // ciphertext; the commitment in the signed core stops the second one.
    let b = bob();
    let c = carol();
    let envelope = Sealer::new(&mallory())
        .recipients(&[b.card(), c.card()])
        .at(NOW)
        .seal(b"x")
        .unwrap();
    let mut parts = spec::split(&envelope);
    let Stanza::X25519 { key_id, .. } = parts.header.layers[0].stanzas[1].clone() else {
        panic!("Carol's stanza is an X25519 stanza")
    };
    let other_key = [0x42u8; 32];
    // Re-wrap another data key for Carol with a fresh ephemeral key.
    let eph_secret = x25519_dalek::StaticSecret::from([0x33; 32]);
    let eph = x25519_dalek::PublicKey::from(&eph_secret);
    let carol_public = x25519_dalek::PublicKey::from(c.card().x25519_public());
    let shared = eph_secret.diffie_hellman(&carol_public);
    let wrap_key = spec::wrap_key(shared.as_bytes(), eph.as_bytes(), carol_public.as_bytes());
    let aad = spec::wrap_aad(&parts.header.core, key_id.map(|k| k.to_bytes()));
    parts.header.layers[0].stanzas[1] = Stanza::X25519 {
        key_id,
        ephemeral: eph.to_bytes(),
        wrapped: spec::wrap_with(&wrap_key, &aad, &other_key),
    };
    spec::sign_as_is(&mut parts, [0x80 ^ 4; 32]);
    let envelope = spec::join(&parts);
    assert!(open(&envelope, &b, &trusted(), NOW).is_ok());
    // Carol's key decrypts nothing here; but even chunks encrypted under
    // her key, all signed, are refused: only the commitment tells.
    let carol_payload_key = spec::payload_key(&other_key, &parts.header.core.payload_salt);
    parts.chunks = spec::seal_chunks(&carol_payload_key, &parts.header.core, b"for Carol");
    spec::sign_as_is(&mut parts, [0x80 ^ 4; 32]);
    let envelope = spec::join(&parts);
    assert!(matches!(
        open(&envelope, &c, &trusted(), NOW),
        Err(OpenError::CannotOpen)
    ));
}

// Property 5: a forwarded envelope names the original recipients.

#[test]
fn a_forwarded_envelope_shows_the_original_recipients() {
    let a = sender();
    let b = bob();
    let c = carol();
    let envelope = seal_small(b"report", b"L", &[&b], false);
    // Forwarding as is does not work: Carol is not a recipient.
    assert!(matches!(
        open(&envelope, &c, &trusted(), NOW),
        Err(OpenError::NotRecipient { .. })
    ));
    let forwarded = rewrap(
        &envelope,
        &b,
        &trusted(),
        NOW,
        RecipientChange::Replace(&[c.card()]),
    )
    .unwrap();
    let opened = open(&forwarded, &c, &trusted(), NOW).unwrap();
    assert_eq!(opened.payload, b"report");
    assert_eq!(opened.sender, a.card());
    assert_eq!(opened.history.len(), 2);
    assert_eq!(opened.history[0].signer, a.card());
    assert_eq!(
        opened.history[0].recipients[0].key_id,
        Some(b.encryption_key_id())
    );
    assert_eq!(opened.history[1].signer, b.card());
    assert_eq!(opened.recipients[0].key_id, Some(c.encryption_key_id()));
    // The forwarder must be trusted too, and the original sender's layer
    // cannot be dropped or altered.
    assert!(matches!(
        open(&forwarded, &c, &[a.card(), c.card()], NOW),
        Err(OpenError::UntrustedSender { .. })
    ));
    let mut parts = spec::split(&forwarded);
    parts.header.layers[0].stanzas.clear();
    let moved = parts.header.layers[1].stanzas[0].clone();
    parts.header.layers[0].stanzas.push(moved);
    assert!(open(&spec::join(&parts), &c, &trusted(), NOW).is_err());
    // Bob no longer opens the replaced envelope.
    assert!(matches!(
        open(&forwarded, &b, &trusted(), NOW),
        Err(OpenError::NotRecipient { .. })
    ));
}

// Property 6: low-order points and zero shared secrets.

/// The points of small order on Curve25519, with their non-canonical
/// encodings (see the file's header).
fn low_order_points() -> Vec<[u8; 32]> {
    include_str!("low_order_points.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| hex::decode(l).unwrap().try_into().unwrap())
        .collect()
}

#[test]
fn low_order_points_are_rejected_as_card_keys_and_ephemeral_keys() {
    let b = bob();
    let card = b.card();
    let envelope = seal_small(b"x", b"", &[&b], false);
    let points = low_order_points();
    assert_eq!(points.len(), 14);
    for point in points {
        let hex_point = hex::encode(point);
        assert!(
            Card::from_public_keys(
                "X",
                point,
                card.ed25519_public(),
                card.not_before(),
                card.not_after()
            )
            .is_err(),
            "{hex_point} accepted as a card key"
        );
        // A trusted sender writes a stanza whose ephemeral key is low order:
        // the shared secret is then all zero, so anyone can compute the wrap
        // key. Bob must refuse it.
        let mut parts: Parts = spec::split(&envelope);
        let data_key = spec::unwrap_data_key(&parts.header, [2; 32]);
        let aad = spec::wrap_aad(&parts.header.core, Some(b.encryption_key_id().to_bytes()));
        let zero_key = spec::wrap_key(&[0; 32], &point, &card.x25519_public());
        parts.header.layers[0].stanzas[0] = Stanza::X25519 {
            key_id: Some(b.encryption_key_id()),
            ephemeral: point,
            wrapped: spec::wrap_with(&zero_key, &aad, &data_key),
        };
        spec::sign_as_is(&mut parts, SENDER_SEED);
        assert!(
            matches!(
                open(&spec::join(&parts), &b, &trusted(), NOW),
                Err(OpenError::CannotOpen)
            ),
            "{hex_point} accepted as an ephemeral key"
        );
    }
}

// Property 7 and secrets: opaque failures, no secret in Debug.

#[test]
fn cryptographic_failures_are_opaque() {
    let b = bob();
    let envelope = seal_small(b"x", b"L", &[&b], false);
    let mut messages = std::collections::BTreeSet::new();
    for i in [envelope.len() - 1, envelope.len() - 70, 60] {
        let mut damaged = envelope.clone();
        damaged[i] ^= 1;
        if let Err(e @ OpenError::CannotOpen) = open(&damaged, &b, &trusted(), NOW) {
            messages.insert(e.to_string());
        }
    }
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        messages.first().unwrap(),
        "the envelope cannot be opened: authentication failed"
    );
}

#[test]
fn debug_never_shows_secret_key_bytes() {
    let id = identity("FR-A", 0x5a);
    let debug = format!("{id:?} {:#?}", id);
    let secrets = [[0x5au8; 32], [0x5a ^ 0x80; 32]];
    for s in secrets {
        assert!(!debug.contains(&hex::encode(s)));
        assert!(!debug.contains(&format!("{s:?}")));
        assert!(!debug.contains(&hex::encode(&s[..4])), "{debug}");
        assert!(
            !debug.contains(&format!("{}, {}, {}", s[0], s[1], s[2])),
            "{debug}"
        );
    }
}

#[test]
fn a_sealer_never_shows_its_seed() {
    let id = identity("FR-A", 0x5a);
    let seed = [0xc3u8; 32];
    let sealer = Sealer::new(&id)
        .recipient(&bob().card())
        .deterministic(seed);
    let debug = format!("{sealer:?} {sealer:#?}");
    assert!(debug.contains("deterministic: true"), "{debug}");
    assert!(!debug.contains(&hex::encode(&seed[..4])), "{debug}");
    assert!(!debug.contains("195, 195"), "{debug}");
    assert!(!debug.contains(&format!("{seed:?}")), "{debug}");
}

#[test]
fn the_library_matches_the_spec_derivations() {
    let b = bob();
    let payload: Vec<u8> = (0..(spec::CHUNK + 300)).map(|i| i as u8).collect();
    let envelope = seal_small(&payload, b"LBL", &[&b, &carol()], false);
    let parts = spec::split(&envelope);
    let data_key = spec::unwrap_data_key(&parts.header, [2; 32]);
    assert_eq!(
        spec::key_commitment(
            &data_key,
            &parts.header.core.payload_salt,
            &parts.header.core.sender
        ),
        parts.header.core.key_commitment
    );
    let key = spec::payload_key(&data_key, &parts.header.core.payload_salt);
    assert_eq!(
        spec::open_chunks(&key, &parts.header.core, &parts.chunks),
        payload
    );
    let msg = spec::transcript(&parts.header, 0, &spec::content_digest(&parts.chunks));
    let sig = ed25519_dalek::Signature::from_bytes(&parts.signature.ed25519);
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&sender().card().ed25519_public()).unwrap();
    vk.verify_strict(&msg, &sig).unwrap();
    let header_sig =
        ed25519_dalek::Signature::from_bytes(&parts.header.header_signatures[0].ed25519);
    vk.verify_strict(&spec::header_transcript(&parts.header, 0), &header_sig)
        .unwrap();
    assert_eq!(parts.header.core.sender, sender().card().ed25519_public());
}

// Format 2: the sender is bound into the key schedule.

#[test]
fn a_trusted_third_party_cannot_re_sign_an_envelope_as_its_own() {
    let b = bob();
    let envelope = seal_small(b"the sender's report", b"SECRET", &[&b], false);
    // Mallory, trusted by Bob but not a recipient, strips the sender's
    // signatures and signs the header and content digest herself.
    let mut as_is = spec::split(&envelope);
    as_is.header.layers[0].signer = mallory().card().ed25519_public();
    spec::sign_as_is(&mut as_is, MALLORY_SEED);
    assert!(matches!(
        open(&spec::join(&as_is), &b, &trusted(), NOW),
        Err(OpenError::Malformed { .. })
    ));
    // Naming herself in the core as well changes the core digest, so the
    // stanza no longer unwraps (and the key commitment no longer matches).
    let mut renamed = spec::split(&envelope);
    renamed.header.core.sender = mallory().card().ed25519_public();
    renamed.header.layers[0].signer = mallory().card().ed25519_public();
    spec::sign_as_is(&mut renamed, MALLORY_SEED);
    let renamed = spec::join(&renamed);
    assert!(matches!(
        open(&renamed, &b, &trusted(), NOW),
        Err(OpenError::CannotOpen)
    ));
    assert!(StreamOpener::new(renamed.as_slice(), &b, &trusted(), NOW).is_err());
    assert!(
        rewrap(
            &renamed,
            &b,
            &trusted(),
            NOW,
            RecipientChange::Add(&[carol().card()])
        )
        .is_err()
    );
}

#[test]
fn no_plaintext_is_released_before_the_sender_is_proven() {
    // An outsider who holds Bob's public card builds an envelope that names
    // the trusted sender, with a data key of its own and chosen content.
    let b = bob();
    let outsider = identity("ZZ-O", 9);
    let payload = vec![0x41u8; 3 * spec::CHUNK];
    let own = Sealer::new(&outsider)
        .recipient(&b.card())
        .at(NOW)
        .seal(&payload)
        .unwrap();
    let mut parts = spec::split(&own);
    let data_key = spec::unwrap_data_key(&parts.header, [2; 32]);
    parts.header.core.sender = sender().card().ed25519_public();
    parts.header.layers[0].signer = sender().card().ed25519_public();
    parts.header.core.key_commitment = spec::key_commitment(
        &data_key,
        &parts.header.core.payload_salt,
        &parts.header.core.sender,
    );
    let eph = x25519_dalek::StaticSecret::from([0x21; 32]);
    let eph_pub = x25519_dalek::PublicKey::from(&eph);
    let bob_public = x25519_dalek::PublicKey::from(b.card().x25519_public());
    let shared = eph.diffie_hellman(&bob_public);
    let wk = spec::wrap_key(shared.as_bytes(), eph_pub.as_bytes(), bob_public.as_bytes());
    let kid = b.encryption_key_id();
    let aad = spec::wrap_aad(&parts.header.core, Some(kid.to_bytes()));
    parts.header.layers[0].stanzas[0] = Stanza::X25519 {
        key_id: Some(kid),
        ephemeral: eph_pub.to_bytes(),
        wrapped: spec::wrap_with(&wk, &aad, &data_key),
    };
    let key = spec::payload_key(&data_key, &parts.header.core.payload_salt);
    parts.chunks = spec::seal_chunks(&key, &parts.header.core, &payload);
    // Every chunk authenticates under that data key; the header signature
    // is the outsider's, not the sender's.
    spec::sign_as_is(&mut parts, [9 ^ 0x80; 32]);
    let forged = spec::join(&parts);
    assert_eq!(
        spec::open_chunks(&key, &parts.header.core, &parts.chunks),
        payload
    );
    match StreamOpener::new(forged.as_slice(), &b, &[sender().card()], NOW) {
        Err(OpenError::CannotOpen) => {}
        Err(other) => panic!("unexpected error {other}"),
        Ok(mut opener) => {
            let mut first = vec![0u8; 1024];
            let n = opener.read(&mut first).unwrap_or(0);
            panic!("the opener accepted the header and released {n} bytes");
        }
    }
}

#[test]
fn the_spooled_opener_writes_nothing_unless_everything_verified() {
    let b = bob();
    let c = carol();
    let payload: Vec<u8> = (0..(3 * spec::CHUNK + 17))
        .map(|i| (i % 251) as u8)
        .collect();
    let envelope = seal_small(&payload, b"L", &[&b, &c], false);
    let mut out = Vec::new();
    let mut spool = std::io::Cursor::new(Vec::new());
    let opened = open_spooled(
        envelope.as_slice(),
        &b,
        &trusted(),
        NOW,
        &mut spool,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, payload);
    assert_eq!(opened.sender, sender().card());
    // The spool holds no plaintext: no 64-byte run of the payload.
    let spooled = spool.into_inner();
    assert!(spooled.len() >= payload.len());
    assert!(!spooled.windows(64).any(|w| w == &payload[1000..1064]));
    // A co-recipient's forgery fails only at the final signature: nothing
    // has been written by then.
    let mut parts = spec::split(&envelope);
    let data_key = spec::unwrap_data_key(&parts.header, [3; 32]);
    let key = spec::payload_key(&data_key, &parts.header.core.payload_salt);
    parts.chunks = spec::seal_chunks(&key, &parts.header.core, &vec![0x42; 3 * spec::CHUNK]);
    let mut out = Vec::new();
    let result = open_spooled(
        spec::join(&parts).as_slice(),
        &b,
        &trusted(),
        NOW,
        std::io::Cursor::new(Vec::new()),
        &mut out,
    );
    assert!(matches!(result, Err(OpenError::CannotOpen)), "{result:?}");
    assert!(out.is_empty());
    // A spool altered while the envelope is verified is refused.
    let mut out = Vec::new();
    let result = open_spooled(
        envelope.as_slice(),
        &b,
        &trusted(),
        NOW,
        FlipOnRead(std::io::Cursor::new(Vec::new())),
        &mut out,
    );
    assert!(matches!(result, Err(OpenError::Spool(_))), "{result:?}");
}

/// A spool that flips one bit of what is read back.
struct FlipOnRead(std::io::Cursor<Vec<u8>>);

impl std::io::Read for FlipOnRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        if let Some(b) = buf.get_mut(n / 2) {
            *b ^= 1;
        }
        Ok(n)
    }
}

impl std::io::Write for FlipOnRead {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Seek for FlipOnRead {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

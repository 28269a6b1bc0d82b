//! The post-quantum vectors (suite 0x0003) of the generator in
//! `tests/vectors.rs`: the X-Wing stanzas, the rewrap and the search of a
//! post-quantum envelope.

use liaison_envelope::format::{self, Stanza};
use liaison_envelope::{Card, Protection, RecipientChange, Sealer, rewrap};

use super::spec;
use super::{Gen, card_file, ed25519_seed, xwing_seed};

/// The post-quantum vectors (suite 0x0003): successes reproducible from
/// their seed, a classical reader that moved to an X-Wing key, and the
/// failures of the X-Wing stanza.
pub(crate) fn vectors(g: &Gen, base: &[u8]) {
    let sender = ["sender"];
    let seal_pq = |payload: &[u8], to: &[&str], anonymous: bool, seed: u8| {
        let cards: Vec<Card> = to.iter().map(|n| card_file(n)).collect();
        Sealer::new(&g.id("sender"))
            .recipients(&cards)
            .label(b"SECRET")
            .anonymous(anonymous)
            .protection(Protection::PostQuantum)
            .at(g.at)
            .deterministic([seed; 32])
            .seal(payload)
            .unwrap()
    };
    let pq = seal_pq(b"post-quantum test vector", &["recipient_pq"], false, 0x31);
    g.success_as(
        "recipient_pq",
        "success_post_quantum",
        "5.3.1, 6",
        "suite 0x0003: one named X-Wing stanza",
        &pq,
        &sender,
        Some((&["recipient_pq"], false, 0x31)),
    );
    let two = seal_pq(b"for two", &["other_pq", "recipient_pq"], false, 0x32);
    g.success_as(
        "recipient_pq",
        "success_post_quantum_two_recipients",
        "5.3.1, 7.5",
        "two named X-Wing stanzas; the reader's is the second",
        &two,
        &sender,
        Some((&["other_pq", "recipient_pq"], false, 0x32)),
    );
    let anon = seal_pq(b"anonymous", &["other_pq", "recipient_pq"], true, 0x33);
    g.success_as("recipient_pq", "success_post_quantum_anonymous", "5.3.1, 7.5", "two anonymous X-Wing stanzas; the reader's is the second: every anonymous stanza is tried, the first decapsulating to an unrelated secret", &anon, &sender, Some((&["other_pq", "recipient_pq"], true, 0x33)));
    g.success_as("recipient_rotated", "success_rotated_reader", "3, 7.5", "a classical envelope sealed for the reader's classical card, opened by the same agency's identity after it gained an X-Wing key: it keeps its X25519 secret", base, &sender, Some((&["recipient"], false, 1)));

    // A classical stanza in a post-quantum envelope: for the reader's own
    // X25519 key, wrapping the real data key, first in the layer and signed
    // by the sender. Opening it would hand the data key to whoever breaks
    // X25519 later: refused at the stanza.
    let mut p = spec::split(&pq);
    let data_key = spec::unwrap_data_key_xwing(&p.header, xwing_seed("recipient_pq"));
    let reader = card_file("recipient_pq");
    let classical = spec::x25519_stanza(
        reader.x25519_public(),
        [0x21; 32],
        Some(reader.encryption_key_id().to_bytes()),
        &p.header.core,
        &data_key,
    );
    p.header.layers[0].stanzas.insert(0, classical);
    spec::sign_as_is(&mut p, ed25519_seed("sender"));
    g.fail_as("recipient_pq", "post_quantum_classical_stanza", "stanza suite mismatch", "7.2", "a post-quantum envelope with an X25519 stanza for the reader, wrapping the real data key, inserted first and signed by the sender: a downgrade, refused at the stanza", &spec::join(&p), &sender);
    // An X-Wing stanza in a classical envelope.
    let classical_env = Sealer::new(&g.id("sender"))
        .recipient(&reader)
        .label(b"SECRET")
        .protection(Protection::Classical)
        .at(g.at)
        .deterministic([0x34; 32])
        .seal(b"classical")
        .unwrap();
    let mut p = spec::split(&classical_env);
    let data_key = spec::unwrap_data_key(&p.header, [0x0c; 32]);
    let hybrid = spec::xwing_stanza(
        reader.post_quantum_public().unwrap(),
        [0x22; 64],
        Some(reader.post_quantum_key_id().unwrap().to_bytes()),
        &p.header.core,
        &data_key,
    );
    p.header.layers[0].stanzas.push(hybrid);
    spec::sign_as_is(&mut p, ed25519_seed("sender"));
    g.fail_as("recipient_pq", "classical_xwing_stanza", "stanza suite mismatch", "7.2", "a classical envelope with an X-Wing stanza for the reader appended, signed by the sender: the stanza types of one suite only", &spec::join(&p), &sender);
    // Lengths: the ML-KEM ciphertext one byte short, in a named and in an
    // anonymous stanza.
    let first_stanza = {
        let (header, _) = format::read_header(pq.as_slice()).unwrap();
        let mut core = Vec::new();
        format::write_core(&header.core, &mut core);
        core.len() + 1 + 32 + 32 + 2
    };
    for (name, envelope, len) in [
        ("malformed_xwing_ciphertext_length", &pq, 1176u16),
        (
            "malformed_xwing_anonymous_ciphertext_length",
            &anon,
            1168u16,
        ),
    ] {
        let mut b = envelope.clone();
        b[first_stanza + 1..first_stanza + 3].copy_from_slice(&(len - 1).to_be_bytes());
        let kem_at = first_stanza + 3 + if len == 1176 { 8 } else { 0 };
        b.remove(kem_at);
        let comment = format!(
            "an X-Wing stanza whose body is {} bytes, its ML-KEM-768 ciphertext one byte short (1087 bytes)",
            len - 1
        );
        g.fail_as(
            "recipient_pq",
            name,
            "malformed",
            "7.2",
            &comment,
            &b,
            &sender,
        );
    }
    // The X25519 share of the X-Wing ciphertext swapped for another valid
    // point (the sender's own X25519 key), signed by the sender: the
    // combiner and the wrap key bind the share, nothing unwraps.
    let mut p = spec::split(&pq);
    let Stanza::XWing { ciphertext, .. } = &mut p.header.layers[0].stanzas[0] else {
        panic!()
    };
    ciphertext[1088..].copy_from_slice(&card_file("sender").x25519_public());
    spec::sign_as_is(&mut p, ed25519_seed("sender"));
    g.fail_as("recipient_pq", "xwing_swapped_x25519_share", "cannot open", "7.5, 5.3.1", "the X25519 part of the X-Wing ciphertext replaced by another valid point, the header signed again by the sender", &spec::join(&p), &sender);
    let mut p = spec::split(&pq);
    let Stanza::XWing { ciphertext, .. } = &mut p.header.layers[0].stanzas[0] else {
        panic!()
    };
    ciphertext[0] ^= 1;
    spec::sign_as_is(&mut p, ed25519_seed("sender"));
    g.fail_as("recipient_pq", "xwing_mlkem_ciphertext_altered", "cannot open", "7.5, 5.3.1", "one bit of the ML-KEM-768 ciphertext flipped, signed again by the sender: decapsulation gives an unrelated secret (implicit rejection) and the wrapped key does not open", &spec::join(&p), &sender);
    // User-fixable: not a recipient, no X-Wing key.
    let not_mine = seal_pq(b"x", &["other_pq"], false, 0x35);
    g.fail_as(
        "recipient_pq",
        "not_a_recipient_post_quantum",
        "not a recipient",
        "7.5",
        "a post-quantum envelope for another agency only",
        &not_mine,
        &sender,
    );
    g.fail_as("recipient", "no_post_quantum_key", "no post-quantum key", "7.5", "a post-quantum envelope opened by an identity without an X-Wing key (version 1 identity file)", &pq, &sender);

    gaps(g, &pq, &anon);
}

/// The cases a second implementation found untested: a low-order X25519
/// share (accepted), the search among X-Wing stanzas, an unknown stanza
/// type, a rotated reader, and the rewrap of a post-quantum envelope.
fn gaps(g: &Gen, pq: &[u8], anon: &[u8]) {
    let sender = ["sender"];
    let reader = card_file("recipient_pq");
    let reader_id = reader.post_quantum_key_id().unwrap().to_bytes();
    let data_key = spec::unwrap_data_key_xwing(&spec::split(pq).header, xwing_seed("recipient_pq"));
    // The X25519 share of the X-Wing ciphertext a point of small order: the
    // X25519 shared secret is all-zero and known to the sender, and X-Wing
    // has no check against it (the ML-KEM-768 secret still protects the
    // data key), so the stanza opens.
    for (i, point) in [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    ]
    .iter()
    .enumerate()
    {
        let point: [u8; 32] = hex::decode(point).unwrap().try_into().unwrap();
        let mut p = spec::split(pq);
        p.header.layers[0].stanzas[0] = spec::xwing_stanza_low_order_share(
            reader.post_quantum_public().unwrap(),
            [0x23; 32],
            point,
            Some(reader_id),
            &p.header.core,
            &data_key,
        );
        spec::sign_as_is(&mut p, ed25519_seed("sender"));
        g.success_as("recipient_pq", &format!("success_xwing_low_order_x25519_share_{i}"), "5.3.1, 7.5", &format!("the X25519 share of the X-Wing ciphertext is {} (of small order), the data key wrapped under the combiner of the honest ML-KEM-768 secret and the all-zero X25519 secret, signed by the sender: accepted, as the X-Wing draft asks no check of it", hex::encode(point)), &spec::join(&p), &sender, None);
    }
    // A named X-Wing stanza for the reader's key id that does not open,
    // before the reader's real one.
    let mut p = spec::split(pq);
    p.header.layers[0].stanzas.insert(
        0,
        Stanza::XWing {
            key_id: Some(liaison_envelope::KeyId::from_bytes(reader_id)),
            ciphertext: Box::new([0x09; 1120]),
            wrapped: [0x55; 48],
        },
    );
    spec::sign_as_is(&mut p, ed25519_seed("sender"));
    g.success_as("recipient_pq", "success_post_quantum_colliding_key_id", "7.5", "a named X-Wing stanza for the reader's key id that does not unwrap (its decapsulation gives an unrelated secret), before the reader's real stanza: the search goes on", &spec::join(&p), &sender, None);
    // Two anonymous X-Wing stanzas, for other agencies only.
    let others = Sealer::new(&g.id("sender"))
        .recipients(&[card_file("other_pq"), card_file("recipient_rotated")])
        .label(b"SECRET")
        .anonymous(true)
        .protection(Protection::PostQuantum)
        .at(g.at)
        .deterministic([0x36; 32])
        .seal(b"not for the reader")
        .unwrap();
    g.fail_as("recipient_pq", "not_a_recipient_post_quantum_anonymous", "not a recipient", "7.5", "two anonymous X-Wing stanzas for other agencies: both are tried and fail, and anonymity hides whether one was meant for the reader", &others, &sender);
    // An unknown stanza type in suite 0x0003: kept and skipped.
    let mut p = spec::split(anon);
    p.header.layers[0].stanzas.insert(
        1,
        Stanza::Unknown {
            kind: 0x40,
            body: b"a future recipient type".to_vec(),
        },
    );
    spec::sign_as_is(&mut p, ed25519_seed("sender"));
    g.success_as("recipient_pq", "success_post_quantum_unknown_stanza", "4, 7.5", "an unknown stanza type (0x40) between two anonymous X-Wing stanzas: kept and skipped in suite 0x0003 too", &spec::join(&p), &sender, None);
    // A post-quantum envelope for the rotated card.
    let rotated = Sealer::new(&g.id("sender"))
        .recipient(&card_file("recipient_rotated"))
        .label(b"SECRET")
        .at(g.at)
        .deterministic([0x37; 32])
        .seal(b"for the rotated card")
        .unwrap();
    g.success_as("recipient_rotated", "success_post_quantum_rotated_reader", "3, 5.3.1", "a post-quantum envelope sealed for the card of an agency that gained an X-Wing key (its X25519 and Ed25519 keys unchanged), opened with its X-Wing key", &rotated, &sender, Some((&["recipient_rotated"], false, 0x37)));

    // Rewrap of a post-quantum envelope by an X-Wing holder that signs
    // classically.
    let for_other = Sealer::new(&g.id("sender"))
        .recipient(&card_file("other_pq"))
        .label(b"SECRET")
        .at(g.at)
        .deterministic([0x38; 32])
        .seal(b"forwarded post-quantum")
        .unwrap();
    let forwarded = rewrap(
        &for_other,
        &g.id("other_pq"),
        &[card_file("sender")],
        g.at,
        RecipientChange::Replace(&[card_file("recipient_pq")]),
    )
    .unwrap();
    let chain = ["sender", "other_pq"];
    g.success_as("recipient_pq", "success_post_quantum_rewrapped", "8", "a post-quantum envelope for `other_pq`, rewrapped by it for the reader: two layers of X-Wing stanzas", &forwarded, &chain, None);
    // An X25519 stanza in the later layer: the suite binds every layer.
    let mut p = spec::split(&forwarded);
    let core = p.header.core.clone();
    let stanza = spec::x25519_stanza(
        reader.x25519_public(),
        [0x24; 32],
        Some(reader.encryption_key_id().to_bytes()),
        &core,
        &spec::unwrap_data_key_xwing(&p.header, xwing_seed("recipient_pq")),
    );
    p.header.layers[1].stanzas.push(stanza);
    spec::sign_as_is(&mut p, ed25519_seed("other_pq"));
    g.fail_as("recipient_pq", "post_quantum_rewrap_classical_stanza", "stanza suite mismatch", "7.2", "the rewrapped post-quantum envelope with an X25519 stanza for the reader added to its second layer, signed again by the forwarder: refused at the stanza, in any layer", &spec::join(&p), &chain);
    // The forwarder's holder proof altered, signed again by it.
    let mut p = spec::split(&forwarded);
    p.header.layers[1].holder_proof[0] ^= 0x01;
    spec::sign_as_is(&mut p, ed25519_seed("other_pq"));
    g.fail_as("recipient_pq", "post_quantum_rewrap_holder_proof_bad", "cannot open", "7.6", "the rewrapped post-quantum envelope whose second layer's holder proof is altered, signed again by the forwarder", &spec::join(&p), &chain);
    // A trusted forwarder that is not a recipient copies the X-Wing stanzas
    // into a layer of its own: it cannot compute the holder proof.
    let mut p = spec::split(pq);
    let stanzas = p.header.layers[0].stanzas.clone();
    spec::append_layer(&mut p, ed25519_seed("forwarder"), stanzas, [0x5a; 32]);
    g.fail_as("recipient_pq", "post_quantum_forwarded_without_the_data_key", "cannot open", "7.6", "a trusted forwarder that is not a recipient appended a layer copying the X-Wing stanzas of a post-quantum envelope, with a holder proof it could not compute", &spec::join(&p), &["sender", "forwarder"]);
}

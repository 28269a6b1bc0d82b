//! The hybrid signature vectors of the generator in `tests/vectors.rs`:
//! layers signed with Ed25519 and ML-DSA-65 by `sender_pq` and
//! `forwarder_pq`, each half altered (the Ed25519 half also made
//! non-strict), the pair stripped to Ed25519 alone (in the first, the last
//! and a middle layer), another ML-DSA-65 key, and the structure of a
//! hybrid layer.

use liaison_envelope::format::{self, HYBRID_SIGNATURE_LEN};
use liaison_envelope::{Protection, RecipientChange, Sealer, rewrap};

use super::spec;
use super::{Gen, card_file, ed25519_seed, mldsa65_seed, s_plus_l, small_order_r_signature};

pub(crate) fn vectors(g: &Gen) {
    let trusted = ["sender_pq"];
    let seal = |to: &str, protection: Protection, seed: u8| {
        Sealer::new(&g.id("sender_pq"))
            .recipient(&card_file(to))
            .label(b"SECRET")
            .protection(protection)
            .at(g.at)
            .deterministic([seed; 32])
            .seal(b"signed with Ed25519 and ML-DSA-65")
            .unwrap()
    };
    let hybrid = seal("recipient_pq", Protection::PostQuantum, 0x41);
    g.success_as("recipient_pq", "success_hybrid_signature", "5.6, 6", "suite 0x0003 sealed by a hybrid signer: a hybrid layer (its ML-DSA-65 key after the stanza count, whose top bit is set), each signature Ed25519 then ML-DSA-65 over the same message", &hybrid, &trusted, Some((&["recipient_pq"], false, 0x41)));
    let classical_suite = seal("recipient", Protection::Classical, 0x42);
    g.success_as("recipient", "success_hybrid_signature_classical_suite", "5.6, 6", "suite 0x0002 (X25519 stanzas) sealed by a hybrid signer: its layer is hybrid in either suite", &classical_suite, &trusted, Some((&["recipient"], false, 0x42)));

    // Each half of each signature, one bit flipped.
    let (ed, mldsa) = (ed25519_seed("sender_pq"), mldsa65_seed("sender_pq"));
    // The reference signs as the library does: signing again gives the
    // same bytes.
    let mut p = spec::split(&hybrid);
    spec::sign_as_is_with(&mut p, ed, Some(mldsa));
    assert!(spec::join(&p) == hybrid);
    type Flip = fn(&mut spec::Parts);
    let flips: [(&str, &str, &str, Flip); 4] = [
        (
            "header_hybrid_signature_ed25519_bad",
            "7.4",
            "one bit of the Ed25519 half of the hybrid header signature flipped",
            |p| p.header.header_signatures[0].ed25519[9] ^= 0x02,
        ),
        (
            "header_hybrid_signature_mldsa_bad",
            "7.4",
            "one bit of the ML-DSA-65 half of the hybrid header signature flipped (its Ed25519 half intact)",
            |p| p.header.header_signatures[0].mldsa65.as_mut().unwrap()[1500] ^= 0x02,
        ),
        (
            "hybrid_signature_ed25519_bad",
            "7.8",
            "one bit of the Ed25519 half of the hybrid final signature flipped",
            |p| p.signature.ed25519[50] ^= 0x20,
        ),
        (
            "hybrid_signature_mldsa_bad",
            "7.8",
            "one bit of the ML-DSA-65 half of the hybrid final signature flipped (its Ed25519 half intact)",
            |p| p.signature.mldsa65.as_mut().unwrap()[2000] ^= 0x20,
        ),
    ];
    for (name, rule, comment, flip) in flips {
        let mut p = spec::split(&hybrid);
        flip(&mut p);
        g.fail_as(
            "recipient_pq",
            name,
            "cannot open",
            rule,
            comment,
            &spec::join(&p),
            &trusted,
        );
    }

    // The Ed25519 half not strict (2.1), the ML-DSA-65 half left valid:
    // both sign the message, which is unchanged, so only the strict
    // verification of the Ed25519 half refuses these.
    let header_msg = spec::header_transcript(&spec::split(&hybrid).header, 0);
    let final_msg = {
        let p = spec::split(&hybrid);
        spec::transcript(&p.header, 0, &spec::content_digest(&p.chunks))
    };
    type Strict = fn(&mut spec::Parts, &[u8], &[u8]);
    let not_strict: [(&str, &str, &str, Strict); 4] = [
        (
            "header_hybrid_signature_ed25519_not_strict",
            "7.4, 2.1, 2.2",
            "the Ed25519 half of the hybrid header signature made with a small-order R (it satisfies the cofactorless equation), the ML-DSA-65 half valid: both halves are verified, the Ed25519 one strictly",
            |p, header_msg, _| {
                p.header.header_signatures[0].ed25519 =
                    small_order_r_signature(ed25519_seed("sender_pq"), header_msg);
            },
        ),
        (
            "header_hybrid_signature_ed25519_s_plus_l",
            "7.4, 2.1, 2.2",
            "the S of the Ed25519 half of the hybrid header signature replaced by S + L, the ML-DSA-65 half valid",
            |p, _, _| s_plus_l(&mut p.header.header_signatures[0].ed25519),
        ),
        (
            "hybrid_signature_ed25519_not_strict",
            "7.8, 2.1, 2.2",
            "the Ed25519 half of the hybrid final signature made with a small-order R, the ML-DSA-65 half valid",
            |p, _, final_msg| {
                p.signature.ed25519 = small_order_r_signature(ed25519_seed("sender_pq"), final_msg);
            },
        ),
        (
            "hybrid_signature_ed25519_s_plus_l",
            "7.8, 2.1, 2.2",
            "the S of the Ed25519 half of the hybrid final signature replaced by S + L, the ML-DSA-65 half valid",
            |p, _, _| s_plus_l(&mut p.signature.ed25519),
        ),
    ];
    for (name, rule, comment, alter) in not_strict {
        let mut p = spec::split(&hybrid);
        alter(&mut p, &header_msg, &final_msg);
        g.fail_as(
            "recipient_pq",
            name,
            "cannot open",
            rule,
            comment,
            &spec::join(&p),
            &trusted,
        );
    }

    // Stripped to Ed25519 alone and signed again with the sender's Ed25519
    // key, as whoever breaks Ed25519 could: a downgrade.
    let mut p = spec::split(&hybrid);
    p.header.layers[0].mldsa65_signer = None;
    p.header.header_signatures[0].mldsa65 = None;
    p.signature.mldsa65 = None;
    spec::sign_as_is(&mut p, ed);
    let stripped = spec::join(&p);
    g.fail_as("recipient_pq", "hybrid_signature_stripped", "signature downgrade", "7.3", "the hybrid layer made classical (its ML-DSA-65 key and signatures removed) and signed again with the sender's Ed25519 key: the trusted card has an ML-DSA-65 key, so a layer signed with Ed25519 alone is refused", &stripped, &trusted);
    // Another ML-DSA-65 key beside the sender's Ed25519 key, both halves
    // valid.
    let mut p = spec::split(&hybrid);
    let mallory = [0x5e; 32];
    p.header.layers[0].mldsa65_signer = Some(spec::mldsa65_public_of(mallory));
    spec::sign_as_is_with(&mut p, ed, Some(mallory));
    g.fail_as("recipient_pq", "hybrid_signature_wrong_mldsa_key", "signing key mismatch", "7.3", "the layer's ML-DSA-65 key replaced by another (seed 5e..5e), both halves signed again with the sender's Ed25519 key and that key: not the ML-DSA-65 key of the trusted card", &spec::join(&p), &trusted);
    g.fail_as("recipient_pq", "hybrid_signer_classical_card", "signing key mismatch", "7.3", "a genuine hybrid envelope, the reader trusting the sender's classical card (its Ed25519 key without an ML-DSA-65 key): the card does not vouch for the layer's ML-DSA-65 key", &hybrid, &["sender_pq_classical"]);
    g.success_as("recipient_pq", "success_stripped_for_a_classical_card", "7.3", "the stripped envelope opened by a reader that holds only the sender's classical card: it cannot tell a downgrade (the reason a partner must replace the card)", &stripped, &["sender_pq_classical"], None);

    // Rewrapped by a hybrid holder: two hybrid layers.
    let for_forwarder = seal("forwarder_pq", Protection::PostQuantum, 0x43);
    let both = [card_file("sender_pq"), card_file("forwarder_pq")];
    let forwarded = rewrap(
        &for_forwarder,
        &g.id("forwarder_pq"),
        &both[..1],
        g.at,
        RecipientChange::Replace(&[card_file("recipient_pq")]),
    )
    .unwrap();
    let trusted_both = ["sender_pq", "forwarder_pq"];
    g.success_as("recipient_pq", "success_hybrid_rewrapped", "8, 5.6", "sealed by a hybrid signer for a hybrid forwarder, rewrapped by it: two hybrid layers, the first one's final signature pair in the header", &forwarded, &trusted_both, None);
    let (fed, fmldsa) = (ed25519_seed("forwarder_pq"), mldsa65_seed("forwarder_pq"));
    let mut p = spec::split(&forwarded);
    p.header.signatures[0].mldsa65.as_mut().unwrap()[17] ^= 0x01;
    spec::sign_as_is_with(&mut p, fed, Some(fmldsa));
    g.fail_as("recipient_pq", "hybrid_earlier_layer_signature_mldsa_bad", "cannot open", "7.8", "two hybrid layers: the ML-DSA-65 half of the first layer's final signature altered, the second layer signed again by the forwarder", &spec::join(&p), &trusted_both);
    let mut p = spec::split(&forwarded);
    p.header.header_signatures[0].mldsa65.as_mut().unwrap()[18] ^= 0x01;
    spec::sign_as_is_with(&mut p, fed, Some(fmldsa));
    g.fail_as("recipient_pq", "hybrid_earlier_layer_header_signature_mldsa_bad", "cannot open", "7.4", "two hybrid layers: the ML-DSA-65 half of the first layer's header signature altered, the second layer signed again by the forwarder", &spec::join(&p), &trusted_both);
    let mut p = spec::split(&forwarded);
    p.header.signatures[0].ed25519[40] ^= 0x08;
    spec::sign_as_is_with(&mut p, fed, Some(fmldsa));
    g.fail_as("recipient_pq", "hybrid_earlier_layer_signature_ed25519_bad", "cannot open", "7.8", "two hybrid layers: the Ed25519 half of the first layer's final signature altered (its ML-DSA-65 half intact), the second layer signed again by the forwarder", &spec::join(&p), &trusted_both);
    let mut p = spec::split(&forwarded);
    p.header.header_signatures[0].ed25519[41] ^= 0x08;
    spec::sign_as_is_with(&mut p, fed, Some(fmldsa));
    g.fail_as("recipient_pq", "hybrid_earlier_layer_header_signature_ed25519_bad", "cannot open", "7.4", "two hybrid layers: the Ed25519 half of the first layer's header signature altered (its ML-DSA-65 half intact), the second layer signed again by the forwarder", &spec::join(&p), &trusted_both);
    // The forwarder's layer stripped: the downgrade is the forwarder's.
    let mut p = spec::split(&forwarded);
    p.header.layers[1].mldsa65_signer = None;
    p.header.header_signatures[1].mldsa65 = None;
    p.signature.mldsa65 = None;
    spec::sign_as_is(&mut p, fed);
    g.fail_as("recipient_pq", "hybrid_forwarder_signature_stripped", "signature downgrade", "7.3", "two hybrid layers, the forwarder's made classical and signed again with its Ed25519 key: every layer's form is checked against its signer's card", &spec::join(&p), &trusted_both);

    // Three layers of both forms: the hybrid sender to the hybrid
    // forwarder, which forwards to `recipient_pq` (a classical signer with
    // an X-Wing key), which forwards to `other_pq`.
    let to_recipient = rewrap(
        &for_forwarder,
        &g.id("forwarder_pq"),
        &both[..1],
        g.at,
        RecipientChange::Replace(&[card_file("recipient_pq")]),
    )
    .unwrap();
    let chain = [
        card_file("sender_pq"),
        card_file("forwarder_pq"),
        card_file("recipient_pq"),
    ];
    let three = rewrap(
        &to_recipient,
        &g.id("recipient_pq"),
        &chain[..2],
        g.at,
        RecipientChange::Replace(&[card_file("other_pq")]),
    )
    .unwrap();
    let trusted_chain = ["sender_pq", "forwarder_pq", "recipient_pq"];
    g.success_as("other_pq", "success_three_layers_both_forms", "8, 5.6, 7.3", "sealed by a hybrid signer, forwarded by a hybrid forwarder, forwarded again by a classical signer: two hybrid layers, then a classical one, each under its card", &three, &trusted_chain, None);
    // The middle layer stripped: its ML-DSA-65 key and signatures removed,
    // its Ed25519 signatures made again (as whoever breaks Ed25519 could),
    // and the last layer signed again by its own signer. The holder proofs
    // still hold (they bind the index and the Ed25519 key only).
    let mut p = spec::split(&three);
    p.header.layers[1].mldsa65_signer = None;
    let digest = spec::content_digest(&p.chunks);
    p.header.header_signatures[1] =
        spec::sign_pair(fed, None, &spec::header_transcript(&p.header, 1));
    p.header.signatures[1] = spec::sign_pair(fed, None, &spec::transcript(&p.header, 1, &digest));
    spec::sign_as_is(&mut p, ed25519_seed("recipient_pq"));
    g.fail_as("other_pq", "hybrid_middle_layer_signature_stripped", "signature downgrade", "7.3", "three layers, the middle one (the hybrid forwarder's) made classical and signed again with its Ed25519 key, the last layer signed again: the form of every layer is checked against its card, not only the first's and the last's", &spec::join(&p), &trusted_chain);

    // Structure.
    let mut core = Vec::new();
    format::write_core(&spec::split(&hybrid).header.core, &mut core);
    let count_at = core.len() + 1 + 32 + 32;
    let mut b = hybrid.clone();
    b[count_at + 1] = 0;
    g.fail_as(
        "recipient_pq",
        "malformed_hybrid_stanza_count_zero",
        "malformed",
        "7.2",
        "a hybrid layer (the top bit of its stanza count set) with a count of 0",
        &b,
        &trusted,
    );
    g.fail_as(
        "recipient_pq",
        "malformed_hybrid_signer_key_truncated",
        "malformed",
        "7.2",
        "the envelope ends inside the hybrid layer's ML-DSA-65 key",
        &hybrid[..count_at + 2 + 1000],
        &trusted,
    );
    let (_, header_len) = format::read_header(hybrid.as_slice()).unwrap();
    let header_len = header_len as usize;
    let mut b = hybrid[..header_len + 16].to_vec();
    b.extend_from_slice(&hybrid[hybrid.len() - 64..]);
    assert!(b.len() < header_len + HYBRID_SIGNATURE_LEN);
    g.fail_as("recipient_pq", "malformed_hybrid_no_signature", "malformed", "7.2", "a hybrid envelope's header, 16 bytes and 64 bytes: room for a classical trailing signature, not for the 3373 bytes of a hybrid one", &b, &trusted);
}

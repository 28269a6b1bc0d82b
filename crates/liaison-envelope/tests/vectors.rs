//! Runs every test vector in `tests/vectors/`. Each file is a small header of
//! `key: value` lines, a blank line, then the envelope in armored form (see
//! `tests/vectors/README.md`). Success vectors also say the seed of the
//! deterministic randomness: sealing again with it must give the same bytes.
//!
//! The vectors are written by the ignored test `generate` (run it with
//! `LIAISON_WRITE_VECTORS=1 cargo test -p liaison-envelope --test vectors --
//! --ignored`), from the library for the success cases and from the
//! independent reference implementation for the adversarial ones.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::reference as spec;
use liaison_envelope::format::Stanza;
use liaison_envelope::{
    Card, Identity, OpenError, RecipientChange, Sealer, armor, dearmor, open, rewrap,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

struct Vector {
    fields: BTreeMap<String, Vec<String>>,
    body: Vec<u8>,
}

impl Vector {
    fn one(&self, key: &str) -> &str {
        let v = self
            .fields
            .get(key)
            .unwrap_or_else(|| panic!("missing `{key}`"));
        assert_eq!(v.len(), 1, "`{key}` given more than once");
        &v[0]
    }

    fn opt(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(|v| v[0].as_str())
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.fields
            .get(key)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.one(key)).unwrap()
    }

    fn key(&self, key: &str) -> [u8; 32] {
        self.hex(key).try_into().unwrap()
    }
}

fn parse(path: &Path) -> Vector {
    let text = std::fs::read(path).unwrap();
    let split = text.windows(2).position(|w| w == b"\n\n").unwrap();
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in std::str::from_utf8(&text[..split]).unwrap().lines() {
        let (k, v) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("bad line `{line}`"));
        fields.entry(k.to_owned()).or_default().push(v.to_owned());
    }
    Vector {
        fields,
        body: text[split + 2..].to_vec(),
    }
}

fn time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap()
}

fn identity_from(v: &Vector, prefix: &str, name: &str) -> Identity {
    let (nb, na) = v.one("validity").split_once(' ').unwrap();
    Identity::from_secret_bytes(
        name,
        &v.key(&format!("{prefix}_x25519_secret")),
        &v.key(&format!("{prefix}_ed25519_secret")),
        time(nb),
        time(na),
    )
    .unwrap()
}

#[test]
fn every_vector_gives_the_expected_result() {
    let mut seen = 0;
    let mut paths: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none())
        .collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let v = parse(&path);
        let sender = identity_from(&v, "sender", "sender");
        let recipient = identity_from(&v, "recipient", "recipient");
        let mut trusted = vec![sender.card()];
        for extra in v.all("also_trusted_ed25519_secret") {
            let mut i = identity_from(&v, "recipient", "extra");
            let key: [u8; 32] = hex::decode(extra).unwrap().try_into().unwrap();
            i = Identity::from_secret_bytes(
                "extra",
                &[0x77; 32],
                &key,
                i.card().not_before(),
                i.card().not_after(),
            )
            .unwrap();
            trusted.push(i.card());
        }
        let at = time(v.one("at"));
        let expect = v.one("expect");
        let bytes = match dearmor(&v.body) {
            Ok(b) => b,
            Err(e) => {
                assert_eq!(expect, "armor failure", "{name}: {e}");
                seen += 1;
                continue;
            }
        };
        let result = open(&bytes, &recipient, &trusted, at);
        match (expect, &result) {
            ("success", Ok(opened)) => {
                assert_eq!(opened.payload, v.hex("payload"), "{name}");
                assert_eq!(opened.label, v.hex("label"), "{name}");
                if let Some(seed) = v.opt("seed") {
                    let seed: [u8; 32] = hex::decode(seed).unwrap().try_into().unwrap();
                    let cards = recipients_of(&v, &recipient);
                    let again = Sealer::new(&sender)
                        .recipients(&cards)
                        .label(&v.hex("label"))
                        .anonymous(v.one("anonymous") == "yes")
                        .at(at)
                        .deterministic(seed)
                        .seal(&v.hex("payload"))
                        .unwrap();
                    assert!(
                        again == bytes,
                        "{name}: sealing with the seed gives other bytes"
                    );
                }
            }
            ("no match", Err(OpenError::NotRecipient { .. }))
            | ("untrusted sender", Err(OpenError::UntrustedSender { .. }))
            | ("sender card not valid", Err(OpenError::SenderCardNotValid { .. }))
            | ("not an envelope", Err(OpenError::NotAnEnvelope))
            | ("unsupported version", Err(OpenError::UnsupportedVersion { .. }))
            | ("unsupported suite", Err(OpenError::UnsupportedSuite { .. }))
            | ("malformed", Err(OpenError::Malformed { .. }))
            | ("cannot open", Err(OpenError::CannotOpen)) => {}
            (expect, result) => panic!("{name}: expected {expect}, got {result:?}"),
        }
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} vectors");
}

fn recipients_of(v: &Vector, recipient: &Identity) -> Vec<Card> {
    let mut cards = vec![recipient.card()];
    for other in v.all("other_recipient_x25519_secret") {
        let key: [u8; 32] = hex::decode(other).unwrap().try_into().unwrap();
        let c = recipient.card();
        let i =
            Identity::from_secret_bytes("other", &key, &[0x66; 32], c.not_before(), c.not_after())
                .unwrap();
        cards.push(i.card());
    }
    cards
}

// ---------------------------------------------------------------------------
// The generator.

const SENDER_X: [u8; 32] = [0x01; 32];
const SENDER_E: [u8; 32] = [0x02; 32];
const RECIPIENT_X: [u8; 32] = [0x03; 32];
const RECIPIENT_E: [u8; 32] = [0x04; 32];
const OTHER_X: [u8; 32] = [0x05; 32];
const MALLORY_E: [u8; 32] = [0x06; 32];
const VALIDITY: &str = "2026-01-01T00:00:00Z 2028-01-01T00:00:00Z";
const AT: &str = "2026-06-01T12:00:00Z";

/// What a success vector was sealed from: payload, label, other recipient,
/// anonymous, seed byte.
type SealInputs<'a> = (&'a [u8], &'a [u8], bool, bool, u8);

struct Gen {
    sender: Identity,
    recipient: Identity,
    other: Identity,
    mallory: Identity,
    at: OffsetDateTime,
}

impl Gen {
    fn new() -> Self {
        let (nb, na) = VALIDITY.split_once(' ').unwrap();
        let id = |x: &[u8; 32], e: &[u8; 32], n: &str| {
            Identity::from_secret_bytes(n, x, e, time(nb), time(na)).unwrap()
        };
        Gen {
            sender: id(&SENDER_X, &SENDER_E, "sender"),
            recipient: id(&RECIPIENT_X, &RECIPIENT_E, "recipient"),
            other: id(&OTHER_X, &[0x66; 32], "other"),
            mallory: id(&[0x77; 32], &MALLORY_E, "extra"),
            at: time(AT),
        }
    }

    fn seal(
        &self,
        payload: &[u8],
        label: &[u8],
        others: bool,
        anonymous: bool,
        seed: u8,
    ) -> Vec<u8> {
        let mut cards = vec![self.recipient.card()];
        if others {
            cards.push(self.other.card());
        }
        Sealer::new(&self.sender)
            .recipients(&cards)
            .label(label)
            .anonymous(anonymous)
            .at(self.at)
            .deterministic([seed; 32])
            .seal(payload)
            .unwrap()
    }

    #[allow(clippy::too_many_arguments, reason = "one line per header field")]
    fn write(
        &self,
        name: &str,
        expect: &str,
        comment: &str,
        seal: Option<SealInputs<'_>>,
        extra: &[String],
        body: &str,
    ) {
        let mut text = format!("expect: {expect}\ncomment: {comment}\n");
        text += &format!("sender_x25519_secret: {}\n", hex::encode(SENDER_X));
        text += &format!("sender_ed25519_secret: {}\n", hex::encode(SENDER_E));
        text += &format!("recipient_x25519_secret: {}\n", hex::encode(RECIPIENT_X));
        text += &format!("recipient_ed25519_secret: {}\n", hex::encode(RECIPIENT_E));
        text += &format!("validity: {VALIDITY}\nat: {AT}\n");
        if let Some((payload, label, others, anonymous, seed)) = seal {
            text += &format!(
                "payload: {}\nlabel: {}\n",
                hex::encode(payload),
                hex::encode(label)
            );
            if others {
                text += &format!("other_recipient_x25519_secret: {}\n", hex::encode(OTHER_X));
            }
            text += &format!("anonymous: {}\n", if anonymous { "yes" } else { "no" });
            text += &format!("seed: {}\n", hex::encode([seed; 32]));
        }
        for line in extra {
            text += line;
            text.push('\n');
        }
        text.push('\n');
        text += body;
        std::fs::write(dir().join(name), text).unwrap();
    }

    fn fail(&self, name: &str, expect: &str, comment: &str, bytes: &[u8], extra: &[String]) {
        self.write(name, expect, comment, None, extra, &armor(bytes));
    }
}

#[test]
#[ignore = "writes the vector files; run with LIAISON_WRITE_VECTORS=1"]
fn generate() {
    if std::env::var_os("LIAISON_WRITE_VECTORS").is_none() {
        return;
    }
    let g = Gen::new();
    let mallory_line = vec![format!(
        "also_trusted_ed25519_secret: {}",
        hex::encode(MALLORY_E)
    )];
    std::fs::create_dir_all(dir()).unwrap();

    // Successes, reproducible from the seed.
    let cases: [(&str, &str, SealInputs<'_>); 5] = [
        (
            "success_small",
            "one recipient, short payload and label",
            (
                b"liaison test vector",
                b"SECRET//REL TO DEU",
                false,
                false,
                1,
            ),
        ),
        (
            "success_empty",
            "empty payload and label: one empty last chunk",
            (b"", b"", false, false, 2),
        ),
        (
            "success_two_recipients",
            "two recipients named by key id",
            (b"for both of you", b"RESTRICTED", true, false, 3),
        ),
        (
            "success_anonymous",
            "two anonymous recipients: stanzas without key id",
            (b"who is it for?", b"L", true, true, 4),
        ),
        (
            "success_two_chunks",
            "65537 bytes: a full chunk then a one-byte last chunk",
            (&[0x61; 65537], b"L", false, false, 5),
        ),
    ];
    for (name, comment, inputs) in cases {
        let (payload, label, others, anonymous, seed) = inputs;
        let bytes = g.seal(payload, label, others, anonymous, seed);
        g.write(name, "success", comment, Some(inputs), &[], &armor(&bytes));
    }

    // A rewrapped envelope: two layers (not reproducible: rewrap draws fresh
    // randomness), opened by the new recipient, the rewrapper being trusted.
    let first = Sealer::new(&g.sender)
        .recipient(&g.other.card())
        .label(b"L")
        .at(g.at)
        .deterministic([6; 32])
        .seal(b"forwarded")
        .unwrap();
    let forwarded = rewrap(
        &first,
        &g.other,
        &[g.sender.card()],
        g.at,
        RecipientChange::Replace(&[g.recipient.card()]),
    )
    .unwrap();
    let other_trusted = vec![format!(
        "also_trusted_ed25519_secret: {}",
        hex::encode([0x66; 32])
    )];
    let mut text_fields = other_trusted.clone();
    text_fields.push(format!("payload: {}", hex::encode(b"forwarded")));
    text_fields.push(format!("label: {}", hex::encode(b"L")));
    g.write(
        "success_rewrapped",
        "success",
        "sealed for another agency, rewrapped by it for the recipient: two layers",
        None,
        &text_fields,
        &armor(&forwarded),
    );

    let base = g.seal(b"liaison test vector", b"SECRET", false, false, 1);
    let parts = || spec::split(&base);

    // User-fixable failures.
    let not_mine = Sealer::new(&g.sender)
        .recipient(&g.other.card())
        .at(g.at)
        .deterministic([7; 32])
        .seal(b"x")
        .unwrap();
    g.fail(
        "no_match",
        "no match",
        "sealed for another agency only",
        &not_mine,
        &[],
    );
    let by_mallory = Sealer::new(&g.mallory)
        .recipient(&g.recipient.card())
        .at(g.at)
        .deterministic([8; 32])
        .seal(b"x")
        .unwrap();
    g.fail(
        "untrusted_sender",
        "untrusted sender",
        "signed by a key that is not among the trusted cards",
        &by_mallory,
        &[],
    );
    g.write(
        "sender_card_expired",
        "sender card not valid",
        "opened after the sender card's validity window",
        None,
        &[],
        &armor(&base),
    );
    // The 'at' line is rewritten for that one.
    let p = dir().join("sender_card_expired");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&format!("at: {AT}"), "at: 2029-01-01T00:00:00Z");
    std::fs::write(&p, t).unwrap();
    g.fail(
        "not_an_envelope",
        "not an envelope",
        "an age file header is not a liaison envelope",
        b"age-encryption.org/v1\n-> X25519 abc\n",
        &[],
    );
    let mut b = base.clone();
    b[8] = 2;
    g.fail(
        "unknown_version",
        "unsupported version",
        "format version 2",
        &b,
        &[],
    );
    let mut b = base.clone();
    b[10] = 2;
    g.fail(
        "unknown_suite",
        "unsupported suite",
        "suite 0x0002 (reserved for a hybrid post-quantum suite)",
        &b,
        &[],
    );
    g.fail(
        "truncated_header",
        "malformed",
        "the envelope ends inside the label",
        &base[..80],
        &[],
    );
    let mut b = base.clone();
    let label_len_at = 8 + 1 + 2 + 32 + 32;
    b[label_len_at..label_len_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    g.fail(
        "label_too_long",
        "malformed",
        "label length beyond the 1 MiB maximum",
        &b,
        &[],
    );

    // Cryptographic failures: all opaque.
    let mut b = base.clone();
    let n = b.len();
    b[n - 64 - 3] ^= 0x01;
    g.fail(
        "stream_bad_tag",
        "cannot open",
        "one bit of the last chunk's tag flipped",
        &b,
        &[],
    );
    let mut b = base.clone();
    b[n - 1] ^= 0x80;
    g.fail(
        "signature_bad",
        "cannot open",
        "one bit of the signature flipped",
        &b,
        &[],
    );
    let mut b = base.clone();
    b.push(0);
    g.fail("extended", "cannot open", "one byte appended", &b, &[]);

    let two = g.seal(&[0x62; 65540], b"L", false, false, 9);
    let mut p2 = spec::split(&two);
    p2.chunks.truncate(spec::SEALED_CHUNK);
    p2.header.layers[0].signer = g.mallory.signing_key_id();
    spec::resign(&mut p2, MALLORY_E);
    g.fail("truncated_last_chunk", "cannot open", "the last chunk dropped and the rest re-signed by a trusted key: the remaining chunk lacks the last-chunk flag", &spec::join(&p2), &mallory_line);

    let mut p = parts();
    p.header.core.label = b"PUBLIC".to_vec();
    g.fail(
        "label_swapped",
        "cannot open",
        "the label replaced, signature left as is",
        &spec::join(&p),
        &[],
    );
    p.header.layers[0].signer = g.mallory.signing_key_id();
    spec::resign(&mut p, MALLORY_E);
    g.fail("label_swapped_resigned", "cannot open", "the label replaced and re-signed by a trusted key: the stanza and chunks are bound to the label", &spec::join(&p), &mallory_line);
    let mut p = parts();
    p.header.core.label.clear();
    g.fail(
        "label_stripped",
        "cannot open",
        "the label removed",
        &spec::join(&p),
        &[],
    );

    let mut p = parts();
    let data_key = spec::unwrap_data_key(&p.header, RECIPIENT_X);
    let key = spec::payload_key(&data_key, &p.header.core.payload_salt);
    p.chunks = spec::seal_chunks(&key, &p.header.core, b"forged by a recipient");
    g.fail("payload_forged_by_recipient", "cannot open", "a recipient re-encrypted another payload under the data key: every tag verifies, the signed content digest does not", &spec::join(&p), &[]);

    for (i, point) in [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]
    .iter()
    .enumerate()
    {
        let point: [u8; 32] = hex::decode(point).unwrap().try_into().unwrap();
        let mut p = parts();
        let kid = g.recipient.encryption_key_id();
        let aad = spec::wrap_aad(&p.header.core, Some(kid.to_bytes()));
        let zero_key = spec::wrap_key(&[0; 32], &point, &g.recipient.card().x25519_public());
        p.header.layers[0].stanzas[0] = Stanza::X25519 {
            key_id: Some(kid),
            ephemeral: point,
            wrapped: spec::wrap_with(&zero_key, &aad, &data_key),
        };
        p.header.layers[0].signer = g.mallory.signing_key_id();
        spec::resign(&mut p, MALLORY_E);
        g.fail(&format!("x25519_low_order_{i}"), "cannot open", "the stanza's ephemeral key is a low-order point and the data key is wrapped under the all-zero shared secret", &spec::join(&p), &mallory_line);
    }

    let mut p = spec::split(&by_mallory);
    p.header.layers[0].stanzas[0] = parts().header.layers[0].stanzas[0].clone();
    spec::resign(&mut p, MALLORY_E);
    g.fail(
        "stanza_moved",
        "cannot open",
        "the recipient's stanza copied from another envelope, re-signed by a trusted key",
        &spec::join(&p),
        &mallory_line,
    );

    let mut p = parts();
    p.header.core.key_commitment[0] ^= 1;
    p.header.layers[0].signer = g.mallory.signing_key_id();
    // The commitment is in the core, so the stanza no longer unwraps either:
    // re-wrap the data key under the new core to isolate the commitment check.
    let Stanza::X25519 { key_id, .. } = p.header.layers[0].stanzas[0].clone() else {
        panic!()
    };
    let eph = x25519_dalek::StaticSecret::from([0x44; 32]);
    let eph_pub = x25519_dalek::PublicKey::from(&eph);
    let shared = eph.diffie_hellman(&x25519_dalek::PublicKey::from(
        g.recipient.card().x25519_public(),
    ));
    let wk = spec::wrap_key(
        shared.as_bytes(),
        eph_pub.as_bytes(),
        &g.recipient.card().x25519_public(),
    );
    let aad = spec::wrap_aad(&p.header.core, key_id.map(|k| k.to_bytes()));
    p.header.layers[0].stanzas[0] = Stanza::X25519 {
        key_id,
        ephemeral: eph_pub.to_bytes(),
        wrapped: spec::wrap_with(&wk, &aad, &data_key),
    };
    spec::resign(&mut p, MALLORY_E);
    g.fail("key_commitment_mismatch", "cannot open", "the key commitment does not match the data key (stanza re-wrapped, re-signed by a trusted key)", &spec::join(&p), &mallory_line);

    // Seeds for the fuzz targets: small valid envelopes for the fixed keys.
    let seeds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    for target in ["envelope_open", "envelope_parse"] {
        std::fs::create_dir_all(seeds.join(target)).unwrap();
    }
    let small = [
        (
            "empty",
            liaison_envelope::fuzzing::seal_fixed(b"", b"", false).unwrap(),
        ),
        (
            "labelled",
            liaison_envelope::fuzzing::seal_fixed(b"hello", b"SECRET", false).unwrap(),
        ),
        (
            "anonymous",
            liaison_envelope::fuzzing::seal_fixed(b"x", b"L", true).unwrap(),
        ),
    ];
    for (name, bytes) in &small {
        std::fs::write(seeds.join("envelope_open").join(name), bytes).unwrap();
        std::fs::write(seeds.join("envelope_parse").join(name), bytes).unwrap();
    }
    std::fs::write(
        seeds.join("envelope_parse").join("armored"),
        armor(&small[1].1),
    )
    .unwrap();

    // Armor failures.
    let text = armor(&base);
    g.write(
        "armor_crlf",
        "armor failure",
        "CRLF line ends",
        None,
        &[],
        &text.replace('\n', "\r\n"),
    );
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1].remove(0);
    g.write(
        "armor_short_line",
        "armor failure",
        "a data line of 63 characters before the last line",
        None,
        &[],
        &(lines.join("\n") + "\n"),
    );
    let cut = base.len() - usize::from(base.len().is_multiple_of(3));
    g.write(
        "armor_no_padding",
        "armor failure",
        "the base64 padding removed",
        None,
        &[],
        &armor(&base[..cut]).replace('=', ""),
    );
    g.write(
        "armor_trailing_text",
        "armor failure",
        "text after the END line",
        None,
        &[],
        &format!("{text}extra\n"),
    );
}

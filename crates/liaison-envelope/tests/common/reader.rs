//! A second reader of envelopes, written from section 7 of
//! `docs/envelope-format.md` with the primitives and the derivations of
//! `reference.rs` only: its own parser over the bytes (no `format` module),
//! its own key files reading (JSON and base64, no `Card` or `Identity`),
//! and the checks in the order the spec gives. The vectors test runs it on
//! every vector beside the library, so that the two agree on every outcome
//! and every offset.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x25519_dalek::{PublicKey, StaticSecret};

use super::reference::{self as spec, XWingKeys};

const MAX_HEADER: usize = 1 << 20;
const SEALED_CHUNK: usize = 65_536 + 16;
const HYBRID: u16 = 0x8000;
const MLDSA_KEY: usize = 1952;
const MLDSA_SIG: usize = 3309;

/// A trusted card, from its file.
pub(crate) struct TrustedCard {
    /// The parsed file: two cards are identical when these are equal.
    json: serde_json::Value,
    ed25519: [u8; 32],
    mldsa65: Option<Vec<u8>>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl TrustedCard {
    pub(crate) fn from_json(text: &str) -> TrustedCard {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let bytes = |k: &str| json[k].as_str().map(|t| STANDARD.decode(t).unwrap());
        let when = |k: &str| OffsetDateTime::parse(json[k].as_str().unwrap(), &Rfc3339).unwrap();
        TrustedCard {
            ed25519: bytes("ed25519_public").unwrap().try_into().unwrap(),
            mldsa65: bytes("mldsa65_public"),
            not_before: when("not_before"),
            not_after: when("not_after"),
            json,
        }
    }
}

/// The reader's secrets, from its identity file.
pub(crate) struct ReaderKeys {
    x25519: StaticSecret,
    xwing: Option<XWingKeys>,
}

impl ReaderKeys {
    pub(crate) fn from_json(text: &str) -> ReaderKeys {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let seed = |k: &str| -> Option<[u8; 32]> {
            json[k]
                .as_str()
                .map(|t| STANDARD.decode(t).unwrap().try_into().unwrap())
        };
        ReaderKeys {
            x25519: StaticSecret::from(seed("x25519_secret").unwrap()),
            xwing: seed("xwing_secret").map(spec::xwing_keys),
        }
    }
}

/// What the reader decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Every check passed: the payload, the label, and the index among the
    /// trusted cards of every layer's signer (the first is the sender).
    Opened {
        payload: Vec<u8>,
        label: Vec<u8>,
        signers: Vec<usize>,
    },
    /// Refused, with the spec's name of the error and, for `malformed` and
    /// `stanza suite mismatch`, the offset.
    Refused(&'static str, Option<u64>),
}

fn refused(what: &'static str) -> Outcome {
    Outcome::Refused(what, None)
}

struct Stanza {
    kind: u8,
    body: Vec<u8>,
}

struct Layer {
    /// The layer's bytes, signer to last stanza.
    bytes: Vec<u8>,
    signer: [u8; 32],
    holder_proof: [u8; 32],
    mldsa65: Option<Vec<u8>>,
    stanzas: Vec<Stanza>,
    header_signature: Vec<u8>,
    final_signature: Vec<u8>,
}

/// The bytes of the input, read field by field: the header bound first,
/// then the end of the input (section 7.2).
struct Input<'a> {
    data: &'a [u8],
    at: usize,
}

impl Input<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], Outcome> {
        if self.at + n > MAX_HEADER {
            return Err(Outcome::Refused("malformed", Some(self.at as u64)));
        }
        if self.at + n > self.data.len() {
            return Err(Outcome::Refused("malformed", Some(self.data.len() as u64)));
        }
        self.at += n;
        Ok(&self.data[self.at - n..self.at])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Outcome> {
        Ok(self.take(N)?.try_into().unwrap())
    }

    fn u16(&mut self) -> Result<u16, Outcome> {
        Ok(u16::from_be_bytes(self.array()?))
    }
}

fn malformed(at: usize) -> Outcome {
    Outcome::Refused("malformed", Some(at as u64))
}

/// Opens `data` as section 7 says, at time `at`.
pub(crate) fn open(
    data: &[u8],
    keys: &ReaderKeys,
    trusted: &[TrustedCard],
    at: OffsetDateTime,
) -> Outcome {
    match open_checked(data, keys, trusted, at) {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

fn open_checked(
    data: &[u8],
    keys: &ReaderKeys,
    trusted: &[TrustedCard],
    at: OffsetDateTime,
) -> Result<Outcome, Outcome> {
    // 7.1
    if data.len() < 8 || data[..8] != *b"\x89LIAISON" {
        return Err(refused("not an envelope"));
    }
    let mut r = Input { data, at: 8 };
    if r.array::<1>()?[0] != 2 {
        return Err(refused("unsupported version"));
    }
    let suite = r.u16()?;
    if suite != 2 && suite != 3 {
        return Err(refused("unsupported suite"));
    }
    // 7.2
    let sender: [u8; 32] = r.array()?;
    let salt: [u8; 32] = r.array()?;
    let commitment: [u8; 32] = r.array()?;
    let label_at = r.at;
    let label_len = u32::from_be_bytes(r.array()?) as usize;
    if label_len > 65_536 {
        return Err(malformed(label_at));
    }
    let label = r.take(label_len)?.to_vec();
    let core = data[..r.at].to_vec();
    let count_at = r.at;
    let layer_count = usize::from(r.array::<1>()?[0]);
    if layer_count == 0 || layer_count > 16 {
        return Err(malformed(count_at));
    }
    let mut layers: Vec<Layer> = Vec::new();
    for i in 0..layer_count {
        let start = r.at;
        let signer: [u8; 32] = r.array()?;
        if i == 0 && signer != sender {
            return Err(malformed(start));
        }
        let holder_proof: [u8; 32] = r.array()?;
        let field_at = r.at;
        let field = r.u16()?;
        let count = usize::from(field & !HYBRID);
        if count == 0 || count > 1024 {
            return Err(malformed(field_at));
        }
        let mldsa65 = if field & HYBRID != 0 {
            Some(r.take(MLDSA_KEY)?.to_vec())
        } else {
            None
        };
        let mut stanzas = Vec::new();
        for _ in 0..count {
            let stanza_at = r.at;
            let kind = r.array::<1>()?[0];
            if kind == 0 {
                return Err(malformed(stanza_at));
            }
            if matches!((kind, suite), (1 | 2, 3) | (3 | 4, 2)) {
                return Err(Outcome::Refused(
                    "stanza suite mismatch",
                    Some(stanza_at as u64),
                ));
            }
            let len = usize::from(r.u16()?);
            let expected = [(1, 88), (2, 80), (3, 1176), (4, 1168)]
                .iter()
                .find(|(k, _)| *k == kind);
            if expected.is_some_and(|(_, l)| *l != len) {
                return Err(malformed(stanza_at));
            }
            stanzas.push(Stanza {
                kind,
                body: r.take(len)?.to_vec(),
            });
        }
        let bytes = data[start..r.at].to_vec();
        let signature_len = if mldsa65.is_some() {
            64 + MLDSA_SIG
        } else {
            64
        };
        let header_signature = r.take(signature_len)?.to_vec();
        let final_signature = if i + 1 < layer_count {
            r.take(signature_len)?.to_vec()
        } else {
            Vec::new()
        };
        layers.push(Layer {
            bytes,
            signer,
            holder_proof,
            mldsa65,
            stanzas,
            header_signature,
            final_signature,
        });
    }
    let header_len = r.at;
    let last = layers.last().unwrap();
    let trailer_len = if last.mldsa65.is_some() {
        64 + MLDSA_SIG
    } else {
        64
    };
    if data.len() < header_len + trailer_len {
        return Err(malformed(data.len()));
    }
    let chunks = &data[header_len..data.len() - trailer_len];
    let tail = chunks.len() % SEALED_CHUNK;
    if chunks.is_empty() || (tail != 0 && tail < 16) {
        return Err(malformed(header_len + chunks.len() - tail));
    }
    let trailer = data[data.len() - trailer_len..].to_vec();
    // 7.3
    let mut signers = Vec::new();
    for layer in &layers {
        let matching: Vec<usize> = (0..trusted.len())
            .filter(|&c| trusted[c].ed25519 == layer.signer)
            .collect();
        let Some(&card) = matching.first() else {
            return Err(refused("untrusted sender"));
        };
        if matching
            .iter()
            .any(|&c| trusted[c].json != trusted[card].json)
        {
            return Err(refused("ambiguous signer"));
        }
        let c = &trusted[card];
        if at < c.not_before || at > c.not_after {
            return Err(refused("sender card not valid"));
        }
        match (&layer.mldsa65, &c.mldsa65) {
            (None, Some(_)) => return Err(refused("signature downgrade")),
            (Some(key), expected) if expected.as_ref() != Some(key) => {
                return Err(refused("signing key mismatch"));
            }
            _ => {}
        }
        signers.push(card);
    }
    // 7.4
    let prefix_digest = |j: usize| -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&core);
        for earlier in &layers[..j] {
            h.update(&earlier.bytes);
            h.update(&earlier.header_signature);
            h.update(&earlier.final_signature);
        }
        h.update(&layers[j].bytes);
        h.finalize().into()
    };
    let cannot = || refused("cannot open");
    for (j, layer) in layers.iter().enumerate() {
        let msg = [
            b"liaison-envelope v2 header signature".as_slice(),
            &[j as u8],
            &prefix_digest(j),
        ]
        .concat();
        if !verify(layer, &msg, &layer.header_signature) {
            return Err(cannot());
        }
    }
    // 7.5
    let core_digest: [u8; 32] = Sha256::digest(&core).into();
    let data_key = find_data_key(suite, last, keys, &core_digest)?;
    // 7.6
    if spec::key_commitment(&data_key, &salt, &sender) != commitment {
        return Err(cannot());
    }
    for (j, layer) in layers.iter().enumerate() {
        let info = [
            b"liaison-envelope v2 holder proof".as_slice(),
            &[j as u8],
            &layer.signer,
        ]
        .concat();
        if spec::hkdf(&salt, &data_key, &info) != layer.holder_proof {
            return Err(cannot());
        }
    }
    // 7.7
    let payload_key = spec::payload_key(&data_key, &salt);
    let cipher = ChaCha20Poly1305::new(&Key::from(payload_key));
    let pieces: Vec<&[u8]> = chunks.chunks(SEALED_CHUNK).collect();
    let mut payload = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let (body, tag) = piece.split_at(piece.len() - 16);
        let mut buf = body.to_vec();
        cipher
            .decrypt_inout_detached(
                &spec::nonce(i as u64, i + 1 == pieces.len()),
                &core_digest,
                buf.as_mut_slice().into(),
                &Tag::try_from(tag).unwrap(),
            )
            .map_err(|_| cannot())?;
        payload.extend_from_slice(&buf);
    }
    let content = spec::content_digest(chunks);
    // 7.8
    for (j, layer) in layers.iter().enumerate() {
        let signature = if j + 1 == layers.len() {
            &trailer
        } else {
            &layer.final_signature
        };
        let msg = [
            b"liaison-envelope v2 signature".as_slice(),
            &[j as u8],
            &prefix_digest(j),
            &content,
        ]
        .concat();
        if !verify(layer, &msg, signature) {
            return Err(cannot());
        }
    }
    // 7.9
    Ok(Outcome::Opened {
        payload,
        label,
        signers,
    })
}

/// A layer's signature over `msg`: Ed25519 strictly, then ML-DSA-65 (FIPS
/// 204, the empty context) with the layer's key in a hybrid layer (7.3 has
/// checked it is the card's).
fn verify(layer: &Layer, msg: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&layer.signer) else {
        return false;
    };
    let ed = ed25519_dalek::Signature::from_bytes(signature[..64].try_into().unwrap());
    if key.verify_strict(msg, &ed).is_err() {
        return false;
    }
    let Some(mldsa65) = &layer.mldsa65 else {
        return true;
    };
    let key =
        ml_dsa::VerifyingKey::<ml_dsa::MlDsa65>::decode(&mldsa65.as_slice().try_into().unwrap());
    let Ok(signature) = ml_dsa::Signature::<ml_dsa::MlDsa65>::try_from(&signature[64..]) else {
        return false;
    };
    key.verify_with_context(msg, &[], &signature)
}

/// Section 7.5: the last layer's stanzas of the suite, in order.
fn find_data_key(
    suite: u16,
    layer: &Layer,
    keys: &ReaderKeys,
    core_digest: &[u8; 32],
) -> Result<[u8; 32], Outcome> {
    let x25519_public = PublicKey::from(&keys.x25519);
    let my_id: [u8; 8] = if suite == 3 {
        let Some(xwing) = &keys.xwing else {
            return Err(refused("no post-quantum key"));
        };
        Sha256::digest(xwing.public())[..8].try_into().unwrap()
    } else {
        Sha256::digest(x25519_public.as_bytes())[..8]
            .try_into()
            .unwrap()
    };
    let mut addressed = false;
    for stanza in &layer.stanzas {
        let (named, rest) = match (suite, stanza.kind) {
            (2, 1) | (3, 3) => (true, &stanza.body[8..]),
            (2, 2) | (3, 4) => (false, &stanza.body[..]),
            _ => continue,
        };
        if named {
            if stanza.body[..8] != my_id {
                continue;
            }
            addressed = true;
        }
        let mut aad = core_digest.to_vec();
        aad.push(stanza.kind);
        if named {
            aad.extend_from_slice(&my_id);
        }
        let (wrap_key, wrapped) = if suite == 2 {
            let ephemeral: [u8; 32] = rest[..32].try_into().unwrap();
            let shared = keys.x25519.diffie_hellman(&PublicKey::from(ephemeral));
            if shared.as_bytes() == &[0; 32] {
                continue;
            }
            (
                spec::wrap_key(shared.as_bytes(), &ephemeral, x25519_public.as_bytes()),
                &rest[32..],
            )
        } else {
            let xwing = keys.xwing.as_ref().unwrap();
            let ciphertext = &rest[..1120];
            let shared = xwing.decapsulate(ciphertext);
            (
                spec::xwing_wrap_key(&shared, ciphertext, xwing.public()),
                &rest[1120..],
            )
        };
        let cipher = ChaCha20Poly1305::new(&Key::from(wrap_key));
        let mut buf: [u8; 32] = wrapped[..32].try_into().unwrap();
        let tag = Tag::try_from(&wrapped[32..]).unwrap();
        if cipher
            .decrypt_inout_detached(&Nonce::default(), &aad, buf.as_mut_slice().into(), &tag)
            .is_ok()
        {
            return Ok(buf);
        }
    }
    Err(if addressed {
        refused("cannot open")
    } else {
        refused("not a recipient")
    })
}

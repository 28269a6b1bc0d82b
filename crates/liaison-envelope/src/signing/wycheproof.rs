//! Wycheproof's ML-DSA-65 vectors (C2SP/wycheproof, in
//! `tests/wycheproof/`), run through the calls the envelope makes: the
//! signing key from its 32-byte seed as an identity file holds it, the
//! deterministic signature with the empty context that every hybrid layer
//! carries, and the reader's verification of a layer's ML-DSA-65 half.
//!
//! The vectors the envelope cannot take as they are (a non-empty context,
//! hedged signing, a precomputed `mu`) go through the `ml-dsa` call that
//! does what they ask, so that every case is checked against its expected
//! result; each count below says which path a case took.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ml_dsa::common::array::Array;
use ml_dsa::common::typenum::U64;
use serde_json::Value;
use time::macros::datetime;

use super::{SigningPublic, verify_mldsa65};
use crate::Identity;
use crate::format::{LayerSignature, MLDSA65_SIGNATURE_LEN};

const SIGN_SEED: &str = include_str!("../../tests/wycheproof/mldsa_65_sign_seed_test.json");
const VERIFY: &str = include_str!("../../tests/wycheproof/mldsa_65_verify_test.json");

/// A Wycheproof file's test groups, checked against its header.
fn groups(text: &str, schema: &str) -> (Vec<Value>, usize) {
    let file: Value = serde_json::from_str(text).unwrap();
    assert_eq!(file["algorithm"], "ML-DSA-65");
    assert_eq!(file["schema"], schema);
    let count = usize::try_from(file["numberOfTests"].as_u64().unwrap()).unwrap();
    (file["testGroups"].as_array().unwrap().clone(), count)
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or("")).unwrap()
}

fn flagged(test: &Value, flag: &str) -> bool {
    test["flags"].as_array().unwrap().iter().any(|f| f == flag)
}

/// The identity a file holds for the ML-DSA-65 seed `seed`, read back by
/// the identity file reader (which checks the seed's length).
fn identity_with_seed(seed: &[u8]) -> Result<Identity, crate::KeyError> {
    let placeholder = [0x5a; 32];
    let text = Identity::from_secret_bytes(
        "FR-WYCHEPROOF",
        &[1; 32],
        &[2; 32],
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-01-01 0:00 UTC),
    )
    .and_then(|i| i.with_post_quantum_secret_bytes(&[3; 32]))
    .and_then(|i| i.with_post_quantum_signing_secret_bytes(&placeholder))
    .unwrap()
    .to_json();
    let field = format!("\"mldsa65_secret\": \"{}\"", STANDARD.encode(placeholder));
    assert!(text.contains(&field));
    let text = text.replace(
        &field,
        &format!("\"mldsa65_secret\": \"{}\"", STANDARD.encode(seed)),
    );
    Identity::from_json(&text)
}

/// The reader's check of a layer's ML-DSA-65 half: the card's key as a
/// card file gives it (1952 bytes, else refused), the signature as the
/// format reads it (3309 bytes, else the layer is malformed), then
/// `verify_mldsa65`. With a non-empty context, which no layer uses,
/// `ML-DSA.Verify` of `ml-dsa` with that context.
fn reader_accepts(public: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = SigningPublic::from_bytes(public) else {
        return false;
    };
    let Ok(sig) = <[u8; MLDSA65_SIGNATURE_LEN]>::try_from(sig) else {
        return false;
    };
    if ctx.is_empty() {
        let layer = LayerSignature {
            ed25519: [0; 64],
            mldsa65: Some(Box::new(sig)),
        };
        verify_mldsa65(Some(&key), msg, &layer)
    } else {
        let encoded = ml_dsa::EncodedSignature::<ml_dsa::MlDsa65>::from(sig);
        ml_dsa::Signature::<ml_dsa::MlDsa65>::decode(&encoded)
            .is_some_and(|s| key.key.verify_with_context(msg, ctx, &s))
    }
}

#[test]
fn every_sign_seed_vector_gives_its_key_and_signature() {
    let (groups, expected_count) = groups(SIGN_SEED, "mldsa_sign_seed_schema.json");
    let mut counts = std::collections::BTreeMap::<(&str, &str), usize>::new();
    for group in &groups {
        assert_eq!(group["type"], "MlDsaSign");
        let seed = bytes(&group["privateSeed"]);
        let public = bytes(&group["publicKey"]);
        let loaded = identity_with_seed(&seed);
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let result = test["result"].as_str().unwrap();
            let sig = bytes(&test["sig"]);
            let ctx = bytes(&test["ctx"]);
            let Ok(identity) = &loaded else {
                // Only a seed of another length than 32 bytes is refused.
                assert_eq!(result, "invalid", "case {id}");
                assert_ne!(seed.len(), 32, "case {id}");
                let err = loaded.as_ref().unwrap_err().to_string();
                assert!(err.contains("/mldsa65_secret"), "case {id}: {err}");
                *counts
                    .entry(("seed refused by the identity file", result))
                    .or_default() += 1;
                continue;
            };
            let card = identity.card();
            assert_eq!(
                card.post_quantum_signing_public(),
                Some(public.as_slice()),
                "case {id}"
            );
            let secret = identity.signer().mldsa65.as_ref().unwrap();
            let path = if test.get("msg").is_none() {
                // ML-DSA.Sign_internal over a given mu (deterministic).
                let mu = Array::<u8, U64>::try_from(bytes(&test["mu"]).as_slice()).unwrap();
                let made = secret.key.expanded_key().sign_mu_deterministic(&mu);
                let public_key = &card.mldsa65().unwrap().key;
                assert_eq!(made.encode().as_slice(), sig.as_slice(), "case {id}");
                assert!(public_key.verify_mu(&mu, &made), "case {id}");
                assert_eq!(result, "valid", "case {id}");
                "mu given: ml-dsa over mu"
            } else if flagged(test, "Randomized") {
                // Hedged: FIPS 204 Sign_internal over 0 || |ctx| || ctx || M
                // with the given rnd; the reader accepts it as it is.
                let msg = bytes(&test["msg"]);
                let rnd = ml_dsa::B32::try_from(bytes(&test["rnd"]).as_slice()).unwrap();
                let prefix = [0, u8::try_from(ctx.len()).unwrap()];
                let made = secret
                    .key
                    .expanded_key()
                    .sign_internal(&[&prefix[..], &ctx[..], &msg[..]], &rnd);
                assert_eq!(made.encode().as_slice(), sig.as_slice(), "case {id}");
                assert!(reader_accepts(&public, &msg, &ctx, &sig), "case {id}");
                assert_eq!(result, "valid", "case {id}");
                "hedged: ml-dsa with rnd, envelope reader"
            } else if ctx.is_empty() {
                // The envelope's own signing call and reader.
                let msg = bytes(&test["msg"]);
                let made = secret.sign(&msg);
                match result {
                    "valid" => {
                        assert_eq!(
                            made.as_ref().map(|m| m.as_slice()),
                            Some(sig.as_slice()),
                            "case {id}"
                        );
                        assert!(reader_accepts(&public, &msg, &ctx, &sig), "case {id}");
                    }
                    "invalid" => assert!(made.is_none(), "case {id}"),
                    _ => {}
                }
                "envelope signer and reader"
            } else {
                // A context string: the envelope's key, signed by ml-dsa's
                // deterministic ML-DSA.Sign with that context.
                let msg = bytes(&test["msg"]);
                let made = secret.key.expanded_key().sign_deterministic(&msg, &ctx);
                match result {
                    "valid" => {
                        assert_eq!(
                            made.unwrap().encode().as_slice(),
                            sig.as_slice(),
                            "case {id}"
                        );
                        assert!(reader_accepts(&public, &msg, &ctx, &sig), "case {id}");
                    }
                    "invalid" => assert!(made.is_err(), "case {id}"),
                    _ => {}
                }
                "context given: ml-dsa with ctx"
            };
            *counts.entry((path, result)).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    assert_eq!(total, expected_count, "{counts:?}");
    // The envelope's own calls take most of the cases.
    assert!(
        counts[&("envelope signer and reader", "valid")] >= 80,
        "{counts:?}"
    );
    println!("{counts:#?}");
}

#[test]
fn the_reader_accepts_every_valid_verify_vector_and_refuses_every_invalid_one() {
    let (groups, expected_count) = groups(VERIFY, "mldsa_verify_schema.json");
    let mut counts = std::collections::BTreeMap::<(&str, &str), usize>::new();
    for group in &groups {
        assert_eq!(group["type"], "MlDsaVerify");
        let public = bytes(&group["publicKey"]);
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let result = test["result"].as_str().unwrap();
            let ctx = bytes(&test["ctx"]);
            let accepted =
                reader_accepts(&public, &bytes(&test["msg"]), &ctx, &bytes(&test["sig"]));
            match result {
                "valid" => assert!(accepted, "case {id} must be accepted"),
                "invalid" => assert!(!accepted, "case {id} must be refused"),
                other => assert_eq!(other, "acceptable", "case {id}"),
            }
            let path = if ctx.is_empty() {
                "envelope reader"
            } else {
                "context given: ml-dsa with ctx"
            };
            *counts.entry((path, result)).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    assert_eq!(total, expected_count, "{counts:?}");
    assert!(counts[&("envelope reader", "invalid")] >= 120, "{counts:?}");
    println!("{counts:#?}");
}

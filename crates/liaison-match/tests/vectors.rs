//! RFC 9497's VOPRF test vectors for ristretto255-SHA512, run through the
//! crate's own OPRF steps (see `tests/vectors/README.md`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is a failed test"
)]

use liaison_match::testing;
use serde_json::Value;

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).unwrap();
    out
}

fn list(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_str()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect()
}

struct Case {
    inputs: Vec<Vec<u8>>,
    blinds: Vec<[u8; 32]>,
    blinded: Vec<[u8; 32]>,
    evaluated: Vec<[u8; 32]>,
    outputs: Vec<Vec<u8>>,
    proof: [u8; 64],
    r: [u8; 32],
}

fn cases() -> (Value, Vec<Case>) {
    let text = include_str!("vectors/voprf-ristretto255-sha512.json");
    let all: Value = serde_json::from_str(text).unwrap();
    let suite = all[0].clone();
    assert_eq!(suite["identifier"], "ristretto255-SHA512");
    assert_eq!(suite["mode"], 1);
    let cases = suite["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let mut proof = [0u8; 64];
            hex::decode_to_slice(v["Proof"]["proof"].as_str().unwrap(), &mut proof).unwrap();
            Case {
                inputs: list(v, "Input")
                    .iter()
                    .map(|s| hex::decode(s).unwrap())
                    .collect(),
                blinds: list(v, "Blind").iter().map(|s| hex32(s)).collect(),
                blinded: list(v, "BlindedElement").iter().map(|s| hex32(s)).collect(),
                evaluated: list(v, "EvaluationElement")
                    .iter()
                    .map(|s| hex32(s))
                    .collect(),
                outputs: list(v, "Output")
                    .iter()
                    .map(|s| hex::decode(s).unwrap())
                    .collect(),
                proof,
                r: hex32(v["Proof"]["r"].as_str().unwrap()),
            }
        })
        .collect();
    (suite, cases)
}

fn key(suite: &Value) -> ([u8; 32], Vec<u8>) {
    (
        hex32(suite["seed"].as_str().unwrap()),
        hex::decode(suite["keyInfo"].as_str().unwrap()).unwrap(),
    )
}

#[test]
fn derive_key_pair_matches() {
    let (suite, _) = cases();
    let (seed, info) = key(&suite);
    let (sk, pk) = testing::derive_key_pair(&seed, &info).unwrap();
    assert_eq!(hex::encode(sk), suite["skSm"].as_str().unwrap());
    assert_eq!(hex::encode(pk), suite["pkSm"].as_str().unwrap());
}

#[test]
fn every_vector_matches_blind_evaluate_and_finalize() {
    let (suite, cases) = cases();
    let (seed, info) = key(&suite);
    let pk = hex32(suite["pkSm"].as_str().unwrap());
    assert_eq!(cases.len(), 3);
    for (n, case) in cases.iter().enumerate() {
        for ((input, blind), blinded) in case.inputs.iter().zip(&case.blinds).zip(&case.blinded) {
            assert_eq!(
                testing::blind(input, *blind).unwrap(),
                *blinded,
                "vector {n}: blind"
            );
        }
        let (evaluated, proof) = testing::evaluate(&seed, &info, &case.blinded, case.r).unwrap();
        assert_eq!(evaluated, case.evaluated, "vector {n}: evaluation");
        assert_eq!(proof, case.proof, "vector {n}: proof");
        let outputs = testing::finalize(
            &case.inputs,
            &case.blinds,
            &case.blinded,
            &case.evaluated,
            &case.proof,
            &pk,
        )
        .unwrap();
        let outputs: Vec<Vec<u8>> = outputs.iter().map(|o| o.to_vec()).collect();
        assert_eq!(outputs, case.outputs, "vector {n}: output");
    }
}

#[test]
fn altered_vectors_are_refused() {
    let (suite, cases) = cases();
    let pk = hex32(suite["pkSm"].as_str().unwrap());
    let (seed, _) = key(&suite);
    let (_, other_pk) = testing::derive_key_pair(&seed, b"another key").unwrap();
    for (n, case) in cases.iter().enumerate() {
        let finalize = |evaluated: &[[u8; 32]], proof: &[u8; 64], pk: &[u8; 32]| {
            testing::finalize(
                &case.inputs,
                &case.blinds,
                &case.blinded,
                evaluated,
                proof,
                pk,
            )
        };
        // proof_bit_flipped: each of c and s, low bit (stays canonical).
        for byte in [0usize, 32] {
            let mut proof = case.proof;
            proof[byte] ^= 1;
            assert!(
                finalize(&case.evaluated, &proof, &pk).is_none(),
                "vector {n}: byte {byte}"
            );
        }
        // wrong_public_key: the key substitution a client must catch.
        assert!(
            finalize(&case.evaluated, &case.proof, &other_pk).is_none(),
            "vector {n}"
        );
        // evaluated_swapped: the batch of two with its elements exchanged.
        if case.evaluated.len() == 2 {
            let swapped = [case.evaluated[1], case.evaluated[0]];
            assert!(finalize(&swapped, &case.proof, &pk).is_none(), "vector {n}");
        }
    }
}

//! Hooks for tests, vectors and fuzzing (feature `test-vectors` only): the
//! OPRF steps the protocol uses, on raw inputs, with the RFC 9497 vectors'
//! fixed blinds and proof scalars; and the index lookup of a raw output.
//! Not for production use.

use crate::index::Index;
use crate::kind::KeyKind;
use crate::oprf::{self, ELEMENT_LEN, OUTPUT_LEN, PROOF_LEN};
use crate::rng::FixedRandom;

/// Whether `output`, taken as the OPRF output of a key of `kind`, is in
/// the index (`None` if the index has no such kind): the lookup a finished
/// query does, without the OPRF.
pub fn contains_output(index: &Index, kind: &KeyKind, output: &[u8; OUTPUT_LEN]) -> Option<bool> {
    index.contains(kind, output)
}

/// DeriveKeyPair(seed, info): the private key `skS` and public key `pkS`.
pub fn derive_key_pair(seed: &[u8; 32], info: &[u8]) -> Option<([u8; 32], [u8; ELEMENT_LEN])> {
    let server = oprf::derive(seed, info)?;
    let bytes = server.serialize();
    let mut sk = [0u8; 32];
    sk.copy_from_slice(bytes.get(..32)?);
    Some((sk, oprf::element_bytes(server.get_public_key())))
}

/// Blind(input) with the given blind: the blinded element.
pub fn blind(input: &[u8], blind: [u8; 32]) -> Option<[u8; ELEMENT_LEN]> {
    let mut rng = FixedRandom::scalars(&[blind]);
    let (_, element) = oprf::blind(input, &mut rng)?;
    rng.check().ok()?;
    let mut out = [0u8; ELEMENT_LEN];
    out.copy_from_slice(&element.serialize());
    Some(out)
}

/// BlindEvaluate of a batch under the key derived from `seed` and `info`,
/// with the proof scalar `r`: the evaluated elements and the proof.
pub fn evaluate(
    seed: &[u8; 32],
    info: &[u8],
    blinded: &[[u8; ELEMENT_LEN]],
    r: [u8; 32],
) -> Option<(Vec<[u8; ELEMENT_LEN]>, [u8; PROOF_LEN])> {
    let server = oprf::derive(seed, info)?;
    let blinded = blinded
        .iter()
        .map(|b| oprf::blinded_element(b))
        .collect::<Option<Vec<_>>>()?;
    let mut rng = FixedRandom::scalars(&[r]);
    let (elements, proof) = oprf::evaluate_batch(&server, &blinded, &mut rng)?;
    rng.check().ok()?;
    let elements = elements
        .iter()
        .map(|e| {
            let mut out = [0u8; ELEMENT_LEN];
            out.copy_from_slice(&e.serialize());
            out
        })
        .collect();
    let mut p = [0u8; PROOF_LEN];
    p.copy_from_slice(&proof.serialize());
    Some((elements, p))
}

/// Finalize of a batch: verifies `proof` against `public_key`, unblinds,
/// hashes. `None` if anything fails, the proof included.
pub fn finalize(
    inputs: &[Vec<u8>],
    blinds: &[[u8; 32]],
    blinded: &[[u8; ELEMENT_LEN]],
    evaluated: &[[u8; ELEMENT_LEN]],
    proof: &[u8; PROOF_LEN],
    public_key: &[u8; ELEMENT_LEN],
) -> Option<Vec<[u8; OUTPUT_LEN]>> {
    let clients = blinds
        .iter()
        .zip(blinded)
        .map(|(b, e)| {
            let mut state = [0u8; 64];
            state.get_mut(..32)?.copy_from_slice(b);
            state.get_mut(32..)?.copy_from_slice(e);
            oprf::client(&state)
        })
        .collect::<Option<Vec<_>>>()?;
    let elements = evaluated
        .iter()
        .map(|e| oprf::evaluation_element(e))
        .collect::<Option<Vec<_>>>()?;
    let proof = oprf::proof(proof)?;
    let public_key = oprf::element(public_key)?;
    oprf::finalize_batch(
        inputs.iter().map(Vec::as_slice).collect(),
        clients,
        elements,
        &proof,
        public_key,
    )
}

/// The fuzz target's body: every parser on `data`; whatever parses must
/// write back exactly `data`, and a parsed index must answer lookups of
/// arbitrary outputs for each of its kinds without panicking.
///
/// # Errors
/// A description of the first broken round trip.
pub fn parse_round_trip(data: &[u8]) -> Result<(), String> {
    use crate::{Answer, Commitment, HolderKey, Ledger, Pending, Query, Resolver};
    fn same(what: &str, data: &[u8], again: &[u8]) -> Result<(), String> {
        if data == again {
            Ok(())
        } else {
            Err(format!("{what} does not write back the bytes it read"))
        }
    }
    if let Ok(k) = HolderKey::from_bytes(data) {
        same("holder key", data, &k.to_bytes())?;
    }
    if let Ok(c) = Commitment::from_bytes(data) {
        same("commitment", data, &c.to_bytes())?;
    }
    if let Ok(index) = Index::from_bytes(data) {
        same("index", data, &index.to_bytes())?;
        for kind in index.kinds() {
            for fill in [0u8, 0x5a, 0xff] {
                let mut output = [fill; OUTPUT_LEN];
                if let (Some(o), Some(first)) = (output.first_mut(), data.first()) {
                    *o = *first;
                }
                let _ = index.contains(kind, &output);
            }
        }
    }
    if let Ok(q) = Query::from_bytes(data) {
        same("query", data, &q.to_bytes())?;
    }
    if let Ok(a) = Answer::from_bytes(data) {
        same("answer", data, &a.to_bytes())?;
    }
    if let Ok(p) = Pending::from_bytes(data) {
        same("pending state", data, &p.to_bytes())?;
    }
    if let Ok(r) = Resolver::from_bytes(data) {
        same("resolver", data, &r.to_bytes())?;
    }
    if let Ok(l) = Ledger::from_bytes(data) {
        same("ledger", data, &l.to_bytes())?;
    }
    Ok(())
}

/// [`crate::QueryBuilder::blind`] with the session id and blinds drawn
/// from a stream seeded with `seed`: a query that can be repeated byte for
/// byte, for the protocol vectors. Never for real queries: anyone with the
/// seed unblinds them.
///
/// # Errors
/// As [`crate::QueryBuilder::blind`].
pub fn blind_seeded(
    builder: crate::QueryBuilder<'_>,
    seed: &[u8; 32],
) -> Result<(crate::Pending, crate::Query), crate::QueryError> {
    builder.blind_from(crate::rng::Source::Seeded(seed))
}

/// [`crate::evaluate`] with the proof scalars drawn from a stream seeded
/// with `seed`, for the protocol vectors.
///
/// # Errors
/// As [`crate::evaluate`].
pub fn evaluate_seeded(
    key: &crate::HolderKey,
    commitment: &crate::Commitment,
    query: &crate::Query,
    seed: &[u8; 32],
) -> Result<crate::Answer, crate::EvaluateError> {
    crate::answer::evaluate_from(
        key,
        commitment,
        query,
        crate::DEFAULT_PROOF_CHUNK,
        crate::rng::Source::Seeded(seed),
    )
}

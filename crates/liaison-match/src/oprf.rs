//! The RFC 9497 steps, as the `voprf` crate performs them, on raw OPRF
//! inputs: the only module that calls the group. Everything else handles
//! bytes and the parsed `voprf` messages.

use rand_core::{CryptoRng, RngCore};
use voprf::{BlindedElement, EvaluationElement, Group, Proof, VoprfClient, VoprfServer};

/// The suite: ristretto255 with SHA-512.
pub(crate) type Suite = voprf::Ristretto255;

/// A group element of the suite.
pub(crate) type Element = <Suite as Group>::Elem;

/// A serialized element: 32 bytes.
pub(crate) const ELEMENT_LEN: usize = 32;

/// A serialized proof: the scalars `c` and `s`, 32 bytes each.
pub(crate) const PROOF_LEN: usize = 64;

/// An OPRF output: a SHA-512 digest.
pub(crate) const OUTPUT_LEN: usize = 64;

/// The most elements one proof may cover (RFC 9497 counts them in 2 bytes).
pub(crate) const MAX_PROOF_BATCH: usize = u16::MAX as usize;

/// DeriveKeyPair(seed, info) in VOPRF mode.
pub(crate) fn derive(seed: &[u8; 32], info: &[u8]) -> Option<VoprfServer<Suite>> {
    VoprfServer::<Suite>::new_from_seed(seed, info).ok()
}

/// The 32 bytes of a public key.
pub(crate) fn element_bytes(e: Element) -> [u8; ELEMENT_LEN] {
    let mut out = [0u8; ELEMENT_LEN];
    out.copy_from_slice(&Suite::serialize_elem(e));
    out
}

/// Reads an element: canonical encoding, not the identity.
pub(crate) fn element(bytes: &[u8]) -> Option<Element> {
    Suite::deserialize_elem(bytes).ok()
}

/// Blind(input): the client state (blind and blinded element) and the
/// message.
pub(crate) fn blind<R: RngCore + CryptoRng>(
    input: &[u8],
    rng: &mut R,
) -> Option<(VoprfClient<Suite>, BlindedElement<Suite>)> {
    let result = VoprfClient::<Suite>::blind(input, rng).ok()?;
    Some((result.state, result.message))
}

/// BlindEvaluate of a batch with one DLEQ proof for all of it
/// (`blinded.len()` at most [`MAX_PROOF_BATCH`]).
pub(crate) fn evaluate_batch<R: RngCore + CryptoRng>(
    server: &VoprfServer<Suite>,
    blinded: &[BlindedElement<Suite>],
    rng: &mut R,
) -> Option<(Vec<EvaluationElement<Suite>>, Proof<Suite>)> {
    let prepared: Vec<_> = server
        .batch_blind_evaluate_prepare(blinded.iter())
        .collect();
    let finished = server
        .batch_blind_evaluate_finish(rng, blinded.iter(), &prepared)
        .ok()?;
    let elements = finished.messages.collect();
    Some((elements, finished.proof))
}

/// Finalize of a batch: verifies the proof against `public_key`, then
/// unblinds and hashes each element. `None` if the proof does not verify.
pub(crate) fn finalize_batch(
    inputs: Vec<&[u8]>,
    clients: Vec<VoprfClient<Suite>>,
    elements: Vec<EvaluationElement<Suite>>,
    proof: &Proof<Suite>,
    public_key: Element,
) -> Option<Vec<[u8; OUTPUT_LEN]>> {
    let outputs =
        VoprfClient::batch_finalize(&inputs, &clients, &elements, proof, public_key).ok()?;
    outputs
        .map(|o| {
            let o = o.ok()?;
            let mut out = [0u8; OUTPUT_LEN];
            out.copy_from_slice(&o);
            Some(out)
        })
        .collect()
}

/// Evaluate(input): the holder's own OPRF output, without blinding.
pub(crate) fn evaluate_direct(
    server: &VoprfServer<Suite>,
    input: &[u8],
) -> Option<[u8; OUTPUT_LEN]> {
    let o = server.evaluate(input).ok()?;
    let mut out = [0u8; OUTPUT_LEN];
    out.copy_from_slice(&o);
    Some(out)
}

/// Reads a blinded element.
pub(crate) fn blinded_element(bytes: &[u8]) -> Option<BlindedElement<Suite>> {
    BlindedElement::<Suite>::deserialize(bytes).ok()
}

/// Reads an evaluated element.
pub(crate) fn evaluation_element(bytes: &[u8]) -> Option<EvaluationElement<Suite>> {
    EvaluationElement::<Suite>::deserialize(bytes).ok()
}

/// Reads a proof: two canonical, non-zero scalars.
pub(crate) fn proof(bytes: &[u8]) -> Option<Proof<Suite>> {
    Proof::<Suite>::deserialize(bytes).ok()
}

/// Reads a client state: the blind (a canonical non-zero scalar), then the
/// blinded element.
pub(crate) fn client(bytes: &[u8]) -> Option<VoprfClient<Suite>> {
    VoprfClient::<Suite>::deserialize(bytes).ok()
}

/// Serializes elements on every core (each is a point compression).
pub(crate) fn encode_all<T: Sync>(
    items: &[T],
    encode: impl Fn(&T) -> [u8; ELEMENT_LEN] + Sync + Send,
) -> Vec<[u8; ELEMENT_LEN]> {
    use rayon::prelude::*;
    items.par_iter().map(encode).collect()
}

/// Reads `bytes` as consecutive 32-byte elements on every core; the index
/// of the first one that does not decode, if any.
pub(crate) fn decode_all<T: Send>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Option<T> + Sync + Send,
) -> Result<Vec<T>, usize> {
    use rayon::prelude::*;
    let decoded: Vec<Option<T>> = bytes.par_chunks(ELEMENT_LEN).map(decode).collect();
    match decoded.iter().position(Option::is_none) {
        Some(i) => Err(i),
        None => Ok(decoded.into_iter().flatten().collect()),
    }
}

/// The 32 bytes of a blinded element.
pub(crate) fn blinded_bytes(e: &BlindedElement<Suite>) -> [u8; ELEMENT_LEN] {
    let mut out = [0u8; ELEMENT_LEN];
    out.copy_from_slice(&e.serialize());
    out
}

/// The 32 bytes of an evaluated element.
pub(crate) fn evaluation_bytes(e: &EvaluationElement<Suite>) -> [u8; ELEMENT_LEN] {
    let mut out = [0u8; ELEMENT_LEN];
    out.copy_from_slice(&e.serialize());
    out
}

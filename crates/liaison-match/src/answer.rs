//! The holder's answer ([`evaluate`]) and the querier's last step
//! ([`Pending::finish`]): verify the proofs against the committed keys,
//! unblind, look the outputs up in the index.

use rayon::prelude::*;
use voprf::{EvaluationElement, Proof};

use crate::error::{EvaluateError, FinishError, RandomError};
use crate::format::{Message, ParseError, Reader, Writer};
use crate::index::Index;
use crate::keys::{Commitment, CommitmentId, HolderKey};
use crate::kind::KeyKind;
use crate::oprf::{self, ELEMENT_LEN, MAX_PROOF_BATCH, PROOF_LEN, Suite};
use crate::query::{Pending, Query, SessionId};
use crate::resolver::HitReference;
use crate::rng::Source;

/// The number of elements each proof covers unless told otherwise: small
/// enough that every core has work, large enough that the proofs (64 bytes
/// and two scalar multiplications each) cost little.
pub const DEFAULT_PROOF_CHUNK: u16 = 512;

/// One answer group: a kind, its evaluated elements, one proof per chunk.
type AnswerGroup = (KeyKind, Vec<EvaluationElement<Suite>>, Vec<Proof<Suite>>);

/// The holder's answer: each blinded key evaluated under the kind's
/// committed key, with a DLEQ proof (RFC 9497, section 2.2) for each chunk
/// of consecutive elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    session: SessionId,
    commitment: CommitmentId,
    chunk: u16,
    groups: Vec<AnswerGroup>,
}

/// The holder's evaluation of `query` under `key`, which must be the key of
/// `commitment` (the one its published index carries), with proofs over
/// chunks of [`DEFAULT_PROOF_CHUNK`] elements, on every core.
///
/// Charge the query to the partner's budget before calling this: every
/// evaluated key is one guess the querier could test.
///
/// # Errors
/// [`EvaluateError::StaleCommitment`] if the query was made against another
/// commitment, [`EvaluateError::UnknownKind`] for a kind not committed,
/// [`EvaluateError::KeyMismatch`] if `key` is not the committed key,
/// [`EvaluateError::Random`] if the generator fails.
pub fn evaluate(
    key: &HolderKey,
    commitment: &Commitment,
    query: &Query,
) -> Result<Answer, EvaluateError> {
    evaluate_chunked(key, commitment, query, DEFAULT_PROOF_CHUNK)
}

/// [`evaluate`] with `chunk` elements per proof (1 to 65535).
///
/// # Errors
/// As [`evaluate`], and [`EvaluateError::ChunkSize`] for a chunk of 0.
pub fn evaluate_chunked(
    key: &HolderKey,
    commitment: &Commitment,
    query: &Query,
    chunk: u16,
) -> Result<Answer, EvaluateError> {
    evaluate_from(key, commitment, query, chunk, Source::Os)
}

/// [`evaluate_chunked`] with the proof scalars drawn from `source`.
pub(crate) fn evaluate_from(
    key: &HolderKey,
    commitment: &Commitment,
    query: &Query,
    chunk: u16,
    source: Source<'_>,
) -> Result<Answer, EvaluateError> {
    if chunk == 0 {
        return Err(EvaluateError::ChunkSize);
    }
    if query.commitment != commitment.id() {
        return Err(EvaluateError::StaleCommitment {
            query: query.commitment,
            current: commitment.id(),
        });
    }
    // The chunk size is at most the largest group's count, so that no
    // other chunk size describes the same answer (see `Answer::from_bytes`).
    let largest = query.groups.iter().map(|(_, b)| b.len()).max().unwrap_or(1);
    let chunk = u16::try_from(largest).map_or(chunk, |l| chunk.min(l.max(1)));
    let mut groups = Vec::with_capacity(query.groups.len());
    for (group, (kind, blinded)) in query.groups.iter().enumerate() {
        let committed = commitment
            .public_key(kind)
            .ok_or_else(|| EvaluateError::UnknownKind { kind: kind.clone() })?;
        let server = key.server(kind)?;
        if oprf::element_bytes(server.get_public_key()) != *committed.as_bytes() {
            return Err(EvaluateError::KeyMismatch { kind: kind.clone() });
        }
        let chunks = blinded
            .par_chunks(usize::from(chunk))
            .enumerate()
            .map(|(i, c)| {
                let mut rng = source.chunk(2, group, i);
                let out = oprf::evaluate_batch(&server, c, &mut rng);
                rng.check()?;
                out.ok_or_else(|| RandomError("the evaluation failed".to_owned()))
            })
            .collect::<Result<Vec<_>, RandomError>>()?;
        let mut elements = Vec::with_capacity(blinded.len());
        let mut proofs = Vec::with_capacity(chunks.len());
        for (e, p) in chunks {
            elements.extend(e);
            proofs.push(p);
        }
        groups.push((kind.clone(), elements, proofs));
    }
    Ok(Answer {
        session: query.session,
        commitment: query.commitment,
        chunk,
        groups,
    })
}

impl Answer {
    /// The session of the query it answers.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The key commitment it claims to be made under.
    pub fn commitment(&self) -> CommitmentId {
        self.commitment
    }

    /// Reads an answer: `"LMAN"`, version 1, suite 1, the session id (16
    /// bytes), the commitment id (32), the proof chunk size (2 bytes, from 1
    /// to the largest group's element count, so that it is the only chunk
    /// size that describes the answer), the group count (2, at least 1), then each group in
    /// strictly ascending order of kind: the kind, the element count (4, at
    /// least 1), the evaluated elements (32 bytes each), and one proof (64
    /// bytes: the scalars `c` then `s`) for each run of chunk-size elements
    /// (the last run may be shorter).
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Answer)?;
        let session = SessionId::from_bytes(r.array::<16>("session id")?);
        let commitment = CommitmentId::from_array(r.array::<32>("commitment id")?);
        let chunk_at = r.pos();
        let chunk = r.u16("proof chunk size")?;
        if chunk == 0 {
            return Err(r.invalid(chunk_at, "proof chunk size", "is 0"));
        }
        let at = r.pos();
        let count = r.u16("group count")?;
        if count == 0 {
            return Err(r.invalid(at, "group count", "is 0"));
        }
        let mut groups: Vec<AnswerGroup> = Vec::new();
        for _ in 0..count {
            let at = r.pos();
            let kind = r.kind()?;
            if groups.last().is_some_and(|(last, _, _)| *last >= kind) {
                return Err(r.invalid(at, "kind", "is not in strictly ascending order"));
            }
            let at = r.pos();
            let n = r.count32("element count", ELEMENT_LEN)?;
            if n == 0 {
                return Err(r.invalid(at, "element count", "is 0"));
            }
            let at = r.pos();
            let bytes = r.take(n * ELEMENT_LEN, "evaluated elements")?;
            let elements = oprf::decode_all(bytes, oprf::evaluation_element).map_err(|i| {
                r.invalid(
                    at + i * ELEMENT_LEN,
                    "evaluated element",
                    "is not a canonical ristretto255 element other than the identity",
                )
            })?;
            let proof_count = n.div_ceil(usize::from(chunk));
            let mut proofs = Vec::with_capacity(proof_count);
            for _ in 0..proof_count {
                let at = r.pos();
                let bytes = r.take(PROOF_LEN, "proof")?;
                proofs.push(oprf::proof(bytes).ok_or_else(|| {
                    r.invalid(at, "proof", "is not two canonical non-zero scalars")
                })?);
            }
            groups.push((kind, elements, proofs));
        }
        let largest = groups.iter().map(|(_, e, _)| e.len()).max().unwrap_or(0);
        if usize::from(chunk) > largest {
            return Err(r.invalid(
                chunk_at,
                "proof chunk size",
                format!("is {chunk}, more than the largest group's {largest} elements"),
            ));
        }
        r.finish()?;
        Ok(Answer {
            session,
            commitment,
            chunk,
            groups,
        })
    }

    /// The answer's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n: usize = self
            .groups
            .iter()
            .map(|(_, e, p)| 37 + e.len() * ELEMENT_LEN + p.len() * PROOF_LEN)
            .sum();
        let mut w = Writer::new(Message::Answer, 54 + n);
        w.bytes(self.session.as_bytes());
        w.bytes(self.commitment.as_bytes());
        w.u16(self.chunk);
        w.u16(u16::try_from(self.groups.len()).unwrap_or(u16::MAX));
        for (kind, elements, proofs) in &self.groups {
            w.kind(kind);
            w.count32(elements.len());
            for e in oprf::encode_all(elements, oprf::evaluation_bytes) {
                w.bytes(&e);
            }
            for p in proofs {
                w.bytes(&p.serialize());
            }
        }
        w.into_bytes()
    }
}

/// The outcome of one key of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The key's kind.
    pub kind: KeyKind,
    /// `Some` with the hit reference if the key's output is in the index
    /// (a false positive has probability [`Index::false_positive_rate`]),
    /// `None` if the holder does not have the key.
    pub hit: Option<HitReference>,
}

impl Pending {
    /// Checks the answer against the query and the index, verifies every
    /// proof against the index's committed keys, unblinds (on every core)
    /// and looks each output up. The outcomes are in the order the keys
    /// were added to the query.
    ///
    /// # Errors
    /// [`FinishError::Session`] or [`FinishError::Commitment`] if the answer
    /// or the index is not this query's, [`FinishError::IndexChanged`] if
    /// the index is not byte for byte the one the query was made against
    /// (a newer index under the same key), [`FinishError::Shape`] if the
    /// answer's kinds or counts are not the query's, [`FinishError::Proof`]
    /// if any proof fails.
    pub fn finish(&self, index: &Index, answer: &Answer) -> Result<Vec<Outcome>, FinishError> {
        if answer.session != self.session {
            return Err(FinishError::Session {
                expected: self.session.to_string(),
                found: answer.session.to_string(),
            });
        }
        for (what, found) in [
            ("index", index.commitment().id()),
            ("answer", answer.commitment),
        ] {
            if found != self.commitment {
                return Err(FinishError::Commitment {
                    what,
                    expected: self.commitment,
                    found,
                });
            }
        }
        let digest = index.digest();
        if digest != self.index_digest {
            return Err(FinishError::IndexChanged {
                expected: hex::encode(self.index_digest),
                found: hex::encode(digest),
            });
        }
        if answer.groups.len() != self.groups.len() {
            return Err(FinishError::Shape(format!(
                "{} groups of kinds, the query has {}",
                answer.groups.len(),
                self.groups.len()
            )));
        }
        let chunk = usize::from(answer.chunk).min(MAX_PROOF_BATCH);
        let mut tasks = Vec::new();
        for ((kind, items), (answer_kind, elements, proofs)) in
            self.groups.iter().zip(&answer.groups)
        {
            if kind != answer_kind {
                return Err(FinishError::Shape(format!(
                    "kind `{answer_kind}` where the query has `{kind}`"
                )));
            }
            if elements.len() != items.len() {
                return Err(FinishError::Shape(format!(
                    "{} elements of kind `{kind}`, the query has {}",
                    elements.len(),
                    items.len()
                )));
            }
            let public_key = index
                .commitment()
                .public_key(kind)
                .ok_or_else(|| FinishError::Shape(format!("the index has no kind `{kind}`")))?
                .element();
            for ((items, elements), proof) in
                items.chunks(chunk).zip(elements.chunks(chunk)).zip(proofs)
            {
                tasks.push((kind, items, elements, proof, public_key));
            }
        }
        let finished = tasks
            .par_iter()
            .map(|(kind, items, elements, proof, public_key)| {
                let outputs = oprf::finalize_batch(
                    items.iter().map(|i| i.input.as_slice()).collect(),
                    items.iter().map(|i| i.client.clone()).collect(),
                    elements.to_vec(),
                    proof,
                    *public_key,
                )?;
                items
                    .iter()
                    .zip(outputs)
                    .map(|(item, output)| {
                        let hit = index
                            .contains(kind, &output)?
                            .then(|| HitReference::of_output(&output));
                        Some((
                            item.position,
                            Outcome {
                                kind: (*kind).clone(),
                                hit,
                            },
                        ))
                    })
                    .collect::<Option<Vec<_>>>()
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(FinishError::Proof)?;
        let mut outcomes: Vec<Option<Outcome>> =
            vec![None; usize::try_from(self.total).unwrap_or(0)];
        for (position, outcome) in finished.into_iter().flatten() {
            if let Some(slot) = usize::try_from(position)
                .ok()
                .and_then(|p| outcomes.get_mut(p))
            {
                *slot = Some(outcome);
            }
        }
        outcomes
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| FinishError::Shape("a key of the query has no outcome".to_owned()))
    }
}

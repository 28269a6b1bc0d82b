//! The querier's side before the answer: blinding its keys into a
//! [`Query`] for the holder, and keeping the blinds in a [`Pending`] state.

use std::collections::BTreeMap;
use std::fmt;

use rayon::prelude::*;
use voprf::{BlindedElement, VoprfClient};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{QueryError, RandomError};
use crate::format::{Message, ParseError, Reader, Writer};
use crate::index::Index;
use crate::keys::CommitmentId;
use crate::kind::{KeyKind, MAX_VALUE_LEN, oprf_input};
use crate::oprf::{self, ELEMENT_LEN, Suite};
use crate::rng::Source;

/// A key's position in the query and its OPRF input.
type Positioned = (u32, Zeroizing<Vec<u8>>);

/// How many keys one parallel task blinds.
const BLIND_CHUNK: usize = 256;

/// A query's random name, chosen by the querier and echoed in the answer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId([u8; 16]);

impl SessionId {
    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// From its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        SessionId(bytes)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// What both sides may log of a batch: its session, and how many keys of
/// each kind it asks about. Never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    /// The query's session.
    pub session: SessionId,
    /// The key commitment the query was made against.
    pub commitment: CommitmentId,
    /// Each kind and its number of keys, in ascending order of kind.
    pub kinds: Vec<(KeyKind, u32)>,
}

impl BatchSummary {
    /// The number of keys, all kinds together.
    pub fn total(&self) -> u64 {
        self.kinds.iter().map(|(_, n)| u64::from(*n)).sum()
    }
}

/// Collects the keys a querier asks about, against the holder's index.
#[derive(Debug)]
pub struct QueryBuilder<'a> {
    index: &'a Index,
    purpose: String,
    items: Vec<(KeyKind, Zeroizing<Vec<u8>>)>,
}

/// The longest purpose name a pending state keeps, in bytes.
pub const MAX_PURPOSE_LEN: usize = 255;

impl<'a> QueryBuilder<'a> {
    /// An empty query against `index`.
    pub fn new(index: &'a Index) -> Self {
        QueryBuilder {
            index,
            purpose: String::new(),
            items: Vec::new(),
        }
    }

    /// Names the purpose the query is made for (1 to 255 bytes of UTF-8),
    /// kept in the [`Pending`] state so that the answer can be checked to
    /// be for the same purpose; none when not called.
    ///
    /// # Errors
    /// [`QueryError::Purpose`] for an empty name or one longer than 255
    /// bytes.
    pub fn purpose(&mut self, purpose: &str) -> Result<(), QueryError> {
        if purpose.is_empty() || purpose.len() > MAX_PURPOSE_LEN {
            return Err(QueryError::Purpose);
        }
        purpose.clone_into(&mut self.purpose);
        Ok(())
    }

    /// Adds a key; returns its position in the outcomes of
    /// [`Pending::finish`].
    ///
    /// # Errors
    /// [`QueryError::UnknownKind`] if the index has no key of `kind` (the
    /// query could not hit, and would spend budget), [`QueryError::Key`] for
    /// an empty value or one longer than 4096 bytes.
    pub fn push(&mut self, kind: &KeyKind, value: &[u8]) -> Result<usize, QueryError> {
        if self.index.entries(kind).is_none() {
            let available: Vec<&str> = self.index.kinds().map(KeyKind::as_str).collect();
            return Err(QueryError::UnknownKind {
                kind: kind.clone(),
                available: if available.is_empty() {
                    "none".to_owned()
                } else {
                    available.join(", ")
                },
            });
        }
        let input = Zeroizing::new(oprf_input(kind, value)?);
        self.items.push((kind.clone(), input));
        Ok(self.items.len() - 1)
    }

    /// How many keys were added.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no key was added.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Blinds every key with a fresh random blind (on every core): the
    /// query to send, and the state to keep for [`Pending::finish`].
    ///
    /// # Errors
    /// [`QueryError::Empty`], [`QueryError::TooMany`] beyond 2^32 - 1 keys,
    /// [`QueryError::Random`] if the generator fails.
    pub fn blind(self) -> Result<(Pending, Query), QueryError> {
        self.blind_from(Source::Os)
    }

    /// [`QueryBuilder::blind`] with the blinds and the session id drawn
    /// from `source`.
    pub(crate) fn blind_from(self, source: Source<'_>) -> Result<(Pending, Query), QueryError> {
        if self.items.is_empty() {
            return Err(QueryError::Empty);
        }
        let total = u32::try_from(self.items.len()).map_err(|_| QueryError::TooMany {
            count: self.items.len(),
        })?;
        let mut session = [0u8; 16];
        source.fill(0, &mut session)?;
        let session = SessionId(session);
        let commitment = self.index.commitment().id();
        let index_digest = self.index.digest();

        let mut by_kind: BTreeMap<KeyKind, Vec<Positioned>> = BTreeMap::new();
        for (position, (kind, input)) in (0u32..).zip(self.items) {
            by_kind.entry(kind).or_default().push((position, input));
        }
        let mut pending_groups = Vec::with_capacity(by_kind.len());
        let mut query_groups = Vec::with_capacity(by_kind.len());
        for (group, (kind, items)) in by_kind.into_iter().enumerate() {
            let blinded = items
                .par_chunks(BLIND_CHUNK)
                .enumerate()
                .map(|(c, chunk)| {
                    let mut rng = source.chunk(1, group, c);
                    let out: Option<Vec<_>> = chunk
                        .iter()
                        .map(|(_, input)| oprf::blind(input, &mut rng))
                        .collect();
                    rng.check()?;
                    out.ok_or_else(|| RandomError("blinding failed".to_owned()))
                })
                .collect::<Result<Vec<_>, RandomError>>()?;
            let mut elements = Vec::with_capacity(items.len());
            let mut pending = Vec::with_capacity(items.len());
            for ((position, input), (client, element)) in
                items.into_iter().zip(blinded.into_iter().flatten())
            {
                elements.push(element);
                pending.push(PendingItem {
                    position,
                    input,
                    client,
                });
            }
            query_groups.push((kind.clone(), elements));
            pending_groups.push((kind, pending));
        }
        let pending = Pending {
            session,
            commitment,
            index_digest,
            purpose: self.purpose,
            total,
            groups: pending_groups,
        };
        let query = Query {
            session,
            commitment,
            groups: query_groups,
        };
        Ok((pending, query))
    }
}

/// The message to the holder: the blinded keys, grouped by kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub(crate) session: SessionId,
    pub(crate) commitment: CommitmentId,
    pub(crate) groups: Vec<(KeyKind, Vec<BlindedElement<Suite>>)>,
}

impl Query {
    /// The query's session.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The key commitment the query was made against.
    pub fn commitment(&self) -> CommitmentId {
        self.commitment
    }

    /// What may be logged of it: counts and kinds.
    pub fn summary(&self) -> BatchSummary {
        BatchSummary {
            session: self.session,
            commitment: self.commitment,
            kinds: self
                .groups
                .iter()
                .map(|(k, e)| (k.clone(), u32::try_from(e.len()).unwrap_or(u32::MAX)))
                .collect(),
        }
    }

    /// Reads a query: `"LMQY"`, version 1, suite 1, the session id (16
    /// bytes), the commitment id (32 bytes), the group count (2 bytes, at
    /// least 1), then each group in strictly ascending order of kind: the
    /// kind, the element count (4 bytes, at least 1), the blinded elements
    /// (32 bytes each, canonical, not the identity).
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Query)?;
        let session = SessionId(r.array::<16>("session id")?);
        let commitment = CommitmentId::from_array(r.array::<32>("commitment id")?);
        let at = r.pos();
        let count = r.u16("group count")?;
        if count == 0 {
            return Err(r.invalid(at, "group count", "is 0"));
        }
        let mut groups: Vec<(KeyKind, Vec<BlindedElement<Suite>>)> = Vec::new();
        for _ in 0..count {
            let at = r.pos();
            let kind = r.kind()?;
            if groups.last().is_some_and(|(last, _)| *last >= kind) {
                return Err(r.invalid(at, "kind", "is not in strictly ascending order"));
            }
            let at = r.pos();
            let n = r.count32("element count", ELEMENT_LEN)?;
            if n == 0 {
                return Err(r.invalid(at, "element count", "is 0"));
            }
            let at = r.pos();
            let bytes = r.take(n * ELEMENT_LEN, "blinded elements")?;
            let elements = oprf::decode_all(bytes, oprf::blinded_element).map_err(|i| {
                r.invalid(
                    at + i * ELEMENT_LEN,
                    "blinded element",
                    "is not a canonical ristretto255 element other than the identity",
                )
            })?;
            groups.push((kind, elements));
        }
        r.finish()?;
        Ok(Query {
            session,
            commitment,
            groups,
        })
    }

    /// The query's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n: usize = self
            .groups
            .iter()
            .map(|(_, e)| 37 + e.len() * ELEMENT_LEN)
            .sum();
        let mut w = Writer::new(Message::Query, 50 + n);
        w.bytes(self.session.as_bytes());
        w.bytes(self.commitment.as_bytes());
        w.u16(u16::try_from(self.groups.len()).unwrap_or(u16::MAX));
        for (kind, elements) in &self.groups {
            w.kind(kind);
            w.count32(elements.len());
            for e in oprf::encode_all(elements, oprf::blinded_bytes) {
                w.bytes(&e);
            }
        }
        w.into_bytes()
    }
}

/// One key of a pending query.
pub(crate) struct PendingItem {
    pub(crate) position: u32,
    pub(crate) input: Zeroizing<Vec<u8>>,
    pub(crate) client: VoprfClient<Suite>,
}

/// The querier's secret state between the query and the answer: its keys
/// and their blinds. It is wiped when dropped and its `Debug` shows only
/// counts. Keep it as secret as the keys themselves.
pub struct Pending {
    pub(crate) session: SessionId,
    pub(crate) commitment: CommitmentId,
    pub(crate) index_digest: [u8; 32],
    pub(crate) purpose: String,
    pub(crate) total: u32,
    pub(crate) groups: Vec<(KeyKind, Vec<PendingItem>)>,
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("session", &self.session)
            .field("commitment", &self.commitment)
            .field("purpose", &self.purpose)
            .field("keys", &self.total)
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// The query's session.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The purpose the query was made for, if one was named
    /// ([`QueryBuilder::purpose`]).
    pub fn purpose(&self) -> Option<&str> {
        (!self.purpose.is_empty()).then_some(self.purpose.as_str())
    }

    /// The SHA-256 digest of the index message the query was made against
    /// ([`Index::digest`]); [`Pending::finish`] refuses any other index.
    pub fn index_digest(&self) -> [u8; 32] {
        self.index_digest
    }

    /// What may be logged of it: counts and kinds.
    pub fn summary(&self) -> BatchSummary {
        BatchSummary {
            session: self.session,
            commitment: self.commitment,
            kinds: self
                .groups
                .iter()
                .map(|(k, items)| (k.clone(), u32::try_from(items.len()).unwrap_or(u32::MAX)))
                .collect(),
        }
    }

    /// Reads a pending state: `"LMPD"`, version 1, suite 1, the session id
    /// (16 bytes), the commitment id (32), the SHA-256 digest of the index
    /// message (32), the purpose (a 1-byte length, 0 to 255, and UTF-8;
    /// empty when none was named), the key count (4, at least 1),
    /// the group count (2), then each group in strictly ascending order of
    /// kind: the kind, the item count (4, at least 1), and each item: its
    /// position (4), the value's length (2) and the value, the blind (32)
    /// and the blinded element (32). The positions are each of 0 to the key
    /// count minus one exactly once.
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Pending)?;
        let session = SessionId(r.array::<16>("session id")?);
        let commitment = CommitmentId::from_array(r.array::<32>("commitment id")?);
        let index_digest = r.array::<32>("index digest")?;
        let at = r.pos();
        let len = usize::from(r.u8("purpose length")?);
        let purpose = String::from_utf8(r.take(len, "purpose")?.to_vec())
            .map_err(|_| r.invalid(at, "purpose", "is not UTF-8"))?;
        let at = r.pos();
        let total = r.u32("key count")?;
        if total == 0 {
            return Err(r.invalid(at, "key count", "is 0"));
        }
        let mut seen = vec![false; usize::try_from(total).unwrap_or(0).min(r.left() / 71)];
        if seen.len() != usize::try_from(total).unwrap_or(usize::MAX) {
            return Err(r.invalid(
                at,
                "key count",
                "is more than the bytes that follow can hold",
            ));
        }
        let count = r.u16("group count")?;
        let mut groups: Vec<(KeyKind, Vec<PendingItem>)> = Vec::new();
        for _ in 0..count {
            let at = r.pos();
            let kind = r.kind()?;
            if groups.last().is_some_and(|(last, _)| *last >= kind) {
                return Err(r.invalid(at, "kind", "is not in strictly ascending order"));
            }
            let at = r.pos();
            let n = r.count32("item count", 71)?;
            if n == 0 {
                return Err(r.invalid(at, "item count", "is 0"));
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                let at = r.pos();
                let position = r.u32("position")?;
                let slot = usize::try_from(position).ok().and_then(|p| seen.get_mut(p));
                match slot {
                    Some(s) if !*s => *s = true,
                    _ => {
                        return Err(r.invalid(
                            at,
                            "position",
                            format!("{position} is out of range or repeated"),
                        ));
                    }
                }
                let at = r.pos();
                let len = usize::from(r.u16("value length")?);
                let value = r.take(len, "value")?;
                if len == 0 || len > MAX_VALUE_LEN {
                    return Err(r.invalid(at, "value length", "is not between 1 and 4096"));
                }
                let input = Zeroizing::new(
                    oprf_input(&kind, value).map_err(|e| r.invalid(at, "value", e.to_string()))?,
                );
                let at = r.pos();
                let state = Zeroizing::new(r.array::<64>("blind and blinded element")?);
                let client = oprf::client(state.as_slice()).ok_or_else(|| {
                    r.invalid(
                        at,
                        "blind and blinded element",
                        "is not a non-zero canonical scalar and a valid element",
                    )
                })?;
                items.push(PendingItem {
                    position,
                    input,
                    client,
                });
            }
            groups.push((kind, items));
        }
        let at = r.pos();
        if seen.iter().any(|s| !s) {
            return Err(r.invalid(
                at,
                "position",
                "not every position from 0 to the key count is present",
            ));
        }
        r.finish()?;
        Ok(Pending {
            session,
            commitment,
            index_digest,
            purpose,
            total,
            groups,
        })
    }

    /// The pending state's bytes (secret: they hold the keys and blinds).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let n: usize = self
            .groups
            .iter()
            .map(|(_, items)| 37 + items.iter().map(|i| 4 + i.input.len() + 64).sum::<usize>())
            .sum();
        let mut w = Writer::new(Message::Pending, 87 + self.purpose.len() + n);
        w.bytes(self.session.as_bytes());
        w.bytes(self.commitment.as_bytes());
        w.bytes(&self.index_digest);
        w.u8(u8::try_from(self.purpose.len()).unwrap_or(u8::MAX));
        w.bytes(self.purpose.as_bytes());
        w.u32(self.total);
        w.u16(u16::try_from(self.groups.len()).unwrap_or(u16::MAX));
        for (kind, items) in &self.groups {
            w.kind(kind);
            w.count32(items.len());
            for item in items {
                w.u32(item.position);
                // The input is len(kind) || kind || len(value) || value: the
                // value and its length are its tail.
                let tail = item.input.get(1 + kind.as_str().len()..).unwrap_or(&[]);
                w.bytes(tail);
                let mut state = item.client.serialize();
                w.bytes(state.as_slice());
                state.as_mut_slice().zeroize();
            }
        }
        Zeroizing::new(w.into_bytes())
    }
}

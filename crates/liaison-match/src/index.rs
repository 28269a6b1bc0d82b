//! The holder's index: per kind, a filter over the OPRF outputs of the
//! holder's match keys, published with the key commitment.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::error::{IndexError, KeyError};
use crate::filter::{Filter, FilterWidth, MAX_SECTION_ENTRIES, filter_key};
use crate::format::{Message, ParseError, Reader, Writer};
use crate::keys::{Commitment, HolderKey, PublicKey, read_public_key};
use crate::kind::{KeyKind, oprf_input};
use crate::oprf::{self, ELEMENT_LEN, OUTPUT_LEN};
use crate::resolver::{HitReference, Resolver};

/// How many entries one parallel task evaluates before it reports progress.
const BUILD_CHUNK: usize = 2048;

/// One kind's part of an index.
#[derive(Debug, Clone)]
struct Section {
    kind: KeyKind,
    public_key: PublicKey,
    entries: u32,
    filter: Filter,
}

/// The published index: for each kind, the holder's public key and a
/// filter over the OPRF outputs of its match keys. It reveals how many
/// distinct keys of each kind the holder indexed, and nothing about which:
/// without the holder's key no one can compute an output to look up.
#[derive(Debug, Clone)]
pub struct Index {
    width: FilterWidth,
    sections: Vec<Section>,
    commitment: Commitment,
}

impl Index {
    fn from_sections(width: FilterWidth, sections: Vec<Section>) -> Self {
        let commitment = Commitment::from_sorted(
            sections
                .iter()
                .map(|s| (s.kind.clone(), s.public_key.clone()))
                .collect(),
        );
        Index {
            width,
            sections,
            commitment,
        }
    }

    /// The holder's key commitment, which every answer is checked against.
    pub fn commitment(&self) -> &Commitment {
        &self.commitment
    }

    /// The SHA-256 digest of the index message ([`Index::to_bytes`]): a
    /// pending query keeps it, so that the answer is looked up in the very
    /// index the query was made against.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(self.to_bytes()).into()
    }

    /// The fingerprint width of every section's filter.
    pub fn width(&self) -> FilterWidth {
        self.width
    }

    /// The probability that one looked-up key the holder does not have is
    /// reported as a hit: 2^-bits.
    pub fn false_positive_rate(&self) -> f64 {
        self.width.false_positive_rate()
    }

    /// The kinds, in ascending order.
    pub fn kinds(&self) -> impl Iterator<Item = &KeyKind> {
        self.sections.iter().map(|s| &s.kind)
    }

    /// How many distinct keys of `kind` the holder indexed.
    pub fn entries(&self, kind: &KeyKind) -> Option<u32> {
        self.section(kind).map(|s| s.entries)
    }

    /// How many distinct keys the index holds, all kinds together.
    pub fn total_entries(&self) -> u64 {
        self.sections.iter().map(|s| u64::from(s.entries)).sum()
    }

    fn section(&self, kind: &KeyKind) -> Option<&Section> {
        self.sections
            .binary_search_by(|s| s.kind.cmp(kind))
            .ok()
            .and_then(|i| self.sections.get(i))
    }

    /// Whether the output of a key of `kind` is in the index (`None` if the
    /// index has no such kind).
    pub(crate) fn contains(&self, kind: &KeyKind, output: &[u8; OUTPUT_LEN]) -> Option<bool> {
        self.section(kind)
            .map(|s| s.filter.contains(filter_key(output)))
    }

    /// Reads an index: `"LMIX"`, version 1, suite 1, the fingerprint width
    /// in bits (1 byte: 8, 16 or 32), the section count (2 bytes), then each
    /// section in strictly ascending order of kind: the kind, its 32-byte
    /// public key, the entry count (4 bytes), the filter.
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Index)?;
        let at = r.pos();
        let bits = r.u8("fingerprint width")?;
        let width = FilterWidth::from_bits(bits).ok_or_else(|| {
            r.invalid(
                at,
                "fingerprint width",
                format!("is {bits}, not 8, 16 or 32"),
            )
        })?;
        let count = r.u16("section count")?;
        let mut sections: Vec<Section> = Vec::new();
        for _ in 0..count {
            let at = r.pos();
            let kind = r.kind()?;
            if sections.last().is_some_and(|last| last.kind >= kind) {
                return Err(r.invalid(at, "kind", "is not in strictly ascending order"));
            }
            let public_key = read_public_key(&mut r)?;
            let at = r.pos();
            let entries = r.u32("entry count")?;
            if usize::try_from(entries).map_or(true, |n| n > MAX_SECTION_ENTRIES) {
                return Err(r.invalid(at, "entry count", "is more than 2^30"));
            }
            let filter = Filter::read(&mut r, width)?;
            sections.push(Section {
                kind,
                public_key,
                entries,
                filter,
            });
        }
        r.finish()?;
        Ok(Index::from_sections(width, sections))
    }

    /// The index's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let len: usize = self
            .sections
            .iter()
            .map(|s| 1 + s.kind.as_str().len() + ELEMENT_LEN + 4 + s.filter.encoded_len())
            .sum();
        let mut w = Writer::new(Message::Index, 3 + len);
        w.u8(self.width.bits());
        w.u16(u16::try_from(self.sections.len()).unwrap_or(u16::MAX));
        for s in &self.sections {
            w.kind(&s.kind);
            w.bytes(s.public_key.as_bytes());
            w.u32(s.entries);
            s.filter.write(&mut w);
        }
        w.into_bytes()
    }
}

/// Collects the holder's match keys and builds the [`Index`] and the
/// [`Resolver`] of hit references.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    width: FilterWidth,
    kinds: BTreeMap<KeyKind, u16>,
    entries: Vec<(u16, Vec<u8>, Vec<u8>)>,
}

/// What [`IndexBuilder::build`] makes: the index to publish and the
/// resolver the holder keeps.
#[derive(Debug)]
pub struct Built {
    /// The index, to send to the partners.
    pub index: Index,
    /// The resolver of hit references, kept by the holder only.
    pub resolver: Resolver,
}

impl IndexBuilder {
    /// An empty builder whose filters have fingerprints of `width`.
    pub fn new(width: FilterWidth) -> Self {
        IndexBuilder {
            width,
            ..IndexBuilder::default()
        }
    }

    /// Adds a match key of `kind` for the record `record` (opaque bytes, at
    /// most 65535, that [`Resolver::resolve`] gives back for a hit on this
    /// key). The same key may be added for several records.
    ///
    /// # Errors
    /// [`IndexError::Key`] if the value is empty or longer than 4096 bytes,
    /// [`IndexError::RecordTooLong`], [`IndexError::TooManyKinds`].
    pub fn insert(
        &mut self,
        kind: &KeyKind,
        value: &[u8],
        record: &[u8],
    ) -> Result<(), IndexError> {
        let input = oprf_input(kind, value)?;
        if u16::try_from(record.len()).is_err() {
            return Err(IndexError::RecordTooLong { len: record.len() });
        }
        let next = self.kinds.len();
        let slot = match self.kinds.get(kind) {
            Some(slot) => *slot,
            None => {
                let slot = u16::try_from(next)
                    .map_err(|_| IndexError::TooManyKinds { count: next + 1 })?;
                self.kinds.insert(kind.clone(), slot);
                slot
            }
        };
        self.entries.push((slot, input, record.to_vec()));
        Ok(())
    }

    /// How many keys were added.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Evaluates every key under `key` (on every core) and builds the index
    /// and the resolver.
    ///
    /// # Errors
    /// [`IndexError::TooMany`] for a kind of more than 2^30 keys,
    /// [`IndexError::Filter`] if a filter cannot be built (negligible).
    pub fn build(self, key: &HolderKey) -> Result<Built, IndexError> {
        self.build_with_progress(key, &|_| {})
    }

    /// [`IndexBuilder::build`], calling `progress` with the number of keys
    /// evaluated since the last call, from any thread.
    ///
    /// # Errors
    /// As [`IndexBuilder::build`].
    pub fn build_with_progress(
        self,
        key: &HolderKey,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Built, IndexError> {
        // Slot -> kind and OPRF key.
        let mut by_slot: Vec<Option<KeyKind>> = vec![None; self.kinds.len()];
        for (kind, slot) in &self.kinds {
            if let Some(place) = by_slot.get_mut(usize::from(*slot)) {
                *place = Some(kind.clone());
            }
        }
        let kinds: Vec<KeyKind> = by_slot.into_iter().flatten().collect();
        let servers = kinds
            .iter()
            .map(|k| key.server(k))
            .collect::<Result<Vec<_>, KeyError>>()?;

        let evaluated: Vec<Vec<(u16, u64, HitReference)>> = self
            .entries
            .par_chunks(BUILD_CHUNK)
            .map(|chunk| {
                let out = chunk
                    .iter()
                    .map(|(slot, input, _)| {
                        let server = servers.get(usize::from(*slot))?;
                        let output = oprf::evaluate_direct(server, input)?;
                        Some((*slot, filter_key(&output), HitReference::of_output(&output)))
                    })
                    .collect::<Option<Vec<_>>>();
                progress(chunk.len());
                out
            })
            .collect::<Option<_>>()
            .ok_or(IndexError::Evaluate)?;

        let mut keys: Vec<Vec<u64>> = vec![Vec::new(); kinds.len()];
        let mut references = Vec::with_capacity(self.entries.len());
        for ((slot, fkey, reference), (_, _, record)) in
            evaluated.into_iter().flatten().zip(self.entries)
        {
            if let Some(k) = keys.get_mut(usize::from(slot)) {
                k.push(fkey);
            }
            references.push((reference, slot, record));
        }

        let mut sections = kinds
            .par_iter()
            .zip(servers.par_iter())
            .zip(keys.par_iter_mut())
            .map(|((kind, server), keys)| {
                if keys.len() > MAX_SECTION_ENTRIES {
                    return Err(IndexError::TooMany {
                        kind: kind.clone(),
                        count: keys.len(),
                    });
                }
                let filter =
                    Filter::build(self.width, keys).map_err(|reason| IndexError::Filter {
                        kind: kind.clone(),
                        reason,
                    })?;
                Ok(Section {
                    kind: kind.clone(),
                    public_key: PublicKey::from_element(server.get_public_key()),
                    entries: u32::try_from(keys.len()).unwrap_or(u32::MAX),
                    filter,
                })
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        sections.sort_by(|a, b| a.kind.cmp(&b.kind));

        let index = Index::from_sections(self.width, sections);
        let resolver = Resolver::from_parts(index.commitment().id(), &kinds, references);
        Ok(Built { index, resolver })
    }
}

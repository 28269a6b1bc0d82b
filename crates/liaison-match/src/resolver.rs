//! Hit references: what a querier holds after a hit, and what the holder
//! resolves to its records.
//!
//! A hit reference is the last 32 bytes of the OPRF output of the key that
//! hit. The querier computed that output itself (it is the result of its
//! query), so the reference tells it nothing new; the holder, which computed
//! the same output when it built its index, keeps a table from references to
//! its record references. A reference can only be had by a query the holder
//! answered, and resolves only in the holder's own table.

use std::fmt;

use crate::format::{Message, ParseError, Reader, Writer};
use crate::keys::CommitmentId;
use crate::kind::KeyKind;
use crate::oprf::OUTPUT_LEN;

/// The length of a hit reference.
pub const REFERENCE_LEN: usize = 32;

/// An opaque reference to the holder's entry that a key hit. Send it with
/// the request that follows the hit; only the holder can resolve it, and a
/// hit reveals no data by itself.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HitReference([u8; REFERENCE_LEN]);

impl HitReference {
    /// The reference of an OPRF output: its bytes 32 to 63.
    pub(crate) fn of_output(output: &[u8; OUTPUT_LEN]) -> Self {
        let mut r = [0u8; REFERENCE_LEN];
        r.copy_from_slice(
            output
                .get(OUTPUT_LEN - REFERENCE_LEN..)
                .unwrap_or(&[0u8; 32]),
        );
        HitReference(r)
    }

    /// From its 32 bytes.
    pub fn from_bytes(bytes: [u8; REFERENCE_LEN]) -> Self {
        HitReference(bytes)
    }

    /// From 64 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut r = [0u8; REFERENCE_LEN];
        hex::decode_to_slice(hex, &mut r).ok()?;
        Some(HitReference(r))
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; REFERENCE_LEN] {
        &self.0
    }
}

impl fmt::Display for HitReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for HitReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HitReference({self})")
    }
}

/// What a hit reference resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution<'a> {
    /// The kind of the key that hit.
    pub kind: &'a KeyKind,
    /// The record references given for that key to the index builder, in
    /// ascending byte order.
    pub records: &'a [Vec<u8>],
}

/// The holder's table from hit references to its records. Keep it with the
/// holder key: it is not to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolver {
    commitment: CommitmentId,
    kinds: Vec<KeyKind>,
    // Sorted by reference, no duplicates; (reference, kind slot, records).
    entries: Vec<(HitReference, u16, Vec<Vec<u8>>)>,
}

impl Resolver {
    pub(crate) fn from_parts(
        commitment: CommitmentId,
        kinds: &[KeyKind],
        mut references: Vec<(HitReference, u16, Vec<u8>)>,
    ) -> Self {
        // Number the kinds in ascending order.
        let mut sorted: Vec<(KeyKind, u16)> = kinds.iter().cloned().zip(0u16..).collect();
        sorted.sort();
        let mut renumber = vec![0u16; sorted.len()];
        for (new, (_, old)) in (0u16..).zip(&sorted) {
            if let Some(slot) = renumber.get_mut(usize::from(*old)) {
                *slot = new;
            }
        }
        for (_, slot, _) in &mut references {
            *slot = renumber.get(usize::from(*slot)).copied().unwrap_or(*slot);
        }
        let kinds: Vec<KeyKind> = sorted.into_iter().map(|(k, _)| k).collect();
        references.sort();
        references.dedup();
        let mut entries: Vec<(HitReference, u16, Vec<Vec<u8>>)> = Vec::new();
        for (reference, slot, record) in references {
            match entries.last_mut() {
                Some((last, _, records)) if *last == reference => records.push(record),
                _ => entries.push((reference, slot, vec![record])),
            }
        }
        Resolver {
            commitment,
            kinds,
            entries,
        }
    }

    /// The key commitment of the index this resolver was built with.
    pub fn commitment(&self) -> CommitmentId {
        self.commitment
    }

    /// The kinds of the index it was built with, in ascending order.
    pub fn kinds(&self) -> impl Iterator<Item = &KeyKind> {
        self.kinds.iter()
    }

    /// How many distinct references it resolves.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it resolves none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The kind and records of a reference, or `None` for a reference this
    /// holder never issued.
    pub fn resolve(&self, reference: &HitReference) -> Option<Resolution<'_>> {
        let i = self
            .entries
            .binary_search_by(|(r, _, _)| r.cmp(reference))
            .ok()?;
        let (_, slot, records) = self.entries.get(i)?;
        Some(Resolution {
            kind: self.kinds.get(usize::from(*slot))?,
            records,
        })
    }

    /// Reads a resolver: `"LMRS"`, version 1, suite 1, the commitment id
    /// (32 bytes), the kind count (2 bytes) and the kinds (strictly ascending), the entry count (4
    /// bytes), then each entry in strictly ascending order of reference:
    /// the reference (32 bytes), the kind's number (2 bytes, from 0 in the
    /// order of the kinds), the record count (4 bytes, at least 1) and each
    /// record (a 2-byte length and the bytes, strictly ascending).
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Resolver)?;
        let commitment = CommitmentId::from_array(r.array::<32>("commitment id")?);
        let kind_count = r.u16("kind count")?;
        let mut kinds = Vec::new();
        for _ in 0..kind_count {
            let at = r.pos();
            let kind = r.kind()?;
            if kinds.last().is_some_and(|last| *last >= kind) {
                return Err(r.invalid(at, "kind", "is not in strictly ascending order"));
            }
            kinds.push(kind);
        }
        let count = r.count32("entry count", REFERENCE_LEN + 8)?;
        let mut entries: Vec<(HitReference, u16, Vec<Vec<u8>>)> = Vec::with_capacity(count);
        for _ in 0..count {
            let at = r.pos();
            let reference = HitReference(r.array::<REFERENCE_LEN>("reference")?);
            if entries
                .last()
                .is_some_and(|(last, _, _)| *last >= reference)
            {
                return Err(r.invalid(at, "reference", "is not in strictly ascending order"));
            }
            let at = r.pos();
            let slot = r.u16("kind number")?;
            if usize::from(slot) >= kinds.len() {
                return Err(r.invalid(
                    at,
                    "kind number",
                    format!("is {slot}, there are {} kinds", kinds.len()),
                ));
            }
            let at = r.pos();
            let record_count = r.count32("record count", 2)?;
            if record_count == 0 {
                return Err(r.invalid(at, "record count", "is 0"));
            }
            let mut records: Vec<Vec<u8>> = Vec::new();
            for _ in 0..record_count {
                let at = r.pos();
                let len = usize::from(r.u16("record length")?);
                let record = r.take(len, "record")?.to_vec();
                if records.last().is_some_and(|last| *last >= record) {
                    return Err(r.invalid(at, "record", "is not in strictly ascending order"));
                }
                records.push(record);
            }
            entries.push((reference, slot, records));
        }
        r.finish()?;
        Ok(Resolver {
            commitment,
            kinds,
            entries,
        })
    }

    /// The resolver's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Message::Resolver, 64 + self.entries.len() * 56);
        w.bytes(self.commitment.as_bytes());
        w.u16(u16::try_from(self.kinds.len()).unwrap_or(u16::MAX));
        for kind in &self.kinds {
            w.kind(kind);
        }
        w.count32(self.entries.len());
        for (reference, slot, records) in &self.entries {
            w.bytes(reference.as_bytes());
            w.u16(*slot);
            w.count32(records.len());
            for record in records {
                w.u16(u16::try_from(record.len()).unwrap_or(u16::MAX));
                w.bytes(record);
            }
        }
        w.into_bytes()
    }
}

//! The holder's secret key and its public commitment.
//!
//! The holder key is a 32-byte seed. Each key kind has its own OPRF key,
//! derived from the seed with RFC 9497 DeriveKeyPair (VOPRF mode) and the
//! info string `"liaison-match/1 kind " || kind`; the commitment lists each
//! kind's public key and is named by a digest of that list.

use std::fmt;

use sha2::{Digest, Sha512};
use voprf::VoprfServer;
use zeroize::Zeroizing;

use crate::error::{KeyError, RandomError};
use crate::format::{Message, ParseError, Reader, Writer};
use crate::kind::{KeyKind, key_info};
use crate::oprf::{self, ELEMENT_LEN, Element, Suite};

/// The length of a holder key file: magic, version, suite, seed.
const HOLDER_KEY_FILE_LEN: usize = 6 + 32;

/// The holder's secret: the seed of every kind's OPRF key. It is wiped
/// from memory when dropped and never printed.
pub struct HolderKey {
    seed: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for HolderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderKey(..)")
    }
}

impl HolderKey {
    /// A new key from the operating system's generator.
    ///
    /// # Errors
    /// [`KeyError::Random`] if the generator fails.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice()).map_err(|e| RandomError(e.to_string()))?;
        Ok(HolderKey { seed })
    }

    /// A key from a fixed seed, for test vectors only.
    #[cfg(feature = "test-vectors")]
    #[doc(hidden)]
    pub fn from_seed(seed: [u8; 32]) -> Self {
        HolderKey {
            seed: Zeroizing::new(seed),
        }
    }

    /// Reads a holder key file: `"LMHK"`, version 1, suite 1, the 32-byte
    /// seed.
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::HolderKey)?;
        let seed = Zeroizing::new(r.array::<32>("seed")?);
        r.finish()?;
        Ok(HolderKey { seed })
    }

    /// The holder key file (secret: keep it as the holder's signing keys
    /// are kept).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new(Message::HolderKey, HOLDER_KEY_FILE_LEN);
        w.bytes(self.seed.as_slice());
        Zeroizing::new(w.into_bytes())
    }

    /// The OPRF key of one kind.
    pub(crate) fn server(&self, kind: &KeyKind) -> Result<VoprfServer<Suite>, KeyError> {
        oprf::derive(&self.seed, &key_info(kind))
            .ok_or_else(|| KeyError::Derive { kind: kind.clone() })
    }

    /// The public commitment to this key for the given kinds.
    ///
    /// # Errors
    /// [`KeyError::Derive`] if a kind's key cannot be derived (negligible).
    pub fn commitment<'a>(
        &self,
        kinds: impl IntoIterator<Item = &'a KeyKind>,
    ) -> Result<Commitment, KeyError> {
        let mut keys = Vec::new();
        for kind in kinds {
            let server = self.server(kind)?;
            keys.push((
                kind.clone(),
                PublicKey::from_element(server.get_public_key()),
            ));
        }
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        keys.dedup_by(|a, b| a.0 == b.0);
        Ok(Commitment::from_sorted(keys))
    }
}

/// One kind's OPRF public key: a ristretto255 element, canonical and not
/// the identity.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; ELEMENT_LEN],
    element: Element,
}

impl PublicKey {
    pub(crate) fn from_element(element: Element) -> Self {
        PublicKey {
            bytes: oprf::element_bytes(element),
            element,
        }
    }

    /// Reads a public key (`None` unless canonical and not the identity).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let element = oprf::element(bytes)?;
        Some(PublicKey::from_element(element))
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; ELEMENT_LEN] {
        &self.bytes
    }

    pub(crate) fn element(&self) -> Element {
        self.element
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.bytes))
    }
}

/// The name of a key commitment: the first 32 bytes of
/// `SHA-512("liaison-match/1 commitment" || the commitment's entries)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitmentId([u8; 32]);

impl CommitmentId {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn from_array(bytes: [u8; 32]) -> Self {
        CommitmentId(bytes)
    }
}

impl fmt::Display for CommitmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for CommitmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CommitmentId({self})")
    }
}

/// The holder's public commitment to its key: each kind's public key, in
/// ascending order of kind. Every answer carries proofs against these keys,
/// so a holder cannot answer with any other key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    keys: Vec<(KeyKind, PublicKey)>,
    id: CommitmentId,
}

impl Commitment {
    /// From entries sorted by kind, without duplicates.
    pub(crate) fn from_sorted(keys: Vec<(KeyKind, PublicKey)>) -> Self {
        let mut h = Sha512::new();
        h.update(b"liaison-match/1 commitment");
        h.update(entries_bytes(&keys));
        let digest = h.finalize();
        let mut id = [0u8; 32];
        id.copy_from_slice(digest.get(..32).unwrap_or(&[0u8; 32]));
        Commitment {
            keys,
            id: CommitmentId(id),
        }
    }

    /// The commitment's name.
    pub fn id(&self) -> CommitmentId {
        self.id
    }

    /// The kinds, in ascending order.
    pub fn kinds(&self) -> impl Iterator<Item = &KeyKind> {
        self.keys.iter().map(|(k, _)| k)
    }

    /// The public key of `kind`, if committed.
    pub fn public_key(&self, kind: &KeyKind) -> Option<&PublicKey> {
        self.keys
            .binary_search_by(|(k, _)| k.cmp(kind))
            .ok()
            .and_then(|i| self.keys.get(i))
            .map(|(_, pk)| pk)
    }

    /// Reads a commitment: `"LMCM"`, version 1, suite 1, then the entries
    /// (a 2-byte count; each a kind and its 32-byte public key, kinds
    /// strictly ascending).
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Commitment)?;
        let count = r.u16("entry count")?;
        let mut keys: Vec<(KeyKind, PublicKey)> = Vec::new();
        for _ in 0..count {
            let at = r.pos();
            let kind = r.kind()?;
            if keys.last().is_some_and(|(last, _)| *last >= kind) {
                return Err(r.invalid(at, "kind", "is not in strictly ascending order"));
            }
            let pk = read_public_key(&mut r)?;
            keys.push((kind, pk));
        }
        r.finish()?;
        Ok(Commitment::from_sorted(keys))
    }

    /// The commitment's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let entries = entries_bytes(&self.keys);
        let mut w = Writer::new(Message::Commitment, entries.len());
        w.bytes(&entries);
        w.into_bytes()
    }
}

/// Reads a 32-byte public key.
pub(crate) fn read_public_key(r: &mut Reader<'_>) -> Result<PublicKey, ParseError> {
    let at = r.pos();
    let bytes = r.take(ELEMENT_LEN, "public key")?;
    PublicKey::from_bytes(bytes).ok_or_else(|| {
        r.invalid(
            at,
            "public key",
            "is not a canonical ristretto255 element other than the identity",
        )
    })
}

/// `count as 2 bytes || (len(kind) as 1 byte || kind || public key)*`.
fn entries_bytes(keys: &[(KeyKind, PublicKey)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + keys.len() * (1 + 32 + ELEMENT_LEN));
    out.extend_from_slice(&u16::try_from(keys.len()).unwrap_or(u16::MAX).to_be_bytes());
    for (kind, pk) in keys {
        out.push(u8::try_from(kind.as_str().len()).unwrap_or(u8::MAX));
        out.extend_from_slice(kind.as_str().as_bytes());
        out.extend_from_slice(pk.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> KeyKind {
        KeyKind::new(s).unwrap()
    }

    #[test]
    fn each_kind_has_its_own_key_and_the_commitment_round_trips() {
        let key = HolderKey::generate().unwrap();
        let c = key
            .commitment([&kind("vehicle"), &kind("person-dob")])
            .unwrap();
        let kinds: Vec<_> = c.kinds().map(KeyKind::as_str).collect();
        assert_eq!(kinds, ["person-dob", "vehicle"]);
        assert_ne!(
            c.public_key(&kind("vehicle")).unwrap(),
            c.public_key(&kind("person-dob")).unwrap()
        );
        let back = Commitment::from_bytes(&c.to_bytes()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.id(), c.id());
        let other = HolderKey::generate().unwrap();
        assert_ne!(other.commitment([&kind("vehicle")]).unwrap().id(), c.id());
    }

    #[test]
    fn the_holder_key_file_round_trips_and_never_prints() {
        let key = HolderKey::generate().unwrap();
        let bytes = key.to_bytes();
        assert_eq!(bytes.len(), HOLDER_KEY_FILE_LEN);
        let back = HolderKey::from_bytes(&bytes).unwrap();
        let k = kind("vehicle");
        assert_eq!(
            back.commitment([&k]).unwrap(),
            key.commitment([&k]).unwrap()
        );
        assert_eq!(format!("{key:?}"), "HolderKey(..)");
        let err = HolderKey::from_bytes(&bytes[..20]).unwrap_err();
        assert_eq!(err.offset, 6);
    }
}

//! Where blinds and proof scalars come from: the operating system's
//! generator, asked afresh for every scalar, so that no generator state is
//! left in memory. `voprf` takes a `rand_core` generator whose `fill_bytes`
//! cannot fail; a failure is remembered here, and the caller throws the
//! whole result away and reports it (see [`OsRandom::check`]).

use rand_core::{CryptoRng, RngCore};

use crate::error::RandomError;

/// The operating system's generator, with its first failure remembered.
#[derive(Debug, Default)]
pub(crate) struct OsRandom {
    failed: Option<String>,
}

impl OsRandom {
    pub(crate) fn new() -> Self {
        OsRandom::default()
    }

    /// Fails if any request for random bytes failed since this generator
    /// was made: whatever was computed with it must then be discarded.
    pub(crate) fn check(self) -> Result<(), RandomError> {
        match self.failed {
            None => Ok(()),
            Some(reason) => Err(RandomError(reason)),
        }
    }
}

impl RngCore for OsRandom {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if let Err(e) = getrandom::fill(dest) {
            self.failed.get_or_insert_with(|| e.to_string());
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for OsRandom {}

/// Where one protocol run draws its randomness: the operating system, or
/// (for the protocol vectors only, feature `test-vectors`) a stream
/// derived from a seed, so that a whole run can be repeated byte for byte.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// The operating system's generator.
    Os,
    /// SHA-512 in counter mode over a seed: never for real queries.
    #[cfg(feature = "test-vectors")]
    Seeded(&'a [u8; 32]),
    #[cfg(not(feature = "test-vectors"))]
    #[doc(hidden)]
    _Never(std::marker::PhantomData<&'a ()>),
}

impl Source<'_> {
    /// A generator for chunk `chunk` of group `group` of step `step`.
    pub(crate) fn chunk(self, step: u8, group: usize, chunk: usize) -> ChunkRandom {
        match self {
            #[cfg(feature = "test-vectors")]
            Source::Seeded(seed) => ChunkRandom::Seeded(Seeded::new(seed, step, group, chunk)),
            _ => {
                let _ = (step, group, chunk);
                ChunkRandom::Os(OsRandom::new())
            }
        }
    }

    /// Fills `out` (a session id) from this source.
    pub(crate) fn fill(self, step: u8, out: &mut [u8]) -> Result<(), RandomError> {
        let mut rng = self.chunk(step, usize::MAX, usize::MAX);
        rng.fill_bytes(out);
        rng.check()
    }
}

/// One chunk's generator, from a [`Source`].
#[derive(Debug)]
pub(crate) enum ChunkRandom {
    /// The operating system's.
    Os(OsRandom),
    /// A seeded stream.
    #[cfg(feature = "test-vectors")]
    Seeded(Seeded),
}

impl ChunkRandom {
    /// As [`OsRandom::check`].
    pub(crate) fn check(self) -> Result<(), RandomError> {
        match self {
            ChunkRandom::Os(r) => r.check(),
            #[cfg(feature = "test-vectors")]
            ChunkRandom::Seeded(_) => Ok(()),
        }
    }
}

impl RngCore for ChunkRandom {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self {
            ChunkRandom::Os(r) => r.fill_bytes(dest),
            #[cfg(feature = "test-vectors")]
            ChunkRandom::Seeded(r) => r.fill(dest),
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for ChunkRandom {}

/// The seeded stream: block `i` is SHA-512(`"liaison-match seeded"` ||
/// seed || step || group (8 bytes) || chunk (8 bytes) || i (8 bytes)), all
/// big-endian; the bytes are handed out in order.
#[cfg(feature = "test-vectors")]
#[derive(Debug)]
pub(crate) struct Seeded {
    prefix: Vec<u8>,
    block: u64,
    buffer: Vec<u8>,
}

#[cfg(feature = "test-vectors")]
impl Seeded {
    fn new(seed: &[u8; 32], step: u8, group: usize, chunk: usize) -> Self {
        let mut prefix = b"liaison-match seeded".to_vec();
        prefix.extend_from_slice(seed);
        prefix.push(step);
        prefix.extend_from_slice(&(group as u64).to_be_bytes());
        prefix.extend_from_slice(&(chunk as u64).to_be_bytes());
        Seeded {
            prefix,
            block: 0,
            buffer: Vec::new(),
        }
    }

    fn fill(&mut self, dest: &mut [u8]) {
        use sha2::Digest;
        for byte in dest.iter_mut() {
            if self.buffer.is_empty() {
                let mut h = sha2::Sha512::new();
                h.update(&self.prefix);
                h.update(self.block.to_be_bytes());
                self.block = self.block.wrapping_add(1);
                let mut block = h.finalize().to_vec();
                block.reverse();
                self.buffer = block;
            }
            *byte = self.buffer.pop().unwrap_or(0);
        }
    }
}

/// Given bytes handed out in order: the RFC 9497 vectors fix every blind
/// and proof scalar. A scalar is drawn as 64 bytes reduced modulo the group
/// order, so a vector's 32-byte scalar `s` is handed out as `s || 0^32`.
#[cfg(any(test, feature = "test-vectors"))]
#[derive(Debug)]
pub(crate) struct FixedRandom {
    bytes: Vec<u8>,
    failed: bool,
}

#[cfg(any(test, feature = "test-vectors"))]
impl FixedRandom {
    /// Hands out each 32-byte scalar in turn, as 64 bytes.
    pub(crate) fn scalars(scalars: &[[u8; 32]]) -> Self {
        let mut bytes = Vec::with_capacity(scalars.len() * 64);
        for s in scalars {
            bytes.extend_from_slice(s);
            bytes.extend_from_slice(&[0u8; 32]);
        }
        FixedRandom {
            bytes,
            failed: false,
        }
    }

    pub(crate) fn check(self) -> Result<(), RandomError> {
        if self.failed {
            Err(RandomError("the fixed bytes ran out".to_owned()))
        } else {
            Ok(())
        }
    }
}

#[cfg(any(test, feature = "test-vectors"))]
impl RngCore for FixedRandom {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.bytes.len() < dest.len() {
            self.failed = true;
            dest.fill(0);
            return;
        }
        let rest = self.bytes.split_off(dest.len());
        dest.copy_from_slice(&self.bytes);
        self.bytes = rest;
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(any(test, feature = "test-vectors"))]
impl CryptoRng for FixedRandom {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_generator_gives_different_bytes() {
        let mut rng = OsRandom::new();
        let (a, b) = (rng.next_u64(), rng.next_u64());
        rng.check().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn fixed_bytes_run_out_loudly() {
        let mut rng = FixedRandom::scalars(&[[7u8; 32]]);
        let mut out = [0u8; 64];
        rng.fill_bytes(&mut out);
        assert_eq!(&out[..32], &[7u8; 32]);
        assert_eq!(&out[32..], &[0u8; 32]);
        rng.fill_bytes(&mut out);
        assert!(rng.check().is_err());
    }
}

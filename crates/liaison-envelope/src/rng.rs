//! Where random bytes come from: the operating system, or (for test vectors
//! only) a deterministic generator seeded by the caller.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// A source of random bytes.
pub(crate) enum Randomness {
    /// The operating system's generator (`getrandom`).
    Os,
    /// HKDF-SHA256-Expand of a fixed seed with a counter: reproducible, for
    /// test vectors only.
    Seeded {
        seed: Zeroizing<[u8; 32]>,
        counter: u64,
    },
    /// The given bytes, handed out in order (unit tests only: the X-Wing
    /// draft's vectors fix the encapsulation randomness).
    #[cfg(test)]
    Fixed(Vec<u8>),
}

/// The random number generator failed.
#[derive(Debug)]
pub(crate) struct RandomError(String);

impl std::fmt::Display for RandomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Randomness {
    pub(crate) fn os() -> Self {
        Randomness::Os
    }

    pub(crate) fn seeded(seed: &Zeroizing<[u8; 32]>) -> Self {
        Randomness::Seeded {
            seed: seed.clone(),
            counter: 0,
        }
    }

    pub(crate) fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        match self {
            Randomness::Os => getrandom::fill(dest).map_err(|e| RandomError(e.to_string())),
            Randomness::Seeded { seed, counter } => {
                let hk = Hkdf::<Sha256>::from_prk(seed.as_slice())
                    .map_err(|_| RandomError("bad seed".to_owned()))?;
                let mut info = *b"liaison-envelope test randomness ........";
                let tail = info.len() - 8;
                if let Some(slot) = info.get_mut(tail..) {
                    slot.copy_from_slice(&counter.to_be_bytes());
                }
                *counter = counter.wrapping_add(1);
                hk.expand(&info, dest)
                    .map_err(|_| RandomError("request too long".to_owned()))
            }
            #[cfg(test)]
            Randomness::Fixed(bytes) => {
                if bytes.len() < dest.len() {
                    return Err(RandomError("the fixed bytes ran out".to_owned()));
                }
                let rest = bytes.split_off(dest.len());
                dest.copy_from_slice(bytes);
                *bytes = rest;
                Ok(())
            }
        }
    }

    pub(crate) fn array32(&mut self) -> Result<Zeroizing<[u8; 32]>, RandomError> {
        let mut out = Zeroizing::new([0u8; 32]);
        self.fill(out.as_mut_slice())?;
        Ok(out)
    }

    /// A fresh X25519 secret (one request of 32 bytes). The only copy left
    /// is the one inside the secret, which wipes itself when dropped.
    pub(crate) fn x25519_secret(&mut self) -> Result<x25519_dalek::StaticSecret, RandomError> {
        let bytes = self.array32()?;
        Ok(x25519_dalek::StaticSecret::from(*bytes))
    }
}

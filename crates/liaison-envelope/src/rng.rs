//! Where random bytes come from: the operating system, or (for test vectors
//! only) a deterministic generator seeded by the caller.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize as _, Zeroizing};

/// How many bytes of the operating system's randomness one request to it
/// draws: enough for the data key, the salt and one recipient's ephemeral
/// key of a seal, so that a seal to one recipient asks once, not three
/// times.
const OS_POOL: usize = 128;

/// A source of random bytes.
pub(crate) enum Randomness {
    /// The operating system's generator (`getrandom`), drawn [`OS_POOL`]
    /// bytes at a time. The last `left` bytes of `pool` are unused; a byte
    /// handed out is wiped from the pool at once, and the rest when the
    /// source is dropped.
    Os {
        pool: Zeroizing<[u8; OS_POOL]>,
        left: usize,
    },
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
        Randomness::Os {
            pool: Zeroizing::new([0u8; OS_POOL]),
            left: 0,
        }
    }

    pub(crate) fn seeded(seed: &Zeroizing<[u8; 32]>) -> Self {
        Randomness::Seeded {
            seed: seed.clone(),
            counter: 0,
        }
    }

    pub(crate) fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        match self {
            Randomness::Os { pool, left } => {
                let os_error = |e: getrandom::Error| RandomError(e.to_string());
                if dest.len() > OS_POOL {
                    return getrandom::fill(dest).map_err(os_error);
                }
                if *left < dest.len() {
                    getrandom::fill(pool.as_mut_slice()).map_err(os_error)?;
                    *left = OS_POOL;
                }
                let start = OS_POOL - *left;
                let taken = pool
                    .get_mut(start..start + dest.len())
                    .ok_or_else(|| RandomError("randomness pool out of step".to_owned()))?;
                dest.copy_from_slice(taken);
                taken.zeroize();
                *left -= dest.len();
                Ok(())
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_pool_hands_each_byte_out_once_and_wipes_it() {
        let mut rng = Randomness::os();
        let a = rng.array32().unwrap();
        let b = rng.array32().unwrap();
        assert_ne!(a, b);
        assert_ne!(*a, [0u8; 32]);
        let Randomness::Os { pool, left } = &rng else {
            panic!("not the operating system's source");
        };
        assert_eq!(*left, OS_POOL - 64);
        // What was handed out is no longer in the pool; what was not is.
        assert!(pool.iter().take(64).all(|&b| b == 0));
        assert!(pool.iter().skip(64).any(|&b| b != 0));
    }

    #[test]
    fn the_os_pool_refills_and_serves_requests_larger_than_itself() {
        let mut rng = Randomness::os();
        let mut seen = Vec::new();
        for _ in 0..(3 * OS_POOL / 32 + 1) {
            let k = rng.array32().unwrap();
            assert!(!seen.contains(&*k), "a 32-byte draw repeated");
            seen.push(*k);
        }
        let mut big = vec![0u8; OS_POOL + 1];
        rng.fill(&mut big).unwrap();
        assert!(big.iter().any(|&b| b != 0));
        // A request that does not fit what is left refills the pool.
        let mut odd = [0u8; 31];
        rng.fill(&mut odd).unwrap();
        let Randomness::Os { left, .. } = &rng else {
            panic!("not the operating system's source");
        };
        assert!(*left <= OS_POOL - 31);
    }
}

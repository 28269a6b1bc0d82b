//! The payload in one piece: every 64 KiB chunk is encrypted (or decrypted)
//! and hashed independently, so the chunks are spread over all cores with
//! rayon. The content digest is then a hash of the per-chunk hashes.

use chacha20poly1305::ChaCha20Poly1305;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize;

use crate::crypto::{self, ContentDigest};
use crate::format::{CHUNK_SIZE, SEALED_CHUNK_SIZE, TAG_LEN, chunk_count};

/// Below this many chunks the work stays on the calling thread.
const PARALLEL_FROM: usize = 2;

/// Appends the sealed chunks of `plaintext` to `out`; returns the content
/// digest.
pub(crate) fn seal_into(
    cipher: &ChaCha20Poly1305,
    aad: &[u8; 32],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Option<[u8; 32]> {
    let n = chunk_count(plaintext.len());
    let start = out.len();
    out.resize(start + plaintext.len() + n * TAG_LEN, 0);
    let area = out.get_mut(start..)?;
    let last = n - 1;
    let hashes: Vec<[u8; 32]> = if n < PARALLEL_FROM {
        vec![crypto::seal_chunk(cipher, aad, 0, true, plaintext, area)?]
    } else {
        area.par_chunks_mut(SEALED_CHUNK_SIZE)
            .zip(plaintext.par_chunks(CHUNK_SIZE))
            .enumerate()
            .map(|(i, (o, p))| crypto::seal_chunk(cipher, aad, i as u64, i == last, p, o))
            .collect::<Option<Vec<_>>>()?
    };
    Some(digest_of(&hashes))
}

/// Decrypts well-formed sealed chunks (see `format::check_chunks_len`);
/// returns the plaintext and the content digest, or `None` if any chunk
/// fails authentication (the partial plaintext is then wiped).
pub(crate) fn open(
    cipher: &ChaCha20Poly1305,
    aad: &[u8; 32],
    sealed: &[u8],
) -> Option<(Vec<u8>, [u8; 32])> {
    let n = sealed.len().div_ceil(SEALED_CHUNK_SIZE);
    let mut plaintext = vec![0u8; sealed.len().checked_sub(n * TAG_LEN)?];
    let last = n.checked_sub(1)?;
    let hashes: Option<Vec<[u8; 32]>> = if n < PARALLEL_FROM {
        crypto::open_chunk(cipher, aad, 0, true, sealed, &mut plaintext).map(|h| vec![h])
    } else {
        plaintext
            .par_chunks_mut(CHUNK_SIZE)
            .zip(sealed.par_chunks(SEALED_CHUNK_SIZE))
            .enumerate()
            .map(|(i, (o, s))| crypto::open_chunk(cipher, aad, i as u64, i == last, s, o))
            .collect()
    };
    match hashes {
        Some(hashes) => Some((plaintext, digest_of(&hashes))),
        None => {
            plaintext.zeroize();
            None
        }
    }
}

/// The content digest of well-formed sealed chunks, without decrypting.
pub(crate) fn digest(sealed: &[u8]) -> [u8; 32] {
    let hashes: Vec<[u8; 32]> = sealed
        .par_chunks(SEALED_CHUNK_SIZE)
        .map(|c| Sha256::digest(c).into())
        .collect();
    digest_of(&hashes)
}

fn digest_of(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut d = ContentDigest::new();
    for h in hashes {
        d.push(h);
    }
    d.finish()
}

//! The payload in one piece: every 64 KiB chunk is encrypted (or decrypted)
//! and hashed independently, so the chunks are split into one contiguous
//! group per core. The calling thread works on the first group itself and
//! scoped threads take the others, so a busy machine never leaves the caller
//! waiting for an idle pool. The content digest is then a hash of the
//! per-chunk hashes, in order.

use std::sync::OnceLock;

use chacha20poly1305::ChaCha20Poly1305;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize;

use crate::crypto::{self, ContentDigest};
use crate::format::{CHUNK_SIZE, SEALED_CHUNK_SIZE, TAG_LEN, chunk_count};

/// Chunk hashes of one group, or `None` if a chunk failed.
type Hashes = Option<Vec<[u8; 32]>>;

/// Chunks per group for `n` chunks: all on the caller below two chunks,
/// otherwise spread over the available cores.
fn group_len(n: usize) -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |c| c.get()));
    n.div_ceil(cores.clamp(1, n.max(1))).max(1)
}

/// Runs `work(group index, group)` for every group, the first on the calling
/// thread, and concatenates the hashes in group order.
fn run_groups<G: Send>(groups: Vec<G>, work: &(dyn Fn(usize, G) -> Hashes + Sync)) -> Hashes {
    let mut groups = groups.into_iter().enumerate();
    let first = groups.next();
    std::thread::scope(|s| {
        let others: Vec<_> = groups.map(|(i, g)| s.spawn(move || work(i, g))).collect();
        let mut all = match first {
            Some((i, g)) => work(i, g)?,
            None => Vec::new(),
        };
        for handle in others {
            all.extend(handle.join().ok()??);
        }
        Some(all)
    })
}

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
    if plaintext.is_empty() {
        let hash = crypto::seal_chunk(cipher, aad, 0, true, plaintext, area)?;
        return Some(digest_of(&[hash]));
    }
    let g = group_len(n);
    let groups: Vec<(&[u8], &mut [u8])> = plaintext
        .chunks(g * CHUNK_SIZE)
        .zip(area.chunks_mut(g * SEALED_CHUNK_SIZE))
        .collect();
    let work = |gi: usize, (p, o): (&[u8], &mut [u8])| -> Hashes {
        p.chunks(CHUNK_SIZE)
            .zip(o.chunks_mut(SEALED_CHUNK_SIZE))
            .enumerate()
            .map(|(j, (p, o))| {
                let i = gi * g + j;
                crypto::seal_chunk(cipher, aad, i as u64, i + 1 == n, p, o)
            })
            .collect()
    };
    run_groups(groups, &work).map(|h| digest_of(&h))
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
    let g = group_len(n);
    let hashes = {
        let groups: Vec<(&[u8], &mut [u8])> = sealed
            .chunks(g * SEALED_CHUNK_SIZE)
            .zip(plaintext_groups(
                &mut plaintext,
                g * CHUNK_SIZE,
                n.div_ceil(g),
            ))
            .collect();
        let work = |gi: usize, (s, o): (&[u8], &mut [u8])| -> Hashes {
            s.chunks(SEALED_CHUNK_SIZE)
                .zip(plaintext_groups(o, CHUNK_SIZE, g))
                .enumerate()
                .map(|(j, (s, o))| {
                    let i = gi * g + j;
                    crypto::open_chunk(cipher, aad, i as u64, i + 1 == n, s, o)
                })
                .collect()
        };
        run_groups(groups, &work)
    };
    match hashes {
        Some(hashes) if hashes.len() == n => Some((plaintext, digest_of(&hashes))),
        _ => {
            plaintext.zeroize();
            None
        }
    }
}

/// Splits a plaintext buffer into `count` pieces of `len` bytes (the last
/// one shorter, possibly empty: an empty last chunk has an empty plaintext).
fn plaintext_groups(buf: &mut [u8], len: usize, count: usize) -> Vec<&mut [u8]> {
    let mut pieces = Vec::with_capacity(count);
    let mut rest = buf;
    for _ in 0..count {
        let (piece, tail) = rest.split_at_mut(rest.len().min(len));
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// The content digest of well-formed sealed chunks, without decrypting.
pub(crate) fn digest(sealed: &[u8]) -> [u8; 32] {
    let n = sealed.len().div_ceil(SEALED_CHUNK_SIZE);
    let g = group_len(n);
    let groups: Vec<&[u8]> = sealed.chunks(g * SEALED_CHUNK_SIZE).collect();
    let work = |_: usize, s: &[u8]| -> Hashes {
        Some(
            s.chunks(SEALED_CHUNK_SIZE)
                .map(|c| Sha256::digest(c).into())
                .collect(),
        )
    };
    digest_of(&run_groups(groups, &work).unwrap_or_default())
}

fn digest_of(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut d = ContentDigest::new();
    for h in hashes {
        d.push(h);
    }
    d.finish()
}

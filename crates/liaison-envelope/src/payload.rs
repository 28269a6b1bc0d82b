//! The payload in one piece: every 64 KiB chunk is encrypted (or decrypted)
//! and hashed independently, so the chunks of a large payload are shared
//! among the cores. The calling thread starts on the first chunk at once and
//! the workers of the envelope's own thread pool join in as they wake, each
//! taking the next chunk from a shared queue: a worker that wakes late (or a
//! busy machine) means the caller does more of the work, and then waits
//! for the late worker to find the queue empty. The pool's
//! threads (one fewer than the cores) are started once, on the first payload
//! of several chunks, and parked between payloads, so a payload of a few
//! chunks does not pay for starting a thread; the pool is the envelope's
//! alone, so the application's own use of Rayon's global pool never holds
//! a payload up. The content digest is then a hash of the per-chunk hashes,
//! in order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use chacha20poly1305::ChaCha20Poly1305;
use zeroize::Zeroize;

use crate::crypto::{self, ContentDigest};
use crate::format::{CHUNK_SIZE, SEALED_CHUNK_SIZE, TAG_LEN, chunk_count};

/// Below this many chunks the caller does all the work: the caller waits
/// for a woken worker to finish or find the queue empty, which costs about
/// a chunk. On the 2-core development machine, a seal and open round of
/// two chunks (128 KiB) took 642 µs with the pool and 587 µs without; of
/// three chunks (192 KiB), 656 µs with it and 730 µs without.
const PARALLEL_MIN_CHUNKS: usize = 3;

/// The envelope's worker pool and the process that started it.
struct Pool {
    threads: rayon::ThreadPool,
    owner: u32,
}

impl Pool {
    /// The pool's threads, if they run in this process: a child forked
    /// after the pool started has none of them (only the forking thread
    /// survives a fork), and a task handed to them would never run, so the
    /// child's caller does all the work.
    fn threads_here(&self, process: u32) -> Option<&rayon::ThreadPool> {
        (self.owner == process).then_some(&self.threads)
    }
}

/// The envelope's worker pool: one thread fewer than the cores; `None` on
/// one core, if the threads could not be started, or in a process forked
/// from the one that started them (the caller then does all the work).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<Pool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let workers = cores.saturating_sub(1);
        if workers == 0 {
            return None;
        }
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("liaison-envelope-{i}"))
            .build()
            .ok()?;
        Some(Pool {
            threads,
            owner: std::process::id(),
        })
    })
    .as_ref()
    .and_then(|pool| pool.threads_here(std::process::id()))
}

/// Runs `work(chunk index, item)` for every item, on the caller and on
/// pool workers, and returns the chunk hashes in index order; `None` as
/// soon as any chunk fails.
fn run_chunks<T: Send>(
    items: Vec<T>,
    work: &(dyn Fn(u64, T) -> Option<[u8; 32]> + Sync),
) -> Option<Vec<[u8; 32]>> {
    let n = items.len();
    // Below the threshold the caller does every chunk in order, with no
    // queue (nor the pool's look-up, which asks the system for the process
    // id, to find a pool inherited by a fork); the first failure ends it.
    if n < PARALLEL_MIN_CHUNKS {
        return items
            .into_iter()
            .enumerate()
            .map(|(i, item)| work(i as u64, item))
            .collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let failed = AtomicBool::new(false);
    let results = Mutex::new(Vec::with_capacity(n));
    let drain = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            // A poisoned lock means a worker panicked: stop, and the missing
            // hashes make the whole operation fail.
            let Some((i, item)) = queue.lock().ok().and_then(|mut q| q.next()) else {
                break;
            };
            match work(i as u64, item) {
                Some(hash) => done.push((i, hash)),
                None => failed.store(true, Ordering::Relaxed),
            }
        }
        match results.lock() {
            Ok(mut all) => all.extend(done),
            Err(_) => failed.store(true, Ordering::Relaxed),
        }
    };
    // The workers' tasks go to the pool; the closure itself runs here, so
    // the caller drains the queue at once and, at the scope's end, waits
    // for the chunks a worker has taken, and for each worker it woke (or
    // that is busy with another payload) to run and find the queue empty.
    match pool() {
        Some(pool) => pool.in_place_scope(|s| {
            for _ in 0..pool.current_num_threads().min(n - 1) {
                s.spawn(|_| drain());
            }
            drain();
        }),
        None => drain(),
    }
    if failed.load(Ordering::Relaxed) {
        return None;
    }
    let mut hashes = vec![[0u8; 32]; n];
    let mut filled = 0usize;
    for (i, hash) in results.into_inner().ok()? {
        if let Some(slot) = hashes.get_mut(i) {
            *slot = hash;
            filled += 1;
        }
    }
    (filled == n).then_some(hashes)
}

/// The length of the sealed chunks of a `len`-byte payload.
pub(crate) fn sealed_len(len: usize) -> usize {
    len + chunk_count(len) * TAG_LEN
}

/// Writes the sealed chunks of `plaintext` into `area`, which must be
/// exactly [`sealed_len`] bytes long; returns the content digest.
pub(crate) fn seal_into(
    cipher: &ChaCha20Poly1305,
    aad: &[u8; 32],
    plaintext: &[u8],
    area: &mut [u8],
) -> Option<[u8; 32]> {
    let n = chunk_count(plaintext.len());
    if area.len() != sealed_len(plaintext.len()) {
        return None;
    }
    if plaintext.is_empty() {
        let hash = crypto::seal_chunk(cipher, aad, 0, true, plaintext, area)?;
        return Some(digest_of(&[hash]));
    }
    let items: Vec<(&[u8], &mut [u8])> = plaintext
        .chunks(CHUNK_SIZE)
        .zip(area.chunks_mut(SEALED_CHUNK_SIZE))
        .collect();
    let last = n as u64 - 1;
    let work =
        |i: u64, (p, o): (&[u8], &mut [u8])| crypto::seal_chunk(cipher, aad, i, i == last, p, o);
    run_chunks(items, &work).map(|h| digest_of(&h))
}

/// Decrypts well-formed sealed chunks (see `format::check_chunks_len`)
/// into `plaintext`, which is resized to the payload's length (its
/// allocation reused when large enough); returns the content digest, or
/// `None` if any chunk fails authentication (the caller then wipes the
/// buffer).
pub(crate) fn open_into(
    cipher: &ChaCha20Poly1305,
    aad: &[u8; 32],
    sealed: &[u8],
    plaintext: &mut Vec<u8>,
) -> Option<[u8; 32]> {
    let n = sealed.len().div_ceil(SEALED_CHUNK_SIZE);
    let len = sealed.len().checked_sub(n * TAG_LEN)?;
    if plaintext.capacity() < len {
        // A fresh zeroed allocation: a large one comes as untouched zero
        // pages, so each worker faults in only its own part.
        plaintext.zeroize();
        *plaintext = vec![0u8; len];
    } else {
        plaintext.resize(len, 0);
    }
    let items: Vec<(&[u8], &mut [u8])> = sealed
        .chunks(SEALED_CHUNK_SIZE)
        .zip(plaintext_pieces(plaintext, n))
        .collect();
    let last = n as u64 - 1;
    let work =
        |i: u64, (s, o): (&[u8], &mut [u8])| crypto::open_chunk(cipher, aad, i, i == last, s, o);
    let hashes = run_chunks(items, &work)?;
    (hashes.len() == n).then(|| digest_of(&hashes))
}

/// Splits a plaintext buffer into `count` chunk-sized pieces (the last one
/// shorter, possibly empty: an empty last chunk has an empty plaintext).
fn plaintext_pieces(buf: &mut [u8], count: usize) -> Vec<&mut [u8]> {
    let mut pieces = Vec::with_capacity(count);
    let mut rest = buf;
    for _ in 0..count {
        let (piece, tail) = rest.split_at_mut(rest.len().min(CHUNK_SIZE));
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// The content digest of well-formed sealed chunks, without decrypting.
pub(crate) fn digest(sealed: &[u8]) -> [u8; 32] {
    let items: Vec<&[u8]> = sealed.chunks(SEALED_CHUNK_SIZE).collect();
    let work = |_: u64, chunk: &[u8]| Some(crypto::chunk_hash(chunk));
    digest_of(&run_chunks(items, &work).unwrap_or_default())
}

fn digest_of(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut d = ContentDigest::new();
    for h in hashes {
        d.push(h);
    }
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_started_by_another_process_is_not_used() {
        let pool = Pool {
            threads: rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap(),
            owner: 41,
        };
        assert!(pool.threads_here(41).is_some());
        assert!(pool.threads_here(42).is_none());
    }

    #[test]
    fn the_pool_is_used_in_the_process_that_started_it() {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert_eq!(pool().is_some(), cores > 1);
    }
}

//! Streaming seal ([`StreamSealer`], a `Write`) and open ([`StreamOpener`],
//! a `Read`) in bounded memory: about two chunks (128 KiB) of buffers
//! whatever the payload size.
//!
//! # What a streaming reader may trust, and when
//!
//! [`StreamOpener::new`] returns only once the header signature has been
//! verified with the key of a trusted signer (and the data key unwrapped
//! and checked against its commitment): nobody but a trusted signer can
//! make a reader accept a header, so nobody else can choose the data key.
//! Every chunk is then authenticated (its Poly1305 tag verified) before any
//! of its bytes are returned, and the last-chunk flag in the nonce makes
//! truncation at a chunk boundary fail. The final signatures, however,
//! cover the digest of *all* chunks and sit after them, so they can only be
//! checked at the end of the stream. Until then, the bytes returned are
//! *provisional*: they are authenticated under the data key, which every
//! recipient holds, so a co-recipient could have replaced them. Hence:
//!
//! - the last chunk is returned only after every signature has verified;
//! - `read` returns `Ok(0)` only after every signature has verified; if any
//!   check fails it returns an error instead, and keeps returning it;
//! - the verified sender is available only from [`StreamOpener::finish`],
//!   which fails unless the whole stream was read and verified.
//!
//! A consumer must treat the output as provisional until `read` has returned
//! `Ok(0)` (write it to a temporary file and rename it on success, as the
//! `liaison` command does), or use [`open_spooled`] (bounded memory, output
//! only after full verification) or the one-call [`crate::open`], which
//! return nothing until everything is verified.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};

use chacha20poly1305::ChaCha20Poly1305;
use time::OffsetDateTime;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{self, ContentDigest};
use crate::error::{OpenError, SealError};
use crate::format::{
    self, CHUNK_SIZE, Header, LayerSignature, SEALED_CHUNK_SIZE,
    SUITE_XWING_CHACHA20POLY1305_ED25519, TAG_LEN,
};
use crate::keys::{Card, Identity};
use crate::open::{LayerInfo, RecipientInfo, Unlocked, unlock};
use crate::rng::Randomness;
use crate::seal::Prepared;
use crate::signing::LayerSigner;

/// Seals a payload written to it; made by [`crate::Sealer::stream`].
/// [`StreamSealer::finish`] must be called to write the last chunk and the
/// signature: an unfinished envelope does not open.
pub struct StreamSealer<W: Write> {
    inner: W,
    header: Header,
    /// The layer's prefix digest, which the final signature covers.
    prefix: [u8; 32],
    cipher: ChaCha20Poly1305,
    aad: [u8; 32],
    signer: LayerSigner,
    plain: Zeroizing<Vec<u8>>,
    sealed: Vec<u8>,
    index: u64,
    digest: ContentDigest,
}

impl<W: Write> fmt::Debug for StreamSealer<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSealer")
            .field("chunks_written", &self.index)
            .finish_non_exhaustive()
    }
}

impl<W: Write> StreamSealer<W> {
    pub(crate) fn start(
        prepared: Prepared,
        signer: LayerSigner,
        mut inner: W,
    ) -> Result<Self, SealError> {
        let mut head = Vec::new();
        format::write_header(&prepared.header, &mut head);
        inner.write_all(&head)?;
        Ok(StreamSealer {
            inner,
            cipher: crypto::payload_cipher(&prepared.payload_key),
            aad: prepared.aad,
            header: prepared.header,
            prefix: prepared.prefix,
            signer,
            plain: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            sealed: vec![0u8; SEALED_CHUNK_SIZE],
            index: 0,
            digest: ContentDigest::new(),
        })
    }

    fn seal_buffered(&mut self, last: bool) -> io::Result<()> {
        let len = self.plain.len() + TAG_LEN;
        let out = self
            .sealed
            .get_mut(..len)
            .ok_or_else(|| io::Error::other("chunk buffer too small"))?;
        let hash = crypto::seal_chunk(
            &self.cipher,
            &self.aad,
            self.index,
            last,
            self.plain.as_slice(),
            out,
        )
        .ok_or_else(|| io::Error::other("chunk encryption failed"))?;
        self.inner.write_all(out)?;
        self.digest.push(&hash);
        self.index += 1;
        self.plain.zeroize();
        self.plain.clear();
        Ok(())
    }

    /// Seals the last chunk, writes the signature and returns the inner
    /// writer (flushed).
    ///
    /// # Errors
    ///
    /// [`SealError::Io`] if writing fails.
    pub fn finish(mut self) -> Result<W, SealError> {
        self.seal_buffered(true)?;
        let digest = self.digest.clone().finish();
        let sig = crypto::sign_last(&self.signer, &self.header, &self.prefix, &digest)
            .ok_or(SealError::SigningFailed)?;
        self.inner.write_all(&sig.to_bytes())?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for StreamSealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // A full buffer is sealed only when more data arrives: until then it
        // may be the last chunk.
        if self.plain.len() == CHUNK_SIZE {
            self.seal_buffered(false)?;
        }
        let take = data.len().min(CHUNK_SIZE - self.plain.len());
        self.plain
            .extend_from_slice(data.get(..take).unwrap_or_default());
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What a fully read and verified stream proved: the streaming counterpart
/// of [`crate::Opened`] without the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamOpened {
    /// The label, exactly as sealed.
    pub label: Vec<u8>,
    /// The verified original sender.
    pub sender: Card,
    /// The current recipients.
    pub recipients: Vec<RecipientInfo>,
    /// Every layer, oldest first (see [`crate::Opened::history`]).
    pub history: Vec<LayerInfo>,
    /// The envelope's cipher suite (see [`crate::Opened::suite`]).
    pub suite: u16,
    /// Whether the data key was wrapped post-quantum (suite 0x0003).
    pub post_quantum: bool,
    /// Whether every layer was signed with Ed25519 and ML-DSA-65 (see
    /// [`crate::Opened::post_quantum_signed`]).
    pub post_quantum_signed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    Verified,
    Failed,
}

/// Opens an envelope read from `R`, returning the payload through `Read`.
/// See the module documentation for when the output may be trusted.
pub struct StreamOpener<R: Read> {
    inner: R,
    unlocked: Unlocked,
    cipher: ChaCha20Poly1305,
    pending: Vec<u8>,
    plain: Zeroizing<Vec<u8>>,
    plain_pos: usize,
    index: u64,
    digest: ContentDigest,
    state: State,
    /// The trailing signature's length: 64 bytes, or 3373 when the last
    /// layer is hybrid.
    trailer_len: usize,
}

impl<R: Read> fmt::Debug for StreamOpener<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamOpener")
            .field("chunks_read", &self.index)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<R: Read> StreamOpener<R> {
    /// Reads the header and unwraps the data key.
    ///
    /// # Errors
    ///
    /// As [`crate::open`] for the header checks (signers trusted and valid at
    /// `at`, a stanza for `identity`, the key commitment).
    pub fn new(
        mut inner: R,
        identity: &Identity,
        trusted_senders: &[Card],
        at: OffsetDateTime,
    ) -> Result<Self, OpenError> {
        let (header, _) = format::read_header(&mut inner)?;
        let trailer_len = header.trailer_len();
        let unlocked = unlock(header, identity, trusted_senders, at)?;
        Ok(StreamOpener {
            trailer_len,
            inner,
            cipher: crypto::payload_cipher(&unlocked.payload_key),
            unlocked,
            pending: Vec::with_capacity(SEALED_CHUNK_SIZE + trailer_len + 1),
            plain: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            plain_pos: 0,
            index: 0,
            digest: ContentDigest::new(),
            state: State::Reading,
        })
    }

    /// After `read` has returned `Ok(0)`: the verified sender, label and
    /// recipients.
    ///
    /// # Errors
    ///
    /// [`OpenError::CannotOpen`] if the stream was not read to its end or
    /// failed verification.
    pub fn finish(self) -> Result<StreamOpened, OpenError> {
        if self.state != State::Verified || self.plain_pos < self.plain.len() {
            return Err(OpenError::CannotOpen);
        }
        let history = self.unlocked.layer_infos();
        let suite = self.unlocked.header.core.suite;
        Ok(StreamOpened {
            label: self.unlocked.header.core.label.clone(),
            sender: self.unlocked.sender.clone(),
            recipients: history
                .last()
                .map(|l| l.recipients.clone())
                .unwrap_or_default(),
            post_quantum_signed: history.iter().all(|l| l.post_quantum_signed),
            history,
            suite,
            post_quantum: suite == SUITE_XWING_CHACHA20POLY1305_ED25519,
        })
    }

    /// Fills `pending` up to the lookahead (the bytes held back to decide
    /// whether a full chunk is the last one: a sealed chunk, the trailing
    /// signature and one byte); returns whether the input ended.
    fn fill(&mut self) -> io::Result<bool> {
        let lookahead = SEALED_CHUNK_SIZE + self.trailer_len + 1;
        let mut filled = self.pending.len();
        self.pending.resize(lookahead, 0);
        let mut eof = false;
        while filled < lookahead {
            let Some(room) = self.pending.get_mut(filled..) else {
                break;
            };
            match self.inner.read(room) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.pending.truncate(filled);
                    return Err(e);
                }
            }
        }
        self.pending.truncate(filled);
        Ok(eof)
    }

    fn fail(&mut self) -> io::Error {
        self.state = State::Failed;
        self.plain.zeroize();
        self.plain.clear();
        self.plain_pos = 0;
        io::Error::new(io::ErrorKind::InvalidData, OpenError::CannotOpen)
    }

    /// Decrypts the next chunk into `plain`.
    fn next_chunk(&mut self) -> io::Result<()> {
        let eof = self.fill()?;
        let (sealed_len, last) = if eof {
            let len = self.pending.len().saturating_sub(self.trailer_len);
            if !(TAG_LEN..=SEALED_CHUNK_SIZE).contains(&len) {
                return Err(self.fail());
            }
            (len, true)
        } else {
            (SEALED_CHUNK_SIZE, false)
        };
        self.plain.resize(sealed_len - TAG_LEN, 0);
        let Some(sealed) = self.pending.get(..sealed_len) else {
            return Err(self.fail());
        };
        let Some(hash) = crypto::open_chunk(
            &self.cipher,
            &self.unlocked.aad,
            self.index,
            last,
            sealed,
            self.plain.as_mut_slice(),
        ) else {
            return Err(self.fail());
        };
        self.digest.push(&hash);
        self.index += 1;
        self.plain_pos = 0;
        if last {
            let hybrid = self
                .unlocked
                .header
                .current_layer()
                .is_some_and(|l| l.is_hybrid());
            let sig = self
                .pending
                .get(sealed_len..)
                .and_then(|s| LayerSignature::from_bytes(s, hybrid));
            let digest = self.digest.clone().finish();
            match sig {
                Some(sig) if self.unlocked.verify(&sig, &digest).is_ok() => {
                    self.state = State::Verified;
                }
                _ => return Err(self.fail()),
            }
            self.pending.clear();
        } else {
            self.pending.drain(..SEALED_CHUNK_SIZE);
        }
        Ok(())
    }
}

impl<R: Read> Read for StreamOpener<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.state == State::Failed {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    OpenError::CannotOpen,
                ));
            }
            if let Some(ready) = self.plain.get(self.plain_pos..)
                && !ready.is_empty()
            {
                let n = ready.len().min(buf.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(..n), ready.get(..n)) {
                    dst.copy_from_slice(src);
                }
                self.plain_pos += n;
                return Ok(n);
            }
            if self.state == State::Verified || buf.is_empty() {
                return Ok(0);
            }
            self.next_chunk()?;
        }
    }
}

/// Opens a streamed envelope and writes its payload to `out` only after
/// every check has passed, in bounded memory whatever the payload's size:
/// [`Spooled::verify`] then [`Spooled::write_to`].
///
/// # Errors
///
/// As [`Spooled::verify`] and [`Spooled::write_to`]. When it fails for the
/// envelope, nothing has been written to `out`.
pub fn open_spooled<R: Read, S: Read + Write + Seek, W: Write>(
    input: R,
    identity: &Identity,
    trusted_senders: &[Card],
    at: OffsetDateTime,
    spool: S,
    out: W,
) -> Result<StreamOpened, OpenError> {
    Spooled::verify(input, identity, trusted_senders, at, spool)?.write_to(out)
}

/// A streamed envelope that has been read to its end and fully verified,
/// its payload held in a spool, encrypted under a key that exists only in
/// this value.
///
/// Each authenticated chunk is encrypted again (ChaCha20-Poly1305) under a
/// fresh random key and written to the spool, which should be an unnamed
/// temporary file; [`Spooled::write_to`] reads the spool back from its
/// start, authenticates and decrypts each piece and writes the payload out.
/// The spool never holds plaintext, and nothing is written out before the
/// whole envelope has verified. Memory: about three chunks (200 KiB)
/// whatever the payload's size.
pub struct Spooled<S> {
    spool: S,
    cipher: ChaCha20Poly1305,
    lengths: Vec<usize>,
    opened: StreamOpened,
}

impl<S> fmt::Debug for Spooled<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spooled")
            .field("chunks", &self.lengths.len())
            .field("opened", &self.opened)
            .finish_non_exhaustive()
    }
}

impl<S: Read + Write + Seek> Spooled<S> {
    /// Reads and verifies the whole envelope from `input`, spooling its
    /// payload to `spool` (written from its start).
    ///
    /// # Errors
    ///
    /// As [`StreamOpener::new`] and [`StreamOpener::finish`] for the
    /// envelope; [`OpenError::Spool`] if the spool cannot be written.
    pub fn verify<R: Read>(
        input: R,
        identity: &Identity,
        trusted_senders: &[Card],
        at: OffsetDateTime,
        mut spool: S,
    ) -> Result<Self, OpenError> {
        let mut opener = StreamOpener::new(input, identity, trusted_senders, at)?;
        let key = Randomness::os()
            .array32()
            .map_err(|e| OpenError::Spool(io::Error::other(e.to_string())))?;
        let cipher = crypto::payload_cipher(&key);
        let mut plain = Zeroizing::new(vec![0u8; CHUNK_SIZE]);
        let mut sealed = vec![0u8; SEALED_CHUNK_SIZE];
        let mut lengths: Vec<usize> = Vec::new();
        spool.seek(SeekFrom::Start(0)).map_err(OpenError::Spool)?;
        loop {
            let len = fill_from(&mut opener, plain.as_mut_slice())?;
            if len == 0 {
                break;
            }
            let piece = plain.get(..len).unwrap_or_default();
            let out_piece = sealed.get_mut(..len + TAG_LEN).unwrap_or_default();
            crypto::seal_chunk(
                &cipher,
                &[0; 32],
                lengths.len() as u64,
                false,
                piece,
                out_piece,
            )
            .ok_or(OpenError::CannotOpen)?;
            spool.write_all(out_piece).map_err(OpenError::Spool)?;
            lengths.push(len);
        }
        let opened = opener.finish()?;
        spool.flush().map_err(OpenError::Spool)?;
        Ok(Spooled {
            spool,
            cipher,
            lengths,
            opened,
        })
    }

    /// What the verified envelope proved: sender, label, recipients.
    #[must_use]
    pub fn opened(&self) -> &StreamOpened {
        &self.opened
    }

    /// Writes the verified payload to `out`.
    ///
    /// # Errors
    ///
    /// [`OpenError::Spool`] if the spool cannot be read back or was altered
    /// (then `out` may hold the pieces before the altered one);
    /// [`OpenError::Output`] if writing to `out` fails.
    pub fn write_to<W: Write>(mut self, mut out: W) -> Result<StreamOpened, OpenError> {
        self.spool
            .seek(SeekFrom::Start(0))
            .map_err(OpenError::Spool)?;
        let altered = || OpenError::Spool(io::Error::other("the spooled payload was altered"));
        let mut plain = Zeroizing::new(vec![0u8; CHUNK_SIZE]);
        let mut sealed = vec![0u8; SEALED_CHUNK_SIZE];
        for (index, len) in self.lengths.iter().enumerate() {
            let sealed_piece = sealed.get_mut(..len + TAG_LEN).unwrap_or_default();
            self.spool
                .read_exact(sealed_piece)
                .map_err(OpenError::Spool)?;
            let piece = plain.get_mut(..*len).unwrap_or_default();
            crypto::open_chunk(
                &self.cipher,
                &[0; 32],
                index as u64,
                false,
                sealed_piece,
                piece,
            )
            .ok_or_else(altered)?;
            out.write_all(piece).map_err(OpenError::Output)?;
        }
        out.flush().map_err(OpenError::Output)?;
        Ok(self.opened)
    }
}

/// Reads from `opener` until `buf` is full or the stream has ended and
/// verified; returns the number of bytes read.
fn fill_from<R: Read>(opener: &mut StreamOpener<R>, buf: &mut [u8]) -> Result<usize, OpenError> {
    let mut filled = 0;
    while let Some(room) = buf.get_mut(filled..) {
        if room.is_empty() {
            break;
        }
        match opener.read(room) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(
                    match e.get_ref().and_then(|i| i.downcast_ref::<OpenError>()) {
                        Some(_) => OpenError::CannotOpen,
                        None => OpenError::Io(e),
                    },
                );
            }
        }
    }
    Ok(filled)
}

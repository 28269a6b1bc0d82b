//! Sealing: the [`Sealer`] builder and the one-call [`seal`].

use std::fmt;
use std::io::Write;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::crypto::{self, DataKey, WrapError};
use crate::error::SealError;
use crate::format::{
    self, Core, Header, Layer, MAX_HEADER_LEN, MAX_LABEL_LEN, MAX_STANZAS,
    SUITE_X25519_CHACHA20POLY1305_ED25519, SUITE_XWING_CHACHA20POLY1305_ED25519, Stanza, VERSION,
};
use crate::keys::{Card, Identity, format_time};
use crate::payload;
use crate::rng::Randomness;
use crate::stream::StreamSealer;
use crate::xwing::{self, HybridWrapError};

/// The header room reserved before a header is written (a header of one
/// classical recipient and its label takes about 1 KiB).
const HEADER_ROOM: usize = 4096;

/// Which recipient stanzas a seal writes: classical (X25519, suite 0x0002)
/// or post-quantum hybrid (X-Wing, suite 0x0003). One envelope is one or
/// the other, never a mix: a classical stanza beside post-quantum ones
/// would let a future quantum computer read what the others protect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protection {
    /// Post-quantum when every recipient card has an X-Wing key, classical
    /// when none has; a mix is refused ([`SealError::MixedProtection`])
    /// rather than silently sealed classically.
    #[default]
    Auto,
    /// Classical X25519 stanzas for every recipient, whatever keys the
    /// cards hold.
    Classical,
    /// X-Wing stanzas for every recipient; a card without an X-Wing key is
    /// refused ([`SealError::NoPostQuantumKey`]).
    PostQuantum,
}

/// The suite a seal with `protection` for `cards` uses.
pub(crate) fn suite_for(protection: Protection, cards: &[Card]) -> Result<u16, SealError> {
    let agencies = |with: bool| {
        cards
            .iter()
            .filter(|c| c.has_post_quantum_key() == with)
            .map(|c| format!("`{}`", c.agency_id()))
            .collect::<Vec<_>>()
    };
    match protection {
        Protection::Classical => Ok(SUITE_X25519_CHACHA20POLY1305_ED25519),
        Protection::PostQuantum => match cards.iter().find(|c| !c.has_post_quantum_key()) {
            Some(card) => Err(SealError::NoPostQuantumKey {
                agency: card.agency_id().to_owned(),
            }),
            None => Ok(SUITE_XWING_CHACHA20POLY1305_ED25519),
        },
        Protection::Auto => {
            let (with, without) = (agencies(true), agencies(false));
            match (with.is_empty(), without.is_empty()) {
                (false, true) => Ok(SUITE_XWING_CHACHA20POLY1305_ED25519),
                (true, _) => Ok(SUITE_X25519_CHACHA20POLY1305_ED25519),
                (false, false) => Err(SealError::MixedProtection {
                    with: with.join(", "),
                    without: without.join(", "),
                }),
            }
        }
    }
}

/// Seals `payload` with `label` for `recipients`, signed by `sender`, using
/// the current time to check the cards' validity.
///
/// # Errors
///
/// See [`Sealer::seal`].
///
/// # Example
///
/// ```
/// # use liaison_envelope::{Identity, seal, open};
/// # use time::{Duration, OffsetDateTime};
/// let now = OffsetDateTime::now_utc();
/// let alice = Identity::generate("FR-A", now - Duration::days(1), now + Duration::days(365))?;
/// let bob = Identity::generate("DE-B", now - Duration::days(1), now + Duration::days(365))?;
/// let sealed = seal(&alice, &[bob.card()], b"SECRET//REL DE", b"the report")?;
/// let opened = open(&sealed, &bob, &[alice.card()], now)?;
/// assert_eq!(opened.payload, b"the report");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn seal(
    sender: &Identity,
    recipients: &[Card],
    label: &[u8],
    payload: &[u8],
) -> Result<Vec<u8>, SealError> {
    Sealer::new(sender)
        .recipients(recipients)
        .label(label)
        .seal(payload)
}

/// Options of a seal: sender, recipients, label, anonymity, time.
pub struct Sealer<'a> {
    sender: &'a Identity,
    recipients: Vec<Card>,
    label: Vec<u8>,
    anonymous: bool,
    protection: Protection,
    at: Option<OffsetDateTime>,
    seed: Option<Zeroizing<[u8; 32]>>,
}

impl fmt::Debug for Sealer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The seed of deterministic test randomness is a secret: every key
        // of the envelope derives from it.
        f.debug_struct("Sealer")
            .field("sender", self.sender)
            .field("recipients", &self.recipients)
            .field("label_len", &self.label.len())
            .field("anonymous", &self.anonymous)
            .field("protection", &self.protection)
            .field("at", &self.at)
            .field("deterministic", &self.seed.is_some())
            .finish()
    }
}

/// What a seal has prepared before the payload: the header (one layer, not
/// yet signed), the payload key and the associated data.
pub(crate) struct Prepared {
    pub(crate) header: Header,
    /// The layer's prefix digest, for the final signature.
    pub(crate) prefix: [u8; 32],
    pub(crate) payload_key: DataKey,
    pub(crate) aad: [u8; 32],
}

impl<'a> Sealer<'a> {
    /// A sealer signing as `sender`, with no recipient yet, an empty label,
    /// recipients named by key id, [`Protection::Auto`], and the current
    /// time.
    #[must_use]
    pub fn new(sender: &'a Identity) -> Self {
        Sealer {
            sender,
            recipients: Vec::new(),
            label: Vec::new(),
            anonymous: false,
            protection: Protection::Auto,
            at: None,
            seed: None,
        }
    }

    /// Adds one recipient.
    #[must_use]
    pub fn recipient(mut self, card: &Card) -> Self {
        self.recipients.push(card.clone());
        self
    }

    /// Adds recipients.
    #[must_use]
    pub fn recipients(mut self, cards: &[Card]) -> Self {
        self.recipients.extend_from_slice(cards);
        self
    }

    /// Sets the label (opaque bytes, bound to the envelope).
    #[must_use]
    pub fn label(mut self, label: &[u8]) -> Self {
        label.clone_into(&mut self.label);
        self
    }

    /// Anonymous mode: the stanzas carry no key id, so an observer cannot
    /// tell who the recipients are; each recipient then tries every stanza.
    #[must_use]
    pub fn anonymous(mut self, anonymous: bool) -> Self {
        self.anonymous = anonymous;
        self
    }

    /// Classical or post-quantum recipient stanzas (default
    /// [`Protection::Auto`]: post-quantum when every card has an X-Wing
    /// key).
    #[must_use]
    pub fn protection(mut self, protection: Protection) -> Self {
        self.protection = protection;
        self
    }

    /// The time at which the cards must be valid (default: now).
    #[must_use]
    pub fn at(mut self, at: OffsetDateTime) -> Self {
        self.at = Some(at);
        self
    }

    /// Deterministic randomness from a seed, for test vectors only: never
    /// use it for real envelopes. Available with the `test-vectors`
    /// feature, which is off by default. The seed is wiped when the sealer
    /// is dropped and never printed.
    #[cfg(feature = "test-vectors")]
    #[must_use]
    pub fn deterministic(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(Zeroizing::new(seed));
        self
    }

    pub(crate) fn randomness(&self) -> Randomness {
        self.seed
            .as_ref()
            .map_or_else(Randomness::os, Randomness::seeded)
    }

    /// Seals `payload` in one call. The chunks of a payload over 64 KiB are
    /// shared between the calling thread and the envelope's worker pool
    /// (one thread fewer than the cores, started on the first such payload
    /// and kept, parked, for the process's life); the caller starts at
    /// once, takes every chunk no worker has taken, and at the end waits
    /// for the workers it woke.
    ///
    /// # Errors
    ///
    /// [`SealError::NoRecipients`], [`SealError::TooManyRecipients`],
    /// [`SealError::LabelTooLong`], [`SealError::CardNotValid`] (sender or
    /// recipient outside its validity window), [`SealError::WeakRecipientKey`],
    /// [`SealError::NoPostQuantumKey`] and [`SealError::MixedProtection`]
    /// (see [`Protection`]), [`SealError::HeaderTooLarge`] (too many
    /// post-quantum recipients for the 1 MiB header), [`SealError::Random`].
    pub fn seal(&self, payload: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut out = Vec::new();
        self.seal_into(payload, &mut out)?;
        Ok(out)
    }

    /// Seals `payload` in one call into `out`, replacing what it held and
    /// reusing its allocation when it is large enough: a caller that seals
    /// many payloads with one buffer pays for its memory once. The bytes
    /// are those [`Sealer::seal`] would return. On an error `out` is left
    /// empty (its old contents cleared).
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`].
    pub fn seal_into(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), SealError> {
        out.clear();
        let mut rng = self.randomness();
        let prepared = self.prepare(&mut rng)?;
        let body_len = payload::sealed_len(payload.len());
        let trailer_len = prepared.header.trailer_len();
        // Room for a header of a few recipients and the rest, so that
        // writing the header does not grow the buffer step by step.
        out.reserve(HEADER_ROOM + body_len + trailer_len);
        format::write_header(&prepared.header, out);
        let header_len = out.len();
        // Grown once to the whole envelope: a large fresh allocation comes
        // as untouched zero pages, so each worker faults in only its own
        // part of the body.
        out.resize(header_len + body_len + trailer_len, 0);
        let sealed = (|| {
            let (_, rest) = out.split_at_mut(header_len);
            let (body, signature) = rest.split_at_mut(body_len);
            let cipher = crypto::payload_cipher(&prepared.payload_key);
            let digest = payload::seal_into(&cipher, &prepared.aad, payload, body)
                .ok_or_else(|| SealError::Random("payload encryption failed".to_owned()))?;
            let trailer = crypto::sign_last(
                self.sender.signer(),
                &prepared.header,
                &prepared.prefix,
                &digest,
            )
            .ok_or(SealError::SigningFailed)?;
            signature.copy_from_slice(&trailer.to_bytes());
            Ok(())
        })();
        if sealed.is_err() {
            out.clear();
        }
        sealed
    }

    /// Starts a streaming seal into `out`: the header is written at once,
    /// then the payload as it is written, then the signature by
    /// [`StreamSealer::finish`].
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`], and [`SealError::Io`] if writing fails.
    pub fn stream<W: Write>(&self, out: W) -> Result<StreamSealer<W>, SealError> {
        let mut rng = self.randomness();
        let prepared = self.prepare(&mut rng)?;
        StreamSealer::start(prepared, self.sender.signer().clone(), out)
    }

    pub(crate) fn prepare(&self, rng: &mut Randomness) -> Result<Prepared, SealError> {
        let at = self.at.unwrap_or_else(OffsetDateTime::now_utc);
        check_card(&self.sender.card(), at)?;
        let suite = suite_for(self.protection, &self.recipients)?;
        let recipients = dedup(&self.recipients, suite);
        check_recipients(&recipients, at)?;
        if self.label.len() > MAX_LABEL_LEN {
            return Err(SealError::LabelTooLong {
                len: self.label.len(),
                max: MAX_LABEL_LEN,
            });
        }
        // Known before any key is drawn: the header's length.
        let len = header_len(
            suite,
            self.label.len(),
            recipients.len(),
            self.anonymous,
            self.sender.has_post_quantum_signing_key(),
        );
        if len > MAX_HEADER_LEN {
            return Err(SealError::HeaderTooLarge {
                len,
                max: MAX_HEADER_LEN,
            });
        }
        let random = |e: crate::rng::RandomError| SealError::Random(e.to_string());
        let data_key = rng.array32().map_err(random)?;
        let salt = rng.array32().map_err(random)?;
        let signer = self.sender.signer();
        let sender = signer.ed25519_public();
        let (payload_key, key_commitment) = crypto::derive_payload(&data_key, &salt, &sender);
        let core = Core {
            version: VERSION,
            suite,
            sender,
            payload_salt: *salt,
            key_commitment,
            label: self.label.clone(),
        };
        let aad = crypto::core_digest(&core);
        let stanzas = wrap_all(rng, suite, &recipients, self.anonymous, &data_key, &aad)?;
        let holder_proof = crypto::holder_proof(&data_key, &core.payload_salt, 0, &sender);
        let mut header = Header {
            core,
            layers: vec![Layer {
                signer: sender,
                holder_proof,
                mldsa65_signer: signer.mldsa65_public(),
                stanzas,
            }],
            header_signatures: Vec::new(),
            signatures: Vec::new(),
        };
        let prefix = crypto::sign_header(signer, &mut header).ok_or(SealError::SigningFailed)?;
        Ok(Prepared {
            header,
            prefix,
            payload_key,
            aad,
        })
    }
}

/// The length of a sealed header with one layer of `count` stanzas, hybrid
/// (with an ML-DSA-65 key and signature) or not.
fn header_len(suite: u16, label_len: usize, count: usize, anonymous: bool, hybrid: bool) -> usize {
    let body = match (suite == SUITE_XWING_CHACHA20POLY1305_ED25519, anonymous) {
        (false, false) => format::STANZA_X25519_LEN,
        (false, true) => format::STANZA_X25519_ANONYMOUS_LEN,
        (true, false) => format::STANZA_XWING_LEN,
        (true, true) => format::STANZA_XWING_ANONYMOUS_LEN,
    };
    let core = 8 + 1 + 2 + 32 + 32 + 32 + 4 + label_len;
    let layer = 32 + 32 + 2 + count.saturating_mul(3 + body);
    if hybrid {
        core + 1 + layer + format::MLDSA65_PUBLIC_KEY_LEN + format::HYBRID_SIGNATURE_LEN
    } else {
        core + 1 + layer + format::SIGNATURE_LEN
    }
}

/// Recipients with duplicates removed, first kept: the same X25519 key in
/// a classical envelope, the same X-Wing key in a post-quantum one.
pub(crate) fn dedup(cards: &[Card], suite: u16) -> Vec<&Card> {
    let mut out: Vec<&Card> = Vec::with_capacity(cards.len());
    for card in cards {
        let same = |c: &&Card| {
            if suite == SUITE_XWING_CHACHA20POLY1305_ED25519 {
                c.post_quantum_public() == card.post_quantum_public()
            } else {
                c.x25519_public() == card.x25519_public()
            }
        };
        if !out.iter().any(same) {
            out.push(card);
        }
    }
    out
}

pub(crate) fn check_card(card: &Card, at: OffsetDateTime) -> Result<(), SealError> {
    if card.is_valid_at(at) {
        return Ok(());
    }
    let (not_before, not_after) = card.window_strings();
    Err(SealError::CardNotValid {
        agency: card.agency_id().to_owned(),
        at: format_time(at),
        not_before,
        not_after,
    })
}

pub(crate) fn check_recipients(cards: &[&Card], at: OffsetDateTime) -> Result<(), SealError> {
    if cards.is_empty() {
        return Err(SealError::NoRecipients);
    }
    if cards.len() > MAX_STANZAS {
        return Err(SealError::TooManyRecipients {
            count: cards.len(),
            max: MAX_STANZAS,
        });
    }
    cards.iter().try_for_each(|c| check_card(c, at))
}

/// Wraps the data key for every recipient, with the stanza type of `suite`.
pub(crate) fn wrap_all(
    rng: &mut Randomness,
    suite: u16,
    cards: &[&Card],
    anonymous: bool,
    data_key: &[u8; 32],
    aad: &[u8; 32],
) -> Result<Vec<Stanza>, SealError> {
    if suite == SUITE_XWING_CHACHA20POLY1305_ED25519 {
        return cards
            .iter()
            .map(|card| {
                let hybrid = card.hybrid().ok_or_else(|| SealError::NoPostQuantumKey {
                    agency: card.agency_id().to_owned(),
                })?;
                let key_id = (!anonymous).then(|| hybrid.key_id());
                xwing::wrap(rng, hybrid, key_id, data_key, aad).map_err(|e| match e {
                    HybridWrapError::Random(e) => SealError::Random(e.to_string()),
                    HybridWrapError::Aead => {
                        SealError::Random("the key wrap failed to encrypt".to_owned())
                    }
                })
            })
            .collect();
    }
    cards
        .iter()
        .map(|card| {
            let key_id = (!anonymous).then(|| card.encryption_key_id());
            crypto::wrap(rng, card.x25519_key(), key_id, data_key, aad).map_err(|e| match e {
                WrapError::LowOrder => SealError::WeakRecipientKey {
                    agency: card.agency_id().to_owned(),
                },
                WrapError::Random(e) => SealError::Random(e.to_string()),
            })
        })
        .collect()
}

//! The error types, one per family of operations.
//!
//! Cryptographic failures are deliberately opaque ([`OpenError::CannotOpen`]):
//! a reader that explains *which* check failed hands an attacker an oracle.
//! Everything a user can fix (wrong file, wrong key, untrusted or expired
//! sender, unsupported version) is explained plainly.

use std::io;

use crate::keys::KeyId;

/// Why a key file (identity or card) could not be read or made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not well-formed JSON, or does not have the expected shape.
    #[error("{what} at line {line}, column {column}: {message}")]
    Json {
        /// What was being read (`identity file` or `card file`).
        what: &'static str,
        /// Line of the problem (1-based).
        line: usize,
        /// Column of the problem (1-based).
        column: usize,
        /// The parser's description of the problem.
        message: String,
    },
    /// A field holds a value that is not acceptable.
    #[error("{what} field `{pointer}`: {problem}")]
    Field {
        /// What was being read (`identity file` or `card file`).
        what: &'static str,
        /// JSON pointer of the field, e.g. `/x25519_public`.
        pointer: &'static str,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// The validity window is empty or the agency id is unusable.
    #[error("{problem}")]
    Invalid {
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// Why an envelope could not be sealed (or rewrapped, or rekeyed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// No recipient was given.
    #[error("no recipient: give at least one recipient card")]
    NoRecipients,
    /// More recipients than one layer may hold.
    #[error("{count} recipients is more than the {max} one envelope layer may hold")]
    TooManyRecipients {
        /// The number given.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// The label is longer than the format allows.
    #[error("the label is {len} bytes, more than the {max} bytes allowed")]
    LabelTooLong {
        /// The label's length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A card (recipient or sender) is outside its validity window.
    #[error(
        "the card of `{agency}` is not valid at {at} (valid from {not_before} to {not_after}): use a current card"
    )]
    CardNotValid {
        /// The card's agency id.
        agency: String,
        /// The time of sealing.
        at: String,
        /// Start of the validity window.
        not_before: String,
        /// End of the validity window.
        not_after: String,
    },
    /// A recipient's X25519 public key is a low-order point: sealing to it
    /// would produce a key that anyone can compute.
    #[error("the X25519 key of recipient `{agency}` is a low-order point and cannot be used")]
    WeakRecipientKey {
        /// The card's agency id.
        agency: String,
    },
    /// A recipient card has no post-quantum (X-Wing) key, and the envelope
    /// is post-quantum (asked for, or rewrapped from a post-quantum one).
    #[error(
        "the card of `{agency}` has no post-quantum (X-Wing) key, so it cannot receive a post-quantum envelope: ask the agency for a card made with `liaison keygen --post-quantum`, or seal classically"
    )]
    NoPostQuantumKey {
        /// The card's agency id.
        agency: String,
    },
    /// Some recipient cards have post-quantum keys and some do not, and no
    /// choice was made: sealing classically would silently downgrade the
    /// post-quantum recipients.
    #[error(
        "the cards of {with} have post-quantum (X-Wing) keys and those of {without} do not: one envelope is either post-quantum or classical, so choose explicitly (post-quantum needs every card to have an X-Wing key; classical leaves every recipient open to a future quantum computer)"
    )]
    MixedProtection {
        /// The agencies whose cards have an X-Wing key, in backticks.
        with: String,
        /// The agencies whose cards have none, in backticks.
        without: String,
    },
    /// The header would be longer than the format allows.
    #[error(
        "the header would be {len} bytes, more than the {max} bytes allowed: address fewer recipients (each post-quantum stanza takes 1179 bytes), or rekey a forwarded envelope instead of rewrapping it"
    )]
    HeaderTooLarge {
        /// The header's length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// The envelope given to rewrap or rekey could not be opened.
    #[error("cannot use the envelope: {0}")]
    Open(#[from] OpenError),
    /// The envelope already has as many signing layers as the format allows.
    #[error("the envelope already has {max} layers: rekey it instead of rewrapping it again")]
    TooManyLayers {
        /// The maximum.
        max: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// ML-DSA-65 signing gave up (its rejection sampling found no
    /// signature within its bound, which FIPS 204 makes vanishingly rare).
    #[error(
        "the ML-DSA-65 signature could not be made for this envelope: seal it again (a new envelope gives a new message to sign)"
    )]
    SigningFailed,
    /// Writing the envelope failed.
    #[error("cannot write the envelope: {0}")]
    Io(#[from] io::Error),
}

/// Why an envelope could not be opened (or inspected).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The bytes do not start with the envelope magic.
    #[error("not a liaison envelope (the first bytes are not the envelope magic)")]
    NotAnEnvelope,
    /// The format version is not one this library reads.
    #[error(
        "unsupported envelope format version {version}: this library reads version 2 only (ask the sender to seal it again with a current version)"
    )]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The cipher suite is not one this library implements.
    #[error(
        "unsupported cipher suite {suite:#06x}: this library implements suites 0x0002 (classical) and 0x0003 (post-quantum) only"
    )]
    UnsupportedSuite {
        /// The suite id found.
        suite: u16,
    },
    /// The structure is broken at a known place.
    #[error("malformed envelope at byte offset {offset}: {problem}")]
    Malformed {
        /// Byte offset of the problem.
        offset: u64,
        /// What was expected there.
        problem: String,
    },
    /// A stanza of one suite's recipient type in an envelope of the other
    /// suite: an X25519 stanza in a post-quantum envelope (a downgrade), or
    /// an X-Wing stanza in a classical one.
    #[error(
        "stanza of type {stanza_type} at byte offset {offset} does not belong to cipher suite {suite:#06x}: a post-quantum envelope (suite 0x0003) holds only X-Wing stanzas (types 3 and 4) and a classical one (suite 0x0002) only X25519 stanzas (types 1 and 2); the envelope was altered or wrongly written"
    )]
    StanzaSuiteMismatch {
        /// Byte offset of the stanza (its type byte).
        offset: u64,
        /// The stanza's type byte.
        stanza_type: u8,
        /// The envelope's suite id.
        suite: u16,
    },
    /// No stanza of the envelope is addressed to this identity.
    #[error(
        "this identity (key id `{key_id}`) is not a recipient of the envelope: no stanza opens with its key"
    )]
    NotRecipient {
        /// The identity's key id for the envelope's suite: its X25519 key
        /// id for a classical envelope, its X-Wing key id for a
        /// post-quantum one.
        key_id: KeyId,
    },
    /// The envelope is post-quantum and this identity has no X-Wing key.
    #[error(
        "the envelope is sealed for post-quantum recipients (suite 0x0003) and this identity has no post-quantum (X-Wing) key: open it with the identity made by `liaison keygen --post-quantum` whose card the sender used"
    )]
    NoPostQuantumKey,
    /// A signer of the envelope is not among the trusted sender cards.
    #[error(
        "the envelope is signed by key id `{key_id}`, which is not among the trusted sender cards: add the sender's card if you trust it"
    )]
    UntrustedSender {
        /// The signing key id found in the envelope.
        key_id: KeyId,
    },
    /// Two different trusted cards hold the same signing key: which agency
    /// signed cannot be told.
    #[error(
        "the trusted cards give the signing key `{key_id}` to more than one card (`{first}` and `{second}`): keep one card per key"
    )]
    AmbiguousSigner {
        /// The signing key's key id.
        key_id: KeyId,
        /// The agency of the first matching card.
        first: String,
        /// The agency of another matching card.
        second: String,
    },
    /// The signer's card is outside its validity window.
    #[error(
        "the card of sender `{agency}` is not valid at {at} (valid from {not_before} to {not_after})"
    )]
    SenderCardNotValid {
        /// The card's agency id.
        agency: String,
        /// The time of opening.
        at: String,
        /// Start of the validity window.
        not_before: String,
        /// End of the validity window.
        not_after: String,
    },
    /// A layer signed with Ed25519 alone by an agency whose trusted card has
    /// an ML-DSA-65 key: its post-quantum signatures were stripped (by
    /// someone who could then have forged the Ed25519 ones), or it was
    /// signed before the agency gained the key.
    #[error(
        "the envelope carries only an Ed25519 signature of `{agency}`, whose trusted card has an ML-DSA-65 key: `{agency}` signs with both, so the post-quantum signature was stripped (a downgrade) or the envelope was signed before its card gained the key (then open it with the card of that time)"
    )]
    SignatureDowngrade {
        /// The agency of the trusted card.
        agency: String,
    },
    /// A layer signed with Ed25519 and ML-DSA-65 whose ML-DSA-65 key is not
    /// the one on the signer's trusted card (or the card has none).
    #[error(
        "the envelope is signed with the Ed25519 key of `{agency}` and the ML-DSA-65 key `{found}`, which is not on its trusted card ({}): get the agency's current card",
        match expected { Some(id) => format!("whose ML-DSA-65 key is `{id}`"), None => "which has no ML-DSA-65 key".to_owned() }
    )]
    SigningKeyMismatch {
        /// The agency of the trusted card.
        agency: String,
        /// The key id of the ML-DSA-65 key in the envelope.
        found: KeyId,
        /// The key id of the card's ML-DSA-65 key, if it has one.
        expected: Option<KeyId>,
    },
    /// The envelope failed authentication. No detail is given on purpose.
    #[error("the envelope cannot be opened: authentication failed")]
    CannotOpen,
    /// Reading the envelope failed (streaming only).
    #[error("cannot read the envelope: {0}")]
    Io(#[from] io::Error),
    /// The spool of [`crate::open_spooled`] could not be written or read
    /// back, or was altered while the envelope was verified.
    #[error("cannot use the spool file: {0}")]
    Spool(#[source] io::Error),
    /// Writing the verified payload failed ([`crate::open_spooled`]).
    #[error("cannot write the opened payload: {0}")]
    Output(#[source] io::Error),
}

/// Why an armored envelope could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArmorError {
    /// The text does not have the exact armored shape.
    #[error("armored envelope, line {line}: {problem}")]
    Malformed {
        /// 1-based line number of the problem.
        line: usize,
        /// What was expected there.
        problem: String,
    },
}

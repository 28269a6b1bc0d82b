//! The error types, one per family of operations.
//!
//! A proof that does not verify is reported without detail
//! ([`FinishError::Proof`]); everything a user can fix (a stale index, a
//! kind the index does not have, a budget spent) is said plainly.

use crate::keys::CommitmentId;
use crate::kind::KeyKind;

/// The operating system's random number generator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct RandomError(pub(crate) String);

/// Why a key kind, a match key value or a holder key could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key kind is not acceptable.
    #[error("key kind `{kind}` {reason}")]
    Kind {
        /// The kind given, escaped.
        kind: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// The match key value is not acceptable.
    #[error("a value of kind `{kind}` {reason}")]
    Value {
        /// The kind of the value.
        kind: KeyKind,
        /// What is wrong.
        reason: String,
    },
    /// No random bytes for a new key.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// RFC 9497 key derivation failed (it does with probability 2^-2000).
    #[error("the key for kind `{kind}` could not be derived")]
    Derive {
        /// The kind whose key it was.
        kind: KeyKind,
    },
}

/// Why an index could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A kind or value given to the builder is not acceptable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// More entries of one kind than an index section holds.
    #[error("kind `{kind}` has {count} entries, more than the 4294967295 an index section holds")]
    TooMany {
        /// The kind.
        kind: KeyKind,
        /// How many entries it has.
        count: usize,
    },
    /// More than 65535 kinds.
    #[error("{count} kinds is more than the 65535 an index holds")]
    TooManyKinds {
        /// How many kinds were given.
        count: usize,
    },
    /// A record reference longer than 65535 bytes.
    #[error("a record reference of {len} bytes is longer than the 65535 allowed")]
    RecordTooLong {
        /// Its length.
        len: usize,
    },
    /// The OPRF evaluation of a key failed (inputs are checked when they are
    /// added, so this does not happen).
    #[error("the OPRF evaluation of a key failed")]
    Evaluate,
    /// The filter could not be constructed (this happens only with
    /// negligible probability for distinct keys).
    #[error("the filter for kind `{kind}` could not be built: {reason}")]
    Filter {
        /// The kind.
        kind: KeyKind,
        /// What the filter construction said.
        reason: &'static str,
    },
}

/// Why a query could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The kind or value is not acceptable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The index has no section of this kind, so nothing could hit.
    #[error("the index has no keys of kind `{kind}`; it has {available}")]
    UnknownKind {
        /// The kind asked for.
        kind: KeyKind,
        /// The kinds the index has, comma-separated.
        available: String,
    },
    /// More keys than one query holds.
    #[error("{count} keys is more than the 4294967295 a query holds")]
    TooMany {
        /// How many keys were given.
        count: usize,
    },
    /// The query holds no key.
    #[error("the query is empty: add at least one key")]
    Empty,
    /// The purpose name is empty or longer than 255 bytes.
    #[error("the purpose name must be 1 to 255 bytes")]
    Purpose,
    /// No random bytes for the blinds.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Why the holder refused to answer a query, or could not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// The query was made against another index than the holder's current
    /// one (an old index, or another holder's).
    #[error(
        "the query names key commitment {query}, the holder's current one is {current}: fetch the current index and query again"
    )]
    StaleCommitment {
        /// The commitment the query names.
        query: CommitmentId,
        /// The holder's.
        current: CommitmentId,
    },
    /// The holder key given is not the one the commitment was made with.
    #[error("the holder key does not match the key commitment of kind `{kind}`")]
    KeyMismatch {
        /// The first kind whose public key differs.
        kind: KeyKind,
    },
    /// A kind of the query is not in the holder's commitment.
    #[error("the query asks about kind `{kind}`, which the holder's index does not have")]
    UnknownKind {
        /// The kind.
        kind: KeyKind,
    },
    /// The proof chunk size is 0.
    #[error("the proof chunk size must be between 1 and 65535")]
    ChunkSize,
    /// No random bytes for the proofs.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// Deriving the kind's key failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Why a querier could not finish a query with the holder's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FinishError {
    /// The answer is to another query.
    #[error("the answer is to query session {found}, this query is session {expected}")]
    Session {
        /// This query's session.
        expected: String,
        /// The answer's.
        found: String,
    },
    /// The index, the pending query and the answer do not name the same key
    /// commitment.
    #[error(
        "the {what} names key commitment {found}, the pending query was made against {expected}"
    )]
    Commitment {
        /// Which one differs (`index` or `answer`).
        what: &'static str,
        /// The pending query's commitment.
        expected: CommitmentId,
        /// The other's.
        found: CommitmentId,
    },
    /// The index given is not, byte for byte, the index the query was made
    /// against (the holder sent a new index under the same key).
    #[error(
        "the index changed since the query was made (its digest is {found}, the query was made against {expected}): query again against the new index"
    )]
    IndexChanged {
        /// The digest the pending query keeps, in hexadecimal.
        expected: String,
        /// The given index's digest, in hexadecimal.
        found: String,
    },
    /// The answer does not have the shape of the query (kinds, counts).
    #[error("the answer does not match the query: {0}")]
    Shape(String),
    /// A proof does not verify against the committed key: the holder did
    /// not evaluate with the key it committed to, or the answer was
    /// altered. No detail is given on purpose.
    #[error("the answer does not prove evaluation under the committed key")]
    Proof,
}

//! The byte formats' shared pieces: the message names, the strict reader
//! that says where and what is wrong, and the writer.
//!
//! Every message starts with four ASCII magic bytes, a version byte and a
//! suite byte; integers are unsigned and big-endian; a key kind is one
//! length byte and that many bytes. Each message's own layout is with its
//! type, and in `docs/match.md`.

use std::fmt;

use crate::kind::KeyKind;

/// The format version every message of this crate carries.
pub const VERSION: u8 = 1;

/// The cipher suite byte: RFC 9497 VOPRF mode with ristretto255 and
/// SHA-512 (`OPRFV1-\x01-ristretto255-SHA512`).
pub const SUITE: u8 = 1;

/// Which message a parser was reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A holder key file (`LMHK`).
    HolderKey,
    /// A key commitment (`LMCM`).
    Commitment,
    /// An index (`LMIX`).
    Index,
    /// A query (`LMQY`).
    Query,
    /// An answer (`LMAN`).
    Answer,
    /// A querier's pending state (`LMPD`).
    Pending,
    /// A holder's reference resolver (`LMRS`).
    Resolver,
    /// A budget ledger (`LMBL`).
    Ledger,
}

impl Message {
    /// The four magic bytes that open this message.
    pub const fn magic(self) -> &'static [u8; 4] {
        match self {
            Message::HolderKey => b"LMHK",
            Message::Commitment => b"LMCM",
            Message::Index => b"LMIX",
            Message::Query => b"LMQY",
            Message::Answer => b"LMAN",
            Message::Pending => b"LMPD",
            Message::Resolver => b"LMRS",
            Message::Ledger => b"LMBL",
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Message::HolderKey => "holder key",
            Message::Commitment => "key commitment",
            Message::Index => "index",
            Message::Query => "query",
            Message::Answer => "answer",
            Message::Pending => "pending query state",
            Message::Resolver => "reference resolver",
            Message::Ledger => "budget ledger",
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong at the place a [`ParseError`] names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The bytes end before a field does.
    #[error("`{field}` needs {needed} bytes but only {left} are left")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// How many bytes it needs.
        needed: usize,
        /// How many were left.
        left: usize,
    },
    /// The magic bytes are those of another message, or of none.
    #[error("expected the magic bytes `{expected}`, found `{found}`")]
    Magic {
        /// The magic this message starts with.
        expected: &'static str,
        /// What was there, escaped.
        found: String,
    },
    /// The version byte is not one this reader knows.
    #[error("version {found} is not supported (this reader reads version {VERSION})")]
    Version {
        /// The version byte found.
        found: u8,
    },
    /// The suite byte is not one this reader knows.
    #[error("suite {found} is not supported (suite {SUITE} is RFC 9497 VOPRF ristretto255-SHA512)")]
    Suite {
        /// The suite byte found.
        found: u8,
    },
    /// A field holds a value the format does not allow.
    #[error("`{field}` {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Bytes follow the end of the message.
    #[error("{count} bytes follow the end of the message")]
    Trailing {
        /// How many.
        count: usize,
    },
}

/// A message could not be read: which message, at which byte offset, and
/// what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}, byte {offset}: {problem}")]
pub struct ParseError {
    /// The message being read.
    pub message: Message,
    /// The offset, from the message's first byte, of the field at fault.
    pub offset: usize,
    /// What is wrong.
    pub problem: Problem,
}

/// A strict reader over one message.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    message: Message,
}

impl<'a> Reader<'a> {
    /// Reads the magic, version and suite bytes of `message`.
    pub(crate) fn open(bytes: &'a [u8], message: Message) -> Result<Self, ParseError> {
        let mut r = Reader {
            bytes,
            pos: 0,
            message,
        };
        let magic = r.take(4, "magic")?;
        if magic != message.magic() {
            return Err(r.error_at(
                0,
                Problem::Magic {
                    expected: std::str::from_utf8(message.magic()).unwrap_or("?"),
                    found: magic.escape_ascii().to_string(),
                },
            ));
        }
        let at = r.pos;
        let version = r.u8("version")?;
        if version != VERSION {
            return Err(r.error_at(at, Problem::Version { found: version }));
        }
        let at = r.pos;
        let suite = r.u8("suite")?;
        if suite != SUITE {
            return Err(r.error_at(at, Problem::Suite { found: suite }));
        }
        Ok(r)
    }

    /// The offset of the next byte to read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// How many bytes are left.
    pub(crate) fn left(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    pub(crate) fn error_at(&self, offset: usize, problem: Problem) -> ParseError {
        ParseError {
            message: self.message,
            offset,
            problem,
        }
    }

    /// An [`Problem::Invalid`] error for the field that starts at `offset`.
    pub(crate) fn invalid(
        &self,
        offset: usize,
        field: &'static str,
        reason: impl Into<String>,
    ) -> ParseError {
        self.error_at(
            offset,
            Problem::Invalid {
                field,
                reason: reason.into(),
            },
        )
    }

    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        let left = self.left();
        let end = self.pos.checked_add(n).filter(|_| n <= left);
        match end.and_then(|end| self.bytes.get(self.pos..end).map(|s| (s, end))) {
            Some((slice, end)) => {
                self.pos = end;
                Ok(slice)
            }
            None => Err(self.error_at(
                self.pos,
                Problem::Truncated {
                    field,
                    needed: n,
                    left,
                },
            )),
        }
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], ParseError> {
        let at = self.pos;
        let slice = self.take(N, field)?;
        <[u8; N]>::try_from(slice).map_err(|_| self.invalid(at, field, "has the wrong length"))
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, ParseError> {
        Ok(u8::from_be_bytes(self.array::<1>(field)?))
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, ParseError> {
        Ok(u16::from_be_bytes(self.array::<2>(field)?))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, ParseError> {
        Ok(u32::from_be_bytes(self.array::<4>(field)?))
    }

    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, ParseError> {
        Ok(u64::from_be_bytes(self.array::<8>(field)?))
    }

    /// A count of items of `item_len` bytes each that must all fit in what
    /// is left (so that no parser allocates for bytes that are not there).
    pub(crate) fn count32(
        &mut self,
        field: &'static str,
        item_len: usize,
    ) -> Result<usize, ParseError> {
        let at = self.pos;
        let count = usize::try_from(self.u32(field)?)
            .map_err(|_| self.invalid(at, field, "does not fit this machine"))?;
        let needed = count.saturating_mul(item_len);
        if needed > self.left() {
            return Err(self.invalid(
                at,
                field,
                format!(
                    "says {count} items of {item_len} bytes but only {} bytes are left",
                    self.left()
                ),
            ));
        }
        Ok(count)
    }

    /// A key kind: one length byte, then the kind.
    pub(crate) fn kind(&mut self) -> Result<KeyKind, ParseError> {
        let at = self.pos;
        let len = usize::from(self.u8("kind length")?);
        let bytes = self.take(len, "kind")?;
        let text =
            std::str::from_utf8(bytes).map_err(|_| self.invalid(at, "kind", "is not ASCII"))?;
        KeyKind::new(text).map_err(|e| self.invalid(at, "kind", e.to_string()))
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(self) -> Result<(), ParseError> {
        match self.left() {
            0 => Ok(()),
            count => Err(self.error_at(self.pos, Problem::Trailing { count })),
        }
    }
}

/// A writer for one message; it starts with the magic, version and suite.
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(message: Message, capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity.saturating_add(6));
        out.extend_from_slice(message.magic());
        out.push(VERSION);
        out.push(SUITE);
        Writer { out }
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// A count that the types keep within `u32` (checked where they are
    /// built); saturates rather than wraps if that ever fails.
    pub(crate) fn count32(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    pub(crate) fn kind(&mut self, kind: &KeyKind) {
        // A kind is at most 32 bytes (checked when it is made).
        self.u8(u8::try_from(kind.as_str().len()).unwrap_or(u8::MAX));
        self.bytes(kind.as_str().as_bytes());
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

//! Signed notes (c2sp.org/signed-note): text followed by signature lines,
//! key ids, verifier keys, and Ed25519 signatures over the text.
//!
//! A note is its text (ending in a line feed), a blank line, and one or more
//! lines `— NAME BASE64` (em dash U+2014, space, key name, space, the
//! standard base64 of a 4-byte big-endian key id followed by the signature).
//! The key id of an Ed25519 key is the first four bytes of
//! `SHA-256(NAME || 0x0A || TYPE || PUBLIC KEY)`, with type `0x01` for a
//! note signature and `0x04` for a cosignature (c2sp.org/tlog-cosignature).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::text::{ParseError, canonical_base64, check_text, shown};

/// The signature type of an Ed25519 note signature.
pub const TYPE_ED25519: u8 = 0x01;

/// The signature type of a timestamped Ed25519 cosignature.
pub const TYPE_COSIGNATURE: u8 = 0x04;

/// The most signature lines a note may carry here (the format asks
/// verifiers to accept at least 16).
pub const MAX_SIGNATURES: usize = 64;

/// The largest note read, in bytes.
pub const MAX_NOTE_LEN: usize = 1 << 16;

const DASH: &str = "\u{2014} ";

/// The key id of a key: `SHA-256(name || 0x0A || kind || public_key)[..4]`
/// as a big-endian number.
pub fn key_id(name: &str, kind: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', kind]);
    h.update(public_key);
    let d = h.finalize();
    d.as_slice()
        .first_chunk::<4>()
        .map_or(0, |id| u32::from_be_bytes(*id))
}

/// Whether `name` can name a key: non-empty, no white space, no `+`.
pub fn is_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key id.
    pub key_id: u32,
    /// The signature bytes after the key id (for a cosignature, the 8-byte
    /// timestamp and then the signature).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, without its line feed.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("{DASH}{} {}", self.name, STANDARD.encode(bytes))
    }
}

/// Why a signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign the note: {0}")]
pub struct SignError(pub String);

/// Signs with an Ed25519 key under a key name. The agency's own signer
/// lives where its keys do; [`Ed25519Signer`] holds a key itself.
pub trait NoteSigner {
    /// The key name written in the signature line.
    fn name(&self) -> &str;

    /// The Ed25519 public key.
    fn public_key(&self) -> [u8; 32];

    /// An Ed25519 signature (RFC 8032) of `message`.
    ///
    /// # Errors
    ///
    /// [`SignError`] when the key refuses to sign this message.
    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
}

/// An Ed25519 key under a name. The key is wiped when dropped and never
/// printed.
pub struct Ed25519Signer {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519Signer")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Ed25519Signer {
    /// The key whose RFC 8032 secret is `seed`, named `name`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Name`] when `name` cannot name a key.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_key_name(name) {
            return Err(KeyError::Name(shown(name)));
        }
        Ok(Self {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }
}

impl NoteSigner for Ed25519Signer {
    fn name(&self) -> &str {
        &self.name
    }

    fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        Ok(self.key.sign(message).to_bytes())
    }
}

/// Why a verifier key cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key name is empty or holds white space or `+`.
    #[error("`{0}` cannot name a key: a key name is non-empty, with no white space and no `+`")]
    Name(String),
    /// The verifier key text is not `NAME+HEXID+BASE64`.
    #[error(
        "`{0}` is not a verifier key: expected `NAME+KEYID+KEY` with an 8-digit hex key id and a base64 key"
    )]
    Form(String),
    /// The key id does not match the name and key.
    #[error("the verifier key `{0}` has a key id that does not match its name and key")]
    KeyId(String),
    /// The key is not an Ed25519 key of a supported type.
    #[error("the verifier key `{0}` is not an Ed25519 key of type 0x01 or 0x04")]
    Key(String),
}

/// A public key that verifies note signatures (type `0x01`) or
/// cosignatures (type `0x04`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    kind: u8,
    key_id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Verifies Ed25519 note signatures by `name`'s `public_key`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Name`], or [`KeyError::Key`] when the bytes are not an
    /// Ed25519 public key.
    pub fn ed25519(name: &str, public_key: &[u8; 32]) -> Result<Self, KeyError> {
        Self::new(name, TYPE_ED25519, public_key)
    }

    /// Verifies timestamped Ed25519 cosignatures by `name`'s `public_key`.
    ///
    /// # Errors
    ///
    /// As [`NoteVerifier::ed25519`].
    pub fn cosigner(name: &str, public_key: &[u8; 32]) -> Result<Self, KeyError> {
        Self::new(name, TYPE_COSIGNATURE, public_key)
    }

    fn new(name: &str, kind: u8, public_key: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_key_name(name) {
            return Err(KeyError::Name(shown(name)));
        }
        let key =
            VerifyingKey::from_bytes(public_key).map_err(|_| KeyError::Key(name.to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            kind,
            key_id: key_id(name, kind, public_key),
            key,
        })
    }

    /// Reads a verifier key: `NAME+HEXID+BASE64(TYPE || KEY)`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] saying what is wrong.
    pub fn from_vkey(text: &str) -> Result<Self, KeyError> {
        let form = || KeyError::Form(shown(text));
        let mut parts = text.split('+');
        let (Some(name), Some(id), Some(key), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(form());
        };
        if id.len() != 8 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(form());
        }
        let id = u32::from_str_radix(id, 16).map_err(|_| form())?;
        let key = canonical_base64(key).ok_or_else(form)?;
        let (kind, public) = match key.split_first() {
            Some((&kind, public)) if kind == TYPE_ED25519 || kind == TYPE_COSIGNATURE => {
                (kind, public)
            }
            _ => return Err(KeyError::Key(shown(text))),
        };
        let public: [u8; 32] = public.try_into().map_err(|_| KeyError::Key(shown(text)))?;
        let verifier = Self::new(name, kind, &public)?;
        if verifier.key_id != id {
            return Err(KeyError::KeyId(shown(text)));
        }
        Ok(verifier)
    }

    /// The verifier key text: `NAME+HEXID+BASE64(TYPE || KEY)`.
    pub fn to_vkey(&self) -> String {
        let mut key = vec![self.kind];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, STANDARD.encode(key))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type: [`TYPE_ED25519`] or [`TYPE_COSIGNATURE`].
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.key
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

/// Why a note does not verify. Deliberately without detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// No signature line carries the key's name and key id.
    #[error("the note carries no signature by `{0}`")]
    NotSigned(String),
    /// A signature by the key does not verify.
    #[error("a signature by `{0}` on the note does not verify")]
    BadSignature(String),
}

/// What a verified signature says besides being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// A cosignature's timestamp (POSIX seconds); `None` for a note
    /// signature.
    pub timestamp: Option<u64>,
}

/// A note: its text and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// A note with `text` and no signature yet.
    ///
    /// # Errors
    ///
    /// [`ParseError`] when `text` is empty, holds a control character other
    /// than the line feed, or does not end with a line feed.
    pub fn new(text: &str) -> Result<Self, ParseError> {
        check_text("note text", text.as_bytes())?;
        Ok(Self {
            text: text.to_owned(),
            signatures: Vec::new(),
        })
    }

    /// The text, with its final line feed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line.
    pub fn push_signature(&mut self, signature: NoteSignature) {
        self.signatures.push(signature);
    }

    /// Signs the text with `signer` (type `0x01`) and adds the line.
    ///
    /// # Errors
    ///
    /// [`SignError`] from the signer, or when its name cannot name a key.
    pub fn sign(&mut self, signer: &dyn NoteSigner) -> Result<(), SignError> {
        let name = signer.name();
        if !is_key_name(name) {
            return Err(SignError(format!("`{}` cannot name a key", shown(name))));
        }
        let signature = signer.sign(self.text.as_bytes())?;
        self.signatures.push(NoteSignature {
            name: name.to_owned(),
            key_id: key_id(name, TYPE_ED25519, &signer.public_key()),
            signature: signature.to_vec(),
        });
        Ok(())
    }

    /// Cosigns the text with `signer` at `timestamp` (POSIX seconds, at most
    /// `2^63 - 1`) as c2sp.org/tlog-cosignature `cosignature/v1` says, and
    /// adds the line.
    ///
    /// # Errors
    ///
    /// [`SignError`] from the signer, for a bad name or a timestamp too
    /// large.
    pub fn cosign(&mut self, signer: &dyn NoteSigner, timestamp: u64) -> Result<(), SignError> {
        let name = signer.name();
        if !is_key_name(name) {
            return Err(SignError(format!("`{}` cannot name a key", shown(name))));
        }
        if timestamp > i64::MAX as u64 {
            return Err(SignError(format!("timestamp {timestamp} exceeds 2^63 - 1")));
        }
        let signature = signer.sign(&cosigned_message(&self.text, timestamp))?;
        let mut bytes = timestamp.to_be_bytes().to_vec();
        bytes.extend_from_slice(&signature);
        self.signatures.push(NoteSignature {
            name: name.to_owned(),
            key_id: key_id(name, TYPE_COSIGNATURE, &signer.public_key()),
            signature: bytes,
        });
        Ok(())
    }

    /// Verifies the note against `verifier`: at least one signature line
    /// carries its name and key id, and every such line verifies. Lines of
    /// other keys are ignored, as the format requires.
    ///
    /// # Errors
    ///
    /// [`NoteError::NotSigned`] or [`NoteError::BadSignature`].
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<Verified, NoteError> {
        let mut verified = None;
        for s in &self.signatures {
            if s.name != verifier.name || s.key_id != verifier.key_id {
                continue;
            }
            let ok = if verifier.kind == TYPE_COSIGNATURE {
                match s.signature.split_first_chunk::<8>() {
                    Some((time, signature)) => {
                        let t = u64::from_be_bytes(*time);
                        let good = t <= i64::MAX as u64
                            && verifier.verifies(&cosigned_message(&self.text, t), signature);
                        good.then_some(Some(t))
                    }
                    None => None,
                }
            } else {
                verifier
                    .verifies(self.text.as_bytes(), &s.signature)
                    .then_some(None)
            };
            match ok {
                Some(timestamp) => verified = Some(Verified { timestamp }),
                None => return Err(NoteError::BadSignature(verifier.name.clone())),
            }
        }
        verified.ok_or_else(|| NoteError::NotSigned(verifier.name.clone()))
    }

    /// The note as text: the text, a blank line, the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
            out.push('\n');
        }
        out
    }

    /// Reads a note.
    ///
    /// # Errors
    ///
    /// [`ParseError`] naming the line: text that is not UTF-8 or holds a
    /// control character, no blank line before the signatures, no
    /// signature, a signature line not of the form `— NAME BASE64` with a
    /// key name and at least 5 bytes of canonical base64, more than
    /// [`MAX_SIGNATURES`] signatures, more than [`MAX_NOTE_LEN`] bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        const WHAT: &str = "signed note";
        if bytes.len() > MAX_NOTE_LEN {
            return Err(ParseError {
                what: WHAT,
                line: 0,
                problem: format!("longer than {MAX_NOTE_LEN} bytes"),
            });
        }
        let all = check_text(WHAT, bytes)?;
        let Some(split) = all.rfind("\n\n") else {
            return Err(ParseError {
                what: WHAT,
                line: 0,
                problem: "no blank line between the text and the signatures".to_owned(),
            });
        };
        let (text, block) = all.split_at(split + 1);
        let block = block.strip_prefix('\n').unwrap_or(block);
        let first = text.matches('\n').count() as u64 + 2;
        let mut signatures = Vec::new();
        for (i, line) in block.split_terminator('\n').enumerate() {
            let n = first + i as u64;
            let error = |problem: String| ParseError {
                what: WHAT,
                line: n,
                problem,
            };
            if signatures.len() == MAX_SIGNATURES {
                return Err(error(format!("more than {MAX_SIGNATURES} signatures")));
            }
            let rest = line.strip_prefix(DASH).ok_or_else(|| {
                error(format!(
                    "`{}` is not a signature line `— NAME SIGNATURE`",
                    shown(line)
                ))
            })?;
            let (name, b64) = rest.split_once(' ').ok_or_else(|| {
                error(format!(
                    "`{}` has no space between key name and signature",
                    shown(line)
                ))
            })?;
            if !is_key_name(name) {
                return Err(error(format!("`{}` cannot name a key", shown(name))));
            }
            let raw = canonical_base64(b64).unwrap_or_default();
            let Some((id, signature)) = raw.split_first_chunk::<4>().filter(|(_, s)| !s.is_empty())
            else {
                return Err(error(format!(
                    "`{}` is not the base64 of a key id and a signature",
                    shown(b64)
                )));
            };
            let key_id = u32::from_be_bytes(*id);
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_id,
                signature: signature.to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(ParseError {
                what: WHAT,
                line: first,
                problem: "the note carries no signature".to_owned(),
            });
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }
}

/// What a `cosignature/v1` signs: `cosignature/v1\ntime T\n` and the
/// checkpoint's note text.
pub fn cosigned_message(text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of c2sp.org/signed-note.
    const VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn the_specification_example_verifies() {
        let verifier = NoteVerifier::from_vkey(VKEY).unwrap();
        assert_eq!(verifier.to_vkey(), VKEY);
        let note = Note::parse(NOTE.as_bytes()).unwrap();
        assert_eq!(note.text(), "This is an example message.\n");
        note.verify(&verifier).unwrap();
        assert_eq!(note.to_text(), NOTE);
    }

    #[test]
    fn a_changed_text_fails_and_another_key_is_not_a_signer() {
        let verifier = NoteVerifier::from_vkey(VKEY).unwrap();
        let changed = NOTE.replace("example message", "exemplary message");
        let note = Note::parse(changed.as_bytes()).unwrap();
        assert_eq!(
            note.verify(&verifier),
            Err(NoteError::BadSignature("example.com/foo".to_owned()))
        );
        let other = Ed25519Signer::from_seed("example.com/foo", &[7; 32]).unwrap();
        let other = NoteVerifier::ed25519("example.com/foo", &other.public_key()).unwrap();
        let note = Note::parse(NOTE.as_bytes()).unwrap();
        assert_eq!(
            note.verify(&other),
            Err(NoteError::NotSigned("example.com/foo".to_owned()))
        );
    }

    #[test]
    fn sign_cosign_and_verify() {
        let log = Ed25519Signer::from_seed("log.example/a", &[1; 32]).unwrap();
        let witness = Ed25519Signer::from_seed("witness.example/w", &[2; 32]).unwrap();
        let mut note = Note::new("log.example/a\n1\nAAAA\n").unwrap();
        note.sign(&log).unwrap();
        note.cosign(&witness, 1_679_315_147).unwrap();
        let note = Note::parse(note.to_text().as_bytes()).unwrap();
        let v = NoteVerifier::ed25519("log.example/a", &log.public_key()).unwrap();
        assert_eq!(note.verify(&v).unwrap().timestamp, None);
        let w = NoteVerifier::cosigner("witness.example/w", &witness.public_key()).unwrap();
        assert_eq!(note.verify(&w).unwrap().timestamp, Some(1_679_315_147));
        // The same key as a plain note signer is another key id: not a signer.
        let w1 = NoteVerifier::ed25519("witness.example/w", &witness.public_key()).unwrap();
        assert!(matches!(note.verify(&w1), Err(NoteError::NotSigned(_))));
    }

    #[test]
    fn malformed_notes_say_where() {
        let e = Note::parse(b"text\n").unwrap_err();
        assert!(e.problem.contains("blank line"), "{e}");
        let e = Note::parse(b"text\n\n").unwrap_err();
        assert!(e.problem.contains("no signature"), "{e}");
        assert_eq!(e.line, 3);
        let e = Note::parse("text\n\n- a AAAAAAA=\n".as_bytes()).unwrap_err();
        assert_eq!(e.line, 3);
        let e = Note::parse("text\n\n\u{2014} a+b AAAAAAA=\n".as_bytes()).unwrap_err();
        assert!(e.problem.contains("cannot name"), "{e}");
        let e = Note::parse("text\n\n\u{2014} a AAAA\n".as_bytes()).unwrap_err();
        assert!(e.problem.contains("base64"), "{e}");
    }

    #[test]
    fn vkeys_are_strict() {
        assert!(matches!(
            NoteVerifier::from_vkey(
                "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
            ),
            Err(KeyError::KeyId(_))
        ));
        assert!(matches!(
            NoteVerifier::from_vkey(
                "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
            ),
            Err(KeyError::Form(_))
        ));
        assert!(matches!(
            NoteVerifier::from_vkey(
                "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
            ),
            Err(KeyError::Key(_))
        ));
    }
}

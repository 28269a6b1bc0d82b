//! The parser: bytes into a [`Header`], strictly (every field checked as
//! soon as it is read, in the order of the bytes, each problem reported at
//! its offset), never holding more than [`MAX_HEADER_LEN`] bytes of header.

use std::io::{self, Read};

use super::{
    Core, HYBRID_LAYER, Header, KEY_ID_LEN, KeyId, Layer, LayerSignature, MAGIC, MAX_HEADER_LEN,
    MAX_LABEL_LEN, MAX_LAYERS, MAX_STANZAS, MLDSA65_PUBLIC_KEY_LEN, MLDSA65_SIGNATURE_LEN,
    PUBLIC_KEY_LEN, SIGNATURE_LEN, STANZA_X25519, STANZA_X25519_ANONYMOUS,
    STANZA_X25519_ANONYMOUS_LEN, STANZA_X25519_LEN, STANZA_XWING, STANZA_XWING_ANONYMOUS,
    STANZA_XWING_ANONYMOUS_LEN, STANZA_XWING_LEN, SUITE_X25519_CHACHA20POLY1305_ED25519,
    SUITE_XWING_CHACHA20POLY1305_ED25519, Stanza, VERSION, WRAPPED_KEY_LEN, XWING_CIPHERTEXT_LEN,
};
use crate::error::OpenError;

/// A reader that counts bytes, so errors can name an offset, and that
/// refuses to read a header past [`MAX_HEADER_LEN`].
struct Counting<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Counting<R> {
    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], OpenError> {
        let mut buf = [0u8; N];
        self.fill(&mut buf, what)?;
        Ok(buf)
    }

    /// Checks, before reading, that `len` more header bytes stay within
    /// the header bound.
    fn within_bound(&self, len: usize) -> Result<(), OpenError> {
        if self.offset.saturating_add(len as u64) > MAX_HEADER_LEN as u64 {
            return Err(self.malformed(
                self.offset,
                format!("the header would exceed the maximum of {MAX_HEADER_LEN} bytes"),
            ));
        }
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), OpenError> {
        let start = self.offset;
        let mut done = 0;
        while let Some(rest) = buf.get_mut(done..) {
            if rest.is_empty() {
                break;
            }
            match self.inner.read(rest) {
                Ok(0) => {
                    return Err(OpenError::Malformed {
                        offset: start + done as u64,
                        problem: format!("the envelope ends inside the {what}"),
                    });
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(OpenError::Io(e)),
            }
        }
        self.offset = start + done as u64;
        Ok(())
    }

    fn u8(&mut self, what: &str) -> Result<u8, OpenError> {
        Ok(u8::from_be_bytes(self.header_bytes::<1>(what)?))
    }

    fn u16(&mut self, what: &str) -> Result<u16, OpenError> {
        Ok(u16::from_be_bytes(self.header_bytes::<2>(what)?))
    }

    fn u32(&mut self, what: &str) -> Result<u32, OpenError> {
        Ok(u32::from_be_bytes(self.header_bytes::<4>(what)?))
    }

    /// Reads `N` bytes of the header (within the header bound).
    fn header_bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], OpenError> {
        self.within_bound(N)?;
        self.bytes::<N>(what)
    }

    /// Reads `len` bytes of the header (within the header bound).
    fn header_vec(&mut self, len: usize, what: &str) -> Result<Vec<u8>, OpenError> {
        self.within_bound(len)?;
        let mut buf = vec![0u8; len];
        self.fill(&mut buf, what)?;
        Ok(buf)
    }

    fn malformed(&self, at: u64, problem: impl Into<String>) -> OpenError {
        OpenError::Malformed {
            offset: at,
            problem: problem.into(),
        }
    }
}

/// Parses a header from the start of `reader`, reading exactly its bytes.
/// Returns the header and the offset of the first payload chunk.
///
/// # Errors
///
/// [`OpenError::NotAnEnvelope`] if the input does not start with the 8-byte
/// magic (a shorter input included), [`OpenError::UnsupportedVersion`],
/// [`OpenError::UnsupportedSuite`], [`OpenError::Malformed`] with the offset
/// of a structural problem, [`OpenError::StanzaSuiteMismatch`] for a stanza
/// of the other suite's recipient type, and [`OpenError::Io`] if reading
/// fails.
pub fn read_header<R: Read>(reader: R) -> Result<(Header, u64), OpenError> {
    let mut r = Counting {
        inner: reader,
        offset: 0,
    };
    let mut magic = [0u8; 8];
    let mut got = 0;
    while let Some(rest) = magic.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match r.inner.read(rest) {
            Ok(0) => return Err(OpenError::NotAnEnvelope),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(OpenError::Io(e)),
        }
    }
    if magic != MAGIC {
        return Err(OpenError::NotAnEnvelope);
    }
    r.offset = MAGIC.len() as u64;
    let version = r.u8("format version")?;
    if version != VERSION {
        return Err(OpenError::UnsupportedVersion { version });
    }
    let suite = r.u16("suite id")?;
    if suite != SUITE_X25519_CHACHA20POLY1305_ED25519
        && suite != SUITE_XWING_CHACHA20POLY1305_ED25519
    {
        return Err(OpenError::UnsupportedSuite { suite });
    }
    let sender = r.header_bytes::<PUBLIC_KEY_LEN>("sender key")?;
    let payload_salt = r.header_bytes::<32>("payload salt")?;
    let key_commitment = r.header_bytes::<32>("key commitment")?;
    let at = r.offset;
    let label_len = r.u32("label length")?;
    let label_len = usize::try_from(label_len).unwrap_or(usize::MAX);
    if label_len > MAX_LABEL_LEN {
        return Err(r.malformed(
            at,
            format!("label length {label_len} exceeds the maximum {MAX_LABEL_LEN}"),
        ));
    }
    let label = r.header_vec(label_len, "label")?;
    let at = r.offset;
    let layer_count = usize::from(r.u8("layer count")?);
    if layer_count == 0 || layer_count > MAX_LAYERS {
        return Err(r.malformed(
            at,
            format!("layer count {layer_count} is not between 1 and {MAX_LAYERS}"),
        ));
    }
    let mut layers = Vec::with_capacity(layer_count);
    let mut header_signatures = Vec::with_capacity(layer_count);
    let mut signatures = Vec::with_capacity(layer_count - 1);
    for i in 0..layer_count {
        let layer = read_layer(&mut r, suite, (i == 0).then_some(&sender))?;
        let hybrid = layer.is_hybrid();
        layers.push(layer);
        header_signatures.push(read_signature(&mut r, hybrid, "header signature")?);
        if i + 1 < layer_count {
            signatures.push(read_signature(
                &mut r,
                hybrid,
                "final signature of an earlier layer",
            )?);
        }
    }
    let header = Header {
        core: Core {
            version,
            suite,
            sender,
            payload_salt,
            key_commitment,
            label,
        },
        layers,
        header_signatures,
        signatures,
    };
    Ok((header, r.offset))
}

/// Reads a layer; `sender` is the core's sender for the first layer, which
/// its signer must be (checked as soon as the signer is read).
fn read_layer<R: Read>(
    r: &mut Counting<R>,
    suite: u16,
    sender: Option<&[u8; PUBLIC_KEY_LEN]>,
) -> Result<Layer, OpenError> {
    let at = r.offset;
    let signer = r.header_bytes::<PUBLIC_KEY_LEN>("signer key")?;
    if let Some(sender) = sender
        && signer != *sender
    {
        return Err(r.malformed(
            at,
            "the first layer's signer is not the sender named in the core",
        ));
    }
    let holder_proof = r.header_bytes::<32>("holder proof")?;
    let at = r.offset;
    let field = r.u16("stanza count")?;
    // The top bit is the layer's form: set in a hybrid layer, whose
    // ML-DSA-65 signer key follows.
    let hybrid = field & HYBRID_LAYER != 0;
    let count = usize::from(field & !HYBRID_LAYER);
    if count == 0 || count > MAX_STANZAS {
        return Err(r.malformed(
            at,
            format!("stanza count {count} is not between 1 and {MAX_STANZAS}"),
        ));
    }
    let mldsa65_signer = if hybrid {
        Some(Box::new(r.header_bytes::<MLDSA65_PUBLIC_KEY_LEN>(
            "ML-DSA-65 signer key",
        )?))
    } else {
        None
    };
    let mut stanzas = Vec::with_capacity(count);
    for _ in 0..count {
        stanzas.push(read_stanza(r, suite)?);
    }
    Ok(Layer {
        signer,
        holder_proof,
        mldsa65_signer,
        stanzas,
    })
}

/// A layer's signature in the header: Ed25519, then ML-DSA-65 in a hybrid
/// layer.
fn read_signature<R: Read>(
    r: &mut Counting<R>,
    hybrid: bool,
    what: &str,
) -> Result<LayerSignature, OpenError> {
    let ed25519 = r.header_bytes::<SIGNATURE_LEN>(what)?;
    let mldsa65 = if hybrid {
        Some(Box::new(r.header_bytes::<MLDSA65_SIGNATURE_LEN>(what)?))
    } else {
        None
    };
    Ok(LayerSignature { ed25519, mldsa65 })
}

/// The suite a known stanza type belongs to: no downgrade, an envelope's
/// recipients are all classical or all post-quantum.
fn suite_of_stanza(kind: u8) -> Option<u16> {
    match kind {
        STANZA_X25519 | STANZA_X25519_ANONYMOUS => Some(SUITE_X25519_CHACHA20POLY1305_ED25519),
        STANZA_XWING | STANZA_XWING_ANONYMOUS => Some(SUITE_XWING_CHACHA20POLY1305_ED25519),
        _ => None,
    }
}

fn read_stanza<R: Read>(r: &mut Counting<R>, suite: u16) -> Result<Stanza, OpenError> {
    let at = r.offset;
    let kind = r.u8("stanza type")?;
    if kind == 0 {
        return Err(r.malformed(at, "stanza type 0 is reserved"));
    }
    if let Some(own) = suite_of_stanza(kind)
        && own != suite
    {
        return Err(OpenError::StanzaSuiteMismatch {
            offset: at,
            stanza_type: kind,
            suite,
        });
    }
    let len = usize::from(r.u16("stanza length")?);
    let expected = match kind {
        STANZA_X25519 => Some(STANZA_X25519_LEN),
        STANZA_X25519_ANONYMOUS => Some(STANZA_X25519_ANONYMOUS_LEN),
        STANZA_XWING => Some(STANZA_XWING_LEN),
        STANZA_XWING_ANONYMOUS => Some(STANZA_XWING_ANONYMOUS_LEN),
        _ => None,
    };
    if let Some(expected) = expected
        && len != expected
    {
        return Err(r.malformed(
            at,
            format!("stanza of type {kind} has length {len}, expected {expected}"),
        ));
    }
    match kind {
        STANZA_X25519 | STANZA_X25519_ANONYMOUS => {
            let key_id = if kind == STANZA_X25519 {
                Some(KeyId::from_bytes(
                    r.header_bytes::<KEY_ID_LEN>("stanza key id")?,
                ))
            } else {
                None
            };
            let ephemeral = r.header_bytes::<32>("stanza ephemeral key")?;
            let wrapped = r.header_bytes::<WRAPPED_KEY_LEN>("wrapped key")?;
            Ok(Stanza::X25519 {
                key_id,
                ephemeral,
                wrapped,
            })
        }
        STANZA_XWING | STANZA_XWING_ANONYMOUS => {
            let key_id = if kind == STANZA_XWING {
                Some(KeyId::from_bytes(
                    r.header_bytes::<KEY_ID_LEN>("stanza key id")?,
                ))
            } else {
                None
            };
            let ciphertext = Box::new(r.header_bytes::<XWING_CIPHERTEXT_LEN>("X-Wing ciphertext")?);
            let wrapped = r.header_bytes::<WRAPPED_KEY_LEN>("wrapped key")?;
            Ok(Stanza::XWing {
                key_id,
                ciphertext,
                wrapped,
            })
        }
        _ => {
            let body = r.header_vec(len, "stanza body")?;
            Ok(Stanza::Unknown { kind, body })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{header_len, write_header};

    fn header() -> Header {
        Header {
            core: Core {
                version: VERSION,
                suite: SUITE_X25519_CHACHA20POLY1305_ED25519,
                sender: [3; 32],
                payload_salt: [1; 32],
                key_commitment: [2; 32],
                label: b"SECRET".to_vec(),
            },
            layers: vec![
                Layer {
                    signer: [3; 32],
                    holder_proof: [13; 32],
                    mldsa65_signer: None,
                    stanzas: vec![
                        Stanza::X25519 {
                            key_id: Some(KeyId::from_bytes([4; 8])),
                            ephemeral: [5; 32],
                            wrapped: [6; 48],
                        },
                        Stanza::Unknown {
                            kind: 0x40,
                            body: vec![7; 3],
                        },
                    ],
                },
                Layer {
                    signer: [8; 32],
                    holder_proof: [14; 32],
                    mldsa65_signer: None,
                    stanzas: vec![Stanza::X25519 {
                        key_id: None,
                        ephemeral: [9; 32],
                        wrapped: [10; 48],
                    }],
                },
            ],
            header_signatures: vec![classical(12), classical(15)],
            signatures: vec![classical(11)],
        }
    }

    fn classical(byte: u8) -> LayerSignature {
        LayerSignature {
            ed25519: [byte; 64],
            mldsa65: None,
        }
    }

    fn hybrid(byte: u8) -> LayerSignature {
        LayerSignature {
            ed25519: [byte; 64],
            mldsa65: Some(Box::new([byte ^ 0xff; MLDSA65_SIGNATURE_LEN])),
        }
    }

    fn bytes_of(h: &Header) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_header(h, &mut bytes);
        bytes
    }

    #[test]
    fn header_round_trips_exactly() {
        let h = header();
        let bytes = bytes_of(&h);
        let (back, len) = read_header(bytes.as_slice()).unwrap();
        assert_eq!(back, h);
        assert_eq!(len, bytes.len() as u64);
        assert_eq!(header_len(&h), bytes.len());
        for cut in 0..bytes.len() {
            assert!(read_header(&bytes[..cut]).is_err());
        }
    }

    fn malformed_at(bytes: &[u8]) -> u64 {
        match read_header(bytes) {
            Err(OpenError::Malformed { offset, .. }) => offset,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_problem() {
        for short in [&b""[..], b"\x89LIAISO", b"hello world"] {
            assert!(matches!(read_header(short), Err(OpenError::NotAnEnvelope)));
        }
        let mut bytes = bytes_of(&header());
        assert_eq!(malformed_at(&bytes[..8]), 8);
        bytes[8] = 1;
        assert!(matches!(
            read_header(bytes.as_slice()),
            Err(OpenError::UnsupportedVersion { version: 1 })
        ));
        bytes[8] = VERSION;
        bytes[10] = 9;
        assert!(matches!(
            read_header(bytes.as_slice()),
            Err(OpenError::UnsupportedSuite { suite: 9 })
        ));
    }

    #[test]
    fn the_first_signer_must_be_the_core_sender() {
        let mut h = header();
        h.layers[0].signer = [8; 32];
        let core_len = 8 + 1 + 2 + 32 + 32 + 32 + 4 + 6;
        assert_eq!(malformed_at(&bytes_of(&h)), core_len as u64 + 1);
    }

    #[test]
    fn the_first_signer_is_checked_before_the_rest_of_its_layer() {
        // A wrong signer and a stanza of type 0 after it: the signer, the
        // first problem in the input, is reported.
        let mut h = header();
        h.layers[0].signer = [8; 32];
        h.layers[0].stanzas[1] = Stanza::Unknown {
            kind: 0,
            body: vec![],
        };
        let core_len = 8 + 1 + 2 + 32 + 32 + 32 + 4 + 6;
        let bytes = bytes_of(&h);
        assert_eq!(malformed_at(&bytes), core_len as u64 + 1);
        // The input may stop right after the signer.
        assert_eq!(
            malformed_at(&bytes[..core_len + 1 + 32]),
            core_len as u64 + 1
        );
    }

    #[test]
    fn stanza_type_zero_and_wrong_lengths_are_refused_where_they_stand() {
        let core_len = (8 + 1 + 2 + 32 + 32 + 32 + 4 + 6) as u64;
        let first_stanza = core_len + 1 + 32 + 32 + 2;
        let mut h = header();
        h.layers[0].stanzas[1] = Stanza::Unknown {
            kind: 0,
            body: vec![],
        };
        let second_stanza = first_stanza + 3 + 88;
        assert_eq!(malformed_at(&bytes_of(&h)), second_stanza);
        let mut bytes = bytes_of(&header());
        bytes[first_stanza as usize + 2] = 89;
        assert_eq!(malformed_at(&bytes), first_stanza);
    }

    #[test]
    fn x_wing_stanzas_round_trip_in_suite_3_only() {
        let mut h = header();
        h.core.suite = SUITE_XWING_CHACHA20POLY1305_ED25519;
        h.layers[0].stanzas[0] = Stanza::XWing {
            key_id: Some(KeyId::from_bytes([4; 8])),
            ciphertext: Box::new([5; XWING_CIPHERTEXT_LEN]),
            wrapped: [6; 48],
        };
        h.layers[1].stanzas[0] = Stanza::XWing {
            key_id: None,
            ciphertext: Box::new([9; XWING_CIPHERTEXT_LEN]),
            wrapped: [10; 48],
        };
        let bytes = bytes_of(&h);
        let (back, len) = read_header(bytes.as_slice()).unwrap();
        assert_eq!(back, h);
        assert_eq!(len, bytes.len() as u64);
        // The same stanzas under suite 2, and an X25519 stanza under suite
        // 3, are refused at the stanza's type byte.
        let core_len = (8 + 1 + 2 + 32 + 32 + 32 + 4 + 6) as u64;
        let first_stanza = core_len + 1 + 32 + 32 + 2;
        let mut classical = h.clone();
        classical.core.suite = SUITE_X25519_CHACHA20POLY1305_ED25519;
        match read_header(bytes_of(&classical).as_slice()) {
            Err(OpenError::StanzaSuiteMismatch {
                offset,
                stanza_type,
                suite,
            }) => assert_eq!((offset, stanza_type, suite), (first_stanza, 3, 2)),
            other => panic!("{other:?}"),
        }
        let mut downgraded = header();
        downgraded.core.suite = SUITE_XWING_CHACHA20POLY1305_ED25519;
        downgraded.layers[0].stanzas.remove(1);
        match read_header(bytes_of(&downgraded).as_slice()) {
            Err(OpenError::StanzaSuiteMismatch { offset, .. }) => assert_eq!(offset, first_stanza),
            other => panic!("{other:?}"),
        }
        // A body one byte short of the named X-Wing stanza's.
        let mut short = bytes.clone();
        let at = first_stanza as usize;
        short[at + 2] -= 1;
        short.remove(at + 3 + 8);
        assert_eq!(malformed_at(&short), first_stanza);
    }

    #[test]
    fn hybrid_layers_carry_their_key_and_signature_pairs() {
        // The second layer hybrid: its form bit, its ML-DSA-65 key after the
        // count, each of its signatures 64 + 3309 bytes.
        let mut h = header();
        h.layers[1].mldsa65_signer = Some(Box::new([0x5c; MLDSA65_PUBLIC_KEY_LEN]));
        h.header_signatures[1] = hybrid(15);
        let bytes = bytes_of(&h);
        let (back, len) = read_header(bytes.as_slice()).unwrap();
        assert_eq!(back, h);
        assert_eq!(len, bytes.len() as u64);
        assert_eq!(bytes.len(), bytes_of(&header()).len() + 1952 + 3309);
        assert_eq!(back.trailer_len(), 3373);
        assert_eq!(header().trailer_len(), 64);
        for cut in (0..bytes.len()).step_by(97) {
            assert!(read_header(&bytes[..cut]).is_err());
        }
        let core_len = (8 + 1 + 2 + 32 + 32 + 32 + 4 + 6) as u64;
        let second_layer = core_len + 1 + (32 + 32 + 2 + 91 + 6) + 64 + 64;
        let count_at = (second_layer + 64) as usize;
        assert_eq!(&bytes[count_at..count_at + 2], &[0x80, 0x01]);
        // The first layer hybrid too, and the last classical again: the
        // earlier final signature is a pair as well.
        let mut h2 = h.clone();
        h2.layers[0].mldsa65_signer = Some(Box::new([0x5d; MLDSA65_PUBLIC_KEY_LEN]));
        h2.header_signatures[0] = hybrid(12);
        h2.signatures[0] = hybrid(11);
        h2.layers[1].mldsa65_signer = None;
        h2.header_signatures[1] = classical(15);
        let bytes2 = bytes_of(&h2);
        assert_eq!(read_header(bytes2.as_slice()).unwrap().0, h2);
        // A hybrid layer with no stanza: the count without the form bit is
        // checked.
        let mut zero = bytes.clone();
        zero[count_at + 1] = 0;
        assert_eq!(malformed_at(&zero), count_at as u64);
        // The form bit cleared: the ML-DSA-65 key is read as stanzas.
        let mut cleared = bytes.clone();
        cleared[count_at] = 0;
        assert!(read_header(cleared.as_slice()).is_err());
    }

    #[test]
    fn a_signature_reads_back_from_its_bytes_only_at_its_length() {
        for (sig, hybrid_layer) in [(classical(1), false), (hybrid(2), true)] {
            let bytes = sig.to_bytes();
            assert_eq!(LayerSignature::from_bytes(&bytes, hybrid_layer), Some(sig));
            assert_eq!(LayerSignature::from_bytes(&bytes, !hybrid_layer), None);
            assert_eq!(LayerSignature::from_bytes(&bytes[1..], hybrid_layer), None);
        }
    }

    #[test]
    fn the_header_is_bounded() {
        let mut h = header();
        h.layers[0].stanzas = (0..17)
            .map(|_| Stanza::Unknown {
                kind: 0x40,
                body: vec![0; 65_535],
            })
            .collect();
        let bytes = bytes_of(&h);
        let offset = malformed_at(&bytes);
        assert!(offset <= MAX_HEADER_LEN as u64, "{offset}");
        assert!(offset + 65_535 > MAX_HEADER_LEN as u64, "{offset}");
        // Refused before the body is read: the input may stop right there.
        assert_eq!(malformed_at(&bytes[..offset as usize]), offset);
    }
}

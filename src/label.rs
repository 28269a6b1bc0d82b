//! The parcel label: what is bound to the envelope beside the record.
//!
//! The label is the RFC 8785 canonical JSON of [`Label`]. The envelope binds
//! it (it cannot be stripped, changed or moved to another envelope) and the
//! sender's signature covers it. On receipt every member is checked against
//! the record inside: its id, digest, marking, and the provenance entry the
//! release appended. This module reads and writes labels only; it does no
//! cryptography.

use liaison_record::{AgencyId, Digest, Marking, Obligations, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The label's `type` member.
pub(crate) const LABEL_TYPE: &str = "liaison-parcel";

/// The label format version.
pub(crate) const LABEL_VERSION: u32 = 1;

/// The label of one parcel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Label {
    /// Always [`LABEL_TYPE`].
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Always [`LABEL_VERSION`].
    pub(crate) v: u32,
    /// The parcel id, fresh for every parcel: the replay check keys on it.
    pub(crate) parcel: Uuid,
    /// The sending agency.
    pub(crate) from: AgencyId,
    /// The receiving agency.
    pub(crate) to: AgencyId,
    /// When the parcel was sealed.
    pub(crate) sealed_at: Timestamp,
    /// The record id.
    pub(crate) record: Uuid,
    /// The record version.
    pub(crate) version: u32,
    /// SHA-256 of the payload: the released copy's canonical JSON.
    pub(crate) digest: Digest,
    /// The released copy's marking.
    pub(crate) marking: Marking,
    /// The id of the decision that allowed the release (the last provenance entry's).
    pub(crate) decision: Uuid,
    /// The obligations of the release (the last provenance entry's).
    pub(crate) obligations: Obligations,
    /// The sender's signed checkpoint of its audit log as it was when the
    /// parcel was sealed (`docs/audit.md`), as a signed note's text.
    #[serde(default)]
    pub(crate) checkpoint: Option<String>,
}

/// A label's members by reference: what [`Label::to_bytes`] writes, and
/// what a receiver writes to compare with the label it was given, without
/// copying the record's marking and obligations into a [`Label`] first.
/// Its members and their names are [`Label`]'s.
#[derive(Serialize)]
pub(crate) struct LabelRef<'a> {
    // Declared in canonical order (by JSON name), so that the canonical
    // writer finds the members in order and moves nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) checkpoint: Option<&'a str>,
    pub(crate) decision: Uuid,
    pub(crate) digest: Digest,
    pub(crate) from: &'a AgencyId,
    pub(crate) marking: &'a Marking,
    pub(crate) obligations: &'a Obligations,
    pub(crate) parcel: Uuid,
    pub(crate) record: Uuid,
    pub(crate) sealed_at: Timestamp,
    pub(crate) to: &'a AgencyId,
    #[serde(rename = "type")]
    pub(crate) kind: &'a str,
    pub(crate) v: u32,
    pub(crate) version: u32,
}

impl LabelRef<'_> {
    /// The canonical bytes.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        liaison_record::to_canonical_json(self)
    }
}

/// The members of a label that the record inside the parcel does not
/// give, found in the label bytes so that the receiver can write the label
/// the sender should have written and compare it with the bytes (see
/// [`LabelRef`]). Only that comparison accepts a label: what is found here
/// in bytes that are not a canonical label does not matter, because the
/// label written from it differs from those bytes. Found in a canonical
/// label, they are its own members (see [`LabelHead::find`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LabelHead {
    /// The parcel id.
    pub(crate) parcel: Uuid,
    /// When the parcel was sealed.
    pub(crate) sealed_at: Timestamp,
    /// The sender's signed checkpoint, when there is one.
    pub(crate) checkpoint: Option<String>,
}

impl LabelHead {
    /// Finds the members [`LabelHead`] keeps in label bytes, as they lie in
    /// a canonical label: members sorted by name, no whitespace. The
    /// `checkpoint`, when present, is the first member (the string after
    /// `{"checkpoint":`); the parcel id is the string after the first
    /// `,"parcel":"` and the sealing time the string after the first
    /// `,"sealed_at":"` that follows it. In JSON those bytes cannot lie
    /// inside a string (its quotes would be escaped), and no member of a
    /// label's marking or obligations has either name, so in a canonical
    /// label they are the label's own members. `None` when they are not
    /// there in that form.
    pub(crate) fn find(bytes: &[u8]) -> Option<LabelHead> {
        let text = std::str::from_utf8(bytes).ok()?;
        let checkpoint = match text.strip_prefix("{\"checkpoint\":") {
            Some(rest) => Some(serde_json::from_str::<String>(json_string(rest)?).ok()?),
            None => None,
        };
        let (parcel, rest) = string_after(text, ",\"parcel\":\"")?;
        let (sealed_at, _) = string_after(rest, ",\"sealed_at\":\"")?;
        Some(LabelHead {
            parcel: parcel.parse().ok()?,
            sealed_at: sealed_at.parse().ok()?,
            checkpoint,
        })
    }
}

/// Whether a parcel id is a random UUID (version 4, RFC 9562 variant), as
/// a sender draws a fresh one for every parcel.
pub(crate) fn is_v4(id: &Uuid) -> bool {
    id.get_version_num() == 4 && id.get_variant() == uuid::Variant::RFC4122
}

/// The JSON string that `text` starts with, quotes included.
fn json_string(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return text.get(..=i),
            _ => i += 1,
        }
    }
    None
}

/// The characters between `marker` (which ends with a quote) and the next
/// quote, and the text after that quote.
fn string_after<'t>(text: &'t str, marker: &str) -> Option<(&'t str, &'t str)> {
    let start = text.find(marker)? + marker.len();
    let rest = text.get(start..)?;
    let end = rest.find('"')?;
    Some((rest.get(..end)?, rest.get(end + 1..)?))
}

/// Why label bytes are not a label.
#[derive(Debug)]
pub(crate) enum LabelError {
    /// Not JSON of the label's shape.
    Shape(String),
    /// JSON of the right shape, but not in canonical form.
    NotCanonical,
    /// Another type or version.
    Unsupported,
}

/// Whether label bytes claim to be a parcel label (a JSON object whose
/// `type` is [`LABEL_TYPE`]), whatever their other members: the test the
/// command line's `open` uses to send parcels to `receive`.
pub(crate) fn claims_parcel(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_slice::<Kind>(bytes).is_ok_and(|k| k.kind == LABEL_TYPE)
}

impl Label {
    /// The canonical bytes.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        self.as_ref().to_bytes()
    }

    /// The label's members by reference.
    pub(crate) fn as_ref(&self) -> LabelRef<'_> {
        LabelRef {
            kind: &self.kind,
            v: self.v,
            parcel: self.parcel,
            from: &self.from,
            to: &self.to,
            sealed_at: self.sealed_at,
            record: self.record,
            version: self.version,
            digest: self.digest,
            marking: &self.marking,
            decision: self.decision,
            obligations: &self.obligations,
            checkpoint: self.checkpoint.as_deref(),
        }
    }

    /// Reads label bytes: the label's shape, canonical form, type and version.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Label, LabelError> {
        let label: Label =
            serde_json::from_slice(bytes).map_err(|e| LabelError::Shape(e.to_string()))?;
        if label.kind != LABEL_TYPE || label.v != LABEL_VERSION {
            return Err(LabelError::Unsupported);
        }
        if !is_v4(&label.parcel) {
            return Err(LabelError::Shape(
                "the parcel id is not a random UUID (version 4)".to_owned(),
            ));
        }
        // Canonical, and nothing the parse passed over: the bytes are
        // exactly what writing the parsed label gives.
        match label.to_bytes() {
            Ok(c) if c == bytes => Ok(label),
            _ => Err(LabelError::NotCanonical),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> Label {
        Label {
            kind: LABEL_TYPE.to_owned(),
            v: LABEL_VERSION,
            parcel: uuid::Builder::from_random_bytes([1; 16]).into_uuid(),
            from: "NLD-KMAR".parse().unwrap(),
            to: "DEU-BPOL".parse().unwrap(),
            sealed_at: "2026-11-26T08:00:00.000Z".parse().unwrap(),
            record: Uuid::from_u128(2),
            version: 1,
            digest: liaison_record::sha256(b"x"),
            marking: serde_json::from_str(r#"{"classification":"restricted","tlp":"amber"}"#)
                .unwrap(),
            decision: Uuid::from_u128(3),
            obligations: Obligations::default(),
            checkpoint: None,
        }
    }

    #[test]
    fn round_trips_in_canonical_form() {
        let bytes = label().to_bytes().unwrap();
        assert_eq!(Label::parse(&bytes).unwrap(), label());
        assert!(bytes.starts_with(b"{\"decision\":"));
    }

    #[test]
    fn non_canonical_unknown_and_foreign_labels_are_refused() {
        let bytes = label().to_bytes().unwrap();
        let mut spaced = bytes.clone();
        spaced.insert(1, b' ');
        assert!(matches!(
            Label::parse(&spaced),
            Err(LabelError::NotCanonical)
        ));
        let text = String::from_utf8(bytes).unwrap();
        let extra = text.replacen('{', "{\"a\":1,", 1);
        assert!(matches!(
            Label::parse(extra.as_bytes()),
            Err(LabelError::Shape(_))
        ));
        let v1 = text.replace(
            &label().parcel.to_string(),
            "01010101-0101-1101-8101-010101010101",
        );
        assert!(matches!(
            Label::parse(v1.as_bytes()),
            Err(LabelError::Shape(_))
        ));
        let other = text.replace("liaison-parcel", "other");
        assert!(matches!(
            Label::parse(other.as_bytes()),
            Err(LabelError::Unsupported)
        ));
        assert!(matches!(
            Label::parse(b"SECRET//REL DEU"),
            Err(LabelError::Shape(_))
        ));
    }

    fn head(label: &Label) -> LabelHead {
        LabelHead {
            parcel: label.parcel,
            sealed_at: label.sealed_at,
            checkpoint: label.checkpoint.clone(),
        }
    }

    #[test]
    fn the_head_found_in_a_canonical_label_is_its_own() {
        let mut l = label();
        let bytes = l.to_bytes().unwrap();
        assert_eq!(LabelHead::find(&bytes), Some(head(&l)));
        // A checkpoint with every kind of escape, and the members' names
        // themselves inside it, escaped.
        l.checkpoint = Some(
            "liaison.example/NLD-KMAR\n42\n,\"parcel\":\"x\"\n\\\"\u{1}\t\u{2028}é\n\n— sig\n"
                .to_owned(),
        );
        let bytes = l.to_bytes().unwrap();
        assert!(bytes.starts_with(b"{\"checkpoint\":\""));
        assert_eq!(LabelHead::find(&bytes), Some(head(&l)));
        // Bytes that are not a canonical label may give anything or
        // nothing; the receiver's comparison refuses them either way.
        for bad in [&b""[..], b"{", b"{\"checkpoint\":\"x", b"SECRET//REL DEU"] {
            assert_eq!(LabelHead::find(bad), None);
        }
        let spaced = String::from_utf8(bytes)
            .unwrap()
            .replace(",\"parcel\":", ", \"parcel\":");
        assert_eq!(LabelHead::find(spaced.as_bytes()), None);
    }

    proptest::proptest! {
        #[test]
        fn the_head_of_any_label_is_found(
            parcel in proptest::prelude::any::<u128>(),
            millis in 0i64..4_102_444_800_000,
            checkpoint in proptest::option::of(".*"),
        ) {
            let mut l = label();
            l.parcel = Uuid::from_u128(parcel);
            l.sealed_at = Timestamp::from_offset_date_time(
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                    .unwrap(),
            );
            l.checkpoint = checkpoint;
            let bytes = l.to_bytes().unwrap();
            proptest::prop_assert_eq!(LabelHead::find(&bytes), Some(head(&l)));
        }
    }

    #[test]
    fn parcel_labels_are_recognized_and_others_are_not() {
        assert!(claims_parcel(&label().to_bytes().unwrap()));
        assert!(claims_parcel(br#"{"type":"liaison-parcel","v":9}"#));
        assert!(!claims_parcel(br#"{"type":"other"}"#));
        assert!(!claims_parcel(b"SECRET//REL DEU"));
        assert!(!claims_parcel(b""));
    }
}

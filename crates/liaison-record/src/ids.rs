//! Deterministic entity ids: UUID version 5 of an entity's natural key, so
//! that two agencies that describe the same passport, the same domain or the
//! same biometric sample give it the same id without talking to each other.
//!
//! Every id is `UUIDv5(NAMESPACE, name)`, where [`NAMESPACE`] is itself
//! `UUIDv5(NAMESPACE_URL, "https://example.invalid/liaison/entity-ids/v1")`
//! = `1d408600-c011-544a-98b3-32e56f53981f`, and `name` is the UTF-8 string
//! built as each function documents: a kind, then the parts of the key
//! after normalisation, joined by `:`. The last part is the only free-form
//! one, so no two keys give the same name.
//!
//! | entity | name | id |
//! | --- | --- | --- |
//! | passport `L898902C3` of `UTO` | `travel-document:UTO:passport:L898902C3` | `1e7a2530-957a-5930-9a5b-5f18c9cbad38` |
//! | its holder | `document-holder:UTO:passport:L898902C3` | `66888c70-fb2d-5667-905f-f1817f3ee9d1` |
//! | identity card `D23145890` of `UTO` | `travel-document:UTO:identity-card:D23145890` | `992f152f-c5d2-55eb-9628-8a86fedc0d8a` |
//! | domain `Example.COM.` | `indicator:domain-name:example.com` | `0d5f1206-f40a-5641-8b9c-2d1305c844b9` |
//! | IPv4 address `198.51.100.7` | `indicator:ipv4-addr:198.51.100.7` | `507ffdbd-07ad-5b67-bc84-65a748a44633` |
//! | biometric sample with SHA-256 `e3b0c442…b855` | `biometric:e3b0c442…b855` (64 digits) | `e50fdbd4-13cd-5872-8edc-ad91e6bcec1c` |
//! | location `NL AMS` | `location:NLAMS` | `fdb3ea3a-fb7d-53d0-ba56-dbfe4d01712d` |
//!
//! ```
//! use liaison_record::{CountryCode, DocumentType, ids};
//!
//! let id = ids::travel_document_id("UTO".parse::<CountryCode>()?, DocumentType::Passport, "l898 902c3");
//! assert_eq!(id.to_string(), "1e7a2530-957a-5930-9a5b-5f18c9cbad38");
//! # Ok::<(), liaison_record::ParseError>(())
//! ```
//!
//! People have no natural key of their own; [`document_holder_id`] gives
//! the holder of a travel document an id derived from the document's key.

use std::net::IpAddr;

use uuid::Uuid;

use crate::{CountryCode, Digest, DocumentType, IndicatorType};

/// The namespace of every entity id: the UUID v5 of the URL
/// `https://example.invalid/liaison/entity-ids/v1` in the URL namespace
/// of RFC 9562.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x1d40_8600_c011_544a_98b3_32e5_6f53_981f);

/// The name [`NAMESPACE`] is derived from.
pub const NAMESPACE_NAME: &str = "https://example.invalid/liaison/entity-ids/v1";

fn id(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// A document number as the key uses it: uppercase, with whitespace, MRZ
/// fillers `<` and the punctuation `-`, `/` and `.` removed (ICAO Doc 9303
/// leaves punctuation out of the zone).
pub fn normalize_document_number(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '<' | '-' | '/' | '.'))
        .flat_map(char::to_uppercase)
        .collect()
}

fn document_type_name(t: DocumentType) -> &'static str {
    match t {
        DocumentType::Passport => "passport",
        DocumentType::IdentityCard => "identity-card",
        DocumentType::Visa => "visa",
        DocumentType::ResidencePermit => "residence-permit",
        DocumentType::RefugeeTravelDocument => "refugee-travel-document",
        DocumentType::Other => "other",
    }
}

fn document_key(issuing_state: CountryCode, document_type: DocumentType, number: &str) -> String {
    format!(
        "{issuing_state}:{}:{}",
        document_type_name(document_type),
        normalize_document_number(number)
    )
}

/// A document number masked: five `*` and at most the last three letters or
/// digits of the number (`*****KF6` for `NX4R81KF6`), so that a recipient
/// can tell a number it holds ends the same, and no more. Numbers of three
/// characters or fewer keep none.
pub fn mask_document_number(number: &str) -> String {
    let kept: Vec<char> = normalize_document_number(number)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let keep = if kept.len() > 3 { 3 } else { 0 };
    let tail: String = kept
        .get(kept.len().saturating_sub(keep)..)
        .unwrap_or_default()
        .iter()
        .collect();
    format!("*****{tail}")
}

/// Whether `number` is in the form [`mask_document_number`] gives.
pub fn is_masked_document_number(number: &str) -> bool {
    number.strip_prefix("*****").is_some_and(|tail| {
        tail.len() <= 3
            && tail
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// The id of a travel document. Name:
/// `travel-document:{issuing state}:{type}:{number}`, the state as its
/// three-letter code (`DEU`, also for a zone's `D<<`), the type as written
/// in records (`passport`, `identity-card`, `visa`, `residence-permit`,
/// `refugee-travel-document`, `other`), the number by
/// [`normalize_document_number`].
pub fn travel_document_id(
    issuing_state: CountryCode,
    document_type: DocumentType,
    number: &str,
) -> Uuid {
    id(&format!(
        "travel-document:{}",
        document_key(issuing_state, document_type, number)
    ))
}

/// The id of the person who holds a travel document. Name:
/// `document-holder:{issuing state}:{type}:{number}`, the parts as for
/// [`travel_document_id`].
pub fn document_holder_id(
    issuing_state: CountryCode,
    document_type: DocumentType,
    number: &str,
) -> Uuid {
    id(&format!(
        "document-holder:{}",
        document_key(issuing_state, document_type, number)
    ))
}

fn indicator_type_name(t: IndicatorType) -> &'static str {
    match t {
        IndicatorType::Ipv4Addr => "ipv4-addr",
        IndicatorType::Ipv6Addr => "ipv6-addr",
        IndicatorType::DomainName => "domain-name",
        IndicatorType::Url => "url",
        IndicatorType::EmailAddr => "email-addr",
        IndicatorType::FileMd5 => "file-md5",
        IndicatorType::FileSha1 => "file-sha1",
        IndicatorType::FileSha256 => "file-sha256",
        IndicatorType::FileSha512 => "file-sha512",
    }
}

/// An indicator value as the key uses it, surrounding whitespace removed
/// and then, by type:
///
/// - addresses: an IP address in its standard text form (IPv6 lowercase
///   and compressed, `2001:db8::1`), a CIDR prefix length without leading
///   zeros; a value that is not an address is kept as written;
/// - domain names: lowercase, one trailing `.` removed;
/// - e-mail addresses: the domain after the last `@` in lowercase, the
///   local part as written;
/// - file hashes: lowercase;
/// - URLs: as written.
pub fn normalize_indicator(indicator_type: IndicatorType, value: &str) -> String {
    let value = value.trim();
    match indicator_type {
        IndicatorType::Ipv4Addr | IndicatorType::Ipv6Addr => {
            let (addr, prefix) = match value.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (value, None),
            };
            let Ok(ip) = addr.parse::<IpAddr>() else {
                return value.to_owned();
            };
            match prefix {
                None => ip.to_string(),
                Some(p) => match p.parse::<u8>() {
                    Ok(n) => format!("{ip}/{n}"),
                    Err(_) => value.to_owned(),
                },
            }
        }
        IndicatorType::DomainName => {
            let lower = value.to_lowercase();
            lower.strip_suffix('.').unwrap_or(&lower).to_owned()
        }
        IndicatorType::EmailAddr => match value.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
            None => value.to_owned(),
        },
        IndicatorType::FileMd5
        | IndicatorType::FileSha1
        | IndicatorType::FileSha256
        | IndicatorType::FileSha512 => value.to_lowercase(),
        IndicatorType::Url => value.to_owned(),
    }
}

/// The id of a cyber indicator. Name: `indicator:{type}:{value}`, the type
/// as written in records (`ipv4-addr`, `domain-name`, `file-sha256`, ...),
/// the value by [`normalize_indicator`].
pub fn indicator_id(indicator_type: IndicatorType, value: &str) -> Uuid {
    id(&format!(
        "indicator:{}:{}",
        indicator_type_name(indicator_type),
        normalize_indicator(indicator_type, value)
    ))
}

/// The id of a reference to a biometric sample. Name: `biometric:{sha256}`,
/// the SHA-256 of the sample in lowercase hex.
pub fn biometric_id(sample_sha256: Digest) -> Uuid {
    id(&format!("biometric:{sample_sha256}"))
}

/// The id of a location named by its UN/LOCODE. Name: `location:{locode}`,
/// the five characters uppercase with whitespace removed (`NL AMS` gives
/// `NLAMS`).
pub fn location_id(locode: &str) -> Uuid {
    let code: String = locode
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    id(&format!("location:{code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_numbers_keep_at_most_the_last_three() {
        assert_eq!(mask_document_number("NX4R81KF6"), "*****KF6");
        assert_eq!(mask_document_number("nx 4r-81kf6"), "*****KF6");
        assert_eq!(mask_document_number("AB1"), "*****");
        for m in ["*****KF6", "*****", "*****1"] {
            assert!(is_masked_document_number(m), "{m}");
        }
        for n in ["NX4R81KF6", "****KF6", "*****KF6A", "*****kf6", "***** K"] {
            assert!(!is_masked_document_number(n), "{n}");
        }
    }

    #[test]
    fn namespace_is_derived_from_its_name() {
        assert_eq!(
            Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_NAME.as_bytes()),
            NAMESPACE
        );
        assert_eq!(NAMESPACE.get_version_num(), 5);
    }
}

//! Deterministic entity ids: the documented vectors, computed here by an
//! independent UUID v5 implementation (Python's `uuid` module).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use liaison_record::{CountryCode, DocumentType, IndicatorType, ids, sha256};
use uuid::Uuid;

fn country(s: &str) -> CountryCode {
    s.parse().unwrap()
}

#[test]
fn documented_vectors() {
    assert_eq!(
        ids::NAMESPACE.to_string(),
        "1d408600-c011-544a-98b3-32e56f53981f"
    );
    let uto = country("UTO");
    let cases: [(Uuid, &str); 7] = [
        (
            ids::travel_document_id(uto, DocumentType::Passport, "L898902C3"),
            "1e7a2530-957a-5930-9a5b-5f18c9cbad38",
        ),
        (
            ids::document_holder_id(uto, DocumentType::Passport, "L898902C3"),
            "66888c70-fb2d-5667-905f-f1817f3ee9d1",
        ),
        (
            ids::travel_document_id(uto, DocumentType::IdentityCard, "D23145890"),
            "992f152f-c5d2-55eb-9628-8a86fedc0d8a",
        ),
        (
            ids::indicator_id(IndicatorType::DomainName, "Example.COM."),
            "0d5f1206-f40a-5641-8b9c-2d1305c844b9",
        ),
        (
            ids::indicator_id(IndicatorType::Ipv4Addr, " 198.51.100.7 "),
            "507ffdbd-07ad-5b67-bc84-65a748a44633",
        ),
        (
            ids::biometric_id(sha256(b"")),
            "e50fdbd4-13cd-5872-8edc-ad91e6bcec1c",
        ),
        (
            ids::location_id("nl ams"),
            "fdb3ea3a-fb7d-53d0-ba56-dbfe4d01712d",
        ),
    ];
    for (got, expected) in cases {
        assert_eq!(got.to_string(), expected);
        assert_eq!(got.get_version_num(), 5);
    }
    assert_eq!(
        ids::indicator_id(
            IndicatorType::FileSha256,
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        )
        .to_string(),
        "11e1477a-a056-5c2b-9e1a-f87a33943244"
    );
}

#[test]
fn document_numbers_are_normalised() {
    let nld = country("NLD");
    let id = ids::travel_document_id(nld, DocumentType::Passport, "XA1234567");
    for variant in [
        "xa1234567",
        "XA 123 4567",
        "XA1234567<<",
        "XA-123.456/7",
        "\tXA1234567\n",
    ] {
        assert_eq!(
            ids::travel_document_id(nld, DocumentType::Passport, variant),
            id,
            "{variant}"
        );
    }
    assert_ne!(
        ids::travel_document_id(nld, DocumentType::IdentityCard, "XA1234567"),
        id
    );
    assert_ne!(
        ids::travel_document_id(country("DEU"), DocumentType::Passport, "XA1234567"),
        id
    );
    assert_ne!(
        ids::travel_document_id(nld, DocumentType::Passport, "XA1234568"),
        id
    );
    assert_ne!(
        ids::document_holder_id(nld, DocumentType::Passport, "XA1234567"),
        id
    );
    assert_eq!(ids::normalize_document_number("ab<12 3"), "AB123");
}

#[test]
fn indicator_values_are_normalised() {
    let same = |t, a: &str, b: &str| {
        assert_eq!(ids::indicator_id(t, a), ids::indicator_id(t, b), "{a} {b}")
    };
    same(
        IndicatorType::Ipv6Addr,
        "2001:DB8:0:0:0:0:0:1",
        "2001:db8::1",
    );
    same(IndicatorType::Ipv6Addr, "2001:db8::/032", "2001:db8::/32");
    same(IndicatorType::Ipv4Addr, "10.0.0.0/8", " 10.0.0.0/8");
    same(
        IndicatorType::EmailAddr,
        "John.Doe@Example.ORG",
        "John.Doe@example.org",
    );
    same(
        IndicatorType::FileMd5,
        "D41D8CD98F00B204E9800998ECF8427E",
        "d41d8cd98f00b204e9800998ecf8427e",
    );
    assert_ne!(
        ids::indicator_id(IndicatorType::EmailAddr, "john.doe@example.org"),
        ids::indicator_id(IndicatorType::EmailAddr, "John.Doe@example.org"),
        "the local part of an address is case-sensitive"
    );
    assert_ne!(
        ids::indicator_id(IndicatorType::Url, "https://example.com/A"),
        ids::indicator_id(IndicatorType::Url, "https://example.com/a")
    );
    assert_ne!(
        ids::indicator_id(IndicatorType::DomainName, "example.com"),
        ids::indicator_id(IndicatorType::Url, "example.com")
    );
    assert_eq!(
        ids::normalize_indicator(IndicatorType::Ipv4Addr, "not an ip"),
        "not an ip"
    );
}

//! ISO 3166-1 and ICAO Doc 9303 codes.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use liaison_record::{CodeKind, CountryCode};

#[test]
fn the_whole_iso_table_converts_both_ways() {
    let codes: Vec<CountryCode> = CountryCode::iso_codes().collect();
    assert_eq!(codes.len(), 249);
    for code in codes {
        assert_eq!(code.kind(), CodeKind::Iso3166);
        let a2 = code.alpha2().unwrap();
        assert_eq!(CountryCode::from_alpha2(a2).unwrap(), code, "{a2}");
        assert_eq!(code.as_str().parse::<CountryCode>().unwrap(), code);
        assert!(!code.name().is_empty());
    }
}

#[test]
fn known_pairs() {
    for (a2, a3, name) in [
        ("DE", "DEU", "Germany"),
        ("NL", "NLD", "Netherlands"),
        ("GB", "GBR", "United Kingdom"),
        ("CH", "CHE", "Switzerland"),
        ("AX", "ALA", "Åland Islands"),
        ("SS", "SSD", "South Sudan"),
        ("XK", "", ""),
    ] {
        match CountryCode::from_alpha2(a2) {
            Ok(code) => {
                assert_eq!(code.as_str(), a3);
                assert_eq!(code.name(), name);
            }
            Err(e) => {
                assert_eq!(a3, "", "{a2}: {e}");
                assert!(e.to_string().contains("`XK`"));
            }
        }
    }
}

#[test]
fn icao_special_codes_have_their_kind() {
    let expected = [
        ("GBD", CodeKind::BritishNationality),
        ("GBN", CodeKind::BritishNationality),
        ("GBO", CodeKind::BritishNationality),
        ("GBP", CodeKind::BritishNationality),
        ("GBS", CodeKind::BritishNationality),
        ("UNO", CodeKind::UnitedNations),
        ("UNA", CodeKind::UnitedNations),
        ("UNK", CodeKind::UnitedNations),
        ("XXA", CodeKind::NationalityStatus),
        ("XXB", CodeKind::NationalityStatus),
        ("XXC", CodeKind::NationalityStatus),
        ("XXX", CodeKind::NationalityStatus),
        ("XPO", CodeKind::Organization),
        ("XOM", CodeKind::Organization),
        ("XCC", CodeKind::Organization),
        ("XCE", CodeKind::Organization),
        ("XDC", CodeKind::Organization),
        ("XEC", CodeKind::Organization),
        ("XES", CodeKind::Organization),
        ("XIM", CodeKind::Organization),
        ("XMP", CodeKind::Organization),
        ("EUE", CodeKind::Organization),
        ("RKS", CodeKind::UserAssigned),
        ("UTO", CodeKind::Specimen),
    ];
    for (code, kind) in expected {
        let c: CountryCode = code.parse().unwrap();
        assert_eq!(c.kind(), kind, "{code}");
        assert!(!c.is_iso());
        assert_eq!(c.alpha2(), None);
        assert!(!c.name().is_empty());
    }
    assert_eq!(CountryCode::icao_special_codes().count(), 26);
}

#[test]
fn unknown_and_malformed_codes_are_rejected() {
    for bad in ["ZZZ", "deu", "DE", "DEUT", "", "D", "D<<", "XXY", "ÄÖÜ"] {
        let e = bad.parse::<CountryCode>().unwrap_err();
        assert!(e.to_string().contains("alpha-3"), "{bad}: {e}");
    }
    assert!(CountryCode::from_alpha2("de").is_err());
    assert!(CountryCode::from_alpha2("DEU").is_err());
}

#[test]
fn mrz_forms() {
    let deu = CountryCode::from_mrz("D<<").unwrap();
    assert_eq!(deu.as_str(), "DEU");
    assert_eq!(deu.to_mrz(), "D<<");
    assert_eq!(CountryCode::from_mrz("NLD").unwrap().to_mrz(), "NLD");
    assert_eq!(
        CountryCode::from_mrz("UTO").unwrap().kind(),
        CodeKind::Specimen
    );
    assert!(CountryCode::from_mrz("<<<").is_err());
    assert!(CountryCode::from_mrz("Q<<").is_err());
}

#[test]
fn serde_uses_the_code() {
    let c: CountryCode = serde_json::from_str("\"XXA\"").unwrap();
    assert_eq!(serde_json::to_string(&c).unwrap(), "\"XXA\"");
    assert!(serde_json::from_str::<CountryCode>("\"QQQ\"").is_err());
}

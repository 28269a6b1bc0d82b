//! RFC 8785 canonicalization: the RFC author's vectors byte for byte, and
//! properties checked against `serde_jcs` as an independent implementation.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use std::fs;
use std::path::Path;

use liaison_record::{CanonicalError, canonicalize, canonicalize_value};
use proptest::prelude::*;
use serde_json::{Map, Value};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/jcs");

#[test]
fn rfc_author_vectors_match_byte_for_byte() {
    let mut checked = 0;
    let mut names: Vec<_> = fs::read_dir(Path::new(VECTORS).join("input"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in names {
        let input = fs::read(Path::new(VECTORS).join("input").join(&name)).unwrap();
        let expected = fs::read(Path::new(VECTORS).join("output").join(&name)).unwrap();
        let got = canonicalize(&input).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected),
            "vector {name:?}"
        );
        assert_eq!(got, expected, "vector {name:?}");
        let value: Value = serde_json::from_slice(&input).unwrap();
        assert_eq!(
            canonicalize_value(&value),
            expected,
            "vector {name:?} as a Value"
        );
        assert_eq!(
            canonicalize(&expected).unwrap(),
            expected,
            "vector {name:?} again"
        );
        checked += 1;
    }
    assert_eq!(checked, 6, "every vector of the RFC author's set");
}

#[test]
fn ijson_violations_are_rejected() {
    assert!(matches!(
        canonicalize(br#"{"a":{"b":1,"c":2,"b":3}}"#),
        Err(CanonicalError::DuplicateMember { name, .. }) if name == "b"
    ));
    // The same name written two ways is still the same name.
    assert!(matches!(
        canonicalize(br#"{"\u0061":1,"a":2}"#),
        Err(CanonicalError::DuplicateMember { .. })
    ));
    assert!(matches!(
        canonicalize(br#"{"k":"\udead"}"#),
        Err(CanonicalError::LoneSurrogate { .. })
    ));
    assert!(matches!(
        canonicalize(br#"{"k":"\ud83d\u0041"}"#),
        Err(CanonicalError::LoneSurrogate { .. })
    ));
    assert!(matches!(
        canonicalize(b"1e309"),
        Err(CanonicalError::NumberOutOfRange { .. })
    ));
}

/// JSON values whose numbers are integers or doubles that print exactly.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53)..=(1i64 << 53)).prop_map(Value::from),
        any::<i32>().prop_map(|i| Value::from(f64::from(i) / 64.0)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z\u{e000}-\u{e00f}\u{1f600}-\u{1f60f}\\\\\"\n\u{7f}]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        any::<String>(),
                        "[a-cA-C\u{e000}\u{1f600}\u{fb33}]{0,3}".prop_map(String::from)
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Writes `value` as JSON text with the members of every object in the
/// order given by `order` (a seed), and with whitespace.
fn write_shuffled(value: &Value, order: u64, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" ,\n");
                }
                write_shuffled(item, order, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            let n = members.len().max(1);
            members.rotate_left((order as usize) % n);
            if order % 2 == 1 {
                members.reverse();
            }
            out.push_str("{\t");
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(" : ");
                write_shuffled(v, order / 3, out);
            }
            out.push_str(" }");
        }
        other => out.push_str(&other.to_string()),
    }
}

proptest! {
    #[test]
    fn canonical_form_is_idempotent(value in arb_value()) {
        let text = serde_json::to_vec_pretty(&value).unwrap();
        let once = canonicalize(&text).unwrap();
        prop_assert_eq!(canonicalize(&once).unwrap(), once);
    }

    #[test]
    fn member_order_and_whitespace_do_not_matter(value in arb_value(), order in any::<u64>()) {
        let plain = canonicalize(serde_json::to_string(&value).unwrap().as_bytes()).unwrap();
        let mut shuffled = String::new();
        write_shuffled(&value, order, &mut shuffled);
        prop_assert_eq!(canonicalize(shuffled.as_bytes()).unwrap(), plain);
    }

    #[test]
    fn agrees_with_serde_jcs(value in arb_value()) {
        let expected = serde_jcs::to_vec(&value).unwrap();
        let text = serde_json::to_vec(&value).unwrap();
        prop_assert_eq!(
            String::from_utf8(canonicalize(&text).unwrap()).unwrap(),
            String::from_utf8(expected.clone()).unwrap()
        );
        prop_assert_eq!(canonicalize_value(&value), expected);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(once) = canonicalize(&bytes) {
            prop_assert_eq!(canonicalize(&once).unwrap(), once);
        }
    }

    #[test]
    fn never_panics_on_near_json(text in r#"[\[\]{}",:0-9eE.+\- a-z\\u]{0,64}"#) {
        if let Ok(once) = canonicalize(text.as_bytes()) {
            prop_assert_eq!(canonicalize(&once).unwrap(), once);
        }
    }
}

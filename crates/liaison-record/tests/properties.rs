//! Properties of parsing, validation and redaction over generated records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail by panicking, as the tests do"
)]

mod common {
    pub(crate) mod strategy;
}

use common::strategy;
use liaison_record::{FieldClass, Record};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON trees, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String("6f1c9a2e-4b7d-4e3a-9c1f-2a3b4c5d6e7f".into())),
        Just(Value::String("2026-11-20T06:41:12.000Z".into())),
        Just(Value::String("person".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("kind".to_owned()),
            Just("id".to_owned()),
            Just("entities".to_owned()),
            Just("marking".to_owned()),
            Just("extensions".to_owned()),
            "[a-z_]{1,10}"
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Replaces the value at a pseudo-randomly chosen place of `v` with `new`.
fn replace_somewhere(v: &mut Value, choice: usize, new: Value) {
    let n = match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if n == 0 || choice.is_multiple_of(4) {
        *v = new;
        return;
    }
    let next = choice / (n + 1);
    match v {
        Value::Object(m) => {
            let key = m.keys().nth(choice % n).unwrap().clone();
            replace_somewhere(m.get_mut(&key).unwrap(), next, new);
        }
        Value::Array(a) => replace_somewhere(&mut a[choice % n], next, new),
        _ => unreachable!(),
    }
}

/// The JSON pointer of every leaf (and every empty object or array) of `v`.
fn leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                leaves(x, format!("{at}/{key}"), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

/// Every string in `v`.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_records_are_valid(r in strategy::record()) {
        if let Err(e) = r.validate() {
            panic!("{e}\n{}", String::from_utf8_lossy(&r.to_json()));
        }
    }

    #[test]
    fn every_field_has_a_class(r in strategy::record()) {
        let fields = r.classified_fields();
        let mut all = Vec::new();
        leaves(&serde_json::from_slice(&r.to_json()).unwrap(), String::new(), &mut all);
        for leaf in all {
            let covering = fields
                .iter()
                .filter(|f| leaf == f.pointer || leaf.starts_with(&format!("{}/", f.pointer)))
                .count();
            prop_assert!(covering >= 1, "{} has no class", leaf);
        }
        let mut pointers: Vec<&str> = fields.iter().map(|f| f.pointer.as_str()).collect();
        pointers.sort_unstable();
        pointers.dedup();
        prop_assert_eq!(pointers.len(), fields.len(), "each pointer is listed once");
    }

    #[test]
    fn serialize_then_parse_is_the_identity(r in strategy::record()) {
        let parsed = Record::from_json(&r.to_json()).unwrap();
        prop_assert_eq!(&parsed, &r);
        let pretty = serde_json::to_vec_pretty(&r).unwrap();
        prop_assert_eq!(Record::from_json(&pretty).unwrap(), r);
    }

    #[test]
    fn withholding_keeps_records_valid_and_leaks_nothing(
        r in strategy::record(),
        picks in proptest::collection::vec(any::<bool>(), 64),
    ) {
        let fields = r.classified_fields();
        let chosen: Vec<String> = fields
            .iter()
            .filter(|f| f.class != FieldClass::Control)
            .zip(picks.iter().cycle())
            .filter(|(_, pick)| **pick)
            .map(|(f, _)| f.pointer.clone())
            .collect();
        let refs: Vec<&str> = chosen.iter().map(String::as_str).collect();
        let out = r.withhold(&refs).unwrap();
        if let Err(e) = out.validate() {
            panic!("{e}");
        }
        Record::from_json(&out.to_json()).unwrap();

        let original: Value = serde_json::from_slice(&r.to_json()).unwrap();
        let original_text = String::from_utf8(r.to_json()).unwrap();
        let redacted_text = String::from_utf8(out.to_json()).unwrap();
        for pointer in &chosen {
            let withheld = original.pointer(pointer).unwrap();
            let mut values = Vec::new();
            strings(withheld, &mut values);
            for s in values {
                let token = serde_json::to_string(&s).unwrap();
                // Only a value that occurs once in the record can be
                // attributed to the withheld field.
                if original_text.matches(&token).count() == 1 {
                    prop_assert!(
                        !redacted_text.contains(&token),
                        "{} withheld but {} still present", pointer, token
                    );
                }
            }
            // A withheld entity's id is gone everywhere (relationships too).
            if let Some(id) = withheld.get("id").and_then(Value::as_str)
                && pointer.matches('/').count() == 2
            {
                prop_assert!(!redacted_text.contains(id), "{} id {} still referenced", pointer, id);
            }
        }
    }

    #[test]
    fn from_json_never_panics_on_arbitrary_json(v in json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        if let Err(e) = Record::from_json(&bytes) {
            prop_assert!(!e.problems().is_empty());
        }
    }

    #[test]
    fn from_json_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = Record::from_json(&bytes) {
            prop_assert!(!e.problems().is_empty());
        }
    }

    #[test]
    fn damaged_records_are_rejected_or_valid_never_a_panic(
        r in strategy::record(),
        choice in any::<usize>(),
        new in json(),
    ) {
        let mut v: Value = serde_json::from_slice(&r.to_json()).unwrap();
        replace_somewhere(&mut v, choice, new);
        let bytes = serde_json::to_vec(&v).unwrap();
        match Record::from_json(&bytes) {
            Ok(parsed) => prop_assert!(parsed.validate().is_ok()),
            Err(e) => {
                prop_assert!(!e.problems().is_empty());
                for p in e.problems() {
                    prop_assert!(p.pointer().is_empty() || p.pointer().starts_with('/'));
                    prop_assert!(!p.message().is_empty());
                }
            }
        }
    }
}

//! The committed JSON Schema matches the types, and the sample records meet
//! the constraints it states.
//!
//! When the types change, regenerate the committed file with
//! `LIAISON_BLESS=1 cargo test -p liaison-record --test schema`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail by panicking, as the tests do"
)]

use std::path::PathBuf;

use liaison_record::{Namespace, json_schema};
use serde_json::Value;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/record.schema.json")
}

#[test]
fn committed_schema_matches_the_types() {
    let mut generated = serde_json::to_string_pretty(&json_schema()).unwrap();
    generated.push('\n');
    let path = committed_path();
    if std::env::var_os("LIAISON_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from the schema generated from the types; regenerate it with\n\n    LIAISON_BLESS=1 cargo test -p liaison-record --test schema\n\nand commit the result",
        path.display()
    );
}

/// A checker for the parts of draft 2020-12 the generated schema uses
/// (`$ref`, `type`, `properties`, `required`, `additionalProperties`,
/// `items`, `enum`, `const`, `oneOf`, `anyOf`, `minimum`, `maximum`), so that
/// the samples are checked against the schema itself. Patterns are not
/// checked here (`Record::from_json` checks the same forms).
fn check(schema: &Value, root: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = root
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}"));
        check(target, root, v, at, errors);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
            _ => panic!("type {t}"),
        };
        let ok = types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            other => panic!("type {other}"),
        });
        if !ok {
            errors.push(format!("{at}: not {types:?}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{at}: {v} not in {e:?}"));
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errors.push(format!("{at}: {v} is not {c}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64())
        && n < min
    {
        errors.push(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), v.as_f64())
        && n > max
    {
        errors.push(format!("{at}: {n} > {max}"));
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    check(o, root, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if (exactly_one && passing != 1) || passing == 0 {
                errors.push(format!("{at}: {passing} of the {key} options match"));
            }
        }
    }
    if let Value::Object(obj) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{at}: missing {req}"));
            }
        }
        for (k, x) in obj {
            let here = format!("{at}/{k}");
            let pattern = schema
                .get("patternProperties")
                .and_then(Value::as_object)
                .and_then(|p| p.iter().next());
            match (props.and_then(|p| p.get(k)), pattern) {
                (Some(s), _) => check(s, root, x, &here, errors),
                // The only pattern the schema uses is the namespace's, checked
                // here with the crate's own parser.
                (None, Some((_, s))) => {
                    if k.parse::<Namespace>().is_err() {
                        errors.push(format!("{here}: not a namespace"));
                    }
                    check(s, root, x, &here, errors);
                }
                (None, None) => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{here}: not allowed")),
                    Some(s @ Value::Object(_)) => check(s, root, x, &here, errors),
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, x) in items.iter().enumerate() {
            check(s, root, x, &format!("{at}/{i}"), errors);
        }
    }
}

fn errors_of(v: &Value) -> Vec<String> {
    let schema = json_schema();
    let mut errors = Vec::new();
    check(&schema, &schema, v, "", &mut errors);
    errors
}

fn samples() -> Vec<(String, Value)> {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut paths = vec![base.join("example-record.json")];
    for e in std::fs::read_dir(base.join("records")).unwrap() {
        paths.push(e.unwrap().path());
    }
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn samples_meet_the_schema() {
    for (name, v) in samples() {
        let errors = errors_of(&v);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn the_schema_checker_rejects_what_the_schema_forbids() {
    let (_, mut v) = samples().remove(0);
    v["colour"] = "blue".into();
    v["entities"][0]["kind"] = "ship".into();
    v["entities"][1].as_object_mut().unwrap().remove("number");
    v["marking"]["tlp"] = "purple".into();
    v["assessment"]["confidence"] = 300.into();
    v["extensions"]["Not A Namespace"] = serde_json::json!({"data": 1});
    let errors = errors_of(&v);
    assert!(
        errors.iter().any(|e| e == "/colour: not allowed"),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e == "/extensions/Not A Namespace: not a namespace"),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/entities/0: 0 of the oneOf")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/entities/1: 0 of the oneOf")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/marking/tlp")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/assessment/confidence")),
        "{errors:#?}"
    );
}

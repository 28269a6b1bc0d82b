//! Parsing and validation: [`Record::from_json`], [`Record::validate`],
//! [`records_from_json`].
//!
//! The fast path parses the typed record with serde and then runs the
//! semantic checks. Only when serde fails does the slow path parse the
//! document as a [`serde_json::Value`] and read each member on its own, so
//! that every problem is reported with its own pointer, not just the first.

mod forms;
mod mrz;
mod semantic;
pub(crate) mod walk;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::problem::{Problem, RecordErrors};
use crate::{
    AgencyId, Assessment, Entity, Extension, Marking, Namespace, Narrative, ProvenanceEntry,
    Record, Relationship, Source, Timestamp,
};
use semantic::{EntitySlot, Parts};

impl Record {
    /// Parses and validates a record from its JSON form.
    ///
    /// # Errors
    ///
    /// Every problem found, each with the JSON pointer where it was found and
    /// what was expected there: input that is not UTF-8 or not JSON (with the
    /// line and column), members of the wrong type or form, unknown members
    /// that are not under a namespaced extension, and the semantic checks of
    /// [`Record::validate`].
    pub fn from_json(bytes: &[u8]) -> Result<Record, RecordErrors> {
        // The whole document is checked as UTF-8 once, so that the parser
        // need not check each string again; input that is not UTF-8 goes
        // to the slow path, which says where.
        let parsed = match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str::<Record>(text),
            Err(_) => serde_json::from_slice::<Record>(bytes),
        };
        match parsed {
            Ok(record) => record.validate().map(|()| record),
            Err(e) => Err(RecordErrors::new(slow_path(bytes, &e))),
        }
    }

    /// The record's JSON form (compact; see the crate's canonical form for
    /// hashing and signing).
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing a record cannot fail: every map key is a string and
        // every value has a JSON form (a non-finite coordinate is written as
        // `null`, which `validate` rejects).
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks what the types alone cannot: versions, id versions, time order,
    /// ranges, references between entities, indicator and hash forms,
    /// machine-readable zones against the document fields.
    ///
    /// # Errors
    ///
    /// Every problem found, each with its JSON pointer.
    pub fn validate(&self) -> Result<(), RecordErrors> {
        let mut problems = Vec::new();
        semantic::check(&Parts::of(self), &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RecordErrors::new(problems))
        }
    }
}

/// Parses and validates a bundle of records: a JSON array of records.
///
/// # Errors
///
/// Every problem found in every record, the pointers starting with the
/// record's index in the array (`/3/entities/0/id`).
pub fn records_from_json(bytes: &[u8]) -> Result<Vec<Record>, RecordErrors> {
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Vec<Record>>(text),
        Err(_) => serde_json::from_slice::<Vec<Record>>(bytes),
    };
    match parsed {
        Ok(records) => {
            let mut problems = Vec::new();
            for (i, r) in records.iter().enumerate() {
                if let Err(e) = r.validate() {
                    problems.extend(prefixed(i, e.into_problems()));
                }
            }
            if problems.is_empty() {
                Ok(records)
            } else {
                Err(RecordErrors::new(problems))
            }
        }
        Err(e) => {
            let problems = match parse_value(bytes) {
                Err(p) => vec![p],
                Ok(Value::Array(items)) => {
                    let mut problems = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        problems.extend(prefixed(i, problems_in_value(item)));
                    }
                    problems
                }
                Ok(_) => vec![Problem::new(
                    "",
                    "expected a JSON array of records".to_owned(),
                )],
            };
            Err(RecordErrors::new(with_fallback(problems, &e)))
        }
    }
}

fn prefixed(index: usize, problems: Vec<Problem>) -> impl Iterator<Item = Problem> {
    problems
        .into_iter()
        .map(move |p| Problem::new(format!("/{index}{}", p.pointer()), p.message().to_owned()))
}

fn slow_path(bytes: &[u8], typed: &serde_json::Error) -> Vec<Problem> {
    let problems = match parse_value(bytes) {
        Err(p) => vec![p],
        Ok(v) => problems_in_value(&v),
    };
    with_fallback(problems, typed)
}

/// Adds serde's own message when the walk found nothing (or when serde saw a
/// duplicate member, which a `Value` silently overwrites).
fn with_fallback(mut problems: Vec<Problem>, typed: &serde_json::Error) -> Vec<Problem> {
    let message = typed.to_string();
    if problems.is_empty() || message.starts_with("duplicate field") {
        problems.push(Problem::new("", message));
    }
    problems
}

fn parse_value(bytes: &[u8]) -> Result<Value, Problem> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(Problem::new(
            "",
            format!(
                "not UTF-8: invalid byte at offset {}: expected a UTF-8 JSON document",
                e.valid_up_to()
            ),
        ));
    }
    serde_json::from_slice::<Value>(bytes).map_err(|e| {
        let full = e.to_string();
        let what = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m);
        let what = if what == "recursion limit exceeded" {
            "nested more than 128 levels deep"
        } else {
            what
        };
        Problem::new(
            "",
            format!(
                "not valid JSON at line {}, column {}: {what}",
                e.line(),
                e.column()
            ),
        )
    })
}

fn get<T: DeserializeOwned>(obj: &Map<String, Value>, key: &str) -> Option<T> {
    obj.get(key).and_then(|v| T::deserialize(v).ok())
}

fn get_each<T: DeserializeOwned>(obj: &Map<String, Value>, key: &str) -> Vec<Option<T>> {
    obj.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| T::deserialize(v).ok()).collect())
        .unwrap_or_default()
}

/// Every problem of a record read as a `Value`: the walk's structural
/// problems, then the semantic checks over the parts that could be read.
fn problems_in_value(v: &Value) -> Vec<Problem> {
    let mut walk = walk::Walk::new("");
    walk::record(v, &mut walk);
    let mut problems = walk.problems;
    let Value::Object(obj) = v else {
        return problems;
    };
    let schema_version = obj.get("schema_version").and_then(Value::as_str);
    let originator: Option<AgencyId> = get(obj, "originator");
    let marking: Option<Marking> = get(obj, "marking");
    let assessment: Option<Assessment> = get(obj, "assessment");
    let source: Option<Source> = get(obj, "source");
    let extensions: Option<std::collections::BTreeMap<Namespace, Extension>> =
        get(obj, "extensions");
    let entities: Vec<Result<Entity, Option<Uuid>>> = obj
        .get("entities")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    Entity::deserialize(e)
                        .map_err(|_| e.get("id").and_then(|i| Uuid::deserialize(i).ok()))
                })
                .collect()
        })
        .unwrap_or_default();
    let relationships: Vec<Option<Relationship>> = get_each(obj, "relationships");
    let narrative: Vec<Option<Narrative>> = get_each(obj, "narrative");
    let provenance: Vec<Option<ProvenanceEntry>> = get_each(obj, "provenance");
    let parts = Parts {
        schema_version,
        id: get(obj, "id"),
        version: get(obj, "version"),
        originator: originator.as_ref(),
        created: get::<Timestamp>(obj, "created"),
        modified: get::<Timestamp>(obj, "modified"),
        marking: marking.as_ref(),
        assessment: assessment.as_ref(),
        entities: entities
            .iter()
            .map(|e| match e {
                Ok(e) => EntitySlot::Parsed(e),
                Err(id) => EntitySlot::Unparsed(*id),
            })
            .collect(),
        references_checkable: obj.get("entities").is_none_or(Value::is_array),
        relationships: relationships.iter().map(Option::as_ref).collect(),
        narrative: narrative.iter().map(Option::as_ref).collect(),
        source: source.as_ref(),
        provenance: provenance.iter().map(Option::as_ref).collect(),
        extensions: extensions.as_ref(),
    };
    semantic::check(&parts, &mut problems);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &[u8] = include_bytes!("../tests/data/example-record.json");

    fn only(bytes: &[u8]) -> (String, String) {
        let e = Record::from_json(bytes).unwrap_err();
        assert_eq!(e.problems().len(), 1, "{e}");
        let p = &e.problems()[0];
        (p.pointer().to_owned(), p.message().to_owned())
    }

    #[test]
    fn non_utf8_is_named_with_its_offset() {
        let mut bytes = EXAMPLE.to_vec();
        bytes[40] = 0xff;
        let (pointer, message) = only(&bytes);
        assert_eq!(pointer, "");
        assert_eq!(
            message,
            "not UTF-8: invalid byte at offset 40: expected a UTF-8 JSON document"
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (_, message) = only(deep.as_bytes());
        assert!(
            message.ends_with("nested more than 128 levels deep"),
            "{message}"
        );
        // Extension data is kept as written, up to the same depth.
        let mut deep = Value::from(1);
        for _ in 0..200 {
            deep = Value::Array(vec![deep]);
        }
        let mut v: Value = serde_json::from_slice(EXAMPLE).unwrap();
        v["extensions"]["nld-kmar.deep"] = serde_json::json!({ "data": deep });
        let text = serde_json::to_string(&v).unwrap();
        let (_, message) = only(text.as_bytes());
        assert!(
            message.ends_with("nested more than 128 levels deep"),
            "{message}"
        );
    }

    #[test]
    fn kind_anywhere_in_an_entity() {
        let mut v: Value = serde_json::from_slice(EXAMPLE).unwrap();
        let person = v["entities"][0].as_object_mut().unwrap();
        let kind = person.remove("kind").unwrap();
        person.insert("kind".into(), kind);
        let moved = serde_json::to_vec(&v).unwrap();
        assert_eq!(
            Record::from_json(&moved).unwrap(),
            Record::from_json(EXAMPLE).unwrap()
        );
    }

    #[test]
    fn problems_come_with_pointers_in_both_paths() {
        // The fast path: a typed record with semantic problems only.
        let mut r = Record::from_json(EXAMPLE).unwrap();
        r.version = 0;
        r.assessment.confidence = Some(200);
        let e = r.validate().unwrap_err();
        let pointers: Vec<&str> = e.pairs().map(|(p, _)| p).collect();
        assert_eq!(pointers, ["/version", "/assessment/confidence"]);
        // The slow path finds the same semantic problems beside a type error.
        let mut v: Value = serde_json::from_slice(&r.to_json()).unwrap();
        v["originator"] = Value::from(7);
        let e = Record::from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        let pointers: Vec<&str> = e.pairs().map(|(p, _)| p).collect();
        assert_eq!(
            pointers,
            ["/originator", "/version", "/assessment/confidence"]
        );
    }
}

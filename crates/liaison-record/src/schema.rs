//! The record's JSON Schema (draft 2020-12), generated from the types.

use crate::Record;

/// The JSON Schema (draft 2020-12) of a record, generated from the types.
///
/// The committed copy is `schemas/record.schema.json`; a test fails when it
/// drifts from the types. The schema states the structure (members, types,
/// enumerations, string patterns); [`Record::validate`] checks more
/// (references between entities, time order, MRZ consistency, ...).
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::Value::from(schemars::schema_for!(Record));
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".to_owned(),
            "https://example.invalid/liaison/schemas/record.schema.json".into(),
        );
        obj.insert(
            "description".to_owned(),
            "One piece of shared intelligence: a record of the liaison-record schema, version 1.x. See docs/record.md.".into(),
        );
    }
    sorted(schema)
}

/// The same JSON with every object's members in key order, whichever map
/// serde_json was built with (another crate in a build may turn on its
/// `preserve_order` feature), so that the schema is printed the same way
/// everywhere.
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::EntityKind;
    use crate::validate::walk::{self, Field};

    fn def<'a>(schema: &'a Value, name: &str) -> &'a Value {
        schema
            .pointer(&format!("/$defs/{name}"))
            .unwrap_or_else(|| panic!("no $defs/{name}"))
    }

    fn members(object: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
        let props = object["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let required = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        (props, required)
    }

    fn table(fields: &[Field]) -> (BTreeSet<String>, BTreeSet<String>) {
        (
            fields.iter().map(|f| f.name.to_owned()).collect(),
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name.to_owned())
                .collect(),
        )
    }

    /// The slow path's member tables say what the types say.
    #[test]
    fn walk_tables_match_the_types() {
        let s = json_schema();
        assert_eq!(table(walk::RECORD), members(&s));
        for (name, fields) in [
            ("Marking", walk::MARKING),
            ("Assessment", walk::ASSESSMENT),
            ("Relationship", walk::RELATIONSHIP),
            ("Narrative", walk::NARRATIVE),
            ("Source", walk::SOURCE),
            ("ProvenanceEntry", walk::PROVENANCE),
            ("Extension", walk::EXTENSION),
        ] {
            assert_eq!(table(fields), members(def(&s, name)), "{name}");
        }
        let variants = def(&s, "Entity")["oneOf"].as_array().unwrap();
        assert_eq!(variants.len(), 10);
        for v in variants {
            let kind: EntityKind =
                serde_json::from_value(v.pointer("/properties/kind/const").unwrap().clone())
                    .unwrap();
            assert_eq!(table(walk::entity_fields(kind)), members(v), "{kind:?}");
        }
    }

    #[test]
    fn schema_is_draft_2020_12() {
        let s = json_schema();
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(s["additionalProperties"], false);
    }
}

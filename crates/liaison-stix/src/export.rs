//! Records to one STIX 2.1 bundle.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use uuid::Uuid;

use liaison_record::Record;

use super::ExportOptions;
use super::assemble::{derived_bundle_id, entity_kept, kept_bundle_id, record_kept, snapshot};
use super::error::ExportError;
use super::ids::{EXTENSION_DEFINITION_ID, FIXED_TIME, PROJECT_IDENTITY_ID, agency_identity_id};
use super::keep::Kept;
use super::render::{Frame, render_entity, render_record, render_relationship, rendered_id};

/// Where the project's extension schema is published.
const SCHEMA_URL: &str = "https://example.invalid/liaison/schemas/stix-extension.schema.json";

/// Writes records as one STIX 2.1 bundle.
///
/// The bundle is deterministic: the same records give the same bundle,
/// objects sorted by id (then `modified`), every id derived from the records (or kept from
/// import). Entities STIX has no type for are written as the project's
/// `x-liaison-*` objects, and each record that was not imported from plain
/// STIX gets an `x-liaison-record` object carrying what STIX cannot
/// express, so that [`import_bundle`](super::import_bundle) gives the
/// records back exactly. See `docs/stix.md`.
///
/// # Errors
///
/// [`ExportError::InvalidRecord`] when a record refers to an entity it
/// does not hold or holds two entities with one id, and
/// [`ExportError::Conflict`] when two records give different objects the
/// same id (the same entity, with different content, in two records).
pub fn export_bundle(records: &[Record], options: &ExportOptions) -> Result<Value, ExportError> {
    // Keyed by id and `modified`: a bundle may hold several versions of one
    // object.
    let mut objects: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut originators = BTreeMap::new();
    for record in records {
        for obj in record_objects(record, options)? {
            add(&mut objects, obj)?;
        }
        originators.insert(agency_identity_id(&record.originator), &record.originator);
    }
    let referenced: BTreeSet<String> = objects
        .values()
        .filter_map(|o| o.get("created_by_ref")?.as_str().map(str::to_owned))
        .collect();
    for (id, agency) in originators {
        if referenced.contains(&id) && !has(&objects, &id) {
            add(&mut objects, agency_identity(&id, agency.as_str()))?;
        }
    }
    let uses_extension = objects.values().any(|o| {
        o.get("extensions")
            .and_then(Value::as_object)
            .is_some_and(|x| x.contains_key(EXTENSION_DEFINITION_ID))
    });
    if uses_extension {
        for o in [extension_definition(), project_identity()] {
            if let Some(id) = o.get("id").and_then(Value::as_str)
                && !has(&objects, id)
            {
                add(&mut objects, o)?;
            }
        }
    }
    let mut bundle = Map::new();
    bundle.insert("type".into(), Value::String("bundle".into()));
    let id = kept_bundle_id(records).unwrap_or_else(|| derived_bundle_id(records));
    bundle.insert("id".into(), Value::String(id));
    if !objects.is_empty() {
        bundle.insert(
            "objects".into(),
            Value::Array(objects.into_values().collect()),
        );
    }
    Ok(Value::Object(bundle))
}

fn key(obj: &Value) -> Option<(String, String)> {
    let id = obj.get("id")?.as_str()?.to_owned();
    let modified = obj
        .get("modified")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some((id, modified))
}

fn has(objects: &BTreeMap<(String, String), Value>, id: &str) -> bool {
    objects.keys().any(|(i, _)| i == id)
}

fn add(objects: &mut BTreeMap<(String, String), Value>, obj: Value) -> Result<(), ExportError> {
    let Some(k) = key(&obj) else {
        return Ok(());
    };
    match objects.get(&k) {
        Some(existing) if *existing != obj => Err(ExportError::Conflict { id: k.0 }),
        Some(_) => Ok(()),
        None => {
            objects.insert(k, obj);
            Ok(())
        }
    }
}

fn invalid(record: &Record, pointer: String, message: String) -> ExportError {
    ExportError::InvalidRecord {
        record: record.id.to_string(),
        pointer,
        message,
    }
}

/// The objects of one record.
fn record_objects(record: &Record, options: &ExportOptions) -> Result<Vec<Value>, ExportError> {
    let kept: Vec<Kept> = record.entities.iter().map(entity_kept).collect();
    // The ids first: relationships and encounters refer to them.
    let empty = BTreeMap::new();
    let mut partial = Frame::of(record, &empty);
    partial.partial = true;
    let mut ids: BTreeMap<Uuid, String> = BTreeMap::new();
    for (i, (e, k)) in record.entities.iter().zip(&kept).enumerate() {
        let rendered = rendered_id(e, k.form.as_deref(), &partial)
            .map_err(|(p, m)| invalid(record, format!("/entities/{i}{p}"), m))?;
        let id = k
            .apply_one("id", Value::String(rendered))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if ids.insert(e.id(), id).is_some() {
            return Err(invalid(
                record,
                format!("/entities/{i}/id"),
                format!(
                    "entity id `{}` is used twice: expected each entity id once",
                    e.id()
                ),
            ));
        }
    }
    let frame = Frame::of(record, &ids);
    let mut out = Vec::new();
    let mut refs = Vec::new();
    for (i, (e, k)) in record.entities.iter().zip(&kept).enumerate() {
        let rendered = render_entity(e, k.form.as_deref(), &frame)
            .map_err(|(p, m)| invalid(record, format!("/entities/{i}{p}"), m))?;
        push(&mut out, &mut refs, k.apply(rendered));
    }
    let record_data = record_kept(record);
    let mut rel_kept: Vec<(bool, Kept, &Map<String, Value>)> = record_data
        .and_then(|d| d.get("relationships"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_object)
                .map(|m| (false, Kept::from_map(m), m))
                .collect()
        })
        .unwrap_or_default();
    let mut counts: BTreeMap<(Uuid, &str, Uuid), usize> = BTreeMap::new();
    for (i, r) in record.relationships.iter().enumerate() {
        let n = counts
            .entry((r.source, r.relationship.as_str(), r.target))
            .or_insert(0);
        let rendered = render_relationship(r, *n, &frame)
            .map_err(|(p, m)| invalid(record, format!("/relationships/{i}{p}"), m))?;
        *n += 1;
        let same = |m: &Map<String, Value>| {
            let s = |k: &str| {
                m.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            s("source") == r.source.to_string()
                && s("relationship") == r.relationship
                && s("target") == r.target.to_string()
        };
        let obj = match rel_kept.iter_mut().find(|(used, _, m)| !*used && same(m)) {
            Some((used, k, _)) => {
                *used = true;
                k.apply(rendered)
            }
            None => rendered,
        };
        push(&mut out, &mut refs, obj);
    }
    if let Some(Value::Array(objs)) = record_data.and_then(|d| d.get("objects")) {
        for o in objs
            .iter()
            .filter(|o| o.get("id").is_some_and(Value::is_string))
        {
            if let Some(id) = o.get("id").and_then(Value::as_str) {
                refs.push(id.to_owned());
            }
            out.push(o.clone());
        }
    }
    let unchanged = record_data
        .and_then(|d| d.get("snapshot"))
        .and_then(Value::as_str)
        .is_some_and(|s| s == snapshot(record));
    if !options.without_record_objects && !unchanged {
        out.push(Value::Object(render_record(record, &frame, refs)));
    }
    Ok(out)
}

fn push(out: &mut Vec<Value>, refs: &mut Vec<String>, obj: Map<String, Value>) {
    if let Some(id) = obj.get("id").and_then(Value::as_str) {
        refs.push(id.to_owned());
    }
    out.push(Value::Object(obj));
}

fn agency_identity(id: &str, agency: &str) -> Value {
    serde_json::json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": id,
        "created": FIXED_TIME,
        "modified": FIXED_TIME,
        "name": agency,
        "identity_class": "organization",
        "extensions": {
            EXTENSION_DEFINITION_ID: {
                "extension_type": "property-extension",
                "agency": agency,
            }
        }
    })
}

fn project_identity() -> Value {
    serde_json::json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": PROJECT_IDENTITY_ID,
        "created": FIXED_TIME,
        "modified": FIXED_TIME,
        "name": "Liaison",
        "identity_class": "organization",
        "description": "Publisher of the Liaison STIX extension for cross-border intelligence records",
    })
}

fn extension_definition() -> Value {
    serde_json::json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_DEFINITION_ID,
        "created_by_ref": PROJECT_IDENTITY_ID,
        "created": FIXED_TIME,
        "modified": FIXED_TIME,
        "name": "Liaison intelligence records",
        "description": "Border entities (persons, travel documents, biometric references, conveyances, encounters, alerts, places without coordinates), the fields of an intelligence record that STIX cannot express, and the agency ids of identities",
        "schema": SCHEMA_URL,
        "version": "1.0.0",
        "extension_types": ["new-sdo", "property-extension"],
    })
}

//! STIX objects read back as entities: the reverse of `render`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use liaison_record::{Entity, IndicatorType};

use super::error::StixProblem;
use super::ids::EXTENSION_DEFINITION_ID;
use super::keep::unprotect;
use super::pattern;
use super::render::{BORDER_TYPES, mapped, threat_type};

/// What an object becomes.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// An entity of the record.
    Entity(Entity),
    /// Nothing the record has a field for: the object is kept as it is.
    Kept,
}

/// Whether objects of this type may become entities.
pub(crate) fn is_entity_type(t: &str) -> bool {
    matches!(
        t,
        "identity"
            | "location"
            | "indicator"
            | "ipv4-addr"
            | "ipv6-addr"
            | "domain-name"
            | "url"
            | "email-addr"
            | "file"
    ) || threat_type(t).is_some()
        || BORDER_TYPES.contains(&t)
}

/// The project's extension entry of an object, if it has one.
pub(crate) fn project_entry(obj: &Map<String, Value>) -> Option<&Map<String, Value>> {
    obj.get("extensions")?
        .as_object()?
        .get(EXTENSION_DEFINITION_ID)?
        .as_object()
}

/// The entity id an object declares through the project's extension.
pub(crate) fn entity_id_hint(obj: &Map<String, Value>) -> Option<Uuid> {
    let t = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    let v = if BORDER_TYPES.contains(&t) {
        obj.get("entity_id")
    } else {
        project_entry(obj)?.get("entity_id")
    };
    v?.as_str()?.parse().ok()
}

fn indicator_type_of_sco(t: &str) -> Option<IndicatorType> {
    Some(match t {
        "ipv4-addr" => IndicatorType::Ipv4Addr,
        "ipv6-addr" => IndicatorType::Ipv6Addr,
        "domain-name" => IndicatorType::DomainName,
        "url" => IndicatorType::Url,
        "email-addr" => IndicatorType::EmailAddr,
        _ => return None,
    })
}

fn kebab<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Reads an object as an entity with the given id. `refs` gives the entity
/// id of the other objects of the record (for `location_ref`).
pub(crate) fn parse_entity(
    obj: &Map<String, Value>,
    stix_id: &str,
    entity_id: Uuid,
    refs: &BTreeMap<String, Uuid>,
) -> Result<Parsed, StixProblem> {
    let t = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    let problem = |prop: Option<&str>, msg: String| StixProblem::new(Some(stix_id), prop, msg);
    let text = |prop: &str| -> Result<&str, StixProblem> {
        obj.get(prop).and_then(Value::as_str).ok_or_else(|| {
            problem(
                Some(prop),
                format!("missing or not a string: a `{t}` needs its `{prop}` as a string"),
            )
        })
    };
    let mut e = Map::new();
    e.insert("id".to_owned(), Value::String(entity_id.to_string()));
    let kind = match t {
        "identity" => "organization",
        "location" | "x-liaison-location" => "location",
        "indicator" => {
            let p = text("pattern")?;
            if obj.get("pattern_type").and_then(Value::as_str) != Some("stix") {
                return Ok(Parsed::Kept);
            }
            let Some((it, value)) = pattern::parse(p) else {
                return Ok(Parsed::Kept);
            };
            e.insert("indicator_type".to_owned(), kebab(it));
            e.insert("value".to_owned(), Value::String(value));
            "indicator"
        }
        "file" => {
            let Some(hashes) = obj.get("hashes").and_then(Value::as_object) else {
                return Ok(Parsed::Kept);
            };
            let chosen = [
                ("SHA-256", IndicatorType::FileSha256),
                ("SHA-512", IndicatorType::FileSha512),
                ("SHA-1", IndicatorType::FileSha1),
                ("MD5", IndicatorType::FileMd5),
            ]
            .into_iter()
            .find_map(|(k, it)| Some((it, hashes.get(k)?.as_str()?)));
            let Some((it, value)) = chosen else {
                return Ok(Parsed::Kept);
            };
            e.insert("indicator_type".to_owned(), kebab(it));
            e.insert(
                "value".to_owned(),
                Value::String(value.to_ascii_lowercase()),
            );
            "indicator"
        }
        "x-liaison-person" => "person",
        "x-liaison-travel-document" => "travel-document",
        "x-liaison-biometric" => "biometric",
        "x-liaison-conveyance" => "conveyance",
        "x-liaison-encounter" => "encounter",
        "x-liaison-alert" => "alert",
        other => {
            if let Some(it) = indicator_type_of_sco(other) {
                text("value")?;
                e.insert("indicator_type".to_owned(), kebab(it));
                "indicator"
            } else if let Some(tt) = threat_type(other) {
                let unnamed_variant = other == "malware"
                    && obj.get("is_family") != Some(&Value::Bool(true))
                    && !obj.contains_key("name");
                if unnamed_variant {
                    // A malware instance may have no name in STIX; a
                    // threat entity needs one, so the object is kept.
                    return Ok(Parsed::Kept);
                }
                text("name")?;
                e.insert("threat_type".to_owned(), kebab(tt));
                "threat"
            } else {
                return Ok(Parsed::Kept);
            }
        }
    };
    if t == "identity" {
        text("name")?;
    }
    for (field, prop) in mapped(t) {
        if let Some(v) = obj.get(*prop) {
            e.insert((*field).to_owned(), v.clone());
        }
    }
    if t == "location"
        && let Some(c) = obj
            .get("country")
            .and_then(Value::as_str)
            .and_then(|c| liaison_record::CountryCode::from_alpha2(c).ok())
    {
        e.insert("country".to_owned(), Value::String(c.to_string()));
    }
    if t == "x-liaison-encounter"
        && let Some(r) = obj.get("location_ref")
    {
        let loc = r.as_str().and_then(|r| refs.get(r)).ok_or_else(|| {
            problem(
                Some("location_ref"),
                "not the id of a location object of the same record".into(),
            )
        })?;
        e.insert("location".to_owned(), Value::String(loc.to_string()));
    }
    let border = BORDER_TYPES.contains(&t);
    let (entry, extensions) = if border {
        (None, obj.get("liaison_extensions"))
    } else {
        let entry = project_entry(obj);
        (entry, entry.and_then(|x| x.get("liaison_extensions")))
    };
    if let Some(entry) = entry {
        if let Some(Value::String(a)) = entry.get("agency") {
            e.insert("agency".to_owned(), Value::String(a.clone()));
        }
        if let Some(Value::Object(fields)) = entry.get("fields").and_then(unprotect) {
            for (k, v) in fields {
                e.entry(k).or_insert(v);
            }
        }
        if let Some(Value::Array(absent)) = entry.get("absent") {
            for k in absent.iter().filter_map(Value::as_str) {
                e.remove(k);
            }
        }
    }
    if let Some(x) = extensions.and_then(unprotect) {
        e.insert("extensions".to_owned(), x);
    }
    e.insert("kind".to_owned(), Value::String(kind.to_owned()));
    match serde_json::from_value::<Entity>(Value::Object(e.clone())) {
        Ok(entity) => Ok(Parsed::Entity(entity)),
        Err(err) => {
            // Name the property at fault: the first whose removal cures it.
            let culprit = mapped(t).iter().find(|(field, _)| {
                let mut without = e.clone();
                without.remove(*field).is_some()
                    && serde_json::from_value::<Entity>(Value::Object(without)).is_ok()
            });
            Err(problem(
                culprit.map(|(_, prop)| *prop),
                format!("cannot be read as a {kind} entity: {err}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Parsed, StixProblem> {
        let obj = v.as_object().unwrap().clone();
        parse_entity(&obj, "x--1", Uuid::nil(), &BTreeMap::new())
    }

    #[test]
    fn a_threat_without_name_is_named_in_the_error() {
        let err = parse(json!({"type": "malware", "is_family": true})).unwrap_err();
        assert_eq!(err.property.as_deref(), Some("name"));
        assert_eq!(err.object.as_deref(), Some("x--1"));
    }

    #[test]
    fn a_badly_typed_property_is_named() {
        let err = parse(json!({"type": "tool", "name": "x", "aliases": "not a list"})).unwrap_err();
        assert_eq!(err.property.as_deref(), Some("aliases"));
    }

    #[test]
    fn complex_patterns_are_kept() {
        let p = parse(json!({"type": "indicator", "pattern_type": "stix",
            "pattern": "[a:b = 'c'] AND [d:e = 'f']"}))
        .unwrap();
        assert!(matches!(p, Parsed::Kept));
    }

    #[test]
    fn file_hashes_prefer_sha256() {
        let Parsed::Entity(Entity::Indicator(i)) = parse(json!({"type": "file",
            "hashes": {"MD5": "AA", "SHA-256": "BB"}}))
        .unwrap() else {
            panic!("not an indicator")
        };
        assert_eq!(i.indicator_type, IndicatorType::FileSha256);
        assert_eq!(i.value, "bb");
    }
}

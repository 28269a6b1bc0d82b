//! What the importer keeps so that the exporter gives back every property
//! as written: the properties the record has no field for, and the
//! properties the record holds in another form (`as_written`).
//!
//! An object is exported as *rendered* from the record's fields, then
//! corrected by what was kept: a property kept `as_written` replaces the
//! rendered one only while the rendered value is still the one seen at
//! import, so a field changed since import wins over the old text.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use liaison_record::{Extension, FieldClass, Namespace};

use super::ids::KEPT_NAMESPACE;

/// Kept data of one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Kept {
    /// The STIX type to write the entity as, when not the default one.
    pub(crate) form: Option<String>,
    /// Properties the record has no field for.
    pub(crate) properties: Map<String, Value>,
    /// Properties written otherwise than the exporter renders them:
    /// `{"rendered": …, "original": …}`, `original` absent when the object
    /// did not have the property.
    pub(crate) as_written: Map<String, Value>,
}

impl Kept {
    /// What must be kept so that `apply(rendered)` gives back `original`.
    pub(crate) fn diff(rendered: &Map<String, Value>, original: &Map<String, Value>) -> Self {
        let mut kept = Kept::default();
        for (k, o) in original {
            match rendered.get(k) {
                Some(r) if r == o => {}
                Some(r) => {
                    kept.as_written.insert(k.clone(), pair(r, Some(o)));
                }
                None => {
                    kept.properties.insert(k.clone(), o.clone());
                }
            }
        }
        for (k, r) in rendered {
            if !original.contains_key(k) {
                kept.as_written.insert(k.clone(), pair(r, None));
            }
        }
        kept
    }

    /// The object to export: `rendered` corrected by what was kept.
    pub(crate) fn apply(&self, mut rendered: Map<String, Value>) -> Map<String, Value> {
        for (k, entry) in &self.as_written {
            let Value::Object(entry) = entry else {
                continue;
            };
            if rendered.get(k).is_some() && rendered.get(k) == entry.get("rendered") {
                match entry.get("original") {
                    Some(o) => {
                        rendered.insert(k.clone(), o.clone());
                    }
                    None => {
                        rendered.remove(k);
                    }
                }
            }
        }
        for (k, v) in &self.properties {
            if !rendered.contains_key(k) {
                rendered.insert(k.clone(), v.clone());
            }
        }
        rendered
    }

    /// The final value of one property, from its rendered value.
    pub(crate) fn apply_one(&self, key: &str, rendered: Value) -> Option<Value> {
        let mut m = Map::new();
        m.insert(key.to_owned(), rendered);
        self.apply(m).remove(key)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.form.is_none() && self.properties.is_empty() && self.as_written.is_empty()
    }

    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        if let Some(f) = &self.form {
            m.insert("form".to_owned(), Value::String(f.clone()));
        }
        if !self.properties.is_empty() {
            m.insert(
                "properties".to_owned(),
                Value::Object(self.properties.clone()),
            );
        }
        if !self.as_written.is_empty() {
            m.insert(
                "as_written".to_owned(),
                Value::Object(self.as_written.clone()),
            );
        }
        m
    }

    /// Reads kept data; parts of the wrong shape are ignored.
    pub(crate) fn from_map(m: &Map<String, Value>) -> Self {
        let obj = |k: &str| match m.get(k) {
            Some(Value::Object(o)) => o.clone(),
            _ => Map::new(),
        };
        Kept {
            form: m.get("form").and_then(Value::as_str).map(str::to_owned),
            properties: obj("properties"),
            as_written: obj("as_written"),
        }
    }
}

fn pair(rendered: &Value, original: Option<&Value>) -> Value {
    let mut m = Map::new();
    m.insert("rendered".to_owned(), rendered.clone());
    if let Some(o) = original {
        m.insert("original".to_owned(), o.clone());
    }
    Value::Object(m)
}

/// The kept-data namespace.
pub(crate) fn namespace() -> Option<Namespace> {
    KEPT_NAMESPACE.parse().ok()
}

/// The data under the kept-data namespace of an extension map.
pub(crate) fn kept_data(
    extensions: &BTreeMap<Namespace, Extension>,
) -> Option<&Map<String, Value>> {
    extensions
        .iter()
        .find(|(ns, _)| ns.as_str() == KEPT_NAMESPACE)
        .and_then(|(_, x)| x.data.as_object())
}

/// Puts `data` under the kept-data namespace (nothing when it is empty).
pub(crate) fn store(
    extensions: &mut BTreeMap<Namespace, Extension>,
    data: Map<String, Value>,
    class: Option<FieldClass>,
) {
    if data.is_empty() {
        return;
    }
    if let Some(ns) = namespace() {
        extensions.insert(
            ns,
            Extension {
                class,
                data: Value::Object(data),
            },
        );
    }
}

/// The extensions other than the kept-data namespace, as a JSON object.
pub(crate) fn other_extensions(extensions: &BTreeMap<Namespace, Extension>) -> Map<String, Value> {
    extensions
        .iter()
        .filter(|(ns, _)| ns.as_str() != KEPT_NAMESPACE)
        .filter_map(|(ns, x)| Some((ns.to_string(), serde_json::to_value(x).ok()?)))
        .collect()
}

/// A value as the exporter writes it: as is, or, when it holds `null` or
/// an empty list (which STIX forbids), as the string of its RFC 8785 form.
pub(crate) fn protect(v: Value) -> Value {
    if super::check::empty_or_null(&v).is_some() {
        Value::String(String::from_utf8_lossy(&liaison_record::canonicalize_value(&v)).into_owned())
    } else {
        v
    }
}

/// The reverse of [`protect`].
pub(crate) fn unprotect(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn diff_then_apply_gives_the_original() {
        let rendered = obj(json!({"a": 1, "b": "x", "c": true}));
        let original = obj(json!({"a": 1, "b": "y", "d": [1]}));
        let kept = Kept::diff(&rendered, &original);
        assert_eq!(kept.apply(rendered), original);
    }

    #[test]
    fn a_changed_field_wins_over_the_old_text() {
        let rendered = obj(json!({"b": "x"}));
        let original = obj(json!({"b": "y"}));
        let kept = Kept::diff(&rendered, &original);
        let changed = obj(json!({"b": "z"}));
        assert_eq!(kept.apply(changed.clone()), changed);
    }

    #[test]
    fn kept_data_survives_its_map_form() {
        let kept = Kept::diff(&obj(json!({"a": 1})), &obj(json!({"b": 2})));
        assert_eq!(Kept::from_map(&kept.to_map()), kept);
    }
}

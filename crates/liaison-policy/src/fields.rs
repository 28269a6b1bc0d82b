//! The record's fields by class, and removing fields from a record.

use liaison_record::{FieldClass, Record};
use serde_json::Value;

/// One field of a record that can be withheld on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) pointer: String,
    pub(crate) class: FieldClass,
}

/// Every field of the record with its class.
pub(crate) fn classified(record: &Record) -> Vec<Field> {
    let mut out = Vec::new();
    for (i, e) in record.entities.iter().enumerate() {
        let class = match e {
            liaison_record::Entity::Person(p) => {
                let at = |m: &str| format!("/entities/{i}/{m}");
                let members = [
                    (!p.names.is_empty(), "names"),
                    (!p.aliases.is_empty(), "aliases"),
                    (p.date_of_birth.is_some(), "date_of_birth"),
                    (p.sex.is_some(), "sex"),
                    (!p.nationalities.is_empty(), "nationalities"),
                    (p.place_of_birth.is_some(), "place_of_birth"),
                ];
                for (present, m) in members {
                    if present {
                        out.push(Field {
                            pointer: at(m),
                            class: FieldClass::Identity,
                        });
                    }
                }
                continue;
            }
            liaison_record::Entity::Organization(_) => FieldClass::Identity,
            liaison_record::Entity::TravelDocument(_) => FieldClass::TravelDocument,
            liaison_record::Entity::Biometric(_) => FieldClass::Biometric,
            liaison_record::Entity::Conveyance(_) | liaison_record::Entity::Encounter(_) => {
                FieldClass::Movement
            }
            liaison_record::Entity::Location(_) => FieldClass::Location,
            liaison_record::Entity::Alert(_) => FieldClass::Alert,
            liaison_record::Entity::Indicator(_) | liaison_record::Entity::Threat(_) => {
                FieldClass::Indicator
            }
        };
        out.push(Field {
            pointer: format!("/entities/{i}"),
            class,
        });
    }
    for i in 0..record.relationships.len() {
        out.push(Field {
            pointer: format!("/relationships/{i}"),
            class: FieldClass::Association,
        });
    }
    for i in 0..record.narrative.len() {
        out.push(Field {
            pointer: format!("/narrative/{i}"),
            class: FieldClass::Narrative,
        });
    }
    if record.source.is_some() {
        out.push(Field {
            pointer: "/source".to_owned(),
            class: FieldClass::Source,
        });
    }
    if record.assessment != liaison_record::Assessment::default() {
        out.push(Field {
            pointer: "/assessment".to_owned(),
            class: FieldClass::Assessment,
        });
    }
    for (ns, ext) in &record.extensions {
        out.push(Field {
            pointer: format!(
                "/extensions/{}",
                ns.as_str().replace('~', "~0").replace('/', "~1")
            ),
            class: ext.class.unwrap_or(FieldClass::Source),
        });
    }
    out
}

/// Why fields could not be removed.
#[derive(Debug)]
pub(crate) struct WithholdFailure(pub(crate) String);

/// The record without the given fields, relationships to removed entities dropped.
pub(crate) fn withhold(record: &Record, pointers: &[&str]) -> Result<Record, WithholdFailure> {
    let mut value = serde_json::to_value(record).map_err(|e| WithholdFailure(e.to_string()))?;
    let mut sorted: Vec<&str> = pointers.to_vec();
    // Later array elements first, so that indices stay right.
    sorted.sort_by_key(|p| std::cmp::Reverse(segments_key(p)));
    let mut removed_entities = Vec::new();
    for p in sorted {
        let (parent, last) = p
            .rsplit_once('/')
            .ok_or_else(|| WithholdFailure(format!("`{p}` is not a JSON pointer")))?;
        let target = value
            .pointer_mut(parent)
            .ok_or_else(|| WithholdFailure(format!("`{p}` is not in the record")))?;
        match target {
            Value::Object(map) => {
                map.remove(last)
                    .ok_or_else(|| WithholdFailure(format!("`{p}` is not in the record")))?;
            }
            Value::Array(items) => {
                let i: usize = last
                    .parse()
                    .map_err(|_| WithholdFailure(format!("`{p}` is not in the record")))?;
                if i >= items.len() {
                    return Err(WithholdFailure(format!("`{p}` is not in the record")));
                }
                let gone = items.remove(i);
                if parent == "/entities"
                    && let Some(id) = gone.get("id").and_then(Value::as_str)
                {
                    removed_entities.push(id.to_owned());
                }
            }
            _ => return Err(WithholdFailure(format!("`{p}` is not in the record"))),
        }
    }
    if let Some(Value::Array(rels)) = value.get_mut("relationships") {
        rels.retain(|r| {
            let ends = [r.get("source"), r.get("target")];
            !ends.iter().any(|e| {
                e.and_then(|v| v.as_str())
                    .is_some_and(|id| removed_entities.iter().any(|x| x == id))
            })
        });
    }
    serde_json::from_value(value).map_err(|e| WithholdFailure(e.to_string()))
}

fn segments_key(p: &str) -> Vec<(u64, String)> {
    p.split('/')
        .map(|s| (s.parse::<u64>().unwrap_or(u64::MAX), s.to_owned()))
        .collect()
}

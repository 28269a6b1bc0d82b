//! `Deserialize` for [`Entity`], written by hand for speed.
//!
//! serde's derived internally tagged enums buffer every entity into an
//! intermediate tree before reading the variant. Records written by this
//! crate put `kind` first, so the variant can be read straight from the
//! input; only when `kind` comes later are the members buffered (as a
//! [`serde_json::Value`]) and read afterwards. The JSON form is the same
//! either way.

use std::fmt;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::{
    Alert, Biometric, Conveyance, Encounter, Entity, EntityKind, Indicator, Location, Organization,
    Person, Threat, TravelDocument,
};

impl<'de> Deserialize<'de> for Entity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntityVisitor)
    }
}

struct EntityVisitor;

impl<'de> Visitor<'de> for EntityVisitor {
    type Value = Entity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an entity: an object with a `kind` member")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entity, A::Error> {
        match map.next_key::<Key>()? {
            None => Err(de::Error::missing_field("kind")),
            Some(Key::Kind) => {
                let kind: EntityKind = map.next_value()?;
                variant(kind, MapAccessDeserializer::new(map))
            }
            Some(Key::Other(first)) => {
                let mut members = Map::new();
                let value: Value = map.next_value()?;
                members.insert(first, value);
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    if members.contains_key(&key) {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    members.insert(key, value);
                }
                let kind = members
                    .remove("kind")
                    .ok_or_else(|| de::Error::missing_field("kind"))?;
                let kind = EntityKind::deserialize(kind).map_err(de::Error::custom)?;
                variant(kind, Value::Object(members)).map_err(de::Error::custom)
            }
        }
    }
}

/// Reads the variant `kind` from the remaining members.
fn variant<'de, D: Deserializer<'de>>(kind: EntityKind, d: D) -> Result<Entity, D::Error> {
    Ok(match kind {
        EntityKind::Person => Entity::Person(Person::deserialize(d)?),
        EntityKind::Organization => Entity::Organization(Organization::deserialize(d)?),
        EntityKind::TravelDocument => Entity::TravelDocument(TravelDocument::deserialize(d)?),
        EntityKind::Biometric => Entity::Biometric(Biometric::deserialize(d)?),
        EntityKind::Conveyance => Entity::Conveyance(Conveyance::deserialize(d)?),
        EntityKind::Location => Entity::Location(Location::deserialize(d)?),
        EntityKind::Encounter => Entity::Encounter(Encounter::deserialize(d)?),
        EntityKind::Alert => Entity::Alert(Alert::deserialize(d)?),
        EntityKind::Indicator => Entity::Indicator(Indicator::deserialize(d)?),
        EntityKind::Threat => Entity::Threat(Threat::deserialize(d)?),
    })
}

/// A member name: `kind`, or any other (kept, for the buffered path).
enum Key {
    Kind,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(if v == "kind" {
            Key::Kind
        } else {
            Key::Other(v.to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON_FIRST: &str =
        r#"{"kind":"person","id":"5b4c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f","aliases":["Bo"]}"#;
    const PERSON_LATER: &str =
        r#"{"id":"5b4c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f","aliases":["Bo"],"kind":"person"}"#;

    #[test]
    fn kind_first_or_later_reads_the_same() {
        let a: Entity = serde_json::from_str(PERSON_FIRST).unwrap();
        let b: Entity = serde_json::from_str(PERSON_LATER).unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), PERSON_FIRST);
    }

    #[test]
    fn errors() {
        let e = |s: &str| serde_json::from_str::<Entity>(s).unwrap_err().to_string();
        assert!(e("{}").contains("missing field `kind`"));
        assert!(e(r#"{"id":"x"}"#).contains("missing field `kind`"));
        assert!(e(r#"{"kind":"ship"}"#).contains("unknown variant `ship`"));
        assert!(
            e(r#"{"id":"a","aliases":[],"kind":"person","kind":"person"}"#)
                .contains("duplicate field")
        );
        assert!(e(r#"{"kind":"person","kind":"person"}"#).contains("unknown field `kind`"));
        assert!(
            e(r#"{"kind":"person","id":"5b4c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f","nick":"x"}"#)
                .contains("unknown field `nick`")
        );
        assert!(
            e(r#"{"nick":"x","kind":"person","id":"5b4c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f"}"#)
                .contains("unknown field `nick`")
        );
        assert!(e("[]").contains("an entity"));
    }
}

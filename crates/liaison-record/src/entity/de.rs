//! `Deserialize` for [`Entity`], written by hand for speed.
//!
//! serde's derived internally tagged enums buffer every entity into an
//! intermediate tree before reading the variant. Here only the members
//! before `kind` are buffered (each as a [`serde_json::Value`]); once `kind`
//! is read, the variant reads those members and then the rest straight
//! from the input. In canonical form members are sorted by name, so only
//! the few whose names sort before `kind` (`id`, a date, a category) are
//! buffered. The JSON form is the same either way.

use std::fmt;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer as _, MapAccess, Visitor};
use serde_json::Value;

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
        let mut before: Vec<(String, Value)> = Vec::new();
        loop {
            let name = match map.next_key::<Key<'de>>()? {
                None => return Err(de::Error::missing_field("kind")),
                Some(Key::Kind) => break,
                Some(Key::Borrowed(name)) => name.to_owned(),
                Some(Key::Owned(name)) => name,
            };
            let value: Value = map.next_value()?;
            if before.iter().any(|(n, _)| *n == name) {
                return Err(de::Error::custom(format_args!("duplicate field `{name}`")));
            }
            before.push((name, value));
        }
        let kind: EntityKind = map.next_value()?;
        let rest = Rest {
            kind_first: before.is_empty(),
            before: before.into_iter(),
            value: None,
            map,
        };
        variant(kind, de::value::MapAccessDeserializer::new(rest))
    }
}

/// The members of an entity after its `kind`: first those buffered before
/// it, then the rest of the input.
struct Rest<A> {
    before: std::vec::IntoIter<(String, Value)>,
    /// The value of the buffered member whose name was just given.
    value: Option<Value>,
    map: A,
    /// Whether `kind` was the first member: a second `kind` is then an
    /// unknown field of the variant, and otherwise a duplicate.
    kind_first: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((name, value)) = self.before.next() {
            self.value = Some(value);
            return seed
                .deserialize(StrDeserializer::<A::Error>::new(&name))
                .map(Some);
        }
        match self.map.next_key::<Key<'de>>()? {
            None => Ok(None),
            Some(Key::Kind) if !self.kind_first => Err(de::Error::custom("duplicate field `kind`")),
            Some(Key::Kind) => seed
                .deserialize(BorrowedStrDeserializer::<A::Error>::new("kind"))
                .map(Some),
            Some(Key::Borrowed(name)) => seed
                .deserialize(BorrowedStrDeserializer::<A::Error>::new(name))
                .map(Some),
            Some(Key::Owned(name)) => seed
                .deserialize(StrDeserializer::<A::Error>::new(&name))
                .map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed
                .deserialize(value.into_deserializer())
                .map_err(de::Error::custom),
            None => self.map.next_value_seed(seed),
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

/// A member name: `kind`, or any other, borrowed from the input when it
/// can be.
enum Key<'de> {
    Kind,
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(if v == "kind" {
            Key::Kind
        } else {
            Key::Borrowed(v)
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(if v == "kind" {
            Key::Kind
        } else {
            Key::Owned(v.to_owned())
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
    fn members_before_kind_are_read_from_text_and_from_a_tree() {
        // Canonical order puts `date_of_birth` and `id` before `kind`, and
        // the rest after it.
        let text = r#"{"date_of_birth":"1987-03","id":"5b4c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f","kind":"person","names":[{"family":"de Vries","given":"Pieter Jan"}],"nationalities":["NLD"]}"#;
        let from_text: Entity = serde_json::from_str(text).unwrap();
        let tree: Value = serde_json::from_str(text).unwrap();
        let from_tree: Entity = serde_json::from_value(tree).unwrap();
        assert_eq!(from_text, from_tree);
        let Entity::Person(p) = &from_text else {
            panic!("not a person: {from_text:?}");
        };
        assert!(p.date_of_birth.is_some());
        assert_eq!(p.names.len(), 1);
        assert_eq!(p.nationalities.len(), 1);
        // A buffered member of the wrong type is still an error.
        assert!(serde_json::from_str::<Entity>(r#"{"date_of_birth":7,"kind":"person"}"#).is_err());
    }

    #[test]
    fn errors() {
        let e = |s: &str| serde_json::from_str::<Entity>(s).unwrap_err().to_string();
        assert!(e("{}").contains("missing field `kind`"));
        assert!(e(r#"{"id":"x"}"#).contains("missing field `kind`"));
        assert!(e(r#"{"kind":"ship"}"#).contains("unknown variant `ship`"));
        assert!(
            e(r#"{"id":"5b4c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f","aliases":[],"kind":"person","kind":"person"}"#)
                .contains("duplicate field `kind`")
        );
        // A member given before `kind` and again after it, or twice before it.
        assert!(
            e(r#"{"aliases":[],"kind":"person","aliases":[]}"#)
                .contains("duplicate field `aliases`")
        );
        assert!(
            e(r#"{"aliases":[],"aliases":[],"kind":"person"}"#)
                .contains("duplicate field `aliases`")
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

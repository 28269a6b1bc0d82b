//! Field classes of a record: which sensitivity class each field belongs to,
//! at which JSON pointer.
//!
//! The listing follows one granularity rule, which the policy engine relies
//! on: every pointer listed with a class other than [`FieldClass::Control`]
//! can be withheld on its own and the record stays valid (see
//! [`Record::withhold`]). So an entity kind whose required fields are
//! sensitive is listed as a whole (`/entities/3`, class `travel-document`),
//! while a person, whose fields are all optional, is listed field by field
//! (`/entities/0/date_of_birth`, class `identity`). Namespaced extensions
//! are listed on their own, with the class their namespace declares, or
//! [`FieldClass::Source`] when it declares none; an entity's extensions are
//! listed beside the entity, so a listed pointer covers the fields beneath
//! it except those listed on their own.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::problem::push_segment;
use crate::{Entity, EntityKind, Extension, FieldClass, Namespace, Record};

/// One field (or group of fields) of a record and its class.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClassifiedField {
    /// RFC 6901 JSON pointer of the field in the record's JSON form.
    pub pointer: String,
    /// The field's sensitivity class.
    pub class: FieldClass,
}

impl EntityKind {
    /// The class of an entity of this kind. Every kind but
    /// [`EntityKind::Person`] is classified (and withheld) as a whole; a
    /// person's fields are [`FieldClass::Identity`] each, its id and kind
    /// [`FieldClass::Control`].
    pub fn field_class(self) -> FieldClass {
        match self {
            EntityKind::Person | EntityKind::Organization => FieldClass::Identity,
            EntityKind::TravelDocument => FieldClass::TravelDocument,
            EntityKind::Biometric => FieldClass::Biometric,
            EntityKind::Conveyance | EntityKind::Encounter => FieldClass::Movement,
            EntityKind::Location => FieldClass::Location,
            EntityKind::Alert => FieldClass::Alert,
            EntityKind::Indicator | EntityKind::Threat => FieldClass::Indicator,
        }
    }
}

impl Extension {
    /// The class of the extension's data: the declared one, or
    /// [`FieldClass::Source`], the most sensitive, when none is declared.
    pub fn field_class(&self) -> FieldClass {
        self.class.unwrap_or(FieldClass::Source)
    }
}

/// The optional fields of a person, each [`FieldClass::Identity`], in the
/// order they are written.
pub(crate) const PERSON_FIELDS: [&str; 6] = [
    "names",
    "aliases",
    "date_of_birth",
    "sex",
    "nationalities",
    "place_of_birth",
];

impl Record {
    /// Every field of the record with its class, in document order. Control
    /// fields are listed too (and are never withheld).
    pub fn classified_fields(&self) -> Vec<ClassifiedField> {
        let mut out = Vec::new();
        self.for_each_classified_field(|pointer, class| {
            out.push(ClassifiedField {
                pointer: pointer.to_owned(),
                class,
            });
        });
        out
    }

    /// Calls `f` with every field of the record and its class, in document
    /// order, as [`Record::classified_fields`] lists them, without building
    /// the list: the pointer is only borrowed for the call.
    pub fn for_each_classified_field(&self, mut f: impl FnMut(&str, FieldClass)) {
        for control in ["/schema_version", "/id", "/version"] {
            f(control, FieldClass::Control);
        }
        if self.revoked {
            f("/revoked", FieldClass::Control);
        }
        for control in ["/originator", "/created", "/modified", "/marking"] {
            f(control, FieldClass::Control);
        }
        if self.assessment != crate::Assessment::default() {
            f("/assessment", FieldClass::Assessment);
        }
        let mut pointer = String::with_capacity(64);
        for (i, entity) in self.entities.iter().enumerate() {
            pointer.clear();
            pointer.push_str("/entities/");
            push_index(&mut pointer, i);
            let base = pointer.len();
            match entity {
                Entity::Person(p) => {
                    pointer.push_str("/kind");
                    f(&pointer, FieldClass::Control);
                    pointer.truncate(base);
                    pointer.push_str("/id");
                    f(&pointer, FieldClass::Control);
                    let present = [
                        !p.names.is_empty(),
                        !p.aliases.is_empty(),
                        p.date_of_birth.is_some(),
                        p.sex.is_some(),
                        !p.nationalities.is_empty(),
                        p.place_of_birth.is_some(),
                    ];
                    for (name, here) in PERSON_FIELDS.iter().zip(present) {
                        if here {
                            pointer.truncate(base);
                            pointer.push('/');
                            pointer.push_str(name);
                            f(&pointer, FieldClass::Identity);
                        }
                    }
                }
                other => f(&pointer, other.kind().field_class()),
            }
            pointer.truncate(base);
            extensions(entity.extensions(), &mut pointer, &mut f);
        }
        for i in 0..self.relationships.len() {
            pointer.clear();
            pointer.push_str("/relationships/");
            push_index(&mut pointer, i);
            f(&pointer, FieldClass::Association);
        }
        if !self.narrative.is_empty() {
            f("/narrative", FieldClass::Narrative);
        }
        if self.source.is_some() {
            f("/source", FieldClass::Source);
        }
        if !self.provenance.is_empty() {
            f("/provenance", FieldClass::Control);
        }
        pointer.clear();
        extensions(&self.extensions, &mut pointer, &mut f);
    }

    /// The classes of data the record holds, control included.
    pub fn field_classes(&self) -> BTreeSet<FieldClass> {
        self.classified_fields()
            .into_iter()
            .map(|f| f.class)
            .collect()
    }
}

/// Lists the extensions under the pointer `base` (left as it was).
fn extensions(
    x: &BTreeMap<Namespace, Extension>,
    base: &mut String,
    f: &mut impl FnMut(&str, FieldClass),
) {
    let len = base.len();
    for (ns, ext) in x {
        base.push_str("/extensions");
        push_segment(base, ns.as_str());
        f(base.as_str(), ext.field_class());
        base.truncate(len);
    }
}

/// Appends a decimal array index.
fn push_index(pointer: &mut String, i: usize) {
    use std::fmt::Write as _;
    let _ = write!(pointer, "{i}");
}

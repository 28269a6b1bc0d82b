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
pub(crate) const PERSON_FIELDS: [&str; 8] = [
    "names",
    "aliases",
    "date_of_birth",
    "sex",
    "nationalities",
    "place_of_birth",
    "data_subject",
    "special_categories",
];

/// A member beneath a field that [`Record::classified_fields`] lists as one
/// unit (a travel document's `mrz`, the source's `reference`), which can be
/// withheld on its own when it is optional (see [`Record::withhold`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Part {
    /// RFC 6901 JSON pointer of the unit (`/entities/1`, `/source`).
    pub unit: String,
    /// RFC 6901 JSON pointer of the member (`/entities/1/mrz`).
    pub pointer: String,
    /// Whether the unit cannot be valid without the member: withholding a
    /// required member means withholding the whole unit.
    pub required: bool,
}

/// Calls `f` with the name of every member of `entity` present beneath it,
/// other than `kind`, `id` and `extensions`, and whether it is required.
/// Persons are not units (their fields are listed one by one), so they
/// have no parts.
pub(crate) fn entity_parts(entity: &Entity, f: &mut impl FnMut(&'static str, bool)) {
    match entity {
        Entity::Person(_) => {}
        Entity::Organization(o) => {
            f("name", true);
            opt(f, "aliases", !o.aliases.is_empty());
            opt(f, "country", o.country.is_some());
            opt(f, "agency", o.agency.is_some());
            opt(f, "description", o.description.is_some());
        }
        Entity::TravelDocument(d) => {
            f("document_type", true);
            f("issuing_state", true);
            f("number", true);
            opt(f, "issued_on", d.issued_on.is_some());
            opt(f, "expires_on", d.expires_on.is_some());
            f("status", true);
            opt(f, "mrz", !d.mrz.is_empty());
        }
        Entity::Biometric(_) => {
            for m in ["modality", "format", "sha256", "pointer"] {
                f(m, true);
            }
        }
        Entity::Conveyance(c) => {
            f("conveyance_type", true);
            f("identifier", true);
            opt(f, "name", c.name.is_some());
            opt(f, "registration_state", c.registration_state.is_some());
            opt(f, "description", c.description.is_some());
        }
        Entity::Location(l) => {
            opt(f, "name", l.name.is_some());
            opt(f, "country", l.country.is_some());
            opt(f, "locode", l.locode.is_some());
            opt(f, "latitude", l.latitude.is_some());
            opt(f, "longitude", l.longitude.is_some());
        }
        Entity::Encounter(e) => {
            f("encounter_type", true);
            f("at", true);
            opt(f, "location", e.location.is_some());
            f("observed_by", true);
            opt(f, "outcome", e.outcome.is_some());
        }
        Entity::Alert(a) => {
            f("issuing_authority", true);
            f("category", true);
            f("action", true);
            opt(f, "reference", a.reference.is_some());
            f("valid_from", true);
            opt(f, "valid_until", a.valid_until.is_some());
        }
        Entity::Indicator(i) => {
            f("indicator_type", true);
            f("value", true);
            opt(f, "description", i.description.is_some());
            opt(f, "valid_from", i.valid_from.is_some());
            opt(f, "valid_until", i.valid_until.is_some());
        }
        Entity::Threat(t) => {
            f("threat_type", true);
            f("name", true);
            opt(f, "aliases", !t.aliases.is_empty());
            opt(f, "description", t.description.is_some());
            opt(f, "first_seen", t.first_seen.is_some());
            opt(f, "last_seen", t.last_seen.is_some());
        }
    }
}

fn opt(f: &mut impl FnMut(&'static str, bool), name: &'static str, present: bool) {
    if present {
        f(name, false);
    }
}

impl Record {
    /// Every member beneath the units of the record, in document order:
    /// the members of every entity but persons, of the source, of the
    /// assessment, and each relationship's `description`. A unit's
    /// required members are listed too (withholding one withholds the unit).
    pub fn parts(&self) -> Vec<Part> {
        let mut out = Vec::new();
        self.for_each_part(|unit, pointer, required| {
            out.push(Part {
                unit: unit.to_owned(),
                pointer: pointer.to_owned(),
                required,
            });
        });
        out
    }

    /// Calls `f` with each unit's pointer, the pointer of each member
    /// beneath it and whether the member is required, as [`Record::parts`]
    /// lists them, without building the list.
    pub fn for_each_part(&self, mut f: impl FnMut(&str, &str, bool)) {
        let a = &self.assessment;
        for (name, here) in [
            ("source_reliability", a.source_reliability.is_some()),
            (
                "information_credibility",
                a.information_credibility.is_some(),
            ),
            ("confidence", a.confidence.is_some()),
        ] {
            if here {
                f("/assessment", &format!("/assessment/{name}"), false);
            }
        }
        let mut unit = String::with_capacity(32);
        let mut part = String::with_capacity(48);
        for (i, entity) in self.entities.iter().enumerate() {
            unit.clear();
            unit.push_str("/entities/");
            push_index(&mut unit, i);
            entity_parts(entity, &mut |name, required| {
                part.clear();
                part.push_str(&unit);
                part.push('/');
                part.push_str(name);
                f(&unit, &part, required);
            });
        }
        for (i, r) in self.relationships.iter().enumerate() {
            if r.description.is_some() {
                unit.clear();
                unit.push_str("/relationships/");
                push_index(&mut unit, i);
                part.clear();
                part.push_str(&unit);
                part.push_str("/description");
                f(&unit, &part, false);
            }
        }
        if let Some(s) = &self.source {
            f("/source", "/source/source_type", true);
            for (name, here) in [
                ("reference", s.reference.is_some()),
                ("agency", s.agency.is_some()),
                ("description", s.description.is_some()),
                ("consents", !s.consents.is_empty()),
            ] {
                if here {
                    f("/source", &format!("/source/{name}"), false);
                }
            }
        }
    }

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
                        p.data_subject.is_some(),
                        !p.special_categories.is_empty(),
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

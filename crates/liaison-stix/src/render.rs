//! Entities, relationships and records as STIX objects, and back: the
//! mapping tables of `docs/stix.md`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use liaison_record::{
    Entity, EntityKind, FieldClass, IndicatorType, Record, Relationship, ThreatType,
};

use super::ids::{
    EXTENSION_DEFINITION_ID, agency_identity_id, derived_id, is_sco, millis, observable_id,
    split_id, stix_uuid_ok, tlp2_id,
};
use super::keep::{other_extensions, protect};
use super::pattern;

/// The record an object is rendered in: what every object of it carries.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub(crate) record_id: Uuid,
    pub(crate) created: String,
    pub(crate) modified: String,
    /// The record's `created`, at full precision (an indicator's default
    /// `valid_from`).
    pub(crate) created_full: String,
    pub(crate) created_by_ref: String,
    pub(crate) marking_refs: Vec<String>,
    pub(crate) confidence: Option<u8>,
    /// The STIX id of each entity of the record.
    pub(crate) ids: &'a BTreeMap<Uuid, String>,
    /// Leave out references to entities not in `ids` instead of failing
    /// (while the ids themselves are being worked out).
    pub(crate) partial: bool,
}

impl<'a> Frame<'a> {
    pub(crate) fn of(record: &Record, ids: &'a BTreeMap<Uuid, String>) -> Self {
        Frame {
            record_id: record.id,
            created: millis(record.created),
            modified: millis(record.modified),
            created_full: record.created.to_string(),
            created_by_ref: agency_identity_id(&record.originator),
            marking_refs: vec![tlp2_id(record.marking.tlp).to_owned()],
            confidence: record.assessment.confidence,
            ids,
            partial: false,
        }
    }

    fn common(&self, obj: &mut Map<String, Value>, sco: bool) {
        if !sco {
            put(obj, "spec_version", "2.1");
            put(obj, "created", &self.created);
            put(obj, "modified", &self.modified);
            put(obj, "created_by_ref", &self.created_by_ref);
            if let Some(c) = self.confidence {
                obj.insert("confidence".to_owned(), Value::from(c));
            }
        }
        if !self.marking_refs.is_empty() {
            obj.insert(
                "object_marking_refs".to_owned(),
                Value::from(self.marking_refs.clone()),
            );
        }
    }
}

fn put(obj: &mut Map<String, Value>, k: &str, v: &str) {
    obj.insert(k.to_owned(), Value::String(v.to_owned()));
}

/// The project's new object types for the entities STIX has no type for.
pub(crate) const BORDER_TYPES: [&str; 7] = [
    "x-liaison-person",
    "x-liaison-travel-document",
    "x-liaison-biometric",
    "x-liaison-conveyance",
    "x-liaison-encounter",
    "x-liaison-alert",
    "x-liaison-location",
];

/// The type of the object that carries a record's own fields.
pub(crate) const RECORD_TYPE: &str = "x-liaison-record";

const THREATS: [(&str, ThreatType); 7] = [
    ("threat-actor", ThreatType::ThreatActor),
    ("intrusion-set", ThreatType::IntrusionSet),
    ("campaign", ThreatType::Campaign),
    ("malware", ThreatType::Malware),
    ("tool", ThreatType::Tool),
    ("attack-pattern", ThreatType::AttackPattern),
    ("infrastructure", ThreatType::Infrastructure),
];

fn sco_of(t: IndicatorType) -> &'static str {
    match t {
        IndicatorType::Ipv4Addr => "ipv4-addr",
        IndicatorType::Ipv6Addr => "ipv6-addr",
        IndicatorType::DomainName => "domain-name",
        IndicatorType::Url => "url",
        IndicatorType::EmailAddr => "email-addr",
        _ => "file",
    }
}

/// The STIX type an entity is written as; `form` is the type it was
/// imported from, used when the entity can still be written so.
pub(crate) fn stix_type(entity: &Entity, form: Option<&str>) -> &'static str {
    match entity {
        Entity::Person(_) => "x-liaison-person",
        Entity::TravelDocument(_) => "x-liaison-travel-document",
        Entity::Biometric(_) => "x-liaison-biometric",
        Entity::Conveyance(_) => "x-liaison-conveyance",
        Entity::Encounter(_) => "x-liaison-encounter",
        Entity::Alert(_) => "x-liaison-alert",
        Entity::Organization(_) => "identity",
        Entity::Location(l) => {
            let alpha2 = l.country.and_then(|c| c.alpha2()).is_some();
            if form == Some("location") || alpha2 || (l.latitude.is_some() && l.longitude.is_some())
            {
                "location"
            } else {
                "x-liaison-location"
            }
        }
        Entity::Indicator(i) => {
            let sco = sco_of(i.indicator_type);
            if form == Some(sco) { sco } else { "indicator" }
        }
        Entity::Threat(t) => THREATS
            .iter()
            .find(|(_, tt)| *tt == t.threat_type)
            .map_or("threat-actor", |(s, _)| *s),
    }
}

/// Entity fields written as STIX properties of the same meaning:
/// `(entity field, STIX property)`.
pub(crate) fn mapped(stix_type: &str) -> &'static [(&'static str, &'static str)] {
    match stix_type {
        "identity" => &[("name", "name"), ("description", "description")],
        "location" => &[
            ("name", "name"),
            ("latitude", "latitude"),
            ("longitude", "longitude"),
        ],
        "threat-actor" | "intrusion-set" | "campaign" | "malware" | "infrastructure" => &[
            ("name", "name"),
            ("aliases", "aliases"),
            ("description", "description"),
            ("first_seen", "first_seen"),
            ("last_seen", "last_seen"),
        ],
        "tool" | "attack-pattern" => &[
            ("name", "name"),
            ("aliases", "aliases"),
            ("description", "description"),
        ],
        "indicator" => &[
            ("description", "description"),
            ("valid_from", "valid_from"),
            ("valid_until", "valid_until"),
        ],
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" => &[("value", "value")],
        "x-liaison-person" => &[
            ("names", "names"),
            ("aliases", "aliases"),
            ("date_of_birth", "date_of_birth"),
            ("sex", "sex"),
            ("nationalities", "nationalities"),
            ("place_of_birth", "place_of_birth"),
        ],
        "x-liaison-travel-document" => &[
            ("document_type", "document_type"),
            ("issuing_state", "issuing_state"),
            ("number", "number"),
            ("issued_on", "issued_on"),
            ("expires_on", "expires_on"),
            ("status", "status"),
            ("mrz", "mrz"),
        ],
        "x-liaison-biometric" => &[
            ("modality", "modality"),
            ("format", "format"),
            ("sha256", "sha256"),
            ("pointer", "pointer"),
        ],
        "x-liaison-conveyance" => &[
            ("conveyance_type", "conveyance_type"),
            ("identifier", "identifier"),
            ("name", "name"),
            ("registration_state", "registration_state"),
            ("description", "description"),
        ],
        "x-liaison-encounter" => &[
            ("encounter_type", "encounter_type"),
            ("at", "encountered_at"),
            ("observed_by", "observed_by"),
            ("outcome", "outcome"),
        ],
        "x-liaison-alert" => &[
            ("issuing_authority", "issuing_authority"),
            ("category", "category"),
            // `action` is a reserved STIX property name
            ("action", "alert_action"),
            ("reference", "reference"),
            ("valid_from", "valid_from"),
            ("valid_until", "valid_until"),
        ],
        "x-liaison-location" => &[
            ("name", "name"),
            ("country", "country"),
            ("locode", "locode"),
            ("latitude", "latitude"),
            ("longitude", "longitude"),
        ],
        _ => &[],
    }
}

/// The field class of the kept data of an entity.
pub(crate) fn class_of(kind: EntityKind) -> FieldClass {
    match kind {
        EntityKind::Person | EntityKind::Organization => FieldClass::Identity,
        EntityKind::TravelDocument => FieldClass::TravelDocument,
        EntityKind::Biometric => FieldClass::Biometric,
        EntityKind::Conveyance | EntityKind::Encounter => FieldClass::Movement,
        EntityKind::Location => FieldClass::Location,
        EntityKind::Alert => FieldClass::Alert,
        EntityKind::Indicator | EntityKind::Threat => FieldClass::Indicator,
    }
}

/// Why an entity cannot be rendered: a JSON pointer below the entity, and
/// a message.
pub(crate) type RenderError = (String, String);

/// The object an entity is written as, before kept data is applied.
pub(crate) fn render_entity(
    entity: &Entity,
    form: Option<&str>,
    f: &Frame<'_>,
) -> Result<Map<String, Value>, RenderError> {
    let t = stix_type(entity, form);
    let sco = is_sco(t);
    let border = BORDER_TYPES.contains(&t);
    let mut fields = match serde_json::to_value(entity) {
        Ok(Value::Object(m)) => m,
        _ => return Err((String::new(), "the entity cannot be written as JSON".into())),
    };
    for k in ["kind", "id", "extensions"] {
        fields.remove(k);
    }
    let mut obj = Map::new();
    put(&mut obj, "type", t);
    f.common(&mut obj, sco);
    for (field, prop) in mapped(t) {
        if let Some(v) = fields.remove(*field) {
            obj.insert((*prop).to_owned(), v);
        }
    }
    let mut entry = Map::new();
    match entity {
        Entity::Encounter(e) => {
            if let Some(loc) = e.location {
                fields.remove("location");
                match f.ids.get(&loc) {
                    Some(r) => put(&mut obj, "location_ref", r),
                    None if f.partial => {}
                    None => {
                        return Err((
                            "/location".to_owned(),
                            format!(
                                "`{loc}` is not an entity of this record: expected the id of one of its location entities"
                            ),
                        ));
                    }
                }
            }
        }
        Entity::Location(l) if t == "location" => {
            if let Some(a2) = l.country.and_then(|c| c.alpha2()) {
                fields.remove("country");
                put(&mut obj, "country", a2);
            }
        }
        Entity::Threat(_) => {
            fields.remove("threat_type");
            if t == "malware" {
                obj.insert("is_family".to_owned(), Value::Bool(false));
            }
        }
        Entity::Organization(o) => {
            put(&mut obj, "identity_class", "organization");
            if let Some(a) = &o.agency {
                fields.remove("agency");
                put(&mut entry, "agency", a.as_str());
            }
        }
        Entity::Indicator(i) => {
            fields.remove("indicator_type");
            fields.remove("value");
            if t == "indicator" {
                put(
                    &mut obj,
                    "pattern",
                    &pattern::render(i.indicator_type, &i.value),
                );
                put(&mut obj, "pattern_type", "stix");
                if i.valid_from.is_none() {
                    put(&mut obj, "valid_from", &f.created_full);
                    entry.insert("absent".to_owned(), Value::from(vec!["valid_from"]));
                }
            } else if let Some(h) = pattern::hash_name(i.indicator_type) {
                let mut hashes = Map::new();
                put(&mut hashes, h, &i.value);
                obj.insert("hashes".to_owned(), Value::Object(hashes));
            }
        }
        _ => {}
    }
    let liaison_extensions = other_extensions(entity.extensions());
    // STIX asks for UUID v4 ids on everything but cyber observables.
    let uuid_ok = entity.id().get_version_num() == 4;
    if border {
        let mut ext = Map::new();
        ext.insert(EXTENSION_DEFINITION_ID.to_owned(), new_sdo_entry());
        obj.insert("extensions".to_owned(), Value::Object(ext));
        if !uuid_ok {
            put(&mut obj, "entity_id", &entity.id().to_string());
        }
        if !liaison_extensions.is_empty() {
            obj.insert(
                "liaison_extensions".to_owned(),
                protect(Value::Object(liaison_extensions)),
            );
        }
        for (k, v) in fields {
            obj.entry(k).or_insert(v);
        }
    } else {
        if !fields.is_empty() {
            entry.insert("fields".to_owned(), protect(Value::Object(fields)));
        }
        if !liaison_extensions.is_empty() {
            entry.insert(
                "liaison_extensions".to_owned(),
                protect(Value::Object(liaison_extensions)),
            );
        }
    }
    let id = if sco {
        let mut id = observable_id(t, &Value::Object(obj.clone()));
        if split_id(&id).map(|(_, u)| u) != Some(entity.id()) {
            put(&mut entry, "entity_id", &entity.id().to_string());
            attach(&mut obj, entry);
            id = observable_id(t, &Value::Object(obj.clone()));
        } else {
            attach(&mut obj, entry);
        }
        id
    } else {
        if !uuid_ok && !border {
            put(&mut entry, "entity_id", &entity.id().to_string());
        }
        attach(&mut obj, entry);
        sdo_id(t, entity)
    };
    put(&mut obj, "id", &id);
    Ok(obj)
}

/// The id of an entity written as an SDO of type `t`.
fn sdo_id(t: &str, entity: &Entity) -> String {
    if entity.id().get_version_num() == 4 {
        format!("{t}--{}", entity.id())
    } else {
        format!("{t}--{}", derived_id(&format!("{t}/{}", entity.id())))
    }
}

/// The id an entity is rendered with (before kept data is applied); only a
/// cyber observable, whose id depends on its content, is rendered for it.
pub(crate) fn rendered_id(
    entity: &Entity,
    form: Option<&str>,
    f: &Frame<'_>,
) -> Result<String, RenderError> {
    let t = stix_type(entity, form);
    if is_sco(t) {
        let obj = render_entity(entity, form, f)?;
        Ok(obj
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    } else {
        Ok(sdo_id(t, entity))
    }
}

fn new_sdo_entry() -> Value {
    let mut m = Map::new();
    put(&mut m, "extension_type", "new-sdo");
    Value::Object(m)
}

/// Adds the project's property extension to `obj` when it has content.
fn attach(obj: &mut Map<String, Value>, mut entry: Map<String, Value>) {
    if entry.is_empty() {
        return;
    }
    put(&mut entry, "extension_type", "property-extension");
    let mut ext = Map::new();
    ext.insert(EXTENSION_DEFINITION_ID.to_owned(), Value::Object(entry));
    obj.insert("extensions".to_owned(), Value::Object(ext));
}

/// The id of the `n`-th relationship with the same source, type and target
/// in a record.
pub(crate) fn relationship_id(record: Uuid, r: &Relationship, n: usize) -> String {
    let name = format!(
        "relationship/{record}/{}/{}/{}/{n}",
        r.source, r.relationship, r.target
    );
    format!("relationship--{}", derived_id(&name))
}

/// The object a relationship is written as, before kept data is applied.
pub(crate) fn render_relationship(
    r: &Relationship,
    n: usize,
    f: &Frame<'_>,
) -> Result<Map<String, Value>, RenderError> {
    let mut obj = Map::new();
    put(&mut obj, "type", "relationship");
    put(&mut obj, "id", &relationship_id(f.record_id, r, n));
    f.common(&mut obj, false);
    put(&mut obj, "relationship_type", &r.relationship);
    for (field, prop, id) in [
        ("source", "source_ref", r.source),
        ("target", "target_ref", r.target),
    ] {
        let s = f.ids.get(&id).ok_or_else(|| {
            (
                format!("/{field}"),
                format!(
                    "`{id}` is not an entity of this record: expected the id of one of its entities"
                ),
            )
        })?;
        put(&mut obj, prop, s);
    }
    if let Some(d) = &r.description {
        put(&mut obj, "description", d);
    }
    Ok(obj)
}

/// The id of the object that carries a record's own fields.
pub(crate) fn record_object_id(record: &Record) -> String {
    if stix_uuid_ok(&record.id) {
        format!("{RECORD_TYPE}--{}", record.id)
    } else {
        format!(
            "{RECORD_TYPE}--{}",
            derived_id(&format!("record/{}", record.id))
        )
    }
}

/// The record's own fields: everything but entities, relationships and
/// kept STIX data.
pub(crate) fn record_fields(record: &Record) -> Map<String, Value> {
    // A shell without the entities, so that they are not written only to
    // be dropped; every field is named, so a new field cannot be missed.
    let shell = Record {
        schema_version: record.schema_version.clone(),
        id: record.id,
        version: record.version,
        revoked: record.revoked,
        originator: record.originator.clone(),
        created: record.created,
        modified: record.modified,
        marking: record.marking.clone(),
        assessment: record.assessment,
        entities: Vec::new(),
        relationships: Vec::new(),
        narrative: record.narrative.clone(),
        source: record.source.clone(),
        provenance: record.provenance.clone(),
        extensions: BTreeMap::new(),
    };
    let mut m = match serde_json::to_value(&shell) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let others = other_extensions(&record.extensions);
    if !others.is_empty() {
        m.insert("extensions".to_owned(), Value::Object(others));
    }
    m
}

/// The `x-liaison-record` object of a record.
pub(crate) fn render_record(
    record: &Record,
    f: &Frame<'_>,
    object_refs: Vec<String>,
) -> Map<String, Value> {
    let mut obj = Map::new();
    put(&mut obj, "type", RECORD_TYPE);
    put(&mut obj, "id", &record_object_id(record));
    f.common(&mut obj, false);
    obj.insert(
        "record".to_owned(),
        protect(Value::Object(record_fields(record))),
    );
    if !object_refs.is_empty() {
        obj.insert("object_refs".to_owned(), Value::from(object_refs));
    }
    let mut ext = Map::new();
    ext.insert(EXTENSION_DEFINITION_ID.to_owned(), new_sdo_entry());
    obj.insert("extensions".to_owned(), Value::Object(ext));
    obj
}

/// The threat type of a STIX type.
pub(crate) fn threat_type(stix_type: &str) -> Option<ThreatType> {
    THREATS
        .iter()
        .find(|(s, _)| *s == stix_type)
        .map(|(_, t)| *t)
}

//! The slow path: when the typed parse fails, the document is walked as a
//! [`serde_json::Value`] and each member is read on its own, so that every
//! problem is found, each with its own pointer.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::problem::{Problem, push_segment};
use crate::{
    AgencyId, AgreementRef, AlertAction, CalendarDate, Caveat, Classification, Consent,
    ConveyanceType, CountryCode, DocumentStatus, DocumentType, EncounterOutcome, EncounterType,
    EntityKind, FieldClass, IndicatorType, InformationCredibility, Modality, Namespace,
    Obligations, PartialDate, Party, PersonName, Purpose, Sex, SourceReliability, SourceType,
    ThreatType, Timestamp, Tlp,
};

/// How one member is checked.
pub(crate) type Check = fn(&Value, &mut Walk);

/// A member of an object: its name, whether it is required, how it is checked.
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) required: bool,
    check: Check,
}

const fn req(name: &'static str, check: Check) -> Field {
    Field {
        name,
        required: true,
        check,
    }
}

const fn opt(name: &'static str, check: Check) -> Field {
    Field {
        name,
        required: false,
        check,
    }
}

/// The walk's state: the pointer of the current value and the problems found.
pub(crate) struct Walk {
    pointer: String,
    pub(crate) problems: Vec<Problem>,
}

impl Walk {
    pub(crate) fn new(base: &str) -> Self {
        Self {
            pointer: base.to_owned(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, message: impl Into<String>) {
        self.problems
            .push(Problem::new(self.pointer.clone(), message));
    }

    fn at(&mut self, segment: &str, f: impl FnOnce(&mut Self)) {
        let len = self.pointer.len();
        push_segment(&mut self.pointer, segment);
        f(self);
        self.pointer.truncate(len);
    }

    fn object(&mut self, v: &Value, what: &str, fields: &[Field]) {
        let Value::Object(map) = v else {
            self.problem(format!("{} where {what} was expected", describe(v)));
            return;
        };
        for (key, value) in map {
            match fields.iter().find(|f| f.name == key) {
                Some(f) => self.at(key, |w| (f.check)(value, w)),
                None => self.at(key, |w| {
                    let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
                    w.problem(format!(
                        "unknown field `{}`: expected one of {} (other data goes under `extensions`, in a namespace)",
                        cut(key),
                        names.join(", ")
                    ));
                }),
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            if !map.contains_key(f.name) {
                self.at(f.name, |w| {
                    w.problem(format!("missing field `{}` of {what}", f.name))
                });
            }
        }
    }

    fn array(&mut self, v: &Value, what: &str, each: Check) {
        let Value::Array(items) = v else {
            self.problem(format!(
                "{} where an array of {what} was expected",
                describe(v)
            ));
            return;
        };
        for (i, item) in items.iter().enumerate() {
            self.at(&i.to_string(), |w| each(item, w));
        }
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Reads `v` as a `T`, reporting serde's message on failure.
fn leaf<T: DeserializeOwned>(v: &Value, w: &mut Walk) {
    if let Err(e) = T::deserialize(v) {
        w.problem(e.to_string());
    }
}

fn any(_: &Value, _: &mut Walk) {}

fn uuid(v: &Value, w: &mut Walk) {
    match v {
        Value::String(s) if s.parse::<uuid::Uuid>().is_err() => w.problem(format!(
            "`{}` is not a UUID: expected the hyphenated form, such as `0b7e5b2c-9a4d-4c1e-8f3a-2d6b7c8e9f01`",
            cut(s)
        )),
        Value::String(_) => {}
        other => w.problem(format!("{} where a UUID string was expected", describe(other))),
    }
}

fn uuid_or_null(v: &Value, w: &mut Walk) {
    if !v.is_null() {
        uuid(v, w);
    }
}

fn each<T: DeserializeOwned>(v: &Value, w: &mut Walk) {
    w.array(v, "values", leaf::<T>);
}

/// Walks a whole record at the walk's pointer.
pub(crate) fn record(v: &Value, w: &mut Walk) {
    w.object(v, "a record", RECORD);
}

/// The members of a record, in the order of [`crate::Record`].
pub(crate) const RECORD: &[Field] = &[
    req("schema_version", leaf::<String>),
    req("id", uuid),
    req("version", leaf::<u32>),
    opt("revoked", leaf::<bool>),
    req("originator", leaf::<AgencyId>),
    req("created", leaf::<Timestamp>),
    req("modified", leaf::<Timestamp>),
    req("marking", |v, w| w.object(v, "a marking", MARKING)),
    opt("assessment", |v, w| {
        w.object(v, "an assessment", ASSESSMENT)
    }),
    opt("entities", |v, w| w.array(v, "entities", entity)),
    opt("relationships", |v, w| {
        w.array(v, "relationships", |v, w| {
            w.object(v, "a relationship", RELATIONSHIP)
        })
    }),
    opt("narrative", |v, w| {
        w.array(v, "narratives", |v, w| {
            w.object(v, "a narrative", NARRATIVE)
        })
    }),
    opt("source", |v, w| {
        if !v.is_null() {
            w.object(v, "a source", SOURCE);
        }
    }),
    opt("provenance", |v, w| {
        w.array(v, "provenance entries", |v, w| {
            w.object(v, "a provenance entry", PROVENANCE)
        })
    }),
    opt("extensions", extensions),
];

pub(crate) const MARKING: &[Field] = &[
    req("classification", leaf::<Classification>),
    req("tlp", leaf::<Tlp>),
    opt("caveats", each::<Caveat>),
    opt("releasable_to", each::<Party>),
    opt("legal_basis", leaf::<Option<String>>),
    opt("purposes", each::<Purpose>),
    opt("review_by", leaf::<Option<CalendarDate>>),
    opt("h3", leaf::<Option<crate::H3Restrictions>>),
];

pub(crate) const ASSESSMENT: &[Field] = &[
    opt("source_reliability", leaf::<Option<SourceReliability>>),
    opt(
        "information_credibility",
        leaf::<Option<InformationCredibility>>,
    ),
    opt("confidence", leaf::<Option<u8>>),
];

pub(crate) const RELATIONSHIP: &[Field] = &[
    req("source", uuid),
    req("relationship", leaf::<String>),
    req("target", uuid),
    opt("description", leaf::<Option<String>>),
];

pub(crate) const NARRATIVE: &[Field] = &[req("lang", leaf::<String>), req("text", leaf::<String>)];

pub(crate) const SOURCE: &[Field] = &[
    req("source_type", leaf::<SourceType>),
    opt("reference", leaf::<Option<String>>),
    opt("agency", leaf::<Option<AgencyId>>),
    opt("description", leaf::<Option<String>>),
    opt("consents", each::<Consent>),
];

pub(crate) const PROVENANCE: &[Field] = &[
    req("from", leaf::<AgencyId>),
    req("to", leaf::<AgencyId>),
    req("at", leaf::<Timestamp>),
    req("purpose", leaf::<Purpose>),
    req("agreement", leaf::<AgreementRef>),
    req("decision", uuid),
    opt("withheld", each::<String>),
    req("obligations", leaf::<Obligations>),
    opt("consents", each::<Consent>),
];

pub(crate) const EXTENSION: &[Field] =
    &[opt("class", leaf::<Option<FieldClass>>), req("data", any)];

fn extensions(v: &Value, w: &mut Walk) {
    let Value::Object(map) = v else {
        w.problem(format!(
            "{} where an object of namespaced extensions was expected",
            describe(v)
        ));
        return;
    };
    for (ns, ext) in map {
        w.at(ns, |w| {
            if let Err(e) = ns.parse::<Namespace>() {
                w.problem(e.to_string());
            }
            w.object(ext, "an extension (`class` and `data`)", EXTENSION);
        });
    }
}

/// The kinds of entity, as written, for messages.
const KINDS: &str = "`person`, `organization`, `travel-document`, `biometric`, `conveyance`, `location`, `encounter`, `alert`, `indicator` or `threat`";

fn entity(v: &Value, w: &mut Walk) {
    let Value::Object(map) = v else {
        w.problem(format!("{} where an entity was expected", describe(v)));
        return;
    };
    let Some(kind) = map.get("kind") else {
        w.problem(format!(
            "an entity without `kind`: expected a `kind` member, one of {KINDS}"
        ));
        return;
    };
    let Ok(kind) = EntityKind::deserialize(kind) else {
        w.at("kind", |w| {
            w.problem(format!("{}: expected one of {KINDS}", describe_kind(kind)))
        });
        return;
    };
    w.object(v, kind_name(kind), entity_fields(kind));
}

fn describe_kind(v: &Value) -> String {
    match v {
        Value::String(s) => format!("unknown kind `{}`", cut(s)),
        other => format!("{} as `kind`", describe(other)),
    }
}

fn kind_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "a person",
        EntityKind::Organization => "an organization",
        EntityKind::TravelDocument => "a travel document",
        EntityKind::Biometric => "a biometric reference",
        EntityKind::Conveyance => "a conveyance",
        EntityKind::Location => "a location",
        EntityKind::Encounter => "an encounter",
        EntityKind::Alert => "an alert",
        EntityKind::Indicator => "an indicator",
        EntityKind::Threat => "a threat",
    }
}

/// The members of each kind of entity (including `kind` itself).
pub(crate) fn entity_fields(kind: EntityKind) -> &'static [Field] {
    match kind {
        EntityKind::Person => PERSON,
        EntityKind::Organization => ORGANIZATION,
        EntityKind::TravelDocument => TRAVEL_DOCUMENT,
        EntityKind::Biometric => BIOMETRIC,
        EntityKind::Conveyance => CONVEYANCE,
        EntityKind::Location => LOCATION,
        EntityKind::Encounter => ENCOUNTER,
        EntityKind::Alert => ALERT,
        EntityKind::Indicator => INDICATOR,
        EntityKind::Threat => THREAT,
    }
}

const PERSON: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    opt("names", each::<PersonName>),
    opt("aliases", each::<String>),
    opt("date_of_birth", leaf::<Option<PartialDate>>),
    opt("sex", leaf::<Option<Sex>>),
    opt("nationalities", each::<CountryCode>),
    opt("place_of_birth", leaf::<Option<String>>),
    opt("data_subject", leaf::<Option<crate::DataSubject>>),
    opt("special_categories", each::<crate::SpecialCategory>),
    opt("extensions", extensions),
];

const ORGANIZATION: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("name", leaf::<String>),
    opt("aliases", each::<String>),
    opt("country", leaf::<Option<CountryCode>>),
    opt("agency", leaf::<Option<AgencyId>>),
    opt("description", leaf::<Option<String>>),
    opt("extensions", extensions),
];

const TRAVEL_DOCUMENT: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("document_type", leaf::<DocumentType>),
    req("issuing_state", leaf::<CountryCode>),
    req("number", leaf::<String>),
    opt("issued_on", leaf::<Option<PartialDate>>),
    opt("expires_on", leaf::<Option<PartialDate>>),
    req("status", leaf::<DocumentStatus>),
    opt("mrz", each::<String>),
    opt("extensions", extensions),
];

const BIOMETRIC: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("modality", leaf::<Modality>),
    req("format", leaf::<String>),
    req("sha256", leaf::<String>),
    req("pointer", leaf::<String>),
    opt("extensions", extensions),
];

const CONVEYANCE: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("conveyance_type", leaf::<ConveyanceType>),
    req("identifier", leaf::<String>),
    opt("name", leaf::<Option<String>>),
    opt("registration_state", leaf::<Option<CountryCode>>),
    opt("description", leaf::<Option<String>>),
    opt("extensions", extensions),
];

const LOCATION: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    opt("name", leaf::<Option<String>>),
    opt("country", leaf::<Option<CountryCode>>),
    opt("locode", leaf::<Option<String>>),
    opt("latitude", leaf::<Option<f64>>),
    opt("longitude", leaf::<Option<f64>>),
    opt("extensions", extensions),
];

const ENCOUNTER: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("encounter_type", leaf::<EncounterType>),
    req("at", leaf::<Timestamp>),
    opt("location", uuid_or_null),
    req("observed_by", leaf::<AgencyId>),
    opt("outcome", leaf::<Option<EncounterOutcome>>),
    opt("extensions", extensions),
];

const ALERT: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("issuing_authority", leaf::<Party>),
    req("category", leaf::<String>),
    req("action", leaf::<AlertAction>),
    opt("reference", leaf::<Option<String>>),
    req("valid_from", leaf::<Timestamp>),
    opt("valid_until", leaf::<Option<Timestamp>>),
    opt("extensions", extensions),
];

const INDICATOR: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("indicator_type", leaf::<IndicatorType>),
    req("value", leaf::<String>),
    opt("description", leaf::<Option<String>>),
    opt("valid_from", leaf::<Option<Timestamp>>),
    opt("valid_until", leaf::<Option<Timestamp>>),
    opt("extensions", extensions),
];

const THREAT: &[Field] = &[
    req("kind", any),
    req("id", uuid),
    req("threat_type", leaf::<ThreatType>),
    req("name", leaf::<String>),
    opt("aliases", each::<String>),
    opt("description", leaf::<Option<String>>),
    opt("first_seen", leaf::<Option<Timestamp>>),
    opt("last_seen", leaf::<Option<Timestamp>>),
    opt("extensions", extensions),
];

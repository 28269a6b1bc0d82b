//! The shape of an agreement, walked over the parsed tree so that every
//! problem is found at once (serde stops at the first), each with a hint.

use serde::de::DeserializeOwned;
use serde_json::Value;

use liaison_record::match_keys::MatchKeyKind;
use liaison_record::{
    AgencyId, Attribution, Caveat, Classification, EntityKind, FieldClass, InformationCredibility,
    Party, Purpose, SourceReliability, SourceType, Timestamp, Tlp,
};
use liaison_record::{DataSubject, NotificationEvent, SpecialCategory};

use crate::agreement::{Effect, OnwardOthers, OnwardRule, RetentionStart, Transformation};
use crate::request::{RequestKind, Urgency};
use crate::source::escape;

/// One problem found by the walk.
#[derive(Debug)]
pub(crate) struct RawProblem {
    /// Where: the JSON pointer of the value (or of the key's value).
    pub(crate) pointer: String,
    /// Whether the problem is the key itself (unknown key) rather than the value.
    pub(crate) at_key: bool,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

#[derive(Clone, Copy)]
enum Shape {
    Table(&'static [Field]),
    ArrayOf(&'static Shape),
    Leaf(Leaf),
}

#[derive(Clone, Copy)]
struct Field {
    key: &'static str,
    shape: Shape,
    required: bool,
}

const fn req(key: &'static str, shape: Shape) -> Field {
    Field {
        key,
        shape,
        required: true,
    }
}

const fn opt(key: &'static str, shape: Shape) -> Field {
    Field {
        key,
        shape,
        required: false,
    }
}

#[derive(Clone, Copy)]
enum Leaf {
    Text,
    Count,
    Bool,
    Time,
    Agency,
    Party,
    Purpose,
    Classification,
    Tlp,
    Caveat,
    EntityKind,
    FieldClass,
    Transformation,
    Effect,
    Onward,
    Attribution,
    Reliability,
    Credibility,
    SourceType,
    DataSubject,
    SpecialCategory,
    Pointer,
    OnwardOthers,
    RetentionStart,
    RequestKind,
    Urgency,
    NotificationEvent,
    MatchKeyKind,
}

const fn list(leaf: &'static Shape) -> Shape {
    Shape::ArrayOf(leaf)
}

const PARTY: Shape = Shape::Leaf(Leaf::Party);
const PURPOSE: Shape = Shape::Leaf(Leaf::Purpose);
const CLAUSE_ID: Shape = Shape::Leaf(Leaf::Text);
const CAVEAT: Shape = Shape::Leaf(Leaf::Caveat);
const ENTITY_KIND: Shape = Shape::Leaf(Leaf::EntityKind);
const FIELD_CLASS: Shape = Shape::Leaf(Leaf::FieldClass);
const TRANSFORMATION: Shape = Shape::Leaf(Leaf::Transformation);
const POINTER: Shape = Shape::Leaf(Leaf::Pointer);
const AGENCY: Shape = Shape::Leaf(Leaf::Agency);
const SOURCE_TYPE: Shape = Shape::Leaf(Leaf::SourceType);
const DATA_SUBJECT: Shape = Shape::Leaf(Leaf::DataSubject);
const SPECIAL_CATEGORY: Shape = Shape::Leaf(Leaf::SpecialCategory);
const REQUEST_KIND: Shape = Shape::Leaf(Leaf::RequestKind);
const URGENCY: Shape = Shape::Leaf(Leaf::Urgency);

const NOTIFICATION: Shape = Shape::Table(&[
    req("on", Shape::Leaf(Leaf::NotificationEvent)),
    opt("within_hours", Shape::Leaf(Leaf::Count)),
    opt("channel", Shape::Leaf(Leaf::Text)),
]);

const OBLIGATIONS: Shape = Shape::Table(&[
    opt("retention_days", Shape::Leaf(Leaf::Count)),
    opt("onward", Shape::Leaf(Leaf::Onward)),
    opt("onward_only_to", list(&PARTY)),
    opt("notify_on_use", Shape::Leaf(Leaf::Bool)),
    opt("notify_on_onward", Shape::Leaf(Leaf::Bool)),
    opt("attribution", Shape::Leaf(Leaf::Attribution)),
    opt("encrypt_at_rest", Shape::Leaf(Leaf::Bool)),
    opt("onward_others", Shape::Leaf(Leaf::OnwardOthers)),
    opt("retention_from", Shape::Leaf(Leaf::RetentionStart)),
    opt("review_after_days", Shape::Leaf(Leaf::Count)),
    opt("notify", list(&NOTIFICATION)),
]);

const CONDITIONS: Shape = Shape::Table(&[
    opt("entity_kinds", list(&ENTITY_KIND)),
    opt("only_entity_kinds", list(&ENTITY_KIND)),
    opt("max_classification", Shape::Leaf(Leaf::Classification)),
    opt("min_classification", Shape::Leaf(Leaf::Classification)),
    opt("max_tlp", Shape::Leaf(Leaf::Tlp)),
    opt("min_tlp", Shape::Leaf(Leaf::Tlp)),
    opt("caveats_any", list(&CAVEAT)),
    opt("caveats_none", list(&CAVEAT)),
    opt("purposes", list(&PURPOSE)),
    opt("min_source_reliability", Shape::Leaf(Leaf::Reliability)),
    opt(
        "min_information_credibility",
        Shape::Leaf(Leaf::Credibility),
    ),
    opt("max_age_days", Shape::Leaf(Leaf::Count)),
    opt("min_age_days", Shape::Leaf(Leaf::Count)),
    opt("max_source_reliability", Shape::Leaf(Leaf::Reliability)),
    opt(
        "max_information_credibility",
        Shape::Leaf(Leaf::Credibility),
    ),
    opt("source_types", list(&SOURCE_TYPE)),
    opt("source_agencies", list(&AGENCY)),
    opt("third_party_source", Shape::Leaf(Leaf::Bool)),
    opt("data_subjects", list(&DATA_SUBJECT)),
    opt("special_categories", list(&SPECIAL_CATEGORY)),
    opt("request_kinds", list(&REQUEST_KIND)),
    opt("urgencies", list(&URGENCY)),
]);

const RELEASE: Shape = Shape::Table(&[
    opt("classes", list(&FIELD_CLASS)),
    opt("fields", list(&POINTER)),
    opt("withhold", list(&POINTER)),
    opt("transform", list(&TRANSFORMATION)),
]);

const CLAUSE: Shape = Shape::Table(&[
    req("id", Shape::Leaf(Leaf::Text)),
    opt("description", Shape::Leaf(Leaf::Text)),
    opt("when", CONDITIONS),
    req("effect", Shape::Leaf(Leaf::Effect)),
    opt("release", RELEASE),
    opt("obligations", OBLIGATIONS),
    opt("overrides", list(&CLAUSE_ID)),
]);

const AGREEMENT: Shape = Shape::Table(&[
    req("id", Shape::Leaf(Leaf::Text)),
    req("version", Shape::Leaf(Leaf::Count)),
    opt("title", Shape::Leaf(Leaf::Text)),
    req("provider", Shape::Leaf(Leaf::Agency)),
    req("recipients", list(&PARTY)),
    req("valid_from", Shape::Leaf(Leaf::Time)),
    opt("valid_until", Shape::Leaf(Leaf::Time)),
    opt("suspended_from", Shape::Leaf(Leaf::Time)),
    opt("terminated_at", Shape::Leaf(Leaf::Time)),
    opt("obligations_survive", Shape::Leaf(Leaf::Bool)),
    req("legal_basis", Shape::Leaf(Leaf::Text)),
    req("purposes", list(&PURPOSE)),
    req("max_classification", Shape::Leaf(Leaf::Classification)),
    opt("known_caveats", list(&CAVEAT)),
    opt("obligations", OBLIGATIONS),
    opt("require_post_quantum", POST_QUANTUM),
    opt("clause", list(&CLAUSE)),
    opt("match", list(&MATCH)),
]);

const MATCH_KEY_KIND: Shape = Shape::Leaf(Leaf::MatchKeyKind);

const MATCH: Shape = Shape::Table(&[
    req("id", Shape::Leaf(Leaf::Text)),
    opt("description", Shape::Leaf(Leaf::Text)),
    req("partners", list(&PARTY)),
    req("purposes", list(&PURPOSE)),
    req("key_kinds", list(&MATCH_KEY_KIND)),
    req(
        "budget",
        Shape::Table(&[
            req("per_day", Shape::Leaf(Leaf::Count)),
            req("per_batch", Shape::Leaf(Leaf::Count)),
        ]),
    ),
    opt("reveal_reference", Shape::Leaf(Leaf::Bool)),
    opt("obligations", OBLIGATIONS),
]);

const POST_QUANTUM: Shape = Shape::Table(&[
    opt("min_classification", Shape::Leaf(Leaf::Classification)),
    opt("partners", list(&PARTY)),
]);

/// Walks a whole agreement tree and returns every problem found.
pub(crate) fn check_agreement(value: &Value) -> Vec<RawProblem> {
    let mut problems = Vec::new();
    walk(&AGREEMENT, value, "", &mut problems);
    problems
}

fn walk(shape: &Shape, value: &Value, pointer: &str, out: &mut Vec<RawProblem>) {
    match (shape, value) {
        (Shape::Table(fields), Value::Object(map)) => {
            for (key, v) in map {
                let child = format!("{pointer}/{}", escape(key));
                match fields.iter().find(|f| f.key == key) {
                    Some(f) => walk(&f.shape, v, &child, out),
                    None => {
                        let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
                        out.push(RawProblem {
                            pointer: child,
                            at_key: true,
                            message: format!("unknown key `{key}`"),
                            help: Some(match closest(key, &known) {
                                Some(k) => format!("did you mean `{k}`?"),
                                None => format!("expected one of {}", quoted(&known)),
                            }),
                        });
                    }
                }
            }
            for f in fields.iter().filter(|f| f.required) {
                if !map.contains_key(f.key) {
                    out.push(RawProblem {
                        pointer: pointer.to_owned(),
                        at_key: false,
                        message: format!("missing key `{}`", f.key),
                        help: Some(format!("add `{} = ...`", f.key)),
                    });
                }
            }
        }
        (Shape::Table(_), other) => out.push(type_problem(pointer, "a table", other)),
        (Shape::ArrayOf(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                walk(item, v, &format!("{pointer}/{i}"), out);
            }
        }
        (Shape::ArrayOf(_), other) => out.push(type_problem(pointer, "a list `[...]`", other)),
        (Shape::Leaf(leaf), v) => {
            if let Err((message, help)) = check_leaf(*leaf, v) {
                out.push(RawProblem {
                    pointer: pointer.to_owned(),
                    at_key: false,
                    message,
                    help,
                });
            }
        }
    }
}

fn type_problem(pointer: &str, expected: &str, found: &Value) -> RawProblem {
    RawProblem {
        pointer: pointer.to_owned(),
        at_key: false,
        message: format!("expected {expected}, found {}", kind_of(found)),
        help: None,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

type LeafResult = Result<(), (String, Option<String>)>;

fn check_leaf(leaf: Leaf, v: &Value) -> LeafResult {
    match leaf {
        Leaf::Text => match v {
            Value::String(s) if !s.trim().is_empty() => Ok(()),
            Value::String(_) => Err(("empty text".to_owned(), Some("write some text".into()))),
            other => Err((format!("expected a string, found {}", kind_of(other)), None)),
        },
        Leaf::Count => match v.as_u64() {
            Some(n) if u32::try_from(n).is_ok() => Ok(()),
            _ => Err((
                format!("expected a whole number from 0 to {}, found `{v}`", u32::MAX),
                None,
            )),
        },
        Leaf::Bool => match v {
            Value::Bool(_) => Ok(()),
            other => Err((
                format!("expected `true` or `false`, found {}", kind_of(other)),
                None,
            )),
        },
        Leaf::Time => parsed::<Timestamp>(v),
        Leaf::Agency => parsed::<AgencyId>(v),
        Leaf::Party => parsed::<Party>(v),
        Leaf::Purpose => parsed::<Purpose>(v),
        Leaf::Caveat => parsed::<Caveat>(v),
        Leaf::Classification => word::<Classification>(v, "classification", CLASSIFICATIONS),
        Leaf::Tlp => word::<Tlp>(v, "TLP label", TLPS),
        Leaf::EntityKind => word::<EntityKind>(v, "entity kind", ENTITY_KINDS),
        Leaf::FieldClass => word::<FieldClass>(v, "field class", FIELD_CLASSES),
        Leaf::Transformation => word::<Transformation>(v, "transformation", TRANSFORMATIONS),
        Leaf::Effect => word::<Effect>(v, "effect", EFFECTS),
        Leaf::Onward => word::<OnwardRule>(v, "onward rule", ONWARD_RULES),
        Leaf::Attribution => word::<Attribution>(v, "attribution", ATTRIBUTIONS),
        Leaf::Reliability => word::<SourceReliability>(v, "source reliability", RELIABILITIES),
        Leaf::Credibility => {
            word::<InformationCredibility>(v, "information credibility", CREDIBILITIES)
        }
        Leaf::SourceType => word::<SourceType>(v, "source type", SOURCE_TYPES),
        Leaf::DataSubject => word::<DataSubject>(v, "data-subject category", DATA_SUBJECTS),
        Leaf::SpecialCategory => {
            word::<SpecialCategory>(v, "special category", SPECIAL_CATEGORIES)
        }
        Leaf::OnwardOthers => word::<OnwardOthers>(v, "rule for the other parties", ONWARD_OTHERS),
        Leaf::RetentionStart => word::<RetentionStart>(v, "start of retention", RETENTION_STARTS),
        Leaf::RequestKind => word::<RequestKind>(v, "request kind", REQUEST_KINDS),
        Leaf::Urgency => word::<Urgency>(v, "urgency", URGENCIES),
        Leaf::NotificationEvent => {
            word::<NotificationEvent>(v, "event to notify", NOTIFICATION_EVENTS)
        }
        Leaf::MatchKeyKind => word::<MatchKeyKind>(v, "match key kind", MATCH_KEY_KINDS),
        Leaf::Pointer => match v.as_str() {
            Some(p) if p.starts_with('/') && !p.ends_with('/') => Ok(()),
            Some(p) => Err((
                format!("`{p}` is not a field path"),
                Some(
                    "write a JSON pointer from the record's root, `*` for any one segment, such as `/entities/*/date_of_birth`"
                        .to_owned(),
                ),
            )),
            None => Err((format!("expected a string, found {}", kind_of(v)), None)),
        },
    }
}

/// Checks a value that a type parses from a string (its error says what was expected).
fn parsed<T: DeserializeOwned>(v: &Value) -> LeafResult {
    match v {
        Value::String(_) => serde_json::from_value::<T>(v.clone())
            .map(|_| ())
            .map_err(|e| (e.to_string(), None)),
        other => Err((format!("expected a string, found {}", kind_of(other)), None)),
    }
}

/// Checks a value from a fixed vocabulary, suggesting the nearest word.
fn word<T: DeserializeOwned>(v: &Value, what: &str, vocabulary: &[&str]) -> LeafResult {
    let Some(s) = v.as_str() else {
        return Err((format!("expected a {what}, found {}", kind_of(v)), None));
    };
    if serde_json::from_value::<T>(v.clone()).is_ok() {
        return Ok(());
    }
    let help = match closest(s, vocabulary) {
        Some(w) => format!("did you mean `{w}`?"),
        None => format!("expected one of {}", quoted(vocabulary)),
    };
    Err((format!("unknown {what} `{s}`"), Some(help)))
}

pub(crate) const CLASSIFICATIONS: &[&str] = &[
    "unclassified",
    "restricted",
    "confidential",
    "secret",
    "top-secret",
];
pub(crate) const TLPS: &[&str] = &["clear", "green", "amber", "amber+strict", "red"];
pub(crate) const ENTITY_KINDS: &[&str] = &[
    "person",
    "organization",
    "travel-document",
    "biometric",
    "conveyance",
    "location",
    "encounter",
    "alert",
    "indicator",
    "threat",
];
pub(crate) const FIELD_CLASSES: &[&str] = &[
    "control",
    "identity",
    "biometric",
    "travel-document",
    "location",
    "movement",
    "alert",
    "indicator",
    "assessment",
    "association",
    "narrative",
    "source",
];
const TRANSFORMATIONS: &[&str] = &[
    "date-of-birth-to-year",
    "neutral-source",
    "coarse-coordinates",
    "pseudonymize-names",
    "place-of-birth-to-country",
    "mask-document-numbers",
];
const DATA_SUBJECTS: &[&str] = &[
    "suspect",
    "convicted",
    "victim",
    "witness",
    "contact",
    "informant",
];
const SPECIAL_CATEGORIES: &[&str] = &[
    "racial-or-ethnic-origin",
    "political-opinions",
    "religious-or-philosophical-beliefs",
    "trade-union-membership",
    "genetic",
    "biometric",
    "health",
    "sex-life-or-orientation",
];
const SOURCE_TYPES: &[&str] = &[
    "human",
    "technical",
    "open-source",
    "official-record",
    "partner-agency",
    "observation",
];
const EFFECTS: &[&str] = &["release", "deny", "refer"];
const ONWARD_RULES: &[&str] = &["forbidden", "with-consent", "only-to", "permitted"];
const ONWARD_OTHERS: &[&str] = &["forbidden", "with-consent"];
const RETENTION_STARTS: &[&str] = &["release", "creation", "event", "alert-validity"];
const REQUEST_KINDS: &[&str] = &["spontaneous", "on-request"];
const URGENCIES: &[&str] = &["urgent", "non-urgent", "other"];
const NOTIFICATION_EVENTS: &[&str] = &["use", "onward", "deletion", "inaccuracy", "access-request"];
const MATCH_KEY_KINDS: &[&str] = &[
    "travel-document",
    "person-dob",
    "person-yob",
    "vehicle",
    "ipv4",
    "ipv6",
    "domain",
    "url",
    "email",
    "md5",
    "sha1",
    "sha256",
    "sha512",
];
const ATTRIBUTIONS: &[&str] = &["must", "must-not"];
pub(crate) const RELIABILITIES: &[&str] = &["A", "B", "C", "D", "E", "F"];
pub(crate) const CREDIBILITIES: &[&str] = &["1", "2", "3", "4", "5", "6"];

fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known word nearest to `s`, when it is near enough to be a typo.
pub(crate) fn closest<'a>(s: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = s.to_lowercase().replace('_', "-");
    known
        .iter()
        .map(|k| {
            (
                edit_distance(&lower, &k.to_lowercase().replace('_', "-")),
                *k,
            )
        })
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute =
                previous.get(j).copied().unwrap_or(usize::MAX - 1) + usize::from(ca != *cb);
            let delete = previous.get(j + 1).copied().unwrap_or(usize::MAX - 1) + 1;
            let insert = current.get(j).copied().unwrap_or(usize::MAX - 1) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_parse<T: DeserializeOwned>(words: &[&str]) {
        for w in words {
            assert!(
                serde_json::from_value::<T>(Value::String((*w).to_owned())).is_ok(),
                "{w}"
            );
        }
    }

    #[test]
    fn vocabularies_match_the_types() {
        all_parse::<Classification>(CLASSIFICATIONS);
        all_parse::<Tlp>(TLPS);
        all_parse::<EntityKind>(ENTITY_KINDS);
        all_parse::<FieldClass>(FIELD_CLASSES);
        all_parse::<Transformation>(TRANSFORMATIONS);
        all_parse::<Effect>(EFFECTS);
        all_parse::<OnwardRule>(ONWARD_RULES);
        all_parse::<Attribution>(ATTRIBUTIONS);
        all_parse::<SourceReliability>(RELIABILITIES);
        all_parse::<InformationCredibility>(CREDIBILITIES);
        all_parse::<SourceType>(SOURCE_TYPES);
        all_parse::<DataSubject>(DATA_SUBJECTS);
        all_parse::<SpecialCategory>(SPECIAL_CATEGORIES);
        all_parse::<OnwardOthers>(ONWARD_OTHERS);
        all_parse::<RetentionStart>(RETENTION_STARTS);
        all_parse::<RequestKind>(REQUEST_KINDS);
        all_parse::<Urgency>(URGENCIES);
        all_parse::<NotificationEvent>(NOTIFICATION_EVENTS);
        assert_eq!(TRANSFORMATIONS.len(), Transformation::ALL.len());
        let kinds: Vec<&str> = MatchKeyKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(MATCH_KEY_KINDS, kinds.as_slice());
    }

    #[test]
    fn typos_get_suggestions() {
        assert_eq!(
            closest("withold", &["classes", "withhold"]),
            Some("withhold")
        );
        assert_eq!(closest("biometrics", FIELD_CLASSES), Some("biometric"));
        assert_eq!(closest("zzz", FIELD_CLASSES), None);
    }
}

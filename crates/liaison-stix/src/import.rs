//! STIX 2.1 bundle to records.
//!
//! Objects are grouped into records: the objects an `x-liaison-record`
//! object lists form that record; every other object goes to the record of
//! its `(created_by_ref, TLP, confidence)`, so that objects from one
//! originator under one marking, and the relationships between them, stay
//! together.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use liaison_record::{AgencyId, Assessment, Marking, Record, SCHEMA_VERSION, Timestamp, Tlp};

use super::error::{ImportError, StixProblem};
use super::ids::{
    EXTENSION_DEFINITION_ID, PROJECT_IDENTITY_ID, agency_identity_id, derived_v4, is_sco, split_id,
    standard_tlp, tlp_named,
};
use super::keep::unprotect;
use super::parse::project_entry;
use super::render::RECORD_TYPE;
use super::{Import, ImportOptions, assemble};

/// One usable object of the bundle.
#[derive(Debug)]
pub(crate) struct Obj<'a> {
    pub(crate) id: &'a str,
    pub(crate) t: &'a str,
    pub(crate) map: &'a Map<String, Value>,
    /// A later copy of an id already seen: kept as it is.
    pub(crate) duplicate: bool,
    tlp: Option<Tlp>,
    created_by: Option<&'a str>,
    confidence: Option<u8>,
}

/// Reads a STIX 2.1 bundle into records.
///
/// Objects without an equivalent in the record are kept under the
/// [`KEPT_NAMESPACE`](super::KEPT_NAMESPACE) extension, so that
/// [`export_bundle`](super::export_bundle) gives every object back with
/// every property. See `docs/stix.md` for the mapping.
///
/// # Errors
///
/// [`ImportError::NotJson`] when the input is not JSON,
/// [`ImportError::Stix20`] for a STIX 2.0 bundle (one with
/// `spec_version`), and [`ImportError::Unusable`] listing every object that
/// cannot be used, with its id and property (STIX 2.0 objects, with
/// `spec_version` `2.0` or, for SDOs and SROs, none, among them). A lenient import ([`ImportOptions::lenient`])
/// fails only when the bundle itself is unusable, and lists the objects it
/// left out in [`Import::skipped`].
pub fn import_bundle(bytes: &[u8], options: &ImportOptions) -> Result<Import, ImportError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::NotJson {
        line: e.line(),
        column: e.column(),
        reason: match e.classify() {
            serde_json::error::Category::Eof => "the input ends too early".to_owned(),
            serde_json::error::Category::Io => "the input cannot be read".to_owned(),
            _ => "invalid syntax".to_owned(),
        },
    })?;
    let Input {
        bundle_id,
        objects,
        in_bundle,
    } = input(&doc)?;
    let bundle_id = bundle_id.as_str();
    let mut problems = Vec::new();
    let mut objs = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, v) in objects.iter().enumerate() {
        match check_object(i, v) {
            Ok(mut o) => {
                o.duplicate = !seen.insert(o.id);
                objs.push(o);
            }
            Err(p) => problems.push(p),
        }
    }
    let markings = marking_tlps(&objs);
    let mut usable = Vec::with_capacity(objs.len());
    for mut o in objs {
        match object_tlp(&o, &markings) {
            Ok(tlp) => {
                o.tlp = tlp;
                usable.push(o);
            }
            Err(p) => problems.push(p),
        }
    }
    let ctx = Ctx {
        bundle_id,
        options,
        by_id: usable
            .iter()
            .filter(|o| !o.duplicate)
            .map(|o| (o.id, o))
            .collect(),
    };
    let (records, more) = records(&ctx, &usable);
    problems.extend(more);
    if !problems.is_empty() && !options.lenient {
        return Err(ImportError::Unusable(problems));
    }
    let mut records = records;
    if in_bundle {
        assemble::keep_bundle_id(&mut records, bundle_id);
    }
    Ok(Import {
        records,
        skipped: problems,
    })
}

pub(crate) struct Ctx<'a> {
    pub(crate) bundle_id: &'a str,
    pub(crate) options: &'a ImportOptions,
    pub(crate) by_id: BTreeMap<&'a str, &'a Obj<'a>>,
}

/// What was handed in: the objects, and the bundle id that derived ids
/// start from.
struct Input<'a> {
    /// The bundle's id, or for objects that came without a bundle one
    /// derived from their ids, so that importing them again gives the same
    /// records.
    bundle_id: String,
    objects: &'a [Value],
    /// Whether the objects came in a bundle (whose id export gives back).
    in_bundle: bool,
}

/// Reads the forms STIX is handed out in: a bundle, a TAXII 2.1 envelope
/// (`{"objects": [...], "more": ...}`), a JSON array of objects, or a
/// single object.
fn input(doc: &Value) -> Result<Input<'_>, ImportError> {
    let loose = |objects: &[Value]| -> String {
        let mut ids: Vec<&str> = objects
            .iter()
            .filter_map(|o| o.get("id").and_then(Value::as_str))
            .collect();
        ids.sort_unstable();
        let parts: Vec<&[u8]> = ids.iter().map(|i| i.as_bytes()).collect();
        format!("bundle--{}", derived_v4(&parts))
    };
    let objects: &[Value] = match doc {
        Value::Array(objects) => objects,
        Value::Object(m) if m.get("type").and_then(Value::as_str) == Some("bundle") => {
            let (id, objects) = bundle(doc)?;
            return Ok(Input {
                bundle_id: id.to_owned(),
                objects,
                in_bundle: true,
            });
        }
        Value::Object(m) if !m.contains_key("type") && m.contains_key("objects") => {
            // A TAXII 2.1 envelope: `objects`, with `more` and `next` for
            // paging (one page is imported at a time).
            match m.get("objects") {
                Some(Value::Array(objects)) => objects,
                _ => {
                    return Err(ImportError::Unusable(vec![StixProblem::bundle(
                        Some("objects"),
                        "expected a list of objects in the TAXII envelope".to_owned(),
                    )]));
                }
            }
        }
        Value::Object(_) => std::slice::from_ref(doc),
        _ => {
            return Err(ImportError::Unusable(vec![StixProblem::bundle(
                None,
                "expected a STIX 2.1 bundle, a TAXII 2.1 envelope, an array of STIX objects or one STIX object".to_owned(),
            )]));
        }
    };
    Ok(Input {
        bundle_id: loose(objects),
        objects,
        in_bundle: false,
    })
}

fn bundle(doc: &Value) -> Result<(&str, &[Value]), ImportError> {
    let unusable = |prop: Option<&str>, msg: &str| {
        ImportError::Unusable(vec![StixProblem::bundle(prop, msg.to_owned())])
    };
    let Value::Object(b) = doc else {
        return Err(unusable(
            None,
            "not a JSON object: expected a STIX 2.1 bundle",
        ));
    };
    if b.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(unusable(
            Some("type"),
            "expected `bundle`: only whole STIX bundles are imported",
        ));
    }
    if b.contains_key("spec_version") {
        return Err(ImportError::Stix20(StixProblem::bundle(
            Some("spec_version"),
            "a bundle with `spec_version` is STIX 2.0 (STIX 2.1 bundles carry none)",
        )));
    }
    let id = b
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| split_id(id).is_some_and(|(t, _)| t == "bundle"))
        .ok_or_else(|| unusable(Some("id"), "expected `bundle--` and an RFC 4122 UUID"))?;
    let objects = match b.get("objects") {
        None => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(unusable(Some("objects"), "expected a list of objects")),
    };
    Ok((id, objects))
}

/// The SDO and SRO types of STIX 2.1 and of this project: these need
/// `spec_version`.
fn is_known_sdo(t: &str) -> bool {
    matches!(
        t,
        "attack-pattern"
            | "campaign"
            | "course-of-action"
            | "grouping"
            | "identity"
            | "incident"
            | "indicator"
            | "infrastructure"
            | "intrusion-set"
            | "location"
            | "malware"
            | "malware-analysis"
            | "note"
            | "observed-data"
            | "opinion"
            | "report"
            | "threat-actor"
            | "tool"
            | "vulnerability"
            | "relationship"
            | "sighting"
            | "marking-definition"
            | "extension-definition"
            | "language-content"
    ) || t.starts_with("x-liaison-")
}

fn check_object(i: usize, v: &Value) -> Result<Obj<'_>, StixProblem> {
    let at = format!("objects/{i}");
    let Value::Object(m) = v else {
        return Err(StixProblem::new(
            Some(&at),
            None,
            "not a JSON object: expected a STIX object",
        ));
    };
    let id = m.get("id").and_then(Value::as_str);
    let name = id.unwrap_or(&at);
    let problem = |prop: &str, msg: &str| StixProblem::new(Some(name), Some(prop), msg.to_owned());
    let Some((id_type, _)) = id.and_then(split_id) else {
        return Err(problem(
            "id",
            "expected `TYPE--UUID` with an RFC 4122 UUID of version 1 to 5",
        ));
    };
    let id = id.unwrap_or_default();
    let t = m.get("type").and_then(Value::as_str).unwrap_or_default();
    if t != id_type {
        return Err(problem(
            "type",
            &format!("expected `{id_type}`, the type its id starts with"),
        ));
    }
    match m.get("spec_version") {
        Some(Value::String(s)) if s == "2.1" => {}
        Some(Value::String(s)) if s.starts_with("2.0") => {
            return Err(StixProblem::new(
                Some(id),
                Some("spec_version"),
                format!("`{s}` is STIX 2.0: expected `2.1`"),
            ));
        }
        Some(_) => return Err(problem("spec_version", "expected `2.1`")),
        None if is_known_sdo(t) || (!is_sco(t) && m.contains_key("created")) => {
            return Err(StixProblem::new(
                Some(id),
                Some("spec_version"),
                "missing: an object without `spec_version` is STIX 2.0; STIX 2.1 objects carry `2.1`",
            ));
        }
        None => {}
    }
    for prop in ["created", "modified"] {
        if let Some(v) = m.get(prop)
            && v.as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
                .is_none()
        {
            return Err(problem(
                prop,
                "expected an RFC 3339 timestamp in UTC, such as `2016-05-07T11:22:30.000Z`",
            ));
        }
    }
    let created_by = match m.get("created_by_ref") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .filter(|s| split_id(s).is_some_and(|(t, _)| t == "identity"))
                .ok_or_else(|| problem("created_by_ref", "expected the id of an identity"))?,
        ),
    };
    let confidence = match m.get("confidence") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|c| u8::try_from(c).ok())
                .filter(|c| *c <= 100)
                .ok_or_else(|| problem("confidence", "expected an integer from 0 to 100"))?,
        ),
    };
    Ok(Obj {
        id,
        t,
        map: m,
        duplicate: false,
        tlp: None,
        created_by,
        confidence,
    })
}

/// The TLP of each marking definition of the bundle (`None`: not a TLP).
fn marking_tlps<'a>(objs: &[Obj<'a>]) -> BTreeMap<&'a str, Option<Tlp>> {
    objs.iter()
        .filter(|o| o.t == "marking-definition")
        .map(|o| {
            let m = o.map;
            let tlp1 = (m.get("definition_type").and_then(Value::as_str) == Some("tlp"))
                .then(|| m.get("definition")?.get("tlp")?.as_str())
                .flatten();
            let tlp2 = m
                .get("extensions")
                .and_then(Value::as_object)
                .and_then(|x| x.values().find_map(|e| e.get("tlp_2_0")?.as_str()));
            let tlp = standard_tlp(o.id).or_else(|| tlp1.or(tlp2).and_then(tlp_named));
            (o.id, tlp)
        })
        .collect()
}

/// The marking ids an object refers to, object-level and granular.
pub(crate) fn marking_refs(m: &Map<String, Value>) -> Vec<(&'static str, &Value)> {
    let mut out = Vec::new();
    if let Some(Value::Array(refs)) = m.get("object_marking_refs") {
        out.extend(refs.iter().map(|r| ("object_marking_refs", r)));
    }
    if let Some(Value::Array(g)) = m.get("granular_markings") {
        out.extend(
            g.iter()
                .filter_map(|g| g.get("marking_ref"))
                .map(|r| ("granular_markings", r)),
        );
    }
    out
}

/// The most restrictive TLP among an object's markings, object-level and
/// granular: a granular marking stricter than the object's raises the
/// record's marking, so it is never weakened.
fn object_tlp(
    o: &Obj<'_>,
    markings: &BTreeMap<&str, Option<Tlp>>,
) -> Result<Option<Tlp>, StixProblem> {
    let m = o.map;
    for prop in ["object_marking_refs", "granular_markings"] {
        if m.get(prop).is_some_and(|v| !v.is_array()) {
            return Err(StixProblem::new(Some(o.id), Some(prop), "expected a list"));
        }
    }
    let mut tlp = None;
    for (prop, r) in marking_refs(m) {
        let found = r.as_str().and_then(|r| {
            standard_tlp(r)
                .map(Some)
                .or_else(|| markings.get(r).copied())
        });
        match found {
            Some(t) => tlp = tlp.max(t),
            None => {
                return Err(StixProblem::new(
                    Some(o.id),
                    Some(prop),
                    format!(
                        "`{}` is neither a standard TLP marking nor a marking definition in the bundle: add its definition so that it can be honoured",
                        super::error::cut(&r.to_string())
                    ),
                ));
            }
        }
    }
    if let Some(Value::Array(g)) = m.get("granular_markings") {
        let bad = g.iter().any(|g| {
            !g.get("selectors")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty() && s.iter().all(Value::is_string))
        });
        if bad {
            return Err(StixProblem::new(
                Some(o.id),
                Some("granular_markings"),
                "expected each granular marking to have a non-empty list of `selectors`",
            ));
        }
    }
    Ok(tlp)
}

/// Objects the exporter makes up and the importer consumes: the extension
/// definition, its publisher and the identities of agencies.
fn consumed(o: &Obj<'_>) -> bool {
    o.id == EXTENSION_DEFINITION_ID
        || o.id == PROJECT_IDENTITY_ID
        || (o.t == "identity" && agency_of(o.map).is_some_and(|a| agency_identity_id(&a) == o.id))
}

/// The agency id an identity declares through the project's extension.
fn agency_of(m: &Map<String, Value>) -> Option<AgencyId> {
    project_entry(m)?.get("agency")?.as_str()?.parse().ok()
}

impl Ctx<'_> {
    /// The originator of objects created by `created_by`.
    fn originator(&self, created_by: Option<&str>) -> AgencyId {
        let Some(id) = created_by else {
            return self.options.default_originator.clone();
        };
        self.options
            .originators
            .get(id)
            .cloned()
            .or_else(|| self.by_id.get(id).and_then(|o| agency_of(o.map)))
            .unwrap_or_else(|| self.options.default_originator.clone())
    }
}

/// What objects of one record share: creator, TLP, confidence.
type GroupKey<'a> = (Option<&'a str>, Tlp, Option<u8>);

/// Builds the records: one per `x-liaison-record` object, one per
/// `(created_by_ref, TLP, confidence)` for the other objects.
fn records(ctx: &Ctx<'_>, objs: &[Obj<'_>]) -> (Vec<Record>, Vec<StixProblem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut listed = BTreeSet::new();
    let mut envelopes = Vec::new();
    for o in objs.iter().filter(|o| o.t == RECORD_TYPE && !o.duplicate) {
        match envelope_record(o) {
            Ok(r) => {
                let refs: Vec<&str> = o
                    .map
                    .get("object_refs")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                listed.extend(refs.iter().copied());
                envelopes.push((r, refs));
            }
            Err(p) => problems.push(p),
        }
    }
    for (record, refs) in envelopes {
        let members: Vec<&Obj<'_>> = refs
            .iter()
            .filter_map(|id| ctx.by_id.get(id).copied())
            .collect();
        match assemble::record(ctx, record, &members, false) {
            Ok((r, skipped)) => {
                out.push(r);
                problems.extend(skipped);
            }
            Err(ps) => problems.extend(ps),
        }
    }
    let mut groups: Vec<(GroupKey<'_>, Vec<&Obj<'_>>)> = Vec::new();
    for o in objs {
        if o.t == RECORD_TYPE || consumed(o) || (!o.duplicate && listed.contains(o.id)) {
            continue;
        }
        let key = (
            o.created_by,
            o.tlp.unwrap_or(ctx.options.default_tlp),
            o.confidence,
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(o),
            None => groups.push((key, vec![o])),
        }
    }
    for ((created_by, tlp, confidence), members) in groups {
        let key = format!("{created_by:?}/{tlp:?}/{confidence:?}");
        let times = |prop: &str| {
            members
                .iter()
                .filter_map(|o| o.map.get(prop)?.as_str()?.parse::<Timestamp>().ok())
                .collect::<Vec<_>>()
        };
        let created = times("created")
            .into_iter()
            .min()
            .unwrap_or(ctx.options.default_time);
        let modified = times("modified")
            .into_iter()
            .chain(times("created"))
            .max()
            .unwrap_or(created)
            .max(created);
        let record = Record {
            schema_version: SCHEMA_VERSION.to_owned(),
            id: derived_v4(&[ctx.bundle_id.as_bytes(), key.as_bytes()]),
            version: 1,
            revoked: false,
            originator: ctx.originator(created_by),
            created,
            modified,
            marking: Marking {
                classification: ctx.options.classification,
                tlp,
                caveats: Vec::new(),
                releasable_to: Vec::new(),
                legal_basis: None,
                purposes: Vec::new(),
                review_by: None,
                h3: None,
            },
            assessment: Assessment {
                confidence,
                ..Assessment::default()
            },
            entities: Vec::new(),
            relationships: Vec::new(),
            narrative: Vec::new(),
            source: None,
            provenance: Vec::new(),
            extensions: BTreeMap::new(),
        };
        match assemble::record(ctx, record, &members, true) {
            Ok((r, skipped)) => {
                out.push(r);
                problems.extend(skipped);
            }
            Err(ps) => problems.extend(ps),
        }
    }
    (out, problems)
}

/// The record fields an `x-liaison-record` object carries.
fn envelope_record(o: &Obj<'_>) -> Result<Record, StixProblem> {
    let mut fields = match o.map.get("record").and_then(unprotect) {
        Some(Value::Object(m)) => m,
        _ => {
            return Err(StixProblem::new(
                Some(o.id),
                Some("record"),
                "missing or not an object: expected the record's own fields",
            ));
        }
    };
    for k in ["entities", "relationships"] {
        fields.remove(k);
    }
    serde_json::from_value::<Record>(Value::Object(fields)).map_err(|e| {
        StixProblem::new(
            Some(o.id),
            Some("record"),
            format!("not the fields of a record: {e}"),
        )
    })
}

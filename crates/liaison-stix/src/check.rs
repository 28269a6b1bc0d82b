//! Structural checks of a STIX 2.1 bundle: the rules of the OASIS JSON
//! Schemas and validator that the exporter must meet.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::error::StixProblem;
use super::ids::{is_sco, observable_id, split_id, standard_tlp};

/// Checks the structure of a STIX 2.1 bundle and returns every problem
/// found (none for a valid bundle): ids of the form `type--UUID` (RFC 4122,
/// version 1 to 5) whose type is the object's, cyber-observable ids equal
/// to [`observable_id`](super::observable_id), `spec_version` `2.1` and
/// `created` / `modified` with exactly millisecond precision on every
/// object that is not a cyber observable, the required properties of each
/// type, other timestamps in RFC 3339 UTC, no empty list and no `null`
/// anywhere, property names of 3 to 250 lowercase letters, digits and
/// underscores, and every reference (`*_ref`, `*_refs`, granular
/// `marking_ref`, extension-definition keys) resolving to an object of the
/// bundle or to a standard TLP marking.
pub fn validate_bundle(bundle: &Value) -> Vec<StixProblem> {
    let mut out = Vec::new();
    let Value::Object(b) = bundle else {
        out.push(StixProblem::bundle(None, "not a JSON object"));
        return out;
    };
    if b.get("type").and_then(Value::as_str) != Some("bundle") {
        out.push(StixProblem::bundle(Some("type"), "expected `bundle`"));
    }
    if b.contains_key("spec_version") {
        out.push(StixProblem::bundle(
            Some("spec_version"),
            "a STIX 2.1 bundle has no `spec_version`",
        ));
    }
    if b.get("id")
        .and_then(Value::as_str)
        .and_then(split_id)
        .is_none_or(|(t, _)| t != "bundle")
    {
        out.push(StixProblem::bundle(Some("id"), "expected `bundle--UUID`"));
    }
    let objects: &[Value] = match b.get("objects") {
        None => &[],
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(_) => {
            out.push(StixProblem::bundle(
                Some("objects"),
                "expected a non-empty list, or no `objects` at all",
            ));
            &[]
        }
    };
    let ids: BTreeSet<&str> = objects
        .iter()
        .filter_map(|o| o.get("id")?.as_str())
        .collect();
    let mut seen = BTreeSet::new();
    for (i, o) in objects.iter().enumerate() {
        let Value::Object(m) = o else {
            out.push(StixProblem::new(
                Some(&format!("objects/{i}")),
                None,
                "not an object",
            ));
            continue;
        };
        let name = m
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("objects/{i}"), str::to_owned);
        let mut at = |prop: Option<&str>, msg: &str| {
            out.push(StixProblem::new(Some(&name), prop, msg.to_owned()));
        };
        let key = (
            name.clone(),
            m.get("modified")
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        if !seen.insert(key) {
            at(Some("id"), "the same id and `modified` twice in one bundle");
        }
        object(m, &ids, &mut at);
    }
    out
}

fn object(m: &Map<String, Value>, ids: &BTreeSet<&str>, at: &mut dyn FnMut(Option<&str>, &str)) {
    let t = m.get("type").and_then(Value::as_str).unwrap_or_default();
    match m
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| Some((id, split_id(id)?)))
    {
        Some((_, (it, _))) if it != t => at(Some("type"), "not the type its id starts with"),
        Some((id, _))
            if is_sco(t)
                && has_contributing(t, m)
                && observable_id(t, &Value::Object(m.clone())) != id =>
        {
            at(
                Some("id"),
                "a cyber observable's id should be the UUID v5 of its id-contributing properties",
            );
        }
        Some(_) => {}
        None => at(
            Some("id"),
            "expected `TYPE--UUID` (RFC 4122, version 1 to 5)",
        ),
    }
    for (k, v) in m {
        if k != "id" && !name_ok(k) {
            at(
                Some(k),
                "property names are 3 to 250 lowercase letters, digits and underscores",
            );
        }
        if let Some(problem) = empty_or_null(v) {
            at(Some(k), problem);
        }
    }
    if !is_sco(t) {
        if m.get("spec_version").and_then(Value::as_str) != Some("2.1") {
            at(Some("spec_version"), "expected `2.1`");
        }
        let optional_modified = t == "marking-definition";
        for prop in ["created", "modified"] {
            match m.get(prop).and_then(Value::as_str) {
                Some(s) if millis_ok(s) => {}
                None if prop == "modified" && optional_modified => {}
                _ => at(
                    Some(prop),
                    "expected a UTC timestamp with exactly millisecond precision, such as `2016-05-07T11:22:30.000Z`",
                ),
            }
        }
        let time = |k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<liaison_record::Timestamp>().ok())
        };
        if let (Some(c), Some(md)) = (time("created"), time("modified"))
            && md < c
        {
            at(Some("modified"), "before `created`");
        }
    }
    for prop in [
        "valid_from",
        "valid_until",
        "first_seen",
        "last_seen",
        "published",
        "first_observed",
        "last_observed",
    ] {
        if let Some(v) = m.get(prop)
            && !v.as_str().is_some_and(timestamp_ok)
        {
            at(Some(prop), "expected an RFC 3339 timestamp in UTC");
        }
    }
    for req in required(t) {
        if !m.contains_key(*req) {
            at(Some(req), "required for this type");
        }
    }
    if t == "location"
        && !(m.contains_key("region")
            || m.contains_key("country")
            || (m.contains_key("latitude") && m.contains_key("longitude")))
    {
        at(
            None,
            "a location needs `region`, `country`, or `latitude` and `longitude`",
        );
    }
    if t == "malware" && m.get("is_family") == Some(&Value::Bool(true)) && !m.contains_key("name") {
        at(Some("name"), "required when `is_family` is true");
    }
    refs(m, ids, at);
}

fn refs(m: &Map<String, Value>, ids: &BTreeSet<&str>, at: &mut dyn FnMut(Option<&str>, &str)) {
    let resolves = |r: &str| ids.contains(r) || standard_tlp(r).is_some();
    for (k, v) in m {
        let targets: Vec<&Value> = if k.ends_with("_ref") {
            vec![v]
        } else if k.ends_with("_refs") {
            v.as_array().map(|a| a.iter().collect()).unwrap_or_default()
        } else if k == "granular_markings" {
            v.as_array()
                .map(|a| a.iter().filter_map(|g| g.get("marking_ref")).collect())
                .unwrap_or_default()
        } else {
            continue;
        };
        for r in targets {
            match r.as_str() {
                Some(r) if split_id(r).is_none() => at(Some(k), "not a STIX id"),
                Some(r) if !resolves(r) => {
                    at(Some(k), "refers to an object that is not in the bundle")
                }
                Some(_) => {}
                None => at(Some(k), "expected a STIX id"),
            }
        }
        if k == "created_by_ref" && !v.as_str().is_some_and(|r| r.starts_with("identity--")) {
            at(Some(k), "expected the id of an identity");
        }
    }
    if let Some(Value::Object(x)) = m.get("extensions") {
        for key in x.keys() {
            if key.starts_with("extension-definition--") && !ids.contains(key.as_str()) {
                at(
                    Some("extensions"),
                    "names an extension definition that is not in the bundle",
                );
            }
        }
    }
}

/// Whether an observable has properties its id is computed from (the id
/// is then a UUID v5 that can be checked).
fn has_contributing(t: &str, m: &Map<String, Value>) -> bool {
    m.keys().any(|k| {
        matches!(
            (t, k.as_str()),
            (_, "value")
                | ("file" | "artifact" | "x509-certificate", "hashes")
                | ("file" | "mutex" | "software", "name")
                | ("directory", "path")
                | ("autonomous-system", "number")
                | ("windows-registry-key", "key")
        )
    })
}

fn required(t: &str) -> &'static [&'static str] {
    match t {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "infrastructure"
        | "intrusion-set" | "threat-actor" | "tool" | "vulnerability" => &["name"],
        "grouping" => &["context", "object_refs"],
        "indicator" => &["pattern", "pattern_type", "valid_from"],
        "malware" => &["is_family"],
        "note" => &["content", "object_refs"],
        "observed-data" => &["first_observed", "last_observed", "number_observed"],
        "opinion" => &["opinion", "object_refs"],
        "report" => &["name", "published", "object_refs"],
        "relationship" => &["relationship_type", "source_ref", "target_ref"],
        "sighting" => &["sighting_of_ref"],
        "extension-definition" => &[
            "name",
            "schema",
            "version",
            "extension_types",
            "created_by_ref",
        ],
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" | "mac-addr" => &["value"],
        "mutex" => &["name"],
        "x-liaison-person" => &["extensions"],
        "x-liaison-travel-document" => &["document_type", "issuing_state", "number", "status"],
        "x-liaison-biometric" => &["modality", "format", "sha256", "pointer"],
        "x-liaison-conveyance" => &["conveyance_type", "identifier"],
        "x-liaison-encounter" => &["encounter_type", "encountered_at", "observed_by"],
        "x-liaison-alert" => &[
            "issuing_authority",
            "category",
            "alert_action",
            "valid_from",
        ],
        "x-liaison-record" => &["record"],
        _ => &[],
    }
}

fn name_ok(k: &str) -> bool {
    (3..=250).contains(&k.len())
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub(crate) fn empty_or_null(v: &Value) -> Option<&'static str> {
    match v {
        Value::Null => Some("`null` is not allowed: leave the property out"),
        Value::Array(a) if a.is_empty() => {
            Some("empty lists are not allowed: leave the property out")
        }
        Value::Array(a) => a.iter().find_map(empty_or_null),
        Value::Object(o) => o.values().find_map(empty_or_null),
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
fn timestamp_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|d| !d.is_empty() && d.iter().all(u8::is_ascii_digit))
    };
    let shape = b.len() >= 20
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
        && b.last() == Some(&b'Z');
    let fraction_ok = match b.get(19) {
        Some(b'Z') => b.len() == 20,
        Some(b'.') => digits(20..b.len().saturating_sub(1)),
        _ => false,
    };
    shape && fraction_ok && s.parse::<liaison_record::Timestamp>().is_ok()
}

/// A timestamp with exactly three fraction digits.
fn millis_ok(s: &str) -> bool {
    s.len() == 24 && s.as_bytes().get(19) == Some(&b'.') && timestamp_ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps() {
        assert!(timestamp_ok("2016-05-07T11:22:30Z"));
        assert!(timestamp_ok("2016-05-07T11:22:30.123456Z"));
        assert!(!timestamp_ok("2016-05-07T11:22:30+00:00"));
        assert!(!timestamp_ok("2016-05-07T11:22:30.Z"));
        assert!(millis_ok("2016-05-07T11:22:30.123Z"));
        assert!(!millis_ok("2016-05-07T11:22:30.1234Z"));
        assert!(!millis_ok("2016-05-07T11:22:30Z"));
    }

    #[test]
    fn each_rule_is_enforced() {
        let bundle = json!({
            "type": "bundle",
            "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
            "objects": [
                {"type": "indicator", "spec_version": "2.1",
                 "id": "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
                 "created": "2014-05-08T09:00:00Z", "modified": "2014-05-08T09:00:00.000Z",
                 "pattern": "[ipv4-addr:value = '10.0.0.0']", "labels": [],
                 "created_by_ref": "identity--39012926-a052-44c4-ae48-caaf4a10ee6e"},
                {"type": "ipv4-addr", "id": "ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956",
                 "value": "198.51.100.3"},
                {"type": "tool", "spec_version": "2.1",
                 "id": "malware--33fe3b22-0201-47cf-85d0-97c02164528d",
                 "created": "2014-05-08T09:00:00.000Z", "modified": "2014-05-08T09:00:00.000Z"}
            ]
        });
        let problems = validate_bundle(&bundle);
        let found: BTreeSet<(String, String)> = problems
            .iter()
            .map(|p| {
                (
                    p.object.clone().unwrap_or_default(),
                    p.property.clone().unwrap_or_default(),
                )
            })
            .collect();
        for (o, p) in [
            ("indicator--33fe3b22-0201-47cf-85d0-97c02164528d", "created"),
            ("indicator--33fe3b22-0201-47cf-85d0-97c02164528d", "labels"),
            (
                "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
                "pattern_type",
            ),
            (
                "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
                "valid_from",
            ),
            (
                "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
                "created_by_ref",
            ),
            ("ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956", "id"),
            ("malware--33fe3b22-0201-47cf-85d0-97c02164528d", "type"),
            ("malware--33fe3b22-0201-47cf-85d0-97c02164528d", "name"),
        ] {
            assert!(
                found.contains(&(o.to_owned(), p.to_owned())),
                "{o} {p}: {problems:?}"
            );
        }
        assert_eq!(problems.len(), 8, "{problems:?}");
    }
}

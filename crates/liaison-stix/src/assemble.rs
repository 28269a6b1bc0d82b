//! One record from the objects grouped into it: entities, relationships,
//! narrative, and what is kept for an exact export.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use uuid::Uuid;

use liaison_record::{Entity, Narrative, Record, Relationship, canonicalize_value, sha256};

use super::error::StixProblem;
use super::ids::{KEPT_NAMESPACE, derived_id, split_id};
use super::import::{Ctx, Obj, marking_refs};
use super::keep::{self, Kept};
use super::parse::{Parsed, entity_id_hint, is_entity_type, parse_entity};
use super::render::{
    Frame, class_of, record_fields, render_entity, render_relationship, stix_type,
};

/// The digest of a record's own fields, kept so that the exporter knows
/// whether they changed since import.
pub(crate) fn snapshot(record: &Record) -> String {
    sha256(&canonicalize_value(&Value::Object(record_fields(record)))).to_string()
}

/// Builds a record from its objects. `from_stix`: the record's fields were
/// derived from plain STIX objects (no `x-liaison-record` object), so a
/// snapshot is kept and reports and notes become narrative.
///
/// Returns the record with the objects left out (they could not be read),
/// or the problems of a record whose own fields are not valid.
pub(crate) fn record(
    ctx: &Ctx<'_>,
    mut record: Record,
    members: &[&Obj<'_>],
    from_stix: bool,
) -> Result<(Record, Vec<StixProblem>), Vec<StixProblem>> {
    let mut taken = BTreeSet::new();
    let mut ids: BTreeMap<String, Uuid> = BTreeMap::new();
    for o in members.iter().filter(|o| entity_candidate(o)) {
        let id = entity_id(o, &taken);
        taken.insert(id);
        ids.insert(o.id.to_owned(), id);
    }
    let (mut entities, problems) = parse_candidates(members, &ids);
    let failed: BTreeSet<&str> = problems
        .iter()
        .filter_map(|p| p.object.as_deref())
        .collect();
    let mut demoted: BTreeSet<String> = BTreeSet::new();
    let mut narrative = if from_stix {
        members.iter().filter_map(|o| narrative_of(o)).collect()
    } else {
        record.narrative.clone()
    };
    // Entities and relationships the record model rejects (an indicator
    // value of the wrong form, a relationship to itself, ...) are kept as
    // STIX objects instead; nothing is lost.
    let mut relationships;
    loop {
        let live: BTreeMap<String, Uuid> = entities
            .iter()
            .map(|(o, e)| (o.id.to_owned(), e.id()))
            .collect();
        relationships = members
            .iter()
            .filter(|o| !demoted.contains(o.id))
            .filter_map(|o| Some((*o, relationship_of(o, &live)?)))
            .collect::<Vec<(&Obj<'_>, Relationship)>>();
        record.entities = entities.iter().map(|(_, e)| e.clone()).collect();
        record.relationships = relationships.iter().map(|(_, r)| r.clone()).collect();
        record.narrative.clone_from(&narrative);
        let Err(errors) = record.validate() else {
            break;
        };
        let before = (entities.len(), demoted.len(), narrative.len());
        let mut drop_narrative = BTreeSet::new();
        for p in errors.problems() {
            let mut parts = p.pointer().split('/').skip(1);
            let section = parts.next();
            let index = parts.next().and_then(|n| n.parse::<usize>().ok());
            match (section, index) {
                (Some("entities"), Some(i)) => {
                    if let Some((o, _)) = entities.get(i) {
                        demoted.insert(o.id.to_owned());
                    }
                }
                (Some("relationships"), Some(i)) => {
                    if let Some((o, _)) = relationships.get(i) {
                        demoted.insert(o.id.to_owned());
                    }
                }
                (Some("narrative"), Some(i)) => {
                    drop_narrative.insert(i);
                }
                _ => {}
            }
        }
        entities.retain(|(o, _)| !demoted.contains(o.id));
        narrative = narrative
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !drop_narrative.contains(i))
            .map(|(_, n)| n)
            .collect();
        if before == (entities.len(), demoted.len(), narrative.len()) {
            // What is left is a problem of the record's own fields, which
            // only an `x-liaison-record` object can cause: report it.
            let at = members.first().map_or("", |o| o.id);
            let problems = errors
                .problems()
                .iter()
                .map(|p| {
                    StixProblem::new(
                        Some(at),
                        Some("record"),
                        format!(
                            "the record is not valid at `{}`: {}",
                            p.pointer(),
                            p.message()
                        ),
                    )
                })
                .collect();
            return Err(problems);
        }
    }

    // Kept data: what the rendering from the record does not give back.
    let final_ids: BTreeMap<Uuid, String> = entities
        .iter()
        .map(|(o, e)| (e.id(), o.id.to_owned()))
        .collect();
    let frame = Frame::of(&record, &final_ids);
    for (slot, (o, e)) in record.entities.iter_mut().zip(entities.iter()) {
        let natural = stix_type(e, None);
        let form = (natural != o.t).then(|| o.t.to_owned());
        if let Ok(rendered) = render_entity(e, form.as_deref(), &frame) {
            let mut kept = Kept::diff(&rendered, o.map);
            kept.form = form;
            keep::store(
                slot.extensions_mut(),
                kept.to_map(),
                Some(class_of(e.kind())),
            );
        }
    }
    let mut rel_kept = Vec::new();
    let mut counts: BTreeMap<(Uuid, &str, Uuid), usize> = BTreeMap::new();
    for (o, r) in &relationships {
        let n = counts
            .entry((r.source, r.relationship.as_str(), r.target))
            .or_insert(0);
        if let Ok(rendered) = render_relationship(r, *n, &frame) {
            let kept = Kept::diff(&rendered, o.map);
            if !kept.is_empty() {
                let mut entry = kept.to_map();
                entry.insert("source".into(), Value::String(r.source.to_string()));
                entry.insert("relationship".into(), Value::String(r.relationship.clone()));
                entry.insert("target".into(), Value::String(r.target.to_string()));
                rel_kept.push(Value::Object(entry));
            }
        }
        *n += 1;
    }
    let used: BTreeSet<&str> = entities
        .iter()
        .map(|(o, _)| o.id)
        .chain(relationships.iter().map(|(o, _)| o.id))
        .collect();
    let mut kept_objects: Vec<Value> = Vec::new();
    let mut kept_ids = BTreeSet::new();
    for o in members {
        if o.duplicate || (!used.contains(o.id) && !failed.contains(o.id)) {
            kept_objects.push(Value::Object(o.map.clone()));
            kept_ids.insert(o.id);
        }
    }
    // Marking definitions travel with the records that refer to them.
    for o in members.iter().filter(|o| !failed.contains(o.id)) {
        for (_, r) in marking_refs(o.map) {
            if let Some(def) = r.as_str().and_then(|r| ctx_marking(ctx, r))
                && kept_ids.insert(def.id)
            {
                kept_objects.push(Value::Object(def.map.clone()));
            }
        }
    }
    let mut data = Map::new();
    if !kept_objects.is_empty() {
        data.insert("objects".into(), Value::Array(kept_objects));
    }
    if !rel_kept.is_empty() {
        data.insert("relationships".into(), Value::Array(rel_kept));
    }
    if from_stix {
        data.insert("snapshot".into(), Value::String(snapshot(&record)));
    }
    keep::store(&mut record.extensions, data, None);
    Ok((record, problems))
}

fn ctx_marking<'a>(ctx: &'a Ctx<'a>, id: &str) -> Option<&'a Obj<'a>> {
    ctx.by_id
        .get(id)
        .copied()
        .filter(|o| o.t == "marking-definition")
}

/// The id of a bundle derived from the ids and versions of its records.
pub(crate) fn derived_bundle_id(records: &[Record]) -> String {
    let mut names: Vec<String> = records
        .iter()
        .map(|r| format!("{}:{}", r.id, r.version))
        .collect();
    names.sort();
    format!(
        "bundle--{}",
        derived_id(&format!("bundle/{}", names.join(",")))
    )
}

/// Keeps the bundle id on every record, unless it is the derived one.
pub(crate) fn keep_bundle_id(records: &mut [Record], bundle_id: &str) {
    if derived_bundle_id(records) == bundle_id {
        return;
    }
    for r in records.iter_mut() {
        let mut data = keep::kept_data(&r.extensions).cloned().unwrap_or_default();
        data.insert("bundle_id".into(), Value::String(bundle_id.to_owned()));
        keep::store(&mut r.extensions, data, None);
    }
}

/// The bundle id kept on records, when they all keep the same one.
pub(crate) fn kept_bundle_id(records: &[Record]) -> Option<String> {
    let mut ids = records.iter().map(|r| {
        keep::kept_data(&r.extensions)
            .and_then(|d| d.get("bundle_id"))
            .and_then(Value::as_str)
    });
    let first = ids.next()??;
    ids.all(|i| i == Some(first)).then(|| first.to_owned())
}

/// The record-level kept data of a record.
pub(crate) fn record_kept(record: &Record) -> Option<&Map<String, Value>> {
    record
        .extensions
        .iter()
        .find(|(ns, _)| ns.as_str() == KEPT_NAMESPACE)
        .and_then(|(_, x)| x.data.as_object())
}

/// An entity's kept data.
pub(crate) fn entity_kept(e: &Entity) -> Kept {
    keep::kept_data(e.extensions())
        .map(Kept::from_map)
        .unwrap_or_default()
}

/// The entity id of an object: the one it declares, else the UUID of its
/// STIX id, else (when that is taken or not a v4 or v5 UUID) one derived
/// from the STIX id.
pub(crate) fn entity_id(o: &Obj<'_>, taken: &BTreeSet<Uuid>) -> Uuid {
    let own = entity_id_hint(o.map)
        .or_else(|| split_id(o.id).map(|(_, u)| u))
        .filter(|u| matches!(u.get_version_num(), 4 | 5) && !taken.contains(u));
    own.unwrap_or_else(|| {
        let mut n = 0u32;
        loop {
            let u = derived_id(&format!("entity/{}/{n}", o.id));
            if !taken.contains(&u) || n == u32::MAX {
                return u;
            }
            n += 1;
        }
    })
}

/// Whether an object may become an entity.
pub(crate) fn entity_candidate(o: &Obj<'_>) -> bool {
    !o.duplicate && is_entity_type(o.t)
}

/// A narrative entry from a report's description or a note's content.
pub(crate) fn narrative_of(o: &Obj<'_>) -> Option<Narrative> {
    let prop = match o.t {
        "report" => "description",
        "note" => "content",
        _ => return None,
    };
    let text = o.map.get(prop)?.as_str()?;
    if text.trim().is_empty() {
        return None;
    }
    let lang = o.map.get("lang").and_then(Value::as_str).unwrap_or("en");
    Some(Narrative {
        lang: lang.to_owned(),
        text: text.to_owned(),
    })
}

/// A relationship between two entities of the record, when the object is
/// one the record can hold.
pub(crate) fn relationship_of(o: &Obj<'_>, ids: &BTreeMap<String, Uuid>) -> Option<Relationship> {
    if o.t != "relationship" || o.duplicate {
        return None;
    }
    let get = |k: &str| o.map.get(k).and_then(Value::as_str);
    let source = *ids.get(get("source_ref")?)?;
    let target = *ids.get(get("target_ref")?)?;
    let relationship = get("relationship_type")?;
    let description = match o.map.get("description") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    let kebab = !relationship.is_empty()
        && relationship.len() <= 64
        && !relationship.starts_with('-')
        && !relationship.ends_with('-')
        && !relationship.contains("--")
        && relationship
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (kebab && source != target).then(|| Relationship {
        source,
        relationship: relationship.to_owned(),
        target,
        description,
    })
}

/// Parses the entity candidates of a record.
pub(crate) fn parse_candidates<'o>(
    members: &[&'o Obj<'o>],
    ids: &BTreeMap<String, Uuid>,
) -> (Vec<(&'o Obj<'o>, liaison_record::Entity)>, Vec<StixProblem>) {
    let mut entities = Vec::new();
    let mut problems = Vec::new();
    for o in members.iter().copied().filter(|o| entity_candidate(o)) {
        let Some(id) = ids.get(o.id) else { continue };
        match parse_entity(o.map, o.id, *id, ids) {
            Ok(Parsed::Entity(e)) => entities.push((o, e)),
            Ok(Parsed::Kept) => {}
            Err(p) => problems.push(p),
        }
    }
    (entities, problems)
}

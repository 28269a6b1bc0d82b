//! Checks that types alone cannot make: ranges, orders, references, forms.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::forms;

mod entity;
use crate::problem::Problem;
use crate::{
    AgencyId, Assessment, Caveat, Entity, Extension, FieldClass, Marking, Namespace, Narrative,
    OnwardSharing, Party, ProvenanceEntry, Record, Relationship, Source, Timestamp,
};
use entity::entity;

/// An entity as far as it could be read.
pub(super) enum EntitySlot<'a> {
    /// Parsed.
    Parsed(&'a Entity),
    /// Not parsed (its problems are reported elsewhere); its `id` member
    /// when that at least is a UUID, so that references to it are not
    /// reported as dangling.
    Unparsed(Option<Uuid>),
}

/// The parts of a record that could be read: everything when the typed
/// parse succeeded, what parsed on its own otherwise.
#[derive(Default)]
pub(super) struct Parts<'a> {
    pub(super) schema_version: Option<&'a str>,
    pub(super) id: Option<Uuid>,
    pub(super) version: Option<u32>,
    pub(super) originator: Option<&'a AgencyId>,
    pub(super) created: Option<Timestamp>,
    pub(super) modified: Option<Timestamp>,
    pub(super) marking: Option<&'a Marking>,
    pub(super) assessment: Option<&'a Assessment>,
    pub(super) entities: Vec<EntitySlot<'a>>,
    /// Whether the entities could be listed at all (false when `entities`
    /// is not an array), so that references to them can be checked.
    pub(super) references_checkable: bool,
    pub(super) relationships: Vec<Option<&'a Relationship>>,
    pub(super) narrative: Vec<Option<&'a Narrative>>,
    pub(super) source: Option<&'a Source>,
    pub(super) provenance: Vec<Option<&'a ProvenanceEntry>>,
    pub(super) extensions: Option<&'a BTreeMap<Namespace, Extension>>,
}

impl<'a> Parts<'a> {
    pub(super) fn of(r: &'a Record) -> Self {
        Self {
            schema_version: Some(&r.schema_version),
            id: Some(r.id),
            version: Some(r.version),
            originator: Some(&r.originator),
            created: Some(r.created),
            modified: Some(r.modified),
            marking: Some(&r.marking),
            assessment: Some(&r.assessment),
            entities: r.entities.iter().map(EntitySlot::Parsed).collect(),
            references_checkable: true,
            relationships: r.relationships.iter().map(Some).collect(),
            narrative: r.narrative.iter().map(Some).collect(),
            source: r.source.as_ref(),
            provenance: r.provenance.iter().map(Some).collect(),
            extensions: Some(&r.extensions),
        }
    }
}

/// Collects problems with their pointers.
struct Out<'p> {
    problems: &'p mut Vec<Problem>,
}

impl Out<'_> {
    fn at(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(pointer, message));
    }
}

/// Runs every semantic check over `parts`, appending problems to `problems`.
pub(super) fn check(parts: &Parts<'_>, problems: &mut Vec<Problem>) {
    let mut out = Out { problems };
    header(parts, &mut out);
    if let Some(m) = parts.marking {
        marking(m, parts.originator, &mut out);
    }
    if let Some(a) = parts.assessment {
        assessment(a, "/assessment", &mut out);
    }
    let reference = parts
        .created
        .map(|t| crate::CalendarDate::from_date(t.to_offset_date_time().date()));
    let ids = entities(
        &parts.entities,
        parts.references_checkable,
        reference,
        &mut out,
    );
    for (i, r) in parts.relationships.iter().enumerate() {
        if let Some(r) = r {
            relationship(i, r, &ids, parts.references_checkable, &mut out);
        }
    }
    for (i, n) in parts.narrative.iter().enumerate() {
        if let Some(n) = n {
            narrative(i, n, &mut out);
        }
    }
    if let Some(s) = parts.source {
        let issuers: Vec<&Party> = parts
            .entities
            .iter()
            .filter_map(|e| match e {
                EntitySlot::Parsed(Entity::Alert(a)) => Some(&a.issuing_authority),
                _ => None,
            })
            .collect();
        source(s, &issuers, &mut out);
    }
    provenance(parts, &mut out);
    if let Some(x) = parts.extensions {
        extensions(x, "", &mut out);
    }
}

fn header(p: &Parts<'_>, out: &mut Out<'_>) {
    if let Some(v) = p.schema_version {
        let ok = v.split_once('.').is_some_and(|(major, minor)| {
            major == "1"
                && !minor.is_empty()
                && minor.len() <= 9
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
        if !ok {
            out.at(
                "/schema_version",
                format!(
                    "schema version `{}` is not readable: expected `1.x` (`MAJOR.MINOR`, major version 1)",
                    cut(v)
                ),
            );
        }
    }
    if let Some(id) = p.id
        && id.get_version_num() != 4
    {
        out.at(
            "/id",
            format!(
                "record id `{id}` is a version {} UUID: expected a random UUID v4 (STIX rejects other versions)",
                id.get_version_num()
            ),
        );
    }
    if p.version == Some(0) {
        out.at(
            "/version",
            "version `0`: expected 1 or more (the first version is 1)",
        );
    }
    if let (Some(c), Some(m)) = (p.created, p.modified)
        && m < c
    {
        out.at(
            "/modified",
            format!("modified `{m}` is before created `{c}`: expected a time at or after creation"),
        );
    }
}

fn marking(m: &Marking, originator: Option<&AgencyId>, out: &mut Out<'_>) {
    duplicates(&m.caveats, "/marking/caveats", "caveat", out);
    duplicates(&m.releasable_to, "/marking/releasable_to", "party", out);
    duplicates(&m.purposes, "/marking/purposes", "purpose", out);
    if m.legal_basis
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        out.at(
            "/marking/legal_basis",
            "empty legal basis: expected text, or leave the field out",
        );
    }
    match (&m.h3, m.caveats.contains(&Caveat::H3)) {
        (Some(_), false) => out.at(
            "/marking/h3",
            "`H3` restrictions without the caveat `H3`: add `H3` to `caveats`, or leave `h3` out",
        ),
        (Some(h3), true) => {
            if h3.text.trim().is_empty() {
                out.at(
                    "/marking/h3/text",
                    "empty text: expected the restrictions in the provider's words",
                );
            }
            if h3.no_onward && h3.onward_with_consent {
                out.at(
                    "/marking/h3/onward_with_consent",
                    "`no_onward` and `onward_with_consent` together: keep one",
                );
            }
        }
        (None, _) => {}
    }
    if m.caveats.contains(&Caveat::NoForeignRelease)
        && let Some(orig) = originator
    {
        for (i, party) in m.releasable_to.iter().enumerate() {
            let country = match party {
                Party::Country(c) => Some(*c),
                Party::Agency(a) => Some(a.country()),
                // a class spans several states
                Party::Class(_) => None,
            };
            if country != Some(orig.country()) {
                out.at(
                    format!("/marking/releasable_to/{i}"),
                    format!(
                        "`{party}` is foreign but the marking says `NOFORN`: expected only parties of `{}`",
                        orig.country()
                    ),
                );
            }
        }
    }
}

fn duplicates<T: Ord + std::fmt::Display>(
    items: &[T],
    base: impl std::fmt::Display,
    what: &str,
    out: &mut Out<'_>,
) {
    // Short lists (the usual case) are scanned without allocating.
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let repeated = if items.len() <= 16 {
            items.iter().take(i).any(|x| x == item)
        } else {
            !seen.insert(item)
        };
        if repeated {
            out.at(
                format!("{base}/{i}"),
                format!("{what} `{item}` is listed twice: expected each once"),
            );
        }
    }
}

fn assessment(a: &Assessment, base: &str, out: &mut Out<'_>) {
    if let Some(c) = a.confidence
        && c > 100
    {
        out.at(
            format!("{base}/confidence"),
            format!("confidence `{c}`: expected 0 to 100"),
        );
    }
}

/// Checks each entity and returns the ids of all entities, with the index
/// of each location entity.
fn entities(
    slots: &[EntitySlot<'_>],
    references: bool,
    reference: Option<crate::CalendarDate>,
    out: &mut Out<'_>,
) -> Ids {
    let mut ids = Ids {
        reference,
        ..Ids::default()
    };
    for (i, slot) in slots.iter().enumerate() {
        let id = match slot {
            EntitySlot::Parsed(e) => Some(e.id()),
            EntitySlot::Unparsed(id) => *id,
        };
        if let Some(id) = id {
            if ids.all.insert(id, i).is_some() {
                out.at(
                    format!("/entities/{i}/id"),
                    format!("entity id `{id}` is used twice: expected each entity id once"),
                );
            }
            match slot {
                EntitySlot::Parsed(Entity::Location(_)) => {
                    ids.locations.insert(id);
                }
                EntitySlot::Unparsed(_) => {
                    ids.unparsed.insert(id);
                }
                EntitySlot::Parsed(_) => {}
            }
        }
    }
    for (i, slot) in slots.iter().enumerate() {
        if let EntitySlot::Parsed(e) = slot {
            entity(i, e, &ids, references, out);
        }
    }
    ids
}

#[derive(Default)]
struct Ids {
    all: BTreeMap<Uuid, usize>,
    locations: BTreeSet<Uuid>,
    unparsed: BTreeSet<Uuid>,
    /// The date two-digit MRZ years are read relative to: the record's
    /// creation date when known.
    reference: Option<crate::CalendarDate>,
}

fn relationship(i: usize, r: &Relationship, ids: &Ids, references: bool, out: &mut Out<'_>) {
    let base = Indexed("/relationships", i);
    for (field, id) in [("source", r.source), ("target", r.target)] {
        if references && !ids.all.contains_key(&id) {
            out.at(
                format!("{base}/{field}"),
                format!(
                    "`{id}` is not an entity of this record: expected the id of one of its entities"
                ),
            );
        }
    }
    if r.source == r.target {
        out.at(
            format!("{base}/target"),
            "a relationship from an entity to itself: expected two different entities",
        );
    }
    if !forms::is_kebab(&r.relationship) {
        out.at(
            format!("{base}/relationship"),
            format!(
                "`{}`: expected a lowercase kebab-case link type, such as `holder-of`",
                cut(&r.relationship)
            ),
        );
    }
}

fn narrative(i: usize, n: &Narrative, out: &mut Out<'_>) {
    if !forms::is_language_tag(&n.lang) {
        out.at(
            format!("/narrative/{i}/lang"),
            format!(
                "`{}`: expected a BCP 47 language tag, such as `en` or `de-CH`",
                cut(&n.lang)
            ),
        );
    }
    if n.text.trim().is_empty() {
        out.at(
            format!("/narrative/{i}/text"),
            "empty text: expected the narrative, or leave the entry out",
        );
    }
}

/// `issuers`: the issuing authorities of the record's alerts, whose
/// consents may be recorded with the source too (their information is in
/// the record).
fn source(s: &Source, issuers: &[&Party], out: &mut Out<'_>) {
    if s.reference.as_deref().is_some_and(|r| r.trim().is_empty()) {
        out.at(
            "/source/reference",
            "empty reference: expected the originator's source reference, or leave the field out",
        );
    }
    for (i, c) in s.consents.iter().enumerate() {
        if s.agency.as_ref() != Some(&c.by) && !issuers.iter().any(|p| p.includes(&c.by)) {
            out.at(
                format!("/source/consents/{i}/by"),
                format!(
                    "consent by `{}` recorded with the source: expected the source agency{} or the issuing authority of one of the record's alerts",
                    c.by,
                    s.agency
                        .as_ref()
                        .map(|a| format!(" `{a}`"))
                        .unwrap_or_else(|| " (set `/source/agency`)".to_owned())
                ),
            );
        }
        consent_scope(c, &format!("/source/consents/{i}"), out);
    }
}

/// A consent's own scope: an expiry after it was given, no empty conditions.
fn consent_scope(c: &crate::Consent, base: &str, out: &mut Out<'_>) {
    if let Some(until) = c.until
        && until <= c.at
    {
        out.at(
            format!("{base}/until"),
            format!(
                "consent until `{until}` is not after it was given at `{}`: expected a later time",
                c.at
            ),
        );
    }
    if c.conditions.as_deref().is_some_and(|t| t.trim().is_empty()) {
        out.at(
            format!("{base}/conditions"),
            "empty conditions: expected text, or leave the field out",
        );
    }
}

fn provenance(p: &Parts<'_>, out: &mut Out<'_>) {
    let mut previous: Option<&ProvenanceEntry> = None;
    for (i, entry) in p.provenance.iter().enumerate() {
        let Some(e) = entry else {
            previous = None;
            continue;
        };
        let base = Indexed("/provenance", i);
        if e.from == e.to {
            out.at(
                format!("{base}/to"),
                format!("`{}` releases to itself: expected another agency", e.to),
            );
        }
        match previous {
            Some(prev) => {
                if e.at < prev.at {
                    out.at(
                        format!("{base}/at"),
                        format!("`{}` is before the previous release at `{}`: expected entries oldest first", e.at, prev.at),
                    );
                }
                if e.from != prev.to {
                    out.at(
                        format!("{base}/from"),
                        format!(
                            "released by `{}`, but the previous release went to `{}`: expected each release to come from the previous recipient",
                            e.from, prev.to
                        ),
                    );
                }
            }
            None if i == 0 => {
                if let Some(orig) = p.originator
                    && e.from != *orig
                {
                    out.at(
                        format!("{base}/from"),
                        format!(
                            "first release by `{}`: expected the originator `{orig}`",
                            e.from
                        ),
                    );
                }
            }
            None => {}
        }
        if let Some(created) = p.created
            && e.at < created
        {
            out.at(
                format!("{base}/at"),
                format!(
                    "release at `{}` is before the record was created at `{created}`",
                    e.at
                ),
            );
        }
        if e.agreement.id.trim().is_empty() {
            out.at(
                format!("{base}/agreement/id"),
                "empty agreement id: expected the agreement's id",
            );
        }
        if e.agreement.version == 0 {
            out.at(
                format!("{base}/agreement/version"),
                "agreement version `0`: expected 1 or more",
            );
        }
        if !forms::is_lower_hex(&e.agreement.digest, 64) {
            out.at(
                format!("{base}/agreement/digest"),
                format!(
                    "`{}`: expected a SHA-256 digest as 64 lowercase hex digits",
                    cut(&e.agreement.digest)
                ),
            );
        }
        for (w, pointer) in e.withheld.iter().enumerate() {
            if !pointer.starts_with('/') {
                out.at(
                    format!("{base}/withheld/{w}"),
                    format!(
                        "`{}`: expected a JSON pointer starting with `/`",
                        cut(pointer)
                    ),
                );
            }
        }
        if let Some(until) = e.obligations.retain_until
            && until <= e.at
        {
            out.at(
                format!("{base}/obligations/retain_until"),
                format!("retain until `{until}` is not after the release at `{}`: expected a later time", e.at),
            );
        }
        if let OnwardSharing::OnlyTo { parties, .. } = &e.obligations.onward
            && parties.is_empty()
        {
            out.at(
                format!("{base}/obligations/onward/parties"),
                "no parties: expected at least one, or the rule `forbidden`",
            );
        }
        if let Some(review) = e.obligations.review_by
            && review <= e.at
        {
            out.at(
                format!("{base}/obligations/review_by"),
                format!(
                    "review by `{review}` is not after the release at `{}`: expected a later time",
                    e.at
                ),
            );
        }
        for (n, duty) in e.obligations.notifications.iter().enumerate() {
            if duty.within_hours == Some(0) {
                out.at(
                    format!("{base}/obligations/notifications/{n}/within_hours"),
                    "a deadline of 0 hours: expected 1 or more, or leave it out",
                );
            }
            if let Some(channel) = &duty.channel
                && (channel.trim().is_empty() || channel.len() > 200)
            {
                out.at(
                    format!("{base}/obligations/notifications/{n}/channel"),
                    "expected a channel's name of 1 to 200 characters, or leave it out",
                );
            }
        }
        if e.obligations.notifications
            != crate::merge_notifications(&e.obligations.notifications, &[])
        {
            out.at(
                format!("{base}/obligations/notifications"),
                "expected the duties sorted by event, deadline and channel, at most one per event and channel",
            );
        }
        for (c, consent) in e.consents.iter().enumerate() {
            consent_scope(consent, &format!("{base}/consents/{c}"), out);
            if consent.at < e.at {
                out.at(
                    format!("{base}/consents/{c}/at"),
                    format!(
                        "consent at `{}` is before the release at `{}`: expected a later time",
                        consent.at, e.at
                    ),
                );
            }
        }
        previous = Some(e);
    }
}

fn extensions(x: &BTreeMap<Namespace, Extension>, base: impl std::fmt::Display, out: &mut Out<'_>) {
    for (ns, ext) in x {
        if ext.class == Some(FieldClass::Control) {
            out.at(
                crate::problem::join(&format!("{base}/extensions"), ns.as_str()),
                "extension data declared `control`: expected a class that can be withheld (control fields belong to the record itself)",
            );
        }
    }
}

/// A pointer to one element of a top-level array, written only when a
/// problem needs it (the happy path allocates nothing).
#[derive(Clone, Copy)]
struct Indexed(&'static str, usize);

impl std::fmt::Display for Indexed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

/// User input quoted in a message, cut so that a message never repeats a
/// whole document.
fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}

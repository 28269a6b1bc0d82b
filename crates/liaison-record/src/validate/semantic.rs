//! Checks that types alone cannot make: ranges, orders, references, forms.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::forms;
use crate::problem::Problem;
use crate::{
    AgencyId, Assessment, Caveat, Entity, Extension, FieldClass, Marking, Namespace, Narrative,
    OnwardSharing, PartialDate, Party, ProvenanceEntry, Record, Relationship, Source, Timestamp,
};

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
    let ids = entities(&parts.entities, parts.references_checkable, &mut out);
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
        source(s, &mut out);
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
    duplicates(m.caveats.iter(), "/marking/caveats", "caveat", out);
    duplicates(
        m.releasable_to.iter(),
        "/marking/releasable_to",
        "party",
        out,
    );
    duplicates(m.purposes.iter(), "/marking/purposes", "purpose", out);
    if m.legal_basis
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        out.at(
            "/marking/legal_basis",
            "empty legal basis: expected text, or leave the field out",
        );
    }
    if m.caveats.contains(&Caveat::NoForeignRelease)
        && let Some(orig) = originator
    {
        for (i, party) in m.releasable_to.iter().enumerate() {
            let country = match party {
                Party::Country(c) => *c,
                Party::Agency(a) => a.country(),
            };
            if country != orig.country() {
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

fn duplicates<'a, T: Ord + std::fmt::Display + 'a>(
    items: impl Iterator<Item = &'a T>,
    base: &str,
    what: &str,
    out: &mut Out<'_>,
) {
    let mut seen = BTreeSet::new();
    for (i, item) in items.enumerate() {
        if !seen.insert(item) {
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
fn entities(slots: &[EntitySlot<'_>], references: bool, out: &mut Out<'_>) -> Ids {
    let mut ids = Ids::default();
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
}

fn entity(i: usize, e: &Entity, ids: &Ids, references: bool, out: &mut Out<'_>) {
    let base = format!("/entities/{i}");
    let id = e.id();
    if !matches!(id.get_version_num(), 4 | 5) {
        out.at(
            format!("{base}/id"),
            format!(
                "entity id `{id}` is a version {} UUID: expected a UUID v4 or v5",
                id.get_version_num()
            ),
        );
    }
    let blank = |s: &str| s.trim().is_empty();
    match e {
        Entity::Person(p) => {
            for (n, name) in p.names.iter().enumerate() {
                if name.given.as_deref().is_none_or(blank)
                    && name.family.as_deref().is_none_or(blank)
                {
                    out.at(
                        format!("{base}/names/{n}"),
                        "a name without given or family name: expected at least one of them",
                    );
                }
                if let Some(s) = &name.script
                    && !forms::is_script_code(s)
                {
                    out.at(
                        format!("{base}/names/{n}/script"),
                        format!(
                            "script `{}`: expected an ISO 15924 code such as `Latn` or `Cyrl`",
                            cut(s)
                        ),
                    );
                }
            }
            for (n, a) in p.aliases.iter().enumerate() {
                if blank(a) {
                    out.at(
                        format!("{base}/aliases/{n}"),
                        "empty alias: expected a name",
                    );
                }
            }
            duplicates(
                p.nationalities.iter(),
                &format!("{base}/nationalities"),
                "nationality",
                out,
            );
            extensions(&p.extensions, &base, out);
        }
        Entity::Organization(o) => {
            if blank(&o.name) {
                out.at(
                    format!("{base}/name"),
                    "empty name: expected the organization's name",
                );
            }
            extensions(&o.extensions, &base, out);
        }
        Entity::TravelDocument(d) => {
            let number_ok = !d.number.is_empty()
                && d.number.len() <= 35
                && d.number
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' ');
            if !number_ok {
                out.at(
                    format!("{base}/number"),
                    format!(
                        "document number `{}`: expected 1 to 35 letters, digits, spaces or hyphens as printed",
                        cut(&d.number)
                    ),
                );
            }
            if let (Some(a), Some(b)) = (d.issued_on, d.expires_on)
                && partial_after(a, b)
            {
                out.at(
                    format!("{base}/expires_on"),
                    format!("expiry `{b}` is before issue `{a}`: expected an expiry after the date of issue"),
                );
            }
            if !d.mrz.is_empty() {
                for message in super::mrz::check(d) {
                    out.at(format!("{base}/mrz"), message);
                }
            }
            extensions(&d.extensions, &base, out);
        }
        Entity::Biometric(b) => {
            if !forms::is_lower_hex(&b.sha256, 64) {
                out.at(
                    format!("{base}/sha256"),
                    format!(
                        "`{}`: expected the sample's SHA-256 as 64 lowercase hex digits",
                        cut(&b.sha256)
                    ),
                );
            }
            if blank(&b.format) {
                out.at(
                    format!("{base}/format"),
                    "empty format: expected the sample's format, such as `ISO/IEC 19794-5`",
                );
            }
            if !forms::is_uri(&b.pointer) {
                out.at(
                    format!("{base}/pointer"),
                    format!(
                        "`{}`: expected an absolute URI where the sample can be requested",
                        cut(&b.pointer)
                    ),
                );
            }
            extensions(&b.extensions, &base, out);
        }
        Entity::Conveyance(c) => {
            if blank(&c.identifier) {
                out.at(
                    format!("{base}/identifier"),
                    "empty identifier: expected a registration, IMO, tail or flight number",
                );
            }
            extensions(&c.extensions, &base, out);
        }
        Entity::Location(l) => {
            if let Some(lat) = l.latitude
                && !(lat.is_finite() && (-90.0..=90.0).contains(&lat))
            {
                out.at(
                    format!("{base}/latitude"),
                    format!("latitude `{lat}`: expected -90 to 90 degrees"),
                );
            }
            if let Some(lon) = l.longitude
                && !(lon.is_finite() && (-180.0..=180.0).contains(&lon))
            {
                out.at(
                    format!("{base}/longitude"),
                    format!("longitude `{lon}`: expected -180 to 180 degrees"),
                );
            }
            if l.latitude.is_some() != l.longitude.is_some() {
                out.at(
                    base.clone(),
                    "only one of latitude and longitude: expected both or neither",
                );
            }
            if let Some(code) = &l.locode
                && !forms::is_locode(code)
            {
                out.at(
                    format!("{base}/locode"),
                    format!(
                        "`{}`: expected a UN/LOCODE of five uppercase characters, such as `NLAMS`",
                        cut(code)
                    ),
                );
            }
            extensions(&l.extensions, &base, out);
        }
        Entity::Encounter(enc) => {
            if let Some(loc) = enc.location
                && references
                && !ids.locations.contains(&loc)
                && !ids.unparsed.contains(&loc)
            {
                let why = if ids.all.contains_key(&loc) {
                    "is not a location"
                } else {
                    "is not an entity of this record"
                };
                out.at(
                    format!("{base}/location"),
                    format!("`{loc}` {why}: expected the id of a location entity of this record"),
                );
            }
            extensions(&enc.extensions, &base, out);
        }
        Entity::Alert(a) => {
            if !forms::is_kebab(&a.category) {
                out.at(
                    format!("{base}/category"),
                    format!(
                        "category `{}`: expected lowercase kebab-case, such as `interpol-red`",
                        cut(&a.category)
                    ),
                );
            }
            if let Some(until) = a.valid_until
                && until < a.valid_from
            {
                out.at(
                    format!("{base}/valid_until"),
                    format!(
                        "valid until `{until}` is before valid from `{}`: expected a later time",
                        a.valid_from
                    ),
                );
            }
            extensions(&a.extensions, &base, out);
        }
        Entity::Indicator(ind) => {
            if let Some(expected) = forms::indicator_expectation(ind.indicator_type, &ind.value) {
                out.at(
                    format!("{base}/value"),
                    format!("`{}`: expected {expected}", cut(&ind.value)),
                );
            }
            if let (Some(from), Some(until)) = (ind.valid_from, ind.valid_until)
                && until < from
            {
                out.at(
                    format!("{base}/valid_until"),
                    format!(
                        "valid until `{until}` is before valid from `{from}`: expected a later time"
                    ),
                );
            }
            extensions(&ind.extensions, &base, out);
        }
        Entity::Threat(t) => {
            if blank(&t.name) {
                out.at(
                    format!("{base}/name"),
                    "empty name: expected the threat's name",
                );
            }
            if let (Some(first), Some(last)) = (t.first_seen, t.last_seen)
                && last < first
            {
                out.at(
                    format!("{base}/last_seen"),
                    format!(
                        "last seen `{last}` is before first seen `{first}`: expected a later time"
                    ),
                );
            }
            extensions(&t.extensions, &base, out);
        }
    }
}

/// Whether `a` is certainly after `b`, comparing only the parts both know.
fn partial_after(a: PartialDate, b: PartialDate) -> bool {
    if a.year() != b.year() {
        return a.year() > b.year();
    }
    match (a.month(), b.month()) {
        (Some(am), Some(bm)) if am != bm => am > bm,
        (Some(_), Some(_)) => matches!((a.day(), b.day()), (Some(ad), Some(bd)) if ad > bd),
        _ => false,
    }
}

fn relationship(i: usize, r: &Relationship, ids: &Ids, references: bool, out: &mut Out<'_>) {
    let base = format!("/relationships/{i}");
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

fn source(s: &Source, out: &mut Out<'_>) {
    if s.reference.as_deref().is_some_and(|r| r.trim().is_empty()) {
        out.at(
            "/source/reference",
            "empty reference: expected the originator's source reference, or leave the field out",
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
        let base = format!("/provenance/{i}");
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
        if let OnwardSharing::OnlyTo { parties } = &e.obligations.onward
            && parties.is_empty()
        {
            out.at(
                format!("{base}/obligations/onward/parties"),
                "no parties: expected at least one, or the rule `forbidden`",
            );
        }
        for (c, consent) in e.consents.iter().enumerate() {
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

fn extensions(x: &BTreeMap<Namespace, Extension>, base: &str, out: &mut Out<'_>) {
    for (ns, ext) in x {
        if ext.class == Some(FieldClass::Control) {
            out.at(
                crate::problem::join(&format!("{base}/extensions"), ns.as_str()),
                "extension data declared `control`: expected a class that can be withheld (control fields belong to the record itself)",
            );
        }
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

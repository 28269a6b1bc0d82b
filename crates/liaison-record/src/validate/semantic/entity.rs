//! Checks of each entity on its own (and of an encounter's location).

use super::{Ids, Indexed, Out, cut, duplicates, extensions};
use crate::validate::forms;
use crate::{Entity, PartialDate};

pub(super) fn entity(i: usize, e: &Entity, ids: &Ids, references: bool, out: &mut Out<'_>) {
    let base = Indexed("/entities", i);
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
                &p.nationalities,
                format_args!("{base}/nationalities"),
                "nationality",
                out,
            );
            extensions(&p.extensions, base, out);
        }
        Entity::Organization(o) => {
            if blank(&o.name) {
                out.at(
                    format!("{base}/name"),
                    "empty name: expected the organization's name",
                );
            }
            extensions(&o.extensions, base, out);
        }
        Entity::TravelDocument(d) => {
            let printed = !d.number.is_empty()
                && d.number.len() <= 35
                && d.number
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' ');
            if !printed && !crate::ids::is_masked_document_number(&d.number) {
                out.at(
                    format!("{base}/number"),
                    format!(
                        "document number `{}`: expected 1 to 35 letters, digits, spaces or hyphens as printed, or a masked number (`*****` and at most its last 3 letters or digits)",
                        cut(&d.number)
                    ),
                );
            }
            if crate::ids::is_masked_document_number(&d.number) && !d.mrz.is_empty() {
                out.at(
                    format!("{base}/mrz"),
                    "a machine-readable zone beside a masked document number: the zone holds the number, so leave it out",
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
                // Without a creation date (reported elsewhere), today's
                // date gives two-digit years their century.
                let reference = ids.reference.unwrap_or_else(|| {
                    crate::CalendarDate::from_date(time::OffsetDateTime::now_utc().date())
                });
                for message in crate::validate::mrz::check(d, reference) {
                    out.at(format!("{base}/mrz"), message);
                }
            }
            extensions(&d.extensions, base, out);
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
            extensions(&b.extensions, base, out);
        }
        Entity::Conveyance(c) => {
            if blank(&c.identifier) {
                out.at(
                    format!("{base}/identifier"),
                    "empty identifier: expected a registration, IMO, tail or flight number",
                );
            }
            extensions(&c.extensions, base, out);
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
                    base.to_string(),
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
            extensions(&l.extensions, base, out);
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
            extensions(&enc.extensions, base, out);
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
            extensions(&a.extensions, base, out);
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
            extensions(&ind.extensions, base, out);
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
            extensions(&t.extensions, base, out);
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

//! The record's member tree, so that every field path an agreement writes
//! is checked against what the record schema can hold: a path that can
//! never match any record is a load error, never a silent full release.

use crate::schema::closest;

/// What a valid field path reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// A control field (ids, versions, times, marking, provenance): it
    /// always goes and can never be withheld.
    Control,
    /// A field the record model classifies (a unit, a person's field, an
    /// extension) or a group of them.
    Field,
    /// A member beneath a unit (`/entities/*/mrz`, `/source/reference`):
    /// it can be withheld, and it goes with its unit.
    Part,
}

const CONTROL: &[&str] = &[
    "schema_version",
    "id",
    "version",
    "revoked",
    "originator",
    "created",
    "modified",
    "marking",
    "provenance",
];
const ROOT: &[&str] = &[
    "schema_version",
    "id",
    "version",
    "revoked",
    "originator",
    "created",
    "modified",
    "marking",
    "assessment",
    "entities",
    "relationships",
    "narrative",
    "source",
    "provenance",
    "extensions",
];
const ASSESSMENT: &[&str] = &[
    "source_reliability",
    "information_credibility",
    "confidence",
];
const SOURCE: &[&str] = &[
    "source_type",
    "reference",
    "agency",
    "description",
    "consents",
];
const RELATIONSHIP: &[&str] = &["source", "relationship", "target", "description"];
const NARRATIVE: &[&str] = &["lang", "text"];
const PERSON_FIELDS: &[&str] = &[
    "names",
    "aliases",
    "date_of_birth",
    "sex",
    "nationalities",
    "place_of_birth",
    "data_subject",
    "special_categories",
];
const NAME_PARTS: &[&str] = &["given", "family", "script", "transliteration"];
/// The members of every kind of entity but persons (whose fields are
/// classified one by one), beside `id`, `kind` and `extensions`.
const ENTITY_PARTS: &[&str] = &[
    "name",
    "aliases",
    "country",
    "agency",
    "description",
    "document_type",
    "issuing_state",
    "number",
    "issued_on",
    "expires_on",
    "status",
    "mrz",
    "modality",
    "format",
    "sha256",
    "pointer",
    "conveyance_type",
    "identifier",
    "registration_state",
    "locode",
    "latitude",
    "longitude",
    "encounter_type",
    "at",
    "location",
    "observed_by",
    "outcome",
    "issuing_authority",
    "category",
    "action",
    "reference",
    "valid_from",
    "valid_until",
    "indicator_type",
    "value",
    "threat_type",
    "first_seen",
    "last_seen",
];
/// Members of entities that hold a list, whose items a path may name.
const LIST_PARTS: &[&str] = &["aliases", "mrz"];

type PathError = (String, Option<String>);

fn unknown(pattern: &str, at: &str, segment: &str, known: &[&str]) -> PathError {
    let mut all: Vec<&str> = known.to_vec();
    all.sort_unstable();
    all.dedup();
    let help = match closest(segment, &all) {
        Some(k) => format!("did you mean `{}`?", pattern_with(pattern, segment, k)),
        None => format!(
            "beneath `{at}` a record has {}",
            all.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    (
        format!(
            "the path `{pattern}` can never match: no record has a member `{segment}` beneath `{at}`"
        ),
        Some(help),
    )
}

fn pattern_with(pattern: &str, from: &str, to: &str) -> String {
    let segments: Vec<&str> = pattern.split('/').collect();
    let i = segments.iter().rposition(|s| *s == from);
    segments
        .iter()
        .enumerate()
        .map(|(j, s)| if Some(j) == i { to } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_index(s: &str) -> bool {
    s == "*" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

fn too_deep(pattern: &str, at: &str) -> PathError {
    (
        format!("the path `{pattern}` can never match: `{at}` holds no members"),
        Some(format!("write `{at}`")),
    )
}

fn not_an_index(pattern: &str, at: &str, segment: &str) -> PathError {
    (
        format!(
            "the path `{pattern}` can never match: `{at}` is a list, and `{segment}` is not a position in it"
        ),
        Some(format!(
            "write `{at}/*` for every item, or a position such as `{at}/0`"
        )),
    )
}

/// Checks a field path (`/entities/*/mrz`) against the record schema and
/// says what it reaches.
pub(crate) fn classify(pattern: &str) -> Result<PathKind, PathError> {
    let segments: Vec<&str> = pattern.split('/').skip(1).collect();
    let Some((&first, rest)) = segments.split_first() else {
        return Ok(PathKind::Field);
    };
    if first == "*" {
        return Ok(PathKind::Field);
    }
    if CONTROL.contains(&first) {
        return Ok(PathKind::Control);
    }
    let at = format!("/{first}");
    match first {
        "assessment" => members(pattern, &at, rest, ASSESSMENT, PathKind::Field),
        "source" => match rest {
            // Consents are a list of objects; a path may name any of them.
            ["consents", ..] => Ok(PathKind::Part),
            _ => members(pattern, &at, rest, SOURCE, PathKind::Field),
        },
        "narrative" => match rest {
            [] => Ok(PathKind::Field),
            [i, tail @ ..] if is_index(i) => members(
                pattern,
                &format!("{at}/{i}"),
                tail,
                NARRATIVE,
                PathKind::Part,
            ),
            [i, ..] => Err(not_an_index(pattern, &at, i)),
        },
        "relationships" => match rest {
            [] => Ok(PathKind::Field),
            [i] if is_index(i) => Ok(PathKind::Field),
            [i, m] if is_index(i) && (*m == "*" || RELATIONSHIP.contains(m)) => Ok(PathKind::Part),
            [i, m] if is_index(i) => Err(unknown(pattern, &format!("{at}/{i}"), m, RELATIONSHIP)),
            [i, m, ..] if is_index(i) => Err(too_deep(pattern, &format!("{at}/{i}/{m}"))),
            [i, ..] => Err(not_an_index(pattern, &at, i)),
        },
        "extensions" => extensions(pattern, &at, rest),
        "entities" => match rest {
            [] => Ok(PathKind::Field),
            [i, tail @ ..] if is_index(i) => entity(pattern, &format!("{at}/{i}"), tail),
            [i, ..] => Err(not_an_index(pattern, &at, i)),
        },
        other => Err(unknown(pattern, "", other, ROOT)),
    }
}

fn members(
    pattern: &str,
    at: &str,
    rest: &[&str],
    known: &[&str],
    itself: PathKind,
) -> Result<PathKind, PathError> {
    match rest {
        [] => Ok(itself),
        [m] if *m == "*" || known.contains(m) => Ok(PathKind::Part),
        [m] => Err(unknown(pattern, at, m, known)),
        [m, ..] if known.contains(m) => Err(too_deep(pattern, &format!("{at}/{m}"))),
        [m, ..] => Err(unknown(pattern, at, m, known)),
    }
}

fn extensions(pattern: &str, at: &str, rest: &[&str]) -> Result<PathKind, PathError> {
    match rest {
        [] | [_] => Ok(PathKind::Field),
        [ns, ..] => Err((
            format!("the path `{pattern}` reaches into extension data, which has no schema"),
            Some(format!("withhold the whole extension, `{at}/{ns}`")),
        )),
    }
}

fn entity(pattern: &str, at: &str, rest: &[&str]) -> Result<PathKind, PathError> {
    let Some((&m, tail)) = rest.split_first() else {
        return Ok(PathKind::Field);
    };
    let here = format!("{at}/{m}");
    match m {
        "*" => Ok(PathKind::Field),
        "id" | "kind" => Ok(PathKind::Control),
        "extensions" => extensions(pattern, &here, tail),
        "names" => match tail {
            [] => Ok(PathKind::Field),
            [i, rest @ ..] if is_index(i) => members(
                pattern,
                &format!("{here}/{i}"),
                rest,
                NAME_PARTS,
                PathKind::Part,
            ),
            [i, ..] => Err(not_an_index(pattern, &here, i)),
        },
        _ if PERSON_FIELDS.contains(&m) || ENTITY_PARTS.contains(&m) => {
            let kind = if PERSON_FIELDS.contains(&m) {
                PathKind::Field
            } else {
                PathKind::Part
            };
            match tail {
                [] => Ok(kind),
                [i] if (LIST_PARTS.contains(&m)
                    || m == "nationalities"
                    || m == "special_categories")
                    && is_index(i) =>
                {
                    Ok(PathKind::Part)
                }
                [i] if LIST_PARTS.contains(&m) || m == "nationalities" => {
                    Err(not_an_index(pattern, &here, i))
                }
                _ => Err(too_deep(pattern, &here)),
            }
        }
        _ => {
            let mut known: Vec<&str> = ENTITY_PARTS.to_vec();
            known.extend_from_slice(PERSON_FIELDS);
            known.extend_from_slice(&["id", "kind", "extensions"]);
            Err(unknown(pattern, at, m, &known))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified() {
        assert_eq!(classify("/entities/*/mrz"), Ok(PathKind::Part));
        assert_eq!(classify("/entities/*/mrz/1"), Ok(PathKind::Part));
        assert_eq!(classify("/entities/*/number"), Ok(PathKind::Part));
        assert_eq!(classify("/source/reference"), Ok(PathKind::Part));
        assert_eq!(classify("/entities/*/place_of_birth"), Ok(PathKind::Field));
        assert_eq!(classify("/entities/*/names/*/family"), Ok(PathKind::Part));
        assert_eq!(classify("/entities/3"), Ok(PathKind::Field));
        assert_eq!(classify("/extensions"), Ok(PathKind::Field));
        assert_eq!(
            classify("/extensions/nld-kmar.internal"),
            Ok(PathKind::Field)
        );
        assert_eq!(classify("/marking/caveats"), Ok(PathKind::Control));
        assert_eq!(classify("/entities/*/id"), Ok(PathKind::Control));
    }

    #[test]
    fn paths_that_never_match_are_errors_with_a_fix() {
        let (message, help) = classify("/entities/*/numbr").unwrap_err();
        assert!(message.contains("`numbr`"), "{message}");
        assert_eq!(help.as_deref(), Some("did you mean `/entities/*/number`?"));
        let (_, help) = classify("/sources").unwrap_err();
        assert_eq!(help.as_deref(), Some("did you mean `/source`?"));
        assert!(classify("/source/reference/x").is_err());
        assert_eq!(classify("/source/consents/0"), Ok(PathKind::Part));
        assert!(classify("/entities/*/number/x").is_err());
        assert!(classify("/extensions/nld-kmar.case/data/flight").is_err());
        assert!(classify("/entities/first/names").is_err());
        assert!(classify("/assessment/confidence/x").is_err());
    }
}

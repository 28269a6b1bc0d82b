//! The agreement language: one serde model read from TOML or JSON.
//!
//! `docs/agreements.md` is the reference; the field docs here say the same
//! in fewer words.

use serde::{Deserialize, Serialize};

use liaison_record::{
    AgencyId, Attribution, Caveat, Classification, DataSubject, Entity, EntityKind, FieldClass,
    InformationCredibility, Notification, Obligations, OnwardSharing, Party, Purpose, Record,
    SourceReliability, SourceType, SpecialCategory, Timestamp, Tlp, merge_notifications,
};

use crate::matching::MatchClause;
use crate::request::{RequestKind, Urgency};

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

/// A sharing agreement: who may receive which records from whom, for what,
/// and under which conditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// The agreement's id: lowercase letters, digits, `-` and `.`, such as
    /// `nld-kmar.deu-bpol.border`.
    pub id: String,
    /// The version, from 1. A new version replaces the old one from its
    /// `valid_from` on: at any time only the newest version whose
    /// `valid_from` has come applies, and only while it is in force.
    pub version: u32,
    /// A human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The agency that releases records under the agreement.
    pub provider: AgencyId,
    /// The parties (countries or agencies) that may receive them.
    pub recipients: Vec<Party>,
    /// The agreement applies from this time on.
    pub valid_from: Timestamp,
    /// The agreement no longer applies from this time on; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// The agreement is suspended from this time on: nothing is released
    /// under it until a new version lifts the suspension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_from: Option<Timestamp>,
    /// The agreement is terminated at this time: nothing is released under
    /// it from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated_at: Option<Timestamp>,
    /// Whether the obligations of copies released under the agreement
    /// survive its end (expiry or termination); when they do not, every
    /// copy must be deleted when the agreement ends. True when absent.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub obligations_survive: bool,
    /// The legal basis (treaty, law, memorandum) the agreement rests on.
    pub legal_basis: String,
    /// The purposes records may be released for.
    pub purposes: Vec<Purpose>,
    /// The highest classification any clause may release.
    pub max_classification: Classification,
    /// Namespaced caveats the agreement's parties understand; a record
    /// carrying any other namespaced caveat is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_caveats: Vec<Caveat>,
    /// Obligations that bind every release under the agreement.
    #[serde(default, skip_serializing_if = "ObligationRules::is_empty")]
    pub obligations: ObligationRules,
    /// When a release under the agreement must be sealed for post-quantum
    /// recipients (X-Wing stanzas, envelope suite 0x0003); never when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_post_quantum: Option<PostQuantumRule>,
    /// The clauses, in any order: their order never changes a decision.
    #[serde(rename = "clause", default)]
    pub clauses: Vec<Clause>,
    /// The match clauses (`[[match]]`): which partners may ask whether the
    /// provider holds a key, and within which limits (see
    /// [`MatchClause`]).
    #[serde(rename = "match", default, skip_serializing_if = "Vec::is_empty")]
    pub matching: Vec<MatchClause>,
}

/// Which releases under an agreement must be sealed post-quantum. Every
/// condition given must hold (an empty table: every release), as in a
/// clause's `when`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostQuantumRule {
    /// Releases of records classified at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_classification: Option<Classification>,
    /// Releases to these parties (agencies, or countries for all their
    /// agencies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<Party>,
}

impl PostQuantumRule {
    /// Whether a release of a record classified `classification` to
    /// `recipient` must be sealed post-quantum.
    pub fn applies(&self, classification: Classification, recipient: &AgencyId) -> bool {
        self.min_classification
            .is_none_or(|floor| classification >= floor)
            && (self.partners.is_empty() || self.partners.iter().any(|p| p.includes(recipient)))
    }
}

/// One rule of an agreement: when it applies, and its effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// The clause id, unique in the agreement (`persons-for-border-control`).
    pub id: String,
    /// What the clause is for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the clause applies; every condition given must hold.
    #[serde(default, skip_serializing_if = "Conditions::is_empty")]
    pub when: Conditions,
    /// What the clause does when it applies.
    pub effect: Effect,
    /// What may go, for a `release` clause (required there, refused elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseRule>,
    /// Obligations that bind a release this clause takes part in.
    #[serde(default, skip_serializing_if = "ObligationRules::is_empty")]
    pub obligations: ObligationRules,
    /// On a deny or refer clause: the ids of the clauses of the same
    /// agreement it is meant to override where both apply (release clauses,
    /// and refer clauses under a deny clause). It changes no decision, since
    /// deny and refer always win; it tells `policy check` that the overlap
    /// is intended, so that only undeclared overlaps are warned about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
}

/// The effect of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Release the record, with what the clause's `release` table allows.
    Release,
    /// Refuse the record; overrides every release.
    Deny,
    /// Ask the originator; overrides every release.
    Refer,
}

/// When a clause applies. Every condition given must hold; an absent
/// condition always holds.
///
/// Conditions on the marking go one way only, so that a stricter marking
/// can never make a release clause apply or a deny or refer clause stop
/// applying: release clauses take ceilings (`max_*`, `caveats_none`), deny
/// and refer clauses floors (`min_*`, `caveats_any`). The loader refuses the
/// other combinations.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The record describes at least one entity of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entity_kinds: Vec<EntityKind>,
    /// The record describes at least one entity, and every entity is of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_entity_kinds: Vec<EntityKind>,
    /// The record is classified at most this (a ceiling; release clauses only,
    /// where it narrows the agreement's `max_classification`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_classification: Option<Classification>,
    /// The record is classified at least this (deny and refer clauses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_classification: Option<Classification>,
    /// The record's TLP label is at most this (release clauses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tlp: Option<Tlp>,
    /// The record's TLP label is at least this (deny and refer clauses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tlp: Option<Tlp>,
    /// The record carries at least one of these caveats (deny and refer clauses only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats_any: Vec<Caveat>,
    /// The record carries none of these caveats (release clauses only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats_none: Vec<Caveat>,
    /// The request is for one of these purposes (each must be one of the
    /// agreement's purposes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<Purpose>,
    /// The source is graded at least this reliable (`A` is the best).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_source_reliability: Option<SourceReliability>,
    /// The information is graded at least this credible (`1` is the best).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_information_credibility: Option<InformationCredibility>,
    /// The record was created at most this many days before the evaluation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    /// The record was created at least this many days before the evaluation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age_days: Option<u32>,
    /// The source is graded at most this reliable (`E` matches `E` and
    /// `F`); an ungraded source matches too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_source_reliability: Option<SourceReliability>,
    /// The information is graded at most this credible (`5` matches `5`
    /// and `6`); ungraded information matches too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_information_credibility: Option<InformationCredibility>,
    /// The record's source is one of these types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_types: Vec<SourceType>,
    /// The record's information came from one of these agencies (its
    /// source's `agency`, or the originator when the source names none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_agencies: Vec<AgencyId>,
    /// Whether the record carries a third agency's information (its
    /// source names an agency other than the originator): `true` applies
    /// to those records only, `false` to the others only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_source: Option<bool>,
    /// The record describes a person of one of these data-subject
    /// categories (Directive (EU) 2016/680 art. 6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_subjects: Vec<DataSubject>,
    /// On a deny or refer clause: the record holds special-category data of
    /// one of these kinds (art. 10). On a release clause: the special
    /// categories the clause may let go; a release clause applies to a
    /// record holding special-category data only if it names every category
    /// the record holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special_categories: Vec<SpecialCategory>,
    /// The release is of one of these kinds: `spontaneous` (the provider
    /// shares of its own accord) or `on-request` (it answers a request).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_kinds: Vec<RequestKind>,
    /// The release answers a request of one of these urgencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urgencies: Vec<Urgency>,
}

impl Conditions {
    /// Whether no condition is given (the clause always applies).
    pub fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }
}

/// What a release clause lets go. Everything not listed is withheld,
/// except control fields (ids, marking, provenance), which always go.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRule {
    /// Field classes that may go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<FieldClass>,
    /// Field paths that may go whatever their class: JSON pointers in which
    /// `*` stands for any one segment (`/entities/*/names`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Field paths this clause withholds even when their class may go.
    /// Another clause that applies may still let them go: each clause lets
    /// go its own `classes` and `fields` minus its own `withhold`, and a field
    /// goes when some applicable clause lets it go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withhold: Vec<String>,
    /// Transformations applied to the released copy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transform: Vec<Transformation>,
}

/// A change made to released fields so that they say less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transformation {
    /// Every date of birth is reduced to its year.
    DateOfBirthToYear,
    /// The source is replaced by a neutral attribution to the releasing
    /// agency: no type beyond `partner-agency`, no reference, no description.
    NeutralSource,
    /// Latitudes and longitudes are rounded to one decimal (about 11 km).
    CoarseCoordinates,
    /// Persons' names are reduced to their initials.
    PseudonymizeNames,
    /// A place of birth is reduced to its country.
    PlaceOfBirthToCountry,
    /// Travel documents' numbers are masked to their last three letters or
    /// digits (`*****KF6`); the machine-readable zone, which holds the
    /// number, is withheld.
    MaskDocumentNumbers,
}

impl Transformation {
    /// Every transformation, in a fixed order.
    pub const ALL: [Transformation; 6] = [
        Transformation::DateOfBirthToYear,
        Transformation::NeutralSource,
        Transformation::CoarseCoordinates,
        Transformation::PseudonymizeNames,
        Transformation::PlaceOfBirthToCountry,
        Transformation::MaskDocumentNumbers,
    ];

    /// The name as written in agreements.
    pub fn as_str(self) -> &'static str {
        match self {
            Transformation::DateOfBirthToYear => "date-of-birth-to-year",
            Transformation::NeutralSource => "neutral-source",
            Transformation::CoarseCoordinates => "coarse-coordinates",
            Transformation::PseudonymizeNames => "pseudonymize-names",
            Transformation::PlaceOfBirthToCountry => "place-of-birth-to-country",
            Transformation::MaskDocumentNumbers => "mask-document-numbers",
        }
    }
}

/// Obligations as an agreement writes them; they become the
/// [`Obligations`] of the released copy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationRules {
    /// Delete the copy at most this many days after the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Whether the recipient may pass the record on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onward: Option<OnwardRule>,
    /// The only parties the recipient may pass the record on to (with
    /// `onward` absent or `only-to`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub onward_only_to: Vec<Party>,
    /// Tell the provider when the record is acted on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify_on_use: bool,
    /// Tell the provider when the record is passed on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify_on_onward: bool,
    /// Whether the provider must or must not be named as the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// Keep the copy encrypted at rest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypt_at_rest: bool,
    /// With `onward_only_to`: what holds for every other party, `forbidden`
    /// when absent, or `with-consent` (the originator's prior
    /// authorization, as Directive (EU) 2016/680 art. 35(1)(e) asks for
    /// transfers to third countries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onward_others: Option<OnwardOthers>,
    /// What `retention_days` count from: the release when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_from: Option<RetentionStart>,
    /// Review the copy (is it still needed?) at most this many days after
    /// the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_after_days: Option<u32>,
    /// Notification duties with a deadline and a channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<Notification>,
}

/// What an `onward_only_to` rule says of the parties it does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnwardOthers {
    /// Never to them.
    Forbidden,
    /// Only with the originator's prior consent.
    WithConsent,
}

/// The moment retention is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetentionStart {
    /// The release (the decision's time).
    Release,
    /// The record's creation (`created`).
    Creation,
    /// The event the record reports: its earliest encounter's time.
    Event,
    /// The end of the alert's validity: the earliest `valid_until` of the
    /// record's alerts.
    AlertValidity,
}

impl RetentionStart {
    /// The name as written in agreements.
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionStart::Release => "release",
            RetentionStart::Creation => "creation",
            RetentionStart::Event => "event",
            RetentionStart::AlertValidity => "alert-validity",
        }
    }

    /// The moment in words, after "the".
    fn words(self) -> &'static str {
        match self {
            RetentionStart::Release => "release",
            RetentionStart::Creation => "record's creation",
            RetentionStart::Event => "event",
            RetentionStart::AlertValidity => "end of the alert's validity",
        }
    }

    /// The moment in `record` retention counts from, for a release at
    /// `at`; an error in words when the record has no such moment.
    pub fn start(self, record: &Record, at: Timestamp) -> Result<Timestamp, String> {
        match self {
            RetentionStart::Release => Ok(at),
            RetentionStart::Creation => Ok(record.created),
            RetentionStart::Event => record
                .entities
                .iter()
                .filter_map(|e| match e {
                    Entity::Encounter(x) => Some(x.at),
                    _ => None,
                })
                .min()
                .ok_or_else(|| {
                    "retention counts from the event, and the record reports no encounter".into()
                }),
            RetentionStart::AlertValidity => {
                let ends: Vec<Option<Timestamp>> = record
                    .entities
                    .iter()
                    .filter_map(|e| match e {
                        Entity::Alert(a) => Some(a.valid_until),
                        _ => None,
                    })
                    .collect();
                if ends.contains(&None) {
                    return Err("retention counts from the end of the alert's validity, and an alert of the record is open-ended".into());
                }
                ends.into_iter().flatten().min().ok_or_else(|| {
                    "retention counts from the end of the alert's validity, and the record holds no alert".into()
                })
            }
        }
    }
}

/// Onward-sharing rules as written in agreements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnwardRule {
    /// No onward sharing.
    Forbidden,
    /// Only with the originator's recorded consent.
    WithConsent,
    /// Only to the parties of `onward_only_to`.
    OnlyTo,
    /// Under the recipient's own agreements.
    Permitted,
}

impl ObligationRules {
    /// Whether no obligation is written.
    pub fn is_empty(&self) -> bool {
        *self == ObligationRules::default()
    }

    /// The obligations of a copy released at `at`, with retention counted
    /// from the release whatever `retention_from` says (see
    /// [`ObligationRules::obligations_for`]).
    pub fn to_obligations(&self, at: Timestamp) -> Obligations {
        self.with_retention_start(at, at)
    }

    /// The obligations of a copy of `record` released at `at`: retention
    /// counted from the moment `retention_from` names. An error in words
    /// when the record has no such moment, or when the copy would already
    /// be past its deletion time.
    pub fn obligations_for(&self, record: &Record, at: Timestamp) -> Result<Obligations, String> {
        let start = match (self.retention_days, self.retention_from) {
            (Some(_), Some(from)) => from.start(record, at)?,
            _ => at,
        };
        let o = self.with_retention_start(start, at);
        if let (Some(until), Some(from)) = (o.retain_until, self.retention_from)
            && until <= at
        {
            return Err(format!(
                "retention of {} days from the {} ended at {until}, before the release",
                self.retention_days.unwrap_or_default(),
                from.words()
            ));
        }
        Ok(o)
    }

    fn with_retention_start(&self, start: Timestamp, at: Timestamp) -> Obligations {
        let plus = |t: Timestamp, days: u32| {
            let t = t.to_offset_date_time();
            let until = t
                .checked_add(time::Duration::days(i64::from(days)))
                .unwrap_or(t);
            Timestamp::from_offset_date_time(until)
        };
        let retain_until = self.retention_days.map(|days| plus(start, days));
        let review_by = self.review_after_days.map(|days| plus(at, days));
        let others_with_consent = self.onward_others == Some(OnwardOthers::WithConsent);
        let onward = match (self.onward, self.onward_only_to.is_empty()) {
            (Some(OnwardRule::Forbidden), _) => OnwardSharing::Forbidden,
            (Some(OnwardRule::WithConsent), _) => OnwardSharing::WithConsent,
            (Some(OnwardRule::OnlyTo), true) => OnwardSharing::Forbidden,
            (Some(OnwardRule::OnlyTo | OnwardRule::Permitted) | None, false) => {
                OnwardSharing::OnlyTo {
                    parties: self.onward_only_to.clone(),
                    others_with_consent,
                }
            }
            (Some(OnwardRule::Permitted) | None, true) => OnwardSharing::Permitted,
        };
        Obligations {
            retain_until,
            onward,
            notify_on_use: self.notify_on_use,
            notify_on_onward: self.notify_on_onward,
            attribution: self.attribution,
            encrypt_at_rest: self.encrypt_at_rest,
            review_by,
            notifications: merge_notifications(&self.notify, &[]),
        }
    }
}

/// Whether a JSON pointer pattern (`*` for any one segment) touches a
/// concrete pointer: it covers the pointer (see [`pattern_covers`]) or
/// reaches beneath it (`/entities/*/mrz/1` touches `/entities/1/mrz`).
pub fn pattern_touches(pattern: &str, pointer: &str) -> bool {
    let mut pat = pattern.split('/').skip(1);
    let mut ptr = pointer.split('/').skip(1);
    if pattern.is_empty() || pointer.is_empty() {
        return true;
    }
    loop {
        match (pat.next(), ptr.next()) {
            (None, _) | (_, None) => return true,
            (Some(p), Some(s)) => {
                if p != "*" && p != s {
                    return false;
                }
            }
        }
    }
}

/// Whether a JSON pointer pattern (`*` for any one segment) covers a
/// concrete pointer: the pattern matches the pointer or one of its parents.
pub fn pattern_covers(pattern: &str, pointer: &str) -> bool {
    let mut pat = pattern.split('/').skip(1);
    let mut ptr = pointer.split('/').skip(1);
    if pattern.is_empty() {
        return true;
    }
    loop {
        match (pat.next(), ptr.next()) {
            (None, _) => return true,
            (Some(_), None) => return false,
            (Some(p), Some(s)) => {
                if p != "*" && p != s {
                    return false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_cover_children_and_wildcards() {
        assert!(pattern_covers("/source", "/source/reference"));
        assert!(pattern_covers("/entities/*/names", "/entities/3/names/0"));
        assert!(!pattern_covers("/entities/*/names", "/entities/3/aliases"));
        assert!(!pattern_covers("/entities/1", "/entities/10"));
        assert!(!pattern_covers("/entities/1/names", "/entities/1"));
        assert!(pattern_touches("/entities/*/mrz/1", "/entities/1/mrz"));
        assert!(pattern_touches("/entities/*/mrz", "/entities/1/mrz"));
        assert!(pattern_touches("/source", "/source/reference"));
        assert!(!pattern_touches("/entities/*/mrz", "/entities/1/number"));
        assert!(!pattern_touches("/entities/1/mrz", "/entities/10"));
    }

    #[test]
    fn alert_validity_needs_every_alert_to_end() {
        let mut record = liaison_record::Record::from_json(include_bytes!(
            "../tests/scenarios/records/border-hit.json"
        ))
        .unwrap();
        let at: Timestamp = "2026-11-21T08:00:00.000Z".parse().unwrap();
        let end = RetentionStart::AlertValidity.start(&record, at).unwrap();
        assert_eq!(end.to_string(), "2027-09-01T00:00:00.000Z");
        // a second alert without an end: retention cannot be counted
        let open = record
            .entities
            .iter()
            .find_map(|e| match e {
                Entity::Alert(a) => Some(a.clone()),
                _ => None,
            })
            .map(|mut a| {
                a.id = uuid::Uuid::nil();
                a.valid_until = None;
                Entity::Alert(a)
            })
            .unwrap();
        record.entities.push(open);
        assert!(RetentionStart::AlertValidity.start(&record, at).is_err());
    }

    #[test]
    fn retention_days_become_a_deadline() {
        let at: Timestamp = "2026-01-01T00:00:00.000Z".parse().unwrap();
        let rules = ObligationRules {
            retention_days: Some(90),
            onward: Some(OnwardRule::Forbidden),
            ..ObligationRules::default()
        };
        let o = rules.to_obligations(at);
        assert_eq!(
            o.retain_until.unwrap().to_string(),
            "2026-04-01T00:00:00.000Z"
        );
        assert_eq!(o.onward, OnwardSharing::Forbidden);
    }
}

//! Obligations that travel with a released copy, and the provenance chain.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{AgencyId, Party, Purpose, Timestamp};

/// One release the record has gone through, appended by the releasing agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceEntry {
    /// The releasing agency.
    pub from: AgencyId,
    /// The receiving agency.
    pub to: AgencyId,
    /// When the release was decided.
    pub at: Timestamp,
    /// The purpose the record was released for.
    pub purpose: Purpose,
    /// The agreement the release was made under.
    pub agreement: AgreementRef,
    /// The id of the decision that allowed the release.
    pub decision: Uuid,
    /// What the releasing agency withheld from this copy; empty for a full release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    /// The conditions the receiving agency must respect.
    pub obligations: Obligations,
    /// Consents to onward sharing the releasing agency has given since.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
}

/// A reference to one version of a sharing agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRef {
    /// The agreement's id.
    pub id: String,
    /// The agreement's version.
    pub version: u32,
    /// Lowercase hex SHA-256 of the agreement's canonical form.
    pub digest: String,
}

/// A consent (or a refusal), recorded by an earlier releasing agency or by
/// a third agency whose information the record carries, to pass the
/// record on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The agency that consented.
    pub by: AgencyId,
    /// The party the record may be passed to.
    pub to: Party,
    /// When consent was given.
    pub at: Timestamp,
    /// The purposes the consent covers; empty means any purpose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<Purpose>,
    /// The consent no longer covers anything from this time on; open-ended
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// Conditions attached to the consent, in words; they travel with the
    /// record and bind the recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
    /// Whether this is a recorded refusal: the agency refused to let the
    /// record go to `to` (for `purposes`). A refusal outweighs every consent
    /// of the same agency that it covers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
}

/// Conditions set by the releasing agency that the recipient must respect.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Obligations {
    /// Delete the copy by this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_until: Option<Timestamp>,
    /// Whether and to whom the recipient may pass the record on.
    #[serde(default)]
    pub onward: OnwardSharing,
    /// Tell the originator when the record is acted on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify_on_use: bool,
    /// Tell the originator when the record is passed on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify_on_onward: bool,
    /// Whether the originator must or must not be named as the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// Keep the copy encrypted at rest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypt_at_rest: bool,
    /// Review by this time whether the copy is still needed (and delete it
    /// if it is not); passing it on after this time is referred to a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_by: Option<Timestamp>,
    /// Notification duties with a deadline or a channel, sorted; at most one
    /// per event and channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<Notification>,
}

/// A duty to tell the originator of an event, within a deadline, through a
/// channel.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// The event to report.
    pub on: NotificationEvent,
    /// The deadline, in hours after the event; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_hours: Option<u32>,
    /// The channel to report through (`siena`, `i-24-7`, an address), as
    /// the agreement names it; any channel when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// An event the recipient must report to the originator.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NotificationEvent {
    /// The record is acted on (a hit, an arrest, a refusal of entry).
    Use,
    /// The record is passed on.
    Onward,
    /// The copy is deleted.
    Deletion,
    /// The record is found to be inaccurate or out of date (Directive (EU)
    /// 2016/680 art. 7(3)).
    Inaccuracy,
    /// A data subject asks for access to the record (art. 14).
    AccessRequest,
}

impl NotificationEvent {
    /// The event in words, after "tell the originator when".
    fn words(self) -> &'static str {
        match self {
            NotificationEvent::Use => "the record is acted on",
            NotificationEvent::Onward => "the record is passed on",
            NotificationEvent::Deletion => "the copy is deleted",
            NotificationEvent::Inaccuracy => "the record is found inaccurate",
            NotificationEvent::AccessRequest => "a data subject asks for access",
        }
    }
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tell the originator")?;
        if let Some(hours) = self.within_hours {
            write!(
                f,
                " within {hours} hour{}",
                if hours == 1 { "" } else { "s" }
            )?;
        }
        write!(f, " when {}", self.on.words())?;
        if let Some(channel) = &self.channel {
            write!(f, ", through {channel}")?;
        }
        Ok(())
    }
}

/// `a` and `b` together, at most one duty per event and channel, the
/// shortest deadline winning; sorted.
pub fn merge_notifications(a: &[Notification], b: &[Notification]) -> Vec<Notification> {
    let mut out: Vec<Notification> = Vec::new();
    for n in a.iter().chain(b) {
        match out
            .iter_mut()
            .find(|o| o.on == n.on && o.channel == n.channel)
        {
            Some(o) => {
                o.within_hours = match (o.within_hours, n.within_hours) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                }
            }
            None => out.push(n.clone()),
        }
    }
    out.sort();
    out
}

/// The obligations in words, one condition a line under `obligations:`,
/// each line ending in a newline:
///
/// ```
/// use liaison_record::{Attribution, Obligations, OnwardSharing};
///
/// let o = Obligations {
///     onward: OnwardSharing::Forbidden,
///     notify_on_use: true,
///     attribution: Some(Attribution::MustNot),
///     ..Obligations::default()
/// };
/// assert_eq!(
///     o.to_string(),
///     "obligations:\n  - no deletion time\n  - onward sharing: forbidden\n  \
///      - tell the originator when the record is acted on\n  \
///      - do not name the originator as the source\n"
/// );
/// ```
impl fmt::Display for Obligations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "obligations:")?;
        match self.retain_until {
            Some(until) => writeln!(f, "  - delete the copy by {until}")?,
            None => writeln!(f, "  - no deletion time")?,
        }
        writeln!(f, "  - onward sharing: {}", self.onward)?;
        if self.notify_on_use {
            writeln!(f, "  - tell the originator when the record is acted on")?;
        }
        if self.notify_on_onward {
            writeln!(f, "  - tell the originator when the record is passed on")?;
        }
        match self.attribution {
            Some(Attribution::Must) => writeln!(f, "  - name the originator as the source")?,
            Some(Attribution::MustNot) => {
                writeln!(f, "  - do not name the originator as the source")?;
            }
            None => {}
        }
        if self.encrypt_at_rest {
            writeln!(f, "  - keep the copy encrypted at rest")?;
        }
        if let Some(review) = self.review_by {
            writeln!(f, "  - review the copy by {review}")?;
        }
        for n in &self.notifications {
            writeln!(f, "  - {n}")?;
        }
        Ok(())
    }
}

/// The onward rule in words, as [`Obligations`] prints it after
/// `onward sharing: ` (`only to DEU, POL-SG`).
impl fmt::Display for OnwardSharing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OnwardSharing::Forbidden => f.write_str("forbidden"),
            OnwardSharing::WithConsent => f.write_str("only with the originator's consent"),
            OnwardSharing::OnlyTo {
                parties,
                others_with_consent,
            } => {
                f.write_str("only to ")?;
                for (i, p) in parties.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                if *others_with_consent {
                    f.write_str("; to others only with the originator's prior consent")?;
                }
                Ok(())
            }
            OnwardSharing::Permitted => {
                f.write_str("permitted under the recipient's own agreements")
            }
        }
    }
}

/// Whether a recipient may pass a record on, from most to least restrictive.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OnwardSharing {
    /// No onward sharing at all.
    Forbidden,
    /// Only with the originator's recorded consent.
    WithConsent,
    /// Only to the named parties; to others forbidden, or only with the
    /// originator's prior consent.
    OnlyTo {
        /// The parties the record may be passed to.
        parties: Vec<Party>,
        /// Whether other parties may receive it with the originator's prior
        /// consent (Directive (EU) 2016/680 art. 35(1)(e)); forbidden when
        /// false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        others_with_consent: bool,
    },
    /// Onward sharing is allowed under the recipient's own agreements.
    #[default]
    Permitted,
}

/// Whether the originator must be named as the source when the record is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Attribution {
    /// The originator must be named.
    Must,
    /// The originator must not be named.
    MustNot,
}

impl Obligations {
    /// The obligations that respect both `self` and `other`: for each
    /// condition the more restrictive one wins (the earlier deletion time,
    /// the narrower onward rule, any notification or encryption either asks
    /// for; when one says the originator must be named and the other that it
    /// must not be, it must not be).
    pub fn most_restrictive(&self, other: &Obligations) -> Obligations {
        let retain_until = match (self.retain_until, other.retain_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let attribution = match (self.attribution, other.attribution) {
            (Some(Attribution::MustNot), _) | (_, Some(Attribution::MustNot)) => {
                Some(Attribution::MustNot)
            }
            (a, b) => a.or(b),
        };
        Obligations {
            retain_until,
            onward: self.onward.most_restrictive(&other.onward),
            notify_on_use: self.notify_on_use || other.notify_on_use,
            notify_on_onward: self.notify_on_onward || other.notify_on_onward,
            attribution,
            encrypt_at_rest: self.encrypt_at_rest || other.encrypt_at_rest,
            review_by: match (self.review_by, other.review_by) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            notifications: merge_notifications(&self.notifications, &other.notifications),
        }
    }

    /// Whether `self` asks at least as much as `other` on every condition,
    /// that is whether `self` is `other` or narrower.
    pub fn is_at_least_as_strict_as(&self, other: &Obligations) -> bool {
        self.most_restrictive(other) == *self
    }
}

impl OnwardSharing {
    /// The rule that respects both `self` and `other`. `Forbidden` beats
    /// everything; two `OnlyTo` lists keep the parties both allow (none left
    /// means `Forbidden`); `WithConsent` against `OnlyTo` gives `WithConsent`,
    /// since only the originator can then widen the list.
    pub fn most_restrictive(&self, other: &OnwardSharing) -> OnwardSharing {
        use OnwardSharing::{Forbidden, OnlyTo, Permitted, WithConsent};
        match (self, other) {
            (Forbidden, _) | (_, Forbidden) => Forbidden,
            (WithConsent, _) | (_, WithConsent) => WithConsent,
            (
                OnlyTo {
                    parties: a,
                    others_with_consent: ca,
                },
                OnlyTo {
                    parties: b,
                    others_with_consent: cb,
                },
            ) => {
                let mut kept: Vec<Party> = a
                    .iter()
                    .filter_map(|p| narrowest_common(p, b))
                    .chain(b.iter().filter_map(|p| narrowest_common(p, a)))
                    .collect();
                kept.sort();
                kept.dedup();
                // A party only one list names needs consent under the other
                // rule, or is forbidden there: the merge asks for consent
                // only when both rules allow others with consent.
                let others_with_consent = *ca && *cb;
                match (kept.is_empty(), others_with_consent) {
                    (true, false) => Forbidden,
                    (true, true) => WithConsent,
                    (false, _) => OnlyTo {
                        parties: kept,
                        others_with_consent,
                    },
                }
            }
            (
                OnlyTo {
                    parties,
                    others_with_consent,
                },
                Permitted,
            )
            | (
                Permitted,
                OnlyTo {
                    parties,
                    others_with_consent,
                },
            ) => OnlyTo {
                parties: parties.clone(),
                others_with_consent: *others_with_consent,
            },
            (Permitted, Permitted) => Permitted,
        }
    }

    /// Whether the rule lets the holder pass the record on to `agency`
    /// without anyone's consent.
    pub fn allows(&self, agency: &AgencyId) -> bool {
        match self {
            OnwardSharing::Forbidden | OnwardSharing::WithConsent => false,
            OnwardSharing::OnlyTo { parties, .. } => parties.iter().any(|p| p.includes(agency)),
            OnwardSharing::Permitted => true,
        }
    }
}

/// `p` if some party of `others` includes all of `p`.
fn narrowest_common(p: &Party, others: &[Party]) -> Option<Party> {
    let covered = others.iter().any(|o| o.covers(p));
    covered.then(|| p.clone())
}

impl Consent {
    /// A consent by `by` to pass the record to `to`, given at `at`, for any
    /// purpose, without expiry or conditions.
    pub fn new(by: AgencyId, to: Party, at: Timestamp) -> Consent {
        Consent {
            by,
            to,
            at,
            purposes: Vec::new(),
            until: None,
            conditions: None,
            refused: false,
        }
    }

    /// Whether the consent (or refusal) speaks about passing the record to
    /// `agency` for `purpose` at time `at`: given by then, not expired, for
    /// that party and purpose. A refusal is in scope from the moment it is
    /// recorded, whatever its `until`: only a new record version lifts it.
    pub fn scope_includes(
        &self,
        agency: &AgencyId,
        purpose: Option<&Purpose>,
        at: Timestamp,
    ) -> bool {
        let party = self.to.includes(agency);
        let purpose_ok = match purpose {
            Some(p) => self.purposes.is_empty() || self.purposes.contains(p),
            // Asked without a purpose: only a consent for every purpose counts,
            // while any refusal does.
            None => self.refused || self.purposes.is_empty(),
        };
        let time_ok = self.at <= at && (self.refused || self.until.is_none_or(|u| at < u));
        party && purpose_ok && time_ok
    }

    /// Whether the consent lets the record go to `agency` at time `at`, for
    /// any purpose (a refusal never does).
    pub fn covers(&self, agency: &AgencyId, at: Timestamp) -> bool {
        !self.refused && self.scope_includes(agency, None, at)
    }
}

/// Whether the consents of `by` among `consents` let the record go to
/// `agency` for `purpose` at `at`: some consent covers it and no refusal of
/// the same agency does.
pub fn consented<'a>(
    consents: impl Iterator<Item = &'a Consent> + Clone,
    by: &AgencyId,
    agency: &AgencyId,
    purpose: &Purpose,
    at: Timestamp,
) -> bool {
    consented_by(consents, |b| b == by, agency, purpose, at)
}

/// [`consented`] for the consents of every agency `by` accepts (the
/// agencies of a party, say): some consent of one of them covers it, and no
/// refusal of any of them does.
pub fn consented_by<'a>(
    consents: impl Iterator<Item = &'a Consent> + Clone,
    by: impl Fn(&AgencyId) -> bool,
    agency: &AgencyId,
    purpose: &Purpose,
    at: Timestamp,
) -> bool {
    let mut of = consents.filter(|c| by(&c.by) && c.scope_includes(agency, Some(purpose), at));
    let mut given = false;
    for c in of.by_ref() {
        if c.refused {
            return false;
        }
        given = true;
    }
    given
}

impl ProvenanceEntry {
    /// Whether a consent recorded in this entry, given by `by`, covers
    /// passing the record on to `agency` at `at`, and no refusal of `by`
    /// recorded in this entry does.
    pub fn consent_from(&self, by: &AgencyId, agency: &AgencyId, at: Timestamp) -> bool {
        let refused = self
            .consents
            .iter()
            .any(|c| &c.by == by && c.refused && c.scope_includes(agency, None, at));
        !refused
            && self
                .consents
                .iter()
                .any(|c| &c.by == by && c.covers(agency, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OnwardSharing::{OnlyTo, Permitted, WithConsent};

    fn party(s: &str) -> Party {
        s.parse().unwrap()
    }

    #[test]
    fn the_most_restrictive_obligation_wins() {
        let early: Timestamp = "2026-01-01T00:00:00.000Z".parse().unwrap();
        let late: Timestamp = "2027-01-01T00:00:00.000Z".parse().unwrap();
        let a = Obligations {
            retain_until: Some(late),
            onward: OnwardSharing::OnlyTo {
                parties: vec![party("DEU"), party("BEL-FPP")],
                others_with_consent: false,
            },
            notify_on_use: true,
            attribution: Some(Attribution::Must),
            ..Obligations::default()
        };
        let b = Obligations {
            retain_until: Some(early),
            onward: OnwardSharing::OnlyTo {
                parties: vec![party("DEU-BPOL"), party("FRA")],
                others_with_consent: false,
            },
            attribution: Some(Attribution::MustNot),
            encrypt_at_rest: true,
            ..Obligations::default()
        };
        let m = a.most_restrictive(&b);
        assert_eq!(m.retain_until, Some(early));
        assert_eq!(
            m.onward,
            OnwardSharing::OnlyTo {
                parties: vec![party("DEU-BPOL")],
                others_with_consent: false,
            }
        );
        assert!(m.notify_on_use && m.encrypt_at_rest);
        assert_eq!(m.attribution, Some(Attribution::MustNot));
        assert_eq!(m, b.most_restrictive(&a));
        assert!(m.is_at_least_as_strict_as(&a) && m.is_at_least_as_strict_as(&b));
        assert!(!a.is_at_least_as_strict_as(&m));
    }

    #[test]
    fn onward_rules_narrow() {
        use OnwardSharing::{Forbidden, OnlyTo, Permitted, WithConsent};
        let only = |p: &str| OnlyTo {
            parties: vec![party(p)],
            others_with_consent: false,
        };
        assert_eq!(Permitted.most_restrictive(&WithConsent), WithConsent);
        assert_eq!(WithConsent.most_restrictive(&Forbidden), Forbidden);
        assert_eq!(only("DEU").most_restrictive(&only("FRA")), Forbidden);
        assert_eq!(only("DEU").most_restrictive(&Permitted), only("DEU"));
        assert_eq!(only("DEU").most_restrictive(&WithConsent), WithConsent);
        let bpol: AgencyId = "DEU-BPOL".parse().unwrap();
        assert!(only("DEU").allows(&bpol));
        assert!(!only("FRA").allows(&bpol) && !WithConsent.allows(&bpol));
    }

    #[test]
    fn obligations_print_one_condition_a_line() {
        let until: Timestamp = "2027-02-19T08:00:00.000Z".parse().unwrap();
        let all = Obligations {
            retain_until: Some(until),
            onward: OnwardSharing::OnlyTo {
                parties: vec![party("DEU"), party("POL-SG")],
                others_with_consent: false,
            },
            notify_on_use: true,
            notify_on_onward: true,
            attribution: Some(Attribution::Must),
            encrypt_at_rest: true,
            review_by: Some(until),
            notifications: vec![Notification {
                on: NotificationEvent::Use,
                within_hours: Some(24),
                channel: Some("siena".into()),
            }],
        };
        assert_eq!(
            all.to_string(),
            "obligations:\n\
             \x20 - delete the copy by 2027-02-19T08:00:00.000Z\n\
             \x20 - onward sharing: only to DEU, POL-SG\n\
             \x20 - tell the originator when the record is acted on\n\
             \x20 - tell the originator when the record is passed on\n\
             \x20 - name the originator as the source\n\
             \x20 - keep the copy encrypted at rest\n\
             \x20 - review the copy by 2027-02-19T08:00:00.000Z\n\
             \x20 - tell the originator within 24 hours when the record is acted on, through siena\n"
        );
        assert_eq!(
            Obligations::default().to_string(),
            "obligations:\n  - no deletion time\n  - onward sharing: permitted under the recipient's own agreements\n"
        );
        let consent = Obligations {
            onward: OnwardSharing::WithConsent,
            attribution: Some(Attribution::MustNot),
            ..Obligations::default()
        };
        assert!(consent.to_string().contains(
            "  - onward sharing: only with the originator's consent\n  - do not name the originator as the source\n"
        ));
    }

    #[test]
    fn onward_lists_with_consent_for_others_merge_without_widening() {
        let eu = |owc| OnlyTo {
            parties: vec![party("eu-member-state")],
            others_with_consent: owc,
        };
        // art. 35(1)(e): within the EU freely, elsewhere with consent
        assert_eq!(eu(true).most_restrictive(&Permitted), eu(true));
        assert_eq!(eu(true).most_restrictive(&eu(false)), eu(false));
        assert_eq!(eu(true).most_restrictive(&WithConsent), WithConsent);
        // a class keeps the countries and agencies it covers
        assert_eq!(
            eu(true).most_restrictive(&OnlyTo {
                parties: vec![party("DEU"), party("USA")],
                others_with_consent: true,
            }),
            OnlyTo {
                parties: vec![party("DEU")],
                others_with_consent: true,
            }
        );
        // nothing in common, both with consent: consent for everyone
        assert_eq!(
            eu(true).most_restrictive(&OnlyTo {
                parties: vec![party("USA")],
                others_with_consent: true,
            }),
            WithConsent
        );
        let bpol: AgencyId = "DEU-BPOL".parse().unwrap();
        let cbp: AgencyId = "USA-CBP".parse().unwrap();
        assert!(eu(true).allows(&bpol) && !eu(true).allows(&cbp));
        assert!(
            eu(true)
                .to_string()
                .ends_with("; to others only with the originator's prior consent")
        );
    }

    #[test]
    fn notifications_merge_to_the_shortest_deadline_per_event_and_channel() {
        let n = |on, h: Option<u32>, c: Option<&str>| Notification {
            on,
            within_hours: h,
            channel: c.map(str::to_owned),
        };
        let a = vec![n(NotificationEvent::Use, Some(72), Some("siena"))];
        let b = vec![
            n(NotificationEvent::Use, Some(24), Some("siena")),
            n(NotificationEvent::Use, None, None),
            n(NotificationEvent::Onward, None, Some("i-24-7")),
        ];
        let merged = merge_notifications(&a, &b);
        assert_eq!(
            merged,
            vec![
                n(NotificationEvent::Use, None, None),
                n(NotificationEvent::Use, Some(24), Some("siena")),
                n(NotificationEvent::Onward, None, Some("i-24-7")),
            ]
        );
        assert_eq!(merge_notifications(&merged, &a), merged);
        let early: Timestamp = "2027-01-01T00:00:00.000Z".parse().unwrap();
        let late: Timestamp = "2027-06-01T00:00:00.000Z".parse().unwrap();
        let x = Obligations {
            review_by: Some(late),
            notifications: a,
            ..Obligations::default()
        };
        let y = Obligations {
            review_by: Some(early),
            notifications: b,
            ..Obligations::default()
        };
        let m = x.most_restrictive(&y);
        assert_eq!(m.review_by, Some(early));
        assert_eq!(m.notifications, merged);
        assert!(m.is_at_least_as_strict_as(&x) && m.is_at_least_as_strict_as(&y));
    }

    #[test]
    fn obligations_serialize_in_the_record_form() {
        let o = Obligations {
            onward: OnwardSharing::OnlyTo {
                parties: vec![party("DEU")],
                others_with_consent: false,
            },
            encrypt_at_rest: true,
            ..Obligations::default()
        };
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"onward": {"rule": "only-to", "parties": ["DEU"]}, "encrypt_at_rest": true})
        );
        let back: Obligations = serde_json::from_value(json).unwrap();
        assert_eq!(back, o);
    }
}

//! What a decision says: the outcome, what is withheld, the obligations
//! and the reasons.

use serde::{Deserialize, Serialize};

use crate::request::RequestContext;
use uuid::Uuid;

use liaison_record::{
    AgencyId, AgreementRef, Caveat, Classification, Digest, FieldClass, Obligations, Party,
    Purpose, Timestamp, Tlp,
};

use crate::agreement::Transformation;

/// The answer to "may this record go to this recipient for this purpose".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The whole record may go (control fields always go).
    Release,
    /// The record may go with some fields withheld or transformed.
    PartialRelease,
    /// The record may not go.
    Deny,
    /// The originator must be asked.
    Refer,
}

impl Outcome {
    /// Whether a copy may be released.
    pub fn releases(self) -> bool {
        matches!(self, Outcome::Release | Outcome::PartialRelease)
    }
}

/// A decision about one record, one recipient and one purpose at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// A fresh id (UUID v4), written into the released copy's provenance.
    pub id: Uuid,
    /// The outcome.
    pub outcome: Outcome,
    /// The releasing agency: the record's holder (the last recipient in its
    /// provenance, or its originator).
    pub from: AgencyId,
    /// The recipient.
    pub to: AgencyId,
    /// The purpose asked for.
    pub purpose: Purpose,
    /// The evaluation time.
    pub at: Timestamp,
    /// The record's id.
    pub record_id: Uuid,
    /// The record's version.
    pub record_version: u32,
    /// The digest of the record's canonical form.
    pub record_digest: Digest,
    /// The digest of the whole agreement set the decision was made under.
    pub agreements_digest: Digest,
    /// The agreements whose release clauses allowed the release, first the
    /// one the copy's provenance names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<AgreementRef>,
    /// The classes of the withheld fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_classes: Vec<FieldClass>,
    /// The withheld fields, as JSON pointers into the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    /// The transformations of the applicable release clauses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformations: Vec<Transformation>,
    /// The fields the transformations reduce, as JSON pointers into the
    /// record: those that every clause letting them go reduces (a field
    /// goes in the least reduced form some applicable clause lets it go).
    /// Empty with transformations listed means every field they concern.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformed: Vec<String>,
    /// Entities whose id could tell what the copy keeps back (an id derived
    /// from a withheld document's number, a place whose coordinates are
    /// coarsened), with the fresh random id (UUID v4) the copy gives each
    /// instead, drawn when deciding: the recipient cannot use the id to try
    /// document numbers or places.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reidentified: Vec<Reidentified>,
    /// The obligations the recipient must respect (most restrictive wins).
    pub obligations: Obligations,
    /// Whether the releasing agency must seal the copy for post-quantum
    /// recipients (an agreement's `require_post_quantum` applies): the
    /// copy may then go only in a post-quantum envelope.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_post_quantum: bool,
    /// The request the decision answers (spontaneous when absent).
    #[serde(default, skip_serializing_if = "is_default_request")]
    pub request: RequestContext,
    /// On request with an urgency: when the answer is due (Framework
    /// Decision 2006/960 art. 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<Timestamp>,
    /// Why: each applicable clause, marking and provenance rule.
    pub reasons: Vec<Reason>,
}

/// An entity the copy gives a fresh id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reidentified {
    /// The entity, as a JSON pointer into the record (`/entities/2`).
    pub pointer: String,
    /// Its id in the copy.
    pub id: Uuid,
}

fn is_default_request(r: &RequestContext) -> bool {
    *r == RequestContext::default()
}

/// One reason for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// The agreement concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
    /// The version of that agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The clause concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// What the reason is about, for programs.
    pub rule: Rule,
    /// The effect the reason has on the outcome.
    pub effect: ReasonEffect,
    /// The reason, in words.
    pub message: String,
}

/// What a reason contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonEffect {
    /// Allows a release.
    Release,
    /// Forces a refusal.
    Deny,
    /// Forces a referral to the originator.
    Refer,
    /// Narrows a release (withholds, transforms, adds obligations).
    Restrict,
    /// Had no effect; said so that the decision can be explained.
    NotApplicable,
}

/// The rule a reason comes from, with what explaining it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Rule {
    /// A clause that applies.
    Clause,
    /// A clause whose conditions do not hold.
    ClauseNotApplicable {
        /// The first condition that does not hold.
        condition: String,
    },
    /// A clause whose conditions could not be evaluated (fail closed).
    EvaluationError,
    /// No agreement covers the holder, the recipient and the purpose.
    NoAgreement {
        /// The purposes agreements with this recipient do cover.
        other_purposes: Vec<Purpose>,
    },
    /// An agreement that is not in force at the evaluation time (not yet,
    /// expired, suspended or terminated).
    OutsideValidity,
    /// An agreement replaced by a later version of it.
    Superseded {
        /// The version that replaces it.
        by_version: u32,
    },
    /// The record's source is a third agency, whose consent is needed.
    ThirdParty {
        /// The agency the information comes from.
        agency: AgencyId,
    },
    /// The record carries an alert issued by a third party (neither the
    /// originator nor the holder), whose consent is needed.
    ThirdPartyAlert {
        /// The alert's issuing authority.
        issuer: Party,
    },
    /// The release would go to the releasing agency itself.
    SelfRelease,
    /// The evaluation time is before the record's creation, its last
    /// change or one of its releases.
    EvaluationTime,
    /// No clause of the agreements in force applies (default deny).
    NoApplicableClause,
    /// The record's `releasable_to` does not include the recipient.
    ReleasableTo {
        /// The parties the record may go to.
        parties: Vec<Party>,
    },
    /// The record's marking purposes do not include the purpose.
    MarkingPurpose {
        /// The purposes the record may be used for.
        purposes: Vec<Purpose>,
    },
    /// A caveat the request does not respect.
    Caveat {
        /// The caveat.
        caveat: Caveat,
    },
    /// The TLP label forbids the release.
    Tlp {
        /// The label.
        tlp: Tlp,
    },
    /// The classification is above every applicable ceiling.
    Classification {
        /// The record's classification.
        classification: Classification,
        /// The highest ceiling among the agreements that cover the request.
        ceiling: Classification,
    },
    /// The record is revoked or past its review date.
    RecordState,
    /// An earlier release in the record's provenance binds this one.
    Provenance {
        /// The agency whose release set the obligation.
        by: AgencyId,
        /// The position of that release in the provenance chain.
        index: usize,
    },
    /// Fields withheld from the copy.
    Withheld,
    /// An agreement requires the copy to be sealed post-quantum.
    PostQuantum,
    /// The retention an agreement sets cannot be counted for this record,
    /// or has already run out.
    Retention,
}

impl Rule {
    /// The rule's name: its `rule` member in JSON (`clause`,
    /// `third-party`, `marking-purpose`, ...), without what explains it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Clause => "clause",
            Rule::ClauseNotApplicable { .. } => "clause-not-applicable",
            Rule::EvaluationError => "evaluation-error",
            Rule::NoAgreement { .. } => "no-agreement",
            Rule::OutsideValidity => "outside-validity",
            Rule::Superseded { .. } => "superseded",
            Rule::ThirdParty { .. } => "third-party",
            Rule::ThirdPartyAlert { .. } => "third-party-alert",
            Rule::SelfRelease => "self-release",
            Rule::EvaluationTime => "evaluation-time",
            Rule::NoApplicableClause => "no-applicable-clause",
            Rule::ReleasableTo { .. } => "releasable-to",
            Rule::MarkingPurpose { .. } => "marking-purpose",
            Rule::Caveat { .. } => "caveat",
            Rule::Tlp { .. } => "tlp",
            Rule::Classification { .. } => "classification",
            Rule::RecordState => "record-state",
            Rule::Provenance { .. } => "provenance",
            Rule::Withheld => "withheld",
            Rule::PostQuantum => "post-quantum",
            Rule::Retention => "retention",
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::Rule;
    use liaison_record::{Caveat, Classification, Tlp};

    #[test]
    fn every_rule_name_is_its_json_tag() {
        let agency = || "NLD-KMAR".parse().unwrap();
        let rules = vec![
            Rule::Clause,
            Rule::ClauseNotApplicable {
                condition: "c".to_owned(),
            },
            Rule::EvaluationError,
            Rule::NoAgreement {
                other_purposes: vec![],
            },
            Rule::OutsideValidity,
            Rule::Superseded { by_version: 2 },
            Rule::ThirdParty { agency: agency() },
            Rule::ThirdPartyAlert {
                issuer: "NLD-KMAR".parse().unwrap(),
            },
            Rule::SelfRelease,
            Rule::EvaluationTime,
            Rule::NoApplicableClause,
            Rule::ReleasableTo { parties: vec![] },
            Rule::MarkingPurpose { purposes: vec![] },
            Rule::Caveat { caveat: Caveat::H0 },
            Rule::Tlp { tlp: Tlp::Red },
            Rule::Classification {
                classification: Classification::Restricted,
                ceiling: Classification::Unclassified,
            },
            Rule::RecordState,
            Rule::Provenance {
                by: agency(),
                index: 0,
            },
            Rule::Withheld,
            Rule::PostQuantum,
            Rule::Retention,
        ];
        // One of each: the match in `name` has 21 arms.
        assert_eq!(rules.len(), 21);
        for rule in &rules {
            let json = serde_json::to_value(rule).unwrap();
            assert_eq!(json["rule"], rule.name(), "{rule:?}");
        }
    }
}

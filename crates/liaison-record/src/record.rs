//! The record: one piece of shared intelligence.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AgencyId, Assessment, Entity, FieldClass, Marking, ParseError, ProvenanceEntry, Timestamp,
};

/// The schema version this crate writes. Readers accept any `1.x`.
pub const SCHEMA_VERSION: &str = "1.0";

/// One piece of shared intelligence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The schema version the record was written with, `MAJOR.MINOR`.
    pub schema_version: String,
    /// The record id, a UUID v4 kept across versions.
    pub id: Uuid,
    /// The version, from 1, increased by one with each change.
    #[schemars(range(min = 1))]
    pub version: u32,
    /// Whether this version revokes the record; a revoked record is final.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
    /// The agency that wrote the record.
    pub originator: AgencyId,
    /// When the first version was created.
    pub created: Timestamp,
    /// When this version was made; equal to `created` for version 1.
    pub modified: Timestamp,
    /// Handling marking.
    pub marking: Marking,
    /// Source grading and confidence.
    #[serde(default, skip_serializing_if = "is_default_assessment")]
    pub assessment: Assessment,
    /// The entities the record describes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Links between entities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
    /// Free text, each with its language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub narrative: Vec<Narrative>,
    /// Who reported the information: the most sensitive part of a record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The releases this copy has gone through, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<ProvenanceEntry>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

fn is_default_assessment(a: &Assessment) -> bool {
    *a == Assessment::default()
}

/// A typed link between two entities of the same record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Relationship {
    /// The id of the entity the link starts from.
    pub source: Uuid,
    /// The kind of link, in lowercase kebab-case (`holder-of`,
    /// `travelled-on`, `observed-at`, `subject-of`, `member-of`, `uses`,
    /// `indicates`, `associated-with`, ...).
    pub relationship: String,
    /// The id of the entity the link points to.
    pub target: Uuid,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Free text in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Narrative {
    /// BCP 47 language tag (`en`, `fr`, `de-CH`).
    pub lang: String,
    /// The text.
    pub text: String,
}

/// Who reported the information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What kind of source it is.
    pub source_type: SourceType,
    /// The originator's reference for the source (a registration number,
    /// never a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The agency the information came from, when it is not the originator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyId>,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Consents (and refusals) the source agency, when it is not the
    /// originator, or the issuing authority of one of the record's alerts
    /// has recorded to let its information go on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<crate::Consent>,
}

/// Kinds of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SourceType {
    /// A human source.
    Human,
    /// Technical collection.
    Technical,
    /// Open sources.
    OpenSource,
    /// An official register or database.
    OfficialRecord,
    /// A partner agency.
    PartnerAgency,
    /// An officer's own observation.
    Observation,
}

/// An extension namespace: lowercase labels separated by dots, at least two,
/// such as `nld-kmar.case` or `org.oasis-open.stix`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Namespace(String);

impl Namespace {
    /// The namespace as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Namespace {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let mut labels = s.split('.');
        let ok = s.len() <= 128 && labels.clone().count() >= 2 && labels.all(label_ok);
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                s,
                "an extension namespace of dot-separated lowercase labels, such as `nld-kmar.case`",
            ))
        }
    }
}

impl TryFrom<String> for Namespace {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Namespace> for String {
    fn from(n: Namespace) -> Self {
        n.0
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Data under an extension namespace, kept losslessly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// The field class the data belongs to; when absent the data is treated
    /// as [`FieldClass::Source`], the most sensitive class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FieldClass>,
    /// The data.
    pub data: serde_json::Value,
}

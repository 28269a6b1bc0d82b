//! Obligations that travel with a released copy, and the provenance chain.

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

/// A consent, recorded by an earlier releasing agency, to pass the record on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The agency that consented.
    pub by: AgencyId,
    /// The party the record may be passed to.
    pub to: Party,
    /// When consent was given.
    pub at: Timestamp,
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
}

/// Whether a recipient may pass a record on, from most to least restrictive.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OnwardSharing {
    /// No onward sharing at all.
    Forbidden,
    /// Only with the originator's recorded consent.
    WithConsent,
    /// Only to the named parties.
    OnlyTo {
        /// The parties the record may be passed to.
        parties: Vec<Party>,
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

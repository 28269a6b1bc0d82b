//! Handling markings: classification, TLP 2.0, caveats, release and purpose limits.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{CalendarDate, Party, Purpose};

/// How a record must be handled, who may see it and for what.
///
/// Every part of a marking can only narrow what a sharing agreement allows,
/// never widen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Marking {
    /// Classification on the ordered national scale.
    pub classification: Classification,
    /// Traffic Light Protocol 2.0 label.
    pub tlp: Tlp,
    /// Handling caveats (open vocabulary; the common ones are named).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<Caveat>,
    /// Countries and agencies the record may be released to; empty means
    /// no restriction beyond the sharing agreements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releasable_to: Vec<Party>,
    /// The legal basis under which the record was collected or shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Purposes the record may be used for; empty means any purpose an
    /// agreement covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<Purpose>,
    /// Date by which the record must be reviewed or deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_by: Option<CalendarDate>,
    /// The restrictions behind the Europol handling code `H3`, written so
    /// that they can be checked; only with the caveat `H3`. Without them an
    /// `H3` record is referred to a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h3: Option<H3Restrictions>,
}

/// The "other restrictions" of the Europol handling code `H3`, as the
/// provider states them, in a form the policy engine applies. Every
/// restriction given narrows; the text says them in words too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct H3Restrictions {
    /// The restrictions in the provider's words, as given with the code.
    pub text: String,
    /// The only purposes the record may be used for; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<Purpose>,
    /// The only parties the record may be released to; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Party>,
    /// No onward release at all by a recipient (otherwise only with the
    /// provider's permission, as for `H2`, when `onward_with_consent`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_onward: bool,
    /// Onward release only with the provider's permission.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub onward_with_consent: bool,
    /// Whether a person must still look at every release: the text says
    /// more than the fields above capture. The release is then referred.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refer: bool,
}

/// Classification on an ordered scale, lowest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    /// Not classified.
    Unclassified,
    /// Restricted (EU RESTREINT UE, NATO RESTRICTED).
    Restricted,
    /// Confidential.
    Confidential,
    /// Secret.
    Secret,
    /// Top secret.
    TopSecret,
}

/// Traffic Light Protocol 2.0 label, ordered from least to most restrictive.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Tlp {
    /// TLP:CLEAR, no limit on disclosure.
    #[serde(rename = "clear")]
    Clear,
    /// TLP:GREEN, the community but not publicly.
    #[serde(rename = "green")]
    Green,
    /// TLP:AMBER, the recipient's organization and its clients on a need-to-know basis.
    #[serde(rename = "amber")]
    Amber,
    /// TLP:AMBER+STRICT, the recipient's organization only.
    #[serde(rename = "amber+strict")]
    AmberStrict,
    /// TLP:RED, the named recipients only.
    #[serde(rename = "red")]
    Red,
}

/// A handling caveat. The common caveats are named; any other caveat must be
/// namespaced (`namespace:name`), so that a misspelt common caveat is an
/// error rather than a silently unknown one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Caveat {
    /// `ORCON`: originator control, no onward release without the originator's consent.
    OriginatorControl,
    /// `NOFORN`: no release to any foreign party.
    NoForeignRelease,
    /// `H0`: Europol handling code, for law-enforcement purposes only.
    H0,
    /// `H1`: Europol handling code, not to be used in judicial proceedings
    /// without the provider's permission.
    H1,
    /// `H2`: Europol handling code, not to be disseminated without the
    /// provider's permission.
    H2,
    /// `H3`: Europol handling code, other restrictions apply (see the legal basis).
    H3,
    /// Any other caveat, written `namespace:name`.
    Other(String),
}

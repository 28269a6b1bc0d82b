//! Source grading on the Admiralty scale, kept apart from a 0 to 100 confidence.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How far the source and the information can be trusted.
///
/// The Admiralty grading (reliability of the source, credibility of the
/// information) and the analyst's confidence are kept apart on purpose: one
/// grades where the information came from, the other what the analyst makes
/// of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Reliability of the source, `A` (completely reliable) to `F` (cannot be judged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_reliability: Option<SourceReliability>,
    /// Credibility of the information, `1` (confirmed) to `6` (cannot be judged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information_credibility: Option<InformationCredibility>,
    /// The analyst's confidence in the assessment, 0 to 100 (as STIX 2.1 `confidence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
}

/// Admiralty scale: reliability of the source.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum SourceReliability {
    /// Completely reliable.
    A,
    /// Usually reliable.
    B,
    /// Fairly reliable.
    C,
    /// Not usually reliable.
    D,
    /// Unreliable.
    E,
    /// Reliability cannot be judged.
    F,
}

/// Admiralty scale: credibility of the information.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum InformationCredibility {
    /// Confirmed by other sources.
    #[serde(rename = "1")]
    Confirmed,
    /// Probably true.
    #[serde(rename = "2")]
    ProbablyTrue,
    /// Possibly true.
    #[serde(rename = "3")]
    PossiblyTrue,
    /// Doubtful.
    #[serde(rename = "4")]
    Doubtful,
    /// Improbable.
    #[serde(rename = "5")]
    Improbable,
    /// Truth cannot be judged.
    #[serde(rename = "6")]
    CannotBeJudged,
}

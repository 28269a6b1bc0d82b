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
    #[schemars(range(max = 100))]
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

/// UK 3x5x2 grading (College of Policing): evaluation of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UkSourceEvaluation {
    /// `1`: reliable.
    Reliable,
    /// `2`: untested.
    Untested,
    /// `3`: not reliable.
    NotReliable,
}

/// UK 3x5x2 grading (College of Policing): assessment of the intelligence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UkIntelligenceAssessment {
    /// `A`: known directly to the source.
    KnownDirectly,
    /// `B`: known indirectly to the source but corroborated.
    KnownIndirectlyCorroborated,
    /// `C`: known indirectly to the source.
    KnownIndirectly,
    /// `D`: not known.
    NotKnown,
    /// `E`: suspected to be false.
    SuspectedFalse,
}

/// Europol 4x4 grading: reliability of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EuropolSourceReliability {
    /// `A`: no doubt of the source's authenticity, trustworthiness and
    /// competence, or a source that has proved reliable in all instances.
    A,
    /// `B`: a source that has proved reliable in most instances.
    B,
    /// `C`: a source that has proved unreliable in most instances.
    C,
    /// `X`: the reliability of the source cannot be assessed.
    X,
}

/// Europol 4x4 grading: assessment of the information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EuropolInformationAssessment {
    /// `1`: no doubt about its accuracy.
    One,
    /// `2`: known personally to the source but not to the official passing it on.
    Two,
    /// `3`: not known personally to the source but corroborated by other
    /// information already recorded.
    Three,
    /// `4`: not known personally to the source and cannot be corroborated.
    Four,
}

// The conversions below never grade higher than the original grading says:
// when an original grade spans two Admiralty grades, the lower is chosen.
// The table is in docs/record.md ("Gradings").

impl SourceReliability {
    /// Converts a UK 3x5x2 source evaluation: `1` → `B` (reliable is not
    /// "completely reliable"), `2` → `F` (untested: cannot be judged),
    /// `3` → `E`.
    pub fn from_uk_3x5x2(e: UkSourceEvaluation) -> Self {
        match e {
            UkSourceEvaluation::Reliable => SourceReliability::B,
            UkSourceEvaluation::Untested => SourceReliability::F,
            UkSourceEvaluation::NotReliable => SourceReliability::E,
        }
    }

    /// Converts a Europol 4x4 source reliability: `A` → `A`, `B` → `B`,
    /// `C` → `E` (unreliable in most instances), `X` → `F`.
    pub fn from_europol_4x4(e: EuropolSourceReliability) -> Self {
        match e {
            EuropolSourceReliability::A => SourceReliability::A,
            EuropolSourceReliability::B => SourceReliability::B,
            EuropolSourceReliability::C => SourceReliability::E,
            EuropolSourceReliability::X => SourceReliability::F,
        }
    }
}

impl InformationCredibility {
    /// Converts a UK 3x5x2 intelligence assessment: `A` → `2` (first-hand
    /// but not independently confirmed), `B` → `3`, `C` → `4`, `D` → `6`,
    /// `E` → `5`.
    pub fn from_uk_3x5x2(a: UkIntelligenceAssessment) -> Self {
        match a {
            UkIntelligenceAssessment::KnownDirectly => InformationCredibility::ProbablyTrue,
            UkIntelligenceAssessment::KnownIndirectlyCorroborated => {
                InformationCredibility::PossiblyTrue
            }
            UkIntelligenceAssessment::KnownIndirectly => InformationCredibility::Doubtful,
            UkIntelligenceAssessment::NotKnown => InformationCredibility::CannotBeJudged,
            UkIntelligenceAssessment::SuspectedFalse => InformationCredibility::Improbable,
        }
    }

    /// Converts a Europol 4x4 information assessment: `1` → `1`, `2` → `2`,
    /// `3` → `3`, `4` → `4`.
    pub fn from_europol_4x4(a: EuropolInformationAssessment) -> Self {
        match a {
            EuropolInformationAssessment::One => InformationCredibility::Confirmed,
            EuropolInformationAssessment::Two => InformationCredibility::ProbablyTrue,
            EuropolInformationAssessment::Three => InformationCredibility::PossiblyTrue,
            EuropolInformationAssessment::Four => InformationCredibility::Doubtful,
        }
    }
}

impl Assessment {
    /// The Admiralty grading of a UK 3x5x2 grading, without a confidence.
    pub fn from_uk_3x5x2(
        source: UkSourceEvaluation,
        intelligence: UkIntelligenceAssessment,
    ) -> Self {
        Self {
            source_reliability: Some(SourceReliability::from_uk_3x5x2(source)),
            information_credibility: Some(InformationCredibility::from_uk_3x5x2(intelligence)),
            confidence: None,
        }
    }

    /// The Admiralty grading of a Europol 4x4 grading, without a confidence.
    pub fn from_europol_4x4(
        source: EuropolSourceReliability,
        information: EuropolInformationAssessment,
    ) -> Self {
        Self {
            source_reliability: Some(SourceReliability::from_europol_4x4(source)),
            information_credibility: Some(InformationCredibility::from_europol_4x4(information)),
            confidence: None,
        }
    }
}

macro_rules! grade_from_str {
    ($ty:ty, $expected:literal, $($code:literal => $variant:expr),+ $(,)?) => {
        impl std::str::FromStr for $ty {
            type Err = crate::ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($variant),)+
                    _ => Err(crate::ParseError::new(s, $expected)),
                }
            }
        }
    };
}

grade_from_str!(UkSourceEvaluation, "a UK 3x5x2 source evaluation, `1`, `2` or `3`",
    "1" => UkSourceEvaluation::Reliable, "2" => UkSourceEvaluation::Untested, "3" => UkSourceEvaluation::NotReliable);
grade_from_str!(UkIntelligenceAssessment, "a UK 3x5x2 intelligence assessment, `A` to `E`",
    "A" => UkIntelligenceAssessment::KnownDirectly,
    "B" => UkIntelligenceAssessment::KnownIndirectlyCorroborated,
    "C" => UkIntelligenceAssessment::KnownIndirectly,
    "D" => UkIntelligenceAssessment::NotKnown,
    "E" => UkIntelligenceAssessment::SuspectedFalse);
grade_from_str!(EuropolSourceReliability, "a Europol 4x4 source reliability, `A`, `B`, `C` or `X`",
    "A" => EuropolSourceReliability::A, "B" => EuropolSourceReliability::B,
    "C" => EuropolSourceReliability::C, "X" => EuropolSourceReliability::X);
grade_from_str!(EuropolInformationAssessment, "a Europol 4x4 information assessment, `1` to `4`",
    "1" => EuropolInformationAssessment::One, "2" => EuropolInformationAssessment::Two,
    "3" => EuropolInformationAssessment::Three, "4" => EuropolInformationAssessment::Four);

#[cfg(test)]
mod tests {
    use super::*;

    /// The mapping table of docs/record.md, row by row.
    #[test]
    fn uk_3x5x2_table() {
        let sources = [("1", "B"), ("2", "F"), ("3", "E")];
        for (uk, admiralty) in sources {
            let r = SourceReliability::from_uk_3x5x2(uk.parse().unwrap());
            assert_eq!(serde_json::to_value(r).unwrap(), admiralty, "{uk}");
        }
        let info = [("A", "2"), ("B", "3"), ("C", "4"), ("D", "6"), ("E", "5")];
        for (uk, admiralty) in info {
            let c = InformationCredibility::from_uk_3x5x2(uk.parse().unwrap());
            assert_eq!(serde_json::to_value(c).unwrap(), admiralty, "{uk}");
        }
    }

    #[test]
    fn europol_4x4_table() {
        let sources = [("A", "A"), ("B", "B"), ("C", "E"), ("X", "F")];
        for (eu, admiralty) in sources {
            let r = SourceReliability::from_europol_4x4(eu.parse().unwrap());
            assert_eq!(serde_json::to_value(r).unwrap(), admiralty, "{eu}");
        }
        let info = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")];
        for (eu, admiralty) in info {
            let c = InformationCredibility::from_europol_4x4(eu.parse().unwrap());
            assert_eq!(serde_json::to_value(c).unwrap(), admiralty, "{eu}");
        }
    }

    #[test]
    fn equivalent_grades_agree_and_bad_codes_are_explained() {
        // "Known personally to the source" is the same grade in both systems.
        assert_eq!(
            InformationCredibility::from_uk_3x5x2(UkIntelligenceAssessment::KnownDirectly),
            InformationCredibility::from_europol_4x4(EuropolInformationAssessment::Two)
        );
        let a = Assessment::from_europol_4x4(
            EuropolSourceReliability::B,
            EuropolInformationAssessment::Three,
        );
        assert_eq!(a.source_reliability, Some(SourceReliability::B));
        assert_eq!(
            a.information_credibility,
            Some(InformationCredibility::PossiblyTrue)
        );
        let e = "4".parse::<UkSourceEvaluation>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`4` is not a UK 3x5x2 source evaluation, `1`, `2` or `3`"
        );
    }
}

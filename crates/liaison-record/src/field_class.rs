//! Sensitivity classes of fields: what sharing agreements release or withhold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The sensitivity class of a field. Every field of a record belongs to one
/// class; agreements release or withhold by class (or by JSON pointer).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FieldClass {
    /// Ids, versions, timestamps, marking and provenance: always travel with
    /// the record and cannot be withheld.
    Control,
    /// Who a person or organization is: names, aliases, date and place of
    /// birth, sex, nationalities.
    Identity,
    /// Biometric references.
    Biometric,
    /// Travel documents.
    TravelDocument,
    /// Places.
    Location,
    /// Movements: encounters and conveyances.
    Movement,
    /// Alerts and watchlist entries.
    Alert,
    /// Cyber indicators and threats.
    Indicator,
    /// Source grading and confidence.
    Assessment,
    /// Relationships between entities.
    Association,
    /// Free text.
    Narrative,
    /// Who reported the information: the most sensitive class, and the class
    /// of extension data that declares none.
    Source,
}

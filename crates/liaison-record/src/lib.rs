#![doc = include_str!("../README.md")]
//!
//! ## The types
//!
//! A [`Record`] is one piece of shared intelligence as one JSON document:
//! identity and versioning, a handling [`Marking`], an [`Assessment`], the
//! [`Entity`] values it describes and their [`Relationship`]s, narrative,
//! [`Source`], [`ProvenanceEntry`] chain and namespaced [`Extension`]s.
//! Every field belongs to a [`FieldClass`], which is what sharing
//! agreements release or withhold by.

mod agency;
mod assessment;
mod caveat;
mod country;
mod date;
mod entity;
mod error;
mod field_class;
mod marking;
mod obligations;
mod record;
mod string_schema;

pub use agency::{
    AgencyId, EU_MEMBER_STATES, Party, PartyClass, Purpose, SCHENGEN_ASSOCIATED_STATES,
};
pub use assessment::{Assessment, InformationCredibility, SourceReliability};
pub use country::{CodeKind, CountryCode};
pub use date::{CalendarDate, CenturyPivot, NiemDateType, PartialDate, Timestamp};
pub use entity::{
    Alert, AlertAction, Biometric, Conveyance, ConveyanceType, DataSubject, DocumentStatus,
    DocumentType, Encounter, EncounterOutcome, EncounterType, Entity, EntityKind, Indicator,
    IndicatorType, Location, Modality, Organization, Person, PersonName, Sex, SpecialCategory,
    Threat, ThreatType, TravelDocument,
};
pub use error::ParseError;
pub use field_class::FieldClass;
pub use marking::{Caveat, Classification, H3Restrictions, Marking, Tlp};
pub use obligations::{
    AgreementRef, Attribution, Consent, Notification, NotificationEvent, Obligations,
    OnwardSharing, ProvenanceEntry, consented, consented_by, merge_notifications,
};
pub use record::{
    Extension, Namespace, Narrative, Record, Relationship, SCHEMA_VERSION, Source, SourceType,
};

pub mod canonical;
pub use canonical::{
    CanonicalError, TextPosition, canonicalize, canonicalize_value, to_canonical_json,
};
mod digest;
pub use digest::{Digest, sha256};

mod problem;
mod validate;
pub use problem::{Problem, RecordErrors};
pub use validate::records_from_json;
mod fields;
mod redact;
pub use fields::{ClassifiedField, Part};
pub use redact::WithholdError;

pub mod ids;
pub mod match_keys;
pub mod mrz;
mod schema;
mod version;
pub use assessment::{
    EuropolInformationAssessment, EuropolSourceReliability, UkIntelligenceAssessment,
    UkSourceEvaluation,
};
pub use schema::json_schema;
pub use version::VersionError;

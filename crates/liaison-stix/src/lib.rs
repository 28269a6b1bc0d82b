#![doc = include_str!("../README.md")]

mod assemble;
mod check;
mod error;
mod export;
mod ids;
mod import;
mod keep;
mod parse;
mod pattern;
mod render;

use std::collections::BTreeMap;

pub use check::validate_bundle;
pub use error::{ExportError, ImportError, StixProblem};
pub use export::export_bundle;
pub use ids::{
    EXTENSION_DEFINITION_ID, KEPT_NAMESPACE, SCO_NAMESPACE, STIX_ID_NAMESPACE, observable_id,
};
pub use import::import_bundle;

use liaison_record::{AgencyId, Classification, Record, Timestamp, Tlp};

/// How [`import_bundle`] reads a bundle.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImportOptions {
    /// Import what can be used and list the rest in [`Import::skipped`],
    /// instead of failing on the first unusable object.
    pub lenient: bool,
    /// The originator of records whose STIX `created_by_ref` is absent or
    /// names an identity with no agency id. Default `XXX-STIX` (`XXX`:
    /// unspecified state, as in ICAO Doc 9303).
    pub default_originator: AgencyId,
    /// Agency ids for STIX identities, by identity id
    /// (`identity--…`). An identity that carries the project's extension
    /// with an `agency` property needs no entry here.
    pub originators: BTreeMap<String, AgencyId>,
    /// The TLP of objects that carry no TLP marking. Default
    /// [`Tlp::Amber`]: data a sender did not declare shareable is not treated
    /// as public.
    pub default_tlp: Tlp,
    /// The classification of imported records (STIX has none). Default
    /// [`Classification::Unclassified`].
    pub classification: Classification,
    /// The creation time of a record made only of objects without a
    /// `created` property (cyber observables). Default the Unix epoch.
    pub default_time: Timestamp,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            lenient: false,
            default_originator: ids::default_originator(),
            originators: BTreeMap::new(),
            default_tlp: Tlp::Amber,
            classification: Classification::Unclassified,
            default_time: Timestamp::from_offset_date_time(time::OffsetDateTime::UNIX_EPOCH),
        }
    }
}

impl ImportOptions {
    /// Options that import what they can and list the rest.
    pub fn lenient() -> Self {
        Self {
            lenient: true,
            ..Self::default()
        }
    }
}

/// The result of [`import_bundle`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Import {
    /// The records, in the order their first object appears in the bundle.
    pub records: Vec<Record>,
    /// What a lenient import left out, one entry per object; always empty
    /// for a strict import.
    pub skipped: Vec<StixProblem>,
}

/// How [`export_bundle`] writes a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExportOptions {
    /// Leave out the `x-liaison-record` objects that carry what STIX cannot
    /// express (record id and version, classification, caveats, source,
    /// provenance, ...). The bundle is then plain STIX plus the entity
    /// extension, and importing it again does not give the records back
    /// exactly.
    pub without_record_objects: bool,
}

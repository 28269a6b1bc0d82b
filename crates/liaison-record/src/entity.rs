//! The entities a record describes, linked by relationships.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{AgencyId, CountryCode, Extension, Namespace, PartialDate, Party, Timestamp};

mod de;

/// One entity of a record. The `kind` member names the variant.
///
/// Its `Deserialize` is written by hand (in `entity/de.rs`): it reads the
/// contents straight into the variant when `kind` is the first member, as
/// this crate writes it, and buffers them only when it is not.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Entity {
    /// A natural person.
    Person(Person),
    /// An organization: a company, a criminal group, an agency.
    Organization(Organization),
    /// A passport, identity card, visa or other travel document.
    TravelDocument(TravelDocument),
    /// A reference to a biometric sample held elsewhere (never the sample).
    Biometric(Biometric),
    /// A vehicle, vessel, aircraft or flight.
    Conveyance(Conveyance),
    /// A place.
    Location(Location),
    /// A border crossing, check or sighting.
    Encounter(Encounter),
    /// An alert or watchlist entry.
    Alert(Alert),
    /// A cyber indicator: an address, domain, URL, e-mail address or file hash.
    Indicator(Indicator),
    /// A cyber threat: threat actor, intrusion set, campaign, malware, tool.
    Threat(Threat),
}

/// A natural person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The entity id (UUID).
    pub id: Uuid,
    /// Name variants: as in the passport, in the original script, transliterated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<PersonName>,
    /// Other names the person is known by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Date of birth, possibly partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<PartialDate>,
    /// Sex as recorded in travel documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Nationalities held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nationalities: Vec<CountryCode>,
    /// Place of birth as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_birth: Option<String>,
    /// The category of data subject the person is (Directive (EU) 2016/680
    /// art. 6), when the originator has set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_subject: Option<DataSubject>,
    /// The special categories of personal data the record holds about the
    /// person (Directive (EU) 2016/680 art. 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special_categories: Vec<SpecialCategory>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Categories of data subject, Directive (EU) 2016/680 art. 6.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DataSubject {
    /// A person suspected of having committed or being about to commit an offence.
    Suspect,
    /// A person convicted of an offence.
    Convicted,
    /// A victim, or a person who could be the victim, of an offence.
    Victim,
    /// A witness or other party to an offence.
    Witness,
    /// A contact or associate of a suspect or convicted person.
    Contact,
    /// An informant.
    Informant,
}

/// Special categories of personal data, Directive (EU) 2016/680 art. 10.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SpecialCategory {
    /// Racial or ethnic origin.
    RacialOrEthnicOrigin,
    /// Political opinions.
    PoliticalOpinions,
    /// Religious or philosophical beliefs.
    ReligiousOrPhilosophicalBeliefs,
    /// Trade union membership.
    TradeUnionMembership,
    /// Genetic data.
    Genetic,
    /// Biometric data processed to identify a person uniquely.
    Biometric,
    /// Data concerning health.
    Health,
    /// Data concerning a person's sex life or sexual orientation.
    SexLifeOrOrientation,
}

/// One written form of a person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    /// Given names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// Family name or names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// ISO 15924 script code of this form (`Latn`, `Cyrl`, `Arab`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// The transliteration scheme that produced this form from another
    /// script (`icao-9303`, `iso-9`, `bgn-pcgn`, ...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transliteration: Option<String>,
}

/// Sex as recorded in ICAO 9303 travel documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `X`, unspecified.
    Unspecified,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The entity id (UUID).
    pub id: Uuid,
    /// The organization's name.
    pub name: String,
    /// Other names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The country it is registered or based in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// The agency id, when the organization is a sharing agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyId>,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// A travel document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TravelDocument {
    /// The entity id; by convention the UUID v5 of the document's natural key.
    pub id: Uuid,
    /// What kind of document it is.
    pub document_type: DocumentType,
    /// The issuing state or organization (ICAO code).
    pub issuing_state: CountryCode,
    /// The document number as printed.
    pub number: String,
    /// Date of issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<PartialDate>,
    /// Date of expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<PartialDate>,
    /// Whether the document is valid, lost, stolen, ...
    pub status: DocumentStatus,
    /// The machine-readable zone, one string per line, as printed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mrz: Vec<String>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Kinds of travel document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentType {
    /// A passport (ICAO `P`).
    Passport,
    /// An identity card (ICAO `I`, `A`, `C`).
    IdentityCard,
    /// A visa (ICAO `V`).
    Visa,
    /// A residence permit.
    ResidencePermit,
    /// A refugee or stateless person's travel document.
    RefugeeTravelDocument,
    /// Any other official document.
    Other,
}

/// The status of a travel document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentStatus {
    /// Valid, as far as is known.
    Valid,
    /// Reported lost.
    Lost,
    /// Reported stolen.
    Stolen,
    /// Revoked by the issuer.
    Revoked,
    /// Blank document stolen before issue.
    StolenBlank,
    /// Forged or counterfeit.
    Fraudulent,
    /// Expired.
    Expired,
    /// Not known.
    Unknown,
}

/// A reference to a biometric sample held by the originator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Biometric {
    /// The entity id (UUID).
    pub id: Uuid,
    /// What is measured.
    pub modality: Modality,
    /// The sample's format (`ISO/IEC 19794-5`, `ANSI/NIST-ITL 1-2011`, ...).
    pub format: String,
    /// Lowercase hex SHA-256 of the sample.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    /// Where an authorised recipient can request the sample (a URI).
    pub pointer: String,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Biometric modalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    /// Facial image.
    Face,
    /// Fingerprints.
    Fingerprint,
    /// Iris.
    Iris,
    /// DNA profile.
    Dna,
    /// Voice.
    Voice,
}

/// A vehicle, vessel, aircraft or flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conveyance {
    /// The entity id (UUID).
    pub id: Uuid,
    /// What kind of conveyance.
    pub conveyance_type: ConveyanceType,
    /// Registration plate, IMO number, tail number or flight number.
    pub identifier: String,
    /// Name (of a vessel, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// State of registration or flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_state: Option<CountryCode>,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Kinds of conveyance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConveyanceType {
    /// A road vehicle.
    Vehicle,
    /// A ship or boat.
    Vessel,
    /// An aircraft.
    Aircraft,
    /// A scheduled or charter flight.
    Flight,
    /// A train.
    Train,
}

/// A place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The entity id (UUID).
    pub id: Uuid,
    /// Name of the place (a border crossing point, an airport, a town).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// UN/LOCODE, such as `NLAMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locode: Option<String>,
    /// WGS 84 latitude in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -90.0, max = 90.0))]
    pub latitude: Option<f64>,
    /// WGS 84 longitude in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -180.0, max = 180.0))]
    pub longitude: Option<f64>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// A border crossing, check or sighting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encounter {
    /// The entity id (UUID).
    pub id: Uuid,
    /// What kind of encounter.
    pub encounter_type: EncounterType,
    /// When it happened.
    pub at: Timestamp,
    /// Where it happened: the id of a location entity of this record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Uuid>,
    /// The agency that observed it.
    pub observed_by: AgencyId,
    /// What came of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<EncounterOutcome>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Kinds of encounter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EncounterType {
    /// Crossing a border inbound.
    BorderEntry,
    /// Crossing a border outbound.
    BorderExit,
    /// A check inland.
    Check,
    /// Seen, without a check.
    Sighting,
}

/// What came of an encounter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EncounterOutcome {
    /// Allowed to proceed.
    Admitted,
    /// Refused entry.
    RefusedEntry,
    /// Detained or arrested.
    Detained,
    /// Referred to another authority.
    Referred,
    /// Observed, no action taken (discreet check).
    NoAction,
}

/// An alert or watchlist entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The entity id (UUID).
    pub id: Uuid,
    /// The authority that issued the alert.
    pub issuing_authority: Party,
    /// Category, such as `interpol-red` (open vocabulary; see the record reference).
    pub category: String,
    /// What an officer who meets the subject must do.
    pub action: AlertAction,
    /// The issuer's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Valid from.
    pub valid_from: Timestamp,
    /// Valid until; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// The action an alert asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlertAction {
    /// Arrest with a view to surrender or extradition.
    Arrest,
    /// Refuse entry.
    RefuseEntry,
    /// Discreet check: observe and report, do not alert the subject.
    DiscreetCheck,
    /// Specific check: search and report.
    SpecificCheck,
    /// Seize the object (a document, a vehicle).
    Seize,
    /// Locate and report where the subject is.
    Locate,
    /// Report only.
    Report,
}

/// A cyber indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// The entity id (UUID).
    pub id: Uuid,
    /// What the value is.
    pub indicator_type: IndicatorType,
    /// The value, in the form its type prescribes.
    pub value: String,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Valid from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Timestamp>,
    /// Valid until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Kinds of cyber indicator value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IndicatorType {
    /// An IPv4 address or CIDR block.
    Ipv4Addr,
    /// An IPv6 address or CIDR block.
    Ipv6Addr,
    /// A domain name.
    DomainName,
    /// A URL.
    Url,
    /// An e-mail address.
    EmailAddr,
    /// A file's MD5 hash (lowercase hex).
    FileMd5,
    /// A file's SHA-1 hash (lowercase hex).
    FileSha1,
    /// A file's SHA-256 hash (lowercase hex).
    FileSha256,
    /// A file's SHA-512 hash (lowercase hex).
    FileSha512,
}

/// A cyber threat: an actor, a set of intrusions, a campaign, a piece of
/// malware or a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    /// The entity id (UUID).
    pub id: Uuid,
    /// What kind of threat.
    pub threat_type: ThreatType,
    /// Its name.
    pub name: String,
    /// Other names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// First seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    /// Last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    /// Namespaced extensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<Namespace, Extension>,
}

/// Kinds of cyber threat (the STIX 2.1 object types they map to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ThreatType {
    /// STIX `threat-actor`.
    ThreatActor,
    /// STIX `intrusion-set`.
    IntrusionSet,
    /// STIX `campaign`.
    Campaign,
    /// STIX `malware`.
    Malware,
    /// STIX `tool`.
    Tool,
    /// STIX `attack-pattern`.
    AttackPattern,
    /// STIX `infrastructure`.
    Infrastructure,
}

impl Entity {
    /// The entity's id.
    pub fn id(&self) -> Uuid {
        match self {
            Entity::Person(e) => e.id,
            Entity::Organization(e) => e.id,
            Entity::TravelDocument(e) => e.id,
            Entity::Biometric(e) => e.id,
            Entity::Conveyance(e) => e.id,
            Entity::Location(e) => e.id,
            Entity::Encounter(e) => e.id,
            Entity::Alert(e) => e.id,
            Entity::Indicator(e) => e.id,
            Entity::Threat(e) => e.id,
        }
    }

    /// The entity's id, to change (see [`crate::Record::reidentify`]).
    pub(crate) fn id_mut(&mut self) -> &mut Uuid {
        match self {
            Entity::Person(e) => &mut e.id,
            Entity::Organization(e) => &mut e.id,
            Entity::TravelDocument(e) => &mut e.id,
            Entity::Biometric(e) => &mut e.id,
            Entity::Conveyance(e) => &mut e.id,
            Entity::Location(e) => &mut e.id,
            Entity::Encounter(e) => &mut e.id,
            Entity::Alert(e) => &mut e.id,
            Entity::Indicator(e) => &mut e.id,
            Entity::Threat(e) => &mut e.id,
        }
    }

    /// The entity's namespaced extensions.
    pub fn extensions(&self) -> &BTreeMap<Namespace, Extension> {
        match self {
            Entity::Person(e) => &e.extensions,
            Entity::Organization(e) => &e.extensions,
            Entity::TravelDocument(e) => &e.extensions,
            Entity::Biometric(e) => &e.extensions,
            Entity::Conveyance(e) => &e.extensions,
            Entity::Location(e) => &e.extensions,
            Entity::Encounter(e) => &e.extensions,
            Entity::Alert(e) => &e.extensions,
            Entity::Indicator(e) => &e.extensions,
            Entity::Threat(e) => &e.extensions,
        }
    }

    /// The entity's namespaced extensions, to change.
    pub fn extensions_mut(&mut self) -> &mut BTreeMap<Namespace, Extension> {
        match self {
            Entity::Person(e) => &mut e.extensions,
            Entity::Organization(e) => &mut e.extensions,
            Entity::TravelDocument(e) => &mut e.extensions,
            Entity::Biometric(e) => &mut e.extensions,
            Entity::Conveyance(e) => &mut e.extensions,
            Entity::Location(e) => &mut e.extensions,
            Entity::Encounter(e) => &mut e.extensions,
            Entity::Alert(e) => &mut e.extensions,
            Entity::Indicator(e) => &mut e.extensions,
            Entity::Threat(e) => &mut e.extensions,
        }
    }

    /// The entity's kind, as written in its `kind` member.
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::Person(_) => EntityKind::Person,
            Entity::Organization(_) => EntityKind::Organization,
            Entity::TravelDocument(_) => EntityKind::TravelDocument,
            Entity::Biometric(_) => EntityKind::Biometric,
            Entity::Conveyance(_) => EntityKind::Conveyance,
            Entity::Location(_) => EntityKind::Location,
            Entity::Encounter(_) => EntityKind::Encounter,
            Entity::Alert(_) => EntityKind::Alert,
            Entity::Indicator(_) => EntityKind::Indicator,
            Entity::Threat(_) => EntityKind::Threat,
        }
    }
}

/// The kinds of entity, without their contents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum EntityKind {
    /// [`Person`].
    Person,
    /// [`Organization`].
    Organization,
    /// [`TravelDocument`].
    TravelDocument,
    /// [`Biometric`].
    Biometric,
    /// [`Conveyance`].
    Conveyance,
    /// [`Location`].
    Location,
    /// [`Encounter`].
    Encounter,
    /// [`Alert`].
    Alert,
    /// [`Indicator`].
    Indicator,
    /// [`Threat`].
    Threat,
}

//! Agreements compiled once into an indexed form: by provider, then
//! recipient, then purpose, so that a decision looks only at the clauses
//! that can concern it.

/// A map keyed by what the loaded agreements name: never by the input
/// decided on, so a fast unkeyed hash is enough.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use liaison_record::{
    AgencyId, AgreementRef, Caveat, Classification, Digest, EntityKind, FieldClass,
    InformationCredibility, Party, PartyClass, Purpose, SourceReliability, SourceType, Timestamp,
    Tlp, canonicalize_value, sha256,
};

use crate::agreement::{Agreement, Effect, ObligationRules, Transformation};
use crate::pattern::Pattern;

/// A set of agreements compiled for deciding.
///
/// Compiling checks nothing the loader has not checked; it indexes the
/// clauses by provider, recipient and purpose and turns their conditions
/// into compact comparisons.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub(crate) agreements: Vec<CompiledAgreement>,
    pub(crate) index: HashMap<String, ByRecipient<PurposeIndex>>,
    pub(crate) digest: Digest,
}

/// What one provider has for each recipient: named agencies and whole
/// countries.
#[derive(Debug, Clone)]
pub(crate) struct ByRecipient<T> {
    /// By recipient agency id.
    pub(crate) agencies: HashMap<String, T>,
    /// By recipient country code.
    pub(crate) countries: HashMap<String, T>,
    /// By party class.
    pub(crate) classes: HashMap<PartyClass, T>,
}

impl<T> Default for ByRecipient<T> {
    fn default() -> Self {
        ByRecipient {
            agencies: HashMap::default(),
            countries: HashMap::default(),
            classes: HashMap::default(),
        }
    }
}

impl<T: Default> ByRecipient<T> {
    /// The entry for an agreement's recipient party.
    fn entry(&mut self, party: &Party) -> &mut T {
        match party {
            Party::Agency(id) => self.agencies.entry(id.as_str().to_owned()),
            Party::Country(cc) => self.countries.entry(cc.as_str().to_owned()),
            Party::Class(class) => return self.classes.entry(*class).or_default(),
        }
        .or_default()
    }
}

impl<T> ByRecipient<T> {
    /// What applies to `recipient`: as an agency, through its country, and
    /// through its class.
    pub(crate) fn get(&self, recipient: &AgencyId) -> [Option<&T>; 3] {
        // Most providers name no whole country or class: their recipient's
        // country and class need not be worked out.
        [
            self.agencies.get(recipient.as_str()),
            if self.countries.is_empty() {
                None
            } else {
                self.countries.get(recipient.country().as_str())
            },
            if self.classes.is_empty() {
                None
            } else {
                PartyClass::of(recipient).and_then(|c| self.classes.get(&c))
            },
        ]
    }
}

/// Clause references by purpose.
pub(crate) type PurposeIndex = HashMap<Purpose, Vec<ClauseRef>>;

/// An agreement and one of its clauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ClauseRef {
    pub(crate) agreement: u32,
    pub(crate) clause: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledAgreement {
    pub(crate) source: Agreement,
    pub(crate) reference: AgreementRef,
    pub(crate) clauses: Vec<CompiledClause>,
    /// Namespaced caveats the agreement mentions anywhere.
    pub(crate) understood: Vec<Caveat>,
    /// The later versions of the same agreement id: when each takes over
    /// (its `valid_from`) and its version.
    pub(crate) successors: Vec<(Timestamp, u32)>,
    /// Another agreement has the same id and version but different
    /// contents: which one is meant cannot be told, so nothing under
    /// either is released.
    pub(crate) conflict: bool,
}

/// Where an agreement stands at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// In force: its clauses apply.
    InForce,
    /// Not yet in force.
    NotYet,
    /// Past its `valid_until`.
    Expired(Timestamp),
    /// Suspended since this time.
    Suspended(Timestamp),
    /// Terminated at this time.
    Terminated(Timestamp),
    /// Replaced by this later version.
    Superseded(u32),
    /// Two different agreements carry this id and version.
    Conflict,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledClause {
    pub(crate) id: String,
    pub(crate) effect: Effect,
    pub(crate) kinds_any: u16,
    pub(crate) kinds_only: u16,
    pub(crate) min_classification: Option<Classification>,
    pub(crate) max_classification: Option<Classification>,
    pub(crate) min_tlp: Option<Tlp>,
    pub(crate) max_tlp: Option<Tlp>,
    pub(crate) caveats_any: Vec<Caveat>,
    pub(crate) caveats_none: Vec<Caveat>,
    pub(crate) min_reliability: Option<SourceReliability>,
    pub(crate) min_credibility: Option<InformationCredibility>,
    pub(crate) min_age_days: Option<u32>,
    pub(crate) max_age_days: Option<u32>,
    pub(crate) max_reliability: Option<SourceReliability>,
    pub(crate) max_credibility: Option<InformationCredibility>,
    pub(crate) source_types: Vec<SourceType>,
    pub(crate) source_agencies: Vec<AgencyId>,
    pub(crate) third_party_source: Option<bool>,
    pub(crate) data_subjects: Vec<liaison_record::DataSubject>,
    pub(crate) special_categories: Vec<liaison_record::SpecialCategory>,
    pub(crate) request_kinds: Vec<crate::request::RequestKind>,
    pub(crate) urgencies: Vec<crate::request::Urgency>,
    pub(crate) release: CompiledRelease,
    /// The agreement's obligations and the clause's, merged when the
    /// clause applies; rules that ask nothing are left out, since the
    /// obligations they give leave any merge as it is.
    pub(crate) obligations: Vec<ObligationRules>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledRelease {
    pub(crate) classes: u16,
    pub(crate) fields: Vec<Pattern>,
    pub(crate) withhold: Vec<Pattern>,
    /// Whether some withhold pattern may reach beneath a unit.
    pub(crate) deep_withhold: bool,
    pub(crate) transform: Vec<Transformation>,
}

/// The bit of an entity kind in a mask.
pub(crate) fn kind_bit(kind: EntityKind) -> u16 {
    1 << (match kind {
        EntityKind::Person => 0,
        EntityKind::Organization => 1,
        EntityKind::TravelDocument => 2,
        EntityKind::Biometric => 3,
        EntityKind::Conveyance => 4,
        EntityKind::Location => 5,
        EntityKind::Encounter => 6,
        EntityKind::Alert => 7,
        EntityKind::Indicator => 8,
        EntityKind::Threat => 9,
    })
}

/// The bit of a field class in a mask.
pub(crate) fn class_bit(class: FieldClass) -> u16 {
    1 << (match class {
        FieldClass::Control => 0,
        FieldClass::Identity => 1,
        FieldClass::Biometric => 2,
        FieldClass::TravelDocument => 3,
        FieldClass::Location => 4,
        FieldClass::Movement => 5,
        FieldClass::Alert => 6,
        FieldClass::Indicator => 7,
        FieldClass::Assessment => 8,
        FieldClass::Association => 9,
        FieldClass::Narrative => 10,
        FieldClass::Source => 11,
    })
}

/// The digest of one agreement: SHA-256 of the RFC 8785 canonical form of
/// its JSON model.
pub fn agreement_digest(agreement: &Agreement) -> Digest {
    match serde_json::to_value(agreement) {
        Ok(v) => sha256(&canonicalize_value(&v)),
        Err(_) => sha256(b""),
    }
}

impl PolicySet {
    /// Compiles agreements for deciding.
    ///
    /// Agreements are taken as loaded (see [`crate::parse_agreement`]);
    /// the set's digest covers every agreement, in id and version order, so
    /// the order they are given in does not matter.
    pub fn new(agreements: Vec<Agreement>) -> PolicySet {
        let mut agreements = agreements;
        agreements.sort_by(|a, b| (&a.id, a.version).cmp(&(&b.id, b.version)));
        let mut set_bytes = Vec::with_capacity(agreements.len() * 32);
        let mut compiled = Vec::with_capacity(agreements.len());
        let mut index: HashMap<String, ByRecipient<PurposeIndex>> = HashMap::default();
        for (ai, a) in agreements.into_iter().enumerate() {
            let digest = agreement_digest(&a);
            set_bytes.extend_from_slice(digest.as_bytes());
            let agreement_index = u32::try_from(ai).unwrap_or(u32::MAX);
            let by_recipient = index.entry(a.provider.as_str().to_owned()).or_default();
            for (ci, c) in a.clauses.iter().enumerate() {
                let r = ClauseRef {
                    agreement: agreement_index,
                    clause: u32::try_from(ci).unwrap_or(u32::MAX),
                };
                let purposes = if c.when.purposes.is_empty() {
                    &a.purposes
                } else {
                    &c.when.purposes
                };
                for party in &a.recipients {
                    let slot = by_recipient.entry(party);
                    for p in purposes {
                        slot.entry(p.clone()).or_default().push(r);
                    }
                }
            }
            compiled.push(compile_agreement(a, digest));
        }
        link_versions(&mut compiled);
        PolicySet {
            agreements: compiled,
            index,
            digest: sha256(&set_bytes),
        }
    }

    /// The digest of the agreement set: SHA-256 over the digests of the
    /// agreements in id and version order.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// The agreements, in id and version order.
    pub fn agreements(&self) -> impl Iterator<Item = &Agreement> {
        self.agreements.iter().map(|a| &a.source)
    }

    /// The number of clauses across all agreements.
    pub fn clause_count(&self) -> usize {
        self.agreements.iter().map(|a| a.clauses.len()).sum()
    }

    pub(crate) fn clause(&self, r: ClauseRef) -> Option<(&CompiledAgreement, &CompiledClause)> {
        let a = self.agreements.get(usize::try_from(r.agreement).ok()?)?;
        let c = a.clauses.get(usize::try_from(r.clause).ok()?)?;
        Some((a, c))
    }
}

/// Links the versions of each agreement id (the agreements are sorted by id
/// and version): each learns its successors, and two different agreements
/// with one id and version are both marked in conflict.
fn link_versions(compiled: &mut [CompiledAgreement]) {
    let mut start = 0;
    while start < compiled.len() {
        let id = compiled.get(start).map(|a| a.source.id.clone());
        let end = compiled
            .iter()
            .skip(start)
            .position(|a| Some(&a.source.id) != id.as_ref())
            .map_or(compiled.len(), |n| start + n);
        let versions: Vec<(Timestamp, u32, String)> = compiled
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|a| {
                (
                    a.source.valid_from,
                    a.source.version,
                    a.reference.digest.clone(),
                )
            })
            .collect();
        for a in compiled.get_mut(start..end).unwrap_or_default() {
            let own = a.source.version;
            a.successors = versions
                .iter()
                .filter(|(_, v, _)| *v > own)
                .map(|(from, v, _)| (*from, *v))
                .collect();
            a.conflict = versions
                .iter()
                .any(|(_, v, d)| *v == own && *d != a.reference.digest);
        }
        start = end;
    }
}

fn compile_agreement(a: Agreement, digest: Digest) -> CompiledAgreement {
    let mut understood: Vec<Caveat> = a.known_caveats.clone();
    for c in &a.clauses {
        understood.extend(c.when.caveats_any.iter().cloned());
        understood.extend(c.when.caveats_none.iter().cloned());
    }
    understood.retain(|c| matches!(c, Caveat::Other(_)));
    understood.sort();
    understood.dedup();
    let clauses = a
        .clauses
        .iter()
        .map(|c| {
            let w = &c.when;
            let mask = |kinds: &[EntityKind]| kinds.iter().fold(0u16, |m, k| m | kind_bit(*k));
            // The agreement's ceiling bounds what release clauses may let go;
            // deny and refer clauses apply whatever the classification.
            let max_classification = match (c.effect, w.max_classification) {
                (Effect::Release, Some(m)) => Some(m.min(a.max_classification)),
                (Effect::Release, None) => Some(a.max_classification),
                (_, m) => m,
            };
            let release = c
                .release
                .as_ref()
                .map(|r| CompiledRelease {
                    classes: r.classes.iter().fold(0, |m, k| m | class_bit(*k)),
                    fields: r.fields.iter().map(|p| Pattern::new(p)).collect(),
                    withhold: r.withhold.iter().map(|p| Pattern::new(p)).collect(),
                    deep_withhold: r.withhold.iter().any(|p| crate::engine::deep(p)),
                    transform: r.transform.clone(),
                })
                .unwrap_or_default();
            CompiledClause {
                id: c.id.clone(),
                effect: c.effect,
                kinds_any: mask(&w.entity_kinds),
                kinds_only: mask(&w.only_entity_kinds),
                min_classification: w.min_classification,
                max_classification,
                min_tlp: w.min_tlp,
                max_tlp: w.max_tlp,
                caveats_any: w.caveats_any.clone(),
                caveats_none: w.caveats_none.clone(),
                min_reliability: w.min_source_reliability,
                min_credibility: w.min_information_credibility,
                min_age_days: w.min_age_days,
                max_age_days: w.max_age_days,
                max_reliability: w.max_source_reliability,
                max_credibility: w.max_information_credibility,
                source_types: w.source_types.clone(),
                source_agencies: w.source_agencies.clone(),
                third_party_source: w.third_party_source,
                data_subjects: w.data_subjects.clone(),
                special_categories: w.special_categories.clone(),
                request_kinds: w.request_kinds.clone(),
                urgencies: w.urgencies.clone(),
                release,
                obligations: [&a.obligations, &c.obligations]
                    .into_iter()
                    .filter(|rules| **rules != ObligationRules::default())
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    let reference = AgreementRef {
        id: a.id.clone(),
        version: a.version,
        digest: digest.to_string(),
    };
    CompiledAgreement {
        source: a,
        reference,
        clauses,
        understood,
        successors: Vec::new(),
        conflict: false,
    }
}

impl CompiledAgreement {
    /// Where the agreement stands at `at`. A later version replaces it from
    /// the later version's `valid_from` on, whatever that version's own
    /// standing: a suspended or expired newer version does not bring the
    /// older one back.
    pub(crate) fn standing(&self, at: Timestamp) -> Standing {
        let a = &self.source;
        if self.conflict {
            return Standing::Conflict;
        }
        if let Some(v) = self
            .successors
            .iter()
            .filter(|(from, _)| *from <= at)
            .map(|(_, v)| *v)
            .max()
        {
            return Standing::Superseded(v);
        }
        if at < a.valid_from {
            return Standing::NotYet;
        }
        if let Some(t) = a.terminated_at
            && t <= at
        {
            return Standing::Terminated(t);
        }
        if let Some(t) = a.suspended_from
            && t <= at
        {
            return Standing::Suspended(t);
        }
        if let Some(u) = a.valid_until
            && u <= at
        {
            return Standing::Expired(u);
        }
        Standing::InForce
    }

    /// Whether the agreement is in force at `at`.
    pub(crate) fn in_force(&self, at: Timestamp) -> bool {
        self.standing(at) == Standing::InForce
    }

    /// When copies released under the agreement must be deleted because its
    /// obligations do not survive it: its termination or expiry.
    pub(crate) fn obligations_end(&self) -> Option<Timestamp> {
        let a = &self.source;
        if a.obligations_survive {
            return None;
        }
        match (a.terminated_at, a.valid_until) {
            (Some(t), Some(u)) => Some(t.min(u)),
            (t, u) => t.or(u),
        }
    }
}

//! An agency: its identity, its partners, its agreements, its audit log
//! (which also keeps the ids of accepted parcels) and its replay window;
//! and the exchange, [`share`](Agency::share) and [`receive`](Agency::receive).

mod checkpoints;
mod receipt;
mod receive;
pub use receipt::Receipted;
pub use receive::{CLOCK_SKEW, DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW};
mod matching;
mod share;

use std::fmt;
use std::path::{Path, PathBuf};

use liaison_envelope::{Card, Identity};
use liaison_policy::{Decision, PolicySet};
use liaison_record::{AgencyId, Purpose, Record, Timestamp};

use crate::audit::{AuditAgreement, AuditEvent, AuditLog, AuditOutcome, EntryKind};
use crate::directory::Directory;
use crate::error::SetupError;

/// One agency's end of the exchange.
///
/// Share and receive take `&self` and may be called from many threads at
/// once, and several agencies (processes, machines) may share one audit
/// store; the store serializes what must be.
pub struct Agency {
    id: AgencyId,
    /// Oldest first; the newest valid one signs, every one can open.
    keys: Vec<OwnKey>,
    directory: Directory,
    policies: PolicySet,
    audit: AuditLog,
    replay_window: time::Duration,
    checkpoints: checkpoints::CheckpointCache,
    min_filter_width: liaison_match::FilterWidth,
}

impl fmt::Debug for Agency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agency")
            .field("id", &self.id)
            .field(
                "identities",
                &self.keys.iter().map(|k| &k.identity).collect::<Vec<_>>(),
            )
            .field("partners", &self.directory.partners().collect::<Vec<_>>())
            .field("agreements", &self.policies.agreements().count())
            .field("audit_entries", &self.audit.len())
            .field("replay_window", &self.replay_window)
            .finish_non_exhaustive()
    }
}

/// Sets up an [`Agency`]: see [`Agency::builder`].
#[derive(Debug)]
#[must_use]
pub struct AgencyBuilder {
    identities: Vec<Identity>,
    directory: Directory,
    policies: Option<PolicySet>,
    audit: Option<AuditChoice>,
    replay_window: time::Duration,
    min_filter_width: liaison_match::FilterWidth,
}

#[derive(Debug)]
enum AuditChoice {
    File(PathBuf),
    Location(String),
    Log(AuditLog),
}

impl Agency {
    /// Starts setting up the agency that `identity` belongs to.
    pub fn builder(identity: Identity) -> AgencyBuilder {
        AgencyBuilder {
            identities: vec![identity],
            directory: Directory::new(),
            policies: None,
            audit: None,
            replay_window: DEFAULT_REPLAY_WINDOW,
            min_filter_width: crate::matching::MIN_FILTER_WIDTH,
        }
    }

    /// The agency's id.
    pub fn id(&self) -> &AgencyId {
        &self.id
    }

    /// The agency's current public card (of its newest identity valid at
    /// `at`), to give to partners.
    pub fn card_at(&self, at: Timestamp) -> Option<Card> {
        self.signing_identity(at).map(Identity::card)
    }

    /// The partner directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The agreements.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// The replay window: parcels sealed longer ago than this before the
    /// time of receipt are refused, and the ids of parcels received longer
    /// ago than this (and [`CLOCK_SKEW`]) are forgotten.
    pub fn replay_window(&self) -> time::Duration {
        self.replay_window
    }

    /// Decides, without releasing anything, whether `record` may go to
    /// `to` for `purpose` at `at`, and records the decision in the audit log.
    ///
    /// # Errors
    ///
    /// [`AuditError`](crate::audit::AuditError) when the decision cannot be recorded.
    pub fn decide_at(
        &self,
        record: &Record,
        to: &AgencyId,
        purpose: &Purpose,
        at: Timestamp,
    ) -> Result<Decision, crate::audit::AuditError> {
        let decision = self.policies.decide(record, to, purpose, at);
        let outcome = match decision.outcome {
            liaison_policy::Outcome::Release | liaison_policy::Outcome::PartialRelease => {
                AuditOutcome::Released
            }
            liaison_policy::Outcome::Refer => AuditOutcome::Referred,
            liaison_policy::Outcome::Deny => AuditOutcome::Denied,
        };
        let mut event = decision_event(EntryKind::Decision, outcome, &decision);
        event.record_digest = Some(decision.record_digest.to_string());
        event.reasons = decision
            .reasons
            .iter()
            .map(crate::error::reason_code)
            .collect();
        self.audit.append(event)?;
        Ok(decision)
    }

    /// The newest identity valid at `at`: it signs what is sealed then.
    fn signing_identity(&self, at: Timestamp) -> Option<&Identity> {
        let at = at.to_offset_date_time();
        self.keys
            .iter()
            .filter(|k| k.card.is_valid_at(at))
            .max_by_key(|k| k.card.not_before())
            .map(|k| &k.identity)
    }
}

/// One of the agency's identities with its card, computed once (deriving
/// a public key costs a scalar multiplication).
struct OwnKey {
    identity: Identity,
    card: Card,
}

/// An audit event for a decision, with its parties, ids and agreements.
fn decision_event(kind: EntryKind, outcome: AuditOutcome, decision: &Decision) -> AuditEvent {
    let mut event = AuditEvent::new(kind, outcome, decision.at);
    event.counterparty = Some(decision.to.clone());
    event.purpose = Some(decision.purpose.clone());
    event.decision = Some(decision.id);
    event.record = Some(decision.record_id);
    event.agreements = decision
        .agreements
        .iter()
        .map(|a| AuditAgreement {
            digest: a.digest.clone(),
            id: a.id.clone(),
            version: a.version,
        })
        .collect();
    event
}

impl AgencyBuilder {
    /// Adds another identity of the same agency: a retired one whose key
    /// must still open parcels sealed to it, or a new one after a rotation.
    /// The newest identity valid at the time of sharing signs.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identities.push(identity);
        self
    }

    /// The partner directory.
    pub fn directory(mut self, directory: Directory) -> Self {
        self.directory = directory;
        self
    }

    /// The agreements the agency shares under.
    pub fn agreements(mut self, policies: PolicySet) -> Self {
        self.policies = Some(policies);
        self
    }

    /// Keeps the audit log, and with it the ids of accepted parcels, in
    /// the JSON Lines file at `path` (created when missing; verified, and a
    /// torn tail recovered, when it exists). Other processes may use the
    /// same file at the same time.
    pub fn audit_file(mut self, path: impl AsRef<Path>) -> Self {
        self.audit = Some(AuditChoice::File(path.as_ref().to_path_buf()));
        self
    }

    /// Keeps the audit log where `location` says: a `postgres://` or
    /// `postgresql://` URL (with the `postgres` feature), or a file path.
    /// See [`AuditLog::open_location`].
    pub fn audit_location(mut self, location: impl Into<String>) -> Self {
        self.audit = Some(AuditChoice::Location(location.into()));
        self
    }

    /// Uses `log` as the audit log (in memory, or over any
    /// [`AuditStore`](crate::audit::AuditStore)).
    pub fn audit_log(mut self, log: AuditLog) -> Self {
        self.audit = Some(AuditChoice::Log(log));
        self
    }

    /// The replay window; [`DEFAULT_REPLAY_WINDOW`] unless set. It may be
    /// at most [`MAX_REPLAY_WINDOW`]: [`build`](Self::build) refuses a
    /// longer or negative window.
    pub fn replay_window(mut self, window: time::Duration) -> Self {
        self.replay_window = window;
        self
    }

    /// The narrowest fingerprint width of a partner's index this agency
    /// queries: [`MIN_FILTER_WIDTH`](crate::matching::MIN_FILTER_WIDTH)
    /// (32 bits) unless set. A narrower filter makes false hits common, and
    /// a hit reference sent after a false hit lets the holder recover the
    /// key asked about (`docs/match.md`, section 11): allow it only knowing
    /// that.
    pub fn match_min_filter_width(mut self, width: liaison_match::FilterWidth) -> Self {
        self.min_filter_width = width;
        self
    }

    /// Builds the agency.
    ///
    /// # Errors
    ///
    /// [`SetupError::IdentityAgency`] when the identity's agency id is not
    /// `CCC-CODE`; [`SetupError::MixedIdentities`] when identities of two
    /// agencies are given; [`SetupError::NoAuditLog`] when no audit log was
    /// chosen; [`SetupError::ReplayWindow`] when the replay window is
    /// negative or longer than [`MAX_REPLAY_WINDOW`];
    /// [`SetupError::Audit`] when the audit log cannot be opened.
    pub fn build(self) -> Result<Agency, SetupError> {
        if self.replay_window.is_negative() || self.replay_window > MAX_REPLAY_WINDOW {
            return Err(SetupError::ReplayWindow {
                days: self.replay_window.whole_days(),
                max_days: MAX_REPLAY_WINDOW.whole_days(),
            });
        }
        let first = self
            .identities
            .first()
            .map(|i| i.agency_id().to_owned())
            .unwrap_or_default();
        let id: AgencyId =
            first
                .parse()
                .map_err(|e: liaison_record::ParseError| SetupError::IdentityAgency {
                    agency: first.clone(),
                    expected: e.expected().to_owned(),
                })?;
        if let Some(other) = self
            .identities
            .iter()
            .find(|i| i.agency_id() != id.as_str())
        {
            return Err(SetupError::MixedIdentities {
                agency: id,
                found: other.agency_id().to_owned(),
            });
        }
        let own: Vec<Card> = self.identities.iter().map(Identity::card).collect();
        self.directory.check_against_own(&id, &own)?;
        let audit = match self.audit.ok_or(SetupError::NoAuditLog)? {
            AuditChoice::File(path) => {
                AuditLog::open(path).map_err(|source| SetupError::Audit { source })?
            }
            AuditChoice::Location(location) => {
                AuditLog::open_location(&location).map_err(|source| SetupError::Audit { source })?
            }
            AuditChoice::Log(log) => log,
        };
        Ok(Agency {
            id,
            keys: self
                .identities
                .into_iter()
                .map(|identity| OwnKey {
                    card: identity.card(),
                    identity,
                })
                .collect(),
            directory: self.directory,
            policies: self.policies.unwrap_or_else(|| PolicySet::new(Vec::new())),
            audit,
            replay_window: self.replay_window,
            checkpoints: checkpoints::CheckpointCache::default(),
            min_filter_width: self.min_filter_width,
        })
    }
}

/// Reads an identity file (as written by `liaison keygen`).
///
/// # Errors
///
/// [`SetupError::Identity`] naming the file and what is wrong.
pub fn load_identity(path: impl AsRef<Path>) -> Result<Identity, SetupError> {
    let path = path.as_ref();
    let problem = |problem: String| SetupError::Identity {
        path: path.to_path_buf(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        problem(format!(
            "cannot read the file ({e}); give the path of an identity file made by `liaison keygen`"
        ))
    })?;
    let text = zeroize::Zeroizing::new(text);
    Identity::from_json(&text).map_err(|e| problem(e.to_string()))
}

/// Reads the agreements in the given files and folders (`.toml` or `.json`):
/// any list of paths, such as `["a.toml", "agreements/"]` or a
/// `&[PathBuf]`.
///
/// # Errors
///
/// [`SetupError::Agreements`] with every problem found, each with its file,
/// line and clause.
pub fn load_agreements<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
) -> Result<PolicySet, SetupError> {
    let paths: Vec<PathBuf> = paths
        .into_iter()
        .map(|p| p.as_ref().to_path_buf())
        .collect();
    liaison_policy::load_paths(&paths)
        .map(PolicySet::new)
        .map_err(|e| SetupError::Agreements {
            problem: e.to_string(),
        })
}

//! The facade's errors: one enum per family of operations. They hold plain
//! values (strings, ids, paths), never the error types of the crates
//! underneath, so those can change without breaking users.

use std::path::PathBuf;

use liaison_record::AgencyId;
use uuid::Uuid;

use crate::audit::AuditError;

/// Why an [`Agency`](crate::Agency) could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The identity file could not be read or is not an identity.
    #[error("identity `{path}`: {problem}")]
    Identity {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// The identity's agency id is not of the form `CCC-CODE`.
    #[error(
        "the identity's agency id `{agency}` is not {expected}; generate the identity again with a proper agency id"
    )]
    IdentityAgency {
        /// The agency id found.
        agency: String,
        /// What was expected.
        expected: String,
    },
    /// Two identities given for one agency belong to different agencies.
    #[error(
        "identity of `{found}` given for agency `{agency}`; every identity of an agency must carry its id"
    )]
    MixedIdentities {
        /// The agency.
        agency: AgencyId,
        /// The other agency id found.
        found: String,
    },
    /// The partner directory could not be loaded.
    #[error("partner directory, `{path}`: {problem}")]
    Directory {
        /// The folder or file concerned.
        path: PathBuf,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// A card's agency id is not of the form `CCC-CODE`.
    #[error(
        "the card of `{agency}` cannot be used: the agency id is not {expected}; ask the partner for a card with a proper agency id"
    )]
    CardAgency {
        /// The agency id found.
        agency: String,
        /// What was expected.
        expected: String,
    },
    /// A card has the same key as a card of another agency in the
    /// directory.
    #[error(
        "the card of `{agency}` has the same {key} key as a card of `{other}`: a key belongs to one agency, so one of the two cards is not genuine; find out which with both partners before adding either"
    )]
    SharedKey {
        /// The agency of the card being added.
        agency: String,
        /// The agency whose card has the same key.
        other: String,
        /// Which key: `signing` or `encryption`.
        key: &'static str,
    },
    /// The agreements could not be loaded.
    #[error("agreements: {problem}")]
    Agreements {
        /// Every problem, with its file, line and clause.
        problem: String,
    },
    /// The audit log could not be opened.
    #[error("audit log: {source}")]
    Audit {
        /// What went wrong.
        #[source]
        source: AuditError,
    },
    /// No audit log was chosen.
    #[error(
        "no audit log chosen: call `audit_file(path)` for a log on disk, or `audit_log(log)` with any other log"
    )]
    NoAuditLog,
    /// The replay window is negative or longer than the longest allowed.
    #[error(
        "replay window of {days} days: it must be between 0 and {max_days} days; choose a shorter window"
    )]
    ReplayWindow {
        /// The window asked for, in whole days.
        days: i64,
        /// The longest window allowed, in days.
        max_days: i64,
    },
}

/// Why a record was not shared. Every failure is also recorded in the audit
/// log (one refusal entry), except a failure of the audit log itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    /// The agreements (or the record's marking or provenance) do not allow
    /// the release: the decision says why.
    #[error("{}", refusal_message(.refusal))]
    Refused {
        /// The decision and its reasons.
        refusal: Box<Refusal>,
    },
    /// This agency does not hold the record: the last release in its
    /// provenance went to another agency.
    #[error(
        "`{agency}` cannot share record `{record}`: it is held by `{holder}`, the last recipient in its provenance; share records you received or originated"
    )]
    NotHolder {
        /// The record id.
        record: Uuid,
        /// This agency.
        agency: AgencyId,
        /// The record's holder.
        holder: AgencyId,
    },
    /// The partner directory holds no card for the recipient.
    #[error("no card for `{partner}` in the partner directory; add the partner's card file")]
    UnknownPartner {
        /// The recipient.
        partner: AgencyId,
    },
    /// The partner's cards are all outside their validity windows.
    #[error(
        "no card of `{partner}` is valid at {at}; ask the partner for its current card and add it to the partner directory"
    )]
    NoValidKey {
        /// The recipient.
        partner: AgencyId,
        /// The time of sharing.
        at: String,
    },
    /// This agency's identities are all outside their validity windows.
    #[error(
        "no identity of `{agency}` is valid at {at}; generate a new identity and give its card to the partners"
    )]
    NoValidIdentity {
        /// This agency.
        agency: AgencyId,
        /// The time of sharing.
        at: String,
    },
    /// An agreement requires the copy to be sealed post-quantum, and the
    /// partner's current card has no X-Wing key: sealing classically is
    /// refused.
    #[error(
        "{reason}, and the current card of `{partner}` has no post-quantum (X-Wing) key, so the copy is not sealed classically; ask the partner for a card made with `liaison keygen --post-quantum` and add it to the partner directory"
    )]
    PostQuantumRequired {
        /// The recipient.
        partner: AgencyId,
        /// Which agreement requires it and why, in words.
        reason: String,
    },
    /// The released copy or the parcel could not be made.
    #[error("cannot make the parcel: {problem}")]
    Parcel {
        /// What went wrong.
        problem: String,
    },
    /// The audit log could not record the outcome; no parcel is returned.
    #[error("the audit log could not record this share, so no parcel is returned: {source}")]
    Audit {
        /// What went wrong.
        #[source]
        source: AuditError,
    },
    /// The parcel could not be written, so the release was not recorded
    /// and did not happen.
    #[error(
        "the parcel could not be written ({problem}), so nothing was released; fix the output and share again"
    )]
    Output {
        /// What went wrong.
        problem: String,
    },
    /// The release was recorded but the parcel could not be put in place.
    #[error("the release was recorded but the parcel could not be put in place: {problem}")]
    NotDelivered {
        /// What went wrong, and where the parcel was kept.
        problem: String,
    },
}

impl ShareError {
    /// The problem code of the error, as the audit log records it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused { .. } => "refused",
            Self::NotHolder { .. } => "not-holder",
            Self::UnknownPartner { .. } => "unknown-partner",
            Self::NoValidKey { .. } => "no-valid-partner-key",
            Self::NoValidIdentity { .. } => "no-valid-identity",
            Self::PostQuantumRequired { .. } => "post-quantum-required",
            Self::Parcel { .. } => "parcel-not-made",
            Self::Audit { .. } => "audit-failed",
            Self::Output { .. } => "output-not-written",
            Self::NotDelivered { .. } => "output-not-in-place",
        }
    }

    /// The refusal, when the agreements refused the release.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused { refusal } => Some(refusal),
            _ => None,
        }
    }
}

/// A refused release: the decision, with what would have to change.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Refusal {
    /// The decision, as the policy engine made it.
    pub decision: liaison_policy::Decision,
}

impl Refusal {
    /// The reasons that refused the release, in words (each names the
    /// agreement, clause or rule and why).
    pub fn reasons(&self) -> Vec<String> {
        refusing_reasons(&self.decision)
    }
}

/// The reasons that made a decision a refusal or a referral; all reasons
/// when none is marked as such.
pub(crate) fn refusing_reasons(decision: &liaison_policy::Decision) -> Vec<String> {
    use liaison_policy::ReasonEffect;
    let decisive: Vec<String> = decision
        .reasons
        .iter()
        .filter(|r| matches!(r.effect, ReasonEffect::Deny | ReasonEffect::Refer))
        .map(reason_text)
        .collect();
    if decisive.is_empty() {
        decision.reasons.iter().map(reason_text).collect()
    } else {
        decisive
    }
}

/// One reason as the audit log records it: the rule's code, with the
/// agreement and clause ids; never the message, which may quote values.
pub(crate) fn reason_code(r: &liaison_policy::Reason) -> String {
    let rule = r.rule.name();
    match (&r.agreement, &r.clause) {
        (Some(a), Some(c)) => format!("{rule} agreement `{a}` clause `{c}`"),
        (Some(a), None) => format!("{rule} agreement `{a}`"),
        _ => rule.to_owned(),
    }
}

/// The codes of the reasons that made a decision a refusal or a referral
/// (all reasons when none is marked as such).
pub(crate) fn refusing_reason_codes(decision: &liaison_policy::Decision) -> Vec<String> {
    use liaison_policy::ReasonEffect;
    let decisive: Vec<String> = decision
        .reasons
        .iter()
        .filter(|r| matches!(r.effect, ReasonEffect::Deny | ReasonEffect::Refer))
        .map(reason_code)
        .collect();
    if decisive.is_empty() {
        decision.reasons.iter().map(reason_code).collect()
    } else {
        decisive
    }
}

/// One reason in words, naming its agreement and clause.
pub(crate) fn reason_text(r: &liaison_policy::Reason) -> String {
    match (&r.agreement, &r.clause) {
        (Some(a), Some(c)) => format!("agreement `{a}`, clause `{c}`: {}", r.message),
        (Some(a), None) => format!("agreement `{a}`: {}", r.message),
        _ => r.message.clone(),
    }
}

fn refusal_message(refusal: &Refusal) -> String {
    let d = &refusal.decision;
    let what = match d.outcome {
        liaison_policy::Outcome::Refer => "must be referred to the originator",
        _ => "is refused",
    };
    format!(
        "the release of record `{}` to `{}` for `{}` {what} (decision `{}`): {}",
        d.record_id,
        d.to,
        d.purpose,
        d.id,
        refusal.reasons().join("; ")
    )
}

impl ReceiveError {
    /// The problem code of the error, as the audit log records it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAParcel { .. } => "not-a-parcel",
            Self::UnknownSender { .. } => "unknown-sender",
            Self::SenderKeyNotValid { .. } => "sender-key-not-valid",
            Self::NotForUs { .. } => "not-for-us",
            Self::SignatureDowngrade { .. } => "signature-downgrade",
            Self::SigningKeyMismatch { .. } => "signing-key-mismatch",
            Self::CannotOpen => "cannot-open",
            Self::RetiredKey { .. } => "retired-key",
            Self::SealedInFuture { .. } => "sealed-in-future",
            Self::BadLabel { .. } => "bad-label",
            Self::InvalidRecord { .. } => "invalid-record",
            Self::LabelMismatch { .. } => "label-mismatch",
            Self::NotCanonical => "record-not-canonical",
            Self::Replayed { .. } => crate::audit::REPLAYED,
            Self::TooOld { .. } => "too-old",
            Self::Output { .. } => "output-not-written",
            Self::NotDelivered { .. } => "output-not-in-place",
            Self::Audit { .. } => "audit-failed",
        }
    }

    /// The reasons the audit log records: the code, and for an invalid
    /// record one `invalid-record at POINTER` per problem, or for a label
    /// mismatch the member that differs; never a value.
    pub(crate) fn audit_reasons(&self) -> Vec<String> {
        match self {
            Self::InvalidRecord { pointers, .. } if !pointers.is_empty() => {
                let mut reasons: Vec<String> = pointers
                    .iter()
                    .map(|p| format!("invalid-record at `{}`", schema_pointer(p)))
                    .collect();
                reasons.dedup();
                reasons
            }
            Self::LabelMismatch { field } => vec![format!("label-mismatch {field}")],
            other => vec![other.code().to_owned()],
        }
    }
}

/// The part of a JSON pointer that names only the record schema's own
/// members and array indices: a member name the schema does not define
/// (an unknown member, an extension's key) is chosen by whoever wrote the
/// record and may be content, so the pointer stops before it, with `/…`.
fn schema_pointer(pointer: &str) -> String {
    static KNOWN: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    let known = KNOWN.get_or_init(|| {
        fn collect(value: &serde_json::Value, out: &mut std::collections::HashSet<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                        out.extend(properties.keys().cloned());
                    }
                    map.values().for_each(|v| collect(v, out));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        let mut names = std::collections::HashSet::new();
        collect(&liaison_record::json_schema(), &mut names);
        names
    });
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let index =
            !token.is_empty() && token.len() <= 10 && token.bytes().all(|b| b.is_ascii_digit());
        if index || known.contains(token) {
            out.push('/');
            out.push_str(token);
        } else {
            out.push_str("/…");
            break;
        }
    }
    out
}

/// Why a parcel was refused. Every refusal is also recorded in the audit
/// log (one receipt entry), except a failure of the audit log itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The bytes are not a parcel.
    #[error("not a parcel: {problem}")]
    NotAParcel {
        /// What is wrong.
        problem: String,
    },
    /// The parcel is signed with a key that is not in the partner directory.
    #[error(
        "the parcel is signed with key id `{key_id}`, which no card in the partner directory holds; if the sender is a partner, add its current card"
    )]
    UnknownSender {
        /// The signing key id.
        key_id: String,
    },
    /// The sender's card is outside its validity window (an expired or not
    /// yet valid partner key).
    #[error(
        "the card of sender `{sender}` is not valid at {at} (valid from {not_before} to {not_after}); the partner must use its current key"
    )]
    SenderKeyNotValid {
        /// The sender.
        sender: String,
        /// The time of receipt.
        at: String,
        /// Start of the card's window.
        not_before: String,
        /// End of the card's window.
        not_after: String,
    },
    /// The parcel is not addressed to any of this agency's keys.
    #[error(
        "the parcel is not addressed to any key of `{agency}`; it was sealed for another agency or for a key this agency no longer holds"
    )]
    NotForUs {
        /// This agency.
        agency: AgencyId,
    },
    /// The parcel is signed with the sender's Ed25519 key alone, and the
    /// sender's card in the partner directory has an ML-DSA-65 key: its
    /// post-quantum signature was stripped (by someone who could then have
    /// forged the Ed25519 one), or it was sealed before the partner moved
    /// to post-quantum keys.
    #[error(
        "the parcel carries only an Ed25519 signature of `{sender}`, whose card in the partner directory has an ML-DSA-65 key: `{sender}` signs with both, so the post-quantum signature was stripped (a downgrade) or the parcel was sealed before the partner moved to post-quantum keys; ask the sender to share the record again"
    )]
    SignatureDowngrade {
        /// The sender.
        sender: String,
    },
    /// The parcel is signed with the sender's Ed25519 key and an ML-DSA-65
    /// key that is not the one on the sender's card in the partner
    /// directory (or the card has none).
    #[error(
        "the parcel is signed with the Ed25519 key of `{sender}` and the ML-DSA-65 key `{found}`, which is not on its card in the partner directory ({}); add the partner's current card",
        match expected { Some(id) => format!("whose ML-DSA-65 key is `{id}`"), None => "which has no ML-DSA-65 key".to_owned() }
    )]
    SigningKeyMismatch {
        /// The sender.
        sender: String,
        /// The key id of the ML-DSA-65 key that signed the parcel.
        found: String,
        /// The key id of the ML-DSA-65 key on the sender's card, if it has
        /// one.
        expected: Option<String>,
    },
    /// The parcel does not open: it was altered, or it was not sealed for
    /// this key. No detail is given on purpose.
    #[error("the parcel cannot be opened: authentication failed")]
    CannotOpen,
    /// The parcel was sealed to one of this agency's keys outside that key's
    /// validity window (a retired key).
    #[error(
        "the parcel was sealed at {sealed_at} to key `{key_id}`, which was not valid then; the sender must use this agency's current card"
    )]
    RetiredKey {
        /// The key id the parcel was sealed to.
        key_id: String,
        /// When the label says it was sealed.
        sealed_at: String,
    },
    /// The label says the parcel was sealed after the time of receipt.
    #[error(
        "the parcel says it was sealed at {sealed_at}, after the time of receipt {at}; check the clocks of both agencies"
    )]
    SealedInFuture {
        /// When the label says it was sealed.
        sealed_at: String,
        /// The time of receipt.
        at: String,
    },
    /// The label bound to the parcel is not a parcel label.
    #[error("the parcel's label is not a liaison parcel label: {problem}")]
    BadLabel {
        /// What is wrong.
        problem: String,
    },
    /// The record inside does not validate.
    #[error("the record inside the parcel is not valid: {}", problems.join("; "))]
    InvalidRecord {
        /// Every problem, with its JSON pointer.
        problems: Vec<String>,
        /// The JSON pointer of each problem (what the audit log records).
        pointers: Vec<String>,
    },
    /// The payload is the record the label names, but not written in the
    /// record's canonical form (`docs/record.md`), so its digest is not the
    /// record's digest.
    #[error(
        "the record inside the parcel is not written in the record's canonical form (RFC 8785 of the record as this library writes it: see docs/record.md, canonical form), so the digest the label and both audit logs name is not the record's digest; ask the sender to share the record again with a library that writes that form"
    )]
    NotCanonical,
    /// The label does not match the record inside: it was made for another
    /// record or another release.
    #[error(
        "the parcel's label does not match the record inside, its sender or this agency ({field} differs), so the parcel was put together from parts of others; ask the sender to share the record again"
    )]
    LabelMismatch {
        /// What differs.
        field: &'static str,
    },
    /// The parcel was accepted before.
    #[error(
        "parcel `{parcel}` of this sender was received before (a replay), so it is not accepted again; the audit log holds its accepted receipt"
    )]
    Replayed {
        /// The parcel id.
        parcel: Uuid,
    },
    /// The parcel was sealed longer ago than the replay window: its id may
    /// have been forgotten, so it is refused by its age.
    #[error(
        "the parcel was sealed at {sealed_at}, older than the replay window of {window} before the time of receipt {at}; ask the sender to share the record again"
    )]
    TooOld {
        /// When the label says it was sealed.
        sealed_at: String,
        /// The time of receipt.
        at: String,
        /// The replay window.
        window: String,
    },
    /// The record could not be written, so the receipt was not recorded and
    /// the parcel can be received again.
    #[error(
        "the record could not be written ({problem}), so the parcel was not accepted; fix the output and receive it again"
    )]
    Output {
        /// What went wrong.
        problem: String,
    },
    /// The receipt was recorded but the record could not be put in place.
    #[error("the parcel was accepted but the record could not be put in place: {problem}")]
    NotDelivered {
        /// What went wrong, and where the record was kept.
        problem: String,
    },
    /// The audit log could not record the receipt; the parcel is not accepted.
    #[error("the receipt could not be recorded, so the parcel is not accepted: {source}")]
    Audit {
        /// What went wrong.
        #[source]
        source: AuditError,
    },
}

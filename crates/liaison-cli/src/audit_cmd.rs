//! `liaison audit checkpoint|prove|consistency|check-proof|check-receipt|witness`:
//! the audit log as a transparency log (`docs/audit.md`).
//!
//! Exit codes: 0 success (a proof, receipt or checkpoint that holds), 1
//! refused (one that does not hold, a witness that refuses), 2 unusable
//! input.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use liaison::Card;
use liaison::audit::{
    AuditError, AuditLog, ConsistencyEvidence, EntryProof, EvidenceError, Note, WitnessFailure,
    WitnessStore,
};

use crate::output::{Failure, describe, read_input, write_output};

/// The transparency commands of `liaison audit`.
#[derive(Debug, Subcommand)]
pub(crate) enum TransparencyCommand {
    /// Print a checkpoint of the log (its size and Merkle root) signed with
    /// the agency's identity, as a C2SP signed note.
    Checkpoint {
        /// The agency's identity file: the checkpoint is signed with its
        /// Ed25519 key under its agency id.
        #[arg(long)]
        identity: PathBuf,
        /// The audit log: a JSON Lines file, or a `postgres://` URL.
        log: String,
    },
    /// Print an inclusion proof of one entry, as an entry proof file.
    Prove {
        /// The entry's sequence number (its `seq`, from 1).
        #[arg(long)]
        entry: u64,
        /// The tree size to prove against (default: the whole log).
        #[arg(long)]
        size: Option<u64>,
        /// Add a checkpoint of that size signed with this identity, so
        /// that the proof can be checked with the agency's card alone.
        #[arg(long)]
        identity: Option<PathBuf>,
        /// The audit log: a JSON Lines file, or a `postgres://` URL.
        log: String,
    },
    /// Print a consistency proof between two tree sizes, as a consistency
    /// proof file.
    Consistency {
        /// The older size (at least 1).
        #[arg(long)]
        from: u64,
        /// The newer size (at most the log's).
        #[arg(long)]
        to: u64,
        /// Add a checkpoint of the newer size signed with this identity.
        #[arg(long)]
        identity: Option<PathBuf>,
        /// The audit log: a JSON Lines file, or a `postgres://` URL.
        log: String,
    },
    /// Check an entry proof or a consistency proof file against the log's
    /// card (valid now, or at `--at`): exit 0 when it holds, 1 when it does
    /// not, 2 when the input is not a proof file or is unusable.
    CheckProof {
        /// The card of the agency whose log it is.
        #[arg(long)]
        card: PathBuf,
        /// For a consistency proof: the checkpoint of the older size you
        /// hold (never one that came with the proof), or a receipt you hold
        /// from the log's agency, whose checkpoint is taken.
        #[arg(long)]
        since: Option<PathBuf>,
        /// The time (RFC 3339) at which the card must be valid (default:
        /// now); give the time the proof was received to check it later.
        #[arg(long)]
        at: Option<String>,
        /// The proof file (`-` for standard input).
        proof: PathBuf,
    },
    /// Check a receipt against the receiver's card: exit 0 when it holds
    /// (and print what it says), 1 when it does not, 2 when the input is
    /// not a receipt file or is unusable.
    CheckReceipt {
        /// The card of the receiving agency.
        #[arg(long)]
        card: PathBuf,
        /// The parcel the receipt must be for, with `--from` (without it,
        /// any receipt of the card's agency holds: a sender should always
        /// give both).
        #[arg(long, requires = "from")]
        parcel: Option<uuid::Uuid>,
        /// The agency that sent the parcel, with `--parcel`: a parcel id is
        /// its sender's choice, and names a parcel only with its sender.
        #[arg(long, requires = "parcel")]
        from: Option<liaison::AgencyId>,
        /// The receipt file (`-` for standard input).
        receipt: PathBuf,
    },
    /// Cosign another agency's checkpoint when it is consistent with the
    /// last one cosigned (refuse, exit 1, when not); print the cosigned
    /// checkpoint.
    Witness {
        /// This witness's identity file.
        #[arg(long)]
        identity: PathBuf,
        /// The card of the agency whose log it is.
        #[arg(long)]
        card: PathBuf,
        /// The folder where the last cosigned size and root of each log are
        /// kept.
        #[arg(long)]
        state: PathBuf,
        /// A consistency proof file from the last cosigned size to the
        /// checkpoint's (needed once the log has grown).
        #[arg(long)]
        proof: Option<PathBuf>,
        /// The signed checkpoint (`-` for standard input).
        checkpoint: PathBuf,
    },
}

/// Runs a transparency command.
pub(crate) fn run(command: TransparencyCommand) -> Result<(), Failure> {
    match command {
        TransparencyCommand::Checkpoint { identity, log } => {
            let identity = signing_identity(&identity)?;
            let note = open_log(&log)?
                .checkpoint(&identity)
                .map_err(|e| Failure::unusable(e.to_string()))?;
            write_output(None, note.to_text().as_bytes())
        }
        TransparencyCommand::Prove {
            entry,
            size,
            identity,
            log,
        } => {
            let identity = identity.as_deref().map(signing_identity).transpose()?;
            let proof = open_log(&log)?
                .prove_entry(entry, size, identity.as_ref())
                .map_err(|e| Failure::unusable(e.to_string()))?;
            write_output(None, proof.to_json().as_bytes())
        }
        TransparencyCommand::Consistency {
            from,
            to,
            identity,
            log,
        } => {
            let identity = identity.as_deref().map(signing_identity).transpose()?;
            let log = open_log(&log)?;
            let unusable = |e: liaison::audit::TransparencyError| Failure::unusable(e.to_string());
            let proof = log.prove_consistency(from, to).map_err(unusable)?;
            let checkpoint = identity
                .map(|id| log.checkpoint_at(to, &id))
                .transpose()
                .map_err(unusable)?;
            write_output(
                None,
                ConsistencyEvidence::new(proof, checkpoint)
                    .to_json()
                    .as_bytes(),
            )
        }
        TransparencyCommand::CheckProof {
            card,
            since,
            at,
            proof,
        } => {
            let card = load_card(&card)?;
            let at = match at {
                Some(t) => t.parse::<liaison::Timestamp>().map_err(|e| {
                    Failure::unusable(format!("--at `{t}` is not an RFC 3339 time: {e}"))
                })?,
                None => liaison::Timestamp::now(),
            };
            if !card.is_valid_at(at.to_offset_date_time()) {
                return Err(Failure::refused(format!(
                    "the card of `{}` is not valid at {at} (valid from {} to {}): check with the card that was valid when the proof was made, and give that time with --at",
                    card.agency_id(),
                    liaison::Timestamp::from_offset_date_time(card.not_before()),
                    liaison::Timestamp::from_offset_date_time(card.not_after()),
                )));
            }
            check_proof(&card, since.as_deref(), &proof)
        }
        TransparencyCommand::CheckReceipt {
            card,
            parcel,
            from,
            receipt,
        } => check_receipt(&load_card(&card)?, parcel.zip(from), &receipt),
        TransparencyCommand::Witness {
            identity,
            card,
            state,
            proof,
            checkpoint,
        } => {
            let identity = signing_identity(&identity)?;
            let card = load_card(&card)?;
            let proof = proof
                .as_deref()
                .map(|p| {
                    ConsistencyEvidence::from_json(&read_input(Some(p))?)
                        .map_err(|e| Failure::unusable(format!("{}: {e}", describe(Some(p)))))
                })
                .transpose()?;
            let bytes = read_input(Some(&checkpoint))?;
            let store = WitnessStore::open(&state).map_err(|e| Failure::unusable(e.to_string()))?;
            let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
            let first_use = store
                .state(card.agency_id())
                .map_err(|e| Failure::unusable(e.to_string()))?
                .is_none();
            let cosigned = store
                .cosign(
                    &identity,
                    &card,
                    &bytes,
                    proof.as_ref().map(|p| &p.proof),
                    now,
                )
                .map_err(|e| match e {
                    WitnessFailure::Refused(_) | WitnessFailure::Form(_) => {
                        Failure::refused(format!("{}: {e}", describe(Some(&checkpoint))))
                    }
                    other => Failure::unusable(other.to_string()),
                })?;
            if first_use {
                eprintln!(
                    "no checkpoint of `{}` was cosigned before in `{}`: this one is trusted on first use, without a consistency proof; tell whoever relies on the cosignature",
                    card.agency_id(),
                    state.display()
                );
            }
            write_output(None, cosigned.to_text().as_bytes())
        }
    }
}

fn check_proof(card: &Card, since: Option<&Path>, path: &Path) -> Result<(), Failure> {
    let bytes = read_input(Some(path))?;
    let shown = describe(Some(path));
    let kind = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
    let refused = |e: EvidenceError| match e {
        EvidenceError::Form { .. } => Failure::unusable(format!("{shown}: {e}")),
        other => Failure::refused(format!("{shown}: {other}")),
    };
    let line = match kind.as_deref() {
        Some("liaison-consistency-proof") => {
            let Some(since) = since else {
                return Err(Failure::unusable(
                    "a consistency proof is checked against a checkpoint you hold: give it with --since",
                ));
            };
            let held = held_checkpoint(card, since)?;
            let evidence = ConsistencyEvidence::from_json(&bytes).map_err(refused)?;
            let (old, new) = evidence.check(&held, card).map_err(refused)?;
            format!(
                "{shown}: consistent: the log of `{}` at size {} extends its size {}\n",
                new.origin, new.size, old.size
            )
        }
        _ => {
            let proof = EntryProof::from_json(&bytes).map_err(refused)?;
            let proven = liaison::audit::check_entry_proof(&proof, card).map_err(refused)?;
            format!(
                "{shown}: entry {} is in the log of `{}` of size {}\n",
                proven.entry.seq, proven.checkpoint.origin, proven.checkpoint.size
            )
        }
    };
    write_output(None, line.as_bytes())
}

/// The checkpoint held of the older size: a signed checkpoint, or a
/// receipt file (checked against `card` first), whose checkpoint is taken.
fn held_checkpoint(card: &Card, since: &Path) -> Result<Note, Failure> {
    use liaison::receipt::{Receipt, ReceiptError};
    let bytes = read_input(Some(since))?;
    let shown = describe(Some(since));
    let is_receipt = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .is_some_and(|t| t == "liaison-receipt");
    if !is_receipt {
        return Note::parse(&bytes).map_err(|e| Failure::unusable(format!("{shown}: {e}")));
    }
    let receipt =
        Receipt::from_json(&bytes).map_err(|e| Failure::unusable(format!("{shown}: {e}")))?;
    receipt.check(card, None).map_err(|e| match e {
        ReceiptError::Form(_) => Failure::unusable(format!("{shown}: {e}")),
        other => Failure::refused(format!("{shown}: {other}")),
    })?;
    Ok(receipt.checkpoint)
}

fn check_receipt(
    card: &Card,
    parcel: Option<(uuid::Uuid, liaison::AgencyId)>,
    path: &Path,
) -> Result<(), Failure> {
    use liaison::receipt::{Receipt, ReceiptError};
    let shown = describe(Some(path));
    let receipt = Receipt::from_json(&read_input(Some(path))?)
        .map_err(|e| Failure::unusable(format!("{shown}: {e}")))?;
    let checked = match &parcel {
        Some((id, from)) => receipt.check_parcel(card, from, *id),
        None => receipt.check(card, None),
    };
    let checked = checked.map_err(|e| match e {
        ReceiptError::Form(_) => Failure::unusable(format!("{shown}: {e}")),
        other => Failure::refused(format!("{shown}: {other}")),
    })?;
    let from = match &checked.text.from {
        Some(from) => format!(" from `{from}`"),
        None => String::new(),
    };
    let mut line = format!(
        "{shown}: parcel `{}`{from} {} by `{}` in entry {} of its log, under its checkpoint of size {}",
        checked.text.parcel,
        if checked.text.accepted {
            "accepted"
        } else {
            "refused"
        },
        checked.text.to,
        checked.entry.seq,
        checked.checkpoint.size,
    );
    if !checked.text.reasons.is_empty() {
        line.push_str(&format!(" (reasons: {})", checked.text.reasons.join(", ")));
    }
    line.push('\n');
    write_output(None, line.as_bytes())
}

fn load_identity(path: &Path) -> Result<liaison::Identity, Failure> {
    liaison::load_identity(path).map_err(|e| Failure::unusable(e.to_string()))
}

/// An identity to sign with: its card must be valid now.
fn signing_identity(path: &Path) -> Result<liaison::Identity, Failure> {
    let identity = load_identity(path)?;
    let card = identity.card();
    if !card.is_valid_at(time::OffsetDateTime::now_utc()) {
        return Err(Failure::unusable(format!(
            "the identity `{}` of `{}` is not valid now (its card is valid from {} to {}): sign with a current identity",
            path.display(),
            card.agency_id(),
            liaison::Timestamp::from_offset_date_time(card.not_before()),
            liaison::Timestamp::from_offset_date_time(card.not_after()),
        )));
    }
    Ok(identity)
}

fn load_card(path: &Path) -> Result<Card, Failure> {
    let bytes = read_input(Some(path))?;
    std::str::from_utf8(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|t| Card::from_json(t).map_err(|e| e.to_string()))
        .map_err(|e| Failure::unusable(format!("{}: {e}", describe(Some(path)))))
}

/// Opens an existing log to read it: a file is never written (a torn tail
/// is refused, not recovered), and one that does not exist is not created.
fn open_log(location: &str) -> Result<AuditLog, Failure> {
    let url = location.starts_with("postgres://") || location.starts_with("postgresql://");
    if !url && !Path::new(location).is_file() {
        return Err(Failure::unusable(format!(
            "`{location}` is not an audit log file; give the path of an existing log"
        )));
    }
    let opened = if url {
        AuditLog::open_location(location)
    } else {
        AuditLog::open_read_only(location)
    };
    opened.map_err(|e| match e {
        AuditError::Damaged { .. } => Failure::refused(e.to_string()),
        AuditError::Torn { line } => Failure::unusable(format!(
            "`{location}` ends with an incomplete line {line} (an interrupted append); this command only reads the log: run `liaison audit verify` to see it, or any writing command first, which moves the line to quarantine and records a recovery entry"
        )),
        other => Failure::unusable(other.to_string()),
    })
}

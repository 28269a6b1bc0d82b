//! `liaison share`, `liaison receive` and `liaison audit verify`: the
//! exchange between agencies, through the `liaison` facade.
//!
//! Unless `--audit` says otherwise, an agency's audit log is
//! `AGENCY.audit.jsonl` beside its identity file; `--audit` takes another
//! path or a `postgres://` URL. The log also keeps the ids of the parcels
//! the agency accepted, so a parcel is refused the second time, across
//! runs, processes and machines that share the log.
//!
//! Output files go through `liaison::files`: staged, then the audit entry,
//! then put in place. A run killed in between leaves a temporary file that
//! the next run for the same output finds: a received record whose receipt
//! was recorded is put in place once it is checked, a parcel whose release
//! was recorded is kept, anything else is removed.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use liaison::audit::{AuditError, AuditLog, AuditVerifyError, ChainHead, VerifyReport};
use liaison::{
    Agency, AgencyId, Directory, FileDelivery, Identity, Parcel, Purpose, ReceiveError, Received,
    Record, SetupError, ShareError, Timestamp,
};

use crate::output::{Failure, count, read_input, write_output};
use crate::request_args::RequestArgs;

/// The exchange commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ExchangeCommand {
    /// Share a record with a partner: decide under the agreements, release
    /// the redacted copy, seal it for the partner, log it; writes the parcel.
    Share(ShareArgs),
    /// Receive a parcel from a partner: verify, open, check, log; writes the
    /// record and its obligations as JSON.
    Receive(ReceiveArgs),
    /// Work with audit logs.
    Audit(AuditArgs),
}

/// `liaison share`.
#[derive(Debug, Args)]
pub(crate) struct ShareArgs {
    /// This agency's identity file (from `liaison keygen`); repeat to give
    /// older identities too (the newest valid one signs).
    #[arg(long = "identity", required = true)]
    identity: Vec<PathBuf>,
    /// The partner directory: a folder of partners' card files.
    #[arg(long)]
    directory: PathBuf,
    /// An agreement file or a folder of agreement files; may be repeated.
    #[arg(long = "agreements", required = true)]
    agreements: Vec<PathBuf>,
    /// The recipient agency, such as `DEU-BPOL`.
    #[arg(long)]
    to: AgencyId,
    /// The purpose, such as `border-control`.
    #[arg(long)]
    purpose: Purpose,
    /// The audit log: a JSON Lines file, or a `postgres://` URL; default
    /// `AGENCY.audit.jsonl` beside the identity.
    #[arg(long)]
    audit: Option<String>,
    /// The time of sharing (RFC 3339, UTC); now when absent.
    #[arg(long)]
    at: Option<Timestamp>,
    /// Write the parcel to this file instead of standard output; for a
    /// bundle, the folder to write `RECORD-ID.parcel` files into.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// For a bundle: also write a JSON report to this file, naming each
    /// record shared (with its parcel file), refused (with the reasons) or
    /// failed (with the error).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    #[command(flatten)]
    request: RequestArgs,
    /// The record (`-` for standard input), or a bundle: a JSON array of
    /// records, shared on every core, one parcel each (progress is shown on
    /// a terminal). A bundle is shared record by record: each released
    /// record's parcel is written even when others are refused; the last
    /// line on standard error counts each outcome, and the exit code is 1
    /// when any record was refused, 2 when any failed otherwise.
    record: PathBuf,
}

/// `liaison receive`.
#[derive(Debug, Args)]
pub(crate) struct ReceiveArgs {
    /// This agency's identity file; repeat to give older identities whose
    /// keys must still open parcels sealed to them.
    #[arg(long = "identity", required = true)]
    identity: Vec<PathBuf>,
    /// The partner directory: a folder of partners' card files.
    #[arg(long)]
    directory: PathBuf,
    /// The audit log, which also keeps the ids of accepted parcels: a JSON
    /// Lines file, or a `postgres://` URL; default `AGENCY.audit.jsonl`
    /// beside the identity.
    #[arg(long)]
    audit: Option<String>,
    /// The replay window in days, at most 3650: older parcels are refused.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    replay_window_days: u32,
    /// The time of receipt (RFC 3339, UTC); now when absent.
    #[arg(long)]
    at: Option<Timestamp>,
    /// Write the record and its obligations to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write the signed receipt (accepted or refused) to this file, to send
    /// back to the sender (`docs/audit.md`).
    #[arg(long)]
    receipt: Option<PathBuf>,
    /// The parcel (`-` for standard input).
    parcel: PathBuf,
}

/// `liaison audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify an audit log: exit 0 when intact, 1 naming the first bad entry.
    Verify {
        /// A trusted head recorded earlier, `SEQ:HASH`: the log must still
        /// hold that entry (this finds entries removed from the end).
        #[arg(long)]
        head: Option<String>,
        /// The audit log: a JSON Lines file, or a `postgres://` URL.
        log: String,
    },
    #[command(flatten)]
    Transparency(crate::audit_cmd::TransparencyCommand),
}

/// Runs an exchange command.
pub(crate) fn run(command: ExchangeCommand) -> Result<(), Failure> {
    match command {
        ExchangeCommand::Share(args) => share(args),
        ExchangeCommand::Receive(args) => receive(args),
        ExchangeCommand::Audit(AuditArgs {
            command: AuditCommand::Verify { head, log },
        }) => verify(&log, head.as_deref()),
        ExchangeCommand::Audit(AuditArgs {
            command: AuditCommand::Transparency(command),
        }) => crate::audit_cmd::run(command),
    }
}

fn share(args: ShareArgs) -> Result<(), Failure> {
    let bytes = read_input(Some(&args.record))?;
    let bundle = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[');
    let records = if bundle {
        liaison::record::records_from_json(&bytes)
    } else {
        Record::from_json(&bytes).map(|r| vec![r])
    }
    .map_err(|e| {
        Failure::Unusable(
            e.problems()
                .iter()
                .map(|p| {
                    format!(
                        "record {}: {p}",
                        crate::output::describe(Some(&args.record))
                    )
                })
                .collect(),
        )
    })?;
    if bundle && args.output.is_none() {
        return Err(Failure::unusable(
            "a bundle of records makes one parcel per record: give a folder for them with -o",
        ));
    }
    let agreements = liaison::load_agreements(&args.agreements).map_err(setup)?;
    let (builder, audit) = agency(&args.identity, &args.directory, args.audit.as_deref())?;
    let mut reads: Vec<&Path> = vec![args.record.as_path()];
    reads.extend(args.identity.iter().map(PathBuf::as_path));
    reads.extend(args.agreements.iter().map(PathBuf::as_path));
    reads.push(args.directory.as_path());
    match args.output.as_deref().filter(|p| *p != Path::new("-")) {
        Some(folder) if bundle => {
            for record in &records {
                check_output(
                    &folder.join(format!("{}.parcel", record.id)),
                    &audit,
                    &reads,
                )?;
            }
        }
        Some(path) => check_output(path, &audit, &reads)?,
        None => {}
    }
    // The report's file is staged before any record is shared, so that a
    // report that cannot be written stops the command before it starts.
    let report = match &args.report {
        Some(path) => {
            check_output(path, &audit, &reads)?;
            Some(
                liaison::files::StagedFile::create(path, false).map_err(|e| {
                    Failure::unusable(format!("cannot write `{}`: {e}", path.display()))
                })?,
            )
        }
        None => None,
    };
    let agency = builder.agreements(agreements).build().map_err(setup)?;
    let at = args.at.unwrap_or_else(Timestamp::now);
    if bundle {
        return share_bundle(&agency, &records, &args, at, report);
    }
    let record = records
        .first()
        .ok_or_else(|| Failure::unusable("no record to share"))?;
    let result = match args.output.as_deref().filter(|p| *p != Path::new("-")) {
        Some(path) => {
            remove_share_leftovers(&agency, path, &mut None)?;
            let mut delivery = FileDelivery::new(path, true, parcel_bytes);
            agency.share_in_context_into_at(
                record,
                &args.to,
                &args.purpose,
                at,
                &args.request.context(),
                &mut delivery,
            )
        }
        None => agency.share_in_context_into_at(
            record,
            &args.to,
            &args.purpose,
            at,
            &args.request.context(),
            &mut liaison::delivery::NoDelivery,
        ),
    };
    match result {
        Ok(parcel) if args.output.as_deref().is_none_or(|p| p == Path::new("-")) => {
            write_recorded_output(
                parcel.as_bytes(),
                &format!("the release of parcel `{}`", parcel.id()),
                &format!("liaison-unwritten-{}.parcel", parcel.id()),
                &audit,
                &reads,
            )
        }
        Ok(_) => Ok(()),
        Err(ShareError::Refused { refusal }) => {
            let mut lines = vec![format!(
                "the release of record `{}` to `{}` for `{}` is refused (decision `{}`); the reasons:",
                refusal.decision.record_id,
                refusal.decision.to,
                refusal.decision.purpose,
                refusal.decision.id
            )];
            lines.extend(refusal.reasons());
            Err(Failure::Refused(lines))
        }
        Err(e @ ShareError::NotHolder { .. }) => Err(Failure::refused(e.to_string())),
        Err(other) => Err(Failure::unusable(other.to_string())),
    }
}

fn parcel_bytes(parcel: &Parcel) -> io::Result<Vec<u8>> {
    Ok(parcel.as_bytes().to_vec())
}

fn received_json(received: &Received) -> io::Result<Vec<u8>> {
    let mut json = serde_json::to_vec_pretty(received).map_err(io::Error::other)?;
    json.push(b'\n');
    Ok(json)
}

/// Removes the temporary files a killed or failed `share -o path` left,
/// except a staged parcel whose release the audit log records: that parcel
/// exists for the log, so it is kept and named on standard error. The ids
/// of recorded releases are read once into `released`.
fn remove_share_leftovers(
    agency: &Agency,
    path: &Path,
    released: &mut Option<HashSet<uuid::Uuid>>,
) -> Result<(), Failure> {
    let fail = |e: io::Error| {
        Failure::unusable(format!("cannot clean up beside `{}`: {e}", path.display()))
    };
    let found = liaison::files::leftovers(path).map_err(fail)?;
    if found.is_empty() {
        return Ok(());
    }
    if released.is_none() {
        *released = Some(
            agency
                .audit()
                .entries()
                .map_err(|e| Failure::unusable(e.to_string()))?
                .into_iter()
                .filter(|e| {
                    e.kind == liaison::audit::EntryKind::Release
                        && e.outcome == liaison::audit::AuditOutcome::Released
                })
                .filter_map(|e| e.parcel)
                .collect(),
        );
    }
    let none = HashSet::new();
    let released = released.as_ref().unwrap_or(&none);
    for leftover in found {
        // A file that cannot be read is kept: it may be a recorded parcel.
        let recorded = match std::fs::read(&leftover) {
            Ok(bytes) => parcel_ids_in(&bytes).find(|id| released.contains(id)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                eprintln!(
                    "warning: `{}` is kept: it cannot be read ({e}), so whether its release is recorded is unknown",
                    leftover.display()
                );
                continue;
            }
        };
        if let Some(id) = recorded {
            eprintln!(
                "warning: `{}` holds parcel `{id}`, whose release the audit log records; it is kept: move it to `{}` to deliver it",
                leftover.display(),
                path.display()
            );
            continue;
        }
        match std::fs::remove_file(&leftover) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail(e)),
        }
    }
    liaison::files::sync_folder_of(path).map_err(fail)
}

/// The parcel ids that the bytes of a parcel name in its label (which the
/// envelope carries in the clear): every `"parcel":"UUID"` in them. A file
/// that names an id it does not carry is only kept, never delivered.
fn parcel_ids_in(bytes: &[u8]) -> impl Iterator<Item = uuid::Uuid> + '_ {
    const KEY: &[u8] = b"\"parcel\":\"";
    bytes
        .windows(KEY.len())
        .enumerate()
        .filter(|(_, w)| *w == KEY)
        .filter_map(|(i, _)| {
            let start = i.checked_add(KEY.len())?;
            let text = bytes.get(start..start.checked_add(36)?)?;
            uuid::Uuid::try_parse_ascii(text).ok()
        })
}

/// Shares a bundle in batches on every core, writing `DIR/RECORD-ID.parcel`
/// for each released record; the refused ones are listed on standard error
/// (exit 1). Released parcels are written even when others are refused:
/// their releases are in the audit log.
fn share_bundle(
    agency: &Agency,
    records: &[Record],
    args: &ShareArgs,
    at: Timestamp,
    report_file: Option<liaison::files::StagedFile>,
) -> Result<(), Failure> {
    const BATCH: usize = 1_000;
    let folder = args.output.as_deref().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| {
        Failure::unusable(format!(
            "cannot create the folder `{}`: {e}",
            folder.display()
        ))
    })?;
    let progress = if crate::output::stderr_is_terminal() {
        let bar = indicatif::ProgressBar::new(records.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("sharing {bar:40} {pos}/{len} ({eta} left)")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut refused = Vec::new();
    let mut unusable = Vec::new();
    let mut report = BundleReport::default();
    let target = |record: &Record| folder.join(format!("{}.parcel", record.id));
    let mut released = None;
    for record in records {
        liaison::files::check_destination(target(record))
            .map_err(|e| Failure::unusable(e.to_string()))?;
        remove_share_leftovers(agency, &target(record), &mut released)?;
    }
    for chunk in records.chunks(BATCH) {
        let context = args.request.context();
        let results = agency.share_batch_in_context_into_at(
            chunk,
            &args.to,
            &args.purpose,
            at,
            &context,
            |r| FileDelivery::new(target(r), true, parcel_bytes),
        );
        for (record, result) in chunk.iter().zip(results) {
            match result {
                Ok(_) => report.shared.push(SharedEntry {
                    record: record.id,
                    parcel: target(record).display().to_string(),
                }),
                Err(ShareError::Refused { refusal }) => {
                    let reasons = refusal.reasons();
                    refused.push(format!(
                        "record `{}` is refused: {}",
                        record.id,
                        reasons.join("; ")
                    ));
                    report.refused.push(RefusedEntry {
                        record: record.id,
                        reasons,
                    });
                }
                Err(e @ ShareError::NotHolder { .. }) => {
                    refused.push(format!("record `{}` is refused: {e}", record.id));
                    report.refused.push(RefusedEntry {
                        record: record.id,
                        reasons: vec![e.to_string()],
                    });
                }
                Err(other) => {
                    unusable.push(format!("record `{}`: {other}", record.id));
                    report.failed.push(FailedEntry {
                        record: record.id,
                        error: other.to_string(),
                    });
                }
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    if let Some(mut file) = report_file {
        let path = file.destination().to_path_buf();
        let mut json = serde_json::to_vec_pretty(&report)
            .map_err(|e| Failure::unusable(format!("cannot write the report: {e}")))?;
        json.push(b'\n');
        io::Write::write_all(&mut file, &json)
            .and_then(|()| file.commit())
            .map_err(|e| Failure::unusable(format!("cannot write `{}`: {e}", path.display())))?;
    }
    let summary = format!(
        "{} of {}: {} shared, {} refused, {} failed",
        count(records.len(), "record", "records"),
        args.record.display(),
        report.shared.len(),
        report.refused.len(),
        report.failed.len()
    );
    if !unusable.is_empty() {
        unusable.extend(refused);
        unusable.push(summary);
        return Err(Failure::Unusable(unusable));
    }
    if !refused.is_empty() {
        refused.push(summary);
        return Err(Failure::Refused(refused));
    }
    eprintln!("{summary}");
    Ok(())
}

/// What `share --report` writes for a bundle: every record, by outcome.
#[derive(Debug, Default, serde::Serialize)]
struct BundleReport {
    shared: Vec<SharedEntry>,
    refused: Vec<RefusedEntry>,
    failed: Vec<FailedEntry>,
}

/// A record whose parcel was written.
#[derive(Debug, serde::Serialize)]
struct SharedEntry {
    record: uuid::Uuid,
    parcel: String,
}

/// A record the agreements refused, with the reasons.
#[derive(Debug, serde::Serialize)]
struct RefusedEntry {
    record: uuid::Uuid,
    reasons: Vec<String>,
}

/// A record that could not be shared for another reason.
#[derive(Debug, serde::Serialize)]
struct FailedEntry {
    record: uuid::Uuid,
    error: String,
}

fn receive(args: ReceiveArgs) -> Result<(), Failure> {
    let bytes = read_input(Some(&args.parcel))?;
    let (builder, audit) = agency(&args.identity, &args.directory, args.audit.as_deref())?;
    let output = args.output.as_deref().filter(|p| *p != Path::new("-"));
    let mut reads: Vec<&Path> = vec![args.parcel.as_path(), args.directory.as_path()];
    reads.extend(args.identity.iter().map(PathBuf::as_path));
    if let Some(path) = output {
        check_output(path, &audit, &reads)?;
    }
    if let Some(path) = args.receipt.as_deref() {
        check_output(path, &audit, &reads)?;
        if output.is_some_and(|o| same_file(o, path)) {
            return Err(Failure::unusable(
                "the receipt and the record cannot be written to the same file",
            ));
        }
    }
    let agency = builder
        .replay_window(time::Duration::days(i64::from(args.replay_window_days)))
        .build()
        .map_err(setup)?;
    let at = args.at.unwrap_or_else(Timestamp::now);
    let result = match output {
        Some(path) => {
            if let Some((from, finished)) = finish_interrupted_receipts(&agency, path)? {
                // A parcel is its sender's and its id together: the same id
                // from another partner is another parcel.
                let claimed = liaison_envelope::inspect(&bytes).ok().and_then(|i| {
                    agency
                        .directory()
                        .partner_with_signing_key(&i.sender_key_id)
                });
                if claimed == Some(&from) && parcel_ids_in(&bytes).any(|id| id == finished) {
                    // The operator's retry of that very parcel: done.
                    return Ok(());
                }
                return Err(Failure::unusable(format!(
                    "`{}` now holds the record of the interrupted receipt of parcel `{finished}` from `{from}`, so this parcel was not received (nothing is recorded for it): give another -o path",
                    path.display()
                )));
            }
            let mut delivery = FileDelivery::new(path, true, received_json);
            agency.receive_receipted_into_at(&bytes, at, &mut delivery)
        }
        None => agency.receive_receipted_at(&bytes, at),
    };
    if let Some(path) = args.receipt.as_deref() {
        write_receipt(path, &result.receipt);
    }
    match result.result {
        Ok(received) if output.is_none() => {
            let json = received_json(&received)
                .map_err(|e| Failure::unusable(format!("cannot write the record: {e}")))?;
            write_recorded_output(
                &json,
                &format!("the receipt of parcel `{}`", received.parcel),
                &format!("liaison-unwritten-{}.json", received.parcel),
                &audit,
                &reads,
            )
        }
        Ok(_) => Ok(()),
        Err(
            e @ (ReceiveError::NotAParcel { .. }
            | ReceiveError::Audit { .. }
            | ReceiveError::Output { .. }
            | ReceiveError::NotDelivered { .. }),
        ) => Err(Failure::unusable(e.to_string())),
        Err(e) => Err(Failure::refused(e.to_string())),
    }
}

/// Writes the receipt to `path`, or says on standard error why there is
/// none: the outcome of the receipt itself is already decided and
/// recorded, so this does not change the exit code.
fn write_receipt(
    path: &Path,
    receipt: &Result<liaison::receipt::Receipt, liaison::receipt::ReceiptError>,
) {
    let problem = match receipt {
        Ok(r) => liaison::files::write_file(path, r.to_json().as_bytes(), false)
            .err()
            .map(|e| format!("cannot write `{}`: {e}", path.display())),
        Err(e) => Some(e.to_string()),
    };
    if let Some(problem) = problem {
        eprintln!("warning: no receipt: {problem}");
    }
}

/// Finishes what a killed `receive -o path` left: a staged record whose
/// parcel the audit log accepted is put in place (when nothing is there
/// yet) once it is checked (see [`unusable_staged_record`]); one that fails
/// a check is left where it is and named on standard error; any other
/// temporary file of `path` is removed.
///
/// Returns the parcel (its sender and id) whose record was put in place, if one was: the
/// destination then holds it, and the caller must not write over it.
fn finish_interrupted_receipts(
    agency: &Agency,
    path: &Path,
) -> Result<Option<(liaison::AgencyId, uuid::Uuid)>, Failure> {
    let fail = |e: io::Error| {
        Failure::unusable(format!(
            "cannot finish an interrupted receipt beside `{}`: {e}",
            path.display()
        ))
    };
    let mut finished = None;
    for leftover in liaison::files::leftovers(path).map_err(fail)? {
        // A parcel is named by its sender and its id.
        let staged = std::fs::read(&leftover)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        let field = |name: &str| {
            staged
                .as_ref()
                .and_then(|v| Some(v.get(name)?.as_str()?.to_owned()))
        };
        let from = field("from").and_then(|f| f.parse::<liaison::AgencyId>().ok());
        let parcel = field("parcel").and_then(|p| p.parse::<uuid::Uuid>().ok());
        let accepted = match (&from, parcel) {
            (Some(from), Some(id)) => agency
                .audit()
                .is_accepted(from, &id)
                .map_err(|e| Failure::unusable(e.to_string()))?,
            _ => false,
        };
        let problem = match (&from, parcel) {
            (Some(_), Some(_)) if accepted && path.exists() => Some(format!(
                "`{}` exists, so it was not replaced; move this file elsewhere by hand",
                path.display()
            )),
            (Some(from), Some(id)) if accepted => {
                unusable_staged_record(agency, &leftover, from, id)?
            }
            _ => None,
        };
        if let Some(problem) = problem {
            eprintln!(
                "warning: `{}` looks like an interrupted receipt of parcel `{}` but is not put in place: {problem}; it is left for investigation",
                leftover.display(),
                parcel.map(|p| p.to_string()).unwrap_or_default(),
            );
        } else if accepted && !path.exists() {
            match std::fs::rename(&leftover, path) {
                Ok(()) => liaison::files::sync_folder_of(path).map_err(fail)?,
                // Another run finished it first.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(fail(e)),
            }
            eprintln!(
                "note: an interrupted receipt of parcel `{}` from `{}` was finished: its record is now in `{}`",
                parcel.map(|p| p.to_string()).unwrap_or_default(),
                from.as_ref().map(|f| f.to_string()).unwrap_or_default(),
                path.display()
            );
            finished = finished.or(from.zip(parcel));
        } else {
            match std::fs::remove_file(&leftover) {
                Ok(()) => {}
                // Another run removed it first.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(fail(e)),
            }
        }
    }
    Ok(finished)
}

/// Why the staged record `staged` cannot be put in place as the receipt of
/// `parcel` of `from`, or `None` when it can: it must be a regular file (not a link),
/// owned by this process's user, mode 0600 (as this command stages it), and
/// hold a received record whose record is valid and whose digest is the one
/// of the accepted receipt of that parcel in the audit log.
fn unusable_staged_record(
    agency: &Agency,
    staged: &Path,
    from: &liaison::AgencyId,
    parcel: uuid::Uuid,
) -> Result<Option<String>, Failure> {
    let mut file = match liaison::files::open_own_regular_file(staged) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(Some(e.to_string())),
        Err(e) => return Ok(Some(format!("cannot open it: {e}"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;

        let mode = match file.metadata() {
            Ok(meta) => meta.mode() & 0o7777,
            Err(e) => return Ok(Some(format!("cannot inspect it: {e}"))),
        };
        if mode != 0o600 {
            return Ok(Some(format!("its mode is {mode:o}, not 600")));
        }
    }
    let mut bytes = Vec::new();
    if let Err(e) = io::Read::read_to_end(&mut file, &mut bytes) {
        return Ok(Some(format!("cannot read it: {e}")));
    }
    let Some(record) = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("record").cloned())
        .and_then(|r| serde_json::to_vec(&r).ok())
        .and_then(|r| Record::from_json(&r).ok())
    else {
        return Ok(Some("it does not hold a valid received record".to_owned()));
    };
    let digest = record.digest().to_string();
    let entries = agency
        .audit()
        .entries()
        .map_err(|e| Failure::unusable(e.to_string()))?;
    let receipt = entries.iter().find(|e| {
        e.kind == liaison::audit::EntryKind::Receipt
            && e.outcome == liaison::audit::AuditOutcome::Accepted
            && e.parcel == Some(parcel)
            && e.counterparty.as_ref() == Some(from)
    });
    match receipt {
        Some(entry) if entry.record_digest.as_deref() == Some(digest.as_str()) => Ok(None),
        Some(_) => Ok(Some(
            "its record is not the one the audit log's accepted receipt of this parcel names (the digests differ)".to_owned(),
        )),
        None => Ok(Some("the audit log holds no accepted receipt of this parcel".to_owned())),
    }
}

fn verify(log: &str, head: Option<&str>) -> Result<(), Failure> {
    let trusted = head.map(parse_head).transpose()?;
    let result = if log.starts_with("postgres://") || log.starts_with("postgresql://") {
        // Opening verifies what the database holds: damage found then is
        // a broken log (exit 1), as for a file.
        match AuditLog::open_location(log) {
            Ok(opened) => match &trusted {
                None => opened.verify(),
                Some(t) => opened.verify_against(t),
            },
            Err(AuditError::Damaged { source }) => Err(source),
            Err(e) => return Err(Failure::unusable(e.to_string())),
        }
    } else {
        // A pipe would wait for a writer, and a device reads as an empty
        // log: neither is an audit log.
        match std::fs::metadata(log) {
            Ok(meta) if !meta.is_file() => {
                return Err(Failure::unusable(format!(
                    "`{log}` is not a regular file, so it is not an audit log"
                )));
            }
            _ => {}
        }
        match &trusted {
            None => liaison::audit::verify_file(log),
            Some(t) => liaison::audit::verify_file_against(log, t),
        }
    };
    match result {
        Ok(VerifyReport {
            torn_tail: Some(torn),
            ..
        }) => Err(Failure::refused(format!(
            "`{log}`: line {} is unterminated ({} bytes): an append was interrupted, or the log was cut; the next writer moves it to the quarantine file and records a recovery entry, so compare with a trusted copy before trusting the log",
            torn.line, torn.bytes
        ))),
        Ok(report) => {
            let head = report
                .head
                .as_ref()
                .map(|h| format!("{}:{}", h.seq, h.hash))
                .unwrap_or_else(|| "none (empty log)".to_owned());
            let text = format!(
                "intact: {}; head {head}\n",
                count(
                    usize::try_from(report.entries).unwrap_or(usize::MAX),
                    "entry",
                    "entries"
                )
            );
            write_output(None, text.as_bytes())
        }
        Err(e @ AuditVerifyError::Broken { .. }) => Err(Failure::refused(format!("`{log}`: {e}"))),
        Err(e) => Err(Failure::unusable(format!("`{log}`: {e}"))),
    }
}

fn parse_head(text: &str) -> Result<ChainHead, Failure> {
    let bad = || {
        Failure::unusable(format!(
            "--head `{text}` is not `SEQ:HASH`; copy it from the `head` that `liaison audit verify` printed"
        ))
    };
    let (seq, hash) = text.split_once(':').ok_or_else(bad)?;
    let seq: u64 = seq.parse().map_err(|_| bad())?;
    // Entries are numbered from 1: no log has a head 0.
    if seq == 0 || hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad());
    }
    Ok(ChainHead {
        seq,
        hash: hash.to_owned(),
    })
}

/// The agency's builder: identities, directory and audit log.
pub(crate) fn agency(
    identities: &[PathBuf],
    directory: &Path,
    audit: Option<&str>,
) -> Result<(liaison::AgencyBuilder, String), Failure> {
    let mut loaded: Vec<Identity> = identities
        .iter()
        .map(liaison::load_identity)
        .collect::<Result<_, _>>()
        .map_err(setup)?;
    let first_path = identities.first().cloned().unwrap_or_default();
    if loaded.is_empty() {
        return Err(Failure::unusable(
            "give this agency's identity with --identity",
        ));
    }
    let first = loaded.remove(0);
    let location = match audit {
        Some(location) => location.to_owned(),
        None => {
            let folder = first_path.parent().unwrap_or_else(|| Path::new("."));
            folder
                .join(format!("{}.audit.jsonl", first.agency_id()))
                .to_string_lossy()
                .into_owned()
        }
    };
    let directory = Directory::load(directory).map_err(setup)?;
    let mut builder = Agency::builder(first)
        .directory(directory)
        .audit_location(location.clone());
    for older in loaded {
        builder = builder.identity(older);
    }
    Ok((builder, location))
}

/// Refuses an output path before anything is done or recorded: it must be
/// a regular file or not exist (see [`liaison::files::check_destination`]),
/// must not be one of the files the command reads or keeps (the audit log
/// and its quarantine file, an identity, an input, an agreement), which
/// writing would destroy, and must not lie inside a folder the command
/// reads (the partner directory, a folder of agreements).
pub(crate) fn check_output(output: &Path, audit: &str, reads: &[&Path]) -> Result<(), Failure> {
    liaison::files::check_destination(output).map_err(|e| Failure::unusable(e.to_string()))?;
    let mut kept: Vec<(PathBuf, &str)> = Vec::new();
    if !(audit.starts_with("postgres://") || audit.starts_with("postgresql://")) {
        kept.push((PathBuf::from(audit), "the audit log"));
        kept.push((
            liaison::audit::quarantine_path(audit),
            "the audit log's quarantine file",
        ));
    }
    kept.extend(
        reads
            .iter()
            .map(|p| (p.to_path_buf(), "a file or folder this command reads")),
    );
    let resolved_output = resolved(output);
    for (path, what) in kept {
        let inside = path.is_dir()
            && resolved_output
                .as_deref()
                .zip(resolved(&path))
                .is_some_and(|(o, folder)| o.starts_with(folder));
        if inside || same_file(output, &path) {
            return Err(Failure::unusable(format!(
                "`{}` is {what} (`{}`){}: writing the output there would destroy it; give another output path",
                output.display(),
                path.display(),
                if inside { ", or lies inside it" } else { "" },
            )));
        }
    }
    Ok(())
}

/// The path with every link and `..` resolved: the path itself when it
/// exists, otherwise its folder's resolved path and its file name.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::canonicalize(folder).ok().map(|f| f.join(name))
}

/// Whether `a` and `b` name one file: the same device and inode when both
/// exist, the same resolved path otherwise (links and `..` followed in
/// the folders that exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt as _;
            (x.dev(), x.ino()) == (y.dev(), y.ino())
        }
        _ => match (resolved(a), resolved(b)) {
            (Some(x), Some(y)) => x == y,
            _ => match (std::path::absolute(a), std::path::absolute(b)) {
                (Ok(x), Ok(y)) => x == y,
                _ => false,
            },
        },
    }
}

/// Writes `bytes` to standard output after their release or receipt was
/// recorded. If that fails, they are not lost: they are kept in `kept`
/// (mode 0600) in the current folder, and the error says so.
pub(crate) fn write_recorded_output(
    bytes: &[u8],
    what: &str,
    kept: &str,
    audit: &str,
    reads: &[&Path],
) -> Result<(), Failure> {
    let Err(Failure::Unusable(mut lines)) = write_output(None, bytes) else {
        return Ok(());
    };
    let kept = Path::new(kept);
    let written = match check_output(kept, audit, reads) {
        Ok(()) => liaison::files::write_file(kept, bytes, true),
        Err(_) => Err(io::Error::other(
            "it names a file this command reads or keeps",
        )),
    };
    match written {
        Ok(()) => lines.push(format!(
            "{what} is recorded; the output is kept in `{}` instead",
            kept.display()
        )),
        Err(e) => lines.push(format!(
            "{what} is recorded, and the output could not be kept in `{}` either ({e}): it is lost",
            kept.display()
        )),
    }
    Err(Failure::Unusable(lines))
}

pub(crate) fn setup(e: SetupError) -> Failure {
    Failure::Unusable(e.to_string().lines().map(str::to_owned).collect())
}

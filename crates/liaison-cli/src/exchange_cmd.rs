//! `liaison share`, `liaison receive` and `liaison audit verify`: the
//! exchange between agencies, through the `liaison` facade.
//!
//! Unless `--audit` says otherwise, an agency's audit log is
//! `AGENCY.audit.jsonl` beside its identity file, and the ids of the
//! parcels it accepted are kept in `AGENCY.seen` beside it (so a parcel is
//! refused the second time, across runs).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use liaison::audit::{AuditVerifyError, ChainHead};
use liaison::{
    Agency, AgencyId, Directory, Identity, Purpose, ReceiveError, Record, SetupError, ShareError,
    Timestamp,
};

use crate::output::{Failure, read_input, write_output};

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
    /// The audit log (JSON Lines); default `AGENCY.audit.jsonl` beside the identity.
    #[arg(long)]
    audit: Option<PathBuf>,
    /// The time of sharing (RFC 3339, UTC); now when absent.
    #[arg(long)]
    at: Option<Timestamp>,
    /// Write the parcel to this file instead of standard output; for a
    /// bundle, the folder to write `RECORD-ID.parcel` files into.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The record (`-` for standard input), or a bundle: a JSON array of
    /// records, shared on every core, one parcel each (progress is shown on
    /// a terminal).
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
    /// The audit log (JSON Lines); default `AGENCY.audit.jsonl` beside the identity.
    #[arg(long)]
    audit: Option<PathBuf>,
    /// The ids of accepted parcels; default `AGENCY.seen` beside the identity.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// The time of receipt (RFC 3339, UTC); now when absent.
    #[arg(long)]
    at: Option<Timestamp>,
    /// Write the record and its obligations to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
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
        /// The audit log.
        log: PathBuf,
    },
}

/// Runs an exchange command.
pub(crate) fn run(command: ExchangeCommand) -> Result<(), Failure> {
    match command {
        ExchangeCommand::Share(args) => share(args),
        ExchangeCommand::Receive(args) => receive(args),
        ExchangeCommand::Audit(AuditArgs {
            command: AuditCommand::Verify { head, log },
        }) => verify(&log, head.as_deref()),
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
    let agency = agency(&args.identity, &args.directory, args.audit.as_deref(), None)?
        .agreements(agreements)
        .build()
        .map_err(setup)?;
    let at = args.at.unwrap_or_else(Timestamp::now);
    if bundle {
        return share_bundle(&agency, &records, &args, at);
    }
    let record = records
        .first()
        .ok_or_else(|| Failure::unusable("no record to share"))?;
    match agency.share_at(record, &args.to, &args.purpose, at) {
        Ok(parcel) => write_output(args.output.as_deref(), parcel.as_bytes()),
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
        Err(other) => Err(Failure::unusable(other.to_string())),
    }
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
    for chunk in records.chunks(BATCH) {
        for (record, result) in
            chunk
                .iter()
                .zip(agency.share_batch_at(chunk, &args.to, &args.purpose, at))
        {
            match result {
                Ok(parcel) => {
                    let path = folder.join(format!("{}.parcel", record.id));
                    crate::output::write_file_atomically(&path, parcel.as_bytes()).map_err(
                        |e| Failure::unusable(format!("cannot write `{}`: {e}", path.display())),
                    )?;
                }
                Err(ShareError::Refused { refusal }) => refused.push(format!(
                    "record `{}` is refused: {}",
                    record.id,
                    refusal.reasons().join("; ")
                )),
                Err(other) => unusable.push(format!("record `{}`: {other}", record.id)),
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    if !unusable.is_empty() {
        unusable.extend(refused);
        return Err(Failure::Unusable(unusable));
    }
    if !refused.is_empty() {
        return Err(Failure::Refused(refused));
    }
    Ok(())
}

fn receive(args: ReceiveArgs) -> Result<(), Failure> {
    let bytes = read_input(Some(&args.parcel))?;
    let agency = agency(
        &args.identity,
        &args.directory,
        args.audit.as_deref(),
        Some(args.replay.as_deref()),
    )?
    .build()
    .map_err(setup)?;
    let at = args.at.unwrap_or_else(Timestamp::now);
    match agency.receive_at(&bytes, at) {
        Ok(received) => {
            let mut json = serde_json::to_vec_pretty(&received)
                .map_err(|e| Failure::unusable(format!("cannot write the record: {e}")))?;
            json.push(b'\n');
            write_output(args.output.as_deref(), &json)
        }
        Err(
            e @ (ReceiveError::NotAParcel { .. }
            | ReceiveError::Audit { .. }
            | ReceiveError::Replay { .. }),
        ) => Err(Failure::unusable(e.to_string())),
        Err(e) => Err(Failure::refused(e.to_string())),
    }
}

fn verify(log: &Path, head: Option<&str>) -> Result<(), Failure> {
    let result = match head {
        None => liaison::audit::verify_file(log),
        Some(text) => liaison::audit::verify_file_against(log, &parse_head(text)?),
    };
    match result {
        Ok(report) => {
            let head = report
                .head
                .as_ref()
                .map(|h| format!("{}:{}", h.seq, h.hash))
                .unwrap_or_else(|| "none (empty log)".to_owned());
            let mut text = format!("intact: {} entries; head {head}\n", report.entries);
            if let Some(torn) = report.torn_tail {
                text.push_str(&format!(
                    "note: line {} is an incomplete write ({} bytes) left by an interrupted append; it was never acknowledged, and the writer removes it when it next opens the log\n",
                    torn.line, torn.bytes
                ));
            }
            write_output(None, text.as_bytes())
        }
        Err(e @ AuditVerifyError::Broken { .. }) => {
            Err(Failure::refused(format!("`{}`: {e}", log.display())))
        }
        Err(e) => Err(Failure::unusable(format!("`{}`: {e}", log.display()))),
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
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad());
    }
    Ok(ChainHead {
        seq,
        hash: hash.to_owned(),
    })
}

/// The agency's builder: identities, directory, audit log and replay store
/// (`replay` is `None` when no replay store is needed).
fn agency(
    identities: &[PathBuf],
    directory: &Path,
    audit: Option<&Path>,
    replay: Option<Option<&Path>>,
) -> Result<liaison::AgencyBuilder, Failure> {
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
    let beside = |suffix: &str| {
        let folder = first_path.parent().unwrap_or_else(|| Path::new("."));
        folder.join(format!("{}.{suffix}", first.agency_id()))
    };
    let audit_path = audit.map_or_else(|| beside("audit.jsonl"), Path::to_path_buf);
    let replay_path = replay.map(|r| r.map_or_else(|| beside("seen"), Path::to_path_buf));
    let directory = Directory::load(directory).map_err(setup)?;
    let mut builder = Agency::builder(first)
        .directory(directory)
        .audit_file(audit_path);
    for older in loaded {
        builder = builder.identity(older);
    }
    if let Some(path) = replay_path {
        builder = builder.replay_file(path);
    }
    Ok(builder)
}

fn setup(e: SetupError) -> Failure {
    Failure::Unusable(e.to_string().lines().map(str::to_owned).collect())
}

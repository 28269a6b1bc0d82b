//! `liaison match index`, `query`, `answer` and `finish`: hit/no-hit
//! matching through the `liaison` facade (`docs/match.md`). Every message
//! is a sealed parcel in a file or a pipe (`-`); the holder key, the
//! resolver and the pending query are secret files (mode 0600).
//!
//! The holder's terms with the partner (kinds, purposes, budget, whether a
//! hit reveals a reference) are the `match` clauses of its agreements,
//! given to `answer` and `resolve` with `--agreements`; options of
//! `answer` can only narrow them.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use liaison::matching::{
    FilterWidth, HitReference, HolderKey, IndexOptions, Ledger, MIN_FILTER_WIDTH, MatchError,
    MatchLimits, MatchObligations, Pending, Resolver, build_index_with, match_keys,
    record_match_keys,
};
use liaison::{Agency, AgencyId, Purpose, Record, Timestamp};
use serde::Serialize;

use crate::exchange_cmd::{agency, check_output, setup, write_recorded_output};
use crate::output::{Failure, Hold, Sink, read_input, stderr_is_terminal};

/// `liaison match`.
#[derive(Debug, Args)]
pub(crate) struct MatchArgs {
    #[command(subcommand)]
    command: MatchCommand,
}

#[derive(Debug, Subcommand)]
enum MatchCommand {
    /// Holder: index the match keys of records and seal the index for a
    /// partner; writes the resolver of hit references (secret).
    Index(IndexArgs),
    /// Querier: ask a holder about the match keys of records, against its
    /// index; writes the sealed query and the pending state (secret).
    Query(QueryArgs),
    /// Holder: answer a sealed query under the terms with its sender,
    /// charging its budget in the ledger; writes the sealed answer.
    Answer(AnswerArgs),
    /// Querier: verify the sealed answer and print, as JSON, the
    /// obligations it carries and hit or no hit for each key; the pending
    /// state is then used up.
    Finish(FinishArgs),
    /// Holder: resolve the hit references a partner sent with a request to
    /// the ids of the records they stand for, when the agreement reveals
    /// references; print them as JSON, to decide on with `share`.
    Resolve(ResolveArgs),
}

/// What every match command needs of the agency.
#[derive(Debug, Args)]
struct AgencyOptions {
    /// This agency's identity file; repeat to give older identities too.
    #[arg(long = "identity", required = true)]
    identity: Vec<PathBuf>,
    /// The partner directory: a folder of partners' card files.
    #[arg(long)]
    directory: PathBuf,
    /// The audit log: a JSON Lines file or a `postgres://` URL; default
    /// `AGENCY.audit.jsonl` beside the identity.
    #[arg(long)]
    audit: Option<String>,
    /// The time (RFC 3339, UTC); now when absent.
    #[arg(long)]
    at: Option<Timestamp>,
}

impl AgencyOptions {
    /// The agency's builder with the agreements in `agreements` (files or
    /// folders), querying indexes of at least `min_width` fingerprint
    /// bits, and where its audit log is. Nothing is opened for writing
    /// yet: the outputs are checked first.
    fn builder(
        &self,
        agreements: &[PathBuf],
        min_width: FilterWidth,
    ) -> Result<(liaison::AgencyBuilder, String), Failure> {
        let (mut builder, audit) = agency(&self.identity, &self.directory, self.audit.as_deref())?;
        if !agreements.is_empty() {
            builder = builder.agreements(liaison::load_agreements(agreements).map_err(setup)?);
        }
        Ok((builder.match_min_filter_width(min_width), audit))
    }

    /// The files and folders every match command reads.
    fn reads(&self) -> Vec<&Path> {
        let mut reads: Vec<&Path> = self.identity.iter().map(PathBuf::as_path).collect();
        reads.push(self.directory.as_path());
        reads
    }

    fn at(&self) -> Timestamp {
        self.at.unwrap_or_else(Timestamp::now)
    }
}

fn build(builder: liaison::AgencyBuilder) -> Result<Agency, Failure> {
    builder.build().map_err(setup)
}

/// Whether a path names standard output.
fn is_stdout(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p == Path::new("-"))
}

/// Refuses, before anything is done or recorded, an output that names a
/// file or folder the command reads or keeps (the audit log, an
/// identity, the partner directory, an agreement, an input, the holder
/// key, the resolver, the ledger, the pending state) or another of its
/// outputs: writing it would destroy what is there.
fn check_outputs(outputs: &[&Path], audit: &str, reads: &[&Path]) -> Result<(), Failure> {
    for (i, output) in outputs.iter().enumerate() {
        let mut kept: Vec<&Path> = reads.to_vec();
        kept.extend(
            outputs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| *p),
        );
        check_output(output, audit, &kept)?;
    }
    Ok(())
}

/// A file output staged beside its destination before anything is done, so
/// that a place that cannot be written stops the command before anything
/// is charged or recorded; put in place once the work is done.
struct Staged {
    sink: Sink,
    path: PathBuf,
}

impl Staged {
    /// Stages `path`, mode 0600: every match output is a parcel, a secret
    /// or holds hit references.
    fn new(path: &Path) -> Result<Staged, Failure> {
        Ok(Staged {
            sink: Sink::create(Some(path), Hold::Memory, true)?,
            path: path.to_path_buf(),
        })
    }

    /// Writes `bytes` and puts the file in place. `what` names what the
    /// audit log recorded already, for the error if that fails.
    fn put(mut self, bytes: &[u8], what: Option<&str>) -> Result<(), Failure> {
        use std::io::Write;
        let path = self.path.clone();
        let written = self
            .sink
            .write_all(bytes)
            .map_err(|e| Failure::unusable(format!("cannot write `{}`: {e}", path.display())))
            .and_then(|()| self.sink.commit());
        match (written, what) {
            (Ok(()), _) => Ok(()),
            (Err(Failure::Unusable(mut lines)), Some(what)) => {
                lines.push(format!(
                    "{what} is recorded in the audit log, but `{}` could not be written",
                    path.display()
                ));
                Err(Failure::Unusable(lines))
            }
            (Err(e), _) => Err(e),
        }
    }
}

/// An output staged as a file, or standard output.
enum Output {
    File(Staged),
    Stdout,
}

impl Output {
    fn new(path: Option<&Path>) -> Result<Output, Failure> {
        match path {
            Some(p) if !is_stdout(Some(p)) => Ok(Output::File(Staged::new(p)?)),
            _ => Ok(Output::Stdout),
        }
    }

    /// Writes the output after `what` was recorded: to standard output,
    /// kept in `kept` in the current folder if that fails.
    fn put(
        self,
        bytes: &[u8],
        what: &str,
        kept: &str,
        audit: &str,
        reads: &[&Path],
    ) -> Result<(), Failure> {
        match self {
            Output::File(staged) => staged.put(bytes, Some(what)),
            Output::Stdout => write_recorded_output(bytes, what, kept, audit, reads),
        }
    }
}

/// `liaison match index`.
#[derive(Debug, Args)]
struct IndexArgs {
    #[command(flatten)]
    agency: AgencyOptions,
    /// The holder key file; made (mode 0600) if it does not exist.
    #[arg(long)]
    key: PathBuf,
    /// The partner the index is sealed for.
    #[arg(long)]
    to: AgencyId,
    /// Fingerprint bits: 8, 16 or 32 (false-positive rates 2^-8, 2^-16,
    /// 2^-32); below 32 only with `--allow-narrow-filter`.
    #[arg(long, default_value_t = 32)]
    width: u8,
    /// Allow fingerprints narrower than 32 bits: false hits become common,
    /// and a hit reference a partner sends after a false hit lets this
    /// holder recover the key it asked about (docs/match.md, section 11).
    #[arg(long)]
    allow_narrow_filter: bool,
    /// Where to write the resolver of hit references (secret).
    #[arg(long)]
    resolver: PathBuf,
    /// Write the sealed index here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Files of a record or a JSON array of records (`-` for standard input).
    #[arg(required = true)]
    records: Vec<PathBuf>,
}

/// `liaison match query`.
#[derive(Debug, Args)]
struct QueryArgs {
    #[command(flatten)]
    agency: AgencyOptions,
    /// The holder's sealed index.
    #[arg(long)]
    index: PathBuf,
    /// The purpose of the query, such as `border-control`.
    #[arg(long)]
    purpose: Purpose,
    /// Where to write the pending state, needed by `finish` (secret).
    #[arg(long)]
    pending: PathBuf,
    /// Query an index with fingerprints narrower than 32 bits: false hits
    /// become common, and the reference of a false hit sent with a request
    /// lets the holder recover the key asked about (docs/match.md, section
    /// 11).
    #[arg(long)]
    allow_narrow_filter: bool,
    /// Write the sealed query here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// A record or a JSON array of records whose match keys to ask about
    /// (`-` for standard input); keys of kinds the index lacks are left out.
    records: PathBuf,
}

/// `liaison match answer`.
#[derive(Debug, Args)]
struct AnswerArgs {
    #[command(flatten)]
    agency: AgencyOptions,
    /// The holder key file.
    #[arg(long)]
    key: PathBuf,
    /// The resolver written by `match index` (it names the index's kinds).
    #[arg(long)]
    resolver: PathBuf,
    /// An agreement file or a folder of agreement files; may be repeated.
    /// Their `match` clauses say who may query, for what, about which
    /// kinds, and how many keys.
    #[arg(long = "agreements", required = true)]
    agreements: Vec<PathBuf>,
    /// Answer only this partner (narrows the agreements).
    #[arg(long)]
    from: Option<AgencyId>,
    /// The budget ledger; made if it does not exist, rewritten after a
    /// charge.
    #[arg(long)]
    ledger: PathBuf,
    /// Answer only about this key kind; may be repeated (narrows the
    /// agreements).
    #[arg(long = "allow-kind")]
    allow_kind: Vec<String>,
    /// Answer only for this purpose; may be repeated (narrows the
    /// agreements).
    #[arg(long = "allow-purpose")]
    allow_purpose: Vec<Purpose>,
    /// At most this many keys per day (UTC) and purpose, below the
    /// agreement's budget.
    #[arg(long)]
    per_day: Option<u64>,
    /// At most this many keys per batch, below the agreement's budget.
    #[arg(long)]
    per_batch: Option<u64>,
    /// Write the sealed answer here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The sealed query (`-` for standard input).
    query: PathBuf,
}

/// `liaison match finish`.
#[derive(Debug, Args)]
struct FinishArgs {
    #[command(flatten)]
    agency: AgencyOptions,
    /// The holder's sealed index the query was made against.
    #[arg(long)]
    index: PathBuf,
    /// The pending state written by `match query`.
    #[arg(long)]
    pending: PathBuf,
    /// Write the outcomes here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The sealed answer (`-` for standard input).
    answer: PathBuf,
}

/// `liaison match resolve`.
#[derive(Debug, Args)]
struct ResolveArgs {
    #[command(flatten)]
    agency: AgencyOptions,
    /// An agreement file or a folder of agreement files; may be repeated.
    #[arg(long = "agreements", required = true)]
    agreements: Vec<PathBuf>,
    /// The resolver written by `match index`.
    #[arg(long)]
    resolver: PathBuf,
    /// The partner that sent the references.
    #[arg(long)]
    from: AgencyId,
    /// The purpose of its request.
    #[arg(long)]
    purpose: Purpose,
    /// Write the record ids here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The hit references (64 hexadecimal digits each), as `finish` printed
    /// them.
    #[arg(required = true)]
    references: Vec<String>,
}

/// Runs a match command.
pub(crate) fn run(args: MatchArgs) -> Result<(), Failure> {
    match args.command {
        MatchCommand::Index(a) => index(a),
        MatchCommand::Query(a) => query(a),
        MatchCommand::Answer(a) => answer(a),
        MatchCommand::Finish(a) => finish(a),
        MatchCommand::Resolve(a) => resolve(a),
    }
}

fn failure(e: MatchError) -> Failure {
    match e {
        MatchError::NotAllowed { .. }
        | MatchError::Budget { .. }
        | MatchError::Answer { .. }
        | MatchError::Reference { .. } => Failure::refused(e.to_string()),
        _ => Failure::unusable(e.to_string()),
    }
}

fn records(path: &Path) -> Result<Vec<Record>, Failure> {
    let bytes = read_input(Some(path))?;
    let bundle = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[');
    if bundle {
        liaison::record::records_from_json(&bytes)
    } else {
        Record::from_json(&bytes).map(|r| vec![r])
    }
    .map_err(|e| {
        Failure::Unusable(
            e.problems()
                .iter()
                .map(|p| format!("record {}: {p}", crate::output::describe(Some(path))))
                .collect(),
        )
    })
}

fn read_key(path: &Path) -> Result<HolderKey, Failure> {
    let bytes = zeroize::Zeroizing::new(read_input(Some(path))?);
    HolderKey::from_bytes(&bytes)
        .map_err(|e| Failure::unusable(format!("holder key `{}`: {e}", path.display())))
}

fn index(args: IndexArgs) -> Result<(), Failure> {
    let width = FilterWidth::from_bits(args.width)
        .ok_or_else(|| Failure::unusable("--width must be 8, 16 or 32"))?;
    let (builder, audit) = args.agency.builder(&[], MIN_FILTER_WIDTH)?;
    let new_key = !args.key.exists();
    let mut reads = args.agency.reads();
    reads.extend(args.records.iter().map(PathBuf::as_path));
    if !new_key {
        reads.push(&args.key);
    }
    let mut outputs: Vec<&Path> = vec![&args.resolver];
    if new_key {
        outputs.push(&args.key);
    }
    if let Some(o) = args.output.as_deref().filter(|o| !is_stdout(Some(o))) {
        outputs.push(o);
    }
    let key_lock = lock_path(&args.key);
    outputs.push(&key_lock);
    check_outputs(&outputs, &audit, &reads)?;
    let mut all = Vec::new();
    for path in &args.records {
        all.extend(records(path)?);
    }
    // One index at a time per holder key: two run at once with a new key
    // would each make one, and all but the last would index under a key
    // no longer on the disk.
    let _lock = lock_beside(&args.key)?;
    if new_key && args.key.exists() {
        return Err(Failure::unusable(format!(
            "the holder key `{}` was made while this command started: run it again to index under it",
            args.key.display()
        )));
    }
    // Every file is staged before the key is made.
    let key_file = new_key.then(|| Staged::new(&args.key)).transpose()?;
    let resolver_file = Staged::new(&args.resolver)?;
    let output = Output::new(args.output.as_deref())?;
    let agency = build(builder)?;
    let at = args.agency.at();
    let key = match key_file {
        Some(file) => {
            let key = HolderKey::generate().map_err(|e| Failure::unusable(e.to_string()))?;
            file.put(&key.to_bytes(), None)?;
            key
        }
        None => read_key(&args.key)?,
    };
    let keys: usize = all.iter().map(|r| record_match_keys(r).len()).sum();
    let bar = if stderr_is_terminal() {
        let bar = indicatif::ProgressBar::new(keys as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("indexing {bar:40} {pos}/{len} ({eta} left)")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let options = IndexOptions {
        width,
        min_width: if args.allow_narrow_filter {
            FilterWidth::Bits8
        } else {
            MIN_FILTER_WIDTH
        },
    };
    let built = build_index_with(&all, &key, options, &|n| bar.inc(n as u64)).map_err(failure)?;
    bar.finish_and_clear();
    let sealed = agency
        .match_seal_index_at(&built.index, &args.to, at)
        .map_err(failure)?;
    // The index is sent before its resolver is kept: an index that cannot
    // be written leaves no resolver for it. Sealing an index records
    // nothing.
    match output {
        Output::File(staged) => staged.put(&sealed, None)?,
        Output::Stdout => crate::output::write_output(None, &sealed)?,
    }
    resolver_file.put(&built.resolver.to_bytes(), None)?;
    eprintln!(
        "indexed {} keys of {} records in {} kinds, false-positive rate {:.2e}",
        built.index.total_entries(),
        all.len(),
        built.index.kinds().count(),
        width.false_positive_rate()
    );
    Ok(())
}

fn query(args: QueryArgs) -> Result<(), Failure> {
    let min_width = if args.allow_narrow_filter {
        FilterWidth::Bits8
    } else {
        MIN_FILTER_WIDTH
    };
    let (builder, audit) = args.agency.builder(&[], min_width)?;
    let mut reads = args.agency.reads();
    reads.push(&args.index);
    reads.push(&args.records);
    let mut outputs: Vec<&Path> = vec![&args.pending];
    if let Some(o) = args.output.as_deref().filter(|o| !is_stdout(Some(o))) {
        outputs.push(o);
    }
    check_outputs(&outputs, &audit, &reads)?;
    let pending_file = Staged::new(&args.pending)?;
    let output = Output::new(args.output.as_deref())?;
    let agency = build(builder)?;
    let at = args.agency.at();
    let (holder, index) = agency
        .match_open_index_at(&read_input(Some(&args.index))?, at)
        .map_err(failure)?;
    let wanted: Vec<_> = records(&args.records)?
        .iter()
        .flat_map(|r| r.entities.iter().flat_map(match_keys).collect::<Vec<_>>())
        .filter(|k| index.kinds().any(|kind| kind.as_str() == k.kind.as_str()))
        .collect();
    if wanted.is_empty() {
        return Err(Failure::unusable(
            "the records have no match key of a kind the index has",
        ));
    }
    let (pending, sealed) = agency
        .match_query_at(&index, &holder, &args.purpose, &wanted, at)
        .map_err(failure)?;
    let what = format!("the query to `{holder}`");
    pending_file.put(&pending.to_bytes(), Some(&what))?;
    output.put(
        &sealed,
        &what,
        &format!("liaison-unwritten-query-{}.parcel", pending.session()),
        &audit,
        &reads,
    )?;
    eprintln!("asked `{holder}` about {} keys", wanted.len());
    Ok(())
}

fn answer(args: AnswerArgs) -> Result<(), Failure> {
    let (builder, audit) = args.agency.builder(&args.agreements, MIN_FILTER_WIDTH)?;
    let mut reads = args.agency.reads();
    reads.extend([args.key.as_path(), &args.resolver, &args.query]);
    reads.extend(args.agreements.iter().map(PathBuf::as_path));
    // The ledger and its lock are kept and rewritten: checked like outputs,
    // against what the command reads and against the answer's own file.
    let ledger_lock = lock_path(&args.ledger);
    let mut outputs: Vec<&Path> = vec![&args.ledger, &ledger_lock];
    if let Some(o) = args.output.as_deref().filter(|o| !is_stdout(Some(o))) {
        outputs.push(o);
    }
    check_outputs(&outputs, &audit, &reads)?;
    reads.extend([args.ledger.as_path(), &ledger_lock]);
    let key = read_key(&args.key)?;
    let resolver = Resolver::from_bytes(&read_input(Some(&args.resolver))?)
        .map_err(|e| Failure::unusable(format!("resolver `{}`: {e}", args.resolver.display())))?;
    let commitment = key
        .commitment(resolver.kinds())
        .map_err(|e| Failure::unusable(e.to_string()))?;
    if commitment.id() != resolver.commitment() {
        return Err(Failure::unusable(
            "the holder key is not the key the resolver's index was built with",
        ));
    }
    let query = read_input(Some(&args.query))?;
    // The answer's file and the ledger's are staged before the budget is
    // charged or anything recorded: a place that cannot be written stops
    // the command first.
    let output = Output::new(args.output.as_deref())?;
    // One answer at a time per ledger: read, charge and write it under an
    // exclusive lock, so that answers run at once cannot both spend the
    // same budget.
    let _lock = lock_beside(&args.ledger)?;
    let mut ledger = if args.ledger.exists() {
        Ledger::from_bytes(&read_input(Some(&args.ledger))?)
            .map_err(|e| Failure::unusable(format!("ledger `{}`: {e}", args.ledger.display())))?
    } else {
        Ledger::new()
    };
    let ledger_file = Staged::new(&args.ledger)?;
    let agency = build(builder)?;
    let at = args.agency.at();
    let limits = MatchLimits {
        partner: args.from,
        purposes: args.allow_purpose,
        kinds: args.allow_kind,
        per_day: args.per_day,
        per_batch: args.per_batch,
    };
    // A refusal charges nothing: the ledger's staged file is dropped.
    let sealed = agency
        .match_answer_at(&query, &key, &commitment, &limits, &mut ledger, at)
        .map_err(failure)?;
    let what = "the answer";
    ledger_file.put(&ledger.to_bytes(), Some(what))?;
    output.put(
        &sealed,
        what,
        &format!("liaison-unwritten-answer-{}.parcel", uuid::Uuid::new_v4()),
        &audit,
        &reads,
    )
}

/// `PATH.lock`, beside `path`.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Takes an exclusive lock on `PATH.lock` beside `path`, held until the
/// returned file is dropped.
fn lock_beside(path: &std::path::Path) -> Result<std::fs::File, Failure> {
    let lock = lock_path(path);
    let unusable =
        |e: std::io::Error| Failure::unusable(format!("cannot lock `{}`: {e}", lock.display()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(unusable)?;
    file.lock().map_err(unusable)?;
    Ok(file)
}

#[derive(Serialize)]
struct OutcomeJson {
    kind: String,
    hit: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

/// What `finish` prints: the obligations the answer carries, and each
/// key's outcome.
#[derive(Serialize)]
struct FinishedJson<'a> {
    obligations: &'a [MatchObligations],
    outcomes: Vec<OutcomeJson>,
}

/// What a pending file holds once its query was finished: this line, then
/// the session and the time.
const FINISHED_MARKER: &str = "liaison-match finished query";

fn finish(args: FinishArgs) -> Result<(), Failure> {
    let (builder, audit) = args.agency.builder(&[], MIN_FILTER_WIDTH)?;
    let mut reads = args.agency.reads();
    reads.extend([args.index.as_path(), &args.pending, &args.answer]);
    if let Some(o) = args.output.as_deref().filter(|o| !is_stdout(Some(o))) {
        check_outputs(&[o], &audit, &reads)?;
    }
    // One finish at a time per pending state: two run at once would both
    // read it before either used it up.
    let pending_lock = lock_path(&args.pending);
    check_outputs(&[&pending_lock], &audit, &reads)?;
    let _lock = lock_beside(&args.pending)?;
    let pending_bytes = zeroize::Zeroizing::new(read_input(Some(&args.pending))?);
    if let Some(rest) = pending_bytes.strip_prefix(FINISHED_MARKER.as_bytes()) {
        return Err(Failure::refused(format!(
            "the query of `{}` was finished already ({}): its outcomes were written then; query again for new outcomes",
            args.pending.display(),
            String::from_utf8_lossy(rest).trim()
        )));
    }
    let pending = Pending::from_bytes(&pending_bytes).map_err(|e| {
        Failure::unusable(format!("pending state `{}`: {e}", args.pending.display()))
    })?;
    let output = Output::new(args.output.as_deref())?;
    let pending_file = Staged::new(&args.pending)?;
    let agency = build(builder)?;
    let at = args.agency.at();
    let (holder, index) = agency
        .match_open_index_at(&read_input(Some(&args.index))?, at)
        .map_err(failure)?;
    let finished = agency
        .match_finish_at(
            &read_input(Some(&args.answer))?,
            &pending,
            &index,
            &holder,
            at,
        )
        .map_err(failure)?;
    let outcomes = &finished.outcomes;
    let json = FinishedJson {
        obligations: &finished.obligations,
        outcomes: outcomes
            .iter()
            .map(|o| OutcomeJson {
                kind: o.kind.to_string(),
                hit: o.hit.is_some(),
                reference: o.hit.map(|r| r.to_string()),
            })
            .collect(),
    };
    let mut text = serde_json::to_vec_pretty(&json)
        .map_err(|e| Failure::unusable(format!("cannot write the outcomes: {e}")))?;
    text.push(b'\n');
    let what = format!("the outcome of session `{}`", pending.session());
    // The outcomes first (kept in the current folder if standard output
    // fails), then the pending state is used up: its blinds and keys are
    // replaced by a marker, so that the same query cannot be finished
    // twice.
    let written = output.put(
        &text,
        &what,
        &format!("liaison-unwritten-outcome-{}.json", pending.session()),
        &audit,
        &reads,
    );
    pending_file.put(
        format!("{FINISHED_MARKER}\nsession {} at {at}\n", pending.session()).as_bytes(),
        Some(&what),
    )?;
    written?;
    let hits = outcomes.iter().filter(|o| o.hit.is_some()).count();
    eprintln!("{hits} of {} keys hit at `{holder}`", outcomes.len());
    for o in &finished.obligations {
        eprintln!(
            "obligations of `{}` clause `{}`: {}",
            o.agreement,
            o.clause,
            o.names().join(", ")
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct ResolvedJson {
    reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refused: Option<String>,
}

fn resolve(args: ResolveArgs) -> Result<(), Failure> {
    let (builder, audit) = args.agency.builder(&args.agreements, MIN_FILTER_WIDTH)?;
    let mut reads = args.agency.reads();
    reads.push(&args.resolver);
    reads.extend(args.agreements.iter().map(PathBuf::as_path));
    if let Some(o) = args.output.as_deref().filter(|o| !is_stdout(Some(o))) {
        check_outputs(&[o], &audit, &reads)?;
    }
    let resolver = Resolver::from_bytes(&read_input(Some(&args.resolver))?)
        .map_err(|e| Failure::unusable(format!("resolver `{}`: {e}", args.resolver.display())))?;
    let references = args
        .references
        .iter()
        .map(|r| {
            HitReference::from_hex(r).ok_or_else(|| {
                Failure::unusable(format!(
                    "`{}` is not a hit reference: give the 64 hexadecimal digits `match finish` printed",
                    r.escape_debug()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // A reference given twice is resolved once.
    let mut seen = std::collections::HashSet::new();
    let references: Vec<_> = references
        .into_iter()
        .filter(|r| seen.insert(r.to_string()))
        .collect();
    let output = Output::new(args.output.as_deref())?;
    let agency = build(builder)?;
    let at = args.agency.at();
    // Each reference is resolved, or refused, and recorded on its own; the
    // output lists them all, so that what the log records as resolved is
    // what the operator is given.
    let mut resolved = Vec::with_capacity(references.len());
    let mut refused = Vec::new();
    for reference in &references {
        match agency.match_resolve_at(&resolver, reference, &args.from, &args.purpose, at) {
            Ok(ids) => resolved.push(ResolvedJson {
                reference: reference.to_string(),
                records: Some(ids.iter().map(ToString::to_string).collect()),
                refused: None,
            }),
            Err(e @ MatchError::Reference { .. }) => {
                refused.push(format!("`{reference}`: {e}"));
                resolved.push(ResolvedJson {
                    reference: reference.to_string(),
                    records: None,
                    refused: Some(e.to_string()),
                });
            }
            Err(e) => return Err(failure(e)),
        }
    }
    let mut text = serde_json::to_vec_pretty(&resolved)
        .map_err(|e| Failure::unusable(format!("cannot write the record ids: {e}")))?;
    text.push(b'\n');
    output.put(
        &text,
        "the resolution",
        &format!("liaison-unwritten-resolution-{}.json", uuid::Uuid::new_v4()),
        &audit,
        &reads,
    )?;
    let records: usize = resolved
        .iter()
        .filter_map(|r| r.records.as_ref())
        .map(Vec::len)
        .sum();
    let count = resolved.len() - refused.len();
    eprintln!(
        "{count} of {} references resolve to {records} records; decide on them with `liaison share`",
        resolved.len()
    );
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::Refused(refused))
    }
}

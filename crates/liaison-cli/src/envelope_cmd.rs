//! `liaison keygen`, `seal`, `open` and `inspect`: agency keys and sealed
//! envelopes.
//!
//! Exit codes: 0 success; 1 when an envelope is refused (not a recipient,
//! untrusted or expired sender, failed authentication); 2 for unusable input
//! or usage. On failure nothing is written to standard output or to any
//! output file.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use liaison_envelope::{
    Card, Identity, OpenError, Protection, Sealer, Spooled, StreamOpener, armor, dearmor, inspect,
    open,
};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::output::{
    Failure, Hold, Sink, describe, open_input, pump, read_input, write_file_atomically,
    write_output,
};

/// The envelope commands (flattened into the top-level command list).
#[derive(Debug, Subcommand)]
pub(crate) enum EnvelopeCommand {
    /// Generate an agency identity (secret) and its card (public).
    Keygen(KeygenArgs),
    /// Seal bytes for recipient agencies, signed by this agency.
    Seal(SealArgs),
    /// Open an envelope: verify the sender, unwrap, decrypt. A parcel from
    /// `share` is refused: accept it with `receive`.
    Open(OpenArgs),
    /// Print what an envelope claims about itself, without keys (JSON);
    /// nothing it prints has been verified.
    Inspect(InspectArgs),
}

/// `liaison keygen`.
#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// The agency id, also the file name stem: an ISO 3166-1 alpha-3
    /// country, a hyphen and 2 to 16 uppercase letters or digits, such as
    /// `NLD-KMAR`.
    #[arg(long, value_name = "CCC-CODE", value_parser = parse_agency)]
    agency: liaison::AgencyId,
    /// The folder to write `ID.identity.json` (mode 0600) and `ID.card.json`.
    #[arg(long)]
    out: PathBuf,
    /// Start of the card's validity (RFC 3339, UTC); default now.
    #[arg(long)]
    not_before: Option<String>,
    /// End of the card's validity (RFC 3339, UTC); default two years after
    /// the start.
    #[arg(long)]
    not_after: Option<String>,
    /// Also make post-quantum keys: an X-Wing (ML-KEM-768 + X25519) key, so
    /// that partners can seal post-quantum envelopes for this agency (the
    /// card keeps its X25519 key for classical envelopes), and an ML-DSA-65
    /// key, so that every envelope it seals or rewraps is signed with
    /// Ed25519 and ML-DSA-65 (partners holding its new card then refuse an
    /// envelope signed with its Ed25519 key alone).
    #[arg(long)]
    post_quantum: bool,
    /// With --post-quantum: add post-quantum keys (X-Wing and ML-DSA-65) to
    /// this existing identity instead of making new keys (key rotation
    /// towards post-quantum envelopes). The new files keep its agency id,
    /// validity window, and X25519 and Ed25519 keys, so they still open
    /// every classical envelope sealed for the old card; envelopes the
    /// agency signed before open with its old card only.
    #[arg(
        long,
        value_name = "IDENTITY",
        requires = "post_quantum",
        conflicts_with_all = ["not_before", "not_after"]
    )]
    upgrade: Option<PathBuf>,
}

/// `liaison seal`.
#[derive(Debug, Args)]
pub(crate) struct SealArgs {
    /// The sender's identity file.
    #[arg(long)]
    identity: PathBuf,
    /// A recipient's card file (repeat for several recipients).
    #[arg(long = "to", required = true)]
    to: Vec<PathBuf>,
    /// A file whose bytes are the label bound to the envelope.
    #[arg(long)]
    label: Option<PathBuf>,
    /// Write the armored text form instead of binary.
    #[arg(long)]
    armor: bool,
    /// Leave the recipient key ids out of the envelope (recipients then try
    /// every stanza).
    #[arg(long)]
    anonymous: bool,
    /// Seal for post-quantum recipients (X-Wing stanzas, suite 0x0003):
    /// refused if a recipient card has no X-Wing key. Without this flag or
    /// --classical, the envelope is post-quantum when every card has an
    /// X-Wing key, classical when none has, and a mix is refused.
    #[arg(long, conflicts_with = "classical")]
    post_quantum: bool,
    /// Seal classically (X25519 stanzas, suite 0x0002) even for cards with
    /// X-Wing keys.
    #[arg(long)]
    classical: bool,
    /// Write to this file instead of standard output. Either way the
    /// payload is streamed (bounded memory) unless `--armor` is given, and
    /// the output appears only once sealing has succeeded.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The payload; standard input when absent.
    input: Option<PathBuf>,
}

/// `liaison open`.
#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// The recipient's identity file.
    #[arg(long)]
    identity: PathBuf,
    /// A trusted sender's card file (repeat for several).
    #[arg(long = "from", required = true)]
    from: Vec<PathBuf>,
    /// Write the verified label to this file.
    #[arg(long)]
    label_out: Option<PathBuf>,
    /// Write to this file instead of standard output. The payload streams
    /// into a temporary file beside it (mode 0600), renamed into place once
    /// the whole envelope has verified, so memory stays bounded at any
    /// size. For standard output, nothing is written until then either: the
    /// authenticated chunks wait in an unnamed temporary file, encrypted
    /// under a key held only in memory (bounded memory too).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Open a parcel from `share` as a raw envelope. Without it a parcel is
    /// refused, because only `receive` checks its label against the record,
    /// refuses replays and records the receipt in the audit log.
    #[arg(long)]
    raw_envelope: bool,
    /// The envelope (binary or armored); standard input when absent.
    input: Option<PathBuf>,
}

/// `liaison inspect`.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The envelope (binary or armored); standard input when absent.
    input: Option<PathBuf>,
}

/// Runs an envelope command.
pub(crate) fn run(command: EnvelopeCommand) -> Result<(), Failure> {
    match command {
        EnvelopeCommand::Keygen(args) => keygen(&args),
        EnvelopeCommand::Seal(args) => seal(&args),
        EnvelopeCommand::Open(args) => open_cmd(&args),
        EnvelopeCommand::Inspect(args) => inspect_cmd(&args),
    }
}

fn parse_time(flag: &str, text: &str) -> Result<OffsetDateTime, Failure> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        Failure::unusable(format!(
            "--{flag} `{text}` is not an RFC 3339 time ({e}); write e.g. `2026-01-31T00:00:00Z`"
        ))
    })
}

fn keygen(args: &KeygenArgs) -> Result<(), Failure> {
    let not_before = match &args.not_before {
        Some(t) => parse_time("not-before", t)?,
        None => OffsetDateTime::now_utc(),
    };
    let not_after = match &args.not_after {
        Some(t) => parse_time("not-after", t)?,
        None => not_before + Duration::days(730),
    };
    // A valid agency id (checked when parsed) is also a safe file name stem.
    let identity = if let Some(old) = &args.upgrade {
        let old = read_identity(old)?;
        if old.agency_id() != args.agency.as_str() {
            return Err(Failure::unusable(format!(
                "--upgrade names an identity of `{}`, not of `{}`: give the --agency of that identity",
                old.agency_id(),
                args.agency
            )));
        }
        old.with_new_post_quantum_key()
    } else if args.post_quantum {
        Identity::generate_post_quantum(args.agency.as_str(), not_before, not_after)
    } else {
        Identity::generate(args.agency.as_str(), not_before, not_after)
    }
    .map_err(|e| Failure::unusable(e.to_string()))?;
    let id_path = args.out.join(format!("{}.identity.json", args.agency));
    let card_path = args.out.join(format!("{}.card.json", args.agency));
    for p in [&id_path, &card_path] {
        if p.exists() {
            return Err(Failure::unusable(format!(
                "`{}` already exists: remove it or choose another --out",
                p.display()
            )));
        }
    }
    fs::create_dir_all(&args.out)
        .map_err(|e| Failure::unusable(format!("cannot create `{}`: {e}", args.out.display())))?;
    write_secret_file(&id_path, identity.to_json().as_bytes())
        .map_err(|e| Failure::unusable(format!("cannot write `{}`: {e}", id_path.display())))?;
    if let Err(e) = write_file_atomically(&card_path, identity.card().to_json().as_bytes()) {
        let _ = fs::remove_file(&id_path);
        return Err(Failure::unusable(format!(
            "cannot write `{}`: {e}",
            card_path.display()
        )));
    }
    // The files written, for the operator: on standard error, so that
    // standard output stays empty as for every command that writes files.
    eprintln!(
        "wrote {} (secret, mode 0600: keep it private)\nwrote {} (public: give it to partners)",
        id_path.display(),
        card_path.display()
    );
    Ok(())
}

/// Parses `--agency` at once, so that `keygen` never writes keys for an id
/// that every later command refuses.
fn parse_agency(text: &str) -> Result<liaison::AgencyId, String> {
    text.parse()
        .map_err(|e: liaison::record::ParseError| e.to_string())
}

/// Writes a secret file with mode 0600 from its creation, through a
/// temporary file renamed into place.
/// Writes a file that holds secrets: through the one file helper (exclusive
/// create under an unpredictable name, mode 0600, rename, folder sync).
fn write_secret_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    liaison::files::write_file(path, bytes, true)
}

fn read_identity(path: &Path) -> Result<Identity, Failure> {
    let mut bytes = read_input(Some(path))?;
    let result = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::unusable(format!("{}: not UTF-8 text", describe(Some(path)))))
        .and_then(|text| {
            Identity::from_json(text)
                .map_err(|e| Failure::unusable(format!("{}: {e}", describe(Some(path)))))
        });
    // Wipe the secret file's text (black_box keeps the writes).
    bytes.fill(0);
    std::hint::black_box(&bytes);
    result
}

fn read_cards(paths: &[PathBuf]) -> Result<Vec<Card>, Failure> {
    let mut cards = Vec::with_capacity(paths.len());
    let mut problems = Vec::new();
    for path in paths {
        let bytes = read_input(Some(path))?;
        match std::str::from_utf8(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|t| Card::from_json(t).map_err(|e| e.to_string()))
        {
            Ok(card) => cards.push(card),
            Err(e) => problems.push(format!("{}: {e}", describe(Some(path)))),
        }
    }
    if problems.is_empty() {
        Ok(cards)
    } else {
        Err(Failure::Unusable(problems))
    }
}

fn seal(args: &SealArgs) -> Result<(), Failure> {
    let identity = read_identity(&args.identity)?;
    let cards = read_cards(&args.to)?;
    let label = match &args.label {
        Some(p) => read_input(Some(p))?,
        None => Vec::new(),
    };
    let protection = if args.post_quantum {
        Protection::PostQuantum
    } else if args.classical {
        Protection::Classical
    } else {
        Protection::Auto
    };
    let sealer = Sealer::new(&identity)
        .recipients(&cards)
        .label(&label)
        .anonymous(args.anonymous)
        .protection(protection);
    if args.armor {
        // The text form is for transports that need text: built in memory.
        let payload = read_input(args.input.as_deref())?;
        let sealed = sealer
            .seal(&payload)
            .map_err(|e| Failure::unusable(e.to_string()))?;
        return write_output(args.output.as_deref(), armor(&sealed).as_bytes());
    }
    // Streamed: memory stays bounded whatever the payload's size. Output for
    // standard output waits in an unnamed temporary file (it is ciphertext),
    // so that a failure writes nothing.
    let input = args.input.as_deref();
    let mut reader = open_input(input)?;
    let sink = Sink::create(args.output.as_deref(), Hold::TemporaryFile, false)?;
    let mut stream = sealer
        .stream(sink)
        .map_err(|e| Failure::unusable(e.to_string()))?;
    let mut buf = vec![0u8; 1 << 16];
    pump(
        &mut reader,
        &mut stream,
        &mut buf,
        |e| Failure::unusable(format!("cannot read {}: {e}", describe(input))),
        |e| Failure::unusable(format!("cannot write the envelope: {e}")),
    )?;
    let sink = stream
        .finish()
        .map_err(|e| Failure::unusable(e.to_string()))?;
    sink.commit()
}

/// Reads an envelope, binary or armored.
fn read_envelope(input: Option<&Path>) -> Result<Vec<u8>, Failure> {
    let bytes = read_input(input)?;
    if liaison_envelope::armor::is_armored(&bytes) {
        dearmor(&bytes).map_err(|e| Failure::unusable(format!("{}: {e}", describe(input))))
    } else {
        Ok(bytes)
    }
}

fn open_failure(input: Option<&Path>, e: &OpenError) -> Failure {
    let line = format!("{}: {e}", describe(input));
    match e {
        OpenError::NotRecipient { .. }
        | OpenError::NoPostQuantumKey
        | OpenError::UntrustedSender { .. }
        | OpenError::SenderCardNotValid { .. }
        | OpenError::SignatureDowngrade { .. }
        | OpenError::SigningKeyMismatch { .. }
        | OpenError::CannotOpen => Failure::refused(line),
        _ => Failure::unusable(line),
    }
}

fn open_cmd(args: &OpenArgs) -> Result<(), Failure> {
    let identity = read_identity(&args.identity)?;
    let trusted = read_cards(&args.from)?;
    let input = args.input.as_deref();
    let mut reader = BufReader::with_capacity(1 << 16, open_input(input)?);
    let armored = {
        let start = reader
            .fill_buf()
            .map_err(|e| Failure::unusable(format!("cannot read {}: {e}", describe(input))))?;
        liaison_envelope::armor::is_armored(start)
    };
    if armored {
        // The text form is read whole, then opened in one piece.
        let mut text = Vec::new();
        reader
            .read_to_end(&mut text)
            .map_err(|e| Failure::unusable(format!("cannot read {}: {e}", describe(input))))?;
        let envelope =
            dearmor(&text).map_err(|e| Failure::unusable(format!("{}: {e}", describe(input))))?;
        let opened = open(&envelope, &identity, &trusted, OffsetDateTime::now_utc())
            .map_err(|e| open_failure(input, &e))?;
        let mut sink = Sink::create(args.output.as_deref(), Hold::Memory, true)?;
        sink.write_all(&opened.payload)
            .map_err(|e| Failure::unusable(format!("cannot write the payload: {e}")))?;
        return finish_open(args, sink, &opened.label);
    }
    let at = OffsetDateTime::now_utc();
    let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
    if to_stdout {
        // Standard output gets nothing until the whole envelope has
        // verified, in bounded memory: the authenticated chunks wait in an
        // unnamed temporary file, encrypted under a key held only in memory.
        let spool = tempfile::tempfile()
            .map_err(|e| Failure::unusable(format!("cannot create a spool file: {e}")))?;
        let spooled = Spooled::verify(reader, &identity, &trusted, at, spool)
            .map_err(|e| open_failure(input, &e))?;
        refuse_parcel(args, &spooled.opened().label)?;
        if let Some(path) = &args.label_out {
            write_file_atomically(path, &spooled.opened().label).map_err(|e| {
                Failure::unusable(format!("cannot write `{}`: {e}", path.display()))
            })?;
        }
        let written = spooled
            .write_to(std::io::stdout().lock())
            .map_err(|e| Failure::unusable(format!("cannot write the payload: {e}")));
        if written.is_err()
            && let Some(path) = &args.label_out
        {
            let _ = fs::remove_file(path);
        }
        return written.map(|_| ());
    }
    // Streamed into a temporary file beside the output: every chunk is
    // authenticated before it is written, and the file is renamed into place
    // only once the whole envelope has verified.
    let mut stream =
        StreamOpener::new(reader, &identity, &trusted, at).map_err(|e| open_failure(input, &e))?;
    let mut sink = Sink::create(args.output.as_deref(), Hold::Memory, true)?;
    let mut buf = Zeroizing::new(vec![0u8; 1 << 16]);
    pump(
        &mut stream,
        &mut sink,
        &mut buf,
        |e| {
            // An authentication failure comes through `Read` as an
            // `OpenError`; anything else is the input's own I/O error.
            let refused = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<OpenError>())
                .map(|open_error| open_failure(input, open_error));
            refused.unwrap_or_else(|| {
                Failure::unusable(format!("cannot read {}: {e}", describe(input)))
            })
        },
        |e| Failure::unusable(format!("cannot write the payload: {e}")),
    )?;
    let opened = stream.finish().map_err(|e| open_failure(input, &e))?;
    finish_open(args, sink, &opened.label)
}

/// Puts a verified payload and its label in place; if the payload cannot
/// be, the label file is removed again, so a failure leaves nothing behind.
fn finish_open(args: &OpenArgs, sink: Sink, label: &[u8]) -> Result<(), Failure> {
    refuse_parcel(args, label)?;
    if let Some(path) = &args.label_out {
        write_file_atomically(path, label)
            .map_err(|e| Failure::unusable(format!("cannot write `{}`: {e}", path.display())))?;
    }
    let written = sink.commit();
    if written.is_err()
        && let Some(path) = &args.label_out
    {
        let _ = fs::remove_file(path);
    }
    written
}

/// Refuses a parcel unless `--raw-envelope` asks for it: opening one here
/// would skip the label, replay and audit checks that `receive` makes.
fn refuse_parcel(args: &OpenArgs, label: &[u8]) -> Result<(), Failure> {
    if args.raw_envelope || !liaison::Parcel::is_parcel_label(label) {
        return Ok(());
    }
    Err(Failure::unusable(format!(
        "{} is a parcel from `liaison share`: accept it with `liaison receive`, which checks its \
         label against the record, refuses replays and records the receipt in the audit log \
         (or pass --raw-envelope to open the envelope anyway, with none of those checks)",
        describe(args.input.as_deref())
    )))
}

fn inspect_cmd(args: &InspectArgs) -> Result<(), Failure> {
    let input = args.input.as_deref();
    let envelope = read_envelope(input)?;
    let inspection = inspect(&envelope).map_err(|e| open_failure(input, &e))?;
    // Said on standard error, so that standard output stays the JSON alone.
    eprintln!(
        "unverified: this is what the envelope claims about itself; nothing here has been checked (use `liaison open` to verify the sender and the contents)"
    );
    let mut json = serde_json::to_string_pretty(&inspection)
        .map_err(|e| Failure::unusable(format!("cannot print the inspection: {e}")))?;
    json.push('\n');
    write_output(None, json.as_bytes())
}

//! `liaison record`: validate records, print the record schema, the RFC 8785
//! canonical form and digest of a JSON document, and read machine-readable
//! zones.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use liaison_record::{Entity, Record, canonicalize, mrz, records_from_json, sha256};
use serde::Serialize;

use crate::output::{Failure, count, describe, read_input, write_output};

/// Validate records; print the schema, canonical forms, digests and MRZs.
#[derive(Debug, Args)]
pub(crate) struct RecordArgs {
    #[command(subcommand)]
    command: RecordCommand,
}

#[derive(Debug, Subcommand)]
enum RecordCommand {
    /// Check record files (one record, or a JSON array of records, each)
    /// and list every problem found, with its JSON pointer. Sample records
    /// to start from: `examples/records/` in the source tree.
    Validate {
        /// The record files (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema (2020-12) of a record.
    Schema {
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print the RFC 8785 canonical form of any JSON document, with no
    /// trailing newline.
    Canonical {
        /// The document (`-` for standard input).
        file: PathBuf,
        /// Read the document as a record (validated) and print the
        /// record's canonical form: RFC 8785 of the record as this library
        /// writes it (timestamps, defaults and empty lists in one spelling),
        /// the bytes a parcel carries.
        #[arg(long)]
        record: bool,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print the SHA-256 of the RFC 8785 canonical form of a JSON document,
    /// in lowercase hex.
    Digest {
        /// The document (`-` for standard input).
        file: PathBuf,
        /// Read the document as a record (validated) and print the
        /// record's digest: of the record's canonical form (see `canonical
        /// --record`), the digest a parcel's label and the audit logs name.
        #[arg(long)]
        record: bool,
    },
    /// Read an ICAO 9303 machine-readable zone (TD1, TD2, TD3, MRV-A,
    /// MRV-B) and print it, the travel document and its holder as JSON.
    Mrz {
        /// The file holding the zone's lines; standard input when absent.
        file: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Runs `liaison record …`.
pub(crate) fn run(args: RecordArgs) -> Result<(), Failure> {
    match args.command {
        RecordCommand::Validate { files } => validate(&files),
        RecordCommand::Schema { output } => schema(output.as_deref()),
        RecordCommand::Canonical {
            file,
            record,
            output,
        } => canonical(&file, record, output.as_deref()),
        RecordCommand::Digest { file, record } => digest(&file, record),
        RecordCommand::Mrz { file, output } => read_mrz(file.as_deref(), output.as_deref()),
    }
}

fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut problems = Vec::new();
    let mut report = String::new();
    for path in files {
        let name = describe(Some(path));
        let bytes = match read_input(Some(path)) {
            Ok(bytes) => bytes,
            Err(Failure::Unusable(lines) | Failure::Refused(lines)) => {
                problems.extend(lines);
                continue;
            }
        };
        // Not JSON at all: the strict reader's message, which gives the
        // position as every command does and names a byte order mark.
        if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err()
            && let Err(e) = canonicalize(&bytes)
        {
            problems.push(format!("{name}: {e}"));
            continue;
        }
        let is_array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        let parsed = if is_array {
            records_from_json(&bytes).map(|records| records.len())
        } else {
            Record::from_json(&bytes).map(|_| 1)
        };
        match parsed {
            Ok(1) if !is_array => report.push_str(&format!("{name}: valid record\n")),
            Ok(n) => report.push_str(&format!(
                "{name}: {}\n",
                count(n, "valid record", "valid records")
            )),
            Err(e) => problems.extend(e.problems().iter().map(|p| format!("{name}: {p}"))),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::Unusable(problems));
    }
    write_output(None, report.as_bytes())
}

fn schema(output: Option<&Path>) -> Result<(), Failure> {
    let mut json = serde_json::to_vec_pretty(&liaison_record::json_schema())
        .map_err(|e| Failure::unusable(format!("cannot write the schema: {e}")))?;
    json.push(b'\n');
    write_output(output, &json)
}

/// The canonical form of the document at `path`: of the record it holds
/// when `record`, else of the JSON as it is.
fn canonical_of(path: &Path, record: bool) -> Result<Vec<u8>, Failure> {
    let bytes = read_input(Some(path))?;
    let shown = describe(Some(path));
    if record {
        let record = Record::from_json(&bytes)
            .map_err(|e| Failure::unusable(format!("{shown}: not a valid record: {e}")))?;
        return Ok(record.canonical_json());
    }
    canonicalize(&bytes).map_err(|e| Failure::unusable(format!("{shown}: {e}")))
}

fn canonical(path: &Path, record: bool, output: Option<&Path>) -> Result<(), Failure> {
    let canonical = canonical_of(path, record)?;
    write_output(output, &canonical)
}

fn digest(path: &Path, record: bool) -> Result<(), Failure> {
    let canonical = canonical_of(path, record)?;
    write_output(None, format!("{}\n", sha256(&canonical)).as_bytes())
}

/// What `liaison record mrz` prints.
#[derive(Serialize)]
struct MrzReport {
    /// The zone, field by field.
    mrz: mrz::Mrz,
    /// The travel document, as a record entity.
    document: Entity,
    /// Its holder, as a record entity.
    holder: Entity,
}

fn read_mrz(path: Option<&Path>, output: Option<&Path>) -> Result<(), Failure> {
    let name = describe(path);
    let bytes = read_input(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        Failure::unusable(format!(
            "{name}: not UTF-8 text at byte {}: expected the zone's lines as printed",
            e.valid_up_to()
        ))
    })?;
    let zone = mrz::parse(text).map_err(|e| Failure::unusable(format!("{name}: {e}")))?;
    let report = MrzReport {
        document: Entity::TravelDocument(zone.travel_document()),
        holder: Entity::Person(zone.holder()),
        mrz: zone,
    };
    let mut json = serde_json::to_vec_pretty(&report)
        .map_err(|e| Failure::unusable(format!("cannot write the zone: {e}")))?;
    json.push(b'\n');
    write_output(output, &json)
}

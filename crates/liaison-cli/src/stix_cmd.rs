//! `liaison stix`: import STIX 2.1 bundles as records, export records as a
//! STIX 2.1 bundle.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use liaison_record::{AgencyId, Record, records_from_json};
use liaison_stix::{ExportOptions, ImportOptions, export_bundle, import_bundle};

use crate::output::{Failure, describe, read_input, write_output};

/// Convert between STIX 2.1 bundles and records.
#[derive(Debug, Args)]
pub(crate) struct StixArgs {
    #[command(subcommand)]
    command: StixCommand,
}

#[derive(Debug, Subcommand)]
enum StixCommand {
    /// Read STIX 2.1 objects and print their records as a JSON array. The
    /// input is a bundle, a TAXII 2.1 envelope (`{"objects": [...]}`), an
    /// array of objects or one object (a sample bundle:
    /// `examples/records/stix-bundle.json`). Give the originator with
    /// `--originator` or `--originators`: records left with `XXX-STIX`
    /// cannot be shared.
    Import {
        /// Import what can be used and list what was left out on standard
        /// error, instead of failing.
        #[arg(long)]
        lenient: bool,
        /// The agency id of the records' originator, such as `NLD-NCSC`,
        /// for every identity without an entry in `--originators` (and for
        /// objects without `created_by_ref`).
        #[arg(long, value_name = "AGENCY", value_parser = parse_agency)]
        originator: Option<AgencyId>,
        /// A JSON file mapping STIX identity ids to agency ids, for inputs
        /// with several identities: `{"identity--…": "NLD-NCSC", …}`.
        #[arg(long, value_name = "FILE")]
        originators: Option<PathBuf>,
        /// The STIX input (`-` for standard input).
        bundle: PathBuf,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Read records (files of one record or of a JSON array of records) and
    /// print one STIX 2.1 bundle.
    Export {
        /// The record files (`-` for standard input).
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Runs `liaison stix …`.
pub(crate) fn run(args: StixArgs) -> Result<(), Failure> {
    match args.command {
        StixCommand::Import {
            lenient,
            originator,
            originators,
            bundle,
            output,
        } => {
            let mut options = if lenient {
                ImportOptions::lenient()
            } else {
                ImportOptions::default()
            };
            if let Some(agency) = originator {
                options.default_originator = agency;
            }
            if let Some(path) = &originators {
                options.originators = read_originators(path)?;
            }
            import(&options, &bundle, output.as_deref())
        }
        StixCommand::Export { records, output } => export(&records, output.as_deref()),
    }
}

fn parse_agency(text: &str) -> Result<AgencyId, String> {
    text.parse()
        .map_err(|e: liaison_record::ParseError| e.to_string())
}

/// Reads `--originators`: a JSON object from identity ids to agency ids.
fn read_originators(path: &std::path::Path) -> Result<BTreeMap<String, AgencyId>, Failure> {
    let bytes = read_input(Some(path))?;
    let name = describe(Some(path));
    let map: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::unusable(format!(
            "{name}: line {}, column {}: expected a JSON object from identity ids to agency ids, such as `{{\"identity--…\": \"NLD-NCSC\"}}`",
            e.line(),
            e.column()
        ))
    })?;
    let mut originators = BTreeMap::new();
    let mut problems = Vec::new();
    for (identity, agency) in map {
        if !identity.starts_with("identity--") {
            problems.push(format!(
                "{name}: `{identity}` is not a STIX identity id (`identity--` and a UUID)"
            ));
            continue;
        }
        match agency.parse::<AgencyId>() {
            Ok(id) => {
                originators.insert(identity, id);
            }
            Err(e) => problems.push(format!("{name}: `{identity}`: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(originators)
    } else {
        Err(Failure::Unusable(problems))
    }
}

fn import(
    options: &ImportOptions,
    bundle: &std::path::Path,
    output: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let bytes = read_input(Some(bundle))?;
    let name = describe(Some(bundle));
    let import = import_bundle(&bytes, options).map_err(|e| {
        Failure::Unusable(
            e.problems()
                .iter()
                .map(|p| format!("{name}: {p}"))
                .collect(),
        )
    })?;
    let mut json = serde_json::to_vec_pretty(&import.records)
        .map_err(|e| Failure::unusable(format!("cannot write the records: {e}")))?;
    json.push(b'\n');
    write_output(output, &json)?;
    for p in &import.skipped {
        eprintln!("skipped: {name}: {p}");
    }
    Ok(())
}

fn export(paths: &[PathBuf], output: Option<&std::path::Path>) -> Result<(), Failure> {
    let mut records: Vec<Record> = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let bytes = read_input(Some(path))?;
        let name = describe(Some(path));
        let parsed = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            records_from_json(&bytes)
        } else {
            Record::from_json(&bytes).map(|r| vec![r])
        };
        match parsed {
            Ok(rs) => records.extend(rs),
            Err(e) => problems.extend(e.problems().iter().map(|p| format!("{name}: {p}"))),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::Unusable(problems));
    }
    let bundle = export_bundle(&records, &ExportOptions::default())
        .map_err(|e| Failure::unusable(e.to_string()))?;
    let mut json = serde_json::to_vec_pretty(&bundle)
        .map_err(|e| Failure::unusable(format!("cannot write the bundle: {e}")))?;
    json.push(b'\n');
    write_output(output, &json)
}

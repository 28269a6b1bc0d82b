//! The `liaison` command: validate records, check agreements, seal and open
//! envelopes, share and receive.
//!
//! Exit codes, for every command: 0 success, 1 refused (a policy refusal, an
//! envelope that does not open), 2 unusable input or usage. On failure
//! nothing is written to standard output or to the `-o` file.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit_cmd;
mod envelope_cmd;
mod exchange_cmd;
mod match_cmd;
mod output;
mod policy_cmd;
mod record_cmd;
mod request_args;
mod stix_cmd;

use output::Failure;

/// Share intelligence records across borders.
#[derive(Debug, Parser)]
#[command(
    name = "liaison",
    version,
    about,
    propagate_version = true,
    after_help = "Sample records (a watchlist hit, a stolen document, an encounter, a cyber indicator set, a STIX bundle) are in `examples/records/` and sample agreements in `examples/agreements/` of the source tree."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate records; print the schema, canonical forms, digests and MRZs.
    Record(record_cmd::RecordArgs),
    /// Convert between STIX 2.1 bundles and records.
    Stix(stix_cmd::StixArgs),
    /// Check sharing agreements; decide, release or explain under them.
    Policy(policy_cmd::PolicyArgs),
    /// Hit/no-hit matching without disclosure: index, query, answer, finish.
    Match(match_cmd::MatchArgs),
    #[command(flatten)]
    Envelope(envelope_cmd::EnvelopeCommand),
    #[command(flatten)]
    Exchange(exchange_cmd::ExchangeCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result: Result<(), Failure> = match cli.command {
        Command::Record(args) => record_cmd::run(args),
        Command::Stix(args) => stix_cmd::run(args),
        Command::Policy(args) => policy_cmd::run(args),
        Command::Match(args) => match_cmd::run(args),
        Command::Envelope(command) => envelope_cmd::run(command),
        Command::Exchange(command) => exchange_cmd::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

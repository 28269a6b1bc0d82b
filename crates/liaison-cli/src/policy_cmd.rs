//! `liaison policy`: check sharing agreements, decide on a record, release
//! the redacted copy, explain a decision.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use liaison_policy::{
    Decision, Format, PolicySet, ReasonEffect, RequestContext, Severity, agreement_files,
    check_agreement, check_set, load_paths, redact,
};
use liaison_record::{AgencyId, Purpose, Record, Timestamp};

use crate::output::{Failure, count, read_input, write_output};
use crate::request_args::RequestArgs;

/// Check sharing agreements and decide, release or explain under them.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Load agreements, report every problem, and warn about clauses that
    /// can never apply, clauses that overlap with different effects and
    /// agreements out of force.
    Check {
        /// Agreement files (TOML or JSON) or folders of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check validity windows at this time (RFC 3339, UTC) instead of now.
        #[arg(long)]
        at: Option<Timestamp>,
    },
    /// Decide whether a record may go to a recipient for a purpose, and
    /// print the decision as JSON (exit 0 whatever the outcome).
    Decide(Request),
    /// Print the released copy of the record, or exit 1 with the reasons
    /// when the decision is deny or refer.
    Release {
        #[command(flatten)]
        request: Request,
        /// Write the copy to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Explain the decision in words: why, and what would have to change.
    Explain(Request),
}

/// What a decision is asked about.
#[derive(Debug, Args)]
struct Request {
    /// An agreement file or a folder of agreement files; may be repeated.
    #[arg(long = "agreements", required = true)]
    agreements: Vec<PathBuf>,
    /// The record (`-` for standard input).
    #[arg(long)]
    record: PathBuf,
    /// The recipient agency, such as `DEU-BPOL`.
    #[arg(long)]
    to: AgencyId,
    /// The purpose, such as `border-control`.
    #[arg(long)]
    purpose: Purpose,
    /// The evaluation time (RFC 3339, UTC); now when absent.
    #[arg(long)]
    at: Option<Timestamp>,
    #[command(flatten)]
    context: RequestArgs,
}

impl Request {
    fn context(&self) -> RequestContext {
        self.context.context()
    }
}

/// Runs `liaison policy …`.
pub(crate) fn run(args: PolicyArgs) -> Result<(), Failure> {
    match args.command {
        PolicyCommand::Check { files, at } => check(&files, at.unwrap_or_else(Timestamp::now)),
        PolicyCommand::Decide(request) => {
            let (_, _, decision) = decide(&request)?;
            let mut json = serde_json::to_vec_pretty(&decision)
                .map_err(|e| Failure::unusable(format!("cannot write the decision: {e}")))?;
            json.push(b'\n');
            write_output(None, &json)
        }
        PolicyCommand::Release { request, output } => {
            let (_, record, decision) = decide(&request)?;
            if !decision.outcome.releases() {
                return Err(Failure::Refused(refusal(&decision)));
            }
            let copy = redact(&record, &decision, &decision.from)
                .map_err(|e| Failure::unusable(e.to_string()))?;
            let mut json = copy.to_json();
            json.push(b'\n');
            write_output(output.as_deref(), &json)
        }
        PolicyCommand::Explain(request) => {
            let (policies, record, _) = decide(&request)?;
            let at = request.at.unwrap_or_else(Timestamp::now);
            let explanation = policies.explain_in_context(
                &record,
                &request.to,
                &request.purpose,
                at,
                &request.context(),
            );
            write_output(None, explanation.to_string().as_bytes())
        }
    }
}

fn check(paths: &[PathBuf], now: Timestamp) -> Result<(), Failure> {
    let files = agreement_files(paths).map_err(|e| problems(e.problems()))?;
    let mut errors = Vec::new();
    let mut report = String::new();
    let (mut agreements, mut clauses, mut warnings) = (0usize, 0usize, 0usize);
    let mut loaded = Vec::new();
    for file in &files {
        let bytes = read_input(Some(file))?;
        let Ok(text) = String::from_utf8(bytes) else {
            errors.push(format!("{}: not UTF-8 text", file.display()));
            continue;
        };
        match check_agreement(
            &text,
            Format::from_path(file),
            &file.display().to_string(),
            now,
        ) {
            Ok((agreement, found)) => {
                agreements += 1;
                clauses += agreement.clauses.len();
                for w in found {
                    warnings += usize::from(w.severity == Severity::Warning);
                    report.push_str(&format!("{w}\n"));
                }
                loaded.push((agreement, file.display().to_string()));
            }
            Err(e) => errors.extend(e.problems().iter().map(ToString::to_string)),
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Unusable(errors));
    }
    let set: Vec<_> = loaded.iter().map(|(a, f)| (a, f.as_str())).collect();
    for w in check_set(&set, now) {
        if w.severity == Severity::Error {
            errors.push(w.to_string());
            continue;
        }
        warnings += usize::from(w.severity == Severity::Warning);
        report.push_str(&format!("{w}\n"));
    }
    // A set that deciding would refuse to load is no set at all.
    if !errors.is_empty() {
        eprint!("{report}");
        return Err(Failure::Unusable(errors));
    }
    // Warnings are diagnostics: standard error, beside errors, so that
    // standard output holds the summary alone.
    eprint!("{report}");
    let summary = format!(
        "{}, {}: ok, {}\n",
        count(agreements, "agreement", "agreements"),
        count(clauses, "clause", "clauses"),
        count(warnings, "warning", "warnings")
    );
    write_output(None, summary.as_bytes())
}

fn problems(p: &[liaison_policy::Problem]) -> Failure {
    Failure::Unusable(p.iter().map(ToString::to_string).collect())
}

fn decide(request: &Request) -> Result<(PolicySet, Record, Decision), Failure> {
    let agreements = load_paths(&request.agreements).map_err(|e| problems(e.problems()))?;
    let policies = PolicySet::new(agreements);
    let bytes = read_input(Some(&request.record))?;
    let record = Record::from_json(&bytes).map_err(|e| {
        Failure::Unusable(
            e.to_string()
                .lines()
                .map(|l| format!("record `{}`: {l}", request.record.display()))
                .collect(),
        )
    })?;
    let at = request.at.unwrap_or_else(Timestamp::now);
    let decision = policies.decide_in_context(
        &record,
        record.digest(),
        &request.to,
        &request.purpose,
        at,
        &request.context(),
    );
    Ok((policies, record, decision))
}

/// The reasons of a refusal or referral, one line each.
fn refusal(d: &Decision) -> Vec<String> {
    let verdict = match d.outcome {
        liaison_policy::Outcome::Refer => "referred to the originator",
        _ => "refused",
    };
    let mut lines = vec![format!(
        "release of record {} by `{}` to `{}` for `{}` {verdict} (decision {})",
        d.record_id, d.from, d.to, d.purpose, d.id
    )];
    lines.extend(
        d.reasons
            .iter()
            .filter(|r| matches!(r.effect, ReasonEffect::Deny | ReasonEffect::Refer))
            .map(|r| match (&r.agreement, &r.clause) {
                (Some(a), Some(c)) => format!("agreement `{a}`, clause `{c}`: {}", r.message),
                (Some(a), None) => format!("agreement `{a}`: {}", r.message),
                _ => r.message.clone(),
            }),
    );
    lines
}

//! `liaison policy`: check, decide, release and explain, run as a user would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn agreements() -> String {
    root().join("examples/agreements").display().to_string()
}

fn border_hit() -> String {
    root()
        .join("crates/liaison-policy/tests/scenarios/records/border-hit.json")
        .display()
        .to_string()
}

fn liaison(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

const AT: &str = "2026-11-21T08:00:00Z";

fn request<'a>(
    sub: &'a str,
    to: &'a str,
    purpose: &'a str,
    a: &'a str,
    r: &'a str,
) -> Vec<&'a str> {
    vec![
        "policy",
        sub,
        "--agreements",
        a,
        "--record",
        r,
        "--to",
        to,
        "--purpose",
        purpose,
        "--at",
        AT,
    ]
}

#[test]
fn check_accepts_the_examples_without_a_warning() {
    let out = liaison(&[
        "policy",
        "check",
        &agreements(),
        "--at",
        "2026-06-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The folder is read with its sub-folders `eu-cooperation/` and
    // `liaison-office/` (two versions of one agreement, version 2 not yet
    // in force on that day).
    assert_eq!(
        text(&out.stdout),
        "7 agreements, 25 clauses: ok, 1 warning\n"
    );
    // Every overlap of the shipped agreements is declared in `overrides`:
    // the one warning is the version's start.
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("warning: the agreement is not in force before"));
    // The versions example: every overlap declared too, and version 2 not
    // yet in force on that day, as its comments say.
    let office = format!("{}/liaison-office", agreements());
    let out = liaison(&["policy", "check", &office, "--at", "2026-06-01T00:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "2 agreements, 8 clauses: ok, 1 warning\n"
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.ends_with("nld-kmar.bel-fpp.liaison.v2.toml, line 12, column 14 at `/valid_from`: warning: the agreement is not in force before 2026-07-01T00:00:00.000Z\n"),
        "{stderr}"
    );
}

#[test]
fn check_warns_on_standard_error_about_an_undeclared_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ncsc.toml");
    let shipped =
        std::fs::read_to_string(root().join("examples/agreements/nld-ncsc.cyber-community.toml"))
            .unwrap();
    let undeclared = shipped.replace(
        "overrides = [\"clear-and-green\", \"amber\", \"red-goes-to-a-person\"]",
        "overrides = [\"clear-and-green\", \"red-goes-to-a-person\"]",
    );
    assert_ne!(undeclared, shipped);
    std::fs::write(&file, undeclared).unwrap();
    let out = liaison(&[
        "policy",
        "check",
        file.to_str().unwrap(),
        "--at",
        "2026-06-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1 agreement, 4 clauses: ok, 1 warning\n");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(", column 1 at `/clause/3` (clause `no-personal-records`): warning: clauses `amber` (release) and `no-personal-records` (deny) can both apply to the same request; where both do, `deny` wins; if that is meant, write `overrides = [\"amber\"]` in clause `no-personal-records`"),
        "{stderr}"
    );
}

#[test]
fn check_reports_every_problem_with_line_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "id = \"a.b\"\nversion = 1\nprovider = \"NLD-KMAR\"\nrecipients = [\"DEU-BPOL\"]\n\
         valid_from = 2026-01-01T00:00:00Z\nlegal_basis = \"x\"\npurposes = [\"border-control\"]\n\
         max_classification = \"restricted\"\n[[clause]]\nid = \"c\"\neffect = \"relase\"\n\
         [clause.release]\nclasses = [\"identity\"]\nwithold = [\"/source\"]\n",
    )
    .unwrap();
    let out = liaison(&["policy", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.toml, line 11, column 10 at `/clause/0/effect` (clause `c`): unknown effect `relase`; did you mean `release`?"), "{stderr}");
    assert!(stderr.contains("bad.toml, line 14, column 1 at `/clause/0/release/withold` (clause `c`): unknown key `withold`; did you mean `withhold`?"), "{stderr}");
}

#[test]
fn decide_prints_the_decision_whatever_the_outcome() {
    let (a, r) = (agreements(), border_hit());
    let out = liaison(&request("decide", "DEU-BPOL", "border-control", &a, &r));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["outcome"], "partial-release");
    assert_eq!(d["from"], "NLD-KMAR");
    // The place of birth, the biometric, its link, the narrative and the
    // internal extension; with the place of birth kept back, the
    // encounter's extension and the source's description too.
    assert_eq!(d["withheld"].as_array().unwrap().len(), 7);
    assert_eq!(d["obligations"]["onward"]["rule"], "forbidden");

    let out = liaison(&request("decide", "FRA-PAF", "border-control", &a, &r));
    assert_eq!(out.status.code(), Some(0));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["outcome"], "deny");
}

#[test]
fn release_prints_the_redacted_copy() {
    let (a, r) = (agreements(), border_hit());
    let out = liaison(&request("release", "DEU-BPOL", "border-control", &a, &r));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let copy = liaison_record::Record::from_json(&out.stdout).unwrap();
    let json = text(&out.stdout);
    assert!(!json.contains("Rotterdam"), "place of birth withheld");
    assert!(!json.contains("KMAR-7731"), "internal extension withheld");
    assert!(!json.contains("bio.kmar.example.nl"), "biometric withheld");
    assert_eq!(copy.provenance.len(), 1);
    assert_eq!(copy.provenance[0].to.as_str(), "DEU-BPOL");
    assert!(
        copy.provenance[0]
            .withheld
            .contains(&"/entities/2".to_owned())
    );
}

#[test]
fn release_refuses_with_reasons_on_stderr() {
    let (a, r) = (agreements(), border_hit());
    let out = liaison(&request("release", "FRA-PAF", "border-control", &a, &r));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(
        stderr.contains("no agreement lets `NLD-KMAR` release to `FRA-PAF` for `border-control`"),
        "{stderr}"
    );
}

#[test]
fn explain_says_what_would_have_to_change() {
    let (a, r) = (agreements(), border_hit());
    let out = liaison(&request("explain", "DEU-BPOL", "counter-terrorism", &a, &r));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("may not be released"), "{stdout}");
    assert!(
        stdout.contains(
            "  - for the purpose `border-control` instead (agreement `nld-kmar.deu-bpol.border-security` version 2, clause `persons-at-the-border` would apply): it could be released with 7 fields withheld, transformed by `neutral-source`\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("for the purpose `criminal-investigation` instead"),
        "{stdout}"
    );
    let out = liaison(&request("explain", "DEU-BPOL", "border-control", &a, &r));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("may be released in part"), "{stdout}");
    assert!(
        stdout.contains(
            "  - agreement `nld-kmar.deu-bpol.border-security` version 2, clause `persons-at-the-border`: without the `withhold` entry `/entities/*/place_of_birth`, which withholds `/entities/0/place_of_birth`, `/entities/5/extensions/nld-kmar.case`, `/source/description`: it could be released with 4 fields withheld, transformed by `neutral-source`\n"
        ),
        "{stdout}"
    );
    // The clause lets identity fields go already: no advice to list them.
    assert!(!stdout.contains("class `identity`"), "{stdout}");
}

#[test]
fn unusable_input_exits_2() {
    let (a, r) = (agreements(), border_hit());
    let out = liaison(&request("decide", "deu-bpol", "border-control", &a, &r));
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("record.json");
    std::fs::write(&bad, b"{\"schema_version\": \"1.0\"}").unwrap();
    let out = liaison(&request(
        "decide",
        "DEU-BPOL",
        "border-control",
        &a,
        bad.to_str().unwrap(),
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("record `"));
    let out = liaison(&request(
        "decide",
        "DEU-BPOL",
        "border-control",
        "/nonexistent/agreements",
        &r,
    ));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_decision_on_request_carries_the_request_and_its_deadline() {
    let scenarios = root().join("crates/liaison-policy/tests/scenarios");
    let agreement = scenarios
        .join("agreements/test.requests.toml")
        .display()
        .to_string();
    let record = scenarios
        .join("records/stolen-document.json")
        .display()
        .to_string();
    let mut args = request("decide", "DEU-BPOL", "border-control", &agreement, &record);
    // Spontaneously, the agreement lets nothing go.
    let out = liaison(&args);
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["outcome"], "deny", "{d}");
    assert!(d.get("respond_by").is_none());
    args.extend([
        "--on-request",
        "--urgency",
        "urgent",
        "--received-at",
        "2026-11-21T07:00:00Z",
        "--case-reference",
        "DEU-BPOL-2026-4471",
    ]);
    let out = liaison(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["outcome"], "partial-release", "{d}");
    assert_eq!(d["respond_by"], "2026-11-21T15:00:00.000Z");
    assert_eq!(d["request"]["case_reference"], "DEU-BPOL-2026-4471");
    // Explained in the same context, the release needs no change.
    args[1] = "explain";
    let out = liaison(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("may be released in part"), "{said}");
    assert!(!said.contains("request_kinds"), "{said}");
    // An urgency belongs to a request.
    let out = liaison(&[
        "policy",
        "decide",
        "--agreements",
        &agreement,
        "--record",
        &record,
        "--to",
        "DEU-BPOL",
        "--purpose",
        "border-control",
        "--urgency",
        "urgent",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--on-request"));
}

#[test]
fn conflicting_versions_make_check_fail() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        root().join("crates/liaison-policy/tests/scenarios/agreements/test.requests.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("a.toml"), &base).unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        base.replace(
            "legal_basis = \"Framework",
            "legal_basis = \"Another framework",
        ),
    )
    .unwrap();
    let out = liaison(&["policy", "check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("with other contents"));
}

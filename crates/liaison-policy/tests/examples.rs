//! Every agreement in `examples/agreements/` loads, and `check` says only
//! what is expected about it.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::path::PathBuf;

use liaison_policy::{Format, PolicySet, Severity, check_agreement, check_set, load_paths};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/agreements")
}

#[test]
fn all_examples_load_from_the_folder() {
    let agreements = load_paths(&[examples()]).unwrap();
    let mut ids: Vec<&str> = agreements.iter().map(|a| a.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            // in the sub-folder `eu-cooperation/`
            "bel-fpp.eu.border-cooperation",
            "deu-bpol.pol-sg.alerts",
            // versions 1 and 2, in the sub-folder `liaison-office/`: a
            // folder's sub-folders are read too
            "nld-kmar.bel-fpp.liaison",
            "nld-kmar.bel-fpp.liaison",
            "nld-kmar.deu-bpol.border-security",
            "nld-ncsc.cyber-community",
            "nld-nctv.ctg.counter-terrorism"
        ]
    );
    let office = load_paths(&[examples().join("liaison-office")]).unwrap();
    let office_clauses: usize = office.iter().map(|a| a.clauses.len()).sum();
    let set = PolicySet::new(agreements);
    assert_eq!(set.clause_count(), 5 + 4 + 4 + 2 + office_clauses + 2);
}

/// The warnings `check` gives about every shipped agreement file (the
/// folder and its sub-folders), as `file: message`, after `edit` of its text.
fn warnings(edit: impl Fn(&str) -> String) -> Vec<String> {
    let now = "2026-06-01T00:00:00Z".parse().unwrap();
    let mut all = Vec::new();
    let mut folders = vec![examples()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let text = edit(&std::fs::read_to_string(&path).unwrap());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let (_, warnings) =
                check_agreement(&text, Format::from_path(&path), &name, now).unwrap();
            assert!(warnings.iter().all(|w| w.severity == Severity::Warning));
            all.extend(
                warnings
                    .iter()
                    .map(|w| format!("{}: {}", w.file, w.message)),
            );
        }
    }
    all.sort();
    all
}

#[test]
fn examples_check_without_a_warning() {
    // Every overlap of the shipped agreements is declared (`overrides`) and
    // explained in a comment or the clause's description. What is left is
    // the versions example in `liaison-office/`: version 2 replaces version
    // 1 from 2026-07-01, as its comments say.
    assert_eq!(
        warnings(str::to_owned),
        [
            "nld-kmar.bel-fpp.liaison.v2.toml: the agreement is not in force before 2026-07-01T00:00:00.000Z"
        ]
    );
}

#[test]
fn without_their_declarations_the_examples_overlaps_warn() {
    let undeclared = warnings(|text| {
        text.lines()
            .filter(|l| {
                let l = l.trim_start();
                !l.starts_with("overrides =") && !l.starts_with("\"overrides\":")
            })
            .map(|l| {
                // The JSON clause's `overrides` follows its `effect`.
                l.strip_suffix("\"effect\": \"refer\",")
                    .map_or(l.to_owned(), |s| format!("{s}\"effect\": \"refer\""))
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let (office, overlaps): (Vec<&String>, Vec<&String>) = undeclared
        .iter()
        .filter(|w| w.contains("can both apply"))
        .partition(|w| w.starts_with("nld-kmar.bel-fpp.liaison"));
    assert_eq!(office.len(), 12, "{office:#?}");
    assert_eq!(
        overlaps,
        [
            "deu-bpol.pol-sg.alerts.json: clauses `alerts-and-documents` (release) and `no-biometrics` (refer) can both apply to the same request; where both do, `refer` wins",
            "nld-kmar.deu-bpol.border-security.toml: clauses `no-biometric-only-records` (deny) and `old-records-need-review` (refer) can both apply to the same request; where both do, `deny` wins",
            "nld-kmar.deu-bpol.border-security.toml: clauses `persons-for-investigation` (release) and `old-records-need-review` (refer) can both apply to the same request; where both do, `refer` wins",
            "nld-kmar.deu-bpol.border-security.toml: clauses `stolen-and-lost-documents` (release) and `old-records-need-review` (refer) can both apply to the same request; where both do, `refer` wins",
            "nld-ncsc.cyber-community.toml: clauses `amber` (release) and `no-personal-records` (deny) can both apply to the same request; where both do, `deny` wins",
            "nld-ncsc.cyber-community.toml: clauses `clear-and-green` (release) and `no-personal-records` (deny) can both apply to the same request; where both do, `deny` wins",
            "nld-ncsc.cyber-community.toml: clauses `red-goes-to-a-person` (refer) and `no-personal-records` (deny) can both apply to the same request; where both do, `deny` wins",
            "nld-nctv.ctg.counter-terrorism.toml: clauses `secret-goes-to-a-person` (refer) and `national-only` (deny) can both apply to the same request; where both do, `deny` wins",
            "nld-nctv.ctg.counter-terrorism.toml: clauses `subjects-of-interest` (release) and `national-only` (deny) can both apply to the same request; where both do, `deny` wins",
            "nld-nctv.ctg.counter-terrorism.toml: clauses `threats-and-indicators` (release) and `national-only` (deny) can both apply to the same request; where both do, `deny` wins",
        ]
    );
}

#[test]
fn every_declared_overlap_is_explained_beside_its_clause() {
    // A TOML clause with `overrides` has a comment just above it that says
    // `Intended overlap`; JSON has no comments, so its description says it.
    let mut declared = 0;
    let mut folders = vec![examples()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let agreement =
                liaison_policy::parse_agreement(&text, Format::from_path(&path), "x").unwrap();
            for c in agreement.clauses.iter().filter(|c| !c.overrides.is_empty()) {
                declared += 1;
                let explained = match Format::from_path(&path) {
                    Format::Json => c
                        .description
                        .as_deref()
                        .is_some_and(|d| d.contains("Intended overlap")),
                    _ => {
                        let at = text.find(&format!("id = \"{}\"", c.id)).unwrap();
                        let before = &text[..at];
                        let clause = before.rfind("[[clause]]").unwrap();
                        let comment: Vec<&str> = before[..clause]
                            .lines()
                            .rev()
                            .take_while(|l| l.starts_with('#'))
                            .collect();
                        comment.iter().any(|l| l.contains("Intended overlap"))
                    }
                };
                assert!(
                    explained,
                    "{}: clause `{}` declares `overrides` without saying why",
                    path.display(),
                    c.id
                );
            }
        }
    }
    assert!(declared >= 5, "{declared}");
}

#[test]
fn toml_and_json_forms_are_the_same_model() {
    for a in load_paths(&[examples()]).unwrap() {
        let json = serde_json::to_string_pretty(&a).unwrap();
        let back = liaison_policy::parse_agreement(&json, Format::Json, "round-trip.json").unwrap();
        assert_eq!(a, back);
    }
}

#[test]
fn the_annotated_example_of_the_reference_loads() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/agreements.md"),
    )
    .unwrap();
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let a =
        liaison_policy::parse_agreement(&doc[start..end], Format::Toml, "agreements.md").unwrap();
    assert_eq!(a.clauses.len(), 3);
}

#[test]
fn the_liaison_office_versions_check_together() {
    let folder = examples().join("liaison-office");
    let agreements = load_paths(std::slice::from_ref(&folder)).unwrap();
    assert_eq!(agreements.len(), 2);
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, warnings) = check_agreement(
            &text,
            Format::from_path(&path),
            "x",
            "2026-06-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
        // The version 2 clauses overlap as meant: refer and deny win.
        assert!(
            messages
                .iter()
                .all(|m| m.contains("can both apply") || m.contains("not in force before")),
            "{messages:#?}"
        );
    }
    let named: Vec<(&liaison_policy::Agreement, &str)> =
        agreements.iter().map(|a| (a, "f")).collect();
    assert!(check_set(&named, "2026-06-01T00:00:00Z".parse().unwrap()).is_empty());
    let later = check_set(&named, "2026-08-01T00:00:00Z".parse().unwrap());
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(
        later[0]
            .message
            .contains("version 1 of `nld-kmar.bel-fpp.liaison` is superseded by version 2"),
        "{later:?}"
    );
}

#[test]
fn check_set_names_overlapping_and_conflicting_versions() {
    let folder = examples().join("liaison-office");
    let mut agreements = load_paths(&[folder]).unwrap();
    // Version 1 running past version 2's start overlaps it.
    agreements[0].valid_until = Some("2027-01-01T00:00:00Z".parse().unwrap());
    let mut twin = agreements[1].clone();
    twin.title = Some("another text".to_owned());
    agreements.push(twin);
    let named: Vec<(&liaison_policy::Agreement, &str)> =
        agreements.iter().map(|a| (a, "f")).collect();
    let w: Vec<String> = check_set(&named, "2026-06-01T00:00:00Z".parse().unwrap())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(w.iter().any(|m| m.contains("overlaps version 2")), "{w:#?}");
    assert!(
        w.iter()
            .any(|m| m.contains("with other contents; nothing is released under either")),
        "{w:#?}"
    );
}

#[test]
fn two_different_agreements_with_one_version_release_nothing() {
    let folder = examples().join("liaison-office");
    let mut agreements = load_paths(&[folder]).unwrap();
    let record = liaison_record::Record::from_json(
        &std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/scenarios/records/stolen-document.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (to, purpose, at) = (
        "BEL-FPP".parse().unwrap(),
        "border-control".parse().unwrap(),
        "2026-10-05T10:00:00.000Z".parse().unwrap(),
    );
    let one = PolicySet::new(agreements.clone()).decide(&record, &to, &purpose, at);
    assert!(one.outcome.releases(), "{:#?}", one.reasons);
    let mut twin = agreements[1].clone();
    twin.title = Some("another text under the same version".to_owned());
    agreements.push(twin);
    let two = PolicySet::new(agreements).decide(&record, &to, &purpose, at);
    assert_eq!(two.outcome, liaison_policy::Outcome::Deny);
    assert!(
        two.reasons
            .iter()
            .any(|r| r.message.contains("two different agreements are given as")),
        "{:#?}",
        two.reasons
    );
}

//! What a newcomer meets first: the README's commands, the files it names,
//! the sample records, and a first build that compiles no bench baseline.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn liaison(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

#[test]
fn every_command_the_readme_names_has_help() {
    let readme = readme();
    let mut commands: Vec<Vec<String>> = Vec::new();
    // The command table: `liaison record validate\|schema\|...`.
    for line in readme.lines().filter(|l| l.starts_with("| `liaison ")) {
        for cell in line.split('`').skip(1).step_by(2) {
            let words: Vec<&str> = cell.split_whitespace().collect();
            let Some((last, group)) = words.split_last() else {
                continue;
            };
            if words.first() != Some(&"liaison") {
                continue;
            }
            for alternative in last.split("\\|") {
                let mut command: Vec<String> =
                    group.iter().skip(1).map(|w| (*w).to_owned()).collect();
                command.push(alternative.to_owned());
                commands.push(command);
            }
        }
    }
    assert!(commands.len() >= 18, "{commands:?}");
    for command in &commands {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("--help");
        let out = liaison(&args);
        assert_eq!(out.status.code(), Some(0), "liaison {args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: liaison"));
    }
    // The samples are named where a newcomer looks.
    let help = String::from_utf8_lossy(&liaison(&["--help"]).stdout).into_owned();
    assert!(help.contains("examples/records/"), "{help}");
    let help =
        String::from_utf8_lossy(&liaison(&["record", "validate", "--help"]).stdout).into_owned();
    assert!(help.contains("examples/records/"), "{help}");
}

#[test]
fn every_file_the_readme_names_exists() {
    let readme = readme();
    let mut named = Vec::new();
    // Links, `](path)`, and backticked paths into the tree.
    for part in readme.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        if !target.contains("://") {
            named.push(target.to_owned());
        }
    }
    for cell in readme.split('`').skip(1).step_by(2) {
        let roots = [
            "examples/",
            "docs/",
            "crates/",
            "schemas/",
            "migrations/",
            "benches/",
            ".ci/",
        ];
        if roots.iter().any(|r| cell.starts_with(r)) && !cell.contains(' ') && !cell.contains('*') {
            named.push(cell.to_owned());
        }
    }
    for name in [
        "watchlist-hit.json",
        "stolen-document.json",
        "encounter.json",
        "cyber-indicators.json",
        "stix-bundle.json",
    ] {
        assert!(readme.contains(name), "{name}");
        named.push(format!("examples/records/{name}"));
    }
    assert!(named.len() > 15, "{named:?}");
    for name in &named {
        assert!(
            root().join(name).exists(),
            "the README names `{name}`, which is missing"
        );
    }
}

#[test]
fn every_sample_record_is_valid_and_the_stix_bundle_imports() {
    let folder = root().join("examples/records");
    let mut records: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "stix-bundle.json")
        .collect();
    records.sort();
    assert_eq!(records.len(), 4, "{records:?}");
    let mut args = vec!["record", "validate"];
    args.extend(records.iter().map(|p| p.to_str().unwrap()));
    let out = liaison(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches(": valid record\n")
            .count(),
        4
    );

    let out = liaison(&[
        "stix",
        "import",
        folder.join("stix-bundle.json").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The identity and the two indicators.
    assert_eq!(imported.as_array().unwrap().len(), 3);
}

/// The facade's examples build its dev-dependencies: none of them may be a
/// bench baseline, or the README's first command compiles `cedar-policy`,
/// `age` and `criterion` for nothing.
#[test]
fn the_examples_compile_no_bench_baseline() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let dev = manifest.split("[dev-dependencies]").nth(1).unwrap();
    let dev = dev.split("\n[").next().unwrap();
    for baseline in [
        "criterion",
        "age",
        "cedar-policy",
        "chacha20poly1305",
        "x25519-dalek",
        "ed25519-dalek",
        "getrandom",
    ] {
        assert!(
            !dev.lines().any(|l| l.starts_with(&format!("{baseline}."))
                || l.starts_with(&format!("{baseline} "))),
            "the facade's dev-dependencies hold `{baseline}`"
        );
    }
    assert!(!manifest.contains("[[bench]]"));
    // Every bench file is a bench of the bench package.
    let benches = std::fs::read_to_string(root().join("benches/Cargo.toml")).unwrap();
    for entry in std::fs::read_dir(root().join("benches")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let file = path.file_name().unwrap().to_str().unwrap();
            assert!(benches.contains(&format!("path = \"{file}\"")), "{file}");
        }
    }
}

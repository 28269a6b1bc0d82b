//! What the matching command tests share: two agencies' keys, partner
//! folders, records and an agreement with a match clause.
#![allow(dead_code, reason = "each test file uses a part of the shared set-up")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) const HELD: &str = r#"[{
  "schema_version": "1.0",
  "id": "7f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "2026-03-01T10:00:00.000Z",
  "modified": "2026-03-01T10:00:00.000Z",
  "marking": { "classification": "restricted", "tlp": "amber" },
  "entities": [
    { "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
      "document_type": "passport", "issuing_state": "NLD", "number": "SPECI2014",
      "status": "stolen" },
    { "kind": "conveyance", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a12",
      "conveyance_type": "vehicle", "identifier": "GV-123-B", "registration_state": "NLD" }
  ]
}]"#;

pub(crate) const ASKED: &str = r#"{
  "schema_version": "1.0",
  "id": "8f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10",
  "version": 1,
  "originator": "DEU-BPOL",
  "created": "2026-03-02T08:00:00.000Z",
  "modified": "2026-03-02T08:00:00.000Z",
  "marking": { "classification": "restricted", "tlp": "amber" },
  "entities": [
    { "kind": "travel-document", "id": "1b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
      "document_type": "passport", "issuing_state": "NLD", "number": "SPECI 2O14",
      "status": "unknown" },
    { "kind": "travel-document", "id": "2b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
      "document_type": "passport", "issuing_state": "NLD", "number": "XR1234567",
      "status": "unknown" }
  ]
}"#;

pub(crate) const AGREEMENT: &str = r#"
id = "nld-kmar.deu-bpol.matching"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Decision 2008/615/JHA"
purposes = ["border-control", "criminal-investigation"]
max_classification = "restricted"

[[clause]]
id = "documents"
effect = "release"
[clause.release]
classes = ["travel-document"]

[[match]]
id = "documents-for-border-control"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["travel-document", "vehicle"]
reveal_reference = true
budget = { per_day = 10, per_batch = 5 }
[match.obligations]
retention_days = 30
"#;

pub(crate) const AT: &str = "2026-03-02T09:00:00Z";

pub(crate) fn liaison(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .output()
        .unwrap()
}

pub(crate) fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub(crate) struct Setup {
    pub(crate) dir: tempfile::TempDir,
}

impl Setup {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup { dir };
        for agency in ["NLD-KMAR", "DEU-BPOL"] {
            ok(&liaison(&[
                "keygen",
                "--agency",
                agency,
                "--out",
                s(&setup.path(agency)),
                "--not-before",
                "2026-01-01T00:00:00Z",
                "--not-after",
                "2027-01-01T00:00:00Z",
            ]));
        }
        for (agency, partner) in [("NLD-KMAR", "DEU-BPOL"), ("DEU-BPOL", "NLD-KMAR")] {
            let folder = setup.path(&format!("{agency}.partners"));
            fs::create_dir_all(&folder).unwrap();
            let card = setup.path(partner).join(format!("{partner}.card.json"));
            fs::copy(card, folder.join(format!("{partner}.card.json"))).unwrap();
        }
        fs::write(setup.path("held.json"), HELD).unwrap();
        fs::write(setup.path("asked.json"), ASKED).unwrap();
        fs::write(setup.path("agreement.toml"), AGREEMENT).unwrap();
        setup
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn agency(&self, agency: &str) -> Vec<String> {
        vec![
            "--identity".to_owned(),
            s(&self.path(agency).join(format!("{agency}.identity.json"))).to_owned(),
            "--directory".to_owned(),
            s(&self.path(&format!("{agency}.partners"))).to_owned(),
            "--at".to_owned(),
            AT.to_owned(),
        ]
    }

    pub(crate) fn run(&self, command: &str, agency: &str, rest: &[&str]) -> Output {
        let mut args = vec!["match".to_owned(), command.to_owned()];
        args.extend(self.agency(agency));
        args.extend(rest.iter().map(|a| (*a).to_owned()));
        liaison(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// The commands with the files of the set-up, each named relative to its
/// folder: the held records are indexed, the asked records queried about
/// for `border-control`, under the set-up's agreement.
impl Setup {
    fn p(&self, name: &str) -> String {
        s(&self.path(name)).to_owned()
    }

    /// `match index` of the held records by NLD-KMAR for DEU-BPOL.
    pub(crate) fn index(&self, key: &str, resolver: &str, output: &str) -> Output {
        let (key, resolver, output) = (self.p(key), self.p(resolver), self.p(output));
        let held = self.p("held.json");
        self.run(
            "index",
            "NLD-KMAR",
            &[
                "--key",
                &key,
                "--to",
                "DEU-BPOL",
                "--resolver",
                &resolver,
                "-o",
                &output,
                &held,
            ],
        )
    }

    /// `match query` by DEU-BPOL about the asked records.
    pub(crate) fn query(&self, index: &str, pending: &str, output: &str) -> Output {
        let (index, pending, output) = (self.p(index), self.p(pending), self.p(output));
        let asked = self.p("asked.json");
        self.run(
            "query",
            "DEU-BPOL",
            &[
                "--index",
                &index,
                "--purpose",
                "border-control",
                "--pending",
                &pending,
                "-o",
                &output,
                &asked,
            ],
        )
    }

    /// `match answer` by NLD-KMAR with the key `kmar.match-key` and the
    /// resolver `kmar.resolver` under the set-up's agreement; `output` is
    /// a path as given.
    pub(crate) fn answer(&self, ledger: &str, output: &str, query: &str) -> Output {
        self.answer_with("kmar.match-key", "kmar.resolver", ledger, output, query)
    }

    /// `match answer` by NLD-KMAR with the given key and resolver.
    pub(crate) fn answer_with(
        &self,
        key: &str,
        resolver: &str,
        ledger: &str,
        output: &str,
        query: &str,
    ) -> Output {
        let (key, resolver, agreement) = (self.p(key), self.p(resolver), self.p("agreement.toml"));
        let (ledger, query) = (self.p(ledger), self.p(query));
        self.run(
            "answer",
            "NLD-KMAR",
            &[
                "--key",
                &key,
                "--resolver",
                &resolver,
                "--agreements",
                &agreement,
                "--ledger",
                &ledger,
                "-o",
                output,
                &query,
            ],
        )
    }

    /// `match finish` by DEU-BPOL, to standard output.
    pub(crate) fn finish(&self, index: &str, pending: &str, answer: &str) -> Output {
        let (index, pending, answer) = (self.p(index), self.p(pending), self.p(answer));
        self.run(
            "finish",
            "DEU-BPOL",
            &["--index", &index, "--pending", &pending, &answer],
        )
    }
}

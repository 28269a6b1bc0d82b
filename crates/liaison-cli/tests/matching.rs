//! `liaison match index`, `query`, `answer` and `finish`, run as two
//! agencies would: keys from `liaison keygen`, partner folders of cards,
//! every message a sealed parcel in a file.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

mod matching_support;

use std::fs;
use std::process::Command;

use matching_support::*;

#[test]
fn two_agencies_match_through_files() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    ok(&t.index("kmar.match-key", "kmar.resolver", "index.parcel"));
    let key_mode = fs::metadata(t.path("kmar.match-key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key_mode.permissions().mode() & 0o777, 0o600);
    }
    ok(&t.query("index.parcel", "bpol.pending", "query.parcel"));
    let answer_args = |narrow: &[&str]| {
        let mut args = vec![
            "--key".to_owned(),
            p("kmar.match-key"),
            "--resolver".to_owned(),
            p("kmar.resolver"),
            "--agreements".to_owned(),
            p("agreement.toml"),
            "--ledger".to_owned(),
            p("kmar.ledger"),
            "-o".to_owned(),
            p("answer.parcel"),
        ];
        args.extend(narrow.iter().map(|a| (*a).to_owned()));
        args.push(p("query.parcel"));
        args
    };
    let answer = |narrow: &[&str]| {
        t.run(
            "answer",
            "NLD-KMAR",
            &answer_args(narrow)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
    };
    // Narrowed to one key a batch: refused (exit 1) with the reason, as
    // the operator's narrowing.
    let refused = answer(&["--per-batch", "1"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(
            "(match-limited): a batch of 2 keys is more than the 1 one batch may hold, under this answer's narrower limits"
        ),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!t.path("answer.parcel").exists());
    // Narrowed to another kind: refused too.
    let refused = answer(&["--allow-kind", "vehicle"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("match-limited"));
    // Wider options than the agreement do not widen it, and pass.
    ok(&answer(&[
        "--from",
        "DEU-BPOL",
        "--per-day",
        "1000",
        "--per-batch",
        "1000",
    ]));
    let out = t.run(
        "finish",
        "DEU-BPOL",
        &[
            "--index",
            &p("index.parcel"),
            "--pending",
            &p("bpol.pending"),
            &p("answer.parcel"),
        ],
    );
    ok(&out);
    let finished: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The clause's obligations come with the outcomes.
    assert_eq!(
        finished["obligations"],
        serde_json::json!([{
            "agreement": "nld-kmar.deu-bpol.matching",
            "clause": "documents-for-border-control",
            "rules": { "retention_days": 30 }
        }])
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("retention_days"));
    let outcomes = &finished["outcomes"];
    assert_eq!(outcomes[0]["kind"], "travel-document");
    assert_eq!(outcomes[0]["hit"], true);
    assert_eq!(outcomes[0]["reference"].as_str().unwrap().len(), 64);
    assert_eq!(outcomes[1]["hit"], false);

    // The holder resolves the reference the partner sends with its request.
    let reference = outcomes[0]["reference"].as_str().unwrap().to_owned();
    let resolve = |purpose: &str| {
        t.run(
            "resolve",
            "NLD-KMAR",
            &[
                "--agreements",
                &p("agreement.toml"),
                "--resolver",
                &p("kmar.resolver"),
                "--from",
                "DEU-BPOL",
                "--purpose",
                purpose,
                &reference,
            ],
        )
    };
    let out = resolve("border-control");
    ok(&out);
    let resolved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resolved[0]["reference"], reference.as_str());
    assert_eq!(
        resolved[0]["records"],
        serde_json::json!(["7f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10"])
    );
    // Not for a purpose the match clause does not name.
    let refused = resolve("criminal-investigation");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("reveals references"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // The holder's log: the refusals, the answer and the resolutions,
    // counts and kinds only.
    let log = fs::read_to_string(t.path("NLD-KMAR").join("NLD-KMAR.audit.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 5);
    assert_eq!(log.matches("match-limited").count(), 2);
    assert!(log.contains("obligation:retention_days"));
    assert!(log.contains("records:1"));
    assert!(log.contains("keys:travel-document=2"));
    assert!(!log.contains("SPECI") && !log.contains("XR123"));
}

#[test]
fn answers_run_at_once_never_spend_more_than_the_budget() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    ok(&t.index("kmar.match-key", "kmar.resolver", "index.parcel"));
    // Twelve queries of two keys each against a budget of ten a day: five
    // may be answered, however the answers interleave.
    for i in 0..12 {
        ok(&t.run(
            "query",
            "DEU-BPOL",
            &[
                "--index",
                &p("index.parcel"),
                "--purpose",
                "border-control",
                "--pending",
                &p(&format!("bpol{i}.pending")),
                "-o",
                &p(&format!("query{i}.parcel")),
                &p("asked.json"),
            ],
        ));
    }
    let children: Vec<_> = (0..12)
        .map(|i| {
            let mut args = t.agency("NLD-KMAR");
            args.splice(0..0, ["match".to_owned(), "answer".to_owned()]);
            args.extend(
                [
                    "--key",
                    &p("kmar.match-key"),
                    "--resolver",
                    &p("kmar.resolver"),
                    "--agreements",
                    &p("agreement.toml"),
                    "--ledger",
                    &p("kmar.ledger"),
                    "-o",
                    &p(&format!("answer{i}.parcel")),
                    &p(&format!("query{i}.parcel")),
                ]
                .map(str::to_owned),
            );
            Command::new(env!("CARGO_BIN_EXE_liaison"))
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect::<Vec<_>>();
    let answered = children
        .into_iter()
        .map(|mut c| c.wait().unwrap())
        .filter(|status| status.success())
        .count();
    assert_eq!(answered, 5);
}

#[test]
fn a_pending_query_is_finished_once_and_only_against_its_index() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    let index = |out: &str, records: &[&str]| {
        let mut args = vec![
            "--key".to_owned(),
            p("kmar.match-key"),
            "--to".to_owned(),
            "DEU-BPOL".to_owned(),
            "--resolver".to_owned(),
            p("kmar.resolver"),
            "-o".to_owned(),
            p(out),
        ];
        args.extend(records.iter().map(|r| p(r)));
        t.run(
            "index",
            "NLD-KMAR",
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    ok(&index("index.parcel", &["held.json"]));
    ok(&t.query("index.parcel", "bpol.pending", "query.parcel"));
    ok(&t.run(
        "answer",
        "NLD-KMAR",
        &[
            "--key",
            &p("kmar.match-key"),
            "--resolver",
            &p("kmar.resolver"),
            "--agreements",
            &p("agreement.toml"),
            "--ledger",
            &p("kmar.ledger"),
            "-o",
            &p("answer.parcel"),
            &p("query.parcel"),
        ],
    ));
    let finish = |index: &str| {
        t.run(
            "finish",
            "DEU-BPOL",
            &[
                "--index",
                &p(index),
                "--pending",
                &p("bpol.pending"),
                &p("answer.parcel"),
            ],
        )
    };
    // A newer index under the same key (one more record): refused.
    ok(&index("newer.parcel", &["held.json", "asked.json"]));
    let refused = finish("newer.parcel");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("the index changed since the query was made"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Against its own index it finishes, once.
    ok(&finish("index.parcel"));
    let pending = fs::read_to_string(t.path("bpol.pending")).unwrap();
    assert!(
        pending.starts_with("liaison-match finished query\nsession "),
        "{pending}"
    );
    let again = finish("index.parcel");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("was finished already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn a_narrow_filter_needs_an_explicit_option_on_both_sides() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    let index = |extra: &[&str]| {
        let mut args = vec![
            "--key",
            &p("kmar.match-key"),
            "--to",
            "DEU-BPOL",
            "--resolver",
            &p("kmar.resolver"),
            "--width",
            "16",
            "-o",
            &p("index.parcel"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args.push(p("held.json"));
        t.run(
            "index",
            "NLD-KMAR",
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let refused = index(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("16-bit fingerprints, fewer than the 32"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!t.path("index.parcel").exists());
    ok(&index(&["--allow-narrow-filter"]));
    let query = |extra: &[&str]| {
        let mut args = vec![
            "--index",
            &p("index.parcel"),
            "--purpose",
            "border-control",
            "--pending",
            &p("bpol.pending"),
            "-o",
            &p("query.parcel"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args.push(p("asked.json"));
        t.run(
            "query",
            "DEU-BPOL",
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let refused = query(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("allow a narrow filter explicitly"));
    assert!(!t.path("query.parcel").exists());
    ok(&query(&["--allow-narrow-filter"]));
}

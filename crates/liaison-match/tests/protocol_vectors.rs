//! The protocol's own vectors: one seeded run (holder key, index,
//! commitment, query, answer, resolver, hit reference) whose messages are
//! committed under `tests/vectors/protocol/` and checked byte for byte, and
//! failure vectors, each refused with its error (`failures.txt`).
//!
//! `LIAISON_WRITE_VECTORS=1 cargo test -p liaison-match --test
//! protocol_vectors` writes the files again; a change of format shows as a
//! diff of committed files.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::fs;
use std::path::PathBuf;

use liaison_match::testing::{blind_seeded, evaluate_seeded};
use liaison_match::{
    Answer, Commitment, FilterWidth, HolderKey, Index, IndexBuilder, KeyKind, Pending, Query,
    QueryBuilder, Resolver,
};

const HOLDER_SEED: [u8; 32] = [0x11; 32];
const QUERY_SEED: [u8; 32] = [0x22; 32];
const ANSWER_SEED: [u8; 32] = [0x33; 32];
const OTHER_HOLDER_SEED: [u8; 32] = [0x44; 32];

/// The holder's keys: kind, value, record reference.
const HELD: [(&str, &str, &str); 3] = [
    ("travel-document", "NLD|P|5PEC12014", "record-1"),
    ("travel-document", "DEU|P|C01X00T47", "record-2"),
    ("vehicle", "NLD|GV123B", "record-3"),
];

/// The querier's keys, in order: a hit, and two keys the holder lacks.
const ASKED: [(&str, &str); 3] = [
    ("travel-document", "NLD|P|5PEC12014"),
    ("vehicle", "NLD|XX999Z"),
    ("travel-document", "FRA|P|000000000"),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/protocol")
}

fn kind(s: &str) -> KeyKind {
    KeyKind::new(s).unwrap()
}

struct Run {
    index: Index,
    resolver: Resolver,
    pending: Pending,
    query: Query,
    answer: Answer,
    files: Vec<(&'static str, Vec<u8>)>,
}

fn run() -> Run {
    let key = HolderKey::from_seed(HOLDER_SEED);
    let mut b = IndexBuilder::new(FilterWidth::Bits16);
    for (k, v, r) in HELD {
        b.insert(&kind(k), v.as_bytes(), r.as_bytes()).unwrap();
    }
    let built = b.build(&key).unwrap();
    let mut q = QueryBuilder::new(&built.index);
    for (k, v) in ASKED {
        q.push(&kind(k), v.as_bytes()).unwrap();
    }
    let (pending, query) = blind_seeded(q, &QUERY_SEED).unwrap();
    let answer = evaluate_seeded(&key, built.index.commitment(), &query, &ANSWER_SEED).unwrap();
    let outcomes = pending.finish(&built.index, &answer).unwrap();
    let hit = outcomes[0].hit.unwrap();
    assert!(outcomes[1].hit.is_none() && outcomes[2].hit.is_none());
    let files = vec![
        ("holder-key.bin", key.to_bytes().to_vec()),
        ("commitment.bin", built.index.commitment().to_bytes()),
        ("index.bin", built.index.to_bytes()),
        ("resolver.bin", built.resolver.to_bytes()),
        ("query.bin", query.to_bytes()),
        ("pending.bin", pending.to_bytes().to_vec()),
        ("answer.bin", answer.to_bytes()),
        ("hit-reference.bin", hit.as_bytes().to_vec()),
    ];
    Run {
        index: built.index,
        resolver: built.resolver,
        pending,
        query,
        answer,
        files,
    }
}

/// The answer of another key to the same blinded elements, relabelled with
/// the committed key's commitment id: a holder substituting its key.
fn substituted(run: &Run) -> Vec<u8> {
    let other = HolderKey::from_seed(OTHER_HOLDER_SEED);
    let kinds: Vec<KeyKind> = run.index.kinds().cloned().collect();
    let commitment = other.commitment(kinds.iter()).unwrap();
    let mut query = run.query.to_bytes();
    query[22..54].copy_from_slice(commitment.id().as_bytes());
    let query = Query::from_bytes(&query).unwrap();
    let answer = evaluate_seeded(&other, &commitment, &query, &ANSWER_SEED).unwrap();
    let mut bytes = answer.to_bytes();
    bytes[22..54].copy_from_slice(run.index.commitment().id().as_bytes());
    bytes
}

/// The failure vectors: a name, the message it is read as, and its bytes.
fn failures(run: &Run) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let answer = run.answer.to_bytes();
    let last_proof = answer.len() - 64;
    let flip = |bytes: &[u8], at: usize| {
        let mut b = bytes.to_vec();
        b[at] ^= 0x01;
        b
    };
    let query = run.query.to_bytes();
    let index = run.index.to_bytes();
    let commitment = run.index.commitment().to_bytes();
    vec![
        ("answer-bad-proof", "answer", flip(&answer, last_proof)),
        ("answer-key-substitution", "answer", substituted(run)),
        ("answer-other-session", "answer", flip(&answer, 6)),
        ("answer-other-commitment", "answer", flip(&answer, 22)),
        (
            "answer-altered-element",
            "answer",
            flip(&answer, answer.len() - 64 - 32),
        ),
        (
            "answer-truncated",
            "answer",
            answer[..answer.len() - 1].to_vec(),
        ),
        (
            "answer-trailing-byte",
            "answer",
            [answer.as_slice(), &[0]].concat(),
        ),
        (
            "query-truncated",
            "query",
            query[..query.len() - 1].to_vec(),
        ),
        ("query-bad-magic", "query", flip(&query, 0)),
        ("index-altered-key", "index", flip(&index, 30)),
        (
            "index-truncated",
            "index",
            index[..index.len() - 1].to_vec(),
        ),
        (
            "commitment-truncated",
            "commitment",
            commitment[..commitment.len() - 1].to_vec(),
        ),
        (
            "commitment-altered-key",
            "commitment",
            flip(&commitment, commitment.len() - 1),
        ),
    ]
}

/// What reading and using a failure vector gives: the error, in words.
fn outcome(run: &Run, message: &str, bytes: &[u8]) -> String {
    match message {
        "answer" => match Answer::from_bytes(bytes) {
            Err(e) => format!("parse: {e}"),
            Ok(a) => match run.pending.finish(&run.index, &a) {
                Err(e) => format!("finish: {e}"),
                Ok(_) => "accepted".to_owned(),
            },
        },
        "query" => match Query::from_bytes(bytes) {
            Err(e) => format!("parse: {e}"),
            Ok(_) => "accepted".to_owned(),
        },
        "index" => match Index::from_bytes(bytes) {
            Err(e) => format!("parse: {e}"),
            Ok(i) => match run.pending.finish(&i, &run.answer) {
                Err(e) => format!("finish: {e}"),
                Ok(_) => "accepted".to_owned(),
            },
        },
        "commitment" => match Commitment::from_bytes(bytes) {
            Err(e) => format!("parse: {e}"),
            Ok(c) if c.id() != run.index.commitment().id() => {
                "a commitment of another key: its id differs from the index's".to_owned()
            }
            Ok(_) => "accepted".to_owned(),
        },
        other => panic!("unknown message {other}"),
    }
}

#[test]
fn the_seeded_run_gives_the_committed_messages_byte_for_byte() {
    let run = run();
    let write = std::env::var_os("LIAISON_WRITE_VECTORS").is_some();
    for (name, bytes) in &run.files {
        let path = dir().join(name);
        if write {
            fs::write(&path, bytes).unwrap();
        }
        let committed = fs::read(&path).unwrap();
        assert!(
            committed == *bytes,
            "{name} differs from the committed vector"
        );
    }
    // The committed messages parse, and the committed hit resolves.
    let read = |name: &str| fs::read(dir().join(name)).unwrap();
    let index = Index::from_bytes(&read("index.bin")).unwrap();
    let answer = Answer::from_bytes(&read("answer.bin")).unwrap();
    let pending = Pending::from_bytes(&read("pending.bin")).unwrap();
    let outcomes = pending.finish(&index, &answer).unwrap();
    let hit = outcomes[0].hit.unwrap();
    assert_eq!(hit.as_bytes().as_slice(), read("hit-reference.bin"));
    let resolver = Resolver::from_bytes(&read("resolver.bin")).unwrap();
    assert_eq!(
        resolver.resolve(&hit).unwrap().records,
        [b"record-1".to_vec()]
    );
    assert_eq!(run.resolver.to_bytes(), resolver.to_bytes());
    let key = HolderKey::from_bytes(&read("holder-key.bin")).unwrap();
    let kinds: Vec<KeyKind> = index.kinds().cloned().collect();
    assert_eq!(
        key.commitment(kinds.iter()).unwrap().to_bytes(),
        read("commitment.bin")
    );
}

#[test]
fn failure_vectors_are_refused_with_their_errors() {
    let run = run();
    let write = std::env::var_os("LIAISON_WRITE_VECTORS").is_some();
    let mut expected = String::new();
    for (name, message, bytes) in failures(&run) {
        let file = format!("{name}.bin");
        if write {
            fs::write(dir().join(&file), &bytes).unwrap();
        }
        let committed = fs::read(dir().join(&file)).unwrap();
        assert!(
            committed == bytes,
            "{file} differs from the committed vector"
        );
        let got = outcome(&run, message, &committed);
        assert_ne!(got, "accepted", "{name} was accepted");
        expected.push_str(&format!("{name} ({message}): {got}\n"));
    }
    let path = dir().join("failures.txt");
    if write {
        fs::write(&path, &expected).unwrap();
    }
    assert_eq!(fs::read_to_string(path).unwrap(), expected);
}

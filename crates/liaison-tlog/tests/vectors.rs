//! This crate's own vectors (`tests/data/vectors/`) and the C2SP examples
//! (`tests/data/c2sp/`).
//!
//! A vector file is header lines `NAME: VALUE`, a blank line, and a body.
//! `kind` says what the body is (`roots`, `inclusion`, `consistency`,
//! `checkpoint`, `cosigned-checkpoint`), `expect` is `valid` or `invalid`,
//! and the other headers give what the body is checked against.
//!
//! The vectors are generated below and must be reproduced by every run;
//! `LIAISON_TLOG_WRITE_VECTORS=1` rewrites them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use liaison_tlog::{
    Checkpoint, ConsistencyProof, Ed25519Signer, Hash, InclusionProof, Note, NoteSigner,
    NoteVerifier, Tree, base64_hash, leaf_hash,
};

const LOG: &str = "log.example/audit";
const LOG_SEED: [u8; 32] = [0x11; 32];
const OTHER_SEED: [u8; 32] = [0x22; 32];
const WITNESS: &str = "witness.example/w1";
const WITNESS_SEED: [u8; 32] = [0x33; 32];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors")
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

fn tree_of(entries: impl IntoIterator<Item = Vec<u8>>) -> Tree {
    let mut t = Tree::new();
    for e in entries {
        t.push(&e);
    }
    t
}

fn original(n: u64) -> Tree {
    tree_of((0..n).map(entry))
}

fn b64(h: &Hash) -> String {
    base64_hash(h)
}

struct Vector {
    name: String,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Vector {
    fn new(name: &str, kind: &str, expect: &str, comment: &str) -> Self {
        Self {
            name: name.to_owned(),
            headers: vec![
                ("kind", kind.to_owned()),
                ("expect", expect.to_owned()),
                ("comment", comment.to_owned()),
            ],
            body: String::new(),
        }
    }
    fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
    fn body(mut self, body: String) -> Self {
        self.body = body;
        self
    }
    fn render(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push('\n');
        out.push_str(&self.body);
        out
    }
}

fn inclusion(tree: &Tree, index: u64, size: u64) -> InclusionProof {
    InclusionProof {
        index,
        size,
        hashes: tree.inclusion_proof(index, size).unwrap(),
    }
}

fn consistency(tree: &Tree, old: u64, new: u64) -> ConsistencyProof {
    ConsistencyProof {
        old_size: old,
        new_size: new,
        hashes: tree.consistency_proof(old, new).unwrap(),
    }
}

fn generate() -> Vec<Vector> {
    let tree = original(100);
    let log = Ed25519Signer::from_seed(LOG, &LOG_SEED).unwrap();
    let other = Ed25519Signer::from_seed(LOG, &OTHER_SEED).unwrap();
    let witness = Ed25519Signer::from_seed(WITNESS, &WITNESS_SEED).unwrap();
    let vkey = NoteVerifier::ed25519(LOG, &log.public_key())
        .unwrap()
        .to_vkey();
    let wkey = NoteVerifier::cosigner(WITNESS, &witness.public_key())
        .unwrap()
        .to_vkey();
    let mut out = Vec::new();

    let mut roots = String::new();
    for size in [
        0u64, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 99, 100,
    ] {
        roots.push_str(&format!("{size} {}\n", b64(&tree.root_at(size).unwrap())));
    }
    out.push(
        Vector::new(
            "roots",
            "roots",
            "valid",
            "leaf i is the ASCII bytes `entry i`; each line is a tree size and its root",
        )
        .body(roots),
    );

    let root = |t: &Tree, s: u64| b64(&t.root_at(s).unwrap());
    for (index, size) in [
        (0u64, 1u64),
        (0, 100),
        (37, 64),
        (63, 64),
        (64, 65),
        (98, 99),
        (99, 100),
    ] {
        out.push(
            Vector::new(
                &format!("inclusion_{index}_in_{size}"),
                "inclusion",
                "valid",
                &format!("leaf {index} (`entry {index}`) in the tree of the first {size} leaves"),
            )
            .header("leaf", b64(&leaf_hash(&entry(index))))
            .header("root", root(&tree, size))
            .body(inclusion(&tree, index, size).to_text()),
        );
    }
    let good = inclusion(&tree, 37, 64);
    let mut flipped = good.clone();
    flipped.hashes[2][5] ^= 0x10;
    let mut short = good.clone();
    short.hashes.pop();
    let mut moved = good.clone();
    moved.index = 36;
    let bad_inclusions = [
        (
            "inclusion_bad_bit",
            "one bit of the third hash flipped",
            flipped,
            entry(37),
        ),
        (
            "inclusion_truncated_proof",
            "the last hash removed",
            short,
            entry(37),
        ),
        (
            "inclusion_wrong_index",
            "the proof of leaf 37 given as leaf 36",
            moved,
            entry(37),
        ),
        (
            "inclusion_wrong_leaf",
            "the proof of leaf 37 for the leaf `entry 38`",
            good,
            entry(38),
        ),
    ];
    for (name, comment, proof, leaf) in bad_inclusions {
        out.push(
            Vector::new(name, "inclusion", "invalid", comment)
                .header("leaf", b64(&leaf_hash(&leaf)))
                .header("root", root(&tree, 64))
                .body(proof.to_text()),
        );
    }

    for (old, new) in [
        (1u64, 100u64),
        (7, 8),
        (8, 100),
        (20, 30),
        (64, 65),
        (99, 100),
        (100, 100),
    ] {
        out.push(
            Vector::new(
                &format!("consistency_{old}_to_{new}"),
                "consistency",
                "valid",
                &format!("the first {old} leaves are a prefix of the first {new}"),
            )
            .header("old-root", root(&tree, old))
            .header("new-root", root(&tree, new))
            .body(consistency(&tree, old, new).to_text()),
        );
    }
    // The log was cut back to 13 entries after a checkpoint of size 20, then
    // grew again with other entries: its proof cannot reach the old root.
    let truncated = tree_of((0..13).map(entry).chain((13..30).map(|i| entry(i + 1000))));
    out.push(
        Vector::new(
            "consistency_truncated_log",
            "consistency",
            "invalid",
            "the log cut to 13 entries after a checkpoint of size 20 and regrown to 30; proof from the regrown log",
        )
        .header("old-root", root(&tree, 20))
        .header("new-root", root(&truncated, 30))
        .body(consistency(&truncated, 20, 30).to_text()),
    );
    let rewritten = tree_of((0..30).map(|i| {
        if i == 5 {
            b"entry 5, edited".to_vec()
        } else {
            entry(i)
        }
    }));
    out.push(
        Vector::new(
            "consistency_rewritten_entry",
            "consistency",
            "invalid",
            "leaf 5 edited after a checkpoint of size 20; proof from the edited log",
        )
        .header("old-root", root(&tree, 20))
        .header("new-root", root(&rewritten, 30))
        .body(consistency(&rewritten, 20, 30).to_text()),
    );
    let mut swapped = consistency(&tree, 20, 30);
    swapped.hashes.swap(0, 1);
    out.push(
        Vector::new(
            "consistency_swapped_hashes",
            "consistency",
            "invalid",
            "the first two hashes swapped",
        )
        .header("old-root", root(&tree, 20))
        .header("new-root", root(&tree, 30))
        .body(swapped.to_text()),
    );
    out.push(
        Vector::new(
            "consistency_backwards",
            "consistency",
            "invalid",
            "from size 30 to size 20",
        )
        .header("old-root", root(&tree, 30))
        .header("new-root", root(&tree, 20))
        .body(
            ConsistencyProof {
                old_size: 30,
                new_size: 20,
                hashes: tree.consistency_proof(20, 30).unwrap(),
            }
            .to_text(),
        ),
    );

    let checkpoint = Checkpoint::new(LOG, 100, tree.root());
    let note = checkpoint.sign(&log).unwrap();
    out.push(
        Vector::new(
            "checkpoint",
            "checkpoint",
            "valid",
            "the tree of 100 leaves, signed by the log's key (seed 0x11 x 32)",
        )
        .header("vkey", vkey.clone())
        .header("size", "100".to_owned())
        .header("root", b64(&tree.root()))
        .body(note.to_text()),
    );
    out.push(
        Vector::new(
            "checkpoint_other_key",
            "checkpoint",
            "invalid",
            "signed by another key (seed 0x22 x 32) under the log's name",
        )
        .header("vkey", vkey.clone())
        .body(checkpoint.sign(&other).unwrap().to_text()),
    );
    let edited = note.to_text().replacen("\n100\n", "\n101\n", 1);
    out.push(
        Vector::new(
            "checkpoint_edited_size",
            "checkpoint",
            "invalid",
            "the size changed after signing",
        )
        .header("vkey", vkey.clone())
        .body(edited),
    );
    // Signed by the log's key over a text whose size has a leading zero:
    // only the zero is wrong.
    let root7 = tree.root_at(7).unwrap();
    let mut zero = Note::new(&format!("{LOG}\n07\n{}\n", b64(&root7))).unwrap();
    zero.sign(&log).unwrap();
    out.push(
        Vector::new(
            "checkpoint_leading_zero",
            "checkpoint",
            "invalid",
            "signed by the log's key, but the size 7 written with a leading zero",
        )
        .header("vkey", vkey.clone())
        .header("size", "7".to_owned())
        .header("root", b64(&root7))
        .body(zero.to_text()),
    );
    let mut cosigned = note.clone();
    cosigned.cosign(&witness, 1_700_000_000).unwrap();
    out.push(
        Vector::new(
            "cosigned_checkpoint",
            "cosigned-checkpoint",
            "valid",
            "the checkpoint cosigned by a witness (seed 0x33 x 32) at 1700000000",
        )
        .header("vkey", vkey.clone())
        .header("cosigner-vkey", wkey.clone())
        .header("timestamp", "1700000000".to_owned())
        .body(cosigned.to_text()),
    );
    // The log's signature intact, the witness's signature with one bit
    // flipped (its key id and timestamp intact).
    let text = cosigned.to_text();
    let prefix = format!("\u{2014} {WITNESS} ");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap();
    let mut raw = STANDARD.decode(&line[prefix.len()..]).unwrap();
    *raw.last_mut().unwrap() ^= 0x01;
    let bad = text.replacen(line, &format!("{prefix}{}", STANDARD.encode(&raw)), 1);
    assert_ne!(bad, text);
    out.push(
        Vector::new(
            "cosigned_checkpoint_bad_cosignature",
            "cosigned-checkpoint",
            "invalid",
            "the log's signature valid, one bit of the cosignature's Ed25519 signature flipped",
        )
        .header("vkey", vkey.clone())
        .header("cosigner-vkey", wkey.clone())
        .header("timestamp", "1700000000".to_owned())
        .body(bad),
    );
    let forged = cosigned.to_text().replacen("\n100\n", "\n99\n", 1);
    out.push(
        Vector::new(
            "cosigned_checkpoint_edited",
            "cosigned-checkpoint",
            "invalid",
            "the size changed after cosigning",
        )
        .header("vkey", vkey)
        .header("cosigner-vkey", wkey)
        .header("timestamp", "1700000000".to_owned())
        .body(forged),
    );
    out
}

fn read(path: &Path) -> (BTreeMap<String, String>, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap();
    let headers = head
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (headers, body.to_owned())
}

fn hash(s: &str) -> Hash {
    STANDARD.decode(s).unwrap().try_into().unwrap()
}

/// Checks one vector file by reading it alone: what another implementation
/// would do.
fn check(path: &Path) -> bool {
    let (h, body) = read(path);
    match h["kind"].as_str() {
        "roots" => {
            let tree = original(100);
            body.lines().all(|l| {
                let (size, root) = l.split_once(' ').unwrap();
                tree.root_at(size.parse().unwrap()).unwrap() == hash(root)
            })
        }
        "inclusion" => InclusionProof::from_text(body.as_bytes())
            .is_ok_and(|p| p.verify(&hash(&h["leaf"]), &hash(&h["root"])).is_ok()),
        "consistency" => ConsistencyProof::from_text(body.as_bytes()).is_ok_and(|p| {
            p.verify(&hash(&h["old-root"]), &hash(&h["new-root"]))
                .is_ok()
        }),
        "checkpoint" => {
            let v = NoteVerifier::from_vkey(&h["vkey"]).unwrap();
            Checkpoint::open(body.as_bytes(), &v)
                .is_ok_and(|(c, _)| c.size.to_string() == h["size"] && b64(&c.root) == h["root"])
        }
        "cosigned-checkpoint" => {
            let v = NoteVerifier::from_vkey(&h["vkey"]).unwrap();
            let w = NoteVerifier::from_vkey(&h["cosigner-vkey"]).unwrap();
            Checkpoint::open(body.as_bytes(), &v).is_ok_and(|(_, note)| {
                note.verify(&w).is_ok_and(|ok| {
                    ok.timestamp.map(|t| t.to_string()) == Some(h["timestamp"].clone())
                })
            })
        }
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn vectors_are_reproduced() {
    let write = std::env::var_os("LIAISON_TLOG_WRITE_VECTORS").is_some();
    let vectors = generate();
    if write {
        std::fs::create_dir_all(dir()).unwrap();
    }
    for v in &vectors {
        let path = dir().join(format!("{}.txt", v.name));
        if write {
            std::fs::write(&path, v.render()).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            v.render(),
            "{}",
            path.display()
        );
    }
    let on_disk = std::fs::read_dir(dir()).unwrap().count();
    assert_eq!(on_disk, vectors.len(), "stray files in {}", dir().display());
}

#[test]
fn vectors_verify_as_they_say() {
    let mut seen = (0, 0);
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let (h, _) = read(&path);
        let valid = match h["expect"].as_str() {
            "valid" => true,
            "invalid" => false,
            other => panic!("expect {other}"),
        };
        assert_eq!(check(&path), valid, "{}", path.display());
        if valid { seen.0 += 1 } else { seen.1 += 1 }
    }
    assert!(seen.0 >= 10 && seen.1 >= 10, "{seen:?}");
}

fn c2sp(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/c2sp")
            .join(name),
    )
    .unwrap()
}

#[test]
fn the_c2sp_signed_note_example_verifies() {
    let vkey = String::from_utf8(c2sp("signed-note-example.vkey")).unwrap();
    let v = NoteVerifier::from_vkey(vkey.trim_end()).unwrap();
    let bytes = c2sp("signed-note-example.note");
    let note = Note::parse(&bytes).unwrap();
    note.verify(&v).unwrap();
    assert_eq!(note.to_text().as_bytes(), bytes.as_slice());
}

#[test]
fn the_c2sp_cosigned_checkpoint_example_reads() {
    let bytes = c2sp("cosigned-checkpoint-example.note");
    let note = Note::parse(&bytes).unwrap();
    let checkpoint = Checkpoint::from_text(note.text()).unwrap();
    assert_eq!(checkpoint.size, 20_852_163);
    let [log, witness] = note.signatures() else {
        panic!()
    };
    assert_eq!(log.name, "example.com/behind-the-sofa");
    assert_eq!(log.signature.len(), 64);
    assert_eq!(witness.name, "witness.example.com/w1");
    // A cosignature: an 8-byte timestamp, then the Ed25519 signature. The
    // specification's example message is at time 1679315147.
    assert_eq!(witness.signature.len(), 72);
    let time = u64::from_be_bytes(witness.signature[..8].try_into().unwrap());
    assert_eq!(time, 1_679_315_147);
    assert_eq!(note.to_text().as_bytes(), bytes.as_slice());
}

//! The proof vectors of transparency-dev/merkle (see `tests/data/README.md`),
//! and the RFC 6962 reference tree they are built on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use liaison_tlog::{Hash, Tree, leaf_hash, verify_consistency, verify_inclusion};
use serde_json::Value;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transparency-dev")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A base64 hash; `None` when it is not 32 bytes (such a vector must fail).
fn hash(v: &Value) -> Option<Hash> {
    let bytes = STANDARD.decode(v.as_str().unwrap()).unwrap();
    Hash::try_from(bytes.as_slice()).ok()
}

fn proof(v: &Value) -> Option<Vec<Hash>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(hash).collect(),
        other => panic!("proof {other}"),
    }
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn inclusion_vectors() {
    let all = files(&data().join("inclusion"));
    assert!(all.len() > 90, "{} files", all.len());
    let (mut good, mut bad) = (0, 0);
    for path in all {
        let v = load(&path);
        let want_err = v["wantErr"].as_bool().unwrap();
        let index = v["leafIdx"].as_u64().unwrap();
        let size = v["treeSize"].as_u64().unwrap();
        let result = match (hash(&v["leafHash"]), hash(&v["root"]), proof(&v["proof"])) {
            (Some(leaf), Some(root), Some(proof)) => {
                verify_inclusion(&leaf, index, size, &proof, &root).is_ok()
            }
            _ => false,
        };
        assert_eq!(result, !want_err, "{}", path.display());
        if want_err { bad += 1 } else { good += 1 }
    }
    assert!(good >= 5 && bad > 80, "{good} valid, {bad} invalid");
}

#[test]
fn consistency_vectors() {
    let all = files(&data().join("consistency"));
    assert!(all.len() > 90, "{} files", all.len());
    let (mut good, mut bad) = (0, 0);
    for path in all {
        // Its two "roots" are the same 12 bytes, which no 32-byte hash
        // can stand for; the vector checks only that equal sizes with an
        // empty proof compare the roots.
        if path.ends_with("additional/sizes-are-equal-one-and-proof-is-empty.json") {
            continue;
        }
        let v = load(&path);
        let want_err = v["wantErr"].as_bool().unwrap();
        let old = v["size1"].as_u64().unwrap();
        let new = v["size2"].as_u64().unwrap();
        let result = match (hash(&v["root1"]), hash(&v["root2"]), proof(&v["proof"])) {
            (Some(r1), Some(r2), Some(proof)) => {
                verify_consistency(old, new, &r1, &r2, &proof).is_ok()
            }
            _ => false,
        };
        assert_eq!(result, !want_err, "{}", path.display());
        if want_err { bad += 1 } else { good += 1 }
    }
    assert!(good >= 5 && bad > 80, "{good} valid, {bad} invalid");
}

/// The eight leaves of the RFC 6962 reference tests, which the vectors'
/// happy paths are proofs over.
fn reference_tree() -> Tree {
    let leaves = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    let mut tree = Tree::new();
    for l in leaves {
        tree.push(&hex::decode(l).unwrap());
    }
    tree
}

#[test]
fn reference_roots() {
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let tree = reference_tree();
    for (i, root) in roots.iter().enumerate() {
        assert_eq!(
            hex::encode(tree.root_at(i as u64 + 1).unwrap()),
            *root,
            "size {}",
            i + 1
        );
    }
    assert_eq!(
        hex::encode(tree.root_at(0).unwrap()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(tree.leaf(0).unwrap(), leaf_hash(b""));
}

/// Every happy path is what this tree itself produces: same roots, same
/// proofs, byte for byte.
#[test]
fn the_tree_produces_the_happy_paths() {
    let tree = reference_tree();
    let mut checked = 0;
    for path in files(&data().join("inclusion")) {
        let v = load(&path);
        if v["desc"] != "happy path" {
            continue;
        }
        let index = v["leafIdx"].as_u64().unwrap();
        let size = v["treeSize"].as_u64().unwrap();
        assert_eq!(Some(tree.root_at(size).unwrap()), hash(&v["root"]));
        assert_eq!(Some(tree.leaf(index).unwrap()), hash(&v["leafHash"]));
        assert_eq!(
            Some(tree.inclusion_proof(index, size).unwrap()),
            proof(&v["proof"])
        );
        checked += 1;
    }
    for path in files(&data().join("consistency")) {
        let v = load(&path);
        if v["desc"] != "happy path" {
            continue;
        }
        let old = v["size1"].as_u64().unwrap();
        let new = v["size2"].as_u64().unwrap();
        assert_eq!(Some(tree.root_at(old).unwrap()), hash(&v["root1"]));
        assert_eq!(Some(tree.root_at(new).unwrap()), hash(&v["root2"]));
        assert_eq!(
            Some(tree.consistency_proof(old, new).unwrap()),
            proof(&v["proof"])
        );
        checked += 1;
    }
    assert!(checked >= 8, "{checked} happy paths");
}

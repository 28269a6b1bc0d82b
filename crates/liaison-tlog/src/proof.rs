//! Inclusion and consistency proofs as values, and their text form.
//!
//! An inclusion proof is written as LF-terminated lines:
//!
//! ```text
//! inclusion-proof/v1
//! index 5
//! size 8
//! <hash, base64>
//! ...
//! ```
//!
//! and a consistency proof as:
//!
//! ```text
//! consistency-proof/v1
//! old 3
//! new 8
//! <hash, base64>
//! ...
//! ```
//!
//! Numbers are ASCII decimal without leading zeros; each hash is the
//! standard, padded base64 of its 32 bytes (44 characters), in the order the
//! RFC's `PATH` and `PROOF` give them. Nothing else is accepted: no blank
//! line, no carriage return, no trailing space, at most 64 hashes.

use crate::hash::Hash;
use crate::text::{Lines, ParseError, hash_line};
use crate::verify::{ProofError, verify_consistency, verify_inclusion};

/// The most hashes a proof of a tree of up to `2^64` leaves can hold.
pub const MAX_PROOF_HASHES: usize = 64;

const INCLUSION_HEADER: &str = "inclusion-proof/v1";
const CONSISTENCY_HEADER: &str = "consistency-proof/v1";

/// A proof that one leaf is in a tree of a given size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf's index, from 0.
    pub index: u64,
    /// The size of the tree the proof is against.
    pub size: u64,
    /// The hashes, nearest the leaf first.
    pub hashes: Vec<Hash>,
}

/// A proof that the tree of one size is a prefix of the tree of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// The older, smaller size.
    pub old_size: u64,
    /// The newer, larger size.
    pub new_size: u64,
    /// The hashes, in the order of RFC 9162 `PROOF`.
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// Verifies that this proof shows the leaf with hash `leaf` in the tree
    /// whose root is `root`.
    ///
    /// # Errors
    ///
    /// See [`verify_inclusion`].
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), ProofError> {
        verify_inclusion(leaf, self.index, self.size, &self.hashes, root)
    }

    /// The text form (see the module documentation).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{INCLUSION_HEADER}\nindex {}\nsize {}\n",
            self.index, self.size
        );
        push_hashes(&mut out, &self.hashes);
        out
    }

    /// Reads the text form.
    ///
    /// # Errors
    ///
    /// [`ParseError`] naming the line and what is wrong with it.
    pub fn from_text(text: &[u8]) -> Result<Self, ParseError> {
        let mut lines = Lines::new("inclusion proof", text)?;
        lines.expect_exact(INCLUSION_HEADER)?;
        let index = lines.keyword_number("index")?;
        let size = lines.keyword_number("size")?;
        let hashes = read_hashes(&mut lines)?;
        Ok(Self {
            index,
            size,
            hashes,
        })
    }
}

impl ConsistencyProof {
    /// Verifies that this proof shows the tree with root `old_root` to be a
    /// prefix of the tree with root `new_root`.
    ///
    /// # Errors
    ///
    /// See [`verify_consistency`].
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), ProofError> {
        verify_consistency(
            self.old_size,
            self.new_size,
            old_root,
            new_root,
            &self.hashes,
        )
    }

    /// The text form (see the module documentation).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{CONSISTENCY_HEADER}\nold {}\nnew {}\n",
            self.old_size, self.new_size
        );
        push_hashes(&mut out, &self.hashes);
        out
    }

    /// Reads the text form.
    ///
    /// # Errors
    ///
    /// [`ParseError`] naming the line and what is wrong with it.
    pub fn from_text(text: &[u8]) -> Result<Self, ParseError> {
        let mut lines = Lines::new("consistency proof", text)?;
        lines.expect_exact(CONSISTENCY_HEADER)?;
        let old_size = lines.keyword_number("old")?;
        let new_size = lines.keyword_number("new")?;
        let hashes = read_hashes(&mut lines)?;
        Ok(Self {
            old_size,
            new_size,
            hashes,
        })
    }
}

fn push_hashes(out: &mut String, hashes: &[Hash]) {
    for h in hashes {
        out.push_str(&crate::base64_hash(h));
        out.push('\n');
    }
}

fn read_hashes(lines: &mut Lines<'_>) -> Result<Vec<Hash>, ParseError> {
    let mut hashes = Vec::new();
    while let Some((n, line)) = lines.next_line() {
        if hashes.len() == MAX_PROOF_HASHES {
            return Err(lines.error_at(n, format!("more than {MAX_PROOF_HASHES} hashes")));
        }
        hashes.push(hash_line(lines, n, line)?);
    }
    Ok(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    #[test]
    fn text_round_trips() {
        let proof = InclusionProof {
            index: 5,
            size: 8,
            hashes: vec![leaf_hash(b"a"), leaf_hash(b"b")],
        };
        let text = proof.to_text();
        assert_eq!(InclusionProof::from_text(text.as_bytes()).unwrap(), proof);
        let proof = ConsistencyProof {
            old_size: 3,
            new_size: 8,
            hashes: vec![leaf_hash(b"c")],
        };
        let text = proof.to_text();
        assert_eq!(ConsistencyProof::from_text(text.as_bytes()).unwrap(), proof);
    }

    #[test]
    fn bad_text_says_where_and_what() {
        let e = InclusionProof::from_text(b"inclusion-proof/v1\nindex 05\nsize 8\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("leading zero"), "{e}");
        let e =
            InclusionProof::from_text(b"inclusion-proof/v1\nindex 5\nsize 8\nAAAA\n").unwrap_err();
        assert_eq!(e.line, 4);
        let e = ConsistencyProof::from_text(b"consistency-proof/v1\nold 1\nnew 2").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("line feed"), "{e}");
        let e = ConsistencyProof::from_text(b"inclusion-proof/v1\nold 1\nnew 2\n").unwrap_err();
        assert_eq!(e.line, 1);
    }
}

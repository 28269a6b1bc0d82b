//! Verification of inclusion and consistency proofs, as RFC 9162 §2.1.3.2
//! and §2.1.4.2 give the algorithms.

use subtle::ConstantTimeEq;

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Why a proof does not verify.
///
/// The only detail given is which rule the sizes broke; a proof whose hashes
/// do not lead to the root says no more than that.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The old size exceeds the new one, or is 0 while the new one is not
    /// (a consistency proof from the empty tree proves nothing).
    #[error("no consistency proof runs from size {old} to size {new}")]
    BadSizes {
        /// The old tree size.
        old: u64,
        /// The new tree size.
        new: u64,
    },
    /// The proof's hashes do not lead to the root (or roots) given: a wrong
    /// proof, a wrong leaf, a wrong root, or a log that was rewritten.
    #[error("the proof does not verify against the root")]
    Mismatch,
}

fn same(a: &Hash, b: &Hash) -> bool {
    bool::from(a.ct_eq(b))
}

/// The root that an inclusion proof of `leaf` at `index` leads to in a tree
/// of `size` leaves (RFC 9162 §2.1.3.2 up to the final comparison).
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`], and [`ProofError::Mismatch`] when the
/// proof has the wrong number of hashes for the index and size.
pub fn root_from_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut f = index;
    let mut s = size - 1;
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::Mismatch);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch);
    }
    Ok(r)
}

/// Verifies that `proof` shows the leaf with hash `leaf` at `index` in the
/// tree of `size` leaves whose root is `root`.
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] or [`ProofError::Mismatch`].
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion(leaf, index, size, proof)?;
    if same(&computed, root) {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Verifies that `proof` shows the tree of `old` leaves with root
/// `old_root` to be a prefix of the tree of `new` leaves with root
/// `new_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots; size 0 has the root
/// [`EMPTY_ROOT`]; a proof from size 0 to a larger size is refused, since
/// every tree extends the empty one.
///
/// # Errors
///
/// [`ProofError::BadSizes`] or [`ProofError::Mismatch`].
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new || (old == 0 && new != 0) {
        return Err(ProofError::BadSizes { old, new });
    }
    if old == new {
        let empty_ok = old != 0 || same(old_root, &EMPTY_ROOT);
        if proof.is_empty() && same(old_root, new_root) && empty_ok {
            return Ok(());
        }
        return Err(ProofError::Mismatch);
    }
    let Some((first, rest)) = proof.split_first() else {
        return Err(ProofError::Mismatch);
    };
    // A power-of-two old tree is itself a node of the new one: the proof
    // leaves its root out, and the verifier puts it first.
    let (start, rest) = if old.is_power_of_two() {
        (old_root, proof)
    } else {
        (first, rest)
    };
    let mut f = old - 1;
    let mut s = new - 1;
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = *start;
    let mut sr = *start;
    for c in rest {
        if s == 0 {
            return Err(ProofError::Mismatch);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && same(&fr, old_root) && same(&sr, new_root) {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tree, leaf_hash};

    #[test]
    fn every_proof_of_a_small_tree_verifies() {
        let mut tree = Tree::new();
        for i in 0u32..40 {
            tree.push(&i.to_be_bytes());
        }
        for size in 1..=40u64 {
            let root = tree.root_at(size).unwrap();
            for index in 0..size {
                let proof = tree.inclusion_proof(index, size).unwrap();
                let leaf = tree.leaf(index).unwrap();
                verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
                let other = leaf_hash(b"another leaf");
                assert_eq!(
                    verify_inclusion(&other, index, size, &proof, &root),
                    Err(ProofError::Mismatch)
                );
            }
            for old in 1..=size {
                let proof = tree.consistency_proof(old, size).unwrap();
                let old_root = tree.root_at(old).unwrap();
                verify_consistency(old, size, &old_root, &root, &proof).unwrap();
            }
        }
    }

    #[test]
    fn a_proof_from_the_empty_tree_is_refused() {
        assert_eq!(
            verify_consistency(0, 1, &EMPTY_ROOT, &EMPTY_ROOT, &[]),
            Err(ProofError::BadSizes { old: 0, new: 1 })
        );
        verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]).unwrap();
    }

    #[test]
    fn a_log_that_shrank_is_never_consistent() {
        // The proof and roots of the larger size given the wrong way round:
        // refused for its sizes, whatever the proof holds.
        let mut tree = Tree::new();
        for i in 0u32..8 {
            tree.push(&i.to_be_bytes());
        }
        let proof = tree.consistency_proof(3, 5).unwrap();
        let (r3, r5) = (tree.root_at(3).unwrap(), tree.root_at(5).unwrap());
        assert_eq!(
            verify_consistency(5, 3, &r5, &r3, &proof),
            Err(ProofError::BadSizes { old: 5, new: 3 })
        );
    }
}

//! The Merkle tree of RFC 9162 §2.1 over leaf hashes, kept whole in memory
//! so that it answers for any tree size it has held.
//!
//! The tree keeps, for every level `k`, the hash of every complete subtree
//! of `2^k` leaves, left to right: level 0 holds the leaf hashes, level 1 the
//! hash of each pair, and so on. That is fewer than `2n` hashes for `n`
//! leaves, 64 bytes a leaf (64 MB for a million leaves). An append adds one
//! leaf hash and the nodes it completes: amortized one node hash, at most
//! `log2 n`. Every subtree the RFC's definitions name for a tree of any
//! size `m <= n` either is complete, and so is read from its level, or is
//! the right edge of that tree, which is at most `log2 m` complete subtrees
//! combined: so a root, an inclusion proof or a consistency proof for any
//! size takes `O(log n)` node hashes.

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Why the tree cannot answer a question about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// A tree size beyond the leaves the tree holds.
    #[error(
        "the tree holds {len} leaves, so it has no tree of size {size}; ask for a size up to {len}"
    )]
    SizeTooLarge {
        /// The size asked for.
        size: u64,
        /// The number of leaves.
        len: u64,
    },
    /// A leaf index beyond the tree size.
    #[error(
        "leaf {index} is not in a tree of size {size}; leaves are numbered from 0 to the size less one"
    )]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one, or from the
    /// empty tree (which proves nothing).
    #[error(
        "no consistency proof from size {old} to size {new}; the old size must be at least 1 and at most the new size"
    )]
    BadSizes {
        /// The old tree size.
        old: u64,
        /// The new tree size.
        new: u64,
    },
    /// The tree holds as many leaves as this machine can count.
    #[error("the tree is full")]
    Full,
}

/// A Merkle tree over leaf hashes (see the module documentation).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// `levels[k][i]`: the hash of leaves `i * 2^k .. (i + 1) * 2^k`.
    levels: Vec<Vec<Hash>>,
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("len", &self.len())
            .field("root", &crate::base64_hash(&self.root()))
            .finish()
    }
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over `leaf_hashes`, in order.
    pub fn from_leaf_hashes(leaf_hashes: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Self::new();
        for h in leaf_hashes {
            tree.push_hash(h);
        }
        tree
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaf.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf holding `data` (its hash is [`leaf_hash`](crate::leaf_hash)
    /// of `data`) and returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_hash(crate::leaf_hash(data))
    }

    /// Appends a leaf by its hash and returns its index.
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.len();
        let mut carry = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                break;
            };
            row.push(carry);
            if row.len() % 2 == 1 {
                break;
            }
            match row.get(row.len().saturating_sub(2)..) {
                Some([left, right]) => carry = node_hash(left, right),
                _ => break,
            }
            level += 1;
        }
        index
    }

    /// Cuts the tree back to its first `size` leaves (nothing happens when
    /// it holds no more): for a caller whose append of the leaves' data
    /// failed after the leaves were added.
    pub fn truncate(&mut self, size: u64) {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        for (level, row) in self.levels.iter_mut().enumerate() {
            row.truncate(size >> level);
        }
        while self.levels.last().is_some_and(Vec::is_empty) && self.levels.len() > 1 {
            self.levels.pop();
        }
    }

    /// The hash of leaf `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        let i = usize::try_from(index).ok()?;
        self.levels.first()?.get(i).copied()
    }

    /// The root of the whole tree ([`EMPTY_ROOT`] while empty).
    pub fn root(&self) -> Hash {
        // The whole tree is always within the tree.
        self.root_at(self.len()).unwrap_or(EMPTY_ROOT)
    }

    /// The root of the tree made of the first `size` leaves.
    ///
    /// # Errors
    ///
    /// [`TreeError::SizeTooLarge`] when `size` exceeds the leaves held.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(EMPTY_ROOT);
        }
        self.subtree(0, size)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size`
    /// leaves: RFC 9162 §2.1.3.1 `PATH(index, D[size])`, the hash nearest
    /// the leaf first.
    ///
    /// # Errors
    ///
    /// [`TreeError::SizeTooLarge`] or [`TreeError::IndexOutOfRange`].
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::with_capacity(64);
        self.path(index, 0, size, &mut out)?;
        Ok(out)
    }

    /// The consistency proof from the tree of the first `old` leaves to the
    /// tree of the first `new`: RFC 9162 §2.1.4.1 `PROOF(old, D[new])`
    /// (empty when the sizes are equal).
    ///
    /// # Errors
    ///
    /// [`TreeError::SizeTooLarge`], or [`TreeError::BadSizes`] when `old` is
    /// 0 or larger than `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(new)?;
        if old == 0 || old > new {
            return Err(TreeError::BadSizes { old, new });
        }
        let mut out = Vec::with_capacity(64);
        self.subproof(old, 0, new, true, &mut out)?;
        Ok(out)
    }

    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        let len = self.len();
        if size > len {
            return Err(TreeError::SizeTooLarge { size, len });
        }
        Ok(())
    }

    /// `MTH(D[start:start + n])` for `n >= 1`, where `start` is a multiple
    /// of the largest power of two below `n` (as every subtree the RFC
    /// names is).
    fn subtree(&self, start: u64, n: u64) -> Result<Hash, TreeError> {
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            let index = usize::try_from(start >> level).map_err(|_| TreeError::Full)?;
            return self
                .levels
                .get(level)
                .and_then(|row| row.get(index))
                .copied()
                .ok_or(TreeError::SizeTooLarge {
                    size: start.saturating_add(n),
                    len: self.len(),
                });
        }
        let k = split(n);
        let left = self.subtree(start, k)?;
        let right = self.subtree(start + k, n - k)?;
        Ok(node_hash(&left, &right))
    }

    /// `PATH(m, D[start:start + n])`, appended to `out`.
    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) -> Result<(), TreeError> {
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out)?;
            out.push(self.subtree(start + k, n - k)?);
        } else {
            self.path(m - k, start + k, n - k, out)?;
            out.push(self.subtree(start, k)?);
        }
        Ok(())
    }

    /// `SUBPROOF(m, D[start:start + n], whole)`, appended to `out`.
    fn subproof(
        &self,
        m: u64,
        start: u64,
        n: u64,
        whole: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), TreeError> {
        if m == n {
            if !whole {
                out.push(self.subtree(start, n)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, whole, out)?;
            out.push(self.subtree(start + k, n - k)?);
        } else {
            self.subproof(m - k, start + k, n - k, false, out)?;
            out.push(self.subtree(start, k)?);
        }
        Ok(())
    }
}

/// The largest power of two smaller than `n` (for `n >= 2`).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    /// The RFC's recursive definition of `MTH`, computed from the leaves.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn split_is_the_largest_power_of_two_below() {
        assert_eq!(split(2), 1);
        assert_eq!(split(3), 2);
        assert_eq!(split(4), 2);
        assert_eq!(split(5), 4);
        assert_eq!(split(8), 4);
        assert_eq!(split(9), 8);
        assert_eq!(split(u64::MAX), 1 << 63);
    }

    #[test]
    fn roots_at_every_size_match_the_definition() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = Tree::from_leaf_hashes(leaves.iter().copied());
        for size in 0..=leaves.len() {
            assert_eq!(
                tree.root_at(size as u64).unwrap(),
                reference_root(&leaves[..size]),
                "size {size}"
            );
        }
    }

    #[test]
    fn the_tree_keeps_fewer_than_two_hashes_a_leaf() {
        let mut tree = Tree::new();
        for i in 0u32..1000 {
            tree.push(&i.to_be_bytes());
        }
        let stored: usize = tree.levels.iter().map(Vec::len).sum();
        assert!(stored < 2000, "{stored}");
    }

    #[test]
    fn truncating_gives_the_tree_of_the_prefix() {
        let mut tree = Tree::new();
        for i in 0u32..50 {
            tree.push(&i.to_be_bytes());
        }
        for size in (0..50u64).rev() {
            let mut cut = tree.clone();
            cut.truncate(size);
            let fresh = Tree::from_leaf_hashes((0..size).map(|i| tree.leaf(i).unwrap()));
            assert_eq!(cut.len(), size);
            assert_eq!(cut.root(), fresh.root());
            cut.push(b"more");
            let mut grown = fresh.clone();
            grown.push(b"more");
            assert_eq!(cut.root(), grown.root());
        }
    }

    #[test]
    fn questions_beyond_the_tree_are_errors() {
        let mut tree = Tree::new();
        tree.push(b"a");
        tree.push(b"b");
        assert_eq!(
            tree.root_at(3),
            Err(TreeError::SizeTooLarge { size: 3, len: 2 })
        );
        assert_eq!(
            tree.inclusion_proof(2, 2),
            Err(TreeError::IndexOutOfRange { index: 2, size: 2 })
        );
        assert_eq!(
            tree.consistency_proof(0, 2),
            Err(TreeError::BadSizes { old: 0, new: 2 })
        );
        assert_eq!(
            tree.consistency_proof(2, 1),
            Err(TreeError::BadSizes { old: 2, new: 1 })
        );
        assert_eq!(tree.consistency_proof(2, 2), Ok(Vec::new()));
    }
}

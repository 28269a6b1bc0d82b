//! The tree's invariants, for logs of any length and any edit.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use liaison_tlog::{Tree, leaf_hash, verify_consistency, verify_inclusion};
use proptest::prelude::*;

fn tree_of(entries: &[Vec<u8>]) -> Tree {
    let mut t = Tree::new();
    for e in entries {
        t.push(e);
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any prefix of a log has a valid consistency proof to the full log,
    /// and every entry a valid inclusion proof against every size holding it.
    #[test]
    fn every_prefix_is_consistent_with_the_whole(
        entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 1..80),
    ) {
        let tree = tree_of(&entries);
        let n = tree.len();
        let root = tree.root();
        for m in 1..=n {
            let proof = tree.consistency_proof(m, n).unwrap();
            prop_assert!(proof.len() <= 2 * 64);
            prop_assert!(verify_consistency(m, n, &tree.root_at(m).unwrap(), &root, &proof).is_ok());
        }
        for (i, e) in entries.iter().enumerate() {
            let proof = tree.inclusion_proof(i as u64, n).unwrap();
            prop_assert!(verify_inclusion(&leaf_hash(e), i as u64, n, &proof, &root).is_ok());
        }
    }

    /// Changing any entry breaks every proof that covers it: whoever holds
    /// the root of any size that includes the entry finds every inclusion
    /// proof and every consistency proof the changed log can give refused.
    #[test]
    fn changing_any_entry_breaks_every_proof_that_covers_it(
        entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 2..48),
        pick in any::<prop::sample::Index>(),
        replacement in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let i = pick.index(entries.len());
        prop_assume!(entries[i] != replacement);
        let honest = tree_of(&entries);
        let mut edited_entries = entries.clone();
        edited_entries[i] = replacement;
        let edited = tree_of(&edited_entries);
        let n = honest.len();
        for size in (i as u64 + 1)..=n {
            let held = honest.root_at(size).unwrap();
            prop_assert_ne!(edited.root_at(size).unwrap(), held);
            // The honest log's own proof of the entry, shown with the
            // changed entry.
            let proof = honest.inclusion_proof(i as u64, size).unwrap();
            let changed = leaf_hash(&edited_entries[i]);
            prop_assert!(verify_inclusion(&changed, i as u64, size, &proof, &held).is_err());
            // Inclusion of any entry, proved by the edited log, against the held root.
            for j in 0..size {
                let proof = edited.inclusion_proof(j, size).unwrap();
                let leaf = edited.leaf(j).unwrap();
                prop_assert!(verify_inclusion(&leaf, j, size, &proof, &held).is_err());
            }
            // Consistency from the held root to any later size of the edited log.
            for later in size..=n {
                let proof = edited.consistency_proof(size, later).unwrap();
                let new_root = edited.root_at(later).unwrap();
                prop_assert!(verify_consistency(size, later, &held, &new_root, &proof).is_err());
            }
        }
    }

    /// A log cut back below a held size and regrown cannot prove
    /// consistency with the held root.
    #[test]
    fn a_truncated_and_regrown_log_is_detected(
        n in 2u64..60, cut_to in any::<prop::sample::Index>(), regrow in 0u64..30,
    ) {
        let honest = tree_of(&(0..n).map(|i| i.to_be_bytes().to_vec()).collect::<Vec<_>>());
        let cut = cut_to.index(n as usize) as u64;
        let regrown_entries: Vec<Vec<u8>> = (0..cut)
            .map(|i| i.to_be_bytes().to_vec())
            .chain((0..(n - cut + regrow)).map(|i| format!("other {i}").into_bytes()))
            .collect();
        let regrown = tree_of(&regrown_entries);
        let held = honest.root();
        let new_size = regrown.len();
        let proof = regrown.consistency_proof(n, new_size).unwrap();
        prop_assert!(
            verify_consistency(n, new_size, &held, &regrown.root(), &proof).is_err()
        );
    }
}

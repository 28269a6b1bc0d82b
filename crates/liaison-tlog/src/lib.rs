#![doc = include_str!("../README.md")]

mod checkpoint;
mod hash;
mod note;
mod proof;
mod text;
mod tree;
mod verify;
mod witness;

// The public interface is:
pub use checkpoint::{Checkpoint, CheckpointError};
pub use hash::{EMPTY_ROOT, HASH_LEN, Hash, LEAF_PREFIX, NODE_PREFIX, leaf_hash, node_hash};
pub use note::{
    Ed25519Signer, KeyError, MAX_NOTE_LEN, MAX_SIGNATURES, Note, NoteError, NoteSignature,
    NoteSigner, NoteVerifier, SignError, TYPE_COSIGNATURE, TYPE_ED25519, Verified,
    cosigned_message, is_key_name, key_id,
};
pub use proof::{ConsistencyProof, InclusionProof, MAX_PROOF_HASHES};
pub use text::ParseError;
pub use tree::{Tree, TreeError};
pub use verify::{ProofError, root_from_inclusion, verify_consistency, verify_inclusion};
pub use witness::{WitnessError, WitnessState, witness};

/// The standard padded base64 of a hash, as the text forms write it.
pub fn base64_hash(hash: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hash)
}

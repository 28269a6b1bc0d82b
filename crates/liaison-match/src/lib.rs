#![doc = include_str!("../README.md")]

mod answer;
mod budget;
mod error;
mod filter;
mod format;
mod index;
mod keys;
mod kind;
mod oprf;
mod query;
mod resolver;
mod rng;
#[cfg(feature = "test-vectors")]
#[doc(hidden)]
pub mod testing;

// The public interface is:
pub use answer::{Answer, DEFAULT_PROOF_CHUNK, Outcome, evaluate, evaluate_chunked};
pub use budget::{Budget, BudgetError, Charge, Ledger};
pub use error::{EvaluateError, FinishError, IndexError, KeyError, QueryError, RandomError};
pub use filter::{FilterWidth, MAX_SECTION_ENTRIES};
pub use format::{Message, ParseError, Problem, SUITE, VERSION};
pub use index::{Built, Index, IndexBuilder};
pub use keys::{Commitment, CommitmentId, HolderKey, PublicKey};
pub use kind::{KeyKind, MAX_KIND_LEN, MAX_VALUE_LEN};
pub use query::{BatchSummary, MAX_PURPOSE_LEN, Pending, Query, QueryBuilder, SessionId};
pub use resolver::{HitReference, REFERENCE_LEN, Resolution, Resolver};

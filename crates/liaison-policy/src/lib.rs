//! Sharing agreements as machine-checked documents.
//!
//! This crate will hold the agreement language (TOML or JSON), its loader
//! and checker, and the decision engine that answers, for one record, one
//! recipient and one purpose: release (with fields withheld), refuse, or
//! refer to the originator, with reasons and obligations.

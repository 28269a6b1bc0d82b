//! Liaison: share intelligence records across borders.
//!
//! This crate will wire `liaison-record`, `liaison-policy` and
//! `liaison-envelope` into `share` and `receive`, with a tamper-evident
//! audit log.

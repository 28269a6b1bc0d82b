//! Liaison: share intelligence records across borders.

pub mod audit;

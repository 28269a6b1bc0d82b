//! Envelope encryption for agencies.
//!
//! This crate will seal bytes once for many recipient agencies (X25519 key
//! wrapping, ChaCha20-Poly1305), bind opaque handling labels, and prove the
//! sender with Ed25519.

//! Any record that parses can be decided on against a fixed agreement set
//! and redacted; the copy validates and holds no withheld value.
#![no_main]

use std::sync::LazyLock;

use liaison_policy::{PolicySet, fuzzing};
use libfuzzer_sys::fuzz_target;

static POLICIES: LazyLock<Option<PolicySet>> = LazyLock::new(|| fuzzing::fixed_policies().ok());

fuzz_target!(|data: &[u8]| {
    let policies = POLICIES.as_ref().expect("the fixed agreement set loads");
    if let Err(e) = fuzzing::decide_redact(policies, data) {
        panic!("{e}");
    }
});

//! The `liaison` command.

fn main() {}

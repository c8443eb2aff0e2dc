//! Empty: this package only holds the `compare` benchmark (`benches/compare.rs`).

//! Fuzz target: the literal search (vector and word scans) finds exactly what a naive search finds.
//!
//! The check is `fuzz_checks::literal_set`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/literal_set/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::literal_set(data));

//! Fuzz target: the whole policy over an arbitrary Cookie header must never panic, whatever the bytes.
//!
//! The check is `fuzz_checks::decide`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/decide/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::decide(data));

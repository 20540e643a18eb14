//! Fuzz target: the TCF decoder (fast path and full parse, which must agree) must never panic, whatever the bytes.
//!
//! The check is `fuzz_checks::decode_tcf`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/decode_tcf/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::decode_tcf(data));

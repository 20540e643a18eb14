//! Fuzz target: the orestbida cc_cookie decoder must never panic, whatever the bytes.
//!
//! The check is `fuzz_checks::decode_cc_cookie`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/decode_cc_cookie/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::decode_cc_cookie(data));

//! Fuzz target: the OneTrust decoder must never panic, whatever the bytes.
//!
//! The check is `fuzz_checks::decode_onetrust`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/decode_onetrust/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::decode_onetrust(data));

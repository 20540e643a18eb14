//! Fuzz target: the consent endpoint's form parser must never panic, and
//! whatever it accepts redirects to a same-site path and grants `necessary`.
//!
//! The check is `fuzz_checks::consent_form`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/consent_form/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::consent_form(data));

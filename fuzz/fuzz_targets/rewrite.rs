//! The HTML rewriter on arbitrary bytes split at an arbitrary point, with
//! no consent and with full consent: it must never panic, and with full
//! consent it must give the input back byte for byte.
//!
//! The check is `fuzz_checks::rewrite`, which `cargo test` also runs on every
//! saved input in fuzz/regressions/rewrite/ (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::rewrite(data));

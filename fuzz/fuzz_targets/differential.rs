//! The scanner against html5ever's full parser on arbitrary bytes split at
//! an arbitrary point: every element of interest the parser builds, the
//! scanner must see with the same URL attributes.
//!
//! The check is `fuzz_checks::differential`, which `cargo test` also runs
//! on every saved input in fuzz/regressions/differential/
//! (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::differential(data));

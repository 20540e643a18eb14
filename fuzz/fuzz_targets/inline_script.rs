//! Fuzz target: inline-script judgement (the JavaScript lexer, the literal
//! search, statement removal) on arbitrary text must never panic, and its
//! pieces must agree.
//!
//! The check is `fuzz_checks::inline_script`, which `cargo test` also runs
//! on every saved input in fuzz/regressions/inline_script/
//! (tests/fuzz_regressions.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::inline_script(data));

//! The scanner against html5ever's full parser on arbitrary bytes split at
//! an arbitrary point: every element of interest the parser builds, the
//! scanner must see with the same URL attributes.
#![no_main]

#[path = "../../tests/support/differential.rs"]
mod differential;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, html)) = data.split_first() else { return };
    let cut = (split as usize).min(html.len());
    let cuts: &[usize] = if cut > 0 && cut < html.len() { &[cut] } else { &[] };
    if let Err(e) = differential::compare(html, cuts, false) {
        panic!("the scanner disagrees with html5ever: {e}");
    }
});

//! Fuzz target: the consent endpoint's form parser must never panic, and
//! whatever it accepts redirects to a same-site path and grants `necessary`.
#![no_main]

use consentry::consent_ui::form;
use consentry::policy::category::{Categories, Category};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let categories = Categories::default();
    if let Ok(parsed) = form::parse(data, &categories) {
        let to = parsed.return_to.as_bytes();
        assert!(to.starts_with(b"/") && !to.starts_with(b"//"));
        assert!(to.iter().all(|b| b.is_ascii_graphic() && *b != b'\\'));
        assert!(parsed.granted.contains(Category::NECESSARY));
    }
});

//! The HTML rewriter on arbitrary bytes split at an arbitrary point, with
//! no consent and with full consent: it must never panic, and with full
//! consent it must give the input back byte for byte.
#![no_main]

use std::sync::OnceLock;

use consentry::config::Policy;
use consentry::policy::category::CategorySet;
use consentry::rewrite::FilterOptions;
use libfuzzer_sys::fuzz_target;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<std::sync::Arc<Policy>> = OnceLock::new();
    POLICY.get_or_init(Policy::builtin)
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, html)) = data.split_first() else { return };
    let split = (split as usize).min(html.len());
    let policy = policy();
    let options = FilterOptions {
        first_party: Some("www.example.org".into()),
        charset: None,
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
    };
    for granted in [CategorySet::NECESSARY_ONLY, policy.categories.all()] {
        let Ok(mut filter) = policy.rewriter.filter(granted, &options) else { return };
        let mut out = Vec::new();
        let ok = filter
            .write(&html[..split])
            .and_then(|o| {
                out.extend(o);
                filter.write(&html[split..])
            })
            .map(|o| out.extend(o));
        if ok.is_err() {
            continue;
        }
        if let Ok((tail, _)) = filter.end() {
            out.extend(tail);
            if granted == policy.categories.all() {
                assert_eq!(out, html, "full consent must not change a byte");
            }
        }
    }
});

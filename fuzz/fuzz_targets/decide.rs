//! Fuzz target: the whole policy over an arbitrary Cookie header must never panic, whatever the bytes.
#![no_main]

use consentry::policy::category::Categories;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let mut settings = consentry::policy::consent::ConsentSettings::defaults();
    settings.region.header = Some("CF-IPCountry".to_string());
    let Ok(policy) = settings.compile(&categories) else {
        return;
    };
    let cookies = consentry::policy::request_cookies::RequestCookies::parse(&value);
    let region = value.get(..2);
    let signals = consentry::policy::consent::RequestSignals {
        cookies: &cookies,
        gpc: Some(&value),
        region,
    };
    let consent = policy.decide(&signals);
    assert_eq!(policy.explain(&signals).consent, consent);
    assert!(consent
        .granted
        .contains(consentry::policy::category::Category::NECESSARY));
});

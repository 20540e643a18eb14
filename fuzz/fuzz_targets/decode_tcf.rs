//! Fuzz target: the TCF decoder (fast path and full parse, which must agree) must never panic, whatever the bytes.
#![no_main]

use consentry::policy::consent::Decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let d = consentry::policy::consent::tcf::TcfDecoder::defaults();
    let fast = consentry::policy::consent::tcf::purposes_consent(&value);
    let full = consentry::policy::consent::tcf::TcString::parse(&value);
    assert_eq!(
        fast.is_ok(),
        full.is_ok(),
        "fast and full decoders disagree"
    );
    if let (Ok(p), Ok(tc)) = (fast, full) {
        assert_eq!(p, tc.purposes_consent);
    }
    let _ = d.decode(&value);
    let _ = d.describe(&value);
});

//! Fuzz target: the GPP decoder must never panic, whatever the bytes.
#![no_main]

use consentry::policy::category::Categories;
use consentry::policy::consent::Decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let d = consentry::policy::consent::gpp::GppDecoder::defaults(&categories);
    let _ = d.decode(&value);
    let _ = d.describe(&value);
});

//! What each fuzz target checks, as plain functions: the cargo-fuzz
//! targets in `fuzz_targets/` call them on libFuzzer's inputs, and
//! `tests/fuzz_regressions.rs` replays every saved input in
//! `fuzz/regressions/<target>/` through them in `cargo test`.

use std::sync::{Arc, OnceLock};

use consentry::config::Policy;
use consentry::consent_ui::form;
use consentry::policy::category::{Categories, Category, CategorySet};
use consentry::policy::consent::Decoder;
use consentry::rewrite::FilterOptions;

/// A target's check: panics on a failure.
pub type Check = fn(&[u8]);

/// Every target's name and check.
pub const TARGETS: &[(&str, Check)] = &[
    ("consent_form", consent_form),
    ("decide", decide),
    ("decode_cc_cookie", decode_cc_cookie),
    ("decode_consentry", decode_consentry),
    ("decode_cookiebot", decode_cookiebot),
    ("decode_gpp", decode_gpp),
    ("decode_klaro", decode_klaro),
    ("decode_onetrust", decode_onetrust),
    ("decode_tcf", decode_tcf),
    ("differential", differential),
    ("inline_script", inline_script),
    ("literal_set", literal_set),
    ("rewrite", rewrite),
];

/// The literal search (its AVX2 kernel where the CPU has one, the word
/// scan for the rest) finds exactly what a naive search finds. The input
/// is literals separated by NUL, then, after a second NUL, the text.
pub fn literal_set(data: &[u8]) {
    use consentry::policy::literal_set::{Hit, LiteralSet, MIN_LITERAL};
    let Some(split) = data.windows(2).position(|w| w == b"\0\0") else {
        return;
    };
    let literals: Vec<String> = data[..split]
        .split(|&b| b == 0)
        .filter(|l| l.len() >= MIN_LITERAL && l.is_ascii())
        .take(64)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let Some(set) = LiteralSet::new(&literals) else {
        return;
    };
    let text = &data[split + 2..];
    let mut naive: Vec<Hit> = Vec::new();
    for start in 0..text.len() {
        for (pattern, literal) in literals.iter().enumerate() {
            let end = start + literal.len();
            if text
                .get(start..end)
                .is_some_and(|t| t.eq_ignore_ascii_case(literal.as_bytes()))
            {
                naive.push(Hit {
                    pattern,
                    start,
                    end,
                });
            }
        }
    }
    naive.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.pattern));
    naive.dedup();
    assert_eq!(set.hits_in_bytes(text), naive);
}

/// The consent endpoint's form parser never panics, and whatever it
/// accepts redirects to a same-site path and grants `necessary`.
pub fn consent_form(data: &[u8]) {
    let categories = Categories::default();
    if let Ok(parsed) = form::parse(data, &categories) {
        let to = parsed.return_to.as_bytes();
        assert!(to.starts_with(b"/") && !to.starts_with(b"//"));
        assert!(to.iter().all(|b| b.is_ascii_graphic() && *b != b'\\'));
        assert!(parsed.granted.contains(Category::NECESSARY));
    }
}

/// The whole policy over an arbitrary Cookie header never panics, explains
/// what it decides, and always grants `necessary`.
pub fn decide(data: &[u8]) {
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
    assert!(consent.granted.contains(Category::NECESSARY));
}

/// The orestbida cc_cookie decoder never panics.
pub fn decode_cc_cookie(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let _ = consentry::policy::consent::cc_cookie::CcCookieDecoder::defaults(&categories)
        .decode(&value);
}

/// The own-cookie decoder never panics.
pub fn decode_consentry(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let _ = consentry::policy::consent::consentry::ConsentryDecoder::defaults(&categories)
        .decode(&value);
}

/// The Cookiebot decoder never panics.
pub fn decode_cookiebot(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let d = consentry::policy::consent::cookiebot::CookiebotDecoder::defaults(&categories);
    let _ = d.decode(&value);
    let _ = d.describe(&value);
}

/// The GPP decoder never panics.
pub fn decode_gpp(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let d = consentry::policy::consent::gpp::GppDecoder::defaults(&categories);
    let _ = d.decode(&value);
    let _ = d.describe(&value);
}

/// The Klaro decoder never panics.
pub fn decode_klaro(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let categories = Categories::default();
    let _ = consentry::policy::consent::klaro::KlaroDecoder::defaults(&categories).decode(&value);
}

/// The OneTrust decoder never panics.
pub fn decode_onetrust(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let d = consentry::policy::consent::onetrust::OneTrustDecoder::defaults();
    let _ = d.decode(&value);
    let _ = d.describe(&value);
}

/// The TCF decoder never panics, and its fast path and full parse agree.
pub fn decode_tcf(data: &[u8]) {
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
}

#[path = "../tests/support/differential.rs"]
mod differential_support;

/// The scanner against html5ever's full parser on arbitrary bytes split at
/// the point the first byte names: every element of interest the parser
/// builds, the scanner sees with the same URL attributes.
pub fn differential(data: &[u8]) {
    let Some((&split, html)) = data.split_first() else {
        return;
    };
    let cut = (split as usize).min(html.len());
    let cuts: &[usize] = if cut > 0 && cut < html.len() {
        &[cut]
    } else {
        &[]
    };
    if let Err(e) = differential_support::compare(html, cuts, false) {
        panic!("the scanner disagrees with html5ever: {e}");
    }
}

fn builtin_policy() -> &'static Policy {
    static POLICY: OnceLock<Arc<Policy>> = OnceLock::new();
    POLICY.get_or_init(Policy::builtin)
}

/// The HTML rewriter on arbitrary bytes split at the point the first byte
/// names, with no consent and with full consent: it never panics, and with
/// full consent it gives the input back byte for byte.
pub fn rewrite(data: &[u8]) {
    let Some((&split, html)) = data.split_first() else {
        return;
    };
    let split = (split as usize).min(html.len());
    let policy = builtin_policy();
    let options = FilterOptions {
        first_party: Some("www.example.org".into()),
        charset: None,
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    let all: CategorySet = policy.categories.all();
    for granted in [CategorySet::NECESSARY_ONLY, all] {
        let Ok(mut filter) = policy.rewriter.filter(granted, &options) else {
            return;
        };
        let mut out = Vec::new();
        // The first piece through the copying entry point, the second
        // through the sharing one the proxy uses.
        let ok = filter
            .write(&html[..split])
            .and_then(|o| {
                out.extend(o);
                filter.write_shared(bytes::Bytes::copy_from_slice(&html[split..]))
            })
            .map(|o| out.extend(o.to_vec()));
        if ok.is_err() {
            continue;
        }
        if let Ok((tail, _)) = filter.end() {
            out.extend(tail);
            if granted == all {
                assert_eq!(out, html, "full consent must not change a byte");
            }
        }
    }
}

/// Inline-script judgement on arbitrary text (read as UTF-8, lossily):
/// the lexer's tokens lie in order on character boundaries and reading in
/// steps gives the tokens of one pass; the verdict names the rule the
/// quick search finds, a second sight (from the verdict cache) gives the
/// same, and the statements it removes lie in order, apart, on character
/// boundaries; code the visitor sets off is judged without a panic.
pub fn inline_script(data: &[u8]) {
    use consentry::policy::inline::InlineRemoval;
    use consentry::policy::js;
    let text = String::from_utf8_lossy(data);
    let lexed = js::lex(&text);
    let mut end = 0;
    for token in &lexed.tokens {
        let range = token.range.clone();
        assert!(
            end <= range.start && range.start <= range.end,
            "{range:?} after {end}"
        );
        assert!(
            text.get(range.clone()).is_some(),
            "{range:?} off a character boundary"
        );
        end = range.end;
    }
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut lexer = js::Lexer::new(&text);
    for at in (0..text.len()).step_by(step) {
        lexer.lex_until(at);
    }
    assert_eq!(
        lexer.finish().tokens,
        lexed.tokens,
        "reading in steps of {step}"
    );

    let rules = builtin_policy().rewriter.rules();
    let granted = CategorySet::NECESSARY_ONLY;
    let verdict = rules.decide_inline(&text, granted);
    assert_eq!(rules.decide_inline(&text, granted), verdict, "second sight");
    assert_eq!(
        rules.match_inline(&text, granted),
        verdict.as_ref().map(|v| v.rule)
    );
    if let Some(InlineRemoval::Statements(ranges)) = verdict.map(|v| v.removal) {
        let mut end = 0;
        for range in ranges {
            assert!(
                end <= range.start && range.start < range.end,
                "{range:?} after {end}"
            );
            assert!(
                text.get(range.clone()).is_some(),
                "{range:?} off a character boundary"
            );
            end = range.end;
        }
    }
    let _ = rules.decide_triggered(&text, granted);
}

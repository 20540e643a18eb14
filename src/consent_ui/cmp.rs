//! What decides whether a page gets the banner beyond its request: a
//! consent manager of its own (`consent_ui.banner = "auto"`), and a
//! Content-Security-Policy that would block the banner's stylesheet or form.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

use crate::policy::literal_set::LiteralSet;

/// Consent managers and their loader URLs' distinctive parts (our own facts).
pub const CONSENT_MANAGERS: &[(&str, &[&str])] = &[
    (
        "OneTrust",
        &[
            "cdn.cookielaw.org",
            "optanon.blob.core.windows.net",
            "cookiepro.com/",
            "otsdkstub.js",
        ],
    ),
    (
        "Cookiebot",
        &["consent.cookiebot.com", "consent.cookiebot.eu"],
    ),
    (
        "Usercentrics",
        &[
            "app.usercentrics.eu",
            "web.cmp.usercentrics.eu",
            "privacy-proxy.usercentrics.eu",
        ],
    ),
    ("Didomi", &["sdk.privacy-center.org"]),
    (
        "Quantcast Choice",
        &["cmp.quantcast.com", "quantcast.mgr.consensu.org"],
    ),
    (
        "TrustArc",
        &["consent.trustarc.com", "consent-pref.trustarc.com"],
    ),
    (
        "Sourcepoint",
        &[
            "cdn.privacy-mgmt.com",
            "wrappermessagingwithoutdetection.js",
        ],
    ),
    ("iubenda", &["cdn.iubenda.com/cs/", "cs.iubenda.com"]),
    ("CookieYes", &["cdn-cookieyes.com"]),
    ("Osano", &["cmp.osano.com"]),
    (
        "Klaro",
        &[
            "/klaro.js",
            "/klaro-no-css.js",
            "/klaro.min.js",
            "kiprotect.com/klaro",
        ],
    ),
    (
        "orestbida/cookieconsent",
        &[
            "/cookieconsent.umd.js",
            "/cookieconsent.js",
            "/cookieconsent.min.js",
            "vanilla-cookieconsent",
        ],
    ),
    ("Complianz", &["/complianz-gdpr", "/complianz-gdpr-premium"]),
    ("Borlabs Cookie", &["/borlabs-cookie/"]),
    (
        "consentmanager",
        &["cdn.consentmanager.net", "delivery.consentmanager.net"],
    ),
    ("CookieFirst", &["consent.cookiefirst.com"]),
    ("Cookie Script", &["cdn.cookie-script.com"]),
    ("Termly", &["app.termly.io/embed"]),
    ("CookieHub", &["cookiehub.net/c2/"]),
    ("Axeptio", &["static.axept.io"]),
    ("tarteaucitron", &["/tarteaucitron.js"]),
];

/// Every loader marker in one literal set, with the manager of each.
static LOADERS: LazyLock<(LiteralSet, Vec<&'static str>)> = LazyLock::new(|| {
    let (mut patterns, mut names) = (Vec::new(), Vec::new());
    for (name, markers) in CONSENT_MANAGERS {
        for marker in *markers {
            patterns.push(marker.to_string());
            names.push(*name);
        }
    }
    let set = LiteralSet::new(&patterns).expect("static markers, each long enough");
    (set, names)
});

static BODY_START: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .build(["<body"])
        .expect("static pattern builds")
});

/// What [`consent_manager`] found, by the text's 128-bit hash and length:
/// a site serves the same page head again and again.
static FOUND: LazyLock<quick_cache::sync::Cache<(u128, usize), Option<&'static str>>> =
    LazyLock::new(|| quick_cache::sync::Cache::new(REMEMBERED_HEADS));

/// How many page heads' verdicts are remembered.
const REMEMBERED_HEADS: usize = 4096;

/// The consent manager whose loader appears in `html`, if any.
pub fn consent_manager(html: &[u8]) -> Option<&'static str> {
    let key = (xxhash_rust::xxh3::xxh3_128(html), html.len());
    if let Some(found) = FOUND.get(&key) {
        return found;
    }
    let (set, names) = &*LOADERS;
    let found = set
        .hits_in_bytes(html)
        .first()
        .map(|hit| names[hit.pattern]);
    FOUND.insert(key, found);
    found
}

/// Where the first `<body` in `html` starts, if any (a cheap bound for how
/// much of a page is read before the banner decision; the rewriter itself
/// decides where the body really starts).
pub fn body_start(html: &[u8]) -> Option<usize> {
    BODY_START.find(html).map(|m| m.start())
}

/// Whether the page's enforced `Content-Security-Policy` headers let the
/// banner work: a same-origin stylesheet (`style-src-elem`, else
/// `style-src`, else `default-src`) and a same-origin form
/// (`form-action`). If not, the banner is not injected (and counted):
/// a form the page's own policy forbids would fail for the visitor.
pub fn csp_allows_banner<'a>(policies: impl IntoIterator<Item = &'a str>) -> bool {
    policies.into_iter().all(|policy| {
        let directive = |name: &str| {
            policy.split(';').find_map(|d| {
                let mut words = d.split_ascii_whitespace();
                let n = words.next()?;
                n.eq_ignore_ascii_case(name)
                    .then(|| words.collect::<Vec<_>>())
            })
        };
        let allows_self = |sources: Option<Vec<&str>>| {
            sources.is_none_or(|s| {
                s.iter()
                    .any(|w| w.eq_ignore_ascii_case("'self'") || *w == "*")
            })
        };
        let style = directive("style-src-elem")
            .or_else(|| directive("style-src"))
            .or_else(|| directive("default-src"));
        allows_self(style) && allows_self(directive("form-action"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_consent_managers_by_loader() {
        for (html, name) in [
            (&b"<script src=\"https://cdn.cookielaw.org/scripttemplates/otSDKStub.js\"></script>"[..], "OneTrust"),
            (b"<script id=Cookiebot src=https://CONSENT.COOKIEBOT.COM/uc.js>", "Cookiebot"),
            (b"<script src=\"/wp-content/plugins/complianz-gdpr/cookiebanner/js/complianz.min.js\">", "Complianz"),
            (b"<script src=\"https://cdn.jsdelivr.net/gh/orestbida/cookieconsent@3.0.1/dist/cookieconsent.umd.js\">", "orestbida/cookieconsent"),
            (b"<script defer src=\"/assets/klaro.js\">", "Klaro"),
            (b"<script src=\"https://sdk.privacy-center.org/loader.js\">", "Didomi"),
        ] {
            // Found, then remembered.
            assert_eq!(consent_manager(html), Some(name));
            assert_eq!(consent_manager(html), Some(name));
        }
        for _ in 0..2 {
            assert_eq!(
                consent_manager(b"<p>We use cookies.</p><script src=/app.js>"),
                None
            );
        }
    }

    #[test]
    fn finds_the_body_start() {
        assert_eq!(body_start(b"<html><head></head><BODY class=x>"), Some(19));
        assert_eq!(body_start(b"<html><head><title>body</title>"), None);
    }

    #[test]
    fn reads_csp() {
        assert!(csp_allows_banner([]));
        assert!(csp_allows_banner(["default-src 'self'"]));
        assert!(csp_allows_banner([
            "script-src 'none'; style-src 'self' https://cdn.example"
        ]));
        assert!(csp_allows_banner(["img-src *"]));
        assert!(!csp_allows_banner(["default-src 'none'"]));
        assert!(!csp_allows_banner(["style-src 'nonce-abc'"]));
        assert!(!csp_allows_banner([
            "default-src 'self'; form-action https://pay.example"
        ]));
        assert!(csp_allows_banner([
            "style-src 'none'; style-src-elem 'self'"
        ]));
        assert!(!csp_allows_banner([
            "default-src 'self'",
            "style-src https://cdn.example"
        ]));
    }
}

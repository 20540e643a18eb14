//! `[tags]` policies beyond the rules: unclassified third parties
//! (`tags.unclassified`, its allowlist, first party by registrable domain)
//! and Google Consent Mode actions (`gcm-basic`, `gcm-advanced`).

use consentry::config::{compile, Policy};
use consentry::policy::category::Category;
use consentry::policy::consent_mode::ConsentMode;
use consentry::policy::tags::ElementKind;

fn policy(tags: &str) -> Policy {
    compile(&format!("[tags]\n{tags}"), "site.toml").unwrap()
}

const UNKNOWN: &str = "https://cdn.unknown-vendor.example/widget.js";

#[test]
fn unclassified_keep_is_the_default() {
    let p = policy("");
    let rules = p.rewriter.rules();
    for kind in [ElementKind::Script, ElementKind::Iframe, ElementKind::Embed] {
        assert_eq!(
            rules.match_url(UNKNOWN, kind, Some("www.site.example")),
            None
        );
        assert!(!rules.reports_unclassified(UNKNOWN, kind, Some("www.site.example")));
    }
}

#[test]
fn unclassified_report_matches_nothing_but_reports() {
    let p = policy("unclassified = \"report\"");
    let rules = p.rewriter.rules();
    let page = Some("www.site.example");
    assert_eq!(rules.match_url(UNKNOWN, ElementKind::Script, page), None);
    assert!(rules.reports_unclassified(UNKNOWN, ElementKind::Script, page));
    assert!(rules.reports_unclassified(UNKNOWN, ElementKind::Iframe, page));
    assert!(rules.reports_unclassified(UNKNOWN, ElementKind::Embed, page));
    assert!(!rules.reports_unclassified(UNKNOWN, ElementKind::Img, page));
    assert!(!rules.reports_unclassified("/js/app.js", ElementKind::Script, page));
    assert!(!rules.reports_unclassified(
        "https://static.site.example/app.js",
        ElementKind::Script,
        page
    ));
    // Report mode adds no category: full consent still skips the rewriter.
    assert!(!p.rewriter.needs_rewrite(p.categories.all()));
}

#[test]
fn unclassified_remove_ties_to_a_category() {
    let p = policy("unclassified = \"remove\"");
    let rules = p.rewriter.rules();
    let page = Some("www.site.example");
    let id = rules.match_url(UNKNOWN, ElementKind::Script, page).unwrap();
    let rule = rules.rule(id);
    assert_eq!(rule.id, "unclassified-third-party");
    assert_eq!(rule.category, Category::MARKETING, "the default category");
    assert_eq!(
        rules.match_url(UNKNOWN, ElementKind::Iframe, page),
        Some(id)
    );
    assert_eq!(rules.match_url(UNKNOWN, ElementKind::Embed, page), Some(id));
    assert_eq!(rules.match_url(UNKNOWN, ElementKind::Img, page), None);
    assert_eq!(
        rules.match_url(UNKNOWN, ElementKind::Script, None),
        None,
        "page unknown"
    );
    // Known vendors keep their own rule.
    let ga = rules
        .match_url(
            "https://www.google-analytics.com/analytics.js",
            ElementKind::Script,
            page,
        )
        .unwrap();
    assert_eq!(rules.rule(ga).id, "google-analytics");
    // Granting the category keeps them, so full consent changes nothing.
    assert!(!p.rewriter.needs_rewrite(p.categories.all()));

    let p = policy("unclassified = \"remove\"\nunclassified_category = \"preferences\"");
    let rules = p.rewriter.rules();
    let id = rules.match_url(UNKNOWN, ElementKind::Script, page).unwrap();
    assert_eq!(rules.rule(id).category, Category::PREFERENCES);
}

#[test]
fn the_allowlist_has_infrastructure_defaults_and_its_own_hosts() {
    let p = policy(
        "unclassified = \"remove\"\n[tags.unclassified_allow]\nhosts = [\"widgets.partner.example\"]",
    );
    let rules = p.rewriter.rules();
    let page = Some("www.site.example");
    for url in [
        "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js",
        "https://fonts.googleapis.com/css2?family=Inter",
        "https://www.google.com/recaptcha/api.js",
        "https://js.hcaptcha.com/1/api.js",
        "https://js.stripe.com/v3/",
        "https://www.paypal.com/sdk/js?client-id=x",
        "https://maps.googleapis.com/maps/api/js?key=x",
        "https://cdn.cookielaw.org/scripttemplates/otSDKStub.js",
        "https://eu.widgets.partner.example/w.js",
    ] {
        assert_eq!(
            rules.match_url(url, ElementKind::Script, page),
            None,
            "{url}"
        );
    }
    // Only the named groups: without `payments`, Stripe is unclassified.
    let p = policy(
        "unclassified = \"remove\"\n[tags.unclassified_allow]\ngroups = [\"libraries\", \"fonts\"]",
    );
    let rules = p.rewriter.rules();
    assert!(rules
        .match_url("https://js.stripe.com/v3/", ElementKind::Script, page)
        .is_some());
    assert!(rules
        .match_url(
            "https://cdnjs.cloudflare.com/ajax/libs/x.js",
            ElementKind::Script,
            page
        )
        .is_none());
}

#[test]
fn first_party_is_the_registrable_domain() {
    let p = policy("unclassified = \"remove\"");
    let rules = p.rewriter.rules();
    let cases = [
        ("https://cdn.example.com/app.js", "www.example.com", false),
        ("https://static.bbc.co.uk/app.js", "www.bbc.co.uk", false),
        (
            "https://assets.news.com.au/app.js",
            "www.news.com.au",
            false,
        ),
        ("https://cdn.other.co.uk/app.js", "www.bbc.co.uk", true),
        (
            "https://assets.other.com.au/app.js",
            "www.news.com.au",
            true,
        ),
        ("https://bob.github.io/lib.js", "alice.github.io", true),
        (
            "https://cdn.alice.github.io/lib.js",
            "alice.github.io",
            false,
        ),
        ("https://x.herokuapp.com/lib.js", "y.herokuapp.com", true),
    ];
    for (url, page, third) in cases {
        assert_eq!(
            rules
                .match_url(url, ElementKind::Script, Some(page))
                .is_some(),
            third,
            "{url} on {page}"
        );
    }
    // Catalogue host rules follow the same site test.
    assert_eq!(
        rules.match_url(
            "https://www.google-analytics.com/analytics.js",
            ElementKind::Script,
            Some("support.google-analytics.com")
        ),
        None
    );
    assert_eq!(
        rules.match_hint(
            "https://stats.g.doubleclick.net",
            Some("www.doubleclick.net")
        ),
        None
    );
}

#[test]
fn unclassified_settings_fail_with_file_key_and_reason() {
    let cases = [
        (
            "[tags]\nunclassified = \"strip\"",
            "tags.unclassified",
            "unknown variant",
        ),
        (
            "[tags]\nunclassified = \"remove\"\nunclassified_category = \"tracking\"",
            "tags.unclassified_category",
            "unknown category",
        ),
        (
            "[tags]\nunclassified = \"remove\"\nunclassified_category = \"necessary\"",
            "tags.unclassified_category",
            "never act",
        ),
        (
            "[tags.unclassified_allow]\ngroups = [\"fonts\", \"everything\"]",
            "tags.unclassified_allow.groups[1]",
            "unknown group `everything`",
        ),
        (
            "[tags.unclassified_allow]\nhosts = [\"https://x.example\"]",
            "tags.unclassified_allow.hosts[0]",
            "not a host name",
        ),
        (
            "[tags.unclassified_allow]\nhost = [\"x.example\"]",
            "tags.unclassified_allow.host",
            "unknown field",
        ),
        (
            "[tags]\ngoogle_consent_mode = \"full\"",
            "tags.google_consent_mode",
            "unknown variant",
        ),
    ];
    for (text, key, reason) in cases {
        let e = compile(text, "site.toml").expect_err(text);
        assert_eq!(e.key, key, "{e}");
        assert!(e.reason.contains(reason), "{e}");
        assert!(
            e.to_string().starts_with(&format!("site.toml: {key}: ")),
            "{e}"
        );
    }
}

fn consent_mode_of(p: &Policy, id: &str) -> Option<ConsentMode> {
    let rules = p.rewriter.rules();
    rules
        .rules()
        .iter()
        .find(|r| r.id == id)
        .unwrap()
        .consent_mode
}

#[test]
fn consent_mode_is_off_by_default_and_opt_in() {
    let p = policy("");
    for id in ["google-analytics", "google-tag-manager", "google-ads"] {
        assert_eq!(consent_mode_of(&p, id), None, "{id}");
    }
    let p = policy("google_consent_mode = \"gcm-basic\"");
    for id in ["google-analytics", "google-tag-manager", "google-ads"] {
        assert_eq!(consent_mode_of(&p, id), Some(ConsentMode::Basic), "{id}");
    }
    assert_eq!(consent_mode_of(&p, "doubleclick"), None);
    let p = policy("google_consent_mode = \"gcm-advanced\"");
    assert_eq!(
        consent_mode_of(&p, "google-analytics"),
        Some(ConsentMode::Advanced)
    );
}

#[test]
fn a_rule_action_sets_consent_mode_and_the_last_rule_wins() {
    let p = policy(
        "google_consent_mode = \"gcm-basic\"\n\
         [[tags.rule]]\nid = \"google-analytics\"\nvendor = \"Google Analytics\"\ncategory = \"analytics\"\n\
         hosts = [\"google-analytics.com\"]\naction = \"gcm-advanced\"\n\
         [[tags.rule]]\nid = \"own-gtag\"\nvendor = \"Own gtag\"\ncategory = \"marketing\"\n\
         hosts = [\"gtag.site.example\"]\naction = \"gcm-basic\"",
    );
    assert_eq!(
        consent_mode_of(&p, "google-analytics"),
        Some(ConsentMode::Advanced)
    );
    assert_eq!(consent_mode_of(&p, "own-gtag"), Some(ConsentMode::Basic));
    assert_eq!(
        consent_mode_of(&p, "google-tag-manager"),
        Some(ConsentMode::Basic)
    );
    // The element action stays removal: an engine that does not know
    // Consent Mode fails closed.
    let rules = p.rewriter.rules();
    let ga = rules
        .rules()
        .iter()
        .find(|r| r.id == "google-analytics")
        .unwrap();
    assert_eq!(ga.action.name(), "remove");
}

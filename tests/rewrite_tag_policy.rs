//! The rewriter applying the `[tags]` policies: Google Consent Mode
//! defaults before the first kept Google tag (with its nonce), unclassified
//! third parties reported or removed, and filter lists seeing each element's
//! request type. Every document is also fed at random chunk sizes.

use consentry::config::{compile, Policy};
use consentry::policy::category::{Category, CategorySet};
use consentry::rewrite::{FilterOptions, Report};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LISTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/filter_lists");

fn policy(config: &str) -> Policy {
    compile(config, &format!("{LISTS}/consentry.toml")).unwrap()
}

fn options(report_only: bool) -> FilterOptions {
    FilterOptions {
        first_party: Some("www.site.example".into()),
        charset: None,
        report_only,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    }
}

/// Rewrites `html` whole, then at random chunk sizes, checks both agree.
fn rewrite(
    policy: &Policy,
    granted: CategorySet,
    html: &str,
    report_only: bool,
) -> (String, Report) {
    let run = |cuts: &[usize]| {
        let mut filter = policy
            .rewriter
            .filter(granted, &options(report_only))
            .unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        for &cut in cuts.iter().chain(std::iter::once(&html.len())) {
            out.extend(filter.write(&html.as_bytes()[at..cut]).unwrap());
            at = cut;
        }
        let (tail, report) = filter.end().unwrap();
        out.extend(tail);
        (String::from_utf8(out).unwrap(), report)
    };
    let whole = run(&[]);
    let seed: u64 = rand::rng().random();
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..8 {
        let mut cuts = Vec::new();
        let mut at = 0;
        loop {
            at += rng.random_range(1..24);
            if at >= html.len() {
                break;
            }
            cuts.push(at);
        }
        assert_eq!(run(&cuts), whole, "seed {seed}, cuts {cuts:?}");
    }
    whole
}

const GOOGLE_PAGE: &str = "<!doctype html><html><head><title>t</title>\
<script async nonce=\"n0nce\" src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>\
<script nonce=\"n0nce\">window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}\
gtag('js',new Date());gtag('config','G-1');</script>\
<script src=\"/app.js\"></script></head><body><p>Hi</p></body></html>";

fn granted(categories: &[Category]) -> CategorySet {
    categories
        .iter()
        .fold(CategorySet::NECESSARY_ONLY, |set, c| set.with(*c))
}

#[test]
fn gcm_basic_injects_matching_defaults_before_the_first_kept_google_tag() {
    let p = policy("[tags]\ngoogle_consent_mode = \"gcm-basic\"");
    let (out, _) = rewrite(&p, granted(&[Category::ANALYTICS]), GOOGLE_PAGE, false);
    let defaults = out
        .find("<script nonce=\"n0nce\" data-consentry-injected=\"consent-mode\">")
        .expect(&out);
    let tag = out.find("googletagmanager.com/gtag/js").unwrap();
    assert!(defaults < tag, "{out}");
    assert!(out.contains("'analytics_storage':'granted'"), "{out}");
    assert!(out.contains("'ad_storage':'denied'"), "{out}");
    assert!(out.contains("'functionality_storage':'denied'"), "{out}");
    assert_eq!(
        out.matches("gtag('consent','default'").count(),
        1,
        "once: {out}"
    );
    // Everything else is as it came.
    assert_eq!(
        out.replacen(
            &out[defaults..tag - "<script async nonce=\"n0nce\" src=\"https://www.".len()],
            "",
            1
        ),
        GOOGLE_PAGE
    );
}

#[test]
fn gcm_basic_removes_denied_google_tags_without_defaults() {
    let p = policy("[tags]\ngoogle_consent_mode = \"gcm-basic\"");
    let (out, report) = rewrite(&p, CategorySet::NECESSARY_ONLY, GOOGLE_PAGE, false);
    assert!(!out.contains("googletagmanager"), "{out}");
    assert!(!out.contains("consent-mode"), "{out}");
    assert!(!out.contains("gtag('config'"), "{out}");
    assert!(out.contains("/app.js"));
    assert_eq!(report.enforcements.len(), 2);
}

#[test]
fn gcm_advanced_keeps_google_tags_with_denied_defaults() {
    let p = policy("[tags]\ngoogle_consent_mode = \"gcm-advanced\"");
    let (out, report) = rewrite(&p, CategorySet::NECESSARY_ONLY, GOOGLE_PAGE, false);
    assert!(report.enforcements.is_empty(), "{report:?}");
    let defaults = out
        .find("data-consentry-injected=\"consent-mode\"")
        .expect(&out);
    assert!(defaults < out.find("gtag/js").unwrap());
    for name in [
        "ad_storage",
        "ad_user_data",
        "ad_personalization",
        "analytics_storage",
    ] {
        assert!(out.contains(&format!("'{name}':'denied'")), "{name}: {out}");
    }
    assert!(
        out.contains("gtag('set','ads_data_redaction',true);gtag('set','url_passthrough',false);")
    );
    assert!(
        out.contains("gtag('config','G-1')"),
        "the inline tag stays: {out}"
    );
}

#[test]
fn an_inline_google_tag_first_gets_the_defaults_at_its_start() {
    let page = "<html><head><script nonce=\"x\">(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':\
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s);\
j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);\
})(window,document,'script','dataLayer','GTM-X');</script></head><body></body></html>";
    let p = policy("[tags]\ngoogle_consent_mode = \"gcm-advanced\"");
    let (out, _) = rewrite(&p, granted(&[Category::PREFERENCES]), page, false);
    let js =
        consentry::policy::consent_mode::defaults_js(granted(&[Category::PREFERENCES])).unwrap();
    assert_eq!(
        out,
        page.replacen(
            "<script nonce=\"x\">",
            &format!("<script nonce=\"x\">{js}"),
            1
        )
    );
    assert!(out.contains("'functionality_storage':'granted'"));
}

#[test]
fn consent_mode_changes_nothing_with_full_consent_or_in_report_only_mode() {
    for mode in ["gcm-basic", "gcm-advanced"] {
        let p = policy(&format!("[tags]\ngoogle_consent_mode = \"{mode}\""));
        let all = p.categories.all();
        assert!(!p.rewriter.needs_rewrite(all), "{mode}");
        assert!(
            p.rewriter.needs_rewrite(all.without(Category::PREFERENCES)),
            "{mode}: a denied mapped category needs the defaults"
        );
        assert_eq!(
            rewrite(&p, all, GOOGLE_PAGE, false).0,
            GOOGLE_PAGE,
            "{mode}"
        );
        assert_eq!(
            rewrite(&p, CategorySet::NECESSARY_ONLY, GOOGLE_PAGE, true).0,
            GOOGLE_PAGE,
            "{mode}"
        );
    }
    // Without Consent Mode, the Google tags go as before.
    let p = policy("");
    let (out, _) = rewrite(&p, granted(&[Category::ANALYTICS]), GOOGLE_PAGE, false);
    assert_eq!(
        out, GOOGLE_PAGE,
        "analytics granted: kept, nothing injected"
    );
}

const THIRD_PARTIES: &str = "<html><head>\
<script src=\"https://cdn.unknown-vendor.example/w.js\"></script>\
<script src=\"https://static.site.example/app.js\"></script>\
<script src=\"https://cdnjs.cloudflare.com/ajax/libs/x.js\"></script>\
</head><body><iframe src=\"https://frames.unknown-vendor.example/f\"></iframe>\
<embed src=\"https://media.unknown-vendor.example/m.swf\">\
<img src=\"https://pixels.unknown-vendor.example/p.gif\"></body></html>";

#[test]
fn unclassified_report_reports_and_changes_nothing() {
    let p = policy("[tags]\nunclassified = \"report\"");
    for report_only in [false, true] {
        let (out, report) = rewrite(&p, CategorySet::NECESSARY_ONLY, THIRD_PARTIES, report_only);
        assert_eq!(out, THIRD_PARTIES);
        let urls: Vec<(&str, &str)> = report
            .unclassified
            .iter()
            .map(|r| (r.element.name(), r.url.as_str()))
            .collect();
        assert_eq!(
            urls,
            [
                ("script", "https://cdn.unknown-vendor.example/w.js"),
                ("iframe", "https://frames.unknown-vendor.example/f"),
                ("embed", "https://media.unknown-vendor.example/m.swf"),
            ]
        );
    }
}

#[test]
fn unclassified_remove_removes_until_its_category_is_granted() {
    let p = policy("[tags]\nunclassified = \"remove\"");
    let (out, report) = rewrite(&p, CategorySet::NECESSARY_ONLY, THIRD_PARTIES, false);
    assert!(report.unclassified.is_empty());
    for gone in [
        "cdn.unknown-vendor",
        "frames.unknown-vendor",
        "media.unknown-vendor",
    ] {
        assert!(!out.contains(gone), "{gone}: {out}");
    }
    for kept in [
        "static.site.example",
        "cdnjs.cloudflare.com",
        "pixels.unknown-vendor",
    ] {
        assert!(out.contains(kept), "{kept}: {out}");
    }
    let marketing = granted(&[Category::MARKETING]);
    assert_eq!(
        rewrite(&p, marketing, THIRD_PARTIES, false).0,
        THIRD_PARTIES
    );
}

#[test]
fn filter_lists_see_the_request_type_of_each_element() {
    let p = policy("[[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"analytics\"\n");
    let page = "<html><head>\
<link rel=\"stylesheet\" href=\"https://styles.example-fonts-tracker.net/a.css\">\
<link rel=\"preload\" as=\"style\" href=\"https://styles.example-fonts-tracker.net/b.css\">\
<script src=\"https://img.example-pixels.net/p.js\"></script>\
</head><body><img src=\"https://img.example-pixels.net/p.gif\">\
<iframe src=\"https://frames.example-social.net/like\"></iframe>\
<script src=\"https://frames.example-social.net/like.js\"></script></body></html>";
    let (out, report) = rewrite(&p, CategorySet::NECESSARY_ONLY, page, false);
    assert!(!out.contains("a.css"), "$stylesheet: {out}");
    assert!(out.contains("b.css"), "a preload is `other`: {out}");
    assert!(out.contains("p.js"), "$image only: {out}");
    assert!(!out.contains("p.gif"), "{out}");
    assert!(!out.contains("/like\""), "$subdocument: {out}");
    assert!(out.contains("like.js"), "{out}");
    assert_eq!(report.enforcements.len(), 3);
    let all = p.categories.all();
    assert_eq!(rewrite(&p, all, page, false).0, page);
}

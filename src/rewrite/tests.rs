//! Table-driven rewriter tests; every case is also re-run at every split point.

use std::sync::Arc;

use super::{FilterOptions, Limits, Rewriter};
use crate::policy::category::{Categories, Category, CategorySet};
use crate::policy::tags::{Action, ElementKind, ElementKinds, TagRuleSpec, TagRules};

fn spec(
    id: &str,
    category: Category,
    hosts: &[&str],
    inline: &[&str],
    action: Action,
) -> TagRuleSpec {
    TagRuleSpec {
        id: id.into(),
        vendor: id.to_uppercase(),
        category,
        hosts: hosts.iter().map(|s| s.to_string()).collect(),
        paths: Vec::new(),
        inline: inline.iter().map(|s| s.to_string()).collect(),
        action,
        elements: ElementKinds::ALL,
    }
}

fn rewriter(limits: Limits) -> Rewriter {
    let rules = TagRules::new(&[
        spec(
            "ga",
            Category::ANALYTICS,
            &["google-analytics.com", "googletagmanager.com"],
            &["GoogleAnalyticsObject"],
            Action::Remove,
        ),
        spec(
            "fb",
            Category::MARKETING,
            &["connect.facebook.net", "facebook.com/tr"],
            &["fbq('init'"],
            Action::Remove,
        ),
        spec(
            "hj",
            Category::ANALYTICS,
            &["static.hotjar.com"],
            &["_hjSettings"],
            Action::Neutralize,
        ),
        spec(
            "yt",
            Category::MARKETING,
            &["youtube.com/embed/"],
            &[],
            Action::Placeholder,
        ),
        spec(
            "vimeo",
            Category::MARKETING,
            &["player.vimeo.com"],
            &[],
            Action::Neutralize,
        ),
    ])
    .unwrap();
    Rewriter::new(Arc::new(rules), Categories::default(), limits)
}

/// Rewrites `html` fed in pieces split at `splits`.
fn run_split(
    r: &Rewriter,
    granted: CategorySet,
    html: &[u8],
    splits: &[usize],
    report_only: bool,
) -> Vec<u8> {
    let options = FilterOptions {
        first_party: Some("www.example.org".into()),
        charset: None,
        report_only,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    let mut filter = r.filter(granted, &options).unwrap();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in splits.iter().chain(std::iter::once(&html.len())) {
        out.extend(filter.write(&html[start..end]).unwrap());
        start = end;
    }
    let (tail, _) = filter.end().unwrap();
    out.extend(tail);
    out
}

/// Rewrites `html` whole and at every single split point; all must agree.
fn rewrite(granted: CategorySet, html: &str) -> String {
    let r = rewriter(Limits::default());
    let whole = run_split(&r, granted, html.as_bytes(), &[], false);
    for split in 1..html.len() {
        let out = run_split(&r, granted, html.as_bytes(), &[split], false);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&whole),
            "split at {split} changed the output of {html:?}"
        );
    }
    String::from_utf8(whole).unwrap()
}

const NONE: CategorySet = CategorySet::NECESSARY_ONLY;

/// Enforcing options with no first party and the default charset.
fn plain() -> FilterOptions {
    FilterOptions {
        first_party: None,
        charset: None,
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    }
}

#[test]
fn rewrite_table() {
    let analytics = NONE.with(Category::ANALYTICS);
    let cases: &[(&str, CategorySet, &str)] = &[
        // external scripts
        (
            r#"<p>a</p><script async src="https://www.google-analytics.com/analytics.js"></script><p>b</p>"#,
            NONE,
            "<p>a</p><p>b</p>",
        ),
        (
            r#"<script src="https://www.google-analytics.com/analytics.js"></script>"#,
            analytics,
            r#"<script src="https://www.google-analytics.com/analytics.js"></script>"#,
        ),
        (
            r#"<script src="/js/app.js"></script>"#,
            NONE,
            r#"<script src="/js/app.js"></script>"#,
        ),
        (
            r#"<script src="https://www.example.org/google-analytics.js"></script>"#,
            NONE,
            r#"<script src="https://www.example.org/google-analytics.js"></script>"#,
        ),
        // inert types are left alone
        (
            r#"<script type="text/plain" data-src="https://connect.facebook.net/x.js"></script>"#,
            NONE,
            r#"<script type="text/plain" data-src="https://connect.facebook.net/x.js"></script>"#,
        ),
        (
            r#"<script type="application/ld+json">{"u":"fbq('init', 1)"}</script>"#,
            NONE,
            r#"<script type="application/ld+json">{"u":"fbq('init', 1)"}</script>"#,
        ),
        // inline loaders are emptied; other inline scripts untouched
        (
            "<script>!function(f,b,e,v){f.fbq=function(){};}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init', '123');</script><script>app()</script>",
            NONE,
            "<script></script><script>app()</script>",
        ),
        (
            "<script>var x = 1 < 2;</script>",
            NONE,
            "<script>var x = 1 < 2;</script>",
        ),
        // neutralize: external keeps its URL in data-src, inline moves to an inert script
        (
            r#"<script async src="//static.hotjar.com/c/hotjar-1.js"></script>"#,
            NONE,
            r#"<script async data-src="//static.hotjar.com/c/hotjar-1.js" type="text/plain" data-consent-category="analytics"></script>"#,
        ),
        (
            "<script>window._hjSettings={hjid:1};</script>",
            NONE,
            r#"<script></script><script type="text/plain" data-consent-category="analytics" data-consentry-injected="neutralized">window._hjSettings={hjid:1};</script>"#,
        ),
        // pixels, hints, noscript blocks
        (
            r#"<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView" height="1"><img src="/logo.png">"#,
            NONE,
            r#"<img src="/logo.png">"#,
        ),
        (
            r#"<link rel="dns-prefetch" href="//www.google-analytics.com"><link rel="stylesheet" href="/s.css">"#,
            NONE,
            r#"<link rel="stylesheet" href="/s.css">"#,
        ),
        (
            r#"<link rel="preconnect" href="https://www.facebook.com">"#,
            NONE,
            r#"<link rel="preconnect" href="https://www.facebook.com">"#,
        ),
        (
            r#"<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X" height="0"></iframe></noscript>"#,
            NONE,
            "<noscript></noscript>",
        ),
        (
            r#"<noscript><img src="https://www.facebook.com/tr?id=1"/><p>Enable JS</p></noscript>"#,
            NONE,
            "<noscript><p>Enable JS</p></noscript>",
        ),
        (
            "<noscript>&lt;img src=\"https://www.facebook.com/tr?id=1\"&gt;</noscript>",
            NONE,
            "<noscript>&lt;img src=\"https://www.facebook.com/tr?id=1\"&gt;</noscript>",
        ),
        // embeds: placeholder and neutralize
        (
            r#"<iframe width="560" height="315" src="https://www.youtube.com/embed/abc"></iframe>"#,
            NONE,
            "PLACEHOLDER",
        ),
        (
            r#"<iframe src="https://player.vimeo.com/video/1"></iframe>"#,
            NONE,
            r#"<iframe data-src="https://player.vimeo.com/video/1" data-consent-category="marketing"></iframe>"#,
        ),
        // a form's javascript: action runs on submission; other actions navigate
        (
            r#"<form action="javascript:fetch('https://www.google-analytics.com/collect')"><button formaction="javascript:new Image().src='https://www.google-analytics.com/p.gif'">x</button></form>"#,
            NONE,
            "<form><button>x</button></form>",
        ),
        (
            r#"<form action="https://www.google-analytics.com/collect"><button formaction="javascript:void(0)">x</button></form>"#,
            NONE,
            r#"<form action="https://www.google-analytics.com/collect"><button formaction="javascript:void(0)">x</button></form>"#,
        ),
        // what lazy loaders swap in
        (
            r#"<div data-bg="https://www.google-analytics.com/p.gif" data-bgset="/a.jpg [(max-width: 1px)] | https://www.google-analytics.com/q.gif">x</div><video data-poster="https://www.google-analytics.com/p.jpg" data-src="https://www.google-analytics.com/v.mp4"></video>"#,
            NONE,
            "<div>x</div><video></video>",
        ),
        (
            r#"<div data-bg="/a.jpg" data-bgset="/a.jpg [(max-width: 1px)] | /b.jpg">x</div><video data-poster="/p.jpg" data-src="/v.mp4"></video>"#,
            NONE,
            r#"<div data-bg="/a.jpg" data-bgset="/a.jpg [(max-width: 1px)] | /b.jpg">x</div><video data-poster="/p.jpg" data-src="/v.mp4"></video>"#,
        ),
        // comments are never touched
        (
            "<!-- <script src=\"https://www.google-analytics.com/ga.js\"></script> -->",
            NONE,
            "<!-- <script src=\"https://www.google-analytics.com/ga.js\"></script> -->",
        ),
    ];
    for (html, granted, expected) in cases {
        let out = rewrite(*granted, html);
        if *expected == "PLACEHOLDER" {
            assert!(
                out.starts_with("<consentry-placeholder data-consentry-injected=\"placeholder\""),
                "{out}"
            );
            assert!(out.contains("Content from YT is blocked"), "{out}");
            assert!(out.contains("width:560px"), "{out}");
            assert!(!out.contains("<iframe"), "{out}");
        } else {
            assert_eq!(&out, expected, "input {html:?}");
        }
    }
}

#[test]
fn everything_granted_is_byte_identical_even_when_run() {
    let all = Categories::default().all();
    let html = "<!doctype html><html><head><script src=\"https://www.google-analytics.com/ga.js\"></script>\
                <script>fbq('init','1')</script></head><body><noscript><img src=\"https://www.facebook.com/tr\"></noscript></body></html>";
    assert_eq!(rewrite(all, html), html);
    assert!(!rewriter(Limits::default()).needs_rewrite(all));
    assert!(rewriter(Limits::default()).needs_rewrite(NONE.with(Category::ANALYTICS)));
}

#[test]
fn report_only_changes_nothing_but_reports() {
    let r = rewriter(Limits::default());
    let html = br#"<script src="https://www.google-analytics.com/ga.js"></script><script>fbq('init','1')</script><noscript><img src="https://www.facebook.com/tr"></noscript>"#;
    for split in [0, 7, 40, 90] {
        let options = FilterOptions {
            first_party: None,
            charset: None,
            report_only: true,
            insert_after_body_open: None,
            placeholder_form: None,
            collect_references: false,
            document_origin: None,
        };
        let mut f = r.filter(NONE, &options).unwrap();
        let mut out = f.write(&html[..split]).unwrap();
        out.extend(f.write(&html[split..]).unwrap());
        let (tail, report) = f.end().unwrap();
        out.extend(tail);
        assert_eq!(out, html.to_vec());
        let kinds: Vec<_> = report
            .enforcements
            .iter()
            .map(|e| (e.element, e.inline))
            .collect();
        assert_eq!(
            kinds,
            [
                (ElementKind::Script, false),
                (ElementKind::Script, true),
                (ElementKind::Img, false)
            ],
            "split {split}"
        );
    }
}

#[test]
fn report_lists_rules_and_actions() {
    let r = rewriter(Limits::default());
    let html = r#"<script src="https://www.google-analytics.com/ga.js"></script><iframe src="https://www.youtube.com/embed/x"></iframe>"#;
    let mut f = r.filter(NONE, &plain()).unwrap();
    f.write(html.as_bytes()).unwrap();
    let (_, report) = f.end().unwrap();
    let got: Vec<_> = report
        .enforcements
        .iter()
        .map(|e| (r.rules().rule(e.rule).id.as_str(), e.action))
        .collect();
    assert_eq!(got, [("ga", Action::Remove), ("yt", Action::Placeholder)]);
}

#[test]
fn inline_script_over_the_limit_is_judged_on_its_start() {
    let limits = Limits {
        inline_script: 64,
        ..Limits::default()
    };
    let r = rewriter(limits);
    let filler = "x".repeat(200);
    // A loader signature early in a long script: the whole script is dropped.
    let html = format!("<script>fbq('init','1');{filler}</script><p>after</p>");
    let splits: Vec<usize> = (8..html.len()).step_by(16).collect();
    let out = run_split(&r, NONE, html.as_bytes(), &splits, false);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "<script></script><p>after</p>"
    );
    // No signature: passed through intact.
    let html = format!("<script>app();{filler}</script>");
    let splits: Vec<usize> = (8..html.len()).step_by(16).collect();
    let out = run_split(&r, NONE, html.as_bytes(), &splits, false);
    assert_eq!(String::from_utf8(out).unwrap(), html);
    // A signature past the limit, split at every step: the script is cut
    // off before it (what was sent stays), the page goes on.
    let html =
        format!("<script>app();{filler}{filler};fbq('init','1');{filler}</script><p>after</p>");
    for step in [7, 16, 33, 100] {
        let splits: Vec<usize> = (8..html.len()).step_by(step).collect();
        let out = String::from_utf8(run_split(&r, NONE, html.as_bytes(), &splits, false)).unwrap();
        assert!(!out.contains("fbq"), "step {step}: {out}");
        assert!(out.starts_with("<script>app();xxx"), "step {step}: {out}");
        assert!(out.ends_with("</script><p>after</p>"), "step {step}: {out}");
    }
    let mut f = r.filter(NONE, &plain()).unwrap();
    f.write(html.as_bytes()).unwrap();
    assert_eq!(f.end().unwrap().1.enforcements.len(), 1);
}

#[test]
fn oversized_noscript_fails_closed() {
    let limits = Limits {
        noscript: 32,
        ..Limits::default()
    };
    let r = rewriter(limits);
    let html = format!(
        "<noscript>{}<img src=\"https://www.facebook.com/tr\"></noscript><p>x</p>",
        "y".repeat(100)
    );
    let out = run_split(&r, NONE, html.as_bytes(), &[20, 60, 90], false);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "<noscript></noscript><p>x</p>"
    );
}

#[test]
fn huge_attribute_hits_the_memory_limit_without_panicking() {
    let limits = Limits {
        parser_memory: 64 << 10,
        ..Limits::default()
    };
    let r = rewriter(limits);
    let html = format!(
        "<p>ok</p><img src=\"https://www.facebook.com/tr\" alt=\"{}\">",
        "a".repeat(1 << 20)
    );
    let mut f = r.filter(NONE, &plain()).unwrap();
    let mut failed = false;
    for piece in html.as_bytes().chunks(4096) {
        if let Err(e) = f.write(piece) {
            assert!(matches!(e, super::RewriteError::MemoryLimit { .. }), "{e}");
            failed = true;
            break;
        }
    }
    assert!(
        failed,
        "a 1 MiB attribute must exceed a 64 KiB parser limit"
    );
}

#[test]
fn charsets() {
    let r = rewriter(Limits::default());
    let opts = |charset: &str| FilterOptions {
        first_party: None,
        charset: Some(charset.into()),
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    assert!(matches!(
        r.filter(NONE, &opts("utf-16")),
        Err(super::RewriteError::UnsupportedCharset(_))
    ));
    // An unknown label does not matter: the rewriter is byte-transparent.
    assert!(r.filter(NONE, &opts("no-such-charset")).is_ok());
    // windows-1252 bytes outside tags survive untouched.
    let html = b"<p>caf\xe9</p><script src=\"https://www.google-analytics.com/ga.js\"></script><p>\xa9</p>";
    let mut f = r.filter(NONE, &opts("windows-1252")).unwrap();
    let mut out = f.write(html).unwrap();
    out.extend(f.end().unwrap().0);
    assert_eq!(out, b"<p>caf\xe9</p><p>\xa9</p>".to_vec());
}

#[test]
fn broken_and_non_utf8_html_never_panics() {
    let r = rewriter(Limits::default());
    let inputs: &[&[u8]] = &[
        b"<script src=\"https://www.google-analytics.com/ga.js\">",
        b"<script>fbq('init'",
        b"<noscript><img src=\"https://www.facebook.com/tr",
        b"<<<>>><iframe src=><img src= ><link rel href>",
        b"\xff\xfe<script>\xc3\x28</script><img src=\"\xe2\x82\">",
        b"</script></noscript></iframe><script><!--<script></script>-->",
        b"<svg><script>fbq('init','1')</script></svg><math><style><img src=\"https://www.facebook.com/tr\"></style></math>",
        b"",
    ];
    for input in inputs {
        for split in 0..=input.len() {
            let out = run_split(&r, NONE, input, &[split], false);
            let text = String::from_utf8_lossy(&out);
            assert!(
                !text.contains("fbq('init'"),
                "a denied loader survived in {text:?}"
            );
            assert!(
                !text.contains("src=\"https://www.google-analytics.com"),
                "{text:?}"
            );
        }
    }
}

#[test]
fn held_text_is_released_byte_for_byte() {
    // Found by `cargo fuzz run rewrite`: a script split across chunks, with
    // bytes that are not UTF-8, came back with U+FFFD in them.
    let crash = include_bytes!("../../tests/data/fuzz-rewrite-split-invalid-utf8.bin");
    let (split, html) = (crash[0] as usize, &crash[1..]);
    let r = rewriter(Limits::default());
    let all = Categories::default().all();
    for granted in [all, NONE.with(Category::ANALYTICS)] {
        let out = run_split(&r, granted, html, &[split.min(html.len())], false);
        assert_eq!(out, html.to_vec());
    }
    // Split scripts and noscript blocks with Latin-1 bytes, nothing denied in them.
    let html: &[u8] = b"<p>a</p><script>var s = '\xe9t\xe9'; app();</script><noscript><p>caf\xe9</p></noscript><p>b</p>";
    for split in 1..html.len() {
        for cuts in [vec![split], vec![split / 2, split]] {
            let cuts: Vec<usize> = cuts.into_iter().filter(|&c| c > 0).collect();
            let out = run_split(&r, NONE, html, &cuts, false);
            assert_eq!(out, html.to_vec(), "cuts {cuts:?}");
        }
    }
    // The same, with a denied loader in the split script: only it goes.
    let html: &[u8] = b"<script>fbq('init','1'); '\xe9'</script><p>\xe9</p>";
    for split in 1..html.len() {
        let out = run_split(&r, NONE, html, &[split], false);
        assert_eq!(
            out,
            b"<script></script><p>\xe9</p>".to_vec(),
            "split {split}"
        );
    }
}

#[test]
fn inserts_after_body_open_at_any_split() {
    let r = rewriter(Limits::default());
    let all = r.rules().categories().with(Category::NECESSARY);
    let insert: Arc<str> = Arc::from("<p data-consentry-injected=\"banner\">B</p>");
    let cases: &[(&str, &str)] = &[
        (
            "<html><head><title>t</title></head><BODY class=\"a\"><p>x</p><body></html>",
            "<html><head><title>t</title></head><BODY class=\"a\"><p data-consentry-injected=\"banner\">B</p><p>x</p><body></html>",
        ),
        ("<p>no body tag</p>", "<p>no body tag</p><p data-consentry-injected=\"banner\">B</p>"),
        ("<!-- <body> --><body>", "<!-- <body> --><body><p data-consentry-injected=\"banner\">B</p>"),
    ];
    for (granted, report_only) in [(all, false), (CategorySet::NECESSARY_ONLY, true)] {
        for (input, expected) in cases {
            for split in 0..=input.len() {
                let options = FilterOptions {
                    first_party: None,
                    charset: None,
                    report_only,
                    insert_after_body_open: Some(insert.clone()),
                    placeholder_form: None,
                    collect_references: false,
                    document_origin: None,
                };
                let mut filter = r.filter(granted, &options).unwrap();
                let mut out = filter.write(&input.as_bytes()[..split]).unwrap();
                out.extend(filter.write(&input.as_bytes()[split..]).unwrap());
                out.extend(filter.end().unwrap().0);
                assert_eq!(String::from_utf8(out).unwrap(), *expected, "split {split}");
            }
        }
    }
}

/// Under a `<base href>` on another origin, the inserted markup's own
/// root-relative URLs are written against the page's origin (else the
/// banner's stylesheet and form would go to the base's host).
#[test]
fn inserted_markup_keeps_the_page_origin_under_a_foreign_base() {
    let r = rewriter(Limits::default());
    let insert: Arc<str> =
        Arc::from("<link href=\"/_consentry/c.css\"><form action=\"/_consentry/consent\"></form>");
    let run = |html: &str| {
        let options = FilterOptions {
            first_party: Some("shop.example".into()),
            charset: None,
            report_only: false,
            insert_after_body_open: Some(insert.clone()),
            placeholder_form: None,
            collect_references: false,
            document_origin: Some("https://shop.example".into()),
        };
        let mut filter = r.filter(NONE, &options).unwrap();
        let mut out = filter.write(html.as_bytes()).unwrap();
        let before = out.len() + html.len();
        out.extend(
            filter
                .end_with_markup("<a href=\"/_consentry/preferences\">s</a>")
                .unwrap()
                .0,
        );
        let out = String::from_utf8(out).unwrap();
        let trailer = out[out.rfind("<a ").unwrap_or(before.min(out.len()))..].to_string();
        (out, trailer)
    };
    let (out, trailer) = run("<head><base href=\"https://cdn.example.net/\"></head><body>x");
    assert!(out.contains("<body><link href=\"https://shop.example/_consentry/c.css\"><form action=\"https://shop.example/_consentry/consent\">"), "{out}");
    assert_eq!(
        trailer,
        "<a href=\"https://shop.example/_consentry/preferences\">s</a>"
    );
    for same_origin in [
        "<head><base href=\"https://shop.example/shop/\"></head><body>x",
        "<body>x",
    ] {
        let (out, trailer) = run(same_origin);
        assert!(
            out.contains("<body><link href=\"/_consentry/c.css\">"),
            "{out}"
        );
        assert_eq!(trailer, "<a href=\"/_consentry/preferences\">s</a>");
    }
}

/// A first-party script that mixes site code with a tracker loader loses
/// only the loader statement, at any chunking; with consent it stays byte
/// for byte.
#[test]
fn only_the_loader_statement_of_a_mixed_script_goes() {
    use rand::{Rng, SeedableRng};
    let rules = TagRules::new(&[spec(
        "disqus",
        Category::MARKETING,
        &["disqus.com"],
        &["disqus.com/count.js", "disqus_shortname"],
        Action::Remove,
    )])
    .unwrap();
    let r = Rewriter::new(Arc::new(rules), Categories::default(), Limits::default());
    let site = "MathJax.Hub.Config({tex2jax: {inlineMath: [['$','$'], ['\\\\(','\\\\)']]}});";
    let loader = "(function () { var s = document.createElement('script'); s.async = true;\n  s.src = 'https://example-blog.disqus.com/count.js';\n  (document.head || document.body).appendChild(s); }());";
    let html = format!(
        "<!doctype html><p>Intro</p><script type=\"text/javascript\">\n{site}\n{loader}\n</script><p>Outro</p>"
    );
    let expected = html.replace(loader, "");
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    for _ in 0..300 {
        let mut splits: Vec<usize> = (0..rng.random_range(0..8))
            .map(|_| rng.random_range(0..=html.len()))
            .collect();
        splits.sort_unstable();
        let out = run_split(&r, NONE, html.as_bytes(), &splits, false);
        assert_eq!(String::from_utf8_lossy(&out), expected, "splits {splits:?}");
        let granted = NONE.with(Category::MARKETING);
        let out = run_split(&r, granted, html.as_bytes(), &splits, false);
        assert_eq!(out, html.as_bytes(), "splits {splits:?}");
    }
}

#[test]
fn a_noscript_block_cut_off_by_the_end_of_input_is_judged_not_lost() {
    let r = rewriter(Limits::default());
    let all = r.rules().categories().with(Category::NECESSARY);
    for html in [
        "<<noscript><Qf",
        "<noscript><p>Enable JS",
        "<noscript><img src=\"/a.png\"",
    ] {
        for split in 1..html.len() {
            let out = run_split(&r, all, html.as_bytes(), &[split], false);
            assert_eq!(String::from_utf8(out).unwrap(), html, "split at {split}");
            let out = run_split(&r, NONE, html.as_bytes(), &[split], false);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                html,
                "no consent, split at {split}"
            );
        }
    }
    let html = "<noscript><img src=\"https://www.facebook.com/tr\"><p>Enable JS";
    for split in 1..html.len() {
        let out = run_split(&r, NONE, html.as_bytes(), &[split], false);
        assert_eq!(String::from_utf8(out).unwrap(), "<noscript><p>Enable JS");
    }
}

#[test]
fn an_oversized_noscript_block_is_kept_when_everything_is_granted() {
    let r = rewriter(Limits {
        noscript: 32,
        ..Limits::default()
    });
    let all = r.rules().categories().with(Category::NECESSARY);
    let html = format!(
        "<noscript>{}<img src=\"https://www.facebook.com/tr\"></noscript><p>x</p>",
        "y".repeat(100)
    );
    let out = run_split(&r, all, html.as_bytes(), &[20, 60, 90], false);
    assert_eq!(String::from_utf8(out).unwrap(), html);
}

#[test]
fn reference_hosts() {
    let host = |url: &str| {
        super::Reference {
            element: ElementKind::Script,
            url: url.into(),
            rule: None,
        }
        .host()
        .map(|h| h.into_owned())
    };
    assert_eq!(
        host("https://cdn.example/a.js").as_deref(),
        Some("cdn.example")
    );
    assert_eq!(
        host("https://CDN.Example:8443?x").as_deref(),
        Some("cdn.example")
    );
    assert_eq!(
        host("https://user:pw@cdn.example/").as_deref(),
        Some("cdn.example")
    );
    assert_eq!(host("http://[::1]:8080/").as_deref(), Some("[::1]"));
    assert_eq!(host("data:text/plain,x"), None);
    assert_eq!(host("file:///etc/passwd"), None);
}

#[test]
fn attribute_edits_on_plain_elements_keep_their_neighbours() {
    // Elements without a handler of their own record only the attributes
    // that can fetch or run something; edits must leave the others intact.
    let cases = [
        (
            r#"<div class="a" onmouseover="x" onload="window._hjSettings={hjid:1}" id=b data-x='1'>t</div>"#,
            r#"<div class="a" onmouseover="x" id=b data-x='1'>t</div>"#,
        ),
        (
            r#"<section id="s" style="color:red;background:url(https://www.google-analytics.com/c.gif)" title=t>"#,
            r#"<section id="s" style="color:red;background:none" title=t>"#,
        ),
        (
            r#"<TD ID=x BACKGROUND="https://www.google-analytics.com/b.gif" Class=y>"#,
            r#"<TD ID=x Class=y>"#,
        ),
        (
            r#"<a href="/x" class=k ping="https://www.google-analytics.com/p" rel=nofollow>x</a>"#,
            r#"<a href="/x" class=k rel=nofollow>x</a>"#,
        ),
    ];
    for (html, expected) in cases {
        assert_eq!(rewrite(NONE, html), expected, "{html}");
    }
}

/// An SVG script's text is held until its element closes, however that
/// happens: its own end tag, an ancestor's, a breakout tag or an end tag
/// closing an HTML element around it; what follows is judged as usual.
#[test]
fn svg_script_text_ends_with_its_element() {
    let cases: &[(&str, &str)] = &[
        // A breakout tag ends it: the HTML script after it is judged.
        (
            r#"<svg><script>app()<p><script src="https://connect.facebook.net/x.js"></script><p>x"#,
            "<svg><script>app()<p><p>x",
        ),
        (
            r#"<svg><script>app()<font color=red><img src="https://www.facebook.com/tr">"#,
            "<svg><script>app()<font color=red>",
        ),
        (
            r#"<svg><script>app()</p><img src="https://www.facebook.com/tr">"#,
            "<svg><script>app()</p>",
        ),
        // An ancestor's end tag ends it.
        (
            r#"<svg><g><script>app()</g><image href="https://www.facebook.com/tr"/></svg>"#,
            "<svg><g><script>app()</g></svg>",
        ),
        (
            r#"<div><svg><script>app()</div><script src="https://connect.facebook.net/x.js"></script>"#,
            "<div><svg><script>app()</div>",
        ),
        // ... and its text is judged up to there.
        (
            "<svg><script>fbq('init','1')<p>x</p></svg>",
            "<svg><script><p>x</p></svg>",
        ),
        (
            "<svg><g><script>window._hjSettings={hjid:1};</g>x",
            r#"<svg><g><script></script><script type="text/plain" data-consent-category="analytics" data-consentry-injected="neutralized">window._hjSettings={hjid:1};</g>x"#,
        ),
        // A script inside it does not end it.
        (
            "<svg><script>a<script>b</script>fbq('init','1')</script>x</svg>",
            "<svg><script></script>x</svg>",
        ),
        // Nor does an end tag that closes nothing.
        (
            "<svg><script>a</foo>fbq('init','1')</script>x",
            "<svg><script></script>x",
        ),
    ];
    for (html, expected) in cases {
        assert_eq!(rewrite(NONE, html), *expected, "{html:?}");
        // With every category granted, byte for byte.
        let all = Categories::default().all();
        assert_eq!(rewrite(all, html), *html, "{html:?}");
    }
}

/// An SVG script too long to hold is judged on its start; denied, its text
/// goes until its element closes, and what follows is kept and judged.
#[test]
fn a_long_denied_svg_script_goes_until_its_element_closes() {
    let r = rewriter(Limits {
        inline_script: 32,
        ..Limits::default()
    });
    let long = "x".repeat(64);
    for (open, closing) in [
        ("<svg><script>", "<p>"),
        ("<svg><script>", "</svg>"),
        ("<svg><script>", "</script>"),
    ] {
        let html = format!(
            "{open}fbq('init','1');{long}{closing}<img src=\"https://www.facebook.com/tr\"><i>after</i>"
        );
        let expected = format!("{open}{closing}<i>after</i>");
        for split in 1..html.len() {
            for cuts in [vec![split], vec![20, split.max(21)]] {
                let out = run_split(&r, NONE, html.as_bytes(), &cuts, false);
                assert_eq!(String::from_utf8(out).unwrap(), expected, "cuts {cuts:?}");
            }
        }
    }
}

/// Held text judged on its start stops where the scanner may be reading
/// the tag that ends it.
#[test]
fn held_text_judged_on_its_start_stops_before_a_tag_being_read() {
    let r = rewriter(Limits {
        inline_script: 32,
        ..Limits::default()
    });
    let long = "x".repeat(64);
    // A chunk ending just after the `<` of a script's end tag once lost
    // that `<` (the rest of the page became script text).
    let html = format!("<script>fbq('init','1');{long}</script><i>after</i>");
    let lt = html.find("</script>").unwrap() + 1;
    let out = run_split(&r, NONE, html.as_bytes(), &[lt], false);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "<script></script><i>after</i>"
    );
    // A style rule left open, then a chunk ending inside its end tag: the
    // held text started past that tag (a panic).
    let html = format!("<style>a{{b:url(/x.png){long}</style class=}}><i>after</i>");
    for split in 1..html.len() {
        let out = run_split(&r, NONE, html.as_bytes(), &[split], false);
        assert_eq!(String::from_utf8(out).unwrap(), html, "split {split}");
    }
}

/// An element inside an SVG script is judged as any other; one denied
/// takes the script's text with it (fail closed), one allowed leaves the
/// script judged whole.
#[test]
fn elements_inside_an_svg_script_are_judged() {
    let cases: &[(&str, &str)] = &[
        (
            r#"<svg><script>app()<image href="https://www.facebook.com/tr"/>more()</script></svg>"#,
            "<svg><script></script></svg>",
        ),
        (
            r#"<svg><script>a()<foreignObject><script src="https://connect.facebook.net/x.js"></script></foreignObject>b()</script>x"#,
            "<svg><script></script>x",
        ),
        // HTML script text in it (a foreignObject's) cannot be held: fail closed.
        (
            "<svg><g><script>a()<foreignObject><script>b()</script></foreignObject>c()</g>x",
            "<svg><g><script></g>x",
        ),
        // Allowed elements: the script is judged whole.
        (
            r#"<svg><script>a()<image href="/ok.png"/>fbq('init','1')</script>x"#,
            "<svg><script></script>x",
        ),
        (
            "<svg><script>a()<script>b()</script>fbq('init','1')</script>x",
            "<svg><script></script>x",
        ),
        (
            r#"<svg><script>a()<image href="/ok.png"/>b()</script>x"#,
            r#"<svg><script>a()<image href="/ok.png"/>b()</script>x"#,
        ),
    ];
    let all = Categories::default().all();
    for (html, expected) in cases {
        assert_eq!(rewrite(NONE, html), *expected, "{html:?}");
        assert_eq!(rewrite(all, html), *html, "{html:?}");
    }
}

/// A tag cut off at the end of the document is dropped by the browser;
/// Consentry's trailer after it would complete it (the pixel would load),
/// so the trailer is left off. After text or a whole tag it is appended.
#[test]
fn trailer_is_left_off_after_a_tag_cut_off_at_the_end() {
    let r = rewriter(Limits::default());
    let options = FilterOptions {
        first_party: Some("shop.example".into()),
        ..plain()
    };
    let trailer = "<div id=\"banner\"></div>";
    let banner: Arc<str> = Arc::from("<aside>consent</aside>");
    let with_banner = FilterOptions {
        insert_after_body_open: Some(banner.clone()),
        ..options.clone()
    };
    let run = |html: &str| {
        let mut filter = r.filter(NONE, &options).unwrap();
        let mut out = filter.write(html.as_bytes()).unwrap();
        out.extend(filter.end_with_markup(trailer).unwrap().0);
        String::from_utf8(out).unwrap()
    };
    for cut in [
        "<p>x</p><img src=\"https://www.facebook.com/tr?id=1\"",
        "<p>x</p><script src=\"https://www.google-analytics.com/analytics.js\" async",
        "<p>x</p><img src=https://www.facebook.com/tr?id=1",
        "<p>x</p><img",
        "<p>x</p><img src='x' /",
        "<p>x</p></p",
    ] {
        assert_eq!(run(cut), cut);
    }
    for whole in [
        "<p>x</p>",
        "<p>x</p><img src=\"/a.png\">",
        "<p>x",
        "<p>x<",
        "<!-- x",
    ] {
        assert_eq!(run(whole), format!("{whole}{trailer}"));
    }
    // The banner, when no `<body>` came to put it after, likewise.
    let run_with_banner = |html: &str| {
        let mut filter = r.filter(NONE, &with_banner).unwrap();
        let mut out = filter.write(html.as_bytes()).unwrap();
        out.extend(filter.end().unwrap().0);
        String::from_utf8(out).unwrap()
    };
    let cut = "<p>x</p><img src=\"https://www.facebook.com/tr?id=1\"";
    assert_eq!(run_with_banner(cut), cut);
    assert_eq!(run_with_banner("<p>x</p>"), format!("<p>x</p>{banner}"));
}

/// A `<base href>` at a tracker goes where scripts may run, since the
/// relative URLs scripts build would load from it; the markup's relative
/// URLs are still read against it.
#[test]
fn a_base_at_a_tracker_goes_where_scripts_may_run() {
    let base = r#"<base href="https://www.googletagmanager.com/">"#;
    let page = format!(
        r#"{base}<script>new Image().src='collect?v=1'</script><img src="/a.png"><p>x</p>"#
    );
    // Without it, the script's URL loads from the page's own origin.
    assert_eq!(
        rewrite(NONE, &page),
        "<script>new Image().src='collect?v=1'</script><p>x</p>"
    );
    let analytics = NONE.with(Category::ANALYTICS);
    assert_eq!(rewrite(analytics, &page), page);
    // A first-party base, and a tracker base only a later one would follow.
    let own = r#"<base href="https://static.example.org/"><script>new Image().src='collect?v=1'</script>"#;
    assert_eq!(rewrite(NONE, own), own);
    let second = format!(r#"<base href="/"><p>x</p>{base}"#);
    assert_eq!(rewrite(NONE, &second), second);
    // An iframe document with no script keeps it: nothing builds URLs there.
    let inert =
        r#"<iframe srcdoc="<base href=https://www.googletagmanager.com/><p>x</p>"></iframe>"#;
    assert_eq!(rewrite(NONE, inert), inert);
    let scripted = r#"<iframe srcdoc="<base href=https://www.googletagmanager.com/><script>fetch('c')</script><p>x</p>"></iframe>"#;
    assert!(!rewrite(NONE, scripted).contains("googletagmanager"));
}

/// An SVG element whose only fetching attribute starts with `f` (`fill`,
/// `filter`) is read: the quick skip of plain elements passes over `f…`
/// names only outside SVG, or when their value holds no `url()`.
#[test]
fn svg_fill_and_filter_alone_are_read() {
    for page in [
        r#"<svg><rect fill="url(https://www.facebook.com/tr?id=1#p)"/></svg>"#,
        r#"<svg><g filter="url(https://www.facebook.com/tr?id=1#f)"></g></svg>"#,
        r#"<svg><rect FILTER="url(&quot;https://www.facebook.com/tr?id=1#f&quot;)"/></svg>"#,
    ] {
        assert!(!rewrite(NONE, page).contains("facebook"), "{page}");
    }
    for page in [
        r##"<svg><rect fill="url(#p)"/><g filter="url(/f.svg#f)" fill="#fff"></g></svg>"##,
        r#"<div filter="url(https://www.facebook.com/tr?id=1)">x</div>"#,
    ] {
        assert_eq!(rewrite(NONE, page), page);
    }
}

/// An object without `data` loads from a `param` named `movie` or `src`.
#[test]
fn an_object_param_at_a_tracker_goes() {
    let page = r#"<object type="text/html"><param name="Movie" value="https://www.facebook.com/tr?id=1"><param name=wmode value=opaque></object>"#;
    assert_eq!(
        rewrite(NONE, page),
        r#"<object type="text/html"><param name=wmode value=opaque></object>"#
    );
    for page in [
        r#"<object><param name="movie" value="/player.swf"><param name="src" value="https://static.example.org/a.html"></object>"#,
        r#"<object><param name="flashvars" value="u=https://www.facebook.com/tr?id=1"></object>"#,
    ] {
        assert_eq!(rewrite(NONE, page), page);
    }
}

/// Speculation rules that read the document's links prefetch a link at a
/// tracker on their own unless they wait for a press or match paths only.
#[test]
fn links_speculation_rules_prefetch_lose_a_tracker_href() {
    use super::handlers::document_rules_reach_out;
    for reaching in [
        r#"{"prefetch":[{"source":"document","eagerness":"immediate"}]}"#,
        r#"{"prerender":[{"where":{"selector_matches":"a"},"eagerness":"moderate"}]}"#,
        r#"{"prefetch":[{"where":{"href_matches":"https://*/*"},"eagerness":"eager"}]}"#,
        r#"{"prefetch":[{"where":{"or":[{"href_matches":"/*"},{"selector_matches":"a"}]},"eagerness":"eager"}]}"#,
    ] {
        assert!(document_rules_reach_out(reaching), "{reaching}");
    }
    for staying in [
        r#"{"prefetch":[{"source":"document"}]}"#,
        r#"{"prefetch":[{"where":{"href_matches":"/*"},"eagerness":"eager"}]}"#,
        r#"{"prefetch":[{"where":{"and":[{"href_matches":["/a/*","/b/*"]},{"not":{"selector_matches":".x"}}]},"eagerness":"eager"}]}"#,
        r#"{"prefetch":[{"source":"list","urls":["/next"],"eagerness":"eager"}]}"#,
        r#"{"imports":{"where":"/a.js"}}"#,
        "not json",
    ] {
        assert!(!document_rules_reach_out(staying), "{staying}");
    }
    let rules = r#"<script type="speculationrules">{"prefetch":[{"source":"document","eagerness":"eager"}]}</script>"#;
    let page = format!(
        r#"{rules}<a class=k href="https://www.facebook.com/tr?id=1">b</a><a href="/c">c</a>"#
    );
    assert_eq!(
        rewrite(NONE, &page),
        format!(r#"{rules}<a class=k>b</a><a href="/c">c</a>"#)
    );
}

#[test]
fn remembered_tag_decisions_are_those_made_afresh() {
    let options = FilterOptions {
        collect_references: true,
        first_party: Some("www.example.org".into()),
        ..plain()
    };
    let run = |r: &Rewriter, granted: CategorySet, html: &str| {
        let mut filter = r.filter(granted, &options).unwrap();
        let mut out = filter.write(html.as_bytes()).unwrap();
        let (tail, report) = filter.end().unwrap();
        out.extend(tail);
        (
            String::from_utf8(out).unwrap(),
            report.references,
            report.enforcements,
        )
    };
    // The same tags, relative to the document, then to a tracker's base;
    // with and without the tracker's category granted.
    let tags = r#"<script src="gtm.js?id=1"></script><img src="https://cdn.example.net/a.png"><script src="https://www.googletagmanager.com/gtm.js?id=2"></script><link rel="stylesheet" href="/s.css"><a href="/n" ping="https://www.facebook.com/tr?id=3">n</a><img src="/b.png" srcset="https://www.facebook.com/tr?id=4 2x">"#;
    let pages = [
        tags.to_string(),
        format!(r#"<base href="https://www.googletagmanager.com/">{tags}"#),
        format!(r#"<base href="https://static.example.net/">{tags}"#),
    ];
    let grants = [NONE, NONE.with(Category::ANALYTICS)];
    let fresh: Vec<_> = grants
        .iter()
        .flat_map(|&g| pages.iter().map(move |p| (g, p)))
        .map(|(g, p)| run(&rewriter(Limits::default()), g, p))
        .collect();
    // Decided afresh, each page differs from the others.
    assert!(fresh[0].0.contains("gtm.js?id=1") && !fresh[0].0.contains("id=2"));
    assert!(!fresh[1].0.contains("gtm.js?id=1"), "{}", fresh[1].0);
    assert!(fresh[3].0.contains("gtm.js?id=1") && fresh[3].0.contains("id=2"));
    assert_ne!(fresh[0].1, fresh[2].1, "the base moves the references");
    assert!(!fresh[0].0.contains("ping=") && !fresh[0].0.contains("srcset="));
    // One rewriter remembering its decisions decides the same, in any order.
    let r = rewriter(Limits::default());
    for round in 0..3 {
        let all: Vec<_> = grants
            .iter()
            .flat_map(|&g| pages.iter().map(move |p| (g, p)))
            .enumerate()
            .collect();
        for &(i, (g, p)) in all.iter().rev() {
            assert_eq!(run(&r, g, p), fresh[i], "round {round}, page {i}");
        }
    }
}

/// Speculation rules that prefetch the document's links fetch those read
/// before them too: a link there at a tracker takes the rules' text with
/// it. First-party and relative links before them, and rules that wait for
/// a press, are kept.
#[test]
fn speculation_rules_after_a_link_at_a_tracker_lose_their_text() {
    let rules = r#"<script type="speculationrules">{"prefetch":[{"source":"document","eagerness":"eager"}]}</script>"#;
    let page = format!(
        r#"<a href="https://www.facebook.com/tr?id=1">b</a><a href="/c">c</a>{rules}<a href="https://www.facebook.com/tr?id=2">d</a>"#
    );
    assert_eq!(
        rewrite(NONE, &page),
        r#"<a href="https://www.facebook.com/tr?id=1">b</a><a href="/c">c</a><script type="speculationrules"></script><a href="https://www.facebook.com/tr?id=2">d</a>"#
    );
    for page in [
        format!(r#"<a href="/c">c</a><a href="https://cdn.example.org/x">x</a>{rules}"#),
        r#"<a href="https://www.facebook.com/tr?id=1">b</a><script type="speculationrules">{"prefetch":[{"source":"document"}]}</script>"#.to_string(),
    ] {
        assert_eq!(rewrite(NONE, &page), page);
    }
}

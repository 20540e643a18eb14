//! `[[tags.filter_list]]`: small Adblock-Plus-syntax lists written for these
//! tests (tests/data/filter_lists/), loaded through the config, matched by
//! URL, request type and page, and reloaded when a list changes; and, over
//! the same real sockets, `tags.unclassified = "report"` counted in
//! `/metrics` terms in both modes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use consentry::config::{compile, shared, ConfigSource, Policy};
use consentry::policy::category::{Category, CategorySet};
use consentry::policy::filter_list::RequestType;
use consentry::policy::tags::ElementKind;
use consentry::proxy::Proxy;
use consentry::reload::{watch, Reloader};

const LISTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/filter_lists");

/// A config next to the test lists, so their relative paths resolve.
fn with_lists(extra: &str) -> Policy {
    let text = format!(
        "[[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"analytics\"\n\
         [[tags.filter_list]]\npath = \"marketing.txt\"\ncategory = \"marketing\"\nname = \"Test marketing\"\n{extra}"
    );
    compile(&text, &format!("{LISTS}/consentry.toml")).unwrap()
}

/// The id of the rule matching `url` as a `kind` element on page `page`.
fn matched(policy: &Policy, url: &str, kind: ElementKind, page: &str) -> Option<String> {
    let rules = policy.rewriter.rules();
    rules
        .match_url(url, kind, Some(page))
        .map(|id| rules.rule(id).id.clone())
}

const PRIVACY: Option<&str> = Some("filter-list:privacy");
const MARKETING: Option<&str> = Some("filter-list:Test marketing");

#[test]
fn syntax_features_match_as_documented() {
    let p = with_lists("");
    use ElementKind::*;
    let page = "www.site.example";
    let cases: &[(&str, ElementKind, &str, Option<&str>)] = &[
        // `||host^` anchors: the host and its subdomains, not look-alikes.
        (
            "https://metrics.example-analytics.net/t.js",
            Script,
            page,
            PRIVACY,
        ),
        (
            "//eu.metrics.example-analytics.net/t.js",
            Script,
            page,
            PRIVACY,
        ),
        (
            "https://metrics.example-analytics.network/t.js",
            Script,
            page,
            None,
        ),
        (
            "https://notmetrics.example-analytics.net/t.js",
            Script,
            page,
            None,
        ),
        // Path rules.
        (
            "https://any.host.example/beacon/pixel.gif?u=1",
            Img,
            page,
            PRIVACY,
        ),
        ("https://any.host.example/beacon/other.gif", Img, page, None),
        (
            "https://cdn.example-widgets.net/track/w.js",
            Script,
            page,
            PRIVACY,
        ),
        (
            "https://cdn.example-widgets.net/widget.js",
            Script,
            page,
            None,
        ),
        // `$third-party`.
        (
            "https://collector.example-stats.io/c.js",
            Script,
            page,
            PRIVACY,
        ),
        // `$script`, `$image`, `$subdocument`.
        (
            "https://ads.example-network.com/a.js",
            Script,
            page,
            MARKETING,
        ),
        ("https://ads.example-network.com/a.png", Img, page, None),
        ("https://ads.example-network.com/a.html", Iframe, page, None),
        ("https://img.example-pixels.net/p.gif", Img, page, PRIVACY),
        ("https://img.example-pixels.net/p.js", Script, page, None),
        (
            "https://frames.example-social.net/like",
            Iframe,
            page,
            PRIVACY,
        ),
        (
            "https://frames.example-social.net/like",
            Frame,
            page,
            PRIVACY,
        ),
        (
            "https://frames.example-social.net/like.js",
            Script,
            page,
            None,
        ),
        // `$domain=`: only on that site.
        (
            "https://ads.example-local.net/a.js",
            Script,
            "news.example",
            PRIVACY,
        ),
        (
            "https://ads.example-local.net/a.js",
            Script,
            "www.news.example",
            PRIVACY,
        ),
        ("https://ads.example-local.net/a.js", Script, page, None),
        // `@@` exceptions.
        ("https://example-rum.net/rum.js", Script, page, PRIVACY),
        (
            "https://example-rum.net/consented/rum.js",
            Script,
            page,
            None,
        ),
        // The malformed line was skipped, not half-applied.
        ("https://broken.example/x.js", Script, page, None),
        // Relative URLs are the page's own.
        ("/beacon/pixel.gif", Img, page, None),
    ];
    for (url, kind, page, expected) in cases {
        assert_eq!(
            matched(&p, url, *kind, page).as_deref(),
            *expected,
            "{url} as {kind:?} on {page}"
        );
    }
}

#[test]
fn stylesheets_and_hints_use_their_request_type() {
    let p = with_lists("");
    let rules = p.rewriter.rules();
    let css = "https://styles.example-fonts-tracker.net/a.css";
    let page = Some("www.site.example");
    assert_eq!(
        rules.match_url(css, ElementKind::Link, page),
        None,
        "a preload"
    );
    let id = rules
        .match_request(css, ElementKind::Link, RequestType::Stylesheet, page)
        .unwrap();
    assert_eq!(rules.rule(id).id, "filter-list:privacy");
    let hint = rules
        .match_hint("https://bidder.example-hb.com", page)
        .unwrap();
    assert_eq!(rules.rule(hint).id, "filter-list:Test marketing");
    assert_eq!(
        rules.match_hint("https://img.example-pixels.net", page),
        None
    );
}

#[test]
fn own_rules_win_and_categories_map() {
    let p = with_lists(
        "[[tags.rule]]\nid = \"acme\"\nvendor = \"Acme\"\ncategory = \"preferences\"\nhosts = [\"bidder.example-hb.com/own/\"]\n",
    );
    let rules = p.rewriter.rules();
    let page = Some("www.site.example");
    let rule = |url: &str| {
        rules
            .match_url(url, ElementKind::Script, page)
            .map(|id| rules.rule(id))
            .unwrap()
    };
    // In the catalogue as analytics and in the marketing list: the catalogue wins.
    let ga = rule("https://www.google-analytics.com/analytics.js");
    assert_eq!(
        (ga.id.as_str(), ga.category),
        ("google-analytics", Category::ANALYTICS)
    );
    let own = rule("https://bidder.example-hb.com/own/x.js");
    assert_eq!(
        (own.id.as_str(), own.category),
        ("acme", Category::PREFERENCES)
    );
    let listed = rule("https://bidder.example-hb.com/other.js");
    assert_eq!(listed.category, Category::MARKETING);
    assert_eq!(listed.vendor, "Test marketing");
    assert_eq!(
        rule("https://metrics.example-analytics.net/t.js").category,
        Category::ANALYTICS
    );
    // A visitor who granted the list's category keeps the tag.
    assert!(!p.rewriter.needs_rewrite(p.categories.all()));
    assert!(p
        .rewriter
        .needs_rewrite(p.categories.all().without(Category::MARKETING)));
    let _ = CategorySet::NECESSARY_ONLY;
}

#[test]
fn a_list_never_removes_the_pages_own_site() {
    let p = with_lists("");
    for (url, page) in [
        ("https://cdn.shop.example/app.js", "www.shop.example"),
        ("https://shop.example/app.js", "shop.example"),
        (
            "https://metrics.example-analytics.net/t.js",
            "www.example-analytics.net",
        ),
        ("https://example-rum.net/rum.js", "example-rum.net"),
    ] {
        assert_eq!(
            matched(&p, url, ElementKind::Script, page),
            None,
            "{url} on {page}"
        );
    }
    assert_eq!(
        matched(
            &p,
            "https://cdn.shop.example/app.js",
            ElementKind::Script,
            "www.other.example"
        )
        .as_deref(),
        MARKETING
    );
}

#[test]
fn malformed_lines_are_counted_with_file_and_line() {
    let p = with_lists("");
    let lists = p.rewriter.rules().filter_lists().lists();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0].name(), "privacy");
    assert_eq!(lists[0].network_filters(), 10);
    let bad = lists[0].malformed();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].line, 22);
    assert!(
        bad[0].file.ends_with("tests/data/filter_lists/privacy.txt"),
        "{}",
        bad[0].file
    );
    assert_eq!(bad[0].text, "||broken.example^$nosuchoption");
    assert!(lists[1].malformed().is_empty());
    assert_eq!(lists[1].network_filters(), 4);
}

#[test]
fn bad_list_entries_fail_at_load_with_file_key_and_reason() {
    let label = format!("{LISTS}/consentry.toml");
    let cases = [
        (
            "[[tags.filter_list]]\npath = \"missing.txt\"\ncategory = \"analytics\"",
            "tags.filter_list[0].path",
            "cannot read the filter list",
        ),
        (
            "[[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"tracking\"",
            "tags.filter_list[0].category",
            "unknown category `tracking`",
        ),
        (
            "[[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"necessary\"",
            "tags.filter_list[0].category",
            "always granted",
        ),
        (
            "[[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"analytics\"\n\
             [[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"marketing\"",
            "tags.filter_list[1].name",
            "two filter lists are named `privacy`",
        ),
        (
            "[[tags.filter_list]]\npath = \"privacy.txt\"\ncategory = \"analytics\"\nurl = \"x\"",
            "tags.filter_list[0].url",
            "unknown field",
        ),
    ];
    for (text, key, reason) in cases {
        let e = compile(text, &label).expect_err(text);
        assert_eq!(e.key, key, "{e}");
        assert!(e.reason.contains(reason), "{e}");
        assert!(
            e.to_string().starts_with(&format!("{label}: {key}: ")),
            "{e}"
        );
    }
    let e = compile(cases[0].0, &label).unwrap_err();
    assert!(e.reason.contains("missing.txt"), "names the file: {e}");
}

/// A scratch directory for one test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "consentry-filter-lists-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An upstream answering every request with the HTML `page`.
async fn upstream(page: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = service_fn(move |_| async move {
                Ok::<_, Infallible>(
                    http::Response::builder()
                        .header("content-type", "text/html; charset=utf-8")
                        .body(Full::new(Bytes::from_static(page.as_bytes())))
                        .unwrap(),
                )
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    addr
}

/// The body of `GET /` through the proxy at `addr`.
async fn get(addr: SocketAddr) -> String {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let request = http::Request::get("/")
        .header("host", "www.site.example")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn a_changed_list_is_reloaded_over_real_sockets() {
    const PAGE: &str = "<!doctype html><html><head>\
        <script src=\"https://tag.example-late.net/t.js\"></script>\
        <script src=\"https://cdn.example-early.net/e.js\"></script>\
        </head><body><p>Hello</p></body></html>";
    let up = upstream(PAGE).await;
    let dir = Scratch::new("reload");
    let list = dir.0.join("list.txt");
    std::fs::write(&list, "||cdn.example-early.net^\n").unwrap();
    let config = dir.0.join("consentry.toml");
    std::fs::write(
        &config,
        format!(
            "[[tags.filter_list]]\npath = \"list.txt\"\ncategory = \"marketing\"\n\
             [proxy]\nupstream = \"http://{up}\"\n"
        ),
    )
    .unwrap();
    let source = ConfigSource {
        path: Some(config.clone()),
        overrides: Default::default(),
    };
    let policy = shared(Arc::new(source.read().unwrap()));
    let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), policy.clone())
        .await
        .unwrap();
    let addr = proxy.local_addr().unwrap();
    tokio::spawn(proxy.run(std::future::pending()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(watch(
        Reloader::new(source, policy),
        Duration::from_millis(20),
        async {
            let _ = stopped.await;
        },
    ));

    let first = get(addr).await;
    assert!(first.contains("tag.example-late.net"), "{first}");
    assert!(!first.contains("cdn.example-early.net"), "{first}");

    // Only the list changes, not the config file.
    std::fs::write(
        &list,
        "! now both\n||tag.example-late.net^\n||cdn.example-early.net^\n",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = get(addr).await;
        if !body.contains("tag.example-late.net") {
            assert!(!body.contains("cdn.example-early.net"), "{body}");
            assert!(body.contains("<p>Hello</p>"), "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the changed list was not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    watcher.await.unwrap();
}

#[tokio::test]
async fn unclassified_reports_are_counted_in_both_modes() {
    const PAGE: &str = "<!doctype html><html><head>\
        <script src=\"https://cdn.unknown-vendor.example/w.js\"></script>\
        <script src=\"https://static.site.example/app.js\"></script>\
        </head><body><iframe src=\"https://frames.unknown-vendor.example/f\"></iframe></body></html>";
    let handle = consentry::admin::exporter::install().unwrap();
    let up = upstream(PAGE).await;
    for (mode, expected) in [("enforce", 1.0), ("report-only", 2.0)] {
        let config = format!(
            "mode = \"{mode}\"\n[tags]\nunclassified = \"report\"\n\
             [consent_ui]\nbanner = \"never\"\n[proxy]\nupstream = \"http://{up}\"\n"
        );
        let policy = shared(Arc::new(compile(&config, "test").unwrap()));
        let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), policy)
            .await
            .unwrap();
        let addr = proxy.local_addr().unwrap();
        tokio::spawn(proxy.run(std::future::pending()));
        assert_eq!(get(addr).await, PAGE, "{mode}: reported, not changed");
        let text = handle.render();
        for element in ["script", "iframe"] {
            let line =
                format!("consentry_unclassified_tags_total{{element=\"{element}\"}} {expected}");
            assert!(text.contains(&line), "{mode}: {line} in {text}");
        }
    }
}

//! Consentry's own consent UI over real sockets: the banner, the consent
//! endpoint, the settings link, the preferences page, consent records and
//! validators, with an in-process upstream and the proxy in front of it.

#[allow(dead_code)]
mod common;

use bytes::Bytes;
use common::*;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};

const PAGE: &str = "<!doctype html><html><head><title>Shop</title>\
<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>\
<script src=\"/app.js\"></script></head><body class=\"home\"><h1>Welcome to the shop</h1>\
<div class=\"ratio\"><iframe class=\"embed-item\" style=\"position:absolute;width:100%;height:100%\" \
src=\"https://www.youtube.com/embed/abc?rel=0&amp;start=5\" width=\"560\" height=\"315\"></iframe></div></body></html>";

const TRACKER: &str = "googletagmanager.com";
const ONETRUST_ALL: &str = "OptanonConsent=groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1";
const BANNER: &str = "<consentry-banner data-consentry-injected=\"banner\">";
const SETTINGS: &str = "<consentry-settings data-consentry-injected=\"settings-link\">";

fn page() -> Response<TestBody> {
    html(
        PAGE,
        &[
            ("set-cookie", "_ga=GA1.2.3; Path=/; Max-Age=63072000"),
            ("etag", "\"v7\""),
            ("last-modified", "Wed, 01 Jan 2025 00:00:00 GMT"),
        ],
    )
}

/// POSTs `body` as a form to `path` with `headers`.
async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Collected {
    let mut builder = Request::builder()
        .method("POST")
        .uri(format!("http://{addr}{path}"));
    if !headers.iter().any(|(n, _)| *n == "content-type") {
        builder = builder.header("content-type", "application/x-www-form-urlencoded");
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = client()
        .request(
            builder
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap(),
        )
        .await
        .expect("response");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("whole body").to_bytes();
    Collected { parts, body }
}

/// The `name=value` part of the `Set-Cookie` for `name`.
fn set_cookie(r: &Collected, name: &str) -> Option<String> {
    r.all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
}

fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

/// The body with one injected element (`<tag ...>...</tag>`) cut out.
fn without(text: &str, tag: &str) -> String {
    let start = text.find(&format!("<{tag} ")).expect("element present");
    let end_tag = format!("</{tag}>");
    let end = text[start..].find(&end_tag).unwrap() + start + end_tag.len();
    format!("{}{}", &text[..start], &text[end..])
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("consentry-{name}-{}", std::process::id()))
}

#[tokio::test]
async fn banner_without_consent_and_not_with_a_readable_signal() {
    let (proxy, _) = proxied(|_| async { page() }).await;
    let r = get(proxy, "/shop?x=1", &[("accept-language", "de-DE,de;q=0.9")]).await;
    let text = r.text();
    assert!(!text.contains(TRACKER));
    assert_eq!(text.matches(BANNER).count(), 1);
    // Right after <body>, a plain form with both choices and the return path.
    assert!(text.contains(&format!("<body class=\"home\">{BANNER}")));
    assert!(
        text.contains("<form class=\"cnsy-form\" method=\"post\" action=\"/_consentry/consent\">")
    );
    assert!(text.contains("name=\"return\" value=\"/shop?x=1\""));
    assert!(text.contains("Alle ablehnen") && text.contains("Alle akzeptieren"));
    // The texts follow Accept-Language: so does the cache key.
    assert_eq!(r.all("vary"), ["Cookie, Sec-GPC, Accept-Language"]);
    assert!(!text.contains(SETTINGS));

    for cookie in [
        "consentry=analytics",
        "consentry=",
        ONETRUST_ALL,
        "CookieConsent=-1",
        "OptanonConsent=groups=C0001%3A1%2CC0002%3A0",
    ] {
        let r = get(proxy, "/", &[("cookie", cookie)]).await;
        assert!(!r.text().contains(BANNER), "{cookie}");
    }
    // Only pages a browser navigates to get it, not fragments or frames.
    for headers in [
        [("sec-fetch-dest", "empty")],
        [("sec-fetch-dest", "iframe")],
        [("x-requested-with", "XMLHttpRequest")],
    ] {
        let r = get(proxy, "/fragment", &headers).await;
        assert!(!r.text().contains(BANNER), "{headers:?}");
        assert!(!r.text().contains(TRACKER), "{headers:?}");
    }
    let r = get(proxy, "/", &[("sec-fetch-dest", "document")]).await;
    assert!(r.text().contains(BANNER));
    // An unreadable signal is no signal: banner.
    let r = get(proxy, "/", &[("cookie", "consentry=v2.zz")]).await;
    assert!(r.text().contains(BANNER));
}

#[tokio::test]
async fn a_page_with_its_own_consent_manager_keeps_it() {
    let own = PAGE.replace(
        "<title>Shop</title>",
        "<title>Shop</title><script src=\"https://consent.cookiebot.com/uc.js\" data-cbid=\"x\"></script>",
    );
    let served = own.clone();
    let (up, received) = upstream(move |_| {
        let body = chunked(served.as_bytes(), 7);
        async move {
            Response::builder()
                .header("content-type", "text/html")
                .body(body)
                .unwrap()
        }
    })
    .await;
    let auto = proxy(&config(up, "")).await;
    let r = get(auto, "/", &[]).await;
    assert!(!r.text().contains(BANNER));
    assert!(!r.text().contains(TRACKER));
    assert!(r.text().contains("consent.cookiebot.com"));
    let always = proxy(&config(up, "[consent_ui]\nbanner = \"always\"")).await;
    assert!(get(always, "/", &[]).await.text().contains(BANNER));
    let never = proxy(&config(up, "[consent_ui]\nbanner = \"never\"")).await;
    assert!(!get(never, "/", &[]).await.text().contains(BANNER));
    assert_eq!(received.uris().len(), 3);
}

#[tokio::test]
async fn posting_a_choice_sets_the_cookie_and_redirects() {
    let records = temp_path("records");
    let _ = std::fs::remove_file(&records);
    let (up, _) = upstream(|_| async { page() }).await;
    let proxy = proxy(&config(
        up,
        &format!("[consent_ui]\nrecords = \"{}\"", records.display()),
    ))
    .await;
    let host = proxy.to_string();
    let origin = format!("http://{host}");
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=all&return=%2Fshop%3Fx%3D1&lang=fr",
        &[("origin", &origin), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(r.parts.status, StatusCode::SEE_OTHER);
    assert_eq!(r.all("location"), ["/shop?x=1"]);
    let cookie = set_cookie(&r, "consentry").expect("consent cookie");
    assert!(
        cookie.ends_with("; Path=/; Max-Age=15552000; SameSite=Lax"),
        "{cookie}"
    );
    let value = cookie_pair(&cookie).strip_prefix("consentry=").unwrap();
    let fields: Vec<&str> = value.split('.').collect();
    assert_eq!(fields[0], "v2");
    assert_eq!(fields[4..], ["preferences", "analytics", "marketing"]);

    // The cookie it set grants everything: trackers back, no banner.
    let r = get(proxy, "/shop", &[("cookie", cookie_pair(&cookie))]).await;
    assert!(r.text().contains(TRACKER));
    assert!(!r.text().contains(BANNER));

    // Custom, then reject: the same consent id, other grants.
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=custom&category=analytics&return=/",
        &[
            ("cookie", cookie_pair(&cookie)),
            ("referer", &format!("{origin}/shop")),
        ],
    )
    .await;
    let custom = set_cookie(&r, "consentry").unwrap();
    assert!(cookie_pair(&custom).ends_with(&format!("{}.analytics", fields[3])));

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&records)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["choice"], "all");
    assert_eq!(lines[0]["language"], "fr");
    assert_eq!(lines[0]["path"], "/shop?x=1");
    assert_eq!(lines[0]["consent_id"], fields[3]);
    assert_eq!(lines[0]["revision"], fields[1]);
    assert_eq!(lines[1]["choice"], "custom");
    assert_eq!(
        lines[1]["granted"],
        serde_json::json!(["necessary", "analytics"])
    );
    assert_eq!(lines[1]["consent_id"], fields[3]);
    assert!(lines[0].get("user_agent").is_none());
    std::fs::remove_file(&records).unwrap();

    // Behind a TLS edge that is trusted: Secure.
    let tls = proxy_with(
        up,
        "[consent_ui]\nrecords = \"off\"\ntrust_forwarded_proto = true",
    )
    .await;
    let r = post(
        tls,
        "/_consentry/consent",
        "choice=none",
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(set_cookie(&r, "consentry").unwrap().ends_with("; Secure"));
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=none",
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(!set_cookie(&r, "consentry").unwrap().contains("Secure"));
}

async fn proxy_with(up: std::net::SocketAddr, extra: &str) -> std::net::SocketAddr {
    proxy(&config(up, extra)).await
}

#[tokio::test]
async fn forged_and_malformed_posts_change_nothing() {
    let (proxy, received) = proxied(|_| async { page() }).await;
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], StatusCode);
    let cases: &[Case<'_>] = &[
        (
            "choice=all",
            &[("sec-fetch-site", "cross-site")],
            StatusCode::FORBIDDEN,
        ),
        (
            "choice=all",
            &[("origin", "http://evil.example")],
            StatusCode::FORBIDDEN,
        ),
        ("choice=all", &[("origin", "null")], StatusCode::FORBIDDEN),
        (
            "choice=all",
            &[("referer", "http://evil.example/")],
            StatusCode::FORBIDDEN,
        ),
        ("choice=maybe", &[], StatusCode::BAD_REQUEST),
        (
            "choice=custom&category=spyware",
            &[],
            StatusCode::BAD_REQUEST,
        ),
        ("choice=all&choice=none", &[], StatusCode::BAD_REQUEST),
        ("choice=all&admin=1", &[], StatusCode::BAD_REQUEST),
        ("choice=%ZZ%FF", &[], StatusCode::BAD_REQUEST),
        ("", &[], StatusCode::BAD_REQUEST),
    ];
    for (body, headers, status) in cases {
        let r = post(proxy, "/_consentry/consent", body, headers).await;
        assert_eq!(r.parts.status, *status, "{body} {headers:?}");
        assert!(r.all("set-cookie").is_empty(), "{body} {headers:?}");
    }
    let huge = format!("choice=all&return=/{}", "a".repeat(100_000));
    let r = post(proxy, "/_consentry/consent", &huge, &[]).await;
    assert_eq!(r.parts.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.all("set-cookie").is_empty());
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=all",
        &[("content-type", "application/json")],
    )
    .await;
    assert_eq!(r.parts.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = request(&client(), "DELETE", proxy, "/_consentry/consent", &[]).await;
    assert_eq!(r.parts.status, StatusCode::METHOD_NOT_ALLOWED);
    // Hostile return paths: the choice is made, the redirect stays home.
    for hostile in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%0D%0ASet-Cookie%3A%20x%3D1",
    ] {
        let r = post(
            proxy,
            "/_consentry/consent",
            &format!("choice=none&return={hostile}"),
            &[],
        )
        .await;
        assert_eq!(r.parts.status, StatusCode::SEE_OTHER);
        assert_eq!(r.all("location"), ["/"], "{hostile}");
        assert_eq!(r.all("set-cookie").len(), 1);
    }
    // None of it reached the upstream.
    assert!(received.uris().is_empty());
}

#[tokio::test]
async fn consent_through_consentry_adds_only_the_settings_link() {
    let (up, _) = upstream(|_| async { html(PAGE, &[("etag", "\"v7\"")]) }).await;
    let proxy = proxy_with(up, "").await;
    let r = post(proxy, "/_consentry/consent", "choice=all&return=/a", &[]).await;
    let cookie = set_cookie(&r, "consentry").unwrap();
    let r = get(proxy, "/a", &[("cookie", cookie_pair(&cookie))]).await;
    let text = r.text();
    assert_eq!(text.matches(SETTINGS).count(), 1);
    assert!(text.contains("href=\"/_consentry/preferences?return=%2Fa\""));
    assert_eq!(without(&text, "consentry-settings"), PAGE);
    // The link is appended after the document's last byte.
    assert!(text.starts_with(PAGE));

    // With the link off: byte for byte.
    let off = proxy_with(up, "[consent_ui]\nsettings_link = false").await;
    let r = get(off, "/a", &[("cookie", cookie_pair(&cookie))]).await;
    assert_eq!(r.text(), PAGE);
    // Full consent from the site's own consent manager: byte for byte too.
    let r = get(proxy, "/a", &[("cookie", ONETRUST_ALL)]).await;
    assert_eq!(r.text(), PAGE);
    assert_eq!(r.all("content-length"), [PAGE.len().to_string()]);
}

#[tokio::test]
async fn withdrawal_expires_the_cookies_it_no_longer_allows() {
    let (proxy, _) = proxied(|_| async { page() }).await;
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=none&return=/",
        &[(
            "cookie",
            "consentry=analytics,marketing; _ga=GA1.2.3; _fbp=fb.1; sessionid=abc",
        )],
    )
    .await;
    assert_eq!(r.parts.status, StatusCode::SEE_OTHER);
    let set = r.all("set-cookie");
    assert!(
        set.iter().any(|c| c.starts_with("_ga=; Max-Age=0")),
        "{set:?}"
    );
    assert!(
        set.iter().any(|c| c.starts_with("_fbp=; Max-Age=0")),
        "{set:?}"
    );
    assert!(!set.iter().any(|c| c.starts_with("sessionid=")), "{set:?}");
    // Keeping analytics: only marketing's cookies go.
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=custom&category=analytics",
        &[("cookie", "_ga=GA1.2.3; _fbp=fb.1")],
    )
    .await;
    let set = r.all("set-cookie");
    assert!(!set.iter().any(|c| c.starts_with("_ga=")), "{set:?}");
    assert!(
        set.iter().any(|c| c.starts_with("_fbp=; Max-Age=0")),
        "{set:?}"
    );
}

#[tokio::test]
async fn the_upstream_never_sees_the_prefix() {
    let (proxy, received) = proxied(|_| async { page() }).await;
    let r = get(
        proxy,
        "/_consentry/consent",
        &[("cookie", "consentry=analytics")],
    )
    .await;
    assert_eq!(r.parts.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        json["granted"],
        serde_json::json!(["necessary", "analytics"])
    );
    assert_eq!(json["source"], "consentry");
    assert_eq!(json["revision"].as_str().unwrap().len(), 8);

    let r = get(
        proxy,
        "/_consentry/preferences?return=%2Fshop",
        &[("cookie", "consentry=analytics"), ("accept-language", "nl")],
    )
    .await;
    assert_eq!(r.parts.status, StatusCode::OK);
    let text = r.text();
    assert!(text.contains("data-consentry-status=\"analytics\">Toegestaan<"));
    assert!(text.contains("data-consentry-status=\"marketing\">Niet toegestaan<"));
    assert!(text.contains("href=\"/shop\""));
    assert!(r.all("content-security-policy")[0].contains("form-action 'self'"));
    let css_url = text
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let css = get(proxy, &css_url, &[]).await;
    assert_eq!(css.parts.status, StatusCode::OK);
    assert_eq!(css.all("content-type"), ["text/css; charset=utf-8"]);
    assert!(css.all("cache-control")[0].contains("immutable"));
    assert!(css.text().contains(".cnsy-banner"));
    for path in [
        "/_consentr%79/consent",
        "/_CONSENTRY/preferences",
        "/_consentry/consentry.0000.css",
        "/_consentry/policy/extra",
        "/_consentry",
        "/_consentry/../admin",
    ] {
        let r = get(proxy, path, &[]).await;
        assert_eq!(r.parts.status, StatusCode::NOT_FOUND, "{path}");
    }
    let policy = get(proxy, "/_consentry/policy", &[]).await;
    assert_eq!(policy.parts.status, StatusCode::OK);
    post(proxy, "/_consentry/consent", "choice=all", &[]).await;
    post(proxy, "/_consentry/nothing", "choice=all", &[]).await;
    assert!(received.uris().is_empty());
    // Everything else still goes upstream.
    get(proxy, "/_consentryish", &[]).await;
    assert_eq!(received.uris(), ["/_consentryish"]);
}

#[tokio::test]
async fn a_new_policy_revision_asks_again_keeping_what_still_exists() {
    let (proxy, _) = proxied(|_| async { page() }).await;
    let old = "consentry=v2.00000000.1700000000.0123456789abcdef0123456789abcdef.analytics.marketing.retired";
    let r = get(proxy, "/", &[("cookie", old)]).await;
    let text = r.text();
    assert!(text.contains(BANNER));
    // Until answered, what was granted and still exists stays granted.
    assert!(text.contains(TRACKER));
    // The answer keeps the consent id.
    let r = post(
        proxy,
        "/_consentry/consent",
        "choice=none",
        &[("cookie", old)],
    )
    .await;
    assert!(set_cookie(&r, "consentry")
        .unwrap()
        .contains(".0123456789abcdef0123456789abcdef"));
}

#[tokio::test]
async fn a_choice_takes_effect_on_the_next_revalidation() {
    let (proxy, received) = proxied(|request: Request<_>| async move {
        if request
            .headers()
            .get("if-none-match")
            .is_some_and(|v| v == "\"v7\"")
        {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header("etag", "\"v7\"")
                .body(full(""))
                .unwrap();
        }
        page()
    })
    .await;
    let first = get(proxy, "/", &[]).await;
    let etag = first.all("etag").join("");
    assert!(etag.starts_with("W/\"v7--cs-s"), "{etag}");
    assert!(first.all("last-modified").is_empty());
    // Same consent: upstream sees its own tag, the 304 comes back marked.
    let again = get(proxy, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.parts.status, StatusCode::NOT_MODIFIED);
    assert_eq!(received.last_headers()["if-none-match"], "\"v7\"");
    assert_eq!(again.all("etag").join(""), etag);
    // After "Accept all": the old copy's tag is not passed on, the page comes in full.
    let r = post(proxy, "/_consentry/consent", "choice=all", &[]).await;
    let cookie = set_cookie(&r, "consentry").unwrap();
    let after = get(
        proxy,
        "/",
        &[("if-none-match", &etag), ("cookie", cookie_pair(&cookie))],
    )
    .await;
    assert_eq!(after.parts.status, StatusCode::OK);
    assert!(received.last_headers().get("if-none-match").is_none());
    assert!(after.text().contains(TRACKER));
    assert!(!after.text().contains(BANNER));
    assert_ne!(after.all("etag"), [etag]);

    // The same with `proxy.cache = "private"`.
    let (up, _) = upstream(|_| async { page() }).await;
    let private =
        common::proxy(&config(up, "").replace("[proxy]", "[proxy]\ncache = \"private\"")).await;
    let first = get(private, "/", &[]).await;
    assert!(first.all("cache-control")[0].contains("private"));
    assert!(first.all("etag")[0].starts_with("W/\"v7--cs-"));
}

#[tokio::test]
async fn placeholders_offer_consent_and_keep_the_layout() {
    let (proxy, _) = proxied(|_| async { page() }).await;
    let r = get(proxy, "/watch", &[("cookie", "consentry=analytics")]).await;
    let text = r.text();
    assert!(!text.contains("<iframe"));
    let start = text
        .find("<consentry-placeholder data-consentry-injected=\"placeholder\"")
        .expect("placeholder");
    let placeholder = &text[start..];
    assert!(placeholder
        .contains("data-consentry-src=\"https://www.youtube.com/embed/abc?rel=0&amp;start=5\""));
    assert!(!text.contains("&amp;amp;"));
    assert!(placeholder.contains(" class=\"embed-item\""));
    assert!(placeholder
        .contains("style=\"width:560px;height:315px;position:absolute;width:100%;height:100%\""));
    assert!(placeholder.contains("action=\"/_consentry/consent\""));
    assert!(placeholder.contains("<input type=\"hidden\" name=\"category\" value=\"analytics\"><input type=\"hidden\" name=\"category\" value=\"marketing\">"));
    assert!(placeholder.contains("name=\"return\" value=\"/watch\""));
    assert!(placeholder.contains("href=\"/_consentry/preferences?return=%2Fwatch\""));
    // The settings link is there too (a choice was made through Consentry).
    assert!(text.contains(SETTINGS));
}

#[tokio::test]
async fn report_only_shows_no_banner_unless_configured() {
    let (up, _) = upstream(|_| async { page() }).await;
    let report = proxy_with(up, "mode = \"report-only\"").await;
    let r = get(report, "/", &[]).await;
    assert_eq!(r.text(), PAGE);
    assert_eq!(r.all("etag"), ["\"v7\""]);
    let shown = proxy_with(
        up,
        "mode = \"report-only\"\n[consent_ui]\nbanner_in_report_only = true",
    )
    .await;
    let r = get(shown, "/", &[]).await;
    let text = r.text();
    assert!(text.contains(BANNER));
    // Report-only still removes nothing.
    assert_eq!(without(&text, "consentry-banner"), PAGE);
}

#[tokio::test]
async fn a_csp_that_would_block_the_banner_skips_it() {
    let (up, _) = upstream(|_| async {
        html(
            PAGE,
            &[(
                "content-security-policy",
                "default-src 'none'; style-src 'nonce-abc'",
            )],
        )
    })
    .await;
    let proxy = proxy_with(up, "").await;
    let r = get(proxy, "/", &[]).await;
    assert!(!r.text().contains(BANNER));
    assert!(!r.text().contains(TRACKER));
    let (up, _) =
        upstream(|_| async { html(PAGE, &[("content-security-policy", "default-src 'self'")]) })
            .await;
    let proxy = proxy_with(up, "").await;
    assert!(get(proxy, "/", &[]).await.text().contains(BANNER));
}

#[tokio::test]
async fn compressed_pages_get_the_banner_too() {
    let (proxy, _) = proxied(|_| async {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut e, PAGE.as_bytes()).unwrap();
        Response::builder()
            .header("content-type", "text/html")
            .header("content-encoding", "gzip")
            .body(full(e.finish().unwrap()))
            .unwrap()
    })
    .await;
    let r = get(proxy, "/", &[]).await;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&r.body[..]), &mut text)
        .unwrap();
    assert!(text.contains(BANNER));
    assert!(!text.contains(TRACKER));
}

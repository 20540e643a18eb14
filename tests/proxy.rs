//! The reverse proxy over real sockets: an in-process upstream, the proxy
//! started through the library API, a client.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use futures_util::{SinkExt, StreamExt};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const PAGE: &str = "<!doctype html><html><head><title>Shop</title>\
<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>\
<script src=\"/app.js\"></script></head><body><h1>Welcome to the shop</h1>\
<iframe src=\"https://www.youtube.com/embed/abc\"></iframe></body></html>";

const TRACKER: &str = "googletagmanager.com";
/// Everything granted by a site's own consent manager (OneTrust): a fully
/// consented page comes back exactly as upstream sent it. (Consent given
/// through Consentry adds the settings link: see tests/consent_ui.rs.)
const ALL: &str = "OptanonConsent=groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1";

fn page_with_cookies() -> Response<TestBody> {
    html(
        PAGE,
        &[
            ("set-cookie", "_ga=GA1.2.3; Path=/; Max-Age=63072000"),
            ("set-cookie", "sessionid=abc; Path=/; HttpOnly"),
        ],
    )
}

fn cookie_names(set_cookies: &[String]) -> Vec<&str> {
    set_cookies
        .iter()
        .map(|c| c.split('=').next().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn set_cookies_follow_consent() {
    let (proxy, _) = proxied(|_| async { page_with_cookies() }).await;

    let none = get(proxy, "/", &[]).await;
    assert_eq!(none.parts.status, StatusCode::OK);
    assert_eq!(cookie_names(&none.all("set-cookie")), ["sessionid"]);
    assert!(none.all("vary").join(",").contains("Cookie"));

    let analytics = get(proxy, "/", &[("cookie", "consentry=analytics")]).await;
    assert_eq!(
        cookie_names(&analytics.all("set-cookie")),
        ["_ga", "sessionid"]
    );
    // Every HTML response is cache-safe, even when nothing was stripped.
    let all = get(proxy, "/", &[("cookie", ALL)]).await;
    assert_eq!(all.all("vary"), ["Cookie, Sec-GPC"]);
    assert_eq!(all.text(), PAGE);
}

#[tokio::test]
async fn link_preloads_and_refresh_headers_of_denied_tags_go() {
    const LINKS: &str = "</app.css>; rel=preload; as=style, <https://www.googletagmanager.com/gtag/js?id=G-1>; rel=preload; as=script";
    let (proxy, _) = proxied(|_| async {
        html(
            PAGE,
            &[
                ("link", LINKS),
                ("link", "<https://www.google-analytics.com>; rel=preconnect"),
                ("refresh", "0; url=https://www.facebook.com/tr?id=1"),
            ],
        )
    })
    .await;
    let none = get(proxy, "/", &[]).await;
    assert_eq!(none.all("link"), ["</app.css>; rel=preload; as=style"]);
    assert!(none.all("refresh").is_empty());
    let all = get(proxy, "/", &[("cookie", ALL)]).await;
    assert_eq!(
        all.all("link"),
        [LINKS, "<https://www.google-analytics.com>; rel=preconnect"]
    );
    assert_eq!(
        all.all("refresh"),
        ["0; url=https://www.facebook.com/tr?id=1"]
    );
}

#[tokio::test]
async fn cache_private_when_configured() {
    let (up, _) =
        upstream(|_| async { html(PAGE, &[("cache-control", "public, max-age=60")]) }).await;
    let proxy = proxy(&config(up, "").replace("[proxy]", "[proxy]\ncache = \"private\"")).await;
    let r = get(proxy, "/", &[]).await;
    assert_eq!(r.all("cache-control"), ["private, max-age=60"]);
    assert!(r.all("vary").is_empty());
}

#[tokio::test]
async fn request_cookies_are_filtered_before_upstream() {
    let (proxy, received) = proxied(|_| async { html("ok", &[]) }).await;

    get(
        proxy,
        "/",
        &[("cookie", "sessionid=s1; _ga=1; consentry=marketing")],
    )
    .await;
    assert_eq!(
        received.last_headers()["cookie"],
        "sessionid=s1; consentry=marketing"
    );

    get(proxy, "/", &[("cookie", "_ga=1")]).await;
    assert!(received.last_headers().get("cookie").is_none());

    get(proxy, "/", &[("cookie", "consentry=analytics; _ga=1")]).await;
    assert_eq!(
        received.last_headers()["cookie"],
        "consentry=analytics; _ga=1"
    );
}

#[tokio::test]
async fn withdrawn_cookies_are_expired() {
    let (proxy, _) = proxied(|_| async {
        Response::builder()
            .header("content-type", "application/json")
            .body(full("{}"))
            .unwrap()
    })
    .await;
    let r = get(proxy, "/api", &[("cookie", "_ga=GA1.2.3; sessionid=x")]).await;
    let set_cookies = r.all("set-cookie");
    assert_eq!(set_cookies.len(), 1, "{set_cookies:?}");
    assert!(
        set_cookies[0].starts_with("_ga=; Max-Age=0"),
        "{set_cookies:?}"
    );
    // A response with changed cookies is cache-safe even when not HTML.
    assert_eq!(r.all("vary"), ["Cookie, Sec-GPC"]);
    // Consent given: nothing to expire.
    let r = get(proxy, "/api", &[("cookie", "consentry=analytics; _ga=1")]).await;
    assert!(r.all("set-cookie").is_empty());
}

#[tokio::test]
async fn corpus_page_in_small_chunks_loses_its_trackers() {
    let page = corpus_page("arstechnica-article.html");
    let served = page.clone();
    let (proxy, _) = proxied(move |_| {
        let body = chunked(&served, 1000);
        async move {
            Response::builder()
                .header("content-type", "text/html; charset=UTF-8")
                .header("content-length", "55990")
                .header("etag", "\"v1\"")
                .header("accept-ranges", "bytes")
                .body(body)
                .unwrap()
        }
    })
    .await;
    let r = get(proxy, "/article", &[]).await;
    let text = r.text();
    assert!(String::from_utf8_lossy(&page).contains("GTM-NLXNPCQ"));
    assert!(!text.contains("GTM-NLXNPCQ"));
    assert!(text.contains("Just-released Minecraft exploit makes it easy to crash game servers"));
    assert!(text.ends_with("</html>\n") || text.trim_end().ends_with("</html>"));
    assert!(r.parts.headers.get("content-length").is_none());
    assert!(r.parts.headers.get("accept-ranges").is_none());
    // The validator is weak and names the consent it was made for.
    let rewritten_etag = r.all("etag").join("");
    assert!(
        rewritten_etag.starts_with("W/\"v1--cs-"),
        "{rewritten_etag}"
    );

    // All granted: byte for byte, length kept (but cache-safe, and the
    // validator names this other consent, so neither copy revalidates as the other).
    let r = get(proxy, "/article", &[("cookie", ALL)]).await;
    assert_eq!(r.body, page);
    let granted_etag = r.all("etag").join("");
    assert!(granted_etag.starts_with("W/\"v1--cs-s"), "{granted_etag}");
    assert_ne!(granted_etag, rewritten_etag);
    assert_eq!(r.all("content-length"), ["55990"]);
}

fn compress(coding: &str, data: &[u8]) -> Vec<u8> {
    match coding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "br" => {
            let mut out = Vec::new();
            let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            e.write_all(data).unwrap();
            drop(e);
            out
        }
        "zstd" => zstd::encode_all(data, 3).unwrap(),
        other => panic!("{other}"),
    }
}

fn decompress(coding: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => flate2::read::GzDecoder::new(data).read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(data).read_to_end(&mut out),
        "br" => brotli::Decompressor::new(data, 4096).read_to_end(&mut out),
        "zstd" => zstd::stream::read::Decoder::new(data)
            .unwrap()
            .read_to_end(&mut out),
        other => panic!("{other}"),
    }
    .unwrap_or_else(|e| panic!("{coding}: {e}"));
    out
}

#[tokio::test]
async fn compressed_pages_are_decoded_rewritten_and_reencoded() {
    let page = corpus_page("arstechnica-article.html");
    let served = page.clone();
    let (proxy, _) = proxied(move |request: Request<_>| {
        let coding = request.uri().path().trim_start_matches('/').to_string();
        let body = if coding == "identity" {
            chunked(&served, 4096)
        } else {
            chunked(&compress(&coding, &served), 700)
        };
        async move {
            let mut r = Response::builder().header("content-type", "text/html");
            if coding != "identity" {
                r = r.header("content-encoding", coding);
            }
            r.body(body).unwrap()
        }
    })
    .await;
    let plain = get(proxy, "/identity", &[]).await;
    assert!(!plain.text().contains("GTM-NLXNPCQ"));
    for coding in ["gzip", "deflate", "br", "zstd"] {
        let r = get(proxy, &format!("/{coding}"), &[]).await;
        assert_eq!(r.all("content-encoding"), [coding]);
        let decoded = decompress(coding, &r.body);
        assert_eq!(decoded, plain.body, "{coding}");
    }
}

#[tokio::test]
async fn undecodable_bodies_never_leak_trackers() {
    let (proxy, _) = proxied(|request: Request<_>| async move {
        match request.uri().path() {
            "/unknown" => html(PAGE, &[("content-encoding", "compress")]),
            "/stacked" => html(
                compress("gzip", &compress("gzip", PAGE.as_bytes())),
                &[("content-encoding", "gzip, gzip")],
            ),
            _ => {
                // A valid gzip start, then garbage.
                let mut body = compress("gzip", PAGE.as_bytes())[..20].to_vec();
                body.extend_from_slice(&[0xff; 4096]);
                Response::builder()
                    .header("content-type", "text/html")
                    .header("content-encoding", "gzip")
                    .body(chunked(&body, 20))
                    .unwrap()
            }
        }
    })
    .await;
    for path in ["/unknown", "/stacked"] {
        let r = get(proxy, path, &[]).await;
        assert_eq!(r.parts.status, StatusCode::BAD_GATEWAY, "{path}");
        assert!(!r.text().contains(TRACKER));
    }
    // Corrupt mid-stream: the transfer breaks.
    assert_broken(proxy, "/corrupt").await;
    // Granted everything: no rewrite, so the body passes as is.
    let r = get(proxy, "/unknown", &[("cookie", ALL)]).await;
    assert_eq!(r.parts.status, StatusCode::OK);
    assert_eq!(r.text(), PAGE);
}

#[tokio::test]
async fn memory_limit_aborts_the_body() {
    let (up, _) = upstream(|_| async {
        let huge = format!(
            "<html><body><p>before</p><img alt=\"{}\">{PAGE}</body></html>",
            "x".repeat(300_000)
        );
        html(huge, &[])
    })
    .await;
    let proxy = proxy(&config(up, "[html]\nparser_memory_limit = 65536\n")).await;
    assert_broken(proxy, "/").await;
}

/// Asserts that `GET path` ends in a broken transfer: either before the
/// response headers or in the middle of the body, never with a whole body.
async fn assert_broken(proxy: std::net::SocketAddr, path: &str) {
    let result = client()
        .request(
            Request::get(format!("http://{proxy}{path}"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
    if let Ok(response) = result {
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await;
        assert!(body.is_err(), "{path}: the body ended normally");
    }
}

#[tokio::test]
async fn head_partial_and_not_modified_are_untouched() {
    let (proxy, _) = proxied(|request: Request<_>| async move {
        match request.uri().path() {
            "/partial" => Response::builder()
                .status(StatusCode::PARTIAL_CONTENT)
                .header("content-type", "text/html")
                .header("content-range", format!("bytes 0-{}/9999", PAGE.len() - 1))
                .header("etag", "\"p\"")
                .body(full(PAGE))
                .unwrap(),
            "/notmodified" => Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header("etag", "\"n\"")
                .body(full(""))
                .unwrap(),
            _ => html(PAGE, &[("etag", "\"h\"")]),
        }
    })
    .await;
    let r = get(proxy, "/partial", &[]).await;
    assert_eq!(r.parts.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.text(), PAGE);
    assert_eq!(r.all("content-length"), [PAGE.len().to_string()]);
    assert_eq!(r.all("etag"), ["\"p\""]);

    let r = get(proxy, "/notmodified", &[]).await;
    assert_eq!(r.parts.status, StatusCode::NOT_MODIFIED);
    assert_eq!(r.all("etag"), ["\"n\""]);

    // HEAD: no body, and the same validator a GET gets.
    let r = request(&client(), "HEAD", proxy, "/page", &[]).await;
    assert_eq!(r.parts.status, StatusCode::OK);
    assert_eq!(r.all("content-length"), [PAGE.len().to_string()]);
    assert_eq!(r.all("etag"), get(proxy, "/page", &[]).await.all("etag"));
    assert!(r.all("etag")[0].starts_with("W/\"h--cs-"));
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn large_binary_body_is_byte_identical() {
    let data: Vec<u8> = {
        use rand::RngCore;
        let mut data = vec![0u8; 8 << 20];
        rand::rng().fill_bytes(&mut data);
        data
    };
    let served = Bytes::from(data.clone());
    let (proxy, _) = proxied(move |_| {
        let body = served.clone();
        async move {
            Response::builder()
                .header("content-type", "application/octet-stream")
                .body(full(body))
                .unwrap()
        }
    })
    .await;
    let r = get(proxy, "/blob", &[]).await;
    assert_eq!(r.all("content-length"), [(8 << 20).to_string()]);
    assert!(r.body == data, "body differs");
}

#[tokio::test]
async fn upstream_down_is_502() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let proxy = proxy(&config(addr, "")).await;
    let r = get(proxy, "/", &[]).await;
    assert_eq!(r.parts.status, StatusCode::BAD_GATEWAY);
    assert!(r.text().contains("Bad Gateway"));
}

#[tokio::test]
async fn hanging_upstream_is_504_within_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let config =
        config(addr, "").replace("response_header = \"2s\"", "response_header = \"300ms\"");
    let proxy = proxy(&config).await;
    let start = Instant::now();
    let r = get(proxy, "/", &[]).await;
    assert_eq!(r.parts.status, StatusCode::GATEWAY_TIMEOUT);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

/// An upstream whose one response body is driven by the returned sender.
async fn channel_upstream(
    content_encoding: Option<&'static str>,
) -> (std::net::SocketAddr, mpsc::Sender<Bytes>) {
    let (tx, rx) = mpsc::channel(16);
    let rx = Arc::new(Mutex::new(Some(rx)));
    let (up, _) = upstream(move |_| {
        let rx = rx.lock().unwrap().take().expect("one request");
        async move {
            let mut r = Response::builder().header("content-type", "text/html");
            if let Some(coding) = content_encoding {
                r = r.header("content-encoding", coding);
            }
            r.body(ChannelBody(rx).boxed()).unwrap()
        }
    })
    .await;
    (up, tx)
}

#[tokio::test]
async fn slow_upstream_streams_first_bytes_early() {
    for coding in [None, Some("gzip")] {
        let (up, tx) = channel_upstream(coding).await;
        let proxy = proxy(&config(up, "")).await;
        let first = "<html><head><title>t</title></head><body><p>first part</p>";
        let rest = format!("<p>second part</p>{PAGE}</body></html>");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut encode = |text: &str| -> Bytes {
            match coding {
                None => Bytes::copy_from_slice(text.as_bytes()),
                Some(_) => {
                    encoder.write_all(text.as_bytes()).unwrap();
                    encoder.flush().unwrap();
                    Bytes::from(std::mem::take(encoder.get_mut()))
                }
            }
        };
        tx.send(encode(first)).await.unwrap();

        let response = client()
            .request(
                Request::get(format!("http://{proxy}/"))
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let mut body = response.into_body();
        let mut received = Vec::new();
        let mut decoder = flate2::write::GzDecoder::new(Vec::new());
        let saw_first = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let frame = body.frame().await.expect("a frame").expect("no error");
                if let Ok(data) = frame.into_data() {
                    received.extend_from_slice(&data);
                }
                let text = match coding {
                    None => String::from_utf8_lossy(&received).into_owned(),
                    Some(_) => {
                        decoder.write_all(&received).unwrap();
                        received.clear();
                        decoder.flush().unwrap();
                        String::from_utf8_lossy(decoder.get_ref()).into_owned()
                    }
                };
                if text.contains("first part") {
                    return;
                }
            }
        })
        .await;
        assert!(
            saw_first.is_ok(),
            "{coding:?}: first chunk not received before upstream finished"
        );

        tx.send(encode(&rest)).await.unwrap();
        let tail = match coding {
            None => Vec::new(),
            Some(_) => encoder.finish().unwrap(),
        };
        if !tail.is_empty() {
            tx.send(Bytes::from(tail)).await.unwrap();
        }
        drop(tx);
        let rest_bytes = body.collect().await.unwrap().to_bytes();
        let text = match coding {
            None => String::from_utf8_lossy(&[received, rest_bytes.to_vec()].concat()).into_owned(),
            Some(_) => {
                decoder.write_all(&received).unwrap();
                decoder.write_all(&rest_bytes).unwrap();
                String::from_utf8_lossy(&decoder.finish().unwrap()).into_owned()
            }
        };
        assert!(text.contains("second part"), "{coding:?}: {text}");
        assert!(!text.contains(TRACKER), "{coding:?}");
    }
}

#[tokio::test]
async fn websocket_echo_passes_through() {
    let up = websocket_echo_upstream().await;
    let proxy = proxy(&config(up, "")).await;
    let stream = TcpStream::connect(proxy).await.unwrap();
    let (mut ws, response) = tokio_tungstenite::client_async(format!("ws://{proxy}/ws"), stream)
        .await
        .expect("handshake through the proxy");
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    for text in ["hello", "consent"] {
        ws.send(text.into()).await.unwrap();
        let echo = ws.next().await.unwrap().unwrap();
        assert_eq!(echo.into_text().unwrap().as_str(), text);
    }
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn concurrent_requests_never_mix_consents() {
    let (proxy, _) = proxied(|request: Request<_>| async move {
        let cookie = request
            .headers()
            .get("cookie")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        html(
            format!("{PAGE}<p id=\"cookie\">{cookie}</p>"),
            &[("set-cookie", "_ga=GA1.2.3; Path=/")],
        )
    })
    .await;
    let client = client();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let client = client.clone();
        tasks.spawn(async move {
            let granted = i % 2 == 0;
            let cookie = if granted {
                format!("{ALL}; _ga=n{i}")
            } else {
                format!("_ga=n{i}")
            };
            let r = request(
                &client,
                "GET",
                proxy,
                &format!("/{i}"),
                &[("cookie", &cookie)],
            )
            .await;
            let text = r.text();
            assert_eq!(text.contains(TRACKER), granted, "request {i}");
            assert_eq!(text.contains(&format!("_ga=n{i}<")), granted, "request {i}");
            let set_cookies = r.all("set-cookie");
            if granted {
                assert_eq!(set_cookies, ["_ga=GA1.2.3; Path=/"], "request {i}");
            } else {
                assert_eq!(set_cookies.len(), 1, "request {i}");
                assert!(set_cookies[0].starts_with("_ga=; Max-Age=0"), "request {i}");
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
}

#[tokio::test]
async fn report_only_changes_nothing() {
    let (up, received) = upstream(|_| async {
        html(
            PAGE,
            &[
                ("set-cookie", "_ga=GA1.2.3; Path=/"),
                ("etag", "\"r1\""),
                ("cache-control", "public, max-age=60"),
            ],
        )
    })
    .await;
    let report_only = proxy(&config(up, "mode = \"report-only\"")).await;
    let enforcing = proxy(&config(up, "")).await;
    let headers = [("cookie", "_ga=1; other=2")];

    let direct = get(up, "/", &headers).await;
    let observed = get(report_only, "/", &headers).await;
    assert_eq!(received.last_headers()["cookie"], "_ga=1; other=2");
    assert_eq!(observed.parts.status, direct.parts.status);
    assert_eq!(observed.body, direct.body);
    let without_date = |h: &http::HeaderMap| {
        let mut h = h.clone();
        h.remove("date");
        h
    };
    assert_eq!(
        without_date(&observed.parts.headers),
        without_date(&direct.parts.headers)
    );

    // The same request enforced would have changed body, cookies and headers.
    let enforced = get(enforcing, "/", &headers).await;
    assert_ne!(enforced.body, direct.body);
    assert!(!enforced.text().contains(TRACKER));
    assert!(received.last_headers().get("cookie").unwrap() == "other=2");
}

#[tokio::test]
async fn hop_by_hop_headers_are_stripped_and_forwarding_headers_added() {
    let (proxy, received) = proxied(|_| async {
        Response::builder()
            .header("content-type", "text/plain")
            .header("connection", "x-resp-hop")
            .header("x-resp-hop", "1")
            .header("keep-alive", "timeout=5")
            .header("proxy-authenticate", "Basic")
            .header("x-resp-end", "1")
            .body(full("ok"))
            .unwrap()
    })
    .await;
    let r = get(
        proxy,
        "/hop?q=1",
        &[
            ("connection", "x-hop"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("proxy-authorization", "Basic abc"),
            ("x-forwarded-for", "10.1.1.1"),
            ("x-end", "1"),
        ],
    )
    .await;
    let up = received.last_headers();
    for name in ["x-hop", "keep-alive", "te", "proxy-authorization"] {
        assert!(up.get(name).is_none(), "{name} reached upstream");
    }
    assert_eq!(up["x-end"], "1");
    assert_eq!(up["x-forwarded-for"], "10.1.1.1, 127.0.0.1");
    assert_eq!(up["x-forwarded-proto"], "http");
    assert_eq!(up["x-forwarded-host"], proxy.to_string());
    assert_eq!(
        up["forwarded"],
        format!("for=127.0.0.1;host=\"{proxy}\";proto=http")
    );
    assert_eq!(up["host"], proxy.to_string());
    assert!(up.get("x-request-id").is_some());

    for name in ["x-resp-hop", "keep-alive", "proxy-authenticate"] {
        assert!(r.parts.headers.get(name).is_none(), "{name} reached client");
    }
    assert_eq!(r.all("x-resp-end"), ["1"]);
    assert_eq!(r.text(), "ok");
}

#[tokio::test]
async fn host_header_can_be_the_upstreams() {
    let (up, received) = upstream(|_| async { html("ok", &[]) }).await;
    let proxy =
        proxy(&config(up, "").replace("[proxy]", "[proxy]\nhost_header = \"upstream\"")).await;
    get(proxy, "/", &[("x-request-id", "abc-123")]).await;
    let headers = received.last_headers();
    assert_eq!(headers["host"], up.to_string());
    assert_eq!(headers["x-forwarded-host"], proxy.to_string());
    assert_eq!(headers["x-request-id"], "abc-123");
}

#[tokio::test]
async fn http2_prior_knowledge() {
    let (proxy, received) = proxied(|_| async { page_with_cookies() }).await;
    let stream = TcpStream::connect(proxy).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender
        .send_request(
            Request::get(format!("http://{proxy}/h2"))
                .header("cookie", "_ga=1")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), http::Version::HTTP_2);
    let set_cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(set_cookies.len(), 2, "{set_cookies:?}");
    assert!(set_cookies[0].starts_with("sessionid="));
    assert!(set_cookies[1].starts_with("_ga=; Max-Age=0"));
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("Welcome to the shop"));
    assert!(!text.contains(TRACKER));
    let up = received.last_headers();
    assert_eq!(up["host"], proxy.to_string());
    assert!(up.get("cookie").is_none());

    // HTTP/2 may split cookies over several fields: upstream gets one header.
    let response = sender
        .send_request(
            Request::get(format!("http://{proxy}/split"))
                .header("cookie", "sessionid=1")
                .header("cookie", "consentry=analytics")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let up = received.last_headers();
    let cookies: Vec<_> = up.get_all("cookie").iter().collect();
    assert_eq!(cookies, ["sessionid=1; consentry=analytics"]);
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let (up, tx) = channel_upstream(None).await;
    let (addr, stop, server) = stoppable_proxy(&config(up, "")).await;
    tx.send(Bytes::from_static(b"<html><body><p>one</p>"))
        .await
        .unwrap();
    let response = client()
        .request(
            Request::get(format!("http://{addr}/"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // No new connections once shutdown began.
    assert!(TcpStream::connect(addr).await.is_err());
    tx.send(Bytes::from_static(b"<p>two</p></body></html>"))
        .await
        .unwrap();
    drop(tx);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("two"));
    tokio::time::timeout(Duration::from_secs(3), server)
        .await
        .expect("run returns within the grace period")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn demo_site_through_the_proxy() {
    let site = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site_addr = site.local_addr().unwrap();
    tokio::spawn(consentry::demo::serve_site(site, std::future::pending()));
    let proxy = proxy(&config(site_addr, "")).await;

    let direct = get(site_addr, "/", &[]).await;
    assert!(direct.text().contains(TRACKER));
    assert!(direct.text().contains("connect.facebook.net"));
    let r = get(proxy, "/", &[]).await;
    let text = r.text();
    assert!(!text.contains(TRACKER), "{text}");
    assert!(!text.contains("connect.facebook.net"));
    assert!(direct.text().contains("<iframe width=\"560\""));
    assert!(!text.contains("<iframe width=\"560\""));
    assert!(text.contains("/static/app.js"));
    assert_eq!(cookie_names(&r.all("set-cookie")), ["sessionid"]);

    // The site has no consent links of its own: Consentry's banner asks.
    assert!(!direct.text().contains("consent?"));
    assert!(text.contains("<consentry-banner data-consentry-injected=\"banner\">"));

    let r = get(proxy, "/", &[("cookie", ALL)]).await;
    assert!(r.text().contains(TRACKER));
    assert!(!r.text().contains("<consentry-banner"));
    let js = get(proxy, "/static/app.js", &[]).await;
    assert_eq!(js.parts.status, StatusCode::OK);
}

#[tokio::test]
async fn mode_overrides_pick_the_mode_per_host_and_path() {
    let (up, _) = upstream(|_| async { page_with_cookies() }).await;
    let overrides = "[[mode_override]]\nhost = \".legacy.test\"\nmode = \"report-only\"\n\
                     [[mode_override]]\npath_prefix = \"/beta/\"\nmode = \"report-only\"\n";
    let proxy = proxy(&config(up, overrides)).await;
    let enforced = get(proxy, "/", &[("host", "shop.test")]).await;
    assert_eq!(cookie_names(&enforced.all("set-cookie")), ["sessionid"]);
    assert!(!enforced.text().contains(TRACKER));
    for (host, path) in [("www.legacy.test:8080", "/"), ("shop.test", "/beta/new")] {
        let observed = get(proxy, path, &[("host", host)]).await;
        assert_eq!(
            cookie_names(&observed.all("set-cookie")),
            ["_ga", "sessionid"],
            "{host}{path}"
        );
        assert_eq!(observed.text(), PAGE, "{host}{path}");
        assert!(observed.all("vary").is_empty());
    }
}

#[tokio::test]
async fn a_stalled_upstream_body_is_aborted_after_body_idle() {
    // Senders kept alive: upstream sends one chunk, then nothing, forever.
    let stalled: Arc<Mutex<Vec<mpsc::Sender<Bytes>>>> = Arc::default();
    let keep = stalled.clone();
    let (up, _) = upstream(move |request| {
        let keep = keep.clone();
        async move {
            let (tx, rx) = mpsc::channel(1);
            tx.try_send(Bytes::from_static(b"<html><body>first chunk"))
                .unwrap();
            keep.lock().unwrap().push(tx);
            let content_type = if request.uri().path() == "/page" {
                "text/html"
            } else {
                "text/plain"
            };
            Response::builder()
                .header("content-type", content_type)
                .body(ChannelBody(rx).boxed())
                .unwrap()
        }
    })
    .await;
    let config = config(up, "").replace(
        "[proxy.timeouts]",
        "[proxy.timeouts]\nbody_idle = \"300ms\"",
    );
    let proxy = proxy(&config).await;
    for path in ["/plain", "/page"] {
        let start = Instant::now();
        let response = client()
            .get(format!("http://{proxy}{path}").parse().unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = tokio::time::timeout(Duration::from_secs(5), response.into_body().collect())
            .await
            .expect("the body ends instead of hanging");
        assert!(body.is_err(), "{path}: aborted, not completed");
        assert!(start.elapsed() >= Duration::from_millis(300), "{path}");
    }
}

#[tokio::test]
async fn shutdown_keeps_websockets_until_the_grace_period_then_closes_them() {
    let up = websocket_echo_upstream().await;
    // config() sets a 2 s grace period.
    let (addr, stop, server) = stoppable_proxy(&config(up, "")).await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
        .await
        .unwrap();

    let stopping = Instant::now();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws.send("still here".into()).await.unwrap();
    let echo = ws.next().await.unwrap().unwrap();
    assert_eq!(echo.into_text().unwrap().as_str(), "still here");

    let end = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("closed by the end of the grace period");
    assert!(!matches!(&end, Some(Ok(m)) if m.is_text()), "{end:?}");
    assert!(stopping.elapsed() >= Duration::from_millis(1900));
    tokio::time::timeout(Duration::from_secs(1), server)
        .await
        .expect("run returns right after the grace period")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn unresponsive_http2_clients_are_pinged_and_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (up, _) = upstream(|_| async { html("ok", &[]) }).await;
    let config = config(up, "").replace("[proxy.timeouts]", "[proxy.timeouts]\nidle = \"200ms\"");
    let proxy = proxy(&config).await;
    let mut stream = TcpStream::connect(proxy).await.unwrap();
    // The HTTP/2 preface and an empty SETTINGS frame; then never answer.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let start = Instant::now();
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("the proxy closes the connection")
        .ok();
    assert!(start.elapsed() >= Duration::from_millis(200));
    // Walk the frames: a PING (type 6) was sent before the close.
    let mut frames = &received[..];
    let mut pinged = false;
    while frames.len() >= 9 {
        let len = u32::from_be_bytes([0, frames[0], frames[1], frames[2]]) as usize;
        pinged |= frames[3] == 6 && frames[4] & 1 == 0;
        frames = &frames[(9 + len).min(frames.len())..];
    }
    assert!(pinged, "{received:?}");
}

/// An upstream that counts its connections and answers `ok` to every
/// request on them; with `close_after`, it ends each connection that long
/// after its first response (as a server's keep-alive timeout would).
async fn counting_upstream(
    close_after: Option<Duration>,
) -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(|_req: Request<hyper::body::Incoming>| async {
                        Ok::<_, std::convert::Infallible>(Response::new(Full::new(
                            Bytes::from_static(b"ok"),
                        )))
                    });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                match close_after {
                    Some(after) => {
                        let _ = tokio::time::timeout(after, connection).await;
                    }
                    None => {
                        let _ = connection.await;
                    }
                }
            });
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn upstream_connections_are_kept_alive_and_reused() {
    let (up, accepted) = counting_upstream(None).await;
    let proxy = proxy(&config(up, "")).await;
    for _ in 0..5 {
        let r = get(proxy, "/", &[]).await;
        assert_eq!(r.parts.status, StatusCode::OK);
        assert_eq!(r.text(), "ok");
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_kept_connection_upstream_closed_is_replaced() {
    let (up, accepted) = counting_upstream(Some(Duration::from_millis(100))).await;
    let proxy = proxy(&config(up, "")).await;
    for _ in 0..3 {
        let r = get(proxy, "/", &[]).await;
        assert_eq!(r.parts.status, StatusCode::OK);
        assert_eq!(r.text(), "ok");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
}

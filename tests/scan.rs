//! `consentry scan` against multi-page test sites served on 127.0.0.1:
//! cookies set on several paths (some classified, some not), third-party
//! tags, robots.txt, a redirect loop and a 50 MB page.

#[allow(dead_code)]
mod common;

use std::process::{Command, Output};

use bytes::Bytes;
use common::*;
use consentry::observed::Observed;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::sync::mpsc;

const BIN: &str = env!("CARGO_BIN_EXE_consentry");

fn redirect(to: &str) -> Response<TestBody> {
    Response::builder()
        .status(StatusCode::FOUND)
        .header("location", to)
        .body(full(""))
        .unwrap()
}

/// 50 MB of HTML, streamed until the reader goes away.
fn huge_page() -> Response<TestBody> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let head = Bytes::from_static(
            b"<html><head><script src=\"https://cdn.big-page.test/b.js\"></script></head><body>",
        );
        if tx.send(head).await.is_err() {
            return;
        }
        let chunk = Bytes::from(vec![b'x'; 64 << 10]);
        for _ in 0..(50 << 20) / (64 << 10) {
            if tx.send(chunk.clone()).await.is_err() {
                return;
            }
        }
    });
    Response::builder()
        .header("content-type", "text/html")
        .body(ChannelBody(rx).boxed())
        .unwrap()
}

async fn shop(request: Request<Incoming>) -> Response<TestBody> {
    match request.uri().path() {
        "/robots.txt" => Response::new(full("User-agent: *\nDisallow: /private\n")),
        "/" => html(
            "<html><head><script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script></head><body>\
             <a href=\"/shop\">Shop</a> <a href=\"blog\">Blog</a> <a href=\"/shop#reviews\">Reviews</a>\
             <a href=\"/private/orders\">Orders</a> <a href=\"/loop\">Loop</a> <a href=\"/big\">Big</a>\
             <a href=\"http://elsewhere.test/\">Elsewhere</a> <a href=\"mailto:a@b.test\">Mail</a></body></html>",
            &[("set-cookie", "_ga=GA1.1.1; Path=/; Max-Age=600")],
        ),
        "/shop" => html(
            "<html><body><script src=\"https://cdn.unknown-widgets.test/w.js\"></script>\
             <a href=\"/shop/cart\">Cart</a></body></html>",
            &[("set-cookie", "cart_token=abc; Path=/shop; HttpOnly")],
        ),
        "/shop/cart" => html(
            "<html><body><img src=\"https://www.facebook.com/tr?id=1&amp;ev=PageView\" alt=\"\"></body></html>",
            &[
                ("set-cookie", "sessionid=s; Path=/; HttpOnly"),
                ("set-cookie", "basket_v2=1; Path=/shop/cart"),
            ],
        ),
        "/blog" => html(
            "<html><body><iframe src=\"https://www.youtube.com/embed/x\"></iframe>\
             <embed src=\"https://media.unknown.test/m.swf\"></body></html>",
            &[("set-cookie", "_fbp=fb.1.2; Path=/blog")],
        ),
        "/loop" => redirect("/loop2"),
        "/loop2" => redirect("/loop"),
        "/big" => huge_page(),
        _ => Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(full("must not be fetched"))
            .unwrap(),
    }
}

fn scan(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("scan")
        .args(args)
        .env_remove("CONSENTRY_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn scan_reports_every_cookie_and_tag_and_drafts_rules() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = runtime.block_on(upstream(shop));
    let dir = std::env::temp_dir().join(format!("consentry-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("observed.json");
    let out = scan(&[
        &format!("http://{addr}/"),
        "--delay",
        "0ms",
        "--max-body-mib",
        "1",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.is_empty(),
        "no progress bar off a terminal: {stderr}"
    );
    for line in [
        "  cookie _ga: analytics",
        "  cookie cart_token: UNCLASSIFIED",
        "  cookie sessionid: necessary",
        "  cookie basket_v2: UNCLASSIFIED",
        "  cookie _fbp: marketing",
        "  tag script www.googletagmanager.com: analytics (google-analytics)",
        "  tag script cdn.unknown-widgets.test: UNCLASSIFIED",
        "  tag img www.facebook.com: marketing (",
        "  tag iframe www.youtube.com: marketing (youtube)",
        "  tag embed media.unknown.test: UNCLASSIFIED",
        "  tag script cdn.big-page.test: UNCLASSIFIED",
        "(only the start of the page was read)",
        "redirect loop",
        "/private/orders skipped: robots.txt disallows it",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
    let uris = received.uris();
    assert!(!uris.iter().any(|u| u.starts_with("/private")), "{uris:?}");
    assert_eq!(uris.iter().filter(|u| *u == "/shop").count(), 1, "{uris:?}");

    // The draft is valid TOML naming exactly the unclassified items.
    let draft = &stdout[stdout.find("# Draft rules").expect("a draft")..];
    let parsed: toml::Table = toml::from_str(draft).unwrap();
    let names: Vec<&str> = parsed["cookies"]["rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cart_token", "basket_v2"]);
    let hosts: Vec<&str> = parsed["tags"]["rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hosts"][0].as_str().unwrap())
        .collect();
    assert!(hosts.contains(&"cdn.unknown-widgets.test") && hosts.contains(&"media.unknown.test"));

    // The observed file: what check and policy read.
    let observed = Observed::read(&out_file).unwrap();
    let site = &observed.sites["127.0.0.1"];
    assert_eq!(site.cookies.len(), 5);
    let check = Command::new(BIN)
        .args(["check", "--observed", out_file.to_str().unwrap()])
        .env_remove("CONSENTRY_CONFIG")
        .output()
        .unwrap();
    assert!(check.status.success());
    let warnings = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        warnings
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .count(),
        5,
        "{warnings}"
    );

    // In a pipeline that stops reading, the scan ends quietly.
    let pipeline = Command::new("bash")
        .args([
            "-c",
            &format!("set -o pipefail; {BIN} scan http://{addr}/ --delay 0ms | head -1 >/dev/null"),
        ])
        .output()
        .unwrap();
    assert!(
        pipeline.status.success(),
        "{}",
        String::from_utf8_lossy(&pipeline.stderr)
    );
    assert!(pipeline.stderr.is_empty());

    // Limited to one page, the scan fetches the start page only.
    let out = scan(&[
        &format!("http://{addr}/"),
        "--delay",
        "0ms",
        "--max-pages",
        "1",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("http://")).count(),
        1,
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn robots_txt_disallowing_everything_stops_the_scan() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = runtime.block_on(upstream(|request: Request<Incoming>| async move {
        match request.uri().path() {
            "/robots.txt" => Response::new(full("User-agent: *\nDisallow: /\n")),
            _ => html("<a href=\"/a\">a</a>", &[("set-cookie", "x=1")]),
        }
    }));
    let out = scan(&[&format!("http://{addr}/"), "--delay", "0ms"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("/ skipped: robots.txt disallows it"),
        "{stdout}"
    );
    assert_eq!(received.uris(), ["/robots.txt"]);
}

#[test]
fn bad_start_urls_fail_with_a_reason() {
    for (url, says) in [
        ("not a url", "relative URL"),
        ("https://127.0.0.1:1/", "https is not supported"),
        ("ftp://127.0.0.1/", "cannot be scanned"),
    ] {
        let out = scan(&[url]);
        assert!(!out.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{url}: {stderr}");
    }
}

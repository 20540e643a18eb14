//! The consent UI in a real browser (Debian's `chromium`, driven by
//! `tests/browser/consent.mjs` with playwright-core and axe-core from npm):
//! `consentry run` (the built binary) in front of a test site with
//! trackers, a strict ETag and `Cache-Control: no-cache`. See the script
//! for every check; screenshots go to `target/browser/`.
//!
//! The adversarial pages of `tests/adversarial.rs` go through the proxy
//! into the same browser (`tests/browser/adversarial.mjs`): no tracker may
//! be requested through Consentry, and the control (each page loaded
//! straight from the site) shows that the browser does fetch them.
//!
//! Needs `chromium`, `node` and `npm ci` in `tests/browser` (`.ci/run`
//! installs all three and sets `CONSENTRY_BROWSER_TESTS=required`, which
//! turns a missing piece into a failure). Elsewhere the test says loudly
//! that it did not run.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[path = "support/adversarial_cases.rs"]
mod cases;

/// A legacy page: analytics, a marketing pixel and loader, a responsive
/// video embed, and CSS that would wreck any banner it could reach.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Legacy Shop</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST1"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());gtag('config','G-TEST1');</script>
<script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init','1234');fbq('track','PageView');</script>
<style>
body { font: 20px/1.6 Georgia, serif; color: #222; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; }
button, input, section, form { background: #f0f !important; font-size: 40px !important; }
h2 { font-size: 64px; color: red; }
.ratio { position: relative; padding-top: 56.25%; }
.ratio .video { position: absolute; top: 0; left: 0; width: 100%; height: 100%; }
</style>
</head>
<body>
<main>
<h1>Legacy Shop</h1>
<p>A site nobody can change: analytics, a marketing pixel and a video, loaded for everyone.</p>
<div class="ratio"><iframe class="video" src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0&amp;start=5" title="Product video" allowfullscreen></iframe></div>
<p><img src="https://www.facebook.com/tr?id=1234&amp;ev=PageView&amp;noscript=1" alt="" width="1" height="1"></p>
<p>Thank you for shopping with us.</p>
</main>
</body>
</html>
"#;

const ETAG: &str = "\"page-1\"";

/// Another origin's page that posts "Accept all" to the consent endpoint
/// named in its query string, as a forging site would.
const FORGERY: &str = r#"<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
<form method="post" id="f" enctype="application/x-www-form-urlencoded"><input type="hidden" name="choice" value="all"></form>
<script>var f = document.getElementById('f'); f.action = new URLSearchParams(location.search).get('target'); f.submit();</script>
</body></html>"#;

async fn site(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let builder = Response::builder()
        .header("etag", ETAG)
        .header("cache-control", "no-cache");
    let response = match request.uri().path() {
        "/" if request
            .headers()
            .get("if-none-match")
            .is_some_and(|v| v.as_bytes() == ETAG.as_bytes()) =>
        {
            builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Full::new(Bytes::new()))
        }
        "/forgery" => Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .body(Full::new(Bytes::from_static(FORGERY.as_bytes()))),
        "/" => builder
            .header("content-type", "text/html; charset=utf-8")
            .header("set-cookie", "_ga=GA1.1.1.1; Path=/; Max-Age=63072000")
            .header("set-cookie", "sessionid=s1; Path=/; HttpOnly")
            .body(Full::new(Bytes::from_static(PAGE.as_bytes()))),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.expect("static response"))
}

fn free_port() -> SocketAddr {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// What the browser tests need (the browser), or why they cannot run.
fn tools(root: &Path) -> Result<PathBuf, String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!("no chromium at {}", chromium.display()));
    }
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        return Err("no `node` on PATH".into());
    }
    let modules = root.join("tests/browser/node_modules");
    for package in ["playwright-core", "axe-core"] {
        if !modules.join(package).exists() {
            return Err(format!(
                "{package} is not installed: run `npm ci` in tests/browser"
            ));
        }
    }
    Ok(chromium)
}

/// The browser, or `None` after saying loudly that the test did not run
/// (a failure when `CONSENTRY_BROWSER_TESTS=required`).
fn chromium_or_skip(root: &Path) -> Option<PathBuf> {
    match tools(root) {
        Ok(chromium) => Some(chromium),
        Err(missing) => {
            if std::env::var("CONSENTRY_BROWSER_TESTS").as_deref() == Ok("required") {
                panic!("the browser test is required but cannot run: {missing}");
            }
            eprintln!(
                "\n!!!!!!!! SKIPPED the browser test: {missing}.\n\
                 !!!!!!!! Install Debian's chromium and node, run `npm ci` in tests/browser\n\
                 !!!!!!!! (what .ci/run does) to run it.\n"
            );
            None
        }
    }
}

/// Serves `site` on a new port of 127.0.0.1 from `runtime`.
fn serve<F, R>(runtime: &tokio::runtime::Runtime, site: F) -> SocketAddr
where
    F: Fn(Request<Incoming>) -> R + Copy + Send + Sync + 'static,
    R: std::future::Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service_fn(site)),
                );
            }
        });
        addr
    })
}

/// Starts `consentry run` with `config`; returns once it listens on `listen`.
fn consentry(config: &Path, listen: SocketAddr) -> Running {
    let running = Running(
        Command::new(env!("CARGO_BIN_EXE_consentry"))
            .args(["run", "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .spawn()
            .expect("consentry run starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(listen).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "consentry did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn consent_ui_in_chromium() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(chromium) = chromium_or_skip(&root) else {
        return;
    };
    let script = root.join("tests/browser/consent.mjs");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site_addr = serve(&runtime, site);

    let work = std::env::temp_dir().join(format!("consentry-browser-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let records = work.join("records.jsonl");
    let config = work.join("consentry.toml");
    let (listen, admin) = (free_port(), free_port());
    std::fs::write(
        &config,
        format!(
            "[proxy]\nlisten = \"{listen}\"\nupstream = \"http://{site_addr}\"\n\
             [admin]\nlisten = \"{admin}\"\n\
             [consent_ui]\nrecords = \"{}\"\n\
             [site]\nname = \"Legacy Shop\"\ncontact = {{ email = \"privacy@shop.test\" }}\n\
             [[categories.category]]\nname = \"analytics\"\ntags = [\"google-analytics\"]\ncookies = [\"_ga\"]\n\
             [[categories.category]]\nname = \"marketing\"\ntags = [\"meta-pixel\", \"youtube\"]\n",
            records.display()
        ),
    )
    .unwrap();
    let _consentry = consentry(&config, listen);

    let screenshots = root.join("target/browser");
    let output = Command::new("node")
        .arg(&script)
        .current_dir(root.join("tests/browser"))
        .env("CONSENTRY_URL", format!("http://{listen}"))
        .env("OTHER_ORIGIN", format!("http://{site_addr}"))
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOTS", &screenshots)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    println!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the browser checks failed");
    assert!(stdout.contains("all browser checks passed"));
    for shot in [
        "banner-desktop",
        "banner-phone-360",
        "banner-zoom-200",
        "preferences-desktop",
        "policy-desktop",
        "policy-phone-360",
    ] {
        assert!(screenshots.join(format!("{shot}.png")).exists(), "{shot}");
    }

    // Every decision the browser made is in the consent records.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&records)
        .expect("consent records written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let choices: Vec<&str> = lines
        .iter()
        .map(|l| l["choice"].as_str().unwrap())
        .collect();
    for choice in ["all", "none", "custom"] {
        assert!(choices.contains(&choice), "{choice} in {choices:?}");
    }
    assert!(lines
        .iter()
        .all(|l| l["consent_id"].as_str().unwrap().len() == 32));
    let _ = std::fs::remove_dir_all(&work);
}

/// An adversarial page by kind and number: `/page/tracker/3`.
async fn adversarial_site(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let parts: Vec<&str> = request.uri().path().split('/').collect();
    let page = match parts[..] {
        ["", "page", kind, n] => n.parse::<usize>().ok().and_then(|n| match kind {
            "tracker" => cases::CASES.get(n).map(|c| c.tracker),
            "twin" => cases::CASES.get(n).map(|c| c.twin),
            "inert" => cases::INERT.get(n).copied(),
            _ => None,
        }),
        _ => None,
    };
    let response = match page {
        Some(html) => Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .body(Full::new(Bytes::from_static(html.as_bytes()))),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.expect("static response"))
}

#[test]
fn adversarial_pages_fetch_no_tracker_through_the_proxy() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(chromium) = chromium_or_skip(&root) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site_addr = serve(&runtime, adversarial_site);
    let work = std::env::temp_dir().join(format!("consentry-adversarial-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let config = work.join("consentry.toml");
    let (listen, admin) = (free_port(), free_port());
    std::fs::write(
        &config,
        format!(
            "[proxy]\nlisten = \"{listen}\"\nupstream = \"http://{site_addr}\"\n\
             [admin]\nlisten = \"{admin}\"\n"
        ),
    )
    .unwrap();
    let _consentry = consentry(&config, listen);

    let page = |kind: &str, n: usize, name: &str| serde_json::json!({ "path": format!("/page/{kind}/{n}"), "name": name, "kind": kind });
    let mut pages = Vec::new();
    for (n, case) in cases::CASES.iter().enumerate() {
        pages.push(page("tracker", n, case.name));
        pages.push(page("twin", n, case.name));
    }
    for n in 0..cases::INERT.len() {
        pages.push(page("inert", n, &format!("inert page {n}")));
    }
    let output = Command::new("node")
        .arg(root.join("tests/browser/adversarial.mjs"))
        .current_dir(root.join("tests/browser"))
        .env("SITE_URL", format!("http://{site_addr}"))
        .env("CONSENTRY_URL", format!("http://{listen}"))
        .env("PAGES", serde_json::Value::Array(pages).to_string())
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    println!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the adversarial browser checks failed"
    );
    assert!(stdout.contains("all adversarial browser checks passed"));

    // The control: loaded straight from the site, the tracker pages do make
    // the browser request trackers (else the check above proves nothing).
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fetched_directly: Vec<&str> = results
        .iter()
        .filter(|r| r["kind"] == "tracker" && r["via"] == "direct")
        .filter(|r| !r["trackers"].as_array().unwrap().is_empty())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    println!(
        "{} of {} tracker pages request a tracker in Chromium without Consentry",
        fetched_directly.len(),
        cases::CASES.len()
    );
    assert!(
        fetched_directly.len() * 3 >= cases::CASES.len() * 2,
        "only {fetched_directly:?} fetch a tracker directly"
    );
    let _ = std::fs::remove_dir_all(&work);
}

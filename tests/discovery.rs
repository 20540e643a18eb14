//! Discovery from live traffic over real sockets: a multi-page test site
//! behind the proxy sets cookies on several paths (some classified, some
//! not) and loads third-party tags (some known, some not); the admin listener's `/discovered` and
//! `consentry run --observed-out` report them, and `policy --observed` and
//! `check --observed` read the file.

#[allow(dead_code)]
mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use consentry::admin::{exporter, Admin, Readiness};
use consentry::config::{compile, shared};
use consentry::discovery::Discovery;
use consentry::observed::Observed;
use consentry::proxy::Proxy;
use http::{Request, Response};
use hyper::body::Incoming;

const BIN: &str = env!("CARGO_BIN_EXE_consentry");

async fn site(request: Request<Incoming>) -> Response<TestBody> {
    match request.uri().path() {
        "/" => html(
            "<html><head><script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script></head>\
             <body><a href=\"/shop\">shop</a></body></html>",
            &[("set-cookie", "_ga=GA1.1.1; Path=/; Max-Age=600")],
        ),
        "/shop" => html(
            "<html><body><script src=\"https://cdn.unknown-widgets.test/w.js\"></script></body></html>",
            &[
                ("set-cookie", "cart_token=abc; Path=/shop; HttpOnly"),
                ("set-cookie", "sessionid=s; Path=/; HttpOnly"),
            ],
        ),
        _ => html(
            "<html><body><iframe src=\"https://www.youtube.com/embed/x\"></iframe></body></html>",
            &[("set-cookie", "_fbp=fb.1.2; Path=/blog")],
        ),
    }
}

#[tokio::test]
async fn the_admin_listener_reports_what_the_proxy_saw() {
    let (up, _) = upstream(site).await;
    let policy = shared(Arc::new(compile(&config(up, ""), "test").unwrap()));
    let discovery = Arc::new(Discovery::default());
    let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), policy.clone())
        .await
        .unwrap()
        .with_discovery(discovery.clone());
    let addr = proxy.local_addr().unwrap();
    tokio::spawn(proxy.run(std::future::pending()));
    let recorder = exporter::builder().unwrap().build_recorder();
    let admin = Admin::bind(
        "127.0.0.1:0".parse().unwrap(),
        policy,
        Arc::new(Readiness::new()),
        recorder.handle(),
    )
    .await
    .unwrap()
    .with_discovery(discovery);
    let admin_addr = admin.local_addr().unwrap();
    tokio::spawn(admin.run(std::future::pending()));

    for path in ["/", "/shop", "/blog"] {
        get(addr, path, &[("cookie", "mystery=1; _gid=x")]).await;
    }
    let r = get(admin_addr, "/discovered", &[]).await;
    assert_eq!(r.all("content-type"), ["application/json"]);
    let observed = Observed::parse(&r.text()).unwrap();
    let site = &observed.sites["127.0.0.1"];
    let cookie = |name: &str| site.cookies.iter().find(|c| c.name == name).unwrap();
    assert_eq!(cookie("_ga").category.as_deref(), Some("analytics"));
    assert!(cookie("_ga").set_by_site);
    assert_eq!(cookie("cart_token").category, None);
    assert_eq!(cookie("cart_token").path.as_deref(), Some("/shop"));
    assert_eq!(cookie("sessionid").category.as_deref(), Some("necessary"));
    assert_eq!(cookie("_fbp").category.as_deref(), Some("marketing"));
    assert_eq!(cookie("_fbp").path.as_deref(), Some("/blog"));
    assert!(cookie("mystery").sent_by_browser && cookie("mystery").category.is_none());
    assert_eq!(cookie("_gid").category.as_deref(), Some("analytics"));
    let host = |name: &str| site.hosts.iter().find(|h| h.host == name).unwrap();
    assert_eq!(
        host("www.googletagmanager.com").rule.as_deref(),
        Some("google-analytics")
    );
    assert_eq!(host("www.googletagmanager.com").elements, ["script"]);
    assert_eq!(host("cdn.unknown-widgets.test").rule, None);
    assert_eq!(
        host("cdn.unknown-widgets.test").path.as_deref(),
        Some("/shop")
    );
    assert_eq!(
        host("www.youtube.com").category.as_deref(),
        Some("marketing")
    );
    assert!(!site.hosts.iter().any(|h| h.host == "127.0.0.1"));
    let tags: Vec<&str> = site.tags.iter().map(|t| t.rule.as_str()).collect();
    assert!(tags.contains(&"google-analytics"), "{tags:?}");
    assert!(tags.contains(&"youtube"), "{tags:?}");
}

#[test]
fn run_writes_the_observed_file_that_policy_and_check_read() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let up = runtime.block_on(async { upstream(site).await.0 });
    let dir = std::env::temp_dir().join(format!("consentry-discovery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let observed = dir.join("observed.json");
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let admin = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut child = Command::new(BIN)
        .args([
            "run",
            "--listen",
            &listen.to_string(),
            "--admin-listen",
            &admin.to_string(),
            "--upstream",
            &format!("http://{up}"),
            "--observed-out",
            observed.to_str().unwrap(),
            "--observed-interval",
            "1s",
        ])
        .env_remove("CONSENTRY_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(listen).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "consentry did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    runtime.block_on(async {
        for path in ["/", "/shop", "/blog"] {
            get(listen, path, &[]).await;
        }
    });
    let written = loop {
        let text = std::fs::read_to_string(&observed).unwrap_or_default();
        if text.contains("cart_token") {
            break text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no observed file: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    Observed::parse(&written).unwrap();

    let out = Command::new(BIN)
        .args(["check", "--observed", observed.to_str().unwrap()])
        .env_remove("CONSENTRY_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let warnings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 2, "{stdout}");
    assert!(warnings[0].contains("cookie `cart_token` seen on 127.0.0.1 (/shop) is not classified"));
    assert!(warnings[1]
        .contains("host `cdn.unknown-widgets.test` loaded by 127.0.0.1 (/shop) is not classified"));

    let out = Command::new(BIN)
        .args([
            "policy",
            "--format",
            "json",
            "--observed",
            observed.to_str().unwrap(),
        ])
        .env_remove("CONSENTRY_CONFIG")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = json.to_string();
    for listed in [
        "\"_ga\"",
        "\"_fbp\"",
        "\"sessionid\"",
        "Google Analytics",
        "YouTube",
    ] {
        assert!(text.contains(listed), "{listed} missing: {text}");
    }
    assert_eq!(json["unclassified"]["cookies"][0], "cart_token");
    assert_eq!(json["unclassified"]["hosts"][0], "cdn.unknown-widgets.test");
    let _ = std::fs::remove_dir_all(&dir);
}

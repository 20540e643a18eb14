//! `consentry run` as operators run it: the real binary on free ports in
//! front of an in-process upstream, observed through its admin listener,
//! its logs, its signals and its exit status.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const PAGE: &str = "<!doctype html><html><head><title>Shop</title>\
<script async src=\"https://www.google-analytics.com/analytics.js\"></script>\
<script src=\"/app.js\"></script></head><body><h1>Welcome</h1></body></html>";

/// How long anything may take to show up before a test gives up.
const PATIENCE: Duration = Duration::from_secs(10);

/// Environment variables `consentry run` reads; cleared so the host's don't leak in.
const ENV: &[&str] = &[
    "CONSENTRY_CONFIG",
    "CONSENTRY_LISTEN",
    "CONSENTRY_UPSTREAM",
    "CONSENTRY_ADMIN_LISTEN",
    "CONSENTRY_WORKERS",
    "CONSENTRY_LOG_FORMAT",
    "CONSENTRY_ENFORCEMENT_LOG",
    "RUST_LOG",
];

/// A unique scratch path for this test process.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("consentry-ops-{}-{name}", std::process::id()))
}

/// A port that was free a moment ago.
fn free_port() -> SocketAddr {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// A running `consentry run`, killed on drop.
struct Consentry {
    child: Child,
    proxy: SocketAddr,
    admin: SocketAddr,
    stderr: PathBuf,
}

impl Consentry {
    /// Starts `consentry run ARGS` with `env` on free ports and waits for
    /// `/healthz`; retries with other ports if one was taken meanwhile.
    async fn start(name: &str, args: &[&str], env: &[(&str, &str)]) -> Consentry {
        for _ in 0..3 {
            let (proxy, admin) = (free_port(), free_port());
            let stderr = scratch(&format!("{name}.stderr"));
            let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
            command
                .arg("run")
                .args(["--listen", &proxy.to_string()])
                .args(["--admin-listen", &admin.to_string()])
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&stderr).expect("stderr file"));
            for var in ENV {
                command.env_remove(var);
            }
            command.envs(env.iter().copied());
            let mut running = Consentry {
                child: command.spawn().expect("consentry starts"),
                proxy,
                admin,
                stderr,
            };
            let deadline = Instant::now() + PATIENCE;
            while Instant::now() < deadline {
                if running.child.try_wait().expect("child status").is_some() {
                    break;
                }
                if let Ok(r) = get(admin, "/healthz", &[]).await {
                    if r.status == 200 {
                        return running;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            eprintln!("attempt failed:\n{}", running.stderr_text());
        }
        panic!("consentry did not come up");
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name}");
    }

    fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    async fn metrics(&self) -> String {
        let r = get(self.admin, "/metrics", &[]).await.expect("/metrics");
        assert_eq!(r.status, 200);
        r.body_text()
    }

    /// Waits for the process to exit on its own.
    async fn exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status;
            }
            assert!(Instant::now() < deadline, "still running after {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Consentry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("consentry stderr:\n{}", self.stderr_text());
        }
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// A response read off the wire: status, headers in order, raw body.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn set_cookie_names(&self) -> Vec<&str> {
        self.all("set-cookie")
            .into_iter()
            .map(|c| c.split('=').next().unwrap_or(""))
            .collect()
    }
}

/// One HTTP/1.0 exchange (the body is delimited by the connection's close).
async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> std::io::Result<Raw> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut request = format!("GET {path} HTTP/1.0\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str("Host: shop.test\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Raw {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// The value of the series of `name` with (at least) `labels`, summed; 0 if absent.
fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|(_, value)| value.parse::<f64>().ok())
        .sum()
}

/// Polls `check` every 20 ms until it holds, for at most [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An upstream: `/` is [`PAGE`] setting `_ga` and `sessionid`; `/slow`
/// reports its arrival on the returned channel and answers after 1.5 s.
async fn upstream() -> (SocketAddr, mpsc::UnboundedReceiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (arrived, arrivals) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let arrived = arrived.clone();
            let service = service_fn(move |request: Request<Incoming>| {
                let arrived = arrived.clone();
                async move {
                    let response = if request.uri().path() == "/slow" {
                        let _ = arrived.send(());
                        tokio::time::sleep(Duration::from_millis(1500)).await;
                        Response::new(Full::new(Bytes::from_static(b"slow done")))
                    } else {
                        Response::builder()
                            .header("content-type", "text/html; charset=utf-8")
                            .header("set-cookie", "_ga=GA1.2.3; Path=/; Max-Age=63072000")
                            .header("set-cookie", "sessionid=abc; Path=/; HttpOnly")
                            .header("x-upstream", "yes")
                            .body(Full::new(Bytes::from_static(PAGE.as_bytes())))
                            .unwrap()
                    };
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    (addr, arrivals)
}

/// A config file for `upstream`, padded to a fixed length so rewrites of it
/// can keep its length.
struct ConfigFile(PathBuf);

impl ConfigFile {
    fn new(name: &str, upstream: SocketAddr, extra: &str) -> ConfigFile {
        let file = ConfigFile(scratch(&format!("{name}.toml")));
        std::fs::write(&file.0, Self::text(upstream, extra)).unwrap();
        file
    }

    fn text(upstream: SocketAddr, extra: &str) -> String {
        let mut text = format!(
            "{extra}\n[proxy]\nupstream = \"http://{upstream}\"\n\
             [proxy.timeouts]\nshutdown_grace = \"5s\"\n\
             [admin]\nreadiness = \"config\"\n#"
        );
        assert!(text.len() < 400);
        text.extend(std::iter::repeat_n('#', 400 - text.len()));
        text
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    /// Replaces the file with `text` keeping its length and modification
    /// time, so only a SIGHUP can reveal the change.
    fn replace_unnoticed(&self, text: &str) {
        let meta = std::fs::metadata(&self.0).unwrap();
        assert_eq!(text.len() as u64, meta.len());
        let tmp = self.0.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&tmp)
            .unwrap()
            .set_modified(meta.modified().unwrap())
            .unwrap();
        std::fs::rename(&tmp, &self.0).unwrap();
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
async fn metrics_count_exactly_what_was_done() {
    let (up, _) = upstream().await;
    // The built-in config with the upstream from the environment.
    let app = Consentry::start(
        "metrics",
        &[],
        &[("CONSENTRY_UPSTREAM", &format!("http://{up}"))],
    )
    .await;
    for _ in 0..3 {
        let r = get(app.proxy, "/", &[]).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.set_cookie_names(), ["sessionid"]);
        assert!(!r.body_text().contains("google-analytics.com"));
    }
    let granted = get(
        app.proxy,
        "/",
        &[(
            "cookie",
            "OptanonConsent=groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1",
        )],
    )
    .await
    .unwrap();
    assert_eq!(granted.body_text(), PAGE);

    // With the built-in config there is nothing to reload.
    app.signal("HUP");
    eventually("the SIGHUP log line", || async {
        app.stderr_text().contains("nothing to reload")
    })
    .await;

    let text = app.metrics().await;
    let expect = |name: &str, labels: &[(&str, &str)], value: f64| {
        assert_eq!(
            metric(&text, name, labels),
            value,
            "{name} {labels:?}\n{text}"
        );
    };
    expect(
        "consentry_set_cookies_stripped_total",
        &[("category", "analytics"), ("name", "_ga")],
        3.0,
    );
    expect("consentry_set_cookies_stripped_total", &[], 3.0);
    expect("consentry_requests_total", &[("status_class", "2xx")], 4.0);
    expect(
        "consentry_tags_total",
        &[
            ("category", "analytics"),
            ("rule", "google-analytics"),
            ("action", "remove"),
        ],
        3.0,
    );
    expect(
        "consentry_rewrites_skipped_total",
        &[("reason", "all_granted")],
        1.0,
    );
    expect("consentry_upstream_duration_seconds_count", &[], 4.0);
    expect("consentry_config_info", &[("mode", "enforce")], 1.0);
    expect("consentry_config_reloads_total", &[], 0.0);
    assert!(metric(&text, "consentry_rewrite_bytes_in_total", &[]) >= 3.0 * PAGE.len() as f64);
}

#[tokio::test]
async fn report_only_changes_nothing_but_counts() {
    let (up, _) = upstream().await;
    let config = ConfigFile::new("report-only", up, "mode = \"report-only\"");
    let app = Consentry::start("report-only", &["--config", config.path()], &[]).await;
    let direct = get(up, "/", &[]).await.unwrap();
    let proxied = get(app.proxy, "/", &[]).await.unwrap();
    assert_eq!(proxied.status, direct.status);
    assert_eq!(proxied.body, direct.body, "byte-identical body");
    let without_date = |r: &Raw| -> Vec<(String, String)> {
        r.headers
            .iter()
            .filter(|(n, _)| n != "date")
            .cloned()
            .collect()
    };
    assert_eq!(without_date(&proxied), without_date(&direct));

    let text = app.metrics().await;
    assert_eq!(
        metric(
            &text,
            "consentry_set_cookies_stripped_total",
            &[("category", "analytics"), ("name", "_ga")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "consentry_tags_total",
            &[("rule", "google-analytics")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "consentry_config_info", &[("mode", "report-only")]),
        1.0
    );
}

#[tokio::test]
async fn reloads_on_sighup_and_file_change_and_rejects_bad_configs() {
    let (up, _) = upstream().await;
    let config = ConfigFile::new("reload", up, "mode = \"enforce\"");
    let app = Consentry::start("reload", &["--config", config.path()], &[]).await;
    let proxy = app.proxy;
    let ga_kept = || async move {
        let r = get(proxy, "/", &[]).await.unwrap();
        assert_eq!(r.status, 200);
        r.set_cookie_names().contains(&"_ga")
    };
    assert!(!ga_kept().await);

    // A valid change, visible only through SIGHUP.
    config.replace_unnoticed(&ConfigFile::text(up, "mode = \"report-only\""));
    app.signal("HUP");
    eventually("the SIGHUP reload", || async { ga_kept().await }).await;

    // An invalid one: rejected, counted, the running config keeps serving.
    config.replace_unnoticed(&ConfigFile::text(up, "mode = \"sometimes\""));
    app.signal("HUP");
    eventually("the failed reload", || async {
        let text = app.metrics().await;
        metric(
            &text,
            "consentry_config_reloads_total",
            &[("result", "failed")],
        ) == 1.0
    })
    .await;
    assert!(ga_kept().await, "the old config still serves");
    assert!(app.stderr_text().contains("config reload failed"));

    // A plain file change, no signal.
    let mut text = ConfigFile::text(up, "mode = \"enforce\"");
    text.push('\n');
    std::fs::write(&config.0, text).unwrap();
    eventually("the file-change reload", || async { !ga_kept().await }).await;
    let text = app.metrics().await;
    assert_eq!(
        metric(
            &text,
            "consentry_config_reloads_total",
            &[("result", "failed")]
        ),
        1.0,
        "{text}"
    );
    assert!(metric(&text, "consentry_config_reloads_total", &[("result", "ok")]) >= 2.0);
    assert_eq!(
        metric(&text, "consentry_config_info", &[("mode", "enforce")]),
        1.0
    );
}

#[tokio::test]
async fn sigterm_drains_in_flight_requests_and_exits_zero() {
    let (up, mut arrivals) = upstream().await;
    let config = ConfigFile::new("drain", up, "");
    let mut app = Consentry::start("drain", &["--config", config.path()], &[]).await;
    assert_eq!(get(app.admin, "/readyz", &[]).await.unwrap().status, 200);

    let in_flight = tokio::spawn(get(app.proxy, "/slow", &[]));
    tokio::time::timeout(PATIENCE, arrivals.recv())
        .await
        .expect("the slow request reached upstream");
    let signalled = Instant::now();
    app.signal("TERM");
    let admin = app.admin;
    eventually("/readyz 503 during the drain", || async move {
        matches!(get(admin, "/readyz", &[]).await, Ok(r) if r.status == 503)
    })
    .await;
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request completes");
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), "slow done");
    let status = app.exit(Duration::from_secs(5)).await;
    assert!(status.success(), "{status:?}");
    assert!(signalled.elapsed() < Duration::from_secs(5));
    assert!(
        get(app.proxy, "/", &[]).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn readiness_follows_the_upstream() {
    let up = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = up.local_addr().unwrap();
    let config = ConfigFile::new("ready", addr, "");
    std::fs::write(
        &config.0,
        format!("[proxy]\nupstream = \"http://{addr}\"\n[admin]\nreadiness = \"upstream\"\n"),
    )
    .unwrap();
    let app = Consentry::start("ready", &["--config", config.path()], &[]).await;
    let admin = app.admin;
    let ready_is = |want: u16| {
        move || async move { matches!(get(admin, "/readyz", &[]).await, Ok(r) if r.status == want) }
    };
    eventually("ready with the upstream up", ready_is(200)).await;
    drop(up);
    eventually("not ready with the upstream down", ready_is(503)).await;
    let _up = TcpListener::bind(addr).await.unwrap();
    eventually("ready again", ready_is(200)).await;
    assert_eq!(get(admin, "/healthz", &[]).await.unwrap().status, 200);
}

#[tokio::test]
async fn json_logs_and_the_enforcement_log() {
    let (up, _) = upstream().await;
    let config = ConfigFile::new("logs", up, "");
    let enforcement = scratch("enforcement.jsonl");
    let _ = std::fs::remove_file(&enforcement);
    let app = Consentry::start(
        "logs",
        &[
            "--config",
            config.path(),
            "--log-format",
            "json",
            "--enforcement-log",
            path_arg(&enforcement),
        ],
        &[],
    )
    .await;
    for id in ["req-1", "req-2"] {
        let r = get(app.proxy, "/products?x=1", &[("x-request-id", id)])
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    // A request with nothing to enforce logs nothing.
    get(
        app.proxy,
        "/",
        &[(
            "cookie",
            "OptanonConsent=groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1",
        )],
    )
    .await
    .unwrap();

    let read_lines = || {
        std::fs::read_to_string(&enforcement)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
            .collect::<Vec<_>>()
    };
    eventually("two enforcement lines", || async {
        read_lines().len() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines = read_lines();
    let _ = std::fs::remove_file(&enforcement);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (line, id) in lines.iter().zip(["req-1", "req-2"]) {
        assert_eq!(line["request_id"], id, "{line}");
        assert_eq!(line["host"], "shop.test");
        assert_eq!(line["path"], "/products");
        assert_eq!(line["consent_source"], "default", "{line}");
        assert_eq!(line["granted"], "necessary");
        assert_eq!(line["stripped_set_cookies"], "_ga");
        let removed = line["removed_tags"].as_str().unwrap();
        assert!(removed.contains("google-analytics"), "{line}");
        assert!(line["timestamp"].is_string());
    }

    let stderr = app.stderr_text();
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        events.iter().any(|e| e["message"] == "proxy started"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("consent enforced"),
        "enforcement events go to their own log"
    );
}

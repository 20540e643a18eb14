//! `consentry demo`: a small sample "legacy site" full of trackers, and the
//! proxy in front of it, so the difference can be seen in a browser.
//!
//! The site (plain hyper on 127.0.0.1) serves a page with Google Analytics
//! (gtag.js and its inline config), the Google Tag Manager loader and its
//! `<noscript>` iframe, a Meta pixel (inline loader and `<noscript>` image),
//! a YouTube embed, a first-party script and stylesheet, and sets `_ga` and
//! `sessionid` cookies. It has no consent tool of its own: through the
//! proxy, Consentry's banner asks for consent, and its "Cookie settings"
//! link reopens the choice. Open the site directly and through the proxy
//! and compare.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{compile, DEFAULT_CONFIG};
use crate::proxy::{shutdown_signal, Proxy};

const PAGE_HEAD: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Legacy Shop — Consentry demo</title>
<link rel="stylesheet" href="/static/site.css">
<!-- Google Analytics (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-DEMO123"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-DEMO123'); // https://www.googletagmanager.com/gtag/js
</script>
<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-DEMO42');</script>
<!-- Meta Pixel -->
<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;
n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,
document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"></noscript>
<script src="/static/app.js"></script>
</head>
<body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-DEMO42" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<main>
<h1>Legacy Shop</h1>
<p>A site that never heard of consent: analytics, a tag manager, a marketing pixel and a video embed, all loaded for everyone.</p>
<p id="app-status">First-party script not run.</p>
"#;

const PAGE_TAIL: &str = r#"<h2>Our product video</h2>
<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube video player" frameborder="0" allowfullscreen></iframe>
<p>View the page source to see what reached your browser.</p>
</main>
</body>
</html>
"#;

const APP_JS: &str = "document.addEventListener('DOMContentLoaded', function () {\n  document.getElementById('app-status').textContent = 'First-party script ran.';\n});\n";

const SITE_CSS: &str = "body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; line-height: 1.5; }\niframe { max-width: 100%; }\n";

/// Runs the sample site on `127.0.0.1:site_port` and the proxy (built-in
/// config, upstream = the site) on `listen` until Ctrl-C or SIGTERM.
pub async fn run(site_port: u16, listen: SocketAddr) -> Result<(), String> {
    let site = TcpListener::bind(("127.0.0.1", site_port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{site_port}: {e}"))?;
    let site_addr = site.local_addr().map_err(|e| e.to_string())?;
    let mut policy = compile(DEFAULT_CONFIG, "<built-in>").map_err(|e| e.to_string())?;
    policy.proxy.upstream = format!("http://{site_addr}")
        .parse()
        .map_err(|e| format!("upstream URL: {e}"))?;
    let proxy = Proxy::bind(listen, crate::config::shared(Arc::new(policy)))
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let proxy_addr = proxy.local_addr().map_err(|e| e.to_string())?;
    println!("Consentry demo");
    println!("  the legacy site, as is:       http://{site_addr}/");
    println!("  the same site through Consentry: http://{proxy_addr}/");
    println!("Open both and view the page source; through Consentry, answer its banner (\"Cookie settings\" reopens it). Ctrl-C stops.");

    let (stop, stopped) = watch::channel(false);
    let site_stopped = wait(stopped.clone());
    let site_task = tokio::spawn(serve_site(site, site_stopped));
    let proxy_task = tokio::spawn(proxy.run(wait(stopped)));
    shutdown_signal().await;
    let _ = stop.send(true);
    let proxy_result = proxy_task.await.map_err(|e| e.to_string())?;
    site_task.await.map_err(|e| e.to_string())?;
    println!("demo stopped");
    proxy_result.map_err(|e| e.to_string())
}

/// Completes when `stopped` turns true (or its sender is gone).
async fn wait(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|&s| s).await;
}

/// Serves the sample site on `listener` until `shutdown` completes.
pub async fn serve_site(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service_fn(site))
                        .await;
                });
            }
            () = &mut shutdown => return,
        }
    }
}

/// The sample site's routes.
async fn site(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match request.uri().path() {
        "/" => page(&request),
        "/static/app.js" => text("application/javascript", APP_JS),
        "/static/site.css" => text("text/css", SITE_CSS),
        _ => {
            let mut r = text("text/plain; charset=utf-8", "not found\n");
            *r.status_mut() = StatusCode::NOT_FOUND;
            r
        }
    };
    Ok(response)
}

fn text(content_type: &'static str, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The page, showing which cookies the site received (after the proxy's filtering).
fn page(request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let received: Vec<String> = request
        .headers()
        .get_all(COOKIE)
        .iter()
        .map(|v| escape(&String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let received = if received.is_empty() {
        "(none)".to_string()
    } else {
        received.join("; ")
    };
    let html = format!(
        "{PAGE_HEAD}<p>Cookies this site received with your request: <code>{received}</code></p>\n{PAGE_TAIL}"
    );
    let mut response = Response::new(Full::new(Bytes::from(html)));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.append(
        SET_COOKIE,
        HeaderValue::from_static("_ga=GA1.1.123456789.1700000000; Path=/; Max-Age=63072000"),
    );
    headers.append(
        SET_COOKIE,
        HeaderValue::from_static("sessionid=demo-session; Path=/; HttpOnly; SameSite=Lax"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

//! Client-side platform behaviour over real sockets: the header-read
//! timeout apart from keep-alive idle, and trace-context headers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use consentry::config::{compile, shared};
use consentry::proxy::Proxy;

/// Headers of every request the upstream received.
type Seen = Arc<Mutex<Vec<HeaderMap>>>;

/// An HTTP/1.1 upstream answering `ok` to everything, once it has read the
/// request body.
async fn upstream() -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    log.lock().unwrap().push(request.headers().clone());
                    async {
                        let _ = request.into_body().collect().await;
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "text/plain")
                                .body(Full::new(Bytes::from_static(b"ok")))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

/// A proxy in front of `upstream` with `timeouts` in `[proxy.timeouts]`.
async fn proxy(upstream: SocketAddr, timeouts: &str) -> SocketAddr {
    let config =
        format!("[proxy]\nupstream = \"http://{upstream}\"\n[proxy.timeouts]\n{timeouts}\n");
    let policy = compile(&config, "test").unwrap();
    let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), shared(Arc::new(policy)))
        .await
        .unwrap();
    let addr = proxy.local_addr().unwrap();
    tokio::spawn(proxy.run(std::future::pending()));
    addr
}

/// Reads one whole `Content-Length` response from `stream`.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("a response in time")
            .unwrap();
        assert!(
            n > 0,
            "closed mid-response: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("content-length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// Waits until the peer closes `stream` (or resets it); how long that took.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_slow_client_is_cut_off_at_the_header_timeout_not_the_idle_timeout() {
    let (up, seen) = upstream().await;
    let addr = proxy(up, "client_header = \"1s\"\nidle = \"30s\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n")
        .await
        .unwrap();
    // One header byte every 200 ms: always some progress, never the end.
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if stream.write_all(b"X").await.is_err() {
                return;
            }
        }
    };
    let start = Instant::now();
    let _ = tokio::time::timeout(Duration::from_secs(10), trickle).await;
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(10),
        "cut off after {elapsed:?}"
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing reached upstream");
}

#[tokio::test]
async fn a_quiet_keep_alive_connection_lasts_beyond_the_header_timeout() {
    let (up, seen) = upstream().await;
    let addr = proxy(up, "client_header = \"500ms\"\nidle = \"30s\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    stream.write_all(request).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    // Idle between requests for three header timeouts: still open.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(request).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    // A request body sent slowly after complete headers is not header time.
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n")
        .await
        .unwrap();
    for byte in [b"a", b"b", b"c", b"d"] {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stream.write_all(byte).await.unwrap();
    }
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_idle_timeout() {
    let (up, _) = upstream().await;
    let addr = proxy(up, "client_header = \"5s\"\nidle = \"300ms\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .await
        .unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    let after = closed_after(&mut stream, Duration::from_secs(4)).await;
    assert!(after >= Duration::from_millis(250), "{after:?}");
}

#[tokio::test]
async fn a_connection_that_never_sends_is_closed_at_the_header_timeout() {
    let (up, _) = upstream().await;
    let addr = proxy(up, "client_header = \"300ms\"\nidle = \"30s\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let after = closed_after(&mut stream, Duration::from_secs(5)).await;
    assert!(after >= Duration::from_millis(250), "{after:?}");
}

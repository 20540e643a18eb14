//! Trace context over real sockets: `traceparent` and `tracestate` reach
//! the upstream untouched, and the request's log lines carry the trace id.
//! Its own test binary, so that the log capture can be the process-wide
//! subscriber, installed before any event.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use consentry::config::{compile, shared};
use consentry::proxy::Proxy;

#[allow(dead_code)]
mod common;

/// An HTTP/1.1 upstream answering `ok` to everything.
async fn upstream() -> (SocketAddr, common::Received) {
    common::upstream(|_| async {
        Response::builder()
            .header("content-type", "text/plain")
            .body(common::full("ok"))
            .unwrap()
    })
    .await
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
        assert!(n > 0, "closed mid-response");
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

/// A `MakeWriter` collecting log lines in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn trace_context_passes_through_untouched_and_reaches_the_logs() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter("consentry::access=debug,consentry::enforcement=info")
        .with_writer(logs.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let (up, seen) = upstream().await;
    let config = format!("[proxy]\nupstream = \"http://{up}\"\n");
    let policy = compile(&config, "test").unwrap();
    let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), shared(Arc::new(policy)))
        .await
        .unwrap();
    let addr = proxy.local_addr().unwrap();
    tokio::spawn(proxy.run(std::future::pending()));
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let traceparent = format!("00-{trace}-00f067aa0ba902b7-01");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /page HTTP/1.1\r\nHost: a\r\ntraceparent: {traceparent}\r\n\
                 tracestate: rojo=00f067aa0ba902b7 ,congo=t61rcWkgMzE\r\n\
                 tracestate: vendor=x\r\nCookie: _ga=GA1.2.3\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));

    let received = seen.last_headers();
    assert_eq!(received["traceparent"], traceparent.as_str());
    let states: Vec<_> = received.get_all("tracestate").iter().collect();
    assert_eq!(
        states,
        ["rojo=00f067aa0ba902b7 ,congo=t61rcWkgMzE", "vendor=x"]
    );
    assert!(
        received.get("cookie").is_none(),
        "the tracker cookie was withheld"
    );

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for message in ["request", "consent enforced"] {
        let event = events
            .iter()
            .find(|e| e["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no `{message}` event in {text}"));
        assert_eq!(event["fields"]["trace_id"], trace, "{event}");
    }

    // Without a (valid) traceparent the logs carry no trace id.
    logs.0.lock().unwrap().clear();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\ntraceparent: 00-zz-01\r\n\r\n")
        .await
        .unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("\"message\":\"request\""), "{text}");
    assert!(!text.contains("trace_id"), "{text}");
    assert_eq!(seen.last_headers()["traceparent"], "00-zz-01");
}

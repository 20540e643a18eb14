//! Shared helpers for the proxy integration tests: an in-process upstream,
//! the proxy started through the library API, and a small client.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::Frame;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use consentry::config::{compile, shared};
use consentry::proxy::Proxy;

/// The body type test upstreams answer with.
pub type TestBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// A body of `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> TestBody {
    Full::new(bytes.into()).boxed()
}

/// A body fed by a channel: each message is one frame.
pub struct ChannelBody(pub mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|m| m.map(|b| Ok(Frame::data(b))))
    }
}

/// A body sent in chunks of `size` bytes.
pub fn chunked(bytes: &[u8], size: usize) -> TestBody {
    let (tx, rx) = mpsc::channel(bytes.len() / size + 2);
    for chunk in bytes.chunks(size) {
        tx.try_send(Bytes::copy_from_slice(chunk))
            .expect("channel sized for every chunk");
    }
    ChannelBody(rx).boxed()
}

/// What the upstream received: one entry per request.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<(String, HeaderMap)>>>);

impl Received {
    /// The request targets received, in order.
    #[allow(dead_code)]
    pub fn uris(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(u, _)| u.clone())
            .collect()
    }

    /// How many requests were received.
    #[allow(dead_code)]
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The headers of the last request.
    pub fn last_headers(&self) -> HeaderMap {
        self.0.lock().unwrap().last().expect("a request").1.clone()
    }
}

/// Starts an HTTP/1.1 upstream answering with `handler`; returns its address
/// and the log of received requests.
pub async fn upstream<F, Fut>(handler: F) -> (SocketAddr, Received)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<TestBody>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let log = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    log.0
                        .lock()
                        .unwrap()
                        .push((request.uri().to_string(), request.headers().clone()));
                    let response = handler(request);
                    async move { Ok::<_, Infallible>(response.await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    (addr, received)
}

/// Config text for a proxy in front of `upstream`, with `extra` TOML
/// prepended (top-level keys such as `mode`) and short timeouts (long
/// enough that a loaded CI machine never turns a slow answer into a 504).
pub fn config(upstream: SocketAddr, extra: &str) -> String {
    format!(
        "{extra}\n[proxy]\nupstream = \"http://{upstream}\"\n\
         [proxy.timeouts]\nresponse_header = \"2s\"\nconnect = \"1s\"\nshutdown_grace = \"2s\"\n"
    )
}

/// Starts the proxy for `config_text` on 127.0.0.1:0; returns its address.
pub async fn proxy(config_text: &str) -> SocketAddr {
    let policy = compile(config_text, "test").expect("test config compiles");
    let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), shared(Arc::new(policy)))
        .await
        .unwrap();
    let addr = proxy.local_addr().unwrap();
    tokio::spawn(proxy.run(std::future::pending()));
    addr
}

/// Starts an upstream with `handler` and an enforcing proxy in front of it.
pub async fn proxied<F, Fut>(handler: F) -> (SocketAddr, Received)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<TestBody>> + Send + 'static,
{
    let (up, received) = upstream(handler).await;
    (proxy(&config(up, "")).await, received)
}

/// A pooled test client.
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A collected response.
pub struct Collected {
    /// Status and headers.
    pub parts: http::response::Parts,
    /// The whole body.
    pub body: Bytes,
}

impl Collected {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Every value of header `name`, as text.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }
}

/// Sends `GET path` to `addr` with `headers`; collects the response.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Collected {
    request(&client(), "GET", addr, path, headers).await
}

/// Sends a request with `client`; collects the response.
pub async fn request(
    client: &Client<HttpConnector, Full<Bytes>>,
    method: &str,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> Collected {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = client
        .request(builder.body(Full::new(Bytes::new())).unwrap())
        .await
        .expect("response");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("whole body").to_bytes();
    Collected { parts, body }
}

/// A corpus page, read from shared/ beside the repository.
pub fn corpus_page(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../shared/corpus/pages/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An HTML response with `body` and the given extra headers.
pub fn html(body: impl Into<Bytes>, headers: &[(&str, &str)]) -> Response<TestBody> {
    let mut builder = Response::builder().header("content-type", "text/html; charset=utf-8");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(full(body)).unwrap()
}

/// A WebSocket server on 127.0.0.1 that echoes text and binary messages.
pub async fn websocket_echo_upstream() -> SocketAddr {
    use futures_util::{SinkExt, StreamExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = ws.next().await {
                    if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A proxy that shuts down gracefully when the returned sender fires (or
/// is dropped); the handle resolves when it has finished.
pub async fn stoppable_proxy(
    config_text: &str,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let policy = consentry::config::compile(config_text, "test").unwrap();
    let proxy = consentry::proxy::Proxy::bind(
        "127.0.0.1:0".parse().unwrap(),
        consentry::config::shared(std::sync::Arc::new(policy)),
    )
    .await
    .unwrap();
    let addr = proxy.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(proxy.run(async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

//! The admin listener, on its own address: `/healthz` (alive), `/readyz`
//! (should receive traffic), `/metrics` (Prometheus text format) and
//! `/discovered` (what the proxy saw on the site, as an observed file).

pub mod exporter;
pub mod readiness;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use crate::config::SharedPolicy;
pub use readiness::Readiness;

/// How often the recorder's histograms are drained when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// How long open admin connections may take to finish after shutdown.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The Prometheus exposition format's content type.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A bound admin listener.
pub struct Admin {
    listener: TcpListener,
    state: Arc<State>,
}

struct State {
    policy: SharedPolicy,
    readiness: Arc<Readiness>,
    metrics: PrometheusHandle,
    discovery: Option<Arc<crate::discovery::Discovery>>,
}

impl Admin {
    /// Binds `addr`; `/readyz` reads the live `policy` and `readiness`,
    /// `/metrics` renders `metrics`.
    pub async fn bind(
        addr: SocketAddr,
        policy: SharedPolicy,
        readiness: Arc<Readiness>,
        metrics: PrometheusHandle,
    ) -> io::Result<Admin> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Admin {
            listener,
            state: Arc::new(State {
                policy,
                readiness,
                metrics,
                discovery: None,
            }),
        })
    }

    /// The same listener serving `discovery` at `/discovered`.
    #[must_use]
    pub fn with_discovery(mut self, discovery: Arc<crate::discovery::Discovery>) -> Admin {
        Arc::get_mut(&mut self.state)
            .expect("the state is not shared before the listener runs")
            .discovery = Some(discovery);
        self
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then gives open connections a
    /// moment to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let graceful = GracefulShutdown::new();
        let builder = auto::Builder::new(TokioExecutor::new());
        let mut upkeep = tokio::time::interval(UPKEEP_INTERVAL);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = upkeep.tick() => self.state.metrics.run_upkeep(),
                accepted = self.listener.accept() => {
                    let (stream, _) = match accepted {
                        Ok(conn) => conn,
                        Err(e) => {
                            tracing::warn!(error = %e, "admin listener: accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let state = Arc::clone(&self.state);
                    let service = service_fn(move |req| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(state.handle(req).await) }
                    });
                    let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "admin connection ended with an error");
                        }
                    });
                }
            }
        }
        drop(self.listener);
        // Connections still open after the grace period are dropped.
        let _ = tokio::time::timeout(CLOSE_GRACE, graceful.shutdown()).await;
        Ok(())
    }
}

impl State {
    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".into());
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        match req.uri().path() {
            "/healthz" => text(StatusCode::OK, "ok\n".into()),
            "/readyz" => {
                let policy = self.policy.load_full();
                match self.readiness.check(&policy).await {
                    Ok(()) => text(StatusCode::OK, "ok\n".into()),
                    Err(reason) => text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("not ready: {reason}\n"),
                    ),
                }
            }
            "/metrics" => {
                let mut response = text(StatusCode::OK, self.metrics.render());
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static(METRICS_CONTENT_TYPE),
                );
                response
            }
            "/discovered" => match &self.discovery {
                Some(discovery) => {
                    let mut response = text(StatusCode::OK, discovery.snapshot().to_json());
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        header::HeaderValue::from_static("application/json"),
                    );
                    response
                }
                None => text(StatusCode::NOT_FOUND, "discovery is off\n".into()),
            },
            _ => text(
                StatusCode::NOT_FOUND,
                "not found: try /healthz, /readyz, /metrics or /discovered\n".into(),
            ),
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{compile, shared};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One HTTP/1.0 exchange; the status code and the body.
    async fn get(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("{method} {path} HTTP/1.0\r\nHost: admin\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        let status = raw[9..12].parse().unwrap();
        let body = raw.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    }

    #[tokio::test]
    async fn serves_health_readiness_and_metrics() {
        let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = format!(
            "[proxy]\nupstream = \"http://{}\"\n",
            upstream.local_addr().unwrap()
        );
        let policy = shared(Arc::new(compile(&config, "test.toml").unwrap()));
        let recorder = exporter::builder().unwrap().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::counter!("consentry_config_reloads_total", "result" => "ok").increment(1);
        });
        let readiness = Arc::new(Readiness::new());
        let admin = Admin::bind(
            "127.0.0.1:0".parse().unwrap(),
            policy,
            readiness.clone(),
            handle,
        )
        .await
        .unwrap();
        let addr = admin.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(admin.run(async {
            let _ = stopped.await;
        }));

        assert_eq!(get(addr, "GET", "/healthz").await, (200, "ok\n".into()));
        assert_eq!(get(addr, "GET", "/readyz").await, (200, "ok\n".into()));
        let (status, body) = get(addr, "GET", "/metrics").await;
        assert_eq!(status, 200);
        assert!(
            body.contains("consentry_config_reloads_total{result=\"ok\"} 1"),
            "{body}"
        );
        assert_eq!(get(addr, "GET", "/nope").await.0, 404);
        assert_eq!(get(addr, "POST", "/healthz").await.0, 405);

        readiness.begin_shutdown();
        assert_eq!(
            get(addr, "GET", "/readyz").await,
            (503, "not ready: shutting down\n".into())
        );
        assert_eq!(get(addr, "GET", "/healthz").await.0, 200);

        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}

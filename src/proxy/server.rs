//! The client side: accepting connections, serving HTTP/1.1 (with upgrades)
//! and h2c (prior knowledge), and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::handler::{self, State};
use super::header_timeout::{HeaderDeadline, ResponseDone};
use super::idle::IdleTimeout;

/// How long closing tunnels get once the grace period is over.
const TUNNEL_CLOSE_WAIT: Duration = Duration::from_millis(100);

/// The longest interval between HTTP/2 keep-alive pings on a quiet
/// connection, and the longest wait for their answer.
const H2_PING_MAX: Duration = Duration::from_secs(20);

/// How long to back off after an accept error (e.g. out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The client-side timeouts, fixed at startup.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Idle keep-alive connections.
    pub idle: Duration,
    /// An HTTP/1 request's headers, from its first byte.
    pub client_header: Duration,
    /// A response body that yields nothing for this long is aborted.
    pub body_idle: Duration,
    /// How long in-flight requests get on shutdown.
    pub grace: Duration,
}

/// One accepted client connection, about to be served.
struct Connection {
    peer: SocketAddr,
    /// Whether TLS was terminated on it.
    tls: bool,
    state: Arc<State>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    watcher: Watcher,
    client_header: Duration,
    body_idle: Duration,
}

impl Connection {
    /// Serves HTTP/1.1 (with upgrades) or HTTP/2 on `stream` until it ends.
    async fn serve<S>(self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            peer,
            tls,
            state,
            builder,
            watcher,
            client_header,
            body_idle,
        } = self;
        let (stream, phase) = HeaderDeadline::new(stream, client_header);
        let service = service_fn(move |mut request: http::Request<_>| {
            phase.request_started();
            if tls {
                request.extensions_mut().insert(handler::TlsConnection);
            }
            let response = handler::handle(state.clone(), peer, request);
            let phase = phase.clone();
            async move {
                let response = response.await?;
                if response.status() == http::StatusCode::SWITCHING_PROTOCOLS {
                    phase.upgraded();
                }
                Ok::<_, Infallible>(
                    response
                        .map(|body| ResponseDone::new(IdleTimeout::new(body, body_idle), phase)),
                )
            }
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        if let Err(e) = watcher.watch(connection).await {
            tracing::debug!(target: "consentry::proxy", error = %e, "client connection ended");
        }
    }
}

/// Serves `listener` (with TLS when `tls` is given) until `shutdown`
/// completes, then stops accepting and gives in-flight requests and
/// upgraded (WebSocket) connections up to the grace period to finish;
/// upgraded connections still open then are closed.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let Timeouts {
        idle: idle_timeout,
        client_header,
        body_idle,
        grace,
    } = timeouts;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper's header-read timer starts when a connection waits for a
    // request, so it is the keep-alive idle timeout; the header timeout
    // proper (from a request's first byte) is HeaderDeadline's.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout);
    // hyper has no idle timeout for HTTP/2: keep-alive pings instead close
    // connections whose peer stopped answering (a vanished client, a
    // half-open socket). Healthy idle HTTP/2 connections stay open.
    let ping = idle_timeout.min(H2_PING_MAX);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(ping)
        .keep_alive_timeout(ping);
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Best effort: a socket without TCP_NODELAY still works.
                    let _ = stream.set_nodelay(true);
                    let connection = Connection {
                        peer,
                        tls: tls.is_some(),
                        state: state.clone(),
                        builder: builder.clone(),
                        watcher: graceful.watcher(),
                        client_header,
                        body_idle,
                    };
                    match tls.clone() {
                        None => {
                            tokio::spawn(connection.serve(stream));
                        }
                        Some(acceptor) => {
                            tokio::spawn(async move {
                                // The handshake gets the header timeout too.
                                match tokio::time::timeout(client_header, acceptor.accept(stream)).await {
                                    Ok(Ok(stream)) => connection.serve(stream).await,
                                    Ok(Err(e)) => tracing::debug!(target: "consentry::proxy", error = %e, "TLS handshake failed"),
                                    Err(_) => tracing::debug!(target: "consentry::proxy", "TLS handshake timed out"),
                                }
                            });
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "consentry::proxy", error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!(
        target: "consentry::proxy",
        connections = graceful.count(),
        upgraded = state.tunnels.count(),
        "shutting down"
    );
    let drained = async {
        graceful.shutdown().await;
        state.tunnels.closed().await;
    };
    if tokio::time::timeout(grace, drained).await.is_err() {
        tracing::warn!(target: "consentry::proxy", grace_ms = grace.as_millis() as u64, "grace period over: closing remaining connections");
    }
    state.tunnels.close_all(TUNNEL_CLOSE_WAIT).await;
    Ok(())
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

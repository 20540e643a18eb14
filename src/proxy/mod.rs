//! The reverse proxy: the only part of Consentry with sockets. It applies
//! the decisions of the policy core to real traffic.
//!
//! Per request, consent is decided once from the `Cookie` and `Sec-GPC`
//! headers; non-granted cookies are withheld from upstream; on the response,
//! non-granted `Set-Cookie`s are stripped, withdrawn cookies expired, and
//! HTML bodies streamed through the rewriter (decoded and re-encoded when
//! compressed). Everything else passes byte for byte.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use consentry::config::{shared, Policy};
//! use consentry::proxy::{shutdown_signal, Proxy};
//!
//! let policy = shared(Policy::builtin());
//! let proxy = Proxy::bind("127.0.0.1:8080".parse().unwrap(), policy).await?;
//! println!("listening on {}", proxy.local_addr()?);
//! proxy.run(shutdown_signal()).await
//! # }
//! ```
//!
//! # Failure behaviour (fail closed)
//!
//! - Upstream unreachable: `502 Bad Gateway`; no response headers within
//!   `proxy.timeouts.response_header`: `504 Gateway Timeout`. Both carry a
//!   short text body and no upstream details.
//! - An HTML response that needs rewriting and declares a content coding
//!   other than gzip, deflate, br or zstd (or several stacked), or a charset
//!   that is not ASCII-compatible: `502` before any header is sent.
//! - A compressed HTML body that fails to decode mid-stream, or a document
//!   that exceeds the rewriter's memory limit (`html.parser_memory_limit`)
//!   or fails to parse: the body is aborted, so the client sees a broken
//!   transfer instead of the unfiltered rest of the page. Each case is
//!   counted (`consentry_upstream_errors_total{kind="decode"}`,
//!   `consentry_rewrite_errors_total{kind}`) and logged.
//! - Compressed HTML is decoded, rewritten and re-encoded with the coding
//!   upstream chose (the client's `Accept-Encoding` was forwarded), flushed
//!   after every chunk so it streams. Non-HTML bodies and HTML for visitors
//!   who granted every category pass through untouched.
//! - In report-only mode nothing fails closed: the response is upstream's,
//!   and an observation that cannot proceed simply stops.
//!
//! Timeouts: connect and response-header timeouts towards upstream; idle
//! keep-alive connections are closed after `proxy.timeouts.idle` on both
//! sides (for clients, HTTP/1.1 connections that send no request headers
//! within that time). An HTTP/1 client that starts a request gets
//! `proxy.timeouts.client_header` to finish its headers (also counted from
//! the connection's start for the first request). HTTP/2 client connections that go quiet are pinged
//! every `idle` (at most 20 s) and closed when a ping is not answered within
//! the same time; hyper has no idle close for HTTP/2, so a healthy idle
//! HTTP/2 connection stays open. A response body that yields nothing for
//! `proxy.timeouts.body_idle` while the client waits (a stalled upstream
//! body) is aborted and counted as an upstream `timeout`.
//!
//! TLS: with `[proxy.tls]` the listener terminates TLS 1.2/1.3 (ALPN h2,
//! http/1.1) with certificate files reloaded on SIGHUP and on change, see
//! [`CertFiles`].
//!
//! Hot reload: each request takes one snapshot of the [`SharedPolicy`], so
//! a swapped policy applies to the next request. The listening address,
//! upstream, Host-header choice, pool and timeouts are read once, when the
//! [`Proxy`] is bound: changing them needs a restart.

mod body;
mod codec;
mod handler;
mod header_timeout;
mod headers;
mod idle;
pub(crate) mod observe;
mod own_pages;
mod server;
mod tls;
mod upgrade;
mod upstream;
mod validators;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::SharedPolicy;

pub use observe::UNCLASSIFIED_NAME_LIMIT;
pub use server::shutdown_signal;
pub use tls::CertFiles;

/// A bound, not yet running, reverse proxy.
#[derive(Debug)]
pub struct Proxy {
    listener: TcpListener,
    /// The certificate pair in force, with TLS on.
    tls: Option<Arc<CertFiles>>,
    state: Arc<handler::State>,
    timeouts: server::Timeouts,
}

impl Proxy {
    /// Binds `addr` and prepares the upstream pool from the current policy's
    /// [`ProxySettings`](crate::config::ProxySettings) (upstream, timeouts,
    /// pool size, Host-header choice, TLS files; its `listen` is ignored in
    /// favour of `addr`). Fails if the TLS files cannot be read.
    pub async fn bind(addr: SocketAddr, policy: SharedPolicy) -> io::Result<Proxy> {
        let listener = TcpListener::bind(addr).await?;
        Proxy::from_listener(listener, policy)
    }

    /// A proxy serving an already bound `listener`.
    pub fn from_listener(listener: TcpListener, policy: SharedPolicy) -> io::Result<Proxy> {
        let settings = policy.load().proxy.clone();
        let tls = settings.tls.as_ref().map(CertFiles::load).transpose()?;
        let state = Arc::new(handler::State {
            upstream: upstream::Upstream::new(&settings),
            host_header: settings.host_header,
            unclassified: observe::UnclassifiedNames::default(),
            ids: observe::RequestIds::default(),
            tunnels: upgrade::Tunnels::default(),
            discovery: Arc::new(crate::discovery::Discovery::default()),
            policy,
        });
        Ok(Proxy {
            listener,
            tls,
            state,
            timeouts: server::Timeouts {
                idle: settings.idle_timeout,
                client_header: settings.client_header_timeout,
                body_idle: settings.body_idle_timeout,
                grace: settings.shutdown_grace,
            },
        })
    }

    /// The same proxy recording what it discovers into `discovery` (by
    /// default a store of its own), so others can read it.
    #[must_use]
    pub fn with_discovery(mut self, discovery: Arc<crate::discovery::Discovery>) -> Proxy {
        Arc::get_mut(&mut self.state)
            .expect("the state is not shared before the proxy runs")
            .discovery = discovery;
        self
    }

    /// The address the proxy listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets
    /// in-flight requests finish within the policy's `shutdown_grace`, and
    /// returns.
    /// With TLS, the certificate files are reloaded on SIGHUP and on change
    /// meanwhile.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let acceptor = self.tls.as_ref().map(CertFiles::acceptor);
        let watcher = self
            .tls
            .map(|files| tokio::spawn(files.watch(tls::POLL_INTERVAL)));
        let served =
            server::serve(self.listener, acceptor, self.state, self.timeouts, shutdown).await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        served
    }
}

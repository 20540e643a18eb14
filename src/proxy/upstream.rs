//! The upstream side: a pooled keep-alive HTTP/1.1 client with connect and
//! response-header timeouts, and the mapping of its failures to 502/504.
//!
//! The pool is a list of hyper connections: no task per request to return
//! a connection, no pool key, one lock to take or give one back.

use std::time::{Duration, Instant};

use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

use super::observe;
use crate::config::ProxySettings;

/// Why upstream gave no response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpstreamError {
    /// No connection could be made.
    Connect,
    /// No response headers within the response-header timeout.
    Timeout,
    /// The connection failed or upstream spoke invalid HTTP.
    Protocol,
}

impl UpstreamError {
    /// The `kind` label of `consentry_upstream_errors_total`.
    pub fn kind(self) -> &'static str {
        match self {
            UpstreamError::Connect => "connect",
            UpstreamError::Timeout => "timeout",
            UpstreamError::Protocol => "protocol",
        }
    }

    /// The status the client gets.
    pub fn status(self) -> StatusCode {
        match self {
            UpstreamError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            UpstreamError::Connect | UpstreamError::Protocol => StatusCode::BAD_GATEWAY,
        }
    }

    /// The short text body the client gets (no upstream details).
    pub fn message(self) -> &'static str {
        match self {
            UpstreamError::Connect => "502 Bad Gateway: the upstream server is unreachable\n",
            UpstreamError::Timeout => {
                "504 Gateway Timeout: the upstream server did not answer in time\n"
            }
            UpstreamError::Protocol => "502 Bad Gateway: the upstream server failed\n",
        }
    }
}

/// The upstream server and the connection pool to it.
#[derive(Debug)]
pub struct Upstream {
    connector: HttpConnector,
    pool: Pool,
    connect_uri: Uri,
    authority_value: HeaderValue,
    /// The upstream URL's path without its trailing `/` (empty for `/`).
    base_path: String,
    response_header_timeout: Duration,
}

/// Keep-alive connections to the upstream, most recently used last. A
/// connection goes back in as soon as its response headers are in; it is
/// taken again only once hyper reports it ready, i.e. its response body
/// has been read to the end (a connection whose body is dropped early, or
/// that upstream closes, reports closed and is let go).
#[derive(Debug)]
struct Pool {
    connections: std::sync::Mutex<Vec<Pooled>>,
    /// How many it keeps, those still reading a response included
    /// (`proxy.pool_max_idle_per_host`).
    max: usize,
    /// How long one is kept after its last response.
    idle_timeout: Duration,
}

#[derive(Debug)]
struct Pooled {
    sender: SendRequest<Incoming>,
    returned: Instant,
}

impl Pool {
    /// A ready connection, if one is kept; closed and expired ones go.
    fn take(&self) -> Option<SendRequest<Incoming>> {
        let mut connections = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let mut i = connections.len();
        while i > 0 {
            i -= 1;
            let pooled = &connections[i];
            if pooled.sender.is_closed() || now - pooled.returned > self.idle_timeout {
                connections.swap_remove(i);
            } else if pooled.sender.is_ready() {
                return Some(connections.swap_remove(i).sender);
            }
        }
        None
    }

    /// Keeps `sender` for a later request, unless the pool is full of
    /// open connections.
    fn give_back(&self, sender: SendRequest<Incoming>) {
        if sender.is_closed() {
            return;
        }
        let mut connections = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        if connections.len() >= self.max {
            connections.retain(|pooled| !pooled.sender.is_closed());
        }
        if connections.len() < self.max {
            connections.push(Pooled {
                sender,
                returned: Instant::now(),
            });
        }
    }
}

/// Why a request got no response from upstream (before it is mapped to an
/// [`UpstreamError`]).
enum Failure {
    Connect(Box<dyn std::error::Error + Send + Sync>),
    Request(hyper::Error),
}

impl Upstream {
    /// A client for the upstream in `settings`, with its pool and timeouts.
    pub fn new(settings: &ProxySettings) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(settings.connect_timeout));
        connector.set_nodelay(true);
        connector.set_keepalive(Some(settings.idle_timeout));
        let uri = &settings.upstream;
        let authority = uri
            .authority()
            .cloned()
            .unwrap_or_else(|| Authority::from_static("127.0.0.1"));
        let authority_value = HeaderValue::from_str(authority.as_str())
            .unwrap_or_else(|_| HeaderValue::from_static("127.0.0.1"));
        let connect_uri = Uri::builder()
            .scheme(uri.scheme().cloned().unwrap_or(Scheme::HTTP))
            .authority(authority)
            .path_and_query("/")
            .build()
            .expect("a scheme and an authority make a URI");
        Upstream {
            connector,
            pool: Pool {
                connections: std::sync::Mutex::new(Vec::new()),
                max: settings.pool_max_idle_per_host,
                idle_timeout: settings.idle_timeout,
            },
            connect_uri,
            authority_value,
            base_path: uri.path().trim_end_matches('/').to_string(),
            response_header_timeout: settings.response_header_timeout,
        }
    }

    /// The upstream's authority as a `Host` header value.
    pub fn host(&self) -> &HeaderValue {
        &self.authority_value
    }

    /// The request target (origin form) upstream gets for a request to
    /// `path_and_query`.
    pub fn uri(&self, path_and_query: Option<&PathAndQuery>) -> Result<Uri, http::Error> {
        let pq = path_and_query.map_or("/", PathAndQuery::as_str);
        if self.base_path.is_empty() {
            Uri::builder().path_and_query(pq).build()
        } else {
            Uri::builder()
                .path_and_query(format!("{}{pq}", self.base_path))
                .build()
        }
    }

    /// Sends `request` and waits for the response headers, at most the
    /// response-header timeout. Failures are counted; the duration to
    /// headers is recorded.
    pub async fn send(
        &self,
        request: Request<Incoming>,
    ) -> Result<Response<Incoming>, UpstreamError> {
        let start = Instant::now();
        let result =
            tokio::time::timeout(self.response_header_timeout, self.request(request)).await;
        let outcome = match result {
            Ok(Ok(response)) => {
                observe::upstream_duration(start.elapsed());
                Ok(response)
            }
            Ok(Err(Failure::Connect(e))) => {
                tracing::debug!(target: "consentry::proxy", error = %e, "upstream connect failed");
                Err(UpstreamError::Connect)
            }
            Ok(Err(Failure::Request(e))) => {
                tracing::debug!(target: "consentry::proxy", error = %e, "upstream request failed");
                Err(UpstreamError::Protocol)
            }
            Err(_) => Err(UpstreamError::Timeout),
        };
        if let Err(e) = outcome {
            observe::upstream_error(e.kind());
        }
        outcome
    }

    /// Sends `request` on a kept connection, or a new one. A request that a
    /// kept connection closed before taking (upstream ended it while idle)
    /// is sent again on a new connection.
    async fn request(&self, mut request: Request<Incoming>) -> Result<Response<Incoming>, Failure> {
        if !request.headers().contains_key(http::header::HOST) {
            request
                .headers_mut()
                .insert(http::header::HOST, self.authority_value.clone());
        }
        if let Some(mut sender) = self.pool.take() {
            match sender.try_send_request(request).await {
                Ok(response) => {
                    self.pool.give_back(sender);
                    return Ok(response);
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(Failure::Request(e.into_error())),
                },
            }
        }
        let mut sender = self.connect().await?;
        let response = sender
            .send_request(request)
            .await
            .map_err(Failure::Request)?;
        self.pool.give_back(sender);
        Ok(response)
    }

    /// A new connection, its HTTP/1.1 handshake done and its task spawned.
    async fn connect(&self) -> Result<SendRequest<Incoming>, Failure> {
        let io = self
            .connector
            .clone()
            .call(self.connect_uri.clone())
            .await
            .map_err(|e| Failure::Connect(e.into()))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| Failure::Connect(e.into()))?;
        tokio::spawn(async move {
            if let Err(e) = connection.with_upgrades().await {
                tracing::debug!(target: "consentry::proxy", error = %e, "upstream connection ended");
            }
        });
        Ok(sender)
    }
}

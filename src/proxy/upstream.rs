//! The upstream side: a pooled keep-alive HTTP/1.1 client with connect and
//! response-header timeouts, and the mapping of its failures to 502/504.

use std::time::{Duration, Instant};

use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

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
    client: Client<HttpConnector, Incoming>,
    scheme: Scheme,
    authority: Authority,
    authority_value: HeaderValue,
    /// The upstream URL's path without its trailing `/` (empty for `/`).
    base_path: String,
    response_header_timeout: Duration,
}

impl Upstream {
    /// A client for the upstream in `settings`, with its pool and timeouts.
    pub fn new(settings: &ProxySettings) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(settings.connect_timeout));
        connector.set_nodelay(true);
        connector.set_keepalive(Some(settings.idle_timeout));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(settings.idle_timeout)
            .pool_max_idle_per_host(settings.pool_max_idle_per_host)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        let uri = &settings.upstream;
        let authority = uri
            .authority()
            .cloned()
            .unwrap_or_else(|| Authority::from_static("127.0.0.1"));
        let authority_value = HeaderValue::from_str(authority.as_str())
            .unwrap_or_else(|_| HeaderValue::from_static("127.0.0.1"));
        Upstream {
            client,
            scheme: uri.scheme().cloned().unwrap_or(Scheme::HTTP),
            authority,
            authority_value,
            base_path: uri.path().trim_end_matches('/').to_string(),
            response_header_timeout: settings.response_header_timeout,
        }
    }

    /// The upstream's authority as a `Host` header value.
    pub fn host(&self) -> &HeaderValue {
        &self.authority_value
    }

    /// The upstream URI for a request to `path_and_query`.
    pub fn uri(&self, path_and_query: Option<&PathAndQuery>) -> Result<Uri, http::Error> {
        let pq = path_and_query.map_or("/", PathAndQuery::as_str);
        let builder = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone());
        if self.base_path.is_empty() {
            builder.path_and_query(pq).build()
        } else {
            builder
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
            tokio::time::timeout(self.response_header_timeout, self.client.request(request)).await;
        let outcome = match result {
            Ok(Ok(response)) => {
                observe::upstream_duration(start.elapsed());
                Ok(response)
            }
            Ok(Err(e)) if e.is_connect() => {
                tracing::debug!(target: "consentry::proxy", error = %e, "upstream connect failed");
                Err(UpstreamError::Connect)
            }
            Ok(Err(e)) => {
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
}

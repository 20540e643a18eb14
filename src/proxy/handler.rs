//! One request through the proxy: decide consent once, filter the request's
//! cookies, forward, then apply the decisions to the response's headers and
//! body. Every decision comes from the policy core; this file only applies them.

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::header::{HeaderMap, HeaderValue, COOKIE, HOST, SET_COOKIE};
use http::{Method, Request, Response, StatusCode, Version};
use hyper::body::Incoming;

use super::body::{HtmlBody, ProxyBody};
use super::codec::{Coding, Decoder, Encoder};
use super::headers::{self, X_REQUEST_ID};
use super::observe::{self, Audit, RequestIds, UnclassifiedNames};
use super::upgrade;
use super::upstream::Upstream;
use crate::config::{CacheSafety, HostHeader, Mode, Policy, SharedPolicy};
use crate::policy::category::CategorySet;
use crate::policy::consent::Consent;
use crate::policy::request_cookies::RequestCookies;
use crate::rewrite::{FilterOptions, RewriteError};

/// What every request handler shares.
#[derive(Debug)]
pub struct State {
    /// The live policy; one snapshot is taken per request.
    pub policy: SharedPolicy,
    /// The upstream and its connection pool (fixed at startup).
    pub upstream: Upstream,
    /// Which `Host` header goes upstream (fixed at startup).
    pub host_header: HostHeader,
    /// Bounded unclassified-cookie label set.
    pub unclassified: UnclassifiedNames,
    /// Request id generator.
    pub ids: RequestIds,
    /// Open upgraded (WebSocket) connections.
    pub tunnels: upgrade::Tunnels,
}

/// Handles one request from `client`; never fails (errors become 502/504 responses).
pub async fn handle(
    state: Arc<State>,
    client: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, Infallible> {
    let start = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = proxy(&state, client, request).await;
    let status = response.status();
    observe::request(status);
    tracing::debug!(
        target: "consentry::access",
        method = %method,
        path = uri.path(),
        status = status.as_u16(),
        duration_us = start.elapsed().as_micros() as u64,
        "request"
    );
    Ok(response)
}

/// A small plain-text response made by the proxy.
fn error_response(status: StatusCode, message: &'static str) -> Response<ProxyBody> {
    let mut response = Response::new(ProxyBody::text(message));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The request-side outcome of the cookie decisions.
struct RequestCookieOutcome {
    consent: Consent,
    /// Distinct names of the cookies withheld from upstream.
    dropped: Vec<String>,
}

async fn proxy(
    state: &State,
    client: SocketAddr,
    mut request: Request<Incoming>,
) -> Response<ProxyBody> {
    let policy = state.policy.load_full();
    let upgrade = match request.version() {
        Version::HTTP_11 => headers::requested_upgrade(request.headers()),
        _ => None,
    };
    let client_upgrade = upgrade.as_ref().map(|_| hyper::upgrade::on(&mut request));
    let (mut parts, body) = request.into_parts();
    let is_head = parts.method == Method::HEAD;
    let host = parts.headers.get(HOST).cloned().or_else(|| {
        parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });
    let request_id = match parts.headers.get(X_REQUEST_ID) {
        Some(id) => id.clone(),
        None => {
            let id = state.ids.next();
            parts.headers.insert(X_REQUEST_ID, id.clone());
            id
        }
    };
    let uri = parts.uri.clone();
    let mode = policy.mode_for(host.as_ref().and_then(|h| h.to_str().ok()), uri.path());
    let enforce = mode == Mode::Enforce;

    let cookies = request_cookies(state, &policy, &mut parts.headers, enforce);
    let granted = cookies.consent.granted;

    headers::remove_hop_by_hop(&mut parts.headers);
    if let Some(protocol) = upgrade {
        headers::set_upgrade(&mut parts.headers, protocol);
    }
    headers::add_forwarded(&mut parts.headers, client.ip(), host.as_ref());
    match (state.host_header, &host) {
        (HostHeader::Upstream, _) => {
            parts.headers.insert(HOST, state.upstream.host().clone());
        }
        (HostHeader::Preserve, Some(host)) => {
            parts.headers.insert(HOST, host.clone());
        }
        (HostHeader::Preserve, None) => {}
    }
    parts.uri = match state.upstream.uri(parts.uri.path_and_query()) {
        Ok(uri) => uri,
        Err(_) => return error_response(StatusCode::BAD_REQUEST, "400 Bad Request\n"),
    };
    parts.version = Version::HTTP_11;

    let mut response = match state.upstream.send(Request::from_parts(parts, body)).await {
        Ok(response) => response,
        Err(e) => return error_response(e.status(), e.message()),
    };

    let upgraded = response.status() == StatusCode::SWITCHING_PROTOCOLS;
    let upgrade_protocol = if upgraded {
        let Some(client_side) = client_upgrade else {
            observe::upstream_error("protocol");
            return error_response(
                StatusCode::BAD_GATEWAY,
                "502 Bad Gateway: unexpected protocol switch\n",
            );
        };
        let protocol = response.headers().get(http::header::UPGRADE).cloned();
        upgrade::splice(
            &state.tunnels,
            client_side,
            hyper::upgrade::on(&mut response),
        );
        protocol
    } else {
        None
    };

    let (mut parts, body) = response.into_parts();
    headers::remove_hop_by_hop(&mut parts.headers);
    if let Some(protocol) = upgrade_protocol {
        headers::set_upgrade(&mut parts.headers, protocol);
    }

    let mut audit = Audit {
        policy: policy.clone(),
        request_id,
        host,
        uri,
        mode,
        consent: cookies.consent,
        stripped_set_cookies: Vec::new(),
        dropped_cookies: cookies.dropped,
    };
    let set_cookies_changed = set_cookies(
        state,
        &policy,
        granted,
        &mut parts.headers,
        enforce,
        &mut audit.stripped_set_cookies,
    );
    let mut expired = 0;
    if enforce {
        for name in &audit.dropped_cookies {
            for value in policy.cookies.expiry_headers(name) {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    parts.headers.append(SET_COOKIE, value);
                    expired += 1;
                }
            }
        }
        if expired > 0 {
            observe::withdrawal_expiries(expired);
        }
    }

    let html = headers::html_media(&parts.headers);
    if enforce && (html.is_some() || set_cookies_changed || expired > 0) {
        match policy.proxy.cache {
            CacheSafety::Vary => headers::add_vary(&mut parts.headers),
            CacheSafety::Private => headers::make_private(&mut parts.headers),
        }
    }

    let html = html.filter(|_| !is_head && rewritable(parts.status));
    let Some(html) = html else {
        return finish_unrewritten(
            audit,
            Response::from_parts(parts, ProxyBody::Upstream(body)),
        );
    };
    if !policy.rewriter.needs_rewrite(granted) {
        observe::rewrite_skipped_all_granted();
        return finish_unrewritten(
            audit,
            Response::from_parts(parts, ProxyBody::Upstream(body)),
        );
    }
    let options = FilterOptions {
        first_party: audit.host.as_ref().and_then(first_party),
        charset: html.charset,
        report_only: !enforce,
    };
    let coding = Coding::from_headers(&parts.headers);
    if enforce {
        match html_body(&policy, granted, &options, coding) {
            Ok((decoder, filter, encoder)) => {
                headers::prepare_rewritten(&mut parts.headers);
                let body = HtmlBody::enforce(body, decoder, filter, encoder, audit);
                Response::from_parts(parts, ProxyBody::Html(Box::new(body)))
            }
            Err(refusal) => {
                observe::rewrite_error(refusal.kind);
                tracing::warn!(target: "consentry::proxy", reason = refusal.reason, "HTML response refused (fail closed)");
                audit.finish(None);
                error_response(StatusCode::BAD_GATEWAY, refusal.message)
            }
        }
    } else {
        match html_body(&policy, granted, &options, coding) {
            Ok((decoder, filter, _)) => {
                let body = HtmlBody::observe(body, decoder, filter, audit);
                Response::from_parts(parts, ProxyBody::Html(Box::new(body)))
            }
            Err(refusal) => {
                tracing::debug!(target: "consentry::proxy", reason = refusal.reason, "report-only: HTML not observed");
                finish_unrewritten(
                    audit,
                    Response::from_parts(parts, ProxyBody::Upstream(body)),
                )
            }
        }
    }
}

/// Logs the enforcement event of a response whose body is not rewritten.
fn finish_unrewritten(audit: Audit, response: Response<ProxyBody>) -> Response<ProxyBody> {
    if audit.has_cookie_actions() {
        audit.finish(None);
    }
    response
}

/// Whether a response with `status` may carry a body worth rewriting
/// (never 1xx, 204, 206 or 304).
fn rewritable(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::PARTIAL_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

/// The page's host (no port, lower case): tags from it are first party.
fn first_party(host: &HeaderValue) -> Option<String> {
    let authority: http::uri::Authority = host.to_str().ok()?.parse().ok()?;
    Some(authority.host().to_ascii_lowercase())
}

/// Why an HTML response that needs rewriting cannot be rewritten.
struct Refusal {
    kind: &'static str,
    reason: &'static str,
    message: &'static str,
}

type Coders = (Option<Decoder>, crate::rewrite::HtmlFilter, Option<Encoder>);

/// The decoder, filter and encoder for an HTML body, or why there are none.
fn html_body(
    policy: &Policy,
    granted: CategorySet,
    options: &FilterOptions,
    coding: Result<Coding, super::codec::UnsupportedCoding>,
) -> Result<Coders, Refusal> {
    let encoding_refusal = Refusal {
        kind: "encoding",
        reason: "unsupported or stacked Content-Encoding",
        message: "502 Bad Gateway: the page's content encoding is not supported\n",
    };
    let coding = coding.map_err(|_| encoding_refusal)?;
    let filter = policy
        .rewriter
        .filter(granted, options)
        .map_err(|e| match e {
            RewriteError::UnsupportedCharset(_) => Refusal {
                kind: "charset",
                reason: "charset not ASCII-compatible",
                message: "502 Bad Gateway: the page's charset is not supported\n",
            },
            RewriteError::MemoryLimit { .. } | RewriteError::Parser(_) => Refusal {
                kind: "parser",
                reason: "rewriter could not start",
                message: "502 Bad Gateway: the page could not be processed\n",
            },
        })?;
    let coders = Decoder::new(coding).and_then(|d| Ok((d, Encoder::new(coding)?)));
    let (decoder, encoder) = coders.map_err(|_| Refusal {
        kind: "encoding",
        reason: "content coder could not start",
        message: "502 Bad Gateway: the page's content encoding is not supported\n",
    })?;
    Ok((decoder, filter, encoder))
}

/// Decides consent from the request's cookies and `Sec-GPC`, and in enforce
/// mode withholds non-granted cookies from upstream (removing the header when
/// nothing remains). A `Cookie` header that is not UTF-8 is read lossily: its
/// unreadable values decide nothing (no consent), and if any cookie is
/// dropped the kept ones are forwarded from the lossy text.
fn request_cookies(
    state: &State,
    policy: &Policy,
    headers: &mut HeaderMap,
    enforce: bool,
) -> RequestCookieOutcome {
    let mut values = headers.get_all(COOKIE).iter();
    let (first, second) = (values.next(), values.next());
    let several = second.is_some();
    let text: Cow<'_, str> = match (first, second) {
        (None, _) => Cow::Borrowed(""),
        (Some(one), None) => String::from_utf8_lossy(one.as_bytes()),
        (Some(_), Some(_)) => Cow::Owned(
            headers
                .get_all(COOKIE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    let cookies = RequestCookies::parse(&text);
    let consent = policy.decide(&cookies, |name| {
        headers.get(name).and_then(|v| v.to_str().ok())
    });
    if cookies.is_empty() {
        return RequestCookieOutcome {
            consent,
            dropped: Vec::new(),
        };
    }
    let decision = policy.cookies.filter_request(&cookies, consent.granted);
    for name in &decision.unclassified {
        state.unclassified.count(name);
    }
    let mut dropped: Vec<String> = Vec::new();
    for verdict in &decision.dropped {
        observe::request_cookie_dropped(policy, verdict.category);
        if let Some(name) = verdict.name {
            if !dropped.iter().any(|d| d == name) {
                dropped.push(name.to_string());
            }
        }
    }
    let forward = decision.forward;
    // HTTP/2 clients may split cookies over several fields; HTTP/1.1
    // upstreams must get one header (RFC 9113, section 8.2.3).
    let joined = match text {
        Cow::Owned(text) if !text.is_empty() => Some(text),
        _ => None,
    };
    let forward = match (enforce, forward, joined) {
        (true, Some(kept), _) => Some(kept),
        (_, _, joined) => joined.filter(|_| several),
    };
    if let Some(forward) = forward {
        match forward.as_str() {
            "" => {
                headers.remove(COOKIE);
            }
            kept => match HeaderValue::from_str(kept) {
                Ok(value) => {
                    headers.insert(COOKIE, value);
                }
                Err(_) => {
                    headers.remove(COOKIE);
                }
            },
        }
    }
    RequestCookieOutcome { consent, dropped }
}

/// Decides every `Set-Cookie`; in enforce mode removes the stripped ones.
/// Returns whether the headers changed; stripped names go to `stripped`.
fn set_cookies(
    state: &State,
    policy: &Policy,
    granted: CategorySet,
    headers: &mut HeaderMap,
    enforce: bool,
    stripped: &mut Vec<String>,
) -> bool {
    if !headers.contains_key(SET_COOKIE) {
        return false;
    }
    let mut keep = Vec::new();
    for value in headers.get_all(SET_COOKIE) {
        let verdict = policy.cookies.decide_set_cookie(value.as_bytes(), granted);
        if let (true, Some(name)) = (verdict.is_unclassified(), verdict.name) {
            state.unclassified.count(name);
        }
        if !verdict.keep {
            observe::set_cookie_stripped(policy, verdict.category, verdict.name);
            stripped.push(verdict.name.unwrap_or("unclassified").to_string());
        }
        keep.push(verdict.keep);
    }
    if !enforce || stripped.is_empty() {
        return false;
    }
    let values: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    headers.remove(SET_COOKIE);
    for (value, keep) in values.into_iter().zip(keep) {
        if keep {
            headers.append(SET_COOKIE, value);
        }
    }
    true
}

//! One request through the proxy: decide consent once, filter the request's
//! cookies, forward, then apply the decisions to the response's headers and
//! body. Every decision comes from the policy core; this file only applies them.

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::header::{HeaderMap, HeaderName, HeaderValue, COOKIE, HOST, LINK, SET_COOKIE};
use http::{Method, Request, Response, StatusCode, Version};
use hyper::body::Incoming;

use super::body::{HtmlBody, ProxyBody};
use super::codec::{Coding, Decoder, Encoder};
use super::headers::{self, X_REQUEST_ID};
use super::observe::{self, Audit, RequestIds, UnclassifiedNames};
use super::own_pages;
use super::upgrade;
use super::upstream::Upstream;
use super::validators;
use crate::config::{CacheSafety, HostHeader, Mode, Policy, SharedPolicy};
use crate::discovery::{site_key, CookieSource, Discovery};
use crate::policy::category::{Category, CategorySet};
use crate::policy::consent::Consent;
use crate::policy::request_cookies::RequestCookies;
use crate::rewrite::placeholder::GrantForm;
use crate::rewrite::{link_header, FilterOptions, Report, RewriteError};

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
    /// What the site's traffic shows: cookie names and third parties.
    pub discovery: Arc<Discovery>,
}

/// A request extension: the request came over TLS terminated here.
#[derive(Clone, Copy, Debug)]
pub struct TlsConnection;

/// Handles one request from `client`; never fails (errors become 502/504 responses).
pub async fn handle(
    state: Arc<State>,
    client: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, Infallible> {
    let start = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let trace_id = trace_id(request.headers());
    let response = proxy(&state, client, request).await;
    let status = response.status();
    observe::request(status);
    tracing::debug!(
        target: "consentry::access",
        method = %method,
        path = uri.path(),
        status = status.as_u16(),
        duration_us = start.elapsed().as_micros() as u64,
        trace_id = trace_id.as_deref(),
        "request"
    );
    Ok(response)
}

/// The trace id of the request's W3C `traceparent` header, for the logs.
/// The trace-context headers themselves pass upstream untouched.
fn trace_id(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get("traceparent")?.to_str().ok()?;
    crate::telemetry::trace_id(value).map(str::to_owned)
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
    /// The raw `consentry` cookie, when present.
    consentry_cookie: Option<String>,
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
    if let Some(route) = policy.consent_ui.route(parts.uri.path()) {
        return own_pages::serve(&policy, &state.discovery, route, parts, body).await;
    }
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
    let trace_id = trace_id(&parts.headers);
    let mode = policy.mode_for(host.as_ref().and_then(|h| h.to_str().ok()), uri.path());
    let enforce = mode == Mode::Enforce;

    let site = site_key(host.as_ref().and_then(|h| h.to_str().ok()));
    let cookies = request_cookies(
        state,
        &policy,
        &mut parts.headers,
        enforce,
        &site,
        uri.path(),
    );
    let granted = cookies.consent.granted;
    let ui = UiPlan::new(&policy, &cookies, enforce, &uri, &parts.headers);
    let document_origin = document_origin(&policy, &parts, host.as_ref());
    let conditional = ui.active && validators::translate_request(&mut parts.headers, &ui.variant);

    headers::remove_hop_by_hop(&mut parts.headers);
    if let Some(protocol) = upgrade {
        headers::set_upgrade(&mut parts.headers, protocol);
    }
    let proto = if parts.extensions.get::<TlsConnection>().is_some() {
        "https"
    } else {
        "http"
    };
    headers::add_forwarded(&mut parts.headers, client.ip(), host.as_ref(), proto);
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
        trace_id,
        host,
        uri,
        mode,
        consent: cookies.consent,
        stripped_set_cookies: Vec::new(),
        dropped_cookies: cookies.dropped,
        discovery: Some((state.discovery.clone(), site.clone())),
    };
    let set_cookies_changed = set_cookies(
        state,
        &policy,
        (&site, audit.uri.path()),
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
    if html.is_some() && policy.rewriter.needs_rewrite(granted) {
        let first_party = audit.host.as_ref().and_then(first_party);
        link_headers(
            &policy,
            granted,
            first_party.as_deref(),
            &mut parts.headers,
            enforce,
        );
    }
    if ui.active && (html.is_some() || set_cookies_changed || expired > 0) {
        match policy.proxy.cache {
            CacheSafety::Vary => headers::add_vary(&mut parts.headers),
            CacheSafety::Private => headers::make_private(&mut parts.headers),
        }
    }
    let page = html.is_some() && rewritable(parts.status);
    if ui.active && (page || (conditional && parts.status == StatusCode::NOT_MODIFIED)) {
        validators::tag_response(&mut parts.headers, &ui.variant);
    }

    let html = html.filter(|_| !is_head && rewritable(parts.status));
    let Some(html) = html else {
        return finish_unrewritten(
            audit,
            Response::from_parts(parts, ProxyBody::Upstream(body)),
        );
    };
    let needs_rewrite = policy.rewriter.needs_rewrite(granted);
    let injection = ui.injection(&policy, &parts.headers);
    if !needs_rewrite && injection.is_none() {
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
        insert_after_body_open: injection.as_ref().and_then(|i| i.banner.clone()),
        placeholder_form: (enforce && needs_rewrite).then(|| ui.grant_form(&policy, granted)),
        // Discovery records the third parties the page loads.
        collect_references: true,
        document_origin,
    };
    if (injection.is_some() || options.placeholder_form.is_some())
        && policy.proxy.cache == CacheSafety::Vary
    {
        headers::add_vary_language(&mut parts.headers);
    }
    let coding = Coding::from_headers(&parts.headers);
    let only_ui = !needs_rewrite || !enforce;
    if let Some(injection) = injection.as_ref().filter(|_| only_ui) {
        // Only the consent UI changes this page (report-only, or every
        // category granted): if it cannot be decoded, it passes unchanged.
        return match html_body(&policy, granted, &options, coding) {
            Ok((decoder, filter, encoder)) => {
                headers::prepare_rewritten(&mut parts.headers);
                let body = HtmlBody::enforce(body, decoder, filter, encoder, audit);
                let body = injection.apply(body, &policy, granted, &options);
                Response::from_parts(parts, ProxyBody::Html(Box::new(body)))
            }
            Err(refusal) => {
                tracing::debug!(target: "consentry::proxy", reason = refusal.reason, "consent UI not injected");
                finish_unrewritten(
                    audit,
                    Response::from_parts(parts, ProxyBody::Upstream(body)),
                )
            }
        };
    }
    if enforce {
        match html_body(&policy, granted, &options, coding) {
            Ok((decoder, filter, encoder)) => {
                headers::prepare_rewritten(&mut parts.headers);
                let body = HtmlBody::enforce(body, decoder, filter, encoder, audit);
                let body = match injection {
                    Some(injection) => injection.apply(body, &policy, granted, &options),
                    None => body,
                };
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
/// The `Refresh` response header (not in `http`'s list).
static REFRESH: HeaderName = HeaderName::from_static("refresh");

/// Takes the preloads and hints of denied tags out of a page's `Link`
/// headers, and a `Refresh` to a denied page (a browser acts on them
/// before it reads the page), or only counts them in report-only mode.
fn link_headers(
    policy: &Policy,
    granted: CategorySet,
    first_party: Option<&str>,
    headers: &mut HeaderMap,
    enforce: bool,
) {
    let rules = policy.rewriter.rules();
    let mut report = Report::default();
    let refresh = headers
        .get(&REFRESH)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if let Some(denied) =
        refresh.and_then(|v| link_header::denied_refresh(rules, granted, first_party, &v))
    {
        report.enforcements.push(denied);
        if enforce {
            headers.remove(&REFRESH);
        }
    }
    if !headers.contains_key(LINK) {
        observe::tags(policy, &report);
        return;
    }
    let mut values = Vec::new();
    for value in headers.get_all(LINK) {
        let text = String::from_utf8_lossy(value.as_bytes());
        let judged = link_header::judge(rules, granted, first_party, &text);
        report.enforcements.extend(judged.enforcements);
        match judged.rewritten {
            None => values.push(value.clone()),
            Some(kept) if !kept.is_empty() => {
                values.extend(HeaderValue::from_str(&kept).ok());
            }
            Some(_) => {}
        }
    }
    observe::tags(policy, &report);
    if enforce {
        headers.remove(LINK);
        for value in values {
            headers.append(LINK, value);
        }
    }
}

/// The origin a browser sees the page at: the request's scheme (TLS here,
/// or a trusted `X-Forwarded-Proto` from a TLS-terminating edge) and host.
fn document_origin(
    policy: &Policy,
    parts: &http::request::Parts,
    host: Option<&HeaderValue>,
) -> Option<String> {
    let host = host?.to_str().ok()?;
    let forwarded_https = policy.consent_ui.trust_forwarded_proto
        && parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let https = parts.extensions.get::<TlsConnection>().is_some()
        || parts.uri.scheme_str() == Some("https")
        || forwarded_https;
    let scheme = if https { "https://" } else { "http://" };
    let mut origin = String::with_capacity(scheme.len() + host.len());
    origin.push_str(scheme);
    origin.push_str(host);
    origin[scheme.len()..].make_ascii_lowercase();
    Some(origin)
}

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
    site: &str,
    path: &str,
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
    let consentry_cookie = cookies
        .get(&policy.consent_ui.cookie_name)
        .map(str::to_string);
    if cookies.is_empty() {
        return RequestCookieOutcome {
            consent,
            consentry_cookie,
            dropped: Vec::new(),
        };
    }
    for (name, _) in cookies.iter() {
        state
            .discovery
            .cookie(site, name, CookieSource::SentByBrowser, path, || {
                category_name(policy, policy.cookies.classifier().classify(name))
            });
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
    RequestCookieOutcome {
        consent,
        consentry_cookie,
        dropped,
    }
}

fn category_name(policy: &Policy, category: Option<Category>) -> Option<String> {
    category.map(|c| policy.categories.name(c).to_string())
}

/// Decides every `Set-Cookie`; in enforce mode removes the stripped ones.
/// Returns whether the headers changed; stripped names go to `stripped`.
fn set_cookies(
    state: &State,
    policy: &Policy,
    (site, path): (&str, &str),
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
        if let Some(name) = verdict.name {
            state
                .discovery
                .cookie(site, name, CookieSource::SetBySite, path, || {
                    category_name(policy, verdict.category)
                });
        }
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

/// What the consent UI does to one request's page, decided from the request.
struct UiPlan {
    /// Whether the consent UI may change pages here (enforce mode, or
    /// report-only with `consent_ui.banner_in_report_only`).
    active: bool,
    /// The request calls for the banner.
    banner: bool,
    /// The request calls for the settings link.
    settings_link: bool,
    /// The consent variant of the page (see [`validators`]).
    variant: String,
    /// The page's path and query, when it is a safe return path.
    return_to: String,
    /// The request's `Accept-Language`.
    accept_language: Option<HeaderValue>,
}

/// The consent UI markup for one page.
struct Injection {
    /// The banner, inserted after `<body>`.
    banner: Option<Arc<str>>,
    /// Whether the banner waits for the consent-manager check (`banner = "auto"`).
    gated: bool,
    /// The settings link, appended at the end of the document.
    trailer: Option<bytes::Bytes>,
}

impl UiPlan {
    fn new(
        policy: &Policy,
        cookies: &RequestCookieOutcome,
        enforce: bool,
        uri: &http::Uri,
        headers: &HeaderMap,
    ) -> UiPlan {
        let ui = &policy.consent_ui;
        let consent = &cookies.consent;
        let active = enforce || ui.banner_in_report_only;
        // The banner and the link go into pages a browser navigates to,
        // never into HTML fragments fetched by scripts or framed pages.
        let navigation = match headers.get("sec-fetch-dest") {
            Some(dest) => dest.as_bytes() == b"document",
            None => !headers.contains_key("x-requested-with"),
        };
        let banner = active
            && navigation
            && ui.banner_needed(
                consent.source,
                consent.granted,
                cookies.consentry_cookie.as_deref(),
            );
        let settings_link = active
            && navigation
            && !banner
            && ui.settings_link
            && consent.source == crate::policy::consent::Source::Consentry;
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        UiPlan {
            active,
            banner,
            settings_link,
            variant: validators::variant(consent.granted, banner, settings_link),
            return_to: crate::consent_ui::form::safe_return(path).to_string(),
            accept_language: headers.get(http::header::ACCEPT_LANGUAGE).cloned(),
        }
    }

    fn language<'p>(&self, policy: &'p Policy) -> (&'p str, &'p crate::consent_ui::texts::Texts) {
        let accept = self.accept_language.as_ref().and_then(|v| v.to_str().ok());
        policy.consent_ui.language(accept)
    }

    /// The markup for this response, if any (`None` also when the page's
    /// Content-Security-Policy would block the banner: counted as `csp`).
    fn injection(&self, policy: &Policy, response: &HeaderMap) -> Option<Injection> {
        let ui = &policy.consent_ui;
        if self.banner {
            let csp = response
                .get_all(http::header::CONTENT_SECURITY_POLICY)
                .iter()
                .filter_map(|v| v.to_str().ok());
            if !crate::consent_ui::cmp::csp_allows_banner(csp) {
                observe::banner("csp");
                return None;
            }
            let (language, _) = self.language(policy);
            let html = ui.banner(language, &self.return_to);
            let gated = ui.banner == crate::consent_ui::BannerMode::Auto;
            if !gated {
                observe::banner("shown");
            }
            return Some(Injection {
                banner: Some(Arc::from(html)),
                gated,
                trailer: None,
            });
        }
        if self.settings_link {
            let (language, texts) = self.language(policy);
            let html =
                crate::consent_ui::markup::settings_link(ui, language, texts, &self.return_to);
            return Some(Injection {
                banner: None,
                gated: false,
                trailer: Some(bytes::Bytes::from(html)),
            });
        }
        None
    }

    /// The form a placeholder offers: current grants plus the embed's category.
    fn grant_form(&self, policy: &Policy, granted: CategorySet) -> Arc<GrantForm> {
        let ui = &policy.consent_ui;
        let (language, _) = self.language(policy);
        Arc::new(GrantForm {
            texts: ui.grant_texts(language),
            preferences: ui.preferences_url(&self.return_to),
            return_to: self.return_to.clone(),
            granted: policy
                .categories
                .names(granted.without(crate::policy::category::Category::NECESSARY))
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
    }
}

impl Injection {
    /// Adds the consent-manager gate and the trailer to `body`.
    fn apply(
        &self,
        body: HtmlBody,
        policy: &Policy,
        granted: CategorySet,
        options: &FilterOptions,
    ) -> HtmlBody {
        let mut body = body;
        if self.gated {
            let without = FilterOptions {
                insert_after_body_open: None,
                ..options.clone()
            };
            match policy.rewriter.filter(granted, &without) {
                Ok(filter) => body = body.with_banner_gate(filter),
                // The same options but the banner: cannot fail where the first did not.
                Err(_) => observe::banner("shown"),
            }
        }
        match &self.trailer {
            Some(trailer) => body.with_trailer(trailer.clone()),
            None => body,
        }
    }
}

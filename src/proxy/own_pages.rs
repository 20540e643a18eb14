//! Requests under the consent UI's prefix, answered by the proxy itself and
//! never forwarded: the consent endpoint, the preferences page, the
//! cookie policy and the stylesheet. What to answer is decided in [`crate::consent_ui`]; this
//! file reads the request and sends the response.

use std::time::Duration;

use bytes::Bytes;
use http::header::{
    HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, HOST,
    LOCATION, ORIGIN, REFERER, SET_COOKIE, USER_AGENT, X_CONTENT_TYPE_OPTIONS,
};
use http::{request, HeaderMap, Method, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::body::ProxyBody;
use super::observe;
use crate::config::Policy;
use crate::consent_ui::form::{self, FormError, Provenance};
use crate::consent_ui::records::{now_rfc3339, Record};
use crate::consent_ui::{markup, Route, STYLESHEET};
use crate::policy::consent::consentry;
use crate::policy::request_cookies::RequestCookies;

/// How long a client may take to send a consent form.
const FORM_TIMEOUT: Duration = Duration::from_secs(10);

/// The policy of the pages we serve: our stylesheet and our own forms only.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

/// Answers one request under the prefix.
pub async fn serve(
    policy: &Policy,
    discovery: &crate::discovery::Discovery,
    route: Route,
    parts: request::Parts,
    body: Incoming,
) -> Response<ProxyBody> {
    let method = parts.method.clone();
    match (route, &method) {
        (Route::Consent, &Method::POST) => post_consent(policy, &parts, body).await,
        (Route::Consent, &Method::GET | &Method::HEAD) => consent_json(policy, &parts.headers),
        (Route::Preferences, &Method::GET | &Method::HEAD) => preferences(policy, &parts),
        (Route::Stylesheet, &Method::GET | &Method::HEAD) => stylesheet(),
        (Route::Policy, &Method::GET | &Method::HEAD) => policy_page(policy, discovery, &parts),
        (Route::NotFound, _) => text(StatusCode::NOT_FOUND, "404 Not Found\n"),
        (Route::Consent, _) => method_not_allowed("GET, HEAD, POST"),
        (Route::Preferences | Route::Stylesheet | Route::Policy, _) => {
            method_not_allowed("GET, HEAD")
        }
    }
}

fn text(status: StatusCode, message: &'static str) -> Response<ProxyBody> {
    let mut response = Response::new(ProxyBody::text(message));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn method_not_allowed(allow: &'static str) -> Response<ProxyBody> {
    let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed\n");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// Refuses a consent POST: counted, and nothing set.
fn refuse(status: StatusCode, reason: &'static str, message: &'static str) -> Response<ProxyBody> {
    observe::consent_refused(reason);
    text(status, message)
}

fn full(content_type: &'static str, body: impl Into<Bytes>) -> Response<ProxyBody> {
    let mut response = Response::new(ProxyBody::Full(Some(body.into())));
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn header(headers: &HeaderMap, name: impl http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request's cookies as one string (several `Cookie` fields joined).
fn cookie_text(headers: &HeaderMap) -> String {
    headers
        .get_all(COOKIE)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn consent_json(policy: &Policy, headers: &HeaderMap) -> Response<ProxyBody> {
    let cookies = cookie_text(headers);
    let cookies = RequestCookies::parse(&cookies);
    let signals = policy.signals(&cookies, |name| header(headers, name));
    let mut json = crate::consent_ui::explain_json(policy, &policy.consent.explain(&signals));
    json["revision"] = policy.consent_ui.revision.clone().into();
    let body = serde_json::to_vec_pretty(&json).expect("JSON values serialize");
    full("application/json", body)
}

fn page(html: String) -> Response<ProxyBody> {
    let mut response = full("text/html; charset=utf-8", html);
    response
        .headers_mut()
        .insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    response
}

/// The `return` query parameter, made safe.
fn return_param(query: Option<&str>) -> String {
    let raw = query.and_then(|q| {
        q.split('&').find_map(|pair| {
            let value = pair.strip_prefix("return=")?;
            percent_encoding::percent_decode_str(&value.replace('+', " "))
                .decode_utf8()
                .ok()
                .map(|v| v.into_owned())
        })
    });
    form::safe_return(raw.as_deref().unwrap_or("/")).to_string()
}

fn preferences(policy: &Policy, parts: &request::Parts) -> Response<ProxyBody> {
    let ui = &policy.consent_ui;
    let cookies = cookie_text(&parts.headers);
    let cookies = RequestCookies::parse(&cookies);
    let consent = policy.decide(&cookies, |name| header(&parts.headers, name));
    let (language, texts) = ui.language(header(&parts.headers, http::header::ACCEPT_LANGUAGE));
    let return_to = return_param(parts.uri.query());
    page(markup::preferences_page(
        ui,
        language,
        texts,
        consent.granted,
        &return_to,
    ))
}

/// The cookie policy in the visitor's language (`?lang=` or
/// `Accept-Language`), with what was discovered on this site host.
fn policy_page(
    policy: &Policy,
    discovery: &crate::discovery::Discovery,
    parts: &request::Parts,
) -> Response<ProxyBody> {
    let asked = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("lang="))
            .and_then(|l| {
                crate::policy_doc::texts::LANGUAGES
                    .iter()
                    .find(|k| **k == l)
            })
            .copied()
    });
    let language = asked
        .or_else(|| {
            crate::consent_ui::texts::negotiate(
                header(&parts.headers, http::header::ACCEPT_LANGUAGE),
                &crate::policy_doc::texts::LANGUAGES,
            )
        })
        .unwrap_or_else(|| {
            let default = policy.consent_ui.default_language();
            if crate::policy_doc::texts::texts(default).is_some() {
                default
            } else {
                "en"
            }
        });
    let site = crate::discovery::site_key(
        header(&parts.headers, HOST).or_else(|| parts.uri.authority().map(|a| a.as_str())),
    );
    let observed = discovery.site_snapshot(&site);
    match crate::policy_doc::build(policy, Some(&observed), language) {
        Ok(doc) => page(crate::policy_doc::render(
            &doc,
            crate::policy_doc::Format::Html,
            false,
        )),
        Err(_) => text(StatusCode::NOT_FOUND, "404 Not Found\n"),
    }
}

fn stylesheet() -> Response<ProxyBody> {
    let mut response = full(
        "text/css; charset=utf-8",
        Bytes::from_static(STYLESHEET.as_bytes()),
    );
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// Whether the request reached us over HTTPS (its scheme, or a trusted
/// `X-Forwarded-Proto` from a TLS-terminating edge).
fn is_https(policy: &Policy, parts: &request::Parts) -> bool {
    parts.uri.scheme_str() == Some("https")
        || (policy.consent_ui.trust_forwarded_proto
            && header(&parts.headers, "x-forwarded-proto")
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

async fn post_consent(
    policy: &Policy,
    parts: &request::Parts,
    body: Incoming,
) -> Response<ProxyBody> {
    let ui = &policy.consent_ui;
    let h = &parts.headers;
    let host = header(h, HOST).or_else(|| parts.uri.authority().map(|a| a.as_str()));
    let provenance = Provenance {
        fetch_site: header(h, "sec-fetch-site"),
        origin: header(h, ORIGIN),
        referer: header(h, REFERER),
        host,
    };
    if form::is_cross_site(&provenance) {
        return refuse(
            StatusCode::FORBIDDEN,
            "cross_site",
            "403 Forbidden: consent must be given on this site\n",
        );
    }
    let form_type = header(h, CONTENT_TYPE)
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            "415 Unsupported Media Type: send application/x-www-form-urlencoded\n",
        );
    }
    let collected =
        tokio::time::timeout(FORM_TIMEOUT, Limited::new(body, form::MAX_BODY).collect()).await;
    let bytes = match collected {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "413 Payload Too Large\n",
            )
        }
        Ok(Err(_)) => return refuse(StatusCode::BAD_REQUEST, "body", "400 Bad Request\n"),
        Err(_) => {
            return refuse(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "408 Request Timeout\n",
            )
        }
    };
    let posted = match form::parse(&bytes, &ui.categories) {
        Ok(posted) => posted,
        Err(FormError::TooLarge) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "413 Payload Too Large\n",
            )
        }
        Err(e) => {
            tracing::debug!(target: "consentry::consent", error = %e, "consent form refused");
            return refuse(
                StatusCode::BAD_REQUEST,
                "bad_form",
                "400 Bad Request: not a valid consent form\n",
            );
        }
    };

    let cookie_header = cookie_text(h);
    let cookies = RequestCookies::parse(&cookie_header);
    let previous = cookies.get(&ui.cookie_name);
    let stamp = ui.stamp(previous);
    let value = consentry::encode(posted.granted, &ui.categories, &stamp);
    let secure = if is_https(policy, parts) {
        "; Secure"
    } else {
        ""
    };
    let set_cookie = format!(
        "{}={value}; Path=/; Max-Age={}; SameSite=Lax{secure}",
        ui.cookie_name, ui.max_age
    );

    let mut response = Response::new(ProxyBody::Full(None));
    *response.status_mut() = StatusCode::SEE_OTHER;
    let out = response.headers_mut();
    out.insert(
        LOCATION,
        HeaderValue::from_str(&posted.return_to).unwrap_or(HeaderValue::from_static("/")),
    );
    out.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match HeaderValue::from_str(&set_cookie) {
        Ok(v) => {
            out.append(SET_COOKIE, v);
        }
        Err(_) => return refuse(StatusCode::BAD_REQUEST, "bad_form", "400 Bad Request\n"),
    }
    // Withdrawal: expire the cookies of categories no longer granted.
    let decision = policy.cookies.filter_request(&cookies, posted.granted);
    let mut expired = 0;
    let mut seen: Vec<&str> = Vec::new();
    for name in decision.dropped.iter().filter_map(|v| v.name) {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        for expiry in policy.cookies.expiry_headers(name) {
            if let Ok(v) = HeaderValue::from_str(&expiry) {
                out.append(SET_COOKIE, v);
                expired += 1;
            }
        }
    }
    if expired > 0 {
        observe::withdrawal_expiries(expired);
    }

    let language = posted
        .language
        .as_deref()
        .filter(|l| ui.texts(l).is_some())
        .unwrap_or_else(|| ui.language(header(h, http::header::ACCEPT_LANGUAGE)).0);
    let categories = &policy.categories;
    let record = Record {
        event: "consent",
        time: now_rfc3339(),
        consent_id: &stamp.consent_id,
        choice: posted.choice.name(),
        granted: categories.names(posted.granted),
        denied: categories.names(categories.all().difference(posted.granted)),
        revision: &stamp.revision,
        language,
        path: posted.return_to.split('#').next().unwrap_or("/"),
        user_agent: header(h, USER_AGENT).filter(|_| ui.records_user_agent),
    };
    if let Err(e) = ui.records.write(&record) {
        observe::consent_record_error();
        tracing::error!(target: "consentry::consent", error = %e, "could not write the consent record");
    }
    observe::consent_decision(policy, posted.choice.name(), posted.granted);
    response
}

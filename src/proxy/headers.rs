//! Header surgery: hop-by-hop removal, forwarding headers, cache safety and
//! the fixes a rewritten body needs. Pure functions over [`HeaderMap`]s.

use std::net::IpAddr;

use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT_RANGES, CACHE_CONTROL, CONNECTION, CONTENT_LENGTH,
    CONTENT_TYPE, ETAG, FORWARDED, TE, TRAILER, TRANSFER_ENCODING, UPGRADE, VARY,
};

/// `X-Forwarded-For`.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Proto`.
pub const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
/// `X-Forwarded-Host`.
pub const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// `X-Request-Id`.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");

/// Removes the hop-by-hop headers: `Connection` and every header it names,
/// `Keep-Alive`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade` and every `Proxy-*`.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let fixed_names = [KEEP_ALIVE, TE, TRAILER, TRANSFER_ENCODING, UPGRADE];
    // One pass over the names, no hashing, finds what is there to remove
    // (most messages hold `Connection` at most).
    let mut fixed = [false; 5];
    let mut connection = false;
    let mut proxy = false;
    for name in headers.keys() {
        if *name == CONNECTION {
            connection = true;
        } else if let Some(i) = fixed_names.iter().position(|f| f == name) {
            fixed[i] = true;
        } else {
            proxy |= name.as_str().starts_with("proxy-");
        }
    }
    if connection {
        let named: Vec<HeaderName> = headers
            .get_all(CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
            .collect();
        for name in named {
            headers.remove(name);
        }
        headers.remove(CONNECTION);
    }
    for (name, present) in fixed_names.into_iter().zip(fixed) {
        if present {
            headers.remove(name);
        }
    }
    if proxy {
        let proxy: Vec<HeaderName> = headers
            .keys()
            .filter(|k| k.as_str().starts_with("proxy-"))
            .cloned()
            .collect();
        for name in proxy {
            headers.remove(name);
        }
    }
}

/// The `Upgrade` protocol an HTTP/1.1 request asks for (`Connection: upgrade` plus `Upgrade`).
pub fn requested_upgrade(headers: &HeaderMap) -> Option<HeaderValue> {
    let asks = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    asks.then(|| headers.get(UPGRADE).cloned()).flatten()
}

/// Puts `Connection: upgrade` and `Upgrade: protocol` back after hop-by-hop removal.
pub fn set_upgrade(headers: &mut HeaderMap, protocol: HeaderValue) {
    headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(UPGRADE, protocol);
}

/// Adds the forwarding headers for a request from `client` that asked for
/// `host` over `proto` (`http` or `https`): appends to `X-Forwarded-For` and
/// `Forwarded`, and sets `X-Forwarded-Proto` and `X-Forwarded-Host` unless a
/// proxy in front already did (with TLS terminated here, `X-Forwarded-Proto`
/// is always `https`).
pub fn add_forwarded(
    headers: &mut HeaderMap,
    client: IpAddr,
    host: Option<&HeaderValue>,
    proto: &'static str,
) {
    let ip = client.to_string();
    append_list(headers, X_FORWARDED_FOR, &ip);
    let node = match client {
        IpAddr::V4(_) => ip,
        IpAddr::V6(_) => format!("\"[{ip}]\""),
    };
    let host_param = host
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['"', '\\']))
        .map(|h| format!(";host=\"{h}\""))
        .unwrap_or_default();
    append_list(
        headers,
        FORWARDED,
        &format!("for={node}{host_param};proto={proto}"),
    );
    if proto == "https" || !headers.contains_key(X_FORWARDED_PROTO) {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    }
    if let Some(host) = host {
        if !headers.contains_key(X_FORWARDED_HOST) {
            headers.insert(X_FORWARDED_HOST, host.clone());
        }
    }
}

/// Appends `item` to the comma-separated list in header `name`, merging
/// multiple existing lines into one.
fn append_list(headers: &mut HeaderMap, name: HeaderName, item: &str) {
    let mut joined = String::new();
    for value in headers.get_all(&name) {
        joined.push_str(&String::from_utf8_lossy(value.as_bytes()));
        joined.push_str(", ");
    }
    joined.push_str(item);
    match HeaderValue::from_str(&joined) {
        Ok(value) => {
            headers.insert(name, value);
        }
        Err(_) => {
            // An existing value we cannot carry over: keep only our own entry.
            if let Ok(value) = HeaderValue::from_str(item) {
                headers.insert(name, value);
            }
        }
    }
}

/// Makes a consent-dependent response cache-safe with `Vary: Cookie, Sec-GPC`,
/// merged into any existing `Vary` (left alone when it already is `*`).
pub fn add_vary(headers: &mut HeaderMap) {
    let (mut cookie, mut gpc) = (false, false);
    for token in headers
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
    {
        if token == "*" {
            return;
        }
        cookie |= token.eq_ignore_ascii_case("cookie");
        gpc |= token.eq_ignore_ascii_case("sec-gpc");
    }
    let missing = match (cookie, gpc) {
        (true, true) => return,
        (false, false) => "Cookie, Sec-GPC",
        (false, true) => "Cookie",
        (true, false) => "Sec-GPC",
    };
    if headers.contains_key(VARY) {
        append_list(headers, VARY, missing);
    } else {
        headers.insert(VARY, HeaderValue::from_static(missing));
    }
}

/// Adds `Accept-Language` to `Vary` (a response carrying consent UI texts
/// in the visitor's language), unless it is there or `Vary` is `*`.
pub fn add_vary_language(headers: &mut HeaderMap) {
    let present = headers
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.eq_ignore_ascii_case("accept-language"));
    if present {
        return;
    }
    if headers.contains_key(VARY) {
        append_list(headers, VARY, "Accept-Language");
    } else {
        headers.insert(VARY, HeaderValue::from_static("Accept-Language"));
    }
}

/// Makes a consent-dependent response cache-safe with `Cache-Control: private`:
/// `public` and `s-maxage` are dropped, other directives kept; a response
/// already `private` or `no-store` is left alone.
pub fn make_private(headers: &mut HeaderMap) {
    let directives: Vec<String> = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let name = |d: &str| {
        d.split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    if directives
        .iter()
        .any(|d| matches!(name(d).as_str(), "private" | "no-store"))
    {
        return;
    }
    let mut value = String::from("private");
    for d in directives
        .iter()
        .filter(|d| !matches!(name(d).as_str(), "public" | "s-maxage"))
    {
        value.push_str(", ");
        value.push_str(d);
    }
    let value =
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("private"));
    headers.insert(CACHE_CONTROL, value);
}

/// Fixes the headers of a response whose body is rewritten: no
/// `Content-Length` (the body streams), a strong `ETag` made weak, no `Accept-Ranges`.
pub fn prepare_rewritten(headers: &mut HeaderMap) {
    headers.remove(CONTENT_LENGTH);
    headers.remove(ACCEPT_RANGES);
    if let Some(etag) = headers.get(ETAG) {
        if etag.as_bytes().starts_with(b"\"") {
            let mut weak = b"W/".to_vec();
            weak.extend_from_slice(etag.as_bytes());
            match HeaderValue::from_bytes(&weak) {
                Ok(value) => {
                    headers.insert(ETAG, value);
                }
                Err(_) => {
                    headers.remove(ETAG);
                }
            }
        }
    }
}

/// An HTML media type and its charset parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HtmlMedia {
    /// The `charset` parameter, unquoted.
    pub charset: Option<String>,
}

/// The HTML media type of a response, decided by `Content-Type` only:
/// `text/html` or `application/xhtml+xml`.
pub fn html_media(headers: &HeaderMap) -> Option<HtmlMedia> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let mut parts = value.split(';');
    let essence = parts.next()?.trim();
    if !essence.eq_ignore_ascii_case("text/html")
        && !essence.eq_ignore_ascii_case("application/xhtml+xml")
    {
        return None;
    }
    let charset = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    });
    Some(HtmlMedia { charset })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn hop_by_hop_headers_are_removed() {
        let mut h = map(&[
            ("connection", "keep-alive, X-Secret"),
            ("x-secret", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("trailer", "x"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("proxy-authorization", "Basic x"),
            ("proxy-foo", "1"),
            ("x-keep", "1"),
        ]);
        remove_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h.contains_key("x-keep"));

        // Each without `Connection`, and a message with none at all.
        for name in [
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "keep-alive",
            "proxy-x",
        ] {
            let mut h = map(&[("x-keep", "1"), (name, "1"), ("x-also", "2")]);
            remove_hop_by_hop(&mut h);
            assert_eq!(h.len(), 2, "{name}: {h:?}");
            assert!(!h.contains_key(name));
        }
        let mut h = map(&[("x-keep", "1"), ("host", "example.com")]);
        remove_hop_by_hop(&mut h);
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn upgrade_is_detected() {
        let h = map(&[
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
        ]);
        assert_eq!(requested_upgrade(&h).unwrap(), "websocket");
        assert!(requested_upgrade(&map(&[("upgrade", "websocket")])).is_none());
    }

    #[test]
    fn forwarded_headers_append() {
        let mut h = map(&[("x-forwarded-for", "10.0.0.1")]);
        let host = HeaderValue::from_static("example.com:8080");
        add_forwarded(&mut h, "127.0.0.1".parse().unwrap(), Some(&host), "http");
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["x-forwarded-host"], "example.com:8080");
        assert_eq!(
            h["forwarded"],
            "for=127.0.0.1;host=\"example.com:8080\";proto=http"
        );
        let mut h = HeaderMap::new();
        add_forwarded(&mut h, "::1".parse().unwrap(), None, "http");
        assert_eq!(h["forwarded"], "for=\"[::1]\";proto=http");
        // TLS terminated here: a client's own X-Forwarded-Proto is replaced.
        let mut h = map(&[("x-forwarded-proto", "http")]);
        add_forwarded(&mut h, "::1".parse().unwrap(), None, "https");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["forwarded"], "for=\"[::1]\";proto=https");
    }

    #[test]
    fn vary_is_merged() {
        let mut h = map(&[("vary", "Accept-Encoding")]);
        add_vary(&mut h);
        assert_eq!(h["vary"], "Accept-Encoding, Cookie, Sec-GPC");
        add_vary(&mut h);
        assert_eq!(h.get_all("vary").iter().count(), 1);
        let mut h = map(&[("vary", "cookie")]);
        add_vary(&mut h);
        assert_eq!(h["vary"], "cookie, Sec-GPC");
        let mut h = map(&[("vary", "*")]);
        add_vary(&mut h);
        assert_eq!(h["vary"], "*");
        let mut h = HeaderMap::new();
        add_vary(&mut h);
        assert_eq!(h["vary"], "Cookie, Sec-GPC");
    }

    #[test]
    fn private_replaces_public() {
        let mut h = map(&[("cache-control", "public, max-age=60, s-maxage=600")]);
        make_private(&mut h);
        assert_eq!(h["cache-control"], "private, max-age=60");
        let mut h = map(&[("cache-control", "no-store")]);
        make_private(&mut h);
        assert_eq!(h["cache-control"], "no-store");
    }

    #[test]
    fn rewritten_headers() {
        let mut h = map(&[
            ("content-length", "10"),
            ("etag", "\"abc\""),
            ("accept-ranges", "bytes"),
        ]);
        prepare_rewritten(&mut h);
        assert_eq!(h.len(), 1);
        assert_eq!(h["etag"], "W/\"abc\"");
        let mut h = map(&[("etag", "W/\"abc\"")]);
        prepare_rewritten(&mut h);
        assert_eq!(h["etag"], "W/\"abc\"");
    }

    #[test]
    fn html_is_decided_by_content_type() {
        let html = |v: &str| html_media(&map(&[("content-type", v)]));
        assert_eq!(html("text/html"), Some(HtmlMedia { charset: None }));
        assert_eq!(
            html("Text/HTML; Charset=\"ISO-8859-1\"").unwrap().charset,
            Some("ISO-8859-1".into())
        );
        assert!(html("application/xhtml+xml").is_some());
        assert!(html("text/plain").is_none());
        assert!(html("application/javascript").is_none());
        assert!(html_media(&HeaderMap::new()).is_none());
    }
}

//! Per-request mode: `[[mode_override]]` entries matched on the request's
//! host and path, compiled once. The first matching entry decides; with
//! none, the top-level `mode` applies.

use super::Mode;

/// One compiled `[[mode_override]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeOverride {
    /// Lower-case host; a leading `.` matches that domain and its subdomains.
    pub host: Option<String>,
    /// The path must start with this.
    pub path_prefix: Option<String>,
    /// The mode for matching requests.
    pub mode: Mode,
}

impl ModeOverride {
    /// Whether a request for `host` (any case, port allowed) and `path` matches.
    fn matches(&self, host: Option<&str>, path: &str) -> bool {
        let host_ok = match (&self.host, host) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(host)) => host_matches(want, strip_port(host)),
        };
        host_ok
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
    }
}

/// The mode for a request to `host` (the `Host` header, if any) and
/// `path`: the first matching override's, else `default`.
pub fn resolve(overrides: &[ModeOverride], default: Mode, host: Option<&str>, path: &str) -> Mode {
    overrides
        .iter()
        .find(|o| o.matches(host, path))
        .map_or(default, |o| o.mode)
}

/// `host` without a `:port` suffix (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// Exact (case-insensitive) match, or for `.example.com` the domain itself
/// and any subdomain.
fn host_matches(want: &str, host: &str) -> bool {
    match want.strip_prefix('.') {
        Some(domain) => {
            host.eq_ignore_ascii_case(domain)
                || (host.len() > want.len()
                    && host.as_bytes()[host.len() - want.len()..]
                        .eq_ignore_ascii_case(want.as_bytes()))
        }
        None => host.eq_ignore_ascii_case(want),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides() -> Vec<ModeOverride> {
        vec![
            ModeOverride {
                host: Some("shop.example.com".into()),
                path_prefix: Some("/checkout".into()),
                mode: Mode::Enforce,
            },
            ModeOverride {
                host: Some(".example.com".into()),
                path_prefix: None,
                mode: Mode::ReportOnly,
            },
            ModeOverride {
                host: None,
                path_prefix: Some("/beta/".into()),
                mode: Mode::ReportOnly,
            },
        ]
    }

    #[test]
    fn first_match_wins_else_the_default() {
        let o = overrides();
        let mode = |host, path| resolve(&o, Mode::Enforce, host, path);
        assert_eq!(
            mode(Some("shop.example.com"), "/checkout/pay"),
            Mode::Enforce
        );
        assert_eq!(mode(Some("SHOP.example.com:8443"), "/"), Mode::ReportOnly);
        assert_eq!(mode(Some("example.com"), "/"), Mode::ReportOnly);
        assert_eq!(mode(Some("notexample.com"), "/"), Mode::Enforce);
        assert_eq!(mode(Some("other.test"), "/beta/x"), Mode::ReportOnly);
        assert_eq!(mode(Some("other.test"), "/beta"), Mode::Enforce);
        assert_eq!(mode(None, "/"), Mode::Enforce);
        assert_eq!(mode(Some("ünïcode.example.com"), "/"), Mode::ReportOnly);
        assert_eq!(mode(Some("é"), "/"), Mode::Enforce);
        assert_eq!(mode(Some("[::1]:80"), "/beta/"), Mode::ReportOnly);
    }

    #[test]
    fn ports_are_ignored() {
        assert_eq!(strip_port("a.test:80"), "a.test");
        assert_eq!(strip_port("a.test"), "a.test");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("[::1]"), "[::1]");
    }
}

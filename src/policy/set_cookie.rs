//! Cookie decisions: which `Set-Cookie` headers to keep, which request
//! cookies to withhold from upstream, and which to expire on withdrawal.

use super::category::{Category, CategorySet};
use super::cookies::CookieClassifier;
use super::request_cookies::RequestCookies;

/// What to do with cookies no catalogue entry classifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unclassified {
    /// Let them through (and count them, so an operator can classify them).
    Keep,
    /// Treat them as not granted.
    Strip,
}

/// The verdict on one cookie name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookieVerdict<'a> {
    /// The cookie's name (`None` when a `Set-Cookie` value has no readable name).
    pub name: Option<&'a str>,
    /// Its category, when classified.
    pub category: Option<Category>,
    /// Whether it may pass.
    pub keep: bool,
}

impl CookieVerdict<'_> {
    /// Whether no catalogue entry classified the cookie.
    pub fn is_unclassified(&self) -> bool {
        self.category.is_none()
    }
}

/// What to do with a request's `Cookie` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestCookieDecision<'a> {
    /// The header to send upstream: `None` to forward it unchanged,
    /// `Some("")` to send no `Cookie` header at all.
    pub forward: Option<String>,
    /// Every cookie that was withheld, in header order.
    pub dropped: Vec<CookieVerdict<'a>>,
    /// Unclassified cookie names seen (kept or not).
    pub unclassified: Vec<&'a str>,
}

/// Compiled cookie rules.
#[derive(Debug, Clone)]
pub struct CookieRules {
    classifier: CookieClassifier,
    unclassified: Unclassified,
    site_domains: Vec<String>,
}

/// The attributes that expire a cookie at once.
const EXPIRED: &str = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/";

impl CookieRules {
    /// Rules classifying with `classifier`, treating unclassified cookies per
    /// `unclassified`, and expiring withdrawn cookies for the host and each of
    /// `site_domains`.
    pub fn new(
        classifier: CookieClassifier,
        unclassified: Unclassified,
        site_domains: Vec<String>,
    ) -> Self {
        CookieRules {
            classifier,
            unclassified,
            site_domains,
        }
    }

    /// The classifier in use.
    pub fn classifier(&self) -> &CookieClassifier {
        &self.classifier
    }

    /// The verdict on cookie `name` under `granted`.
    pub fn verdict<'a>(&self, name: &'a str, granted: CategorySet) -> CookieVerdict<'a> {
        let category = self.classifier.classify(name);
        let keep = match category {
            Some(c) => c == Category::NECESSARY || granted.contains(c),
            None => self.unclassified == Unclassified::Keep,
        };
        CookieVerdict {
            name: Some(name),
            category,
            keep,
        }
    }

    /// The verdict on one `Set-Cookie` header value.
    ///
    /// A value that does not parse is stripped unless its name (the text
    /// before the first `=`) is classified `necessary`.
    pub fn decide_set_cookie<'a>(
        &self,
        value: &'a [u8],
        granted: CategorySet,
    ) -> CookieVerdict<'a> {
        // Only the name-value pair can make a value unparseable: attributes
        // the `cookie` crate does not understand are ignored, so they are
        // not parsed here (an `Expires` date costs more than the rest).
        let parsed_name = std::str::from_utf8(value)
            .ok()
            .and_then(|text| cookie::Cookie::parse(name_value_pair(text)).ok())
            .and_then(|_| set_cookie_name(value));
        match parsed_name {
            Some(name) => self.verdict(name, granted),
            None => {
                let name = set_cookie_name(value);
                let category = name.and_then(|n| self.classifier.classify(n));
                CookieVerdict {
                    name,
                    category,
                    keep: category == Some(Category::NECESSARY),
                }
            }
        }
    }

    /// Which of a request's cookies go upstream under `granted`.
    pub fn filter_request<'a>(
        &self,
        cookies: &RequestCookies<'a>,
        granted: CategorySet,
    ) -> RequestCookieDecision<'a> {
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        let mut unclassified = Vec::new();
        for (name, raw) in cookies.iter_raw() {
            let verdict = self.verdict(name, granted);
            if verdict.is_unclassified() {
                unclassified.push(name);
            }
            if verdict.keep {
                kept.push(raw);
            } else {
                dropped.push(verdict);
            }
        }
        let forward = (!dropped.is_empty()).then(|| kept.join("; "));
        RequestCookieDecision {
            forward,
            dropped,
            unclassified,
        }
    }

    /// `Set-Cookie` values that delete cookie `name` in the browser: one for
    /// the host and one per configured site domain. `__Host-` cookies get
    /// only the host variant and, like `__Secure-` ones, the `Secure` flag.
    pub fn expiry_headers(&self, name: &str) -> Vec<String> {
        let secure = if name.starts_with("__Secure-") || name.starts_with("__Host-") {
            "; Secure"
        } else {
            ""
        };
        let mut headers = vec![format!("{name}={EXPIRED}{secure}")];
        if !name.starts_with("__Host-") {
            for domain in &self.site_domains {
                headers.push(format!("{name}={EXPIRED}; Domain={domain}{secure}"));
            }
        }
        headers
    }
}

/// The `name=value` pair a `Set-Cookie` value starts with.
fn name_value_pair(text: &str) -> &str {
    text.split(';').next().unwrap_or(text)
}

/// The name in a `Set-Cookie` value: the trimmed text before the first `=`,
/// when it is non-empty printable ASCII without separators.
fn set_cookie_name(value: &[u8]) -> Option<&str> {
    let end = memchr::memchr(b'=', value)?;
    let end = memchr::memchr(b';', &value[..end]).map_or(end, |_| 0);
    let name = std::str::from_utf8(&value[..end]).ok()?.trim();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    valid.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::cookies::{CookieEntry, NameMatch};

    fn rules(unclassified: Unclassified) -> CookieRules {
        let entries = [
            ("_ga", Category::ANALYTICS),
            ("_fbp", Category::MARKETING),
            ("sessionid", Category::NECESSARY),
            ("lang", Category::PREFERENCES),
        ]
        .map(|(n, c)| CookieEntry {
            name: NameMatch::Exact(n.into()),
            category: c,
        });
        CookieRules::new(
            CookieClassifier::new(&entries).unwrap(),
            unclassified,
            vec![".example.com".into()],
        )
    }

    const NONE: CategorySet = CategorySet::NECESSARY_ONLY;

    #[test]
    fn set_cookie_table() {
        let r = rules(Unclassified::Keep);
        let analytics = NONE.with(Category::ANALYTICS);
        let cases: &[(&[u8], CategorySet, Option<&str>, bool)] = &[
            (
                b"_ga=GA1.2.3; Path=/; Max-Age=63072000",
                NONE,
                Some("_ga"),
                false,
            ),
            (b"_ga=GA1.2.3; Path=/", analytics, Some("_ga"), true),
            (
                b"sessionid=abc; HttpOnly; Secure; SameSite=Lax",
                NONE,
                Some("sessionid"),
                true,
            ),
            (
                b"_fbp=fb.1.2; Domain=.example.com",
                analytics,
                Some("_fbp"),
                false,
            ),
            (b"unknown=1", NONE, Some("unknown"), true),
            // unparseable values: stripped unless necessary
            (b"no-equals-sign", NONE, None, false),
            (b"=novalue", NONE, None, false),
            (b"sessionid=\xff\xfe", NONE, Some("sessionid"), true),
            (b"_ga=\xff", analytics, Some("_ga"), false),
            (b"", NONE, None, false),
        ];
        for (value, granted, name, keep) in cases {
            let v = r.decide_set_cookie(value, *granted);
            assert_eq!(
                (v.name, v.keep),
                (*name, *keep),
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
        let strict = rules(Unclassified::Strip);
        assert!(!strict.decide_set_cookie(b"unknown=1", NONE).keep);
    }

    #[test]
    fn the_name_value_pair_parses_as_the_whole_value_does() {
        let values = [
            "_ga=GA1.2.3; Path=/; Max-Age=63072000",
            "a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure",
            "a=b; Expires=not a date; Max-Age=-1; SameSite=Bogus",
            "a=b; ; ;=; Domain=; Partitioned",
            "a=; HttpOnly",
            " a = b ;path=/",
            "=b; Path=/",
            " =b",
            "no-pair; a=b",
            "",
            ";a=b",
            "a=b=c;d",
        ];
        for value in values {
            assert_eq!(
                cookie::Cookie::parse(name_value_pair(value)).is_ok(),
                cookie::Cookie::parse(value).is_ok(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn request_cookies_are_filtered_and_raw_values_kept() {
        let r = rules(Unclassified::Keep);
        let cookies = RequestCookies::parse("sessionid=\"q\"; _ga=1; other=2; _fbp=3");
        let d = r.filter_request(&cookies, NONE);
        assert_eq!(d.forward.as_deref(), Some("sessionid=\"q\"; other=2"));
        let names: Vec<_> = d.dropped.iter().map(|v| v.name.unwrap()).collect();
        assert_eq!(names, ["_ga", "_fbp"]);
        assert_eq!(d.unclassified, ["other"]);

        let all = NONE.with(Category::ANALYTICS).with(Category::MARKETING);
        assert_eq!(r.filter_request(&cookies, all).forward, None);

        let only_trackers = RequestCookies::parse("_ga=1");
        assert_eq!(
            r.filter_request(&only_trackers, NONE).forward.as_deref(),
            Some("")
        );
    }

    #[test]
    fn expiry_headers_cover_host_and_site_domains() {
        let r = rules(Unclassified::Keep);
        let h = r.expiry_headers("_ga");
        assert_eq!(h.len(), 2);
        for header in &h {
            let c = cookie::Cookie::parse(header.as_str()).unwrap();
            assert_eq!(c.name(), "_ga");
            assert_eq!(c.value(), "");
            assert_eq!(c.max_age(), Some(cookie::time::Duration::ZERO));
            assert_eq!(c.path(), Some("/"));
        }
        assert!(h[1].ends_with("Domain=.example.com"));
        let host = r.expiry_headers("__Host-id");
        assert_eq!(host.len(), 1);
        assert!(host[0].ends_with("; Secure"));
    }
}

//! Response headers that make a browser load something before it reads a
//! byte of the page: `Link` (RFC 8288), whose preloads and hints are judged
//! as the `<link>` elements they stand for, and `Refresh`, judged as the
//! `<meta http-equiv="refresh">` it stands for. Pure.

use super::{urls, Enforcement};
use crate::policy::category::CategorySet;
use crate::policy::filter_list::RequestType;
use crate::policy::tags::{Action, ElementKind, TagRules};

/// What becomes of one `Link` header value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LinkHeader {
    /// The value without its denied links, when any went (empty: none is
    /// left, the header goes).
    pub rewritten: Option<String>,
    /// What was taken out, in order.
    pub enforcements: Vec<Enforcement>,
}

/// Judges header value `value` for a visitor granted `granted`; `first_party`
/// is the page's host.
pub fn judge(
    rules: &TagRules,
    granted: CategorySet,
    first_party: Option<&str>,
    value: &str,
) -> LinkHeader {
    let mut result = LinkHeader::default();
    let mut kept: Vec<&str> = Vec::new();
    for link in split_outside_quotes(value, b',') {
        let denied = link_target(link).and_then(|(uri, rel)| {
            let target = urls::read(uri, None)?;
            let id = if rel.loads {
                let request = if rel.stylesheet {
                    RequestType::Stylesheet
                } else {
                    RequestType::Other
                };
                rules.match_request(target.as_str(), ElementKind::Link, request, first_party)
            } else if rel.hints {
                rules.match_hint(target.as_str(), first_party)
            } else {
                None
            }?;
            (!granted.contains(rules.rule(id).category)).then_some(id)
        });
        match denied {
            Some(rule) => result.enforcements.push(Enforcement {
                rule,
                element: ElementKind::Link,
                action: Action::Remove,
                inline: false,
            }),
            None => kept.push(link.trim()),
        }
    }
    if !result.enforcements.is_empty() {
        result.rewritten = Some(kept.join(", "));
    }
    result
}

/// The rule denying the page a `Refresh` header value sends the browser
/// to, if any.
pub fn denied_refresh(
    rules: &TagRules,
    granted: CategorySet,
    first_party: Option<&str>,
    value: &str,
) -> Option<Enforcement> {
    let target = urls::read(urls::meta_refresh(value)?, None)?;
    let rule = rules.match_url(target.as_str(), ElementKind::Iframe, first_party)?;
    (!granted.contains(rules.rule(rule).category)).then_some(Enforcement {
        rule,
        element: ElementKind::Iframe,
        action: Action::Remove,
        inline: false,
    })
}

/// What a link's `rel` makes the browser do.
#[derive(Debug, Default)]
struct Rel {
    /// It fetches the target (preload, prefetch, stylesheet…).
    loads: bool,
    stylesheet: bool,
    /// It only resolves or connects (preconnect, dns-prefetch).
    hints: bool,
}

/// A link-value's target URI and relation types: `<uri>; rel=…`.
fn link_target(link: &str) -> Option<(&str, Rel)> {
    let link = link.trim_start();
    let rest = link.strip_prefix('<')?;
    let end = rest.find('>')?;
    let uri = &rest[..end];
    let mut rel = Rel::default();
    for param in split_outside_quotes(&rest[end + 1..], b';') {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("rel") {
            continue;
        }
        let value = value.trim().trim_matches('"');
        for token in value.split_ascii_whitespace() {
            let is = |names: &[&str]| names.iter().any(|n| token.eq_ignore_ascii_case(n));
            rel.loads |= is(&[
                "stylesheet",
                "preload",
                "prefetch",
                "modulepreload",
                "prerender",
                "compression-dictionary",
            ]);
            rel.stylesheet |= is(&["stylesheet"]);
            rel.hints |= is(&["preconnect", "dns-prefetch"]);
        }
        // Only the first `rel` counts.
        break;
    }
    Some((uri, rel))
}

/// `value` split at every `separator` outside double quotes and `<…>`.
fn split_outside_quotes(value: &str, separator: u8) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut in_uri, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, b) in value.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' if !in_uri => quoted = !quoted,
            b'<' if !quoted => in_uri = true,
            b'>' if !quoted => in_uri = false,
            _ if b == separator && !quoted && !in_uri => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts.retain(|p| !p.trim().is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;

    fn run(value: &str) -> (Option<String>, Vec<String>) {
        let policy = Policy::builtin();
        let rules = policy.rewriter.rules();
        let judged = judge(
            rules,
            CategorySet::NECESSARY_ONLY,
            Some("www.example.org"),
            value,
        );
        let ids = judged
            .enforcements
            .iter()
            .map(|e| rules.rule(e.rule).id.clone())
            .collect();
        (judged.rewritten, ids)
    }

    #[test]
    fn denied_preloads_and_hints_go_the_rest_stays() {
        let (value, ids) = run(
            "</app.css>; rel=preload; as=style, <https://www.googletagmanager.com/gtm.js?id=GTM-X>; rel=\"preload\"; as=script, <https://www.google-analytics.com>; rel=preconnect, <https://cdn.example.org/font.woff2>; rel=preload; as=font; crossorigin",
        );
        assert_eq!(
            value.as_deref(),
            Some("</app.css>; rel=preload; as=style, <https://cdn.example.org/font.woff2>; rel=preload; as=font; crossorigin")
        );
        assert_eq!(ids.len(), 2, "{ids:?}");
    }

    #[test]
    fn nothing_denied_leaves_the_value_alone() {
        for value in [
            "</app.css>; rel=preload; as=style",
            "<https://www.googletagmanager.com/gtm.js>; rel=canonical",
            "<https://www.googletagmanager.com/a,b>; rel=alternate; title=\"x, y\"",
            "garbage without a target, <unterminated",
            "",
        ] {
            assert_eq!(run(value), (None, Vec::new()), "{value}");
        }
    }

    #[test]
    fn a_refresh_to_a_denied_page_is_denied() {
        let policy = Policy::builtin();
        let rules = policy.rewriter.rules();
        let judge = |value| denied_refresh(rules, CategorySet::NECESSARY_ONLY, None, value);
        assert!(judge("0; url=https://www.facebook.com/tr?id=1").is_some());
        assert!(judge("5;URL='https://www.youtube.com/embed/x'").is_some());
        assert!(judge("0; url=/next").is_none());
        assert!(judge("30").is_none());
        assert!(denied_refresh(
            rules,
            policy.categories.all(),
            None,
            "0; url=https://www.facebook.com/tr"
        )
        .is_none());
    }

    #[test]
    fn a_value_of_only_denied_links_becomes_empty() {
        let (value, ids) =
            run("<https://connect.facebook.net/en_US/fbevents.js>; rel=modulepreload");
        assert_eq!(value.as_deref(), Some(""));
        assert_eq!(ids.len(), 1);
    }
}

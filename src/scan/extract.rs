//! The links and the resource references of one HTML page.
//!
//! References come from the rewriter itself (`FilterOptions::collect_references`),
//! so scan reads URLs and matches rules exactly as the proxy does; links
//! (`<a href>`, and `<base href>`) come from the same HTML scanner.

use url::Url;

use crate::config::Policy;
use crate::html::scanner::{Attributes, EndTag, Handler, Scanner, StartTag, TagName};
use crate::policy::category::CategorySet;
use crate::policy::tags::{ElementKind, RuleId};
use crate::rewrite::{urls, FilterOptions};

/// What one page links to and loads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    /// `<a href>` targets, resolved against the page (and its `<base href>`).
    pub links: Vec<Url>,
    /// What the page loads (`script`, `iframe`, `img`, `link`, `embed`,
    /// `object`, …): the element, the absolute URL, and the rule it matches.
    pub references: Vec<(ElementKind, Url, Option<RuleId>)>,
}

/// The links and references of `html`, the page at `page`, judged by `policy`.
pub fn extract(policy: &Policy, html: &str, page: &Url) -> Extracted {
    let mut links = Links {
        base: page.clone(),
        links: Vec::new(),
    };
    Scanner::new().feed(html.as_bytes(), true, &mut links);
    let base = links.base.clone();
    Extracted {
        links: links.links,
        references: references(policy, html, page)
            .into_iter()
            .filter_map(|(kind, url, rule)| {
                let url = base.join(&url).ok()?;
                matches!(url.scheme(), "http" | "https").then_some((kind, url, rule))
            })
            .collect(),
    }
}

/// The rewriter's references, in report-only mode (nothing is changed).
fn references(
    policy: &Policy,
    html: &str,
    page: &Url,
) -> Vec<(ElementKind, String, Option<RuleId>)> {
    let options = FilterOptions {
        first_party: page.host_str().map(str::to_string),
        charset: None,
        report_only: true,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: true,
        document_origin: None,
    };
    let Ok(mut filter) = policy
        .rewriter
        .filter(CategorySet::NECESSARY_ONLY, &options)
    else {
        return Vec::new();
    };
    // A page the rewriter cannot finish still yields what it read.
    let _ = filter.write(html.as_bytes());
    let report = match filter.end() {
        Ok((_, report)) => report,
        Err(_) => return Vec::new(),
    };
    report
        .references
        .into_iter()
        .map(|r| (r.element, r.url, r.rule))
        .collect()
}

/// Collects `<a href>` targets, following `<base href>`.
struct Links {
    base: Url,
    links: Vec<Url>,
}

impl Handler for Links {
    fn wants(&self, name: TagName) -> Option<Attributes> {
        matches!(name, TagName::A | TagName::Base).then_some(Attributes::All)
    }

    fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
        let Some(href) = tag.attr(data, "href") else {
            return;
        };
        let value = urls::attribute_value(href);
        let Ok(url) = self.base.join(value.trim()) else {
            return;
        };
        if !matches!(url.scheme(), "http" | "https") {
            return;
        }
        match tag.name {
            TagName::Base => self.base = url,
            _ => self.links.push(url),
        }
    }

    fn end_tag(&mut self, _: &[u8], _: &EndTag) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_references_resolved() {
        let policy = Policy::builtin();
        let base = Url::parse("http://shop.test/a/b").unwrap();
        let found = extract(
            &policy,
            "<a href=\"c\">c</a><a href=\"mailto:x@y\">m</a><a href=\"/d#top\">d</a>\
             <a href=\"/e?x=1&amp;y=2\">e</a>\
             <script src=\"//cdn.test/s.js\"></script><img src=\"https://px.test/p.gif\">\
             <object data=\"https://o.test/x\"></object>\
             <embed src=\"https://e.test/y\"><iframe src=\"https://www.youtube.com/embed/x\"></iframe>",
            &base,
        );
        let links: Vec<&str> = found.links.iter().map(Url::as_str).collect();
        assert_eq!(
            links,
            [
                "http://shop.test/a/c",
                "http://shop.test/d#top",
                "http://shop.test/e?x=1&y=2"
            ]
        );
        let refs: Vec<(&str, &str, bool)> = found
            .references
            .iter()
            .map(|(k, u, r)| (k.name(), u.as_str(), r.is_some()))
            .collect();
        for expected in [
            ("script", "https://cdn.test/s.js", false),
            ("img", "https://px.test/p.gif", false),
            ("object", "https://o.test/x", false),
            ("embed", "https://e.test/y", false),
            ("iframe", "https://www.youtube.com/embed/x", true),
        ] {
            assert!(refs.contains(&expected), "{expected:?} in {refs:?}");
        }
    }
}

//! The links and the resource references of one HTML page.
//!
//! This is the one place scan reads HTML; it uses lol_html (the parser the
//! rewriter is built on) and no parsing of its own.

use std::cell::RefCell;

use lol_html::{element, HtmlRewriter, Settings};
use url::Url;

use crate::policy::tags::ElementKind;

/// What one page links to and loads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    /// `<a href>` targets, resolved against the page.
    pub links: Vec<Url>,
    /// Resources the page loads: `script`, `iframe`, `img`, `link`, `embed`, `object`.
    pub references: Vec<(ElementKind, Url)>,
}

/// The links and references of `html`, resolved against `base` (and a `<base href>`).
pub fn extract(html: &str, base: &Url) -> Extracted {
    let found = RefCell::new(Extracted::default());
    let base = RefCell::new(base.clone());
    let resolve = |value: &str| base.borrow().join(value.trim()).ok();
    let reference = |kind: ElementKind, attribute: &'static str| {
        let found = &found;
        let resolve = &resolve;
        move |el: &mut lol_html::html_content::Element| {
            if let Some(url) = el.get_attribute(attribute).and_then(|v| resolve(&v)) {
                if matches!(url.scheme(), "http" | "https") {
                    found.borrow_mut().references.push((kind, url));
                }
            }
            Ok(())
        }
    };
    let settings = Settings::new()
        .append_element_content_handler(element!("base[href]", |el| {
            if let Some(url) = el.get_attribute("href").and_then(|v| resolve(&v)) {
                *base.borrow_mut() = url;
            }
            Ok(())
        }))
        .append_element_content_handler(element!("a[href]", |el| {
            if let Some(url) = el.get_attribute("href").and_then(|v| resolve(&v)) {
                if matches!(url.scheme(), "http" | "https") {
                    found.borrow_mut().links.push(url);
                }
            }
            Ok(())
        }))
        .append_element_content_handler(element!(
            "script[src]",
            reference(ElementKind::Script, "src")
        ))
        .append_element_content_handler(element!(
            "iframe[src]",
            reference(ElementKind::Iframe, "src")
        ))
        .append_element_content_handler(element!("img[src]", reference(ElementKind::Img, "src")))
        .append_element_content_handler(element!(
            "link[href]",
            reference(ElementKind::Link, "href")
        ))
        .append_element_content_handler(element!(
            "embed[src]",
            reference(ElementKind::Embed, "src")
        ))
        .append_element_content_handler(element!(
            "object[data]",
            reference(ElementKind::Object, "data")
        ));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // A page lol_html cannot finish still yields what was read before.
    let _ = rewriter
        .write(html.as_bytes())
        .and_then(|()| rewriter.end());
    found.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_references_resolved() {
        let base = Url::parse("http://shop.test/a/b").unwrap();
        let found = extract(
            "<a href=\"c\">c</a><a href=\"mailto:x@y\">m</a><a href=\"/d#top\">d</a>\
             <script src=\"//cdn.test/s.js\"></script><img src=\"https://px.test/p.gif\">\
             <link rel=\"stylesheet\" href=\"/s.css\"><object data=\"https://o.test/x\"></object>\
             <embed src=\"https://e.test/y\"><iframe src=\"javascript:void(0)\"></iframe>",
            &base,
        );
        let links: Vec<&str> = found.links.iter().map(Url::as_str).collect();
        assert_eq!(links, ["http://shop.test/a/c", "http://shop.test/d#top"]);
        let refs: Vec<(&str, &str)> = found
            .references
            .iter()
            .map(|(k, u)| (k.name(), u.as_str()))
            .collect();
        assert_eq!(
            refs,
            [
                ("script", "http://cdn.test/s.js"),
                ("img", "https://px.test/p.gif"),
                ("link", "http://shop.test/s.css"),
                ("object", "https://o.test/x"),
                ("embed", "https://e.test/y"),
            ]
        );
    }
}

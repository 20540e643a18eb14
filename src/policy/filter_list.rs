//! Community filter lists (Adblock Plus syntax: EasyPrivacy, EasyList,
//! Fanboy's Social) as a source of tag rules, matched with Brave's `adblock`
//! engine. Network filters only: cosmetic filters (`##`) are ignored.
//!
//! Each list is compiled into its own engine, so a match names the list and
//! through it a consent category. An exception (`@@`) in any list cancels a
//! block from any other, as in a browser that loads them all.

use std::fmt;
use std::sync::Once;

use adblock::lists::{parse_filter, FilterParseError, FilterSet, ParseOptions, RuleTypes};
use adblock::request::Request;
use adblock::url_parser::ResolvesDomain;
use adblock::Engine;

use super::category::Category;
use super::tags::ElementKind;
use super::third_party::registrable_domain;

/// The request type a list filter sees (`$script`, `$image`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestType {
    /// `<script src>`.
    Script,
    /// `<iframe>`, `<frame>`.
    Subdocument,
    /// `<img>`.
    Image,
    /// `<link rel=stylesheet>`.
    Stylesheet,
    /// `<embed>`, `<object>`.
    Object,
    /// Preloads, prefetches, resource hints.
    Other,
}

impl RequestType {
    /// The type of the request an element makes. `<link>` is `Other`: pass
    /// `Stylesheet` explicitly for `rel=stylesheet`.
    pub fn of(kind: ElementKind) -> RequestType {
        match kind {
            ElementKind::Script => RequestType::Script,
            ElementKind::Iframe | ElementKind::Frame => RequestType::Subdocument,
            ElementKind::Img => RequestType::Image,
            ElementKind::Embed | ElementKind::Object => RequestType::Object,
            ElementKind::Link => RequestType::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            RequestType::Script => "script",
            RequestType::Subdocument => "subdocument",
            RequestType::Image => "image",
            RequestType::Stylesheet => "stylesheet",
            RequestType::Object => "object",
            RequestType::Other => "other",
        }
    }
}

/// One list to compile: its text and what a match means.
#[derive(Clone, Copy, Debug)]
pub struct ListSource<'a> {
    /// A display name (`EasyPrivacy`).
    pub name: &'a str,
    /// Where the text came from, for messages.
    pub file: &'a str,
    /// The list's text.
    pub text: &'a str,
    /// The category a matched tag needs.
    pub category: Category,
}

/// A line that is neither a network filter, a comment nor a cosmetic filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedLine {
    /// The list's file.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// Why it was skipped.
    pub reason: String,
}

impl fmt::Display for MalformedLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: line {}: skipped `{}`: {}",
            self.file, self.line, self.text, self.reason
        )
    }
}

/// A compiled list.
pub struct CompiledList {
    name: String,
    file: String,
    category: Category,
    engine: Engine,
    network_filters: usize,
    malformed: Vec<MalformedLine>,
}

impl CompiledList {
    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The category a matched tag needs.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The file it was read from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// How many network filters were loaded.
    pub fn network_filters(&self) -> usize {
        self.network_filters
    }

    /// The lines that were skipped as malformed.
    pub fn malformed(&self) -> &[MalformedLine] {
        &self.malformed
    }
}

impl fmt::Debug for CompiledList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledList")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("category", &self.category)
            .field("network_filters", &self.network_filters)
            .field("malformed", &self.malformed.len())
            .finish()
    }
}

/// Compiled filter lists, in config order.
#[derive(Debug, Default)]
pub struct FilterLists {
    lists: Vec<CompiledList>,
}

/// The registrable-domain resolver the `adblock` crate uses, backed by the
/// `psl` crate (the crate's own resolver is compiled out).
struct PslResolver;

impl ResolvesDomain for PslResolver {
    fn get_host_domain(&self, host: &str) -> (usize, usize) {
        let domain = registrable_domain(host);
        (host.len() - domain.len(), host.len())
    }
}

fn install_resolver() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Only fails when already set, which `Once` rules out.
        let _ = adblock::url_parser::set_domain_resolver(Box::new(PslResolver));
    });
}

impl FilterLists {
    /// Compiles `sources`. Malformed lines are skipped and kept in each
    /// list's [`CompiledList::malformed`]; nothing here fails.
    pub fn compile(sources: &[ListSource<'_>]) -> FilterLists {
        install_resolver();
        let lists = sources.iter().map(compile_list).collect();
        FilterLists { lists }
    }

    /// Whether no list is loaded.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The compiled lists.
    pub fn lists(&self) -> &[CompiledList] {
        &self.lists
    }

    /// The index of the first list that blocks a request for the absolute
    /// `url` (on `host`) of type `request`, made by a page on `page_host`.
    /// `third_party` says whether the two are different sites.
    pub fn check(
        &self,
        url: &str,
        host: &str,
        page_host: Option<&str>,
        third_party: bool,
        request: RequestType,
    ) -> Option<usize> {
        if self.lists.is_empty() {
            return None;
        }
        let request = Request::preparsed(
            url,
            host,
            page_host.unwrap_or(""),
            request.name(),
            third_party,
            "GET",
        );
        self.lists.iter().position(|list| {
            let result = list.engine.check_network_request(&request);
            if result.important {
                return true;
            }
            if result.filter.is_none() || result.exception.is_some() {
                return false;
            }
            !self.lists.iter().any(|other| {
                !std::ptr::eq(other, list)
                    && other
                        .engine
                        .check_network_request_subset(&request, true, false)
                        .exception
                        .is_some()
            })
        })
    }
}

fn compile_list(source: &ListSource<'_>) -> CompiledList {
    let options = ParseOptions {
        rule_types: RuleTypes::NetworkOnly,
        ..ParseOptions::default()
    };
    let mut kept = String::with_capacity(source.text.len());
    let mut network_filters = 0;
    let mut malformed = Vec::new();
    for (i, line) in source.text.lines().enumerate() {
        match parse_filter(line, false, options) {
            Ok(_) => {
                network_filters += 1;
                kept.push_str(line.trim());
                kept.push('\n');
            }
            // Blank lines, comments, headers and cosmetic filters.
            Err(FilterParseError::Empty | FilterParseError::Unsupported) => {}
            Err(e) => malformed.push(MalformedLine {
                file: source.file.to_string(),
                line: i + 1,
                text: line.trim().to_string(),
                reason: e.to_string(),
            }),
        }
    }
    let mut set = FilterSet::new(false);
    set.add_filter_list(kept, options);
    CompiledList {
        name: source.name.to_string(),
        file: source.file.to_string(),
        category: source.category,
        engine: Engine::new_with_filter_set(set),
        network_filters,
        malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(texts: &[(&str, Category)]) -> FilterLists {
        let sources: Vec<ListSource> = texts
            .iter()
            .enumerate()
            .map(|(i, (text, category))| ListSource {
                name: ["first", "second", "third"][i],
                file: ["first.txt", "second.txt", "third.txt"][i],
                text,
                category: *category,
            })
            .collect();
        FilterLists::compile(&sources)
    }

    fn check(l: &FilterLists, url: &str, page: &str, request: RequestType) -> Option<usize> {
        let host = url.split('/').nth(2).unwrap();
        let third = registrable_domain(host) != registrable_domain(page);
        l.check(url, host, Some(page), third, request)
    }

    #[test]
    fn malformed_lines_are_skipped_and_named() {
        let l = lists(&[(
            "[Adblock Plus 2.0]\n! Title: test\n\n||ok.example^\n||bad.example^$nosuchoption\nexample.com##.ad\n||also-ok.example^$script\n",
            Category::ANALYTICS,
        )]);
        let list = &l.lists()[0];
        assert_eq!(list.network_filters(), 2);
        assert_eq!(list.malformed().len(), 1);
        let bad = &list.malformed()[0];
        assert_eq!((bad.file.as_str(), bad.line), ("first.txt", 5));
        assert!(
            bad.to_string()
                .starts_with("first.txt: line 5: skipped `||bad.example^$nosuchoption`"),
            "{bad}"
        );
        assert_eq!(
            check(
                &l,
                "https://ok.example/x.js",
                "www.site.test",
                RequestType::Script
            ),
            Some(0)
        );
        assert_eq!(
            check(
                &l,
                "https://bad.example/x.js",
                "www.site.test",
                RequestType::Script
            ),
            None
        );
    }

    #[test]
    fn an_exception_in_any_list_cancels_a_block() {
        let l = lists(&[
            ("||tracker.example^", Category::ANALYTICS),
            ("@@||tracker.example/consent.js", Category::MARKETING),
        ]);
        let page = "www.site.test";
        assert_eq!(
            check(
                &l,
                "https://tracker.example/t.js",
                page,
                RequestType::Script
            ),
            Some(0)
        );
        assert_eq!(
            check(
                &l,
                "https://tracker.example/consent.js",
                page,
                RequestType::Script
            ),
            None
        );
    }

    #[test]
    fn request_types_follow_elements() {
        use ElementKind::*;
        assert_eq!(RequestType::of(Script), RequestType::Script);
        assert_eq!(RequestType::of(Iframe), RequestType::Subdocument);
        assert_eq!(RequestType::of(Frame), RequestType::Subdocument);
        assert_eq!(RequestType::of(Img), RequestType::Image);
        assert_eq!(RequestType::of(Embed), RequestType::Object);
        assert_eq!(RequestType::of(Object), RequestType::Object);
        assert_eq!(RequestType::of(Link), RequestType::Other);
    }
}

//! Tag rules: which third-party tags belong to which vendor and category,
//! matched by URL host (and optional path prefix) or by inline-script
//! signature. Compiled once; matching is pure and allocation-free.

use std::borrow::Cow;
use std::collections::HashMap;

use super::category::{Category, CategorySet};
use super::consent_mode::ConsentMode;
use super::filter_list::{FilterLists, RequestType};
use super::inline::{HostBinding, HostBindings, InlineLiteral, InlineMatcher, InlineVerdict};
use super::tag_sources::TagSources;
use super::third_party::{same_site, UnclassifiedPolicy};

/// What the rewriter does with a matching element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Remove the element and its content.
    Remove,
    /// Keep the element but make it inert, with what a browser-side consent
    /// tool needs to re-enable it (`type="text/plain"`, `data-src`, `data-consent-category`).
    Neutralize,
    /// Replace an embed by a small script-free notice naming vendor and category.
    Placeholder,
}

impl Action {
    /// The config name of the action.
    pub fn name(self) -> &'static str {
        match self {
            Action::Remove => "remove",
            Action::Neutralize => "neutralize",
            Action::Placeholder => "placeholder",
        }
    }
}

/// The kinds of element a tag rule can cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementKind {
    /// `<script>`, external or inline.
    Script,
    /// `<iframe>`.
    Iframe,
    /// `<frame>`.
    Frame,
    /// `<img>` (tracking pixels).
    Img,
    /// `<embed>`.
    Embed,
    /// `<object>`.
    Object,
    /// `<link>`: resource hints, preloads and stylesheets.
    Link,
}

impl ElementKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ElementKind; 7] = [
        ElementKind::Script,
        ElementKind::Iframe,
        ElementKind::Frame,
        ElementKind::Img,
        ElementKind::Embed,
        ElementKind::Object,
        ElementKind::Link,
    ];

    /// The element's tag name.
    pub fn name(self) -> &'static str {
        match self {
            ElementKind::Script => "script",
            ElementKind::Iframe => "iframe",
            ElementKind::Frame => "frame",
            ElementKind::Img => "img",
            ElementKind::Embed => "embed",
            ElementKind::Object => "object",
            ElementKind::Link => "link",
        }
    }

    /// The kind with this tag name.
    pub fn from_name(name: &str) -> Option<ElementKind> {
        ElementKind::ALL.into_iter().find(|k| k.name() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of element kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElementKinds(u8);

impl ElementKinds {
    /// Every element kind.
    pub const ALL: ElementKinds = ElementKinds(0x7f);

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: ElementKind) -> bool {
        self.0 & kind.bit() != 0
    }
}

impl FromIterator<ElementKind> for ElementKinds {
    fn from_iter<I: IntoIterator<Item = ElementKind>>(iter: I) -> Self {
        ElementKinds(iter.into_iter().fold(0, |acc, k| acc | k.bit()))
    }
}

/// A tag rule as written in the catalogue or config, before compilation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRuleSpec {
    /// Unique id (kebab-case).
    pub id: String,
    /// The vendor's display name.
    pub vendor: String,
    /// The category the vendor's tags need.
    pub category: Category,
    /// Host patterns: `example.com` (and subdomains), optionally with a path prefix `example.com/tr`.
    pub hosts: Vec<String>,
    /// URL path suffixes matched on any host, relative URLs included (`/matomo.js`).
    pub paths: Vec<String>,
    /// Case-insensitive literal signatures of inline loaders.
    pub inline: Vec<String>,
    /// What to do with a match.
    pub action: Action,
    /// The elements the rule covers.
    pub elements: ElementKinds,
}

/// A compiled tag rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRule {
    /// Unique id.
    pub id: String,
    /// The vendor's display name.
    pub vendor: String,
    /// The category the vendor's tags need.
    pub category: Category,
    /// What to do with a match.
    pub action: Action,
    /// The elements the rule covers.
    pub elements: ElementKinds,
    /// Google Consent Mode handling, for Google tags whose action is `gcm-*`.
    pub consent_mode: Option<ConsentMode>,
}

/// The index of a rule in [`TagRules::rules`].
pub type RuleId = usize;

/// Why a host pattern is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid host pattern `{pattern}`: {reason}")]
pub struct HostPatternError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

#[derive(Clone, Debug)]
struct PathRule {
    /// Lower-case path prefix starting with `/`, or empty for the whole host.
    path: Box<str>,
    rule: RuleId,
}

/// Compiled tag rules.
#[derive(Clone, Debug)]
pub struct TagRules {
    rules: Vec<TagRule>,
    /// Domain -> path rules, path-specific ones first (a fast hash: looked
    /// up for every URL of every page).
    hosts: HashMap<Box<str>, Vec<PathRule>, foldhash::fast::RandomState>,
    /// Lower-case path suffixes matched on any host.
    path_suffixes: Vec<(Box<str>, RuleId)>,
    /// Loader signatures and tracker host names of inline scripts.
    inline: InlineMatcher,
    categories: CategorySet,
    /// Filter lists and the unclassified policy, consulted after the rules.
    sources: TagSources,
}

impl TagRules {
    /// Compiles `specs`. A later spec with the same id replaces an earlier one.
    pub fn new(specs: &[TagRuleSpec]) -> Result<Self, (usize, HostPatternError)> {
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        let mut effective: Vec<&TagRuleSpec> = Vec::new();
        let mut spec_index = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            if let Some(&slot) = by_id.get(spec.id.as_str()) {
                effective[slot] = spec;
                spec_index[slot] = i;
            } else {
                by_id.insert(&spec.id, effective.len());
                effective.push(spec);
                spec_index.push(i);
            }
        }
        let mut rules = Vec::with_capacity(effective.len());
        let mut hosts: HashMap<Box<str>, Vec<PathRule>, _> = HashMap::default();
        let mut literals = Vec::new();
        let mut path_suffixes = Vec::new();
        let mut categories = CategorySet::EMPTY;
        for (id, spec) in effective.iter().enumerate() {
            for pattern in &spec.hosts {
                let (host, path) = parse_host_pattern(pattern).map_err(|e| (spec_index[id], e))?;
                if path.is_empty() && host.len() >= 4 && spec.elements.contains(ElementKind::Script)
                {
                    literals.push(InlineLiteral {
                        text: host.clone(),
                        rule: id,
                        category: spec.category,
                        host: true,
                    });
                }
                hosts.entry(host.into()).or_default().push(PathRule {
                    path: path.into(),
                    rule: id,
                });
            }
            for suffix in &spec.paths {
                path_suffixes.push((suffix.to_ascii_lowercase().into_boxed_str(), id));
            }
            for signature in spec.inline.iter().filter(|s| !s.is_empty()) {
                literals.push(InlineLiteral {
                    text: signature.clone(),
                    rule: id,
                    category: spec.category,
                    host: false,
                });
            }
            categories.insert(spec.category);
            rules.push(TagRule {
                id: spec.id.clone(),
                vendor: spec.vendor.clone(),
                category: spec.category,
                action: spec.action,
                elements: spec.elements,
                consent_mode: None,
            });
        }
        for list in hosts.values_mut() {
            list.sort_by_key(|entry| std::cmp::Reverse(entry.path.len()));
        }
        Ok(TagRules {
            rules,
            hosts,
            path_suffixes,
            inline: InlineMatcher::new(literals),
            categories,
            sources: TagSources::default(),
        })
    }

    /// Adds filter `lists` and the `unclassified` policy, consulted after
    /// the rules; each list (and `Remove`-mode unclassified tags) gets a
    /// synthetic rule at the end of [`TagRules::rules`].
    pub fn with_sources(mut self, lists: FilterLists, unclassified: UnclassifiedPolicy) -> Self {
        self.sources = TagSources::new(lists, unclassified, &mut self.rules, &mut self.categories);
        self
    }

    /// Sets the Google Consent Mode handling of rule `id`.
    pub fn set_consent_mode(&mut self, id: RuleId, mode: Option<ConsentMode>) {
        self.rules[id].consent_mode = mode;
    }

    /// The filter lists in use.
    pub fn filter_lists(&self) -> &FilterLists {
        self.sources.lists()
    }

    /// The policy for unclassified third parties.
    pub fn unclassified_policy(&self) -> &UnclassifiedPolicy {
        self.sources.unclassified()
    }

    /// Every compiled rule; [`RuleId`]s index this slice.
    pub fn rules(&self) -> &[TagRule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: RuleId) -> &TagRule {
        &self.rules[id]
    }

    /// The categories any rule needs: when all are granted, nothing can match.
    pub fn categories(&self) -> CategorySet {
        self.categories
    }

    /// The number of host patterns compiled.
    pub fn host_pattern_count(&self) -> usize {
        self.hosts.values().map(Vec::len).sum()
    }

    /// The rule covering a `kind` element that loads `url`, if any.
    ///
    /// `first_party` is the page's own host: URLs on its site (registrable
    /// domain) never match host rules or lists. Filter lists see the
    /// element's default [`RequestType`].
    pub fn match_url(
        &self,
        url: &str,
        kind: ElementKind,
        first_party: Option<&str>,
    ) -> Option<RuleId> {
        self.match_request(url, kind, RequestType::of(kind), first_party)
    }

    /// [`TagRules::match_url`] with the request type filter lists see
    /// (`Stylesheet` for `<link rel=stylesheet>`). Own rules win over lists;
    /// an unclassified third party comes last.
    pub fn match_request(
        &self,
        url: &str,
        kind: ElementKind,
        request: RequestType,
        first_party: Option<&str>,
    ) -> Option<RuleId> {
        let target = UrlTarget::parse(url, |host| self.knows_host(host));
        let third_party =
            |target: &UrlTarget| !first_party.is_some_and(|fp| same_site(fp, &target.host));
        let by_host = target.as_ref().and_then(|target| {
            self.lookup(&target.host, |entry| {
                (entry.path.is_empty() || starts_with_ignore_case(target.path, &entry.path))
                    && self.rules[entry.rule].elements.contains(kind)
            })
            .filter(|_| third_party(target))
        });
        by_host
            .or_else(|| self.match_path_suffix(url, kind))
            .or_else(|| {
                let target = target.as_ref()?;
                self.sources
                    .match_list(url, &target.host, request, first_party)
                    .or_else(|| {
                        self.sources
                            .match_unclassified(&target.host, kind, first_party)
                    })
            })
    }

    /// Whether a `kind` element loading `url`, for which
    /// [`TagRules::match_url`] found nothing, is a third party that the
    /// unclassified policy reports (`report` mode).
    pub fn reports_unclassified(
        &self,
        url: &str,
        kind: ElementKind,
        first_party: Option<&str>,
    ) -> bool {
        let policy = self.sources.unclassified();
        policy.mode() == super::third_party::UnclassifiedMode::Report
            && UrlTarget::parse(url, |_| false)
                .is_some_and(|target| policy.applies(&target.host, kind, first_party))
    }

    /// Path-suffix rules (`/matomo.js`) apply on any host, the page's own included.
    fn match_path_suffix(&self, url: &str, kind: ElementKind) -> Option<RuleId> {
        if self.path_suffixes.is_empty() {
            return None;
        }
        let url = url.trim_ascii();
        let path = &url[..memchr::memchr2(b'?', b'#', url.as_bytes()).unwrap_or(url.len())];
        self.path_suffixes
            .iter()
            .find(|(suffix, rule)| {
                path.len() >= suffix.len()
                    && path.as_bytes()[path.len() - suffix.len()..]
                        .eq_ignore_ascii_case(suffix.as_bytes())
                    && self.rules[*rule].elements.contains(kind)
            })
            .map(|(_, rule)| *rule)
    }

    /// The rule covering a resource hint (`preconnect`, `dns-prefetch`) to
    /// `url`: only whole-host patterns count, since a hint names no path.
    pub fn match_hint(&self, url: &str, first_party: Option<&str>) -> Option<RuleId> {
        let target = UrlTarget::parse(url, |host| self.knows_host(host))?;
        if first_party.is_some_and(|fp| same_site(fp, &target.host)) {
            return None;
        }
        self.lookup(&target.host, |entry| {
            entry.path.is_empty() && self.rules[entry.rule].elements.contains(ElementKind::Link)
        })
        .or_else(|| {
            let origin = format!("https://{}/", target.host);
            self.sources
                .match_list(&origin, &target.host, RequestType::Other, first_party)
        })
    }

    /// A rule naming the host of `url` (with or without a path), which is
    /// not first party: a `<base href>` there makes the page's relative
    /// URLs, its scripts' included, load from a tracker.
    pub fn match_host(&self, url: &str, first_party: Option<&str>) -> Option<RuleId> {
        let target = UrlTarget::parse(url, |host| self.knows_host(host))?;
        if first_party.is_some_and(|fp| same_site(fp, &target.host)) {
            return None;
        }
        self.lookup(&target.host, |_| true)
    }

    /// The first rule not covered by `granted` whose loader an inline
    /// script holds (the rule of [`TagRules::decide_inline`]).
    pub fn match_inline(&self, text: &str, granted: CategorySet) -> Option<RuleId> {
        self.inline.find(text, granted)
    }

    /// Judges an inline script: the first rule not covered by `granted`
    /// whose loader it holds, and whether to remove the whole script or
    /// only the statements that load trackers.
    pub fn decide_inline(&self, text: &str, granted: CategorySet) -> Option<InlineVerdict> {
        self.inline.decide(text, granted)
    }

    /// [`Self::decide_inline`] for a script of a page whose earlier
    /// scripts bound `earlier` to tracker hosts; also the names this one
    /// binds to tracker hosts (see [`InlineMatcher::decide_in_page`]).
    pub(crate) fn decide_inline_in_page(
        &self,
        text: &str,
        granted: CategorySet,
        earlier: &[HostBinding],
    ) -> (Option<InlineVerdict>, HostBindings) {
        self.inline.decide_in_page(text, granted, earlier)
    }

    /// [`Self::decide_inline`] for code the visitor sets off (a click
    /// handler, a `javascript:` link): a tracker host counts only where a
    /// loader uses it.
    pub fn decide_triggered(&self, text: &str, granted: CategorySet) -> Option<InlineVerdict> {
        self.inline.decide_triggered(text, granted)
    }

    /// Forgets the inline-script verdicts remembered so far: the next
    /// sight of each script is judged afresh (for benchmarks of that path).
    pub fn forget_inline_verdicts(&self) {
        self.inline.forget_verdicts();
    }

    fn knows_host(&self, host: &str) -> bool {
        // Called for the first segment of relative URLs only.
        self.lookup(host, |_| true).is_some()
    }

    /// Looks `host` and each parent domain up, most specific first.
    fn lookup(&self, host: &str, accept: impl Fn(&PathRule) -> bool) -> Option<RuleId> {
        let mut domain = host;
        loop {
            if let Some(entries) = self.hosts.get(domain) {
                if let Some(entry) = entries.iter().find(|e| accept(e)) {
                    return Some(entry.rule);
                }
            }
            let dot = domain.find('.')?;
            domain = &domain[dot + 1..];
        }
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Splits and validates `host[/path]`, returning the lower-case host and path.
pub fn parse_host_pattern(pattern: &str) -> Result<(String, String), HostPatternError> {
    let fail = |reason| HostPatternError {
        pattern: pattern.to_string(),
        reason,
    };
    if pattern.contains("://") {
        return Err(fail("write the host without a scheme"));
    }
    let (host, path) = match pattern.find('/') {
        Some(i) => pattern.split_at(i),
        None => (pattern, ""),
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return Err(fail("the host is empty"));
    }
    if host.starts_with('.') || host.ends_with('.') || host.contains("..") {
        return Err(fail("the host has an empty label"));
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(fail("the host may only hold letters, digits, `-`, `_` and `.` (no `*`: a domain already matches its subdomains)"));
    }
    if path == "/" {
        return Err(fail("a bare `/` path matches everything: leave it out"));
    }
    if path.contains(['?', '#', ' ']) {
        return Err(fail("the path prefix may not hold `?`, `#` or spaces"));
    }
    Ok((host, path.to_ascii_lowercase()))
}

/// The host and path of a URL as written in an HTML attribute.
#[derive(Debug, PartialEq, Eq)]
struct UrlTarget<'a> {
    host: Cow<'a, str>,
    path: &'a str,
}

impl<'a> UrlTarget<'a> {
    /// Parses absolute (`https://h/p`), scheme-relative (`//h/p`) and, for
    /// mirrored pages, relative URLs whose first segment is a known tracker
    /// host (`../www.googletagmanager.com/gtm.js`). Returns `None` for other
    /// relative URLs (first party) and non-network schemes.
    fn parse(url: &'a str, is_known_host: impl Fn(&str) -> bool) -> Option<UrlTarget<'a>> {
        let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
        let bytes = url.as_bytes();
        let after_scheme = match scheme_len(bytes) {
            Some(n) => {
                let scheme = &url[..n];
                if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
                    return None;
                }
                &url[n + 1..]
            }
            None => url,
        };
        let rest = after_scheme.trim_start_matches(['/', '\\']);
        let slashes = after_scheme.len() - rest.len();
        if slashes >= 2 || (slashes > 0 && after_scheme.len() != url.len()) {
            let (authority, path) = split_authority(rest);
            let host = host_of(authority)?;
            return Some(UrlTarget { host, path });
        }
        if after_scheme.len() != url.len() {
            // `https:host/path`: browsers read it as an absolute URL too.
            let (authority, path) = split_authority(rest);
            return Some(UrlTarget {
                host: host_of(authority)?,
                path,
            });
        }
        // Relative URL: a mirror may have turned a tracker URL into `../host/path`.
        let mut rel = url;
        loop {
            if let Some(r) = rel.strip_prefix("../").or_else(|| rel.strip_prefix("./")) {
                rel = r;
            } else if let Some(r) = rel.strip_prefix('/') {
                rel = r;
            } else {
                break;
            }
        }
        let (first, path) = split_authority(rel);
        let host = host_of(first)?;
        (host.contains('.') && host.len() == first.len() && is_known_host(&host))
            .then_some(UrlTarget { host, path })
    }
}

/// The length of a URL scheme (`https` in `https:`), if the URL has one.
fn scheme_len(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let n = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'))?;
    (bytes[n] == b':').then_some(n)
}

/// Splits `authority/path?query#fragment` (scheme already removed) into
/// the authority and the path.
pub(crate) fn split_authority(s: &str) -> (&str, &str) {
    // Byte searches: the delimiters are ASCII, so every index found is a
    // character boundary.
    let bytes = s.as_bytes();
    match bytes
        .iter()
        .position(|&b| matches!(b, b'/' | b'\\' | b'?' | b'#'))
    {
        Some(i) => {
            let (authority, rest) = s.split_at(i);
            let path_end = memchr::memchr2(b'?', b'#', rest.as_bytes()).unwrap_or(rest.len());
            (authority, &rest[..path_end])
        }
        None => (s, ""),
    }
}

/// The lower-case host of an authority: userinfo and port removed, trailing
/// dot dropped. `None` for IP literals in brackets and empty or non-ASCII hosts.
pub(crate) fn host_of(authority: &str) -> Option<Cow<'_, str>> {
    let host =
        memchr::memrchr(b'@', authority.as_bytes()).map_or(authority, |i| &authority[i + 1..]);
    if host.starts_with('[') {
        return None;
    }
    let host = memchr::memchr(b':', host.as_bytes()).map_or(host, |i| &host[..i]);
    let host = host.strip_suffix('.').unwrap_or(host);
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !valid {
        return None;
    }
    Some(if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn spec(
        id: &str,
        category: Category,
        hosts: &[&str],
        inline: &[&str],
        elements: ElementKinds,
    ) -> TagRuleSpec {
        TagRuleSpec {
            id: id.into(),
            vendor: id.into(),
            category,
            hosts: hosts.iter().map(|s| s.to_string()).collect(),
            paths: Vec::new(),
            inline: inline.iter().map(|s| s.to_string()).collect(),
            action: Action::Remove,
            elements,
        }
    }

    #[test]
    fn path_suffixes_match_on_any_host() {
        let r = TagRules::new(&[TagRuleSpec {
            paths: vec!["/matomo.js".into(), "/piwik.php".into()],
            ..spec("matomo", Category::ANALYTICS, &[], &[], ElementKinds::ALL)
        }])
        .unwrap();
        let cases = [
            ("js/matomo.js", Some(0)),
            ("https://stats.example.org/Matomo.js?v=1", Some(0)),
            ("//matomo.fancy.org.uk/piwik.php?idsite=3&rec=1", Some(0)),
            ("/matomo.js#x", Some(0)),
            ("/js/notmatomo.jsx", None),
            ("/matomo.js/other", None),
            ("é/matomo.js", Some(0)),
        ];
        for (url, expected) in cases {
            assert_eq!(
                r.match_url(url, ElementKind::Script, Some("example.org")),
                expected,
                "{url}"
            );
        }
    }

    /// Three small rules (`ga`, `fb`, `yt`) shared by the policy tests.
    pub(crate) fn rules() -> TagRules {
        TagRules::new(&[
            spec(
                "ga",
                Category::ANALYTICS,
                &["google-analytics.com", "googletagmanager.com"],
                &["GoogleAnalyticsObject"],
                ElementKinds::ALL,
            ),
            spec(
                "fb",
                Category::MARKETING,
                &[
                    "connect.facebook.net",
                    "facebook.com/tr",
                    "facebook.com/plugins/",
                ],
                &["fbq('init'"],
                ElementKinds::ALL,
            ),
            spec(
                "yt",
                Category::MARKETING,
                &["youtube.com/embed/", "youtube-nocookie.com"],
                &[],
                [ElementKind::Iframe].into_iter().collect(),
            ),
        ])
        .unwrap()
    }

    /// The id of the rule named `name`.
    pub(crate) fn id(r: &TagRules, name: &str) -> Option<RuleId> {
        r.rules().iter().position(|x| x.id == name)
    }

    #[test]
    fn a_host_matches_whatever_path_its_rule_names() {
        let r = rules();
        let cases = [
            ("https://www.googletagmanager.com/", id(&r, "ga")),
            ("https://www.google-analytics.com", id(&r, "ga")),
            // Relative URLs against it reach `facebook.com/tr`.
            ("https://www.facebook.com/", id(&r, "fb")),
            ("https://www.youtube.com/x/", id(&r, "yt")),
            ("https://cdn.example.org/", None),
            ("https://google-analytics.com.example.org/", None),
        ];
        for (url, expected) in cases {
            assert_eq!(r.match_host(url, Some("example.org")), expected, "{url}");
        }
        // A site's own host is never a tracker's to it.
        assert_eq!(
            r.match_host("https://www.facebook.com/", Some("facebook.com")),
            None
        );
    }

    #[test]
    fn url_matching_table() {
        let r = rules();
        let ga = id(&r, "ga");
        let fb = id(&r, "fb");
        let yt = id(&r, "yt");
        use ElementKind::*;
        let cases: &[(&str, ElementKind, Option<RuleId>)] = &[
            ("https://www.google-analytics.com/analytics.js", Script, ga),
            ("//www.google-analytics.com/ga.js", Script, ga),
            ("http://ssl.google-analytics.com:443/ga.js", Script, ga),
            ("  https://WWW.Google-Analytics.com/x  ", Script, ga),
            ("https://user@google-analytics.com/x", Script, ga),
            ("https://google-analytics.com.evil.example/x", Script, None),
            ("https://notgoogle-analytics.com/x", Script, None),
            ("https://www.facebook.com/tr?id=1&ev=PageView", Img, fb),
            ("https://www.facebook.com/TR?id=1", Img, fb),
            ("https://www.facebook.com/sharer.php", Img, None),
            (
                "https://www.facebook.com/plugins/like.php?href=x",
                Iframe,
                fb,
            ),
            ("https://www.youtube.com/embed/abc", Iframe, yt),
            ("https://www.youtube.com/embed/abc", Script, None),
            ("https://www.youtube.com/watch?v=abc", Iframe, None),
            ("https://www.youtube-nocookie.com/embed/x", Iframe, yt),
            (
                "../../www.googletagmanager.com/gtm5445.html?id=GTM-1",
                Script,
                ga,
            ),
            ("/www.google-analytics.com/analytics.js", Script, ga),
            ("js/matomo.js", Script, None),
            ("analytics.js", Script, None),
            ("example.com/google-analytics.com", Script, None),
            ("data:text/javascript,alert(1)", Script, None),
            ("javascript:void(0)", Script, None),
            ("https://[::1]/x", Script, None),
            ("https:\\\\www.google-analytics.com\\ga.js", Script, ga),
            ("", Script, None),
            ("//", Script, None),
            ("https://é.example/ü", Script, None),
            ("https://www.google-analytics.com", Script, ga),
        ];
        for (url, kind, expected) in cases {
            assert_eq!(
                r.match_url(url, *kind, None),
                *expected,
                "{url} as {kind:?}"
            );
        }
        assert_eq!(
            r.match_url(
                "https://www.google-analytics.com/a.js",
                Script,
                Some("www.google-analytics.com")
            ),
            None
        );
    }

    #[test]
    fn hints_need_whole_host_patterns() {
        let r = rules();
        assert_eq!(
            r.match_hint("//www.google-analytics.com", None),
            id(&r, "ga")
        );
        assert_eq!(
            r.match_hint("https://connect.facebook.net", None),
            id(&r, "fb")
        );
        assert_eq!(r.match_hint("https://www.facebook.com", None), None);
        assert_eq!(r.match_hint("https://fonts.googleapis.com", None), None);
    }

    #[test]
    fn later_spec_with_same_id_overrides() {
        let mut specs = vec![spec(
            "ga",
            Category::ANALYTICS,
            &["a.example"],
            &[],
            ElementKinds::ALL,
        )];
        specs.push(TagRuleSpec {
            action: Action::Neutralize,
            ..spec(
                "ga",
                Category::MARKETING,
                &["b.example"],
                &[],
                ElementKinds::ALL,
            )
        });
        let r = TagRules::new(&specs).unwrap();
        assert_eq!(r.rules().len(), 1);
        assert_eq!(r.rule(0).action, Action::Neutralize);
        assert_eq!(
            r.match_url("https://a.example/x", ElementKind::Script, None),
            None
        );
        assert_eq!(
            r.match_url(
                "https://b.example/x",
                ElementKind::Script,
                Some(0).map(|_| "x")
            ),
            Some(0)
        );
        assert_eq!(r.categories(), CategorySet::EMPTY.with(Category::MARKETING));
    }

    #[test]
    fn host_patterns_are_validated() {
        for bad in [
            "",
            "https://x.com",
            "*.x.com",
            ".x.com",
            "x..com",
            "x.com/",
            "x.com/a?b",
            "/path",
        ] {
            assert!(parse_host_pattern(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_host_pattern("X.com/Tr").unwrap(),
            ("x.com".into(), "/tr".into())
        );
    }
}

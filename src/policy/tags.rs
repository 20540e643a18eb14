//! Tag rules: which third-party tags belong to which vendor and category,
//! matched by URL host (and optional path prefix) or by inline-script
//! signature. Compiled once; matching is pure and allocation-free.

use std::borrow::Cow;
use std::collections::HashMap;

use super::category::{Category, CategorySet};
use super::consent_mode::ConsentMode;
use super::filter_list::{FilterLists, RequestType};
use super::literal_set::LiteralSet;
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

/// Inline scripts up to this size are also searched for tracker host names;
/// larger ones (bundles, serialized state) only for loader signatures.
pub const SMALL_INLINE_SCRIPT: usize = 8 * 1024;

/// Compiled tag rules.
#[derive(Clone, Debug)]
pub struct TagRules {
    rules: Vec<TagRule>,
    /// Domain -> path rules, path-specific ones first.
    hosts: HashMap<Box<str>, Vec<PathRule>>,
    /// Lower-case path suffixes matched on any host.
    path_suffixes: Vec<(Box<str>, RuleId)>,
    /// Loader signatures and tracker host names, searched in one pass.
    inline: Option<LiteralSet>,
    /// What each literal of `inline` stands for.
    inline_literals: Vec<InlineLiteral>,
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
        let mut hosts: HashMap<Box<str>, Vec<PathRule>> = HashMap::new();
        let mut literals = Vec::new();
        let mut inline_literals = Vec::new();
        let mut path_suffixes = Vec::new();
        let mut categories = CategorySet::EMPTY;
        for (id, spec) in effective.iter().enumerate() {
            for pattern in &spec.hosts {
                let (host, path) = parse_host_pattern(pattern).map_err(|e| (spec_index[id], e))?;
                if path.is_empty() && host.len() >= 4 && spec.elements.contains(ElementKind::Script)
                {
                    literals.push(host.clone());
                    inline_literals.push(InlineLiteral {
                        rule: id,
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
                literals.push(signature.clone());
                inline_literals.push(InlineLiteral {
                    rule: id,
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
            inline: LiteralSet::new(&literals),
            inline_literals,
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
        let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
        let path = &url[..url.find(['?', '#']).unwrap_or(url.len())];
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

    /// The first rule not covered by `granted` whose loader an inline
    /// script contains: a loader signature anywhere, or a tracker host name
    /// in a small script (as a whole name, not part of a longer one).
    ///
    /// A large script that only assigns data literals
    /// (`window.__STATE__ = {…};`) never matches: tracker snippets quoted
    /// inside serialized page state do not run. Small config-only snippets
    /// (`var addthis_pub = '…'`) do match: they belong to the tag.
    pub fn match_inline(&self, text: &str, granted: CategorySet) -> Option<RuleId> {
        let set = self.inline.as_ref()?;
        let small = text.len() <= SMALL_INLINE_SCRIPT;
        let bytes = text.as_bytes();
        let found = set.hits(text).find_map(|hit| {
            let literal = self.inline_literals[hit.pattern];
            if granted.contains(self.rules[literal.rule].category) {
                return None;
            }
            if literal.host {
                let before_ok = hit.start == 0 || !is_host_byte(bytes[hit.start - 1]);
                let after_ok = bytes
                    .get(hit.end)
                    .is_none_or(|&b| !is_host_byte(b) && b != b'.');
                if !(small && before_ok && after_ok) {
                    return None;
                }
            }
            Some(literal.rule)
        })?;
        (small || !is_data_assignment(text)).then_some(found)
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

/// Whether a script only assigns data literals: one or more statements of
/// the form `[var|let|const] name = {…} | […] | "…" | JSON.parse("…")`,
/// with nothing else but comments and CDATA markers around them.
pub fn is_data_assignment(script: &str) -> bool {
    let b = script.as_bytes();
    let mut i = skip_trivia(b, 0);
    let mut statements = 0;
    while i < b.len() {
        for keyword in [&b"var "[..], b"let ", b"const "] {
            if b[i..].starts_with(keyword) {
                i = skip_trivia(b, i + keyword.len());
                break;
            }
        }
        let name_start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$' | b'.')) {
            i += 1;
        }
        if i == name_start {
            return false;
        }
        i = skip_trivia(b, i);
        if b.get(i) != Some(&b'=') || b.get(i + 1) == Some(&b'=') {
            return false;
        }
        i = skip_trivia(b, i + 1);
        if b[i..].starts_with(b"JSON.parse(") {
            i += "JSON.parse".len();
        }
        match b.get(i) {
            Some(b'{' | b'[' | b'(') => match skip_balanced(b, i) {
                Some(end) => i = end,
                None => return false,
            },
            Some(&q @ (b'"' | b'\'' | b'`')) => match skip_string(b, i + 1, q) {
                Some(end) => i = end,
                None => return false,
            },
            _ => return false,
        }
        statements += 1;
        i = skip_trivia(b, i);
        while b.get(i) == Some(&b';') {
            i = skip_trivia(b, i + 1);
        }
    }
    statements > 0
}

/// Skips whitespace, comments and the `<!--`, `-->`, `<![CDATA[`, `]]>` markers.
fn skip_trivia(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        } else if rest.starts_with(b"/*") {
            match memchr::memmem::find(&rest[2..], b"*/") {
                Some(end) => i += end + 4,
                None => return b.len(),
            }
        } else if let Some(marker) = [&b"<!--"[..], b"-->", b"<![CDATA[", b"]]>"]
            .into_iter()
            .find(|m| rest.starts_with(m))
        {
            i += marker.len();
        } else {
            return i;
        }
    }
}

/// The index after the bracket matching the one at `open`, strings respected.
fn skip_balanced(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            q @ (b'"' | b'\'' | b'`') => {
                i = skip_string(b, i + 1, q)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index after the closing quote `q` of a string starting at `i`.
fn skip_string(b: &[u8], mut i: usize, q: u8) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// What an inline literal stands for.
#[derive(Clone, Copy, Debug)]
struct InlineLiteral {
    rule: RuleId,
    /// A tracker host name (matched only in small scripts, as a whole name)
    /// rather than a loader signature.
    host: bool,
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
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

fn split_authority(s: &str) -> (&str, &str) {
    match s.find(['/', '\\', '?', '#']) {
        Some(i) => {
            let (authority, rest) = s.split_at(i);
            let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
            (authority, &rest[..path_end])
        }
        None => (s, ""),
    }
}

/// The lower-case host of an authority: userinfo and port removed, trailing
/// dot dropped. `None` for IP literals in brackets and empty or non-ASCII hosts.
fn host_of(authority: &str) -> Option<Cow<'_, str>> {
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.starts_with('[') {
        return None;
    }
    let host = host.split_once(':').map_or(host, |(h, _)| h);
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
mod tests {
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

    fn rules() -> TagRules {
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

    fn id(r: &TagRules, name: &str) -> Option<RuleId> {
        r.rules().iter().position(|x| x.id == name)
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
    fn inline_matching() {
        let r = rules();
        let ga = id(&r, "ga");
        let fb = id(&r, "fb");
        let cases: &[(&str, Option<RuleId>)] = &[
            (
                "(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;})",
                ga,
            ),
            ("!function(f,b,e,v,n,t,s){}; FBQ('init', '123');", fb),
            ("j.src='https://www.googletagmanager.com/gtm.js?id='+i;", ga),
            (
                "j.src='../www.googletagmanager.com/gtm5445.html?id='+i;",
                ga,
            ),
            ("var u = 'https://mygoogletagmanager.com/x';", None),
            ("var u = 'googletagmanager.community';", None),
            ("var u = 'googletagmanager.com.example.org';", None),
            ("console.log('hello')", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                r.match_inline(text, CategorySet::NECESSARY_ONLY),
                *expected,
                "{text}"
            );
        }
        // Large scripts are only searched for loader signatures.
        let mut big = "x".repeat(SMALL_INLINE_SCRIPT);
        big.push_str("'//www.google-analytics.com/x'");
        assert_eq!(r.match_inline(&big, CategorySet::NECESSARY_ONLY), None);
        big.push_str("GoogleAnalyticsObject");
        assert_eq!(r.match_inline(&big, CategorySet::NECESSARY_ONLY), ga);
    }

    #[test]
    fn data_assignments_are_recognised() {
        let data = [
            "window.__APOLLO_STATE__ = {\"a\":\"(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})\"};",
            "\n//<![CDATA[\nwindow.__app__ = {\n state: {\"x\": [1, \"}\"]}\n};\n//]]>\n",
            "var a = [1,2]; let b = 'x'; const c = JSON.parse(\"{}\")",
            "self.__next_f.x = `template ${1}`",
        ];
        for script in data {
            assert!(is_data_assignment(script), "{script}");
        }
        let code = [
            "var _gaq = [['_setAccount','UA-1']]; (function(){ var ga = 1; })();",
            "(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window)",
            "window.a = {}; fbq('init', '1');",
            "a == {}",
            "window.a = {unbalanced",
            "",
            "// only a comment",
        ];
        for script in code {
            assert!(!is_data_assignment(script), "{script}");
        }
        let r = rules();
        assert!(
            r.match_inline(data[0], CategorySet::NECESSARY_ONLY)
                .is_some(),
            "small snippets always count"
        );
        let state = format!(
            "window.__STATE__ = {{\"pad\": \"{}\", \"a\": \"{}\"}};",
            "x".repeat(SMALL_INLINE_SCRIPT),
            "GoogleAnalyticsObject"
        );
        assert_eq!(r.match_inline(&state, CategorySet::NECESSARY_ONLY), None);
        assert!(r
            .match_inline(
                "(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window)",
                CategorySet::NECESSARY_ONLY
            )
            .is_some());
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

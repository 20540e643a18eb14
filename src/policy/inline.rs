//! Inline-script decisions: which tag rule's loader an inline `<script>`
//! holds, judged from loader signatures and tracker host names found in
//! one pass over the text. Pure and allocation-free.

use super::category::{Category, CategorySet};
use super::literal_set::LiteralSet;
use super::tags::RuleId;

/// Inline scripts up to this size are also searched for tracker host names;
/// larger ones (bundles, serialized state) only for loader signatures.
pub const SMALL_INLINE_SCRIPT: usize = 8 * 1024;

/// A literal searched for in inline scripts, and what it stands for.
#[derive(Clone, Debug)]
pub(crate) struct InlineLiteral {
    /// The literal, matched ASCII case-insensitively.
    pub(crate) text: String,
    /// The rule it belongs to.
    pub(crate) rule: RuleId,
    /// That rule's category.
    pub(crate) category: Category,
    /// A tracker host name (matched only in small scripts, as a whole name)
    /// rather than a loader signature.
    pub(crate) host: bool,
}

/// The compiled inline-script literals of every tag rule.
#[derive(Clone, Debug)]
pub(crate) struct InlineMatcher {
    /// Loader signatures and tracker host names, searched in one pass.
    set: Option<LiteralSet>,
    /// What each literal of `set` stands for.
    literals: Vec<InlineLiteral>,
}

impl InlineMatcher {
    /// Compiles `literals`.
    pub(crate) fn new(literals: Vec<InlineLiteral>) -> InlineMatcher {
        let texts: Vec<String> = literals.iter().map(|l| l.text.clone()).collect();
        InlineMatcher {
            set: LiteralSet::new(&texts),
            literals,
        }
    }

    /// The first rule not covered by `granted` whose loader an inline
    /// script contains: a loader signature anywhere, or a tracker host name
    /// in a small script (as a whole name, not part of a longer one).
    ///
    /// A large script that only assigns data literals
    /// (`window.__STATE__ = {…};`) never matches: tracker snippets quoted
    /// inside serialized page state do not run. Small config-only snippets
    /// (`var addthis_pub = '…'`) do match: they belong to the tag.
    pub(crate) fn find(&self, text: &str, granted: CategorySet) -> Option<RuleId> {
        let set = self.set.as_ref()?;
        let small = text.len() <= SMALL_INLINE_SCRIPT;
        let bytes = text.as_bytes();
        let found = set.hits(text).find_map(|hit| {
            let literal = &self.literals[hit.pattern];
            if granted.contains(literal.category) {
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

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tags::{Action, ElementKinds, TagRuleSpec, TagRules};

    fn spec(id: &str, category: Category, hosts: &[&str], inline: &[&str]) -> TagRuleSpec {
        TagRuleSpec {
            id: id.into(),
            vendor: id.into(),
            category,
            hosts: hosts.iter().map(|s| s.to_string()).collect(),
            paths: Vec::new(),
            inline: inline.iter().map(|s| s.to_string()).collect(),
            action: Action::Remove,
            elements: ElementKinds::ALL,
        }
    }

    fn rules() -> TagRules {
        TagRules::new(&[
            spec(
                "ga",
                Category::ANALYTICS,
                &["google-analytics.com", "googletagmanager.com"],
                &["GoogleAnalyticsObject"],
            ),
            spec(
                "fb",
                Category::MARKETING,
                &["connect.facebook.net", "facebook.com/tr"],
                &["fbq('init'"],
            ),
        ])
        .unwrap()
    }

    fn id(r: &TagRules, name: &str) -> Option<RuleId> {
        r.rules().iter().position(|x| x.id == name)
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
}

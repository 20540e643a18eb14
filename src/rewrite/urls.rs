//! Reading URLs out of attribute values and CSS as a browser reads them,
//! before any rule sees them. Pure.
//!
//! Character references are decoded with the spec's attribute rules (the
//! `htmlize` crate's copy of the HTML named reference table); URLs are
//! parsed by the WHATWG URL standard (the `url` crate: tabs and newlines
//! removed, backslashes, percent-encoded hosts, IDNA) against the
//! document's `<base href>`.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use url::Url;

use crate::policy::js::COMMENT_END;

/// Bytes as text, bad UTF-8 replaced (the common valid case checked first:
/// faster than going straight to the lossy decoder).
pub fn lossy(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

/// An attribute value as the browser reads it: character references
/// decoded (bytes that are not UTF-8 replaced: rules are ASCII).
pub fn attribute_value(raw: &[u8]) -> Cow<'_, str> {
    let text = lossy(raw);
    if memchr::memchr(b'&', raw).is_none() {
        return text;
    }
    Cow::Owned(htmlize::unescape_attribute(text).into_owned())
}

/// Text content (SVG script, which is parsed as data) with character
/// references decoded.
pub fn text_content(raw: &[u8]) -> Cow<'_, str> {
    let text = lossy(raw);
    if memchr::memchr(b'&', raw).is_none() {
        return text;
    }
    Cow::Owned(htmlize::unescape(text).into_owned())
}

/// A search for a CSS comment's start, built once (building a searcher
/// costs more than searching a short style); its end is the same `*/` as
/// a script's block comment ([`COMMENT_END`]).
static COMMENT_OPEN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("/*"));

/// Stands in for the document's own URL, which the rewriter does not know.
const DOCUMENT: &str = "https://document.consentry.invalid/";

/// A URL read from the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An absolute URL (a `javascript:` one included).
    Absolute(Url),
    /// An absolute `http(s)` URL the WHATWG parser would read as written
    /// (checked cheaply: plain ASCII, lower-case host, nothing to clean).
    Plain(String),
    /// Relative to the document itself: the cleaned text as written (a
    /// rule may still recognise a mirrored tracker path in it).
    Relative(String),
}

impl Target {
    /// The text a rule is matched against.
    pub fn as_str(&self) -> &str {
        match self {
            Target::Absolute(url) => url.as_str(),
            Target::Plain(url) | Target::Relative(url) => url,
        }
    }

    /// Whether this may load from somewhere other than the document's own
    /// origin: not relative to the document, and not `javascript:`.
    pub fn is_other_origin(&self) -> bool {
        match self {
            Target::Absolute(url) => url.scheme() != "javascript",
            Target::Plain(_) => true,
            Target::Relative(_) => false,
        }
    }

    /// The script a `javascript:` URL runs, percent-decoded.
    pub fn javascript(&self) -> Option<String> {
        match self {
            Target::Absolute(url) if url.scheme() == "javascript" => Some(
                percent_encoding::percent_decode_str(&url.as_str()["javascript:".len()..])
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
            _ => None,
        }
    }

    /// The absolute URL, on `first_party` (as `https`) when relative to the document.
    pub fn absolute(&self, first_party: Option<&str>) -> String {
        match self {
            Target::Absolute(url) => url.to_string(),
            Target::Plain(url) => url.clone(),
            Target::Relative(path) => match first_party
                .and_then(|host| Url::parse(&format!("https://{host}/")).ok())
                .and_then(|base| base.join(path).ok())
            {
                Some(url) => url.to_string(),
                None => path.clone(),
            },
        }
    }
}

/// Reads `value` (references already decoded) as a URL relative to `base`
/// (the document's `<base href>`, if it has an absolute one). `None` when
/// a browser could not parse it either.
pub fn read(value: &str, base: Option<&Url>) -> Option<Target> {
    if let Some(target) = plain(value, base) {
        return Some(target);
    }
    static PARSED: std::sync::OnceLock<Url> = std::sync::OnceLock::new();
    let document = PARSED.get_or_init(|| Url::parse(DOCUMENT).expect("static URL"));
    let url = Url::options()
        .base_url(Some(base.unwrap_or(document)))
        .parse(value)
        .ok()?;
    if base.is_none() && url.host_str() == document.host_str() && url.scheme() == "https" {
        // Relative to the page: keep the text, cleaned as the URL parser does.
        let cleaned: String = value
            .trim_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        return Some(Target::Relative(cleaned));
    }
    Some(Target::Absolute(url))
}

/// The common case without the full parser: a plain ASCII URL (no
/// whitespace, controls, backslashes or dot segments, a percent sign or
/// `@` only past the host) that is either `http(s)://` with a lower-case
/// host or, with no base, a path relative to the document.
fn plain(value: &str, base: Option<&Url>) -> Option<Target> {
    let b = value.as_bytes();
    let simple = !b.is_empty()
        && b.iter().all(|&c| c > b' ' && c < 0x7f && c != b'\\')
        && b[0] != b'.'
        && !memchr::memchr_iter(b'/', b).any(|i| matches!(b.get(i + 1), Some(b'.' | b'%')));
    if !simple {
        return None;
    }
    // The parser keeps a percent sign or `@` in a path, query or fragment
    // as written, but reads them in a host (escapes, userinfo), and in a
    // path segment `%2e` is a dot: before the first `/`, `?` or `#` past
    // the scheme's, there is none.
    let host_start = memchr::memmem::find(b, b"//").map_or(0, |i| i + 2);
    let host_end =
        memchr::memchr3(b'/', b'?', b'#', &b[host_start..]).map_or(b.len(), |i| host_start + i);
    if memchr::memchr2(b'%', b'@', &b[..host_end]).is_some() {
        return None;
    }
    let scheme_end = b
        .iter()
        .position(|&c| matches!(c, b':' | b'/' | b'?' | b'#'));
    match scheme_end {
        Some(i) if b[i] == b':' => {
            let scheme = &value[..i];
            let rest = value[i + 1..].strip_prefix("//")?;
            ((scheme == "https" || scheme == "http") && plain_host(rest))
                .then(|| Target::Plain(value.to_string()))
        }
        // `//host`: scheme-relative, on the base's scheme (the document's
        // is taken to be `https`).
        _ if b.len() > 1 && b[0] == b'/' && b[1] == b'/' => {
            let scheme = base.map_or("https", Url::scheme);
            (matches!(scheme, "https" | "http") && plain_host(&value[2..]))
                .then(|| Target::Plain(format!("{scheme}:{value}")))
        }
        _ if base.is_none() => Some(Target::Relative(value.to_string())),
        _ => None,
    }
}

/// Whether what follows `//` starts with a host the parser keeps as
/// written: lower-case ASCII letters, digits, dots, hyphens, a port.
fn plain_host(rest: &str) -> bool {
    let rest = rest.as_bytes();
    let host = &rest[..memchr::memchr3(b'/', b'?', b'#', rest).unwrap_or(rest.len())];
    !host.is_empty()
        && host.iter().all(|&c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b':')
        })
}

/// A `data:` URL, decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct DataUrl {
    /// What stands between `data:` and the comma (media type, `;base64`).
    pub header: String,
    /// The media type's essence, lower-case (empty when none is given).
    pub essence: String,
    pub base64: bool,
    /// The body's bytes, decoded.
    pub body: Vec<u8>,
}

impl DataUrl {
    /// Whether it holds a document a frame or object renders: HTML, or
    /// XML (XHTML, SVG, any other), where XHTML scripts run.
    pub fn is_document(&self) -> bool {
        let essence = self.essence.as_str();
        matches!(essence, "text/html" | "text/xml" | "application/xml") || essence.ends_with("+xml")
    }

    /// The `data:` URL of `body`, written as this one was.
    pub fn encode(&self, body: &[u8]) -> String {
        use base64::Engine;
        let body = if self.base64 {
            base64::engine::general_purpose::STANDARD.encode(body)
        } else {
            percent_encoding::percent_encode(body, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!("data:{},{body}", self.header)
    }
}

/// Whether `value` starts with `data:` as a URL parser reads it (leading
/// C0 controls and spaces trimmed, tabs and newlines ignored): the cheap
/// test before [`data_url`] copies anything.
fn data_scheme(value: &str) -> bool {
    let mut bytes = value
        .trim_start_matches(|c: char| c <= ' ')
        .bytes()
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\r'));
    b"data:".iter().all(|want| {
        bytes
            .next()
            .is_some_and(|b| b.to_ascii_lowercase() == *want)
    })
}

/// Reads `value` (references decoded) as a `data:` URL of an HTML or XML
/// document.
pub fn data_document(value: &str) -> Option<DataUrl> {
    data_url(value).filter(DataUrl::is_document)
}

/// Reads `value` (references decoded) as a `data:` URL, as the fetch
/// standard reads data URLs.
pub fn data_url(value: &str) -> Option<DataUrl> {
    use base64::Engine;
    if !data_scheme(value) {
        return None;
    }
    let cleaned: String = value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if !cleaned.get(..5)?.eq_ignore_ascii_case("data:") {
        return None;
    }
    let (header, body) = cleaned[5..].split_once(',')?;
    let mut media = header.trim_matches(|c: char| c.is_ascii_whitespace());
    // `;`, spaces, `base64` at the end.
    let base64 = match media.rfind(';') {
        Some(i)
            if media[i + 1..]
                .trim_start_matches(' ')
                .eq_ignore_ascii_case("base64") =>
        {
            media = &media[..i];
            true
        }
        _ => false,
    };
    let essence = media.split(';').next()?.trim().to_ascii_lowercase();
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(body).collect();
    let body = if base64 {
        let compact: Vec<u8> = bytes
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let trimmed = compact
            .strip_suffix(b"==")
            .or_else(|| compact.strip_suffix(b"="));
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trimmed.unwrap_or(&compact))
            .ok()?
    } else {
        bytes
    };
    Some(DataUrl {
        header: header.to_string(),
        essence,
        base64,
        body,
    })
}

/// Markup with every root-relative attribute URL (`="/…"`, not `="//…"`)
/// made absolute on `origin`. For Consentry's own markup, whose text has
/// every `"` escaped.
pub fn root_at(html: &str, origin: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(i) = rest.find("=\"/") {
        let (head, tail) = rest.split_at(i + 2);
        out.push_str(head);
        if !tail.starts_with("//") {
            out.push_str(origin);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Reads a `<base href>` value: the base it sets, if absolute (a relative
/// one would be relative to the document's URL, which is first party).
pub fn base(value: &str) -> Option<Url> {
    match read(value, None)? {
        Target::Absolute(url) if matches!(url.scheme(), "http" | "https") => Some(url),
        Target::Plain(url) => Url::parse(&url).ok(),
        _ => None,
    }
}

/// The URLs of a `srcset` (or `imagesrcset`) value: each candidate's URL,
/// its descriptors dropped, as the spec's parsing algorithm splits them.
pub fn srcset(value: &str) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut urls = Vec::new();
    let mut i = 0;
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    while i < bytes.len() {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !is_space(bytes[i]) {
            i += 1;
        }
        let mut url = &value[start..i];
        let had_comma = url.ends_with(',');
        url = url.trim_end_matches(',');
        if !url.is_empty() {
            urls.push(url);
        }
        if had_comma {
            continue;
        }
        // Descriptors run to the next comma outside parentheses.
        let mut depth = 0u32;
        while i < bytes.len() {
            match bytes[i] {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
    }
    urls
}

/// A URL in CSS: where it sits in the text (the whole `url(…)` token or
/// the `@import` string) and the URL it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CssUrl {
    /// The token's bytes in the CSS text.
    pub span: std::ops::Range<usize>,
    /// The URL, CSS escapes of quotes and backslashes resolved.
    pub url: String,
    /// Where the `@import` it is the URL of starts, if it is one.
    pub import: Option<usize>,
}

/// Every URL CSS text fetches: `url(…)` tokens (quoted or not, the name
/// possibly written with escapes), strings after `@import` and in
/// `image-set()`; comments skipped, escaped quotes and parentheses not
/// taken for what they escape. Jumps from one `(`, quote or comment to
/// the next.
pub fn css_urls(css: &str) -> Vec<CssUrl> {
    let b = css.as_bytes();
    let mut found = Vec::new();
    let mut next_comment = COMMENT_OPEN.find(b);
    // Strings before this index are `image-set()` candidates.
    let mut image_set_end = 0;
    let mut i = 0;
    while let Some(at) = memchr::memchr3(b'(', b'"', b'\'', &b[i..]).map(|k| i + k) {
        if next_comment.is_some_and(|c| c < i) {
            // That `/*` was inside a string or `url()` already read.
            next_comment = COMMENT_OPEN.find(&b[i..]).map(|k| i + k);
        }
        if let Some(c) = next_comment.filter(|&c| c < at) {
            // Skip the comment, then look again.
            i = COMMENT_END
                .find(&b[c + 2..])
                .map_or(b.len(), |e| c + 2 + e + 2);
            next_comment = COMMENT_OPEN.find(&b[i..]).map(|k| i + k);
            continue;
        }
        i = at + 1;
        if escaped(b, at) {
            // `\(` or `\"`: a character of an identifier.
            continue;
        }
        if b[at] == b'(' {
            let name = ident_before(b, at);
            if name.end - name.start < 3 {
                continue;
            }
            let is = |text: &str| name.is(b, text);
            if is("image-set") || is("-webkit-image-set") {
                image_set_end = image_set_end.max(closing_parenthesis(b, at));
                continue;
            }
            if !is("url") {
                continue;
            }
            let mut j = at + 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let (url, end) = match b.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let (s, after) = css_string(css, j, q);
                    let close =
                        memchr::memchr(b')', &b[after..]).map_or(b.len(), |e| after + e + 1);
                    (s, close)
                }
                _ => {
                    let mut close = j;
                    while close < b.len() && b[close] != b')' {
                        close += if b[close] == b'\\' { 2 } else { 1 };
                    }
                    let close = close.min(b.len());
                    (
                        unescape_css(css[j..close].trim_end()),
                        (close + 1).min(b.len()),
                    )
                }
            };
            found.push(CssUrl {
                span: name.start..end,
                url,
                import: import_before(b, name.start),
            });
            i = end.max(i);
        } else {
            // A string: a URL after `@import` or inside `image-set(`.
            let (s, after) = css_string(css, at, b[at]);
            let import = import_before(b, at);
            if import.is_some() || at < image_set_end {
                found.push(CssUrl {
                    span: at..after,
                    url: s,
                    import,
                });
            }
            i = after.max(at + 1);
        }
    }
    found
}

/// Where the `@import` starts whose URL is the token at `at` (whitespace
/// and comments may stand between them).
fn import_before(b: &[u8], at: usize) -> Option<usize> {
    let mut end = at;
    loop {
        end = b[..end].trim_ascii_end().len();
        match b[..end].strip_suffix(b"*/") {
            Some(rest) if !rest.is_empty() => match memchr::memmem::rfind(rest, b"/*") {
                Some(open) => end = open,
                None => break,
            },
            _ => break,
        }
    }
    let keyword = ident_before(b, end);
    (keyword.start > 0 && b[keyword.start - 1] == b'@' && keyword.is(b, "import"))
        .then(|| keyword.start - 1)
}

/// Whether Chromium honours an `@import` that follows `prefix` (the style
/// sheet's text before it). It does unless a rule it parsed comes first:
/// only `@charset`, `@layer` statements (before any import) and other
/// imports may. Rules it drops (an unknown at-rule, a selector it rejects)
/// change nothing; a rule not certainly valid here counts as dropped, so
/// that an `@import` is judged unless certainly ignored.
pub fn import_allowed(prefix: &str) -> bool {
    // Chromium's states: 0 charset, 1 layer statements, 2 imports, 3 namespaces, 4 rules.
    let b = prefix.as_bytes();
    let mut state = 0;
    let mut i = 0;
    loop {
        i = skip_css_trivia(b, i);
        if i >= b.len() {
            return state <= 2;
        }
        let (end, block) = statement_end(b, i);
        let Some(block) = block else {
            // The `@import` is part of this rule's prelude: whatever it
            // is, it is no at-rule (taken to be one all the same).
            return state <= 2;
        };
        let prelude = &prefix[i..block.unwrap_or(end)];
        let parsed = if let Some(at_rule) = prelude.strip_prefix('@') {
            let name_len = at_rule
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(at_rule.len());
            let (name, rest) = at_rule.split_at(name_len);
            let rest = rest.trim_matches(|c: char| c.is_ascii_whitespace());
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            match block {
                None if is("import") && state <= 2 => Some(2),
                None if is("layer") && is_layer_names(rest) => Some(if state <= 1 { 1 } else { 4 }),
                None if is("namespace")
                    && state <= 3
                    && (rest.contains(['"', '\'']) || rest.contains("url(")) =>
                {
                    Some(3)
                }
                Some(_) if is("media") => Some(4),
                Some(_) if (is("font-face") || is("page")) && rest.is_empty() => Some(4),
                _ => None,
            }
        } else {
            block.and_then(|_| is_plain_selector_list(prelude).then_some(4))
        };
        if let Some(new) = parsed {
            state = new;
        }
        i = end;
    }
}

/// Skips whitespace, comments and `<!--`/`-->` from `i`.
fn skip_css_trivia(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &b[i..];
        if rest.starts_with(b"/*") {
            i = COMMENT_END
                .find(&rest[2..])
                .map_or(b.len(), |e| i + 2 + e + 2);
        } else if rest.starts_with(b"<!--") {
            i += 4;
        } else if rest.starts_with(b"-->") {
            i += 3;
        } else {
            return i;
        }
    }
}

/// The end of the rule starting at `i` (after its `;` or its block) and
/// where its block opens: `Some(None)` for a statement, `Some(Some(at))`
/// for a block at `at`, `None` when the text ends first.
#[allow(clippy::option_option)]
fn statement_end(b: &[u8], mut i: usize) -> (usize, Option<Option<usize>>) {
    let at_rule = b.get(i) == Some(&b'@');
    let mut parens = 0usize;
    let mut block: Option<usize> = None;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = COMMENT_END
                    .find(&b[i + 2..])
                    .map_or(b.len(), |e| i + 2 + e + 1);
            }
            b'(' | b'[' => parens += 1,
            b')' | b']' => parens = parens.saturating_sub(1),
            b';' if at_rule && parens == 0 && depth == 0 => return (i + 1, Some(None)),
            b'{' => {
                block.get_or_insert(i);
                depth += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return (i + 1, Some(block));
                }
            }
            _ => {}
        }
        i += 1;
    }
    (b.len(), None)
}

/// Whether `names` (up to a `;`) is a list of layer names (`a, b.c`).
fn is_layer_names(names: &str) -> bool {
    let names = names.strip_suffix(';').unwrap_or(names);
    names.split(',').all(|name| {
        name.trim_matches(|c: char| c.is_ascii_whitespace())
            .split('.')
            .all(|part| {
                part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && part
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
            })
    })
}

/// Whether `prelude` is a selector list every browser accepts: type,
/// class and id selectors, `*`, joined by combinators and commas.
fn is_plain_selector_list(prelude: &str) -> bool {
    let ident = |s: &[u8]| -> usize {
        let start = usize::from(s.first() == Some(&b'-'));
        if !s
            .get(start)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            return 0;
        }
        start
            + s[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
                .count()
    };
    prelude.split(',').all(|selector| {
        let b = selector
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .as_bytes();
        let mut i = 0;
        // A combinator was last (or nothing yet): a compound must follow.
        let mut need_compound = true;
        // A compound starts here: a type selector or `*` may stand here.
        let mut compound_start = true;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_whitespace() || matches!(c, b'>' | b'+' | b'~') {
                if matches!(c, b'>' | b'+' | b'~') {
                    if need_compound {
                        return false;
                    }
                    need_compound = true;
                }
                compound_start = true;
                i += 1;
                continue;
            }
            let n = match c {
                b'*' if compound_start => 1,
                b'.' | b'#' => match ident(&b[i + 1..]) {
                    0 => return false,
                    n => n + 1,
                },
                _ if compound_start => ident(&b[i..]),
                _ => 0,
            };
            if n == 0 {
                return false;
            }
            need_compound = false;
            compound_start = false;
            i += n;
        }
        !need_compound
    })
}

/// Whether the byte at `at` is escaped (an odd run of backslashes before it).
fn escaped(b: &[u8], at: usize) -> bool {
    b[..at].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1
}

/// Where the identifier ending at some index starts (escapes included).
struct Ident {
    start: usize,
    end: usize,
}

impl Ident {
    /// Whether it names `text` (ASCII lower-case), escapes resolved.
    fn is(&self, b: &[u8], text: &str) -> bool {
        let raw = &b[self.start..self.end];
        if !raw.contains(&b'\\') {
            return raw.eq_ignore_ascii_case(text.as_bytes());
        }
        unescape_css(&String::from_utf8_lossy(raw)).eq_ignore_ascii_case(text)
    }
}

/// The CSS identifier ending at `end`: name code points and escapes
/// (`\75 rl` is `url`), looked for in the 64 bytes before it.
fn ident_before(b: &[u8], end: usize) -> Ident {
    let from = end.saturating_sub(64);
    let mut start = end;
    while start > from {
        let c = b[start - 1];
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'\\') || c >= 0x80 {
            start -= 1;
        } else if start - 1 > from && b[start - 2] == b'\\' && escaped(b, start - 1) {
            // An escaped delimiter.
            start -= 2;
        } else if c.is_ascii_whitespace() && ends_hex_escape(&b[from..start - 1]) {
            // The whitespace that ends a hex escape belongs to it.
            start -= 1;
        } else {
            break;
        }
    }
    Ident { start, end }
}

/// Whether `b` ends with a hex escape (`\` and one to six hex digits).
fn ends_hex_escape(b: &[u8]) -> bool {
    let digits = b.iter().rev().take_while(|c| c.is_ascii_hexdigit()).count();
    (1..=6).contains(&digits) && b.len() > digits && b[b.len() - digits - 1] == b'\\'
}

/// The index just past the `)` closing the `(` at `open` (strings and
/// nested parentheses skipped), or the end.
fn closing_parenthesis(b: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            q @ (b'"' | b'\'') => {
                j += 1;
                while j < b.len() && b[j] != q && b[j] != b'\n' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// The CSS string starting with quote `q` at `at`: its value and the index after it.
fn css_string(css: &str, at: usize, q: u8) -> (String, usize) {
    let b = css.as_bytes();
    let mut j = at + 1;
    while j < b.len() && b[j] != q && b[j] != b'\n' {
        j += if b[j] == b'\\' { 2 } else { 1 };
    }
    let end = j.min(b.len());
    (unescape_css(&css[at + 1..end]), (end + 1).min(b.len()))
}

/// Resolves CSS escapes: `\` before a character keeps it, hex escapes
/// become their character.
fn unescape_css(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
            hex.push(chars.next().unwrap_or('0'));
        }
        if hex.is_empty() {
            if let Some(next) = chars.next() {
                if next != '\n' {
                    out.push(next);
                }
            }
        } else {
            if chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                chars.next();
            }
            let code = u32::from_str_radix(&hex, 16).unwrap_or(0xfffd);
            out.push(
                char::from_u32(code)
                    .filter(|&c| c != '\0')
                    .unwrap_or('\u{fffd}'),
            );
        }
    }
    out
}

/// The URL of a `<meta http-equiv="refresh">` `content` (or a `Refresh`
/// header), read as Chromium reads it: a delay (digits and dots), then
/// whitespace, `;` or `,` (whitespace alone is enough), an optional
/// `url=`, then the URL, quoted up to the last matching quote if it
/// starts with one.
pub fn meta_refresh(content: &str) -> Option<&str> {
    let space = |c: char| c.is_ascii_whitespace();
    let s = content.trim_start_matches(space);
    let delay_end = s.find(|c: char| c == ';' || c == ',' || space(c))?;
    let delay = &s[..delay_end];
    if delay.is_empty() || !delay.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let s = s[delay_end..].trim_start_matches(space);
    let s = s.strip_prefix([';', ',']).unwrap_or(s);
    let mut s = s.trim_start_matches(space);
    if s.get(..3).is_some_and(|u| u.eq_ignore_ascii_case("url")) {
        if let Some(rest) = s[3..].trim_start_matches(space).strip_prefix('=') {
            s = rest.trim_start_matches(space);
        }
    }
    let url = match s.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => {
            let inner = &s[1..];
            match inner.rfind(q as char) {
                Some(end) if end > 0 => &inner[..end],
                _ => inner,
            }
        }
        _ => s,
    };
    let url = url.trim_matches(space);
    (!url.is_empty()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abs(value: &str) -> String {
        read(&attribute_value(value.as_bytes()), None)
            .unwrap()
            .as_str()
            .to_string()
    }

    #[test]
    fn urls_as_a_browser_reads_them() {
        for (raw, expected) in [
            (
                "https:&#x2F;&#x2F;www.google-analytics.com/a.js",
                "https://www.google-analytics.com/a.js",
            ),
            (
                "https://www.google-\nanalytics.com/a.js",
                "https://www.google-analytics.com/a.js",
            ),
            (
                "https://www%2Egoogle-analytics%2Ecom/a.js",
                "https://www.google-analytics.com/a.js",
            ),
            (
                "\\\\www.google-analytics.com\\a.js",
                "https://www.google-analytics.com/a.js",
            ),
            (
                "//WWW.Google-Analytics.COM./a.js",
                "https://www.google-analytics.com./a.js",
            ),
            (
                "https://www.google-analytics\u{3002}com/a.js",
                "https://www.google-analytics.com/a.js",
            ),
            (" \thttps://x.example/a&amp;b ", "https://x.example/a&b"),
            ("/js/app.js", "/js/app.js"),
            (
                "../www.googletagmanager.com/gtm.js",
                "../www.googletagmanager.com/gtm.js",
            ),
        ] {
            assert_eq!(abs(raw), expected, "{raw:?}");
        }
        let base = base("https://cdn.example.net/assets/").unwrap();
        assert_eq!(
            read("x.js", Some(&base)).unwrap().as_str(),
            "https://cdn.example.net/assets/x.js"
        );
        assert_eq!(super::base("/static/"), None);
        assert_eq!(
            read("javascript:a%28%29", None)
                .unwrap()
                .javascript()
                .as_deref(),
            Some("a()")
        );
    }

    #[test]
    fn the_fast_path_reads_as_the_parser_does() {
        for value in [
            "https://www.example.org/a.js?x=1#y",
            "http://cdn.example.net:8080/p",
            "/static/site.css",
            "img/logo.png?v=2",
            "https://www.google-analytics.com/analytics.js",
            "//www.googletagmanager.com/gtm.js?id=GTM-1",
            "//cdn.example.net:8080/p",
            "https://www.example.org/a%20b/c?q=%C3%A9&u=me@example.org#x%2e",
            "/search?q=caf%C3%A9&to=a@b",
            "https://www.example.org/p%2ex/a%2E",
        ] {
            let fast = plain(value, None).unwrap();
            let Target::Absolute(parsed) = read(&format!(" {value}"), None).unwrap() else {
                assert!(matches!(fast, Target::Relative(_)), "{value}");
                continue;
            };
            assert_eq!(fast.as_str(), parsed.as_str(), "{value}");
        }
        for value in [
            "HTTPS://WWW.X.ORG/",
            "//WWW.x.org/",
            "///www.x.org/",
            "https://a.b/./c",
            "https://a%2Eb/",
            "https://u@a.b/",
            "https://u@a.b",
            "//a%2eb?x",
            "https://a.b/%2e/c",
            "https://a.b/x/%2E%2E/c",
            "%2e%2e/c",
            "a@b.c",
        ] {
            assert_eq!(plain(value, None), None, "{value}");
        }
        // Scheme-relative URLs take the base's scheme.
        let base = Url::parse("http://cdn.example.net/").unwrap();
        let fast = plain("//t.example/p.gif", Some(&base)).unwrap();
        let parsed = read(" //t.example/p.gif", Some(&base)).unwrap();
        assert_eq!(fast.as_str(), "http://t.example/p.gif");
        assert_eq!(fast.as_str(), parsed.as_str());
        let ftp = Url::parse("ftp://files.example.net/").unwrap();
        assert_eq!(plain("//t.example/p.gif", Some(&ftp)), None);
    }

    #[test]
    fn srcset_candidates() {
        assert_eq!(
            srcset("a.png 1x, https://t.example/p.gif?x=1,2 2x,c.png,d.png 100w"),
            ["a.png", "https://t.example/p.gif?x=1,2", "c.png,d.png"]
        );
        assert_eq!(
            srcset(" ,x.png (max-width: 1px, 2px) 1x, y.png"),
            ["x.png", "y.png"]
        );
    }

    #[test]
    fn css_fetches() {
        let css = r#"a{background:url( "https://t.example/a.png" )} /* url(https://c.example/x) */ i{content:"/*"}
            b{background:URL(https://t.example/b\).png)} @import 'https://t.example/c.css';
            c{background-image:image-set("https://t.example/d.png" 1x)}"#;
        let urls: Vec<String> = css_urls(css).into_iter().map(|u| u.url).collect();
        assert_eq!(
            urls,
            [
                "https://t.example/a.png",
                "https://t.example/b).png",
                "https://t.example/c.css",
                "https://t.example/d.png"
            ]
        );
        let first = &css_urls(css)[0];
        assert_eq!(
            &css[first.span.clone()],
            r#"url( "https://t.example/a.png" )"#
        );
    }

    #[test]
    fn css_fetches_written_with_escapes() {
        let urls =
            |css: &str| -> Vec<String> { css_urls(css).into_iter().map(|u| u.url).collect() };
        // Escaped function and at-rule names are still `url(` and `@import`.
        assert_eq!(
            urls(r"a{background:\75 rl(https://t.example/a)}"),
            ["https://t.example/a"]
        );
        assert_eq!(
            urls(r"a{background:u\72l(https://t.example/b)}"),
            ["https://t.example/b"]
        );
        assert_eq!(
            urls(r"@\69mport 'https://t.example/c.css';"),
            ["https://t.example/c.css"]
        );
        let escaped = r"a{background:\75 rl(https://t.example/a)}";
        let span = css_urls(escaped)[0].span.clone();
        assert_eq!(&escaped[span], r"\75 rl(https://t.example/a)");
        // Every image-set() candidate.
        assert_eq!(
            urls(r#"a{background:image-set("/a.png" 2x, 'https://t.example/d.png' 1x)}"#),
            ["/a.png", "https://t.example/d.png"]
        );
        // An escaped quote starts no string.
        assert_eq!(
            urls(r#"a{--a:\"; background:url(https://t.example/e)}"#),
            ["https://t.example/e"]
        );
        // Other functions ending in `url` are not `url()`; an escaped `(` opens nothing.
        assert!(urls("a{--icon: myurl(https://t.example/f)}").is_empty());
        assert!(urls(r"a{b:url\(https://t.example/g)}").is_empty());
        assert!(urls(r#"a{b:"@import" 'x'}"#).is_empty());
    }

    #[test]
    fn imports_chromium_honours() {
        let imports = |css: &str| -> Vec<String> {
            css_urls(css)
                .into_iter()
                .filter(|u| u.import.is_some_and(|at| import_allowed(&css[..at])))
                .map(|u| u.url)
                .collect()
        };
        assert_eq!(
            imports(
                r#"@charset "x"; /* c */ @layer a, b.c; @import/**/"/1"; @import url(/2) print;"#
            ),
            ["/1", "/2"]
        );
        // Rules Chromium drops change nothing.
        assert_eq!(imports(r#"{color:red} @foo; p..x{} @import "/3";"#), ["/3"]);
        // After a rule it keeps, a namespace or a late layer statement: ignored.
        for css in [
            r#"p{color:red} @import "/4";"#,
            r#"a > b.c, #d *{} @import "/5";"#,
            r#"@media print{p{}} @import "/6";"#,
            r#"@namespace svg url(x); @import "/7";"#,
            r#"@import "/8"; @layer x; @import "/9";"#,
        ] {
            // (The first import of the last is honoured.)
            assert!(imports(css).iter().all(|u| u == "/8"), "{css}");
        }
        // Inside a block or a prelude, judged all the same.
        assert_eq!(imports(r#"@media print{ @import "/10"; }"#), ["/10"]);
    }

    #[test]
    fn data_url_documents() {
        let html = data_document(" DATA:text/html;charset=utf-8,<p>%3Cb%3E").unwrap();
        assert_eq!(html.body, b"<p><b>");
        assert!(!html.base64);
        let b64 = data_document("data:text/html ; BASE64,PHNj\ncmlwdD4=").unwrap();
        assert_eq!(b64.body, b"<script>");
        assert_eq!(data_document(&b64.encode(b"<i>")).unwrap().body, b"<i>");
        assert_eq!(
            data_document(&html.encode(b"<a href=\"x\">")).unwrap().body,
            b"<a href=\"x\">"
        );
        assert!(data_document("data:image/svg+xml,<svg/>").is_some());
        assert!(data_document("data:text/xml,<x/>").is_some());
        assert!(data_document("data:application/atom+xml,<x/>").is_some());
        assert!(data_document("data:text/plain,<script>").is_none());
        assert!(data_document("data:,<script>").is_none());
        let js = data_url("data:,fbq('init')").unwrap();
        assert_eq!(
            (js.essence.as_str(), js.body.as_slice()),
            ("", &b"fbq('init')"[..])
        );
        assert!(data_document("https://example.org/,data:text/html,").is_none());
    }

    #[test]
    fn own_markup_rooted_at_an_origin() {
        assert_eq!(
            root_at(
                r#"<link href="/_c/x.css"><form action="/_c/consent"><a href="//cdn/x">/p</a><a href="https://a/">"#,
                "https://shop.example"
            ),
            r#"<link href="https://shop.example/_c/x.css"><form action="https://shop.example/_c/consent"><a href="//cdn/x">/p</a><a href="https://a/">"#
        );
    }

    #[test]
    fn meta_refresh_urls() {
        for (content, url) in [
            ("0; url=https://t.example/x", Some("https://t.example/x")),
            ("5;URL='https://t.example/y'", Some("https://t.example/y")),
            ("1.5, https://t.example/z", Some("https://t.example/z")),
            // Whitespace alone separates the delay from the URL.
            ("0 https://t.example/a", Some("https://t.example/a")),
            ("0\turl = https://t.example/b ", Some("https://t.example/b")),
            // Quoted up to the last quote; `url` without `=` is part of the URL.
            (
                "0; url='https://t.example/c'd'",
                Some("https://t.example/c'd"),
            ),
            ("0; url.html", Some("url.html")),
            ("30", None),
            ("30 ", None),
            ("0x; url=https://t.example/d", None),
            ("; url=https://t.example/e", None),
        ] {
            assert_eq!(meta_refresh(content), url, "{content}");
        }
    }
}

//! Validators of consent-dependent HTML, so that a choice takes effect on
//! the very next load, cached copy or not.
//!
//! A page's body depends on the visitor's consent (tags removed, banner or
//! settings link added), but the upstream's `ETag` and `Last-Modified` do
//! not. A browser revalidating a copy rewritten under other consent would
//! get the upstream's `304` and keep showing the old copy. So the `ETag` of
//! every consent-dependent HTML response carries the consent *variant* it
//! was made for (`W/"<upstream tag>--cs-<s|w><variant>"`, `s`/`w` saying
//! whether the upstream's tag was strong or weak), and `Last-Modified` is
//! dropped (a date cannot say which variant it validates). On the way in,
//! an `If-None-Match` tag of the current variant goes upstream as the
//! upstream's own tag (so its `304`s keep working); a tag of another
//! variant is removed, so the upstream answers in full.

use http::header::{HeaderMap, HeaderValue, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

use crate::policy::category::CategorySet;

/// What marks a tag as ours.
const MARK: &str = "--cs-";

/// The variant of a response: the granted categories and what was injected
/// (`b` banner, `l` settings link, `n` nothing).
pub fn variant(granted: CategorySet, banner: bool, settings_link: bool) -> String {
    let bits = granted.iter().fold(0u64, |acc, c| acc | 1 << c.index());
    let injected = match (banner, settings_link) {
        (true, _) => 'b',
        (false, true) => 'l',
        (false, false) => 'n',
    };
    format!("{bits:x}{injected}")
}

/// One entity tag: weak or not, and its opaque part.
#[derive(Debug, PartialEq, Eq)]
struct Tag<'a> {
    weak: bool,
    opaque: &'a str,
}

/// Parses a list of entity tags (`W/"a", "b"`); `None` if malformed.
fn parse_tags(text: &str) -> Option<Vec<Tag<'_>>> {
    let mut tags = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let weak = rest.starts_with("W/");
        if weak {
            rest = &rest[2..];
        }
        rest = rest.strip_prefix('"')?;
        let end = rest.find('"')?;
        tags.push(Tag {
            weak,
            opaque: &rest[..end],
        });
        rest = rest[end + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(tags)
}

fn format_tag(tag: &Tag<'_>) -> String {
    format!("{}\"{}\"", if tag.weak { "W/" } else { "" }, tag.opaque)
}

/// Marks a consent-dependent response's `ETag` with `variant` and drops
/// its `Last-Modified`.
pub fn tag_response(headers: &mut HeaderMap, variant: &str) {
    headers.remove(LAST_MODIFIED);
    let Some(etag) = headers.get(ETAG) else {
        return;
    };
    let tagged = etag
        .to_str()
        .ok()
        .and_then(parse_tags)
        .filter(|tags| tags.len() == 1)
        .map(|tags| {
            let tag = &tags[0];
            // An already marked tag (a 304 for a translated request) is re-marked.
            let (opaque, weak) = match unmark(tag.opaque) {
                Some((original, weak, _)) => (original, weak),
                None => (tag.opaque, tag.weak),
            };
            let flag = if weak { 'w' } else { 's' };
            format!("W/\"{opaque}{MARK}{flag}{variant}\"")
        })
        .and_then(|v| HeaderValue::from_str(&v).ok());
    match tagged {
        Some(value) => {
            headers.insert(ETAG, value);
        }
        None => {
            headers.remove(ETAG);
        }
    }
}

/// Splits a marked opaque tag into the upstream's tag, whether it was weak, and the variant.
fn unmark(opaque: &str) -> Option<(&str, bool, &str)> {
    let at = opaque.rfind(MARK)?;
    let (original, mark) = (&opaque[..at], &opaque[at + MARK.len()..]);
    let weak = match mark.as_bytes().first()? {
        b'w' => true,
        b's' => false,
        _ => return None,
    };
    Some((original, weak, &mark[1..]))
}

/// Rewrites a request's `If-None-Match` for upstream (see the module docs).
/// Returns whether a tag of the current variant was passed on, so that the
/// upstream's `304` must be re-marked.
pub fn translate_request(headers: &mut HeaderMap, variant: &str) -> bool {
    let Some(value) = headers.get(IF_NONE_MATCH) else {
        return false;
    };
    let Some(tags) = value.to_str().ok().and_then(parse_tags) else {
        return false;
    };
    if !tags.iter().any(|t| unmark(t.opaque).is_some()) {
        return false;
    }
    let mut kept = Vec::new();
    let mut current = false;
    let mut stale = false;
    for tag in &tags {
        match unmark(tag.opaque) {
            Some((original, weak, v)) if v == variant => {
                current = true;
                kept.push(format_tag(&Tag {
                    weak,
                    opaque: original,
                }));
            }
            Some(_) => stale = true,
            None => kept.push(format_tag(tag)),
        }
    }
    if stale {
        headers.remove(IF_MODIFIED_SINCE);
    }
    match HeaderValue::from_str(&kept.join(", ")) {
        Ok(v) if !kept.is_empty() => {
            headers.insert(IF_NONE_MATCH, v);
        }
        _ => {
            headers.remove(IF_NONE_MATCH);
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::category::Category;

    #[test]
    fn variants_differ_by_consent_and_injection() {
        let none = CategorySet::NECESSARY_ONLY;
        let a = variant(none, true, false);
        assert_eq!(a, "1b");
        assert_ne!(a, variant(none, false, false));
        assert_ne!(
            variant(none.with(Category::ANALYTICS), false, true),
            variant(none, false, true)
        );
    }

    #[test]
    fn marks_and_translates() {
        let mut response = HeaderMap::new();
        response.insert(ETAG, HeaderValue::from_static("\"abc\""));
        response.insert(
            LAST_MODIFIED,
            HeaderValue::from_static("Wed, 01 Jan 2025 00:00:00 GMT"),
        );
        tag_response(&mut response, "1b");
        assert_eq!(response[ETAG], "W/\"abc--cs-s1b\"");
        assert!(!response.contains_key(LAST_MODIFIED));

        // Same variant: upstream sees its own tag.
        let mut request = HeaderMap::new();
        request.insert(IF_NONE_MATCH, HeaderValue::from_static("W/\"abc--cs-s1b\""));
        assert!(translate_request(&mut request, "1b"));
        assert_eq!(request[IF_NONE_MATCH], "\"abc\"");

        // The 304 for it is re-marked the same way.
        let mut not_modified = HeaderMap::new();
        not_modified.insert(ETAG, HeaderValue::from_static("\"abc\""));
        tag_response(&mut not_modified, "1b");
        assert_eq!(not_modified[ETAG], "W/\"abc--cs-s1b\"");

        // Consent changed: the stale tag is removed, so upstream answers 200.
        let mut request = HeaderMap::new();
        request.insert(IF_NONE_MATCH, HeaderValue::from_static("W/\"abc--cs-s1b\""));
        request.insert(
            IF_MODIFIED_SINCE,
            HeaderValue::from_static("Wed, 01 Jan 2025 00:00:00 GMT"),
        );
        assert!(!translate_request(&mut request, "fn"));
        assert!(!request.contains_key(IF_NONE_MATCH));
        assert!(!request.contains_key(IF_MODIFIED_SINCE));

        // Other tags (assets) pass untouched; a weak upstream tag stays weak.
        let mut request = HeaderMap::new();
        request.insert(
            IF_NONE_MATCH,
            HeaderValue::from_static("\"img\", W/\"p--cs-w1b\""),
        );
        assert!(translate_request(&mut request, "1b"));
        assert_eq!(request[IF_NONE_MATCH], "\"img\", W/\"p\"");
        let mut request = HeaderMap::new();
        request.insert(IF_NONE_MATCH, HeaderValue::from_static("\"img\""));
        assert!(!translate_request(&mut request, "1b"));
        assert_eq!(request[IF_NONE_MATCH], "\"img\"");
        let mut request = HeaderMap::new();
        request.insert(IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(!translate_request(&mut request, "1b"));
        assert_eq!(request[IF_NONE_MATCH], "*");

        // A malformed upstream ETag is dropped rather than passed unmarked.
        let mut response = HeaderMap::new();
        response.insert(ETAG, HeaderValue::from_static("abc"));
        tag_response(&mut response, "1b");
        assert!(!response.contains_key(ETAG));
    }
}

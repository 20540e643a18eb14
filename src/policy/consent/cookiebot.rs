//! Cookiebot `CookieConsent`: a (usually URL-encoded) JS object literal.
//!
//! `{stamp:'…',necessary:true,preferences:false,statistics:true,marketing:false,…}`
//! grants each field that is `true` through the field map (default:
//! `statistics` → analytics; `necessary`, `preferences`, `marketing` by
//! name), and a field not in the map whose name is a category name grants
//! that category. The value `-1` means "visitor outside the consent regions"
//! and grants every category. Anything that is neither `-1` nor a
//! `{…}` literal of `key:value` pairs is unreadable. Keys and string values
//! may be quoted with `'` or `"`; values may be percent-encoded or not.

use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Categories, Category, CategorySet};

/// Reads `CookieConsent` (name configurable) with a field → category map.
#[derive(Debug, Clone)]
pub struct CookiebotDecoder {
    cookie: String,
    fields: Vec<(String, Category)>,
    categories: Categories,
}

/// The DESIGN.md default field map (other fields go by category name).
pub const DEFAULT_FIELDS: [(&str, Category); 4] = [
    ("necessary", Category::NECESSARY),
    ("preferences", Category::PREFERENCES),
    ("statistics", Category::ANALYTICS),
    ("marketing", Category::MARKETING),
];

impl CookiebotDecoder {
    /// A decoder reading cookie `cookie` with `fields` (exact names); other fields go by category name.
    pub fn new(cookie: &str, fields: Vec<(String, Category)>, categories: &Categories) -> Self {
        CookiebotDecoder {
            cookie: cookie.to_string(),
            fields,
            categories: categories.clone(),
        }
    }

    /// `CookieConsent` with the DESIGN.md field map.
    pub fn defaults(categories: &Categories) -> Self {
        CookiebotDecoder::new(
            "CookieConsent",
            DEFAULT_FIELDS
                .iter()
                .map(|(f, c)| (f.to_string(), *c))
                .collect(),
            categories,
        )
    }

    fn category(&self, key: &str) -> Option<Category> {
        match self.fields.iter().find(|(f, _)| f == key) {
            Some((_, c)) => Some(*c),
            None => self.categories.lookup(key),
        }
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// The `key:value` pairs of an object literal (keys unquoted, values trimmed but raw).
pub fn parse_literal(value: &str) -> Result<Vec<(&str, &str)>, Unreadable> {
    let body = value
        .trim()
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .ok_or(Unreadable("neither -1 nor an object literal"))?;
    // Split on top-level commas: outside quotes and nested braces/brackets.
    let bytes = body.as_bytes();
    let mut pieces = Vec::new();
    let (mut start, mut depth, mut quote) = (0usize, 0usize, None::<u8>);
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'{' | b'[') => depth += 1,
            (None, b'}' | b']') => {
                depth = depth
                    .checked_sub(1)
                    .ok_or(Unreadable("unbalanced braces"))?
            }
            (None, b',') if depth == 0 => {
                pieces.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote.is_some() || depth != 0 {
        return Err(Unreadable("unterminated quote or brace"));
    }
    pieces.push(&body[start..]);
    let mut pairs = Vec::with_capacity(pieces.len());
    for piece in pieces {
        if piece.trim().is_empty() {
            continue;
        }
        let (key, val) = piece
            .split_once(':')
            .ok_or(Unreadable("object entry without `:`"))?;
        pairs.push((unquote(key), val.trim()));
    }
    Ok(pairs)
}

impl Decoder for CookiebotDecoder {
    fn source(&self) -> Source {
        Source::Cookiebot
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        let text = percent_decode(value)?;
        if text.trim() == "-1" {
            return Ok(self.categories.all());
        }
        Ok(parse_literal(&text)?
            .into_iter()
            .filter(|(_, v)| *v == "true")
            .filter_map(|(k, _)| self.category(k))
            .collect())
    }

    fn describe(&self, value: &str) -> Option<String> {
        let text = percent_decode(value).ok()?;
        (text.trim() == "-1").then(|| "-1: visitor outside Cookiebot's consent regions".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cs: &[Category]) -> CategorySet {
        cs.iter().copied().collect()
    }

    #[test]
    fn decodes_literals() {
        use Category as C;
        let cats = Categories::with_extra(&["social"]).unwrap();
        let social = cats.lookup("social").unwrap();
        let d = CookiebotDecoder::defaults(&cats);
        let cases: &[(&str, Option<CategorySet>)] = &[
            ("-1", Some(cats.all())),
            (" -1 ", Some(cats.all())),
            (
                "{stamp:%27a%2Cb==%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:false}",
                Some(set(&[C::NECESSARY, C::ANALYTICS])),
            ),
            (
                "%7Bnecessary%3Atrue%2Cmarketing%3Atrue%7D",
                Some(set(&[C::NECESSARY, C::MARKETING])),
            ),
            (
                "{\"necessary\":true,\"preferences\":true,'social':true}",
                Some(set(&[C::NECESSARY, C::PREFERENCES, social])),
            ),
            ("{necessary:true,analytics:true}", Some(set(&[C::NECESSARY, C::ANALYTICS]))),
            ("{marketing:'true',statistics:1}", Some(set(&[]))),
            ("{region:'a,b}',x:{y:1,z:[1,2]},marketing:true}", Some(set(&[C::MARKETING]))),
            ("{}", Some(set(&[]))),
            ("{,}", Some(set(&[]))),
            ("", None),
            ("0", None),
            ("-1x", None),
            ("{necessary}", None),
            ("{stamp:'abc", None),
            ("{a:}}", None),
            ("necessary:true", None),
            ("{%FF}", None),
        ];
        for (value, expected) in cases {
            assert_eq!(d.decode(value).ok(), *expected, "{value:?}");
        }
    }
}

//! orestbida/cookieconsent `cc_cookie`: URL-encoded (or plain) JSON.
//!
//! v3 stores `"categories": [...]`, v2 `"level": [...]`; when both are
//! present `categories` is used. Names go through the alias map, else by
//! category name; unknown names are ignored. An empty list is a readable
//! refusal. A value that is not a JSON object with one of those lists of
//! strings is unreadable.

use serde::Deserialize;

use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Categories, Category, CategorySet};

/// Reads `cc_cookie` (name configurable): category names, with optional aliases.
#[derive(Debug, Clone)]
pub struct CcCookieDecoder {
    cookie: String,
    aliases: Vec<(String, Category)>,
    categories: Categories,
}

#[derive(Deserialize)]
struct Value {
    categories: Option<Vec<String>>,
    level: Option<Vec<String>>,
}

/// The category names a value lists (v3 `categories`, else v2 `level`).
pub fn parse_names(value: &str) -> Result<Vec<String>, Unreadable> {
    let trimmed = value.trim();
    let text = if trimmed.starts_with('{') {
        std::borrow::Cow::Borrowed(trimmed)
    } else {
        percent_decode(trimmed)?
    };
    let parsed: Value = serde_json::from_str(&text)
        .map_err(|_| Unreadable("not a JSON object of the expected shape"))?;
    parsed
        .categories
        .or(parsed.level)
        .ok_or(Unreadable("no `categories` or `level` list"))
}

impl CcCookieDecoder {
    /// A decoder reading cookie `cookie`; `aliases` map other names (exact) to categories.
    pub fn new(cookie: &str, aliases: Vec<(String, Category)>, categories: &Categories) -> Self {
        CcCookieDecoder {
            cookie: cookie.to_string(),
            aliases,
            categories: categories.clone(),
        }
    }

    /// `cc_cookie`, names by category name only.
    pub fn defaults(categories: &Categories) -> Self {
        CcCookieDecoder::new("cc_cookie", Vec::new(), categories)
    }
}

impl Decoder for CcCookieDecoder {
    fn source(&self) -> Source {
        Source::CcCookie
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        Ok(parse_names(value)?
            .iter()
            .filter_map(|name| match self.aliases.iter().find(|(a, _)| a == name) {
                Some((_, c)) => Some(*c),
                None => self.categories.lookup(name.trim()),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_v2_and_v3() {
        use Category as C;
        let cats = Categories::default();
        let d = CcCookieDecoder::new("cc_cookie", vec![("targeting".into(), C::MARKETING)], &cats);
        let set = |cs: &[Category]| cs.iter().copied().collect::<CategorySet>();
        let cases: &[(&str, Option<CategorySet>)] = &[
            (
                r#"{"categories":["necessary","analytics"]}"#,
                Some(set(&[C::NECESSARY, C::ANALYTICS])),
            ),
            (
                "%7B%22level%22%3A%5B%22marketing%22%5D%7D",
                Some(set(&[C::MARKETING])),
            ),
            (
                r#"{"categories":["targeting","bogus"],"level":["analytics"]}"#,
                Some(set(&[C::MARKETING])),
            ),
            (r#"{"categories":[]}"#, Some(set(&[]))),
            (r#" {"level":[" Analytics "]} "#, Some(set(&[C::ANALYTICS]))),
            (r#"{"categories":"analytics"}"#, None),
            (r#"{"categories":[1]}"#, None),
            (r#"{"revision":0}"#, None),
            ("[]", None),
            ("analytics", None),
            ("", None),
            ("%7B%FF", None),
            (&"[".repeat(5000), None),
        ];
        for (value, expected) in cases {
            assert_eq!(d.decode(value).ok(), *expected, "{value:?}");
        }
    }
}

//! Our own consent cookie: a comma-separated list of category names.

use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Categories, CategorySet};

/// Decodes `consentry=analytics,preferences` (`%2C` accepted as a comma).
///
/// Names are trimmed and case-insensitive; unknown names are ignored. An
/// empty value is readable and grants nothing beyond `necessary`.
#[derive(Debug, Clone)]
pub struct ConsentryDecoder {
    cookie: String,
    categories: Categories,
}

impl ConsentryDecoder {
    /// A decoder reading cookie `cookie`, naming categories from `categories`.
    pub fn new(cookie: &str, categories: &Categories) -> Self {
        ConsentryDecoder {
            cookie: cookie.to_string(),
            categories: categories.clone(),
        }
    }

    /// The `consentry` cookie.
    pub fn defaults(categories: &Categories) -> Self {
        ConsentryDecoder::new("consentry", categories)
    }
}

impl Decoder for ConsentryDecoder {
    fn source(&self) -> Source {
        Source::Consentry
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        let decoded = percent_decode(value)?;
        Ok(decoded
            .split(',')
            .filter_map(|name| self.categories.lookup(name.trim()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::category::Category;

    #[test]
    fn decodes_names() {
        let d = ConsentryDecoder::new("consentry", &Categories::default());
        let a = CategorySet::EMPTY.with(Category::ANALYTICS);
        let cases: &[(&str, Option<CategorySet>)] = &[
            ("analytics", Some(a)),
            (" Analytics , bogus", Some(a)),
            (
                "analytics%2Cpreferences",
                Some(a.with(Category::PREFERENCES)),
            ),
            ("analytics%2cMARKETING", Some(a.with(Category::MARKETING))),
            ("", Some(CategorySet::EMPTY)),
            (",,,", Some(CategorySet::EMPTY)),
            ("%FF%FE", None),
        ];
        for (value, expected) in cases {
            assert_eq!(d.decode(value).ok(), *expected, "value {value:?}");
        }
    }
}

//! Klaro `klaro`: a URL-encoded JSON object mapping service names to `true`/`false`.
//!
//! Each service maps to a category through the configured service map, or
//! else by category name. A category is granted when **any** service mapped
//! to it is `true` (Klaro records consent per service, so requiring every
//! service of a category would make partial consent grant nothing; the
//! site's Klaro config still keeps the refused services' own scripts off).
//! Non-boolean values count as `false`. A value that is not a JSON object is
//! unreadable; `{}` is a readable refusal.

use serde_json::Map;

use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Categories, Category, CategorySet};

/// Reads `klaro` (name configurable) with a service → category map.
#[derive(Debug, Clone)]
pub struct KlaroDecoder {
    cookie: String,
    services: Vec<(String, Category)>,
    categories: Categories,
}

impl KlaroDecoder {
    /// A decoder reading cookie `cookie`; `services` map service names (exact) to categories.
    pub fn new(cookie: &str, services: Vec<(String, Category)>, categories: &Categories) -> Self {
        KlaroDecoder {
            cookie: cookie.to_string(),
            services,
            categories: categories.clone(),
        }
    }

    /// `klaro` with no service map: services named like a category grant it.
    pub fn defaults(categories: &Categories) -> Self {
        KlaroDecoder::new("klaro", Vec::new(), categories)
    }
}

/// The `(service, consented)` entries of a value.
pub fn parse_services(value: &str) -> Result<Vec<(String, bool)>, Unreadable> {
    let trimmed = value.trim();
    let text = if trimmed.starts_with('{') {
        std::borrow::Cow::Borrowed(trimmed)
    } else {
        percent_decode(trimmed)?
    };
    let map: Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|_| Unreadable("not a JSON object"))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| (k, v.as_bool() == Some(true)))
        .collect())
}

impl Decoder for KlaroDecoder {
    fn source(&self) -> Source {
        Source::Klaro
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        Ok(parse_services(value)?
            .iter()
            .filter(|(_, consented)| *consented)
            .filter_map(
                |(service, _)| match self.services.iter().find(|(s, _)| s == service) {
                    Some((_, c)) => Some(*c),
                    None => self.categories.lookup(service),
                },
            )
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_consented_service_grants_its_category() {
        use Category as C;
        let cats = Categories::default();
        let d = KlaroDecoder::new(
            "klaro",
            vec![
                ("google-analytics".into(), C::ANALYTICS),
                ("matomo".into(), C::ANALYTICS),
                ("facebook-pixel".into(), C::MARKETING),
            ],
            &cats,
        );
        let set = |cs: &[Category]| cs.iter().copied().collect::<CategorySet>();
        let cases: &[(&str, Option<CategorySet>)] = &[
            (
                "%7B%22google-analytics%22%3Afalse%2C%22matomo%22%3Atrue%2C%22facebook-pixel%22%3Afalse%7D",
                Some(set(&[C::ANALYTICS])),
            ),
            (r#"{"facebook-pixel":true,"unknown":true}"#, Some(set(&[C::MARKETING]))),
            (r#"{"preferences":true,"matomo":"yes"}"#, Some(set(&[C::PREFERENCES]))),
            ("{}", Some(set(&[]))),
            ("%7B%7D", Some(set(&[]))),
            ("[true]", None),
            ("true", None),
            ("", None),
            ("%7B%22a%22%3A%FF%7D", None),
            (r#"{"matomo":true"#, None),
        ];
        for (value, expected) in cases {
            assert_eq!(d.decode(value).ok(), *expected, "{value:?}");
        }
    }
}

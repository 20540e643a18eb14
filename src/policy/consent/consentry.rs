//! Our own consent cookie.
//!
//! Two forms are read:
//! - the original one, a comma-separated list of category names
//!   (`consentry=analytics,preferences`, `%2C` accepted as a comma), which a
//!   site's own scripts may also set;
//! - the stamped one written by Consentry's consent endpoint,
//!   `v2.<revision>.<unix seconds>.<consent id>[.<category>]...`, which also
//!   records the policy revision the visitor answered, when, and the random
//!   consent id that links the visitor to the consent records. It only uses
//!   cookie-safe characters (RFC 6265 `cookie-octet`).

use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Categories, CategorySet};

/// The first field of a stamped value.
const STAMPED_PREFIX: &str = "v2.";

/// Hex digits in a policy revision.
pub const REVISION_LEN: usize = 8;

/// Hex digits in a consent id (128 random bits).
pub const CONSENT_ID_LEN: usize = 32;

/// When and under which policy a stamped cookie's choice was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The policy revision the visitor answered ([`REVISION_LEN`] lower-case hex digits).
    pub revision: String,
    /// When the choice was made, in seconds since the Unix epoch.
    pub given_at: u64,
    /// The random consent id ([`CONSENT_ID_LEN`] lower-case hex digits).
    pub consent_id: String,
}

/// A decoded cookie value: what it grants and, for the stamped form, its stamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieValue {
    /// The granted categories (unknown names ignored; `necessary` not implied).
    pub granted: CategorySet,
    /// The stamp, for the stamped form only.
    pub stamp: Option<Stamp>,
}

/// Reads either form of the cookie value.
pub fn parse(value: &str, categories: &Categories) -> Result<CookieValue, Unreadable> {
    let decoded = percent_decode(value)?;
    let Some(rest) = decoded.strip_prefix(STAMPED_PREFIX) else {
        return Ok(CookieValue {
            granted: decoded
                .split(',')
                .filter_map(|name| categories.lookup(name.trim()))
                .collect(),
            stamp: None,
        });
    };
    let mut fields = rest.split('.');
    let (Some(revision), Some(given_at), Some(consent_id)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(Unreadable("stamped value with missing fields"));
    };
    if !is_lower_hex(revision, REVISION_LEN) || !is_lower_hex(consent_id, CONSENT_ID_LEN) {
        return Err(Unreadable("stamped value with a malformed revision or id"));
    }
    let given_at = match given_at.len() {
        1..=12 if given_at.bytes().all(|b| b.is_ascii_digit()) => given_at
            .parse()
            .map_err(|_| Unreadable("stamped value with a malformed time"))?,
        _ => return Err(Unreadable("stamped value with a malformed time")),
    };
    let mut granted = CategorySet::EMPTY;
    for name in fields {
        if name.is_empty() {
            return Err(Unreadable("stamped value with an empty category"));
        }
        if let Some(category) = categories.lookup(name) {
            granted.insert(category);
        }
    }
    Ok(CookieValue {
        granted,
        stamp: Some(Stamp {
            revision: revision.to_string(),
            given_at,
            consent_id: consent_id.to_string(),
        }),
    })
}

/// The stamped value for `granted` (`necessary` is never written: it is implied).
pub fn encode(granted: CategorySet, categories: &Categories, stamp: &Stamp) -> String {
    let mut value = format!(
        "{STAMPED_PREFIX}{}.{}.{}",
        stamp.revision, stamp.given_at, stamp.consent_id
    );
    for category in granted.iter().filter(|c| c.index() != 0) {
        value.push('.');
        value.push_str(categories.name(category));
    }
    value
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Decodes the `consentry` cookie in either form (see the module docs).
///
/// Names are trimmed and case-insensitive; unknown names are ignored, so a
/// choice made under an older policy keeps exactly what still exists. An
/// empty value is readable and grants nothing beyond `necessary`; a
/// malformed stamped value is unreadable.
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
        parse(value, &self.categories).map(|v| v.granted)
    }

    fn describe(&self, value: &str) -> Option<String> {
        let stamp = parse(value, &self.categories).ok()?.stamp?;
        Some(format!(
            "revision {}, given at {} (Unix time), consent id {}",
            stamp.revision, stamp.given_at, stamp.consent_id
        ))
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

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn stamped_form_round_trips() {
        let categories = Categories::with_extra(&["social-media"]).unwrap();
        let social = categories.lookup("social-media").unwrap();
        let stamp = Stamp {
            revision: "00c0ffee".into(),
            given_at: 1_764_806_400,
            consent_id: ID.into(),
        };
        let granted = CategorySet::NECESSARY_ONLY
            .with(Category::ANALYTICS)
            .with(social);
        let value = encode(granted, &categories, &stamp);
        assert_eq!(
            value,
            format!("v2.00c0ffee.1764806400.{ID}.analytics.social-media")
        );
        assert!(value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\",;\\".contains(&b)));
        let parsed = parse(&value, &categories).unwrap();
        assert_eq!(parsed.granted, granted.without(Category::NECESSARY));
        assert_eq!(parsed.stamp, Some(stamp.clone()));
        // Nothing granted.
        let none = encode(CategorySet::NECESSARY_ONLY, &categories, &stamp);
        assert_eq!(none, format!("v2.00c0ffee.1764806400.{ID}"));
        assert_eq!(
            parse(&none, &categories).unwrap().granted,
            CategorySet::EMPTY
        );
        // A category the policy no longer has is ignored; the rest stays.
        let old = format!("v2.00c0ffee.1764806400.{ID}.analytics.retired");
        assert_eq!(
            parse(&old, &Categories::default()).unwrap().granted,
            CategorySet::EMPTY.with(Category::ANALYTICS)
        );
        let d = ConsentryDecoder::defaults(&Categories::default());
        assert!(d.describe(&old).unwrap().contains("00c0ffee"));
        assert_eq!(d.describe("analytics"), None);
    }

    #[test]
    fn malformed_stamped_values_are_unreadable() {
        let c = Categories::default();
        for bad in [
            "v2.".to_string(),
            "v2.00c0ffee".into(),
            "v2.00c0ffee.1764806400".into(),
            format!("v2.00C0FFEE.1764806400.{ID}"),
            format!("v2.00c0ffe.1764806400.{ID}"),
            format!("v2.00c0ffee.-1.{ID}"),
            format!("v2.00c0ffee..{ID}"),
            format!("v2.00c0ffee.9999999999999.{ID}"),
            "v2.00c0ffee.1764806400.0123".into(),
            format!("v2.00c0ffee.1764806400.{ID}..analytics"),
            format!("v2.00c0ffee.1764806400.{ID}.analytics."),
            format!("v2.00c0ffee.1764806400.{ID}x"),
        ] {
            assert!(parse(&bad, &c).is_err(), "{bad}");
        }
    }
}

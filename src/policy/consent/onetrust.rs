//! OneTrust `OptanonConsent`: a URL-encoded query string with a `groups` field.
//!
//! `groups=C0001:1,C0002:0,…` lists consent groups with `1` (granted) or `0`.
//! A category is granted when at least one group mapped to it is present and
//! **every** present group mapped to it is `:1` (so with the default map,
//! `C0004:1,C0005:0` does not grant marketing: a refusal is never overridden
//! by a sibling group). Unknown group ids are ignored.
//!
//! Real values are messy, so the reader tolerates a literal `OptanonConsent=`
//! prefix inside the value, `+` for spaces, and a value or `groups` field that
//! was percent-encoded twice. A value without a `groups` field, or with a
//! malformed entry in it, is unreadable. `isGpcEnabled` is not a GPC signal;
//! it is only reported by [`Decoder::describe`].

use std::borrow::Cow;

use super::{percent_decode, Decoder, Source, Unreadable, MAX_VALUE_LEN};
use crate::policy::category::{Category, CategorySet};

/// How many times a value may have been percent-encoded.
const MAX_DECODE_ROUNDS: usize = 3;

/// Reads `OptanonConsent` (name configurable) with a group-id → category map.
#[derive(Debug, Clone)]
pub struct OneTrustDecoder {
    cookie: String,
    groups: Vec<(String, Category)>,
}

/// The DESIGN.md default group map.
pub const DEFAULT_GROUPS: [(&str, Category); 5] = [
    ("C0001", Category::NECESSARY),
    ("C0002", Category::ANALYTICS),
    ("C0003", Category::PREFERENCES),
    ("C0004", Category::MARKETING),
    ("C0005", Category::MARKETING),
];

impl OneTrustDecoder {
    /// A decoder reading cookie `cookie`, mapping group ids (exact, case-sensitive) to categories.
    pub fn new(cookie: &str, groups: Vec<(String, Category)>) -> Self {
        OneTrustDecoder {
            cookie: cookie.to_string(),
            groups,
        }
    }

    /// `OptanonConsent` with the DESIGN.md group map.
    pub fn defaults() -> Self {
        OneTrustDecoder::new(
            "OptanonConsent",
            DEFAULT_GROUPS
                .iter()
                .map(|(g, c)| (g.to_string(), *c))
                .collect(),
        )
    }
}

/// The raw (still encoded) value of query field `name`, if present.
fn field<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then_some(value)
    })
}

/// Decodes one query-string component: `+` is a space, then `%XX` escapes.
fn unescape(s: &str) -> Result<Cow<'_, str>, Unreadable> {
    if s.contains('+') {
        Ok(Cow::Owned(
            percent_decode(&s.replace('+', " "))?.into_owned(),
        ))
    } else {
        percent_decode(s)
    }
}

fn strip_prefix(value: &str) -> &str {
    value
        .trim()
        .strip_prefix("OptanonConsent=")
        .unwrap_or(value.trim())
}

/// The decoded `groups` field of a cookie value, unescaping repeatedly when it was encoded twice.
fn groups_field(value: &str) -> Result<String, Unreadable> {
    if value.len() > MAX_VALUE_LEN {
        return Err(Unreadable("value too long"));
    }
    let mut query: Cow<'_, str> = Cow::Borrowed(strip_prefix(value));
    for _ in 0..MAX_DECODE_ROUNDS {
        if let Some(raw) = field(&query, "groups") {
            let mut groups = unescape(raw)?.into_owned();
            for _ in 0..MAX_DECODE_ROUNDS {
                if !groups.contains('%') {
                    break;
                }
                groups = unescape(&groups)?.into_owned();
            }
            return Ok(groups);
        }
        // The whole value may have been encoded once more (`groups%3D…`).
        if !query.contains('%') {
            break;
        }
        let decoded = percent_decode(&query)?.into_owned();
        query = Cow::Owned(strip_prefix(&decoded).to_string());
    }
    Err(Unreadable("no `groups` field"))
}

/// The `(group id, granted)` entries of a cookie value, in order.
pub fn parse_groups(value: &str) -> Result<Vec<(String, bool)>, Unreadable> {
    let groups = groups_field(value)?;
    let mut out = Vec::new();
    for entry in groups.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (id, flag) = entry
            .rsplit_once(':')
            .ok_or(Unreadable("malformed `groups` entry"))?;
        let granted = match flag.trim() {
            "1" => true,
            "0" => false,
            _ => return Err(Unreadable("`groups` flag is neither 0 nor 1")),
        };
        out.push((id.trim().to_string(), granted));
    }
    Ok(out)
}

impl Decoder for OneTrustDecoder {
    fn source(&self) -> Source {
        Source::OneTrust
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        let groups = parse_groups(value)?;
        let mut seen = CategorySet::EMPTY;
        let mut refused = CategorySet::EMPTY;
        for (id, granted) in &groups {
            for (_, category) in self.groups.iter().filter(|(g, _)| g == id) {
                seen.insert(*category);
                if !granted {
                    refused.insert(*category);
                }
            }
        }
        Ok(seen.difference(refused))
    }

    fn describe(&self, value: &str) -> Option<String> {
        let query = strip_prefix(value);
        let gpc = field(query, "isGpcEnabled")?;
        Some(format!(
            "isGpcEnabled={} (OneTrust's own field, not a GPC signal)",
            gpc.trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cs: &[Category]) -> CategorySet {
        cs.iter().copied().collect()
    }

    #[test]
    fn decodes_groups() {
        let d = OneTrustDecoder::defaults();
        use Category as C;
        let cases: &[(&str, Option<CategorySet>)] = &[
            (
                "groups=C0001%3A1%2CC0002%3A1",
                Some(set(&[C::NECESSARY, C::ANALYTICS])),
            ),
            (
                "groups=C0001:1,C0003:1",
                Some(set(&[C::NECESSARY, C::PREFERENCES])),
            ),
            (
                "OptanonConsent=isGpcEnabled=0&groups=C0004%3A1",
                Some(set(&[C::MARKETING])),
            ),
            // Every present group of a category must agree.
            ("groups=C0004:1,C0005:0", Some(set(&[]))),
            ("groups=C0004:1,C0005:1", Some(set(&[C::MARKETING]))),
            ("groups=C0005:1", Some(set(&[C::MARKETING]))),
            ("groups=", Some(set(&[]))),
            ("groups=C0009:1,STACK42:1", Some(set(&[]))),
            (
                "datestamp=Fri+Mar+07&groups=C0002%3A1",
                Some(set(&[C::ANALYTICS])),
            ),
            // Double encoding, of the field or of the whole value.
            (
                "groups=C0002%253A1%252CC0003%253A1",
                Some(set(&[C::ANALYTICS, C::PREFERENCES])),
            ),
            (
                "isGpcEnabled%3D0%26groups%3DC0002%253A1",
                Some(set(&[C::ANALYTICS])),
            ),
            ("groups=C0002+%3A+1", Some(set(&[C::ANALYTICS]))),
            ("isMarketing=0&isStatistic=0", None),
            ("", None),
            ("groups=C0002", None),
            ("groups=C0002:yes", None),
            ("groups=%FF%FE", None),
            ("%FF&groups=C0002:1", Some(set(&[C::ANALYTICS]))),
            ("groups%3D%FF", None),
        ];
        for (value, expected) in cases {
            assert_eq!(d.decode(value).ok(), *expected, "{value:?}");
        }
        assert!(d.decode(&"groups=C0002:1,".repeat(1000)).is_err());
    }

    #[test]
    fn is_gpc_enabled_is_only_described() {
        let d = OneTrustDecoder::defaults();
        let v = "isGpcEnabled=1&groups=C0004%3A1";
        assert_eq!(d.decode(v), Ok(set(&[Category::MARKETING])));
        assert!(d.describe(v).unwrap().contains("not a GPC signal"));
        assert_eq!(d.describe("groups=C0001:1"), None);
    }
}

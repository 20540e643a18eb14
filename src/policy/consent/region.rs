//! Region defaults: what a request without a readable consent signal gets,
//! chosen by the value of a geo header (`CF-IPCountry`, `X-Country-Code`, …).
//!
//! Codes match ASCII case-insensitively; a subdivision code such as `US-CA`
//! falls back to its country (`US`) when it has no entry of its own. Without
//! a configured header, without the header on the request, or for a code not
//! in the table, there is no region default and the strict default applies.

use crate::policy::category::CategorySet;

/// A geo header name and a table of region code → default categories.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionDefaults {
    header: Option<String>,
    /// `header` in lower case, computed once.
    lookup: Option<String>,
    entries: Vec<(String, CategorySet)>,
}

impl RegionDefaults {
    /// No region defaults at all.
    pub fn none() -> Self {
        RegionDefaults::default()
    }

    /// Defaults read from `header` (None = off), with `(code, granted set)` entries.
    pub fn new(header: Option<String>, entries: Vec<(String, CategorySet)>) -> Self {
        let lookup = header.as_ref().map(|h| h.to_ascii_lowercase());
        RegionDefaults {
            header,
            lookup,
            entries,
        }
    }

    /// The configured geo header in lower case, as requests are searched for it.
    pub fn lookup_name(&self) -> Option<&str> {
        self.lookup.as_deref()
    }

    /// The configured geo header, if any.
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    fn find(&self, code: &str) -> Option<CategorySet> {
        self.entries
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map(|(_, set)| *set)
    }

    /// The default for a geo header value (None when off, absent or unknown).
    pub fn lookup(&self, value: Option<&str>) -> Option<CategorySet> {
        self.header.as_ref()?;
        let code = value?.trim();
        if code.is_empty() {
            return None;
        }
        self.find(code).or_else(|| {
            let (country, _) = code.split_once(['-', '_'])?;
            self.find(country)
        })
    }
}

/// EU and EEA member states, plus the UK and Switzerland: opt-in regimes.
pub const OPT_IN_REGIONS: [&str; 32] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB", "CH",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::category::Category;

    #[test]
    fn lookup_rules() {
        let us = CategorySet::NECESSARY_ONLY.with(Category::MARKETING);
        let ca = CategorySet::NECESSARY_ONLY.with(Category::ANALYTICS);
        let t = RegionDefaults::new(
            Some("X-Country-Code".into()),
            vec![("US".into(), us), ("us-ca".into(), ca)],
        );
        let cases = [
            (Some("US"), Some(us)),
            (Some("us"), Some(us)),
            (Some("US-CA"), Some(ca)),
            (Some("US_NY"), Some(us)),
            (Some(" US "), Some(us)),
            (Some("DE"), None),
            (Some(""), None),
            (Some("é-US"), None),
            (None, None),
        ];
        for (value, expected) in cases {
            assert_eq!(t.lookup(value), expected, "{value:?}");
        }
        let off = RegionDefaults::new(None, vec![("US".into(), us)]);
        assert_eq!(off.lookup(Some("US")), None);
    }
}

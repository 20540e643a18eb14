//! Cookie classification: cookie name to category.
//!
//! Compiled once from the built-in catalogue plus the config's own entries:
//! an exact-name map, a prefix table (longest prefix wins) and a `RegexSet`.
//! Exact names beat prefixes, prefixes beat patterns, and the config's
//! entries beat the catalogue's.

use std::collections::HashMap;

use regex::RegexSet;

use super::category::Category;

/// How a cookie-classification entry matches names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameMatch {
    /// The whole name, case-sensitive.
    Exact(String),
    /// Names that start with this text.
    Prefix(String),
    /// Names matched by this regular expression.
    Pattern(String),
}

/// One entry: which names, and their category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieEntry {
    /// Which names.
    pub name: NameMatch,
    /// Their category.
    pub category: Category,
}

/// Compiled cookie classification.
#[derive(Debug, Clone)]
pub struct CookieClassifier {
    /// Entry index by exact name.
    exact: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
    /// Longest first, so the first match is the most specific.
    prefixes: Vec<(Box<str>, usize)>,
    patterns: RegexSet,
    pattern_entries: Vec<usize>,
    categories: Vec<Category>,
}

impl CookieClassifier {
    /// Compiles `entries`, where later entries override earlier ones with the
    /// same exact name or prefix, and earlier patterns are tried first.
    /// Fails with the index of the first invalid pattern.
    pub fn new(entries: &[CookieEntry]) -> Result<Self, (usize, regex::Error)> {
        let mut exact = HashMap::default();
        let mut prefix_map: HashMap<Box<str>, usize> = HashMap::new();
        let mut patterns = Vec::new();
        let mut pattern_entries = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match &entry.name {
                NameMatch::Exact(name) => {
                    exact.insert(name.as_str().into(), i);
                }
                NameMatch::Prefix(prefix) => {
                    prefix_map.insert(prefix.as_str().into(), i);
                }
                NameMatch::Pattern(pattern) => {
                    regex::Regex::new(pattern).map_err(|e| (i, e))?;
                    patterns.push(pattern.clone());
                    pattern_entries.push(i);
                }
            }
        }
        let mut prefixes: Vec<_> = prefix_map.into_iter().collect();
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let patterns = RegexSet::new(&patterns).map_err(|e| (entries.len(), e))?;
        Ok(CookieClassifier {
            exact,
            prefixes,
            patterns,
            pattern_entries,
            categories: entries.iter().map(|e| e.category).collect(),
        })
    }

    /// The category of cookie `name`, or `None` when nothing classifies it.
    pub fn classify(&self, name: &str) -> Option<Category> {
        self.entry(name).map(|i| self.categories[i])
    }

    /// The index (in the slice given to [`CookieClassifier::new`]) of the
    /// entry that classifies cookie `name`, or `None`.
    pub fn entry(&self, name: &str) -> Option<usize> {
        if let Some(&i) = self.exact.get(name) {
            return Some(i);
        }
        if let Some(&(_, i)) = self.prefixes.iter().find(|(p, _)| name.starts_with(&**p)) {
            return Some(i);
        }
        if self.pattern_entries.is_empty() {
            return None;
        }
        self.patterns
            .matches(name)
            .iter()
            .next()
            .map(|i| self.pattern_entries[i])
    }

    /// How many entries of each kind were compiled (exact, prefix, pattern).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (
            self.exact.len(),
            self.prefixes.len(),
            self.pattern_entries.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: NameMatch, category: Category) -> CookieEntry {
        CookieEntry { name, category }
    }

    #[test]
    fn precedence_exact_prefix_pattern() {
        use NameMatch::*;
        let c = CookieClassifier::new(&[
            entry(Exact("_ga".into()), Category::ANALYTICS),
            entry(Prefix("_ga_".into()), Category::ANALYTICS),
            entry(Prefix("_g".into()), Category::MARKETING),
            entry(Pattern("^_hj.*$".into()), Category::ANALYTICS),
            entry(Pattern("^_h".into()), Category::MARKETING),
            entry(Exact("_gid".into()), Category::PREFERENCES),
            // a later entry overrides an earlier one with the same name
            entry(Exact("_gid".into()), Category::ANALYTICS),
        ])
        .unwrap();
        let cases = [
            ("_ga", Some(Category::ANALYTICS)),
            ("_ga_ABC123", Some(Category::ANALYTICS)),
            ("_gz", Some(Category::MARKETING)),
            ("_gid", Some(Category::ANALYTICS)),
            ("_hjSession_1", Some(Category::ANALYTICS)),
            ("_hx", Some(Category::MARKETING)),
            ("_GA", None),
            ("session", None),
            ("", None),
            ("ünïcode", None),
        ];
        for (name, expected) in cases {
            assert_eq!(c.classify(name), expected, "{name}");
        }
        assert_eq!(c.entry("_gid"), Some(6));
        assert_eq!(c.entry("_ga_X"), Some(1));
        assert_eq!(c.entry("_hjX"), Some(3));
    }

    #[test]
    fn bad_pattern_names_its_entry() {
        let err = CookieClassifier::new(&[
            entry(NameMatch::Exact("a".into()), Category::ANALYTICS),
            entry(NameMatch::Pattern("(".into()), Category::ANALYTICS),
        ])
        .unwrap_err();
        assert_eq!(err.0, 1);
    }
}

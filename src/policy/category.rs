//! Cookie and tag categories, and sets of them.

use std::fmt;

/// A consent category: an index into the policy's [`Categories`] table.
///
/// The first four are fixed; a config may declare more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Category(u8);

impl Category {
    /// Strictly necessary: always granted.
    pub const NECESSARY: Category = Category(0);
    /// Preferences / functional.
    pub const PREFERENCES: Category = Category(1);
    /// Analytics / statistics / audience measurement.
    pub const ANALYTICS: Category = Category(2);
    /// Marketing / advertising / social / embeds that track.
    pub const MARKETING: Category = Category(3);
    /// The most categories a policy can hold.
    pub const MAX: usize = 64;

    /// The position of this category in its table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A set of categories (a bitset).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CategorySet(u64);

impl CategorySet {
    /// No category at all (not even `necessary`).
    pub const EMPTY: CategorySet = CategorySet(0);
    /// Only `necessary`: what a visitor without a readable signal gets.
    pub const NECESSARY_ONLY: CategorySet = CategorySet(1);

    /// Whether `category` is in the set.
    pub fn contains(self, category: Category) -> bool {
        self.0 & (1 << category.0) != 0
    }

    /// The set with `category` added.
    #[must_use]
    pub fn with(self, category: Category) -> Self {
        CategorySet(self.0 | (1 << category.0))
    }

    /// The set with `category` removed.
    #[must_use]
    pub fn without(self, category: Category) -> Self {
        CategorySet(self.0 & !(1 << category.0))
    }

    /// Adds `category` in place.
    pub fn insert(&mut self, category: Category) {
        *self = self.with(category);
    }

    /// Both sets together.
    #[must_use]
    pub fn union(self, other: CategorySet) -> Self {
        CategorySet(self.0 | other.0)
    }

    /// What both sets share.
    #[must_use]
    pub fn intersection(self, other: CategorySet) -> Self {
        CategorySet(self.0 & other.0)
    }

    /// This set less everything in `other`.
    #[must_use]
    pub fn difference(self, other: CategorySet) -> Self {
        CategorySet(self.0 & !other.0)
    }

    /// Whether every category of `other` is in this set.
    pub fn is_superset(self, other: CategorySet) -> bool {
        other.0 & !self.0 == 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The categories in the set, lowest index first.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        (0..Category::MAX as u8)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(Category)
    }
}

impl FromIterator<Category> for CategorySet {
    fn from_iter<I: IntoIterator<Item = Category>>(iter: I) -> Self {
        iter.into_iter().fold(CategorySet::EMPTY, CategorySet::with)
    }
}

impl fmt::Debug for CategorySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|c| c.0)).finish()
    }
}

/// The table of category names a policy knows, and which of them are
/// granted without consent (`necessary`, and categories a config declares
/// with `needs_consent = false`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Categories {
    names: Vec<String>,
    without_consent: CategorySet,
}

/// The categories every policy has, in index order.
pub const BUILTIN_CATEGORIES: [&str; 4] = ["necessary", "preferences", "analytics", "marketing"];

impl Default for Categories {
    fn default() -> Self {
        Categories {
            names: BUILTIN_CATEGORIES.iter().map(|s| s.to_string()).collect(),
            without_consent: CategorySet::NECESSARY_ONLY,
        }
    }
}

impl Categories {
    /// The built-in categories plus `extra` ones (lower-case names, no duplicates).
    pub fn with_extra<S: AsRef<str>>(extra: &[S]) -> Result<Self, String> {
        let mut table = Categories::default();
        for name in extra {
            let name = name.as_ref();
            if table.lookup(name.trim()).is_some() {
                return Err(format!(
                    "category `{}` is declared twice",
                    name.trim().to_ascii_lowercase()
                ));
            }
            table.declare(name, true)?;
        }
        Ok(table)
    }

    /// Declares category `name`, or confirms a known one, and returns it.
    /// `needs_consent = false` makes it granted to every visitor, like
    /// `necessary`; a built-in category keeps its own setting.
    pub fn declare(&mut self, name: &str, needs_consent: bool) -> Result<Category, String> {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!(
                "`{name}` is not a valid category name (use letters, digits, `_` or `-`)"
            ));
        }
        if let Some(known) = self.lookup(&name) {
            if known.index() < BUILTIN_CATEGORIES.len()
                && self.needs_consent(known) != needs_consent
            {
                return Err(format!(
                    "`{name}` is built in and {} consent",
                    if needs_consent {
                        "never needs"
                    } else {
                        "always needs"
                    }
                ));
            }
            if !needs_consent {
                self.without_consent.insert(known);
            }
            return Ok(known);
        }
        if self.names.len() == Category::MAX {
            return Err(format!(
                "at most {} categories are supported",
                Category::MAX
            ));
        }
        let category = Category(self.names.len() as u8);
        self.names.push(name);
        if !needs_consent {
            self.without_consent.insert(category);
        }
        Ok(category)
    }

    /// Whether `category` is granted only with consent.
    pub fn needs_consent(&self, category: Category) -> bool {
        !self.without_consent.contains(category)
    }

    /// The categories every visitor has, consent or not.
    pub fn granted_without_consent(&self) -> CategorySet {
        self.without_consent
    }

    /// The category with this name (ASCII case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<Category> {
        self.names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .map(|i| Category(i as u8))
    }

    /// The name of `category`.
    pub fn name(&self, category: Category) -> &str {
        &self.names[category.index()]
    }

    /// Every category in the table.
    pub fn all(&self) -> CategorySet {
        (0..self.names.len() as u8).map(Category).collect()
    }

    /// The names of the categories in `set`, in table order.
    pub fn names(&self, set: CategorySet) -> Vec<&str> {
        set.iter().map(|c| self.name(c)).collect()
    }

    /// All names, in table order.
    pub fn iter_names(&self) -> impl Iterator<Item = (Category, &str)> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (Category(i as u8), n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let s = CategorySet::NECESSARY_ONLY.with(Category::ANALYTICS);
        assert!(s.contains(Category::NECESSARY));
        assert!(s.contains(Category::ANALYTICS));
        assert!(!s.contains(Category::MARKETING));
        assert_eq!(s.without(Category::ANALYTICS), CategorySet::NECESSARY_ONLY);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Category::NECESSARY, Category::ANALYTICS]
        );
        assert!(s.is_superset(CategorySet::NECESSARY_ONLY));
        assert!(!CategorySet::NECESSARY_ONLY.is_superset(s));
        assert_eq!(
            s.difference(CategorySet::NECESSARY_ONLY),
            CategorySet::EMPTY.with(Category::ANALYTICS)
        );
    }

    #[test]
    fn table_lookup_and_extra() {
        let t = Categories::with_extra(&["Social"]).unwrap();
        assert_eq!(t.lookup("MARKETING"), Some(Category::MARKETING));
        let social = t.lookup("social").unwrap();
        assert_eq!(social.index(), 4);
        assert_eq!(t.name(social), "social");
        assert_eq!(t.all().iter().count(), 5);
        assert!(Categories::with_extra(&["analytics"]).is_err());
        assert!(Categories::with_extra(&["bad name"]).is_err());
        assert!(Categories::with_extra(&[""]).is_err());
    }

    #[test]
    fn declared_categories_may_go_without_consent() {
        let mut t = Categories::default();
        let auth = t.declare("Authentication", false).unwrap();
        let social = t.declare("social", true).unwrap();
        assert_eq!(t.declare("social", true), Ok(social));
        assert!(!t.needs_consent(auth));
        assert!(t.needs_consent(social));
        assert!(!t.needs_consent(Category::NECESSARY));
        assert_eq!(
            t.granted_without_consent(),
            CategorySet::NECESSARY_ONLY.with(auth)
        );
        assert!(t.declare("analytics", false).is_err());
        assert!(t.declare("necessary", true).is_err());
        assert_eq!(t.declare("marketing", true), Ok(Category::MARKETING));
    }
}

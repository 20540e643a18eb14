//! Global Privacy Control (`Sec-GPC: 1`): restricts, never grants.

use crate::policy::category::CategorySet;

/// Whether a `Sec-GPC` header value is the opt-out signal (`1`, trimmed).
pub fn is_set(header: Option<&str>) -> bool {
    header.is_some_and(|v| v.trim() == "1")
}

/// What Global Privacy Control removes from a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpcRule {
    removes: CategorySet,
}

impl GpcRule {
    /// A rule removing `removes` when the signal is set (empty = GPC ignored).
    pub fn new(removes: CategorySet) -> Self {
        GpcRule { removes }
    }

    /// `granted` restricted by the request's `Sec-GPC` header.
    pub fn apply(self, granted: CategorySet, header: Option<&str>) -> CategorySet {
        if is_set(header) {
            granted.difference(self.removes)
        } else {
            granted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::category::Category;

    #[test]
    fn only_exact_one_counts() {
        for (value, set) in [
            (Some("1"), true),
            (Some(" 1\t"), true),
            (Some("0"), false),
            (Some("true"), false),
            (Some("11"), false),
            (Some(""), false),
            (None, false),
        ] {
            assert_eq!(is_set(value), set, "{value:?}");
        }
        let rule = GpcRule::new(CategorySet::EMPTY.with(Category::MARKETING));
        let all = CategorySet::NECESSARY_ONLY
            .with(Category::MARKETING)
            .with(Category::ANALYTICS);
        assert_eq!(rule.apply(all, Some("1")), all.without(Category::MARKETING));
        assert_eq!(rule.apply(all, None), all);
    }
}

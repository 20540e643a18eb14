//! What classifies a tag after the catalogue's and config's own rules have
//! not: the filter lists, then the policy for unclassified third parties.
//! Both are represented by synthetic rules in the rule table, so a
//! [`RuleId`] stays the one currency of a match.

use std::borrow::Cow;
use std::sync::Arc;

use super::category::CategorySet;
use super::filter_list::{FilterLists, RequestType};
use super::tags::{Action, ElementKind, ElementKinds, RuleId, TagRule};
use super::third_party::{same_site, UnclassifiedMode, UnclassifiedPolicy};

/// The id of the synthetic rule standing for unclassified third parties.
pub const UNCLASSIFIED_RULE_ID: &str = "unclassified-third-party";

/// The id prefix of the synthetic rule standing for one filter list.
pub const FILTER_LIST_RULE_PREFIX: &str = "filter-list:";

/// Filter lists and the unclassified policy, with their synthetic rules.
#[derive(Clone, Debug, Default)]
pub(crate) struct TagSources {
    lists: Arc<FilterLists>,
    /// The synthetic rule of each list, by list index.
    list_rules: Vec<RuleId>,
    unclassified: UnclassifiedPolicy,
    /// The synthetic rule for unclassified tags, in `Remove` mode only.
    unclassified_rule: Option<RuleId>,
}

impl TagSources {
    /// Appends the synthetic rules of `lists` and `unclassified` to `rules`
    /// (and their categories to `categories`).
    pub(crate) fn new(
        lists: FilterLists,
        unclassified: UnclassifiedPolicy,
        rules: &mut Vec<TagRule>,
        categories: &mut CategorySet,
    ) -> TagSources {
        let mut list_rules = Vec::with_capacity(lists.lists().len());
        for list in lists.lists() {
            list_rules.push(rules.len());
            categories.insert(list.category());
            rules.push(TagRule {
                id: format!("{FILTER_LIST_RULE_PREFIX}{}", list.name()),
                vendor: list.name().to_string(),
                category: list.category(),
                action: Action::Remove,
                elements: ElementKinds::ALL,
                consent_mode: None,
            });
        }
        let unclassified_rule = match (unclassified.mode(), unclassified.category()) {
            (UnclassifiedMode::Remove, Some(category)) => {
                categories.insert(category);
                rules.push(TagRule {
                    id: UNCLASSIFIED_RULE_ID.to_string(),
                    vendor: "Unclassified third party".to_string(),
                    category,
                    action: Action::Remove,
                    elements: [ElementKind::Script, ElementKind::Iframe, ElementKind::Embed]
                        .into_iter()
                        .collect(),
                    consent_mode: None,
                });
                Some(rules.len() - 1)
            }
            _ => None,
        };
        TagSources {
            lists: Arc::new(lists),
            list_rules,
            unclassified,
            unclassified_rule,
        }
    }

    pub(crate) fn lists(&self) -> &FilterLists {
        &self.lists
    }

    pub(crate) fn unclassified(&self) -> &UnclassifiedPolicy {
        &self.unclassified
    }

    /// The list rule for an absolute URL on `host` (lower case) that no
    /// rule matched; never for the page's own site.
    pub(crate) fn match_list(
        &self,
        url: &str,
        host: &str,
        request: RequestType,
        first_party: Option<&str>,
    ) -> Option<RuleId> {
        if self.lists.is_empty() {
            return None;
        }
        if first_party.is_some_and(|fp| same_site(fp, host)) {
            return None;
        }
        let url = absolute_http_url(url)?;
        self.lists
            .check(&url, host, first_party, true, request)
            .map(|i| self.list_rules[i])
    }

    /// The unclassified rule for a `kind` element loading from `host`,
    /// when the mode is `Remove` and the policy applies.
    pub(crate) fn match_unclassified(
        &self,
        host: &str,
        kind: ElementKind,
        first_party: Option<&str>,
    ) -> Option<RuleId> {
        let rule = self.unclassified_rule?;
        self.unclassified
            .applies(host, kind, first_party)
            .then_some(rule)
    }
}

/// `url` as an absolute `http(s)://` URL: scheme-relative ones get
/// `https:`; `None` for anything else.
fn absolute_http_url(url: &str) -> Option<Cow<'_, str>> {
    let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
    if url.starts_with("//") {
        return Some(Cow::Owned(format!("https:{url}")));
    }
    let (scheme, rest) = url.split_once("://")?;
    (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
        .then_some(Cow::Borrowed(url))
        .filter(|_| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls() {
        assert_eq!(
            absolute_http_url(" //a.example/x ").as_deref(),
            Some("https://a.example/x")
        );
        assert_eq!(
            absolute_http_url("HTTP://a.example/x").as_deref(),
            Some("HTTP://a.example/x")
        );
        for other in [
            "/x.js",
            "x.js",
            "data:text/javascript,1",
            "ftp://a/x",
            "https://",
        ] {
            assert_eq!(absolute_http_url(other), None, "{other}");
        }
    }
}

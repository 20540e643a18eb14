//! The observed file: what was seen on a site, per site host — cookie names
//! and third-party hosts, classified or not. `consentry run --observed-out`
//! and `consentry scan` write it; `consentry policy --observed` and
//! `consentry check --observed` read it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The file format's version.
pub const VERSION: u32 = 1;

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// [`VERSION`].
    pub version: u32,
    /// Site host -> what was seen there.
    pub sites: BTreeMap<String, SiteObserved>,
    /// Site hosts not kept because the cap on sites was reached.
    #[serde(default)]
    pub sites_dropped: u64,
}

/// What was seen on one site host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteObserved {
    /// Cookie names, sorted.
    #[serde(default)]
    pub cookies: Vec<ObservedCookie>,
    /// Third-party hosts the site's HTML references, sorted.
    #[serde(default)]
    pub hosts: Vec<ObservedHost>,
    /// Tag rules that matched the site's HTML, sorted.
    #[serde(default)]
    pub tags: Vec<ObservedTag>,
    /// Distinct cookie names not kept because the per-site cap was reached.
    #[serde(default)]
    pub cookies_dropped: u64,
    /// Distinct hosts not kept because the per-site cap was reached.
    #[serde(default)]
    pub hosts_dropped: u64,
    /// Distinct tag rules not kept because the per-site cap was reached.
    #[serde(default)]
    pub tags_dropped: u64,
}

/// One tag rule that matched the site's HTML (by URL or inline script).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedTag {
    /// The rule's id.
    pub rule: String,
    /// The rule's category.
    pub category: String,
    /// The elements it matched, sorted.
    #[serde(default)]
    pub elements: Vec<String>,
    /// A page path where it matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One cookie name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedCookie {
    /// The cookie's name.
    pub name: String,
    /// Its category when observed, or `null` when nothing classified it.
    pub category: Option<String>,
    /// Set by the site (`Set-Cookie`).
    #[serde(default)]
    pub set_by_site: bool,
    /// Sent by browsers (`Cookie`).
    #[serde(default)]
    pub sent_by_browser: bool,
    /// A path where it was seen first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One third-party host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedHost {
    /// The host name.
    pub host: String,
    /// The elements that referenced it (`script`, `iframe`, …), sorted.
    #[serde(default)]
    pub elements: Vec<String>,
    /// The id of the tag rule it matched, or `null`.
    pub rule: Option<String>,
    /// The rule's category, or `null`.
    pub category: Option<String>,
    /// A page path that referenced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Observed {
    /// Parses an observed file's text; errors say where it went wrong.
    pub fn parse(text: &str) -> Result<Observed, String> {
        let observed: Observed = serde_json::from_str(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "the file ends too early (truncated?)",
                serde_json::error::Category::Syntax => "not valid JSON",
                _ => "not an observed file",
            };
            format!("{what}: {e}")
        })?;
        if observed.version != VERSION {
            return Err(format!(
                "version {} is not supported (expected {VERSION})",
                observed.version
            ));
        }
        Ok(observed)
    }

    /// Reads the observed file at `path`; errors name the file.
    pub fn read(path: &Path) -> Result<Observed, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
        Observed::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The file's text (pretty JSON with a final newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("observed data serializes");
        text.push('\n');
        text
    }

    /// Writes the file atomically (a temporary file renamed over `path`).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, self.to_json())?;
        std::fs::rename(&tmp, path)
    }

    /// Every distinct cookie name, over all sites, sorted.
    pub fn cookie_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .sites
            .values()
            .flat_map(|s| s.cookies.iter().map(|c| c.name.as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Every distinct tag rule id that matched, over all sites, sorted.
    pub fn tag_rules(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .sites
            .values()
            .flat_map(|s| s.tags.iter().map(|t| t.rule.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Every distinct third-party host with the rule it matched (if any), sorted.
    pub fn hosts(&self) -> Vec<(&str, Option<&str>)> {
        let mut hosts: Vec<(&str, Option<&str>)> = self
            .sites
            .values()
            .flat_map(|s| s.hosts.iter().map(|h| (h.host.as_str(), h.rule.as_deref())))
            .collect();
        hosts.sort_unstable();
        hosts.dedup_by(|a, b| a.0 == b.0);
        hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_bad_files() {
        let mut observed = Observed {
            version: VERSION,
            ..Observed::default()
        };
        observed.sites.insert(
            "shop.test".into(),
            SiteObserved {
                cookies: vec![ObservedCookie {
                    name: "_ga".into(),
                    category: Some("analytics".into()),
                    set_by_site: true,
                    sent_by_browser: false,
                    path: Some("/".into()),
                }],
                hosts: vec![ObservedHost {
                    host: "cdn.unknown.test".into(),
                    elements: vec!["script".into()],
                    rule: None,
                    category: None,
                    path: None,
                }],
                tags: vec![ObservedTag {
                    rule: "youtube".into(),
                    category: "marketing".into(),
                    elements: vec!["iframe".into()],
                    path: None,
                }],
                cookies_dropped: 3,
                hosts_dropped: 0,
                tags_dropped: 0,
            },
        );
        let text = observed.to_json();
        assert_eq!(Observed::parse(&text), Ok(observed.clone()));
        assert_eq!(observed.cookie_names(), vec!["_ga"]);
        assert_eq!(observed.hosts(), vec![("cdn.unknown.test", None)]);
        assert_eq!(observed.tag_rules(), vec!["youtube"]);

        let truncated = Observed::parse(&text[..text.len() / 2]).unwrap_err();
        assert!(truncated.contains("truncated"), "{truncated}");
        let not_json = Observed::parse("cookies: _ga").unwrap_err();
        assert!(not_json.contains("not valid JSON"), "{not_json}");
        let wrong = Observed::parse("{\"version\": 1, \"sites\": [1]}").unwrap_err();
        assert!(wrong.contains("not an observed file"), "{wrong}");
        let future = Observed::parse("{\"version\": 9, \"sites\": {}}").unwrap_err();
        assert!(future.contains("version 9"), "{future}");
    }
}

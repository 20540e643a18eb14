//! Discovery from live traffic: per site host, every cookie name the
//! upstream sets or the browser sends, every third-party host the site's
//! HTML loads from (the rewriter's references) and every tag rule that
//! matched, each with its classification or flagged unclassified.
//!
//! Memory is bounded: at most [`Limits::sites`] hosts, and per host at most
//! [`Limits::cookies`] cookie names, [`Limits::hosts`] third-party hosts and
//! [`Limits::tags`] tag rules; what does not fit is counted, not kept.
//! A name already known costs one read lock and a hash lookup.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use metrics::counter;

use crate::observed::{self, ObservedCookie, ObservedHost, ObservedTag, SiteObserved};

/// How much is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Site hosts.
    pub sites: usize,
    /// Cookie names per site.
    pub cookies: usize,
    /// Third-party hosts per site.
    pub hosts: usize,
    /// Tag rules per site.
    pub tags: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sites: 256,
            cookies: 2_000,
            hosts: 1_000,
            tags: 1_000,
        }
    }
}

/// Where a cookie name was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSource {
    /// In the upstream's `Set-Cookie`.
    SetBySite,
    /// In the browser's `Cookie`.
    SentByBrowser,
}

#[derive(Debug, Default)]
struct Site {
    cookies: HashMap<Box<str>, ObservedCookie>,
    hosts: HashMap<Box<str>, ObservedHost>,
    tags: HashMap<Box<str>, ObservedTag>,
    cookies_dropped: u64,
    hosts_dropped: u64,
    tags_dropped: u64,
}

/// A third-party host referenced from an element of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSighting<'a> {
    /// The host, lower case.
    pub host: Cow<'a, str>,
    /// The element's name (`script`, `img`, …).
    pub element: &'a str,
    /// The rule the URL matched and that rule's category, if any.
    pub rule: Option<(&'a str, &'a str)>,
}

/// A tag rule that acted on an element of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagSighting<'a> {
    /// The rule's id.
    pub id: &'a str,
    /// The rule's category.
    pub category: &'a str,
    /// The element's name.
    pub element: &'a str,
}

/// Whether `elements` lists `element`.
fn lists(elements: &[String], element: &str) -> bool {
    elements.iter().any(|e| e == element)
}

/// Adds `element` to the sorted `elements` unless it is there.
fn add_element(elements: &mut Vec<String>, element: &str) {
    if !lists(elements, element) {
        elements.push(element.to_string());
        elements.sort();
    }
}

impl Site {
    fn knows_host(&self, seen: &HostSighting) -> bool {
        self.hosts
            .get(&*seen.host)
            .is_some_and(|h| lists(&h.elements, seen.element))
    }

    fn knows_tag(&self, seen: &TagSighting) -> bool {
        self.tags
            .get(seen.id)
            .is_some_and(|t| lists(&t.elements, seen.element))
    }

    fn record_host(&mut self, seen: &HostSighting, limits: &Limits, path: &str) {
        if let Some(h) = self.hosts.get_mut(&*seen.host) {
            add_element(&mut h.elements, seen.element);
            return;
        }
        if self.hosts.len() >= limits.hosts {
            self.hosts_dropped += 1;
            dropped("host");
            return;
        }
        discovered("host", seen.rule.is_some());
        self.hosts.insert(
            (*seen.host).into(),
            ObservedHost {
                host: seen.host.to_string(),
                elements: vec![seen.element.to_string()],
                rule: seen.rule.map(|(id, _)| id.to_string()),
                category: seen.rule.map(|(_, c)| c.to_string()),
                path: Some(path.to_string()),
            },
        );
    }

    fn record_tag(&mut self, seen: &TagSighting, limits: &Limits, path: &str) {
        if let Some(t) = self.tags.get_mut(seen.id) {
            add_element(&mut t.elements, seen.element);
            return;
        }
        if self.tags.len() >= limits.tags {
            self.tags_dropped += 1;
            dropped("tag");
            return;
        }
        discovered("tag", true);
        self.tags.insert(
            seen.id.into(),
            ObservedTag {
                rule: seen.id.to_string(),
                category: seen.category.to_string(),
                elements: vec![seen.element.to_string()],
                path: Some(path.to_string()),
            },
        );
    }
}

/// The discovery store, shared by every request.
#[derive(Debug, Default)]
pub struct Discovery {
    limits: Limits,
    sites: RwLock<HashMap<Box<str>, Site>>,
    sites_dropped: RwLock<u64>,
    known_pages: KnownPages,
}

/// How many page fingerprints are remembered.
const KNOWN_PAGES: usize = 16 * 1024;

/// Fingerprints of pages whose every sighting the store holds: recording
/// such a page again would change nothing (what a store knows only grows).
struct KnownPages(quick_cache::sync::Cache<u128, ()>);

impl Default for KnownPages {
    fn default() -> Self {
        KnownPages(quick_cache::sync::Cache::new(KNOWN_PAGES))
    }
}

impl std::fmt::Debug for KnownPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownPages")
            .field("len", &self.0.len())
            .finish()
    }
}

/// The site key for a `Host` header: lower case, without the port; hostile
/// values share one key.
pub fn site_key(host: Option<&str>) -> String {
    let Some(host) = host else {
        return "(none)".into();
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => {
            name
        }
        _ => host,
    };
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    if valid {
        name.to_ascii_lowercase()
    } else {
        "(invalid)".into()
    }
}

fn discovered(kind: &'static str, classified: bool) {
    counter!(
        "consentry_discovered_total",
        "kind" => kind,
        "classified" => if classified { "yes" } else { "no" }
    )
    .increment(1);
}

fn dropped(kind: &'static str) {
    counter!("consentry_discovery_dropped_total", "kind" => kind).increment(1);
}

impl Discovery {
    /// An empty store keeping at most `limits`.
    pub fn new(limits: Limits) -> Self {
        Discovery {
            limits,
            ..Discovery::default()
        }
    }

    /// Runs `change` on `site`'s entry (created if there is room); `known`
    /// answers under a read lock first, so repeats never take the write lock.
    fn with_site(
        &self,
        site: &str,
        known: impl Fn(&Site) -> bool,
        change: impl FnOnce(&mut Site, &Limits),
    ) {
        {
            let sites = self.sites.read().unwrap_or_else(PoisonError::into_inner);
            if sites.get(site).is_some_and(&known) {
                return;
            }
        }
        let mut sites = self.sites.write().unwrap_or_else(PoisonError::into_inner);
        if !sites.contains_key(site) {
            if sites.len() >= self.limits.sites {
                *self
                    .sites_dropped
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) += 1;
                dropped("site");
                return;
            }
            sites.insert(site.into(), Site::default());
        }
        let entry = sites.get_mut(site).expect("inserted above");
        if !known(entry) {
            change(entry, &self.limits);
        }
    }

    /// Records cookie `name` on `site`; `classify` (its category) is asked
    /// only for a name new to the site.
    pub fn cookie(
        &self,
        site: &str,
        name: &str,
        source: CookieSource,
        path: &str,
        classify: impl FnOnce() -> Option<String>,
    ) {
        let flag = |c: &ObservedCookie| match source {
            CookieSource::SetBySite => c.set_by_site,
            CookieSource::SentByBrowser => c.sent_by_browser,
        };
        self.with_site(
            site,
            |s| s.cookies.get(name).is_some_and(flag),
            |s, limits| {
                if let Some(c) = s.cookies.get_mut(name) {
                    match source {
                        CookieSource::SetBySite => c.set_by_site = true,
                        CookieSource::SentByBrowser => c.sent_by_browser = true,
                    }
                    return;
                }
                if s.cookies.len() >= limits.cookies {
                    s.cookies_dropped += 1;
                    dropped("cookie");
                    return;
                }
                let category = classify();
                discovered("cookie", category.is_some());
                s.cookies.insert(
                    name.into(),
                    ObservedCookie {
                        name: name.to_string(),
                        category,
                        set_by_site: source == CookieSource::SetBySite,
                        sent_by_browser: source == CookieSource::SentByBrowser,
                        path: Some(path.to_string()),
                    },
                );
            },
        );
    }

    /// Records what one HTML response of `site` (at `path`) showed: the
    /// third-party hosts its elements reference and the tag rules that
    /// acted, as `sightings` reads them. `fingerprint` is a hash of the site
    /// and of everything `sightings` reads: a page recorded in full before
    /// costs one lookup, and what is already known one read lock.
    pub fn page<'a>(
        &self,
        site: &str,
        path: &str,
        fingerprint: u128,
        sightings: impl FnOnce() -> (Vec<HostSighting<'a>>, Vec<TagSighting<'a>>),
    ) {
        if self.known_pages.0.get(&fingerprint).is_some() {
            return;
        }
        let (hosts, tags) = sightings();
        let knows =
            |s: &Site| hosts.iter().all(|h| s.knows_host(h)) && tags.iter().all(|t| s.knows_tag(t));
        self.with_site(site, knows, |s, limits| {
            for h in &hosts {
                s.record_host(h, limits, path);
            }
            for t in &tags {
                s.record_tag(t, limits, path);
            }
        });
        // Nothing dropped (a limit reached counts every later sighting).
        let sites = self.sites.read().unwrap_or_else(PoisonError::into_inner);
        if sites.get(site).is_some_and(knows) {
            self.known_pages.0.insert(fingerprint, ());
        }
    }

    /// Everything discovered so far, as an observed file.
    pub fn snapshot(&self) -> observed::Observed {
        self.snapshot_of(|_| true)
    }

    /// What was discovered on `site` only.
    pub fn site_snapshot(&self, site: &str) -> observed::Observed {
        self.snapshot_of(|key| key == site)
    }

    fn snapshot_of(&self, wanted: impl Fn(&str) -> bool) -> observed::Observed {
        let sites = self.sites.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = observed::Observed {
            version: observed::VERSION,
            sites: Default::default(),
            sites_dropped: *self
                .sites_dropped
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        };
        for (key, site) in sites.iter().filter(|(key, _)| wanted(key)) {
            let mut cookies: Vec<ObservedCookie> = site.cookies.values().cloned().collect();
            cookies.sort_by(|a, b| a.name.cmp(&b.name));
            let mut hosts: Vec<ObservedHost> = site.hosts.values().cloned().collect();
            hosts.sort_by(|a, b| a.host.cmp(&b.host));
            let mut tags: Vec<ObservedTag> = site.tags.values().cloned().collect();
            tags.sort_by(|a, b| a.rule.cmp(&b.rule));
            out.sites.insert(
                key.to_string(),
                SiteObserved {
                    cookies,
                    hosts,
                    tags,
                    cookies_dropped: site.cookies_dropped,
                    hosts_dropped: site.hosts_dropped,
                    tags_dropped: site.tags_dropped,
                },
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_cap_and_counts_the_overflow() {
        let store = Discovery::default();
        let cap = Limits::default().cookies;
        let mut classified = 0;
        for i in 0..100_000 {
            store.cookie(
                "shop.test",
                &format!("c{i}"),
                CookieSource::SetBySite,
                "/",
                || {
                    classified += 1;
                    None
                },
            );
        }
        // A known name again costs nothing and changes nothing.
        store.cookie("shop.test", "c0", CookieSource::SetBySite, "/", || {
            panic!("classified twice")
        });
        let snapshot = store.snapshot();
        let site = &snapshot.sites["shop.test"];
        assert_eq!(site.cookies.len(), cap);
        assert_eq!(site.cookies_dropped, (100_000 - cap) as u64);
        assert_eq!(classified, cap, "only kept names are classified");
    }

    fn sighting<'a>(host: &'a str, element: &'a str) -> HostSighting<'a> {
        HostSighting {
            host: host.into(),
            element,
            rule: None,
        }
    }

    #[test]
    fn records_sources_hosts_tags_and_bounds_sites() {
        let store = Discovery::new(Limits {
            sites: 2,
            cookies: 10,
            hosts: 1,
            tags: 10,
        });
        store.cookie("a.test", "_ga", CookieSource::SetBySite, "/x", || {
            Some("analytics".into())
        });
        store.cookie("a.test", "_ga", CookieSource::SentByBrowser, "/y", || None);
        store.page("a.test", "/", 1, || {
            (
                vec![
                    sighting("cdn.example", "script"),
                    sighting("cdn.example", "img"),
                ],
                vec![],
            )
        });
        store.page("a.test", "/", 2, || {
            (vec![sighting("other.example", "img")], vec![])
        });
        let youtube = TagSighting {
            id: "youtube",
            category: "marketing",
            element: "iframe",
        };
        store.page("a.test", "/v", 3, || {
            (vec![sighting("cdn.example", "img")], vec![youtube])
        });
        store.cookie("b.test", "x", CookieSource::SetBySite, "/", || None);
        store.cookie("c.test", "x", CookieSource::SetBySite, "/", || None);
        let s = store.snapshot();
        assert_eq!(s.sites.len(), 2);
        assert_eq!(s.sites_dropped, 1);
        let a = &s.sites["a.test"];
        let ga = &a.cookies[0];
        assert!(ga.set_by_site && ga.sent_by_browser);
        assert_eq!(ga.category.as_deref(), Some("analytics"));
        assert_eq!(ga.path.as_deref(), Some("/x"));
        assert_eq!(a.hosts.len(), 1);
        assert_eq!(a.hosts[0].elements, ["img", "script"]);
        assert_eq!(a.hosts_dropped, 1);
        assert_eq!(a.tags[0].rule, "youtube");
    }

    /// A page recorded in full is not read again; one with a sighting
    /// dropped at a limit is, and each drop is counted.
    #[test]
    fn pages_recorded_in_full_are_not_read_again() {
        let store = Discovery::new(Limits {
            hosts: 1,
            ..Limits::default()
        });
        let reads = std::cell::Cell::new(0);
        let page = |fingerprint, host| {
            store.page("a.test", "/", fingerprint, || {
                reads.set(reads.get() + 1);
                (vec![sighting(host, "img")], vec![])
            })
        };
        page(1, "cdn.example");
        page(1, "cdn.example");
        assert_eq!(reads.get(), 1);
        page(2, "other.example");
        page(2, "other.example");
        assert_eq!(reads.get(), 3);
        assert_eq!(store.snapshot().sites["a.test"].hosts_dropped, 2);
    }

    #[test]
    fn new_items_are_counted_by_classification() {
        let recorder = crate::admin::exporter::builder().unwrap().build_recorder();
        let handle = recorder.handle();
        let store = Discovery::default();
        metrics::with_local_recorder(&recorder, || {
            store.cookie("a.test", "x", CookieSource::SetBySite, "/", || None);
            store.cookie("a.test", "x", CookieSource::SentByBrowser, "/", || None);
            store.cookie("a.test", "_ga", CookieSource::SetBySite, "/", || {
                Some("analytics".into())
            });
            store.page("a.test", "/", 1, || {
                (vec![sighting("cdn.test", "script")], vec![])
            });
        });
        let text = handle.render();
        for line in [
            "consentry_discovered_total{kind=\"cookie\",classified=\"no\"} 1",
            "consentry_discovered_total{kind=\"cookie\",classified=\"yes\"} 1",
            "consentry_discovered_total{kind=\"host\",classified=\"no\"} 1",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn site_keys() {
        assert_eq!(site_key(Some("Shop.Test:8080")), "shop.test");
        assert_eq!(site_key(Some("[::1]:80")), "[::1]");
        assert_eq!(site_key(Some("a b")), "(invalid)");
        assert_eq!(site_key(None), "(none)");
    }
}

//! The site's cookie policy, generated from the config: what `consentry
//! policy` prints and the proxy serves at `{consent_ui.path_prefix}/policy`.
//!
//! [`build`] picks what the site uses — what the config declares (its own
//! cookie entries and tag rules, and the built-in ones its
//! `[[categories.category]]` name) plus what an observed file saw — never
//! the whole catalogue; [`render`] writes it as HTML, Markdown or JSON.
//! Pure: no I/O.

pub mod facts;
pub mod render;
pub mod texts;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::Policy;
use crate::observed::Observed;
use crate::policy::category::Category;
use crate::policy::cookies::NameMatch;
use crate::policy::tags::{ElementKind, RuleId};
use facts::{Retention, Unit};

pub use render::{render, Format};

/// A cookie policy, ready to render.
#[derive(Debug, Serialize)]
pub struct Document {
    /// Its language (`en`, `de`).
    pub language: String,
    /// Who runs the site.
    pub site: SiteView,
    /// The preferences page, where consent is changed or withdrawn.
    pub preferences_url: String,
    /// The consent UI's stylesheet, which a full HTML page links.
    #[serde(skip)]
    pub stylesheet_url: String,
    /// The categories the site uses, in table order.
    pub categories: Vec<CategoryView>,
    /// What the observed file saw that no rule classifies (not rendered in
    /// HTML or Markdown: `consentry check` asks for rules for them).
    pub unclassified: Unclassified,
}

/// `[site]` as the policy prints it.
#[derive(Debug, Serialize)]
pub struct SiteView {
    /// The operator's or site's name.
    pub name: Option<String>,
    /// The site's address.
    pub url: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Contact page.
    pub contact_url: Option<String>,
    /// `YYYY-MM-DD`.
    pub last_updated: Option<String>,
    /// The revision history.
    pub revisions: Vec<RevisionView>,
}

/// One row of the revision history.
#[derive(Debug, Serialize)]
pub struct RevisionView {
    /// `1.1`
    pub version: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// What changed.
    pub description: String,
}

/// One category with its cookies and services.
#[derive(Debug, Serialize)]
pub struct CategoryView {
    /// The config name (`analytics`).
    pub name: String,
    /// Its title in the document's language.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// Whether it is used only with consent.
    pub needs_consent: bool,
    /// Its cookies.
    pub cookies: Vec<CookieView>,
    /// Other providers' services whose tags load only with this category.
    pub services: Vec<ServiceView>,
}

/// One cookie (or family of cookies) in the policy.
#[derive(Debug, Serialize)]
pub struct CookieView {
    /// The name, the prefix or the pattern.
    pub name: String,
    /// `name`, `prefix` or `pattern`.
    pub matches: &'static str,
    /// Who sets it.
    pub provider: String,
    /// What it is for.
    pub purpose: Option<String>,
    /// How long it lasts, in words.
    pub retention: Option<String>,
}

/// One third-party service in the policy.
#[derive(Debug, Serialize)]
pub struct ServiceView {
    /// The tag rule's id.
    pub id: String,
    /// The vendor.
    pub vendor: String,
    /// What its tag does.
    pub purpose: Option<String>,
    /// The vendor's privacy policy.
    pub privacy_policy: Option<String>,
    /// Where to opt out with the vendor.
    pub opt_out: Option<String>,
    /// The hosts seen on the site that belong to it.
    pub hosts: Vec<String>,
}

/// What no rule classifies.
#[derive(Debug, Default, Serialize)]
pub struct Unclassified {
    /// Cookie names.
    pub cookies: Vec<String>,
    /// Third-party hosts.
    pub hosts: Vec<String>,
}

/// The policy of `policy`'s site in `language` (see [`texts::LANGUAGES`]),
/// with what `observed` saw.
pub fn build(
    policy: &Policy,
    observed: Option<&Observed>,
    language: &str,
) -> Result<Document, String> {
    let words = texts::texts(language).ok_or_else(|| {
        format!(
            "no policy texts for language `{language}` (available: {})",
            texts::LANGUAGES.join(", ")
        )
    })?;
    let ui = &policy.consent_ui;
    let ui_texts = ui
        .texts(language)
        .or_else(|| ui.texts("en"))
        .expect("English consent texts are built in");
    let site = &policy.site;
    let first_party = site.name.clone().unwrap_or_else(|| words.this_site.into());

    let classifier = policy.cookies.classifier();
    let mut cookie_entries: BTreeSet<usize> = policy
        .facts
        .cookies
        .iter()
        .enumerate()
        .filter(|(_, f)| f.declared)
        .map(|(i, _)| i)
        .collect();
    let rules = policy.rewriter.rules();
    let mut services: BTreeMap<RuleId, BTreeSet<String>> = policy
        .facts
        .tags
        .iter()
        .enumerate()
        .filter(|(_, f)| f.declared)
        .map(|(i, _)| (i, BTreeSet::new()))
        .collect();
    let mut unclassified = Unclassified::default();
    if let Some(observed) = observed {
        for name in observed.cookie_names() {
            match classifier.entry(name) {
                Some(i) => {
                    cookie_entries.insert(i);
                }
                None => unclassified.cookies.push(name.to_string()),
            }
        }
        for id in observed.tag_rules() {
            if let Some(i) = rules.rules().iter().position(|r| r.id == id) {
                services.entry(i).or_default();
            }
        }
        for (host, rule) in observed.hosts() {
            let by_id = rule.and_then(|id| rules.rules().iter().position(|r| r.id == id));
            let matched = by_id.or_else(|| {
                rules.match_url(&format!("https://{host}/"), ElementKind::Script, None)
            });
            match matched {
                Some(i) => {
                    services.entry(i).or_default().insert(host.to_string());
                }
                None => unclassified.hosts.push(host.to_string()),
            }
        }
    }

    let consent_cookie = CookieView {
        name: ui.cookie_name.clone(),
        matches: "name",
        provider: first_party.clone(),
        purpose: Some(words.consent_cookie_purpose.into()),
        retention: Some(words.retention(Retention::For((ui.max_age / 86_400) as u32, Unit::Day))),
    };
    let mut by_category: BTreeMap<Category, (Vec<CookieView>, Vec<ServiceView>)> = BTreeMap::new();
    by_category
        .entry(Category::NECESSARY)
        .or_default()
        .0
        .push(consent_cookie);
    for i in cookie_entries {
        let f = &policy.facts.cookies[i];
        let (name, matches) = match &f.name {
            NameMatch::Exact(n) if *n == ui.cookie_name => continue,
            NameMatch::Exact(n) => (n.clone(), "name"),
            NameMatch::Prefix(p) => (format!("{p}*"), "prefix"),
            NameMatch::Pattern(p) => (p.clone(), "pattern"),
        };
        by_category
            .entry(f.category)
            .or_default()
            .0
            .push(CookieView {
                name,
                matches,
                provider: f.vendor.clone().unwrap_or_else(|| first_party.clone()),
                purpose: f.purpose.as_ref().map(|p| p.get(language).to_string()),
                retention: f.retention.map(|r| words.retention(r)),
            });
    }
    for (i, hosts) in services {
        let rule = rules.rule(i);
        let f = &policy.facts.tags[i];
        by_category
            .entry(rule.category)
            .or_default()
            .1
            .push(ServiceView {
                id: rule.id.clone(),
                vendor: rule.vendor.clone(),
                purpose: f.purpose.as_ref().map(|p| p.get(language).to_string()),
                privacy_policy: f.privacy_policy.clone(),
                opt_out: f.opt_out.clone(),
                hosts: hosts.into_iter().collect(),
            });
    }

    let builtin = crate::policy::category::BUILTIN_CATEGORIES.len();
    let categories = policy
        .categories
        .iter_names()
        .filter_map(|(c, name)| {
            let used = by_category.remove(&c);
            if used.is_none() && c.index() < builtin {
                return None;
            }
            let (cookies, services) = used.unwrap_or_default();
            let text = ui_texts.category(name);
            Some(CategoryView {
                name: name.to_string(),
                title: text.label,
                description: text.description,
                needs_consent: policy.categories.needs_consent(c),
                cookies,
                services,
            })
        })
        .collect();

    Ok(Document {
        language: language.to_string(),
        site: SiteView {
            name: site.name.clone(),
            url: site.url.clone(),
            email: site.contact.email.clone(),
            phone: site.contact.phone.clone(),
            address: site.contact.address.clone(),
            contact_url: site.contact.url.clone(),
            last_updated: site.last_updated.clone(),
            revisions: site
                .revisions
                .iter()
                .map(|r| RevisionView {
                    version: r.version.clone(),
                    date: r.date.clone(),
                    description: r.description.clone(),
                })
                .collect(),
        },
        preferences_url: ui.preferences_url("/"),
        stylesheet_url: ui.stylesheet_url().to_string(),
        categories,
        unclassified,
    })
}

/// What `consentry check` warns about: categories without a description
/// (in the consent UI's English texts), and cookies and hosts in `observed`
/// that no rule of `policy` classifies. One sentence each.
pub fn warnings(policy: &Policy, observed: Option<&Observed>) -> Vec<String> {
    let mut warnings = Vec::new();
    let texts = policy
        .consent_ui
        .texts("en")
        .expect("English consent texts are built in");
    for (_, name) in policy.categories.iter_names() {
        if texts.category(name).description.trim().is_empty() {
            warnings.push(format!(
                "category `{name}` has no description: give its [[categories.category]] `description = {{ en = \"...\" }}`"
            ));
        }
    }
    let Some(observed) = observed else {
        return warnings;
    };
    let classifier = policy.cookies.classifier();
    let rules = policy.rewriter.rules();
    for (site, seen) in &observed.sites {
        for cookie in &seen.cookies {
            if classifier.entry(&cookie.name).is_none() {
                warnings.push(format!(
                    "cookie `{}` seen on {site}{} is not classified: add a [[cookies.rule]] for it",
                    cookie.name,
                    cookie
                        .path
                        .as_deref()
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default()
                ));
            }
        }
        for host in &seen.hosts {
            let known = host
                .rule
                .as_deref()
                .is_some_and(|id| rules.rules().iter().any(|r| r.id == id))
                || rules
                    .match_url(
                        &format!("https://{}/", host.host),
                        ElementKind::Script,
                        None,
                    )
                    .is_some();
            if !known {
                warnings.push(format!(
                    "host `{}` loaded by {site}{} is not classified: add a [[tags.rule]] for it",
                    host.host,
                    host.path
                        .as_deref()
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    warnings
}

//! Validation of a parsed config file and compilation into a [`Policy`].

use std::sync::Arc;

use super::file::{
    ActionFile, AdminFile, CacheFile, CatalogueFile, CategoriesFile, CategoryFile, ConfigFile,
    CookieRuleFile, FilterListFile, GoogleConsentModeFile, HostHeaderFile, ModeFile,
    ModeOverrideFile, ReadinessFile, SiteFile, TagRuleFile, TagsUnclassifiedFile, UnclassifiedFile,
};
use super::mode::ModeOverride;
use super::{
    AdminSettings, CacheSafety, ConfigError, HostHeader, Mode, Policy, ProxySettings, Readiness,
    COOKIE_CATALOGUE, TAG_CATALOGUE, TAG_CATALOGUE_LONGTAIL,
};
use crate::config::file::MappedSourceFile;
use crate::policy::category::{Categories, Category};
use crate::policy::consent::{ConsentPolicy, ConsentSettings};
use crate::policy::consent_mode::ConsentMode;
use crate::policy::cookies::{CookieClassifier, CookieEntry, NameMatch};
use crate::policy::filter_list::{FilterLists, ListSource};
use crate::policy::set_cookie::{CookieRules, Unclassified};
use crate::policy::tags::{Action, ElementKind, ElementKinds, TagRuleSpec, TagRules};
use crate::policy::third_party::{UnclassifiedMode, UnclassifiedPolicy};

/// The built-in rules of Google tags that `tags.google_consent_mode` applies to.
pub const GOOGLE_TAG_RULES: [&str; 3] = ["google-analytics", "google-tag-manager", "google-ads"];

/// The Consent Mode a rule's action asks for.
fn consent_mode(action: ActionFile) -> Option<ConsentMode> {
    match action {
        ActionFile::GcmBasic => Some(ConsentMode::Basic),
        ActionFile::GcmAdvanced => Some(ConsentMode::Advanced),
        ActionFile::Remove | ActionFile::Neutralize | ActionFile::Placeholder => None,
    }
}
use crate::policy_doc::facts::{self, CookieFacts, Facts, Retention, Site, TagFacts};
use crate::rewrite::{Limits, Rewriter};

/// Parses and compiles config `text`; `file` names it in errors.
pub fn compile(text: &str, file: &str) -> Result<Policy, ConfigError> {
    let parsed: ConfigFile = parse(text, file)?;
    Compiler { file }.policy(parsed)
}

/// Deserializes TOML, reporting the failing key path.
fn parse<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|e| syntax_error(file, text, &e))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        ConfigError {
            file: file.to_string(),
            key: if key == "." { String::new() } else { key },
            reason: inner.message().to_string(),
        }
    })
}

fn syntax_error(file: &str, text: &str, e: &toml::de::Error) -> ConfigError {
    let location = e.span().map(|span| {
        let before = &text.as_bytes()[..span.start.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        format!("line {line}, column {column}: ")
    });
    ConfigError {
        file: file.to_string(),
        key: String::new(),
        reason: format!(
            "invalid TOML: {}{}",
            location.unwrap_or_default(),
            e.message()
        ),
    }
}

struct Compiler<'f> {
    file: &'f str,
}

impl Compiler<'_> {
    fn error(&self, key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            key: key.into(),
            reason: reason.into(),
        }
    }

    fn policy(&self, f: ConfigFile) -> Result<Policy, ConfigError> {
        let categories = self.categories(&f.categories)?;
        let moves = Moves::new(&f.categories.category, &categories);
        let consent = self.consent(&f.consent, &categories)?;
        let (cookies, cookie_facts) = self.cookies(&f.cookies, &categories, &moves)?;
        let (tags, tag_facts) = self.tags(&f.tags, &categories, &moves)?;
        if let Some((key, reason)) = moves.unmatched() {
            return Err(self.error(key, reason));
        }
        let site = self.site(&f.site)?;
        let limits = Limits {
            parser_memory: f.html.parser_memory_limit,
            inline_script: f.html.inline_script_limit,
            noscript: f.html.noscript_limit,
        };
        if limits.parser_memory < 64 << 10 {
            return Err(self.error("html.parser_memory_limit", "must be at least 65536 bytes"));
        }
        let proxy = self.proxy(&f.proxy)?;
        let admin = self.admin(&f.admin)?;
        let mode_overrides = f
            .mode_override
            .iter()
            .enumerate()
            .map(|(i, o)| self.mode_override(i, o))
            .collect::<Result<_, _>>()?;
        let consent_ui = crate::consent_ui::ConsentUi::compile(
            &f.consent_ui,
            &f.categories.category,
            &categories,
            &tags,
            f.consent.consentry.cookie.as_deref().unwrap_or("consentry"),
        )
        .map_err(|(key, reason)| self.error(format!("consent_ui.{key}"), reason))?;
        Ok(Policy {
            consent_ui,
            rewriter: Rewriter::new(Arc::new(tags), categories.clone(), limits),
            categories,
            consent,
            cookies,
            mode: mode(f.mode),
            mode_overrides,
            proxy,
            admin,
            site,
            facts: Facts {
                cookies: cookie_facts,
                tags: tag_facts,
            },
        })
    }

    /// The category table: `extra` names, then `[[categories.category]]`.
    fn categories(&self, f: &CategoriesFile) -> Result<Categories, ConfigError> {
        let mut categories =
            Categories::with_extra(&f.extra).map_err(|e| self.error("categories.extra", e))?;
        for (i, declared) in f.category.iter().enumerate() {
            let key = format!("categories.category[{i}]");
            if f.category[..i]
                .iter()
                .any(|d| d.name.trim().eq_ignore_ascii_case(declared.name.trim()))
            {
                return Err(self.error(
                    format!("{key}.name"),
                    format!("category `{}` is declared twice", declared.name.trim()),
                ));
            }
            categories
                .declare(&declared.name, declared.needs_consent)
                .map_err(|e| self.error(format!("{key}.name"), e))?;
            for (field, texts) in [
                ("title", &declared.title),
                ("description", &declared.description),
            ] {
                for (language, text) in texts {
                    if !crate::consent_ui::texts::is_language(language) {
                        return Err(self.error(
                            format!("{key}.{field}.{language}"),
                            "a language is a lower-case two- or three-letter code such as `en`",
                        ));
                    }
                    if text.trim().is_empty() {
                        return Err(
                            self.error(format!("{key}.{field}.{language}"), "must not be empty")
                        );
                    }
                }
            }
        }
        Ok(categories)
    }

    /// `[site]`, validated.
    fn site(&self, f: &SiteFile) -> Result<Site, ConfigError> {
        let date = |key: String, text: &str| {
            if facts::is_date(text.trim()) {
                Ok(text.trim().to_string())
            } else {
                Err(self.error(key, format!("`{text}` is not a date written YYYY-MM-DD")))
            }
        };
        let mut revisions = Vec::new();
        for (i, r) in f.revision.iter().enumerate() {
            revisions.push(facts::Revision {
                version: r.version.clone(),
                date: date(format!("site.revision[{i}].date"), &r.date)?,
                description: r.description.clone(),
            });
        }
        let last_updated = match &f.last_updated {
            Some(d) => Some(date("site.last_updated".into(), d)?),
            None => revisions.iter().map(|r| r.date.clone()).max(),
        };
        for (key, url) in [("site.url", &f.url), ("site.contact.url", &f.contact.url)] {
            if url.as_deref().is_some_and(|u| !is_web_url(u)) {
                return Err(self.error(
                    key,
                    "must be an http(s) URL without spaces, quotes or angle brackets",
                ));
            }
        }
        Ok(Site {
            name: f.name.clone(),
            url: f.url.clone(),
            contact: facts::Contact {
                email: f.contact.email.clone(),
                phone: f.contact.phone.clone(),
                address: f.contact.address.clone(),
                url: f.contact.url.clone(),
            },
            last_updated,
            revisions,
        })
    }

    fn category(
        &self,
        categories: &Categories,
        key: &str,
        name: &str,
    ) -> Result<Category, ConfigError> {
        categories.lookup(name.trim()).ok_or_else(|| {
            let known: Vec<_> = categories.iter_names().map(|(_, n)| n).collect();
            self.error(
                key,
                format!("unknown category `{name}` (known: {})", known.join(", ")),
            )
        })
    }

    fn consent(
        &self,
        f: &super::file::ConsentFile,
        categories: &Categories,
    ) -> Result<ConsentPolicy, ConfigError> {
        let only =
            |key: &str, source: &MappedSourceFile, allowed: &str| -> Result<(), ConfigError> {
                let given = [
                    ("groups", source.groups.is_some()),
                    ("fields", source.fields.is_some()),
                    ("aliases", source.aliases.is_some()),
                    ("services", source.services.is_some()),
                ];
                match given.iter().find(|(name, set)| *set && *name != allowed) {
                    Some((name, _)) => Err(self.error(
                        format!("consent.{key}.{name}"),
                        format!("unknown key (expected `cookie` or `{allowed}`)"),
                    )),
                    None => Ok(()),
                }
            };
        only("onetrust", &f.onetrust, "groups")?;
        only("cookiebot", &f.cookiebot, "fields")?;
        only("cc_cookie", &f.cc_cookie, "aliases")?;
        only("klaro", &f.klaro, "services")?;
        let mut s = ConsentSettings::defaults();
        if let Some(order) = &f.order {
            s.order = order.clone();
        }
        if let Some(cookie) = &f.consentry.cookie {
            s.consentry_cookie = cookie.clone();
        }
        apply(
            &mut s.onetrust.cookie,
            &f.onetrust.cookie,
            &mut s.onetrust.groups,
            &f.onetrust.groups,
        );
        apply(
            &mut s.cookiebot.cookie,
            &f.cookiebot.cookie,
            &mut s.cookiebot.fields,
            &f.cookiebot.fields,
        );
        apply(
            &mut s.cc_cookie.cookie,
            &f.cc_cookie.cookie,
            &mut s.cc_cookie.aliases,
            &f.cc_cookie.aliases,
        );
        apply(
            &mut s.klaro.cookie,
            &f.klaro.cookie,
            &mut s.klaro.services,
            &f.klaro.services,
        );
        apply(
            &mut s.tcf.cookie,
            &f.tcf.cookie,
            &mut s.tcf.purposes,
            &f.tcf.purposes,
        );
        apply(
            &mut s.gpp.cookie,
            &f.gpp.cookie,
            &mut s.gpp.us_opt_out_removes,
            &f.gpp.us_opt_out_removes,
        );
        if let Some(removes) = &f.gpc.removes {
            s.gpc_removes = removes.clone();
        }
        if let Some(header) = &f.region.header {
            s.region.header = Some(header.clone());
        }
        if let Some(defaults) = &f.region.defaults {
            s.region.defaults = defaults.clone();
        }
        s.compile(categories)
            .map_err(|e| self.error(format!("consent.{}", e.key), e.reason))
    }

    fn cookies(
        &self,
        f: &super::file::CookiesFile,
        categories: &Categories,
        moves: &Moves,
    ) -> Result<(CookieRules, Vec<CookieFacts>), ConfigError> {
        let mut entries = Vec::new();
        let mut facts = Vec::new();
        if f.builtin {
            let catalogue: CatalogueFile<CookieRuleFile> =
                parse(COOKIE_CATALOGUE, "<built-in cookie catalogue>")?;
            let builtin = Compiler {
                file: "<built-in cookie catalogue>",
            };
            for (i, rule) in catalogue.rule.iter().enumerate() {
                let key = format!("rule[{i}]");
                entries.push(builtin.cookie_entry(&key, rule, categories)?);
                facts.push(builtin.cookie_facts(&key, rule, entries.last(), false, moves)?);
            }
        }
        for (i, rule) in f.rule.iter().enumerate() {
            let key = format!("cookies.rule[{i}]");
            entries.push(self.cookie_entry(&key, rule, categories)?);
            facts.push(self.cookie_facts(&key, rule, entries.last(), true, moves)?);
        }
        for (entry, facts) in entries.iter_mut().zip(&facts) {
            entry.category = facts.category;
        }
        let classifier = CookieClassifier::new(&entries).map_err(|(i, e)| {
            let key = match i.checked_sub(entries.len() - f.rule.len()) {
                Some(user) => format!("cookies.rule[{user}].pattern"),
                None => "cookies.builtin".to_string(),
            };
            self.error(key, format!("invalid regular expression: {e}"))
        })?;
        for (i, domain) in f.site_domains.iter().enumerate() {
            let bare = domain.strip_prefix('.').unwrap_or(domain);
            if bare.is_empty()
                || crate::policy::tags::parse_host_pattern(bare)
                    .map(|(_, p)| !p.is_empty())
                    .unwrap_or(true)
            {
                return Err(self.error(
                    format!("cookies.site_domains[{i}]"),
                    format!("`{domain}` is not a domain"),
                ));
            }
        }
        let rules = CookieRules::new(
            classifier,
            match f.unclassified {
                UnclassifiedFile::Keep => Unclassified::Keep,
                UnclassifiedFile::Strip => Unclassified::Strip,
            },
            f.site_domains.clone(),
        );
        Ok((rules, facts))
    }

    /// The policy's facts about a cookie entry, moved to a declared
    /// category where `[[categories.category]]` says so.
    fn cookie_facts(
        &self,
        key: &str,
        rule: &CookieRuleFile,
        entry: Option<&CookieEntry>,
        declared: bool,
        moves: &Moves,
    ) -> Result<CookieFacts, ConfigError> {
        let entry = entry.expect("the entry was just compiled");
        let text = match &entry.name {
            NameMatch::Exact(t) | NameMatch::Prefix(t) | NameMatch::Pattern(t) => t,
        };
        let moved = moves.cookie(text, rule.vendor.as_deref());
        let retention = rule
            .retention
            .as_deref()
            .map(Retention::parse)
            .transpose()
            .map_err(|e| self.error(format!("{key}.retention"), e))?;
        Ok(CookieFacts {
            name: entry.name.clone(),
            category: moved.unwrap_or(entry.category),
            vendor: rule.vendor.clone(),
            purpose: rule.purpose.clone(),
            retention,
            declared: declared || moved.is_some(),
        })
    }

    fn cookie_entry(
        &self,
        key: &str,
        rule: &CookieRuleFile,
        categories: &Categories,
    ) -> Result<CookieEntry, ConfigError> {
        let name = match (&rule.name, &rule.prefix, &rule.pattern) {
            (Some(n), None, None) if !n.is_empty() => NameMatch::Exact(n.clone()),
            (None, Some(p), None) if !p.is_empty() => NameMatch::Prefix(p.clone()),
            (None, None, Some(p)) => {
                regex::Regex::new(p).map_err(|e| {
                    self.error(
                        format!("{key}.pattern"),
                        format!("invalid regular expression: {e}"),
                    )
                })?;
                NameMatch::Pattern(p.clone())
            }
            _ => {
                return Err(self.error(
                    key,
                    "needs exactly one non-empty `name`, `prefix` or `pattern`",
                ))
            }
        };
        let category = self.category(categories, &format!("{key}.category"), &rule.category)?;
        Ok(CookieEntry { name, category })
    }

    fn tags(
        &self,
        f: &super::file::TagsFile,
        categories: &Categories,
        moves: &Moves,
    ) -> Result<(TagRules, Vec<TagFacts>), ConfigError> {
        let mut specs = Vec::new();
        let mut keys = Vec::new();
        let mut consent_modes = Vec::new();
        let mut facts = Vec::new();
        if f.builtin {
            let mut builtin_ids = Vec::new();
            for (label, text) in [
                ("<built-in tag catalogue>", TAG_CATALOGUE),
                ("<built-in long-tail tag catalogue>", TAG_CATALOGUE_LONGTAIL),
            ] {
                let catalogue: CatalogueFile<TagRuleFile> = parse(text, label)?;
                let builtin = Compiler { file: label };
                for (i, rule) in catalogue.rule.iter().enumerate() {
                    builtin_ids.push(rule.id.clone());
                    if f.disable.contains(&rule.id) {
                        continue;
                    }
                    specs.push(builtin.tag_spec(&format!("rule[{i}]"), rule, categories)?);
                    keys.push(format!("rule[{i}]"));
                    facts.push(builtin.tag_facts(&format!("rule[{i}]"), rule, false)?);
                    consent_modes.push((rule.id.clone(), consent_mode(rule.action)));
                }
            }
            for (i, id) in f.disable.iter().enumerate() {
                if !builtin_ids.contains(id) {
                    return Err(self.error(
                        format!("tags.disable[{i}]"),
                        format!("no built-in tag rule has id `{id}`"),
                    ));
                }
            }
        } else if !f.disable.is_empty() {
            return Err(self.error("tags.disable", "only meaningful with `builtin = true`"));
        }
        for (i, rule) in f.rule.iter().enumerate() {
            let key = format!("tags.rule[{i}]");
            specs.push(self.tag_spec(&key, rule, categories)?);
            facts.push(self.tag_facts(&key, rule, true)?);
            keys.push(key);
            consent_modes.push((rule.id.clone(), consent_mode(rule.action)));
        }
        for (spec, facts) in specs.iter_mut().zip(facts.iter_mut()) {
            if let Some(category) = moves.tag(&spec.id, &spec.vendor) {
                spec.category = category;
                facts.declared = true;
            }
        }
        let rules = TagRules::new(&specs)
            .map_err(|(i, e)| self.error(format!("{}.hosts", keys[i]), e.to_string()))?;
        let lists = self.filter_lists(&f.filter_list, categories)?;
        let unclassified_category = self.category(
            categories,
            "tags.unclassified_category",
            &f.unclassified_category,
        )?;
        let mode = match f.unclassified {
            TagsUnclassifiedFile::Keep => UnclassifiedMode::Keep,
            TagsUnclassifiedFile::Report => UnclassifiedMode::Report,
            TagsUnclassifiedFile::Remove => UnclassifiedMode::Remove,
        };
        if mode == UnclassifiedMode::Remove && unclassified_category == Category::NECESSARY {
            return Err(self.error(
                "tags.unclassified_category",
                "a `necessary` tag is always granted: `remove` would never act",
            ));
        }
        for (i, host) in f.unclassified_allow.hosts.iter().enumerate() {
            crate::policy::tags::parse_host_pattern(host)
                .ok()
                .filter(|(_, path)| path.is_empty())
                .ok_or_else(|| {
                    self.error(
                        format!("tags.unclassified_allow.hosts[{i}]"),
                        format!("`{host}` is not a host name like cdn.example.net"),
                    )
                })?;
        }
        let unclassified = UnclassifiedPolicy::new(
            mode,
            unclassified_category,
            &f.unclassified_allow.groups,
            &f.unclassified_allow.hosts,
        )
        .map_err(|group| {
            let i = f
                .unclassified_allow
                .groups
                .iter()
                .position(|g| *g == group)
                .unwrap_or_default();
            let known: Vec<_> = crate::policy::third_party::infrastructure_groups().collect();
            self.error(
                format!("tags.unclassified_allow.groups[{i}]"),
                format!("unknown group `{group}` (known: {})", known.join(", ")),
            )
        })?;
        let by_id: std::collections::HashMap<&str, &TagFacts> =
            specs.iter().map(|s| s.id.as_str()).zip(&facts).collect();
        // Rules by id after replacement; the synthetic rules of filter lists
        // and unclassified tags (appended below) carry no facts.
        let mut facts: Vec<TagFacts> = rules
            .rules()
            .iter()
            .map(|r| by_id[r.id.as_str()].clone())
            .collect();
        let mut rules = rules.with_sources(lists, unclassified);
        facts.resize(rules.rules().len(), TagFacts::default());
        // A later rule with the same id replaced an earlier one: its action counts.
        for (id, mode) in consent_modes {
            if let Some(index) = rules.rules().iter().position(|r| r.id == id) {
                rules.set_consent_mode(index, mode);
            }
        }
        let global = match f.google_consent_mode {
            GoogleConsentModeFile::Off => None,
            GoogleConsentModeFile::GcmBasic => Some(ConsentMode::Basic),
            GoogleConsentModeFile::GcmAdvanced => Some(ConsentMode::Advanced),
        };
        if global.is_some() {
            for id in GOOGLE_TAG_RULES {
                if let Some(index) = rules.rules().iter().position(|r| r.id == id) {
                    if rules.rule(index).consent_mode.is_none() {
                        rules.set_consent_mode(index, global);
                    }
                }
            }
        }
        Ok((rules, facts))
    }

    /// Reads and compiles `[[tags.filter_list]]`; paths are relative to the
    /// config file's directory. Malformed lines are logged and skipped.
    fn filter_lists(
        &self,
        files: &[FilterListFile],
        categories: &Categories,
    ) -> Result<FilterLists, ConfigError> {
        let base = std::path::Path::new(self.file)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let mut texts = Vec::with_capacity(files.len());
        for (i, list) in files.iter().enumerate() {
            let key = format!("tags.filter_list[{i}]");
            let category = self.category(categories, &format!("{key}.category"), &list.category)?;
            if category == Category::NECESSARY {
                return Err(self.error(
                    format!("{key}.category"),
                    "a `necessary` tag is always granted: such a list would never act",
                ));
            }
            let path = base.join(&list.path);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                self.error(
                    format!("{key}.path"),
                    format!("cannot read the filter list `{}`: {e}", path.display()),
                )
            })?;
            let name = match &list.name {
                Some(name) if !name.trim().is_empty() => name.trim().to_string(),
                Some(_) => return Err(self.error(format!("{key}.name"), "must not be empty")),
                None => path
                    .file_stem()
                    .map_or_else(|| list.path.clone(), |s| s.to_string_lossy().into_owned()),
            };
            if texts.iter().any(|(n, _, _, _)| *n == name) {
                return Err(self.error(
                    format!("{key}.name"),
                    format!("two filter lists are named `{name}`: give each its own `name`"),
                ));
            }
            texts.push((name, path.display().to_string(), text, category));
        }
        let sources: Vec<ListSource> = texts
            .iter()
            .map(|(name, file, text, category)| ListSource {
                name,
                file,
                text,
                category: *category,
            })
            .collect();
        let lists = FilterLists::compile(&sources);
        for list in lists.lists() {
            const LOGGED: usize = 20;
            for line in list.malformed().iter().take(LOGGED) {
                tracing::warn!(
                    list = list.name(),
                    file = %line.file,
                    line = line.line,
                    "filter list line skipped: {line}"
                );
            }
            tracing::info!(
                list = list.name(),
                network_filters = list.network_filters(),
                malformed_lines = list.malformed().len(),
                "filter list loaded ({} malformed lines skipped{})",
                list.malformed().len(),
                if list.malformed().len() > LOGGED {
                    ", the first 20 logged"
                } else {
                    ""
                }
            );
        }
        Ok(lists)
    }

    fn tag_facts(
        &self,
        key: &str,
        rule: &TagRuleFile,
        declared: bool,
    ) -> Result<TagFacts, ConfigError> {
        for (field, url) in [
            ("privacy_policy", &rule.privacy_policy),
            ("opt_out", &rule.opt_out),
        ] {
            if url.as_deref().is_some_and(|u| !is_web_url(u)) {
                return Err(self.error(
                    format!("{key}.{field}"),
                    "must be an http(s) URL without spaces, quotes or angle brackets",
                ));
            }
        }
        Ok(TagFacts {
            purpose: rule.purpose.clone(),
            privacy_policy: rule.privacy_policy.clone(),
            opt_out: rule.opt_out.clone(),
            declared,
        })
    }

    fn tag_spec(
        &self,
        key: &str,
        rule: &TagRuleFile,
        categories: &Categories,
    ) -> Result<TagRuleSpec, ConfigError> {
        if rule.id.trim().is_empty() {
            return Err(self.error(format!("{key}.id"), "must not be empty"));
        }
        if rule.hosts.is_empty() && rule.inline.is_empty() && rule.paths.is_empty() {
            return Err(self.error(key, "needs at least one of `hosts`, `paths` or `inline`"));
        }
        for (i, path) in rule.paths.iter().enumerate() {
            if !path.starts_with('/') || path.len() < 4 || path.contains(['?', '#', ' ']) {
                return Err(self.error(
                    format!("{key}.paths[{i}]"),
                    "a path suffix starts with `/`, is specific (4+ characters) and has no `?`, `#` or spaces",
                ));
            }
        }
        for (i, host) in rule.hosts.iter().enumerate() {
            crate::policy::tags::parse_host_pattern(host)
                .map_err(|e| self.error(format!("{key}.hosts[{i}]"), e.reason))?;
        }
        for (i, signature) in rule.inline.iter().enumerate() {
            if signature.trim().len() < 5 {
                return Err(self.error(
                    format!("{key}.inline[{i}]"),
                    "an inline signature needs at least 5 characters to be specific",
                ));
            }
        }
        let category = self.category(categories, &format!("{key}.category"), &rule.category)?;
        if category == Category::NECESSARY {
            return Err(self.error(
                format!("{key}.category"),
                "a `necessary` tag is always granted: such a rule would never act",
            ));
        }
        let elements = match &rule.elements {
            None => ElementKinds::ALL,
            Some(names) => names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    ElementKind::from_name(n).ok_or_else(|| {
                        self.error(
                            format!("{key}.elements[{i}]"),
                            format!("unknown element `{n}` (known: script, iframe, frame, img, embed, object, link)"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(TagRuleSpec {
            id: rule.id.clone(),
            vendor: rule.vendor.clone(),
            category,
            hosts: rule.hosts.clone(),
            paths: rule.paths.clone(),
            inline: rule.inline.clone(),
            action: match rule.action {
                ActionFile::Remove | ActionFile::GcmBasic | ActionFile::GcmAdvanced => {
                    Action::Remove
                }
                ActionFile::Neutralize => Action::Neutralize,
                ActionFile::Placeholder => Action::Placeholder,
            },
            elements,
        })
    }

    fn proxy(&self, f: &super::file::ProxyFile) -> Result<ProxySettings, ConfigError> {
        let listen = f.listen.parse().map_err(|_| {
            self.error(
                "proxy.listen",
                format!("`{}` is not an address like 127.0.0.1:8080", f.listen),
            )
        })?;
        let upstream =
            parse_upstream(&f.upstream).map_err(|reason| self.error("proxy.upstream", reason))?;
        Ok(ProxySettings {
            listen,
            upstream,
            workers: f.workers,
            host_header: match f.host_header {
                HostHeaderFile::Preserve => HostHeader::Preserve,
                HostHeaderFile::Upstream => HostHeader::Upstream,
            },
            cache: match f.cache {
                CacheFile::Vary => CacheSafety::Vary,
                CacheFile::Private => CacheSafety::Private,
            },
            connect_timeout: f.timeouts.connect,
            response_header_timeout: f.timeouts.response_header,
            idle_timeout: f.timeouts.idle,
            body_idle_timeout: f.timeouts.body_idle,
            shutdown_grace: f.timeouts.shutdown_grace,
            pool_max_idle_per_host: f.pool_max_idle_per_host,
            client_header_timeout: f.timeouts.client_header,
            tls: f.tls.as_ref().map(|t| self.tls(t)).transpose()?,
        })
    }

    fn tls(&self, f: &super::file::TlsFile) -> Result<super::TlsSettings, ConfigError> {
        for (key, path) in [("proxy.tls.cert", &f.cert), ("proxy.tls.key", &f.key)] {
            if path.trim().is_empty() {
                return Err(self.error(key, "give the path of a PEM file"));
            }
        }
        Ok(super::TlsSettings {
            cert: f.cert.clone().into(),
            key: f.key.clone().into(),
        })
    }

    fn mode_override(&self, i: usize, f: &ModeOverrideFile) -> Result<ModeOverride, ConfigError> {
        let key = format!("mode_override[{i}]");
        if f.host.is_none() && f.path_prefix.is_none() {
            return Err(self.error(key, "give a host, a path_prefix or both"));
        }
        let host = f
            .host
            .as_deref()
            .map(str::trim)
            .map(str::to_ascii_lowercase);
        if let Some(host) = &host {
            let name = host.strip_prefix('.').unwrap_or(host);
            if name.is_empty() || name.contains(['/', ':', ' ', '*']) {
                return Err(self.error(
                    format!("{key}.host"),
                    format!("`{host}` is not a host name like shop.example.com or .example.com"),
                ));
            }
        }
        if let Some(prefix) = &f.path_prefix {
            if !prefix.starts_with('/') {
                return Err(self.error(
                    format!("{key}.path_prefix"),
                    format!("`{prefix}` must start with `/`"),
                ));
            }
        }
        Ok(ModeOverride {
            host,
            path_prefix: f.path_prefix.clone(),
            mode: mode(f.mode),
        })
    }

    fn admin(&self, f: &AdminFile) -> Result<AdminSettings, ConfigError> {
        let listen = f.listen.parse().map_err(|_| {
            self.error(
                "admin.listen",
                format!("`{}` is not an address like 127.0.0.1:9090", f.listen),
            )
        })?;
        Ok(AdminSettings {
            listen,
            readiness: match f.readiness {
                ReadinessFile::Upstream => Readiness::Upstream,
                ReadinessFile::Config => Readiness::Config,
            },
        })
    }
}

/// The vendors, tag rules and cookie entries `[[categories.category]]`
/// moves into its category, and which of them matched a rule.
struct Moves<'f> {
    declared: Vec<(Category, &'f CategoryFile)>,
    /// `(declaration, field, position)` of every listed item that matched.
    matched: std::cell::RefCell<std::collections::HashSet<(usize, &'static str, usize)>>,
}

impl<'f> Moves<'f> {
    fn new(declared: &'f [CategoryFile], categories: &Categories) -> Self {
        Moves {
            declared: declared
                .iter()
                .filter_map(|d| Some((categories.lookup(d.name.trim())?, d)))
                .collect(),
            matched: Default::default(),
        }
    }

    /// The category a listed item moves to (the last declaration wins).
    fn find(&self, field: &'static str, wanted: impl Fn(&str) -> bool) -> Option<Category> {
        let mut found = None;
        for (d, (category, declared)) in self.declared.iter().enumerate() {
            let list = match field {
                "vendors" => &declared.vendors,
                "tags" => &declared.tags,
                _ => &declared.cookies,
            };
            for (i, item) in list.iter().enumerate() {
                if wanted(item.trim()) {
                    self.matched.borrow_mut().insert((d, field, i));
                    found = Some(*category);
                }
            }
        }
        found
    }

    fn vendor(&self, vendor: Option<&str>) -> Option<Category> {
        let vendor = vendor?;
        self.find("vendors", |v| v.eq_ignore_ascii_case(vendor))
    }

    fn tag(&self, id: &str, vendor: &str) -> Option<Category> {
        self.find("tags", |t| t == id).or(self.vendor(Some(vendor)))
    }

    fn cookie(&self, name: &str, vendor: Option<&str>) -> Option<Category> {
        self.find("cookies", |c| c == name).or(self.vendor(vendor))
    }

    /// The first listed item no rule has, as `(key, reason)`.
    fn unmatched(&self) -> Option<(String, String)> {
        let matched = self.matched.borrow();
        for (d, (_, declared)) in self.declared.iter().enumerate() {
            for (field, list, what) in [
                (
                    "vendors",
                    &declared.vendors,
                    "no tag rule or cookie entry has vendor",
                ),
                ("tags", &declared.tags, "no tag rule has id"),
                (
                    "cookies",
                    &declared.cookies,
                    "no cookie entry has the name, prefix or pattern",
                ),
            ] {
                if let Some(i) = (0..list.len()).find(|i| !matched.contains(&(d, field, *i))) {
                    return Some((
                        format!("categories.category[{d}].{field}[{i}]"),
                        format!(
                            "{what} `{}` (add a rule for it in [[tags.rule]] or [[cookies.rule]])",
                            list[i]
                        ),
                    ));
                }
            }
        }
        None
    }
}

/// Whether `url` is an http(s) URL safe to put in an attribute.
fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > 8
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"'<>\\`".contains(&b))
}

fn mode(f: ModeFile) -> Mode {
    match f {
        ModeFile::Enforce => Mode::Enforce,
        ModeFile::ReportOnly => Mode::ReportOnly,
    }
}

/// Overrides a default cookie name and mapping table with the file's, where given.
fn apply<T: Clone>(
    cookie: &mut String,
    file_cookie: &Option<String>,
    table: &mut T,
    file_table: &Option<T>,
) {
    if let Some(c) = file_cookie {
        *cookie = c.clone();
    }
    if let Some(t) = file_table {
        *table = t.clone();
    }
}

/// Validates an upstream base URL: `http://host[:port]`, no query or fragment.
pub fn parse_upstream(text: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = text
        .parse()
        .map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "`{text}`: https upstreams are not supported; run Consentry next to the site and reach it over http"
            ))
        }
        _ => return Err(format!("`{text}` needs the scheme http://")),
    }
    if uri.authority().is_none() {
        return Err(format!("`{text}` has no host"));
    }
    if uri.query().is_some() {
        return Err(format!("`{text}` must not have a query"));
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_CONFIG;

    fn err(text: &str) -> ConfigError {
        compile(text, "site.toml").expect_err("config must be rejected")
    }

    #[test]
    fn default_config_compiles() {
        let p = compile(DEFAULT_CONFIG, "default").unwrap();
        assert_eq!(p.mode, Mode::Enforce);
        assert_eq!(p.proxy.listen.to_string(), "127.0.0.1:8080");
        assert!(!p.rewriter.rules().rules().is_empty());
        // An empty file means every default.
        compile("", "empty.toml").unwrap();
    }

    #[test]
    fn errors_name_file_key_and_reason() {
        let cases: &[(&str, &str, &str)] = &[
            ("nonsense = 1", "nonsense", "unknown field `nonsense`"),
            ("[proxy]\nlisten = \"nope\"", "proxy.listen", "not an address"),
            ("[[mode_override]]\nmode = \"enforce\"", "mode_override[0]", "give a host"),
            ("[[mode_override]]\nhost = \"a.test:80\"\nmode = \"enforce\"", "mode_override[0].host", "not a host name"),
            ("[[mode_override]]\npath_prefix = \"x\"\nmode = \"enforce\"", "mode_override[0].path_prefix", "must start with"),
            ("[proxy]\nupstream = \"https://x\"", "proxy.upstream", "https upstreams are not supported"),
            ("[proxy.timeouts]\nconnect = \"5 parsecs\"", "proxy.timeouts.connect", "unknown unit"),
            ("[[cookies.rule]]\nname = \"a\"\ncategory = \"tracking\"", "cookies.rule[0].category", "unknown category `tracking`"),
            ("[[cookies.rule]]\npattern = \"(\"\ncategory = \"analytics\"", "cookies.rule[0].pattern", "invalid regular expression"),
            ("[[cookies.rule]]\nname = \"a\"\nprefix = \"b\"\ncategory = \"analytics\"", "cookies.rule[0]", "exactly one"),
            (
                "[[tags.rule]]\nid = \"x\"\nvendor = \"X\"\ncategory = \"analytics\"\nhosts = [\"*.x.com\"]",
                "tags.rule[0].hosts[0]",
                "no `*`",
            ),
            (
                "[[tags.rule]]\nid = \"x\"\nvendor = \"X\"\ncategory = \"analytics\"\nhosts = [\"x.com\"]\naction = \"explode\"",
                "tags.rule[0].action",
                "unknown variant `explode`",
            ),
            ("[[tags.rule]]\nid = \"x\"\nvendor = \"X\"\ncategory = \"analytics\"", "tags.rule[0]", "at least one of"),
            ("[[tags.rule]]\nid = \"x\"\nvendor = \"X\"\ncategory = \"analytics\"\npaths = [\"x.js\"]", "tags.rule[0].paths[0]", "starts with `/`"),
            ("[tags]\ndisable = [\"no-such-rule\"]", "tags.disable[0]", "no built-in tag rule"),
            ("[consent]\norder = [\"consentry\", \"nosuch\"]", "consent.order[1]", "unknown consent source"),
            ("[consent.gpc]\nremoves = [\"tracking\"]", "consent.gpc.removes[0]", "unknown category"),
            ("[consent.onetrust]\ngroups = { C0009 = \"tracking\" }", "consent.onetrust.groups.C0009", "unknown category"),
            ("[consent.onetrust]\nservices = { a = \"analytics\" }", "consent.onetrust.services", "unknown key"),
            ("[consent.tcf]\nbogus = 1", "consent.tcf.bogus", "unknown field"),
            ("[categories]\nextra = [\"analytics\"]", "categories.extra", "declared twice"),
            ("[proxy\nlisten = 1", "", "invalid TOML: line 1"),
        ];
        for (text, key, reason) in cases {
            let e = err(text);
            assert_eq!(e.file, "site.toml");
            assert_eq!(&e.key, key, "{text}: {e}");
            assert!(e.reason.contains(reason), "{text}: {e}");
            assert!(e.to_string().starts_with("site.toml: "), "{e}");
        }
    }

    #[test]
    fn user_rules_extend_and_override_the_catalogue() {
        let p = compile(
            "[[cookies.rule]]\nname = \"_ga\"\ncategory = \"marketing\"\n\n[[cookies.rule]]\nprefix = \"acme_\"\ncategory = \"preferences\"\n\n\
             [[tags.rule]]\nid = \"acme\"\nvendor = \"Acme\"\ncategory = \"analytics\"\nhosts = [\"stats.acme.test\"]",
            "t",
        )
        .unwrap();
        let c = p.cookies.classifier();
        assert_eq!(c.classify("_ga"), Some(Category::MARKETING));
        assert_eq!(c.classify("acme_lang"), Some(Category::PREFERENCES));
        let rules = p.rewriter.rules();
        let id = rules
            .match_url(
                "https://stats.acme.test/a.js",
                crate::policy::tags::ElementKind::Script,
                None,
            )
            .unwrap();
        assert_eq!(rules.rule(id).vendor, "Acme");
    }

    #[test]
    fn report_only_mode_and_disabling_builtin_tags() {
        let p = compile("mode = \"report-only\"\n[tags]\nbuiltin = false\n[[tags.rule]]\nid=\"a\"\nvendor=\"A\"\ncategory=\"marketing\"\ninline=[\"acmeTrack(\"]", "t").unwrap();
        assert_eq!(p.mode, Mode::ReportOnly);
        assert_eq!(p.rewriter.rules().rules().len(), 1);
    }

    const SOCIAL: &str = r#"
[[categories.category]]
name = "social"
title = { en = "Social media buttons", de = "Social-Media-Schaltflächen" }
description = { en = "Share buttons of social networks." }
vendors = ["AddThis"]
tags = ["sharethis"]

[[categories.category]]
name = "authentication"
needs_consent = false
title = { en = "Authentication" }
cookies = ["sessionid"]

[[categories.category]]
name = "analytics"
title = { en = "Performance, analytics and research" }
vendors = ["Google Analytics"]

[site]
name = "Example Ltd"
contact = { email = "privacy@example.test" }
[[site.revision]]
version = "1.0"
date = "2018-04-29"
description = "Initial version"
[[site.revision]]
version = "1.1"
date = "2018-08-01"
description = "OWOX added"
"#;

    #[test]
    fn categories_declare_texts_moves_and_consent_free_ones() {
        let p = compile(SOCIAL, "t").unwrap();
        let social = p.categories.lookup("social").unwrap();
        let auth = p.categories.lookup("authentication").unwrap();
        assert!(p.categories.needs_consent(social));
        assert!(!p.categories.needs_consent(auth));
        let rules = p.rewriter.rules();
        for id in ["addthis", "sharethis"] {
            let (i, rule) = rules
                .rules()
                .iter()
                .enumerate()
                .find(|(_, r)| r.id == id)
                .unwrap();
            assert_eq!(rule.category, social, "{id}");
            assert!(p.facts.tags[i].declared, "{id}");
        }
        let c = p.cookies.classifier();
        assert_eq!(c.classify("sessionid"), Some(auth));
        assert_eq!(c.classify("_ga"), Some(Category::ANALYTICS));
        let ga = c.entry("__utma").unwrap();
        assert!(p.facts.cookies[ga].declared);
        assert!(!p.facts.cookies[c.entry("_fbp").unwrap()].declared);
        // Every visitor has the consent-free category, whatever the signal says.
        let cookies = crate::policy::request_cookies::RequestCookies::parse("consentry=analytics");
        let granted = p.decide(&cookies, |_| None).granted;
        assert!(granted.contains(auth) && granted.contains(Category::ANALYTICS));
        assert!(!granted.contains(social));
        let none = crate::policy::request_cookies::RequestCookies::parse("");
        assert!(p.decide(&none, |_| None).granted.contains(auth));
        // Texts: per language, falling back to English.
        let de = p.consent_ui.texts("de").unwrap();
        assert_eq!(de.category("social").label, "Social-Media-Schaltflächen");
        assert_eq!(
            de.category("social").description,
            "Share buttons of social networks."
        );
        let fr = p.consent_ui.texts("fr").unwrap();
        assert_eq!(
            fr.category("analytics").label,
            "Performance, analytics and research"
        );
        assert_eq!(p.site.last_updated.as_deref(), Some("2018-08-01"));
        assert_eq!(p.site.revisions.len(), 2);
    }

    #[test]
    fn category_declarations_fail_with_their_key() {
        let cases: &[(&str, &str, &str)] = &[
            ("[[categories.category]]\nname = \"x\"\nvendors = [\"Nobody\"]", "categories.category[0].vendors[0]", "no tag rule or cookie entry has vendor `Nobody`"),
            ("[[categories.category]]\nname = \"x\"\ntags = [\"nope\"]", "categories.category[0].tags[0]", "no tag rule has id"),
            ("[[categories.category]]\nname = \"x\"\ncookies = [\"nope\"]", "categories.category[0].cookies[0]", "no cookie entry"),
            ("[[categories.category]]\nname = \"bad name\"", "categories.category[0].name", "not a valid category name"),
            ("[[categories.category]]\nname = \"analytics\"\nneeds_consent = false", "categories.category[0].name", "always needs consent"),
            ("[[categories.category]]\nname = \"x\"\n[[categories.category]]\nname = \"X\"", "categories.category[1].name", "declared twice"),
            ("[[categories.category]]\nname = \"x\"\ntitle = { EN = \"X\" }", "categories.category[0].title.EN", "language"),
            ("[[categories.category]]\nname = \"x\"\ncolour = 1", "categories.category[0].colour", "unknown field"),
            ("[site]\nlast_updated = \"21-Jul-2019\"", "site.last_updated", "YYYY-MM-DD"),
            ("[[site.revision]]\nversion = \"1\"\ndate = \"2018\"\ndescription = \"x\"", "site.revision[0].date", "YYYY-MM-DD"),
            ("[site]\nurl = \"javascript:x\"", "site.url", "http(s) URL"),
            ("[[cookies.rule]]\nname = \"a\"\ncategory = \"analytics\"\nretention = \"forever\"", "cookies.rule[0].retention", "not `session`"),
            ("[[tags.rule]]\nid = \"x\"\nvendor = \"X\"\ncategory = \"analytics\"\nhosts = [\"x.test\"]\nprivacy_policy = \"x.test/privacy\"", "tags.rule[0].privacy_policy", "http(s) URL"),
        ];
        for (text, key, reason) in cases {
            let e = err(text);
            assert_eq!(&e.key, key, "{text}: {e}");
            assert!(e.reason.contains(reason), "{text}: {e}");
        }
        // The old way keeps working.
        let p = compile("[categories]\nextra = [\"social\"]", "t").unwrap();
        assert!(p.categories.lookup("social").is_some());
    }

    #[test]
    fn mode_overrides_compile_lower_case() {
        let p = compile(
            "[[mode_override]]\nhost = \".Example.com\"\nmode = \"report-only\"",
            "t",
        )
        .unwrap();
        assert_eq!(p.mode_for(Some("www.example.com"), "/"), Mode::ReportOnly);
        assert_eq!(p.mode_for(Some("other.test"), "/"), Mode::Enforce);
    }
}

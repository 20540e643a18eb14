//! Consentry's own consent experience, for sites with no consent tool:
//! the consent endpoint, the banner and the "Cookie settings" link injected
//! into pages, the preferences page, the stylesheet they share, and the
//! records of every decision.
//!
//! Everything is served under a reserved path prefix (`consent_ui.path_prefix`,
//! default `/_consentry`) by the proxy itself and never forwarded upstream:
//!
//! | path | what |
//! |---|---|
//! | `POST {prefix}/consent` | records a choice (see [`form`]) and `303`s back |
//! | `GET {prefix}/consent` | the current decision as JSON (what `consentry explain` prints) |
//! | `GET {prefix}/preferences` | what is granted now; change or withdraw it |
//! | `GET {prefix}/policy` | the cookie policy generated from the config ([`crate::policy_doc`]) |
//! | `GET {prefix}/consentry.<hash>.css` | the stylesheet, cached for a year |
//!
//! This module builds markup, validates input and decides; the HTTP glue
//! (reading bodies, sending responses) lives in `src/proxy`.

pub mod cmp;
pub mod form;
pub mod markup;
pub mod records;
pub mod texts;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::file::{BannerFile, CategoryFile, ConsentUiFile};
use crate::policy::category::{Categories, CategorySet};
use crate::policy::consent::consentry::{self, Stamp, CONSENT_ID_LEN};
use crate::policy::consent::{Explanation, Outcome, Source};
use crate::policy::tags::TagRules;
use crate::rewrite::placeholder::GrantTexts;

use texts::Texts;

/// When the banner is shown (`consent_ui.banner`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerMode {
    /// Without a consent signal, unless the page loads a consent manager of its own.
    Auto,
    /// Without a consent signal, whatever the page loads.
    Always,
    /// Never.
    Never,
}

/// The most days a consent cookie may last (CNIL and EDPB guidance: 13 months).
pub const MAX_AGE_DAYS_LIMIT: u32 = 395;

/// What [`ConsentUi::route`] found under the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `{prefix}/consent`
    Consent,
    /// `{prefix}/preferences`
    Preferences,
    /// `{prefix}/policy`: the generated cookie policy.
    Policy,
    /// `{prefix}/consentry.<hash>.css`
    Stylesheet,
    /// Anything else under the prefix (answered 404, never forwarded).
    NotFound,
}

/// The compiled `[consent_ui]` section.
#[derive(Debug)]
pub struct ConsentUi {
    /// The reserved prefix, no trailing slash (`/_consentry`).
    pub prefix: String,
    /// When the banner is shown.
    pub banner: BannerMode,
    /// Whether the "Cookie settings" link is injected once a choice was made here.
    pub settings_link: bool,
    /// The cookie policy's URL.
    pub policy_url: String,
    /// The consent cookie's lifetime, seconds.
    pub max_age: u64,
    /// Where decisions are recorded.
    pub records: records::Records,
    /// Whether records carry the User-Agent.
    pub records_user_agent: bool,
    /// Whether the banner shows in report-only mode.
    pub banner_in_report_only: bool,
    /// Whether `X-Forwarded-Proto: https` makes the cookie `Secure`.
    pub trust_forwarded_proto: bool,
    /// The consent cookie's name (`consent.consentry.cookie`).
    pub cookie_name: String,
    /// The policy revision: a hash of the categories and of which vendor is
    /// in which category. A stamped cookie of another revision is asked again.
    pub revision: String,
    /// The category table.
    pub categories: Categories,
    default_language: String,
    languages: Vec<(String, Texts)>,
    /// The banner of each language, in the order of `languages`.
    banners: Vec<markup::BannerTemplate>,
    /// What placeholders' grant forms share, in the order of `languages`.
    grant_texts: Vec<Arc<GrantTexts>>,
    stylesheet_path: String,
}

/// A return path as the preferences link's query carries it.
fn encode_return(return_to: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(return_to, percent_encoding::NON_ALPHANUMERIC)
}

/// The shared stylesheet of the banner, settings link, placeholders and preferences page.
pub const STYLESHEET: &str = include_str!("consentry.css");

impl ConsentUi {
    /// Compiles `[consent_ui]`, with the titles and descriptions of
    /// `[[categories.category]]` (which `[consent_ui.texts]` may still
    /// override); errors are `(key below consent_ui, reason)`.
    pub fn compile(
        f: &ConsentUiFile,
        declared: &[CategoryFile],
        categories: &Categories,
        rules: &TagRules,
        cookie_name: &str,
    ) -> Result<ConsentUi, (String, String)> {
        let err = |key: &str, reason: String| (key.to_string(), reason);
        let prefix = f.path_prefix.trim_end_matches('/').to_string();
        let prefix_ok = prefix.starts_with('/')
            && prefix.len() > 1
            && !prefix.contains("//")
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-.".contains(&b));
        if !prefix_ok {
            return Err(err(
                "path_prefix",
                format!(
                    "`{}` must be a path such as `/_consentry` (letters, digits, `/`, `_`, `-`, `.`)",
                    f.path_prefix
                ),
            ));
        }
        let policy_url = match &f.policy_url {
            Some(url) if url_is_safe(url) => url.clone(),
            Some(url) => {
                return Err(err(
                    "policy_url",
                    format!("`{url}` must be a path starting with `/` or an http(s) URL, without quotes, spaces or angle brackets"),
                ))
            }
            None => format!("{prefix}/policy"),
        };
        if !(1..=MAX_AGE_DAYS_LIMIT).contains(&f.max_age_days) {
            return Err(err(
                "max_age_days",
                format!("must be between 1 and {MAX_AGE_DAYS_LIMIT} days"),
            ));
        }
        let records = records::Records::parse(&f.records).map_err(|e| err("records", e))?;
        let mut languages: Vec<(String, Texts)> = texts::BUILTIN_LANGUAGES
            .iter()
            .map(|l| (l.to_string(), texts::builtin(l).expect("built-in language")))
            .collect();
        for (language, texts) in &mut languages {
            for d in declared {
                texts.declare_category(language, d, &f.default_language);
            }
        }
        for (language, given) in &f.texts {
            let key = format!("texts.{language}");
            if !texts::is_language(language) {
                return Err(err(
                    &key,
                    "a language is a lower-case two- or three-letter code such as `en`".into(),
                ));
            }
            for name in given.categories.keys() {
                if categories.lookup(name).is_none() {
                    return Err(err(
                        &format!("{key}.categories.{name}"),
                        format!("unknown category `{name}`"),
                    ));
                }
            }
            for (field, text) in [
                ("placeholder_blocked", &given.placeholder_blocked),
                ("placeholder_allow", &given.placeholder_allow),
            ] {
                if text.as_deref().is_some_and(|t| !t.contains("{category}")) {
                    return Err(err(
                        &format!("{key}.{field}"),
                        "must contain `{category}`".into(),
                    ));
                }
            }
            match languages.iter_mut().find(|(l, _)| l == language) {
                Some((_, texts)) => *texts = texts.clone().overridden(given),
                None => {
                    let mut base = texts::builtin("en").expect("English is built in");
                    for d in declared {
                        base.declare_category(language, d, &f.default_language);
                    }
                    languages.push((language.clone(), base.overridden(given)));
                }
            }
        }
        if !languages.iter().any(|(l, _)| *l == f.default_language) {
            return Err(err(
                "default_language",
                format!("no texts for `{}`", f.default_language),
            ));
        }
        let mut ui = ConsentUi {
            stylesheet_path: format!("{prefix}/consentry.{}.css", content_hash(STYLESHEET)),
            prefix,
            banner: match f.banner {
                BannerFile::Auto => BannerMode::Auto,
                BannerFile::Always => BannerMode::Always,
                BannerFile::Never => BannerMode::Never,
            },
            settings_link: f.settings_link,
            policy_url,
            max_age: u64::from(f.max_age_days) * 86_400,
            records,
            records_user_agent: f.records_user_agent,
            banner_in_report_only: f.banner_in_report_only,
            trust_forwarded_proto: f.trust_forwarded_proto,
            cookie_name: cookie_name.to_string(),
            revision: revision(categories, rules),
            categories: categories.clone(),
            default_language: f.default_language.clone(),
            languages,
            banners: Vec::new(),
            grant_texts: Vec::new(),
        };
        ui.banners = ui
            .languages
            .iter()
            .map(|(language, texts)| markup::BannerTemplate::new(&ui, language, texts))
            .collect();
        ui.grant_texts = ui
            .languages
            .iter()
            .map(|(language, texts)| Arc::new(ui.new_grant_texts(language, texts)))
            .collect();
        Ok(ui)
    }

    /// What `path` is under the prefix, or `None` when it is not ours.
    ///
    /// A path that only reaches the prefix after percent-decoding or
    /// ignoring ASCII case (as some upstreams read paths) is ours too, and
    /// answered 404: nothing under the prefix is ever forwarded.
    pub fn route(&self, path: &str) -> Option<Route> {
        if let Some(rest) = path.strip_prefix(self.prefix.as_str()) {
            if rest.is_empty() || rest.starts_with('/') {
                return Some(match rest {
                    "/consent" => Route::Consent,
                    "/preferences" => Route::Preferences,
                    "/policy" => Route::Policy,
                    _ if path == self.stylesheet_path => Route::Stylesheet,
                    _ => Route::NotFound,
                });
            }
        }
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        let prefix = self.prefix.as_bytes();
        let reaches = decoded.len() >= prefix.len()
            && decoded.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix)
            && matches!(decoded.as_bytes().get(prefix.len()), None | Some(b'/'));
        reaches.then_some(Route::NotFound)
    }

    /// The stylesheet's URL path (its name carries a hash of its content).
    pub fn stylesheet_url(&self) -> &str {
        &self.stylesheet_path
    }

    /// The consent endpoint's URL path.
    pub fn consent_url(&self) -> String {
        format!("{}/consent", self.prefix)
    }

    /// The preferences page's URL path, returning to `return_to`.
    pub fn preferences_url(&self, return_to: &str) -> String {
        format!(
            "{}/preferences?return={}",
            self.prefix,
            encode_return(return_to)
        )
    }

    /// The banner for `language` (one the UI has; else the first), returning
    /// to `return_to`, which must already be a safe path.
    pub fn banner(&self, language: &str, return_to: &str) -> String {
        let index = self
            .languages
            .iter()
            .position(|(l, _)| l == language)
            .unwrap_or(0);
        self.banners[index].render(return_to)
    }

    /// What placeholders' grant forms in `language` (one the UI has; else
    /// the first) share.
    pub fn grant_texts(&self, language: &str) -> Arc<GrantTexts> {
        let index = self
            .languages
            .iter()
            .position(|(l, _)| l == language)
            .unwrap_or(0);
        self.grant_texts[index].clone()
    }

    fn new_grant_texts(&self, language: &str, texts: &Texts) -> GrantTexts {
        GrantTexts {
            action: self.consent_url(),
            stylesheet: self.stylesheet_url().to_string(),
            language: language.to_string(),
            blocked: texts.placeholder_blocked.clone(),
            allow: texts.placeholder_allow.clone(),
            settings: texts.settings_link.clone(),
            labels: self
                .categories
                .iter_names()
                .map(|(_, name)| (name.to_string(), texts.category(name).label))
                .collect(),
        }
    }

    /// The language and texts for an `Accept-Language` header.
    pub fn language(&self, accept_language: Option<&str>) -> (&str, &Texts) {
        let available: Vec<&str> = self.languages.iter().map(|(l, _)| l.as_str()).collect();
        let chosen =
            texts::negotiate(accept_language, &available).unwrap_or(&self.default_language);
        self.texts(chosen).map(|t| (chosen, t)).unwrap_or_else(|| {
            let (l, t) = &self.languages[0];
            (l.as_str(), t)
        })
    }

    /// The language used when `Accept-Language` names none the UI has.
    pub fn default_language(&self) -> &str {
        &self.default_language
    }

    /// The texts of `language`, if the UI has it.
    pub fn texts(&self, language: &str) -> Option<&Texts> {
        self.languages
            .iter()
            .find(|(l, _)| l == language)
            .map(|(_, t)| t)
    }

    /// Whether the banner should be offered for a request whose consent came
    /// from `source`, with `cookie_value` the raw `consentry` cookie if any.
    ///
    /// Yes when no readable signal decided (the strict default, or a region
    /// default that does not grant everything), or when a stamped consentry
    /// cookie answered another policy revision (new purposes: ask again;
    /// until then the cookie keeps granting what still exists).
    pub fn banner_needed(
        &self,
        source: Source,
        granted: CategorySet,
        cookie_value: Option<&str>,
    ) -> bool {
        if self.banner == BannerMode::Never {
            return false;
        }
        match source {
            Source::Default => true,
            Source::Region => !granted.is_superset(self.categories.all()),
            Source::Consentry => self.stale(cookie_value),
            _ => false,
        }
    }

    /// Whether a stamped cookie value answered another revision.
    fn stale(&self, cookie_value: Option<&str>) -> bool {
        cookie_value
            .and_then(|v| consentry::parse(v, &self.categories).ok())
            .and_then(|v| v.stamp)
            .is_some_and(|stamp| stamp.revision != self.revision)
    }

    /// A fresh stamp for a decision made now, keeping the consent id of a
    /// previous stamped cookie so one visitor's decisions can be linked.
    pub fn stamp(&self, previous_cookie: Option<&str>) -> Stamp {
        let previous_id = previous_cookie
            .and_then(|v| consentry::parse(v, &self.categories).ok())
            .and_then(|v| v.stamp)
            .map(|s| s.consent_id);
        Stamp {
            revision: self.revision.clone(),
            given_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            consent_id: previous_id.unwrap_or_else(new_consent_id),
        }
    }
}

/// A consent decision as JSON: what `consentry explain` prints and
/// `GET {prefix}/consent` answers.
pub fn explain_json(
    policy: &crate::config::Policy,
    explanation: &Explanation,
) -> serde_json::Value {
    let names = |set| policy.categories.names(set);
    let signals: Vec<_> = explanation
        .signals
        .iter()
        .map(|s| match &s.outcome {
            Outcome::Granted(set) => serde_json::json!({
                "source": s.source, "cookie": s.cookie, "readable": true, "decided": s.decided,
                "granted": names(*set), "detail": s.detail,
            }),
            Outcome::Unreadable(reason) => serde_json::json!({
                "source": s.source, "cookie": s.cookie, "readable": false, "decided": false,
                "reason": reason, "detail": s.detail,
            }),
        })
        .collect();
    serde_json::json!({
        "granted": names(explanation.consent.granted),
        "denied": names(policy.categories.all().difference(explanation.consent.granted)),
        "source": explanation.consent.source,
        "reason": explanation.reason,
        "gpc": explanation.gpc,
        "gpc_applied": explanation.consent.gpc_applied,
        "region": explanation.region,
        "signals": signals,
    })
}

/// 128 random bits as lower-case hex.
fn new_consent_id() -> String {
    let mut bytes = [0u8; CONSENT_ID_LEN / 2];
    // The OS random source does not fail on supported platforms; if it
    // did, an all-zero id only loses linkability, never consent.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a configured URL is safe to put in an attribute and a header.
fn url_is_safe(url: &str) -> bool {
    let shaped = (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with("https://")
        || url.starts_with("http://");
    shaped
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"'<>\\`".contains(&b))
}

/// The policy revision: FNV-1a over the category names and every rule's
/// vendor and category, in a stable order (8 hex digits).
fn revision(categories: &Categories, rules: &TagRules) -> String {
    let mut facts: Vec<String> = categories
        .iter_names()
        .map(|(_, n)| format!("category {n}"))
        .collect();
    let mut vendors: Vec<String> = rules
        .rules()
        .iter()
        .map(|r| format!("vendor {} {}", r.vendor, categories.name(r.category)))
        .collect();
    vendors.sort();
    vendors.dedup();
    facts.extend(vendors);
    format!("{:08x}", fnv1a(facts.join("\n").as_bytes()) as u32)
}

/// A short content hash for cache-busting asset names (16 hex digits).
pub fn content_hash(content: &str) -> String {
    format!("{:016x}", fnv1a(content.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;
    use crate::policy::category::Category;

    fn ui(extra: &str) -> Result<crate::config::Policy, crate::config::ConfigError> {
        crate::config::compile(&format!("[consent_ui]\n{extra}"), "t.toml")
    }

    #[test]
    fn routes_under_the_prefix_only() {
        let policy = Policy::builtin();
        let ui = &policy.consent_ui;
        assert_eq!(ui.route("/_consentry/consent"), Some(Route::Consent));
        assert_eq!(
            ui.route("/_consentry/preferences"),
            Some(Route::Preferences)
        );
        assert_eq!(ui.route(ui.stylesheet_url()), Some(Route::Stylesheet));
        assert_eq!(ui.route("/_consentry/policy"), Some(Route::Policy));
        assert_eq!(
            ui.route("/_consentry/consentry.0.css"),
            Some(Route::NotFound)
        );
        assert_eq!(ui.route("/_consentry"), Some(Route::NotFound));
        assert_eq!(ui.route("/_consentry/"), Some(Route::NotFound));
        assert_eq!(ui.route("/_consentryx/consent"), None);
        assert_eq!(ui.route("/_consentr%79/consent"), Some(Route::NotFound));
        assert_eq!(ui.route("/_CONSENTRY/consent"), Some(Route::NotFound));
        assert_eq!(ui.route("/_Consentry"), Some(Route::NotFound));
        assert_eq!(ui.route("/_consentry%2Fconsent"), Some(Route::NotFound));
        assert_eq!(ui.route("/_consentr%79x"), None);
        assert_eq!(ui.route("/a/_consentry/consent"), None);
        assert_eq!(ui.route("/"), None);
        assert!(ui.stylesheet_url().starts_with("/_consentry/consentry."));
        assert_eq!(ui.policy_url, "/_consentry/policy");
        assert_eq!(ui.max_age, 180 * 86_400);
    }

    #[test]
    fn bad_settings_fail_with_their_key() {
        for (text, key) in [
            ("path_prefix = \"consent\"", "consent_ui.path_prefix"),
            ("path_prefix = \"/\"", "consent_ui.path_prefix"),
            ("path_prefix = \"/a b\"", "consent_ui.path_prefix"),
            ("max_age_days = 0", "consent_ui.max_age_days"),
            ("max_age_days = 396", "consent_ui.max_age_days"),
            ("policy_url = \"//evil.example\"", "consent_ui.policy_url"),
            ("policy_url = \"/a\\\"b\"", "consent_ui.policy_url"),
            (
                "policy_url = \"javascript:alert(1)\"",
                "consent_ui.policy_url",
            ),
            ("default_language = \"pt\"", "consent_ui.default_language"),
            ("records = \"\"", "consent_ui.records"),
            ("banner = \"sometimes\"", "consent_ui.banner"),
            ("colour = \"red\"", "consent_ui"),
            (
                "[consent_ui.texts.EN]\ntitle = \"x\"",
                "consent_ui.texts.EN",
            ),
            (
                "[consent_ui.texts.en.categories.bogus]\nlabel = \"x\"",
                "consent_ui.texts.en.categories.bogus",
            ),
            (
                "[consent_ui.texts.en]\nplaceholder_allow = \"Show\"",
                "consent_ui.texts.en.placeholder_allow",
            ),
        ] {
            let e = ui(text).expect_err(text);
            assert_eq!(e.file, "t.toml");
            assert!(e.key.starts_with(key), "{text}: {e}");
        }
    }

    #[test]
    fn texts_override_and_add_languages() {
        let p = ui("default_language = \"pt\"\n[consent_ui.texts.pt]\ntitle = \"Cookies neste site\"\n[consent_ui.texts.de.categories.analytics]\nlabel = \"Messung\"").unwrap();
        let ui = &p.consent_ui;
        let (l, t) = ui.language(Some("ja"));
        assert_eq!((l, t.title.as_str()), ("pt", "Cookies neste site"));
        let (l, t) = ui.language(Some("de-AT"));
        assert_eq!(l, "de");
        assert_eq!(t.category("analytics").label, "Messung");
        assert_eq!(t.reject_all, "Alle ablehnen");
    }

    #[test]
    fn revision_follows_categories_and_vendors() {
        let base = Policy::builtin();
        assert_eq!(base.consent_ui.revision.len(), 8);
        let same = ui("").unwrap();
        assert_eq!(same.consent_ui.revision, base.consent_ui.revision);
        let more = crate::config::compile("[categories]\nextra = [\"social\"]", "t").unwrap();
        assert_ne!(more.consent_ui.revision, base.consent_ui.revision);
        let vendor = crate::config::compile(
            "[[tags.rule]]\nid = \"x\"\nvendor = \"New Vendor\"\ncategory = \"analytics\"\nhosts = [\"new.example\"]",
            "t",
        )
        .unwrap();
        assert_ne!(vendor.consent_ui.revision, base.consent_ui.revision);
    }

    #[test]
    fn banner_needed_without_signal_or_on_a_stale_revision() {
        let p = Policy::builtin();
        let ui = &p.consent_ui;
        let none = CategorySet::NECESSARY_ONLY;
        assert!(ui.banner_needed(Source::Default, none, None));
        assert!(!ui.banner_needed(Source::OneTrust, none, None));
        assert!(!ui.banner_needed(Source::Consentry, none, Some("analytics")));
        let current = ui.stamp(None);
        assert_eq!(current.consent_id.len(), CONSENT_ID_LEN);
        assert_ne!(current.consent_id, ui.stamp(None).consent_id);
        let value = consentry::encode(none.with(Category::ANALYTICS), &ui.categories, &current);
        assert!(!ui.banner_needed(Source::Consentry, none, Some(&value)));
        assert_eq!(ui.stamp(Some(&value)).consent_id, current.consent_id);
        let old = Stamp {
            revision: "00000000".into(),
            ..current
        };
        let stale = consentry::encode(none, &ui.categories, &old);
        assert!(ui.banner_needed(Source::Consentry, none, Some(&stale)));
        let never = ui_never();
        assert!(!never.consent_ui.banner_needed(Source::Default, none, None));
    }

    fn ui_never() -> crate::config::Policy {
        ui("banner = \"never\"").unwrap()
    }
}

//! The config file schema (TOML). Unknown keys are rejected everywhere.
//!
//! This is only the shape of the file; [`super::compile`] validates it and
//! builds the internal model.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// The whole config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `enforce` (default) or `report-only`.
    #[serde(default)]
    pub mode: ModeFile,
    /// Per host/path modes, first match wins.
    #[serde(default)]
    pub mode_override: Vec<ModeOverrideFile>,
    /// Extra categories.
    #[serde(default)]
    pub categories: CategoriesFile,
    /// Consent signals.
    #[serde(default)]
    pub consent: ConsentFile,
    /// Cookie classification and handling.
    #[serde(default)]
    pub cookies: CookiesFile,
    /// Tag rules.
    #[serde(default)]
    pub tags: TagsFile,
    /// HTML rewriting limits.
    #[serde(default)]
    pub html: HtmlFile,
    /// The reverse proxy.
    #[serde(default)]
    pub proxy: ProxyFile,
    /// The admin listener (health, readiness, metrics).
    #[serde(default)]
    pub admin: AdminFile,
    /// Consentry's own consent banner, endpoint and preferences page.
    #[serde(default)]
    pub consent_ui: ConsentUiFile,
    /// Who runs the site, for the generated cookie policy.
    #[serde(default)]
    pub site: SiteFile,
}

/// Enforcement mode.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModeFile {
    /// Strip and rewrite.
    #[default]
    Enforce,
    /// Decide, count and log; change nothing.
    ReportOnly,
}

/// `[[mode_override]]`: a mode for requests matching a host and/or path prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeOverrideFile {
    /// `shop.example.com` (exact) or `.example.com` (the domain and its subdomains).
    pub host: Option<String>,
    /// A path prefix such as `/checkout`.
    pub path_prefix: Option<String>,
    /// The mode for matching requests.
    pub mode: ModeFile,
}

/// `[categories]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoriesFile {
    /// Categories beyond necessary, preferences, analytics and marketing.
    #[serde(default)]
    pub extra: Vec<String>,
    /// `[[categories.category]]`: categories as the site's policy describes them.
    #[serde(default)]
    pub category: Vec<CategoryFile>,
}

/// `[[categories.category]]`: a category (new or built-in) with its texts,
/// and the built-in vendors, tag rules and cookies the site uses in it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryFile {
    /// The category's name (`social`, or a built-in one such as `analytics`).
    pub name: String,
    /// `false`: granted to every visitor, like `necessary` (default true).
    #[serde(default = "yes")]
    pub needs_consent: bool,
    /// Language -> the category's title (`en = "Social media"`).
    #[serde(default)]
    pub title: BTreeMap<String, String>,
    /// Language -> what the category covers.
    #[serde(default)]
    pub description: BTreeMap<String, String>,
    /// Vendors (as named by tag rules and cookie entries) the site uses in
    /// this category; their rules and cookies move here.
    #[serde(default)]
    pub vendors: Vec<String>,
    /// Tag rule ids the site uses in this category; they move here.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Cookie entries (their `name`, `prefix` or `pattern`) the site uses in
    /// this category; they move here.
    #[serde(default)]
    pub cookies: Vec<String>,
}

/// `[site]`: what the generated cookie policy says about the site.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    /// The operator's or site's name.
    pub name: Option<String>,
    /// The site's address.
    pub url: Option<String>,
    /// How to reach the operator.
    #[serde(default)]
    pub contact: ContactFile,
    /// `YYYY-MM-DD` (default: the latest revision's date).
    pub last_updated: Option<String>,
    /// `[[site.revision]]`: the policy's revision history.
    #[serde(default)]
    pub revision: Vec<RevisionFile>,
}

/// `[site.contact]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFile {
    /// An email address.
    pub email: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// A postal address.
    pub address: Option<String>,
    /// A contact page.
    pub url: Option<String>,
}

/// `[[site.revision]]`: one entry of the policy's revision history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionFile {
    /// `1.1`
    pub version: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// What changed.
    pub description: String,
}

/// `[consent]`: every key is optional; a table given replaces that default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentFile {
    /// Sources in precedence order; a source not listed is off
    /// (default: consentry, onetrust, cookiebot, cc_cookie, tcf, klaro, gpp).
    pub order: Option<Vec<String>>,
    /// `[consent.consentry]`: our own cookie.
    #[serde(default)]
    pub consentry: CookieSourceFile,
    /// `[consent.onetrust]`: `groups` maps OneTrust group ids to categories.
    #[serde(default)]
    pub onetrust: MappedSourceFile,
    /// `[consent.cookiebot]`: `fields` maps Cookiebot fields to categories.
    #[serde(default)]
    pub cookiebot: MappedSourceFile,
    /// `[consent.cc_cookie]`: `aliases` maps the site's category names to ours.
    #[serde(default)]
    pub cc_cookie: MappedSourceFile,
    /// `[consent.klaro]`: `services` maps Klaro service names to categories.
    #[serde(default)]
    pub klaro: MappedSourceFile,
    /// `[consent.tcf]`: `purposes` maps each category to the TCF purposes it needs.
    #[serde(default)]
    pub tcf: TcfFile,
    /// `[consent.gpp]`
    #[serde(default)]
    pub gpp: GppFile,
    /// `[consent.gpc]`
    #[serde(default)]
    pub gpc: GpcFile,
    /// `[consent.region]`
    #[serde(default)]
    pub region: RegionFile,
}

/// A source read from one cookie.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieSourceFile {
    /// The cookie's name.
    pub cookie: Option<String>,
}

/// A source read from one cookie, with a name-to-category table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappedSourceFile {
    /// The cookie's name.
    pub cookie: Option<String>,
    /// OneTrust group ids to categories.
    pub groups: Option<BTreeMap<String, String>>,
    /// Cookiebot fields to categories.
    pub fields: Option<BTreeMap<String, String>>,
    /// cc_cookie category aliases.
    pub aliases: Option<BTreeMap<String, String>>,
    /// Klaro services to categories.
    pub services: Option<BTreeMap<String, String>>,
}

/// `[consent.tcf]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcfFile {
    /// The cookie's name (default `euconsent-v2`).
    pub cookie: Option<String>,
    /// Category -> purposes that must all be consented.
    pub purposes: Option<BTreeMap<String, Vec<u8>>>,
}

/// `[consent.gpp]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GppFile {
    /// The cookie's name (default `__gpp`).
    pub cookie: Option<String>,
    /// Categories a US opt-out of sale, sharing or targeted ads removes.
    pub us_opt_out_removes: Option<Vec<String>>,
}

/// `[consent.gpc]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpcFile {
    /// Categories `Sec-GPC: 1` removes (default: marketing; empty = ignore GPC).
    pub removes: Option<Vec<String>>,
}

/// `[consent.region]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    /// The geo header set by your edge (e.g. `CF-IPCountry`); off by default,
    /// since a client could set it itself where no edge overwrites it.
    pub header: Option<String>,
    /// Region code -> categories granted when no signal is present (`*` = all).
    pub defaults: Option<BTreeMap<String, Vec<String>>>,
}

/// `[cookies]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookiesFile {
    /// Use the built-in cookie catalogue (default true).
    #[serde(default = "yes")]
    pub builtin: bool,
    /// `keep` (default) or `strip` cookies nothing classifies.
    #[serde(default)]
    pub unclassified: UnclassifiedFile,
    /// Domains withdrawn cookies are also expired for (e.g. `.example.com`).
    #[serde(default)]
    pub site_domains: Vec<String>,
    /// Extra entries; they override the catalogue.
    #[serde(default)]
    pub rule: Vec<CookieRuleFile>,
}

impl Default for CookiesFile {
    fn default() -> Self {
        CookiesFile {
            builtin: true,
            unclassified: UnclassifiedFile::default(),
            site_domains: Vec::new(),
            rule: Vec::new(),
        }
    }
}

/// What to do with unclassified cookies.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnclassifiedFile {
    /// Keep them (and count them).
    #[default]
    Keep,
    /// Strip them.
    Strip,
}

/// One cookie-classification entry (`[[cookies.rule]]` or the catalogue's `[[rule]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieRuleFile {
    /// An exact, case-sensitive name.
    pub name: Option<String>,
    /// A name prefix.
    pub prefix: Option<String>,
    /// A regular expression over the name.
    pub pattern: Option<String>,
    /// The category.
    pub category: String,
    /// Who sets the cookie (documentation only).
    pub vendor: Option<String>,
    /// What the cookie is for, as the vendor documents it (for the policy);
    /// one text or one per language.
    pub purpose: Option<crate::policy_doc::facts::Localized>,
    /// How long it lasts: `session` or `<n> minutes|hours|days|weeks|months|years`.
    pub retention: Option<String>,
}

/// `[tags]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagsFile {
    /// Use the built-in tag catalogue (default true).
    #[serde(default = "yes")]
    pub builtin: bool,
    /// Built-in rule ids to leave out.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Extra rules; a rule with a built-in id replaces it.
    #[serde(default)]
    pub rule: Vec<TagRuleFile>,
    /// `[[tags.filter_list]]`: Adblock-Plus-syntax lists, consulted after the rules.
    #[serde(default)]
    pub filter_list: Vec<FilterListFile>,
    /// What happens to third-party scripts, iframes and embeds nothing classifies.
    #[serde(default)]
    pub unclassified: TagsUnclassifiedFile,
    /// The category unclassified tags need in `remove` mode (default `marketing`).
    #[serde(default = "default_unclassified_category")]
    pub unclassified_category: String,
    /// `[tags.unclassified_allow]`: hosts the unclassified policy never touches.
    #[serde(default)]
    pub unclassified_allow: UnclassifiedAllowFile,
    /// Google Consent Mode for the built-in Google tags: `off` (default),
    /// `gcm-basic` or `gcm-advanced`.
    #[serde(default)]
    pub google_consent_mode: GoogleConsentModeFile,
}

impl Default for TagsFile {
    fn default() -> Self {
        TagsFile {
            builtin: true,
            disable: Vec::new(),
            rule: Vec::new(),
            filter_list: Vec::new(),
            unclassified: TagsUnclassifiedFile::default(),
            unclassified_category: default_unclassified_category(),
            unclassified_allow: UnclassifiedAllowFile::default(),
            google_consent_mode: GoogleConsentModeFile::default(),
        }
    }
}

fn default_unclassified_category() -> String {
    "marketing".into()
}

/// `[[tags.filter_list]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterListFile {
    /// The list's file, relative to the config file's directory.
    pub path: String,
    /// The category a matched tag needs.
    pub category: String,
    /// A display name (default: the file name without extension).
    pub name: Option<String>,
}

/// What happens to unclassified third-party tags.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagsUnclassifiedFile {
    /// Leave them.
    #[default]
    Keep,
    /// Leave them, count and log them.
    Report,
    /// Remove them until `unclassified_category` is granted.
    Remove,
}

/// `[tags.unclassified_allow]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnclassifiedAllowFile {
    /// Built-in infrastructure groups (default: all of them).
    #[serde(default = "all_infrastructure_groups")]
    pub groups: Vec<String>,
    /// Extra hosts (each with its subdomains).
    #[serde(default)]
    pub hosts: Vec<String>,
}

impl Default for UnclassifiedAllowFile {
    fn default() -> Self {
        UnclassifiedAllowFile {
            groups: all_infrastructure_groups(),
            hosts: Vec::new(),
        }
    }
}

fn all_infrastructure_groups() -> Vec<String> {
    crate::policy::third_party::infrastructure_groups()
        .map(String::from)
        .collect()
}

/// Google Consent Mode for the built-in Google tags.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GoogleConsentModeFile {
    /// Their rules' own action (removal).
    #[default]
    Off,
    /// Removed until consent; defaults injected when kept.
    GcmBasic,
    /// Kept with denied defaults: cookieless pings before consent.
    GcmAdvanced,
}

/// One tag rule (`[[tags.rule]]` or the catalogue's `[[rule]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRuleFile {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub vendor: String,
    /// Category.
    pub category: String,
    /// Host patterns (`example.com`, `example.com/path`).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// URL path suffixes matched on any host, relative URLs included (`/matomo.js`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Inline-loader signatures.
    #[serde(default)]
    pub inline: Vec<String>,
    /// `remove` (default), `neutralize`, `placeholder`, `gcm-basic` or `gcm-advanced`.
    #[serde(default)]
    pub action: ActionFile,
    /// Element kinds covered (default all).
    pub elements: Option<Vec<String>>,
    /// What the vendor's tag does, in one line (for the policy); one text
    /// or one per language.
    pub purpose: Option<crate::policy_doc::facts::Localized>,
    /// The vendor's privacy policy URL.
    pub privacy_policy: Option<String>,
    /// Where visitors can opt out with the vendor, if it offers that.
    pub opt_out: Option<String>,
}

/// A tag rule's action.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionFile {
    /// Remove the element.
    #[default]
    Remove,
    /// Make it inert but restorable.
    Neutralize,
    /// Replace embeds with a notice.
    Placeholder,
    /// Google tags: remove until consent, with Consent Mode defaults when kept.
    #[serde(rename = "gcm-basic")]
    GcmBasic,
    /// Google tags: keep with denied Consent Mode defaults (opt-in).
    #[serde(rename = "gcm-advanced")]
    GcmAdvanced,
}

/// The built-in catalogue files' shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile<T> {
    /// The entries.
    pub rule: Vec<T>,
}

/// `[html]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlFile {
    /// The most bytes of one tag of interest the rewriter holds while reading it.
    #[serde(default = "default_parser_memory")]
    pub parser_memory_limit: usize,
    /// The most inline-script text held back while judging it, bytes.
    #[serde(default = "default_inline_limit")]
    pub inline_script_limit: usize,
    /// The most `<noscript>` content held back, bytes.
    #[serde(default = "default_noscript_limit")]
    pub noscript_limit: usize,
}

impl Default for HtmlFile {
    fn default() -> Self {
        HtmlFile {
            parser_memory_limit: default_parser_memory(),
            inline_script_limit: default_inline_limit(),
            noscript_limit: default_noscript_limit(),
        }
    }
}

/// `[proxy]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyFile {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Upstream base URL (`http://host:port`).
    #[serde(default = "default_upstream")]
    pub upstream: String,
    /// Worker threads (0 = one per core; 1 = the single-threaded scheduler).
    #[serde(default)]
    pub workers: usize,
    /// `preserve` the client's Host header (default) or send the `upstream`'s.
    #[serde(default)]
    pub host_header: HostHeaderFile,
    /// How consent-dependent responses are made cache-safe: `vary` (default) or `private`.
    #[serde(default)]
    pub cache: CacheFile,
    /// Timeouts.
    #[serde(default)]
    pub timeouts: TimeoutsFile,
    /// Upstream connections kept open for reuse (those still reading a
    /// response count too).
    #[serde(default = "default_pool_idle")]
    pub pool_max_idle_per_host: usize,
    /// TLS termination on the proxy listener (off without this table).
    pub tls: Option<TlsFile>,
}

/// `[proxy.tls]`: PEM files, reloaded on SIGHUP and on change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// The certificate chain, leaf first.
    pub cert: String,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: String,
}

impl Default for ProxyFile {
    fn default() -> Self {
        ProxyFile {
            listen: default_listen(),
            upstream: default_upstream(),
            workers: 0,
            host_header: HostHeaderFile::default(),
            cache: CacheFile::default(),
            timeouts: TimeoutsFile::default(),
            pool_max_idle_per_host: default_pool_idle(),
            tls: None,
        }
    }
}

/// Which Host header goes upstream.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostHeaderFile {
    /// The client's.
    #[default]
    Preserve,
    /// The upstream URL's authority.
    Upstream,
}

/// How consent-dependent responses are made cache-safe.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheFile {
    /// Add `Vary: Cookie, Sec-GPC`.
    #[default]
    Vary,
    /// Set `Cache-Control: private`.
    Private,
}

/// `[proxy.timeouts]`, durations such as `"500ms"`, `"5s"`, `"2m"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsFile {
    /// Connecting to upstream.
    #[serde(default = "d5s", with = "duration")]
    pub connect: Duration,
    /// Waiting for upstream's response headers.
    #[serde(default = "d30s", with = "duration")]
    pub response_header: Duration,
    /// Idle keep-alive connections (both sides).
    #[serde(default = "d90s", with = "duration")]
    pub idle: Duration,
    /// No upstream body data for this long aborts the response.
    #[serde(default = "d60s", with = "duration")]
    pub body_idle: Duration,
    /// Grace period for in-flight requests on shutdown.
    #[serde(default = "d25s", with = "duration")]
    pub shutdown_grace: Duration,
    /// A client's request headers, from the request's first byte (nginx's
    /// `client_header_timeout`).
    #[serde(default = "d60s", with = "duration")]
    pub client_header: Duration,
}

impl Default for TimeoutsFile {
    fn default() -> Self {
        TimeoutsFile {
            connect: d5s(),
            response_header: d30s(),
            idle: d90s(),
            body_idle: d60s(),
            shutdown_grace: d25s(),
            client_header: d60s(),
        }
    }
}

/// `[admin]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminFile {
    /// Address of the admin listener (`/healthz`, `/readyz`, `/metrics`).
    #[serde(default = "default_admin_listen")]
    pub listen: String,
    /// What `/readyz` checks: `upstream` (default) or `config`.
    #[serde(default)]
    pub readiness: ReadinessFile,
}

impl Default for AdminFile {
    fn default() -> Self {
        AdminFile {
            listen: default_admin_listen(),
            readiness: ReadinessFile::default(),
        }
    }
}

/// What `/readyz` checks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadinessFile {
    /// A loaded config and a TCP connection to the upstream.
    #[default]
    Upstream,
    /// A loaded config only.
    Config,
}

/// `[consent_ui]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentUiFile {
    /// The reserved path prefix answered by the proxy itself.
    #[serde(default = "default_consent_prefix")]
    pub path_prefix: String,
    /// `auto` (default), `always` or `never`.
    #[serde(default)]
    pub banner: BannerFile,
    /// The "Cookie settings" link on pages once a choice was made through Consentry.
    #[serde(default = "yes")]
    pub settings_link: bool,
    /// The cookie policy's URL (default `{path_prefix}/policy`).
    pub policy_url: Option<String>,
    /// How long the `consentry` cookie lasts, in days (1 to 395).
    #[serde(default = "default_consent_days")]
    pub max_age_days: u32,
    /// Where consent records go: `-` (standard output), a file path, or `off`.
    #[serde(default = "default_records")]
    pub records: String,
    /// Also record the visitor's User-Agent (off: records carry no device data).
    #[serde(default)]
    pub records_user_agent: bool,
    /// Show the banner in report-only mode too.
    #[serde(default)]
    pub banner_in_report_only: bool,
    /// Trust `X-Forwarded-Proto: https` from the client side (behind a TLS-terminating edge).
    #[serde(default)]
    pub trust_forwarded_proto: bool,
    /// The language used when `Accept-Language` names none the UI has.
    #[serde(default = "default_language")]
    pub default_language: String,
    /// Texts per language (`en`, `de`, …); each replaces built-in ones or adds a language.
    #[serde(default)]
    pub texts: BTreeMap<String, TextsFile>,
}

impl Default for ConsentUiFile {
    fn default() -> Self {
        ConsentUiFile {
            path_prefix: default_consent_prefix(),
            banner: BannerFile::default(),
            settings_link: true,
            policy_url: None,
            max_age_days: default_consent_days(),
            records: default_records(),
            records_user_agent: false,
            banner_in_report_only: false,
            trust_forwarded_proto: false,
            default_language: default_language(),
            texts: BTreeMap::new(),
        }
    }
}

/// When the banner is shown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BannerFile {
    /// Without a consent signal, unless the page loads its own consent manager.
    #[default]
    Auto,
    /// Without a consent signal, whatever the page loads.
    Always,
    /// Never (placeholders, preferences page and endpoint still work).
    Never,
}

/// `[consent_ui.texts.<language>]`: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextsFile {
    /// The banner's heading.
    pub title: Option<String>,
    /// The banner's explanation.
    pub message: Option<String>,
    /// "Reject all".
    pub reject_all: Option<String>,
    /// "Accept all".
    pub accept_all: Option<String>,
    /// "Choose categories".
    pub customize: Option<String>,
    /// "Save my choices".
    pub save: Option<String>,
    /// "Cookie policy".
    pub policy_link: Option<String>,
    /// "Cookie settings".
    pub settings_link: Option<String>,
    /// The preferences page's introduction.
    pub preferences_intro: Option<String>,
    /// "Allowed".
    pub allowed: Option<String>,
    /// "Not allowed".
    pub not_allowed: Option<String>,
    /// "Always on".
    pub always_on: Option<String>,
    /// "Back to the site".
    pub back: Option<String>,
    /// A blocked embed's notice, with `{vendor}` and `{category}`.
    pub placeholder_blocked: Option<String>,
    /// A blocked embed's button, with `{category}`.
    pub placeholder_allow: Option<String>,
    /// Category name -> label and description.
    #[serde(default)]
    pub categories: BTreeMap<String, CategoryTextFile>,
}

/// A category's label and description.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryTextFile {
    /// Short name.
    pub label: String,
    /// One sentence.
    #[serde(default)]
    pub description: String,
}

fn default_consent_prefix() -> String {
    "/_consentry".into()
}
fn default_consent_days() -> u32 {
    180
}
fn default_records() -> String {
    "-".into()
}
fn default_language() -> String {
    "en".into()
}
fn yes() -> bool {
    true
}
fn default_parser_memory() -> usize {
    4 << 20
}
fn default_inline_limit() -> usize {
    512 << 10
}
fn default_noscript_limit() -> usize {
    64 << 10
}
fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_admin_listen() -> String {
    "127.0.0.1:9090".into()
}
fn default_upstream() -> String {
    "http://127.0.0.1:3000".into()
}
fn default_pool_idle() -> usize {
    256
}
fn d5s() -> Duration {
    Duration::from_secs(5)
}
fn d30s() -> Duration {
    Duration::from_secs(30)
}
fn d90s() -> Duration {
    Duration::from_secs(90)
}
fn d60s() -> Duration {
    Duration::from_secs(60)
}
fn d25s() -> Duration {
    Duration::from_secs(25)
}

/// Durations written as `"250ms"`, `"5s"`, `"2m"` or `"1h"`.
pub mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    /// Parses a duration with a unit suffix.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("`{text}` needs a unit: ms, s, m or h"))?;
        let (number, unit) = text.split_at(split);
        let n: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` does not start with a whole number"))?;
        let ms = match unit.trim() {
            "ms" => n,
            "s" => n.saturating_mul(1000),
            "m" => n.saturating_mul(60_000),
            "h" => n.saturating_mul(3_600_000),
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}` (use ms, s, m or h)"
                ))
            }
        };
        Ok(Duration::from_millis(ms))
    }

    /// Serde adapter.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_units() {
            assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
            assert_eq!(parse(" 5s"), Ok(Duration::from_secs(5)));
            assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
            assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
            for bad in ["5", "s", "5 parsecs", "", "-1s", "1.5s"] {
                assert!(parse(bad).is_err(), "{bad}");
            }
        }
    }
}

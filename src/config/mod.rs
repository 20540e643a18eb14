//! Configuration: the TOML schema ([`file`]), its validation and
//! compilation ([`compile`]) into an immutable [`Policy`].

pub mod compile;
pub mod file;
pub mod mode;
pub mod source;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::policy::category::Categories;
use crate::policy::consent::{ConsentPolicy, RequestSignals};
use crate::policy::request_cookies::RequestCookies;
use crate::policy::set_cookie::CookieRules;
use crate::rewrite::Rewriter;

pub use compile::compile;
pub use source::{ConfigSource, Overrides};

/// The documented default config, compiled into the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/consentry.toml");

/// The built-in tag catalogue.
pub const TAG_CATALOGUE: &str = include_str!("../../catalogue/trackers.toml");

/// The built-in long-tail tag catalogue, loaded after [`TAG_CATALOGUE`].
pub const TAG_CATALOGUE_LONGTAIL: &str = include_str!("../../catalogue/trackers-longtail.toml");

/// The built-in cookie catalogue.
pub const COOKIE_CATALOGUE: &str = include_str!("../../catalogue/cookies.toml");

/// The live policy, swapped atomically on reload: each request takes one
/// snapshot (`load_full()`) and keeps it until it is done.
pub type SharedPolicy = Arc<arc_swap::ArcSwap<Policy>>;

/// A new shared handle holding `policy`.
pub fn shared(policy: Arc<Policy>) -> SharedPolicy {
    Arc::new(arc_swap::ArcSwap::new(policy))
}

/// A config that could not be loaded: which file, which key, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or `<built-in>` for the embedded default).
    pub file: String,
    /// The dotted key path (`tags.rule[3].hosts[0]`), empty when the file is not valid TOML.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}: {}: {}", self.file, self.key, self.reason)
        }
    }
}

impl std::error::Error for ConfigError {}

/// Whether decisions are applied or only reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Strip cookies and rewrite HTML.
    Enforce,
    /// Decide, count and log, but pass every byte through.
    ReportOnly,
}

/// How consent-dependent responses are made cache-safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheSafety {
    /// `Vary: Cookie, Sec-GPC`.
    Vary,
    /// `Cache-Control: private`.
    Private,
}

/// Which Host header goes upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostHeader {
    /// The client's.
    Preserve,
    /// The upstream's authority.
    Upstream,
}

/// The reverse proxy's settings.
#[derive(Clone, Debug)]
pub struct ProxySettings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The upstream base URL (scheme `http`).
    pub upstream: http::Uri,
    /// Worker threads (0 = one per core).
    pub workers: usize,
    /// Which Host header goes upstream.
    pub host_header: HostHeader,
    /// How consent-dependent responses are made cache-safe.
    pub cache: CacheSafety,
    /// Upstream connect timeout.
    pub connect_timeout: Duration,
    /// Upstream response-header timeout.
    pub response_header_timeout: Duration,
    /// Idle keep-alive timeout (client and upstream connections).
    pub idle_timeout: Duration,
    /// A response body stalled this long is aborted.
    pub body_idle_timeout: Duration,
    /// Grace period for in-flight requests on shutdown.
    pub shutdown_grace: Duration,
    /// Idle upstream connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// How long a client gets to send a request's headers.
    pub client_header_timeout: Duration,
    /// TLS termination, when configured.
    pub tls: Option<TlsSettings>,
}

/// `[proxy.tls]`: where the certificate chain and key are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM certificate chain, leaf first.
    pub cert: std::path::PathBuf,
    /// PEM private key.
    pub key: std::path::PathBuf,
}

/// What the admin listener's `/readyz` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// A loaded config and a TCP connection to the upstream.
    Upstream,
    /// A loaded config only.
    Config,
}

/// The admin listener's settings.
#[derive(Clone, Debug)]
pub struct AdminSettings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// What `/readyz` checks.
    pub readiness: Readiness,
}

/// A compiled, immutable policy: everything a request needs, built once.
#[derive(Debug)]
pub struct Policy {
    /// The category table.
    pub categories: Categories,
    /// Consent decoding.
    pub consent: ConsentPolicy,
    /// Cookie decisions.
    pub cookies: CookieRules,
    /// The HTML rewriter settings.
    pub rewriter: Rewriter,
    /// Enforce or report only, unless an override matches.
    pub mode: Mode,
    /// `[[mode_override]]` entries, first match wins.
    pub mode_overrides: Vec<mode::ModeOverride>,
    /// Proxy settings.
    pub proxy: ProxySettings,
    /// Admin listener settings.
    pub admin: AdminSettings,
    /// The banner, consent endpoint and preferences page.
    pub consent_ui: crate::consent_ui::ConsentUi,
    /// `[site]`: who runs the site, for the generated cookie policy.
    pub site: crate::policy_doc::facts::Site,
    /// What each cookie entry and tag rule is for, for the generated cookie policy.
    pub facts: crate::policy_doc::facts::Facts,
}

impl Policy {
    /// Loads and compiles the config at `path`.
    pub fn load(path: &Path) -> Result<Arc<Policy>, ConfigError> {
        Policy::read(path).map(Arc::new)
    }

    /// Reads and compiles the config at `path`, unshared.
    pub fn read(path: &Path) -> Result<Policy, ConfigError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: label.clone(),
            key: String::new(),
            reason: format!("cannot read the file: {e}"),
        })?;
        compile(&text, &label)
    }

    /// The mode for a request to `host` (the `Host` header) and `path`.
    pub fn mode_for(&self, host: Option<&str>, path: &str) -> Mode {
        mode::resolve(&self.mode_overrides, self.mode, host, path)
    }

    /// The built-in default config.
    pub fn builtin() -> Arc<Policy> {
        Arc::new(compile(DEFAULT_CONFIG, "<built-in>").expect("the built-in config compiles"))
    }

    /// The consent-relevant signals of a request: its cookies and the
    /// `Sec-GPC` and configured region headers, read through `header`
    /// (lower-case names).
    pub fn signals<'a>(
        &self,
        cookies: &'a RequestCookies<'a>,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> RequestSignals<'a> {
        RequestSignals {
            cookies,
            gpc: header("sec-gpc"),
            region: self.consent.region_lookup_name().and_then(&header),
        }
    }

    /// The consent for a request (see [`Policy::signals`]).
    pub fn decide<'a>(
        &self,
        cookies: &'a RequestCookies<'a>,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> crate::policy::consent::Consent {
        self.consent.decide(&self.signals(cookies, header))
    }
}

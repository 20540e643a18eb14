//! Consent decoding: one decoder per signal, and the precedence between them.
//!
//! Every decoder turns one cookie value into the categories it grants, or
//! says why the value is unreadable. [`ConsentPolicy`] asks the decoders in
//! the configured order; the first *readable* signal wins (a readable value
//! that grants nothing is a refusal and wins too). When no signal is
//! readable, the region table picks the default from the geo header, and
//! without a match the strict default applies (`necessary` only). The Global
//! Privacy Control header then restricts the result.

mod bits;
pub mod cc_cookie;
pub mod consentry;
pub mod cookiebot;
pub mod gpc;
pub mod gpp;
pub mod klaro;
pub mod onetrust;
pub mod region;
mod settings;
pub mod tcf;

#[cfg(test)]
mod corpus_tests;

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use super::category::{Category, CategorySet};
use super::request_cookies::RequestCookies;

pub use settings::{
    CcCookieSettings, ConsentSettings, ConsentSettingsError, CookiebotSettings, GppSettings,
    KlaroSettings, OneTrustSettings, RegionSettings, TcfSettings,
};

/// Where a consent decision came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Our own `consentry` cookie.
    Consentry,
    /// OneTrust `OptanonConsent`.
    #[serde(rename = "onetrust")]
    OneTrust,
    /// Cookiebot `CookieConsent`.
    Cookiebot,
    /// orestbida/cookieconsent `cc_cookie`.
    CcCookie,
    /// Klaro `klaro`.
    Klaro,
    /// IAB TCF v2 `euconsent-v2`.
    Tcf,
    /// IAB GPP `__gpp`.
    Gpp,
    /// No readable signal: the region table's default for the request's geo header.
    Region,
    /// No readable signal and no region default: the strict default.
    Default,
}

impl Source {
    /// The name used in config (`consent.order`) and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Source::Consentry => "consentry",
            Source::OneTrust => "onetrust",
            Source::Cookiebot => "cookiebot",
            Source::CcCookie => "cc_cookie",
            Source::Klaro => "klaro",
            Source::Tcf => "tcf",
            Source::Gpp => "gpp",
            Source::Region => "region",
            Source::Default => "default",
        }
    }

    /// The signal sources that can appear in `consent.order`.
    pub const SIGNALS: &'static [Source] = &[
        Source::Consentry,
        Source::OneTrust,
        Source::Cookiebot,
        Source::CcCookie,
        Source::Tcf,
        Source::Klaro,
        Source::Gpp,
    ];

    /// The signal source with this config name.
    pub fn from_name(name: &str) -> Option<Source> {
        Source::SIGNALS.iter().copied().find(|s| s.name() == name)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a present consent value could not be read (static, so failing allocates nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable(pub &'static str);

impl Unreadable {
    /// An unreadable-value reason.
    pub fn new(reason: &'static str) -> Self {
        Unreadable(reason)
    }
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Cookie values longer than this are unreadable (browsers cap a cookie at 4 KiB).
pub const MAX_VALUE_LEN: usize = 8 * 1024;

/// `value` with `%XX` escapes decoded (borrowed when there are none); it must
/// be UTF-8 afterwards and at most [`MAX_VALUE_LEN`] bytes long before.
pub(crate) fn percent_decode(value: &str) -> Result<Cow<'_, str>, Unreadable> {
    if value.len() > MAX_VALUE_LEN {
        return Err(Unreadable("value too long"));
    }
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map_err(|_| Unreadable("not valid UTF-8 after percent-decoding"))
}

/// A decoder for one consent cookie format.
pub trait Decoder: Send + Sync + fmt::Debug {
    /// Which source this decoder reads.
    fn source(&self) -> Source;
    /// The cookie it reads.
    fn cookie_name(&self) -> &str;
    /// The categories the value grants (`necessary` is added by the caller).
    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable>;
    /// Extra facts about a value for `explain` (never used to decide).
    fn describe(&self, _value: &str) -> Option<String> {
        None
    }
}

/// The consent-relevant parts of one request.
#[derive(Clone, Copy, Debug)]
pub struct RequestSignals<'a> {
    /// The request's cookies.
    pub cookies: &'a RequestCookies<'a>,
    /// The `Sec-GPC` header value, if any.
    pub gpc: Option<&'a str>,
    /// The value of the configured geo header ([`ConsentPolicy::region_header`]), if any.
    pub region: Option<&'a str>,
}

/// The consent decision for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consent {
    /// Granted categories; always contains `necessary`.
    pub granted: CategorySet,
    /// The source that decided.
    pub source: Source,
    /// Whether Global Privacy Control removed categories.
    pub gpc_applied: bool,
}

/// What one present signal said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The value was readable and grants these categories (`necessary` included).
    Granted(CategorySet),
    /// The value is present but could not be read.
    Unreadable(&'static str),
}

/// One present signal and what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalReport {
    /// The source of the signal.
    pub source: Source,
    /// The cookie it was read from.
    pub cookie: String,
    /// What it said.
    pub outcome: Outcome,
    /// Extra facts from the decoder (e.g. TCF fields, OneTrust's `isGpcEnabled`).
    pub detail: Option<String>,
    /// Whether this signal decided (the first readable one).
    pub decided: bool,
}

/// A consent decision with the reasoning behind it (for `explain` and audit logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The decision: granted categories and deciding source.
    pub consent: Consent,
    /// A sentence saying why.
    pub reason: String,
    /// Every present signal, in precedence order.
    pub signals: Vec<SignalReport>,
    /// Whether the request carried `Sec-GPC: 1`.
    pub gpc: bool,
    /// The geo header value, when configured and present.
    pub region: Option<String>,
}

/// The compiled consent rules: decoders in precedence order, region defaults, GPC.
#[derive(Debug)]
pub struct ConsentPolicy {
    decoders: Vec<Box<dyn Decoder>>,
    gpc: gpc::GpcRule,
    regions: region::RegionDefaults,
    without_consent: CategorySet,
}

impl ConsentPolicy {
    /// A policy asking `decoders` in order, then applying `gpc` (no region defaults).
    pub fn new(decoders: Vec<Box<dyn Decoder>>, gpc: gpc::GpcRule) -> Self {
        ConsentPolicy {
            decoders,
            gpc,
            regions: region::RegionDefaults::none(),
            without_consent: CategorySet::NECESSARY_ONLY,
        }
    }

    /// The same policy granting `set` (with `necessary`) to every visitor,
    /// whatever the signals say.
    #[must_use]
    pub fn with_granted_without_consent(mut self, set: CategorySet) -> Self {
        self.without_consent = set.with(Category::NECESSARY);
        self
    }

    /// The same policy using `regions` when no signal is readable.
    #[must_use]
    pub fn with_regions(mut self, regions: region::RegionDefaults) -> Self {
        self.regions = regions;
        self
    }

    /// The request header whose value goes into [`RequestSignals::region`], if any.
    pub fn region_header(&self) -> Option<&str> {
        self.regions.header()
    }

    /// The configured geo header in lower case (how requests are searched).
    pub fn region_lookup_name(&self) -> Option<&str> {
        self.regions.lookup_name()
    }

    /// The sources asked, in precedence order.
    pub fn order(&self) -> impl Iterator<Item = Source> + '_ {
        self.decoders.iter().map(|d| d.source())
    }

    fn value<'a>(d: &dyn Decoder, signals: &RequestSignals<'a>) -> Option<&'a str> {
        signals.cookies.get(d.cookie_name())
    }

    fn fallback(&self, signals: &RequestSignals<'_>) -> (CategorySet, Source) {
        match self.regions.lookup(signals.region) {
            Some(set) => (set, Source::Region),
            None => (CategorySet::NECESSARY_ONLY, Source::Default),
        }
    }

    /// The consent for a request: first readable signal, else region default, then GPC.
    pub fn decide(&self, signals: &RequestSignals<'_>) -> Consent {
        let (granted, source) = self
            .decoders
            .iter()
            .find_map(|d| {
                let value = Self::value(d.as_ref(), signals)?;
                d.decode(value).ok().map(|set| (set, d.source()))
            })
            .unwrap_or_else(|| self.fallback(signals));
        self.finish(granted, source, signals)
    }

    /// The same decision as [`ConsentPolicy::decide`], with what every present signal said.
    pub fn explain(&self, signals: &RequestSignals<'_>) -> Explanation {
        let mut reports = Vec::new();
        let mut winner = None;
        for d in &self.decoders {
            let Some(value) = Self::value(d.as_ref(), signals) else {
                continue;
            };
            let mut decided = false;
            let outcome = match d.decode(value) {
                Ok(set) => {
                    if winner.is_none() {
                        winner = Some((set, d.source(), d.cookie_name().to_string()));
                        decided = true;
                    }
                    Outcome::Granted(set.with(Category::NECESSARY))
                }
                Err(Unreadable(reason)) => Outcome::Unreadable(reason),
            };
            reports.push(SignalReport {
                source: d.source(),
                cookie: d.cookie_name().to_string(),
                outcome,
                detail: d.describe(value),
                decided,
            });
        }
        let region = self
            .regions
            .header()
            .and(signals.region)
            .map(|r| r.trim().to_string());
        let (granted, source, mut reason) = match winner {
            Some((set, source, cookie)) => (
                set,
                source,
                format!("cookie `{cookie}` is the first readable consent signal"),
            ),
            None => {
                let (set, source) = self.fallback(signals);
                let why = if reports.is_empty() {
                    "no consent signal present"
                } else {
                    "no readable consent signal (fail closed)"
                };
                let reason = match (&region, source) {
                    (Some(r), Source::Region) => format!("{why}: default for region `{r}`"),
                    (Some(r), _) => format!("{why}: region `{r}` has no default, strict default"),
                    (None, _) => format!("{why}: strict default"),
                };
                (set, source, reason)
            }
        };
        let consent = self.finish(granted, source, signals);
        if consent.gpc_applied {
            reason.push_str("; Global Privacy Control removed categories");
        }
        Explanation {
            consent,
            reason,
            signals: reports,
            gpc: gpc::is_set(signals.gpc),
            region,
        }
    }

    fn finish(
        &self,
        granted: CategorySet,
        source: Source,
        signals: &RequestSignals<'_>,
    ) -> Consent {
        let granted = granted.union(self.without_consent);
        let restricted = self
            .gpc
            .apply(granted, signals.gpc)
            .union(self.without_consent);
        Consent {
            granted: restricted,
            source,
            gpc_applied: restricted != granted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::category::Categories;

    fn policy() -> ConsentPolicy {
        ConsentSettings::defaults()
            .compile(&Categories::default())
            .expect("defaults compile")
    }

    fn decide_with(cookie: &str, gpc: Option<&str>, region: Option<&str>) -> Consent {
        let cookies = RequestCookies::parse(cookie);
        let signals = RequestSignals {
            cookies: &cookies,
            gpc,
            region,
        };
        let p = policy();
        let consent = p.decide(&signals);
        assert_eq!(p.explain(&signals).consent, consent, "explain != decide");
        consent
    }

    fn decide(cookie: &str, gpc: Option<&str>) -> Consent {
        decide_with(cookie, gpc, None)
    }

    fn set(cs: &[Category]) -> CategorySet {
        cs.iter()
            .fold(CategorySet::NECESSARY_ONLY, |s, c| s.with(*c))
    }

    #[test]
    fn no_signal_is_necessary_only() {
        let c = decide("", None);
        assert_eq!(c.granted, CategorySet::NECESSARY_ONLY);
        assert_eq!(c.source, Source::Default);
    }

    #[test]
    fn own_cookie_grants_and_gpc_restricts() {
        let all = set(&[Category::ANALYTICS, Category::MARKETING]);
        let c = decide("consentry=analytics,marketing", None);
        assert_eq!(
            (c.granted, c.source, c.gpc_applied),
            (all, Source::Consentry, false)
        );
        let c = decide("consentry=analytics,marketing", Some(" 1 "));
        assert_eq!(c.granted, all.without(Category::MARKETING));
        assert!(c.gpc_applied);
        // GPC never grants.
        let c = decide("", Some("1"));
        assert_eq!(c.granted, CategorySet::NECESSARY_ONLY);
        assert!(!c.gpc_applied);
    }

    #[test]
    fn precedence_table() {
        let ot_all = "OptanonConsent=groups%3DC0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1";
        let ot_none = "OptanonConsent=groups=C0001%3A1%2CC0002%3A0";
        let cb_all = "CookieConsent=-1";
        let cc_an = "cc_cookie=%7B%22categories%22%3A%5B%22analytics%22%5D%7D";
        let everything = set(&[
            Category::PREFERENCES,
            Category::ANALYTICS,
            Category::MARKETING,
        ]);
        let tcf_all = tcf::test_support::core(0x00FF_FFFF);
        let tcf_none = tcf::test_support::core(0);
        let cases: Vec<(String, CategorySet, Source)> = vec![
            (format!("{ot_all}; {cb_all}"), everything, Source::OneTrust),
            // A readable refusal wins over a later grant.
            (format!("{ot_none}; {cb_all}"), set(&[]), Source::OneTrust),
            (
                "consentry=; CookieConsent=-1".into(),
                set(&[]),
                Source::Consentry,
            ),
            // Unreadable values give the next source its turn.
            (
                format!("OptanonConsent=isMarketing=1; CookieConsent=junk; {cc_an}"),
                set(&[Category::ANALYTICS]),
                Source::CcCookie,
            ),
            (
                format!("euconsent-v2={tcf_all}; {cc_an}"),
                set(&[Category::ANALYTICS]),
                Source::CcCookie,
            ),
            (format!("euconsent-v2={tcf_all}"), everything, Source::Tcf),
            (
                format!("euconsent-v2=garbage; {cb_all}"),
                everything,
                Source::Cookiebot,
            ),
            (
                "klaro=%7B%22analytics%22%3Atrue%7D".into(),
                set(&[Category::ANALYTICS]),
                Source::Klaro,
            ),
            (format!("__gpp=DBABMA~{tcf_none}"), set(&[]), Source::Gpp),
            (
                "euconsent-v2=junk; klaro=junk; __gpp=junk".into(),
                set(&[]),
                Source::Default,
            ),
        ];
        for (cookie, granted, source) in cases {
            let c = decide(&cookie, None);
            assert_eq!((c.granted, c.source), (granted, source), "{cookie}");
        }
    }

    #[test]
    fn region_defaults_apply_only_without_readable_signal() {
        let everything = set(&[
            Category::PREFERENCES,
            Category::ANALYTICS,
            Category::MARKETING,
        ]);
        let mut settings = ConsentSettings::defaults();
        settings.region.header = Some("CF-IPCountry".to_string());
        let p = settings.compile(&Categories::default()).unwrap();
        assert_eq!(p.region_header(), Some("CF-IPCountry"));
        // (cookie, Sec-GPC, geo header, granted, source)
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            CategorySet,
            Source,
        );
        let cases: &[Case] = &[
            ("", None, Some("US"), everything, Source::Region),
            ("", None, Some(" us "), everything, Source::Region),
            ("", None, Some("US-CA"), everything, Source::Region),
            (
                "",
                Some("1"),
                Some("US"),
                everything.without(Category::MARKETING),
                Source::Region,
            ),
            ("", None, Some("DE"), set(&[]), Source::Region),
            ("", None, Some("GB"), set(&[]), Source::Region),
            ("", None, Some("XX"), set(&[]), Source::Default),
            ("", None, None, set(&[]), Source::Default),
            ("consentry=", None, Some("US"), set(&[]), Source::Consentry),
            (
                "euconsent-v2=junk",
                None,
                Some("US"),
                everything,
                Source::Region,
            ),
        ];
        for (cookie, gpc, region, granted, source) in cases {
            let cookies = RequestCookies::parse(cookie);
            let signals = RequestSignals {
                cookies: &cookies,
                gpc: *gpc,
                region: *region,
            };
            let c = p.decide(&signals);
            assert_eq!(
                (c.granted, c.source),
                (*granted, *source),
                "{cookie} {region:?}"
            );
            assert_eq!(p.explain(&signals).consent, c);
        }
        // Without a configured header the region value is ignored.
        assert_eq!(decide_with("", None, Some("US")).source, Source::Default);
    }

    #[test]
    fn explain_reports_every_present_signal() {
        let cookies = RequestCookies::parse(
            "OptanonConsent=isGpcEnabled=1&groups=C0001%3A1; CookieConsent=junk; consentry=analytics",
        );
        let signals = RequestSignals {
            cookies: &cookies,
            gpc: None,
            region: None,
        };
        let p = policy();
        let e = p.explain(&signals);
        assert_eq!(e.consent, p.decide(&signals));
        let sources: Vec<_> = e.signals.iter().map(|s| (s.source, s.decided)).collect();
        assert_eq!(
            sources,
            vec![
                (Source::Consentry, true),
                (Source::OneTrust, false),
                (Source::Cookiebot, false)
            ]
        );
        assert!(e.reason.contains("consentry"), "{}", e.reason);
        assert!(matches!(e.signals[2].outcome, Outcome::Unreadable(_)));
        let ot = e.signals[1].detail.as_deref().unwrap_or_default();
        assert!(ot.contains("isGpcEnabled=1"), "{ot}");
        assert!(!e.gpc);
    }

    #[test]
    fn source_names_round_trip() {
        for s in Source::SIGNALS {
            assert_eq!(Source::from_name(s.name()), Some(*s));
        }
        assert_eq!(Source::from_name("region"), None);
        assert_eq!(Source::from_name("default"), None);
    }

    #[test]
    fn oversized_values_are_unreadable() {
        let big = format!("consentry={}", "analytics,".repeat(2000));
        assert_eq!(decide(&big, None).source, Source::Default);
    }
}

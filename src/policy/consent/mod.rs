//! Consent decoding: one decoder per signal, and the precedence between them.
//!
//! Every decoder turns one cookie value into the categories it grants, or
//! says why the value is unreadable. [`ConsentPolicy`] asks the decoders in
//! the configured order; the first readable signal wins, and the Global
//! Privacy Control header then restricts the result. No readable signal
//! means the strict default (`necessary` only).

pub mod consentry;
pub mod gpc;

use std::fmt;

use serde::Serialize;

use super::category::{Category, CategorySet};
use super::request_cookies::RequestCookies;

/// Where a consent decision came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Our own `consentry` cookie.
    Consentry,
    /// No readable signal: the strict default.
    Default,
}

impl Source {
    /// The name used in config (`consent.order`) and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Source::Consentry => "consentry",
            Source::Default => "default",
        }
    }

    /// The signal sources that can appear in `consent.order`.
    pub const SIGNALS: &'static [Source] = &[Source::Consentry];

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

/// Why a present consent value could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl Unreadable {
    /// An unreadable-value reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Unreadable(reason.into())
    }
}

/// A decoder for one consent cookie format.
pub trait Decoder: Send + Sync + fmt::Debug {
    /// Which source this decoder reads.
    fn source(&self) -> Source;
    /// The cookie it reads.
    fn cookie_name(&self) -> &str;
    /// The categories the value grants (`necessary` is added by the caller).
    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable>;
}

/// The consent-relevant parts of one request.
#[derive(Clone, Copy, Debug)]
pub struct RequestSignals<'a> {
    /// The request's cookies.
    pub cookies: &'a RequestCookies<'a>,
    /// The `Sec-GPC` header value, if any.
    pub gpc: Option<&'a str>,
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
    /// The value was readable and grants these categories.
    Granted(CategorySet),
    /// The value is present but could not be read.
    Unreadable(String),
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
}

/// A consent decision with the reasoning behind it (for `explain` and audit logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The decision.
    pub consent: Consent,
    /// A sentence saying why.
    pub reason: String,
    /// Every present signal, in precedence order.
    pub signals: Vec<SignalReport>,
    /// Whether the request carried `Sec-GPC: 1`.
    pub gpc: bool,
}

/// The compiled consent rules: decoders in precedence order plus GPC.
#[derive(Debug)]
pub struct ConsentPolicy {
    decoders: Vec<Box<dyn Decoder>>,
    gpc: gpc::GpcRule,
}

impl ConsentPolicy {
    /// A policy asking `decoders` in order, then applying `gpc`.
    pub fn new(decoders: Vec<Box<dyn Decoder>>, gpc: gpc::GpcRule) -> Self {
        ConsentPolicy { decoders, gpc }
    }

    /// The consent for a request: first readable signal, then GPC.
    pub fn decide(&self, signals: &RequestSignals<'_>) -> Consent {
        let (granted, source) = self
            .decoders
            .iter()
            .find_map(|d| {
                let value = signals.cookies.get(d.cookie_name())?;
                d.decode(value).ok().map(|set| (set, d.source()))
            })
            .unwrap_or((CategorySet::NECESSARY_ONLY, Source::Default));
        self.finish(granted, source, signals)
    }

    /// The same decision as [`ConsentPolicy::decide`], with what every present signal said.
    pub fn explain(&self, signals: &RequestSignals<'_>) -> Explanation {
        let mut reports = Vec::new();
        let mut winner = None;
        for d in &self.decoders {
            let Some(value) = signals.cookies.get(d.cookie_name()) else {
                continue;
            };
            let outcome = match d.decode(value) {
                Ok(set) => {
                    winner.get_or_insert((set, d.source(), d.cookie_name().to_string()));
                    Outcome::Granted(set.with(Category::NECESSARY))
                }
                Err(Unreadable(reason)) => Outcome::Unreadable(reason),
            };
            reports.push(SignalReport {
                source: d.source(),
                cookie: d.cookie_name().to_string(),
                outcome,
            });
        }
        let (granted, source, mut reason) = match winner {
            Some((set, source, cookie)) => (
                set,
                source,
                format!("cookie `{cookie}` is the first readable consent signal"),
            ),
            None if reports.is_empty() => (
                CategorySet::NECESSARY_ONLY,
                Source::Default,
                "no consent signal present: strict default".to_string(),
            ),
            None => (
                CategorySet::NECESSARY_ONLY,
                Source::Default,
                "no readable consent signal (fail closed): strict default".to_string(),
            ),
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
        }
    }

    fn finish(
        &self,
        granted: CategorySet,
        source: Source,
        signals: &RequestSignals<'_>,
    ) -> Consent {
        let granted = granted.with(Category::NECESSARY);
        let restricted = self.gpc.apply(granted, signals.gpc);
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
        let categories = Categories::default();
        ConsentPolicy::new(
            vec![Box::new(consentry::ConsentryDecoder::new(
                "consentry",
                &categories,
            ))],
            gpc::GpcRule::new(CategorySet::EMPTY.with(Category::MARKETING)),
        )
    }

    fn decide(cookie: &str, gpc: Option<&str>) -> Consent {
        let cookies = RequestCookies::parse(cookie);
        policy().decide(&RequestSignals {
            cookies: &cookies,
            gpc,
        })
    }

    #[test]
    fn no_signal_is_necessary_only() {
        let c = decide("", None);
        assert_eq!(c.granted, CategorySet::NECESSARY_ONLY);
        assert_eq!(c.source, Source::Default);
    }

    #[test]
    fn own_cookie_grants_and_gpc_restricts() {
        let all = CategorySet::NECESSARY_ONLY
            .with(Category::ANALYTICS)
            .with(Category::MARKETING);
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
    fn explain_matches_decide_and_reports_signals() {
        let cookies = RequestCookies::parse("consentry=analytics");
        let signals = RequestSignals {
            cookies: &cookies,
            gpc: None,
        };
        let p = policy();
        let e = p.explain(&signals);
        assert_eq!(e.consent, p.decide(&signals));
        assert_eq!(e.signals.len(), 1);
        assert!(e.reason.contains("consentry"), "{}", e.reason);
    }
}

//! Plain-data consent settings (what the config file describes) and their
//! compilation into a [`ConsentPolicy`]. Category references are names,
//! resolved against the policy's [`Categories`] table at compile time.

use std::collections::BTreeMap;

use super::cc_cookie::CcCookieDecoder;
use super::consentry::ConsentryDecoder;
use super::cookiebot::{self, CookiebotDecoder};
use super::gpc::GpcRule;
use super::gpp::GppDecoder;
use super::klaro::KlaroDecoder;
use super::onetrust::{self, OneTrustDecoder};
use super::region::{RegionDefaults, OPT_IN_REGIONS};
use super::tcf::{TcfDecoder, TcfMapping};
use super::{ConsentPolicy, Decoder, Source};
use crate::policy::category::{Categories, Category, CategorySet};

/// Everything that configures consent decoding. Every category is named by string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentSettings {
    /// Cookie sources in precedence order (names of [`Source::SIGNALS`]); a source not listed is off.
    pub order: Vec<String>,
    /// Cookie name of our own consent cookie (`consentry`).
    pub consentry_cookie: String,
    /// OneTrust `OptanonConsent`.
    pub onetrust: OneTrustSettings,
    /// Cookiebot `CookieConsent`.
    pub cookiebot: CookiebotSettings,
    /// orestbida/cookieconsent `cc_cookie`.
    pub cc_cookie: CcCookieSettings,
    /// Klaro `klaro`.
    pub klaro: KlaroSettings,
    /// IAB TCF v2 `euconsent-v2`.
    pub tcf: TcfSettings,
    /// IAB GPP `__gpp` (its TCF section uses [`ConsentSettings::tcf`]'s purposes).
    pub gpp: GppSettings,
    /// Categories removed by `Sec-GPC: 1` (default `marketing`).
    pub gpc_removes: Vec<String>,
    /// Defaults by region when no signal is readable.
    pub region: RegionSettings,
}

/// OneTrust settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneTrustSettings {
    /// Cookie name (`OptanonConsent`).
    pub cookie: String,
    /// Group id (e.g. `C0002`, exact) → category name.
    pub groups: BTreeMap<String, String>,
}

/// Cookiebot settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookiebotSettings {
    /// Cookie name (`CookieConsent`).
    pub cookie: String,
    /// Field name (e.g. `statistics`) → category name; unlisted fields match category names.
    pub fields: BTreeMap<String, String>,
}

/// orestbida/cookieconsent settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcCookieSettings {
    /// Cookie name (`cc_cookie`).
    pub cookie: String,
    /// Site category name → our category name; unlisted names match category names.
    pub aliases: BTreeMap<String, String>,
}

/// Klaro settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KlaroSettings {
    /// Cookie name (`klaro`).
    pub cookie: String,
    /// Service name → category name; unlisted services match category names.
    pub services: BTreeMap<String, String>,
}

/// TCF settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcfSettings {
    /// Cookie name (`euconsent-v2`).
    pub cookie: String,
    /// Category name → purpose ids (1..=24) that must all be consented.
    pub purposes: BTreeMap<String, Vec<u8>>,
}

/// GPP settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GppSettings {
    /// Cookie name (`__gpp`).
    pub cookie: String,
    /// Categories a US opt-out (sale, sharing, targeted advertising) removes.
    pub us_opt_out_removes: Vec<String>,
}

/// Region-default settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionSettings {
    /// The request header carrying the visitor's region code (e.g. `CF-IPCountry`).
    /// `None` (the default) turns region defaults off: only trust a header your edge sets.
    pub header: Option<String>,
    /// Region code (`US`, `DE`, `US-CA`, …) → category names granted by default; `*` = all.
    pub defaults: BTreeMap<String, Vec<String>>,
}

/// A setting that does not compile: which key, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConsentSettingsError {
    /// The dotted key, e.g. `onetrust.groups.C0009`.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

fn err(key: impl Into<String>, reason: impl Into<String>) -> ConsentSettingsError {
    ConsentSettingsError {
        key: key.into(),
        reason: reason.into(),
    }
}

/// `name` if it is a valid cookie name (an RFC 6265 token).
fn cookie<'a>(key: &str, name: &'a str) -> Result<&'a str, ConsentSettingsError> {
    let bad = name.is_empty()
        || name
            .bytes()
            .any(|b| b <= b' ' || b >= 0x7f || b"()<>@,;:\\\"/[]?={}".contains(&b));
    if bad {
        Err(err(key, format!("`{name}` is not a valid cookie name")))
    } else {
        Ok(name)
    }
}

impl ConsentSettings {
    /// The DESIGN.md defaults.
    pub fn defaults() -> Self {
        let names = |pairs: &[(&str, Category)]| -> BTreeMap<String, String> {
            let table = Categories::default();
            pairs
                .iter()
                .map(|(k, c)| (k.to_string(), table.name(*c).to_string()))
                .collect()
        };
        let mut region = BTreeMap::new();
        region.insert("US".to_string(), vec!["*".to_string()]);
        for code in OPT_IN_REGIONS {
            region.insert(code.to_string(), Vec::new());
        }
        ConsentSettings {
            order: [
                "consentry",
                "onetrust",
                "cookiebot",
                "cc_cookie",
                "tcf",
                "klaro",
                "gpp",
            ]
            .map(String::from)
            .to_vec(),
            consentry_cookie: "consentry".to_string(),
            onetrust: OneTrustSettings {
                cookie: "OptanonConsent".to_string(),
                groups: names(&onetrust::DEFAULT_GROUPS),
            },
            cookiebot: CookiebotSettings {
                cookie: "CookieConsent".to_string(),
                fields: names(&cookiebot::DEFAULT_FIELDS),
            },
            cc_cookie: CcCookieSettings {
                cookie: "cc_cookie".to_string(),
                aliases: BTreeMap::new(),
            },
            klaro: KlaroSettings {
                cookie: "klaro".to_string(),
                services: BTreeMap::new(),
            },
            tcf: TcfSettings {
                cookie: "euconsent-v2".to_string(),
                purposes: [
                    ("preferences", vec![1]),
                    ("analytics", vec![1, 8, 9]),
                    ("marketing", vec![1, 2, 3, 4, 7]),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            },
            gpp: GppSettings {
                cookie: "__gpp".to_string(),
                us_opt_out_removes: vec!["marketing".to_string()],
            },
            gpc_removes: vec!["marketing".to_string()],
            region: RegionSettings {
                header: None,
                defaults: region,
            },
        }
    }

    /// Resolves names against `categories` and builds the policy.
    pub fn compile(&self, categories: &Categories) -> Result<ConsentPolicy, ConsentSettingsError> {
        let category = |key: String, name: &str| {
            categories
                .lookup(name.trim())
                .ok_or_else(|| err(key, format!("unknown category `{name}`")))
        };
        let pairs = |prefix: &str, m: &BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| Ok((k.clone(), category(format!("{prefix}.{k}"), v)?)))
                .collect::<Result<Vec<_>, ConsentSettingsError>>()
        };
        let set = |key: &str, names: &[String]| {
            names
                .iter()
                .enumerate()
                .try_fold(CategorySet::EMPTY, |s, (i, n)| {
                    if n.trim() == "*" {
                        Ok(s.union(categories.all()))
                    } else {
                        Ok(s.with(category(format!("{key}[{i}]"), n)?))
                    }
                })
        };
        let mut tcf_rules = Vec::new();
        for (name, purposes) in &self.tcf.purposes {
            let key = format!("tcf.purposes.{name}");
            let c = category(key.clone(), name)?;
            TcfMapping::new(&[(c, purposes.clone())]).map_err(|e| err(key, e))?;
            tcf_rules.push((c, purposes.clone()));
        }
        let tcf_mapping = TcfMapping::new(&tcf_rules).map_err(|e| err("tcf.purposes", e))?;

        let mut decoders: Vec<Box<dyn Decoder>> = Vec::new();
        for (i, name) in self.order.iter().enumerate() {
            let key = format!("order[{i}]");
            let source = Source::from_name(name.trim())
                .ok_or_else(|| err(&key, format!("unknown consent source `{name}`")))?;
            if decoders.iter().any(|d| d.source() == source) {
                return Err(err(key, format!("source `{name}` is listed twice")));
            }
            let decoder: Box<dyn Decoder> = match source {
                Source::Consentry => Box::new(ConsentryDecoder::new(
                    cookie("consentry.cookie", &self.consentry_cookie)?,
                    categories,
                )),
                Source::OneTrust => Box::new(OneTrustDecoder::new(
                    cookie("onetrust.cookie", &self.onetrust.cookie)?,
                    pairs("onetrust.groups", &self.onetrust.groups)?,
                )),
                Source::Cookiebot => Box::new(CookiebotDecoder::new(
                    cookie("cookiebot.cookie", &self.cookiebot.cookie)?,
                    pairs("cookiebot.fields", &self.cookiebot.fields)?,
                    categories,
                )),
                Source::CcCookie => Box::new(CcCookieDecoder::new(
                    cookie("cc_cookie.cookie", &self.cc_cookie.cookie)?,
                    pairs("cc_cookie.aliases", &self.cc_cookie.aliases)?,
                    categories,
                )),
                Source::Klaro => Box::new(KlaroDecoder::new(
                    cookie("klaro.cookie", &self.klaro.cookie)?,
                    pairs("klaro.services", &self.klaro.services)?,
                    categories,
                )),
                Source::Tcf => Box::new(TcfDecoder::new(
                    cookie("tcf.cookie", &self.tcf.cookie)?,
                    tcf_mapping.clone(),
                )),
                Source::Gpp => Box::new(GppDecoder::new(
                    cookie("gpp.cookie", &self.gpp.cookie)?,
                    tcf_mapping.clone(),
                    categories.all(),
                    set("gpp.us_opt_out_removes", &self.gpp.us_opt_out_removes)?,
                )),
                Source::Region | Source::Default => {
                    return Err(err(key, format!("`{name}` is not a cookie source")))
                }
            };
            decoders.push(decoder);
        }

        let gpc = GpcRule::new(set("gpc.removes", &self.gpc_removes)?);
        let header = match &self.region.header {
            Some(h) => {
                let h = h.trim();
                if h.is_empty()
                    || !h
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(err("region.header", format!("`{h}` is not a header name")));
                }
                Some(h.to_string())
            }
            None => None,
        };
        let mut entries = Vec::with_capacity(self.region.defaults.len());
        for (code, names) in &self.region.defaults {
            let key = format!("region.defaults.{code}");
            let c = code.trim();
            if c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(err(key, "region codes are letters, digits and `-`"));
            }
            entries.push((
                c.to_ascii_uppercase(),
                set(&key, names)?.with(Category::NECESSARY),
            ));
        }
        Ok(ConsentPolicy::new(decoders, gpc)
            .with_regions(RegionDefaults::new(header, entries))
            .with_granted_without_consent(categories.granted_without_consent()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_compile_in_design_order() {
        let p = ConsentSettings::defaults()
            .compile(&Categories::default())
            .unwrap();
        assert_eq!(
            p.order().collect::<Vec<_>>(),
            vec![
                Source::Consentry,
                Source::OneTrust,
                Source::Cookiebot,
                Source::CcCookie,
                Source::Tcf,
                Source::Klaro,
                Source::Gpp
            ]
        );
        assert_eq!(p.region_header(), None);
    }

    #[test]
    fn errors_name_the_key() {
        let cats = Categories::default();
        type Edit = fn(&mut ConsentSettings);
        let cases: &[(Edit, &str, &str)] = &[
            (
                |s| {
                    s.onetrust.groups.insert("C0009".into(), "social".into());
                },
                "onetrust.groups.C0009",
                "unknown category",
            ),
            (
                |s| s.order.push("bogus".into()),
                "order[7]",
                "unknown consent source",
            ),
            (|s| s.order.push("tcf".into()), "order[7]", "twice"),
            (|s| s.order.push("region".into()), "order[7]", "unknown"),
            (
                |s| {
                    s.tcf.purposes.insert("analytics".into(), vec![1, 25]);
                },
                "tcf.purposes.analytics",
                "1..=24",
            ),
            (
                |s| {
                    s.tcf.purposes.insert("social".into(), vec![1]);
                },
                "tcf.purposes.social",
                "unknown category",
            ),
            (
                |s| s.gpc_removes.push("nope".into()),
                "gpc.removes[1]",
                "unknown category",
            ),
            (
                |s| s.gpp.us_opt_out_removes = vec!["x".into()],
                "gpp.us_opt_out_removes[0]",
                "unknown",
            ),
            (
                |s| s.klaro.cookie = "a b".into(),
                "klaro.cookie",
                "cookie name",
            ),
            (
                |s| s.cookiebot.cookie = String::new(),
                "cookiebot.cookie",
                "cookie name",
            ),
            (
                |s| {
                    s.region.defaults.insert("U S".into(), vec![]);
                },
                "region.defaults.U S",
                "region codes",
            ),
            (
                |s| {
                    s.region.defaults.insert("CA".into(), vec!["bogus".into()]);
                },
                "region.defaults.CA[0]",
                "unknown category",
            ),
            (
                |s| s.region.header = Some("Bad Header".into()),
                "region.header",
                "header name",
            ),
        ];
        for (edit, key, reason) in cases {
            let mut s = ConsentSettings::defaults();
            edit(&mut s);
            let e = s.compile(&cats).expect_err("must fail");
            assert_eq!(e.key, *key, "{e}");
            assert!(e.reason.contains(reason), "{e}");
            assert!(e.to_string().starts_with(key));
        }
    }

    #[test]
    fn extra_categories_can_be_mapped() {
        let cats = Categories::with_extra(&["social"]).unwrap();
        let mut s = ConsentSettings::defaults();
        s.onetrust.groups.insert("C0005".into(), "social".into());
        s.order = vec!["onetrust".into()];
        let p = s.compile(&cats).unwrap();
        let cookies =
            crate::policy::request_cookies::RequestCookies::parse("OptanonConsent=groups=C0005:1");
        let c = p.decide(&super::super::RequestSignals {
            cookies: &cookies,
            gpc: None,
            region: None,
        });
        assert!(c.granted.contains(cats.lookup("social").unwrap()));
        assert!(!c.granted.contains(Category::MARKETING));
    }
}

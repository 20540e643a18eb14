//! Google Consent Mode v2: the `gtag('consent', 'default', …)` call that
//! tells Google tags what the visitor granted, for tags whose rule has the
//! action `gcm-basic` or `gcm-advanced`.
//!
//! | consent type | granted by |
//! |---|---|
//! | `ad_storage`, `ad_user_data`, `ad_personalization` | marketing |
//! | `analytics_storage` | analytics |
//! | `functionality_storage`, `personalization_storage` | preferences |
//! | `security_storage` | always (necessary) |

use super::category::{Category, CategorySet};

/// How a Google tag is handled under Consent Mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsentMode {
    /// Removed until its category is granted, as without Consent Mode; when
    /// kept, preceded by the consent defaults.
    Basic,
    /// Always kept, preceded by the consent defaults, so that before consent
    /// Google tags send cookieless pings (opt-in only).
    Advanced,
}

impl ConsentMode {
    /// The config name of the action.
    pub fn name(self) -> &'static str {
        match self {
            ConsentMode::Basic => "gcm-basic",
            ConsentMode::Advanced => "gcm-advanced",
        }
    }
}

/// The consent types and the category that grants each, in output order.
pub const CONSENT_TYPES: [(&str, Option<Category>); 7] = [
    ("ad_storage", Some(Category::MARKETING)),
    ("ad_user_data", Some(Category::MARKETING)),
    ("ad_personalization", Some(Category::MARKETING)),
    ("analytics_storage", Some(Category::ANALYTICS)),
    ("functionality_storage", Some(Category::PREFERENCES)),
    ("personalization_storage", Some(Category::PREFERENCES)),
    ("security_storage", None),
];

/// Whether the defaults would change anything for a visitor granted
/// `granted`: not when every mapped category is granted (Google tags
/// assume `granted` without a default, and a page with full consent stays
/// byte-identical).
pub fn needs_defaults(granted: CategorySet) -> bool {
    CONSENT_TYPES
        .iter()
        .filter_map(|(_, category)| *category)
        .any(|c| !granted.contains(c))
}

/// The JavaScript that sets the consent defaults for a visitor granted
/// `granted`; `None` when [`needs_defaults`] is false. It sets
/// `ads_data_redaction` while `ad_storage` is denied, and `url_passthrough`
/// off.
pub fn defaults_js(granted: CategorySet) -> Option<String> {
    if !needs_defaults(granted) {
        return None;
    }
    let mut out = String::with_capacity(480);
    out.push_str(
        "window.dataLayer=window.dataLayer||[];\
         function gtag(){dataLayer.push(arguments);}gtag('consent','default',{",
    );
    for (i, (name, category)) in CONSENT_TYPES.iter().enumerate() {
        let granted = category.is_none_or(|c| granted.contains(c));
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "'{name}':'{}'",
            if granted { "granted" } else { "denied" }
        ));
    }
    out.push_str("});");
    if !granted.contains(Category::MARKETING) {
        out.push_str("gtag('set','ads_data_redaction',true);");
    }
    out.push_str("gtag('set','url_passthrough',false);");
    Some(out)
}

/// [`defaults_js`] as an inline `<script>` element, with `nonce` (the
/// page's CSP nonce) when given.
pub fn defaults_script(granted: CategorySet, nonce: Option<&str>) -> Option<String> {
    let js = defaults_js(granted)?;
    let mut out = String::with_capacity(js.len() + 96);
    out.push_str("<script");
    if let Some(nonce) = nonce {
        out.push_str(" nonce=\"");
        for c in nonce.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push_str(" data-consentry-injected=\"consent-mode\">");
    out.push_str(&js);
    out.push_str("</script>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(script: &str, name: &str) -> &'static str {
        if script.contains(&format!("'{name}':'granted'")) {
            "granted"
        } else if script.contains(&format!("'{name}':'denied'")) {
            "denied"
        } else {
            panic!("{name} missing in {script}")
        }
    }

    #[test]
    fn every_combination_of_granted_categories() {
        let mapped = [
            Category::PREFERENCES,
            Category::ANALYTICS,
            Category::MARKETING,
        ];
        for bits in 0u8..8 {
            let granted = mapped
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .fold(CategorySet::NECESSARY_ONLY, |set, (_, c)| set.with(*c));
            let script = defaults_script(granted, None);
            if bits == 7 {
                assert_eq!(script, None, "full consent: nothing injected");
                continue;
            }
            let script = script.unwrap();
            let expect = |c: Category| {
                if granted.contains(c) {
                    "granted"
                } else {
                    "denied"
                }
            };
            for (name, category) in CONSENT_TYPES {
                let want = category.map_or("granted", expect);
                assert_eq!(state(&script, name), want, "{name} with {granted:?}");
            }
            assert_eq!(
                script.contains("gtag('set','ads_data_redaction',true);"),
                !granted.contains(Category::MARKETING),
                "{script}"
            );
            assert!(script.contains("gtag('set','url_passthrough',false);"));
            assert!(script.starts_with("<script data-consentry-injected=\"consent-mode\">"));
            assert!(script.ends_with("</script>"));
            // The call precedes the tags: it defines gtag() itself.
            let call = script.find("gtag('consent','default'").unwrap();
            assert!(
                script
                    .find("function gtag(){dataLayer.push(arguments);}")
                    .unwrap()
                    < call
            );
        }
    }

    #[test]
    fn exact_output_with_no_consent() {
        assert_eq!(
            defaults_script(CategorySet::NECESSARY_ONLY, Some("r4nd0m")).unwrap(),
            "<script nonce=\"r4nd0m\" data-consentry-injected=\"consent-mode\">\
             window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}\
             gtag('consent','default',{'ad_storage':'denied','ad_user_data':'denied',\
             'ad_personalization':'denied','analytics_storage':'denied',\
             'functionality_storage':'denied','personalization_storage':'denied',\
             'security_storage':'granted'});gtag('set','ads_data_redaction',true);\
             gtag('set','url_passthrough',false);</script>"
        );
    }

    #[test]
    fn the_nonce_is_carried_and_escaped() {
        let s = defaults_script(CategorySet::NECESSARY_ONLY, Some("a\"><b")).unwrap();
        assert!(s.starts_with("<script nonce=\"a&quot;&gt;&lt;b\" "), "{s}");
    }

    #[test]
    fn extra_categories_do_not_matter() {
        let all = CategorySet::NECESSARY_ONLY
            .with(Category::PREFERENCES)
            .with(Category::ANALYTICS)
            .with(Category::MARKETING);
        assert!(!needs_defaults(all));
        assert!(needs_defaults(all.without(Category::PREFERENCES)));
    }
}

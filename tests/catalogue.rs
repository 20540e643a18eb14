//! The built-in catalogues: every vendor we promise is covered, and the
//! resources sites cannot live without are never touched.

use consentry::config::Policy;
use consentry::policy::category::{Category, CategorySet};
use consentry::policy::request_cookies::RequestCookies;
use consentry::policy::tags::ElementKind;

/// The built-in policy, compiled once for all tests here.
fn builtin() -> &'static Policy {
    static POLICY: std::sync::OnceLock<std::sync::Arc<Policy>> = std::sync::OnceLock::new();
    POLICY.get_or_init(Policy::builtin)
}

fn category_of(url: &str, kind: ElementKind) -> Option<Category> {
    let policy = builtin();
    let rules = policy.rewriter.rules();
    rules
        .match_url(url, kind, Some("www.example.org"))
        .map(|id| rules.rule(id).category)
}

#[test]
fn promised_vendors_are_covered() {
    use ElementKind::*;
    let cases: &[(&str, ElementKind)] = &[
        ("https://www.google-analytics.com/analytics.js", Script),
        ("https://ssl.google-analytics.com/ga.js", Script),
        ("https://www.googletagmanager.com/gtag/js?id=G-X", Script),
        ("https://stats.g.doubleclick.net/dc.js", Script),
        ("https://www.googletagmanager.com/gtm.js?id=GTM-X", Script),
        ("https://www.googletagmanager.com/ns.html?id=GTM-X", Iframe),
        (
            "https://securepubads.g.doubleclick.net/tag/js/gpt.js",
            Script,
        ),
        (
            "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js",
            Script,
        ),
        (
            "https://www.googleadservices.com/pagead/conversion.js",
            Script,
        ),
        ("https://connect.facebook.net/en_US/fbevents.js", Script),
        ("https://connect.facebook.net/en_US/sdk.js", Script),
        ("https://www.facebook.com/tr?id=1&ev=PageView", Img),
        (
            "https://snap.licdn.com/li.lms-analytics/insight.min.js",
            Script,
        ),
        ("https://px.ads.linkedin.com/collect/?pid=1", Img),
        ("https://platform.twitter.com/widgets.js", Script),
        ("https://static.ads-twitter.com/uwt.js", Script),
        ("https://analytics.tiktok.com/i18n/pixel/events.js", Script),
        ("https://s.pinimg.com/ct/core.js", Script),
        ("https://sc-static.net/scevent.min.js", Script),
        ("https://www.redditstatic.com/ads/pixel.js", Script),
        ("https://bat.bing.com/bat.js", Script),
        ("https://www.clarity.ms/tag/abc", Script),
        ("https://static.hotjar.com/c/hotjar-1.js", Script),
        ("https://cdn.matomo.cloud/x.matomo.cloud/matomo.js", Script),
        ("https://js.hs-scripts.com/1.js", Script),
        (
            "https://cdn.segment.com/analytics.js/v1/x/analytics.min.js",
            Script,
        ),
        (
            "https://cdn.mxpnl.com/libs/mixpanel-2-latest.min.js",
            Script,
        ),
        (
            "https://cdn.amplitude.com/libs/amplitude-8.5.0-min.gz.js",
            Script,
        ),
        ("https://static.chartbeat.com/js/chartbeat.js", Script),
        ("https://sb.scorecardresearch.com/beacon.js", Script),
        ("https://secure.quantserve.com/quant.js", Script),
        ("https://mc.yandex.ru/metrika/tag.js", Script),
        ("https://static.criteo.net/js/ld/publishertag.js", Script),
        ("https://cdn.taboola.com/libtrc/x/loader.js", Script),
        ("https://widgets.outbrain.com/outbrain.js", Script),
        ("https://example.disqus.com/embed.js", Script),
        ("https://s7.addthis.com/js/300/addthis_widget.js", Script),
        ("https://platform-api.sharethis.com/js/sharethis.js", Script),
        ("https://www.youtube.com/embed/abc", Iframe),
        ("https://www.youtube-nocookie.com/embed/abc", Iframe),
        ("https://player.vimeo.com/video/1", Iframe),
        ("https://www.dailymotion.com/embed/video/x1", Iframe),
        ("https://cdn.krxd.net/controltag/x.js", Script),
        ("https://c.amazon-adsystem.com/aax2/apstag.js", Script),
        ("https://ib.adnxs.com/ttj?id=1", Script),
        (
            "https://fastlane.rubiconproject.com/a/api/fastlane.json",
            Script,
        ),
        ("https://z.moatads.com/x/moatad.js", Script),
        ("https://cdn.parsely.com/keys/x/p.js", Script),
    ];
    let missing: Vec<_> = cases
        .iter()
        .filter(|(url, kind)| category_of(url, *kind).is_none())
        .collect();
    assert!(missing.is_empty(), "not covered: {missing:?}");
}

#[test]
fn critical_first_party_resources_are_never_matched() {
    use ElementKind::*;
    let cases: &[(&str, ElementKind)] = &[
        ("https://fonts.googleapis.com/css?family=Roboto", Link),
        ("https://fonts.gstatic.com/s/roboto/v1.woff2", Link),
        (
            "https://ajax.googleapis.com/ajax/libs/jquery/3.6.0/jquery.min.js",
            Script,
        ),
        ("https://www.google.com/recaptcha/api.js", Script),
        (
            "https://www.gstatic.com/recaptcha/releases/x/recaptcha__en.js",
            Script,
        ),
        ("https://maps.googleapis.com/maps/api/js?key=x", Script),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.6.0/jquery.min.js",
            Script,
        ),
        (
            "https://cdn.jsdelivr.net/npm/bootstrap@5/dist/js/bootstrap.min.js",
            Script,
        ),
        (
            "https://unpkg.com/react@18/umd/react.production.min.js",
            Script,
        ),
        ("https://i.ytimg.com/vi/abc/hqdefault.jpg", Img),
        ("https://pbs.twimg.com/media/abc.jpg", Img),
        ("https://js.stripe.com/v3/", Script),
        ("https://www.paypal.com/sdk/js?client-id=x", Script),
        (
            "https://challenges.cloudflare.com/turnstile/v0/api.js",
            Script,
        ),
        (
            "https://cdn.cookielaw.org/scripttemplates/otSDKStub.js",
            Script,
        ),
        ("https://consent.cookiebot.com/uc.js", Script),
        ("https://secure.gravatar.com/avatar/x", Img),
        ("/js/app.js", Script),
        (
            "https://www.example.org/analytics/google-analytics.js",
            Script,
        ),
    ];
    let hit: Vec<_> = cases
        .iter()
        .filter(|(url, kind)| category_of(url, *kind).is_some())
        .collect();
    assert!(hit.is_empty(), "must never be touched: {hit:?}");
}

#[test]
fn inline_loaders_are_recognised() {
    let rules = builtin().rewriter.rules();
    let loaders = [
        "var _paq = window._paq = window._paq || []; _paq.push(['trackPageView']); (function() { var u='//matomo.example.org/'; })();",
        "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start': new Date().getTime(),event:'gtm.js'});})(window,document,'script','dataLayer','GTM-XXXX');",
        "!function(f,b,e,v,n,t,s){if(f.fbq)return;}(window, document,'script'); fbq('init', '123');",
        "(function(h,o,t,j,a,r){h.hj=h.hj||function(){};h._hjSettings={hjid:1,hjsv:6};})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');",
        "_linkedin_partner_id = \"123\"; window._linkedin_data_partner_ids = window._linkedin_data_partner_ids || [];",
        "var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-1-1']);",
    ];
    for loader in loaders {
        assert!(
            rules
                .match_inline(loader, CategorySet::NECESSARY_ONLY)
                .is_some(),
            "not recognised: {loader}"
        );
    }
    for benign in [
        "document.querySelector('nav').classList.add('ready');",
        "window.app = { analyticsEnabled: false };",
    ] {
        assert!(
            rules
                .match_inline(benign, CategorySet::NECESSARY_ONLY)
                .is_none(),
            "false positive: {benign}"
        );
    }
}

#[test]
fn common_cookies_are_classified() {
    let policy = builtin();
    let c = policy.cookies.classifier();
    let cases = [
        ("_ga", Category::ANALYTICS),
        ("_ga_ABC123", Category::ANALYTICS),
        ("_gid", Category::ANALYTICS),
        ("_gat_UA-1-1", Category::ANALYTICS),
        ("__utma", Category::ANALYTICS),
        ("_gcl_au", Category::MARKETING),
        ("_fbp", Category::MARKETING),
        ("_fbc", Category::MARKETING),
        ("_uetsid", Category::MARKETING),
        ("_clck", Category::ANALYTICS),
        ("_hjSessionUser_123", Category::ANALYTICS),
        ("_pk_id.1.abcd", Category::ANALYTICS),
        ("PHPSESSID", Category::NECESSARY),
        ("JSESSIONID", Category::NECESSARY),
        ("ASP.NET_SessionId", Category::NECESSARY),
        ("csrftoken", Category::NECESSARY),
        ("sessionid", Category::NECESSARY),
        ("XSRF-TOKEN", Category::NECESSARY),
        ("wordpress_logged_in_abc", Category::NECESSARY),
        ("consentry", Category::NECESSARY),
        ("OptanonConsent", Category::NECESSARY),
        ("CookieConsent", Category::NECESSARY),
        ("euconsent-v2", Category::NECESSARY),
    ];
    let wrong: Vec<_> = cases
        .iter()
        .filter(|(name, cat)| c.classify(name) != Some(*cat))
        .map(|(name, cat)| format!("{name}: {:?}, expected {cat:?}", c.classify(name)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Consent cookies always reach the upstream, whatever was granted.
    let cookies = RequestCookies::parse("consentry=; OptanonConsent=x; _ga=1");
    let d = policy.cookies.filter_request(
        &cookies,
        consentry::policy::category::CategorySet::NECESSARY_ONLY,
    );
    assert_eq!(d.forward.as_deref(), Some("consentry=; OptanonConsent=x"));
}

/// Loaders that build their URL at run time, from a host in one string
/// and a path in another, through `setAttribute('src', …)` or from
/// `location.protocol + '//host/…'`, in scripts large enough that only
/// loader signatures are searched (host names are not).
#[test]
fn run_time_url_builders_are_recognised() {
    let rules = builtin().rewriter.rules();
    let padding = format!("var siteConfig = {{pad: '{}'}};\n", "x".repeat(9000));
    let loaders = [
        ("chartbeat", "(function(){ var e = document.createElement('script'); e.setAttribute('language', 'javascript'); e.setAttribute('type', 'text/javascript'); e.setAttribute('src', (('https:' == document.location.protocol) ? 'https://a248.e.akamai.net/chartbeat.download.akamai.com/102508/' : 'http://static.chartbeat.com/') + 'js/chartbeat.js'); document.body.appendChild(e); })();"),
        ("google-tag-manager", "(function(w,d,s,l,i,h){var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;j.src='https://'+h+'/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-XXXX','load.sst.example.com');"),
        ("google-analytics", "var g = document.createElement('script'); g.src = location.protocol + '//' + tagHost + '/gtag/js?id=' + measurementId; document.head.appendChild(g);"),
        ("google-publisher-tag", "var gads = document.createElement('script'); var useSSL = 'https:' == document.location.protocol; gads.src = (useSSL ? 'https:' : 'http:') + '//' + gptHost + '/tag/js/gpt.js'; document.head.appendChild(gads);"),
    ];
    for (vendor, loader) in loaders {
        let script = format!("{padding}{loader}");
        let found = rules.match_inline(&script, CategorySet::NECESSARY_ONLY);
        assert_eq!(
            found.map(|id| rules.rule(id).id.as_str()),
            Some(vendor),
            "{loader}"
        );
    }
}

/// The vendors the seed policies name and the demo site uses, and their
/// cookies, carry what a cookie policy must say about them.
#[test]
fn policy_facts_cover_the_seed_and_demo_vendors() {
    let policy = builtin();
    let rules = policy.rewriter.rules();
    for id in [
        "google-analytics",
        "google-tag-manager",
        "google-optimize",
        "youtube",
        "meta-pixel",
        "facebook",
        "linkedin-widgets",
        "twitter-widgets",
        "pinterest-widgets",
        "addthis",
        "sharethis",
        "optimizely",
        "vwo",
        "ab-tasty",
        "owox-bi",
        "google-bigquery",
    ] {
        let (i, _) = rules
            .rules()
            .iter()
            .enumerate()
            .find(|(_, r)| r.id == id)
            .unwrap_or_else(|| panic!("no rule {id}"));
        let facts = &policy.facts.tags[i];
        assert!(
            facts
                .purpose
                .as_ref()
                .is_some_and(|p| p.get("en").len() > 10),
            "{id}"
        );
        assert!(
            facts
                .privacy_policy
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            "{id}"
        );
    }
    let classifier = policy.cookies.classifier();
    for name in [
        "_ga",
        "_gid",
        "_gat_UA-1",
        "_ga_ABC",
        "__utma",
        "__utmb",
        "__utmc",
        "__utmt",
        "__utmz",
        "__utmv",
        "_gaexp",
        "_fbp",
        "__atuvc",
        "__stid",
        "optimizelyEndUserId",
        "_vwo_uuid_v2",
        "_vis_opt_s",
        "ABTasty",
        "ABTastySession",
        "_pin_unauth",
        "personalization_id",
        "li_fat_id",
        "consentry",
        "sessionid",
    ] {
        let entry = classifier
            .entry(name)
            .unwrap_or_else(|| panic!("{name} unclassified"));
        let facts = &policy.facts.cookies[entry];
        assert!(facts.purpose.is_some(), "{name}: no purpose");
        assert!(facts.retention.is_some(), "{name}: no retention");
    }
}

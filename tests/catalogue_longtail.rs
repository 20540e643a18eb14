//! The long-tail tag catalogue (catalogue/trackers-longtail.toml): its
//! size, that it never overrides or duplicates the main catalogue, and that
//! it leaves infrastructure alone.

use std::collections::HashSet;

use consentry::config::{compile, DEFAULT_CONFIG, TAG_CATALOGUE, TAG_CATALOGUE_LONGTAIL};
use consentry::policy::tags::ElementKind;
use consentry::policy::third_party::INFRASTRUCTURE;

fn rules(text: &str) -> Vec<toml::Value> {
    let value: toml::Value = toml::from_str(text).unwrap();
    value["rule"].as_array().unwrap().clone()
}

fn hosts(rules: &[toml::Value]) -> Vec<String> {
    rules
        .iter()
        .flat_map(|r| {
            r.get("hosts")
                .and_then(|h| h.as_array())
                .cloned()
                .unwrap_or_default()
        })
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_catalogues_hold_at_least_1500_host_patterns() {
    let main = hosts(&rules(TAG_CATALOGUE));
    let longtail = hosts(&rules(TAG_CATALOGUE_LONGTAIL));
    let all: HashSet<&String> = main.iter().chain(&longtail).collect();
    assert!(all.len() >= 1500, "{} host patterns", all.len());
    let compiled = compile(DEFAULT_CONFIG, "default").unwrap();
    assert!(compiled.rewriter.rules().host_pattern_count() >= 1500);
}

#[test]
fn the_long_tail_adds_rules_without_overriding_or_repeating() {
    let main = rules(TAG_CATALOGUE);
    let longtail = rules(TAG_CATALOGUE_LONGTAIL);
    let main_ids: HashSet<&str> = main.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut seen = HashSet::new();
    for rule in &longtail {
        let id = rule["id"].as_str().unwrap();
        assert!(
            !main_ids.contains(id),
            "`{id}` would replace a main-catalogue rule"
        );
        assert!(seen.insert(id), "`{id}` twice");
    }
    let main_hosts: HashSet<String> = hosts(&main).into_iter().collect();
    for host in hosts(&longtail) {
        assert!(
            !main_hosts.contains(&host),
            "`{host}` is already in trackers.toml"
        );
    }
}

#[test]
fn infrastructure_is_never_matched() {
    let policy = compile(DEFAULT_CONFIG, "default").unwrap();
    let rules = policy.rewriter.rules();
    let page = Some("www.site.example");
    let mut hit = Vec::new();
    for (group, members) in INFRASTRUCTURE {
        for host in *members {
            for kind in [ElementKind::Script, ElementKind::Iframe, ElementKind::Link] {
                let url = format!("https://{host}/lib/v1/app.js");
                if let Some(id) = rules.match_url(&url, kind, page) {
                    hit.push(format!(
                        "{group}: {url} as {kind:?} by {}",
                        rules.rule(id).id
                    ));
                }
            }
        }
    }
    assert!(hit.is_empty(), "{hit:#?}");
}

/// A sample of the vendors added from Prebid.js's module source and from
/// vendors' browser SDKs and install snippets, by the URL their tags use.
#[test]
fn prebid_module_and_sdk_vendors_are_covered() {
    let policy = compile(DEFAULT_CONFIG, "default").unwrap();
    let rules = policy.rewriter.rules();
    let page = Some("www.site.example");
    let cases: &[(&str, ElementKind)] = &[
        // Prebid.js bidders' user syncs and endpoints
        ("https://tag.1rx.io/rmp/1/0/sync", ElementKind::Img),
        ("https://c.4dex.io/pba.js", ElementKind::Script),
        (
            "https://sync.kueezrtb.com/api/sync/iframe/?cid=1",
            ElementKind::Iframe,
        ),
        (
            "https://sync.bfmio.com/sync_iframe?ifg=1",
            ElementKind::Iframe,
        ),
        ("https://cs.iqzone.com/image?pbjs=1", ElementKind::Img),
        (
            "https://sync.twist.win/api/sync/iframe/",
            ElementKind::Iframe,
        ),
        (
            "https://hb.sweetgum.io/api/sync/iframe/",
            ElementKind::Iframe,
        ),
        (
            "https://usersync.mycodemedia.com/pbserver/usersync",
            ElementKind::Img,
        ),
        ("https://prebid.rtb.allegro.pl/v1/sync", ElementKind::Iframe),
        ("https://orbidder.otto.de/bid", ElementKind::Img),
        ("https://csr.onet.pl/_s/csr-006/csr.js", ElementKind::Script),
        ("https://ssp.wp.pl/bidder/", ElementKind::Script),
        // user-ID and real-time-data modules
        (
            "https://prod.euid.eu/v2/token/generate",
            ElementKind::Script,
        ),
        ("https://cdn.hadronid.net/hadron.js", ElementKind::Script),
        ("https://js.tncid.app/tnc.js", ElementKind::Script),
        // SDKs and snippets
        (
            "https://cdn.lr-in-prod.com/LogRocket.min.js",
            ElementKind::Script,
        ),
        (
            "https://cdn.onesignal.com/sdks/web/v16/OneSignalSDK.page.js",
            ElementKind::Script,
        ),
        (
            "https://static.zdassets.com/ekr/snippet.js?key=x",
            ElementKind::Script,
        ),
        ("https://code.jivosite.com/widget/abc", ElementKind::Script),
        (
            "https://www.smartsuppchat.com/loader.js",
            ElementKind::Script,
        ),
        (
            "https://analytics.ahrefs.com/analytics.js",
            ElementKind::Script,
        ),
        (
            "https://snippet.growsumo.com/growsumo.min.js",
            ElementKind::Script,
        ),
        ("https://swetrix.org/swetrix.js", ElementKind::Script),
        ("https://salesiq.zohopublic.com/widget", ElementKind::Script),
        // tags of archived pages
        (
            "https://wfpscripts.webspectator.com/bootstrap/ws-X.js",
            ElementKind::Script,
        ),
        (
            "https://o.aolcdn.com/ads/adsWrapper.min.js",
            ElementKind::Script,
        ),
        (
            "https://d1z2jf7jlzjs58.cloudfront.net/p.js",
            ElementKind::Script,
        ),
    ];
    let missing: Vec<_> = cases
        .iter()
        .filter(|(url, kind)| rules.match_url(url, *kind, page).is_none())
        .collect();
    assert!(missing.is_empty(), "not covered: {missing:#?}");
}

/// Sites whose ad or chat endpoints are listed by subdomain or path keep
/// their content: portals, shops, video platforms and help centres.
#[test]
fn content_next_to_listed_ad_and_chat_endpoints_is_left_alone() {
    let policy = compile(DEFAULT_CONFIG, "default").unwrap();
    let rules = policy.rewriter.rules();
    let page = Some("www.site.example");
    let cases: &[(&str, ElementKind)] = &[
        ("https://allegro.pl/oferta/x", ElementKind::Iframe),
        ("https://www.otto.de/p/x", ElementKind::Iframe),
        ("https://ocdn.eu/pulscms/x.jpg", ElementKind::Img),
        ("https://www.wp.pl/", ElementKind::Iframe),
        ("https://www.opera.com/download", ElementKind::Iframe),
        ("https://embed.gjirafa.com/video/x", ElementKind::Iframe),
        ("https://cdn.vuukle.com/platform.js", ElementKind::Script),
        (
            "https://static.zdassets.com/hc/assets/x.js",
            ElementKind::Script,
        ),
        ("https://www.zoho.com/forms/x", ElementKind::Iframe),
        ("https://s.yimg.com/cv/apiv2/x.jpg", ElementKind::Img),
        (
            "https://o.aolcdn.com/images/dims?quality=85&image_uri=x",
            ElementKind::Img,
        ),
        ("https://www.dailymotion.com/favicon.ico", ElementKind::Img),
        ("https://sp.rmbl.ws/s8/1/x.jpg", ElementKind::Img),
        (
            "https://embed.sendtonews.com/player4/embedcode.js",
            ElementKind::Script,
        ),
        ("https://www.mozilla.org/x.js", ElementKind::Script),
        ("https://github.com/prebid/Prebid.js", ElementKind::Iframe),
    ];
    let hit: Vec<_> = cases
        .iter()
        .filter_map(|(url, kind)| {
            rules
                .match_url(url, *kind, page)
                .map(|id| format!("{url} by {}", rules.rule(id).id))
        })
        .collect();
    assert!(hit.is_empty(), "must never be touched: {hit:#?}");
}

/// The vendors' official inline loaders name their hosts, so the hosts
/// added here recognise them without new loader signatures.
#[test]
fn new_vendors_inline_loaders_are_recognised_by_their_hosts() {
    use consentry::policy::category::CategorySet;
    let policy = compile(DEFAULT_CONFIG, "default").unwrap();
    let rules = policy.rewriter.rules();
    let loaders = [
        "var _smartsupp = _smartsupp || {}; _smartsupp.key = 'abc'; window.smartsupp||(function(d) { var s,c,o=smartsupp=function(){ o._.push(arguments)};o._=[]; s=d.getElementsByTagName('script')[0];c=d.createElement('script'); c.type='text/javascript';c.charset='utf-8';c.async=true; c.src='https://www.smartsuppchat.com/loader.js?';s.parentNode.insertBefore(c,s); })(document);",
        "(function(d, w, c) { w.ChatraID = 'abc'; var s = d.createElement('script'); w[c] = w[c] || function() { (w[c].q = w[c].q || []).push(arguments); }; s.async = true; s.src = 'https://call.chatra.io/chatra.js'; if (d.head) d.head.appendChild(s); })(document, window, 'Chatra');",
        "var $zoho=$zoho || {};$zoho.salesiq = $zoho.salesiq || {widgetcode:\"abc\", values:{},ready:function(){}};var d=document;s=d.createElement(\"script\");s.type=\"text/javascript\";s.id=\"zsiqscript\";s.defer=true;s.src=\"https://salesiq.zoho.com/widget\";t=d.getElementsByTagName(\"script\")[0];t.parentNode.insertBefore(s,t);",
        "(function() {var gs = document.createElement('script');gs.src = 'https://snippet.growsumo.com/growsumo.min.js';gs.type = 'text/javascript';gs.async = 'true';gs.onload = gs.onreadystatechange = function() {var rs = this.readyState;if (rs && rs != 'complete' && rs != 'loaded') return;try {growsumo._initialize('pk_abc');} catch (e) {}};var s = document.getElementsByTagName('script')[0];s.parentNode.insertBefore(gs, s);})();",
        "function loadScript(a){var b=document.getElementsByTagName(\"head\")[0],c=document.createElement(\"script\");c.type=\"text/javascript\",c.src=\"https://tracker.metricool.com/resources/be.js\",c.onreadystatechange=a,c.onload=a,b.appendChild(c)}loadScript(function(){beTracker.t({hash:\"abc\"})});",
        "(function(d, t) { var g = d.createElement(t), s = d.getElementsByTagName(t)[0]; g.src = \"https://cdn.pushalert.co/integrate_abc.js\"; s.parentNode.insertBefore(g, s); }(document, \"script\"));",
    ];
    for loader in loaders {
        assert!(
            rules
                .match_inline(loader, CategorySet::NECESSARY_ONLY)
                .is_some(),
            "not recognised: {loader}"
        );
    }
}

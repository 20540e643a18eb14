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

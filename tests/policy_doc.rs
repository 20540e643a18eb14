//! The generated cookie policy: both seed policies, written as configs in
//! `tests/data/seeds/`, come back out of `consentry policy` with their
//! categories, cookies and third parties, in every format, in English and
//! German; and the proxy serves it at `{prefix}/policy`.

#[allow(dead_code)]
mod common;

use std::process::{Command, Output};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_consentry");
const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/seeds");

fn policy(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("policy")
        .args(args)
        .env_remove("CONSENTRY_CONFIG")
        .output()
        .unwrap()
}

fn policy_text(args: &[&str]) -> String {
    let out = policy(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What a seed promises: category titles per language, cookies (name and a
/// word of the purpose), third parties (vendor and a word of the purpose),
/// and text that must appear (site, contact, revisions).
struct Seed {
    config: &'static str,
    categories: &'static [(&'static str, &'static str)],
    cookies: &'static [(&'static str, &'static str)],
    services: &'static [(&'static str, &'static str)],
    texts: &'static [&'static str],
    /// The site's own purposes, per language.
    translated: &'static [(&'static str, &'static str)],
    absent: &'static [&'static str],
}

const SEED_POLICIES: [Seed; 2] = [
    Seed {
        config: "onesmartech.toml",
        categories: &[
            ("Email newsletters", "E-Mail-Newsletter"),
            ("Forms", "Formulare"),
            ("Site preferences", "Website-Einstellungen"),
            ("Testing new features", "Tests neuer Funktionen"),
            ("Social media buttons", "Social-Media-Buttons"),
        ],
        cookies: &[
            ("ost_newsletter", ""),
            ("ost_form_details", ""),
            ("ost_prefs", ""),
            ("optimizelyEndUserId", "experiment"),
            ("__atuvc", "share"),
            ("__atuvs", "share"),
            ("consentry", ""),
        ],
        services: &[
            ("Optimizely", "A/B tests"),
            ("AddThis", "share"),
            ("Facebook", "like"),
            ("X (Twitter)", "share"),
            ("LinkedIn", "share"),
            ("Pinterest", "save"),
        ],
        texts: &[
            "One Smart Technology",
            "https://www.onesmartech.com/",
            "support@onesmartech.com",
            "+64 (9) 2803716",
            "2019-07-21",
        ],
        translated: &[
            (
                "Remembers that you subscribed to the newsletter.",
                "Merkt sich, dass Sie den Newsletter abonniert haben.",
            ),
            (
                "Remembers your site settings.",
                "Merkt sich Ihre Website-Einstellungen.",
            ),
        ],
        absent: &["_fbp", "Google Analytics", "Meta Pixel"],
    },
    Seed {
        config: "smarttel.toml",
        categories: &[
            ("Authentication", "Anmeldung"),
            (
                "Preferences, features and services",
                "Einstellungen, Funktionen und Dienste",
            ),
            (
                "Performance, analytics and research",
                "Leistung, Analyse und Forschung",
            ),
        ],
        cookies: &[
            ("__utma", "visitors"),
            ("__utmb", "sessions"),
            ("__utmc", "sessions"),
            ("__utmz", "campaign"),
            ("smarttel_auth", ""),
            ("smarttel_lang", ""),
        ],
        services: &[
            ("Google Analytics", "visits"),
            ("OWOX BI", "BigQuery"),
            ("Google BigQuery", "data warehouse"),
        ],
        texts: &[
            "Smarttel OU (Dzinga and Apifonica)",
            "Initial version",
            "2018-04-29",
            "Use of OWOX BI and Google BigQuery added",
            "2018-08-01",
            "https://policies.google.com/privacy",
            "https://tools.google.com/dlpage/gaoptout",
        ],
        translated: &[
            ("Keeps you signed in.", "H\u{e4}lt Sie angemeldet."),
            (
                "Remembers the language you chose.",
                "Merkt sich die gew\u{e4}hlte Sprache.",
            ),
        ],
        absent: &["_gid", "_fbp", "AddThis", "YouTube"],
    },
];

/// `text` as the HTML renderer writes it (non-ASCII as references, `&` escaped).
fn in_html(text: &str) -> String {
    consentry::rewrite::placeholder::escape_config_text(text)
}

#[test]
fn seeds_come_back_in_every_format_and_language() {
    for seed in &SEED_POLICIES {
        let config = format!("{SEEDS}/{}", seed.config);
        for (lang, column) in [("en", 0), ("de", 1)] {
            for format in ["markdown", "html"] {
                let text = policy_text(&["--config", &config, "--lang", lang, "--format", format]);
                let has = |s: &str| {
                    if format == "html" {
                        text.contains(&in_html(s))
                    } else {
                        text.contains(s)
                    }
                };
                let what = format!("{} {lang} {format}", seed.config);
                for titles in seed.categories {
                    let title = if column == 0 { titles.0 } else { titles.1 };
                    assert!(has(title), "{what}: category {title}");
                }
                for (name, purpose) in seed.cookies {
                    assert!(has(name), "{what}: cookie {name}");
                    assert!(has(purpose), "{what}: purpose of {name}");
                }
                for (vendor, purpose) in seed.services {
                    assert!(has(vendor), "{what}: service {vendor}");
                    assert!(has(purpose), "{what}: purpose of {vendor}");
                }
                for t in seed.texts {
                    assert!(has(t), "{what}: {t}");
                }
                for (en, de) in seed.translated {
                    assert!(
                        has(if column == 0 { en } else { de }),
                        "{what}: {en} / {de}"
                    );
                }
                for t in seed.absent {
                    assert!(!has(t), "{what}: lists {t}, which the site does not use");
                }
            }
            let json: serde_json::Value = serde_json::from_str(&policy_text(&[
                "--config", &config, "--lang", lang, "--format", "json",
            ]))
            .unwrap();
            let categories = json["categories"].as_array().unwrap();
            for titles in seed.categories {
                let title = if column == 0 { titles.0 } else { titles.1 };
                assert!(
                    categories.iter().any(|c| c["title"] == title),
                    "{} {lang} json: category {title}",
                    seed.config
                );
            }
            let cookies: Vec<&serde_json::Value> = categories
                .iter()
                .flat_map(|c| c["cookies"].as_array().unwrap())
                .collect();
            for (name, purpose) in seed.cookies {
                let cookie = cookies
                    .iter()
                    .find(|c| c["name"] == *name)
                    .unwrap_or_else(|| panic!("{} json: cookie {name}", seed.config));
                assert!(cookie["purpose"].as_str().unwrap().contains(purpose));
                assert!(cookie["retention"].is_string(), "{name}: retention");
            }
            let services: Vec<&serde_json::Value> = categories
                .iter()
                .flat_map(|c| c["services"].as_array().unwrap())
                .collect();
            for (vendor, purpose) in seed.services {
                let service = services
                    .iter()
                    .find(|s| s["vendor"] == *vendor)
                    .unwrap_or_else(|| panic!("{} json: service {vendor}", seed.config));
                assert!(service["purpose"].as_str().unwrap().contains(purpose));
                assert!(service["privacy_policy"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://"));
            }
            assert_eq!(json["language"], lang);
        }
    }
}

#[test]
fn consent_free_categories_say_so_and_others_need_consent() {
    let config = format!("{SEEDS}/smarttel.toml");
    let json: serde_json::Value =
        serde_json::from_str(&policy_text(&["--config", &config, "--format", "json"])).unwrap();
    let category = |name: &str| {
        json["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(category("authentication")["needs_consent"], false);
    assert_eq!(category("analytics")["needs_consent"], true);
    assert_eq!(category("necessary")["cookies"][0]["name"], "consentry");
    let text = policy_text(&["--config", &config, "--format", "markdown"]);
    assert!(
        text.contains("HttpOnly"),
        "the policy says enforcement is server-side"
    );
    assert!(text.contains("/_consentry/preferences"));
}

#[test]
fn html_is_a_page_or_a_fragment() {
    let config = format!("{SEEDS}/onesmartech.toml");
    let page = policy_text(&["--config", &config]);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains("<h1>Cookie policy</h1>"));
    assert!(page.contains("<th scope=\"col\">Cookie</th>"));
    assert!(page.contains("<caption>"));
    assert!(page.is_ascii());
    let fragment = policy_text(&["--config", &config, "--fragment", "--lang", "de"]);
    assert!(fragment.starts_with("<section class=\"cnsy-policy\" lang=\"de\">"));
    assert!(!fragment.contains("<html") && !fragment.contains("<h1"));
    assert!(fragment.contains("<h2>Cookie-Richtlinie</h2>"));
}

#[test]
fn observed_items_are_listed_and_bad_input_fails() {
    let dir = std::env::temp_dir().join(format!("consentry-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let observed = dir.join("observed.json");
    std::fs::write(
        &observed,
        r#"{"version": 1, "sites": {"shop.test": {
            "cookies": [{"name": "_fbp", "category": "marketing"}, {"name": "mystery", "category": null}],
            "hosts": [{"host": "www.youtube.com", "elements": ["iframe"], "rule": "youtube", "category": "marketing"},
                      {"host": "cdn.unknown.test", "elements": ["script"], "rule": null, "category": null}]}}}"#,
    )
    .unwrap();
    let config = format!("{SEEDS}/smarttel.toml");
    let out = policy(&[
        "--config",
        &config,
        "--observed",
        observed.to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("`_fbp` | Meta |"), "{text}");
    assert!(text.contains("| YouTube |"), "{text}");
    assert!(!text.contains("mystery") && !text.contains("cdn.unknown.test"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 cookies and 1 hosts"), "{stderr}");

    let json = policy_text(&[
        "--config",
        &config,
        "--observed",
        observed.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["unclassified"]["cookies"][0], "mystery");
    assert_eq!(json["unclassified"]["hosts"][0], "cdn.unknown.test");

    let text = std::fs::read_to_string(&observed).unwrap();
    for (bad, says) in [
        (&text[..text.len() / 2], "truncated"),
        ("<html>not json</html>", "not valid JSON"),
    ] {
        std::fs::write(&observed, bad).unwrap();
        let out = policy(&[
            "--config",
            &config,
            "--observed",
            observed.to_str().unwrap(),
        ]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(observed.to_str().unwrap()) && stderr.contains(says),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = policy(&["--lang", "pt"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("available: en, de"));
}

#[tokio::test]
async fn the_proxy_serves_the_policy_page() {
    let config_text = std::fs::read_to_string(format!("{SEEDS}/onesmartech.toml")).unwrap();
    let (up, _) = upstream(|_| async { html("<p>hi</p>", &[]) }).await;
    let addr = proxy(&config(up, &config_text)).await;
    let en = get(addr, "/_consentry/policy", &[]).await;
    assert_eq!(en.parts.status, 200);
    assert!(en.text().contains("<h1>Cookie policy</h1>"));
    assert!(en.text().contains("Social media buttons"));
    let csp = en.all("content-security-policy");
    assert!(csp[0].contains("default-src 'none'"), "{csp:?}");
    let de = get(
        addr,
        "/_consentry/policy",
        &[("accept-language", "de-DE,de;q=0.9")],
    )
    .await;
    assert!(de.text().contains("<h1>Cookie-Richtlinie</h1>"));
    let asked = get(addr, "/_consentry/policy?lang=de", &[]).await;
    assert!(asked.text().contains("lang=\"de\""));
    let stylesheet = en
        .text()
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(get(addr, &stylesheet, &[]).await.parts.status, 200);
    // The banner links to it.
    let page = get(addr, "/", &[]).await;
    assert!(page.text().contains("href=\"/_consentry/policy\""));
    let post = request(&client(), "POST", addr, "/_consentry/policy", &[]).await;
    assert_eq!(post.parts.status, 405);
    // Without a usable Accept-Language: the consent UI's default language.
    let german = format!("[consent_ui]\ndefault_language = \"de\"\n{config_text}");
    let addr = proxy(&config(up, &german)).await;
    let page = get(addr, "/_consentry/policy", &[("accept-language", "ja")]).await;
    assert!(page.text().contains("<h1>Cookie-Richtlinie</h1>"));
}

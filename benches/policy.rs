//! Policy-core costs per request: consent decoding, cookie decisions, the
//! inline-script signature scan and URL matching (catalogue, filter lists,
//! unclassified policy).

mod common;

use std::hint::black_box;

use consentry::config::Policy;
use consentry::policy::category::CategorySet;
use consentry::policy::literal_set::LiteralSet;
use consentry::policy::request_cookies::RequestCookies;
use consentry::policy::tags::ElementKind;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/consent/consent-examples.json"
);

/// One real Cookie header per consent format, values from the corpus's
/// consent-examples.json (Klaro has no citable real value there: its
/// documented format is used; GPP wraps the corpus's first TCF string in
/// the GPP header for section 2, EU TCF).
fn headers() -> Vec<(&'static str, String)> {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(EXAMPLES).expect("the corpus sits beside the repo"),
    )
    .expect("valid JSON");
    let first = |key: &str, field: &str| {
        json[key][0][field]
            .as_str()
            .unwrap_or_else(|| panic!("{key}[0].{field}"))
            .to_string()
    };
    let tcf = first("tcf", "tc_string");
    let tail = "; _ga=GA1.2.1234567890.1700000000; sessionid=abc123; _fbp=fb.1.1700000000.123";
    vec![
        ("none", tail.trim_start_matches("; ").to_string()),
        (
            "consentry",
            format!("consentry=analytics%2Cpreferences{tail}"),
        ),
        (
            "onetrust",
            format!(
                "OptanonConsent={}{tail}",
                first("onetrust_optanonconsent", "value")
            ),
        ),
        (
            "cookiebot",
            format!(
                "CookieConsent={}{tail}",
                first("cookiebot_cookieconsent", "value")
            ),
        ),
        (
            "cc_cookie",
            format!(
                "cc_cookie={}{tail}",
                first("orestbida_cookieconsent", "value")
            ),
        ),
        (
            "klaro",
            format!("klaro=%7B%22googleAnalytics%22%3Atrue%2C%22facebook%22%3Afalse%7D{tail}"),
        ),
        ("tcf", format!("euconsent-v2={tcf}{tail}")),
        ("gpp", format!("__gpp=DBABMA~{tcf}{tail}")),
    ]
}

fn consent(c: &mut Criterion) {
    let policy = Policy::builtin();
    let mut group = c.benchmark_group("consent_decode");
    for (name, header) in headers() {
        // Every real value must be readable (only `none` falls back to the default).
        let decided = policy.decide(&RequestCookies::parse(&header), |_| None);
        if name != "none" {
            assert_ne!(decided.source.name(), "default", "{name}: {header}");
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                let cookies = RequestCookies::parse(black_box(&header));
                black_box(policy.decide(&cookies, |_| None))
            })
        });
    }
    group.finish();
}

fn cookies(c: &mut Criterion) {
    let policy = Policy::builtin();
    let granted = consentry::policy::category::CategorySet::NECESSARY_ONLY;
    let set_cookies: &[&[u8]] = &[
        b"_ga=GA1.2.1234567890.1700000000; Path=/; Domain=.example.com; Max-Age=63072000; SameSite=Lax",
        b"_fbp=fb.1.1700000000.123; Path=/; Max-Age=7776000",
        b"sessionid=abc123; Path=/; HttpOnly; Secure; SameSite=Lax",
        b"_hjSessionUser_123=eyJpZCI6IjEyMyJ9; Path=/; Max-Age=31536000",
        b"unknown_cookie=1; Path=/",
    ];
    c.bench_function("set_cookie_decide/5_headers", |b| {
        b.iter(|| {
            for value in set_cookies {
                black_box(policy.cookies.decide_set_cookie(black_box(value), granted));
            }
        })
    });
    let header = &headers()[0].1;
    c.bench_function("request_cookies_filter", |b| {
        b.iter(|| {
            let cookies = RequestCookies::parse(black_box(header));
            black_box(policy.cookies.filter_request(&cookies, granted))
        })
    });
}

/// The text of every inline `<script>` (no `src`) on the corpus pages.
fn inline_scripts() -> Vec<String> {
    let script = regex::Regex::new(r"(?is)<script\b([^>]*)>(.*?)</script>").unwrap();
    let mut scripts = Vec::new();
    for (_, page) in common::pages() {
        let html = String::from_utf8_lossy(&page);
        for m in script.captures_iter(&html) {
            if !m[1].to_ascii_lowercase().contains("src=") && !m[2].trim().is_empty() {
                scripts.push(m[2].to_string());
            }
        }
    }
    scripts
}

fn inline(c: &mut Criterion) {
    let policy = Policy::builtin();
    let rules = policy.rewriter.rules();
    let scripts = inline_scripts();
    let bytes: usize = scripts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("match_inline");
    group.throughput(Throughput::Bytes(bytes as u64));
    let find = || {
        scripts
            .iter()
            .filter(|s| rules.match_inline(s, CategorySet::NECESSARY_ONLY).is_some())
            .count()
    };
    // Every script seen for the first time (verdicts forgotten first).
    group.bench_function("corpus_scripts", |b| {
        b.iter_batched(
            || rules.forget_inline_verdicts(),
            |()| find(),
            BatchSize::PerIteration,
        )
    });
    // The same scripts again: verdicts remembered, as for a site's pages.
    group.bench_function("corpus_scripts_seen_before", |b| b.iter(find));
    // With what to remove: every loader found, statements split.
    group.bench_function("decide_corpus_scripts", |b| {
        b.iter_batched(
            || rules.forget_inline_verdicts(),
            |()| {
                scripts
                    .iter()
                    .filter(|s| {
                        rules
                            .decide_inline(s, CategorySet::NECESSARY_ONLY)
                            .is_some()
                    })
                    .count()
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// The literal search alone, ours against aho-corasick's DFA (its packed
/// Teddy searcher takes at most 128 literals; the catalogue has over 1,000).
fn literal_search(c: &mut Criterion) {
    let catalogue: toml::Value =
        toml::from_str(include_str!("../catalogue/trackers.toml")).unwrap();
    let mut literals = Vec::new();
    for rule in catalogue["rule"].as_array().unwrap() {
        let list = |key| {
            rule.get(key)
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
        };
        let hosts = list("hosts")
            .filter_map(|h| h.as_str())
            .filter(|h| !h.contains('/'));
        literals.extend(hosts.map(String::from));
        literals.extend(list("inline").filter_map(|s| s.as_str()).map(String::from));
    }
    let scripts = inline_scripts();
    let bytes: usize = scripts.iter().map(String::len).sum();
    let dfa = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&literals)
        .unwrap();
    let ours = LiteralSet::new(&literals).unwrap();
    let mut group = c.benchmark_group("literal_search");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("aho_corasick_dfa", |b| {
        b.iter(|| {
            let count = |s: &String| dfa.find_overlapping_iter(s.as_str()).count();
            scripts.iter().map(count).sum::<usize>()
        })
    });
    group.bench_function("literal_set", |b| {
        b.iter(|| scripts.iter().map(|s| ours.hits(s).len()).sum::<usize>())
    });
    group.finish();
}

/// Every element URL on the corpus pages, with its element kind.
fn element_urls() -> Vec<(String, ElementKind)> {
    let tag = regex::Regex::new(
        r#"(?is)<(script|iframe|img|link|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']"#,
    )
    .unwrap();
    let mut urls = Vec::new();
    for (_, page) in common::pages() {
        let html = String::from_utf8_lossy(&page);
        for m in tag.captures_iter(&html) {
            let kind = ElementKind::from_name(&m[1].to_ascii_lowercase()).unwrap();
            urls.push((m[2].to_string(), kind));
        }
    }
    urls
}

/// A list the size of EasyPrivacy (about 20,000 network filters), written
/// here: domain anchors, `$third-party`/`$script` options and path rules.
fn synthetic_list() -> String {
    let mut list = String::from("! Title: benchmark list\n");
    for i in 0..10_000 {
        list.push_str(&format!("||t{i}.example-list.net^\n"));
    }
    for i in 0..5_000 {
        list.push_str(&format!("||a{i}.example-ads.com^$script,third-party\n"));
    }
    for i in 0..5_000 {
        list.push_str(&format!("/trk{i}/px.gif\n"));
    }
    list
}

/// `match_url` on every element URL of the corpus: the catalogue alone,
/// with a 20,000-filter list, and with `unclassified = "remove"`.
fn urls(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("consentry-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("list.txt"), synthetic_list()).unwrap();
    let label = dir.join("consentry.toml").display().to_string();
    let configs = [
        ("catalogue", ""),
        (
            "catalogue+20k_filter_list",
            "[[tags.filter_list]]\npath = \"list.txt\"\ncategory = \"analytics\"\n",
        ),
        (
            "catalogue+unclassified_remove",
            "[tags]\nunclassified = \"remove\"\n",
        ),
    ];
    let urls = element_urls();
    let mut group = c.benchmark_group("match_url");
    group.throughput(Throughput::Elements(urls.len() as u64));
    for (name, config) in configs {
        let policy = consentry::config::compile(config, &label).unwrap();
        let rules = policy.rewriter.rules();
        group.bench_function(format!("corpus_urls/{name}"), |b| {
            b.iter(|| {
                urls.iter()
                    .filter(|(url, kind)| {
                        rules
                            .match_url(black_box(url), *kind, Some("www.site.example"))
                            .is_some()
                    })
                    .count()
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, consent, cookies, inline, literal_search, urls);
criterion_main!(benches);

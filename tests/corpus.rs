//! The rewriter on every real page of `../shared/corpus/pages/`, re-split at
//! random chunk sizes (seeded; set CONSENTRY_TEST_SEED to replay a failure).
//!
//! The DuckDuckGo tracker list in `../shared/corpus/trackers/` is used here
//! only, as an independent oracle for recall; it is non-commercial and is
//! never shipped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use consentry::config::{compile, Policy, DEFAULT_CONFIG};
use consentry::policy::category::CategorySet;
use consentry::rewrite::{is_executable_script_type, FilterOptions};
use lol_html::html_content::{Element, TextType};
use lol_html::{doc_text, element, text, HtmlRewriter, Settings};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

fn policy() -> Arc<Policy> {
    Arc::new(compile(DEFAULT_CONFIG, "default").unwrap())
}

struct Page {
    file: String,
    html: Vec<u8>,
    /// The page's own host, from the manifest's original URL.
    host: Option<String>,
}

fn pages() -> Vec<Page> {
    let manifest = std::fs::read_to_string(format!("{CORPUS}/pages/MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file_col, url_col) = (col("filename"), col("original_url"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let file = fields[file_col].to_string();
            let host = fields[url_col]
                .parse::<http::Uri>()
                .ok()
                .and_then(|u| u.host().map(str::to_ascii_lowercase));
            let html = std::fs::read(format!("{CORPUS}/pages/{file}")).unwrap();
            Page { file, html, host }
        })
        .collect()
}

/// The seeded RNG; the seed is printed so a failure can be replayed.
fn rng() -> (StdRng, u64) {
    let seed = std::env::var("CONSENTRY_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("corpus test seed: {seed} (replay with CONSENTRY_TEST_SEED={seed})");
    (StdRng::seed_from_u64(seed), seed)
}

/// Random chunk boundaries: mostly network-sized pieces, sometimes tiny ones.
fn splits(rng: &mut StdRng, len: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut at = 0;
    loop {
        at += if rng.random_bool(0.3) {
            rng.random_range(1..16)
        } else {
            rng.random_range(16..8192)
        };
        if at >= len {
            return cuts;
        }
        cuts.push(at);
    }
}

fn rewrite(policy: &Policy, granted: CategorySet, page: &Page, cuts: &[usize]) -> Vec<u8> {
    let options = FilterOptions {
        first_party: page.host.clone(),
        charset: None,
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    let mut filter = policy.rewriter.filter(granted, &options).unwrap();
    let mut out = Vec::with_capacity(page.html.len());
    let mut start = 0;
    // Chunks alternate between the copying and the sharing entry points
    // (the proxy's), so every re-split run compares both with the whole.
    for (i, &end) in cuts
        .iter()
        .chain(std::iter::once(&page.html.len()))
        .enumerate()
    {
        let chunk = &page.html[start..end];
        let written = if i % 2 == 0 {
            filter.write(chunk)
        } else {
            filter
                .write_shared(Bytes::copy_from_slice(chunk))
                .map(|o| o.to_vec())
        };
        out.extend(written.unwrap_or_else(|e| panic!("{}: {e}", page.file)));
        start = end;
    }
    out.extend(filter.end().unwrap().0);
    out
}

#[test]
fn full_consent_is_byte_identical_at_any_chunking() {
    let policy = policy();
    let all = policy.categories.all();
    assert!(
        !policy.rewriter.needs_rewrite(all),
        "with everything granted the rewriter is skipped"
    );
    let (mut rng, seed) = rng();
    for page in pages() {
        // Run the filter anyway: even when it runs, granted tags are untouched.
        let cuts = splits(&mut rng, page.html.len());
        let out = rewrite(&policy, all, &page, &cuts);
        assert!(
            out == page.html,
            "{} changed with full consent (seed {seed})",
            page.file
        );
    }
}

#[test]
fn output_does_not_depend_on_chunking() {
    let policy = policy();
    let (mut rng, seed) = rng();
    for page in pages() {
        let whole = rewrite(&policy, CategorySet::NECESSARY_ONLY, &page, &[]);
        for _ in 0..3 {
            let cuts = splits(&mut rng, page.html.len());
            let out = rewrite(&policy, CategorySet::NECESSARY_ONLY, &page, &cuts);
            assert!(
                out == whole,
                "{}: chunking changed the output (seed {seed}, cuts {cuts:?})",
                page.file
            );
        }
    }
}

/// One active (loading or executing) element of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Active {
    element: &'static str,
    /// The URL it loads, if any.
    url: Option<String>,
    /// Inline script text.
    text: Option<String>,
}

/// Every active element, `<noscript>` content included, plus the visible
/// text (our own injected notices left out).
fn inventory(html: &[u8]) -> (Vec<Active>, String) {
    let notice =
        regex::bytes::Regex::new(r#"(?s)<consentry-placeholder data-consentry-injected="placeholder".*?</consentry-placeholder>"#)
            .unwrap();
    let html = &*notice.replace_all(html, &b""[..]);
    let found = Rc::new(RefCell::new(Vec::new()));
    let visible = Rc::new(RefCell::new(String::new()));
    let script_text: Rc<RefCell<Option<String>>> = Rc::default();
    let noscript_text = Rc::new(RefCell::new(String::new()));
    let url_of = |el: &Element, attrs: &[&str]| {
        attrs
            .iter()
            .find_map(|a| el.get_attribute(a).filter(|v| !v.trim().is_empty()))
    };
    {
        let f = found.clone();
        let (st, st2, st3) = (script_text.clone(), script_text.clone(), found.clone());
        let (ns, ns2, f2) = (noscript_text.clone(), noscript_text.clone(), found.clone());
        let (vis, f3) = (visible.clone(), found.clone());
        let mut rewriter = HtmlRewriter::new(
            Settings::new()
                .append_element_content_handler(element!("script", move |el| {
                    let executable = is_executable_script_type(el.get_attribute("type").as_deref());
                    *st.borrow_mut() = None;
                    if !executable {
                        return Ok(());
                    }
                    match el.get_attribute("src") {
                        Some(src) => f.borrow_mut().push(Active {
                            element: "script",
                            url: Some(src),
                            text: None,
                        }),
                        None => *st.borrow_mut() = Some(String::new()),
                    }
                    Ok(())
                }))
                .append_element_content_handler(text!("script", move |t| {
                    let mut current = st2.borrow_mut();
                    if let Some(buf) = current.as_mut() {
                        buf.push_str(t.as_str());
                        if t.last_in_text_node() {
                            let text = current.take();
                            st3.borrow_mut().push(Active {
                                element: "script",
                                url: None,
                                text,
                            });
                        }
                    }
                    Ok(())
                }))
                .append_element_content_handler(element!(
                    "iframe, frame, img, embed, object, link",
                    move |el| {
                        let name = el.tag_name();
                        let url = match name.as_str() {
                            "iframe" => url_of(el, &["src", "data-src", "data-lazy-src"]),
                            "object" => url_of(el, &["data"]),
                            "link" => {
                                let rel = el
                                    .get_attribute("rel")
                                    .unwrap_or_default()
                                    .to_ascii_lowercase();
                                let active = [
                                    "stylesheet",
                                    "preload",
                                    "prefetch",
                                    "modulepreload",
                                    "preconnect",
                                    "dns-prefetch",
                                ]
                                .iter()
                                .any(|r| rel.split_ascii_whitespace().any(|t| t == *r));
                                if active {
                                    url_of(el, &["href"])
                                } else {
                                    None
                                }
                            }
                            _ => url_of(el, &["src"]),
                        };
                        if let Some(url) = url {
                            let element = ["iframe", "frame", "img", "embed", "object", "link"]
                                .into_iter()
                                .find(|n| *n == name)
                                .unwrap();
                            f2.borrow_mut().push(Active {
                                element,
                                url: Some(url),
                                text: None,
                            });
                        }
                        Ok(())
                    }
                ))
                .append_element_content_handler(text!("noscript", move |t| {
                    ns.borrow_mut().push_str(t.as_str());
                    if t.last_in_text_node() {
                        let content = std::mem::take(&mut *ns.borrow_mut());
                        let (inner, _) = inventory(content.as_bytes());
                        f3.borrow_mut().extend(inner);
                    }
                    Ok(())
                }))
                .append_document_content_handler(doc_text!(move |t| {
                    if t.text_type() == TextType::Data {
                        vis.borrow_mut().push_str(t.as_str());
                    }
                    Ok(())
                })),
            |_: &[u8]| {},
        );
        rewriter.write(html).unwrap();
        rewriter.end().unwrap();
        drop(ns2);
    }
    let active = found.borrow().clone();
    let text = visible
        .borrow()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (active, text)
}

/// Whether `url` is on the page's own host (or relative).
fn first_party(url: &str, host: Option<&str>) -> bool {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    let rest = if let Some(r) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        r
    } else if let Some(r) = lower.strip_prefix("//") {
        r
    } else {
        return !lower.contains("..") && !lower.starts_with("data:");
    };
    let url_host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
    host.is_some_and(|h| {
        url_host == h
            || url_host.ends_with(&format!(".{h}"))
            || h.ends_with(&format!(".{url_host}"))
    })
}

/// The annotated expectations, by page file.
fn expectations() -> HashMap<String, PageExpectation> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/corpus_expectations.toml"
    ))
    .unwrap();
    let parsed: Expectations = toml::from_str(&text).unwrap();
    parsed
        .page
        .into_iter()
        .map(|p| (p.file.clone(), p))
        .collect()
}

#[test]
fn no_consent_never_touches_first_party_content() {
    let policy = policy();
    let (mut rng, seed) = rng();
    let expectations = expectations();
    for page in pages() {
        // A first-party-hosted tracker loader (self-hosted Matomo) is annotated as one.
        let gone = &expectations[&page.file].gone;
        let annotated_tracker = |url: &str| {
            gone.iter()
                .any(|g| url.to_ascii_lowercase().contains(&g.to_ascii_lowercase()))
        };
        let cuts = splits(&mut rng, page.html.len());
        let out = rewrite(&policy, CategorySet::NECESSARY_ONLY, &page, &cuts);
        let (before, text_before) = inventory(&page.html);
        let (after, text_after) = inventory(&out);
        assert_eq!(
            text_before, text_after,
            "{}: visible text changed (seed {seed})",
            page.file
        );
        let first_party_urls = |list: &[Active]| {
            let mut urls: Vec<String> = list
                .iter()
                .filter_map(|a| a.url.clone())
                .filter(|u| first_party(u, page.host.as_deref()) && !annotated_tracker(u))
                .collect();
            urls.sort();
            urls
        };
        assert_eq!(
            first_party_urls(&before),
            first_party_urls(&after),
            "{}: a first-party element was removed or altered (seed {seed})",
            page.file
        );
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    page: Vec<PageExpectation>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PageExpectation {
    file: String,
    #[serde(default)]
    gone: Vec<String>,
    #[serde(default)]
    kept: Vec<String>,
}

#[test]
fn annotated_trackers_are_gone_and_the_rest_is_kept() {
    let expectations = expectations();
    let pages: HashMap<String, Page> = pages().into_iter().map(|p| (p.file.clone(), p)).collect();
    assert_eq!(
        expectations.len(),
        pages.len(),
        "every corpus page has expectations"
    );
    let policy = policy();
    let (mut rng, seed) = rng();
    let mut failures = Vec::new();
    for exp in expectations.values() {
        let page = &pages[&exp.file];
        let cuts = splits(&mut rng, page.html.len());
        let out = rewrite(&policy, CategorySet::NECESSARY_ONLY, page, &cuts);
        let (active, _) = inventory(&out);
        for needle in &exp.gone {
            let n = needle.to_ascii_lowercase();
            let hit = active.iter().find(|a| {
                a.url
                    .as_deref()
                    .is_some_and(|u| u.to_ascii_lowercase().contains(&n))
                    || a.text
                        .as_deref()
                        .is_some_and(|t| t.to_ascii_lowercase().contains(&n))
            });
            if let Some(a) = hit {
                failures.push(format!(
                    "{}: `{needle}` still active in <{}> {:?}",
                    exp.file, a.element, a.url
                ));
            }
        }
        let out_text = String::from_utf8_lossy(&out);
        for needle in &exp.kept {
            if !out_text.contains(needle.as_str()) {
                failures.push(format!("{}: `{needle}` was not kept", exp.file));
            }
        }
    }
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}

/// The DuckDuckGo list as an oracle: is this URL a tracker?
struct Oracle {
    trackers: HashMap<String, (bool, Vec<(regex::Regex, bool)>)>,
}

impl Oracle {
    fn load() -> Oracle {
        let tds: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format!("{CORPUS}/trackers/duckduckgo-tds.json")).unwrap(),
        )
        .unwrap();
        let trackers = tds["trackers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(domain, t)| {
                let blocks = t["default"] == "block";
                let rules = t["rules"]
                    .as_array()
                    .map(|rules| {
                        rules
                            .iter()
                            .filter_map(|r| {
                                let re = regex::Regex::new(r["rule"].as_str()?).ok()?;
                                Some((
                                    re,
                                    r.get("action").and_then(|a| a.as_str()) != Some("ignore"),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (domain.clone(), (blocks, rules))
            })
            .collect();
        Oracle { trackers }
    }

    fn is_tracker(&self, url: &str) -> bool {
        let lower = url.trim().to_ascii_lowercase();
        let Some(rest) = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .or_else(|| lower.strip_prefix("//"))
        else {
            return false;
        };
        let host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
        let mut domain = host;
        loop {
            if let Some((blocks, rules)) = self.trackers.get(domain) {
                return match rules.iter().find(|(re, _)| re.is_match(rest)) {
                    Some((_, block)) => *block,
                    None => *blocks,
                };
            }
            match domain.split_once('.') {
                Some((_, parent)) if parent.contains('.') => domain = parent,
                _ => return false,
            }
        }
    }
}

#[test]
fn recall_against_an_independent_tracker_list() {
    let policy = policy();
    let oracle = Oracle::load();
    let (mut before_total, mut after_total) = (0usize, 0usize);
    let mut remaining = Vec::new();
    let (mut rng, _) = rng();
    for page in pages() {
        let cuts = splits(&mut rng, page.html.len());
        let out = rewrite(&policy, CategorySet::NECESSARY_ONLY, &page, &cuts);
        let trackers = |html: &[u8]| -> Vec<Active> {
            inventory(html)
                .0
                .into_iter()
                .filter(|a| a.url.as_deref().is_some_and(|u| oracle.is_tracker(u)))
                .collect()
        };
        let before = trackers(&page.html);
        let after = trackers(&out);
        before_total += before.len();
        after_total += after.len();
        for a in after {
            remaining.push(format!(
                "{}: <{}> {}",
                page.file,
                a.element,
                a.url.unwrap_or_default()
            ));
        }
    }
    let recall = 1.0 - after_total as f64 / before_total.max(1) as f64;
    println!(
        "recall on the shared corpus: {recall:.3} ({} of {before_total} tracker tags removed)",
        before_total - after_total
    );
    for r in &remaining {
        println!("  still active: {r}");
    }
    assert!(
        before_total > 50,
        "the oracle must see the corpus' trackers"
    );
    assert!(recall >= 0.95, "recall {recall:.3} below 0.95");
}

/// Recall and the invariants again, with a community-style filter list of
/// ours (tests/data/filter_lists/community-style.txt) mounted as analytics.
#[test]
fn a_filter_list_raises_recall_and_keeps_the_invariants() {
    let lists = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/filter_lists");
    let with_list = compile(
        "[[tags.filter_list]]\npath = \"community-style.txt\"\ncategory = \"analytics\"\n",
        &format!("{lists}/consentry.toml"),
    )
    .unwrap();
    let plain = policy();
    let oracle = Oracle::load();
    let (mut rng, seed) = rng();
    let all = with_list.categories.all();
    assert!(!with_list.rewriter.needs_rewrite(all));
    let (mut total, mut left_plain, mut left_list) = (0usize, 0usize, 0usize);
    for page in pages() {
        let cuts = splits(&mut rng, page.html.len());
        assert!(
            rewrite(&with_list, all, &page, &cuts) == page.html,
            "{} changed with full consent (seed {seed})",
            page.file
        );
        let trackers = |html: &[u8]| {
            inventory(html)
                .0
                .into_iter()
                .filter(|a| a.url.as_deref().is_some_and(|u| oracle.is_tracker(u)))
                .count()
        };
        let out = rewrite(&with_list, CategorySet::NECESSARY_ONLY, &page, &cuts);
        total += trackers(&page.html);
        left_list += trackers(&out);
        left_plain += trackers(&rewrite(&plain, CategorySet::NECESSARY_ONLY, &page, &cuts));
        let first_party = |html: &[u8]| {
            let mut urls: Vec<String> = inventory(html)
                .0
                .into_iter()
                .filter_map(|a| a.url)
                .filter(|u| first_party(u, page.host.as_deref()))
                .collect();
            urls.sort();
            urls
        };
        let plain_out = rewrite(&plain, CategorySet::NECESSARY_ONLY, &page, &cuts);
        assert_eq!(
            first_party(&plain_out),
            first_party(&out),
            "{}: the list removed a first-party element (seed {seed})",
            page.file
        );
    }
    let recall = |left: usize| 1.0 - left as f64 / total.max(1) as f64;
    println!(
        "recall with the test filter list: {:.3} (without: {:.3}; {total} tracker tags)",
        recall(left_list),
        recall(left_plain)
    );
    assert!(left_list < left_plain, "the list removed nothing more");
    assert!(recall(left_list) >= 0.98, "recall {:.3}", recall(left_list));
}

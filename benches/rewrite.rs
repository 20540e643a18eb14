//! The rewriter on every corpus page, fed in 16 KiB chunks: our scanner
//! with no-op decisions (`scanner_noop`) against lol_html with no handlers
//! at all (`tokenizer_only`) and with the old rewriter's selectors and
//! no-op handlers (`handlers_noop`), and the whole rewriter with every
//! decision and no consent (`no_consent`).
//!
//! `cargo bench --bench rewrite` (filter with e.g. `-- nytimes`).

mod common;

use std::hint::black_box;

use bytes::Bytes;
use consentry::config::Policy;
use consentry::html::scanner::{Attributes, EndTag, Handler, Scanner, StartTag, TagName};
use consentry::policy::category::CategorySet;
use consentry::rewrite::FilterOptions;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use lol_html::html_content::{Element, TextChunk};
use lol_html::{element, text, AsciiCompatibleEncoding, HtmlRewriter, Settings};

const CHUNK: usize = 16 << 10;

fn rewrite(c: &mut Criterion) {
    let policy = Policy::builtin();
    let options = FilterOptions {
        first_party: None,
        charset: None,
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    let mut group = c.benchmark_group("rewrite");
    group.sample_size(20);
    for (name, html) in common::pages() {
        group.throughput(Throughput::Bytes(html.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("tokenizer_only", &name),
            &html,
            |b, html| b.iter(|| plain_lol_html(Settings::new(), html)),
        );
        group.bench_with_input(
            BenchmarkId::new("handlers_noop", &name),
            &html,
            |b, html| b.iter(|| plain_lol_html(noop_settings(), html)),
        );
        group.bench_with_input(BenchmarkId::new("scanner_noop", &name), &html, |b, html| {
            b.iter(|| scan_noop(html))
        });
        // As the proxy feeds it: chunks it holds as `Bytes`, shared.
        let shared = Bytes::from(html.clone());
        let no_consent = |html: &Bytes| {
            let mut filter = policy
                .rewriter
                .filter(CategorySet::NECESSARY_ONLY, &options)
                .unwrap();
            let mut n = 0usize;
            for at in (0..html.len()).step_by(CHUNK) {
                let chunk = html.slice(at..html.len().min(at + CHUNK));
                n += filter.write_shared(chunk).unwrap().len();
            }
            n += filter.end().unwrap().0.len();
            black_box(n)
        };
        // Every inline script seen for the first time (a page never seen).
        group.bench_with_input(BenchmarkId::new("no_consent", &name), &shared, |b, html| {
            b.iter_batched(
                || policy.rewriter.forget_decisions(),
                |()| no_consent(html),
                BatchSize::PerIteration,
            )
        });
        // The same page again: inline-script verdicts remembered.
        group.bench_with_input(
            BenchmarkId::new("no_consent_warm", &name),
            &shared,
            |b, html| b.iter(|| no_consent(html)),
        );
        // What the proxy runs: references collected for discovery.
        let with_references = FilterOptions {
            collect_references: true,
            document_origin: None,
            ..options.clone()
        };
        group.bench_with_input(
            BenchmarkId::new("no_consent_references", &name),
            &shared,
            |b, html| {
                b.iter(|| {
                    let mut filter = policy
                        .rewriter
                        .filter(CategorySet::NECESSARY_ONLY, &with_references)
                        .unwrap();
                    let mut n = 0usize;
                    for at in (0..html.len()).step_by(CHUNK) {
                        let chunk = html.slice(at..html.len().min(at + CHUNK));
                        n += filter.write_shared(chunk).unwrap().len();
                    }
                    let (last, report) = filter.end().unwrap();
                    black_box((n + last.len(), report.references.len()))
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("full_consent", &name), &html, |b, html| {
            let all = policy.categories.all();
            b.iter(|| {
                // The proxy's decision: with everything granted the body is not rewritten.
                assert!(!policy.rewriter.needs_rewrite(black_box(all)));
                black_box(html.chunks(CHUNK).map(<[u8]>::len).sum::<usize>())
            })
        });
    }
    group.finish();
}

/// Decisions that decide nothing: every tag read, nothing asked for.
struct Noop(usize);

impl Handler for Noop {
    fn wants(&self, _: TagName) -> Option<Attributes> {
        None
    }

    fn start_tag(&mut self, _: &[u8], _: &StartTag<'_>) {}

    fn end_tag(&mut self, _: &[u8], tag: &EndTag) {
        self.0 += tag.span.len();
    }
}

/// Our scanner over `html` in [`CHUNK`]s, carrying what it still needs
/// across chunks as the rewriter does, output copied through.
fn scan_noop(html: &[u8]) -> usize {
    let mut scanner = Scanner::new();
    let mut noop = Noop(0);
    let mut carried: Vec<u8> = Vec::new();
    let mut out = 0usize;
    for chunk in html.chunks(CHUNK) {
        let mut output = Vec::with_capacity(chunk.len());
        if carried.is_empty() {
            scanner.feed(chunk, false, &mut noop);
            let keep = scanner.keep_from();
            output.extend_from_slice(&chunk[..keep]);
            carried.extend_from_slice(&chunk[keep..]);
            scanner.rebase(keep);
        } else {
            carried.extend_from_slice(chunk);
            scanner.feed(&carried, false, &mut noop);
            let keep = scanner.keep_from();
            output.extend_from_slice(&carried[..keep]);
            carried.drain(..keep);
            scanner.rebase(keep);
        }
        out += black_box(output).len();
    }
    scanner.feed(&carried, true, &mut noop);
    black_box(out + carried.len() + noop.0)
}

/// Bytes out of lol_html with `settings`, fed `html` in [`CHUNK`]s.
fn plain_lol_html(settings: Settings<'_, '_>, html: &[u8]) -> usize {
    let mut n = 0usize;
    let mut r = HtmlRewriter::new(settings, |out: &[u8]| n += out.len());
    for chunk in html.chunks(CHUNK) {
        r.write(chunk).unwrap();
    }
    r.end().unwrap();
    black_box(n)
}

/// The rewriter's lol_html setup (same selectors, windows-1252 tokenizing,
/// an element handler each and a text handler on `script` and `noscript`)
/// with handlers that do nothing.
fn noop_settings() -> Settings<'static, 'static> {
    let noop_element = |el: &mut Element| {
        black_box(el.tag_name());
        Ok(())
    };
    let noop_text = |t: &mut TextChunk| {
        black_box(t.as_str().len());
        Ok(())
    };
    let mut settings = Settings::new()
        .with_encoding(AsciiCompatibleEncoding::new(encoding_rs::WINDOWS_1252).unwrap())
        .with_strict(false)
        .append_element_content_handler(element!("script", noop_element))
        .append_element_content_handler(text!("script", noop_text))
        .append_element_content_handler(text!("noscript", noop_text));
    for tag in ["iframe", "frame", "img", "embed", "object", "link"] {
        settings = settings.append_element_content_handler(element!(tag, noop_element));
    }
    settings
}

/// A 1 KB page, the kind served many times per view: here the fixed cost
/// of a filter per response, not throughput, is what counts.
fn small_page(c: &mut Criterion) {
    let policy = Policy::builtin();
    let options = FilterOptions {
        first_party: None,
        charset: None,
        report_only: false,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    let html = include_bytes!("load/page1k.html");
    let mut group = c.benchmark_group("small_page");
    group.throughput(Throughput::Bytes(html.len() as u64));
    group.bench_function("filter_setup", |b| {
        b.iter(|| {
            let filter = policy
                .rewriter
                .filter(CategorySet::NECESSARY_ONLY, &options)
                .unwrap();
            black_box(filter.end().unwrap().0.len())
        })
    });
    group.bench_function("tokenizer_only", |b| {
        b.iter(|| plain_lol_html(Settings::new(), html))
    });
    group.bench_function("handlers_noop", |b| {
        b.iter(|| plain_lol_html(noop_settings(), html))
    });
    group.bench_function("scanner_noop", |b| b.iter(|| scan_noop(html)));
    let no_consent = || {
        let mut filter = policy
            .rewriter
            .filter(CategorySet::NECESSARY_ONLY, &options)
            .unwrap();
        let n = filter.write(html).unwrap().len();
        black_box(n + filter.end().unwrap().0.len())
    };
    group.bench_function("no_consent", |b| {
        b.iter_batched(
            || policy.rewriter.forget_decisions(),
            |()| no_consent(),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("no_consent_warm", |b| b.iter(no_consent));
    group.finish();
}

criterion_group!(benches, rewrite, small_page);
criterion_main!(benches);

//! The streaming HTML rewriter: applies tag rules to what
//! [`crate::html::scanner`] finds.
//!
//! A [`Rewriter`] is built once per policy (rules shared); [`Rewriter::filter`]
//! then makes a cheap per-response [`HtmlFilter`] that is fed chunk by chunk
//! and never buffers the whole document. Only a tag of interest being read,
//! inline scripts, `<style>` and `<noscript>` blocks are held back, each up
//! to a bound, until they can be judged. Fed [`Bytes`] through
//! [`HtmlFilter::write_shared`] (as the proxy does), the output shares long
//! unchanged spans with the input instead of copying them.
//!
//! URLs are read as a browser reads them ([`urls`]: character references,
//! WHATWG parsing, `<base href>`) from every place HTML fetches or runs
//! something: `src`, `srcset`/`imagesrcset`, lazy-loading `data-*`, object
//! `data`, SVG `href`, `iframe srcdoc` (rewritten as the document it is),
//! meta refresh, `ping`, `poster`, `background`, link rels, event handlers
//! that fire by themselves, `javascript:` URLs and CSS `url()`. Comments,
//! data blocks and tags a consent manager gates are left as they are.
//! `<template>` content is enforced like the rest of the page: a script can
//! stamp it into the document at any time.

mod document;
mod handlers;
pub mod link_header;
mod memo;
pub mod placeholder;
#[cfg(test)]
mod tests;
pub mod urls;

use std::sync::Arc;

use bytes::Bytes;

use crate::html::edit::Output;
use crate::html::scanner::Scanner;
use crate::policy::category::{Categories, CategorySet};
use crate::policy::consent_mode;
use crate::policy::tags::{Action, ElementKind, RuleId, TagRules};

pub use handlers::is_executable_script_type;

/// Bounds on what one response may make the rewriter hold in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of one tag of interest held while it is read (a single
    /// huge tag or attribute needs it whole).
    pub parser_memory: usize,
    /// The most inline-script text held back while deciding; past it the
    /// script is judged on what was seen.
    pub inline_script: usize,
    /// The most `<noscript>` content held back; past it the block is removed
    /// (fail closed) when anything is denied.
    pub noscript: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            parser_memory: 4 << 20,
            inline_script: 512 << 10,
            noscript: 64 << 10,
        }
    }
}

/// Why a document could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The document's charset is not ASCII-compatible (UTF-16 and the like).
    #[error("charset `{0}` is not ASCII-compatible and cannot be rewritten")]
    UnsupportedCharset(String),
    /// A single tag or attribute exceeded the parser memory limit.
    #[error("the parser memory limit of {limit} bytes was exceeded (a single tag or attribute is too large)")]
    MemoryLimit {
        /// The limit in force.
        limit: usize,
    },
    /// Any other failure (kept for callers that count failures by kind).
    #[error("HTML rewriting failed: {0}")]
    Parser(String),
}

/// One enforcement action taken (or, in report-only mode, that would be taken).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enforcement {
    /// The rule that matched.
    pub rule: RuleId,
    /// The element it matched.
    pub element: ElementKind,
    /// What was done.
    pub action: Action,
    /// Whether the match was on inline script text rather than a URL.
    pub inline: bool,
}

/// What a filter did to one document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every action, in document order.
    pub enforcements: Vec<Enforcement>,
    /// Every URL-bearing element, when [`FilterOptions::collect_references`] asked for them.
    pub references: Vec<Reference>,
    /// Third-party scripts, iframes and embeds that nothing classifies, when
    /// `tags.unclassified = "report"` (kept, reported in either mode).
    pub unclassified: Vec<Reference>,
}

/// A URL an element of the document loads, and the rule it matches.
/// (URLs relative to the document itself are not collected: they load
/// from the page's own origin.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The element loading it.
    pub element: ElementKind,
    /// The absolute URL.
    pub url: String,
    /// The rule it matches, granted or not (`None`: no rule knows it).
    pub rule: Option<RuleId>,
}

impl Reference {
    /// The URL's host, lower-case, without userinfo, port or a trailing
    /// dot; `None` when the URL has none.
    pub fn host(&self) -> Option<std::borrow::Cow<'_, str>> {
        let (_, rest) = self.url.split_once("://")?;
        let (authority, _) = crate::policy::tags::split_authority(rest);
        if authority.contains('[') {
            // An IPv6 literal: the URL parser writes it as the host.
            let url = url::Url::parse(&self.url).ok()?;
            return url
                .host_str()
                .map(|h| std::borrow::Cow::Owned(h.to_string()));
        }
        crate::policy::tags::host_of(authority)
    }
}

/// Per-response options.
#[derive(Clone, Debug)]
pub struct FilterOptions {
    /// The page's own host: tags loading from it are first party and kept.
    pub first_party: Option<String>,
    /// The document's charset label (from `Content-Type`), UTF-8 when absent.
    pub charset: Option<String>,
    /// Decide and report, but change nothing.
    pub report_only: bool,
    /// HTML inserted right after the `<body ...>` start tag (appended at the
    /// end when there is none), report-only or not.
    pub insert_after_body_open: Option<Arc<str>>,
    /// The consent form a blocked embed's placeholder offers (none: a plain notice).
    pub placeholder_form: Option<Arc<placeholder::GrantForm>>,
    /// List every URL-bearing element in [`Report::references`].
    pub collect_references: bool,
    /// The page's own origin (`https://shop.example`), when known: a
    /// `<base href>` elsewhere would send the root-relative URLs of
    /// Consentry's own markup (banner, placeholders) there, so they are
    /// written against this origin instead.
    pub document_origin: Option<String>,
}

/// Precompiled rewriting settings, shared by every response of a policy.
#[derive(Clone, Debug)]
pub struct Rewriter {
    inner: Arc<Inner>,
}

/// Everything the documents of one policy share.
#[derive(Debug)]
pub(crate) struct Inner {
    rules: Arc<TagRules>,
    categories: Categories,
    limits: Limits,
    /// Whether any rule has a Google Consent Mode action.
    consent_mode: bool,
    /// Start tag decisions remembered across documents.
    tag_memo: memo::TagMemo,
}

impl Rewriter {
    /// Settings for `rules`, naming categories from `categories`.
    pub fn new(rules: Arc<TagRules>, categories: Categories, limits: Limits) -> Self {
        let consent_mode = rules.rules().iter().any(|r| r.consent_mode.is_some());
        Rewriter {
            inner: Arc::new(Inner {
                rules,
                categories,
                limits,
                consent_mode,
                tag_memo: memo::TagMemo::default(),
            }),
        }
    }

    /// The tag rules in use.
    pub fn rules(&self) -> &TagRules {
        &self.inner.rules
    }

    /// Forgets every remembered decision, on tags and inline scripts alike
    /// (for benchmarks of pages never seen).
    pub fn forget_decisions(&self) {
        self.inner.rules.forget_inline_verdicts();
        self.inner.tag_memo.clear();
    }

    /// Whether a response for a visitor granted `granted` needs rewriting at
    /// all: not when every category any rule needs is granted (and, with
    /// Google Consent Mode rules, every category it maps).
    pub fn needs_rewrite(&self, granted: CategorySet) -> bool {
        !granted.is_superset(self.inner.rules.categories())
            || (self.inner.consent_mode && consent_mode::needs_defaults(granted))
    }

    /// A filter for one document.
    pub fn filter(
        &self,
        granted: CategorySet,
        options: &FilterOptions,
    ) -> Result<HtmlFilter, RewriteError> {
        // The scanner reads bytes: HTML syntax and every rule (hosts,
        // signatures) are ASCII, which all ASCII-compatible charsets share,
        // and bytes nobody edits pass through as they came, even where a
        // page's bytes do not match its declared charset. Only charsets
        // that are not ASCII-compatible (UTF-16 and the like) are refused.
        if let Some(declared) = options
            .charset
            .as_deref()
            .and_then(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()))
        {
            if !declared.is_ascii_compatible() {
                return Err(RewriteError::UnsupportedCharset(
                    declared.name().to_string(),
                ));
            }
        }
        let ctx = Arc::new(handlers::Context {
            inner: self.inner.clone(),
            granted,
            first_party: options.first_party.clone(),
            report_only: options.report_only,
            insert_after_body_open: options.insert_after_body_open.clone(),
            placeholder_form: options.placeholder_form.clone(),
            document_origin: options.document_origin.clone(),
            collect_references: options.collect_references,
        });
        Ok(HtmlFilter {
            scanner: Scanner::new(),
            document: document::Document::new(ctx, document::Nesting::Top),
            carried: Vec::new(),
        })
    }
}

/// Room reserved beyond a chunk's length for what the rewriter adds to it.
const OUTPUT_SLACK: usize = 512;

/// The rewriter for one document: feed it chunks, collect what it emits.
#[derive(Debug)]
pub struct HtmlFilter {
    scanner: Scanner,
    document: document::Document,
    /// Input still needed: a tag being read, text being judged.
    carried: Vec<u8>,
}

impl HtmlFilter {
    /// Feeds one chunk; returns the output that is ready (possibly empty).
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, RewriteError> {
        // Output is about as long as input: one allocation.
        self.document.reserve(chunk.len() + OUTPUT_SLACK);
        let out = self.write_chunk(chunk, None)?;
        Ok(Vec::from(out.into_bytes()))
    }

    /// Feeds one chunk the caller holds as [`Bytes`]; returns the output
    /// that is ready (possibly empty), in which long unchanged spans of
    /// `chunk` are shared with it instead of copied.
    pub fn write_shared(&mut self, chunk: Bytes) -> Result<Output, RewriteError> {
        self.document.reserve(OUTPUT_SLACK);
        self.write_chunk(&chunk.clone(), Some(chunk))
    }

    fn write_chunk(&mut self, chunk: &[u8], shared: Option<Bytes>) -> Result<Output, RewriteError> {
        let mut carried = std::mem::take(&mut self.carried);
        let keep = if carried.is_empty() {
            if let Some(shared) = shared {
                self.document.share(shared);
            }
            let keep = self.run(chunk);
            self.document.unshare();
            let keep = keep?;
            carried.extend_from_slice(&chunk[keep..]);
            keep
        } else {
            carried.extend_from_slice(chunk);
            let keep = self.run(&carried)?;
            carried.drain(..keep);
            keep
        };
        self.scanner.rebase(keep);
        self.document.rebase(keep);
        self.carried = carried;
        Ok(self.document.take_output())
    }

    fn run(&mut self, data: &[u8]) -> Result<usize, RewriteError> {
        self.scanner.feed(data, false, &mut self.document);
        self.document.settle(data, &self.scanner)
    }

    /// Ends the document; returns the last output and what was done.
    pub fn end(mut self) -> Result<(Vec<u8>, Report), RewriteError> {
        let data = std::mem::take(&mut self.carried);
        self.scanner.feed(&data, true, &mut self.document);
        self.document.finish(&data, self.scanner.inside_tag());
        let out = Vec::from(self.document.take_output().into_bytes());
        Ok((out, self.document.take_report()))
    }

    /// [`Self::end`], then Consentry's own `markup` appended (its URLs
    /// rooted at the page's origin under a foreign `<base href>`, see
    /// [`FilterOptions::document_origin`]), unless the document ended inside a
    /// tag: the browser drops that tag, and markup after it would complete
    /// it (an `<img src="tracker"` cut off at the end would load).
    pub fn end_with_markup(mut self, markup: &str) -> Result<(Vec<u8>, Report), RewriteError> {
        let markup = self.document.own_markup(markup).into_owned();
        let data = std::mem::take(&mut self.carried);
        self.scanner.feed(&data, true, &mut self.document);
        self.document.finish(&data, self.scanner.inside_tag());
        let mut out = Vec::from(self.document.take_output().into_bytes());
        if !self.scanner.inside_tag() {
            out.extend_from_slice(markup.as_bytes());
        }
        Ok((out, self.document.take_report()))
    }

    /// What was done so far (drained).
    pub fn take_report(&mut self) -> Report {
        self.document.take_report()
    }
}

//! The streaming HTML rewriter: lol_html glue that applies tag rules.
//!
//! A [`Rewriter`] is built once per policy (selectors parsed, rules shared);
//! [`Rewriter::filter`] then makes a cheap per-response [`HtmlFilter`] that
//! is fed chunk by chunk and never buffers the whole document. Only inline
//! scripts and `<noscript>` blocks are held back, each up to a bound, until
//! they can be judged.

mod handlers;
pub mod placeholder;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use lol_html::errors::RewritingError;
use lol_html::send::{ElementContentHandlers, HtmlRewriter, Settings};
use lol_html::{AsciiCompatibleEncoding, MemorySettings, Selector};

use crate::policy::category::{Categories, CategorySet};
use crate::policy::tags::{Action, ElementKind, RuleId, TagRules};

pub use handlers::is_executable_script_type;

/// Bounds on what one response may make the rewriter hold in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// lol_html's own buffer limit (a single huge tag or attribute needs it whole).
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
    /// Any other lol_html failure.
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
}

/// Precompiled rewriting settings, shared by every response of a policy.
#[derive(Clone, Debug)]
pub struct Rewriter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Selectors {
    script: Selector,
    iframe: Selector,
    frame: Selector,
    img: Selector,
    embed: Selector,
    object: Selector,
    link: Selector,
    noscript: Selector,
    body: Selector,
}

/// Everything the handlers of one policy share.
#[derive(Debug)]
pub(crate) struct Inner {
    rules: Arc<TagRules>,
    categories: Categories,
    limits: Limits,
    selectors: Selectors,
}

impl Rewriter {
    /// Settings for `rules`, naming categories from `categories`.
    pub fn new(rules: Arc<TagRules>, categories: Categories, limits: Limits) -> Self {
        let parse = |s: &str| s.parse::<Selector>().expect("static selectors parse");
        Rewriter {
            inner: Arc::new(Inner {
                rules,
                categories,
                limits,
                selectors: Selectors {
                    script: parse("script"),
                    iframe: parse("iframe"),
                    frame: parse("frame"),
                    img: parse("img"),
                    embed: parse("embed"),
                    object: parse("object"),
                    link: parse("link"),
                    noscript: parse("noscript"),
                    body: parse("body"),
                },
            }),
        }
    }

    /// The tag rules in use.
    pub fn rules(&self) -> &TagRules {
        &self.inner.rules
    }

    /// Whether a response for a visitor granted `granted` needs rewriting at
    /// all: not when every category any rule needs is granted.
    pub fn needs_rewrite(&self, granted: CategorySet) -> bool {
        !granted.is_superset(self.inner.rules.categories())
    }

    /// A filter for one document.
    pub fn filter(
        &self,
        granted: CategorySet,
        options: &FilterOptions,
    ) -> Result<HtmlFilter, RewriteError> {
        // The document is tokenized as windows-1252 whatever its charset:
        // every byte maps to one character and back, so text the rewriter
        // passes through (which lol_html re-encodes) keeps its exact bytes,
        // even where a page's bytes do not match its declared charset. HTML
        // syntax and every rule (hosts, signatures) are ASCII, which all
        // ASCII-compatible charsets share. Only the others are refused.
        if let Some(declared) = options
            .charset
            .as_deref()
            .and_then(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()))
        {
            if AsciiCompatibleEncoding::new(declared).is_none() {
                return Err(RewriteError::UnsupportedCharset(
                    declared.name().to_string(),
                ));
            }
        }
        let encoding = AsciiCompatibleEncoding::new(encoding_rs::WINDOWS_1252)
            .expect("windows-1252 is ASCII-compatible");
        let ctx = Arc::new(handlers::Context {
            inner: self.inner.clone(),
            granted,
            first_party: options.first_party.clone(),
            report_only: options.report_only,
            insert_after_body_open: options.insert_after_body_open.clone(),
            placeholder_form: options.placeholder_form.clone(),
        });
        let state = Arc::new(Mutex::new(handlers::State::default()));
        let sink_state = state.clone();
        let sink: Sink = Box::new(move |bytes: &[u8]| {
            lock(&sink_state).out.extend_from_slice(bytes);
        });
        let rewriter = HtmlRewriter::new(settings(&self.inner, &ctx, &state, true, encoding), sink);
        Ok(HtmlFilter {
            rewriter,
            ctx,
            state,
            limit: self.inner.limits.parser_memory,
        })
    }
}

/// lol_html settings for one document (or one `<noscript>` block when `with_noscript` is false).
fn settings<'s>(
    inner: &'s Inner,
    ctx: &Arc<handlers::Context>,
    state: &Arc<Mutex<handlers::State>>,
    with_noscript: bool,
    encoding: AsciiCompatibleEncoding,
) -> Settings<'static, 's> {
    let s = &inner.selectors;
    let element = |kind: ElementKind| {
        let (ctx, state) = (ctx.clone(), state.clone());
        ElementContentHandlers::default().element(
            move |el: &mut lol_html::send::Element<'_, '_>| {
                handlers::on_element(el, kind, &ctx, &mut lock(&state));
                Ok(())
            },
        )
    };
    let script = {
        let (ctx, text_ctx) = (ctx.clone(), ctx.clone());
        let (state, text_state) = (state.clone(), state.clone());
        ElementContentHandlers::default()
            .element(move |el: &mut lol_html::send::Element<'_, '_>| {
                handlers::on_script(el, &ctx, &mut lock(&state));
                Ok(())
            })
            .text(move |chunk: &mut lol_html::html_content::TextChunk<'_>| {
                handlers::on_script_text(chunk, &text_ctx, &mut lock(&text_state));
                Ok(())
            })
    };
    let mut settings = Settings::new_send()
        .with_encoding(encoding)
        .with_strict(false)
        .with_memory_settings(
            MemorySettings::new().with_max_allowed_memory_usage(inner.limits.parser_memory),
        )
        .append_element_content_handler((Cow::Borrowed(&s.script), script))
        .append_element_content_handler((Cow::Borrowed(&s.iframe), element(ElementKind::Iframe)))
        .append_element_content_handler((Cow::Borrowed(&s.frame), element(ElementKind::Frame)))
        .append_element_content_handler((Cow::Borrowed(&s.img), element(ElementKind::Img)))
        .append_element_content_handler((Cow::Borrowed(&s.embed), element(ElementKind::Embed)))
        .append_element_content_handler((Cow::Borrowed(&s.object), element(ElementKind::Object)))
        .append_element_content_handler((Cow::Borrowed(&s.link), element(ElementKind::Link)));
    if with_noscript && ctx.insert_after_body_open.is_some() {
        let (ctx, state) = (ctx.clone(), state.clone());
        settings = settings.append_element_content_handler((
            Cow::Borrowed(&s.body),
            ElementContentHandlers::default().element(
                move |el: &mut lol_html::send::Element<'_, '_>| {
                    handlers::on_body(el, &ctx, &mut lock(&state));
                    Ok(())
                },
            ),
        ));
    }
    if with_noscript {
        let (ctx, state) = (ctx.clone(), state.clone());
        settings = settings.append_element_content_handler((
            Cow::Borrowed(&s.noscript),
            ElementContentHandlers::default().text(
                move |chunk: &mut lol_html::html_content::TextChunk<'_>| {
                    let nested = |html: &str| filter_fragment(&ctx, html);
                    handlers::on_noscript_text(chunk, &ctx, &mut lock(&state), &nested);
                    Ok(())
                },
            ),
        ));
    }
    settings
}

/// Runs the rules over the markup inside a `<noscript>` block: the filtered
/// markup and what was done, or `None` if it could not be parsed.
fn filter_fragment(ctx: &Arc<handlers::Context>, html: &str) -> Option<(String, Vec<Enforcement>)> {
    let state = Arc::new(Mutex::new(handlers::State::default()));
    let sink_state = state.clone();
    let mut rewriter = HtmlRewriter::new(
        settings(&ctx.inner, ctx, &state, false, utf8()),
        move |bytes: &[u8]| lock(&sink_state).out.extend_from_slice(bytes),
    );
    rewriter.write(html.as_bytes()).ok()?;
    rewriter.end().ok()?;
    let mut st = lock(&state);
    handlers::finish_held(ctx, &mut st);
    let out = std::mem::take(&mut st.out);
    let enforcements = std::mem::take(&mut st.report.enforcements);
    String::from_utf8(out).ok().map(|s| (s, enforcements))
}

/// Fragments held as Rust strings are UTF-8 (their characters are the
/// document's bytes, read as windows-1252, and go back the same way).
fn utf8() -> AsciiCompatibleEncoding {
    AsciiCompatibleEncoding::new(encoding_rs::UTF_8).expect("UTF-8 is ASCII-compatible")
}

/// Locks a mutex, ignoring poisoning (handlers never panic while holding it).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Room reserved beyond a chunk's length for what the rewriter adds to it.
const OUTPUT_SLACK: usize = 512;

/// Where a filter's rewriter writes its output.
type Sink = Box<dyn FnMut(&[u8]) + Send>;

/// The rewriter for one document: feed it chunks, collect what it emits.
pub struct HtmlFilter {
    rewriter: HtmlRewriter<'static, Sink>,
    ctx: Arc<handlers::Context>,
    state: Arc<Mutex<handlers::State>>,
    limit: usize,
}

impl std::fmt::Debug for HtmlFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HtmlFilter").finish_non_exhaustive()
    }
}

impl HtmlFilter {
    /// Feeds one chunk; returns the output that is ready (possibly empty).
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, RewriteError> {
        // Output is about as long as input: one allocation instead of a
        // doubling series while the rewriter emits small pieces.
        lock(&self.state).out.reserve(chunk.len() + OUTPUT_SLACK);
        self.rewriter.write(chunk).map_err(|e| self.error(e))?;
        let mut st = lock(&self.state);
        Ok(match st.hold {
            // Hand out what precedes the held-back part; keep the rest.
            Some(mark) => {
                let held = st.out.split_off(mark);
                st.hold = Some(0);
                std::mem::replace(&mut st.out, held)
            }
            None => std::mem::take(&mut st.out),
        })
    }

    /// Ends the document; returns the last output and what was done.
    pub fn end(self) -> Result<(Vec<u8>, Report), RewriteError> {
        let limit = self.limit;
        self.rewriter.end().map_err(|e| map_error(e, limit))?;
        let mut st = lock(&self.state);
        handlers::finish_held(&self.ctx, &mut st);
        handlers::finish_insert(&self.ctx, &mut st);
        let out = std::mem::take(&mut st.out);
        let report = std::mem::take(&mut st.report);
        Ok((out, report))
    }

    /// What was done so far (drained).
    pub fn take_report(&mut self) -> Report {
        std::mem::take(&mut lock(&self.state).report)
    }

    fn error(&self, e: RewritingError) -> RewriteError {
        map_error(e, self.limit)
    }
}

fn map_error(e: RewritingError, limit: usize) -> RewriteError {
    match e {
        RewritingError::MemoryLimitExceeded(_) => RewriteError::MemoryLimit { limit },
        other => RewriteError::Parser(other.to_string()),
    }
}

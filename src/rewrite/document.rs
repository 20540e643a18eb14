//! One document being rewritten: the scanner's events in, the decisions of
//! [`super::handlers`] applied as span edits.

use std::borrow::Cow;
use std::sync::Arc;

use url::Url;

use super::handlers::{self, Context, Decision, Edit, Follow};
use super::{memo, urls, Enforcement, Report, RewriteError};
use bytes::Bytes;

use crate::html::edit::{Editor, Output};
use crate::html::scanner::{Attributes, EndTag, Handler, Namespace, Scanner, StartTag, TagName};
use crate::policy::consent_mode;
use crate::policy::inline::{HostBinding, InlineRemoval};
use crate::policy::tags::{Action, ElementKind, RuleId};

/// What happens to input until an end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Input is kept unless an edit says otherwise.
    Pass,
    /// A removed element: its content and its end tag go (`depth` counts
    /// nested elements of the same name).
    DropElement { name: TagName, depth: u32 },
    /// Removed text: everything up to the end tag goes, the end tag stays.
    /// The text of a foreign script (`depth` > 0) goes until its element
    /// closes, however that happens.
    DropText { name: TagName, depth: usize },
}

/// Text held back until it can be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeldKind {
    Script { svg: bool },
    Style { svg: bool },
    Noscript,
    UrlData,
}

impl HeldKind {
    fn end(self) -> TagName {
        match self {
            HeldKind::Script { .. } | HeldKind::UrlData => TagName::Script,
            HeldKind::Style { .. } => TagName::Style,
            HeldKind::Noscript => TagName::Noscript,
        }
    }
}

/// The rest of an inline script too large to hold, searched as it
/// passes: a loader found late cuts the script off there (what came
/// before is already sent; the browser then runs either the statements
/// before the cut or, the text ending mid-statement, nothing).
#[derive(Debug, Clone, Copy)]
struct Watched {
    /// Where the text not yet sent starts: the last [`WATCH_OVERLAP`]
    /// bytes searched are held back and searched again with what follows,
    /// so that a loader split across two pieces is cut off whole.
    from: usize,
}

/// Bytes of searched text held back (longer than any loader signature).
const WATCH_OVERLAP: usize = 256;

#[derive(Debug, Clone, Copy)]
struct Held {
    kind: HeldKind,
    /// Where the text starts.
    start: usize,
    /// The scanner's foreign depth of foreign text (its element closes
    /// when fewer foreign elements stay open).
    depth: usize,
}

impl Held {
    /// Whether this is the text of a foreign (SVG) script or style:
    /// markup, whose element may close in many ways.
    fn foreign_text(&self) -> bool {
        matches!(
            self.kind,
            HeldKind::Script { svg: true } | HeldKind::Style { svg: true }
        )
    }
}

/// Where a document sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nesting {
    /// The response itself.
    Top,
    /// The markup of a `<noscript>` block.
    Noscript,
    /// An `iframe srcdoc` document.
    Srcdoc,
}

/// The per-document state: decisions applied to the stream.
#[derive(Debug)]
pub(crate) struct Document {
    ctx: Arc<Context>,
    editor: Editor,
    report: Report,
    mode: Mode,
    held: Option<Held>,
    watched: Option<Watched>,
    nesting: Nesting,
    inserted: bool,
    /// Whether the Google Consent Mode defaults were placed (or were not needed).
    consent_defaults_placed: bool,
    /// The `<base href>` URL, once one was read (only the first counts).
    base: Option<Url>,
    /// What tag decisions depend on besides the tag (see [`memo::scope`]),
    /// kept up to date with `base`.
    memo_scope: u64,
    base_seen: bool,
    /// How many `<template>` elements are open: a `<base>` in one sets
    /// nothing (template content is inert).
    templates: u32,
    /// The names earlier inline scripts bound to tracker hosts (at most
    /// [`MAX_HOST_BINDINGS`]): a later script that glues one into a URL
    /// loads from that host.
    host_bindings: Vec<HostBinding>,
    /// Whether scripts may run in the document: not in a `noscript`
    /// block's markup, nor in an `iframe srcdoc` document without a
    /// `<script`.
    scripts_may_run: bool,
    /// Whether speculation rules read so far prefetch or prerender the
    /// document's links on their own: a later link at a tracker loses its
    /// `href`.
    prefetches_links: bool,
    /// The `href`s (as written, one after another) of the links read
    /// before speculation rules that prefetch links: those that may name
    /// another origin (at most [`MAX_EARLIER_LINK_BYTES`]), which such
    /// rules, read later, fetch too.
    earlier_links: Vec<u8>,
    /// Where each of `earlier_links` ends.
    earlier_link_ends: Vec<u32>,
    /// Whether more such links were read than are remembered.
    earlier_links_overflow: bool,
}

/// The most names bound to tracker hosts a document remembers.
const MAX_HOST_BINDINGS: usize = 32;

/// The most bytes of links that may name another origin a document
/// remembers before speculation rules read them.
const MAX_EARLIER_LINK_BYTES: usize = 64 << 10;

impl Document {
    pub(crate) fn new(ctx: Arc<Context>, nesting: Nesting) -> Self {
        let memo_scope = memo::scope(
            ctx.granted,
            ctx.first_party.as_deref(),
            ctx.collect_references,
            None,
        );
        Document {
            ctx,
            memo_scope,
            editor: Editor::default(),
            report: Report::default(),
            mode: Mode::Pass,
            held: None,
            watched: None,
            nesting,
            inserted: false,
            consent_defaults_placed: false,
            base: None,
            base_seen: false,
            templates: 0,
            host_bindings: Vec::new(),
            scripts_may_run: nesting == Nesting::Top,
            prefetches_links: false,
            earlier_links: Vec::new(),
            earlier_link_ends: Vec::new(),
            earlier_links_overflow: false,
        }
    }

    fn set_base(&mut self, base: Option<Url>) {
        let ctx = &self.ctx;
        self.memo_scope = memo::scope(
            ctx.granted,
            ctx.first_party.as_deref(),
            ctx.collect_references,
            base.as_ref(),
        );
        self.base = base;
    }

    /// [`handlers::decide`] on `tag`, or what it decided before on the same
    /// tag in the same scope.
    fn decide(&self, data: &[u8], tag: &StartTag<'_>) -> Decision {
        let memo = &self.ctx.inner.tag_memo;
        let key = memo.key(data, tag, self.memo_scope);
        if let Some(decision) = key.as_ref().and_then(|key| memo.get(key)) {
            return decision;
        }
        let mut decision = Decision::default();
        handlers::decide(&self.ctx, self.base.as_ref(), data, tag, &mut decision);
        if let Some(key) = key {
            memo.remember(key, &decision);
        }
        decision
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.editor.reserve(n);
    }

    pub(crate) fn take_output(&mut self) -> Output {
        self.editor.take()
    }

    /// Until [`Document::unshare`], the data fed is `data` (see [`Editor::share`]).
    pub(crate) fn share(&mut self, data: Bytes) {
        self.editor.share(data);
    }

    pub(crate) fn unshare(&mut self) {
        self.editor.unshare();
    }

    pub(crate) fn take_report(&mut self) -> Report {
        std::mem::take(&mut self.report)
    }

    fn record(&mut self, rule: RuleId, element: ElementKind, action: Action, inline: bool) {
        self.report.enforcements.push(Enforcement {
            rule,
            element,
            action,
            inline,
        });
    }

    /// After a write: applies the limits on held text, decides everything
    /// the scanner no longer needs and returns where the bytes still
    /// needed start.
    pub(crate) fn settle(&mut self, data: &[u8], scanner: &Scanner) -> Result<usize, RewriteError> {
        let limits = self.ctx.inner.limits;
        // Bytes from here may start the tag that ends held text.
        let scanning = scanner.keep_from();
        if let Some(held) = self.held {
            let len = data.len() - held.start;
            match held.kind {
                HeldKind::Script { svg } if len >= limits.inline_script => {
                    // Judged on its start; the rest of an HTML script, if
                    // that is kept, is searched as it passes.
                    self.held = None;
                    let end = scanning.max(held.start);
                    self.judge_script(data, held, end, false);
                    if self.mode == Mode::Pass && !svg {
                        self.watched = Some(Watched {
                            from: end.saturating_sub(WATCH_OVERLAP).max(held.start),
                        });
                    }
                }
                HeldKind::Style { svg } if len >= limits.inline_script => {
                    // Judged piece by piece, cut after a rule (`}`) so
                    // that no `url()` is split.
                    let text = &data[held.start..scanning.max(held.start)];
                    let cut = memchr::memrchr(b'}', text).map_or(text.len(), |i| i + 1);
                    self.judge_style(data, held.start, held.start + cut, svg);
                    self.held = Some(Held {
                        start: held.start + cut,
                        ..held
                    });
                }
                HeldKind::Noscript if len > limits.noscript => {
                    // Too large to judge: fail closed and drop its content,
                    // unless nothing in it could be denied.
                    self.held = None;
                    let all_granted = self
                        .ctx
                        .granted
                        .is_superset(self.ctx.inner.rules.categories());
                    if !self.ctx.report_only && !all_granted {
                        self.editor.keep(data, held.start);
                        self.mode = Mode::DropText {
                            name: TagName::Noscript,
                            depth: 0,
                        };
                    }
                }
                HeldKind::UrlData if len >= limits.inline_script => {
                    // Too large to judge: fail closed, the text goes.
                    self.held = None;
                    if !self.ctx.report_only {
                        self.editor.keep(data, held.start);
                        self.mode = Mode::DropText {
                            name: TagName::Script,
                            depth: 0,
                        };
                    }
                }
                _ => {}
            }
        }
        if data.len() - scanning > limits.parser_memory {
            return Err(RewriteError::MemoryLimit {
                limit: limits.parser_memory,
            });
        }
        if self.watched.is_some_and(|w| w.from < scanning) {
            self.watch(data, scanning);
        }
        let mut keep = self.held.map_or(scanning, |h| h.start.min(scanning));
        if let Some(watched) = self.watched {
            keep = keep.min(watched.from);
        }
        match self.mode {
            Mode::Pass => self.editor.keep(data, keep),
            Mode::DropElement { .. } | Mode::DropText { .. } => self.editor.remove(keep),
        }
        Ok(keep)
    }

    /// The caller dropped `by` decided bytes from the front of its data.
    pub(crate) fn rebase(&mut self, by: usize) {
        self.editor.rebase(by);
        if let Some(watched) = self.watched.as_mut() {
            watched.from -= by;
        }
        if let Some(held) = self.held.as_mut() {
            held.start -= by;
        }
    }

    /// Searches the watched script's text not yet sent, up to `end`; a
    /// loader of a denied rule in it cuts the script off there.
    fn watch(&mut self, data: &[u8], end: usize) {
        let Some(watched) = self.watched.as_mut() else {
            return;
        };
        let start = watched.from;
        watched.from = end.saturating_sub(WATCH_OVERLAP).max(start);
        let text = urls::lossy(&data[start..end]);
        let ctx = self.ctx.clone();
        let Some((verdict, _)) = ctx.denied_inline(&text) else {
            return;
        };
        self.watched = None;
        self.record(verdict.rule, ElementKind::Script, Action::Remove, true);
        if !ctx.report_only {
            self.editor.keep(data, start);
            self.mode = Mode::DropText {
                name: TagName::Script,
                depth: 0,
            };
        }
    }

    /// The document ended with `data`: judge what is held, decide the rest.
    /// `inside_tag`: the document ended inside a tag, which the browser
    /// drops and markup appended after it would complete; the banner (when
    /// `<body>` never came) is then left out.
    pub(crate) fn finish(&mut self, data: &[u8], inside_tag: bool) {
        if self.watched.is_some() {
            self.watch(data, data.len());
        }
        if let Some(held) = self.held.take() {
            match held.kind {
                HeldKind::Script { .. } => self.judge_script(data, held, data.len(), true),
                HeldKind::Style { svg } => self.judge_style(data, held.start, data.len(), svg),
                // The end of the input ends the block, as in a browser.
                HeldKind::Noscript => self.judge_noscript(data, held.start, data.len()),
                HeldKind::UrlData => self.judge_url_data(data, held.start, data.len()),
            }
        }
        match self.mode {
            Mode::Pass => self.editor.keep(data, data.len()),
            _ => self.editor.remove(data.len()),
        }
        if let (Some(html), false, Nesting::Top, false) = (
            &self.ctx.insert_after_body_open,
            self.inserted,
            self.nesting,
            inside_tag,
        ) {
            let html = self.own_markup(html);
            self.editor.insert(html.as_bytes());
            self.inserted = true;
        }
    }

    /// Consentry's own markup as this document must carry it: its
    /// root-relative URLs written against the page's origin when a
    /// `<base href>` points elsewhere.
    pub(crate) fn own_markup<'a>(&self, html: &'a str) -> Cow<'a, str> {
        match (&self.base, &self.ctx.document_origin) {
            (Some(base), Some(origin)) if base.origin().ascii_serialization() != *origin => {
                Cow::Owned(urls::root_at(html, origin))
            }
            _ => Cow::Borrowed(html),
        }
    }

    /// Judges the inline script text `held` from its start to `end`;
    /// `complete` when that is all of it.
    fn judge_script(&mut self, data: &[u8], held: Held, end: usize, complete: bool) {
        let (start, svg) = (held.start, held.kind == HeldKind::Script { svg: true });
        let ctx = self.ctx.clone();
        let raw = &data[start..end];
        let text = if svg {
            urls::text_content(raw)
        } else {
            urls::lossy(raw)
        };
        let (denied, binds) = ctx.denied_inline_in_page(&text, &self.host_bindings);
        if let Some(binds) = binds {
            for bind in binds.iter() {
                if self.host_bindings.len() < MAX_HOST_BINDINGS
                    && !self.host_bindings.contains(bind)
                {
                    self.host_bindings.push(bind.clone());
                }
            }
        }
        let Some((verdict, rule)) = denied else {
            if !self.consent_defaults_placed && ctx.consent_mode_inline(&text) {
                // The defaults open the first Google tag's own script: its
                // nonce already covers them.
                self.consent_defaults_placed = true;
                if let Some(js) = self.consent_defaults() {
                    self.editor.keep(data, start);
                    self.editor.insert(js.as_bytes());
                }
            }
            return;
        };
        let id = verdict.rule;
        let action = handlers::inline_action(rule.action);
        self.record(id, ElementKind::Script, action, true);
        if ctx.report_only {
            return;
        }
        // Only the loader statements go, when the text is all there and its
        // offsets are the input's (valid UTF-8, no character references).
        let same_offsets = !svg && matches!(text, Cow::Borrowed(_));
        if let (InlineRemoval::Statements(ranges), Action::Remove, true, true) =
            (&verdict.removal, action, complete, same_offsets)
        {
            for range in ranges {
                self.editor.keep(data, start + range.start);
                self.editor.remove(start + range.end);
            }
            return;
        }
        self.editor.keep(data, start);
        if action == Action::Neutralize {
            // The text, and all that follows, now belongs to an inert script.
            self.editor
                .insert(handlers::inert_script_start(&ctx, rule).as_bytes());
        } else {
            self.editor.remove(end);
            if !complete {
                self.mode = Mode::DropText {
                    name: TagName::Script,
                    depth: if svg { held.depth } else { 0 },
                };
            }
        }
    }

    /// The Google Consent Mode defaults (JavaScript) this document gets
    /// before its first kept Google tag: none in report-only mode, inside
    /// `<noscript>` or when every mapped category is granted.
    fn consent_defaults(&self) -> Option<String> {
        if self.ctx.report_only || self.nesting == Nesting::Noscript {
            return None;
        }
        consent_mode::defaults_js(self.ctx.granted)
    }

    /// Judges `<style>` text `data[start..end]`: denied `url()`s become
    /// `none`. SVG style text is parsed as markup (references decoded,
    /// elements in it): when that changes its offsets, a denied `url()`
    /// takes the whole text with it.
    fn judge_style(&mut self, data: &[u8], start: usize, end: usize, svg: bool) {
        let raw = &data[start..end];
        if !handlers::contains_url_call(raw) {
            return;
        }
        let markup = svg && memchr::memchr2(b'&', b'<', raw).is_some();
        let css = if markup {
            urls::text_content(raw)
        } else {
            ascii_view(raw)
        };
        let judged = handlers::css_text(&self.ctx, self.base.as_ref(), &css, true);
        self.report.enforcements.extend(judged.enforcements);
        self.report.references.extend(judged.references);
        if self.ctx.report_only || judged.denied.is_empty() {
            return;
        }
        if markup {
            self.editor.keep(data, start);
            self.editor.remove(end);
            return;
        }
        for span in judged.denied {
            self.editor
                .replace(data, start + span.start..start + span.end, b"none");
        }
    }

    /// Judges the URLs of JSON script data; its text goes if one is denied
    /// (the import map or the speculation rules then load nothing).
    fn judge_url_data(&mut self, data: &[u8], start: usize, end: usize) {
        let json = urls::lossy(&data[start..end]);
        let judged = handlers::json_urls(&self.ctx, self.base.as_ref(), &json);
        let denied = !judged.enforcements.is_empty();
        self.report.enforcements.extend(judged.enforcements);
        self.report.references.extend(judged.references);
        let reach_out = !denied
            && (json.contains("where") || json.contains("document"))
            && handlers::document_rules_reach_out(&json);
        // Rules that prefetch links fetch those read before them too: a
        // link there at a denied tracker takes the rules with it.
        let earlier_denied = reach_out && self.earlier_link_denied();
        if (denied || earlier_denied) && !self.ctx.report_only {
            self.editor.keep(data, start);
            self.editor.remove(end);
        } else if reach_out {
            self.prefetches_links = true;
            self.earlier_links = Vec::new();
            self.earlier_link_ends = Vec::new();
        }
    }

    /// Whether a link read so far (see [`Document::earlier_links`]) is at a
    /// denied tracker, recorded if so; too many links to tell count as one.
    fn earlier_link_denied(&mut self) -> bool {
        if self.earlier_links_overflow {
            return true;
        }
        let mut start = 0;
        let found = self.earlier_link_ends.iter().find_map(|&end| {
            let href = &self.earlier_links[start..end as usize];
            start = end as usize;
            handlers::denied_prefetch(&self.ctx, self.base.as_ref(), &urls::attribute_value(href))
        });
        match found {
            Some(enforcement) => {
                self.report.enforcements.push(enforcement);
                true
            }
            None => false,
        }
    }

    /// Remembers the `href` of link `tag` for speculation rules read later,
    /// when it may name another origin (written with a scheme, a
    /// backslash, a scheme-relative `//`, a character reference or a tab or
    /// line break the URL parser drops, or read against a `<base>`).
    fn remember_link(&mut self, data: &[u8], tag: &StartTag<'_>) {
        let Some(href) = tag
            .attributes
            .iter()
            .find(|a| data[a.name.clone()].eq_ignore_ascii_case(b"href"))
            .and_then(|a| a.value.clone())
            .map(|v| &data[v])
        else {
            return;
        };
        let trimmed = href.trim_ascii_start();
        let elsewhere = self.base.is_some()
            || trimmed.starts_with(b"//")
            || memchr::memchr3(b':', b'\\', b'&', href).is_some()
            || memchr::memchr3(b'\t', b'\n', b'\r', href).is_some();
        if !elsewhere {
            return;
        }
        if self.earlier_links.len() + href.len() <= MAX_EARLIER_LINK_BYTES {
            self.earlier_links.extend_from_slice(href);
            self.earlier_link_ends.push(self.earlier_links.len() as u32);
        } else {
            self.earlier_links_overflow = true;
        }
    }

    /// Runs the rules over a `<noscript>` block's markup; a changed block
    /// replaces the original.
    fn judge_noscript(&mut self, data: &[u8], start: usize, end: usize) {
        let markup = &data[start..end];
        if memchr::memchr(b'<', markup).is_none() {
            return;
        }
        let (filtered, report) =
            filter_nested(&self.ctx, markup, Nesting::Noscript, self.base.as_ref());
        let changed = !report.enforcements.is_empty();
        self.report.enforcements.extend(report.enforcements);
        self.report.references.extend(report.references);
        if changed && !self.ctx.report_only {
            self.editor.replace(data, start..end, &filtered);
        }
    }

    /// Applies the decision on a start tag.
    fn apply(&mut self, data: &[u8], tag: &StartTag<'_>, decision: &mut Decision) {
        if tag.name == TagName::Template && tag.namespace == Namespace::Html {
            self.templates += 1;
        }
        if self.templates == 0 {
            if let Some(base) = decision.base.take() {
                // A `base` in SVG or MathML is none to the tree builder, but
                // Chromium's preload scanner takes the first `base` of any
                // kind and fetches against it: it counts until an HTML one.
                let html = tag.namespace == Namespace::Html;
                if !self.base_seen && (html || self.base.is_none()) {
                    if html && self.scripts_may_run {
                        self.tracker_base(&base, decision);
                    }
                    self.set_base(Some(base));
                }
            }
            if tag.name == TagName::Base && tag.namespace == Namespace::Html {
                self.base_seen |= tag.has(data, "href");
            }
        }
        if let Some(i) = decision.srcdoc {
            self.srcdoc(data, tag, i, decision);
        }
        if let Some((name, i)) = decision.data_document {
            self.data_document(data, tag, name, i, decision);
        }
        self.report.enforcements.append(&mut decision.enforcements);
        self.report.references.append(&mut decision.references);
        self.report.unclassified.append(&mut decision.unclassified);
        if decision.consent_defaults && !self.consent_defaults_placed {
            self.consent_defaults_placed = true;
            if self.consent_defaults().is_some() {
                let nonce = tag.attr(data, "nonce").map(urls::attribute_value);
                let script = consent_mode::defaults_script(self.ctx.granted, nonce.as_deref());
                if let Some(script) = script {
                    self.editor.keep(data, tag.span.start);
                    self.editor.insert(script.as_bytes());
                }
            }
        }
        self.held = match decision.follow {
            Follow::Pass => None,
            Follow::Script { svg } => Some(HeldKind::Script { svg }),
            Follow::Style { svg } => Some(HeldKind::Style { svg }),
            Follow::Noscript => (self.nesting != Nesting::Noscript).then_some(HeldKind::Noscript),
            Follow::UrlData => Some(HeldKind::UrlData),
        }
        .map(|kind| Held {
            kind,
            start: tag.span.end,
            depth: tag.depth,
        });
        if self.ctx.report_only {
            return;
        }
        // Foreign elements lose their start tag only: their content is not
        // rendered or run, and an unclosed one ends with any ancestor.
        let has_content = tag.namespace == Namespace::Html
            && matches!(
                tag.name,
                TagName::Script | TagName::Iframe | TagName::Object
            );
        match &decision.edit {
            Edit::Remove | Edit::Replace(_) => {
                let html = match &decision.edit {
                    Edit::Replace(html) => self.own_markup(html).into_owned().into_bytes(),
                    _ => Vec::new(),
                };
                self.editor.replace(data, tag.span.clone(), &html);
                self.held = None;
                if has_content {
                    self.mode = Mode::DropElement {
                        name: tag.name,
                        depth: 0,
                    };
                }
            }
            Edit::Keep if !decision.remove.is_empty() || !decision.set.is_empty() => {
                let new = handlers::rebuild_tag(data, tag, &decision.remove, &decision.set);
                self.editor.replace(data, tag.span.clone(), &new);
            }
            Edit::Keep => {}
        }
    }

    /// The document's `<base href>` at a tracker host goes: the URLs its
    /// scripts build (`s.src = 'gtm.js'`) would load from the tracker. The
    /// URLs of its markup are still read against it, so that those go too.
    fn tracker_base(&mut self, base: &Url, decision: &mut Decision) {
        let Some((id, _)) = self.ctx.denied_base(base) else {
            return;
        };
        decision.enforcements.push(Enforcement {
            rule: id,
            element: ElementKind::Link,
            action: Action::Remove,
            inline: false,
        });
        decision.edit = Edit::Remove;
    }

    /// An element inside a held foreign script or style (an SVG `<image>`,
    /// HTML in a `<foreignObject>`...), which a browser creates and loads as
    /// any other. One that changes nothing leaves the text held whole; one
    /// to change, or with text of its own to judge, fails closed unless
    /// nothing can be denied: the text goes up to where its element closes,
    /// this element with it.
    fn inside_foreign_text(&mut self, data: &[u8], script: Held, decision: &mut Decision) {
        let unchanged = matches!(decision.edit, Edit::Keep)
            && decision.remove.is_empty()
            && decision.set.is_empty()
            && decision.srcdoc.is_none()
            && decision.data_document.is_none()
            && !decision.consent_defaults
            // A script or style in the text: its text is the outer one's.
            && matches!(
                decision.follow,
                Follow::Pass | Follow::Script { svg: true } | Follow::Style { svg: true }
            );
        self.report.enforcements.append(&mut decision.enforcements);
        self.report.references.append(&mut decision.references);
        self.report.unclassified.append(&mut decision.unclassified);
        let all_granted = self
            .ctx
            .granted
            .is_superset(self.ctx.inner.rules.categories());
        if unchanged || all_granted || self.ctx.report_only {
            return;
        }
        self.held = None;
        self.editor.keep(data, script.start);
        self.mode = Mode::DropText {
            name: script.kind.end(),
            depth: script.depth,
        };
    }

    /// An `iframe srcdoc`: its document rewritten; changed, it replaces the value.
    fn srcdoc(&mut self, data: &[u8], tag: &StartTag<'_>, i: usize, decision: &mut Decision) {
        let Some(value) = tag.attributes[i].value.clone() else {
            return;
        };
        let html = urls::attribute_value(&data[value]);
        if !html.contains('<') {
            return;
        }
        let (filtered, report) = filter_nested(
            &self.ctx,
            html.as_bytes(),
            Nesting::Srcdoc,
            self.base.as_ref(),
        );
        let changed = !report.enforcements.is_empty();
        decision.enforcements.extend(report.enforcements);
        decision.references.extend(report.references);
        if changed {
            let filtered = String::from_utf8_lossy(&filtered);
            decision
                .set
                .push(("srcdoc", handlers::escape_decoded(&filtered)));
        }
    }
}

impl Document {
    /// Rewrites a `data:` URL document (a frame's `src`, an object's
    /// `data`) as the document it is; it has no base URL of its own.
    fn data_document(
        &mut self,
        data: &[u8],
        tag: &StartTag<'_>,
        name: &'static str,
        i: usize,
        decision: &mut Decision,
    ) {
        let Some(value) = tag.attributes[i].value.clone() else {
            return;
        };
        let Some(document) = urls::data_document(&urls::attribute_value(&data[value])) else {
            return;
        };
        if memchr::memchr(b'<', &document.body).is_none() {
            return;
        }
        let (filtered, report) = filter_nested(&self.ctx, &document.body, Nesting::Srcdoc, None);
        let changed = !report.enforcements.is_empty();
        decision.enforcements.extend(report.enforcements);
        decision.references.extend(report.references);
        if changed {
            decision
                .set
                .push((name, handlers::escape_decoded(&document.encode(&filtered))));
        }
    }
}

/// Bytes as text with the same offsets: non-UTF-8 bytes read as `?`.
fn ascii_view(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(_) => bytes
            .iter()
            .map(|&b| if b.is_ascii() { b as char } else { '?' })
            .collect::<String>()
            .into(),
    }
}

impl Handler for Document {
    fn wants(&self, name: TagName) -> Option<Attributes> {
        // Any element can carry an event handler or a `style`; elements
        // without a handler of their own need only the attributes
        // `handlers::common_attributes` reads: `on…`, `style`, `background`,
        // `poster`, `ping`, a link's `href`, a form's `action` and
        // `formaction`, and (not on links) `data-bg`/`data-bgset` (`srcset` and
        // `data-srcset` are read on `img` and `source` only, which get all).
        // SVG elements fetch by other attributes too: they get all.
        Some(match name {
            TagName::A | TagName::Area => Attributes::HtmlInitials(b"bhops"),
            name if handlers::common_attributes_only(name) => Attributes::HtmlInitials(b"abdfops"),
            _ => Attributes::All,
        })
    }

    fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
        if let Mode::DropElement { name, depth } = &mut self.mode {
            if *name == tag.name && tag.namespace == Namespace::Html {
                *depth += 1;
            }
            return;
        }
        if self.mode != Mode::Pass {
            return;
        }
        // Speculation rules may fetch the document's links, those read
        // before them too.
        let link =
            tag.namespace == Namespace::Html && matches!(tag.name, TagName::A | TagName::Area);
        if link && !self.prefetches_links && self.held.is_none() {
            self.remember_link(data, tag);
        }
        let prefetched = link && self.prefetches_links;
        if !prefetched && handlers::nothing_to_decide(data, tag) {
            return;
        }
        let mut decision = self.decide(data, tag);
        if prefetched && decision.edit == Edit::Keep {
            handlers::prefetched_link(&self.ctx, self.base.as_ref(), data, tag, &mut decision);
        }
        if let Some(held) = self.held {
            // (Only a foreign script's text holds tags.)
            if held.foreign_text() {
                self.inside_foreign_text(data, held, &mut decision);
            }
            return;
        }
        let removed = matches!(decision.edit, Edit::Remove | Edit::Replace(_));
        self.apply(data, tag, &mut decision);
        if tag.name == TagName::Body
            && tag.namespace == Namespace::Html
            && self.nesting == Nesting::Top
            && !removed
        {
            if let (Some(html), false) = (&self.ctx.insert_after_body_open, self.inserted) {
                let html = self.own_markup(html).into_owned();
                self.editor.keep(data, tag.span.end);
                self.editor.insert(html.as_bytes());
                self.inserted = true;
            }
        }
    }

    fn end_tag(&mut self, data: &[u8], tag: &EndTag) {
        match &mut self.mode {
            Mode::DropElement { name, depth } if *name == tag.name => {
                if *depth == 0 {
                    self.editor.remove(tag.span.end);
                    self.mode = Mode::Pass;
                } else {
                    *depth -= 1;
                }
                return;
            }
            Mode::DropText { name, depth: 0 } if *name == tag.name => {
                self.editor.remove(tag.span.start);
                self.mode = Mode::Pass;
                return;
            }
            Mode::Pass => {}
            _ => return,
        }
        if tag.name == TagName::Template {
            self.templates = self.templates.saturating_sub(1);
        }
        if self.watched.is_some() && tag.name == TagName::Script {
            self.watch(data, tag.span.start);
            self.watched = None;
            if let Mode::DropText { .. } = self.mode {
                self.editor.remove(tag.span.start);
                self.mode = Mode::Pass;
            }
            return;
        }
        // Foreign text ends with its element (`foreign_closed`).
        let ends = |h: &Held| h.kind.end() == tag.name && !h.foreign_text();
        let Some(held) = self.held.filter(ends) else {
            return;
        };
        self.held = None;
        let end = tag.span.start;
        match held.kind {
            HeldKind::Script { .. } => self.judge_script(data, held, end, true),
            HeldKind::Style { svg } => self.judge_style(data, held.start, end, svg),
            HeldKind::Noscript => self.judge_noscript(data, held.start, end),
            HeldKind::UrlData => self.judge_url_data(data, held.start, end),
        }
    }

    fn foreign_closed(&mut self, data: &[u8], at: usize, open: usize) {
        // Foreign text ends with its element: its own end tag, an
        // ancestor's, a breakout tag or an end tag closing an HTML element
        // around it.
        if let Mode::DropText { depth, .. } = self.mode {
            if depth > open {
                self.editor.remove(at);
                self.mode = Mode::Pass;
            }
        }
        if let Some(held) = self.held.filter(|h| h.foreign_text() && h.depth > open) {
            self.held = None;
            match held.kind {
                HeldKind::Style { .. } => self.judge_style(data, held.start, at, true),
                _ => self.judge_script(data, held, at, true),
            }
        }
    }
}

/// Filters markup nested in the document (a `<noscript>` block, an
/// `iframe srcdoc`) as a document of its own: the output and what was done.
fn filter_nested(
    ctx: &Arc<Context>,
    markup: &[u8],
    nesting: Nesting,
    base: Option<&Url>,
) -> (Vec<u8>, Report) {
    let mut doc = Document::new(ctx.clone(), nesting);
    doc.set_base(base.cloned());
    doc.scripts_may_run = nesting == Nesting::Srcdoc
        && memchr::memmem::find_iter(markup, b"<").any(|at| {
            markup[at + 1..]
                .get(..6)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
        });
    // A `noscript` block shows only where scripting is off, and then its
    // markup is read so: a `noscript` in it is markup too.
    let mut scanner = if nesting == Nesting::Noscript {
        Scanner::without_scripting()
    } else {
        Scanner::new()
    };
    scanner.feed(markup, true, &mut doc);
    doc.finish(markup, scanner.inside_tag());
    (doc.take_output().to_vec(), doc.take_report())
}

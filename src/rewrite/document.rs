//! One document being rewritten: the scanner's events in, the decisions of
//! [`super::handlers`] applied as span edits.

use std::sync::Arc;

use super::handlers::{self, Context, Loaded, Script};
use super::{Enforcement, Reference, Report, RewriteError};
use crate::html::edit::Editor;
use crate::html::scanner::{EndTag, Handler, Namespace, Scanner, StartTag, TagName};
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
    DropText { name: TagName },
}

/// Text held back until it can be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeldKind {
    Script,
    Noscript,
}

#[derive(Debug, Clone, Copy)]
struct Held {
    kind: HeldKind,
    /// Where the text starts.
    start: usize,
}

/// The per-document state: decisions applied to the stream.
#[derive(Debug)]
pub(crate) struct Document {
    ctx: Arc<Context>,
    editor: Editor,
    report: Report,
    mode: Mode,
    held: Option<Held>,
    /// Markup inside a `<noscript>` block: no nested blocks, no insertion.
    fragment: bool,
    inserted: bool,
}

impl Document {
    pub(crate) fn new(ctx: Arc<Context>, fragment: bool) -> Self {
        Document {
            ctx,
            editor: Editor::default(),
            report: Report::default(),
            mode: Mode::Pass,
            held: None,
            fragment,
            inserted: false,
        }
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.editor.reserve(n);
    }

    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        self.editor.take()
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

    fn reference(&mut self, loaded: &Loaded<'_>) {
        if self.ctx.collect_references {
            self.report.references.push(Reference {
                element: loaded.element,
                url: loaded.url.to_string(),
                rule: loaded.rule,
            });
        }
    }

    /// After a write: applies the limits on held text, decides everything
    /// the scanner no longer needs and returns where the bytes still
    /// needed start.
    pub(crate) fn settle(&mut self, data: &[u8], scanner: &Scanner) -> Result<usize, RewriteError> {
        let limits = self.ctx.inner.limits;
        if let Some(held) = self.held {
            let len = data.len() - held.start;
            match held.kind {
                HeldKind::Script if len >= limits.inline_script => {
                    // Judged on its start; the rest follows the verdict.
                    self.held = None;
                    self.judge_script(data, held.start, data.len(), false);
                }
                HeldKind::Noscript if len > limits.noscript => {
                    // Too large to judge: fail closed and drop its content.
                    self.held = None;
                    if !self.ctx.report_only {
                        self.editor.keep(data, held.start);
                        self.mode = Mode::DropText {
                            name: TagName::Noscript,
                        };
                    }
                }
                _ => {}
            }
        }
        let scanning = scanner.keep_from();
        if data.len() - scanning > limits.parser_memory {
            return Err(RewriteError::MemoryLimit {
                limit: limits.parser_memory,
            });
        }
        let keep = self.held.map_or(scanning, |h| h.start.min(scanning));
        match self.mode {
            Mode::Pass => self.editor.keep(data, keep),
            Mode::DropElement { .. } | Mode::DropText { .. } => self.editor.remove(keep),
        }
        Ok(keep)
    }

    /// The caller dropped `by` decided bytes from the front of its data.
    pub(crate) fn rebase(&mut self, by: usize) {
        self.editor.rebase(by);
        if let Some(held) = self.held.as_mut() {
            held.start -= by;
        }
    }

    /// The document ended with `data`: judge what is held, decide the rest.
    pub(crate) fn finish(&mut self, data: &[u8]) {
        if let Some(held) = self.held.take() {
            match held.kind {
                HeldKind::Script => self.judge_script(data, held.start, data.len(), true),
                // An unterminated block cannot be judged: fail closed.
                HeldKind::Noscript if !self.ctx.report_only => {
                    self.editor.keep(data, held.start);
                    self.editor.remove(data.len());
                }
                HeldKind::Noscript => {}
            }
        }
        match self.mode {
            Mode::Pass => self.editor.keep(data, data.len()),
            _ => self.editor.remove(data.len()),
        }
        if let (Some(html), false, false) = (
            &self.ctx.insert_after_body_open,
            self.inserted,
            self.fragment,
        ) {
            self.editor.insert(html.as_bytes());
            self.inserted = true;
        }
    }

    /// Judges inline script text `data[start..end]`; `complete` when that is
    /// all of it.
    fn judge_script(&mut self, data: &[u8], start: usize, end: usize, complete: bool) {
        let ctx = self.ctx.clone();
        let text = handlers::text(&data[start..end]);
        let Some((id, rule)) = ctx.denied(ctx.inner.rules.match_inline(&text, ctx.granted)) else {
            return;
        };
        let action = handlers::inline_action(rule.action);
        self.record(id, ElementKind::Script, action, true);
        if ctx.report_only {
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
                };
            }
        }
    }

    /// Runs the rules over a `<noscript>` block's markup; a changed block
    /// replaces the original.
    fn judge_noscript(&mut self, data: &[u8], start: usize, end: usize) {
        let markup = &data[start..end];
        if memchr::memchr(b'<', markup).is_none() {
            return;
        }
        let (filtered, report) = filter_fragment(&self.ctx, markup);
        let changed = !report.enforcements.is_empty();
        self.report.enforcements.extend(report.enforcements);
        self.report.references.extend(report.references);
        if changed && !self.ctx.report_only {
            self.editor.replace(data, start..end, &filtered);
        }
    }

    fn on_script(&mut self, data: &[u8], tag: &StartTag<'_>) {
        let ctx = self.ctx.clone();
        let loaded = match handlers::script(&ctx, data, tag) {
            Script::Inert => return,
            Script::Inline => {
                let empty = tag.self_closing && tag.namespace != Namespace::Html;
                if !empty {
                    self.held = Some(Held {
                        kind: HeldKind::Script,
                        start: tag.span.end,
                    });
                }
                return;
            }
            Script::External(loaded) => loaded,
        };
        self.reference(&loaded);
        let Some((id, rule)) = ctx.denied(loaded.rule) else {
            return;
        };
        let action = handlers::element_action(&loaded, rule);
        self.record(id, ElementKind::Script, action, false);
        if ctx.report_only {
            return;
        }
        if action == Action::Neutralize {
            let script_type = tag.attr(data, "type").map(handlers::text);
            let category = ctx.category_name(rule);
            let mut set = vec![("data-src", &*loaded.url)];
            if let Some(t) = script_type.as_deref() {
                set.push(("data-type", t));
            }
            set.push(("type", "text/plain"));
            set.push(("data-consent-category", category));
            let new = handlers::rebuild_tag(data, tag, &["src"], &set);
            self.editor.replace(data, tag.span.clone(), &new);
        } else {
            self.editor.replace(data, tag.span.clone(), b"");
            if !(tag.self_closing && tag.namespace != Namespace::Html) {
                self.mode = Mode::DropElement {
                    name: TagName::Script,
                    depth: 0,
                };
            }
        }
    }

    fn on_element(&mut self, kind: ElementKind, data: &[u8], tag: &StartTag<'_>) {
        let ctx = self.ctx.clone();
        let Some(loaded) = handlers::element(&ctx, kind, data, tag) else {
            return;
        };
        self.reference(&loaded);
        let Some((id, rule)) = ctx.denied(loaded.rule) else {
            return;
        };
        let action = handlers::element_action(&loaded, rule);
        self.record(id, kind, action, false);
        if ctx.report_only {
            return;
        }
        let replacement = match action {
            Action::Remove => Vec::new(),
            Action::Neutralize => {
                let new = handlers::rebuild_tag(
                    data,
                    tag,
                    &["src"],
                    &[
                        ("data-src", &loaded.url),
                        ("data-consent-category", ctx.category_name(rule)),
                    ],
                );
                self.editor.replace(data, tag.span.clone(), &new);
                return;
            }
            Action::Placeholder => {
                handlers::placeholder_html(&ctx, rule, &loaded.url, data, tag).into_bytes()
            }
        };
        self.editor.replace(data, tag.span.clone(), &replacement);
        if matches!(tag.name, TagName::Iframe | TagName::Object) {
            self.mode = Mode::DropElement {
                name: tag.name,
                depth: 0,
            };
        }
    }
}

impl Handler for Document {
    fn wants(&self, name: TagName) -> bool {
        match name {
            TagName::Script
            | TagName::Iframe
            | TagName::Frame
            | TagName::Img
            | TagName::Image
            | TagName::Embed
            | TagName::Object
            | TagName::Link => true,
            TagName::Noscript => !self.fragment,
            TagName::Body => {
                self.ctx.insert_after_body_open.is_some() && !self.inserted && !self.fragment
            }
            _ => false,
        }
    }

    fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
        if let Mode::DropElement { name, depth } = &mut self.mode {
            if *name == tag.name && tag.namespace == Namespace::Html {
                *depth += 1;
            }
            return;
        }
        if self.mode != Mode::Pass || self.held.is_some() {
            return;
        }
        if tag.name == TagName::Script {
            return self.on_script(data, tag);
        }
        if tag.namespace != Namespace::Html {
            return;
        }
        match tag.name {
            TagName::Noscript if !self.fragment => {
                self.held = Some(Held {
                    kind: HeldKind::Noscript,
                    start: tag.span.end,
                });
            }
            TagName::Body => {
                if let (Some(html), false) = (&self.ctx.insert_after_body_open, self.inserted) {
                    self.editor.keep(data, tag.span.end);
                    self.editor.insert(html.as_bytes());
                    self.inserted = true;
                }
            }
            name => {
                if let Some(kind) = handlers::element_kind(name) {
                    self.on_element(kind, data, tag);
                }
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
            Mode::DropText { name } if *name == tag.name => {
                self.editor.remove(tag.span.start);
                self.mode = Mode::Pass;
                return;
            }
            Mode::Pass => {}
            _ => return,
        }
        match self.held {
            Some(
                held @ Held {
                    kind: HeldKind::Script,
                    ..
                },
            ) if tag.name == TagName::Script => {
                self.held = None;
                self.judge_script(data, held.start, tag.span.start, true);
            }
            Some(
                held @ Held {
                    kind: HeldKind::Noscript,
                    ..
                },
            ) if tag.name == TagName::Noscript => {
                self.held = None;
                self.judge_noscript(data, held.start, tag.span.start);
            }
            _ => {}
        }
    }
}

/// Filters markup inside a `<noscript>` block as a document of its own:
/// the output and what was done.
fn filter_fragment(ctx: &Arc<Context>, markup: &[u8]) -> (Vec<u8>, Report) {
    let mut doc = Document::new(ctx.clone(), true);
    let mut scanner = Scanner::new();
    scanner.feed(markup, true, &mut doc);
    doc.finish(markup);
    (doc.take_output(), doc.take_report())
}

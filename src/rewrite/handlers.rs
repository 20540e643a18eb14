//! Element and text handlers: read attributes, ask the tag rules, apply the action.

use std::sync::Arc;

use lol_html::html_content::{ContentType, Element, TextChunk};
use lol_html::HandlerTypes;

use super::{placeholder, Enforcement, Inner, Report};
use crate::policy::category::CategorySet;
use crate::policy::tags::{Action, ElementKind, RuleId, TagRule};

/// Filters a markup fragment: the result and what was done, `None` if unparseable.
pub(crate) type FragmentFilter<'a> = dyn Fn(&str) -> Option<(String, Vec<Enforcement>)> + 'a;

/// Per-document, read-only context.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) inner: Arc<Inner>,
    pub(crate) granted: CategorySet,
    pub(crate) first_party: Option<String>,
    pub(crate) report_only: bool,
    pub(crate) insert_after_body_open: Option<Arc<str>>,
    pub(crate) placeholder_form: Option<Arc<placeholder::GrantForm>>,
}

impl Context {
    /// The rule `id` when its category is not granted.
    fn denied(&self, id: Option<RuleId>) -> Option<(RuleId, &TagRule)> {
        let id = id?;
        let rule = self.inner.rules.rule(id);
        (!self.granted.contains(rule.category)).then_some((id, rule))
    }

    fn category_name(&self, rule: &TagRule) -> &str {
        self.inner.categories.name(rule.category)
    }

    fn first_party(&self) -> Option<&str> {
        self.first_party.as_deref()
    }
}

/// Per-document mutable state, output included.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) report: Report,
    /// What the rewriter emitted and the filter has not handed out yet.
    pub(crate) out: Vec<u8>,
    /// Where held-back output starts in `out`, while a split inline script
    /// or `<noscript>` block is being judged.
    pub(crate) hold: Option<usize>,
    /// Whether `insert_after_body_open` was inserted.
    inserted: bool,
    script: ScriptText,
    noscript: NoscriptText,
}

/// The inline script being read.
#[derive(Debug, Default)]
struct ScriptText {
    /// Whether this script's text is to be judged (inline and executable).
    inspect: bool,
    /// Text held back until it can be judged.
    held: String,
    /// The verdict, once reached before the end of the text.
    verdict: Option<Verdict>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Pass the rest through.
    Keep,
    /// Drop the rest.
    Drop,
}

/// The `<noscript>` content being read.
#[derive(Debug, Default)]
struct NoscriptText {
    held: String,
    overflowed: bool,
}

impl State {
    fn record(&mut self, rule: RuleId, element: ElementKind, action: Action, inline: bool) {
        self.report.enforcements.push(Enforcement {
            rule,
            element,
            action,
            inline,
        });
    }
}

/// Whether a `<script type>` value makes the browser run the script.
///
/// Besides the JavaScript MIME types and `module`, this counts Partytown's
/// `text/partytown` and Cloudflare Rocket Loader's `…-text/javascript`,
/// which run the script later from another script.
pub fn is_executable_script_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return true };
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.is_empty() {
        return true;
    }
    let ends_with = |suffix: &str| {
        essence.len() >= suffix.len()
            && essence.as_bytes()[essence.len() - suffix.len()..]
                .eq_ignore_ascii_case(suffix.as_bytes())
    };
    EXECUTABLE_SCRIPT_TYPES
        .iter()
        .any(|t| essence.eq_ignore_ascii_case(t))
        || ends_with("-text/javascript")
}

/// Script types a browser runs (compared ASCII case-insensitively).
const EXECUTABLE_SCRIPT_TYPES: [&str; 18] = [
    "module",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "application/x-javascript",
    "application/x-ecmascript",
    "text/ecmascript",
    "text/x-javascript",
    "text/x-ecmascript",
    "text/jscript",
    "text/livescript",
    "text/javascript1.0",
    "text/javascript1.1",
    "text/javascript1.2",
    "text/javascript1.3",
    "text/javascript1.4",
    "text/javascript1.5",
    "text/partytown",
];

/// A `<script>` start tag: judge external scripts by URL, mark inline ones for text inspection.
pub(crate) fn on_script<H: HandlerTypes>(
    el: &mut Element<'_, '_, H>,
    ctx: &Context,
    st: &mut State,
) {
    st.script = ScriptText::default();
    let script_type = el.get_attribute("type");
    if !is_executable_script_type(script_type.as_deref()) {
        return;
    }
    let Some(src) = el.get_attribute("src") else {
        st.script.inspect = true;
        return;
    };
    let Some((id, rule)) = ctx.denied(ctx.inner.rules.match_url(
        &src,
        ElementKind::Script,
        ctx.first_party(),
    )) else {
        return;
    };
    let action = match rule.action {
        Action::Neutralize => Action::Neutralize,
        Action::Remove | Action::Placeholder => Action::Remove,
    };
    st.record(id, ElementKind::Script, action, false);
    if ctx.report_only {
        return;
    }
    match action {
        Action::Neutralize => {
            el.remove_attribute("src");
            set(el, "data-src", &src);
            if let Some(t) = &script_type {
                set(el, "data-type", t);
            }
            set(el, "type", "text/plain");
            set(el, "data-consent-category", ctx.category_name(rule));
        }
        _ => el.remove(),
    }
}

/// A piece of inline script text. Its output is held back, verbatim, until
/// the script's last chunk, then judged and released, dropped or made
/// inert. (lol_html hands over a script's text and then an empty last
/// chunk, so nearly every script is held; one delivered as a single last
/// chunk is judged in place.)
pub(crate) fn on_script_text(chunk: &mut TextChunk<'_>, ctx: &Context, st: &mut State) {
    if !st.script.inspect {
        return;
    }
    let last = chunk.last_in_text_node();
    match st.script.verdict {
        Some(Verdict::Drop) if !ctx.report_only => chunk.remove(),
        Some(_) => {}
        None if st.script.held.is_empty() && last => {
            if let Some((id, rule)) =
                ctx.denied(ctx.inner.rules.match_inline(chunk.as_str(), ctx.granted))
            {
                let action = inline_action(rule.action);
                st.record(id, ElementKind::Script, action, true);
                if !ctx.report_only {
                    match action {
                        Action::Neutralize => {
                            chunk.before(&inert_script_start(ctx, rule), ContentType::Html)
                        }
                        _ => chunk.remove(),
                    }
                }
            }
        }
        None => {
            if st.script.held.is_empty() && !ctx.report_only {
                st.hold = Some(st.out.len());
            }
            st.script.held.push_str(chunk.as_str());
            if last || st.script.held.len() >= ctx.inner.limits.inline_script {
                let verdict = judge_held_script(chunk, ctx, st);
                st.script.verdict = Some(verdict);
            }
        }
    }
    if last {
        st.script = ScriptText::default();
    }
}

/// Judges the held script text and applies the verdict to the held output
/// and to `chunk` (the piece being handled, not yet emitted).
fn judge_held_script(chunk: &mut TextChunk<'_>, ctx: &Context, st: &mut State) -> Verdict {
    let text = std::mem::take(&mut st.script.held);
    let mark = st.hold.take();
    let Some((id, rule)) = ctx.denied(ctx.inner.rules.match_inline(&text, ctx.granted)) else {
        return Verdict::Keep;
    };
    let action = inline_action(rule.action);
    st.record(id, ElementKind::Script, action, true);
    let mark = match mark {
        Some(mark) if !ctx.report_only => mark,
        _ => return Verdict::Keep,
    };
    if action == Action::Neutralize {
        // The text so far, and all that follows, now belongs to an inert script.
        let start = inert_script_start(ctx, rule);
        st.out.splice(mark..mark, start.into_bytes());
        Verdict::Keep
    } else {
        st.out.truncate(mark);
        chunk.remove();
        Verdict::Drop
    }
}

/// At the end of a document that stopped inside a held script or noscript
/// block: judge what was held (a script) or drop it (a noscript block).
pub(crate) fn finish_held(ctx: &Context, st: &mut State) {
    let Some(mark) = st.hold.take() else { return };
    let text = std::mem::take(&mut st.script.held);
    let denied = if st.script.inspect {
        ctx.denied(ctx.inner.rules.match_inline(&text, ctx.granted))
            .is_some()
    } else {
        true
    };
    if denied {
        st.out.truncate(mark);
    }
}

/// Inline scripts cannot become placeholders: that means removal.
fn inline_action(action: Action) -> Action {
    match action {
        Action::Neutralize => Action::Neutralize,
        Action::Remove | Action::Placeholder => Action::Remove,
    }
}

/// Closes the (emptied) original script and opens an inert one that holds
/// its text, so a browser-side consent tool can re-enable it.
fn inert_script_start(ctx: &Context, rule: &TagRule) -> String {
    format!(
        "</script><script type=\"text/plain\" data-consent-category=\"{}\" data-consentry-injected=\"neutralized\">",
        placeholder::escape_config_text(ctx.category_name(rule))
    )
}

/// A piece of `<noscript>` content (raw markup, since scripting is on):
/// its output is held back verbatim, then the rules run over it as a
/// fragment, and only a changed fragment replaces it.
pub(crate) fn on_noscript_text(
    chunk: &mut TextChunk<'_>,
    ctx: &Context,
    st: &mut State,
    filter: &FragmentFilter<'_>,
) {
    let last = chunk.last_in_text_node();
    if st.noscript.held.is_empty() && last && !st.noscript.overflowed {
        let text = chunk.as_str();
        if text.contains('<') {
            let outcome = filter(text);
            apply_noscript(chunk, ctx, st, outcome, None);
        }
        return;
    }
    if !st.noscript.overflowed {
        if st.noscript.held.is_empty() && !ctx.report_only {
            st.hold = Some(st.out.len());
        }
        st.noscript.held.push_str(chunk.as_str());
        if st.noscript.held.len() > ctx.inner.limits.noscript {
            // Too large to judge: fail closed and drop the block's content.
            st.noscript.overflowed = true;
            st.noscript.held = String::new();
            if let Some(mark) = st.hold.take() {
                st.out.truncate(mark);
            }
        }
    }
    if st.noscript.overflowed {
        if !ctx.report_only {
            chunk.remove();
        }
    } else if last {
        let held = std::mem::take(&mut st.noscript.held);
        let outcome = filter(&held);
        let mark = st.hold.take();
        apply_noscript(chunk, ctx, st, outcome, mark);
    }
    if last {
        st.noscript = NoscriptText::default();
    }
}

/// Applies the filtered `<noscript>` content: unchanged content stays as it
/// was (held output at `mark` is released), changed or unparseable content
/// replaces it.
fn apply_noscript(
    chunk: &mut TextChunk<'_>,
    ctx: &Context,
    st: &mut State,
    outcome: Option<(String, Vec<Enforcement>)>,
    mark: Option<usize>,
) {
    let changed = match outcome {
        Some((filtered, enforcements)) => {
            let changed = !enforcements.is_empty();
            st.report.enforcements.extend(enforcements);
            changed.then_some(Some(filtered))
        }
        // Unparseable content: fail closed.
        None => Some(None),
    };
    let (Some(replacement), false) = (changed, ctx.report_only) else {
        return;
    };
    if let Some(mark) = mark {
        st.out.truncate(mark);
    }
    match replacement {
        Some(filtered) => chunk.replace(&filtered, ContentType::Html),
        None => chunk.remove(),
    }
}

/// Every other element kind: judge its URL, apply the rule's action.
pub(crate) fn on_element<H: HandlerTypes>(
    el: &mut Element<'_, '_, H>,
    kind: ElementKind,
    ctx: &Context,
    st: &mut State,
) {
    let rules = &ctx.inner.rules;
    let fp = ctx.first_party();
    let (attr, url, id) = match kind {
        ElementKind::Link => {
            let (Some(rel), Some(href)) = (el.get_attribute("rel"), el.get_attribute("href"))
            else {
                return;
            };
            let mut loads = false;
            let mut hints = false;
            for token in rel.split_ascii_whitespace() {
                let is = |names: &[&str]| names.iter().any(|n| token.eq_ignore_ascii_case(n));
                loads |= is(&[
                    "stylesheet",
                    "preload",
                    "prefetch",
                    "modulepreload",
                    "prerender",
                ]);
                hints |= is(&["preconnect", "dns-prefetch"]);
            }
            let id = if loads {
                rules.match_url(&href, kind, fp)
            } else if hints {
                rules.match_hint(&href, fp)
            } else {
                None
            };
            ("href", href, id)
        }
        ElementKind::Iframe => {
            // A lazy `data-src` counts, unless a browser-side consent manager
            // gates the element (it will only load it on consent).
            let gated = CMP_GATES.iter().any(|g| el.has_attribute(g));
            let candidates: &[&str] = if gated {
                &["src"]
            } else {
                &["src", "data-src", "data-lazy-src"]
            };
            let Some((attr, url)) = candidates.iter().find_map(|&a| {
                el.get_attribute(a)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (a, v))
            }) else {
                return;
            };
            let id = rules.match_url(&url, kind, fp);
            (attr, url, id)
        }
        ElementKind::Object => {
            let Some(url) = el.get_attribute("data") else {
                return;
            };
            let id = rules.match_url(&url, kind, fp);
            ("data", url, id)
        }
        ElementKind::Script => return,
        ElementKind::Frame | ElementKind::Img | ElementKind::Embed => {
            let Some(url) = el.get_attribute("src") else {
                return;
            };
            let id = rules.match_url(&url, kind, fp);
            ("src", url, id)
        }
    };
    let Some((id, rule)) = ctx.denied(id) else {
        return;
    };
    let action = match (kind, rule.action) {
        (
            ElementKind::Iframe | ElementKind::Frame | ElementKind::Embed | ElementKind::Object,
            Action::Placeholder,
        ) => Action::Placeholder,
        (ElementKind::Iframe | ElementKind::Frame | ElementKind::Img, Action::Neutralize)
            if attr == "src" =>
        {
            Action::Neutralize
        }
        _ => Action::Remove,
    };
    st.record(id, kind, action, false);
    if ctx.report_only {
        return;
    }
    match action {
        Action::Remove => el.remove(),
        Action::Neutralize => {
            el.remove_attribute("src");
            set(el, "data-src", &url);
            set(el, "data-consent-category", ctx.category_name(rule));
        }
        Action::Placeholder => {
            let embed = placeholder::Embed {
                class: el.get_attribute("class"),
                style: el.get_attribute("style"),
                width: el.get_attribute("width"),
                height: el.get_attribute("height"),
                id: el.get_attribute("id"),
            };
            let html = placeholder::html(
                &rule.vendor,
                ctx.category_name(rule),
                &url,
                &embed,
                ctx.placeholder_form.as_deref(),
            );
            el.replace(&html, ContentType::Html);
        }
    }
}

/// Inserts `insert_after_body_open` after the first `<body>` start tag.
pub(crate) fn on_body<H: HandlerTypes>(el: &mut Element<'_, '_, H>, ctx: &Context, st: &mut State) {
    if let (Some(html), false) = (&ctx.insert_after_body_open, st.inserted) {
        el.prepend(html, ContentType::Html);
        st.inserted = true;
    }
}

/// At the end of a document without a `<body>` tag: appends `insert_after_body_open`.
pub(crate) fn finish_insert(ctx: &Context, st: &mut State) {
    if let (Some(html), false) = (&ctx.insert_after_body_open, st.inserted) {
        st.out.extend_from_slice(html.as_bytes());
        st.inserted = true;
    }
}

/// Attributes by which browser-side consent managers (Klaro, Cookiebot,
/// orestbida/cookieconsent, Complianz, …) mark elements they hold back.
const CMP_GATES: [&str; 6] = [
    "data-name",
    "data-cookieconsent",
    "data-category",
    "data-cookiecategory",
    "data-service",
    "data-cmplz-src",
];

fn set<H: HandlerTypes>(el: &mut Element<'_, '_, H>, name: &str, value: &str) {
    // Attribute names here are static and valid.
    let _ = el.set_attribute(name, value);
}

#[cfg(test)]
mod tests {
    use super::is_executable_script_type as exec;

    #[test]
    fn executable_types() {
        for t in [
            None,
            Some(""),
            Some(" text/javascript "),
            Some("module"),
            Some("TEXT/JAVASCRIPT; charset=utf-8"),
            Some("text/partytown"),
            Some("3f2a-text/javascript"),
        ] {
            assert!(exec(t), "{t:?}");
        }
        for t in [
            Some("text/plain"),
            Some("application/json"),
            Some("application/ld+json"),
            Some("text/template"),
            Some("text/x-handlebars"),
        ] {
            assert!(!exec(t), "{t:?}");
        }
    }
}

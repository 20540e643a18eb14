//! Decisions: read a tag's attributes, ask the tag rules, say what to do.
//! Pure; [`super::document`] applies what they decide.

use std::borrow::Cow;
use std::sync::Arc;

use super::{placeholder, Inner};
use crate::html::scanner::{StartTag, TagName};
use crate::policy::category::CategorySet;
use crate::policy::tags::{Action, ElementKind, RuleId, TagRule};

/// Per-document, read-only context.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) inner: Arc<Inner>,
    pub(crate) granted: CategorySet,
    pub(crate) first_party: Option<String>,
    pub(crate) report_only: bool,
    pub(crate) insert_after_body_open: Option<Arc<str>>,
    pub(crate) placeholder_form: Option<Arc<placeholder::GrantForm>>,
    pub(crate) collect_references: bool,
}

impl Context {
    /// The rule `id` when its category is not granted.
    pub(crate) fn denied(&self, id: Option<RuleId>) -> Option<(RuleId, &TagRule)> {
        let id = id?;
        let rule = self.inner.rules.rule(id);
        (!self.granted.contains(rule.category)).then_some((id, rule))
    }

    pub(crate) fn category_name(&self, rule: &TagRule) -> &str {
        self.inner.categories.name(rule.category)
    }

    fn first_party(&self) -> Option<&str> {
        self.first_party.as_deref()
    }
}

/// An attribute value as text (bytes that are not UTF-8 replaced: rules are ASCII).
pub(crate) fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A URL an element loads, and the rule it matched (granted or not).
#[derive(Debug)]
pub(crate) struct Loaded<'d> {
    pub(crate) element: ElementKind,
    /// The attribute it came from.
    pub(crate) attr: &'static str,
    pub(crate) url: Cow<'d, str>,
    pub(crate) rule: Option<RuleId>,
}

/// What a `<script>` start tag is.
#[derive(Debug)]
pub(crate) enum Script<'d> {
    /// Not run by the browser (a data block, a consent manager's inert tag).
    Inert,
    /// Inline: its text is to be judged.
    Inline,
    /// External.
    External(Loaded<'d>),
}

/// Reads a `<script>` start tag.
pub(crate) fn script<'d>(ctx: &Context, data: &'d [u8], tag: &StartTag<'_>) -> Script<'d> {
    let script_type = tag.attr(data, "type").map(text);
    if !is_executable_script_type(script_type.as_deref()) {
        return Script::Inert;
    }
    let Some(src) = tag.attr(data, "src").map(text) else {
        return Script::Inline;
    };
    let rule = ctx
        .inner
        .rules
        .match_url(&src, ElementKind::Script, ctx.first_party());
    Script::External(Loaded {
        element: ElementKind::Script,
        attr: "src",
        url: src,
        rule,
    })
}

/// The element kind a tag rule covers for an HTML start tag.
pub(crate) fn element_kind(name: TagName) -> Option<ElementKind> {
    Some(match name {
        TagName::Script => ElementKind::Script,
        TagName::Iframe => ElementKind::Iframe,
        TagName::Frame => ElementKind::Frame,
        TagName::Img | TagName::Image => ElementKind::Img,
        TagName::Embed => ElementKind::Embed,
        TagName::Object => ElementKind::Object,
        TagName::Link => ElementKind::Link,
        _ => return None,
    })
}

/// Reads the URL an iframe, frame, img, embed, object or link loads.
pub(crate) fn element<'d>(
    ctx: &Context,
    kind: ElementKind,
    data: &'d [u8],
    tag: &StartTag<'_>,
) -> Option<Loaded<'d>> {
    let rules = &ctx.inner.rules;
    let fp = ctx.first_party();
    let attr = |name: &str| tag.attr(data, name).map(text);
    let (attr, url, rule) = match kind {
        ElementKind::Link => {
            let (Some(rel), Some(href)) = (attr("rel"), attr("href")) else {
                return None;
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
            let rule = if loads {
                rules.match_url(&href, kind, fp)
            } else if hints {
                rules.match_hint(&href, fp)
            } else {
                return None;
            };
            ("href", href, rule)
        }
        ElementKind::Iframe => {
            // A lazy `data-src` counts, unless a browser-side consent manager
            // gates the element (it will only load it on consent).
            let gated = CMP_GATES.iter().any(|g| tag.has(data, g));
            let candidates: &[&'static str] = if gated {
                &["src"]
            } else {
                &["src", "data-src", "data-lazy-src"]
            };
            let (name, url) = candidates
                .iter()
                .find_map(|&a| attr(a).filter(|v| !v.trim().is_empty()).map(|v| (a, v)))?;
            let rule = rules.match_url(&url, kind, fp);
            (name, url, rule)
        }
        ElementKind::Object => {
            let url = attr("data")?;
            let rule = rules.match_url(&url, kind, fp);
            ("data", url, rule)
        }
        ElementKind::Script => return None,
        ElementKind::Frame | ElementKind::Img | ElementKind::Embed => {
            let url = attr("src")?;
            let rule = rules.match_url(&url, kind, fp);
            ("src", url, rule)
        }
    };
    Some(Loaded {
        element: kind,
        attr,
        url,
        rule,
    })
}

/// What to do with an element whose rule is denied.
pub(crate) fn element_action(loaded: &Loaded<'_>, rule: &TagRule) -> Action {
    match (loaded.element, rule.action) {
        (
            ElementKind::Iframe | ElementKind::Frame | ElementKind::Embed | ElementKind::Object,
            Action::Placeholder,
        ) => Action::Placeholder,
        (ElementKind::Iframe | ElementKind::Frame | ElementKind::Img, Action::Neutralize)
            if loaded.attr == "src" =>
        {
            Action::Neutralize
        }
        (ElementKind::Script, Action::Neutralize) => Action::Neutralize,
        _ => Action::Remove,
    }
}

/// Inline scripts cannot become placeholders: that means removal.
pub(crate) fn inline_action(action: Action) -> Action {
    match action {
        Action::Neutralize => Action::Neutralize,
        Action::Remove | Action::Placeholder => Action::Remove,
    }
}

/// Closes the (emptied) original script and opens an inert one that holds
/// its text, so a browser-side consent tool can re-enable it.
pub(crate) fn inert_script_start(ctx: &Context, rule: &TagRule) -> String {
    format!(
        "</script><script type=\"text/plain\" data-consent-category=\"{}\" data-consentry-injected=\"neutralized\">",
        placeholder::escape_config_text(ctx.category_name(rule))
    )
}

/// The notice replacing a blocked embed.
pub(crate) fn placeholder_html(
    ctx: &Context,
    rule: &TagRule,
    url: &str,
    data: &[u8],
    tag: &StartTag<'_>,
) -> String {
    let attr = |name: &str| tag.attr(data, name).map(|v| text(v).into_owned());
    let embed = placeholder::Embed {
        class: attr("class"),
        style: attr("style"),
        width: attr("width"),
        height: attr("height"),
        id: attr("id"),
    };
    placeholder::html(
        &rule.vendor,
        ctx.category_name(rule),
        url,
        &embed,
        ctx.placeholder_form.as_deref(),
    )
}

/// The start tag with every `remove` attribute taken out and each `set`
/// attribute given its value (in place if it exists, else appended), the
/// rest as written. Values are document text: only `"` is escaped.
pub(crate) fn rebuild_tag(
    data: &[u8],
    tag: &StartTag<'_>,
    remove: &[&str],
    set: &[(&str, &str)],
) -> Vec<u8> {
    let named = |a: &crate::html::scanner::Attribute, n: &str| {
        data[a.name.clone()].eq_ignore_ascii_case(n.as_bytes())
    };
    let attribute = |name: &str, value: &str| {
        format!("{name}=\"{}\"", value.replace('"', "&quot;")).into_bytes()
    };
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for a in tag.attributes {
        if remove.iter().any(|n| named(a, n)) {
            edits.push((a.lead, a.span.end, Vec::new()));
        }
    }
    let end_of_attrs = tag
        .attributes
        .last()
        .map_or(tag.name_span.end, |a| a.span.end);
    let mut appended = Vec::new();
    for (name, value) in set {
        match tag.attributes.iter().find(|a| named(a, name)) {
            Some(a) => edits.push((a.span.start, a.span.end, attribute(name, value))),
            None => {
                appended.push(b' ');
                appended.extend(attribute(name, value));
            }
        }
    }
    edits.push((end_of_attrs, end_of_attrs, appended));
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = Vec::with_capacity(tag.span.len() + 128);
    let mut at = tag.span.start;
    for (start, end, text) in edits {
        out.extend_from_slice(&data[at..start.max(at)]);
        out.extend(text);
        at = at.max(end);
    }
    out.extend_from_slice(&data[at..tag.span.end]);
    out
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

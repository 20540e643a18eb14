//! Decisions: read a start tag as a browser reads it, ask the tag rules,
//! say what to do. Pure: [`super::document`] applies what they decide.

use std::sync::Arc;

use url::Url;

use super::urls::{self, Target};
use super::{placeholder, Enforcement, Inner, Reference};
use crate::html::scanner::{Namespace, StartTag, TagName};
use crate::policy::category::CategorySet;
use crate::policy::consent_mode::ConsentMode;
use crate::policy::filter_list::RequestType;
use crate::policy::inline::{HostBinding, HostBindings, InlineVerdict};
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
    pub(crate) document_origin: Option<String>,
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

    /// What to remove of inline code `text` and the rule denying it, if any. A Google tag under
    /// `gcm-advanced` is never denied: it runs with denied defaults.
    pub(crate) fn denied_inline(&self, text: &str) -> Option<(InlineVerdict, &TagRule)> {
        self.denied_verdict(self.inner.rules.decide_inline(text, self.granted)?)
    }

    /// The denied rule naming the host of a `<base href>` URL: the page's
    /// relative URLs, those its scripts build included, would load from a
    /// tracker.
    pub(crate) fn denied_base(&self, base: &Url) -> Option<(RuleId, &TagRule)> {
        let rules = &self.inner.rules;
        self.denied(rules.match_host(base.as_str(), self.first_party()))
    }

    /// [`Self::denied_inline`] for a script of a page whose earlier scripts
    /// bound `earlier` to tracker hosts, and the names this one binds to
    /// tracker hosts.
    pub(crate) fn denied_inline_in_page(
        &self,
        text: &str,
        earlier: &[HostBinding],
    ) -> (Option<(InlineVerdict, &TagRule)>, HostBindings) {
        let (verdict, binds) = self
            .inner
            .rules
            .decide_inline_in_page(text, self.granted, earlier);
        (verdict.and_then(|v| self.denied_verdict(v)), binds)
    }

    /// [`Self::denied_inline`] for code the visitor sets off: a click or key
    /// handler, a `javascript:` link (see [`crate::policy::tags::TagRules::decide_triggered`]).
    pub(crate) fn denied_triggered(&self, text: &str) -> Option<(InlineVerdict, &TagRule)> {
        self.denied_verdict(self.inner.rules.decide_triggered(text, self.granted)?)
    }

    /// `verdict` with its rule, unless the rule is granted or a Google tag
    /// under `gcm-advanced`.
    fn denied_verdict(&self, verdict: InlineVerdict) -> Option<(InlineVerdict, &TagRule)> {
        let (_, rule) = self.denied(Some(verdict.rule))?;
        (rule.consent_mode != Some(ConsentMode::Advanced)).then_some((verdict, rule))
    }

    /// Whether inline code `text` is a Google tag under Consent Mode (kept:
    /// it needs the consent defaults before it).
    pub(crate) fn consent_mode_inline(&self, text: &str) -> bool {
        self.inner.consent_mode
            && self
                .inner
                .rules
                .match_inline(text, CategorySet::EMPTY)
                .is_some_and(|id| self.inner.rules.rule(id).consent_mode.is_some())
    }
}

/// What becomes of a start tag's element.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) enum Edit {
    /// Kept as written (unless attribute edits apply).
    #[default]
    Keep,
    /// The element goes, with its content when it has any.
    Remove,
    /// The element is replaced by this markup, its content dropped.
    Replace(String),
}

/// What follows the start tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Nothing to judge.
    #[default]
    Pass,
    /// Inline script text, judged at its end (`svg`: parsed as data, so
    /// character references are decoded).
    Script { svg: bool },
    /// `<style>` text: its `url()`s are judged (`svg`: parsed as data, so
    /// character references are decoded).
    Style { svg: bool },
    /// `<noscript>` markup, rewritten as a fragment.
    Noscript,
    /// JSON script data whose URLs the browser loads (an import map,
    /// speculation rules).
    UrlData,
}

/// The decision on one start tag.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub(crate) edit: Edit,
    /// Attributes (by index) to take out, every duplicate of their name too.
    pub(crate) remove: Vec<usize>,
    /// Attributes to set (in place if present, else appended).
    pub(crate) set: Vec<(&'static str, String)>,
    /// An `iframe srcdoc` to rewrite as the document it is: attribute index.
    pub(crate) srcdoc: Option<usize>,
    /// A `data:` URL holding a document (`iframe`/`frame`/`embed` `src`,
    /// `object` `data`) to rewrite as that document: its name and index.
    pub(crate) data_document: Option<(&'static str, usize)>,
    pub(crate) follow: Follow,
    pub(crate) enforcements: Vec<Enforcement>,
    pub(crate) references: Vec<Reference>,
    /// Unclassified third parties to report.
    pub(crate) unclassified: Vec<Reference>,
    /// The element is a kept Google tag under Consent Mode: the consent
    /// defaults go before it.
    pub(crate) consent_defaults: bool,
    /// A `<base href>` setting the document's base URL.
    pub(crate) base: Option<Url>,
}

/// A URL read from an attribute, with the rule it matched.
struct Found {
    target: Target,
    rule: Option<RuleId>,
}

/// The reading of one start tag.
struct Reader<'a, 'd> {
    ctx: &'a Context,
    base: Option<&'a Url>,
    data: &'d [u8],
    tag: &'a StartTag<'a>,
    decision: &'a mut Decision,
}

impl<'a, 'd> Reader<'a, 'd> {
    /// The first attribute called `name`: its index and decoded value.
    fn attr(&self, name: &str) -> Option<(usize, std::borrow::Cow<'d, str>)> {
        let i = self
            .tag
            .attributes
            .iter()
            .position(|a| self.data[a.name.clone()].eq_ignore_ascii_case(name.as_bytes()))?;
        let value = self.tag.attributes[i]
            .value
            .clone()
            .map_or(&self.data[0..0], |v| &self.data[v]);
        Some((i, urls::attribute_value(value)))
    }

    /// Reads `value` as a URL a `kind` element loads and matches it.
    fn url(&mut self, value: &str, kind: ElementKind, hint: bool) -> Option<Found> {
        self.url_as(value, kind, RequestType::of(kind), hint)
    }

    /// [`Reader::url`], with the request type filter lists see.
    fn url_as(
        &mut self,
        value: &str,
        kind: ElementKind,
        request: RequestType,
        hint: bool,
    ) -> Option<Found> {
        let target = urls::read(value, self.base)?;
        let rules = &self.ctx.inner.rules;
        let rule = match target.javascript() {
            Some(code) => rules.match_inline(&code, self.ctx.granted),
            None if hint => rules.match_hint(target.as_str(), self.ctx.first_party()),
            None => rules.match_request(target.as_str(), kind, request, self.ctx.first_party()),
        };
        if self.ctx.collect_references && target.is_other_origin() {
            self.decision.references.push(Reference {
                element: kind,
                url: target.absolute(self.ctx.first_party()),
                rule,
            });
        }
        Some(Found { target, rule })
    }

    /// The denied rule of `found`, recorded with `action`.
    fn deny(
        &mut self,
        found: &Found,
        kind: ElementKind,
        action: impl Fn(&TagRule) -> Action,
    ) -> Option<(RuleId, &'a TagRule)> {
        let (id, rule) = self.ctx.denied(found.rule)?;
        self.decision.enforcements.push(Enforcement {
            rule: id,
            element: kind,
            action: action(rule),
            inline: found.target.javascript().is_some(),
        });
        Some((id, rule))
    }

    /// The decoded value of attribute `i`.
    fn value(&self, i: usize) -> std::borrow::Cow<'d, str> {
        let a = &self.tag.attributes[i];
        urls::attribute_value(a.value.clone().map_or(&self.data[0..0], |v| &self.data[v]))
    }

    /// An attribute whose URL, if denied, only that attribute loads: it goes.
    fn url_attribute(&mut self, name: &str, kind: ElementKind) {
        if let Some((i, _)) = self.attr(name) {
            self.url_attribute_at(i, kind);
        }
    }

    fn url_attribute_at(&mut self, i: usize, kind: ElementKind) {
        let value = self.value(i);
        let Some(found) = self.url(&value, kind, false) else {
            return;
        };
        if self.deny(&found, kind, |_| Action::Remove).is_some() {
            self.decision.remove.push(i);
        }
    }

    /// A list of URLs (`srcset` candidates, `ping`): the attribute goes if any is denied.
    fn url_list_attribute(&mut self, name: &str, kind: ElementKind, srcset: bool) {
        if let Some((i, _)) = self.attr(name) {
            self.url_list_attribute_at(i, kind, srcset);
        }
    }

    fn url_list_attribute_at(&mut self, i: usize, kind: ElementKind, srcset: bool) {
        let value = self.value(i);
        let bgset =
            self.data[self.tag.attributes[i].name.clone()].eq_ignore_ascii_case(b"data-bgset");
        let list: Vec<&str> = if !srcset {
            value.split_ascii_whitespace().collect()
        } else if bgset {
            // lazysizes' bgset: srcsets separated by `|`, each with an optional `[media]`.
            value.split('|').flat_map(urls::srcset).collect()
        } else {
            urls::srcset(&value)
        };
        let mut denied = false;
        for url in list {
            if let Some(found) = self.url(url, kind, false) {
                denied |= self.deny(&found, kind, |_| Action::Remove).is_some();
            }
        }
        if denied {
            self.decision.remove.push(i);
        }
    }

    /// Every attribute that can make any element fetch or run something:
    /// event handlers, `style`, `background`, `poster`, `ping`, `srcset`s,
    /// the `javascript:` URLs of links and forms, and what lazy loaders
    /// swap in (`data-srcset`, a video's `data-poster`, lazysizes'
    /// `data-bg` and `data-bgset`).
    fn common_attributes(&mut self) {
        let tag = self.tag;
        let image = matches!(tag.name, TagName::Img | TagName::Source);
        let link = matches!(tag.name, TagName::A | TagName::Area);
        let html = tag.namespace == Namespace::Html;
        // Any `video`: the preload scanner fetches a poster in SVG too.
        let video = tag.name == TagName::Video;
        for (i, a) in tag.attributes.iter().enumerate() {
            let name = &self.data[a.name.clone()];
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            // Most attributes are none of these: one byte tells.
            let interesting = match name.first().map(u8::to_ascii_lowercase) {
                Some(b'o') => is_event_handler(name),
                Some(b'h') => link && html && is("href"),
                Some(b'a') => html && is("action") && self.is_named(b"form"),
                Some(b'f') => html && is("formaction"),
                Some(b's') => is("style") || (image && is("srcset")),
                Some(b'b') => html && is("background") && self.takes_background(),
                Some(b'p') => (video && is("poster")) || (link && is("ping")),
                Some(b'd') => {
                    let lazy = (image && (is("data-srcset") || is("data-lazy-srcset")))
                        || (video && is("data-poster"))
                        || (html && (is("data-bg") || is("data-bgset")));
                    lazy && !self.gated()
                }
                _ => false,
            };
            let handler = interesting && name[0].eq_ignore_ascii_case(&b'o');
            // Only the first of duplicate attributes counts.
            if !interesting
                || tag.attributes[..i]
                    .iter()
                    .any(|b| self.data[b.name.clone()].eq_ignore_ascii_case(name))
            {
                continue;
            }
            if handler {
                let code = self.value(i);
                let automatic = AUTOMATIC_EVENTS.iter().any(|e| is(e));
                self.deny_code(i, &code, automatic);
            } else if is("href") || is("action") || is("formaction") {
                self.javascript_link_at(i);
            } else if is("style") {
                self.style_attribute(i);
            } else if is("data-bg") && contains_url_call(self.raw_value(i)) {
                self.css_value_attribute_at(i);
            } else if is("background") || is("poster") || is("data-poster") || is("data-bg") {
                self.url_attribute_at(i, ElementKind::Img);
            } else {
                self.url_list_attribute_at(i, ElementKind::Img, !is("ping"));
            }
        }
    }

    /// Attribute `i` runs `code` (an event handler, a `javascript:` link),
    /// on its own (`automatic`: read as an inline script is) or when the
    /// visitor sets it off: if it loads a denied tracker, the attribute goes.
    fn deny_code(&mut self, i: usize, code: &str, automatic: bool) {
        let denied = if automatic {
            self.ctx.denied_inline(code)
        } else {
            self.ctx.denied_triggered(code)
        };
        if let Some((verdict, _)) = denied {
            self.decision.enforcements.push(Enforcement {
                rule: verdict.rule,
                element: ElementKind::Script,
                action: Action::Remove,
                inline: true,
            });
            self.decision.remove.push(i);
        }
    }

    /// The value of attribute `i` as written (empty when it has none).
    fn raw_value(&self, i: usize) -> &'d [u8] {
        self.tag.attributes[i]
            .value
            .clone()
            .map_or(&self.data[0..0], |v| &self.data[v])
    }

    /// A link's `href` or a form's `action`/`formaction` (attribute `i`):
    /// a `javascript:` URL runs when the link is followed or the form
    /// submitted, and goes if it loads a denied tracker; any other URL only
    /// navigates.
    fn javascript_link_at(&mut self, i: usize) {
        let raw = self.raw_value(i);
        if !may_be_javascript_url(raw) {
            return;
        }
        let value = self.value(i);
        let code = urls::read(&value, self.base).and_then(|target| target.javascript());
        if let Some(code) = code {
            self.deny_code(i, &code, false);
        }
    }

    /// A `<param>`: Chromium loads an `<object>` that has no `data` from
    /// the `value` of a child `param` named `movie` or `src`, as a frame
    /// when the URL names no plugin type. One at a denied tracker goes (the
    /// object then loads nothing); elsewhere a `param` loads nothing and is
    /// never denied by a first-party or plain value.
    fn param(&mut self) {
        let url_parameter = self.attr("name").is_some_and(|(_, n)| {
            let n = n.trim_matches(|c: char| c.is_ascii_whitespace());
            n.eq_ignore_ascii_case("movie") || n.eq_ignore_ascii_case("src")
        });
        let Some((_, value)) = self.attr("value").filter(|_| url_parameter) else {
            return;
        };
        let Some(found) = self.url(&value, ElementKind::Object, false) else {
            return;
        };
        if self
            .deny(&found, ElementKind::Object, |_| Action::Remove)
            .is_some()
        {
            self.decision.edit = Edit::Remove;
        }
    }

    /// Whether the element's name is `name` (lower case).
    fn is_named(&self, name: &[u8]) -> bool {
        self.data[self.tag.name_span.clone()].eq_ignore_ascii_case(name)
    }

    /// Whether the element paints its `background` attribute (the body and
    /// table parts; on any other element it loads nothing).
    fn takes_background(&self) -> bool {
        BACKGROUND_ELEMENTS
            .iter()
            .any(|e| self.is_named(e.as_bytes()))
    }

    /// A `style` attribute: denied `url()`s become `none`.
    fn style_attribute(&mut self, i: usize) {
        let raw = self.raw_value(i);
        if !contains_url_call(raw) {
            return;
        }
        let css = urls::attribute_value(raw);
        let judged = css_text(self.ctx, self.base, &css, false);
        self.decision.enforcements.extend(judged.enforcements);
        self.decision.references.extend(judged.references);
        if !judged.denied.is_empty() {
            let mut out = String::new();
            let mut at = 0;
            for span in judged.denied {
                out.push_str(&css[at..span.start]);
                out.push_str("none");
                at = span.end;
            }
            out.push_str(&css[at..]);
            self.decision.set.push(("style", escape_decoded(&out)));
        }
    }

    /// An attribute whose value a lazy loader sets as a CSS value when it
    /// is written as one (`data-bg="url(…)"`, which vanilla-lazyload and
    /// WP Rocket give `background-image`): if it fetches a denied URL, it goes.
    fn css_value_attribute_at(&mut self, i: usize) {
        let judged = css_text(self.ctx, self.base, &self.value(i), false);
        self.decision.enforcements.extend(judged.enforcements);
        self.decision.references.extend(judged.references);
        if !judged.denied.is_empty() {
            self.decision.remove.push(i);
        }
    }

    /// The attributes by which SVG fetches besides its `image` and
    /// `script`: the `href`/`xlink:href` of `feImage` and `use`, the values
    /// a `set` or `animate` gives an `href`, and `url()` in presentation
    /// attributes (`fill`, `filter`, `mask`, `clip-path`, `cursor`…). A
    /// denied one goes. Other elements' `href`s load nothing: `a` links
    /// navigate, gradients, patterns, `textPath` and `mpath` refer to
    /// elements of the same document, and unknown elements (a `base` in
    /// SVG) have no behaviour.
    fn svg_attributes(&mut self) {
        let tag = self.tag;
        let name = &self.data[tag.name_span.clone()];
        let fetches_href =
            name.eq_ignore_ascii_case(b"use") || name.eq_ignore_ascii_case(b"feimage");
        let link = name.eq_ignore_ascii_case(b"a");
        let animation = name.eq_ignore_ascii_case(b"set") || name.eq_ignore_ascii_case(b"animate");
        let animates_href = animation
            && self.attr("attributeName").is_some_and(|(_, n)| {
                let n = n.trim();
                n.eq_ignore_ascii_case("href") || n.eq_ignore_ascii_case("xlink:href")
            });
        for (i, a) in tag.attributes.iter().enumerate() {
            let name = &self.data[a.name.clone()];
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            if tag.attributes[..i]
                .iter()
                .any(|b| self.data[b.name.clone()].eq_ignore_ascii_case(name))
            {
                continue;
            }
            if is("href") || is("xlink:href") {
                if fetches_href {
                    self.url_attribute_at(i, ElementKind::Img);
                } else if link {
                    self.javascript_link_at(i);
                }
            } else if animates_href && (is("to") || is("from") || is("by") || is("values")) {
                let value = self.value(i);
                let mut denied = false;
                for url in value.split(';').filter(|u| !u.trim().is_empty()) {
                    if let Some(found) = self.url(url, ElementKind::Img, false) {
                        denied |= self
                            .deny(&found, ElementKind::Img, |_| Action::Remove)
                            .is_some();
                    }
                }
                if denied {
                    self.decision.remove.push(i);
                }
            } else if !is("style") && !name.first().is_some_and(|c| c.eq_ignore_ascii_case(&b'o')) {
                self.presentation_attribute(i);
            }
        }
    }

    /// A presentation attribute (SVG's `fill="url(…)"` and the like): it
    /// goes if a `url()` in it is denied.
    fn presentation_attribute(&mut self, i: usize) {
        let raw = self.raw_value(i);
        if !contains_url_call(raw) {
            return;
        }
        let css = urls::attribute_value(raw);
        let judged = css_text(self.ctx, self.base, &css, false);
        self.decision.enforcements.extend(judged.enforcements);
        self.decision.references.extend(judged.references);
        if !judged.denied.is_empty() {
            self.decision.remove.push(i);
        }
    }

    /// Whether a browser-side consent manager gates the element (it loads
    /// lazy URLs only on consent).
    fn gated(&self) -> bool {
        CMP_GATES.iter().any(|g| self.tag.has(self.data, g))
    }

    /// The element's own URL (every candidate: a lazy loader swaps
    /// `data-src` in later): if one is denied, the element goes (or is made
    /// inert, or becomes a placeholder, as its rule says).
    fn element_url(&mut self, kind: ElementKind, candidates: &[&'static str]) {
        for &attr in candidates {
            let Some((_, value)) = self.attr(attr) else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let Some(found) = self.url(&value, kind, false) else {
                continue;
            };
            let rules = &self.ctx.inner.rules;
            if found.rule.is_none()
                && found.target.javascript().is_none()
                && rules.reports_unclassified(found.target.as_str(), kind, self.ctx.first_party())
            {
                self.decision.unclassified.push(Reference {
                    element: kind,
                    url: found.target.absolute(self.ctx.first_party()),
                    rule: None,
                });
            }
            let consent_mode = found.rule.and_then(|id| rules.rule(id).consent_mode);
            let denied = self.ctx.denied(found.rule).is_some();
            // A kept Google tag under Consent Mode (`gcm-advanced` keeps it
            // even when denied) gets the consent defaults before it.
            if kind == ElementKind::Script
                && (consent_mode == Some(ConsentMode::Advanced)
                    || (consent_mode.is_some() && !denied))
            {
                self.decision.consent_defaults = true;
                return;
            }
            if denied {
                return self.deny_element(kind, attr, found);
            }
        }
    }

    fn deny_element(&mut self, kind: ElementKind, attr: &'static str, found: Found) {
        let javascript = found.target.javascript().is_some();
        let action = |rule: &TagRule| element_action(kind, attr, javascript, rule.action);
        let Some((_, rule)) = self.deny(&found, kind, action) else {
            return;
        };
        match action(rule) {
            Action::Remove => self.decision.edit = Edit::Remove,
            Action::Neutralize => {
                let (i, raw) = self.raw_attr(attr);
                self.decision.remove.push(i);
                self.decision
                    .set
                    .push(("data-src", raw.replace('"', "&quot;")));
                if kind == ElementKind::Script {
                    if let Some(t) = self.tag.attr(self.data, "type") {
                        let t = String::from_utf8_lossy(t).replace('"', "&quot;");
                        self.decision.set.push(("data-type", t));
                    }
                    self.decision.set.push(("type", "text/plain".into()));
                }
                self.decision.set.push((
                    "data-consent-category",
                    self.ctx.category_name(rule).replace('"', "&quot;"),
                ));
            }
            Action::Placeholder => {
                let (_, raw) = self.raw_attr(attr);
                self.decision.edit =
                    Edit::Replace(placeholder_html(self.ctx, rule, &raw, self.data, self.tag));
            }
        }
    }

    /// The first attribute `name` as written.
    fn raw_attr(&self, name: &str) -> (usize, String) {
        let i = self
            .tag
            .attributes
            .iter()
            .position(|a| self.data[a.name.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .unwrap_or(0);
        let raw = self.tag.attr(self.data, name).unwrap_or_default();
        (i, String::from_utf8_lossy(raw).into_owned())
    }

    /// A `script`: in HTML its `src`, in SVG its `href`s; in both, and in
    /// MathML, where nothing runs, a `src` as well, which Chromium's
    /// preload scanner fetches from any `script` start tag.
    fn script(&mut self) {
        let namespace = self.tag.namespace;
        let svg = namespace != Namespace::Html;
        let script_type = self.attr("type").map(|(_, v)| v);
        if !svg && is_url_data_type(script_type.as_deref()) {
            self.decision.follow = Follow::UrlData;
            return;
        }
        if !is_executable_script_type(script_type.as_deref()) {
            // Chromium's preload scanner also takes a legacy language name
            // as a `type` (`javascript`, `jscript`…): it fetches the `src`
            // of such a script, which never runs.
            if script_type.as_deref().is_some_and(is_legacy_language) {
                self.element_url(ElementKind::Script, &["src"]);
            }
            return;
        }
        // Without a `type`, a `language` names the type (`text/` and it).
        if script_type.is_none() {
            if let Some((_, language)) = self.attr("language") {
                if !is_executable_language(&language) {
                    return;
                }
            }
        }
        let src: &[&'static str] = match namespace {
            Namespace::Html => &["src"],
            Namespace::Svg => &["href", "xlink:href", "src"],
            Namespace::MathMl => return self.element_url(ElementKind::Script, &["src"]),
        };
        if src.iter().any(|a| self.tag.has(self.data, a)) {
            if !self.data_url_script(src) {
                self.element_url(ElementKind::Script, src);
            }
            return;
        }
        let lazy = namespace == Namespace::Html
            && LAZY_SCRIPT_SOURCES
                .iter()
                .any(|a| self.tag.has(self.data, a))
            && !self.gated();
        if lazy {
            if !self.data_url_script(LAZY_SCRIPT_SOURCES) {
                self.element_url(ElementKind::Script, LAZY_SCRIPT_SOURCES);
            }
            if self.decision.edit != Edit::Keep {
                return;
            }
        }
        // Until a loader swaps its `src` in, the script runs its text.
        if !(svg && self.tag.self_closing) {
            self.decision.follow = Follow::Script { svg };
        }
    }

    /// A script whose URL (the first of `attributes` present) is a `data:`
    /// URL runs the URL's body: judged as inline code, the element goes if
    /// it loads a denied tag. Whether it was one.
    fn data_url_script(&mut self, attributes: &[&'static str]) -> bool {
        let Some((_, value)) = attributes.iter().find_map(|a| self.attr(a)) else {
            return false;
        };
        let Some(data) = urls::data_url(&value) else {
            return false;
        };
        let code = String::from_utf8_lossy(&data.body);
        if let Some((verdict, _)) = self.ctx.denied_inline(&code) {
            self.decision.enforcements.push(Enforcement {
                rule: verdict.rule,
                element: ElementKind::Script,
                action: Action::Remove,
                inline: true,
            });
            self.decision.edit = Edit::Remove;
        }
        true
    }

    /// A stylesheet in a `data:` URL: the element goes if its CSS fetches
    /// a denied URL.
    fn data_url_stylesheet(&mut self, data: &urls::DataUrl) {
        let css = String::from_utf8_lossy(&data.body);
        let judged = css_text(self.ctx, self.base, &css, true);
        self.decision.enforcements.extend(judged.enforcements);
        self.decision.references.extend(judged.references);
        if !judged.denied.is_empty() {
            self.decision.edit = Edit::Remove;
        }
    }

    fn link(&mut self) {
        let Some((_, rel)) = self.attr("rel") else {
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
                "icon",
                "apple-touch-icon",
                "apple-touch-icon-precomposed",
                "mask-icon",
                "manifest",
                "compression-dictionary",
            ]);
            hints |= is(&["preconnect", "dns-prefetch"]);
        }
        if !loads && !hints {
            return;
        }
        if loads {
            self.url_list_attribute("imagesrcset", ElementKind::Link, true);
        }
        let Some((_, href)) = self.attr("href") else {
            return;
        };
        let stylesheet = rel
            .split_ascii_whitespace()
            .any(|t| t.eq_ignore_ascii_case("stylesheet"));
        if let Some(data) = urls::data_url(&href) {
            if stylesheet {
                self.data_url_stylesheet(&data);
            }
            return;
        }
        let request = if stylesheet {
            RequestType::Stylesheet
        } else {
            RequestType::Other
        };
        let Some(found) = self.url_as(&href, ElementKind::Link, request, !loads) else {
            return;
        };
        self.deny_element(ElementKind::Link, "href", found);
    }

    fn meta(&mut self) {
        let refresh = self
            .attr("http-equiv")
            .is_some_and(|(_, v)| v.trim().eq_ignore_ascii_case("refresh"));
        if !refresh {
            return;
        }
        let Some((_, content)) = self.attr("content") else {
            return;
        };
        let Some(url) = urls::meta_refresh(&content) else {
            return;
        };
        let Some(found) = self.url(url, ElementKind::Iframe, false) else {
            return;
        };
        if self
            .deny(&found, ElementKind::Iframe, |_| Action::Remove)
            .is_some()
        {
            self.decision.edit = Edit::Remove;
        }
    }
}

/// Whether elements named `name` have no handler of their own in
/// [`decide`]: only the attributes `Reader::common_attributes` reads count
/// (`on…`, `style`, `background`, `poster`, `ping`, a link's `href`, a
/// form's `action` and `formaction`, `data-bg` and `data-bgset`).
pub(crate) fn common_attributes_only(name: TagName) -> bool {
    matches!(
        name,
        TagName::Other | TagName::Breakout | TagName::BrOrP | TagName::A | TagName::Area
    )
}

/// Whether [`decide`] has nothing to read in `tag`: an element with no
/// handler of its own that carries none of the attributes its reader
/// reads, or a link whose only such attributes are `h…` ones
/// that cannot be a `javascript:` URL. Most tags of a page are such;
/// skipping them saves building a [`Decision`].
pub(crate) fn nothing_to_decide(data: &[u8], tag: &StartTag<'_>) -> bool {
    match tag.name {
        TagName::A | TagName::Area => tag.attributes.iter().all(|a| {
            data[a.name.clone()]
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case(&b'h'))
                && !a
                    .value
                    .clone()
                    .is_some_and(|v| may_be_javascript_url(&data[v]))
        }),
        name => {
            let svg = tag.namespace == Namespace::Svg;
            common_attributes_only(name)
                && tag.attributes.iter().all(|a| {
                    let value = a.value.clone().map_or(&data[0..0], |v| &data[v]);
                    !may_be_common_attribute(&data[a.name.clone()], value, svg)
                })
        }
    }
}

/// Whether an attribute the scanner recorded on an element with no handler
/// of its own may be one `Reader::common_attributes` (or, in SVG,
/// `Reader::svg_attributes`) reads: of the `a…`, `d…` and `f…` names
/// (`aria-…`, `data-…` on most elements) only `action`, `data-bg`,
/// `data-bgset` and `formaction` are, and in SVG a presentation attribute
/// such as `fill` or `filter` whose value may hold a `url()`.
fn may_be_common_attribute(name: &[u8], value: &[u8], svg: bool) -> bool {
    let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
    match name.first().map(u8::to_ascii_lowercase) {
        Some(b'a') => is(b"action"),
        Some(b'd') => is(b"data-bg") || is(b"data-bgset"),
        Some(b'f') => is(b"formaction") || (svg && contains_url_call(value)),
        _ => true,
    }
}

/// Decides what to do with a start tag into `decision` (a default one);
/// `base` is the document's base URL so far.
pub(crate) fn decide(
    ctx: &Context,
    base: Option<&Url>,
    data: &[u8],
    tag: &StartTag<'_>,
    decision: &mut Decision,
) {
    let mut r = Reader {
        ctx,
        base,
        data,
        tag,
        decision,
    };
    match (tag.name, tag.namespace) {
        (TagName::Script, _) => r.script(),
        (TagName::Image, Namespace::Svg) => {
            r.element_url(ElementKind::Img, &["href", "xlink:href"]);
        }
        (TagName::Style, Namespace::Svg) => r.decision.follow = Follow::Style { svg: true },
        (TagName::Mglyph, Namespace::MathMl) => r.url_attribute("src", ElementKind::Img),
        (TagName::Base, _) => {
            if let Some((_, href)) = r.attr("href") {
                r.decision.base = urls::base(&href);
            }
        }
        // Chromium's preload scanner reads start tags without the tree
        // builder: in SVG and MathML too it fetches a `link`, an image
        // input (and a `video` poster, see `common_attributes`).
        (TagName::Link, _) => r.link(),
        (TagName::Input, _) => {
            let image = r
                .attr("type")
                .is_some_and(|(_, t)| t.eq_ignore_ascii_case("image"));
            if image {
                r.url_attribute("src", ElementKind::Img);
            }
        }
        (_, Namespace::Svg | Namespace::MathMl) => {}
        (TagName::Img, _) => {
            let lazy: &[&'static str] = if r.gated() {
                &["src"]
            } else {
                &[
                    "src",
                    "data-src",
                    "data-lazy-src",
                    "data-original",
                    "data-lazy",
                ]
            };
            r.element_url(ElementKind::Img, lazy);
        }
        (TagName::Iframe, _) => {
            if let Some((i, _)) = r.attr("srcdoc") {
                r.decision.srcdoc = Some(i);
            }
            let lazy: &[&'static str] = if r.gated() {
                &["src"]
            } else {
                &["src", "data-src", "data-lazy-src"]
            };
            r.element_url(ElementKind::Iframe, lazy);
        }
        (TagName::Frame, _) => r.element_url(ElementKind::Frame, &["src"]),
        (TagName::Embed, _) => r.element_url(ElementKind::Embed, &["src"]),
        (TagName::Object, _) => r.element_url(ElementKind::Object, &["data"]),
        (TagName::Param, Namespace::Html) => r.param(),
        (TagName::Meta, _) => r.meta(),
        (TagName::Style, _) => r.decision.follow = Follow::Style { svg: false },
        (TagName::Noscript, _) => r.decision.follow = Follow::Noscript,
        (TagName::Video | TagName::Audio | TagName::Source | TagName::Track, _) => {
            r.url_attribute("src", ElementKind::Img);
            // Lazy loaders swap a media `data-src` in as they do an image's.
            if tag.name != TagName::Track && !r.gated() {
                r.url_attribute("data-src", ElementKind::Img);
            }
        }
        _ => {}
    }
    let document_url = match (tag.name, tag.namespace) {
        (TagName::Iframe | TagName::Frame | TagName::Embed, Namespace::Html) => Some("src"),
        (TagName::Object, Namespace::Html) => Some("data"),
        _ => None,
    };
    if let Some((name, (i, value))) = document_url.and_then(|n| Some((n, r.attr(n)?))) {
        if r.decision.edit == Edit::Keep && urls::data_document(&value).is_some() {
            r.decision.data_document = Some((name, i));
        }
    }
    if r.decision.edit == Edit::Keep {
        r.common_attributes();
        if tag.namespace == Namespace::Svg {
            r.svg_attributes();
        }
    }
}

/// What CSS text fetches, judged.
#[derive(Debug, Default)]
pub(crate) struct CssJudgement {
    /// The `url()` tokens (and `@import` strings) to replace by `none`, in order.
    pub(crate) denied: Vec<std::ops::Range<usize>>,
    pub(crate) enforcements: Vec<Enforcement>,
    pub(crate) references: Vec<Reference>,
}

/// Judges every URL CSS text fetches (as an `img` would: backgrounds,
/// fonts, imports). `sheet`: the text is a style sheet (a `<style>`, a
/// linked sheet), not declarations (a `style` attribute), where an
/// `@import` is never honoured.
pub(crate) fn css_text(ctx: &Context, base: Option<&Url>, css: &str, sheet: bool) -> CssJudgement {
    css_text_nested(ctx, base, css, sheet, 0)
}

/// How deep style sheets in `data:` URLs importing others are judged.
const MAX_CSS_IMPORT_DEPTH: usize = 4;

fn css_text_nested(
    ctx: &Context,
    base: Option<&Url>,
    css: &str,
    sheet: bool,
    depth: usize,
) -> CssJudgement {
    let mut judged = CssJudgement::default();
    for found in urls::css_urls(css) {
        if let Some(at) = found.import {
            if !sheet || !urls::import_allowed(&css[..at]) {
                continue;
            }
            // An imported sheet in a `data:` URL is judged as the sheet it is.
            if let Some(data) = urls::data_url(&found.url).filter(|d| d.essence == "text/css") {
                let inner = if depth < MAX_CSS_IMPORT_DEPTH {
                    let text = String::from_utf8_lossy(&data.body);
                    css_text_nested(ctx, None, &text, true, depth + 1)
                } else {
                    CssJudgement::default()
                };
                judged.references.extend(inner.references);
                if !inner.denied.is_empty() {
                    judged.enforcements.extend(inner.enforcements);
                    judged.denied.push(found.span);
                }
                continue;
            }
        }
        let Some(target) = urls::read(&found.url, base) else {
            continue;
        };
        let rule = ctx
            .inner
            .rules
            .match_url(target.as_str(), ElementKind::Img, ctx.first_party());
        if ctx.collect_references && target.is_other_origin() {
            judged.references.push(Reference {
                element: ElementKind::Img,
                url: target.absolute(ctx.first_party()),
                rule,
            });
        }
        if let Some((id, _)) = ctx.denied(rule) {
            judged.enforcements.push(Enforcement {
                rule: id,
                element: ElementKind::Img,
                action: Action::Remove,
                inline: false,
            });
            judged.denied.push(found.span);
        }
    }
    judged
}

/// The denied URLs of JSON script data (an import map, speculation
/// rules): every string in it that reads as a URL, matched as a script
/// would be. Text that is not JSON loads nothing (the browser rejects it).
pub(crate) fn json_urls(ctx: &Context, base: Option<&Url>, json: &str) -> CssJudgement {
    let mut judged = CssJudgement::default();
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return judged;
    };
    let mut pending = vec![&value];
    while let Some(value) = pending.pop() {
        let text = match value {
            serde_json::Value::String(text) => text,
            serde_json::Value::Array(items) => {
                pending.extend(items);
                continue;
            }
            serde_json::Value::Object(map) => {
                pending.extend(map.values());
                continue;
            }
            _ => continue,
        };
        let Some(target) = urls::read(text, base) else {
            continue;
        };
        let rule =
            ctx.inner
                .rules
                .match_url(target.as_str(), ElementKind::Script, ctx.first_party());
        if ctx.collect_references && target.is_other_origin() {
            judged.references.push(Reference {
                element: ElementKind::Script,
                url: target.absolute(ctx.first_party()),
                rule,
            });
        }
        if let Some((id, _)) = ctx.denied(rule) {
            judged.enforcements.push(Enforcement {
                rule: id,
                element: ElementKind::Script,
                action: Action::Remove,
                inline: true,
            });
        }
    }
    judged
}

/// A link (`<a href>`, `<area href>`) in a document whose speculation
/// rules prefetch or prerender the links it holds (see
/// [`document_rules_reach_out`]): an `href` at a denied tracker goes, as
/// a `<link rel=prefetch>` there would.
pub(crate) fn prefetched_link(
    ctx: &Context,
    base: Option<&Url>,
    data: &[u8],
    tag: &StartTag<'_>,
    decision: &mut Decision,
) {
    let mut r = Reader {
        ctx,
        base,
        data,
        tag,
        decision,
    };
    let Some((i, href)) = r.attr("href") else {
        return;
    };
    let Some(found) = r.url_as(&href, ElementKind::Link, RequestType::Other, false) else {
        return;
    };
    if found.target.javascript().is_none()
        && r.deny(&found, ElementKind::Link, |_| Action::Remove)
            .is_some()
    {
        r.decision.remove.push(i);
    }
}

/// The denial of a link's `href` (decoded) at a denied tracker, which
/// speculation rules that prefetch the document's links fetch (as
/// [`prefetched_link`] reads it).
pub(crate) fn denied_prefetch(
    ctx: &Context,
    base: Option<&Url>,
    href: &str,
) -> Option<Enforcement> {
    let target = urls::read(href, base)?;
    if target.javascript().is_some() {
        return None;
    }
    let rule = ctx.inner.rules.match_request(
        target.as_str(),
        ElementKind::Link,
        RequestType::Other,
        ctx.first_party(),
    );
    let (id, _) = ctx.denied(rule)?;
    Some(Enforcement {
        rule: id,
        element: ElementKind::Link,
        action: Action::Remove,
        inline: false,
    })
}

/// Whether speculation rules JSON holds a document rule that fetches
/// links on its own, of any origin: a rule of `prefetch`, `prerender` or
/// `prefetch_with_subresources` that reads the document's links (`"source":
/// "document"`, or a `where` without `source`), with an eagerness that
/// needs no press on the link (`moderate` fires on hovering, `eager` and
/// `immediate` at once; the default, `conservative`, on a pointer press,
/// which navigates anyway), unless its `href_matches` patterns are all
/// paths, which match the document's own origin only. Tracker URLs the
/// rules name themselves are judged by [`json_urls`].
pub(crate) fn document_rules_reach_out(json: &str) -> bool {
    use serde_json::Value;
    let Ok(Value::Object(top)) = serde_json::from_str::<Value>(json) else {
        return false;
    };
    let same_origin_only = |condition: &Value| -> bool {
        let paths = |p: &Value| -> bool {
            let one = |p: &Value| {
                p.as_str()
                    .is_some_and(|p| p.starts_with('/') && !p.starts_with("//"))
            };
            match p {
                Value::Array(list) => !list.is_empty() && list.iter().all(one),
                p => one(p),
            }
        };
        let href = |c: &Value| c.get("href_matches").is_some_and(paths);
        href(condition)
            || condition
                .get("and")
                .and_then(Value::as_array)
                .is_some_and(|all| all.iter().any(href))
    };
    ["prefetch", "prerender", "prefetch_with_subresources"]
        .iter()
        .filter_map(|key| top.get(*key)?.as_array())
        .flatten()
        .any(|rule| {
            let source = rule.get("source").and_then(Value::as_str);
            let document =
                source == Some("document") || (source.is_none() && rule.get("where").is_some());
            let eager = matches!(
                rule.get("eagerness").and_then(Value::as_str),
                Some("moderate" | "eager" | "immediate")
            );
            document && eager && !rule.get("where").is_some_and(same_origin_only)
        })
}

/// Whether a script `type` makes its text JSON the browser loads URLs
/// from: `importmap` and `speculationrules`.
fn is_url_data_type(value: Option<&str>) -> bool {
    value.is_some_and(|t| {
        let t = t.trim_matches(|c: char| c.is_ascii_whitespace());
        t.eq_ignore_ascii_case("importmap") || t.eq_ignore_ascii_case("speculationrules")
    })
}

/// Whether CSS text may fetch anything (a cheap test before reading it):
/// a `(`, possibly written as a character reference (`&#40;`, `&lpar;`)
/// in an attribute, or an `@import`, possibly with escapes.
pub(crate) fn contains_url_call(css: &[u8]) -> bool {
    static IMPORT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("@import"));
    memchr::memchr3(b'(', b'&', b'\\', css).is_some() || IMPORT.find(css).is_some()
}

/// A decoded value written back as attribute text.
pub(crate) fn escape_decoded(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;")
}

/// Elements whose `background` attribute is painted (Chromium's body and
/// table parts): on any other element it loads nothing.
const BACKGROUND_ELEMENTS: &[&str] = &[
    "body", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "col", "colgroup",
];

/// Event handler attributes that fire without the visitor doing anything
/// (load, media and network events, animations and transitions, SMIL
/// timing, `details` toggling, focus by `autofocus`, page lifecycle,
/// messages from frames, a pointer merely passing over): a loader in one
/// runs like an inline script. Click and key handlers are judged too (a
/// click is no consent), by the loaders they hold.
const AUTOMATIC_EVENTS: &[&str] = &[
    "onload",
    "onerror",
    "onabort",
    "onloadstart",
    "onloadeddata",
    "onloadedmetadata",
    "onloadend",
    "onprogress",
    "onsuspend",
    "onstalled",
    "onwaiting",
    "onemptied",
    "ondurationchange",
    "ontimeupdate",
    "onratechange",
    "onvolumechange",
    "oncanplay",
    "oncanplaythrough",
    "onplay",
    "onplaying",
    // A muted autoplaying video pauses at its end (and off screen); a
    // `#t=` fragment seeks; a default track's cues change as it plays.
    "onpause",
    "onseeking",
    "onseeked",
    "oncuechange",
    "onended",
    "onpageshow",
    "onpagehide",
    "onpagereveal",
    "onpageswap",
    "onbeforeunload",
    "onunload",
    "onhashchange",
    "onpopstate",
    "onmessage",
    "onstorage",
    "onresize",
    "onscroll",
    "onscrollend",
    "onscrollsnapchange",
    "onscrollsnapchanging",
    "onreadystatechange",
    "onanimationstart",
    "onanimationiteration",
    "onanimationend",
    "onanimationcancel",
    "onwebkitanimationstart",
    "onwebkitanimationiteration",
    "onwebkitanimationend",
    "ontransitionrun",
    "ontransitionstart",
    "ontransitionend",
    "ontransitioncancel",
    "onwebkittransitionend",
    "onbegin",
    "onend",
    "onrepeat",
    "ontoggle",
    // A declarative shadow root's slot fires it as the host's children
    // are parsed into it.
    "onslotchange",
    "onbeforetoggle",
    "oncontentvisibilityautostatechange",
    "onsecuritypolicyviolation",
    "onfocus",
    "onfocusin",
    "onblur",
    "onfocusout",
    // A pointer passing over the page fires these: no decision is needed.
    "onmouseover",
    "onmouseenter",
    "onmousemove",
    "onmouseout",
    "onmouseleave",
    "onpointerover",
    "onpointerenter",
    "onpointermove",
    "onpointerout",
    "onpointerleave",
    "onpointerrawupdate",
    "onwheel",
    // Chromium's legacy name of `wheel`.
    "onmousewheel",
    // The page's own code rejecting a promise fires these on the window.
    "onunhandledrejection",
    "onrejectionhandled",
];

/// Whether an attribute named `name` is an event handler (`on…`). Every
/// handler counts, those the visitor triggers (a click, a key) as much as
/// those that fire on their own (load, media, animation, a pointer passing
/// over): a click on a page is no consent to a tracker its handler loads.
fn is_event_handler(name: &[u8]) -> bool {
    name.len() > 2 && name[..2].eq_ignore_ascii_case(b"on")
}

/// Whether a URL attribute as written may read as a `javascript:` URL:
/// its scheme, after the leading C0 controls and spaces and any tab or
/// newline the URL parser drops, or a character reference (which may
/// spell any of it) before the scheme's end. Most links are told by
/// their first byte.
pub(crate) fn may_be_javascript_url(raw: &[u8]) -> bool {
    const SCHEME: &[u8] = b"javascript:";
    let mut matched = 0;
    for &b in raw {
        match b {
            b'&' => return true,
            b'\t' | b'\n' | b'\r' => {}
            0..=0x20 if matched == 0 => {}
            _ if b.to_ascii_lowercase() == SCHEME[matched] => {
                matched += 1;
                if matched == SCHEME.len() {
                    return true;
                }
            }
            _ => return false,
        }
    }
    false
}

/// What to do with an element whose rule, asking `action`, is denied.
fn element_action(kind: ElementKind, attr: &str, javascript: bool, action: Action) -> Action {
    if javascript {
        return Action::Remove;
    }
    match (kind, action) {
        (
            ElementKind::Iframe | ElementKind::Frame | ElementKind::Embed | ElementKind::Object,
            Action::Placeholder,
        ) => Action::Placeholder,
        (ElementKind::Iframe | ElementKind::Frame | ElementKind::Img, Action::Neutralize)
            if attr == "src" =>
        {
            Action::Neutralize
        }
        (ElementKind::Script, Action::Neutralize) if attr == "src" => Action::Neutralize,
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
fn placeholder_html(
    ctx: &Context,
    rule: &TagRule,
    url: &str,
    data: &[u8],
    tag: &StartTag<'_>,
) -> String {
    let attr = |name: &str| {
        tag.attr(data, name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
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

/// The start tag with attributes `remove` (and every duplicate of their
/// names) taken out and each `set` attribute given its value (in place if
/// present, else appended), the rest as written. `set` values are written
/// as given, between double quotes.
pub(crate) fn rebuild_tag(
    data: &[u8],
    tag: &StartTag<'_>,
    remove: &[usize],
    set: &[(&str, String)],
) -> Vec<u8> {
    let name_of = |i: usize| &data[tag.attributes[i].name.clone()];
    let removed = |i: usize| {
        remove
            .iter()
            .any(|&r| name_of(r).eq_ignore_ascii_case(name_of(i)))
    };
    let attribute = |name: &str, value: &str| format!("{name}=\"{value}\"").into_bytes();
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for (i, a) in tag.attributes.iter().enumerate() {
        if removed(i) {
            edits.push((a.lead, a.span.end, Vec::new()));
        }
    }
    let end_of_attrs = tag
        .attributes
        .last()
        .map_or(tag.name_span.end, |a| a.span.end);
    let mut appended = Vec::new();
    for (name, value) in set {
        let existing = tag
            .attributes
            .iter()
            .enumerate()
            .find(|(i, _)| name_of(*i).eq_ignore_ascii_case(name.as_bytes()) && !removed(*i));
        match existing {
            Some((_, a)) => edits.push((a.span.start, a.span.end, attribute(name, value))),
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
/// Besides the JavaScript MIME types and `module`, this counts the types
/// under which another script runs it later: Partytown's `text/partytown`,
/// Cloudflare Rocket Loader's `…-text/javascript`, and the types by which
/// WordPress performance plugins delay a script until the visitor first
/// moves the pointer, scrolls or presses a key (WP Rocket's
/// `rocketlazyloadscript`, LiteSpeed's `litespeed/javascript`,
/// Perfmatters' `pmdelayedscript`).
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

/// Whether a `<script language>` (on a script without `type`) makes the
/// browser run it: empty, `text/` and it a JavaScript type, or one of the
/// legacy language names Chromium accepts.
fn is_executable_language(language: &str) -> bool {
    if language.is_empty() {
        return true;
    }
    let mime = format!("text/{language}");
    EXECUTABLE_SCRIPT_TYPES
        .iter()
        .filter(|t| t.starts_with("text/") && **t != "text/partytown")
        .any(|t| mime.eq_ignore_ascii_case(t))
        || is_legacy_language(language)
}

/// Whether `name` is one of the legacy language names Chromium accepts.
fn is_legacy_language(name: &str) -> bool {
    LEGACY_SCRIPT_LANGUAGES
        .iter()
        .any(|l| name.eq_ignore_ascii_case(l))
}

/// `<script language>` values Chromium runs besides `text/` JavaScript
/// types.
const LEGACY_SCRIPT_LANGUAGES: [&str; 12] = [
    "javascript",
    "javascript1.0",
    "javascript1.1",
    "javascript1.2",
    "javascript1.3",
    "javascript1.4",
    "javascript1.5",
    "javascript1.6",
    "javascript1.7",
    "livescript",
    "ecmascript",
    "jscript",
];

/// Script types a browser runs (compared ASCII case-insensitively).
const EXECUTABLE_SCRIPT_TYPES: [&str; 21] = [
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
    "rocketlazyloadscript",
    "litespeed/javascript",
    "pmdelayedscript",
];

/// Attributes of a script without `src` that a loader swaps in as its
/// `src` later: WP Rocket's `data-rocket-src`, Perfmatters'
/// `data-pmdelayedscript` (a `data:` URL for inline code), LiteSpeed's and
/// lazy loaders' `data-src`.
const LAZY_SCRIPT_SOURCES: &[&str] = &["data-rocket-src", "data-pmdelayedscript", "data-src"];

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
    use super::is_executable_language;
    use super::is_executable_script_type as exec;

    #[test]
    fn executable_languages() {
        for l in [
            "",
            "JavaScript",
            "javascript1.7",
            "ecmascript",
            "jscript",
            "livescript",
        ] {
            assert!(is_executable_language(l), "{l:?}");
        }
        for l in ["vbscript", "json", "partytown", "module", "text/javascript"] {
            assert!(!is_executable_language(l), "{l:?}");
        }
    }

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
            Some("rocketlazyloadscript"),
            Some("litespeed/javascript"),
            Some("pmdelayedscript"),
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

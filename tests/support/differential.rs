//! The scanner against html5ever's full parser (scripting enabled): the
//! elements that can load or run something, with their decoded URL
//! attributes, must agree.
//!
//! Tolerated: the scanner may see an element the tree builder drops
//! (start tags ignored in `frameset`, `select` and after-frameset modes, a
//! second `<html>`/`<body>` merged into the first): a browser loads nothing
//! there, and the rewriter judging one more tag is harmless. It may never
//! miss one the parser creates.
//!
//! Documented: in foreign content the scanner knows the open HTML elements
//! only by the names of the HTML start tags seen, and leaves foreign
//! content when unsure; `foreign_content_documented_differences` in
//! `tests/differential.rs` lists where it reads differently for that (and
//! where html5ever departs from the spec).

use std::collections::BTreeMap;

use consentry::html::scanner::{
    Attributes, EndTag, Handler, Namespace, Scanner, StartTag, TagName,
};
use consentry::rewrite::urls::attribute_value;
use html5ever::tendril::TendrilSink;
use html5ever::{parse_document, ParseOpts};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

/// An element of interest: namespace, name and URL attributes.
type Element = (String, String, Vec<(String, String)>);

/// HTML elements whose attributes make a browser fetch or run something.
const HTML: [&str; 13] = [
    "script", "iframe", "frame", "img", "embed", "object", "link", "meta", "base", "style",
    "video", "audio", "source",
];
/// Their attributes compared.
const ATTRIBUTES: [&str; 6] = ["src", "href", "data", "srcset", "srcdoc", "type"];

fn interesting(namespace: &str, name: &str) -> bool {
    match namespace {
        "html" => HTML.contains(&name),
        "svg" => name == "script" || name == "image",
        _ => false,
    }
}

/// Elements of interest html5ever builds, template contents included.
pub fn html5ever_elements(html: &[u8]) -> Vec<Element> {
    let text = String::from_utf8_lossy(html).into_owned();
    let dom = parse_document(RcDom::default(), ParseOpts::default()).one(text);
    let mut out = Vec::new();
    walk(&dom.document, &mut out);
    out
}

fn walk(node: &Handle, out: &mut Vec<Element>) {
    if let NodeData::Element {
        name,
        attrs,
        template_contents,
        ..
    } = &node.data
    {
        let namespace = match &*name.ns {
            "http://www.w3.org/1999/xhtml" => "html",
            "http://www.w3.org/2000/svg" => "svg",
            "http://www.w3.org/1998/Math/MathML" => "math",
            _ => "other",
        };
        let local = name.local.to_string().to_ascii_lowercase();
        if interesting(namespace, &local) {
            let mut values = BTreeMap::new();
            for a in attrs.borrow().iter() {
                let n = a.name.local.to_string().to_ascii_lowercase();
                if ATTRIBUTES.contains(&n.as_str()) {
                    values.entry(n).or_insert_with(|| a.value.to_string());
                }
            }
            out.push((namespace.into(), local, values.into_iter().collect()));
        }
        if let Some(contents) = template_contents.borrow().as_ref() {
            walk(contents, out);
        }
    }
    for child in node.children.borrow().iter() {
        walk(child, out);
    }
}

#[derive(Default)]
struct Recorder(Vec<Element>);

impl Handler for Recorder {
    fn wants(&self, _: TagName) -> Option<Attributes> {
        Some(Attributes::All)
    }

    fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
        let namespace = match tag.namespace {
            Namespace::Html => "html",
            Namespace::Svg => "svg",
            Namespace::MathMl => "math",
        };
        let mut local = String::from_utf8_lossy(&data[tag.name_span.clone()]).to_ascii_lowercase();
        if tag.name == TagName::Img {
            local = "img".into();
        }
        if !interesting(namespace, &local) {
            return;
        }
        let mut values = BTreeMap::new();
        for a in tag.attributes {
            let mut n = String::from_utf8_lossy(&data[a.name.clone()]).to_ascii_lowercase();
            if namespace != "html" {
                // The tree builder reads `xlink:href` as `href` in the xlink namespace.
                if let Some(local) = n.strip_prefix("xlink:") {
                    n = local.to_string();
                }
            }
            if ATTRIBUTES.contains(&n.as_str()) {
                let raw = a.value.clone().map_or(&data[0..0], |v| &data[v]);
                // The parser's input stream turns written CRs into line
                // feeds before tokenizing; a CR spelled `&#13` stays.
                let raw = String::from_utf8_lossy(raw)
                    .replace("\r\n", "\n")
                    .replace('\r', "\n");
                let value = attribute_value(raw.as_bytes()).replace('\0', "\u{fffd}");
                values.entry(n).or_insert(value);
            }
        }
        self.0
            .push((namespace.into(), local, values.into_iter().collect()));
    }

    fn end_tag(&mut self, _: &[u8], _: &EndTag) {}
}

/// Elements of interest the scanner reports, fed `html` cut at `cuts`.
pub fn scanner_elements(html: &[u8], cuts: &[usize]) -> Vec<Element> {
    let mut scanner = Scanner::new();
    let mut rec = Recorder::default();
    let mut carried: Vec<u8> = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&html.len())) {
        carried.extend_from_slice(&html[start..end]);
        scanner.feed(&carried, false, &mut rec);
        let keep = scanner.keep_from();
        carried.drain(..keep);
        scanner.rebase(keep);
        start = end;
    }
    scanner.feed(&carried, true, &mut rec);
    rec.0
}

/// Compares both readings of `html`: `Err` names what the scanner missed.
/// With `exact`, it must also see nothing more.
pub fn compare(html: &[u8], cuts: &[usize], exact: bool) -> Result<(), String> {
    let mut parser = html5ever_elements(html);
    let mut ours = scanner_elements(html, cuts);
    parser.sort();
    ours.sort();
    let mut missed = Vec::new();
    let mut extra = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < parser.len() || j < ours.len() {
        match (parser.get(i), ours.get(j)) {
            (Some(p), Some(o)) if p == o => {
                i += 1;
                j += 1;
            }
            (Some(p), Some(o)) if p < o => {
                missed.push(p.clone());
                i += 1;
            }
            (Some(p), None) => {
                missed.push(p.clone());
                i += 1;
            }
            (_, Some(o)) => {
                extra.push(o.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    if missed.is_empty() && (!exact || extra.is_empty()) {
        return Ok(());
    }
    Err(format!(
        "missed {} (first {:?}), extra {} (first {:?})",
        missed.len(),
        missed.first(),
        extra.len(),
        extra.first()
    ))
}

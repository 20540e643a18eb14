//! A [`Document`] as HTML (a page, or a fragment to embed), Markdown or JSON.

use super::texts::{self, DocTexts};
use super::{CategoryView, Document};
use crate::rewrite::placeholder::escape_config_text as esc;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An accessible HTML page (or fragment).
    Html,
    /// Markdown.
    Markdown,
    /// Structured JSON.
    Json,
}

/// `doc` in `format`; `fragment` gives HTML without `<html>`/`<head>`,
/// headings starting at `<h2>`, for embedding in a site's own page.
pub fn render(doc: &Document, format: Format, fragment: bool) -> String {
    let words = texts::texts(&doc.language).expect("a built document has texts");
    match format {
        Format::Html => html(doc, words, fragment),
        Format::Markdown => markdown(doc, words),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(doc).expect("documents serialize");
            text.push('\n');
            text
        }
    }
}

/// The site's name as a sentence uses it.
fn site_name<'a>(doc: &'a Document, words: &'a DocTexts) -> &'a str {
    doc.site.name.as_deref().unwrap_or(words.the_site)
}

fn consent_line(words: &DocTexts, category: &CategoryView) -> &'static str {
    if category.needs_consent {
        words.needs_consent
    } else {
        words.no_consent
    }
}

fn html(doc: &Document, words: &DocTexts, fragment: bool) -> String {
    // Heading levels: the title, the sections, the categories.
    let (h1, h2, h3) = if fragment { (2, 3, 4) } else { (1, 2, 3) };
    let mut out = String::new();
    let site = site_name(doc, words);
    if fragment {
        out.push_str(&format!(
            "<section class=\"cnsy-policy\" lang=\"{}\">\n",
            esc(&doc.language)
        ));
    } else {
        out.push_str(&format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} &#8211; {site}</title><link rel=\"stylesheet\" href=\"{css}\"></head>\n\
             <body class=\"cnsy-page\"><main class=\"cnsy-main cnsy-policy\">\n",
            lang = esc(&doc.language),
            title = esc(words.title),
            site = esc(site),
            css = esc(&doc.stylesheet_url),
        ));
    }
    out.push_str(&format!("<h{h1}>{}</h{h1}>\n", esc(words.title)));
    if let Some(date) = &doc.site.last_updated {
        out.push_str(&format!(
            "<p><em>{}</em></p>\n",
            esc(&words.last_updated.replace("{date}", date))
        ));
    }
    let site_html = match &doc.site.url {
        Some(url) => format!(
            "<a class=\"cnsy-link\" href=\"{}\">{}</a>",
            esc(url),
            esc(site)
        ),
        None => esc(site),
    };
    out.push_str(&format!(
        "<p>{}</p>\n",
        esc(words.intro).replace("{site}", &site_html)
    ));
    out.push_str(&format!(
        "<h{h2}>{}</h{h2}>\n<p>{}</p>\n<h{h2}>{}</h{h2}>\n<p>{}</p>\n",
        esc(words.what_heading),
        esc(words.what_text),
        esc(words.how_heading),
        esc(words.how_text)
    ));
    for category in &doc.categories {
        let id = format!("cnsy-policy-{}", esc(&category.name));
        out.push_str(&format!(
            "<section aria-labelledby=\"{id}\">\n<h{h3} id=\"{id}\">{}</h{h3}>\n",
            esc(&category.title)
        ));
        if !category.description.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", esc(&category.description)));
        }
        out.push_str(&format!(
            "<p><strong>{}</strong></p>\n",
            esc(consent_line(words, category))
        ));
        if category.cookies.is_empty() && category.services.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", esc(words.nothing_listed)));
        }
        if !category.cookies.is_empty() {
            out.push_str(&format!(
                "<table class=\"cnsy-table\"><caption>{}</caption>\n<thead><tr>{}</tr></thead><tbody>\n",
                esc(&words.cookies_caption.replace("{category}", &category.title)),
                [words.cookie, words.provider, words.purpose, words.retention]
                    .iter()
                    .map(|h| format!("<th scope=\"col\">{}</th>", esc(h)))
                    .collect::<String>(),
            ));
            for c in &category.cookies {
                out.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    esc(&c.name),
                    esc(&c.provider),
                    esc(c.purpose.as_deref().unwrap_or("")),
                    esc(c.retention.as_deref().unwrap_or("")),
                ));
            }
            out.push_str("</tbody></table>\n");
        }
        if !category.services.is_empty() {
            let caption = if category.needs_consent {
                words.services_caption
            } else {
                words.services_caption_always
            };
            out.push_str(&format!(
                "<table class=\"cnsy-table\"><caption>{}</caption>\n<thead><tr>{}</tr></thead><tbody>\n",
                esc(&caption.replace("{category}", &category.title)),
                [words.service, words.purpose, words.privacy_policy]
                    .iter()
                    .map(|h| format!("<th scope=\"col\">{}</th>", esc(h)))
                    .collect::<String>(),
            ));
            for s in &category.services {
                let mut links = Vec::new();
                for (url, label) in [
                    (&s.privacy_policy, words.privacy_policy),
                    (&s.opt_out, words.opt_out),
                ] {
                    if let Some(url) = url {
                        links.push(format!(
                            "<a class=\"cnsy-link\" href=\"{}\">{} <span class=\"cnsy-vh\">({})</span></a>",
                            esc(url),
                            esc(label),
                            esc(&s.vendor)
                        ));
                    }
                }
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    esc(&s.vendor),
                    esc(s.purpose.as_deref().unwrap_or("")),
                    links.join("<br>"),
                ));
            }
            out.push_str("</tbody></table>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str(&format!(
        "<h{h2}>{}</h{h2}>\n<p>{}</p>\n<p><a class=\"cnsy-link\" href=\"{}\">{}</a></p>\n<p>{}</p>\n",
        esc(words.control_heading),
        esc(words.control_text),
        esc(&doc.preferences_url),
        esc(words.settings_link),
        esc(words.browser_text),
    ));
    let contact = contact_lines(doc, words);
    if !contact.is_empty() {
        out.push_str(&format!(
            "<h{h2}>{}</h{h2}>\n<p>{}</p>\n<ul>\n",
            esc(words.contact_heading),
            esc(&words.contact_text.replace("{site}", site))
        ));
        for (label, value, href) in contact {
            let value = match href {
                Some(href) => format!(
                    "<a class=\"cnsy-link\" href=\"{}\">{}</a>",
                    esc(&href),
                    esc(value)
                ),
                None => esc(value),
            };
            out.push_str(&format!("<li>{}: {value}</li>\n", esc(label)));
        }
        out.push_str("</ul>\n");
    }
    if !doc.site.revisions.is_empty() {
        out.push_str(&format!(
            "<h{h2}>{heading}</h{h2}>\n<table class=\"cnsy-table\"><caption>{heading}</caption>\n<thead><tr>{}</tr></thead><tbody>\n",
            [words.version, words.date, words.description]
                .iter()
                .map(|h| format!("<th scope=\"col\">{}</th>", esc(h)))
                .collect::<String>(),
            heading = esc(words.revisions_heading),
        ));
        for r in &doc.site.revisions {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&r.version),
                esc(&r.date),
                esc(&r.description)
            ));
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str(if fragment {
        "</section>\n"
    } else {
        "</main></body></html>\n"
    });
    out
}

/// `(label, value, link)` for each way of contact given.
fn contact_lines<'a>(
    doc: &'a Document,
    words: &'a DocTexts,
) -> Vec<(&'static str, &'a str, Option<String>)> {
    let s = &doc.site;
    let mut lines = Vec::new();
    if let Some(email) = &s.email {
        lines.push((words.email, email.as_str(), Some(format!("mailto:{email}"))));
    }
    if let Some(phone) = &s.phone {
        let digits: String = phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        lines.push((words.phone, phone.as_str(), Some(format!("tel:{digits}"))));
    }
    if let Some(address) = &s.address {
        lines.push((words.address, address.as_str(), None));
    }
    if let Some(url) = &s.contact_url {
        lines.push((words.contact_page, url.as_str(), Some(url.clone())));
    }
    lines
}

/// A Markdown table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn markdown(doc: &Document, words: &DocTexts) -> String {
    let site = site_name(doc, words);
    let mut out = format!("# {}\n\n", words.title);
    if let Some(date) = &doc.site.last_updated {
        out.push_str(&format!(
            "*{}*\n\n",
            words.last_updated.replace("{date}", date)
        ));
    }
    let site_md = match &doc.site.url {
        Some(url) => format!("[{site}]({url})"),
        None => site.to_string(),
    };
    out.push_str(&format!("{}\n\n", words.intro.replace("{site}", &site_md)));
    out.push_str(&format!(
        "## {}\n\n{}\n\n## {}\n\n{}\n\n",
        words.what_heading, words.what_text, words.how_heading, words.how_text
    ));
    for category in &doc.categories {
        out.push_str(&format!("### {}\n\n", category.title));
        if !category.description.is_empty() {
            out.push_str(&format!("{}\n\n", category.description));
        }
        out.push_str(&format!("**{}**\n\n", consent_line(words, category)));
        if category.cookies.is_empty() && category.services.is_empty() {
            out.push_str(&format!("{}\n\n", words.nothing_listed));
        }
        if !category.cookies.is_empty() {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n|---|---|---|---|\n",
                words.cookie, words.provider, words.purpose, words.retention
            ));
            for c in &category.cookies {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    c.name.replace('`', "'"),
                    cell(&c.provider),
                    cell(c.purpose.as_deref().unwrap_or("")),
                    cell(c.retention.as_deref().unwrap_or("")),
                ));
            }
            out.push('\n');
        }
        if !category.services.is_empty() {
            let caption = if category.needs_consent {
                words.services_caption
            } else {
                words.services_caption_always
            };
            out.push_str(&format!(
                "{}:\n\n| {} | {} | {} |\n|---|---|---|\n",
                caption.replace("{category}", &category.title),
                words.service,
                words.purpose,
                words.privacy_policy
            ));
            for s in &category.services {
                let mut links = Vec::new();
                if let Some(url) = &s.privacy_policy {
                    links.push(format!("[{}]({url})", words.privacy_policy));
                }
                if let Some(url) = &s.opt_out {
                    links.push(format!("[{}]({url})", words.opt_out));
                }
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    cell(&s.vendor),
                    cell(s.purpose.as_deref().unwrap_or("")),
                    links.join(", ")
                ));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "## {}\n\n{}\n\n[{}]({})\n\n{}\n\n",
        words.control_heading,
        words.control_text,
        words.settings_link,
        doc.preferences_url,
        words.browser_text
    ));
    let contact = contact_lines(doc, words);
    if !contact.is_empty() {
        out.push_str(&format!(
            "## {}\n\n{}\n\n",
            words.contact_heading,
            words.contact_text.replace("{site}", site)
        ));
        for (label, value, _) in contact {
            out.push_str(&format!("- {label}: {value}\n"));
        }
        out.push('\n');
    }
    if !doc.site.revisions.is_empty() {
        out.push_str(&format!(
            "## {}\n\n| {} | {} | {} |\n|---|---|---|\n",
            words.revisions_heading, words.version, words.date, words.description
        ));
        for r in &doc.site.revisions {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&r.version),
                cell(&r.date),
                cell(&r.description)
            ));
        }
    }
    out
}

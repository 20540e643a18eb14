//! The notice that replaces a blocked embed, and leads to consent.

use std::sync::Arc;

/// What a placeholder offers besides its notice: a button granting the
/// embed's category (a form posting to the consent endpoint with the
/// visitor's current grants plus that category, back to the same page) and
/// a link to the preferences page. Built per response by the proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantForm {
    /// What every form of the page's language shares.
    pub texts: Arc<GrantTexts>,
    /// The preferences page's URL.
    pub preferences: String,
    /// The page's own path and query (already checked to be a safe path).
    pub return_to: String,
    /// The visitor's currently granted categories, `necessary` left out.
    pub granted: Vec<String>,
}

/// The parts of a [`GrantForm`] that depend only on the configuration and
/// the language: built once per language when the configuration loads.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GrantTexts {
    /// The consent endpoint (`/_consentry/consent`).
    pub action: String,
    /// The consent UI stylesheet.
    pub stylesheet: String,
    /// The language of the texts.
    pub language: String,
    /// The notice, with `{vendor}` and `{category}`.
    pub blocked: String,
    /// The button, with `{category}`.
    pub allow: String,
    /// The preferences link's text.
    pub settings: String,
    /// Category name -> label shown to visitors.
    pub labels: Vec<(String, String)>,
}

/// The blocked element's attributes a placeholder keeps, as written in the
/// document (entities not decoded).
#[derive(Clone, Debug, Default)]
pub struct Embed {
    /// `class`, so the site's layout rules (responsive wrappers) still apply.
    pub class: Option<String>,
    /// `style`, applied after the size from `width` and `height`.
    pub style: Option<String>,
    /// `width`.
    pub width: Option<String>,
    /// `height`.
    pub height: Option<String>,
    /// `id`, the fragment the page returns to once the embed is allowed.
    pub id: Option<String>,
}

/// A small, script-free notice standing in for a blocked embed: a
/// `<consentry-placeholder>` whose content sits in a declarative shadow root.
///
/// It names the vendor and the category, keeps the original URL in
/// `data-consentry-src` (so a consent tool can restore the embed), keeps the
/// embed's `class`, `style`, `width` and `height` so it takes the embed's
/// place in the layout, and with a [`GrantForm`] offers to allow the
/// category. Values taken from the document are escaped exactly once.
pub fn html(
    vendor: &str,
    category: &str,
    url: &str,
    embed: &Embed,
    form: Option<&GrantForm>,
) -> String {
    let mut style = String::new();
    if let Some(width) = css_length(embed.width.as_deref()) {
        style.push_str(&format!("width:{width};"));
    }
    if let Some(height) = css_length(embed.height.as_deref()) {
        style.push_str(&format!("height:{height};"));
    }
    if let Some(own) = embed.style.as_deref() {
        style.push_str(&escape_document_value(own));
    }
    let class = match embed.class.as_deref().map(str::trim) {
        Some(own) if !own.is_empty() => format!(" class=\"{}\"", escape_document_value(own)),
        _ => String::new(),
    };
    let label = form
        .and_then(|f| f.texts.labels.iter().find(|(n, _)| n == category))
        .map_or(category, |(_, label)| label.as_str());
    let mut out = format!(
        "<consentry-placeholder data-consentry-injected=\"placeholder\" data-consent-category=\"{category}\" \
         data-consentry-src=\"{url}\"{class}{style} role=\"note\"{lang}><template shadowrootmode=\"open\">",
        category = escape_config_text(category),
        url = escape_document_value(url),
        style = if style.is_empty() {
            String::new()
        } else {
            format!(" style=\"{style}\"")
        },
        lang = form.map_or(String::new(), |f| format!(
            " lang=\"{}\"",
            escape_config_text(&f.texts.language)
        )),
    );
    let Some(form) = form else {
        out.push_str(&format!(
            "<div class=\"cnsy-ph\"><p>Content from {vendor} is blocked because {category} cookies are not allowed.</p></div>\
             </template></consentry-placeholder>",
            vendor = escape_config_text(vendor),
            category = escape_config_text(category),
        ));
        return out;
    };
    let fill = |template: &str| {
        escape_config_text(template)
            .replace("{vendor}", &escape_config_text(vendor))
            .replace("{category}", &escape_config_text(label))
    };
    let fragment = embed
        .id
        .as_deref()
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 100
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b))
        })
        .map_or(String::new(), |id| format!("#{id}"));
    out.push_str(&format!(
        "<link rel=\"stylesheet\" href=\"{css}\"><div class=\"cnsy-ph\"><p>{notice}</p>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"choice\" value=\"custom\">",
        css = escape_config_text(&form.texts.stylesheet),
        notice = fill(&form.texts.blocked),
        action = escape_config_text(&form.texts.action),
    ));
    for granted in form.granted.iter().filter(|g| g.as_str() != category) {
        out.push_str(&format!(
            "<input type=\"hidden\" name=\"category\" value=\"{}\">",
            escape_config_text(granted)
        ));
    }
    out.push_str(&format!(
        "<input type=\"hidden\" name=\"category\" value=\"{category}\">\
         <input type=\"hidden\" name=\"return\" value=\"{ret}{fragment}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
         <button class=\"cnsy-btn\" type=\"submit\">{allow}</button></form>\
         <a href=\"{prefs}\">{settings}</a></div></template></consentry-placeholder>",
        category = escape_config_text(category),
        ret = escape_config_text(&form.return_to),
        lang = escape_config_text(&form.texts.language),
        allow = fill(&form.texts.allow),
        prefs = escape_config_text(&form.preferences),
        settings = escape_config_text(&form.texts.settings),
    ));
    out
}

/// A `width`/`height` attribute as a CSS length: `560` or `560px` → `560px`,
/// `100%` → `100%`; anything else is dropped.
fn css_length(value: Option<&str>) -> Option<String> {
    let v = value?.trim();
    if let Some(percent) = v.strip_suffix('%') {
        return percent
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .map(|n| format!("{n}%"));
    }
    let v = v.strip_suffix("px").unwrap_or(v);
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=10_000).contains(n))
        .map(|n| format!("{n}px"))
}

/// Escapes our own text (vendor and category names) for HTML; non-ASCII
/// characters become numeric references, right in any document charset.
pub fn escape_config_text(text: &str) -> String {
    escape_with(text, true)
}

/// Escapes text taken from the document for an HTML attribute value or
/// text node. Its other characters stay as they are: the rewriter reads the
/// document byte for byte, so they go back as the bytes they came from.
pub fn escape(text: &str) -> String {
    escape_with(text, false)
}

/// `&`, `<`, `>` and both quotes escaped; with `references`, non-ASCII
/// characters too, as numeric references.
fn escape_with(text: &str, references: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if references && !c.is_ascii() => {
                use std::fmt::Write as _;
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value as written in the document (its character
/// references not decoded) for a double-quoted attribute: references stay
/// as they are, so `&amp;` stays `&amp;` (never `&amp;amp;`); a bare `&`,
/// quotes and angle brackets are escaped.
pub fn escape_document_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, c) in raw.char_indices() {
        match c {
            '&' if starts_reference(&raw[i + 1..]) => out.push('&'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether text after a `&` is a character reference (`amp;`, `#38;`, `#x26;`).
fn starts_reference(after: &str) -> bool {
    let Some(end) = after.find(';').filter(|&e| e <= 32) else {
        return false;
    };
    let name = &after[..end];
    match name.strip_prefix('#') {
        Some(hex) if hex.starts_with(['x', 'X']) => {
            hex.len() > 1 && hex[1..].bytes().all(|b| b.is_ascii_hexdigit())
        }
        Some(dec) => !dec.is_empty() && dec.bytes().all(|b| b.is_ascii_digit()),
        None => !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_sizes() {
        let embed = Embed {
            width: Some("560".into()),
            height: Some("315px".into()),
            ..Embed::default()
        };
        let h = html("Vid<eo>", "marketing", "https://x/\"a\"&b", &embed, None);
        assert!(h.contains("Vid&lt;eo&gt;"));
        assert_eq!(escape_config_text("Médiamétrie"), "M&#233;diam&#233;trie");
        assert_eq!(
            escape_config_text("a<'€\"&"),
            "a&lt;&#39;&#8364;&quot;&amp;"
        );
        assert_eq!(escape("é\"&"), "é&quot;&amp;");
        assert!(h.contains("data-consentry-src=\"https://x/&quot;a&quot;&amp;b\""));
        assert!(h.contains("style=\"width:560px;height:315px;\""));
        assert!(h.starts_with("<consentry-placeholder data-consentry-injected="));
        assert!(h.ends_with("</template></consentry-placeholder>"));
        assert!(!h.to_ascii_lowercase().contains("<script"));
        let h = html("V", "marketing", "u", &Embed::default(), None);
        assert!(!h.contains("style="));
        assert!(!h.contains(" class=\"cnsy-ph "));
    }

    #[test]
    fn document_values_are_escaped_once() {
        assert_eq!(
            escape_document_value("https://y.example/e?a=1&amp;b=2&c=3&#38;d&#x26;e"),
            "https://y.example/e?a=1&amp;b=2&amp;c=3&#38;d&#x26;e"
        );
        assert_eq!(escape_document_value("a\"b'<c>"), "a&quot;b&#39;&lt;c&gt;");
        assert_eq!(
            escape_document_value("&;&#;&#x;&x y;"),
            "&amp;;&amp;#;&amp;#x;&amp;x y;"
        );
        let embed = Embed {
            class: Some("embed-responsive-item lazy".into()),
            style: Some("position:absolute;top:0;left:0;width:100%;height:100%".into()),
            width: Some("100%".into()),
            height: Some("bogus".into()),
            id: Some("video-1".into()),
        };
        let url = "https://www.youtube.com/embed/x?rel=0&amp;autoplay=1";
        let h = html("YouTube", "marketing", url, &embed, None);
        assert!(h.contains(&format!("data-consentry-src=\"{url}\"")), "{h}");
        assert!(!h.contains("&amp;amp;"));
        assert!(h.contains(" class=\"embed-responsive-item lazy\""));
        assert!(h.contains(
            "style=\"width:100%;position:absolute;top:0;left:0;width:100%;height:100%\""
        ));
    }

    #[test]
    fn grant_form_adds_the_category_to_current_grants() {
        let form = GrantForm {
            texts: Arc::new(GrantTexts {
                action: "/_consentry/consent".into(),
                stylesheet: "/_consentry/consentry.1.css".into(),
                language: "de".into(),
                blocked: "Inhalte von {vendor} sind blockiert ({category}).".into(),
                allow: "{category} erlauben".into(),
                settings: "Cookie-Einstellungen".into(),
                labels: vec![("marketing".into(), "Marketing & Medien".into())],
            }),
            preferences: "/_consentry/preferences?return=%2Fp".into(),
            return_to: "/p?q=1&r=2".into(),
            granted: vec!["analytics".into()],
        };
        let embed = Embed {
            id: Some("clip".into()),
            ..Embed::default()
        };
        let h = html("YouTube", "marketing", "u", &embed, Some(&form));
        assert!(h.contains("action=\"/_consentry/consent\""));
        assert!(h.contains("name=\"choice\" value=\"custom\""));
        assert!(h.contains("name=\"category\" value=\"analytics\""));
        assert!(h.contains("name=\"category\" value=\"marketing\""));
        assert!(h.contains("name=\"return\" value=\"/p?q=1&amp;r=2#clip\""));
        assert!(h.contains(">Marketing &amp; Medien erlauben</button>"));
        assert!(h.contains("Inhalte von YouTube sind blockiert (Marketing &amp; Medien)."));
        assert!(h.contains("href=\"/_consentry/preferences?return=%2Fp\""));
        assert!(h.contains("lang=\"de\""));
        let hostile = Embed {
            id: Some("x\"><script>".into()),
            ..Embed::default()
        };
        let h = html("V", "marketing", "u", &hostile, Some(&form));
        assert!(h.contains("value=\"/p?q=1&amp;r=2\""));
        assert!(!h.contains("<script"));
    }
}

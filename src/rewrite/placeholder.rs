//! The notice that replaces a blocked embed.

/// A small, styled, script-free notice standing in for a blocked embed.
///
/// It names the vendor and the category, keeps the original URL in
/// `data-consentry-src` (so a consent tool can restore the embed) and keeps
/// the embed's size when it was given in pixels.
pub fn html(
    vendor: &str,
    category: &str,
    url: &str,
    width: Option<&str>,
    height: Option<&str>,
) -> String {
    let size = match (pixels(width), pixels(height)) {
        (Some(w), Some(h)) => format!("width:{w}px;max-width:100%;height:{h}px;"),
        (Some(w), None) => format!("width:{w}px;max-width:100%;min-height:150px;"),
        _ => "width:100%;max-width:640px;aspect-ratio:16/9;min-height:150px;".to_string(),
    };
    format!(
        "<div data-consentry-injected=\"placeholder\" data-consent-category=\"{category}\" \
         data-consentry-src=\"{url}\" class=\"consentry-placeholder\" role=\"note\" \
         style=\"box-sizing:border-box;{size}display:flex;align-items:center;justify-content:center;\
         padding:1em;background:#f3f3f3;border:1px solid #d0d0d0;border-radius:4px;color:#333;\
         font:14px/1.4 system-ui,sans-serif;text-align:center\">\
         <p style=\"margin:0\">Content from {vendor} is blocked because {category} cookies are not allowed.</p></div>",
        category = escape_config_text(category),
        url = escape(url),
        vendor = escape_config_text(vendor),
    )
}

/// A pixel size written as `560` or `560px`.
fn pixels(value: Option<&str>) -> Option<u32> {
    let v = value?.trim();
    let v = v.strip_suffix("px").unwrap_or(v);
    v.parse::<u32>().ok().filter(|n| (1..=10_000).contains(n))
}

/// Escapes our own text (vendor and category names) for HTML; non-ASCII
/// characters become numeric references, right in any document charset.
pub fn escape_config_text(text: &str) -> String {
    escape(text)
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("&#{};", u32::from(c))
            }
        })
        .collect()
}

/// Escapes text taken from the document for an HTML attribute value or
/// text node. Its other characters stay as they are: the rewriter reads the
/// document byte for byte, so they go back as the bytes they came from.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_sizes() {
        let h = html(
            "Vid<eo>",
            "marketing",
            "https://x/\"a\"&b",
            Some("560"),
            Some("315px"),
        );
        assert!(h.contains("Vid&lt;eo&gt;"));
        assert_eq!(escape_config_text("Médiamétrie"), "M&#233;diam&#233;trie");
        assert_eq!(escape("é\"&"), "é&quot;&amp;");
        assert!(h.contains("data-consentry-src=\"https://x/&quot;a&quot;&amp;b\""));
        assert!(h.contains("width:560px;max-width:100%;height:315px;"));
        assert!(h.starts_with("<div data-consentry-injected="));
        assert!(!h.to_ascii_lowercase().contains("<script"));
        let h = html("V", "marketing", "u", Some("100%"), None);
        assert!(h.contains("aspect-ratio:16/9"));
    }
}

//! The consent endpoint's input: the posted form, the `return` path and the
//! cross-site check. Everything here fails closed: a value that is not
//! exactly what our own forms send is refused (4xx), and nothing is set.

use crate::policy::category::{Categories, CategorySet};

/// The largest form body accepted, bytes (ours are well under 1 KiB).
pub const MAX_BODY: usize = 8 * 1024;

/// The most fields a form may carry.
const MAX_FIELDS: usize = 80;

/// The longest `return` path accepted, bytes.
const MAX_RETURN: usize = 2048;

/// What the visitor chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Every category.
    All,
    /// Nothing beyond `necessary`.
    None,
    /// The posted categories.
    Custom,
}

impl Choice {
    /// The form value and the name used in records and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Choice::All => "all",
            Choice::None => "none",
            Choice::Custom => "custom",
        }
    }
}

/// A valid consent form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentForm {
    /// The choice.
    pub choice: Choice,
    /// What it grants, `necessary` included.
    pub granted: CategorySet,
    /// Where to send the visitor back: a same-site path, `/` when the posted one was unsafe.
    pub return_to: String,
    /// The language the form was shown in, when it said so.
    pub language: Option<String>,
}

/// Why a form was refused (each is a `400`, except [`FormError::TooLarge`], a `413`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The body exceeds [`MAX_BODY`].
    #[error("the form is larger than {MAX_BODY} bytes")]
    TooLarge,
    /// More than the allowed number of fields.
    #[error("the form has too many fields")]
    TooManyFields,
    /// A name or value is not valid percent-encoded UTF-8.
    #[error("the form is not valid percent-encoded UTF-8")]
    Encoding,
    /// A field our forms never send.
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// No `choice`.
    #[error("`choice` is missing")]
    MissingChoice,
    /// A field that may appear once appeared again.
    #[error("`{0}` is given more than once")]
    Repeated(&'static str),
    /// `choice` is not `all`, `none` or `custom`.
    #[error("`choice` must be all, none or custom")]
    BadChoice,
    /// A category the policy does not know.
    #[error("unknown category")]
    UnknownCategory,
    /// A `lang` that is not a short language code.
    #[error("`lang` is not a language code")]
    BadLanguage,
}

/// Parses an `application/x-www-form-urlencoded` consent form.
pub fn parse(body: &[u8], categories: &Categories) -> Result<ConsentForm, FormError> {
    if body.len() > MAX_BODY {
        return Err(FormError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| FormError::Encoding)?;
    let mut choice = None;
    let mut posted = CategorySet::EMPTY;
    let mut return_to: Option<String> = None;
    let mut language = None;
    for (n, pair) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
        if n == MAX_FIELDS {
            return Err(FormError::TooManyFields);
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name)?, decode(value)?);
        match name.as_str() {
            "choice" => {
                let parsed = match value.as_str() {
                    "all" => Choice::All,
                    "none" => Choice::None,
                    "custom" => Choice::Custom,
                    _ => return Err(FormError::BadChoice),
                };
                if choice.replace(parsed).is_some() {
                    return Err(FormError::Repeated("choice"));
                }
            }
            "category" => {
                let category = categories
                    .lookup(&value)
                    .ok_or(FormError::UnknownCategory)?;
                posted.insert(category);
            }
            "return" => {
                if return_to.replace(value).is_some() {
                    return Err(FormError::Repeated("return"));
                }
            }
            "lang" => {
                let valid =
                    (2..=3).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_lowercase());
                if !valid {
                    return Err(FormError::BadLanguage);
                }
                if language.replace(value).is_some() {
                    return Err(FormError::Repeated("lang"));
                }
            }
            _ => {
                return Err(FormError::UnknownField(name.chars().take(20).collect()));
            }
        }
    }
    let choice = choice.ok_or(FormError::MissingChoice)?;
    let granted = match choice {
        Choice::All => categories.all(),
        Choice::None => CategorySet::NECESSARY_ONLY,
        Choice::Custom => posted.union(CategorySet::NECESSARY_ONLY),
    };
    Ok(ConsentForm {
        choice,
        granted,
        return_to: safe_return(return_to.as_deref().unwrap_or("/")).to_string(),
        language,
    })
}

/// One form-urlencoded name or value: `+` is a space, `%XX` a byte.
fn decode(text: &str) -> Result<String, FormError> {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| FormError::Encoding)
}

/// `path` when it is a same-site path (one leading `/`, printable ASCII, no
/// backslash, not too long), else `/`. Browsers read `//host` and `/\host`
/// as other sites, and control characters could split a header.
pub fn safe_return(path: &str) -> &str {
    let safe = path.len() <= MAX_RETURN
        && path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if safe {
        path
    } else {
        "/"
    }
}

/// The request headers the cross-site check reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct Provenance<'a> {
    /// `Sec-Fetch-Site`.
    pub fetch_site: Option<&'a str>,
    /// `Origin`.
    pub origin: Option<&'a str>,
    /// `Referer`.
    pub referer: Option<&'a str>,
    /// `Host` (or the request's authority).
    pub host: Option<&'a str>,
}

/// Whether a POST comes from another site: `Sec-Fetch-Site` other than
/// `same-origin`, `same-site` or `none`, or an `Origin` (without one, a
/// `Referer`) whose host and port are not the request's. A request with
/// none of these headers is not a browser's cross-site form and passes.
pub fn is_cross_site(p: &Provenance<'_>) -> bool {
    if let Some(site) = p.fetch_site {
        let site = site.trim().to_ascii_lowercase();
        if !matches!(site.as_str(), "same-origin" | "same-site" | "none") {
            return true;
        }
    }
    let claimed = p.origin.or(p.referer);
    match claimed {
        None => false,
        Some(url) => match (authority_of(url), p.host.map(normalize_host)) {
            (Some(from), Some(host)) => from != host,
            _ => true,
        },
    }
}

/// The `host[:port]` of an absolute http(s) URL, lower case, default port dropped.
fn authority_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    Some(
        authority
            .strip_suffix(default)
            .unwrap_or(&authority)
            .to_string(),
    )
}

fn normalize_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    match host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
    {
        Some(bare) => bare.to_string(),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::category::Category;

    fn form(body: &str) -> Result<ConsentForm, FormError> {
        parse(body.as_bytes(), &Categories::default())
    }

    #[test]
    fn parses_our_forms() {
        let all = form("return=%2Fnews%3Fp%3D2&choice=all&lang=de").unwrap();
        assert_eq!(all.choice, Choice::All);
        assert_eq!(all.granted, Categories::default().all());
        assert_eq!(all.return_to, "/news?p=2");
        assert_eq!(all.language.as_deref(), Some("de"));
        let none = form("choice=none&category=analytics").unwrap();
        assert_eq!(none.granted, CategorySet::NECESSARY_ONLY);
        assert_eq!(none.return_to, "/");
        let custom =
            form("choice=custom&category=analytics&category=Preferences&category=analytics")
                .unwrap();
        assert_eq!(
            custom.granted,
            CategorySet::NECESSARY_ONLY
                .with(Category::ANALYTICS)
                .with(Category::PREFERENCES)
        );
        assert_eq!(
            form("choice=custom").unwrap().granted,
            CategorySet::NECESSARY_ONLY
        );
        assert_eq!(
            form("choice=custom&category=necessary&").unwrap().granted,
            CategorySet::NECESSARY_ONLY
        );
    }

    #[test]
    fn refuses_every_bad_value() {
        let cases: &[(&str, FormError)] = &[
            ("", FormError::MissingChoice),
            ("return=/", FormError::MissingChoice),
            ("choice=", FormError::BadChoice),
            ("choice=ALL", FormError::BadChoice),
            ("choice=all%00", FormError::BadChoice),
            ("choice=yes", FormError::BadChoice),
            ("choice=all&choice=none", FormError::Repeated("choice")),
            ("choice=custom&category=bogus", FormError::UnknownCategory),
            ("choice=custom&category=", FormError::UnknownCategory),
            (
                "choice=all&category=analytics%0d%0a",
                FormError::UnknownCategory,
            ),
            (
                "choice=all&return=/a&return=/b",
                FormError::Repeated("return"),
            ),
            ("choice=all&lang=english", FormError::BadLanguage),
            ("choice=all&lang=d", FormError::BadLanguage),
            ("choice=all&lang=DE", FormError::BadLanguage),
            ("choice=all&lang=de&lang=fr", FormError::Repeated("lang")),
            (
                "choice=all&granted=all",
                FormError::UnknownField("granted".into()),
            ),
            ("choice=all&%FF=1", FormError::Encoding),
            ("choice=%E2%82", FormError::Encoding),
        ];
        for (body, expected) in cases {
            assert_eq!(form(body).as_ref(), Err(expected), "{body}");
        }
        assert_eq!(
            parse(b"choice=all&return=\xff", &Categories::default()),
            Err(FormError::Encoding)
        );
        let huge = format!("choice=all&return=/{}", "a".repeat(MAX_BODY));
        assert_eq!(form(&huge), Err(FormError::TooLarge));
        let many = "category=analytics&".repeat(MAX_FIELDS) + "choice=all";
        assert_eq!(form(&many), Err(FormError::TooManyFields));
        let long_name = format!("choice=all&{}=1", "é".repeat(100));
        assert!(
            matches!(form(&long_name), Err(FormError::UnknownField(n)) if n.chars().count() == 20)
        );
    }

    #[test]
    fn hostile_return_paths_go_home() {
        for hostile in [
            "//evil.example",
            "//evil.example/path",
            "https://evil.example",
            "http://evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/%0d%0aSet-Cookie:%20x=1",
            "javascript:alert(1)",
            "evil.example",
            "",
            " /",
        ] {
            let encoded: String =
                percent_encoding::utf8_percent_encode(hostile, percent_encoding::NON_ALPHANUMERIC)
                    .collect();
            let parsed = form(&format!("choice=none&return={encoded}")).unwrap();
            let expected = if hostile == "/%0d%0aSet-Cookie:%20x=1" {
                hostile
            } else {
                "/"
            };
            assert_eq!(parsed.return_to, expected, "{hostile}");
        }
        // Encoded CR LF decoded by the form layer: refused.
        let crlf = form("choice=none&return=%2F%0D%0ASet-Cookie%3A+x%3D1").unwrap();
        assert_eq!(crlf.return_to, "/");
        // A tab, a space or a non-ASCII character: refused too.
        for raw in ["/a%09b", "/a+b", "/caf%C3%A9"] {
            assert_eq!(
                form(&format!("choice=none&return={raw}"))
                    .unwrap()
                    .return_to,
                "/",
                "{raw}"
            );
        }
        let long = format!("/{}", "a".repeat(MAX_RETURN));
        assert_eq!(safe_return(&long), "/");
        assert_eq!(safe_return("/a/b?c=%2F&d#e"), "/a/b?c=%2F&d#e");
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        let host = Some("shop.example:8080");
        let p = |fetch_site, origin, referer| Provenance {
            fetch_site,
            origin,
            referer,
            host,
        };
        assert!(!is_cross_site(&p(None, None, None)));
        assert!(!is_cross_site(&p(Some("same-origin"), None, None)));
        assert!(!is_cross_site(&p(Some("none"), None, None)));
        assert!(is_cross_site(&p(Some("cross-site"), None, None)));
        assert!(is_cross_site(&p(
            Some("Cross-Site"),
            Some("http://shop.example:8080"),
            None
        )));
        assert!(is_cross_site(&p(Some("bogus"), None, None)));
        assert!(!is_cross_site(&p(
            None,
            Some("http://SHOP.example:8080"),
            None
        )));
        assert!(is_cross_site(&p(None, Some("http://evil.example"), None)));
        assert!(is_cross_site(&p(None, Some("null"), None)));
        assert!(is_cross_site(&p(None, Some("http://shop.example"), None)));
        assert!(is_cross_site(&p(
            Some("same-origin"),
            Some("http://evil.example"),
            None
        )));
        assert!(!is_cross_site(&p(
            None,
            None,
            Some("http://shop.example:8080/a?b")
        )));
        assert!(is_cross_site(&p(
            None,
            None,
            Some("https://evil.example/shop.example:8080")
        )));
        assert!(is_cross_site(&p(
            None,
            None,
            Some("http://shop.example:8080@evil.example/")
        )));
        let default_port = Provenance {
            origin: Some("https://shop.example"),
            host: Some("shop.example:443"),
            ..Provenance::default()
        };
        assert!(!is_cross_site(&default_port));
        let no_host = Provenance {
            origin: Some("https://shop.example"),
            ..Provenance::default()
        };
        assert!(is_cross_site(&no_host));
    }
}

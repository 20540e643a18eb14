//! Parsing of a request's `Cookie` header into name/value pairs.

/// The cookies of one request, borrowed from its `Cookie` header.
///
/// Parsing is lenient and never fails: pairs without `=` or with an empty
/// name are skipped, spaces around `;` and `=` are tolerated, and surrounding
/// double quotes on a value are stripped (RFC 6265).
#[derive(Debug, Default, Clone)]
pub struct RequestCookies<'a> {
    pairs: Vec<Pair<'a>>,
}

#[derive(Debug, Clone, Copy)]
struct Pair<'a> {
    name: &'a str,
    value: &'a str,
    /// The trimmed `name=value` text as sent, quotes included.
    raw: &'a str,
}

impl<'a> RequestCookies<'a> {
    /// Parses one `Cookie` header value (several headers should be joined with `; `).
    pub fn parse(header: &'a str) -> Self {
        let pairs = header
            .split(';')
            .filter_map(|pair| {
                let raw = pair.trim();
                let (name, value) = raw.split_once('=')?;
                let name = name.trim();
                if name.is_empty() {
                    return None;
                }
                Some(Pair {
                    name,
                    value: strip_quotes(value.trim()),
                    raw,
                })
            })
            .collect();
        RequestCookies { pairs }
    }

    /// The value of the first cookie called `name` (browsers send the most specific path first).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs.iter().find(|p| p.name == name).map(|p| p.value)
    }

    /// Every `(name, value)` pair, in header order, duplicates included.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.pairs.iter().map(|p| (p.name, p.value))
    }

    /// Every `(name, raw "name=value" text)` pair, for forwarding a cookie unchanged.
    pub fn iter_raw(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.pairs.iter().map(|p| (p.name, p.raw))
    }

    /// Whether the header held no cookie.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

fn strip_quotes(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lenient_headers() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("a=1; b=2", &[("a", "1"), ("b", "2")]),
            (" a = 1 ;b=\"x y\";", &[("a", "1"), ("b", "x y")]),
            ("noequals; =v; c=", &[("c", "")]),
            ("x=a=b", &[("x", "a=b")]),
            ("", &[]),
            (";;;", &[]),
            ("q=\"", &[("q", "\"")]),
            ("é=ü; z=1", &[("é", "ü"), ("z", "1")]),
        ];
        for (header, expected) in cases {
            let parsed: Vec<_> = RequestCookies::parse(header).iter().collect();
            assert_eq!(&parsed, expected, "header {header:?}");
        }
    }

    #[test]
    fn first_occurrence_wins() {
        let c = RequestCookies::parse("consentry=analytics; consentry=marketing");
        assert_eq!(c.get("consentry"), Some("analytics"));
        assert_eq!(c.get("missing"), None);
    }
}

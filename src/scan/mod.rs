//! `consentry scan`: crawl a site from a start URL (same-site links only,
//! bounded by a page count, robots.txt honoured, a polite delay), and
//! report the cookies each page sets and the third-party tags it carries,
//! each classified by the config or flagged unclassified.
//!
//! The crawl is I/O; what a page contains is read by [`extract`] and judged
//! by [`judge_page`], both pure.

mod extract;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, LOCATION, SET_COOKIE, USER_AGENT};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use url::Url;

use crate::config::Policy;
use crate::observed::{self, Observed, ObservedCookie, ObservedHost, SiteObserved};
use crate::policy::category::CategorySet;

pub use extract::{extract, Extracted};

/// The user agent scan identifies as (and the robots.txt group it obeys).
pub const AGENT: &str = "consentry-scan";

/// How a scan runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the crawl starts; only its scheme, host and port are crawled.
    pub start: Url,
    /// The most pages fetched.
    pub max_pages: usize,
    /// The pause between two requests (robots.txt's `Crawl-delay` if longer).
    pub delay: Duration,
    /// The most body bytes read from one page; the rest is not read.
    pub max_body: usize,
    /// The most redirects followed from one link.
    pub max_redirects: usize,
    /// How long one request may take.
    pub timeout: Duration,
}

/// A cookie a page set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieFound {
    /// Its name.
    pub name: String,
    /// Its category, or `None` when unclassified.
    pub category: Option<String>,
}

/// A third-party tag a page carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagFound {
    /// The element (`script`, `iframe`, …).
    pub element: &'static str,
    /// The third-party host.
    pub host: String,
    /// The matching rule's id and category, or `None` when unclassified.
    pub rule: Option<(String, String)>,
}

/// One fetched page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Its URL (after redirects).
    pub url: String,
    /// The HTTP status, or why it could not be fetched.
    pub outcome: Result<u16, String>,
    /// Whether the body was longer than [`Options::max_body`] (only its start was read).
    pub truncated: bool,
    /// The cookies it set.
    pub cookies: Vec<CookieFound>,
    /// The third-party tags it carries.
    pub tags: Vec<TagFound>,
}

/// What a scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every page fetched, in crawl order.
    pub pages: Vec<Page>,
    /// URLs robots.txt kept us from.
    pub disallowed: Vec<String>,
}

/// What happens during a scan, for a progress display.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// A page is being fetched (`done` of at most `limit`).
    Fetching {
        /// The URL.
        url: &'a str,
        /// Pages fetched so far.
        done: usize,
        /// The page limit.
        limit: usize,
    },
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// A fetched response: final URL, status, `Set-Cookie` values, HTML body (if HTML).
struct Fetched {
    url: Url,
    status: StatusCode,
    set_cookies: Vec<Bytes>,
    html: Option<String>,
    truncated: bool,
}

/// Crawls the site of `options.start`, judging what it finds by `policy`.
pub async fn scan(
    policy: &Policy,
    options: &Options,
    mut progress: impl FnMut(Event<'_>),
) -> Result<Report, String> {
    match options.start.scheme() {
        "http" => {}
        "https" => {
            return Err(
                "https is not supported: scan the site's http origin (the upstream Consentry runs in front of)"
                    .into(),
            )
        }
        other => return Err(format!("`{other}:` URLs cannot be scanned; give an http:// URL")),
    }
    if options.start.host_str().is_none() {
        return Err("the start URL has no host".into());
    }
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(options.timeout));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);

    let robots = robots(&client, options).await;
    let delay = robots
        .as_ref()
        .and_then(|r| r.delay)
        .map(|d| Duration::from_secs_f32(d.clamp(0.0, 30.0)))
        .map_or(options.delay, |d| d.max(options.delay));
    let allowed = |url: &Url| robots.as_ref().is_none_or(|r| r.allowed(url.as_str()));

    let mut report = Report::default();
    let mut queue = VecDeque::from([normalized(options.start.clone())]);
    let mut seen: HashSet<String> = queue.iter().map(|u| u.to_string()).collect();
    let mut first = true;
    while let Some(url) = queue.pop_front() {
        if report.pages.len() >= options.max_pages {
            break;
        }
        if !allowed(&url) {
            report.disallowed.push(url.to_string());
            continue;
        }
        if !first {
            tokio::time::sleep(delay).await;
        }
        first = false;
        progress(Event::Fetching {
            url: url.as_str(),
            done: report.pages.len(),
            limit: options.max_pages,
        });
        let fetched = fetch(&client, options, url.clone(), &allowed).await;
        let page = match fetched {
            Ok(f) => {
                let extracted = f.html.as_deref().map(|h| extract(policy, h, &f.url));
                if let Some(extracted) = &extracted {
                    for link in &extracted.links {
                        let link = normalized(link.clone());
                        // Bounded: a few times more candidates than pages to fetch.
                        let room = queue.len() < options.max_pages.saturating_mul(4) + 100;
                        if room && same_site(&link, &options.start) && seen.insert(link.to_string())
                        {
                            queue.push_back(link);
                        }
                    }
                }
                judge_page(
                    policy,
                    &f.url,
                    f.status,
                    &f.set_cookies,
                    extracted.as_ref(),
                    f.truncated,
                )
            }
            Err(reason) => Page {
                url: url.to_string(),
                outcome: Err(reason),
                truncated: false,
                cookies: Vec::new(),
                tags: Vec::new(),
            },
        };
        report.pages.push(page);
    }
    Ok(report)
}

/// The URL without its fragment.
fn normalized(mut url: Url) -> Url {
    url.set_fragment(None);
    url
}

fn same_site(url: &Url, start: &Url) -> bool {
    url.scheme() == start.scheme()
        && url.host_str() == start.host_str()
        && url.port_or_known_default() == start.port_or_known_default()
}

/// The site's robots.txt rules for [`AGENT`]; none when it has no robots.txt.
async fn robots(client: &HttpClient, options: &Options) -> Option<texting_robots::Robot> {
    let url = options.start.join("/robots.txt").ok()?;
    let fetched = fetch_once(client, options, &url).await.ok()?;
    if !fetched.0.is_success() {
        return None;
    }
    texting_robots::Robot::new(AGENT, &fetched.2).ok()
}

/// One GET: status, headers, the body's first `max_body` bytes, and whether there was more.
async fn fetch_once(
    client: &HttpClient,
    options: &Options,
    url: &Url,
) -> Result<(StatusCode, http::HeaderMap, Vec<u8>, bool), String> {
    let request = Request::get(url.as_str())
        .header(USER_AGENT, AGENT)
        .header(ACCEPT, "text/html,*/*;q=0.5")
        .header(ACCEPT_ENCODING, "identity")
        .body(Empty::new())
        .map_err(|e| format!("bad URL: {e}"))?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        let mut truncated = false;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("reading the body failed: {e}"))?;
            if let Ok(data) = frame.into_data() {
                let room = options.max_body - bytes.len();
                if data.len() > room {
                    bytes.extend_from_slice(&data[..room]);
                    truncated = true;
                    break;
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok((parts.status, parts.headers, bytes, truncated))
    };
    tokio::time::timeout(options.timeout, exchange)
        .await
        .map_err(|_| format!("no answer within {:?}", options.timeout))?
}

/// GETs `url`, following same-site redirects robots.txt allows.
async fn fetch(
    client: &HttpClient,
    options: &Options,
    mut url: Url,
    allowed: &impl Fn(&Url) -> bool,
) -> Result<Fetched, String> {
    let mut visited = vec![url.to_string()];
    let mut set_cookies = Vec::new();
    loop {
        let (status, headers, body, truncated) = fetch_once(client, options, &url).await?;
        set_cookies.extend(
            headers
                .get_all(SET_COOKIE)
                .iter()
                .map(|v| Bytes::copy_from_slice(v.as_bytes())),
        );
        if status.is_redirection() {
            if let Some(location) = headers.get(LOCATION).and_then(|l| l.to_str().ok()) {
                let next = url
                    .join(location)
                    .map_err(|e| format!("{status} to a bad Location `{location}`: {e}"))?;
                if !same_site(&next, &options.start) {
                    return Err(format!("{status} to another site: {next}"));
                }
                if !allowed(&next) {
                    return Err(format!("{status} to {next}, which robots.txt disallows"));
                }
                if visited.contains(&next.to_string()) {
                    return Err(format!("redirect loop: {}", visited.join(" -> ")));
                }
                if visited.len() > options.max_redirects {
                    return Err(format!("more than {} redirects", options.max_redirects));
                }
                visited.push(next.to_string());
                url = next;
                continue;
            }
        }
        let is_html = headers
            .get(CONTENT_TYPE)
            .and_then(|t| t.to_str().ok())
            .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
        return Ok(Fetched {
            url,
            status,
            set_cookies,
            html: is_html.then(|| String::from_utf8_lossy(&body).into_owned()),
            truncated,
        });
    }
}

/// Judges one page: its cookies and its third-party tags, by `policy`.
pub fn judge_page(
    policy: &Policy,
    url: &Url,
    status: StatusCode,
    set_cookies: &[Bytes],
    extracted: Option<&Extracted>,
    truncated: bool,
) -> Page {
    let name = |c| policy.categories.name(c).to_string();
    let mut cookies = Vec::new();
    for value in set_cookies {
        let verdict = policy
            .cookies
            .decide_set_cookie(value, CategorySet::NECESSARY_ONLY);
        if let Some(cookie) = verdict.name {
            if !cookies.iter().any(|c: &CookieFound| c.name == cookie) {
                cookies.push(CookieFound {
                    name: cookie.to_string(),
                    category: verdict.category.map(name),
                });
            }
        }
    }
    let own_host = url.host_str().unwrap_or("");
    let rules = policy.rewriter.rules();
    let mut tags: Vec<TagFound> = Vec::new();
    for (element, reference, rule) in extracted.map_or(&[][..], |e| &e.references[..]) {
        let Some(host) = reference.host_str() else {
            continue;
        };
        if host.eq_ignore_ascii_case(own_host) {
            continue;
        }
        let rule = rule.map(|i| {
            let rule = rules.rule(i);
            (rule.id.clone(), name(rule.category))
        });
        let found = TagFound {
            element: element.name(),
            host: host.to_ascii_lowercase(),
            rule,
        };
        if !tags.contains(&found) {
            tags.push(found);
        }
    }
    Page {
        url: url.to_string(),
        outcome: Ok(status.as_u16()),
        truncated,
        cookies,
        tags,
    }
}

impl Report {
    /// The report as an observed file for the start URL's host.
    pub fn observed(&self, site: &str) -> Observed {
        let mut seen = SiteObserved::default();
        for page in &self.pages {
            let path = Url::parse(&page.url).map(|u| u.path().to_string()).ok();
            for c in &page.cookies {
                if !seen.cookies.iter().any(|o| o.name == c.name) {
                    seen.cookies.push(ObservedCookie {
                        name: c.name.clone(),
                        category: c.category.clone(),
                        set_by_site: true,
                        sent_by_browser: false,
                        path: path.clone(),
                    });
                }
            }
            for t in &page.tags {
                match seen.hosts.iter_mut().find(|h| h.host == t.host) {
                    Some(h) => {
                        if !h.elements.iter().any(|e| e == t.element) {
                            h.elements.push(t.element.to_string());
                            h.elements.sort();
                        }
                    }
                    None => seen.hosts.push(ObservedHost {
                        host: t.host.clone(),
                        elements: vec![t.element.to_string()],
                        rule: t.rule.as_ref().map(|(id, _)| id.clone()),
                        category: t.rule.as_ref().map(|(_, c)| c.clone()),
                        path: path.clone(),
                    }),
                }
            }
        }
        seen.cookies.sort_by(|a, b| a.name.cmp(&b.name));
        seen.hosts.sort_by(|a, b| a.host.cmp(&b.host));
        Observed {
            version: observed::VERSION,
            sites: BTreeMap::from([(site.to_string(), seen)]),
            sites_dropped: 0,
        }
    }

    /// The report in words: one block per page, one line per cookie and tag.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for page in &self.pages {
            match &page.outcome {
                Ok(status) => out.push_str(&format!("{} {status}", page.url)),
                Err(reason) => out.push_str(&format!("{} failed: {reason}", page.url)),
            }
            if page.truncated {
                out.push_str(" (only the start of the page was read)");
            }
            out.push('\n');
            for c in &page.cookies {
                out.push_str(&format!(
                    "  cookie {}: {}\n",
                    c.name,
                    c.category.as_deref().unwrap_or("UNCLASSIFIED")
                ));
            }
            for t in &page.tags {
                match &t.rule {
                    Some((id, category)) => out.push_str(&format!(
                        "  tag {} {}: {category} ({id})\n",
                        t.element, t.host
                    )),
                    None => {
                        out.push_str(&format!("  tag {} {}: UNCLASSIFIED\n", t.element, t.host))
                    }
                }
            }
        }
        for url in &self.disallowed {
            out.push_str(&format!("{url} skipped: robots.txt disallows it\n"));
        }
        out
    }

    /// A config snippet classifying what nothing classifies yet, to complete
    /// by hand (the categories are guesses to check); empty when all is known.
    pub fn draft_config(&self) -> String {
        let mut cookies: Vec<&str> = Vec::new();
        let mut hosts: Vec<(&str, &str)> = Vec::new();
        for page in &self.pages {
            for c in page.cookies.iter().filter(|c| c.category.is_none()) {
                if !cookies.contains(&c.name.as_str()) {
                    cookies.push(&c.name);
                }
            }
            for t in page.tags.iter().filter(|t| t.rule.is_none()) {
                if !hosts.iter().any(|(h, _)| *h == t.host) {
                    hosts.push((&t.host, t.element));
                }
            }
        }
        if cookies.is_empty() && hosts.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "# Draft rules for what no rule classifies: check each category, add\n# vendor, purpose and retention, and paste into your config.\n",
        );
        for name in cookies {
            out.push_str(&format!(
                "\n[[cookies.rule]]\nname = {}\ncategory = \"necessary\"  # or preferences, analytics, marketing\npurpose = \"\"\nretention = \"session\"\n",
                toml_string(name)
            ));
        }
        for (host, element) in hosts {
            let id: String = host
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            out.push_str(&format!(
                "\n[[tags.rule]]\nid = {}\nvendor = {}\ncategory = \"marketing\"  # or preferences, analytics\nhosts = [{}]  # seen in <{element}>\npurpose = \"\"\n",
                toml_string(&id),
                toml_string(host),
                toml_string(host)
            ));
        }
        out
    }
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_cookies_and_third_party_tags() {
        let policy = Policy::builtin();
        let url = Url::parse("http://shop.test/blog").unwrap();
        let extracted = extract(
            &policy,
            "<script src=\"https://www.googletagmanager.com/gtag/js?id=1\"></script>\
             <img src=\"//cdn.unknown.test/p.gif\"><script src=\"/own.js\"></script>\
             <iframe src=\"https://www.youtube.com/embed/x\"></iframe>",
            &url,
        );
        let page = judge_page(
            &policy,
            &url,
            StatusCode::OK,
            &[
                Bytes::from_static(b"_ga=1; Path=/"),
                Bytes::from_static(b"zz_basket=2"),
            ],
            Some(&extracted),
            false,
        );
        assert_eq!(page.cookies[0].category.as_deref(), Some("analytics"));
        assert_eq!(page.cookies[1].category, None);
        let hosts: Vec<(&str, Option<&str>)> = page
            .tags
            .iter()
            .map(|t| (t.host.as_str(), t.rule.as_ref().map(|r| r.0.as_str())))
            .collect();
        assert_eq!(
            hosts,
            [
                ("www.googletagmanager.com", Some("google-analytics")),
                ("cdn.unknown.test", None),
                ("www.youtube.com", Some("youtube")),
            ]
        );
        let report = Report {
            pages: vec![page],
            disallowed: Vec::new(),
        };
        let draft = report.draft_config();
        let parsed: toml::Table = toml::from_str(&draft).unwrap();
        assert_eq!(
            parsed["cookies"]["rule"][0]["name"].as_str(),
            Some("zz_basket")
        );
        assert_eq!(
            parsed["tags"]["rule"][0]["hosts"][0].as_str(),
            Some("cdn.unknown.test")
        );
        let observed = report.observed("shop.test");
        assert_eq!(observed.sites["shop.test"].hosts.len(), 3);
    }
}

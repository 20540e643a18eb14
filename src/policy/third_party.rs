//! First party or third party, by registrable domain; and the policy for
//! third-party tags that no rule or filter list classifies.
//!
//! The registrable domain ("eTLD+1") comes from the Public Suffix List, its
//! private section included: `cdn.example.co.uk` is first party to
//! `www.example.co.uk`, while `alice.github.io` and `bob.github.io` are two
//! different sites.

use std::borrow::Cow;
use std::collections::HashSet;
use std::net::IpAddr;

use super::category::Category;
use super::tags::ElementKind;

/// The registrable domain of a lower-case `host`: the public suffix plus one
/// label. A host that has none (an IP address, a single label such as
/// `localhost`, a bare public suffix) is its own site.
pub fn registrable_domain(host: &str) -> &str {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.parse::<IpAddr>().is_ok() || !host.contains('.') {
        return host;
    }
    psl::domain_str(host).unwrap_or(host)
}

/// Whether two hosts belong to the same site (the same registrable domain).
/// Case-insensitive.
pub fn same_site(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    // A registrable domain has at least two labels: hosts that do not end
    // in the same two labels are different sites, without a list lookup.
    let mut labels_a = a.trim_end_matches('.').rsplit('.');
    let mut labels_b = b.trim_end_matches('.').rsplit('.');
    for _ in 0..2 {
        match (labels_a.next(), labels_b.next()) {
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
    let (a, b) = (lower(a), lower(b));
    registrable_domain(&a) == registrable_domain(&b)
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// What happens to a third-party script, iframe or embed that nothing classifies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnclassifiedMode {
    /// Leave it (the default).
    #[default]
    Keep,
    /// Leave it, but report it so an operator sees what `Remove` would take.
    Report,
    /// Treat it as a tag of the configured category: removed until consent.
    Remove,
}

/// Built-in groups of infrastructure hosts that the unclassified policy
/// never touches: `(group, hosts)`. Each host also covers its subdomains.
/// These are the hosts the catalogue deliberately leaves out.
pub const INFRASTRUCTURE: &[(&str, &[&str])] = &[
    (
        "libraries",
        &[
            "ajax.googleapis.com",
            "ajax.aspnetcdn.com",
            "cdnjs.cloudflare.com",
            "cdn.jsdelivr.net",
            "unpkg.com",
            "code.jquery.com",
            "stackpath.bootstrapcdn.com",
            "maxcdn.bootstrapcdn.com",
            "esm.sh",
            "cdn.skypack.dev",
            "ga.jspm.io",
            "cdn.tailwindcss.com",
            "kit.fontawesome.com",
            "use.fontawesome.com",
            "ka-f.fontawesome.com",
            "s.w.org",
        ],
    ),
    (
        "fonts",
        &[
            "fonts.googleapis.com",
            "fonts.gstatic.com",
            "use.typekit.net",
            "p.typekit.net",
            "fonts.bunny.net",
            "fast.fonts.net",
            "cloud.typography.com",
        ],
    ),
    (
        "captcha",
        &[
            "www.google.com",
            "www.gstatic.com",
            "recaptcha.net",
            "hcaptcha.com",
            "challenges.cloudflare.com",
            "friendlycaptcha.com",
        ],
    ),
    (
        "payments",
        &[
            "js.stripe.com",
            "m.stripe.network",
            "checkout.stripe.com",
            "paypal.com",
            "paypalobjects.com",
            "braintreegateway.com",
            "pay.google.com",
            "applepay.cdn-apple.com",
            "adyen.com",
            "squareup.com",
            "squarecdn.com",
            "klarnacdn.net",
            "mollie.com",
        ],
    ),
    (
        "maps",
        &[
            "maps.googleapis.com",
            "maps.gstatic.com",
            "maps.google.com",
            "api.mapbox.com",
            "api.tiles.mapbox.com",
            "tile.openstreetmap.org",
            "www.openstreetmap.org",
            "js.api.here.com",
            "atlas.microsoft.com",
        ],
    ),
    (
        "consent-managers",
        &[
            "cookielaw.org",
            "onetrust.com",
            "cookiebot.com",
            "cookiebot.eu",
            "privacy-center.org",
            "usercentrics.eu",
            "quantcast.com",
            "consensu.org",
            "trustarc.com",
            "privacy-mgmt.com",
            "osano.com",
            "iubenda.com",
            "cdn-cookieyes.com",
            "fundingchoicesmessages.google.com",
            "hs-banner.com",
            "kiprotect.com",
        ],
    ),
    (
        "error-monitoring",
        &["browser.sentry-cdn.com", "js.sentry-cdn.com"],
    ),
    (
        "video",
        &[
            "players.brightcove.net",
            "cdn.jwplayer.com",
            "content.jwplatform.com",
            "fast.wistia.com",
            "fast.wistia.net",
            "play.vidyard.com",
        ],
    ),
    ("forms", &["js.hsforms.net"]),
];

/// The names of the built-in infrastructure groups.
pub fn infrastructure_groups() -> impl Iterator<Item = &'static str> {
    INFRASTRUCTURE.iter().map(|(name, _)| *name)
}

/// The compiled unclassified-third-party policy.
#[derive(Clone, Debug, Default)]
pub struct UnclassifiedPolicy {
    mode: UnclassifiedMode,
    category: Option<Category>,
    /// Lower-case domains never treated as unclassified (subdomains included).
    allow: HashSet<Box<str>, foldhash::fast::RandomState>,
}

impl UnclassifiedPolicy {
    /// A policy in `mode` whose removals need `category`, allowing the
    /// built-in `groups` (names from [`INFRASTRUCTURE`]) and the extra `hosts`.
    /// Returns the first unknown group name as the error.
    pub fn new(
        mode: UnclassifiedMode,
        category: Category,
        groups: &[String],
        hosts: &[String],
    ) -> Result<Self, String> {
        let mut allow: HashSet<Box<str>, _> = HashSet::default();
        for group in groups {
            let (_, members) = INFRASTRUCTURE
                .iter()
                .find(|(name, _)| name == group)
                .ok_or_else(|| group.clone())?;
            allow.extend(members.iter().map(|h| Box::from(*h)));
        }
        allow.extend(
            hosts
                .iter()
                .map(|h| h.to_ascii_lowercase().into_boxed_str()),
        );
        Ok(UnclassifiedPolicy {
            mode,
            category: Some(category),
            allow,
        })
    }

    /// The mode.
    pub fn mode(&self) -> UnclassifiedMode {
        self.mode
    }

    /// The category an unclassified tag needs when the mode is `Remove`.
    pub fn category(&self) -> Option<Category> {
        self.category
    }

    /// The element kinds the policy looks at: scripts, iframes and embeds.
    pub fn covers(kind: ElementKind) -> bool {
        matches!(
            kind,
            ElementKind::Script | ElementKind::Iframe | ElementKind::Embed
        )
    }

    /// Whether `host` (lower case) or a parent domain is allowlisted.
    pub fn allows(&self, host: &str) -> bool {
        let mut domain = host;
        loop {
            if self.allow.contains(domain) {
                return true;
            }
            match domain.find('.') {
                Some(dot) => domain = &domain[dot + 1..],
                None => return false,
            }
        }
    }

    /// Whether a `kind` element loading from `host` on page `first_party`,
    /// which no rule or list classified, is an unclassified third party:
    /// the mode is not `Keep`, the kind is covered, the page's host is known
    /// and of another site, and the host is not allowlisted.
    pub fn applies(&self, host: &str, kind: ElementKind, first_party: Option<&str>) -> bool {
        self.mode != UnclassifiedMode::Keep
            && Self::covers(kind)
            && first_party.is_some_and(|fp| !same_site(fp, host))
            && !self.allows(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        let cases = [
            ("www.example.com", "example.com"),
            ("cdn.static.example.com", "example.com"),
            ("example.com", "example.com"),
            ("www.bbc.co.uk", "bbc.co.uk"),
            ("news.abc.net.au", "abc.net.au"),
            ("shop.example.com.au", "example.com.au"),
            ("alice.github.io", "alice.github.io"),
            ("cdn.alice.github.io", "alice.github.io"),
            ("myapp.herokuapp.com", "myapp.herokuapp.com"),
            ("localhost", "localhost"),
            ("127.0.0.1", "127.0.0.1"),
            ("co.uk", "co.uk"),
            ("www.example.com.", "example.com"),
        ];
        for (host, domain) in cases {
            assert_eq!(registrable_domain(host), domain, "{host}");
        }
    }

    #[test]
    fn same_site_uses_registrable_domains() {
        assert!(same_site("cdn.example.com", "www.example.com"));
        assert!(same_site("WWW.Example.com", "static.example.com"));
        assert!(same_site("img.bbc.co.uk", "www.bbc.co.uk"));
        assert!(same_site("cdn.news.com.au", "www.news.com.au"));
        assert!(!same_site("bbc.co.uk", "itv.co.uk"));
        assert!(!same_site("www.news.com.au", "www.other.com.au"));
        assert!(!same_site("alice.github.io", "bob.github.io"));
        assert!(!same_site("example.com", "example.org"));
        assert!(!same_site("127.0.0.1", "127.0.0.2"));
    }

    #[test]
    fn unclassified_applies_to_covered_third_parties_not_allowlisted() {
        let groups: Vec<String> = infrastructure_groups().map(String::from).collect();
        let p = UnclassifiedPolicy::new(
            UnclassifiedMode::Remove,
            Category::MARKETING,
            &groups,
            &["Widgets.Partner.example".into()],
        )
        .unwrap();
        let fp = Some("www.example.com");
        use ElementKind::*;
        assert!(p.applies("tags.unknown-vendor.net", Script, fp));
        assert!(p.applies("tags.unknown-vendor.net", Iframe, fp));
        assert!(p.applies("tags.unknown-vendor.net", Embed, fp));
        assert!(
            !p.applies("tags.unknown-vendor.net", Img, fp),
            "pixels are not covered"
        );
        assert!(!p.applies("tags.unknown-vendor.net", Link, fp));
        assert!(!p.applies("cdn.example.com", Script, fp), "same site");
        assert!(
            !p.applies("tags.unknown-vendor.net", Script, None),
            "page unknown"
        );
        assert!(
            !p.applies("cdnjs.cloudflare.com", Script, fp),
            "library CDN"
        );
        assert!(!p.applies("js.stripe.com", Script, fp), "payments");
        assert!(
            !p.applies("cdn.cookielaw.org", Script, fp),
            "consent manager"
        );
        assert!(
            !p.applies("a.widgets.partner.example", Script, fp),
            "own allowlist"
        );
        assert!(
            p.applies("cloudflare.com", Script, fp),
            "only the listed host"
        );

        let keep =
            UnclassifiedPolicy::new(UnclassifiedMode::Keep, Category::MARKETING, &[], &[]).unwrap();
        assert!(!keep.applies("tags.unknown-vendor.net", Script, fp));
        let bare = UnclassifiedPolicy::new(UnclassifiedMode::Report, Category::MARKETING, &[], &[])
            .unwrap();
        assert!(
            bare.applies("cdnjs.cloudflare.com", Script, fp),
            "no groups"
        );
        assert_eq!(
            UnclassifiedPolicy::new(
                UnclassifiedMode::Report,
                Category::MARKETING,
                &["fonts".into(), "nosuch".into()],
                &[]
            )
            .unwrap_err(),
            "nosuch"
        );
    }
}

//! Metrics (through the `metrics` facade) and the per-request enforcement
//! event. Names and labels are a contract with dashboards: change them only
//! together.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use http::{HeaderValue, StatusCode, Uri};
use metrics::{counter, histogram, Counter, Histogram};

use crate::config::{Mode, Policy};
use crate::discovery::{HostSighting, TagSighting};
use crate::policy::category::{Category, CategorySet};
use crate::policy::consent::Consent;
use crate::policy::tags::RuleId;
use crate::rewrite::Report;

/// Distinct unclassified cookie names that keep their own label; later ones are `_other`.
pub const UNCLASSIFIED_NAME_LIMIT: usize = 256;

/// The status classes `consentry_requests_total` counts by.
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The banner outcomes `consentry_consent_banners_total` counts by.
const BANNER_OUTCOMES: [&str; 3] = ["shown", "own_consent_manager", "csp"];

/// Handles of the metrics every request updates, with their fixed labels,
/// registered once with the process-wide recorder (see
/// [`register_per_request`]): what they save is a registry lookup, and for
/// labelled ones building the key, per request.
struct PerRequest {
    requests: [Counter; STATUS_CLASSES.len()],
    banners: [Counter; BANNER_OUTCOMES.len()],
    upstream_duration: Histogram,
    rewrite_bytes_in: Counter,
    rewrite_bytes_out: Counter,
}

static PER_REQUEST: OnceLock<PerRequest> = OnceLock::new();

/// Registers the per-request metric handles with the current recorder.
/// Called once the process-wide recorder is installed; until then (and in
/// tools and tests that install none) every update looks its metric up.
pub fn register_per_request() {
    PER_REQUEST.get_or_init(|| PerRequest {
        requests: STATUS_CLASSES
            .map(|class| counter!("consentry_requests_total", "status_class" => class)),
        banners: BANNER_OUTCOMES
            .map(|outcome| counter!("consentry_consent_banners_total", "outcome" => outcome)),
        upstream_duration: histogram!("consentry_upstream_duration_seconds"),
        rewrite_bytes_in: counter!("consentry_rewrite_bytes_in_total"),
        rewrite_bytes_out: counter!("consentry_rewrite_bytes_out_total"),
    });
}

/// Counts one response by status class.
pub fn request(status: StatusCode) {
    let class = (usize::from(status.as_u16() / 100).clamp(1, 5)) - 1;
    match PER_REQUEST.get() {
        Some(hot) => hot.requests[class].increment(1),
        None => counter!("consentry_requests_total", "status_class" => STATUS_CLASSES[class])
            .increment(1),
    }
}

/// Counts an upstream failure: `connect`, `timeout`, `protocol` or `decode`.
pub fn upstream_error(kind: &'static str) {
    counter!("consentry_upstream_errors_total", "kind" => kind).increment(1);
}

/// Records the time to upstream response headers.
pub fn upstream_duration(elapsed: Duration) {
    match PER_REQUEST.get() {
        Some(hot) => hot.upstream_duration.record(elapsed.as_secs_f64()),
        None => histogram!("consentry_upstream_duration_seconds").record(elapsed.as_secs_f64()),
    }
}

/// Counts a stripped `Set-Cookie`.
pub fn set_cookie_stripped(policy: &Policy, category: Option<Category>, name: Option<&str>) {
    let (category, name) = match (category, name) {
        (Some(c), Some(n)) => (policy.categories.name(c).to_string(), n.to_string()),
        _ => ("unclassified".to_string(), "unclassified".to_string()),
    };
    counter!("consentry_set_cookies_stripped_total", "category" => category, "name" => name)
        .increment(1);
}

/// Counts a request cookie withheld from upstream.
pub fn request_cookie_dropped(policy: &Policy, category: Option<Category>) {
    let category = category.map_or("unclassified", |c| policy.categories.name(c));
    counter!("consentry_request_cookies_dropped_total", "category" => category.to_string())
        .increment(1);
}

/// Counts expiry `Set-Cookie`s added for withdrawn cookies.
pub fn withdrawal_expiries(count: usize) {
    counter!("consentry_withdrawal_expiries_total").increment(count as u64);
}

/// Counts what became of a banner the request called for: `shown`,
/// `own_consent_manager` (the page loads its own) or `csp` (the page's
/// Content-Security-Policy would block it).
pub fn banner(outcome: &'static str) {
    let known = BANNER_OUTCOMES.iter().position(|o| *o == outcome);
    match (PER_REQUEST.get(), known) {
        (Some(hot), Some(i)) => hot.banners[i].increment(1),
        _ => counter!("consentry_consent_banners_total", "outcome" => outcome).increment(1),
    }
}

/// Counts a consent decision and the categories it grants.
pub fn consent_decision(policy: &Policy, choice: &'static str, granted: CategorySet) {
    counter!("consentry_consent_decisions_total", "choice" => choice).increment(1);
    for category in granted.iter().filter(|c| *c != Category::NECESSARY) {
        let name = policy.categories.name(category).to_string();
        counter!("consentry_consent_grants_total", "category" => name).increment(1);
    }
}

/// Counts a refused consent request by reason.
pub fn consent_refused(reason: &'static str) {
    counter!("consentry_consent_refused_total", "reason" => reason).increment(1);
}

/// Counts a consent record that could not be written.
pub fn consent_record_error() {
    counter!("consentry_consent_record_errors_total").increment(1);
}

/// Counts an HTML response left alone because every category was granted.
pub fn rewrite_skipped_all_granted() {
    counter!("consentry_rewrites_skipped_total", "reason" => "all_granted").increment(1);
}

/// Counts a rewrite failure: `memory_limit`, `parser`, `charset` or `encoding`.
pub fn rewrite_error(kind: &'static str) {
    counter!("consentry_rewrite_errors_total", "kind" => kind).increment(1);
}

/// Counts the bytes that went into and came out of the rewriter.
pub fn rewrite_bytes(bytes_in: u64, bytes_out: u64) {
    match PER_REQUEST.get() {
        Some(hot) => {
            hot.rewrite_bytes_in.increment(bytes_in);
            hot.rewrite_bytes_out.increment(bytes_out);
        }
        None => {
            counter!("consentry_rewrite_bytes_in_total").increment(bytes_in);
            counter!("consentry_rewrite_bytes_out_total").increment(bytes_out);
        }
    }
}

/// A hash of everything discovery reads from a page: the site, the first
/// party, each reference and each enforcement, with rules by id and
/// category name (a reload may number them differently).
fn page_fingerprint(site: &str, own: Option<&str>, report: &Report, policy: &Policy) -> u128 {
    let rules = policy.rewriter.rules();
    let rule_named = |hash: &mut xxhash_rust::xxh3::Xxh3, id: Option<RuleId>| {
        if let Some(rule) = id.map(|i| rules.rule(i)) {
            hash.update(rule.id.as_bytes());
            hash.update(&[0]);
            hash.update(policy.categories.name(rule.category).as_bytes());
        }
        hash.update(&[0xff]);
    };
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    for part in [site, own.unwrap_or("\u{0}none")] {
        hash.update(part.as_bytes());
        hash.update(&[0xff]);
    }
    for r in &report.references {
        hash.update(r.url.as_bytes());
        hash.update(&[0xff]);
        hash.update(r.element.name().as_bytes());
        hash.update(&[0xff]);
        rule_named(&mut hash, r.rule);
    }
    hash.update(&[0xfe]);
    for e in &report.enforcements {
        hash.update(e.element.name().as_bytes());
        hash.update(&[0xff]);
        rule_named(&mut hash, Some(e.rule));
    }
    hash.digest128()
}

/// Counts the tags a rewrite acted on (or would have, in report-only mode).
pub fn tags(policy: &Policy, report: &Report) {
    let rules = policy.rewriter.rules();
    // One counter lookup per rule and action, however often a page repeats them.
    let mut acted: Vec<(RuleId, &'static str)> = report
        .enforcements
        .iter()
        .map(|e| (e.rule, e.action.name()))
        .collect();
    acted.sort_unstable();
    for group in acted.chunk_by(|a, b| a == b) {
        let (rule_id, action) = group[0];
        let rule = rules.rule(rule_id);
        counter!(
            "consentry_tags_total",
            "category" => policy.categories.name(rule.category).to_string(),
            "rule" => rule.id.clone(),
            "action" => action,
        )
        .increment(group.len() as u64);
    }
    for u in &report.unclassified {
        counter!("consentry_unclassified_tags_total", "element" => u.element.name()).increment(1);
    }
}

/// Counts unclassified cookie names with bounded label cardinality: the
/// first [`UNCLASSIFIED_NAME_LIMIT`] distinct names keep their name, later
/// ones are counted as `_other`.
#[derive(Debug, Default)]
pub struct UnclassifiedNames {
    seen: RwLock<HashSet<Box<str>>>,
}

impl UnclassifiedNames {
    /// Counts one sighting of unclassified cookie `name`.
    pub fn count(&self, name: &str) {
        let known = self
            .seen
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(name);
        let label = if known || self.admit(name) {
            name.to_string()
        } else {
            "_other".to_string()
        };
        counter!("consentry_unclassified_cookies_total", "name" => label).increment(1);
    }

    fn admit(&self, name: &str) -> bool {
        let mut seen = self.seen.write().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(name) {
            return true;
        }
        if seen.len() >= UNCLASSIFIED_NAME_LIMIT {
            return false;
        }
        seen.insert(name.into())
    }
}

/// Cheap unique request ids: a per-process random prefix and a counter.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl Default for RequestIds {
    fn default() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        RequestIds {
            prefix: hasher.finish() as u32,
            next: AtomicU64::new(0),
        }
    }
}

impl RequestIds {
    /// A new id, 20 hex digits.
    pub fn next(&self) -> HeaderValue {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        // 8 digits of prefix, then the counter's low 48 bits in 12 digits.
        let value = (u128::from(self.prefix) << 48) | u128::from(n & ((1 << 48) - 1));
        let mut id = [0u8; 20];
        for (i, digit) in id.iter_mut().enumerate() {
            *digit = HEX[((value >> (4 * (19 - i))) & 0xf) as usize];
        }
        HeaderValue::from_bytes(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
    }
}

/// What was (or, in report-only mode, would have been) removed for one
/// request; logged as one `consentry::enforcement` event when anything was.
#[derive(Debug)]
pub struct Audit {
    /// The policy snapshot the request used.
    pub policy: Arc<Policy>,
    /// The request id.
    pub request_id: HeaderValue,
    /// The W3C trace id, when the request carried a valid `traceparent`.
    pub trace_id: Option<String>,
    /// The requested host.
    pub host: Option<HeaderValue>,
    /// The request URI.
    pub uri: Uri,
    /// The mode applied to the request.
    pub mode: Mode,
    /// The consent decision.
    pub consent: Consent,
    /// Names of the stripped `Set-Cookie`s.
    pub stripped_set_cookies: Vec<String>,
    /// Names of the request cookies withheld from upstream.
    pub dropped_cookies: Vec<String>,
    /// Where the tags the rewriter matched are recorded, and the site key.
    pub discovery: Option<(Arc<crate::discovery::Discovery>, String)>,
}

impl Audit {
    /// Whether cookies were stripped or dropped.
    pub fn has_cookie_actions(&self) -> bool {
        !self.stripped_set_cookies.is_empty() || !self.dropped_cookies.is_empty()
    }

    /// Records the tag metrics of `report` and logs the enforcement event if
    /// anything was removed.
    pub fn finish(self, report: Option<&Report>) {
        let enforcements = report.map_or(&[][..], |r| &r.enforcements[..]);
        if let Some(report) = report {
            tags(&self.policy, report);
            if !report.unclassified.is_empty() {
                let mut urls: Vec<&str> =
                    report.unclassified.iter().map(|u| u.url.as_str()).collect();
                urls.dedup();
                tracing::info!(
                    target: "consentry::unclassified",
                    host = %self.host.as_ref().map_or("".into(), |h| String::from_utf8_lossy(h.as_bytes())),
                    path = self.uri.path(),
                    urls = %urls.join(" "),
                    "unclassified third-party tags (tags.unclassified = \"report\")"
                );
            }
        }
        if let (Some((discovery, site)), Some(report)) = (&self.discovery, report) {
            let rules = self.policy.rewriter.rules();
            let own = self
                .host
                .as_ref()
                .and_then(|h| h.to_str().ok())
                .map(|h| crate::discovery::site_key(Some(h)));
            let fingerprint = page_fingerprint(site, own.as_deref(), report, &self.policy);
            discovery.page(site, self.uri.path(), fingerprint, || {
                let hosts = report
                    .references
                    .iter()
                    .filter_map(|r| {
                        let host = r.host()?;
                        (own.as_deref() != Some(&*host)).then(|| HostSighting {
                            host,
                            element: r.element.name(),
                            rule: r.rule.map(|i| {
                                let rule = rules.rule(i);
                                (rule.id.as_str(), self.policy.categories.name(rule.category))
                            }),
                        })
                    })
                    .collect();
                let tags = enforcements
                    .iter()
                    .map(|e| {
                        let rule = rules.rule(e.rule);
                        TagSighting {
                            id: &rule.id,
                            category: self.policy.categories.name(rule.category),
                            element: e.element.name(),
                        }
                    })
                    .collect();
                (hosts, tags)
            });
        }
        if enforcements.is_empty() && !self.has_cookie_actions() {
            return;
        }
        if !tracing::enabled!(target: "consentry::enforcement", tracing::Level::INFO) {
            return;
        }
        let rules = self.policy.rewriter.rules();
        let removed_tags = enforcements
            .iter()
            .map(|e| format!("{}:{}", rules.rule(e.rule).id, e.action.name()))
            .collect::<Vec<_>>()
            .join(",");
        tracing::info!(
            target: "consentry::enforcement",
            request_id = %String::from_utf8_lossy(self.request_id.as_bytes()),
            trace_id = self.trace_id.as_deref(),
            host = %self.host.as_ref().map_or("".into(), |h| String::from_utf8_lossy(h.as_bytes())),
            path = self.uri.path(),
            consent_source = self.consent.source.name(),
            granted = %self.policy.categories.names(self.consent.granted).join(","),
            stripped_set_cookies = %self.stripped_set_cookies.join(","),
            dropped_cookies = %self.dropped_cookies.join(","),
            removed_tags = %removed_tags,
            mode = match self.mode {
                Mode::Enforce => "enforce",
                Mode::ReportOnly => "report-only",
            },
            "consent enforced"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclassified_names_are_bounded() {
        let names = UnclassifiedNames::default();
        for i in 0..UNCLASSIFIED_NAME_LIMIT + 10 {
            names.count(&format!("c{i}"));
        }
        names.count("c0");
        assert_eq!(names.seen.read().unwrap().len(), UNCLASSIFIED_NAME_LIMIT);
    }

    #[test]
    fn request_ids_are_unique() {
        let ids = RequestIds {
            prefix: 0xdead_beef,
            next: AtomicU64::new(0x1000_0000_002a),
        };
        assert_eq!(ids.next(), "deadbeef10000000002a");
        assert_eq!(ids.next(), "deadbeef10000000002b");
    }
}

//! The Prometheus recorder behind `/metrics`: histogram buckets and the
//! help text of every metric Consentry emits through the `metrics` facade.

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// Upper bounds (seconds) of the upstream-latency histogram's buckets.
pub const UPSTREAM_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A recorder builder with Consentry's histogram buckets.
pub fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new().set_buckets_for_metric(
        Matcher::Full("consentry_upstream_duration_seconds".into()),
        UPSTREAM_DURATION_BUCKETS,
    )
}

/// Installs the process-wide Prometheus recorder and describes every
/// metric; the handle renders a scrape. Fails if a recorder is installed.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = builder()?.install_recorder()?;
    describe();
    crate::proxy::observe::register_per_request();
    Ok(handle)
}

/// Registers help text and units with the current recorder.
pub fn describe() {
    let counters = [
        ("consentry_requests_total", "Proxied requests by response status class."),
        ("consentry_upstream_errors_total", "Failed upstream exchanges by kind."),
        ("consentry_set_cookies_stripped_total", "Set-Cookie headers stripped (or, in report-only mode, that would be) by category and cookie name."),
        ("consentry_request_cookies_dropped_total", "Request cookies withheld from the upstream by category."),
        ("consentry_withdrawal_expiries_total", "Expiring Set-Cookie headers added for withdrawn consent."),
        ("consentry_tags_total", "Tags acted on by category, rule and action."),
        ("consentry_unclassified_cookies_total", "Cookies no rule classifies, by name (bounded)."),
        ("consentry_unclassified_tags_total", "Third-party scripts, iframes and embeds nothing classifies (tags.unclassified = report), by element."),
        ("consentry_rewrites_skipped_total", "HTML responses passed through without rewriting, by reason."),
        ("consentry_rewrite_errors_total", "HTML rewrites that failed, by kind."),
        ("consentry_config_reloads_total", "Config reloads by result (ok or failed)."),
        ("consentry_consent_banners_total", "Consent banners the request called for, by outcome (shown, own_consent_manager, csp)."),
        ("consentry_consent_decisions_total", "Consent decisions made through Consentry, by choice (all, none, custom)."),
        ("consentry_consent_grants_total", "Categories granted in consent decisions, by category."),
        ("consentry_consent_refused_total", "Consent requests refused (nothing set), by reason."),
        ("consentry_consent_record_errors_total", "Consent records that could not be written."),
    ];
    for (name, help) in counters {
        describe_counter!(name, help);
    }
    describe_counter!(
        "consentry_rewrite_bytes_in_total",
        Unit::Bytes,
        "HTML bytes fed to the rewriter."
    );
    describe_counter!(
        "consentry_rewrite_bytes_out_total",
        Unit::Bytes,
        "HTML bytes the rewriter produced."
    );
    describe_histogram!(
        "consentry_upstream_duration_seconds",
        Unit::Seconds,
        "Time from sending a request upstream to its response headers."
    );
    describe_gauge!(
        "consentry_config_info",
        "1 for the mode of the config in force, 0 for the others."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_buckets_for_upstream_latency() {
        let recorder = builder().unwrap().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe();
            metrics::histogram!("consentry_upstream_duration_seconds").record(0.03);
            metrics::counter!("consentry_requests_total", "status_class" => "2xx").increment(2);
        });
        let text = handle.render();
        assert!(
            text.contains("consentry_upstream_duration_seconds_bucket{le=\"0.05\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("consentry_upstream_duration_seconds_bucket{le=\"0.025\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("consentry_requests_total{status_class=\"2xx\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("# HELP consentry_requests_total Proxied requests"),
            "{text}"
        );
    }
}

//! The `consentry` command line.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use consentry::config::Policy;
use consentry::config::{ConfigSource, Overrides};
use consentry::policy::request_cookies::RequestCookies;
use consentry::rewrite::FilterOptions;
use consentry::telemetry::{self, EnforcementLog, LogFormat};

/// jemalloc with background purging: memory freed after a burst of
/// connections goes back to the kernel within seconds (glibc's arenas kept
/// it; see BENCHMARKS.md, "Memory after connection bursts").
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Consent-enforcement reverse proxy: strips non-consented cookies and
/// third-party tags before they reach the browser.
#[derive(Parser)]
#[command(name = "consentry", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the reverse proxy (built-in config unless --config; flags override the file).
    Run(RunArgs),
    /// Start a sample "legacy site" full of trackers and the proxy in front of it.
    Demo {
        /// Port of the sample site on 127.0.0.1.
        #[arg(long, default_value_t = 3000)]
        site_port: u16,
        /// Where the proxy listens.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Validate a config file (exit 0, or non-zero with `file: key: reason`);
    /// warn, one line each, about what it leaves undescribed or unclassified.
    Check {
        /// Config file (default: the built-in config).
        #[arg(long, env = "CONSENTRY_CONFIG")]
        config: Option<PathBuf>,
        /// An observed file: warn about its cookies and hosts no rule classifies.
        #[arg(long)]
        observed: Option<PathBuf>,
    },
    /// Rewrite one HTML document from stdin to stdout, as the proxy would for this request.
    Rewrite {
        #[command(flatten)]
        request: RequestArgs,
        /// The page URL: its host counts as first party.
        #[arg(long)]
        url: Option<String>,
        /// The document's charset (default UTF-8).
        #[arg(long)]
        charset: Option<String>,
    },
    /// Print the consent decision for a request as JSON.
    Explain {
        #[command(flatten)]
        request: RequestArgs,
    },
    /// Print the site's cookie policy, generated from the config (and what was observed).
    Policy(PolicyArgs),
    /// Crawl a site and report the cookies and third-party tags of each page,
    /// classified or flagged; print draft rules for what nothing classifies.
    Scan(ScanArgs),
}

/// `consentry scan` options.
#[derive(Args)]
struct ScanArgs {
    /// Where to start (http://): only links to the same scheme, host and port are followed.
    url: String,
    /// Config file whose rules classify what is found (default: the built-in config).
    #[arg(long, env = "CONSENTRY_CONFIG")]
    config: Option<PathBuf>,
    /// The most pages fetched.
    #[arg(long, default_value_t = 50)]
    max_pages: usize,
    /// Write what was found as an observed file (for `policy --observed` and `check --observed`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The pause between requests (robots.txt's Crawl-delay wins when longer).
    #[arg(long, default_value = "500ms", value_parser = consentry::config::file::duration::parse)]
    delay: std::time::Duration,
    /// The most bytes read from one page, in MiB.
    #[arg(long, default_value_t = 5)]
    max_body_mib: usize,
}

/// `consentry policy` options.
#[derive(Args)]
struct PolicyArgs {
    /// Config file (default: the built-in config).
    #[arg(long, env = "CONSENTRY_CONFIG")]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    format: consentry::policy_doc::Format,
    /// Language: `en` or `de`.
    #[arg(long, default_value = "en")]
    lang: String,
    /// An observed file (from `run --observed-out` or `scan --out`): also list what it saw.
    #[arg(long)]
    observed: Option<PathBuf>,
    /// HTML without `<html>` and `<head>`, to embed in the site's own page.
    #[arg(long)]
    fragment: bool,
}

/// `consentry run` options. Each setting: flag > environment > config file > built-in default.
#[derive(Args)]
struct RunArgs {
    /// Config file (default: the built-in config).
    #[arg(long, env = "CONSENTRY_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (overrides `proxy.listen`).
    #[arg(long, env = "CONSENTRY_LISTEN")]
    listen: Option<SocketAddr>,
    /// Upstream base URL, `http://host:port` (overrides `proxy.upstream`).
    #[arg(long, env = "CONSENTRY_UPSTREAM")]
    upstream: Option<String>,
    /// Admin listener for /healthz, /readyz and /metrics (overrides `admin.listen`).
    #[arg(long, env = "CONSENTRY_ADMIN_LISTEN")]
    admin_listen: Option<SocketAddr>,
    /// Worker threads, 0 = one per core (overrides `proxy.workers`).
    #[arg(long, env = "CONSENTRY_WORKERS")]
    workers: Option<usize>,
    /// Operational log format on stderr: `human` or `json`.
    #[arg(long, env = "CONSENTRY_LOG_FORMAT", default_value = "human")]
    log_format: LogFormat,
    /// Log filter, e.g. `info` or `consentry=debug,hyper=warn` (`debug` logs every request).
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    log_level: String,
    /// Write the per-request enforcement events as JSON lines to FILE (`-` = stdout).
    #[arg(long, env = "CONSENTRY_ENFORCEMENT_LOG", value_name = "FILE|-")]
    enforcement_log: Option<String>,
    /// Write what was discovered on the site (cookies, third parties) to FILE, as
    /// `policy --observed` and `check --observed` read it: on shutdown and every interval.
    #[arg(long, env = "CONSENTRY_OBSERVED_OUT", value_name = "FILE")]
    observed_out: Option<PathBuf>,
    /// How often `--observed-out` is rewritten (`30s`, `5m`, …).
    #[arg(long, default_value = "5m", value_parser = consentry::config::file::duration::parse)]
    observed_interval: std::time::Duration,
}

/// A request's consent-relevant parts, given on the command line.
#[derive(Args)]
struct RequestArgs {
    /// Config file (default: the built-in config).
    #[arg(long, env = "CONSENTRY_CONFIG")]
    config: Option<PathBuf>,
    /// A Cookie header value (may be repeated).
    #[arg(long)]
    cookie: Vec<String>,
    /// A request header `Name: value` (may be repeated; `Cookie:` adds cookies).
    #[arg(long)]
    header: Vec<String>,
}

impl RequestArgs {
    fn policy(&self) -> Result<Arc<Policy>, String> {
        load_policy(self.config.as_deref())
    }

    /// The combined Cookie header and the other headers.
    fn headers(&self) -> Result<(String, Vec<(String, String)>), String> {
        let mut cookies: Vec<&str> = self.cookie.iter().map(String::as_str).collect();
        let mut others = Vec::new();
        for h in &self.header {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| format!("--header `{h}` is not `Name: value`"))?;
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("cookie") {
                cookies.push(value);
            } else {
                others.push((name.to_ascii_lowercase(), value.to_string()));
            }
        }
        Ok((cookies.join("; "), others))
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn load_policy(path: Option<&std::path::Path>) -> Result<Arc<Policy>, String> {
    match path {
        Some(p) => Policy::load(p).map_err(|e| e.to_string()),
        None => Ok(Policy::builtin()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Demo { site_port, listen } => demo(site_port, listen),
        Command::Check { config, observed } => check(config, observed),
        Command::Rewrite {
            request,
            url,
            charset,
        } => rewrite(&request, url, charset),
        Command::Explain { request } => explain(&request),
        Command::Policy(args) => policy(&args),
        Command::Scan(args) => scan(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("consentry: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` filters (default `info`).
fn init_logging() {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    // Another subscriber may already be installed; keep it.
    let _ = telemetry::init(&telemetry::Options {
        format: LogFormat::Human,
        filter,
        enforcement_log: None,
    });
}

/// A runtime with `workers` threads (0 = one per core). One worker runs
/// on tokio's single-threaded scheduler: it needs no work-stealing queues
/// and no cross-thread wakeups, so each request costs less.
fn runtime(workers: usize) -> Result<tokio::runtime::Runtime, String> {
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if workers > 0 {
            builder.worker_threads(workers);
        }
        builder
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn run(args: RunArgs) -> Result<(), String> {
    telemetry::init(&telemetry::Options {
        format: args.log_format,
        filter: args.log_level.clone(),
        enforcement_log: args.enforcement_log.as_deref().map(EnforcementLog::from),
    })
    .map_err(|e| e.to_string())?;
    let upstream = args
        .upstream
        .as_deref()
        .map(consentry::config::compile::parse_upstream)
        .transpose()
        .map_err(|e| format!("--upstream: {e}"))?;
    let source = ConfigSource {
        path: args.config,
        overrides: Overrides {
            listen: args.listen,
            upstream,
            admin_listen: args.admin_listen,
            workers: args.workers,
        },
    };
    let policy = source.load().map_err(|e| e.to_string())?;
    let metrics = consentry::admin::exporter::install()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    let observed_out = args
        .observed_out
        .map(|path| consentry::service::ObservedOut {
            path,
            interval: args
                .observed_interval
                .max(std::time::Duration::from_secs(1)),
        });
    runtime(policy.proxy.workers)?.block_on(consentry::service::run(
        source,
        policy,
        metrics,
        observed_out,
    ))
}

fn demo(site_port: u16, listen: SocketAddr) -> Result<(), String> {
    init_logging();
    runtime(0)?.block_on(consentry::demo::run(site_port, listen))
}

fn check(config: Option<PathBuf>, observed: Option<PathBuf>) -> Result<(), String> {
    let policy = load_policy(config.as_deref())?;
    let observed = observed
        .as_deref()
        .map(consentry::observed::Observed::read)
        .transpose()?;
    let (exact, prefix, pattern) = policy.cookies.classifier().sizes();
    let rules = policy.rewriter.rules();
    let mut out = format!(
        "{}: ok ({} tag rules, {} host patterns, {} cookie entries)\n",
        config
            .as_deref()
            .map_or("<built-in>".into(), |p| p.display().to_string()),
        rules.rules().len(),
        rules.host_pattern_count(),
        exact + prefix + pattern,
    );
    for warning in consentry::policy_doc::warnings(&policy, observed.as_ref()) {
        out.push_str(&format!("warning: {warning}\n"));
    }
    emit(&out)
}

fn rewrite(
    request: &RequestArgs,
    url: Option<String>,
    charset: Option<String>,
) -> Result<(), String> {
    let policy = request.policy()?;
    let (cookie_header, headers) = request.headers()?;
    let cookies = RequestCookies::parse(&cookie_header);
    let consent = policy.decide(&cookies, |name| header(&headers, name));
    let url: Option<http::Uri> = url
        .as_deref()
        .map(|u| u.parse().map_err(|e| format!("--url `{u}`: {e}")))
        .transpose()?;
    let first_party = url
        .as_ref()
        .and_then(|u| u.host().map(str::to_ascii_lowercase));
    let path = url.as_ref().map_or("/", |u| u.path());
    let report_only =
        policy.mode_for(first_party.as_deref(), path) == consentry::config::Mode::ReportOnly;
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut buf = vec![0u8; 64 << 10];
    let io_err = |e: std::io::Error| format!("I/O error: {e}");
    if !policy.rewriter.needs_rewrite(consent.granted) {
        return quiet_on_closed_pipe(
            std::io::copy(&mut stdin, &mut stdout).and_then(|_| stdout.flush()),
        );
    }
    let options = FilterOptions {
        first_party,
        charset,
        report_only,
        insert_after_body_open: None,
        placeholder_form: None,
        collect_references: false,
        document_origin: None,
    };
    let mut filter = policy
        .rewriter
        .filter(consent.granted, &options)
        .map_err(|e| e.to_string())?;
    loop {
        let n = stdin.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        let out = filter.write(&buf[..n]).map_err(|e| e.to_string())?;
        if let Err(e) = stdout.write_all(&out) {
            return quiet_on_closed_pipe(Err(e));
        }
    }
    let (out, _report) = filter.end().map_err(|e| e.to_string())?;
    quiet_on_closed_pipe(stdout.write_all(&out).and_then(|()| stdout.flush()))
}

fn policy(args: &PolicyArgs) -> Result<(), String> {
    let policy = load_policy(args.config.as_deref())?;
    let observed = args
        .observed
        .as_deref()
        .map(consentry::observed::Observed::read)
        .transpose()?;
    let doc = consentry::policy_doc::build(&policy, observed.as_ref(), &args.lang)
        .map_err(|e| format!("--lang: {e}"))?;
    if !doc.unclassified.cookies.is_empty() || !doc.unclassified.hosts.is_empty() {
        eprintln!(
            "consentry: {} cookies and {} hosts in the observed file are not classified and not listed; see `consentry check --observed`",
            doc.unclassified.cookies.len(),
            doc.unclassified.hosts.len()
        );
    }
    emit(&consentry::policy_doc::render(
        &doc,
        args.format,
        args.fragment,
    ))
}

fn scan(args: &ScanArgs) -> Result<(), String> {
    use std::io::IsTerminal;
    let policy = load_policy(args.config.as_deref())?;
    let start = url::Url::parse(&args.url).map_err(|e| format!("`{}`: {e}", args.url))?;
    let options = consentry::scan::Options {
        start: start.clone(),
        max_pages: args.max_pages.max(1),
        delay: args.delay,
        max_body: args.max_body_mib.max(1) << 20,
        max_redirects: 10,
        timeout: std::time::Duration::from_secs(15),
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(options.max_pages as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} pages {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let report = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?
        .block_on(consentry::scan::scan(&policy, &options, |event| {
            let consentry::scan::Event::Fetching { url, done, .. } = event;
            bar.set_position(done as u64);
            bar.set_message(url.to_string());
        }))?;
    bar.finish_and_clear();
    if let Some(out) = &args.out {
        let site = consentry::discovery::site_key(start.host_str());
        report
            .observed(&site)
            .write(out)
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
    }
    let draft = report.draft_config();
    let mut text = report.text();
    if !draft.is_empty() {
        text.push('\n');
        text.push_str(&draft);
    }
    emit(&text)
}

/// Writes `text` to standard output; a reader that went away (`| head`)
/// ends the command quietly.
fn emit(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    quiet_on_closed_pipe(
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush()),
    )
}

/// An output error, except a closed pipe: the reader has all it wanted.
fn quiet_on_closed_pipe(result: std::io::Result<()>) -> Result<(), String> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("I/O error: {e}")),
        _ => Ok(()),
    }
}

fn explain(request: &RequestArgs) -> Result<(), String> {
    let policy = request.policy()?;
    let (cookie_header, headers) = request.headers()?;
    let cookies = RequestCookies::parse(&cookie_header);
    let explanation = policy
        .consent
        .explain(&policy.signals(&cookies, |name| header(&headers, name)));
    let json = consentry::consent_ui::explain_json(&policy, &explanation);
    emit(&format!(
        "{}\n",
        serde_json::to_string_pretty(&json).expect("JSON values serialize")
    ))
}

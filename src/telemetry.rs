//! Logging: the operational log on stderr (human or JSON lines), and an
//! optional enforcement log with only the `consentry::enforcement` events as
//! JSON lines, each flushed as soon as it is written.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, IsTerminal, LineWriter, Write};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

use tracing::{Level, Subscriber};
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// The trace id of a W3C `traceparent` header value
/// (`version-traceid-parentid-flags`, lower-case hex), or `None` when the
/// value is malformed or the id is all zeros.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    let value = traceparent.trim_matches([' ', '\t']);
    let mut fields = value.split('-');
    let (version, id, parent, flags) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = hex(version, 2)
        && version != "ff"
        && hex(id, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        // Version 00 has exactly four fields; later versions may add more.
        && (version != "00" || fields.next().is_none())
        && id.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0');
    valid.then_some(id)
}

/// The target of the proxy's per-request enforcement events.
pub const ENFORCEMENT_TARGET: &str = "consentry::enforcement";

/// The operational log's format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "human" | "text" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format `{other}` (use human or json)")),
        }
    }
}

/// Where the enforcement log goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnforcementLog {
    /// Standard output (`-`).
    Stdout,
    /// A file, appended to.
    File(PathBuf),
}

impl From<&str> for EnforcementLog {
    fn from(s: &str) -> Self {
        if s == "-" {
            EnforcementLog::Stdout
        } else {
            EnforcementLog::File(PathBuf::from(s))
        }
    }
}

/// What to log, how and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// The operational log's format.
    pub format: LogFormat,
    /// An `EnvFilter` directive string such as `info` or `consentry=debug,hyper=warn`.
    pub filter: String,
    /// The enforcement log, if any. Its events then leave the operational log.
    pub enforcement_log: Option<EnforcementLog>,
}

/// Logging could not be set up.
#[derive(Debug)]
pub struct TelemetryError(String);

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TelemetryError {}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(options: &Options) -> Result<(), TelemetryError> {
    let mut filter = EnvFilter::try_new(&options.filter)
        .map_err(|e| TelemetryError(format!("log level `{}`: {e}", options.filter)))?;
    let mut layers: Vec<BoxedLayer> = Vec::new();
    if let Some(target) = &options.enforcement_log {
        layers.push(Box::new(enforcement_layer(open(target)?)));
    }
    // One audit line per request belongs in the enforcement log, not in the
    // operational log (where, at thousands of requests a second, it would
    // cost more than the rewrite): it appears there only when the filter
    // names its target, e.g. `info,consentry::enforcement=info`.
    if options.enforcement_log.is_some() || !options.filter.contains(ENFORCEMENT_TARGET) {
        let off = format!("{ENFORCEMENT_TARGET}=off")
            .parse()
            .map_err(|e| TelemetryError(format!("internal filter directive: {e}")))?;
        filter = filter.add_directive(off);
    }
    let ansi = io::stderr().is_terminal();
    layers.push(match options.format {
        LogFormat::Human => tracing_subscriber::fmt::layer()
            .with_writer(io::stderr)
            .with_ansi(ansi)
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_writer(io::stderr)
            .with_filter(filter)
            .boxed(),
    });
    tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .map_err(|e| TelemetryError(format!("cannot install the logger: {e}")))
}

/// A line-flushed writer for the enforcement log.
pub type LogWriter = Mutex<LineWriter<Box<dyn Write + Send>>>;

/// Opens the enforcement log (a file is created or appended to).
pub fn open(target: &EnforcementLog) -> Result<LogWriter, TelemetryError> {
    let inner: Box<dyn Write + Send> = match target {
        EnforcementLog::Stdout => Box::new(io::stdout()),
        EnforcementLog::File(path) => Box::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| TelemetryError(format!("enforcement log {}: {e}", path.display())))?,
        ),
    };
    Ok(Mutex::new(LineWriter::new(inner)))
}

/// A layer writing only [`ENFORCEMENT_TARGET`] events (info and above) to
/// `writer`, one flat JSON object per line: `timestamp`, `message` and the
/// event's fields.
pub fn enforcement_layer<S, W>(writer: W) -> impl Layer<S> + Send + Sync
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_level(false)
        .with_ansi(false)
        .with_writer(writer)
        .with_filter(Targets::new().with_target(ENFORCEMENT_TARGET, Level::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_formats_and_targets() {
        assert_eq!("JSON".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert_eq!("human".parse::<LogFormat>(), Ok(LogFormat::Human));
        assert!("xml".parse::<LogFormat>().is_err());
        assert_eq!(EnforcementLog::from("-"), EnforcementLog::Stdout);
        assert_eq!(
            EnforcementLog::from("/var/log/e.jsonl"),
            EnforcementLog::File("/var/log/e.jsonl".into())
        );
    }

    #[test]
    fn rejects_a_bad_filter() {
        let options = Options {
            format: LogFormat::Human,
            filter: "consentry=loud".into(),
            enforcement_log: None,
        };
        assert!(init(&options)
            .unwrap_err()
            .to_string()
            .contains("log level"));
    }

    #[test]
    fn enforcement_log_has_only_enforcement_events_as_json_lines() {
        let path = std::env::temp_dir().join(format!(
            "consentry-enforcement-{}.jsonl",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let writer = open(&EnforcementLog::File(path.clone())).unwrap();
        let subscriber = tracing_subscriber::registry().with(enforcement_layer(writer));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "consentry::access", status = 200, "request");
            tracing::info!(
                target: "consentry::enforcement",
                request_id = "r1",
                host = "shop.example",
                granted = "necessary",
                stripped = "_ga",
                "enforced"
            );
            tracing::debug!(target: "consentry::enforcement", request_id = "r2", "too verbose");
            tracing::warn!("unrelated");
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let event: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(event["request_id"], "r1");
        assert_eq!(event["host"], "shop.example");
        assert_eq!(event["stripped"], "_ga");
        assert_eq!(event["message"], "enforced");
        assert!(event["timestamp"].is_string(), "{event}");
    }
}

#[cfg(test)]
mod trace_context_tests {
    use super::trace_id;

    #[test]
    fn reads_the_trace_id_of_a_valid_traceparent() {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(trace_id(&format!("00-{id}-00f067aa0ba902b7-01")), Some(id));
        assert_eq!(
            trace_id(&format!(" 00-{id}-00f067aa0ba902b7-00\t")),
            Some(id)
        );
        // A later version may carry more fields.
        assert_eq!(
            trace_id(&format!("01-{id}-00f067aa0ba902b7-01-extra")),
            Some(id)
        );
    }

    #[test]
    fn rejects_malformed_traceparents() {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        for bad in [
            String::new(),
            "garbage".into(),
            format!("00-{id}-00f067aa0ba902b7-01-extra"),
            format!("ff-{id}-00f067aa0ba902b7-01"),
            format!("00-{}-00f067aa0ba902b7-01", id.to_uppercase()),
            format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)),
            format!("00-{id}-0000000000000000-01"),
            format!("00-{id}-00f067aa0ba902b7"),
            format!("00-{}-00f067aa0ba902b7-01", &id[1..]),
            format!("00-{id}-00f067aa0ba902b7-0x"),
        ] {
            assert_eq!(trace_id(&bad), None, "{bad}");
        }
    }
}

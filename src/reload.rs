//! Hot reload: on SIGHUP, and when the modification time or length of the
//! config file or of a filter list it reads changes, the config is re-read
//! and compiled. A good config is
//! swapped in atomically (requests in flight finish on their snapshot); a
//! bad one is logged with file, key and reason, and the running config stays.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use metrics::{counter, gauge};
use tokio::signal::unix::{signal, SignalKind};

use crate::config::{ConfigError, ConfigSource, Mode, Policy, SharedPolicy};

/// How often the config file is looked at.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Re-reads a [`ConfigSource`] into a [`SharedPolicy`].
#[derive(Clone)]
pub struct Reloader {
    source: ConfigSource,
    shared: SharedPolicy,
}

impl Reloader {
    /// A reloader that stores into `shared`; registers the reload counters.
    pub fn new(source: ConfigSource, shared: SharedPolicy) -> Self {
        for result in ["ok", "failed"] {
            counter!("consentry_config_reloads_total", "result" => result).increment(0);
        }
        Reloader { source, shared }
    }

    /// Loads the config now; on success swaps it in, on failure keeps the
    /// running one. Logs and counts either way. `trigger` says why, for logs.
    pub fn reload(&self, trigger: &str) -> Result<(), ConfigError> {
        match self.source.read() {
            Ok(mut new) => {
                let old = self.shared.load_full();
                for (key, was, now) in restart_required(&old, &new) {
                    tracing::warn!(
                        key,
                        was = %was,
                        now = %now,
                        "`{key}` changed from {was} to {now}: restart Consentry to apply it; \
                         everything else is reloaded"
                    );
                }
                keep_bound_settings(&old, &mut new);
                let new = Arc::new(new);
                self.shared.store(new.clone());
                counter!("consentry_config_reloads_total", "result" => "ok").increment(1);
                publish(&new);
                tracing::info!(
                    trigger,
                    file = %self.source.label(),
                    mode = mode_name(new.mode),
                    "config reloaded"
                );
                Ok(())
            }
            Err(e) => {
                counter!("consentry_config_reloads_total", "result" => "failed").increment(1);
                tracing::error!(
                    trigger,
                    file = %e.file,
                    key = %e.key,
                    reason = %e.reason,
                    "config reload failed, keeping the running config: {e}"
                );
                Err(e)
            }
        }
    }
}

/// Settings read once at start (sockets, threads, the upstream client):
/// `(key, old, new)` for each that differs, since a reload cannot apply them.
pub fn restart_required(old: &Policy, new: &Policy) -> Vec<(&'static str, String, String)> {
    let (a, b) = (&old.proxy, &new.proxy);
    let pairs = [
        ("proxy.listen", a.listen.to_string(), b.listen.to_string()),
        (
            "proxy.workers",
            a.workers.to_string(),
            b.workers.to_string(),
        ),
        (
            "proxy.upstream",
            a.upstream.to_string(),
            b.upstream.to_string(),
        ),
        (
            "proxy.host_header",
            format!("{:?}", a.host_header),
            format!("{:?}", b.host_header),
        ),
        (
            "proxy.pool_max_idle_per_host",
            a.pool_max_idle_per_host.to_string(),
            b.pool_max_idle_per_host.to_string(),
        ),
        (
            "proxy.timeouts.connect",
            format!("{:?}", a.connect_timeout),
            format!("{:?}", b.connect_timeout),
        ),
        (
            "proxy.timeouts.response_header",
            format!("{:?}", a.response_header_timeout),
            format!("{:?}", b.response_header_timeout),
        ),
        (
            "proxy.timeouts.idle",
            format!("{:?}", a.idle_timeout),
            format!("{:?}", b.idle_timeout),
        ),
        (
            "proxy.timeouts.body_idle",
            format!("{:?}", a.body_idle_timeout),
            format!("{:?}", b.body_idle_timeout),
        ),
        (
            "proxy.timeouts.shutdown_grace",
            format!("{:?}", a.shutdown_grace),
            format!("{:?}", b.shutdown_grace),
        ),
        (
            "proxy.timeouts.client_header",
            format!("{:?}", a.client_header_timeout),
            format!("{:?}", b.client_header_timeout),
        ),
        ("proxy.tls", format!("{:?}", a.tls), format!("{:?}", b.tls)),
        (
            "admin.listen",
            old.admin.listen.to_string(),
            new.admin.listen.to_string(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, was, now)| was != now)
        .collect()
}

/// Keeps in `new` the settings [`restart_required`] lists, so the live
/// policy says what is really in force (readiness probes that upstream).
fn keep_bound_settings(old: &Policy, new: &mut Policy) {
    let cache = new.proxy.cache;
    new.proxy = old.proxy.clone();
    new.proxy.cache = cache;
    new.admin.listen = old.admin.listen;
}

/// Sets `consentry_config_info{mode}`: 1 for `policy`'s mode, 0 for the other.
pub fn publish(policy: &Policy) {
    for mode in [Mode::Enforce, Mode::ReportOnly] {
        let value = if mode == policy.mode { 1.0 } else { 0.0 };
        gauge!("consentry_config_info", "mode" => mode_name(mode)).set(value);
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Enforce => "enforce",
        Mode::ReportOnly => "report-only",
    }
}

/// Reloads on SIGHUP and, when the source is a file, whenever its (or a
/// filter list's) modification time or length changes (with the built-in config, SIGHUP
/// only logs that there is nothing to reload) (looked at every `poll`), until
/// `shutdown` completes. Registers the SIGHUP handler and notes the file's
/// state before returning, so call it inside the runtime and before the
/// process announces readiness.
pub fn watch(
    reloader: Reloader,
    poll: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let hangup = signal(SignalKind::hangup())
        .map_err(
            |e| tracing::error!(error = %e, "cannot handle SIGHUP; reloads only on file change"),
        )
        .ok();
    let path = reloader.source.path.clone();
    let mut seen = path
        .as_deref()
        .and_then(|p| fingerprints(p, &reloader.shared.load()));
    async move {
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut hangup = hangup;
        tokio::pin!(shutdown);
        loop {
            let trigger = tokio::select! {
                () = &mut shutdown => return,
                received = recv(&mut hangup) => match received {
                    Some(()) => "SIGHUP",
                    None => {
                        hangup = None;
                        continue;
                    }
                },
                _ = ticks.tick(), if path.is_some() => {
                    let now = path
                        .as_deref()
                        .and_then(|p| fingerprints(p, &reloader.shared.load()));
                    // A vanished file (mid-replace) is not a change yet.
                    if now.is_none() || now == seen {
                        continue;
                    }
                    seen = now;
                    "file changed"
                }
            };
            if path.is_none() {
                tracing::info!(trigger, "nothing to reload: running the built-in config");
                continue;
            }
            let job = reloader.clone();
            // Compiling takes a few milliseconds: keep it off the workers.
            if let Err(e) = tokio::task::spawn_blocking(move || job.reload(trigger)).await {
                tracing::error!(error = %e, "config reload task failed");
            }
            // Also after a change: the new config may read other filter lists.
            seen = path
                .as_deref()
                .and_then(|p| fingerprints(p, &reloader.shared.load()));
        }
    }
}

/// The next SIGHUP, or never without a handler.
async fn recv(hangup: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match hangup {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

/// What tells a changed file: its modification time and length.
fn fingerprint(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The fingerprints of the config file and of the filter lists `policy`
/// read; `None` while any of them is missing (mid-replace).
fn fingerprints(config: &Path, policy: &Policy) -> Option<Vec<(SystemTime, u64)>> {
    let lists = policy.rewriter.rules().filter_lists().lists();
    std::iter::once(config)
        .chain(lists.iter().map(|list| Path::new(list.file())))
        .map(fingerprint)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::{shared, CacheSafety, Overrides};

    struct TempConfig(PathBuf);

    impl TempConfig {
        fn new(name: &str, text: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "consentry-reload-{}-{name}.toml",
                std::process::id()
            ));
            std::fs::write(&path, text).unwrap();
            TempConfig(path)
        }
    }

    impl Drop for TempConfig {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn setup(file: &TempConfig, overrides: Overrides) -> (Reloader, SharedPolicy) {
        let source = ConfigSource {
            path: Some(file.0.clone()),
            overrides,
        };
        let shared = shared(source.load().unwrap());
        (Reloader::new(source, shared.clone()), shared)
    }

    #[test]
    fn swaps_a_good_config_and_keeps_the_old_one_on_error() {
        let file = TempConfig::new("swap", "mode = \"enforce\"\n");
        let upstream: http::Uri = "http://app:81".parse().unwrap();
        let overrides = Overrides {
            upstream: Some(upstream.clone()),
            ..Overrides::default()
        };
        let recorder = crate::admin::exporter::builder().unwrap().build_recorder();
        let handle = recorder.handle();
        let (reloader, shared) =
            metrics::with_local_recorder(&recorder, || setup(&file, overrides));
        let before = shared.load_full();

        std::fs::write(
            &file.0,
            "mode = \"report-only\"\n[proxy]\nupstream = \"http://other:82\"\n\
             listen = \"127.0.0.1:18081\"\ncache = \"private\"\n",
        )
        .unwrap();
        metrics::with_local_recorder(&recorder, || reloader.reload("test")).unwrap();
        let after = shared.load_full();
        assert_eq!(after.mode, Mode::ReportOnly);
        assert_eq!(
            after.proxy.cache,
            CacheSafety::Private,
            "applied per request"
        );
        assert_eq!(after.proxy.upstream, upstream, "the override still wins");
        assert_eq!(after.proxy.listen, before.proxy.listen, "needs a restart");
        assert_eq!(before.mode, Mode::Enforce, "the old snapshot is untouched");

        std::fs::write(&file.0, "mode = \"sometimes\"\n").unwrap();
        let err = metrics::with_local_recorder(&recorder, || reloader.reload("test")).unwrap_err();
        assert_eq!(err.key, "mode");
        assert!(Arc::ptr_eq(&after, &shared.load_full()));

        let text = handle.render();
        for line in [
            "consentry_config_reloads_total{result=\"ok\"} 1",
            "consentry_config_reloads_total{result=\"failed\"} 1",
            "consentry_config_info{mode=\"report-only\"} 1",
            "consentry_config_info{mode=\"enforce\"} 0",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn detects_settings_that_need_a_restart() {
        let old = crate::config::compile("", "a").unwrap();
        let new = crate::config::compile(
            "[proxy]\nlisten = \"127.0.0.1:8081\"\nupstream = \"http://x:1\"\n[admin]\nlisten = \"127.0.0.1:9091\"\n",
            "b",
        )
        .unwrap();
        let keys: Vec<_> = restart_required(&old, &new)
            .into_iter()
            .map(|(k, _, _)| k)
            .collect();
        assert_eq!(keys, ["proxy.listen", "proxy.upstream", "admin.listen"]);
        assert!(restart_required(&old, &old).is_empty());
    }

    #[tokio::test]
    async fn reloads_when_the_file_changes() {
        let file = TempConfig::new("watch", "mode = \"enforce\"\n");
        let (reloader, shared) = setup(&file, Overrides::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let watcher = tokio::spawn(watch(reloader, Duration::from_millis(20), async {
            let _ = stopped.await;
        }));
        std::fs::write(&file.0, "mode = \"report-only\"\n").unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while shared.load().mode != Mode::ReportOnly {
            assert!(tokio::time::Instant::now() < deadline, "no reload");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.send(()).unwrap();
        watcher.await.unwrap();
    }
}

//! `consentry run`: the reload watcher, the admin listener and the proxy
//! started in that order, and stopped in reverse on SIGTERM or SIGINT.
//!
//! Shutdown: the signal first marks the instance not ready (`/readyz`
//! answers 503 at once), then the proxy stops accepting and drains its
//! in-flight requests within `proxy.timeouts.shutdown_grace`; only then do
//! the admin listener and the watcher stop.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::admin::{Admin, Readiness};
use crate::config::{shared, ConfigSource, Policy};
use crate::discovery::Discovery;
use crate::proxy::{shutdown_signal, Proxy};
use crate::reload::{self, Reloader};

/// Runs until SIGTERM or SIGINT and a completed drain. `policy` is the
/// config `source` already loaded; `metrics` renders the installed recorder.
pub async fn run(
    source: ConfigSource,
    policy: Arc<Policy>,
    metrics: PrometheusHandle,
    observed_out: Option<ObservedOut>,
) -> Result<(), String> {
    let readiness = Arc::new(Readiness::new());
    run_until(
        source,
        policy,
        metrics,
        readiness.clone(),
        observed_out,
        async move {
            shutdown_signal().await;
            readiness.begin_shutdown();
            tracing::info!(target: "consentry::proxy", "shutdown requested: not ready, draining");
        },
    )
    .await
}

/// [`run`] with the shutdown trigger given: `shutdown` must mark
/// `readiness` as shutting down before it completes.
pub async fn run_until(
    source: ConfigSource,
    policy: Arc<Policy>,
    metrics: PrometheusHandle,
    readiness: Arc<Readiness>,
    observed_out: Option<ObservedOut>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let discovery = Arc::new(Discovery::default());
    let listen = policy.proxy.listen;
    let admin_listen = policy.admin.listen;
    let upstream = policy.proxy.upstream.clone();
    let file = source.label();
    reload::publish(&policy);
    let shared = shared(policy);
    let (stop, stopped) = watch::channel(false);

    let reloader = Reloader::new(source, shared.clone());
    let watcher = tokio::spawn(reload::watch(
        reloader,
        reload::POLL_INTERVAL,
        until(stopped.clone()),
    ));
    let admin = Admin::bind(admin_listen, shared.clone(), readiness, metrics)
        .await
        .map_err(|e| format!("cannot listen on {admin_listen} (admin): {e}"))?
        .with_discovery(discovery.clone());
    let admin_addr = admin.local_addr().unwrap_or(admin_listen);
    let admin = tokio::spawn(admin.run(until(stopped)));
    let proxy = Proxy::bind(listen, shared)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?
        .with_discovery(discovery.clone());
    let writer = observed_out.map(|out| {
        tokio::spawn(write_observed(
            out,
            discovery.clone(),
            until(stop.subscribe()),
        ))
    });
    tracing::info!(
        target: "consentry::proxy",
        listen = %proxy.local_addr().unwrap_or(listen),
        admin = %admin_addr,
        upstream = %upstream,
        config = %file,
        "proxy started"
    );

    let served = proxy.run(shutdown).await;
    let _ = stop.send(true);
    if let Ok(Err(e)) = admin.await {
        tracing::warn!(error = %e, "admin listener failed");
    }
    let _ = watcher.await;
    if let Some(writer) = writer {
        let _ = writer.await;
    }
    served.map_err(|e| format!("proxy failed: {e}"))?;
    tracing::info!(target: "consentry::proxy", "stopped");
    Ok(())
}

/// Where and how often `consentry run --observed-out` writes what was discovered.
#[derive(Clone, Debug)]
pub struct ObservedOut {
    /// The observed file.
    pub path: PathBuf,
    /// How often it is rewritten while running (and once more on shutdown).
    pub interval: Duration,
}

/// Writes the observed file every interval and once `stopped` completes.
async fn write_observed(
    out: ObservedOut,
    discovery: Arc<Discovery>,
    stopped: impl Future<Output = ()>,
) {
    let write = || {
        if let Err(e) = discovery.snapshot().write(&out.path) {
            tracing::warn!(target: "consentry::proxy", file = %out.path.display(), error = %e, "cannot write the observed file");
        }
    };
    let mut ticks = tokio::time::interval(out.interval);
    ticks.tick().await;
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => break,
            _ = ticks.tick() => write(),
        }
    }
    write();
}

/// Completes once `stopped` turns true (or its sender is gone).
async fn until(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

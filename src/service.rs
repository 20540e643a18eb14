//! `consentry run`: the reload watcher, the admin listener and the proxy
//! started in that order, and stopped in reverse on SIGTERM or SIGINT.
//!
//! Shutdown: the signal first marks the instance not ready (`/readyz`
//! answers 503 at once), then the proxy stops accepting and drains its
//! in-flight requests within `proxy.timeouts.shutdown_grace`; only then do
//! the admin listener and the watcher stop.

use std::future::Future;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::admin::{Admin, Readiness};
use crate::config::{shared, ConfigSource, Policy};
use crate::proxy::{shutdown_signal, Proxy};
use crate::reload::{self, Reloader};

/// Runs until SIGTERM or SIGINT and a completed drain. `policy` is the
/// config `source` already loaded; `metrics` renders the installed recorder.
pub async fn run(
    source: ConfigSource,
    policy: Arc<Policy>,
    metrics: PrometheusHandle,
) -> Result<(), String> {
    let readiness = Arc::new(Readiness::new());
    run_until(source, policy, metrics, readiness.clone(), async move {
        shutdown_signal().await;
        readiness.begin_shutdown();
        tracing::info!(target: "consentry::proxy", "shutdown requested: not ready, draining");
    })
    .await
}

/// [`run`] with the shutdown trigger given: `shutdown` must mark
/// `readiness` as shutting down before it completes.
pub async fn run_until(
    source: ConfigSource,
    policy: Arc<Policy>,
    metrics: PrometheusHandle,
    readiness: Arc<Readiness>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
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
        .map_err(|e| format!("cannot listen on {admin_listen} (admin): {e}"))?;
    let admin_addr = admin.local_addr().unwrap_or(admin_listen);
    let admin = tokio::spawn(admin.run(until(stopped)));
    let proxy = Proxy::bind(listen, shared)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
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
    served.map_err(|e| format!("proxy failed: {e}"))?;
    tracing::info!(target: "consentry::proxy", "stopped");
    Ok(())
}

/// Completes once `stopped` turns true (or its sender is gone).
async fn until(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

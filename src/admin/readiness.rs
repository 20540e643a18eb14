//! Readiness: whether this instance should receive traffic. Not ready once
//! shutdown has begun, or (with `readiness = "upstream"`) while a TCP
//! connection to the upstream fails. Probe results are cached briefly so a
//! busy prober does not turn into a connection storm.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::config::{Policy, Readiness as Check};

/// How long an upstream probe result is reused.
pub const PROBE_CACHE: Duration = Duration::from_millis(1500);

/// The longest an upstream probe waits for its connection.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Shared readiness state: the shutdown flag and the cached upstream probe.
#[derive(Debug, Default)]
pub struct Readiness {
    draining: AtomicBool,
    probe: Mutex<Option<Probe>>,
}

#[derive(Debug)]
struct Probe {
    target: String,
    at: Instant,
    result: Result<(), String>,
}

impl Readiness {
    /// A ready state (not draining, nothing probed yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks the instance as shutting down: from now on it is never ready.
    pub fn begin_shutdown(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// `Ok(())` when ready under `policy`, or why not.
    pub async fn check(&self, policy: &Policy) -> Result<(), String> {
        if self.is_draining() {
            return Err("shutting down".into());
        }
        match policy.admin.readiness {
            Check::Config => Ok(()),
            Check::Upstream => {
                let Some((host, port)) = upstream_target(&policy.proxy.upstream) else {
                    return Err("the upstream URL has no host".into());
                };
                let timeout = policy.proxy.connect_timeout.min(PROBE_TIMEOUT);
                self.probe(host, port, timeout).await
            }
        }
    }

    /// Connects to `host:port`, or reuses a recent result for the same target.
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> Result<(), String> {
        let target = format!("{host}:{port}");
        // Held across the connect: concurrent probes wait for one result.
        let mut cached = self.probe.lock().await;
        if let Some(p) = cached.as_ref() {
            if p.target == target && p.at.elapsed() < PROBE_CACHE {
                return p.result.clone();
            }
        }
        let result = match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("upstream {target} unreachable: {e}")),
            Err(_) => Err(format!(
                "upstream {target} unreachable: no connection within {} ms",
                timeout.as_millis()
            )),
        };
        *cached = Some(Probe {
            target,
            at: Instant::now(),
            result: result.clone(),
        });
        result
    }
}

/// The host (without IPv6 brackets) and port (default 80) of an upstream URL.
fn upstream_target(uri: &http::Uri) -> Option<(&str, u16)> {
    let authority = uri.authority()?;
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some((host, authority.port_u16().unwrap_or(80)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::compile;

    fn policy(upstream: &str, readiness: &str) -> Policy {
        let text =
            format!("[proxy]\nupstream = \"{upstream}\"\n[admin]\nreadiness = \"{readiness}\"\n");
        compile(&text, "test.toml").unwrap()
    }

    #[test]
    fn targets() {
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert_eq!(
            upstream_target(&uri("http://app:3000")),
            Some(("app", 3000))
        );
        assert_eq!(upstream_target(&uri("http://app")), Some(("app", 80)));
        assert_eq!(upstream_target(&uri("http://[::1]:81/")), Some(("::1", 81)));
    }

    #[tokio::test]
    async fn ready_when_upstream_accepts_and_not_after_shutdown() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let policy = policy(&format!("http://{addr}"), "upstream");
        let readiness = Readiness::new();
        assert_eq!(readiness.check(&policy).await, Ok(()));
        readiness.begin_shutdown();
        assert_eq!(
            readiness.check(&policy).await,
            Err("shutting down".to_string())
        );
    }

    #[tokio::test]
    async fn not_ready_when_upstream_refuses_and_cached_briefly() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let down = policy(&format!("http://{addr}"), "upstream");
        let readiness = Readiness::new();
        let err = readiness.check(&down).await.unwrap_err();
        assert!(err.contains("unreachable"), "{err}");
        // Within the cache window the same target is not probed again, even
        // if it came up meanwhile.
        let _up = tokio::net::TcpListener::bind(addr).await.unwrap();
        assert_eq!(readiness.check(&down).await, Err(err));
        // `config` readiness does not look at the upstream at all.
        assert_eq!(
            readiness
                .check(&policy(&format!("http://{addr}"), "config"))
                .await,
            Ok(())
        );
    }
}

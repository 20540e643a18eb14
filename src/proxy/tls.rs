//! TLS termination for the proxy listener (`[proxy.tls]`): rustls with the
//! ring provider, TLS 1.2 and 1.3, ALPN `h2` and `http/1.1`.
//!
//! The certificate chain and key are PEM files, read at start (a bad pair
//! fails the start) and again on SIGHUP or when either file's modification
//! time or size changes (checked every second). Each handshake takes the
//! pair current at that moment, so open connections keep theirs and new
//! ones get the new pair; a pair that fails to load is logged and counted
//! (`consentry_tls_reloads_total{result="failed"}`) and the running one
//! stays.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use metrics::counter;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use tokio::signal::unix::{signal, SignalKind};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsSettings;

/// How often the certificate and key files are looked at.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The certificate chain and key in force, re-read from their files.
#[derive(Debug)]
pub struct CertFiles {
    settings: TlsSettings,
    provider: Arc<CryptoProvider>,
    current: ArcSwap<CertifiedKey>,
    /// The files' state when last loaded.
    seen: Mutex<Option<Fingerprint>>,
}

type Fingerprint = [(SystemTime, u64); 2];

impl CertFiles {
    /// Reads the pair named by `settings`; the error names the file and why.
    pub fn load(settings: &TlsSettings) -> io::Result<Arc<CertFiles>> {
        for result in ["ok", "failed"] {
            counter!("consentry_tls_reloads_total", "result" => result).increment(0);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let seen = fingerprint(settings);
        let key = read_pair(settings, &provider)?;
        Ok(Arc::new(CertFiles {
            settings: settings.clone(),
            provider,
            current: ArcSwap::from_pointee(key),
            seen: Mutex::new(seen),
        }))
    }

    /// Re-reads the files; on success new handshakes use the new pair, on
    /// failure the running one stays. Logs and counts either way.
    pub fn reload(&self, trigger: &str) -> io::Result<()> {
        let seen = fingerprint(&self.settings);
        match read_pair(&self.settings, &self.provider) {
            Ok(key) => {
                self.current.store(Arc::new(key));
                *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = seen;
                counter!("consentry_tls_reloads_total", "result" => "ok").increment(1);
                tracing::info!(target: "consentry::proxy", trigger, cert = %self.settings.cert.display(), "TLS certificate reloaded");
                Ok(())
            }
            Err(e) => {
                counter!("consentry_tls_reloads_total", "result" => "failed").increment(1);
                tracing::error!(target: "consentry::proxy", trigger, error = %e, "TLS certificate reload failed, keeping the running one");
                Err(e)
            }
        }
    }

    /// Whether either file changed since it was last loaded (a file that
    /// is missing mid-replace is not a change yet).
    fn changed(&self) -> bool {
        let now = fingerprint(&self.settings);
        now.is_some() && now != *self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A rustls acceptor serving the current pair, TLS 1.2 and 1.3, ALPN
    /// `h2` then `http/1.1`.
    pub fn acceptor(self: &Arc<Self>) -> TlsAcceptor {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .expect("the ring provider supports TLS 1.2 and 1.3")
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }

    /// Reloads on SIGHUP and when the files change (looked at every
    /// `poll`), forever.
    pub async fn watch(self: Arc<Self>, poll: Duration) {
        let mut hangup = signal(SignalKind::hangup())
            .map_err(|e| tracing::error!(error = %e, "cannot handle SIGHUP; TLS files reload only on change"))
            .ok();
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let trigger = tokio::select! {
                received = async {
                    match &mut hangup {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                } => match received {
                    Some(()) => "SIGHUP",
                    None => {
                        hangup = None;
                        continue;
                    }
                },
                _ = ticks.tick() => {
                    if !self.changed() {
                        continue;
                    }
                    "file changed"
                }
            };
            let files = self.clone();
            let _ = tokio::task::spawn_blocking(move || files.reload(trigger)).await;
        }
    }
}

impl ResolvesServerCert for CertFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

fn fingerprint(settings: &TlsSettings) -> Option<Fingerprint> {
    let one = |path: &Path| {
        let meta = std::fs::metadata(path).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    };
    Some([one(&settings.cert)?, one(&settings.key)?])
}

fn invalid(key: &str, path: &Path, reason: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{key}: {}: {reason}", path.display()),
    )
}

/// Reads and checks a certificate chain and its private key.
fn read_pair(settings: &TlsSettings, provider: &CryptoProvider) -> io::Result<CertifiedKey> {
    let (cert_path, key_path) = (&settings.cert, &settings.key);
    let chain = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid("proxy.tls.cert", cert_path, e))?;
    if chain.is_empty() {
        return Err(invalid(
            "proxy.tls.cert",
            cert_path,
            "no CERTIFICATE in the file",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|e| invalid("proxy.tls.key", key_path, e))?;
    let key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| invalid("proxy.tls.key", key_path, e))?;
    let pair = CertifiedKey::new(chain, key);
    pair.keys_match().map_err(|e| {
        invalid(
            "proxy.tls.key",
            key_path,
            format!("does not match the certificate: {e}"),
        )
    })?;
    Ok(pair)
}

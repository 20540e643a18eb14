//! Where the running config comes from: a file (or the built-in default)
//! plus the settings given as flags or environment variables, which win
//! over the file on every load, reloads included.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::{compile, ConfigError, Policy, DEFAULT_CONFIG};

/// Settings from the command line or the environment (flag > env > file).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `proxy.listen` (`--listen`, `CONSENTRY_LISTEN`).
    pub listen: Option<SocketAddr>,
    /// `proxy.upstream` (`--upstream`, `CONSENTRY_UPSTREAM`), already validated.
    pub upstream: Option<http::Uri>,
    /// `admin.listen` (`--admin-listen`, `CONSENTRY_ADMIN_LISTEN`).
    pub admin_listen: Option<SocketAddr>,
    /// `proxy.workers` (`--workers`, `CONSENTRY_WORKERS`).
    pub workers: Option<usize>,
}

impl Overrides {
    /// Replaces the overridden settings in `policy`.
    pub fn apply(&self, policy: &mut Policy) {
        if let Some(listen) = self.listen {
            policy.proxy.listen = listen;
        }
        if let Some(upstream) = &self.upstream {
            policy.proxy.upstream = upstream.clone();
        }
        if let Some(listen) = self.admin_listen {
            policy.admin.listen = listen;
        }
        if let Some(workers) = self.workers {
            policy.proxy.workers = workers;
        }
    }
}

/// A config file (`None`: the built-in config) and its overrides.
#[derive(Clone, Debug, Default)]
pub struct ConfigSource {
    /// The config file.
    pub path: Option<PathBuf>,
    /// Settings that win over the file.
    pub overrides: Overrides,
}

impl ConfigSource {
    /// Reads and compiles the config and applies the overrides.
    pub fn read(&self) -> Result<Policy, ConfigError> {
        let mut policy = match &self.path {
            Some(path) => Policy::read(path)?,
            None => compile(DEFAULT_CONFIG, "<built-in>")?,
        };
        self.overrides.apply(&mut policy);
        Ok(policy)
    }

    /// [`read`](Self::read), shared.
    pub fn load(&self) -> Result<Arc<Policy>, ConfigError> {
        self.read().map(Arc::new)
    }

    /// What the config is read from, for logs.
    pub fn label(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "<built-in>".to_string(), |p| p.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_over_the_file() {
        let source = ConfigSource {
            path: None,
            overrides: Overrides {
                listen: Some("0.0.0.0:8080".parse().unwrap()),
                upstream: Some("http://app:80".parse().unwrap()),
                admin_listen: Some("0.0.0.0:9090".parse().unwrap()),
                workers: Some(2),
            },
        };
        let policy = source.load().unwrap();
        assert_eq!(policy.proxy.listen, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(policy.proxy.upstream, "http://app:80");
        assert_eq!(policy.admin.listen, "0.0.0.0:9090".parse().unwrap());
        assert_eq!(policy.proxy.workers, 2);
        let plain = ConfigSource::default().load().unwrap();
        assert_eq!(plain.proxy.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(plain.admin.listen, "127.0.0.1:9090".parse().unwrap());
        assert_eq!(source.label(), "<built-in>");
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let source = ConfigSource {
            path: Some("/nonexistent/consentry.toml".into()),
            overrides: Overrides::default(),
        };
        let err = source.load().unwrap_err();
        assert_eq!(err.file, "/nonexistent/consentry.toml");
        assert!(err.reason.contains("cannot read"), "{err}");
    }
}

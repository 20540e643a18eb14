//! `Upgrade` (WebSocket and the like) pass-through: once upstream answered
//! 101, both connections are taken over and bytes are copied both ways.
//!
//! Tunnels are tracked so that shutdown can wait for them, and close the
//! ones still open when the grace period ends.

use std::time::Duration;

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

/// The open tunnels: each holds a receiver of the close flag.
#[derive(Debug)]
pub struct Tunnels {
    close: watch::Sender<bool>,
}

impl Default for Tunnels {
    fn default() -> Self {
        Tunnels {
            close: watch::channel(false).0,
        }
    }
}

impl Tunnels {
    /// Completes once no tunnel is open.
    pub async fn closed(&self) {
        self.close.closed().await;
    }

    /// Closes every open tunnel (and any opened later) and waits up to
    /// `within` for them to go.
    pub async fn close_all(&self, within: Duration) {
        self.close.send_replace(true);
        let _ = tokio::time::timeout(within, self.closed()).await;
    }

    /// The number of open tunnels.
    pub fn count(&self) -> usize {
        self.close.receiver_count()
    }
}

/// Spawns the bidirectional copy between the client's and upstream's
/// upgraded connections; it ends when either side closes, or when
/// `tunnels` closes them all.
pub fn splice(tunnels: &Tunnels, client: OnUpgrade, upstream: OnUpgrade) {
    let mut close = tunnels.close.subscribe();
    tokio::spawn(async move {
        let copy = async move {
            let (client, upstream) = match tokio::try_join!(client, upstream) {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::debug!(target: "consentry::proxy", error = %e, "upgrade failed");
                    return;
                }
            };
            let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
            if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
                tracing::debug!(target: "consentry::proxy", error = %e, "upgraded connection ended");
            }
        };
        tokio::select! {
            () = copy => {}
            _ = close.wait_for(|close| *close) => {
                tracing::debug!(target: "consentry::proxy", "upgraded connection closed at the end of the grace period");
            }
        }
    });
}

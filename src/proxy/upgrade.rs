//! `Upgrade` (WebSocket and the like) pass-through: once upstream answered
//! 101, both connections are taken over and bytes are copied both ways.

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

/// Spawns the bidirectional copy between the client's and upstream's
/// upgraded connections; it ends when either side closes.
pub fn splice(client: OnUpgrade, upstream: OnUpgrade) {
    tokio::spawn(async move {
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
    });
}

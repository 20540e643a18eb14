//! `proxy.timeouts.body_idle`: a response body that yields no frame for that
//! long while the client waits for it is aborted. Only time spent waiting on
//! the body counts, so a slow client never trips it. The proxy itself never
//! waits inside a body, so a stall is upstream's and counts as
//! `consentry_upstream_errors_total{kind="timeout"}`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::body::BoxError;
use super::observe;

/// The body stalled for longer than the idle timeout.
#[derive(Debug, thiserror::Error)]
#[error("no upstream body data for {0:?}")]
pub struct BodyIdle(Duration);

/// A body aborted with [`BodyIdle`] when it stalls for `timeout`.
#[derive(Debug)]
pub struct IdleTimeout<B> {
    inner: B,
    timeout: Duration,
    /// Allocated on the first wait only; armed while a wait is under way.
    timer: Option<Pin<Box<Sleep>>>,
    armed: bool,
    expired: bool,
}

impl<B> IdleTimeout<B> {
    /// Wraps `inner`.
    pub fn new(inner: B, timeout: Duration) -> Self {
        IdleTimeout {
            inner,
            timeout,
            timer: None,
            armed: false,
            expired: false,
        }
    }
}

impl<B> Body for IdleTimeout<B>
where
    B: Body<Error = BoxError> + Unpin,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, BoxError>>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.armed = false;
            return Poll::Ready(frame);
        }
        let deadline = Instant::now() + this.timeout;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !this.armed {
            timer.as_mut().reset(deadline);
            this.armed = true;
        }
        std::task::ready!(timer.as_mut().poll(cx));
        this.expired = true;
        observe::upstream_error("timeout");
        tracing::warn!(target: "consentry::proxy", timeout_ms = this.timeout.as_millis() as u64, "upstream body stalled: response aborted");
        Poll::Ready(Some(Err(Box::new(BodyIdle(this.timeout)))))
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

//! `proxy.timeouts.client_header`: an HTTP/1 client gets this long to send
//! a request's headers, counted from the connection's start or from the
//! first byte of each later request, like nginx's `client_header_timeout`.
//! The wait between requests on a kept-alive connection is the separate
//! `proxy.timeouts.idle` (hyper's header-read timer, which starts when the
//! connection goes idle).
//!
//! [`HeaderDeadline`] wraps the client socket and fails a read with
//! `TimedOut` once the deadline passes while headers are still incomplete;
//! the service marks the end of the headers ([`ConnectionPhase::request_started`])
//! and the end of the response ([`ConnectionPhase::request_finished`]).
//! HTTP/2 connections (the prior-knowledge preface) and upgraded ones are
//! left alone: HTTP/2 has its own keep-alive pings, and a tunnel's bytes are
//! not headers.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Between requests: the next byte starts a header deadline.
const IDLE: u8 = 0;
/// Reading a request's headers: the deadline runs.
const HEADERS: u8 = 1;
/// Headers read, request under way.
const IN_REQUEST: u8 = 2;
/// HTTP/2 or upgraded: no header deadline any more.
const OFF: u8 = 3;

/// Where a connection is in its request cycle, shared between the socket
/// wrapper and the service.
#[derive(Debug, Default)]
pub struct ConnectionPhase(AtomicU8);

impl ConnectionPhase {
    /// The service received a request: its headers are complete.
    pub fn request_started(&self) {
        let _ = self
            .0
            .compare_exchange(HEADERS, IN_REQUEST, Ordering::Relaxed, Ordering::Relaxed);
        let _ = self
            .0
            .compare_exchange(IDLE, IN_REQUEST, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The response was sent (or dropped): the connection waits for the
    /// next request.
    pub fn request_finished(&self) {
        let _ = self
            .0
            .compare_exchange(IN_REQUEST, IDLE, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The connection was upgraded: no more header deadlines.
    pub fn upgraded(&self) {
        self.0.store(OFF, Ordering::Relaxed);
    }
}

/// A client socket whose reads fail once a request's headers take longer
/// than the timeout.
#[derive(Debug)]
pub struct HeaderDeadline<S> {
    inner: S,
    phase: Arc<ConnectionPhase>,
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
    /// Whether the first bytes were looked at (for the HTTP/2 preface).
    sniffed: bool,
}

impl<S> HeaderDeadline<S> {
    /// Wraps a freshly accepted `inner`: its first request's headers are due
    /// within `timeout` from now.
    pub fn new(inner: S, timeout: Duration) -> (Self, Arc<ConnectionPhase>) {
        let phase = Arc::new(ConnectionPhase(AtomicU8::new(HEADERS)));
        let io = HeaderDeadline {
            inner,
            phase: phase.clone(),
            timeout,
            timer: Box::pin(tokio::time::sleep(timeout)),
            sniffed: false,
        };
        (io, phase)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HeaderDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if !this.sniffed && !read.is_empty() {
                    this.sniffed = true;
                    if read.starts_with(b"PRI ") {
                        this.phase.0.store(OFF, Ordering::Relaxed);
                    }
                }
                if !read.is_empty()
                    && this
                        .phase
                        .0
                        .compare_exchange(IDLE, HEADERS, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    this.timer.as_mut().reset(Instant::now() + this.timeout);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if this.phase.0.load(Ordering::Relaxed) == HEADERS
                    && this.timer.as_mut().poll(cx).is_ready()
                {
                    tracing::debug!(target: "consentry::proxy", timeout_ms = this.timeout.as_millis() as u64, "client too slow sending request headers: connection closed");
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "request headers not received within proxy.timeouts.client_header",
                    )));
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeaderDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A response body that tells the [`ConnectionPhase`] when it is done.
#[derive(Debug)]
pub struct ResponseDone<B> {
    inner: B,
    phase: Arc<ConnectionPhase>,
}

impl<B> ResponseDone<B> {
    /// Wraps `inner`.
    pub fn new(inner: B, phase: Arc<ConnectionPhase>) -> Self {
        ResponseDone { inner, phase }
    }
}

impl<B> Drop for ResponseDone<B> {
    fn drop(&mut self) {
        self.phase.request_finished();
    }
}

impl<B> Body for ResponseDone<B>
where
    B: Body + Unpin,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

//! Response bodies: upstream bytes passed through untouched, or pushed frame
//! by frame through decode → [`HtmlFilter`] → encode.
//!
//! Failure is closed: when a compressed body turns out to be corrupt, or the
//! rewriter hits its memory limit or fails to parse, the body ends with an
//! error. The client sees a broken transfer (a connection closed before the
//! last chunk, or an HTTP/2 stream reset), never the unfiltered rest of the
//! document. Every such failure is counted and logged.

use std::pin::Pin;
use std::task::{Context, Poll};

use std::io::IoSlice;

use bytes::{Buf, Bytes};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::codec::{Decoder, Encoder};
use super::observe::{self, Audit};
use crate::consent_ui::cmp;
use crate::html::edit::Output;
use crate::rewrite::{HtmlFilter, Report, RewriteError};

/// The error type of proxied bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a rewritten body was aborted.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Reading from upstream failed.
    #[error("upstream body: {0}")]
    Upstream(#[from] hyper::Error),
    /// The body did not decode in its declared content coding.
    #[error("decoding the upstream body failed: {0}")]
    Decode(std::io::Error),
    /// The rewriter failed (memory limit, parser error).
    #[error(transparent)]
    Rewrite(#[from] RewriteError),
    /// Re-encoding failed.
    #[error("re-encoding the body failed: {0}")]
    Encode(std::io::Error),
}

/// The body of every response the proxy sends.
#[derive(Debug)]
pub enum ProxyBody {
    /// Upstream's body, frame for frame (no copies, trailers included).
    Upstream(Incoming),
    /// An HTML body being rewritten (or, in report-only mode, observed).
    Html(Box<HtmlBody>),
    /// A small body the proxy made itself (error pages).
    Full(Option<Bytes>),
}

impl ProxyBody {
    /// A body of `text`.
    pub fn text(text: &'static str) -> Self {
        ProxyBody::Full(Some(Bytes::from_static(text.as_bytes())))
    }
}

/// The bytes of one frame the proxy sends: upstream's as they came, or the
/// rewriter's output (spans of upstream's bytes and the text between them,
/// written with one vectored write).
#[derive(Debug)]
pub enum BodyData {
    /// One buffer.
    Whole(Bytes),
    /// Parts in order.
    Parts(Output),
}

impl Buf for BodyData {
    fn remaining(&self) -> usize {
        match self {
            BodyData::Whole(b) => b.remaining(),
            BodyData::Parts(p) => p.remaining(),
        }
    }

    fn chunk(&self) -> &[u8] {
        match self {
            BodyData::Whole(b) => b.chunk(),
            BodyData::Parts(p) => p.chunk(),
        }
    }

    fn advance(&mut self, cnt: usize) {
        match self {
            BodyData::Whole(b) => b.advance(cnt),
            BodyData::Parts(p) => p.advance(cnt),
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        match self {
            BodyData::Whole(b) => b.chunks_vectored(dst),
            BodyData::Parts(p) => p.chunks_vectored(dst),
        }
    }
}

impl Body for ProxyBody {
    type Data = BodyData;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<BodyData>, BoxError>>> {
        match self.get_mut() {
            ProxyBody::Upstream(body) => Pin::new(body)
                .poll_frame(cx)
                .map_ok(|frame| frame.map_data(BodyData::Whole))
                .map_err(Into::into),
            ProxyBody::Html(body) => Pin::new(body.as_mut()).poll_frame(cx).map_err(Into::into),
            ProxyBody::Full(bytes) => {
                Poll::Ready(bytes.take().map(|b| Ok(Frame::data(BodyData::Whole(b)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ProxyBody::Upstream(body) => body.is_end_stream(),
            ProxyBody::Html(body) => body.done,
            ProxyBody::Full(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ProxyBody::Upstream(body) => body.size_hint(),
            ProxyBody::Html(body) if body.tee => body.upstream.size_hint(),
            ProxyBody::Html(_) => SizeHint::default(),
            ProxyBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
        }
    }
}

/// An HTML body: upstream frames through decode → rewrite → encode.
///
/// In enforce mode the client gets the filter's output. In report-only mode
/// (`tee`) it gets upstream's bytes unchanged while a copy is decoded and
/// fed to a report-only filter whose output is discarded: only its report
/// counts; a failure there just stops the observation.
#[derive(Debug)]
pub struct HtmlBody {
    upstream: Incoming,
    decoder: Option<Decoder>,
    filter: Option<HtmlFilter>,
    encoder: Option<Encoder>,
    tee: bool,
    done: bool,
    bytes_in: u64,
    bytes_out: u64,
    audit: Option<Audit>,
    /// While set, decoded input is held until the banner decision.
    gate: Option<BannerGate>,
    /// Appended to the document's end (the settings link).
    trailer: Option<Bytes>,
}

/// Holds the start of a page (up to its `<body`, at most [`GATE_LIMIT`]
/// bytes) to see whether it loads a consent manager of its own before the
/// banner is committed; if it does, the filter without the banner takes over.
#[derive(Debug)]
struct BannerGate {
    held: Vec<u8>,
    without_banner: HtmlFilter,
}

/// The most of a page held back before the banner decision.
const GATE_LIMIT: usize = 64 << 10;

impl HtmlBody {
    /// A body that replaces upstream's HTML with the filter's output.
    pub fn enforce(
        upstream: Incoming,
        decoder: Option<Decoder>,
        filter: HtmlFilter,
        encoder: Option<Encoder>,
        audit: Audit,
    ) -> Self {
        HtmlBody {
            upstream,
            decoder,
            filter: Some(filter),
            encoder,
            tee: false,
            done: false,
            bytes_in: 0,
            bytes_out: 0,
            audit: Some(audit),
            gate: None,
            trailer: None,
        }
    }

    /// The same body holding the page's start until it is known whether the
    /// page loads its own consent manager; if so, `without_banner` (the same
    /// filter without the banner) rewrites the page instead.
    pub fn with_banner_gate(mut self, without_banner: HtmlFilter) -> Self {
        self.gate = Some(BannerGate {
            held: Vec::new(),
            without_banner,
        });
        self
    }

    /// The same body with `trailer` appended to the document.
    pub fn with_trailer(mut self, trailer: Bytes) -> Self {
        self.trailer = Some(trailer);
        self
    }

    /// A body that forwards upstream's bytes and only observes them.
    pub fn observe(
        upstream: Incoming,
        decoder: Option<Decoder>,
        filter: HtmlFilter,
        audit: Audit,
    ) -> Self {
        HtmlBody {
            upstream,
            decoder,
            filter: Some(filter),
            encoder: None,
            tee: true,
            done: false,
            bytes_in: 0,
            bytes_out: 0,
            audit: Some(audit),
            gate: None,
            trailer: None,
        }
    }

    /// Pushes one upstream chunk through; returns what goes to the client.
    fn chunk(&mut self, data: Bytes) -> Result<BodyData, BodyError> {
        if self.tee {
            if let Err(e) = self.rewrite(data.clone()) {
                self.stop_observing(&e);
            }
            return Ok(BodyData::Whole(data));
        }
        let out = self.rewrite(data)?;
        self.encode(out)
    }

    /// Decodes and rewrites `data`; returns the filter's output.
    fn rewrite(&mut self, data: Bytes) -> Result<Output, BodyError> {
        if self.filter.is_none() {
            return Ok(Output::default());
        }
        let clear = match self.decoder.as_mut() {
            Some(d) => Bytes::from(d.write(&data).map_err(BodyError::Decode)?),
            None => data,
        };
        if clear.is_empty() {
            return Ok(Output::default());
        }
        self.bytes_in += clear.len() as u64;
        if let Some(gate) = self.gate.as_mut() {
            if gate.held.is_empty() {
                let body = cmp::body_start(&clear);
                if body.is_none() && clear.len() < GATE_LIMIT {
                    gate.held.extend_from_slice(&clear);
                    return Ok(Output::default());
                }
                // The whole head in one chunk (the usual case): judged
                // where it lies, and rewritten uncopied.
                self.open_gate(&clear[..body.unwrap_or(clear.len())]);
                return self.feed(clear);
            }
            let from = gate.held.len().saturating_sub(4);
            gate.held.extend_from_slice(&clear);
            let body = cmp::body_start(&gate.held[from..]).map(|at| from + at);
            if gate.held.len() < GATE_LIMIT && body.is_none() {
                return Ok(Output::default());
            }
            let held = self.open_held_gate(body);
            return self.feed(held);
        }
        self.feed(clear)
    }

    /// Runs decoded bytes through the filter.
    fn feed(&mut self, clear: Bytes) -> Result<Output, BodyError> {
        let Some(filter) = self.filter.as_mut() else {
            return Ok(Output::default());
        };
        let out = filter.write_shared(clear)?;
        self.bytes_out += out.len() as u64;
        Ok(out)
    }

    /// Decides the banner on what the gate held before `<body` (at
    /// `body`, when it was seen); returns the held bytes.
    fn open_held_gate(&mut self, body: Option<usize>) -> Bytes {
        let Some(gate) = self.gate.as_mut() else {
            return Bytes::new();
        };
        let held = Bytes::from(std::mem::take(&mut gate.held));
        self.open_gate(&held[..body.unwrap_or(held.len())]);
        held
    }

    /// Decides the banner on the page's `head`: if it loads a consent
    /// manager of its own, the filter without the banner takes over.
    fn open_gate(&mut self, head: &[u8]) {
        let Some(gate) = self.gate.take() else {
            return;
        };
        match cmp::consent_manager(head) {
            Some(manager) => {
                tracing::debug!(target: "consentry::proxy", manager, "page loads its own consent manager: no banner");
                observe::banner("own_consent_manager");
                self.filter = Some(gate.without_banner);
            }
            None => observe::banner("shown"),
        }
    }

    fn encode(&mut self, out: Output) -> Result<BodyData, BodyError> {
        let Some(encoder) = self.encoder.as_mut() else {
            return Ok(BodyData::Parts(out));
        };
        let mut encoded = Vec::new();
        for part in out.parts() {
            encoded.extend(encoder.write(part).map_err(BodyError::Encode)?);
        }
        Ok(BodyData::Whole(Bytes::from(encoded)))
    }

    /// Upstream ended: flushes decoder, filter and encoder; returns the last bytes.
    fn end(&mut self) -> Result<BodyData, BodyError> {
        let tail = match self.decoder.take() {
            Some(d) => d.finish().map_err(BodyError::Decode),
            None => Ok(Vec::new()),
        };
        let mut out = match tail {
            Ok(tail) if !tail.is_empty() => self.rewrite(Bytes::from(tail)),
            Ok(_) => Ok(Output::default()),
            Err(e) => Err(e),
        };
        if let (Ok(out), true) = (&mut out, self.gate.is_some()) {
            let held = self.open_held_gate(None);
            match self.feed(held) {
                Ok(more) => out.append(more),
                Err(e) => return self.end_failed(e),
            }
        }
        let report = match (&mut out, self.filter.take()) {
            (Ok(out), Some(filter)) => {
                let ended = match self.trailer.take() {
                    Some(trailer) => filter.end_with_markup(&String::from_utf8_lossy(&trailer)),
                    None => filter.end(),
                };
                match ended {
                    Ok((last, report)) => {
                        self.bytes_out += last.len() as u64;
                        out.push(Bytes::from(last));
                        Some(report)
                    }
                    Err(e) => {
                        return self.end_failed(e.into());
                    }
                }
            }
            _ => None,
        };
        let out = match out {
            Ok(out) => out,
            Err(e) => return self.end_failed(e),
        };
        observe::rewrite_bytes(self.bytes_in, self.bytes_out);
        if let Some(audit) = self.audit.take() {
            audit.finish(report.as_ref());
        }
        if self.tee {
            return Ok(BodyData::Whole(Bytes::new()));
        }
        let mut last = self.encode(out)?;
        if let Some(e) = self.encoder.take() {
            let mut bytes = last.copy_to_bytes(last.remaining()).to_vec();
            bytes.extend(e.finish().map_err(BodyError::Encode)?);
            last = BodyData::Whole(Bytes::from(bytes));
        }
        Ok(last)
    }

    fn end_failed(&mut self, e: BodyError) -> Result<BodyData, BodyError> {
        if self.tee {
            self.stop_observing(&e);
            if let Some(audit) = self.audit.take() {
                audit.finish(None);
            }
            return Ok(BodyData::Whole(Bytes::new()));
        }
        Err(e)
    }

    /// Report-only: the observation failed; upstream's bytes still flow.
    fn stop_observing(&mut self, e: &BodyError) {
        record_failure(e);
        tracing::warn!(target: "consentry::proxy", error = %e, "report-only observation stopped");
        self.filter = None;
        self.decoder = None;
    }

    /// The partial report when the body is dropped before its end.
    fn partial_report(&mut self) -> Option<Report> {
        self.filter.as_mut().map(HtmlFilter::take_report)
    }
}

/// Counts a body failure in the metric it belongs to.
fn record_failure(e: &BodyError) {
    match e {
        BodyError::Upstream(_) => observe::upstream_error("protocol"),
        BodyError::Decode(_) => observe::upstream_error("decode"),
        BodyError::Rewrite(RewriteError::MemoryLimit { .. }) => {
            observe::rewrite_error("memory_limit")
        }
        BodyError::Rewrite(RewriteError::UnsupportedCharset(_)) => {
            observe::rewrite_error("charset")
        }
        BodyError::Rewrite(RewriteError::Parser(_)) => observe::rewrite_error("parser"),
        BodyError::Encode(_) => observe::rewrite_error("encoding"),
    }
}

impl Body for HtmlBody {
    type Data = BodyData;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<BodyData>, BodyError>>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let result = match std::task::ready!(Pin::new(&mut this.upstream).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => this.chunk(data),
                    // Trailers cannot describe a rewritten body: they are dropped
                    // (in report-only mode they pass, as everything does).
                    Err(frame) if this.tee => {
                        return Poll::Ready(Some(Ok(frame.map_data(BodyData::Whole))))
                    }
                    Err(_) => continue,
                },
                Some(Err(e)) => Err(e.into()),
                None => {
                    let last = this.end();
                    this.done = true;
                    last
                }
            };
            match result {
                Ok(data) if !data.has_remaining() => continue,
                Ok(data) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                Err(e) => {
                    this.done = true;
                    record_failure(&e);
                    tracing::warn!(target: "consentry::proxy", error = %e, "HTML body aborted (fail closed)");
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

impl Drop for HtmlBody {
    fn drop(&mut self) {
        if let Some(audit) = self.audit.take() {
            let report = self.partial_report();
            audit.finish(report.as_ref());
        }
    }
}

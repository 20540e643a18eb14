//! Content codings: push-based decoders and encoders for the bodies the
//! rewriter has to see in clear text.
//!
//! Every coder is fed one chunk at a time and flushed after it, so output
//! streams as soon as input arrives. `deflate` is decoded whether upstream
//! sent the zlib format (what RFC 9110 specifies) or raw deflate (what some
//! servers send); it is always re-encoded as zlib.

use std::io::{self, Write};
use std::mem;

use flate2::write::{DeflateDecoder, GzDecoder, GzEncoder, ZlibDecoder, ZlibEncoder};
use flate2::Compression;
use http::header::{HeaderMap, CONTENT_ENCODING};

/// gzip / zlib level for re-encoding: fast, the body is re-compressed per response.
const FLATE_LEVEL: u32 = 3;
/// Brotli quality for re-encoding.
const BROTLI_QUALITY: u32 = 4;
/// Brotli window (log2).
const BROTLI_WINDOW: u32 = 22;
/// zstd level for re-encoding.
const ZSTD_LEVEL: i32 = 2;
/// Internal buffer of the brotli coders.
const BROTLI_BUFFER: usize = 16 << 10;

/// A content coding the proxy can decode and re-encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// No coding (absent header or `identity`).
    Identity,
    /// `gzip` (or `x-gzip`).
    Gzip,
    /// `deflate`.
    Deflate,
    /// `br`.
    Brotli,
    /// `zstd`.
    Zstd,
}

/// A `Content-Encoding` the proxy cannot decode: unknown, or several codings stacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unsupported or stacked content coding")]
pub struct UnsupportedCoding;

impl Coding {
    /// The coding declared by `headers` (`identity` entries are ignored).
    pub fn from_headers(headers: &HeaderMap) -> Result<Coding, UnsupportedCoding> {
        let mut coding = Coding::Identity;
        for value in headers.get_all(CONTENT_ENCODING) {
            let text = value.to_str().map_err(|_| UnsupportedCoding)?;
            for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let next = match token.to_ascii_lowercase().as_str() {
                    "identity" => continue,
                    "gzip" | "x-gzip" => Coding::Gzip,
                    "deflate" => Coding::Deflate,
                    "br" => Coding::Brotli,
                    "zstd" => Coding::Zstd,
                    _ => return Err(UnsupportedCoding),
                };
                if coding != Coding::Identity {
                    return Err(UnsupportedCoding);
                }
                coding = next;
            }
        }
        Ok(coding)
    }
}

/// A streaming decoder: compressed chunks in, clear-text chunks out.
pub enum Decoder {
    /// gzip.
    Gzip(GzDecoder<Vec<u8>>),
    /// deflate, before the first two bytes told zlib from raw deflate.
    DeflateSniffing(Vec<u8>),
    /// deflate in the zlib format.
    Zlib(ZlibDecoder<Vec<u8>>),
    /// raw deflate.
    RawDeflate(DeflateDecoder<Vec<u8>>),
    /// brotli.
    Brotli(Box<brotli::DecompressorWriter<Vec<u8>>>),
    /// zstd.
    Zstd(zstd::stream::write::Decoder<'static, Vec<u8>>),
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decoder")
    }
}

impl Decoder {
    /// A decoder for `coding`, or `None` for identity.
    pub fn new(coding: Coding) -> io::Result<Option<Decoder>> {
        Ok(Some(match coding {
            Coding::Identity => return Ok(None),
            Coding::Gzip => Decoder::Gzip(GzDecoder::new(Vec::new())),
            Coding::Deflate => Decoder::DeflateSniffing(Vec::new()),
            Coding::Brotli => Decoder::Brotli(Box::new(brotli::DecompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
            ))),
            Coding::Zstd => Decoder::Zstd(zstd::stream::write::Decoder::new(Vec::new())?),
        }))
    }

    /// Decodes one chunk; returns the clear text that is ready.
    pub fn write(&mut self, input: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => push(d, input).map(|()| mem::take(d.get_mut())),
            Decoder::DeflateSniffing(pending) => {
                pending.extend_from_slice(input);
                let &[cmf, flg, ..] = pending.as_slice() else {
                    return Ok(Vec::new());
                };
                let buffered = mem::take(pending);
                *self = if is_zlib_header(cmf, flg) {
                    Decoder::Zlib(ZlibDecoder::new(Vec::new()))
                } else {
                    Decoder::RawDeflate(DeflateDecoder::new(Vec::new()))
                };
                self.write(&buffered)
            }
            Decoder::Zlib(d) => push(d, input).map(|()| mem::take(d.get_mut())),
            Decoder::RawDeflate(d) => push(d, input).map(|()| mem::take(d.get_mut())),
            Decoder::Brotli(d) => push(d.as_mut(), input).map(|()| mem::take(d.get_mut())),
            Decoder::Zstd(d) => push(d, input).map(|()| mem::take(d.get_mut())),
        }
    }

    /// Ends the stream; returns the last clear text, or an error when the
    /// stream is truncated or corrupt.
    pub fn finish(self) -> io::Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => d.finish(),
            Decoder::DeflateSniffing(pending) if pending.is_empty() => Ok(pending),
            Decoder::DeflateSniffing(pending) => {
                // A single byte cannot be a complete deflate stream.
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("truncated deflate stream ({} byte)", pending.len()),
                ))
            }
            Decoder::Zlib(d) => d.finish(),
            Decoder::RawDeflate(d) => d.finish(),
            Decoder::Brotli(d) => d.into_inner().map_err(|_| {
                io::Error::new(io::ErrorKind::UnexpectedEof, "truncated brotli stream")
            }),
            Decoder::Zstd(mut d) => {
                d.flush()?;
                Ok(d.into_inner())
            }
        }
    }
}

/// A streaming encoder: clear-text chunks in, compressed chunks out.
pub enum Encoder {
    /// gzip.
    Gzip(GzEncoder<Vec<u8>>),
    /// deflate (zlib format).
    Deflate(ZlibEncoder<Vec<u8>>),
    /// brotli.
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    /// zstd.
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Encoder")
    }
}

impl Encoder {
    /// An encoder for `coding`, or `None` for identity.
    pub fn new(coding: Coding) -> io::Result<Option<Encoder>> {
        let level = Compression::new(FLATE_LEVEL);
        Ok(Some(match coding {
            Coding::Identity => return Ok(None),
            Coding::Gzip => Encoder::Gzip(GzEncoder::new(Vec::new(), level)),
            Coding::Deflate => Encoder::Deflate(ZlibEncoder::new(Vec::new(), level)),
            Coding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
                BROTLI_QUALITY,
                BROTLI_WINDOW,
            ))),
            Coding::Zstd => {
                Encoder::Zstd(zstd::stream::write::Encoder::new(Vec::new(), ZSTD_LEVEL)?)
            }
        }))
    }

    /// Compresses one chunk and flushes, so the client can decode it at once.
    pub fn write(&mut self, input: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Encoder::Gzip(e) => push(e, input).map(|()| mem::take(e.get_mut())),
            Encoder::Deflate(e) => push(e, input).map(|()| mem::take(e.get_mut())),
            Encoder::Brotli(e) => push(e.as_mut(), input).map(|()| mem::take(e.get_mut())),
            Encoder::Zstd(e) => push(e, input).map(|()| mem::take(e.get_mut())),
        }
    }

    /// Ends the stream; returns its last bytes.
    pub fn finish(self) -> io::Result<Vec<u8>> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Deflate(e) => e.finish(),
            Encoder::Brotli(e) => Ok(e.into_inner()),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

/// Writes all of `input` and flushes the coder's output into its inner `Vec`.
fn push<W: Write + ?Sized>(coder: &mut W, input: &[u8]) -> io::Result<()> {
    coder.write_all(input)?;
    coder.flush()
}

/// Whether two bytes start a zlib stream (RFC 1950: method 8, header checksum).
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(CONTENT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn parses_codings() {
        assert_eq!(Coding::from_headers(&headers(&[])), Ok(Coding::Identity));
        assert_eq!(Coding::from_headers(&headers(&["GZIP"])), Ok(Coding::Gzip));
        assert_eq!(
            Coding::from_headers(&headers(&["identity, br"])),
            Ok(Coding::Brotli)
        );
        assert!(Coding::from_headers(&headers(&["gzip, br"])).is_err());
        assert!(Coding::from_headers(&headers(&["gzip", "gzip"])).is_err());
        assert!(Coding::from_headers(&headers(&["compress"])).is_err());
    }

    fn round_trip(coding: Coding, chunk: usize) {
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("<p>line {i}</p>\n").into_bytes())
            .collect();
        let mut enc = Encoder::new(coding).unwrap().unwrap();
        let mut compressed = Vec::new();
        for part in text.chunks(chunk) {
            compressed.extend(enc.write(part).unwrap());
        }
        compressed.extend(enc.finish().unwrap());
        let mut dec = Decoder::new(coding).unwrap().unwrap();
        let mut out = Vec::new();
        for part in compressed.chunks(chunk / 3 + 1) {
            out.extend(dec.write(part).unwrap());
        }
        out.extend(dec.finish().unwrap());
        assert_eq!(out, text, "{coding:?}");
    }

    #[test]
    fn codings_round_trip_in_small_chunks() {
        for coding in [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd] {
            round_trip(coding, 1000);
        }
    }

    #[test]
    fn raw_deflate_is_decoded() {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::fast());
        e.write_all(b"<html>raw deflate</html>").unwrap();
        let raw = e.finish().unwrap();
        let mut d = Decoder::new(Coding::Deflate).unwrap().unwrap();
        let mut out = d.write(&raw[..1]).unwrap();
        out.extend(d.write(&raw[1..]).unwrap());
        out.extend(d.finish().unwrap());
        assert_eq!(out, b"<html>raw deflate</html>");
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let mut d = Decoder::new(Coding::Gzip).unwrap().unwrap();
        let result = d
            .write(b"this is not gzip at all, not even close")
            .and_then(|_| d.finish());
        assert!(result.is_err());
        let mut d = Decoder::new(Coding::Brotli).unwrap().unwrap();
        let result = d
            .write(b"\xff\xff\xff\xff garbage")
            .and_then(|_| d.finish());
        assert!(result.is_err());
    }
}

//! How a document's bytes are read: as they come (every ASCII-compatible
//! charset), or decoded for the rewriter and its output encoded back where
//! the browser reads them otherwise. Pure.
//!
//! - A UTF-16 byte order mark: browsers follow it over any declared
//!   charset. Told by the first two bytes.
//! - ISO-2022-JP, when no charset is declared: named by a `<meta>` in the
//!   first 1024 bytes, or (as Chromium detects it) told by its escapes in
//!   a document of ASCII. Its escapes are invisible to the browser, so
//!   they may split a tag name or a tracker's host that a reading of the
//!   bytes would see whole. Up to the first escape both readings agree:
//!   the bytes pass as they come until then, nothing is held back.

use encoding_rs::{CoderResult, Encoding, ISO_2022_JP, UTF_16BE, UTF_16LE};

use super::urls;
use crate::html::scanner::{Attributes, EndTag, Handler, Scanner, StartTag, TagName};

/// How far a `<meta>` naming the charset is looked for.
const PRESCAN: usize = 1024;

#[derive(Debug)]
pub(crate) enum Reading {
    /// Before the first two bytes: the first, held when it may open a
    /// UTF-16 byte order mark.
    Start(Option<u8>),
    /// As they come, no charset declared: watching for an escape.
    Watching(Box<Head>),
    /// As they come.
    Bytes,
    /// Decoded, the output encoded back.
    Transcoded(Box<Transcoder>),
}

impl Reading {
    /// How a document starting with `first` is read; `None` while its
    /// first two bytes are not all there and may be a byte order mark.
    /// `declared`: a charset came with the document, which only a byte
    /// order mark overrides.
    pub(crate) fn start(first: &[u8], declared: bool) -> Option<Reading> {
        Some(match first {
            [0xFE, 0xFF, ..] => Reading::transcoded(UTF_16BE),
            [0xFF, 0xFE, ..] => Reading::transcoded(UTF_16LE),
            [0xFE | 0xFF] | [] => return None,
            _ if declared => Reading::Bytes,
            _ => Reading::Watching(Box::new(Head {
                bytes: Vec::new(),
                ascii: true,
            })),
        })
    }

    pub(crate) fn transcoded(encoding: &'static Encoding) -> Reading {
        Reading::Transcoded(Box::new(Transcoder {
            decoder: encoding.new_decoder_without_bom_handling(),
            encoder: encoding.new_encoder(),
            pending: Vec::new(),
        }))
    }
}

/// What a document without a declared charset has shown so far.
#[derive(Debug)]
pub(crate) struct Head {
    /// Its first bytes, up to [`PRESCAN`].
    bytes: Vec<u8>,
    /// Whether every byte so far was ASCII.
    ascii: bool,
}

/// What a watched chunk holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Watched {
    /// No escape: watching goes on.
    Nothing,
    /// An escape at this offset, from which the browser reads ISO-2022-JP.
    Escape(usize),
    /// An escape the browser reads as a control character (the document
    /// is in another charset): watching ends.
    Control,
}

impl Head {
    /// Takes in the next chunk of the document.
    pub(crate) fn watch(&mut self, chunk: &[u8]) -> Watched {
        let escape = memchr::memchr(0x1B, chunk);
        let before = &chunk[..escape.unwrap_or(chunk.len())];
        let room = PRESCAN.saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(&before[..before.len().min(room)]);
        self.ascii = self.ascii && before.is_ascii();
        let Some(at) = escape else {
            return Watched::Nothing;
        };
        let iso_2022_jp = match meta_charset(&self.bytes) {
            Some(encoding) => encoding == ISO_2022_JP,
            None => self.ascii,
        };
        if iso_2022_jp {
            Watched::Escape(at)
        } else {
            Watched::Control
        }
    }
}

/// The charset the first `<meta charset>` (or `http-equiv=content-type`)
/// in `head` names, if the browser knows it.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    struct Meta(Option<&'static Encoding>);
    impl Handler for Meta {
        fn wants(&self, name: TagName) -> Option<Attributes> {
            (name == TagName::Meta && self.0.is_none()).then_some(Attributes::All)
        }
        fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
            let attr = |name| tag.attr(data, name).map(urls::attribute_value);
            let content_type =
                attr("http-equiv").is_some_and(|v| v.trim().eq_ignore_ascii_case("content-type"));
            let label = match attr("charset") {
                Some(label) => Some(label.into_owned()),
                None if content_type => attr("content").and_then(|c| charset_in(&c)),
                None => None,
            };
            self.0 = label.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
        }
        fn end_tag(&mut self, _: &[u8], _: &EndTag) {}
    }
    let mut meta = Meta(None);
    Scanner::new().feed(head, true, &mut meta);
    meta.0
}

/// The charset a `Content-Type` value names (`text/html; charset=…`).
fn charset_in(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = lower[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let (rest, end) = match rest.strip_prefix(['"', '\'']) {
        Some(quoted) => (quoted, quoted.find(['"', '\''])?),
        None => (rest, rest.find([' ', ';', '\t']).unwrap_or(rest.len())),
    };
    Some(rest[..end].to_string())
}

/// A document the rewriter reads decoded, as UTF-8, its output encoded
/// back (byte for byte the same where nothing changed, but for escapes the
/// encoder would not write).
#[derive(Debug)]
pub(crate) struct Transcoder {
    decoder: encoding_rs::Decoder,
    /// Unused for UTF-16, which encoding_rs does not write: done by hand.
    encoder: encoding_rs::Encoder,
    /// Output bytes of a character cut off at the end of a chunk.
    pending: Vec<u8>,
}

impl Transcoder {
    /// The chunk as UTF-8 (`last`: the decoder's held bytes too).
    pub(crate) fn decode(&mut self, chunk: &[u8], last: bool) -> Vec<u8> {
        let room = self
            .decoder
            .max_utf8_buffer_length(chunk.len())
            .unwrap_or(chunk.len() * 3 + 16);
        let mut text = String::with_capacity(room);
        let _ = self.decoder.decode_to_string(chunk, &mut text, last);
        text.into_bytes()
    }

    /// Encodes rewritten output, holding back a character cut off at its
    /// end (unless `last`).
    pub(crate) fn encode(&mut self, output: &[u8], last: bool) -> Vec<u8> {
        self.pending.extend_from_slice(output);
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() && !last => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..complete]);
        let mut out = Vec::with_capacity(text.len() * 2);
        let encoding = self.decoder.encoding();
        if encoding == UTF_16LE || encoding == UTF_16BE {
            for unit in text.encode_utf16() {
                out.extend(if encoding == UTF_16BE {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
        } else {
            let mut rest = &text[..];
            loop {
                let room = self
                    .encoder
                    .max_buffer_length_from_utf8_if_no_unmappables(rest.len())
                    .unwrap_or(rest.len() * 4 + 16);
                out.reserve(room);
                let (result, read, _) = self.encoder.encode_from_utf8_to_vec(rest, &mut out, last);
                rest = &rest[read..];
                if result == CoderResult::InputEmpty {
                    break;
                }
            }
        }
        self.pending.drain(..complete);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(first: &[u8]) -> &'static str {
        match Reading::start(first, false) {
            Some(Reading::Transcoded(t)) => t.decoder.encoding().name(),
            Some(Reading::Watching(_)) => "watching",
            _ => "other",
        }
    }

    #[test]
    fn a_byte_order_mark_is_told_by_the_first_two_bytes() {
        assert_eq!(start(b"\xFF\xFE<\0p\0>\0"), "UTF-16LE");
        assert_eq!(start(b"\xFE\xFF\0<\0p\0>"), "UTF-16BE");
        assert_eq!(start(b"<p>"), "watching");
        assert!(Reading::start(b"\xFF", false).is_none());
        assert!(matches!(Reading::start(b"<p>", true), Some(Reading::Bytes)));
    }

    #[test]
    fn iso_2022_jp_is_read_from_the_first_escape() {
        let watch = |chunks: &[&[u8]]| {
            let mut head = Head {
                bytes: Vec::new(),
                ascii: true,
            };
            chunks.iter().map(|c| head.watch(c)).collect::<Vec<_>>()
        };
        use Watched::*;
        assert_eq!(
            watch(&[b"<meta charset=iso-2022-jp>", b"<p>x\x1b$B$3\x1b(B"]),
            [Nothing, Escape(4)]
        );
        assert_eq!(
            watch(&[b"<meta http-equiv=Content-Type content='text/html; charset=\"csISO2022JP\"'>\x1b(B"]),
            [Escape(73)]
        );
        assert_eq!(
            watch(&[b"<p>", b"\x1b$B$3$s\x1b(B</p>"]),
            [Nothing, Escape(0)]
        );
        assert_eq!(watch(&[b"<meta charset=utf-8><p>\x1b$B"]), [Control]);
        assert_eq!(watch(&[b"<p>\xc3\xa9</p>\x1b$B"]), [Control]);
        assert_eq!(
            watch(&[b"<!-- <meta charset=utf-8> -->\x1b$B"]),
            [Escape(29)]
        );
    }
}

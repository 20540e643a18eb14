//! Byte span edits on a stream: what is kept is shared or copied as it came.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes};

/// Kept spans at least this long are shared with the input instead of
/// copied; shorter ones are copied next to the text around them, so a
/// document with many small edits does not become many tiny writes.
const SHARE_MIN: usize = 1024;

/// Builds a document's output from its input, in order: every input byte
/// up to a position is either kept or removed, and text can be inserted
/// between them. Positions are in the caller's current data; after the
/// caller drops bytes from its front it calls [`Editor::rebase`].
///
/// While the caller's data is [`Editor::share`]d, long kept spans become
/// slices of it (no copy); otherwise every kept byte is copied.
#[derive(Debug, Default)]
pub struct Editor {
    out: Output,
    /// Output bytes not yet part of `out`.
    pending: Vec<u8>,
    /// The caller's current data, when it is shared.
    source: Bytes,
    /// Input before this position is decided.
    done: usize,
}

impl Editor {
    /// Keeps `data[..to]` (what is not decided yet of it).
    pub fn keep(&mut self, data: &[u8], to: usize) {
        if to <= self.done {
            return;
        }
        let span = self.done..to;
        if span.len() >= SHARE_MIN && self.is_source(data) {
            self.flush_pending();
            self.out.push(self.source.slice(span));
        } else {
            self.pending.extend_from_slice(&data[span]);
        }
        self.done = to;
    }

    /// Removes the undecided input before `to`.
    pub fn remove(&mut self, to: usize) {
        self.done = self.done.max(to);
    }

    /// Inserts `text` at the current position.
    pub fn insert(&mut self, text: &[u8]) {
        self.pending.extend_from_slice(text);
    }

    /// Keeps the input before `span.start` and replaces the span by `text`.
    pub fn replace(&mut self, data: &[u8], span: std::ops::Range<usize>, text: &[u8]) {
        self.keep(data, span.start);
        self.insert(text);
        self.remove(span.end);
    }

    /// Where undecided input starts.
    pub fn position(&self) -> usize {
        self.done
    }

    /// The caller dropped `by` bytes (all decided) from the front of its data.
    pub fn rebase(&mut self, by: usize) {
        self.done -= by;
    }

    /// Until [`Editor::unshare`], the caller's data is `data`: long kept
    /// spans of it are shared, not copied.
    pub fn share(&mut self, data: Bytes) {
        self.source = data;
    }

    /// The caller's data is no longer shared (it is about to change).
    pub fn unshare(&mut self) {
        self.source = Bytes::new();
    }

    /// Reserves room for `n` more copied output bytes.
    pub fn reserve(&mut self, n: usize) {
        self.pending.reserve(n);
    }

    /// Hands out the output so far.
    pub fn take(&mut self) -> Output {
        self.flush_pending();
        std::mem::take(&mut self.out)
    }

    fn is_source(&self, data: &[u8]) -> bool {
        !self.source.is_empty()
            && std::ptr::eq(data.as_ptr(), self.source.as_ptr())
            && data.len() == self.source.len()
    }

    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            self.out
                .push(Bytes::from(std::mem::take(&mut self.pending)));
        }
    }
}

/// Output bytes in order, as parts that are each either a shared slice of
/// the input or copied text; a [`Buf`] that writes them with one vectored
/// write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    parts: VecDeque<Bytes>,
    len: usize,
}

impl Output {
    /// Appends `part` (empty parts are dropped).
    pub fn push(&mut self, part: Bytes) {
        if !part.is_empty() {
            self.len += part.len();
            self.parts.push_back(part);
        }
    }

    /// Appends all of `other`.
    pub fn append(&mut self, other: Output) {
        self.len += other.len;
        self.parts.extend(other.parts);
    }

    /// How many bytes there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The parts, in order.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> {
        self.parts.iter().map(|p| &p[..])
    }

    /// The bytes in one buffer (a copy, unless there is a single part).
    pub fn into_bytes(mut self) -> Bytes {
        match self.parts.len() {
            0 => Bytes::new(),
            1 => self.parts.pop_front().unwrap_or_default(),
            _ => Bytes::from(self.to_vec()),
        }
    }

    /// The bytes, copied into one vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.len);
        for part in &self.parts {
            all.extend_from_slice(part);
        }
        all
    }
}

impl From<Bytes> for Output {
    fn from(bytes: Bytes) -> Self {
        let mut out = Output::default();
        out.push(bytes);
        out
    }
}

impl Buf for Output {
    fn remaining(&self) -> usize {
        self.len
    }

    fn chunk(&self) -> &[u8] {
        self.parts.front().map_or(&[], |p| &p[..])
    }

    fn advance(&mut self, mut cnt: usize) {
        assert!(cnt <= self.len, "advanced past the end of the output");
        self.len -= cnt;
        while cnt > 0 {
            let Some(front) = self.parts.front_mut() else {
                return;
            };
            if cnt < front.len() {
                front.advance(cnt);
                return;
            }
            cnt -= front.len();
            self.parts.pop_front();
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for (slot, part) in dst.iter_mut().zip(&self.parts) {
            *slot = IoSlice::new(part);
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::{Editor, Output, SHARE_MIN};
    use bytes::{Buf, Bytes};
    use std::io::IoSlice;

    #[test]
    fn spans_keep_remove_insert() {
        let data = b"<a><b><c>";
        let mut e = Editor::default();
        e.keep(data, 3);
        e.remove(6);
        e.insert(b"<x>");
        e.replace(data, 6..9, b"<y>");
        assert_eq!(e.take().to_vec(), b"<a><x><y>");
        assert_eq!(e.position(), 9);
        e.rebase(9);
        e.keep(b"tail", 4);
        assert_eq!(e.take().to_vec(), b"tail");
    }

    #[test]
    fn long_spans_of_shared_data_are_slices_of_it() {
        let mut input = vec![b'a'; SHARE_MIN * 4];
        input[SHARE_MIN * 2..].fill(b'b');
        let data = Bytes::from(input);
        let mut e = Editor::default();
        e.share(data.clone());
        e.keep(&data, 10);
        e.insert(b"<x>");
        e.keep(&data, SHARE_MIN * 2);
        e.remove(SHARE_MIN * 2 + 1);
        e.keep(&data, data.len());
        let out = e.take();
        let parts: Vec<&[u8]> = out.parts().collect();
        assert_eq!(
            parts.len(),
            3,
            "copied head and text, shared middle, shared end"
        );
        assert!(std::ptr::eq(parts[1].as_ptr(), data[10..].as_ptr()));
        assert!(std::ptr::eq(
            parts[2].as_ptr(),
            data[SHARE_MIN * 2 + 1..].as_ptr()
        ));
        let mut expected = data[..10].to_vec();
        expected.extend_from_slice(b"<x>");
        expected.extend_from_slice(&data[10..SHARE_MIN * 2]);
        expected.extend_from_slice(&data[SHARE_MIN * 2 + 1..]);
        assert_eq!(out.len(), expected.len());
        assert_eq!(out.to_vec(), expected);
    }

    #[test]
    fn data_other_than_the_shared_is_copied() {
        let shared = Bytes::from(vec![b'a'; SHARE_MIN * 2]);
        let other = vec![b'a'; SHARE_MIN * 2];
        let mut e = Editor::default();
        e.share(shared);
        e.keep(&other, other.len());
        let out = e.take();
        assert_eq!(out.parts().count(), 1);
        assert!(!std::ptr::eq(
            out.parts().next().unwrap().as_ptr(),
            other.as_ptr()
        ));
        assert_eq!(out.to_vec(), other);
    }

    #[test]
    fn output_reads_as_one_buffer() {
        let mut out = Output::default();
        out.push(Bytes::from_static(b"hello "));
        out.push(Bytes::new());
        out.append(Output::from(Bytes::from_static(b"big ")));
        out.push(Bytes::from_static(b"world"));
        assert_eq!(out.remaining(), 15);
        let mut slices = [IoSlice::new(&[]); 2];
        assert_eq!(out.chunks_vectored(&mut slices), 2);
        assert_eq!(&*slices[1], b"big ");

        let mut read = out.clone();
        assert_eq!(read.copy_to_bytes(3), &b"hel"[..]);
        assert_eq!(read.copy_to_bytes(5), &b"lo bi"[..]);
        read.advance(2);
        assert_eq!(read.chunk(), b"world");
        assert_eq!(read.remaining(), 5);
        read.advance(5);
        assert!(!read.has_remaining());
        assert_eq!(read.chunk(), b"");

        assert_eq!(out.into_bytes(), &b"hello big world"[..]);
    }
}

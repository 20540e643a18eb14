//! Byte span edits on a stream: what is kept is copied as it came.

/// Builds a document's output from its input, in order: every input byte
/// up to a position is either kept or removed, and text can be inserted
/// between them. Positions are in the caller's current data; after the
/// caller drops bytes from its front it calls [`Editor::rebase`].
#[derive(Debug, Default)]
pub struct Editor {
    out: Vec<u8>,
    /// Input before this position is decided.
    done: usize,
}

impl Editor {
    /// Keeps `data[..to]` (what is not decided yet of it).
    pub fn keep(&mut self, data: &[u8], to: usize) {
        if to > self.done {
            self.out.extend_from_slice(&data[self.done..to]);
            self.done = to;
        }
    }

    /// Removes the undecided input before `to`.
    pub fn remove(&mut self, to: usize) {
        self.done = self.done.max(to);
    }

    /// Inserts `text` at the current position.
    pub fn insert(&mut self, text: &[u8]) {
        self.out.extend_from_slice(text);
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

    /// Reserves room for `n` more output bytes.
    pub fn reserve(&mut self, n: usize) {
        self.out.reserve(n);
    }

    /// Hands out the output so far.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::Editor;

    #[test]
    fn spans_keep_remove_insert() {
        let data = b"<a><b><c>";
        let mut e = Editor::default();
        e.keep(data, 3);
        e.remove(6);
        e.insert(b"<x>");
        e.replace(data, 6..9, b"<y>");
        assert_eq!(e.take(), b"<a><x><y>");
        assert_eq!(e.position(), 9);
        e.rebase(9);
        e.keep(b"tail", 4);
        assert_eq!(e.take(), b"tail");
    }
}

//! A streaming HTML scanner: the tokenizer states of the WHATWG HTML spec
//! that decide what is a tag, plus the little of tree construction that
//! switches them (raw text elements, foreign content).
//!
//! It jumps with `memchr` from one `<` to the next and lexes every tag's
//! attributes (a quoted `>` does not end a tag), but only records the
//! attributes of the start tags its [`Handler`] wants (all of them, or
//! those with the names it asks for by initial). Its state carries
//! across chunks byte by byte: a tag split over many chunks is never lexed
//! again from its start. Modelled:
//!
//! - data, tag open, tag name, attributes (unquoted, single and double
//!   quoted; the first of duplicate attributes wins when read);
//! - comments (`<!-->`, `<!--->`, `--!>`), bogus comments and doctypes;
//! - RCDATA (`title`, `textarea`), RAWTEXT (`style`, `xmp`, `iframe`,
//!   `noembed`, `noframes`, and `noscript` since scripting is on) and
//!   PLAINTEXT;
//! - script data with its escaped and double-escaped states;
//! - foreign content (`svg`, `math`): no raw text elements there, CDATA
//!   sections, breakout tags back to HTML, HTML and MathML text
//!   integration points (an `annotation-xml` by its first `encoding`,
//!   read with references decoded), end tags that name no open foreign
//!   element (below); the handler hears when foreign elements close
//!   ([`Handler::foreign_closed`]);
//! - `<image>` read as `img` in HTML, as the tree builder does.
//!
//! An end tag in foreign content that names no open foreign element is
//! processed as HTML content: it ends the foreign content only when it
//! closes an HTML element around it. The scanner keeps no stack of HTML
//! elements, only the names of the HTML start tags seen so far (a 512-bit
//! hash set: one bit set per start tag, read only for such end tags). An
//! end tag whose name was never seen, or that names an element never open
//! around foreign content (`body`, `html`, `head`, void and raw text
//! elements; `form` outside a template), closes nothing and the foreign
//! content goes on. Any other closes the foreign elements up to the
//! innermost integration point, where scopes end (`</template>` and the
//! table end tags reach past it).
//!
//! So when unsure (the name was seen but its element was closed since, or
//! is out of scope) the scanner leaves foreign content. Neither mistake is
//! harmless, but this one is the safer for consent enforcement: staying in
//! foreign content wrongly reads an HTML `<script src>`, `<iframe>`,
//! `<link>` or `<object>` that follows as a foreign element that loads
//! nothing, so the ordinary tags trackers use would go unjudged; leaving
//! wrongly reads what follows as HTML, which misses only markup written as
//! foreign content (an SVG `<script href>` or `<image href>` read as HTML,
//! a breakout tag hidden in a foreign `<style>` read as raw text). The
//! same choice reads `<![CDATA[` as a bogus comment (which ends at the
//! first `>`, where a CDATA section hides every tag up to `]]>`) wherever
//! an HTML element may be the current node: in an integration point in
//! which one was opened. `tests/differential.rs` lists the cases.
//!
//! Not modelled (the browser loads nothing differently there, or the
//! differential test documents it): insertion modes such as `frameset` or
//! `select` that ignore some start tags, and which HTML elements are open
//! inside an integration point (the end tag of a foreign element around
//! one closes it even when the tree builder ignores that end tag because
//! an HTML element is the current node).

use memchr::{memchr, memchr2};

/// A byte range in the data the scanner was given.
pub type Span = std::ops::Range<usize>;

/// The namespace an element is created in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// An HTML element.
    Html,
    /// Inside `<svg>`.
    Svg,
    /// Inside `<math>`.
    MathMl,
}

/// The tag names the scanner itself or its users tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagName {
    A,
    AnnotationXml,
    Area,
    Audio,
    Base,
    Body,
    Desc,
    Embed,
    Font,
    ForeignObject,
    Frame,
    Iframe,
    Image,
    Img,
    Input,
    Link,
    Malignmark,
    Math,
    Meta,
    Mglyph,
    Mi,
    Mn,
    Mo,
    Ms,
    Mtext,
    Noembed,
    Noframes,
    Noscript,
    Object,
    /// An object's `param` (which may give its URL).
    Param,
    Plaintext,
    Script,
    Source,
    Style,
    Svg,
    Template,
    Textarea,
    Title,
    Track,
    Video,
    Xmp,
    /// `br` and `p`, breakout tags also as end tags in foreign content.
    BrOrP,
    /// Any other tag that breaks out of foreign content.
    Breakout,
    /// Anything else.
    Other,
}

/// Every tag name the scanner tells apart, lower-case.
const TAG_NAMES: &[(&[u8], TagName)] = {
    use TagName::*;
    &[
        (b"a", A),
        (b"annotation-xml", AnnotationXml),
        (b"area", Area),
        (b"audio", Audio),
        (b"base", Base),
        (b"body", Body),
        (b"desc", Desc),
        (b"embed", Embed),
        (b"font", Font),
        (b"foreignobject", ForeignObject),
        (b"frame", Frame),
        (b"iframe", Iframe),
        (b"image", Image),
        (b"img", Img),
        (b"input", Input),
        (b"link", Link),
        (b"malignmark", Malignmark),
        (b"math", Math),
        (b"meta", Meta),
        (b"mglyph", Mglyph),
        (b"mi", Mi),
        (b"mn", Mn),
        (b"mo", Mo),
        (b"ms", Ms),
        (b"mtext", Mtext),
        (b"noembed", Noembed),
        (b"noframes", Noframes),
        (b"noscript", Noscript),
        (b"object", Object),
        (b"param", Param),
        (b"plaintext", Plaintext),
        (b"script", Script),
        (b"source", Source),
        (b"style", Style),
        (b"svg", Svg),
        (b"template", Template),
        (b"textarea", Textarea),
        (b"title", Title),
        (b"track", Track),
        (b"video", Video),
        (b"xmp", Xmp),
        (b"br", BrOrP),
        (b"p", BrOrP),
        (b"b", Breakout),
        (b"big", Breakout),
        (b"blockquote", Breakout),
        (b"center", Breakout),
        (b"code", Breakout),
        (b"dd", Breakout),
        (b"div", Breakout),
        (b"dl", Breakout),
        (b"dt", Breakout),
        (b"em", Breakout),
        (b"h1", Breakout),
        (b"h2", Breakout),
        (b"h3", Breakout),
        (b"h4", Breakout),
        (b"h5", Breakout),
        (b"h6", Breakout),
        (b"head", Breakout),
        (b"hr", Breakout),
        (b"i", Breakout),
        (b"li", Breakout),
        (b"listing", Breakout),
        (b"menu", Breakout),
        (b"nobr", Breakout),
        (b"ol", Breakout),
        (b"pre", Breakout),
        (b"ruby", Breakout),
        (b"s", Breakout),
        (b"small", Breakout),
        (b"span", Breakout),
        (b"strong", Breakout),
        (b"strike", Breakout),
        (b"sub", Breakout),
        (b"sup", Breakout),
        (b"table", Breakout),
        (b"tt", Breakout),
        (b"u", Breakout),
        (b"ul", Breakout),
        (b"var", Breakout),
    ]
};

/// The names of up to eight bytes, by their packed bytes.
static SHORT_NAMES: ShortNames = ShortNames::new();

/// A name of one to eight bytes as one word (zero-padded), else `None`;
/// also `None` for a name with a NUL byte, which the padding would hide
/// (`script\0` is no `script`).
#[inline]
const fn pack(name: &[u8]) -> Option<u64> {
    if name.is_empty() || name.len() > 8 {
        return None;
    }
    let mut word = 0u64;
    let mut i = 0;
    while i < name.len() {
        if name[i] == 0 {
            return None;
        }
        word |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    Some(word)
}

/// An open-addressed table of packed short names, built at compile time
/// (a sixth full, so a lookup mostly reads one slot).
struct ShortNames {
    slots: [(u64, TagName); ShortNames::SLOTS],
}

impl ShortNames {
    const SLOTS_LOG2: u32 = 9;
    const SLOTS: usize = 1 << Self::SLOTS_LOG2;

    const fn new() -> ShortNames {
        let mut slots = [(0u64, TagName::Other); Self::SLOTS];
        let mut n = 0;
        while n < TAG_NAMES.len() {
            let (name, kind) = TAG_NAMES[n];
            n += 1;
            let Some(key) = pack(name) else { continue };
            let mut i = Self::slot(key);
            while slots[i].0 != 0 {
                i = (i + 1) & (Self::SLOTS - 1);
            }
            slots[i] = (key, kind);
        }
        ShortNames { slots }
    }

    #[inline]
    const fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::SLOTS_LOG2)) as usize
    }

    #[inline]
    fn get(&self, key: u64) -> TagName {
        let mut i = Self::slot(key);
        loop {
            let (k, kind) = self.slots[i];
            if k == key {
                return kind;
            }
            if k == 0 {
                return TagName::Other;
            }
            i = (i + 1) & (Self::SLOTS - 1);
        }
    }
}

impl TagName {
    /// Classifies a lower-case tag name. (Kept out of line: the scanner's
    /// loop runs faster without it.)
    #[inline(never)]
    pub fn from_lower(name: &[u8]) -> TagName {
        match pack(name) {
            Some(key) => SHORT_NAMES.get(key),
            // Longer names are rare: looked up one by one.
            None => TAG_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(TagName::Other, |&(_, kind)| kind),
        }
    }

    /// Whether this start tag leaves foreign content (`font` only with
    /// `color`, `face` or `size`, which the caller checks).
    fn breaks_out(self) -> bool {
        use TagName::*;
        matches!(self, Breakout | BrOrP | Body | Embed | Img | Meta)
    }

    /// Whether an HTML element of this name stays open after its start tag
    /// (not void, not raw text closed by its own end tag).
    fn stays_open(self) -> bool {
        use TagName::*;
        self.content() == Content::Data
            && !matches!(
                self,
                Area | Base | Embed | Frame | Image | Img | Input | Link | Meta | Source | Track
            )
    }

    /// The tokenizer state an HTML start tag of this name switches to.
    fn content(self) -> Content {
        use TagName::*;
        match self {
            Script => Content::Script,
            Style | Xmp | Iframe | Noembed | Noframes | Noscript | Title | Textarea => Content::Raw,
            Plaintext => Content::Plaintext,
            _ => Content::Data,
        }
    }
}

/// What follows a start tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    Data,
    Raw,
    Script,
    Plaintext,
}

/// One attribute of a recorded start tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Where the whitespace before it starts (removing the attribute removes it too).
    pub lead: usize,
    /// The name, as written.
    pub name: Span,
    /// The value without its quotes, if it has one.
    pub value: Option<Span>,
    /// The whole attribute, quotes included.
    pub span: Span,
}

/// A complete start tag the handler asked for.
#[derive(Debug)]
pub struct StartTag<'a> {
    /// Its name.
    pub name: TagName,
    /// Where it sits in the tree.
    pub namespace: Namespace,
    /// From `<` to just after `>`.
    pub span: Span,
    /// The tag name as written.
    pub name_span: Span,
    /// Its attributes in document order (duplicates included).
    pub attributes: &'a [Attribute],
    /// Whether it ends in `/>`.
    pub self_closing: bool,
    /// How many foreign elements are open once it is placed, itself
    /// included when it is one that stays open (0 outside foreign content).
    pub depth: usize,
}

impl StartTag<'_> {
    /// The raw value of the first attribute called `name` (ASCII
    /// case-insensitive); an attribute without a value reads as empty.
    pub fn attr<'d>(&self, data: &'d [u8], name: &str) -> Option<&'d [u8]> {
        self.find(data, name)
            .map(|a| a.value.clone().map_or(&data[0..0], |v| &data[v]))
    }

    /// The first attribute called `name`.
    pub fn find(&self, data: &[u8], name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| data[a.name.clone()].eq_ignore_ascii_case(name.as_bytes()))
    }

    /// Whether the tag has an attribute called `name`.
    pub fn has(&self, data: &[u8], name: &str) -> bool {
        self.find(data, name).is_some()
    }
}

/// A complete end tag.
#[derive(Debug)]
pub struct EndTag {
    /// Its name.
    pub name: TagName,
    /// From `<` to just after `>`.
    pub span: Span,
    /// The tag name as written.
    pub name_span: Span,
}

/// Which attributes of a wanted start tag are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attributes {
    /// Every attribute.
    All,
    /// Only those whose name starts with one of these lower-case bytes
    /// (every duplicate of such a name too).
    Initials(&'static [u8]),
    /// [`Attributes::Initials`] outside foreign content, every attribute
    /// inside it and on `svg` and `math` themselves (where SVG and MathML
    /// give names their own meanings).
    HtmlInitials(&'static [u8]),
}

/// What the scanner reports to.
pub trait Handler {
    /// Whether start tags called `name` are to be recorded and reported,
    /// and which of their attributes; while one is being read, its bytes
    /// are kept.
    fn wants(&self, name: TagName) -> Option<Attributes>;
    /// A wanted start tag, complete.
    fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>);
    /// An end tag, complete.
    fn end_tag(&mut self, data: &[u8], tag: &EndTag);
    /// Foreign elements were closed by the tag that starts at `at` (their
    /// own end tag, an ancestor's, a breakout tag, or one closing an HTML
    /// element around them): the first `open` of them (as
    /// [`StartTag::depth`] counts) stay open. Reported before that tag.
    fn foreign_closed(&mut self, data: &[u8], at: usize, open: usize) {
        let _ = (data, at, open);
    }
}

/// The longest tag name kept (longer ones are never wanted).
const NAME_CAP: usize = 24;
const _: () = assert!(NAME_CAP % 8 == 0, "names are hashed a word at a time");

/// The longest raw text element name (`noframes`, `noscript`, `textarea`):
/// a longer end tag candidate is text.
const RAW_NAME_CAP: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Data,
    TagOpen,
    EndTagOpen,
    TagName,
    BeforeAttrName,
    AttrName,
    AfterAttrName,
    BeforeAttrValue,
    AttrValueDq,
    AttrValueSq,
    AttrValueUnq,
    AfterAttrValueQuoted,
    SelfClosing,
    MarkupDecl,
    CommentStart,
    CommentStartDash,
    Comment,
    CommentEndDash,
    CommentEnd,
    CommentEndBang,
    BogusComment,
    Cdata,
    CdataBracket,
    CdataEnd,
    Raw,
    RawLt,
    RawEndOpen,
    RawEndName,
    Plaintext,
    Script,
    ScriptLt,
    ScriptEndOpen,
    ScriptEndName,
    ScriptEscStart,
    ScriptEscStartDash,
    ScriptEsc,
    ScriptEscDash,
    ScriptEscDashDash,
    ScriptEscLt,
    ScriptEscEndOpen,
    ScriptEscEndName,
    ScriptDblEscStart,
    ScriptDbl,
    ScriptDblDash,
    ScriptDblDashDash,
    ScriptDblLt,
    ScriptDblEscEnd,
}

/// A short lower-case name being read (tag names, end tag candidates).
#[derive(Clone, Copy, Debug, Default)]
struct NameBuf {
    bytes: [u8; NAME_CAP],
    len: usize,
}

impl NameBuf {
    fn push(&mut self, b: u8) {
        if self.len < NAME_CAP {
            self.bytes[self.len] = b.to_ascii_lowercase();
        }
        self.len = self.len.saturating_add(1);
    }

    /// [`Self::push`] for each byte of `bytes`.
    fn extend(&mut self, bytes: &[u8]) {
        let at = self.len.min(NAME_CAP);
        let room = (NAME_CAP - at).min(bytes.len());
        for (slot, b) in self.bytes[at..at + room].iter_mut().zip(bytes) {
            *slot = b.to_ascii_lowercase();
        }
        self.len = self.len.saturating_add(bytes.len());
    }

    /// Sets the name to the first `len` bytes (one to eight) of `word`,
    /// the bytes of `data` from the name's start read as one
    /// little-endian word, and returns its [`Self::kind`], classified from
    /// the word in hand (read back from byte stores, it would wait on them).
    fn set_short(&mut self, word: u64, len: usize) -> TagName {
        debug_assert!((1..=8).contains(&len));
        let kept = u64::MAX >> (64 - 8 * len);
        let word = lower_ascii(word & kept);
        self.bytes[..8].copy_from_slice(&word.to_le_bytes());
        self.len = len;
        short_kind(word, kept)
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// [`TagName::from_lower`] of the name: a short one is read as one
    /// word, with no loop over its bytes.
    fn kind(&self) -> TagName {
        if self.len == 0 || self.len > 8 {
            return self.get().map_or(TagName::Other, TagName::from_lower);
        }
        let kept = u64::MAX >> (64 - 8 * self.len);
        let word = u64::from_le_bytes(self.bytes[..8].try_into().expect("eight bytes")) & kept;
        short_kind(word, kept)
    }

    /// The name, or `None` when it was too long to keep.
    fn get(&self) -> Option<&[u8]> {
        (self.len <= NAME_CAP).then(|| &self.bytes[..self.len])
    }

    fn is(&self, name: &[u8]) -> bool {
        self.get() == Some(name)
    }

    fn from(name: &[u8]) -> NameBuf {
        let mut buf = NameBuf::default();
        buf.extend(name);
        buf
    }

    /// A hash of the name (one too long to keep by its head and length).
    fn hash(&self) -> u64 {
        let kept = self.len.min(NAME_CAP);
        let mut hash = self.len as u64;
        let mut i = 0;
        while i < kept {
            let word = u64::from_le_bytes(
                self.bytes[i..i + 8]
                    .try_into()
                    .expect("NAME_CAP is a multiple of 8"),
            );
            // Only the name's own bytes (the buffer may hold older ones).
            let n = kept - i;
            let word = if n >= 8 {
                word
            } else {
                word & ((1 << (8 * n)) - 1)
            };
            hash = (hash ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            i += 8;
        }
        hash
    }
}

/// [`TagName::from_lower`] of a name of one to eight bytes packed in
/// `word`, whose other bytes (zero) `kept` does not cover.
fn short_kind(word: u64, kept: u64) -> TagName {
    // With the bytes past the name set to one, a zero byte is a NUL in
    // it, which `pack` refuses (no name of ours has one).
    let probe = word | (!kept & 0x0101_0101_0101_0101);
    let has_nul = probe.wrapping_sub(0x0101_0101_0101_0101) & !probe & 0x8080_8080_8080_8080;
    if has_nul != 0 {
        return TagName::Other;
    }
    SHORT_NAMES.get(word)
}

/// Every byte of `word` lower-cased as by `u8::to_ascii_lowercase`.
const fn lower_ascii(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Each byte's low seven bits plus a constant: the sum (at most 0xbe,
    // no carry into the next byte) has its high bit set from `A`, and
    // from past `Z`.
    let low = word & (0x7f * ONES);
    let from_a = low + (0x80 - b'A' as u64) * ONES;
    let past_z = low + (0x80 - b'Z' as u64 - 1) * ONES;
    // Upper-case ASCII letters (non-ASCII bytes have their high bit set).
    let upper = from_a & !past_z & !word & (0x80 * ONES);
    word | (upper >> 2)
}

/// The names of the HTML start tags seen so far, as a 512-bit hash set: it
/// may answer yes wrongly, never no.
#[derive(Clone, Debug, Default)]
struct NameSet([u64; 8]);

impl NameSet {
    fn bit(name: &NameBuf) -> (usize, u64) {
        let i = (name.hash() >> (64 - 9)) as usize;
        (i >> 6, 1 << (i & 63))
    }

    fn insert(&mut self, name: &NameBuf) {
        let (word, bit) = Self::bit(name);
        self.0[word] |= bit;
    }

    fn contains(&self, name: &NameBuf) -> bool {
        let (word, bit) = Self::bit(name);
        self.0[word] & bit != 0
    }
}

/// An open element of foreign content.
#[derive(Clone, Copy, Debug)]
struct Frame {
    namespace: Namespace,
    name: NameBuf,
    /// HTML integration point (`foreignObject`, `desc`, `title` in SVG, an
    /// HTML `annotation-xml`): start tags in it are HTML.
    html_point: bool,
    /// MathML text integration point (`mi`, `mo`, `mn`, `ms`, `mtext`).
    text_point: bool,
    annotation: bool,
    /// An integration point in which an HTML element was opened (it may
    /// still be open: then `<![CDATA[` is a bogus comment).
    html_inside: bool,
}

/// The tag being read.
#[derive(Debug, Default)]
struct Tag {
    start: usize,
    end_tag: bool,
    name: NameBuf,
    name_end: usize,
    kind: Option<TagName>,
    /// Attributes are recorded.
    record: bool,
    /// Which ones, when not all.
    initials: Option<&'static [u8]>,
    /// The attribute being read is recorded.
    attr_recorded: bool,
    /// Where the last attribute read (recorded or not) ends.
    attr_end: usize,
    /// Its bytes are kept until it is complete.
    hold: bool,
    self_closing: bool,
    /// The end tag of the raw text or script data being read.
    closes_raw: bool,
    attrs: Vec<Attribute>,
}

/// The streaming scanner of one document.
#[derive(Debug)]
pub struct Scanner {
    state: State,
    /// The next byte to read.
    pos: usize,
    tag: Tag,
    /// The `<` of the end tag candidate being read in raw text or script data.
    lt: usize,
    /// End tag candidate or double-escape name being read.
    tmp: NameBuf,
    /// The last start tag's name: the element whose raw text is being read.
    raw: NameBuf,
    foreign: Vec<Frame>,
    /// The names of the HTML elements opened so far: those that may be open.
    seen: NameSet,
    /// Whether start tags switch states as the tree builder would (off
    /// only for the tokenizer conformance tests).
    tree_construction: bool,
    /// Whether scripting is on: `noscript` content is then raw text;
    /// with scripting off (how a `noscript` block's own markup is read),
    /// markup.
    scripting: bool,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Where the attribute name read from `at` ends: at whitespace, `/`, `>`
/// or `=`, or at the end of `data`.
fn attr_name_end(data: &[u8], at: usize) -> usize {
    data[at..]
        .iter()
        .position(|&b| is_space(b) || matches!(b, b'/' | b'>' | b'='))
        .map_or(data.len(), |n| at + n)
}

/// The first `needle` in `hay`, as `memchr` finds it: its next sixteen
/// bytes are looked at first, a word at a time and without a call, since
/// most of the scanner's searches (the next `<` between tags, the end of a
/// short attribute value) end there.
#[inline(always)]
fn find(needle: u8, hay: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let Some(head) = hay.get(..16) else {
        return memchr(needle, hay);
    };
    for (n, word) in head.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // A zero byte where `word` has `needle`; a byte above one may
        // read as zero too, never one below.
        let x = word ^ (ONES * needle as u64);
        let zero = x.wrapping_sub(ONES) & !x & (0x80 * ONES);
        if zero != 0 {
            return Some(8 * n + (zero.trailing_zeros() / 8) as usize);
        }
    }
    memchr(needle, &hay[16..]).map(|i| 16 + i)
}

/// The first position from `at` that is not whitespace.
fn skip_spaces(data: &[u8], mut at: usize) -> usize {
    while at < data.len() && is_space(data[at]) {
        at += 1;
    }
    at
}

impl Scanner {
    /// A scanner at the start of a document.
    pub fn new() -> Self {
        Scanner {
            state: State::Data,
            pos: 0,
            tag: Tag::default(),
            lt: 0,
            tmp: NameBuf::default(),
            raw: NameBuf::default(),
            foreign: Vec::new(),
            seen: NameSet::default(),
            tree_construction: true,
            scripting: true,
        }
    }

    /// A scanner at the start of a document read with scripting off, as a
    /// browser without JavaScript reads a `noscript` block's markup: a
    /// `noscript` in it holds markup, not raw text.
    pub fn without_scripting() -> Self {
        Scanner {
            scripting: false,
            ..Scanner::new()
        }
    }

    /// A bare tokenizer starting in `state` (as html5lib's tokenizer tests
    /// name it) after a start tag named `last_start_tag`: no tree
    /// construction. `None` for a state it does not model.
    #[cfg(test)]
    pub(crate) fn tokenizer(state: &str, last_start_tag: &str) -> Option<Scanner> {
        let mut scanner = Scanner::new();
        scanner.tree_construction = false;
        for b in last_start_tag.bytes() {
            scanner.raw.push(b);
        }
        scanner.state = match state {
            "Data state" => State::Data,
            "PLAINTEXT state" => State::Plaintext,
            "RCDATA state" | "RAWTEXT state" => State::Raw,
            "Script data state" => State::Script,
            "CDATA section state" => State::Cdata,
            _ => return None,
        };
        Some(scanner)
    }

    /// The first byte of `data` the scanner may still need (a wanted tag
    /// being read, a name not yet known, or a few bytes of lookahead); the
    /// caller keeps it and what follows for the next call.
    pub fn keep_from(&self) -> usize {
        use State as S;
        match self.state {
            // Whether the tag is wanted is not known before its name is
            // complete, however long (a handler may want `Other` tags).
            S::TagName => self.tag.start,
            S::BeforeAttrName
            | S::AttrName
            | S::AfterAttrName
            | S::BeforeAttrValue
            | S::AttrValueDq
            | S::AttrValueSq
            | S::AttrValueUnq
            | S::AfterAttrValueQuoted
            | S::SelfClosing
                if self.tag.hold =>
            {
                self.tag.start
            }
            S::TagOpen
            | S::EndTagOpen
            | S::RawLt
            | S::RawEndOpen
            | S::RawEndName
            | S::ScriptLt
            | S::ScriptEndOpen
            | S::ScriptEndName
            | S::ScriptEscLt
            | S::ScriptEscEndOpen
            | S::ScriptEscEndName => self.lt,
            _ => self.pos,
        }
    }

    /// Shifts every position back by `by` after the caller dropped that
    /// many bytes from the front of its data (`by <= keep_from()`).
    pub fn rebase(&mut self, by: usize) {
        self.pos -= by;
        self.lt = self.lt.saturating_sub(by);
        self.tag.start = self.tag.start.saturating_sub(by);
        self.tag.name_end = self.tag.name_end.saturating_sub(by);
        self.tag.attr_end = self.tag.attr_end.saturating_sub(by);
        // Attributes of a tag already reported may point before `by`; they
        // are never read again.
        let back = |at: usize| at.saturating_sub(by);
        for a in &mut self.tag.attrs {
            a.lead = back(a.lead);
            a.name = back(a.name.start)..back(a.name.end);
            a.value = a.value.clone().map(|v| back(v.start)..back(v.end));
            a.span = back(a.span.start)..back(a.span.end);
        }
    }

    /// Whether the text read so far ends inside a start or end tag (one
    /// a browser drops at the end of the document, and that markup
    /// appended after it would complete).
    pub fn inside_tag(&self) -> bool {
        use State as S;
        matches!(
            self.state,
            S::TagName
                | S::BeforeAttrName
                | S::AttrName
                | S::AfterAttrName
                | S::BeforeAttrValue
                | S::AttrValueDq
                | S::AttrValueSq
                | S::AttrValueUnq
                | S::AfterAttrValueQuoted
                | S::SelfClosing
        )
    }

    /// Reads `data` from where the last call stopped. With `eof` the
    /// document ends with `data`.
    pub fn feed<H: Handler>(&mut self, data: &[u8], eof: bool, h: &mut H) {
        let len = data.len();
        let mut pos = self.pos;
        use State as S;
        while pos < len {
            let c = data[pos];
            match self.state {
                S::Data => match find(b'<', &data[pos..]) {
                    Some(i) => {
                        self.lt = pos + i;
                        pos += i + 1;
                        // The tag open and end tag open states, for the
                        // common cases.
                        match (data.get(pos), data.get(pos + 1)) {
                            (Some(b), _) if b.is_ascii_alphabetic() => {
                                self.begin_tag(self.lt, false);
                                pos = self.tag_name(data, pos, h);
                            }
                            (Some(b'/'), Some(b)) if b.is_ascii_alphabetic() => {
                                self.begin_tag(self.lt, true);
                                pos = self.tag_name(data, pos + 1, h);
                            }
                            _ => self.state = S::TagOpen,
                        }
                    }
                    None => pos = len,
                },
                S::TagOpen => {
                    if c == b'!' {
                        pos += 1;
                        self.state = S::MarkupDecl;
                    } else if c == b'/' {
                        pos += 1;
                        self.state = S::EndTagOpen;
                    } else if c.is_ascii_alphabetic() {
                        self.begin_tag(self.lt, false);
                    } else if c == b'?' {
                        self.state = S::BogusComment;
                    } else {
                        self.state = State::Data;
                    }
                }
                S::EndTagOpen => {
                    if c.is_ascii_alphabetic() {
                        self.begin_tag(self.lt, true);
                    } else if c == b'>' {
                        pos += 1;
                        self.state = State::Data;
                    } else {
                        self.state = S::BogusComment;
                    }
                }
                S::TagName => pos = self.tag_name(data, pos, h),
                S::BeforeAttrName => pos = self.attributes(data, pos, h),
                S::AttrName => {
                    let i = attr_name_end(data, pos);
                    pos = i;
                    if i < len {
                        self.attr_name_done(i);
                        if data[i] == b'=' {
                            pos += 1;
                            self.state = S::BeforeAttrValue;
                        } else {
                            self.state = S::AfterAttrName;
                        }
                    }
                }
                S::AfterAttrName => {
                    if is_space(c) {
                        pos = skip_spaces(data, pos + 1);
                    } else if c == b'/' {
                        pos += 1;
                        self.state = S::SelfClosing;
                    } else if c == b'=' {
                        pos += 1;
                        self.state = S::BeforeAttrValue;
                    } else if c == b'>' {
                        pos += 1;
                        self.emit(data, pos, h);
                    } else {
                        self.begin_attr(pos, c);
                        pos += 1;
                        self.state = S::AttrName;
                    }
                }
                S::BeforeAttrValue => {
                    if is_space(c) {
                        pos = skip_spaces(data, pos + 1);
                    } else if c == b'"' {
                        pos += 1;
                        self.value_start(pos);
                        self.state = S::AttrValueDq;
                    } else if c == b'\'' {
                        pos += 1;
                        self.value_start(pos);
                        self.state = S::AttrValueSq;
                    } else if c == b'>' {
                        pos += 1;
                        self.emit(data, pos, h);
                    } else {
                        self.value_start(pos);
                        self.state = S::AttrValueUnq;
                    }
                }
                S::AttrValueDq | S::AttrValueSq => {
                    let quote = if self.state == S::AttrValueDq {
                        b'"'
                    } else {
                        b'\''
                    };
                    match find(quote, &data[pos..]) {
                        Some(i) => {
                            self.value_end(pos + i, pos + i + 1);
                            pos += i + 1;
                            self.state = S::AfterAttrValueQuoted;
                        }
                        None => pos = len,
                    }
                }
                S::AttrValueUnq => {
                    let mut i = pos;
                    while i < len && !is_space(data[i]) && data[i] != b'>' {
                        i += 1;
                    }
                    pos = i;
                    if i < len {
                        self.value_end(i, i);
                        pos += 1;
                        if data[i] == b'>' {
                            self.emit(data, pos, h);
                        } else {
                            self.state = S::BeforeAttrName;
                        }
                    }
                }
                S::AfterAttrValueQuoted => {
                    if is_space(c) {
                        pos += 1;
                        self.state = S::BeforeAttrName;
                    } else if c == b'/' {
                        pos += 1;
                        self.state = S::SelfClosing;
                    } else if c == b'>' {
                        pos += 1;
                        self.emit(data, pos, h);
                    } else {
                        self.state = S::BeforeAttrName;
                    }
                }
                S::SelfClosing => {
                    if c == b'>' {
                        pos += 1;
                        self.tag.self_closing = true;
                        self.emit(data, pos, h);
                    } else {
                        self.state = S::BeforeAttrName;
                    }
                }
                S::MarkupDecl => {
                    let rest = &data[pos..];
                    let cdata = self.cdata_allowed();
                    let starts = |p: &[u8], ci: bool| {
                        let n = p.len().min(rest.len());
                        let same = if ci {
                            rest[..n].eq_ignore_ascii_case(&p[..n])
                        } else {
                            rest[..n] == p[..n]
                        };
                        match (same, n == p.len()) {
                            (true, true) => Some(true),
                            (true, false) => None,
                            (false, _) => Some(false),
                        }
                    };
                    let comment = starts(b"--", false);
                    let doctype = starts(b"doctype", true);
                    let cdata_open = if cdata {
                        starts(b"[CDATA[", false)
                    } else {
                        Some(false)
                    };
                    if comment == Some(true) {
                        pos += 2;
                        self.state = S::CommentStart;
                    } else if cdata_open == Some(true) {
                        pos += 7;
                        self.state = S::Cdata;
                    } else if !eof
                        && (comment.is_none() || doctype.is_none() || cdata_open.is_none())
                    {
                        // Wait for the bytes that decide.
                        break;
                    } else {
                        self.state = S::BogusComment;
                    }
                }
                S::CommentStart => match c {
                    b'-' => {
                        pos += 1;
                        self.state = S::CommentStartDash;
                    }
                    b'>' => {
                        pos += 1;
                        self.state = State::Data;
                    }
                    _ => self.state = S::Comment,
                },
                S::CommentStartDash => match c {
                    b'-' => {
                        pos += 1;
                        self.state = S::CommentEnd;
                    }
                    b'>' => {
                        pos += 1;
                        self.state = State::Data;
                    }
                    _ => self.state = S::Comment,
                },
                S::Comment => match find(b'-', &data[pos..]) {
                    Some(i) => {
                        pos += i + 1;
                        self.state = S::CommentEndDash;
                    }
                    None => pos = len,
                },
                S::CommentEndDash => {
                    if c == b'-' {
                        pos += 1;
                        self.state = S::CommentEnd;
                    } else {
                        self.state = S::Comment;
                    }
                }
                S::CommentEnd => match c {
                    b'>' => {
                        pos += 1;
                        self.state = State::Data;
                    }
                    b'!' => {
                        pos += 1;
                        self.state = S::CommentEndBang;
                    }
                    b'-' => pos += 1,
                    _ => self.state = S::Comment,
                },
                S::CommentEndBang => match c {
                    b'-' => {
                        pos += 1;
                        self.state = S::CommentEndDash;
                    }
                    b'>' => {
                        pos += 1;
                        self.state = State::Data;
                    }
                    _ => self.state = S::Comment,
                },
                S::BogusComment => match find(b'>', &data[pos..]) {
                    Some(i) => {
                        pos += i + 1;
                        self.state = State::Data;
                    }
                    None => pos = len,
                },
                S::Cdata => match memchr(b']', &data[pos..]) {
                    Some(i) => {
                        pos += i + 1;
                        self.state = S::CdataBracket;
                    }
                    None => pos = len,
                },
                S::CdataBracket => {
                    if c == b']' {
                        pos += 1;
                        self.state = S::CdataEnd;
                    } else {
                        self.state = S::Cdata;
                    }
                }
                S::CdataEnd => match c {
                    b']' => pos += 1,
                    b'>' => {
                        pos += 1;
                        self.state = S::Data;
                    }
                    _ => self.state = S::Cdata,
                },
                S::Raw => match find(b'<', &data[pos..]) {
                    Some(i) => {
                        self.lt = pos + i;
                        pos += i + 1;
                        self.state = S::RawLt;
                    }
                    None => pos = len,
                },
                S::RawLt => {
                    if c == b'/' {
                        pos += 1;
                        self.tmp.clear();
                        self.state = S::RawEndOpen;
                    } else {
                        self.state = S::Raw;
                    }
                }
                S::RawEndOpen | S::ScriptEndOpen | S::ScriptEscEndOpen => {
                    self.state = if !c.is_ascii_alphabetic() {
                        match self.state {
                            S::RawEndOpen => S::Raw,
                            S::ScriptEndOpen => S::Script,
                            _ => S::ScriptEsc,
                        }
                    } else {
                        match self.state {
                            S::RawEndOpen => S::RawEndName,
                            S::ScriptEndOpen => S::ScriptEndName,
                            _ => S::ScriptEscEndName,
                        }
                    };
                }
                S::RawEndName | S::ScriptEndName | S::ScriptEscEndName => {
                    if c.is_ascii_alphabetic() && self.tmp.len < RAW_NAME_CAP {
                        self.tmp.push(c);
                        pos += 1;
                    } else if (is_space(c) || c == b'/' || c == b'>') && self.appropriate() {
                        self.tag = Tag {
                            start: self.lt,
                            end_tag: true,
                            name: self.tmp,
                            name_end: pos,
                            kind: Some(self.raw.get().map_or(TagName::Other, TagName::from_lower)),
                            hold: true,
                            closes_raw: true,
                            attrs: std::mem::take(&mut self.tag.attrs),
                            ..Tag::default()
                        };
                        self.tag.attrs.clear();
                        pos += 1;
                        match c {
                            b'/' => self.state = S::SelfClosing,
                            b'>' => self.emit(data, pos, h),
                            _ => self.state = S::BeforeAttrName,
                        }
                    } else {
                        self.state = match self.state {
                            S::RawEndName => S::Raw,
                            S::ScriptEndName => S::Script,
                            _ => S::ScriptEsc,
                        };
                    }
                }
                S::Plaintext => pos = len,
                S::Script => match find(b'<', &data[pos..]) {
                    Some(i) => {
                        self.lt = pos + i;
                        pos += i + 1;
                        self.state = S::ScriptLt;
                    }
                    None => pos = len,
                },
                S::ScriptLt => match c {
                    b'/' => {
                        pos += 1;
                        self.tmp.clear();
                        self.state = S::ScriptEndOpen;
                    }
                    b'!' => {
                        pos += 1;
                        self.state = S::ScriptEscStart;
                    }
                    _ => self.state = S::Script,
                },
                S::ScriptEscStart | S::ScriptEscStartDash => {
                    if c == b'-' {
                        pos += 1;
                        self.state = if self.state == S::ScriptEscStart {
                            S::ScriptEscStartDash
                        } else {
                            S::ScriptEscDashDash
                        };
                    } else {
                        self.state = S::Script;
                    }
                }
                S::ScriptEsc => match memchr2(b'-', b'<', &data[pos..]) {
                    Some(i) => {
                        pos += i;
                        if data[pos] == b'<' {
                            self.lt = pos;
                            self.state = S::ScriptEscLt;
                        } else {
                            self.state = S::ScriptEscDash;
                        }
                        pos += 1;
                    }
                    None => pos = len,
                },
                S::ScriptEscDash | S::ScriptEscDashDash => match c {
                    b'-' => {
                        pos += 1;
                        self.state = S::ScriptEscDashDash;
                    }
                    b'<' => {
                        self.lt = pos;
                        pos += 1;
                        self.state = S::ScriptEscLt;
                    }
                    b'>' if self.state == S::ScriptEscDashDash => {
                        pos += 1;
                        self.state = S::Script;
                    }
                    _ => {
                        pos += 1;
                        self.state = S::ScriptEsc;
                    }
                },
                S::ScriptEscLt => {
                    if c == b'/' {
                        pos += 1;
                        self.tmp.clear();
                        self.state = S::ScriptEscEndOpen;
                    } else if c.is_ascii_alphabetic() {
                        self.tmp.clear();
                        self.state = S::ScriptDblEscStart;
                    } else {
                        self.state = S::ScriptEsc;
                    }
                }
                S::ScriptDblEscStart | S::ScriptDblEscEnd => {
                    let starting = self.state == S::ScriptDblEscStart;
                    if is_space(c) || c == b'/' || c == b'>' {
                        let is_script = self.tmp.is(b"script");
                        pos += 1;
                        self.state = match (starting, is_script) {
                            (true, true) | (false, false) => S::ScriptDbl,
                            (true, false) | (false, true) => S::ScriptEsc,
                        };
                    } else if c.is_ascii_alphabetic() {
                        self.tmp.push(c);
                        pos += 1;
                    } else {
                        self.state = if starting { S::ScriptEsc } else { S::ScriptDbl };
                    }
                }
                S::ScriptDbl => match memchr2(b'-', b'<', &data[pos..]) {
                    Some(i) => {
                        pos += i;
                        self.state = if data[pos] == b'<' {
                            S::ScriptDblLt
                        } else {
                            S::ScriptDblDash
                        };
                        pos += 1;
                    }
                    None => pos = len,
                },
                S::ScriptDblDash | S::ScriptDblDashDash => match c {
                    b'-' => {
                        pos += 1;
                        self.state = S::ScriptDblDashDash;
                    }
                    b'<' => {
                        pos += 1;
                        self.state = S::ScriptDblLt;
                    }
                    b'>' if self.state == S::ScriptDblDashDash => {
                        pos += 1;
                        self.state = S::Script;
                    }
                    _ => {
                        pos += 1;
                        self.state = S::ScriptDbl;
                    }
                },
                S::ScriptDblLt => {
                    if c == b'/' {
                        pos += 1;
                        self.tmp.clear();
                        self.state = S::ScriptDblEscEnd;
                    } else {
                        self.state = S::ScriptDbl;
                    }
                }
            }
        }
        self.pos = pos;
    }

    /// The tag name state at `pos`, and the attributes that follow it
    /// (see [`Self::attributes`]); returns where it stopped.
    #[inline(always)]
    fn tag_name<H: Handler>(&mut self, data: &[u8], mut pos: usize, h: &mut H) -> usize {
        use State as S;
        let len = data.len();
        let i = data[pos..]
            .iter()
            .position(|&b| is_space(b) || b == b'/' || b == b'>')
            .map_or(len, |n| pos + n);
        let kind = match data.get(pos..pos + 8) {
            // A short name read whole: one word.
            Some(word) if self.tag.name.len == 0 && i < len && (1..=8).contains(&(i - pos)) => {
                let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                Some(self.tag.name.set_short(word, i - pos))
            }
            _ => {
                self.tag.name.extend(&data[pos..i]);
                None
            }
        };
        pos = i;
        if i < len {
            let kind = kind.unwrap_or_else(|| self.tag.name.kind());
            self.name_done(pos, kind, h);
            match data[i] {
                b'/' => {
                    pos += 1;
                    self.state = S::SelfClosing;
                }
                b'>' => {
                    pos += 1;
                    self.emit(data, pos, h);
                }
                _ => pos = self.attributes(data, pos + 1, h),
            }
        }
        pos
    }

    /// Whether `<![CDATA[` opens a CDATA section: only in foreign content,
    /// and not where an HTML element may be the current node (one opened in
    /// an integration point).
    fn cdata_allowed(&self) -> bool {
        self.foreign.last().is_some_and(|f| !f.html_inside)
    }

    /// Whether the end tag candidate closes the current raw text element
    /// (is named as the last start tag).
    fn appropriate(&self) -> bool {
        self.tmp.get().is_some() && self.tmp.get() == self.raw.get()
    }

    fn begin_tag(&mut self, start: usize, end_tag: bool) {
        let mut attrs = std::mem::take(&mut self.tag.attrs);
        attrs.clear();
        self.tag = Tag {
            start,
            end_tag,
            attrs,
            ..Tag::default()
        };
        self.state = State::TagName;
    }

    /// The tag name, of `kind`, is complete at `at`: decide whether to
    /// record the tag.
    fn name_done<H: Handler>(&mut self, at: usize, kind: TagName, h: &mut H) {
        self.tag.kind = Some(kind);
        self.tag.name_end = at;
        self.tag.attr_end = at;
        let wanted = h.wants(kind);
        // In foreign content any tag may close foreign elements, which is
        // reported with where it starts.
        self.tag.hold = wanted.is_some() || !self.foreign.is_empty();
        if !self.tag.end_tag {
            // The scanner itself reads `font` and `annotation-xml`
            // attributes in foreign content.
            let own =
                !self.foreign.is_empty() && matches!(kind, TagName::Font | TagName::AnnotationXml);
            self.tag.record = wanted.is_some() || own;
            self.tag.initials = match wanted {
                Some(Attributes::Initials(initials)) if !own => Some(initials),
                Some(Attributes::HtmlInitials(initials))
                    if self.foreign.is_empty() && !matches!(kind, TagName::Svg | TagName::Math) =>
                {
                    Some(initials)
                }
                _ => None,
            };
        }
    }

    /// The before attribute name state at `at`, and the attributes that
    /// follow it when written the common way (`name="value"` or
    /// `name='value'`, separated by whitespace, up to `>`), read in one run
    /// rather than one state at a time. Whatever else comes is left to
    /// [`Self::feed`] in the state the spec reaches there; returns where.
    #[inline(always)]
    fn attributes<H: Handler>(&mut self, data: &[u8], at: usize, h: &mut H) -> usize {
        use State as S;
        let len = data.len();
        let mut pos = at;
        loop {
            pos = skip_spaces(data, pos);
            let Some(&c) = data.get(pos) else {
                self.state = S::BeforeAttrName;
                return pos;
            };
            if c == b'/' || c == b'>' {
                self.state = S::AfterAttrName;
                return pos;
            }
            // `=` here starts an attribute name, as the spec says.
            self.begin_attr(pos, c);
            pos = attr_name_end(data, pos + 1);
            if pos == len {
                self.state = S::AttrName;
                return pos;
            }
            self.attr_name_done(pos);
            if data[pos] != b'=' {
                self.state = S::AfterAttrName;
                return pos;
            }
            pos += 1;
            let quote = match data.get(pos) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => {
                    self.state = S::BeforeAttrValue;
                    return pos;
                }
            };
            pos += 1;
            self.value_start(pos);
            let Some(i) = find(quote, &data[pos..]) else {
                self.state = if quote == b'"' {
                    S::AttrValueDq
                } else {
                    S::AttrValueSq
                };
                return len;
            };
            self.value_end(pos + i, pos + i + 1);
            pos += i + 1;
            // The after attribute value (quoted) state.
            match data.get(pos) {
                Some(&b) if is_space(b) => pos += 1,
                Some(b'>') => {
                    self.emit(data, pos + 1, h);
                    return pos + 1;
                }
                _ => {
                    self.state = S::AfterAttrValueQuoted;
                    return pos;
                }
            }
        }
    }

    /// An attribute whose name starts with `first` begins at `at`.
    fn begin_attr(&mut self, at: usize, first: u8) {
        let tag = &mut self.tag;
        tag.attr_recorded = tag.record
            && tag
                .initials
                .is_none_or(|initials| initials.contains(&first.to_ascii_lowercase()));
        if tag.attr_recorded {
            tag.attrs.push(Attribute {
                lead: tag.attr_end,
                name: at..at + 1,
                value: None,
                span: at..at + 1,
            });
        }
        tag.attr_end = at + 1;
    }

    /// The current attribute's name ends at `at`.
    fn attr_name_done(&mut self, at: usize) {
        self.tag.attr_end = at;
        if let Some(a) = self.current_attr() {
            a.name.end = at;
            a.span.end = at;
        }
    }

    fn current_attr(&mut self) -> Option<&mut Attribute> {
        if self.tag.attr_recorded {
            self.tag.attrs.last_mut()
        } else {
            None
        }
    }

    fn value_start(&mut self, at: usize) {
        if let Some(a) = self.current_attr() {
            a.value = Some(at..at);
        }
    }

    fn value_end(&mut self, end: usize, span_end: usize) {
        self.tag.attr_end = span_end;
        if let Some(a) = self.current_attr() {
            if let Some(v) = a.value.as_mut() {
                v.end = end;
            }
            a.span.end = span_end;
        }
    }

    /// A tag is complete at `end`: report it and switch state as the tree
    /// builder would.
    #[inline(always)]
    fn emit<H: Handler>(&mut self, data: &[u8], end: usize, h: &mut H) {
        // Apart: an end tag does not pay for the larger frame of a start
        // tag's handler.
        if self.tag.end_tag {
            self.emit_end(data, end, h);
        } else {
            self.emit_start(data, end, h);
        }
    }

    /// [`Self::emit`] for an end tag.
    #[inline(never)]
    fn emit_end<H: Handler>(&mut self, data: &[u8], end: usize, h: &mut H) {
        let kind = self.tag.kind.unwrap_or(TagName::Other);
        self.state = State::Data;
        // The end tag of raw text closes that HTML element and nothing else.
        if self.tree_construction && !self.foreign.is_empty() && !self.tag.closes_raw {
            self.end_foreign(data, kind, h);
        }
        h.end_tag(
            data,
            &EndTag {
                name: kind,
                span: self.tag.start..end,
                name_span: self.tag.start + 2..self.tag.name_end,
            },
        );
    }

    /// [`Self::emit`] for a start tag.
    #[inline(never)]
    fn emit_start<H: Handler>(&mut self, data: &[u8], end: usize, h: &mut H) {
        let kind = self.tag.kind.unwrap_or(TagName::Other);
        let namespace = if self.tree_construction {
            self.place_start(data, kind, h)
        } else {
            Namespace::Html
        };
        let kind = match (kind, namespace) {
            (TagName::Image, Namespace::Html) => TagName::Img,
            _ => kind,
        };
        self.state = State::Data;
        self.raw = self.tag.name;
        if namespace == Namespace::Html && self.tree_construction {
            // An HTML element of this name may be open from now on.
            self.seen.insert(&self.tag.name);
            let content = match kind {
                TagName::Noscript if !self.scripting => Content::Data,
                _ => kind.content(),
            };
            self.state = match content {
                Content::Data => State::Data,
                Content::Raw => State::Raw,
                Content::Script => State::Script,
                Content::Plaintext => State::Plaintext,
            };
        }
        if self.tag.record && h.wants(kind).is_some() {
            h.start_tag(
                data,
                &StartTag {
                    name: kind,
                    namespace,
                    span: self.tag.start..end,
                    name_span: self.tag.start + 1..self.tag.name_end,
                    attributes: &self.tag.attrs,
                    self_closing: self.tag.self_closing,
                    depth: self.foreign.len(),
                },
            );
        }
        self.tag.hold = false;
    }

    /// Tree construction for a start tag: its namespace, with the foreign
    /// element stack updated.
    fn place_start<H: Handler>(&mut self, data: &[u8], kind: TagName, h: &mut H) -> Namespace {
        let self_closing = self.tag.self_closing;
        if let Some(top) = self.foreign.last() {
            let html = top.html_point
                || (top.text_point && !matches!(kind, TagName::Mglyph | TagName::Malignmark))
                || (top.annotation && kind == TagName::Svg);
            if !html {
                let breakout =
                    kind.breaks_out() || (kind == TagName::Font && self.font_breaks_out(data));
                if breakout {
                    let keep = self.integration_point().map_or(0, |i| i + 1);
                    self.close_foreign(keep, data, h);
                } else {
                    let namespace = if kind == TagName::Svg && top.annotation {
                        Namespace::Svg
                    } else {
                        top.namespace
                    };
                    if !self_closing {
                        self.push_foreign(data, namespace, kind);
                    }
                    return namespace;
                }
            }
        }
        let namespace = match kind {
            TagName::Svg => Namespace::Svg,
            TagName::Math => Namespace::MathMl,
            _ => {
                if let Some(point) = self.foreign.last_mut() {
                    // HTML content of an integration point.
                    point.html_inside |= kind.stays_open();
                }
                return Namespace::Html;
            }
        };
        if !self_closing {
            self.push_foreign(data, namespace, kind);
        }
        namespace
    }

    fn font_breaks_out(&self, data: &[u8]) -> bool {
        self.tag.attrs.iter().any(|a| {
            let n = &data[a.name.clone()];
            ["color", "face", "size"]
                .iter()
                .any(|x| n.eq_ignore_ascii_case(x.as_bytes()))
        })
    }

    fn push_foreign(&mut self, data: &[u8], namespace: Namespace, kind: TagName) {
        let html_point = match (namespace, kind) {
            (Namespace::Svg, TagName::ForeignObject | TagName::Desc | TagName::Title) => true,
            // The first `encoding` counts (the tokenizer drops duplicates),
            // its value read with character references decoded.
            (Namespace::MathMl, TagName::AnnotationXml) => self
                .tag
                .attrs
                .iter()
                .find(|a| data[a.name.clone()].eq_ignore_ascii_case(b"encoding"))
                .and_then(|a| a.value.clone())
                .is_some_and(|v| {
                    let v = attribute_value(&data[v]);
                    v.eq_ignore_ascii_case("text/html")
                        || v.eq_ignore_ascii_case("application/xhtml+xml")
                }),
            _ => false,
        };
        let text_point = namespace == Namespace::MathMl
            && matches!(
                kind,
                TagName::Mi | TagName::Mo | TagName::Mn | TagName::Ms | TagName::Mtext
            );
        self.foreign.push(Frame {
            namespace,
            name: self.tag.name,
            html_point,
            text_point,
            annotation: namespace == Namespace::MathMl && kind == TagName::AnnotationXml,
            html_inside: false,
        });
    }

    /// The innermost open integration point, where HTML content starts.
    fn integration_point(&self) -> Option<usize> {
        self.foreign
            .iter()
            .rposition(|f| f.html_point || f.text_point)
    }

    /// Closes the foreign elements after the first `keep` (the tag being
    /// read closes them) and tells the handler.
    fn close_foreign<H: Handler>(&mut self, keep: usize, data: &[u8], h: &mut H) {
        if keep < self.foreign.len() {
            self.foreign.truncate(keep);
            h.foreign_closed(data, self.tag.start, keep);
        }
    }

    /// Tree construction for an end tag in foreign content.
    fn end_foreign<H: Handler>(&mut self, data: &[u8], kind: TagName, h: &mut H) {
        let Some(top) = self.foreign.last() else {
            return;
        };
        let keep = if kind == TagName::BrOrP && !top.html_point && !top.text_point {
            // `</br>` and `</p>` break out as start tags do.
            self.integration_point().map_or(0, |i| i + 1)
        } else if let Some(i) = self
            .foreign
            .iter()
            .rposition(|f| f.name.get().is_some() && f.name.get() == self.tag.name.get())
        {
            i
        } else {
            // Named as no open foreign element: the HTML insertion mode
            // processes it, and it closes the foreign content only with an
            // HTML element of that name around it.
            match self.html_reach(kind) {
                Reach::Nothing => return,
                // Scopes end at integration points: only HTML elements
                // opened inside the innermost one can be reached.
                Reach::InScope => self.integration_point().map_or(0, |i| i + 1),
                Reach::Anywhere => 0,
            }
        };
        self.close_foreign(keep, data, h);
    }

    /// What an end tag (`self.tag`, of `kind`) that names no open foreign
    /// element may close when the HTML insertion mode processes it. The
    /// HTML elements that may be open are those whose names were seen: when
    /// unsure, it closes (see the module documentation).
    fn html_reach(&self, kind: TagName) -> Reach {
        use TagName::*;
        let name = &self.tag.name;
        let seen = |n: &[u8]| self.seen.contains(&NameBuf::from(n));
        match kind {
            // Never open around foreign content: raw text elements end with
            // their own end tag, void elements at once; `</body>` only
            // switches the insertion mode.
            Body | Script | Style | Title | Textarea | Xmp | Iframe | Noembed | Noframes
            | Noscript | Plaintext | Area | Base | Embed | Frame | Image | Img | Input | Link
            | Meta | Source | Track => return Reach::Nothing,
            // Closed wherever it is, past integration points.
            Template if self.seen.contains(name) => return Reach::Anywhere,
            _ => {}
        }
        match name.get() {
            Some(
                b"html" | b"head" | b"br" | b"hr" | b"wbr" | b"col" | b"param" | b"keygen"
                | b"basefont" | b"bgsound",
            ) => Reach::Nothing,
            // Any heading closes the open one.
            Some(b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6") => {
                let headings: [&[u8]; 6] = [b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"];
                if headings.into_iter().any(seen) {
                    Reach::InScope
                } else {
                    Reach::Nothing
                }
            }
            // Outside a template `</form>` takes the form out of the stack
            // and leaves the current node open.
            Some(b"form") if !seen(b"template") => Reach::Nothing,
            // Table scope does not end at integration points.
            Some(
                b"table" | b"caption" | b"tbody" | b"thead" | b"tfoot" | b"tr" | b"td" | b"th",
            ) if self.seen.contains(name) => Reach::Anywhere,
            _ if self.seen.contains(name) => Reach::InScope,
            _ => Reach::Nothing,
        }
    }
}

/// How far an end tag processed as HTML content closes open elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// No element: foreign content goes on.
    Nothing,
    /// HTML elements in scope (which ends at an integration point).
    InScope,
    /// HTML elements anywhere on the stack.
    Anywhere,
}

/// An attribute value with its character references decoded.
fn attribute_value(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    let text = String::from_utf8_lossy(raw);
    if memchr(b'&', raw).is_none() {
        return text;
    }
    std::borrow::Cow::Owned(htmlize::unescape_attribute(text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_classify() {
        for &(name, kind) in TAG_NAMES {
            assert_eq!(
                TagName::from_lower(name),
                kind,
                "{}",
                String::from_utf8_lossy(name)
            );
            assert_eq!(NameBuf::from(name).kind(), kind);
        }
        for other in [
            &b""[..],
            b"divx",
            b"scripts",
            b"x",
            b"my-element",
            b"annotation-xmlx",
            b"abcdefghi",
            b"script\0",
            b"img\0\0",
            b"\0",
        ] {
            assert_eq!(TagName::from_lower(other), TagName::Other);
            assert_eq!(NameBuf::from(other).kind(), TagName::Other);
        }
        // A name too long to keep is no name of ours.
        assert_eq!(NameBuf::from(&[b'a'; NAME_CAP + 1]).kind(), TagName::Other);
    }

    #[test]
    fn words_lower_case_as_bytes_do() {
        for b in 0..=u8::MAX {
            for at in 0..8 {
                // The byte among others that must not change it.
                let mut bytes = [b'Q', 0xc3, b'@', b'[', b'`', b'{', 0, b'z'];
                bytes[at] = b;
                let mut lower = bytes;
                lower.make_ascii_lowercase();
                assert_eq!(lower_ascii(u64::from_le_bytes(bytes)).to_le_bytes(), lower);
            }
        }
    }

    #[test]
    fn find_finds_as_memchr_does() {
        let hay = b"0123456789abcdef<0123456789abcdef<<";
        for start in 0..hay.len() {
            for end in start..=hay.len() {
                let hay = &hay[start..end];
                for needle in [b'<', b'0', b'f', b'\x80', b'\xfe'] {
                    assert_eq!(find(needle, hay), memchr(needle, hay));
                }
            }
        }
        let mut bytes: Vec<u8> = (0..=u8::MAX).collect();
        bytes.extend((0..=u8::MAX).rev());
        for needle in 0..=u8::MAX {
            for start in 0..40 {
                assert_eq!(
                    find(needle, &bytes[start..]),
                    memchr(needle, &bytes[start..])
                );
            }
        }
    }

    /// Records what the scanner reports, as text.
    #[derive(Default)]
    struct Recorder {
        events: Vec<String>,
    }

    impl Handler for Recorder {
        fn wants(&self, name: TagName) -> Option<Attributes> {
            (name != TagName::Other).then_some(Attributes::All)
        }

        fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
            let attrs: Vec<String> = tag
                .attributes
                .iter()
                .map(|a| {
                    let name = String::from_utf8_lossy(&data[a.name.clone()]).to_lowercase();
                    let value = tag.attr(data, &name).unwrap_or_default();
                    format!(" {name}={}", String::from_utf8_lossy(value))
                })
                .collect();
            let depth = match tag.depth {
                0 => String::new(),
                d => format!("@{d}"),
            };
            self.events.push(format!(
                "<{:?}:{:?}{depth}{}>",
                tag.name,
                tag.namespace,
                attrs.concat()
            ));
        }

        fn end_tag(&mut self, _: &[u8], tag: &EndTag) {
            self.events.push(format!("</{:?}>", tag.name));
        }

        fn foreign_closed(&mut self, data: &[u8], at: usize, open: usize) {
            // The tag that closed them, complete.
            let end = at + memchr(b'>', &data[at..]).expect("a complete tag") + 1;
            let tag = String::from_utf8_lossy(&data[at..end]);
            self.events.push(format!("~{open} {tag}"));
        }
    }

    /// Records each start tag's name and the names of its recorded attributes.
    struct ByInitial(Vec<String>);

    impl Handler for ByInitial {
        fn wants(&self, _: TagName) -> Option<Attributes> {
            Some(Attributes::HtmlInitials(b"s"))
        }

        fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
            let mut event = String::from_utf8_lossy(&data[tag.name_span.clone()]).into_owned();
            for a in tag.attributes {
                event.push(' ');
                event.push_str(&String::from_utf8_lossy(&data[a.name.clone()]));
            }
            self.0.push(event);
        }

        fn end_tag(&mut self, _: &[u8], _: &EndTag) {}
    }

    #[test]
    fn html_initials_take_every_attribute_in_foreign_content() {
        let html = b"<p style=a fill=b><svg fill=c><rect style=d fill=e/></svg><p fill=f src=g>";
        let mut rec = ByInitial(Vec::new());
        Scanner::new().feed(html, true, &mut rec);
        assert_eq!(rec.0, ["p style", "svg fill", "rect style fill", "p src"]);
    }

    #[test]
    fn with_scripting_off_a_noscript_holds_markup() {
        let html = b"<noscript><img src=a></noscript><noscript><p><img src=b></noscript><script><img src=c></script><img src=d>";
        let images = |mut scanner: Scanner| {
            let mut rec = Recorder::default();
            scanner.feed(html, true, &mut rec);
            rec.events
                .into_iter()
                .filter(|e| e.starts_with("<Img"))
                .collect::<Vec<_>>()
        };
        assert_eq!(images(Scanner::new()), ["<Img:Html src=d>"]);
        // Script content stays script data: only `noscript` changes.
        assert_eq!(
            images(Scanner::without_scripting()),
            ["<Img:Html src=a>", "<Img:Html src=b>", "<Img:Html src=d>"]
        );
    }

    /// Scans `html` cut at `cuts`, carrying what the scanner still needs
    /// as a streaming caller does.
    fn scan(html: &[u8], cuts: &[usize]) -> Vec<String> {
        let mut scanner = Scanner::new();
        let mut rec = Recorder::default();
        let mut carried: Vec<u8> = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain(std::iter::once(&html.len())) {
            carried.extend_from_slice(&html[start..end]);
            scanner.feed(&carried, false, &mut rec);
            let keep = scanner.keep_from();
            carried.drain(..keep);
            scanner.rebase(keep);
            start = end;
        }
        scanner.feed(&carried, true, &mut rec);
        rec.events
    }

    /// The image URLs reported (`img` and `image` start tags), whole and at every split.
    fn images(html: &str) -> Vec<String> {
        let whole = scan(html.as_bytes(), &[]);
        for cut in 1..html.len() {
            assert_eq!(
                scan(html.as_bytes(), &[cut]),
                whole,
                "cut {cut} of {html:?}"
            );
        }
        let cuts: Vec<usize> = (1..html.len()).collect();
        assert_eq!(
            scan(html.as_bytes(), &cuts),
            whole,
            "byte by byte: {html:?}"
        );
        whole
            .into_iter()
            .filter(|e| e.starts_with("<Img") || e.starts_with("<Image"))
            .collect()
    }

    #[test]
    fn tags_as_a_browser_tokenizes_them() {
        let cases: &[(&str, &[&str])] = &[
            (r#"<p title="a>b"><img src=x>"#, &["<Img:Html src=x>"]),
            (
                r#"<IMG SRC='y' src=z alt="q" /><img/src=w>"#,
                &["<Img:Html src=y src=y alt=q>", "<Img:Html src=w>"],
            ),
            ("<img src=a=b\"c>", &["<Img:Html src=a=b\"c>"]),
            ("<img =src=x>", &["<Img:Html =src=x>"]),
            // comments and their edge cases
            ("<!-- <img src=a> -->", &[]),
            ("<!--><img src=b>", &["<Img:Html src=b>"]),
            ("<!---><img src=c>", &["<Img:Html src=c>"]),
            ("<!-- x --!><img src=d>", &["<Img:Html src=d>"]),
            ("<!-- x -- ><img src=e> -->", &[]),
            ("<!-- <!-- --><img src=f>", &["<Img:Html src=f>"]),
            ("<? x <img src=g>><img src=h>", &["<Img:Html src=h>"]),
            ("<!DOCTYPE html><img src=i>", &["<Img:Html src=i>"]),
            ("</ x <img src=j>><img src=k>", &["<Img:Html src=k>"]),
            ("<![CDATA[<img src=l>]]>", &[]),
            ("< img src=m>", &[]),
            // raw text, RCDATA, PLAINTEXT
            (
                "<style><img src=a></style><title><img src=b></title><textarea><img src=c></textarea><img src=d>",
                &["<Img:Html src=d>"],
            ),
            ("<xmp></XMP\t><img src=e>", &["<Img:Html src=e>"]),
            ("<noscript><img src=f></noscript>", &[]),
            ("<iframe><img src=g></iframe >", &[]),
            ("<noembed><img src=h></noembed><noframes><img src=i></noframes>", &[]),
            ("<plaintext></plaintext><img src=j>", &[]),
            ("<style></styles><img src=k></style>", &[]),
            // script data, escaped and double escaped
            (
                r#"<script>if(a<b)document.write("<img src=a>")</script><img src=b>"#,
                &["<Img:Html src=b>"],
            ),
            (
                "<script><!--<script>x</script>--><img src=c></script><img src=d>",
                &["<Img:Html src=d>"],
            ),
            (
                "<script><!--<script></script><img src=e></script><img src=f>",
                &["<Img:Html src=f>"],
            ),
            ("<script><!--</script><img src=g>", &["<Img:Html src=g>"]),
            ("<script><!--></script><img src=h>", &["<Img:Html src=h>"]),
            ("<script>a</scriptx><img src=i></script>", &[]),
            ("<script\0><img src=j>", &["<Img:Html src=j>"]),
            // foreign content
            ("<svg><style><img src=a></style></svg>", &["<Img:Html src=a>"]),
            ("<svg><![CDATA[<img src=b>]]></svg><img src=c>", &["<Img:Html src=c>"]),
            (
                "<svg><title><img src=d></title></svg>",
                &["<Img:Html@2 src=d>"],
            ),
            (
                "<svg><image href=e></image></svg><image src=f>",
                &["<Image:Svg@2 href=e>", "<Img:Html src=f>"],
            ),
            (
                "<svg><foreignObject><style><img src=g></style></foreignObject></svg>",
                &[],
            ),
            ("<svg><p><style><img src=h></style>", &[]),
            (
                "<math><annotation-xml encoding=text/html><style><img src=i></style></annotation-xml></math>",
                &[],
            ),
            ("<math><annotation-xml><style><img src=j></style>", &["<Img:Html src=j>"]),
            ("<svg></svg><style><img src=k></style>", &[]),
            ("<svg><font color=red><style><img src=l></style>", &[]),
            ("<svg><font><style><img src=m></style>", &["<Img:Html src=m>"]),
            // annotation-xml: the first `encoding`, references decoded
            (
                "<math><annotation-xml encoding=text/html encoding=x><style><img src=n></style>",
                &[],
            ),
            (
                "<math><annotation-xml encoding=x encoding=text/html><style><img src=o></style>",
                &["<Img:Html src=o>"],
            ),
            (
                "<math><annotation-xml encoding='text&#x2F;HTML'><style><img src=p></style>",
                &[],
            ),
            (
                "<math><annotation-xml encoding='application/xhtml&plus;xml'><style><img src=q></style>",
                &[],
            ),
            (
                "<math><annotation-xml encoding='text/html&amp;'><style><img src=r></style>",
                &["<Img:Html src=r>"],
            ),
            // CDATA where an HTML element may be the current node: a bogus comment
            ("<svg><desc><![CDATA[<img src=s>]]>", &[]),
            (
                "<svg><desc><b><![CDATA[><img src=t>]]>",
                &["<Img:Html@2 src=t>"],
            ),
            (
                "<svg><desc><img src=u><![CDATA[><img src=v>]]>",
                &["<Img:Html@2 src=u>"],
            ),
        ];
        for (html, expected) in cases {
            assert_eq!(images(html), *expected, "{html:?}");
        }
    }

    #[test]
    fn scripts_and_their_end_tags() {
        assert_eq!(
            scan(
                b"<svg><script href=x>a<g/></script></svg><script>y</script >",
                &[]
            ),
            [
                "<Svg:Svg@1>",
                "<Script:Svg@2 href=x>",
                "~1 </script>",
                "</Script>",
                "~0 </svg>",
                "</Svg>",
                "<Script:Html>",
                "</Script>"
            ]
        );
    }

    /// What the scanner reports for `html`, the same at every cut.
    fn events(html: &str) -> Vec<String> {
        let whole = scan(html.as_bytes(), &[]);
        for cut in 1..html.len() {
            assert_eq!(
                scan(html.as_bytes(), &[cut]),
                whole,
                "cut {cut} of {html:?}"
            );
        }
        whole
    }

    #[test]
    fn foreign_elements_close_as_the_tree_builder_closes_them() {
        let cases: &[(&str, &[&str])] = &[
            // By their own end tag or an ancestor's.
            (
                "<svg><script>a</script>",
                &["<Svg:Svg@1>", "<Script:Svg@2>", "~1 </script>", "</Script>"],
            ),
            (
                "<svg><g><script>a</G >b",
                &["<Svg:Svg@1>", "<Script:Svg@3>", "~1 </G >", "</Other>"],
            ),
            (
                "<svg><script>a<script>b</script>c</svg>",
                &[
                    "<Svg:Svg@1>",
                    "<Script:Svg@2>",
                    "<Script:Svg@3>",
                    "~2 </script>",
                    "</Script>",
                    "~0 </svg>",
                    "</Svg>",
                ],
            ),
            // By a breakout start tag or `</p>`, down to an integration point.
            (
                "<svg><script>a<p>b",
                &["<Svg:Svg@1>", "<Script:Svg@2>", "~0 <p>", "<BrOrP:Html>"],
            ),
            (
                "<svg><script>a</p>",
                &["<Svg:Svg@1>", "<Script:Svg@2>", "~0 </p>", "</BrOrP>"],
            ),
            (
                "<svg><foreignObject><svg><script>a<div>",
                &[
                    "<Svg:Svg@1>",
                    "<ForeignObject:Svg@2>",
                    "<Svg:Svg@3>",
                    "<Script:Svg@4>",
                    "~2 <div>",
                    "<Breakout:Html@2>",
                ],
            ),
            (
                "<svg><font size=1><font>",
                &["<Svg:Svg@1>", "~0 <font size=1>", "<Font:Html size=1>", "<Font:Html>"],
            ),
            ("<svg><font>", &["<Svg:Svg@1>", "<Font:Svg@2>"]),
            // An end tag naming no open foreign element closes the foreign
            // content only with an HTML element of that name around it.
            (
                "<svg></foo><script href=x>",
                &["<Svg:Svg@1>", "</Other>", "<Script:Svg@2 href=x>"],
            ),
            (
                "<div><svg></div><script src=x>",
                &["<Breakout:Html>", "<Svg:Svg@1>", "~0 </div>", "</Breakout>", "<Script:Html src=x>"],
            ),
            (
                "<custom-x><math></custom-x><mi>",
                &["<Math:MathMl@1>", "~0 </custom-x>", "</Other>", "<Mi:Html>"],
            ),
            (
                "<h1><svg></h6><style>",
                &["<Breakout:Html>", "<Svg:Svg@1>", "~0 </h6>", "</Breakout>", "<Style:Html>"],
            ),
            (
                "<title>t</title><body><svg></title></body></img><style>",
                &[
                    "<Title:Html>",
                    "</Title>",
                    "<Body:Html>",
                    "<Svg:Svg@1>",
                    "</Title>",
                    "</Body>",
                    "</Img>",
                    "<Style:Svg@2>",
                ],
            ),
            // Outside a template, `</form>` leaves the current node open.
            (
                "<form><svg></form><style>",
                &["<Svg:Svg@1>", "</Other>", "<Style:Svg@2>"],
            ),
            (
                "<template><form><svg></form><style>",
                &[
                    "<Template:Html>",
                    "<Svg:Svg@1>",
                    "~0 </form>",
                    "</Other>",
                    "<Style:Html>",
                ],
            ),
            // Scope ends at an integration point (table scope does not).
            (
                "<div><svg><foreignObject><div><svg></div><style>",
                &[
                    "<Breakout:Html>",
                    "<Svg:Svg@1>",
                    "<ForeignObject:Svg@2>",
                    "<Breakout:Html@2>",
                    "<Svg:Svg@3>",
                    "~2 </div>",
                    "</Breakout>",
                    "<Style:Html@2>",
                ],
            ),
            (
                "<div><svg><foreignObject></div></foreignObject><style>",
                &[
                    "<Breakout:Html>",
                    "<Svg:Svg@1>",
                    "<ForeignObject:Svg@2>",
                    "</Breakout>",
                    "~1 </foreignObject>",
                    "</ForeignObject>",
                    "<Style:Svg@2>",
                ],
            ),
            (
                "<table><td><svg><foreignObject></td><style>",
                &[
                    "<Breakout:Html>",
                    "<Svg:Svg@1>",
                    "<ForeignObject:Svg@2>",
                    "~0 </td>",
                    "</Other>",
                    "<Style:Html>",
                ],
            ),
            // A foreign element with a name too long to keep closes only
            // with its parent.
            (
                "<svg><x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x></x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x><script>",
                &["<Svg:Svg@1>", "</Other>", "<Script:Svg@3>"],
            ),
            // The end tag of raw text in an integration point closes that.
            (
                "<svg><style><foreignObject><style></style><script>",
                &[
                    "<Svg:Svg@1>",
                    "<Style:Svg@2>",
                    "<ForeignObject:Svg@3>",
                    "<Style:Html@3>",
                    "</Style>",
                    "<Script:Html@3>",
                ],
            ),
        ];
        for (html, expected) in cases {
            assert_eq!(events(html), *expected, "{html:?}");
        }
    }

    #[test]
    fn a_long_tag_name_split_is_reported_whole() {
        let name = "x-".repeat(40);
        let html = format!("<{name} b=2>");
        for cut in 1..html.len() {
            let mut scanner = Scanner::new();
            let mut all = All(Vec::new());
            let mut carried = html.as_bytes()[..cut].to_vec();
            scanner.feed(&carried, false, &mut all);
            let keep = scanner.keep_from();
            carried.drain(..keep);
            scanner.rebase(keep);
            carried.extend_from_slice(&html.as_bytes()[cut..]);
            scanner.feed(&carried, true, &mut all);
            assert_eq!(all.0, [html.as_str()], "cut {cut}");
        }
    }

    /// Records every start tag as written.
    struct All(Vec<String>);

    impl Handler for All {
        fn wants(&self, _: TagName) -> Option<Attributes> {
            Some(Attributes::All)
        }

        fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
            self.0
                .push(String::from_utf8_lossy(&data[tag.span.clone()]).into_owned());
        }

        fn end_tag(&mut self, _: &[u8], _: &EndTag) {}
    }

    #[test]
    fn a_long_tag_is_read_once_and_kept_only_when_wanted() {
        let value = "v".repeat(100_000);
        for (name, kept) in [("section", false), ("img", true)] {
            let html = format!("<{name} alt=\"{value}\" src=x>");
            let mut scanner = Scanner::new();
            let mut rec = Recorder::default();
            let mut carried = Vec::new();
            let mut max_carried = 0;
            for piece in html.as_bytes().chunks(1000) {
                carried.extend_from_slice(piece);
                scanner.feed(&carried, false, &mut rec);
                let keep = scanner.keep_from();
                carried.drain(..keep);
                scanner.rebase(keep);
                max_carried = max_carried.max(carried.len());
            }
            assert_eq!(max_carried > 50_000, kept, "{name}");
            assert!(max_carried < html.len() + 1, "{name}");
        }
    }
}

//! A small, forgiving JavaScript lexer: enough to tell comments, strings,
//! template text, regular expressions and code apart, and to split a
//! script into its top-level statements. Pure, linear, never panics on
//! malformed input (it reports it instead).

use std::ops::Range;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `// …`, `/* … */`, or an HTML-like `<!-- …` / `--> …` line.
    Comment,
    /// A `'…'` or `"…"` string; the range includes the quotes.
    Str,
    /// The literal text of a template between `` ` ``, `${` and `}`
    /// (delimiters excluded).
    Template,
    /// A regular expression literal.
    Regex,
    /// An identifier or keyword.
    Ident,
    /// A number.
    Number,
    /// One punctuation byte.
    Punct,
}

/// A token: its kind, byte range and bracket depth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Where it is in the script.
    pub range: Range<usize>,
    /// Open `(`, `[`, `{` and `${` around it.
    pub depth: u32,
    /// Whether a line break separates it from the previous non-comment token.
    pub newline_before: bool,
}

/// A lexed script.
#[derive(Clone, Debug)]
pub struct Lexed {
    /// Every token in order, comments included.
    pub tokens: Vec<Token>,
    /// Whether the script lexed cleanly: every string, comment, template
    /// and regex closed, and brackets balanced.
    pub clean: bool,
}

/// Keywords after which a `/` starts a regular expression.
const REGEX_AFTER: [&str; 14] = [
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "instanceof",
    "new",
    "delete",
    "void",
    "throw",
    "yield",
    "await",
    "of",
];

/// A search for the end of a block comment, built once (building a
/// searcher costs more than searching a short comment).
pub(crate) static COMMENT_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("*/"));

/// Lexes `script`.
pub fn lex(script: &str) -> Lexed {
    let mut lexer = Lexer::new(script);
    lexer.lex_until(script.len());
    lexer.finish()
}

/// An incremental lexer: tokens are read on demand, so a caller that only
/// needs to know what surrounds a few early positions stops early.
#[derive(Debug)]
pub struct Lexer<'a> {
    script: &'a str,
    /// The tokens read so far.
    pub tokens: Vec<Token>,
    /// Where reading goes on.
    at: usize,
    /// One entry per open bracket: whether it is a template's `${`.
    open: Vec<bool>,
    newline: bool,
    /// Whether only whitespace and comments precede on this line (for `-->`).
    line_start: bool,
    clean: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `script`.
    pub fn new(script: &'a str) -> Lexer<'a> {
        Lexer {
            script,
            tokens: Vec::with_capacity(script.len() / 8),
            at: 0,
            open: Vec::new(),
            newline: false,
            line_start: true,
            clean: true,
        }
    }

    /// Reads tokens until byte `at` is read (and any token holding it).
    pub fn lex_until(&mut self, at: usize) {
        self.read(at, false);
    }

    /// Reads until a non-comment token follows token `index`, or the end.
    pub fn lex_past(&mut self, index: usize) {
        while self.at < self.script.len()
            && !self.tokens[index + 1..]
                .iter()
                .any(|t| t.kind != Kind::Comment)
        {
            self.read(self.at, true);
        }
    }

    /// Reads the rest and returns every token.
    pub fn finish(mut self) -> Lexed {
        self.lex_until(self.script.len());
        Lexed {
            tokens: self.tokens,
            clean: self.clean && self.open.is_empty(),
        }
    }

    /// Reads tokens (and whitespace) while the next byte is at or before
    /// `at`; with `one`, a single token or run of whitespace. The state
    /// the loop changes on every token lives in locals meanwhile.
    fn read(&mut self, at: usize, one: bool) {
        let script = self.script;
        let b = script.as_bytes();
        let mut i = self.at;
        let mut newline = self.newline;
        let mut line_start = self.line_start;
        let mut clean = self.clean;
        let tokens = &mut self.tokens;
        let open = &mut self.open;
        macro_rules! push {
            ($kind:expr, $range:expr, $depth:expr) => {{
                tokens.push(Token {
                    kind: $kind,
                    range: $range,
                    depth: $depth,
                    newline_before: newline,
                });
                newline = false;
            }};
        }
        while i <= at && i < b.len() {
            let c = b[i];
            let start = i;
            let depth = open.len() as u32;
            match CLASS[usize::from(c)] {
                SPACE => {
                    i += 1;
                    while i < b.len() && CLASS[usize::from(b[i])] == SPACE {
                        i += 1;
                    }
                }
                NEWLINE => {
                    newline = true;
                    line_start = true;
                    i += 1;
                }
                IDENT if c == b'\xE2' && is_line_separator(b, i) => {
                    newline = true;
                    line_start = true;
                    i += 3;
                }
                IDENT => {
                    line_start = false;
                    i += 1;
                    while i < b.len() && CLASS[usize::from(b[i])] <= DIGIT {
                        i += 1;
                    }
                    push!(Kind::Ident, start..i, depth);
                }
                DIGIT => {
                    line_start = false;
                    i += 1;
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                    {
                        i += 1;
                    }
                    push!(Kind::Number, start..i, depth);
                }
                OPEN => {
                    line_start = false;
                    open.push(false);
                    i += 1;
                    push!(Kind::Punct, start..i, depth);
                }
                CLOSE if c == b'}' && open.last() == Some(&true) => {
                    // The end of a template substitution: more template text follows.
                    line_start = false;
                    open.pop();
                    let (end, closed, subst) = template_end(b, i + 1);
                    clean &= closed;
                    push!(Kind::Template, i + 1..end, depth - 1);
                    i = close_template(open, end, subst, b.len());
                }
                CLOSE => {
                    line_start = false;
                    clean &= open.pop().is_some();
                    i += 1;
                    push!(Kind::Punct, start..i, depth.saturating_sub(1));
                }
                QUOTE => {
                    line_start = false;
                    let (end, closed) = string_end(b, i + 1, c);
                    clean &= closed;
                    i = end;
                    push!(Kind::Str, start..i, depth);
                }
                BACKTICK => {
                    line_start = false;
                    let (end, closed, subst) = template_end(b, i + 1);
                    clean &= closed;
                    push!(Kind::Template, i + 1..end, depth);
                    i = close_template(open, end, subst, b.len());
                }
                _ => {
                    // `/`, `<` and `-` may start a comment; anything else
                    // here is one punctuation byte.
                    let rest = &b[i..];
                    let maybe_comment = matches!(c, b'/' | b'<' | b'-');
                    let line_comment = maybe_comment
                        && (rest.starts_with(b"//")
                            || rest.starts_with(b"<!--")
                            || (line_start && rest.starts_with(b"-->")));
                    if line_comment {
                        i += memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
                        tokens.push(Token {
                            kind: Kind::Comment,
                            range: start..i,
                            depth,
                            newline_before: false,
                        });
                    } else if maybe_comment && rest.starts_with(b"/*") {
                        let body = &rest[2..];
                        match COMMENT_END.find(body) {
                            Some(end) => {
                                if memchr::memchr2(b'\n', b'\r', &body[..end]).is_some() {
                                    newline = true;
                                    line_start = true;
                                }
                                i += end + 4;
                            }
                            None => {
                                clean = false;
                                i = b.len();
                            }
                        }
                        tokens.push(Token {
                            kind: Kind::Comment,
                            range: start..i,
                            depth,
                            newline_before: false,
                        });
                    } else {
                        line_start = false;
                        if c == b'/' && regex_allowed(script, tokens) {
                            match regex_end(b, i + 1) {
                                Some(end) => {
                                    i = end;
                                    push!(Kind::Regex, start..i, depth);
                                }
                                None => {
                                    i += 1;
                                    push!(Kind::Punct, start..i, depth);
                                }
                            }
                        } else {
                            i += 1;
                            push!(Kind::Punct, start..i, depth);
                        }
                    }
                }
            }
            if one {
                break;
            }
        }
        self.at = i;
        self.newline = newline;
        self.line_start = line_start;
        self.clean = clean;
    }
}

/// Where reading goes on after template text ending at `end`: past its
/// `${` (a substitution opens) or its closing `` ` ``.
fn close_template(open: &mut Vec<bool>, end: usize, subst: bool, len: usize) -> usize {
    if subst {
        open.push(true);
        end + 2
    } else {
        (end + 1).min(len)
    }
}

/// Byte classes of the lexer's dispatch ([`CLASS`]). Identifier bytes
/// and digits come first, so that `class <= DIGIT` reads "continues an
/// identifier".
const IDENT: u8 = 0;
const DIGIT: u8 = 1;
const SPACE: u8 = 2;
const NEWLINE: u8 = 3;
const QUOTE: u8 = 4;
const BACKTICK: u8 = 5;
const OPEN: u8 = 6;
const CLOSE: u8 = 7;
/// Punctuation, and `/`, `<`, `-` (which may start a comment).
const PUNCT: u8 = 8;

/// The class of every byte.
static CLASS: [u8; 256] = {
    let mut class = [PUNCT; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        class[c] = if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b == b'\\' || b >= 0x80 {
            IDENT
        } else if b.is_ascii_digit() {
            DIGIT
        } else if b == b'\n' || b == b'\r' {
            NEWLINE
        } else if b.is_ascii_whitespace() {
            SPACE
        } else if b == b'\'' || b == b'"' {
            QUOTE
        } else if b == b'`' {
            BACKTICK
        } else if b == b'(' || b == b'[' || b == b'{' {
            OPEN
        } else if b == b')' || b == b']' || b == b'}' {
            CLOSE
        } else {
            PUNCT
        };
        c += 1;
    }
    class
};

/// U+2028 and U+2029 end lines too.
fn is_line_separator(b: &[u8], i: usize) -> bool {
    b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9))
}

/// The index after the closing `quote` of a string whose text starts at
/// `i`, and whether it was closed (a line feed ends it unclosed).
fn string_end(b: &[u8], mut i: usize, quote: u8) -> (usize, bool) {
    while let Some(found) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(quote, b'\\', b'\n', rest))
    {
        i += found;
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return (i, false),
            _ => return (i + 1, true),
        }
    }
    (b.len(), false)
}

/// Where the template text starting at `i` ends (at its closing `` ` ``
/// or `${`), whether it was closed, and whether a `${` ends it.
fn template_end(b: &[u8], mut i: usize) -> (usize, bool, bool) {
    while let Some(found) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(b'`', b'\\', b'$', rest))
    {
        i += found;
        match b[i] {
            b'\\' => i += 2,
            b'`' => return (i, true, false),
            _ if b.get(i + 1) == Some(&b'{') => return (i, true, true),
            _ => i += 1,
        }
    }
    (b.len(), false, false)
}

/// The index after a regular expression whose body starts at `i`, or
/// `None` if a line break comes first (then the `/` was a division).
fn regex_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'\n' | b'\r' => return None,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether a `/` after `tokens` starts a regular expression rather than
/// a division: at the start, after an operator or opening bracket, or
/// after a keyword such as `return`.
fn regex_allowed(script: &str, tokens: &[Token]) -> bool {
    let Some(last) = tokens.iter().rev().find(|t| t.kind != Kind::Comment) else {
        return true;
    };
    match last.kind {
        Kind::Punct => !matches!(script.as_bytes()[last.range.start], b')' | b']'),
        Kind::Ident => REGEX_AFTER.contains(&&script[last.range.clone()]),
        _ => false,
    }
}

/// Whether a line break between `prev` and `token` (both code) ends a
/// statement: read conservatively, only an identifier after an identifier,
/// literal or closing bracket starts a new one.
pub fn line_break_ends_statement(script: &str, prev: &Token, token: &Token) -> bool {
    if !token.newline_before || token.kind != Kind::Ident {
        return false;
    }
    let prev_ends_value = match prev.kind {
        Kind::Punct => matches!(&script[prev.range.clone()], ")" | "]" | "}"),
        Kind::Comment => false,
        _ => true,
    };
    prev_ends_value
        && !matches!(
            &script[token.range.clone()],
            "in" | "instanceof" | "else" | "catch" | "finally" | "while"
        )
}

/// The top-level statements of a cleanly lexed script, as ranges of
/// token indices (comments between statements belong to none).
///
/// A statement ends at a top-level `;`, or at a line break where the
/// next token cannot continue it (automatic semicolon insertion, read
/// conservatively: only an identifier after an identifier, literal or
/// closing bracket starts a new statement).
pub fn statements(script: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut statements = Vec::new();
    let mut first: Option<usize> = None;
    let mut previous: Option<&Token> = None;
    for (index, token) in tokens.iter().enumerate() {
        if token.kind == Kind::Comment {
            continue;
        }
        if let (Some(start), Some(prev)) = (first, previous) {
            if token.depth == 0 && line_break_ends_statement(script, prev, token) {
                statements.push(start..index);
                first = None;
            }
        }
        // A punctuation token is one byte.
        let semicolon = token.kind == Kind::Punct
            && token.depth == 0
            && script.as_bytes()[token.range.start] == b';';
        if first.is_none() {
            if semicolon {
                previous = Some(token);
                continue;
            }
            first = Some(index);
        }
        if semicolon {
            statements.push(first.take().expect("set above")..index + 1);
        }
        previous = Some(token);
    }
    if let Some(start) = first {
        statements.push(start..tokens.len());
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(script: &str) -> Vec<(Kind, &str)> {
        lex(script)
            .tokens
            .into_iter()
            .map(|t| (t.kind, &script[t.range]))
            .collect()
    }

    #[test]
    fn reading_in_steps_gives_the_tokens_of_one_pass() {
        let script = "a = 'x//y' / 2; // c\n/* d\n */ b = /re\\/[/]x/g.test(`t${u + `v`}w`);\u{2028}<!-- h\n--> i\r\n  f(\u{e9}x, 1.5e3)\x0c}";
        let whole = lex(script);
        for step in 1..8 {
            let mut lexer = Lexer::new(script);
            let mut at = 0;
            while at < script.len() {
                lexer.lex_until(at);
                at += step;
            }
            let stepped = lexer.finish();
            assert_eq!(stepped.tokens, whole.tokens, "step {step}");
            assert_eq!(stepped.clean, whole.clean);
        }
        for index in 0..whole.tokens.len() - 1 {
            let mut lexer = Lexer::new(script);
            lexer.lex_until(whole.tokens[index].range.start);
            lexer.lex_past(index);
            assert_eq!(lexer.finish().tokens, whole.tokens, "past token {index}");
        }
    }

    #[test]
    fn tells_comments_strings_templates_and_regexes_apart() {
        use Kind::*;
        let script =
            "a = 'x//y' / 2; // c\n/* d */ b = /re\\/[/]x/g.test(`t${u + `v`}w`);<!-- h\n--> i";
        assert_eq!(
            kinds(script),
            [
                (Ident, "a"),
                (Punct, "="),
                (Str, "'x//y'"),
                (Punct, "/"),
                (Number, "2"),
                (Punct, ";"),
                (Comment, "// c"),
                (Comment, "/* d */"),
                (Ident, "b"),
                (Punct, "="),
                (Regex, "/re\\/[/]x/g"),
                (Punct, "."),
                (Ident, "test"),
                (Punct, "("),
                (Template, "t"),
                (Ident, "u"),
                (Punct, "+"),
                (Template, "v"),
                (Template, "w"),
                (Punct, ")"),
                (Punct, ";"),
                (Comment, "<!-- h"),
                (Comment, "--> i"),
            ]
        );
        assert!(lex(script).clean);
    }

    #[test]
    fn division_after_values_and_regex_after_keywords() {
        assert_eq!(
            kinds("x = a / b / c")
                .iter()
                .filter(|(k, _)| *k == Kind::Regex)
                .count(),
            0
        );
        assert_eq!(kinds("return /a/.test(s)")[1], (Kind::Regex, "/a/"));
        // A `/` whose "regex" would cross a line is a division.
        assert_eq!(kinds("(a)\n/ 2 + x /* */")[3], (Kind::Punct, "/"));
    }

    #[test]
    fn malformed_input_is_reported_not_fatal() {
        for script in [
            "'open", "\"a\nb\"", "/* open", "`open ${", "f(", ")", "}", "'\\", "`${`",
        ] {
            assert!(!lex(script).clean, "{script:?}");
        }
        assert!(lex("").clean);
        assert!(lex("é = '€'; /ü/").clean);
    }

    #[test]
    fn splits_top_level_statements() {
        let script = "MathJax.Hub.Config({a: 1});\n(function(){ var s = 1; f(s) })();\nvar x = 1\nvar y = 2\nz(x)\n(y)\nif (x) { a() }\nelse { b() }\ntry { c() }\ncatch (e) {}";
        let lexed = lex(script);
        let texts: Vec<&str> = statements(script, &lexed.tokens)
            .into_iter()
            .map(|s| {
                let tokens = &lexed.tokens[s];
                &script[tokens[0].range.start..tokens.last().unwrap().range.end]
            })
            .collect();
        assert_eq!(
            texts,
            [
                "MathJax.Hub.Config({a: 1});",
                "(function(){ var s = 1; f(s) })();",
                "var x = 1",
                "var y = 2",
                "z(x)\n(y)",
                "if (x) { a() }\nelse { b() }",
                "try { c() }\ncatch (e) {}",
            ]
        );
    }
}

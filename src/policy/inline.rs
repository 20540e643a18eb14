//! Inline-script decisions: which tag rule's loader an inline `<script>`
//! holds, judged from loader signatures and tracker host names found in
//! one pass over the text, and lexed only when one is found (or, in a
//! small script, when a URL in it may be spelled so that no literal is
//! found, or it decodes strings). Pure.

use std::ops::Range;
use std::sync::Arc;

use super::category::{Category, CategorySet};
use super::js::{self, Kind, Lexer, Token};
use super::literal_set::{Hit, LiteralSet};
use super::tags::RuleId;

/// Inline scripts up to this size are also searched for tracker host names;
/// larger ones (bundles, serialized state) only for loader signatures.
pub const SMALL_INLINE_SCRIPT: usize = 8 * 1024;

/// A literal searched for in inline scripts, and what it stands for.
#[derive(Clone, Debug)]
pub(crate) struct InlineLiteral {
    /// The literal, matched ASCII case-insensitively.
    pub(crate) text: String,
    /// The rule it belongs to.
    pub(crate) rule: RuleId,
    /// That rule's category.
    pub(crate) category: Category,
    /// A tracker host name (matched only in small scripts, as a whole name)
    /// rather than a loader signature.
    pub(crate) host: bool,
}

/// Inline scripts shorter than this are judged afresh every time (cheaper
/// than a cache lookup).
const MIN_CACHED_SCRIPT: usize = 64;
/// How many verdicts the cache keeps.
const CACHED_VERDICTS: usize = 16 * 1024;

/// The compiled inline-script literals of every tag rule.
#[derive(Clone, Debug)]
pub(crate) struct InlineMatcher {
    /// Loader signatures and tracker host names, searched in one pass
    /// over a small script.
    set: Option<LiteralSet>,
    /// Loader signatures only, for large scripts (host names do not count
    /// there): its hits index `signatures`.
    signature_set: Option<LiteralSet>,
    /// What each literal of `set` stands for.
    literals: Vec<InlineLiteral>,
    /// The index in `literals` of each literal of `signature_set`.
    signatures: Vec<usize>,
    /// Verdicts already reached, shared by every response of one
    /// configuration: a site serves the same inline scripts on every page.
    verdicts: Arc<VerdictCache>,
}

/// Verdicts by script content (a 128-bit hash and the length), the grants
/// and whether removal was asked for.
struct VerdictCache(quick_cache::sync::Cache<VerdictKey, Judged>);

/// A script's hash and length, the grants, whether removal and only loaded
/// code were asked for, and a hash of the earlier scripts' bindings it
/// names (0 for none).
type VerdictKey = (u128, usize, CategorySet, bool, bool, u64);

/// A verdict and the names the script binds to tracker hosts.
#[derive(Clone, Debug, Default)]
struct Judged {
    verdict: Option<InlineVerdict>,
    binds: HostBindings,
}

/// The names an inline script binds to tracker hosts, if any.
pub type HostBindings = Option<Arc<[HostBinding]>>;

/// A name (`var h = 'tracker.example'`) or property (`{host:
/// 'tracker.example'}`) an inline script binds to a string naming a
/// tracker host: a later script of the same page that glues it into a URL
/// loads from that host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostBinding {
    /// A property rather than a name.
    pub property: bool,
    /// The name or property.
    pub name: Box<str>,
    /// The string bound to it.
    pub value: Box<str>,
}

impl std::fmt::Debug for VerdictCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerdictCache")
            .field("len", &self.0.len())
            .finish()
    }
}

impl InlineMatcher {
    /// Compiles `literals`.
    pub(crate) fn new(literals: Vec<InlineLiteral>) -> InlineMatcher {
        let texts: Vec<String> = literals.iter().map(|l| l.text.clone()).collect();
        let signatures: Vec<usize> = (0..literals.len()).filter(|&i| !literals[i].host).collect();
        let signature_texts: Vec<String> = signatures.iter().map(|&i| texts[i].clone()).collect();
        InlineMatcher {
            set: LiteralSet::new(&texts),
            signature_set: LiteralSet::new(&signature_texts),
            literals,
            signatures,
            verdicts: Arc::new(VerdictCache(quick_cache::sync::Cache::new(CACHED_VERDICTS))),
        }
    }

    /// The first rule not covered by `granted` whose loader an inline
    /// script holds, and what to remove (see [`InlineMatcher::decide`]).
    pub(crate) fn find(&self, text: &str, granted: CategorySet) -> Option<RuleId> {
        self.judge_cached(text, granted, false, false, &[])
            .verdict
            .map(|verdict| verdict.rule)
    }

    /// Judges an inline script: the first rule not covered by `granted`
    /// whose loader it holds, and what to remove.
    ///
    /// One pass finds every literal. Only when one of a rule not granted
    /// is found is the script lexed, so that:
    /// - a loader signature counts anywhere but in a comment;
    /// - a tracker host name (as a whole name, in a small script only)
    ///   counts only where a loader could fetch it: in a URL-shaped string
    ///   (`'https://host/…'`, `'//host/…'`, `'.host/path.js'`, an HTML
    ///   `src="//host/…"` inside a string), or as a bare `'host…'` string
    ///   used by a loader (concatenated, assigned to `src`, passed to
    ///   `import(`, `fetch(`, `setAttribute('src', …)` and the like);
    ///   never in a comment or in prose inside a string, nor in a URL the
    ///   page navigates to (`window.open(…)`, `location = …`, a share
    ///   dialog or intent);
    /// - a script that only assigns data literals is no loader: a large
    ///   one never matches, a small one only through a signature written
    ///   as code (`var addthis_pub = '…'` belongs to its tag; a host or
    ///   URL in a site's config object is data).
    ///
    /// When the loaders sit in statements that the rest of the script does
    /// not depend on, only those statements are removed.
    pub(crate) fn decide(&self, text: &str, granted: CategorySet) -> Option<InlineVerdict> {
        self.judge_cached(text, granted, true, false, &[]).verdict
    }

    /// [`Self::decide`] for a script of a page whose earlier scripts bound
    /// the names `earlier` to tracker hosts: a name among them that this
    /// script glues into a URL (and does not bind itself) stands for its
    /// host. Also answers the names this script binds to tracker hosts.
    pub(crate) fn decide_in_page(
        &self,
        text: &str,
        granted: CategorySet,
        earlier: &[HostBinding],
    ) -> (Option<InlineVerdict>, HostBindings) {
        let judged = self.judge_cached(text, granted, true, false, earlier);
        (judged.verdict, judged.binds)
    }

    /// [`Self::decide`] for code the visitor sets off (a click handler, a
    /// `javascript:` link): a tracker host counts only where a loader uses
    /// it (assigned to a `src`, passed to `fetch(`, concatenated…), not in
    /// a bare URL string, which in such code is mostly a page the visitor
    /// is sent to or a label for a click (`trackClick('https://…')`).
    pub(crate) fn decide_triggered(
        &self,
        text: &str,
        granted: CategorySet,
    ) -> Option<InlineVerdict> {
        self.judge_cached(text, granted, true, true, &[]).verdict
    }

    /// Forgets every verdict reached so far (benchmarks of the first
    /// sight of a script use it).
    pub(crate) fn forget_verdicts(&self) {
        self.verdicts.0.clear();
    }

    /// [`Self::judge`], remembered for scripts long enough to be worth it,
    /// by text, grants and the `earlier` bindings the script names. The names
    /// the script binds to tracker hosts are read (for [`Self::decide_in_page`],
    /// with `removal` and without `loaded_only`) only when a tracker host
    /// was found in it.
    fn judge_cached(
        &self,
        text: &str,
        granted: CategorySet,
        removal: bool,
        loaded_only: bool,
        earlier: &[HostBinding],
    ) -> Judged {
        let earlier_named = !earlier.is_empty() && names_any(text.as_bytes(), earlier);
        let earlier = if earlier_named { earlier } else { &[] };
        if text.len() < MIN_CACHED_SCRIPT || self.set.is_none() {
            return self.judge_binding(text, granted, removal, loaded_only, earlier);
        }
        let key = (
            xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            text.len(),
            granted,
            removal,
            loaded_only,
            bindings_hash(earlier),
        );
        if let Some(judged) = self.verdicts.0.get(&key) {
            return judged;
        }
        let judged = self.judge_binding(text, granted, removal, loaded_only, earlier);
        self.verdicts.0.insert(key, judged.clone());
        judged
    }

    /// [`Self::judge`], and the names the script binds to tracker hosts
    /// when it holds one (see [`Self::judge_cached`]).
    fn judge_binding(
        &self,
        text: &str,
        granted: CategorySet,
        removal: bool,
        loaded_only: bool,
        earlier: &[HostBinding],
    ) -> Judged {
        let mut host_hit = false;
        let verdict = self.judge(text, granted, removal, loaded_only, earlier, &mut host_hit);
        let binds = (host_hit && removal && !loaded_only)
            .then(|| self.host_bindings(text, granted))
            .filter(|binds| !binds.is_empty())
            .map(Arc::from);
        Judged { verdict, binds }
    }

    /// The names and properties a script binds to a string naming a
    /// tracker host of a rule not covered by `granted`.
    fn host_bindings(&self, text: &str, granted: CategorySet) -> Vec<HostBinding> {
        let Some(set) = self.set.as_ref() else {
            return Vec::new();
        };
        let lexed = js::lex(text);
        let tokens = &lexed.tokens;
        let code: Vec<usize> = (0..tokens.len())
            .filter(|&i| tokens[i].kind != Kind::Comment)
            .collect();
        let mut binds: Vec<HostBinding> = string_constants(text, tokens, &code, &[])
            .into_iter()
            .filter(|(_, value)| {
                let bytes = value.as_bytes();
                set.hits(value).iter().any(|hit| {
                    let literal = &self.literals[hit.pattern];
                    literal.host && !granted.contains(literal.category) && is_whole_host(bytes, hit)
                })
            })
            .map(|((property, name), value)| HostBinding {
                property,
                name: name.into(),
                value: value.into(),
            })
            .collect();
        binds.sort_by(|a, b| (a.property, &a.name).cmp(&(b.property, &b.name)));
        binds
    }

    /// [`Self::decide`]; without `removal`, it stops lexing at the first
    /// loader and always answers `Whole`; with `loaded_only`, as
    /// [`Self::decide_triggered`]; `earlier`, as [`Self::decide_in_page`].
    /// Sets `host_hit` when, with `removal`, a tracker host (of a rule not
    /// granted) is found in a string a name or property may be bound to
    /// (see [`Self::host_bindings`]).
    fn judge(
        &self,
        text: &str,
        granted: CategorySet,
        removal: bool,
        loaded_only: bool,
        earlier: &[HostBinding],
        host_hit: &mut bool,
    ) -> Option<InlineVerdict> {
        let small = text.len() <= SMALL_INLINE_SCRIPT;
        let bytes = text.as_bytes();
        let hits = if small {
            self.set.as_ref()?.hits(text)
        } else {
            let mut hits = self.signature_set.as_ref()?.hits(text);
            for hit in &mut hits {
                hit.pattern = self.signatures[hit.pattern];
            }
            hits
        };
        let candidates: Vec<Hit> = hits
            .into_iter()
            .filter(|hit| {
                let literal = &self.literals[hit.pattern];
                !granted.contains(literal.category) && (!literal.host || is_whole_host(bytes, hit))
            })
            .collect();
        if candidates.is_empty() {
            return self.judge_spelled_hosts(
                text,
                granted,
                removal,
                loaded_only,
                false,
                None,
                None,
                earlier,
            );
        }
        let mut data: Option<bool> = None;
        let mut is_data = || *data.get_or_insert_with(|| is_data_assignment(text));
        if !small && is_data() {
            return None;
        }
        let mut lexer = Lexer::new(text);
        let mut counting: Vec<&Hit> = Vec::new();
        for hit in &candidates {
            let host = self.literals[hit.pattern].host;
            // A signature in code that no comment or text can reach needs
            // no lexing.
            let plain = !host && !removal && !is_data();
            let counts = if plain && !maybe_in_comment_or_text(bytes, hit.start) {
                true
            } else {
                lexer.lex_until(hit.start);
                let token = token_at(&lexer.tokens, hit.start);
                let in_text =
                    token.is_some_and(|(_, t)| matches!(t.kind, Kind::Str | Kind::Template));
                if host {
                    if let Some((index, t)) = token {
                        *host_hit |= removal
                            && t.kind == Kind::Str
                            && may_be_bound(text, &lexer.tokens, index);
                    }
                    match token {
                        Some((index, t)) if in_text => {
                            let content = content(text, t);
                            let bare = t.kind == Kind::Str && is_bare_host(&text[content.clone()]);
                            lex_two_past(&mut lexer, index);
                            fetchable_host(text, &lexer.tokens, index, content, hit)
                                && (!loaded_only || used_by_loader(text, &lexer.tokens, index))
                                && !is_data()
                                && !(bare && {
                                    lexer.lex_until(text.len());
                                    host_stays_put(text, &lexer.tokens, index)
                                })
                        }
                        _ => false,
                    }
                } else {
                    let in_comment = token.is_some_and(|(_, t)| t.kind == Kind::Comment);
                    // A signature that is a string's whole text naming a
                    // host (`'connect.facebook.net'`) is listed, compared
                    // or looked up as often as fetched: it counts where it
                    // may reach a fetch.
                    let string = token.filter(|_| in_text).map(|(index, t)| {
                        let bare = t.kind == Kind::Str && is_bare_host(&text[content(text, t)]);
                        (index, bare)
                    });
                    // A regular expression a string is tested against.
                    let regex = token
                        .filter(|(_, t)| t.kind == Kind::Regex)
                        .map(|(index, _)| index);
                    let printed = string.is_some_and(|(index, _)| {
                        lex_two_past(&mut lexer, index);
                        loads_nothing(text, &lexer.tokens, index)
                    });
                    let listed = !printed
                        && string.is_some_and(|(index, bare)| {
                            bare && {
                                lexer.lex_until(text.len());
                                host_stays_put(text, &lexer.tokens, index)
                            }
                        });
                    let pattern = regex.is_some_and(|index| {
                        lex_two_past(&mut lexer, index);
                        matches_only(text, &lexer.tokens, index)
                    });
                    !(in_comment || pattern || in_text && (is_data() || printed || listed))
                }
            };
            if counts {
                counting.push(hit);
                if !removal {
                    break;
                }
            }
        }
        let Some(first) = counting.first() else {
            let host_seen = candidates.iter().any(|hit| self.literals[hit.pattern].host);
            return self.judge_spelled_hosts(
                text,
                granted,
                removal,
                loaded_only,
                host_seen,
                Some(lexer),
                data,
                earlier,
            );
        };
        let rule = self.literals[first.pattern].rule;
        if !removal {
            return Some(InlineVerdict {
                rule,
                removal: InlineRemoval::Whole,
            });
        }
        let lexed = lexer.finish();
        let removal = if lexed.clean {
            let starts: Vec<usize> = counting.iter().map(|hit| hit.start).collect();
            statement_removal(text, &lexed.tokens, &starts)
        } else {
            InlineRemoval::Whole
        };
        Some(InlineVerdict { rule, removal })
    }

    /// [`Self::judge`] of a small script in which no literal counts: by
    /// the tracker hosts its URL strings spell only once the script reads
    /// their escapes (`\x2e`, `\u002e`) and the URL parser cleans them up
    /// (percent-encoding, a fullwidth dot or soft hyphen, userinfo, tabs,
    /// a scheme without `//`), and by the strings it decodes (`atob('…')`,
    /// `unescape('…')`): a tracker URL, or code that loads one, and by the
    /// strings it runs as code (`setTimeout('…')`, `Function('…')`, a
    /// `Blob`'s). Such a string counts as a URL string does when its host
    /// is written plainly.
    ///
    /// Most scripts are let go by a few byte searches: it reads on only
    /// when a tracker host was seen where it did not count (`host_seen`),
    /// or the text holds something that can hide one, or a decoder call.
    /// What [`Self::judge`] already read of the text is passed on: its
    /// lexer, and whether the script only assigns data.
    #[allow(clippy::too_many_arguments)]
    fn judge_spelled_hosts(
        &self,
        text: &str,
        granted: CategorySet,
        removal: bool,
        loaded_only: bool,
        host_seen: bool,
        lexer: Option<Lexer<'_>>,
        data: Option<bool>,
        earlier: &[HostBinding],
    ) -> Option<InlineVerdict> {
        if text.len() > SMALL_INLINE_SCRIPT {
            return None;
        }
        let bytes = text.as_bytes();
        // The cheapest and rarest first: most scripts hide no host.
        let glue = glues_strings(bytes);
        // A name an earlier script bound to a tracker host, named here.
        let named = !earlier.is_empty();
        let may_hide = host_seen || named || glue != Glue::None || may_hide_host(bytes);
        // A URL starts with `//`, a scheme, or backslashes (or escapes).
        let url_may_hide = may_hide && TRIGGERS.url_start.is_match(bytes);
        // A tracker host that did not count may be glued in by a name.
        let glues = url_may_hide && (glue != Glue::None || host_seen || named);
        // A host no string spells whole, pieced together from names only,
        // counts where a loader takes it (a link it sets navigates).
        let pieced_only = glue == Glue::Names && !host_seen && !named;
        if !(url_may_hide || TRIGGERS.decoder_calls.is_match(bytes))
            || data.unwrap_or_else(|| is_data_assignment(text))
        {
            return None;
        }
        let lexed = lexer.map_or_else(|| js::lex(text), Lexer::finish);
        // The strings the script glues together, read once, when needed.
        let mut glued: Option<Vec<(usize, String)>> = None;
        let mut rule = None;
        let mut counting = Vec::new();
        for (index, token) in lexed.tokens.iter().enumerate() {
            if token.kind == Kind::Ident
                && matches!(&text[token.range.clone()], "fromCharCode" | "fromCodePoint")
            {
                // `String.fromCharCode(104, 116, …)` (or `fromCodePoint`): a
                // URL or code spelled in character codes.
                let found = char_codes(text, &lexed.tokens, index).and_then(|decoded| {
                    self.tracker_url(&decoded, granted).or_else(|| {
                        self.judge(&decoded, granted, false, false, &[], &mut false)
                            .map(|verdict| verdict.rule)
                    })
                });
                if found.is_some() {
                    rule = rule.or(found);
                    counting.push(token.range.start);
                    if !removal {
                        break;
                    }
                }
                continue;
            }
            if !matches!(token.kind, Kind::Str | Kind::Template) {
                continue;
            }
            let literal = &text[content(text, token)];
            let decoded = decoded_argument(text, &lexed.tokens, index, literal)
                .or_else(|| data_url_code(literal));
            let found = match decoded {
                // Decoded JSON is data, not code.
                Some(decoded) => self.tracker_url(&decoded, granted).or_else(|| {
                    serde_json::from_str::<serde_json::Value>(&decoded)
                        .is_err()
                        .then(|| self.judge(&decoded, granted, false, false, &[], &mut false))
                        .flatten()
                        .map(|verdict| verdict.rule)
                }),
                None if runs_as_code(text, &lexed.tokens, index) => {
                    let code = js_unescape(literal);
                    // JSON (a script's structured data) loads nothing.
                    serde_json::from_str::<serde_json::Value>(&code)
                        .is_err()
                        .then(|| self.judge(&code, granted, false, loaded_only, &[], &mut false))
                        .flatten()
                        .map(|verdict| verdict.rule)
                }
                None if !loaded_only || used_by_loader(text, &lexed.tokens, index) => {
                    let spelled = may_spell_host(literal.as_bytes(), host_seen)
                        .then(|| self.tracker_url(literal, granted))
                        .flatten();
                    spelled.or_else(|| {
                        if !glues {
                            return None;
                        }
                        let glued = glued
                            .get_or_insert_with(|| glued_strings(text, &lexed.tokens, earlier));
                        let at = glued.binary_search_by_key(&index, |(i, _)| *i).ok()?;
                        if pieced_only && !feeds_loader(text, &lexed.tokens, index) {
                            return None;
                        }
                        self.tracker_url(&glued[at].1, granted)
                    })
                }
                None => None,
            };
            if found.is_none() || loads_nothing(text, &lexed.tokens, index) {
                continue;
            }
            rule = rule.or(found);
            counting.push(token.range.start);
            if !removal {
                break;
            }
        }
        let rule = rule?;
        let removal = if removal && lexed.clean {
            statement_removal(text, &lexed.tokens, &counting)
        } else {
            InlineRemoval::Whole
        };
        Some(InlineVerdict { rule, removal })
    }

    /// The rule not covered by `granted` of a tracker URL that the text of
    /// a string literal spells (see [`spelled_urls`]).
    fn tracker_url(&self, literal: &str, granted: CategorySet) -> Option<RuleId> {
        let set = self.set.as_ref()?;
        spelled_urls(literal).into_iter().find_map(|url| {
            let host = url.host_str()?;
            let hit = set.hits(host).into_iter().find(|hit| {
                let literal = &self.literals[hit.pattern];
                literal.host
                    && !granted.contains(literal.category)
                    && is_whole_host(host.as_bytes(), hit)
            })?;
            (!is_page_path(url.path())).then_some(self.literals[hit.pattern].rule)
        })
    }
}

/// Calls that decode the string they are given (into code or a URL).
const DECODER_CALLS: [&str; 4] = ["atob", "unescape", "decodeURIComponent", "decodeURI"];

/// How `data:` URLs of code or markup start, as scripts write them (see
/// [`data_url_code`]).
const DATA_CODE_STARTS: [&str; 7] = [
    "data:text/javascript",
    "data:application/javascript",
    "data:application/x-javascript",
    "data:text/html",
    "data:text/plain",
    "data:,",
    "data:;",
];

/// The searches that let most scripts skip [`InlineMatcher::judge_spelled_hosts`],
/// each one pass (aho-corasick's packed searcher), built once.
struct Triggers {
    /// A decoder call's name, or the start of a `data:` URL of code.
    decoder_calls: aho_corasick::AhoCorasick,
    /// What a URL starts with: `//`, a scheme's `ttp`, a backslash.
    url_start: aho_corasick::AhoCorasick,
    /// An array joined: `].join(`.
    join: memchr::memmem::Finder<'static>,
    /// A named array joined: `.join(`.
    bound_join: memchr::memmem::Finder<'static>,
    /// A template's substitution: `${`.
    substitution: memchr::memmem::Finder<'static>,
    /// A string literal substituted into a template (`${'`, `${"`), or
    /// given more by `concat` (`'.concat(`).
    substituted_literal: aho_corasick::AhoCorasick,
}

static TRIGGERS: std::sync::LazyLock<Triggers> = std::sync::LazyLock::new(|| {
    let searcher = |patterns: &[String]| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(patterns)
            .expect("fixed patterns build")
    };
    Triggers {
        decoder_calls: searcher(
            &DECODER_CALLS
                .iter()
                .chain(&["fromCharCode", "fromCodePoint"])
                .chain(&DATA_CODE_STARTS)
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        ),
        url_start: searcher(&["//", "ttp", "\\"].map(String::from)),
        join: memchr::memmem::Finder::new("].join("),
        bound_join: memchr::memmem::Finder::new(".join("),
        substitution: memchr::memmem::Finder::new("${"),
        substituted_literal: searcher(
            &["${'", "${\"", "'.concat(", "\".concat(", "`.concat("].map(String::from),
        ),
    }
});

/// Whether the script glues two string literals by `+` (a space on either
/// side at most: `'…'+'…'`, `"…" + '…'`), joins an array (`].join(`,
/// or `.join(` in a script that binds a name to an array of strings),
/// substitutes a string literal into a template (`` `…${'…'}…` ``), or
/// glues by `concat` (`'…'.concat(`): [`Glue::Literals`]. In a script that
/// binds a name to a string, a name glued to a string
/// (`'https://www.' + a + b`) or substituted into a template
/// (`` `https://${h}/` ``) is [`Glue::Names`].
/// One pass to each `+`: a search for every quote–plus–quote spelling
/// would stop at every quote.
fn glues_strings(bytes: &[u8]) -> Glue {
    // The end or start of a name, a property or an index: `h`, `cfg.host`, `p[0]`.
    let is_name = |b: Option<&u8>| {
        b.is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b']'))
    };
    let mut name_glued = false;
    let literals_glued = memchr::memchr_iter(b'+', bytes).any(|at| {
        let before = &bytes[..at];
        let after = &bytes[at + 1..];
        let before = before.strip_suffix(b" ").unwrap_or(before).last();
        let after = after.strip_prefix(b" ").unwrap_or(after).first();
        name_glued |= is_quote(before) && is_name(after) || is_name(before) && is_quote(after);
        is_quote(before) && is_quote(after)
    });
    if literals_glued
        || TRIGGERS.join.find(bytes).is_some()
        || (TRIGGERS.bound_join.find(bytes).is_some() && binds_string_array(bytes))
        || TRIGGERS.substituted_literal.is_match(bytes)
    {
        Glue::Literals
    } else if (name_glued || TRIGGERS.substitution.find(bytes).is_some()) && binds_string(bytes) {
        Glue::Names
    } else {
        Glue::None
    }
}

/// Whether `b` opens or closes a string or a template.
fn is_quote(b: Option<&u8>) -> bool {
    matches!(b, Some(b'\'' | b'"' | b'`'))
}

/// How a script may glue strings together (see [`glues_strings`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Glue {
    /// It glues no strings.
    None,
    /// Only names or properties to strings: `'https://www.' + a + b`.
    Names,
    /// Literals to literals, arrays joined, literals substituted.
    Literals,
}

/// Whether the script may bind a name or property to a string: an `=` or
/// `:` (a space after it at most) before a quote.
fn binds_string(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'=', b':', bytes).any(|at| {
        let after = &bytes[at + 1..];
        is_quote(after.strip_prefix(b" ").unwrap_or(after).first())
    })
}

/// Whether the script may bind a name to an array literal of strings: an
/// `=` (a space on either side at most) before `[` and a quote.
fn binds_string_array(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'[', bytes).any(|at| {
        let before = &bytes[..at];
        let after = &bytes[at + 1..];
        before.strip_suffix(b" ").unwrap_or(before).last() == Some(&b'=')
            && is_quote(after.strip_prefix(b" ").unwrap_or(after).first())
    })
}

/// The string literals the script glues together, by the token index of
/// the first and their text joined: `'https://www.' + 'tracker.example' +
/// '/t.js'`, the items of an array literal (`['https://www.',
/// 'tracker.example', '/t.js'].join('')`, joined by the separator given),
/// or a template's text and substitutions (`` `https://${host}/t.js` ``).
/// Only runs of two or more, keyed by their first string or template
/// token. A name or property the script binds once to a string (`var h =
/// 'tracker.example'`, `{host: 'tracker.example'}`, read as `h`,
/// `window.h`, `cfg.host` or `cfg['host']`), or that an earlier script
/// bound to one (`earlier`), glues as that string; so does a name bound
/// to an array of strings, joined (`p.join('.')`), or to a run itself.
/// `'…'.concat(a, b)` (Babel's template) glues as `'…' + a + b`.
fn glued_strings(text: &str, tokens: &[Token], earlier: &[HostBinding]) -> Vec<(usize, String)> {
    let code: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].kind != Kind::Comment)
        .collect();
    let constants = string_constants(text, tokens, &code, earlier);
    let joins = bound_array_joins(text, tokens, &code);
    let mut derived = foldhash::HashMap::default();
    let runs = glue_runs(text, tokens, &code, &constants, &joins, &derived);
    // A name bound to a glued run (`var h = 'www.tracker' + '.example'`,
    // `var h = ['www', 'tracker', 'example'].join('.')`) glues as its text.
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let kind = |c: usize| code.get(c).map(|&i| tokens[i].kind);
    for run in &runs {
        let start = if run.start > 0 && symbol(run.start - 1) == "[" {
            run.start - 1
        } else {
            run.start
        };
        let ended = code.get(run.end).is_none_or(|&i| {
            tokens[i].newline_before || matches!(symbol(run.end), ";" | "," | "}")
        });
        let binds = start >= 2
            && symbol(start - 1) == "="
            && kind(start - 2) == Some(Kind::Ident)
            && (start < 3 || symbol(start - 3) != ".");
        if binds && ended {
            derived
                .entry(symbol(start - 2))
                .or_insert_with(|| run.text.clone());
        }
    }
    if derived.is_empty() {
        return runs.into_iter().map(|run| (run.key, run.text)).collect();
    }
    glue_runs(text, tokens, &code, &constants, &joins, &derived)
        .into_iter()
        .map(|run| (run.key, run.text))
        .collect()
}

/// A run of glued strings (see [`glued_strings`]): its first and past-last
/// code indexes, the token index of its first string, and its text.
struct GlueRun {
    start: usize,
    end: usize,
    key: usize,
    text: String,
}

/// The runs [`glued_strings`] reads, `code` indexing the tokens that are not
/// comments, with the names and properties bound to strings (`constants`),
/// the joins of named arrays (`joins`, see [`bound_array_joins`]) and the
/// names bound to runs read before (`derived`).
fn glue_runs<'t>(
    text: &'t str,
    tokens: &[Token],
    code: &[usize],
    constants: &std::collections::HashMap<(bool, &'t str), &'t str>,
    joins: &foldhash::HashMap<usize, (String, usize)>,
    derived: &foldhash::HashMap<&'t str, String>,
) -> Vec<GlueRun> {
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let kind = |c: usize| code.get(c).map(|&i| tokens[i].kind);
    let literal = |c: usize| &text[content(text, &tokens[code[c]])];
    // The string an item starting at `c` stands for, and where it ends.
    let item_at = |c: usize| -> Option<(&str, usize)> {
        if let Some((joined, next)) = joins.get(&c) {
            return Some((joined.as_str(), *next));
        }
        match kind(c)? {
            Kind::Str => Some((literal(c), c + 1)),
            // Not a property read by itself.
            Kind::Ident if c == 0 || symbol(c - 1) != "." => {
                let (mut name, mut properties, mut next) = (symbol(c), 0, c + 1);
                loop {
                    if symbol(next) == "." && kind(next + 1) == Some(Kind::Ident) {
                        name = symbol(next + 1);
                        next += 2;
                    } else if symbol(next) == "["
                        && kind(next + 1) == Some(Kind::Str)
                        && symbol(next + 2) == "]"
                    {
                        name = literal(next + 1);
                        next += 3;
                    } else {
                        break;
                    }
                    properties += 1;
                }
                if matches!(symbol(next), "(" | "[") {
                    return None;
                }
                let value = constants
                    .get(&(properties > 0, name))
                    .copied()
                    .or_else(|| {
                        // `window.h` is the global `h`.
                        let global = properties == 1 && GLOBAL_OBJECTS.contains(&symbol(c));
                        global
                            .then(|| constants.get(&(false, name)).copied())
                            .flatten()
                    })
                    .or_else(|| {
                        (properties == 0)
                            .then(|| derived.get(name).map(String::as_str))
                            .flatten()
                    })?;
                Some((value, next))
            }
            _ => None,
        }
    };
    // The pieces of the string, template or bound name starting at `c`,
    // where it ends, whether it is a literal, and whether it was read to
    // its end (not a template cut at a substitution of unknown text).
    let unit_at = |c: usize| -> Option<(Vec<&str>, usize, bool, bool)> {
        if kind(c)? != Kind::Template {
            let (piece, next) = item_at(c)?;
            return Some((vec![piece], next, kind(c) == Some(Kind::Str), true));
        }
        let mut pieces = vec![literal(c)];
        let mut t = c;
        // `${…}` after the text: a substitution, then more text after `}`.
        while text[tokens[code[t]].range.end..].starts_with("${") {
            let resumed = item_at(t + 1).filter(|&(_, next)| {
                kind(next) == Some(Kind::Template)
                    && text.as_bytes()[tokens[code[next]].range.start - 1] == b'}'
            });
            let Some((piece, next)) = resumed else {
                return Some((pieces, t + 1, true, false));
            };
            pieces.extend([piece, literal(next)]);
            t = next;
        }
        Some((pieces, t + 1, true, true))
    };
    let mut runs = Vec::new();
    let mut c = 0;
    while c < code.len() {
        let Some((mut pieces, mut next, is_literal, mut whole)) = unit_at(c) else {
            c += 1;
            continue;
        };
        let mut key = is_literal.then_some(code[c]);
        // A `,` glues only the items of an array literal.
        let in_array = c > 0 && symbol(c - 1) == "[";
        while whole {
            if symbol(next) == "+" || (in_array && symbol(next) == ",") {
                let Some((more, after, is_literal, read)) = unit_at(next + 1) else {
                    break;
                };
                if is_literal && key.is_none() {
                    key = Some(code[next + 1]);
                }
                pieces.extend(more);
                (next, whole) = (after, read);
            } else if symbol(next) == "." && symbol(next + 1) == "concat" && symbol(next + 2) == "("
            {
                // `'…'.concat(a, '…')`, as Babel writes a template.
                let mut at = next + 3;
                whole = false;
                while let Some((more, after, is_literal, read)) = unit_at(at) {
                    if is_literal && key.is_none() {
                        key = Some(code[at]);
                    }
                    pieces.extend(more);
                    match symbol(after) {
                        "," if read => at = after + 1,
                        ")" if read => {
                            (next, whole) = (after + 1, true);
                            break;
                        }
                        _ => break,
                    }
                }
            } else {
                break;
            }
        }
        // `[…].join(separator)`.
        let separator = match (in_array, symbol(next + 3), kind(next + 4)) {
            (true, "(", Some(Kind::Str)) if symbol(next + 5) == ")" => literal(next + 4),
            (true, "(", _) if symbol(next + 4) == ")" => ",",
            _ => "",
        };
        let joined =
            whole && symbol(next) == "]" && symbol(next + 1) == "." && symbol(next + 2) == "join";
        let separator = if joined { separator } else { "" };
        let end = match (joined, symbol(next + 4)) {
            (false, _) => next,
            (true, ")") => next + 5,
            (true, _) => next + 6,
        };
        if let (Some(key), true) = (key, pieces.len() > 1) {
            runs.push(GlueRun {
                start: c,
                end,
                key,
                text: pieces.join(separator),
            });
        }
        c = next.max(c + 1);
    }
    runs
}

/// The joins (`name.join('.')`, by the code index of `name`, with the
/// index past its `)`) of names bound once to an array literal of strings
/// only (`var p = ['www', 'tracker', 'example']`): what each join makes.
/// `code` indexes the tokens that are not comments.
fn bound_array_joins(
    text: &str,
    tokens: &[Token],
    code: &[usize],
) -> foldhash::HashMap<usize, (String, usize)> {
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let kind = |c: usize| code.get(c).map(|&i| tokens[i].kind);
    let literal = |c: usize| &text[content(text, &tokens[code[c]])];
    let mut arrays: foldhash::HashMap<&str, Option<Vec<&str>>> = Default::default();
    for c in 0..code.len() {
        if kind(c) != Some(Kind::Ident)
            || symbol(c + 1) != "="
            || symbol(c + 2) == "="
            || (c > 0 && symbol(c - 1) == ".")
        {
            continue;
        }
        let mut items = Vec::new();
        let mut at = c + 3;
        let array = symbol(c + 2) == "["
            && loop {
                if kind(at) != Some(Kind::Str) {
                    break false;
                }
                items.push(literal(at));
                match symbol(at + 1) {
                    "," => at += 2,
                    "]" => break true,
                    _ => break false,
                }
            };
        // Bound again, or to anything else: no constant.
        arrays
            .entry(symbol(c))
            .and_modify(|bound| *bound = None)
            .or_insert_with(|| array.then_some(items));
    }
    let mut joins = foldhash::HashMap::default();
    for c in 0..code.len() {
        let Some(Some(items)) = arrays.get(symbol(c)) else {
            continue;
        };
        let read = kind(c) == Some(Kind::Ident)
            && (c == 0 || symbol(c - 1) != ".")
            && symbol(c + 1) == "."
            && symbol(c + 2) == "join"
            && symbol(c + 3) == "(";
        if !read {
            continue;
        }
        let (separator, next) = match (kind(c + 4), symbol(c + 5)) {
            (Some(Kind::Str), ")") => (literal(c + 4), c + 6),
            _ if symbol(c + 4) == ")" => (",", c + 5),
            _ => continue,
        };
        joins.insert(c, (items.join(separator), next));
    }
    joins
}

/// The names (`name = 'text'`, `window.name = 'text'`) and properties
/// (`{name: 'text'}`, `{'name': 'text'}`, keyed `true`) bound to a string
/// literal ended by `;`, `,`, `}` or a line break, and never bound again,
/// with the string's text; and those of `earlier` the script does not
/// bind. `code` indexes the tokens that are not comments.
fn string_constants<'t>(
    text: &'t str,
    tokens: &[Token],
    code: &[usize],
    earlier: &'t [HostBinding],
) -> std::collections::HashMap<(bool, &'t str), &'t str> {
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let mut bound = std::collections::HashMap::new();
    let mut bound_again = Vec::new();
    for c in 0..code.len() {
        let token = &tokens[code[c]];
        let before = if c > 0 { symbol(c - 1) } else { "" };
        let assigns = symbol(c + 1) == "=" && symbol(c + 2) != "=";
        let compound = symbol(c + 2) == "=" && matches!(symbol(c + 1), "+" | "|" | "&" | "?");
        let defines = symbol(c + 1) == ":" && matches!(before, "{" | ",");
        let name = match token.kind {
            Kind::Ident if assigns || compound || defines => symbol(c),
            // A quoted key of an object literal.
            Kind::Str if defines => &text[content(text, token)],
            _ => continue,
        };
        // `window.name = …` binds the global name too.
        let global = before == "."
            && c >= 2
            && GLOBAL_OBJECTS.contains(&symbol(c - 2))
            && (c < 3 || symbol(c - 3) != ".");
        let binding = (before == "." || defines, name);
        let value = code.get(c + 2).map(|&i| &tokens[i]);
        let ended = code
            .get(c + 3)
            .is_none_or(|&i| tokens[i].newline_before || matches!(symbol(c + 3), ";" | "," | "}"));
        match value {
            Some(v)
                if (assigns && (before != "." || global) || defines)
                    && v.kind == Kind::Str
                    && ended
                    && !bound.contains_key(&binding) =>
            {
                let value = &text[content(text, v)];
                bound.insert(binding, value);
                if global {
                    match bound.entry((false, name)) {
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(value);
                        }
                        std::collections::hash_map::Entry::Occupied(_) => {
                            bound_again.push((false, name));
                        }
                    }
                }
            }
            _ => {
                bound_again.push(binding);
                if global {
                    bound_again.push((false, name));
                }
            }
        }
    }
    for binding in &bound_again {
        bound.remove(binding);
    }
    for b in earlier {
        let binding = (b.property, &*b.name);
        if !bound.contains_key(&binding) && !bound_again.contains(&binding) {
            bound.insert(binding, &*b.value);
        }
    }
    bound
}

/// Whether script text names any of `earlier`'s names or properties.
/// A hash of `bindings` for the verdict cache's key (0 for none).
fn bindings_hash(bindings: &[HostBinding]) -> u64 {
    if bindings.is_empty() {
        return 0;
    }
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    for binding in bindings {
        hasher.update(&[u8::from(binding.property)]);
        for part in [&binding.name, &binding.value] {
            hasher.update(&part.len().to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hasher.digest()
}

fn names_any(bytes: &[u8], earlier: &[HostBinding]) -> bool {
    earlier
        .iter()
        .any(|b| memchr::memmem::find(bytes, b.name.as_bytes()).is_some())
}

/// The text `String.fromCharCode(…)` (or `fromCodePoint(…)`) makes of the
/// numbers it is given (decimal or hexadecimal literals only), the name
/// being token `index`.
fn char_codes(text: &str, tokens: &[Token], index: usize) -> Option<String> {
    let mut code = tokens[index + 1..]
        .iter()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| (t.kind, &text[t.range.clone()]));
    if code.next()?.1 != "(" {
        return None;
    }
    let mut decoded = String::new();
    loop {
        let (kind, number) = code.next()?;
        if kind != Kind::Number {
            return None;
        }
        let value = match number.get(..2) {
            Some("0x" | "0X") => u32::from_str_radix(&number[2..], 16).ok()?,
            _ => number.parse().ok()?,
        };
        decoded.push(char::from_u32(value & 0xFFFF)?);
        match code.next()?.1 {
            "," => {}
            ")" => return Some(decoded),
            _ => return None,
        }
    }
}

/// Whether string token `index` is code the script runs: the first
/// argument of `eval(…)`, `Function(…)`, `setTimeout(…)` or `setInterval(…)`,
/// or the first part of a `new Blob([…])` (run as a script or worker
/// from its object URL), or the text given to a script element the script
/// creates (`s.text = '…'`, `textContent`, `innerText`, `innerHTML`).
fn runs_as_code(text: &str, tokens: &[Token], index: usize) -> bool {
    let mut before = tokens[..index]
        .iter()
        .rev()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| &text[t.range.clone()]);
    match (before.next(), before.next(), before.next(), before.next()) {
        (Some("("), Some("eval" | "Function" | "setTimeout" | "setInterval"), _, _)
        | (Some("["), Some("("), Some("Blob"), _) => true,
        // The text of a script element the script creates.
        (
            Some("="),
            Some("text" | "textContent" | "innerText" | "innerHTML"),
            Some("."),
            Some(name),
        ) => creates_script(text, tokens, name),
        _ => false,
    }
}

/// What string token `index` (its text `literal`) decodes to when it is
/// passed to one of the [`DECODER_CALLS`].
fn decoded_argument(text: &str, tokens: &[Token], index: usize, literal: &str) -> Option<String> {
    let mut before = tokens[..index]
        .iter()
        .rev()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| &text[t.range.clone()]);
    if before.next() != Some("(") {
        return None;
    }
    let call = before.next().filter(|name| DECODER_CALLS.contains(name))?;
    let literal = js_unescape(literal);
    if call == "atob" {
        use base64::Engine;
        let compact: String = literal
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(compact.trim_end_matches('='))
            .ok()?;
        // `atob` gives one character per byte.
        return Some(bytes.iter().map(|&b| char::from(b)).collect());
    }
    Some(
        percent_encoding::percent_decode_str(&literal)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// The code or markup a string literal's text holds as a `data:` URL
/// that runs it (a script's `src`, `import(…)`, a frame's `src`): its body
/// decoded, when its media type is empty or one of JavaScript's, plain
/// text (a classic script runs it) or HTML.
fn data_url_code(literal: &str) -> Option<String> {
    let rest = literal.trim_start();
    if !rest
        .as_bytes()
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case(b"data:"))
    {
        return None;
    }
    let data = crate::rewrite::urls::data_url(&js_unescape(rest))?;
    let runs = matches!(
        data.essence.as_str(),
        "" | "text/javascript"
            | "application/javascript"
            | "application/x-javascript"
            | "text/ecmascript"
            | "application/ecmascript"
            | "text/jscript"
            | "text/plain"
            | "text/html"
    );
    runs.then(|| String::from_utf8_lossy(&data.body).into_owned())
}

/// Whether script text holds what can hide a host from the literal
/// search: an escape of a character (`\\x2e`, `\\u002e`, octal, `\\t`, a
/// line continuation), a percent-encoded byte, a tab between two host
/// characters, or a character beyond ASCII that IDNA maps to one (a
/// Latin-1 letter or soft hyphen, full- and halfwidth forms, the
/// ideographic full stop, circled and mathematical letters).
fn may_hide_host(bytes: &[u8]) -> bool {
    let after = |at: usize, n: usize| bytes.get(at + 1..at + 1 + n);
    let host_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
    // Escapes, percent-encoded bytes and tabs, in one pass.
    let ascii = || {
        memchr::memchr3_iter(b'\\', b'%', b'\t', bytes).any(|at| match bytes[at] {
            b'\\' => matches!(
                after(at, 1),
                Some([b'x' | b'u' | b'0'..=b'7' | b't' | b'n' | b'r' | b'\n' | b'\r'])
            ),
            b'%' => after(at, 2).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
            _ => {
                at > 0
                    && host_byte(bytes[at - 1])
                    && bytes.get(at + 1).is_some_and(|&b| host_byte(b))
            }
        })
    };
    let mapped = || {
        memchr::memchr3_iter(0xC2, 0xE2, 0xE3, bytes)
            .chain(memchr::memchr2_iter(0xEF, 0xF0, bytes))
            .any(|at| {
                let next = |n: usize| bytes.get(at + n).copied().unwrap_or(0);
                match (bytes[at], next(1)) {
                    (0xC2, 0xA0..=0xBF)
                    | (0xE2, 0x91..=0x93)
                    | (0xEF, 0xBC | 0xBD)
                    | (0xF0, 0x9D) => true,
                    (0xE3, 0x80) => next(2) == 0x82,
                    _ => false,
                }
            })
    };
    ascii() || line_break_in_template(bytes) || (!bytes.is_ascii() && mapped())
}

/// Whether a template literal may hold a line break between two host
/// characters (`` `https://www.face⏎book.com/` ``): the URL parser drops
/// it, as it does a tab. Only a template holds a raw line break in a
/// string, so the line breaks are looked at only when there is a backtick.
fn line_break_in_template(bytes: &[u8]) -> bool {
    memchr::memchr(b'`', bytes).is_some() && line_break_in_host(bytes)
}

/// Whether a line break (with any tabs and line breaks around it) stands
/// between two host characters.
fn line_break_in_host(bytes: &[u8]) -> bool {
    let host_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
    let dropped = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r');
    memchr::memchr2_iter(b'\n', b'\r', bytes).any(|at| {
        let before = bytes[..at].iter().rev().find(|b| !dropped(b));
        let after = bytes[at..].iter().find(|b| !dropped(b));
        before.is_some_and(|&b| host_byte(b)) && after.is_some_and(|&b| host_byte(b))
    })
}

/// A search for a scheme's `ttp`, built once.
static TTP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("ttp"));

/// Whether script text may spell a URL's host so that a search for the
/// host misses it: an escape, a percent sign, userinfo, a tab, a
/// character beyond ASCII, or a scheme without `//`.
///
/// Unless a tracker host was seen in the script (`host_seen`), an escaped
/// slash (`\/`, as JSON writes URLs) is no such escape: a slash ends a
/// host, so the hosts of a string whose escapes are all `\/` are spelled
/// as written, where the search for hosts found none.
fn may_spell_host(bytes: &[u8], host_seen: bool) -> bool {
    let escape = || {
        if host_seen {
            memchr::memchr(b'\\', bytes).is_some()
        } else {
            memchr::memchr_iter(b'\\', bytes).any(|at| bytes.get(at + 1) != Some(&b'/'))
        }
    };
    memchr::memchr2(b'%', b'@', bytes).is_some()
        || escape()
        || memchr::memchr(b'\t', bytes).is_some()
        // (In a string's text: only a template holds one.)
        || line_break_in_host(bytes)
        || !bytes.is_ascii()
        || TTP.find_iter(bytes).any(|i| {
            let after = &bytes[i + 3..];
            let after = after.strip_prefix(b"s").unwrap_or(after);
            // `\/` is JSON's slash.
            let slash = after.get(1) == Some(&b'/') || after.get(1..3) == Some(b"\\/");
            after.first() == Some(&b':') && !slash
        })
}

/// The `http(s)` URLs (scheme-relative included) the text of a string
/// literal spells once its escapes are read: at its start, or after an
/// `=` or `(` in markup or CSS it holds (`src="…"`, `url(…)`).
fn spelled_urls(literal: &str) -> Vec<url::Url> {
    // Every URL read below starts with a scheme's `:` or a slash or
    // backslash, which escapes may spell only with a backslash.
    if memchr::memchr3(b':', b'/', b'\\', literal.as_bytes()).is_none() {
        return Vec::new();
    }
    let unescaped = js_unescape(literal);
    // The URL parser drops tabs and newlines; most strings have none.
    let text = if memchr::memchr3(b'\t', b'\n', b'\r', unescaped.as_bytes()).is_some() {
        std::borrow::Cow::Owned(
            unescaped
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect(),
        )
    } else {
        unescaped
    };
    let bytes = text.as_bytes();
    // Every delimiter is ASCII: byte offsets are character boundaries.
    let starts = std::iter::once(0).chain(memchr::memchr2_iter(b'=', b'(', bytes).map(|i| i + 1));
    starts
        .filter_map(|at| {
            let start = at
                + bytes[at..]
                    .iter()
                    .position(|&b| !(b <= b' ' || b == b'"' || b == b'\''))?;
            let end = bytes[start..]
                .iter()
                .position(|&b| b <= b' ' || matches!(b, b'"' | b'\'' | b'<' | b'>' | b')'))
                .map_or(bytes.len(), |n| start + n);
            url_at_start(&text[start..end])
        })
        .collect()
}

/// `text` as an `http(s)` URL, if it is one (scheme-relative included).
fn url_at_start(text: &str) -> Option<url::Url> {
    let starts_with = |scheme: &[u8]| {
        text.as_bytes()
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    };
    if starts_with(b"http:") || starts_with(b"https:") {
        return url::Url::parse(text).ok();
    }
    ["//", "\\\\", "/\\", "\\/"]
        .iter()
        .any(|p| text.starts_with(p))
        .then(|| url::Url::parse(&format!("https:{text}")).ok())
        .flatten()
}

/// The text of a string literal as the script reads it: escapes decoded
/// (an unreadable one is kept as written).
fn js_unescape(literal: &str) -> std::borrow::Cow<'_, str> {
    if !literal.contains('\\') {
        return std::borrow::Cow::Borrowed(literal);
    }
    let mut out = String::with_capacity(literal.len());
    let mut rest = literal;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        let hex = |digits: &str| {
            u32::from_str_radix(digits, 16)
                .ok()
                .and_then(char::from_u32)
        };
        let (decoded, used) = match c {
            'x' => (rest.get(1..3).and_then(hex), 3),
            'u' if rest[1..].starts_with('{') => match rest.find('}') {
                Some(end) => (hex(&rest[2..end]), end + 1),
                None => (None, 1),
            },
            'u' => (rest.get(1..5).and_then(hex), 5),
            '0'..='7' => {
                let digits = rest
                    .bytes()
                    .take(3)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                let value = u32::from_str_radix(&rest[..digits], 8).unwrap_or(0);
                // An octal escape stops before it would pass 0o377.
                let digits = if value > 0o377 { digits - 1 } else { digits };
                let value = u32::from_str_radix(&rest[..digits], 8).unwrap_or(0);
                (char::from_u32(value), digits)
            }
            'n' => (Some('\n'), 1),
            't' => (Some('\t'), 1),
            'r' => (Some('\r'), 1),
            'b' => (Some('\u{8}'), 1),
            'f' => (Some('\u{c}'), 1),
            'v' => (Some('\u{b}'), 1),
            // A line continuation reads as nothing.
            '\r' if rest[1..].starts_with('\n') => (None, 2),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => (None, c.len_utf8()),
            _ => (Some(c), c.len_utf8()),
        };
        match decoded {
            Some(d) => out.push(d),
            None if matches!(c, '\r' | '\n' | '\u{2028}' | '\u{2029}') => {}
            None => {
                out.push('\\');
                continue;
            }
        }
        rest = &rest[used..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// What to remove from an inline script that holds a tracker loader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InlineRemoval {
    /// The whole script.
    Whole,
    /// Only these byte ranges of the script text: the top-level statements
    /// that load trackers, in order and disjoint. What remains is the
    /// site's own code, which does not refer to them.
    Statements(Vec<Range<usize>>),
}

/// The decision on an inline script that holds a tracker loader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineVerdict {
    /// The rule of the first loader found.
    pub rule: RuleId,
    /// What to remove.
    pub removal: InlineRemoval,
}

/// Whether byte `at` may sit in a comment, a string, a template or a
/// regular expression (only `false` is certain): a quote, a `/` or a `-->`
/// earlier on its line, a line before it ending in `\` (continued), or
/// a `` ` ``, `/*` or `<!--` anywhere before it.
fn maybe_in_comment_or_text(bytes: &[u8], at: usize) -> bool {
    // Built once: building a searcher costs more than a short search.
    static FINDERS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 3]> =
        std::sync::LazyLock::new(|| ["-->", "/*", "<!--"].map(memchr::memmem::Finder::new));
    let [html_close, block_comment, html_open] = &*FINDERS;
    let before = &bytes[..at];
    // Only a line feed ends a string; a carriage return is in its text.
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let line = &before[line_start..];
    let continued = line_start >= 2 && before[line_start - 2] == b'\\';
    continued
        || memchr::memchr3(b'\'', b'"', b'/', line).is_some()
        || html_close.find(line).is_some()
        || memchr::memchr(b'`', before).is_some()
        || block_comment.find(before).is_some()
        || html_open.find(before).is_some()
}

/// Whether the host-name hit is a whole name: not part of a longer label
/// before it, nor followed by more labels (a trailing root dot, as in
/// `host.com./`, names the same host).
fn is_whole_host(bytes: &[u8], hit: &Hit) -> bool {
    let before_ok = hit.start == 0 || !is_host_byte(bytes[hit.start - 1]);
    let ends_name = |at: usize| bytes.get(at).is_none_or(|&b| !is_host_byte(b) && b != b'.');
    let after_ok = ends_name(hit.end) || (bytes[hit.end] == b'.' && ends_name(hit.end + 1));
    before_ok && after_ok
}

/// The token holding byte `at`, with its index.
fn token_at(tokens: &[Token], at: usize) -> Option<(usize, &Token)> {
    let index = tokens
        .partition_point(|t| t.range.start <= at)
        .checked_sub(1)?;
    let token = &tokens[index];
    (at < token.range.end).then_some((index, token))
}

/// Whether string token `index` may be what a name or property is bound
/// to, as [`string_constants`] reads bindings: it follows `:`, or `=`
/// after a name that is no property of anything but a global object (a
/// cheap first look before that reads the whole script).
fn may_be_bound(text: &str, tokens: &[Token], index: usize) -> bool {
    let mut before = tokens[..index]
        .iter()
        .rev()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| &text[t.range.clone()]);
    match before.next() {
        Some(":") => true,
        Some("=") => match (before.next(), before.next(), before.next()) {
            (Some(_name), Some("."), object) => object.is_some_and(|o| GLOBAL_OBJECTS.contains(&o)),
            (Some(_name), _, _) => true,
            _ => false,
        },
        _ => false,
    }
}

/// The text range of a string or template token, quotes excluded.
fn content(text: &str, token: &Token) -> Range<usize> {
    let r = token.range.clone();
    if token.kind != Kind::Str {
        return r;
    }
    let b = text.as_bytes();
    let closed = r.len() >= 2 && b[r.end - 1] == b[r.start];
    r.start + 1..if closed { r.end - 1 } else { r.end }
}

/// Whether the tracker host `hit` inside the string or template text
/// `content` (token `index`) names something a loader could fetch.
fn fetchable_host(
    text: &str,
    tokens: &[Token],
    index: usize,
    content: Range<usize>,
    hit: &Hit,
) -> bool {
    let b = text.as_bytes();
    if hit.end > content.end {
        return false;
    }
    // The whole host, subdomains included.
    let mut host_start = hit.start;
    while host_start > content.start
        && (is_host_byte(b[host_start - 1]) || b[host_start - 1] == b'.')
    {
        host_start -= 1;
    }
    // Past the name and a trailing root dot, if any.
    let end = (hit.end + usize::from(b.get(hit.end) == Some(&b'.'))).min(content.end);
    let has_path = end < content.end;
    let url_goes_on = !has_path || matches!(b[end], b'/' | b'?' | b'#' | b':' | b'\\');
    if !url_goes_on {
        return false;
    }
    let prefix = text[content.start..host_start].trim_start();
    if is_url_start(prefix) || is_attribute_url(prefix) {
        return !(is_page_path(&text[end..content.end])
            || loads_nothing(text, tokens, index)
            || is_link_href(prefix));
    }
    if !prefix.is_empty() {
        return false;
    }
    // `'.host/path.js'`: the tail of a URL built from pieces.
    (b[host_start] == b'.' && has_path) || used_by_loader(text, tokens, index)
}

/// Whether a URL's path (after its host) is a page the visitor is sent
/// to, which no tag loads: share dialogs and intents.
fn is_page_path(path: &str) -> bool {
    let path = path.strip_prefix('/').unwrap_or("");
    let segment = &path[..path.find(['/', '?', '#']).unwrap_or(path.len())];
    [
        "sharer",
        "sharer.php",
        "share",
        "share.php",
        "dialog",
        "intent",
    ]
    .iter()
    .any(|p| segment.eq_ignore_ascii_case(p))
}

/// Lexes until two tokens that are not comments follow token `index` (or
/// the end): what [`loads_nothing`] reads after a string.
fn lex_two_past(lexer: &mut Lexer<'_>, index: usize) {
    lexer.lex_past(index);
    let next = lexer.tokens[index + 1..]
        .iter()
        .position(|t| t.kind != Kind::Comment);
    if let Some(next) = next {
        lexer.lex_past(index + 1 + next);
    }
}

/// Whether string token `index` is a URL that loads nothing into the page:
/// one only compared (`=== '…'`, `'…' != u`, `case '…':`), one the page
/// navigates to (`window.open(…)`, `location.assign(…)`/
/// `replace(…)`, assigned to `location` or `location.href`), only prints
/// as the first argument of `console.log(…)` (`info`, `warn`, `error`,
/// `debug`), shows in `alert(…)`, `confirm(…)`, `prompt(…)` or as an
/// element's text (`title`, `alt`, `textContent`…), looks for in another
/// string (`href.indexOf(…)`, `includes`, `startsWith`…), encodes into
/// another URL (`encodeURIComponent(…)`), or gives a link the script
/// creates (`a.href = …`, `a` made by `document.createElement('a')`).
fn loads_nothing(text: &str, tokens: &[Token], index: usize) -> bool {
    let mut before = tokens[..index]
        .iter()
        .rev()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| &text[t.range.clone()]);
    let (p1, p2, p3, p4) = (before.next(), before.next(), before.next(), before.next());
    let mut after = tokens[index + 1..]
        .iter()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| &text[t.range.clone()]);
    let compared = match (after.next(), after.next()) {
        (Some("=" | "!"), Some("=")) => true,
        (Some(":"), _) => p1 == Some("case"),
        _ => p1 == Some("=") && matches!(p2, Some("=" | "!")),
    };
    if compared {
        return true;
    }
    match (p1, p2) {
        (Some("("), Some("open")) => p3 != Some(".") || p4 == Some("window"),
        (Some("("), Some("assign" | "replace")) => p3 == Some(".") && p4 == Some("location"),
        (Some("("), Some("log" | "info" | "warn" | "error" | "debug")) => {
            p3 == Some(".") && p4 == Some("console")
        }
        (Some("("), Some("alert" | "confirm" | "prompt")) => {
            p3 != Some(".") || p4 == Some("window")
        }
        (Some("("), Some("indexOf" | "lastIndexOf" | "includes" | "startsWith" | "endsWith")) => {
            p3 == Some(".")
        }
        (Some("("), Some("encodeURIComponent")) => p3 != Some("."),
        // A later argument of `console.log(…)` and the like.
        (Some(","), _) if p3 != Some("(") || p4 != Some("setAttribute") => {
            printed_argument(text, tokens, index)
        }
        // An attribute no browser or lazy loader fetches.
        (Some(","), Some(attribute)) => {
            attribute.len() >= 2
                && matches!(attribute.as_bytes()[0], b'\'' | b'"')
                && is_shown_attribute(&attribute[1..attribute.len() - 1])
        }
        (Some("="), Some(key)) if p3 == Some(".") && p4 == Some("dataset") => {
            !is_lazy_data_attribute(key)
        }
        (Some("="), Some("location")) => true,
        (Some("="), Some("href")) => {
            p3 == Some(".")
                && p4.is_some_and(|name| name == "location" || creates_link(text, tokens, name))
        }
        (Some("="), Some("textContent" | "innerText" | "title" | "alt" | "placeholder")) => {
            // A script's text is code it runs.
            p3 == Some(".") && !p4.is_some_and(|name| creates_script(text, tokens, name))
        }
        _ => false,
    }
}

/// Whether token `index`, an argument after the first, is given to
/// `console.log(…)` (`info`, `warn`, `error`, `debug`), which only prints it.
fn printed_argument(text: &str, tokens: &[Token], index: usize) -> bool {
    let depth = tokens[index].depth;
    let Some(open) = tokens[..index].iter().rposition(|t| t.depth < depth) else {
        return false;
    };
    let mut before = tokens[..=open]
        .iter()
        .rev()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| &text[t.range.clone()]);
    matches!(
        (before.next(), before.next(), before.next(), before.next()),
        (
            Some("("),
            Some("log" | "info" | "warn" | "error" | "debug"),
            Some("."),
            Some("console")
        )
    )
}

/// Whether an element's attribute `name` only shows or describes (`title`,
/// `alt`, `placeholder`, `aria-…`, a `data-…` no lazy loader reads): a URL
/// set to it loads nothing.
fn is_shown_attribute(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("data-") {
        Some(data) => !is_lazy_data_attribute(data),
        None => {
            matches!(lower.as_str(), "title" | "alt" | "placeholder") || lower.starts_with("aria-")
        }
    }
}

/// Whether a `data-…` attribute's name (without `data-`, or as a `dataset`
/// key: `lazySrc`) may be one lazy loaders swap in for a URL they fetch
/// (`data-src`, `data-lazy-src`, `data-srcset`, `data-original`,
/// `data-bg`, `data-poster`, `data-rocket-src`, `data-pmdelayedscript`, as
/// the rewriter reads them in markup).
fn is_lazy_data_attribute(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["src", "lazy", "original", "bg", "poster", "pmdelayed"]
        .iter()
        .any(|word| lower.contains(word))
}

/// Whether regular expression token `index` is only matched against a
/// string: `/…/.test(…)`, `/…/.exec(…)`, or given to `.match(/…/)`,
/// `.search(…)`, `.replace(…)` (`matchAll`, `replaceAll`, `split`).
fn matches_only(text: &str, tokens: &[Token], index: usize) -> bool {
    let code = |t: &&Token| t.kind != Kind::Comment;
    let symbol = |t: &Token| &text[t.range.clone()];
    let mut before = tokens[..index].iter().rev().filter(code).map(symbol);
    let mut after = tokens[index + 1..].iter().filter(code).map(symbol);
    let tested = after.next() == Some(".") && matches!(after.next(), Some("test" | "exec"));
    let given = before.next() == Some("(")
        && matches!(
            before.next(),
            Some("match" | "matchAll" | "search" | "replace" | "replaceAll" | "split")
        )
        && before.next() == Some(".");
    tested || given
}

/// Calls that look for their argument in a string, an array or a set:
/// what they are given is compared, not fetched.
const SEARCH_CALLS: [&str; 6] = [
    "indexOf",
    "lastIndexOf",
    "includes",
    "has",
    "startsWith",
    "endsWith",
];

/// Whether a string's text is a bare host name (`cdn.example.org`, a
/// trailing root dot allowed) or an origin (`https://cdn.example.org`):
/// no port or path, at least two labels, the last a known public suffix
/// (`'gtm.start'` names no host).
fn is_bare_host(text: &str) -> bool {
    // An origin: `https://host`, `//host`, a slash after it at most.
    let origin = ["https://", "http://", "//"]
        .iter()
        .find_map(|scheme| text.strip_prefix(scheme))
        .map(|host| host.strip_suffix('/').unwrap_or(host));
    let name = origin.unwrap_or(text);
    let name = name.strip_suffix('.').unwrap_or(name);
    name.contains('.')
        && !name.starts_with('.')
        && !name.contains("..")
        && name.bytes().all(|b| is_host_byte(b) || b == b'.')
        && psl::suffix(name.to_ascii_lowercase().as_bytes()).is_some_and(|s| s.is_known())
}

/// Whether the bare host string token `index` (see [`is_bare_host`]) goes
/// nowhere a fetch could take it: it is an object literal's key (a list of
/// hosts a site blocks or allows), is compared (`===`, `!=`, a `case`), is
/// looked for (`.indexOf(…)`, `.includes(…)`, `.has(…)`…), or is bound once
/// to a name, or is an item of an array literal of strings (made a `Set`
/// or not) bound once to a name, that the script only uses so. Anything
/// else (glued into a URL, passed to a call, returned, a name never read
/// here, which a later script may glue) may reach a fetch.
fn host_stays_put(text: &str, tokens: &[Token], index: usize) -> bool {
    let code: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].kind != Kind::Comment)
        .collect();
    let Ok(c) = code.binary_search(&index) else {
        return false;
    };
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let kind = |c: usize| code.get(c).map(|&i| tokens[i].kind);
    let before = |c: usize, n: usize| c.checked_sub(n).map_or("", symbol);
    if matches!(before(c, 1), "{" | ",") && symbol(c + 1) == ":" {
        return true;
    }
    // The value spanning code `start..end`: compared or looked for, or
    // bound to a name (`name = …` ended) that is only.
    let stays = |start: usize, end: usize| -> Option<bool> {
        if only_compared(text, tokens, &code, start, end) {
            return Some(true);
        }
        let ended = code
            .get(end)
            .is_none_or(|&i| tokens[i].newline_before || matches!(symbol(end), ";" | "," | "}"));
        let bound = start >= 2
            && before(start, 1) == "="
            && kind(start - 2) == Some(Kind::Ident)
            && before(start, 3) != "."
            && ended;
        bound.then(|| name_stays_put(text, tokens, &code, start - 2))
    };
    if let Some(stays) = stays(c, c + 1) {
        return stays;
    }
    // An item of an array literal of strings only.
    let mut first = c;
    while before(first, 1) == "," && kind(first.wrapping_sub(2)) == Some(Kind::Str) {
        first -= 2;
    }
    let mut last = c;
    while symbol(last + 1) == "," && kind(last + 2) == Some(Kind::Str) {
        last += 2;
    }
    if before(first, 1) != "[" || symbol(last + 1) != "]" {
        return false;
    }
    let (start, end) = (first - 1, last + 2);
    // `new Set([…])`.
    let set = before(start, 1) == "("
        && before(start, 2) == "Set"
        && before(start, 3) == "new"
        && symbol(end) == ")";
    let (start, end) = if set {
        (start - 3, end + 1)
    } else {
        (start, end)
    };
    stays(start, end).unwrap_or(false)
}

/// Whether every read of the name at code index `at` (bound there; `code`
/// indexes the tokens that are not comments) compares it or looks in it
/// (see [`host_stays_put`]), and there is at least one, and the script
/// binds it nowhere else.
fn name_stays_put(text: &str, tokens: &[Token], code: &[usize], at: usize) -> bool {
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let before = |c: usize, n: usize| c.checked_sub(n).map_or("", symbol);
    let name = symbol(at);
    let mut reads = 0;
    for c in 0..code.len() {
        if c == at || symbol(c) != name || tokens[code[c]].kind != Kind::Ident {
            continue;
        }
        // A property of something else, or an object literal's key.
        if before(c, 1) == "." || (matches!(before(c, 1), "{" | ",") && symbol(c + 1) == ":") {
            continue;
        }
        if !only_compared(text, tokens, code, c, c + 1) {
            return false;
        }
        reads += 1;
    }
    reads > 0
}

/// Whether the value spanning code indexes `start..end` (`code` indexing
/// the tokens that are not comments) is compared (`===`, `!=`, a `case`),
/// looked for (`list.indexOf(…)`, `.includes(…)`, `.has(…)`…) or looked in
/// (`….indexOf(h)`): used so, it reaches no fetch.
fn only_compared(text: &str, tokens: &[Token], code: &[usize], start: usize, end: usize) -> bool {
    let symbol = |c: usize| code.get(c).map_or("", |&i| &text[tokens[i].range.clone()]);
    let before = |n: usize| start.checked_sub(n).map_or("", symbol);
    let compared = (before(1) == "=" && matches!(before(2), "=" | "!"))
        || (matches!(symbol(end), "=" | "!") && symbol(end + 1) == "=")
        || (before(1) == "case" && symbol(end) == ":");
    let looked_for = before(1) == "("
        && SEARCH_CALLS.contains(&before(2))
        && before(3) == "."
        && symbol(end) == ")";
    let looked_in =
        symbol(end) == "." && SEARCH_CALLS.contains(&symbol(end + 1)) && symbol(end + 2) == "(";
    compared || looked_for || looked_in
}

/// Whether the script binds `name` to an element it creates (`name =
/// document.createElement('tag')`) of the tag `tag`.
fn creates_element(text: &str, tokens: &[Token], name: &str, tag: &str) -> bool {
    let symbol = |t: &Token| &text[t.range.clone()];
    tokens.windows(8).any(|w| {
        symbol(&w[0]) == name
            && [&w[1], &w[2], &w[3], &w[4], &w[5], &w[7]].map(symbol).eq(&[
                "=",
                "document",
                ".",
                "createElement",
                "(",
                ")",
            ])
            && w[6].kind == Kind::Str
            && text[content(text, &w[6])].eq_ignore_ascii_case(tag)
    })
}

/// Whether the script binds `name` to a link it creates (`name =
/// document.createElement('a')`), whose `href` navigates.
fn creates_link(text: &str, tokens: &[Token], name: &str) -> bool {
    creates_element(text, tokens, name, "a")
}

/// Whether the script binds `name` to a script element it creates
/// (`name = document.createElement('script')`), whose text runs as code.
fn creates_script(text: &str, tokens: &[Token], name: &str) -> bool {
    creates_element(text, tokens, name, "script")
}

/// `//`, `https://`, `http:\/\/` (JSON-escaped), `wss://` (a WebSocket
/// connects), or a mirror's relative `../`, `./`, `/`: what can come
/// before a host at a URL's start.
fn is_url_start(prefix: &str) -> bool {
    let lower = prefix.to_ascii_lowercase();
    if let Some(scheme) = lower
        .strip_suffix("//")
        .or_else(|| lower.strip_suffix("\\/\\/"))
    {
        return matches!(scheme, "" | "http:" | "https:" | "ws:" | "wss:");
    }
    !lower.is_empty()
        && lower
            .split_inclusive('/')
            .all(|part| matches!(part, "/" | "./" | "../"))
}

/// A URL in HTML or CSS inside a string: `<script src="https://` or
/// `url(https://` before the host.
fn is_attribute_url(prefix: &str) -> bool {
    let Some(rest) = prefix
        .strip_suffix("//")
        .or_else(|| prefix.strip_suffix("\\/\\/"))
    else {
        return false;
    };
    let rest = ["https:", "http:", "HTTPS:", "HTTP:"]
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .unwrap_or(rest);
    let rest = ["\\\"", "\\'", "\"", "'"]
        .iter()
        .find_map(|q| rest.strip_suffix(q))
        .unwrap_or(rest)
        .trim_end();
    let css_url =
        rest.len() >= 4 && rest.as_bytes()[rest.len() - 4..].eq_ignore_ascii_case(b"url(");
    rest.ends_with('=') || css_url
}

/// Whether the markup before a URL inside a string ends in a link's
/// `href` (`<a class="x" href="https://`, `<area href=`): a link navigates
/// when followed and loads nothing.
fn is_link_href(prefix: &str) -> bool {
    let Some(equals) = prefix.rfind('=') else {
        return false;
    };
    let name_end = prefix[..equals].trim_end();
    let name_start = name_end
        .rfind(|c: char| c.is_ascii_whitespace() || matches!(c, '"' | '\'' | '/'))
        .map_or(0, |at| at + 1);
    if !name_end[name_start..].eq_ignore_ascii_case("href") {
        return false;
    }
    let Some(open) = prefix[..name_start].rfind('<') else {
        return false;
    };
    let tag = &prefix[open + 1..name_start];
    let name = tag
        .split(|c: char| c.is_ascii_whitespace() || c == '/')
        .next()
        .unwrap_or("");
    !tag.contains('>') && (name.eq_ignore_ascii_case("a") || name.eq_ignore_ascii_case("area"))
}

/// Calls whose string argument is a URL a browser fetches.
const LOADER_CALLS: [&str; 11] = [
    "import",
    "fetch",
    "sendBeacon",
    "WebSocket",
    "EventSource",
    "importScripts",
    "getScript",
    "loadScript",
    "write",
    "writeln",
    "Image",
];

/// Whether the string token `index` is used by a loader: concatenated
/// into a URL, assigned to a `src`/`href`, or passed to a loader call.
fn used_by_loader(text: &str, tokens: &[Token], index: usize) -> bool {
    let code = |t: &&Token| t.kind != Kind::Comment;
    let is_plus = |t: Option<&Token>| t.is_some_and(|t| &text[t.range.clone()] == "+");
    let mut before = tokens[..index].iter().rev().filter(code).peekable();
    if is_plus(before.peek().copied()) || is_plus(tokens[index + 1..].iter().find(code)) {
        return true;
    }
    taken_by_loader(text, before, true)
}

/// Whether the glued run whose first string is token `index` (names and
/// `+` before it skipped) is given to a loader (see [`taken_by_loader`];
/// a `href` may be a link's, which navigates).
fn feeds_loader(text: &str, tokens: &[Token], index: usize) -> bool {
    let before = tokens[..index]
        .iter()
        .rev()
        .filter(|t| t.kind != Kind::Comment)
        .skip_while(|t| t.kind == Kind::Ident || matches!(&text[t.range.clone()], "+" | "."));
    taken_by_loader(text, before, false)
}

/// Whether the code tokens before a value (`before`, nearest first) give
/// it to a loader: assign it to a `src` (or, with `href`, a `href`), key it
/// `src` or `url`, or pass it to a loader call or to `setAttribute('src', …)`.
fn taken_by_loader<'t>(
    text: &str,
    mut before: impl Iterator<Item = &'t Token>,
    href: bool,
) -> bool {
    let name = |t: Option<&Token>| t.map_or("", |t| &text[t.range.clone()]);
    let (p1, p2) = (before.next(), before.next());
    let p2_ident = p2.is_some_and(|t| t.kind == Kind::Ident);
    match name(p1) {
        "=" => {
            let property = name(p2);
            p2_ident
                && (property.eq_ignore_ascii_case("src")
                    || href && property.eq_ignore_ascii_case("href"))
        }
        ":" => matches!(name(p2).trim_matches(['\'', '"']), "src" | "url"),
        "(" => p2_ident && LOADER_CALLS.contains(&name(p2)),
        "," => {
            let (p3, p4) = (before.next(), before.next());
            matches!(name(p2), "'src'" | "\"src\"") && name(p3) == "(" && name(p4) == "setAttribute"
        }
        _ => false,
    }
}

/// Identifiers every script may use without depending on another's.
const SHARED_NAMES: [&str; 58] = [
    "var",
    "let",
    "const",
    "function",
    "return",
    "if",
    "else",
    "for",
    "while",
    "do",
    "new",
    "this",
    "typeof",
    "instanceof",
    "in",
    "of",
    "true",
    "false",
    "null",
    "undefined",
    "void",
    "delete",
    "try",
    "catch",
    "finally",
    "throw",
    "switch",
    "case",
    "break",
    "continue",
    "default",
    "async",
    "await",
    "class",
    "window",
    "document",
    "navigator",
    "location",
    "Math",
    "JSON",
    "Date",
    "Object",
    "Array",
    "String",
    "Number",
    "Boolean",
    "console",
    "setTimeout",
    "setInterval",
    "encodeURIComponent",
    "parseInt",
    "Promise",
    "Error",
    "RegExp",
    "localStorage",
    "sessionStorage",
    "self",
    "top",
];

/// What to remove for the counting hits (where they start) of a cleanly
/// lexed script:
/// - the top-level statements holding them, when the statements kept do
///   not refer to any name the removed ones use (a variable, a function,
///   a vendor's global);
/// - else, when every hit sits in a statement that only points an element
///   at a URL (`el.src = …;`, `el.setAttribute('src', …);`) or only calls
///   a vendor's function (`return gtag_report_conversion(url);`) inside a
///   block, those statements: they define nothing the rest could miss;
/// - else, or when every statement loads a tracker, the whole script.
fn statement_removal(text: &str, tokens: &[Token], counting: &[usize]) -> InlineRemoval {
    let statements = js::statements(text, tokens);
    let spans: Vec<Range<usize>> = statements
        .iter()
        .map(|s| span(text, &tokens[s.clone()]))
        .collect();
    let mut removed = vec![false; spans.len()];
    for &at in counting {
        // The spans are in order and apart.
        let i = spans.partition_point(|s| s.end <= at);
        match spans.get(i).filter(|s| s.contains(&at)) {
            Some(_) => removed[i] = true,
            None => return InlineRemoval::Whole,
        }
    }
    if removed.iter().all(|&r| r) {
        return InlineRemoval::Whole;
    }
    // Every name the removed statements use counts, properties too
    // (`f.fbq = …` with `f` being `window`), and names passed as strings:
    // `}(window, document, 'gravity')` defines the global `gravity`.
    let removed_names: foldhash::HashSet<&str> = statements
        .iter()
        .zip(&removed)
        .filter(|(_, &r)| r)
        .flat_map(|(s, _)| &tokens[s.clone()])
        .filter_map(|t| match t.kind {
            Kind::Ident => Some(&text[t.range.clone()]),
            Kind::Str => Some(&text[content(text, t)]).filter(|s| is_identifier(s)),
            _ => None,
        })
        .filter(|name| !SHARED_NAMES.contains(name))
        .collect();
    let shared = !removed_names.is_empty()
        && statements
            .iter()
            .zip(&removed)
            .filter(|(_, &r)| !r)
            .any(|(s, _)| names_any_root(text, &tokens[s.clone()], &removed_names));
    if !shared {
        return InlineRemoval::Statements(
            spans
                .into_iter()
                .zip(removed)
                .filter_map(|(span, r)| r.then_some(span))
                .collect(),
        );
    }
    let mut ranges = Vec::new();
    for &at in counting {
        match src_statement(text, tokens, at) {
            Some(range) => ranges.push(range),
            None => return InlineRemoval::Whole,
        }
    }
    // A statement may hold another's hit too: the outer one covers both.
    ranges.sort_by_key(|r| r.start);
    let mut apart: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match apart.last_mut() {
            Some(last) if range.start < last.end => last.end = last.end.max(range.end),
            _ => apart.push(range),
        }
    }
    InlineRemoval::Statements(apart)
}

/// The bytes of a run of tokens, trailing comments left out.
fn span(text: &str, tokens: &[Token]) -> Range<usize> {
    let start = tokens[0].range.start;
    let last = tokens
        .iter()
        .rev()
        .find(|t| t.kind != Kind::Comment)
        .unwrap_or(&tokens[0]);
    // A template's token excludes its closing backtick.
    let end = last.range.end + usize::from(last.kind == Kind::Template);
    start..end.min(text.len())
}

/// Whether a statement names one of `names` at its roots (not after a
/// `.`); `window._taboola` names the global `_taboola` too.
fn names_any_root(text: &str, tokens: &[Token], names: &foldhash::HashSet<&str>) -> bool {
    let mut code = tokens.iter().filter(|t| t.kind != Kind::Comment);
    let (mut before_last, mut last): (Option<&Token>, Option<&Token>) = (None, None);
    let is_dot = |t: &Token| t.range.len() == 1 && text.as_bytes()[t.range.start] == b'.';
    code.any(|token| {
        let named = token.kind == Kind::Ident && {
            let after_dot = last.is_some_and(is_dot);
            let root = !after_dot
                || before_last.is_some_and(|t| GLOBAL_OBJECTS.contains(&&text[t.range.clone()]));
            root && names.contains(&text[token.range.clone()])
        };
        (before_last, last) = (last, Some(token));
        named
    })
}

/// Whether `s` reads as a JavaScript identifier.
fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// Objects whose properties are global variables.
const GLOBAL_OBJECTS: [&str; 4] = ["window", "self", "globalThis", "top"];

/// The statement around byte `at` that only points an element at a URL
/// (`a.b.src = …;` or `a.setAttribute('src', …);`), innermost first,
/// when it sits directly in a block (a function body, not an argument
/// or a brace-less `if`).
fn src_statement(text: &str, tokens: &[Token], at: usize) -> Option<Range<usize>> {
    let (hit, _) = token_at(tokens, at)?;
    let word = |i: usize| &text[tokens[i].range.clone()];
    let code = |i: &usize| tokens[*i].kind != Kind::Comment;
    for depth in (1..=tokens[hit].depth).rev() {
        // The enclosing bracket must open a block.
        let open = (0..hit).rev().find(|&i| tokens[i].depth < depth)?;
        let before_open = (0..open).rev().find(code).map(word);
        if word(open) != "{"
            || !matches!(
                before_open,
                Some(")" | ">" | "else" | "try" | "finally" | "do")
            )
        {
            continue;
        }
        let mut start = hit;
        for i in (open + 1..hit).rev().filter(code) {
            let t = &tokens[i];
            let next = (i + 1..=start).find(code).map(|n| &tokens[n]);
            let ends = t.depth == depth
                && (word(i) == ";"
                    || next.is_some_and(|n| js::line_break_ends_statement(text, t, n)));
            if ends {
                break;
            }
            start = i;
        }
        let mut end = hit;
        let mut previous = hit;
        for i in (hit + 1..tokens.len()).filter(code) {
            let t = &tokens[i];
            if t.depth < depth
                || (t.depth == depth && js::line_break_ends_statement(text, &tokens[previous], t))
            {
                break;
            }
            end = i;
            previous = i;
            if t.depth == depth && word(i) == ";" {
                break;
            }
        }
        let head: Vec<usize> = (start..=end)
            .filter(code)
            .filter(|&i| tokens[i].depth == depth)
            .collect();
        if points_element_at_url(text, tokens, &head) || calls_from(text, tokens, &head, hit) {
            return Some(span(text, &tokens[start..=end]));
        }
    }
    None
}

/// Whether the statement's top-level tokens read `[return] f(…)…;` with
/// token `callee` as `f`, the rest only member reads and calls: code that
/// calls a vendor's function (`gtag_report_conversion(url)`,
/// `fbq('track', …)`), which its snippet defines. That snippet is judged
/// on its own; without it the call loads nothing.
fn calls_from(text: &str, tokens: &[Token], head: &[usize], callee: usize) -> bool {
    let word = |i: usize| &text[tokens[i].range.clone()];
    let head = match head.split_first() {
        Some((&first, rest)) if word(first) == "return" => rest,
        _ => head,
    };
    let Some((&first, mut rest)) = head.split_first() else {
        return false;
    };
    if first != callee || tokens[callee].kind != Kind::Ident {
        return false;
    }
    let mut calls = false;
    loop {
        match rest {
            [] => return calls,
            [semicolon] => return calls && word(*semicolon) == ";",
            [dot, name, more @ ..] if word(*dot) == "." && tokens[*name].kind == Kind::Ident => {
                rest = more;
            }
            [open, close, more @ ..] if word(*open) == "(" && word(*close) == ")" => {
                calls = true;
                rest = more;
            }
            _ => return false,
        }
    }
}

/// Whether the statement's top-level tokens read `a.b.src = …` or
/// `a.b.setAttribute('src', …)`.
fn points_element_at_url(text: &str, tokens: &[Token], head: &[usize]) -> bool {
    let word = |n: usize| head.get(n).map_or("", |&i| &text[tokens[i].range.clone()]);
    let is_ident = |n: usize| head.get(n).is_some_and(|&i| tokens[i].kind == Kind::Ident);
    if !is_ident(0) || SHARED_NAMES.contains(&word(0)) && word(0) != "document" {
        return false;
    }
    let mut n = 1;
    while word(n) == "." && is_ident(n + 1) {
        n += 2;
        match word(n - 1) {
            "src" if word(n) == "=" && word(n + 1) != "=" => return true,
            "setAttribute" if word(n) == "(" => {
                let args = &text[tokens[head[n]].range.end..];
                let args = args.trim_start();
                return args.starts_with("'src'") || args.starts_with("\"src\"");
            }
            _ => {}
        }
    }
    false
}

/// Whether a script only assigns data literals: one or more statements of
/// the form `[var|let|const] name = {…} | […] | "…" | JSON.parse("…")`,
/// with nothing else but comments and CDATA markers around them. An
/// assignment to a property that fetches (a `src`, `href`, `srcset`,
/// `poster` or `srcdoc`, markup, a style or its background) is no data.
pub fn is_data_assignment(script: &str) -> bool {
    let b = script.as_bytes();
    let mut i = skip_trivia(b, 0);
    let mut statements = 0;
    while i < b.len() {
        for keyword in [&b"var "[..], b"let ", b"const "] {
            if b[i..].starts_with(keyword) {
                i = skip_trivia(b, i + keyword.len());
                break;
            }
        }
        let name_start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$' | b'.')) {
            i += 1;
        }
        let name = &b[name_start..i];
        let fetches = FETCHING_PROPERTIES
            .iter()
            .any(|p| name.len() >= p.len() && name[name.len() - p.len()..].eq_ignore_ascii_case(p));
        if i == name_start || fetches {
            return false;
        }
        i = skip_trivia(b, i);
        if b.get(i) != Some(&b'=') || b.get(i + 1) == Some(&b'=') {
            return false;
        }
        i = skip_trivia(b, i + 1);
        let parsed = b[i..].starts_with(b"JSON.parse(");
        if parsed {
            i = skip_trivia(b, i + "JSON.parse(".len());
        }
        let end = match b.get(i) {
            Some(b'{' | b'[') if !parsed => skip_data_literal(b, i),
            Some(&q @ (b'"' | b'\'' | b'`')) => skip_string(b, i + 1, q),
            _ => None,
        };
        let Some(end) = end else {
            return false;
        };
        i = end;
        if parsed {
            i = skip_trivia(b, i);
            if b.get(i) != Some(&b')') {
                return false;
            }
            i += 1;
        }
        statements += 1;
        i = skip_trivia(b, i);
        while b.get(i) == Some(&b';') {
            i = skip_trivia(b, i + 1);
        }
    }
    statements > 0
}

/// Properties whose assignment fetches what it is given.
const FETCHING_PROPERTIES: [&[u8]; 11] = [
    b".src",
    b".href",
    b".srcset",
    b".poster",
    b".srcdoc",
    b".innerHTML",
    b".outerHTML",
    b".cssText",
    b".style",
    b".background",
    b".backgroundImage",
];

/// Skips whitespace, comments and the `<!--`, `-->`, `<![CDATA[`, `]]>` markers.
fn skip_trivia(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        } else if rest.starts_with(b"/*") {
            match js::COMMENT_END.find(&rest[2..]) {
                Some(end) => i += end + 4,
                None => return b.len(),
            }
        } else if let Some(marker) = [&b"<!--"[..], b"-->", b"<![CDATA[", b"]]>"]
            .into_iter()
            .find(|m| rest.starts_with(m))
        {
            i += marker.len();
        } else {
            return i;
        }
    }
}

/// The index after the bracket matching the one at `open`, strings respected.
/// The end of the object or array literal that opens at `open`, if it
/// holds only data: no call, grouping or assignment outside its strings
/// (an immediately invoked function, a method that loads something).
fn skip_data_literal(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'(' | b')' | b'=' => return None,
            q @ (b'"' | b'\'' | b'`') => {
                i = skip_string(b, i + 1, q)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index after the closing quote `q` of a string starting at `i`.
fn skip_string(b: &[u8], mut i: usize, q: u8) -> Option<usize> {
    while let Some(found) = b.get(i..).and_then(|rest| memchr::memchr2(q, b'\\', rest)) {
        i += found;
        if b[i] == q {
            return Some(i + 1);
        }
        i += 2;
    }
    None
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::policy::tags::tests::{id, rules};
    use crate::policy::tags::{Action, ElementKinds, TagRuleSpec, TagRules};

    #[test]
    fn what_may_hide_a_host_is_told_from_common_script_text() {
        for hiding in [
            r"s.src='https://www.googletagmanager\x2ecom/a.js'",
            r"s.src='https://www.googletagm\u{61}nager.com/a.js'",
            r"s.src='https://www.google-\tanalytics.com/a.js'",
            "s.src='https://www.googletagmanager%2Ecom/a.js'",
            "s.src='https://www.google-\tanalytics.com/a.js'",
            "s.src='https://www.googletagmanager\u{FF0E}com/a.js'",
            "s.src='https://www.googletagmanager\u{3002}com/a.js'",
            "s.src='//www.googletag\u{AD}manager.com/a.js'",
            "s.src='//www.googletagm\u{AA}nager.com/a.js'",
            "s.src=`https://www.googletag\nmanager.com/a.js`",
            "s.src=`https://www.googletag\r\nmanager.com/a.js`",
        ] {
            assert!(may_hide_host(hiding.as_bytes()), "{hiding}");
        }
        for plain in [
            r#"var o = {"u": "https:\/\/cdn.example.org\/a.js"}; x = a % 2;"#,
            "if (a) {\n\tinit();\n\tgo('https://cdn.example.org/');\n}",
            "var t = 'Grüße aus Köln — “quoted” text';",
            r#"var s = "line\"quoted\" and \\ backslash";"#,
            "if (a) {\n  go(`https://cdn.example.org/${p}`);\n}\n",
        ] {
            assert!(!may_hide_host(plain.as_bytes()), "{plain}");
        }
    }

    #[test]
    fn escaped_slashes_hide_no_host_unless_one_was_seen() {
        let json = r"https:\/\/cdn.example.org\/a.js";
        assert!(!may_spell_host(json.as_bytes(), false));
        assert!(may_spell_host(json.as_bytes(), true));
        for hiding in [
            r"https:\/\/www.googletagmanager\x2ecom\/a.js",
            r"https:\/\/www.google-analytics%2Ecom\/a.js",
            r"https:\/\/u@www.google-analytics.com\/a.js",
            "https:www.google-analytics.com/a.js",
            "https://www.google-ana\nlytics.com/a.js",
        ] {
            assert!(may_spell_host(hiding.as_bytes(), false), "{hiding}");
        }
    }

    fn spec(id: &str, category: Category, hosts: &[&str], inline: &[&str]) -> TagRuleSpec {
        TagRuleSpec {
            id: id.into(),
            vendor: id.into(),
            category,
            hosts: hosts.iter().map(|s| s.to_string()).collect(),
            paths: Vec::new(),
            inline: inline.iter().map(|s| s.to_string()).collect(),
            action: Action::Remove,
            elements: ElementKinds::ALL,
        }
    }

    /// Rules shaped like the catalogue's for the vendors of the snippets below.
    fn vendor_rules() -> TagRules {
        TagRules::new(&[
            spec(
                "google-analytics",
                Category::ANALYTICS,
                &["google-analytics.com", "googletagmanager.com"],
                &["GoogleAnalyticsObject", "gtm.start"],
            ),
            spec(
                "meta-pixel",
                Category::MARKETING,
                &["connect.facebook.net"],
                &["fbq('init'"],
            ),
            spec(
                "disqus",
                Category::MARKETING,
                &["disqus.com"],
                &["disqus.com/count.js", "disqus_shortname"],
            ),
            spec(
                "doubleclick",
                Category::MARKETING,
                &["doubleclick.net"],
                &["securepubads.g.doubleclick.net/tag/js/gpt.js"],
            ),
            spec(
                "chartbeat",
                Category::ANALYTICS,
                &["static.chartbeat.com"],
                &[],
            ),
        ])
        .unwrap()
    }

    #[test]
    fn remembered_verdicts_depend_on_text_and_grants() {
        let r = vendor_rules();
        let loader = "window.MathJax = { tex: {} };\n\
                      (function () { var s = document.createElement('script');\n\
                      s.src = 'https://example.disqus.com/count.js'; document.body.appendChild(s); })();";
        let first = decide(&r, loader);
        assert!(first.is_some());
        for _ in 0..3 {
            assert_eq!(
                decide(&r, loader),
                first,
                "a remembered verdict is the same"
            );
        }
        let all = CategorySet::NECESSARY_ONLY
            .with(Category::ANALYTICS)
            .with(Category::MARKETING);
        assert_eq!(
            r.decide_inline(loader, all),
            None,
            "other grants, other verdict"
        );
        assert_eq!(r.match_inline(loader, all), None);
        assert_eq!(
            r.match_inline(loader, CategorySet::NECESSARY_ONLY)
                .map(|id| r.rule(id).id.clone()),
            Some("disqus".to_string())
        );
        let edited = loader.replace("disqus.com", "example.org");
        assert_eq!(decide(&r, &edited), None, "other text, other verdict");
        r.forget_inline_verdicts();
        assert_eq!(decide(&r, loader), first, "judged afresh, the same");
    }

    fn decide(r: &TagRules, script: &str) -> Option<(String, InlineRemoval)> {
        r.decide_inline(script, CategorySet::NECESSARY_ONLY)
            .map(|v| (r.rule(v.rule).id.clone(), v.removal))
    }

    /// The script with the verdict's statements deleted.
    fn kept(script: &str, removal: &InlineRemoval) -> String {
        let InlineRemoval::Statements(ranges) = removal else {
            return String::new();
        };
        let mut out = String::new();
        let mut at = 0;
        for r in ranges {
            out.push_str(&script[at..r.start]);
            at = r.end;
        }
        out.push_str(&script[at..]);
        out
    }

    #[test]
    fn mentions_in_comments_and_prose_are_not_loaders() {
        let r = vendor_rules();
        for script in [
            "// Analytics moved to google-analytics.com, see https://www.google-analytics.com/analytics.js\nmenu.init();",
            "/* loader: (function(w,d,s,l,i){...'https://www.googletagmanager.com/gtm.js?id='+i})\n fbq('init', '1') */ menu.init();",
            "<!-- fbq('init', '1'); \nmenu.init();",
            "var notice = \"We use google-analytics.com to count visits.\";",
            "var t = 'See https://www.google-analytics.com/opt-out for details';",
            "banner.text = 'Comments by disqus.com';",
            "if (/googletagmanager.com/.test(document.referrer)) { ref = 1; }",
            "var hosts = ['google-analytics.com', 'doubleclick.net'];",
            "var a = 'http://example.org/x'; // fbq('init', '1')",
            "var a = 1; /* x */ b(); /*\n fbq('init', '1') */",
        ] {
            assert_eq!(decide(&r, script), None, "{script}");
            assert_eq!(
                r.match_inline(script, CategorySet::NECESSARY_ONLY),
                None,
                "{script}"
            );
        }
        // `//` in a string before a signature on its line: lexed, and counted.
        let script = "var u = 'https://example.org/'; fbq('init', '1');";
        assert_eq!(decide(&r, script).map(|v| v.0), Some("meta-pixel".into()));
        assert!(r
            .match_inline(script, CategorySet::NECESSARY_ONLY)
            .is_some());
    }

    #[test]
    fn urls_the_page_navigates_to_are_not_loaders() {
        let r = vendor_rules();
        for script in [
            "btn.onclick = function () { window.open('https://www.google-analytics.com/opt-out?u=' + u); };",
            "open(\"https://google-analytics.com/x\", '_blank');",
            "if (x) location.href = 'https://google-analytics.com/x';",
            "window.location = 'https://google-analytics.com/x';",
            "location.replace('https://google-analytics.com/x');",
            "var share = 'https://www.google-analytics.com/sharer/sharer.php?u=' + u; a.href = share;",
            "var tweet = 'https://google-analytics.com/intent/tweet?text=' + t;",
            "s.src = 'https://google-analytics.com.example.org/a.js';",
            "console.log('Loading https://www.google-analytics.com/analytics.js was skipped');",
            "console.warn(\"https://www.google-analytics.com/analytics.js\")",
            "alert('https://www.google-analytics.com/analytics.js')",
        ] {
            assert_eq!(decide(&r, script), None, "{script}");
        }
        for script in [
            "s.src = 'https://www.google-analytics.com/analytics.js';",
            "xhr.open('https://www.google-analytics.com/collect');",
            "var u = 'https://www.google-analytics.com/shared/analytics.js'; s.src = u;",
            "link.href = 'https://www.google-analytics.com/analytics.js';",
            "s.src = 'https://www.google-analytics.com./analytics.js';",
            "logger.error(fetch('https://www.google-analytics.com/collect'));",
            "console.log(fetch('https://www.google-analytics.com/collect'));",
        ] {
            assert_eq!(
                decide(&r, script).map(|v| v.0),
                Some("google-analytics".into()),
                "{script}"
            );
        }
    }

    #[test]
    fn a_site_config_naming_ad_hosts_is_data() {
        let r = vendor_rules();
        // Shaped like a news site's config that its own bundle reads.
        let config = "context = {\"site\": \"news\", \"adServer\": \"securepubads.g.doubleclick.net\", \"gpt\": \"https://securepubads.g.doubleclick.net/tag/js/gpt.js\", \"analytics\": {\"ga\": \"UA-1-1\", \"host\": \"www.google-analytics.com\"}};";
        assert_eq!(decide(&r, config), None);
        let with_code =
            "var context = {adServer: 'securepubads.g.doubleclick.net', zone: 'home'}; initAds(context);";
        assert_eq!(decide(&r, with_code), None);
    }

    #[test]
    fn vendor_snippets_are_removed_whole() {
        let r = vendor_rules();
        let gtm = "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':\nnew Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],\nj=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=\n'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);\n})(window,document,'script','dataLayer','GTM-ABC123');";
        assert_eq!(
            decide(&r, gtm),
            Some(("google-analytics".into(), InlineRemoval::Whole))
        );
        let pixel = "!function(f,b,e,v,n,t,s)\n{if(f.fbq)return;n=f.fbq=function(){n.callMethod?\nn.callMethod.apply(n,arguments):n.queue.push(arguments)};\nif(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';\nn.queue=[];t=b.createElement(e);t.async=!0;\nt.src=v;s=b.getElementsByTagName(e)[0];\ns.parentNode.insertBefore(t,s)}(window, document,'script',\n'https://connect.facebook.net/en_US/fbevents.js');\nfbq('init', '123456789');\nfbq('track', 'PageView');";
        assert_eq!(
            decide(&r, pixel),
            Some(("meta-pixel".into(), InlineRemoval::Whole))
        );
    }

    #[test]
    fn urls_built_at_run_time_are_loaders() {
        let r = vendor_rules();
        for script in [
            "var s = document.createElement('script'); s.src = location.protocol + '//www.google-analytics.com/analytics.js'; document.head.appendChild(s);",
            "var ga = document.createElement('script'); ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';",
            "var u = 'https://' + 'www.google-analytics.com' + '/analytics.js'; load(u);",
            "var e = document.createElement('script'); e.setAttribute('language', 'javascript'); e.setAttribute('src', '//static.chartbeat.com/js/chartbeat.js'); document.body.appendChild(e);",
            "el.setAttribute('src', 'static.chartbeat.com/js/chartbeat_video.js');",
            "document.write('<scr' + 'ipt src=\"https://www.google-analytics.com/urchin.js\"></scr' + 'ipt>');",
            "navigator.sendBeacon('https://www.google-analytics.com/collect', payload);",
            "import('https://www.googletagmanager.com/gtag/js?id=G-1');",
            "new Image().src = '//www.google-analytics.com/collect?v=1&t=pageview';",
            "img.src = `${proto}//static.chartbeat.com/ping?h=${host}`;",
            "el.style.backgroundImage = 'url(\"//static.chartbeat.com/ping.gif\")';",
        ] {
            assert!(decide(&r, script).is_some(), "not recognised: {script}");
        }
    }

    #[test]
    fn hosts_spelled_for_the_url_parser_are_loaders() {
        let r = vendor_rules();
        for script in [
            r"s.src = 'https://static.chartbeat\x2ecom/js/a.js';",
            r"s.src = 'https://static.ch\u0061rtbeat.com/js/a.js';",
            r"s.src = 'https://static.ch\u{61}rtbeat.com/js/a.js';",
            r"s.src = 'https://static.ch\141rtbeat.com/js/a.js';",
            r"s.src = 'https://static.chart\
beat.com/js/a.js';",
            "s.src = 'https://static.chartbeat%2Ecom/js/a.js';",
            "s.src = '//static.chart\u{ad}beat\u{ff0e}com/js/a.js';",
            "s.src = 'https://u:p@static.chartbeat.com/js/a.js';",
            "s.src = 'https:static.chartbeat.com/js/a.js';",
            "s.src = 'https://static.chart\tbeat.com/js/a.js';",
        ] {
            assert!(decide(&r, script).is_some(), "not recognised: {script}");
        }
        for script in [
            r"var links = ['https://static.chartbeat\x2ecom/js/a.js'];",
            r"location.href = 'https://static.chartbeat\x2ecom/js/a.js';",
            r"s.src = 'https://static.example\x2ecom/js/a.js';",
            r"s.title = 'see https://static.chartbeat\x2ecom';",
        ] {
            assert!(decide(&r, script).is_none(), "recognised: {script}");
        }
    }

    #[test]
    fn strings_a_script_decodes_are_read() {
        let r = vendor_rules();
        let b64 = |s: &str| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(s)
        };
        let loader = "var s = document.createElement('script'); s.src = 'https://static.chartbeat.com/js/a.js'; document.head.appendChild(s);";
        let encoded =
            percent_encoding::utf8_percent_encode(loader, percent_encoding::NON_ALPHANUMERIC);
        for script in [
            format!("eval(atob('{}'));", b64(loader)),
            format!(
                "s.src = atob('{}');",
                b64("https://static.chartbeat.com/js/a.js")
            ),
            format!("eval(unescape('{encoded}'));"),
            format!("new Function(decodeURIComponent(\"{encoded}\"))();"),
        ] {
            assert!(decide(&r, &script).is_some(), "not recognised: {script}");
        }
        for script in [
            format!("var t = atob('{}');", b64("hello")),
            format!(
                "var c = JSON.parse(atob('{}'));",
                b64("{\"u\": \"https://static.chartbeat.com/js/a.js\"}")
            ),
            "var q = decodeURIComponent(location.search);".to_string(),
        ] {
            assert!(decide(&r, &script).is_none(), "recognised: {script}");
        }
    }

    #[test]
    fn a_separable_loader_statement_goes_alone() {
        let r = vendor_rules();
        let script = "\n  MathJax.Hub.Config({\n    tex2jax: {inlineMath: [['$','$'], ['\\\\(','\\\\)']]}\n  });\n  var disqus_shortname = 'example-blog';\n  (function () {\n    var s = document.createElement('script'); s.async = true;\n    s.type = 'text/javascript';\n    s.src = '//' + disqus_shortname + '.disqus.com/count.js';\n    (document.getElementsByTagName('HEAD')[0] || document.getElementsByTagName('BODY')[0]).appendChild(s);\n  }());\n";
        let (rule, removal) = decide(&r, script).unwrap();
        assert_eq!(rule, "disqus");
        let kept = kept(script, &removal);
        assert!(kept.contains("MathJax.Hub.Config({"), "{kept}");
        assert!(kept.contains("['$','$']"), "{kept}");
        assert!(!kept.contains("disqus"), "{kept}");
        assert_eq!(kept.trim_end().chars().last(), Some(';'), "{kept}");
        // Nothing left that the site's code still loads from Disqus.
        assert_eq!(decide(&r, &kept), None);
    }

    #[test]
    fn a_call_of_a_vendor_function_inside_site_code_goes_alone() {
        let r = vendor_rules();
        // Shaped like a lead form's script: the conversion call sits in
        // the form's success callback, among the site's own code.
        let script = "function reset() { $('#form').hide(); }\n$(document).ready(function () {\n  $('#form').on('submit', function (e) {\n    e.preventDefault();\n    $.ajax({ url: '/submit.php', success: function (res) {\n      reset();\n      return fbq('init', '123').then(done);\n    } });\n  });\n});\n";
        let (rule, removal) = decide(&r, script).unwrap();
        assert_eq!(rule, "meta-pixel");
        assert_eq!(
            kept(script, &removal),
            script.replace("return fbq('init', '123').then(done);", "")
        );
        // A call in a function passed to another call: the outer
        // statement goes, once.
        let nested =
            "function g() { fbq('init', '1')(function () { x();\nfbq('init', '2'); }); }\ng();";
        assert_eq!(
            decide(&r, nested).map(|v| v.1),
            Some(InlineRemoval::Statements(std::iter::once(15..72).collect()))
        );
        // The snippet that defines and loads the function goes whole, and
        // so does code that keeps what the call returns.
        for script in [
            "!function(f,b,e){f.fbq=function(){};var t=b.createElement(e);t.src='https://connect.facebook.net/en_US/fbevents.js';b.head.appendChild(t)}(window,document,'script');\nfbq('init', '1');",
            "function f() { var x = fbq('init', '1'); go(x); }\nf();",
            "function f() { fbq('init', '1') + go(); }\nf();",
        ] {
            assert_eq!(decide(&r, script).map(|v| v.1), Some(InlineRemoval::Whole), "{script}");
        }
    }

    #[test]
    fn a_src_statement_inside_site_code_goes_alone() {
        let r = vendor_rules();
        // Shaped like a magazine's resource loader: first-party MathJax
        // and the Disqus comment counter in one function the page calls.
        let script = "\n//<![CDATA[\nvar timer = 0;\nfunction resourceScripts() {\n  window.clearTimeout(timer);\n  var d = document, mathjax = d.createElement('script'), disqus = d.createElement('script');\n  mathjax.src = '/mathjax/MathJax.js?config=default';\n  (d.head || d.body).appendChild(mathjax);\n  disqus.src = 'https://example-mag.disqus.com/count.js';\n  disqus.id = 'dsq-count-scr';\n  (d.head || d.body).appendChild(disqus);\n}\ndocument.onreadystatechange = function () { if (document.readyState === 'complete') { resourceScripts(); } };\ntimer = window.setTimeout(function() { resourceScripts(); }, 6000);\n//]]>\n";
        let (rule, removal) = decide(&r, script).unwrap();
        assert_eq!(rule, "disqus");
        let kept = kept(script, &removal);
        assert!(!kept.contains("disqus.com"), "{kept}");
        assert!(kept.contains("mathjax.src = '/mathjax/MathJax.js?config=default';"));
        assert!(kept.contains("disqus.id = 'dsq-count-scr';"));
        assert_eq!(
            kept.len(),
            script.len() - "disqus.src = 'https://example-mag.disqus.com/count.js';".len()
        );
        // A loader in a brace-less `if` or an argument is not separable.
        for script in [
            "function f(d) { if (d) s.src = 'https://www.google-analytics.com/ga.js'; go(); }\nf(1);",
            "function f(d) { load(d, 'https://www.google-analytics.com/ga.js'); }\nf(1);",
        ] {
            assert_eq!(decide(&r, script).map(|v| v.1), Some(InlineRemoval::Whole), "{script}");
        }
    }

    #[test]
    fn inline_matching() {
        let r = rules();
        let ga = id(&r, "ga");
        let fb = id(&r, "fb");
        let cases: &[(&str, Option<RuleId>)] = &[
            (
                "(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;})",
                ga,
            ),
            ("!function(f,b,e,v,n,t,s){}; FBQ('init', '123');", fb),
            ("j.src='https://www.googletagmanager.com/gtm.js?id='+i;", ga),
            (
                "j.src='../www.googletagmanager.com/gtm5445.html?id='+i;",
                ga,
            ),
            ("var u = 'https://mygoogletagmanager.com/x';", None),
            ("var u = 'googletagmanager.community';", None),
            ("var u = 'googletagmanager.com.example.org';", None),
            ("console.log('hello')", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                r.match_inline(text, CategorySet::NECESSARY_ONLY),
                *expected,
                "{text}"
            );
        }
        // Large scripts are only searched for loader signatures.
        let mut big = "x".repeat(SMALL_INLINE_SCRIPT);
        big.push_str("'//www.google-analytics.com/x'");
        assert_eq!(r.match_inline(&big, CategorySet::NECESSARY_ONLY), None);
        big.push_str("GoogleAnalyticsObject");
        assert_eq!(r.match_inline(&big, CategorySet::NECESSARY_ONLY), ga);
    }

    #[test]
    fn hosts_split_across_glued_strings_are_read_whole() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        let loaders = [
            "var s=document.createElement('script');s.src='https://www.google' + 'tagmanager.com/gtm.js';document.head.appendChild(s)",
            "var a=document.createElement('script');a.src=['https://www.','google-analytics','.com/analytics.js'].join('');document.head.appendChild(a)",
        ];
        for code in loaders {
            assert!(judge(code).is_some(), "{code}");
        }
        let kept = [
            // Glued, but first party.
            "var u = 'https://www.' + 'example.org' + '/a.js'; var a = ['https://www.example.org/', 'x'].join('');",
            // Arguments are not glued.
            "log('https://www.', 'google-analytics', '.com');",
        ];
        for code in kept {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn hosts_held_in_names_are_glued_as_their_strings() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        let loaders = [
            r#"var h="google-analytics.com"; var s=document.createElement("script"); s.src="https://www."+h+"/analytics.js"; document.head.appendChild(s)"#,
            "var a = 1, host = 'www.google-analytics.com'\nnew Image().src = 'https://' + host + '/collect?v=1';",
            "var cfg = {id: 1, host: 'www.google-analytics.com'}; new Image().src = 'https://' + cfg.host + '/collect?v=1';",
        ];
        for code in loaders {
            assert!(judge(code).is_some(), "{code}");
        }
        let kept = [
            // Assigned again: the name may hold anything when it is used.
            "var h = 'google-analytics.com'; h = location.host; new Image().src = 'https://' + h + '/p.gif';",
            "var h = 'google-analytics.com'; h += '.example.org'; new Image().src = 'https://' + h + '/p.gif';",
            // A property of that name is another binding.
            "var h = 'example.org'; o.h = 'google-analytics.com'; new Image().src = 'https://' + h + '/p.gif';",
            "var o = {h: 'google-analytics.com'}; o.h = location.host; new Image().src = 'https://' + o.h + '/p.gif';",
        ];
        for code in kept {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn signatures_shaped_like_hosts_under_no_public_suffix_count_as_code() {
        let r = vendor_rules();
        // `gtm.start` as an object key: Google's tag, not a listed host.
        let snippet = "(function(w,l){w[l]=w[l]||[];w[l].push({'gtm.start': new Date().getTime(),event:'gtm.js'});})(window,'dataLayer');";
        assert!(decide(&r, snippet).is_some());
        assert!(r
            .match_inline(snippet, CategorySet::NECESSARY_ONLY)
            .is_some());
    }

    #[test]
    fn host_fragments_held_in_names_are_glued_as_their_strings() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        // No piece names a tracker host; glued, they do.
        let loaders = [
            "var a = 'google', b = 'analytics'; new Image().src = 'https://www.' + a + '-' + b + '.com/collect';",
            "const a = 'google-';\nnew Image().src = 'https://www.' + a + 'analytics.com/collect';",
            "const a = 'google-analytics'; new Image().src = `https://www.${a}.com/collect`;",
            "var c = {d: 'google-analytics'}; new Image().src = 'https://www.' + c.d + '.com/collect';",
        ];
        for code in loaders {
            assert!(judge(code).is_some(), "{code}");
            assert!(
                r.decide_inline(code, CategorySet::NECESSARY_ONLY).is_some(),
                "{code}"
            );
        }
        let kept = [
            "var a = 'google'; var greeting = 'Hello ' + a + '!'; console.log(greeting, 'https://example.org/');",
            "var a = 'google'; new Image().src = 'https://www.' + a + '.example.org/p.gif';",
            // A link the script sets navigates.
            "var a = 'google-analytics'; document.getElementById('f').href = 'https://www.' + a + '.com/';",
        ];
        for code in kept {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn hosts_read_through_brackets_quoted_keys_globals_templates_and_joins() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        let loaders = [
            "var cfg = {host: 'www.google-analytics.com'}; new Image().src = 'https://' + cfg['host'] + '/collect?v=1';",
            "var cfg = {'host': 'www.google-analytics.com'}; new Image().src = 'https://' + cfg.host + '/collect?v=1';",
            "window.GA = 'www.google-analytics.com'; new Image().src = 'https://' + window.GA + '/collect?v=1';",
            "window.GA = 'www.google-analytics.com'; new Image().src = 'https://' + GA + '/collect?v=1';",
            "var h = 'www.google-analytics.com'; new Image().src = `https://${h}/collect?v=1`;",
            "fetch(`//${'www.google-analytics.com'}/collect?v=${v}`);",
            "var p = 'https://', h = 'www.google-analytics.com'; new Image().src = p + h + '/collect?v=1';",
            "new Image().src = ['https:', '', 'www.google-analytics.com', 'collect?v=1'].join('/');",
        ];
        for code in loaders {
            assert!(judge(code).is_some(), "{code}");
        }
        let kept = [
            // Unknown text substituted: the host is not read whole.
            "var h = 'www.google-analytics.com'; new Image().src = `https://${sub}.example.org/p.gif`;",
            // Another object's property of that name.
            "window.GA = 'www.google-analytics.com'; new Image().src = 'https://' + other.GA.x + '/p.gif';",
            "new Image().src = ['https://cdn.example.org', 'www.google-analytics.com'].join('/?h=');",
        ];
        for code in kept {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn urls_in_character_codes_and_websocket_hosts_are_read() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        // `https://www.google-analytics.com/c`, and a first-party `/c`.
        let codes = "104,116,116,112,115,58,47,47,119,119,119,46,103,111,111,103,108,101,45,97,110,97,108,121,116,105,99,115,46,99,111,109,47,99";
        assert!(judge(&format!("new Image().src = String.fromCharCode({codes});")).is_some());
        assert_eq!(
            judge("new Image().src = String.fromCharCode(47, 99) + '?v=1';"),
            None
        );
        assert!(judge("var ws = new WebSocket('wss://www.google-analytics.com/x');").is_some());
        assert_eq!(
            judge("var ws = new WebSocket('wss://ws.example.org/x');"),
            None
        );
    }

    #[test]
    fn urls_in_code_the_script_runs_from_a_string_are_read() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        // `https://www.google-analytics.com/c`.
        let codes = "104,116,116,112,115,58,47,47,119,119,119,46,103,111,111,103,108,101,45,97,110,97,108,121,116,105,99,115,46,99,111,109,47,99";
        assert!(judge(&format!("new Image().src = String.fromCodePoint({codes});")).is_some());
        for code in [
            "setTimeout(\"fetch('https://www.google-analytics.com/g/collect')\", 10);",
            "new Function(\"navigator.sendBeacon('https://www.google-analytics.com/g/collect')\")();",
            "setInterval('new Image().src=\\'https://www.google-analytics.com/c\\'', 5000);",
            "var b = new Blob([\"fetch('https://www.google-analytics.com/g/collect')\"]); new Worker(URL.createObjectURL(b));",
        ] {
            assert!(judge(code).is_some(), "{code}");
        }
        for code in [
            "setTimeout(\"fetch('https://cdn.example.org/g/collect')\", 10);",
            "setTimeout(\"console.log('https://www.google-analytics.com/g/collect is off')\", 10);",
            "var t = 'fetch(\\'https://www.google-analytics.com/g/collect\\')';",
        ] {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn code_in_data_urls_and_in_a_created_scripts_text_is_read() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        for code in [
            "import('data:text/javascript;base64,ZmV0Y2goJ2h0dHBzOi8vd3d3Lmdvb2dsZS1hbmFseXRpY3MuY29tL2cvY29sbGVjdCcp')",
            "var s = document.createElement('script'); s.src = 'data:;base64,ZmV0Y2goJ2h0dHBzOi8vd3d3Lmdvb2dsZS1hbmFseXRpY3MuY29tL2cvY29sbGVjdCcp'; document.head.appendChild(s);",
            "import 'data:text/javascript,fetch(%22https://www.google-analytics.com/g/collect%22)';",
            "var s = document.createElement('script'); s.textContent = \"new Image().src='https://www.google-analytics.com/c'\"; document.head.appendChild(s);",
            "var s = document.createElement('script'); s.text = 'fetch(\"https://www.google-analytics.com/g/\\x63ollect\")'; document.head.appendChild(s);",
        ] {
            assert!(judge(code).is_some(), "{code}");
        }
        for code in [
            "import('data:text/javascript;base64,ZmV0Y2goJ2h0dHBzOi8vY2RuLmV4YW1wbGUub3JnL2cvY29sbGVjdCcp')",
            // An image's data URL runs nothing.
            "img.src = 'data:image/svg+xml;base64,ZmV0Y2goJ2h0dHBzOi8vd3d3Lmdvb2dsZS1hbmFseXRpY3MuY29tL2cvY29sbGVjdCcp';",
            // Text shown in an element, and structured data given to a script.
            "var d = document.createElement('div'); d.textContent = 'We use https://www.google-analytics.com/c'; document.body.appendChild(d);",
            "var s = document.createElement('script'); s.type = 'application/ld+json'; s.textContent = '{\"sameAs\":[\"https://www.google-analytics.com/c\"]}'; document.head.appendChild(s);",
        ] {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn host_pieces_in_named_arrays_and_named_runs_are_read() {
        let r = vendor_rules();
        let judge = |code: &str| r.match_inline(code, CategorySet::NECESSARY_ONLY);
        for code in [
            "var p = ['www', 'google-analytics', 'com']; new Image().src = 'https://' + p.join('.') + '/c';",
            "var h = ['www', 'google-analytics', 'com'].join('.'); new Image().src = 'https://' + h + '/c';",
            "var h = 'www.google' + '-analytics.com'; new Image().src = 'https://' + h + '/c';",
            "new Image().src = `https://www.${'google-analytics'}.com/c`;",
            "var h = 'www.google-analytics.com'; new Image().src = 'https://'.concat(h, '/c');",
            "new Image().src = 'https://www.'.concat('google-analytics', '.com/c');",
        ] {
            assert!(judge(code).is_some(), "{code}");
        }
        for code in [
            "var p = ['cdn', 'example', 'org']; new Image().src = 'https://' + p.join('.') + '/c';",
            // Bound again: no constant.
            "var p = ['www', 'google-analytics', 'com']; p = ['cdn', 'example', 'org']; new Image().src = 'https://' + p.join('.') + '/c';",
            // Hosts listed as text.
            "var v = ['www.google-analytics.com', 'www.facebook.com']; el.innerHTML = '<p>We use ' + v.join(', ') + '</p>';",
        ] {
            assert_eq!(judge(code), None, "{code}");
        }
    }

    #[test]
    fn urls_only_compared_shown_encoded_or_linked_load_nothing() {
        let r = vendor_rules();
        for script in [
            "if (a.href.indexOf('//www.google-analytics.com/') > -1) { a.rel = 'noopener'; }",
            "if (u.startsWith('https://www.google-analytics.com/')) { block(u); }",
            "img.alt = 'https://www.google-analytics.com/tr'; img.src = '/px.gif';",
            "el.textContent = 'https://www.google-analytics.com/g/collect';",
            "fetch('/proxy?u=' + encodeURIComponent('https://www.google-analytics.com/g/collect'));",
            "var a = document.createElement('a'); a.href = 'https://www.google-analytics.com/acme'; document.body.appendChild(a);",
            "document.write('<a class=\"f\" href=\"https://www.google-analytics.com/acme\">f</a>');",
            "el.innerHTML = '<p><A HREF=https://www.google-analytics.com/acme>f</A></p>';",
            "console.log('See https://x.disqus.com/count.js');",
        ] {
            assert_eq!(decide(&r, script), None, "{script}");
        }
        for script in [
            "var l = document.createElement('link'); l.rel = 'stylesheet'; l.href = 'https://www.google-analytics.com/x.css'; document.head.appendChild(l);",
            "document.write('<link rel=stylesheet href=\"https://www.google-analytics.com/x.css\">');",
            "el.innerHTML = '<a href=\"/x\" style=\"background:url(https://www.google-analytics.com/c)\">x</a>';",
            "el.innerHTML = '<a href=\"/x\"><img src=\"https://www.google-analytics.com/c\"></a>';",
            "if (ready) fetch('https://www.google-analytics.com/g/collect');",
        ] {
            assert!(decide(&r, script).is_some(), "{script}");
        }
    }

    #[test]
    fn bare_host_signatures_count_only_where_a_fetch_may_take_them() {
        // A signature that names a host, as the catalogue's Facebook SDK has.
        let r = TagRules::new(&[spec(
            "facebook",
            Category::MARKETING,
            &["facebook.net", "www.facebook.com"],
            &["connect.facebook.net"],
        )])
        .unwrap();
        let g = CategorySet::NECESSARY_ONLY;
        for script in [
            "var vendors = ['connect.facebook.net', 'www.googletagmanager.com']; function blocked(h) { return vendors.indexOf(h) >= 0; }",
            "var blocked = {'connect.facebook.net': true, \"www.facebook.com\": 1}; function allowed(u) { return !blocked[new URL(u).hostname]; }",
            "const hosts = new Set(['connect.facebook.net', 'platform.twitter.com']); if (hosts.has(location.hostname)) stop();",
            "if (location.hostname === 'connect.facebook.net' || 'connect.facebook.net' == h) { x(); }",
            "switch (host) { case 'connect.facebook.net': kind = 'social'; break; }",
            "var FB = 'connect.facebook.net'; if (u.host !== FB && list.includes(FB)) { y(); }",
            "if (['connect.facebook.net', 'www.facebook.com'].includes(new URL(src).host)) { blocked++; }",
            "var ORIGINS = ['https://connect.facebook.net', 'https://www.facebook.com/']; addEventListener('message', function (e) { if (ORIGINS.indexOf(e.origin) < 0) return; go(e.data); });",
            "if (e.origin !== 'https://connect.facebook.net') return;",
            "if (/connect.facebook.net/.test(document.referrer)) { x(); } var f = ref.replace(/connect.facebook.net/g, '');",
            // Printed text that goes on to a later line.
            "console.log('blocked: \\\nconnect.facebook.net');",
            "console.log(`blocked:\nconnect.facebook.net`);",
        ] {
            assert_eq!(decide(&r, script), None, "{script}");
            // The quick search, which skips lexing where it can, agrees.
            assert_eq!(r.match_inline(script, g), None, "{script}");
        }
        for script in [
            // Glued, bound to a name that is glued, iterated, passed, returned.
            "var s = document.createElement('script'); s.src = 'https://' + 'connect.facebook.net' + '/en_US/sdk.js'; document.head.appendChild(s);",
            "var FB = 'connect.facebook.net'; if (location.hostname !== FB) { load('https://' + FB + '/en_US/sdk.js'); }",
            "var hosts = ['connect.facebook.net']; hosts.forEach(function (h) { load('https://' + h + '/en_US/sdk.js'); });",
            "var FB = 'connect.facebook.net'; init(FB);",
            "function host() { return 'connect.facebook.net'; }",
            "var cfg = {sdk: 'connect.facebook.net'}; load(cfg);",
            "var hosts = ['connect.facebook.net', 'x.example']; if (hosts.indexOf(h) < 0) { load(hosts[0]); }",
            "preconnect('connect.facebook.net');",
            "var O = 'https://connect.facebook.net'; if (e.origin === O) { go(); } load(O + '/en_US/sdk.js');",
            "var re = /connect.facebook.net/; load(re.source);",
        ] {
            assert!(decide(&r, script).is_some(), "{script}");
            assert!(r.match_inline(script, g).is_some(), "{script}");
        }
    }

    #[test]
    fn urls_compared_set_to_shown_attributes_or_printed_load_nothing() {
        let r = vendor_rules();
        for script in [
            "var b = document.querySelector('.share'); b.setAttribute('data-share-url', 'https://www.google-analytics.com/acme'); b.setAttribute(\"title\", 'https://www.google-analytics.com/acme');",
            "el.setAttribute('aria-label', 'Open https://www.google-analytics.com/acme'); el.dataset.network = 'https://www.google-analytics.com/acme';",
            "console.log('[consent] blocked', 'https://www.google-analytics.com/analytics.js');",
            "console.warn('blocked %s', url, 'https://x.disqus.com/count.js');",
            "if (u.origin === 'https://www.google-analytics.com' || src == 'https://x.disqus.com/count.js') { blocked++; }",
            "switch (src) { case 'https://www.google-analytics.com/analytics.js': kind = 'ga'; }",
        ] {
            assert_eq!(decide(&r, script), None, "{script}");
        }
        for script in [
            // What lazy loaders swap in, and what a fetch is given second.
            "img.setAttribute('data-src', 'https://www.google-analytics.com/c'); lazy.update();",
            "img.setAttribute('data-lazy-srcset', 'https://www.google-analytics.com/c 2x');",
            "img.dataset.src = 'https://www.google-analytics.com/c'; el.dataset.bg = 'https://www.google-analytics.com/d';",
            "el.setAttribute('src', 'https://www.google-analytics.com/c');",
            "el.setAttribute(name, 'https://www.google-analytics.com/c');",
            "log('x', 'https://www.google-analytics.com/c');",
        ] {
            assert!(decide(&r, script).is_some(), "{script}");
        }
    }

    #[test]
    fn names_bound_to_hosts_by_an_earlier_script_are_glued_as_their_strings() {
        let r = vendor_rules();
        let g = CategorySet::NECESSARY_ONLY;
        let (verdict, binds) = r.decide_inline_in_page(
            "var GA_HOST = 'www.google-analytics.com'; window.cfg = {host: 'www.googletagmanager.com', id: 'x'};",
            g,
            &[],
        );
        assert_eq!(verdict, None);
        let binds = binds.expect("names bound to hosts");
        let names: Vec<(bool, &str)> = binds.iter().map(|b| (b.property, &*b.name)).collect();
        assert_eq!(names, [(false, "GA_HOST"), (true, "host")]);
        // Granted, the hosts bind nothing.
        let (_, none) = r.decide_inline_in_page(
            "var GA_HOST = 'www.google-analytics.com';",
            g.with(Category::ANALYTICS),
            &[],
        );
        assert!(none.is_none());
        let loaders = [
            "var s = document.createElement('script'); s.src = 'https://' + GA_HOST + '/a.js'; document.head.appendChild(s);",
            "var s = document.createElement('script'); s.src = 'https://' + cfg.host + '/a.js'; document.head.appendChild(s);",
            "new Image().src = `https://${cfg['host']}/collect?v=1`;",
        ];
        for code in loaders {
            // Remembered verdicts do not leak between pages, in either order.
            for _ in 0..2 {
                assert!(r.decide_inline_in_page(code, g, &[]).0.is_none(), "{code}");
                assert!(
                    r.decide_inline_in_page(code, g, &binds).0.is_some(),
                    "{code}"
                );
            }
        }
        let kept = [
            // Bound again here, or only compared or navigated to.
            "var GA_HOST = 'cdn.example.org'; new Image().src = 'https://' + GA_HOST + '/p.gif';",
            "if (location.hostname === GA_HOST) { console.log('x'); }",
            "location.href = 'https://' + GA_HOST + '/opt-out';",
        ];
        for code in kept {
            assert_eq!(r.decide_inline_in_page(code, g, &binds).0, None, "{code}");
        }
    }

    #[test]
    fn code_the_visitor_sets_off_counts_hosts_a_loader_uses() {
        let r = vendor_rules();
        let triggered = |code: &str| {
            r.decide_triggered(code, CategorySet::NECESSARY_ONLY)
                .map(|v| v.rule)
        };
        let loaders = [
            "var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js';document.head.appendChild(s)",
            "new Image().src='https://www.google-analytics.com/collect?v=1'",
            "navigator.sendBeacon('https://www.google-analytics.com/g/collect')",
            "fetch('https://www.google-analytics.com/g/collect', {method: 'POST'})",
        ];
        for code in loaders {
            assert!(triggered(code).is_some(), "{code}");
        }
        // A URL string handed to a click-tracking function is a label or
        // the page the visitor goes to: an inline script would count it.
        let label = "trackSocial('facebook', 'https://www.google-analytics.com/about')";
        assert_eq!(triggered(label), None);
        assert!(r.match_inline(label, CategorySet::NECESSARY_ONLY).is_some());
    }

    #[test]
    fn data_assignments_are_recognised() {
        let data = [
            "window.__APOLLO_STATE__ = {\"a\":\"(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})\"};",
            "\n//<![CDATA[\nwindow.__app__ = {\n state: {\"x\": [1, \"}\"]}\n};\n//]]>\n",
            "var a = [1,2]; let b = 'x'; const c = JSON.parse(\"{}\")",
            "window.__DATA__ = JSON.parse( '{\"u\": \"(x)\"}' );",
            "self.__next_f.x = `template ${1}`",
        ];
        for script in data {
            assert!(is_data_assignment(script), "{script}");
        }
        let code = [
            "var _gaq = [['_setAccount','UA-1']]; (function(){ var ga = 1; })();",
            "(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window)",
            "window.a = {}; fbq('init', '1');",
            "a == {}",
            "s.src = 'https://www.google-analytics.com/ga.js';",
            "document.body.style.backgroundImage = 'url(https://www.facebook.com/tr)';",
            "el.innerHTML = '<img src=\"https://www.facebook.com/tr\">';",
            "window.a = {unbalanced",
            // A call's result, a method or an arrow function is code.
            "window.twttr = (function(d, s, id) { var js = d.createElement(s); js.src = 'https://platform.twitter.com/widgets.js'; return {}; }(document, 'script', 'twitter-wjs'));",
            "window.cfg = {load: function() { return 1; }};",
            "window.cfg = {load: e => e.src = '/x.js'};",
            "",
            "// only a comment",
        ];
        for script in code {
            assert!(!is_data_assignment(script), "{script}");
        }
        let r = rules();
        assert_eq!(
            r.match_inline(data[0], CategorySet::NECESSARY_ONLY),
            None,
            "a signature quoted in data is data"
        );
        assert_eq!(
            r.match_inline(
                "var GoogleAnalyticsObject = 'ga';",
                CategorySet::NECESSARY_ONLY
            ),
            id(&r, "ga"),
            "a signature written as code in a small config snippet counts"
        );
        let state = format!(
            "window.__STATE__ = {{\"pad\": \"{}\", \"a\": \"{}\"}};",
            "x".repeat(SMALL_INLINE_SCRIPT),
            "GoogleAnalyticsObject"
        );
        assert_eq!(r.match_inline(&state, CategorySet::NECESSARY_ONLY), None);
        assert!(r
            .match_inline(
                "(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window)",
                CategorySet::NECESSARY_ONLY
            )
            .is_some());
    }
}

//! Case-insensitive search for many literals at once, fast on text that
//! mostly holds none of them (inline scripts).
//!
//! At each position one 64 Kbit filter of the first four (case-folded)
//! bytes of every literal is tested; on ordinary script text it rejects
//! about 97% of positions at the cost of a load, a multiply and a bit test.
//! Where it passes, a second filter of the first eight bytes of the long
//! literals (or of the first four of the short ones) is tested, and only
//! where that hits does an anchored Aho-Corasick automaton check for a
//! literal starting there: several times cheaper than running a DFA over a
//! thousand literals.

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind,
};

/// The shortest literal the prefilter supports.
const SHORT: usize = 4;
/// Literals at least this long are filtered on this many bytes.
const LONG: usize = 8;
const FILTER_BITS: usize = 1 << 16;

/// A compiled set of literals.
#[derive(Clone, Debug)]
pub struct LiteralSet {
    anchored: AhoCorasick,
    /// Filter on the first 4 bytes of every literal: the one test most
    /// positions get.
    first: Filter,
    /// Filter on the first 8 bytes of literals of 8+ bytes.
    long: Filter,
    /// Filter on the first 4 bytes of shorter literals, if any.
    short: Option<Filter>,
}

/// A bitset of hashed grams.
#[derive(Clone, Debug)]
struct Filter(Box<[u64]>);

impl Filter {
    fn new() -> Filter {
        Filter(vec![0u64; FILTER_BITS / 64].into_boxed_slice())
    }

    fn insert(&mut self, gram: u64) {
        let slot = slot(gram);
        self.0[slot / 64] |= 1 << (slot % 64);
    }

    fn contains(&self, gram: u64) -> bool {
        let slot = slot(gram);
        self.0[slot / 64] & (1 << (slot % 64)) != 0
    }
}

/// One occurrence of a literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The literal's index in the list it was built from.
    pub pattern: usize,
    /// Byte offset where it starts.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
}

impl LiteralSet {
    /// The set of `literals`, each at least 4 bytes long; `None` when empty.
    ///
    /// # Panics
    /// When a literal is shorter than 4 bytes (the config rejects those).
    pub fn new(literals: &[String]) -> Option<LiteralSet> {
        if literals.is_empty() {
            return None;
        }
        let mut long = Filter::new();
        let mut short = Filter::new();
        let mut any_short = false;
        let mut first = Filter::new();
        for literal in literals {
            let bytes = literal.as_bytes();
            assert!(
                bytes.len() >= SHORT,
                "literal `{literal}` is shorter than {SHORT} bytes"
            );
            first.insert(gram4(bytes, 0));
            if bytes.len() >= LONG {
                long.insert(gram8(bytes, 0));
            } else {
                short.insert(gram4(bytes, 0));
                any_short = true;
            }
        }
        let anchored = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .kind(Some(AhoCorasickKind::DFA))
            .build(literals)
            .expect("literal patterns always build");
        Some(LiteralSet {
            anchored,
            first,
            long,
            short: any_short.then_some(short),
        })
    }

    /// Every position where a literal starts, in order, with the longest
    /// literal starting there.
    pub fn hits<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Hit> + 'a {
        let bytes = text.as_bytes();
        let last = bytes.len().saturating_sub(SHORT - 1);
        (0..last).filter_map(move |i| {
            if !self.first.contains(gram4(bytes, i)) {
                return None;
            }
            let candidate = (i + LONG <= bytes.len() && self.long.contains(gram8(bytes, i)))
                || self
                    .short
                    .as_ref()
                    .is_some_and(|f| f.contains(gram4(bytes, i)));
            if !candidate {
                return None;
            }
            let input = Input::new(bytes).range(i..).anchored(Anchored::Yes);
            self.anchored.find(input).map(|m| Hit {
                pattern: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
        })
    }
}

/// Eight bytes at `i`, ASCII letters folded to lower case (other bytes
/// change too, identically for literals and text, which only merges slots).
fn gram8(bytes: &[u8], i: usize) -> u64 {
    let eight: [u8; 8] = bytes[i..i + 8].try_into().expect("eight bytes");
    u64::from_le_bytes(eight) | 0x2020_2020_2020_2020
}

/// Four bytes at `i`, folded like [`gram8`].
fn gram4(bytes: &[u8], i: usize) -> u64 {
    let four: [u8; 4] = bytes[i..i + 4].try_into().expect("four bytes");
    u64::from(u32::from_le_bytes(four) | 0x2020_2020)
}

fn slot(gram: u64) -> usize {
    (gram.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(literals: &[&str]) -> LiteralSet {
        LiteralSet::new(&literals.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn finds_every_start_case_insensitively() {
        let s = set(&["fbq('init'", "googletagmanager.com", "google"]);
        let hits: Vec<_> = s
            .hits("x FBQ('INIT', 1); //www.GoogleTagManager.com/gtm.js")
            .collect();
        assert_eq!(
            hits,
            [
                Hit {
                    pattern: 0,
                    start: 2,
                    end: 12
                },
                Hit {
                    pattern: 1,
                    start: 24,
                    end: 44
                },
            ]
        );
        assert_eq!(s.hits("google").count(), 1);
        assert_eq!(s.hits("goo").count(), 0);
        assert_eq!(s.hits("").count(), 0);
        assert_eq!(
            s.hits("ünïcödé google ünïcödé").next().map(|h| h.start),
            Some(12)
        );
    }

    #[test]
    fn agrees_with_a_plain_search() {
        let literals = ["analytics.js", "_gaq.push(", "hotjar", "doubleclick.net"];
        let s = set(&literals);
        let text =
            "var a = 'HOTJAR'; _GAQ.push(['x']); load('//stats.doubleclick.net/analytics.js');";
        let lower = text.to_ascii_lowercase();
        let expected: Vec<usize> = (0..text.len())
            .filter(|&i| {
                literals
                    .iter()
                    .any(|l| lower[i..].starts_with(&l.to_ascii_lowercase()))
            })
            .collect();
        let got: Vec<usize> = s.hits(text).map(|h| h.start).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn agrees_with_a_plain_search_on_random_text() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let alphabet = b"abcdefgxyz._('/ ";
        let word = |rng: &mut rand::rngs::StdRng, len: usize| -> String {
            (0..len)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect()
        };
        // Short and long literals sharing prefixes, as real signatures do.
        let literals: Vec<String> = (0..300)
            .map(|_| {
                let len = rng.random_range(SHORT..20);
                word(&mut rng, len)
            })
            .collect();
        let s = LiteralSet::new(&literals).unwrap();
        for _ in 0..200 {
            let mut text = String::new();
            for _ in 0..20 {
                if rng.random_bool(0.3) {
                    let literal = &literals[rng.random_range(0..literals.len())];
                    text.push_str(&literal.to_ascii_uppercase());
                } else {
                    let len = rng.random_range(0..12);
                    text.push_str(&word(&mut rng, len));
                }
            }
            let lower = text.to_ascii_lowercase();
            let expected: Vec<usize> = (0..text.len())
                .filter(|&i| literals.iter().any(|l| lower[i..].starts_with(l.as_str())))
                .collect();
            let got: Vec<usize> = s.hits(&text).map(|h| h.start).collect();
            assert_eq!(got, expected, "in {text:?}");
        }
    }
}

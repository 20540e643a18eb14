//! Case-insensitive search for many literals at once, fast on text that
//! mostly holds none of them (inline scripts).
//!
//! One pass reads the text four bytes at a time. Only every `stride`-th
//! position is tested (every fourth when no literal is shorter than five
//! bytes): the (case-folded) four bytes there are looked up in one bit
//! filter. For that to miss no occurrence, each literal puts into the
//! filter one four-byte *anchor* per position class modulo the stride,
//! the rarest-looking one of that class; an anchor may overhang the
//! literal by one byte on either side, which then stands for any byte.
//! Where the filter passes, the anchors with that exact gram are checked
//! against the text. Like Hyperscan's FDR or Wu-Manber, the cost per byte
//! is a fraction of a filter test, and no automaton runs over the text.
//! With AVX2, eight positions are hashed and looked up at once (one
//! vector load holds their grams, one gather their filter words).

use std::collections::{HashMap, HashSet};

use super::common_grams::COMMON_GRAMS;

/// The gram size in bytes.
const GRAM: usize = 4;
/// The shortest literal supported.
pub const MIN_LITERAL: usize = 4;
/// log2 of the filter's size in 32-bit words (32 KiB: stays in the L1 cache).
const FILTER_WORDS_LOG2: u32 = 13;
/// Multipliers for the gram hash: a set keeps the one that lets the
/// fewest common script grams through its filter by chance.
const HASH_MULTIPLIERS: [u32; 8] = [
    0x9E37_79B1,
    0x85EB_CA77,
    0xC2B2_AE3D,
    0x27D4_EB2F,
    0x1656_67B1,
    0xCC9E_2D51,
    0x1B87_3593,
    0xE654_6B65,
];

/// A compiled set of literals.
#[derive(Clone, Debug)]
pub struct LiteralSet {
    /// Positions tested: 0, `stride`, 2·`stride`, …
    stride: usize,
    /// Two bits of one word set for the hashed grams of every anchor.
    filter: Box<[u32]>,
    /// The multiplier of the gram hash.
    multiplier: u32,
    /// The anchors of each filter word: `anchors[starts[w]..starts[w + 1]]`.
    starts: Box<[u32]>,
    anchors: Box<[Anchor]>,
    /// Each literal, ASCII lower-case.
    literals: Vec<Box<[u8]>>,
}

/// Where a gram sits in a literal.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    /// The folded gram.
    gram: u32,
    literal: u32,
    /// The gram's offset in the literal (−1: it starts one byte before).
    offset: i32,
    /// The literal's first eight bytes (fewer when shorter), folded as
    /// the grams are, and the mask of the bytes it has: one compare, on
    /// the cache line the anchor is on, rejects most anchors whose gram
    /// matched by chance.
    head: u64,
    head_mask: u64,
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
    /// The set of `literals`, each at least [`MIN_LITERAL`] bytes long;
    /// `None` when empty.
    ///
    /// # Panics
    /// When a literal is shorter than [`MIN_LITERAL`] (the config rejects those).
    pub fn new(literals: &[String]) -> Option<LiteralSet> {
        let shortest = literals.iter().map(String::len).min()?;
        assert!(
            shortest >= MIN_LITERAL,
            "literals must be at least {MIN_LITERAL} bytes long"
        );
        // A literal of n bytes has n - 1 gram offsets, -1 ..= n - 3.
        let stride = if shortest > 4 { 4 } else { 2 };
        let mut set = LiteralSet {
            stride,
            filter: vec![0u32; 1 << FILTER_WORDS_LOG2].into_boxed_slice(),
            multiplier: HASH_MULTIPLIERS[0],
            starts: Box::default(),
            anchors: Box::default(),
            literals: literals
                .iter()
                .map(|l| l.to_ascii_lowercase().into_bytes().into_boxed_slice())
                .collect(),
        };
        let ranks: HashMap<&[u8], usize> = COMMON_GRAMS
            .iter()
            .enumerate()
            .map(|(rank, g)| (g.as_bytes(), rank))
            .collect();
        let mut anchors = Vec::new();
        for index in 0..set.literals.len() {
            set.add_anchors(index, &ranks, &mut anchors);
        }
        let grams: HashSet<u32> = anchors.iter().map(|a| a.gram).collect();
        let (multiplier, filter) = HASH_MULTIPLIERS
            .iter()
            .map(|&multiplier| (multiplier, filter_of(&grams, multiplier)))
            .min_by_key(|(multiplier, filter)| chance_passes(filter, *multiplier, &grams))
            .expect("there are multipliers");
        set.multiplier = multiplier;
        set.filter = filter;
        anchors.sort_by_key(|a| filter_bits(a.gram, multiplier).0);
        let mut starts = vec![0u32; set.filter.len() + 1];
        for anchor in &anchors {
            starts[filter_bits(anchor.gram, multiplier).0 + 1] += 1;
        }
        for w in 0..set.filter.len() {
            starts[w + 1] += starts[w];
        }
        set.starts = starts.into_boxed_slice();
        set.anchors = anchors.into_boxed_slice();
        Some(set)
    }

    /// Adds the cheapest anchor of each position class of literal `index`.
    fn add_anchors(&self, index: usize, ranks: &HashMap<&[u8], usize>, anchors: &mut Vec<Anchor>) {
        let literal = self.literals[index].clone();
        let last = literal.len() as i32 - 3;
        for class in 0..self.stride as i32 {
            let offset = (-1..=last)
                .filter(|o| o.rem_euclid(self.stride as i32) == class)
                .min_by_key(|&o| anchor_cost(&literal, o, ranks))
                .expect("every class has an offset");
            let (head, head_mask) = head(&literal);
            for gram in anchor_grams(&literal, offset) {
                anchors.push(Anchor {
                    gram,
                    literal: index as u32,
                    offset,
                    head,
                    head_mask,
                });
            }
        }
    }

    /// Every occurrence of every literal, ordered by start, the longest
    /// first where several start at one position. Allocates only when
    /// there are hits.
    pub fn hits(&self, text: &str) -> Vec<Hit> {
        self.hits_in_bytes(text.as_bytes())
    }

    /// [`LiteralSet::hits`] in bytes that need not be UTF-8.
    pub fn hits_in_bytes(&self, bytes: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let scanned = self.scan_vectors(bytes, &mut hits);
        match self.stride {
            4 => self.scan::<4>(bytes, scanned, &mut hits),
            _ => self.scan::<2>(bytes, scanned, &mut hits),
        }
        if hits.len() > 1 {
            hits.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.pattern));
            hits.dedup();
        }
        hits
    }

    /// Tests the positions before the returned offset (a multiple of
    /// [`GRAM`]) eight at a time, where the CPU allows.
    fn scan_vectors(&self, bytes: &[u8], hits: &mut Vec<Hit>) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            avx2::scan(self, bytes, hits)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (bytes, hits);
            0
        }
    }

    /// Tests the gram at every `STRIDE`-th position from `from` (a multiple
    /// of [`GRAM`]), reading each aligned word once and building the grams
    /// between two words from them.
    fn scan<const STRIDE: usize>(&self, bytes: &[u8], from: usize, hits: &mut Vec<Hit>) {
        let mut words = bytes[from..]
            .chunks_exact(GRAM)
            .map(|w| u32::from_le_bytes(w.try_into().expect("four bytes")) | 0x2020_2020);
        let Some(mut previous) = words.next() else {
            return self.scan_tail::<STRIDE>(bytes, from, hits);
        };
        self.test(bytes, from, previous, hits);
        let mut at = from;
        for word in words {
            if STRIDE == 2 {
                self.test(bytes, at + 2, (previous >> 16) | (word << 16), hits);
            }
            at += GRAM;
            self.test(bytes, at, word, hits);
            previous = word;
        }
        self.scan_tail::<STRIDE>(bytes, at + STRIDE, hits);
    }

    /// Tests the positions from `from` on that the aligned words did not
    /// cover; past the end the text reads as one padding byte, so that an
    /// anchor overhanging a literal at the very end is still seen.
    fn scan_tail<const STRIDE: usize>(&self, bytes: &[u8], from: usize, hits: &mut Vec<Hit>) {
        let mut at = from;
        while at + GRAM <= bytes.len() + 1 {
            let mut four = [0u8; GRAM];
            let available = (bytes.len() - at).min(GRAM);
            four[..available].copy_from_slice(&bytes[at..at + available]);
            self.test(bytes, at, u32::from_le_bytes(four) | 0x2020_2020, hits);
            at += STRIDE;
        }
    }

    #[inline(always)]
    fn test(&self, bytes: &[u8], at: usize, gram: u32, hits: &mut Vec<Hit>) {
        let (word, mask) = filter_bits(gram, self.multiplier);
        if self.filter[word] & mask == mask {
            self.verify(bytes, at, gram, word, hits);
        }
    }

    #[cold]
    fn verify(&self, bytes: &[u8], at: usize, gram: u32, word: usize, hits: &mut Vec<Hit>) {
        let anchors = &self.anchors[self.starts[word] as usize..self.starts[word + 1] as usize];
        for anchor in anchors.iter().filter(|a| a.gram == gram) {
            let Some(start) = at.checked_add_signed(-(anchor.offset as isize)) else {
                continue;
            };
            let index = anchor.literal as usize;
            if let Some(window) = bytes.get(start..start + 8) {
                let window = u64::from_le_bytes(window.try_into().expect("eight bytes"));
                if (window | FOLD) & anchor.head_mask != anchor.head {
                    continue;
                }
            }
            let literal = &self.literals[index];
            let end = start + literal.len();
            if bytes
                .get(start..end)
                .is_some_and(|text| text.eq_ignore_ascii_case(literal))
            {
                hits.push(Hit {
                    pattern: index,
                    start,
                    end,
                });
            }
        }
    }
}

/// The bytes one vector step covers.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const VECTOR_BLOCK: usize = 32;

/// The folded gram at `at`, which has four bytes.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn gram_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + GRAM].try_into().expect("four bytes")) | 0x2020_2020
}

/// The vector scan: the crate's only `unsafe` code, two intrinsics whose
/// bounds are checked above them, used only when the CPU has AVX2. Tests
/// compare it with the word-at-a-time scan.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{gram_at, Hit, LiteralSet, FILTER_WORDS_LOG2, GRAM, VECTOR_BLOCK};

    /// [`LiteralSet::scan_vectors`] with AVX2, when the CPU has it.
    pub(super) fn scan(set: &LiteralSet, bytes: &[u8], hits: &mut Vec<Hit>) -> usize {
        if bytes.len() >= VECTOR_BLOCK + 2 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            unsafe { scan_blocks(set, bytes, hits) }
        } else {
            0
        }
    }

    /// The scan over whole blocks of [`VECTOR_BLOCK`] bytes: the grams at
    /// the block's aligned positions are one vector load, those two bytes
    /// in (stride 2) another; their filter words are gathered.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn scan_blocks(set: &LiteralSet, bytes: &[u8], hits: &mut Vec<Hit>) -> usize {
        // The stride-2 grams of a block reach two bytes past it.
        let reach = VECTOR_BLOCK + if set.stride == 2 { 2 } else { 0 };
        let mut block = 0;
        while block + reach <= bytes.len() {
            for shift in (0..GRAM).step_by(set.stride) {
                // SAFETY: `block + shift + 32 <= bytes.len()` (`reach`).
                let grams = unsafe { _mm256_loadu_si256(bytes.as_ptr().add(block + shift).cast()) };
                let mut passed = filter_passes(&set.filter, set.multiplier, grams);
                while passed != 0 {
                    let at = block + shift + GRAM * passed.trailing_zeros() as usize;
                    passed &= passed - 1;
                    set.test(bytes, at, gram_at(bytes, at), hits);
                }
            }
            block += VECTOR_BLOCK;
        }
        block
    }

    /// Bit `i` set where the `i`-th gram of `grams` (eight unfolded
    /// grams) passes `filter`: [`super::filter_bits`] on eight lanes.
    #[target_feature(enable = "avx2")]
    fn filter_passes(filter: &[u32], multiplier: u32, grams: __m256i) -> u32 {
        let folded = _mm256_or_si256(grams, _mm256_set1_epi32(0x2020_2020));
        let mixed = _mm256_xor_si256(folded, _mm256_srli_epi32::<15>(folded));
        let h = _mm256_mullo_epi32(mixed, _mm256_set1_epi32(multiplier as i32));
        let words = _mm256_srli_epi32::<{ 32 - FILTER_WORDS_LOG2 as i32 }>(h);
        let low5 = _mm256_set1_epi32(31);
        let one = _mm256_set1_epi32(1);
        let bit = |h| _mm256_sllv_epi32(one, _mm256_and_si256(h, low5));
        let mask = _mm256_or_si256(
            _mm256_or_si256(
                bit(_mm256_srli_epi32::<14>(h)),
                bit(_mm256_srli_epi32::<9>(h)),
            ),
            bit(_mm256_srli_epi32::<4>(h)),
        );
        assert_eq!(filter.len(), 1 << FILTER_WORDS_LOG2);
        // SAFETY: every index is below 2^FILTER_WORDS_LOG2 (a 32-bit value
        // shifted right by 32 - FILTER_WORDS_LOG2), the filter's length.
        let gathered = unsafe { _mm256_i32gather_epi32::<4>(filter.as_ptr().cast(), words) };
        let passed = _mm256_cmpeq_epi32(_mm256_and_si256(gathered, mask), mask);
        _mm256_movemask_ps(_mm256_castsi256_ps(passed)) as u32
    }
}

/// Sets bit 5 of every byte: ASCII letters fold to lower case (other
/// bytes may fold together, so a folded match is only a candidate).
const FOLD: u64 = 0x2020_2020_2020_2020;

/// A literal's first eight bytes, folded and little-endian, and the mask
/// of the bytes it has.
fn head(literal: &[u8]) -> (u64, u64) {
    let mut bytes = [0u8; 8];
    let len = literal.len().min(8);
    bytes[..len].copy_from_slice(&literal[..len]);
    let mask = if len == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    };
    ((u64::from_le_bytes(bytes) | FOLD) & mask, mask)
}

/// The folded grams an anchor at `offset` stands for: one, or one per
/// value of the byte it overhangs.
fn anchor_grams(literal: &[u8], offset: i32) -> Vec<u32> {
    let known = |o: i32| literal.get(usize::try_from(o).ok()?).copied();
    let mut grams = vec![[0u8; GRAM]];
    for (i, o) in (offset..offset + GRAM as i32).enumerate() {
        match known(o) {
            Some(b) => grams.iter_mut().for_each(|g| g[i] = b),
            None => {
                grams = grams
                    .iter()
                    .flat_map(|g| {
                        (0..=255u8).map(move |b| {
                            let mut g = *g;
                            g[i] = b;
                            g
                        })
                    })
                    .collect();
            }
        }
    }
    let mut folded: Vec<u32> = grams
        .into_iter()
        .map(|g| u32::from_le_bytes(g) | 0x2020_2020)
        .collect();
    folded.sort_unstable();
    folded.dedup();
    folded
}

/// How often a gram is expected in script text, roughly: by its rank
/// among the common grams, else by its bytes (common letters, digits and
/// JSON punctuation cost more than rare bytes).
fn anchor_cost(literal: &[u8], offset: i32, ranks: &HashMap<&[u8], usize>) -> usize {
    let start = usize::try_from(offset).unwrap_or(0);
    let end = (offset + GRAM as i32).min(literal.len() as i32) as usize;
    let gram = &literal[start..end];
    if gram.len() < GRAM {
        // As likely as a mid-ranked common gram: the three known bytes
        // usually make it rare, but it stands for many grams.
        return 1_000 + COMMON_GRAMS.len() * 5 + bytes_cost(gram);
    }
    match ranks.get(gram) {
        Some(rank) => 1_000 + (COMMON_GRAMS.len() - rank) * 10,
        None => bytes_cost(gram),
    }
}

fn bytes_cost(gram: &[u8]) -> usize {
    gram.iter()
        .map(|&b| match b {
            b' ' | b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 4,
            b'a'..=b'z' | b'0'..=b'9' | b'.' | b'"' | b',' | b':' => 3,
            b'(' | b')' | b'/' | b'=' | b'\'' | b'_' | b'-' => 2,
            _ => 1,
        })
        .sum()
}

/// The filter holding `grams` under the hash with `multiplier`.
fn filter_of(grams: &HashSet<u32>, multiplier: u32) -> Box<[u32]> {
    let mut filter = vec![0u32; 1 << FILTER_WORDS_LOG2].into_boxed_slice();
    for &gram in grams {
        let (word, mask) = filter_bits(gram, multiplier);
        filter[word] |= mask;
    }
    filter
}

/// How often common script grams that are no anchor pass `filter` by
/// chance, each weighted by how common it is.
fn chance_passes(filter: &[u32], multiplier: u32, grams: &HashSet<u32>) -> usize {
    COMMON_GRAMS
        .iter()
        .enumerate()
        .filter_map(|(rank, common)| {
            let gram = u32::from_le_bytes(common.as_bytes().try_into().ok()?) | 0x2020_2020;
            let (word, mask) = filter_bits(gram, multiplier);
            (filter[word] & mask == mask && !grams.contains(&gram))
                .then_some(COMMON_GRAMS.len() - rank)
        })
        .sum()
}

/// The filter word and the two bits in it that stand for `gram`: a
/// multiplicative hash, its top bits pick the word, the next ten the bits.
#[inline(always)]
fn filter_bits(gram: u32, multiplier: u32) -> (usize, u32) {
    let h = (gram ^ (gram >> 15)).wrapping_mul(multiplier);
    let word = (h >> (32 - FILTER_WORDS_LOG2)) as usize;
    let mask = (1 << ((h >> 14) & 31)) | (1 << ((h >> 9) & 31)) | (1 << ((h >> 4) & 31));
    (word, mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(literals: &[&str]) -> LiteralSet {
        LiteralSet::new(&literals.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    /// Every (pattern, start) of a naive search, longest first per start.
    fn naive(literals: &[String], text: &str) -> Vec<Hit> {
        let lower = text.to_ascii_lowercase();
        let mut hits: Vec<Hit> = (0..text.len())
            .flat_map(|i| {
                let lower = &lower;
                literals.iter().enumerate().filter_map(move |(p, l)| {
                    lower.as_bytes()[i..]
                        .starts_with(l.to_ascii_lowercase().as_bytes())
                        .then_some(Hit {
                            pattern: p,
                            start: i,
                            end: i + l.len(),
                        })
                })
            })
            .collect();
        hits.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.pattern));
        hits
    }

    #[test]
    fn finds_every_start_case_insensitively() {
        let s = set(&["fbq('init'", "googletagmanager.com", "google"]);
        let hits = s.hits("x FBQ('INIT', 1); //www.GoogleTagManager.com/gtm.js");
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
                Hit {
                    pattern: 2,
                    start: 24,
                    end: 30
                },
            ]
        );
        assert_eq!(s.hits("google").len(), 1);
        assert_eq!(s.hits("goo").len(), 0);
        assert_eq!(s.hits("").len(), 0);
        assert_eq!(
            s.hits("ünïcödé google ünïcödé").first().map(|h| h.start),
            Some(12)
        );
    }

    #[test]
    fn finds_literals_at_every_alignment_and_at_both_ends() {
        for literals in [&["nreum", "51.la"][..], &["t.co", "fbq('init'"][..]] {
            let owned: Vec<String> = literals.iter().map(|s| s.to_string()).collect();
            let s = LiteralSet::new(&owned).unwrap();
            for literal in literals {
                for pad in 0..9 {
                    for tail in 0..6 {
                        let text = format!("{}{}{}", "x".repeat(pad), literal, "y".repeat(tail));
                        assert_eq!(s.hits(&text), naive(&owned, &text), "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn vector_and_word_scans_find_the_same_hits() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for literals in [
            &["nreum", "51.la", "fbq('init'"][..],
            &["t.co", "krux('"][..],
        ] {
            let owned: Vec<String> = literals.iter().map(|s| s.to_string()).collect();
            let s = LiteralSet::new(&owned).unwrap();
            for _ in 0..300 {
                let len = rng.random_range(0..200);
                let mut text: Vec<u8> = (0..len).map(|_| rng.random_range(b' '..=b'~')).collect();
                for _ in 0..rng.random_range(0..4) {
                    let literal = literals[rng.random_range(0..literals.len())].as_bytes();
                    let at = rng.random_range(0..=text.len());
                    text.splice(at..at, literal.iter().copied());
                }
                let mut scalar = Vec::new();
                match s.stride {
                    4 => s.scan::<4>(&text, 0, &mut scalar),
                    _ => s.scan::<2>(&text, 0, &mut scalar),
                }
                scalar.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.pattern));
                scalar.dedup();
                assert_eq!(
                    s.hits_in_bytes(&text),
                    scalar,
                    "in {:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
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
        for shortest in [MIN_LITERAL, 5] {
            // Short and long literals sharing prefixes, as real signatures do.
            let literals: Vec<String> = (0..300)
                .map(|_| {
                    let len = rng.random_range(shortest..20);
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
                assert_eq!(s.hits(&text), naive(&literals, &text), "in {text:?}");
            }
        }
    }
}

//! IAB Global Privacy Platform strings (`__gpp`).
//!
//! `HEADER~SECTION~SECTION…`: the header (type 3, version 1) lists the
//! section ids (a Fibonacci-coded range list), one per following section.
//! Sections read:
//!
//! * **2, EU TCF v2**: decoded like `euconsent-v2` (core segment, vendor
//!   sections must parse) and mapped with the same [`TcfMapping`].
//! * **6, US Privacy (`1YNN`)**: `Y` in the third place is a sale opt-out.
//! * **7, US national**, **8 CA**, **9 VA**, **10 CO**, **11 UT**, **12 CT**:
//!   the SaleOptOut, SharingOptOut and TargetedAdvertisingOptOut fields the
//!   section has; `1` means opted out.
//!
//! US law is an opt-out regime: a string whose readable sections are US ones
//! grants every category, except that any opt-out in any of them removes the
//! configured categories (default `marketing`). When a TCF section is present
//! as well, the result is what both allow (intersection). Other section ids
//! are ignored; a string without any section read here is unreadable, and so
//! is one whose header, section count or read sections do not decode.

use super::bits::Bits;
use super::tcf::{self, TcfMapping};
use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Categories, Category, CategorySet};

/// Reads `__gpp` (name configurable).
#[derive(Debug, Clone)]
pub struct GppDecoder {
    cookie: String,
    tcf: TcfMapping,
    us_base: CategorySet,
    opt_out_removes: CategorySet,
}

impl GppDecoder {
    /// A decoder reading `cookie`: TCF sections through `tcf`; US sections grant
    /// `us_base` less `opt_out_removes` when the visitor opted out.
    pub fn new(
        cookie: &str,
        tcf: TcfMapping,
        us_base: CategorySet,
        opt_out_removes: CategorySet,
    ) -> Self {
        GppDecoder {
            cookie: cookie.to_string(),
            tcf,
            us_base,
            opt_out_removes,
        }
    }

    /// `__gpp` with the DESIGN.md TCF mapping; a US opt-out removes `marketing`.
    pub fn defaults(categories: &Categories) -> Self {
        GppDecoder::new(
            "__gpp",
            TcfMapping::defaults(),
            categories.all(),
            CategorySet::EMPTY.with(Category::MARKETING),
        )
    }
}

/// What one GPP string says, section by section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GppSummary {
    /// PurposesConsent of the EU TCF section, if present.
    pub tcf_purposes: Option<u32>,
    /// Whether any US section was read, and whether any of them records an opt-out.
    pub us_opt_out: Option<bool>,
    /// Every section id listed in the header, in order.
    pub section_ids: Vec<u64>,
}

/// `(bit offset, ...)` of the opt-out fields in a US section's core segment.
fn us_opt_out_offsets(id: u64) -> Option<&'static [usize]> {
    Some(match id {
        7 => &[18, 20, 22],
        8 => &[12, 14],
        9 | 10 | 12 => &[12, 14],
        11 => &[14, 16],
        _ => return None,
    })
}

fn us_section(section: &str, offsets: &[usize]) -> Result<bool, Unreadable> {
    let core = section.split('.').next().unwrap_or_default();
    let mut r = Bits::new(core)?;
    if r.int(6)? == 0 {
        return Err(Unreadable("US section version 0"));
    }
    let mut pos = 6;
    let mut opted_out = false;
    for &offset in offsets {
        r.skip(offset - pos)?;
        opted_out |= r.int(2)? == 1;
        pos = offset + 2;
    }
    Ok(opted_out)
}

fn us_privacy(section: &str) -> Result<bool, Unreadable> {
    let b = section.trim().as_bytes();
    let valid = |c: u8| matches!(c, b'Y' | b'N' | b'-');
    match b {
        [b'1', n, o, l] if valid(*n) && valid(*o) && valid(*l) => Ok(*o == b'Y'),
        _ => Err(Unreadable("malformed US Privacy section")),
    }
}

/// Decodes a GPP string into a [`GppSummary`] (ids are collected only when `collect`).
fn summarize(value: &str, collect: bool) -> Result<GppSummary, Unreadable> {
    let text = percent_decode(value.trim())?;
    let mut sections = text.trim().split('~');
    let mut r = Bits::new(sections.next().unwrap_or_default())?;
    if r.int(6)? != 3 {
        return Err(Unreadable("not a GPP header"));
    }
    if r.int(6)? != 1 {
        return Err(Unreadable("unknown GPP version"));
    }
    let mut summary = GppSummary::default();
    let mut read_any = false;
    let entries = r.int(12)?;
    let mut last = 0u64;
    for _ in 0..entries {
        let is_range = r.bit()?;
        let start = last
            .checked_add(r.fibonacci()?)
            .ok_or(Unreadable("section id overflows"))?;
        let end = if is_range {
            start
                .checked_add(r.fibonacci()?)
                .ok_or(Unreadable("section id overflows"))?
        } else {
            start
        };
        last = end;
        for id in start..=end {
            let section = sections
                .next()
                .ok_or(Unreadable("fewer sections than section ids"))?;
            if collect {
                summary.section_ids.push(id);
            }
            match id {
                2 => {
                    summary.tcf_purposes = Some(tcf::tc_purposes_consent(section)?);
                    read_any = true;
                }
                6 => {
                    let out = us_privacy(section)?;
                    summary.us_opt_out = Some(summary.us_opt_out.unwrap_or(false) | out);
                    read_any = true;
                }
                _ => {
                    if let Some(offsets) = us_opt_out_offsets(id) {
                        let out = us_section(section, offsets)?;
                        summary.us_opt_out = Some(summary.us_opt_out.unwrap_or(false) | out);
                        read_any = true;
                    }
                }
            }
        }
    }
    if sections.next().is_some() {
        return Err(Unreadable("more sections than section ids"));
    }
    if !read_any {
        return Err(Unreadable("no supported GPP section"));
    }
    Ok(summary)
}

/// Decodes a GPP string with every section id listed (for tests and `explain`).
pub fn parse(value: &str) -> Result<GppSummary, Unreadable> {
    summarize(value, true)
}

impl Decoder for GppDecoder {
    fn source(&self) -> Source {
        Source::Gpp
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        let s = summarize(value, false)?;
        let us = s.us_opt_out.map(|out| {
            if out {
                self.us_base.difference(self.opt_out_removes)
            } else {
                self.us_base
            }
        });
        let eu = s.tcf_purposes.map(|p| self.tcf.grant(p));
        Ok(match (eu, us) {
            (Some(eu), Some(us)) => eu.intersection(us),
            (Some(set), None) | (None, Some(set)) => set,
            (None, None) => CategorySet::EMPTY,
        })
    }

    fn describe(&self, value: &str) -> Option<String> {
        let s = parse(value).ok()?;
        let list = |ids: Vec<String>| {
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        };
        let sections = list(s.section_ids.iter().map(u64::to_string).collect());
        let tcf = match s.tcf_purposes {
            Some(p) => format!(
                "EU TCF purposes consented: {}",
                list(
                    tcf::mask_ids(u64::from(p), 24)
                        .map(|i| i.to_string())
                        .collect()
                )
            ),
            None => "no EU TCF section".to_string(),
        };
        let us = match s.us_opt_out {
            Some(true) => "a US section opts out of sale, sharing or targeted advertising",
            Some(false) => "no US opt-out",
            None => "no US section",
        };
        Some(format!("GPP sections {sections}; {tcf}; {us}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder() -> GppDecoder {
        GppDecoder::defaults(&Categories::default())
    }

    #[test]
    fn header_and_sections() {
        let all = Categories::default().all();
        let no_marketing = all.without(Category::MARKETING);
        let tcf_all = tcf::test_support::core(0x00FF_FFFF);
        let tcf_none = tcf::test_support::core(0);
        let cases: Vec<(String, Option<CategorySet>)> = vec![
            // Header DBABMA lists section 2.
            (format!("DBABMA~{tcf_none}"), Some(CategorySet::EMPTY)),
            (
                format!("DBABMA~{tcf_all}"),
                Some(all.without(Category::NECESSARY)),
            ),
            (
                format!("DBABMA~{tcf_all}.YAAAAAAAAAAA"),
                Some(all.without(Category::NECESSARY)),
            ),
            ("DBABMA~garbage".to_string(), None),
            ("DBABMA".to_string(), None),
            (format!("DBABMA~{tcf_none}~extra"), None),
            // US Privacy only (header DBABTA = section 6).
            ("DBABTA~1YYN".to_string(), Some(no_marketing)),
            ("DBABTA~1YNN".to_string(), Some(all)),
            ("DBABTA~1---".to_string(), Some(all)),
            ("DBABTA~2YNN".to_string(), None),
            ("DBABTA~1YN".to_string(), None),
            ("".to_string(), None),
            ("%FF".to_string(), None),
            ("DBACMA~x".to_string(), None),
            ("CBABMA~x".to_string(), None),
        ];
        let d = decoder();
        for (value, expected) in cases {
            assert_eq!(d.decode(&value).ok(), expected, "{value:?}");
        }
    }

    #[test]
    fn us_sections() {
        let all = Categories::default().all();
        let no_marketing = all.without(Category::MARKETING);
        let d = decoder();
        // Section 8 (CA): iabgpp's encoder test vector with SaleOptOut = 1, and its default.
        let header8 = test_support::header(&[8]);
        let header7 = test_support::header(&[7]);
        let cases: Vec<(String, Option<CategorySet>)> = vec![
            (format!("{header8}~BVWSSSVY.YA"), Some(no_marketing)),
            (format!("{header8}~BAAAAABA.QA"), Some(all)),
            (format!("{header8}~AAAAAABA"), None),
            (format!("{header8}~B"), None),
            // usnat v1: SaleOptOut (offset 18) = 1.
            (
                format!(
                    "{header7}~{}",
                    test_support::section(&[(0, 6, 1), (18, 2, 1)], 66)
                ),
                Some(no_marketing),
            ),
            (
                format!(
                    "{header7}~{}",
                    test_support::section(&[(0, 6, 1), (22, 2, 1)], 66)
                ),
                Some(no_marketing),
            ),
            (
                format!(
                    "{header7}~{}",
                    test_support::section(&[(0, 6, 1), (18, 2, 2)], 66)
                ),
                Some(all),
            ),
            // TCF refusal plus a US section: the intersection.
            (
                format!(
                    "{}~{}~BAAAAABA.QA",
                    test_support::header(&[2, 8]),
                    tcf::test_support::core(0)
                ),
                Some(CategorySet::EMPTY),
            ),
            // Unsupported sections only (e.g. 5, 13): unreadable.
            (format!("{}~abc", test_support::header(&[5])), None),
            (
                format!("{}~abc~1YYN", test_support::header(&[5, 6])),
                Some(no_marketing),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(d.decode(&value).ok(), expected, "{value:?}");
        }
        assert_eq!(
            parse(&format!("{}~abc~1YYN", test_support::header(&[5, 6])))
                .unwrap()
                .section_ids,
            vec![5, 6]
        );
    }

    #[test]
    fn header_ranges_expand_lazily() {
        // One range entry covering ids 1..=huge must not allocate per id.
        let value = format!("{}~x", test_support::header_range(1, 1_000_000));
        assert!(decoder().decode(&value).is_err());
    }

    pub(super) mod test_support {
        use crate::policy::consent::tcf::test_support::{encode, fib};

        /// A GPP header listing `ids` (ascending) as single entries.
        pub fn header(ids: &[u64]) -> String {
            let mut last = 0;
            let mut tail = Vec::new();
            for &id in ids {
                tail.push(false);
                tail.extend(fib(id - last));
                last = id;
            }
            encode(&[(3, 6), (1, 6), (ids.len() as u64, 12)], &tail)
        }

        /// A GPP header with one range entry `start..=end`.
        pub fn header_range(start: u64, end: u64) -> String {
            let mut tail = vec![true];
            tail.extend(fib(start));
            tail.extend(fib(end - start));
            encode(&[(3, 6), (1, 6), (1, 12)], &tail)
        }

        /// A section of `len` bits with `(offset, width, value)` fields set.
        pub fn section(fields: &[(usize, usize, u64)], len: usize) -> String {
            let mut bits = vec![false; len];
            for &(offset, width, value) in fields {
                for i in 0..width {
                    bits[offset + i] = (value >> (width - 1 - i)) & 1 == 1;
                }
            }
            encode(&[], &bits)
        }
    }
}

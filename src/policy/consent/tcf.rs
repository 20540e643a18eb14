//! IAB TCF v2 TC strings (`euconsent-v2`), decoded bit by bit.
//!
//! Only the core segment decides consent: its PurposesConsent bits (offset
//! 152, 24 bits) are mapped to categories by a [`TcfMapping`], where a
//! category needs *every* purpose listed for it. Legitimate-interest bits
//! never grant. The vendor sections and publisher restrictions must parse
//! too, or the string is unreadable. Segments after the first `.`
//! (disclosed vendors, allowed vendors, publisher TC) do not affect consent,
//! but one that is present and does not decode (e.g. a bitfield shorter than
//! its MaxVendorId, iabtcf-es issue 142) makes the string unreadable too;
//! empty segments and unknown segment types are skipped.
//!
//! Before decoding, surrounding whitespace and trailing commas are trimmed
//! and `%`-escapes are decoded; standard base64 characters and `=` padding are
//! accepted as well as base64url. Version-1 strings are unreadable.

use std::borrow::Cow;

use super::bits::Bits;
use super::{percent_decode, Decoder, Source, Unreadable};
use crate::policy::category::{Category, CategorySet};

/// Which purposes each category requires (all of them), from TC-string consents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcfMapping {
    /// `(category, mask)`: bit `p - 1` of the mask is purpose `p`.
    rules: Vec<(Category, u32)>,
}

impl TcfMapping {
    /// A mapping from `(category, required purpose ids)`; ids outside 1..=24 are rejected.
    pub fn new(rules: &[(Category, Vec<u8>)]) -> Result<Self, String> {
        let mut out = Vec::with_capacity(rules.len());
        for (category, purposes) in rules {
            if purposes.is_empty() {
                return Err("an empty purpose list would grant without consent".to_string());
            }
            let mut mask = 0u32;
            for &p in purposes {
                if !(1..=24).contains(&p) {
                    return Err(format!("purpose {p} is not in 1..=24"));
                }
                mask |= 1 << (p - 1);
            }
            out.push((*category, mask));
        }
        Ok(TcfMapping { rules: out })
    }

    /// DESIGN.md defaults: preferences ← P1; analytics ← P1,P8,P9; marketing ← P1,P2,P3,P4,P7.
    pub fn defaults() -> Self {
        TcfMapping {
            rules: vec![
                (Category::PREFERENCES, purposes_mask(&[1])),
                (Category::ANALYTICS, purposes_mask(&[1, 8, 9])),
                (Category::MARKETING, purposes_mask(&[1, 2, 3, 4, 7])),
            ],
        }
    }

    /// The categories granted by a PurposesConsent mask (bit `p - 1` = purpose `p`).
    pub fn grant(&self, purposes_consent: u32) -> CategorySet {
        self.rules
            .iter()
            .filter(|(_, mask)| purposes_consent & mask == *mask)
            .map(|(c, _)| *c)
            .collect()
    }
}

fn purposes_mask(ids: &[u8]) -> u32 {
    ids.iter().fold(0, |m, p| m | 1 << (p - 1))
}

/// A set of vendor ids, kept as sorted, merged inclusive ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VendorSet {
    /// The MaxVendorId field of the section (0 for publisher restrictions, which have none).
    pub max_vendor_id: u16,
    ranges: Vec<(u16, u16)>,
}

impl VendorSet {
    /// Whether vendor `id` is in the set.
    pub fn contains(&self, id: u16) -> bool {
        self.ranges
            .binary_search_by(|&(start, end)| {
                if end < id {
                    std::cmp::Ordering::Less
                } else if start > id {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// The vendor ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.ranges.iter().flat_map(|&(s, e)| s..=e)
    }

    /// How many vendors are in the set.
    pub fn len(&self) -> usize {
        self.ranges
            .iter()
            .map(|&(s, e)| usize::from(e - s) + 1)
            .sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn from_ranges(max_vendor_id: u16, mut ranges: Vec<(u16, u16)>) -> Self {
        ranges.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if u32::from(s) <= u32::from(last.1) + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        VendorSet {
            max_vendor_id,
            ranges: merged,
        }
    }
}

/// One publisher restriction: a purpose, a restriction type and the vendors it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherRestriction {
    /// The purpose id.
    pub purpose_id: u8,
    /// 0 = not allowed, 1 = require consent, 2 = require legitimate interest.
    pub restriction_type: u8,
    /// The vendors restricted.
    pub vendors: VendorSet,
}

/// The optional publisher TC segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherTc {
    /// PubPurposesConsent (bit `p - 1` = purpose `p`).
    pub purposes_consent: u32,
    /// PubPurposesLITransparency (bit `p - 1` = purpose `p`).
    pub purposes_li: u32,
    /// NumCustomPurposes.
    pub num_custom_purposes: u8,
    /// CustomPurposesConsent (bit `i - 1` = custom purpose `i`).
    pub custom_purposes_consent: u64,
    /// CustomPurposesLITransparency (bit `i - 1` = custom purpose `i`).
    pub custom_purposes_li: u64,
}

/// A decoded TCF v2 TC string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcString {
    /// Version (always 2 here).
    pub version: u8,
    /// Created, in deciseconds since the Unix epoch.
    pub created: u64,
    /// LastUpdated, in deciseconds since the Unix epoch.
    pub last_updated: u64,
    /// CmpId.
    pub cmp_id: u16,
    /// CmpVersion.
    pub cmp_version: u16,
    /// ConsentScreen.
    pub consent_screen: u8,
    /// ConsentLanguage, two upper-case letters.
    pub consent_language: [u8; 2],
    /// VendorListVersion.
    pub vendor_list_version: u16,
    /// TcfPolicyVersion.
    pub policy_version: u8,
    /// IsServiceSpecific.
    pub is_service_specific: bool,
    /// UseNonStandardTexts (formerly UseNonStandardStacks).
    pub use_non_standard_texts: bool,
    /// SpecialFeatureOptIns (bit `f - 1` = special feature `f`).
    pub special_feature_opt_ins: u16,
    /// PurposesConsent (bit `p - 1` = purpose `p`).
    pub purposes_consent: u32,
    /// PurposesLITransparency (bit `p - 1` = purpose `p`).
    pub purposes_li: u32,
    /// PurposeOneTreatment.
    pub purpose_one_treatment: bool,
    /// PublisherCC, two upper-case letters.
    pub publisher_cc: [u8; 2],
    /// Vendor consents.
    pub vendor_consents: VendorSet,
    /// Vendor legitimate interests.
    pub vendor_li: VendorSet,
    /// Publisher restrictions.
    pub publisher_restrictions: Vec<PublisherRestriction>,
    /// The disclosed-vendors segment, when present and decodable.
    pub disclosed_vendors: Option<VendorSet>,
    /// The allowed-vendors segment, when present and decodable.
    pub allowed_vendors: Option<VendorSet>,
    /// The publisher TC segment, when present and decodable.
    pub publisher_tc: Option<PublisherTc>,
}

/// The ids of the set bits of `mask` among the first `n`, 1-based.
pub fn mask_ids(mask: u64, n: u32) -> impl Iterator<Item = u32> {
    (0..n.min(64))
        .filter(move |i| mask & (1 << i) != 0)
        .map(|i| i + 1)
}

/// Reads `n` flag bits into a mask where the first bit read is bit 0.
fn flags(r: &mut Bits<'_>, n: u32) -> Result<u64, Unreadable> {
    let mut mask = 0u64;
    for i in 0..n {
        if r.bit()? {
            mask |= 1 << i;
        }
    }
    Ok(mask)
}

/// Reads a range section (NumEntries + entries); ranges go to `out` when given.
fn range_entries(
    r: &mut Bits<'_>,
    mut out: Option<&mut Vec<(u16, u16)>>,
) -> Result<(), Unreadable> {
    let entries = r.int(12)?;
    for _ in 0..entries {
        let is_range = r.bit()?;
        let start = r.int(16)? as u16;
        let end = if is_range { r.int(16)? as u16 } else { start };
        if end < start {
            return Err(Unreadable("vendor range ends before it starts"));
        }
        if let Some(out) = out.as_deref_mut() {
            out.push((start, end));
        }
    }
    Ok(())
}

/// Reads a vendor section (MaxVendorId, IsRangeEncoding, bitfield or ranges).
fn vendor_section(r: &mut Bits<'_>, out: Option<&mut Vec<(u16, u16)>>) -> Result<u16, Unreadable> {
    let max = r.int(16)? as u16;
    if r.bit()? {
        range_entries(r, out)?;
    } else {
        if usize::from(max) > r.remaining() {
            return Err(Unreadable("vendor bitfield shorter than MaxVendorId"));
        }
        match out {
            None => r.skip(usize::from(max))?,
            Some(out) => {
                let mut run: Option<u16> = None;
                for id in 1..=max {
                    let set = r.bit()?;
                    match (set, run) {
                        (true, None) => run = Some(id),
                        (false, Some(start)) => {
                            out.push((start, id - 1));
                            run = None;
                        }
                        _ => {}
                    }
                }
                if let Some(start) = run {
                    out.push((start, max));
                }
            }
        }
    }
    Ok(max)
}

fn vendor_set(r: &mut Bits<'_>) -> Result<VendorSet, Unreadable> {
    let mut ranges = Vec::new();
    let max = vendor_section(r, Some(&mut ranges))?;
    Ok(VendorSet::from_ranges(max, ranges))
}

/// Trims, percent-decodes and splits off the core segment; checks the version.
fn prepare(value: &str) -> Result<Cow<'_, str>, Unreadable> {
    let trimmed = value
        .trim_start()
        .trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    let text = percent_decode(trimmed)?;
    // Trim again: the escapes may have hidden whitespace or commas.
    let again = text
        .trim()
        .trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    if again.len() == text.len() {
        Ok(text)
    } else {
        Ok(Cow::Owned(again.to_string()))
    }
}

/// The core-segment fields up to and including PublisherCC (vendor parts empty).
fn head(r: &mut Bits<'_>) -> Result<TcString, Unreadable> {
    let version = r.int(6)? as u8;
    match version {
        2 => {}
        1 => return Err(Unreadable("TCF version 1 string")),
        _ => return Err(Unreadable("unknown TC string version")),
    }
    Ok(TcString {
        version,
        created: r.int(36)?,
        last_updated: r.int(36)?,
        cmp_id: r.int(12)? as u16,
        cmp_version: r.int(12)? as u16,
        consent_screen: r.int(6)? as u8,
        consent_language: r.letters()?,
        vendor_list_version: r.int(12)? as u16,
        policy_version: r.int(6)? as u8,
        is_service_specific: r.bit()?,
        use_non_standard_texts: r.bit()?,
        special_feature_opt_ins: flags(r, 12)? as u16,
        purposes_consent: flags(r, 24)? as u32,
        purposes_li: flags(r, 24)? as u32,
        purpose_one_treatment: r.bit()?,
        publisher_cc: r.letters()?,
        vendor_consents: VendorSet::default(),
        vendor_li: VendorSet::default(),
        publisher_restrictions: Vec::new(),
        disclosed_vendors: None,
        allowed_vendors: None,
        publisher_tc: None,
    })
}

/// Validates a core segment without collecting anything; returns PurposesConsent.
fn core_purposes_consent(core: &str) -> Result<u32, Unreadable> {
    let mut r = Bits::new(core)?;
    let purposes = head(&mut r)?.purposes_consent;
    vendor_section(&mut r, None)?;
    vendor_section(&mut r, None)?;
    let restrictions = r.int(12)?;
    for _ in 0..restrictions {
        r.skip(8)?;
        range_entries(&mut r, None)?;
    }
    Ok(purposes)
}

/// Checks (and with `out`, records) one segment after the core: disclosed vendors,
/// allowed vendors or publisher TC. Empty segments and unknown types are skipped.
fn optional_segment(segment: &str, out: Option<&mut TcString>) -> Result<(), Unreadable> {
    if segment.is_empty() {
        return Ok(());
    }
    let mut r = Bits::new(segment)?;
    match (r.int(3)?, out) {
        (1 | 2, None) => {
            vendor_section(&mut r, None)?;
        }
        (1, Some(tc)) => tc.disclosed_vendors = Some(vendor_set(&mut r)?),
        (2, Some(tc)) => tc.allowed_vendors = Some(vendor_set(&mut r)?),
        (3, out) => {
            let purposes_consent = flags(&mut r, 24)? as u32;
            let purposes_li = flags(&mut r, 24)? as u32;
            let n = r.int(6)? as u32;
            let publisher = PublisherTc {
                purposes_consent,
                purposes_li,
                num_custom_purposes: n as u8,
                custom_purposes_consent: flags(&mut r, n)?,
                custom_purposes_li: flags(&mut r, n)?,
            };
            if let Some(tc) = out {
                tc.publisher_tc = Some(publisher);
            }
        }
        _ => {}
    }
    Ok(())
}

/// PurposesConsent of a TC string already unescaped and trimmed, checking every segment.
///
/// This is the allocation-free path used per request (also by GPP section 2).
pub fn tc_purposes_consent(text: &str) -> Result<u32, Unreadable> {
    let mut segments = text.split('.');
    let purposes = core_purposes_consent(segments.next().unwrap_or_default())?;
    for segment in segments {
        optional_segment(segment, None)?;
    }
    Ok(purposes)
}

/// PurposesConsent of a whole cookie value (trimmed and unescaped first).
pub fn purposes_consent(value: &str) -> Result<u32, Unreadable> {
    tc_purposes_consent(&prepare(value)?)
}

impl TcString {
    /// Decodes a whole TC string with every field (for tests, `explain` and vendor rules).
    pub fn parse(value: &str) -> Result<TcString, Unreadable> {
        let text = prepare(value)?;
        let mut segments = text.split('.');
        let mut r = Bits::new(segments.next().unwrap_or_default())?;
        let mut tc = head(&mut r)?;
        tc.vendor_consents = vendor_set(&mut r)?;
        tc.vendor_li = vendor_set(&mut r)?;
        let restrictions = r.int(12)?;
        for _ in 0..restrictions {
            let purpose_id = r.int(6)? as u8;
            let restriction_type = r.int(2)? as u8;
            let mut ranges = Vec::new();
            range_entries(&mut r, Some(&mut ranges))?;
            tc.publisher_restrictions.push(PublisherRestriction {
                purpose_id,
                restriction_type,
                vendors: VendorSet::from_ranges(0, ranges),
            });
        }
        for segment in segments {
            optional_segment(segment, Some(&mut tc))?;
        }
        Ok(tc)
    }

    /// The consented purpose ids, ascending.
    pub fn purpose_consent_ids(&self) -> Vec<u32> {
        mask_ids(u64::from(self.purposes_consent), 24).collect()
    }
}

/// Reads `euconsent-v2` (name configurable) and maps its purpose consents.
#[derive(Debug, Clone)]
pub struct TcfDecoder {
    cookie: String,
    mapping: TcfMapping,
}

impl TcfDecoder {
    /// A decoder reading cookie `cookie` with `mapping`.
    pub fn new(cookie: &str, mapping: TcfMapping) -> Self {
        TcfDecoder {
            cookie: cookie.to_string(),
            mapping,
        }
    }

    /// `euconsent-v2` with the DESIGN.md purpose mapping.
    pub fn defaults() -> Self {
        TcfDecoder::new("euconsent-v2", TcfMapping::defaults())
    }
}

impl Decoder for TcfDecoder {
    fn source(&self) -> Source {
        Source::Tcf
    }

    fn cookie_name(&self) -> &str {
        &self.cookie
    }

    fn decode(&self, value: &str) -> Result<CategorySet, Unreadable> {
        purposes_consent(value).map(|p| self.mapping.grant(p))
    }

    fn describe(&self, value: &str) -> Option<String> {
        let tc = TcString::parse(value).ok()?;
        Some(format!(
            "TCF v2 policy version {}, CMP {}, purposes consented: {}; {} vendor consents",
            tc.policy_version,
            tc.cmp_id,
            {
                let ids: Vec<String> = tc
                    .purpose_consent_ids()
                    .iter()
                    .map(|i| i.to_string())
                    .collect();
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            },
            tc.vendor_consents.len()
        ))
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    /// Base64url text of `(value, width)` fields followed by `tail` bits, zero-padded.
    pub fn encode(fields: &[(u64, usize)], tail: &[bool]) -> String {
        let mut bits: Vec<bool> = Vec::new();
        for &(value, width) in fields {
            bits.extend((0..width).rev().map(|i| (value >> i) & 1 == 1));
        }
        bits.extend_from_slice(tail);
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        bits.chunks(6)
            .map(|c| {
                let v = (0..6).fold(0, |v, i| v << 1 | usize::from(c.get(i) == Some(&true)));
                char::from(ALPHABET[v])
            })
            .collect()
    }

    /// The Fibonacci code of `n >= 1` (lowest term first, `11` terminated).
    pub fn fib(n: u64) -> Vec<bool> {
        let mut f = vec![1u64, 2];
        while *f.last().unwrap() <= n {
            let next = f[f.len() - 1] + f[f.len() - 2];
            f.push(next);
        }
        let mut bits = vec![false; f.len()];
        let mut rest = n;
        for i in (0..f.len()).rev() {
            if f[i] <= rest {
                bits[i] = true;
                rest -= f[i];
            }
        }
        while bits.last() == Some(&false) {
            bits.pop();
        }
        bits.push(true);
        bits
    }

    /// A minimal valid core segment with PurposesConsent `purposes` (bit `p - 1` = purpose `p`).
    pub fn core(purposes: u32) -> String {
        let msb_first = (0..24).fold(0u64, |v, i| v << 1 | u64::from(purposes >> i & 1));
        encode(
            &[
                (2, 6),
                (0, 36),
                (0, 36),
                (1, 12),
                (1, 12),
                (0, 6),
                (4 * 64 + 13, 12),
                (1, 12),
                (2, 6),
                (1, 1),
                (0, 1),
                (0, 12),
                (msb_first, 24),
                (0, 24),
                (0, 1),
                (0, 12),
                (0, 17),
                (0, 17),
                (0, 12),
            ],
            &[],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA";

    #[test]
    fn mapping_requires_every_purpose() {
        let m = TcfMapping::defaults();
        let p = |ids: &[u8]| purposes_mask(ids);
        let cases: &[(u32, &[Category])] = &[
            (0, &[]),
            (p(&[1]), &[Category::PREFERENCES]),
            (p(&[1, 8, 9]), &[Category::PREFERENCES, Category::ANALYTICS]),
            (p(&[2, 3, 4, 7, 8, 9]), &[]),
            (
                p(&[1, 2, 3, 4, 7]),
                &[Category::PREFERENCES, Category::MARKETING],
            ),
            (
                0x00FF_FFFF,
                &[
                    Category::PREFERENCES,
                    Category::ANALYTICS,
                    Category::MARKETING,
                ],
            ),
        ];
        for (mask, expected) in cases {
            assert_eq!(
                m.grant(*mask),
                expected.iter().copied().collect::<CategorySet>(),
                "{mask:#x}"
            );
        }
        assert!(TcfMapping::new(&[(Category::ANALYTICS, vec![25])]).is_err());
        assert!(TcfMapping::new(&[(Category::ANALYTICS, vec![0])]).is_err());
        assert!(TcfMapping::new(&[(Category::ANALYTICS, vec![])]).is_err());
    }

    #[test]
    fn tolerates_real_world_noise() {
        let d = TcfDecoder::defaults();
        let base = d.decode(SAMPLE).unwrap();
        for noisy in [
            format!("{SAMPLE},"),
            format!("{SAMPLE} ,, \t"),
            format!(" {SAMPLE}"),
            format!("{SAMPLE}%2C"),
            format!("{SAMPLE}.YAAAAAAAAAAA"),
            format!("{SAMPLE}."),
            SAMPLE.replace('_', "/"),
            format!("{SAMPLE}=="),
        ] {
            assert_eq!(d.decode(&noisy), Ok(base), "{noisy:?}");
        }
    }

    #[test]
    fn malformed_strings_are_unreadable() {
        let d = TcfDecoder::defaults();
        let long = "C".repeat(100_000);
        let cases = [
            "",
            ",",
            "garbage!",
            "BOhwdphOxFC7tAHABBFRC--AAAAuhr_7__7-_9_-_f__9uj3Or_v_f__32ccL59v_h_7v-_7fi_20nV4u_1vft9yfk1-5ctDztp507iakivXmqdeb9v_nz3_5pxP78k89r7337Ew_v8_v-b7BCON_YxEiA",
            "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAA",
            "COtybn4PA_zT4KjACBENAPCIAEBAAECA",
            "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA===",
            "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.!!garbage!!",
            "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.IFukWSQh",
            "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.YAAA",
            "%FF%FE",
            "C%C3%A9",
            "Cé",
            "A",
            &long,
        ];
        for value in cases {
            assert!(d.decode(value).is_err(), "{value:?}");
            assert!(TcString::parse(value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn vendor_set_ranges() {
        let s = VendorSet::from_ranges(10, vec![(5, 6), (1, 1), (7, 9), (2, 2)]);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![1, 2, 5, 6, 7, 8, 9]);
        assert_eq!(s.len(), 7);
        assert!(s.contains(8) && !s.contains(3) && !s.contains(10));
        assert!(VendorSet::default().is_empty());
    }
}

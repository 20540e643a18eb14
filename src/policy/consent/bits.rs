//! A bit reader over base64 text, shared by the TCF and GPP decoders.
//!
//! It reads the sextets straight from the characters, so decoding a string
//! allocates nothing. Both the URL-safe (`-`, `_`) and the standard (`+`,
//! `/`) alphabets are accepted; trailing `=` padding is ignored.

use super::Unreadable;

/// The value of one base64 character, either alphabet.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' | b'+' => Some(62),
        b'_' | b'/' => Some(63),
        _ => None,
    }
}

/// Reads big-endian bit fields from a base64 segment.
#[derive(Clone, Debug)]
pub(crate) struct Bits<'a> {
    chars: &'a [u8],
    pos: usize,
}

const TRUNCATED: Unreadable = Unreadable("truncated: the string ends inside a field");

impl<'a> Bits<'a> {
    /// A reader over `segment`; every character must be base64 (padding aside).
    pub(crate) fn new(segment: &'a str) -> Result<Self, Unreadable> {
        let bytes = segment.as_bytes();
        let end = bytes
            .iter()
            .rposition(|&b| b != b'=')
            .map_or(0, |last| last + 1);
        let chars = &bytes[..end];
        if bytes.len() - end > 2 {
            return Err(Unreadable("too much base64 padding"));
        }
        if chars.is_empty() {
            return Err(Unreadable("empty segment"));
        }
        if chars.iter().any(|&c| sextet(c).is_none()) {
            return Err(Unreadable("not base64"));
        }
        Ok(Bits { chars, pos: 0 })
    }

    /// Bits not read yet.
    pub(crate) fn remaining(&self) -> usize {
        (self.chars.len() * 6).saturating_sub(self.pos)
    }

    /// Skips `n` bits, failing if fewer remain.
    pub(crate) fn skip(&mut self, n: usize) -> Result<(), Unreadable> {
        if n > self.remaining() {
            return Err(TRUNCATED);
        }
        self.pos += n;
        Ok(())
    }

    /// The next bit.
    pub(crate) fn bit(&mut self) -> Result<bool, Unreadable> {
        let c = self.chars.get(self.pos / 6).ok_or(TRUNCATED)?;
        let v = sextet(*c).ok_or(Unreadable("not base64"))?;
        let bit = (v >> (5 - self.pos % 6)) & 1 == 1;
        self.pos += 1;
        Ok(bit)
    }

    /// The next `n` bits (at most 64) as an unsigned integer.
    pub(crate) fn int(&mut self, n: u32) -> Result<u64, Unreadable> {
        debug_assert!(n <= 64);
        if n as usize > self.remaining() {
            return Err(TRUNCATED);
        }
        let mut v = 0u64;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.bit()?);
        }
        Ok(v)
    }

    /// A 12-bit field of two 6-bit letters (`A` = 0), as in language and country codes.
    pub(crate) fn letters(&mut self) -> Result<[u8; 2], Unreadable> {
        let a = self.int(6)? as u8;
        let b = self.int(6)? as u8;
        Ok([b'A'.saturating_add(a), b'A'.saturating_add(b)])
    }

    /// A Fibonacci-coded positive integer (Zeckendorf bits, lowest first, ended by `11`).
    pub(crate) fn fibonacci(&mut self) -> Result<u64, Unreadable> {
        let (mut a, mut b) = (1u64, 2u64);
        let mut value = 0u64;
        let mut prev = false;
        // 90 Fibonacci numbers already exceed u64.
        for _ in 0..90 {
            let bit = self.bit()?;
            if bit && prev {
                return Ok(value);
            }
            if bit {
                value = value
                    .checked_add(a)
                    .ok_or(Unreadable("Fibonacci integer overflows"))?;
            }
            prev = bit;
            let next = a.saturating_add(b);
            (a, b) = (b, next);
        }
        Err(Unreadable("Fibonacci integer too long"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_rejects_bad_text() {
        let mut b = Bits::new("D_+/").unwrap();
        assert_eq!(b.int(6).unwrap(), 3);
        assert_eq!(b.int(12).unwrap(), 0xFFE);
        assert_eq!(b.int(6).unwrap(), 63);
        assert!(b.bit().is_err());
        assert!(Bits::new("AA==").is_ok());
        assert!(Bits::new("AA===").is_err());
        assert!(Bits::new("A A").is_err());
        assert!(Bits::new("é").is_err());
        assert!(Bits::new("").is_err());
        assert!(Bits::new("==").is_err());
    }

    #[test]
    fn fibonacci_codes() {
        // 1 = 11, 2 = 011, 3 = 0011, 4 = 1011, 7 = 01011 (then padding).
        for (text, expected) in [("w", 1), ("Y", 2), ("M", 3), ("s", 4), ("W", 7)] {
            assert_eq!(
                Bits::new(text).unwrap().fibonacci().unwrap(),
                expected,
                "{text}"
            );
        }
        assert!(Bits::new("A").unwrap().fibonacci().is_err());
        assert!(Bits::new(&"q".repeat(40)).unwrap().fibonacci().is_err());
    }
}

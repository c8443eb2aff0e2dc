//! A minimal DER reader and writer over byte slices.
//!
//! CMS signatures are checked over the *exact bytes received* (RFC 5652 §5.4), so the parser
//! works on raw TLVs and keeps every element's position instead of decoding into structures and
//! re-encoding. The reader accepts definite lengths only: BER input goes through
//! [`super::ber::normalize`] first.

use core::ops::Range;

use const_oid::ObjectIdentifier;

use super::error::CmsError;
use crate::pki::UnixTime;

pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

/// `[n]` context-specific tag, constructed.
pub(crate) const fn cons(n: u8) -> u8 {
    0xa0 | n
}

/// `[n]` context-specific tag, primitive.
pub(crate) const fn prim(n: u8) -> u8 {
    0x80 | n
}

/// One element: its first identifier octet, the whole encoding and the contents.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    /// The first identifier octet (for high tag numbers, `class | constructed | 0x1f`).
    pub tag: u8,
    /// Identifier, length and contents octets.
    pub raw: &'a [u8],
    /// Contents octets.
    pub value: &'a [u8],
}

pub(crate) fn malformed(reason: impl Into<String>) -> CmsError {
    CmsError::Malformed {
        reason: reason.into(),
    }
}

/// Reads one definite-length TLV from the front of `input`.
pub(crate) fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), CmsError> {
    let truncated = || malformed("truncated: an element runs past the end of its container");
    let tag = *input.first().ok_or_else(truncated)?;
    let mut pos = 1;
    if tag & 0x1f == 0x1f {
        loop {
            let b = *input.get(pos).ok_or_else(truncated)?;
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
            if pos > 5 {
                return Err(malformed("tag number too large"));
            }
        }
    }
    let first = *input.get(pos).ok_or_else(truncated)?;
    pos += 1;
    let len = if first < 0x80 {
        usize::from(first)
    } else if first == 0x80 {
        return Err(malformed("indefinite length where DER was expected"));
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(malformed("length field longer than 4 bytes"));
        }
        let bytes = input.get(pos..pos + n).ok_or_else(truncated)?;
        pos += n;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let end = pos.checked_add(len).ok_or_else(truncated)?;
    if end > input.len() {
        return Err(truncated());
    }
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            value: &input[pos..end],
        },
        &input[end..],
    ))
}

/// Sequential reader over the contents of a constructed element.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element, whatever its tag.
    pub fn any(&mut self, what: &str) -> Result<Tlv<'a>, CmsError> {
        if self.rest.is_empty() {
            return Err(malformed(format!("{what} is missing")));
        }
        let (tlv, rest) = read_tlv(self.rest).map_err(|e| context(e, what))?;
        self.rest = rest;
        Ok(tlv)
    }

    /// The next element, which must have `tag`.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, CmsError> {
        match self.peek_tag() {
            Some(t) if t == tag => self.any(what),
            Some(t) => Err(malformed(format!(
                "{what}: expected tag 0x{tag:02x}, found 0x{t:02x}"
            ))),
            None => Err(malformed(format!("{what} is missing"))),
        }
    }

    /// The next element if it has `tag`.
    pub fn optional(&mut self, tag: u8, what: &str) -> Result<Option<Tlv<'a>>, CmsError> {
        if self.peek_tag() == Some(tag) {
            self.any(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails if anything is left.
    pub fn finish(&self, what: &str) -> Result<(), CmsError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed(format!("unexpected data at the end of {what}")))
        }
    }
}

fn context(e: CmsError, what: &str) -> CmsError {
    match e {
        CmsError::Malformed { reason } => malformed(format!("{what}: {reason}")),
        other => other,
    }
}

/// Every element of a SET OF / SEQUENCE OF, at most `limit` of them.
pub(crate) fn elements<'a>(
    contents: &'a [u8],
    what: &'static str,
    limit: usize,
) -> Result<Vec<Tlv<'a>>, CmsError> {
    let mut r = Reader::new(contents);
    let mut out = Vec::new();
    while !r.is_empty() {
        if out.len() >= limit {
            return Err(CmsError::LimitExceeded { what, limit });
        }
        out.push(r.any(what)?);
    }
    Ok(out)
}

/// Decodes the contents of an OBJECT IDENTIFIER.
pub(crate) fn oid(tlv: &Tlv<'_>, what: &str) -> Result<ObjectIdentifier, CmsError> {
    if tlv.tag != OID {
        return Err(malformed(format!("{what} is not an OBJECT IDENTIFIER")));
    }
    ObjectIdentifier::from_bytes(tlv.value)
        .map_err(|_| malformed(format!("{what} is not a valid OBJECT IDENTIFIER")))
}

/// A small non-negative INTEGER (versions).
pub(crate) fn small_uint(tlv: &Tlv<'_>, what: &str) -> Result<u32, CmsError> {
    if tlv.tag != INTEGER || tlv.value.is_empty() || tlv.value.len() > 4 || tlv.value[0] & 0x80 != 0
    {
        return Err(malformed(format!("{what} is not a small INTEGER")));
    }
    Ok(tlv
        .value
        .iter()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Strips the sign octets of an INTEGER's contents for comparison (0x00 0x80.. → 0x80..).
pub(crate) fn uint_digits(value: &[u8]) -> &[u8] {
    let mut v = value;
    while v.len() > 1 && v[0] == 0 {
        v = &v[1..];
    }
    v
}

/// Parses UTCTime (RFC 5280 §4.1.2.5.1 reading: years 50–99 are 19xx) or GeneralizedTime;
/// `Z` only, seconds required, fractional seconds of GeneralizedTime ignored.
pub(crate) fn time(tlv: &Tlv<'_>) -> Result<UnixTime, String> {
    if !tlv.value.is_ascii() {
        return Err("not ASCII".into());
    }
    let s = core::str::from_utf8(tlv.value).map_err(|_| "not ASCII".to_owned())?;
    let bad = || format!("{s:?} is not a valid time");
    let s = s.strip_suffix('Z').ok_or_else(bad)?;
    let (year, rest) = match tlv.tag {
        UTC_TIME => {
            let yy: i64 = digits(s.get(..2).ok_or_else(bad)?).ok_or_else(bad)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
        }
        GENERALIZED_TIME => {
            let yyyy: i64 = digits(s.get(..4).ok_or_else(bad)?).ok_or_else(bad)?;
            let rest = &s[4..];
            let rest = match rest.find('.') {
                Some(dot) if rest.len() > dot + 1 => &rest[..dot],
                Some(_) => return Err(bad()),
                None => rest,
            };
            (yyyy, rest)
        }
        _ => return Err("neither UTCTime nor GeneralizedTime".into()),
    };
    if rest.len() != 10 {
        return Err(bad());
    }
    let field = |r: Range<usize>| -> Result<u32, String> {
        digits(&rest[r]).map(|v: i64| v as u32).ok_or_else(bad)
    };
    let (mo, d, h, mi, sec) = (
        field(0..2)?,
        field(2..4)?,
        field(4..6)?,
        field(6..8)?,
        field(8..10)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    Ok(UnixTime::from_utc(year, mo, d, h, mi, sec.min(59)))
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Position of `inner` (a subslice of `outer`) within `outer`.
pub(crate) fn range_in(outer: &[u8], inner: &[u8]) -> Range<usize> {
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    debug_assert!(start + inner.len() <= outer.len());
    start..start + inner.len()
}

// --- writing ---------------------------------------------------------------------------------

/// Appends a DER length.
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Length of a DER length field for `len`.
pub(crate) fn len_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    }
}

/// `tag`, length, `contents`.
pub(crate) fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    tlv_parts(tag, &[contents])
}

/// `tag`, length, and the concatenation of `parts`.
pub(crate) fn tlv_parts(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(1 + len_len(len) + len);
    out.push(tag);
    push_len(&mut out, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// A DER SET OF: the elements sorted by their encodings (X.690 §11.6).
pub(crate) fn set_of(tag: u8, mut items: Vec<Vec<u8>>) -> Vec<u8> {
    items.sort();
    let parts: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    tlv_parts(tag, &parts)
}

pub(crate) fn encode_oid(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(OID, oid.as_bytes())
}

pub(crate) fn encode_small_uint(v: u8) -> Vec<u8> {
    vec![INTEGER, 1, v]
}

/// UTCTime for 1950–2049 (RFC 5280 §4.1.2.5, which RFC 5652 §11.3 follows), GeneralizedTime
/// otherwise.
pub(crate) fn encode_time(t: UnixTime) -> Vec<u8> {
    let (y, mo, d, h, mi, s) = t.to_utc();
    if (1950..2050).contains(&y) {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        tlv(UTC_TIME, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        tlv(GENERALIZED_TIME, text.as_bytes())
    }
}

/// PEM text (RFC 7468) with `label`, LF line ends.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    ::der::pem::encode_string(label, ::der::pem::LineEnding::LF, der)
        .expect("a fixed ASCII label encodes")
}

/// A short name for an OID: the const-oid database's, else the dotted form.
pub(crate) fn oid_name(oid: &ObjectIdentifier) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map_or_else(|| oid.to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 16_777_216] {
            let mut out = Vec::new();
            push_len(&mut out, len);
            assert_eq!(out.len(), len_len(len), "{len}");
            let mut enc = vec![OCTET_STRING];
            enc.extend_from_slice(&out);
            enc.resize(enc.len() + len, 0);
            let (tlv, rest) = read_tlv(&enc).unwrap();
            assert_eq!(tlv.value.len(), len);
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn hostile_lengths_are_errors() {
        for bad in [
            &[0x30u8][..],
            &[0x30, 0x81],
            &[0x30, 0x85, 1, 0, 0, 0, 0],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80, 0, 0],
            &[0x1f, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00],
        ] {
            assert!(read_tlv(bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn times_encode_and_parse() {
        for t in [
            UnixTime::from_utc(2026, 11, 23, 10, 0, 5),
            UnixTime::from_utc(2049, 12, 31, 23, 59, 59),
            UnixTime::from_utc(2050, 1, 1, 0, 0, 0),
            UnixTime::from_utc(1950, 1, 1, 0, 0, 0),
        ] {
            let enc = encode_time(t);
            let (tlv, _) = read_tlv(&enc).unwrap();
            assert_eq!(tlv.tag == UTC_TIME, t.to_utc().0 < 2050);
            assert_eq!(time(&tlv).unwrap(), t);
        }
        let (tlv, _) = read_tlv(b"\x18\x1320270101000000.123Z").unwrap();
        assert_eq!(time(&tlv).unwrap(), UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        let (tlv, _) = read_tlv(b"\x17\x0b2701010000Z").unwrap();
        assert!(time(&tlv).is_err());
        // Multi-byte characters are refused before any slicing.
        let (tlv, _) = read_tlv("\x17\x0d27\u{0800}0101000Z".as_bytes()).unwrap();
        assert!(time(&tlv).is_err());
    }
}

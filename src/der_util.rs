//! The crate's one DER reader and writer, over byte slices.
//!
//! Signatures are checked over the *exact bytes received* (RFC 5652 §5.4, RFC 5280 §4.1.1.3),
//! so the parsers (`cms`, `pki`) work on raw TLVs and keep every element's position instead of
//! decoding into structures and re-encoding. Every [`Tlv`] knows its offset in the input the
//! outermost [`Reader`] was made over, so byte ranges come from the reader, never from pointer
//! arithmetic. The reader accepts definite lengths only (BER input goes through
//! `cms::ber::normalize` first); [`Reader::der`] also refuses non-minimal length encodings,
//! as DER requires.

use core::fmt;
use core::ops::Range;

use const_oid::ObjectIdentifier;

use crate::pki::UnixTime;

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const ENUMERATED: u8 = 0x0a;
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

/// Why DER did not decode: what was being read and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DerError(pub String);

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<DerError> for String {
    fn from(e: DerError) -> Self {
        e.0
    }
}

fn err(reason: impl Into<String>) -> DerError {
    DerError(reason.into())
}

/// One element: its first identifier octet, the whole encoding, the contents and where the
/// encoding starts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    /// The first identifier octet (for high tag numbers, `class | constructed | 0x1f`).
    pub tag: u8,
    /// Identifier, length and contents octets.
    pub raw: &'a [u8],
    /// Contents octets.
    pub value: &'a [u8],
    /// Offset of `raw` in the input of the outermost reader.
    pub start: usize,
}

impl Tlv<'_> {
    /// Where the whole encoding lies in the outermost reader's input.
    pub fn range(&self) -> Range<usize> {
        self.start..self.start + self.raw.len()
    }

    /// Where the contents lie in the outermost reader's input.
    pub fn value_range(&self) -> Range<usize> {
        let end = self.start + self.raw.len();
        end - self.value.len()..end
    }
}

/// Reads one definite-length header: (tag, header length, contents length).
fn header(input: &[u8], strict: bool) -> Result<(u8, usize, usize), &'static str> {
    const TRUNCATED: &str = "truncated: an element runs past the end of its container";
    let tag = *input.first().ok_or(TRUNCATED)?;
    let mut pos = 1;
    if tag & 0x1f == 0x1f {
        loop {
            let b = *input.get(pos).ok_or(TRUNCATED)?;
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
            if pos > 5 {
                return Err("tag number too large");
            }
        }
    }
    let first = *input.get(pos).ok_or(TRUNCATED)?;
    pos += 1;
    let len = if first < 0x80 {
        usize::from(first)
    } else if first == 0x80 {
        return Err("indefinite length where DER was expected");
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err("length field longer than 4 bytes");
        }
        let bytes = input.get(pos..pos + n).ok_or(TRUNCATED)?;
        pos += n;
        if strict && (bytes[0] == 0 || (n == 1 && bytes[0] < 0x80)) {
            return Err("length not in its shortest form (DER)");
        }
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    match pos.checked_add(len) {
        Some(end) if end <= input.len() => Ok((tag, pos, len)),
        _ => Err(TRUNCATED),
    }
}

/// Reads one definite-length TLV from the front of `input` (its `start` is 0).
///
/// # Errors
/// Truncated input, an indefinite length or a length field over 4 bytes.
pub(crate) fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerError> {
    let mut r = Reader::new(input);
    let tlv = r.any("element")?;
    Ok((tlv, r.rest))
}

/// Sequential reader over the contents of a constructed element.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    /// Offset of `rest` in the outermost input.
    pos: usize,
    /// DER length rules (shortest form).
    strict: bool,
}

impl<'a> Reader<'a> {
    /// A reader taking any definite length (CMS from other tools).
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            pos: 0,
            strict: false,
        }
    }

    /// A reader taking DER lengths only (certificates and CRLs).
    pub fn der(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            pos: 0,
            strict: true,
        }
    }

    /// A reader taking any definite length over `bytes`, which lie at `offset` in the
    /// outermost input (so that the elements it reads carry their offsets there).
    pub fn new_at(bytes: &'a [u8], offset: usize) -> Self {
        Self {
            rest: bytes,
            pos: offset,
            strict: false,
        }
    }

    /// A reader taking any definite length over the contents of `tlv`, whose elements keep
    /// their offsets in the outermost input ([`Reader::enter`] without a parent reader).
    pub fn contents_of(tlv: &Tlv<'a>) -> Self {
        Self::new_at(tlv.value, tlv.value_range().start)
    }

    /// A reader over the contents of `tlv` (read by this reader or one nested in it), with
    /// the same rules, whose elements keep their offsets in the outermost input.
    pub fn enter(&self, tlv: &Tlv<'a>) -> Self {
        Self {
            rest: tlv.value,
            pos: tlv.value_range().start,
            strict: self.strict,
        }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element, whatever its tag.
    pub fn any(&mut self, what: &str) -> Result<Tlv<'a>, DerError> {
        if self.rest.is_empty() {
            return Err(err(format!("{what} is missing")));
        }
        let (tag, header_len, len) =
            header(self.rest, self.strict).map_err(|e| err(format!("{what}: {e}")))?;
        let end = header_len + len;
        let tlv = Tlv {
            tag,
            raw: &self.rest[..end],
            value: &self.rest[header_len..end],
            start: self.pos,
        };
        self.rest = &self.rest[end..];
        self.pos += end;
        Ok(tlv)
    }

    /// The next element, which must have `tag`.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, DerError> {
        match self.peek_tag() {
            Some(t) if t == tag => self.any(what),
            Some(t) => Err(err(format!(
                "{what}: expected tag 0x{tag:02x}, found 0x{t:02x}"
            ))),
            None => Err(err(format!("{what} is missing"))),
        }
    }

    /// The next element if it has `tag`.
    pub fn optional(&mut self, tag: u8, what: &str) -> Result<Option<Tlv<'a>>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.any(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails if anything is left.
    pub fn finish(&self, what: &str) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(err(format!("unexpected data at the end of {what}")))
        }
    }
}

/// Decodes the contents of an OBJECT IDENTIFIER.
pub(crate) fn oid(tlv: &Tlv<'_>, what: &str) -> Result<ObjectIdentifier, DerError> {
    if tlv.tag != OID {
        return Err(err(format!("{what} is not an OBJECT IDENTIFIER")));
    }
    ObjectIdentifier::from_bytes(tlv.value)
        .map_err(|_| err(format!("{what} is not a valid OBJECT IDENTIFIER")))
}

/// Whether `value` is well-formed OBJECT IDENTIFIER contents (X.690 §8.19: subidentifiers in
/// base 128, none starting with 0x80), of any length.
pub(crate) fn is_oid_contents(value: &[u8]) -> bool {
    !value.is_empty()
        && value.last().is_some_and(|b| b & 0x80 == 0)
        && value
            .iter()
            .enumerate()
            .all(|(i, &b)| b != 0x80 || (i > 0 && value[i - 1] & 0x80 != 0))
}

/// The dotted form of OBJECT IDENTIFIER contents (any length: arcs too large for 128 bits are
/// written in hex), `None` if they are not well formed.
pub(crate) fn oid_dotted(value: &[u8]) -> Option<String> {
    use core::fmt::Write as _;
    if !is_oid_contents(value) {
        return None;
    }
    let mut out = String::new();
    let mut arc: u128 = 0;
    let mut overflow = false;
    let mut arc_start = 0;
    for (i, &b) in value.iter().enumerate() {
        overflow |= arc.leading_zeros() < 7;
        arc = (arc << 7) | u128::from(b & 0x7f);
        if b & 0x80 != 0 {
            continue;
        }
        if overflow {
            let _ = write!(out, ".0x{}", hex(&value[arc_start..=i]));
        } else if out.is_empty() {
            let (first, second) = match arc {
                0..40 => (0, arc),
                40..80 => (1, arc - 40),
                _ => (2, arc - 80),
            };
            let _ = write!(out, "{first}.{second}");
        } else {
            let _ = write!(out, ".{arc}");
        }
        arc = 0;
        overflow = false;
        arc_start = i + 1;
    }
    Some(out)
}

/// A small non-negative INTEGER (versions).
pub(crate) fn small_uint(tlv: &Tlv<'_>, what: &str) -> Result<u32, DerError> {
    if tlv.tag != INTEGER || tlv.value.is_empty() || tlv.value.len() > 4 || tlv.value[0] & 0x80 != 0
    {
        return Err(err(format!("{what} is not a small INTEGER")));
    }
    Ok(tlv
        .value
        .iter()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// A non-negative INTEGER (or ENUMERATED, by `tag`) that fits 32 bits, in DER (shortest form).
pub(crate) fn der_u32(tlv: &Tlv<'_>, tag: u8, what: &str) -> Result<u32, DerError> {
    let v = tlv.value;
    let minimal = match v {
        [] => false,
        [0, next, ..] => next & 0x80 != 0,
        [first, ..] => first & 0x80 == 0,
    };
    let digits = uint_digits(v);
    if tlv.tag != tag || !minimal || digits.len() > 4 {
        return Err(err(format!("{what} is not a non-negative 32-bit integer")));
    }
    Ok(digits
        .iter()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// A BOOLEAN in DER (0x00 or 0xFF).
pub(crate) fn der_bool(tlv: &Tlv<'_>, what: &str) -> Result<bool, DerError> {
    match (tlv.tag, tlv.value) {
        (_, [0x00]) => Ok(false),
        (_, [0xff]) => Ok(true),
        _ => Err(err(format!("{what} is not a DER BOOLEAN"))),
    }
}

/// The bits of a BIT STRING's contents (unused-bits octet first): the octets, with the
/// unused bits checked to be zero as DER requires.
pub(crate) fn bit_string<'a>(value: &'a [u8], what: &str) -> Result<&'a [u8], DerError> {
    let bad = || err(format!("{what} is not a DER BIT STRING"));
    let (&unused, bits) = value.split_first().ok_or_else(bad)?;
    if unused > 7 || (bits.is_empty() && unused != 0) {
        return Err(bad());
    }
    if bits
        .last()
        .is_some_and(|last| last & ((1u8 << unused) - 1) != 0)
    {
        return Err(bad());
    }
    Ok(bits)
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
    parse_time(tlv, false)
}

/// [`time`] as RFC 5280 §4.1.2.5 profiles it for certificates and CRLs: UTCTime exactly
/// `YYMMDDHHMMSSZ`, GeneralizedTime `YYYYMMDDHHMMSS[.f…]Z` with digits only after the point,
/// no leap second, and a day that exists in its month.
pub(crate) fn x509_time(tlv: &Tlv<'_>) -> Result<UnixTime, String> {
    parse_time(tlv, true)
}

fn parse_time(tlv: &Tlv<'_>, strict: bool) -> Result<UnixTime, String> {
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
                Some(dot) if strict => {
                    let fraction = &rest[dot + 1..];
                    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad());
                    }
                    &rest[..dot]
                }
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
    if strict && (sec > 59 || d > days_in_month(year, mo)) {
        return Err(bad());
    }
    Ok(UnixTime::from_utc(year, mo, d, h, mi, sec.min(59)))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Lowercase hex of bytes (the crate's one spelling of it).
pub(crate) fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
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
            assert!(Reader::der(&enc).any("x").is_ok());
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
        // Long forms where the short one fits: BER takes them, DER does not.
        for long in [
            &[0x04u8, 0x81, 0x01, 0x00][..],
            &[0x04, 0x82, 0x00, 0x01, 0x00],
        ] {
            assert!(read_tlv(long).is_ok());
            assert!(Reader::der(long).any("x").is_err(), "{long:02x?}");
        }
    }

    #[test]
    fn nested_elements_know_their_offsets() {
        let outer = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let mut r = Reader::der(&outer);
        let seq = r.expect(SEQUENCE, "seq").unwrap();
        let mut inner = r.enter(&seq);
        inner.expect(INTEGER, "int").unwrap();
        let octets = inner.expect(OCTET_STRING, "octets").unwrap();
        assert_eq!(octets.range(), 5..8);
        assert_eq!(octets.value_range(), 7..8);
        assert_eq!(&outer[octets.value_range()], [0xaa]);
    }

    #[test]
    fn oids_print_dotted_at_any_length() {
        let rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
        assert_eq!(
            oid_dotted(rsa.as_bytes()).as_deref(),
            Some("1.2.840.113549.1.1.11")
        );
        assert_eq!(oid_dotted(&[0x88, 0x37]).as_deref(), Some("2.999"));
        assert_eq!(oid_dotted(&[0x2a, 0x80, 0x01]), None);
        assert_eq!(oid_dotted(&[0x2a, 0x86]), None);
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
            assert_eq!(x509_time(&tlv).unwrap(), t);
        }
        let (tlv, _) = read_tlv(b"\x18\x1320270101000000.123Z").unwrap();
        assert_eq!(time(&tlv).unwrap(), UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        assert_eq!(
            x509_time(&tlv).unwrap(),
            UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
        );
        let (tlv, _) = read_tlv(b"\x17\x0b2701010000Z").unwrap();
        assert!(time(&tlv).is_err());
        // Multi-byte characters are refused before any slicing.
        let (tlv, _) = read_tlv("\x17\x0d27\u{0800}0101000Z".as_bytes()).unwrap();
        assert!(time(&tlv).is_err());
        // Days that do not exist and leap seconds: only the certificate profile refuses them.
        for odd in [&b"\x17\x0d270230000000Z"[..], b"\x17\x0d270101000060Z"] {
            let (tlv, _) = read_tlv(odd).unwrap();
            assert!(time(&tlv).is_ok());
            assert!(x509_time(&tlv).is_err());
        }
    }
}

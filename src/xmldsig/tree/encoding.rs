//! Character encodings: XML in windows-1251, KOI8-R, UTF-16, ISO-8859-x and the other encodings
//! of the WHATWG Encoding Standard, transcoded to UTF-8 before the parser sees it.
//!
//! What decides (XML 1.0 §4.3.3 and Appendix F): a byte-order mark (UTF-8, UTF-16LE,
//! UTF-16BE), else the first bytes of a UTF-16 `<?xml` without one, else the `encoding` of the
//! XML declaration, else UTF-8. A declaration that contradicts the mark, a label no table here
//! knows, or bytes that are not valid in the encoding are errors, never replacement characters.
//!
//! Labels are read as XML (IANA) names, not as a browser reads them: `ISO-8859-1` is Latin-1
//! (bytes 0x80–0x9F are the C1 controls U+0080–U+009F, as libxml2 reads them), not
//! windows-1252; likewise `ISO-8859-9` and `ISO-8859-11`/`TIS-620`; `US-ASCII` refuses bytes
//! above 0x7F. Tables come from `encoding_rs`.
//!
//! Memory: the UTF-8 text is at most three times the input (a byte of a single-byte encoding
//! or two of UTF-16 become at most three of UTF-8), and UTF-8 input, or input that is ASCII in
//! an ASCII-compatible encoding, is borrowed, not copied. The size limit is applied to the
//! input before anything is transcoded.

use std::borrow::Cow;
use std::collections::HashMap;

use encoding_rs::Encoding;

use super::{NONE, ParseLimits};
use crate::xmldsig::error::XmlError;

/// An XML document's bytes as the UTF-8 text the parser reads, and the encoding they came in.
///
/// Made by [`XmlText::decode`]; parsed by [`Document::parse_text`](super::Document::parse_text).
/// UTF-8 input is borrowed as it is (a byte-order mark included); other encodings are
/// transcoded (without their byte-order mark). The XML declaration is kept as written: the
/// text of a windows-1251 document still says `encoding="windows-1251"`, which the parser
/// accepts only from here. Canonical XML drops the declaration, so canonical output is the same
/// UTF-8 whatever encoding the document came in.
#[derive(Clone, Debug)]
pub struct XmlText<'a> {
    text: Cow<'a, str>,
    source: Source,
    /// Whether the input started with a byte-order mark of a transcoded encoding (UTF-16);
    /// [`XmlText::encode`] writes one back.
    bom: bool,
    /// The `encoding` of the XML declaration, as written.
    declared: Option<String>,
    input_len: usize,
}

/// How the input was encoded.
#[derive(Clone, Debug)]
enum Source {
    Utf8,
    Utf16 {
        big_endian: bool,
    },
    /// A single-byte encoding: each byte's character (`None`: the byte is not used), by name.
    SingleByte {
        name: &'static str,
        table: Box<[Option<char>; 256]>,
    },
    /// A multi-byte encoding of `encoding_rs` (Shift_JIS, EUC-KR, GBK, gb18030, Big5, …).
    Multi(&'static Encoding),
}

impl<'a> XmlText<'a> {
    /// Reads `input` (an XML document in any encoding the module documentation lists) as UTF-8
    /// text, refusing it first when it exceeds `limits.max_size`.
    ///
    /// # Errors
    /// [`XmlError::Limit`] for input over the size limit, [`XmlError::UnsupportedEncoding`] for
    /// an encoding signflow has no table for (UTF-32, EBCDIC, an unknown label),
    /// [`XmlError::Encoding`] for bytes that are not valid in the encoding or a declaration that
    /// contradicts the byte-order mark.
    pub fn decode(input: &'a [u8], limits: &ParseLimits) -> Result<Self, XmlError> {
        if input.len() > limits.max_size || input.len() >= NONE as usize {
            return Err(XmlError::Limit("document size"));
        }
        let utf16 = |big_endian: bool, bom: bool| -> Result<Self, XmlError> {
            let body = &input[if bom { 2 } else { 0 }..];
            let enc = if big_endian {
                encoding_rs::UTF_16BE
            } else {
                encoding_rs::UTF_16LE
            };
            let text = enc
                .decode_without_bom_handling_and_without_replacement(body)
                .ok_or_else(|| invalid(enc.name(), first_bad_utf16(body, big_endian)))?;
            if text.starts_with('\u{feff}') {
                return Err(XmlError::Malformed(
                    "a character U+FEFF before the root element (at byte 2)".into(),
                ));
            }
            let text: Cow<'a, str> = Cow::Owned(text.into_owned());
            let declared = declared_encoding(text.as_bytes()).map(str::to_owned);
            if let Some(label) = &declared {
                let named = Encoding::for_label(label.as_bytes());
                let fits = match named {
                    Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => {
                        label.eq_ignore_ascii_case("utf-16") || e == enc
                    }
                    _ => false,
                };
                if !fits {
                    return Err(XmlError::Encoding(format!(
                        "the document is {} but its declaration says {label}",
                        enc.name()
                    )));
                }
            }
            Ok(Self {
                text,
                source: Source::Utf16 { big_endian },
                bom,
                declared,
                input_len: input.len(),
            })
        };
        match input {
            [0xFF, 0xFE, 0, 0, ..]
            | [0, 0, 0xFE, 0xFF, ..]
            | [0, 0, 0, b'<', ..]
            | [b'<', 0, 0, 0, ..] => {
                return Err(XmlError::UnsupportedEncoding("UTF-32".into()));
            }
            [0x4C, 0x6F, 0xA7, 0x94, ..] => {
                return Err(XmlError::UnsupportedEncoding("EBCDIC".into()));
            }
            [0xFF, 0xFE, ..] => return utf16(false, true),
            [0xFE, 0xFF, ..] => return utf16(true, true),
            [b'<', 0, b'?', 0, ..] => return utf16(false, false),
            [0, b'<', 0, b'?', ..] => return utf16(true, false),
            _ => {}
        }
        let bom = input.starts_with(b"\xEF\xBB\xBF");
        let declared = declared_encoding(&input[if bom { 3 } else { 0 }..]);
        let utf8 = |declared: Option<&str>| -> Result<Self, XmlError> {
            let text = std::str::from_utf8(input).map_err(|e| invalid("UTF-8", e.valid_up_to()))?;
            Ok(Self {
                text: Cow::Borrowed(text),
                source: Source::Utf8,
                bom: false,
                declared: declared.map(str::to_owned),
                input_len: input.len(),
            })
        };
        let Some(label) = declared else {
            return utf8(None);
        };
        let encoding = Encoding::for_label(label.as_bytes())
            .ok_or_else(|| XmlError::UnsupportedEncoding(label.to_owned()))?;
        if encoding == encoding_rs::UTF_8 {
            return utf8(Some(label));
        }
        if bom {
            return Err(XmlError::Encoding(format!(
                "the document has a UTF-8 byte-order mark but its declaration says {label}"
            )));
        }
        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            return Err(XmlError::Encoding(format!(
                "the declaration says {label} but the document is not UTF-16 (no byte-order \
                 mark, and its first characters are one byte each)"
            )));
        }
        if encoding == encoding_rs::REPLACEMENT || encoding == encoding_rs::X_USER_DEFINED {
            return Err(XmlError::UnsupportedEncoding(label.to_owned()));
        }
        let declared = Some(label.to_owned());
        if encoding.is_single_byte() {
            let (name, table) = single_byte_table(label, encoding);
            let ascii_identity = (0..0x80u8).all(|b| table[b as usize] == Some(char::from(b)));
            let text = if ascii_identity && input.is_ascii() {
                Cow::Borrowed(std::str::from_utf8(input).map_err(|_| invalid(name, 0))?)
            } else {
                let mut out = String::with_capacity(input.len().saturating_mul(2));
                for (at, &b) in input.iter().enumerate() {
                    out.push(table[b as usize].ok_or_else(|| invalid(name, at))?);
                }
                Cow::Owned(out)
            };
            return Ok(Self {
                text,
                source: Source::SingleByte { name, table },
                bom: false,
                declared,
                input_len: input.len(),
            });
        }
        let text = match encoding.decode_without_bom_handling_and_without_replacement(input) {
            Some(Cow::Borrowed(s)) => Cow::Borrowed(s),
            Some(Cow::Owned(s)) => Cow::Owned(s),
            None => {
                return Err(XmlError::Encoding(format!(
                    "the document is not valid {}",
                    encoding.name()
                )));
            }
        };
        Ok(Self {
            text,
            source: Source::Multi(encoding),
            bom: false,
            declared,
            input_len: input.len(),
        })
    }

    /// The UTF-8 text the parser reads (for UTF-8 input, the input itself, byte-order mark
    /// included).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The name of the encoding the document came in: `UTF-8`, `UTF-16LE`, `UTF-16BE`,
    /// `windows-1251`, `KOI8-R`, `ISO-8859-1`, `ISO-8859-5`, `US-ASCII`, `Shift_JIS`, …
    pub fn encoding(&self) -> &'static str {
        match &self.source {
            Source::Utf8 => "UTF-8",
            Source::Utf16 { big_endian: false } => "UTF-16LE",
            Source::Utf16 { big_endian: true } => "UTF-16BE",
            Source::SingleByte { name, .. } => name,
            Source::Multi(e) => e.name(),
        }
    }

    /// Whether the text is a transcoding (a copy), not the input itself.
    pub fn is_transcoded(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }

    /// The `encoding` named by the XML declaration, as written (`None` without one).
    pub fn declared_encoding(&self) -> Option<&str> {
        self.declared.as_deref()
    }

    /// The text, when it is the input itself (not a transcoding).
    pub(crate) fn borrowed(&self) -> Option<&'a str> {
        match self.text {
            Cow::Borrowed(s) => Some(s),
            Cow::Owned(_) => None,
        }
    }

    /// A text already decoded from input like `like`'s (the signer's output, edited from it):
    /// read as `like` was, and written back by [`XmlText::encode`] as `like` is.
    pub(crate) fn decoded_like(text: &'a str, like: &XmlText<'_>) -> Self {
        Self {
            text: Cow::Borrowed(text),
            source: like.source.clone(),
            bom: like.bom,
            declared: like.declared.clone(),
            input_len: if matches!(like.source, Source::Utf8) {
                text.len()
            } else {
                0
            },
        }
    }

    /// The length of the input in bytes (what the size limit was applied to).
    pub(crate) fn input_len(&self) -> usize {
        self.input_len
    }

    /// `text` (UTF-8, the same document after an edit) as `self`'s input was encoded: the same
    /// encoding, a UTF-16 byte-order mark written back when the input had one. The XML
    /// declaration is `text`'s own, so a document that declared its encoding still does.
    /// A character the encoding cannot represent is written as a character reference
    /// (`&#1048;`): right in text and attribute values, which is all an edit by the signer adds.
    ///
    /// # Errors
    /// [`XmlError::Encoding`] when `text` has a character the encoding cannot represent in a
    /// place a character reference cannot stand (inside a comment, processing instruction,
    /// CDATA section or name) — a document `self` decoded cannot, only what was added to it.
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, XmlError> {
        match &self.source {
            Source::Utf8 => Ok(text.as_bytes().to_vec()),
            Source::Utf16 { big_endian } => {
                let mut out = Vec::with_capacity(text.len() * 2 + 2);
                let units = self
                    .bom
                    .then_some('\u{feff}')
                    .into_iter()
                    .chain(text.chars());
                let mut buf = [0u16; 2];
                for c in units {
                    for u in c.encode_utf16(&mut buf) {
                        out.extend_from_slice(&if *big_endian {
                            u.to_be_bytes()
                        } else {
                            u.to_le_bytes()
                        });
                    }
                }
                Ok(out)
            }
            Source::SingleByte { name, table } => {
                let reverse: HashMap<char, u8> = table
                    .iter()
                    .enumerate()
                    .filter_map(|(b, c)| Some(((*c)?, b as u8)))
                    .collect();
                let mut out = Vec::with_capacity(text.len());
                let mut unmappable = Vec::new();
                for (at, c) in text.char_indices() {
                    match reverse.get(&c) {
                        Some(&b) => out.push(b),
                        None => {
                            unmappable.push(at);
                            out.extend_from_slice(format!("&#{};", u32::from(c)).as_bytes());
                        }
                    }
                }
                check_references(text, &unmappable, name)?;
                Ok(out)
            }
            Source::Multi(encoding) => {
                let (bytes, _, had_unmappable) = encoding.encode(text);
                if had_unmappable {
                    let unmappable: Vec<usize> = text
                        .char_indices()
                        .filter(|(_, c)| {
                            let mut b = [0u8; 4];
                            encoding.encode(c.encode_utf8(&mut b)).2
                        })
                        .map(|(at, _)| at)
                        .collect();
                    check_references(text, &unmappable, encoding.name())?;
                }
                Ok(bytes.into_owned())
            }
        }
    }
}

/// The error for bytes that are not valid in `encoding`, at byte `at` of the input.
fn invalid(encoding: &str, at: usize) -> XmlError {
    XmlError::Encoding(format!(
        "the document is not valid {encoding} (at byte {at})"
    ))
}

/// Where a UTF-16 body stops decoding (an odd length or an unpaired surrogate).
fn first_bad_utf16(body: &[u8], big_endian: bool) -> usize {
    let unit = |i: usize| {
        let pair = [body[i], body[i + 1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    };
    let mut i = 0;
    while i + 1 < body.len() {
        let u = unit(i);
        if (0xD800..0xDC00).contains(&u) {
            if i + 3 < body.len() && (0xDC00..0xE000).contains(&unit(i + 2)) {
                i += 4;
                continue;
            }
            return i;
        }
        if (0xDC00..0xE000).contains(&u) {
            return i;
        }
        i += 2;
    }
    i
}

/// Each offset in `unmappable` (characters written as character references) must be in text
/// or an attribute value: outside markup other than a start tag's quoted value.
fn check_references(text: &str, unmappable: &[usize], encoding: &str) -> Result<(), XmlError> {
    let Some(&last) = unmappable.last() else {
        return Ok(());
    };
    // A small scanner of markup: enough to tell text and attribute values from the rest.
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Text,
        Tag,
        Value(u8),
        Other(&'static [u8]),
    }
    let bytes = text.as_bytes();
    let mut state = State::Text;
    let mut next = unmappable.iter().copied().peekable();
    let mut i = 0;
    while i <= last {
        if next.peek() == Some(&i) {
            next.next();
            if !matches!(state, State::Text | State::Value(_)) {
                return Err(XmlError::Encoding(format!(
                    "the character at byte {i} has no {encoding} code and cannot be written \
                     as a character reference there"
                )));
            }
        }
        let rest = &bytes[i..];
        state = match state {
            State::Text if rest.starts_with(b"<!--") => State::Other(b"-->"),
            State::Text if rest.starts_with(b"<![CDATA[") => State::Other(b"]]>"),
            State::Text if rest.starts_with(b"<?") => State::Other(b"?>"),
            State::Text if rest.starts_with(b"<") => State::Tag,
            State::Tag if matches!(bytes[i], b'"' | b'\'') => State::Value(bytes[i]),
            State::Tag if bytes[i] == b'>' => State::Text,
            State::Value(q) if bytes[i] == q => State::Tag,
            State::Other(end) if rest.starts_with(end) => {
                i += end.len();
                state = State::Text;
                continue;
            }
            s => s,
        };
        i += 1;
    }
    Ok(())
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of `head` (ASCII
/// compatible bytes), if there is a declaration that names one. Anything this reads differently
/// from the parser is caught there: the parser compares its own reading of the declaration with
/// this one.
fn declared_encoding(head: &[u8]) -> Option<&str> {
    let rest = head.strip_prefix(b"<?xml")?;
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    if !rest.first().is_some_and(is_space) {
        return None;
    }
    let end = memchr::memmem::find(&rest[..rest.len().min(4096)], b"?>")?;
    let mut decl = &rest[..end];
    loop {
        let start = decl.iter().position(|b| !is_space(b))?;
        decl = &decl[start..];
        let name_len = decl.iter().position(|b| !b.is_ascii_alphabetic())?;
        let (name, after) = decl.split_at(name_len);
        let after = &after[after.iter().position(|b| !is_space(b))?..];
        let after = after.strip_prefix(b"=")?;
        let after = &after[after.iter().position(|b| !is_space(b))?..];
        let (&quote, after) = after.split_first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value_len = after.iter().position(|&b| b == quote)?;
        if name == b"encoding" {
            return std::str::from_utf8(&after[..value_len]).ok();
        }
        decl = &after[value_len + 1..];
    }
}

/// The characters of a single-byte encoding by byte, and the encoding's name, for a label as
/// XML reads it: the ISO-8859 labels the WHATWG standard maps to a windows code page keep
/// their C1 controls, `US-ASCII` uses only the bytes below 0x80.
fn single_byte_table(
    label: &str,
    encoding: &'static Encoding,
) -> (&'static str, Box<[Option<char>; 256]>) {
    let mut table = Box::new([None; 256]);
    for b in 0..=255u8 {
        table[b as usize] = encoding
            .decode_without_bom_handling_and_without_replacement(&[b])
            .and_then(|s| {
                let mut chars = s.chars();
                let c = chars.next()?;
                chars.next().is_none().then_some(c)
            });
    }
    let label = label.trim().to_ascii_lowercase();
    let windows = |n: &str| {
        label == format!("windows-{n}") || label == format!("cp{n}") || label == format!("x-cp{n}")
    };
    let name = if encoding == encoding_rs::WINDOWS_1252 && !windows("1252") {
        if matches!(label.as_str(), "us-ascii" | "ascii" | "ansi_x3.4-1968") {
            for c in &mut table[0x80..] {
                *c = None;
            }
            return ("US-ASCII", table);
        }
        "ISO-8859-1"
    } else if encoding == encoding_rs::WINDOWS_1254 && !windows("1254") {
        "ISO-8859-9"
    } else if encoding == encoding_rs::WINDOWS_874 && label != "windows-874" && label != "dos-874" {
        "ISO-8859-11"
    } else {
        return (encoding.name(), table);
    };
    for b in 0x80..0xA0u8 {
        table[b as usize] = Some(char::from(b));
    }
    (name, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &[u8]) -> Result<XmlText<'_>, XmlError> {
        XmlText::decode(input, &ParseLimits::default())
    }

    #[test]
    fn windows_1251_round_trips() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>Привет, мир</a>");
        let t = decode(&bytes).unwrap();
        assert_eq!(t.encoding(), "windows-1251");
        assert!(t.is_transcoded());
        assert!(t.as_str().ends_with("<a>Привет, мир</a>"));
        assert_eq!(t.encode(t.as_str()).unwrap(), bytes.as_ref());
    }

    #[test]
    fn latin1_keeps_c1_controls_and_ascii_is_borrowed() {
        let t = decode(b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\x80\xe9</a>").unwrap();
        assert_eq!(t.encoding(), "ISO-8859-1");
        assert!(t.as_str().ends_with("<a>\u{80}\u{e9}</a>"));
        let t = decode(b"<?xml version='1.0' encoding='KOI8-R'?><a>x</a>").unwrap();
        assert!(!t.is_transcoded());
        assert_eq!(t.encoding(), "KOI8-R");
        let e = decode(b"<?xml version='1.0' encoding='us-ascii'?><a>\xe9</a>").unwrap_err();
        assert!(matches!(e, XmlError::Encoding(_)), "{e}");
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>Ж</a>";
        let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let t = decode(&le).unwrap();
        assert_eq!(t.encoding(), "UTF-16LE");
        assert_eq!(t.as_str(), doc);
        assert_eq!(t.encode(doc).unwrap(), le);
        let mut be = vec![0xFE, 0xFF];
        be.extend(doc.encode_utf16().flat_map(u16::to_be_bytes));
        let t = decode(&be).unwrap();
        assert_eq!(t.encoding(), "UTF-16BE");
        assert_eq!(t.encode(doc).unwrap(), be);
        // An unpaired surrogate.
        let mut bad = le.clone();
        bad.extend([0x00, 0xD8]);
        assert!(matches!(decode(&bad), Err(XmlError::Encoding(_))));
    }

    #[test]
    fn contradictions_and_unknown_labels_are_errors() {
        let e = decode(b"<?xml version='1.0' encoding='x-klingon'?><a/>").unwrap_err();
        assert!(
            matches!(&e, XmlError::UnsupportedEncoding(l) if l == "x-klingon"),
            "{e}"
        );
        let e = decode(b"\xEF\xBB\xBF<?xml version='1.0' encoding='windows-1251'?><a/>");
        assert!(matches!(e, Err(XmlError::Encoding(_))));
        let e = decode(b"<?xml version='1.0' encoding='UTF-16'?><a/>");
        assert!(matches!(e, Err(XmlError::Encoding(_))));
        let e = decode(b"<?xml version='1.0'?><a>\xcf\xf0</a>");
        assert!(matches!(e, Err(XmlError::Encoding(_))));
        let e = decode(b"\xFF\xFE\0\0<\0\0\0");
        assert!(matches!(e, Err(XmlError::UnsupportedEncoding(_))));
        let e = decode(b"<?xml version='1.0' encoding='iso-2022-kr'?><a/>");
        assert!(matches!(e, Err(XmlError::UnsupportedEncoding(_))));
    }

    #[test]
    fn size_limit_applies_before_transcoding() {
        let limits = ParseLimits {
            max_size: 10,
            ..ParseLimits::default()
        };
        let e = XmlText::decode(
            &[0xFF, 0xFE, b'<', 0, b'a', 0, b'/', 0, b'>', 0, 0, 0],
            &limits,
        );
        assert!(matches!(e, Err(XmlError::Limit("document size"))));
    }

    #[test]
    fn unmappable_characters_become_references_only_where_they_can() {
        let t = decode(b"<?xml version='1.0' encoding='windows-1251'?><a/>").unwrap();
        let out = t.encode("<a b='\u{4e2d}'>\u{4e2d}</a>").unwrap();
        assert_eq!(out, b"<a b='&#20013;'>&#20013;</a>");
        assert!(t.encode("<a><!--\u{4e2d}--></a>").is_err());
    }
}

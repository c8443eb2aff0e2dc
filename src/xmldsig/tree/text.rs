//! Character data: the markup of a text run decoded on demand (references, CDATA sections,
//! line ends), and canonical escaping.

use std::borrow::Cow;
use std::io::{self, Write};

use super::{Text, TextRepr};

/// One piece of decoded character data.
enum Piece<'s> {
    /// Characters as written (no references, no carriage return).
    Literal(&'s str),
    /// One character from a reference or a normalized line end.
    Char(char),
}

/// Decodes text markup (references, CDATA sections, XML 1.0 line ends) into pieces.
fn decode_markup<'s, E>(
    raw: &'s str,
    mut emit: impl FnMut(Piece<'s>) -> Result<(), E>,
) -> Result<(), E> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut literal = 0;
    while let Some(offset) = memchr::memchr3(b'&', b'\r', b'<', &bytes[i..]) {
        i += offset;
        match bytes[i] {
            b'&' => {
                let end = memchr::memchr(b';', &bytes[i..]).map_or(raw.len(), |e| i + e);
                emit(Piece::Literal(&raw[literal..i]))?;
                if let Some(c) = resolve_reference(&raw[i + 1..end]) {
                    emit(Piece::Char(c))?;
                }
                i = (end + 1).min(raw.len());
                literal = i;
            }
            b'\r' => {
                emit(Piece::Literal(&raw[literal..i]))?;
                emit(Piece::Char('\n'))?;
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                literal = i;
            }
            b'<' if raw[i..].starts_with("<![CDATA[") => {
                emit(Piece::Literal(&raw[literal..i]))?;
                let body = i + "<![CDATA[".len();
                let end = raw[body..].find("]]>").map_or(raw.len(), |e| body + e);
                // The section's characters as they are, but for line ends.
                decode_line_ends(&raw[body..end], &mut emit)?;
                i = (end + 3).min(raw.len());
                literal = i;
            }
            _ => i += 1,
        }
    }
    emit(Piece::Literal(&raw[literal..]))
}

fn decode_line_ends<'s, E>(
    s: &'s str,
    emit: &mut impl FnMut(Piece<'s>) -> Result<(), E>,
) -> Result<(), E> {
    let mut rest = s;
    while let Some(cr) = rest.find('\r') {
        emit(Piece::Literal(&rest[..cr]))?;
        emit(Piece::Char('\n'))?;
        let skip = if rest[cr + 1..].starts_with('\n') {
            2
        } else {
            1
        };
        rest = &rest[cr + skip..];
    }
    emit(Piece::Literal(rest))
}

/// The character of a predefined entity (`amp`) or a character reference (`#38`, `#x26`).
pub(super) fn resolve_reference(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let digits = name.strip_prefix('#')?;
            let code = match digits.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => digits.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

impl<'a> Text<'a> {
    /// The character data (references resolved, CDATA sections unwrapped, line ends
    /// normalized); borrowed when the input needed no decoding.
    pub fn as_str(&self) -> Cow<'a, str> {
        match self.0 {
            TextRepr::Decoded(s) => Cow::Borrowed(s),
            TextRepr::Markup(raw) => {
                if !raw.contains(['&', '\r', '<']) {
                    return Cow::Borrowed(raw);
                }
                let mut out = String::with_capacity(raw.len());
                let _ = decode_markup(raw, |p| {
                    match p {
                        Piece::Literal(s) => out.push_str(s),
                        Piece::Char(c) => out.push(c),
                    }
                    Ok::<(), std::convert::Infallible>(())
                });
                Cow::Owned(out)
            }
        }
    }

    /// Writes the text as canonical XML character data: `&`, `<`, `>` and carriage returns
    /// escaped (C14N 1.0 §2.3), straight from the input's markup.
    pub fn write_canonical<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        match &self.0 {
            TextRepr::Decoded(s) => escape(out, s, false),
            TextRepr::Markup(raw) => decode_markup(raw, |p| match p {
                Piece::Literal(s) => escape(out, s, false),
                Piece::Char(c) => escape(out, c.encode_utf8(&mut [0; 4]), false),
            }),
        }
    }
}

/// Writes `s` escaped as canonical text (`attr == false`) or attribute value.
pub(crate) fn escape<W: Write + ?Sized>(out: &mut W, s: &str, attr: bool) -> io::Result<()> {
    let bytes = s.as_bytes();
    if attr {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let rep: &[u8] = match b {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'"' => b"&quot;",
                b'\t' => b"&#x9;",
                b'\n' => b"&#xA;",
                b'\r' => b"&#xD;",
                _ => continue,
            };
            out.write_all(&bytes[start..i])?;
            out.write_all(rep)?;
            start = i + 1;
        }
        return out.write_all(&bytes[start..]);
    }
    // Text: long runs with few special bytes, so jump between them (SIMD search); a carriage
    // return is rare enough to look for once up front.
    let has_cr = memchr::memchr(b'\r', bytes).is_some();
    let mut start = 0;
    loop {
        let next = if has_cr {
            bytes[start..]
                .iter()
                .position(|b| matches!(b, b'&' | b'<' | b'>' | b'\r'))
        } else {
            memchr::memchr3(b'&', b'<', b'>', &bytes[start..])
        };
        let Some(offset) = next else {
            return out.write_all(&bytes[start..]);
        };
        let i = start + offset;
        out.write_all(&bytes[start..i])?;
        out.write_all(match bytes[i] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => b"&#xD;",
        })?;
        start = i + 1;
    }
}

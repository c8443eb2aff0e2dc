//! BER → DER normalization, as far as CMS needs it.
//!
//! X.690 BER allows what DER forbids; CMS producers use two of those freedoms:
//!
//! - **indefinite lengths** (`0x80` … `00 00`), written by streaming encoders (`openssl cms
//!   -stream`, Windows CryptoAPI, CryptoPro);
//! - **constructed string encodings**: an OCTET STRING (the eContent) split into chunks, each
//!   itself an OCTET STRING (X.690 §8.7.3).
//!
//! [`normalize`] rewrites exactly those: indefinite lengths become definite, constructed strings
//! become one primitive string. Everything else — including the encodings of certificates and
//! signed attributes, whose bytes are signed — is copied unchanged, so already-DER input comes
//! back borrowed and byte-identical. The walk is bounded in nesting depth and makes two passes
//! (measure, then write) so the output is allocated once at its exact size.
//!
//! [`canonical`] is the full DER re-encoding (minimal lengths, SET elements sorted) used as a
//! fallback when a signer's signed attributes arrive in a non-DER form.

use std::borrow::Cow;

use super::der::{SET, len_len, malformed, push_len};
use super::error::CmsError;

/// Marker in the plan: the element is copied verbatim.
const VERBATIM: usize = usize::MAX;

struct Header {
    /// Number of identifier octets.
    id_len: usize,
    first: u8,
    constructed: bool,
    /// `None` for the indefinite form.
    len: Option<usize>,
    header_len: usize,
}

fn truncated() -> CmsError {
    malformed("truncated: the input ends inside an element")
}

/// Reads the header of the element at `pos`; the element must end by `limit`.
fn header(input: &[u8], pos: usize, limit: usize) -> Result<Header, CmsError> {
    let b = input.get(pos..limit).ok_or_else(truncated)?;
    let first = *b.first().ok_or_else(truncated)?;
    let mut id_len = 1;
    if first & 0x1f == 0x1f {
        loop {
            let c = *b.get(id_len).ok_or_else(truncated)?;
            id_len += 1;
            if c & 0x80 == 0 {
                break;
            }
            if id_len > 5 {
                return Err(malformed("tag number too large"));
            }
        }
    }
    let constructed = first & 0x20 != 0;
    let l = *b.get(id_len).ok_or_else(truncated)?;
    let (len, header_len) = if l < 0x80 {
        (Some(usize::from(l)), id_len + 1)
    } else if l == 0x80 {
        if !constructed {
            return Err(malformed("indefinite length on a primitive element"));
        }
        (None, id_len + 1)
    } else {
        let n = usize::from(l & 0x7f);
        if n > 4 {
            return Err(malformed("length field longer than 4 bytes"));
        }
        let bytes = b.get(id_len + 1..id_len + 1 + n).ok_or_else(truncated)?;
        let v = bytes
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (Some(v), id_len + 1 + n)
    };
    if let Some(len) = len
        && header_len.checked_add(len).is_none_or(|end| end > b.len())
    {
        return Err(truncated());
    }
    Ok(Header {
        id_len,
        first,
        constructed,
        len,
        header_len,
    })
}

/// Universal string types whose constructed form is a sequence of chunks to concatenate
/// (OCTET STRING and the restricted character strings; not BIT STRING).
fn is_constructed_string(first: u8) -> bool {
    first & 0xe0 == 0x20 && matches!(first & 0x1f, 4 | 12 | 18..=22 | 25..=28 | 30)
}

fn at_end_of_contents(input: &[u8], pos: usize, limit: usize) -> bool {
    pos + 2 <= limit && input[pos] == 0 && input[pos + 1] == 0
}

struct Normalizer<'a> {
    input: &'a [u8],
    max_depth: usize,
    /// Per constructed element, in pre-order: its new contents length, or [`VERBATIM`].
    plan: Vec<usize>,
    next: usize,
}

impl Normalizer<'_> {
    fn depth_check(&self, depth: usize) -> Result<(), CmsError> {
        if depth > self.max_depth {
            Err(CmsError::LimitExceeded {
                what: "nesting depth",
                limit: self.max_depth,
            })
        } else {
            Ok(())
        }
    }

    /// Returns (end of the element in the input, its normalized length, whether it changes).
    fn measure(
        &mut self,
        pos: usize,
        limit: usize,
        depth: usize,
    ) -> Result<(usize, usize, bool), CmsError> {
        let h = header(self.input, pos, limit)?;
        let start = pos + h.header_len;
        if !h.constructed {
            let end = start + h.len.unwrap_or(0);
            return Ok((end, end - pos, false));
        }
        self.depth_check(depth + 1)?;
        let idx = self.plan.len();
        self.plan.push(0);
        if is_constructed_string(h.first) {
            let (end, len) =
                self.measure_string(start, h.len.map(|l| start + l), limit, depth + 1)?;
            self.plan[idx] = len;
            return Ok((end, h.id_len + len_len(len) + len, true));
        }
        let mut p = start;
        let mut len = 0usize;
        let mut changed = h.len.is_none();
        let end = match h.len {
            Some(l) => {
                let end = start + l;
                while p < end {
                    let (e, n, c) = self.measure(p, end, depth + 1)?;
                    p = e;
                    len += n;
                    changed |= c;
                }
                end
            }
            None => loop {
                if at_end_of_contents(self.input, p, limit) {
                    break p + 2;
                }
                if p >= limit {
                    return Err(truncated());
                }
                let (e, n, c) = self.measure(p, limit, depth + 1)?;
                p = e;
                len += n;
                changed |= c;
            },
        };
        if changed {
            self.plan[idx] = len;
            Ok((end, h.id_len + len_len(len) + len, true))
        } else {
            self.plan.truncate(idx + 1);
            self.plan[idx] = VERBATIM;
            Ok((end, end - pos, false))
        }
    }

    /// Walks the chunks of a constructed string: (end, total contents length).
    fn measure_string(
        &mut self,
        mut p: usize,
        end: Option<usize>,
        limit: usize,
        depth: usize,
    ) -> Result<(usize, usize), CmsError> {
        let bound = end.unwrap_or(limit);
        let mut total = 0usize;
        loop {
            match end {
                Some(e) if p >= e => return Ok((e, total)),
                None if at_end_of_contents(self.input, p, limit) => return Ok((p + 2, total)),
                None if p >= limit => return Err(truncated()),
                _ => {}
            }
            let h = header(self.input, p, bound)?;
            let start = p + h.header_len;
            if h.constructed {
                if !is_constructed_string(h.first) {
                    return Err(malformed("a constructed string holds a non-string chunk"));
                }
                self.depth_check(depth + 1)?;
                let (e, n) =
                    self.measure_string(start, h.len.map(|l| start + l), bound, depth + 1)?;
                p = e;
                total += n;
            } else {
                let n = h.len.unwrap_or(0);
                total += n;
                p = start + n;
            }
        }
    }

    fn write(&mut self, pos: usize, limit: usize, out: &mut Vec<u8>) -> Result<usize, CmsError> {
        let h = header(self.input, pos, limit)?;
        let start = pos + h.header_len;
        if !h.constructed {
            let end = start + h.len.unwrap_or(0);
            out.extend_from_slice(&self.input[pos..end]);
            return Ok(end);
        }
        let entry = self.plan[self.next];
        self.next += 1;
        if is_constructed_string(h.first) {
            out.push(h.first & !0x20);
            push_len(out, entry);
            return self.write_string(start, h.len.map(|l| start + l), limit, out);
        }
        if entry == VERBATIM {
            let end = start + h.len.unwrap_or(0);
            out.extend_from_slice(&self.input[pos..end]);
            return Ok(end);
        }
        out.extend_from_slice(&self.input[pos..pos + h.id_len]);
        push_len(out, entry);
        let mut p = start;
        match h.len {
            Some(l) => {
                let end = start + l;
                while p < end {
                    p = self.write(p, end, out)?;
                }
                Ok(end)
            }
            None => loop {
                if at_end_of_contents(self.input, p, limit) {
                    return Ok(p + 2);
                }
                p = self.write(p, limit, out)?;
            },
        }
    }

    fn write_string(
        &mut self,
        mut p: usize,
        end: Option<usize>,
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, CmsError> {
        let bound = end.unwrap_or(limit);
        loop {
            match end {
                Some(e) if p >= e => return Ok(e),
                None if at_end_of_contents(self.input, p, limit) => return Ok(p + 2),
                _ => {}
            }
            let h = header(self.input, p, bound)?;
            let start = p + h.header_len;
            if h.constructed {
                p = self.write_string(start, h.len.map(|l| start + l), bound, out)?;
            } else {
                let e = start + h.len.unwrap_or(0);
                out.extend_from_slice(&self.input[start..e]);
                p = e;
            }
        }
    }
}

/// Rewrites indefinite lengths and constructed strings of one BER element into DER form (see
/// the module documentation). `input` must be exactly one element.
///
/// # Errors
/// [`CmsError::Malformed`] for truncated or invalid encodings and trailing data,
/// [`CmsError::LimitExceeded`] for nesting deeper than `max_depth`.
pub(crate) fn normalize(input: &[u8], max_depth: usize) -> Result<Cow<'_, [u8]>, CmsError> {
    let mut n = Normalizer {
        input,
        max_depth,
        plan: Vec::new(),
        next: 0,
    };
    let (end, len, changed) = n.measure(0, input.len(), 0)?;
    if end != input.len() {
        return Err(malformed(format!(
            "{} bytes of trailing data after the CMS structure",
            input.len() - end
        )));
    }
    if !changed {
        return Ok(Cow::Borrowed(input));
    }
    let mut out = Vec::with_capacity(len);
    n.write(0, input.len(), &mut out)?;
    debug_assert_eq!(out.len(), len);
    Ok(Cow::Owned(out))
}

/// Full DER re-encoding of one definite-length element: minimal lengths, the elements of every
/// SET sorted by their encodings. Bounded by `max_depth`.
///
/// # Errors
/// As [`normalize`].
pub(crate) fn canonical(input: &[u8], max_depth: usize) -> Result<Vec<u8>, CmsError> {
    let normalized = normalize(input, max_depth)?;
    let mut out = Vec::with_capacity(normalized.len());
    canonical_into(&normalized, 0, max_depth, &mut out)?;
    Ok(out)
}

fn canonical_into(
    input: &[u8],
    depth: usize,
    max_depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), CmsError> {
    let h = header(input, 0, input.len())?;
    let len = h.len.unwrap_or(0);
    let contents = &input[h.header_len..h.header_len + len];
    out.extend_from_slice(&input[..h.id_len]);
    if !h.constructed {
        push_len(out, contents.len());
        out.extend_from_slice(contents);
        return Ok(());
    }
    if depth >= max_depth {
        return Err(CmsError::LimitExceeded {
            what: "nesting depth",
            limit: max_depth,
        });
    }
    let mut children = Vec::new();
    let mut p = 0;
    while p < contents.len() {
        let ch = header(contents, p, contents.len())?;
        let end = p + ch.header_len + ch.len.unwrap_or(0);
        let mut enc = Vec::new();
        canonical_into(&contents[p..end], depth + 1, max_depth, &mut enc)?;
        children.push(enc);
        p = end;
    }
    if h.first == SET {
        children.sort();
    }
    push_len(out, children.iter().map(Vec::len).sum());
    for c in children {
        out.extend_from_slice(&c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_comes_back_borrowed() {
        let der = [0x30, 0x07, 0x04, 0x01, 0xaa, 0x31, 0x02, 0x05, 0x00];
        assert!(matches!(normalize(&der, 8), Ok(Cow::Borrowed(_))));
        // Non-minimal lengths are kept as they are (signed bytes are not touched).
        let long = [0x30, 0x81, 0x03, 0x04, 0x01, 0xaa];
        assert_eq!(&*normalize(&long, 8).unwrap(), &long);
    }

    #[test]
    fn indefinite_lengths_and_chunks_are_rewritten() {
        // SEQUENCE(indef) { OCTET STRING(constructed, indef) { "ab", "c" }, NULL } EOC
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x05,
            0x00, 0x00, 0x00,
        ];
        let der = normalize(&ber, 8).unwrap();
        assert_eq!(
            &*der,
            &[0x30, 0x07, 0x04, 0x03, b'a', b'b', b'c', 0x05, 0x00]
        );
        // Nested constructed chunks, definite outer length.
        let ber = [
            0x24, 0x0a, 0x24, 0x80, 0x04, 0x01, b'x', 0x00, 0x00, 0x04, 0x01, b'y',
        ];
        assert_eq!(&*normalize(&ber, 8).unwrap(), &[0x04, 0x02, b'x', b'y']);
    }

    #[test]
    fn depth_truncation_and_trailing_data_are_errors() {
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        deep.extend(std::iter::repeat_n(0u8, 200));
        assert!(matches!(
            normalize(&deep, 64),
            Err(CmsError::LimitExceeded { .. })
        ));
        assert!(normalize(&[0x30, 0x80, 0x05, 0x00], 8).is_err());
        assert!(normalize(&[0x30, 0x03, 0x05, 0x00], 8).is_err());
        assert!(normalize(&[0x05, 0x00, 0x00], 8).is_err());
        assert!(normalize(&[0x04, 0x80, 0x00, 0x00], 8).is_err());
        assert!(normalize(&[0x24, 0x80, 0x30, 0x00, 0x00, 0x00], 8).is_err());
    }

    #[test]
    fn canonical_sorts_sets_and_shortens_lengths() {
        let input = [0x31, 0x81, 0x06, 0x04, 0x01, 0x02, 0x04, 0x01, 0x01];
        assert_eq!(
            canonical(&input, 8).unwrap(),
            [0x31, 0x06, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02]
        );
    }
}

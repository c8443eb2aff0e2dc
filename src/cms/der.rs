//! The CMS side of the crate's one DER reader and writer ([`crate::der_util`]): its errors as
//! [`CmsError`], and SET OF / SEQUENCE OF reading under CMS's element limits.
//!
//! CMS signatures are checked over the *exact bytes received* (RFC 5652 §5.4), so the parser
//! works on raw TLVs and keeps every element's position instead of decoding into structures and
//! re-encoding. The reader accepts definite lengths only: BER input goes through
//! [`super::ber::normalize`] first.

use core::ops::Range;

use super::error::CmsError;
pub(crate) use crate::der_util::{
    DerError, INTEGER, OCTET_STRING, OID, Reader, SEQUENCE, SET, Tlv, cons, encode_oid,
    encode_small_uint, encode_time, len_len, oid, oid_name, pem_encode, prim, push_len, set_of,
    small_uint, time, tlv, tlv_parts, uint_digits,
};

impl From<DerError> for CmsError {
    fn from(e: DerError) -> Self {
        malformed(e.0)
    }
}

pub(crate) fn malformed(reason: impl Into<String>) -> CmsError {
    CmsError::Malformed {
        reason: reason.into(),
    }
}

/// Reads one definite-length TLV from the front of `input`.
pub(crate) fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), CmsError> {
    Ok(crate::der_util::read_tlv(input)?)
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

/// Position of `inner` (a subslice of `outer`) within `outer`.
pub(crate) fn range_in(outer: &[u8], inner: &[u8]) -> Range<usize> {
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    debug_assert!(start + inner.len() <= outer.len());
    start..start + inner.len()
}

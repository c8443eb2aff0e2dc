//! The CMS side of the crate's one DER reader and writer ([`crate::der_util`]): its errors as
//! [`CmsError`], and SET OF / SEQUENCE OF reading under CMS's element limits.
//!
//! CMS signatures are checked over the *exact bytes received* (RFC 5652 §5.4), so the parser
//! works on raw TLVs and keeps every element's position instead of decoding into structures and
//! re-encoding. The reader accepts definite lengths only: BER input goes through
//! [`super::ber::normalize`] first.

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

/// Every element of the SET OF / SEQUENCE OF `set`, at most `limit` of them, with their
/// offsets in the outermost input.
pub(crate) fn elements<'a>(
    set: &Tlv<'a>,
    what: &'static str,
    limit: usize,
) -> Result<Vec<Tlv<'a>>, CmsError> {
    let mut r = Reader::contents_of(set);
    let mut out = Vec::new();
    while !r.is_empty() {
        if out.len() >= limit {
            return Err(CmsError::LimitExceeded { what, limit });
        }
        out.push(r.any(what)?);
    }
    Ok(out)
}

/// The one element inside `tlv` (an EXPLICIT wrapper or an OCTET STRING holding an encoding),
/// with its offset in the outermost input.
pub(crate) fn only_element<'a>(tlv: &Tlv<'a>, what: &str) -> Result<Tlv<'a>, CmsError> {
    let mut r = Reader::contents_of(tlv);
    let inner = r.any(what)?;
    if !r.is_empty() {
        return Err(malformed(format!("{what}: more than one element")));
    }
    Ok(inner)
}

//! OCSP responses (RFC 6960) as a revocation source: [`OcspResponse`] parses an OCSPResponse
//! whose responseBytes are an id-pkix-ocsp-basic BasicOCSPResponse, once, with the crate's
//! strict DER reader; `verify` (used by the [`super::Validator`]) decides whether a response is
//! usable for a certificate — CertID match with its own hash, an authorised responder (the CA
//! itself or a delegated id-kp-OCSPSigning responder the CA issued, §4.2.2.2), its signature,
//! freshness — and what it says.
//!
//! Parsing is bounded: at most [`MAX_OCSP_RESPONSE_LEN`] bytes, [`MAX_SINGLE_RESPONSES`]
//! SingleResponses and [`MAX_RESPONSE_CERTS`] certificates; errors are [`OcspError`]s, never
//! panics.

pub(super) mod request;
pub(super) mod verify;

use core::ops::Range;
use std::sync::Arc;

use super::certificate::{Certificate, algorithm_identifier, read_extensions};
use super::crl::RevocationReason;
use super::name::DistinguishedName;
use super::time::UnixTime;
use crate::crypto::{CryptoError, HashAlgorithm, SignatureAlgorithm};
use crate::der_util::{
    self, BIT_STRING, DerError, ENUMERATED, GENERALIZED_TIME, INTEGER, OCTET_STRING, OID, Reader,
    SEQUENCE, Tlv, cons, prim,
};

/// Largest OCSP response accepted (real ones are a few KiB; responses for many certificates
/// and certificate chains stay far below this).
pub const MAX_OCSP_RESPONSE_LEN: usize = 4 * 1024 * 1024;
/// Most SingleResponses one response may carry.
pub const MAX_SINGLE_RESPONSES: usize = 1024;
/// Most certificates one response may carry (the responder's and its chain).
pub const MAX_RESPONSE_CERTS: usize = 16;

/// id-pkix-ocsp-basic (RFC 6960 §4.2.1).
pub const ID_PKIX_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// id-pkix-ocsp-nonce (RFC 6960 §4.4.1).
pub const ID_PKIX_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): the responder certificate is not checked for
/// revocation.
pub const ID_PKIX_OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";
/// id-kp-OCSPSigning (RFC 6960 §4.2.2.2): the extended key usage of a delegated responder.
pub const ID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";

/// Why bytes could not be read as a successful basic OCSP response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    /// The input is larger than [`MAX_OCSP_RESPONSE_LEN`].
    #[error("OCSP response of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not DER or not RFC 6960's structure.
    #[error("malformed OCSP response: {reason}")]
    Malformed {
        /// What is wrong, and where.
        reason: String,
    },
    /// The responder refused to answer (responseStatus other than successful).
    #[error("the OCSP response status is {status}, not successful")]
    NotSuccessful {
        /// The responseStatus.
        status: OcspResponseStatus,
    },
    /// The responseBytes are of another type than id-pkix-ocsp-basic.
    #[error("unsupported OCSP response type {oid} (only id-pkix-ocsp-basic is read)")]
    UnsupportedResponseType {
        /// The responseType, dotted.
        oid: String,
    },
    /// More SingleResponses or certificates than the limits allow.
    #[error("the OCSP response carries more than {max} {what}")]
    TooMany {
        /// `responses` or `certificates`.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// PEM framing was wrong.
    #[error(transparent)]
    Pem(#[from] crate::pem::PemError),
}

impl OcspError {
    /// Whether the input was not a (well-formed) response, as opposed to a well-formed
    /// response that refused to answer.
    pub fn is_format_error(&self) -> bool {
        !matches!(self, Self::NotSuccessful { .. })
    }
}

/// OCSPResponseStatus (RFC 6960 §4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum OcspResponseStatus {
    /// successful (0).
    Successful,
    /// malformedRequest (1).
    MalformedRequest,
    /// internalError (2).
    InternalError,
    /// tryLater (3).
    TryLater,
    /// sigRequired (5).
    SigRequired,
    /// unauthorized (6).
    Unauthorized,
    /// A value RFC 6960 does not define.
    Other(u32),
}

impl OcspResponseStatus {
    fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Successful,
            1 => Self::MalformedRequest,
            2 => Self::InternalError,
            3 => Self::TryLater,
            5 => Self::SigRequired,
            6 => Self::Unauthorized,
            n => Self::Other(n),
        }
    }
}

impl core::fmt::Display for OcspResponseStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Successful => f.write_str("successful"),
            Self::MalformedRequest => f.write_str("malformedRequest"),
            Self::InternalError => f.write_str("internalError"),
            Self::TryLater => f.write_str("tryLater"),
            Self::SigRequired => f.write_str("sigRequired"),
            Self::Unauthorized => f.write_str("unauthorized"),
            Self::Other(n) => write!(f, "{n} (undefined)"),
        }
    }
}

/// ResponderID (RFC 6960 §4.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponderId {
    /// byName: the responder certificate's subject.
    ByName(DistinguishedName),
    /// byKey: SHA-1 of the responder's subjectPublicKey bits.
    ByKey(Vec<u8>),
}

/// CertID (RFC 6960 §4.1.1): which certificate a SingleResponse is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertId {
    /// The hashAlgorithm's OID, dotted.
    pub hash_algorithm_oid: String,
    /// The hash algorithm, when signflow knows it.
    pub hash_algorithm: Option<HashAlgorithm>,
    /// Hash of the issuer's distinguished name (DER).
    pub issuer_name_hash: Vec<u8>,
    /// Hash of the issuer's subjectPublicKey bits.
    pub issuer_key_hash: Vec<u8>,
    /// serialNumber: the INTEGER's contents octets.
    pub serial: Vec<u8>,
}

/// CertStatus (RFC 6960 §4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CertStatus {
    /// good: not revoked (as far as the responder knows at thisUpdate).
    Good,
    /// revoked.
    Revoked {
        /// revocationTime.
        time: UnixTime,
        /// revocationReason, if given.
        reason: Option<RevocationReason>,
    },
    /// unknown: the responder does not know the certificate.
    Unknown,
}

/// One SingleResponse (RFC 6960 §4.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleResponse {
    /// Which certificate.
    pub cert_id: CertId,
    /// What the responder says about it.
    pub status: CertStatus,
    /// When the status was known to be correct.
    pub this_update: UnixTime,
    /// When newer information will be available (none: always).
    pub next_update: Option<UnixTime>,
    /// Critical singleExtensions signflow does not process (dotted OIDs); such a
    /// SingleResponse is not used.
    pub unknown_critical: Vec<String>,
}

/// A parsed successful basic OCSP response. Cloning is cheap (the parsed response is shared).
#[derive(Clone, Debug)]
pub struct OcspResponse(Arc<OcspData>);

/// The fields of an [`OcspResponse`] (reachable through its methods).
#[derive(Debug)]
pub struct OcspData {
    der: Vec<u8>,
    fingerprint: [u8; 32],
    tbs: Range<usize>,
    version: u32,
    responder_id: ResponderId,
    produced_at: UnixTime,
    responses: Vec<SingleResponse>,
    nonce: Option<Vec<u8>>,
    unknown_critical: Vec<String>,
    signature_algorithm_der: Range<usize>,
    signature: Vec<u8>,
    certs: Vec<Certificate>,
}

impl core::ops::Deref for OcspResponse {
    type Target = OcspData;
    fn deref(&self) -> &OcspData {
        &self.0
    }
}

impl OcspResponse {
    /// Parses a DER OCSPResponse whose status is successful and whose responseBytes are a
    /// BasicOCSPResponse (what `openssl ocsp -respout` writes).
    ///
    /// # Errors
    /// [`OcspError::TooLarge`], [`OcspError::Malformed`], [`OcspError::NotSuccessful`],
    /// [`OcspError::UnsupportedResponseType`] or [`OcspError::TooMany`].
    ///
    /// # Example
    /// ```
    /// use signflow::pki::{CertStatus, OcspResponse};
    /// let response = OcspResponse::from_der(include_bytes!("../../../testdata/ocsp/good-ca.der"))?;
    /// assert_eq!(response.responses()[0].status, CertStatus::Good);
    /// # Ok::<(), signflow::pki::OcspError>(())
    /// ```
    pub fn from_der(der: &[u8]) -> Result<Self, OcspError> {
        if der.len() > MAX_OCSP_RESPONSE_LEN {
            return Err(OcspError::TooLarge {
                len: der.len(),
                max: MAX_OCSP_RESPONSE_LEN,
            });
        }
        parse(der).map(|d| Self(Arc::new(d)))
    }

    /// Parses every response in DER input, or in PEM blocks labelled `OCSP RESPONSE`.
    ///
    /// # Errors
    /// [`OcspError::Pem`] or as [`OcspResponse::from_der`].
    pub fn all_from_pem_or_der(input: &[u8]) -> Result<Vec<Self>, OcspError> {
        crate::pem::decode_labelled(input, &["OCSP RESPONSE"], "an OCSP response")?
            .iter()
            .map(|d| Self::from_der(d))
            .collect()
    }
}

impl OcspData {
    /// The whole OCSPResponse, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// SHA-256 of the response's DER (computed when parsed; caches key on it).
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        self.fingerprint
    }
    /// The signed tbsResponseData, DER.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }
    /// The ResponseData version (0 for v1).
    pub fn version(&self) -> u32 {
        self.version
    }
    /// Who signed the response.
    pub fn responder_id(&self) -> &ResponderId {
        &self.responder_id
    }
    /// When the response was signed.
    pub fn produced_at(&self) -> UnixTime {
        self.produced_at
    }
    /// The SingleResponses.
    pub fn responses(&self) -> &[SingleResponse] {
        &self.responses
    }
    /// The nonce extension's value (the extnValue contents), if present.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_deref()
    }
    /// Critical responseExtensions signflow does not process; such a response is not used.
    pub fn unknown_critical(&self) -> &[String] {
        &self.unknown_critical
    }
    /// The signature algorithm.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the OID.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, CryptoError> {
        SignatureAlgorithm::from_algorithm_identifier_der(
            &self.der[self.signature_algorithm_der.clone()],
            None,
        )
    }
    /// The signature bits.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The certificates the response carries (a delegated responder's, its chain).
    pub fn certificates(&self) -> &[Certificate] {
        &self.certs
    }
}

fn malformed(e: DerError) -> OcspError {
    OcspError::Malformed { reason: e.0 }
}

fn bad(reason: impl Into<String>) -> OcspError {
    OcspError::Malformed {
        reason: reason.into(),
    }
}

fn generalized_time(tlv: &Tlv<'_>, what: &str) -> Result<UnixTime, OcspError> {
    if tlv.tag != GENERALIZED_TIME {
        return Err(bad(format!("{what} is not a GeneralizedTime")));
    }
    der_util::time(tlv).map_err(|e| bad(format!("bad {what}: {e}")))
}

/// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT
/// ResponseBytes OPTIONAL }; ResponseBytes ::= SEQUENCE { responseType OID, response OCTET
/// STRING }.
fn parse(der: &[u8]) -> Result<OcspData, OcspError> {
    let mut top = Reader::der(der);
    let outer = top.expect(SEQUENCE, "OCSPResponse").map_err(malformed)?;
    top.finish("OCSPResponse").map_err(malformed)?;
    let mut r = top.enter(&outer);
    let status = r.expect(ENUMERATED, "responseStatus").map_err(malformed)?;
    let status = der_util::der_u32(&status, ENUMERATED, "responseStatus").map_err(malformed)?;
    let status = OcspResponseStatus::from_code(status);
    if status != OcspResponseStatus::Successful {
        return Err(OcspError::NotSuccessful { status });
    }
    let wrapper = r.expect(cons(0), "responseBytes").map_err(malformed)?;
    r.finish("OCSPResponse").map_err(malformed)?;
    let mut w = r.enter(&wrapper);
    let bytes = w.expect(SEQUENCE, "ResponseBytes").map_err(malformed)?;
    w.finish("responseBytes").map_err(malformed)?;
    let mut b = w.enter(&bytes);
    let kind = b.expect(OID, "responseType").map_err(malformed)?;
    let kind = der_util::oid_dotted(kind.value).ok_or_else(|| bad("bad responseType"))?;
    if kind != ID_PKIX_OCSP_BASIC {
        return Err(OcspError::UnsupportedResponseType { oid: kind });
    }
    let octets = b.expect(OCTET_STRING, "response").map_err(malformed)?;
    b.finish("ResponseBytes").map_err(malformed)?;
    let mut out = basic(&b, &octets)?;
    out.der = der.to_vec();
    out.fingerprint = {
        use sha2::Digest as _;
        sha2::Sha256::digest(der).into()
    };
    Ok(out)
}

/// BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature BIT
/// STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }.
fn basic(outer: &Reader<'_>, octets: &Tlv<'_>) -> Result<OcspData, OcspError> {
    let mut r = outer.enter(octets);
    let seq = r.expect(SEQUENCE, "BasicOCSPResponse").map_err(malformed)?;
    r.finish("response").map_err(malformed)?;
    let mut b = r.enter(&seq);
    let tbs = b.expect(SEQUENCE, "tbsResponseData").map_err(malformed)?;
    let alg = b
        .expect(SEQUENCE, "signatureAlgorithm")
        .map_err(malformed)?;
    algorithm_identifier(&alg, &b).map_err(malformed)?;
    let signature = b.expect(BIT_STRING, "signature").map_err(malformed)?;
    let signature = der_util::bit_string(signature.value, "signature").map_err(malformed)?;
    let mut certs = Vec::new();
    if let Some(wrapper) = b.optional(cons(0), "certs").map_err(malformed)? {
        let mut w = b.enter(&wrapper);
        let list = w.expect(SEQUENCE, "certs").map_err(malformed)?;
        w.finish("certs").map_err(malformed)?;
        let mut l = w.enter(&list);
        while !l.is_empty() {
            if certs.len() == MAX_RESPONSE_CERTS {
                return Err(OcspError::TooMany {
                    what: "certificates",
                    max: MAX_RESPONSE_CERTS,
                });
            }
            let cert = l.expect(SEQUENCE, "Certificate").map_err(malformed)?;
            let cert = Certificate::from_der(cert.raw)
                .map_err(|e| bad(format!("certificate {}: {e}", certs.len())))?;
            certs.push(cert);
        }
    }
    b.finish("BasicOCSPResponse").map_err(malformed)?;

    // ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID,
    // producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
    // responseExtensions [1] EXPLICIT Extensions OPTIONAL }
    let mut t = b.enter(&tbs);
    let version = match t.optional(cons(0), "version").map_err(malformed)? {
        Some(wrapper) => {
            let mut w = t.enter(&wrapper);
            let v = w.expect(INTEGER, "version").map_err(malformed)?;
            w.finish("version").map_err(malformed)?;
            let v = der_util::der_u32(&v, INTEGER, "version").map_err(malformed)?;
            if v != 0 {
                return Err(bad(format!("ResponseData version {v} is not v1 (0)")));
            }
            v
        }
        None => 0,
    };
    let responder_id = match t.peek_tag() {
        Some(tag) if tag == cons(1) => {
            let wrapper = t.any("responderID byName").map_err(malformed)?;
            let mut w = t.enter(&wrapper);
            let name = w.expect(SEQUENCE, "byName").map_err(malformed)?;
            w.finish("byName").map_err(malformed)?;
            ResponderId::ByName(DistinguishedName::decode(&name, &w).map_err(malformed)?)
        }
        Some(tag) if tag == cons(2) => {
            let wrapper = t.any("responderID byKey").map_err(malformed)?;
            let mut w = t.enter(&wrapper);
            let key = w.expect(OCTET_STRING, "byKey").map_err(malformed)?;
            w.finish("byKey").map_err(malformed)?;
            ResponderId::ByKey(key.value.to_vec())
        }
        _ => return Err(bad("responderID is neither byName [1] nor byKey [2]")),
    };
    let produced_at = generalized_time(&t.any("producedAt").map_err(malformed)?, "producedAt")?;
    let list = t.expect(SEQUENCE, "responses").map_err(malformed)?;
    let mut responses = Vec::new();
    let mut l = t.enter(&list);
    while !l.is_empty() {
        if responses.len() == MAX_SINGLE_RESPONSES {
            return Err(OcspError::TooMany {
                what: "responses",
                max: MAX_SINGLE_RESPONSES,
            });
        }
        let single = l.expect(SEQUENCE, "SingleResponse").map_err(malformed)?;
        responses.push(single_response(&l, &single)?);
    }
    let mut nonce = None;
    let mut unknown_critical = Vec::new();
    if let Some(wrapper) = t
        .optional(cons(1), "responseExtensions")
        .map_err(malformed)?
    {
        let mut w = t.enter(&wrapper);
        let list = w
            .expect(SEQUENCE, "responseExtensions")
            .map_err(malformed)?;
        w.finish("responseExtensions").map_err(malformed)?;
        for ext in read_extensions(&list, &w).map_err(malformed)? {
            if ext.oid == ID_PKIX_OCSP_NONCE {
                nonce = Some(ext.value.to_vec());
            } else if ext.critical {
                unknown_critical.push(ext.oid);
            }
        }
    }
    t.finish("tbsResponseData").map_err(malformed)?;
    Ok(OcspData {
        der: Vec::new(),
        fingerprint: [0; 32],
        tbs: tbs.range(),
        version,
        responder_id,
        produced_at,
        responses,
        nonce,
        unknown_critical,
        signature_algorithm_der: alg.range(),
        signature: signature.to_vec(),
        certs,
    })
}

/// SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate GeneralizedTime,
/// nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT
/// Extensions OPTIONAL }.
fn single_response(outer: &Reader<'_>, single: &Tlv<'_>) -> Result<SingleResponse, OcspError> {
    let mut s = outer.enter(single);
    let id = s.expect(SEQUENCE, "CertID").map_err(malformed)?;
    let cert_id = {
        let mut c = s.enter(&id);
        let alg = c.expect(SEQUENCE, "hashAlgorithm").map_err(malformed)?;
        algorithm_identifier(&alg, &c).map_err(malformed)?;
        let mut a = c.enter(&alg);
        let oid = a.expect(OID, "hashAlgorithm").map_err(malformed)?;
        let hash_algorithm_oid =
            der_util::oid_dotted(oid.value).ok_or_else(|| bad("bad hashAlgorithm"))?;
        let hash_algorithm = der_util::oid(&oid, "hashAlgorithm")
            .ok()
            .and_then(|o| HashAlgorithm::from_oid(&o).ok());
        let name_hash = c
            .expect(OCTET_STRING, "issuerNameHash")
            .map_err(malformed)?;
        let key_hash = c.expect(OCTET_STRING, "issuerKeyHash").map_err(malformed)?;
        let serial = c.expect(INTEGER, "serialNumber").map_err(malformed)?;
        if serial.value.is_empty() {
            return Err(bad("empty serialNumber"));
        }
        c.finish("CertID").map_err(malformed)?;
        CertId {
            hash_algorithm_oid,
            hash_algorithm,
            issuer_name_hash: name_hash.value.to_vec(),
            issuer_key_hash: key_hash.value.to_vec(),
            serial: serial.value.to_vec(),
        }
    };
    let status = s.any("certStatus").map_err(malformed)?;
    let status = match status.tag {
        t if t == prim(0) && status.value.is_empty() => CertStatus::Good,
        t if t == prim(2) && status.value.is_empty() => CertStatus::Unknown,
        t if t == cons(1) => {
            // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime,
            // revocationReason [0] EXPLICIT CRLReason OPTIONAL } (IMPLICIT tagged)
            let mut ri = s.enter(&status);
            let time = generalized_time(
                &ri.any("revocationTime").map_err(malformed)?,
                "revocationTime",
            )?;
            let reason = match ri
                .optional(cons(0), "revocationReason")
                .map_err(malformed)?
            {
                Some(wrapper) => {
                    let mut w = ri.enter(&wrapper);
                    let code = w.expect(ENUMERATED, "CRLReason").map_err(malformed)?;
                    w.finish("revocationReason").map_err(malformed)?;
                    let code =
                        der_util::der_u32(&code, ENUMERATED, "CRLReason").map_err(malformed)?;
                    Some(
                        u8::try_from(code)
                            .ok()
                            .and_then(RevocationReason::from_code)
                            .ok_or_else(|| bad(format!("unknown CRLReason {code}")))?,
                    )
                }
                None => None,
            };
            ri.finish("RevokedInfo").map_err(malformed)?;
            CertStatus::Revoked { time, reason }
        }
        t => return Err(bad(format!("certStatus has tag 0x{t:02x}"))),
    };
    let this_update = generalized_time(&s.any("thisUpdate").map_err(malformed)?, "thisUpdate")?;
    let next_update = match s.optional(cons(0), "nextUpdate").map_err(malformed)? {
        Some(wrapper) => {
            let mut w = s.enter(&wrapper);
            let t = generalized_time(&w.any("nextUpdate").map_err(malformed)?, "nextUpdate")?;
            w.finish("nextUpdate").map_err(malformed)?;
            Some(t)
        }
        None => None,
    };
    let mut unknown_critical = Vec::new();
    if let Some(wrapper) = s.optional(cons(1), "singleExtensions").map_err(malformed)? {
        let mut w = s.enter(&wrapper);
        let list = w.expect(SEQUENCE, "singleExtensions").map_err(malformed)?;
        w.finish("singleExtensions").map_err(malformed)?;
        for ext in read_extensions(&list, &w).map_err(malformed)? {
            if ext.critical {
                unknown_critical.push(ext.oid);
            }
        }
    }
    s.finish("SingleResponse").map_err(malformed)?;
    Ok(SingleResponse {
        cert_id,
        status,
        this_update,
        next_update,
        unknown_critical,
    })
}

/// The subjectPublicKey bits of a DER SubjectPublicKeyInfo (what CertID's issuerKeyHash and
/// ResponderID byKey hash), `None` if it is not one.
pub(crate) fn subject_public_key_bits(spki: &[u8]) -> Option<&[u8]> {
    let mut r = Reader::der(spki);
    let seq = r.expect(SEQUENCE, "SubjectPublicKeyInfo").ok()?;
    let mut s = r.enter(&seq);
    s.expect(SEQUENCE, "algorithm").ok()?;
    let bits = s.expect(BIT_STRING, "subjectPublicKey").ok()?;
    der_util::bit_string(bits.value, "subjectPublicKey").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_shapes_are_errors() {
        for bad in [
            &[][..],
            &[0x30, 0x03, 0x0a, 0x01, 0x00],
            &[0x30, 0x03, 0x0a, 0x01, 0x03],
            &[0x30, 0x80, 0x0a, 0x01, 0x00, 0x00, 0x00],
        ] {
            assert!(OcspResponse::from_der(bad).is_err(), "{bad:02x?}");
        }
        assert_eq!(
            OcspResponse::from_der(&[0x30, 0x03, 0x0a, 0x01, 0x03]).unwrap_err(),
            OcspError::NotSuccessful {
                status: OcspResponseStatus::TryLater
            }
        );
    }
}
